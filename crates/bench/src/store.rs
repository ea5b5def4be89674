//! The event store benchmark (issue "Foundation", section Benchmarks).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::databases::{PgServer, backends, create_pg_db, drop_pg_db, pg_url_for, remove_sqlite};
use anyhow::{Context, bail};
use clap::Args;
use kringloop_events::{ExpectedVersion, NewEvent};
use kringloop_store::{AppendOptions, EventStore};
use serde::Serialize;
use sqlx::Connection;
use uuid::Uuid;

#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Events for the bulk append and verify runs.
    #[arg(long, default_value_t = 1_000_000)]
    events: usize,
    /// Events per append in the bulk run.
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Concurrent tasks doing single-event appends.
    #[arg(long, default_value_t = 32)]
    tasks: usize,
    /// Single-event appends per task.
    #[arg(long, default_value_t = 300)]
    per_task: usize,
    /// Backends to run: sqlite, postgres or both.
    #[arg(long, default_value = "both")]
    backend: String,
    #[command(flatten)]
    pg: PgServer,
    /// Skip the cqrs-es peer (it needs its own build of sqlx 0.8).
    #[arg(long)]
    no_peer: bool,
    /// Directory for SQLite files.
    #[arg(long, default_value = "target/bench-data")]
    dir: PathBuf,
}

#[derive(Debug, Clone, Serialize)]
struct Measurement {
    system: String,
    backend: String,
    workload: String,
    events: usize,
    secs: f64,
    events_per_s: f64,
    p50_ms: Option<f64>,
    p99_ms: Option<f64>,
}

impl Measurement {
    fn new(system: &str, backend: &str, workload: &str, events: usize, elapsed: Duration) -> Self {
        let secs = elapsed.as_secs_f64();
        Self {
            system: system.into(),
            backend: backend.into(),
            workload: workload.into(),
            events,
            secs,
            events_per_s: events as f64 / secs.max(1e-9),
            p50_ms: None,
            p99_ms: None,
        }
    }
}

/// The benchmark event: a placement start of realistic size.
fn payload() -> String {
    r#"{"voorziening":"HZN-HARREVELD-03","datum":"2024-03-01","spoed":true,"crisis":false,"verblijf_voor":"THUIS"}"#.to_owned()
}

fn new_event() -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "PlaatsingGestart".into(),
        schema_version: 1,
        payload: payload(),
        valid_date: chrono::NaiveDate::from_ymd_opt(2024, 3, 1),
        recorded_by: "bench".into(),
        source: "bench".into(),
        correlation_id: None,
        causation_id: None,
    }
}

pub async fn run(args: StoreArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let mut results = Vec::new();
    let backends = backends(&args.backend)?;
    let peer = if args.no_peer {
        None
    } else {
        Some(build_peer()?)
    };
    for backend in backends {
        let (url, cleanup) = match backend {
            "sqlite" => {
                let path = args.dir.join("kringloop-bench.db");
                remove_sqlite(&path);
                (path.display().to_string(), None)
            }
            _ => {
                let db = format!("kl_bench_{}", Uuid::new_v4().simple());
                create_pg_db(&args.pg.pg_url, &db).await?;
                (pg_url_for(&args.pg.pg_url, &db), Some(db))
            }
        };
        eprintln!("== {backend}: raw ceiling");
        results.push(raw_ceiling(backend, &url, &args).await?);
        eprintln!("== {backend}: kringloop bulk append");
        let store = kringloop_store::open(&url).await?;
        results.push(bulk(&store, &args).await?);
        eprintln!("== {backend}: kringloop verify");
        results.push(verify(&store).await?);
        eprintln!("== {backend}: kringloop concurrent single appends");
        results.push(concurrent(store.clone(), &args).await?);
        drop(store);
        if let Some(peer) = &peer {
            eprintln!("== {backend}: cqrs-es peer");
            let peer_target = match backend {
                "sqlite" => {
                    let p = args.dir.join("peer-bench.db");
                    remove_sqlite(&p);
                    p.display().to_string()
                }
                _ => {
                    let db = format!("kl_bench_peer_{}", Uuid::new_v4().simple());
                    create_pg_db(&args.pg.pg_url, &db).await?;
                    pg_url_for(&args.pg.pg_url, &db)
                }
            };
            results.extend(run_peer(peer, &peer_target, &args)?);
            if backend == "postgres" {
                drop_pg_db(
                    &args.pg.pg_url,
                    peer_target.rsplit('/').next().unwrap_or_default(),
                )
                .await;
            }
        }
        if let Some(db) = cleanup {
            drop_pg_db(&args.pg.pg_url, &db).await;
        }
    }
    print_table(&results);
    println!("{}", serde_json::to_string_pretty(&results)?);
    Ok(())
}

const RAW_COLUMNS: &str = "position, stream, stream_version, event_id, event_type, schema_version, payload, valid_date, recorded_at, recorded_by, source, correlation_id, causation_id, idempotency_key, prev_hash, hash";

/// Plain multi-row INSERTs of rows of the same size as the store's, in transactions of
/// `batch` rows: no checks, no chain, no secondary indexes.
async fn raw_ceiling(backend: &str, url: &str, args: &StoreArgs) -> anyhow::Result<Measurement> {
    let rows_per_stmt = 500;
    let hash = vec![7u8; 32];
    let payload = payload();
    let started;
    if backend == "sqlite" {
        let path = format!("{url}.raw");
        remove_sqlite(std::path::Path::new(&path));
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
        sqlx::query("CREATE TABLE raw_events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, stream_version INTEGER NOT NULL, event_id BLOB NOT NULL, event_type TEXT NOT NULL, schema_version INTEGER NOT NULL, payload TEXT NOT NULL, valid_date TEXT, recorded_at INTEGER NOT NULL, recorded_by TEXT NOT NULL, source TEXT NOT NULL, correlation_id BLOB, causation_id BLOB, idempotency_key TEXT, prev_hash BLOB NOT NULL, hash BLOB NOT NULL)")
            .execute(&mut conn)
            .await?;
        started = Instant::now();
        let mut pos = 0i64;
        while (pos as usize) < args.events {
            let n = args.batch.min(args.events - pos as usize);
            let mut tx = conn.begin().await?;
            let stream = format!("bulk-{pos}");
            for chunk_start in (0..n).step_by(rows_per_stmt) {
                let m = rows_per_stmt.min(n - chunk_start);
                let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
                    "INSERT INTO raw_events ({RAW_COLUMNS}) "
                ));
                qb.push_values(0..m, |mut b, i| {
                    let p = pos + (chunk_start + i) as i64 + 1;
                    b.push_bind(p)
                        .push_bind(stream.clone())
                        .push_bind((chunk_start + i + 1) as i64)
                        .push_bind(Uuid::now_v7().as_bytes().to_vec())
                        .push_bind("PlaatsingGestart")
                        .push_bind(1i32)
                        .push_bind(payload.clone())
                        .push_bind("2024-03-01")
                        .push_bind(chrono::Utc::now().timestamp_micros())
                        .push_bind("bench")
                        .push_bind("bench")
                        .push_bind(None::<Vec<u8>>)
                        .push_bind(None::<Vec<u8>>)
                        .push_bind(None::<String>)
                        .push_bind(hash.clone())
                        .push_bind(hash.clone());
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            pos += n as i64;
        }
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await?;
        sqlx::query("CREATE TABLE raw_events (position BIGINT PRIMARY KEY, stream TEXT NOT NULL, stream_version BIGINT NOT NULL, event_id UUID NOT NULL, event_type TEXT NOT NULL, schema_version INT NOT NULL, payload JSON NOT NULL, valid_date DATE, recorded_at TIMESTAMPTZ NOT NULL, recorded_by TEXT NOT NULL, source TEXT NOT NULL, correlation_id UUID, causation_id UUID, idempotency_key TEXT, prev_hash BYTEA NOT NULL, hash BYTEA NOT NULL)")
            .execute(&mut conn)
            .await?;
        let date = chrono::NaiveDate::from_ymd_opt(2024, 3, 1);
        started = Instant::now();
        let mut pos = 0i64;
        while (pos as usize) < args.events {
            let n = args.batch.min(args.events - pos as usize);
            let mut tx = conn.begin().await?;
            let stream = format!("bulk-{pos}");
            for chunk_start in (0..n).step_by(rows_per_stmt) {
                let m = rows_per_stmt.min(n - chunk_start);
                let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
                    "INSERT INTO raw_events ({RAW_COLUMNS}) "
                ));
                qb.push_values(0..m, |mut b, i| {
                    let p = pos + (chunk_start + i) as i64 + 1;
                    b.push_bind(p)
                        .push_bind(stream.clone())
                        .push_bind((chunk_start + i + 1) as i64)
                        .push_bind(Uuid::now_v7())
                        .push_bind("PlaatsingGestart")
                        .push_bind(1i32)
                        .push_bind(sqlx::types::Json(
                            serde_json::value::RawValue::from_string(payload.clone()).ok(),
                        ))
                        .push_bind(date)
                        .push_bind(chrono::Utc::now())
                        .push_bind("bench")
                        .push_bind("bench")
                        .push_bind(None::<Uuid>)
                        .push_bind(None::<Uuid>)
                        .push_bind(None::<String>)
                        .push_bind(hash.clone())
                        .push_bind(hash.clone());
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            pos += n as i64;
        }
    }
    Ok(Measurement::new(
        "raw-insert",
        backend,
        "bulk",
        args.events,
        started.elapsed(),
    ))
}

async fn bulk(store: &Arc<dyn EventStore>, args: &StoreArgs) -> anyhow::Result<Measurement> {
    let started = Instant::now();
    let mut written = 0usize;
    let mut n = 0usize;
    while written < args.events {
        let size = args.batch.min(args.events - written);
        let events: Vec<NewEvent> = (0..size).map(|_| new_event()).collect();
        store
            .append(
                &format!("bulk-{n}"),
                events,
                AppendOptions {
                    expected: Some(ExpectedVersion::NoStream),
                    ..Default::default()
                },
            )
            .await?;
        written += size;
        n += 1;
    }
    Ok(Measurement::new(
        "kringloop",
        store.backend(),
        "bulk",
        written,
        started.elapsed(),
    ))
}

async fn verify(store: &Arc<dyn EventStore>) -> anyhow::Result<Measurement> {
    let started = Instant::now();
    let report = store.verify().await?;
    let elapsed = started.elapsed();
    if let Some(f) = report.failure {
        bail!("verify failed at {}: {}", f.position, f.reason);
    }
    Ok(Measurement::new(
        "kringloop",
        store.backend(),
        "verify",
        report.checked as usize,
        elapsed,
    ))
}

async fn concurrent(store: Arc<dyn EventStore>, args: &StoreArgs) -> anyhow::Result<Measurement> {
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..args.tasks {
        let store = store.clone();
        let per_task = args.per_task;
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_task);
            for v in 0..per_task {
                let t0 = Instant::now();
                store
                    .append(
                        &format!("conc-{t}"),
                        vec![new_event()],
                        AppendOptions {
                            expected: Some(if v == 0 {
                                ExpectedVersion::NoStream
                            } else {
                                ExpectedVersion::Exact(v as u64)
                            }),
                            ..Default::default()
                        },
                    )
                    .await?;
                lat.push(t0.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await??);
    }
    let elapsed = started.elapsed();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        all.get(((all.len() as f64 - 1.0) * p).round() as usize)
            .copied()
    };
    let mut m = Measurement::new(
        "kringloop",
        store.backend(),
        "concurrent",
        all.len(),
        elapsed,
    );
    m.p50_ms = pct(0.5);
    m.p99_ms = pct(0.99);
    Ok(m)
}

fn build_peer() -> anyhow::Result<PathBuf> {
    let manifest =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benches/peer-cqrs-es/Cargo.toml");
    eprintln!("== building the cqrs-es peer ({})", manifest.display());
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .status()
        .context("cannot run cargo to build the peer")?;
    if !status.success() {
        bail!("building the cqrs-es peer failed");
    }
    Ok(manifest
        .with_file_name("target")
        .join("release")
        .join("peer-cqrs-es-bench"))
}

fn run_peer(peer: &PathBuf, target: &str, args: &StoreArgs) -> anyhow::Result<Vec<Measurement>> {
    let out = Command::new(peer)
        .arg(target)
        .arg(args.events.to_string())
        .arg(args.batch.to_string())
        .arg(args.tasks.to_string())
        .arg(args.per_task.to_string())
        .output()
        .context("cannot run the cqrs-es peer")?;
    if !out.status.success() {
        bail!(
            "cqrs-es peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut res = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        res.push(Measurement {
            system: "cqrs-es".into(),
            backend: v["backend"].as_str().unwrap_or_default().into(),
            workload: v["workload"].as_str().unwrap_or_default().into(),
            events: v["events"].as_u64().unwrap_or_default() as usize,
            secs: v["secs"].as_f64().unwrap_or_default(),
            events_per_s: v["events_per_s"].as_f64().unwrap_or_default(),
            p50_ms: v["p50_ms"].as_f64(),
            p99_ms: v["p99_ms"].as_f64(),
        });
    }
    Ok(res)
}

fn print_table(results: &[Measurement]) {
    let find = |sys: &str, backend: &str, workload: &str| {
        results
            .iter()
            .find(|m| m.system == sys && m.backend == backend && m.workload == workload)
            .map(|m| m.events_per_s)
    };
    println!(
        "| backend | workload | system | events | events/s | p50 ms | p99 ms | vs raw ceiling | vs cqrs-es |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|");
    for m in results {
        let raw = if m.system == "kringloop" && m.workload == "bulk" {
            find("raw-insert", &m.backend, "bulk")
                .map(|r| format!("{:.2}", m.events_per_s / r))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let peer = if m.system == "kringloop" {
            find("cqrs-es", &m.backend, &m.workload)
                .map(|r| format!("{:.1}×", m.events_per_s / r))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let ms = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
        println!(
            "| {} | {} | {} | {} | {:.0} | {} | {} | {} | {} |",
            m.backend,
            m.workload,
            m.system,
            m.events,
            m.events_per_s,
            ms(m.p50_ms),
            ms(m.p99_ms),
            raw,
            peer
        );
    }
}
