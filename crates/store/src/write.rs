//! What the writers of both backends share: the head of the log they extend, the
//! recorded time they give a batch, and how a failed insert is reported.

use chrono::{DateTime, Utc};
use kringloop_events::NewEvent;

use crate::chain::{self, CanonicalEvent};
use crate::error::{Result, StoreError};
use crate::event_store::AppendResult;

/// Cap on the stream versions a writer remembers between groups; the cache is simply
/// dropped when it grows past this.
pub(crate) const MAX_CACHED_STREAMS: usize = 100_000;

impl AppendResult {
    /// The answer for a stream part just written at `first_position..=last_position`.
    pub(crate) fn written(
        stream: String,
        first_position: i64,
        last_position: i64,
        stream_version: i64,
        recorded_at: DateTime<Utc>,
    ) -> Self {
        AppendResult {
            stream,
            first_position,
            last_position,
            stream_version,
            recorded_at,
            duplicate: false,
        }
    }
}

/// Cause of a missing stream version in a writer's check (a version the writer should
/// have read before): the group goes to the per-request path or fails as a whole.
pub(crate) fn version_not_read(stream: &str) -> StoreError {
    StoreError::Commit(format!("versie van stroom `{stream}` niet gelezen"))
}

/// Last committed event, as a writer needs it to extend the chain.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Head {
    pub(crate) position: i64,
    pub(crate) hash: [u8; 32],
    /// Recorded time in microseconds; `None` for an empty log.
    pub(crate) recorded_at: Option<i64>,
}

impl Head {
    /// The head of an empty log.
    pub(crate) const EMPTY: Head = Head {
        position: 0,
        hash: chain::GENESIS_HASH,
        recorded_at: None,
    };

    /// Takes the next position for `e` and returns its chain hash (the head's hash is
    /// the previous one until the caller stores the new one, after writing the row).
    pub(crate) fn next_hash(
        &mut self,
        e: &NewEvent,
        stream: &str,
        version: i64,
        recorded_micros: i64,
        key: Option<&str>,
    ) -> [u8; 32] {
        self.position += 1;
        CanonicalEvent::of_new(e, self.position, stream, version, recorded_micros, key)
            .hash(&self.hash)
    }
}

/// The recorded time of a new batch, in microseconds: now (or the backfill time), but
/// never before the head, so "recorded ≤ K" stays a prefix of the log.
pub(crate) fn recorded_micros(
    head_micros: Option<i64>,
    requested: Option<DateTime<Utc>>,
) -> Result<i64> {
    match requested {
        Some(at) => {
            let at_micros = at.timestamp_micros();
            match head_micros {
                Some(head) if at_micros < head => Err(StoreError::RecordedTimeBeforeHead {
                    given: at,
                    head: chain::micros_to_datetime(head),
                }),
                _ => Ok(at_micros),
            }
        }
        None => Ok(chain::now_micros().max(head_micros.unwrap_or(i64::MIN))),
    }
}

/// Whether a database error is the unique violation on `event_id` (a retried batch whose
/// id is already stored), which is the caller's mistake, not the database's.
fn duplicate_event_id(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|d| {
        d.is_unique_violation()
            && (d.constraint() == Some("events_event_id") || d.message().contains("event_id"))
    })
}

/// A failed insert as the caller sees it: an event id that is already stored is the
/// request's fault ([`StoreError::Invalid`]), anything else the database's.
pub(crate) fn map_insert_error(e: sqlx::Error) -> StoreError {
    if duplicate_event_id(&e) {
        StoreError::Invalid(
            "een gebeurtenis-id uit de batch staat al in het log; niets geschreven".to_owned(),
        )
    } else {
        StoreError::Database(e)
    }
}
