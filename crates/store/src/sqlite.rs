//! The embedded backend: one SQLite file in WAL mode.
//!
//! Writes go through ONE writer task that owns the only write connection. Appends are
//! queued on a channel; the writer drains whatever is queued, runs it in one
//! `BEGIN IMMEDIATE` transaction (each request in its own SAVEPOINT, so a conflict rolls
//! back only that request), commits once and then answers everyone: group commit. Because
//! there is one writer, rowid order is commit order and positions are dense.
//!
//! Durability: the write connection uses `synchronous=FULL` by default, so an
//! acknowledged append survives power loss (WAL + NORMAL only survives a process crash).
//! Group commit is what keeps FULL affordable: one fsync per group, not per append.
//! [`SqliteConfig::durability`] can trade that for speed (`Normal`).

use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::TryStreamExt as _;
use kringloop_events::{ExpectedVersion, NewEvent, RecordedEvent};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Connection as _, Row as _};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::chain::{self, CanonicalEvent, GENESIS_HASH, Verifier};
use crate::{
    AppendOptions, AppendResult, EventStore, ReadFilter, Result, StoreError, StreamAppend,
    VerifyReport,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Columns per event row in the INSERT.
const COLUMNS: usize = 16;
/// Rows per multi-row INSERT: 1,000 × 16 = 16,000 binds, below SQLite's 32,766 limit.
const ROWS_PER_INSERT: usize = 1000;
/// Upper bound on requests folded into one group transaction.
const MAX_GROUP: usize = 1024;

const SELECT_EVENTS: &str = "SELECT position, stream, stream_version, event_id, event_type, \
     schema_version, payload, valid_date, recorded_at, recorded_by, source, correlation_id, \
     causation_id, idempotency_key, prev_hash, hash FROM events";

/// How durable a commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: an acknowledged append survives power loss.
    #[default]
    Full,
    /// `synchronous=NORMAL`: survives a process crash, may lose the last commits on power
    /// loss. For bulk imports that can be rerun.
    Normal,
}

/// Tuning for [`SqliteStore::open_with`].
#[derive(Debug, Clone)]
pub struct SqliteConfig {
    pub durability: Durability,
    /// Connections in the read pool.
    pub readers: u32,
    pub busy_timeout: Duration,
    /// Appends that may wait for the writer before callers are back-pressured.
    pub queue: usize,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        SqliteConfig {
            durability: Durability::Full,
            readers: 4,
            busy_timeout: Duration::from_secs(10),
            queue: 4096,
        }
    }
}

enum Msg {
    Append(AppendRequest),
    Close(oneshot::Sender<()>),
}

struct AppendRequest {
    parts: Vec<StreamAppend>,
    key: Option<String>,
    recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    reply: oneshot::Sender<Result<Vec<AppendResult>>>,
}

/// The SQLite event store. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    tx: mpsc::Sender<Msg>,
    readers: SqlitePool,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the store at `path` with durable commits.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, SqliteConfig::default()).await
    }

    pub async fn open_with(path: impl AsRef<Path>, config: SqliteConfig) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let base = SqliteConnectOptions::from_str("sqlite://")
            .map_err(StoreError::Database)?
            .filename(&path)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(config.busy_timeout)
            .foreign_keys(false);
        let sync = match config.durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        };
        let mut conn =
            // A larger page cache keeps the index pages of a bulk import in memory.
            SqliteConnection::connect_with(
                &base
                    .clone()
                    .create_if_missing(true)
                    .synchronous(sync)
                    .pragma("cache_size", "-65536"),
            )
            .await?;
        MIGRATOR.run(&mut conn).await?;

        let readers = SqlitePoolOptions::new()
            .max_connections(config.readers.max(1))
            .min_connections(0)
            // A deep row buffer lets the SQLite worker thread run ahead of the reader
            // instead of handing over every row with a wake-up (matters for verify).
            .connect_with(base.create_if_missing(false).row_buffer_size(256))
            .await?;

        let (tx, rx) = mpsc::channel(config.queue.max(1));
        tokio::spawn(
            Writer {
                conn,
                versions: std::collections::HashMap::new(),
                committed_head: None,
            }
            .run(rx),
        );
        Ok(SqliteStore { tx, readers, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The read pool, for callers that need their own queries (tests, tools).
    pub fn read_pool(&self) -> &SqlitePool {
        &self.readers
    }
}

impl SqliteStore {
    async fn send(
        &self,
        parts: Vec<StreamAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Msg::Append(AppendRequest {
                parts,
                key: options.idempotency_key,
                recorded_at: options.recorded_at,
                reply,
            }))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }
}

#[async_trait]
impl EventStore for SqliteStore {
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
        let results = self.send(vec![part], options).await?;
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
        self.send(appends, options).await
    }

    async fn read_stream(&self, stream: &str, from_version: i64) -> Result<Vec<RecordedEvent>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT_EVENTS} WHERE stream = ?1 AND stream_version >= ?2 ORDER BY stream_version"
        )))
        .bind(stream)
        .bind(from_version)
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(decode_event).collect()
    }

    async fn read_all(&self, after: i64, limit: usize) -> Result<Vec<RecordedEvent>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT_EVENTS} WHERE position > ?1 ORDER BY position LIMIT ?2"
        )))
        .bind(after)
        .bind(clamp_limit(limit))
        .fetch_all(&self.readers)
        .await?;
        rows.iter().map(decode_event).collect()
    }

    async fn read_filtered(
        &self,
        after: i64,
        limit: usize,
        filter: &ReadFilter,
    ) -> Result<Vec<RecordedEvent>> {
        // Only placeholders are spliced into the SQL; values are bound.
        let mut sql = format!("{SELECT_EVENTS} WHERE position > ?");
        if !filter.event_types.is_empty() {
            sql.push_str(" AND event_type IN (");
            for i in 0..filter.event_types.len() {
                sql.push_str(if i == 0 { "?" } else { ", ?" });
            }
            sql.push(')');
        }
        if filter.recorded_from.is_some() {
            sql.push_str(" AND recorded_at >= ?");
        }
        if filter.recorded_to.is_some() {
            sql.push_str(" AND recorded_at < ?");
        }
        sql.push_str(" ORDER BY position LIMIT ?");
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(after);
        for t in &filter.event_types {
            q = q.bind(t.as_str());
        }
        if let Some(from) = filter.recorded_from {
            q = q.bind(from.timestamp_micros());
        }
        if let Some(to) = filter.recorded_to {
            q = q.bind(to.timestamp_micros());
        }
        let rows = q.bind(clamp_limit(limit)).fetch_all(&self.readers).await?;
        rows.iter().map(decode_event).collect()
    }

    async fn stream_version(&self, stream: &str) -> Result<u64> {
        let v: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE stream = ?1",
        )
        .bind(stream)
        .fetch_one(&self.readers)
        .await?;
        Ok(u64::try_from(v).unwrap_or(0))
    }

    async fn head_position(&self) -> Result<i64> {
        let p: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) FROM events")
            .fetch_one(&self.readers)
            .await?;
        Ok(p)
    }

    async fn verify(&self) -> Result<VerifyReport> {
        let mut conn = self.readers.acquire().await?;
        // One read transaction: a consistent snapshot even while the writer appends.
        let mut tx = conn.begin().await?;
        let mut verifier = Verifier::new();
        {
            // SQLite steps and copies rows on its own worker thread; this task decodes
            // borrowed fields and hashes, so the two overlap without copying rows again.
            let mut rows = sqlx::query(AssertSqlSafe(format!("{SELECT_EVENTS} ORDER BY position")))
                .fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                let payload: &str = row.try_get(6)?;
                let event = CanonicalEvent {
                    position: row.try_get(0)?,
                    stream: row.try_get(1)?,
                    stream_version: row.try_get(2)?,
                    event_id: row.try_get(3)?,
                    event_type: row.try_get(4)?,
                    schema_version: row.try_get(5)?,
                    valid_date: decode_date(row.try_get(7)?)?,
                    recorded_at_micros: row.try_get(8)?,
                    recorded_by: row.try_get(9)?,
                    source: row.try_get(10)?,
                    correlation_id: row.try_get::<Option<Uuid>, _>(11)?,
                    causation_id: row.try_get::<Option<Uuid>, _>(12)?,
                    idempotency_key: row.try_get(13)?,
                    payload: payload.as_bytes(),
                };
                if !verifier.push_parts(&event, row.try_get(14)?, row.try_get(15)?) {
                    break;
                }
            }
        }
        tx.rollback().await?;
        Ok(verifier.finish())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn close(&self) -> Result<()> {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Close(done)).await.is_ok() {
            // The writer answers after finishing what was queued before the close.
            let _ = wait.await;
        }
        self.readers.close().await;
        Ok(())
    }
}

fn clamp_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Last committed event, as the writer needs it to extend the chain.
#[derive(Debug, Clone, Copy)]
struct Head {
    position: i64,
    hash: [u8; 32],
    recorded_at: Option<i64>,
}

struct Writer {
    conn: SqliteConnection,
    /// Stream versions as of `committed_head`; saves a query per append. Only trusted
    /// while the log's head is still the one we committed last (nobody else wrote).
    versions: std::collections::HashMap<String, i64>,
    committed_head: Option<(i64, [u8; 32])>,
}

/// Cap on cached stream versions; the cache is simply dropped when it grows past this.
const MAX_CACHED_STREAMS: usize = 100_000;

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        let mut msgs = Vec::with_capacity(MAX_GROUP);
        loop {
            if rx.recv_many(&mut msgs, MAX_GROUP).await == 0 {
                break; // every sender is gone
            }
            let mut group = Vec::with_capacity(msgs.len());
            let mut close = None;
            for m in msgs.drain(..) {
                match m {
                    Msg::Append(r) if close.is_none() => group.push(r),
                    // Appends queued after a close are refused (their reply is dropped).
                    Msg::Append(_) => {}
                    Msg::Close(done) => close = Some(done),
                }
            }
            if !group.is_empty() {
                self.process_group(group).await;
            }
            if let Some(done) = close {
                rx.close();
                break_close(self.conn, done).await;
                return;
            }
        }
        let _ = self.conn.close().await;
    }

    async fn process_group(&mut self, group: Vec<AppendRequest>) {
        let mut outcomes: Vec<Result<Vec<AppendResult>>> = Vec::with_capacity(group.len());
        let mut replies = Vec::with_capacity(group.len());
        let committed = self.run_group(group, &mut outcomes, &mut replies).await;
        if let Err(e) = committed {
            let msg = e.to_string();
            // Nothing of the group is in the log: turn every success into the error.
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

    /// Runs the group's transaction. `outcomes[i]` is request i's own result; an `Err`
    /// return means the transaction as a whole failed (and was rolled back).
    async fn run_group(
        &mut self,
        group: Vec<AppendRequest>,
        outcomes: &mut Vec<Result<Vec<AppendResult>>>,
        replies: &mut Vec<oneshot::Sender<Result<Vec<AppendResult>>>>,
    ) -> Result<()> {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut self.conn)
            .await?;
        // A lone request needs no savepoint: if it fails, the whole transaction goes.
        let savepoints = group.len() > 1;
        let mut group_versions: std::collections::HashMap<String, i64> =
            std::collections::HashMap::new();
        let result = async {
            // Re-read under the write lock: cheap, and correct even if another process
            // appended to the same file since our last group.
            let mut head = read_head(&mut self.conn).await?;
            if self.committed_head != Some((head.position, head.hash)) {
                self.versions.clear();
            }
            for req in group {
                replies.push(req.reply);
                if savepoints {
                    sqlx::query("SAVEPOINT req").execute(&mut self.conn).await?;
                }
                let before = head;
                let cached = &self.versions;
                let in_group = &group_versions;
                let known =
                    |stream: &str| in_group.get(stream).or_else(|| cached.get(stream)).copied();
                let outcome = append_request(
                    &mut self.conn,
                    &mut head,
                    &known,
                    req.parts,
                    req.key,
                    req.recorded_at,
                )
                .await;
                match outcome {
                    Ok(results) => {
                        if savepoints {
                            sqlx::query("RELEASE req").execute(&mut self.conn).await?;
                        }
                        for r in results.iter().filter(|r| !r.duplicate) {
                            group_versions.insert(r.stream.clone(), r.stream_version);
                        }
                        outcomes.push(Ok(results));
                    }
                    Err(e) => {
                        if savepoints {
                            sqlx::query("ROLLBACK TO req")
                                .execute(&mut self.conn)
                                .await?;
                            sqlx::query("RELEASE req").execute(&mut self.conn).await?;
                        }
                        head = before;
                        outcomes.push(Err(e));
                    }
                }
            }
            if !savepoints && outcomes.iter().all(Result::is_err) {
                // The lone request failed: its own error is the answer, nothing to keep.
                sqlx::query("ROLLBACK").execute(&mut self.conn).await?;
            } else {
                sqlx::query("COMMIT").execute(&mut self.conn).await?;
            }
            Ok::<Head, StoreError>(head)
        }
        .await;
        match &result {
            Ok(head) => {
                if self.versions.len() + group_versions.len() > MAX_CACHED_STREAMS {
                    self.versions.clear();
                }
                self.versions.extend(group_versions);
                self.committed_head = Some((head.position, head.hash));
            }
            Err(_) => {
                self.versions.clear();
                self.committed_head = None;
            }
        }
        if let Err(e) = result {
            let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
            // Requests not reached yet get the group error too.
            while outcomes.len() < replies.len() {
                outcomes.push(Err(StoreError::Commit("groep afgebroken".to_owned())));
            }
            return Err(e);
        }
        Ok(())
    }
}

async fn break_close(conn: SqliteConnection, done: oneshot::Sender<()>) {
    let _ = conn.close().await;
    let _ = done.send(());
}

async fn read_head(conn: &mut SqliteConnection) -> Result<Head> {
    let row = sqlx::query(
        "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        None => Ok(Head {
            position: 0,
            hash: GENESIS_HASH,
            recorded_at: None,
        }),
        Some(row) => {
            let hash: Vec<u8> = row.try_get(1)?;
            Ok(Head {
                position: row.try_get(0)?,
                hash: hash32(&hash)?,
                recorded_at: Some(row.try_get(2)?),
            })
        }
    }
}

fn hash32(bytes: &[u8]) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|_| {
        StoreError::Database(sqlx::Error::Decode(
            format!("hash van {} bytes, verwacht 32", bytes.len()).into(),
        ))
    })
}

/// One request inside the group transaction (inside its SAVEPOINT).
/// One request (one or more stream parts) inside the group transaction, inside its
/// SAVEPOINT. `known` gives cached stream versions; `head` advances as rows are written.
async fn append_request(
    conn: &mut SqliteConnection,
    head: &mut Head,
    known: &(dyn Fn(&str) -> Option<i64> + Sync),
    parts: Vec<StreamAppend>,
    key: Option<String>,
    requested_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Vec<AppendResult>> {
    // Checked here, under the write lock, so a racing retry with the same key is caught.
    if let Some(key) = &key {
        let row = sqlx::query(
            "SELECT stream, first_position, last_position, stream_version, recorded_at \
             FROM idempotency_keys WHERE key = ?1",
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
                recorded_at: chain::micros_to_datetime(row.try_get(4)?),
                duplicate: true,
            };
            if parts.len() == 1 {
                return Ok(vec![first]);
            }
            let per_stream = sqlx::query(
                "SELECT stream, MIN(position), MAX(position), MAX(stream_version) FROM events \
                 WHERE position BETWEEN ?1 AND ?2 GROUP BY stream",
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

    let recorded_at = crate::recorded_micros(head.recorded_at, requested_at)?;
    let key_arc: Option<Arc<str>> = key.as_deref().map(Arc::from);
    // Versions written by earlier parts of this same request.
    let mut local: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut results = Vec::with_capacity(parts.len());
    for part in parts {
        let StreamAppend {
            stream,
            events,
            expected,
        } = part;
        let current = match local.get(&stream).copied().or_else(|| known(&stream)) {
            Some(v) => v,
            None => current_version(conn, &stream).await?,
        };
        crate::check_expected(
            &stream,
            expected.unwrap_or(ExpectedVersion::Any),
            u64::try_from(current).unwrap_or(0),
        )?;

        let first_position = head.position + 1;
        let stream_arc: Arc<str> = Arc::from(stream.as_str());
        let mut position = head.position;
        let mut version = current;
        let mut prev = head.hash;
        let mut iter = events.into_iter().peekable();
        while iter.peek().is_some() {
            let rows: Vec<NewEvent> = iter.by_ref().take(ROWS_PER_INSERT).collect();
            let sql = insert_sql(rows.len());
            // Full chunks and small batches (the common single-event append) reuse cached
            // statements; odd-sized large tails are prepared once and dropped.
            let mut q = sqlx::query(AssertSqlSafe(sql))
                .persistent(rows.len() == ROWS_PER_INSERT || rows.len() <= 8);
            for e in rows {
                position += 1;
                version += 1;
                let hash = CanonicalEvent {
                    position,
                    stream: &stream,
                    stream_version: version,
                    event_id: e.event_id,
                    event_type: &e.event_type,
                    schema_version: e.schema_version,
                    valid_date: e.valid_date,
                    recorded_at_micros: recorded_at,
                    recorded_by: &e.recorded_by,
                    source: &e.source,
                    correlation_id: e.correlation_id,
                    causation_id: e.causation_id,
                    idempotency_key: key_arc.as_deref(),
                    payload: e.payload.as_bytes(),
                }
                .hash(&prev);
                q = q
                    .bind(position)
                    .bind(Arc::clone(&stream_arc))
                    .bind(version)
                    .bind(e.event_id)
                    .bind(e.event_type)
                    .bind(e.schema_version)
                    .bind(e.payload)
                    .bind(e.valid_date.map(|d| d.format("%Y-%m-%d").to_string()))
                    .bind(recorded_at)
                    .bind(e.recorded_by)
                    .bind(e.source)
                    .bind(e.correlation_id)
                    .bind(e.causation_id)
                    .bind(key_arc.clone())
                    .bind(prev.to_vec())
                    .bind(hash.to_vec());
                prev = hash;
            }
            q.execute(&mut *conn).await.map_err(map_insert_error)?;
        }
        *head = Head {
            position,
            hash: prev,
            recorded_at: Some(recorded_at),
        };
        local.insert(stream.clone(), version);
        results.push(AppendResult {
            stream,
            first_position,
            last_position: position,
            stream_version: version,
            recorded_at: chain::micros_to_datetime(recorded_at),
            duplicate: false,
        });
    }

    if let (Some(key), Some(first), Some(last)) = (key_arc, results.first(), results.last()) {
        sqlx::query(
            "INSERT INTO idempotency_keys \
             (key, stream, first_position, last_position, stream_version, recorded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(key)
        .bind(first.stream.as_str())
        .bind(first.first_position)
        .bind(last.last_position)
        .bind(last.stream_version)
        .bind(recorded_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(results)
}

async fn current_version(conn: &mut SqliteConnection, stream: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE stream = ?1")
            .bind(stream)
            .fetch_one(&mut *conn)
            .await?,
    )
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

/// The multi-row INSERT for `rows` rows, 16 anonymous parameters per row.
///
/// Tried and rejected: numbered parameters (`?4+i`, reusing the previous row's hash
/// parameter as `prev_hash`) to bind fewer values. sqlx looks up every parameter's name
/// (`sqlite3_bind_parameter_name`, a linear scan in SQLite), which makes binding
/// quadratic in the parameter count: 20× slower at 1,000 rows.
fn insert_sql(rows: usize) -> String {
    const INSERT: &str = "INSERT INTO events (position, stream, stream_version, event_id, \
         event_type, schema_version, payload, valid_date, recorded_at, recorded_by, source, \
         correlation_id, causation_id, idempotency_key, prev_hash, hash) VALUES ";
    const ROW: &str = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    debug_assert_eq!(ROW.matches('?').count(), COLUMNS);
    let mut sql = String::with_capacity(INSERT.len() + rows * (ROW.len() + 1));
    sql.push_str(INSERT);
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(ROW);
    }
    sql
}

fn decode_date(text: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    text.map(|t| {
        // Fast path for the `YYYY-MM-DD` we write; chrono's parser is slow per row.
        let b = t.as_bytes();
        if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
            let num = |r: std::ops::Range<usize>| t.get(r).and_then(|x| x.parse::<u32>().ok());
            if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10))
                && let Some(date) = chrono::NaiveDate::from_ymd_opt(y as i32, m, d)
            {
                return Ok(date);
            }
        }
        chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|e| {
            StoreError::Database(sqlx::Error::Decode(format!("valid_date `{t}`: {e}").into()))
        })
    })
    .transpose()
}

fn decode_event(row: &SqliteRow) -> Result<RecordedEvent> {
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
        valid_date: decode_date(row.try_get(7)?)?,
        recorded_at: chain::micros_to_datetime(row.try_get(8)?),
        recorded_by: row.try_get(9)?,
        source: row.try_get(10)?,
        correlation_id: row.try_get::<Option<Uuid>, _>(11)?,
        causation_id: row.try_get::<Option<Uuid>, _>(12)?,
        idempotency_key: row.try_get(13)?,
        prev_hash: hash32(prev)?,
        hash: hash32(hash)?,
    })
}
