//! The statements of one request under the advisory lock: the head, the idempotency
//! check of a repeated key, each stream part's key row and UNNEST insert, and the keys
//! written.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row as _;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use super::youth_keys::insert_key_row;
use crate::chain::{self, CanonicalEvent, hash32};
use crate::error::Result;
use crate::event_store::{AppendResult, StreamAppend};
use crate::idempotency::{RepeatReads, answer_repeat};
use crate::validate::check_expected;
use crate::write::{Head, map_insert_error, recorded_micros};

/// Advisory lock key that serialises appends ("kringloop" in ASCII, truncated to i64).
pub(super) const APPEND_LOCK: i64 = 0x6b72_696e_676c_6f6f;

pub(super) async fn read_head(conn: &mut PgConnection) -> Result<Head> {
    let head = sqlx::query(
        "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match head {
        None => Head::EMPTY,
        Some(row) => {
            let hash: Vec<u8> = row.try_get(1)?;
            let at: DateTime<Utc> = row.try_get(2)?;
            Head {
                position: row.try_get(0)?,
                hash: hash32(&hash)?,
                recorded_at: Some(at.timestamp_micros()),
            }
        }
    })
}

/// One request (one or more stream parts) inside the group transaction, under the
/// advisory lock. `head` advances as rows are written.
pub(super) async fn append_request(
    conn: &mut PgConnection,
    head: &mut Head,
    parts: Vec<StreamAppend>,
    key: Option<String>,
    requested_at: Option<DateTime<Utc>>,
) -> Result<Vec<AppendResult>> {
    // Under the lock, so a racing retry with the same key sees the first one.
    if let Some(key) = &key
        && let Some(results) = answer_repeat(&mut *conn, key, &parts).await?
    {
        return Ok(results);
    }
    let recorded_micros = recorded_micros(head.recorded_at, requested_at)?;
    // Versions written by earlier parts of this same request.
    let mut local: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut results = Vec::with_capacity(parts.len());
    for part in parts {
        let r = append_part(conn, head, &local, part, key.as_deref(), recorded_micros).await?;
        local.insert(r.stream.clone(), r.stream_version);
        results.push(r);
    }
    if let (Some(key), Some(first), Some(last)) = (&key, results.first(), results.last()) {
        insert_key(conn, key, first, last).await?;
    }
    Ok(results)
}

impl RepeatReads for PgConnection {
    async fn first_write(&mut self, key: &str) -> Result<Option<AppendResult>> {
        let row = sqlx::query(
            "SELECT stream, first_position, last_position, stream_version, recorded_at \
             FROM idempotency_keys WHERE key = $1",
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
                recorded_at: row.try_get(4)?,
                duplicate: true,
            })
        })
        .transpose()
    }

    async fn stored_rows(&mut self, from: i64, to: i64) -> Result<Vec<(String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT stream, event_type, payload::text FROM events \
             WHERE position BETWEEN $1 AND $2 ORDER BY position",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *self)
        .await?)
    }

    async fn per_stream(&mut self, first: i64, last: i64) -> Result<Vec<(String, i64, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT stream, MIN(position), MAX(position), MAX(stream_version) FROM events \
             WHERE position BETWEEN $1 AND $2 GROUP BY stream",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *self)
        .await?)
    }
}

/// One stream's rows, in one INSERT.
async fn append_part(
    conn: &mut PgConnection,
    head: &mut Head,
    local: &std::collections::HashMap<String, i64>,
    part: StreamAppend,
    key: Option<&str>,
    recorded_micros: i64,
) -> Result<AppendResult> {
    let StreamAppend {
        stream,
        events,
        expected,
        new_key,
    } = part;
    let stream = stream.as_str();
    let (head_position, head_hash) = (head.position, head.hash);
    let current: i64 = match local.get(stream) {
        Some(v) => *v,
        None => {
            sqlx::query_scalar(
                "SELECT COALESCE(MAX(stream_version), 0)::bigint FROM events WHERE stream = $1",
            )
            .bind(stream)
            .fetch_one(&mut *conn)
            .await?
        }
    };
    check_expected(stream, expected, current)?;
    // In the request's savepoint: a race or a later failure takes the row back out.
    if let Some(row) = &new_key {
        insert_key_row(conn, row).await?;
    }
    let recorded_at = chain::micros_to_datetime(recorded_micros);

    let n = events.len();
    let mut positions = Vec::with_capacity(n);
    let mut versions = Vec::with_capacity(n);
    let mut ids = Vec::with_capacity(n);
    let mut types = Vec::with_capacity(n);
    let mut schemas = Vec::with_capacity(n);
    let mut payloads = Vec::with_capacity(n);
    let mut dates: Vec<Option<NaiveDate>> = Vec::with_capacity(n);
    let mut bys = Vec::with_capacity(n);
    let mut sources = Vec::with_capacity(n);
    let mut corrs: Vec<Option<Uuid>> = Vec::with_capacity(n);
    let mut causes: Vec<Option<Uuid>> = Vec::with_capacity(n);
    let mut prevs = Vec::with_capacity(n);
    let mut hashes = Vec::with_capacity(n);
    let mut prev = head_hash;
    let mut position = head_position;
    let mut version = current;
    for e in events {
        position += 1;
        version += 1;
        let hash =
            CanonicalEvent::of_new(&e, position, stream, version, recorded_micros, key).hash(&prev);
        positions.push(position);
        versions.push(version);
        ids.push(e.event_id);
        types.push(e.event_type);
        schemas.push(e.schema_version);
        payloads.push(e.payload);
        dates.push(e.valid_date);
        bys.push(e.recorded_by);
        sources.push(e.source);
        corrs.push(e.correlation_id);
        causes.push(e.causation_id);
        prevs.push(prev.to_vec());
        hashes.push(hash.to_vec());
        prev = hash;
    }
    // One statement per batch: arrays instead of n×16 binds, no bind limit.
    sqlx::query(
        "INSERT INTO events (position, stream, stream_version, event_id, event_type, \
             schema_version, payload, valid_date, recorded_at, recorded_by, source, \
             correlation_id, causation_id, idempotency_key, prev_hash, hash) \
             SELECT u.position, $2, u.stream_version, u.event_id, u.event_type, \
             u.schema_version, u.payload::json, u.valid_date, $9, u.recorded_by, u.source, \
             u.correlation_id, u.causation_id, $12, u.prev_hash, u.hash \
             FROM UNNEST($1::bigint[], $3::bigint[], $4::uuid[], $5::text[], $6::int4[], \
             $7::text[], $8::date[], $10::text[], $11::text[], $13::uuid[], $14::uuid[], \
             $15::bytea[], $16::bytea[]) AS u(position, stream_version, event_id, event_type, \
             schema_version, payload, valid_date, recorded_by, source, correlation_id, \
             causation_id, prev_hash, hash) ORDER BY u.position",
    )
    .bind(positions)
    .bind(stream)
    .bind(versions)
    .bind(ids)
    .bind(types)
    .bind(schemas)
    .bind(payloads)
    .bind(dates)
    .bind(recorded_at)
    .bind(bys)
    .bind(sources)
    .bind(key)
    .bind(corrs)
    .bind(causes)
    .bind(prevs)
    .bind(hashes)
    .execute(&mut *conn)
    .await
    .map_err(map_insert_error)?;

    let first_position = head_position + 1;
    *head = Head {
        position,
        hash: prev,
        recorded_at: Some(recorded_micros),
    };
    Ok(AppendResult::written(
        stream.to_owned(),
        first_position,
        position,
        version,
        recorded_at,
    ))
}

/// Records a written key with the range it wrote (the answer to a later repeat).
pub(super) async fn insert_key(
    conn: &mut PgConnection,
    key: &str,
    first: &AppendResult,
    last: &AppendResult,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys \
         (key, stream, first_position, last_position, stream_version, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(key)
    .bind(first.stream.as_str())
    .bind(first.first_position)
    .bind(last.last_position)
    .bind(last.stream_version)
    .bind(first.recorded_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// [`insert_key`] for the requests of a group at once (one UNNEST insert): each key with
/// the results its request wrote.
pub(super) async fn insert_keys(
    conn: &mut PgConnection,
    written: &[(&str, &[AppendResult])],
) -> Result<()> {
    let mut ks = Vec::with_capacity(written.len());
    let mut streams = Vec::with_capacity(written.len());
    let mut firsts = Vec::with_capacity(written.len());
    let mut lasts = Vec::with_capacity(written.len());
    let mut versions_at = Vec::with_capacity(written.len());
    let mut ats = Vec::with_capacity(written.len());
    for (k, results) in written {
        if let (Some(first), Some(last)) = (results.first(), results.last()) {
            ks.push(*k);
            streams.push(first.stream.as_str());
            firsts.push(first.first_position);
            lasts.push(last.last_position);
            versions_at.push(last.stream_version);
            ats.push(first.recorded_at);
        }
    }
    sqlx::query(
        "INSERT INTO idempotency_keys \
         (key, stream, first_position, last_position, stream_version, recorded_at) \
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[], \
         $5::bigint[], $6::timestamptz[])",
    )
    .bind(ks)
    .bind(streams)
    .bind(firsts)
    .bind(lasts)
    .bind(versions_at)
    .bind(ats)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
