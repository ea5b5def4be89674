//! A page of the log as a projection folds it: only the fields a fold needs, and the text
//! of all its events in ONE buffer.
//!
//! A rebuild reads millions of events once and drops them right after folding. As
//! [`RecordedEvent`]s each costs seven string allocations and as many frees, and the
//! store copies hashes, provenance and correlation ids that a fold never looks at; the
//! allocator then showed up as a tenth of a rebuild's CPU time. A [`FoldPage`] holds the
//! stream, type and payload of every event back to back in one `String` and a row per
//! event with offsets into it: two allocations per page, whatever its length.

use chrono::{DateTime, Utc};
use kringloop_events::RecordedEvent;
use uuid::Uuid;

/// Offset and length of a field in [`FoldPage`]'s text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    begin: usize,
    len: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FoldRow {
    position: i64,
    event_id: Uuid,
    recorded_at: DateTime<Utc>,
    schema_version: i32,
    stream: Span,
    event_type: Span,
    payload: Span,
}

/// One event of a [`FoldPage`], borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoldEvent<'a> {
    pub position: i64,
    pub event_id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub schema_version: i32,
    pub stream: &'a str,
    pub event_type: &'a str,
    pub payload: &'a str,
}

/// Events in position order, with the fields a projection folds (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoldPage {
    text: String,
    rows: Vec<FoldRow>,
}

impl FoldPage {
    pub fn with_capacity(events: usize, text_bytes: usize) -> FoldPage {
        FoldPage {
            text: String::with_capacity(text_bytes),
            rows: Vec::with_capacity(events),
        }
    }

    fn span(&mut self, s: &str) -> Span {
        let begin = self.text.len();
        self.text.push_str(s);
        Span {
            begin,
            len: s.len(),
        }
    }

    /// Appends an event (the caller keeps position order).
    pub fn push(&mut self, e: FoldEvent<'_>) {
        let (stream, event_type, payload) = (
            self.span(e.stream),
            self.span(e.event_type),
            self.span(e.payload),
        );
        self.rows.push(FoldRow {
            position: e.position,
            event_id: e.event_id,
            recorded_at: e.recorded_at,
            schema_version: e.schema_version,
            stream,
            event_type,
            payload,
        });
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn slice(&self, d: Span) -> &str {
        // Offsets were taken from this buffer at char boundaries; the fallback is never hit.
        self.text.get(d.begin..d.begin + d.len).unwrap_or_default()
    }

    fn event(&self, r: &FoldRow) -> FoldEvent<'_> {
        FoldEvent {
            position: r.position,
            event_id: r.event_id,
            recorded_at: r.recorded_at,
            schema_version: r.schema_version,
            stream: self.slice(r.stream),
            event_type: self.slice(r.event_type),
            payload: self.slice(r.payload),
        }
    }

    pub fn get(&self, i: usize) -> Option<FoldEvent<'_>> {
        self.rows.get(i).map(|r| self.event(r))
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = FoldEvent<'_>> + '_ {
        self.rows.iter().map(|r| self.event(r))
    }

    /// The stream of event `i` alone (what a fold's prefetch hints ask for, per event
    /// several times).
    pub fn stream(&self, i: usize) -> Option<&str> {
        self.rows.get(i).map(|r| self.slice(r.stream))
    }

    /// Position of the last event.
    pub fn last_position(&self) -> Option<i64> {
        self.rows.last().map(|r| r.position)
    }

    /// Drops the events after `position` (and their text).
    pub fn truncate_after(&mut self, position: i64) {
        let keep = self.rows.partition_point(|r| r.position <= position);
        self.rows.truncate(keep);
        let end = self
            .rows
            .last()
            .map_or(0, |r| r.payload.begin + r.payload.len);
        self.text.truncate(end);
    }

    /// Restores position order (a backend whose packing does not promise it).
    pub(crate) fn sort_by_position(&mut self) {
        self.rows.sort_unstable_by_key(|r| r.position);
    }
}

impl<'a> From<&'a RecordedEvent> for FoldEvent<'a> {
    fn from(e: &'a RecordedEvent) -> Self {
        FoldEvent {
            position: e.position,
            event_id: e.event_id,
            recorded_at: e.recorded_at,
            schema_version: e.schema_version,
            stream: &e.stream,
            event_type: &e.event_type,
            payload: &e.payload,
        }
    }
}

impl From<&[RecordedEvent]> for FoldPage {
    fn from(events: &[RecordedEvent]) -> Self {
        let text = events
            .iter()
            .map(|e| e.stream.len() + e.event_type.len() + e.payload.len())
            .sum();
        let mut page = FoldPage::with_capacity(events.len(), text);
        for e in events {
            page.push(e.into());
        }
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(position: i64, stream: &'static str, payload: &'static str) -> FoldEvent<'static> {
        FoldEvent {
            position,
            event_id: Uuid::from_u128(position as u128),
            recorded_at: DateTime::from_timestamp_micros(position * 1_000).unwrap_or_default(),
            schema_version: 1,
            stream,
            event_type: "PlaatsingGestart",
            payload,
        }
    }

    #[test]
    fn events_come_back_as_pushed_and_truncate_keeps_a_prefix() {
        let evs = [
            ev(3, "jeugdige-ä", r#"{"a":"é"}"#),
            ev(5, "voorziening-X", "{}"),
            ev(9, "jeugdige-b", r#"{"b":1}"#),
        ];
        let mut page = FoldPage::default();
        for e in evs {
            page.push(e);
        }
        assert_eq!(page.len(), 3);
        assert_eq!(page.iter().collect::<Vec<_>>(), evs.to_vec());
        assert_eq!(page.get(1), Some(evs[1]));
        assert_eq!(page.stream(2), Some("jeugdige-b"));
        assert_eq!(page.stream(3), None);
        assert_eq!(page.last_position(), Some(9));
        page.truncate_after(6);
        assert_eq!(page.iter().collect::<Vec<_>>(), evs[..2].to_vec());
        page.truncate_after(0);
        assert!(page.is_empty());
        assert_eq!(page.last_position(), None);
    }
}
