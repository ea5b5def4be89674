//! Quality figures: the worked examples of docs/kpis.md ("Maatregelen", "Ratio
//! ambulant/bed", "Scorecard") figure by figure, and properties over generated
//! histories with measures recorded late, corrected and retracted.

mod common;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use common::{Log, Rng, d, t};
use kringloop_events::*;
use kringloop_projections::*;
use proptest::prelude::*;
use uuid::Uuid;

fn bouw(log: &Log) -> Projection {
    let (p, fouten) = Projection::rebuild(&log.events);
    assert!(fouten.is_empty(), "{fouten:?}");
    p
}

fn kwartaal(jaar: i32, k: u32) -> Periode {
    Periode::kwartaal(jaar, k).unwrap_or(Periode {
        van: d("2024-01-01"),
        tot: d("2024-04-01"),
    })
}

fn q1() -> Query {
    Query::new(kwartaal(2024, 1))
}

fn n(a: Aantal) -> i64 {
    a.waarde.unwrap_or(-1)
}

fn benadert(x: Option<f64>, y: f64) -> bool {
    x.is_some_and(|x| (x - y).abs() < 1e-9)
}

fn dt(s: &str) -> NaiveDateTime {
    s.parse().unwrap_or_default()
}

pub fn maatregel(
    id: &str,
    soort: Maatregelsoort,
    vz: &str,
    begin: &str,
    eind: &str,
) -> Gebeurtenis {
    MaatregelToegepast {
        maatregel: id.into(),
        soort,
        voorziening: vz.into(),
        begin: dt(begin),
        eind: dt(eind),
        toelichting: String::new(),
    }
    .into()
}

fn geplaatst(vz: &str, datum: &str) -> Gebeurtenis {
    PlaatsingGestart {
        voorziening: vz.into(),
        datum: d(datum),
        spoed: false,
        crisis: false,
        verblijf_voor: Verblijfplaats::Thuis,
        verzoek: None,
        overbrugging: false,
    }
    .into()
}

fn beeindigd(datum: &str) -> Gebeurtenis {
    PlaatsingBeeindigd {
        voorziening: None,
        datum: d(datum),
        bestemming: Verblijfplaats::Thuis,
        reden: String::new(),
        reden_beeindiging: None,
    }
    .into()
}

fn jeugdige(log: &mut Log, p: &str, gemeente: &str) -> String {
    let s = jeugdige_stream(p);
    log.push(
        &s,
        JeugdigeGeregistreerd {
            pseudoniem: p.into(),
            geboortejaar: 2008,
            geslacht: Geslacht::Onbekend,
            woongemeente: gemeente.into(),
            datum: d("2023-01-01"),
        },
    );
    s
}

/// Facilities of the example: (id, aanbieder, gemeente, vorm, regime, places).
const VZ: [(&str, &str, &str, Vorm, Regime, u32); 3] = [
    ("F1", "A1", "G1", Vorm::Groep, Regime::Gesloten, 4),
    ("F2", "A1", "G1", Vorm::Ambulant, Regime::Open, 10),
    ("F3", "A2", "G2", Vorm::Groep, Regime::Open, 3),
];

fn landschap(log: &mut Log) {
    for (s, g) in common::landschap() {
        log.push(&s, g);
    }
    for (id, a, gem, vorm, regime, n) in VZ {
        let s = voorziening_stream(id);
        log.push(
            &s,
            VoorzieningGeregistreerd {
                id: id.into(),
                aanbieder: a.into(),
                naam: id.into(),
                gemeente: gem.into(),
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
}

/// When the corrections of the example are recorded; K1 is just before.
const CORRECTIE: &str = "2024-06-10T09:00:00Z";
const K1: &str = "2024-06-05T00:00:00Z";

/// The worked example of docs/kpis.md ("Maatregelen", "Ratio ambulant/bed"): facts
/// recorded on 2024-06-01, a correction and a retraction on 2024-06-10.
fn voorbeeld() -> Log {
    use Maatregelsoort::*;
    let mut log = Log::new(t("2024-06-01T08:00:00Z"));
    landschap(&mut log);
    let j1 = jeugdige(&mut log, "J1", "G1");
    let j2 = jeugdige(&mut log, "J2", "G2");
    let j3 = jeugdige(&mut log, "J3", "G1");
    let j4 = jeugdige(&mut log, "J4", "G2");
    log.push(&j1, geplaatst("F1", "2024-01-01"));
    log.push(&j1, beeindigd("2024-03-01"));
    log.push(&j2, geplaatst("F1", "2024-02-01"));
    log.push(&j3, geplaatst("F2", "2024-01-15"));
    log.push(&j4, geplaatst("F3", "2024-03-01"));
    let m1 = log.push(
        &j1,
        maatregel(
            "M1",
            Afzondering,
            "F1",
            "2024-01-10T08:00:00",
            "2024-01-10T12:00:00",
        ),
    );
    log.push(
        &j1,
        maatregel(
            "M2",
            Separatie,
            "F1",
            "2024-02-01T10:00:00",
            "2024-02-02T10:00:00",
        ),
    );
    log.push(
        &j2,
        maatregel(
            "M1",
            Fixatie,
            "F1",
            "2024-03-31T23:00:00",
            "2024-04-01T00:30:00",
        ),
    );
    let m2 = log.push(
        &j2,
        maatregel(
            "M2",
            Afzondering,
            "F1",
            "2024-02-15T09:00:00",
            "2024-02-15T12:00:00",
        ),
    );
    log.push(
        &j4,
        maatregel(
            "M1",
            Afzondering,
            "F3",
            "2024-04-02T10:00:00",
            "2024-04-02T11:00:00",
        ),
    );
    contract(&mut log);
    log.push_op(
        &j1,
        FeitGecorrigeerd {
            vervangt: m1,
            nieuw: Box::new(maatregel(
                "M1",
                Afzondering,
                "F1",
                "2024-01-10T08:00:00",
                "2024-01-10T14:00:00",
            )),
            reden: "eind later".into(),
        },
        t(CORRECTIE),
    );
    log.push(
        &j2,
        FeitIngetrokken {
            event_id: m2,
            reden: "niet toegepast".into(),
        },
    );
    // After the review date of 1 April the norm on measures is tightened.
    log.push_op(
        &contract_stream("C1"),
        PrestatieafspraakGewijzigd {
            contract: "C1".into(),
            afspraak: "AF1".into(),
            datum: d("2024-04-01"),
            inhoud: norm(
                Normkpi::MaatregelenPer1000Ligdagen,
                "2024-03-31",
                None,
                Some(20.0),
            ),
            reden: "evaluatie 1 april".into(),
        },
        t(K2),
    );
    log
}

/// When the agreement AF1 is changed.
const K2: &str = "2024-07-01T09:00:00Z";

fn norm(kpi: Normkpi, tot_en_met: &str, min: Option<f64>, max: Option<f64>) -> Afspraakinhoud {
    Afspraakinhoud::Norm {
        kpi,
        van: d("2024-01-01"),
        tot_en_met: d(tot_en_met),
        min,
        max,
    }
}

/// Contract C1 of provider A1 with four agreements (docs/kpis.md, "Scorecard").
fn contract(log: &mut Log) {
    let s = contract_stream("C1");
    log.push(
        &s,
        ContractGesloten {
            contract: "C1".into(),
            aanbieder: "A1".into(),
            jeugdregios: vec!["R1".into()],
            financiering: Financiering::Inspanningsgericht,
            percelen: vec![Perceel {
                code: "P1".into(),
                naam: "Gesloten groep".into(),
                producten: vec![Product {
                    code: "JZP".into(),
                    vorm: Vorm::Groep,
                    regime: Regime::Gesloten,
                    eenheid: Tariefeenheid::Etmaal,
                }],
            }],
            tarieven: vec![Tarief {
                product: "JZP".into(),
                bedrag_cent: 50_000,
                geldig_van: d("2024-01-01"),
            }],
            van: d("2024-01-01"),
            tot_en_met: d("2025-12-31"),
            verlengingsopties: 0,
            verlenging_maanden: 0,
            volumegaranties: Vec::new(),
            budgetplafond_cent: None,
        },
    );
    let afspraken = [
        (
            "AF1",
            norm(
                Normkpi::MaatregelenPer1000Ligdagen,
                "2024-03-31",
                None,
                Some(30.0),
            ),
        ),
        (
            "AF2",
            norm(Normkpi::RatioAmbulantBed, "2024-03-31", Some(1.0), None),
        ),
        (
            "AF3",
            norm(Normkpi::Bezettingsgraad, "2024-12-31", Some(0.5), None),
        ),
        (
            "AF4",
            Afspraakinhoud::Capaciteit {
                vorm: Some(Vorm::Groep),
                regime: Some(Regime::Gesloten),
                richting: Richting::Afbouw,
                punten: vec![
                    Capaciteitspunt {
                        datum: d("2024-01-01"),
                        plaatsen: 4,
                    },
                    Capaciteitspunt {
                        datum: d("2024-04-01"),
                        plaatsen: 3,
                    },
                ],
            },
        ),
    ];
    for (id, inhoud) in afspraken {
        log.push(
            &s,
            PrestatieafspraakVastgelegd {
                contract: "C1".into(),
                afspraak: id.into(),
                datum: d("2024-01-01"),
                inhoud,
                toelichting: format!("afspraak {id}"),
            },
        );
    }
}

fn rij<'a>(rijen: &'a [MaatregelRij], s: &str) -> Option<&'a MaatregelCijfers> {
    rijen.iter().find(|r| r.sleutel == s).map(|r| &r.cijfers)
}

#[test]
fn voorbeeld_maatregelen() {
    let p = bouw(&voorbeeld());
    let m = p.maatregelen(&q1(), None).waarde;
    // J1 M1 (6 h after the correction), J1 M2 (24 h), J2 M1 (1.5 h, begun on 31 March);
    // J2 M2 is retracted, J4 M1 begins in Q2.
    assert_eq!(n(m.totaal.aantal), 3);
    assert!(benadert(m.totaal.uren, 31.5));
    assert!(benadert(m.totaal.gemiddelde_uren, 10.5));
    // Bed-days: F1 60 (J1) + 60 (J2), F3 31 (J4); J3's ambulant days are not bed-days.
    assert_eq!(n(m.totaal.ligdagen), 151);
    assert!(benadert(m.totaal.per_1000_ligdagen, 3000.0 / 151.0));
    let afz = rij(&m.per_soort, "AFZONDERING");
    assert_eq!(afz.map(|c| n(c.aantal)), Some(1));
    assert!(benadert(afz.and_then(|c| c.uren), 6.0));
    assert_eq!(rij(&m.per_soort, "SEPARATIE").map(|c| n(c.aantal)), Some(1));
    assert_eq!(rij(&m.per_soort, "FIXATIE").map(|c| n(c.aantal)), Some(1));
    assert_eq!(rij(&m.per_soort, "TOEZICHT").map(|c| n(c.aantal)), Some(0));
    assert_eq!(m.per_soort.len(), Maatregelsoort::ALL.len());
    // Per facility and provider: only F1 / A1 have measures in Q1.
    assert_eq!(m.per_voorziening.len(), 1);
    let f1 = rij(&m.per_voorziening, "F1");
    assert_eq!(f1.map(|c| n(c.ligdagen)), Some(120));
    assert!(benadert(f1.and_then(|c| c.per_1000_ligdagen), 25.0));
    assert_eq!(m.per_aanbieder.len(), 1);
    let a1 = rij(&m.per_aanbieder, "A1");
    assert_eq!(a1.map(|c| n(c.aantal)), Some(3));
    assert_eq!(a1.map(|c| n(c.ligdagen)), Some(120), "F2 is ambulant");
}

#[test]
fn maatregelen_als_bekend_op_k() {
    let p = bouw(&voorbeeld());
    // Before the correction and the retraction: J1 M1 4 h, and J2 M2 (3 h) still there.
    let m = p.maatregelen(&q1().known_at(t(K1)), None).waarde;
    assert_eq!(n(m.totaal.aantal), 4);
    assert!(benadert(m.totaal.uren, 32.5));
    assert_eq!(
        rij(&m.per_soort, "AFZONDERING").map(|c| n(c.aantal)),
        Some(2)
    );
    // Before anything about measures was recorded.
    let m = p
        .maatregelen(&q1().known_at(t("2024-06-01T08:00:10Z")), None)
        .waarde;
    assert_eq!(n(m.totaal.aantal), 0);
    assert_eq!(m.totaal.gemiddelde_uren, None);
}

#[test]
fn maatregelen_filter_en_reeks() {
    let p = bouw(&voorbeeld());
    let a2 = q1().filter(Filter {
        aanbieder: Some("A2".into()),
        ..Filter::default()
    });
    let m = p.maatregelen(&a2, None).waarde;
    assert_eq!(n(m.totaal.aantal), 0);
    assert_eq!(n(m.totaal.ligdagen), 31);
    assert!(benadert(m.totaal.per_1000_ligdagen, 0.0));
    // A geographic filter selects by the facility's gemeente, whatever the attribution.
    let g2 = q1().filter(Filter {
        gemeente: Some("G2".into()),
        ..Filter::default()
    });
    assert_eq!(n(p.maatregelen(&g2, None).waarde.totaal.ligdagen), 31);
    // Q2: J4 M1 (1 h) in F3; bed-days J2 in F1 and J4 in F3, 91 each.
    let perioden = [kwartaal(2024, 1), kwartaal(2024, 2)];
    let r = p.maatregelen_reeks(&q1(), &perioden, None);
    assert_eq!(r.len(), 2);
    let q2 = &r[1].waarde.totaal;
    assert_eq!(n(q2.aantal), 1);
    assert_eq!(n(q2.ligdagen), 182);
    assert!(benadert(q2.per_1000_ligdagen, 1000.0 / 182.0));
    for (k, periode) in r.iter().zip(perioden) {
        let een = p.maatregelen(&Query::new(periode), None);
        assert_eq!(k.waarde, een.waarde);
        assert_eq!(k.meta, een.meta);
    }
}

#[test]
fn voorbeeld_ratio() {
    let p = bouw(&voorbeeld());
    let r = p.ratio_ambulant_bed(&q1(), None).waarde;
    assert_eq!(n(r.totaal.ambulante_dagen), 77);
    assert_eq!(n(r.totaal.ligdagen), 151);
    assert!(benadert(r.totaal.ratio.waarde, 77.0 / 151.0));
    let a = |s: &str| r.per_aanbieder.iter().find(|x| x.sleutel == s).cloned();
    assert!(benadert(a("A1").and_then(|x| x.ratio.waarde), 77.0 / 120.0));
    assert!(benadert(a("A2").and_then(|x| x.ratio.waarde), 0.0));
    // HERKOMST: J1 and J3 live in G1 (R1), J2 and J4 in G2 (R2).
    let g = |r: &RatioAmbulantBed, s: &str| {
        r.per_jeugdregio
            .iter()
            .find(|x| x.sleutel == s)
            .map(|x| (n(x.ambulante_dagen), n(x.ligdagen)))
    };
    assert_eq!(g(&r, "R1"), Some((77, 60)));
    assert_eq!(g(&r, "R2"), Some((0, 91)));
    // LOCATIE: F1 and F2 lie in G1, F3 in G2.
    let loc = p
        .ratio_ambulant_bed(&q1().toerekening(Toerekening::Locatie), None)
        .waarde;
    assert_eq!(g(&loc, "R1"), Some((77, 120)));
    assert_eq!(g(&loc, "R2"), Some((0, 31)));
    // A series equals its periods.
    let perioden = [kwartaal(2024, 1), kwartaal(2024, 2)];
    let reeks = p.ratio_ambulant_bed_reeks(&q1(), &perioden, None);
    for (k, periode) in reeks.iter().zip(perioden) {
        assert_eq!(
            k.waarde,
            p.ratio_ambulant_bed(&Query::new(periode), None).waarde
        );
    }
    // Q2: J3 ambulant 91 days, J2 and J4 91 bed-days each.
    assert!(benadert(reeks[1].waarde.totaal.ratio.waarde, 91.0 / 182.0));
}

#[test]
fn beschermd_is_verstoord_en_consistent() {
    let p = bouw(&voorbeeld());
    let sl = RecordKeys::new(b"a test secret of enough length");
    let m = p.maatregelen(&q1(), Some(&sl)).waarde;
    let x = n(m.totaal.aantal);
    assert!((1..=5).contains(&x), "{x}");
    assert_eq!(m.totaal.aantal.bescherming, Bescherming::Verstoord);
    // Fewer than 8 published measures: the mean is withheld.
    assert_eq!(m.totaal.gemiddelde_uren, None);
    assert_eq!(m.totaal.bescherming, Bescherming::Onderdrukt);
    // A true zero stays zero.
    assert_eq!(rij(&m.per_soort, "TOEZICHT").map(|c| n(c.aantal)), Some(0));
    // The same records give the same answer, however they were selected.
    let a1 = q1().filter(Filter {
        aanbieder: Some("A1".into()),
        ..Filter::default()
    });
    assert_eq!(
        p.maatregelen(&a1, Some(&sl)).waarde.totaal.aantal,
        m.totaal.aantal
    );
    let r = p.ratio_ambulant_bed(&q1(), Some(&sl)).waarde;
    let dagen = n(r.totaal.ligdagen);
    assert!((dagen - 151).abs() <= 4, "{dagen}");
    assert_eq!(r.totaal.ratio.bescherming, Bescherming::Verstoord);
}

fn score<'a>(s: &'a Scorecard, id: &str) -> Option<&'a AfspraakScore> {
    s.afspraken.iter().find(|a| a.afspraak == id)
}

fn status(s: &Scorecard, id: &str) -> Option<&'static str> {
    score(s, id).map(|a| a.status.code())
}

#[test]
fn voorbeeld_scorecard() {
    let p = bouw(&voorbeeld());
    let Some(s) = p.scorecard("C1", &KnowledgeTime::LATEST, None) else {
        panic!("contract C1 unknown");
    };
    assert_eq!(s.aanbieder, "A1");
    assert_eq!(s.kennisdatum, Some(d("2024-07-01")));
    assert_eq!(s.afspraken.len(), 4);
    // AF1 (after its change: at most 20 per 1,000 bed-days): 3 measures over 120
    // bed-days of A1 in Q1 is 25.
    let af1 = score(&s, "AF1");
    assert!(benadert(af1.and_then(|a| a.gerealiseerd), 25.0));
    assert_eq!(status(&s, "AF1"), Some("NIET_GEHAALD"));
    assert_eq!(af1.map(|a| a.historie.len()), Some(2));
    assert_eq!(
        af1.and_then(|a| a.historie.last())
            .map(|v| v.reden.as_str()),
        Some("evaluatie 1 april")
    );
    assert_eq!(af1.map(|a| a.trend.len()), Some(1));
    // The events behind the value: the three measures (one through its correction) and
    // the two stays of A1's closed facility in Q1.
    let soorten: Vec<&str> = af1
        .map(|a| {
            a.gebeurtenissen
                .iter()
                .map(|g| g.event_type.as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(soorten.len(), 5, "{soorten:?}");
    assert!(soorten.contains(&"FeitGecorrigeerd"));
    // AF2: A1's ratio is 77 / 120, below the minimum of 1.
    assert!(benadert(
        score(&s, "AF2").and_then(|a| a.gerealiseerd),
        77.0 / 120.0
    ));
    assert_eq!(status(&s, "AF2"), Some("NIET_GEHAALD"));
    // AF3: the year has not ended on 1 July.
    assert_eq!(status(&s, "AF3"), Some("NOG_NIET_DEFINITIEF"));
    assert!(benadert(
        score(&s, "AF3").and_then(|a| a.gerealiseerd),
        747.0 / 5124.0
    ));
    assert_eq!(score(&s, "AF3").map(|a| a.trend.len()), Some(4));
    // AF4: 4 places of GROEP × GESLOTEN on both dates: met on 1 January, not on 1 April.
    let af4 = score(&s, "AF4");
    let punten: Vec<(i64, bool)> = af4
        .map(|a| {
            a.punten
                .iter()
                .map(|p| (p.gerealiseerd, p.gehaald))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(punten, vec![(4, true), (4, false)]);
    assert_eq!(status(&s, "AF4"), Some("NIET_GEHAALD"));
    // An unknown contract has no scorecard.
    assert!(p.scorecard("C9", &KnowledgeTime::LATEST, None).is_none());
}

#[test]
fn scorecard_gehaald_en_verschil() {
    let p = bouw(&voorbeeld());
    let k1 = KnowledgeTime::from(t(K1));
    let Some(s1) = p.scorecard("C1", &k1, None) else {
        panic!("contract C1 unknown at K1");
    };
    // At K1: the first content (at most 30), and J2's measure not yet retracted: 4
    // measures over 120 bed-days is 33.3.
    let af1 = score(&s1, "AF1");
    assert!(benadert(af1.and_then(|a| a.gerealiseerd), 4000.0 / 120.0));
    assert_eq!(status(&s1, "AF1"), Some("NIET_GEHAALD"));
    assert_eq!(af1.map(|a| a.historie.len()), Some(1));
    // As known between the retraction and the change: 25 ≤ 30, met.
    let tussen = KnowledgeTime::from(t("2024-06-20T00:00:00Z"));
    let st = p.scorecard("C1", &tussen, None);
    assert_eq!(st.as_ref().and_then(|s| status(s, "AF1")), Some("GEHAALD"));
    let v = p.scorecard_verschil("C1", &k1, &KnowledgeTime::from(t(K2)), None);
    assert_eq!(v.gewijzigd, vec!["AF1".to_owned()]);
    let soorten: Vec<&str> = v
        .gebeurtenissen
        .iter()
        .map(|g| g.event_type.as_str())
        .collect();
    assert_eq!(
        soorten,
        vec![
            "FeitGecorrigeerd",
            "FeitIngetrokken",
            "PrestatieafspraakGewijzigd"
        ]
    );
    assert!(v.voor.is_some() && v.na.is_some());
    // Before the contract was recorded there is no scorecard.
    let vroeg = KnowledgeTime::from(t("2024-06-01T08:00:00Z"));
    assert!(p.scorecard("C1", &vroeg, None).is_none());
    // Protected: the same statuses from perturbed values, never an exact count given away.
    let sl = RecordKeys::new(b"a test secret of enough length");
    let b = p.scorecard("C1", &KnowledgeTime::LATEST, Some(&sl));
    assert_eq!(b.map(|s| s.afspraken.len()), Some(4));
}

// ---------------------------------------------------------------- properties

/// The generated history of `common::historie` with restrictive measures added in the
/// youths' streams: recorded late, corrected (also twice) and retracted.
fn genereer(seed: u64, jeugdigen: usize) -> Log {
    use Maatregelsoort::*;
    let mut log = common::historie::genereer(seed, jeugdigen);
    let mut rng = Rng(seed | 1);
    let stromen: Vec<String> = {
        let mut s: Vec<String> = log
            .events
            .iter()
            .filter(|e| e.stream.starts_with("jeugdige-"))
            .map(|e| e.stream.clone())
            .collect();
        s.sort();
        s.dedup();
        s
    };
    let soorten = [Afzondering, Separatie, Fixatie, Toezicht, BeperkingBezoek];
    let mut ids: Vec<(String, Uuid, usize)> = Vec::new();
    let basis = t("2024-01-01T00:00:00Z");
    for _ in 0..jeugdigen * 3 {
        if stromen.is_empty() {
            break;
        }
        let s = stromen[rng.below(stromen.len() as u64) as usize].clone();
        let i = rng.below(6) as usize;
        let dag = rng.below(500) as i64;
        let begin =
            (basis + Duration::days(dag) + Duration::minutes(rng.below(1440) as i64)).naive_utc();
        let eind = begin + Duration::minutes(rng.below(3000) as i64);
        let e = MaatregelToegepast {
            maatregel: format!("M{i}"),
            soort: rng.kies(&soorten),
            voorziening: rng.kies(&["F1", "F2", "F3", "F4"]).into(),
            begin,
            eind,
            toelichting: String::new(),
        };
        let later = log.klok + Duration::hours(rng.below(48) as i64);
        let id = log.push_op(&s, e.clone(), later);
        ids.push((s.clone(), id, ids.len()));
        if rng.kans(30) {
            let (s, id, _) = ids[rng.below(ids.len() as u64) as usize].clone();
            let mut nieuw = e.clone();
            nieuw.eind += Duration::minutes(rng.below(600) as i64);
            nieuw.voorziening = rng.kies(&["F1", "F2", "F3"]).into();
            let c = log.push(
                &s,
                FeitGecorrigeerd {
                    vervangt: id,
                    nieuw: Box::new(nieuw.into()),
                    reden: "correctie".into(),
                },
            );
            if rng.kans(30) {
                ids.push((s.clone(), c, ids.len()));
            }
        }
        if rng.kans(15) {
            let (s, id, _) = ids[rng.below(ids.len() as u64) as usize].clone();
            log.push(
                &s,
                FeitIngetrokken {
                    event_id: id,
                    reden: "ingetrokken".into(),
                },
            );
            ids.retain(|x| x.1 != id);
        }
    }
    log
}

fn queries() -> Vec<Query> {
    let mut uit = Vec::new();
    for f in common::filters() {
        for periode in [kwartaal(2024, 1), kwartaal(2024, 3), kwartaal(2025, 1)] {
            uit.push(Query::new(periode).filter(f.clone()));
        }
        uit.push(
            Query::new(Periode {
                van: d("2024-01-01"),
                tot: d("2025-06-01"),
            })
            .filter(f.clone())
            .toerekening(Toerekening::Locatie),
        );
    }
    uit
}

type Waarden = Vec<(Maatregelen, RatioAmbulantBed)>;

fn alles(
    p: &Projection,
    qs: &[Query],
    k: Option<DateTime<Utc>>,
    sl: Option<&RecordKeys>,
) -> Waarden {
    qs.iter()
        .map(|q| {
            let mut q = q.clone();
            q.known_at = k;
            (
                p.maatregelen(&q, sl).waarde,
                p.ratio_ambulant_bed(&q, sl).waarde,
            )
        })
        .collect()
}

#[test]
fn verkeerde_stroom_en_ander_soort() {
    let mut log = voorbeeld();
    let m = maatregel(
        "M9",
        Maatregelsoort::Fixatie,
        "F1",
        "2024-05-01T10:00:00",
        "2024-05-01T11:00:00",
    );
    log.push("voorziening-F1", m);
    let j1 = jeugdige_stream("J1");
    let id = log.push(
        &j1,
        maatregel(
            "M8",
            Maatregelsoort::Toezicht,
            "F1",
            "2024-05-02T10:00:00",
            "2024-05-02T11:00:00",
        ),
    );
    log.push(
        &j1,
        FeitGecorrigeerd {
            vervangt: id,
            nieuw: Box::new(geplaatst("F1", "2024-05-02")),
            reden: "andere soort".into(),
        },
    );
    let (p, fouten) = Projection::rebuild(&log.events);
    assert!(
        matches!(
            fouten.as_slice(),
            [
                ProjectionError::VerkeerdeStroom { .. },
                ProjectionError::CorrectieAnderSoort { .. }
            ]
        ),
        "{fouten:?}"
    );
    // The refused correction changed nothing: M8 is still there.
    let q = Query::new(kwartaal(2024, 2));
    assert_eq!(n(p.maatregelen(&q, None).waarde.totaal.aantal), 2);
}

#[test]
fn de_generator_raakt_alles() {
    // The property below is not vacuous: generated histories hold measures in the
    // periods asked, corrected and retracted ones among them.
    let log = genereer(7, 9);
    let soort = |s: &str| log.events.iter().filter(|e| e.event_type == s).count();
    assert!(soort("MaatregelToegepast") >= 10);
    assert!(soort("FeitGecorrigeerd") >= 1);
    let p = bouw(&log);
    let totaal: i64 = (1..=4)
        .map(|k| {
            n(p.maatregelen(&Query::new(kwartaal(2024, k)), None)
                .waarde
                .totaal
                .aantal)
        })
        .sum();
    assert!(totaal >= 5, "{totaal}");
    let jaren = Periode {
        van: d("2024-01-01"),
        tot: d("2026-01-01"),
    };
    let r = p.ratio_ambulant_bed(&Query::new(jaren), None).waarde;
    assert!(
        n(r.totaal.ligdagen) > 0 && n(r.totaal.ambulante_dagen) > 0,
        "{r:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Incremental application equals a rebuild; `maatregelen(P, K)` and the ratio equal
    /// those of a rebuild from the events recorded at or before K; a series equals its
    /// periods.
    #[test]
    fn incrementeel_herbouw_en_kennis(seed in any::<u64>(), n in 1usize..10) {
        let log = genereer(seed, n);
        let qs = queries();
        let sl = RecordKeys::new(b"a property test secret, long enough");
        let mut p = Projection::new();
        for e in &log.events {
            prop_assert!(p.apply(e).is_ok(), "event {} refused", e.position);
        }
        let vers = bouw(&log);
        prop_assert_eq!(alles(&p, &qs, None, None), alles(&vers, &qs, None, None));
        prop_assert_eq!(alles(&p, &qs, None, Some(&sl)), alles(&vers, &qs, None, Some(&sl)));
        let len = log.events.len();
        for i in [len / 4, len / 2, 3 * len / 4, len - len / 8, len] {
            if i == 0 {
                continue;
            }
            let k = log.events[i - 1].recorded_at;
            // Events recorded at the same time as event i-1 belong to the prefix too.
            let j = log.events.partition_point(|e| e.recorded_at <= k);
            let (prefix, _) = Projection::rebuild(&log.events[..j]);
            prop_assert_eq!(alles(&p, &qs, Some(k), None), alles(&prefix, &qs, None, None));
            prop_assert_eq!(
                alles(&p, &qs, Some(k), Some(&sl)),
                alles(&prefix, &qs, None, Some(&sl))
            );
        }
        // Consecutive quarters, and periods with gaps between them.
        for perioden in [
            (1..=4).map(|k| kwartaal(2024, k)).collect::<Vec<_>>(),
            vec![kwartaal(2024, 1), kwartaal(2024, 3), kwartaal(2025, 1)],
        ] {
        for q in &qs {
            let m = p.maatregelen_reeks(q, &perioden, Some(&sl));
            let r = p.ratio_ambulant_bed_reeks(q, &perioden, None);
            for ((m, r), periode) in m.iter().zip(&r).zip(&perioden) {
                let mut qq = q.clone();
                qq.periode = *periode;
                prop_assert_eq!(&m.waarde, &p.maatregelen(&qq, Some(&sl)).waarde);
                prop_assert_eq!(&r.waarde, &p.ratio_ambulant_bed(&qq, None).waarde);
            }
        }
        }
    }
}
