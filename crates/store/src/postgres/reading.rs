//! Reads, paging and verify: plain queries over the pool (PostgreSQL's snapshots give
//! each statement, and verify's REPEATABLE READ transaction, one consistent view).

use chrono::{DateTime, Utc};
use futures::TryStreamExt as _;
use kringloop_events::RecordedEvent;
use sqlx::postgres::{PgPool, PgRow};
use sqlx::{AssertSqlSafe, Connection as _, Row as _};

use crate::chain::{self, ChainRow, PipelinedVerifier, VerifyReport, hash32};
use crate::error::{Result, StoreError};
use crate::event_store::ReadFilter;
use crate::fold_page::{FoldEvent, FoldPage};
use crate::validate::version_u64;

// `payload::text` because sqlx does not decode `json` into a String, and the cast returns
// the stored bytes unchanged (json, unlike jsonb, keeps the input text).
const SELECT_EVENTS: &str = "SELECT position, stream, stream_version, event_id, event_type, \
     schema_version, payload::text, valid_date, recorded_at, recorded_by, source, \
     correlation_id, causation_id, idempotency_key, prev_hash, hash FROM events";

/// [`crate::EventStore::read_stream`].
pub(super) async fn read_stream(
    pool: &PgPool,
    stream: &str,
    from_version: i64,
) -> Result<Vec<RecordedEvent>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{SELECT_EVENTS} WHERE stream = $1 AND stream_version >= $2 ORDER BY stream_version"
    )))
    .bind(stream)
    .bind(from_version)
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode_event).collect()
}

/// [`crate::EventStore::read_all`].
pub(super) async fn read_all(
    pool: &PgPool,
    after: i64,
    limit: usize,
) -> Result<Vec<RecordedEvent>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{SELECT_EVENTS} WHERE position > $1 ORDER BY position LIMIT $2"
    )))
    .bind(after)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode_event).collect()
}

/// [`crate::EventStore::read_for_fold`].
pub(super) async fn read_for_fold(pool: &PgPool, after: i64, limit: usize) -> Result<FoldPage> {
    // Only the columns a fold needs, borrowed from the rows into one page (no string
    // per field per event; hashes and provenance are not even sent).
    let rows = sqlx::query(
        "SELECT position, event_id, recorded_at, schema_version, stream, event_type, \
         payload::text FROM events WHERE position > $1 ORDER BY position LIMIT $2",
    )
    .bind(after)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    let mut page = FoldPage::with_capacity(rows.len(), rows.len() * 256);
    for row in &rows {
        page.push(FoldEvent {
            position: row.try_get(0)?,
            event_id: row.try_get(1)?,
            recorded_at: row.try_get(2)?,
            schema_version: row.try_get(3)?,
            stream: row.try_get(4)?,
            event_type: row.try_get(5)?,
            payload: row.try_get(6)?,
        });
    }
    Ok(page)
}

/// [`crate::EventStore::read_filtered`].
pub(super) async fn read_filtered(
    pool: &PgPool,
    after: i64,
    limit: usize,
    filter: &ReadFilter,
) -> Result<Vec<RecordedEvent>> {
    // NULL parameters switch a condition off, so one static statement serves all.
    let types: Option<&[String]> = if filter.event_types.is_empty() {
        None
    } else {
        Some(&filter.event_types)
    };
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{SELECT_EVENTS} WHERE position > $1 \
         AND ($2::text[] IS NULL OR event_type = ANY($2)) \
         AND ($3::timestamptz IS NULL OR recorded_at >= $3) \
         AND ($4::timestamptz IS NULL OR recorded_at < $4) \
         ORDER BY position LIMIT $5"
    )))
    .bind(after)
    .bind(types)
    .bind(filter.recorded_from)
    .bind(filter.recorded_to)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    rows.iter().map(decode_event).collect()
}

/// [`crate::EventStore::stream_version`].
pub(super) async fn stream_version(pool: &PgPool, stream: &str) -> Result<u64> {
    let v: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(stream_version), 0)::bigint FROM events WHERE stream = $1",
    )
    .bind(stream)
    .fetch_one(pool)
    .await?;
    Ok(version_u64(v))
}

/// [`crate::EventStore::head_position`].
pub(super) async fn head_position(pool: &PgPool) -> Result<i64> {
    let p: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0)::bigint FROM events")
        .fetch_one(pool)
        .await?;
    Ok(p)
}

/// [`crate::EventStore::verify`].
pub(super) async fn verify(pool: &PgPool) -> Result<VerifyReport> {
    let mut conn = pool.acquire().await?;
    // REPEATABLE READ: one snapshot for the whole walk, while appends go on.
    let mut tx = conn.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let mut pipe = PipelinedVerifier::start()
        .map_err(|e| StoreError::Commit(format!("verificatiethread: {e}")))?;
    {
        let mut rows = sqlx::query(AssertSqlSafe(format!("{SELECT_EVENTS} ORDER BY position")))
            .fetch(&mut *tx);
        let chunk_size = chain::VERIFY_CHUNK;
        let mut chunk = Vec::with_capacity(chunk_size);
        while let Some(row) = rows.try_next().await? {
            chunk.push(decode_chain_row(&row)?);
            if chunk.len() == chunk_size
                && !pipe.send(std::mem::replace(
                    &mut chunk,
                    Vec::with_capacity(chunk_size),
                ))
            {
                break;
            }
        }
        if !chunk.is_empty() {
            pipe.send(chunk);
        }
    }
    tx.rollback().await?;
    tokio::task::spawn_blocking(move || pipe.finish())
        .await
        .map_err(|e| StoreError::Commit(format!("verificatie: {e}")))
}

fn decode_event(row: &PgRow) -> Result<RecordedEvent> {
    let prev: &[u8] = row.try_get(14)?;
    let hash: &[u8] = row.try_get(15)?;
    Ok(RecordedEvent {
        position: row.try_get(0)?,
        stream: row.try_get(1)?,
        stream_version: row.try_get(2)?,
        event_id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        schema_version: row.try_get(5)?,
        payload: row.try_get(6)?,
        valid_date: row.try_get(7)?,
        recorded_at: row.try_get(8)?,
        recorded_by: row.try_get(9)?,
        source: row.try_get(10)?,
        correlation_id: row.try_get(11)?,
        causation_id: row.try_get(12)?,
        idempotency_key: row.try_get(13)?,
        prev_hash: hash32(prev)?,
        hash: hash32(hash)?,
    })
}

fn decode_chain_row(row: &PgRow) -> Result<ChainRow> {
    let at: DateTime<Utc> = row.try_get(8)?;
    Ok(ChainRow {
        position: row.try_get(0)?,
        stream: row.try_get(1)?,
        stream_version: row.try_get(2)?,
        event_id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        schema_version: row.try_get(5)?,
        payload: row.try_get(6)?,
        valid_date: row.try_get(7)?,
        recorded_at_micros: at.timestamp_micros(),
        recorded_by: row.try_get(9)?,
        source: row.try_get(10)?,
        correlation_id: row.try_get(11)?,
        causation_id: row.try_get(12)?,
        idempotency_key: row.try_get(13)?,
        prev_hash: row.try_get(14)?,
        hash: row.try_get(15)?,
    })
}
