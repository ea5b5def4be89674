//! `kringloop-bench vraag`: what the need side costs the fold, and how fast its figures
//! answer, on the national history in memory.
//!
//! The history is generated once with the need side. The fold is measured on it and on
//! the same history with the need side taken out (the request facts and absences left
//! out, placements naming no request), in alternating runs, so that both figures come
//! from one run on the same machine.

use std::time::Instant;

use clap::Args;
use kringloop_demo::generate;
use kringloop_events::{Gebeurtenis, Regime};
use kringloop_projections::vraag::{CapaciteitScenario, VraagNormen};
use kringloop_projections::{Filter, Granulariteit, Periode, Projection, Query, RecordKeys};

use super::ProjectionsArgs;
use super::history::{Decoded, Vouw, date, demo_config, first_jeugdregio, fold_met};
use super::process::{cpu_secs, gib, loadavg, percentile, rss};

#[derive(Debug, Clone, Args)]
pub struct VraagArgs {
    /// Volume of the demo history (1.0 = the Netherlands; 3 is the national benchmark).
    #[arg(long, default_value_t = 3.0)]
    scale: f64,
    #[arg(long, default_value_t = 2017)]
    from_year: i32,
    #[arg(long, default_value_t = 2026)]
    to_year: i32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Folds per history (alternating: without, with the need side).
    #[arg(long, default_value_t = 3)]
    folds: usize,
    /// Runs per latency figure.
    #[arg(long, default_value_t = 100)]
    runs: usize,
}

impl VraagArgs {
    fn projections(&self) -> ProjectionsArgs {
        let mut p = ProjectionsArgs::defaults();
        p.scale = self.scale;
        p.from_year = self.from_year;
        p.to_year = self.to_year;
        p.seed = self.seed;
        p
    }
}

/// Whether a fact belongs to the need side (left out of the comparison history).
fn is_vraag(g: &Gebeurtenis) -> bool {
    matches!(
        g,
        Gebeurtenis::PlaatsingsverzoekIngediend(_)
            | Gebeurtenis::JeugdigeAangemeld(_)
            | Gebeurtenis::PlaatsAangeboden(_)
            | Gebeurtenis::AanmeldingGeweigerd(_)
            | Gebeurtenis::PlaatsingsverzoekIngetrokken(_)
            | Gebeurtenis::JeugdigeOnttrokken(_)
            | Gebeurtenis::JeugdigeTeruggekeerd(_)
    )
}

/// The history as it was before the need side: no request facts, no absences, no
/// placement naming a request. Corrections and retractions of need facts go too.
fn zonder_vraag(events: &[Decoded]) -> Vec<Decoded> {
    let weg: std::collections::HashSet<uuid::Uuid> = events
        .iter()
        .filter(|e| is_vraag(&e.g))
        .map(|e| e.event_id)
        .collect();
    let mut uit = Vec::with_capacity(events.len());
    for e in events {
        let mut g = e.g.clone();
        let hoort_bij_vraag = match &mut g {
            Gebeurtenis::FeitGecorrigeerd(c) => weg.contains(&c.vervangt),
            Gebeurtenis::FeitIngetrokken(i) => weg.contains(&i.event_id),
            g => is_vraag(g),
        };
        if hoort_bij_vraag {
            continue;
        }
        zonder_verzoek(&mut g);
        if let Gebeurtenis::FeitGecorrigeerd(c) = &mut g {
            zonder_verzoek(&mut c.nieuw);
        }
        uit.push(Decoded {
            position: uit.len() as i64 + 1,
            event_id: e.event_id,
            recorded_at: e.recorded_at,
            stream: e.stream.clone(),
            g,
        });
    }
    uit
}

fn zonder_verzoek(g: &mut Gebeurtenis) {
    match g {
        Gebeurtenis::PlaatsingGestart(p) => {
            p.verzoek = None;
            p.overbrugging = false;
        }
        Gebeurtenis::Doorgeplaatst(d) => {
            d.verzoek = None;
            d.overbrugging = false;
        }
        _ => {}
    }
}

/// Runs the benchmark.
pub async fn run(args: VraagArgs) -> anyhow::Result<()> {
    println!("{}", crate::ijkpunt::regel(&crate::ijkpunt::meet()));
    let t = Instant::now();
    let met: Vec<Decoded> = generate(&demo_config(&args.projections()))?
        .enumerate()
        .map(|(i, e)| Decoded {
            position: i as i64 + 1,
            event_id: e.event_id,
            recorded_at: e.recorded_at,
            stream: e.stream,
            g: e.fact,
        })
        .collect();
    let zonder = zonder_vraag(&met);
    println!(
        "history: {} events with the need side, {} without ({} need-side facts, +{:.1} %); generated in {:.1} s",
        met.len(),
        zonder.len(),
        met.len() - zonder.len(),
        100.0 * (met.len() - zonder.len()) as f64 / zonder.len().max(1) as f64,
        t.elapsed().as_secs_f64()
    );
    // Alternating folds, two stages as the runner's catch-up does; the first of each is
    // also the allocator's warm-up, so the median of the rest is reported.
    let mut secs: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut cpu: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut p = None;
    for _ in 0..args.folds.max(1) {
        for (i, events) in [&zonder, &met].into_iter().enumerate() {
            drop(p.take());
            let rss0 = rss();
            let c0 = cpu_secs();
            let t = Instant::now();
            let (folded, errors) = fold_met(events, Vouw::TweeFasen);
            let s = t.elapsed().as_secs_f64();
            let c = cpu_secs() - c0;
            println!(
                "fold, {}: {s:.2} s wall ({:.0} ev/s), {c:.2} CPU-s, {errors} errors, +{:.2} GiB resident; load {}",
                if i == 0 {
                    "without need side"
                } else {
                    "with need side"
                },
                events.len() as f64 / s,
                gib(rss().saturating_sub(rss0)),
                loadavg()
            );
            secs[i].push(s);
            cpu[i].push(c);
            p = Some(folded);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        percentile(v, 0.5)
    };
    let (s0, s1) = (median(&mut secs[0]), median(&mut secs[1]));
    let (n0, n1) = (zonder.len() as f64, met.len() as f64);
    println!(
        "fold time: {s0:.2} s without, {s1:.2} s with the need side = {:.2}x (goal <= 1.10)",
        s1 / s0
    );
    println!(
        "fold throughput: {:.0} ev/s without, {:.0} ev/s with = {:.2}x (goal >= 0.90)",
        n0 / s0,
        n1 / s1,
        (n1 / s1) / (n0 / s0)
    );
    drop(zonder);
    let Some(p) = p else {
        anyhow::bail!("no fold ran");
    };
    latencies(&p, &args, &met)
}

/// The latency of the need side's figures, exact and protected (cell-key), in alternating
/// runs: a quarter national and with a filter (jeugdregio + GESLOTEN), a 40-quarter
/// series, the path figures, and the scenario of needed capacity.
fn latencies(p: &Projection, args: &VraagArgs, events: &[Decoded]) -> anyhow::Result<()> {
    let kwartaal = Periode::kwartaal(2023, 1)?;
    let series = Periode::reeks(
        date(args.to_year - 9, 1, 1)?,
        date(args.to_year + 1, 1, 1)?,
        Granulariteit::Kwartaal,
    )?;
    let q = Query::new(kwartaal);
    let regio = first_jeugdregio(events)?;
    let qf = q.clone().filter(Filter {
        jeugdregio: Some(regio),
        regime: Some(Regime::Gesloten),
        ..Filter::default()
    });
    let scenario = CapaciteitScenario {
        verblijf_wijziging: -20.0,
        doelbezetting: 0.85,
        ..CapaciteitScenario::default()
    };
    let sleutels = RecordKeys::new(b"benchmark secret of 32 bytes...");
    let normen = VraagNormen::default();
    type Meting<'a> = (&'static str, Box<dyn Fn(Option<&RecordKeys>) + 'a>);
    let metingen: Vec<Meting<'_>> = vec![
        (
            "vraag, quarter, national",
            Box::new(|k| {
                drop(std::hint::black_box(p.vraag(
                    &q,
                    normen,
                    CapaciteitScenario::default(),
                    k,
                )))
            }),
        ),
        (
            "vraag, quarter, jeugdregio + GESLOTEN",
            Box::new(|k| {
                drop(std::hint::black_box(p.vraag(
                    &qf,
                    normen,
                    CapaciteitScenario::default(),
                    k,
                )))
            }),
        ),
        (
            "vraag, 40-quarter series, national",
            Box::new(|k| {
                drop(std::hint::black_box(p.vraag_reeks(
                    &q,
                    &series,
                    normen,
                    CapaciteitScenario::default(),
                    k,
                )))
            }),
        ),
        (
            "vraag, 40-quarter series, jeugdregio + GESLOTEN",
            Box::new(|k| {
                drop(std::hint::black_box(p.vraag_reeks(
                    &qf,
                    &series,
                    normen,
                    CapaciteitScenario::default(),
                    k,
                )))
            }),
        ),
        (
            "pad, quarter, jeugdregio + GESLOTEN",
            Box::new(|k| drop(std::hint::black_box(p.pad(&qf, k)))),
        ),
        (
            "pad, 40-quarter series, national",
            Box::new(|k| drop(std::hint::black_box(p.pad_reeks(&q, &series, k)))),
        ),
        (
            "benodigdeCapaciteit, scenario (stay -20 %, occupancy 85 %), national",
            Box::new(|k| {
                drop(std::hint::black_box(
                    p.benodigde_capaciteit(&q, scenario, k),
                ))
            }),
        ),
        (
            "benodigdeCapaciteit, scenario, jeugdregio + GESLOTEN",
            Box::new(|k| {
                drop(std::hint::black_box(
                    p.benodigde_capaciteit(&qf, scenario, k),
                ))
            }),
        ),
    ];
    for (naam, meet) in &metingen {
        let mut ms = [Vec::new(), Vec::new()];
        for _ in 0..args.runs.max(1) {
            for (i, beschermd) in [false, true].into_iter().enumerate() {
                let t = Instant::now();
                meet(beschermd.then_some(&sleutels));
                ms[i].push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        for (i, soort) in ["exact", "protected"].into_iter().enumerate() {
            ms[i].sort_by(f64::total_cmp);
            println!(
                "{naam}, {soort}: p50 {:.2} ms, p99 {:.2} ms; load {}",
                percentile(&ms[i], 0.5),
                percentile(&ms[i], 0.99),
                loadavg()
            );
        }
    }
    Ok(())
}
