//! Disclosure control for callers without person-level access: the cell-key method.
//!
//! Every record a count rests on (a placement, an episode, a CBS trajectory, an
//! authorisation, a signal, a youth) gets a fixed pseudo-random 64-bit
//! **record key**, derived from the record's identity and a server secret
//! ([`RecordKeys`]). A cell's key is the wrapping sum of its records' keys, so it is a
//! function of *which* records are in the cell and of nothing else: not of the period,
//! filter, knowledge time or measure that selected them. The published value is the true
//! count plus a small noise that the [perturbation table](ruis) picks from the count and
//! the cell key. Hence:
//!
//! - the same set of records always gives the same answer: repeating a query, or asking
//!   another way that selects the same records, reveals nothing new and leaves nothing to
//!   average away;
//! - two sets that differ in even one record get independent noise (adding a record adds
//!   a uniform key), so a difference of two published values is the true difference
//!   plus the difference of two independent noises: it is right no more often than
//!   Σ p² ≤ p(0) = 0.5 of the table, and never certainly;
//! - a true zero (no records) stays zero; every other count may be published one or two
//!   higher or lower (never below zero), with mean noise zero in every row.
//!
//! Magnitudes (occupied bed-days) and the statistics of lengths of stay get a
//! proportional noise from the same table and the key of the records under them.
//! Shares are computed from their perturbed numerator and denominator. Capacity, targets
//! and the overbezetting signal (a count of facilities) are facts about facilities, not
//! persons, and stay exact; so does every figure for roles with person-level access. The method and its reasoning are in
//! `docs/privacy.md`.

use sha2::{Digest, Sha256};

use crate::feiten::signaal;
use crate::report::Bescherming;
use crate::report::{Aantal, KpiReport, Kruistabel, Verblijfsduur, Verhouding};

/// Record kinds: the same identity in two kinds gives unrelated keys.
pub(crate) mod soort {
    pub const PLAATSING: u64 = 1;
    pub const EPISODE: u64 = 2;
    pub const TRAJECT: u64 = 3;
    pub const MACHTIGING: u64 = 4;
    pub const SIGNAAL: u64 = 5;
    pub const JEUGDIGE: u64 = 6;
}

/// The keyed function from a record's identity to its record key.
///
/// Four 64-bit words derived from the server secret with SHA-256 key two rounds of a
/// 128-bit multiply-fold mix (the core of wyhash): a few nanoseconds per record, so a
/// query can key every record it counts. Without the secret the keys, and so the noise,
/// cannot be predicted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecordKeys {
    s: [u64; 4],
}

impl std::fmt::Debug for RecordKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the derived secret.
        f.write_str("RecordKeys(..)")
    }
}

#[inline]
fn mum(a: u64, b: u64) -> u64 {
    let r = u128::from(a).wrapping_mul(u128::from(b));
    (r as u64) ^ ((r >> 64) as u64)
}

impl RecordKeys {
    /// Keys derived from a server secret (at least 16 bytes of randomness is the rule;
    /// the caller checks the length).
    pub fn new(geheim: &[u8]) -> RecordKeys {
        let mut h = Sha256::new();
        h.update(b"kringloop cell-key record keys v1\0");
        h.update(geheim);
        let d = h.finalize();
        let mut s = [0u64; 4];
        for (i, w) in s.iter_mut().enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&d[i * 8..i * 8 + 8]);
            // An odd multiplier keeps the mix a bijection in each argument.
            *w = u64::from_le_bytes(b) | 1;
        }
        RecordKeys { s }
    }

    /// The key of a record of kind `soort` identified by `a` and `b`.
    #[inline]
    pub(crate) fn sleutel(&self, soort: u64, a: u64, b: u64) -> u64 {
        let x = mum(a ^ self.s[0] ^ soort.rotate_left(56), b ^ self.s[1]);
        mum(x ^ self.s[2], soort ^ self.s[3])
    }

    /// Key of a fact about a youth: kind, youth, first day and facility.
    #[inline]
    pub(crate) fn feit(&self, soort: u64, jeugdige: u32, begin: i32, voorziening: u32) -> u64 {
        let b = (u64::from(begin as u32) << 32) | u64::from(voorziening);
        self.sleutel(soort, u64::from(jeugdige), b)
    }
}

/// A count and the wrapping sum of its records' keys.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cel {
    pub n: i64,
    pub k: u64,
}

impl Cel {
    #[inline]
    pub fn tel(&mut self, sleutel: u64) {
        self.n += 1;
        self.k = self.k.wrapping_add(sleutel);
    }
    pub fn plus(self, o: Cel) -> Cel {
        Cel {
            n: self.n + o.n,
            k: self.k.wrapping_add(o.k),
        }
    }
}

/// The rows of the perturbation table: (noise, probability). Every row has mean 0; the
/// row for a count of 1 cannot go below −1. `p(0)` is the largest probability, so two
/// independent noises are equal (a difference comes out right) with probability
/// Σ p² ≤ p(0).
pub const RIJ_EEN: [(i64, f64); 4] = [(-1, 0.30), (0, 0.45), (1, 0.20), (2, 0.05)];
pub const RIJ: [(i64, f64); 5] = [(-2, 0.05), (-1, 0.20), (0, 0.50), (1, 0.20), (2, 0.05)];

/// Probability that a count of at least 2 is published unchanged.
pub const KANS_ONVERANDERD: f64 = 0.5;

/// The noise the table gives a count `n` with cell key `k`: the cell key, read as a
/// number in [0, 1), falls in one of the row's cumulative intervals.
pub fn ruis(n: i64, k: u64) -> i64 {
    if n <= 0 {
        return 0;
    }
    let u = (k >> 11) as f64 / (1u64 << 53) as f64;
    let rij: &[(i64, f64)] = if n == 1 { &RIJ_EEN } else { &RIJ };
    let mut acc = 0.0;
    for &(d, p) in rij {
        acc += p;
        if u < acc {
            return d;
        }
    }
    rij.last().map_or(0, |x| x.0)
}

/// A count as published: true value plus the table's noise, never below zero.
pub fn verstoor(c: Cel) -> Aantal {
    Aantal {
        waarde: Some((c.n + ruis(c.n, c.k)).max(0)),
        bescherming: Bescherming::Verstoord,
    }
}

/// Step of the noise on a magnitude: 1 % of it, at least 1.
pub(crate) fn stap(x: f64) -> f64 {
    (x.abs() * 0.01).round().max(1.0)
}

/// A magnitude (bed-days over `c.n` placements keyed `c.k`) as published: plus the
/// table's noise times a step of 1 % of the value (at least 1), never below zero.
pub(crate) fn verstoor_omvang(x: i64, c: Cel) -> Aantal {
    // The same key and row as the count of those placements: bed-days over one day are
    // that day's occupancy, and must read the same.
    let d = ruis(c.n, c.k);
    let v = x as f64 + d as f64 * stap(x as f64);
    Aantal {
        waarde: Some((v.round() as i64).max(0)),
        bescherming: Bescherming::Verstoord,
    }
}

/// A share from a perturbed numerator and denominator. `aandeel`: a proportion, at most 1.
pub(crate) fn verhouding(teller: Aantal, noemer: Aantal, aandeel: bool) -> Verhouding {
    let (t, n) = (teller.waarde.unwrap_or(0), noemer.waarde.unwrap_or(0));
    let w = (n != 0).then(|| t as f64 / n as f64);
    Verhouding {
        teller,
        noemer,
        waarde: if aandeel { w.map(|w| w.min(1.0)) } else { w },
        bescherming: Bescherming::Verstoord,
    }
}

/// Statistics of individual values (mean, median, p90 of lengths of stay) need at least
/// this many records as published: 8, so that from 10 true records on (published at
/// least 8) they always show.
pub const MIN_DUREN: i64 = 8;

/// The key sums of one period's tallies, one per published count (see `kpi.rs`).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct CellKeys {
    pub bezetting: Cel,
    pub bezetting_loc: Cel,
    /// Placements with bed-days in P (LOCATIE).
    pub bezette: Cel,
    pub exclusief: Cel,
    pub door: Cel,
    pub unieke: Cel,
    pub gesloten_starts: Cel,
    pub spoed_starts: Cel,
    pub episodes: [Cel; 4],
    pub trajecten: [Cel; 4],
    pub langverblijvers: Cel,
    pub cohort: Cel,
    pub cohort_door: Cel,
    pub bestemmingen: [Cel; 16],
    pub bekend: Cel,
    pub lichter: Cel,
    pub kort: Cel,
    pub spoed: Cel,
    pub signalen: [Cel; 3],
}

impl CellKeys {
    /// These key sums with the placement ones (occupancy, bed-days, starts, unique
    /// youths, closed and urgent starts) taken from `pl`: the placement table is tallied
    /// apart from the others.
    pub fn met_plaatsingen(self, pl: &CellKeys) -> CellKeys {
        CellKeys {
            bezetting: pl.bezetting,
            bezetting_loc: pl.bezetting_loc,
            bezette: pl.bezette,
            exclusief: pl.exclusief,
            door: pl.door,
            unieke: pl.unieke,
            gesloten_starts: pl.gesloten_starts,
            spoed_starts: pl.spoed_starts,
            ..self
        }
    }
}

fn check(a: &Aantal, c: Cel) -> Aantal {
    debug_assert_eq!(a.waarde, Some(c.n), "tally and key sum disagree");
    verstoor(c)
}

fn stroom(s: &mut crate::report::Stroom, c: &[Cel; 4]) {
    s.begin = check(&s.begin, c[0]);
    s.instroom = check(&s.instroom, c[1]);
    s.uitstroom = check(&s.uitstroom, c[2]);
    s.eind = check(&s.eind, c[3]);
}

/// Mean, median and p90 of lengths of stay: withheld below [`MIN_DUREN`] published
/// records; otherwise each plus the table's noise times 1 % of it (at least a day), from
/// the key of the episodes under them.
fn duren(v: &mut Verblijfsduur, c: Cel) {
    v.aantal = check(&v.aantal, c);
    if v.aantal.waarde.unwrap_or(0) < MIN_DUREN {
        v.gemiddelde = None;
        v.mediaan = None;
        v.p90 = None;
        v.bescherming = Bescherming::Onderdrukt;
        return;
    }
    let d = ruis(c.n, c.k) as f64;
    let ruw = |x: Option<f64>| x.map(|x| (x + d * stap(x)).round().max(0.0));
    v.gemiddelde = ruw(v.gemiddelde);
    v.mediaan = ruw(v.mediaan);
    v.p90 = ruw(v.p90);
    v.bescherming = Bescherming::Verstoord;
}

/// The report as a caller without person-level access sees it: every figure about
/// persons perturbed by the cell-key method; capacity, targets and balance exact.
pub(crate) fn bescherm(
    r: &mut KpiReport,
    s: &CellKeys,
    bezette_dagen: i64,
    levensvatbaarheid: f64,
) {
    let bz = &mut r.bezetting.waarde;
    bz.bezetting = check(&bz.bezetting, s.bezetting);
    let loc = check(&bz.graad.teller, s.bezetting_loc);
    bz.graad = Verhouding {
        noemer: bz.graad.noemer,
        ..verhouding(loc, bz.graad.noemer, false)
    };
    let dagen = verstoor_omvang(bezette_dagen, s.bezette);
    bz.graad_periode = Verhouding {
        noemer: bz.graad_periode.noemer,
        ..verhouding(dagen, bz.graad_periode.noemer, false)
    };
    // The flags follow the published occupancy, or they would give the exact one away.
    let bezet = bz.graad.teller.waarde.unwrap_or(0);
    bz.onder_levensvatbaarheid = bz.graad.waarde.is_some_and(|g| g < levensvatbaarheid);
    bz.overbezet = bz.graad.waarde.is_some_and(|g| g > 1.0) || (bz.plaatsen <= 0 && bezet > 0);

    let pl = &mut r.plaatsingen.waarde;
    pl.exclusief_doorplaatsingen = check(&pl.exclusief_doorplaatsingen, s.exclusief);
    pl.inclusief_doorplaatsingen = check(&pl.inclusief_doorplaatsingen, s.exclusief.plus(s.door));
    r.unieke_jeugdigen.waarde = check(&r.unieke_jeugdigen.waarde, s.unieke);
    r.spoedmachtigingen.waarde = check(&r.spoedmachtigingen.waarde, s.spoed);
    let sa = r.spoedaandeel.waarde;
    r.spoedaandeel.waarde = verhouding(
        check(&sa.teller, s.spoed_starts),
        check(&sa.noemer, s.gesloten_starts),
        true,
    );
    let d = &mut r.doorplaatsingen.waarde;
    d.aantal = check(&d.aantal, s.door);
    d.per_jeugdige = verhouding(d.aantal, r.unieke_jeugdigen.waarde, false);
    d.cohort_365 = verhouding(
        check(&d.cohort_365.teller, s.cohort_door),
        check(&d.cohort_365.noemer, s.cohort),
        true,
    );
    stroom(&mut r.stroom_episodes.waarde, &s.episodes);
    stroom(&mut r.stroom_trajecten.waarde, &s.trajecten);

    let u = &mut r.uitstroom_naar_lichtere_zorg.waarde;
    u.lichter = verhouding(
        check(&u.lichter.teller, s.lichter),
        check(&u.lichter.noemer, s.bekend),
        true,
    );
    let alle = s
        .bestemmingen
        .iter()
        .fold(Cel::default(), |a, &c| a.plus(c));
    tabel_een_kolom(&mut u.bestemmingen, &s.bestemmingen, alle);

    let v = &mut r.verblijfsduur.waarde;
    duren(v, alle);
    v.korter_dan_jaar = verhouding(check(&v.korter_dan_jaar.teller, s.kort), v.aantal, true);
    r.langverblijvers.waarde = check(&r.langverblijvers.waarde, s.langverblijvers);
    // Overbezetting counts facilities, not persons: exact, like capacity.
    let sg = &mut r.signalen.waarde;
    let sig = |soort: u8| s.signalen[usize::from(soort) % 3];
    sg.zonder_machtiging = check(&sg.zonder_machtiging, sig(signaal::ZONDER_MACHTIGING));
    sg.spoedmachtiging_te_lang = check(&sg.spoedmachtiging_te_lang, sig(signaal::SPOED_TE_LANG));
    sg.doorplaatsing = check(&sg.doorplaatsing, sig(signaal::DOORPLAATSING));
}

/// A one-column breakdown (destinations): each row from its own records, the totals from
/// the union; a row total selects the same records as its cell, so it reads the same.
fn tabel_een_kolom(t: &mut Kruistabel, rijen: &[Cel], alle: Cel) {
    for (i, rij) in t.cellen.iter_mut().enumerate() {
        let c = rijen.get(i).copied().unwrap_or_default();
        for cel in rij.iter_mut() {
            *cel = check(cel, c);
        }
        if let Some(rt) = t.rijtotalen.get_mut(i) {
            *rt = check(rt, c);
        }
    }
    for kt in t.kolomtotalen.iter_mut() {
        *kt = check(kt, alle);
    }
    t.totaal = check(&t.totaal, alle);
}

/// A two-way breakdown from the key sums of its cells (row-major, `nk` columns): rows,
/// columns and the grand total are the unions of their cells' records.
pub(crate) fn bescherm_kruistabel(t: &mut Kruistabel, cellen: &[Cel], nk: usize) {
    let mut rijen = vec![Cel::default(); t.rijen.len()];
    let mut kolommen = vec![Cel::default(); t.kolommen.len()];
    let mut alle = Cel::default();
    for (r, rij) in t.cellen.iter_mut().enumerate() {
        for (k, cel) in rij.iter_mut().enumerate() {
            let c = cellen.get(r * nk + k).copied().unwrap_or_default();
            *cel = check(cel, c);
            if let Some(x) = rijen.get_mut(r) {
                *x = x.plus(c);
            }
            if let Some(x) = kolommen.get_mut(k) {
                *x = x.plus(c);
            }
            alle = alle.plus(c);
        }
    }
    for (a, c) in t.rijtotalen.iter_mut().zip(rijen) {
        *a = check(a, c);
    }
    for (a, c) in t.kolomtotalen.iter_mut().zip(kolommen) {
        *a = check(a, c);
    }
    t.totaal = check(&t.totaal, alle);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_have_mean_zero_and_sum_to_one() {
        for rij in [&RIJ_EEN[..], &RIJ[..]] {
            let p: f64 = rij.iter().map(|x| x.1).sum();
            let m: f64 = rij.iter().map(|x| x.0 as f64 * x.1).sum();
            assert!((p - 1.0).abs() < 1e-12, "{p}");
            assert!(m.abs() < 1e-12, "{m}");
        }
    }

    #[test]
    fn noise_follows_the_table() {
        let keys = RecordKeys::new(b"test secret of enough length");
        let mut teller = [0usize; 5];
        let n = 200_000;
        for i in 0..n {
            let k = keys.sleutel(soort::PLAATSING, i, 7);
            teller[(ruis(5, k) + 2) as usize] += 1;
        }
        for (i, &(_, p)) in RIJ.iter().enumerate() {
            let f = teller[i] as f64 / n as f64;
            assert!((f - p).abs() < 0.01, "noise {i}: {f} against {p}");
        }
        assert_eq!(ruis(0, 12345), 0, "a true zero stays zero");
        for i in 0..1000 {
            assert!(ruis(1, keys.sleutel(soort::EPISODE, i, 0)) >= -1);
        }
    }

    #[test]
    fn keys_depend_on_the_secret_and_the_identity() {
        let a = RecordKeys::new(b"secret one, long enough");
        let b = RecordKeys::new(b"secret two, long enough");
        assert_ne!(a.feit(1, 5, 100, 3), b.feit(1, 5, 100, 3));
        assert_ne!(a.feit(1, 5, 100, 3), a.feit(1, 5, 101, 3));
        assert_ne!(a.feit(1, 5, 100, 3), a.feit(2, 5, 100, 3));
        assert_eq!(a.feit(1, 5, 100, 3), a.feit(1, 5, 100, 3));
        assert_eq!(format!("{a:?}"), "RecordKeys(..)");
    }
}
