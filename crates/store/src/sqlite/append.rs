//! The statements of one append under the write lock: the head, stream versions and
//! idempotency keys read for the checks, the per-request path's inserts, and the fast
//! path's multi-row insert of a planned group.

use sqlx::Row as _;
use sqlx::sqlite::SqliteConnection;

use super::encoding::{ChunkBuilder, GroupEncoder, INSERT_CHUNK, INSERT_GROUP, PlannedPart};
use super::youth_keys::insert_key_row;
use crate::chain::{self, hash32};
use crate::error::{Result, StoreError};
use crate::event_store::{AppendResult, StreamAppend};
use crate::idempotency::{RepeatReads, answer_repeat};
use crate::validate::check_expected;
use crate::write::{Head, map_insert_error, recorded_micros};

pub(super) async fn read_head(conn: &mut SqliteConnection) -> Result<Head> {
    let row = sqlx::query(
        "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        None => Ok(Head::EMPTY),
        Some(row) => {
            let hash: Vec<u8> = row.try_get(1)?;
            Ok(Head {
                position: row.try_get(0)?,
                hash: hash32(&hash)?,
                recorded_at: Some(row.try_get(2)?),
            })
        }
    }
}

/// One request (one or more stream parts) inside the group transaction, inside its
/// SAVEPOINT. `known` gives cached stream versions; `head` advances as rows are written.
pub(super) async fn append_request(
    conn: &mut SqliteConnection,
    head: &mut Head,
    known: &(dyn Fn(&str) -> Option<i64> + Sync),
    parts: Vec<StreamAppend>,
    key: Option<String>,
    requested_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Vec<AppendResult>> {
    // Checked here, under the write lock, so a racing retry with the same key is caught.
    if let Some(key) = &key
        && let Some(results) = answer_repeat(&mut *conn, key, &parts).await?
    {
        return Ok(results);
    }

    let recorded_at = recorded_micros(head.recorded_at, requested_at)?;
    // Versions written by earlier parts of this same request.
    let mut local: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut results = Vec::with_capacity(parts.len());
    for part in parts {
        let StreamAppend {
            stream,
            events,
            expected,
            new_key,
        } = part;
        let current = match local.get(&stream).copied().or_else(|| known(&stream)) {
            Some(v) => v,
            None => current_version(conn, &stream).await?,
        };
        check_expected(&stream, expected, current)?;
        // In the request's savepoint: a race or a later failure takes the row back out.
        if let Some(row) = &new_key {
            insert_key_row(conn, row).await?;
        }

        let first_position = head.position + 1;
        let mut chunks = ChunkBuilder {
            events: &events,
            next: 0,
            stream: &stream,
            recorded_at,
            key: key.as_deref(),
            position: head.position,
            version: current,
            prev: head.hash,
        };
        // Pipelined: while SQLite inserts one chunk on its worker thread, this task
        // hashes and encodes the next one (`join` polls the insert first, which hands it
        // to the worker, then runs the encoding).
        let mut pending = chunks.next_chunk();
        while let Some(chunk) = pending.take() {
            let insert = sqlx::query(INSERT_CHUNK)
                .bind(chunk.blob)
                .bind(chunk.first_position)
                .bind(stream.as_str())
                .bind(chunk.first_version)
                .bind(recorded_at)
                .bind(key.as_deref())
                .execute(&mut *conn);
            let (inserted, next) =
                futures::future::join(insert, async { chunks.next_chunk() }).await;
            inserted.map_err(map_insert_error)?;
            pending = next;
        }
        let (position, version, prev) = (chunks.position, chunks.version, chunks.prev);
        *head = Head {
            position,
            hash: prev,
            recorded_at: Some(recorded_at),
        };
        local.insert(stream.clone(), version);
        results.push(AppendResult::written(
            stream,
            first_position,
            position,
            version,
            chain::micros_to_datetime(recorded_at),
        ));
    }

    if let (Some(key), Some(first), Some(last)) = (&key, results.first(), results.last()) {
        insert_key(conn, key, first, last).await?;
    }
    Ok(results)
}

impl RepeatReads for SqliteConnection {
    async fn first_write(&mut self, key: &str) -> Result<Option<AppendResult>> {
        let row = sqlx::query(
            "SELECT stream, first_position, last_position, stream_version, recorded_at \
             FROM idempotency_keys WHERE key = ?1",
        )
        .bind(key)
        .fetch_optional(&mut *self)
        .await?;
        row.map(|row| -> Result<AppendResult> {
            Ok(AppendResult {
                stream: row.try_get(0)?,
                first_position: row.try_get(1)?,
                last_position: row.try_get(2)?,
                stream_version: row.try_get(3)?,
                recorded_at: chain::micros_to_datetime(row.try_get(4)?),
                duplicate: true,
            })
        })
        .transpose()
    }

    async fn stored_rows(&mut self, from: i64, to: i64) -> Result<Vec<(String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT stream, event_type, payload FROM events \
             WHERE position BETWEEN ?1 AND ?2 ORDER BY position",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *self)
        .await?)
    }

    async fn per_stream(&mut self, first: i64, last: i64) -> Result<Vec<(String, i64, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT stream, MIN(position), MAX(position), MAX(stream_version) FROM events \
             WHERE position BETWEEN ?1 AND ?2 GROUP BY stream",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *self)
        .await?)
    }
}

async fn current_version(conn: &mut SqliteConnection, stream: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE stream = ?1")
            .bind(stream)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Stream names per version query of [`load_versions`].
pub(super) const NAMES_PER_QUERY: usize = 2048;

/// Whether any of `keys` is already in `idempotency_keys` (one query per
/// [`NAMES_PER_QUERY`] keys).
pub(super) async fn any_key_stored(conn: &mut SqliteConnection, keys: &[&str]) -> Result<bool> {
    for chunk in keys.chunks(NAMES_PER_QUERY) {
        let list = serde_json::to_string(chunk)
            .map_err(|e| StoreError::Invalid(format!("sleutels niet te coderen: {e}")))?;
        let found: i64 = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM idempotency_keys \
             WHERE key IN (SELECT value FROM json_each(?1)))",
        )
        .bind(list)
        .fetch_one(&mut *conn)
        .await?;
        // A key with a NUL is looked up on its own: JSON text is no place for it.
        if found != 0 {
            return Ok(true);
        }
    }
    for key in keys.iter().filter(|k| k.contains('\0')) {
        let found: i64 =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE key = ?1)")
                .bind(*key)
                .fetch_one(&mut *conn)
                .await?;
        if found != 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Reads the current version of each of `names` into `into`: one query per
/// [`NAMES_PER_QUERY`] names (an index lookup each) instead of one per stream.
pub(super) async fn load_versions(
    conn: &mut SqliteConnection,
    names: &[&str],
    into: &mut std::collections::HashMap<String, i64>,
) -> Result<()> {
    let (plain, odd): (Vec<&str>, Vec<&str>) = names.iter().partition(|n| !n.contains('\0'));
    for chunk in plain.chunks(NAMES_PER_QUERY) {
        let list = serde_json::to_string(chunk)
            .map_err(|e| StoreError::Invalid(format!("stroomnamen niet te coderen: {e}")))?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT j.value, (SELECT COALESCE(MAX(stream_version), 0) FROM events \
             WHERE stream = j.value) FROM json_each(?1) AS j",
        )
        .bind(list)
        .fetch_all(&mut *conn)
        .await?;
        into.extend(rows);
    }
    // A name with a NUL is looked up on its own, bound as it is.
    for name in odd {
        let v = current_version(conn, name).await?;
        into.insert(name.to_owned(), v);
    }
    Ok(())
}

/// Records a written key with the range it wrote (the answer to a later repeat).
pub(super) async fn insert_key(
    conn: &mut SqliteConnection,
    key: &str,
    first: &AppendResult,
    last: &AppendResult,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys \
         (key, stream, first_position, last_position, stream_version, recorded_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(key)
    .bind(first.stream.as_str())
    .bind(first.first_position)
    .bind(last.last_position)
    .bind(last.stream_version)
    .bind(first.recorded_at.timestamp_micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Inserts the rows of `plan` after the row hashed `prev`; returns the hash of the last
/// row. The parts are hashed in log order and encoded chunk by chunk for
/// [`INSERT_GROUP`]; a chunk ends at [`ROWS_PER_CHUNK`] rows, [`CHUNK_BYTES`], or where
/// the idempotency key changes. Pipelined: while SQLite inserts one chunk on its worker
/// thread, this task hashes and encodes the next (`join` polls the insert first, which
/// hands it to the worker, then runs the encoding).
///
/// [`ROWS_PER_CHUNK`]: super::encoding::ROWS_PER_CHUNK
/// [`CHUNK_BYTES`]: super::encoding::CHUNK_BYTES
pub(super) async fn insert_planned(
    conn: &mut SqliteConnection,
    plan: &[PlannedPart<'_>],
    prev: [u8; 32],
) -> std::result::Result<[u8; 32], sqlx::Error> {
    let mut encoder = GroupEncoder {
        plan,
        part: 0,
        event: 0,
        prev,
    };
    let mut pending = encoder.next_chunk();
    while let Some(c) = pending.take() {
        let insert = sqlx::query(INSERT_GROUP)
            .bind(c.rows)
            .bind(c.key)
            .bind(c.first_position)
            .bind(c.ids)
            .bind(c.links)
            .bind(c.hashes)
            .bind(c.recorded_at)
            .bind(c.recorded_by)
            .bind(c.schema_version)
            .execute(&mut *conn);
        let (inserted, next) = futures::future::join(insert, async { encoder.next_chunk() }).await;
        inserted?;
        pending = next;
    }
    Ok(encoder.prev)
}
