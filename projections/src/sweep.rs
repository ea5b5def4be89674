//! The series sweep: every period of a series from one pass over each fact table.
//!
//! [`Projection::kpis`](crate::Projection::kpis) answers one period by scanning the facts
//! near it. A 40-quarter series done that way scans ten years of facts 40 times, and even
//! a single pass that visits, per fact, every period the fact spans does work
//! proportional to the length of the stays. Here every fact costs O(1), however many
//! periods it spans:
//!
//! - "in P" figures (instroom, plaatsingen, cohort, exits, …) go to the one period that
//!   contains the date, found in a day → period table;
//! - stock figures ("active at the peildatum", begin and end stocks, langverblijvers,
//!   signals overlapping P) hold for a contiguous range of periods, found with day →
//!   "number of period starts/ends on or before this day" tables and added to a
//!   difference array over the period index;
//! - bed-days go to a difference array over days;
//! - unique youths are one bit per youth and period;
//! - lengths of stay go to a histogram per period (median and p90 are ranks in it);
//! - overbezetting needs, per facility and period, the highest occupancy minus capacity:
//!   the occupancy and capacity at the start of each period come from difference arrays
//!   over the period index; only the changes *inside* a period are events, grouped by
//!   (facility, period) with a counting sort and swept in day order.
//!
//! The rules are exactly those of the per-period scans in `kpi.rs`; the test
//! `tests/reeks.rs` checks that a series equals its periods computed one by one.

use kringloop_events::{Verblijfplaats, Zwaarte};

use crate::bezetting::{KnownChange, Kwartaaltoestand};
use crate::context::Ctx;
use crate::feiten::{
    COLUMN_NONE, COLUMN_SPOED_BIT, Episode, Plaatsing, basis, bestemming_van, vlag,
};
use crate::knowledge::KnowledgeTime;
use crate::periode::{OPEN, kwartaal_begin, kwartaalnummer};
use crate::report::{Aantal, Stroom, Verblijfsduur};
use crate::tally::{EpisodeSom, LANGVERBLIJF, PlaatsingSom, Tellingen};
use crate::versions::{Bucket, Part, Piece};

/// No period contains this day.
const GEEN_P: u32 = u32::MAX;

/// Longest series the day tables are built for (about 550 years); longer ones are
/// computed period by period.
const MAX_DAGEN: i64 = 200_000;

/// Lengths of stay up to this many days go to the histogram, longer ones to a list.
const HISTOGRAM: usize = 4096;

/// Day tables of the series' periods (sorted, non-overlapping, possibly with gaps).
pub(crate) struct Calendar {
    /// First day of the first period.
    pub(crate) t0: i32,
    /// First day after the last period.
    pub(crate) t1: i32,
    pub(crate) n: usize,
    /// Day − t0 → index of the period containing it, `GEEN_P` in a gap.
    per: Vec<u32>,
    /// Day − t0 → number of periods with `van ≤ day`.
    le_van: Vec<u32>,
    /// Day − t0 → number of periods with `tot ≤ day`.
    le_tot: Vec<u32>,
    /// First day of each period.
    van: Vec<i32>,
    /// First day after each period.
    tot: Vec<i32>,
    /// Whether every period begins and ends on the first day of a quarter. Then the
    /// lookups of a day depend only on its quarter (`VersionTable::per_bucket`).
    kwartalen: bool,
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
    fn per_van(&self, d: i32) -> usize {
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
    fn le(&self, tabel: &[u32], d: i32) -> usize {
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
fn kwartaalbegin(d: i32) -> bool {
    d > i32::MIN && kwartaalnummer(d - 1) != kwartaalnummer(d)
}

/// The query's filter as the scans ask it, per fact. Without any filter every fact
/// passes, and the scans are compiled once more for that case ([`NoFilter`]): the two
/// table lookups per fact behind `Ctx::past` then cost nothing (a national
/// 40-quarter series asks them some 7 million times).
trait FactFilter: Copy + Send + Sync {
    /// Whether every fact passes (every facility id in a fact comes from `vz_namen`).
    const ALLES: bool;
    /// `Ctx::past`.
    fn past(&self, vz: u32, herkomst: u32) -> bool;
    /// `Ctx::past_locatie`.
    fn locatie(&self, vz: u32) -> bool;
}

/// The filter of a query that has one.
#[derive(Clone, Copy)]
struct QueryFilter<'c, 'a>(&'c Ctx<'a>);

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
struct NoFilter {
    voorzieningen: u32,
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
fn bereik(diff: &mut [i64], a: usize, b: usize) {
    bereik_n(diff, a, b, 1);
}

/// `bereik`, `n` times.
#[inline]
fn bereik_n(diff: &mut [i64], a: usize, b: usize, n: i64) {
    let x = i64::from(a < b) * n;
    if let Some(d) = diff.get_mut(a) {
        *d += x;
    }
    if let Some(d) = diff.get_mut(b) {
        *d -= x;
    }
}

/// The running sums of a difference array (one value per period).
fn sommen(diff: &[i64], n: usize) -> Vec<i64> {
    diff.iter()
        .take(n)
        .scan(0i64, |s, d| {
            *s += d;
            Some(*s)
        })
        .collect()
}

/// Begin stock, instroom, uitstroom and end stock of intervals, per period.
struct StroomTeller {
    begin: Vec<i64>,
    eind: Vec<i64>,
    instroom: Vec<i64>,
    uitstroom: Vec<i64>,
}

impl StroomTeller {
    fn new(n: usize) -> StroomTeller {
        StroomTeller {
            begin: vec![0; n + 1],
            eind: vec![0; n + 1],
            // A spare slot n for facts outside the series (`Calendar::per_van`).
            instroom: vec![0; n + 1],
            uitstroom: vec![0; n + 1],
        }
    }

    /// The rules of `Ctx::tel_stroom`: in the begin stock of P when s < van ≤ t, in the
    /// end stock when s < tot ≤ t, instroom when s ∈ P, uitstroom when t ∈ P.
    #[inline]
    fn tel(&mut self, kal: &Calendar, s: i32, t: i32) {
        self.tel_n(kal, s, t, 1);
    }

    /// `tel`, `x` times.
    #[inline]
    fn tel_n(&mut self, kal: &Calendar, s: i32, t: i32, x: i64) {
        bereik_n(&mut self.begin, kal.van_le(s), kal.van_le(t), x);
        bereik_n(&mut self.eind, kal.tot_le(s), kal.tot_le(t), x);
        // (An open end, `OPEN`, lies after every period: slot n.)
        if let Some(i) = self.instroom.get_mut(kal.per_van(s)) {
            *i += x;
        }
        if let Some(u) = self.uitstroom.get_mut(kal.per_van(t)) {
            *u += x;
        }
    }

    fn stromen(&self, n: usize) -> Vec<Stroom> {
        let (b, e) = (sommen(&self.begin, n), sommen(&self.eind, n));
        (0..n)
            .map(|i| Stroom {
                begin: Aantal::van(b[i]),
                instroom: Aantal::van(self.instroom[i]),
                uitstroom: Aantal::van(self.uitstroom[i]),
                eind: Aantal::van(e[i]),
            })
            .collect()
    }
}

/// Lengths of stay of one period.
#[derive(Clone)]
struct Duren {
    histogram: Vec<u32>,
    /// Lengths outside the histogram.
    overig: Vec<i32>,
    n: i64,
    som: i64,
}

impl Duren {
    fn new() -> Duren {
        Duren {
            histogram: Vec::new(),
            overig: Vec::new(),
            n: 0,
            som: 0,
        }
    }

    #[inline]
    fn push(&mut self, d: i32) {
        self.n += 1;
        self.som += i64::from(d);
        match usize::try_from(d) {
            Ok(i) if i < HISTOGRAM => {
                if self.histogram.is_empty() {
                    self.histogram = vec![0; HISTOGRAM];
                }
                self.histogram[i] += 1;
            }
            _ => self.overig.push(d),
        }
    }

    /// The `r`-th smallest length (0-based); `overig` sorted.
    fn rang(&self, r: usize) -> i32 {
        let negatief = self.overig.partition_point(|&d| d < 0);
        if r < negatief {
            return self.overig[r];
        }
        let mut r = r - negatief;
        for (d, &c) in self.histogram.iter().enumerate() {
            if r < c as usize {
                return d as i32;
            }
            r -= c as usize;
        }
        self.overig.get(negatief + r).copied().unwrap_or(0)
    }

    /// The same figures as `kpi::verblijfsduur` over the sorted list of lengths.
    fn verblijfsduur(mut self) -> Verblijfsduur {
        self.overig.sort_unstable();
        let n = usize::try_from(self.n).unwrap_or(0);
        if n == 0 {
            return crate::tally::verblijfsduur(Vec::new());
        }
        let mediaan = if n % 2 == 1 {
            f64::from(self.rang(n / 2))
        } else {
            (f64::from(self.rang(n / 2 - 1)) + f64::from(self.rang(n / 2))) / 2.0
        };
        let p90 = f64::from(self.rang((n * 9).div_ceil(10).saturating_sub(1).min(n - 1)));
        let kort: i64 = self
            .histogram
            .iter()
            .take(365)
            .map(|&c| i64::from(c))
            .sum::<i64>()
            + self.overig.iter().filter(|&&d| d < 365).count() as i64;
        Verblijfsduur {
            aantal: Aantal::van(self.n),
            gemiddelde: Some(self.som as f64 / n as f64),
            mediaan: Some(mediaan),
            p90: Some(p90),
            korter_dan_jaar: crate::report::Verhouding::van(kort, self.n),
            bescherming: crate::report::Bescherming::Geen,
        }
    }
}

/// Per period, a placement change at one facility packed in 8 bytes: facility (high 32
/// bits), day − first day of the period (31 bits), start (+1) or end (−1) in the low bit.
type Plaatsingwijziging = u64;

/// A capacity change: (facility, day, change).
type Capwijziging = (u32, i32, i32);

/// Occupancy and capacity per facility, swept in day order across the periods, for
/// overbezetting.
struct Bezet {
    n: usize,
    f: usize,
    /// Per period: the changes on its days; a change before the first period or in a
    /// gap between periods is put on the first day of the next period (only the state
    /// on the days of a period is looked at).
    plaatsingen: Vec<Vec<Plaatsingwijziging>>,
    cap: Vec<Vec<Capwijziging>>,
}

impl Bezet {
    fn new(f: usize, n: usize) -> Bezet {
        Bezet {
            n,
            f,
            plaatsingen: vec![Vec::new(); n],
            cap: vec![Vec::new(); n],
        }
    }

    /// The period containing `d` or, before the series or in a gap, the next one (the
    /// first with tot > d), and the day the change counts on.
    #[inline]
    fn periode(kal: &Calendar, d: i32) -> Option<(usize, i32)> {
        let i = kal.tot_le(d);
        kal.van.get(i).map(|&van| (i, d.max(van)))
    }

    #[inline]
    fn plaatsing_wijziging(&mut self, kal: &Calendar, vz: u32, d: i32, start: bool) {
        if let Some((i, dag)) = Self::periode(kal, d)
            && let Some(l) = self.plaatsingen.get_mut(i)
        {
            let verschil = (dag - kal.van[i]) as u64 & 0x7FFF_FFFF;
            l.push((u64::from(vz) << 32) | (verschil << 1) | u64::from(start));
        }
    }

    /// A placement [s, e) of facility `vz` that passes the LOCATIE filter.
    #[inline]
    fn plaatsing(&mut self, kal: &Calendar, vz: u32, s: i32, e: i32) {
        if s >= e || e <= kal.t0 || s >= kal.t1 {
            return;
        }
        self.plaatsing_wijziging(kal, vz, s, true);
        if e != OPEN {
            self.plaatsing_wijziging(kal, vz, e, false);
        }
    }

    /// A capacity change of facility `vz` on day `d`.
    #[inline]
    fn capaciteit(&mut self, kal: &Calendar, vz: u32, d: i32, delta: i32) {
        if let Some((i, dag)) = Self::periode(kal, d)
            && let Some(l) = self.cap.get_mut(i)
        {
            l.push((vz, dag, delta));
        }
    }

    /// Per period: facilities with a day in it on which more placements are active than
    /// there are places, and with a placement active in it at all (`Ctx::overbezetting`).
    fn tel(self, kal: &Calendar, mee: &[bool]) -> Vec<i64> {
        let Bezet {
            n,
            f,
            plaatsingen,
            cap: cap_wijzigingen,
        } = self;
        let mut uit = vec![0i64; n];
        // Occupancy and capacity of each facility after the changes swept so far.
        let mut bezetting = vec![0i64; f];
        let mut cap = vec![0i64; f];
        let mut begin = vec![0usize; f + 1];
        let mut gesorteerd: Vec<(i32, i32, i32)> = Vec::new();
        for (i, ((lijst, caps), telling)) in plaatsingen
            .into_iter()
            .zip(cap_wijzigingen)
            .zip(uit.iter_mut())
            .enumerate()
        {
            let van = kal.van.get(i).copied().unwrap_or(OPEN);
            // Counting sort of this period's changes by facility.
            begin.iter_mut().for_each(|b| *b = 0);
            let vz_van = |w: u64| (w >> 32) as usize;
            for &w in &lijst {
                if let Some(b) = begin.get_mut(vz_van(w) + 1) {
                    *b += 1;
                }
            }
            for c in &caps {
                if let Some(b) = begin.get_mut(c.0 as usize + 1) {
                    *b += 1;
                }
            }
            for v in 0..f {
                begin[v + 1] += begin[v];
            }
            gesorteerd.clear();
            gesorteerd.resize(lijst.len() + caps.len(), (0, 0, 0));
            let mut plek = begin.clone();
            for &w in &lijst {
                if let Some(p) = plek.get_mut(vz_van(w)) {
                    let dag = van + ((w >> 1) & 0x7FFF_FFFF) as i32;
                    gesorteerd[*p] = (dag, if w & 1 == 1 { 1 } else { -1 }, 0);
                    *p += 1;
                }
            }
            for &(vz, dag, delta) in &caps {
                if let Some(p) = plek.get_mut(vz as usize) {
                    gesorteerd[*p] = (dag, 0, delta);
                    *p += 1;
                }
            }
            for vz in 0..f {
                let w = &mut gesorteerd[begin[vz]..begin[vz + 1]];
                let (b, c) = (&mut bezetting[vz], &mut cap[vz]);
                if w.is_empty() && *b <= 0 {
                    continue;
                }
                if w.len() > 1 {
                    w.sort_unstable_by_key(|x| x.0);
                }
                if overbezet_in(&mut Lijst { w, k: 0 }, van, i32::MAX, b, c)
                    && mee.get(vz).copied().unwrap_or(false)
                {
                    *telling += 1;
                }
            }
        }
        uit
    }
}

/// Whether a facility is occupied on some day of a period and over capacity on some day
/// of it (the rule of `Ctx::overbezetting`), from its changes `w` (in day order; those
/// before `van` already applied) up to `tot`. `b` and `c` are the occupancy and capacity
/// carried into the period and are left at its end. Both sweeps use it: the one over the
/// occupancy log and the one over changes gathered per period (`Bezet::tel`).
#[inline]
fn overbezet_in(w: &mut impl Wijzigingsbron, van: i32, tot: i32, b: &mut i64, c: &mut i64) -> bool {
    let (bezet, over) = toestand_in(w, van, tot, b, c);
    bezet & over
}

/// The two halves of [`overbezet_in`]: whether the facility is occupied on some day of
/// [van, tot), and whether it is over capacity on some day of it.
#[inline]
fn toestand_in(
    w: &mut impl Wijzigingsbron,
    van: i32,
    tot: i32,
    b: &mut i64,
    c: &mut i64,
) -> (bool, bool) {
    // The state carried over holds on day `van` unless some change falls on that day;
    // then the state at the end of each day with a change, without branches on the data:
    // whether the next change falls on another day is as good as random.
    let vrij = w.dag() > van;
    let (mut bezet, mut over) = (vrij & (*b > 0), vrij & (*b > *c));
    while w.dag() < tot {
        let d = w.neem(b, c);
        let einde_dag = w.dag() != d;
        bezet |= einde_dag & (*b > 0);
        over |= einde_dag & (*b > *c);
    }
    (bezet, over)
}

/// A facility's [`Kwartaaltoestand`] from its log of now (`occ`) and its capacity
/// changes now (`cap`, sorted by day): every quarter from that of its first change to
/// that of its last, then the state after the last change.
pub(crate) fn kwartaaltoestand(occ: &[(i32, i32)], cap: &[(u32, i32, i32)]) -> Kwartaaltoestand {
    let (Some(eerste), Some(laatste)) = (occ.first(), occ.last()) else {
        // Never occupied: never overbezet.
        return Kwartaaltoestand::default();
    };
    let van = eerste.0.min(cap.first().map_or(i32::MAX, |c| c.1));
    let tot = laatste.0.max(cap.last().map_or(i32::MIN, |c| c.1));
    let (q0, q1) = (kwartaalnummer(van), kwartaalnummer(tot));
    let mut w = Wijzigingen::new(occ, cap, ());
    let (mut b, mut c) = (0i64, 0i64);
    let mut begin = Vec::with_capacity(usize::try_from(q1 - q0).unwrap_or(0) + 1);
    let bits = (q0..=q1)
        .map(|q| {
            begin.push(b);
            let (bezet, over) = toestand_in(
                &mut w,
                kwartaal_begin(q),
                kwartaal_begin(q.saturating_add(1)),
                &mut b,
                &mut c,
            );
            u8::from(bezet) | (u8::from(over) << 1)
        })
        .collect();
    // Any change left (only past the last quarter number) is taken here.
    while !w.op() {
        w.neem(&mut b, &mut c);
    }
    Kwartaaltoestand {
        q0,
        bits,
        staart: u8::from(b > 0) | (u8::from(b > c) << 1),
        begin,
        eind: b,
    }
}

/// Changes in day order, read one by one.
trait Wijzigingsbron {
    /// The day of the next change, `i32::MAX` when none is left.
    fn dag(&self) -> i32;
    /// Applies the next change to occupancy `b` and capacity `c`; returns its day.
    fn neem(&mut self, b: &mut i64, c: &mut i64) -> i32;
}

/// One period's changes (day, occupancy change, capacity change), sorted by day.
struct Lijst<'w> {
    w: &'w [(i32, i32, i32)],
    k: usize,
}

impl Wijzigingsbron for Lijst<'_> {
    #[inline]
    fn dag(&self) -> i32 {
        self.w.get(self.k).map_or(i32::MAX, |x| x.0)
    }

    #[inline]
    fn neem(&mut self, b: &mut i64, c: &mut i64) -> i32 {
        let Some(&(d, db, dc)) = self.w.get(self.k) else {
            return i32::MAX;
        };
        *b += i64::from(db);
        *c += i64::from(dc);
        self.k += 1;
        d
    }
}

/// Per facility: whether its placements count for occupancy (`Ctx::past_locatie`).
fn mee(p: &crate::Projection, z: impl FactFilter) -> Vec<bool> {
    (0..p.vz_namen.len()).map(|v| z.locatie(v as u32)).collect()
}

/// Overbezetting per period from the fold's occupancy log (`Bezettingslog`): per
/// facility in `mee`, its occupancy and capacity changes merged in day order; a change
/// before a period (or in a gap) counts from its first day on. At a K after the last
/// recorded change the log of the versions visible now serves as it is; at an earlier K
/// the facility's changes recorded at or before K are netted per day first.
/// Only the facilities in `vzs` are counted (a part of the series takes each half).
fn overbezetting_uit_log(
    c0: &Ctx<'_>,
    kal: &Calendar,
    mee: &[bool],
    vzs: std::ops::Range<usize>,
) -> Vec<i64> {
    let p = c0.p;
    let nu = p.jt.plaatsingen.only_open_visible(c0.known_at);
    let mut uit = vec![0i64; kal.n];
    let doet_mee = |vz: usize| vzs.contains(&vz) && mee.get(vz).copied().unwrap_or(false);
    // Quarters, with the facilities' quarter states of now up to date.
    let vlaggen = kal.kwartalen && p.kwartaalvlaggen.bij(&p.jt.bezetting);
    let kwartalen: Vec<(i16, i16)> = if vlaggen {
        kal.van
            .iter()
            .zip(&kal.tot)
            .map(|(&v, &t)| (kwartaalnummer(v), kwartaalnummer(t)))
            .collect()
    } else {
        Vec::new()
    };
    if vlaggen && nu && p.capaciteit.only_open_visible(c0.known_at) {
        // At K = now the quarter states say it.
        for vz in vzs.clone().filter(|&vz| doet_mee(vz)) {
            let Some(t) = p.kwartaalvlaggen.van(vz as u32) else {
                continue;
            };
            if t.bits.is_empty() && t.staart == 0 {
                continue;
            }
            for (telling, &(qa, qb)) in uit.iter_mut().zip(&kwartalen) {
                *telling += i64::from(t.overbezet(qa, qb));
            }
        }
        return uit;
    }
    // The position of the last event recorded at or before K (positions and recorded
    // times rise together).
    let last_known_pos = u32::try_from(p.prefix(c0.known_at).1).unwrap_or(u32::MAX);
    let capaciteit = |known_at: KnowledgeTime| {
        let mut caps: Vec<(u32, i32, i32)> = p
            .capaciteit
            .visible(known_at, i32::MIN, kal.t1)
            .filter(|c| doet_mee(c.voorziening as usize))
            .map(|c| (c.voorziening, c.datum, c.delta))
            .collect();
        caps.sort_unstable();
        caps
    };
    let caps = capaciteit(c0.known_at);
    // At a past K, the capacity now beside it: where the two agree, and no change made
    // after K falls, the occupancy state at K is that of now.
    let caps_nu = if vlaggen && !nu {
        capaciteit(KnowledgeTime::LATEST)
    } else {
        Vec::new()
    };
    let van_vz = |caps: &[(u32, i32, i32)], vz: usize| -> std::ops::Range<usize> {
        let a = caps.partition_point(|c| (c.0 as usize) < vz);
        a..a + caps[a..].partition_point(|c| c.0 as usize == vz)
    };
    let leeg = Kwartaaltoestand::default();
    for vz in vzs.clone().filter(|&vz| doet_mee(vz)) {
        let cap = &caps[van_vz(&caps, vz)];
        if nu {
            let occ = p.jt.bezetting.van(vz as u32);
            if !occ.is_empty() {
                tel_overbezet(Wijzigingen::new(occ, cap, ()), &kal.van, &kal.tot, &mut uit);
            }
            continue;
        }
        let occ = p.jt.bezetting.known_until(vz as u32, last_known_pos);
        if occ.is_empty() {
            continue;
        }
        if vlaggen {
            let nu_toestand = p.kwartaalvlaggen.van(vz as u32).unwrap_or(&leeg);
            let eerste_na = p.jt.bezetting.eerste_dag_na(vz as u32, last_known_pos);
            let cap_nu = &caps_nu[van_vz(&caps_nu, vz)];
            let voor_k = VoorK {
                nu: nu_toestand,
                occ,
                cap,
                cap_nu,
                eerste_na,
                last_known_pos,
            };
            voor_k.tel(&kwartalen, &kal.van, &kal.tot, &mut uit);
        } else {
            tel_overbezet(
                Wijzigingen::new(occ, cap, last_known_pos),
                &kal.van,
                &kal.tot,
                &mut uit,
            );
        }
    }
    uit
}

/// One facility at a past K, over quarters: up to the first day on which its state at
/// K can differ from its state now (a change made after K, or a capacity change
/// visible at only one of the two), the quarter states of now say it; from that day's
/// quarter on the bitemporal log is walked, starting from the occupancy of now at that
/// quarter's start (the same at K: no change before it was made after K). A national
/// series as known in mid-2023 walks a year or two of each facility's log that way,
/// instead of everything up to K.
struct VoorK<'a> {
    nu: &'a Kwartaaltoestand,
    /// The facility's changes that can count at K (`Bezettingslog::known_until`).
    occ: &'a [KnownChange],
    /// Its capacity changes visible at K and now, sorted.
    cap: &'a [(u32, i32, i32)],
    cap_nu: &'a [(u32, i32, i32)],
    /// `Bezettingslog::eerste_dag_na`.
    eerste_na: Option<i32>,
    last_known_pos: u32,
}

impl VoorK<'_> {
    /// +1 in `uit` for each period (`van`, `tot`; quarter numbers `kwartalen`) in which
    /// the facility is overbezet at K.
    fn tel(&self, kwartalen: &[(i16, i16)], van: &[i32], tot: &[i32], uit: &mut [i64]) {
        let (cap, cap_nu) = (self.cap, self.cap_nu);
        // The first capacity change that differs between K and now.
        let i = cap.iter().zip(cap_nu).take_while(|(a, b)| a == b).count();
        let cap_anders = [cap.get(i), cap_nu.get(i)]
            .into_iter()
            .flatten()
            .map(|c| c.1)
            .min();
        let qx = self
            .eerste_na
            .into_iter()
            .chain(cap_anders)
            .min()
            .map_or(i16::MAX, kwartaalnummer);
        let xq = kwartaal_begin(qx);
        let mut sweep: Option<(Wijzigingen<'_, KnownChange>, i64, i64)> = None;
        for ((&(qa, qb), telling), (&van, &tot)) in kwartalen
            .iter()
            .zip(uit.iter_mut())
            .zip(van.iter().zip(tot))
        {
            let mut bits = if qa < qx {
                self.nu.bits(qa, qb.min(qx))
            } else {
                0
            };
            if qb > qx {
                let (w, b, c) = sweep.get_or_insert_with(|| {
                    let s = self.occ.partition_point(|e| e.0 < xq);
                    let cs = cap.partition_point(|e| e.1 < xq);
                    let c = cap[..cs].iter().map(|e| i64::from(e.2)).sum();
                    (
                        Wijzigingen::new(&self.occ[s..], &cap[cs..], self.last_known_pos),
                        self.nu.bezetting_bij(qx),
                        c,
                    )
                });
                let van = van.max(xq);
                while w.dag() < van {
                    w.neem(b, c);
                }
                if w.op() {
                    // Every change read: the state holds to the end of the series.
                    if *b <= 0 && bits == 0 {
                        break;
                    }
                    bits |= u8::from(*b > 0) | (u8::from(*b > *c) << 1);
                } else {
                    let (bezet, over) = toestand_in(w, van, tot, b, c);
                    bits |= u8::from(bezet) | (u8::from(over) << 1);
                }
            }
            *telling += i64::from(bits == 3);
        }
    }
}

/// +1 in `uit` for each period (`van`, `tot`: sorted, non-overlapping) in which the
/// facility of `w` is occupied on some day and over capacity on some day.
fn tel_overbezet<O: Bezettingswijziging>(
    mut w: Wijzigingen<'_, O>,
    van: &[i32],
    tot: &[i32],
    uit: &mut [i64],
) {
    let (mut b, mut c) = (0i64, 0i64);
    for ((&van, &tot), telling) in van.iter().zip(tot).zip(uit.iter_mut()) {
        while w.dag() < van {
            w.neem(&mut b, &mut c);
        }
        if w.op() && b <= 0 {
            // No change left and nobody placed: never occupied again.
            break;
        }
        *telling += i64::from(overbezet_in(&mut w, van, tot, &mut b, &mut c));
    }
}

/// An occupancy change of the log: (day, change) of the versions visible now, or
/// (day, change, event position) of the bitemporal log, which counts at K = `Self::K`
/// (the position of the last event recorded at or before K) only if made at or before it.
trait Bezettingswijziging: Copy {
    type K: Copy;
    fn dag(&self) -> i32;
    fn verschil(&self, k: Self::K) -> i32;
}

impl Bezettingswijziging for (i32, i32) {
    type K = ();
    #[inline]
    fn dag(&self) -> i32 {
        self.0
    }
    #[inline]
    fn verschil(&self, _: ()) -> i32 {
        self.1
    }
}

impl Bezettingswijziging for KnownChange {
    type K = u32;
    #[inline]
    fn dag(&self) -> i32 {
        self.0
    }
    /// A change made after K counts 0 (the sweep takes several changes on one day, so it
    /// need not be left out); without a branch: positions are as good as random here.
    #[inline]
    fn verschil(&self, k: u32) -> i32 {
        self.1 * i32::from(self.2 <= k)
    }
}

/// One facility's occupancy changes (from the log) and capacity changes, read in one
/// day order without copying them into one list (a national series copied some
/// 3 million changes that way).
struct Wijzigingen<'w, O: Bezettingswijziging> {
    occ: &'w [O],
    cap: &'w [(u32, i32, i32)],
    i: usize,
    j: usize,
    k: O::K,
}

impl<'w, O: Bezettingswijziging> Wijzigingen<'w, O> {
    fn new(occ: &'w [O], cap: &'w [(u32, i32, i32)], k: O::K) -> Self {
        Wijzigingen {
            occ,
            cap,
            i: 0,
            j: 0,
            k,
        }
    }

    /// Whether every change is read.
    #[inline]
    fn op(&self) -> bool {
        self.i >= self.occ.len() && self.j >= self.cap.len()
    }
}

impl<O: Bezettingswijziging> Wijzigingsbron for Wijzigingen<'_, O> {
    #[inline]
    fn dag(&self) -> i32 {
        let o = self.occ.get(self.i).map_or(i32::MAX, O::dag);
        let c = self.cap.get(self.j).map_or(i32::MAX, |x| x.1);
        o.min(c)
    }

    /// Occupancy first on a day with both; the order within a day does not matter.
    #[inline]
    fn neem(&mut self, b: &mut i64, c: &mut i64) -> i32 {
        let o = self.occ.get(self.i).copied();
        let k = self.cap.get(self.j).copied();
        if let Some(x) = o
            && k.is_none_or(|k| x.dag() <= k.1)
        {
            *b += i64::from(x.verschil(self.k));
            self.i += 1;
            x.dag()
        } else if let Some((_, d, dc)) = k {
            *c += i64::from(dc);
            self.j += 1;
            d
        } else {
            i32::MAX
        }
    }
}

/// Number of distinct youths in each list, with one bitmap over all youths (small enough
/// to stay in the cache) used for one period at a time.
fn uniek(lijsten: &[Vec<u32>], jeugdigen: usize) -> Vec<i64> {
    let mut bits = vec![0u64; jeugdigen.div_ceil(64)];
    lijsten
        .iter()
        .map(|l| {
            let mut n = 0;
            for &j in l {
                if let Some(w) = bits.get_mut(j as usize / 64) {
                    let bit = 1u64 << (j % 64);
                    n += i64::from(*w & bit == 0);
                    *w |= bit;
                }
            }
            for &j in l {
                if let Some(w) = bits.get_mut(j as usize / 64) {
                    *w = 0;
                }
            }
            n
        })
        .collect()
}

/// The placement tallies of a series (see `plaatsingen`).
struct PlaatsingTeller {
    /// Active at the peildatum, per period (difference arrays): with the filter on
    /// origin and on location.
    bez: Vec<i64>,
    bez_loc: Vec<i64>,
    /// Active placements per day (difference array over the days of the series).
    dagen: Vec<i64>,
    /// Bed-days per period beside `dagen` (whole buckets, slot n outside the series).
    dagen_los: Vec<i64>,
    /// Slot n takes the starts outside the series (and, for `jeugdigen`, those that
    /// count for no youth), so that the tallies need no branch on data that is as good
    /// as random (see `Calendar::per_van`).
    som: Vec<PlaatsingSom>,
    jeugdigen: Vec<Vec<u32>>,
    /// Occupancy changes, unless overbezetting comes from the log.
    bezet: Option<Bezet>,
    /// Closed care (`Ctx::dicht`) per facility, looked up once instead of per
    /// placement; one entry more (0) for `COLUMN_NONE`.
    dicht: Vec<i64>,
}

impl PlaatsingTeller {
    /// One visible placement.
    #[inline]
    fn een(&mut self, kal: &Calendar, z: impl FactFilter, pl: &Plaatsing) {
        let n = kal.n;
        // (Branches on the filter are well predicted: without one every fact passes,
        // with one most fail.)
        let loc = z.locatie(pl.voorziening);
        let past = z.past(pl.voorziening, pl.herkomst);
        if !loc && !past {
            return;
        }
        let (s, e) = (pl.begin, pl.eind);
        // Active at the peildatum tot_i: s ≤ tot_i < e.
        let (a, b) = (
            kal.tot_le(s.saturating_sub(1)),
            kal.tot_le(e.saturating_sub(1)),
        );
        if loc {
            bereik(&mut self.bez_loc, a, b);
            let (x, y) = (s.max(kal.t0), e.min(kal.t1));
            if x < y {
                self.dagen[(x - kal.t0) as usize] += 1;
                self.dagen[(y - kal.t0) as usize] -= 1;
            }
            if let Some(bezet) = &mut self.bezet {
                bezet.plaatsing(kal, pl.voorziening, s, e);
            }
        }
        if !past {
            return;
        }
        bereik(&mut self.bez, a, b);
        let i = kal.per_van(s);
        let Some(t) = self.som.get_mut(i) else {
            return;
        };
        let v = pl.vlaggen;
        t.exclusief += i64::from(v & vlag::EPISODESTART != 0);
        t.door += i64::from(v & vlag::DOOR != 0);
        let telt = v & (vlag::EPISODESTART | vlag::DOOR) != 0;
        if let Some(l) = self.jeugdigen.get_mut(if telt { i } else { n }) {
            l.push(pl.jeugdige);
        }
        let gesloten = self
            .dicht
            .get(pl.voorziening as usize)
            .copied()
            .unwrap_or(0)
            & i64::from(v & vlag::AMBULANT == 0 && v & vlag::EPISODESTART != 0);
        t.gesloten_starts += gesloten;
        t.spoed_starts += gesloten & i64::from(pl.basis == basis::SPOED);
    }

    /// A whole open bucket of a series without filter over quarter-aligned periods
    /// (`VersionTable::per_whole`): its versions begin in one quarter [Qb, …) and end in one
    /// quarter [Qe, …), so a period lookup of a begin or end is that of the quarter's
    /// first day, except for the peildatum, which tells a begin (end) on Qb (Qe) itself
    /// apart (`tot_le(s − 1)`). Bed-days: [s, e) = [Qb, Qe) − [Qb, s) + [Qe, e), the last
    /// two inside one quarter each, so inside one period: Σ s and Σ e give them.
    fn whole_bucket(&mut self, kal: &Calendar, e: &Bucket<Plaatsing>) {
        let x = e.live_count();
        let t = e.sum;
        let (qb, qe) = (e.begin_quarter_day, e.end_quarter_day);
        for diff in [&mut self.bez, &mut self.bez_loc] {
            let mut plus = |i: usize, d: i64| {
                if let Some(v) = diff.get_mut(i) {
                    *v += d;
                }
            };
            plus(kal.tot_le(qb), x - t.begin_op_kwartaaldag);
            plus(kal.tot_le(qb.saturating_sub(1)), t.begin_op_kwartaaldag);
            plus(kal.tot_le(qe), -(x - t.eind_op_kwartaaldag));
            plus(kal.tot_le(qe.saturating_sub(1)), -t.eind_op_kwartaaldag);
        }
        // Some day of the bucket lies in [t0, t1): it begins before t1 and ends on or
        // after t0 (all quarter days).
        if qb < kal.t1 && qe >= kal.t0 {
            let (van, tot) = (qb.max(kal.t0), qe.min(kal.t1));
            self.dagen[(van - kal.t0) as usize] += x;
            self.dagen[(tot - kal.t0) as usize] -= x;
            // Slot n when the quarter lies outside the series.
            if let Some(d) = self.dagen_los.get_mut(kal.per_van(qb)) {
                *d -= t.begin - x * i64::from(qb);
            }
            if let Some(d) = self.dagen_los.get_mut(kal.per_van(qe)) {
                *d += t.eind - x * i64::from(qe);
            }
        }
        if let Some(bezet) = &mut self.bezet {
            for pl in e.live() {
                bezet.plaatsing(kal, pl.voorziening, pl.begin, pl.eind);
            }
        }
        let i = kal.per_van(qb);
        let (Some(som), Some(jeugdigen)) = (self.som.get_mut(i), self.jeugdigen.get_mut(i)) else {
            return;
        };
        som.exclusief += t.episodestarts;
        som.door += t.door;
        let geen = self.dicht.len() - 1;
        for k in e.column.iter() {
            if k.jeugdige != COLUMN_NONE {
                jeugdigen.push(k.jeugdige);
            }
            let vz = ((k.voorziening & !COLUMN_SPOED_BIT) as usize).min(geen);
            let gesloten = self.dicht.get(vz).copied().unwrap_or(0);
            som.gesloten_starts += gesloten;
            som.spoed_starts += gesloten & i64::from(k.voorziening >> 31);
        }
    }
}

/// Placement figures of every period, and overbezetting unless `uit_log` (then the
/// caller reads it from the fold's occupancy log, `overbezetting_uit_log`, in parallel).
fn plaatsingen<Z: FactFilter>(
    c0: &Ctx<'_>,
    kal: &Calendar,
    z: Z,
    uit_log: bool,
) -> (Vec<PlaatsingSom>, Option<Vec<i64>>) {
    let p = c0.p;
    let n = kal.n;
    let lengte = (kal.t1 - kal.t0) as usize + 1;
    let mut t = PlaatsingTeller {
        bez: vec![0; n + 1],
        bez_loc: vec![0; n + 1],
        dagen: vec![0; lengte + 1],
        dagen_los: vec![0; n + 1],
        som: vec![PlaatsingSom::default(); n + 1],
        jeugdigen: vec![Vec::new(); n + 1],
        bezet: (!uit_log).then(|| Bezet::new(p.vz_namen.len(), n)),
        dicht: (0..=p.vz_namen.len())
            .map(|v| i64::from(c0.dicht(v as u32)))
            .collect(),
    };
    if Z::ALLES && kal.kwartalen {
        p.jt.plaatsingen
            .per_whole(c0.known_at, kal.t0 - 1, kal.t1, |g| match g {
                Part::Whole(e) => t.whole_bucket(kal, e),
                Part::Single(pl) => t.een(kal, z, pl),
            });
    } else if Z::ALLES {
        p.jt.plaatsingen
            .visible(c0.known_at, kal.t0 - 1, kal.t1)
            .for_each(|pl| t.een(kal, z, pl));
    } else {
        p.jt.plaatsingen.visible_where(
            c0.known_at,
            kal.t0 - 1,
            kal.t1,
            |k| z.locatie(k.plek) || z.past(k.plek, k.herkomst),
            |pl| t.een(kal, z, pl),
        );
    }
    let PlaatsingTeller {
        bez,
        bez_loc,
        dagen,
        dagen_los,
        mut som,
        mut jeugdigen,
        bezet,
        ..
    } = t;
    som.truncate(n);
    jeugdigen.truncate(n);

    let overbezetting = bezet.map(|mut bezet| {
        for c in p.capaciteit.visible(c0.known_at, i32::MIN, kal.t1) {
            if z.locatie(c.voorziening) {
                bezet.capaciteit(kal, c.voorziening, c.datum, c.delta);
            }
        }
        bezet.tel(kal, &mee(p, z))
    });
    let unieke = uniek(&jeugdigen, p.jeugdigen.len());

    let (bez, bez_loc) = (sommen(&bez, n), sommen(&bez_loc, n));
    let mut bezet_dagen = dagen_los;
    let mut actief = 0i64;
    for (d, delta) in dagen.iter().take(lengte - 1).enumerate() {
        actief += delta;
        if let Some(&i) = kal.per.get(d)
            && i != GEEN_P
        {
            bezet_dagen[i as usize] += actief;
        }
    }
    for (i, t) in som.iter_mut().enumerate() {
        t.bezetting = bez[i];
        t.bezetting_loc = bez_loc[i];
        t.bezette_dagen = bezet_dagen[i];
        t.unieke = unieke[i];
    }
    (som, overbezetting)
}

/// Episode figures of every period.
fn episodes<Z: FactFilter>(c0: &Ctx<'_>, kal: &Calendar, z: Z) -> Vec<EpisodeSom> {
    let n = kal.n;
    let mut st = StroomTeller::new(n);
    let mut lang = vec![0i64; n + 1];
    // Slot n takes what falls outside the series, so that the tallies need no branch
    // on data that is as good as random (see `Calendar::per_van`).
    let mut som = vec![EpisodeSom::default(); n + 1];
    let mut duren = vec![Duren::new(); n + 1];
    // Per destination code: 1 if it is known, and its rank (`u8::MAX`: none).
    let mut bekend_code = [0i64; 256];
    let mut rang_code = [u8::MAX; 256];
    for c in 0..=u8::MAX {
        if let Some(best) = bestemming_van(c) {
            bekend_code[usize::from(c)] = i64::from(best != Verblijfplaats::Onbekend);
            if let Zwaarte::Rang(r) = best.zwaarte() {
                rang_code[usize::from(c)] = r;
            }
        }
    }
    // The rank of each facility's form and regime, looked up once instead of per
    // episode; 0 when it has none (no destination ranks below 0, so none is lighter).
    let rangen: Vec<u8> = (0..c0.p.vz_namen.len())
        .map(|v| c0.rang(v as u32).unwrap_or(0))
        .collect();
    // One episode, or a whole bucket (`VersionTable::per_whole`): its stocks, flows and cohort
    // from one version (they depend only on the quarters of its days), cohort
    // doorplaatsingen and destinations from its sums, langverblijvers and exits from
    // its column.
    let mut tel = |g: Part<'_, Episode>| {
        let e = match g {
            Part::Single(e) => e,
            Part::Whole(bucket) => {
                let Some(een) = bucket.live().next() else {
                    return;
                };
                let x = bucket.live_count();
                let totaal = &bucket.sum;
                st.tel_n(kal, een.begin, een.eind, x);
                if let Some(t) = som.get_mut(kal.per_van(bucket.begin_quarter_day)) {
                    t.cohort += x;
                    t.cohort_door += totaal.cohort_door;
                }
                let i = kal.per_van(bucket.end_quarter_day);
                let (Some(t), Some(d)) = (som.get_mut(i), duren.get_mut(i)) else {
                    return;
                };
                for (b, &aantal) in totaal.bestemming.iter().enumerate() {
                    t.bestemmingen[b] += aantal;
                    t.bekend += bekend_code[b] * aantal;
                }
                // Exits outside the series need not be read (slot n).
                let uit = i < n;
                for k in bucket.column.iter() {
                    bereik(
                        &mut lang,
                        kal.tot_le(k.begin.saturating_add(LANGVERBLIJF - 1)),
                        kal.tot_le(k.eind.saturating_sub(1)),
                    );
                    let b = (k.laatste_bestemming & 0xFF) as usize;
                    // (Per bucket, whether its versions ended is the same for all.)
                    if uit && b < Verblijfplaats::ALL.len() {
                        d.push(k.eind - k.begin);
                        let vr = rangen
                            .get((k.laatste_bestemming >> 8) as usize)
                            .copied()
                            .unwrap_or(0);
                        t.lichter += i64::from(rang_code[b] < vr);
                    }
                }
                return;
            }
        };
        let eerste = z.past(e.eerste, e.herkomst);
        let laatste = z.past(e.laatste, e.herkomst);
        if eerste {
            st.tel(kal, e.begin, e.eind);
            // Langverblijver at the peildatum tot_i: s + 548 ≤ tot_i < e.
            bereik(
                &mut lang,
                kal.tot_le(e.begin.saturating_add(LANGVERBLIJF - 1)),
                kal.tot_le(e.eind.saturating_sub(1)),
            );
            if let Some(t) = som.get_mut(kal.per_van(e.begin)) {
                t.cohort += 1;
                t.cohort_door += i64::from(e.eerste_door < e.begin.saturating_add(365));
            }
        }
        // (A branch on the filter is well predicted: without one every fact passes,
        // with one most fail.)
        if !laatste {
            return;
        }
        // An exit: ended (an open episode has no destination, `GEEN8`) with a
        // destination code and in a period; otherwise slot n.
        let b = usize::from(e.bestemming);
        let valid_time = (e.eind != OPEN) & (b < Verblijfplaats::ALL.len());
        let i = if valid_time { kal.per_van(e.eind) } else { n };
        let (Some(t), Some(d)) = (som.get_mut(i), duren.get_mut(i)) else {
            return;
        };
        t.bestemmingen[b % 16] += 1;
        d.push(if valid_time { e.eind - e.begin } else { 0 });
        t.bekend += bekend_code[b];
        let vr = rangen.get(e.laatste as usize).copied().unwrap_or(0);
        t.lichter += i64::from(rang_code[b] < vr);
    };
    if Z::ALLES && kal.kwartalen {
        c0.p.jt
            .episodes
            .per_whole(c0.known_at, kal.t0 - 1, kal.t1, &mut tel);
    } else if Z::ALLES {
        c0.p.jt
            .episodes
            .visible(c0.known_at, kal.t0 - 1, kal.t1)
            .for_each(|e| tel(Part::Single(e)));
    } else {
        c0.p.jt.episodes.visible_where(
            c0.known_at,
            kal.t0 - 1,
            kal.t1,
            |k| z.past(k.eerste, k.herkomst) || z.past(k.laatste(), k.herkomst),
            |e| tel(Part::Single(e)),
        );
    }
    som.truncate(n);
    duren.truncate(n);
    let lang = sommen(&lang, n);
    for ((t, (s, l)), d) in som
        .iter_mut()
        .zip(st.stromen(n).into_iter().zip(lang))
        .zip(duren)
    {
        t.stroom = s;
        t.langverblijvers = l;
        t.verblijfsduur = d.verblijfsduur();
    }
    som
}

/// CBS-trajectory stock and flows, spoedmachtigingen and signals of every period.
fn overige<Z: FactFilter>(
    c0: &Ctx<'_>,
    kal: &Calendar,
    z: Z,
) -> (Vec<Stroom>, Vec<i64>, Vec<[i64; 3]>) {
    let n = kal.n;
    let p = c0.p;
    let mut st = StroomTeller::new(n);
    if Z::ALLES && kal.kwartalen {
        // Every trajectory counts and only the quarters of its days matter: an open
        // bucket whose versions are all visible is counted without being read.
        p.jt.trajecten
            .per_bucket(c0.known_at, kal.t0 - 1, kal.t1, |t, stuk| match stuk {
                Piece::Bucket(x) => st.tel_n(kal, t.begin, t.eind, x),
                Piece::Single => st.tel(kal, t.begin, t.eind),
            });
    } else {
        p.jt.trajecten.visible_where(
            c0.known_at,
            kal.t0 - 1,
            kal.t1,
            |k| z.past(k.voorziening, k.herkomst),
            |t| {
                if z.past(t.voorziening, t.herkomst) {
                    st.tel(kal, t.begin, t.eind);
                }
            },
        );
    }
    let mut spoed = vec![0i64; n];
    for m in p.jt.machtigingen.visible(c0.known_at, kal.t0, kal.t1) {
        if m.soort == basis::SPOED
            && let Some(i) = kal.per(m.begin)
            && z.past(m.voorziening, m.herkomst)
        {
            spoed[i] += 1;
        }
    }
    let mut sig = [vec![0i64; n + 1], vec![0i64; n + 1], vec![0i64; n + 1]];
    for s in p.jt.signalen.visible(c0.known_at, kal.t0, kal.t1) {
        // Overlaps P_i (begin < tot_i and eind > van_i) while the subject's previous
        // stretch does not (vorige_eind ≤ van_i): the periods from the first that
        // begins after the previous stretch's last day.
        if s.begin < s.eind && z.past(s.voorziening, s.herkomst) {
            bereik(
                &mut sig[s.soort as usize % 3],
                kal.tot_le(s.begin)
                    .max(kal.van_le(s.vorige_eind.saturating_sub(1))),
                kal.van_le(s.eind.saturating_sub(1)),
            );
        }
    }
    let sig: Vec<Vec<i64>> = sig.iter().map(|d| sommen(d, n)).collect();
    let signalen = (0..n).map(|i| [sig[0][i], sig[1][i], sig[2][i]]).collect();
    (st.stromen(n), spoed, signalen)
}

/// The parts of a series, independent and of unequal size, done by as many workers as
/// there are cores (the caller's thread and helpers), each taking the next part not yet
/// taken, largest first. With fixed threads per part, the two cores of a small machine
/// shared five parts by time slices and the longest part set the pace; taken in turn,
/// they even out. Overbezetting from the occupancy log comes in two halves of the
/// facilities. If no helper can be started, the caller does every part.
#[allow(clippy::type_complexity)]
fn run_parts(
    c0: &Ctx<'_>,
    kal: &Calendar,
    z: impl FactFilter,
) -> (
    (Vec<PlaatsingSom>, Vec<i64>),
    (Vec<EpisodeSom>, (Vec<Stroom>, Vec<i64>, Vec<[i64; 3]>)),
) {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The log, once brought up to date (`Projection::maintain`), holds exactly the
    // changes the scan would collect at any K, already sorted.
    let p = c0.p;
    let uit_log = p.jt.bezetting.bij();
    let f = p.vz_namen.len();
    let mee = if uit_log { mee(p, z) } else { Vec::new() };
    let ep = OnceLock::new();
    let pl = OnceLock::new();
    let over = [OnceLock::new(), OnceLock::new()];
    let ov = OnceLock::new();
    let over_deel = |h: usize| {
        let vzs = if h == 0 { 0..f / 2 } else { f / 2..f };
        if uit_log {
            let _ = over[h].set(overbezetting_uit_log(c0, kal, &mee, vzs));
        }
    };
    let taken: [&(dyn Fn() + Sync); 5] = [
        &|| {
            let _ = ep.set(episodes(c0, kal, z));
        },
        &|| {
            let _ = pl.set(plaatsingen(c0, kal, z, uit_log));
        },
        &|| over_deel(0),
        &|| over_deel(1),
        &|| {
            let _ = ov.set(overige(c0, kal, z));
        },
    ];
    let volgende = AtomicUsize::new(0);
    let werk = || {
        while let Some(taak) = taken.get(volgende.fetch_add(1, Ordering::Relaxed)) {
            taak();
        }
    };
    let helpers = std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .clamp(1, taken.len() - 1);
    std::thread::scope(|s| {
        for i in 0..helpers {
            // A helper that cannot be started leaves its share to the others.
            let _ = std::thread::Builder::new()
                .name(format!("reeks-{i}"))
                .spawn_scoped(s, werk);
        }
        werk();
    });
    // Every part ran (a panic in a helper ends the scope above with that panic).
    let (pl, over_scan) = pl.into_inner().unwrap_or_default();
    let over = match (over_scan, over.map(OnceLock::into_inner)) {
        (Some(o), _) => o,
        (None, [Some(a), Some(b)]) => a.iter().zip(&b).map(|(x, y)| x + y).collect(),
        (None, _) => vec![0; kal.n],
    };
    (
        (pl, over),
        (
            ep.into_inner().unwrap_or_default(),
            ov.into_inner().unwrap_or_default(),
        ),
    )
}

/// The tallies of every period of the calendar `kal` (sorted, non-overlapping periods
/// sharing the filter and knowledge time of `c0`).
pub(crate) fn sweep(c0: &Ctx<'_>, kal: &Calendar) -> Vec<Tellingen> {
    let parts = if c0.zonder_filter() {
        let voorzieningen = u32::try_from(c0.p.vz_namen.len()).unwrap_or(u32::MAX);
        run_parts(c0, kal, NoFilter { voorzieningen })
    } else {
        run_parts(c0, kal, QueryFilter(c0))
    };
    let ((pl, over), (ep, (traj, spoed, sig))) = parts;
    pl.into_iter()
        .zip(over)
        .zip(ep)
        .zip(traj)
        .zip(spoed)
        .zip(sig)
        .map(
            |(((((pl, overbezetting), ep), trajecten), spoed), signalen)| Tellingen {
                pl,
                ep,
                trajecten,
                spoed,
                signalen,
                overbezetting,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Occupancy changes (one per day, as in the log), capacity changes and periods with
    /// gaps, from a small generator.
    #[allow(clippy::type_complexity)]
    fn geval(x: &mut u64) -> (Vec<(i32, i32)>, Vec<(u32, i32, i32)>, Vec<i32>, Vec<i32>) {
        let mut volgende = |n: u64| {
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            (*x % n) as i32
        };
        let mut occ: Vec<(i32, i32)> = Vec::new();
        let mut dag = volgende(20) - 10;
        for _ in 0..volgende(30) {
            dag += 1 + volgende(6);
            let delta = volgende(5) - 2;
            if delta != 0 {
                occ.push((dag, delta));
            }
        }
        let mut cap: Vec<(u32, i32, i32)> = Vec::new();
        let mut dag = volgende(20) - 15;
        for _ in 0..volgende(5) {
            // Capacity changes may share a day with each other and with occupancy ones.
            dag += volgende(8);
            cap.push((0, dag, volgende(7) - 2));
        }
        let (mut van, mut tot) = (Vec::new(), Vec::new());
        let mut dag = volgende(10);
        for _ in 0..1 + volgende(8) {
            dag += volgende(3);
            van.push(dag);
            dag += 1 + volgende(9);
            tot.push(dag);
        }
        (occ, cap, van, tot)
    }

    /// The rule of `Ctx::overbezetting`, day by day: occupied on some day of the period
    /// and over capacity on some day of it, with the state at the end of each day.
    fn per_dag(occ: &[(i32, i32)], cap: &[(u32, i32, i32)], van: &[i32], tot: &[i32]) -> Vec<i64> {
        van.iter()
            .zip(tot)
            .map(|(&v, &t)| {
                let (mut bezet, mut over) = (false, false);
                for d in v..t {
                    let b: i64 = occ
                        .iter()
                        .filter(|x| x.0 <= d)
                        .map(|x| i64::from(x.1))
                        .sum();
                    let c: i64 = cap
                        .iter()
                        .filter(|x| x.1 <= d)
                        .map(|x| i64::from(x.2))
                        .sum();
                    bezet |= b > 0;
                    over |= b > c;
                }
                i64::from(bezet && over)
            })
            .collect()
    }

    /// A facility's quarter state says for every run of quarters what the sweep over its
    /// log says, before, inside and after the quarters of its changes; the day-by-day
    /// rule agrees on the first cases.
    #[test]
    fn kwartaaltoestand_follows_the_sweep() {
        let mut x: u64 = 0x9E6C_63D0_676A_9A99;
        let mut overbezet = 0;
        for geval_nr in 0..2000 {
            let (occ, cap, _, _) = geval(&mut x);
            // Spread the changes over some forty quarters.
            let occ: Vec<(i32, i32)> = occ.iter().map(|&(d, b)| (d * 37, b)).collect();
            let cap: Vec<(u32, i32, i32)> = cap.iter().map(|&(v, d, c)| (v, d * 37, c)).collect();
            let t = kwartaaltoestand(&occ, &cap);
            let q = kwartaalnummer(-2_000);
            let (mut van, mut tot) = (Vec::new(), Vec::new());
            let mut qq = q + (geval_nr % 3) as i16;
            while qq < q + 80 {
                let lengte = 1 + (qq.rem_euclid(4) + geval_nr as i16).rem_euclid(4);
                van.push(kwartaal_begin(qq));
                tot.push(kwartaal_begin(qq + lengte));
                // Now and then a gap of a quarter.
                qq += lengte + i16::from(qq.rem_euclid(7) == 0);
            }
            let mut verwacht = vec![0i64; van.len()];
            tel_overbezet(Wijzigingen::new(&occ, &cap, ()), &van, &tot, &mut verwacht);
            let gekregen: Vec<i64> = van
                .iter()
                .zip(&tot)
                .map(|(&v, &w)| i64::from(t.overbezet(kwartaalnummer(v), kwartaalnummer(w))))
                .collect();
            assert_eq!(gekregen, verwacht, "case {geval_nr}: {occ:?} {cap:?} {t:?}");
            if geval_nr < 100 {
                assert_eq!(verwacht, per_dag(&occ, &cap, &van, &tot), "case {geval_nr}");
            }
            overbezet += verwacht.iter().sum::<i64>();
        }
        assert!(
            overbezet > 500,
            "the cases must exercise overbezetting: {overbezet}"
        );
    }

    /// At a past K, the quarter states of now up to the first day that can differ, then
    /// the walk of the bitemporal log, count what the walk alone counts: with changes
    /// made after K from some day on, capacity that differs between K and now from some
    /// day on, and a first day given early (a block's first day, as the log gives it).
    #[test]
    fn voor_k_follows_the_sweep() {
        let mut x: u64 = 0x5851_F42D_4C95_7F2D;
        let volgende = |n: u64, x: &mut u64| {
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            (*x % n) as i32
        };
        let (mut overbezet, mut met_nu) = (0, 0);
        for geval_nr in 0..2000 {
            let (occ, cap, _, _) = geval(&mut x);
            let last_known_pos = 10u32;
            // Made at or before K.
            let mut known: Vec<KnownChange> = occ
                .iter()
                .enumerate()
                .map(|(n, &(d, b))| {
                    // Some on a quarter's first day, where the walk may start.
                    let d = if n % 3 == 0 {
                        kwartaal_begin(kwartaalnummer(d * 37))
                    } else {
                        d * 37
                    };
                    (d, b, 1 + n as u32 % 10)
                })
                .collect();
            // Made after K, from day `na` on.
            let na = volgende(4_000, &mut x) - 600;
            for n in 0..volgende(6, &mut x) {
                let delta = if n % 2 == 0 { 1 } else { -1 };
                let d = na + volgende(900, &mut x);
                let d = if n == 0 {
                    kwartaal_begin(kwartaalnummer(d))
                } else {
                    d
                };
                known.push((d, delta, 11 + n as u32));
            }
            known.sort_by_key(|w| (w.0, w.2));
            let eerste_na = known
                .iter()
                .filter(|w| w.2 > last_known_pos)
                .map(|w| w.0)
                .min();
            // Given early, as by a block's first entry.
            let eerste_na = eerste_na.map(|d| d - volgende(200, &mut x));
            // The log of now: every change, netted per day.
            let mut nu_log: Vec<(i32, i32)> = Vec::new();
            for &(d, b, _) in &known {
                match nu_log.last_mut() {
                    Some(l) if l.0 == d => l.1 += b,
                    _ => nu_log.push((d, b)),
                }
            }
            nu_log.retain(|l| l.1 != 0);
            let cap_k: Vec<(u32, i32, i32)> = cap.iter().map(|&(v, d, c)| (v, d * 37, c)).collect();
            let mut cap_nu = cap_k.clone();
            match volgende(3, &mut x) {
                0 => {}
                1 => cap_nu.push((0, volgende(4_000, &mut x) - 600, -3)),
                _ => {
                    if let Some(c) = cap_nu.get_mut(volgende(4, &mut x) as usize) {
                        c.2 -= 2;
                    }
                }
            }
            cap_nu.sort_unstable();
            let nu = kwartaaltoestand(&nu_log, &cap_nu);
            let q = kwartaalnummer(-2_000);
            let (mut van, mut tot, mut kwartalen) = (Vec::new(), Vec::new(), Vec::new());
            let mut qq = q + (geval_nr % 3) as i16;
            while qq < q + 80 {
                let lengte = 1 + (qq.rem_euclid(4) + geval_nr as i16).rem_euclid(4);
                van.push(kwartaal_begin(qq));
                tot.push(kwartaal_begin(qq + lengte));
                kwartalen.push((qq, qq + lengte));
                qq += lengte + i16::from(qq.rem_euclid(7) == 0);
            }
            let mut verwacht = vec![0i64; van.len()];
            tel_overbezet(
                Wijzigingen::new(&known, &cap_k, last_known_pos),
                &van,
                &tot,
                &mut verwacht,
            );
            let mut gekregen = vec![0i64; van.len()];
            VoorK {
                nu: &nu,
                occ: &known,
                cap: &cap_k,
                cap_nu: &cap_nu,
                eerste_na,
                last_known_pos,
            }
            .tel(&kwartalen, &van, &tot, &mut gekregen);
            assert_eq!(
                gekregen, verwacht,
                "case {geval_nr}: {known:?} {cap_k:?} {cap_nu:?} {eerste_na:?}"
            );
            overbezet += verwacht.iter().sum::<i64>();
            // Periods on which K and now disagree: the test is not only of the walk.
            let mut nu_telt = vec![0i64; van.len()];
            tel_overbezet(
                Wijzigingen::new(&nu_log, &cap_nu, ()),
                &van,
                &tot,
                &mut nu_telt,
            );
            met_nu += i64::from(nu_telt != verwacht);
        }
        assert!(overbezet > 500, "overbezetting must occur: {overbezet}");
        assert!(met_nu > 200, "K and now must differ: {met_nu}");
    }

    /// Both sweeps, the one over the occupancy log and the one over changes gathered per
    /// period (`overbezet_in`, as `Bezet::tel` calls it), agree with the day-by-day rule,
    /// also with changes on a period's first day, in gaps and on one day together.
    #[test]
    fn overbezetting_volgt_de_dagen() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut overbezet = 0;
        for geval_nr in 0..3000 {
            let (occ, cap, van, tot) = geval(&mut x);
            let verwacht = per_dag(&occ, &cap, &van, &tot);
            overbezet += verwacht.iter().sum::<i64>();

            let mut uit = vec![0i64; van.len()];
            tel_overbezet(Wijzigingen::new(&occ, &cap, ()), &van, &tot, &mut uit);
            assert_eq!(
                uit, verwacht,
                "log sweep, case {geval_nr}: {occ:?} {cap:?} {van:?} {tot:?}"
            );

            // The bitemporal log at K = 10: the same changes recorded before K, among
            // changes recorded after it (on other days and on the same ones), which
            // count for nothing.
            let mut known: Vec<KnownChange> = Vec::new();
            for (n, &(d, b)) in occ.iter().enumerate() {
                known.push((d, b, 10 - (n as u32 % 3)));
                known.push((d + (n as i32 % 4) - 1, 1 - 2 * (n as i32 % 2), 11));
            }
            known.sort_by_key(|w| (w.0, w.2));
            let mut uit = vec![0i64; van.len()];
            tel_overbezet(Wijzigingen::new(&known, &cap, 10), &van, &tot, &mut uit);
            assert_eq!(
                uit, verwacht,
                "bitemporal log sweep, case {geval_nr}: {known:?} {cap:?} {van:?} {tot:?}"
            );

            // Per period: the changes up to its end not yet applied, those before its first
            // day moved onto that day, in day order.
            let mut alle: Vec<(i32, i32, i32)> = occ.iter().map(|&(d, b)| (d, b, 0)).collect();
            alle.extend(cap.iter().map(|&(_, d, c)| (d, 0, c)));
            alle.sort_by_key(|w| w.0);
            let (mut b, mut c, mut k) = (0i64, 0i64, 0);
            let per_periode: Vec<i64> = van
                .iter()
                .zip(&tot)
                .map(|(&v, &t)| {
                    let mut w = Vec::new();
                    while k < alle.len() && alle[k].0 < t {
                        w.push((alle[k].0.max(v), alle[k].1, alle[k].2));
                        k += 1;
                    }
                    if w.is_empty() && b <= 0 {
                        return 0;
                    }
                    i64::from(overbezet_in(
                        &mut Lijst { w: &w, k: 0 },
                        v,
                        i32::MAX,
                        &mut b,
                        &mut c,
                    ))
                })
                .collect();
            assert_eq!(per_periode, verwacht, "per-period sweep, case {geval_nr}");
        }
        assert!(
            overbezet > 100,
            "the cases must exercise overbezetting: {overbezet}"
        );
    }
}
