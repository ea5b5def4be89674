//! Overbezetting of every period of a series: from the placements of the scan, or from the
//! fold's bitemporal occupancy log.

use crate::bezetting::{KnownChange, Kwartaaltoestand};
use crate::context::Ctx;
use crate::knowledge::KnowledgeTime;
use crate::periode::{OPEN, kwartaal_begin, kwartaalnummer};

use super::calendar::*;
use crate::occupancy::*;

/// Per period, a placement change at one facility packed in 8 bytes: facility (high 32
/// bits), day − first day of the period (31 bits), start (+1) or end (−1) in the low bit.
pub(crate) type Plaatsingwijziging = u64;

/// A capacity change: (facility, day, change).
pub(crate) type Capwijziging = (u32, i32, i32);

/// Occupancy and capacity per facility, swept in day order across the periods, for
/// overbezetting.
pub(crate) struct Bezet {
    pub(crate) n: usize,
    pub(crate) f: usize,
    /// Per period: the changes on its days; a change before the first period or in a
    /// gap between periods is put on the first day of the next period (only the state
    /// on the days of a period is looked at).
    pub(crate) plaatsingen: Vec<Vec<Plaatsingwijziging>>,
    pub(crate) cap: Vec<Vec<Capwijziging>>,
}

impl Bezet {
    pub(crate) fn new(f: usize, n: usize) -> Bezet {
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
    pub(crate) fn periode(kal: &Calendar, d: i32) -> Option<(usize, i32)> {
        let i = kal.tot_le(d);
        kal.van.get(i).map(|&van| (i, d.max(van)))
    }

    #[inline]
    pub(crate) fn plaatsing_wijziging(&mut self, kal: &Calendar, vz: u32, d: i32, start: bool) {
        if let Some((i, dag)) = Self::periode(kal, d)
            && let Some(l) = self.plaatsingen.get_mut(i)
        {
            let verschil = (dag - kal.van[i]) as u64 & 0x7FFF_FFFF;
            l.push((u64::from(vz) << 32) | (verschil << 1) | u64::from(start));
        }
    }

    /// A placement [s, e) of facility `vz` that passes the LOCATIE filter.
    #[inline]
    pub(crate) fn plaatsing(&mut self, kal: &Calendar, vz: u32, s: i32, e: i32) {
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
    pub(crate) fn capaciteit(&mut self, kal: &Calendar, vz: u32, d: i32, delta: i32) {
        if let Some((i, dag)) = Self::periode(kal, d)
            && let Some(l) = self.cap.get_mut(i)
        {
            l.push((vz, dag, delta));
        }
    }

    /// Per period: facilities with a day in it on which more placements are active than
    /// there are places, and with a placement active in it at all (`Ctx::overbezetting`).
    pub(crate) fn tel(self, kal: &Calendar, mee: &[bool]) -> Vec<i64> {
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

/// Per facility: whether its placements count for occupancy (`Ctx::past_locatie`).
pub(crate) fn mee(p: &crate::Projection, z: impl FactFilter) -> Vec<bool> {
    (0..p.vz_namen.len()).map(|v| z.locatie(v as u32)).collect()
}

/// Overbezetting per period from the fold's occupancy log (`Bezettingslog`): per
/// facility in `mee`, its occupancy and capacity changes merged in day order; a change
/// before a period (or in a gap) counts from its first day on. At a K after the last
/// recorded change the log of the versions visible now serves as it is; at an earlier K
/// the facility's changes recorded at or before K are netted per day first.
/// Only the facilities in `vzs` are counted (a part of the series takes each half).
pub(crate) fn overbezetting_uit_log(
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
                count_overbezet(Wijzigingen::new(occ, cap, ()), &kal.van, &kal.tot, &mut uit);
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
            let at_past = AtPastKnowledge {
                nu: nu_toestand,
                occ,
                cap,
                cap_nu,
                eerste_na,
                last_known_pos,
            };
            at_past.tel(&kwartalen, &kal.van, &kal.tot, &mut uit);
        } else {
            count_overbezet(
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
pub(crate) struct AtPastKnowledge<'a> {
    pub(crate) nu: &'a Kwartaaltoestand,
    /// The facility's changes that can count at K (`Bezettingslog::known_until`).
    pub(crate) occ: &'a [KnownChange],
    /// Its capacity changes visible at K and now, sorted.
    pub(crate) cap: &'a [(u32, i32, i32)],
    pub(crate) cap_nu: &'a [(u32, i32, i32)],
    /// `Bezettingslog::eerste_dag_na`.
    pub(crate) eerste_na: Option<i32>,
    pub(crate) last_known_pos: u32,
}

impl AtPastKnowledge<'_> {
    /// +1 in `uit` for each period (`van`, `tot`; quarter numbers `kwartalen`) in which
    /// the facility is overbezet at K.
    pub(crate) fn tel(&self, kwartalen: &[(i16, i16)], van: &[i32], tot: &[i32], uit: &mut [i64]) {
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
