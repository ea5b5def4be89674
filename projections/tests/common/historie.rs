//! A generator of histories for the property and suppression tests: youths placed,
//! transferred and ended, late and out-of-order registrations, a facility registered late
//! and re-registered, corrections (also of corrections) and retractions.

use chrono::{Duration, NaiveDate};
use kringloop_events::*;

use super::{Log, Rng, d, t};

enum Abs {
    Feit(String, Gebeurtenis),
    Correctie(String, usize, Gebeurtenis),
    Intrekking(String, usize),
}

struct Item {
    /// Seconds after the epoch of the history.
    opgenomen: i64,
    abs: Abs,
}

const FACS: [(&str, &str, &str, Vorm, Regime); 4] = [
    ("F1", "A1", "G1", Vorm::Groep, Regime::Gesloten),
    ("F2", "A1", "G1", Vorm::Kleinschalig, Regime::Open),
    ("F3", "A2", "G2", Vorm::Groep, Regime::Open),
    ("F4", "A2", "G2", Vorm::Ambulant, Regime::Open),
];

fn dag(n: i64) -> NaiveDate {
    d("2024-01-01") + Duration::days(n)
}

fn reg(i: usize, regime: Regime) -> VoorzieningGeregistreerd {
    let (id, a, g, vorm, _) = FACS[i];
    VoorzieningGeregistreerd {
        id: id.into(),
        aanbieder: a.into(),
        naam: id.into(),
        gemeente: g.into(),
        vorm,
        regime,
        datum: dag(0),
    }
}

/// Shifts the date of a youth fact (for corrections).
fn verschuif(g: &Gebeurtenis, dagen: i64) -> Gebeurtenis {
    let s = |x: NaiveDate| x + Duration::days(dagen);
    match g.clone() {
        Gebeurtenis::PlaatsingGestart(mut e) => {
            e.datum = s(e.datum);
            e.into()
        }
        Gebeurtenis::Doorgeplaatst(mut e) => {
            e.datum = s(e.datum);
            e.into()
        }
        Gebeurtenis::PlaatsingBeeindigd(mut e) => {
            e.datum = s(e.datum);
            e.bestemming = Verblijfplaats::Pleegzorg;
            e.into()
        }
        Gebeurtenis::MachtigingAfgegeven(mut e) => {
            e.geldig_tot = s(e.geldig_tot);
            e.into()
        }
        Gebeurtenis::JeugdigeGeregistreerd(mut e) => {
            e.woongemeente = if e.woongemeente == "G1" {
                "G2".into()
            } else {
                "G1".into()
            };
            e.into()
        }
        other => other,
    }
}

pub fn genereer(seed: u64, jeugdigen: usize) -> Log {
    let mut r = Rng(seed | 1);
    let mut items: Vec<Item> = Vec::new();
    let dagsec = 86_400;
    let feit = |items: &mut Vec<Item>, at: i64, stroom: &str, g: Gebeurtenis| -> usize {
        items.push(Item {
            opgenomen: at,
            abs: Abs::Feit(stroom.to_owned(), g),
        });
        items.len() - 1
    };
    // Landscape at time 0.
    for (stroom, g) in super::landschap() {
        feit(&mut items, 0, &stroom, g);
    }
    // Facilities; F3 may be registered late, and may be re-registered as closed later.
    for (i, f) in FACS.iter().enumerate() {
        let stroom = voorziening_stream(f.0);
        let at = if i == 2 && r.kans(50) {
            r.below(300) as i64 * dagsec
        } else {
            0
        };
        let id = feit(&mut items, at, &stroom, reg(i, f.4).into());
        if i == 2 && r.kans(40) {
            let later = at + (1 + r.below(400) as i64) * dagsec;
            items.push(Item {
                opgenomen: later,
                abs: Abs::Correctie(stroom.clone(), id, reg(i, Regime::Gesloten).into()),
            });
        }
        feit(
            &mut items,
            0,
            &stroom,
            PlaatsenGeopend {
                voorziening: f.0.into(),
                datum: dag(0),
                aantal: 2 + r.below(6) as u32,
            }
            .into(),
        );
    }
    if r.kans(50) {
        let dd = r.below(500) as i64;
        let id = feit(
            &mut items,
            (dd + r.below(30) as i64) * dagsec,
            "voorziening-F1",
            PlaatsenOmgebouwd {
                van: "F1".into(),
                naar: "F2".into(),
                datum: dag(dd),
                aantal_uit: 2,
                aantal_in: 1,
                reden: "".into(),
            }
            .into(),
        );
        if r.kans(30) {
            items.push(Item {
                opgenomen: (dd + 60) * dagsec,
                abs: Abs::Intrekking("voorziening-F1".into(), id),
            });
        }
    }
    if r.kans(30) {
        let dd = 200 + r.below(400) as i64;
        feit(
            &mut items,
            dd * dagsec,
            "voorziening-F3",
            VoorzieningGesloten {
                voorziening: "F3".into(),
                datum: dag(dd),
                reden: "".into(),
            }
            .into(),
        );
    }

    // Youths.
    for j in 0..jeugdigen {
        let stroom = jeugdige_stream(&format!("J{j}"));
        let mut youth: Vec<(i64, Gebeurtenis)> = Vec::new();
        let gem = if r.kans(50) { "G1" } else { "G2" };
        let mut dagnr = r.below(400) as i64;
        youth.push((
            dagnr,
            JeugdigeGeregistreerd {
                pseudoniem: format!("J{j}"),
                geboortejaar: 2008,
                geslacht: Geslacht::Onbekend,
                woongemeente: gem.into(),
                datum: dag(dagnr),
            }
            .into(),
        ));
        if r.kans(20) {
            youth.push((
                dagnr + 30,
                WoongemeenteGewijzigd {
                    woongemeente: "G1".into(),
                    datum: dag(dagnr + 30),
                }
                .into(),
            ));
        }
        for episode in 0..(1 + r.below(2)) {
            if r.kans(60) {
                let soort = if r.kans(50) {
                    MachtigingSoort::Spoedmachtiging
                } else {
                    MachtigingSoort::Mgj
                };
                let van = dagnr + r.below(5) as i64;
                let lengte = if soort == MachtigingSoort::Mgj {
                    365
                } else {
                    10 + r.below(40) as i64
                };
                youth.push((
                    van,
                    MachtigingAfgegeven {
                        machtiging: format!("M{episode}"),
                        soort,
                        geldig_van: dag(van),
                        geldig_tot: dag(van + lengte),
                        aangevraagd_door: "GI".into(),
                    }
                    .into(),
                ));
                if r.kans(20) {
                    youth.push((
                        van + 5,
                        MachtigingBeeindigd {
                            machtiging: format!("M{episode}"),
                            datum: dag(van + 5),
                            reden: "".into(),
                        }
                        .into(),
                    ));
                }
            }
            let mut vz = r.below(4) as usize;
            youth.push((
                dagnr,
                PlaatsingGestart {
                    voorziening: FACS[vz].0.into(),
                    datum: dag(dagnr),
                    spoed: r.kans(50),
                    crisis: false,
                    verblijf_voor: Verblijfplaats::Thuis,
                    verzoek: None,
                    overbrugging: false,
                }
                .into(),
            ));
            for _ in 0..r.below(3) {
                dagnr += 1 + r.below(90) as i64;
                let naar = (vz + 1 + r.below(3) as usize) % 4;
                youth.push((
                    dagnr,
                    Doorgeplaatst {
                        van: FACS[vz].0.into(),
                        naar: FACS[naar].0.into(),
                        datum: dag(dagnr),
                        reden: "".into(),
                        tegen_wens_jeugdige: false,
                        tegen_wens_aanbieder: false,
                        verzoek: None,
                        overbrugging: false,
                    }
                    .into(),
                ));
                vz = naar;
            }
            if r.kans(75) {
                dagnr += 1 + r.below(200) as i64;
                let best = Verblijfplaats::ALL[r.below(16) as usize];
                let vz_naam = if FACS[vz].3 == Vorm::Ambulant || r.kans(30) {
                    Some(FACS[vz].0.to_owned())
                } else {
                    None
                };
                youth.push((
                    dagnr,
                    PlaatsingBeeindigd {
                        voorziening: vz_naam,
                        datum: dag(dagnr),
                        bestemming: best,
                        reden: "".into(),
                        reden_beeindiging: None,
                    }
                    .into(),
                ));
                dagnr += r.below(60) as i64;
            } else {
                break;
            }
        }
        for (dagnr, g) in youth {
            // Late registration: recorded 0–90 days after the fact, so out of order.
            let at = (dagnr + r.below(90) as i64) * dagsec + r.below(dagsec as u64) as i64;
            let id = feit(&mut items, at, &stroom, g.clone());
            if r.kans(12) {
                let later = at + (1 + r.below(100) as i64) * dagsec;
                let nieuw = verschuif(&g, r.below(11) as i64 - 5);
                items.push(Item {
                    opgenomen: later,
                    abs: Abs::Correctie(stroom.clone(), id, nieuw.clone()),
                });
                let cid = items.len() - 1;
                if r.kans(30) {
                    // A correction of the correction: resolves to the original.
                    items.push(Item {
                        opgenomen: later + 3 * dagsec,
                        abs: Abs::Correctie(stroom.clone(), cid, verschuif(&nieuw, 2)),
                    });
                }
            } else if r.kans(5) {
                items.push(Item {
                    opgenomen: at + (1 + r.below(100) as i64) * dagsec,
                    abs: Abs::Intrekking(stroom.clone(), id),
                });
            }
        }
    }

    // Into a log in recorded-time order (stable: generation order breaks ties).
    let mut volgorde: Vec<usize> = (0..items.len()).collect();
    volgorde.sort_by_key(|&i| (items[i].opgenomen, i));
    let epoch = t("2024-01-01T00:00:00Z");
    let mut log = Log::new(epoch);
    let mut ids = vec![uuid::Uuid::nil(); items.len()];
    for i in volgorde {
        let at = epoch + Duration::seconds(items[i].opgenomen);
        ids[i] = match &items[i].abs {
            Abs::Feit(s, g) => log.push_op(s, g.clone(), at),
            Abs::Correctie(s, doel, nieuw) => log.push_op(
                s,
                FeitGecorrigeerd {
                    vervangt: ids[*doel],
                    nieuw: Box::new(nieuw.clone()),
                    reden: "correctie".into(),
                },
                at,
            ),
            Abs::Intrekking(s, doel) => log.push_op(
                s,
                FeitIngetrokken {
                    event_id: ids[*doel],
                    reden: "ingetrokken".into(),
                },
                at,
            ),
        };
    }
    log
}
