//! The SQLite backend's own tests: the stored bytes and the chunk boundaries, which the
//! shared suite in `tests/` cannot see.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use kringloop_events::NewEvent;
use sqlx::{AssertSqlSafe, Row as _};
use uuid::Uuid;

use super::SqliteStore;
use super::reading::VERIFY_ROWS;
use crate::chain::{self, GENESIS_HASH};
use crate::event_store::{AppendOptions, EventStore};

fn temp_db(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kringloop-store-{name}-{}-{}",
        std::process::id(),
        Uuid::now_v7()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("events.db")
}

fn event(event_type: &str, payload: &str) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: event_type.to_owned(),
        schema_version: 1,
        payload: payload.to_owned(),
        valid_date: chrono::NaiveDate::from_ymd_opt(2025, 3, 1),
        recorded_by: "registrar".to_owned(),
        source: "api".to_owned(),
        correlation_id: None,
        causation_id: None,
    }
}

/// The chunked JSONB insert stores exactly what plain binds stored: the same types
/// and bytes, including control characters (a NUL is refused before the store),
/// non-ASCII, long values and odd dates; verify agrees.
#[tokio::test]
async fn stored_values_are_exact() {
    let path = temp_db("exact");
    let store = SqliteStore::open(&path).await.unwrap();
    let big = format!(
        r#"{{"tekst":"{}","q":"\"\\\u0000 é ✓"}}"#,
        "x".repeat(70_000)
    );
    let mut events = vec![
        event(
            "PlaatsingGestart",
            r#"{"b": 1,  "a":[1, 2], "plaats":"Dordrecht–Zuid é"}"#,
        ),
        event("T\u{1}een", &big),
        event("T", "null"),
        event(&"t".repeat(300), "[1,2,3]"),
    ];
    events[1].valid_date = chrono::NaiveDate::from_ymd_opt(10_000, 12, 31);
    events[1].recorded_by = "a\u{1}b".to_owned();
    events[1].source = String::new();
    events[1].correlation_id = Some(Uuid::now_v7());
    events[1].schema_version = -7;
    events[2].valid_date = None;
    events[2].causation_id = Some(Uuid::from_bytes([0; 16]));
    events[3].valid_date = chrono::NaiveDate::from_ymd_opt(7, 1, 9);
    let key = "sleutel\u{1}é";
    let r = store
        .append(
            "stroom\u{1}ä",
            events.clone(),
            AppendOptions {
                idempotency_key: Some(key.to_owned()),
                ..AppendOptions::default()
            },
        )
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT typeof(stream), typeof(event_id), typeof(event_type), \
         typeof(schema_version), typeof(payload), typeof(valid_date), typeof(recorded_at), \
         typeof(recorded_by), typeof(source), typeof(correlation_id), \
         typeof(causation_id), typeof(idempotency_key), typeof(prev_hash), typeof(hash), \
         CAST(stream AS BLOB), event_id, CAST(payload AS BLOB), valid_date, recorded_at, \
         CAST(recorded_by AS BLOB), CAST(idempotency_key AS BLOB), correlation_id, \
         causation_id, schema_version, CAST(event_type AS BLOB), CAST(source AS BLOB) \
         FROM events ORDER BY position",
    )
    .fetch_all(store.read_pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), events.len());
    for (row, sent) in rows.iter().zip(&events) {
        let types: Vec<String> = (0..14).map(|i| row.get(i)).collect();
        let opt = |present: bool, t: &str| if present { t } else { "null" }.to_owned();
        assert_eq!(
            types,
            vec![
                "text".to_owned(),
                "blob".to_owned(),
                "text".to_owned(),
                "integer".to_owned(),
                "text".to_owned(),
                opt(sent.valid_date.is_some(), "text"),
                "integer".to_owned(),
                "text".to_owned(),
                "text".to_owned(),
                opt(sent.correlation_id.is_some(), "blob"),
                opt(sent.causation_id.is_some(), "blob"),
                "text".to_owned(),
                "blob".to_owned(),
                "blob".to_owned(),
            ]
        );
        assert_eq!(row.get::<Vec<u8>, _>(14), "stroom\u{1}ä".as_bytes());
        assert_eq!(row.get::<Vec<u8>, _>(15), sent.event_id.as_bytes().to_vec());
        assert_eq!(row.get::<Vec<u8>, _>(16), sent.payload.as_bytes());
        assert_eq!(
            row.get::<Option<String>, _>(17),
            sent.valid_date.map(|d| d.format("%Y-%m-%d").to_string())
        );
        assert_eq!(row.get::<i64, _>(18), r.recorded_at.timestamp_micros());
        assert_eq!(row.get::<Vec<u8>, _>(19), sent.recorded_by.as_bytes());
        assert_eq!(row.get::<Vec<u8>, _>(20), key.as_bytes());
        assert_eq!(
            row.get::<Option<Vec<u8>>, _>(21),
            sent.correlation_id.map(|u| u.as_bytes().to_vec())
        );
        assert_eq!(
            row.get::<Option<Vec<u8>>, _>(22),
            sent.causation_id.map(|u| u.as_bytes().to_vec())
        );
        assert_eq!(row.get::<i64, _>(23), i64::from(sent.schema_version));
        assert_eq!(row.get::<Vec<u8>, _>(24), sent.event_type.as_bytes());
        assert_eq!(row.get::<Vec<u8>, _>(25), sent.source.as_bytes());
    }
    let read = store.read_all(0, 100).await.unwrap();
    let mut prev = GENESIS_HASH;
    for e in &read {
        assert_eq!(e.prev_hash, prev);
        assert_eq!(chain::hash_of(e), e.hash);
        prev = e.hash;
    }
    let report = store.verify().await.unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.checked, 4);
    assert_eq!(report.head_hash, hex::encode(prev));

    // Tampering that changes a value's type or text is named by verify too.
    let mut conn = store.readers.acquire().await.unwrap();
    for trigger in ["events_refuse_update", "events_refuse_delete"] {
        sqlx::query(AssertSqlSafe(format!("DROP TRIGGER {trigger}")))
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE events SET valid_date = '0007-1-09' WHERE position = 4")
        .execute(&mut *conn)
        .await
        .unwrap();
    let failure = store.verify().await.unwrap().failure.unwrap();
    assert_eq!(failure.position, 4, "{failure:?}");
    sqlx::query("UPDATE events SET stream = CAST(stream AS BLOB) || x'00' WHERE position = 2")
        .execute(&mut *conn)
        .await
        .unwrap();
    let failure = store.verify().await.unwrap().failure.unwrap();
    assert_eq!(failure.position, 2, "{failure:?}");
    sqlx::query("UPDATE events SET schema_version = 1.5 WHERE position = 1")
        .execute(&mut *conn)
        .await
        .unwrap();
    let failure = store.verify().await.unwrap().failure.unwrap();
    assert_eq!(failure.position, 1, "{failure:?}");
    drop(conn);
    store.close().await.unwrap();
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// Chunk boundaries of verify (gaps included) and of the insert.
#[tokio::test]
async fn verify_across_chunks_and_gaps() {
    let path = temp_db("chunks");
    let store = SqliteStore::open(&path).await.unwrap();
    let n = VERIFY_ROWS as usize * 2 + 17;
    let events: Vec<NewEvent> = (0..n).map(|i| event("T", &format!("[{i}]"))).collect();
    store
        .append("s", events, AppendOptions::default())
        .await
        .unwrap();
    let report = store.verify().await.unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.checked, n as u64);
    let mut conn = store.readers.acquire().await.unwrap();
    sqlx::query("DROP TRIGGER events_refuse_delete")
        .execute(&mut *conn)
        .await
        .unwrap();
    // A gap of more than one whole chunk.
    let from = VERIFY_ROWS + 3;
    sqlx::query("DELETE FROM events WHERE position BETWEEN ?1 AND ?2")
        .bind(from)
        .bind(from + VERIFY_ROWS + 5)
        .execute(&mut *conn)
        .await
        .unwrap();
    let report = store.verify().await.unwrap();
    assert_eq!(report.failure.unwrap().position, from);
    assert_eq!(report.head_position, from - 1);
    // Packed reads across chunks and the gap respect `after` and `limit`.
    let to = from + VERIFY_ROWS + 5;
    let expected: Vec<i64> = (1..=n as i64).filter(|p| *p < from || *p > to).collect();
    let all = store.read_all(0, usize::MAX).await.unwrap();
    let got: Vec<i64> = all.iter().map(|e| e.position).collect();
    assert!(got == expected, "full read");
    let page = store.read_all(7, expected.len() - 10).await.unwrap();
    let got: Vec<i64> = page.iter().map(|e| e.position).collect();
    assert!(got == expected[7..expected.len() - 3], "paged read");
    assert!(store.read_all(3, 0).await.unwrap().is_empty());
    let stream = store.read_stream("s", 5).await.unwrap();
    assert_eq!(stream.len(), expected.len() - 4);
    assert_eq!(stream[0].payload, "[4]");
    drop(conn);
    store.close().await.unwrap();
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
