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
//!
//! Modules by role: `schema` (connection settings, pragmas and migrations), `writer` (the
//! writer task: group commit, the fast path and the savepoint fallback), `append` (the
//! statements of one append under the write lock), `encoding` (rows encoded for the
//! multi-row INSERTs), `checkpoint` (the background WAL checkpoints), `reading` (reads,
//! paging and verify), `packed` (the packed row format those reads parse) and
//! `youth_keys` (the table of per-youth keys: the key row an append stores, its reads,
//! the erasure and the vault's check value).

mod append;
mod checkpoint;
mod encoding;
mod packed;
mod reading;
mod schema;
#[cfg(test)]
mod tests;
mod writer;
mod youth_keys;

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use kringloop_events::{NewEvent, RecordedEvent};
use sqlx::sqlite::SqlitePool;
use tokio::sync::mpsc;

use crate::chain::VerifyReport;
use crate::error::Result;
use crate::event_store::{
    AppendOptions, AppendResult, EventStore, ReadFilter, StreamAppend, StreamedAppend,
};
use crate::fold_page::FoldPage;
use crate::queue::{self, Msg};
use crate::youth_keys::KeyRow;

pub use schema::{Durability, SqliteConfig};

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
        let connections = schema::connect(&path, &config).await?;
        let (tx, rx) = mpsc::channel(config.queue.max(1));
        tokio::spawn(writer::Writer::new(connections.writer, connections.checkpointer).run(rx));
        Ok(SqliteStore {
            tx,
            readers: connections.readers,
            path,
        })
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
        queue::send_one(&self.tx, stream, events, options).await
    }

    async fn append_many(
        &self,
        appends: Vec<StreamAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>> {
        queue::send_many(&self.tx, appends, options).await
    }

    async fn append_many_streamed(
        &self,
        parts: mpsc::UnboundedReceiver<StreamedAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>> {
        queue::send_streamed(&self.tx, parts, options).await
    }

    async fn append_many_each(
        &self,
        sets: Vec<(Vec<StreamAppend>, AppendOptions)>,
    ) -> Vec<Result<Vec<AppendResult>>> {
        queue::send_each(&self.tx, sets).await
    }

    async fn read_stream(&self, stream: &str, from_version: i64) -> Result<Vec<RecordedEvent>> {
        reading::read_stream(&self.readers, stream, from_version).await
    }

    async fn read_all(&self, after: i64, limit: usize) -> Result<Vec<RecordedEvent>> {
        reading::read_all(&self.readers, after, limit).await
    }

    async fn read_for_fold(&self, after: i64, limit: usize) -> Result<FoldPage> {
        reading::read_for_fold(&self.readers, after, limit).await
    }

    async fn read_filtered(
        &self,
        after: i64,
        limit: usize,
        filter: &ReadFilter,
    ) -> Result<Vec<RecordedEvent>> {
        reading::read_filtered(&self.readers, after, limit, filter).await
    }

    async fn stream_version(&self, stream: &str) -> Result<u64> {
        reading::stream_version(&self.readers, stream).await
    }

    async fn head_position(&self) -> Result<i64> {
        reading::head_position(&self.readers).await
    }

    async fn verify(&self) -> Result<VerifyReport> {
        reading::verify(&self.readers).await
    }

    async fn youth_key_by_lookup(&self, lookup: &[u8]) -> Result<Option<KeyRow>> {
        youth_keys::by_lookup(&self.readers, lookup).await
    }

    async fn youth_key_by_stream(&self, stream: &str) -> Result<Option<KeyRow>> {
        youth_keys::by_stream(&self.readers, stream).await
    }

    async fn youth_keys(&self) -> Result<Vec<KeyRow>> {
        youth_keys::all(&self.readers).await
    }

    /// On a pool connection in `BEGIN IMMEDIATE`, not through the writer task (see
    /// `youth_keys` for why), then a truncating WAL checkpoint.
    async fn delete_youth_keys(&self, streams: &[String]) -> Result<u64> {
        youth_keys::delete(&self.readers, streams).await
    }

    async fn vault_check(&self) -> Result<Option<Vec<u8>>> {
        youth_keys::vault_check(&self.readers).await
    }

    async fn init_vault_check(&self, value: &[u8]) -> Result<Vec<u8>> {
        youth_keys::init_vault_check(&self.readers, value).await
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn close(&self) -> Result<()> {
        queue::close(&self.tx).await;
        self.readers.close().await;
        Ok(())
    }
}
