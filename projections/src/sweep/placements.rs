//! The placement figures of every period of a series.

use crate::context::Ctx;
use crate::feiten::{COLUMN_NONE, Plaatsing, spoed_column};
use crate::tally::PlaatsingSom;
use crate::versions::{Bucket, Part};

use super::calendar::*;
use super::overbezetting::{Bezet, mee};

/// Number of distinct youths in each list, with one bitmap over all youths (small enough
/// to stay in the cache) used for one period at a time.
pub(crate) fn uniek(lijsten: &[Vec<u32>], jeugdigen: usize) -> Vec<i64> {
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
pub(crate) struct PlaatsingCounter {
    /// Active at the peildatum, per period (difference arrays): with the filter on
    /// origin and on location.
    pub(crate) bez: Vec<i64>,
    pub(crate) bez_loc: Vec<i64>,
    /// Active placements per day (difference array over the days of the series).
    pub(crate) dagen: Vec<i64>,
    /// Bed-days per period beside `dagen` (whole buckets, slot n outside the series).
    pub(crate) dagen_los: Vec<i64>,
    /// Slot n takes the starts outside the series (and, for `jeugdigen`, those that
    /// count for no youth), so that the tallies need no branch on data that is as good
    /// as random (see `Calendar::per_van`).
    pub(crate) som: Vec<PlaatsingSom>,
    pub(crate) jeugdigen: Vec<Vec<u32>>,
    /// Occupancy changes, unless overbezetting comes from the log.
    pub(crate) bezet: Option<Bezet>,
    /// Closed care (`Ctx::dicht`) per facility, looked up once instead of per
    /// placement; one entry more (0) for `COLUMN_NONE`.
    pub(crate) dicht: Vec<i64>,
}

impl PlaatsingCounter {
    /// One visible placement.
    #[inline]
    pub(crate) fn een(&mut self, kal: &Calendar, z: impl FactFilter, pl: &Plaatsing) {
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
        t.exclusief += i64::from(pl.start_episode());
        t.door += i64::from(pl.is_doorplaatsing());
        let telt = pl.telt_voor_unieke();
        if let Some(l) = self.jeugdigen.get_mut(if telt { i } else { n }) {
            l.push(pl.jeugdige);
        }
        let gesloten = self
            .dicht
            .get(pl.voorziening as usize)
            .copied()
            .unwrap_or(0)
            & i64::from(pl.telt_voor_spoedaandeel());
        t.gesloten_starts += gesloten;
        t.spoed_starts += gesloten & i64::from(pl.op_spoedmachtiging());
    }

    /// A whole open bucket of a series without filter over quarter-aligned periods
    /// (`VersionTable::per_whole`): its versions begin in one quarter [Qb, …) and end in one
    /// quarter [Qe, …), so a period lookup of a begin or end is that of the quarter's
    /// first day, except for the peildatum, which tells a begin (end) on Qb (Qe) itself
    /// apart (`tot_le(s − 1)`). Bed-days: [s, e) = [Qb, Qe) − [Qb, s) + [Qe, e), the last
    /// two inside one quarter each, so inside one period: Σ s and Σ e give them.
    pub(crate) fn whole_bucket(&mut self, kal: &Calendar, e: &Bucket<Plaatsing>) {
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
            let vz = (spoed_column::voorziening(k.voorziening) as usize).min(geen);
            let gesloten = self.dicht.get(vz).copied().unwrap_or(0);
            som.gesloten_starts += gesloten;
            som.spoed_starts += gesloten & spoed_column::spoed(k.voorziening);
        }
    }
}

/// Placement figures of every period, and overbezetting unless `uit_log` (then the
/// caller reads it from the fold's occupancy log, `overbezetting_uit_log`, in parallel).
pub(crate) fn plaatsingen<Z: FactFilter>(
    c0: &Ctx<'_>,
    kal: &Calendar,
    z: Z,
    uit_log: bool,
) -> (Vec<PlaatsingSom>, Option<Vec<i64>>) {
    let p = c0.p;
    let n = kal.n;
    let lengte = (kal.t1 - kal.t0) as usize + 1;
    let mut t = PlaatsingCounter {
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
    let PlaatsingCounter {
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
