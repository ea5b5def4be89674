//! The embedded backend: one SQLite file in WAL mode.
//!
//! Writes go through ONE writer task that owns the only write connection. Appends are
//! queued on a channel; the writer drains whatever is queued, runs it in one
//! `BEGIN IMMEDIATE` transaction, commits once and then answers everyone: group commit.
//! Requests (one stream or many, with or without an idempotency key) are checked in
//! memory against cached stream versions (unknown streams read with one query per 2,048
//! names, keys with one query) and the rows of the whole group go in with one multi-row
//! statement per chunk; a request that fails its check is left out as a whole. A group
//! with a repeated key, and any group whose combined insert fails, runs again with one
//! SAVEPOINT per request, so a failure rolls back only that request; a lone single-stream
//! request takes that path too (its chunks bind stream, position and time once). Because
//! there is one writer, rowid order is commit order and positions are dense.
//!
//! Durability: the write connection uses `synchronous=FULL` by default, so an
//! acknowledged append survives power loss (WAL + NORMAL only survives a process crash).
//! Group commit is what keeps FULL affordable: one fsync per group, not per append.
//! [`SqliteConfig::durability`] can trade that for speed (`Normal`).

use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::time::Duration;

use async_trait::async_trait;
use kringloop_events::{ExpectedVersion, NewEvent, RecordedEvent};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Connection as _, Row as _};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::chain::{self, CanonicalEvent, GENESIS_HASH, Verifier};

use crate::jsonb;
use crate::queue::{AppendRequest, Msg, StreamedRequest};
use crate::{
    AppendOptions, AppendResult, EventStore, FoldEvent, FoldPage, ReadFilter, Result, StoreError,
    StreamAppend, StreamedAppend, VerifyReport,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Rows per INSERT chunk (a bound JSONB blob, see [`INSERT_CHUNK`]).
const ROWS_PER_CHUNK: usize = 250;
/// A chunk is closed once its blob reaches this size (big payloads), far below
/// SQLite's 1 GB limit on one value.
const CHUNK_BYTES: usize = 8 << 20;
/// Upper bound on requests folded into one group transaction (the default queue
/// length: a backfill that hands over thousands of small sets at once, see
/// [`EventStore::append_many_each`], commits them in one go).
const MAX_GROUP: usize = 4096;

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
                    .pragma("cache_size", "-65536")
                    // Statement journals (an INSERT of many rows needs one) stay in memory.
                    .pragma("temp_store", "MEMORY"),
            )
            .await?;
        MIGRATOR.run(&mut conn).await?;
        // Checkpoints run on their own connection (see `Checkpointer`), so a commit does
        // not wait for one; the writer's own automatic checkpoint stays as a safety net
        // for when that one falls behind.
        sqlx::query(AssertSqlSafe(format!(
            "PRAGMA wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES}"
        )))
        .execute(&mut conn)
        .await?;
        let checkpointer = Checkpointer::start(
            SqliteConnection::connect_with(&base.clone().synchronous(sync)).await?,
        );

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
                checkpointer,
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
        parts: mpsc::UnboundedReceiver<StreamedAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>> {
        crate::queue::send_streamed(&self.tx, parts, options).await
    }

    async fn append_many_each(
        &self,
        sets: Vec<(Vec<StreamAppend>, AppendOptions)>,
    ) -> Vec<Result<Vec<AppendResult>>> {
        crate::queue::send_each(&self.tx, sets).await
    }

    async fn read_stream(&self, stream: &str, from_version: i64) -> Result<Vec<RecordedEvent>> {
        // Within one stream, position order is stream_version order.
        read_packed(
            &self.readers,
            " AND stream = ? AND stream_version >= ?",
            &[Bind::Str(stream), Bind::I64(from_version)],
            0,
            usize::MAX,
        )
        .await
    }

    async fn read_all(&self, after: i64, limit: usize) -> Result<Vec<RecordedEvent>> {
        read_packed(&self.readers, "", &[], after, limit).await
    }

    async fn read_for_fold(&self, after: i64, limit: usize) -> Result<FoldPage> {
        read_packed_fold(&self.readers, after, limit).await
    }

    async fn read_filtered(
        &self,
        after: i64,
        limit: usize,
        filter: &ReadFilter,
    ) -> Result<Vec<RecordedEvent>> {
        // Only placeholders are spliced into the SQL; values are bound.
        let mut sql = String::new();
        let mut binds = Vec::new();
        if !filter.event_types.is_empty() {
            sql.push_str(" AND event_type IN (");
            for (i, t) in filter.event_types.iter().enumerate() {
                sql.push_str(if i == 0 { "?" } else { ", ?" });
                binds.push(Bind::Str(t.as_str()));
            }
            sql.push(')');
        }
        if let Some(from) = filter.recorded_from {
            sql.push_str(" AND recorded_at >= ?");
            binds.push(Bind::I64(from.timestamp_micros()));
        }
        if let Some(to) = filter.recorded_to {
            sql.push_str(" AND recorded_at < ?");
            binds.push(Bind::I64(to.timestamp_micros()));
        }
        read_packed(&self.readers, &sql, &binds, after, limit).await
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
        let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) FROM events")
            .fetch_one(&mut *tx)
            .await?;
        let mut verifier = Verifier::new();
        // Rows come in chunks of VERIFY_ROWS positions, each packed by SQLite into ONE
        // value (see VERIFY_CHUNK), so sqlx hands over one value per chunk instead of 16
        // per row. Pipelined: SQLite packs chunk k+1 on its worker thread while this task
        // parses and hashes chunk k.
        let fetch = fetch_verify_chunk;
        let mut after = 0;
        let mut current = if head > 0 {
            fetch(&mut tx, after).await?
        } else {
            None
        };
        while after < head {
            after = after.saturating_add(VERIFY_ROWS);
            let chunk = current.take();
            let go_on = if after < head {
                let (next, go_on) = futures::future::join(fetch(&mut tx, after), async {
                    verify_chunk(&mut verifier, chunk.as_deref().unwrap_or_default())
                })
                .await;
                current = next?;
                go_on
            } else {
                verify_chunk(&mut verifier, chunk.as_deref().unwrap_or_default());
                false
            };
            if !go_on {
                break;
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
    checkpointer: Checkpointer,
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
                    Msg::Streamed(r) if close.is_none() => {
                        // What was queued before it goes first, as its own group.
                        if !group.is_empty() {
                            self.process_group(std::mem::take(&mut group)).await;
                        }
                        self.process_streamed(r).await;
                    }
                    // Appends queued after a close are refused (their reply is dropped).
                    Msg::Append(_) | Msg::Streamed(_) => {}
                    Msg::Close(done) => close = Some(done),
                }
            }
            if !group.is_empty() {
                self.process_group(group).await;
            }
            if let Some(done) = close {
                rx.close();
                self.checkpointer.stop().await;
                break_close(self.conn, done).await;
                return;
            }
        }
        self.checkpointer.stop().await;
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

    /// A streamed set ([`EventStore::append_many_streamed`]): its own transaction, written
    /// part by part as the parts arrive, committed at [`StreamedAppend::Commit`].
    async fn process_streamed(&mut self, req: StreamedRequest) {
        let StreamedRequest {
            mut parts,
            key,
            recorded_at,
            reply,
        } = req;
        let mut group_versions = std::collections::HashMap::new();
        let outcome = self
            .run_streamed(&mut parts, key.as_deref(), recorded_at, &mut group_versions)
            .await;
        match outcome {
            Ok(Streamed::Done(results, head)) => {
                if self.versions.len() + group_versions.len() > MAX_CACHED_STREAMS {
                    self.versions.clear();
                }
                self.versions.extend(group_versions);
                self.committed_head = Some((head.position, head.hash));
                let _ = reply.send(Ok(results));
            }
            Ok(Streamed::RepeatedKey(all)) => {
                // Nothing written; the per-request path answers a repeat.
                let req = AppendRequest {
                    parts: all,
                    key,
                    recorded_at,
                    reply,
                };
                self.process_group(vec![req]).await;
            }
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
                self.versions.clear();
                self.committed_head = None;
                let _ = reply.send(Err(e));
            }
        }
    }

    /// The transaction of [`Writer::process_streamed`]: the checks of
    /// [`Writer::run_group_fast`] per arriving batch of parts (versions of unknown
    /// streams with one query per [`NAMES_PER_QUERY`] names, expected versions in Rust),
    /// then its pipelined multi-row INSERT. `Err`: rolled back by the caller (a failed
    /// check fails the whole set, as in `append_many`); the channel closing before the
    /// commit is [`StoreError::Aborted`].
    async fn run_streamed(
        &mut self,
        parts_rx: &mut mpsc::UnboundedReceiver<StreamedAppend>,
        key: Option<&str>,
        requested_at: Option<chrono::DateTime<chrono::Utc>>,
        group_versions: &mut std::collections::HashMap<String, i64>,
    ) -> Result<Streamed> {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut self.conn)
            .await?;
        let mut head = read_head(&mut self.conn).await?;
        if self.committed_head != Some((head.position, head.hash)) {
            self.versions.clear();
        }
        if let Some(k) = key
            && any_key_stored(&mut self.conn, &[k]).await?
        {
            sqlx::query("ROLLBACK").execute(&mut self.conn).await?;
            let mut all = Vec::new();
            loop {
                match parts_rx.recv().await {
                    Some(StreamedAppend::Parts(mut p)) => all.append(&mut p),
                    Some(StreamedAppend::Commit) => return Ok(Streamed::RepeatedKey(all)),
                    None => return Err(StoreError::Aborted),
                }
            }
        }
        let recorded_at = crate::recorded_micros(head.recorded_at, requested_at)?;
        let at = chain::micros_to_datetime(recorded_at);
        let mut results: Vec<AppendResult> = Vec::new();
        loop {
            let parts = match parts_rx.recv().await {
                Some(StreamedAppend::Parts(p)) => p,
                Some(StreamedAppend::Commit) => break,
                None => return Err(StoreError::Aborted),
            };
            let mut unknown: Vec<&str> = parts
                .iter()
                .map(|p| p.stream.as_str())
                .filter(|s| !group_versions.contains_key(*s) && !self.versions.contains_key(*s))
                .collect();
            unknown.sort_unstable();
            unknown.dedup();
            load_versions(&mut self.conn, &unknown, group_versions).await?;
            let mut plan: Vec<PlannedPart<'_>> = Vec::with_capacity(parts.len());
            let mut position = head.position;
            for part in &parts {
                let stream = part.stream.as_str();
                let current = group_versions
                    .get(stream)
                    .or_else(|| self.versions.get(stream))
                    .copied()
                    .ok_or_else(|| {
                        StoreError::Commit(format!("versie van stroom `{stream}` niet gelezen"))
                    })?;
                crate::check_expected(
                    stream,
                    part.expected.unwrap_or(ExpectedVersion::Any),
                    u64::try_from(current).unwrap_or(0),
                )?;
                let n = i64::try_from(part.events.len()).unwrap_or(i64::MAX);
                plan.push(PlannedPart {
                    stream,
                    events: &part.events,
                    first_position: position + 1,
                    first_version: current + 1,
                    recorded_at,
                    key,
                });
                position += n;
                group_versions.insert(stream.to_owned(), current + n);
            }
            results.extend(plan.iter().map(|p| p.result(at)));
            head.hash = insert_planned(&mut self.conn, &plan, head.hash)
                .await
                .map_err(map_insert_error)?;
            head.position = position;
            head.recorded_at = Some(recorded_at);
        }
        let (Some(first), Some(last)) = (results.first(), results.last()) else {
            return Err(StoreError::Invalid(
                "lege append_many: geen stromen".to_owned(),
            ));
        };
        if let Some(k) = key {
            insert_key(&mut self.conn, k, first, last).await?;
        }
        sqlx::query("COMMIT").execute(&mut self.conn).await?;
        self.checkpointer.nudge();
        Ok(Streamed::Done(results, head))
    }

    /// Runs the group's transaction. `outcomes[i]` is request i's own result; an `Err`
    /// return means the transaction as a whole failed (and was rolled back).
    async fn run_group(
        &mut self,
        group: Vec<AppendRequest>,
        outcomes: &mut Vec<Result<Vec<AppendResult>>>,
        replies: &mut Vec<oneshot::Sender<Result<Vec<AppendResult>>>>,
    ) -> Result<()> {
        if fast_eligible(&group) {
            match self.run_group_fast(&group).await {
                Ok(Some(done)) => {
                    for (req, outcome) in group.into_iter().zip(done) {
                        replies.push(req.reply);
                        outcomes.push(outcome);
                    }
                    return Ok(());
                }
                // A repeated idempotency key: the per-request path answers it.
                Ok(None) => {}
                Err(e) => {
                    // Rolled back: nothing of the group is in the log. The per-request
                    // path below redoes it and gives every request its own answer (e.g.
                    // the one with a duplicate event id).
                    tracing::debug!(error = %e, "gebundelde groep valt terug op per verzoek");
                }
            }
        }
        self.run_group_each(group, outcomes, replies).await
    }

    /// The group in one transaction without savepoints: expected versions are checked
    /// here in Rust (against the writer's cache, unknown streams read with one query per
    /// [`NAMES_PER_QUERY`] names), idempotency keys with one query, and the rows of every
    /// accepted request, whatever its number of stream parts, go into the log with one
    /// multi-row INSERT per chunk. A request that fails a check is left out as a whole.
    /// Returns each request's outcome; `Ok(None)` when a key was already stored (the
    /// per-request path answers those); `Err` means the transaction was rolled back and
    /// nothing was written.
    async fn run_group_fast(
        &mut self,
        group: &[AppendRequest],
    ) -> Result<Option<Vec<Result<Vec<AppendResult>>>>> {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut self.conn)
            .await?;
        let mut group_versions: std::collections::HashMap<String, i64> =
            std::collections::HashMap::new();
        let result = async {
            let mut head = read_head(&mut self.conn).await?;
            if self.committed_head != Some((head.position, head.hash)) {
                self.versions.clear();
            }
            let keys: Vec<&str> = group.iter().filter_map(|r| r.key.as_deref()).collect();
            if !keys.is_empty() && any_key_stored(&mut self.conn, &keys).await? {
                sqlx::query("ROLLBACK").execute(&mut self.conn).await?;
                return Ok((None, None));
            }
            let mut unknown: Vec<&str> = group
                .iter()
                .flat_map(|r| r.parts.iter().map(|p| p.stream.as_str()))
                .filter(|s| !self.versions.contains_key(*s))
                .collect();
            unknown.sort_unstable();
            unknown.dedup();
            load_versions(&mut self.conn, &unknown, &mut group_versions).await?;

            // Checks first (no hashing yet): which requests go in, at which positions.
            let mut outcomes = Vec::with_capacity(group.len());
            let mut plan: Vec<PlannedPart<'_>> = Vec::new();
            let mut local: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
            for req in group {
                let recorded_at = match crate::recorded_micros(head.recorded_at, req.recorded_at) {
                    Ok(r) => r,
                    Err(e) => {
                        outcomes.push(Err(e));
                        continue;
                    }
                };
                local.clear();
                let planned = plan.len();
                let mut position = head.position;
                let mut failed = None;
                for part in &req.parts {
                    let stream = part.stream.as_str();
                    let current = match local.get(stream) {
                        Some(v) => *v,
                        None => group_versions
                            .get(stream)
                            .or_else(|| self.versions.get(stream))
                            .copied()
                            .ok_or_else(|| {
                                StoreError::Commit(format!(
                                    "versie van stroom `{stream}` niet gelezen"
                                ))
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
                    let n = i64::try_from(part.events.len()).unwrap_or(i64::MAX);
                    plan.push(PlannedPart {
                        stream,
                        events: &part.events,
                        first_position: position + 1,
                        first_version: current + 1,
                        recorded_at,
                        key: req.key.as_deref(),
                    });
                    position += n;
                    local.insert(stream, current + n);
                }
                if let Some(e) = failed {
                    plan.truncate(planned);
                    outcomes.push(Err(e));
                    continue;
                }
                let at = chain::micros_to_datetime(recorded_at);
                let results: Vec<AppendResult> =
                    plan[planned..].iter().map(|p| p.result(at)).collect();
                for (s, v) in local.drain() {
                    group_versions.insert(s.to_owned(), v);
                }
                head.position = position;
                head.recorded_at = Some(recorded_at);
                outcomes.push(Ok(results));
            }
            if plan.is_empty() {
                // Every request failed its check: nothing to write.
                sqlx::query("ROLLBACK").execute(&mut self.conn).await?;
                return Ok((Some(outcomes), None));
            }
            head.hash = insert_planned(&mut self.conn, &plan, head.hash).await?;
            for (req, outcome) in group.iter().zip(&outcomes) {
                if let (Some(key), Ok(results)) = (&req.key, outcome)
                    && let (Some(first), Some(last)) = (results.first(), results.last())
                {
                    insert_key(&mut self.conn, key, first, last).await?;
                }
            }
            sqlx::query("COMMIT").execute(&mut self.conn).await?;
            self.checkpointer.nudge();
            Ok::<_, StoreError>((Some(outcomes), Some(head)))
        }
        .await;
        match result {
            Ok((outcomes, head)) => {
                if let Some(head) = head {
                    if self.versions.len() + group_versions.len() > MAX_CACHED_STREAMS {
                        self.versions.clear();
                    }
                    self.versions.extend(group_versions);
                    self.committed_head = Some((head.position, head.hash));
                }
                Ok(outcomes)
            }
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
                self.versions.clear();
                self.committed_head = None;
                Err(e)
            }
        }
    }

    /// The group with a SAVEPOINT per request (requests with several parts or an
    /// idempotency key, and the fallback of [`Writer::run_group_fast`]).
    async fn run_group_each(
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
                self.checkpointer.nudge();
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

/// How [`Writer::run_streamed`] ended (when it did not fail).
enum Streamed {
    /// Committed: one result per part, and the new head.
    Done(Vec<AppendResult>, Head),
    /// The key was already stored: rolled back, and these are all the parts.
    RepeatedKey(Vec<StreamAppend>),
}

/// WAL frames after which the writer checkpoints itself (normally `Checkpointer` has
/// done it long before): 16,384 pages, 64 MiB.
const WRITER_AUTOCHECKPOINT_PAGES: u32 = 16_384;
/// At most one background checkpoint per this interval (each costs two fsyncs); the
/// commits in between are folded into it.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(50);

/// Copies committed WAL frames into the database file on a second connection (and so on
/// its own SQLite worker thread), nudged after each commit: a passive checkpoint does not
/// block the writer or readers, and the writer's commit no longer includes one.
struct Checkpointer {
    nudge: Option<mpsc::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(mut conn: SqliteConnection) -> Self {
        let (nudge, mut rx) = mpsc::channel::<()>(1);
        let task = tokio::spawn(async move {
            while rx.recv().await.is_some() {
                tokio::time::sleep(CHECKPOINT_INTERVAL).await;
                while rx.try_recv().is_ok() {}
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&mut conn)
                    .await
                {
                    tracing::debug!(error = %e, "achtergrond-checkpoint mislukt");
                }
            }
            let _ = conn.close().await;
        });
        Checkpointer {
            nudge: Some(nudge),
            task: Some(task),
        }
    }

    fn nudge(&self) {
        if let Some(n) = &self.nudge {
            let _ = n.try_send(());
        }
    }

    /// Finishes a pending checkpoint and closes the connection.
    async fn stop(&mut self) {
        self.nudge = None;
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
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
            same_as_first(conn, key, &parts, &first).await?;
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
        let mut chunks = ChunkBuilder {
            events: &events,
            next: 0,
            stream: &stream,
            recorded_at,
            key: key.as_deref(),
            position: head.position,
            version: current,
            prev: head.hash,
        };
        // Pipelined: while SQLite inserts one chunk on its worker thread, this task
        // hashes and encodes the next one (`join` polls the insert first, which hands it
        // to the worker, then runs the encoding).
        let mut pending = chunks.next_chunk();
        while let Some(chunk) = pending.take() {
            let insert = sqlx::query(INSERT_CHUNK)
                .bind(chunk.blob)
                .bind(chunk.first_position)
                .bind(stream.as_str())
                .bind(chunk.first_version)
                .bind(recorded_at)
                .bind(key.as_deref())
                .execute(&mut *conn);
            let (inserted, next) =
                futures::future::join(insert, async { chunks.next_chunk() }).await;
            inserted.map_err(map_insert_error)?;
            pending = next;
        }
        let (position, version, prev) = (chunks.position, chunks.version, chunks.prev);
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

    if let (Some(key), Some(first), Some(last)) = (&key, results.first(), results.last()) {
        sqlx::query(
            "INSERT INTO idempotency_keys \
             (key, stream, first_position, last_position, stream_version, recorded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(key.as_str())
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

/// Whether a request that repeats `key` is the request that `first` answered (see
/// [`crate::SameRequest`]); [`StoreError::IdempotencyConflict`] if not.
async fn same_as_first(
    conn: &mut SqliteConnection,
    key: &str,
    parts: &[StreamAppend],
    first: &AppendResult,
) -> Result<()> {
    let mut check = crate::SameRequest::new(key, parts, first.first_position, first.last_position)?;
    for (from, to) in crate::compare_pages(first.first_position, first.last_position) {
        let rows = sqlx::query(
            "SELECT stream, event_type, payload FROM events \
             WHERE position BETWEEN ?1 AND ?2 ORDER BY position",
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

/// The INSERT of one chunk: the rows arrive as ONE bound JSONB blob (an array of row
/// arrays, see [`ChunkBuilder`]) instead of 16 bound values per row, which is what made
/// sqlx's per-value binding the bottleneck. What is the same for every row of a chunk
/// (stream, recorded time, idempotency key) and what counts up (position, version) is
/// bound once. The stored values are the same as with plain binds: TEXT for strings,
/// INTEGER for numbers, 16/32-byte BLOBs for ids and hashes, NULL for absent values.
///
/// Tried and rejected before: numbered parameters in a multi-row VALUES list; sqlx looks
/// up every parameter's name (`sqlite3_bind_parameter_name`, a linear scan in SQLite),
/// which makes binding quadratic in the parameter count. Six parameters do not matter.
const INSERT_CHUNK: &str = "INSERT INTO events (position, stream, stream_version, event_id, \
     event_type, schema_version, payload, valid_date, recorded_at, recorded_by, source, \
     correlation_id, causation_id, idempotency_key, prev_hash, hash) \
     SELECT ?2 + key, ?3, ?4 + key, unhex(value ->> 0), value ->> 1, value ->> 2, \
     value ->> 3, value ->> 4, ?5, value ->> 5, value ->> 6, unhex(value ->> 7), \
     unhex(value ->> 8), ?6, unhex(value ->> 9), unhex(value ->> 10) \
     FROM jsonb_each(?1)";

/// The multi-row INSERT of [`Writer::run_group_fast`] and the streamed path: like
/// [`INSERT_CHUNK`], but each row carries its own stream and version (the rows of several
/// requests and stream parts); a chunk holds rows of one idempotency key (`?2`, or NULL)
/// at consecutive positions from `?3`. The fixed-size values come as raw bytes in blobs
/// beside the JSONB rows and are cut out with `substr` (for a BLOB it counts bytes):
/// `?4` the event ids (16 bytes a row), `?5` per row a presence byte and 16 bytes for
/// the correlation id, then the same for the causation id, `?6` the hashes (the chunk's
/// `prev_hash` first, then each row's hash, so row k's prev is slice k and its hash
/// slice k + 1). That replaces five `->>` lookups and `unhex` calls per row, which with
/// the hex text itself were a large part of SQLite's work per row. Columns that are the
/// same for every row of a chunk (recorded time, principal, schema version; the usual
/// case) are bound once (`?7`–`?9`, the JSON then holds a null there that is never
/// read: `coalesce` stops at its first non-NULL argument).
const INSERT_GROUP: &str = "INSERT INTO events (position, stream, stream_version, event_id, \
     event_type, schema_version, payload, valid_date, recorded_at, recorded_by, source, \
     correlation_id, causation_id, idempotency_key, prev_hash, hash) \
     SELECT ?3 + key, value ->> 0, value ->> 1, substr(?4, key * 16 + 1, 16), value ->> 2, \
     coalesce(?9, value ->> 3), value ->> 4, value ->> 5, coalesce(?7, value ->> 6), \
     coalesce(?8, value ->> 7), value ->> 8, \
     CASE WHEN substr(?5, key * 34 + 1, 1) = x'01' THEN substr(?5, key * 34 + 2, 16) END, \
     CASE WHEN substr(?5, key * 34 + 18, 1) = x'01' THEN substr(?5, key * 34 + 19, 16) END, \
     ?2, substr(?6, key * 32 + 1, 32), substr(?6, key * 32 + 33, 32) FROM jsonb_each(?1)";

/// Stream names per version query of [`load_versions`].
const NAMES_PER_QUERY: usize = 2048;

/// Groups that [`Writer::run_group_fast`] takes: every request has parts with events,
/// and no idempotency key occurs twice (the second would be a repeat of the first). A
/// lone single-stream request keeps the per-request path: its [`INSERT_CHUNK`] binds
/// position, stream, version and time once per chunk instead of per row (bulk appends).
fn fast_eligible(group: &[AppendRequest]) -> bool {
    if group.len() == 1 && group.iter().all(|r| r.parts.len() == 1) {
        return false;
    }
    let mut keys = std::collections::HashSet::new();
    group.iter().all(|r| {
        !r.parts.is_empty()
            && r.parts.iter().all(|p| !p.events.is_empty())
            && r.key.as_deref().is_none_or(|k| keys.insert(k))
    })
}

/// Whether any of `keys` is already in `idempotency_keys` (one query per
/// [`NAMES_PER_QUERY`] keys).
async fn any_key_stored(conn: &mut SqliteConnection, keys: &[&str]) -> Result<bool> {
    for chunk in keys.chunks(NAMES_PER_QUERY) {
        let list = serde_json::to_string(chunk)
            .map_err(|e| StoreError::Invalid(format!("sleutels niet te coderen: {e}")))?;
        let found: i64 = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM idempotency_keys \
             WHERE key IN (SELECT value FROM json_each(?1)))",
        )
        .bind(list)
        .fetch_one(&mut *conn)
        .await?;
        // A key with a NUL is looked up on its own: JSON text is no place for it.
        if found != 0 {
            return Ok(true);
        }
    }
    for key in keys.iter().filter(|k| k.contains('\0')) {
        let found: i64 =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE key = ?1)")
                .bind(*key)
                .fetch_one(&mut *conn)
                .await?;
        if found != 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Reads the current version of each of `names` into `into`: one query per
/// [`NAMES_PER_QUERY`] names (an index lookup each) instead of one per stream.
async fn load_versions(
    conn: &mut SqliteConnection,
    names: &[&str],
    into: &mut std::collections::HashMap<String, i64>,
) -> Result<()> {
    let (plain, odd): (Vec<&str>, Vec<&str>) = names.iter().partition(|n| !n.contains('\0'));
    for chunk in plain.chunks(NAMES_PER_QUERY) {
        let list = serde_json::to_string(chunk)
            .map_err(|e| StoreError::Invalid(format!("stroomnamen niet te coderen: {e}")))?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT j.value, (SELECT COALESCE(MAX(stream_version), 0) FROM events \
             WHERE stream = j.value) FROM json_each(?1) AS j",
        )
        .bind(list)
        .fetch_all(&mut *conn)
        .await?;
        into.extend(rows);
    }
    // A name with a NUL is looked up on its own, bound as it is.
    for name in odd {
        let v = current_version(conn, name).await?;
        into.insert(name.to_owned(), v);
    }
    Ok(())
}

/// Records a written key with the range it wrote (the answer to a later repeat).
async fn insert_key(
    conn: &mut SqliteConnection,
    key: &str,
    first: &AppendResult,
    last: &AppendResult,
) -> Result<()> {
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
    .bind(first.recorded_at.timestamp_micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One accepted stream part of [`Writer::run_group_fast`], placed in the log.
struct PlannedPart<'a> {
    stream: &'a str,
    events: &'a [NewEvent],
    first_position: i64,
    first_version: i64,
    recorded_at: i64,
    key: Option<&'a str>,
}

impl PlannedPart<'_> {
    fn result(&self, recorded_at: chrono::DateTime<chrono::Utc>) -> AppendResult {
        AppendResult {
            stream: self.stream.to_owned(),
            first_position: self.first_position,
            last_position: self.last_position(),
            stream_version: self.last_version(),
            recorded_at,
            duplicate: false,
        }
    }

    fn count(&self) -> i64 {
        i64::try_from(self.events.len()).unwrap_or(i64::MAX)
    }

    fn last_position(&self) -> i64 {
        self.first_position + self.count() - 1
    }

    fn last_version(&self) -> i64 {
        self.first_version + self.count() - 1
    }
}

/// Inserts the rows of `plan` after the row hashed `prev`; returns the hash of the last
/// row. The parts are hashed in log order and encoded chunk by chunk for
/// [`INSERT_GROUP`]; a chunk ends at [`ROWS_PER_CHUNK`] rows, [`CHUNK_BYTES`], or where
/// the idempotency key changes. Pipelined: while SQLite inserts one chunk on its worker
/// thread, this task hashes and encodes the next (`join` polls the insert first, which
/// hands it to the worker, then runs the encoding).
async fn insert_planned(
    conn: &mut SqliteConnection,
    plan: &[PlannedPart<'_>],
    prev: [u8; 32],
) -> std::result::Result<[u8; 32], sqlx::Error> {
    let mut encoder = GroupEncoder {
        plan,
        part: 0,
        event: 0,
        prev,
    };
    let mut pending = encoder.next_chunk();
    while let Some(c) = pending.take() {
        let insert = sqlx::query(INSERT_GROUP)
            .bind(c.rows)
            .bind(c.key)
            .bind(c.first_position)
            .bind(c.ids)
            .bind(c.links)
            .bind(c.hashes)
            .bind(c.recorded_at)
            .bind(c.recorded_by)
            .bind(c.schema_version)
            .execute(&mut *conn);
        let (inserted, next) = futures::future::join(insert, async { encoder.next_chunk() }).await;
        inserted?;
        pending = next;
    }
    Ok(encoder.prev)
}

/// One chunk for [`INSERT_GROUP`]; the `Option`s are the values bound once when every
/// row of the chunk has the same (else `None` and each row has its own in `rows`).
struct GroupChunk<'a> {
    rows: Vec<u8>,
    key: Option<&'a str>,
    first_position: i64,
    ids: Vec<u8>,
    links: Vec<u8>,
    hashes: Vec<u8>,
    recorded_at: Option<i64>,
    recorded_by: Option<&'a str>,
    schema_version: Option<i32>,
}

struct GroupEncoder<'a> {
    plan: &'a [PlannedPart<'a>],
    part: usize,
    event: usize,
    /// Hash of the last row encoded so far.
    prev: [u8; 32],
}

impl<'a> GroupEncoder<'a> {
    /// The columns that every row of the next chunk shares (looking at the rows up to
    /// the row limit; the byte limit may end the chunk earlier, which keeps them shared).
    fn scan(&self) -> (Option<i64>, Option<&'a str>, Option<i32>) {
        let plan = self.plan;
        let Some(first) = plan.get(self.part) else {
            return (None, None, None);
        };
        let Some(e0) = first.events.get(self.event) else {
            return (None, None, None);
        };
        let mut at = Some(first.recorded_at);
        let mut by = Some(e0.recorded_by.as_str());
        let mut schema = Some(e0.schema_version);
        let (mut part, mut event, mut n) = (self.part, self.event, 0);
        while let Some(p) = plan.get(part) {
            if p.key != first.key || n >= ROWS_PER_CHUNK {
                break;
            }
            let Some(e) = p.events.get(event) else {
                part += 1;
                event = 0;
                continue;
            };
            if at != Some(p.recorded_at) {
                at = None;
            }
            if by != Some(e.recorded_by.as_str()) {
                by = None;
            }
            if schema != Some(e.schema_version) {
                schema = None;
            }
            event += 1;
            n += 1;
        }
        (at, by, schema)
    }

    fn next_chunk(&mut self) -> Option<GroupChunk<'a>> {
        let plan = self.plan;
        // Past a part that the last chunk ended with: the chunk's key is the next one's
        // (taking the finished part's key ended the inserts early when the key changed
        // right at a chunk boundary).
        while plan
            .get(self.part)
            .is_some_and(|p| self.event >= p.events.len())
        {
            self.part += 1;
            self.event = 0;
        }
        let key = plan.get(self.part)?.key;
        let (recorded_at, recorded_by, schema_version) = self.scan();
        let mut w = jsonb::RowsWriter::with_capacity(64 * 1024);
        let mut ids = Vec::with_capacity(ROWS_PER_CHUNK * 16);
        let mut links = Vec::with_capacity(ROWS_PER_CHUNK * 34);
        let mut hashes = Vec::with_capacity((ROWS_PER_CHUNK + 1) * 32);
        hashes.extend_from_slice(&self.prev);
        let mut first_position = None;
        while let Some(p) = plan.get(self.part) {
            if p.key != key
                || w.rows() >= ROWS_PER_CHUNK
                || (w.rows() > 0 && w.len() >= CHUNK_BYTES)
            {
                break;
            }
            let Some(e) = p.events.get(self.event) else {
                self.part += 1;
                self.event = 0;
                continue;
            };
            let offset = i64::try_from(self.event).unwrap_or(i64::MAX);
            let (position, version) = (p.first_position + offset, p.first_version + offset);
            // Positions are `?3 + key`: a gap (never made by the planners) ends the chunk.
            let first = *first_position.get_or_insert(position);
            if position != first + i64::try_from(w.rows()).unwrap_or(i64::MAX) {
                break;
            }
            // Rows the scan did not see (it stops at ROWS_PER_CHUNK as well) cannot be
            // here, but a shared value must really be shared.
            if recorded_at.is_some_and(|a| a != p.recorded_at)
                || recorded_by.is_some_and(|b| b != e.recorded_by)
                || schema_version.is_some_and(|v| v != e.schema_version)
            {
                break;
            }
            let hash = CanonicalEvent::of_new(e, position, p.stream, version, p.recorded_at, p.key)
                .hash(&self.prev);
            w.begin_row();
            w.text(p.stream);
            w.int(version);
            w.text(&e.event_type);
            match schema_version {
                Some(_) => w.null(),
                None => w.int(i64::from(e.schema_version)),
            }
            w.text(&e.payload);
            match e.valid_date {
                Some(d) => w.text(date_text(d).as_str()),
                None => w.null(),
            }
            match recorded_at {
                Some(_) => w.null(),
                None => w.int(p.recorded_at),
            }
            match recorded_by {
                Some(_) => w.null(),
                None => w.text(&e.recorded_by),
            }
            w.text(&e.source);
            w.end_row();
            ids.extend_from_slice(e.event_id.as_bytes());
            for link in [e.correlation_id, e.causation_id] {
                match link {
                    Some(u) => {
                        links.push(1);
                        links.extend_from_slice(u.as_bytes());
                    }
                    None => links.extend_from_slice(&[0; 17]),
                }
            }
            hashes.extend_from_slice(&hash);
            self.prev = hash;
            self.event += 1;
        }
        let first_position = first_position?;
        Some(GroupChunk {
            rows: w.finish(),
            key,
            first_position,
            ids,
            links,
            hashes,
            recorded_at,
            recorded_by,
            schema_version,
        })
    }
}

/// One chunk for [`INSERT_CHUNK`].
struct Chunk {
    blob: Vec<u8>,
    first_position: i64,
    first_version: i64,
}

/// Hashes the events of one stream part in order and encodes them chunk by chunk.
struct ChunkBuilder<'a> {
    events: &'a [NewEvent],
    next: usize,
    stream: &'a str,
    recorded_at: i64,
    key: Option<&'a str>,
    /// Position, version and hash of the last row encoded so far.
    position: i64,
    version: i64,
    prev: [u8; 32],
}

impl ChunkBuilder<'_> {
    fn next_chunk(&mut self) -> Option<Chunk> {
        let rest = self.events.get(self.next..).filter(|r| !r.is_empty())?;
        let estimate: usize = rest
            .iter()
            .take(ROWS_PER_CHUNK)
            .map(|e| e.payload.len() + 256)
            .sum();
        let mut w = jsonb::RowsWriter::with_capacity(estimate.min(CHUNK_BYTES + 4096));
        let first_position = self.position + 1;
        let first_version = self.version + 1;
        for e in rest {
            if w.rows() == ROWS_PER_CHUNK || (w.rows() > 0 && w.len() >= CHUNK_BYTES) {
                break;
            }
            self.position += 1;
            self.version += 1;
            let hash = CanonicalEvent::of_new(
                e,
                self.position,
                self.stream,
                self.version,
                self.recorded_at,
                self.key,
            )
            .hash(&self.prev);
            w.begin_row();
            event_columns(&mut w, e, &self.prev, &hash);
            w.end_row();
            self.prev = hash;
            self.next += 1;
        }
        Some(Chunk {
            blob: w.finish(),
            first_position,
            first_version,
        })
    }
}

/// `valid_date` as stored: chrono's `%Y-%m-%d`, written by hand for four-digit years.
enum DateText {
    Short([u8; 10]),
    Long(String),
}

impl DateText {
    fn as_str(&self) -> &str {
        match self {
            DateText::Short(b) => std::str::from_utf8(b).unwrap_or_default(),
            DateText::Long(s) => s,
        }
    }
}

fn date_text(d: chrono::NaiveDate) -> DateText {
    use chrono::Datelike as _;
    let (y, m, day) = (d.year(), d.month(), d.day());
    match u32::try_from(y) {
        Ok(y) if y <= 9999 => DateText::Short([
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
            b'-',
            b'0' + (m / 10) as u8,
            b'0' + (m % 10) as u8,
            b'-',
            b'0' + (day / 10) as u8,
            b'0' + (day % 10) as u8,
        ]),
        _ => DateText::Long(d.format("%Y-%m-%d").to_string()),
    }
}

/// The columns of one event for [`INSERT_CHUNK`].
fn event_columns(w: &mut jsonb::RowsWriter, e: &NewEvent, prev: &[u8; 32], hash: &[u8; 32]) {
    w.hex(e.event_id.as_bytes());
    w.text(&e.event_type);
    w.int(i64::from(e.schema_version));
    w.text(&e.payload);
    match e.valid_date {
        Some(d) => w.text(date_text(d).as_str()),
        None => w.null(),
    }
    w.text(&e.recorded_by);
    w.text(&e.source);
    w.opt_hex(e.correlation_id.as_ref().map(|u| &u.as_bytes()[..]));
    w.opt_hex(e.causation_id.as_ref().map(|u| &u.as_bytes()[..]));
    w.hex(prev);
    w.hex(hash);
}

/// Positions per verify chunk.
const VERIFY_ROWS: i64 = 4096;

/// The packed form of one `events` row described at [`VERIFY_CHUNK`]; shared by verify
/// and the reads (parsed by [`parse_chain_row`]).
macro_rules! packed_row {
    () => {
        "concat(concat_ws(',', \
         position, stream_version, schema_version, recorded_at, octet_length(stream), \
         octet_length(event_type), ifnull(octet_length(valid_date), -1), \
         octet_length(recorded_by), octet_length(source), \
         ifnull(octet_length(idempotency_key), -1), octet_length(payload), \
         octet_length(event_id), ifnull(octet_length(correlation_id), -1), \
         ifnull(octet_length(causation_id), -1), octet_length(prev_hash), octet_length(hash)), \
         ';', stream, event_type, valid_date, recorded_by, source, idempotency_key, payload, \
         event_id, correlation_id, causation_id, prev_hash, hash)"
    };
}

/// One verify chunk: the rows with `?1 < position <= ?2`, in position order, packed into
/// one blob. Each row is a header of 16 decimal numbers ending in `;` (position, stream
/// version, schema version, recorded_at, then the byte length of each following field,
/// -1 for NULL), followed by the fields' exact stored bytes (`concat` copies text and
/// blobs byte for byte). No escaping, so the payload hashed is exactly what is stored.
/// (A NOT NULL column that were NULL anyway would drop out of the header: the row is
/// then unreadable and verify fails there.)
const VERIFY_CHUNK: &str = concat!(
    "SELECT CAST(group_concat(",
    packed_row!(),
    ", '') AS BLOB) FROM events WHERE position > ?1 AND position <= ?2"
);

/// Rows per packed read chunk.
const READ_ROWS: usize = 4096;

/// A value bound into a packed read.
enum Bind<'a> {
    I64(i64),
    Str(&'a str),
}

/// Reads the events with `position > after` matching `filter` (an SQL condition with `?`
/// placeholders for `binds`, or empty), in position order, at most `limit`, in chunks of
/// [`READ_ROWS`] rows each packed by SQLite into ONE value (the [`VERIFY_CHUNK`] packing,
/// parsed by [`parse_chain_row`]), so sqlx hands over one value per chunk instead of 16
/// per row; all chunks in one read transaction, so the result is one snapshot.
async fn read_packed(
    pool: &SqlitePool,
    filter: &str,
    binds: &[Bind<'_>],
    after: i64,
    limit: usize,
) -> Result<Vec<RecordedEvent>> {
    let sql = format!(
        "SELECT CAST(group_concat({}, '') AS BLOB) FROM \
         (SELECT * FROM events WHERE position > ?{filter} ORDER BY position LIMIT ?)",
        packed_row!()
    );
    let mut out = Vec::with_capacity(limit.min(READ_ROWS));
    read_chunks(pool, &sql, binds, after, limit, |chunk, after| {
        let start = out.len();
        let (rows, ordered, last) = each_row(chunk, after, parse_chain_row, |row| {
            out.push(recorded_from_packed(&row)?);
            Ok(row.event.position)
        })?;
        // group_concat takes the rows in the subquery's order in practice, which SQLite
        // does not promise (an aggregate ORDER BY costs ~20%); restore it if ever not.
        if !ordered {
            out[start..].sort_unstable_by_key(|e| e.position);
        }
        Ok((rows, last))
    })
    .await?;
    Ok(out)
}

/// [`EventStore::read_for_fold`]: the [`read_packed`] technique with only the fields a
/// fold needs packed (seven numbers, four fields), copied into one [`FoldPage`].
async fn read_packed_fold(pool: &SqlitePool, after: i64, limit: usize) -> Result<FoldPage> {
    // About 256 bytes of stream, type and payload per event: a runner's page (10,000
    // events) fits the first allocation.
    let rows = limit.min(4 * READ_ROWS);
    let mut page = FoldPage::with_capacity(rows, rows * 256);
    read_chunks(pool, FOLD_CHUNK, &[], after, limit, |chunk, after| {
        let (rows, ordered, last) = each_row(chunk, after, parse_fold_row, |e| {
            page.push(e);
            Ok(e.position)
        })?;
        if !ordered {
            page.sort_by_position();
        }
        Ok((rows, last))
    })
    .await?;
    Ok(page)
}

/// One fold chunk: the lean packing of [`packed_row!`] (position, schema version,
/// recorded_at and the lengths of stream, type, payload and id; then those four).
const FOLD_CHUNK: &str = "SELECT CAST(group_concat(concat(concat_ws(',', position, \
     schema_version, recorded_at, octet_length(stream), octet_length(event_type), \
     octet_length(payload), octet_length(event_id)), ';', stream, event_type, payload, \
     event_id), '') AS BLOB) FROM (SELECT position, schema_version, recorded_at, stream, \
     event_type, payload, event_id FROM events WHERE position > ? ORDER BY position LIMIT ?)";

/// Runs `parse` over the rows of one packed chunk and hands each to `sink` (which
/// returns the row's position). Returns the number of rows, whether they came in
/// position order after `after`, and the highest position seen (at least `after`).
fn each_row<'a, R>(
    chunk: &'a [u8],
    mut after: i64,
    parse: impl Fn(&'a [u8]) -> std::result::Result<(R, usize), Unreadable>,
    mut sink: impl FnMut(R) -> Result<i64>,
) -> Result<(usize, bool, i64)> {
    let mut rest = chunk;
    let (mut rows, mut ordered) = (0, true);
    while !rest.is_empty() {
        let (row, len) = parse(rest).map_err(|(position, reason)| {
            let at = position
                .map(|p| format!(" (position {p})"))
                .unwrap_or_default();
            StoreError::Database(sqlx::Error::Decode(format!("{reason}{at}").into()))
        })?;
        let position = sink(row)?;
        ordered &= position > after;
        after = after.max(position);
        rows += 1;
        rest = rest.get(len..).unwrap_or_default();
    }
    Ok((rows, ordered, after))
}

/// The chunk loop of the packed reads: `sql` selects the rows after `?1` (then `binds`,
/// then the chunk's row limit) packed into one value; `each` takes a chunk and the
/// position it was read after, and returns its number of rows and highest position. All chunks in one read
/// transaction, so the result is one snapshot.
async fn read_chunks(
    pool: &SqlitePool,
    sql: &str,
    binds: &[Bind<'_>],
    mut after: i64,
    limit: usize,
    mut each: impl FnMut(&[u8], i64) -> Result<(usize, i64)>,
) -> Result<()> {
    if limit == 0 {
        return Ok(());
    }
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let mut remaining = limit;
    while remaining > 0 {
        let take = remaining.min(READ_ROWS);
        let mut q = sqlx::query_scalar::<_, Option<Vec<u8>>>(AssertSqlSafe(sql)).bind(after);
        for b in binds {
            q = match b {
                Bind::I64(v) => q.bind(*v),
                Bind::Str(v) => q.bind(*v),
            };
        }
        let chunk = q.bind(clamp_limit(take)).fetch_one(&mut *tx).await?;
        let Some(chunk) = chunk else { break };
        let (rows, last) = each(&chunk, after)?;
        after = after.max(last);
        remaining -= rows.min(remaining);
        if rows < take {
            break;
        }
    }
    tx.rollback().await?;
    Ok(())
}

fn recorded_from_packed(row: &PackedRow<'_>) -> Result<RecordedEvent> {
    let e = &row.event;
    let payload = std::str::from_utf8(e.payload).map_err(|_| {
        StoreError::Database(sqlx::Error::Decode(
            format!("payload at position {} is not UTF-8", e.position).into(),
        ))
    })?;
    Ok(RecordedEvent {
        position: e.position,
        stream: e.stream.to_owned(),
        stream_version: e.stream_version,
        event_id: e.event_id,
        event_type: e.event_type.to_owned(),
        schema_version: e.schema_version,
        payload: payload.to_owned(),
        valid_date: e.valid_date,
        recorded_at: chain::micros_to_datetime(e.recorded_at_micros),
        recorded_by: e.recorded_by.to_owned(),
        source: e.source.to_owned(),
        correlation_id: e.correlation_id,
        causation_id: e.causation_id,
        idempotency_key: e.idempotency_key.map(str::to_owned),
        prev_hash: hash32(row.prev_hash)?,
        hash: hash32(row.hash)?,
    })
}

async fn fetch_verify_chunk(
    conn: &mut SqliteConnection,
    after: i64,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar(VERIFY_CHUNK)
        .bind(after)
        .bind(after.saturating_add(VERIFY_ROWS))
        .fetch_one(conn)
        .await
}

/// Feeds one [`VERIFY_CHUNK`] blob to the verifier; `false` once it has stopped.
fn verify_chunk(verifier: &mut Verifier, mut rest: &[u8]) -> bool {
    while !rest.is_empty() {
        match parse_chain_row(rest) {
            Ok((row, len)) => {
                if !verifier.push_parts(&row.event, row.prev_hash, row.hash) {
                    return false;
                }
                rest = rest.get(len..).unwrap_or_default();
            }
            Err((position, reason)) => {
                verifier.unreadable(position, reason);
                return false;
            }
        }
    }
    true
}

struct PackedRow<'a> {
    event: CanonicalEvent<'a>,
    prev_hash: &'a [u8],
    hash: &'a [u8],
}

type Unreadable = (Option<i64>, String);

fn unreadable(position: Option<i64>, what: &str) -> Unreadable {
    (
        position,
        format!("rij onleesbaar: {what} heeft een onverwacht type of formaat"),
    )
}

/// The parts of one packed row: `N` decimal numbers up to `;` (the first is the
/// position), then `M` fields whose byte lengths are the last `M` numbers (-1: NULL).
/// Returns the numbers, the fields and the row's length.
#[allow(clippy::type_complexity)]
fn packed_parts<const N: usize, const M: usize>(
    buf: &[u8],
) -> Result<([i64; N], [Option<&[u8]>; M], usize), Unreadable> {
    let end = buf
        .iter()
        .position(|&b| b == b';')
        .ok_or_else(|| unreadable(None, "de rij"))?;
    let mut nums = [0i64; N];
    let mut count = 0;
    for part in buf[..end].split(|&b| b == b',') {
        let n = std::str::from_utf8(part)
            .ok()
            .and_then(|t| t.parse::<i64>().ok());
        match (n, nums.get_mut(count)) {
            (Some(n), Some(slot)) => *slot = n,
            _ => {
                let position = (count > 0).then_some(nums[0]);
                return Err(unreadable(position, "een getal"));
            }
        }
        count += 1;
    }
    let position = nums[0];
    if count != N || M > N {
        return Err(unreadable(Some(position), "de rij"));
    }
    let mut at = end + 1;
    let mut fields: [Option<&[u8]>; M] = [None; M];
    for (field, &len) in fields.iter_mut().zip(&nums[N - M..]) {
        if len < 0 {
            continue;
        }
        let len = usize::try_from(len).map_err(|_| unreadable(Some(position), "een lengte"))?;
        let bytes = at
            .checked_add(len)
            .and_then(|e| buf.get(at..e))
            .ok_or_else(|| unreadable(Some(position), "de rij"))?;
        *field = Some(bytes);
        at += len;
    }
    Ok((nums, fields, at))
}

/// Parses one [`FOLD_ROW`]; returns it and its length, or (position if known, why not).
fn parse_fold_row(buf: &[u8]) -> Result<(FoldEvent<'_>, usize), Unreadable> {
    let (nums, fields, len) = packed_parts::<7, 4>(buf)?;
    let position = nums[0];
    let text = |i: usize, what: &str| -> Result<&str, Unreadable> {
        fields[i]
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| unreadable(Some(position), what))
    };
    let event = FoldEvent {
        position,
        schema_version: i32::try_from(nums[1])
            .map_err(|_| unreadable(Some(position), "schema_version"))?,
        recorded_at: chain::micros_to_datetime(nums[2]),
        stream: text(0, "stream")?,
        event_type: text(1, "event_type")?,
        payload: text(2, "payload")?,
        event_id: fields[3]
            .and_then(|b| Uuid::from_slice(b).ok())
            .ok_or_else(|| unreadable(Some(position), "event_id"))?,
    };
    Ok((event, len))
}

/// Parses one packed row; returns it and its length, or (position if known, why not).
fn parse_chain_row(buf: &[u8]) -> Result<(PackedRow<'_>, usize), Unreadable> {
    let (nums, fields, at) = packed_parts::<16, 12>(buf)?;
    let position = nums[0];
    let text = |i: usize, what: &str| -> Result<Option<&str>, Unreadable> {
        fields[i]
            .map(|b| std::str::from_utf8(b).map_err(|_| unreadable(Some(position), what)))
            .transpose()
    };
    let required = |i: usize, what: &str| -> Result<&str, Unreadable> {
        text(i, what)?.ok_or_else(|| unreadable(Some(position), what))
    };
    let uuid = |i: usize, what: &str| -> Result<Option<Uuid>, Unreadable> {
        fields[i]
            .map(|b| Uuid::from_slice(b).map_err(|_| unreadable(Some(position), what)))
            .transpose()
    };
    let valid_date = match text(2, "valid_date")? {
        None => None,
        Some(t) => Some(
            decode_date(Some(t))
                .ok()
                .flatten()
                // Only the exact text the store writes hashes back to the stored bytes.
                .filter(|d| date_text(*d).as_str() == t)
                .ok_or_else(|| unreadable(Some(position), "valid_date"))?,
        ),
    };
    let event = CanonicalEvent {
        position,
        stream: required(0, "stream")?,
        stream_version: nums[1],
        event_id: uuid(7, "event_id")?.ok_or_else(|| unreadable(Some(position), "event_id"))?,
        event_type: required(1, "event_type")?,
        schema_version: i32::try_from(nums[2])
            .map_err(|_| unreadable(Some(position), "schema_version"))?,
        valid_date,
        recorded_at_micros: nums[3],
        recorded_by: required(3, "recorded_by")?,
        source: required(4, "source")?,
        correlation_id: uuid(8, "correlation_id")?,
        causation_id: uuid(9, "causation_id")?,
        idempotency_key: text(5, "idempotency_key")?,
        payload: fields[6].ok_or_else(|| unreadable(Some(position), "payload"))?,
    };
    let row = PackedRow {
        event,
        prev_hash: fields[10].ok_or_else(|| unreadable(Some(position), "prev_hash"))?,
        hash: fields[11].ok_or_else(|| unreadable(Some(position), "hash"))?,
    };
    Ok((row, at))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use kringloop_events::NewEvent;

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
}
