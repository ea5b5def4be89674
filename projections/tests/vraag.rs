//! The request side: the worked examples of docs/kpis.md ("Vraag") figure by figure,
//! the boundary cases, and properties over generated histories with late registrations,
//! corrections and retractions.

mod common;

use chrono::{DateTime, Utc};
use common::vraag::*;
use common::{Log, d, t};
use kringloop_events::*;
use kringloop_projections::vraag::*;
use kringloop_projections::*;
use proptest::prelude::*;

fn bouw(log: &Log) -> Projection {
    let (p, fouten) = Projection::rebuild(&log.events);
    assert!(fouten.is_empty(), "{fouten:?}");
    p
}

fn q1() -> Query {
    Query::new(Periode::kwartaal(2024, 1).unwrap_or(Periode {
        van: d("2024-01-01"),
        tot: d("2024-04-01"),
    }))
}

fn n(a: Aantal) -> i64 {
    a.waarde.unwrap_or(-1)
}

fn rij(t: &Kruistabel, r: &str) -> i64 {
    t.rijtotaal(r).map_or(-1, n)
}

fn benadert(x: Option<f64>, y: f64) -> bool {
    x.is_some_and(|x| (x - y).abs() < 1e-4)
}

#[test]
fn voorbeeld_wachtenden() {
    let p = bouw(&voorbeeld());
    let w = p.wachtenden(&q1(), VraagNormen::default(), None).waarde;
    assert_eq!(w.peildatum, Some(d("2024-04-01")));
    // V4 and V5 of J4, V7 of J6 (requested on the peildatum itself).
    assert_eq!(n(w.verzoeken), 3);
    assert_eq!(n(w.jeugdigen), 2, "J4 with two open requests counts once");
    assert_eq!(rij(&w.per_vorm, "GROEP"), 2);
    assert_eq!(rij(&w.per_vorm, "KLEINSCHALIG"), 1);
    assert_eq!(n(w.per_vorm.totaal), 2, "the total counts each youth once");
    assert_eq!(rij(&w.per_regime, "GESLOTEN"), 2);
    assert_eq!(rij(&w.per_regime, "OPEN"), 1);
    assert_eq!(rij(&w.per_urgentie, "SPOED"), 2);
    assert_eq!(rij(&w.per_urgentie, "REGULIER"), 1);
    assert_eq!(rij(&w.per_jeugdregio, "R1"), 2);
    assert_eq!(rij(&w.per_jeugdregio, "R2"), 0);
    assert_eq!(w.langste_wachttijd, Some(46));
    assert_eq!(n(w.boven_norm), 1);
    // The stock-flow of requests over Q1.
    assert_eq!(
        [w.begin, w.nieuw, w.vervuld, w.ingetrokken, w.eind].map(n),
        [1, 6, 4, 1, 2]
    );
    // The peildatum on the last day of the quarter: V7 is not yet there.
    let w = p
        .wachtenden(
            &q1().peildatum(d("2024-03-31")),
            VraagNormen::default(),
            None,
        )
        .waarde;
    assert_eq!(n(w.verzoeken), 2);
    assert_eq!(n(w.jeugdigen), 1);
    assert_eq!(w.langste_wachttijd, Some(45));
}

#[test]
fn voorbeeld_wachttijd() {
    let p = bouw(&voorbeeld());
    let w = p.wachttijd(&q1(), VraagNormen::default(), None).waarde;
    let t = &w.totaal;
    assert_eq!(n(t.aantal), 4);
    assert!(benadert(t.gemiddelde, 24.0));
    assert!(benadert(t.mediaan, 30.5));
    assert!(benadert(t.p90, 35.0));
    assert_eq!([n(t.binnen_norm.teller), n(t.binnen_norm.noemer)], [3, 4]);
    let spoed = &w.per_urgentie[0];
    assert_eq!(spoed.urgentie, "SPOED");
    assert_eq!(n(spoed.duur.aantal), 2);
    assert!(benadert(spoed.duur.gemiddelde, 17.5));
    assert!(benadert(spoed.duur.mediaan, 17.5));
    assert!(benadert(spoed.duur.p90, 35.0));
    assert!(benadert(spoed.duur.binnen_norm.waarde, 0.5));
    let regulier = &w.per_urgentie[1];
    assert_eq!(regulier.urgentie, "REGULIER");
    assert!(benadert(regulier.duur.gemiddelde, 30.5));
    assert!(benadert(regulier.duur.p90, 31.0));
    assert!(benadert(regulier.duur.binnen_norm.waarde, 1.0));
    // A stricter regulier norm of 30 days: V8 (31 days) is no longer within it.
    let streng = VraagNormen {
        spoed: 7,
        regulier: 30,
    };
    let w = p.wachttijd(&q1(), streng, None).waarde;
    assert_eq!(n(w.totaal.binnen_norm.teller), 2);
}

#[test]
fn voorbeeld_aanmeldingen_en_afwijzingen() {
    let p = bouw(&voorbeeld());
    let a = p.aanmeldingen_per_verzoek(&q1(), None).waarde;
    assert_eq!(n(a.verzoeken), 5);
    assert!(benadert(a.gemiddelde, 1.2));
    assert_eq!(
        ["0", "1", "2", "3-5", "6+"].map(|r| rij(&a.verdeling, r)),
        [1, 2, 2, 0, 0]
    );
    assert_eq!(n(a.aanmeldingen), 17);
    // Q2: nothing is closed; J4's ten registrations are all in Q1.
    let q2 = Query::new(Periode {
        van: d("2024-04-01"),
        tot: d("2024-07-01"),
    });
    let a2 = p.aanmeldingen_per_verzoek(&q2, None).waarde;
    assert_eq!(
        (n(a2.verzoeken), a2.gemiddelde, n(a2.aanmeldingen)),
        (0, None, 0)
    );

    let w = p.afwijzingen(&q1(), None).waarde;
    assert_eq!(n(w.aantal), 3);
    assert_eq!(rij(&w.per_reden, "GEEN_PLEK"), 1);
    assert_eq!(rij(&w.per_reden, "ZORG_TE_ZWAAR"), 1);
    assert_eq!(rij(&w.per_reden, "GROEPSSAMENSTELLING"), 1);
    assert_eq!(rij(&w.per_aanbieder, "A1"), 2);
    assert_eq!(rij(&w.per_aanbieder, "A2"), 1);
    // The aanbieder filter selects the provider's refusals.
    let qa = q1().filter(Filter {
        aanbieder: Some("A2".into()),
        ..Filter::default()
    });
    assert_eq!(n(p.afwijzingen(&qa, None).waarde.aantal), 1);
}

#[test]
fn voorbeeld_passend() {
    let p = bouw(&voorbeeld());
    let x = p.passend_geplaatst(&q1(), None).waarde;
    assert_eq!([n(x.passend.teller), n(x.passend.noemer)], [1, 4]);
    assert!(benadert(x.passend.waarde, 0.25));
    for (c, v) in [
        ("PASSEND", 1),
        ("OVERBRUGGING", 1),
        ("LICHTER", 1),
        ("ZWAARDER", 1),
        ("ANDERE_VORM", 0),
        ("ONBEKEND", 0),
    ] {
        assert_eq!(rij(&x.per_categorie, c), v, "{c}");
    }
}

#[test]
fn voorbeeld_benodigde_capaciteit() {
    let p = bouw(&voorbeeld());
    let b = p
        .benodigde_capaciteit(&q1(), CapaciteitScenario::default(), None)
        .unwrap_or_else(|e| panic!("{e}"))
        .waarde;
    assert_eq!(b.peildatum, Some(d("2024-03-31")));
    assert_eq!(b.venster_van, Some(d("2023-04-02")));
    let cel = |b: &BenodigdeCapaciteit, v: &str, r: &str| {
        b.cellen
            .iter()
            .find(|c| c.vorm == v && c.regime == r)
            .cloned()
            .unwrap_or_default()
    };
    let g = cel(&b, "GROEP", "GESLOTEN");
    assert_eq!(n(g.gestarte_plaatsingen), 3);
    assert_eq!(n(g.wachtende_verzoeken), 1);
    assert!(benadert(g.instroom, 4.0));
    assert!(benadert(g.per_dag, 4.0 / 365.0));
    assert_eq!(n(g.beeindigde_verblijven), 2);
    assert!(benadert(g.gemiddelde_verblijfsduur, 214.5));
    assert!(benadert(g.benodigd, 858.0 / 328.5));
    assert_eq!(g.capaciteit, 4);
    assert!(benadert(g.tekort, 858.0 / 328.5 - 4.0));
    let doel = 3.0 - 2.0 * 455.0 / 731.0;
    assert!(benadert(g.doel, doel));
    assert!(benadert(g.tekort_tegen_doel, 858.0 / 328.5 - doel));
    let k = cel(&b, "KLEINSCHALIG", "OPEN");
    assert_eq!(
        (
            n(k.gestarte_plaatsingen),
            n(k.wachtende_verzoeken),
            k.capaciteit
        ),
        (1, 1, 2)
    );
    assert_eq!(k.benodigd, None, "no stay ended in the window");
    assert_eq!(cel(&b, "GROEP", "OPEN").capaciteit, 3);
    assert_eq!(b.capaciteit, 9);
    // The scenario: stays 20 % shorter, doelbezetting 85 %.
    let sc = CapaciteitScenario {
        verblijf_wijziging: -20.0,
        doelbezetting: 0.85,
        ..CapaciteitScenario::default()
    };
    let s = p
        .benodigde_capaciteit(&q1(), sc, None)
        .unwrap_or_else(|e| panic!("{e}"))
        .waarde;
    let g = cel(&s, "GROEP", "GESLOTEN");
    assert!(benadert(g.gemiddelde_verblijfsduur, 171.6));
    assert!(benadert(g.benodigd, 4.0 / 365.0 * 171.6 / 0.85));
    let fout = CapaciteitScenario {
        doelbezetting: 0.0,
        ..CapaciteitScenario::default()
    };
    assert!(p.benodigde_capaciteit(&q1(), fout, None).is_err());
}

#[test]
fn filters_op_verzoeken() {
    let p = bouw(&voorbeeld());
    let met = |f: Filter| {
        p.wachtenden(&q1().filter(f), VraagNormen::default(), None)
            .waarde
    };
    // Every request of the example is R1's: the gemeente G1 (in R1) sees them all,
    // G2 (in R2) none.
    assert_eq!(
        n(met(Filter {
            gemeente: Some("G1".into()),
            ..Filter::default()
        })
        .jeugdigen),
        2
    );
    assert_eq!(
        n(met(Filter {
            gemeente: Some("G2".into()),
            ..Filter::default()
        })
        .jeugdigen),
        0
    );
    assert_eq!(
        n(met(Filter {
            landsdeel: Some("L1".into()),
            ..Filter::default()
        })
        .nieuw),
        6
    );
    // Needed form: KLEINSCHALIG is only V5 (and V2, fulfilled in Q1).
    let k = met(Filter {
        vorm: Some(Vorm::Kleinschalig),
        ..Filter::default()
    });
    assert_eq!((n(k.jeugdigen), n(k.nieuw), n(k.vervuld)), (1, 2, 1));
    // A provider: requests registered with it. A3 only has V5.
    let a3 = met(Filter {
        aanbieder: Some("A3".into()),
        ..Filter::default()
    });
    assert_eq!((n(a3.verzoeken), n(a3.nieuw)), (1, 1));
    // A facility: requests fulfilled in it (F3: V2 and V8).
    let f3 = met(Filter {
        voorziening: Some("F3".into()),
        ..Filter::default()
    });
    assert_eq!(n(f3.vervuld), 2);
    // An unknown name selects nothing.
    assert_eq!(
        n(met(Filter {
            jeugdregio: Some("GEEN".into()),
            ..Filter::default()
        })
        .nieuw),
        0
    );
}

#[test]
fn grensgevallen() {
    let mut log = Log::new(t("2024-06-01T08:00:00Z"));
    landschap(&mut log);
    let j = jeugdige(&mut log, "B1");
    // Fulfilled the day it was requested: wait 0, within the norm, never open.
    log.push(
        &j,
        verzoek(
            "S",
            "2024-02-10",
            Urgentie::Spoed,
            Vorm::Groep,
            Regime::Gesloten,
        ),
    );
    log.push(&j, geplaatst("F1", "2024-02-10", Some("S"), false));
    let p = bouw(&log);
    let q = q1().peildatum(d("2024-02-10"));
    let w = p.wachtenden(&q, VraagNormen::default(), None).waarde;
    assert_eq!(
        (n(w.jeugdigen), n(w.nieuw), n(w.vervuld), n(w.eind)),
        (0, 1, 1, 0)
    );
    let wt = p.wachttijd(&q, VraagNormen::default(), None).waarde;
    assert!(benadert(wt.totaal.gemiddelde, 0.0));
    assert_eq!(n(wt.totaal.binnen_norm.teller), 1);

    // A request on the peildatum waits (0 days); one on the first day after a period
    // is in neither its new requests nor its end.
    let mut log = Log::new(t("2024-06-01T08:00:00Z"));
    landschap(&mut log);
    let j = jeugdige(&mut log, "B2");
    log.push(
        &j,
        verzoek(
            "P",
            "2024-04-01",
            Urgentie::Regulier,
            Vorm::Groep,
            Regime::Open,
        ),
    );
    let p = bouw(&log);
    let w = p.wachtenden(&q1(), VraagNormen::default(), None).waarde;
    assert_eq!((n(w.jeugdigen), w.langste_wachttijd), (1, Some(0)));
    assert_eq!((n(w.nieuw), n(w.eind)), (0, 0));

    // A youth registered with ten providers (and twice with one) counts once, its
    // request once.
    let mut log = Log::new(t("2024-06-01T08:00:00Z"));
    landschap(&mut log);
    let j = jeugdige(&mut log, "B3");
    log.push(
        &j,
        verzoek(
            "T",
            "2024-01-15",
            Urgentie::Regulier,
            Vorm::Groep,
            Regime::Open,
        ),
    );
    for i in 1..=10 {
        log.push(&j, aangemeld("T", &format!("A{i}"), "2024-01-16"));
    }
    log.push(&j, aangemeld("T", "A1", "2024-01-20"));
    let p = bouw(&log);
    let w = p.wachtenden(&q1(), VraagNormen::default(), None).waarde;
    assert_eq!((n(w.jeugdigen), n(w.verzoeken), n(w.nieuw)), (1, 1, 1));
    let mut q = q1();
    q.periode.tot = d("2024-07-01");
    log.push(&j, ingetrokken("T", "2024-05-01"));
    let p = bouw(&log);
    let a = p.aanmeldingen_per_verzoek(&q, None).waarde;
    assert_eq!((n(a.verzoeken), a.gemiddelde), (1, Some(10.0)));
    assert_eq!(rij(&a.verdeling, "6+"), 1);
    assert_eq!(n(a.aanmeldingen), 11);
}

#[test]
fn laat_gecorrigeerd_en_ingetrokken_zoals_bekend_op_k() {
    let mut log = Log::new(t("2024-03-01T08:00:00Z"));
    landschap(&mut log);
    let j = jeugdige(&mut log, "K1");
    let v = log.push(
        &j,
        verzoek(
            "V",
            "2024-02-01",
            Urgentie::Spoed,
            Vorm::Groep,
            Regime::Gesloten,
        ),
    );
    let k1 = t("2024-04-15T00:00:00Z");
    // Learned on 1 May: placed on 20 February.
    let pl = log.push_op(
        &j,
        geplaatst("F1", "2024-02-20", Some("V"), false),
        t("2024-05-01T08:00:00Z"),
    );
    let laatst = |log: &Log| log.events.last().map_or(k1, |e| e.recorded_at);
    let k2 = laatst(&log);
    // Corrected on 2 May: the request was REGULIER.
    log.push(
        &j,
        FeitGecorrigeerd {
            vervangt: v,
            nieuw: Box::new(verzoek(
                "V",
                "2024-02-01",
                Urgentie::Regulier,
                Vorm::Groep,
                Regime::Gesloten,
            )),
            reden: "urgentie".into(),
        },
    );
    let k3 = laatst(&log);
    // Retracted on 3 May: the placement did not fulfil it after all.
    log.push(
        &j,
        FeitIngetrokken {
            event_id: pl,
            reden: "vergissing".into(),
        },
    );
    let p = bouw(&log);
    let op = |k: DateTime<Utc>| {
        p.wachtenden(&q1().known_at(k), VraagNormen::default(), None)
            .waarde
    };
    let urg = |k: DateTime<Utc>| {
        let w = op(k);
        (n(w.jeugdigen), rij(&w.per_urgentie, "SPOED"), n(w.vervuld))
    };
    assert_eq!(urg(k1), (1, 1, 0), "as known in March: waiting");
    assert_eq!(urg(k2), (0, 0, 1), "as known on 1 May: placed");
    assert_eq!(urg(k3), (0, 0, 1), "REGULIER now, still placed");
    assert_eq!(rij(&op(k3).per_urgentie, "REGULIER"), 0);
    let nu = op(laatst(&log));
    assert_eq!((n(nu.jeugdigen), rij(&nu.per_urgentie, "REGULIER")), (1, 1));
    // Before anything was recorded: nothing.
    assert_eq!(n(op(t("2024-01-01T00:00:00Z")).nieuw), 0);
}

#[test]
fn beschermd_verstoord() {
    let p = bouw(&voorbeeld());
    let sl = RecordKeys::new(b"a test secret of sufficient length");
    let w = p
        .wachtenden(&q1(), VraagNormen::default(), Some(&sl))
        .waarde;
    assert_eq!(w.jeugdigen.bescherming, Bescherming::Verstoord);
    assert!((n(w.jeugdigen) - 2).abs() <= 2);
    // Too few youths for the longest wait.
    assert_eq!(w.langste_wachttijd, None);
    assert_eq!(w.bescherming, Bescherming::Onderdrukt);
    assert_eq!(rij(&w.per_jeugdregio, "R2"), 0, "a true zero stays zero");
    // The same records give the same answer however they are selected.
    let again = p
        .wachtenden(&q1(), VraagNormen::default(), Some(&sl))
        .waarde;
    assert_eq!(w, again);
    let wt = p.wachttijd(&q1(), VraagNormen::default(), Some(&sl)).waarde;
    assert_eq!(wt.totaal.bescherming, Bescherming::Onderdrukt);
    assert_eq!(wt.totaal.mediaan, None);
    let b = p
        .benodigde_capaciteit(&q1(), CapaciteitScenario::default(), Some(&sl))
        .unwrap_or_else(|e| panic!("{e}"))
        .waarde;
    // Capacity is a fact about facilities: exact.
    assert_eq!(b.capaciteit, 9);
}

// ------------------------------------------------------------------ properties

fn queries() -> Vec<Query> {
    let mut uit = Vec::new();
    let filters = [
        Filter::default(),
        Filter {
            jeugdregio: Some("R2".into()),
            ..Filter::default()
        },
        Filter {
            regime: Some(Regime::Gesloten),
            aanbieder: Some("A2".into()),
            ..Filter::default()
        },
        Filter {
            gemeente: Some("G1".into()),
            vorm: Some(Vorm::Groep),
            ..Filter::default()
        },
    ];
    for f in filters {
        for per in [
            Periode::kwartaal(2024, 2),
            Periode::jaar(2024),
            Periode::maand(2025, 3),
        ]
        .into_iter()
        .flatten()
        {
            uit.push(Query::new(per).filter(f.clone()));
        }
    }
    uit
}

fn alles(p: &Projection, qs: &[Query], k: Option<DateTime<Utc>>) -> Vec<VraagRapport> {
    qs.iter()
        .map(|q| {
            let mut q = q.clone();
            q.known_at = k;
            p.vraag(
                &q,
                VraagNormen::default(),
                CapaciteitScenario::default(),
                None,
            )
            .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

/// The figures without the metadata (which names the events a figure rests on).
fn waarden(r: &[VraagRapport]) -> Vec<String> {
    r.iter()
        .map(|r| {
            format!(
                "{:?}{:?}{:?}{:?}{:?}{:?}",
                r.wachtenden.waarde,
                r.wachttijd.waarde,
                r.aanmeldingen_per_verzoek.waarde,
                r.afwijzingen.waarde,
                r.passend_geplaatst.waarde,
                r.benodigde_capaciteit.waarde
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Incremental application equals a rebuild; `kpi(P, K)` equals the figures of a
    /// rebuild from the events recorded at or before K.
    #[test]
    fn incrementeel_herbouw_en_kennis(seed in any::<u64>(), n in 1usize..12) {
        let log = genereer(seed, n, false);
        let qs = queries();
        let mut p = Projection::new();
        let stappen = [log.events.len() / 3, 2 * log.events.len() / 3, log.events.len()];
        let mut gedaan = 0;
        for tot in stappen {
            for e in &log.events[gedaan..tot] {
                prop_assert!(p.apply(e).is_ok(), "event {} refused", e.position);
            }
            gedaan = tot;
            let (vers, fouten) = Projection::rebuild(&log.events[..tot]);
            prop_assert!(fouten.is_empty());
            prop_assert_eq!(alles(&p, &qs, None), alles(&vers, &qs, None));
            prop_assert_eq!(p.vraag_versies(), vers.vraag_versies());
        }
        // As known at K = as rebuilt from the events recorded at or before K.
        for i in [log.events.len() / 4, log.events.len() / 2, 3 * log.events.len() / 4] {
            if i == 0 {
                continue;
            }
            let k = log.events[i - 1].recorded_at;
            let (prefix, _) = Projection::rebuild(&log.events[..i]);
            prop_assert_eq!(
                waarden(&alles(&p, &qs, Some(k))),
                waarden(&alles(&prefix, &qs, None))
            );
        }
    }

    /// begin + nieuw − vervuld − ingetrokken = eind, for every period, filter and K.
    #[test]
    fn voorraad_en_stroom(seed in any::<u64>(), n in 1usize..15) {
        let log = genereer(seed, n, false);
        let p = bouw(&log);
        let mid = log.events[log.events.len() / 2].recorded_at;
        for q in queries() {
            for k in [None, Some(mid)] {
                let mut q = q.clone();
                q.known_at = k;
                let w = p.wachtenden(&q, VraagNormen::default(), None).waarde;
                prop_assert_eq!(
                    n_(w.begin) + n_(w.nieuw) - n_(w.vervuld) - n_(w.ingetrokken),
                    n_(w.eind)
                );
                prop_assert!(n_(w.jeugdigen) <= n_(w.verzoeken));
                let t = &w.per_vorm;
                prop_assert!(t.rijtotalen.iter().map(|a| n_(*a)).sum::<i64>() >= n_(t.totaal));
            }
        }
    }

    /// A request counts once however many providers it was registered with (and however
    /// often): more registrations change only the registration figures.
    #[test]
    fn een_telling_per_verzoek(seed in any::<u64>(), n in 1usize..12) {
        let zonder = bouw(&genereer(seed, n, false));
        let met = bouw(&genereer(seed, n, true));
        for q in queries().into_iter().filter(|q| q.filter.aanbieder.is_none()) {
            let a = zonder.vraag(&q, VraagNormen::default(), CapaciteitScenario::default(), None)
                .unwrap_or_else(|e| panic!("{e}"));
            let b = met.vraag(&q, VraagNormen::default(), CapaciteitScenario::default(), None)
                .unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(&a.wachtenden.waarde, &b.wachtenden.waarde);
            prop_assert_eq!(&a.wachttijd.waarde, &b.wachttijd.waarde);
            prop_assert_eq!(&a.passend_geplaatst.waarde, &b.passend_geplaatst.waarde);
            prop_assert_eq!(&a.afwijzingen.waarde, &b.afwijzingen.waarde);
            prop_assert_eq!(
                &a.benodigde_capaciteit.waarde, &b.benodigde_capaciteit.waarde
            );
            prop_assert_eq!(
                a.aanmeldingen_per_verzoek.waarde.verzoeken,
                b.aanmeldingen_per_verzoek.waarde.verzoeken
            );
        }
    }

    /// A series equals its periods computed one by one (exact and protected).
    #[test]
    fn reeks_is_per_periode(seed in any::<u64>(), n in 1usize..12) {
        let p = bouw(&genereer(seed, n, false));
        let perioden = Periode::reeks(d("2024-01-01"), d("2026-01-01"), Granulariteit::Kwartaal)
            .unwrap_or_default();
        let sl = RecordKeys::new(b"a test secret of sufficient length");
        for q in queries() {
            for sleutels in [None, Some(&sl)] {
                let reeks = p
                    .vraag_reeks(&q, &perioden, VraagNormen::default(),
                        CapaciteitScenario::default(), sleutels)
                    .unwrap_or_else(|e| panic!("{e}"));
                prop_assert_eq!(reeks.len(), perioden.len());
                for (r, per) in reeks.iter().zip(&perioden) {
                    let mut qp = q.clone();
                    qp.periode = *per;
                    let los = p
                        .vraag(&qp, VraagNormen::default(), CapaciteitScenario::default(), sleutels)
                        .unwrap_or_else(|e| panic!("{e}"));
                    prop_assert_eq!(r, &los);
                }
            }
        }
    }
}

fn n_(a: Aantal) -> i64 {
    a.waarde.unwrap_or(0)
}

/// The generated histories reach every figure the properties compare (so that they do
/// not hold because everything is zero), with corrections and retractions in them.
#[test]
fn generator_raakt_elke_figuur() {
    let log = genereer(42, 40, false);
    let soorten = |s: &str| log.events.iter().filter(|e| e.event_type == s).count();
    assert!(soorten("FeitGecorrigeerd") > 0 && soorten("FeitIngetrokken") > 0);
    let p = bouw(&log);
    let q = Query::new(Periode::jaar(2024).unwrap_or(Periode {
        van: d("2024-01-01"),
        tot: d("2025-01-01"),
    }));
    let r = p
        .vraag(
            &q,
            VraagNormen::default(),
            CapaciteitScenario::default(),
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let w = &r.wachtenden.waarde;
    for a in [w.jeugdigen, w.nieuw, w.vervuld, w.ingetrokken, w.eind] {
        assert!(n(a) > 0, "{w:?}");
    }
    assert!(n(r.wachttijd.waarde.totaal.aantal) > 0);
    assert!(n(r.aanmeldingen_per_verzoek.waarde.aanmeldingen) > 0);
    assert!(n(r.afwijzingen.waarde.aantal) > 0);
    let pc = &r.passend_geplaatst.waarde.per_categorie;
    for c in ["PASSEND", "OVERBRUGGING", "LICHTER", "ZWAARDER"] {
        assert!(rij(pc, c) > 0, "{c}: {pc:?}");
    }
    assert!(
        r.benodigde_capaciteit
            .waarde
            .cellen
            .iter()
            .any(|c| n(c.wachtende_verzoeken) > 0)
    );
    // A later knowledge time differs from an earlier one somewhere.
    let k = log.events[log.events.len() / 2].recorded_at;
    let eerder = p
        .wachtenden(&q.clone().known_at(k), VraagNormen::default(), None)
        .waarde;
    assert_ne!(&eerder, w);
}

/// Broken request facts are reported, as other facts are, and change nothing.
#[test]
fn verkeerde_verzoekfeiten_worden_gemeld() {
    let mut log = Log::new(t("2024-06-01T08:00:00Z"));
    landschap(&mut log);
    let j = jeugdige(&mut log, "E1");
    let pl = log.push(&j, geplaatst("F1", "2024-02-01", None, false));
    // A request in a facility's stream.
    log.push(
        "voorziening-F1",
        verzoek(
            "V",
            "2024-02-01",
            Urgentie::Spoed,
            Vorm::Groep,
            Regime::Gesloten,
        ),
    );
    // A placement corrected into a request.
    log.push(
        &j,
        FeitGecorrigeerd {
            vervangt: pl,
            nieuw: Box::new(verzoek(
                "V",
                "2024-02-01",
                Urgentie::Spoed,
                Vorm::Groep,
                Regime::Gesloten,
            )),
            reden: "fout".into(),
        },
    );
    // A correction of a fact that does not exist.
    log.push(
        &j,
        FeitGecorrigeerd {
            vervangt: uuid::Uuid::from_u128(7),
            nieuw: Box::new(ingetrokken("V", "2024-02-02")),
            reden: "fout".into(),
        },
    );
    let (p, fouten) = Projection::rebuild(&log.events);
    assert!(
        matches!(
            fouten.as_slice(),
            [
                ProjectionError::VerkeerdeStroom { .. },
                ProjectionError::CorrectieAnderSoort { .. },
                ProjectionError::OnbekendFeit { .. },
            ]
        ),
        "{fouten:?}"
    );
    let w = p.wachtenden(&q1(), VraagNormen::default(), None).waarde;
    assert_eq!(n(w.nieuw), 0);
}

/// Every request-side KPI of the catalogue has its section in docs/kpis.md.
#[test]
fn catalogus_en_documentatie() {
    let pad = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/kpis.md");
    let doc = std::fs::read_to_string(pad).unwrap_or_default();
    let koppen: Vec<&str> = doc.lines().filter(|r| r.starts_with("### ")).collect();
    assert_eq!(kpi_catalogue::VRAAG_KPIS.len(), 6);
    for k in kpi_catalogue::VRAAG_KPIS {
        let kop = format!("### `{}`", k.key);
        assert!(koppen.contains(&kop.as_str()), "no section {kop}");
        assert_eq!(k.anchor, k.key.to_lowercase());
        assert!(kpi_catalogue::kpi(k.key).is_none());
    }
}
