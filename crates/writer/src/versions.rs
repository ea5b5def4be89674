//! Expected versions of a multi-stream append.

use foldhash::{HashMap, HashMapExt};
use kringloop_events::{ExpectedVersion, NewEvent};
use kringloop_store::StreamAppend;

use crate::state::{Index, WriteState};

/// The expected version of every part of an append set: each stream's first part states
/// the version the write state read from the log, so a concurrent writer makes the set fail
/// instead of slipping past the rules; later parts of the same stream follow on from it
/// (the store checks them in order).
#[derive(Debug, Default)]
pub struct VersionChain {
    next: HashMap<String, u64>,
}

impl VersionChain {
    pub fn new() -> Self {
        VersionChain {
            next: HashMap::new(),
        }
    }

    /// The part that appends `events` to `stream`.
    pub fn part<I: Index>(
        &mut self,
        known: &WriteState<I>,
        stream: String,
        events: Vec<NewEvent>,
    ) -> StreamAppend {
        let v = self
            .next
            .entry(stream.clone())
            .or_insert_with(|| u64::try_from(known.version(&stream)).unwrap_or(0));
        let expected = Some(match *v {
            0 => ExpectedVersion::NoStream,
            n => ExpectedVersion::Exact(n),
        });
        *v += events.len() as u64;
        StreamAppend {
            stream,
            events,
            expected,
            new_key: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_stream_expects_none_and_later_parts_follow_on() {
        let known = WriteState::<()>::default();
        let mut chain = VersionChain::new();
        let first = chain.part(&known, "s".to_owned(), Vec::new());
        assert_eq!(first.expected, Some(ExpectedVersion::NoStream));
        let mut known = known;
        known.advance_version("t", 3);
        let t = chain.part(&known, "t".to_owned(), Vec::new());
        assert_eq!(t.expected, Some(ExpectedVersion::Exact(3)));
    }
}
