//! The bitemporal fact table: every version of every fact with the knowledge interval in
//! which it was the truth, bucketed by the valid-time years it spans.
//!
//! A version is visible at knowledge time K when `known_from ≤ K < known_to`; so "as known
//! at K" is a filter over the same versions, never a replay. Versions live in buckets keyed
//! by (year of start, year of end): a query for a quarter in 2024 only touches buckets that
//! start in or before 2024 and end in or after it, which for short stays is a small slice
//! of a ten-year history.

use std::collections::HashMap;

use crate::periode::jaar;

/// Knowledge stamp: recorded time (µs since the epoch) and position of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stempel {
    pub micros: i64,
    pub positie: u32,
}

/// "Not (yet) superseded".
pub(crate) const NOOIT: i64 = i64::MAX;

/// One version of a fact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Versie<T> {
    pub feit: T,
    /// Recorded time of the event that created this version.
    pub bekend_van: i64,
    /// Recorded time of the event that superseded, corrected or retracted it; `NOOIT` if open.
    pub bekend_tot: i64,
    /// Position of the creating event.
    pub pos_van: u32,
    /// Position of the closing event (0 while open).
    pub pos_tot: u32,
}

impl<T> Versie<T> {
    #[inline]
    pub fn zichtbaar(&self, k: i64) -> bool {
        self.bekend_van <= k && k < self.bekend_tot
    }
}

/// Where a version lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FeitRef {
    pub emmer: u32,
    pub index: u32,
}

/// A fact that spans valid time [begin, eind) (eind may be `OPEN`).
pub(crate) trait Geldig {
    fn begin(&self) -> i32;
    fn eind(&self) -> i32;
}

#[derive(Debug, Clone)]
pub(crate) struct Emmer<T> {
    pub jaar_van: i16,
    pub jaar_tot: i16,
    pub versies: Vec<Versie<T>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Tabel<T> {
    pub emmers: Vec<Emmer<T>>,
    sleutel: HashMap<(i16, i16), u32>,
}

impl<T> Default for Tabel<T> {
    fn default() -> Self {
        Tabel {
            emmers: Vec::new(),
            sleutel: HashMap::new(),
        }
    }
}

impl<T: Geldig + Copy + PartialEq> Tabel<T> {
    /// Opens a new version known from `s`.
    pub fn open(&mut self, feit: T, s: Stempel) -> FeitRef {
        let b = jaar(feit.begin());
        let e = jaar(feit.eind().max(feit.begin()));
        let emmers = &mut self.emmers;
        let emmer = *self.sleutel.entry((b, e)).or_insert_with(|| {
            emmers.push(Emmer {
                jaar_van: b,
                jaar_tot: e,
                versies: Vec::new(),
            });
            u32::try_from(emmers.len() - 1).unwrap_or(u32::MAX)
        });
        let versies = &mut self.emmers[emmer as usize].versies;
        versies.push(Versie {
            feit,
            bekend_van: s.micros,
            bekend_tot: NOOIT,
            pos_van: s.positie,
            pos_tot: 0,
        });
        FeitRef {
            emmer,
            index: u32::try_from(versies.len() - 1).unwrap_or(u32::MAX),
        }
    }

    /// Closes an open version from `s` on.
    pub fn sluit(&mut self, r: FeitRef, s: Stempel) {
        if let Some(v) = self
            .emmers
            .get_mut(r.emmer as usize)
            .and_then(|e| e.versies.get_mut(r.index as usize))
        {
            v.bekend_tot = s.micros;
            v.pos_tot = s.positie;
        }
    }

    pub fn get(&self, r: FeitRef) -> Option<&T> {
        self.emmers
            .get(r.emmer as usize)
            .and_then(|e| e.versies.get(r.index as usize))
            .map(|v| &v.feit)
    }

    /// Replaces the open versions `open` by `nieuw`: versions whose content is unchanged
    /// stay open (so a figure that did not change keeps its original knowledge time),
    /// the others are closed at `s` and the new contents opened at `s`.
    pub fn synchroniseer(&mut self, open: &mut Vec<FeitRef>, nieuw: &[T], s: Stempel) {
        let mut gebruikt = vec![false; nieuw.len()];
        let mut blijft = Vec::with_capacity(nieuw.len());
        for &r in open.iter() {
            let gevonden = self.get(r).and_then(|oud| {
                nieuw
                    .iter()
                    .enumerate()
                    .position(|(i, n)| !gebruikt[i] && n == oud)
            });
            match gevonden {
                Some(i) => {
                    gebruikt[i] = true;
                    blijft.push(r);
                }
                None => self.sluit(r, s),
            }
        }
        for (i, n) in nieuw.iter().enumerate() {
            if !gebruikt[i] {
                blijft.push(self.open(*n, s));
            }
        }
        *open = blijft;
    }

    /// Versions visible at `k` in buckets that may touch valid days [lo, hi].
    pub fn zichtbaar(&self, k: i64, lo: i32, hi: i32) -> impl Iterator<Item = &T> + '_ {
        self.in_venster(lo, hi)
            .filter(move |v| v.zichtbaar(k))
            .map(|v| &v.feit)
    }

    /// All versions in buckets that may touch valid days [lo, hi], whatever their
    /// knowledge interval (for diff).
    pub fn in_venster(&self, lo: i32, hi: i32) -> impl Iterator<Item = &Versie<T>> + '_ {
        let (jl, jh) = (jaar(lo), jaar(hi));
        self.emmers
            .iter()
            .filter(move |e| e.jaar_van <= jh && e.jaar_tot >= jl)
            .flat_map(|e| e.versies.iter())
    }

    /// Every version.
    pub fn alle(&self) -> impl Iterator<Item = &Versie<T>> + '_ {
        self.emmers.iter().flat_map(|e| e.versies.iter())
    }

    pub fn aantal_versies(&self) -> usize {
        self.emmers.iter().map(|e| e.versies.len()).sum()
    }
}
