//! Bulk and concurrent appends through cqrs-es' own event repositories (sqlite-es,
//! postgres-es), with the same event sizes and durability settings as kringloop's store
//! benchmark. Prints one JSON object per measurement on stdout.
//!
//! usage: peer-cqrs-es-bench <sqlite-path|postgres-url> <bulk-events> <batch> <tasks> <per-task>

use std::str::FromStr;
use std::time::{Duration, Instant};

use cqrs_es::persist::{PersistedEventRepository, SerializedEvent};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[derive(Debug, Default, Serialize, Deserialize)]
struct Jeugdige;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Gebeurtenis;

impl DomainEvent for Gebeurtenis {
    fn event_type(&self) -> String {
        "PlaatsingGestart".into()
    }
    fn event_version(&self) -> String {
        "1".into()
    }
}

#[derive(Debug)]
enum NoError {}


impl std::fmt::Display for NoError {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Ok(())
    }
}

impl Aggregate for Jeugdige {
    const TYPE: &'static str = "jeugdige";
    type Command = ();
    type Event = Gebeurtenis;
    type Error = NoError;
    type Services = ();

    async fn handle(&mut self, _: (), _: &(), _: &EventSink<Self>) -> Result<(), NoError> {
        Ok(())
    }
    fn apply(&mut self, _: Gebeurtenis) {}
}

/// The same payload shape and size as kringloop's benchmark events.
fn event(aggregate: &str, sequence: usize) -> SerializedEvent {
    SerializedEvent {
        aggregate_id: aggregate.to_owned(),
        sequence,
        aggregate_type: Jeugdige::TYPE.to_owned(),
        event_type: "PlaatsingGestart".into(),
        event_version: "1".into(),
        payload: json!({"voorziening":"HZN-HARREVELD-03","datum":"2024-03-01","spoed":true,"crisis":false,"verblijf_voor":"THUIS"}),
        metadata: json!({"recorded_by":"bench","source":"bench","valid_date":"2024-03-01"}),
    }
}

fn report(backend: &str, workload: &str, events: usize, elapsed: Duration, lat: Option<(f64, f64)>) {
    let mut v = json!({
        "system": "cqrs-es",
        "backend": backend,
        "workload": workload,
        "events": events,
        "secs": elapsed.as_secs_f64(),
        "events_per_s": events as f64 / elapsed.as_secs_f64(),
    });
    if let Some((p50, p99)) = lat {
        v["p50_ms"] = json!(p50);
        v["p99_ms"] = json!(p99);
    }
    println!("{v}");
}

async fn run<R: PersistedEventRepository + 'static>(
    backend: &str,
    repo: std::sync::Arc<R>,
    bulk: usize,
    batch: usize,
    tasks: usize,
    per_task: usize,
) {
    let started = Instant::now();
    let mut written = 0;
    let mut n = 0;
    while written < bulk {
        let size = batch.min(bulk - written);
        let agg = format!("bulk-{n}");
        let events: Vec<_> = (1..=size).map(|s| event(&agg, s)).collect();
        if let Err(e) = repo.persist::<Jeugdige>(&events, None).await {
            eprintln!("peer bulk append failed: {e}");
            std::process::exit(1);
        }
        written += size;
        n += 1;
    }
    report(backend, "bulk", written, started.elapsed(), None);

    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let repo = repo.clone();
        handles.push(tokio::spawn(async move {
            let agg = format!("conc-{t}");
            let mut lat = Vec::with_capacity(per_task);
            for s in 1..=per_task {
                let t0 = Instant::now();
                if let Err(e) = repo.persist::<Jeugdige>(&[event(&agg, s)], None).await {
                    eprintln!("peer single append failed: {e}");
                    std::process::exit(1);
                }
                lat.push(t0.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        match h.await {
            Ok(l) => all.extend(l),
            Err(e) => {
                eprintln!("task failed: {e}");
                std::process::exit(1);
            }
        }
    }
    let elapsed = started.elapsed();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| all[((all.len() as f64 - 1.0) * p).round() as usize];
    report(backend, "concurrent", all.len(), elapsed, Some((pct(0.5), pct(0.99))));
}

const SQLITE_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS events (aggregate_type text NOT NULL, aggregate_id text NOT NULL, sequence integer CHECK (sequence >= 0) NOT NULL, event_type text NOT NULL, event_version text NOT NULL, payload text NOT NULL, metadata text NOT NULL, PRIMARY KEY (aggregate_type, aggregate_id, sequence)) STRICT; CREATE TABLE IF NOT EXISTS snapshots (aggregate_type text NOT NULL, aggregate_id text NOT NULL, last_sequence integer NOT NULL, current_snapshot integer NOT NULL, payload text NOT NULL, PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)) STRICT;";
const PG_SCHEMA: &str = "DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS snapshots; CREATE TABLE events (aggregate_type text NOT NULL, aggregate_id text NOT NULL, sequence bigint CHECK (sequence >= 0) NOT NULL, event_type text NOT NULL, event_version text NOT NULL, payload json NOT NULL, metadata json NOT NULL, PRIMARY KEY (aggregate_type, aggregate_id, sequence)); CREATE TABLE snapshots (aggregate_type text NOT NULL, aggregate_id text NOT NULL, last_sequence bigint NOT NULL, current_snapshot bigint NOT NULL, payload json NOT NULL, PRIMARY KEY (aggregate_type, aggregate_id, last_sequence));";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: {} <sqlite-path|postgres-url> <bulk-events> <batch> <tasks> <per-task>", args[0]);
        std::process::exit(2);
    }
    let num = |i: usize| -> usize {
        args[i].parse().unwrap_or_else(|_| {
            eprintln!("argument {i} is not a number: {}", args[i]);
            std::process::exit(2)
        })
    };
    let (bulk, batch, tasks, per_task) = (num(2), num(3), num(4), num(5));
    let target = &args[1];
    if target.starts_with("postgres") {
        let pool = postgres_es::default_postgress_pool(target).await;
        if let Err(e) = sqlx::raw_sql(PG_SCHEMA).execute(&pool).await {
            eprintln!("schema: {e}");
            std::process::exit(1);
        }
        let repo = std::sync::Arc::new(postgres_es::PostgresEventRepository::new(pool));
        run("postgres", repo, bulk, batch, tasks, per_task).await;
    } else {
        let _ = std::fs::remove_file(target);
        // Same durability as kringloop's SQLite store: WAL with synchronous=FULL.
        let options = match SqliteConnectOptions::from_str(&format!("sqlite://{target}")) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("bad path: {e}");
                std::process::exit(2);
            }
        }
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(30));
        let pool = match SqlitePoolOptions::new().max_connections(10).connect_with(options).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("open: {e}");
                std::process::exit(1);
            }
        };
        if let Err(e) = sqlx::raw_sql(SQLITE_SCHEMA).execute(&pool).await {
            eprintln!("schema: {e}");
            std::process::exit(1);
        }
        let repo = std::sync::Arc::new(sqlite_es::SqliteEventRepository::new(pool));
        run("sqlite", repo, bulk, batch, tasks, per_task).await;
    }
}

impl std::error::Error for NoError {}
