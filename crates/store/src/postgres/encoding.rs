//! The rows of an append encoded for PostgreSQL: column arrays for the UNNEST insert of
//! the group writer, and the binary COPY format of a streamed set.

use chrono::{DateTime, NaiveDate, Utc};
use kringloop_events::NewEvent;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use crate::error::Result;
use crate::write::map_insert_error;

/// Rows per UNNEST insert of the group writer's fast path (bounds the size of one bind message).
pub(super) const ROWS_PER_INSERT: usize = 20_000;

/// The rows of one UNNEST insert of the group writer's fast path, column by column.
pub(super) struct Rows<'a> {
    pub(super) positions: Vec<i64>,
    streams: Vec<&'a str>,
    stream_versions: Vec<i64>,
    ids: Vec<Uuid>,
    types: Vec<&'a str>,
    schemas: Vec<i32>,
    payloads: Vec<&'a str>,
    dates: Vec<Option<NaiveDate>>,
    ats: Vec<DateTime<Utc>>,
    bys: Vec<&'a str>,
    sources: Vec<&'a str>,
    corrs: Vec<Option<Uuid>>,
    causes: Vec<Option<Uuid>>,
    /// 1-based index into the group's key list, NULL without a key.
    keys: Vec<Option<i32>>,
    prevs: Vec<Vec<u8>>,
    hashes: Vec<Vec<u8>>,
}

impl<'a> Rows<'a> {
    pub(super) fn with_capacity(n: usize) -> Self {
        Rows {
            positions: Vec::with_capacity(n),
            streams: Vec::with_capacity(n),
            stream_versions: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
            types: Vec::with_capacity(n),
            schemas: Vec::with_capacity(n),
            payloads: Vec::with_capacity(n),
            dates: Vec::with_capacity(n),
            ats: Vec::with_capacity(n),
            bys: Vec::with_capacity(n),
            sources: Vec::with_capacity(n),
            corrs: Vec::with_capacity(n),
            causes: Vec::with_capacity(n),
            keys: Vec::with_capacity(n),
            prevs: Vec::with_capacity(n),
            hashes: Vec::with_capacity(n),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &mut self,
        position: i64,
        stream: &'a str,
        version: i64,
        e: &'a NewEvent,
        at: DateTime<Utc>,
        key: Option<i32>,
        prev: &[u8; 32],
        hash: [u8; 32],
    ) {
        self.positions.push(position);
        self.streams.push(stream);
        self.stream_versions.push(version);
        self.ids.push(e.event_id);
        self.types.push(e.event_type.as_str());
        self.schemas.push(e.schema_version);
        self.payloads.push(e.payload.as_str());
        self.dates.push(e.valid_date);
        self.ats.push(at);
        self.bys.push(e.recorded_by.as_str());
        self.sources.push(e.source.as_str());
        self.corrs.push(e.correlation_id);
        self.causes.push(e.causation_id);
        self.keys.push(key);
        self.prevs.push(prev.to_vec());
        self.hashes.push(hash.to_vec());
    }

    /// Inserts the rows; with `guard`, only if the log's head is still at that position
    /// (returns the rows written).
    pub(super) async fn insert(
        self,
        conn: &mut PgConnection,
        keys: &[&str],
        guard: Option<i64>,
    ) -> Result<u64> {
        Ok(sqlx::query(
            "INSERT INTO events (position, stream, stream_version, event_id, event_type, \
                 schema_version, payload, valid_date, recorded_at, recorded_by, source, \
                 correlation_id, causation_id, idempotency_key, prev_hash, hash) \
                 SELECT u.position, u.stream, u.stream_version, u.event_id, u.event_type, \
                 u.schema_version, u.payload::json, u.valid_date, u.recorded_at, \
                 u.recorded_by, u.source, u.correlation_id, u.causation_id, \
                 ($17::text[])[u.key], u.prev_hash, u.hash \
                 FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], \
                 $6::int4[], $7::text[], $8::date[], $9::timestamptz[], $10::text[], \
                 $11::text[], $12::uuid[], $13::uuid[], $14::bytea[], $15::bytea[], \
                 $18::int4[]) \
                 AS u(position, stream, stream_version, event_id, event_type, \
                 schema_version, payload, valid_date, recorded_at, recorded_by, source, \
                 correlation_id, causation_id, prev_hash, hash, key) \
                 WHERE $16::bigint IS NULL \
                 OR (SELECT COALESCE(MAX(position), 0) FROM events) = $16 \
                 ORDER BY u.position",
        )
        .bind(self.positions)
        .bind(self.streams)
        .bind(self.stream_versions)
        .bind(self.ids)
        .bind(self.types)
        .bind(self.schemas)
        .bind(self.payloads)
        .bind(self.dates)
        .bind(self.ats)
        .bind(self.bys)
        .bind(self.sources)
        .bind(self.corrs)
        .bind(self.causes)
        .bind(self.prevs)
        .bind(self.hashes)
        .bind(guard)
        .bind(keys)
        .bind(self.keys)
        .execute(&mut *conn)
        .await
        .map_err(map_insert_error)?
        .rows_affected())
    }
}

/// The COPY of `append_streamed`; the rows are encoded by [`CopyRows`] in this column
/// order.
pub(super) const COPY_EVENTS: &str = "COPY events (position, stream, stream_version, event_id, \
     event_type, schema_version, payload, valid_date, recorded_at, recorded_by, source, \
     correlation_id, causation_id, idempotency_key, prev_hash, hash) \
     FROM STDIN (FORMAT binary)";

/// COPY data is handed to the connection in pieces of about this size, so the server
/// works on one piece while the next is hashed and encoded.
pub(super) const COPY_SEND_BYTES: usize = 256 * 1024;

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00 UTC).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Rows in PostgreSQL's binary COPY format
/// (<https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4>): a header,
/// per row a field count and per field a length (-1: NULL) and the value in the type's
/// binary form, a trailer. The values are the ones the UNNEST insert binds: text and
/// json as their UTF-8 bytes (json's binary input is its text, checked as usual), uuid
/// as 16 bytes, bigint/int4 big-endian, date as days and timestamptz as microseconds
/// since 2000-01-01, bytea as is.
pub(super) struct CopyRows {
    buf: Vec<u8>,
}

impl CopyRows {
    const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";
    const FIELDS: i16 = 16;

    pub(super) fn new() -> Self {
        let mut buf = Vec::with_capacity(COPY_SEND_BYTES + 64 * 1024);
        buf.extend_from_slice(Self::SIGNATURE);
        // Flags (no OIDs), then the length of the (empty) header extension.
        buf.extend_from_slice(&0i32.to_be_bytes());
        buf.extend_from_slice(&0i32.to_be_bytes());
        CopyRows { buf }
    }

    pub(super) fn len(&self) -> usize {
        self.buf.len()
    }

    /// The bytes so far, to send; encoding goes on in a fresh buffer.
    pub(super) fn take(&mut self) -> Vec<u8> {
        std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(COPY_SEND_BYTES + 64 * 1024),
        )
    }

    /// The rest, with the trailer.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &mut self,
        position: i64,
        stream: &str,
        version: i64,
        e: &NewEvent,
        recorded_micros: i64,
        key: Option<&str>,
        prev: &[u8; 32],
        hash: &[u8; 32],
    ) {
        self.buf.extend_from_slice(&Self::FIELDS.to_be_bytes());
        self.i64(position);
        self.bytes(stream.as_bytes());
        self.i64(version);
        self.bytes(e.event_id.as_bytes());
        self.bytes(e.event_type.as_bytes());
        self.bytes(&e.schema_version.to_be_bytes());
        self.bytes(e.payload.as_bytes());
        match e.valid_date {
            Some(d) => {
                let days = d.signed_duration_since(pg_epoch_date()).num_days();
                // Dates chrono can hold are within ±100 million days.
                self.bytes(&i32::try_from(days).unwrap_or(i32::MAX).to_be_bytes());
            }
            None => self.null(),
        }
        self.i64(recorded_micros - PG_EPOCH_MICROS);
        self.bytes(e.recorded_by.as_bytes());
        self.bytes(e.source.as_bytes());
        self.opt_bytes(e.correlation_id.as_ref().map(|u| &u.as_bytes()[..]));
        self.opt_bytes(e.causation_id.as_ref().map(|u| &u.as_bytes()[..]));
        self.opt_bytes(key.map(str::as_bytes));
        self.bytes(prev);
        self.bytes(hash);
    }

    fn i64(&mut self, v: i64) {
        self.bytes(&v.to_be_bytes());
    }

    fn bytes(&mut self, v: &[u8]) {
        // A single value is far below 2 GiB (the store's payloads and names are small,
        // and PostgreSQL refuses a field of 1 GB or more anyway).
        let len = i32::try_from(v.len()).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
        self.buf.extend_from_slice(v);
    }

    fn opt_bytes(&mut self, v: Option<&[u8]>) {
        match v {
            Some(v) => self.bytes(v),
            None => self.null(),
        }
    }

    fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }
}

fn pg_epoch_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}
