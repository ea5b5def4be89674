//! The demo generator: determinism, recorded-time order, sensible stream order, volumes,
//! and writing into a real (SQLite) store.

use std::collections::{HashMap, HashSet};

use kringloop_demo::{DemoConfig, DemoSummary, Scope, generate, write_to_store};
use kringloop_events::Gebeurtenis;

fn eerste(config: &DemoConfig, n: usize) -> Vec<kringloop_demo::DemoEvent> {
    generate(config).expect("valid config").take(n).collect()
}

fn tel(config: &DemoConfig) -> DemoSummary {
    let mut s = DemoSummary::default();
    for e in generate(config).expect("valid config") {
        s.count(&e);
    }
    s
}

#[test]
fn same_seed_same_history_other_seed_other_history() {
    let a = DemoConfig::default();
    assert_eq!(
        eerste(&a, 10_000),
        eerste(&a, 10_000),
        "same seed, same first 10,000 events (ids included)"
    );
    assert_eq!(tel(&a), tel(&a), "same seed, same counts");
    let b = DemoConfig {
        seed: a.seed + 1,
        ..a.clone()
    };
    assert_ne!(eerste(&a, 10_000), eerste(&b, 10_000));
    assert_ne!(tel(&a), tel(&b));
}

#[test]
fn recorded_time_never_decreases_and_streams_make_sense() {
    let mut vorige = None;
    let mut geregistreerd: HashSet<String> = HashSet::new();
    let mut voorzieningen: HashSet<String> = HashSet::new();
    let mut ids: HashSet<uuid::Uuid> = HashSet::new();
    let mut per_stream: HashMap<String, Vec<uuid::Uuid>> = HashMap::new();
    let mut late = 0u64;
    let mut n = 0u64;
    for e in generate(&DemoConfig::default()).expect("valid config") {
        n += 1;
        if let Some(v) = vorige {
            assert!(e.recorded_at >= v, "recorded_at decreases at {e:?}");
        }
        vorige = Some(e.recorded_at);
        assert!(ids.insert(e.event_id), "duplicate event id {}", e.event_id);
        assert_eq!(e.source, "demo");
        if let Some(natural) = e.fact.natural_stream() {
            assert_eq!(natural, e.stream, "fact in the wrong stream");
        }
        match &e.fact {
            Gebeurtenis::JeugdigeGeregistreerd(_) => {
                assert!(
                    geregistreerd.insert(e.stream.clone()),
                    "youth registered twice"
                );
            }
            Gebeurtenis::VoorzieningGeregistreerd(v) => {
                voorzieningen.insert(v.id.clone());
            }
            Gebeurtenis::PlaatsingGestart(p) => {
                assert!(
                    geregistreerd.contains(&e.stream),
                    "placement before registration"
                );
                assert!(
                    voorzieningen.contains(&p.voorziening),
                    "placement into unknown facility"
                );
                let dagen = (e.recorded_at.date_naive() - p.datum).num_days();
                if dagen >= 14 {
                    late += 1;
                }
            }
            Gebeurtenis::Doorgeplaatst(_)
            | Gebeurtenis::PlaatsingBeeindigd(_)
            | Gebeurtenis::MachtigingAfgegeven(_)
            | Gebeurtenis::WoongemeenteGewijzigd(_) => {
                assert!(
                    geregistreerd.contains(&e.stream),
                    "youth fact before registration: {e:?}"
                );
            }
            Gebeurtenis::FeitGecorrigeerd(c) => {
                let eerder = per_stream
                    .get(&e.stream)
                    .is_some_and(|ids| ids.contains(&c.vervangt));
                assert!(eerder, "correction of an event not earlier in its stream");
            }
            Gebeurtenis::FeitIngetrokken(i) => {
                let eerder = per_stream
                    .get(&e.stream)
                    .is_some_and(|ids| ids.contains(&i.event_id));
                assert!(eerder, "retraction of an event not earlier in its stream");
            }
            _ => {}
        }
        per_stream
            .entry(e.stream.clone())
            .or_default()
            .push(e.event_id);
    }
    assert!(n > 20_000, "{n} events");
    assert!(late > 100, "late registrations: {late}");
}

#[test]
fn data_problems_are_present_and_can_be_switched_off() {
    let met = tel(&DemoConfig::default());
    assert!(met.correcties > 50, "{met:?}");
    assert!(met.intrekkingen > 5, "{met:?}");
    let zonder = tel(&DemoConfig {
        data_problems: false,
        ..DemoConfig::default()
    });
    assert_eq!(zonder.correcties, 0);
    assert_eq!(zonder.intrekkingen, 0);
}

#[test]
fn landscape_has_42_regions_52_zuid_west_gemeenten_and_every_form() {
    let config = DemoConfig {
        scope: Scope::AllResidential,
        scale: 0.05,
        to_year: 2019,
        ..DemoConfig::default()
    };
    let mut regios = 0;
    let mut zuid_west = 0;
    let mut synthetisch = 0;
    let mut vormen = HashSet::new();
    for e in generate(&config).expect("valid config") {
        match &e.fact {
            Gebeurtenis::JeugdregioGeregistreerd(_) => regios += 1,
            Gebeurtenis::GemeenteGeregistreerd(g) => {
                if g.code.starts_with("GM9") {
                    synthetisch += 1;
                } else {
                    zuid_west += 1;
                }
            }
            Gebeurtenis::VoorzieningGeregistreerd(v) => {
                vormen.insert((v.vorm, v.regime));
            }
            _ => {}
        }
    }
    assert_eq!(regios, 42);
    assert_eq!(zuid_west, 52);
    assert!(synthetisch > 100);
    for v in kringloop_events::Vorm::ALL {
        assert!(vormen.iter().any(|x| x.0 == v), "no facility of form {v}");
    }
}

#[test]
fn bad_configs_are_refused() {
    assert!(
        generate(&DemoConfig {
            scale: 0.0,
            ..DemoConfig::default()
        })
        .is_err()
    );
    assert!(
        generate(&DemoConfig {
            scale: f64::NAN,
            ..DemoConfig::default()
        })
        .is_err()
    );
    assert!(
        generate(&DemoConfig {
            from_year: 2027,
            to_year: 2026,
            ..DemoConfig::default()
        })
        .is_err()
    );
    assert!("all-residential".parse::<Scope>().is_ok());
    assert!("gesloten".parse::<Scope>().is_ok());
    assert!("alles".parse::<Scope>().is_err());
}

#[tokio::test]
async fn writes_a_history_into_sqlite_with_its_recorded_times() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo.db");
    let store = kringloop_store::open(&path.to_string_lossy())
        .await
        .expect("open store");
    let config = DemoConfig {
        scale: 0.1,
        from_year: 2019,
        to_year: 2020,
        ..DemoConfig::default()
    };
    let verwacht = tel(&config);
    let mut gemeld = 0;
    let summary = write_to_store(
        store.as_ref(),
        generate(&config).expect("valid"),
        256,
        |n| gemeld = n,
    )
    .await
    .expect("write");
    assert_eq!(summary.events, verwacht.events);
    assert_eq!(gemeld, verwacht.events);
    assert_eq!(
        store.head_position().await.expect("head"),
        verwacht.events as i64
    );
    // Each batch is recorded at its last event's time: at most an hour later than
    // generated, never earlier, and in the same order.
    let opgeslagen = store.read_all(0, 100_000).await.expect("read");
    let gegenereerd: Vec<_> = generate(&config).expect("valid").collect();
    assert_eq!(opgeslagen.len(), gegenereerd.len());
    for (o, g) in opgeslagen.iter().zip(&gegenereerd) {
        assert_eq!(o.event_id, g.event_id);
        assert_eq!(o.stream, g.stream);
        let verschil = o.recorded_at - g.recorded_at;
        assert!(
            verschil >= chrono::Duration::zero() && verschil < chrono::Duration::hours(1),
            "{verschil}"
        );
    }
    let report = store.verify().await.expect("verify");
    println!("{summary:?}\n{report:?}");
}
