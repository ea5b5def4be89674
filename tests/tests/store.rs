//! The shared event-store suite: every test body is written once, against
//! `Arc<dyn EventStore>`, and instantiated for both backends by `both_backends!`
//! (`sqlite::<name>` and `postgres::<name>`).
//!
//! PostgreSQL: `KRINGLOOP_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! each test creates its own database and drops it afterwards, so tests run in parallel.
//! When the server is unreachable the PostgreSQL tests skip loudly, unless `CI=true`, where
//! they fail.
//!
//! One file on purpose (~2,400 lines): it is the store's contract, one test per promise of
//! the `EventStore` trait, and both backends must pass the same list.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use kringloop_tests::{PgDbGuard, fresh_pg_database};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use kringloop_events::{ExpectedVersion, NewEvent, RecordedEvent};
use kringloop_store::chain::{GENESIS_HASH, hash_of};
use kringloop_store::{
    AppendOptions, EventStore, FoldEvent, KeyRow, ReadFilter, StoreError, StreamAppend,
};
use sqlx::Connection as _;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

enum Backend {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        url: String,
        _guard: PgDbGuard,
    },
}

struct Harness {
    store: Arc<dyn EventStore>,
    backend: Backend,
}

impl Harness {
    async fn sqlite() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        let store = kringloop_store::open(path.to_str().unwrap()).await.unwrap();
        Harness {
            store,
            backend: Backend::Sqlite { _dir: dir, path },
        }
    }

    /// `None`: PostgreSQL is not reachable and we are not in CI, so skip.
    async fn postgres(test: &str) -> Option<Harness> {
        let (url, guard) = fresh_pg_database(test).await?;
        let store = kringloop_store::open(&url).await.unwrap();
        Some(Harness {
            store,
            backend: Backend::Postgres { url, _guard: guard },
        })
    }

    fn store(&self) -> Arc<dyn EventStore> {
        Arc::clone(&self.store)
    }

    fn url(&self) -> String {
        match &self.backend {
            Backend::Sqlite { path, .. } => path.to_str().unwrap().to_owned(),
            Backend::Postgres { url, .. } => url.clone(),
        }
    }

    /// Closes the store and opens it again from the same file / database.
    async fn reopen(&mut self) {
        self.store.close().await.unwrap();
        let url = self.url();
        self.store = kringloop_store::open(&url).await.unwrap();
    }

    async fn cleanup(self) {
        let _ = self.store.close().await;
        // The temp dir and the PostgreSQL guard clean up on drop.
    }

    /// Runs one raw statement with a position parameter on a connection of our own,
    /// outside the store: this is how an attacker or a careless admin would do it.
    async fn raw(
        &self,
        sqlite_sql: &'static str,
        pg_sql: &'static str,
        position: Option<i64>,
    ) -> Result<u64, sqlx::Error> {
        match &self.backend {
            Backend::Sqlite { path, .. } => {
                let opts = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .busy_timeout(Duration::from_secs(10));
                let mut c = sqlx::SqliteConnection::connect_with(&opts).await?;
                let mut q = sqlx::query(sqlite_sql);
                if let Some(p) = position {
                    q = q.bind(p);
                }
                let r = q.execute(&mut c).await;
                let _ = c.close().await;
                r.map(|r| r.rows_affected())
            }
            Backend::Postgres { url, .. } => {
                let mut c = sqlx::PgConnection::connect(url).await?;
                let mut q = sqlx::query(pg_sql);
                if let Some(p) = position {
                    q = q.bind(p);
                }
                let r = q.execute(&mut c).await;
                let _ = c.close().await;
                r.map(|r| r.rows_affected())
            }
        }
    }

    async fn raw_update_payload(&self, position: i64) -> Result<u64, sqlx::Error> {
        self.raw(
            r#"UPDATE events SET payload = '{"vervalst":true}' WHERE position = ?1"#,
            r#"UPDATE events SET payload = '{"vervalst":true}'::json WHERE position = $1"#,
            Some(position),
        )
        .await
    }

    async fn raw_delete(&self, position: i64) -> Result<u64, sqlx::Error> {
        self.raw(
            "DELETE FROM events WHERE position = ?1",
            "DELETE FROM events WHERE position = $1",
            Some(position),
        )
        .await
    }

    async fn drop_triggers(&self) {
        self.raw(
            "DROP TRIGGER events_refuse_update",
            "DROP TRIGGER events_refuse_update_delete ON events",
            None,
        )
        .await
        .unwrap();
        self.raw(
            "DROP TRIGGER events_refuse_delete",
            "DROP TRIGGER events_refuse_truncate ON events",
            None,
        )
        .await
        .unwrap();
    }

    fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres { .. })
    }
}

kringloop_tests::both_backends!(
    &mut Harness;
    append_and_read_back,
    expected_version_conflicts,
    idempotent_retry,
    idempotent_retry_racing,
    idempotency_key_reused_for_another_request,
    nul_bytes_and_oversized_names_are_invalid,
    all_or_nothing_batch,
    read_by_stream_position_type_and_time,
    backfill_before_head_rejected,
    concurrent_writers_and_tailing_reader,
    rewrites_of_history_refused,
    tampered_payload_named_by_verify,
    deleted_row_named_by_verify,
    restart_keeps_everything,
    append_many_is_one_transaction,
    append_many_streamed_commits_only_at_the_end,
    streamed_set_stores_what_append_many_stores,
    streamed_set_failing_in_the_database_leaves_nothing,
    keyed_sets_ending_on_a_chunk_boundary,
    large_batch,
    grouped_appends_from_two_store_instances,
    append_many_each_keeps_per_set_semantics,
    versions_checked_afresh_after_another_instance_wrote,
    read_for_fold_gives_what_read_all_gives,
    youth_key_stored_with_its_part,
    youth_key_race_writes_nothing,
    youth_key_rolled_back_with_its_request,
    youth_keys_deleted_and_counted,
    vault_check_is_set_once,
);

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The lean read of a rebuild returns exactly the fields of `read_all`, in pages that
/// cross the backends' internal chunks (SQLite packs 4,096 rows per value), with the same
/// `after`/`limit` semantics; text with multi-byte characters and other schema versions
/// come back byte for byte.
async fn read_for_fold_gives_what_read_all_gives(h: &mut Harness) {
    let store = h.store.clone();
    for s in 0..9 {
        let events: Vec<NewEvent> = (0..1_000)
            .map(|i| {
                let mut e = ev(
                    "PlaatsingGestart",
                    &format!(r#"{{"voorziening":"Ĳsselhof-{i}","n":{i},"tekst":"café ✓"}}"#),
                );
                e.schema_version = 1 + (i % 3);
                e
            })
            .collect();
        store
            .append(
                &format!("jeugdige-ü{s}"),
                events,
                opts(ExpectedVersion::NoStream),
            )
            .await
            .unwrap();
    }
    let all = all_events(store.as_ref()).await;
    assert_eq!(all.len(), 9_000);
    for page_size in [1, 3, 4_095, 4_097, 10_000] {
        let mut after = 0;
        let mut seen = 0;
        loop {
            let page = store.read_for_fold(after, page_size).await.unwrap();
            let Some(last) = page.last_position() else {
                break;
            };
            assert!(page.len() <= page_size);
            for (got, want) in page.iter().zip(&all[seen..]) {
                assert_eq!(got, FoldEvent::from(want), "page size {page_size}");
            }
            seen += page.len();
            after = last;
        }
        assert_eq!(seen, all.len(), "page size {page_size}");
    }
    assert_eq!(store.read_for_fold(8_995, 100).await.unwrap().len(), 5);
    assert!(store.read_for_fold(9_000, 100).await.unwrap().is_empty());
    assert!(store.read_for_fold(0, 0).await.unwrap().is_empty());
}

fn ev(event_type: &str, payload: &str) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: event_type.to_owned(),
        schema_version: 1,
        payload: payload.to_owned(),
        valid_date: NaiveDate::from_ymd_opt(2025, 1, 15),
        recorded_by: "registrar:test".to_owned(),
        source: "api".to_owned(),
        correlation_id: None,
        causation_id: None,
    }
}

fn opts(expected: ExpectedVersion) -> AppendOptions {
    AppendOptions {
        expected: Some(expected),
        ..AppendOptions::default()
    }
}

fn keyed(key: &str) -> AppendOptions {
    AppendOptions {
        idempotency_key: Some(key.to_owned()),
        ..AppendOptions::default()
    }
}

fn recorded_at(at: DateTime<Utc>) -> AppendOptions {
    AppendOptions {
        recorded_at: Some(at),
        ..AppendOptions::default()
    }
}

/// Each result as (stream, first position, last position, stream version, duplicate).
fn batch_spans(results: &[kringloop_store::AppendResult]) -> Vec<(&str, i64, i64, i64, bool)> {
    results
        .iter()
        .map(|r| {
            (
                r.stream.as_str(),
                r.first_position,
                r.last_position,
                r.stream_version,
                r.duplicate,
            )
        })
        .collect()
}

async fn all_events(store: &dyn EventStore) -> Vec<RecordedEvent> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_all(after, 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.position;
        out.extend(page);
    }
    out
}

/// The log-wide invariants every test ends with.
async fn assert_log_invariants(store: &dyn EventStore) -> Vec<RecordedEvent> {
    let events = all_events(store).await;
    let mut prev_hash = GENESIS_HASH;
    let mut prev_recorded: Option<DateTime<Utc>> = None;
    let mut versions: HashMap<&str, i64> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.position, i as i64 + 1, "positions are dense");
        assert_eq!(
            e.prev_hash, prev_hash,
            "prev_hash links to the previous event"
        );
        assert_eq!(e.hash, hash_of(e), "hash matches content at {}", e.position);
        if let Some(p) = prev_recorded {
            assert!(e.recorded_at >= p, "recorded_at never decreases");
        }
        let v = versions.entry(&e.stream).or_insert(0);
        *v += 1;
        assert_eq!(e.stream_version, *v, "stream versions are dense");
        prev_hash = e.hash;
        prev_recorded = Some(e.recorded_at);
    }
    assert_eq!(store.head_position().await.unwrap(), events.len() as i64);
    let report = store.verify().await.unwrap();
    assert!(report.failure.is_none(), "{report:?}");
    assert_eq!(report.checked, events.len() as u64);
    assert_eq!(report.head_position, events.len() as i64);
    events
}

fn conflict_actual(r: Result<kringloop_store::AppendResult, StoreError>) -> u64 {
    match r {
        Err(StoreError::Conflict { actual, .. }) => actual,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Test bodies (once, for both backends)
// ---------------------------------------------------------------------------------------

async fn append_and_read_back(h: &mut Harness) {
    let store = h.store();
    assert_eq!(store.head_position().await.unwrap(), 0);
    assert!(store.verify().await.unwrap().failure.is_none());

    // Odd spacing, key order and non-ASCII: the payload must round-trip byte for byte.
    let mut a1 = ev(
        "PlaatsingGestart",
        r#"{"b": 1,  "a":[1, 2], "plaats":"Dordrecht–Zuid é"}"#,
    );
    a1.correlation_id = Some(Uuid::now_v7());
    a1.causation_id = Some(Uuid::now_v7());
    a1.valid_date = None;
    a1.schema_version = 2;
    a1.source = "import:csv plaatsingen.csv:12".to_owned();
    let a2 = ev("Doorplaatsing", r#"{"van":"X","naar":"Y"}"#);
    let a3 = ev("PlaatsingBeeindigd", "{}");
    let sent_a = vec![a1, a2, a3];

    let r = store
        .append(
            "jeugdige-a",
            sent_a.clone(),
            AppendOptions {
                expected: Some(ExpectedVersion::NoStream),
                idempotency_key: Some("sleutel-a".to_owned()),
                recorded_at: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (r.first_position, r.last_position, r.stream_version),
        (1, 3, 3)
    );
    assert!(!r.duplicate);
    assert_eq!(r.stream, "jeugdige-a");

    let sent_b = vec![ev("VoorzieningGeregistreerd", r#"{"plaatsen":12}"#)];
    let rb = store
        .append("voorziening-b", sent_b.clone(), AppendOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (rb.first_position, rb.last_position, rb.stream_version),
        (4, 4, 1)
    );
    assert!(rb.recorded_at >= r.recorded_at);

    let sent_a2 = vec![
        ev("Doorplaatsing", "[1,2,3]"),
        ev("PlaatsingBeeindigd", "null"),
    ];
    let r2 = store
        .append(
            "jeugdige-a",
            sent_a2.clone(),
            opts(ExpectedVersion::Exact(3)),
        )
        .await
        .unwrap();
    assert_eq!(
        (r2.first_position, r2.last_position, r2.stream_version),
        (5, 6, 5)
    );

    let events = assert_log_invariants(store.as_ref()).await;
    assert_eq!(events.len(), 6);

    // Every envelope field round-trips.
    let by_id: HashMap<Uuid, &RecordedEvent> = events.iter().map(|e| (e.event_id, e)).collect();
    let check = |sent: &NewEvent, stream: &str, key: Option<&str>, at: DateTime<Utc>| {
        let got = by_id[&sent.event_id];
        assert_eq!(got.stream, stream);
        assert_eq!(got.event_type, sent.event_type);
        assert_eq!(got.schema_version, sent.schema_version);
        assert_eq!(got.payload, sent.payload, "payload bytes unchanged");
        assert_eq!(got.valid_date, sent.valid_date);
        assert_eq!(got.recorded_by, sent.recorded_by);
        assert_eq!(got.source, sent.source);
        assert_eq!(got.correlation_id, sent.correlation_id);
        assert_eq!(got.causation_id, sent.causation_id);
        assert_eq!(got.idempotency_key.as_deref(), key);
        assert_eq!(got.recorded_at, at, "recorded_at as reported by append");
    };
    for e in &sent_a {
        check(e, "jeugdige-a", Some("sleutel-a"), r.recorded_at);
    }
    check(&sent_b[0], "voorziening-b", None, rb.recorded_at);
    for e in &sent_a2 {
        check(e, "jeugdige-a", None, r2.recorded_at);
    }
    // Stream order and positions of the first batch.
    let positions: Vec<i64> = sent_a.iter().map(|e| by_id[&e.event_id].position).collect();
    assert_eq!(positions, vec![1, 2, 3]);

    let stream = store.read_stream("jeugdige-a", 1).await.unwrap();
    assert_eq!(
        stream.iter().map(|e| e.stream_version).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(
        stream.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![1, 2, 3, 5, 6]
    );
    let tail = store.read_stream("jeugdige-a", 4).await.unwrap();
    assert_eq!(tail.len(), 2);
    assert_eq!(tail[0].event_id, sent_a2[0].event_id);
    assert!(
        store
            .read_stream("bestaat-niet", 1)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.stream_version("jeugdige-a").await.unwrap(), 5);
    assert_eq!(store.stream_version("voorziening-b").await.unwrap(), 1);
    assert_eq!(store.stream_version("bestaat-niet").await.unwrap(), 0);
    assert_eq!(
        store.backend(),
        if h.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    );
}

async fn expected_version_conflicts(h: &mut Harness) {
    let store = h.store();
    // The stream version a one-event append to `s` with `expected` is refused at.
    let conflict_on_s = |expected| {
        let store = Arc::clone(&store);
        async move { conflict_actual(store.append("s", vec![ev("T", "{}")], opts(expected)).await) }
    };
    // StreamExists on a new stream.
    assert_eq!(conflict_on_s(ExpectedVersion::StreamExists).await, 0);
    // Exact(n) on a new stream.
    assert_eq!(conflict_on_s(ExpectedVersion::Exact(1)).await, 0);
    store
        .append(
            "s",
            vec![ev("T", "{}"), ev("T", "{}")],
            opts(ExpectedVersion::NoStream),
        )
        .await
        .unwrap();
    // NoStream on an existing stream.
    assert_eq!(conflict_on_s(ExpectedVersion::NoStream).await, 2);
    // Exact with a stale and with a future version.
    assert_eq!(conflict_on_s(ExpectedVersion::Exact(1)).await, 2);
    assert_eq!(conflict_on_s(ExpectedVersion::Exact(3)).await, 2);
    match store
        .append("s", vec![ev("T", "{}")], opts(ExpectedVersion::NoStream))
        .await
    {
        Err(StoreError::Conflict {
            stream, expected, ..
        }) => {
            assert_eq!(stream, "s");
            assert_eq!(expected, ExpectedVersion::NoStream);
        }
        other => panic!("{other:?}"),
    }
    // Nothing of the conflicting appends was written.
    assert_eq!(store.head_position().await.unwrap(), 2);
    // The right expectations succeed.
    let r = store
        .append("s", vec![ev("T", "{}")], opts(ExpectedVersion::Exact(2)))
        .await
        .unwrap();
    assert_eq!((r.last_position, r.stream_version), (3, 3));
    let r = store
        .append(
            "s",
            vec![ev("T", "{}")],
            opts(ExpectedVersion::StreamExists),
        )
        .await
        .unwrap();
    assert_eq!(r.stream_version, 4);
    let r = store
        .append("s", vec![ev("T", "{}")], opts(ExpectedVersion::Any))
        .await
        .unwrap();
    assert_eq!(r.stream_version, 5);
    let r = store
        .append("t", vec![ev("T", "{}")], opts(ExpectedVersion::Exact(0)))
        .await
        .unwrap();
    assert_eq!((r.last_position, r.stream_version), (6, 1));
    assert_log_invariants(store.as_ref()).await;
}

async fn idempotent_retry(h: &mut Harness) {
    let store = h.store();
    let key = AppendOptions {
        expected: Some(ExpectedVersion::NoStream),
        idempotency_key: Some("verzoek-42".to_owned()),
        recorded_at: None,
    };
    let batch = vec![ev("T", r#"{"n":1}"#), ev("T", r#"{"n":2}"#)];
    let first = store.append("s", batch.clone(), key.clone()).await.unwrap();
    assert!(!first.duplicate);
    store
        .append("other", vec![ev("T", "{}")], AppendOptions::default())
        .await
        .unwrap();

    // The same request again (same ids), and a retry with fresh ids: both write nothing,
    // even though the expected version would now conflict.
    let again = store.append("s", batch, key.clone()).await.unwrap();
    let fresh = store
        .append("s", vec![ev("T", r#"{"n":1}"#), ev("T", r#"{"n":2}"#)], key)
        .await
        .unwrap();
    for r in [&again, &fresh] {
        assert!(r.duplicate);
        assert_eq!(
            (
                r.stream.as_str(),
                r.first_position,
                r.last_position,
                r.stream_version,
                r.recorded_at
            ),
            (
                first.stream.as_str(),
                first.first_position,
                first.last_position,
                first.stream_version,
                first.recorded_at
            )
        );
    }
    let events = assert_log_invariants(store.as_ref()).await;
    assert_eq!(events.len(), 3);
    assert_eq!(store.stream_version("s").await.unwrap(), 2);
}

async fn idempotent_retry_racing(h: &mut Harness) {
    // Many copies of the same request at once: exactly one writes.
    let store = h.store();
    let batch = vec![ev("T", "{}"), ev("T", "{}")];
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = Arc::clone(&store);
        // Half retry the same ids, half come with fresh ids (a client that rebuilt it).
        let events = if i % 2 == 0 {
            batch.clone()
        } else {
            vec![ev("T", "{}"), ev("T", "{}")]
        };
        tasks.push(tokio::spawn(async move {
            store.append("s", events, keyed("gelijktijdig")).await
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap().unwrap());
    }
    assert_eq!(results.iter().filter(|r| !r.duplicate).count(), 1);
    for r in &results {
        assert_eq!(
            (r.first_position, r.last_position, r.stream_version),
            (1, 2, 2)
        );
    }
    assert_eq!(assert_log_invariants(store.as_ref()).await.len(), 2);
}

/// A key used again for another request is refused (`IdempotencyConflict`) and writes
/// nothing; the same request again, with fresh event ids, another expected version and
/// another envelope, is a duplicate. Compared: the number of events and, event by event,
/// stream, type and payload (the exact bytes), also past one read of the comparison and
/// for sets of several parts.
async fn idempotency_key_reused_for_another_request(h: &mut Harness) {
    let store = h.store();
    let first = store
        .append("s", vec![ev("T", r#"{"n":1}"#)], keyed("k"))
        .await
        .unwrap();
    let refused = |r: Result<kringloop_store::AppendResult, StoreError>, what: &str| {
        assert!(
            matches!(&r, Err(StoreError::IdempotencyConflict { key, .. }) if key == "k"),
            "{what}: {r:?}"
        );
    };
    // (what differs, stream, events) under the same key
    for (what, stream, events) in [
        ("other payload", "s", vec![ev("T", r#"{"n":2}"#)]),
        ("same JSON, other bytes", "s", vec![ev("T", r#"{"n": 1}"#)]),
        ("other type", "s", vec![ev("U", r#"{"n":1}"#)]),
        ("other stream", "t", vec![ev("T", r#"{"n":1}"#)]),
        (
            "more events",
            "s",
            vec![ev("T", r#"{"n":1}"#), ev("T", r#"{"n":1}"#)],
        ),
    ] {
        refused(store.append(stream, events, keyed("k")).await, what);
    }
    let mut same = ev("T", r#"{"n":1}"#);
    same.recorded_by = "iemand anders".to_owned();
    same.valid_date = None;
    let again = store
        .append(
            "s",
            vec![same],
            AppendOptions {
                expected: Some(ExpectedVersion::NoStream),
                ..keyed("k")
            },
        )
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.first_position, first.first_position);
    assert_eq!(assert_log_invariants(store.as_ref()).await.len(), 1);

    // A set of several parts, longer than one read of the comparison.
    // (The store reads 1,024 stored rows per query when it compares.)
    let n = 1_024 + 300;
    let parts = |last: &str| {
        vec![
            StreamAppend {
                stream: "groot".to_owned(),
                events: (0..n).map(|i| ev("T", &format!("[{i}]"))).collect(),
                expected: None,
                new_key: None,
            },
            StreamAppend {
                stream: "klein".to_owned(),
                events: vec![ev("T", "[0]"), ev("T", last)],
                expected: None,
                new_key: None,
            },
        ]
    };
    let written = store.append_many(parts("[1]"), keyed("set")).await.unwrap();
    let again = store.append_many(parts("[1]"), keyed("set")).await.unwrap();
    assert!(again.iter().all(|r| r.duplicate));
    assert_eq!(again[1].last_position, written[1].last_position);
    let r = store.append_many(parts("[2]"), keyed("set")).await;
    assert!(
        matches!(&r, Err(StoreError::IdempotencyConflict { difference, .. }) if difference.contains(&format!("gebeurtenis {}", n + 1))),
        "the last event differs: {r:?}"
    );
    let mut swapped = parts("[1]");
    swapped.reverse();
    let r = store.append_many(swapped, keyed("set")).await;
    assert!(
        matches!(r, Err(StoreError::IdempotencyConflict { .. })),
        "parts in another order: {r:?}"
    );
    assert_eq!(
        assert_log_invariants(store.as_ref()).await.len(),
        1 + n + 2,
        "the refused requests wrote nothing"
    );
}

/// Issue 20: a NUL byte (PostgreSQL refused it deep in the statement, an error the API
/// retried ten times; SQLite stored it) and a stream name or key too long for the index
/// are `Invalid` before anything reaches the database, the same on both backends, and
/// one such set in a group leaves the others written.
async fn nul_bytes_and_oversized_names_are_invalid(h: &mut Harness) {
    let store = h.store();
    let met = |f: &dyn Fn(&mut NewEvent)| {
        let mut e = ev("T", "{}");
        f(&mut e);
        vec![e]
    };
    let lang = "s".repeat(kringloop_store::MAX_NAME_BYTES + 1);
    let gevallen: Vec<(&str, Vec<NewEvent>, AppendOptions)> = vec![
        ("a\0b", vec![ev("T", "{}")], AppendOptions::default()),
        (&lang, vec![ev("T", "{}")], AppendOptions::default()),
        ("s", vec![ev("T", "{}")], keyed("k\0")),
        (
            "s",
            vec![ev("T", "{}")],
            keyed(&"k".repeat(kringloop_store::MAX_NAME_BYTES + 1)),
        ),
        (
            "s",
            met(&|e| e.source = "api\0".to_owned()),
            AppendOptions::default(),
        ),
        (
            "s",
            met(&|e| e.recorded_by = "r\0".to_owned()),
            AppendOptions::default(),
        ),
        (
            "s",
            met(&|e| e.event_type = "T\0".to_owned()),
            AppendOptions::default(),
        ),
    ];
    for (i, (stroom, events, opties)) in gevallen.into_iter().enumerate() {
        let r = store.append(stroom, events, opties).await;
        assert!(matches!(&r, Err(StoreError::Invalid(_))), "case {i}: {r:?}");
        assert!(r.err().is_some_and(|e| e.is_input_error()));
    }
    assert_eq!(store.head_position().await.unwrap(), 0, "nothing written");
    let sets = vec![
        (
            vec![StreamAppend {
                stream: "goed-1".to_owned(),
                events: vec![ev("T", "{}")],
                expected: None,
                new_key: None,
            }],
            AppendOptions::default(),
        ),
        (
            vec![StreamAppend {
                stream: "fout\0".to_owned(),
                events: vec![ev("T", "{}")],
                expected: None,
                new_key: None,
            }],
            AppendOptions::default(),
        ),
        (
            vec![StreamAppend {
                stream: "goed-2".to_owned(),
                events: vec![ev("T", "{}")],
                expected: None,
                new_key: None,
            }],
            AppendOptions::default(),
        ),
    ];
    let r = store.append_many_each(sets).await;
    assert!(r[0].is_ok() && r[2].is_ok(), "{r:?}");
    assert!(matches!(&r[1], Err(StoreError::Invalid(_))), "{r:?}");
    let events = assert_log_invariants(store.as_ref()).await;
    let stromen: Vec<&str> = events.iter().map(|e| e.stream.as_str()).collect();
    assert_eq!(stromen, ["goed-1", "goed-2"]);
}

async fn all_or_nothing_batch(h: &mut Harness) {
    let store = h.store();
    store
        .append("s", vec![ev("T", "{}")], AppendOptions::default())
        .await
        .unwrap();

    let bad_json = vec![ev("T", "{}"), ev("T", "{niet: json"), ev("T", "{}")];
    assert!(matches!(
        store.append("s", bad_json, AppendOptions::default()).await,
        Err(StoreError::Invalid(_))
    ));

    let dup = ev("T", "{}");
    let twice = vec![ev("T", "{}"), dup.clone(), dup];
    assert!(matches!(
        store.append("s", twice, AppendOptions::default()).await,
        Err(StoreError::Invalid(_))
    ));

    assert!(matches!(
        store.append("s", vec![], AppendOptions::default()).await,
        Err(StoreError::Invalid(_))
    ));

    // An id that is already in the log fails the whole batch, also the events before it.
    let stored = store.read_all(0, 1).await.unwrap()[0].event_id;
    let mut reused = ev("T", "{}");
    reused.event_id = stored;
    let batch = vec![ev("T", "{}"), ev("T", "{}"), reused];
    assert!(matches!(
        store.append("s", batch, keyed("mislukt")).await,
        Err(StoreError::Invalid(_))
    ));

    // Nothing of any failed batch is there, and the failed key was not remembered.
    assert_eq!(store.head_position().await.unwrap(), 1);
    assert_eq!(store.stream_version("s").await.unwrap(), 1);
    let r = store
        .append(
            "s",
            vec![ev("T", "{}")],
            AppendOptions {
                idempotency_key: Some("mislukt".to_owned()),
                expected: Some(ExpectedVersion::Exact(1)),
                ..AppendOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(!r.duplicate);
    assert_eq!((r.last_position, r.stream_version), (2, 2));
    assert_eq!(assert_log_invariants(store.as_ref()).await.len(), 2);
}

async fn read_by_stream_position_type_and_time(h: &mut Harness) {
    let store = h.store();
    let t0 = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let at = |days: i64| t0 + TimeDelta::days(days);
    // Recorded at day 0, 10, 20, 30 (backfill), alternating types and streams.
    for (i, (stream, ty)) in [
        ("a", "Geopend"),
        ("b", "Gesloten"),
        ("a", "Geopend"),
        ("b", "Omgebouwd"),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .append(
                stream,
                vec![ev(ty, "{}"), ev(ty, "{}")],
                recorded_at(at(10 * i as i64)),
            )
            .await
            .unwrap();
    }
    let events = assert_log_invariants(store.as_ref()).await;
    assert_eq!(events.len(), 8);
    assert_eq!(events[2].recorded_at, at(10));

    // By position, resuming in pages.
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = store.read_all(after, 3).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        after = page.last().unwrap().position;
        seen.extend(page.into_iter().map(|e| e.position));
    }
    assert_eq!(seen, (1..=8).collect::<Vec<_>>());
    assert_eq!(store.read_all(5, 100).await.unwrap().len(), 3);
    assert!(store.read_all(8, 100).await.unwrap().is_empty());

    // By stream.
    let b = store.read_stream("b", 1).await.unwrap();
    assert_eq!(
        b.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![3, 4, 7, 8]
    );

    let positions = |v: Vec<RecordedEvent>| v.into_iter().map(|e| e.position).collect::<Vec<_>>();
    // Types, recorded from day, recorded to day (exclusive).
    let filter = |types: &[&str], from: Option<i64>, to: Option<i64>| ReadFilter {
        event_types: types.iter().map(|t| (*t).to_owned()).collect(),
        recorded_from: from.map(at),
        recorded_to: to.map(at),
    };
    // (what, filter, the positions it reads from the start)
    let cases = [
        (
            "by type",
            filter(&["Geopend"], None, None),
            vec![1, 2, 5, 6],
        ),
        (
            "by two types",
            filter(&["Gesloten", "Omgebouwd"], None, None),
            vec![3, 4, 7, 8],
        ),
        // [day 10, day 30) is the second and third batch.
        (
            "by recorded time",
            filter(&[], Some(10), Some(30)),
            vec![3, 4, 5, 6],
        ),
        (
            "recorded from",
            filter(&[], Some(15), None),
            vec![5, 6, 7, 8],
        ),
        ("recorded to", filter(&[], None, Some(10)), vec![1, 2]),
        (
            "type and time together",
            filter(&["Geopend"], Some(1), None),
            vec![5, 6],
        ),
    ];
    for (what, f, want) in cases {
        assert_eq!(
            positions(store.read_filtered(0, 100, &f).await.unwrap()),
            want,
            "{what}"
        );
    }
    // By type, resuming after position 2, one at a time.
    assert_eq!(
        positions(
            store
                .read_filtered(2, 1, &filter(&["Geopend"], None, None))
                .await
                .unwrap()
        ),
        vec![5]
    );
    assert_eq!(
        positions(
            store
                .read_filtered(0, 100, &ReadFilter::default())
                .await
                .unwrap()
        )
        .len(),
        8
    );
}

async fn backfill_before_head_rejected(h: &mut Harness) {
    let store = h.store();
    let yesterday = Utc::now() - TimeDelta::days(1);
    let r = store
        .append("s", vec![ev("T", "{}")], recorded_at(yesterday))
        .await
        .unwrap();
    // Stored with microsecond precision.
    assert_eq!(
        r.recorded_at.timestamp_micros(),
        yesterday.timestamp_micros()
    );
    // The same time again is allowed (not earlier than the head).
    store
        .append("s", vec![ev("T", "{}")], recorded_at(r.recorded_at))
        .await
        .unwrap();
    let now = store
        .append("s", vec![ev("T", "{}")], AppendOptions::default())
        .await
        .unwrap();
    assert!(now.recorded_at > r.recorded_at);
    match store
        .append("s", vec![ev("T", "{}")], recorded_at(yesterday))
        .await
    {
        Err(StoreError::RecordedTimeBeforeHead { head, .. }) => assert_eq!(head, now.recorded_at),
        other => panic!("expected RecordedTimeBeforeHead, got {other:?}"),
    }
    // A backfill far in the future pushes later "now" appends up with it: never decreasing.
    let future = Utc::now() + TimeDelta::days(365);
    store
        .append("s", vec![ev("T", "{}")], recorded_at(future))
        .await
        .unwrap();
    let after = store
        .append("s", vec![ev("T", "{}")], AppendOptions::default())
        .await
        .unwrap();
    assert_eq!(
        after.recorded_at.timestamp_micros(),
        future.timestamp_micros()
    );
    assert_eq!(assert_log_invariants(store.as_ref()).await.len(), 5);
}

async fn concurrent_writers_and_tailing_reader(h: &mut Harness) {
    const SHARED_WRITERS: usize = 8;
    const SHARED_EVENTS_EACH: usize = 25;
    const OWN_WRITERS: usize = 8;
    const OWN_BATCHES_EACH: usize = 100;
    const SHARED: &str = "gedeeld";

    let store = h.store();
    // Batches on own streams are 1..=5 events; fix the sizes up front so the total is known.
    let own_sizes: Vec<Vec<usize>> = (0..OWN_WRITERS)
        .map(|w| {
            (0..OWN_BATCHES_EACH)
                .map(|b| 1 + (w * 7 + b * 3) % 5)
                .collect()
        })
        .collect();
    let total = SHARED_WRITERS * SHARED_EVENTS_EACH + own_sizes.iter().flatten().sum::<usize>();

    let conflicts = Arc::new(AtomicU64::new(0));
    // Everyone's first shared append starts from the same version: conflicts are certain.
    let barrier = Arc::new(tokio::sync::Barrier::new(SHARED_WRITERS));

    // The tailing reader: resumes from the last position it saw until it has seen all.
    let reader = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let mut last = 0i64;
            let mut seen = Vec::with_capacity(total);
            while seen.len() < total {
                let page = store.read_all(last, 97).await.unwrap();
                if page.is_empty() {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    continue;
                }
                for e in page {
                    assert_eq!(
                        e.position,
                        last + 1,
                        "reader sees positions in order, none skipped"
                    );
                    last = e.position;
                    seen.push(e.event_id);
                }
            }
            seen
        })
    };

    let mut writers = Vec::new();
    for w in 0..SHARED_WRITERS {
        let store = Arc::clone(&store);
        let conflicts = Arc::clone(&conflicts);
        let barrier = Arc::clone(&barrier);
        writers.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut first_attempt = true;
            for i in 0..SHARED_EVENTS_EACH {
                loop {
                    let v = store.stream_version(SHARED).await.unwrap();
                    if first_attempt {
                        first_attempt = false;
                        barrier.wait().await;
                    }
                    let e = ev("Gedeeld", &format!(r#"{{"schrijver":{w},"i":{i}}}"#));
                    let id = e.event_id;
                    match store
                        .append(SHARED, vec![e], opts(ExpectedVersion::Exact(v)))
                        .await
                    {
                        Ok(r) => {
                            assert_eq!(r.stream_version, v as i64 + 1);
                            acked.push((id, r.first_position));
                            break;
                        }
                        Err(StoreError::Conflict { .. }) => {
                            conflicts.fetch_add(1, Ordering::Relaxed);
                            tokio::task::yield_now().await;
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            }
            acked
        }));
    }
    for (w, sizes) in own_sizes.into_iter().enumerate() {
        let store = Arc::clone(&store);
        writers.push(tokio::spawn(async move {
            let stream = format!("eigen-{w}");
            let mut acked = Vec::new();
            let mut version = 0u64;
            for (b, n) in sizes.into_iter().enumerate() {
                let batch: Vec<NewEvent> = (0..n)
                    .map(|k| ev("Eigen", &format!(r#"{{"b":{b},"k":{k}}}"#)))
                    .collect();
                let ids: Vec<Uuid> = batch.iter().map(|e| e.event_id).collect();
                let r = store
                    .append(&stream, batch, opts(ExpectedVersion::Exact(version)))
                    .await
                    .unwrap();
                assert_eq!(r.last_position - r.first_position + 1, n as i64);
                version = r.stream_version as u64;
                acked.extend(ids.into_iter().zip(r.first_position..));
            }
            acked
        }));
    }

    let mut acked: Vec<(Uuid, i64)> = Vec::new();
    for w in writers {
        acked.extend(
            tokio::time::timeout(Duration::from_secs(300), w)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let tailed = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(acked.len(), total);
    assert!(conflicts.load(Ordering::Relaxed) >= (SHARED_WRITERS - 1) as u64);

    let events = assert_log_invariants(store.as_ref()).await;
    assert_eq!(events.len(), total, "no lost or extra events");
    // Every acknowledged event is there exactly once, at the position it was given.
    let by_id: HashMap<Uuid, i64> = events.iter().map(|e| (e.event_id, e.position)).collect();
    assert_eq!(by_id.len(), total, "no event id twice");
    for (id, pos) in &acked {
        assert_eq!(by_id.get(id), Some(pos), "acknowledged event {id} at {pos}");
    }
    // The tailing reader saw exactly the log, in order.
    assert_eq!(
        tailed,
        events.iter().map(|e| e.event_id).collect::<Vec<_>>()
    );
    let distinct: HashSet<&Uuid> = tailed.iter().collect();
    assert_eq!(distinct.len(), total);
    // Stream versions.
    let mut per_stream: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for e in &events {
        per_stream
            .entry(&e.stream)
            .or_default()
            .push(e.stream_version);
    }
    assert_eq!(per_stream.len(), 1 + OWN_WRITERS);
    for (s, v) in &per_stream {
        assert_eq!(*v, (1..=v.len() as i64).collect::<Vec<_>>(), "stream {s}");
    }
    assert_eq!(
        per_stream[SHARED].len(),
        SHARED_WRITERS * SHARED_EVENTS_EACH
    );
}

/// A statement that would change or remove stored events, run on a connection of its
/// own as an admin would; `None` where the backend has no such statement.
struct Rewrite {
    what: &'static str,
    /// The statement and a part of the error it must fail with.
    sqlite: Option<(&'static str, &'static str)>,
    postgres: Option<(&'static str, &'static str)>,
}

impl Rewrite {
    /// The same statement, failing with the same error, on both backends.
    fn on_both(what: &'static str, statement: &'static str, error: &'static str) -> Self {
        Self {
            what,
            sqlite: Some((statement, error)),
            postgres: Some((statement, error)),
        }
    }
}

/// Every kind of statement that could rewrite history is refused by the database itself,
/// and leaves the log as it was: the same rows, `verify` OK, the same head hash. REPLACE
/// and INSERT OR REPLACE on SQLite delete what they collide with without firing the
/// delete trigger, so they are tried against each unique key (position, event id, stream
/// and version) and with SQLite's connection settings that bear on them; PostgreSQL has
/// no REPLACE (syntax error), but UPSERT and MERGE. Statements that change nothing
/// (INSERT OR IGNORE, ON CONFLICT DO NOTHING) still work, and so do the store's own
/// appends, including its answer to a stored event id.
async fn rewrites_of_history_refused(h: &mut Harness) {
    const UPDATE_REFUSED: &str = "events is append-only: UPDATE refused";
    const DELETE_REFUSED: &str = "events is append-only: DELETE refused";
    const TRUNCATE_REFUSED: &str = "events is append-only: TRUNCATE refused";
    const SQLITE_REPLACE: &str = "events is append-only: REPLACE refused";
    const PG_SYNTAX: &str = "syntax error";
    let rewrites = [
        Rewrite {
            what: "UPDATE",
            sqlite: Some((
                r#"UPDATE events SET payload = '{"vervalst":true}' WHERE position = 2"#,
                UPDATE_REFUSED,
            )),
            postgres: Some((
                r#"UPDATE events SET payload = '{"vervalst":true}'::json WHERE position = 2"#,
                UPDATE_REFUSED,
            )),
        },
        Rewrite {
            what: "UPDATE OR REPLACE onto another row's position",
            sqlite: Some((
                "UPDATE OR REPLACE events SET position = 1 WHERE position = 2",
                UPDATE_REFUSED,
            )),
            postgres: None,
        },
        Rewrite::on_both(
            "DELETE of one row",
            "DELETE FROM events WHERE position = 2",
            DELETE_REFUSED,
        ),
        // SQLite's TRUNCATE: a DELETE without WHERE.
        Rewrite::on_both("DELETE of every row", "DELETE FROM events", DELETE_REFUSED),
        Rewrite {
            what: "TRUNCATE",
            sqlite: None,
            postgres: Some(("TRUNCATE events", TRUNCATE_REFUSED)),
        },
        Rewrite {
            what: "TRUNCATE … RESTART IDENTITY CASCADE",
            sqlite: None,
            postgres: Some(("TRUNCATE events RESTART IDENTITY CASCADE", TRUNCATE_REFUSED)),
        },
        Rewrite {
            what: "REPLACE of a row by a tampered copy",
            sqlite: Some((
                r#"REPLACE INTO events SELECT position, stream, stream_version, event_id,
                   event_type, schema_version, '{"vervalst":true}', valid_date, recorded_at,
                   recorded_by, source, correlation_id, causation_id, idempotency_key,
                   prev_hash, hash FROM events WHERE position = 2"#,
                SQLITE_REPLACE,
            )),
            postgres: Some((
                "REPLACE INTO events SELECT * FROM events WHERE position = 2",
                PG_SYNTAX,
            )),
        },
        Rewrite {
            what: "INSERT OR REPLACE colliding on the position only",
            sqlite: Some((
                r#"INSERT OR REPLACE INTO events SELECT position, 'vervalst', 1,
                   randomblob(16), event_type, schema_version, '{"vervalst":true}',
                   valid_date, recorded_at, recorded_by, source, correlation_id,
                   causation_id, idempotency_key, prev_hash, hash
                   FROM events WHERE position = 2"#,
                SQLITE_REPLACE,
            )),
            postgres: Some((
                "INSERT OR REPLACE INTO events SELECT * FROM events WHERE position = 2",
                PG_SYNTAX,
            )),
        },
        Rewrite {
            what: "INSERT OR REPLACE colliding on the event id only",
            sqlite: Some((
                r#"INSERT OR REPLACE INTO events SELECT 6, 'vervalst', 1, event_id,
                   event_type, schema_version, '{"vervalst":true}', valid_date, recorded_at,
                   recorded_by, source, correlation_id, causation_id, idempotency_key,
                   prev_hash, hash FROM events WHERE position = 2"#,
                SQLITE_REPLACE,
            )),
            postgres: None,
        },
        Rewrite {
            what: "INSERT OR REPLACE colliding on stream and version only",
            sqlite: Some((
                r#"INSERT OR REPLACE INTO events SELECT 6, stream, stream_version,
                   randomblob(16), event_type, schema_version, '{"vervalst":true}',
                   valid_date, recorded_at, recorded_by, source, correlation_id,
                   causation_id, idempotency_key, prev_hash, hash
                   FROM events WHERE position = 2"#,
                SQLITE_REPLACE,
            )),
            postgres: None,
        },
        Rewrite {
            what: "REPLACE without a position (SQLite picks the rowid), same event id",
            sqlite: Some((
                r#"REPLACE INTO events (stream, stream_version, event_id, event_type,
                   schema_version, payload, valid_date, recorded_at, recorded_by, source,
                   correlation_id, causation_id, idempotency_key, prev_hash, hash)
                   SELECT 'vervalst', 1, event_id, event_type, schema_version,
                   '{"vervalst":true}', valid_date, recorded_at, recorded_by, source,
                   correlation_id, causation_id, idempotency_key, prev_hash, hash
                   FROM events WHERE position = 2"#,
                SQLITE_REPLACE,
            )),
            postgres: None,
        },
        Rewrite {
            what: "REPLACE with recursive_triggers on",
            sqlite: Some((
                "PRAGMA recursive_triggers = ON;
                 REPLACE INTO events SELECT * FROM events WHERE position = 2",
                SQLITE_REPLACE,
            )),
            postgres: None,
        },
        Rewrite {
            what: "REPLACE with ignore_check_constraints on",
            sqlite: Some((
                "PRAGMA ignore_check_constraints = ON;
                 REPLACE INTO events SELECT * FROM events WHERE position = 2",
                "events is append-only: no row is added while CHECK constraints are ignored",
            )),
            postgres: None,
        },
        Rewrite {
            what: "UPSERT on the event id",
            sqlite: Some((
                r#"INSERT INTO events SELECT * FROM events WHERE position = 2
                   ON CONFLICT (event_id) DO UPDATE SET payload = '{"vervalst":true}'"#,
                UPDATE_REFUSED,
            )),
            postgres: Some((
                r#"INSERT INTO events SELECT * FROM events WHERE position = 2
                   ON CONFLICT (event_id) DO UPDATE SET payload = '{"vervalst":true}'::json"#,
                UPDATE_REFUSED,
            )),
        },
        Rewrite {
            what: "UPSERT on the position",
            sqlite: Some((
                r#"INSERT INTO events SELECT * FROM events WHERE position = 2
                   ON CONFLICT (position) DO UPDATE SET payload = '{"vervalst":true}'"#,
                UPDATE_REFUSED,
            )),
            postgres: Some((
                r#"INSERT INTO events SELECT * FROM events WHERE position = 2
                   ON CONFLICT (position) DO UPDATE SET payload = '{"vervalst":true}'::json"#,
                UPDATE_REFUSED,
            )),
        },
        Rewrite {
            what: "UPSERT on stream and version",
            sqlite: Some((
                r#"INSERT INTO events SELECT * FROM events WHERE position = 2
                   ON CONFLICT (stream, stream_version)
                   DO UPDATE SET payload = '{"vervalst":true}'"#,
                UPDATE_REFUSED,
            )),
            postgres: Some((
                r#"INSERT INTO events SELECT * FROM events WHERE position = 2
                   ON CONFLICT (stream, stream_version)
                   DO UPDATE SET payload = '{"vervalst":true}'::json"#,
                UPDATE_REFUSED,
            )),
        },
        Rewrite {
            what: "UPSERT without a conflict target",
            sqlite: Some((
                r#"INSERT INTO events SELECT * FROM events WHERE position = 2
                   ON CONFLICT DO UPDATE SET payload = '{"vervalst":true}'"#,
                UPDATE_REFUSED,
            )),
            postgres: None,
        },
        Rewrite {
            what: "MERGE … WHEN MATCHED THEN UPDATE",
            sqlite: Some((
                r#"MERGE INTO events e USING (SELECT 2 AS position) s
                   ON e.position = s.position
                   WHEN MATCHED THEN UPDATE SET payload = '{"vervalst":true}'"#,
                "syntax error",
            )),
            postgres: Some((
                r#"MERGE INTO events e USING (SELECT 2::bigint AS position) s
                   ON e.position = s.position
                   WHEN MATCHED THEN UPDATE SET payload = '{"vervalst":true}'::json"#,
                UPDATE_REFUSED,
            )),
        },
        Rewrite {
            what: "MERGE … WHEN MATCHED THEN DELETE",
            sqlite: None,
            postgres: Some((
                "MERGE INTO events e USING (SELECT 2::bigint AS position) s
                 ON e.position = s.position WHEN MATCHED THEN DELETE",
                DELETE_REFUSED,
            )),
        },
    ];

    let store = h.store();
    store
        .append(
            "s",
            vec![ev("T", "{}"), ev("T", r#"{"n":2}"#), ev("T", "{}")],
            keyed("k"),
        )
        .await
        .unwrap();
    store
        .append(
            "t",
            vec![ev("U", "{}"), ev("U", "{}")],
            AppendOptions::default(),
        )
        .await
        .unwrap();
    let before = assert_log_invariants(store.as_ref()).await;
    assert_eq!(before.len(), 5);
    let head_hash = store.verify().await.unwrap().head_hash;
    let unchanged = |what: String| {
        let (store, before, head_hash) = (store.clone(), before.clone(), head_hash.clone());
        async move {
            assert_eq!(
                all_events(store.as_ref()).await,
                before,
                "{what}: rows changed"
            );
            let report = store.verify().await.unwrap();
            assert!(report.failure.is_none(), "{what}: {report:?}");
            assert_eq!(report.checked, 5, "{what}");
            assert_eq!(report.head_hash, head_hash, "{what}: head hash changed");
        }
    };

    for r in &rewrites {
        let statement = if h.is_postgres() {
            r.postgres
        } else {
            r.sqlite
        };
        let Some((sql, answer)) = statement else {
            continue;
        };
        let e = h.raw(sql, sql, None).await;
        let message = match &e {
            Err(sqlx::Error::Database(d)) => d.message().to_owned(),
            other => panic!("{}: must fail in the database, got {other:?}", r.what),
        };
        assert!(
            message.contains(answer),
            "{}: expected `{answer}`, got `{message}`",
            r.what
        );
        unchanged(r.what.to_owned()).await;
    }

    // What changes nothing still runs.
    if !h.is_postgres() {
        let sql = "INSERT OR IGNORE INTO events SELECT * FROM events WHERE position = 2";
        assert_eq!(h.raw(sql, sql, None).await.unwrap(), 0, "INSERT OR IGNORE");
        unchanged("INSERT OR IGNORE".to_owned()).await;
    }
    let sql = "INSERT INTO events SELECT * FROM events WHERE position = 2 ON CONFLICT DO NOTHING";
    assert_eq!(h.raw(sql, sql, None).await.unwrap(), 0, "DO NOTHING");
    unchanged("ON CONFLICT DO NOTHING".to_owned()).await;

    // The store still tells a stored event id by the database's UNIQUE error …
    let mut again = ev("T", "{}");
    again.event_id = before[1].event_id;
    let r = store
        .append("s", vec![ev("T", "{}"), again], AppendOptions::default())
        .await;
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    unchanged("a stored event id through the store".to_owned()).await;
    // … answers a repeated key with the first result …
    let repeat = store
        .append(
            "s",
            vec![ev("T", "{}"), ev("T", r#"{"n":2}"#), ev("T", "{}")],
            keyed("k"),
        )
        .await
        .unwrap();
    assert!(repeat.duplicate && repeat.last_position == 3, "{repeat:?}");
    // … and appends.
    let r = store
        .append(
            "s",
            vec![ev("T", "{}"), ev("T", "{}")],
            AppendOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!((r.first_position, r.last_position), (6, 7));
    let events = assert_log_invariants(store.as_ref()).await;
    assert_eq!(events[..5], before[..]);
    assert_eq!(events[5].prev_hash, before[4].hash);
}

async fn tampered_payload_named_by_verify(h: &mut Harness) {
    let store = h.store();
    for i in 0..5 {
        store
            .append(
                &format!("s{}", i % 2),
                vec![ev("T", &format!(r#"{{"i":{i}}}"#)), ev("T", "{}")],
                AppendOptions::default(),
            )
            .await
            .unwrap();
    }
    assert!(store.verify().await.unwrap().failure.is_none());
    h.drop_triggers().await;
    assert_eq!(h.raw_update_payload(6).await.unwrap(), 1);
    let report = store.verify().await.unwrap();
    let failure = report.failure.expect("verify must fail");
    assert_eq!(failure.position, 6, "{failure:?}");
    assert_eq!(report.head_position, 5, "the last good position");
}

async fn deleted_row_named_by_verify(h: &mut Harness) {
    let store = h.store();
    for _ in 0..5 {
        store
            .append(
                "s",
                vec![ev("T", "{}"), ev("T", "{}")],
                AppendOptions::default(),
            )
            .await
            .unwrap();
    }
    h.drop_triggers().await;
    assert_eq!(h.raw_delete(4).await.unwrap(), 1);
    let report = store.verify().await.unwrap();
    let failure = report.failure.expect("verify must fail");
    assert_eq!(failure.position, 4, "the missing position: {failure:?}");
}

async fn restart_keeps_everything(h: &mut Harness) {
    let store = h.store();
    for i in 0..30 {
        store
            .append(
                &format!("s{}", i % 3),
                vec![ev("T", &format!(r#"{{"i":{i}}}"#))],
                keyed(&format!("k{i}")),
            )
            .await
            .unwrap();
    }
    let before = all_events(store.as_ref()).await;
    drop(store);
    h.reopen().await;
    let store = h.store();
    let after = assert_log_invariants(store.as_ref()).await;
    assert_eq!(before, after);
    assert_eq!(store.stream_version("s1").await.unwrap(), 10);
    // Idempotency keys survive the restart.
    let dup = store
        .append("s0", vec![ev("T", r#"{"i":3}"#)], keyed("k3"))
        .await
        .unwrap();
    assert!(dup.duplicate);
    assert_eq!(dup.first_position, 4);
    // Appends continue at the right position and version, chained to the old head.
    let r = store
        .append("s1", vec![ev("T", "{}")], opts(ExpectedVersion::Exact(10)))
        .await
        .unwrap();
    assert_eq!((r.first_position, r.stream_version), (31, 11));
    assert!(r.recorded_at >= before.last().unwrap().recorded_at);
    let all = assert_log_invariants(store.as_ref()).await;
    assert_eq!(all[30].prev_hash, before[29].hash);
    // And once more, to be sure close/reopen is repeatable.
    drop(store);
    h.reopen().await;
    assert_eq!(assert_log_invariants(h.store().as_ref()).await.len(), 31);
}

async fn append_many_is_one_transaction(h: &mut Harness) {
    let store = h.store();
    store
        .append("a", vec![ev("T", "{}")], AppendOptions::default())
        .await
        .unwrap();
    let part = |stream: &str, n: usize, expected: Option<ExpectedVersion>| StreamAppend {
        stream: stream.to_owned(),
        events: (0..n).map(|_| ev("T", "{}")).collect(),
        expected,
        new_key: None,
    };
    let key = keyed("bestand-1");

    // A conflict in the last part: nothing of the earlier parts is written.
    let r = store
        .append_many(
            vec![
                part("b", 2, Some(ExpectedVersion::NoStream)),
                part("a", 1, Some(ExpectedVersion::NoStream)),
            ],
            key.clone(),
        )
        .await;
    assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
    assert_eq!(store.head_position().await.unwrap(), 1);
    // A set-wide expected version is refused.
    assert!(matches!(
        store
            .append_many(vec![part("b", 1, None)], opts(ExpectedVersion::Any))
            .await,
        Err(StoreError::Invalid(_))
    ));

    // Several streams, one stream twice: consecutive positions, versions follow on.
    let results = store
        .append_many(
            vec![
                part("b", 2, Some(ExpectedVersion::NoStream)),
                part("a", 1, Some(ExpectedVersion::Exact(1))),
                part("b", 3, Some(ExpectedVersion::Exact(2))),
            ],
            key.clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        batch_spans(&results),
        vec![
            ("b", 2, 3, 2, false),
            ("a", 4, 4, 2, false),
            ("b", 5, 7, 5, false)
        ]
    );
    assert!(
        results
            .iter()
            .all(|r| r.recorded_at == results[0].recorded_at)
    );

    // The same key again with the same parts (fresh ids, no expected versions) writes
    // nothing.
    let again = store
        .append_many(
            vec![part("b", 2, None), part("a", 1, None), part("b", 3, None)],
            key,
        )
        .await
        .unwrap();
    assert!(again.iter().all(|r| r.duplicate));
    assert_eq!((again[0].first_position, again[0].last_position), (2, 7));
    assert_eq!((again[1].first_position, again[1].last_position), (4, 4));
    let events = assert_log_invariants(store.as_ref()).await;
    assert_eq!(events.len(), 7);
    assert!(
        events[1..]
            .iter()
            .all(|e| e.idempotency_key.as_deref() == Some("bestand-1"))
    );
    assert_eq!(store.stream_version("b").await.unwrap(), 5);
}

/// `append_many_streamed`: the parts arrive over a channel; nothing is visible or kept
/// unless the commit arrives, and a set that commits is what `append_many` would write.
async fn append_many_streamed_commits_only_at_the_end(h: &mut Harness) {
    use kringloop_store::StreamedAppend;
    use tokio::sync::mpsc::unbounded_channel;
    let store = h.store();
    store
        .append("a", vec![ev("T", "{}")], AppendOptions::default())
        .await
        .unwrap();
    let part = |stream: &str, n: usize, expected: Option<ExpectedVersion>| StreamAppend {
        stream: stream.to_owned(),
        events: (0..n).map(|_| ev("T", "{}")).collect(),
        expected,
        new_key: None,
    };
    let key = keyed("stroom-1");

    // The sender stops before the commit: rolled back, nothing written.
    let (tx, rx) = unbounded_channel();
    let s = store.clone();
    let k = key.clone();
    let task = tokio::spawn(async move { s.append_many_streamed(rx, k).await });
    tx.send(StreamedAppend::Parts(vec![part(
        "b",
        2,
        Some(ExpectedVersion::NoStream),
    )]))
    .unwrap();
    tx.send(StreamedAppend::Parts(vec![part("c", 1, None)]))
        .unwrap();
    drop(tx);
    let r = task.await.unwrap();
    assert!(matches!(r, Err(StoreError::Aborted)), "{r:?}");
    assert_eq!(store.head_position().await.unwrap(), 1);

    // A conflict in a later batch fails the whole set, the earlier batches included.
    let (tx, rx) = unbounded_channel();
    let s = store.clone();
    let k = key.clone();
    let task = tokio::spawn(async move { s.append_many_streamed(rx, k).await });
    tx.send(StreamedAppend::Parts(vec![part(
        "b",
        2,
        Some(ExpectedVersion::NoStream),
    )]))
    .unwrap();
    let _ = tx.send(StreamedAppend::Parts(vec![part(
        "a",
        1,
        Some(ExpectedVersion::NoStream),
    )]));
    let _ = tx.send(StreamedAppend::Commit);
    let r = task.await.unwrap();
    // PostgreSQL lets the unique index check `NoStream` parts and reads the version
    // only after it refused one: the answer is the same as a checked part's.
    assert!(
        matches!(
            &r,
            Err(StoreError::Conflict { stream, expected: ExpectedVersion::NoStream, actual: 1 })
                if stream == "a"
        ),
        "{r:?}"
    );
    assert_eq!(store.head_position().await.unwrap(), 1);

    // A committed set: as `append_many`, versions follow on across batches.
    let (tx, rx) = unbounded_channel();
    let s = store.clone();
    let k = key.clone();
    let task = tokio::spawn(async move { s.append_many_streamed(rx, k).await });
    tx.send(StreamedAppend::Parts(vec![
        part("b", 2, Some(ExpectedVersion::NoStream)),
        part("a", 1, Some(ExpectedVersion::Exact(1))),
    ]))
    .unwrap();
    tx.send(StreamedAppend::Parts(vec![part(
        "b",
        3,
        Some(ExpectedVersion::Exact(2)),
    )]))
    .unwrap();
    tx.send(StreamedAppend::Commit).unwrap();
    let results = task.await.unwrap().unwrap();
    assert_eq!(
        batch_spans(&results),
        vec![
            ("b", 2, 3, 2, false),
            ("a", 4, 4, 2, false),
            ("b", 5, 7, 5, false)
        ]
    );

    // The same key again with the same parts, streamed (in other batches) or not, writes
    // nothing; with other parts it is refused, streamed or not.
    let (tx, rx) = unbounded_channel();
    let s = store.clone();
    let k = key.clone();
    let task = tokio::spawn(async move { s.append_many_streamed(rx, k).await });
    tx.send(StreamedAppend::Parts(vec![part("b", 2, None)]))
        .unwrap();
    tx.send(StreamedAppend::Parts(vec![
        part("a", 1, None),
        part("b", 3, None),
    ]))
    .unwrap();
    tx.send(StreamedAppend::Commit).unwrap();
    let again = task.await.unwrap().unwrap();
    assert!(again.iter().all(|r| r.duplicate));
    assert_eq!((again[0].first_position, again[0].last_position), (2, 7));
    let again = store
        .append_many(
            vec![part("b", 2, None), part("a", 1, None), part("b", 3, None)],
            key.clone(),
        )
        .await
        .unwrap();
    assert!(again.iter().all(|r| r.duplicate));
    let (tx, rx) = unbounded_channel();
    let s = store.clone();
    let k = key.clone();
    let task = tokio::spawn(async move { s.append_many_streamed(rx, k).await });
    tx.send(StreamedAppend::Parts(vec![
        part("b", 2, None),
        part("a", 1, None),
    ]))
    .unwrap();
    tx.send(StreamedAppend::Commit).unwrap();
    let r = task.await.unwrap();
    assert!(
        matches!(r, Err(StoreError::IdempotencyConflict { .. })),
        "{r:?}"
    );
    let r = store.append_many(vec![part("b", 1, None)], key).await;
    assert!(
        matches!(r, Err(StoreError::IdempotencyConflict { .. })),
        "{r:?}"
    );

    // An invalid part (an event id twice across batches) refuses the set.
    let e = ev("T", "{}");
    let (tx, rx) = unbounded_channel();
    let s = store.clone();
    let task =
        tokio::spawn(async move { s.append_many_streamed(rx, AppendOptions::default()).await });
    let dubbel = |e: &NewEvent| StreamAppend {
        stream: "d".to_owned(),
        events: vec![e.clone()],
        expected: None,
        new_key: None,
    };
    tx.send(StreamedAppend::Parts(vec![dubbel(&e)])).unwrap();
    let _ = tx.send(StreamedAppend::Parts(vec![dubbel(&e)]));
    let _ = tx.send(StreamedAppend::Commit);
    let r = task.await.unwrap();
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");

    // Other appends wait for a streamed set and then go on as usual.
    let events = assert_log_invariants(store.as_ref()).await;
    assert_eq!(events.len(), 7);
    assert!(
        events[1..]
            .iter()
            .all(|e| e.idempotency_key.as_deref() == Some("stroom-1"))
    );
    store
        .append("a", vec![ev("T", "{}")], opts(ExpectedVersion::Exact(2)))
        .await
        .unwrap();
    assert_eq!(store.stream_version("b").await.unwrap(), 5);
}

/// A second, empty store of the same backend as `h`.
async fn second_store(h: &Harness, name: &str) -> Option<Harness> {
    if h.is_postgres() {
        Harness::postgres(name).await
    } else {
        Some(Harness::sqlite().await)
    }
}

/// The streamed path (SQLite: chunked multi-row INSERTs; PostgreSQL: binary COPY sent in
/// pieces) stores exactly the rows, and so the hashes, that `append_many` stores: every
/// optional field set and unset, dates on both sides of 2000-01-01, non-ASCII text, and
/// enough rows to cross the chunk and send boundaries.
async fn streamed_set_stores_what_append_many_stores(h: &mut Harness) {
    use kringloop_store::StreamedAppend;
    let Some(other) = second_store(h, "streamed_same_rows_b").await else {
        return;
    };
    let at = DateTime::parse_from_rfc3339("2025-03-01T12:34:56.789012Z")
        .unwrap()
        .with_timezone(&Utc);
    let corr = Uuid::now_v7();
    let parts: Vec<StreamAppend> = (0..40)
        .map(|s| StreamAppend {
            stream: format!("jeugdige-ø{s:03}"),
            events: (0..80)
                .map(|i| {
                    let mut e = ev(
                        "PlaatsingGestart",
                        &format!(r#"{{"i": {i},  "plaats":"Dordrecht–Zuid é", "s":{s}}}"#),
                    );
                    e.schema_version = 3;
                    e.valid_date = match i % 4 {
                        0 => None,
                        1 => NaiveDate::from_ymd_opt(1999, 12, 31),
                        2 => NaiveDate::from_ymd_opt(2000, 1, 1),
                        _ => NaiveDate::from_ymd_opt(2107, 6, 30),
                    };
                    e.correlation_id = (i % 3 != 0).then_some(corr);
                    e.causation_id = (i % 5 == 0).then(Uuid::now_v7);
                    e.source = format!("import:csv bestand.csv:{}", s * 80 + i);
                    e
                })
                .collect(),
            expected: Some(ExpectedVersion::NoStream),
            new_key: None,
        })
        .collect();
    let options = AppendOptions {
        idempotency_key: Some("import:csv:sha256:gelijk".to_owned()),
        recorded_at: Some(at),
        ..AppendOptions::default()
    };
    let plain = other
        .store()
        .append_many(parts.clone(), options.clone())
        .await
        .unwrap();

    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let s = h.store();
    let o = options.clone();
    let task = tokio::spawn(async move { s.append_many_streamed(rx, o).await });
    for batch in parts.chunks(15) {
        tx.send(StreamedAppend::Parts(batch.to_vec())).unwrap();
    }
    tx.send(StreamedAppend::Commit).unwrap();
    let streamed = task.await.unwrap().unwrap();
    assert_eq!(streamed, plain);

    let a = assert_log_invariants(h.store().as_ref()).await;
    let b = assert_log_invariants(other.store().as_ref()).await;
    assert_eq!(a.len(), 40 * 80);
    assert_eq!(a, b, "streamed and plain writes store different rows");
    other.cleanup().await;
}

/// A streamed set that the database itself refuses halfway (an event id already in the
/// log, which only the unique index sees) leaves nothing of the set behind, also what
/// earlier batches sent, and the store goes on working.
async fn streamed_set_failing_in_the_database_leaves_nothing(h: &mut Harness) {
    use kringloop_store::StreamedAppend;
    let store = h.store();
    let old = ev("T", "{}");
    store
        .append("a", vec![old.clone()], AppendOptions::default())
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let s = store.clone();
    let task =
        tokio::spawn(async move { s.append_many_streamed(rx, AppendOptions::default()).await });
    tx.send(StreamedAppend::Parts(vec![StreamAppend {
        stream: "b".to_owned(),
        events: (0..3000).map(|_| ev("T", r#"{"veld":"waarde"}"#)).collect(),
        expected: Some(ExpectedVersion::NoStream),
        new_key: None,
    }]))
    .unwrap();
    let mut tail: Vec<NewEvent> = (0..10).map(|_| ev("T", "{}")).collect();
    tail.push(old);
    let _ = tx.send(StreamedAppend::Parts(vec![StreamAppend {
        stream: "c".to_owned(),
        events: tail,
        expected: None,
        new_key: None,
    }]));
    let _ = tx.send(StreamedAppend::Commit);
    let r = task.await.unwrap();
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    assert_eq!(store.head_position().await.unwrap(), 1);
    assert_eq!(store.stream_version("b").await.unwrap(), 0);

    // The store (and on PostgreSQL the pool's connections) still work.
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let s = store.clone();
    let task =
        tokio::spawn(async move { s.append_many_streamed(rx, AppendOptions::default()).await });
    tx.send(StreamedAppend::Parts(vec![StreamAppend {
        stream: "b".to_owned(),
        events: (0..5).map(|_| ev("T", "{}")).collect(),
        expected: Some(ExpectedVersion::NoStream),
        new_key: None,
    }]))
    .unwrap();
    tx.send(StreamedAppend::Commit).unwrap();
    task.await.unwrap().unwrap();
    store
        .append("a", vec![ev("T", "{}")], opts(ExpectedVersion::Exact(1)))
        .await
        .unwrap();
    let events = assert_log_invariants(store.as_ref()).await;
    assert_eq!(events.len(), 7);
}

/// Sets with their own keys, the first exactly 250 and 500 rows long (SQLite's rows per
/// INSERT chunk): the next set starts on a chunk boundary with another key, and must be
/// written all the same.
async fn keyed_sets_ending_on_a_chunk_boundary(h: &mut Harness) {
    let store = h.store();
    let set = |stream: &str, n: usize, key: &str| {
        (
            vec![StreamAppend {
                stream: stream.to_owned(),
                events: (0..n).map(|_| ev("T", "{}")).collect(),
                expected: None,
                new_key: None,
            }],
            AppendOptions {
                idempotency_key: Some(key.to_owned()),
                ..AppendOptions::default()
            },
        )
    };
    let results = store
        .append_many_each(vec![
            set("a", 250, "k1"),
            set("b", 3, "k2"),
            set("c", 500, "k3"),
            set("d", 1, "k4"),
        ])
        .await;
    let last: Vec<i64> = results
        .into_iter()
        .map(|r| r.unwrap()[0].last_position)
        .collect();
    assert_eq!(last, vec![250, 253, 753, 754]);
    let events = assert_log_invariants(store.as_ref()).await;
    assert_eq!(events.len(), 754);
    assert_eq!(events[250].idempotency_key.as_deref(), Some("k2"));
    assert_eq!(events[753].stream, "d");
}

async fn large_batch(h: &mut Harness) {
    // Larger than one multi-row INSERT chunk, so chunk boundaries are exercised.
    let store = h.store();
    store
        .append("a", vec![ev("T", "{}")], AppendOptions::default())
        .await
        .unwrap();
    let batch: Vec<NewEvent> = (0..2_500)
        .map(|i| {
            let mut e = ev("T", &format!(r#"{{"i":{i}}}"#));
            if i % 3 == 0 {
                e.valid_date = None;
                e.correlation_id = Some(Uuid::now_v7());
            }
            e
        })
        .collect();
    let sent = batch.clone();
    let r = store.append("groot", batch, keyed("groot")).await.unwrap();
    assert_eq!(
        (r.first_position, r.last_position, r.stream_version),
        (2, 2_501, 2_500)
    );
    let events = assert_log_invariants(store.as_ref()).await;
    for (e, s) in events[1..].iter().zip(&sent) {
        assert_eq!(e.event_id, s.event_id);
        assert_eq!(e.payload, s.payload);
        assert_eq!(e.valid_date, s.valid_date);
        assert_eq!(e.correlation_id, s.correlation_id);
        assert_eq!(e.idempotency_key.as_deref(), Some("groot"));
    }
}

/// Many single-event appends at once are committed as groups (one insert per group, the
/// expected versions checked in memory). Two store instances on the same file / database
/// race each other, so the cached head of each is regularly stale; some appends conflict
/// on purpose and one carries an event id that is already stored. Every acknowledged event
/// must be there exactly once, positions dense, versions dense, the chain intact, and the
/// rejected appends must have written nothing.
async fn grouped_appends_from_two_store_instances(h: &mut Harness) {
    const TASKS: usize = 16;
    const PER_TASK: usize = 40;
    let a = h.store();
    let b = kringloop_store::open(&h.url()).await.unwrap();
    let stores = [Arc::clone(&a), Arc::clone(&b)];
    let taken = ev("T", r#"{"eerste":true}"#);
    let taken_id = taken.event_id;
    a.append("bezet", vec![taken], AppendOptions::default())
        .await
        .unwrap();

    let mut handles = Vec::new();
    for t in 0..TASKS {
        let store = Arc::clone(&stores[t % 2]);
        handles.push(tokio::spawn(async move {
            let stream = format!("groep-{t}");
            let mut acknowledged = Vec::new();
            let mut conflicts = 0usize;
            let mut duplicates_refused = 0usize;
            for v in 0..PER_TASK {
                let expected = if v == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Exact(v as u64)
                };
                let e = ev("T", &format!(r#"{{"t":{t},"v":{v}}}"#));
                let id = e.event_id;
                let r = store
                    .append(
                        &stream,
                        vec![e],
                        AppendOptions {
                            expected: Some(expected),
                            ..AppendOptions::default()
                        },
                    )
                    .await;
                acknowledged.push((id, r.expect("a correct expected version is accepted")));
                // A stale expected version in the same burst: must conflict, write nothing.
                let stale = store
                    .append(
                        &stream,
                        vec![ev("T", r#"{"oud":true}"#)],
                        AppendOptions {
                            expected: Some(ExpectedVersion::Exact(v as u64)),
                            ..AppendOptions::default()
                        },
                    )
                    .await;
                if matches!(stale, Err(StoreError::Conflict { .. })) {
                    conflicts += 1;
                }
                if v == PER_TASK / 2 {
                    let mut dup = ev("T", "{}");
                    dup.event_id = taken_id;
                    if store
                        .append(&format!("dup-{t}"), vec![dup], AppendOptions::default())
                        .await
                        .is_err()
                    {
                        duplicates_refused += 1;
                    }
                }
            }
            (acknowledged, conflicts, duplicates_refused)
        }));
    }
    let mut acknowledged = Vec::new();
    for handle in handles {
        let (acks, conflicts, dups) = handle.await.unwrap();
        assert_eq!(conflicts, PER_TASK, "every stale append conflicts");
        assert_eq!(dups, 1, "a stored event id is refused");
        acknowledged.extend(acks);
    }
    let events = assert_log_invariants(a.as_ref()).await;
    assert_eq!(
        events.len(),
        1 + TASKS * PER_TASK,
        "only the accepted appends wrote"
    );
    let by_id: HashMap<Uuid, &RecordedEvent> = events.iter().map(|e| (e.event_id, e)).collect();
    for (id, result) in &acknowledged {
        let e = by_id.get(id).expect("acknowledged event is stored");
        assert_eq!(e.position, result.first_position);
    }
    for t in 0..TASKS {
        assert_eq!(
            a.stream_version(&format!("groep-{t}")).await.unwrap(),
            PER_TASK as u64
        );
        assert_eq!(b.stream_version(&format!("dup-{t}")).await.unwrap(), 0);
    }
    let report = b.verify().await.unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);
    b.close().await.unwrap();
}

/// The same history, written with the same recorded times, gives the same chain on both
/// backends, down to the head hash: the canonical encoding hashes what is stored, and both
/// stores store the same bytes. A hash published from one backend can check the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_history_same_head_hash_on_both_backends() {
    let Some(pg) = Harness::postgres("same_head_hash").await else {
        return;
    };
    let lite = Harness::sqlite().await;
    let config = kringloop_demo::DemoConfig {
        to_year: 2020,
        ..Default::default()
    };
    let mut heads = Vec::new();
    for h in [&lite, &pg] {
        let history = kringloop_demo::generate(&config).unwrap();
        let summary = kringloop_demo::write_to_store(h.store().as_ref(), history, 5_000, |_| {})
            .await
            .unwrap();
        assert!(summary.events > 1_000, "a real history: {}", summary.events);
        let report = h.store().verify().await.unwrap();
        assert!(report.failure.is_none(), "{:?}", report.failure);
        heads.push((report.head_position, report.head_hash));
    }
    assert_eq!(heads[0], heads[1], "SQLite and PostgreSQL chains differ");
    lite.cleanup().await;
    pg.cleanup().await;
}

/// `append_many_each`: sets handed over at once (committed together by the writer) keep
/// the semantics of separate `append_many` calls: a conflict in one part of a set writes
/// nothing of that set and nothing is lost of the others, keys cover all parts of their
/// set, a repeated key (in a later call, or twice in one call) writes nothing, a
/// backfill before the head and an invalid set fail on their own.
async fn append_many_each_keeps_per_set_semantics(h: &mut Harness) {
    let store = h.store();
    // Whole microseconds: what the store keeps.
    let t0 = DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap();
    store
        .append("x", vec![ev("T", "{}")], recorded_at(t0))
        .await
        .unwrap();
    let part = |stream: &str, n: usize, expected: Option<ExpectedVersion>| StreamAppend {
        stream: stream.to_owned(),
        events: (0..n).map(|i| ev("T", &format!("[{i}]"))).collect(),
        expected,
        new_key: None,
    };
    let at = |secs: i64, key: Option<&str>| AppendOptions {
        expected: None,
        idempotency_key: key.map(str::to_owned),
        recorded_at: Some(t0 + TimeDelta::seconds(secs)),
    };
    let results = store
        .append_many_each(vec![
            (
                vec![
                    part("a", 2, Some(ExpectedVersion::NoStream)),
                    part("b", 1, None),
                ],
                at(1, None),
            ),
            // Conflict in the second part: `c` must not appear either.
            (
                vec![
                    part("c", 1, Some(ExpectedVersion::NoStream)),
                    part("x", 1, Some(ExpectedVersion::NoStream)),
                ],
                at(2, None),
            ),
            (
                vec![
                    part("a", 1, Some(ExpectedVersion::Exact(2))),
                    part("d", 2, None),
                    part("a", 1, Some(ExpectedVersion::Exact(3))),
                ],
                at(3, Some("k1")),
            ),
            (
                vec![part("c", 1, Some(ExpectedVersion::NoStream))],
                at(4, None),
            ),
            // Before the head (set 4's time): refused on its own.
            (vec![part("e", 1, None)], at(-10, None)),
            (vec![], at(5, None)),
            (
                vec![part("x", 1, Some(ExpectedVersion::Exact(1)))],
                at(6, None),
            ),
        ])
        .await;
    assert_eq!(results.len(), 7);
    let spans = |r: &Result<Vec<kringloop_store::AppendResult>, StoreError>| {
        r.as_ref()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p.stream.clone(),
                    p.first_position,
                    p.last_position,
                    p.stream_version,
                    p.duplicate,
                )
            })
            .collect::<Vec<_>>()
    };
    let s = |x: &str| x.to_owned();
    assert_eq!(
        spans(&results[0]),
        vec![(s("a"), 2, 3, 2, false), (s("b"), 4, 4, 1, false)]
    );
    assert!(
        matches!(&results[1], Err(StoreError::Conflict { stream, actual: 1, .. }) if stream == "x"),
        "{:?}",
        results[1]
    );
    assert_eq!(
        spans(&results[2]),
        vec![
            (s("a"), 5, 5, 3, false),
            (s("d"), 6, 7, 2, false),
            (s("a"), 8, 8, 4, false)
        ]
    );
    assert_eq!(spans(&results[3]), vec![(s("c"), 9, 9, 1, false)]);
    assert!(
        matches!(results[4], Err(StoreError::RecordedTimeBeforeHead { .. })),
        "{:?}",
        results[4]
    );
    assert!(matches!(results[5], Err(StoreError::Invalid(_))));
    assert_eq!(spans(&results[6]), vec![(s("x"), 10, 10, 2, false)]);

    // A repeat of k1 in a later call, and a new key three times in one call: the same
    // request again is a duplicate, another request under the key is refused.
    let again = store
        .append_many_each(vec![
            (
                vec![part("a", 1, None), part("d", 2, None), part("a", 1, None)],
                at(7, Some("k1")),
            ),
            (vec![part("f", 1, None)], at(8, Some("k2"))),
            (vec![part("f", 3, None)], at(9, Some("k2"))),
            (vec![part("f", 1, None)], at(10, Some("k2"))),
        ])
        .await;
    assert_eq!(
        spans(&again[0]),
        vec![
            (s("a"), 5, 8, 4, true),
            (s("d"), 6, 7, 2, true),
            (s("a"), 5, 8, 4, true)
        ]
    );
    assert_eq!(spans(&again[1]), vec![(s("f"), 11, 11, 1, false)]);
    assert!(
        matches!(&again[2], Err(StoreError::IdempotencyConflict { key, .. }) if key == "k2"),
        "{:?}",
        again[2]
    );
    assert_eq!(spans(&again[3]), vec![(s("f"), 11, 11, 1, true)]);

    let events = assert_log_invariants(store.as_ref()).await;
    assert_eq!(events.len(), 11);
    let keyed: Vec<i64> = events
        .iter()
        .filter(|e| e.idempotency_key.as_deref() == Some("k1"))
        .map(|e| e.position)
        .collect();
    assert_eq!(keyed, vec![5, 6, 7, 8]);
    assert_eq!(events[3].recorded_at, t0 + TimeDelta::seconds(1));
    assert_eq!(events[8].recorded_at, t0 + TimeDelta::seconds(4));
    for (stream, version) in [("a", 4), ("b", 1), ("c", 1), ("d", 2), ("e", 0), ("x", 2)] {
        assert_eq!(
            store.stream_version(stream).await.unwrap(),
            version,
            "{stream}"
        );
    }
}

/// A writer that caches stream versions between groups must not answer CONFLICT from its
/// cache after another store instance (another process) appended to the stream: the
/// correct expected version is accepted, a stale one refused.
async fn versions_checked_afresh_after_another_instance_wrote(h: &mut Harness) {
    let a = h.store();
    let b = kringloop_store::open(&h.url()).await.unwrap();
    let exact = |v: u64| AppendOptions {
        expected: Some(ExpectedVersion::Exact(v)),
        ..AppendOptions::default()
    };
    // `a` writes twice, so its writer has seen (and may cache) version 2.
    a.append(
        "gedeeld",
        vec![ev("T", r#"{"n":1}"#)],
        AppendOptions {
            expected: Some(ExpectedVersion::NoStream),
            ..AppendOptions::default()
        },
    )
    .await
    .unwrap();
    a.append("gedeeld", vec![ev("T", r#"{"n":2}"#)], exact(1))
        .await
        .unwrap();
    // Another instance moves the stream on.
    b.append("gedeeld", vec![ev("T", r#"{"n":3}"#)], exact(2))
        .await
        .unwrap();
    // Through `a` again, alone (no INSERT to check the head for it): version 3 is current
    // and accepted, not a false CONFLICT from a cached 2.
    let ok = a
        .append("gedeeld", vec![ev("T", r#"{"n":4}"#)], exact(3))
        .await
        .expect("the current version is accepted after another instance wrote");
    assert_eq!(ok.stream_version, 4);
    // Now written by `b` again, and `a` is stale: refused.
    b.append("gedeeld", vec![ev("T", r#"{"n":5}"#)], exact(4))
        .await
        .unwrap();
    let stale = a
        .append("gedeeld", vec![ev("T", r#"{"oud":true}"#)], exact(4))
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "stale expected version must conflict: {stale:?}"
    );
    let events = a.read_stream("gedeeld", 1).await.unwrap();
    let versions: Vec<i64> = events.iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, vec![1, 2, 3, 4, 5]);
    assert!(events.iter().all(|e| !e.payload.contains("oud")));
    assert!(a.verify().await.unwrap().failure.is_none());
    b.close().await.unwrap();
}

// ---------------------------------------------------------------------------------------
// The table of per-youth keys
// ---------------------------------------------------------------------------------------

/// 48 random bytes, distinctive enough to search a database file for.
fn random_bytes_48() -> Vec<u8> {
    (0..3).flat_map(|_| *Uuid::new_v4().as_bytes()).collect()
}

/// A key row for `stream` whose lookup is 32 times `tag`.
fn key_row(stream: &str, tag: u8) -> KeyRow {
    KeyRow {
        stream: stream.to_owned(),
        lookup: vec![tag; 32],
        wrapped_key: random_bytes_48(),
        sealed_pseudonym: vec![tag ^ 0xff; 24],
    }
}

/// A part of one event on the row's stream that stores `row` with it.
fn with_key(row: &KeyRow) -> StreamAppend {
    StreamAppend {
        stream: row.stream.clone(),
        events: vec![ev("JeugdigeAangemeld", "{}")],
        expected: None,
        new_key: Some(row.clone()),
    }
}

fn plain_part(stream: &str, expected: Option<ExpectedVersion>) -> StreamAppend {
    StreamAppend {
        stream: stream.to_owned(),
        events: vec![ev("T", "{}")],
        expected,
        new_key: None,
    }
}

/// A part with `new_key` stores the row in its transaction, on every append path
/// (`append_many`, `append_many_streamed`, `append_many_each`), and the reads find it by
/// lookup, by stream and in the list ordered by stream. A repeated idempotency key
/// answers the first result; the row is already there and stays as it was.
async fn youth_key_stored_with_its_part(h: &mut Harness) {
    use kringloop_store::StreamedAppend;
    let store = h.store();
    assert_eq!(store.youth_keys().await.unwrap(), Vec::<KeyRow>::new());

    let a = key_row("jeugdige-a", 1);
    let first = store
        .append_many(vec![with_key(&a), plain_part("los", None)], keyed("k-a"))
        .await
        .unwrap();
    assert_eq!(
        store.youth_key_by_lookup(&a.lookup).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store.youth_key_by_stream("jeugdige-a").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.youth_key_by_lookup(&[9; 32]).await.unwrap(), None);
    assert_eq!(store.youth_key_by_stream("los").await.unwrap(), None);
    // A key row must belong to its part's stream.
    let head = store.head_position().await.unwrap();
    let mut wrong = with_key(&key_row("jeugdige-z", 26));
    wrong.stream = "jeugdige-y".to_owned();
    let r = store
        .append_many(vec![wrong], AppendOptions::default())
        .await;
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    assert_eq!(store.head_position().await.unwrap(), head);
    assert_eq!(store.youth_key_by_lookup(&[26; 32]).await.unwrap(), None);

    // The same request again: the first answer, nothing written, the row unchanged.
    let head = store.head_position().await.unwrap();
    let again = store
        .append_many(vec![with_key(&a), plain_part("los", None)], keyed("k-a"))
        .await
        .unwrap();
    assert!(again.iter().all(|r| r.duplicate), "{again:?}");
    assert_eq!(batch_spans(&again).len(), first.len());
    assert_eq!(store.head_position().await.unwrap(), head);
    assert_eq!(store.youth_keys().await.unwrap(), vec![a.clone()]);

    // Streamed.
    let c = key_row("jeugdige-c", 3);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tx.send(StreamedAppend::Parts(vec![plain_part("los", None)]))
        .unwrap();
    tx.send(StreamedAppend::Parts(vec![with_key(&c)])).unwrap();
    tx.send(StreamedAppend::Commit).unwrap();
    store
        .append_many_streamed(rx, AppendOptions::default())
        .await
        .unwrap();
    assert_eq!(
        store.youth_key_by_stream("jeugdige-c").await.unwrap(),
        Some(c.clone())
    );

    // Several sets at once: each stores its own row.
    let b = key_row("jeugdige-b", 2);
    let d = key_row("jeugdige-d", 4);
    let each = store
        .append_many_each(vec![
            (vec![with_key(&d)], AppendOptions::default()),
            (vec![with_key(&b)], AppendOptions::default()),
        ])
        .await;
    assert!(each.iter().all(Result::is_ok), "{each:?}");
    assert_eq!(
        store.youth_keys().await.unwrap(),
        vec![a.clone(), b.clone(), c.clone(), d.clone()],
        "every row, ordered by stream"
    );
    for row in [&a, &b, &c, &d] {
        assert_eq!(store.stream_version(&row.stream).await.unwrap(), 1);
        assert_eq!(
            store
                .youth_key_by_lookup(&row.lookup)
                .await
                .unwrap()
                .as_ref(),
            Some(row)
        );
    }
}

/// A key row whose lookup is stored for another stream (another process created the
/// youth first), or whose stream has a row with another lookup, fails the request with
/// `YouthKeyRace`, and nothing of the request is written. The same lookup on the same
/// stream is fine (the stored row stays).
async fn youth_key_race_writes_nothing(h: &mut Harness) {
    use kringloop_store::StreamedAppend;
    let store = h.store();
    let a = key_row("jeugdige-a", 1);
    store
        .append_many(vec![with_key(&a)], AppendOptions::default())
        .await
        .unwrap();
    let head = store.head_position().await.unwrap();

    let race = |stream: &str, lookup: &[u8]| KeyRow {
        stream: stream.to_owned(),
        lookup: lookup.to_vec(),
        wrapped_key: random_bytes_48(),
        sealed_pseudonym: vec![7; 24],
    };
    let same_lookup = race("jeugdige-x", &a.lookup);
    let r = store
        .append_many(
            vec![plain_part("ervoor", None), with_key(&same_lookup)],
            AppendOptions::default(),
        )
        .await;
    match r {
        Err(StoreError::YouthKeyRace { stream }) => assert_eq!(stream, "jeugdige-x"),
        other => panic!("expected YouthKeyRace, got {other:?}"),
    }
    // In a group of concurrent requests too (the other one goes in).
    let (raced, other) = tokio::join!(
        store.append_many(vec![with_key(&same_lookup)], AppendOptions::default()),
        store.append("naast", vec![ev("T", "{}")], AppendOptions::default()),
    );
    assert!(
        matches!(raced, Err(StoreError::YouthKeyRace { .. })),
        "{raced:?}"
    );
    other.unwrap();
    let head = head + 1;
    assert_eq!(store.head_position().await.unwrap(), head);
    // Another lookup for a stream that has a row.
    let same_stream = race("jeugdige-a", &[0x55; 32]);
    let r = store
        .append_many(vec![with_key(&same_stream)], AppendOptions::default())
        .await;
    assert!(matches!(r, Err(StoreError::YouthKeyRace { .. })), "{r:?}");
    // Streamed: the whole set goes.
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tx.send(StreamedAppend::Parts(vec![plain_part("ervoor", None)]))
        .unwrap();
    tx.send(StreamedAppend::Parts(vec![with_key(&same_lookup)]))
        .unwrap();
    let _ = tx.send(StreamedAppend::Commit);
    let r = store
        .append_many_streamed(rx, AppendOptions::default())
        .await;
    assert!(matches!(r, Err(StoreError::YouthKeyRace { .. })), "{r:?}");

    assert_eq!(
        store.head_position().await.unwrap(),
        head,
        "nothing written"
    );
    assert_eq!(store.stream_version("ervoor").await.unwrap(), 0);
    assert_eq!(store.stream_version("jeugdige-x").await.unwrap(), 0);
    assert_eq!(store.youth_key_by_stream("jeugdige-x").await.unwrap(), None);
    assert_eq!(store.youth_key_by_lookup(&[0x55; 32]).await.unwrap(), None);
    assert_eq!(store.youth_keys().await.unwrap(), vec![a.clone()]);

    // The same lookup and the same stream: written, the stored row stays.
    let again = race("jeugdige-a", &a.lookup);
    store
        .append_many(vec![with_key(&again)], AppendOptions::default())
        .await
        .unwrap();
    assert_eq!(store.head_position().await.unwrap(), head + 1);
    assert_eq!(store.stream_version("jeugdige-a").await.unwrap(), 2);
    assert_eq!(store.youth_keys().await.unwrap(), vec![a]);
    let report = store.verify().await.unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);
}

/// A request that fails after its key row went in (a version conflict in a later part)
/// takes the row back out with its events, alone or in a group.
async fn youth_key_rolled_back_with_its_request(h: &mut Harness) {
    let store = h.store();
    let r = key_row("jeugdige-r", 1);
    let set = || {
        vec![
            with_key(&r),
            plain_part("andere", Some(ExpectedVersion::Exact(5))),
        ]
    };
    let alone = store.append_many(set(), AppendOptions::default()).await;
    assert!(
        matches!(alone, Err(StoreError::Conflict { .. })),
        "{alone:?}"
    );
    let (grouped, other) = tokio::join!(
        store.append_many(set(), AppendOptions::default()),
        store.append("naast", vec![ev("T", "{}")], AppendOptions::default()),
    );
    assert!(
        matches!(grouped, Err(StoreError::Conflict { .. })),
        "{grouped:?}"
    );
    other.unwrap();
    assert_eq!(store.youth_key_by_stream("jeugdige-r").await.unwrap(), None);
    assert_eq!(store.youth_key_by_lookup(&r.lookup).await.unwrap(), None);
    assert!(store.youth_keys().await.unwrap().is_empty());
    assert_eq!(store.stream_version("jeugdige-r").await.unwrap(), 0);
    assert_eq!(store.head_position().await.unwrap(), 1);
    // And the youth can be created afterwards.
    store
        .append_many(vec![with_key(&r)], AppendOptions::default())
        .await
        .unwrap();
    assert_eq!(store.youth_keys().await.unwrap(), vec![r]);
}

/// `delete_youth_keys` deletes the rows of the given streams and counts them (absent
/// ones count 0); a second delete counts 0; the log is untouched.
async fn youth_keys_deleted_and_counted(h: &mut Harness) {
    let store = h.store();
    let a = key_row("jeugdige-a", 1);
    let b = key_row("jeugdige-b", 2);
    let c = key_row("jeugdige-c", 3);
    store
        .append_many(
            vec![with_key(&a), with_key(&b), with_key(&c)],
            AppendOptions::default(),
        )
        .await
        .unwrap();
    let streams = vec![
        "jeugdige-a".to_owned(),
        "jeugdige-c".to_owned(),
        "bestaat-niet".to_owned(),
    ];
    assert_eq!(store.delete_youth_keys(&streams).await.unwrap(), 2);
    assert_eq!(store.youth_keys().await.unwrap(), vec![b.clone()]);
    assert_eq!(store.youth_key_by_lookup(&a.lookup).await.unwrap(), None);
    assert_eq!(store.youth_key_by_stream("jeugdige-c").await.unwrap(), None);
    assert_eq!(store.delete_youth_keys(&streams).await.unwrap(), 0);
    assert_eq!(store.delete_youth_keys(&[]).await.unwrap(), 0);
    assert_eq!(store.youth_keys().await.unwrap(), vec![b]);
    // The events stay, and appends go on.
    assert_eq!(store.stream_version("jeugdige-a").await.unwrap(), 1);
    store
        .append("jeugdige-a", vec![ev("T", "{}")], AppendOptions::default())
        .await
        .unwrap();
    assert_eq!(store.head_position().await.unwrap(), 4);
    let report = store.verify().await.unwrap();
    assert!(report.failure.is_none(), "{:?}", report.failure);
    h.reopen().await;
    assert_eq!(h.store().youth_keys().await.unwrap().len(), 1);
}

/// The vault's check value is set once: a second init keeps and returns the first.
async fn vault_check_is_set_once(h: &mut Harness) {
    let store = h.store();
    assert_eq!(store.vault_check().await.unwrap(), None);
    let first = random_bytes_48();
    let second = random_bytes_48();
    assert_eq!(store.init_vault_check(&first).await.unwrap(), first);
    assert_eq!(store.init_vault_check(&second).await.unwrap(), first);
    assert_eq!(store.vault_check().await.unwrap(), Some(first.clone()));
    h.reopen().await;
    assert_eq!(h.store().vault_check().await.unwrap(), Some(first));
}

/// Whether `needle` occurs in the file at `path` (a missing file holds nothing).
fn file_contains(path: &std::path::Path, needle: &[u8]) -> bool {
    match std::fs::read(path) {
        Ok(bytes) => bytes.windows(needle.len()).any(|w| w == needle),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// SQLite: after `delete_youth_keys` the wrapped key's bytes are in neither the database
/// file nor its WAL (`secure_delete` zeroes the row, the truncating checkpoint empties
/// the WAL), while before the delete they are in one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_deleted_youth_key_leaves_no_copy_in_the_files() {
    let h = Harness::sqlite().await;
    let Backend::Sqlite { path, .. } = &h.backend else {
        unreachable!("a SQLite harness");
    };
    let wal = {
        let mut p = path.clone().into_os_string();
        p.push("-wal");
        PathBuf::from(p)
    };
    let store = h.store();
    let gone = key_row("jeugdige-weg", 1);
    let kept = key_row("jeugdige-blijft", 2);
    store
        .append_many(
            vec![with_key(&gone), with_key(&kept)],
            AppendOptions::default(),
        )
        .await
        .unwrap();
    // More appends, so the row's page is in the WAL and (after background checkpoints)
    // in the file, more than once.
    for i in 0..20 {
        store
            .append(
                &format!("s{i}"),
                vec![ev("T", "{}")],
                AppendOptions::default(),
            )
            .await
            .unwrap();
    }
    let before = (
        file_contains(path, &gone.wrapped_key),
        file_contains(&wal, &gone.wrapped_key),
    );
    assert!(
        before.0 || before.1,
        "the key is stored somewhere: {before:?}"
    );

    assert_eq!(
        store
            .delete_youth_keys(&["jeugdige-weg".to_owned()])
            .await
            .unwrap(),
        1
    );
    assert!(
        !file_contains(path, &gone.wrapped_key),
        "the database file holds a copy"
    );
    assert!(
        !file_contains(&wal, &gone.wrapped_key),
        "the WAL holds a copy"
    );
    // The row that stays is still readable, and stored.
    assert_eq!(store.youth_keys().await.unwrap(), vec![kept.clone()]);
    assert!(
        file_contains(path, &kept.wrapped_key) || file_contains(&wal, &kept.wrapped_key),
        "the search finds what is there"
    );
    h.cleanup().await;
}

/// `OpenOptions::EXISTING` (read-only commands): a missing SQLite file is
/// `StoreError::Missing` and stays missing; a database without kringloop's tables is
/// `StoreError::NotMigrated` and gets none, on both backends.
#[tokio::test]
async fn opening_an_existing_store_creates_and_migrates_nothing() {
    use kringloop_store::{OpenOptions, StoreError};
    let dir = tempfile::tempdir().expect("tempdir");
    let pad = dir.path().join("typo.db");
    let url = pad.display().to_string();
    let r = kringloop_store::open_with(&url, OpenOptions::EXISTING).await;
    assert!(matches!(r, Err(StoreError::Missing(_))), "{:?}", r.err());
    assert!(!pad.exists());
    let store = kringloop_store::open(&url).await.expect("writer creates");
    store.close().await.expect("close");
    let store = kringloop_store::open_with(&url, OpenOptions::EXISTING)
        .await
        .expect("a migrated file opens");
    assert_eq!(store.head_position().await.expect("head"), 0);
    store.close().await.expect("close");

    let Some((pg, _guard)) = fresh_pg_database("open_existing").await else {
        return;
    };
    let r = kringloop_store::open_with(&pg, OpenOptions::EXISTING).await;
    assert!(
        matches!(r, Err(StoreError::NotMigrated(_))),
        "{:?}",
        r.err()
    );
    use sqlx::Connection as _;
    let mut c = sqlx::PgConnection::connect(&pg).await.expect("connect");
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut c)
    .await
    .expect("count");
    assert_eq!(n, 0, "no table created");
    c.close().await.expect("close");
    let store = kringloop_store::open(&pg).await.expect("writer migrates");
    store.close().await.expect("close");
    let store = kringloop_store::open_with(&pg, OpenOptions::EXISTING)
        .await
        .expect("a migrated database opens");
    store.close().await.expect("close");
}
