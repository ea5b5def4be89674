//! Erasure and retention on a sealed SQLite store: the report, refusals, keys gone, the
//! chain untouched, and which youths the retention period lists.

use std::sync::Arc;

use chrono::NaiveDate;
use kringloop_events::personal::is_physical_youth_stream;
use kringloop_events::referentie::zuid_west_gebeurtenissen;
use kringloop_events::rules::AfwijzingCode;
use kringloop_events::*;
use kringloop_store::sqlite::SqliteStore;
use kringloop_store::{AppendOptions, EventStore};
use kringloop_vault::erasure::erase;
use kringloop_vault::retention;
use kringloop_vault::{MasterKey, SealedStore};
use uuid::Uuid;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

async fn put(store: &dyn EventStore, stream: &str, g: Gebeurtenis) {
    store
        .append(
            stream,
            vec![NewEvent {
                event_id: Uuid::now_v7(),
                event_type: g.event_type().to_owned(),
                schema_version: g.schema_version(),
                payload: g.payload_json(),
                valid_date: g.valid_date(),
                recorded_by: "test".into(),
                source: "test".into(),
                correlation_id: None,
                causation_id: None,
            }],
            AppendOptions::default(),
        )
        .await
        .expect("append");
}

async fn youth(store: &dyn EventStore, p: &str, registered: &str) {
    put(
        store,
        &jeugdige_stream(p),
        JeugdigeGeregistreerd {
            pseudoniem: p.into(),
            geboortejaar: 1990,
            geslacht: Geslacht::Onbekend,
            woongemeente: "GM0599".into(),
            datum: d(registered),
        }
        .into(),
    )
    .await;
}

async fn start(store: &dyn EventStore, p: &str, on: &str) {
    put(
        store,
        &jeugdige_stream(p),
        PlaatsingGestart {
            voorziening: "F1".into(),
            datum: d(on),
            spoed: false,
            crisis: false,
            verblijf_voor: Verblijfplaats::Thuis,
            verzoek: None,
            overbrugging: false,
        }
        .into(),
    )
    .await;
}

async fn end(store: &dyn EventStore, p: &str, on: &str) {
    put(
        store,
        &jeugdige_stream(p),
        PlaatsingBeeindigd {
            voorziening: None,
            datum: d(on),
            bestemming: Verblijfplaats::Thuis,
            reden: format!("reden van {p}"),
            reden_beeindiging: Some(RedenBeeindiging::VolgensPlan),
        }
        .into(),
    )
    .await;
}

/// A landscape with one facility and youths:
/// - OUD1: placed 2001-02-01 – 2001-06-01 (due on 2030-06-01 after 20 years);
/// - OUD2: registered 2001-01-01, never placed (due);
/// - LOOPT: placed 2001-02-01, still there (never due);
/// - TERUG: placed and ended in 2001, placed again 2002 and still there (never due);
/// - NIEUW: placed 2025-01-01 – 2026-01-01 (not due yet).
async fn world() -> (tempfile::TempDir, Arc<SealedStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let inner: Arc<dyn EventStore> = Arc::new(
        SqliteStore::open(dir.path().join("k.db"))
            .await
            .expect("open"),
    );
    let store = Arc::new(
        SealedStore::open(inner, &MasterKey::generate())
            .await
            .expect("vault"),
    );
    let s = store.as_ref();
    for g in zuid_west_gebeurtenissen() {
        let stream = g.natural_stream().expect("landscape stream");
        put(s, &stream, g).await;
    }
    put(
        s,
        "aanbieder-A1",
        AanbiederGeregistreerd {
            id: "A1".into(),
            naam: "Aanbieder A1".into(),
        }
        .into(),
    )
    .await;
    put(
        s,
        &voorziening_stream("F1"),
        VoorzieningGeregistreerd {
            id: "F1".into(),
            aanbieder: "A1".into(),
            naam: "Locatie F1".into(),
            gemeente: "GM0599".into(),
            vorm: Vorm::Groep,
            regime: Regime::Open,
            datum: d("2000-01-01"),
        }
        .into(),
    )
    .await;
    put(
        s,
        &voorziening_stream("F1"),
        PlaatsenGeopend {
            voorziening: "F1".into(),
            datum: d("2000-01-01"),
            aantal: 20,
        }
        .into(),
    )
    .await;
    youth(s, "OUD1", "2001-01-01").await;
    start(s, "OUD1", "2001-02-01").await;
    end(s, "OUD1", "2001-06-01").await;
    youth(s, "OUD2", "2001-01-01").await;
    youth(s, "LOOPT", "2001-01-01").await;
    start(s, "LOOPT", "2001-02-01").await;
    youth(s, "TERUG", "2001-01-01").await;
    start(s, "TERUG", "2001-02-01").await;
    end(s, "TERUG", "2001-03-01").await;
    start(s, "TERUG", "2002-02-01").await;
    youth(s, "NIEUW", "2025-01-01").await;
    start(s, "NIEUW", "2025-01-01").await;
    end(s, "NIEUW", "2026-01-01").await;
    (dir, store)
}

fn herkomst() -> Provenance {
    Provenance {
        recorded_by: "test".into(),
        source: "test".into(),
        correlation_id: None,
        causation_id: None,
    }
}

fn verzoek() -> JeugdigeGewist {
    JeugdigeGewist {
        grondslag: Wisgrondslag::VerzoekBetrokkene,
        verzocht_door: Verzoeker::Jeugdige,
        kenmerk: Some("AVG-1".into()),
    }
}

#[tokio::test]
async fn erase_reports_refuses_deletes_keys_and_keeps_the_chain() {
    let (_dir, store) = world().await;
    let before = store.verify().await.expect("verify");
    assert!(before.is_ok());
    let keys_before = store.inner().youth_keys().await.expect("keys").len();
    let oud1 = store
        .physical_stream("jeugdige-OUD1")
        .await
        .expect("name")
        .expect("has a key");

    let rapport = erase(
        &store,
        vec![
            ("jeugdige-OUD1".into(), verzoek()),
            ("jeugdige-OUD1".into(), verzoek()),
            ("jeugdige-ONBEKEND".into(), verzoek()),
            ("jeugdige-OUD2".into(), verzoek()),
        ],
        &herkomst(),
    )
    .await
    .expect("erase");
    assert_eq!(rapport.gewist, 2);
    assert_eq!(rapport.sleutels_verwijderd, 2);
    assert_eq!(rapport.opgeslagen.len(), 2);
    assert_eq!(rapport.opgeslagen[0], oud1);
    assert!(
        rapport
            .opgeslagen
            .iter()
            .all(|s| is_physical_youth_stream(s))
    );
    let refused: Vec<(usize, AfwijzingCode)> = rapport
        .geweigerd
        .iter()
        .map(|w| (w.verzoek, w.code))
        .collect();
    assert_eq!(
        refused,
        vec![
            (1, AfwijzingCode::JeugdigeGewist),
            (2, AfwijzingCode::OnbekendeJeugdige)
        ]
    );
    // The report never holds a pseudonym.
    let text = format!("{rapport:?}");
    assert!(!text.contains("OUD1") && !text.contains("OUD2") && !text.contains("ONBEKEND"));

    // Keys gone; the youth can no longer be found by its pseudonym.
    assert_eq!(
        store.inner().youth_keys().await.expect("keys").len(),
        keys_before - 2
    );
    assert!(
        store
            .inner()
            .youth_key_by_stream(&oud1)
            .await
            .expect("lookup")
            .is_none()
    );
    assert_eq!(
        store.physical_stream("jeugdige-OUD1").await.expect("name"),
        None
    );
    assert!(
        store
            .read_stream("jeugdige-OUD1", 0)
            .await
            .expect("read")
            .is_empty()
    );
    let erased = store.read_stream(&oud1, 0).await.expect("read");
    assert_eq!(erased.len(), 4);
    assert!(erased.iter().all(|e| !e.payload.contains("OUD1")));
    assert_eq!(erased[3].event_type, "JeugdigeGewist");

    // No hashed byte changed: the old head keeps its hash, the chain verifies.
    let after = store.verify().await.expect("verify");
    assert!(after.is_ok());
    assert_eq!(after.head_position, before.head_position + 2);
    let old_head = store
        .inner()
        .read_all(before.head_position - 1, 1)
        .await
        .expect("read");
    assert_eq!(hex_of(&old_head[0].hash), before.head_hash);

    // Again: by pseudonym nothing is known any more, by stored name it is erased.
    let again = erase(
        &store,
        vec![
            ("jeugdige-OUD1".into(), verzoek()),
            (oud1.clone(), verzoek()),
        ],
        &herkomst(),
    )
    .await
    .expect("erase");
    assert_eq!(again.gewist, 0);
    let codes: Vec<AfwijzingCode> = again.geweigerd.iter().map(|w| w.code).collect();
    assert_eq!(
        codes,
        vec![
            AfwijzingCode::OnbekendeJeugdige,
            AfwijzingCode::JeugdigeGewist
        ]
    );
}

fn hex_of(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn retention_lists_exactly_the_due_youths_and_erases_them() {
    let (_dir, store) = world().await;
    let mut expected = Vec::new();
    for (p, einde) in [("OUD1", "2001-06-01"), ("OUD2", "2001-01-01")] {
        let physical = store
            .physical_stream(&jeugdige_stream(p))
            .await
            .expect("name")
            .expect("key");
        expected.push((physical, d(einde)));
    }
    expected.sort();
    let peil = d("2030-06-01");

    // A day early nothing is due (OUD1 ended 2001-06-01, 20 years → 2021-06-01).
    let early = retention::run(&store, 20, d("2021-05-31"), true, &herkomst())
        .await
        .expect("dry run");
    let early: Vec<NaiveDate> = early.verlopen.iter().map(|v| v.einde).collect();
    assert_eq!(early, vec![d("2001-01-01")]);

    let dry = retention::run(&store, 20, peil, true, &herkomst())
        .await
        .expect("dry run");
    let listed: Vec<(String, NaiveDate)> = dry
        .verlopen
        .iter()
        .map(|v| (v.opgeslagen.clone(), v.einde))
        .collect();
    assert_eq!(listed, expected);
    assert!(dry.wissing.is_none());
    assert_eq!(store.inner().youth_keys().await.expect("keys").len(), 5);

    let run = retention::run(&store, 20, peil, false, &herkomst())
        .await
        .expect("run");
    let w = run.wissing.expect("erased");
    assert_eq!(w.gewist, 2);
    assert!(w.geweigerd.is_empty());
    let mut gewist = w.opgeslagen.clone();
    gewist.sort();
    assert_eq!(
        gewist,
        expected.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>()
    );
    assert_eq!(store.inner().youth_keys().await.expect("keys").len(), 3);
    // Recorded as a retention erasure.
    let fact = store.read_stream(&expected[0].0, 0).await.expect("read");
    let last = fact.last().expect("events");
    assert_eq!(
        Gebeurtenis::from_recorded(last).expect("decodes"),
        Gebeurtenis::from(JeugdigeGewist {
            grondslag: Wisgrondslag::BewaartermijnVerstreken,
            verzocht_door: Verzoeker::Bewaartermijn,
            kenmerk: None,
        })
    );
    assert!(store.verify().await.expect("verify").is_ok());

    // Nothing left that is due; a running placement is never listed, however late.
    let later = retention::run(&store, 0, d("2100-01-01"), true, &herkomst())
        .await
        .expect("dry run");
    let mut names = Vec::new();
    for p in ["LOOPT", "TERUG", "NIEUW"] {
        names.push(
            store
                .physical_stream(&jeugdige_stream(p))
                .await
                .expect("name")
                .expect("key"),
        );
    }
    let listed: Vec<&str> = later
        .verlopen
        .iter()
        .map(|v| v.opgeslagen.as_str())
        .collect();
    assert_eq!(listed, vec![names[2].as_str()]);
}
