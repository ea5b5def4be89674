//! The knowledge time: "as known at" of a query, and the ends of a version's knowledge
//! interval, under one type.
//!
//! A query carries one knowledge time, `known_at`: only events recorded at or before it
//! count. Every version of a fact carries the interval `[known_from, known_to)` in which
//! it was the truth; it is visible at `known_at` when
//! `known_from ≤ known_at < known_to` ([`KnowledgeTime::sees`]).
//!
//! One sentinel, and one relation between its two uses:
//! - [`KnowledgeTime::OPEN`] (`i64::MAX`) is the `known_to` of a version that is not (yet)
//!   superseded, and the `known_from` of a dead slot (never visible);
//! - [`KnowledgeTime::LATEST`] is one microsecond before it: "everything applied", the
//!   knowledge time of a query without one. `LATEST < OPEN`, so every open version is
//!   visible at `LATEST`, and no dead slot is.

use chrono::{DateTime, Utc};

/// A knowledge (recorded) time in microseconds since the Unix epoch. Zero cost: the same
/// layout as the `i64` it wraps.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KnowledgeTime(i64);

impl KnowledgeTime {
    /// The end of an open version's knowledge interval: later than any time a query can
    /// ask for (see the module comment).
    pub const OPEN: KnowledgeTime = KnowledgeTime(i64::MAX);
    /// Everything applied: the knowledge time of a query without one. One microsecond
    /// before [`KnowledgeTime::OPEN`], so that every open version is visible at it.
    pub const LATEST: KnowledgeTime = KnowledgeTime(Self::OPEN.0 - 1);
    /// Before any recorded time (the start value of a running maximum).
    pub(crate) const EARLIEST: KnowledgeTime = KnowledgeTime(i64::MIN);

    #[inline]
    pub const fn from_micros(micros: i64) -> KnowledgeTime {
        KnowledgeTime(micros)
    }

    /// Microseconds since the Unix epoch.
    #[inline]
    pub const fn micros(self) -> i64 {
        self.0
    }

    /// The knowledge time of a query: `None` is [`KnowledgeTime::LATEST`].
    #[inline]
    pub fn at_or_latest(t: Option<DateTime<Utc>>) -> KnowledgeTime {
        t.map_or(KnowledgeTime::LATEST, KnowledgeTime::from)
    }

    /// Whether a version known in `[known_from, known_to)` is visible at `self`.
    #[inline]
    pub fn sees(self, known_from: KnowledgeTime, known_to: KnowledgeTime) -> bool {
        known_from <= self && self < known_to
    }
}

impl From<DateTime<Utc>> for KnowledgeTime {
    #[inline]
    fn from(t: DateTime<Utc>) -> KnowledgeTime {
        KnowledgeTime(t.timestamp_micros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_sees_open_versions_and_no_dead_slot() {
        let t = KnowledgeTime::from_micros(5);
        assert!(KnowledgeTime::LATEST.sees(t, KnowledgeTime::OPEN));
        assert!(!KnowledgeTime::LATEST.sees(KnowledgeTime::OPEN, KnowledgeTime::OPEN));
        assert!(!t.sees(t, t));
        assert_eq!(KnowledgeTime::at_or_latest(None), KnowledgeTime::LATEST);
        assert_eq!(size_of::<KnowledgeTime>(), 8);
    }
}
