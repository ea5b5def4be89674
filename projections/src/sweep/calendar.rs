//! What every part of the sweep shares: the calendar of the series (day → period
//! tables), the fact filters and the difference-array helpers.

use crate::context::Ctx;
use crate::periode::kwartaalnummer;

/// No period contains this day.
pub(crate) const GEEN_P: u32 = u32::MAX;

/// Longest series the day tables are built for (about 550 years); longer ones are
/// computed period by period.
pub(crate) const MAX_DAGEN: i64 = 200_000;

/// Lengths of stay up to this many days go to the histogram, longer ones to a list.
pub(crate) const HISTOGRAM: usize = 4096;

/// Day tables of the series' periods (sorted, non-overlapping, possibly with gaps).
pub(crate) struct Calendar {
    /// First day of the first period.
    pub(crate) t0: i32,
    /// First day after the last period.
    pub(crate) t1: i32,
    pub(crate) n: usize,
    /// Day − t0 → index of the period containing it, `GEEN_P` in a gap.
    pub(crate) per: Vec<u32>,
    /// Day − t0 → number of periods with `van ≤ day`.
    pub(crate) le_van: Vec<u32>,
    /// Day − t0 → number of periods with `tot ≤ day`.
    pub(crate) le_tot: Vec<u32>,
    /// First day of each period.
    pub(crate) van: Vec<i32>,
    /// First day after each period.
    pub(crate) tot: Vec<i32>,
    /// Whether every period begins and ends on the first day of a quarter. Then the
    /// lookups of a day depend only on its quarter (`VersionTable::per_bucket`).
    pub(crate) kwartalen: bool,
}

impl Calendar {
    pub(crate) fn new(ctxs: &[Ctx<'_>]) -> Option<Calendar> {
        let t0 = ctxs.first()?.van;
        let t1 = ctxs.last()?.tot;
        let len = usize::try_from(i64::from(t1) - i64::from(t0) + 1).ok()?;
        if len as i64 > MAX_DAGEN || ctxs.len() >= GEEN_P as usize {
            return None;
        }
        // `per` ends with day t1, which no period contains: the sentinel of `per_van`.
        // The count tables have one entry more on either side: 0 for every day before
        // t0, n (every period) for every day after t1 (`le`).
        let n = ctxs.len();
        let mut per = vec![GEEN_P; len];
        let mut le_van = vec![0u32; len + 2];
        let mut le_tot = vec![0u32; len + 2];
        for (i, c) in ctxs.iter().enumerate() {
            let (a, b) = (
                usize::try_from(c.van - t0).ok()?,
                usize::try_from(c.tot - t0).ok()?,
            );
            per.get_mut(a..b)?.fill(i as u32);
            le_van.get_mut(a + 1..)?.iter_mut().for_each(|x| *x += 1);
            le_tot.get_mut(b + 1..)?.iter_mut().for_each(|x| *x += 1);
        }
        Some(Calendar {
            t0,
            t1,
            n,
            per,
            le_van,
            le_tot,
            van: ctxs.iter().map(|c| c.van).collect(),
            tot: ctxs.iter().map(|c| c.tot).collect(),
            kwartalen: ctxs
                .iter()
                .all(|c| kwartaalbegin(c.van) && kwartaalbegin(c.tot)),
        })
    }

    /// The period containing day `d`.
    #[inline]
    pub(crate) fn per(&self, d: i32) -> Option<usize> {
        let i = self.per_van(d);
        (i < self.n).then_some(i)
    }

    /// The period containing day `d`, or `n` (a spare slot of the tallies) when none
    /// does. Without branches: whether a fact's day falls in the series is as good as
    /// random in a scan (an open end, say), and a mispredicted branch per lookup cost
    /// more than the lookup.
    #[inline]
    pub(crate) fn per_van(&self, d: i32) -> usize {
        let laatste = self.per.len().saturating_sub(1) as i64;
        let x = i64::from(d) - i64::from(self.t0);
        let i = if x < 0 { laatste } else { x.min(laatste) };
        let p = self.per.get(i as usize).copied().unwrap_or(GEEN_P);
        if p == GEEN_P { self.n } else { p as usize }
    }

    /// Number of entries of a non-decreasing count table on or before `d` (exact
    /// outside the days of the table: nothing before the first period starts,
    /// everything after the last ends), without branches.
    #[inline]
    pub(crate) fn le(&self, tabel: &[u32], d: i32) -> usize {
        let laatste = tabel.len().saturating_sub(1) as i64;
        let i = (i64::from(d) - i64::from(self.t0) + 1).clamp(0, laatste);
        tabel.get(i as usize).map_or(self.n, |&x| x as usize)
    }

    /// Number of periods with `van ≤ d`.
    #[inline]
    pub(crate) fn van_le(&self, d: i32) -> usize {
        self.le(&self.le_van, d)
    }

    /// Number of periods with `tot ≤ d`.
    #[inline]
    pub(crate) fn tot_le(&self, d: i32) -> usize {
        self.le(&self.le_tot, d)
    }
}

/// Whether day `d` is the first of its quarter.
pub(crate) fn kwartaalbegin(d: i32) -> bool {
    d > i32::MIN && kwartaalnummer(d - 1) != kwartaalnummer(d)
}

/// The query's filter as the scans ask it, per fact. Without any filter every fact
/// passes, and the scans are compiled once more for that case ([`NoFilter`]): the two
/// table lookups per fact behind `Ctx::past` then cost nothing (a national
/// 40-quarter series asks them some 7 million times).
pub(crate) trait FactFilter: Copy + Send + Sync {
    /// Whether every fact passes (every facility id in a fact comes from `vz_namen`).
    const ALLES: bool;
    /// `Ctx::past`.
    fn past(&self, vz: u32, herkomst: u32) -> bool;
    /// `Ctx::past_locatie`.
    fn locatie(&self, vz: u32) -> bool;
}

/// The filter of a query that has one.
#[derive(Clone, Copy)]
pub(crate) struct QueryFilter<'c, 'a>(pub(crate) &'c Ctx<'a>);

impl FactFilter for QueryFilter<'_, '_> {
    const ALLES: bool = false;
    #[inline]
    fn past(&self, vz: u32, herkomst: u32) -> bool {
        self.0.past(vz, herkomst)
    }
    #[inline]
    fn locatie(&self, vz: u32) -> bool {
        self.0.past_locatie(vz)
    }
}

/// No filter: what `Ctx::past` and `Ctx::past_locatie` answer then, without lookups
/// (every known facility passes, and under `past` a fact without one too).
#[derive(Clone, Copy)]
pub(crate) struct NoFilter {
    pub(crate) voorzieningen: u32,
}

impl FactFilter for NoFilter {
    const ALLES: bool = true;
    #[inline]
    fn past(&self, vz: u32, _herkomst: u32) -> bool {
        vz < self.voorzieningen || vz == crate::feiten::GEEN
    }
    #[inline]
    fn locatie(&self, vz: u32) -> bool {
        vz < self.voorzieningen || vz == crate::feiten::GEEN
    }
}

/// +1 for the periods `a..b` in a difference array (of n + 1 entries; `a`, `b` ≤ n), an
/// empty range adding 0 rather than being skipped by a branch.
#[inline]
pub(crate) fn bereik(diff: &mut [i64], a: usize, b: usize) {
    bereik_n(diff, a, b, 1);
}

/// `bereik`, `n` times.
#[inline]
pub(crate) fn bereik_n(diff: &mut [i64], a: usize, b: usize, n: i64) {
    let x = i64::from(a < b) * n;
    if let Some(d) = diff.get_mut(a) {
        *d += x;
    }
    if let Some(d) = diff.get_mut(b) {
        *d -= x;
    }
}

/// The running sums of a difference array (one value per period).
pub(crate) fn sommen(diff: &[i64], n: usize) -> Vec<i64> {
    diff.iter()
        .take(n)
        .scan(0i64, |s, d| {
            *s += d;
            Some(*s)
        })
        .collect()
}
