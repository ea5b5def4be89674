//! The envelope every stored event carries, independent of its payload.
//!
//! The store (crate `kringloop-store`) writes and reads these; the projections read them.
//! Payloads travel as JSON text so that the hash chain covers the exact bytes stored.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A stream name, e.g. `jeugdige-3f9a…` or `voorziening-HZN-HARREVELD`.
pub type StreamId = String;

/// What the writer expects the stream's current version to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// No check: append whatever the version is.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream must exist (version ≥ 1).
    StreamExists,
    /// The stream's last event must have exactly this version (1-based).
    Exact(u64),
}

/// An event proposed for appending. The store assigns position, stream version,
/// recorded time (unless a backfill gives one) and the hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// UUIDv7, created by the writer so that a retry carries the same id.
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    /// JSON text of the payload.
    pub payload: String,
    /// When it happened (valid time), if the event has one.
    pub valid_date: Option<NaiveDate>,
    /// Principal that recorded the fact (user, token subject or importer).
    pub recorded_by: String,
    /// Where it came from: `api`, `import:csv file.csv:12`, `import:ijw JW305 <id>`, `demo`.
    pub source: String,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
}

/// An event as stored: the envelope plus its place in the log and the hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Global position: dense, 1-based, in commit order.
    pub position: i64,
    pub stream: StreamId,
    /// Version within the stream: dense, 1-based.
    pub stream_version: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub payload: String,
    pub valid_date: Option<NaiveDate>,
    /// When the store learned it (UTC, microseconds). Non-decreasing in position.
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub source: String,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
    /// SHA-256 of the previous event (all zero for position 1).
    #[serde(with = "hex_bytes")]
    pub prev_hash: [u8; 32],
    /// SHA-256 over `prev_hash` and the canonical encoding of this event.
    #[serde(with = "hex_bytes")]
    pub hash: [u8; 32],
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        let mut out = String::with_capacity(64);
        for b in bytes {
            out.push_str(&format!("{b:02x}"));
        }
        s.serialize_str(&out)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        if s.len() != 64 {
            return Err(D::Error::custom("expected 64 hex digits"));
        }
        let mut out = [0u8; 32];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let text = std::str::from_utf8(chunk).map_err(D::Error::custom)?;
            out[i] = u8::from_str_radix(text, 16).map_err(D::Error::custom)?;
        }
        Ok(out)
    }
}
