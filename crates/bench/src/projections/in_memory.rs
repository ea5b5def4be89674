//! `--in-memory`: the fold and the KPI latencies on a generated history, without a store
//! (for profiling without waiting for the database).

use std::time::Instant;

use chrono::{DateTime, Utc};
use kringloop_demo::generate;
use kringloop_events::Regime;
use kringloop_projections::{Filter, Periode, Projection, Query, RecordKeys};

use super::ProjectionsArgs;
use super::history::{Decoded, Vouw, date, demo_config, first_jeugdregio, fold_met};
use super::process::{cpu_secs, gib, loadavg, percentile, rss};

/// Runs the in-memory benchmark.
pub(super) fn run(args: &ProjectionsArgs) -> anyhow::Result<()> {
    println!("{}", crate::ijkpunt::regel(&crate::ijkpunt::meet()));
    let t = Instant::now();
    let events: Vec<Decoded> = generate(&demo_config(args))?
        .enumerate()
        .map(|(i, e)| Decoded {
            position: i as i64 + 1,
            event_id: e.event_id,
            recorded_at: e.recorded_at,
            stream: e.stream,
            g: e.fact,
        })
        .collect();
    eprintln!(
        "generated {} events in {:.1} s",
        events.len(),
        t.elapsed().as_secs_f64()
    );
    // The three ways in turn; the first fold also warms the allocator (later folds reuse
    // the memory of the projection dropped before them). CPU is the process's: the
    // two-stage fold uses two threads.
    let mut p = Projection::new();
    let wijzen = [Vouw::TweeFasen, Vouw::EenDraad, Vouw::ZonderHints];
    for vouw in wijzen.into_iter().cycle().take(args.folds.max(1)) {
        drop(p);
        let rss0 = rss();
        let t = Instant::now();
        let tc = cpu_secs();
        let (folded, errors) = fold_met(&events, vouw);
        let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - tc);
        let n = events.len() as f64;
        println!(
            "fold, {}: {secs:.2} s wall, {cpu:.2} CPU-s ({:.0} ev/s, {:.0} ev per CPU-s), {errors} errors, +{:.2} GiB resident",
            vouw.naam(),
            n / secs,
            n / cpu,
            gib(rss().saturating_sub(rss0))
        );
        p = folded;
    }
    println!(
        "{:?}; bitemporal occupancy log: {} changes",
        p.sizes(),
        p.bezettingslog_entries()
    );
    let kwartaal = Periode::kwartaal(2023, 1)?;
    let k: DateTime<Utc> = "2023-06-30T00:00:00Z".parse()?;
    let series = Periode::reeks(
        date(args.to_year - 9, 1, 1)?,
        date(args.to_year + 1, 1, 1)?,
        kringloop_projections::Granulariteit::Kwartaal,
    )?;
    let q = Query::new(kwartaal);
    // The filter of the store-backed run: the first jeugdregio registered, closed care.
    let regio = first_jeugdregio(&events)?;
    let qf = q.clone().filter(Filter {
        jeugdregio: Some(regio),
        regime: Some(Regime::Gesloten),
        ..Filter::default()
    });
    // Exact (person-level roles) and protected by the cell-key method (aggregate roles),
    // in alternating runs so that both see the same machine.
    let sleutels = RecordKeys::new(b"benchmark secret of 32 bytes...");
    for (naam, q, reeks) in [
        ("quarter, national, now", q.clone(), false),
        ("quarter, jeugdregio + GESLOTEN, now", qf.clone(), false),
        ("series, national, now", q.clone(), true),
        ("series, national, K", q.clone().known_at(k), true),
        ("series, jeugdregio + GESLOTEN, now", qf.clone(), true),
        ("series, jeugdregio + GESLOTEN, K", qf.known_at(k), true),
    ] {
        let mut ms = [Vec::new(), Vec::new()];
        let mut cpu = [0.0f64; 2];
        for _ in 0..args.series_runs.max(1) {
            for (i, beschermd) in [false, true].into_iter().enumerate() {
                let c0 = cpu_secs();
                let t = Instant::now();
                match (reeks, beschermd) {
                    (true, false) => drop(std::hint::black_box(p.reeks(&q, &series))),
                    (true, true) => drop(std::hint::black_box(
                        p.reeks_beschermd(&q, &series, &sleutels),
                    )),
                    (false, false) => drop(std::hint::black_box(p.kpis(&q))),
                    (false, true) => drop(std::hint::black_box(p.kpis_beschermd(&q, &sleutels))),
                }
                ms[i].push(t.elapsed().as_secs_f64() * 1e3);
                cpu[i] += cpu_secs() - c0;
            }
        }
        let mut p99 = [0.0; 2];
        for (i, soort) in ["exact", "protected"].into_iter().enumerate() {
            let cpu_ms = cpu[i] * 1e3 / ms[i].len() as f64;
            ms[i].sort_by(f64::total_cmp);
            p99[i] = percentile(&ms[i], 0.99);
            println!(
                "{naam}, {soort}: p50 {:.2} ms, p99 {:.2} ms, mean CPU {cpu_ms:.2} ms (all threads); load {}",
                percentile(&ms[i], 0.5),
                p99[i],
                loadavg()
            );
        }
        println!(
            "{naam}: protected / exact p99 = {:.2} (goal <= 1.2)",
            p99[1] / p99[0]
        );
    }
    Ok(())
}
