//! The bitemporal fact table ([`VersionTable`]): every version of every fact with the
//! knowledge interval in which it was the truth, bucketed by the valid-time quarters it
//! spans.
//!
//! A version is visible at knowledge time `known_at` when
//! `known_from ≤ known_at < known_to` (`knowledge.rs`); so "as known at K" is a filter over
//! the same versions, never a replay. Versions live in buckets keyed
//! by (quarter of start, quarter of end): a query for a quarter only touches buckets that
//! start in or before it and end in or after it, which for short stays is a small slice
//! of a ten-year history.

use crate::knowledge::KnowledgeTime;
use crate::mem::FxMap;
use crate::periode::{kwartaal_begin, kwartaalnummer as quarter};

mod segments;

pub(crate) use segments::Segments;

/// Knowledge stamp: recorded time and position of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    pub known_at: KnowledgeTime,
    pub position: u32,
}

/// One version of a fact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Version<T> {
    pub fact: T,
    /// Recorded time of the event that created this version (`DEAD` for a slot whose
    /// version moved to the archive).
    pub known_from: KnowledgeTime,
    /// Recorded time of the event that superseded, corrected or retracted it;
    /// `KnowledgeTime::OPEN` if open.
    pub known_to: KnowledgeTime,
    /// Position of the creating event.
    pub pos_from: u32,
    /// Archived version: position of the closing event. Open version: its slot (so that
    /// compaction can update the slot table without a separate back-pointer; an open
    /// version has no closing position, and this keeps a placement version at 48 bytes).
    pub pos_to: u32,
}

impl<T> Version<T> {
    #[inline]
    pub fn visible(&self, known_at: KnowledgeTime) -> bool {
        known_at.sees(self.known_from, self.known_to)
    }
}

/// How [`VersionTable::per_bucket`] hands over a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    /// It stands for this many versions: a whole bucket.
    Bucket(i64),
    /// A version on its own.
    Single,
}

/// The `known_from` of a dead slot in an open bucket: the open end, later than any
/// knowledge time, so the slot is never visible (see `knowledge.rs`).
const DEAD: KnowledgeTime = KnowledgeTime::OPEN;

/// A stable handle on an open version (a slot in the table's slot table), valid until
/// the version is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FactRef(u32);

/// "No version yet" while matching in `sync` (slot numbers stay far below).
const NO_REF: FactRef = FactRef(u32::MAX);

/// A fact that spans valid time [begin, eind) (eind may be `OPEN`).
pub(crate) trait ValidTime {
    /// Whether the table keeps a journal of the versions it opens and closes (see
    /// [`VersionTable::drain_journal`]).
    const JOURNAL: bool = false;
    /// Whether open buckets keep a [`ValidTime::Column`] beside their versions.
    const COLUMN: bool = false;
    /// What an open bucket sums over its live versions ([`ValidTime::add_to_sum`]), so that a
    /// tally can take a whole bucket at once ([`VersionTable::per_whole`]); `()` where none does.
    type Sum: Copy + Default + std::fmt::Debug;
    /// The few fields a whole-bucket tally still reads per version, packed narrow
    /// beside the versions of an open bucket (a dead slot holds the default, which
    /// must count for nothing); `()` where none does.
    type Column: Copy + Default + std::fmt::Debug;
    fn begin(&self) -> i32;
    fn eind(&self) -> i32;
    /// Adds this version to (`teken` 1) or takes it from (−1) the sums of the open
    /// bucket whose quarters begin on the days `van` and `tot`.
    #[inline]
    fn add_to_sum(&self, _som: &mut Self::Sum, _teken: i64, _van: i32, _tot: i32) {}
    #[inline]
    fn column(&self) -> Self::Column {
        Self::Column::default()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Bucket<T: ValidTime> {
    pub quarter_from: i16,
    pub quarter_to: i16,
    /// Archive: the year of the closing recorded times (a version closed in year y is
    /// invisible at any K after y). Open buckets: `i16::MAX`.
    known_to_year: i16,
    /// Smallest `known_from` in the bucket (archive: skip buckets created after
    /// `known_at`).
    min_known_from: KnowledgeTime,
    /// Largest `known_from` ever opened in an open bucket: at a `known_at` at or after
    /// it, every live version of the bucket is visible.
    max_known_from: KnowledgeTime,
    /// Live versions of an open bucket that end before they begin (their end lies in
    /// another quarter than the bucket's key says).
    reversed: u32,
    pub versions: Segments<Version<T>>,
    dead: usize,
    /// First day of the quarter every version begins in, and of the one every version
    /// ends in (`OPEN` for open ends).
    pub begin_quarter_day: i32,
    pub end_quarter_day: i32,
    /// Open buckets: the sums over the live versions.
    pub sum: T::Sum,
    /// Open buckets of a `ValidTime::COLUMN` type: one entry per version, same index, once
    /// `VersionTable::update_columns` has run (the fold only notes what changed).
    pub column: Segments<T::Column>,
    /// The column must be built anew (compaction moved the versions).
    column_stale: bool,
}

impl<T: ValidTime> Bucket<T> {
    fn new(quarter_from: i16, quarter_to: i16, known_to_year: i16) -> Self {
        Bucket {
            quarter_from,
            quarter_to,
            known_to_year,
            min_known_from: KnowledgeTime::OPEN,
            max_known_from: KnowledgeTime::EARLIEST,
            reversed: 0,
            versions: Segments::default(),
            dead: 0,
            begin_quarter_day: kwartaal_begin(quarter_from),
            end_quarter_day: kwartaal_begin(quarter_to),
            sum: T::Sum::default(),
            column: Segments::default(),
            column_stale: false,
        }
    }

    /// Number of live versions.
    pub fn live_count(&self) -> i64 {
        i64::try_from(self.versions.len() - self.dead).unwrap_or(i64::MAX)
    }

    /// The live versions.
    pub fn live(&self) -> impl Iterator<Item = &T> + '_ {
        self.versions
            .iter()
            .filter(|v| v.known_from != DEAD)
            .map(|v| &v.fact)
    }
}

/// What [`VersionTable::per_whole`] hands over.
pub(crate) enum Part<'a, T: ValidTime> {
    /// An open bucket whose live versions are all visible and all end on or after
    /// their begin.
    Whole(&'a Bucket<T>),
    /// A visible version of any other bucket.
    Single(&'a T),
}

/// Open versions live in "open" buckets, superseded ones move to "archive" buckets, so a
/// query for now never wades through history, and a query for a past K skips archive
/// buckets closed before K.
#[derive(Debug, Clone)]
pub(crate) struct VersionTable<T: ValidTime> {
    open: Vec<Bucket<T>>,
    open_idx: FxMap<(i16, i16), u32>,
    /// Buckets used recently (key, index), direct-mapped by key: versions opened or
    /// closed close together in recorded time fall in a few dozen buckets, so the map
    /// is seldom needed (a list of four, searched and rotated, missed too often).
    open_recent: [((i16, i16), u32); RECENT],
    archive_recent: [((i16, i16, i16), u32); RECENT],
    archive: Vec<Bucket<T>>,
    archive_idx: FxMap<(i16, i16, i16), u32>,
    /// Slot → (open bucket, index).
    slots: Vec<(u32, u32)>,
    free: Vec<u32>,
    /// Latest closing time: a `known_at` at or after it never needs the archive.
    last_closed: KnowledgeTime,
    /// Latest recorded time of any open or close: at a `known_at` at or after it exactly
    /// the open versions are visible.
    last_change: KnowledgeTime,
    /// Versions opened (+1) and closed (−1) since the last `drain_journal`, for tables of
    /// a `ValidTime::JOURNAL` type.
    journal: Vec<(T, i32)>,
    /// Reused buffer for `sync`.
    scratch: Vec<FactRef>,
    /// Whether the columns of the open buckets are up to date (`update_columns`).
    columns_current: bool,
    /// Column entries of versions closed since, to be cleared: (bucket, index).
    to_clear: Vec<(u32, u32)>,
}

impl<T: ValidTime> Default for VersionTable<T> {
    fn default() -> Self {
        VersionTable {
            open: Vec::new(),
            open_idx: FxMap::default(),
            open_recent: [((i16::MIN, i16::MIN), u32::MAX); RECENT],
            archive_recent: [((i16::MIN, i16::MIN, i16::MIN), u32::MAX); RECENT],
            archive: Vec::new(),
            archive_idx: FxMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            last_closed: KnowledgeTime::EARLIEST,
            last_change: KnowledgeTime::EARLIEST,
            journal: Vec::new(),
            scratch: Vec::new(),
            columns_current: true,
            to_clear: Vec::new(),
        }
    }
}

/// Entries of the recent-bucket caches (a power of two).
const RECENT: usize = 64;

/// The cache entry of a bucket key: neighbouring quarters land in different entries.
#[inline]
fn recent_slot(a: i16, b: i16, c: i16) -> usize {
    let k = (u64::from(a as u16) << 32) | (u64::from(b as u16) << 16) | u64::from(c as u16);
    (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize & (RECENT - 1)
}

/// The calendar year of a knowledge time (archive buckets are keyed by it).
fn known_year(t: KnowledgeTime) -> i16 {
    crate::periode::jaar_van_micros(t.micros())
}

fn idx32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl<T: ValidTime + Copy + PartialEq> VersionTable<T> {
    fn quarters(fact: &T) -> (i16, i16) {
        (
            quarter(fact.begin()),
            quarter(fact.eind().max(fact.begin())),
        )
    }

    /// Opens a new version known from `s`.
    pub fn open(&mut self, fact: T, s: Stamp) -> FactRef {
        let (b, e) = Self::quarters(&fact);
        let buckets = &mut self.open;
        let r = recent_slot(b, e, 0);
        let bucket = match self.open_recent[r] {
            (k, i) if k == (b, e) => i,
            _ => {
                let i = *self.open_idx.entry((b, e)).or_insert_with(|| {
                    buckets.push(Bucket::new(b, e, i16::MAX));
                    idx32(buckets.len() - 1)
                });
                self.open_recent[r] = ((b, e), i);
                i
            }
        };
        let slot = match self.free.pop() {
            Some(v) => v,
            None => {
                self.slots.push((0, 0));
                idx32(self.slots.len() - 1)
            }
        };
        let em = &mut self.open[bucket as usize];
        let i = em.versions.push(Version {
            fact,
            known_from: s.known_at,
            known_to: KnowledgeTime::OPEN,
            pos_from: s.position,
            pos_to: slot,
        });
        self.columns_current = !T::COLUMN;
        fact.add_to_sum(&mut em.sum, 1, em.begin_quarter_day, em.end_quarter_day);
        em.min_known_from = em.min_known_from.min(s.known_at);
        em.max_known_from = em.max_known_from.max(s.known_at);
        if fact.eind() < fact.begin() {
            em.reversed += 1;
        }
        self.slots[slot as usize] = (bucket, idx32(i));
        self.last_change = self.last_change.max(s.known_at);
        if T::JOURNAL {
            self.journal.push((fact, 1));
        }
        FactRef(slot)
    }

    /// Closes an open version from `s` on: it moves to the archive.
    pub fn close(&mut self, r: FactRef, s: Stamp) {
        let Some(&(b, i)) = self.slots.get(r.0 as usize) else {
            return;
        };
        let Some(em) = self.open.get_mut(b as usize) else {
            return;
        };
        let Some(v) = em.versions.get_mut(i as usize) else {
            return;
        };
        if v.known_from == DEAD {
            return;
        }
        let mut oud = *v;
        v.known_from = DEAD;
        em.dead += 1;
        if oud.fact.eind() < oud.fact.begin() {
            em.reversed = em.reversed.saturating_sub(1);
        }
        if T::COLUMN {
            // The entry is cleared later (`update_columns`): here it would cost the
            // fold one more cache miss per close. Not yet made: nothing to clear.
            self.columns_current = false;
            if (i as usize) < em.column.len() {
                self.to_clear.push((b, i));
            }
        }
        oud.fact
            .add_to_sum(&mut em.sum, -1, em.begin_quarter_day, em.end_quarter_day);
        // A handle is valid until its version is closed; then the slot is recycled.
        if let Some(slot) = self.slots.get_mut(r.0 as usize) {
            *slot = (u32::MAX, u32::MAX);
        }
        self.free.push(r.0);
        self.last_change = self.last_change.max(s.known_at);
        if T::JOURNAL {
            self.journal.push((oud.fact, -1));
        }
        oud.known_to = s.known_at;
        oud.pos_to = s.position;
        let (qb, qe) = Self::quarters(&oud.fact);
        let ky = known_year(s.known_at);
        let archive = &mut self.archive;
        let r = recent_slot(qb, qe, ky);
        let a = match self.archive_recent[r] {
            (k, i) if k == (qb, qe, ky) => i,
            _ => {
                let i = *self.archive_idx.entry((qb, qe, ky)).or_insert_with(|| {
                    archive.push(Bucket::new(qb, qe, ky));
                    idx32(archive.len() - 1)
                });
                self.archive_recent[r] = ((qb, qe, ky), i);
                i
            }
        };
        let ae = &mut self.archive[a as usize];
        ae.min_known_from = ae.min_known_from.min(oud.known_from);
        ae.versions.push(oud);
        self.last_closed = self.last_closed.max(s.known_at);
        self.compact(b);
    }

    /// Drops dead slots once they are the majority of an open bucket.
    fn compact(&mut self, b: u32) {
        let Some(em) = self.open.get_mut(b as usize) else {
            return;
        };
        if em.versions.len() < 64 || em.dead * 2 <= em.versions.len() {
            return;
        }
        if T::COLUMN {
            em.column_stale = true;
        }
        em.versions.retain(|v| v.known_from != DEAD);
        em.dead = 0;
        for (i, v) in em.versions.iter().enumerate() {
            if let Some(slot) = self.slots.get_mut(v.pos_to as usize) {
                *slot = (b, idx32(i));
            }
        }
    }

    /// Prefetch hints for the open version behind `r`: stage 0 its slot, stage 1 (once
    /// the slot is cached) the version itself.
    #[inline]
    pub fn prefetch(&self, r: FactRef, stap: u8) {
        if stap == 0 {
            if let Some(slot) = self.slots.get(r.0 as usize) {
                crate::mem::prefetch(slot);
            }
        } else if let Some(v) = self.locate_version(r) {
            crate::mem::prefetch(v);
        }
    }

    /// Where the version behind `r` lies (dead or not).
    #[inline]
    fn locate_version(&self, r: FactRef) -> Option<&Version<T>> {
        let &(b, i) = self.slots.get(r.0 as usize)?;
        self.open.get(b as usize)?.versions.get(i as usize)
    }

    pub fn get(&self, r: FactRef) -> Option<&T> {
        self.locate_version(r)
            .filter(|v| v.known_from != DEAD)
            .map(|v| &v.fact)
    }

    /// Replaces the open versions `open` by `nieuw`: versions whose content is unchanged
    /// stay open (so a figure that did not change keeps its original knowledge time),
    /// the others are closed at `s` and the new contents opened at `s`.
    pub fn sync(&mut self, open: &mut Vec<FactRef>, nieuw: &[T], s: Stamp) {
        let mut n = idx32(open.len());
        self.sync_part(open, 0, &mut n, nieuw, s);
    }

    /// `sync` for the `*n` handles at `open[begin..]` (a youth keeps the
    /// handles of all its tables in one vector).
    pub fn sync_part(
        &mut self,
        open: &mut Vec<FactRef>,
        begin: usize,
        n: &mut u32,
        nieuw: &[T],
        s: Stamp,
    ) {
        let eind = (begin + *n as usize).min(open.len());
        let oud = open.get(begin..eind).unwrap_or_default();
        // Fast path: derivation is deterministic, so an unchanged fact list comes back
        // in the same order.
        if oud.len() == nieuw.len()
            && oud
                .iter()
                .zip(nieuw)
                .all(|(r, n)| self.get(*r).is_some_and(|o| o == n))
        {
            return;
        }
        // Match every open version to the first unused new fact with the same content
        // (old versions in their order, so the closes and opens happen in the same
        // sequence as ever); the result is kept in the order of `nieuw`, so that an
        // unchanged list hits the fast path above next time. The buffer is reused.
        let mut toegewezen = std::mem::take(&mut self.scratch);
        toegewezen.clear();
        toegewezen.resize(nieuw.len(), NO_REF);
        for &r in &open[begin..eind] {
            let gevonden = self.get(r).and_then(|oud| {
                nieuw
                    .iter()
                    .zip(toegewezen.iter())
                    .position(|(n, t)| *t == NO_REF && n == oud)
            });
            match gevonden {
                Some(i) => toegewezen[i] = r,
                None => self.close(r, s),
            }
        }
        for (t, n) in toegewezen.iter_mut().zip(nieuw) {
            if *t == NO_REF {
                *t = self.open(*n, s);
            }
        }
        let (was, wordt) = (eind - begin, toegewezen.len());
        if wordt > was {
            // Room for the extra handles: shift the tail (other tables' handles) right.
            if open.capacity() == 0 {
                open.reserve(8);
            }
            let oud_eind = open.len();
            open.resize(oud_eind + (wordt - was), NO_REF);
            open.copy_within(eind..oud_eind, eind + (wordt - was));
        } else if wordt < was {
            open.copy_within(eind.., begin + wordt);
            open.truncate(open.len() - (was - wordt));
        }
        open[begin..begin + wordt].copy_from_slice(&toegewezen);
        *n = idx32(toegewezen.len());
        self.scratch = toegewezen;
    }

    /// Hands the versions opened (+1) and closed (−1) since the last call to `f`, in
    /// order.
    pub fn drain_journal(&mut self, mut f: impl FnMut(&T, i32)) {
        for (fact, teken) in self.journal.drain(..) {
            f(&fact, teken);
        }
    }

    /// Whether exactly the open versions are visible at `known_at` (no version was opened or
    /// closed after it).
    pub fn only_open_visible(&self, known_at: KnowledgeTime) -> bool {
        known_at >= self.last_change
    }

    /// The open and the archive buckets that may hold versions visible at `known_at` on valid
    /// days [lo, hi].
    #[allow(clippy::type_complexity)]
    fn buckets(
        &self,
        known_at: KnowledgeTime,
        lo: i32,
        hi: i32,
    ) -> (
        impl Iterator<Item = &Bucket<T>> + '_,
        impl Iterator<Item = &Bucket<T>> + '_,
    ) {
        let (ql, qh) = (quarter(lo), quarter(hi));
        let ky = known_year(known_at);
        let archive = known_at < self.last_closed;
        let venster = move |e: &&Bucket<T>| {
            e.quarter_from <= qh && e.quarter_to >= ql && e.min_known_from <= known_at
        };
        (
            self.open.iter().filter(venster),
            self.archive
                .iter()
                .filter(move |e| archive && e.known_to_year >= ky)
                .filter(venster),
        )
    }

    /// Versions visible at `known_at` in buckets that may touch valid days [lo, hi].
    pub fn visible(
        &self,
        known_at: KnowledgeTime,
        lo: i32,
        hi: i32,
    ) -> impl Iterator<Item = &T> + '_ {
        let (open, archive) = self.buckets(known_at, lo, hi);
        open.chain(archive)
            .flat_map(|e| e.versions.iter())
            .filter(move |v| v.visible(known_at))
            .map(|v| &v.fact)
    }

    /// The versions `visible` yields, with open buckets whole where that is possible:
    /// an open bucket whose live versions are all visible at `known_at` and all end on or
    /// after their begin comes as `f(one of them, Piece::Bucket(their number))`; every
    /// other visible version comes as `Piece::Single`. All versions of a bucket begin in its
    /// first quarter and end in its last, so a tally that looks only at the quarters of
    /// a version's days counts such a bucket without reading it.
    pub fn per_bucket(
        &self,
        known_at: KnowledgeTime,
        lo: i32,
        hi: i32,
        mut f: impl FnMut(&T, Piece),
    ) {
        self.per_whole(known_at, lo, hi, |g| match g {
            Part::Whole(e) => {
                if let Some(v) = e.live().next() {
                    f(v, Piece::Bucket(e.live_count()));
                }
            }
            Part::Single(v) => f(v, Piece::Single),
        });
    }

    /// The versions `visible` yields, with open buckets whole where that is possible
    /// (see `per_bucket`): such a bucket comes as `Part::Whole`, with its sums and
    /// column; every other visible version as `Part::Single`.
    pub fn per_whole(&self, known_at: KnowledgeTime, lo: i32, hi: i32, f: impl FnMut(Part<'_, T>)) {
        let kolommen = !T::COLUMN || self.columns_current;
        self.per_part(
            known_at,
            lo,
            hi,
            |e| kolommen && e.max_known_from <= known_at && e.reversed == 0 && e.live_count() > 0,
            f,
        );
    }

    /// The open buckets that may hold versions visible at `known_at` on valid days [lo, hi]
    /// and for which `whole` holds, as `Part::Whole` (the caller reads what it needs
    /// of them); the visible versions of every other bucket as `Part::Single`.
    fn per_part(
        &self,
        known_at: KnowledgeTime,
        lo: i32,
        hi: i32,
        whole: impl Fn(&Bucket<T>) -> bool,
        mut f: impl FnMut(Part<'_, T>),
    ) {
        let (open, archive) = self.buckets(known_at, lo, hi);
        for e in open {
            if whole(e) {
                f(Part::Whole(e));
            } else {
                e.versions
                    .iter()
                    .filter(|v| v.visible(known_at))
                    .for_each(|v| f(Part::Single(&v.fact)));
            }
        }
        archive
            .flat_map(|e| e.versions.iter())
            .filter(|v| v.visible(known_at))
            .for_each(|v| f(Part::Single(&v.fact)));
    }

    /// Brings the columns of the open buckets up to date: the fold only notes what
    /// changed (pushing and clearing entries as it went cost it two more cache misses
    /// per version, +20 % fold time); here the entries of closed versions are cleared,
    /// compacted buckets built anew and the entries of new versions appended, in bucket
    /// order. Until then the scans read versions (`columns_current`).
    pub fn update_columns(&mut self) {
        if !T::COLUMN || self.columns_current {
            return;
        }
        for (b, i) in self.to_clear.drain(..) {
            if let Some(k) = self
                .open
                .get_mut(b as usize)
                .and_then(|e| e.column.get_mut(i as usize))
            {
                *k = T::Column::default();
            }
        }
        for e in &mut self.open {
            if e.column_stale {
                e.column = Segments::default();
                e.column_stale = false;
            }
            for i in e.column.len()..e.versions.len() {
                let k = match e.versions.get(i) {
                    Some(v) if v.known_from != DEAD => v.fact.column(),
                    _ => T::Column::default(),
                };
                e.column.push(k);
            }
        }
        self.columns_current = true;
    }

    /// The versions `visible` yields, except, in open buckets whose versions are all
    /// visible, those whose column entry fails `pas`: there the narrow column is read
    /// first and a version only if its entry passes. A filter that keeps few facts then
    /// streams a fraction of the bytes (a filtered series was bound by reading versions).
    /// `pas` must hold for every entry of a version the caller would count.
    pub fn visible_where(
        &self,
        known_at: KnowledgeTime,
        lo: i32,
        hi: i32,
        pas: impl Fn(&T::Column) -> bool,
        mut f: impl FnMut(&T),
    ) {
        let kolommen = T::COLUMN && self.columns_current;
        self.per_part(
            known_at,
            lo,
            hi,
            |e| kolommen && e.max_known_from <= known_at,
            |g| match g {
                // The column, once up to date, has one entry per slot: the same
                // segments as the versions.
                Part::Whole(e) => {
                    for (dk, dv) in e.column.segments.iter().zip(e.versions.segments.iter()) {
                        for (x, v) in dk.iter().zip(dv) {
                            if pas(x) && v.known_from != DEAD {
                                f(&v.fact);
                            }
                        }
                    }
                }
                Part::Single(v) => f(v),
            },
        );
    }

    /// All versions in buckets that may touch valid days [lo, hi], whatever their
    /// knowledge interval (for diff). Dead slots have `known_from = DEAD`.
    pub fn in_window(&self, lo: i32, hi: i32) -> impl Iterator<Item = &Version<T>> + '_ {
        let (ql, qh) = (quarter(lo), quarter(hi));
        self.open
            .iter()
            .chain(self.archive.iter())
            .filter(move |e| e.quarter_from <= qh && e.quarter_to >= ql)
            .flat_map(|e| e.versions.iter())
            .filter(|v| v.known_from != DEAD)
    }

    /// Every version.
    pub fn alle(&self) -> impl Iterator<Item = &Version<T>> + '_ {
        self.open
            .iter()
            .chain(self.archive.iter())
            .flat_map(|e| e.versions.iter())
            .filter(|v| v.known_from != DEAD)
    }

    pub fn version_count(&self) -> usize {
        self.alle().count()
    }
}

#[cfg(test)]
mod tests;
