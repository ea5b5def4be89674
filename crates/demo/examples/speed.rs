//! Generation speed and volumes per year, then writing speed. Run in release:
//! `cargo run --release -p kringloop-demo --example speed`
//! (environment: `DEMO_ALLEEN_SCHRIJVEN=1` skips the volumes, `DEMO_TOT`, `DEMO_SCALE`,
//! `KRINGLOOP_SNELHEID_PG_URL` for PostgreSQL; see `writing_into_store_speed`).

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::Datelike;
use kringloop_demo::{DemoConfig, DemoSummary, Scope, generate};
use kringloop_events::Gebeurtenis;

fn tally(config: &DemoConfig) -> DemoSummary {
    let start = Instant::now();
    let mut s = DemoSummary::default();
    // year → (events recorded, placements started, doorplaatsingen, ends, youths registered)
    let mut jaren: BTreeMap<i32, [u64; 5]> = BTreeMap::new();
    for e in generate(config).expect("valid config") {
        s.count(&e);
        let j = jaren.entry(e.recorded_at.year()).or_default();
        j[0] += 1;
        match &e.fact {
            Gebeurtenis::PlaatsingGestart(_) => j[1] += 1,
            Gebeurtenis::Doorgeplaatst(_) => j[2] += 1,
            Gebeurtenis::PlaatsingBeeindigd(_) => j[3] += 1,
            Gebeurtenis::JeugdigeGeregistreerd(_) => j[4] += 1,
            _ => {}
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:?} scale {}: {} events in {secs:.2} s = {:.0} events/s",
        config.scope,
        config.scale,
        s.events,
        s.events as f64 / secs
    );
    println!(
        "year: events / placements started / doorplaatsingen / ends / youths registered (by recorded year)"
    );
    for (j, x) in jaren {
        println!(
            "  {j}: {} / {} / {} / {} / {}",
            x[0], x[1], x[2], x[3], x[4]
        );
    }
    println!("{:#?}", s.per_type);
    s
}

fn generation_speed_and_volumes() {
    tally(&DemoConfig::default());
    let alles = DemoConfig {
        scope: Scope::AllResidential,
        ..DemoConfig::default()
    };
    tally(&alles);
    // Places and youths in care per form on a few dates.
    let events: Vec<_> = generate(&alles).expect("valid").collect();
    let m = kringloop_demo::measure(&events);
    for y in [2019, 2023, 2026] {
        let d = chrono::NaiveDate::from_ymd_opt(y, 7, 1).expect("date");
        println!("{d}: (vorm, regime) → (plaatsen, jeugdigen)");
        let mut totaal = (0, 0);
        for (k, v) in m.per_vorm(d) {
            println!("  {}/{}: {:?}", k.0, k.1, v);
            totaal.0 += v.0;
            totaal.1 += v.1;
        }
        println!("  totaal: {totaal:?}");
    }
}

/// Writes the all-residential history 2019–`DEMO_TOT` (default 2026) the way
/// `kringloop demo` does (batches of 20,000 events; SQLite with `synchronous=NORMAL`),
/// into a fresh SQLite file or, with `KRINGLOOP_SNELHEID_PG_URL`, into that (empty,
/// throw-away) PostgreSQL database. `DEMO_SCALE` scales the volume (default 1).
async fn writing_into_store_speed() {
    use kringloop_demo::write_to_store;
    let env = |naam: &str| std::env::var(naam).ok();
    let jaren: i32 = env("DEMO_TOT").and_then(|s| s.parse().ok()).unwrap_or(2026);
    let scale: f64 = env("DEMO_SCALE")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let dir = tempfile::tempdir().expect("tempdir");
    let store: std::sync::Arc<dyn kringloop_store::EventStore> =
        match env("KRINGLOOP_SNELHEID_PG_URL") {
            Some(url) => kringloop_store::open(&url).await.expect("open store"),
            None => {
                let config = kringloop_store::sqlite::SqliteConfig {
                    durability: kringloop_store::sqlite::Durability::Normal,
                    ..Default::default()
                };
                std::sync::Arc::new(
                    kringloop_store::sqlite::SqliteStore::open_with(
                        dir.path().join("demo.db"),
                        config,
                    )
                    .await
                    .expect("open store"),
                )
            }
        };
    let config = DemoConfig {
        scope: Scope::AllResidential,
        to_year: jaren,
        scale,
        ..DemoConfig::default()
    };
    let start = Instant::now();
    let s = write_to_store(
        store.as_ref(),
        generate(&config).expect("valid"),
        env("KL_BATCH")
            .and_then(|s| s.parse().ok())
            .unwrap_or(20_000),
        |_| {},
    )
    .await
    .expect("write");
    let secs = start.elapsed().as_secs_f64();
    println!(
        "all-residential scale {scale} 2019–{jaren} into {}: {} events in {} appends, {secs:.1} s = {:.0} events/s",
        store.backend(),
        s.events,
        s.appends,
        s.events as f64 / secs
    );
    let t = Instant::now();
    let report = store.verify().await.expect("verify");
    println!(
        "verify: {} events, failure {:?}, {:.1} s",
        report.checked,
        report.failure,
        t.elapsed().as_secs_f64()
    );
    store.close().await.expect("close");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::var("DEMO_ALLEEN_SCHRIJVEN").is_err() {
        generation_speed_and_volumes();
    }
    writing_into_store_speed().await;
}
