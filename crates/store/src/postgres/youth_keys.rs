//! The table of per-youth keys on PostgreSQL (see `crate::youth_keys`): the key row an
//! append stores with its part, the reads, the erasure and the vault's check value.

use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::{AssertSqlSafe, Row as _};

use crate::error::Result;
use crate::youth_keys::{KeyRow, check_stored_stream};

/// Stores `row` with its part, in the request's transaction (savepoint, under the
/// append lock), before the part's events: inserted unless its lookup or stream has a
/// row already; then the row of its lookup must name its stream, else
/// [`crate::StoreError::YouthKeyRace`].
pub(super) async fn insert_key_row(conn: &mut PgConnection, row: &KeyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO youth_keys (stream, lookup, wrapped_key, sealed_pseudonym) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(row.stream.as_str())
    .bind(row.lookup.as_slice())
    .bind(row.wrapped_key.as_slice())
    .bind(row.sealed_pseudonym.as_slice())
    .execute(&mut *conn)
    .await?;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT stream FROM youth_keys WHERE lookup = $1")
            .bind(row.lookup.as_slice())
            .fetch_optional(&mut *conn)
            .await?;
    check_stored_stream(&row.stream, stored.as_deref())
}

/// [`insert_key_row`] for the key rows of a whole group (the writer's fast path): one
/// insert and one read for all of them, then the same check per row.
pub(super) async fn insert_key_rows(conn: &mut PgConnection, rows: &[&KeyRow]) -> Result<()> {
    let streams: Vec<&str> = rows.iter().map(|r| r.stream.as_str()).collect();
    let lookups: Vec<&[u8]> = rows.iter().map(|r| r.lookup.as_slice()).collect();
    let wrapped: Vec<&[u8]> = rows.iter().map(|r| r.wrapped_key.as_slice()).collect();
    let sealed: Vec<&[u8]> = rows.iter().map(|r| r.sealed_pseudonym.as_slice()).collect();
    sqlx::query(
        "INSERT INTO youth_keys (stream, lookup, wrapped_key, sealed_pseudonym) \
         SELECT * FROM UNNEST($1::text[], $2::bytea[], $3::bytea[], $4::bytea[]) \
         ON CONFLICT DO NOTHING",
    )
    .bind(&streams)
    .bind(&lookups)
    .bind(&wrapped)
    .bind(&sealed)
    .execute(&mut *conn)
    .await?;
    let stored: Vec<(Vec<u8>, String)> =
        sqlx::query_as("SELECT lookup, stream FROM youth_keys WHERE lookup = ANY($1::bytea[])")
            .bind(&lookups)
            .fetch_all(&mut *conn)
            .await?;
    let stored: std::collections::HashMap<Vec<u8>, String> = stored.into_iter().collect();
    for row in rows {
        check_stored_stream(&row.stream, stored.get(&row.lookup).map(String::as_str))?;
    }
    Ok(())
}

fn key_row(row: &PgRow) -> Result<KeyRow> {
    Ok(KeyRow {
        stream: row.try_get(0)?,
        lookup: row.try_get(1)?,
        wrapped_key: row.try_get(2)?,
        sealed_pseudonym: row.try_get(3)?,
    })
}

pub(super) async fn by_lookup(pool: &PgPool, lookup: &[u8]) -> Result<Option<KeyRow>> {
    let row = sqlx::query(
        "SELECT stream, lookup, wrapped_key, sealed_pseudonym FROM youth_keys WHERE lookup = $1",
    )
    .bind(lookup)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(key_row).transpose()
}

pub(super) async fn by_stream(pool: &PgPool, stream: &str) -> Result<Option<KeyRow>> {
    let row = sqlx::query(
        "SELECT stream, lookup, wrapped_key, sealed_pseudonym FROM youth_keys WHERE stream = $1",
    )
    .bind(stream)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(key_row).transpose()
}

pub(super) async fn all(pool: &PgPool) -> Result<Vec<KeyRow>> {
    // `stream` is COLLATE "C": byte order, as on SQLite.
    let rows = sqlx::query(
        "SELECT stream, lookup, wrapped_key, sealed_pseudonym FROM youth_keys ORDER BY stream",
    )
    .fetch_all(pool)
    .await?;
    rows.iter().map(key_row).collect()
}

/// Deletes the rows of `streams` in one transaction, then rewrites the table and
/// checkpoints. A DELETE only marks a tuple dead: its bytes stay in the page until
/// that is pruned and reused. `VACUUM FULL youth_keys` copies the live rows into a new
/// file (indexes too) and unlinks the old one, so no page of the database holds the
/// deleted row any more; it runs outside a transaction, after the commit, and holds an
/// exclusive lock on the (small) table meanwhile. `CHECKPOINT` then flushes the
/// rewritten pages; it needs superuser or `pg_checkpoint`, so a refusal is a warning.
///
/// Out of reach of the store: the WAL segments that logged the insert (and, with
/// `wal_level` ≥ replica, archives and replicas) until they are recycled, blocks of the
/// unlinked file that the file system does not wipe, and backups. The wrapped key in
/// those copies is useless without the master key, which never enters the database.
///
/// A failing VACUUM is an error although the delete committed: called again with the
/// same streams it deletes nothing more (0) and rewrites the table again.
///
/// VACUUM FULL copies a deleted row too while a transaction that started before the
/// delete could still see it, and PostgreSQL counts those of every database of the
/// cluster, so it first waits (up to 10 s) until no such transaction or snapshot is left
/// (`pg_stat_activity`); one that stays longer is a warning, and the rewrite of the next
/// erasure removes the row.
pub(super) async fn delete(pool: &PgPool, streams: &[String]) -> Result<u64> {
    if streams.is_empty() {
        return Ok(0);
    }
    let mut tx = pool.begin().await?;
    let deleted = sqlx::query("DELETE FROM youth_keys WHERE stream = ANY($1::text[])")
        .bind(streams)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let (xid,): (i64,) = sqlx::query_as("SELECT pg_current_xact_id()::text::bigint")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    let mut conn = pool.acquire().await?;
    wait_for_older_snapshots(&mut conn, xid).await?;
    // Simple protocol: VACUUM and CHECKPOINT cannot run inside a transaction block.
    sqlx::raw_sql(AssertSqlSafe("VACUUM FULL youth_keys"))
        .execute(&mut *conn)
        .await?;
    if let Err(e) = sqlx::raw_sql(AssertSqlSafe("CHECKPOINT"))
        .execute(&mut *conn)
        .await
    {
        tracing::warn!(error = %e, "CHECKPOINT na het wissen van sleutels geweigerd");
    }
    Ok(deleted)
}

pub(super) async fn vault_check(pool: &PgPool) -> Result<Option<Vec<u8>>> {
    Ok(
        sqlx::query_scalar("SELECT check_value FROM vault WHERE id = 1")
            .fetch_optional(pool)
            .await?,
    )
}

pub(super) async fn init_vault_check(pool: &PgPool, value: &[u8]) -> Result<Vec<u8>> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO vault (id, check_value) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
        .bind(value)
        .execute(&mut *tx)
        .await?;
    let stored: Vec<u8> = sqlx::query_scalar("SELECT check_value FROM vault WHERE id = 1")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(stored)
}

/// Waits until no other session of the cluster runs a transaction, or holds a snapshot,
/// from before transaction `xid` (full 64-bit id) committed.
async fn wait_for_older_snapshots(conn: &mut PgConnection, xid: i64) -> Result<()> {
    const ATTEMPTS: u32 = 100;
    for attempt in 0..ATTEMPTS {
        let (older,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE pid <> pg_backend_pid() \
               AND (age(backend_xmin) >= age((($1::bigint) % 4294967296)::text::xid) \
                 OR age(backend_xid) >= age((($1::bigint) % 4294967296)::text::xid))",
        )
        .bind(xid)
        .fetch_one(&mut *conn)
        .await?;
        if older == 0 {
            return Ok(());
        }
        if attempt + 1 == ATTEMPTS {
            tracing::warn!(
                sessies = older,
                "een oudere transactie ziet de gewiste sleutel nog; VACUUM FULL kan hem meekopiëren"
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(())
}
