//! The performance agreements (prestatieafspraken) of the contracts: each JeugdzorgPlus
//! provider's afbouw of closed places (its share of the region group's capacity
//! trajectory, so that the providers' agreements add up to it: Zuid-West 235 → 100 in
//! 2024), the opbouw of its open alternatives, and KPI norms per contract and year; one
//! norm is renegotiated after a quarterly review.

use chrono::{Datelike, NaiveDate};
use kringloop_events::{
    Afspraakinhoud, Capaciteitspunt, Normkpi, PrestatieafspraakGewijzigd,
    PrestatieafspraakVastgelegd, Regime, Richting, Vorm, contract_stream,
};

use super::{Contract, Ctx, Soort};
use crate::calibration;
use crate::date::{MICROS_PER_SEC, day_start, plus_days, ymd};

const UUR: i64 = 3600 * MICROS_PER_SEC;

/// The provider whose norm is renegotiated, and the year (if the history holds it).
const HEROVERLEG_AANBIEDER: &str = "HORIZON";
const HEROVERLEG_JAAR: i32 = 2023;

/// The region group's closed-capacity trajectory on `d` (the targets' path, scaled).
pub(crate) fn traject(ctx: &Ctx<'_>, l: usize, d: NaiveDate) -> u32 {
    let code = ctx.w.landsdelen[l].code;
    (calibration::gesloten_capaciteit(code, d) * ctx.cfg.scale)
        .round()
        .max(0.0) as u32
}

/// The trajectory on `d` shared over landsdeel `l`'s JeugdzorgPlus providers in
/// proportion to their planned closed places (largest remainder, so the shares add up
/// exactly). Returns (provider, places).
pub(crate) fn verdeling(ctx: &Ctx<'_>, l: usize, d: NaiveDate) -> Vec<(usize, u32)> {
    let totaal = traject(ctx, l, d);
    let aanbieders: Vec<usize> = (0..ctx.w.aanbieders.len())
        .filter(|a| {
            ctx.w.aanbieders[*a].landsdeel == l
                && ctx.per_aanbieder[*a]
                    .iter()
                    .any(|vz| ctx.w.voorzieningen[*vz].regime == Regime::Gesloten)
        })
        .collect();
    if aanbieders.is_empty() {
        return Vec::new();
    }
    let gewicht: Vec<f64> = aanbieders
        .iter()
        .map(|a| ctx.plaatsen_aanbieder(*a, None, Regime::Gesloten, d) as f64)
        .collect();
    let som: f64 = gewicht.iter().sum();
    let aandeel: Vec<f64> = if som > 0.0 {
        gewicht
            .iter()
            .map(|g| g / som * f64::from(totaal))
            .collect()
    } else {
        vec![f64::from(totaal) / aanbieders.len() as f64; aanbieders.len()]
    };
    let mut heel: Vec<u32> = aandeel.iter().map(|x| x.floor() as u32).collect();
    let mut rest = totaal.saturating_sub(heel.iter().sum());
    let mut volgorde: Vec<usize> = (0..aanbieders.len()).collect();
    volgorde.sort_by(|a, b| {
        let (ra, rb) = (
            aandeel[*a] - aandeel[*a].floor(),
            aandeel[*b] - aandeel[*b].floor(),
        );
        rb.total_cmp(&ra).then(a.cmp(b))
    });
    for i in volgorde.iter().cycle().take(volgorde.len() * 2) {
        if rest == 0 {
            break;
        }
        heel[*i] += 1;
        rest -= 1;
    }
    aanbieders.into_iter().zip(heel).collect()
}

/// 1 January of every year from `van` to `tot` (inclusive) within the history.
fn nieuwjaarsdagen(ctx: &Ctx<'_>, van: NaiveDate, tot: NaiveDate) -> Vec<NaiveDate> {
    let eerste = van.max(ymd(ctx.w.t0.year(), 1, 1));
    let laatste = tot.min(ctx.laatste_dag);
    (eerste.year()..=laatste.year())
        .map(|y| ymd(y, 1, 1))
        .filter(|d| *d >= eerste && *d <= laatste)
        .collect()
}

fn afbouw(ctx: &Ctx<'_>, c: &Contract, data: &[NaiveDate]) -> Afspraakinhoud {
    let punten = data
        .iter()
        .map(|d| Capaciteitspunt {
            datum: *d,
            plaatsen: verdeling(ctx, c.landsdeel, *d)
                .into_iter()
                .find(|(a, _)| *a == c.aanbieder)
                .map_or(0, |x| x.1),
        })
        .collect();
    Afspraakinhoud::Capaciteit {
        vorm: None,
        regime: Some(Regime::Gesloten),
        richting: Richting::Afbouw,
        punten,
    }
}

fn opbouw(ctx: &Ctx<'_>, c: &Contract, data: &[NaiveDate]) -> Option<Afspraakinhoud> {
    let punten: Vec<Capaciteitspunt> = data
        .iter()
        .map(|d| Capaciteitspunt {
            datum: *d,
            plaatsen: ctx.plaatsen_aanbieder(c.aanbieder, None, Regime::Open, *d) as u32,
        })
        .collect();
    punten
        .iter()
        .any(|p| p.plaatsen > 0)
        .then_some(Afspraakinhoud::Capaciteit {
            vorm: None,
            regime: Some(Regime::Open),
            richting: Richting::Opbouw,
            punten,
        })
}

/// A norm planned for a contract, kept for the renegotiation.
struct Norm {
    contract: String,
    afspraak: String,
    datum: NaiveDate,
    inhoud: Afspraakinhoud,
}

pub(crate) fn plan(ctx: &mut Ctx<'_>, contracten: &[Contract]) {
    let mut normen: Vec<Norm> = Vec::new();
    for c in contracten {
        capaciteit(ctx, c);
        normen.extend(kpi_normen(ctx, c));
    }
    heroverleg(ctx, contracten, &normen);
}

/// The afbouw and opbouw agreements of a JeugdzorgPlus provider's contract, continued
/// with every extension.
fn capaciteit(ctx: &mut Ctx<'_>, c: &Contract) {
    if c.soort != Soort::Gesloten {
        return;
    }
    let w = ctx.w;
    // The first contracts get their agreement when the region group adopts its plan
    // (Zuid-West: the target of 100 places in 2024 was set in mid-2019); later contracts
    // have it from the start.
    let (vastgelegd, t) = match c.t {
        None => {
            let d = ymd(w.t0.year(), 9, 16);
            (d, ctx.moment(d, 11, c.aanbieder as i64))
        }
        Some(t) => (plus_days(c.van, -42), Some(t + 60 * MICROS_PER_SEC)),
    };
    if vastgelegd >= w.eind || vastgelegd > c.einde_op(vastgelegd) {
        return;
    }
    let datum = vastgelegd.max(c.van);
    let stream = contract_stream(&c.id);
    let data = nieuwjaarsdagen(ctx, c.van, c.einde_op(vastgelegd));
    if data.is_empty() {
        return;
    }
    let afbouw_inhoud = afbouw(ctx, c, &data);
    let f = PrestatieafspraakVastgelegd {
        contract: c.id.clone(),
        afspraak: "AFBOUW".to_owned(),
        datum,
        inhoud: afbouw_inhoud,
        toelichting: "afbouw gesloten plaatsen: aandeel van de aanbieder in het \
                      capaciteitstraject van de regio"
            .to_owned(),
    };
    ctx.push(t, stream.clone(), f.into());
    let opbouw_inhoud = opbouw(ctx, c, &data);
    if let Some(inhoud) = &opbouw_inhoud {
        let f = PrestatieafspraakVastgelegd {
            contract: c.id.clone(),
            afspraak: "OPBOUW".to_owned(),
            datum,
            inhoud: inhoud.clone(),
            toelichting: "opbouw van open en ambulante alternatieven voor gesloten plaatsen"
                .to_owned(),
        };
        ctx.push(t.map(|x| x + MICROS_PER_SEC), stream.clone(), f.into());
    }
    // Each extension carries the trajectory into the added year (not for a contract the
    // region is about to end: its successor has its own agreement).
    let mut punten = data.len();
    for (besloten, tot) in &c.verlengingen {
        if *besloten <= vastgelegd || c.beeindigd.is_some() {
            continue;
        }
        let nieuw = nieuwjaarsdagen(ctx, c.van, c.einde_op(*besloten));
        if nieuw.len() <= punten {
            continue;
        }
        punten = nieuw.len();
        let t = ctx.moment(*besloten, 12, 0);
        let reden = format!("contract verlengd tot {tot}: afspraak doorgetrokken");
        let f = PrestatieafspraakGewijzigd {
            contract: c.id.clone(),
            afspraak: "AFBOUW".to_owned(),
            datum: *besloten,
            inhoud: afbouw(ctx, c, &nieuw),
            reden: reden.clone(),
        };
        ctx.push(t, stream.clone(), f.into());
        if opbouw_inhoud.is_some()
            && let Some(inhoud) = opbouw(ctx, c, &nieuw)
        {
            let f = PrestatieafspraakGewijzigd {
                contract: c.id.clone(),
                afspraak: "OPBOUW".to_owned(),
                datum: *besloten,
                inhoud,
                reden,
            };
            ctx.push(t.map(|x| x + MICROS_PER_SEC), stream.clone(), f.into());
        }
    }
}

/// The KPI norms of a contract for each of its years, agreed in January.
fn kpi_normen(ctx: &mut Ctx<'_>, c: &Contract) -> Vec<Norm> {
    let w = ctx.w;
    let stream = contract_stream(&c.id);
    let ambulant = c.producten.iter().any(|p| p.vorm == Vorm::Ambulant);
    let mut out = Vec::new();
    let eerste = c.van.year().max(w.t0.year());
    for y in eerste..=c.einde().year().min(ctx.laatste_dag.year()) {
        let vastgelegd = ymd(y, 1, 8 + ctx.r.between(0, 14) as u32);
        let einde = c.einde_op(vastgelegd);
        let van = ymd(y, 1, 1).max(c.van);
        let tot = ymd(y, 12, 31).min(einde).min(ctx.laatste_dag);
        if van > tot {
            continue;
        }
        let k = f64::from((y - 2019).max(0));
        let mut lijst: Vec<(&str, Normkpi, Option<f64>, Option<f64>)> = Vec::new();
        match c.soort {
            Soort::Gesloten => {
                lijst.push((
                    "LIGDUUR",
                    Normkpi::GemiddeldeVerblijfsduur,
                    None,
                    Some((200.0 - 2.0 * k).max(170.0)),
                ));
                lijst.push((
                    "SPOED",
                    Normkpi::Spoedaandeel,
                    None,
                    Some(((75.0 - k) / 100.0).max(0.6)),
                ));
                lijst.push(("UITSTROOM", Normkpi::UitstroomLichtereZorg, Some(0.3), None));
                lijst.push((
                    "BEZETTING",
                    Normkpi::Bezettingsgraad,
                    Some(0.75),
                    Some(0.95),
                ));
                lijst.push((
                    "MAATREGELEN",
                    Normkpi::MaatregelenPer1000Ligdagen,
                    None,
                    Some((3.0 - 0.15 * k).max(1.5)),
                ));
                if ambulant {
                    lijst.push((
                        "AMBULANT",
                        Normkpi::RatioAmbulantBed,
                        Some(0.05 + 0.02 * k),
                        None,
                    ));
                }
            }
            Soort::Alternatief => {
                lijst.push(("BEZETTING", Normkpi::Bezettingsgraad, Some(0.7), Some(0.95)));
                lijst.push(("UITSTROOM", Normkpi::UitstroomLichtereZorg, Some(0.4), None));
            }
            Soort::Regionaal(_) => {
                lijst.push(("BEZETTING", Normkpi::Bezettingsgraad, Some(0.7), Some(0.95)));
            }
        }
        for (i, (kort, kpi, min, max)) in lijst.into_iter().enumerate() {
            let inhoud = Afspraakinhoud::Norm {
                kpi,
                van,
                tot_en_met: tot,
                min: min.map(rond),
                max: max.map(rond),
            };
            let afspraak = format!("{kort}-{y}");
            let t = Some(day_start(vastgelegd) + 10 * UUR + i as i64 * MICROS_PER_SEC);
            let t = t.filter(|_| vastgelegd >= w.t0);
            let f = PrestatieafspraakVastgelegd {
                contract: c.id.clone(),
                afspraak: afspraak.clone(),
                datum: van,
                inhoud: inhoud.clone(),
                toelichting: format!("jaarafspraak {y}"),
            };
            ctx.push(t, stream.clone(), f.into());
            out.push(Norm {
                contract: c.id.clone(),
                afspraak,
                datum: van,
                inhoud,
            });
        }
    }
    out
}

fn rond(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One norm renegotiated after the quarterly review of 15 April: Horizon's average stay
/// (longer stays of a heavier group as the lighter youths go to the alternatives).
fn heroverleg(ctx: &mut Ctx<'_>, contracten: &[Contract], normen: &[Norm]) {
    let w = ctx.w;
    let (eerste, laatste) = (w.t0.year(), ctx.laatste_dag.year());
    let jaar = if (eerste..=laatste).contains(&HEROVERLEG_JAAR) {
        HEROVERLEG_JAAR
    } else {
        laatste
    };
    let review = ymd(jaar, 4, 15);
    let Some(c) = contracten.iter().find(|c| {
        w.aanbieders[c.aanbieder].id == HEROVERLEG_AANBIEDER
            && c.van <= review
            && review <= c.einde()
    }) else {
        return;
    };
    let afspraak = format!("LIGDUUR-{jaar}");
    let Some(n) = normen
        .iter()
        .find(|n| n.contract == c.id && n.afspraak == afspraak)
    else {
        return;
    };
    let Afspraakinhoud::Norm {
        kpi,
        van,
        tot_en_met,
        min,
        max,
    } = n.inhoud.clone()
    else {
        return;
    };
    if review < n.datum || review > tot_en_met || review > ctx.laatste_dag {
        return;
    }
    let inhoud = Afspraakinhoud::Norm {
        kpi,
        van,
        tot_en_met,
        min,
        max: max.map(|m| m + 20.0),
    };
    let f = PrestatieafspraakGewijzigd {
        contract: c.id.clone(),
        afspraak,
        datum: review,
        inhoud,
        reden: format!(
            "kwartaalgesprek Q1 {jaar}: de groep die na de afbouw overblijft is zwaarder; \
             norm gemiddelde verblijfsduur met 20 dagen verruimd"
        ),
    };
    let t = ctx.moment(plus_days(review, 5), 14, 0);
    ctx.push(t, contract_stream(&c.id), f.into());
}
