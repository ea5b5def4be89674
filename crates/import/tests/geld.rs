//! The import of contracts and money (contracts one row per product, tariffs, guarantees,
//! ceilings, extensions, terminations, agreements, budgets) and of restrictive measures:
//! the templates round-trip to the facts they describe in CSV and JSON Lines alike, bad
//! input writes nothing and is named with its line, the same file twice writes once, and
//! a killed import resumes without loss.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use kringloop_events::geld::{
    Afspraakinhoud, Capaciteitspunt, Financiering, Normkpi, Perceel, Product, Richting, Tarief,
    Tariefeenheid, Volumegarantie,
};
use kringloop_events::types::{Regime, Vorm};
use kringloop_events::{ContractGesloten, Gebeurtenis, RecordedEvent, jeugdige_stream};
use kringloop_import::contract::CONTRACTREGELS_ONEENS;
use kringloop_import::csv::{self, Item};
use kringloop_import::formaat::{parse_bedrag, parse_moment};
use kringloop_import::importer::{Format, ImportConfig, Importer};
use kringloop_import::jsonl;
use kringloop_import::pseudonym::{Bsn, Pseudonymizer};
use kringloop_import::record::Afgewezen;
use kringloop_import::report::{Rapport, Uitkomst};
use kringloop_import::templates::{CONTRACT_HORIZON, EXAMPLE_BSN, ORDER};
use kringloop_store::EventStore;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

const SLEUTEL: &str = "test-sleutel-regio-rijnmond-2026";

/// The landscape part of the templates: up to and including the capacity target.
const LANDSCHAP: usize = 10;

/// The event types of contracts and money, and the measure.
const GELD: [&str; 11] = [
    "ContractGesloten",
    "TariefGeindexeerd",
    "VolumegarantieGewijzigd",
    "BudgetplafondGewijzigd",
    "ContractVerlengd",
    "ContractBeeindigd",
    "PrestatieafspraakVastgelegd",
    "PrestatieafspraakGewijzigd",
    "MaatregelToegepast",
    "BudgetVastgesteld",
    "BudgetVerschoven",
];

fn template(formaat: &str, t: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("templates")
        .join(formaat)
        .join(format!("{t}.{formaat}"))
}

fn config() -> R<ImportConfig> {
    let mut c = ImportConfig::new("import:test");
    c.pseudonimiseerder = Some(Pseudonymizer::new(SLEUTEL)?);
    Ok(c)
}

async fn store(dir: &Path) -> R<Arc<dyn EventStore>> {
    Ok(kringloop_store::open(&dir.join("log.db").display().to_string()).await?)
}

async fn alle(store: &Arc<dyn EventStore>) -> R<Vec<RecordedEvent>> {
    let mut out = Vec::new();
    loop {
        let na = out.last().map_or(0, |e: &RecordedEvent| e.position);
        let pagina = store.read_all(na, 1000).await?;
        if pagina.is_empty() {
            return Ok(out);
        }
        out.extend(pagina);
    }
}

async fn templates(imp: &mut Importer, formaat: &str, tot: usize) -> R<Vec<Rapport>> {
    let f = if formaat == "csv" {
        Format::Csv
    } else {
        Format::Jsonl
    };
    let mut out = Vec::new();
    for t in &ORDER[..tot] {
        let r = imp.import_file(&template(formaat, t), f).await?;
        assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
        out.push(r);
    }
    Ok(out)
}

fn datum(s: &str) -> R<NaiveDate> {
    Ok(NaiveDate::parse_from_str(s, "%Y-%m-%d")?)
}

/// The rejected items of a read.
fn afgewezen(items: &[Item]) -> Vec<&Afgewezen> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Afgewezen(a) => Some(a),
            Item::Voorstel(_) => None,
        })
        .collect()
}

fn feiten(items: &[Item]) -> Vec<&Gebeurtenis> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Voorstel(v) => Some(&v.feit),
            Item::Afgewezen(_) => None,
        })
        .collect()
}

/// All templates into an empty log; the facts of contracts, money and measures, with
/// their streams.
async fn geld_feiten(formaat: &str) -> R<(Vec<(String, Gebeurtenis)>, Vec<Rapport>, String)> {
    let dir = tempfile::tempdir()?;
    let store = store(dir.path()).await?;
    let mut imp = Importer::open(store.clone(), config()?).await?;
    let rapporten = templates(&mut imp, formaat, ORDER.len()).await?;
    let events = alle(&store).await?;
    let log = serde_json::to_string(&events)?;
    let mut out = Vec::new();
    for e in &events {
        if GELD.contains(&e.event_type.as_str()) {
            out.push((e.stream.clone(), Gebeurtenis::from_recorded(e)?));
        }
    }
    Ok((out, rapporten, log))
}

/// The Horizon contract as the template's three rows describe it.
fn horizon_contract() -> R<ContractGesloten> {
    let product = |code: &str, vorm, regime| Product {
        code: code.to_owned(),
        vorm,
        regime,
        eenheid: Tariefeenheid::Etmaal,
    };
    let tarief = |product: &str, bedrag_cent| -> R<Tarief> {
        Ok(Tarief {
            product: product.to_owned(),
            bedrag_cent,
            geldig_van: datum("2024-01-01")?,
        })
    };
    Ok(ContractGesloten {
        contract: CONTRACT_HORIZON.to_owned(),
        aanbieder: "HORIZON".to_owned(),
        jeugdregios: vec!["RIJNMOND".to_owned(), "HAAGLANDEN".to_owned()],
        financiering: Financiering::Inspanningsgericht,
        percelen: vec![
            Perceel {
                code: "JZP".to_owned(),
                naam: "JeugdzorgPlus".to_owned(),
                producten: vec![product("JZP-GROEP", Vorm::Groep, Regime::Gesloten)],
            },
            Perceel {
                code: "OPEN".to_owned(),
                naam: "Open residentieel".to_owned(),
                producten: vec![
                    product("KLS-OPEN", Vorm::Kleinschalig, Regime::Open),
                    product("GRP-OPEN", Vorm::Groep, Regime::Open),
                ],
            },
        ],
        tarieven: vec![
            tarief("JZP-GROEP", 61_245)?,
            tarief("KLS-OPEN", 38_910)?,
            tarief("GRP-OPEN", 40_200)?,
        ],
        van: datum("2024-01-01")?,
        tot_en_met: datum("2025-12-31")?,
        verlengingsopties: 2,
        verlenging_maanden: 12,
        volumegaranties: vec![
            Volumegarantie {
                product: "JZP-GROEP".to_owned(),
                plaatsen: Some(8),
                bezettingsaandeel_procent: None,
            },
            Volumegarantie {
                product: "GRP-OPEN".to_owned(),
                plaatsen: None,
                bezettingsaandeel_procent: Some(25),
            },
        ],
        budgetplafond_cent: Some(450_000_000),
    })
}

/// Template → events → the facts the rows describe, the same from CSV and JSON Lines;
/// the measure in the youth's pseudonymous stream and no BSN in the log.
#[tokio::test]
async fn templates_round_trip_to_the_same_facts_in_csv_and_json_lines() -> R {
    let (csv, rapporten, log) = geld_feiten("csv").await?;
    let (jsonl, _, jsonl_log) = geld_feiten("jsonl").await?;
    let soorten: Vec<&str> = csv.iter().map(|(_, f)| f.event_type()).collect();
    assert_eq!(
        soorten,
        [
            "ContractGesloten",
            "ContractGesloten",
            "TariefGeindexeerd",
            "VolumegarantieGewijzigd",
            "BudgetplafondGewijzigd",
            "PrestatieafspraakVastgelegd",
            "PrestatieafspraakVastgelegd",
            "PrestatieafspraakGewijzigd",
            "ContractVerlengd",
            "ContractBeeindigd",
            "BudgetVastgesteld",
            "BudgetVastgesteld",
            "BudgetVastgesteld",
            "BudgetVerschoven",
            "MaatregelToegepast",
        ]
    );
    // The measure's toelichting is sealed per youth: compare it apart.
    let zonder_toelichting = |feiten: &[(String, Gebeurtenis)]| -> Vec<(String, Gebeurtenis)> {
        feiten
            .iter()
            .map(|(s, f)| {
                let mut f = f.clone();
                if let Gebeurtenis::MaatregelToegepast(m) = &mut f {
                    m.toelichting.clear();
                }
                (s.clone(), f)
            })
            .collect()
    };
    assert_eq!(zonder_toelichting(&csv), zonder_toelichting(&jsonl));

    // Four rows, two contracts: one record and one fact per contract.
    let contract_rapport = rapporten
        .iter()
        .find(|r| r.invoer.ends_with("ContractGesloten.csv"))
        .ok_or("geen rapport van de contracten")?;
    assert_eq!(contract_rapport.gebeurtenissen, 2, "{contract_rapport}");
    let (stream, horizon) = &csv[0];
    assert_eq!(stream, &format!("contract-{CONTRACT_HORIZON}"));
    assert_eq!(horizon, &Gebeurtenis::ContractGesloten(horizon_contract()?));
    let Gebeurtenis::ContractGesloten(schakenbosch) = &csv[1].1 else {
        return Err("geen tweede contract".into());
    };
    assert_eq!(schakenbosch.financiering, Financiering::Taakgericht);
    assert_eq!(schakenbosch.tarieven[0].bedrag_cent, 25_000_000);
    assert_eq!(schakenbosch.verlengingsopties, 0);
    assert_eq!(schakenbosch.budgetplafond_cent, None);

    let mut overig = csv.iter().skip(2).map(|(_, f)| f);
    match overig.next() {
        Some(Gebeurtenis::TariefGeindexeerd(t)) => {
            assert_eq!(
                (t.bedrag_cent, t.geldig_van),
                (63_720, datum("2025-01-01")?)
            );
        }
        f => return Err(format!("geen indexatie: {f:?}").into()),
    }
    match overig.next() {
        Some(Gebeurtenis::VolumegarantieGewijzigd(g)) => assert_eq!(
            g.volumegaranties,
            [
                Volumegarantie {
                    product: "JZP-GROEP".to_owned(),
                    plaatsen: Some(6),
                    bezettingsaandeel_procent: None
                },
                Volumegarantie {
                    product: "GRP-OPEN".to_owned(),
                    plaatsen: None,
                    bezettingsaandeel_procent: Some(20)
                }
            ]
        ),
        f => return Err(format!("geen garantie: {f:?}").into()),
    }
    match overig.next() {
        Some(Gebeurtenis::BudgetplafondGewijzigd(b)) => {
            assert_eq!(b.budgetplafond_cent, Some(420_000_000));
        }
        f => return Err(format!("geen plafond: {f:?}").into()),
    }
    match overig.next() {
        Some(Gebeurtenis::PrestatieafspraakVastgelegd(a)) => assert_eq!(
            a.inhoud,
            Afspraakinhoud::Capaciteit {
                vorm: Some(Vorm::Groep),
                regime: Some(Regime::Gesloten),
                richting: Richting::Afbouw,
                punten: vec![
                    Capaciteitspunt {
                        datum: datum("2024-07-01")?,
                        plaatsen: 16
                    },
                    Capaciteitspunt {
                        datum: datum("2025-01-01")?,
                        plaatsen: 12
                    }
                ]
            }
        ),
        f => return Err(format!("geen capaciteitsafspraak: {f:?}").into()),
    }
    match overig.next() {
        Some(Gebeurtenis::PrestatieafspraakVastgelegd(a)) => assert_eq!(
            a.inhoud,
            Afspraakinhoud::Norm {
                kpi: Normkpi::Spoedaandeel,
                van: datum("2024-01-01")?,
                tot_en_met: datum("2024-12-31")?,
                min: None,
                max: Some(0.3)
            }
        ),
        f => return Err(format!("geen norm: {f:?}").into()),
    }
    match overig.next() {
        Some(Gebeurtenis::PrestatieafspraakGewijzigd(a)) => {
            assert!(matches!(a.inhoud, Afspraakinhoud::Norm { max: Some(m), .. } if m == 0.35));
        }
        f => return Err(format!("geen gewijzigde afspraak: {f:?}").into()),
    }
    let budgetten: Vec<i64> = csv
        .iter()
        .filter_map(|(_, f)| match f {
            Gebeurtenis::BudgetVastgesteld(b) => Some(b.bedrag_cent),
            Gebeurtenis::BudgetVerschoven(b) => Some(b.bedrag_cent),
            _ => None,
        })
        .collect();
    assert_eq!(
        budgetten,
        [350_000_000, 120_000_000, 80_000_000, 25_000_000]
    );
    assert!(csv[10..14].iter().all(|(s, _)| s == "budget-RIJNMOND"));

    let pseudoniem = Pseudonymizer::new(SLEUTEL)?.pseudoniem(&Bsn::parse(EXAMPLE_BSN)?);
    let (stream, maatregel) = csv.last().ok_or("geen maatregel")?;
    assert_eq!(stream, &jeugdige_stream(&pseudoniem));
    let Gebeurtenis::MaatregelToegepast(m) = maatregel else {
        return Err("geen maatregel".into());
    };
    assert_eq!(m.begin, parse_moment("2024-02-15 14:30").ok_or("tijd")?);
    assert_eq!(m.eind, parse_moment("2024-02-15T16:00:00").ok_or("tijd")?);
    for tekst in [&log, &jsonl_log] {
        assert!(!tekst.contains(EXAMPLE_BSN), "BSN in het log");
    }
    Ok(())
}

/// Euros become exact cents (never through a float); malformed amounts are refused.
#[test]
fn amounts_are_exact_cents() {
    for (tekst, cent) in [
        ("612,45", 61_245),
        ("612.45", 61_245),
        ("612", 61_200),
        ("0,5", 50),
        ("0,29", 29),
        ("1,10", 110),
        ("€ 12,30", 1_230),
        ("4500000,00", 450_000_000),
        (" 7 ", 700),
    ] {
        assert_eq!(parse_bedrag(tekst), Ok(cent), "{tekst}");
    }
    for (tekst, reden) in [
        ("612,455", "twee decimalen"),
        ("1.234,56", "duizendtallen"),
        ("-5,00", "negatief"),
        ("12,x", "geen bedrag"),
        ("twaalf", "geen bedrag"),
        ("12,", "geen bedrag"),
        (",50", "geen bedrag"),
        ("1e3", "geen bedrag"),
        ("99999999999999999999", "te groot"),
    ] {
        match parse_bedrag(tekst) {
            Ok(c) => panic!("{tekst} accepted as {c}"),
            Err(e) => assert!(e.contains(reden), "{tekst}: {e}"),
        }
    }
}

/// A malformed amount in a file: nothing is written and the line is named.
#[tokio::test]
async fn a_malformed_amount_writes_nothing_and_names_the_line() -> R {
    let dir = tempfile::tempdir()?;
    let store = store(dir.path()).await?;
    let mut imp = Importer::open(store.clone(), config()?).await?;
    assert_eq!(ORDER[LANDSCHAP], "ContractGesloten");
    templates(&mut imp, "csv", LANDSCHAP + 1).await?;
    let voor = store.head_position().await?;
    let csv = "type;contract;product;geldig_van;bedrag;reden\n\
               TariefGeindexeerd;RMD-JZP-2024;JZP-GROEP;2025-01-01;637,20;indexatie\n\
               TariefGeindexeerd;RMD-JZP-2024;KLS-OPEN;2025-01-01;637,205;indexatie\n\
               TariefGeindexeerd;RMD-JZP-2024;GRP-OPEN;2025-01-01;1.637,20;indexatie\n";
    let r = imp
        .import_table(Format::Csv, "tarieven.csv", csv.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
    let regels: Vec<Option<u64>> = r.afgewezen.iter().map(|a| a.plaats.regel).collect();
    assert_eq!(regels, [Some(3), Some(4)], "{r}");
    assert!(r.afgewezen[0].reden.contains("`bedrag`"), "{r}");
    assert!(r.afgewezen[0].reden.contains("twee decimalen"), "{r}");
    assert!(r.afgewezen[1].reden.contains("duizendtallen"), "{r}");
    assert_eq!(store.head_position().await?, voor);
    Ok(())
}

/// A JSON number with cents is a float to a JSON parser: an amount with cents is text.
#[test]
fn a_json_amount_with_cents_must_be_text() {
    let data = concat!(
        r#"{"type":"BudgetVastgesteld","jeugdregio":"RIJNMOND","jaar":2024,"segment":"AMBULANT","bedrag":800000}"#,
        "\n",
        r#"{"type":"BudgetVastgesteld","jeugdregio":"RIJNMOND","jaar":2024,"segment":"AMBULANT","bedrag":"800000.10"}"#,
        "\n",
        r#"{"type":"BudgetVastgesteld","jeugdregio":"RIJNMOND","jaar":2024,"segment":"AMBULANT","bedrag":800000.1}"#,
        "\n"
    );
    let items = jsonl::read("budget.jsonl", data.as_bytes(), None);
    let bedragen: Vec<i64> = feiten(&items)
        .into_iter()
        .filter_map(|f| match f {
            Gebeurtenis::BudgetVastgesteld(b) => Some(b.bedrag_cent),
            _ => None,
        })
        .collect();
    assert_eq!(bedragen, [80_000_000, 80_000_010]);
    let a = afgewezen(&items);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].plaats.regel, Some(3));
    assert!(a[0].reden.contains("als tekst"), "{}", a[0].reden);
}

/// Unknown codes are refused with the valid ones listed.
#[test]
fn an_unknown_code_is_refused_with_the_valid_ones() {
    let csv = "type,jeugdregio,jaar,segment,bedrag\n\
               BudgetVastgesteld,RIJNMOND,2024,RESIDENTIEEL,100\n";
    let items = csv::read("b.csv", csv.as_bytes(), None);
    let a = afgewezen(&items);
    assert!(
        a[0].reden.contains("`segment`") && a[0].reden.contains("OPEN_RESIDENTIEEL"),
        "{}",
        a[0].reden
    );
    let csv = "type,pseudoniem,maatregel,soort,voorziening,begin,eind\n\
               MaatregelToegepast,p1,M1,OPSLUITING,V1,2024-02-15 14:30,2024-02-15 15:00\n\
               MaatregelToegepast,p1,M2,FIXATIE,V1,2024-02-15,2024-02-15 15:00\n";
    let items = csv::read("m.csv", csv.as_bytes(), None);
    let a = afgewezen(&items);
    assert_eq!(a.len(), 2);
    assert!(
        a[0].reden.contains("`soort`") && a[0].reden.contains("AFZONDERING"),
        "{}",
        a[0].reden
    );
    assert!(a[1].reden.contains("`begin`"), "{}", a[1].reden);
    let csv = "type,contract,aanbieder,jeugdregios,financiering,van,tot_en_met,perceel,perceel_naam,product,vorm,regime,eenheid,tarief\n\
               ContractGesloten,C1,A,RIJNMOND,PER_STUK,2024-01-01,2024-12-31,L,Lot,P,GROEP,OPEN,ETMAAL,10\n";
    let a = csv::read("c.csv", csv.as_bytes(), None);
    let a = afgewezen(&a);
    assert!(
        a[0].reden.contains("`financiering`") && a[0].reden.contains("TAAKGERICHT"),
        "{}",
        a[0].reden
    );
}

const CONTRACT_KOP: &str = "type,contract,aanbieder,jeugdregios,financiering,van,tot_en_met,verlengingsopties,verlenging_maanden,budgetplafond,perceel,perceel_naam,product,vorm,regime,eenheid,tarief,tarief_geldig_van,garantie,event_id";

fn contract_csv(rijen: &[&str]) -> String {
    let mut s = format!("{CONTRACT_KOP}\n");
    for r in rijen {
        s.push_str("ContractGesloten,");
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// The rows of one contract become one fact; rows that disagree on a contract column,
/// a product listed twice differently, and rows of a contract that do not stand together
/// are refused with both values and the lines.
#[test]
fn rows_of_one_contract_that_disagree_are_refused() {
    // Mixed contracts in one block, and a second tariff of a product.
    let goed = contract_csv(&[
        "C1,A,R1;R2,INSPANNINGSGERICHT,2024-01-01,2025-12-31,1,6,100000,L1,Lot een,P1,GROEP,GESLOTEN,ETMAAL,500,,4,",
        "C2,B,R1,OUTPUTGERICHT,2024-01-01,2024-12-31,,,,L1,Trajecten,T1,AMBULANT,OPEN,TRAJECT,\"1250,50\",,,",
        "C1,A,R1;R2,INSPANNINGSGERICHT,2024-01-01,2025-12-31,1,6,100000,L1,Lot een,P1,GROEP,GESLOTEN,ETMAAL,\"520,75\",2025-01-01,,",
        "C1,A,R1;R2,INSPANNINGSGERICHT,2024-01-01,2025-12-31,1,6,\"100000,00\",L2,Lot twee,P2,GROEP,OPEN,ETMAAL,300,,,",
    ]);
    let items = csv::read("c.csv", goed.as_bytes(), None);
    assert!(afgewezen(&items).is_empty(), "{:?}", afgewezen(&items));
    let f = feiten(&items);
    assert_eq!(f.len(), 2);
    let Gebeurtenis::ContractGesloten(c1) = f[0] else {
        panic!("{:?}", f[0]);
    };
    assert_eq!(c1.percelen.len(), 2);
    assert_eq!(
        c1.tarieven
            .iter()
            .map(|t| (t.product.as_str(), t.bedrag_cent))
            .collect::<Vec<_>>(),
        [("P1", 50_000), ("P1", 52_075), ("P2", 30_000)]
    );
    assert_eq!(c1.volumegaranties.len(), 1);
    assert!(matches!(&items[0], Item::Voorstel(v) if v.plaats.regel == Some(2)));

    let oneens = |rijen: &[&str]| -> Vec<Afgewezen> {
        let items = csv::read("c.csv", contract_csv(rijen).as_bytes(), None);
        afgewezen(&items).into_iter().cloned().collect()
    };
    let eerste = "C1,A,R1,INSPANNINGSGERICHT,2024-01-01,2025-12-31,,,,L1,Lot,P1,GROEP,GESLOTEN,ETMAAL,500,,,";
    let a = oneens(&[
        eerste,
        "C1,B,R1,INSPANNINGSGERICHT,2024-01-01,2025-12-31,,,,L1,Lot,P2,GROEP,OPEN,ETMAAL,500,,,",
    ]);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].code, CONTRACTREGELS_ONEENS);
    assert_eq!(a[0].plaats.regel, Some(3));
    assert!(
        a[0].reden.contains("`aanbieder`")
            && a[0].reden.contains("is A")
            && a[0].reden.contains("maar B")
            && a[0].reden.contains("regel 2")
            && a[0].reden.contains("contract C1"),
        "{}",
        a[0].reden
    );
    let a = oneens(&[
        eerste,
        "C1,A,R1,INSPANNINGSGERICHT,2024-01-01,2025-12-31,,,\"99,95\",L1,Lot,P2,GROEP,OPEN,ETMAAL,500,,,",
    ]);
    assert!(
        a[0].reden.contains("`budgetplafond`") && a[0].reden.contains("99,95"),
        "{}",
        a[0].reden
    );
    let a = oneens(&[
        eerste,
        "C1,A,R1,INSPANNINGSGERICHT,2024-01-01,2025-12-31,,,,L1,Lot,P1,KLEINSCHALIG,GESLOTEN,ETMAAL,500,2025-01-01,,",
    ]);
    assert!(
        a[0].reden.contains("product P1") && a[0].reden.contains("KLEINSCHALIG"),
        "{}",
        a[0].reden
    );
    let a = oneens(&[
        eerste,
        "C1,A,R1,INSPANNINGSGERICHT,2024-01-01,2025-12-31,,,,L1,Lot,P1,GROEP,GESLOTEN,ETMAAL,600,,,",
    ]);
    assert!(
        a[0].reden.contains("al een tarief vanaf 2024-01-01"),
        "{}",
        a[0].reden
    );
    let a = oneens(&[
        eerste,
        "C1,A,R1,INSPANNINGSGERICHT,2024-01-01,2025-12-31,,,,L1,Andere naam,P2,GROEP,OPEN,ETMAAL,500,,,",
    ]);
    assert!(a[0].reden.contains("`perceel_naam`"), "{}", a[0].reden);
    let a = oneens(&[
        "C1,A,R1,INSPANNINGSGERICHT,2024-01-01,2025-12-31,,,,L1,Lot,P1,GROEP,GESLOTEN,ETMAAL,500,,,01900000-0000-7000-8000-0000000000c1",
        "C1,A,R1,INSPANNINGSGERICHT,2024-01-01,2025-12-31,,,,L1,Lot,P2,GROEP,OPEN,ETMAAL,500,,,01900000-0000-7000-8000-0000000000c2",
    ]);
    assert!(a[0].reden.contains("`event_id`"), "{}", a[0].reden);

    // A row of another type between the rows of a contract ends it.
    let tussen = format!(
        "{CONTRACT_KOP},geldig_van,bedrag,reden\n\
         ContractGesloten,{eerste},,,\n\
         TariefGeindexeerd,C1,,,,,,,,,,,P1,,,,,,,,2025-01-01,510,indexatie\n\
         ContractGesloten,C1,A,R1,INSPANNINGSGERICHT,2024-01-01,2025-12-31,,,,L1,Lot,P2,GROEP,OPEN,ETMAAL,500,,,,,,\n"
    );
    let items = csv::read("c.csv", tussen.as_bytes(), None);
    let a = afgewezen(&items);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].plaats.regel, Some(4));
    assert!(
        a[0].reden.contains("niet bij elkaar") && a[0].reden.contains("c.csv:2"),
        "{}",
        a[0].reden
    );
    assert_eq!(
        feiten(&items)
            .iter()
            .map(|f| f.event_type())
            .collect::<Vec<_>>(),
        ["ContractGesloten", "TariefGeindexeerd"],
        "the contract comes before the indexation that follows its rows"
    );
}

/// A missing column or a half-filled agreement is named.
#[test]
fn a_missing_column_is_named() {
    let zonder_tarief = "type,contract,aanbieder,jeugdregios,financiering,van,tot_en_met,perceel,perceel_naam,product,vorm,regime,eenheid\n\
               ContractGesloten,C1,A,R1,TAAKGERICHT,2024-01-01,2024-12-31,L,Lot,P,GROEP,OPEN,JAAR\n";
    let items = csv::read("c.csv", zonder_tarief.as_bytes(), None);
    let a = afgewezen(&items);
    assert!(a[0].reden.contains("`tarief` ontbreekt"), "{}", a[0].reden);

    let kop = "type,contract,afspraak,datum,soort,richting,punten,kpi,van,tot_en_met,min,max\n";
    let regels = [
        "PrestatieafspraakVastgelegd,C1,N1,2024-01-01,NORM,,,,2024-01-01,2024-12-31,,\"0,3\"",
        "PrestatieafspraakVastgelegd,C1,N2,2024-01-01,NORM,,,SPOEDAANDEEL,2024-01-01,2024-12-31,,",
        "PrestatieafspraakVastgelegd,C1,K1,2024-01-01,CAPACITEIT,AFBOUW,2025-01-01:12,SPOEDAANDEEL,,,,",
        "PrestatieafspraakVastgelegd,C1,K2,2024-01-01,CAPACITEIT,AFBOUW,,,,,,",
        "PrestatieafspraakVastgelegd,C1,K3,2024-01-01,CAPACITEIT,AFBOUW,2025-01-01=12,,,,,",
        "PrestatieafspraakVastgelegd,C1,K4,2024-01-01,CAPACITEIT,AFBOUW,\"2024-07-01:16;01-01-2025:12\",,,,,",
    ];
    let csv = format!("{kop}{}\n", regels.join("\n"));
    let items = csv::read("a.csv", csv.as_bytes(), None);
    let a = afgewezen(&items);
    assert_eq!(a.len(), 5, "{a:?}");
    assert!(a[0].reden.contains("`kpi` ontbreekt"), "{}", a[0].reden);
    assert!(a[1].reden.contains("`min` of `max`"), "{}", a[1].reden);
    assert!(
        a[2].reden.contains("`kpi` hoort niet bij") && a[2].reden.contains("CAPACITEIT"),
        "{}",
        a[2].reden
    );
    assert!(a[3].reden.contains("`punten` ontbreekt"), "{}", a[3].reden);
    assert!(a[4].reden.contains("datum:plaatsen"), "{}", a[4].reden);
    assert!(matches!(
        feiten(&items)[..],
        [Gebeurtenis::PrestatieafspraakVastgelegd(k)]
            if matches!(&k.inhoud, Afspraakinhoud::Capaciteit { punten, .. } if punten.len() == 2)
    ));
}

/// A correction of a contract is joined like the contract: by the event it replaces.
#[test]
fn a_correction_of_a_contract_is_joined_by_the_event_it_replaces() {
    let kop = "type,vervangt,reden,nieuw_type,nieuw_contract,nieuw_aanbieder,nieuw_jeugdregios,nieuw_financiering,nieuw_van,nieuw_tot_en_met,nieuw_perceel,nieuw_perceel_naam,nieuw_product,nieuw_vorm,nieuw_regime,nieuw_eenheid,nieuw_tarief\n";
    let rij = |product: &str, reden: &str| {
        format!(
            "FeitGecorrigeerd,01900000-0000-7000-8000-0000000000c1,{reden},ContractGesloten,C1,A,R1,TAAKGERICHT,2024-01-01,2024-12-31,L,Lot,{product},GROEP,OPEN,JAAR,1000\n"
        )
    };
    let csv = format!("{kop}{}{}", rij("P1", "tarief"), rij("P2", "tarief"));
    let items = csv::read("k.csv", csv.as_bytes(), None);
    assert!(afgewezen(&items).is_empty(), "{:?}", afgewezen(&items));
    let f = feiten(&items);
    assert_eq!(f.len(), 1);
    assert!(matches!(f[0], Gebeurtenis::FeitGecorrigeerd(k)
        if matches!(k.nieuw.as_ref(), Gebeurtenis::ContractGesloten(c) if c.percelen[0].producten.len() == 2)));
    let csv = format!("{kop}{}{}", rij("P1", "tarief"), rij("P2", "looptijd"));
    let items = csv::read("k.csv", csv.as_bytes(), None);
    assert!(afgewezen(&items)[0].reden.contains("`reden`"));

    // A correction of an indexation: its amount in euros, as in the fact itself.
    let csv = "type,vervangt,reden,nieuw_type,nieuw_contract,nieuw_product,nieuw_geldig_van,nieuw_bedrag,nieuw_reden\n\
               FeitGecorrigeerd,01900000-0000-7000-8000-0000000000c2,typefout,TariefGeindexeerd,C1,P1,2025-01-01,\"637,02\",indexatie\n";
    let items = csv::read("k.csv", csv.as_bytes(), None);
    assert!(
        matches!(feiten(&items)[..], [Gebeurtenis::FeitGecorrigeerd(k)]
        if matches!(k.nieuw.as_ref(), Gebeurtenis::TariefGeindexeerd(t) if t.bedrag_cent == 63_702))
    );
}

/// The same contract file twice writes once.
#[tokio::test]
async fn the_same_contract_file_twice_writes_once() -> R {
    let dir = tempfile::tempdir()?;
    let store = store(dir.path()).await?;
    let mut imp = Importer::open(store.clone(), config()?).await?;
    templates(&mut imp, "csv", LANDSCHAP).await?;
    let voor = store.head_position().await?;
    let pad = template("csv", "ContractGesloten");
    let r = imp.import_file(&pad, Format::Csv).await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    assert_eq!(r.geschreven, 2, "{r}");
    let na = store.head_position().await?;
    assert_eq!(na, voor + 2);
    let weer = imp.import_file(&pad, Format::Csv).await?;
    assert_eq!(weer.uitkomst, Uitkomst::AlGeimporteerd, "{weer}");
    let mut nieuw = Importer::open(store.clone(), config()?).await?;
    let nog = nieuw.import_file(&pad, Format::Csv).await?;
    assert_eq!(nog.uitkomst, Uitkomst::AlGeimporteerd, "{nog}");
    assert_eq!(store.head_position().await?, na);
    Ok(())
}

/// A store that lets the first `n` `append_many` calls through and then fails, as a
/// process killed between two batches would leave things.
struct StoptNa {
    binnen: Arc<dyn EventStore>,
    over: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl EventStore for StoptNa {
    async fn append(
        &self,
        stream: &str,
        events: Vec<kringloop_events::NewEvent>,
        options: kringloop_store::AppendOptions,
    ) -> kringloop_store::Result<kringloop_store::AppendResult> {
        self.binnen.append(stream, events, options).await
    }
    async fn append_many(
        &self,
        appends: Vec<kringloop_store::StreamAppend>,
        options: kringloop_store::AppendOptions,
    ) -> kringloop_store::Result<Vec<kringloop_store::AppendResult>> {
        use std::sync::atomic::Ordering;
        if self.over.load(Ordering::SeqCst) == 0 {
            return Err(kringloop_store::StoreError::WriterGone);
        }
        self.over.fetch_sub(1, Ordering::SeqCst);
        self.binnen.append_many(appends, options).await
    }
    async fn read_stream(&self, s: &str, v: i64) -> kringloop_store::Result<Vec<RecordedEvent>> {
        self.binnen.read_stream(s, v).await
    }
    async fn read_all(&self, a: i64, l: usize) -> kringloop_store::Result<Vec<RecordedEvent>> {
        self.binnen.read_all(a, l).await
    }
    async fn read_filtered(
        &self,
        a: i64,
        l: usize,
        f: &kringloop_store::ReadFilter,
    ) -> kringloop_store::Result<Vec<RecordedEvent>> {
        self.binnen.read_filtered(a, l, f).await
    }
    async fn stream_version(&self, s: &str) -> kringloop_store::Result<u64> {
        self.binnen.stream_version(s).await
    }
    async fn head_position(&self) -> kringloop_store::Result<i64> {
        self.binnen.head_position().await
    }
    async fn verify(&self) -> kringloop_store::Result<kringloop_store::VerifyReport> {
        self.binnen.verify().await
    }
    fn backend(&self) -> &'static str {
        "test"
    }
}

/// A contract file loaded as history (two recorded times, two batches) and killed between
/// the batches: the rerun writes the second batch only; nothing is lost or doubled.
#[tokio::test]
async fn a_killed_contract_import_resumes_without_loss() -> R {
    let dir = tempfile::tempdir()?;
    let echt = store(dir.path()).await?;
    let mut imp = Importer::open(echt.clone(), config()?).await?;
    let landschap = "type,code,naam,landsdeel,id,geregistreerd_op\n\
                     LandsdeelGeregistreerd,ZUID_WEST,Zuid-West,,,2024-01-01\n\
                     JeugdregioGeregistreerd,RIJNMOND,Rijnmond,ZUID_WEST,,2024-01-01\n\
                     AanbiederGeregistreerd,,Horizon,,HORIZON,2024-01-01\n";
    let r = imp
        .import_table(Format::Csv, "landschap.csv", landschap.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    let voor = echt.head_position().await?;
    let contracten = "type,contract,aanbieder,jeugdregios,financiering,van,tot_en_met,perceel,perceel_naam,product,vorm,regime,eenheid,tarief,geldig_van,bedrag,reden,geregistreerd_op\n\
        ContractGesloten,C1,HORIZON,RIJNMOND,INSPANNINGSGERICHT,2024-01-01,2025-12-31,JZP,JeugdzorgPlus,P1,GROEP,GESLOTEN,ETMAAL,\"612,45\",,,,2024-01-05\n\
        ContractGesloten,C1,HORIZON,RIJNMOND,INSPANNINGSGERICHT,2024-01-01,2025-12-31,OPEN,Open,P2,GROEP,OPEN,ETMAAL,\"389,10\",,,,2024-01-05\n\
        TariefGeindexeerd,C1,,,,,,,,P1,,,,,2025-01-01,\"637,20\",indexatie 2025,2025-04-20\n";
    let stopt: Arc<dyn EventStore> = Arc::new(StoptNa {
        binnen: echt.clone(),
        over: std::sync::atomic::AtomicUsize::new(1),
    });
    let mut halverwege = Importer::open(stopt, config()?).await?;
    let fout = halverwege
        .import_table(Format::Csv, "contracten.csv", contracten.as_bytes())
        .await;
    assert!(fout.is_err(), "the second batch fails");
    assert_eq!(
        echt.head_position().await?,
        voor + 1,
        "the first batch (the contract, one fact of two rows) is in"
    );
    let mut opnieuw = Importer::open(echt.clone(), config()?).await?;
    let r = opnieuw
        .import_table(Format::Csv, "contracten.csv", contracten.as_bytes())
        .await?;
    assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    assert_eq!(r.geschreven, 1, "the indexation: {r}");
    let weer = opnieuw
        .import_table(Format::Csv, "contracten.csv", contracten.as_bytes())
        .await?;
    assert_eq!(weer.uitkomst, Uitkomst::AlGeimporteerd, "{weer}");
    let na: Vec<Gebeurtenis> = alle(&echt)
        .await?
        .iter()
        .filter(|e| e.position > voor)
        .map(Gebeurtenis::from_recorded)
        .collect::<Result<_, _>>()?;
    assert!(
        matches!(&na[..], [Gebeurtenis::ContractGesloten(c), Gebeurtenis::TariefGeindexeerd(t)]
        if c.tarieven.len() == 2 && t.bedrag_cent == 63_720)
    );
    Ok(())
}

/// Every documented KPI code is read into its KPI (by the KPI's `code()`).
#[test]
fn every_kpi_code_is_read() {
    let mut csv = String::from("type,contract,afspraak,datum,soort,kpi,van,tot_en_met,min\n");
    for k in Normkpi::ALL {
        csv.push_str(&format!(
            "PrestatieafspraakVastgelegd,C1,{},2024-01-01,NORM,{},2024-01-01,2024-12-31,1\n",
            k.code(),
            k.code().to_lowercase()
        ));
    }
    let items = csv::read("k.csv", csv.as_bytes(), None);
    assert!(afgewezen(&items).is_empty(), "{:?}", afgewezen(&items));
    let gelezen: Vec<Normkpi> = feiten(&items)
        .into_iter()
        .filter_map(|f| match f {
            Gebeurtenis::PrestatieafspraakVastgelegd(a) => match a.inhoud {
                Afspraakinhoud::Norm { kpi, .. } => Some(kpi),
                Afspraakinhoud::Capaciteit { .. } => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(gelezen, Normkpi::ALL);
}

proptest::proptest! {
    /// Every whole-cent amount written as a spreadsheet writes it (comma or point, one or
    /// two decimals or none) reads back as exactly that many cents.
    #[test]
    fn every_written_amount_reads_back_exactly(cent in 0i64..1_000_000_000_000_000) {
        let (euro, rest) = (cent / 100, cent % 100);
        proptest::prop_assert_eq!(parse_bedrag(&format!("{euro},{rest:02}")), Ok(cent));
        proptest::prop_assert_eq!(parse_bedrag(&format!("{euro}.{rest:02}")), Ok(cent));
        if rest % 10 == 0 {
            proptest::prop_assert_eq!(parse_bedrag(&format!("{euro},{}", rest / 10)), Ok(cent));
        }
        if rest == 0 {
            proptest::prop_assert_eq!(parse_bedrag(&euro.to_string()), Ok(cent));
        }
    }

    /// Any text is an amount or a refusal; never a panic, never a negative amount.
    #[test]
    fn any_text_is_an_amount_or_refused(tekst in "\\PC{0,24}") {
        if let Ok(cent) = parse_bedrag(&tekst) {
            proptest::prop_assert!(cent >= 0);
        }
    }
}
