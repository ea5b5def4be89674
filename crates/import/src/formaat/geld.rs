//! The facts of contracts whose catalogue content is nested, built from their flat
//! columns: a contract row (one product of the contract; [`crate::contract`] joins the
//! rows of one contract into one fact), the volume guarantees of a change, and a
//! performance agreement (capacity or norm).

use chrono::NaiveDate;
use kringloop_events::geld::{
    Afspraakinhoud, Financiering, Normkpi, Perceel, Product, Richting, Tarief, Tariefeenheid,
    Volumegarantie,
};
use kringloop_events::types::{Regime, Vorm};
use kringloop_events::{
    ContractGesloten, Gebeurtenis, PrestatieafspraakGewijzigd, PrestatieafspraakVastgelegd,
    VolumegarantieGewijzigd,
};
use serde::de::DeserializeOwned;

use super::{VeldFout, Waarde, fout, neem};

type Data<'a> = Vec<(&'static str, Waarde<'a>)>;

/// Builds the fact of `event_type` from its checked columns, for the types with nested
/// content; `None` for the others.
pub(super) fn bouw(event_type: &str, data: &mut Data<'_>) -> Option<Result<Gebeurtenis, VeldFout>> {
    Some(match event_type {
        "ContractGesloten" => contract(data),
        "VolumegarantieGewijzigd" => garanties(data),
        "PrestatieafspraakVastgelegd" => afspraak(data, false),
        "PrestatieafspraakGewijzigd" => afspraak(data, true),
        _ => return None,
    })
}

fn tekst(data: &mut Data<'_>, naam: &str) -> Result<String, VeldFout> {
    match neem(data, naam) {
        Some(Waarde::Tekst(t)) => Ok(t.to_owned()),
        _ => Err(fout(format!("veld `{naam}` ontbreekt of is leeg"))),
    }
}

fn verplichte_datum(data: &mut Data<'_>, naam: &str) -> Result<NaiveDate, VeldFout> {
    opt_datum(data, naam)?.ok_or_else(|| fout(format!("veld `{naam}` ontbreekt of is leeg")))
}

fn opt_datum(data: &mut Data<'_>, naam: &str) -> Result<Option<NaiveDate>, VeldFout> {
    Ok(match neem(data, naam) {
        Some(Waarde::Datum(d)) => Some(d),
        _ => None,
    })
}

/// A code column as the domain enum it names (the code lists are tested against the
/// enums, so this fails only for an empty optional column).
fn code<T: DeserializeOwned>(data: &mut Data<'_>, naam: &str) -> Result<Option<T>, VeldFout> {
    match neem(data, naam) {
        Some(Waarde::Code(c)) => serde_json::from_value(serde_json::Value::String(c.to_owned()))
            .map(Some)
            .map_err(|_| fout(format!("veld `{naam}`: onbekende waarde `{c}`"))),
        _ => Ok(None),
    }
}

fn verplichte_code<T: DeserializeOwned>(data: &mut Data<'_>, naam: &str) -> Result<T, VeldFout> {
    code(data, naam)?.ok_or_else(|| fout(format!("veld `{naam}` ontbreekt of is leeg")))
}

fn getal(data: &mut Data<'_>, naam: &str) -> Option<u32> {
    match neem(data, naam) {
        Some(Waarde::Getal(n)) => Some(n),
        _ => None,
    }
}

fn cent(data: &mut Data<'_>, naam: &str) -> Option<i64> {
    match neem(data, naam) {
        Some(Waarde::Cent(c)) => Some(c),
        _ => None,
    }
}

fn contract(data: &mut Data<'_>) -> Result<Gebeurtenis, VeldFout> {
    let contract = tekst(data, "contract")?;
    let aanbieder = tekst(data, "aanbieder")?;
    let jeugdregios = match neem(data, "jeugdregios") {
        Some(Waarde::Lijst(l)) => l.into_iter().map(str::to_owned).collect(),
        _ => return Err(fout("veld `jeugdregios` ontbreekt of is leeg")),
    };
    let financiering: Financiering = verplichte_code(data, "financiering")?;
    let van = verplichte_datum(data, "van")?;
    let tot_en_met = verplichte_datum(data, "tot_en_met")?;
    let verlengingsopties = match getal(data, "verlengingsopties") {
        None => 0,
        Some(n) => u8::try_from(n).map_err(|_| {
            fout(format!(
                "veld `verlengingsopties`: {n} is te veel (hoogstens 255)"
            ))
        })?,
    };
    let verlenging_maanden = match getal(data, "verlenging_maanden") {
        None => 0,
        Some(n) => u16::try_from(n).map_err(|_| {
            fout(format!(
                "veld `verlenging_maanden`: {n} is te veel (hoogstens 65535)"
            ))
        })?,
    };
    if verlengingsopties > 0 && verlenging_maanden == 0 {
        return Err(fout(
            "`verlengingsopties` is gevuld maar `verlenging_maanden` niet: hoe lang is een verlenging?",
        ));
    }
    let budgetplafond_cent = cent(data, "budgetplafond_cent");
    let perceel = tekst(data, "perceel")?;
    let perceel_naam = tekst(data, "perceel_naam")?;
    let product = tekst(data, "product")?;
    let vorm: Vorm = verplichte_code(data, "vorm")?;
    let regime: Regime = verplichte_code(data, "regime")?;
    let eenheid: Tariefeenheid = verplichte_code(data, "eenheid")?;
    let tarief = cent(data, "tarief").ok_or_else(|| fout("veld `tarief` ontbreekt of is leeg"))?;
    let geldig_van = opt_datum(data, "tarief_geldig_van")?.unwrap_or(van);
    let volumegaranties = match neem(data, "garantie") {
        Some(Waarde::Garantie(plaatsen, bezettingsaandeel_procent)) => vec![Volumegarantie {
            product: product.clone(),
            plaatsen,
            bezettingsaandeel_procent,
        }],
        _ => Vec::new(),
    };
    Ok(ContractGesloten {
        contract,
        aanbieder,
        jeugdregios,
        financiering,
        percelen: vec![Perceel {
            code: perceel,
            naam: perceel_naam,
            producten: vec![Product {
                code: product.clone(),
                vorm,
                regime,
                eenheid,
            }],
        }],
        tarieven: vec![Tarief {
            product,
            bedrag_cent: tarief,
            geldig_van,
        }],
        van,
        tot_en_met,
        verlengingsopties,
        verlenging_maanden,
        volumegaranties,
        budgetplafond_cent,
    }
    .into())
}

fn garanties(data: &mut Data<'_>) -> Result<Gebeurtenis, VeldFout> {
    let contract = tekst(data, "contract")?;
    let datum = verplichte_datum(data, "datum")?;
    let volumegaranties = match neem(data, "volumegaranties") {
        Some(Waarde::Garanties(g)) => g,
        _ => Vec::new(),
    };
    let reden = tekst(data, "reden")?;
    Ok(VolumegarantieGewijzigd {
        contract,
        datum,
        volumegaranties,
        reden,
    }
    .into())
}

/// The columns of one kind of agreement: filled in a row of the other kind they are a
/// mistake.
const CAPACITEIT: [&str; 4] = ["richting", "punten", "vorm", "regime"];
const NORM: [&str; 5] = ["kpi", "van", "tot_en_met", "min", "max"];

fn afspraak(data: &mut Data<'_>, gewijzigd: bool) -> Result<Gebeurtenis, VeldFout> {
    let contract = tekst(data, "contract")?;
    let afspraak = tekst(data, "afspraak")?;
    let datum = verplichte_datum(data, "datum")?;
    let soort = match neem(data, "soort") {
        Some(Waarde::Code(c)) => c,
        _ => return Err(fout("veld `soort` ontbreekt of is leeg")),
    };
    let gevuld = |data: &Data<'_>, naam: &str| {
        data.iter()
            .any(|(n, w)| *n == naam && !matches!(w, Waarde::Null))
    };
    let (eigen, andere): (&[&str], &[&str]) = if soort == "CAPACITEIT" {
        (&CAPACITEIT, &NORM)
    } else {
        (&NORM, &CAPACITEIT)
    };
    if let Some(k) = andere.iter().find(|k| gevuld(data, k)) {
        return Err(fout(format!(
            "kolom `{k}` hoort niet bij een afspraak van soort {soort} (die gebruikt {}); laat die cel leeg",
            eigen.join(", ")
        )));
    }
    let inhoud = if soort == "CAPACITEIT" {
        let richting: Richting = verplichte_code(data, "richting").map_err(|_| {
            fout("veld `richting` ontbreekt: AFBOUW (hoogstens) of OPBOUW (minstens)")
        })?;
        let punten = match neem(data, "punten") {
            Some(Waarde::Punten(p)) if !p.is_empty() => p,
            _ => {
                return Err(fout(
                    "veld `punten` ontbreekt: datum:plaatsen, gescheiden door ; (bv. 2025-01-01:12;2026-01-01:8)",
                ));
            }
        };
        Afspraakinhoud::Capaciteit {
            vorm: code(data, "vorm")?,
            regime: code(data, "regime")?,
            richting,
            punten,
        }
    } else {
        // By the KPI's documented `code()` (its serde name may be spelled otherwise).
        let kpi = match neem(data, "kpi") {
            Some(Waarde::Code(c)) => Normkpi::ALL
                .into_iter()
                .find(|k| k.code() == c)
                .ok_or_else(|| fout(format!("veld `kpi`: onbekende waarde `{c}`")))?,
            _ => return Err(fout("veld `kpi` ontbreekt of is leeg")),
        };
        let van = verplichte_datum(data, "van")?;
        let tot_en_met = verplichte_datum(data, "tot_en_met")?;
        let grens = |data: &mut Data<'_>, naam: &str| match neem(data, naam) {
            Some(Waarde::Decimaal(d)) => Some(d),
            _ => None,
        };
        let min = grens(data, "min");
        let max = grens(data, "max");
        if min.is_none() && max.is_none() {
            return Err(fout(
                "een norm heeft `min` of `max` nodig (of allebei); beide zijn leeg",
            ));
        }
        Afspraakinhoud::Norm {
            kpi,
            van,
            tot_en_met,
            min,
            max,
        }
    };
    Ok(if gewijzigd {
        PrestatieafspraakGewijzigd {
            contract,
            afspraak,
            datum,
            inhoud,
            reden: tekst(data, "reden")?,
        }
        .into()
    } else {
        let toelichting = match neem(data, "toelichting") {
            Some(Waarde::Tekst(t)) => t.to_owned(),
            _ => String::new(),
        };
        PrestatieafspraakVastgelegd {
            contract,
            afspraak,
            datum,
            inhoud,
            toelichting,
        }
        .into()
    })
}
