//! The fold of an accepted fact before its append.

use chrono::{DateTime, Utc};
use kringloop_events::RecordedEvent;
use uuid::Uuid;

/// Hands out an accepted fact as the store will record it, at provisional positions in
/// acceptance order, so later facts are checked against it. Only the order within a
/// stream matters to the rules, and the append keeps it. One scratch event, its strings
/// reused (this runs once per record of a large file).
#[derive(Debug)]
pub struct Tentative {
    next_position: i64,
    scratch: RecordedEvent,
}

impl Tentative {
    /// The first fact gets `next_position`.
    pub fn starting_at(next_position: i64) -> Self {
        Tentative {
            next_position,
            scratch: RecordedEvent {
                position: 0,
                stream: String::new(),
                stream_version: 0,
                event_id: Uuid::nil(),
                event_type: String::new(),
                schema_version: 0,
                payload: String::new(),
                valid_date: None,
                recorded_at: DateTime::<Utc>::UNIX_EPOCH,
                recorded_by: String::new(),
                source: String::new(),
                correlation_id: None,
                causation_id: None,
                idempotency_key: None,
                prev_hash: [0; 32],
                hash: [0; 32],
            },
        }
    }

    /// The next fact as recorded: position, stream, stream version and event id are set
    /// (what the fold reads); the position moves on.
    pub fn record(&mut self, stream: &str, stream_version: i64, event_id: Uuid) -> &RecordedEvent {
        let e = &mut self.scratch;
        e.position = self.next_position;
        e.stream.clear();
        e.stream.push_str(stream);
        e.stream_version = stream_version;
        e.event_id = event_id;
        self.next_position += 1;
        &self.scratch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_get_consecutive_positions() {
        let mut t = Tentative::starting_at(5);
        let a = t.record("s", 1, Uuid::nil()).position;
        let e = t.record("other", 2, Uuid::nil());
        assert_eq!(
            (a, e.position, e.stream.as_str(), e.stream_version),
            (5, 6, "other", 2)
        );
    }
}
