//! The single-KPI functions and the breakdown agree with the full report: `bezetting` and
//! `plaatsingen` read only the buckets they need, `bezetting_per` counts every cell in one
//! pass; each must give exactly what `kpis` gives with the filter narrowed to the cell,
//! for both attributions and for knowledge times in the past.

mod common;

use chrono::{DateTime, Utc};
use common::historie::genereer;
use common::{d, t};
use kringloop_events::*;
use kringloop_projections::*;
use proptest::prelude::*;

fn filter_voor(f: &Filter, dim: Dimensie, waarde: &str) -> Filter {
    let mut f = f.clone();
    let w = Some(waarde.to_owned());
    match dim {
        Dimensie::Landsdeel => f.landsdeel = w,
        Dimensie::Jeugdregio => f.jeugdregio = w,
        Dimensie::Gemeente => f.gemeente = w,
        Dimensie::Aanbieder => f.aanbieder = w,
        Dimensie::Voorziening => f.voorziening = w,
        Dimensie::Vorm => f.vorm = Vorm::ALL.iter().copied().find(|v| v.code() == waarde),
        Dimensie::Regime => {
            f.regime = [Regime::Gesloten, Regime::Open]
                .into_iter()
                .find(|r| r.code() == waarde);
        }
    }
    f
}

fn queries(k: Option<DateTime<Utc>>) -> Vec<Query> {
    let mut qs = Vec::new();
    for t in [Toerekening::Herkomst, Toerekening::Locatie] {
        for (periode, peil) in [
            (Periode::kwartaal(2024, 2), d("2024-05-15")),
            (Periode::jaar(2025), d("2025-03-01")),
        ] {
            let Ok(periode) = periode else { continue };
            for f in [
                Filter::default(),
                Filter {
                    aanbieder: Some("A1".into()),
                    ..Filter::default()
                },
            ] {
                let mut q = Query::new(periode).peildatum(peil).filter(f).toerekening(t);
                q.known_at = k;
                qs.push(q);
            }
        }
    }
    qs
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn enkele_kpis_en_uitsplitsing_zijn_het_rapport(seed in any::<u64>(), n in 1usize..10) {
        let log = genereer(seed, n);
        let (p, fouten) = Projection::rebuild(&log.events);
        prop_assert!(fouten.is_empty());
        for k in [None, Some(t("2024-06-30T00:00:00Z")), Some(t("2025-01-15T00:00:00Z"))] {
            for q in queries(k) {
                let rapport = p.kpis(&q);
                prop_assert_eq!(&p.bezetting(&q).waarde, &rapport.bezetting.waarde.bezetting);
                prop_assert_eq!(&p.plaatsingen(&q).waarde, &rapport.plaatsingen.waarde);
                for (rij, kolom) in [
                    (Dimensie::Jeugdregio, Dimensie::Regime),
                    (Dimensie::Gemeente, Dimensie::Vorm),
                    (Dimensie::Landsdeel, Dimensie::Voorziening),
                    (Dimensie::Aanbieder, Dimensie::Regime),
                ] {
                    let tabel = p.bezetting_per(&q, rij, kolom).waarde;
                    // The grand total is the unbroken figure.
                    prop_assert_eq!(&tabel.totaal, &rapport.bezetting.waarde.bezetting);
                    for (r, naam_r) in tabel.rijen.iter().enumerate() {
                        for (c, naam_k) in tabel.kolommen.iter().enumerate() {
                            if naam_r == "ONBEKEND" || naam_k == "ONBEKEND" {
                                continue;
                            }
                            // A cell outside the query's own filter is empty.
                            let botst = |dim: Dimensie, w: &str| match dim {
                                Dimensie::Aanbieder => q.filter.aanbieder.as_deref().is_some_and(|a| a != w),
                                _ => false,
                            };
                            let cel = if botst(rij, naam_r) || botst(kolom, naam_k) {
                                Aantal::van(0)
                            } else {
                                let f = filter_voor(&filter_voor(&q.filter, rij, naam_r), kolom, naam_k);
                                p.bezetting(&q.clone().filter(f)).waarde
                            };
                            prop_assert_eq!(
                                &tabel.cellen[r][c], &cel,
                                "{:?} × {:?}: {} × {}, {:?}", rij, kolom, naam_r, naam_k, q
                            );
                        }
                    }
                }
            }
        }
    }
}

/// The breakdown keeps every registered region as a row, also when it is empty, and
/// counts the youths of a history with placements on the peildatum.
#[test]
fn lege_rijen_blijven_staan() {
    let log = genereer(7, 8);
    let (p, _) = Projection::rebuild(&log.events);
    let q = Query::new(Periode::kwartaal(2024, 2).expect("kwartaal")).peildatum(d("2024-05-15"));
    let tabel = p
        .bezetting_per(&q, Dimensie::Jeugdregio, Dimensie::Regime)
        .waarde;
    let regios: Vec<&str> = tabel.rijen.iter().map(String::as_str).collect();
    assert!(
        regios.contains(&"R1") && regios.contains(&"R2"),
        "{regios:?}"
    );
    assert_eq!(tabel.kolommen, vec!["GESLOTEN", "OPEN"]);
    assert_eq!(tabel.cellen.len(), tabel.rijen.len());
    assert!(tabel.totaal.of_nul() > 0, "{tabel:?}");
}
