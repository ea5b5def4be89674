//! The single-pass series equals the KPIs computed period by period, for every
//! granularity, filter, attribution and knowledge time.

mod common;

use chrono::{DateTime, Utc};
use common::historie::genereer;
use common::{d, t};
use kringloop_events::*;
use kringloop_projections::*;
use proptest::prelude::*;

fn vragen() -> Vec<Query> {
    let filters = [
        Filter::default(),
        Filter {
            regime: Some(Regime::Gesloten),
            ..Filter::default()
        },
        Filter {
            gemeente: Some("G1".into()),
            ..Filter::default()
        },
        Filter {
            jeugdregio: Some("R2".into()),
            aanbieder: Some("A2".into()),
            ..Filter::default()
        },
    ];
    let mut qs = Vec::new();
    for f in filters {
        for toerekening in [Toerekening::Herkomst, Toerekening::Locatie] {
            qs.push(
                Query::new(Periode::jaar(2024).unwrap_or_else(|e| panic!("{e}")))
                    .filter(f.clone())
                    .toerekening(toerekening),
            );
        }
    }
    qs
}

fn los(p: &Projection, q: &Query, perioden: &[Periode]) -> Vec<KpiReport> {
    perioden
        .iter()
        .map(|&per| {
            let mut qq = q.clone();
            qq.periode = per;
            qq.peildatum = None;
            p.kpis(&qq)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn reeks_is_per_periode(seed in any::<u64>(), n in 1usize..10) {
        let log = genereer(seed, n);
        let (p, _) = Projection::rebuild(&log.events);
        let mut ks: Vec<Option<DateTime<Utc>>> = vec![None, Some(t("2023-06-01T00:00:00Z"))];
        if let Some(e) = log.events.get(log.events.len() / 2) {
            ks.push(Some(e.recorded_at));
        }
        for g in [Granulariteit::Maand, Granulariteit::Kwartaal, Granulariteit::Halfjaar, Granulariteit::Jaar] {
            let perioden = Periode::reeks(d("2023-01-01"), d("2027-01-01"), g).unwrap_or_default();
            for q in vragen() {
                for &k in &ks {
                    let mut q = q.clone();
                    q.kennis = k;
                    prop_assert_eq!(p.reeks(&q, &perioden), los(&p, &q, &perioden), "{:?} {:?}", g, k);
                }
            }
        }
        // Periods out of order or overlapping are computed one by one.
        let mut gemengd = Periode::reeks(d("2024-01-01"), d("2025-01-01"), Granulariteit::Kwartaal).unwrap_or_default();
        gemengd.reverse();
        gemengd.extend(Periode::jaar(2024));
        for q in vragen() {
            prop_assert_eq!(p.reeks(&q, &gemengd), los(&p, &q, &gemengd));
        }
    }
}
