//! Property tests over generated histories: youths placed, transferred and ended, late
//! and out-of-order registrations, a facility registered late and re-registered,
//! corrections (also of corrections) and retractions.

mod common;

use chrono::{DateTime, Utc};
use common::historie::genereer;
use common::{d, t};
use kringloop_events::*;
use kringloop_projections::*;
use proptest::prelude::*;

fn queries() -> Vec<Query> {
    let mut qs = Vec::new();
    let filters = common::filters();
    for (i, f) in filters.into_iter().enumerate() {
        for p in [
            Periode::kwartaal(2024, 2),
            Periode::halfjaar(2024, 2),
            Periode::jaar(2025),
            Periode::maand(2024, 11),
        ]
        .into_iter()
        .flatten()
        {
            let q = Query::new(p).filter(f.clone());
            qs.push(if i == 3 {
                q.toerekening(Toerekening::Locatie)
            } else {
                q
            });
        }
    }
    qs
}

fn kpis(p: &Projection, qs: &[Query], k: Option<DateTime<Utc>>) -> Vec<KpiReport> {
    qs.iter()
        .map(|q| {
            let mut q = q.clone();
            q.known_at = k;
            p.kpis(&q)
        })
        .collect()
}

fn indices(n: usize, stappen: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (1..=stappen).map(|i| i * n / stappen).collect();
    v.dedup();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// (a) incremental application (in chunks, with prefetch hints as the runner gives
    /// them) equals a rebuild from scratch, at every sampled prefix and knowledge time.
    #[test]
    fn incrementeel_is_herbouw(seed in any::<u64>(), n in 1usize..10) {
        let log = genereer(seed, n);
        let qs = queries();
        let mut p = Projection::new();
        let mut gedaan = 0;
        for tot in indices(log.events.len(), 6) {
            // With the runner's prefetch hints ahead: they must change nothing.
            let deel = &log.events[gedaan..tot];
            for (i, e) in deel.iter().enumerate() {
                p.prefetch_ahead(i, |k| deel.get(k).map(|e| e.stream.as_str()));
                prop_assert!(p.apply(e).is_ok(), "event {} rejected", e.position);
            }
            gedaan = tot;
            // The same versions with the same knowledge times, so every K agrees, not
            // only now.
            let (vers, fouten) = Projection::rebuild(&log.events[..tot]);
            prop_assert!(fouten.is_empty());
            prop_assert_eq!(p.sizes(), vers.sizes());
            prop_assert_eq!(kpis(&p, &qs, None), kpis(&vers, &qs, None));
            for i in indices(tot, 3).into_iter().filter(|&i| i > 0) {
                let k = log.events[i - 1].recorded_at;
                prop_assert_eq!(kpis(&p, &qs, Some(k)), kpis(&vers, &qs, Some(k)), "K = {}", k);
            }
        }
    }

    /// The two-stage fold of a catch-up (derivation on this thread, the youth tables on a
    /// second), in several catch-ups, each with a nested call, and with batches of one to
    /// four derivations, leaves the projection that applying the events one by one on one
    /// thread leaves: same versions, same figures at every sampled K, same series. The
    /// occupancy log's queue is applied at different lengths in the two (in the two-stage
    /// fold by a helper thread that full queues are handed to).
    #[test]
    fn twee_fasen_is_een_draad(
        seed in any::<u64>(),
        n in 1usize..10,
        batch in 1usize..5,
        wachtrij in 1usize..40,
    ) {
        let log = genereer(seed, n);
        let qs = queries();
        let mut een = Projection::new();
        een.bezetting_queue(wachtrij * 3);
        for e in &log.events {
            prop_assert!(een.apply(e).is_ok(), "event {} rejected", e.position);
        }
        een.maintain();
        let mut twee = Projection::new();
        twee.bezetting_queue(wachtrij);
        let mut gedaan = 0;
        for tot in indices(log.events.len(), 3) {
            let deel = &log.events[gedaan..tot];
            let (geweigerd, _) = twee.concurrently_with(batch, || None, |p| {
                let mut geweigerd = 0;
                let (eerste, tweede) = deel.split_at(deel.len() / 2);
                for (i, e) in eerste.iter().enumerate() {
                    p.prefetch_ahead(i, |k| deel.get(k).map(|e| e.stream.as_str()));
                    geweigerd += usize::from(p.apply(e).is_err());
                }
                // A nested call joins the running two-stage fold.
                geweigerd += p.concurrently(|p| {
                    tweede.iter().filter(|e| p.apply(e).is_err()).count()
                });
                geweigerd
            });
            prop_assert_eq!(geweigerd, 0);
            gedaan = tot;
        }
        prop_assert_eq!(een.sizes(), twee.sizes());
        prop_assert_eq!(kpis(&een, &qs, None), kpis(&twee, &qs, None));
        for i in indices(log.events.len(), 4).into_iter().filter(|&i| i > 0) {
            let k = log.events[i - 1].recorded_at;
            prop_assert_eq!(kpis(&een, &qs, Some(k)), kpis(&twee, &qs, Some(k)), "K = {}", k);
        }
        let perioden = Periode::reeks(d("2023-01-01"), d("2026-01-01"), Granulariteit::Kwartaal)
            .unwrap_or_default();
        for q in &qs {
            prop_assert_eq!(een.reeks(q, &perioden), twee.reeks(q, &perioden));
        }
    }

    /// (b) begin + instroom − uitstroom = eind for every month, quarter, half-year and year,
    /// at episode and CBS-trajectory level, under every filter.
    #[test]
    fn voorraadidentiteit(seed in any::<u64>(), n in 1usize..10) {
        let log = genereer(seed, n);
        let (p, _) = Projection::rebuild(&log.events);
        let mut perioden = Vec::new();
        for g in [Granulariteit::Maand, Granulariteit::Kwartaal, Granulariteit::Halfjaar, Granulariteit::Jaar] {
            perioden.extend(Periode::reeks(d("2024-01-01"), d("2026-01-01"), g).unwrap_or_default());
        }
        for q in queries() {
            for r in p.reeks(&q, &perioden) {
                for s in [&r.stroom_episodes.waarde, &r.stroom_trajecten.waarde] {
                    prop_assert_eq!(
                        s.begin.of_nul() + s.instroom.of_nul() - s.uitstroom.of_nul(),
                        s.eind.of_nul(),
                        "{:?} {:?}", r.meta.periode, s
                    );
                }
            }
        }
    }

    /// (c) `kpi(P, K)` equals the KPIs of a fresh projection of only the events recorded ≤ K.
    #[test]
    fn kennis_is_filter(seed in any::<u64>(), n in 1usize..10) {
        let log = genereer(seed, n);
        let qs = queries();
        let (p, _) = Projection::rebuild(&log.events);
        let mut ks: Vec<DateTime<Utc>> = indices(log.events.len(), 8)
            .into_iter()
            .filter_map(|i| log.events.get(i.saturating_sub(1)).map(|e| e.recorded_at))
            .collect();
        ks.push(t("2023-06-01T00:00:00Z"));
        for k in ks {
            let prefix: Vec<RecordedEvent> = log.events.iter().filter(|e| e.recorded_at <= k).cloned().collect();
            let (vers, _) = Projection::rebuild(&prefix);
            prop_assert_eq!(kpis(&p, &qs, Some(k)), kpis(&vers, &qs, Some(k)), "K = {}", k);
        }
    }
}

/// A panic inside a two-stage fold goes on up to the caller (no hang waiting for the
/// second stage), and the projection keeps every event applied before it, with its
/// youth tables back in place.
#[test]
fn paniek_in_twee_fasen_verliest_niets() {
    let log = genereer(7, 6);
    let helft = log.events.len() / 2;
    let mut een = Projection::new();
    for e in &log.events[..helft] {
        assert!(een.apply(e).is_ok(), "event {} rejected", e.position);
    }
    een.maintain();
    let mut twee = Projection::new();
    // Full queues of the occupancy log go to the helper thread many times before the
    // panic: what it applied comes back too.
    twee.bezetting_queue(4);
    let uit = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        twee.concurrently_with(
            2,
            || None,
            |p| {
                for e in &log.events[..helft] {
                    assert!(p.apply(e).is_ok(), "event {} rejected", e.position);
                }
                panic!("afgebroken na {helft} gebeurtenissen");
            },
        )
    }));
    assert!(uit.is_err(), "the panic must reach the caller");
    assert!(helft > 0 && twee.sizes().plaatsing_versies > 0);
    assert_eq!(een.sizes(), twee.sizes());
    let qs = queries();
    assert_eq!(kpis(&een, &qs, None), kpis(&twee, &qs, None));
}
