//! The projection runner on both backends: catch-up on start, following new events
//! (with and without a nudge, measured against the one-second promise), read-your-writes,
//! rebuild, subscribers, two runners on one database, shutdown.
//!
//! Every test body is written once against `Arc<dyn EventStore>` and instantiated for
//! both backends by `both_backends!` (`sqlite::<name>` and `postgres::<name>`), as in
//! `store.rs`. PostgreSQL: `KRINGLOOP_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), one fresh database per test, dropped
//! afterwards; unreachable server: skip loudly, or fail when `CI=true`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use kringloop_tests::{PgDbGuard, fresh_pg_database};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use kringloop_demo::{DemoConfig, Scope, generate, write_to_store};
use kringloop_events::{
    AanbiederGeregistreerd, Gebeurtenis, GemeenteGeregistreerd, Geslacht, JeugdigeGeregistreerd,
    JeugdregioGeregistreerd, LandsdeelGeregistreerd, NewEvent, PlaatsenGeopend, PlaatsingGestart,
    RecordedEvent, Regime, Verblijfplaats, VoorzieningGeregistreerd, Vorm, jeugdige_stream,
};
use kringloop_projections::{Filter, KpiReport, Periode, Projection, Query};
use kringloop_runner::{Runner, RunnerOptions};
use kringloop_store::{AppendOptions, AppendResult, EventStore};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

struct Harness {
    store: Arc<dyn EventStore>,
    url: String,
    _dir: Option<tempfile::TempDir>,
    _guard: Option<PgDbGuard>,
}

impl Harness {
    async fn sqlite() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("events.db").to_str().unwrap().to_owned();
        let store = kringloop_store::open(&url).await.unwrap();
        Harness {
            store,
            url,
            _dir: Some(dir),
            _guard: None,
        }
    }

    /// `None`: PostgreSQL is not reachable and we are not in CI, so skip.
    async fn postgres(test: &str) -> Option<Harness> {
        let (url, guard) = fresh_pg_database(test).await?;
        let store = kringloop_store::open(&url).await.unwrap();
        Some(Harness {
            store,
            url,
            _dir: None,
            _guard: Some(guard),
        })
    }

    fn store(&self) -> Arc<dyn EventStore> {
        Arc::clone(&self.store)
    }

    async fn cleanup(self) {
        let _ = self.store.close().await;
    }
}

kringloop_tests::both_backends!(
    &mut Harness;
    catch_up_reproduces_a_direct_projection,
    new_event_shows_up_within_a_second_without_nudge,
    new_event_shows_up_within_a_second_with_nudge,
    wait_for_gives_read_your_writes,
    rebuild_gives_identical_kpis_and_keeps_following,
    subscriber_receives_the_applied_range,
    two_runners_on_one_database_converge,
    shutdown_stops_following,
);

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn opts() -> RunnerOptions {
    RunnerOptions {
        batch: 500,
        poll_interval: Duration::from_millis(100),
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn new_event(g: &Gebeurtenis) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: g.event_type().to_owned(),
        schema_version: g.schema_version(),
        payload: g.payload_json(),
        valid_date: g.valid_date(),
        recorded_by: "registrar:test".to_owned(),
        source: "api".to_owned(),
        correlation_id: None,
        causation_id: None,
    }
}

async fn append(store: &dyn EventStore, stream: &str, facts: &[Gebeurtenis]) -> AppendResult {
    store
        .append(
            stream,
            facts.iter().map(new_event).collect(),
            AppendOptions::default(),
        )
        .await
        .unwrap()
}

async fn append_fact(store: &dyn EventStore, g: Gebeurtenis) -> AppendResult {
    let stream = g.natural_stream().unwrap();
    append(store, &stream, &[g]).await
}

/// A small landscape of its own: one closed facility TEST-F1 with 10 places.
async fn landscape(store: &dyn EventStore) {
    append_fact(
        store,
        LandsdeelGeregistreerd {
            code: "TESTLAND".into(),
            naam: "Testland".into(),
        }
        .into(),
    )
    .await;
    append_fact(
        store,
        JeugdregioGeregistreerd {
            code: "TESTREGIO".into(),
            naam: "Testregio".into(),
            landsdeel: "TESTLAND".into(),
        }
        .into(),
    )
    .await;
    append_fact(
        store,
        GemeenteGeregistreerd {
            code: "GM9999".into(),
            naam: "Testdorp".into(),
            jeugdregio: "TESTREGIO".into(),
        }
        .into(),
    )
    .await;
    append_fact(
        store,
        AanbiederGeregistreerd {
            id: "TEST-A1".into(),
            naam: "Testaanbieder".into(),
        }
        .into(),
    )
    .await;
    append_fact(
        store,
        VoorzieningGeregistreerd {
            id: "TEST-F1".into(),
            aanbieder: "TEST-A1".into(),
            naam: "Testvoorziening".into(),
            gemeente: "GM9999".into(),
            vorm: Vorm::Groep,
            regime: Regime::Gesloten,
            datum: d(2024, 1, 1),
        }
        .into(),
    )
    .await;
    append_fact(
        store,
        PlaatsenGeopend {
            voorziening: "TEST-F1".into(),
            datum: d(2024, 1, 1),
            aantal: 10,
        }
        .into(),
    )
    .await;
}

/// A new youth placed in TEST-F1 on 2025-03-03: one append of two events.
async fn place_youth(store: &dyn EventStore, name: &str) -> AppendResult {
    append(
        store,
        &jeugdige_stream(name),
        &[
            JeugdigeGeregistreerd {
                pseudoniem: name.into(),
                geboortejaar: 2010,
                geslacht: Geslacht::Onbekend,
                woongemeente: "GM9999".into(),
                datum: d(2025, 3, 1),
            }
            .into(),
            PlaatsingGestart {
                voorziening: "TEST-F1".into(),
                datum: d(2025, 3, 3),
                spoed: false,
                crisis: false,
                verblijf_voor: Verblijfplaats::Thuis,
                verzoek: None,
                overbrugging: false,
            }
            .into(),
        ],
    )
    .await
}

/// Occupancy of TEST-F1 on 2025-04-01 as the runner sees it.
async fn bezetting(runner: &Runner) -> i64 {
    let q = Query::new(Periode::kwartaal(2025, 1).unwrap()).filter(Filter {
        voorziening: Some("TEST-F1".into()),
        ..Filter::default()
    });
    runner.read(|p| p.bezetting(&q).waarde.of_nul()).await
}

/// Polls the runner's KPI until it reaches `want`; returns how long that took.
async fn time_until_bezetting(runner: &Runner, want: i64, since: Instant) -> Duration {
    loop {
        if bezetting(runner).await >= want {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "the new placement did not show up within 5 s (position {}, head {})",
            runner.position(),
            runner.store_head()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn all_events(store: &dyn EventStore) -> Vec<RecordedEvent> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_all(after, 5_000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.position;
        out.extend(page);
    }
    out
}

/// A realistic small history from the project's generator (closed youth care, a tenth
/// of the country, two years, with late registrations, corrections and retractions).
async fn demo_history(store: &dyn EventStore) -> u64 {
    let config = DemoConfig {
        scope: Scope::JeugdzorgPlus,
        scale: 0.1,
        from_year: 2023,
        to_year: 2024,
        ..DemoConfig::default()
    };
    let summary = write_to_store(store, generate(&config).unwrap(), 512, |_| {})
        .await
        .unwrap();
    assert!(summary.events > 1_000, "{summary:?}");
    summary.events
}

fn queries() -> Vec<Query> {
    let k: DateTime<Utc> = "2024-06-30T00:00:00Z".parse().unwrap();
    let q3 = Periode::kwartaal(2024, 3).unwrap();
    vec![
        Query::new(Periode::kwartaal(2024, 1).unwrap()),
        Query::new(q3),
        Query::new(q3).filter(Filter {
            regime: Some(Regime::Gesloten),
            ..Filter::default()
        }),
        Query::new(Periode::jaar(2023).unwrap()).known_at(k),
        Query::new(Periode::kwartaal(2024, 2).unwrap()).known_at(k),
    ]
}

async fn kpis_of(runner: &Runner) -> Vec<KpiReport> {
    let qs = queries();
    runner
        .read(|p| qs.iter().map(|q| p.kpis(q)).collect())
        .await
}

// ---------------------------------------------------------------------------------------
// Test bodies (once, for both backends)
// ---------------------------------------------------------------------------------------

async fn catch_up_reproduces_a_direct_projection(h: &mut Harness) {
    let store = h.store();
    let n = demo_history(store.as_ref()).await;
    // An event the projection cannot decode: reported and counted, not fatal.
    let bad = NewEvent {
        payload: r#"{"onzin": true}"#.to_owned(),
        event_type: "PlaatsingGestart".to_owned(),
        ..new_event(
            &PlaatsingGestart {
                voorziening: "X".into(),
                datum: d(2024, 1, 1),
                spoed: false,
                crisis: false,
                verblijf_voor: Verblijfplaats::Thuis,
                verzoek: None,
                overbrugging: false,
            }
            .into(),
        )
    };
    store
        .append(
            &jeugdige_stream("kapot"),
            vec![bad],
            AppendOptions::default(),
        )
        .await
        .unwrap();
    let head = store.head_position().await.unwrap();
    assert_eq!(head as u64, n + 1);

    let runner = Runner::start(store.clone(), opts()).await.unwrap();
    assert_eq!(runner.position(), head, "caught up fully before returning");
    assert_eq!(runner.store_head(), head);
    assert_eq!(runner.lag(), 0);
    assert_eq!(runner.read(|p| p.position()).await, head);
    let c = runner.last_catch_up().expect("start records its catch-up");
    assert_eq!(c.events, head as u64);
    assert!(
        c.fold_busy_secs > 0.0 && c.fold_busy_secs <= c.secs,
        "{c:?}"
    );

    let events = all_events(store.as_ref()).await;
    let (direct, direct_errors) = Projection::rebuild(&events);
    assert_eq!(runner.error_count(), direct_errors.len() as u64);
    assert!(
        runner
            .errors()
            .iter()
            .any(|e| e.position == head && e.event_type == "PlaatsingGestart"),
        "{:?}",
        runner.errors()
    );
    let from_runner = kpis_of(&runner).await;
    let qs = queries();
    for (q, got) in qs.iter().zip(&from_runner) {
        assert_eq!(*got, direct.kpis(q), "KPIs differ for {q:?}");
    }
    // The single-threaded page fold (`kringloop kpi`) gives the same figures and errors.
    let mut paged = Projection::new();
    let mut page_errors = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_for_fold(after, 997).await.unwrap();
        let Some(last) = page.last_position() else {
            break;
        };
        after = last;
        page_errors.extend(kringloop_runner::fold_page(&mut paged, &page));
    }
    assert_eq!(page_errors.len(), direct_errors.len());
    assert!(
        page_errors.iter().any(|e| e.position == head),
        "{page_errors:?}"
    );
    for q in &qs {
        assert_eq!(paged.kpis(q), direct.kpis(q), "page fold differs for {q:?}");
    }
    // Not all zero: the comparison means something.
    assert!(
        from_runner[1]
            .plaatsingen
            .waarde
            .exclusief_doorplaatsingen
            .of_nul()
            > 0
    );
    runner.shutdown().await;
}

async fn new_event_shows_up_within_a_second(h: &mut Harness, nudge: bool) {
    let store = h.store();
    landscape(store.as_ref()).await;
    let runner = Runner::start(store.clone(), opts()).await.unwrap();
    assert_eq!(bezetting(&runner).await, 0);
    let mut worst = Duration::ZERO;
    for i in 1..=5 {
        // Spread the appends over the poll cycle.
        tokio::time::sleep(Duration::from_millis(37 * i)).await;
        let t0 = Instant::now();
        place_youth(store.as_ref(), &format!("J{i}")).await;
        if nudge {
            runner.nudge();
        }
        let took = time_until_bezetting(&runner, i as i64, t0).await;
        worst = worst.max(took);
    }
    eprintln!(
        "{}: new event visible in the runner's KPIs after at most {:.1} ms ({})",
        store.backend(),
        worst.as_secs_f64() * 1e3,
        if nudge { "nudged" } else { "polling" }
    );
    assert!(worst < Duration::from_secs(1), "took {worst:?}");
    runner.shutdown().await;
}

async fn new_event_shows_up_within_a_second_without_nudge(h: &mut Harness) {
    new_event_shows_up_within_a_second(h, false).await;
}

async fn new_event_shows_up_within_a_second_with_nudge(h: &mut Harness) {
    new_event_shows_up_within_a_second(h, true).await;
}

async fn wait_for_gives_read_your_writes(h: &mut Harness) {
    let store = h.store();
    landscape(store.as_ref()).await;
    // A long poll interval: only the nudge inside wait_for can make this fast.
    let runner = Runner::start(
        store.clone(),
        RunnerOptions {
            batch: 500,
            poll_interval: Duration::from_secs(30),
        },
    )
    .await
    .unwrap();
    let t0 = Instant::now();
    let r = place_youth(store.as_ref(), "RYW").await;
    assert!(
        runner
            .wait_for(r.last_position, Duration::from_secs(1))
            .await
    );
    assert!(
        t0.elapsed() < Duration::from_millis(500),
        "{:?}",
        t0.elapsed()
    );
    assert!(runner.position() >= r.last_position);
    assert_eq!(bezetting(&runner).await, 1, "read-your-writes");
    // Already there: immediate.
    assert!(runner.wait_for(r.first_position, Duration::ZERO).await);
    // A position nobody wrote: times out.
    let t1 = Instant::now();
    assert!(
        !runner
            .wait_for(r.last_position + 1_000, Duration::from_millis(200))
            .await
    );
    assert!(t1.elapsed() >= Duration::from_millis(200));
    runner.shutdown().await;
}

async fn rebuild_gives_identical_kpis_and_keeps_following(h: &mut Harness) {
    let store = h.store();
    demo_history(store.as_ref()).await;
    let runner = Runner::start(store.clone(), opts()).await.unwrap();
    let before = kpis_of(&runner).await;

    // Nothing new: the rebuilt projection gives exactly the same figures (meta included).
    runner.rebuild().await.unwrap();
    assert_eq!(kpis_of(&runner).await, before);
    assert_eq!(runner.position(), store.head_position().await.unwrap());

    // Appends while rebuilding: the swapped-in projection must include exactly what the
    // live one had applied, and the follow task must go on afterwards.
    landscape(store.as_ref()).await;
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..5 {
                place_youth(store.as_ref(), &format!("R{i}")).await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    runner.rebuild().await.unwrap();
    writer.await.unwrap();
    let head = store.head_position().await.unwrap();
    assert!(runner.wait_for(head, Duration::from_secs(2)).await);
    assert_eq!(runner.read(|p| p.position()).await, head);
    assert_eq!(bezetting(&runner).await, 5);

    // Identical to a fresh fold of the whole log.
    let events = all_events(store.as_ref()).await;
    let (direct, _) = Projection::rebuild(&events);
    let mut qs = queries();
    qs.push(Query::new(Periode::kwartaal(2025, 1).unwrap()));
    let live: Vec<KpiReport> = runner
        .read(|p| qs.iter().map(|q| p.kpis(q)).collect())
        .await;
    for (q, got) in qs.iter().zip(&live) {
        assert_eq!(*got, direct.kpis(q), "KPIs differ for {q:?}");
    }
    // Figures as known before the appends did not move.
    let k = before[3].meta.kennis;
    assert!(k.is_some());
    assert_eq!(live[3], before[3]);
    runner.shutdown().await;
}

async fn subscriber_receives_the_applied_range(h: &mut Harness) {
    let store = h.store();
    landscape(store.as_ref()).await;
    let runner = Runner::start(store.clone(), opts()).await.unwrap();
    let mut rx = runner.subscribe();
    let a = place_youth(store.as_ref(), "S1").await;
    let b = place_youth(store.as_ref(), "S2").await;
    runner.nudge();
    let mut seen = Vec::new();
    let mut expected_from = a.first_position;
    while seen.last().copied().unwrap_or(0) < b.last_position {
        let applied = tokio::time::timeout(Duration::from_secs(2), rx.recv())
            .await
            .expect("an Applied within 2 s")
            .unwrap();
        assert_eq!(applied.from, expected_from, "ranges are contiguous");
        assert!(applied.to >= applied.from);
        let positions: Vec<i64> = applied.events.iter().map(|e| e.position).collect();
        assert_eq!(
            positions,
            (applied.from..=applied.to).collect::<Vec<_>>(),
            "the events of the range, in order"
        );
        expected_from = applied.to + 1;
        seen.extend(positions);
    }
    assert_eq!(
        seen,
        (a.first_position..=b.last_position).collect::<Vec<_>>()
    );
    // The figures already include what was announced.
    assert_eq!(bezetting(&runner).await, 2);
    runner.shutdown().await;
}

async fn two_runners_on_one_database_converge(h: &mut Harness) {
    let store = h.store();
    landscape(store.as_ref()).await;
    // A second "process": its own connections to the same file / database.
    let other_store = kringloop_store::open(&h.url).await.unwrap();
    let one = Runner::start(store.clone(), opts()).await.unwrap();
    let two = Runner::start(other_store.clone(), opts()).await.unwrap();
    // Writes through both, nudging only the local runner, as `serve` would.
    for i in 0..3 {
        place_youth(store.as_ref(), &format!("P{i}")).await;
        one.nudge();
        place_youth(other_store.as_ref(), &format!("Q{i}")).await;
        two.nudge();
    }
    let head = store.head_position().await.unwrap();
    let t0 = Instant::now();
    assert!(one.wait_for(head, Duration::from_secs(1)).await);
    assert!(two.wait_for(head, Duration::from_secs(1)).await);
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert_eq!(bezetting(&one).await, 6);
    assert_eq!(bezetting(&two).await, 6);
    let q = Query::new(Periode::kwartaal(2025, 1).unwrap());
    assert_eq!(
        one.read(|p| p.kpis(&q)).await,
        two.read(|p| p.kpis(&q)).await
    );
    one.shutdown().await;
    two.shutdown().await;
    other_store.close().await.unwrap();
}

async fn shutdown_stops_following(h: &mut Harness) {
    let store = h.store();
    landscape(store.as_ref()).await;
    let runner = Runner::start(store.clone(), opts()).await.unwrap();
    let clone = runner.clone();
    let position = runner.position();
    runner.shutdown().await;
    let r = place_youth(store.as_ref(), "NA").await;
    clone.nudge();
    assert!(
        !clone
            .wait_for(r.last_position, Duration::from_millis(400))
            .await
    );
    assert_eq!(clone.position(), position);
    // The last figures stay readable.
    assert_eq!(bezetting(&clone).await, 0);
    assert!(runner.rebuild().await.is_err(), "no rebuild after shutdown");
}
