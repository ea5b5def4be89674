//! The request-side figures (docs/kpis.md, "Vraag"): wachtenden, wachttijd,
//! aanmeldingenPerVerzoek, afwijzingen, passendGeplaatst and benodigdeCapaciteit, each
//! for one period or a series, exact or protected by the cell-key method.
//!
//! A query first selects the records visible at its knowledge time that pass its filter
//! ([`Selectie`]), once; each period is then a scan of those compact lists, so a series
//! is its periods computed one by one from the same selection (and equals them).
//!
//! Filters on requests: landsdeel, jeugdregio and gemeente select by the request's
//! responsible jeugdregio (a gemeente: the requests of its jeugdregio), whatever the
//! attribution; vorm and regime by the needed form and regime; aanbieder: requests
//! registered with that provider or fulfilled in one of its facilities; voorziening:
//! requests registered for or fulfilled in that facility. Registrations and refusals
//! carry their request's region and needed form/regime, and an aanbieder filter selects
//! those of that provider (a voorziening filter: registrations naming it, refusals by
//! its provider).

use chrono::NaiveDate;
use kringloop_events::{Urgentie, Vorm, Weigeringsreden, rang_van_voorziening};
use serde::{Deserialize, Serialize};

use super::{Aanmelding, Verzoek, Weigering, afsluiting};
use crate::Periode;
use crate::context::{Ctx, NIETS};
use crate::disclosure::{Cel, MIN_DUREN, RecordKeys, ruis, verstoor};
use crate::feiten::{GEEN, REGIMES, regime_code, regime_van, vorm_code, vorm_van};
use crate::mem::FxMap;
use crate::periode::{OPEN, datum};
use crate::projectie::Projection;
use crate::query::Query;
use crate::report::{Aantal, Bescherming, Doelafwijking, Kpi, Kruistabel, Verhouding};

/// Record kinds of the request side (after those of `disclosure::soort`).
mod soort {
    pub const VERZOEK: u64 = 11;
    pub const AANMELDING: u64 = 12;
    pub const WEIGERING: u64 = 13;
    pub const JEUGDIGE: u64 = crate::disclosure::soort::JEUGDIGE;
}

/// The waiting-time norms (days from request to closure): SPOED 7, REGULIER configurable
/// (default 42), as the write side's `Normen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VraagNormen {
    pub spoed: i32,
    pub regulier: i32,
}

impl Default for VraagNormen {
    fn default() -> Self {
        VraagNormen {
            spoed: 7,
            regulier: 42,
        }
    }
}

impl VraagNormen {
    fn norm(&self, urgentie: u8) -> i32 {
        if urgentie == urgentie_code(Urgentie::Spoed) {
            self.spoed
        } else {
            self.regulier
        }
    }
}

fn urgentie_code(u: Urgentie) -> u8 {
    Urgentie::ALL.iter().position(|&x| x == u).unwrap_or(0) as u8
}

/// wachtenden at the peildatum.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Wachtenden {
    pub peildatum: Option<NaiveDate>,
    /// Unique youths with at least one request open on the peildatum.
    pub jeugdigen: Aantal,
    /// Requests open on the peildatum.
    pub verzoeken: Aantal,
    /// Unique youths per needed vorm / regime / urgentie / jeugdregio (one column
    /// `jeugdigen`); a youth counts once in each row it appears in, and once in the total.
    pub per_vorm: Kruistabel,
    pub per_regime: Kruistabel,
    pub per_urgentie: Kruistabel,
    pub per_jeugdregio: Kruistabel,
    /// The longest wait (peildatum − request date, days) over the open requests.
    pub langste_wachttijd: Option<i64>,
    /// Unique youths with an open request waiting longer than its norm.
    pub boven_norm: Aantal,
    /// The stock-flow of requests over P = [a, b): begin (datum < a ≤ closure) + nieuw
    /// (datum in P) − vervuld − ingetrokken (closed in P) = eind (datum < b ≤ closure).
    pub begin: Aantal,
    pub nieuw: Aantal,
    pub vervuld: Aantal,
    pub ingetrokken: Aantal,
    pub eind: Aantal,
    /// How the longest wait was protected (withheld below 8 published youths).
    pub bescherming: Bescherming,
}

/// Mean, median and p90 of waiting days and the share within the norm.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Duur {
    pub aantal: Aantal,
    pub gemiddelde: Option<f64>,
    pub mediaan: Option<f64>,
    pub p90: Option<f64>,
    pub binnen_norm: Verhouding,
    pub bescherming: Bescherming,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WachttijdRij {
    pub urgentie: String,
    pub duur: Duur,
}

/// wachttijd: request → fulfilment of the requests fulfilled in P.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Wachttijd {
    pub totaal: Duur,
    pub per_urgentie: Vec<WachttijdRij>,
}

/// aanmeldingenPerVerzoek.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Aanmeldingen {
    /// Requests closed (fulfilled or withdrawn) in P.
    pub verzoeken: Aantal,
    /// Mean number of distinct providers they were registered with.
    pub gemiddelde: Option<f64>,
    /// Those requests by number of distinct providers: 0, 1, 2, 3-5, 6+.
    pub verdeling: Kruistabel,
    /// Registrations dated in P.
    pub aanmeldingen: Aantal,
    pub bescherming: Bescherming,
}

/// afwijzingen: refusals dated in P.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Afwijzingen {
    pub aantal: Aantal,
    pub per_reden: Kruistabel,
    pub per_aanbieder: Kruistabel,
}

/// What a fulfilled request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PassendCategorie {
    /// Exactly the needed form and regime, not a bridging place.
    Passend,
    /// A bridging place (takes precedence over the rest).
    Overbrugging,
    /// A lighter facility than needed (`rang_van_voorziening`).
    Lichter,
    Zwaarder,
    /// The same weight, another form or regime.
    AndereVorm,
    /// The facility's form is not known at K.
    Onbekend,
}

impl PassendCategorie {
    pub const ALL: [PassendCategorie; 6] = [
        PassendCategorie::Passend,
        PassendCategorie::Overbrugging,
        PassendCategorie::Lichter,
        PassendCategorie::Zwaarder,
        PassendCategorie::AndereVorm,
        PassendCategorie::Onbekend,
    ];
    pub fn code(self) -> &'static str {
        match self {
            PassendCategorie::Passend => "PASSEND",
            PassendCategorie::Overbrugging => "OVERBRUGGING",
            PassendCategorie::Lichter => "LICHTER",
            PassendCategorie::Zwaarder => "ZWAARDER",
            PassendCategorie::AndereVorm => "ANDERE_VORM",
            PassendCategorie::Onbekend => "ONBEKEND",
        }
    }
}

/// passendGeplaatst.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Passend {
    /// PASSEND ÷ requests fulfilled in P.
    pub passend: Verhouding,
    /// Every category (rows `PassendCategorie::code`), one column `aantal`.
    pub per_categorie: Kruistabel,
}

/// The parameters of benodigdeCapaciteit (its scenario form changes them).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapaciteitScenario {
    /// Length of the trailing window ending on the period's last day.
    pub venster_dagen: i32,
    pub doelbezetting: f64,
    /// Change of the inflow, percent (−20: a fifth less).
    pub instroom_wijziging: f64,
    /// Change of the mean stay, percent.
    pub verblijf_wijziging: f64,
}

impl Default for CapaciteitScenario {
    fn default() -> Self {
        CapaciteitScenario {
            venster_dagen: 365,
            doelbezetting: 0.9,
            instroom_wijziging: 0.0,
            verblijf_wijziging: 0.0,
        }
    }
}

/// A scenario parameter out of range (a Dutch message for the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScenarioFout(pub String);

impl CapaciteitScenario {
    pub fn geldig(&self) -> Result<(), String> {
        if !(1..=3660).contains(&self.venster_dagen) {
            return Err(format!(
                "het venster is 1 tot 3660 dagen, niet {}",
                self.venster_dagen
            ));
        }
        if !(self.doelbezetting > 0.0 && self.doelbezetting <= 1.0) {
            return Err(format!(
                "de doelbezetting ligt in (0, 1], niet {}",
                self.doelbezetting
            ));
        }
        for (naam, x) in [
            ("instroom", self.instroom_wijziging),
            ("verblijfsduur", self.verblijf_wijziging),
        ] {
            if !(-100.0..=1000.0).contains(&x) {
                return Err(format!("de wijziging van {naam} ligt in [-100, 1000] %"));
            }
        }
        Ok(())
    }
}

/// One form × regime of benodigdeCapaciteit, with every input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BenodigdeCel {
    pub vorm: String,
    pub regime: String,
    /// Placements (doorplaatsingen included) started in the window into this cell.
    pub gestarte_plaatsingen: Aantal,
    /// Requests needing this cell open on the window's last day.
    pub wachtende_verzoeken: Aantal,
    /// The two together, times (1 + instroomWijziging / 100).
    pub instroom: Option<f64>,
    /// instroom ÷ window days.
    pub per_dag: Option<f64>,
    /// Stays in this cell that ended in the window.
    pub beeindigde_verblijven: Aantal,
    /// Their mean length (days), times (1 + verblijfWijziging / 100).
    pub gemiddelde_verblijfsduur: Option<f64>,
    /// perDag × gemiddeldeVerblijfsduur ÷ doelbezetting.
    pub benodigd: Option<f64>,
    /// Capacity on the window's last day.
    pub capaciteit: i64,
    /// benodigd − capaciteit: positive a shortage, negative a surplus.
    pub tekort: Option<f64>,
    /// The target trajectory for this cell (interpolated), if one is set.
    pub doel: Option<f64>,
    /// benodigd − doel.
    pub tekort_tegen_doel: Option<f64>,
    /// How the stay statistic was protected.
    pub bescherming: Bescherming,
}

/// benodigdeCapaciteit for one period (its last day ends the window).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BenodigdeCapaciteit {
    /// The period's last day: the window's end and the capacity's peildatum.
    pub peildatum: Option<NaiveDate>,
    pub venster_van: Option<NaiveDate>,
    pub venster_dagen: i32,
    pub doelbezetting: f64,
    pub instroom_wijziging: f64,
    pub verblijf_wijziging: f64,
    /// Every form × regime with inflow, stays, capacity or a target.
    pub cellen: Vec<BenodigdeCel>,
    /// Sums over the cells: `benodigd` over the cells with a needed figure, `capaciteit`
    /// over every cell, `tekort` (benodigd − capaciteit) over the cells with a needed
    /// figure only, so that a form whose need is unknown is no surplus.
    pub benodigd: Option<f64>,
    pub capaciteit: i64,
    pub tekort: Option<f64>,
}

// ------------------------------------------------------------------ selection

/// The records a query sees: visible at K, passing the filter. Independent of the
/// period, so a series selects once.
pub(crate) struct Selectie<'a> {
    c: Ctx<'a>,
    verzoeken: Vec<Verzoek>,
    aanmeldingen: Vec<Aanmelding>,
    weigeringen: Vec<Weigering>,
    sleutels: Option<RecordKeys>,
    /// `verzoeken` in closure order (open ones last, `sluit_orde`): their closure dates and
    /// the running sums of their keys in that order, and the same by request date; the
    /// registrations and refusals are ordered by date (`orde_op_dag`, no comparison
    /// sort). So a period's stocks and flows are binary searches, its closures a slice,
    /// and its open requests a scan of the date order that skips closed blocks.
    sluitingen: Vec<i32>,
    sluiting_som: Vec<Cel>,
    datums: Vec<i32>,
    datum_som: Vec<Cel>,
    aanmelding_data: Vec<i32>,
    aanmelding_som: Vec<Cel>,
    weigering_data: Vec<i32>,
    /// Indices of `verzoeken` in closure order, of `weigeringen` in date order.
    sluit_orde: Vec<u32>,
    weigering_orde: Vec<u32>,
    /// Indices of `verzoeken` in date order, and per block of `BLOK` of them the latest
    /// closure.
    datum_orde: Vec<u32>,
    blok_max: Vec<i32>,
    /// The capacity changes up to the last window's end, read once for every period.
    cap: std::cell::OnceCell<Vec<crate::context::CapRegel>>,
    /// The valid days [lo, hi] the windows of `benodigdeCapaciteit` may cover, and the
    /// placements in them, indexed once for every period.
    venster: (i32, i32),
    verblijven: std::cell::OnceCell<VerblijfIndex>,
}

/// The indices `0..n` of `dagen` ordered by day, equal days in index order: the order a
/// sort of (day, index) gives. Day numbers span a few thousand days, so a counting sort
/// over them (one pass to count, one to place) replaces the comparison sort a query
/// would otherwise pay for every list it orders; `OPEN` goes last. A span far wider than
/// the list (a broken date) falls back to the sort.
pub(crate) fn orde_op_dag(dagen: &[i32]) -> Vec<u32> {
    let n = dagen.len();
    let (mut lo, mut hi) = (i32::MAX, i32::MIN);
    for &d in dagen.iter().filter(|&&d| d != OPEN) {
        lo = lo.min(d);
        hi = hi.max(d);
    }
    let span = if lo > hi {
        0
    } else {
        (i64::from(hi) - i64::from(lo) + 1) as usize
    };
    if span > 4 * n + 4096 || n > u32::MAX as usize {
        let mut o: Vec<(i32, u32)> = (dagen.iter().enumerate())
            .map(|(i, &d)| (d, i as u32))
            .collect();
        o.sort_unstable();
        return o.into_iter().map(|x| x.1).collect();
    }
    // Bucket of a day: its offset from `lo`; `OPEN` after every day.
    let bak = |d: i32| {
        if d == OPEN {
            span
        } else {
            (i64::from(d) - i64::from(lo)) as usize
        }
    };
    let mut start = vec![0u32; span + 2];
    for &d in dagen {
        if let Some(c) = start.get_mut(bak(d) + 1) {
            *c += 1;
        }
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut o = vec![0u32; n];
    for (i, &d) in dagen.iter().enumerate() {
        if let Some(c) = start.get_mut(bak(d)) {
            if let Some(x) = o.get_mut(*c as usize) {
                *x = i as u32;
            }
            *c += 1;
        }
    }
    o
}

/// `l` ordered by the day `dag` of each element (stable).
fn op_dag<T: Copy>(l: &[T], dag: impl Fn(&T) -> i32) -> Vec<T> {
    let dagen: Vec<i32> = l.iter().map(dag).collect();
    orde_op_dag(&dagen)
        .into_iter()
        .filter_map(|i| l.get(i as usize).copied())
        .collect()
}

/// Requests per block of the date order (`Selectie::open_op`).
const BLOK: usize = 256;

/// Placements visible at K that pass the filter, per form × regime: running sums of
/// their record keys (and lengths) by start day and by end day, so that the starts and
/// ended stays of any window are two look-ups.
struct VerblijfIndex {
    begin: Vec<Lopend<Cel>>,
    eind: Vec<Lopend<(Cel, i64)>>,
}

/// Running sums of one cell's records over their days: `som[j]` sums the records dated
/// before day `lo + j` (one slot per day of the windows, filled in one pass without
/// ordering anything) or, for a span of days too long for that, before the `j`-th
/// record in `dagen` (sorted).
struct Lopend<T> {
    lo: i32,
    dagen: Option<Vec<i32>>,
    som: Vec<T>,
}

impl<T: Copy + Default> Lopend<T> {
    /// The sum of the records dated before `x`.
    fn voor(&self, x: i32) -> T {
        let i = match &self.dagen {
            None => (i64::from(x) - i64::from(self.lo))
                .clamp(0, self.som.len().saturating_sub(1) as i64) as usize,
            Some(d) => d.partition_point(|&y| y < x),
        };
        self.som.get(i).copied().unwrap_or_default()
    }
}

/// Days of the windows indexed one slot per day (about 4 000 for a 40-quarter series);
/// a longer span is indexed over its records sorted by day.
const MAX_DAGEN: i64 = 40_000;

impl VerblijfIndex {
    fn new(s: &Selectie<'_>, lo: i32, hi: i32) -> VerblijfIndex {
        let b = &*s.c.b;
        let nv = Vorm::ALL.len();
        let span = i64::from(hi) - i64::from(lo) + 1;
        let per_dag = (1..=MAX_DAGEN).contains(&span);
        let slots = if per_dag { span as usize + 1 } else { 0 };
        let mut begin_dag: Vec<Vec<Cel>> = vec![Vec::new(); nv * 2];
        let mut eind_dag: Vec<Vec<(Cel, i64)>> = vec![Vec::new(); nv * 2];
        let mut begins: Vec<Vec<(i32, u64)>> = vec![Vec::new(); nv * 2];
        let mut einden: Vec<Vec<(i32, u64, i64)>> = vec![Vec::new(); nv * 2];
        // Slot of a record dated `d` in [lo, hi]: it counts in the sums before every
        // later day.
        let slot = |d: i32| (i64::from(d) - i64::from(lo) + 1) as usize;
        for pl in s.c.p.jt.plaatsingen.visible(s.c.known_at, lo, hi) {
            let start = lo <= pl.begin && pl.begin <= hi;
            let einde = pl.eind != OPEN && lo <= pl.eind && pl.eind <= hi;
            if !(start || einde) || !s.c.past(pl.voorziening, pl.herkomst) {
                continue;
            }
            let Some(i) = b
                .attr
                .get(pl.voorziening as usize)
                .copied()
                .flatten()
                .map(|a| (a.vorm as usize % nv) * 2 + (a.regime as usize % 2))
            else {
                continue;
            };
            let key = s.sleutels.map_or(0, |sl| {
                sl.feit(
                    crate::disclosure::soort::PLAATSING,
                    pl.jeugdige,
                    pl.begin,
                    pl.voorziening,
                )
            });
            let duur = i64::from(pl.eind) - i64::from(pl.begin);
            if per_dag {
                if start && let Some(l) = begin_dag.get_mut(i) {
                    if l.is_empty() {
                        l.resize(slots, Cel::default());
                    }
                    if let Some(c) = l.get_mut(slot(pl.begin)) {
                        c.tel(key);
                    }
                }
                if einde && let Some(l) = eind_dag.get_mut(i) {
                    if l.is_empty() {
                        l.resize(slots, (Cel::default(), 0));
                    }
                    if let Some(c) = l.get_mut(slot(pl.eind)) {
                        c.0.tel(key);
                        c.1 += duur;
                    }
                }
            } else {
                if start && let Some(l) = begins.get_mut(i) {
                    l.push((pl.begin, key));
                }
                if einde && let Some(l) = einden.get_mut(i) {
                    l.push((pl.eind, key, duur));
                }
            }
        }
        if per_dag {
            for l in &mut begin_dag {
                for j in 1..l.len() {
                    l[j] = l[j].plus(l[j - 1]);
                }
            }
            for l in &mut eind_dag {
                for j in 1..l.len() {
                    l[j] = (l[j].0.plus(l[j - 1].0), l[j].1 + l[j - 1].1);
                }
            }
            return VerblijfIndex {
                begin: (begin_dag.into_iter())
                    .map(|som| Lopend {
                        lo,
                        dagen: None,
                        som,
                    })
                    .collect(),
                eind: (eind_dag.into_iter())
                    .map(|som| Lopend {
                        lo,
                        dagen: None,
                        som,
                    })
                    .collect(),
            };
        }
        // Ordered by day only: the running sums are read at day boundaries, so the order
        // within a day does not matter.
        let mut ix = VerblijfIndex {
            begin: Vec::new(),
            eind: Vec::new(),
        };
        for l in begins {
            let l = op_dag(&l, |x| x.0);
            let mut som = vec![Cel::default()];
            let mut c = Cel::default();
            for &(_, k) in &l {
                c.tel(k);
                som.push(c);
            }
            ix.begin.push(Lopend {
                lo,
                dagen: Some(l.iter().map(|x| x.0).collect()),
                som,
            });
        }
        for l in einden {
            let l = op_dag(&l, |x| x.0);
            let mut som = vec![(Cel::default(), 0)];
            let (mut c, mut d) = (Cel::default(), 0i64);
            for &(_, k, n) in &l {
                c.tel(k);
                d += n;
                som.push((c, d));
            }
            ix.eind.push(Lopend {
                lo,
                dagen: Some(l.iter().map(|x| x.0).collect()),
                som,
            });
        }
        ix
    }

    /// Placements of cell `i` starting in [lo, hi].
    fn starts(&self, i: usize, lo: i32, hi: i32) -> Cel {
        let Some(l) = self.begin.get(i) else {
            return Cel::default();
        };
        verschil(l.voor(lo), l.voor(hi.saturating_add(1)))
    }

    /// Stays of cell `i` ending in [lo, hi], and their days.
    fn einden(&self, i: usize, lo: i32, hi: i32) -> (Cel, i64) {
        let Some(l) = self.eind.get(i) else {
            return (Cel::default(), 0);
        };
        let (x, y) = (l.voor(lo), l.voor(hi.saturating_add(1)));
        (verschil(x.0, y.0), y.1 - x.1)
    }
}

impl<'a> Selectie<'a> {
    fn new(
        p: &'a Projection,
        q: &'a Query,
        sleutels: Option<&RecordKeys>,
        delen: Delen,
    ) -> Selectie<'a> {
        let c = Ctx::new(p, q);
        let k = c.known_at;
        let f = &q.filter;
        let find = |naam: &Option<String>, namen: &crate::interner::Interner| -> Option<u32> {
            naam.as_ref().map(|n| namen.find(n).unwrap_or(NIETS))
        };
        let f_land = find(&f.landsdeel, &p.landsdelen);
        let f_regio = find(&f.jeugdregio, &p.regios);
        let f_gem = find(&f.gemeente, &p.gemeenten);
        let f_aanb = find(&f.aanbieder, &p.aanbieders);
        let f_vz = find(&f.voorziening, &p.vz_namen);
        let f_vorm = f.vorm.map(vorm_code);
        let f_regime = f.regime.map(regime_code);
        let b = &*c.b;
        let gem_regio = f_gem.map(|g| b.gem_regio.get(g as usize).copied().unwrap_or(NIETS));
        let regio_ok = |r: u32| {
            f_regio.is_none_or(|x| x == r)
                && f_land.is_none_or(|x| x == b.regio_land.get(r as usize).copied().unwrap_or(GEEN))
                && gem_regio.is_none_or(|x| x == r)
        };
        let aanbieder_van = |vz: u32| {
            b.attr
                .get(vz as usize)
                .copied()
                .flatten()
                .map_or(GEEN, |a| a.aanbieder)
        };
        let cel_ok = |vorm: u8, regime: u8| {
            f_vorm.is_none_or(|x| x == vorm) && f_regime.is_none_or(|x| x == regime)
        };
        let vz_aanbieder = f_vz.map(aanbieder_van);
        let aanmelding_ok = |a: &Aanmelding| {
            f_aanb.is_none_or(|x| x == a.aanbieder) && f_vz.is_none_or(|x| x == a.voorziening)
        };
        // Requests with a registration that passes the provider filters.
        let mut aangemeld: FxMap<(u32, u32), ()> = FxMap::default();
        if delen.verzoeken && (f_aanb.is_some() || f_vz.is_some()) {
            for a in p.vraag.aanmeldingen.zichtbaar(k) {
                if aanmelding_ok(a) {
                    aangemeld.insert((a.jeugdige, a.verzoek), ());
                }
            }
        }
        // The lists are collected with room for every version (an upper bound), so that
        // collecting copies each record once instead of again at every growth; a part the
        // query does not use is not scanned at all.
        let kies = |deel: bool, n: usize| if deel { n } else { 0 };
        let mut verzoeken =
            Vec::with_capacity(kies(delen.verzoeken, p.vraag.verzoeken.versies.len()));
        if delen.verzoeken {
            verzoeken.extend(
                (p.vraag.verzoeken.zichtbaar(k))
                    .filter(|v| regio_ok(v.regio) && cel_ok(v.vorm, v.regime))
                    .filter(|v| {
                        if f_aanb.is_none() && f_vz.is_none() {
                            return true;
                        }
                        let vervuld = v.voorziening != GEEN
                            && f_aanb.is_none_or(|x| x == aanbieder_van(v.voorziening))
                            && f_vz.is_none_or(|x| x == v.voorziening);
                        vervuld || aangemeld.contains_key(&(v.jeugdige, v.verzoek))
                    })
                    .copied(),
            );
        }
        let mut aanmeldingen =
            Vec::with_capacity(kies(delen.aanmeldingen, p.vraag.aanmeldingen.versies.len()));
        if delen.aanmeldingen {
            aanmeldingen.extend(
                (p.vraag.aanmeldingen.zichtbaar(k))
                    .filter(|a| regio_ok(a.regio) && cel_ok(a.vorm, a.regime) && aanmelding_ok(a))
                    .copied(),
            );
        }
        let mut weigeringen =
            Vec::with_capacity(kies(delen.weigeringen, p.vraag.weigeringen.versies.len()));
        if delen.weigeringen {
            weigeringen.extend(
                (p.vraag.weigeringen.zichtbaar(k))
                    .filter(|w| {
                        regio_ok(w.regio)
                            && cel_ok(w.vorm, w.regime)
                            && f_aanb.is_none_or(|x| x == w.aanbieder)
                            && vz_aanbieder.is_none_or(|x| x == w.aanbieder)
                    })
                    .copied(),
            );
        }
        let mut s = Selectie {
            c,
            verzoeken,
            aanmeldingen,
            weigeringen,
            sleutels: sleutels.copied(),
            sluitingen: Vec::new(),
            sluiting_som: Vec::new(),
            datums: Vec::new(),
            datum_som: Vec::new(),
            aanmelding_data: Vec::new(),
            aanmelding_som: Vec::new(),
            weigering_data: Vec::new(),
            sluit_orde: Vec::new(),
            weigering_orde: Vec::new(),
            datum_orde: Vec::new(),
            blok_max: Vec::new(),
            cap: std::cell::OnceCell::new(),
            venster: (i32::MIN, i32::MIN),
            verblijven: std::cell::OnceCell::new(),
        };
        s.orden();
        s
    }

    fn orden(&mut self) {
        fn lopend(o: &[u32], sleutel: impl Fn(usize) -> u64) -> Vec<Cel> {
            let mut som = Vec::with_capacity(o.len() + 1);
            let mut c = Cel::default();
            som.push(c);
            for &i in o {
                c.tel(sleutel(i as usize));
                som.push(c);
            }
            som
        }
        fn dagen_in(o: &[u32], dagen: &[i32]) -> Vec<i32> {
            o.iter()
                .map(|&i| dagen.get(i as usize).copied().unwrap_or(OPEN))
                .collect()
        }
        let vk = |i: usize| self.verzoeken.get(i).map_or(0, |v| self.verzoek_sleutel(v));
        let sluiting: Vec<i32> = self.verzoeken.iter().map(|v| v.sluiting).collect();
        let datum: Vec<i32> = self.verzoeken.iter().map(|v| v.datum).collect();
        let sluit_orde = orde_op_dag(&sluiting);
        let sluitingen = dagen_in(&sluit_orde, &sluiting);
        let sluiting_som = lopend(&sluit_orde, vk);
        let datum_orde = orde_op_dag(&datum);
        let datums = dagen_in(&datum_orde, &datum);
        let datum_som = lopend(&datum_orde, vk);
        // Per block of requests in date order, the latest closure among them: the scan
        // for the requests open on a day skips the blocks closed before it.
        let blok_max = (datum_orde.chunks(BLOK))
            .map(|b| {
                b.iter()
                    .map(|&i| sluiting.get(i as usize).copied().unwrap_or(OPEN))
                    .max()
                    .unwrap_or(OPEN)
            })
            .collect();
        let dagen: Vec<i32> = self.aanmeldingen.iter().map(|a| a.datum).collect();
        let o = orde_op_dag(&dagen);
        self.aanmelding_data = dagen_in(&o, &dagen);
        self.aanmelding_som = lopend(&o, |i| {
            self.aanmeldingen
                .get(i)
                .map_or(0, |a| self.aanmelding_sleutel(a))
        });
        let dagen: Vec<i32> = self.weigeringen.iter().map(|w| w.datum).collect();
        let o = orde_op_dag(&dagen);
        self.weigering_data = dagen_in(&o, &dagen);
        self.weigering_orde = o;
        self.sluitingen = sluitingen;
        self.sluiting_som = sluiting_som;
        self.sluit_orde = sluit_orde;
        self.datums = datums;
        self.datum_som = datum_som;
        self.datum_orde = datum_orde;
        self.blok_max = blok_max;
    }

    fn aanmelding_sleutel(&self, a: &Aanmelding) -> u64 {
        self.sleutels.map_or(0, |s| {
            s.feit(soort::AANMELDING, a.jeugdige, a.datum, a.aanbieder) ^ u64::from(a.verzoek)
        })
    }

    /// The records (keys) among `data` (sorted) dated before `x`.
    fn voor(data: &[i32], som: &[Cel], x: i32) -> Cel {
        som.get(data.partition_point(|&d| d < x))
            .copied()
            .unwrap_or_default()
    }

    /// Indices of `data` (sorted) in [van, tot).
    fn bereik(data: &[i32], van: i32, tot: i32) -> std::ops::Range<usize> {
        data.partition_point(|&d| d < van)..data.partition_point(|&d| d < tot)
    }

    /// Requests closed in [van, tot).
    fn gesloten_in(&self, van: i32, tot: i32) -> impl Iterator<Item = &Verzoek> + '_ {
        let r = Self::bereik(&self.sluitingen, van, tot);
        (self.sluit_orde.get(r).unwrap_or_default().iter())
            .filter_map(|&i| self.verzoeken.get(i as usize))
    }

    /// Requests open on day `d` (datum ≤ d < closure): those dated on or before `d`, in
    /// date order, skipping the blocks whose requests all closed by `d` (most of the
    /// early ones), so a day costs its open requests and a pass over the blocks.
    fn open_op(&self, d: i32) -> impl Iterator<Item = &Verzoek> + '_ {
        let n = self.datums.partition_point(|&x| x <= d);
        let orde = self.datum_orde.get(..n).unwrap_or_default();
        (orde.chunks(BLOK).zip(&self.blok_max))
            .filter(move |&(_, &max)| max > d)
            .flat_map(|(b, _)| b.iter())
            .filter_map(|&i| self.verzoeken.get(i as usize))
            .filter(move |v| v.open_op(d))
    }

    fn verzoek_sleutel(&self, v: &Verzoek) -> u64 {
        self.sleutels.map_or(0, |s| {
            s.sleutel(soort::VERZOEK, u64::from(v.jeugdige), u64::from(v.verzoek))
        })
    }
    fn jeugdige_sleutel(&self, j: u32) -> u64 {
        self.sleutels
            .map_or(0, |s| s.sleutel(soort::JEUGDIGE, u64::from(j), 0))
    }
    fn beschermd(&self) -> bool {
        self.sleutels.is_some()
    }
    /// A count as published.
    fn aantal(&self, c: Cel) -> Aantal {
        if self.beschermd() {
            verstoor(c)
        } else {
            Aantal::van(c.n)
        }
    }
}

/// The records in `b` and not in `a` (`a` ⊆ `b`).
fn verschil(a: Cel, b: Cel) -> Cel {
    Cel {
        n: b.n - a.n,
        k: b.k.wrapping_sub(a.k),
    }
}

/// Which records a query selects (the others stay empty).
#[derive(Clone, Copy)]
struct Delen {
    verzoeken: bool,
    aanmeldingen: bool,
    weigeringen: bool,
}

const ALLES: Delen = Delen {
    verzoeken: true,
    aanmeldingen: true,
    weigeringen: true,
};
const VERZOEKEN: Delen = Delen {
    verzoeken: true,
    aanmeldingen: false,
    weigeringen: false,
};

/// Per-period day bounds.
struct Per {
    van: i32,
    tot: i32,
    peil: i32,
}

fn per(q: &Query) -> Per {
    let (van, tot) = q.periode.dagnummers();
    Per {
        van,
        tot,
        peil: crate::periode::dag(q.peil()),
    }
}

fn periode_query(q: &Query, p: Periode) -> Query {
    let mut q = q.clone();
    q.periode = p;
    q
}

/// A one-column table whose rows are cells keyed by their records, and whose totals are
/// `totaal` (for youths: the union, each youth once).
fn een_kolom(
    s: &Selectie<'_>,
    rijen: Vec<String>,
    kolom: &str,
    cellen: &[Cel],
    totaal: Cel,
) -> Kruistabel {
    let waarden: Vec<Vec<i64>> = cellen.iter().map(|c| vec![c.n]).collect();
    let mut t = Kruistabel::nieuw(rijen, vec![kolom.to_owned()], &waarden);
    for (i, c) in cellen.iter().enumerate() {
        let a = s.aantal(*c);
        if let Some(r) = t.cellen.get_mut(i).and_then(|r| r.get_mut(0)) {
            *r = a;
        }
        if let Some(r) = t.rijtotalen.get_mut(i) {
            *r = a;
        }
    }
    let tot = s.aantal(totaal);
    if let Some(k) = t.kolomtotalen.get_mut(0) {
        *k = tot;
    }
    t.totaal = tot;
    t
}

fn vorm_labels() -> Vec<String> {
    Vorm::ALL.iter().map(|v| v.code().to_owned()).collect()
}
fn regime_labels() -> Vec<String> {
    REGIMES.iter().map(|r| r.code().to_owned()).collect()
}

/// Mean, median (middle two averaged), p90 (nearest rank) of `dagen`, with the share
/// within the norm (`binnen` of them); protected like lengths of stay.
fn duur(s: &Selectie<'_>, mut dagen: Vec<i64>, binnen: Cel, alle: Cel) -> Duur {
    dagen.sort_unstable();
    let n = dagen.len();
    let aantal = s.aantal(alle);
    let teller = s.aantal(binnen);
    let binnen_norm = Verhouding {
        teller,
        noemer: aantal,
        waarde: match (teller.waarde, aantal.waarde) {
            (Some(t), Some(a)) if a != 0 => Some((t as f64 / a as f64).min(1.0)),
            _ => None,
        },
        bescherming: if s.beschermd() {
            Bescherming::Verstoord
        } else {
            Bescherming::Geen
        },
    };
    if n == 0 {
        return Duur {
            aantal,
            binnen_norm,
            ..Duur::default()
        };
    }
    let som: i64 = dagen.iter().sum();
    let mut gemiddelde = som as f64 / n as f64;
    let mut mediaan = if n % 2 == 1 {
        dagen[n / 2] as f64
    } else {
        (dagen[n / 2 - 1] + dagen[n / 2]) as f64 / 2.0
    };
    let mut p90 = dagen[(n * 9).div_ceil(10).saturating_sub(1).min(n - 1)] as f64;
    let mut bescherming = Bescherming::Geen;
    if s.beschermd() {
        if aantal.waarde.unwrap_or(0) < MIN_DUREN {
            return Duur {
                aantal,
                binnen_norm,
                bescherming: Bescherming::Onderdrukt,
                ..Duur::default()
            };
        }
        let d = ruis(alle.n, alle.k) as f64;
        let ruw = |x: f64| (x + d * (x.abs() * 0.01).round().max(1.0)).round().max(0.0);
        gemiddelde = ruw(gemiddelde);
        mediaan = ruw(mediaan);
        p90 = ruw(p90);
        bescherming = Bescherming::Verstoord;
    }
    Duur {
        aantal,
        gemiddelde: Some(gemiddelde),
        mediaan: Some(mediaan),
        p90: Some(p90),
        binnen_norm,
        bescherming,
    }
}

// ------------------------------------------------------------------ figures

impl Selectie<'_> {
    fn wachtenden(&self, q: &Query, normen: VraagNormen) -> Wachtenden {
        let d = per(q);
        let p = self.c.p;
        let (a, b) = (d.van, d.tot);
        let mut stroom = [Cel::default(); 5];
        // Requests dated before x, minus those also closed before x (a closure is never
        // before its request): open on x − 1.
        let d_voor = |x: i32| Self::voor(&self.datums, &self.datum_som, x);
        let s_voor = |x: i32| Self::voor(&self.sluitingen, &self.sluiting_som, x);
        stroom[0] = verschil(s_voor(a), d_voor(a));
        stroom[1] = verschil(d_voor(a), d_voor(b));
        stroom[4] = verschil(s_voor(b), d_voor(b));
        for v in self.gesloten_in(a, b) {
            let k = self.verzoek_sleutel(v);
            if v.afsluiting == afsluiting::VERVULD {
                stroom[2].tel(k);
            } else {
                stroom[3].tel(k);
            }
        }
        // Open requests on the peildatum, by youth.
        let mut open: Vec<&Verzoek> = self.open_op(d.peil).collect();
        open.sort_unstable_by_key(|v| v.jeugdige);
        let nr = p.regios.len();
        let mut per_vorm = vec![Vec::<u32>::new(); Vorm::ALL.len()];
        let mut per_regime = vec![Vec::<u32>::new(); REGIMES.len()];
        let mut per_urgentie = vec![Vec::<u32>::new(); Urgentie::ALL.len()];
        let mut per_regio = vec![Vec::<u32>::new(); nr];
        let mut jeugdigen = Cel::default();
        let mut boven = Cel::default();
        let mut verzoeken = Cel::default();
        let mut langste: Option<i64> = None;
        let mut vorige = GEEN;
        let mut boven_vorige = GEEN;
        for v in &open {
            verzoeken.tel(self.verzoek_sleutel(v));
            let j = v.jeugdige;
            if j != vorige {
                jeugdigen.tel(self.jeugdige_sleutel(j));
                vorige = j;
            }
            let wacht = i64::from(d.peil) - i64::from(v.datum);
            langste = Some(langste.map_or(wacht, |l| l.max(wacht)));
            if wacht > i64::from(normen.norm(v.urgentie)) && boven_vorige != j {
                boven.tel(self.jeugdige_sleutel(j));
                boven_vorige = j;
            }
            for (lijst, i) in [
                (&mut per_vorm, v.vorm as usize),
                (&mut per_regime, v.regime as usize),
                (&mut per_urgentie, v.urgentie as usize),
                (&mut per_regio, v.regio as usize),
            ] {
                if let Some(l) = lijst.get_mut(i)
                    && l.last() != Some(&j)
                {
                    l.push(j);
                }
            }
        }
        let cellen = |lijsten: &[Vec<u32>]| -> Vec<Cel> {
            lijsten
                .iter()
                .map(|l| {
                    let mut c = Cel::default();
                    for &j in l {
                        c.tel(self.jeugdige_sleutel(j));
                    }
                    c
                })
                .collect()
        };
        let regio_labels: Vec<String> = (0..nr as u32)
            .map(|r| p.regios.naam(r).unwrap_or("ONBEKEND").to_owned())
            .collect();
        let kol = "jeugdigen";
        let j_aantal = self.aantal(jeugdigen);
        let mut bescherming = Bescherming::Geen;
        if self.beschermd() {
            if j_aantal.waarde.unwrap_or(0) < MIN_DUREN {
                langste = None;
                bescherming = Bescherming::Onderdrukt;
            } else {
                let dr = ruis(jeugdigen.n, jeugdigen.k) as f64;
                langste = langste.map(|l| {
                    let x = l as f64;
                    ((x + dr * (x.abs() * 0.01).round().max(1.0)).round() as i64).max(0)
                });
                bescherming = Bescherming::Verstoord;
            }
        }
        Wachtenden {
            peildatum: Some(datum(d.peil)),
            jeugdigen: j_aantal,
            verzoeken: self.aantal(verzoeken),
            per_vorm: een_kolom(self, vorm_labels(), kol, &cellen(&per_vorm), jeugdigen),
            per_regime: een_kolom(self, regime_labels(), kol, &cellen(&per_regime), jeugdigen),
            per_urgentie: een_kolom(
                self,
                Urgentie::ALL.iter().map(|u| u.code().to_owned()).collect(),
                kol,
                &cellen(&per_urgentie),
                jeugdigen,
            ),
            per_jeugdregio: een_kolom(self, regio_labels, kol, &cellen(&per_regio), jeugdigen),
            langste_wachttijd: langste,
            boven_norm: self.aantal(boven),
            begin: self.aantal(stroom[0]),
            nieuw: self.aantal(stroom[1]),
            vervuld: self.aantal(stroom[2]),
            ingetrokken: self.aantal(stroom[3]),
            eind: self.aantal(stroom[4]),
            bescherming,
        }
    }

    fn vervuld_in(&self, d: &Per) -> impl Iterator<Item = &Verzoek> + '_ {
        self.gesloten_in(d.van, d.tot)
            .filter(|v| v.afsluiting == afsluiting::VERVULD)
    }

    fn wachttijd(&self, q: &Query, normen: VraagNormen) -> Wachttijd {
        let d = per(q);
        let nu = Urgentie::ALL.len();
        let mut dagen = vec![Vec::<i64>::new(); nu + 1];
        let mut alle = vec![Cel::default(); nu + 1];
        let mut binnen = vec![Cel::default(); nu + 1];
        for v in self.vervuld_in(&d) {
            let w = i64::from(v.sluiting) - i64::from(v.datum);
            let k = self.verzoek_sleutel(v);
            for i in [nu, (v.urgentie as usize).min(nu - 1)] {
                dagen[i].push(w);
                alle[i].tel(k);
                if w <= i64::from(normen.norm(v.urgentie)) {
                    binnen[i].tel(k);
                }
            }
        }
        let mut dagen = dagen.into_iter();
        let mut rijen = Vec::new();
        for (i, u) in Urgentie::ALL.iter().enumerate() {
            rijen.push(WachttijdRij {
                urgentie: u.code().to_owned(),
                duur: duur(self, dagen.next().unwrap_or_default(), binnen[i], alle[i]),
            });
        }
        Wachttijd {
            totaal: duur(self, dagen.next().unwrap_or_default(), binnen[nu], alle[nu]),
            per_urgentie: rijen,
        }
    }

    fn aanmeldingen(&self, q: &Query) -> Aanmeldingen {
        let d = per(q);
        let mut klassen = [Cel::default(); 5];
        let mut alle = Cel::default();
        let mut som = 0i64;
        for v in self.gesloten_in(d.van, d.tot) {
            let k = self.verzoek_sleutel(v);
            let i = match v.aanbieders {
                0 => 0,
                1 => 1,
                2 => 2,
                3..=5 => 3,
                _ => 4,
            };
            klassen[i].tel(k);
            alle.tel(k);
            som += i64::from(v.aanbieders);
        }
        let reg = verschil(
            Self::voor(&self.aanmelding_data, &self.aanmelding_som, d.van),
            Self::voor(&self.aanmelding_data, &self.aanmelding_som, d.tot),
        );
        let verzoeken = self.aantal(alle);
        let mut gemiddelde = (alle.n > 0).then(|| som as f64 / alle.n as f64);
        let mut bescherming = Bescherming::Geen;
        if self.beschermd() {
            if verzoeken.waarde.unwrap_or(0) < MIN_DUREN {
                gemiddelde = None;
                bescherming = Bescherming::Onderdrukt;
            } else {
                // A mean of small whole numbers: noise of a tenth per step of the table.
                let dr = ruis(alle.n, alle.k) as f64;
                gemiddelde = gemiddelde.map(|g| ((g + dr * 0.1) * 10.0).round() / 10.0);
                bescherming = Bescherming::Verstoord;
            }
        }
        Aanmeldingen {
            verzoeken,
            gemiddelde,
            verdeling: een_kolom(
                self,
                ["0", "1", "2", "3-5", "6+"]
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                "verzoeken",
                &klassen,
                alle,
            ),
            aanmeldingen: self.aantal(reg),
            bescherming,
        }
    }

    fn afwijzingen(&self, q: &Query) -> Afwijzingen {
        let d = per(q);
        let p = self.c.p;
        let mut per_reden = vec![Cel::default(); Weigeringsreden::ALL.len()];
        let mut per_aanbieder: Vec<Cel> = vec![Cel::default(); p.aanbieders.len()];
        let mut alle = Cel::default();
        let r = Self::bereik(&self.weigering_data, d.van, d.tot);
        let weigeringen = (self.weigering_orde.get(r).unwrap_or_default().iter())
            .filter_map(|&i| self.weigeringen.get(i as usize));
        for w in weigeringen {
            let k = self.sleutels.map_or(0, |s| {
                s.feit(soort::WEIGERING, w.jeugdige, w.datum, w.aanbieder) ^ u64::from(w.verzoek)
            });
            alle.tel(k);
            if let Some(c) = per_reden.get_mut(w.reden as usize) {
                c.tel(k);
            }
            if let Some(c) = per_aanbieder.get_mut(w.aanbieder as usize) {
                c.tel(k);
            }
        }
        // Providers without refusals in P are left out (the register is long).
        let mut rijen: Vec<(String, Cel)> = per_aanbieder
            .into_iter()
            .enumerate()
            .filter(|(_, c)| c.n > 0)
            .map(|(i, c)| {
                (
                    p.aanbieders.naam(i as u32).unwrap_or("ONBEKEND").to_owned(),
                    c,
                )
            })
            .collect();
        rijen.sort_by(|a, b| a.0.cmp(&b.0));
        let (namen, cellen): (Vec<String>, Vec<Cel>) = rijen.into_iter().unzip();
        Afwijzingen {
            aantal: self.aantal(alle),
            per_reden: een_kolom(
                self,
                Weigeringsreden::ALL
                    .iter()
                    .map(|r| r.code().to_owned())
                    .collect(),
                "afwijzingen",
                &per_reden,
                alle,
            ),
            per_aanbieder: een_kolom(self, namen, "afwijzingen", &cellen, alle),
        }
    }

    fn categorie(&self, v: &Verzoek) -> PassendCategorie {
        if v.overbrugging {
            return PassendCategorie::Overbrugging;
        }
        let Some(a) = self.c.b.attr.get(v.voorziening as usize).copied().flatten() else {
            return PassendCategorie::Onbekend;
        };
        if a.vorm == v.vorm && a.regime == v.regime {
            return PassendCategorie::Passend;
        }
        let rang = |vorm: u8, regime: u8| match (vorm_van(vorm), regime_van(regime)) {
            (Some(v), Some(r)) => Some(rang_van_voorziening(v, r)),
            _ => None,
        };
        match (rang(a.vorm, a.regime), rang(v.vorm, v.regime)) {
            (Some(kreeg), Some(nodig)) if kreeg < nodig => PassendCategorie::Lichter,
            (Some(kreeg), Some(nodig)) if kreeg > nodig => PassendCategorie::Zwaarder,
            (Some(_), Some(_)) => PassendCategorie::AndereVorm,
            _ => PassendCategorie::Onbekend,
        }
    }

    fn passend(&self, q: &Query) -> Passend {
        let d = per(q);
        let mut cellen = [Cel::default(); 6];
        let mut alle = Cel::default();
        for v in self.vervuld_in(&d) {
            let k = self.verzoek_sleutel(v);
            let c = self.categorie(v);
            let i = PassendCategorie::ALL
                .iter()
                .position(|&x| x == c)
                .unwrap_or(5);
            cellen[i].tel(k);
            alle.tel(k);
        }
        let tabel = een_kolom(
            self,
            PassendCategorie::ALL
                .iter()
                .map(|c| c.code().to_owned())
                .collect(),
            "aantal",
            &cellen,
            alle,
        );
        let teller = tabel.rijtotalen.first().copied().unwrap_or_default();
        let noemer = tabel.totaal;
        Passend {
            passend: Verhouding {
                teller,
                noemer,
                waarde: match (teller.waarde, noemer.waarde) {
                    (Some(t), Some(n)) if n != 0 => Some((t as f64 / n as f64).min(1.0)),
                    _ => None,
                },
                bescherming: if self.beschermd() {
                    Bescherming::Verstoord
                } else {
                    Bescherming::Geen
                },
            },
            per_categorie: tabel,
        }
    }

    fn benodigd(&self, q: &Query, sc: CapaciteitScenario) -> BenodigdeCapaciteit {
        let d = per(q);
        let eind = d.tot - 1;
        let w = sc.venster_dagen.max(1);
        let lo = eind - w + 1;
        let nv = Vorm::ALL.len();
        let mut wacht = vec![Cel::default(); nv * 2];
        let ix = self
            .verblijven
            .get_or_init(|| VerblijfIndex::new(self, self.venster.0, self.venster.1));
        let mut starts = vec![Cel::default(); nv * 2];
        let mut verblijf = vec![Cel::default(); nv * 2];
        let mut dagen = vec![0i64; nv * 2];
        for i in 0..nv * 2 {
            starts[i] = ix.starts(i, lo, eind);
            (verblijf[i], dagen[i]) = ix.einden(i, lo, eind);
        }
        for v in self.open_op(eind) {
            let i = (v.vorm as usize % nv) * 2 + (v.regime as usize % 2);
            wacht[i].tel(self.verzoek_sleutel(v));
        }
        // Capacity and targets on the window's last day.
        let mut qp = q.clone();
        qp.peildatum = Some(datum(eind));
        let cp = self.c.periode(&qp);
        // The changes up to the last window's end (the filter does not depend on the
        // period); `capaciteit` counts those on or before this period's peildatum.
        let regels = self.cap.get_or_init(|| cp.cap_regels(self.venster.1));
        let cap = cp.capaciteit(regels)[0];
        let f_vorm = q.filter.vorm.map(vorm_code);
        let f_regime = q.filter.regime.map(regime_code);
        let mut cellen = Vec::new();
        let (mut som_nodig, mut som_cap, mut ergens) = (0.0, 0i64, false);
        let mut som_cap_met_nodig = 0i64;
        for (vi, vorm) in Vorm::ALL.iter().enumerate() {
            for (ri, regime) in REGIMES.iter().enumerate() {
                if f_vorm.is_some_and(|x| x as usize != vi)
                    || f_regime.is_some_and(|x| x as usize != ri)
                {
                    continue;
                }
                let i = vi * 2 + ri;
                let mut qd = qp.clone();
                qd.filter.vorm = Some(*vorm);
                qd.filter.regime = Some(*regime);
                let doel: Doelafwijking = self.c.periode(&qd).doelafwijking(cap[vi][ri]);
                let capaciteit = cap[vi][ri];
                if starts[i].n == 0
                    && wacht[i].n == 0
                    && verblijf[i].n == 0
                    && capaciteit == 0
                    && doel.doel.is_none()
                {
                    continue;
                }
                let gestart = self.aantal(starts[i]);
                let wachtend = self.aantal(wacht[i]);
                let instroom = (gestart.waarde.unwrap_or(0) + wachtend.waarde.unwrap_or(0)) as f64
                    * (1.0 + sc.instroom_wijziging / 100.0);
                let per_dag = instroom / f64::from(w);
                let beeindigd = self.aantal(verblijf[i]);
                let mut bescherming = Bescherming::Geen;
                let mut gem = (verblijf[i].n > 0).then(|| dagen[i] as f64 / verblijf[i].n as f64);
                if self.beschermd() {
                    if beeindigd.waarde.unwrap_or(0) < MIN_DUREN {
                        gem = None;
                        bescherming = Bescherming::Onderdrukt;
                    } else {
                        let dr = ruis(verblijf[i].n, verblijf[i].k) as f64;
                        gem = gem.map(|x| (x + dr * (x * 0.01).round().max(1.0)).round());
                        bescherming = Bescherming::Verstoord;
                    }
                }
                let gem = gem.map(|x| x * (1.0 + sc.verblijf_wijziging / 100.0));
                let benodigd = gem.map(|l| per_dag * l / sc.doelbezetting);
                if let Some(n) = benodigd {
                    som_nodig += n;
                    som_cap_met_nodig += capaciteit;
                    ergens = true;
                }
                som_cap += capaciteit;
                cellen.push(BenodigdeCel {
                    vorm: vorm.code().to_owned(),
                    regime: regime.code().to_owned(),
                    gestarte_plaatsingen: gestart,
                    wachtende_verzoeken: wachtend,
                    instroom: Some(instroom),
                    per_dag: Some(per_dag),
                    beeindigde_verblijven: beeindigd,
                    gemiddelde_verblijfsduur: gem,
                    benodigd,
                    capaciteit,
                    tekort: benodigd.map(|n| n - capaciteit as f64),
                    doel: doel.doel,
                    tekort_tegen_doel: benodigd.zip(doel.doel).map(|(n, t)| n - t),
                    bescherming,
                });
            }
        }
        let benodigd = ergens.then_some(som_nodig);
        BenodigdeCapaciteit {
            peildatum: Some(datum(eind)),
            venster_van: Some(datum(lo)),
            venster_dagen: w,
            doelbezetting: sc.doelbezetting,
            instroom_wijziging: sc.instroom_wijziging,
            verblijf_wijziging: sc.verblijf_wijziging,
            cellen,
            benodigd,
            capaciteit: som_cap,
            // Over the same cells on both sides: a form whose need is unknown (no stays
            // ended in the window, or withheld) must not count as a surplus.
            tekort: benodigd.map(|n| n - som_cap_met_nodig as f64),
        }
    }
}

// ------------------------------------------------------------------ entry points

/// The valid days the windows of `benodigdeCapaciteit` cover for these periods.
fn venster(perioden: &[Periode], sc: &CapaciteitScenario) -> (i32, i32) {
    let einden = perioden.iter().map(|p| p.dagnummers().1 - 1);
    let hi = einden.clone().max().unwrap_or(i32::MIN);
    let lo = einden.min().unwrap_or(i32::MIN) - sc.venster_dagen.max(1) + 1;
    (lo, hi)
}

/// The request-side figures. `sleutels`: `None` for exact figures (person-level roles),
/// `Some` for the protected form (aggregate roles).
impl Projection {
    /// wachtenden at the query's peildatum, with the stock-flow over its period.
    pub fn wachtenden(
        &self,
        q: &Query,
        normen: VraagNormen,
        sleutels: Option<&RecordKeys>,
    ) -> Kpi<Wachtenden> {
        let s = Selectie::new(self, q, sleutels, VERZOEKEN);
        s.c.kpi("wachtenden", s.wachtenden(q, normen))
    }

    pub fn wachttijd(
        &self,
        q: &Query,
        normen: VraagNormen,
        sleutels: Option<&RecordKeys>,
    ) -> Kpi<Wachttijd> {
        let s = Selectie::new(self, q, sleutels, VERZOEKEN);
        s.c.kpi("wachttijd", s.wachttijd(q, normen))
    }

    pub fn aanmeldingen_per_verzoek(
        &self,
        q: &Query,
        sleutels: Option<&RecordKeys>,
    ) -> Kpi<Aanmeldingen> {
        let s = Selectie::new(
            self,
            q,
            sleutels,
            Delen {
                aanmeldingen: true,
                ..VERZOEKEN
            },
        );
        s.c.kpi("aanmeldingenPerVerzoek", s.aanmeldingen(q))
    }

    pub fn afwijzingen(&self, q: &Query, sleutels: Option<&RecordKeys>) -> Kpi<Afwijzingen> {
        let s = Selectie::new(
            self,
            q,
            sleutels,
            Delen {
                verzoeken: false,
                aanmeldingen: false,
                weigeringen: true,
            },
        );
        s.c.kpi("afwijzingen", s.afwijzingen(q))
    }

    pub fn passend_geplaatst(&self, q: &Query, sleutels: Option<&RecordKeys>) -> Kpi<Passend> {
        let s = Selectie::new(self, q, sleutels, VERZOEKEN);
        s.c.kpi("passendGeplaatst", s.passend(q))
    }

    /// benodigdeCapaciteit (its scenario form with other parameters); the window ends on
    /// the period's last day.
    pub fn benodigde_capaciteit(
        &self,
        q: &Query,
        scenario: CapaciteitScenario,
        sleutels: Option<&RecordKeys>,
    ) -> Result<Kpi<BenodigdeCapaciteit>, ScenarioFout> {
        scenario.geldig().map_err(ScenarioFout)?;
        let mut s = Selectie::new(self, q, sleutels, VERZOEKEN);
        s.venster = venster(&[q.periode], &scenario);
        Ok(s.c.kpi("benodigdeCapaciteit", s.benodigd(q, scenario)))
    }

    /// Every request-side figure for each period, from one selection (the query's
    /// filter and knowledge time; each period's peildatum is its end, as in `reeks`).
    pub fn vraag_reeks(
        &self,
        q: &Query,
        perioden: &[Periode],
        normen: VraagNormen,
        scenario: CapaciteitScenario,
        sleutels: Option<&RecordKeys>,
    ) -> Result<Vec<VraagRapport>, ScenarioFout> {
        scenario.geldig().map_err(ScenarioFout)?;
        let mut s = Selectie::new(self, q, sleutels, ALLES);
        s.venster = venster(perioden, &scenario);
        Ok(perioden
            .iter()
            .map(|&per| {
                let mut qp = periode_query(q, per);
                qp.peildatum = None;
                let c = s.c.periode(&qp);
                VraagRapport {
                    wachtenden: c.kpi("wachtenden", s.wachtenden(&qp, normen)),
                    wachttijd: c.kpi("wachttijd", s.wachttijd(&qp, normen)),
                    aanmeldingen_per_verzoek: c.kpi("aanmeldingenPerVerzoek", s.aanmeldingen(&qp)),
                    afwijzingen: c.kpi("afwijzingen", s.afwijzingen(&qp)),
                    passend_geplaatst: c.kpi("passendGeplaatst", s.passend(&qp)),
                    benodigde_capaciteit: c.kpi("benodigdeCapaciteit", s.benodigd(&qp, scenario)),
                }
            })
            .collect())
    }

    /// Every request-side figure for one query (a series of one period).
    pub fn vraag(
        &self,
        q: &Query,
        normen: VraagNormen,
        scenario: CapaciteitScenario,
        sleutels: Option<&RecordKeys>,
    ) -> Result<VraagRapport, ScenarioFout> {
        scenario.geldig().map_err(ScenarioFout)?;
        let mut s = Selectie::new(self, q, sleutels, ALLES);
        s.venster = venster(&[q.periode], &scenario);
        let c = &s.c;
        Ok(VraagRapport {
            wachtenden: c.kpi("wachtenden", s.wachtenden(q, normen)),
            wachttijd: c.kpi("wachttijd", s.wachttijd(q, normen)),
            aanmeldingen_per_verzoek: c.kpi("aanmeldingenPerVerzoek", s.aanmeldingen(q)),
            afwijzingen: c.kpi("afwijzingen", s.afwijzingen(q)),
            passend_geplaatst: c.kpi("passendGeplaatst", s.passend(q)),
            benodigde_capaciteit: c.kpi("benodigdeCapaciteit", s.benodigd(q, scenario)),
        })
    }

    /// Versions of requests, registrations and refusals (for the benchmark's report).
    pub fn vraag_versies(&self) -> usize {
        self.vraag.versies()
    }
}

/// Every request-side figure of one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VraagRapport {
    pub wachtenden: Kpi<Wachtenden>,
    pub wachttijd: Kpi<Wachttijd>,
    pub aanmeldingen_per_verzoek: Kpi<Aanmeldingen>,
    pub afwijzingen: Kpi<Afwijzingen>,
    pub passend_geplaatst: Kpi<Passend>,
    pub benodigde_capaciteit: Kpi<BenodigdeCapaciteit>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counting sort gives the order of a sort of (day, index): over a few thousand
    /// days, with `OPEN`, and over a span too wide for buckets.
    #[test]
    fn orde_op_dag_is_sorteren() {
        let mut x = 12345u64;
        let mut volgende = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for (n, breed) in [
            (0, false),
            (1, false),
            (500, false),
            (3000, false),
            (300, true),
        ] {
            let dagen: Vec<i32> = (0..n)
                .map(|_| match volgende(10) {
                    0 => OPEN,
                    _ if breed => volgende(4_000_000) as i32 - 2_000_000,
                    _ => 19_000 + volgende(4000) as i32,
                })
                .collect();
            let mut verwacht: Vec<(i32, u32)> = (dagen.iter().enumerate())
                .map(|(i, &d)| (d, i as u32))
                .collect();
            verwacht.sort_unstable();
            let verwacht: Vec<u32> = verwacht.into_iter().map(|x| x.1).collect();
            assert_eq!(orde_op_dag(&dagen), verwacht, "n {n}, breed {breed}");
        }
    }
}
