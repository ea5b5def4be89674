//! The money side: the worked example of docs/kpis.md ("Geld") figure by figure (also as
//! known before and after a tariff indexation recorded after the period it applies to),
//! which contract pays a day, and properties over generated histories with contracts,
//! late indexations, corrections and retractions.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::historie::genereer;
use common::{Log, Rng, d, t};
use kringloop_events::*;
use kringloop_projections::*;
use proptest::prelude::*;

fn bouw(events: &[RecordedEvent]) -> Projection {
    let (p, fouten) = Projection::rebuild(events);
    assert!(fouten.is_empty(), "{fouten:?}");
    p
}

fn kwartaal(jaar: i32, k: u32) -> Periode {
    Periode::kwartaal(jaar, k).unwrap_or(Periode {
        van: d("2024-01-01"),
        tot: d("2024-04-01"),
    })
}

fn product(code: &str, vorm: Vorm, regime: Regime, eenheid: Tariefeenheid) -> Product {
    Product {
        code: code.into(),
        vorm,
        regime,
        eenheid,
    }
}

fn tarief(product: &str, cent: i64, van: &str) -> Tarief {
    Tarief {
        product: product.into(),
        bedrag_cent: cent,
        geldig_van: d(van),
    }
}

#[allow(clippy::too_many_arguments)]
fn contract(
    id: &str,
    aanbieder: &str,
    regios: &[&str],
    financiering: Financiering,
    producten: Vec<Product>,
    tarieven: Vec<Tarief>,
    van: &str,
    tot: &str,
    garanties: Vec<Volumegarantie>,
) -> ContractGesloten {
    ContractGesloten {
        contract: id.into(),
        aanbieder: aanbieder.into(),
        jeugdregios: regios.iter().map(|r| (*r).to_owned()).collect(),
        financiering,
        percelen: vec![Perceel {
            code: "P1".into(),
            naam: "perceel".into(),
            producten,
        }],
        tarieven,
        van: d(van),
        tot_en_met: d(tot),
        verlengingsopties: 1,
        verlenging_maanden: 12,
        volumegaranties: garanties,
        budgetplafond_cent: None,
    }
}

fn plaatsing(vz: &str, datum: &str) -> PlaatsingGestart {
    PlaatsingGestart {
        voorziening: vz.into(),
        datum: d(datum),
        spoed: false,
        crisis: false,
        verblijf_voor: Verblijfplaats::Thuis,
        verzoek: None,
        overbrugging: false,
    }
}

fn einde(datum: &str) -> PlaatsingBeeindigd {
    PlaatsingBeeindigd {
        voorziening: None,
        datum: d(datum),
        bestemming: Verblijfplaats::Thuis,
        reden: String::new(),
        reden_beeindiging: None,
    }
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
const VZ: [(&str, &str, &str, Vorm, Regime, u32); 5] = [
    ("F1", "A1", "G1", Vorm::Groep, Regime::Gesloten, 4),
    ("F2", "A1", "G1", Vorm::Kleinschalig, Regime::Open, 2),
    ("F3", "A2", "G2", Vorm::Groep, Regime::Open, 3),
    ("F4", "A2", "G2", Vorm::Ambulant, Regime::Open, 5),
    ("F5", "A3", "G1", Vorm::Groep, Regime::Open, 2),
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

/// The worked example of docs/kpis.md ("Geld"): everything recorded from 2024-04-01,
/// the indexation of JZP (520,00 from 2024-03-01) only on 2024-05-01.
fn voorbeeld() -> Log {
    use Regime::*;
    use Tariefeenheid::*;
    use Vorm::*;
    let mut log = Log::new(t("2024-04-01T08:00:00Z"));
    landschap(&mut log);
    log.push(
        "contract-C1",
        contract(
            "C1",
            "A1",
            &["R1", "R2"],
            Financiering::Inspanningsgericht,
            vec![
                product("JZP", Groep, Gesloten, Etmaal),
                product("KLEIN", Kleinschalig, Open, Traject),
            ],
            vec![
                tarief("JZP", 50_000, "2023-01-01"),
                tarief("KLEIN", 1_200_000, "2023-01-01"),
            ],
            "2023-01-01",
            "2025-12-31",
            vec![Volumegarantie {
                product: "JZP".into(),
                plaatsen: Some(2),
                bezettingsaandeel_procent: None,
            }],
        ),
    );
    log.push(
        "contract-C2",
        contract(
            "C2",
            "A2",
            &["R2", "R1"],
            Financiering::Taakgericht,
            vec![
                product("OPEN", Groep, Open, Jaar),
                product("AMB", Ambulant, Open, Etmaal),
            ],
            vec![
                tarief("OPEN", 3_660_366, "2024-01-01"),
                tarief("AMB", 8_000, "2024-01-01"),
            ],
            "2024-01-01",
            "2024-12-31",
            Vec::new(),
        ),
    );
    let j1 = jeugdige(&mut log, "J1", "G1");
    log.push(&j1, plaatsing("F1", "2023-12-20"));
    log.push(&j1, einde("2024-02-10"));
    let j2 = jeugdige(&mut log, "J2", "G2");
    log.push(&j2, plaatsing("F1", "2024-02-20"));
    let j3 = jeugdige(&mut log, "J3", "G1");
    log.push(&j3, plaatsing("F2", "2024-01-15"));
    log.push(&j3, einde("2024-03-01"));
    let j4 = jeugdige(&mut log, "J4", "G1");
    log.push(&j4, plaatsing("F3", "2024-01-01"));
    log.push(&j4, einde("2024-01-31"));
    let j5 = jeugdige(&mut log, "J5", "G2");
    log.push(&j5, plaatsing("F4", "2024-03-01"));
    let j6 = jeugdige(&mut log, "J6", "G1");
    log.push(&j6, plaatsing("F5", "2024-03-22"));
    for (segment, bedrag) in [
        (Budgetsegment::Gesloten, 20_000_000),
        (Budgetsegment::OpenResidentieel, 5_000_000),
        (Budgetsegment::Ambulant, 1_000_000),
    ] {
        log.push(
            "budget-R1",
            BudgetVastgesteld {
                jeugdregio: "R1".into(),
                jaar: 2024,
                segment,
                bedrag_cent: bedrag,
            },
        );
    }
    log.push(
        "budget-R1",
        BudgetVerschoven {
            jeugdregio: "R1".into(),
            jaar: 2024,
            van: Budgetsegment::Gesloten,
            naar: Budgetsegment::Ambulant,
            bedrag_cent: 2_000_000,
            datum: d("2024-03-15"),
            reden: "ambulante alternatieven".into(),
        },
    );
    log.push_op(
        "contract-C1",
        TariefGeindexeerd {
            contract: "C1".into(),
            product: "JZP".into(),
            geldig_van: d("2024-03-01"),
            bedrag_cent: 52_000,
            reden: "indexatie 2024".into(),
        },
        t("2024-05-01T08:00:00Z"),
    );
    log
}

fn rij<'a>(rijen: &'a [KostenRij], sleutel: &str) -> Option<&'a KostenRij> {
    rijen.iter().find(|r| r.sleutel == sleutel)
}

fn totaal(rijen: &[KostenRij], sleutel: &str) -> i64 {
    rij(rijen, sleutel).map_or(-1, |r| r.totaal_cent)
}

#[test]
fn voorbeeld_kosten_voor_en_na_de_indexatie() {
    let p = bouw(&voorbeeld().events);
    let q = Query::new(kwartaal(2024, 1));
    // As known on 2024-04-15: the indexation is not recorded yet.
    let k = p
        .kosten(&q.clone().known_at(t("2024-04-15T00:00:00Z")))
        .waarde;
    assert_eq!(k.totaal.etmaal_cent, 4_298_000);
    assert_eq!(k.totaal.traject_cent, 1_200_000);
    assert_eq!(k.totaal.jaar_cent, 910_091);
    assert_eq!(k.totaal.zorgkosten_cent, 6_408_091);
    assert_eq!(k.totaal.leegstand_cent, 5_050_000);
    assert_eq!(k.totaal.totaal_cent, 11_458_091);

    // As known now: March of JZP at 520,00.
    let kpi = p.kosten(&q);
    assert_eq!(kpi.meta.definitie, "kosten");
    let k = kpi.waarde;
    assert_eq!(k.totaal.etmaal_cent, 4_360_000);
    assert_eq!(k.totaal.traject_cent, 1_200_000);
    assert_eq!(k.totaal.jaar_cent, 910_091);
    assert_eq!(k.totaal.leegstand_cent, 5_112_000);
    assert_eq!(k.totaal.totaal_cent, 11_582_091);
    assert_eq!(k.ligdagen_met_contract, 188);
    assert_eq!(k.ligdagen_zonder_contract, 10);
    assert_eq!(k.starts_zonder_contract, 1);

    assert_eq!(totaal(&k.per_aanbieder, "A1"), 10_424_000);
    assert_eq!(totaal(&k.per_aanbieder, "A2"), 1_158_091);
    assert_eq!(k.per_aanbieder.len(), 2, "A3 has no contract: no costs");
    assert_eq!(totaal(&k.per_jeugdregio, "R1"), 6_211_000);
    assert_eq!(totaal(&k.per_jeugdregio, "R2"), 5_371_091);
    assert_eq!(
        rij(&k.per_jeugdregio, "R2").map(|r| r.jaar_cent),
        Some(455_091),
        "the lead region R2 gets the remainder cent of each day"
    );
    assert_eq!(
        rij(&k.per_jeugdregio, "R1").map(|r| r.jaar_cent),
        Some(455_000)
    );
    assert_eq!(totaal(&k.per_segment, "GESLOTEN"), 9_224_000);
    assert_eq!(totaal(&k.per_segment, "OPEN_RESIDENTIEEL"), 2_110_091);
    assert_eq!(totaal(&k.per_segment, "AMBULANT"), 248_000);
    assert_eq!(totaal(&k.per_product, "JZP"), 9_224_000);
    assert_eq!(totaal(&k.per_product, "KLEIN"), 1_200_000);
    assert_eq!(totaal(&k.per_product, "OPEN"), 910_091);
    assert_eq!(totaal(&k.per_product, "AMB"), 248_000);

    // LOCATIE: the facilities' regions (F1, F2 in R1; F3, F4 in R2).
    let loc = p
        .kosten(&q.clone().toerekening(Toerekening::Locatie))
        .waarde;
    assert_eq!(loc.totaal, k.totaal);
    // R1: J1 and J2 (F1) 4 112 000 + J3 1 200 000 + JAAR 455 000 + leegstand 2 556 000.
    assert_eq!(totaal(&loc.per_jeugdregio, "R1"), 8_323_000);
    assert_eq!(totaal(&loc.per_jeugdregio, "R2"), 3_259_091);

    // A filter on R1: its placements, its shares of JAAR and leegstand.
    let r1 = p
        .kosten(&q.clone().filter(Filter {
            jeugdregio: Some("R1".into()),
            ..Filter::default()
        }))
        .waarde;
    assert_eq!(r1.totaal.totaal_cent, 6_211_000);
    assert_eq!(r1.ligdagen_met_contract, 40 + 46 + 30);
    // A facility filter leaves out the task budget and the leegstand.
    let f1 = p
        .kosten(&q.clone().filter(Filter {
            voorziening: Some("F1".into()),
            ..Filter::default()
        }))
        .waarde;
    assert_eq!(f1.totaal.totaal_cent, 4_112_000);
    assert_eq!(f1.totaal.leegstand_cent, 0);
}

#[test]
fn voorbeeld_kosten_per_jeugdige() {
    let p = bouw(&voorbeeld().events);
    let q = Query::new(kwartaal(2024, 1));
    let per = p.kosten_per_jeugdige(&q).waarde;
    let j = |p: &str| per.iter().find(|x| x.jeugdige == p).cloned();
    assert_eq!(
        j("J1").map(|x| (x.etmaal_cent, x.ligdagen_met_contract)),
        Some((2_000_000, 40))
    );
    assert_eq!(
        j("J2").map(|x| (x.etmaal_cent, x.ligdagen_met_contract)),
        Some((2_112_000, 41))
    );
    assert_eq!(
        j("J3").map(|x| (x.traject_cent, x.totaal_cent)),
        Some((1_200_000, 1_200_000))
    );
    assert_eq!(
        j("J4").map(|x| (x.totaal_cent, x.ligdagen_met_contract)),
        Some((0, 30))
    );
    assert_eq!(j("J5").map(|x| x.etmaal_cent), Some(248_000));
    assert_eq!(
        j("J6").map(|x| (x.totaal_cent, x.ligdagen_zonder_contract)),
        Some((0, 10))
    );
    let som: i64 = per.iter().map(|x| x.totaal_cent).sum();
    let k = p.kosten(&q).waarde.totaal;
    assert_eq!(som, k.etmaal_cent + k.traject_cent);
}

#[test]
fn voorbeeld_budget() {
    let p = bouw(&voorbeeld().events);
    let q = Query::new(kwartaal(2024, 1)).filter(Filter {
        jeugdregio: Some("R1".into()),
        ..Filter::default()
    });
    let b = p.budget(&q).waarde;
    assert_eq!(b.jaar, 2024);
    assert_eq!(b.dagen_verstreken, 91);
    assert_eq!(b.dagen_in_jaar, 366);
    assert_eq!(b.regios.len(), 1);
    let r = &b.regios[0];
    assert_eq!(r.jeugdregio, "R1");
    let g = &r.segmenten[0];
    assert_eq!(g.segment, "GESLOTEN");
    assert_eq!(g.vastgesteld_cent, Some(20_000_000));
    assert_eq!(g.verschoven_cent, -2_000_000);
    assert_eq!(g.budget_cent, Some(18_000_000));
    assert_eq!(g.kosten_cent, 4_556_000);
    assert!(
        g.realisatie
            .is_some_and(|x| (x - 4_556_000.0 / 18_000_000.0).abs() < 1e-12)
    );
    assert_eq!(g.prognose_cent, 18_324_132);
    let o = &r.segmenten[1];
    assert_eq!((o.budget_cent, o.kosten_cent), (Some(5_000_000), 1_655_000));
    let a = &r.segmenten[2];
    assert_eq!((a.budget_cent, a.kosten_cent), (Some(3_000_000), 0));
    assert_eq!(r.totaal.budget_cent, Some(26_000_000));
    assert_eq!(r.totaal.kosten_cent, 6_211_000);
    assert_eq!(r.totaal.prognose_cent, 24_980_505);

    // Before the shift's date the budget is as set.
    let jan =
        Query::new(Periode::maand(2024, 1).unwrap_or(kwartaal(2024, 1))).filter(q.filter.clone());
    let b = p.budget(&jan).waarde;
    assert_eq!(b.regios[0].segmenten[0].budget_cent, Some(20_000_000));
    assert_eq!(b.dagen_verstreken, 31);

    // Series: each period from 1 January to its end.
    let reeks = p.budget_reeks(&q, &[kwartaal(2024, 1), kwartaal(2024, 2)]);
    assert_eq!(reeks[0].waarde, p.budget(&q).waarde);
    let q2 = Query::new(kwartaal(2024, 2)).filter(q.filter.clone());
    assert_eq!(reeks[1].waarde, p.budget(&q2).waarde);
    assert_eq!(reeks[1].waarde.dagen_verstreken, 182);
}

#[test]
fn voorbeeld_budgetneutraal() {
    let p = bouw(&voorbeeld().events);
    let q = Query::new(kwartaal(2024, 1));
    let b = p.budgetneutraal(&q, 2023).waarde;
    assert_eq!(
        b.basisperiode,
        Some(Periode {
            van: d("2023-01-01"),
            tot: d("2023-04-01")
        })
    );
    // Q1 2023: only the guarantee of C1 (2 places × 90 days × 500,00).
    assert_eq!(b.totaal.basis_cent, 9_000_000);
    assert_eq!(b.totaal.kosten_cent, 11_582_091);
    assert_eq!(b.totaal.verschil_cent, 2_582_091);
    assert!(
        b.totaal
            .verhouding
            .is_some_and(|x| (x - 11_582_091.0 / 9_000_000.0).abs() < 1e-12)
    );
    let r1 = b.per_jeugdregio.iter().find(|r| r.sleutel == "R1");
    assert_eq!(
        r1.map(|r| (r.kosten_cent, r.basis_cent)),
        Some((6_211_000, 4_500_000))
    );
}

/// Which contract pays: the one of the youth's region, else the lowest id; none, none.
#[test]
fn welk_contract_betaalt() {
    use Regime::*;
    use Tariefeenheid::*;
    use Vorm::*;
    let mut log = Log::new(t("2024-04-01T08:00:00Z"));
    landschap(&mut log);
    for (id, regio, cent) in [("CA", "R1", 10_000), ("CB", "R2", 20_000)] {
        log.push(
            &format!("contract-{id}"),
            contract(
                id,
                "A1",
                &[regio],
                Financiering::Inspanningsgericht,
                vec![product("JZP", Groep, Gesloten, Etmaal)],
                vec![tarief("JZP", cent, "2024-01-01")],
                "2024-01-01",
                if id == "CA" {
                    "2024-12-31"
                } else {
                    "2024-01-31"
                },
                Vec::new(),
            ),
        );
    }
    // A youth of R2 in January (CB), then in February (CB ended: CA, the lowest id left).
    let j = jeugdige(&mut log, "J1", "G2");
    log.push(&j, plaatsing("F1", "2024-01-01"));
    log.push(&j, einde("2024-03-01"));
    let p = bouw(&log.events);
    let k = p.kosten(&Query::new(kwartaal(2024, 1))).waarde;
    assert_eq!(k.totaal.etmaal_cent, 31 * 20_000 + 29 * 10_000);
    assert_eq!(k.ligdagen_met_contract, 60);
    assert_eq!(
        rij(&k.per_aanbieder, "A1").map(|r| r.etmaal_cent),
        Some(910_000)
    );
    // A youth of an unknown region: the lowest id in force.
    let mut log2 = log.clone();
    let j2 = jeugdige(&mut log2, "J2", "G9");
    log2.push(&j2, plaatsing("F1", "2024-01-10"));
    log2.push(&j2, einde("2024-01-20"));
    let p = bouw(&log2.events);
    let k = p.kosten(&Query::new(kwartaal(2024, 1))).waarde;
    assert_eq!(k.totaal.etmaal_cent, 910_000 + 10 * 10_000);
    assert_eq!(
        rij(&k.per_jeugdregio, "ONBEKEND").map(|r| r.etmaal_cent),
        Some(100_000)
    );
}

/// A percentage guarantee follows the provider's places; a correction of the contract
/// and a retraction of an indexation are honoured as known at K.
#[test]
fn procentgarantie_en_correcties() {
    use Regime::*;
    use Tariefeenheid::*;
    use Vorm::*;
    let mut log = Log::new(t("2024-04-01T08:00:00Z"));
    landschap(&mut log);
    // F1 has 4 places: 50 % of 4 = 2 guaranteed; 30 % of 4 = ceil(1.2) = 2 as well.
    let c = log.push(
        "contract-C1",
        contract(
            "C1",
            "A1",
            &["R1"],
            Financiering::Inspanningsgericht,
            vec![product("JZP", Groep, Gesloten, Etmaal)],
            vec![tarief("JZP", 1_000, "2024-01-01")],
            "2024-01-01",
            "2024-12-31",
            vec![Volumegarantie {
                product: "JZP".into(),
                plaatsen: None,
                bezettingsaandeel_procent: Some(30),
            }],
        ),
    );
    let index = log.push(
        "contract-C1",
        TariefGeindexeerd {
            contract: "C1".into(),
            product: "JZP".into(),
            geldig_van: d("2024-02-01"),
            bedrag_cent: 2_000,
            reden: "indexatie".into(),
        },
    );
    let jan = Query::new(Periode::maand(2024, 1).unwrap_or(kwartaal(2024, 1)));
    let feb = Query::new(Periode::maand(2024, 2).unwrap_or(kwartaal(2024, 1)));
    // Just after the indexation was recorded (the next event comes a second later).
    let k0 = log.klok - Duration::milliseconds(500);
    let p = bouw(&log.events);
    assert_eq!(p.kosten(&jan).waarde.totaal.leegstand_cent, 2 * 31 * 1_000);
    assert_eq!(p.kosten(&feb).waarde.totaal.leegstand_cent, 2 * 29 * 2_000);
    log.push(
        "contract-C1",
        FeitIngetrokken {
            event_id: index,
            reden: "niet afgesproken".into(),
        },
    );
    // The guarantee corrected to 75 %: ceil(3) = 3 places.
    log.push(
        "contract-C1",
        FeitGecorrigeerd {
            vervangt: c,
            nieuw: Box::new(
                contract(
                    "C1",
                    "A1",
                    &["R1"],
                    Financiering::Inspanningsgericht,
                    vec![product("JZP", Groep, Gesloten, Etmaal)],
                    vec![tarief("JZP", 1_000, "2024-01-01")],
                    "2024-01-01",
                    "2024-12-31",
                    vec![Volumegarantie {
                        product: "JZP".into(),
                        plaatsen: None,
                        bezettingsaandeel_procent: Some(75),
                    }],
                )
                .into(),
            ),
            reden: "percentage".into(),
        },
    );
    let p = bouw(&log.events);
    assert_eq!(p.kosten(&feb).waarde.totaal.leegstand_cent, 3 * 29 * 1_000);
    assert_eq!(
        p.kosten(&feb.clone().known_at(k0))
            .waarde
            .totaal
            .leegstand_cent,
        2 * 29 * 2_000
    );
    let c = p.contract("C1", &KnowledgeTime::LATEST);
    assert_eq!(c.map(|c| c.gebeurtenissen.len()), Some(4));
}

// ---------------------------------------------------------------- properties

/// A contract-stream event for the merged log.
struct Item {
    at: DateTime<Utc>,
    stream: String,
    feit: Abs,
}

enum Abs {
    Feit(Gebeurtenis),
    Correctie(usize, Gebeurtenis),
    Intrekking(usize),
}

fn dag(n: i64) -> NaiveDate {
    d("2024-01-01") + Duration::days(n)
}

/// Contracts for the providers of the generated history (A1: F1 GROEP/GESLOTEN, F2
/// KLEINSCHALIG/OPEN; A2: F3 GROEP/OPEN, F4 AMBULANT/OPEN), with late indexations,
/// changed guarantees, extensions, early ends, budgets, corrections and retractions.
/// A generated contract: id, provider, regions and the form × regime of its two products.
type Spec = (
    &'static str,
    &'static str,
    &'static [&'static str],
    [(Vorm, Regime); 2],
);

fn contractfeiten(r: &mut Rng) -> Vec<Item> {
    use Tariefeenheid::*;
    let epoch = t("2024-01-01T00:00:00Z");
    let op = |dagen: i64| epoch + Duration::seconds(dagen * 86_400 + 3_600);
    let mut items: Vec<Item> = Vec::new();
    let specs: [Spec; 3] = [
        (
            "CA1",
            "A1",
            &["R1", "R2"],
            [
                (Vorm::Groep, Regime::Gesloten),
                (Vorm::Kleinschalig, Regime::Open),
            ],
        ),
        (
            "CB1",
            "A1",
            &["R2"],
            [
                (Vorm::Groep, Regime::Gesloten),
                (Vorm::Groep, Regime::Gesloten),
            ],
        ),
        (
            "CA2",
            "A2",
            &["R2", "R1"],
            [(Vorm::Groep, Regime::Open), (Vorm::Ambulant, Regime::Open)],
        ),
    ];
    for (id, aanbieder, regios, cellen) in specs {
        if id == "CB1" && r.kans(50) {
            continue;
        }
        let stroom = format!("contract-{id}");
        let van = r.below(120) as i64;
        let tot = van + 200 + r.below(700) as i64;
        let mut producten = Vec::new();
        let mut tarieven = Vec::new();
        for (i, (vorm, regime)) in cellen.iter().enumerate() {
            let eenheid = r.kies(&[Etmaal, Etmaal, Etmaal, Traject, Jaar]);
            let code = format!("P{i}");
            let cent = match eenheid {
                Etmaal => 5_000 + r.below(60_000) as i64,
                Traject => 100_000 + r.below(2_000_000) as i64,
                Jaar => 1_000_000 + r.below(50_000_000) as i64,
            };
            producten.push(product(&code, *vorm, *regime, eenheid));
            tarieven.push(Tarief {
                product: code,
                bedrag_cent: cent,
                geldig_van: dag(van),
            });
        }
        let garanties = if r.kans(70) {
            vec![Volumegarantie {
                product: "P0".into(),
                plaatsen: r.kans(50).then(|| 1 + r.below(3) as u32),
                bezettingsaandeel_procent: None,
            }]
            .into_iter()
            .map(|mut g| {
                if g.plaatsen.is_none() {
                    g.bezettingsaandeel_procent = Some(10 + r.below(90) as u8);
                }
                g
            })
            .collect()
        } else {
            Vec::new()
        };
        let g = ContractGesloten {
            contract: id.into(),
            aanbieder: aanbieder.into(),
            jeugdregios: regios.iter().map(|x| (*x).to_owned()).collect(),
            financiering: Financiering::Inspanningsgericht,
            percelen: vec![Perceel {
                code: "P".into(),
                naam: "P".into(),
                producten,
            }],
            tarieven: tarieven.clone(),
            van: dag(van),
            tot_en_met: dag(tot),
            verlengingsopties: 1,
            verlenging_maanden: 12,
            volumegaranties: garanties,
            budgetplafond_cent: None,
        };
        let at = r.below(200) as i64;
        items.push(Item {
            at: op(at),
            stream: stroom.clone(),
            feit: Abs::Feit(g.clone().into()),
        });
        let gesloten = items.len() - 1;
        if r.kans(20) {
            let mut g2 = g.clone();
            g2.jeugdregios.reverse();
            if let Some(t0) = g2.tarieven.first_mut() {
                t0.bedrag_cent += 1_111;
            }
            items.push(Item {
                at: op(at + 1 + r.below(300) as i64),
                stream: stroom.clone(),
                feit: Abs::Correctie(gesloten, g2.into()),
            });
        }
        // Indexations, often recorded months after the date they apply from.
        for _ in 0..r.below(3) {
            let t0 = &tarieven[r.below(tarieven.len() as u64) as usize];
            let geldig = van + 30 + r.below(600) as i64;
            let feit = TariefGeindexeerd {
                contract: id.into(),
                product: t0.product.clone(),
                geldig_van: dag(geldig),
                bedrag_cent: t0.bedrag_cent + r.below(5_000) as i64,
                reden: "indexatie".into(),
            };
            items.push(Item {
                at: op(geldig + r.below(200) as i64 - 30),
                stream: stroom.clone(),
                feit: Abs::Feit(feit.clone().into()),
            });
            let i = items.len() - 1;
            if r.kans(25) {
                let mut f2 = feit.clone();
                f2.bedrag_cent += 777;
                items.push(Item {
                    at: op(geldig + 250),
                    stream: stroom.clone(),
                    feit: Abs::Correctie(i, f2.into()),
                });
            } else if r.kans(15) {
                items.push(Item {
                    at: op(geldig + 260),
                    stream: stroom.clone(),
                    feit: Abs::Intrekking(i),
                });
            }
        }
        if r.kans(30) {
            let datum = van + r.below(400) as i64;
            items.push(Item {
                at: op(datum + r.below(60) as i64),
                stream: stroom.clone(),
                feit: Abs::Feit(
                    VolumegarantieGewijzigd {
                        contract: id.into(),
                        datum: dag(datum),
                        volumegaranties: if r.kans(50) {
                            Vec::new()
                        } else {
                            vec![Volumegarantie {
                                product: "P0".into(),
                                plaatsen: Some(1 + r.below(4) as u32),
                                bezettingsaandeel_procent: None,
                            }]
                        },
                        reden: "heronderhandeld".into(),
                    }
                    .into(),
                ),
            });
        }
        if r.kans(30) {
            items.push(Item {
                at: op(tot - 30),
                stream: stroom.clone(),
                feit: Abs::Feit(
                    ContractVerlengd {
                        contract: id.into(),
                        datum: dag(tot - 30),
                        tot_en_met: dag(tot + 365),
                    }
                    .into(),
                ),
            });
        }
        if r.kans(20) {
            let eind = van + 100 + r.below(300) as i64;
            items.push(Item {
                at: op(eind),
                stream: stroom.clone(),
                feit: Abs::Feit(
                    ContractBeeindigd {
                        contract: id.into(),
                        tot_en_met: dag(eind),
                        reden: "beeindigd".into(),
                    }
                    .into(),
                ),
            });
        }
    }
    for regio in ["R1", "R2"] {
        for jaar in [2024, 2025] {
            for s in Budgetsegment::ALL {
                if r.kans(70) {
                    items.push(Item {
                        at: op(r.below(400) as i64),
                        stream: format!("budget-{regio}"),
                        feit: Abs::Feit(
                            BudgetVastgesteld {
                                jeugdregio: regio.into(),
                                jaar,
                                segment: s,
                                bedrag_cent: r.below(100_000_000) as i64,
                            }
                            .into(),
                        ),
                    });
                }
            }
            if r.kans(50) {
                let datum = (i64::from(jaar) - 2024) * 365 + r.below(300) as i64;
                items.push(Item {
                    at: op(datum),
                    stream: format!("budget-{regio}"),
                    feit: Abs::Feit(
                        BudgetVerschoven {
                            jeugdregio: regio.into(),
                            jaar,
                            van: Budgetsegment::Gesloten,
                            naar: Budgetsegment::Ambulant,
                            bedrag_cent: r.below(5_000_000) as i64,
                            datum: dag(datum),
                            reden: "verschuiving".into(),
                        }
                        .into(),
                    ),
                });
            }
        }
    }
    items
}

/// The generated history of `common::historie` with contract facts merged in by recorded
/// time.
fn geschiedenis(seed: u64, n: usize) -> Vec<RecordedEvent> {
    let basis = genereer(seed, n);
    let mut r = Rng(seed.rotate_left(17) | 1);
    let items = contractfeiten(&mut r);
    let mut ids = vec![uuid::Uuid::nil(); items.len()];
    let mut volgorde: Vec<usize> = (0..items.len()).collect();
    volgorde.sort_by_key(|&i| (items[i].at, i));
    let mut eigen: Vec<RecordedEvent> = Vec::new();
    for (k, i) in volgorde.into_iter().enumerate() {
        let g: Gebeurtenis = match &items[i].feit {
            Abs::Feit(g) => g.clone(),
            Abs::Correctie(doel, g) => FeitGecorrigeerd {
                vervangt: ids[*doel],
                nieuw: Box::new(g.clone()),
                reden: "correctie".into(),
            }
            .into(),
            Abs::Intrekking(doel) => FeitIngetrokken {
                event_id: ids[*doel],
                reden: "ingetrokken".into(),
            }
            .into(),
        };
        let id = uuid::Uuid::from_u128(0x0290_0000_0000_7000_8000_0000_0000_0000 | k as u128);
        ids[i] = id;
        let mut e = basis.events.first().cloned().unwrap_or_else(|| {
            let mut l = Log::new(items[i].at);
            l.push("x", g.clone());
            l.events[0].clone()
        });
        e.stream = items[i].stream.clone();
        e.event_id = id;
        e.event_type = g.event_type().to_owned();
        e.schema_version = g.schema_version();
        e.payload = g.payload_json();
        e.valid_date = g.valid_date();
        e.recorded_at = items[i].at;
        eigen.push(e);
    }
    let mut alle: Vec<RecordedEvent> = basis.events;
    alle.extend(eigen);
    alle.sort_by_key(|e| e.recorded_at);
    for (i, e) in alle.iter_mut().enumerate() {
        e.position = i as i64 + 1;
    }
    alle
}

fn perioden() -> Vec<Periode> {
    (0..12)
        .map(|i| kwartaal(2024 + i / 4, (i % 4) as u32 + 1))
        .collect()
}

fn vragen() -> Vec<Query> {
    let mut qs = Vec::new();
    for f in common::filters() {
        for tr in [Toerekening::Herkomst, Toerekening::Locatie] {
            qs.push(
                Query::new(kwartaal(2024, 1))
                    .filter(f.clone())
                    .toerekening(tr),
            );
        }
    }
    qs
}

fn alles(p: &Projection, k: Option<DateTime<Utc>>) -> Vec<String> {
    let ps = perioden();
    let mut uit = Vec::new();
    for q in vragen() {
        let q = Query { known_at: k, ..q };
        uit.push(format!(
            "{:?}",
            p.kosten_reeks(&q, &ps)
                .iter()
                .map(|x| &x.waarde)
                .collect::<Vec<_>>()
        ));
        uit.push(format!(
            "{:?}",
            p.budget_reeks(&q, &ps)
                .iter()
                .map(|x| &x.waarde)
                .collect::<Vec<_>>()
        ));
    }
    uit.push(format!(
        "{:?}",
        p.contracten(&KnowledgeTime::at_or_latest(k))
    ));
    uit
}

fn sommen_kloppen(k: &Kosten) -> Result<(), TestCaseError> {
    let som = |rijen: &[KostenRij]| {
        rijen.iter().fold([0i64; 6], |mut a, r| {
            for (x, y) in a.iter_mut().zip([
                r.etmaal_cent,
                r.traject_cent,
                r.jaar_cent,
                r.zorgkosten_cent,
                r.leegstand_cent,
                r.totaal_cent,
            ]) {
                *x += y;
            }
            a
        })
    };
    let t = &k.totaal;
    let totaal = [
        t.etmaal_cent,
        t.traject_cent,
        t.jaar_cent,
        t.zorgkosten_cent,
        t.leegstand_cent,
        t.totaal_cent,
    ];
    prop_assert_eq!(som(&k.per_aanbieder), totaal);
    prop_assert_eq!(som(&k.per_jeugdregio), totaal);
    prop_assert_eq!(som(&k.per_segment), totaal);
    prop_assert_eq!(som(&k.per_product), totaal);
    prop_assert_eq!(t.zorgkosten_cent + t.leegstand_cent, t.totaal_cent);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Applying the events one by one equals a rebuild, now and at earlier K.
    #[test]
    fn incrementeel_is_herbouw(seed in any::<u64>(), n in 1usize..10) {
        let events = geschiedenis(seed, n);
        let herbouw = bouw(&events);
        let mut p = Projection::new();
        for e in &events {
            prop_assert!(p.apply(e).is_ok(), "event {} rejected", e.position);
        }
        p.maintain();
        prop_assert_eq!(alles(&p, None), alles(&herbouw, None));
        let k = events[events.len() / 2].recorded_at;
        prop_assert_eq!(alles(&p, Some(k)), alles(&herbouw, Some(k)));
    }

    /// kosten(P, K) equals kosten(P) on a rebuild of only the events recorded at or
    /// before K; and every breakdown adds up to the totals.
    #[test]
    fn kosten_op_k_is_herbouw_tot_k(seed in any::<u64>(), n in 1usize..10, deel in 1usize..8) {
        let events = geschiedenis(seed, n);
        let p = bouw(&events);
        let i = (events.len() * deel / 8).max(1);
        let k = events[i - 1].recorded_at;
        let tot_k: Vec<RecordedEvent> =
            events.iter().filter(|e| e.recorded_at <= k).cloned().collect();
        let vroeg = bouw(&tot_k);
        prop_assert_eq!(alles(&p, Some(k)), alles(&vroeg, None));
        for q in vragen() {
            for kpi in p.kosten_reeks(&q, &perioden()) {
                sommen_kloppen(&kpi.waarde)?;
            }
        }
    }

    /// Every period of a series equals the period on its own.
    #[test]
    fn reeks_is_per_periode(seed in any::<u64>(), n in 1usize..10) {
        let events = geschiedenis(seed, n);
        let p = bouw(&events);
        let ps = perioden();
        for q in vragen() {
            let reeks = p.kosten_reeks(&q, &ps);
            let budget = p.budget_reeks(&q, &ps);
            let neutraal = p.budgetneutraal_reeks(&q, &ps, 2024);
            for (i, per) in ps.iter().enumerate() {
                let qp = Query { periode: *per, ..q.clone() };
                prop_assert_eq!(&reeks[i].waarde, &p.kosten(&qp).waarde);
                prop_assert_eq!(&reeks[i].meta, &p.kosten(&qp).meta);
                prop_assert_eq!(&budget[i].waarde, &p.budget(&qp).waarde);
                prop_assert_eq!(&neutraal[i].waarde, &p.budgetneutraal(&qp, 2024).waarde);
            }
            // Costs of a year = the sum of its quarters.
            let jaar = p.kosten(&Query { periode: Periode::jaar(2025).unwrap_or(ps[4]), ..q.clone() });
            let som: i64 = reeks[4..8].iter().map(|k| k.waarde.totaal.totaal_cent).sum();
            prop_assert_eq!(jaar.waarde.totaal.totaal_cent, som);
        }
    }
}

/// The generated histories reach every cost class, days with and without a contract,
/// and budgets (so the properties above compare more than zeros).
#[test]
fn geschiedenissen_raken_elke_kostensoort() {
    let mut som = [0i64; 7];
    for seed in 1..16u64 {
        let p = bouw(&geschiedenis(seed, 8));
        for k in p.kosten_reeks(&Query::new(kwartaal(2024, 1)), &perioden()) {
            let k = k.waarde;
            som[0] += k.totaal.etmaal_cent;
            som[1] += k.totaal.traject_cent;
            som[2] += k.totaal.jaar_cent;
            som[3] += k.totaal.leegstand_cent;
            som[4] += k.ligdagen_met_contract;
            som[5] += k.ligdagen_zonder_contract;
        }
        let b = p.budget(&Query::new(kwartaal(2024, 4))).waarde;
        som[6] += b
            .regios
            .iter()
            .filter(|r| r.totaal.budget_cent.is_some())
            .count() as i64;
    }
    assert!(som.iter().all(|&x| x > 0), "{som:?}");
}

/// A task budget over a year boundary: round(tariff ÷ 365) in 2023, ÷ 366 in 2024,
/// halves up, and split over three regions with the remainder to the lead region.
#[test]
fn jaarbudget_over_de_jaargrens() {
    let mut log = Log::new(t("2024-04-01T08:00:00Z"));
    landschap(&mut log);
    log.push(
        "jeugdregio-R3",
        JeugdregioGeregistreerd {
            code: "R3".into(),
            naam: "R3".into(),
            landsdeel: "L1".into(),
        },
    );
    log.push(
        "contract-C9",
        contract(
            "C9",
            "A2",
            &["R3", "R1", "R2"],
            Financiering::Taakgericht,
            vec![product(
                "OPEN",
                Vorm::Groep,
                Regime::Open,
                Tariefeenheid::Jaar,
            )],
            vec![tarief("OPEN", 1_000_000, "2023-01-01")],
            "2023-01-01",
            "2024-12-31",
            Vec::new(),
        ),
    );
    let p = bouw(&log.events);
    let per = Periode::bereik(d("2023-12-01"), d("2024-02-01")).unwrap_or(kwartaal(2024, 1));
    let k = p.kosten(&Query::new(per)).waarde;
    // 2023: 1 000 000 ÷ 365 = 2 739.73 → 2 740; 2024: ÷ 366 = 2 732.24 → 2 732.
    assert_eq!(k.totaal.jaar_cent, 31 * 2_740 + 31 * 2_732);
    // Per day 913 (+1 to R3) in 2023, 910 (+2 to R3) in 2024.
    let regio = |r: &str| rij(&k.per_jeugdregio, r).map(|x| x.jaar_cent);
    assert_eq!(regio("R3"), Some(31 * 914 + 31 * 912));
    assert_eq!(regio("R1"), Some(31 * 913 + 31 * 910));
    assert_eq!(regio("R2"), Some(31 * 913 + 31 * 910));
    // A landsdeel filter keeps every region of L1; a gemeente filter none of it.
    let l1 = p
        .kosten(&Query::new(per).filter(Filter {
            landsdeel: Some("L1".into()),
            ..Filter::default()
        }))
        .waarde;
    assert_eq!(l1.totaal.jaar_cent, k.totaal.jaar_cent);
    let g1 = p
        .kosten(&Query::new(per).filter(Filter {
            gemeente: Some("G1".into()),
            ..Filter::default()
        }))
        .waarde;
    assert_eq!(g1.totaal.jaar_cent, 0);
}
