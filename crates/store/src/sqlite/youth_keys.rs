//! The table of per-youth keys on SQLite (see `crate::youth_keys`): the key row an append
//! stores with its part, the reads, the erasure and the vault's check value.
//!
//! Where the writes go: the erasure and the check value run on a connection of the read
//! pool in a `BEGIN IMMEDIATE` transaction, not through the writer task. They touch no
//! event and nothing the writer caches (its head and stream versions stay true), the
//! writer's queue is shared with PostgreSQL's writer and speaks in appends only, and the
//! transactions are a statement or two: `BEGIN IMMEDIATE` takes SQLite's write lock up
//! front, waiting for the writer's current group through the busy timeout (and the writer
//! waits the same way for ours), so neither can deadlock the other; a long
//! `append_many_streamed` set that holds the lock past the busy timeout makes the erasure
//! fail with a busy error, to be retried, nothing deleted.

use std::time::Duration;

use sqlx::Row as _;
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};

use crate::chain;
use crate::error::Result;
use crate::youth_keys::{KeyRow, check_stored_stream};

/// Attempts at the truncating checkpoint after an erasure, and the pause between them.
const CHECKPOINT_ATTEMPTS: u32 = 5;
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(50);

/// Stores `row` with its part, in the request's transaction (savepoint), before the
/// part's events: inserted unless its lookup or stream has a row already; then the row
/// of its lookup must name its stream, else [`crate::StoreError::YouthKeyRace`].
pub(super) async fn insert_key_row(conn: &mut SqliteConnection, row: &KeyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO youth_keys (stream, lookup, wrapped_key, sealed_pseudonym, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    )
    .bind(row.stream.as_str())
    .bind(row.lookup.as_slice())
    .bind(row.wrapped_key.as_slice())
    .bind(row.sealed_pseudonym.as_slice())
    .bind(chain::now_micros())
    .execute(&mut *conn)
    .await?;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT stream FROM youth_keys WHERE lookup = ?1")
            .bind(row.lookup.as_slice())
            .fetch_optional(&mut *conn)
            .await?;
    check_stored_stream(&row.stream, stored.as_deref())
}

/// Key rows per statement of [`insert_key_rows`]: 5 parameters each, far below SQLite's
/// limit of 32,766.
const ROWS_PER_STATEMENT: usize = 500;

/// [`insert_key_row`] for the key rows of a whole group (the writer's fast path): one
/// multi-row insert and one read per [`ROWS_PER_STATEMENT`] rows instead of two
/// statements per row (each a round trip to SQLite's worker thread), then the same check
/// per row.
pub(super) async fn insert_key_rows(conn: &mut SqliteConnection, rows: &[&KeyRow]) -> Result<()> {
    let now = chain::now_micros();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let insert = format!(
            "INSERT INTO youth_keys (stream, lookup, wrapped_key, sealed_pseudonym, created_at) \
             VALUES {values} ON CONFLICT DO NOTHING"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(insert));
        for row in chunk {
            q = q
                .bind(row.stream.as_str())
                .bind(row.lookup.as_slice())
                .bind(row.wrapped_key.as_slice())
                .bind(row.sealed_pseudonym.as_slice())
                .bind(now);
        }
        q.execute(&mut *conn).await?;
        let marks = vec!["?"; chunk.len()].join(", ");
        let select = format!("SELECT lookup, stream FROM youth_keys WHERE lookup IN ({marks})");
        let mut q = sqlx::query_as::<_, (Vec<u8>, String)>(sqlx::AssertSqlSafe(select));
        for row in chunk {
            q = q.bind(row.lookup.as_slice());
        }
        let stored: std::collections::HashMap<Vec<u8>, String> =
            q.fetch_all(&mut *conn).await?.into_iter().collect();
        for row in chunk {
            check_stored_stream(&row.stream, stored.get(&row.lookup).map(String::as_str))?;
        }
    }
    Ok(())
}

fn key_row(row: &SqliteRow) -> Result<KeyRow> {
    Ok(KeyRow {
        stream: row.try_get(0)?,
        lookup: row.try_get(1)?,
        wrapped_key: row.try_get(2)?,
        sealed_pseudonym: row.try_get(3)?,
    })
}

pub(super) async fn by_lookup(readers: &SqlitePool, lookup: &[u8]) -> Result<Option<KeyRow>> {
    let row = sqlx::query(
        "SELECT stream, lookup, wrapped_key, sealed_pseudonym FROM youth_keys WHERE lookup = ?1",
    )
    .bind(lookup)
    .fetch_optional(readers)
    .await?;
    row.as_ref().map(key_row).transpose()
}

pub(super) async fn by_stream(readers: &SqlitePool, stream: &str) -> Result<Option<KeyRow>> {
    let row = sqlx::query(
        "SELECT stream, lookup, wrapped_key, sealed_pseudonym FROM youth_keys WHERE stream = ?1",
    )
    .bind(stream)
    .fetch_optional(readers)
    .await?;
    row.as_ref().map(key_row).transpose()
}

pub(super) async fn all(readers: &SqlitePool) -> Result<Vec<KeyRow>> {
    let rows = sqlx::query(
        "SELECT stream, lookup, wrapped_key, sealed_pseudonym FROM youth_keys ORDER BY stream",
    )
    .fetch_all(readers)
    .await?;
    rows.iter().map(key_row).collect()
}

/// Deletes the rows of `streams` in one transaction, then checkpoints the WAL into the
/// database file and truncates it. Every connection runs with `secure_delete = ON`
/// (`super::schema`), so the deleted row's bytes are zeroed in its page; the checkpoint
/// writes that page over the old one in the file and empties the WAL, which still held
/// the page as it was (with the row) since the insert. What stays out of reach: copies
/// the file system or a backup made before.
pub(super) async fn delete(pool: &SqlitePool, streams: &[String]) -> Result<u64> {
    if streams.is_empty() {
        return Ok(0);
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut deleted = 0;
    for stream in streams {
        deleted += sqlx::query("DELETE FROM youth_keys WHERE stream = ?1")
            .bind(stream.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    truncate_wal(pool).await?;
    Ok(deleted)
}

/// `PRAGMA wal_checkpoint(TRUNCATE)`, a few times while it reports busy (a reader on an
/// older snapshot, the background checkpoint, the writer); a busy that remains is logged,
/// not an error: the delete has committed, and the next erasure checkpoints again.
async fn truncate_wal(pool: &SqlitePool) -> Result<()> {
    let mut conn = pool.acquire().await?;
    for attempt in 1..=CHECKPOINT_ATTEMPTS {
        match sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await
        {
            Ok(row) => {
                let busy: i64 = row.try_get(0)?;
                if busy == 0 {
                    return Ok(());
                }
            }
            Err(e) if is_busy(&e) => {}
            Err(e) => return Err(e.into()),
        }
        if attempt < CHECKPOINT_ATTEMPTS {
            tokio::time::sleep(CHECKPOINT_PAUSE).await;
        }
    }
    tracing::warn!(
        attempts = CHECKPOINT_ATTEMPTS,
        "WAL-checkpoint na het wissen van sleutels bleef bezet; de WAL kan nog een kopie \
         bevatten tot de volgende checkpoint"
    );
    Ok(())
}

/// SQLITE_BUSY or SQLITE_LOCKED, with their extended codes.
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

pub(super) async fn vault_check(readers: &SqlitePool) -> Result<Option<Vec<u8>>> {
    Ok(
        sqlx::query_scalar("SELECT check_value FROM vault WHERE id = 1")
            .fetch_optional(readers)
            .await?,
    )
}

pub(super) async fn init_vault_check(pool: &SqlitePool, value: &[u8]) -> Result<Vec<u8>> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("INSERT INTO vault (id, check_value) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING")
        .bind(value)
        .execute(&mut *tx)
        .await?;
    let stored: Vec<u8> = sqlx::query_scalar("SELECT check_value FROM vault WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(stored)
}
