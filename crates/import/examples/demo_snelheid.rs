//! Generation speed and volumes per year. Run in release:
//! `cargo run --release -p kringloop-import --example demo_snelheid`

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::Datelike;
use kringloop_events::Gebeurtenis;
use kringloop_import::demo::{DemoConfig, DemoSummary, Scope, generate};

fn meet(config: &DemoConfig) -> DemoSummary {
    let start = Instant::now();
    let mut s = DemoSummary::default();
    // year → (events recorded, placements started, doorplaatsingen, ends, youths registered)
    let mut jaren: BTreeMap<i32, [u64; 5]> = BTreeMap::new();
    for e in generate(config).expect("valid config") {
        s.tel(&e);
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
    meet(&DemoConfig::default());
    let alles = DemoConfig {
        scope: Scope::AllResidential,
        ..DemoConfig::default()
    };
    meet(&alles);
    // Places and youths in care per form on a few dates.
    let events: Vec<_> = generate(&alles).expect("valid").collect();
    let m = kringloop_import::demo::meet(&events);
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

async fn writing_into_sqlite_speed() {
    use kringloop_import::demo::write_to_store;
    let jaren: i32 = std::env::var("DEMO_TOT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2019);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo.db");
    let store = kringloop_store::open(&path.to_string_lossy())
        .await
        .expect("open store");
    let config = DemoConfig {
        scope: Scope::AllResidential,
        to_year: jaren,
        ..DemoConfig::default()
    };
    let start = Instant::now();
    let s = write_to_store(
        store.as_ref(),
        generate(&config).expect("valid"),
        512,
        |_| {},
    )
    .await
    .expect("write");
    let secs = start.elapsed().as_secs_f64();
    println!(
        "all-residential 2019–{jaren} into SQLite: {} events in {} appends, {secs:.1} s = {:.0} events/s",
        s.events,
        s.appends,
        s.events as f64 / secs
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    generation_speed_and_volumes();
    writing_into_sqlite_speed().await;
}
