//! The packed row format of the SQLite reads: SQLite packs a chunk of rows into ONE
//! value (a header of decimal numbers and lengths, then the fields' exact stored bytes)
//! and this module parses it back, without copying where a borrow will do.

use kringloop_events::RecordedEvent;
use uuid::Uuid;

use super::encoding::date_text;
use crate::chain::{self, CanonicalEvent, hash32};
use crate::error::{Result, StoreError};
use crate::fold_page::FoldEvent;

/// The packed form of one `events` row described at [`VERIFY_CHUNK`]; shared by verify
/// and the reads (parsed by [`parse_chain_row`]).
macro_rules! packed_row {
    () => {
        "concat(concat_ws(',', \
         position, stream_version, schema_version, recorded_at, octet_length(stream), \
         octet_length(event_type), ifnull(octet_length(valid_date), -1), \
         octet_length(recorded_by), octet_length(source), \
         ifnull(octet_length(idempotency_key), -1), octet_length(payload), \
         octet_length(event_id), ifnull(octet_length(correlation_id), -1), \
         ifnull(octet_length(causation_id), -1), octet_length(prev_hash), octet_length(hash)), \
         ';', stream, event_type, valid_date, recorded_by, source, idempotency_key, payload, \
         event_id, correlation_id, causation_id, prev_hash, hash)"
    };
}

/// One verify chunk: the rows with `?1 < position <= ?2`, in position order, packed into
/// one blob. Each row is a header of 16 decimal numbers ending in `;` (position, stream
/// version, schema version, recorded_at, then the byte length of each following field,
/// -1 for NULL), followed by the fields' exact stored bytes (`concat` copies text and
/// blobs byte for byte). No escaping, so the payload hashed is exactly what is stored.
/// (A NOT NULL column that were NULL anyway would drop out of the header: the row is
/// then unreadable and verify fails there.)
pub(super) const VERIFY_CHUNK: &str = concat!(
    "SELECT CAST(group_concat(",
    packed_row!(),
    ", '') AS BLOB) FROM events WHERE position > ?1 AND position <= ?2"
);

/// [`packed_row!`] for the reads, which select their own rows around it.
pub(super) const CHAIN_ROW: &str = packed_row!();

/// One fold chunk: the lean packing of [`packed_row!`] (position, schema version,
/// recorded_at and the lengths of stream, type, payload and id; then those four).
pub(super) const FOLD_CHUNK: &str = "SELECT CAST(group_concat(concat(concat_ws(',', position, \
     schema_version, recorded_at, octet_length(stream), octet_length(event_type), \
     octet_length(payload), octet_length(event_id)), ';', stream, event_type, payload, \
     event_id), '') AS BLOB) FROM (SELECT position, schema_version, recorded_at, stream, \
     event_type, payload, event_id FROM events WHERE position > ? ORDER BY position LIMIT ?)";

pub(super) struct PackedRow<'a> {
    pub(super) event: CanonicalEvent<'a>,
    pub(super) prev_hash: &'a [u8],
    pub(super) hash: &'a [u8],
}

pub(super) type Unreadable = (Option<i64>, String);

fn unreadable(position: Option<i64>, what: &str) -> Unreadable {
    (
        position,
        format!("rij onleesbaar: {what} heeft een onverwacht type of formaat"),
    )
}

/// The parts of one packed row: `N` decimal numbers up to `;` (the first is the
/// position), then `M` fields whose byte lengths are the last `M` numbers (-1: NULL).
/// Returns the numbers, the fields and the row's length.
#[allow(clippy::type_complexity)]
fn packed_parts<const N: usize, const M: usize>(
    buf: &[u8],
) -> Result<([i64; N], [Option<&[u8]>; M], usize), Unreadable> {
    let end = buf
        .iter()
        .position(|&b| b == b';')
        .ok_or_else(|| unreadable(None, "de rij"))?;
    let mut nums = [0i64; N];
    let mut count = 0;
    for part in buf[..end].split(|&b| b == b',') {
        let n = std::str::from_utf8(part)
            .ok()
            .and_then(|t| t.parse::<i64>().ok());
        match (n, nums.get_mut(count)) {
            (Some(n), Some(slot)) => *slot = n,
            _ => {
                let position = (count > 0).then_some(nums[0]);
                return Err(unreadable(position, "een getal"));
            }
        }
        count += 1;
    }
    let position = nums[0];
    if count != N || M > N {
        return Err(unreadable(Some(position), "de rij"));
    }
    let mut at = end + 1;
    let mut fields: [Option<&[u8]>; M] = [None; M];
    for (field, &len) in fields.iter_mut().zip(&nums[N - M..]) {
        if len < 0 {
            continue;
        }
        let len = usize::try_from(len).map_err(|_| unreadable(Some(position), "een lengte"))?;
        let bytes = at
            .checked_add(len)
            .and_then(|e| buf.get(at..e))
            .ok_or_else(|| unreadable(Some(position), "de rij"))?;
        *field = Some(bytes);
        at += len;
    }
    Ok((nums, fields, at))
}

/// Parses one row of a [`FOLD_CHUNK`]; returns it and its length, or (position if known, why not).
pub(super) fn parse_fold_row(buf: &[u8]) -> Result<(FoldEvent<'_>, usize), Unreadable> {
    let (nums, fields, len) = packed_parts::<7, 4>(buf)?;
    let position = nums[0];
    let text = |i: usize, what: &str| -> Result<&str, Unreadable> {
        fields[i]
            .and_then(|b| std::str::from_utf8(b).ok())
            .ok_or_else(|| unreadable(Some(position), what))
    };
    let event = FoldEvent {
        position,
        schema_version: i32::try_from(nums[1])
            .map_err(|_| unreadable(Some(position), "schema_version"))?,
        recorded_at: chain::micros_to_datetime(nums[2]),
        stream: text(0, "stream")?,
        event_type: text(1, "event_type")?,
        payload: text(2, "payload")?,
        event_id: fields[3]
            .and_then(|b| Uuid::from_slice(b).ok())
            .ok_or_else(|| unreadable(Some(position), "event_id"))?,
    };
    Ok((event, len))
}

/// Parses one packed row; returns it and its length, or (position if known, why not).
pub(super) fn parse_chain_row(buf: &[u8]) -> Result<(PackedRow<'_>, usize), Unreadable> {
    let (nums, fields, at) = packed_parts::<16, 12>(buf)?;
    let position = nums[0];
    let text = |i: usize, what: &str| -> Result<Option<&str>, Unreadable> {
        fields[i]
            .map(|b| std::str::from_utf8(b).map_err(|_| unreadable(Some(position), what)))
            .transpose()
    };
    let required = |i: usize, what: &str| -> Result<&str, Unreadable> {
        text(i, what)?.ok_or_else(|| unreadable(Some(position), what))
    };
    let uuid = |i: usize, what: &str| -> Result<Option<Uuid>, Unreadable> {
        fields[i]
            .map(|b| Uuid::from_slice(b).map_err(|_| unreadable(Some(position), what)))
            .transpose()
    };
    let valid_date = match text(2, "valid_date")? {
        None => None,
        Some(t) => Some(
            decode_date(Some(t))
                .ok()
                .flatten()
                // Only the exact text the store writes hashes back to the stored bytes.
                .filter(|d| date_text(*d).as_str() == t)
                .ok_or_else(|| unreadable(Some(position), "valid_date"))?,
        ),
    };
    let event = CanonicalEvent {
        position,
        stream: required(0, "stream")?,
        stream_version: nums[1],
        event_id: uuid(7, "event_id")?.ok_or_else(|| unreadable(Some(position), "event_id"))?,
        event_type: required(1, "event_type")?,
        schema_version: i32::try_from(nums[2])
            .map_err(|_| unreadable(Some(position), "schema_version"))?,
        valid_date,
        recorded_at_micros: nums[3],
        recorded_by: required(3, "recorded_by")?,
        source: required(4, "source")?,
        correlation_id: uuid(8, "correlation_id")?,
        causation_id: uuid(9, "causation_id")?,
        idempotency_key: text(5, "idempotency_key")?,
        payload: fields[6].ok_or_else(|| unreadable(Some(position), "payload"))?,
    };
    let row = PackedRow {
        event,
        prev_hash: fields[10].ok_or_else(|| unreadable(Some(position), "prev_hash"))?,
        hash: fields[11].ok_or_else(|| unreadable(Some(position), "hash"))?,
    };
    Ok((row, at))
}

fn decode_date(text: Option<&str>) -> Result<Option<chrono::NaiveDate>> {
    text.map(|t| {
        // Fast path for the `YYYY-MM-DD` we write; chrono's parser is slow per row.
        let b = t.as_bytes();
        if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
            let num = |r: std::ops::Range<usize>| t.get(r).and_then(|x| x.parse::<u32>().ok());
            if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10))
                && let Some(date) = chrono::NaiveDate::from_ymd_opt(y as i32, m, d)
            {
                return Ok(date);
            }
        }
        chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|e| {
            StoreError::Database(sqlx::Error::Decode(format!("valid_date `{t}`: {e}").into()))
        })
    })
    .transpose()
}

/// The packed row as a [`RecordedEvent`].
pub(super) fn recorded_from_packed(row: &PackedRow<'_>) -> Result<RecordedEvent> {
    let e = &row.event;
    let payload = std::str::from_utf8(e.payload).map_err(|_| {
        StoreError::Database(sqlx::Error::Decode(
            format!("payload at position {} is not UTF-8", e.position).into(),
        ))
    })?;
    Ok(RecordedEvent {
        position: e.position,
        stream: e.stream.to_owned(),
        stream_version: e.stream_version,
        event_id: e.event_id,
        event_type: e.event_type.to_owned(),
        schema_version: e.schema_version,
        payload: payload.to_owned(),
        valid_date: e.valid_date,
        recorded_at: chain::micros_to_datetime(e.recorded_at_micros),
        recorded_by: e.recorded_by.to_owned(),
        source: e.source.to_owned(),
        correlation_id: e.correlation_id,
        causation_id: e.causation_id,
        idempotency_key: e.idempotency_key.map(str::to_owned),
        prev_hash: hash32(row.prev_hash)?,
        hash: hash32(row.hash)?,
    })
}
