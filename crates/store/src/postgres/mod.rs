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
//!
//! Modules by role: `writer` (the group writer task: the fast path and the savepoint
//! fallback), `append` (the statements of one request under the lock), `streamed` (a set
//! whose parts are still coming, written with binary COPY), `encoding` (rows for UNNEST
//! and COPY), `reading` (reads, paging and verify) and `youth_keys` (the table of
//! per-youth keys: the key row an append stores, its reads, the erasure and the vault's
//! check value).

mod append;
mod encoding;
mod reading;
mod streamed;
mod writer;
mod youth_keys;

use std::time::Duration;

use async_trait::async_trait;
use kringloop_events::{NewEvent, RecordedEvent};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use tokio::sync::mpsc;

use crate::chain::VerifyReport;
use crate::error::{Result, StoreError};
use crate::event_store::{
    AppendOptions, AppendResult, EventStore, ReadFilter, StreamAppend, StreamedAppend,
};
use crate::fold_page::FoldPage;
use crate::queue::{self, Msg};
use crate::validate::validate_streamed_options;
use crate::youth_keys::KeyRow;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Tuning for [`PgStore::connect_with`].
#[derive(Debug, Clone)]
pub struct PgConfig {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// How long the first connection may take: a closed port or an unreachable host
    /// fails within this instead of retrying until `acquire_timeout`.
    pub connect_timeout: Duration,
    /// Whether the schema is migrated (PostgreSQL databases are never created).
    pub open: crate::OpenOptions,
}

impl Default for PgConfig {
    fn default() -> Self {
        PgConfig {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            open: crate::OpenOptions::WRITER,
        }
    }
}

/// Checks, changing nothing, that the database holds kringloop's tables (in the
/// connection's search path) at the current schema version.
async fn check_migrated(pool: &PgPool) -> Result<()> {
    let events: Option<String> = sqlx::query_scalar("SELECT to_regclass('events')::text")
        .fetch_one(pool)
        .await?;
    let migrations: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
            .fetch_one(pool)
            .await?;
    let applied: Vec<i64> = if migrations.is_some() {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    crate::check_migrated(&MIGRATOR, events.is_some(), &applied)
}

/// The PostgreSQL event store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    tx: mpsc::Sender<Msg>,
}

impl PgStore {
    /// Connects and runs the migrations ([`PgConfig`]'s defaults).
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, PgConfig::default()).await
    }

    pub async fn connect_with(url: &str, config: PgConfig) -> Result<Self> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|_| StoreError::BadUrl(url.to_owned()))?;
        // One direct connection first: it fails at once with the real cause (refused,
        // unknown host, authentication) or after `connect_timeout`, where the pool would
        // retry until its acquire timeout.
        let first = tokio::time::timeout(
            config.connect_timeout,
            <sqlx::postgres::PgConnection as sqlx::Connection>::connect_with(&options),
        )
        .await
        .map_err(|_| {
            StoreError::Database(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "geen verbinding binnen {} s",
                    config.connect_timeout.as_secs_f64()
                ),
            )))
        })??;
        sqlx::Connection::close(first).await?;
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(config.acquire_timeout)
            .connect_with(options)
            .await?;
        if config.open.migrate {
            MIGRATOR.run(&pool).await?;
        } else {
            check_migrated(&pool).await?;
        }
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(writer::group_writer(pool.clone(), rx));
        Ok(PgStore { pool, tx })
    }

    /// The pool, for callers that need their own queries (tests, tools).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl EventStore for PgStore {
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
        mut parts: mpsc::UnboundedReceiver<StreamedAppend>,
        options: AppendOptions,
    ) -> Result<Vec<AppendResult>> {
        validate_streamed_options(&options)?;
        let mut conn = self.pool.acquire().await?;
        let result = streamed::append_streamed(&mut conn, &mut parts, &options).await;
        match result {
            Ok(streamed::Streamed::Done(results)) => Ok(results),
            Ok(streamed::Streamed::RepeatedKey(all)) => {
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
        queue::send_each(&self.tx, sets).await
    }

    async fn read_stream(&self, stream: &str, from_version: i64) -> Result<Vec<RecordedEvent>> {
        reading::read_stream(&self.pool, stream, from_version).await
    }

    async fn read_all(&self, after: i64, limit: usize) -> Result<Vec<RecordedEvent>> {
        reading::read_all(&self.pool, after, limit).await
    }

    async fn read_for_fold(&self, after: i64, limit: usize) -> Result<FoldPage> {
        reading::read_for_fold(&self.pool, after, limit).await
    }

    async fn read_filtered(
        &self,
        after: i64,
        limit: usize,
        filter: &ReadFilter,
    ) -> Result<Vec<RecordedEvent>> {
        reading::read_filtered(&self.pool, after, limit, filter).await
    }

    async fn stream_version(&self, stream: &str) -> Result<u64> {
        reading::stream_version(&self.pool, stream).await
    }

    async fn head_position(&self) -> Result<i64> {
        reading::head_position(&self.pool).await
    }

    async fn verify(&self) -> Result<VerifyReport> {
        reading::verify(&self.pool).await
    }

    async fn youth_key_by_lookup(&self, lookup: &[u8]) -> Result<Option<KeyRow>> {
        youth_keys::by_lookup(&self.pool, lookup).await
    }

    async fn youth_key_by_stream(&self, stream: &str) -> Result<Option<KeyRow>> {
        youth_keys::by_stream(&self.pool, stream).await
    }

    async fn youth_keys(&self) -> Result<Vec<KeyRow>> {
        youth_keys::all(&self.pool).await
    }

    async fn delete_youth_keys(&self, streams: &[String]) -> Result<u64> {
        youth_keys::delete(&self.pool, streams).await
    }

    async fn vault_check(&self) -> Result<Option<Vec<u8>>> {
        youth_keys::vault_check(&self.pool).await
    }

    async fn init_vault_check(&self, value: &[u8]) -> Result<Vec<u8>> {
        youth_keys::init_vault_check(&self.pool, value).await
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn close(&self) -> Result<()> {
        queue::close(&self.tx).await;
        self.pool.close().await;
        Ok(())
    }
}
