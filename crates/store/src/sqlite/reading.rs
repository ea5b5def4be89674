//! Reads, paging and verify: every read runs in one read transaction (one snapshot) and
//! takes its rows in chunks that SQLite packs into one value each (see `super::packed`).

use kringloop_events::RecordedEvent;
use sqlx::AssertSqlSafe;
use sqlx::Connection as _;
use sqlx::sqlite::{SqliteConnection, SqlitePool};

use super::packed::{
    CHAIN_ROW, FOLD_CHUNK, Unreadable, VERIFY_CHUNK, parse_chain_row, parse_fold_row,
    recorded_from_packed,
};
use crate::chain::{Verifier, VerifyReport};
use crate::error::{Result, StoreError};
use crate::event_store::ReadFilter;
use crate::fold_page::FoldPage;
use crate::validate::version_u64;

/// [`crate::EventStore::read_stream`].
pub(super) async fn read_stream(
    pool: &SqlitePool,
    stream: &str,
    from_version: i64,
) -> Result<Vec<RecordedEvent>> {
    // Within one stream, position order is stream_version order.
    read_packed(
        pool,
        " AND stream = ? AND stream_version >= ?",
        &[Bind::Str(stream), Bind::I64(from_version)],
        0,
        usize::MAX,
    )
    .await
}

/// [`crate::EventStore::read_all`].
pub(super) async fn read_all(
    pool: &SqlitePool,
    after: i64,
    limit: usize,
) -> Result<Vec<RecordedEvent>> {
    read_packed(pool, "", &[], after, limit).await
}

/// [`crate::EventStore::read_filtered`].
pub(super) async fn read_filtered(
    pool: &SqlitePool,
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
    read_packed(pool, &sql, &binds, after, limit).await
}

/// [`crate::EventStore::stream_version`].
pub(super) async fn stream_version(pool: &SqlitePool, stream: &str) -> Result<u64> {
    let v: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE stream = ?1")
            .bind(stream)
            .fetch_one(pool)
            .await?;
    Ok(version_u64(v))
}

/// [`crate::EventStore::head_position`].
pub(super) async fn head_position(pool: &SqlitePool) -> Result<i64> {
    let p: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) FROM events")
        .fetch_one(pool)
        .await?;
    Ok(p)
}

/// [`crate::EventStore::verify`].
pub(super) async fn verify(pool: &SqlitePool) -> Result<VerifyReport> {
    let mut conn = pool.acquire().await?;
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

fn clamp_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Positions per verify chunk.
pub(super) const VERIFY_ROWS: i64 = 4096;

/// Rows per packed read chunk.
const READ_ROWS: usize = 4096;

/// A value bound into a packed read.
enum Bind<'a> {
    I64(i64),
    Str(&'a str),
}

/// Reads the events with `position > after` matching `filter` (an SQL condition with `?`
/// placeholders for `binds`, or empty), in position order, at most `limit`, in chunks of
/// [`READ_ROWS`] rows each packed by SQLite into ONE value (the `VERIFY_CHUNK` packing,
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
        CHAIN_ROW
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

/// [`crate::EventStore::read_for_fold`]: the [`read_packed`] technique with only the fields a
/// fold needs packed (seven numbers, four fields), copied into one [`FoldPage`].
pub(super) async fn read_for_fold(pool: &SqlitePool, after: i64, limit: usize) -> Result<FoldPage> {
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
/// position it was read after, and returns its number of rows and highest position. All
/// chunks in one read transaction, so the result is one snapshot.
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

/// Feeds one `VERIFY_CHUNK` blob to the verifier; `false` once it has stopped.
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
