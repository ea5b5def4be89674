//! The vault benchmark (issue "Erasure and retention", section Benchmarks): what sealing
//! every youth's personal fields under a key of that youth costs.
//!
//! One run per backend: the demo history written into a plain store (today's path,
//! `kringloop_store::open`) and into a [`SealedStore`] over a fresh store of the same
//! backend, alternating the two `--runs` times so that both see the same machine; per
//! path the bulk append, the rebuild of a projection from `read_for_fold` pages (the two
//! projections must give the same KPIs: the benchmark fails otherwise), KPI latency on
//! each projection, the writer's start (`WriteState::load`, which opens every personal
//! field through the vault) and, for the vault, `SealedStore::open` on the filled store.
//! Then, on the last sealed store: the erasure of `--erase` youths (a `JeugdigeGewist`
//! per youth in sets of 1,000 parts, then `delete_youth_keys` per set) while a concurrent
//! task keeps registering other youths through the same store and reading KPIs from a
//! projection it keeps up to date: their maximum latency is the "no downtime" figure.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, Utc};
use clap::Args;
use kringloop_demo::{DemoConfig, DemoEvent, Scope};
use kringloop_events::{
    Gebeurtenis, JeugdigeGewist, NewEvent, Verzoeker, Wisgrondslag, jeugdige_stream,
};
use kringloop_projections::{Periode, Projection, Query};
use kringloop_store::{AppendOptions, EventStore, StreamAppend};
use kringloop_vault::{MasterKey, SealedStore};
use serde::Serialize;
use uuid::Uuid;

use crate::databases::{PgServer, backends, create_pg_db, drop_pg_db, pg_url_for, remove_sqlite};

#[derive(Debug, Clone, Args)]
pub struct VaultArgs {
    /// Volume of the demo history (1.0 = the Netherlands; the figures).
    #[arg(long, default_value_t = 0.25)]
    scale: f64,
    /// Demo scope: all-residential (enough youths to erase 10,000) or jeugdzorgplus.
    #[arg(long, default_value = "all-residential")]
    scope: String,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Alternating runs of the plain and the sealed path (median and min are reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Repetitions of every KPI query per projection and run.
    #[arg(long, default_value_t = 10)]
    kpi_reps: usize,
    /// Youths erased on the last sealed store (0: no erasure).
    #[arg(long, default_value_t = 10_000)]
    erase: usize,
    /// Pause between the concurrent task's operations during the erasure, in ms.
    #[arg(long, default_value_t = 10)]
    pause_ms: u64,
    /// Backends to run: sqlite, postgres or both.
    #[arg(long, default_value = "sqlite")]
    backend: String,
    #[command(flatten)]
    pg: PgServer,
    /// Directory for SQLite files.
    #[arg(long, default_value = "target/bench-data")]
    dir: PathBuf,
}

/// Events per set in the bulk append (as `kringloop demo`).
const BATCH: usize = 5_000;
/// Parts per erasure set.
const ERASE_SET: usize = 1_000;
/// Key lookups of unknown youths timed per sealed fill.
const LOOKUPS: usize = 5_000;
/// Events per `read_for_fold` page (as `kringloop kpi`).
const FOLD_PAGE: usize = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Plain,
    Sealed,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Plain => "plain",
            Variant::Sealed => "sealed",
        }
    }
}

/// One database of one run.
struct Filled {
    /// What the benchmark reads and writes through (the sealed store, or the plain one).
    store: Arc<dyn EventStore>,
    /// The sealed store itself, for the erasure.
    sealed: Option<Arc<SealedStore>>,
    projection: Projection,
    fold_errors: usize,
    /// PostgreSQL database to drop.
    pg_db: Option<String>,
}

/// The seconds of one path in one run.
#[derive(Debug, Clone, Default, Serialize)]
struct Sample {
    bulk_s: f64,
    rebuild_s: f64,
    writer_s: f64,
    vault_open_s: Option<f64>,
    /// Sealed: µs per `youth_key_by_lookup` of an unknown youth on the filled store (the
    /// query the vault makes for every new youth before its first append).
    lookup_us: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Erasure {
    youths: usize,
    keys_deleted: u64,
    total_s: f64,
    youths_per_s: f64,
    append_s: f64,
    delete_s: f64,
    max_set_append_s: f64,
    max_set_delete_s: f64,
    concurrent_appends: usize,
    concurrent_append_p50_ms: f64,
    concurrent_append_p99_ms: f64,
    concurrent_append_max_ms: f64,
    concurrent_reads: usize,
    concurrent_read_p50_ms: f64,
    concurrent_read_p99_ms: f64,
    concurrent_read_max_ms: f64,
}

#[derive(Debug, Serialize)]
struct BackendResult {
    backend: String,
    events: usize,
    youths: usize,
    plain: Vec<Sample>,
    sealed: Vec<Sample>,
    kpi_plain_ms: Percentiles,
    kpi_sealed_ms: Percentiles,
    erasure: Option<Erasure>,
}

#[derive(Debug, Serialize)]
struct Percentiles {
    queries: usize,
    p50: f64,
    p99: f64,
}

pub async fn run(args: VaultArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let scope: Scope = args.scope.parse()?;
    let config = DemoConfig {
        seed: args.seed,
        scope,
        scale: args.scale,
        ..DemoConfig::default()
    };
    eprintln!(
        "== generating the demo history ({}, scale {})",
        args.scope, args.scale
    );
    let events: Vec<DemoEvent> = kringloop_demo::generate(&config)?.collect();
    let youths = youth_streams(&events);
    eprintln!("   {} events, {} youths", events.len(), youths.len());
    let queries = queries()?;
    let check = Query::new(Periode::jaar(2024)?);
    let master = MasterKey::generate();
    let mut results = Vec::new();
    for backend in backends(&args.backend)? {
        let mut samples: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
        let mut kpi_ms: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        let mut kept: Option<Filled> = None;
        for run in 0..args.runs.max(1) {
            let order = if run % 2 == 0 {
                [Variant::Plain, Variant::Sealed]
            } else {
                [Variant::Sealed, Variant::Plain]
            };
            let mut filled: [Option<Filled>; 2] = [None, None];
            for variant in order {
                eprintln!("== {backend}, run {}: {}", run + 1, variant.name());
                let (f, s) = fill(backend, variant, &events, &master, &args).await?;
                samples[variant as usize].push(s);
                filled[variant as usize] = Some(f);
            }
            let [Some(plain), Some(sealed)] = filled else {
                bail!("a path of run {} is missing", run + 1);
            };
            // The vault must not change a figure.
            let (a, b) = (
                plain.projection.kpis(&check),
                sealed.projection.kpis(&check),
            );
            if a != b {
                bail!(
                    "KPIs of 2024 differ between the plain and the sealed store (run {}):\nplain: {}\nsealed: {}",
                    run + 1,
                    serde_json::to_string(&a)?,
                    serde_json::to_string(&b)?
                );
            }
            ensure!(
                plain.fold_errors == sealed.fold_errors,
                "fold errors differ: plain {}, sealed {}",
                plain.fold_errors,
                sealed.fold_errors
            );
            eprintln!(
                "   KPIs of 2024 equal; {} fold errors on each",
                plain.fold_errors
            );
            for q in &queries {
                for _ in 0..args.kpi_reps.max(1) {
                    for (i, f) in [&plain, &sealed].into_iter().enumerate() {
                        let t = Instant::now();
                        std::hint::black_box(f.projection.kpis(q));
                        kpi_ms[i].push(ms(t.elapsed()));
                    }
                }
            }
            cleanup(plain, &args).await;
            if let Some(old) = kept.replace(sealed) {
                cleanup(old, &args).await;
            }
        }
        let erasure = match (kept, args.erase) {
            (Some(f), n) if n > 0 => {
                let e = erase(&f, &youths, &events, &args).await;
                cleanup(f, &args).await;
                Some(e?)
            }
            (Some(f), _) => {
                cleanup(f, &args).await;
                None
            }
            (None, _) => None,
        };
        let [plain_samples, sealed_samples] = samples;
        let [plain_ms, sealed_ms] = kpi_ms;
        results.push(BackendResult {
            backend: backend.to_owned(),
            events: events.len(),
            youths: youths.len(),
            plain: plain_samples,
            sealed: sealed_samples,
            kpi_plain_ms: percentiles(plain_ms),
            kpi_sealed_ms: percentiles(sealed_ms),
            erasure,
        });
    }
    print_table(&results, &args);
    println!("{}", serde_json::to_string_pretty(&results)?);
    Ok(())
}

/// The distinct youth streams of the history, in order of first appearance.
fn youth_streams(events: &[DemoEvent]) -> Vec<String> {
    let mut seen = HashSet::new();
    events
        .iter()
        .filter(|e| matches!(e.fact, Gebeurtenis::JeugdigeGeregistreerd(_)))
        .filter(|e| seen.insert(e.stream.as_str()))
        .map(|e| e.stream.clone())
        .collect()
}

/// The KPI queries: several periods, now and as known at a past moment.
fn queries() -> anyhow::Result<Vec<Query>> {
    let k: DateTime<Utc> = "2023-06-30T00:00:00Z".parse()?;
    let periods = [
        Periode::jaar(2024)?,
        Periode::halfjaar(2022, 2)?,
        Periode::kwartaal(2023, 1)?,
        Periode::kwartaal(2025, 3)?,
        Periode::maand(2021, 6)?,
    ];
    let mut qs = Vec::new();
    for p in periods {
        qs.push(Query::new(p));
        qs.push(Query::new(p).known_at(k));
    }
    Ok(qs)
}

/// A fresh database of `backend` filled through `variant`, with the measurements of the
/// bulk append, the rebuild, the writer's start and (sealed) the vault's open.
async fn fill(
    backend: &str,
    variant: Variant,
    events: &[DemoEvent],
    master: &MasterKey,
    args: &VaultArgs,
) -> anyhow::Result<(Filled, Sample)> {
    let (url, pg_db) = match backend {
        "sqlite" => {
            let file = args.dir.join(format!("vault-bench-{}.db", variant.name()));
            remove_sqlite(&file);
            (file.display().to_string(), None)
        }
        _ => {
            let db = format!("kl_bench_vault_{}", Uuid::new_v4().simple());
            create_pg_db(&args.pg.pg_url, &db).await?;
            (pg_url_for(&args.pg.pg_url, &db), Some(db))
        }
    };
    let raw = kringloop_store::open(&url).await?;
    let (store, sealed): (Arc<dyn EventStore>, _) = match variant {
        Variant::Plain => (raw.clone(), None),
        Variant::Sealed => {
            let s = Arc::new(SealedStore::open(raw.clone(), master).await?);
            (s.clone(), Some(s))
        }
    };
    let history = events.to_vec();
    let t = Instant::now();
    kringloop_demo::write_to_store(store.as_ref(), history.into_iter(), BATCH, |_| {}).await?;
    let bulk_s = t.elapsed().as_secs_f64();
    eprintln!(
        "   bulk append {bulk_s:.2} s ({:.0} ev/s)",
        events.len() as f64 / bulk_s
    );

    let t = Instant::now();
    let (projection, fold_errors) = rebuild(store.as_ref()).await?;
    let rebuild_s = t.elapsed().as_secs_f64();
    eprintln!("   rebuild {rebuild_s:.2} s");

    let t = Instant::now();
    let writer = kringloop_writer::WriteState::<()>::load(store.as_ref(), |_| {}).await?;
    let writer_s = t.elapsed().as_secs_f64();
    drop(writer);
    eprintln!("   writer start {writer_s:.2} s");

    let vault_open_s = match variant {
        Variant::Plain => None,
        Variant::Sealed => {
            let t = Instant::now();
            let reopened = SealedStore::open(raw.clone(), master).await?;
            let s = t.elapsed().as_secs_f64();
            drop(reopened);
            eprintln!("   vault open {s:.3} s");
            Some(s)
        }
    };
    let lookup_us = match variant {
        Variant::Plain => None,
        Variant::Sealed => {
            let n = LOOKUPS;
            let t = Instant::now();
            for _ in 0..n {
                let lookup = Uuid::new_v4().as_bytes().repeat(2);
                std::hint::black_box(raw.youth_key_by_lookup(&lookup).await?);
            }
            let us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
            eprintln!("   lookup of an unknown youth {us:.1} µs");
            Some(us)
        }
    };
    Ok((
        Filled {
            store,
            sealed,
            projection,
            fold_errors,
            pg_db,
        },
        Sample {
            bulk_s,
            rebuild_s,
            writer_s,
            vault_open_s,
            lookup_us,
        },
    ))
}

/// Folds the whole log into a projection from `read_for_fold` pages (as `kringloop kpi`);
/// returns it with the number of events it could not apply.
async fn rebuild(store: &dyn EventStore) -> anyhow::Result<(Projection, usize)> {
    let mut projection = Projection::new();
    projection.reserve(usize::try_from(store.head_position().await?).unwrap_or(0));
    let mut errors = 0;
    catch_up(store, &mut projection, &mut errors).await?;
    Ok((projection, errors))
}

/// Folds every event after the projection's position.
async fn catch_up(
    store: &dyn EventStore,
    projection: &mut Projection,
    errors: &mut usize,
) -> anyhow::Result<()> {
    loop {
        let page = store
            .read_for_fold(projection.position(), FOLD_PAGE)
            .await?;
        if page.last_position().is_none() {
            return Ok(());
        }
        *errors += kringloop_runner::fold_page(projection, &page).len();
    }
}

/// Closes the store of `f` and drops its PostgreSQL database (SQLite files are
/// overwritten by the next run).
async fn cleanup(f: Filled, args: &VaultArgs) {
    let _ = f.store.close().await;
    let db = f.pg_db.clone();
    drop(f);
    if let Some(db) = db {
        drop_pg_db(&args.pg.pg_url, &db).await;
    }
}

/// Erases `args.erase` youths of the history through the sealed store of `f`, while a
/// concurrent task registers other youths and reads KPIs.
async fn erase(
    f: &Filled,
    youths: &[String],
    events: &[DemoEvent],
    args: &VaultArgs,
) -> anyhow::Result<Erasure> {
    let Some(sealed) = f.sealed.clone() else {
        bail!("the kept store is not sealed");
    };
    ensure!(
        youths.len() >= args.erase,
        "the history has {} youths, fewer than the {} to erase: use a larger --scale",
        youths.len(),
        args.erase
    );
    // Spread over the history: every step-th youth.
    let step = youths.len() / args.erase;
    let chosen: Vec<String> = youths
        .iter()
        .step_by(step.max(1))
        .take(args.erase)
        .cloned()
        .collect();
    let template = events
        .iter()
        .find_map(|e| match &e.fact {
            Gebeurtenis::JeugdigeGeregistreerd(r) => Some(r.clone()),
            _ => None,
        })
        .context("the history registers no youth")?;
    eprintln!(
        "== {}: erasing {} of {} youths while registering others",
        sealed.backend(),
        chosen.len(),
        youths.len()
    );

    // The concurrent load: a registration (a new youth: a key row and a sealed payload)
    // through the same sealed store, then the projection caught up and a KPI read.
    let stop = Arc::new(AtomicBool::new(false));
    let mut projection = Projection::new();
    let mut errors = 0;
    catch_up(sealed.as_ref(), &mut projection, &mut errors).await?;
    let q = Query::new(Periode::kwartaal(2024, 1)?);
    let background = {
        let stop = stop.clone();
        let store = sealed.clone();
        let pause = Duration::from_millis(args.pause_ms);
        tokio::spawn(async move {
            let mut appends = Vec::new();
            let mut reads = Vec::new();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let mut fact = template.clone();
                fact.pseudoniem = format!("BENCH-ANDER-{n}");
                let stream = jeugdige_stream(&fact.pseudoniem);
                let event = new_event(&Gebeurtenis::JeugdigeGeregistreerd(fact));
                let t = Instant::now();
                store
                    .append(&stream, vec![event], AppendOptions::default())
                    .await?;
                appends.push(ms(t.elapsed()));
                let t = Instant::now();
                catch_up(store.as_ref(), &mut projection, &mut errors).await?;
                std::hint::black_box(projection.kpis(&q));
                reads.push(ms(t.elapsed()));
                tokio::time::sleep(pause).await;
            }
            anyhow::Ok((appends, reads))
        })
    };

    let started = Instant::now();
    let (mut append_s, mut delete_s, mut max_append, mut max_delete) = (0.0, 0.0, 0.0f64, 0.0f64);
    let mut deleted = 0;
    let result: anyhow::Result<()> = async {
        for (i, set) in chosen.chunks(ERASE_SET).enumerate() {
            let parts = set
                .iter()
                .enumerate()
                .map(|(j, stream)| StreamAppend {
                    stream: stream.clone(),
                    events: vec![new_event(&Gebeurtenis::JeugdigeGewist(JeugdigeGewist {
                        grondslag: Wisgrondslag::VerzoekBetrokkene,
                        verzocht_door: Verzoeker::Jeugdige,
                        kenmerk: Some(format!("BENCH-{}", i * ERASE_SET + j)),
                    }))],
                    expected: None,
                    new_key: None,
                })
                .collect();
            let t = Instant::now();
            sealed.append_many(parts, AppendOptions::default()).await?;
            let a = t.elapsed().as_secs_f64();
            let t = Instant::now();
            deleted += sealed.delete_youth_keys(set).await?;
            let d = t.elapsed().as_secs_f64();
            append_s += a;
            delete_s += d;
            max_append = max_append.max(a);
            max_delete = max_delete.max(d);
        }
        Ok(())
    }
    .await;
    let total_s = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let (mut appends, mut reads) = background.await??;
    result?;
    ensure!(
        deleted == chosen.len() as u64,
        "{deleted} keys deleted for {} erased youths",
        chosen.len()
    );
    for s in chosen.iter().take(10) {
        ensure!(
            sealed.physical_stream(s).await?.is_none(),
            "`{s}` still has a key after its erasure"
        );
    }
    appends.sort_by(f64::total_cmp);
    reads.sort_by(f64::total_cmp);
    eprintln!(
        "   {} youths in {total_s:.2} s; concurrent: {} appends (max {:.1} ms), {} reads (max {:.1} ms)",
        chosen.len(),
        appends.len(),
        appends.last().copied().unwrap_or_default(),
        reads.len(),
        reads.last().copied().unwrap_or_default()
    );
    Ok(Erasure {
        youths: chosen.len(),
        keys_deleted: deleted,
        total_s,
        youths_per_s: chosen.len() as f64 / total_s,
        append_s,
        delete_s,
        max_set_append_s: max_append,
        max_set_delete_s: max_delete,
        concurrent_appends: appends.len(),
        concurrent_append_p50_ms: percentile(&appends, 0.5),
        concurrent_append_p99_ms: percentile(&appends, 0.99),
        concurrent_append_max_ms: appends.last().copied().unwrap_or_default(),
        concurrent_reads: reads.len(),
        concurrent_read_p50_ms: percentile(&reads, 0.5),
        concurrent_read_p99_ms: percentile(&reads, 0.99),
        concurrent_read_max_ms: reads.last().copied().unwrap_or_default(),
    })
}

fn new_event(g: &Gebeurtenis) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: g.event_type().to_owned(),
        schema_version: g.schema_version(),
        payload: g.payload_json(),
        valid_date: g.valid_date(),
        recorded_by: "bench".into(),
        source: "bench".into(),
        correlation_id: None,
        causation_id: None,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The value at `p` of sorted values (0 when empty).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn percentiles(mut v: Vec<f64>) -> Percentiles {
    v.sort_by(f64::total_cmp);
    Percentiles {
        queries: v.len(),
        p50: percentile(&v, 0.5),
        p99: percentile(&v, 0.99),
    }
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    percentile(&v, 0.5)
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn print_table(results: &[BackendResult], args: &VaultArgs) {
    println!(
        "scale {}, scope {}, {} alternating runs",
        args.scale, args.scope, args.runs
    );
    println!(
        "| backend | measure | plain median / min | sealed median / min | sealed ÷ plain (median / min) | goal |"
    );
    println!("|---|---|---:|---:|---:|---|");
    for r in results {
        let n = r.events as f64;
        let row = |name: &str, get: fn(&Sample) -> f64, rate: bool, goal: &str| {
            let p: Vec<f64> = r.plain.iter().map(get).collect();
            let s: Vec<f64> = r.sealed.iter().map(get).collect();
            let fmt = |v: &[f64]| {
                if rate {
                    // Fastest run first: the min of the time is the max of the rate.
                    format!("{:.0} / {:.0} ev/s", n / median(v), n / min(v))
                } else {
                    format!("{:.2} / {:.2} s", median(v), min(v))
                }
            };
            println!(
                "| {} | {name} | {} | {} | {:.2} / {:.2} | {goal} |",
                r.backend,
                fmt(&p),
                fmt(&s),
                median(&s) / median(&p),
                min(&s) / min(&p)
            );
        };
        row("bulk append", |s| s.bulk_s, true, "≤ 1.25×");
        row("rebuild", |s| s.rebuild_s, false, "≤ 1.25×");
        row("writer start", |s| s.writer_s, false, "–");
        println!(
            "| {} | KPI p50 / p99 ({} queries each) | {:.2} / {:.2} ms | {:.2} / {:.2} ms | {:.2} / {:.2} | ≤ 1.25× |",
            r.backend,
            r.kpi_plain_ms.queries,
            r.kpi_plain_ms.p50,
            r.kpi_plain_ms.p99,
            r.kpi_sealed_ms.p50,
            r.kpi_sealed_ms.p99,
            r.kpi_sealed_ms.p50 / r.kpi_plain_ms.p50,
            r.kpi_sealed_ms.p99 / r.kpi_plain_ms.p99
        );
        let opens: Vec<f64> = r.sealed.iter().filter_map(|s| s.vault_open_s).collect();
        println!(
            "| {} | vault open | – | {:.3} / {:.3} s | – | – |",
            r.backend,
            median(&opens),
            min(&opens)
        );
        let lookups: Vec<f64> = r.sealed.iter().filter_map(|s| s.lookup_us).collect();
        println!(
            "| {} | key lookup of a new youth (× {} youths) | – | {:.1} µs ({:.2} s) | – | – |",
            r.backend,
            r.youths,
            median(&lookups),
            median(&lookups) * r.youths as f64 / 1e6
        );
        if let Some(e) = &r.erasure {
            println!(
                "| {} | erasure of {} youths | – | {:.2} s ({:.0} youths/s; append {:.2} s, key delete {:.2} s) | – | < 60 s |",
                r.backend, e.youths, e.total_s, e.youths_per_s, e.append_s, e.delete_s
            );
            println!(
                "| {} | meanwhile: {} registrations / {} KPI reads, max | – | {:.1} / {:.1} ms (p99 {:.1} / {:.1} ms) | – | no downtime |",
                r.backend,
                e.concurrent_appends,
                e.concurrent_reads,
                e.concurrent_append_max_ms,
                e.concurrent_read_max_ms,
                e.concurrent_append_p99_ms,
                e.concurrent_read_p99_ms
            );
        }
        println!("({}: {} events, {} youths)", r.backend, r.events, r.youths);
    }
}
