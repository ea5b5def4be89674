//! kringloop-store: the append-only, hash-chained event store.
//!
//! One trait, [`EventStore`], with two implementations that keep the same guarantees:
//! [`sqlite::SqliteStore`] (embedded default: a file, WAL, one writer task that groups
//! concurrent appends into one `BEGIN IMMEDIATE` transaction, durable `synchronous=FULL`
//! commits) and [`postgres::PgStore`] (production: appends serialised by a
//! transaction-level advisory lock, so positions are dense and commit in order; a writer
//! task groups this process's concurrent appends too). Each has its own embedded
//! migrations under `migrations/`.
//!
//! Both group concurrent appends the same way: one transaction per group, each request
//! in its own SAVEPOINT (a conflict rolls back only that request), one commit, then every
//! caller gets its own answer. [`EventStore::append_many`] writes several streams in one
//! request, all or nothing. Tuning: [`sqlite::SqliteConfig`], [`postgres::PgConfig`];
//! `examples/store_perf.rs` measures bulk append, verify and concurrent appends.
//!
//! Invariants (tested by the shared suite in `tests/`):
//! - positions are dense (1, 2, 3, …) and a reader that resumes after position p never
//!   misses an event that commits later;
//! - `recorded_at` never decreases with position, so "recorded ≤ K" is a prefix of the log;
//! - the database refuses UPDATE and DELETE of events (triggers);
//! - `hash = SHA-256(prev_hash ‖ canonical(event))`, checked by [`EventStore::verify`].

pub mod chain;
mod fold_page;
mod jsonb;
pub mod postgres;
mod queue;
pub mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kringloop_events::{ExpectedVersion, NewEvent, RecordedEvent};

pub use chain::{VerifyFailure, VerifyReport};
pub use fold_page::{FoldEvent, FoldPage};

/// Errors of the store. Messages are for operators; callers match on the variant.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream's version is not what the writer expected.
    #[error("versieconflict op stroom `{stream}`: verwacht {expected:?}, huidige versie {actual}")]
    Conflict {
        stream: String,
        expected: ExpectedVersion,
        actual: u64,
    },
    /// The batch itself is malformed (empty, bad id, payload that is not JSON, …).
    #[error("ongeldige gebeurtenis: {0}")]
    Invalid(String),
    /// The idempotency key was used before for another request: other streams, event
    /// types or payloads, or another number of events. Nothing was written. (A repeat of
    /// the same request answers the first result with `duplicate: true` instead.)
    #[error("idempotentiesleutel `{key}` is al gebruikt voor een ander verzoek ({verschil})")]
    IdempotencyConflict { key: String, verschil: String },
    /// A backfill tried to record an event earlier than the log's last recorded time.
    #[error("registratietijd {given} ligt vóór de laatste registratietijd in het log ({head})")]
    RecordedTimeBeforeHead {
        given: DateTime<Utc>,
        head: DateTime<Utc>,
    },
    #[error("het schrijfproces van de store is gestopt")]
    WriterGone,
    /// An [`EventStore::append_many_streamed`] set whose sender stopped before
    /// [`StreamedAppend::Commit`]: rolled back, nothing written.
    #[error("aanlevering afgebroken vóór de commit; niets geschreven")]
    Aborted,
    /// The group transaction this append was part of could not commit; nothing of it
    /// was written. (A group shares one commit, so the error is reported to each member.)
    #[error("groepscommit mislukt, niets geschreven: {0}")]
    Commit(String),
    #[error("databasefout: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migratiefout: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("onbruikbare database-URL `{0}`")]
    BadUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// Whether the request itself is at fault (nothing was written, and trying it again
    /// unchanged fails again): [`StoreError::Invalid`], or a database error that says so,
    /// PostgreSQL's data exceptions (SQLSTATE class 22: a NUL byte, a bad encoding, a
    /// value out of range) and program limits (class 54: an index entry too large), or
    /// SQLite's "string or blob too big". A writer answers these at once instead of
    /// retrying.
    pub fn is_input_error(&self) -> bool {
        match self {
            StoreError::Invalid(_) => true,
            StoreError::Database(sqlx::Error::Database(db)) => {
                let code = db.code();
                let code = code.as_deref().unwrap_or_default();
                // PostgreSQL's SQLSTATEs have five characters; SQLite's codes are numbers
                // (SQLITE_TOOBIG is 18).
                (code.len() == 5 && (code.starts_with("22") || code.starts_with("54")))
                    || code == "18"
            }
            _ => false,
        }
    }
}

/// How to append a batch.
#[derive(Debug, Clone, Default)]
pub struct AppendOptions {
    /// Expected version of the stream before the batch; `None` means [`ExpectedVersion::Any`].
    pub expected: Option<ExpectedVersion>,
    /// The same key twice with the same request writes nothing the second time and
    /// returns the first result; with another request it is
    /// [`StoreError::IdempotencyConflict`] (see [`SameRequest`] for what counts as the same).
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
        let mut all = Vec::new();
        loop {
            match parts.recv().await {
                Some(StreamedAppend::Parts(mut p)) => all.append(&mut p),
                Some(StreamedAppend::Commit) => return self.append_many(all, options).await,
                None => return Err(StoreError::Aborted),
            }
        }
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

    /// Which backend this is (`sqlite` or `postgres`), for logs and reports.
    fn backend(&self) -> &'static str;

    /// Finishes queued appends and closes the connections. Appends after `close` fail
    /// with [`StoreError::WriterGone`] (SQLite) or a pool-closed error (PostgreSQL).
    async fn close(&self) -> Result<()> {
        Ok(())
    }
}

/// Longest stream name and idempotency key the store takes, in bytes. Both are indexed,
/// and PostgreSQL refuses a B-tree entry over ~2.7 kB with an error deep in the group's
/// statement; refused here instead, the same on both backends. (The domain rules allow
/// much less: `kringloop_events::rules::MAX_STREAM`.)
pub const MAX_NAME_BYTES: usize = 1024;

/// What the store refuses as input, checked before anything reaches the database
/// ([`StoreError::Invalid`], nothing written): an empty stream name, batch or
/// idempotency key; a stream name or key longer than [`MAX_NAME_BYTES`]; a NUL byte in
/// the stream name, the key, an event type, `recorded_by` or `source`; a payload that is
/// not JSON; an event id twice. A writer that folds a fact into its state before the
/// append (the API's) runs this first, so such a fact is refused before it is folded.
pub fn validate_append(part: &StreamAppend, options: &AppendOptions) -> Result<()> {
    validate_batch(&part.stream, &part.events, options)
}

/// Checks a batch before it reaches the database: non-empty, JSON payloads, no event id
/// twice. Runs in the caller's task, so the writer only does what needs the lock.
pub(crate) fn validate_batch(
    stream: &str,
    events: &[NewEvent],
    options: &AppendOptions,
) -> Result<()> {
    if stream.is_empty() {
        return Err(StoreError::Invalid("lege stroomnaam".to_owned()));
    }
    if events.is_empty() {
        return Err(StoreError::Invalid(
            "lege batch: geen gebeurtenissen".to_owned(),
        ));
    }
    if options.idempotency_key.as_deref() == Some("") {
        return Err(StoreError::Invalid("lege idempotentiesleutel".to_owned()));
    }
    if stream.len() > MAX_NAME_BYTES
        || options
            .idempotency_key
            .as_ref()
            .is_some_and(|k| k.len() > MAX_NAME_BYTES)
    {
        return Err(StoreError::Invalid(format!(
            "stroomnaam of idempotentiesleutel langer dan {MAX_NAME_BYTES} bytes"
        )));
    }
    // PostgreSQL refuses NUL in text (an error deep in the statement); SQLite would store
    // it. Refused here, the same on both, before anything reaches the database.
    if stream.contains('\0') {
        return Err(StoreError::Invalid(
            "stroomnaam bevat een NUL-teken".to_owned(),
        ));
    }
    if options
        .idempotency_key
        .as_deref()
        .is_some_and(|k| k.contains('\0'))
    {
        return Err(StoreError::Invalid(
            "idempotentiesleutel bevat een NUL-teken".to_owned(),
        ));
    }
    let mut ids = std::collections::HashSet::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        if e.event_type.is_empty() {
            return Err(StoreError::Invalid(format!("gebeurtenis {i}: leeg type")));
        }
        if [&e.event_type, &e.recorded_by, &e.source]
            .iter()
            .any(|t| t.contains('\0'))
        {
            return Err(StoreError::Invalid(format!(
                "gebeurtenis {i}: type, recorded_by of source bevat een NUL-teken"
            )));
        }
        if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(&e.payload) {
            return Err(StoreError::Invalid(format!(
                "gebeurtenis {i} ({}): inhoud is geen geldige JSON: {err}",
                e.event_id
            )));
        }
        if !ids.insert(e.event_id) {
            return Err(StoreError::Invalid(format!(
                "gebeurtenis-id {} komt twee keer voor in de batch",
                e.event_id
            )));
        }
    }
    Ok(())
}

/// [`validate_batch`] for every part, plus: at least one part, no event id twice across
/// parts, and no set-wide expected version.
pub(crate) fn validate_many(appends: &[StreamAppend], options: &AppendOptions) -> Result<()> {
    if appends.is_empty() {
        return Err(StoreError::Invalid(
            "lege append_many: geen stromen".to_owned(),
        ));
    }
    validate_many_options(options)?;
    validate_parts(appends, options, &mut std::collections::HashSet::new())
}

/// The set-wide part of [`validate_many`]: no set-wide expected version.
pub(crate) fn validate_many_options(options: &AppendOptions) -> Result<()> {
    if options.expected.is_some() {
        return Err(StoreError::Invalid(
            "append_many: geef de verwachte versie per stroom op, niet voor het geheel".to_owned(),
        ));
    }
    Ok(())
}

/// [`validate_batch`] for every part, and no event id twice across the parts (`ids`
/// holds the ids of earlier parts of the same set).
pub(crate) fn validate_parts(
    appends: &[StreamAppend],
    options: &AppendOptions,
    ids: &mut std::collections::HashSet<uuid::Uuid>,
) -> Result<()> {
    for part in appends {
        validate_batch(&part.stream, &part.events, options)?;
        for e in &part.events {
            if !ids.insert(e.event_id) {
                return Err(StoreError::Invalid(format!(
                    "gebeurtenis-id {} komt twee keer voor in de batch",
                    e.event_id
                )));
            }
        }
    }
    Ok(())
}

/// The expected-version check shared by both backends.
pub(crate) fn check_expected(stream: &str, expected: ExpectedVersion, actual: u64) -> Result<()> {
    let ok = match expected {
        ExpectedVersion::Any => true,
        ExpectedVersion::NoStream => actual == 0,
        ExpectedVersion::StreamExists => actual >= 1,
        ExpectedVersion::Exact(n) => actual == n,
    };
    if ok {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            stream: stream.to_owned(),
            expected,
            actual,
        })
    }
}

/// The recorded time of a new batch, in microseconds: now (or the backfill time), but
/// never before the head, so "recorded ≤ K" stays a prefix of the log.
pub(crate) fn recorded_micros(
    head_micros: Option<i64>,
    requested: Option<DateTime<Utc>>,
) -> Result<i64> {
    match requested {
        Some(at) => {
            let at_micros = at.timestamp_micros();
            match head_micros {
                Some(head) if at_micros < head => Err(StoreError::RecordedTimeBeforeHead {
                    given: at,
                    head: chain::micros_to_datetime(head),
                }),
                _ => Ok(at_micros),
            }
        }
        None => Ok(chain::now_micros().max(head_micros.unwrap_or(i64::MIN))),
    }
}

/// Results for a repeated `append_many` key, rebuilt from the first write: `ranges` maps
/// each stream to (first position, last position, version) within that write.
pub(crate) fn duplicate_results(
    parts: &[StreamAppend],
    first: &AppendResult,
    ranges: &std::collections::HashMap<String, (i64, i64, i64)>,
) -> Vec<AppendResult> {
    parts
        .iter()
        .map(|p| match ranges.get(&p.stream) {
            Some(&(first_position, last_position, stream_version)) => AppendResult {
                stream: p.stream.clone(),
                first_position,
                last_position,
                stream_version,
                recorded_at: first.recorded_at,
                duplicate: true,
            },
            // A retry naming a stream the first write did not touch: the whole range.
            None => first.clone(),
        })
        .collect()
}

/// Rows per query when a repeated request is compared with what its key stored.
pub(crate) const COMPARE_ROWS: i64 = 1024;

/// The position ranges `from..=to` of at most [`COMPARE_ROWS`] rows that cover
/// `first..=last`, in order: the pages a backend reads for [`SameRequest`].
pub(crate) fn compare_pages(first: i64, last: i64) -> impl Iterator<Item = (i64, i64)> {
    std::iter::successors(Some(first), |&from| from.checked_add(COMPARE_ROWS))
        .take_while(move |&from| from <= last)
        .map(move |from| (from, last.min(from.saturating_add(COMPARE_ROWS - 1))))
}

/// Compares a request that repeats an idempotency key with what the key's first write
/// stored (the rows `first..=last` of the log, in position order): the same number of
/// events and, event by event, the same stream, event type and payload (the exact stored
/// bytes, which the hash chain covers too). Event ids, expected versions, `recorded_by`
/// and the other envelope fields may differ: a client that rebuilds its retry gets fresh
/// ids, and an expected version that held the first time no longer does. Fed row by row
/// ([`SameRequest::row`]), so a repeated import file is compared without holding it twice.
pub(crate) struct SameRequest<'a> {
    key: &'a str,
    parts: &'a [StreamAppend],
    /// Next event to compare: part, event within the part, and its index in the request.
    part: usize,
    event: usize,
    index: usize,
}

impl<'a> SameRequest<'a> {
    /// Starts the comparison; a different number of events fails at once.
    pub(crate) fn new(
        key: &'a str,
        parts: &'a [StreamAppend],
        first_position: i64,
        last_position: i64,
    ) -> Result<Self> {
        let stored = last_position - first_position + 1;
        let given: usize = parts.iter().map(|p| p.events.len()).sum();
        let check = SameRequest {
            key,
            parts,
            part: 0,
            event: 0,
            index: 0,
        };
        if i64::try_from(given).ok() != Some(stored) {
            return Err(check.differs(format!("{given} gebeurtenissen, de eerste keer {stored}")));
        }
        Ok(check)
    }

    fn differs(&self, verschil: String) -> StoreError {
        StoreError::IdempotencyConflict {
            key: self.key.to_owned(),
            verschil,
        }
    }

    /// The next stored row, in position order.
    pub(crate) fn row(&mut self, stream: &str, event_type: &str, payload: &str) -> Result<()> {
        while self
            .parts
            .get(self.part)
            .is_some_and(|p| self.event >= p.events.len())
        {
            self.part += 1;
            self.event = 0;
        }
        let i = self.index;
        let Some((part, e)) = self
            .parts
            .get(self.part)
            .and_then(|p| p.events.get(self.event).map(|e| (p, e)))
        else {
            return Err(self.differs(format!("de eerste keer meer dan {i} gebeurtenissen")));
        };
        if part.stream != stream {
            return Err(self.differs(format!(
                "gebeurtenis {i}: stroom `{}`, de eerste keer `{stream}`",
                part.stream
            )));
        }
        if e.event_type != event_type {
            return Err(self.differs(format!(
                "gebeurtenis {i}: type `{}`, de eerste keer `{event_type}`",
                e.event_type
            )));
        }
        if e.payload != payload {
            return Err(self.differs(format!("gebeurtenis {i}: andere inhoud")));
        }
        self.event += 1;
        self.index += 1;
        Ok(())
    }

    /// After the last stored row: every event of the request was compared.
    pub(crate) fn finish(self) -> Result<()> {
        let given: usize = self.parts.iter().map(|p| p.events.len()).sum();
        if self.index == given {
            Ok(())
        } else {
            Err(self.differs(format!(
                "{given} gebeurtenissen, de eerste keer {} gelezen",
                self.index
            )))
        }
    }
}

/// Whether a database error is the unique violation on `event_id` (a retried batch whose
/// id is already stored), which is the caller's mistake, not the database's.
pub(crate) fn duplicate_event_id(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|d| {
        d.is_unique_violation()
            && (d.constraint() == Some("events_event_id") || d.message().contains("event_id"))
    })
}

/// Opens the store named by a URL: `postgres://…` / `postgresql://…` for PostgreSQL,
/// `sqlite://path`, `sqlite:path` or a plain file path for SQLite (created if missing).
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn EventStore>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(postgres::PgStore::connect(url).await?))
    } else {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err(StoreError::BadUrl(url.to_owned()));
        }
        Ok(std::sync::Arc::new(sqlite::SqliteStore::open(path).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_pages_cover_the_range_once() {
        let pages: Vec<_> = compare_pages(5, 5 + 2 * COMPARE_ROWS).collect();
        assert_eq!(
            pages,
            vec![
                (5, 4 + COMPARE_ROWS),
                (5 + COMPARE_ROWS, 4 + 2 * COMPARE_ROWS),
                (5 + 2 * COMPARE_ROWS, 5 + 2 * COMPARE_ROWS),
            ]
        );
        assert_eq!(compare_pages(7, 7).collect::<Vec<_>>(), vec![(7, 7)]);
        assert_eq!(compare_pages(8, 7).count(), 0);
    }
}
