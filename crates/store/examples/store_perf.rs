//! Quick throughput check of the store (not the benchmark suite; see `crates/bench`).
//!
//! `cargo run --release -p kringloop-store --example store_perf -- [sqlite-path|postgres-url] [events]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use kringloop_events::NewEvent;
use kringloop_store::{AppendOptions, EventStore};
use uuid::Uuid;

fn event(i: usize) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "PlaatsingGestart".to_owned(),
        schema_version: 1,
        payload: format!(
            r#"{{"jeugdige":"J{i:08}","voorziening":"HZN-HARREVELD","datum":"2025-03-01","spoed":false,"woonsituatie":"thuis","gemeente":"GM0599"}}"#
        ),
        valid_date: chrono::NaiveDate::from_ymd_opt(2025, 3, 1),
        recorded_by: "bench".to_owned(),
        source: "demo".to_owned(),
        correlation_id: None,
        causation_id: None,
    }
}

/// CPU seconds this process used so far (utime + stime), to tell our cost from the
/// machine's load.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let target = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "/tmp/kl-perf.db".to_owned());
    let total: usize = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    // `PHASES=verify` re-verifies an existing log without writing.
    let phases = std::env::var("PHASES").unwrap_or_else(|_| "bulk,verify,concurrent".to_owned());
    if phases.contains("bulk") && !target.starts_with("postgres") {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{target}{suffix}"));
        }
    }
    // `SYNC=normal` measures SQLite without a durable commit, to see the fsync share.
    let store: Arc<dyn EventStore> = if std::env::var("SYNC").as_deref() == Ok("normal") {
        let config = kringloop_store::sqlite::SqliteConfig {
            durability: kringloop_store::sqlite::Durability::Normal,
            ..Default::default()
        };
        Arc::new(kringloop_store::sqlite::SqliteStore::open_with(&target, config).await?)
    } else {
        kringloop_store::open(&target).await?
    };
    let base = store.head_position().await?;

    let batch = 1000;
    if phases.contains("bulk") {
        let t = Instant::now();
        let c = cpu_secs();
        let mut i = 0;
        while i < total {
            let events: Vec<NewEvent> = (i..(i + batch).min(total)).map(event).collect();
            i += events.len();
            store
                .append(&format!("s{}", i % 1000), events, AppendOptions::default())
                .await?;
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{} bulk append: {total} events in {secs:.2}s = {:.0} events/s (cpu {:.2}s)",
            store.backend(),
            total as f64 / secs,
            cpu_secs() - c
        );
    }

    let t = Instant::now();
    let c = cpu_secs();
    let report = store.verify().await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} verify: {} events in {secs:.2}s = {:.0} events/s, ok={} (cpu {:.2}s)",
        store.backend(),
        report.checked,
        report.checked as f64 / secs,
        report.failure.is_none(),
        cpu_secs() - c
    );

    if !phases.contains("concurrent") {
        return Ok(());
    }
    // 32 tasks, single-event appends, for a few seconds.
    let deadline = Instant::now() + Duration::from_secs(5);
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..32 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let s = Instant::now();
                store
                    .append(&format!("c{w}"), vec![event(w)], AppendOptions::default())
                    .await?;
                lat.push(s.elapsed());
            }
            Ok::<_, kringloop_store::StoreError>(lat)
        }));
    }
    let mut lat = Vec::new();
    for task in tasks {
        lat.extend(task.await??);
    }
    let secs = t.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "{} 32 concurrent single appends: {} in {secs:.2}s = {:.0} events/s, p50 {:?}, p99 {:?}",
        store.backend(),
        lat.len(),
        lat.len() as f64 / secs,
        pct(0.5),
        pct(0.99)
    );
    println!("head {}", store.head_position().await? - base);
    store.close().await?;
    Ok(())
}
