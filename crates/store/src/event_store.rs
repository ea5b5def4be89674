//! The [`EventStore`] trait and the requests and answers it speaks in.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kringloop_events::{ExpectedVersion, NewEvent, RecordedEvent};

use crate::chain::VerifyReport;
use crate::error::{Result, StoreError};
use crate::fold_page::FoldPage;
use crate::youth_keys::KeyRow;

/// How to append a batch.
#[derive(Debug, Clone, Default)]
pub struct AppendOptions {
    /// Expected version of the stream before the batch; `None` means [`ExpectedVersion::Any`].
    pub expected: Option<ExpectedVersion>,
    /// The same key twice with the same request writes nothing the second time and
    /// returns the first result; with another request it is
    /// [`StoreError::IdempotencyConflict`] (see `SameRequest` for what counts as the same).
    pub idempotency_key: Option<String>,
    /// Backfill only (imports of history, the demo generator): the recorded time to use
    /// instead of now. Must not be earlier than the log's last recorded time.
    pub recorded_at: Option<DateTime<Utc>>,
}

/// What an append wrote (or, for a repeated idempotency key, what the first one wrote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendResult {
    pub stream: String,
    /// Global position of the first and last event of the batch.
    pub first_position: i64,
    pub last_position: i64,
    /// Stream version after the batch.
    pub stream_version: i64,
    pub recorded_at: DateTime<Utc>,
    /// True when the idempotency key had been seen and nothing was written.
    pub duplicate: bool,
}

/// One stream's part of [`EventStore::append_many`].
#[derive(Debug, Clone, PartialEq)]
pub struct StreamAppend {
    pub stream: String,
    pub events: Vec<NewEvent>,
    /// Expected version of this stream before this part; `None` means `Any`. When a
    /// stream occurs twice, the second part sees the version after the first.
    pub expected: Option<ExpectedVersion>,
    /// A key row to store with this part, in the same transaction: inserted unless a row
    /// with its lookup exists; then the stored row for that lookup must name this part's
    /// stream, else [`StoreError::YouthKeyRace`] and nothing of the request is written.
    pub new_key: Option<KeyRow>,
}

/// One message of [`EventStore::append_many_streamed`].
#[derive(Debug, Clone, PartialEq)]
pub enum StreamedAppend {
    /// The next parts of the set, in order (as the parts of one `append_many`).
    Parts(Vec<StreamAppend>),
    /// Every part has been sent: commit the set.
    Commit,
}

/// Which events to read by type / recorded time.
#[derive(Debug, Clone, Default)]
pub struct ReadFilter {
    /// Only these event types (empty: all).
    pub event_types: Vec<String>,
    /// Recorded at or after.
    pub recorded_from: Option<DateTime<Utc>>,
    /// Recorded strictly before.
    pub recorded_to: Option<DateTime<Utc>>,
}

/// The append-only event log.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends a batch to one stream, all or nothing.
    async fn append(
        &self,
        stream: &str,
        events: Vec<NewEvent>,
        options: AppendOptions,
    ) -> Result<AppendResult>;

    /// Appends to several streams in ONE transaction: all parts or nothing (an import
    /// file, say). `options.idempotency_key` and `options.recorded_at` apply to the whole
    /// set (the key is stored on every event); `options.expected` must be `None`, each
    /// part has its own. Returns one result per part, in order, with consecutive
    /// positions. A repeated key writes nothing and returns `duplicate: true` results,
    /// rebuilt per stream from the first write (a stream that occurs twice in the first
    /// write gets its combined range in both places).
    async fn append_many(
        &self,
        appends: Vec<StreamAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>>;

    /// [`append_many`](Self::append_many) for a set whose parts are still being produced
    /// (an import file that is still being checked): the parts arrive over `parts`, and
    /// the set is ONE transaction that commits only when [`StreamedAppend::Commit`]
    /// arrives. If the channel closes before that, the transaction is rolled back and the
    /// answer is [`StoreError::Aborted`]: nothing of the set is written. Same checks and
    /// answers as `append_many` (expected version per part, a repeated key writes nothing
    /// and answers `duplicate`, no event id twice in the set). Both backends write the
    /// parts as they come, holding their write lock (SQLite's writer, PostgreSQL's
    /// advisory lock) until the commit or rollback, so other appends wait; this default
    /// collects them and writes at the commit.
    async fn append_many_streamed(
        &self,
        mut parts: tokio::sync::mpsc::UnboundedReceiver<StreamedAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>> {
        let all = collect_parts(&mut parts).await?;
        self.append_many(all, options).await
    }

    /// Several [`append_many`](Self::append_many) sets handed over at once, in order. Each
    /// set is all or nothing on its own and gets its own result, as if it were its own
    /// call made after the previous one had answered, except that a failed set does not
    /// stop the later ones. The backends queue the sets to their writer in this order
    /// and commit them together (one transaction and fsync for many sets), which is what
    /// a backfill of many small sets needs (the demo generator: one set per recorded
    /// hour). This default makes the calls one after another.
    async fn append_many_each(
        &self,
        sets: Vec<(Vec<StreamAppend>, AppendOptions)>,
    ) -> Vec<Result<Vec<AppendResult>>> {
        let mut results = Vec::with_capacity(sets.len());
        for (appends, options) in sets {
            results.push(self.append_many(appends, options).await);
        }
        results
    }

    /// Events of one stream from `from_version` (inclusive, 1-based) on.
    async fn read_stream(&self, stream: &str, from_version: i64) -> Result<Vec<RecordedEvent>>;

    /// Up to `limit` events with position > `after`, in position order. Resuming with the
    /// last position seen never skips an event.
    async fn read_all(&self, after: i64, limit: usize) -> Result<Vec<RecordedEvent>>;

    /// [`read_all`](Self::read_all) with only what a projection folds (position, id,
    /// recorded time, stream, type, schema version, payload), the text of the whole page
    /// in one buffer: a rebuild reads every event once and drops it right after. Same
    /// snapshot and order guarantees as `read_all`.
    async fn read_for_fold(&self, after: i64, limit: usize) -> Result<FoldPage> {
        Ok(FoldPage::from(
            self.read_all(after, limit).await?.as_slice(),
        ))
    }

    /// Up to `limit` events with position > `after` that match the filter.
    async fn read_filtered(
        &self,
        after: i64,
        limit: usize,
        filter: &ReadFilter,
    ) -> Result<Vec<RecordedEvent>>;

    /// Current version of a stream (0 if it does not exist).
    async fn stream_version(&self, stream: &str) -> Result<u64>;

    /// Position of the last committed event (0 when empty).
    async fn head_position(&self) -> Result<i64>;

    /// Walks the whole chain and reports the first position that does not match.
    async fn verify(&self) -> Result<VerifyReport>;

    /// The key row whose lookup is `lookup`.
    async fn youth_key_by_lookup(&self, lookup: &[u8]) -> Result<Option<KeyRow>> {
        let _ = lookup;
        Err(not_supported("youth_key_by_lookup"))
    }

    /// The key row of a physical stream.
    async fn youth_key_by_stream(&self, stream: &str) -> Result<Option<KeyRow>> {
        let _ = stream;
        Err(not_supported("youth_key_by_stream"))
    }

    /// Every key row, ordered by stream.
    async fn youth_keys(&self) -> Result<Vec<KeyRow>> {
        Err(not_supported("youth_keys"))
    }

    /// Deletes the key rows of these streams in one transaction and makes sure no copy
    /// stays in the database files; returns how many rows were deleted (absent ones count 0).
    async fn delete_youth_keys(&self, streams: &[String]) -> Result<u64> {
        let _ = streams;
        Err(not_supported("delete_youth_keys"))
    }

    /// The vault's check value (proves a master key fits this database), if set.
    async fn vault_check(&self) -> Result<Option<Vec<u8>>> {
        Err(not_supported("vault_check"))
    }

    /// Stores the check value unless one is set; returns the stored one.
    async fn init_vault_check(&self, value: &[u8]) -> Result<Vec<u8>> {
        let _ = value;
        Err(not_supported("init_vault_check"))
    }

    /// Which backend this is (`sqlite` or `postgres`), for logs and reports.
    fn backend(&self) -> &'static str;

    /// Finishes queued appends and closes the connections. Appends after `close` fail
    /// with [`StoreError::WriterGone`] (SQLite) or a pool-closed error (PostgreSQL).
    async fn close(&self) -> Result<()> {
        Ok(())
    }
}

/// The answer of the key-table defaults of [`EventStore`] (test doubles).
fn not_supported(what: &str) -> StoreError {
    StoreError::Invalid(format!("{what} not supported by this store"))
}

/// The next batch of parts of a streamed set: `None` at its [`StreamedAppend::Commit`],
/// [`StoreError::Aborted`] when the channel closes before that.
pub(crate) async fn next_parts(
    parts: &mut tokio::sync::mpsc::UnboundedReceiver<StreamedAppend>,
) -> Result<Option<Vec<StreamAppend>>> {
    match parts.recv().await {
        Some(StreamedAppend::Parts(p)) => Ok(Some(p)),
        Some(StreamedAppend::Commit) => Ok(None),
        None => Err(StoreError::Aborted),
    }
}

/// Every part of a streamed set up to its [`StreamedAppend::Commit`];
/// [`StoreError::Aborted`] when the channel closes before that.
pub(crate) async fn collect_parts(
    parts: &mut tokio::sync::mpsc::UnboundedReceiver<StreamedAppend>,
) -> Result<Vec<StreamAppend>> {
    let mut all = Vec::new();
    while let Some(mut p) = next_parts(parts).await? {
        all.append(&mut p);
    }
    Ok(all)
}
