//! The rows of an append encoded for SQLite's multi-row INSERTs: one bound JSONB blob of
//! row arrays (see `crate::jsonb`) plus raw byte blobs for the fixed-size values, hashed
//! into the chain as they are encoded.

use kringloop_events::NewEvent;

use crate::chain::CanonicalEvent;
use crate::event_store::{AppendResult, StreamAppend};
use crate::jsonb;

/// Rows per INSERT chunk (a bound JSONB blob, see [`INSERT_CHUNK`]).
pub(super) const ROWS_PER_CHUNK: usize = 250;

/// A chunk is closed once its blob reaches this size (big payloads), far below
/// SQLite's 1 GB limit on one value.
pub(super) const CHUNK_BYTES: usize = 8 << 20;

/// The INSERT of one chunk: the rows arrive as ONE bound JSONB blob (an array of row
/// arrays, see [`ChunkBuilder`]) instead of 16 bound values per row, which is what made
/// sqlx's per-value binding the bottleneck. What is the same for every row of a chunk
/// (stream, recorded time, idempotency key) and what counts up (position, version) is
/// bound once. The stored values are the same as with plain binds: TEXT for strings,
/// INTEGER for numbers, 16/32-byte BLOBs for ids and hashes, NULL for absent values.
///
/// Tried and rejected before: numbered parameters in a multi-row VALUES list; sqlx looks
/// up every parameter's name (`sqlite3_bind_parameter_name`, a linear scan in SQLite),
/// which makes binding quadratic in the parameter count. Six parameters do not matter.
pub(super) const INSERT_CHUNK: &str = "INSERT INTO events (position, stream, stream_version, event_id, \
     event_type, schema_version, payload, valid_date, recorded_at, recorded_by, source, \
     correlation_id, causation_id, idempotency_key, prev_hash, hash) \
     SELECT ?2 + key, ?3, ?4 + key, unhex(value ->> 0), value ->> 1, value ->> 2, \
     value ->> 3, value ->> 4, ?5, value ->> 5, value ->> 6, unhex(value ->> 7), \
     unhex(value ->> 8), ?6, unhex(value ->> 9), unhex(value ->> 10) \
     FROM jsonb_each(?1)";

/// The multi-row INSERT of the writer's fast path and the streamed path: like
/// [`INSERT_CHUNK`], but each row carries its own stream and version (the rows of several
/// requests and stream parts); a chunk holds rows of one idempotency key (`?2`, or NULL)
/// at consecutive positions from `?3`. The fixed-size values come as raw bytes in blobs
/// beside the JSONB rows and are cut out with `substr` (for a BLOB it counts bytes):
/// `?4` the event ids (16 bytes a row), `?5` per row a presence byte and 16 bytes for
/// the correlation id, then the same for the causation id, `?6` the hashes (the chunk's
/// `prev_hash` first, then each row's hash, so row k's prev is slice k and its hash
/// slice k + 1). That replaces five `->>` lookups and `unhex` calls per row, which with
/// the hex text itself were a large part of SQLite's work per row. Columns that are the
/// same for every row of a chunk (recorded time, principal, schema version; the usual
/// case) are bound once (`?7`–`?9`, the JSON then holds a null there that is never
/// read: `coalesce` stops at its first non-NULL argument).
pub(super) const INSERT_GROUP: &str = "INSERT INTO events (position, stream, stream_version, event_id, \
     event_type, schema_version, payload, valid_date, recorded_at, recorded_by, source, \
     correlation_id, causation_id, idempotency_key, prev_hash, hash) \
     SELECT ?3 + key, value ->> 0, value ->> 1, substr(?4, key * 16 + 1, 16), value ->> 2, \
     coalesce(?9, value ->> 3), value ->> 4, value ->> 5, coalesce(?7, value ->> 6), \
     coalesce(?8, value ->> 7), value ->> 8, \
     CASE WHEN substr(?5, key * 34 + 1, 1) = x'01' THEN substr(?5, key * 34 + 2, 16) END, \
     CASE WHEN substr(?5, key * 34 + 18, 1) = x'01' THEN substr(?5, key * 34 + 19, 16) END, \
     ?2, substr(?6, key * 32 + 1, 32), substr(?6, key * 32 + 33, 32) FROM jsonb_each(?1)";

/// One accepted stream part of the writer's fast path, placed in the log.
pub(super) struct PlannedPart<'a> {
    pub(super) stream: &'a str,
    pub(super) events: &'a [NewEvent],
    pub(super) first_position: i64,
    pub(super) first_version: i64,
    pub(super) recorded_at: i64,
    pub(super) key: Option<&'a str>,
}

impl<'a> PlannedPart<'a> {
    /// `part` placed right after `position`, on top of stream version `current`.
    pub(super) fn after(
        part: &'a StreamAppend,
        position: i64,
        current: i64,
        recorded_at: i64,
        key: Option<&'a str>,
    ) -> Self {
        PlannedPart {
            stream: &part.stream,
            events: &part.events,
            first_position: position + 1,
            first_version: current + 1,
            recorded_at,
            key,
        }
    }

    pub(super) fn result(&self, recorded_at: chrono::DateTime<chrono::Utc>) -> AppendResult {
        AppendResult::written(
            self.stream.to_owned(),
            self.first_position,
            self.last_position(),
            self.last_version(),
            recorded_at,
        )
    }

    fn count(&self) -> i64 {
        i64::try_from(self.events.len()).unwrap_or(i64::MAX)
    }

    pub(super) fn last_position(&self) -> i64 {
        self.first_position + self.count() - 1
    }

    pub(super) fn last_version(&self) -> i64 {
        self.first_version + self.count() - 1
    }
}

/// One chunk for [`INSERT_GROUP`]; the `Option`s are the values bound once when every
/// row of the chunk has the same (else `None` and each row has its own in `rows`).
pub(super) struct GroupChunk<'a> {
    pub(super) rows: Vec<u8>,
    pub(super) key: Option<&'a str>,
    pub(super) first_position: i64,
    pub(super) ids: Vec<u8>,
    pub(super) links: Vec<u8>,
    pub(super) hashes: Vec<u8>,
    pub(super) recorded_at: Option<i64>,
    pub(super) recorded_by: Option<&'a str>,
    pub(super) schema_version: Option<i32>,
}

pub(super) struct GroupEncoder<'a> {
    pub(super) plan: &'a [PlannedPart<'a>],
    pub(super) part: usize,
    pub(super) event: usize,
    /// Hash of the last row encoded so far.
    pub(super) prev: [u8; 32],
}

impl<'a> GroupEncoder<'a> {
    /// The columns that every row of the next chunk shares (looking at the rows up to
    /// the row limit; the byte limit may end the chunk earlier, which keeps them shared).
    fn scan(&self) -> (Option<i64>, Option<&'a str>, Option<i32>) {
        let plan = self.plan;
        let Some(first) = plan.get(self.part) else {
            return (None, None, None);
        };
        let Some(e0) = first.events.get(self.event) else {
            return (None, None, None);
        };
        let mut at = Some(first.recorded_at);
        let mut by = Some(e0.recorded_by.as_str());
        let mut schema = Some(e0.schema_version);
        let (mut part, mut event, mut n) = (self.part, self.event, 0);
        while let Some(p) = plan.get(part) {
            if p.key != first.key || n >= ROWS_PER_CHUNK {
                break;
            }
            let Some(e) = p.events.get(event) else {
                part += 1;
                event = 0;
                continue;
            };
            if at != Some(p.recorded_at) {
                at = None;
            }
            if by != Some(e.recorded_by.as_str()) {
                by = None;
            }
            if schema != Some(e.schema_version) {
                schema = None;
            }
            event += 1;
            n += 1;
        }
        (at, by, schema)
    }

    pub(super) fn next_chunk(&mut self) -> Option<GroupChunk<'a>> {
        let plan = self.plan;
        // Past a part that the last chunk ended with: the chunk's key is the next one's
        // (taking the finished part's key ended the inserts early when the key changed
        // right at a chunk boundary).
        while plan
            .get(self.part)
            .is_some_and(|p| self.event >= p.events.len())
        {
            self.part += 1;
            self.event = 0;
        }
        let key = plan.get(self.part)?.key;
        let (recorded_at, recorded_by, schema_version) = self.scan();
        let mut w = jsonb::RowsWriter::with_capacity(64 * 1024);
        let mut ids = Vec::with_capacity(ROWS_PER_CHUNK * 16);
        let mut links = Vec::with_capacity(ROWS_PER_CHUNK * 34);
        let mut hashes = Vec::with_capacity((ROWS_PER_CHUNK + 1) * 32);
        hashes.extend_from_slice(&self.prev);
        let mut first_position = None;
        while let Some(p) = plan.get(self.part) {
            if p.key != key
                || w.rows() >= ROWS_PER_CHUNK
                || (w.rows() > 0 && w.len() >= CHUNK_BYTES)
            {
                break;
            }
            let Some(e) = p.events.get(self.event) else {
                self.part += 1;
                self.event = 0;
                continue;
            };
            let offset = i64::try_from(self.event).unwrap_or(i64::MAX);
            let (position, version) = (p.first_position + offset, p.first_version + offset);
            // Positions are `?3 + key`: a gap (never made by the planners) ends the chunk.
            let first = *first_position.get_or_insert(position);
            if position != first + i64::try_from(w.rows()).unwrap_or(i64::MAX) {
                break;
            }
            // Rows the scan did not see (it stops at ROWS_PER_CHUNK as well) cannot be
            // here, but a shared value must really be shared.
            if recorded_at.is_some_and(|a| a != p.recorded_at)
                || recorded_by.is_some_and(|b| b != e.recorded_by)
                || schema_version.is_some_and(|v| v != e.schema_version)
            {
                break;
            }
            let hash = CanonicalEvent::of_new(e, position, p.stream, version, p.recorded_at, p.key)
                .hash(&self.prev);
            w.begin_row();
            w.text(p.stream);
            w.int(version);
            w.text(&e.event_type);
            match schema_version {
                Some(_) => w.null(),
                None => w.int(i64::from(e.schema_version)),
            }
            w.text(&e.payload);
            match e.valid_date {
                Some(d) => w.text(date_text(d).as_str()),
                None => w.null(),
            }
            match recorded_at {
                Some(_) => w.null(),
                None => w.int(p.recorded_at),
            }
            match recorded_by {
                Some(_) => w.null(),
                None => w.text(&e.recorded_by),
            }
            w.text(&e.source);
            w.end_row();
            ids.extend_from_slice(e.event_id.as_bytes());
            for link in [e.correlation_id, e.causation_id] {
                match link {
                    Some(u) => {
                        links.push(1);
                        links.extend_from_slice(u.as_bytes());
                    }
                    None => links.extend_from_slice(&[0; 17]),
                }
            }
            hashes.extend_from_slice(&hash);
            self.prev = hash;
            self.event += 1;
        }
        let first_position = first_position?;
        Some(GroupChunk {
            rows: w.finish(),
            key,
            first_position,
            ids,
            links,
            hashes,
            recorded_at,
            recorded_by,
            schema_version,
        })
    }
}

/// One chunk for [`INSERT_CHUNK`].
pub(super) struct Chunk {
    pub(super) blob: Vec<u8>,
    pub(super) first_position: i64,
    pub(super) first_version: i64,
}

/// Hashes the events of one stream part in order and encodes them chunk by chunk.
pub(super) struct ChunkBuilder<'a> {
    pub(super) events: &'a [NewEvent],
    pub(super) next: usize,
    pub(super) stream: &'a str,
    pub(super) recorded_at: i64,
    pub(super) key: Option<&'a str>,
    /// Position, version and hash of the last row encoded so far.
    pub(super) position: i64,
    pub(super) version: i64,
    pub(super) prev: [u8; 32],
}

impl ChunkBuilder<'_> {
    pub(super) fn next_chunk(&mut self) -> Option<Chunk> {
        let rest = self.events.get(self.next..).filter(|r| !r.is_empty())?;
        let estimate: usize = rest
            .iter()
            .take(ROWS_PER_CHUNK)
            .map(|e| e.payload.len() + 256)
            .sum();
        let mut w = jsonb::RowsWriter::with_capacity(estimate.min(CHUNK_BYTES + 4096));
        let first_position = self.position + 1;
        let first_version = self.version + 1;
        for e in rest {
            if w.rows() == ROWS_PER_CHUNK || (w.rows() > 0 && w.len() >= CHUNK_BYTES) {
                break;
            }
            self.position += 1;
            self.version += 1;
            let hash = CanonicalEvent::of_new(
                e,
                self.position,
                self.stream,
                self.version,
                self.recorded_at,
                self.key,
            )
            .hash(&self.prev);
            w.begin_row();
            event_columns(&mut w, e, &self.prev, &hash);
            w.end_row();
            self.prev = hash;
            self.next += 1;
        }
        Some(Chunk {
            blob: w.finish(),
            first_position,
            first_version,
        })
    }
}

/// `valid_date` as stored: chrono's `%Y-%m-%d`, written by hand for four-digit years.
pub(super) enum DateText {
    Short([u8; 10]),
    Long(String),
}

impl DateText {
    pub(super) fn as_str(&self) -> &str {
        match self {
            DateText::Short(b) => std::str::from_utf8(b).unwrap_or_default(),
            DateText::Long(s) => s,
        }
    }
}

pub(super) fn date_text(d: chrono::NaiveDate) -> DateText {
    use chrono::Datelike as _;
    let (y, m, day) = (d.year(), d.month(), d.day());
    match u32::try_from(y) {
        Ok(y) if y <= 9999 => DateText::Short([
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
            b'-',
            b'0' + (m / 10) as u8,
            b'0' + (m % 10) as u8,
            b'-',
            b'0' + (day / 10) as u8,
            b'0' + (day % 10) as u8,
        ]),
        _ => DateText::Long(d.format("%Y-%m-%d").to_string()),
    }
}

/// The columns of one event for [`INSERT_CHUNK`].
fn event_columns(w: &mut jsonb::RowsWriter, e: &NewEvent, prev: &[u8; 32], hash: &[u8; 32]) {
    w.hex(e.event_id.as_bytes());
    w.text(&e.event_type);
    w.int(i64::from(e.schema_version));
    w.text(&e.payload);
    match e.valid_date {
        Some(d) => w.text(date_text(d).as_str()),
        None => w.null(),
    }
    w.text(&e.recorded_by);
    w.text(&e.source);
    w.opt_hex(e.correlation_id.as_ref().map(|u| &u.as_bytes()[..]));
    w.opt_hex(e.causation_id.as_ref().map(|u| &u.as_bytes()[..]));
    w.hex(prev);
    w.hex(hash);
}
