//! Migration of a log written before the vault: a small demo in a plain SQLite store,
//! copied into a sealed one, checked event by event, with the same KPIs; a different or
//! altered old log fails the check.

use std::sync::Arc;

use kringloop_demo::{DemoConfig, generate, write_to_store};
use kringloop_events::personal::is_physical_youth_stream;
use kringloop_events::{
    CapaciteitsdoelVastgesteld, DoelScope, Gebeurtenis, KETEN_STREAM, NewEvent,
    PersoonsgegevensIngezien,
};
use kringloop_projections::{Periode, Projection, Query};
use kringloop_store::sqlite::SqliteStore;
use kringloop_store::{AppendOptions, EventStore, StreamAppend};
use kringloop_vault::migration::{MigrationError, controleer, versleutel};
use kringloop_vault::{MasterKey, SealedStore};
use uuid::Uuid;

fn config(seed: u64) -> DemoConfig {
    DemoConfig {
        seed,
        scale: 0.05,
        from_year: 2023,
        to_year: 2024,
        ..DemoConfig::default()
    }
}

async fn plain(path: &std::path::Path, seed: u64) -> Arc<dyn EventStore> {
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(path).await.expect("open"));
    write_to_store(
        store.as_ref(),
        generate(&config(seed)).expect("demo"),
        1_000,
        |_| {},
    )
    .await
    .expect("demo written");
    // One keyed two-stream set, as the API writes: a target and the access log naming a
    // youth stream (which the vault renames).
    let youth = store
        .read_all(0, 100_000)
        .await
        .expect("read")
        .into_iter()
        .find(|e| e.stream.starts_with("jeugdige-"))
        .expect("a youth")
        .stream;
    let ev = |g: Gebeurtenis| NewEvent {
        event_id: Uuid::now_v7(),
        event_type: g.event_type().into(),
        schema_version: g.schema_version(),
        payload: g.payload_json(),
        valid_date: g.valid_date(),
        recorded_by: "test".into(),
        source: "test".into(),
        correlation_id: Some(Uuid::now_v7()),
        causation_id: None,
    };
    let doel = Gebeurtenis::from(CapaciteitsdoelVastgesteld {
        scope: DoelScope::Landelijk,
        regime: None,
        vorm: None,
        plaatsen: 100,
        datum: "2024-12-01".parse().expect("date"),
    });
    let inzage = |wat: &str| {
        Gebeurtenis::from(PersoonsgegevensIngezien {
            wie: "beheer".into(),
            token: "t1".into(),
            rol: "BEHEERDER".into(),
            wat: wat.into(),
            stromen: vec![youth.clone()],
        })
    };
    store
        .append_many(
            vec![
                StreamAppend {
                    stream: "doel-landelijk".into(),
                    events: vec![ev(doel)],
                    expected: None,
                    new_key: None,
                },
                StreamAppend {
                    stream: "inzage-2024-12-01".into(),
                    events: vec![ev(inzage("historie")), ev(inzage("jeugdige"))],
                    expected: None,
                    new_key: None,
                },
            ],
            AppendOptions {
                idempotency_key: Some("sleutel-1".into()),
                ..AppendOptions::default()
            },
        )
        .await
        .expect("keyed set");
    store
}

async fn sealed(path: &std::path::Path) -> Arc<SealedStore> {
    let inner: Arc<dyn EventStore> = Arc::new(SqliteStore::open(path).await.expect("open"));
    Arc::new(
        SealedStore::open(inner, &MasterKey::generate())
            .await
            .expect("vault"),
    )
}

async fn projection(store: &dyn EventStore) -> Projection {
    let mut p = Projection::new();
    let mut after = 0;
    loop {
        let page = store.read_for_fold(after, 50_000).await.expect("read");
        let Some(last) = page.last_position() else {
            break;
        };
        after = last;
        let errors = kringloop_runner::fold_page(&mut p, &page);
        assert!(errors.is_empty(), "fold errors: {}", errors.len());
    }
    p
}

/// A report without the meta that counts events (the new log has the link on top).
fn figures(report: &impl serde::Serialize) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                o.remove("gebeurtenissen");
                o.remove("positie");
                o.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(report).expect("serialises");
    strip(&mut v);
    v
}

#[tokio::test]
async fn a_migrated_log_holds_the_same_facts_and_figures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = plain(&dir.path().join("oud.db"), 7).await;
    let old_head = old.verify().await.expect("verify");
    let new = sealed(&dir.path().join("nieuw.db")).await;

    let rapport = versleutel(old.as_ref(), &new).await.expect("migrate");
    assert_eq!(rapport.gebeurtenissen, old_head.head_position);
    assert_eq!(rapport.vorige_kop_hash, old_head.head_hash);
    assert_eq!(rapport.link_positie, old_head.head_position + 1);

    // The youths are under stored names in the raw new log, no pseudonym in the clear.
    let raw = new.inner().read_all(0, 100_000).await.expect("read");
    let youth_events: Vec<_> = raw
        .iter()
        .filter(|e| e.stream.starts_with("jeugdige-"))
        .collect();
    assert!(!youth_events.is_empty());
    assert!(
        youth_events
            .iter()
            .all(|e| is_physical_youth_stream(&e.stream))
    );
    let reg = youth_events
        .iter()
        .find(|e| e.event_type == "JeugdigeGeregistreerd")
        .expect("a registration");
    assert!(reg.payload.contains("verzegeld"));
    // The keyed set kept its key on all three events.
    let keyed = raw
        .iter()
        .filter(|e| e.idempotency_key.as_deref() == Some("sleutel-1"))
        .count();
    assert_eq!(keyed, 3);
    let link = raw.last().expect("events");
    assert_eq!(link.stream, KETEN_STREAM);
    assert!(matches!(
        Gebeurtenis::from_recorded(link),
        Ok(Gebeurtenis::LogOvergezet(_))
    ));

    let check = controleer(old.as_ref(), &new).await.expect("check");
    assert!(check.is_ok(), "{:?}", check.verschillen);
    assert_eq!(check.vergeleken, old_head.head_position);

    // Identical KPIs for a few periods.
    let (po, pn) = (
        projection(old.as_ref()).await,
        projection(new.as_ref()).await,
    );
    for periode in [
        Periode::maand(2023, 6).expect("period"),
        Periode::kwartaal(2024, 2).expect("period"),
        Periode::jaar(2024).expect("period"),
    ] {
        let q = Query::new(periode);
        assert_eq!(
            figures(&po.kpis(&q)),
            figures(&pn.kpis(&q)),
            "KPIs differ for {periode:?}"
        );
    }

    // A second run refuses the non-empty target; a sealed store is no old log.
    assert!(matches!(
        versleutel(old.as_ref(), &new).await,
        Err(MigrationError::TargetNotEmpty(_))
    ));
    let other = sealed(&dir.path().join("ander.db")).await;
    assert!(matches!(
        versleutel(new.inner().as_ref(), &other).await,
        Err(MigrationError::OldIsSealed)
    ));

    // A different old log does not match the new one.
    let different = plain(&dir.path().join("ander-oud.db"), 8).await;
    let check = controleer(different.as_ref(), &new).await.expect("check");
    assert!(!check.is_ok());
    assert!(check.aantal_verschillen > 0);
}

#[tokio::test]
async fn an_altered_old_log_fails_the_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("oud.db");
    let old = plain(&path, 11).await;
    let new = sealed(&dir.path().join("nieuw.db")).await;
    versleutel(old.as_ref(), &new).await.expect("migrate");
    assert!(controleer(old.as_ref(), &new).await.expect("check").is_ok());
    old.close().await.expect("close");
    drop(old);

    // Change one byte of a payload in a copy of the old file.
    let mut bytes = std::fs::read(&path).expect("read file");
    let needle = b"\"naam\":\"";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("a name in the file")
        + needle.len();
    bytes[at] ^= 0x01;
    let copy = dir.path().join("gewijzigd.db");
    std::fs::write(&copy, &bytes).expect("write copy");
    let altered: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&copy).await.expect("open"));
    let check = controleer(altered.as_ref(), &new).await.expect("check");
    assert!(!check.is_ok());
    assert!(
        check.verschillen.iter().any(|v| v.contains("gebroken")),
        "{:?}",
        check.verschillen
    );
}
