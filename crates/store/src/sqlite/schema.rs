//! The SQLite file's settings: durability, pragmas, the connections a store opens, and
//! its embedded migrations.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Connection as _};

use crate::error::{Result, StoreError};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

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

/// Tuning for [`super::SqliteStore::open_with`].
#[derive(Debug, Clone)]
pub struct SqliteConfig {
    pub durability: Durability,
    /// Connections in the read pool.
    pub readers: u32,
    pub busy_timeout: Duration,
    /// Appends that may wait for the writer before callers are back-pressured.
    pub queue: usize,
    /// Whether a missing file is created and the schema migrated.
    pub open: crate::OpenOptions,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        SqliteConfig {
            durability: Durability::Full,
            readers: 4,
            busy_timeout: Duration::from_secs(10),
            queue: 4096,
            open: crate::OpenOptions::WRITER,
        }
    }
}

/// WAL frames after which the writer checkpoints itself (normally `Checkpointer` has
/// done it long before): 16,384 pages, 64 MiB.
const WRITER_AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// The connections of one store.
pub(super) struct Connections {
    /// The only write connection, migrated, owned by the writer task.
    pub(super) writer: SqliteConnection,
    /// The background checkpoints' connection (see `super::checkpoint`).
    pub(super) checkpointer: SqliteConnection,
    pub(super) readers: SqlitePool,
}

/// Opens the file at `path` (creating it if missing and `config.open.create`), runs the
/// migrations (or, without `config.open.migrate`, checks that they ran) and sets the
/// pragmas of each connection.
pub(super) async fn connect(path: &Path, config: &SqliteConfig) -> Result<Connections> {
    if !config.open.create && !path.exists() {
        return Err(StoreError::Missing(path.display().to_string()));
    }
    if !config.open.migrate {
        // Checked on a read-only connection first: the settings below (WAL) would
        // already write to a file that is no kringloop database.
        let mut probe = SqliteConnection::connect_with(
            &SqliteConnectOptions::new()
                .filename(path)
                .read_only(true)
                .busy_timeout(config.busy_timeout),
        )
        .await?;
        let checked = check_migrated(&mut probe).await;
        probe.close().await?;
        checked?;
    }
    let base = SqliteConnectOptions::from_str("sqlite://")
        .map_err(StoreError::Database)?
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(config.busy_timeout)
        .foreign_keys(false)
        // Deleted content is overwritten with zeros, so an erased youth key
        // (`youth_keys`) leaves no copy in its page. The cost is nil for the log:
        // nothing is ever deleted from `events` (append-only, refused by triggers) or
        // `idempotency_keys`, so only the rare erasure of key rows pays for the zeroing.
        .pragma("secure_delete", "ON");
    let sync = match config.durability {
        Durability::Full => SqliteSynchronous::Full,
        Durability::Normal => SqliteSynchronous::Normal,
    };
    let mut writer =
        // A larger page cache keeps the index pages of a bulk import in memory.
        SqliteConnection::connect_with(
            &base
                .clone()
                .create_if_missing(config.open.create)
                .synchronous(sync)
                .pragma("cache_size", "-65536")
                // Statement journals (an INSERT of many rows needs one) stay in memory.
                .pragma("temp_store", "MEMORY"),
        )
        .await?;
    if config.open.migrate {
        MIGRATOR.run(&mut writer).await?;
    }
    // Checkpoints run on their own connection (see `Checkpointer`), so a commit does
    // not wait for one; the writer's own automatic checkpoint stays as a safety net
    // for when that one falls behind.
    sqlx::query(AssertSqlSafe(format!(
        "PRAGMA wal_autocheckpoint = {WRITER_AUTOCHECKPOINT_PAGES}"
    )))
    .execute(&mut writer)
    .await?;
    let checkpointer = SqliteConnection::connect_with(&base.clone().synchronous(sync)).await?;

    let readers = SqlitePoolOptions::new()
        .max_connections(config.readers.max(1))
        .min_connections(0)
        // A deep row buffer lets the SQLite worker thread run ahead of the reader
        // instead of handing over every row with a wake-up (matters for verify).
        .connect_with(base.create_if_missing(false).row_buffer_size(256))
        .await?;
    Ok(Connections {
        writer,
        checkpointer,
        readers,
    })
}

/// Checks that the file holds kringloop's tables at the current schema version.
async fn check_migrated(conn: &mut SqliteConnection) -> Result<()> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('events', '_sqlx_migrations')",
    )
    .fetch_all(&mut *conn)
    .await?;
    let applied: Vec<i64> = if tables.iter().any(|t| t == "_sqlx_migrations") {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&mut *conn)
            .await?
    } else {
        Vec::new()
    };
    crate::check_migrated(&MIGRATOR, tables.iter().any(|t| t == "events"), &applied)
}
