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
//!
//! Code map: [`EventStore`] and its request and answer types are in `event_store.rs`,
//! [`StoreError`] in `error.rs`; what both backends share sits beside them: the checks of
//! a request before it reaches the database (`validate.rs`), the comparison of a repeated
//! idempotency key with its first write (`idempotency.rs`), the queue to a writer task
//! (`queue.rs`), the head a writer extends and its error mapping (`write.rs`), the hash
//! chain and its verifier ([`chain`]), the page a projection folds (`fold_page.rs`) and
//! SQLite's JSONB row encoding (`jsonb.rs`), and [`KeyRow`], a row of the table of
//! per-youth encryption keys that crypto-shredding deletes (`youth_keys.rs`; the SQL is
//! in each backend's `youth_keys.rs`). Each backend is a folder of its own: [`sqlite`]
//! and [`postgres`].

pub mod chain;
mod error;
mod event_store;
mod fold_page;
mod idempotency;
mod jsonb;
pub mod postgres;
mod queue;
pub mod sqlite;
mod validate;
mod write;
mod youth_keys;

pub use chain::{VerifyFailure, VerifyReport};
pub use error::{Result, StoreError};
pub use event_store::{
    AppendOptions, AppendResult, EventStore, ReadFilter, StreamAppend, StreamedAppend,
};
pub use fold_page::{FoldEvent, FoldPage};
pub use validate::{MAX_NAME_BYTES, validate_append};
pub use youth_keys::KeyRow;

/// What [`open_with`] may do to the database it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Create a missing SQLite file (PostgreSQL databases are never created).
    pub create: bool,
    /// Run the embedded migrations; when false the database must already hold
    /// kringloop's tables at the current schema version, else
    /// [`StoreError::NotMigrated`].
    pub migrate: bool,
}

impl OpenOptions {
    /// For the commands that write (`serve`, `demo`, `import`, `migrate`): create a
    /// missing SQLite file and migrate.
    pub const WRITER: OpenOptions = OpenOptions {
        create: true,
        migrate: true,
    };
    /// For read-only commands: the database must exist and be migrated; nothing is
    /// created or changed in its schema.
    pub const EXISTING: OpenOptions = OpenOptions {
        create: false,
        migrate: false,
    };
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions::WRITER
    }
}

/// The SQLite path of a URL that is not a PostgreSQL one.
fn sqlite_path(url: &str) -> Result<&str> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    if path.is_empty() {
        return Err(StoreError::BadUrl(url.to_owned()));
    }
    Ok(path)
}

/// Whether a URL names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Opens the store named by a URL: `postgres://…` / `postgresql://…` for PostgreSQL,
/// `sqlite://path`, `sqlite:path` or a plain file path for SQLite (created if missing),
/// and migrates it ([`OpenOptions::WRITER`]).
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn EventStore>> {
    open_with(url, OpenOptions::WRITER).await
}

/// [`open`] with an explicit [`OpenOptions`]: [`OpenOptions::EXISTING`] for read-only
/// commands, which must neither create a file nor migrate a database.
pub async fn open_with(url: &str, options: OpenOptions) -> Result<std::sync::Arc<dyn EventStore>> {
    if is_postgres_url(url) {
        let config = postgres::PgConfig {
            open: options,
            ..Default::default()
        };
        Ok(std::sync::Arc::new(
            postgres::PgStore::connect_with(url, config).await?,
        ))
    } else {
        let config = sqlite::SqliteConfig {
            open: options,
            ..Default::default()
        };
        Ok(std::sync::Arc::new(
            sqlite::SqliteStore::open_with(sqlite_path(url)?, config).await?,
        ))
    }
}

/// Checks, without changing anything, that a database migrated by `migrator` is at its
/// current version: every migration applied. `events_table` says whether kringloop's `events`
/// table exists at all.
pub(crate) fn check_migrated(
    migrator: &sqlx::migrate::Migrator,
    events_table: bool,
    applied: &[i64],
) -> Result<()> {
    const HOW: &str = "maak of bijwerk het schema met `kringloop migrate` (of start `serve`)";
    if !events_table {
        return Err(StoreError::NotMigrated(format!(
            "de database bevat geen kringloop-tabellen; {HOW}"
        )));
    }
    let missing: Vec<i64> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::NotMigrated(format!(
            "het schema van de database is verouderd (migraties {missing:?} ontbreken); {HOW}"
        )));
    }
    Ok(())
}
