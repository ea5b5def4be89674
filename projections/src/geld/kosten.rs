//! Zorgkosten and leegstandskosten (docs/kpis.md, "Geld"): what the contracts as known at
//! K pay for the placements as known at K, in whole eurocents.
//!
//! One pass over the placements visible at K in the window of all periods asked for.
//! For each placement the contract that pays each of its days is looked up in a
//! *rooster*: per provider, form, regime and the youth's region, the piecewise constant
//! function day → (paying contract product, tariff per day), cut at every contract's
//! begin and end and every tariff date. A placement's days in a period then cost
//! (days in a piece × that piece's tariff), summed over the few pieces it overlaps, never
//! a loop over its days. The rosters are built once per query for the keys that occur.
//!
//! Task budgets (JAAR) and leegstand do not follow placements: they are computed per
//! contract product over each period, in stretches of days on which tariff, guarantee,
//! places and the contract product's occupancy (collected in the pass) do not change.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use kringloop_events::{Budgetsegment, Tariefeenheid};
use serde::{Deserialize, Serialize};

use super::ContractOpK;
use crate::context::Ctx;
use crate::feiten::{GEEN, regime_code, vorm_code};
use crate::mem::FxMap;
use crate::periode::{Periode, dag, datum};
use crate::projectie::Projection;
use crate::query::{Query, Toerekening};
use crate::report::Kpi;

/// Cost classes.
pub(crate) const ETMAAL: usize = 0;
pub(crate) const TRAJECT: usize = 1;
pub(crate) const JAAR: usize = 2;
pub(crate) const LEEGSTAND: usize = 3;

/// No paying contract product.
const GEEN_CP: u32 = u32::MAX;

/// A volume guarantee on one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Garantie {
    Plaatsen(i64),
    Procent(i64),
}

/// A product of a contract as known at K, resolved to day numbers and interned ids.
#[derive(Debug, Clone)]
pub(crate) struct Cp {
    pub contract: usize,
    pub aanbieder: u32,
    pub vorm: u8,
    pub regime: u8,
    pub eenheid: Tariefeenheid,
    pub segment: usize,
    pub code: String,
    /// (from day, cents per unit), sorted.
    pub tarieven: Vec<(i32, i64)>,
    /// The contract's days [van, tot).
    pub van: i32,
    pub tot: i32,
    /// The contract's regions (interned ids, `GEEN` if not in the landscape); the first
    /// is the lead region.
    pub regios: Vec<u32>,
    /// Guarantee of this product from each day on (only ETMAAL products).
    garanties: Vec<(i32, Option<Garantie>)>,
}

impl Cp {
    pub fn tarief(&self, d: i32) -> Option<i64> {
        let i = self.tarieven.partition_point(|(v, _)| *v <= d);
        i.checked_sub(1)
            .and_then(|i| self.tarieven.get(i))
            .map(|t| t.1)
    }

    fn garantie(&self, d: i32) -> Option<Garantie> {
        let i = self.garanties.partition_point(|(v, _)| *v <= d);
        i.checked_sub(1)
            .and_then(|i| self.garanties.get(i))
            .and_then(|g| g.1)
    }

    fn volgende_garantie(&self, d: i32) -> i32 {
        let i = self.garanties.partition_point(|(v, _)| *v <= d);
        self.garanties.get(i).map_or(i32::MAX, |g| g.0)
    }

    fn volgende_tariefdatum(&self, d: i32) -> i32 {
        let i = self.tarieven.partition_point(|(v, _)| *v <= d);
        self.tarieven.get(i).map_or(i32::MAX, |t| t.0)
    }
}

/// The contracts as known at K, resolved for the cost pass.
pub(crate) struct Index {
    pub contracten: Vec<ContractOpK>,
    pub cps: Vec<Cp>,
    /// Provider id → the first product of each of its contracts per (form, regime), in
    /// contract id order: (vorm, regime, cp).
    per_aanbieder: FxMap<u32, Vec<(u8, u8, usize)>>,
}

/// The piecewise constant day → (contract product, cents per day) of one key.
#[derive(Debug, Default)]
struct Rooster {
    van: Vec<i32>,
    cp: Vec<u32>,
    cent: Vec<i64>,
    /// Whether some product in it has a volume guarantee (its occupancy is needed
    /// whatever the filter).
    garantie: bool,
}

impl Rooster {
    #[inline]
    fn zoek(&self, d: i32) -> usize {
        self.van.partition_point(|&v| v <= d).saturating_sub(1)
    }
    #[inline]
    fn eind(&self, i: usize) -> i32 {
        self.van.get(i + 1).copied().unwrap_or(i32::MAX)
    }
}

/// Rounds `a ÷ n` to whole cents, halves up (n > 0).
pub(crate) fn deel_afgerond(a: i64, n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    (2 * a + n).div_euclid(2 * n)
}

fn dagen_in_jaar(jaar: i32) -> i64 {
    if NaiveDate::from_ymd_opt(jaar, 2, 29).is_some() {
        366
    } else {
        365
    }
}

fn jaar_van(d: i32) -> i32 {
    datum(d).year()
}

fn eerste_jan(jaar: i32) -> i32 {
    NaiveDate::from_ymd_opt(jaar, 1, 1).map_or(i32::MAX, dag)
}

impl Index {
    pub fn new(p: &Projection, c: &Ctx<'_>) -> Index {
        let contracten = p.contracten(&c.known_at);
        let mut cps = Vec::new();
        let mut per_aanbieder: FxMap<u32, Vec<(u8, u8, usize)>> = FxMap::default();
        for (ci, k) in contracten.iter().enumerate() {
            let aanbieder = p.aanbieders.find(&k.aanbieder).unwrap_or(GEEN);
            let regios: Vec<u32> = k
                .jeugdregios
                .iter()
                .map(|r| p.regios.find(r).unwrap_or(GEEN))
                .collect();
            let van = dag(k.van);
            let tot = dag(k.tot_en_met).saturating_add(1);
            for prod in k.percelen.iter().flat_map(|pc| pc.producten.iter()) {
                let (v, r) = (vorm_code(prod.vorm), regime_code(prod.regime));
                let garanties = if prod.eenheid == Tariefeenheid::Etmaal {
                    k.volumegaranties
                        .iter()
                        .map(|(d, gs)| {
                            let g =
                                gs.iter().find(|g| g.product == prod.code).and_then(|g| {
                                    match (g.plaatsen, g.bezettingsaandeel_procent) {
                                        (Some(n), _) => Some(Garantie::Plaatsen(i64::from(n))),
                                        (None, Some(pct)) => {
                                            Some(Garantie::Procent(i64::from(pct)))
                                        }
                                        (None, None) => None,
                                    }
                                });
                            (dag(*d), g)
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let i = cps.len();
                cps.push(Cp {
                    contract: ci,
                    aanbieder,
                    vorm: v,
                    regime: r,
                    eenheid: prod.eenheid,
                    segment: Budgetsegment::ALL
                        .iter()
                        .position(|&s| s == Budgetsegment::van(prod.vorm, prod.regime))
                        .unwrap_or(0),
                    code: prod.code.clone(),
                    tarieven: k
                        .tarieven
                        .get(&prod.code)
                        .map(|t| t.iter().map(|(d, b)| (dag(*d), *b)).collect())
                        .unwrap_or_default(),
                    van,
                    tot,
                    regios: regios.clone(),
                    garanties,
                });
                let lijst = per_aanbieder.entry(aanbieder).or_default();
                // The first product of this contract for (form, regime) is the one used.
                if !lijst
                    .iter()
                    .any(|&(lv, lr, lc)| lv == v && lr == r && cps[lc].contract == ci)
                {
                    lijst.push((v, r, i));
                }
            }
        }
        Index {
            contracten,
            cps,
            per_aanbieder,
        }
    }

    fn heeft_garantie(&self, cp: usize) -> bool {
        self.cps
            .get(cp)
            .is_some_and(|c| c.garanties.iter().any(|g| g.1.is_some()))
    }

    /// The roster of provider `a`, form `v`, regime `r`, for a youth of region `regio`.
    fn rooster(&self, a: u32, v: u8, r: u8, regio: u32) -> Rooster {
        let kand: Vec<usize> = self
            .per_aanbieder
            .get(&a)
            .map(|l| {
                l.iter()
                    .filter(|&&(lv, lr, _)| lv == v && lr == r)
                    .map(|x| x.2)
                    .collect()
            })
            .unwrap_or_default();
        let mut grenzen = vec![i32::MIN];
        for &c in &kand {
            let cp = &self.cps[c];
            grenzen.push(cp.van);
            grenzen.push(cp.tot);
            grenzen.extend(
                cp.tarieven
                    .iter()
                    .map(|t| t.0)
                    .filter(|&d| cp.van < d && d < cp.tot),
            );
        }
        grenzen.sort_unstable();
        grenzen.dedup();
        let mut ro = Rooster {
            garantie: kand.iter().any(|&c| self.heeft_garantie(c)),
            ..Rooster::default()
        };
        for g in grenzen {
            let actief = || {
                kand.iter()
                    .copied()
                    .filter(|&c| self.cps[c].van <= g && g < self.cps[c].tot)
            };
            let kies = actief()
                .find(|&c| regio != GEEN && self.cps[c].regios.contains(&regio))
                .or_else(|| actief().next());
            let (cp, cent) = match kies {
                Some(c) => {
                    let x = &self.cps[c];
                    let cent = if x.eenheid == Tariefeenheid::Etmaal {
                        x.tarief(g).unwrap_or(0)
                    } else {
                        0
                    };
                    (c as u32, cent)
                }
                None => (GEEN_CP, 0),
            };
            if ro.cp.last() == Some(&cp) && ro.cent.last() == Some(&cent) {
                continue;
            }
            ro.van.push(g);
            ro.cp.push(cp);
            ro.cent.push(cent);
        }
        ro
    }
}

/// One period's sums.
#[derive(Debug, Clone, Default)]
pub(crate) struct Telling {
    /// Per contract product: cents per class.
    pub cp: Vec<[i64; 4]>,
    /// Per region row (the last: unknown), per segment: cents per class.
    pub regio: Vec<[[i64; 4]; 3]>,
    pub met: i64,
    pub zonder: i64,
    pub starts_zonder: i64,
    /// Per youth (only when asked): ETMAAL, TRAJECT cents, days with and without contract.
    pub jeugdigen: FxMap<u32, [i64; 4]>,
}

impl Telling {
    fn nieuw(cps: usize, rijen: usize) -> Telling {
        Telling {
            cp: vec![[0; 4]; cps],
            regio: vec![[[0; 4]; 3]; rijen],
            ..Telling::default()
        }
    }

    fn boek(&mut self, cp: usize, seg: usize, rij: usize, klasse: usize, cent: i64) {
        if let Some(x) = self.cp.get_mut(cp) {
            x[klasse] += cent;
        }
        if let Some(x) = self.regio.get_mut(rij) {
            x[seg % 3][klasse] += cent;
        }
    }
}

/// The periods of a series as day-number ranges, and a fast search when they are sorted
/// and do not overlap.
struct Perioden {
    r: Vec<(i32, i32)>,
    opvolgend: bool,
}

impl Perioden {
    fn new(perioden: &[Periode]) -> Perioden {
        let r: Vec<(i32, i32)> = perioden.iter().map(|p| p.dagnummers()).collect();
        let opvolgend = r.windows(2).all(|w| w[0].1 <= w[1].0);
        Perioden { r, opvolgend }
    }

    /// Calls `f(period index, days of [s, e) in it)` for each period [s, e) overlaps.
    #[inline]
    fn per(&self, s: i32, e: i32, mut f: impl FnMut(usize, i64)) {
        let start = if self.opvolgend {
            self.r.partition_point(|p| p.1 <= s)
        } else {
            0
        };
        for (i, &(van, tot)) in self.r.iter().enumerate().skip(start) {
            if self.opvolgend && van >= e {
                break;
            }
            let a = s.max(van);
            let b = e.min(tot);
            if b > a {
                f(i, i64::from(b - a));
            }
        }
    }

    /// The period that holds day `d`, calling `f` for each.
    #[inline]
    fn op(&self, d: i32, mut f: impl FnMut(usize)) {
        self.per(d, d.saturating_add(1), |i, _| f(i));
    }

    fn venster(&self) -> (i32, i32) {
        (
            self.r.iter().map(|p| p.0).min().unwrap_or(0),
            self.r.iter().map(|p| p.1).max().unwrap_or(0),
        )
    }
}

/// Sorted (day, delta) changes with their running sum: a step function of days.
struct Trap {
    dagen: Vec<i32>,
    som: Vec<i64>,
}

impl Trap {
    fn new(mut w: Vec<(i32, i64)>) -> Trap {
        w.sort_unstable_by_key(|x| x.0);
        let mut dagen = Vec::with_capacity(w.len());
        let mut som: Vec<i64> = Vec::with_capacity(w.len());
        let mut s = 0;
        for (d, x) in w {
            s += x;
            if dagen.last() == Some(&d) {
                if let Some(l) = som.last_mut() {
                    *l = s;
                }
            } else {
                dagen.push(d);
                som.push(s);
            }
        }
        Trap { dagen, som }
    }

    /// The first day after `d` on which the value changes (`i32::MAX`: never).
    #[inline]
    fn volgende(&self, d: i32) -> i32 {
        let i = self.dagen.partition_point(|&x| x <= d);
        self.dagen.get(i).copied().unwrap_or(i32::MAX)
    }

    #[inline]
    fn op(&self, d: i32) -> i64 {
        let i = self.dagen.partition_point(|&x| x <= d);
        i.checked_sub(1)
            .and_then(|i| self.som.get(i))
            .copied()
            .unwrap_or(0)
    }
}

impl<'a> Ctx<'a> {
    /// Whether a contract product's task budget and leegstand pass the filter's facility
    /// part: provider, form and regime of the product; never under a facility or gemeente
    /// filter (they belong to no facility and no gemeente).
    fn past_cp(&self, idx: &Index, cp: &Cp) -> bool {
        let f = &self.q.filter;
        if f.voorziening.is_some() || f.gemeente.is_some() {
            return false;
        }
        f.aanbieder.as_ref().is_none_or(|a| {
            idx.contracten
                .get(cp.contract)
                .is_some_and(|c| &c.aanbieder == a)
        }) && f.vorm.is_none_or(|v| vorm_code(v) == cp.vorm)
            && f.regime.is_none_or(|r| regime_code(r) == cp.regime)
    }

    /// Whether a share for region `r` passes the filter's geographic part.
    fn past_regio(&self, r: u32) -> bool {
        let f = &self.q.filter;
        if !self.b.geo_filter {
            return true;
        }
        if f.gemeente.is_some() || r == GEEN {
            return false;
        }
        let p = self.p;
        f.jeugdregio
            .as_ref()
            .is_none_or(|x| p.regios.find(x) == Some(r))
            && f.landsdeel.as_ref().is_none_or(|x| {
                let l = self.b.regio_land.get(r as usize).copied().unwrap_or(GEEN);
                l != GEEN && p.landsdelen.find(x) == Some(l)
            })
    }

    fn regio_rij(&self, regio: u32) -> usize {
        let n = self.p.regios.len();
        if (regio as usize) < n {
            regio as usize
        } else {
            n
        }
    }

    /// The region of a gemeente as known at K (`GEEN`: unknown).
    fn regio_van(&self, g: u32) -> u32 {
        self.b.gem_regio.get(g as usize).copied().unwrap_or(GEEN)
    }

    /// Books a region-level amount per day (`cent` on each of `dagen` days) of contract
    /// product `cp` over its regions: equal whole cents, the remainder to the lead
    /// region; only the shares of regions that pass the filter.
    fn verdeel(&self, t: &mut Telling, cp_i: usize, cp: &Cp, klasse: usize, cent: i64, dagen: i64) {
        let n = cp.regios.len().max(1) as i64;
        let deel = cent.div_euclid(n);
        let rest = cent - deel * n;
        let regios: &[u32] = if cp.regios.is_empty() {
            &[GEEN]
        } else {
            &cp.regios
        };
        for (i, &r) in regios.iter().enumerate() {
            if !self.past_regio(r) {
                continue;
            }
            let per_dag = if i == 0 { deel + rest } else { deel };
            t.boek(cp_i, cp.segment, self.regio_rij(r), klasse, per_dag * dagen);
        }
    }

    /// The tallies of every period: one pass over the placements, then the task budgets
    /// and the leegstand per contract product.
    pub(crate) fn geld_tellingen(
        &self,
        idx: &Index,
        perioden: &[Periode],
        per_jeugdige: bool,
    ) -> Vec<Telling> {
        let p = self.p;
        let per = Perioden::new(perioden);
        let (lo, hi) = per.venster();
        let rijen = p.regios.len() + 1;
        let mut t: Vec<Telling> = (0..perioden.len())
            .map(|_| Telling::nieuw(idx.cps.len(), rijen))
            .collect();
        // The roster of each (facility, youth region) pair, looked up once: a placement
        // then finds its roster by two array reads.
        let mut roosters: Vec<Rooster> = Vec::new();
        let mut per_sleutel: FxMap<(u32, u8, u8, u32), u32> = FxMap::default();
        let mut per_vz: Vec<u32> = vec![u32::MAX; p.vz_namen.len() * rijen];
        let garantie: Vec<bool> = (0..idx.cps.len()).map(|c| idx.heeft_garantie(c)).collect();
        let mut bezet: Vec<Vec<(i32, i64)>> = vec![Vec::new(); idx.cps.len()];

        for pl in p.jt.plaatsingen.visible(self.known_at, lo, hi) {
            let start_in = lo <= pl.begin && pl.begin < hi;
            if pl.begin >= hi || (pl.eind <= lo && !start_in) {
                continue;
            }
            let past = self.past(pl.voorziening, pl.herkomst);
            let attr = self.b.attr.get(pl.voorziening as usize).copied().flatten();
            let a0 = pl.begin.max(lo);
            let b0 = pl.eind.min(hi);
            let Some(attr) = attr else {
                if past {
                    per.per(a0, b0, |i, n| t[i].zonder += n);
                    if start_in {
                        per.op(pl.begin, |i| t[i].starts_zonder += 1);
                    }
                }
                continue;
            };
            let regio = self.regio_van(pl.herkomst);
            let slot = pl.voorziening as usize * rijen + self.regio_rij(regio);
            let ri = match per_vz.get(slot).copied() {
                Some(ri) if ri != u32::MAX => ri,
                _ => {
                    let sleutel = (attr.aanbieder, attr.vorm, attr.regime, regio);
                    let ri = *per_sleutel.entry(sleutel).or_insert_with(|| {
                        roosters.push(idx.rooster(attr.aanbieder, attr.vorm, attr.regime, regio));
                        (roosters.len() - 1) as u32
                    });
                    if let Some(x) = per_vz.get_mut(slot) {
                        *x = ri;
                    }
                    ri
                }
            };
            let Some(ro) = roosters.get(ri as usize) else {
                continue;
            };
            if !past && !ro.garantie {
                continue;
            }
            let rij = match self.b.toerekening {
                Toerekening::Herkomst => self.regio_rij(regio),
                Toerekening::Locatie => self.regio_rij(self.regio_van(attr.gemeente)),
            };
            if b0 > a0 {
                let mut i = ro.zoek(a0);
                while i < ro.van.len() && ro.van[i] < b0 {
                    let s = a0.max(ro.van[i]);
                    let e = b0.min(ro.eind(i));
                    let cp = ro.cp[i];
                    let cent = ro.cent[i];
                    i += 1;
                    if e <= s {
                        continue;
                    }
                    if cp != GEEN_CP && garantie[cp as usize] {
                        bezet[cp as usize].push((s, 1));
                        bezet[cp as usize].push((e, -1));
                    }
                    if !past {
                        continue;
                    }
                    let seg = idx.cps.get(cp as usize).map_or(0, |c| c.segment);
                    per.per(s, e, |k, n| {
                        let tk = &mut t[k];
                        if cp == GEEN_CP {
                            tk.zonder += n;
                        } else {
                            tk.met += n;
                            tk.boek(cp as usize, seg, rij, ETMAAL, n * cent);
                        }
                        if per_jeugdige {
                            let j = tk.jeugdigen.entry(pl.jeugdige).or_default();
                            if cp == GEEN_CP {
                                j[3] += n;
                            } else {
                                j[0] += n * cent;
                                j[2] += n;
                            }
                        }
                    });
                }
            }
            if past && start_in {
                let cp = ro.cp.get(ro.zoek(pl.begin)).copied().unwrap_or(GEEN_CP);
                match idx.cps.get(cp as usize) {
                    None => per.op(pl.begin, |k| t[k].starts_zonder += 1),
                    Some(c) if c.eenheid == Tariefeenheid::Traject => {
                        let cent = c.tarief(pl.begin).unwrap_or(0);
                        per.op(pl.begin, |k| {
                            t[k].boek(cp as usize, c.segment, rij, TRAJECT, cent);
                            if per_jeugdige {
                                t[k].jeugdigen.entry(pl.jeugdige).or_default()[1] += cent;
                            }
                        });
                    }
                    Some(_) => {}
                }
            }
        }

        // Task budgets (JAAR): per day of the contract in P, round(tariff ÷ days in year).
        for (ci, cp) in idx.cps.iter().enumerate() {
            if cp.eenheid != Tariefeenheid::Jaar || !self.past_cp(idx, cp) {
                continue;
            }
            for (k, &(van, tot)) in per.r.iter().enumerate() {
                let mut d = van.max(cp.van);
                let eind = tot.min(cp.tot);
                while d < eind {
                    let jaar = jaar_van(d);
                    let volgende = eind
                        .min(cp.volgende_tariefdatum(d))
                        .min(eerste_jan(jaar + 1));
                    if let Some(tarief) = cp.tarief(d) {
                        let per_dag = deel_afgerond(tarief, dagen_in_jaar(jaar));
                        self.verdeel(&mut t[k], ci, cp, JAAR, per_dag, i64::from(volgende - d));
                    }
                    d = volgende;
                }
            }
        }

        // Leegstand: per day, max(0, guaranteed − occupied) × tariff.
        let mut plaatsen: FxMap<(u32, u8, u8), Trap> = FxMap::default();
        for (ci, cp) in idx.cps.iter().enumerate() {
            if !garantie[ci] || !self.past_cp(idx, cp) {
                continue;
            }
            let bezetting = Trap::new(std::mem::take(&mut bezet[ci]));
            let procent = cp
                .garanties
                .iter()
                .any(|g| matches!(g.1, Some(Garantie::Procent(_))));
            if procent {
                plaatsen
                    .entry((cp.aanbieder, cp.vorm, cp.regime))
                    .or_insert_with(|| self.plaatsen_van(cp.aanbieder, cp.vorm, cp.regime));
            }
            let cap = plaatsen.get(&(cp.aanbieder, cp.vorm, cp.regime));
            for (k, &(van, tot)) in per.r.iter().enumerate() {
                // Piecewise: guarantee, occupancy, places and tariff are constant between
                // their change days, so each stretch costs (its days × its daily amount).
                let eind = tot.min(cp.tot);
                let mut d = van.max(cp.van);
                while d < eind {
                    let volgende = eind
                        .min(cp.volgende_garantie(d))
                        .min(cp.volgende_tariefdatum(d))
                        .min(bezetting.volgende(d))
                        .min(cap.map_or(i32::MAX, |c| c.volgende(d)));
                    let dagen = i64::from(volgende - d);
                    let g = match cp.garantie(d) {
                        Some(Garantie::Plaatsen(n)) => Some(n),
                        Some(Garantie::Procent(pct)) => {
                            let n = cap.map_or(0, |c| c.op(d)).max(0);
                            Some((pct * n + 99).div_euclid(100))
                        }
                        None => None,
                    };
                    if let Some(g) = g {
                        let leeg = (g - bezetting.op(d)).max(0);
                        let cent = leeg * cp.tarief(d).unwrap_or(0);
                        if cent != 0 {
                            self.verdeel(&mut t[k], ci, cp, LEEGSTAND, cent, dagen);
                        }
                    }
                    d = volgende;
                }
            }
        }
        t
    }

    /// Places of provider `a`'s facilities of form `v` and regime `r` (as registered at
    /// K), as a step function of days.
    fn plaatsen_van(&self, a: u32, v: u8, r: u8) -> Trap {
        let w = self
            .p
            .capaciteit
            .visible(self.known_at, i32::MIN, i32::MAX)
            .filter(|c| {
                self.b
                    .attr
                    .get(c.voorziening as usize)
                    .copied()
                    .flatten()
                    .is_some_and(|x| x.aanbieder == a && x.vorm == v && x.regime == r)
            })
            .map(|c| (c.datum, i64::from(c.delta)))
            .collect();
        Trap::new(w)
    }
}

/// Costs of one key of a breakdown, in eurocents.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KostenRij {
    pub sleutel: String,
    pub etmaal_cent: i64,
    pub traject_cent: i64,
    pub jaar_cent: i64,
    /// ETMAAL + TRAJECT + JAAR.
    pub zorgkosten_cent: i64,
    pub leegstand_cent: i64,
    /// Zorgkosten + leegstand.
    pub totaal_cent: i64,
}

impl KostenRij {
    fn van(sleutel: String, k: [i64; 4]) -> KostenRij {
        let zorg = k[ETMAAL] + k[TRAJECT] + k[JAAR];
        KostenRij {
            sleutel,
            etmaal_cent: k[ETMAAL],
            traject_cent: k[TRAJECT],
            jaar_cent: k[JAAR],
            zorgkosten_cent: zorg,
            leegstand_cent: k[LEEGSTAND],
            totaal_cent: zorg + k[LEEGSTAND],
        }
    }
}

/// kosten: what the contracts pay for the care in P, as known at K (docs/kpis.md,
/// "Geld"). Every amount is whole eurocents; the breakdowns each add up to the totals.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kosten {
    /// The totals (`sleutel` = `TOTAAL`).
    pub totaal: KostenRij,
    /// Placement-days in P (ambulant trajectory days included) paid by a contract.
    pub ligdagen_met_contract: i64,
    /// Placement-days in P no contract pays (cost 0).
    pub ligdagen_zonder_contract: i64,
    /// Placement starts in P no contract pays (signal `CONTRACT_ONTBREEKT`).
    pub starts_zonder_contract: i64,
    /// Per provider of the paying contract, sorted.
    pub per_aanbieder: Vec<KostenRij>,
    /// Per product code of the paying contract, sorted.
    pub per_product: Vec<KostenRij>,
    /// Per jeugdregio: placement costs by the attribution (HERKOMST: the youth's region,
    /// LOCATIE: the facility's), JAAR and leegstand by the contract's regions; unknown
    /// last as `ONBEKEND`. Rows with costs only.
    pub per_jeugdregio: Vec<KostenRij>,
    /// Per budget segment (GESLOTEN, OPEN_RESIDENTIEEL, AMBULANT), all three.
    pub per_segment: Vec<KostenRij>,
}

/// kostenPerJeugdige: one youth's placement costs in P (ETMAAL and TRAJECT; task budgets
/// and leegstand belong to no youth).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KostenPerJeugdige {
    /// The youth's pseudonym.
    pub jeugdige: String,
    pub etmaal_cent: i64,
    pub traject_cent: i64,
    pub totaal_cent: i64,
    pub ligdagen_met_contract: i64,
    pub ligdagen_zonder_contract: i64,
}

fn rijen(m: BTreeMap<String, [i64; 4]>) -> Vec<KostenRij> {
    m.into_iter().map(|(k, v)| KostenRij::van(k, v)).collect()
}

fn plus(a: &mut [i64; 4], b: &[i64; 4]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

impl Ctx<'_> {
    pub(crate) fn kosten_van(&self, idx: &Index, t: &Telling) -> Kosten {
        let mut totaal = [0i64; 4];
        let mut aanbieder: BTreeMap<String, [i64; 4]> = BTreeMap::new();
        let mut product: BTreeMap<String, [i64; 4]> = BTreeMap::new();
        let mut segment = [[0i64; 4]; 3];
        for (cp, k) in idx.cps.iter().zip(&t.cp) {
            if k.iter().all(|&x| x == 0) {
                continue;
            }
            plus(&mut totaal, k);
            let a = idx
                .contracten
                .get(cp.contract)
                .map_or_else(String::new, |c| c.aanbieder.clone());
            plus(aanbieder.entry(a).or_default(), k);
            plus(product.entry(cp.code.clone()).or_default(), k);
            plus(&mut segment[cp.segment % 3], k);
        }
        let n = self.p.regios.len();
        let mut per_regio = Vec::new();
        let mut onbekend = None;
        for (r, segs) in t.regio.iter().enumerate() {
            let mut k = [0i64; 4];
            for s in segs {
                plus(&mut k, s);
            }
            if k.iter().all(|&x| x == 0) {
                continue;
            }
            match self.p.regios.naam(r as u32).filter(|_| r < n) {
                Some(naam) => per_regio.push(KostenRij::van(naam.to_owned(), k)),
                None => onbekend = Some(KostenRij::van("ONBEKEND".to_owned(), k)),
            }
        }
        per_regio.sort_by(|a, b| a.sleutel.cmp(&b.sleutel));
        per_regio.extend(onbekend);
        Kosten {
            totaal: KostenRij::van("TOTAAL".to_owned(), totaal),
            ligdagen_met_contract: t.met,
            ligdagen_zonder_contract: t.zonder,
            starts_zonder_contract: t.starts_zonder,
            per_aanbieder: rijen(aanbieder),
            per_product: rijen(product),
            per_jeugdregio: per_regio,
            per_segment: Budgetsegment::ALL
                .iter()
                .zip(segment)
                .map(|(s, k)| KostenRij::van(s.code().to_owned(), k))
                .collect(),
        }
    }
}

pub(crate) fn periode_query(q: &Query, p: Periode) -> Query {
    let mut q = q.clone();
    q.periode = p;
    q.peildatum = None;
    q
}

impl Projection {
    /// kosten for the query's period, as known at its knowledge time.
    pub fn kosten(&self, q: &Query) -> Kpi<Kosten> {
        let c = Ctx::new(self, q);
        let idx = Index::new(self, &c);
        let t = c.geld_tellingen(&idx, &[q.periode], false);
        let k = t.first().map(|t| c.kosten_van(&idx, t)).unwrap_or_default();
        c.kpi("kosten", k)
    }

    /// kosten for each period, in one pass over the placements.
    pub fn kosten_reeks(&self, q: &Query, perioden: &[Periode]) -> Vec<Kpi<Kosten>> {
        let c = Ctx::new(self, q);
        let idx = Index::new(self, &c);
        let t = c.geld_tellingen(&idx, perioden, false);
        perioden
            .iter()
            .zip(&t)
            .map(|(&per, t)| {
                let qp = periode_query(q, per);
                let cp = c.periode(&qp);
                cp.kpi("kosten", c.kosten_van(&idx, t))
            })
            .collect()
    }

    /// kostenPerJeugdige: every youth with placement costs or placement-days in P, by
    /// pseudonym (person-level: the API decides who may ask).
    pub fn kosten_per_jeugdige(&self, q: &Query) -> Kpi<Vec<KostenPerJeugdige>> {
        let c = Ctx::new(self, q);
        let idx = Index::new(self, &c);
        let t = c.geld_tellingen(&idx, &[q.periode], true);
        let namen = self.pseudoniemen();
        let mut uit: Vec<KostenPerJeugdige> = t
            .into_iter()
            .next()
            .map(|t| t.jeugdigen)
            .unwrap_or_default()
            .into_iter()
            .map(|(j, k)| KostenPerJeugdige {
                jeugdige: namen
                    .get(j as usize)
                    .copied()
                    .flatten()
                    .unwrap_or("ONBEKEND")
                    .to_owned(),
                etmaal_cent: k[0],
                traject_cent: k[1],
                totaal_cent: k[0] + k[1],
                ligdagen_met_contract: k[2],
                ligdagen_zonder_contract: k[3],
            })
            .collect();
        uit.sort_by(|a, b| a.jeugdige.cmp(&b.jeugdige));
        c.kpi("kostenPerJeugdige", uit)
    }
}
