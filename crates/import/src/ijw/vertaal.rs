//! From iJw messages to proposed facts.
//!
//! - JW305 StartProduct → `PlaatsingGestart` in the facility the region mapping names;
//! - JW307 StopProduct → `PlaatsingBeeindigd` on the day after Einddatum (iJw's Einddatum
//!   is the last day of care; kringloop's end date is the first day away), with the
//!   destination and reason the mapping gives for its RedenBeeindiging;
//! - a JW307 with RedenBeeindiging 38 (overgang naar andere aanbieder) and a JW305 for the
//!   same youth in another residential facility starting on Einddatum or the day after
//!   → one `Doorgeplaatst` (the episode continues) instead of an end and a new start;
//! - a youth seen for the first time (not in the log, not earlier in these messages) →
//!   `JeugdigeGeregistreerd` first, with year of birth, sex and the message's gemeente;
//! - a JW307 and a JW305 in the same facility on Einddatum or the day after (a new
//!   toewijzing for care that goes on) → nothing: reported as skipped;
//! - JW301 / JW315 register a youth seen for the first time (an allocation is not a stay).
//!
//! Messages are processed in the order the knowledge arrived (Dagtekening), then valid
//! date, so a set of messages may be given in any order. A message already imported
//! (its key is in the log's sources) is skipped. Pairing happens within one import: give a
//! stop and its follow-up start in the same run to get a doorplaatsing.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use kringloop_events::rules::DomainState;
use kringloop_events::{
    Doorgeplaatst, Gebeurtenis, JeugdigeGeregistreerd, PlaatsingBeeindigd, PlaatsingGestart,
    RedenBeeindiging, Verblijfplaats, Vorm, jeugdige_stream,
};

use super::mapping::{ProductRegel, RegioMapping, Treffer};
use super::{Bericht, BerichtSoort, Product};
use crate::pseudonym::veilig;
use crate::record::{Afgewezen, Plaats, Voorstel};
use crate::report::Overgeslagen;

/// A parsed message and the file it came from.
#[derive(Debug, Clone)]
pub struct Invoerbericht {
    pub bestand: String,
    pub bericht: Bericht,
}

/// The facts proposed for a set of messages, plus what was rejected or skipped.
#[derive(Debug, Default)]
pub struct Vertaling {
    pub voorstellen: Vec<Voorstel>,
    pub afgewezen: Vec<Afgewezen>,
    pub overgeslagen: Vec<Overgeslagen>,
    /// Product lines (and product-less messages) read.
    pub records: u64,
}

#[derive(Debug, Clone, Copy)]
enum Soort<'m> {
    Registratie,
    Start {
        regel: &'m ProductRegel,
        datum: NaiveDate,
    },
    Stop {
        regel: &'m ProductRegel,
        /// Einddatum (inclusive).
        eind: NaiveDate,
        reden: RedenBeeindiging,
    },
}

#[derive(Debug, Clone, Copy)]
struct Kandidaat<'m> {
    bericht: usize,
    product: Option<usize>,
    datum: NaiveDate,
    soort: Soort<'m>,
}

fn plaats(b: &Invoerbericht, product: Option<&Product>) -> Plaats {
    let mut e = format!("{} {}", b.bericht.soort.code(), b.bericht.identificatie);
    if let Some(p) = product {
        e.push_str(&format!(
            " {} {}",
            String::from_utf8_lossy(b.bericht.soort.product_element()),
            p.nummer
        ));
    }
    Plaats::element(&b.bestand, e)
}

fn residentieel(r: &ProductRegel) -> bool {
    r.vorm != Vorm::Ambulant
}

/// Translates messages into proposed facts (see the module docs).
pub fn vertaal(
    berichten: &[Invoerbericht],
    mapping: &RegioMapping,
    state: &DomainState,
    al_geimporteerd: &HashSet<String>,
    backfill: bool,
) -> Vertaling {
    let mut uit = Vertaling::default();
    let mut kandidaten: Vec<Kandidaat<'_>> = Vec::new();
    let mut gezien: HashSet<String> = HashSet::new();
    for (bi, b) in berichten.iter().enumerate() {
        let m = &b.bericht;
        let sleutel = m.sleutel();
        if al_geimporteerd.contains(&sleutel) || !gezien.insert(sleutel) {
            uit.records += m.producten.len().max(1) as u64;
            uit.overgeslagen.push(Overgeslagen {
                plaats: plaats(b, None),
                reden: "dit bericht is al eerder geïmporteerd".to_owned(),
            });
            continue;
        }
        if m.producten.is_empty() {
            uit.records += 1;
            if matches!(m.soort, BerichtSoort::Jw301 | BerichtSoort::Jw315) {
                kandidaten.push(Kandidaat {
                    bericht: bi,
                    product: None,
                    datum: m.dagtekening,
                    soort: Soort::Registratie,
                });
            } else {
                uit.afgewezen.push(Afgewezen::onleesbaar(
                    plaats(b, None),
                    format!("{} zonder producten", m.soort.code()),
                ));
            }
            continue;
        }
        for (pi, p) in m.producten.iter().enumerate() {
            uit.records += 1;
            match kandidaat(b, bi, pi, p, mapping, state) {
                Ok(Some(k)) => kandidaten.push(k),
                Ok(None) => uit.overgeslagen.push(Overgeslagen {
                    plaats: plaats(b, Some(p)),
                    reden: format!(
                        "product {} {} is volgens de regiomapping geen verblijf",
                        p.categorie.as_deref().map(veilig).unwrap_or_default(),
                        p.code.as_deref().map(veilig).unwrap_or_default()
                    ),
                }),
                Err(a) => uit.afgewezen.push(a),
            }
        }
    }

    // Order: knowledge time (Dagtekening), then valid date, registrations before stops
    // before starts (a youth leaves before the next one arrives on the same day).
    let rang = |k: &Kandidaat<'_>| match k.soort {
        Soort::Registratie => 0,
        Soort::Stop { .. } => 1,
        Soort::Start { .. } => 2,
    };
    kandidaten.sort_by_key(|k| {
        (
            berichten[k.bericht].bericht.dagtekening,
            k.datum,
            rang(k),
            k.bericht,
            k.product,
        )
    });

    // Pair stops with reason 38 with a start elsewhere on Einddatum or the day after.
    // Starts are indexed per youth so that pairing stays linear in the number of messages.
    let mut starts_per_jeugdige: HashMap<&str, Vec<usize>> = HashMap::new();
    for (ti, t) in kandidaten.iter().enumerate() {
        if matches!(t.soort, Soort::Start { .. }) {
            starts_per_jeugdige
                .entry(berichten[t.bericht].bericht.pseudoniem.as_str())
                .or_default()
                .push(ti);
        }
    }
    let mut partner: HashMap<usize, usize> = HashMap::new();
    let mut bezet: HashSet<usize> = HashSet::new();
    // A stop and a start in the same facility on Einddatum or the day after is an
    // administrative change (a new toewijzing), not a leave and a return: care goes on,
    // so neither becomes a fact.
    let mut doorlopend: HashSet<usize> = HashSet::new();
    for (si, s) in kandidaten.iter().enumerate() {
        let Soort::Stop {
            regel: van,
            eind,
            reden,
        } = s.soort
        else {
            continue;
        };
        let wie = berichten[s.bericht].bericht.pseudoniem.as_str();
        let volgende = eind.checked_add_days(Days::new(1));
        let zoek = |past: &dyn Fn(&ProductRegel) -> bool| {
            starts_per_jeugdige.get(wie).and_then(|starts| {
                starts.iter().copied().find(|ti| {
                    !bezet.contains(ti)
                        && matches!(kandidaten[*ti].soort, Soort::Start { regel: naar, datum }
                            if (datum == eind || Some(datum) == volgende) && past(naar))
                })
            })
        };
        if reden != RedenBeeindiging::Overlijden
            && let Some(ti) = zoek(&|naar| naar.voorziening == van.voorziening)
        {
            bezet.insert(ti);
            doorlopend.insert(si);
            doorlopend.insert(ti);
            continue;
        }
        if reden != RedenBeeindiging::AndereAanbieder {
            continue;
        }
        let gevonden = zoek(&|naar| {
            naar.voorziening != van.voorziening && residentieel(naar) && residentieel(van)
        });
        if let Some(ti) = gevonden {
            bezet.insert(ti);
            partner.insert(si, ti);
        }
    }
    let mut doorlopend_op_volgorde: Vec<usize> = doorlopend.iter().copied().collect();
    doorlopend_op_volgorde.sort_unstable();
    for i in doorlopend_op_volgorde {
        let k = kandidaten[i];
        let b = &berichten[k.bericht];
        uit.overgeslagen.push(Overgeslagen {
            plaats: plaats(b, k.product.map(|pi| &b.bericht.producten[pi])),
            reden: "stop en start in dezelfde voorziening op aansluitende dagen: de zorg loopt door (administratieve wijziging)".to_owned(),
        });
    }
    let gepaard_start: HashSet<usize> = partner.values().copied().collect();

    // Each pair goes where its later message is.
    let mut volgorde: Vec<(usize, Option<usize>)> = Vec::new();
    let mut uitgesteld: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..kandidaten.len() {
        if gepaard_start.contains(&i) {
            volgorde.push((i, None));
            for s in uitgesteld.remove(&i).unwrap_or_default() {
                volgorde.push((s, Some(i)));
            }
            continue;
        }
        match partner.get(&i) {
            Some(&t) if t > i => uitgesteld.entry(t).or_default().push(i),
            Some(&t) => volgorde.push((i, Some(t))),
            None => volgorde.push((i, None)),
        }
    }

    let mut geregistreerd: HashSet<String> = HashSet::new();
    for (i, paar) in volgorde {
        let k = kandidaten[i];
        if doorlopend.contains(&i) {
            continue;
        }
        if gepaard_start.contains(&i) && paar.is_none() {
            continue; // emitted with its stop
        }
        let b = &berichten[k.bericht];
        let m = &b.bericht;
        let p = k.product.map(|pi| &m.producten[pi]);
        let mut bron = format!("import:ijw {}", m.sleutel());
        let mut tijd_bericht = m;
        let mut plek = plaats(b, p);
        let datum_feit = match (k.soort, paar) {
            (Soort::Stop { .. }, Some(t)) => kandidaten[t].datum,
            (Soort::Stop { eind, .. }, None) => eind.checked_add_days(Days::new(1)).unwrap_or(eind),
            _ => k.datum,
        };
        if let Some(t) = paar {
            let tb = &berichten[kandidaten[t].bericht];
            bron.push_str(&format!(" + {}", tb.bericht.sleutel()));
            if tb.bericht.dagtekening > tijd_bericht.dagtekening {
                tijd_bericht = &tb.bericht;
            }
            plek.element = Some(format!(
                "{} + {}",
                plek.element.unwrap_or_default(),
                plaats(
                    tb,
                    kandidaten[t].product.map(|pi| &tb.bericht.producten[pi])
                )
                .element
                .unwrap_or_default()
            ));
        }
        let geregistreerd_op: Option<DateTime<Utc>> = backfill
            .then(|| {
                tijd_bericht
                    .dagtekening
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc())
            })
            .flatten();
        let stream = jeugdige_stream(&m.pseudoniem);

        if !geregistreerd.contains(&m.pseudoniem) && !state.is_jeugdige_geregistreerd(&m.pseudoniem)
        {
            match m.geboortejaar {
                Some(jaar) => {
                    geregistreerd.insert(m.pseudoniem.clone());
                    uit.voorstellen.push(Voorstel {
                        plaats: plek.clone(),
                        stream: Some(stream.clone()),
                        feit: JeugdigeGeregistreerd {
                            pseudoniem: m.pseudoniem.clone(),
                            geboortejaar: jaar,
                            geslacht: m.geslacht,
                            woongemeente: m.gemeente(),
                            datum: datum_feit,
                        }
                        .into(),
                        event_id: None,
                        geregistreerd_op,
                        source: bron.clone(),
                    });
                }
                None => {
                    uit.afgewezen.push(Afgewezen::onleesbaar(
                        plek.clone(),
                        "Client/Geboortedatum ontbreekt; nodig om een nieuwe jeugdige te registreren",
                    ));
                    continue;
                }
            }
        }
        let feit: Gebeurtenis = match (k.soort, paar) {
            (Soort::Registratie, _) => continue,
            (Soort::Start { regel, datum }, _) => PlaatsingGestart {
                voorziening: regel.voorziening.clone(),
                datum,
                spoed: regel.spoed,
                crisis: regel
                    .crisis
                    .unwrap_or(p.and_then(|p| p.categorie.as_deref()) == Some("46")),
                // iJw does not say where the youth lived before.
                verblijf_voor: Verblijfplaats::Onbekend,
            }
            .into(),
            (Soort::Stop { regel: van, .. }, Some(t)) => {
                let Soort::Start { regel: naar, datum } = kandidaten[t].soort else {
                    continue;
                };
                Doorgeplaatst {
                    van: van.voorziening.clone(),
                    naar: naar.voorziening.clone(),
                    datum,
                    reden: mapping
                        .reden
                        .get("38")
                        .map(|r| r.reden.clone())
                        .unwrap_or_else(|| {
                            "overgang naar andere aanbieder (RedenBeeindiging 38)".to_owned()
                        }),
                    tegen_wens_jeugdige: false,
                    tegen_wens_aanbieder: false,
                }
                .into()
            }
            (Soort::Stop { regel, reden, .. }, None) => {
                let Some(r) = mapping.reden.get(reden.code()) else {
                    uit.afgewezen.push(Afgewezen {
                        plaats: plek,
                        code: "REDEN_NIET_GEMAPT".to_owned(),
                        reden: format!(
                            "RedenBeeindiging {} staat niet in de regiomapping ([reden.\"{}\"])",
                            reden.code(),
                            reden.code()
                        ),
                    });
                    continue;
                };
                PlaatsingBeeindigd {
                    voorziening: Some(regel.voorziening.clone()),
                    datum: datum_feit,
                    bestemming: r.bestemming,
                    reden: r.reden.clone(),
                    reden_beeindiging: Some(reden),
                }
                .into()
            }
        };
        uit.voorstellen.push(Voorstel {
            plaats: plek,
            stream: Some(stream),
            feit,
            event_id: None,
            geregistreerd_op,
            source: bron,
        });
    }
    uit
}

fn kandidaat<'m>(
    b: &Invoerbericht,
    bi: usize,
    pi: usize,
    p: &Product,
    mapping: &'m RegioMapping,
    state: &DomainState,
) -> Result<Option<Kandidaat<'m>>, Afgewezen> {
    let m = &b.bericht;
    let plek = || plaats(b, Some(p));
    if matches!(m.soort, BerichtSoort::Jw301 | BerichtSoort::Jw315) {
        return Ok(Some(Kandidaat {
            bericht: bi,
            product: Some(pi),
            datum: p.begindatum.unwrap_or(m.dagtekening),
            soort: Soort::Registratie,
        }));
    }
    if p.categorie.is_none() {
        return Err(Afgewezen::onleesbaar(plek(), "Product/Categorie ontbreekt"));
    }
    let regel = match mapping.zoek(m, p) {
        Treffer::Voorziening(r) => r,
        Treffer::Negeren => return Ok(None),
        Treffer::Onbekend => {
            return Err(Afgewezen {
                plaats: plek(),
                code: "PRODUCT_NIET_GEMAPT".to_owned(),
                reden: format!(
                    "product categorie {} code {} van aanbieder {} staat niet in regiomapping {}; voeg een [[product]] of [[negeer]] toe",
                    p.categorie.as_deref().map(veilig).unwrap_or_default(),
                    p.code
                        .as_deref()
                        .map(veilig)
                        .unwrap_or_else(|| "-".to_owned()),
                    veilig(m.aanbieder()),
                    mapping.regio
                ),
            });
        }
    };
    if let Some(v) = state.voorziening(&regel.voorziening)
        && (v.vorm != regel.vorm || v.regime != regel.regime)
    {
        return Err(Afgewezen {
            plaats: plek(),
            code: "MAPPING_KLOPT_NIET".to_owned(),
            reden: format!(
                "de regiomapping zegt dat voorziening {} {} {} is, maar zij is geregistreerd als {} {}",
                regel.voorziening, regel.vorm, regel.regime, v.vorm, v.regime
            ),
        });
    }
    match m.soort {
        BerichtSoort::Jw305 => {
            let datum = p
                .begindatum
                .ok_or_else(|| Afgewezen::onleesbaar(plek(), "Begindatum ontbreekt"))?;
            Ok(Some(Kandidaat {
                bericht: bi,
                product: Some(pi),
                datum,
                soort: Soort::Start { regel, datum },
            }))
        }
        _ => {
            let eind = p
                .einddatum
                .ok_or_else(|| Afgewezen::onleesbaar(plek(), "Einddatum ontbreekt"))?;
            let code = p
                .reden_beeindiging
                .as_deref()
                .ok_or_else(|| Afgewezen::onleesbaar(plek(), "RedenBeeindiging ontbreekt"))?;
            let reden = RedenBeeindiging::from_code(code).ok_or_else(|| {
                Afgewezen::onleesbaar(
                    plek(),
                    format!(
                        "RedenBeeindiging `{}` is onbekend; geldig zijn 02, 31, 32, 33, 34, 35, 38, 39",
                        veilig(code)
                    ),
                )
            })?;
            Ok(Some(Kandidaat {
                bericht: bi,
                product: Some(pi),
                datum: eind.checked_add_days(Days::new(1)).unwrap_or(eind),
                soort: Soort::Stop { regel, eind, reden },
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kringloop_events::Geslacht;

    fn mapping() -> RegioMapping {
        let tekst = include_str!("../../fixtures/ijw/mapping-rijnmond.toml");
        RegioMapping::lees("mapping-rijnmond.toml", tekst).unwrap_or_else(|e| panic!("{e}"))
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn bericht(
        soort: BerichtSoort,
        id: &str,
        dag: &str,
        afzender: &str,
        p: Product,
    ) -> Invoerbericht {
        Invoerbericht {
            bestand: format!("{id}.xml"),
            bericht: Bericht {
                soort,
                identificatie: id.to_owned(),
                dagtekening: d(dag),
                afzender: afzender.to_owned(),
                afzender_kenmerk: afzender.to_owned(),
                ontvanger: "0599".to_owned(),
                pseudoniem: "p-a".to_owned(),
                geboortejaar: Some(2009),
                geslacht: Geslacht::Man,
                producten: vec![p],
            },
        }
    }

    fn product(
        cat: &str,
        code: &str,
        begin: &str,
        eind: Option<&str>,
        reden: Option<&str>,
    ) -> Product {
        Product {
            nummer: 1,
            categorie: Some(cat.to_owned()),
            code: Some(code.to_owned()),
            begindatum: Some(d(begin)),
            einddatum: eind.map(d),
            reden_beeindiging: reden.map(str::to_owned),
            ..Product::default()
        }
    }

    #[test]
    fn a_start_reported_before_the_stop_still_makes_one_doorplaatsing() {
        let berichten = [
            // The new provider reports first, the old one a week later.
            bericht(
                BerichtSoort::Jw305,
                "S1",
                "2024-03-01",
                "87654321",
                product("43", "43A41", "2024-03-01", None, None),
            ),
            bericht(
                BerichtSoort::Jw305,
                "S2",
                "2024-09-02",
                "12345678",
                product("44", "44A05", "2024-09-01", None, None),
            ),
            bericht(
                BerichtSoort::Jw307,
                "E1",
                "2024-09-09",
                "87654321",
                product("43", "43A41", "2024-03-01", Some("2024-08-31"), Some("38")),
            ),
        ];
        let v = vertaal(
            &berichten,
            &mapping(),
            &DomainState::new(),
            &HashSet::new(),
            false,
        );
        assert!(v.afgewezen.is_empty(), "{:?}", v.afgewezen);
        let typen: Vec<&str> = v.voorstellen.iter().map(|v| v.feit.event_type()).collect();
        assert_eq!(
            typen,
            ["JeugdigeGeregistreerd", "PlaatsingGestart", "Doorgeplaatst"]
        );
        let laatste = v
            .voorstellen
            .last()
            .map(|v| v.source.clone())
            .unwrap_or_default();
        assert!(
            laatste.contains("JW305 S2") && laatste.contains("JW307 E1"),
            "{laatste}"
        );
    }

    #[test]
    fn a_stop_with_another_reason_is_an_end_the_day_after_einddatum() {
        let berichten = [
            bericht(
                BerichtSoort::Jw305,
                "S1",
                "2024-03-01",
                "87654321",
                product("43", "43A41", "2024-03-01", None, None),
            ),
            bericht(
                BerichtSoort::Jw307,
                "E1",
                "2024-09-02",
                "87654321",
                product("43", "43A41", "2024-03-01", Some("2024-08-31"), Some("34")),
            ),
            bericht(
                BerichtSoort::Jw305,
                "S2",
                "2024-09-03",
                "12345678",
                product("44", "44A05", "2024-09-01", None, None),
            ),
        ];
        let v = vertaal(
            &berichten,
            &mapping(),
            &DomainState::new(),
            &HashSet::new(),
            false,
        );
        let typen: Vec<&str> = v.voorstellen.iter().map(|v| v.feit.event_type()).collect();
        assert_eq!(
            typen,
            [
                "JeugdigeGeregistreerd",
                "PlaatsingGestart",
                "PlaatsingBeeindigd",
                "PlaatsingGestart"
            ]
        );
        assert_eq!(v.voorstellen[2].feit.valid_date(), Some(d("2024-09-01")));
    }

    #[test]
    fn a_stop_and_start_in_the_same_facility_is_care_that_goes_on() {
        let berichten = [
            bericht(
                BerichtSoort::Jw305,
                "S1",
                "2024-03-01",
                "87654321",
                product("43", "43A41", "2024-03-01", None, None),
            ),
            bericht(
                BerichtSoort::Jw307,
                "E1",
                "2024-09-02",
                "87654321",
                product("43", "43A41", "2024-03-01", Some("2024-08-31"), Some("34")),
            ),
            bericht(
                BerichtSoort::Jw305,
                "S2",
                "2024-09-02",
                "87654321",
                product("43", "43A41", "2024-09-01", None, None),
            ),
        ];
        let v = vertaal(
            &berichten,
            &mapping(),
            &DomainState::new(),
            &HashSet::new(),
            false,
        );
        let typen: Vec<&str> = v.voorstellen.iter().map(|v| v.feit.event_type()).collect();
        assert_eq!(typen, ["JeugdigeGeregistreerd", "PlaatsingGestart"]);
        assert_eq!(v.overgeslagen.len(), 2);
    }

    #[test]
    fn unmapped_products_are_rejected_and_ignored_ones_skipped() {
        let berichten = [
            bericht(
                BerichtSoort::Jw305,
                "S1",
                "2024-03-01",
                "87654321",
                product("43", "43Z99", "2024-03-01", None, None),
            ),
            bericht(
                BerichtSoort::Jw305,
                "S2",
                "2024-03-01",
                "87654321",
                product("45", "45A10", "2024-03-01", None, None),
            ),
        ];
        let v = vertaal(
            &berichten,
            &mapping(),
            &DomainState::new(),
            &HashSet::new(),
            false,
        );
        assert_eq!(v.afgewezen.len(), 1);
        assert_eq!(v.afgewezen[0].code, "PRODUCT_NIET_GEMAPT");
        assert_eq!(v.overgeslagen.len(), 1);
    }
}
