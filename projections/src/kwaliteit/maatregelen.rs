//! maatregelen (docs/kpis.md, "Maatregelen"): restrictive measures with their begin in
//! P: count, hours (sum and mean), per 1,000 bed-days of the same facility scope, per
//! kind, facility and provider; exact or protected by the cell-key method; for one
//! period or a series.
//!
//! Measures are facts about a facility: every filter (also landsdeel, jeugdregio and
//! gemeente) applies to the facility where the measure was applied, whatever the
//! attribution, as for capacity. The bed-days are the residential placement-days
//! (placements in facilities of a form other than AMBULANT, the occupancy convention
//! s ≤ d < e) in P at the facilities that pass the same filter.
//!
//! A series selects the visible measures and placements once and gives each one to the
//! periods it touches (a binary search for consecutive periods), so a series equals its
//! periods computed one by one, and a single period is a series of one.

use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::disclosure::{Cel, MIN_DUREN, RecordKeys, ruis, soort, stap, verstoor, verstoor_omvang};
use crate::feiten::{GEEN, vlag};
use crate::periode::Periode;
use crate::projectie::Projection;
use crate::query::Query;
use crate::report::{Aantal, Bescherming, Kpi};
use kringloop_events::Maatregelsoort;

/// Record kind of a measure in the cell-key method (after those of `disclosure::soort`
/// and the request side's).
pub(crate) const MAATREGEL: u64 = 21;

/// The figures of one row (or the total) of [`Maatregelen`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaatregelCijfers {
    /// Measures with their begin in P.
    pub aantal: Aantal,
    /// Their duration (eind − begin), summed, in hours.
    pub uren: Option<f64>,
    /// `uren ÷ aantal`; withheld below 8 published measures for roles without
    /// person-level access.
    pub gemiddelde_uren: Option<f64>,
    /// Residential bed-days in P of the row's facility scope (for a kind: of the whole
    /// scope).
    pub ligdagen: Aantal,
    /// `aantal × 1000 ÷ ligdagen` (`None` without bed-days).
    pub per_1000_ligdagen: Option<f64>,
    pub bescherming: Bescherming,
}

/// A row of a breakdown of [`Maatregelen`]: a kind's, facility's or provider's code.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaatregelRij {
    pub sleutel: String,
    pub cijfers: MaatregelCijfers,
}

/// maatregelen of one period.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Maatregelen {
    pub totaal: MaatregelCijfers,
    /// Every kind (`Maatregelsoort::code`), in the order of `Maatregelsoort::ALL`.
    pub per_soort: Vec<MaatregelRij>,
    /// Facilities (by id, sorted) with at least one measure in P.
    pub per_voorziening: Vec<MaatregelRij>,
    /// Providers (sorted; `ONBEKEND` for a facility not registered at K) with at least
    /// one measure in P.
    pub per_aanbieder: Vec<MaatregelRij>,
}

/// The periods of a query as day numbers, and which of them a day or interval falls in.
pub(crate) struct Perioden {
    pub van: Vec<i32>,
    pub tot: Vec<i32>,
    /// Consecutive (each ends at or before the next begins): found by binary search.
    opvolgend: bool,
}

impl Perioden {
    pub fn new(perioden: &[Periode]) -> Perioden {
        let (van, tot): (Vec<i32>, Vec<i32>) = perioden.iter().map(|p| p.dagnummers()).unzip();
        let opvolgend = perioden.windows(2).all(|w| w[0].tot <= w[1].van);
        Perioden {
            van,
            tot,
            opvolgend,
        }
    }

    /// The valid-time window [lo, hi] of every period.
    pub fn venster(&self) -> (i32, i32) {
        (
            self.van.iter().copied().min().unwrap_or(0),
            self.tot
                .iter()
                .copied()
                .max()
                .unwrap_or(0)
                .saturating_sub(1),
        )
    }

    /// Calls `f(i, days)` for every period i that [a, b) overlaps, with the overlap in days.
    #[inline]
    pub fn overlap(&self, a: i32, b: i32, mut f: impl FnMut(usize, i64)) {
        let start = if self.opvolgend {
            self.tot.partition_point(|&t| t <= a)
        } else {
            0
        };
        for i in start..self.van.len() {
            let (v, t) = (self.van[i], self.tot[i]);
            if self.opvolgend && v >= b {
                break;
            }
            let (x, y) = (a.max(v), b.min(t));
            if y > x {
                f(i, i64::from(y - x));
            }
        }
    }

    /// Calls `f(i)` for every period that holds day `d`.
    #[inline]
    pub fn bevat(&self, d: i32, mut f: impl FnMut(usize)) {
        self.overlap(d, d.saturating_add(1), |i, _| f(i));
    }
}

/// Days of intervals per period and cell (a row of a breakdown), with the key sums of
/// the intervals that have days in each, added in O(1) per interval when the periods
/// follow each other without gaps: the days of the first and last period touched are
/// added apart, the whole periods in between as a difference array over the period
/// index, and so are the keys. Other lists of periods go period by period.
pub(crate) struct Verdeling<'a> {
    pp: &'a Perioden,
    cellen: usize,
    lo: i32,
    /// Period of every day in [lo, hi] (contiguous periods only).
    per_dag: Vec<u16>,
    deel: Vec<i64>,
    vol: Vec<i64>,
    sleutels: Vec<Cel>,
}

impl<'a> Verdeling<'a> {
    pub fn new(pp: &'a Perioden, cellen: usize) -> Verdeling<'a> {
        let n = pp.van.len();
        let (lo, hi) = pp.venster();
        let aaneen = n <= usize::from(u16::MAX)
            && pp.tot.windows(2).zip(&pp.van[1..]).all(|(t, &v)| t[0] == v);
        let mut per_dag = Vec::new();
        if aaneen && n > 0 {
            per_dag.reserve(usize::try_from(hi - lo + 1).unwrap_or(0));
            for (i, (&v, &t)) in pp.van.iter().zip(&pp.tot).enumerate() {
                per_dag.extend(std::iter::repeat_n(
                    i as u16,
                    usize::try_from(t - v).unwrap_or(0),
                ));
            }
        }
        Verdeling {
            pp,
            cellen,
            lo,
            per_dag,
            deel: vec![0; n * cellen],
            vol: vec![0; (n + 1) * cellen],
            sleutels: vec![Cel::default(); (n + 1) * cellen],
        }
    }

    /// Adds [a, b) to cell `cel`, with the record key `k` (for a protected caller).
    #[inline]
    pub fn voeg_toe(&mut self, cel: usize, a: i32, b: i32, k: Option<u64>) {
        if cel >= self.cellen {
            return;
        }
        let c = self.cellen;
        if self.per_dag.is_empty() {
            let (deel, sleutels) = (&mut self.deel, &mut self.sleutels);
            self.pp.overlap(a, b, |i, dagen| {
                deel[i * c + cel] += dagen;
                if let Some(k) = k {
                    sleutels[i * c + cel].tel(k);
                    let x = &mut sleutels[(i + 1) * c + cel];
                    x.n -= 1;
                    x.k = x.k.wrapping_sub(k);
                }
            });
            return;
        }
        let eind = self.lo + self.per_dag.len() as i32;
        let (x, y) = (a.max(self.lo), b.min(eind));
        if y <= x {
            return;
        }
        let i0 = usize::from(self.per_dag[(x - self.lo) as usize]);
        let i1 = usize::from(self.per_dag[(y - 1 - self.lo) as usize]);
        if i0 == i1 {
            self.deel[i0 * c + cel] += i64::from(y - x);
        } else {
            self.deel[i0 * c + cel] += i64::from(self.pp.tot[i0] - x);
            self.deel[i1 * c + cel] += i64::from(y - self.pp.van[i1]);
            if i1 > i0 + 1 {
                self.vol[(i0 + 1) * c + cel] += 1;
                self.vol[i1 * c + cel] -= 1;
            }
        }
        if let Some(k) = k {
            self.sleutels[i0 * c + cel].tel(k);
            let z = &mut self.sleutels[(i1 + 1) * c + cel];
            z.n -= 1;
            z.k = z.k.wrapping_sub(k);
        }
    }

    /// Calls `f(i)` for every period that holds day `d` (one lookup for contiguous
    /// periods).
    #[inline]
    pub fn bevat(&self, d: i32, mut f: impl FnMut(usize)) {
        if self.per_dag.is_empty() {
            self.pp.bevat(d, f);
        } else if d >= self.lo
            && let Some(&i) = self.per_dag.get((d - self.lo) as usize)
        {
            f(usize::from(i));
        }
    }

    /// Per period, per cell: the days and the key sum of the intervals with days in it.
    pub fn uitkomst(self) -> Vec<Vec<(i64, Cel)>> {
        let c = self.cellen;
        let mut vol = vec![0i64; c];
        let mut k = vec![Cel::default(); c];
        (0..self.pp.van.len())
            .map(|i| {
                let lengte = i64::from(self.pp.tot[i] - self.pp.van[i]);
                (0..c)
                    .map(|cel| {
                        vol[cel] += self.vol[i * c + cel];
                        k[cel] = k[cel].plus(self.sleutels[i * c + cel]);
                        (self.deel[i * c + cel] + vol[cel] * lengte, k[cel])
                    })
                    .collect()
            })
            .collect()
    }
}

/// The query of each period (peildatum: the end of each period).
pub(crate) fn per_periode(q: &Query, perioden: &[Periode]) -> Vec<Query> {
    perioden
        .iter()
        .map(|&p| {
            let mut qq = q.clone();
            qq.periode = p;
            qq.peildatum = None;
            qq
        })
        .collect()
}

/// Measures and bed-days of one cell: a count with its key sum, the seconds, and the
/// bed-days with the key sum of the placements under them.
#[derive(Debug, Clone, Copy, Default)]
struct Telling {
    maatregelen: Cel,
    seconden: i64,
    ligdagen: i64,
    plaatsingen: Cel,
}

impl Telling {
    fn plus(self, o: Telling) -> Telling {
        Telling {
            maatregelen: self.maatregelen.plus(o.maatregelen),
            seconden: self.seconden + o.seconden,
            ligdagen: self.ligdagen + o.ligdagen,
            plaatsingen: self.plaatsingen.plus(o.plaatsingen),
        }
    }

    /// The figures as published: exact, or perturbed with the key sums.
    fn cijfers(&self, beschermd: bool) -> MaatregelCijfers {
        let uren = self.seconden as f64 / 3600.0;
        if !beschermd {
            let n = self.maatregelen.n;
            return MaatregelCijfers {
                aantal: Aantal::van(n),
                uren: Some(uren),
                gemiddelde_uren: (n > 0).then(|| uren / n as f64),
                ligdagen: Aantal::van(self.ligdagen),
                per_1000_ligdagen: (self.ligdagen > 0)
                    .then(|| n as f64 * 1000.0 / self.ligdagen as f64),
                bescherming: Bescherming::Geen,
            };
        }
        let c = self.maatregelen;
        let aantal = verstoor(c);
        let n = aantal.of_nul();
        // Hours are a magnitude over the same measures: the noise of their count, times
        // a step of 1 % of the value (at least an hour).
        let uren = (uren + ruis(c.n, c.k) as f64 * stap(uren)).round().max(0.0);
        let ligdagen = verstoor_omvang(self.ligdagen, self.plaatsingen);
        let dagen = ligdagen.of_nul();
        let (gemiddelde_uren, bescherming) = if n < MIN_DUREN {
            (None, Bescherming::Onderdrukt)
        } else {
            (Some(uren / n as f64), Bescherming::Verstoord)
        };
        MaatregelCijfers {
            aantal,
            uren: Some(uren),
            gemiddelde_uren,
            ligdagen,
            per_1000_ligdagen: (dagen > 0).then(|| n as f64 * 1000.0 / dagen as f64),
            bescherming,
        }
    }
}

impl Projection {
    /// maatregelen of the query's period (docs/kpis.md, "Maatregelen"); protected by the
    /// cell-key method when `sleutels` are given.
    pub fn maatregelen(&self, q: &Query, sleutels: Option<&RecordKeys>) -> Kpi<Maatregelen> {
        let mut r = self.maatregelen_reeks(q, &[q.periode], sleutels);
        match r.pop() {
            Some(k) => k,
            None => Ctx::new(self, q).kpi("maatregelen", Maatregelen::default()),
        }
    }

    /// [`Projection::maatregelen`] for each period (peildatum: the end of each); equal
    /// to the periods computed one by one.
    pub fn maatregelen_reeks(
        &self,
        q: &Query,
        perioden: &[Periode],
        sleutels: Option<&RecordKeys>,
    ) -> Vec<Kpi<Maatregelen>> {
        let vragen = per_periode(q, perioden);
        let Some(q0) = vragen.first() else {
            return Vec::new();
        };
        let c0 = Ctx::new(self, q0);
        let pp = Perioden::new(perioden);
        let (lo, hi) = pp.venster();
        let nvz = self.vz_namen.len();
        let ns = Maatregelsoort::ALL.len();
        // Per period: per facility and per kind.
        let mut per_vz = vec![vec![Telling::default(); nvz]; perioden.len()];
        let mut per_soort = vec![vec![Telling::default(); ns]; perioden.len()];
        let mut bed = Verdeling::new(&pp, nvz);
        for m in self.kwaliteit.zichtbaar(c0.known_at, lo, hi) {
            let f = m.feit;
            if f.begin < lo || f.begin > hi || !c0.past_locatie(f.voorziening) {
                continue;
            }
            let k = sleutels.map_or(0, |s| {
                s.sleutel(MAATREGEL, u64::from(m.jeugdige), u64::from(f.maatregel))
            });
            bed.bevat(f.begin, |i| {
                for t in [
                    per_vz[i].get_mut(f.voorziening as usize),
                    per_soort[i].get_mut(usize::from(f.soort)),
                ]
                .into_iter()
                .flatten()
                {
                    t.maatregelen.tel(k);
                    t.seconden += f.seconden;
                }
            });
        }
        for p in self.jt.plaatsingen.visible(c0.known_at, lo, hi) {
            if p.vlaggen & vlag::AMBULANT != 0
                || p.eind <= p.begin
                || !c0.past_locatie(p.voorziening)
            {
                continue;
            }
            let k = sleutels.map(|s| s.feit(soort::PLAATSING, p.jeugdige, p.begin, p.voorziening));
            bed.voeg_toe(p.voorziening as usize, p.begin, p.eind, k);
        }
        for (per, dagen) in per_vz.iter_mut().zip(bed.uitkomst()) {
            for (t, (d, k)) in per.iter_mut().zip(dagen) {
                t.ligdagen = d;
                t.plaatsingen = k;
            }
        }
        let beschermd = sleutels.is_some();
        let attr = |v: usize| c0.b.attr.get(v).copied().flatten();
        vragen
            .iter()
            .enumerate()
            .map(|(i, qq)| {
                let c = c0.periode(qq);
                let vz = &per_vz[i];
                let totaal = vz.iter().fold(Telling::default(), |a, &t| a.plus(t));
                let soorten = per_soort[i]
                    .iter()
                    .zip(Maatregelsoort::ALL)
                    .map(|(t, s)| MaatregelRij {
                        sleutel: s.code().to_owned(),
                        cijfers: Telling {
                            ligdagen: totaal.ligdagen,
                            plaatsingen: totaal.plaatsingen,
                            ..*t
                        }
                        .cijfers(beschermd),
                    })
                    .collect();
                let mut voorzieningen: Vec<(String, Telling)> = Vec::new();
                let mut aanbieders: Vec<(u32, Telling)> = Vec::new();
                for (v, t) in vz.iter().enumerate() {
                    if t.maatregelen.n == 0 {
                        if t.ligdagen > 0 {
                            // Bed-days of a provider with measures elsewhere.
                            let a = attr(v).map_or(GEEN, |a| a.aanbieder);
                            if let Some(x) = aanbieders.iter_mut().find(|x| x.0 == a) {
                                x.1 = x.1.plus(*t);
                            } else {
                                aanbieders.push((a, *t));
                            }
                        }
                        continue;
                    }
                    let naam = self.vz_namen.naam(v as u32).unwrap_or("?").to_owned();
                    voorzieningen.push((naam, *t));
                    let a = attr(v).map_or(GEEN, |a| a.aanbieder);
                    if let Some(x) = aanbieders.iter_mut().find(|x| x.0 == a) {
                        x.1 = x.1.plus(*t);
                    } else {
                        aanbieders.push((a, *t));
                    }
                }
                voorzieningen.sort_by(|a, b| a.0.cmp(&b.0));
                let mut per_aanbieder: Vec<MaatregelRij> = aanbieders
                    .into_iter()
                    .filter(|(_, t)| t.maatregelen.n > 0)
                    .map(|(a, t)| MaatregelRij {
                        sleutel: self.aanbieders.naam(a).unwrap_or("ONBEKEND").to_owned(),
                        cijfers: t.cijfers(beschermd),
                    })
                    .collect();
                per_aanbieder.sort_by(|a, b| a.sleutel.cmp(&b.sleutel));
                c.kpi(
                    "maatregelen",
                    Maatregelen {
                        totaal: totaal.cijfers(beschermd),
                        per_soort: soorten,
                        per_voorziening: voorzieningen
                            .into_iter()
                            .map(|(n, t)| MaatregelRij {
                                sleutel: n,
                                cijfers: t.cijfers(beschermd),
                            })
                            .collect(),
                        per_aanbieder,
                    },
                )
            })
            .collect()
    }
}
