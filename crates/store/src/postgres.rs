//! The production backend: PostgreSQL.
//!
//! Appends run in a transaction that first takes a transaction-level advisory lock, then
//! reads the head and the stream version, checks, and inserts. Concurrent appends of one
//! process are grouped by a writer task into one such transaction (checked in memory,
//! stream versions and idempotency keys read with one query each, the rows of all
//! requests and stream parts inserted with one UNNEST statement per 20,000 rows; a group
//! with a repeated key, or whose insert fails, again with one SAVEPOINT per request; one
//! commit for all), because with the lock held across the commit, one
//! fsync per append would cap throughput at a few hundred appends per second. The lock is held
//! until COMMIT, so appends are serialised: positions are dense and commit in position
//! order, and a reader resuming after position p can never miss a later-committing
//! event with a smaller position (the bigserial problem). Other processes using the same
//! database take the same lock, so this also holds across servers.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt as _;
use kringloop_events::{ExpectedVersion, NewEvent, RecordedEvent};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, Connection as _, Postgres, Row as _};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::chain::{self, CanonicalEvent, ChainRow, GENESIS_HASH, PipelinedVerifier};
use crate::queue::{AppendRequest, Msg};
use crate::{
    AppendOptions, AppendResult, EventStore, FoldEvent, FoldPage, ReadFilter, Result, StoreError,
    StreamAppend, StreamedAppend, VerifyReport,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Advisory lock key that serialises appends ("kringloop" in ASCII, truncated to i64).
const APPEND_LOCK: i64 = 0x6b72_696e_676c_6f6f;

// `payload::text` because sqlx does not decode `json` into a String, and the cast returns
// the stored bytes unchanged (json, unlike jsonb, keeps the input text).
const SELECT_EVENTS: &str = "SELECT position, stream, stream_version, event_id, event_type, \
     schema_version, payload::text, valid_date, recorded_at, recorded_by, source, \
     correlation_id, causation_id, idempotency_key, prev_hash, hash FROM events";

/// Tuning for [`PgStore::connect_with`].
#[derive(Debug, Clone)]
pub struct PgConfig {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PgConfig {
    fn default() -> Self {
        PgConfig {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// The PostgreSQL event store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    tx: mpsc::Sender<Msg>,
}

/// Upper bound on requests folded into one group transaction (a backfill hands over
/// thousands of small sets at once, see [`EventStore::append_many_each`]).
const MAX_GROUP: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Head {
    position: i64,
    hash: [u8; 32],
    recorded_at: Option<i64>,
}

impl Head {
    /// Takes the next position for `e` and returns its chain hash (the head's hash is
    /// the previous one until the caller stores the new one, after writing the row).
    fn next_hash(
        &mut self,
        e: &NewEvent,
        stream: &str,
        version: i64,
        recorded_micros: i64,
        key: Option<&str>,
    ) -> [u8; 32] {
        self.position += 1;
        CanonicalEvent::of_new(e, self.position, stream, version, recorded_micros, key)
            .hash(&self.hash)
    }
}

impl PgStore {
    /// Connects and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, PgConfig::default()).await
    }

    pub async fn connect_with(url: &str, config: PgConfig) -> Result<Self> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|_| StoreError::BadUrl(url.to_owned()))?;
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(config.acquire_timeout)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(group_writer(pool.clone(), rx));
        Ok(PgStore { pool, tx })
    }

    /// The pool, for callers that need their own queries (tests, tools).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// How long the group writer keeps its connection without work before returning it.
const HOLD_IDLE: Duration = Duration::from_millis(20);

/// Groups concurrent appends of this process into one transaction (one commit, one
/// fsync), like the SQLite writer. The advisory lock still serialises against other
/// processes, so correctness does not depend on there being one writer task.
async fn group_writer(pool: PgPool, mut rx: mpsc::Receiver<Msg>) {
    let mut msgs = Vec::with_capacity(MAX_GROUP);
    // The connection of the last grouped transaction, kept while groups keep coming.
    let mut held = Held::default();
    loop {
        if held.conn.is_some() {
            // Just answered a group: let the callers queue their next appends first, so
            // the next group is a full one rather than the first few.
            tokio::task::yield_now().await;
            match tokio::time::timeout(HOLD_IDLE, rx.recv_many(&mut msgs, MAX_GROUP)).await {
                Ok(0) => return,
                Ok(_) => {}
                Err(_) => {
                    // Idle: the connection goes back to the pool.
                    held.conn = None;
                    continue;
                }
            }
        } else if rx.recv_many(&mut msgs, MAX_GROUP).await == 0 {
            return;
        }
        let mut group = Vec::with_capacity(msgs.len());
        let mut close = None;
        for m in msgs.drain(..) {
            match m {
                Msg::Append(r) if close.is_none() => group.push(r),
                // Appends queued after a close are refused (their reply is dropped).
                Msg::Append(_) => {}
                // Never queued here: `PgStore::append_many_streamed` runs its own
                // transaction (see `append_streamed`).
                Msg::Streamed(_) => {}
                Msg::Close(done) => close = Some(done),
            }
        }
        if !group.is_empty() {
            let mut outcomes: Vec<Result<Vec<AppendResult>>> = Vec::with_capacity(group.len());
            let mut replies = Vec::with_capacity(group.len());
            if let Err(e) = run_group(&pool, &mut held, group, &mut outcomes, &mut replies).await {
                let msg = e.to_string();
                for o in &mut outcomes {
                    if o.is_ok() {
                        *o = Err(StoreError::Commit(msg.clone()));
                    }
                }
            }
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
        }
        if let Some(done) = close {
            rx.close();
            drop(held.conn.take());
            let _ = done.send(());
            return;
        }
    }
}

async fn run_group(
    pool: &PgPool,
    held: &mut Held,
    group: Vec<AppendRequest>,
    outcomes: &mut Vec<Result<Vec<AppendResult>>>,
    replies: &mut Vec<oneshot::Sender<Result<Vec<AppendResult>>>>,
) -> Result<()> {
    if !fast_eligible(&group) {
        // Other work uses the pool; the held connection goes back to it.
        held.conn = None;
        held.head = None;
    } else {
        match run_group_fast(pool, held, &group).await {
            // A repeated idempotency key: the per-request path answers it.
            Ok(Fast::RepeatedKey) => {}
            Ok(Fast::Done(done)) => {
                for (req, outcome) in group.into_iter().zip(done) {
                    replies.push(req.reply);
                    outcomes.push(outcome);
                }
                return Ok(());
            }
            Err(e) => {
                // Rolled back: nothing of the group is in the log. The per-request path
                // redoes it and gives every request its own answer (e.g. the one with a
                // duplicate event id).
                tracing::debug!(error = %e, "gebundelde groep valt terug op per verzoek");
            }
        }
    }
    run_group_each(pool, group, outcomes, replies).await
}

/// Groups that [`run_group_fast`] takes: every request has parts with events, and no
/// idempotency key occurs twice (the second would be a repeat of the first).
fn fast_eligible(group: &[AppendRequest]) -> bool {
    let mut keys = std::collections::HashSet::new();
    group.iter().all(|r| {
        !r.parts.is_empty()
            && r.parts.iter().all(|p| !p.events.is_empty())
            && r.key.as_deref().is_none_or(|k| keys.insert(k))
    })
}

/// Rows per UNNEST insert of [`run_group_fast`] (bounds the size of one bind message).
const ROWS_PER_INSERT: usize = 20_000;

/// What [`run_group_fast`] decided.
enum Fast {
    /// Each request's outcome (and the transaction committed, or wrote nothing).
    Done(Vec<Result<Vec<AppendResult>>>),
    /// An idempotency key was already stored: the per-request path answers the group.
    RepeatedKey,
}

/// The group in one transaction without savepoints: the head, the stream versions of
/// all requests and parts, and the idempotency keys are read with one query each,
/// expected versions are checked here in Rust, and the rows of every accepted request go
/// into the log with one UNNEST insert per [`ROWS_PER_INSERT`] rows. A request that
/// fails its check is left out as a whole. `Err` means the transaction was rolled back
/// and nothing was written.
async fn run_group_fast(pool: &PgPool, held: &mut Held, group: &[AppendRequest]) -> Result<Fast> {
    // The writer keeps its connection between groups (no acquire and ping per group).
    let cached_head = held.head.take();
    let mut conn = match held.conn.take() {
        Some(c) => c,
        None => pool.acquire().await?,
    };
    // BEGIN and the lock in one round trip (simple protocol, no binds).
    sqlx::raw_sql(AssertSqlSafe(format!(
        "BEGIN; SELECT pg_advisory_xact_lock({APPEND_LOCK})"
    )))
    .execute(&mut *conn)
    .await?;
    let inner = async {
        let keys: Vec<&str> = group.iter().filter_map(|r| r.key.as_deref()).collect();
        if !keys.is_empty() {
            let repeated: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE key = ANY($1::text[]))",
            )
            .bind(&keys)
            .fetch_one(&mut *conn)
            .await?;
            if repeated {
                sqlx::query("ROLLBACK").execute(&mut *conn).await?;
                return Ok((Fast::RepeatedKey, None));
            }
        }
        let mut names: Vec<&str> = group
            .iter()
            .flat_map(|r| r.parts.iter().map(|p| p.stream.as_str()))
            .collect();
        names.sort_unstable();
        names.dedup();
        // Known head and versions (from our own last group) are only trusted if the
        // head is still ours when the INSERT runs: it checks that (see `guard`).
        let (mut head, mut versions, guard) = if let Some(head) = cached_head
            && names.iter().all(|n| held.versions.contains_key(*n))
        {
            (
                head,
                std::mem::take(&mut held.versions),
                Some(head.position),
            )
        } else {
            held.versions.clear();
            // The head and every stream's version in one query.
            let rows = sqlx::query(
                "SELECT s, (SELECT COALESCE(MAX(stream_version), 0)::bigint FROM events \
             WHERE stream = s), h.position, h.hash, h.recorded_at \
             FROM UNNEST($1::text[]) AS s LEFT JOIN (SELECT position, hash, recorded_at \
             FROM events ORDER BY position DESC LIMIT 1) AS h ON true",
            )
            .bind(names)
            .fetch_all(&mut *conn)
            .await?;
            let mut head = Head {
                position: 0,
                hash: GENESIS_HASH,
                recorded_at: None,
            };
            if let Some(row) = rows.first()
                && let Some(position) = row.try_get::<Option<i64>, _>(2)?
            {
                let hash: Vec<u8> = row.try_get(3)?;
                let at: DateTime<Utc> = row.try_get(4)?;
                head = Head {
                    position,
                    hash: hash32(&hash)?,
                    recorded_at: Some(at.timestamp_micros()),
                };
            }
            let mut versions: std::collections::HashMap<String, i64> =
                std::collections::HashMap::with_capacity(rows.len());
            for row in &rows {
                versions.insert(row.try_get(0)?, row.try_get(1)?);
            }
            (head, versions, None)
        };

        let n: usize = group
            .iter()
            .flat_map(|r| r.parts.iter().map(|p| p.events.len()))
            .sum();
        let mut rows = Rows::with_capacity(n.min(ROWS_PER_INSERT));
        let mut batches: Vec<Rows<'_>> = Vec::new();
        let mut outcomes = Vec::with_capacity(group.len());
        let mut key_rows: Vec<(&str, usize)> = Vec::new();
        let mut local: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
        // Checks first, per request; then its rows are hashed and added.
        for req in group {
            let recorded_micros = match crate::recorded_micros(head.recorded_at, req.recorded_at) {
                Ok(r) => r,
                Err(e) => {
                    outcomes.push(Err(e));
                    continue;
                }
            };
            local.clear();
            let mut starts = Vec::with_capacity(req.parts.len());
            let mut failed = None;
            for part in &req.parts {
                let stream = part.stream.as_str();
                let current = match local.get(stream) {
                    Some(v) => *v,
                    None => versions.get(stream).copied().ok_or_else(|| {
                        StoreError::Commit(format!("versie van stroom `{stream}` niet gelezen"))
                    })?,
                };
                if let Err(e) = crate::check_expected(
                    stream,
                    part.expected.unwrap_or(ExpectedVersion::Any),
                    u64::try_from(current).unwrap_or(0),
                ) {
                    failed = Some(e);
                    break;
                }
                starts.push(current);
                local.insert(
                    stream,
                    current + i64::try_from(part.events.len()).unwrap_or(i64::MAX),
                );
            }
            if let Some(e) = failed {
                outcomes.push(Err(e));
                continue;
            }
            let recorded_at = chain::micros_to_datetime(recorded_micros);
            let key = req.key.as_deref();
            let key_index = key.map(|_| i32::try_from(key_rows.len() + 1).unwrap_or(i32::MAX));
            let mut results = Vec::with_capacity(req.parts.len());
            for (part, current) in req.parts.iter().zip(starts) {
                let stream = part.stream.as_str();
                let first_position = head.position + 1;
                let mut version = current;
                for e in &part.events {
                    version += 1;
                    let hash = head.next_hash(e, stream, version, recorded_micros, key);
                    if rows.positions.len() >= ROWS_PER_INSERT {
                        let full = std::mem::replace(
                            &mut rows,
                            Rows::with_capacity(n.min(ROWS_PER_INSERT)),
                        );
                        batches.push(full);
                    }
                    rows.push(
                        head.position,
                        stream,
                        version,
                        e,
                        recorded_at,
                        key_index,
                        &head.hash,
                        hash,
                    );
                    head.hash = hash;
                }
                results.push(AppendResult {
                    stream: stream.to_owned(),
                    first_position,
                    last_position: head.position,
                    stream_version: version,
                    recorded_at,
                    duplicate: false,
                });
            }
            for (s, v) in local.drain() {
                versions.insert(s.to_owned(), v);
            }
            head.recorded_at = Some(recorded_micros);
            outcomes.push(Ok(results));
            if let Some(k) = key {
                key_rows.push((k, outcomes.len() - 1));
            }
        }
        if !rows.positions.is_empty() {
            batches.push(rows);
        }
        if batches.is_empty() {
            // Every request failed its check: nothing to write. Checks made against the
            // versions cached from our last group are only right if nobody appended since;
            // without an INSERT to carry the head guard, ask (we hold the lock). A moved
            // head sends the group to the per-request path, which reads fresh versions.
            if let Some(ours) = guard {
                let now: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(position), 0)::bigint FROM events")
                        .fetch_one(&mut *conn)
                        .await?;
                if now != ours {
                    return Err(StoreError::Commit(
                        "kop van het log veranderd; groep opnieuw per verzoek".to_owned(),
                    ));
                }
            }
            sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            return Ok((Fast::Done(outcomes), None));
        }
        let key_list: Vec<&str> = key_rows.iter().map(|(k, _)| *k).collect();
        let mut guard = guard;
        for batch in batches {
            let expected_rows = batch.positions.len() as u64;
            let written = batch.insert(&mut conn, &key_list, guard.take()).await?;
            if written != expected_rows {
                // Someone else appended since our last group: the cached head is stale.
                return Err(StoreError::Commit(
                    "kop van het log veranderd; groep opnieuw per verzoek".to_owned(),
                ));
            }
        }
        if !key_rows.is_empty() {
            let mut ks = Vec::with_capacity(key_rows.len());
            let mut streams = Vec::with_capacity(key_rows.len());
            let mut firsts = Vec::with_capacity(key_rows.len());
            let mut lasts = Vec::with_capacity(key_rows.len());
            let mut versions_at = Vec::with_capacity(key_rows.len());
            let mut ats = Vec::with_capacity(key_rows.len());
            for (k, i) in &key_rows {
                if let Some(Ok(results)) = outcomes.get(*i)
                    && let (Some(first), Some(last)) = (results.first(), results.last())
                {
                    ks.push(*k);
                    streams.push(first.stream.as_str());
                    firsts.push(first.first_position);
                    lasts.push(last.last_position);
                    versions_at.push(last.stream_version);
                    ats.push(first.recorded_at);
                }
            }
            sqlx::query(
                "INSERT INTO idempotency_keys \
                 (key, stream, first_position, last_position, stream_version, recorded_at) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[], \
                 $5::bigint[], $6::timestamptz[])",
            )
            .bind(ks)
            .bind(streams)
            .bind(firsts)
            .bind(lasts)
            .bind(versions_at)
            .bind(ats)
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        Ok::<_, StoreError>((Fast::Done(outcomes), Some((head, versions))))
    }
    .await;
    if inner.is_err() {
        // Best effort; a broken connection is not returned to the pool in this state.
        if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
            conn.detach();
        }
        held.versions.clear();
        return inner.map(|(o, _)| o);
    }
    held.conn = Some(conn);
    let (outcomes, state) = inner?;
    if let Some((head, versions)) = state {
        held.head = Some(head);
        held.versions = versions;
        if held.versions.len() > MAX_CACHED_STREAMS {
            held.versions.clear();
        }
    } else {
        // Nothing written: the head read (if any) is still the head, but keep it simple.
        held.versions.clear();
    }
    Ok(outcomes)
}

/// The rows of one UNNEST insert of [`run_group_fast`], column by column.
struct Rows<'a> {
    positions: Vec<i64>,
    streams: Vec<&'a str>,
    stream_versions: Vec<i64>,
    ids: Vec<Uuid>,
    types: Vec<&'a str>,
    schemas: Vec<i32>,
    payloads: Vec<&'a str>,
    dates: Vec<Option<NaiveDate>>,
    ats: Vec<DateTime<Utc>>,
    bys: Vec<&'a str>,
    sources: Vec<&'a str>,
    corrs: Vec<Option<Uuid>>,
    causes: Vec<Option<Uuid>>,
    /// 1-based index into the group's key list, NULL without a key.
    keys: Vec<Option<i32>>,
    prevs: Vec<Vec<u8>>,
    hashes: Vec<Vec<u8>>,
}

impl<'a> Rows<'a> {
    fn with_capacity(n: usize) -> Self {
        Rows {
            positions: Vec::with_capacity(n),
            streams: Vec::with_capacity(n),
            stream_versions: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
            types: Vec::with_capacity(n),
            schemas: Vec::with_capacity(n),
            payloads: Vec::with_capacity(n),
            dates: Vec::with_capacity(n),
            ats: Vec::with_capacity(n),
            bys: Vec::with_capacity(n),
            sources: Vec::with_capacity(n),
            corrs: Vec::with_capacity(n),
            causes: Vec::with_capacity(n),
            keys: Vec::with_capacity(n),
            prevs: Vec::with_capacity(n),
            hashes: Vec::with_capacity(n),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        position: i64,
        stream: &'a str,
        version: i64,
        e: &'a NewEvent,
        at: DateTime<Utc>,
        key: Option<i32>,
        prev: &[u8; 32],
        hash: [u8; 32],
    ) {
        self.positions.push(position);
        self.streams.push(stream);
        self.stream_versions.push(version);
        self.ids.push(e.event_id);
        self.types.push(e.event_type.as_str());
        self.schemas.push(e.schema_version);
        self.payloads.push(e.payload.as_str());
        self.dates.push(e.valid_date);
        self.ats.push(at);
        self.bys.push(e.recorded_by.as_str());
        self.sources.push(e.source.as_str());
        self.corrs.push(e.correlation_id);
        self.causes.push(e.causation_id);
        self.keys.push(key);
        self.prevs.push(prev.to_vec());
        self.hashes.push(hash.to_vec());
    }

    /// Inserts the rows; with `guard`, only if the log's head is still at that position
    /// (returns the rows written).
    async fn insert(
        self,
        conn: &mut PgConnection,
        keys: &[&str],
        guard: Option<i64>,
    ) -> Result<u64> {
        Ok(sqlx::query(
            "INSERT INTO events (position, stream, stream_version, event_id, event_type, \
                 schema_version, payload, valid_date, recorded_at, recorded_by, source, \
                 correlation_id, causation_id, idempotency_key, prev_hash, hash) \
                 SELECT u.position, u.stream, u.stream_version, u.event_id, u.event_type, \
                 u.schema_version, u.payload::json, u.valid_date, u.recorded_at, \
                 u.recorded_by, u.source, u.correlation_id, u.causation_id, \
                 ($17::text[])[u.key], u.prev_hash, u.hash \
                 FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], \
                 $6::int4[], $7::text[], $8::date[], $9::timestamptz[], $10::text[], \
                 $11::text[], $12::uuid[], $13::uuid[], $14::bytea[], $15::bytea[], \
                 $18::int4[]) \
                 AS u(position, stream, stream_version, event_id, event_type, \
                 schema_version, payload, valid_date, recorded_at, recorded_by, source, \
                 correlation_id, causation_id, prev_hash, hash, key) \
                 WHERE $16::bigint IS NULL \
                 OR (SELECT COALESCE(MAX(position), 0) FROM events) = $16 \
                 ORDER BY u.position",
        )
        .bind(self.positions)
        .bind(self.streams)
        .bind(self.stream_versions)
        .bind(self.ids)
        .bind(self.types)
        .bind(self.schemas)
        .bind(self.payloads)
        .bind(self.dates)
        .bind(self.ats)
        .bind(self.bys)
        .bind(self.sources)
        .bind(self.corrs)
        .bind(self.causes)
        .bind(self.prevs)
        .bind(self.hashes)
        .bind(guard)
        .bind(keys)
        .bind(self.keys)
        .execute(&mut *conn)
        .await
        .map_err(map_insert_error)?
        .rows_affected())
    }
}
/// Cap on stream versions the group writer remembers.
const MAX_CACHED_STREAMS: usize = 100_000;

/// What the group writer keeps between groups.
#[derive(Default)]
struct Held {
    /// Its connection, while groups keep coming.
    conn: Option<PoolConnection<Postgres>>,
    /// The head after our last committed group, and the stream versions as of it.
    /// Only used behind the INSERT's head check.
    head: Option<Head>,
    versions: std::collections::HashMap<String, i64>,
}

/// The group with a SAVEPOINT per request (requests with several parts or an
/// idempotency key, and the fallback of [`run_group_fast`]).
async fn run_group_each(
    pool: &PgPool,
    group: Vec<AppendRequest>,
    outcomes: &mut Vec<Result<Vec<AppendResult>>>,
    replies: &mut Vec<oneshot::Sender<Result<Vec<AppendResult>>>>,
) -> Result<()> {
    // Take every reply slot first, so each request gets an answer whatever fails.
    let mut requests = Vec::with_capacity(group.len());
    for req in group {
        replies.push(req.reply);
        requests.push((req.parts, req.key, req.recorded_at));
    }
    let result = async {
        let mut conn = pool.acquire().await?;
        sqlx::query("BEGIN").execute(&mut *conn).await?;
        let inner = async {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(APPEND_LOCK)
                .execute(&mut *conn)
                .await?;
            let mut head = read_head(&mut conn).await?;
            // A lone request needs no savepoint: if it fails, the whole transaction goes.
            let savepoints = requests.len() > 1;
            for (parts, key, recorded_at) in requests {
                if savepoints {
                    sqlx::query("SAVEPOINT req").execute(&mut *conn).await?;
                }
                let before = head;
                match append_request(&mut conn, &mut head, parts, key, recorded_at).await {
                    Ok(r) => {
                        if savepoints {
                            sqlx::query("RELEASE SAVEPOINT req")
                                .execute(&mut *conn)
                                .await?;
                        }
                        outcomes.push(Ok(r));
                    }
                    Err(e) => {
                        if savepoints {
                            sqlx::query("ROLLBACK TO SAVEPOINT req")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("RELEASE SAVEPOINT req")
                                .execute(&mut *conn)
                                .await?;
                        }
                        head = before;
                        outcomes.push(Err(e));
                    }
                }
            }
            if !savepoints && outcomes.iter().all(Result::is_err) {
                sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            } else {
                sqlx::query("COMMIT").execute(&mut *conn).await?;
            }
            Ok::<(), StoreError>(())
        }
        .await;
        if inner.is_err() {
            // Best effort; a broken connection is not returned to the pool in this state.
            if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                conn.detach();
            }
        }
        inner
    }
    .await;
    if result.is_err() {
        while outcomes.len() < replies.len() {
            outcomes.push(Err(StoreError::Commit("groep afgebroken".to_owned())));
        }
    }
    result
}

/// How [`append_streamed`] ended (when it did not fail).
enum Streamed {
    Done(Vec<AppendResult>),
    /// The key was already stored: rolled back, and these are all the parts (the
    /// ordinary `append_many` answers the repeat).
    RepeatedKey(Vec<StreamAppend>),
}

/// [`EventStore::append_many_streamed`] on its own connection: BEGIN and the advisory
/// lock when the set starts (so other appends, the group writer's included, wait until
/// it commits or rolls back), then per arriving batch of parts the checks of
/// [`run_group_fast`] (versions of the batch's new streams in one query, expected
/// versions in Rust) and one binary COPY of its rows ([`CopyRows`]); the key and
/// COMMIT at [`StreamedAppend::Commit`]. `Err`: the caller rolls back.
async fn append_streamed(
    conn: &mut PgConnection,
    parts_rx: &mut mpsc::UnboundedReceiver<StreamedAppend>,
    options: &AppendOptions,
) -> Result<Streamed> {
    sqlx::raw_sql(AssertSqlSafe(format!(
        "BEGIN; SELECT pg_advisory_xact_lock({APPEND_LOCK})"
    )))
    .execute(&mut *conn)
    .await?;
    let key = options.idempotency_key.as_deref();
    if let Some(k) = key {
        let repeated: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE key = $1)")
                .bind(k)
                .fetch_one(&mut *conn)
                .await?;
        if repeated {
            sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            let mut all = Vec::new();
            loop {
                match parts_rx.recv().await {
                    Some(StreamedAppend::Parts(mut p)) => all.append(&mut p),
                    Some(StreamedAppend::Commit) => return Ok(Streamed::RepeatedKey(all)),
                    None => return Err(StoreError::Aborted),
                }
            }
        }
    }
    let mut head = read_head(conn).await?;
    let recorded_micros = crate::recorded_micros(head.recorded_at, options.recorded_at)?;
    let recorded_at = chain::micros_to_datetime(recorded_micros);
    let mut versions: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut ids = std::collections::HashSet::new();
    let mut results: Vec<AppendResult> = Vec::new();
    // Streams taken to be new without a query (their parts expect `NoStream`).
    let mut assumed_new: Vec<String> = Vec::new();
    loop {
        let parts = match parts_rx.recv().await {
            Some(StreamedAppend::Parts(p)) => p,
            Some(StreamedAppend::Commit) => break,
            None => return Err(StoreError::Aborted),
        };
        crate::validate_parts(&parts, options, &mut ids)?;
        // A part that expects a new stream needs no version query: version 1 of a stream
        // that exists breaks the unique index `events_stream_version`, so the database
        // checks it (an import of new youths sends thousands per batch; the query was a
        // round trip and an index probe each). Such a failure is turned into the
        // `Conflict` the check would have given (`conflict_after_unique_violation`).
        for part in &parts {
            if part.expected == Some(ExpectedVersion::NoStream)
                && !versions.contains_key(part.stream.as_str())
            {
                versions.insert(part.stream.clone(), 0);
                assumed_new.push(part.stream.clone());
            }
        }
        let mut names: Vec<&str> = parts
            .iter()
            .map(|p| p.stream.as_str())
            .filter(|s| !versions.contains_key(*s))
            .collect();
        names.sort_unstable();
        names.dedup();
        if !names.is_empty() {
            versions.extend(stream_versions(conn, &names).await?);
        }
        // Checks first, so that nothing can fail between here and the end of the COPY
        // but the database itself.
        let mut firsts = Vec::with_capacity(parts.len());
        for part in &parts {
            let stream = part.stream.as_str();
            let current = versions.get(stream).copied().ok_or_else(|| {
                StoreError::Commit(format!("versie van stroom `{stream}` niet gelezen"))
            })?;
            crate::check_expected(
                stream,
                part.expected.unwrap_or(ExpectedVersion::Any),
                u64::try_from(current).unwrap_or(0),
            )?;
            firsts.push(current + 1);
            let n = i64::try_from(part.events.len()).unwrap_or(i64::MAX);
            versions.insert(stream.to_owned(), current + n);
        }
        // Binary COPY: no bind message of 16 arrays to build and parse, and the server
        // inserts while the next rows are still being hashed here (sent in pieces).
        let copied: std::result::Result<(), sqlx::Error> = async {
            let mut copy = conn.copy_in_raw(COPY_EVENTS).await?;
            let mut rows = CopyRows::new();
            for (part, first_version) in parts.iter().zip(firsts) {
                let stream = part.stream.as_str();
                let first_position = head.position + 1;
                let mut version = first_version - 1;
                for e in &part.events {
                    version += 1;
                    let hash = head.next_hash(e, stream, version, recorded_micros, key);
                    rows.push(
                        head.position,
                        stream,
                        version,
                        e,
                        recorded_micros,
                        key,
                        &head.hash,
                        &hash,
                    );
                    head.hash = hash;
                    if rows.len() >= COPY_SEND_BYTES {
                        copy.send(rows.take()).await?;
                    }
                }
                results.push(AppendResult {
                    stream: stream.to_owned(),
                    first_position,
                    last_position: head.position,
                    stream_version: version,
                    recorded_at,
                    duplicate: false,
                });
            }
            copy.send(rows.finish()).await?;
            copy.finish().await?;
            Ok(())
        }
        .await;
        if let Err(e) = copied {
            return Err(conflict_after_unique_violation(conn, e, &assumed_new).await);
        }
    }
    let (Some(first), Some(last)) = (results.first(), results.last()) else {
        return Err(StoreError::Invalid(
            "lege append_many: geen stromen".to_owned(),
        ));
    };
    if let Some(k) = key {
        sqlx::query(
            "INSERT INTO idempotency_keys \
             (key, stream, first_position, last_position, stream_version, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(k)
        .bind(first.stream.as_str())
        .bind(first.first_position)
        .bind(last.last_position)
        .bind(last.stream_version)
        .bind(first.recorded_at)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(Streamed::Done(results))
}

/// The current version of each stream in `names` (0 for a stream that does not exist).
async fn stream_versions<S: AsRef<str>>(
    conn: &mut PgConnection,
    names: &[S],
) -> std::result::Result<Vec<(String, i64)>, sqlx::Error> {
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    sqlx::query_as(
        "SELECT s, (SELECT COALESCE(MAX(stream_version), 0)::bigint FROM events \
         WHERE stream = s) FROM UNNEST($1::text[]) AS s",
    )
    .bind(names)
    .fetch_all(&mut *conn)
    .await
}

/// The error of a failed COPY of [`append_streamed`]. A stream that was taken to be new
/// (its part expected `NoStream`) but exists breaks `events_stream_version`; then the
/// transaction is rolled back here and the versions of those streams are read, so the
/// caller gets the same `Conflict` that a checked part gets. Any other error keeps its
/// meaning ([`map_insert_error`]).
async fn conflict_after_unique_violation(
    conn: &mut PgConnection,
    e: sqlx::Error,
    assumed_new: &[String],
) -> StoreError {
    let stream_taken = e.as_database_error().is_some_and(|d| {
        d.is_unique_violation() && d.constraint() == Some("events_stream_version")
    });
    if !stream_taken || assumed_new.is_empty() {
        return map_insert_error(e);
    }
    if let Err(rb) = sqlx::query("ROLLBACK").execute(&mut *conn).await {
        return StoreError::Database(rb);
    }
    match stream_versions(conn, assumed_new).await {
        Ok(rows) => match rows.into_iter().find(|(_, v)| *v > 0) {
            Some((stream, actual)) => StoreError::Conflict {
                stream,
                expected: ExpectedVersion::NoStream,
                actual: u64::try_from(actual).unwrap_or(0),
            },
            None => map_insert_error(e),
        },
        Err(q) => StoreError::Database(q),
    }
}

/// The COPY of [`append_streamed`]; the rows are encoded by [`CopyRows`] in this column
/// order.
const COPY_EVENTS: &str = "COPY events (position, stream, stream_version, event_id, \
     event_type, schema_version, payload, valid_date, recorded_at, recorded_by, source, \
     correlation_id, causation_id, idempotency_key, prev_hash, hash) \
     FROM STDIN (FORMAT binary)";

/// COPY data is handed to the connection in pieces of about this size, so the server
/// works on one piece while the next is hashed and encoded.
const COPY_SEND_BYTES: usize = 256 * 1024;

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00 UTC).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Rows in PostgreSQL's binary COPY format
/// (<https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4>): a header,
/// per row a field count and per field a length (-1: NULL) and the value in the type's
/// binary form, a trailer. The values are the ones the UNNEST insert binds: text and
/// json as their UTF-8 bytes (json's binary input is its text, checked as usual), uuid
/// as 16 bytes, bigint/int4 big-endian, date as days and timestamptz as microseconds
/// since 2000-01-01, bytea as is.
struct CopyRows {
    buf: Vec<u8>,
}

impl CopyRows {
    const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
    const FIELDS: i16 = 16;

    fn new() -> Self {
        let mut buf = Vec::with_capacity(COPY_SEND_BYTES + 64 * 1024);
        buf.extend_from_slice(Self::SIGNATURE);
        // Flags (no OIDs), then the length of the (empty) header extension.
        buf.extend_from_slice(&0i32.to_be_bytes());
        buf.extend_from_slice(&0i32.to_be_bytes());
        CopyRows { buf }
    }

    fn len(&self) -> usize {
        self.buf.len()
    }

    /// The bytes so far, to send; encoding goes on in a fresh buffer.
    fn take(&mut self) -> Vec<u8> {
        std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(COPY_SEND_BYTES + 64 * 1024),
        )
    }

    /// The rest, with the trailer.
    fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        position: i64,
        stream: &str,
        version: i64,
        e: &NewEvent,
        recorded_micros: i64,
        key: Option<&str>,
        prev: &[u8; 32],
        hash: &[u8; 32],
    ) {
        self.buf.extend_from_slice(&Self::FIELDS.to_be_bytes());
        self.i64(position);
        self.bytes(stream.as_bytes());
        self.i64(version);
        self.bytes(e.event_id.as_bytes());
        self.bytes(e.event_type.as_bytes());
        self.bytes(&e.schema_version.to_be_bytes());
        self.bytes(e.payload.as_bytes());
        match e.valid_date {
            Some(d) => {
                let days = d.signed_duration_since(pg_epoch_date()).num_days();
                // Dates chrono can hold are within ±100 million days.
                self.bytes(&i32::try_from(days).unwrap_or(i32::MAX).to_be_bytes());
            }
            None => self.null(),
        }
        self.i64(recorded_micros - PG_EPOCH_MICROS);
        self.bytes(e.recorded_by.as_bytes());
        self.bytes(e.source.as_bytes());
        self.opt_bytes(e.correlation_id.as_ref().map(|u| &u.as_bytes()[..]));
        self.opt_bytes(e.causation_id.as_ref().map(|u| &u.as_bytes()[..]));
        self.opt_bytes(key.map(str::as_bytes));
        self.bytes(prev);
        self.bytes(hash);
    }

    fn i64(&mut self, v: i64) {
        self.bytes(&v.to_be_bytes());
    }

    fn bytes(&mut self, v: &[u8]) {
        // A single value is far below 2 GiB (the store's payloads and names are small,
        // and PostgreSQL refuses a field of 1 GB or more anyway).
        let len = i32::try_from(v.len()).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(v);
    }

    fn opt_bytes(&mut self, v: Option<&[u8]>) {
        match v {
            Some(v) => self.bytes(v),
            None => self.null(),
        }
    }

    fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }
}

fn pg_epoch_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

async fn read_head(conn: &mut PgConnection) -> Result<Head> {
    let head = sqlx::query(
        "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match head {
        None => Head {
            position: 0,
            hash: GENESIS_HASH,
            recorded_at: None,
        },
        Some(row) => {
            let hash: Vec<u8> = row.try_get(1)?;
            let at: DateTime<Utc> = row.try_get(2)?;
            Head {
                position: row.try_get(0)?,
                hash: hash32(&hash)?,
                recorded_at: Some(at.timestamp_micros()),
            }
        }
    })
}

/// One request (one or more stream parts) inside the group transaction, under the
/// advisory lock. `head` advances as rows are written.
async fn append_request(
    conn: &mut PgConnection,
    head: &mut Head,
    parts: Vec<StreamAppend>,
    key: Option<String>,
    requested_at: Option<DateTime<Utc>>,
) -> Result<Vec<AppendResult>> {
    // Under the lock, so a racing retry with the same key sees the first one.
    if let Some(key) = &key {
        let row = sqlx::query(
            "SELECT stream, first_position, last_position, stream_version, recorded_at \
             FROM idempotency_keys WHERE key = $1",
        )
        .bind(key.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            let first = AppendResult {
                stream: row.try_get(0)?,
                first_position: row.try_get(1)?,
                last_position: row.try_get(2)?,
                stream_version: row.try_get(3)?,
                recorded_at: row.try_get(4)?,
                duplicate: true,
            };
            same_as_first(conn, key, &parts, &first).await?;
            if parts.len() == 1 {
                return Ok(vec![first]);
            }
            let per_stream = sqlx::query(
                "SELECT stream, MIN(position), MAX(position), MAX(stream_version) FROM events \
                 WHERE position BETWEEN $1 AND $2 GROUP BY stream",
            )
            .bind(first.first_position)
            .bind(first.last_position)
            .fetch_all(&mut *conn)
            .await?;
            let mut ranges = std::collections::HashMap::new();
            for r in &per_stream {
                let s: String = r.try_get(0)?;
                ranges.insert(s, (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
            }
            return Ok(crate::duplicate_results(&parts, &first, &ranges));
        }
    }
    let recorded_micros = crate::recorded_micros(head.recorded_at, requested_at)?;
    // Versions written by earlier parts of this same request.
    let mut local: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut results = Vec::with_capacity(parts.len());
    for part in parts {
        let r = append_part(conn, head, &local, part, key.as_deref(), recorded_micros).await?;
        local.insert(r.stream.clone(), r.stream_version);
        results.push(r);
    }
    if let (Some(key), Some(first), Some(last)) = (key, results.first(), results.last()) {
        sqlx::query(
            "INSERT INTO idempotency_keys \
             (key, stream, first_position, last_position, stream_version, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(key)
        .bind(first.stream.as_str())
        .bind(first.first_position)
        .bind(last.last_position)
        .bind(last.stream_version)
        .bind(first.recorded_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(results)
}

/// Whether a request that repeats `key` is the request that `first` answered (see
/// [`crate::SameRequest`]); [`StoreError::IdempotencyConflict`] if not.
async fn same_as_first(
    conn: &mut PgConnection,
    key: &str,
    parts: &[StreamAppend],
    first: &AppendResult,
) -> Result<()> {
    let mut check = crate::SameRequest::new(key, parts, first.first_position, first.last_position)?;
    for (from, to) in crate::compare_pages(first.first_position, first.last_position) {
        let rows = sqlx::query(
            "SELECT stream, event_type, payload::text FROM events \
             WHERE position BETWEEN $1 AND $2 ORDER BY position",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
        for r in &rows {
            check.row(r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)?;
        }
    }
    check.finish()
}

/// One stream's rows, in one INSERT.
async fn append_part(
    conn: &mut PgConnection,
    head: &mut Head,
    local: &std::collections::HashMap<String, i64>,
    part: StreamAppend,
    key: Option<&str>,
    recorded_micros: i64,
) -> Result<AppendResult> {
    let StreamAppend {
        stream,
        events,
        expected,
    } = part;
    let stream = stream.as_str();
    let (head_position, head_hash) = (head.position, head.hash);
    let current: i64 = match local.get(stream) {
        Some(v) => *v,
        None => {
            sqlx::query_scalar(
                "SELECT COALESCE(MAX(stream_version), 0)::bigint FROM events WHERE stream = $1",
            )
            .bind(stream)
            .fetch_one(&mut *conn)
            .await?
        }
    };
    crate::check_expected(
        stream,
        expected.unwrap_or(ExpectedVersion::Any),
        u64::try_from(current).unwrap_or(0),
    )?;
    let recorded_at = chain::micros_to_datetime(recorded_micros);

    let n = events.len();
    let mut positions = Vec::with_capacity(n);
    let mut versions = Vec::with_capacity(n);
    let mut ids = Vec::with_capacity(n);
    let mut types = Vec::with_capacity(n);
    let mut schemas = Vec::with_capacity(n);
    let mut payloads = Vec::with_capacity(n);
    let mut dates: Vec<Option<NaiveDate>> = Vec::with_capacity(n);
    let mut bys = Vec::with_capacity(n);
    let mut sources = Vec::with_capacity(n);
    let mut corrs: Vec<Option<Uuid>> = Vec::with_capacity(n);
    let mut causes: Vec<Option<Uuid>> = Vec::with_capacity(n);
    let mut prevs = Vec::with_capacity(n);
    let mut hashes = Vec::with_capacity(n);
    let mut prev = head_hash;
    let mut position = head_position;
    let mut version = current;
    for e in events {
        position += 1;
        version += 1;
        let hash =
            CanonicalEvent::of_new(&e, position, stream, version, recorded_micros, key).hash(&prev);
        positions.push(position);
        versions.push(version);
        ids.push(e.event_id);
        types.push(e.event_type);
        schemas.push(e.schema_version);
        payloads.push(e.payload);
        dates.push(e.valid_date);
        bys.push(e.recorded_by);
        sources.push(e.source);
        corrs.push(e.correlation_id);
        causes.push(e.causation_id);
        prevs.push(prev.to_vec());
        hashes.push(hash.to_vec());
        prev = hash;
    }
    // One statement per batch: arrays instead of n×16 binds, no bind limit.
    sqlx::query(
        "INSERT INTO events (position, stream, stream_version, event_id, event_type, \
             schema_version, payload, valid_date, recorded_at, recorded_by, source, \
             correlation_id, causation_id, idempotency_key, prev_hash, hash) \
             SELECT u.position, $2, u.stream_version, u.event_id, u.event_type, \
             u.schema_version, u.payload::json, u.valid_date, $9, u.recorded_by, u.source, \
             u.correlation_id, u.causation_id, $12, u.prev_hash, u.hash \
             FROM UNNEST($1::bigint[], $3::bigint[], $4::uuid[], $5::text[], $6::int4[], \
             $7::text[], $8::date[], $10::text[], $11::text[], $13::uuid[], $14::uuid[], \
             $15::bytea[], $16::bytea[]) AS u(position, stream_version, event_id, event_type, \
             schema_version, payload, valid_date, recorded_by, source, correlation_id, \
             causation_id, prev_hash, hash) ORDER BY u.position",
    )
    .bind(positions)
    .bind(stream)
    .bind(versions)
    .bind(ids)
    .bind(types)
    .bind(schemas)
    .bind(payloads)
    .bind(dates)
    .bind(recorded_at)
    .bind(bys)
    .bind(sources)
    .bind(key)
    .bind(corrs)
    .bind(causes)
    .bind(prevs)
    .bind(hashes)
    .execute(&mut *conn)
    .await
    .map_err(map_insert_error)?;

    let first_position = head_position + 1;
    *head = Head {
        position,
        hash: prev,
        recorded_at: Some(recorded_micros),
    };
    Ok(AppendResult {
        stream: stream.to_owned(),
        first_position,
        last_position: position,
        stream_version: version,
        recorded_at,
        duplicate: false,
    })
}

#[async_trait]
impl EventStore for PgStore {
    async fn append(
        &self,
        stream: &str,
        events: Vec<NewEvent>,
        options: AppendOptions,
    ) -> Result<AppendResult> {
        crate::validate_batch(stream, &events, &options)?;
        let part = StreamAppend {
            stream: stream.to_owned(),
            events,
            expected: options.expected,
        };
        let results = crate::queue::send(&self.tx, vec![part], options).await?;
        results
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Commit("schrijver gaf geen resultaat".to_owned()))
    }

    async fn append_many(
        &self,
        appends: Vec<StreamAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>> {
        crate::validate_many(&appends, &options)?;
        crate::queue::send(&self.tx, appends, options).await
    }

    async fn append_many_streamed(
        &self,
        mut parts: mpsc::UnboundedReceiver<StreamedAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>> {
        crate::validate_many_options(&options)?;
        if options.idempotency_key.as_deref() == Some("") {
            return Err(StoreError::Invalid("lege idempotentiesleutel".to_owned()));
        }
        let mut conn = self.pool.acquire().await?;
        let result = append_streamed(&mut conn, &mut parts, &options).await;
        match result {
            Ok(Streamed::Done(results)) => Ok(results),
            Ok(Streamed::RepeatedKey(all)) => {
                drop(conn);
                self.append_many(all, options).await
            }
            Err(e) => {
                if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                    conn.detach();
                }
                Err(e)
            }
        }
    }

    async fn append_many_each(
        &self,
        sets: Vec<(Vec<StreamAppend>, AppendOptions)>,
    ) -> Vec<Result<Vec<AppendResult>>> {
        crate::queue::send_each(&self.tx, sets).await
    }

    async fn read_stream(&self, stream: &str, from_version: i64) -> Result<Vec<RecordedEvent>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT_EVENTS} WHERE stream = $1 AND stream_version >= $2 ORDER BY stream_version"
        )))
        .bind(stream)
        .bind(from_version)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_event).collect()
    }

    async fn read_all(&self, after: i64, limit: usize) -> Result<Vec<RecordedEvent>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT_EVENTS} WHERE position > $1 ORDER BY position LIMIT $2"
        )))
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_event).collect()
    }

    async fn read_for_fold(&self, after: i64, limit: usize) -> Result<FoldPage> {
        // Only the columns a fold needs, borrowed from the rows into one page (no string
        // per field per event; hashes and provenance are not even sent).
        let rows = sqlx::query(
            "SELECT position, event_id, recorded_at, schema_version, stream, event_type, \
             payload::text FROM events WHERE position > $1 ORDER BY position LIMIT $2",
        )
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let mut page = FoldPage::with_capacity(rows.len(), rows.len() * 256);
        for row in &rows {
            page.push(FoldEvent {
                position: row.try_get(0)?,
                event_id: row.try_get(1)?,
                recorded_at: row.try_get(2)?,
                schema_version: row.try_get(3)?,
                stream: row.try_get(4)?,
                event_type: row.try_get(5)?,
                payload: row.try_get(6)?,
            });
        }
        Ok(page)
    }

    async fn read_filtered(
        &self,
        after: i64,
        limit: usize,
        filter: &ReadFilter,
    ) -> Result<Vec<RecordedEvent>> {
        // NULL parameters switch a condition off, so one static statement serves all.
        let types: Option<&[String]> = if filter.event_types.is_empty() {
            None
        } else {
            Some(&filter.event_types)
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT_EVENTS} WHERE position > $1 \
             AND ($2::text[] IS NULL OR event_type = ANY($2)) \
             AND ($3::timestamptz IS NULL OR recorded_at >= $3) \
             AND ($4::timestamptz IS NULL OR recorded_at < $4) \
             ORDER BY position LIMIT $5"
        )))
        .bind(after)
        .bind(types)
        .bind(filter.recorded_from)
        .bind(filter.recorded_to)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decode_event).collect()
    }

    async fn stream_version(&self, stream: &str) -> Result<u64> {
        let v: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(stream_version), 0)::bigint FROM events WHERE stream = $1",
        )
        .bind(stream)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(v).unwrap_or(0))
    }

    async fn head_position(&self) -> Result<i64> {
        let p: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0)::bigint FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(p)
    }

    async fn verify(&self) -> Result<VerifyReport> {
        let mut conn = self.pool.acquire().await?;
        // REPEATABLE READ: one snapshot for the whole walk, while appends go on.
        let mut tx = conn.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let mut pipe = PipelinedVerifier::start()
            .map_err(|e| StoreError::Commit(format!("verificatiethread: {e}")))?;
        {
            let mut rows = sqlx::query(AssertSqlSafe(format!("{SELECT_EVENTS} ORDER BY position")))
                .fetch(&mut *tx);
            let chunk_size = chain::VERIFY_CHUNK;
            let mut chunk = Vec::with_capacity(chunk_size);
            while let Some(row) = rows.try_next().await? {
                chunk.push(decode_chain_row(&row)?);
                if chunk.len() == chunk_size
                    && !pipe.send(std::mem::replace(
                        &mut chunk,
                        Vec::with_capacity(chunk_size),
                    ))
                {
                    break;
                }
            }
            if !chunk.is_empty() {
                pipe.send(chunk);
            }
        }
        tx.rollback().await?;
        tokio::task::spawn_blocking(move || pipe.finish())
            .await
            .map_err(|e| StoreError::Commit(format!("verificatie: {e}")))
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn close(&self) -> Result<()> {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Close(done)).await.is_ok() {
            // The writer answers after finishing what was queued before the close.
            let _ = wait.await;
        }
        self.pool.close().await;
        Ok(())
    }
}

fn hash32(bytes: &[u8]) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|_| {
        StoreError::Database(sqlx::Error::Decode(
            format!("hash van {} bytes, verwacht 32", bytes.len()).into(),
        ))
    })
}

fn map_insert_error(e: sqlx::Error) -> StoreError {
    if crate::duplicate_event_id(&e) {
        StoreError::Invalid(
            "een gebeurtenis-id uit de batch staat al in het log; niets geschreven".to_owned(),
        )
    } else {
        StoreError::Database(e)
    }
}

fn decode_event(row: &PgRow) -> Result<RecordedEvent> {
    let prev: &[u8] = row.try_get(14)?;
    let hash: &[u8] = row.try_get(15)?;
    Ok(RecordedEvent {
        position: row.try_get(0)?,
        stream: row.try_get(1)?,
        stream_version: row.try_get(2)?,
        event_id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        schema_version: row.try_get(5)?,
        payload: row.try_get(6)?,
        valid_date: row.try_get(7)?,
        recorded_at: row.try_get(8)?,
        recorded_by: row.try_get(9)?,
        source: row.try_get(10)?,
        correlation_id: row.try_get(11)?,
        causation_id: row.try_get(12)?,
        idempotency_key: row.try_get(13)?,
        prev_hash: hash32(prev)?,
        hash: hash32(hash)?,
    })
}

fn decode_chain_row(row: &PgRow) -> Result<ChainRow> {
    let at: DateTime<Utc> = row.try_get(8)?;
    Ok(ChainRow {
        position: row.try_get(0)?,
        stream: row.try_get(1)?,
        stream_version: row.try_get(2)?,
        event_id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        schema_version: row.try_get(5)?,
        payload: row.try_get(6)?,
        valid_date: row.try_get(7)?,
        recorded_at_micros: at.timestamp_micros(),
        recorded_by: row.try_get(9)?,
        source: row.try_get(10)?,
        correlation_id: row.try_get(11)?,
        causation_id: row.try_get(12)?,
        idempotency_key: row.try_get(13)?,
        prev_hash: row.try_get(14)?,
        hash: row.try_get(15)?,
    })
}
