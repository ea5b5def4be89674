//! The bitemporal fact table: every version of every fact with the knowledge interval in
//! which it was the truth, bucketed by the valid-time years it spans.
//!
//! A version is visible at knowledge time K when `known_from ≤ K < known_to`; so "as known
//! at K" is a filter over the same versions, never a replay. Versions live in buckets keyed
//! by (quarter of start, quarter of end): a query for a quarter only touches buckets that
//! start in or before it and end in or after it, which for short stays is a small slice
//! of a ten-year history. (The field names say "jaar"; the unit is a quarter.)

use crate::feiten::FxMap;
use crate::knowledge::KnowledgeTime;
use crate::periode::{kwartaal_begin, kwartaalnummer as jaar};

/// Knowledge stamp: recorded time and position of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stempel {
    pub known_at: KnowledgeTime,
    pub positie: u32,
}

/// One version of a fact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Versie<T> {
    pub feit: T,
    /// Recorded time of the event that created this version (`DEAD` for a slot whose
    /// version moved to the archive).
    pub known_from: KnowledgeTime,
    /// Recorded time of the event that superseded, corrected or retracted it;
    /// `KnowledgeTime::OPEN` if open.
    pub known_to: KnowledgeTime,
    /// Position of the creating event.
    pub pos_van: u32,
    /// Archived version: position of the closing event. Open version: its slot (so that
    /// compaction can update the slot table without a separate back-pointer; an open
    /// version has no closing position, and this keeps a placement version at 48 bytes).
    pub pos_tot: u32,
}

impl<T> Versie<T> {
    #[inline]
    pub fn zichtbaar(&self, known_at: KnowledgeTime) -> bool {
        known_at.sees(self.known_from, self.known_to)
    }
}

/// How [`Tabel::per_emmer`] hands over a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stuk {
    /// It stands for this many versions: a whole bucket.
    Emmer(i64),
    /// A version on its own.
    Los,
}

/// The `known_from` of a dead slot in an open bucket: the open end, later than any
/// knowledge time, so the slot is never visible (see `knowledge.rs`).
const DEAD: KnowledgeTime = KnowledgeTime::OPEN;

/// A stable handle on an open version (a slot in the table's slot table), valid until
/// the version is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FeitRef(u32);

/// "No version yet" while matching in `synchroniseer` (slot numbers stay far below).
const GEEN_REF: FeitRef = FeitRef(u32::MAX);

/// A fact that spans valid time [begin, eind) (eind may be `OPEN`).
pub(crate) trait Geldig {
    /// Whether the table keeps a journal of the versions it opens and closes (see
    /// [`Tabel::leeg_journaal`]).
    const JOURNAAL: bool = false;
    /// Whether open buckets keep a [`Geldig::Kolom`] beside their versions.
    const KOLOM: bool = false;
    /// What an open bucket sums over its live versions ([`Geldig::tel_in`]), so that a
    /// tally can take a whole bucket at once ([`Tabel::per_heel`]); `()` where none does.
    type Som: Copy + Default + std::fmt::Debug;
    /// The few fields a whole-bucket tally still reads per version, packed narrow
    /// beside the versions of an open bucket (a dead slot holds the default, which
    /// must count for nothing); `()` where none does.
    type Kolom: Copy + Default + std::fmt::Debug;
    fn begin(&self) -> i32;
    fn eind(&self) -> i32;
    /// Adds this version to (`teken` 1) or takes it from (−1) the sums of the open
    /// bucket whose quarters begin on the days `van` and `tot`.
    #[inline]
    fn tel_in(&self, _som: &mut Self::Som, _teken: i64, _van: i32, _tot: i32) {}
    #[inline]
    fn kolom(&self) -> Self::Kolom {
        Self::Kolom::default()
    }
}

/// log2 of the first segment's length in [`Segmenten`].
const SEGMENT_0: u32 = 4;

/// A growable list in segments of doubling length (16, 32, 64, …) that never moves an
/// element: growing adds a segment instead of copying everything into a block twice
/// the size. A rebuild fills buckets of up to hundreds of thousands of versions; growth
/// by doubling copied them and touched twice their final size in fresh memory the kernel
/// must clear (in callgrind the segments took the fold's data writes down 13 % and its
/// last-level misses 29 %).
#[derive(Debug, Clone)]
pub(crate) struct Segmenten<T> {
    delen: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Segmenten<T> {
    fn default() -> Self {
        Segmenten {
            delen: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Segmenten<T> {
    /// Segment and offset of element `i`.
    #[inline]
    fn plaats(i: usize) -> (usize, usize) {
        let x = (i >> SEGMENT_0) + 1;
        let k = (usize::BITS - 1 - x.leading_zeros()) as usize;
        (k, i - (((1usize << k) - 1) << SEGMENT_0))
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Appends `v`; returns its index.
    #[inline]
    pub fn push(&mut self, v: T) -> usize {
        let k = self.delen.len();
        match self.delen.last_mut() {
            Some(d) if d.len() < (1usize << SEGMENT_0) << (k - 1) => d.push(v),
            _ => {
                let mut d = Vec::with_capacity((1usize << SEGMENT_0) << k);
                d.push(v);
                self.delen.push(d);
            }
        }
        self.len += 1;
        self.len - 1
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        let (k, o) = Self::plaats(i);
        self.delen.get(k)?.get(o)
    }

    #[inline]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let (k, o) = Self::plaats(i);
        self.delen.get_mut(k)?.get_mut(o)
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.delen.iter().flat_map(|d| d.iter())
    }

    /// Keeps the elements for which `f` holds, in their order (indices change).
    pub fn retain(&mut self, mut f: impl FnMut(&T) -> bool) {
        let oud = std::mem::take(self);
        for d in oud.delen {
            for v in d {
                if f(&v) {
                    self.push(v);
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Emmer<T: Geldig> {
    pub jaar_van: i16,
    pub jaar_tot: i16,
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
    omgekeerd: u32,
    pub versies: Segmenten<Versie<T>>,
    dood: usize,
    /// First day of the quarter every version begins in, and of the one every version
    /// ends in (`OPEN` for open ends).
    pub dag_van: i32,
    pub dag_tot: i32,
    /// Open buckets: the sums over the live versions.
    pub som: T::Som,
    /// Open buckets of a `Geldig::KOLOM` type: one entry per version, same index, once
    /// `Tabel::werk_kolommen_bij` has run (the fold only notes what changed).
    pub kolom: Segmenten<T::Kolom>,
    /// The column must be built anew (compaction moved the versions).
    kolom_opnieuw: bool,
}

impl<T: Geldig> Emmer<T> {
    fn nieuw(jaar_van: i16, jaar_tot: i16, known_to_year: i16) -> Self {
        Emmer {
            jaar_van,
            jaar_tot,
            known_to_year,
            min_known_from: KnowledgeTime::OPEN,
            max_known_from: KnowledgeTime::EARLIEST,
            omgekeerd: 0,
            versies: Segmenten::default(),
            dood: 0,
            dag_van: kwartaal_begin(jaar_van),
            dag_tot: kwartaal_begin(jaar_tot),
            som: T::Som::default(),
            kolom: Segmenten::default(),
            kolom_opnieuw: false,
        }
    }

    /// Number of live versions.
    pub fn levend(&self) -> i64 {
        i64::try_from(self.versies.len() - self.dood).unwrap_or(i64::MAX)
    }

    /// The live versions.
    pub fn levende(&self) -> impl Iterator<Item = &T> + '_ {
        self.versies
            .iter()
            .filter(|v| v.known_from != DEAD)
            .map(|v| &v.feit)
    }
}

/// What [`Tabel::per_heel`] hands over.
pub(crate) enum Gedeelte<'a, T: Geldig> {
    /// An open bucket whose live versions are all visible and all end on or after
    /// their begin.
    Heel(&'a Emmer<T>),
    /// A visible version of any other bucket.
    Los(&'a T),
}

/// Open versions live in "open" buckets, superseded ones move to "archive" buckets, so a
/// query for now never wades through history, and a query for a past K skips archive
/// buckets closed before K.
#[derive(Debug, Clone)]
pub(crate) struct Tabel<T: Geldig> {
    open: Vec<Emmer<T>>,
    open_idx: FxMap<(i16, i16), u32>,
    /// Buckets used recently (key, index), direct-mapped by key: versions opened or
    /// closed close together in recorded time fall in a few dozen buckets, so the map
    /// is seldom needed (a list of four, searched and rotated, missed too often).
    open_recent: [((i16, i16), u32); RECENT],
    archief_recent: [((i16, i16, i16), u32); RECENT],
    archief: Vec<Emmer<T>>,
    archief_idx: FxMap<(i16, i16, i16), u32>,
    /// Slot → (open bucket, index).
    slots: Vec<(u32, u32)>,
    vrij: Vec<u32>,
    /// Latest closing time: a `known_at` at or after it never needs the archive.
    last_closed: KnowledgeTime,
    /// Latest recorded time of any open or close: at a `known_at` at or after it exactly
    /// the open versions are visible.
    last_change: KnowledgeTime,
    /// Versions opened (+1) and closed (−1) since the last `leeg_journaal`, for tables of
    /// a `Geldig::JOURNAAL` type.
    journaal: Vec<(T, i32)>,
    /// Reused buffer for `synchroniseer`.
    kladblok: Vec<FeitRef>,
    /// Whether the columns of the open buckets are up to date (`werk_kolommen_bij`).
    kolommen_bij: bool,
    /// Column entries of versions closed since, to be cleared: (bucket, index).
    te_wissen: Vec<(u32, u32)>,
}

impl<T: Geldig> Default for Tabel<T> {
    fn default() -> Self {
        Tabel {
            open: Vec::new(),
            open_idx: FxMap::default(),
            open_recent: [((i16::MIN, i16::MIN), u32::MAX); RECENT],
            archief_recent: [((i16::MIN, i16::MIN, i16::MIN), u32::MAX); RECENT],
            archief: Vec::new(),
            archief_idx: FxMap::default(),
            slots: Vec::new(),
            vrij: Vec::new(),
            last_closed: KnowledgeTime::EARLIEST,
            last_change: KnowledgeTime::EARLIEST,
            journaal: Vec::new(),
            kladblok: Vec::new(),
            kolommen_bij: true,
            te_wissen: Vec::new(),
        }
    }
}

/// Entries of the recent-bucket caches (a power of two).
const RECENT: usize = 64;

/// The cache entry of a bucket key: neighbouring quarters land in different entries.
#[inline]
fn recent_plek(a: i16, b: i16, c: i16) -> usize {
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

impl<T: Geldig + Copy + PartialEq> Tabel<T> {
    fn jaren(feit: &T) -> (i16, i16) {
        (jaar(feit.begin()), jaar(feit.eind().max(feit.begin())))
    }

    /// Opens a new version known from `s`.
    pub fn open(&mut self, feit: T, s: Stempel) -> FeitRef {
        let (b, e) = Self::jaren(&feit);
        let emmers = &mut self.open;
        let r = recent_plek(b, e, 0);
        let emmer = match self.open_recent[r] {
            (k, i) if k == (b, e) => i,
            _ => {
                let i = *self.open_idx.entry((b, e)).or_insert_with(|| {
                    emmers.push(Emmer::nieuw(b, e, i16::MAX));
                    idx32(emmers.len() - 1)
                });
                self.open_recent[r] = ((b, e), i);
                i
            }
        };
        let slot = match self.vrij.pop() {
            Some(v) => v,
            None => {
                self.slots.push((0, 0));
                idx32(self.slots.len() - 1)
            }
        };
        let em = &mut self.open[emmer as usize];
        let i = em.versies.push(Versie {
            feit,
            known_from: s.known_at,
            known_to: KnowledgeTime::OPEN,
            pos_van: s.positie,
            pos_tot: slot,
        });
        self.kolommen_bij = !T::KOLOM;
        feit.tel_in(&mut em.som, 1, em.dag_van, em.dag_tot);
        em.min_known_from = em.min_known_from.min(s.known_at);
        em.max_known_from = em.max_known_from.max(s.known_at);
        if feit.eind() < feit.begin() {
            em.omgekeerd += 1;
        }
        self.slots[slot as usize] = (emmer, idx32(i));
        self.last_change = self.last_change.max(s.known_at);
        if T::JOURNAAL {
            self.journaal.push((feit, 1));
        }
        FeitRef(slot)
    }

    /// Closes an open version from `s` on: it moves to the archive.
    pub fn sluit(&mut self, r: FeitRef, s: Stempel) {
        let Some(&(b, i)) = self.slots.get(r.0 as usize) else {
            return;
        };
        let Some(em) = self.open.get_mut(b as usize) else {
            return;
        };
        let Some(v) = em.versies.get_mut(i as usize) else {
            return;
        };
        if v.known_from == DEAD {
            return;
        }
        let mut oud = *v;
        v.known_from = DEAD;
        em.dood += 1;
        if oud.feit.eind() < oud.feit.begin() {
            em.omgekeerd = em.omgekeerd.saturating_sub(1);
        }
        if T::KOLOM {
            // The entry is cleared later (`werk_kolommen_bij`): here it would cost the
            // fold one more cache miss per close. Not yet made: nothing to clear.
            self.kolommen_bij = false;
            if (i as usize) < em.kolom.len() {
                self.te_wissen.push((b, i));
            }
        }
        oud.feit.tel_in(&mut em.som, -1, em.dag_van, em.dag_tot);
        // A handle is valid until its version is closed; then the slot is recycled.
        if let Some(slot) = self.slots.get_mut(r.0 as usize) {
            *slot = (u32::MAX, u32::MAX);
        }
        self.vrij.push(r.0);
        self.last_change = self.last_change.max(s.known_at);
        if T::JOURNAAL {
            self.journaal.push((oud.feit, -1));
        }
        oud.known_to = s.known_at;
        oud.pos_tot = s.positie;
        let (jb, je) = Self::jaren(&oud.feit);
        let kj = known_year(s.known_at);
        let archief = &mut self.archief;
        let r = recent_plek(jb, je, kj);
        let a = match self.archief_recent[r] {
            (k, i) if k == (jb, je, kj) => i,
            _ => {
                let i = *self.archief_idx.entry((jb, je, kj)).or_insert_with(|| {
                    archief.push(Emmer::nieuw(jb, je, kj));
                    idx32(archief.len() - 1)
                });
                self.archief_recent[r] = ((jb, je, kj), i);
                i
            }
        };
        let ae = &mut self.archief[a as usize];
        ae.min_known_from = ae.min_known_from.min(oud.known_from);
        ae.versies.push(oud);
        self.last_closed = self.last_closed.max(s.known_at);
        self.compacteer(b);
    }

    /// Drops dead slots once they are the majority of an open bucket.
    fn compacteer(&mut self, b: u32) {
        let Some(em) = self.open.get_mut(b as usize) else {
            return;
        };
        if em.versies.len() < 64 || em.dood * 2 <= em.versies.len() {
            return;
        }
        if T::KOLOM {
            em.kolom_opnieuw = true;
        }
        em.versies.retain(|v| v.known_from != DEAD);
        em.dood = 0;
        for (i, v) in em.versies.iter().enumerate() {
            if let Some(slot) = self.slots.get_mut(v.pos_tot as usize) {
                *slot = (b, idx32(i));
            }
        }
    }

    /// Prefetch hints for the open version behind `r`: stage 0 its slot, stage 1 (once
    /// the slot is cached) the version itself.
    #[inline]
    pub fn vooruit(&self, r: FeitRef, stap: u8) {
        if stap == 0 {
            if let Some(slot) = self.slots.get(r.0 as usize) {
                crate::feiten::haal(slot);
            }
        } else if let Some(v) = self.plek(r) {
            crate::feiten::haal(v);
        }
    }

    /// Where the version behind `r` lies (dead or not).
    #[inline]
    fn plek(&self, r: FeitRef) -> Option<&Versie<T>> {
        let &(b, i) = self.slots.get(r.0 as usize)?;
        self.open.get(b as usize)?.versies.get(i as usize)
    }

    pub fn get(&self, r: FeitRef) -> Option<&T> {
        self.plek(r)
            .filter(|v| v.known_from != DEAD)
            .map(|v| &v.feit)
    }

    /// Replaces the open versions `open` by `nieuw`: versions whose content is unchanged
    /// stay open (so a figure that did not change keeps its original knowledge time),
    /// the others are closed at `s` and the new contents opened at `s`.
    pub fn synchroniseer(&mut self, open: &mut Vec<FeitRef>, nieuw: &[T], s: Stempel) {
        let mut n = idx32(open.len());
        self.synchroniseer_deel(open, 0, &mut n, nieuw, s);
    }

    /// `synchroniseer` for the `*n` handles at `open[begin..]` (a youth keeps the
    /// handles of all its tables in one vector).
    pub fn synchroniseer_deel(
        &mut self,
        open: &mut Vec<FeitRef>,
        begin: usize,
        n: &mut u32,
        nieuw: &[T],
        s: Stempel,
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
        let mut toegewezen = std::mem::take(&mut self.kladblok);
        toegewezen.clear();
        toegewezen.resize(nieuw.len(), GEEN_REF);
        for &r in &open[begin..eind] {
            let gevonden = self.get(r).and_then(|oud| {
                nieuw
                    .iter()
                    .zip(toegewezen.iter())
                    .position(|(n, t)| *t == GEEN_REF && n == oud)
            });
            match gevonden {
                Some(i) => toegewezen[i] = r,
                None => self.sluit(r, s),
            }
        }
        for (t, n) in toegewezen.iter_mut().zip(nieuw) {
            if *t == GEEN_REF {
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
            open.resize(oud_eind + (wordt - was), GEEN_REF);
            open.copy_within(eind..oud_eind, eind + (wordt - was));
        } else if wordt < was {
            open.copy_within(eind.., begin + wordt);
            open.truncate(open.len() - (was - wordt));
        }
        open[begin..begin + wordt].copy_from_slice(&toegewezen);
        *n = idx32(toegewezen.len());
        self.kladblok = toegewezen;
    }

    /// Hands the versions opened (+1) and closed (−1) since the last call to `f`, in
    /// order.
    pub fn leeg_journaal(&mut self, mut f: impl FnMut(&T, i32)) {
        for (feit, teken) in self.journaal.drain(..) {
            f(&feit, teken);
        }
    }

    /// Whether exactly the open versions are visible at `known_at` (no version was opened or
    /// closed after it).
    pub fn alleen_open(&self, known_at: KnowledgeTime) -> bool {
        known_at >= self.last_change
    }

    /// The open and the archive buckets that may hold versions visible at `known_at` on valid
    /// days [lo, hi].
    #[allow(clippy::type_complexity)]
    fn emmers(
        &self,
        known_at: KnowledgeTime,
        lo: i32,
        hi: i32,
    ) -> (
        impl Iterator<Item = &Emmer<T>> + '_,
        impl Iterator<Item = &Emmer<T>> + '_,
    ) {
        let (jl, jh) = (jaar(lo), jaar(hi));
        let kj = known_year(known_at);
        let archief = known_at < self.last_closed;
        let venster = move |e: &&Emmer<T>| e.jaar_van <= jh && e.jaar_tot >= jl && e.min_known_from <= known_at;
        (
            self.open.iter().filter(venster),
            self.archief
                .iter()
                .filter(move |e| archief && e.known_to_year >= kj)
                .filter(venster),
        )
    }

    /// Versions visible at `known_at` in buckets that may touch valid days [lo, hi].
    pub fn zichtbaar(&self, known_at: KnowledgeTime, lo: i32, hi: i32) -> impl Iterator<Item = &T> + '_ {
        let (open, archief) = self.emmers(known_at, lo, hi);
        open.chain(archief)
            .flat_map(|e| e.versies.iter())
            .filter(move |v| v.zichtbaar(known_at))
            .map(|v| &v.feit)
    }

    /// The versions `zichtbaar` yields, with open buckets whole where that is possible:
    /// an open bucket whose live versions are all visible at `known_at` and all end on or
    /// after their begin comes as `f(one of them, Stuk::Emmer(their number))`; every
    /// other visible version comes as `Stuk::Los`. All versions of a bucket begin in its
    /// first quarter and end in its last, so a tally that looks only at the quarters of
    /// a version's days counts such a bucket without reading it.
    pub fn per_emmer(&self, known_at: KnowledgeTime, lo: i32, hi: i32, mut f: impl FnMut(&T, Stuk)) {
        self.per_heel(known_at, lo, hi, |g| match g {
            Gedeelte::Heel(e) => {
                if let Some(v) = e.levende().next() {
                    f(v, Stuk::Emmer(e.levend()));
                }
            }
            Gedeelte::Los(v) => f(v, Stuk::Los),
        });
    }

    /// The versions `zichtbaar` yields, with open buckets whole where that is possible
    /// (see `per_emmer`): such a bucket comes as `Gedeelte::Heel`, with its sums and
    /// column; every other visible version as `Gedeelte::Los`.
    pub fn per_heel(&self, known_at: KnowledgeTime, lo: i32, hi: i32, f: impl FnMut(Gedeelte<'_, T>)) {
        let kolommen = !T::KOLOM || self.kolommen_bij;
        self.per_deel(
            known_at,
            lo,
            hi,
            |e| kolommen && e.max_known_from <= known_at && e.omgekeerd == 0 && e.levend() > 0,
            f,
        );
    }

    /// The open buckets that may hold versions visible at `known_at` on valid days [lo, hi]
    /// and for which `heel` holds, as `Gedeelte::Heel` (the caller reads what it needs
    /// of them); the visible versions of every other bucket as `Gedeelte::Los`.
    fn per_deel(
        &self,
        known_at: KnowledgeTime,
        lo: i32,
        hi: i32,
        heel: impl Fn(&Emmer<T>) -> bool,
        mut f: impl FnMut(Gedeelte<'_, T>),
    ) {
        let (open, archief) = self.emmers(known_at, lo, hi);
        for e in open {
            if heel(e) {
                f(Gedeelte::Heel(e));
            } else {
                e.versies
                    .iter()
                    .filter(|v| v.zichtbaar(known_at))
                    .for_each(|v| f(Gedeelte::Los(&v.feit)));
            }
        }
        archief
            .flat_map(|e| e.versies.iter())
            .filter(|v| v.zichtbaar(known_at))
            .for_each(|v| f(Gedeelte::Los(&v.feit)));
    }

    /// Brings the columns of the open buckets up to date: the fold only notes what
    /// changed (pushing and clearing entries as it went cost it two more cache misses
    /// per version, +20 % fold time); here the entries of closed versions are cleared,
    /// compacted buckets built anew and the entries of new versions appended, in bucket
    /// order. Until then the scans read versions (`kolommen_bij`).
    pub fn werk_kolommen_bij(&mut self) {
        if !T::KOLOM || self.kolommen_bij {
            return;
        }
        for (b, i) in self.te_wissen.drain(..) {
            if let Some(k) = self
                .open
                .get_mut(b as usize)
                .and_then(|e| e.kolom.get_mut(i as usize))
            {
                *k = T::Kolom::default();
            }
        }
        for e in &mut self.open {
            if e.kolom_opnieuw {
                e.kolom = Segmenten::default();
                e.kolom_opnieuw = false;
            }
            for i in e.kolom.len()..e.versies.len() {
                let k = match e.versies.get(i) {
                    Some(v) if v.known_from != DEAD => v.feit.kolom(),
                    _ => T::Kolom::default(),
                };
                e.kolom.push(k);
            }
        }
        self.kolommen_bij = true;
    }

    /// The versions `zichtbaar` yields, except, in open buckets whose versions are all
    /// visible, those whose column entry fails `pas`: there the narrow column is read
    /// first and a version only if its entry passes. A filter that keeps few facts then
    /// streams a fraction of the bytes (a filtered series was bound by reading versions).
    /// `pas` must hold for every entry of a version the caller would count.
    pub fn zichtbaar_waar(
        &self,
        known_at: KnowledgeTime,
        lo: i32,
        hi: i32,
        pas: impl Fn(&T::Kolom) -> bool,
        mut f: impl FnMut(&T),
    ) {
        let kolommen = T::KOLOM && self.kolommen_bij;
        self.per_deel(
            known_at,
            lo,
            hi,
            |e| kolommen && e.max_known_from <= known_at,
            |g| match g {
                // The column, once up to date, has one entry per slot: the same
                // segments as the versions.
                Gedeelte::Heel(e) => {
                    for (dk, dv) in e.kolom.delen.iter().zip(e.versies.delen.iter()) {
                        for (x, v) in dk.iter().zip(dv) {
                            if pas(x) && v.known_from != DEAD {
                                f(&v.feit);
                            }
                        }
                    }
                }
                Gedeelte::Los(v) => f(v),
            },
        );
    }

    /// All versions in buckets that may touch valid days [lo, hi], whatever their
    /// knowledge interval (for diff). Dead slots have `known_from = DEAD`.
    pub fn in_venster(&self, lo: i32, hi: i32) -> impl Iterator<Item = &Versie<T>> + '_ {
        let (jl, jh) = (jaar(lo), jaar(hi));
        self.open
            .iter()
            .chain(self.archief.iter())
            .filter(move |e| e.jaar_van <= jh && e.jaar_tot >= jl)
            .flat_map(|e| e.versies.iter())
            .filter(|v| v.known_from != DEAD)
    }

    /// Every version.
    pub fn alle(&self) -> impl Iterator<Item = &Versie<T>> + '_ {
        self.open
            .iter()
            .chain(self.archief.iter())
            .flat_map(|e| e.versies.iter())
            .filter(|v| v.known_from != DEAD)
    }

    pub fn aantal_versies(&self) -> usize {
        self.alle().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kt(m: i64) -> KnowledgeTime {
        KnowledgeTime::from_micros(m)
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    struct F(i32, i32);

    impl Geldig for F {
        type Som = ();
        type Kolom = ();
        fn begin(&self) -> i32 {
            self.0
        }
        fn eind(&self) -> i32 {
            self.1
        }
    }

    fn st(m: i64) -> Stempel {
        Stempel {
            known_at: kt(m),
            positie: u32::try_from(m).unwrap_or(0),
        }
    }

    /// Segments: every index lands where it was pushed, across segment boundaries, and
    /// `retain` keeps the order.
    #[test]
    fn segmenten_keep_every_element_in_place() {
        let mut s: Segmenten<u32> = Segmenten::default();
        for i in 0..5000u32 {
            assert_eq!(s.push(i * 3), i as usize);
        }
        assert_eq!(s.len(), 5000);
        assert_eq!(s.delen.len(), 9, "16 + 32 + … + 4096 ≥ 5000");
        for i in [0usize, 15, 16, 47, 48, 111, 112, 4079, 4080, 4999] {
            assert_eq!(s.get(i).copied(), Some(i as u32 * 3), "index {i}");
        }
        assert_eq!(s.get(5000), None);
        if let Some(v) = s.get_mut(48) {
            *v = 7;
        }
        assert_eq!(s.get(48).copied(), Some(7));
        assert!(
            s.iter()
                .copied()
                .eq((0..5000u32).map(|i| if i == 48 { 7 } else { i * 3 }))
        );
        s.retain(|v| v % 2 == 0);
        let even: Vec<u32> = (0..5000u32)
            .map(|i| if i == 48 { 7 } else { i * 3 })
            .filter(|v| v % 2 == 0)
            .collect();
        assert_eq!(s.len(), even.len());
        assert!(s.iter().copied().eq(even.iter().copied()));
        assert_eq!(s.get(even.len() - 1).copied(), even.last().copied());
    }

    /// Closing most versions of a bucket compacts it; handles of the survivors keep
    /// pointing at the right facts and every knowledge time sees what it saw before.
    #[test]
    fn compaction_keeps_handles_and_history() {
        let mut t: Tabel<F> = Tabel::default();
        let dag =
            crate::periode::dag(chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default());
        let refs: Vec<FeitRef> = (0..200)
            .map(|i| t.open(F(dag + i, crate::periode::OPEN), st(1)))
            .collect();
        for (i, r) in refs.iter().enumerate() {
            if i % 4 != 0 {
                t.sluit(*r, st(2));
            }
        }
        for (i, r) in refs.iter().enumerate() {
            let gezien = t.get(*r).copied();
            if i % 4 == 0 {
                assert_eq!(gezien, Some(F(dag + i as i32, crate::periode::OPEN)));
            } else {
                assert_eq!(gezien, None);
            }
        }
        assert_eq!(t.zichtbaar(kt(1), dag, dag + 300).count(), 200);
        assert_eq!(t.zichtbaar(kt(2), dag, dag + 300).count(), 50);
        assert_eq!(t.zichtbaar(KnowledgeTime::LATEST, dag, dag + 300).count(), 50);
        assert_eq!(t.alle().count(), 200);
        // Freed slots are reused by new versions without disturbing the survivors.
        let nieuw = t.open(F(dag, dag + 1), st(3));
        assert_eq!(t.get(nieuw).copied(), Some(F(dag, dag + 1)));
        assert_eq!(
            t.get(refs[4]).copied(),
            Some(F(dag + 4, crate::periode::OPEN))
        );
    }

    /// A fact with bucket sums (number, Σ begin) and a column (begin + 1; 0 = dead).
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct G(i32, i32);

    impl Geldig for G {
        const KOLOM: bool = true;
        type Som = (i64, i64);
        type Kolom = i64;
        fn begin(&self) -> i32 {
            self.0
        }
        fn eind(&self) -> i32 {
            self.1
        }
        fn tel_in(&self, som: &mut (i64, i64), teken: i64, van: i32, tot: i32) {
            assert!(van <= self.0 && tot <= self.1, "{van} {tot} {self:?}");
            som.0 += teken;
            som.1 += teken * i64::from(self.0);
        }
        fn kolom(&self) -> i64 {
            i64::from(self.0) + 1
        }
    }

    /// The sums and the column of a whole bucket stay those of its live versions through
    /// opens, closes, compaction and reuse of slots.
    #[test]
    fn bucket_sums_and_column_follow_the_live_versions() {
        let mut t: Tabel<G> = Tabel::default();
        let dag =
            crate::periode::dag(chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap_or_default());
        let mut refs: Vec<FeitRef> = (0..300)
            .map(|i| t.open(G(dag + i % 80, dag + 100 + i % 7), st(1)))
            .collect();
        for (i, r) in refs.iter().enumerate() {
            if i % 5 != 0 {
                t.sluit(*r, st(2));
            }
        }
        refs.retain(|r| t.get(*r).is_some());
        for i in 0..40 {
            refs.push(t.open(G(dag + i, crate::periode::OPEN), st(3)));
        }
        t.sluit(refs[3], st(4));
        let mut los = 0;
        t.per_heel(kt(5), dag, dag + 200, |g| {
            los += usize::from(matches!(g, Gedeelte::Los(_)));
        });
        assert_eq!(
            los, 99,
            "until the columns are brought up to date, versions one by one"
        );
        t.werk_kolommen_bij();
        let mut hele = 0;
        let mut gezien = 0;
        t.per_heel(kt(5), dag, dag + 200, |g| {
            let Gedeelte::Heel(e) = g else {
                panic!("every bucket is whole at K = 5");
            };
            hele += 1;
            let levend: Vec<G> = e.levende().copied().collect();
            gezien += levend.len();
            assert_eq!(e.levend(), levend.len() as i64);
            assert_eq!(
                e.som,
                (
                    levend.len() as i64,
                    levend.iter().map(|g| i64::from(g.0)).sum::<i64>()
                )
            );
            let kolom: Vec<i64> = e.kolom.iter().copied().filter(|&k| k != 0).collect();
            let verwacht: Vec<i64> = levend.iter().map(G::kolom).collect();
            assert_eq!(kolom, verwacht);
            assert_eq!(e.kolom.len(), e.versies.len(), "one entry per slot");
            assert_eq!(e.dag_van, dag);
        });
        assert_eq!(hele, 2, "one bucket with closed ends, one with open ones");
        // A column-first scan yields what `zichtbaar` does, less the versions whose
        // entry fails, at every K (whole buckets or not).
        for k in [0, 1, 2, 3, 4, 5] {
            let mut verwacht: Vec<(i32, i32)> = t
                .zichtbaar(kt(k), dag, dag + 200)
                .filter(|g| g.0 % 3 != 0)
                .map(|g| (g.0, g.1))
                .collect();
            let mut gekregen = Vec::new();
            t.zichtbaar_waar(
                kt(k),
                dag,
                dag + 200,
                |&x| (x - 1) % 3 != 0,
                |g| {
                    if g.0 % 3 != 0 {
                        gekregen.push((g.0, g.1));
                    }
                },
            );
            verwacht.sort_unstable();
            gekregen.sort_unstable();
            assert_eq!(gekregen, verwacht, "K = {k}");
            assert_eq!(gekregen.is_empty(), k == 0, "K = {k}");
        }
        assert_eq!(gezien, 60 + 40 - 1);
        assert_eq!(t.zichtbaar(kt(5), dag, dag + 200).count(), gezien);

        // Closes of versions whose entries exist, and new versions, after the columns
        // were built: brought up to date again, they match the live versions.
        let levend: Vec<FeitRef> = refs
            .iter()
            .copied()
            .filter(|r| t.get(*r).is_some())
            .collect();
        for r in levend.iter().step_by(4) {
            t.sluit(*r, st(6));
        }
        for i in 0..7 {
            t.open(G(dag + 3 * i, dag + 101), st(6));
        }
        t.werk_kolommen_bij();
        let mut gezien = 0;
        t.per_heel(kt(6), dag, dag + 200, |g| {
            let Gedeelte::Heel(e) = g else {
                panic!("every bucket is whole at K = 6");
            };
            let levend: Vec<i64> = e.levende().map(G::kolom).collect();
            gezien += levend.len();
            let kolom: Vec<i64> = e.kolom.iter().copied().filter(|&k| k != 0).collect();
            assert_eq!(kolom, levend);
            assert_eq!(e.kolom.len(), e.versies.len());
        });
        assert_eq!(gezien, t.zichtbaar(kt(6), dag, dag + 200).count());
        assert_eq!(gezien, 99 - 25 + 7);
    }

    /// `per_emmer` stands for exactly the versions `zichtbaar` yields, as far as the
    /// quarters of their days go: a bucket comes whole only when all its live versions
    /// are visible and none ends before it begins.
    #[test]
    fn per_emmer_counts_what_zichtbaar_yields() {
        let mut t: Tabel<F> = Tabel::default();
        let dag =
            crate::periode::dag(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default());
        let mut refs = Vec::new();
        for i in 0..120 {
            let begin = dag + (i % 7) * 40;
            let eind = match i % 5 {
                0 => crate::periode::OPEN,
                // Ends before it begins, in an earlier quarter.
                1 if i % 3 == 0 => begin - 100,
                _ => begin + 10 + (i % 4) * 60,
            };
            refs.push(t.open(F(begin, eind), st(i64::from(i / 10) + 1)));
        }
        for (i, r) in refs.iter().enumerate() {
            if i % 9 == 0 {
                t.sluit(*r, st(20));
            }
        }
        let sleutel = |f: &F| (jaar(f.0), jaar(f.1), f.1 >= f.0);
        for k in [0, 3, 7, 12, 19, 20, 25] {
            let mut verwacht: Vec<_> = t.zichtbaar(kt(k), dag - 500, dag + 900).map(sleutel).collect();
            let mut gekregen = Vec::new();
            let mut hele = 0;
            t.per_emmer(kt(k), dag - 500, dag + 900, |f, stuk| match stuk {
                Stuk::Emmer(n) => {
                    hele += 1;
                    for _ in 0..n {
                        gekregen.push(sleutel(f));
                    }
                }
                Stuk::Los => gekregen.push(sleutel(f)),
            });
            let mut los = Vec::new();
            t.per_heel(kt(k), dag - 500, dag + 900, |g| match g {
                Gedeelte::Heel(e) => los.extend(e.levende().map(sleutel)),
                Gedeelte::Los(f) => los.push(sleutel(f)),
            });
            los.sort_unstable();
            verwacht.sort_unstable();
            gekregen.sort_unstable();
            assert_eq!(gekregen, verwacht, "K = {k}");
            assert_eq!(
                los, verwacht,
                "K = {k}: every version once, also inside buckets"
            );
            if k >= 19 {
                assert!(hele > 0, "K = {k}: some buckets come whole");
            }
        }
    }
}
