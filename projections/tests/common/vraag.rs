//! The request side in tests: fact builders, the worked example of docs/kpis.md ("Vraag")
//! and a generator of histories with requests, registrations with several providers,
//! refusals, withdrawals and fulfilling placements, recorded late and out of order, and
//! corrected or retracted.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kringloop_events::*;

use super::{Log, Rng, d, t};

pub fn verzoek(
    id: &str,
    datum: &str,
    urgentie: Urgentie,
    vorm: Vorm,
    regime: Regime,
) -> Gebeurtenis {
    PlaatsingsverzoekIngediend {
        verzoek: id.into(),
        datum: d(datum),
        verwijzer: Verwijzer::GecertificeerdeInstelling,
        urgentie,
        vorm,
        regime,
        jeugdregio: "R1".into(),
    }
    .into()
}

pub fn aangemeld(id: &str, aanbieder: &str, datum: &str) -> Gebeurtenis {
    JeugdigeAangemeld {
        verzoek: id.into(),
        aanbieder: aanbieder.into(),
        voorziening: None,
        datum: d(datum),
    }
    .into()
}

pub fn geweigerd(id: &str, aanbieder: &str, datum: &str, reden: Weigeringsreden) -> Gebeurtenis {
    AanmeldingGeweigerd {
        verzoek: id.into(),
        aanbieder: aanbieder.into(),
        datum: d(datum),
        reden,
        toelichting: String::new(),
    }
    .into()
}

pub fn ingetrokken(id: &str, datum: &str) -> Gebeurtenis {
    PlaatsingsverzoekIngetrokken {
        verzoek: id.into(),
        datum: d(datum),
        reden: Intrekkingsreden::NietMeerNodig,
        toelichting: String::new(),
    }
    .into()
}

pub fn geplaatst(vz: &str, datum: &str, verzoek: Option<&str>, overbrugging: bool) -> Gebeurtenis {
    PlaatsingGestart {
        voorziening: vz.into(),
        datum: d(datum),
        spoed: false,
        crisis: false,
        verblijf_voor: Verblijfplaats::Thuis,
        verzoek: verzoek.map(str::to_owned),
        overbrugging,
    }
    .into()
}

pub fn beeindigd(datum: &str) -> Gebeurtenis {
    PlaatsingBeeindigd {
        voorziening: None,
        datum: d(datum),
        bestemming: Verblijfplaats::Thuis,
        reden: String::new(),
        reden_beeindiging: None,
    }
    .into()
}

pub fn jeugdige(log: &mut Log, p: &str) -> String {
    let s = jeugdige_stream(p);
    log.push(
        &s,
        JeugdigeGeregistreerd {
            pseudoniem: p.into(),
            geboortejaar: 2008,
            geslacht: Geslacht::Onbekend,
            woongemeente: "G1".into(),
            datum: d("2023-01-01"),
        },
    );
    s
}

/// Facilities of the example: (id, aanbieder, vorm, regime, places).
pub const VZ: [(&str, &str, Vorm, Regime, u32); 3] = [
    ("F1", "A1", Vorm::Groep, Regime::Gesloten, 4),
    ("F2", "A1", Vorm::Kleinschalig, Regime::Open, 2),
    ("F3", "A2", Vorm::Groep, Regime::Open, 3),
];

/// The landscape: L1 with R1 (G1) and R2 (G2), the facilities with their places from
/// 2023-01-01, and a national target for GROEP × GESLOTEN: 3 on 2023-01-01, 1 on
/// 2025-01-01.
pub fn landschap(log: &mut Log) {
    for (s, g) in super::landschap() {
        log.push(&s, g);
    }
    for (id, a, vorm, regime, n) in VZ {
        let s = voorziening_stream(id);
        log.push(
            &s,
            VoorzieningGeregistreerd {
                id: id.into(),
                aanbieder: a.into(),
                naam: id.into(),
                gemeente: "G1".into(),
                vorm,
                regime,
                datum: d("2023-01-01"),
            },
        );
        log.push(
            &s,
            PlaatsenGeopend {
                voorziening: id.into(),
                datum: d("2023-01-01"),
                aantal: n,
            },
        );
    }
    for (datum, n) in [("2023-01-01", 3), ("2025-01-01", 1)] {
        log.push(
            "doel-landelijk",
            CapaciteitsdoelVastgesteld {
                scope: DoelScope::Landelijk,
                regime: Some(Regime::Gesloten),
                vorm: Some(Vorm::Groep),
                plaatsen: n,
                datum: d(datum),
            },
        );
    }
}

/// The worked example of docs/kpis.md, all recorded on 2024-06-01.
pub fn voorbeeld() -> Log {
    use Regime::*;
    use Urgentie::*;
    use Vorm::*;
    use Weigeringsreden::*;
    let mut log = Log::new(t("2024-06-01T08:00:00Z"));
    landschap(&mut log);
    // Stays that give GROEP × GESLOTEN its mean stay.
    let j8 = jeugdige(&mut log, "J8");
    log.push(&j8, geplaatst("F1", "2023-05-01", None, false));
    log.push(&j8, beeindigd("2023-11-01"));
    let j9 = jeugdige(&mut log, "J9");
    log.push(&j9, geplaatst("F1", "2023-06-01", None, false));
    log.push(&j9, beeindigd("2024-02-01"));

    let j1 = jeugdige(&mut log, "J1");
    log.push(&j1, verzoek("V1", "2023-12-01", Spoed, Groep, Gesloten));
    log.push(&j1, aangemeld("V1", "A1", "2023-12-01"));
    log.push(&j1, aangemeld("V1", "A2", "2023-12-02"));
    log.push(&j1, geweigerd("V1", "A2", "2023-12-05", GeenPlek));
    log.push(&j1, geplaatst("F1", "2024-01-05", Some("V1"), false));

    let j2 = jeugdige(&mut log, "J2");
    log.push(
        &j2,
        verzoek("V2", "2024-01-10", Regulier, Kleinschalig, Open),
    );
    log.push(&j2, aangemeld("V2", "A1", "2024-01-10"));
    log.push(&j2, aangemeld("V2", "A2", "2024-01-10"));
    log.push(&j2, aangemeld("V2", "A2", "2024-01-12"));
    log.push(&j2, geweigerd("V2", "A1", "2024-01-15", ZorgTeZwaar));
    log.push(&j2, geplaatst("F3", "2024-02-09", Some("V2"), false));

    let j3 = jeugdige(&mut log, "J3");
    log.push(&j3, verzoek("V3", "2024-02-01", Regulier, Groep, Gesloten));
    log.push(&j3, aangemeld("V3", "A1", "2024-02-01"));
    log.push(&j3, ingetrokken("V3", "2024-03-01"));

    let j4 = jeugdige(&mut log, "J4");
    log.push(&j4, verzoek("V4", "2024-02-15", Spoed, Groep, Gesloten));
    log.push(&j4, aangemeld("V4", "A1", "2024-02-15"));
    log.push(&j4, aangemeld("V4", "A2", "2024-02-16"));
    log.push(&j4, geweigerd("V4", "A2", "2024-02-20", GeenPlek));
    log.push(
        &j4,
        geweigerd("V4", "A1", "2024-03-05", Groepssamenstelling),
    );
    log.push(
        &j4,
        verzoek("V5", "2024-03-01", Regulier, Kleinschalig, Open),
    );
    for i in 1..=10 {
        log.push(
            &j4,
            aangemeld("V5", &format!("A{i}"), &format!("2024-03-{i:02}")),
        );
    }

    let j5 = jeugdige(&mut log, "J5");
    log.push(&j5, verzoek("V6", "2024-03-20", Spoed, Groep, Gesloten));
    log.push(&j5, geplaatst("F2", "2024-03-20", Some("V6"), true));

    let j6 = jeugdige(&mut log, "J6");
    log.push(&j6, verzoek("V7", "2024-04-01", Spoed, Groep, Gesloten));

    let j7 = jeugdige(&mut log, "J7");
    log.push(&j7, verzoek("V8", "2024-01-20", Regulier, Groep, Gesloten));
    log.push(&j7, aangemeld("V8", "A2", "2024-01-21"));
    log.push(&j7, geplaatst("F3", "2024-02-20", Some("V8"), false));
    log
}

enum Abs {
    Feit(String, Gebeurtenis),
    Correctie(String, usize, Gebeurtenis),
    Intrekking(String, usize),
}

struct Item {
    opgenomen: i64,
    abs: Abs,
}

fn dag(n: i64) -> NaiveDate {
    d("2024-01-01") + Duration::days(n)
}

fn s(n: i64) -> String {
    dag(n).to_string()
}

/// A generated history: `jeugdigen` youths, each with one to three requests; each
/// request registered with 0 to 6 providers (`extra`: every registration made twice more,
/// and with three more providers, which must change no request count), refused,
/// withdrawn or fulfilled (possibly the same day, possibly by a bridging place); facts
/// recorded up to 200 days late, some corrected (date shifted) or retracted.
pub fn genereer(seed: u64, jeugdigen: usize, extra: bool) -> Log {
    use Regime::*;
    let mut r = Rng(seed | 1);
    let mut extra_rng = Rng(seed.rotate_left(17) | 1);
    let mut items: Vec<Item> = Vec::new();
    let dagsec = 86_400i64;
    let mut log = Log::new(t("2024-01-01T00:00:00Z"));
    landschap(&mut log);
    let vormen = [
        (Vorm::Groep, Gesloten),
        (Vorm::Kleinschalig, Open),
        (Vorm::Groep, Open),
    ];
    let urgenties = [Urgentie::Spoed, Urgentie::Regulier];
    let push = |items: &mut Vec<Item>, at: i64, st: &str, g: Gebeurtenis| {
        items.push(Item {
            opgenomen: at,
            abs: Abs::Feit(st.to_owned(), g),
        });
        items.len() - 1
    };
    for j in 0..jeugdigen {
        let st = jeugdige_stream(&format!("Y{j}"));
        push(
            &mut items,
            0,
            &st,
            JeugdigeGeregistreerd {
                pseudoniem: format!("Y{j}"),
                geboortejaar: 2008,
                geslacht: Geslacht::Onbekend,
                woongemeente: "G1".into(),
                datum: d("2023-01-01"),
            }
            .into(),
        );
        for v in 0..1 + r.below(3) {
            let id = format!("V{v}");
            let begin = r.below(500) as i64;
            let (vorm, regime) = r.kies(&vormen);
            let mut g = verzoek(&id, &s(begin), r.kies(&urgenties), vorm, regime);
            if let Gebeurtenis::PlaatsingsverzoekIngediend(e) = &mut g
                && r.kans(30)
            {
                e.jeugdregio = "R2".into();
            }
            let laat = |r: &mut Rng, dag: i64| (dag + r.below(200) as i64) * dagsec;
            let at = laat(&mut r, begin);
            let vi = push(&mut items, at, &st, g);
            if r.kans(8) {
                items.push(Item {
                    opgenomen: at + r.below(100) as i64 * dagsec,
                    abs: Abs::Correctie(
                        st.clone(),
                        vi,
                        verzoek(&id, &s(begin + 3), Urgentie::Regulier, vorm, regime),
                    ),
                });
            }
            let n_aanb = r.below(7);
            let aanbieders: Vec<String> = (0..n_aanb)
                .map(|_| format!("A{}", 1 + r.below(4)))
                .collect();
            for a in &aanbieders {
                let dd = begin + r.below(10) as i64;
                let at = laat(&mut r, dd);
                let ai = push(&mut items, at, &st, aangemeld(&id, a, &s(dd)));
                if extra {
                    // The same registration twice more (another rng: the rest of the
                    // history stays the same).
                    for _ in 0..2 {
                        let at = at + extra_rng.below(30) as i64 * dagsec;
                        push(&mut items, at, &st, aangemeld(&id, a, &s(dd)));
                    }
                }
                if r.kans(5) {
                    items.push(Item {
                        opgenomen: laat(&mut r, dd + 200),
                        abs: Abs::Intrekking(st.clone(), ai),
                    });
                }
                if r.kans(30) {
                    let w = dd + r.below(10) as i64;
                    push(
                        &mut items,
                        laat(&mut r, w),
                        &st,
                        geweigerd(&id, a, &s(w), r.kies(&Weigeringsreden::ALL)),
                    );
                }
            }
            if extra {
                for a in ["X1", "X2", "X3"] {
                    let dd = begin + extra_rng.below(10) as i64;
                    let at = (dd + extra_rng.below(200) as i64) * dagsec;
                    push(&mut items, at, &st, aangemeld(&id, a, &s(dd)));
                }
            }
            let sluit = begin + if r.kans(15) { 0 } else { r.below(120) as i64 };
            let g = match r.below(10) {
                0..=1 => Some(ingetrokken(&id, &s(sluit))),
                2..=7 => {
                    let (vz, _, _, _, _) = r.kies(&VZ);
                    Some(geplaatst(vz, &s(sluit), Some(&id), r.kans(15)))
                }
                _ => None,
            };
            if let Some(g) = g {
                let at = laat(&mut r, sluit);
                let ci = push(&mut items, at, &st, g.clone());
                match r.below(12) {
                    0 => items.push(Item {
                        opgenomen: at + r.below(60) as i64 * dagsec,
                        abs: Abs::Intrekking(st.clone(), ci),
                    }),
                    1 => {
                        let later = match g {
                            Gebeurtenis::PlaatsingGestart(mut e) => {
                                e.datum += Duration::days(5);
                                e.overbrugging = !e.overbrugging;
                                e.into()
                            }
                            Gebeurtenis::PlaatsingsverzoekIngetrokken(mut e) => {
                                e.datum += Duration::days(5);
                                e.into()
                            }
                            other => other,
                        };
                        items.push(Item {
                            opgenomen: at + r.below(60) as i64 * dagsec,
                            abs: Abs::Correctie(st.clone(), ci, later),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    // Record in order of recorded time (stable: a correction is always after its fact).
    let mut volgorde: Vec<usize> = (0..items.len()).collect();
    volgorde.sort_by_key(|&i| (items[i].opgenomen, i));
    let start: DateTime<Utc> = log.klok;
    let mut ids = vec![None; items.len()];
    for i in volgorde {
        let at = start + Duration::seconds(items[i].opgenomen);
        match &items[i].abs {
            Abs::Feit(st, g) => ids[i] = Some(log.push_op(st, g.clone(), at)),
            Abs::Correctie(st, orig, g) => {
                if let Some(o) = ids[*orig] {
                    log.push_op(
                        st,
                        FeitGecorrigeerd {
                            vervangt: o,
                            nieuw: Box::new(g.clone()),
                            reden: "correctie".into(),
                        },
                        at,
                    );
                }
            }
            Abs::Intrekking(st, orig) => {
                if let Some(o) = ids[*orig] {
                    log.push_op(
                        st,
                        FeitIngetrokken {
                            event_id: o,
                            reden: "ingetrokken".into(),
                        },
                        at,
                    );
                }
            }
        }
    }
    log
}
