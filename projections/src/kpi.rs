//! Queries and the KPIs of `KPIS.md`.
//!
//! Stocks and flows: a youth who starts on day s and leaves on day e (exclusive) is in
//! the stock "at b" (the start of day b, before that day's movements) when s < b ≤ e; a
//! start counts as instroom in P = [van, tot) when van ≤ s < tot, an exit as uitstroom
//! when van ≤ e < tot. With these definitions begin + instroom − uitstroom = eind holds
//! exactly for any set of intervals. Occupancy on a date (bezetting) is the daily count
//! s ≤ d < e.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use kringloop_events::{Regime, Verblijfplaats, Vorm, Zwaarte, rang_van_voorziening};
use serde::{Deserialize, Serialize};

use crate::ProjectionError;
use crate::disclosure::{Bescherming, Cel, Celsleutels, RecordKeys, soort};
use crate::feiten::{
    Episode, GEEN, GEEN8, Machtiging, Plaatsing, Signaal, VzAttr, basis, bestemming_van, cap,
    landschap, regime_code, regime_van, scope, signaal, vlag, vorm_code, vorm_van,
};
use crate::knowledge::KnowledgeTime;
use crate::periode::{Granulariteit, Periode, dag, datum};
use crate::projectie::Projection;

/// Whose figure it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Toerekening {
    /// The youth's home gemeente at the start of the episode (woonplaatsbeginsel).
    #[default]
    Herkomst,
    /// Where the facility is. Capacity is always attributed this way.
    Locatie,
}

/// Filters on the landscape. Geographic filters (landsdeel, jeugdregio, gemeente) apply
/// to the gemeente of the attribution; the others to the facility.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    pub landsdeel: Option<String>,
    pub jeugdregio: Option<String>,
    pub gemeente: Option<String>,
    pub aanbieder: Option<String>,
    pub voorziening: Option<String>,
    pub vorm: Option<Vorm>,
    pub regime: Option<Regime>,
}

impl Filter {
    fn geo(&self) -> bool {
        self.landsdeel.is_some() || self.jeugdregio.is_some() || self.gemeente.is_some()
    }
    fn vz(&self) -> bool {
        self.aanbieder.is_some()
            || self.voorziening.is_some()
            || self.vorm.is_some()
            || self.regime.is_some()
    }
}

/// Default viability threshold of occupancy (tariffs cover costs at 90 %).
pub const LEVENSVATBAAR: f64 = 0.9;

/// What to compute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Query {
    pub periode: Periode,
    /// Date for the stock figures (plaatsen, bezetting, langverblijvers, doelafwijking);
    /// default: the end of the period (`periode.tot`).
    pub peildatum: Option<NaiveDate>,
    /// Knowledge time: only events recorded at or before it count. `None`: all applied
    /// ([`KnowledgeTime::LATEST`]). Serialised as `kennis`, as before.
    #[serde(rename = "kennis")]
    pub known_at: Option<DateTime<Utc>>,
    pub filter: Filter,
    pub toerekening: Toerekening,
    /// Occupancy below this share is flagged as not viable.
    pub levensvatbaarheid: f64,
}

impl Query {
    pub fn new(periode: Periode) -> Query {
        Query {
            periode,
            peildatum: None,
            known_at: None,
            filter: Filter::default(),
            toerekening: Toerekening::Herkomst,
            levensvatbaarheid: LEVENSVATBAAR,
        }
    }
    pub fn known_at(mut self, known_at: DateTime<Utc>) -> Query {
        self.known_at = Some(known_at);
        self
    }
    /// The knowledge time the fold's versions are filtered at.
    #[inline]
    pub fn knowledge_time(&self) -> KnowledgeTime {
        KnowledgeTime::at_or_latest(self.known_at)
    }
    pub fn filter(mut self, f: Filter) -> Query {
        self.filter = f;
        self
    }
    pub fn toerekening(mut self, t: Toerekening) -> Query {
        self.toerekening = t;
        self
    }
    pub fn peildatum(mut self, d: NaiveDate) -> Query {
        self.peildatum = Some(d);
        self
    }
    pub fn peil(&self) -> NaiveDate {
        self.peildatum.unwrap_or(self.periode.tot)
    }
}

/// A count and how it was protected ([`Bescherming`]): exact, perturbed by the
/// cell-key method, or withheld (`waarde` is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Aantal {
    pub waarde: Option<i64>,
    pub bescherming: Bescherming,
}

impl Aantal {
    pub fn van(v: i64) -> Aantal {
        Aantal {
            waarde: Some(v),
            bescherming: Bescherming::Geen,
        }
    }
    /// The value, 0 when withheld (for arithmetic in tests and callers with access).
    pub fn of_nul(&self) -> i64 {
        self.waarde.unwrap_or(0)
    }
    /// Whether the value is withheld.
    pub fn onderdrukt(&self) -> bool {
        self.bescherming == Bescherming::Onderdrukt
    }
}

/// A share teller ÷ noemer.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Verhouding {
    pub teller: Aantal,
    pub noemer: Aantal,
    /// `None` when the denominator is 0.
    pub waarde: Option<f64>,
    pub bescherming: Bescherming,
}

impl Verhouding {
    pub fn van(teller: i64, noemer: i64) -> Verhouding {
        Verhouding {
            teller: Aantal::van(teller),
            noemer: Aantal::van(noemer),
            waarde: (noemer != 0).then(|| teller as f64 / noemer as f64),
            bescherming: Bescherming::Geen,
        }
    }
}

/// A breakdown with row, column and grand totals.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Kruistabel {
    pub rijen: Vec<String>,
    pub kolommen: Vec<String>,
    /// `cellen[rij][kolom]`.
    pub cellen: Vec<Vec<Aantal>>,
    pub rijtotalen: Vec<Aantal>,
    pub kolomtotalen: Vec<Aantal>,
    pub totaal: Aantal,
}

impl Kruistabel {
    pub(crate) fn nieuw(rijen: Vec<String>, kolommen: Vec<String>, waarden: &[Vec<i64>]) -> Self {
        let rijtot: Vec<i64> = waarden.iter().map(|r| r.iter().sum()).collect();
        let koltot: Vec<i64> = (0..kolommen.len())
            .map(|c| waarden.iter().map(|r| r.get(c).copied().unwrap_or(0)).sum())
            .collect();
        let totaal = rijtot.iter().sum();
        Kruistabel {
            rijen,
            kolommen,
            cellen: waarden
                .iter()
                .map(|r| r.iter().map(|&v| Aantal::van(v)).collect())
                .collect(),
            rijtotalen: rijtot.into_iter().map(Aantal::van).collect(),
            kolomtotalen: koltot.into_iter().map(Aantal::van).collect(),
            totaal: Aantal::van(totaal),
        }
    }

    /// The cell of a row and column label.
    pub fn cel(&self, rij: &str, kolom: &str) -> Option<Aantal> {
        let r = self.rijen.iter().position(|x| x == rij)?;
        let k = self.kolommen.iter().position(|x| x == kolom)?;
        self.cellen.get(r)?.get(k).copied()
    }

    pub fn kolomtotaal(&self, kolom: &str) -> Option<Aantal> {
        let k = self.kolommen.iter().position(|x| x == kolom)?;
        self.kolomtotalen.get(k).copied()
    }

    pub fn rijtotaal(&self, rij: &str) -> Option<Aantal> {
        let r = self.rijen.iter().position(|x| x == rij)?;
        self.rijtotalen.get(r).copied()
    }
}

/// What a figure is and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KpiMeta {
    /// Name of the definition in KPIS.md.
    pub definitie: String,
    pub periode: Periode,
    pub peildatum: NaiveDate,
    /// `None`: everything applied (see `positie`).
    pub kennis: Option<DateTime<Utc>>,
    pub filter: Filter,
    pub toerekening: Toerekening,
    /// Number of events recorded at or before the knowledge time: the log prefix the
    /// figure rests on.
    pub gebeurtenissen: u64,
    /// Last position in that prefix.
    pub positie: i64,
}

/// One KPI with its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpi<T> {
    pub meta: KpiMeta,
    pub waarde: T,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Balans {
    /// Opbouw of every form with regime OPEN.
    pub opbouw_alternatieven: i64,
    /// Afbouw of regime GESLOTEN.
    pub afbouw_gesloten: i64,
    pub balans: i64,
    /// Alternatives built per closed place removed; `None` when nothing was removed.
    pub ratio: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Doelafwijking {
    pub peildatum: Option<NaiveDate>,
    pub plaatsen: i64,
    /// Interpolated target at the peildatum; `None` before the first target point or
    /// when no target matches the filter's scope.
    pub doel: Option<f64>,
    pub afwijking: Option<f64>,
    /// The target is one for closed care (regime GESLOTEN, of any form), to be reduced;
    /// a target for regime OPEN or for all regimes together is a build-up target.
    /// `None` without target.
    pub reductiedoel: Option<bool>,
    /// Reduction target: afwijking ≤ 0; build-up target: afwijking ≥ 0. `None` before
    /// the first target point or without target.
    pub op_koers: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bezetting {
    /// Active placements at the peildatum (with the query's attribution).
    pub bezetting: Aantal,
    /// Capacity at the peildatum (LOCATIE).
    pub plaatsen: i64,
    /// Active placements in the facilities (LOCATIE) ÷ places, at the peildatum.
    pub graad: Verhouding,
    /// Occupied ÷ available bed-days in P (LOCATIE).
    pub graad_periode: Verhouding,
    /// Occupancy at the peildatum below the viability threshold.
    pub onder_levensvatbaarheid: bool,
    /// Occupancy at the peildatum above 100 %.
    pub overbezet: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plaatsingen {
    /// Placements that start an episode in P.
    pub exclusief_doorplaatsingen: Aantal,
    /// Those plus the doorplaatsingen in P.
    pub inclusief_doorplaatsingen: Aantal,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Doorplaatsingen {
    pub aantal: Aantal,
    /// Doorplaatsingen ÷ unique youths placed in P.
    pub per_jeugdige: Verhouding,
    /// Episodes started in P with a doorplaatsing within 365 days ÷ episodes started in P.
    pub cohort_365: Verhouding,
    /// The cohort figure is final: the knowledge time is a year or more after P.
    pub cohort_definitief: bool,
}

/// Begin stock, instroom, uitstroom, end stock: begin + instroom − uitstroom = eind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stroom {
    pub begin: Aantal,
    pub instroom: Aantal,
    pub uitstroom: Aantal,
    pub eind: Aantal,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UitstroomLichter {
    /// Episodes ended in P to a lighter destination ÷ those with a known destination.
    pub lichter: Verhouding,
    /// Every destination (ONBEKEND included), one column `aantal`.
    pub bestemmingen: Kruistabel,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verblijfsduur {
    /// Episodes ended in P.
    pub aantal: Aantal,
    pub gemiddelde: Option<f64>,
    pub mediaan: Option<f64>,
    pub p90: Option<f64>,
    pub korter_dan_jaar: Verhouding,
    /// Mean, median and p90: exact, perturbed, or withheld (too few episodes).
    pub bescherming: Bescherming,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signalen {
    /// Facilities with at least one day in P with more active placements than places.
    pub overbezetting: Aantal,
    /// Closed placements with at least one day in P without a valid MGJ or
    /// spoedmachtiging, each once (also when its authorisation lapses twice in P).
    pub zonder_machtiging: Aantal,
    /// Spoedmachtigingen valid for more than 28 days (to − from + 1 > 28), each once in
    /// every period that holds one of its days beyond the 28th.
    pub spoedmachtiging_te_lang: Aantal,
    /// Doorplaatsingen dated in P.
    pub doorplaatsing: Aantal,
}

/// Every KPI for one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KpiReport {
    pub meta: KpiMeta,
    /// Capacity at the peildatum, vorm × regime.
    pub plaatsen: Kpi<Kruistabel>,
    /// Places added in P (opened + converted in), vorm × regime.
    pub opbouw: Kpi<Kruistabel>,
    /// Places removed in P (closed + converted out + facility closed), vorm × regime.
    pub afbouw: Kpi<Kruistabel>,
    pub balans: Kpi<Balans>,
    pub doelafwijking: Kpi<Doelafwijking>,
    pub bezetting: Kpi<Bezetting>,
    pub plaatsingen: Kpi<Plaatsingen>,
    pub unieke_jeugdigen: Kpi<Aantal>,
    pub spoedmachtigingen: Kpi<Aantal>,
    /// Closed placements starting in P with a spoedmachtiging as basis ÷ all of them.
    pub spoedaandeel: Kpi<Verhouding>,
    pub doorplaatsingen: Kpi<Doorplaatsingen>,
    /// Episodes; facility filters apply to the facility where the episode started.
    pub stroom_episodes: Kpi<Stroom>,
    /// CBS trajectories (youth × provider × form × regime).
    pub stroom_trajecten: Kpi<Stroom>,
    /// Facility filters apply to the facility the youth left.
    pub uitstroom_naar_lichtere_zorg: Kpi<UitstroomLichter>,
    /// Episodes ended in P (facility filters on the facility left).
    pub verblijfsduur: Kpi<Verblijfsduur>,
    /// Episodes active at the peildatum that started ≥ 548 days before it.
    pub langverblijvers: Kpi<Aantal>,
    pub signalen: Kpi<Signalen>,
}

const NIETS: u32 = u32::MAX - 1;
pub(crate) const LANGVERBLIJF: i32 = 548;

/// What a query's filter and knowledge time resolve to: the landscape as known at K and
/// the filter as bit masks over facilities and gemeenten. It does not depend on the
/// period, so every period of a series shares one.
#[derive(Clone)]
pub(crate) struct Basis {
    pub attr: Vec<Option<VzAttr>>,
    /// Gemeente → jeugdregio and jeugdregio → landsdeel as known at K (`GEEN`: unknown).
    gem_regio: Vec<u32>,
    regio_land: Vec<u32>,
    vz_ok: Vec<bool>,
    vz_loc: Vec<bool>,
    geo: Vec<bool>,
    geo_filter: bool,
    vz_filter: bool,
    toerekening: Toerekening,
}

/// A dimension of a breakdown ([`Projection::bezetting_per`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Dimensie {
    Landsdeel,
    Jeugdregio,
    Gemeente,
    Aanbieder,
    Voorziening,
    Vorm,
    Regime,
}

impl Dimensie {
    /// Follows the attribution (HERKOMST: the youth's gemeente; LOCATIE: the facility's).
    pub fn geografisch(self) -> bool {
        matches!(
            self,
            Dimensie::Landsdeel | Dimensie::Jeugdregio | Dimensie::Gemeente
        )
    }

    pub fn naam(self) -> &'static str {
        match self {
            Dimensie::Landsdeel => "landsdeel",
            Dimensie::Jeugdregio => "jeugdregio",
            Dimensie::Gemeente => "gemeente",
            Dimensie::Aanbieder => "aanbieder",
            Dimensie::Voorziening => "voorziening",
            Dimensie::Vorm => "vorm",
            Dimensie::Regime => "regime",
        }
    }
}

/// Row index of every facility or gemeente of origin in a breakdown.
struct Sleutels {
    per_vz: Vec<u32>,
    /// Set when the dimension follows the youth's gemeente of origin.
    per_gem: Option<Vec<u32>>,
    labels: Vec<String>,
    /// Row of facts whose value is unknown at K: the last one, labelled `ONBEKEND`.
    onbekend_rij: u32,
}

impl Sleutels {
    #[inline]
    fn index(&self, vz: u32, herkomst: u32) -> usize {
        let r = match &self.per_gem {
            Some(g) => g.get(herkomst as usize),
            None => self.per_vz.get(vz as usize),
        };
        r.copied().unwrap_or(self.onbekend_rij) as usize
    }
}

/// Everything a query needs, resolved once: the period as day numbers and the [`Basis`].
/// A capacity change as the capacity figures read it ([`Ctx::cap_regels`]).
pub(crate) struct CapRegel {
    datum: i32,
    delta: i32,
    soort: u8,
    /// Form × regime of the facility as known at K (`None`: not registered then).
    cel: Option<(usize, usize)>,
}

pub(crate) struct Ctx<'a> {
    pub p: &'a Projection,
    pub known_at: KnowledgeTime,
    pub van: i32,
    pub tot: i32,
    pub peil: i32,
    pub b: Cow<'a, Basis>,
    pub q: &'a Query,
    /// Set for a caller without person-level access: every tally also sums the keys of
    /// the records it counts (`disclosure.rs`).
    pub sleutels: Option<RecordKeys>,
}

impl<'a> Ctx<'a> {
    pub fn new(p: &'a Projection, q: &'a Query) -> Ctx<'a> {
        let known_at = q.knowledge_time();
        let (van, tot) = q.periode.dagnummers();
        let peil = dag(q.peil());

        let mut attr: Vec<Option<VzAttr>> = vec![None; p.vz_namen.len()];
        for v in p.attrs.alle().filter(|v| v.visible(known_at)) {
            if let Some(slot) = attr.get_mut(v.fact.voorziening as usize)
                && slot.is_none_or(|a| a.orde <= v.fact.orde)
            {
                *slot = Some(v.fact);
            }
        }
        let mut gem_regio: Vec<(u32, u32)> = vec![(GEEN, 0); p.gemeenten.len()];
        let mut regio_land: Vec<(u32, u32)> = vec![(GEEN, 0); p.regios.len()];
        for v in p.landschap.alle().filter(|v| v.visible(known_at)) {
            let l = v.fact;
            let doel = if l.soort == landschap::GEMEENTE {
                gem_regio.get_mut(l.code as usize)
            } else {
                regio_land.get_mut(l.code as usize)
            };
            if let Some(slot) = doel
                && (slot.0 == GEEN || slot.1 <= l.orde)
            {
                *slot = (l.ouder, l.orde);
            }
        }

        let f = &q.filter;
        let find = |naam: &Option<String>, namen: &crate::feiten::Interner| -> Option<u32> {
            naam.as_ref().map(|n| namen.find(n).unwrap_or(NIETS))
        };
        let f_land = find(&f.landsdeel, &p.landsdelen);
        let f_regio = find(&f.jeugdregio, &p.regios);
        let f_gem = find(&f.gemeente, &p.gemeenten);
        let f_aanb = find(&f.aanbieder, &p.aanbieders);
        let f_vz = find(&f.voorziening, &p.vz_namen);
        let f_vorm = f.vorm.map(vorm_code);
        let f_regime = f.regime.map(regime_code);

        let geo: Vec<bool> = (0..p.gemeenten.len() as u32)
            .map(|g| {
                let regio = gem_regio.get(g as usize).map_or(GEEN, |x| x.0);
                let land = regio_land.get(regio as usize).map_or(GEEN, |x| x.0);
                f_gem.is_none_or(|x| x == g)
                    && f_regio.is_none_or(|x| x == regio)
                    && f_land.is_none_or(|x| x == land)
            })
            .collect();
        let geo_filter = f.geo();
        let vz_ok: Vec<bool> = (0..p.vz_namen.len() as u32)
            .map(|v| {
                if f_vz.is_some_and(|x| x != v) {
                    return false;
                }
                match attr.get(v as usize).copied().flatten() {
                    Some(a) => {
                        f_aanb.is_none_or(|x| x == a.aanbieder)
                            && f_vorm.is_none_or(|x| x == a.vorm)
                            && f_regime.is_none_or(|x| x == a.regime)
                    }
                    None => f_aanb.is_none() && f_vorm.is_none() && f_regime.is_none(),
                }
            })
            .collect();
        let vz_loc: Vec<bool> = (0..p.vz_namen.len())
            .map(|v| {
                vz_ok.get(v).copied().unwrap_or(false)
                    && (!geo_filter
                        || attr.get(v).copied().flatten().is_some_and(|a| {
                            geo.get(a.gemeente as usize).copied().unwrap_or(false)
                        }))
            })
            .collect();
        Ctx {
            p,
            known_at,
            van,
            tot,
            peil,
            b: Cow::Owned(Basis {
                attr,
                gem_regio: gem_regio.iter().map(|x| x.0).collect(),
                regio_land: regio_land.iter().map(|x| x.0).collect(),
                vz_ok,
                vz_loc,
                geo,
                geo_filter,
                vz_filter: f.vz(),
                toerekening: q.toerekening,
            }),
            q,
            sleutels: None,
        }
    }

    /// The same filter and knowledge time for another period (`q` differs from this
    /// context's query only in its period and peildatum), sharing the [`Basis`].
    pub fn periode<'b>(&'b self, q: &'b Query) -> Ctx<'b> {
        let (van, tot) = q.periode.dagnummers();
        Ctx {
            p: self.p,
            known_at: self.known_at,
            van,
            tot,
            peil: dag(q.peil()),
            b: Cow::Borrowed(&*self.b),
            q,
            sleutels: self.sleutels,
        }
    }

    #[inline]
    fn geo_ok(&self, g: u32) -> bool {
        if !self.b.geo_filter {
            return true;
        }
        self.b.geo.get(g as usize).copied().unwrap_or(false)
    }

    /// A fact about a youth in facility `vz` passes the filter under the attribution.
    #[inline]
    pub fn past(&self, vz: u32, herkomst: u32) -> bool {
        if vz == GEEN {
            return !self.b.vz_filter
                && match self.b.toerekening {
                    Toerekening::Herkomst => self.geo_ok(herkomst),
                    Toerekening::Locatie => !self.b.geo_filter,
                };
        }
        match self.b.toerekening {
            Toerekening::Herkomst => {
                self.b.vz_ok.get(vz as usize).copied().unwrap_or(false) && self.geo_ok(herkomst)
            }
            Toerekening::Locatie => self.past_locatie(vz),
        }
    }

    /// Whether the query has no filter at all (every fact passes `past`, every known
    /// facility `past_locatie`).
    pub fn zonder_filter(&self) -> bool {
        !self.b.geo_filter && !self.b.vz_filter
    }

    #[inline]
    pub fn past_locatie(&self, vz: u32) -> bool {
        self.b.vz_loc.get(vz as usize).copied().unwrap_or(false)
    }

    fn meta(&self, definitie: &str) -> KpiMeta {
        let (n, pos) = self.p.prefix(self.known_at);
        KpiMeta {
            definitie: definitie.to_owned(),
            periode: self.q.periode,
            peildatum: self.q.peil(),
            kennis: self.q.known_at,
            filter: self.q.filter.clone(),
            toerekening: self.q.toerekening,
            gebeurtenissen: n,
            positie: pos,
        }
    }

    /// Where each fact goes in a breakdown by `d`: a row index per facility or per
    /// gemeente of origin, and the row labels (sorted; `ONBEKEND` last, if needed).
    fn sleutels(&self, d: Dimensie) -> Sleutels {
        let p = self.p;
        let b = &*self.b;
        let regio = |g: u32| b.gem_regio.get(g as usize).copied().unwrap_or(GEEN);
        let land = |g: u32| b.regio_land.get(regio(g) as usize).copied().unwrap_or(GEEN);
        let geo = |g: u32| match d {
            Dimensie::Landsdeel => land(g),
            Dimensie::Jeugdregio => regio(g),
            _ => g,
        };
        let attr = |v: usize| b.attr.get(v).copied().flatten();
        // Key of every facility and every gemeente (`GEEN`: unknown), then the labels.
        let (per_vz, per_gem): (Vec<u32>, Option<Vec<u32>>) = if d.geografisch() {
            match b.toerekening {
                Toerekening::Herkomst => (
                    Vec::new(),
                    Some((0..p.gemeenten.len() as u32).map(geo).collect()),
                ),
                Toerekening::Locatie => (
                    (0..p.vz_namen.len())
                        .map(|v| attr(v).map_or(GEEN, |a| geo(a.gemeente)))
                        .collect(),
                    None,
                ),
            }
        } else {
            let sleutel = |a: VzAttr, v: usize| match d {
                Dimensie::Aanbieder => a.aanbieder,
                Dimensie::Vorm => u32::from(a.vorm),
                Dimensie::Regime => u32::from(a.regime),
                _ => v as u32,
            };
            (
                (0..p.vz_namen.len())
                    .map(|v| match (d, attr(v)) {
                        // A facility is itself even before its registration is known.
                        (Dimensie::Voorziening, _) => v as u32,
                        (_, Some(a)) => sleutel(a, v),
                        (_, None) => GEEN,
                    })
                    .collect(),
                None,
            )
        };
        let naam = |k: u32| -> Option<String> {
            match d {
                Dimensie::Landsdeel => p.landsdelen.naam(k).map(str::to_owned),
                Dimensie::Jeugdregio => p.regios.naam(k).map(str::to_owned),
                Dimensie::Gemeente => p.gemeenten.naam(k).map(str::to_owned),
                Dimensie::Aanbieder => p.aanbieders.naam(k).map(str::to_owned),
                Dimensie::Voorziening => p.vz_namen.naam(k).map(str::to_owned),
                Dimensie::Vorm => u8::try_from(k)
                    .ok()
                    .and_then(vorm_van)
                    .map(|v| v.code().to_owned()),
                Dimensie::Regime => u8::try_from(k)
                    .ok()
                    .and_then(regime_van)
                    .map(|r| r.code().to_owned()),
            }
        };
        // Every value the dimension can take: the whole register for the names, every
        // code for form and regime (so a row with nothing in it still shows as 0).
        let alle: Vec<u32> = match d {
            Dimensie::Landsdeel => (0..p.landsdelen.len() as u32).collect(),
            Dimensie::Jeugdregio => (0..p.regios.len() as u32).collect(),
            Dimensie::Gemeente => (0..p.gemeenten.len() as u32).collect(),
            Dimensie::Aanbieder => (0..p.aanbieders.len() as u32).collect(),
            Dimensie::Voorziening => (0..p.vz_namen.len() as u32).collect(),
            Dimensie::Vorm => (0..Vorm::ALL.len() as u32).collect(),
            Dimensie::Regime => (0..crate::feiten::REGIMES.len() as u32).collect(),
        };
        let mut labels: Vec<(String, u32)> = alle
            .into_iter()
            .filter_map(|k| naam(k).map(|n| (n, k)))
            .collect();
        labels.sort();
        let mut rij_van =
            vec![u32::MAX; labels.iter().map(|l| l.1 as usize + 1).max().unwrap_or(0)];
        for (i, (_, k)) in labels.iter().enumerate() {
            if let Some(r) = rij_van.get_mut(*k as usize) {
                *r = i as u32;
            }
        }
        let onbekend_rij = labels.len() as u32;
        let rij = |k: u32| match rij_van.get(k as usize) {
            Some(&r) if r != u32::MAX => r,
            _ => onbekend_rij,
        };
        let per_vz: Vec<u32> = per_vz.into_iter().map(rij).collect();
        let per_gem: Option<Vec<u32>> = per_gem.map(|g| g.into_iter().map(rij).collect());
        let mut labels: Vec<String> = labels.into_iter().map(|l| l.0).collect();
        labels.push("ONBEKEND".to_owned());
        Sleutels {
            per_vz,
            per_gem,
            labels,
            onbekend_rij,
        }
    }

    fn kpi<T>(&self, definitie: &str, waarde: T) -> Kpi<T> {
        Kpi {
            meta: self.meta(definitie),
            waarde,
        }
    }

    fn in_p(&self, d: i32) -> bool {
        self.van <= d && d < self.tot
    }

    // ------------------------------------------------------------ capacity

    /// (plaatsen at peil, opbouw in P, afbouw in P) per vorm × regime.
    /// The capacity changes visible at K, on or before day `hi`, at facilities that pass
    /// the LOCATIE filter (which does not depend on P, so a series reads the table once
    /// for all its periods).
    fn cap_regels(&self, hi: i32) -> Vec<CapRegel> {
        self.p
            .capaciteit
            .visible(self.known_at, i32::MIN, hi)
            .filter(|c| self.past_locatie(c.voorziening))
            .map(|c| CapRegel {
                datum: c.datum,
                delta: c.delta,
                soort: c.soort,
                cel: self
                    .b
                    .attr
                    .get(c.voorziening as usize)
                    .copied()
                    .flatten()
                    .map(|a| (a.vorm as usize % 9, a.regime as usize % 2)),
            })
            .collect()
    }

    /// Places at the peildatum, opened and closed in P, per form × regime.
    fn capaciteit(&self, regels: &[CapRegel]) -> [[[i64; 2]; 9]; 3] {
        let mut t = [[[0i64; 2]; 9]; 3];
        for c in regels {
            let Some((v, r)) = c.cel else {
                continue;
            };
            if c.datum <= self.peil {
                t[0][v][r] += i64::from(c.delta);
            }
            if self.in_p(c.datum) {
                match c.soort {
                    cap::GEOPEND | cap::OMBOUW_IN => t[1][v][r] += i64::from(c.delta),
                    _ => t[2][v][r] -= i64::from(c.delta),
                }
            }
        }
        t
    }

    fn tabel(t: &[[i64; 2]; 9]) -> Kruistabel {
        Kruistabel::nieuw(
            Vorm::ALL.iter().map(|v| v.code().to_owned()).collect(),
            vec![
                Regime::Gesloten.code().to_owned(),
                Regime::Open.code().to_owned(),
            ],
            &t.iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        )
    }

    fn balans(t: &[[[i64; 2]; 9]; 3]) -> Balans {
        let open = regime_code(Regime::Open) as usize;
        let dicht = regime_code(Regime::Gesloten) as usize;
        let alt: i64 = t[1].iter().map(|r| r[open]).sum();
        let weg: i64 = t[2].iter().map(|r| r[dicht]).sum();
        Balans {
            opbouw_alternatieven: alt,
            afbouw_gesloten: weg,
            balans: alt - weg,
            ratio: (weg != 0).then(|| alt as f64 / weg as f64),
        }
    }

    fn doelafwijking(&self, plaatsen: i64) -> Doelafwijking {
        let f = &self.q.filter;
        let p = self.p;
        let (soort, sc) = if let Some(a) = &f.aanbieder {
            (scope::AANBIEDER, p.aanbieders.find(a))
        } else if let Some(r) = &f.jeugdregio {
            (scope::JEUGDREGIO, p.regios.find(r))
        } else if let Some(l) = &f.landsdeel {
            (scope::LANDSDEEL, p.landsdelen.find(l))
        } else if f.gemeente.is_some() || f.voorziening.is_some() {
            (GEEN8, None)
        } else {
            (scope::LANDELIJK, Some(GEEN))
        };
        let regime = f.regime.map_or(GEEN8, regime_code);
        let vorm = f.vorm.map_or(GEEN8, vorm_code);
        let mut punten: Vec<(i32, u32, u32)> = Vec::new();
        if let Some(sc) = sc {
            for d in p
                .doelen
                .alle()
                .filter(|v| v.visible(self.known_at))
                .map(|v| v.fact)
            {
                if d.scope_soort == soort && d.scope == sc && d.regime == regime && d.vorm == vorm {
                    punten.push((d.datum, d.orde, d.plaatsen));
                }
            }
        }
        // One value per date: the latest recorded target wins.
        punten.sort_unstable();
        let mut uniek: Vec<(i32, f64)> = Vec::new();
        for (d, _, n) in punten {
            match uniek.last_mut() {
                Some(l) if l.0 == d => l.1 = f64::from(n),
                _ => uniek.push((d, f64::from(n))),
            }
        }
        let doel = interpoleer(&uniek, self.peil);
        // Closed care is reduced, every other form and regime built up, whatever the
        // target points do (docs/kpis.md, `doelafwijking`).
        let reductie = (!uniek.is_empty()).then_some(regime == regime_code(Regime::Gesloten));
        let afwijking = doel.map(|d| plaatsen as f64 - d);
        Doelafwijking {
            peildatum: Some(datum(self.peil)),
            plaatsen,
            doel,
            afwijking,
            reductiedoel: reductie,
            op_koers: match (afwijking, reductie) {
                (Some(a), Some(true)) => Some(a <= 0.0),
                (Some(a), Some(false)) => Some(a >= 0.0),
                _ => None,
            },
        }
    }

    /// Available bed-days in P (LOCATIE) and capacity at the peildatum.
    fn beschikbaar(&self, regels: &[CapRegel]) -> (i64, i64) {
        let mut dagen = 0i64;
        let mut peil = 0i64;
        for c in regels {
            if c.datum < self.tot {
                dagen += i64::from(c.delta) * i64::from(self.tot - c.datum.max(self.van));
            }
            if c.datum <= self.peil {
                peil += i64::from(c.delta);
            }
        }
        (dagen, peil)
    }

    // ------------------------------------------------------------ placements

    fn plaatsing_telling(&self) -> PlaatsingTelling {
        PlaatsingTelling {
            wijzigingen: vec![Vec::new(); self.p.vz_namen.len()],
            ..PlaatsingTelling::default()
        }
    }

    /// Valid-time window of the placement scan.
    fn venster_plaatsingen(&self) -> (i32, i32) {
        (self.van.min(self.peil), self.tot.max(self.peil))
    }

    /// Valid-time window of the episode and trajectory scans.
    fn venster_stroom(&self) -> (i32, i32) {
        (
            self.van.saturating_sub(1).min(self.peil),
            self.tot.max(self.peil),
        )
    }

    /// Whether a placement is in a closed facility (counts for spoedaandeel).
    #[inline]
    pub fn dicht(&self, vz: u32) -> bool {
        let gesloten = regime_code(Regime::Gesloten);
        self.b
            .attr
            .get(vz as usize)
            .copied()
            .flatten()
            .is_some_and(|a| a.regime == gesloten)
    }

    /// One placement into the tally. `loc` and `past` are the filter results
    /// (`past_locatie`, `past` of the placement), which do not depend on P.
    #[inline]
    fn tel_plaatsing(&self, p: &Plaatsing, loc: bool, past: bool, t: &mut PlaatsingTelling) {
        // The key sums ride along only for a protected caller.
        let k = self
            .sleutels
            .map(|s| s.feit(soort::PLAATSING, p.jeugdige, p.begin, p.voorziening));
        if loc && p.begin <= self.peil && self.peil < p.eind {
            t.bezetting_loc += 1;
            if let Some(k) = k {
                t.s.bezetting_loc.tel(k);
            }
        }
        if loc {
            let a = p.begin.max(self.van);
            let b = p.eind.min(self.tot);
            if b > a {
                t.bezette_dagen += i64::from(b - a);
                if let Some(k) = k {
                    t.s.bezette.tel(k);
                }
                // Occupancy changes for the overbezetting sweep, in the same pass.
                if let Some(w) = t.wijzigingen.get_mut(p.voorziening as usize) {
                    w.push((a, 1, 0));
                    if p.eind < self.tot {
                        w.push((p.eind, -1, 0));
                    }
                }
            }
        }
        if !past {
            return;
        }
        if p.begin <= self.peil && self.peil < p.eind {
            t.bezetting += 1;
            if let Some(k) = k {
                t.s.bezetting.tel(k);
            }
        }
        if !self.in_p(p.begin) {
            return;
        }
        if p.vlaggen & vlag::EPISODESTART != 0 {
            t.exclusief += 1;
            t.jeugdigen.push(p.jeugdige);
            if let Some(k) = k {
                t.s.exclusief.tel(k);
            }
        }
        if p.vlaggen & vlag::DOOR != 0 {
            t.door += 1;
            t.jeugdigen.push(p.jeugdige);
            if let Some(k) = k {
                t.s.door.tel(k);
            }
        }
        // Spoedaandeel: residential placements in closed care that start an episode.
        if self.dicht(p.voorziening)
            && p.vlaggen & vlag::AMBULANT == 0
            && p.vlaggen & vlag::EPISODESTART != 0
        {
            t.gesloten_starts += 1;
            if let Some(k) = k {
                t.s.gesloten_starts.tel(k);
            }
            if p.basis == basis::SPOED {
                t.spoed_starts += 1;
                if let Some(k) = k {
                    t.s.spoed_starts.tel(k);
                }
            }
        }
    }

    fn plaatsingen(&self) -> PlaatsingTelling {
        let mut t = self.plaatsing_telling();
        let (lo, hi) = self.venster_plaatsingen();
        self.p
            .jt
            .plaatsingen
            .visible(self.known_at, lo, hi)
            .for_each(|p| {
                self.tel_plaatsing(
                    p,
                    self.past_locatie(p.voorziening),
                    self.past(p.voorziening, p.herkomst),
                    &mut t,
                );
            });
        t.rond_af();
        if let Some(sl) = self.sleutels {
            for &j in &t.jeugdigen {
                t.s.unieke.tel(sl.sleutel(soort::JEUGDIGE, u64::from(j), 0));
            }
        }
        t
    }

    /// One interval into begin stock, instroom, uitstroom, end stock (`[b, i, u, e]`).
    #[inline]
    fn tel_stroom(&self, s: i32, t: i32, st: &mut [i64; 4]) -> [bool; 4] {
        let telt = [
            s < self.van && self.van <= t,
            self.in_p(s),
            t != crate::periode::OPEN && self.in_p(t),
            s < self.tot && self.tot <= t,
        ];
        for (x, &b) in st.iter_mut().zip(&telt) {
            *x += i64::from(b);
        }
        telt
    }

    /// The key sums of a stock-and-flow tally, for the figures [`Ctx::tel_stroom`] counted.
    #[inline]
    fn tel_stroom_sleutel(telt: [bool; 4], k: Option<u64>, ks: &mut [Cel; 4]) {
        if let Some(k) = k {
            for (c, b) in ks.iter_mut().zip(telt) {
                if b {
                    c.tel(k);
                }
            }
        }
    }

    fn stroom<T: crate::versions::ValidTime + Copy + PartialEq>(
        &self,
        table: &crate::versions::VersionTable<T>,
        sleutel: impl Fn(&T) -> (u32, u32, u32),
    ) -> (Stroom, [Cel; 4]) {
        let mut st = [0i64; 4];
        let mut ks = [Cel::default(); 4];
        let (lo, hi) = self.venster_stroom();
        table.visible(self.known_at, lo, hi).for_each(|f| {
            let (vz, h, j) = sleutel(f);
            if self.past(vz, h) {
                let telt = self.tel_stroom(f.begin(), f.eind(), &mut st);
                let k = self
                    .sleutels
                    .map(|s| s.feit(soort::TRAJECT, j, f.begin(), vz));
                Self::tel_stroom_sleutel(telt, k, &mut ks);
            }
        });
        (stroom_van(st), ks)
    }

    fn episode_telling() -> EpisodeTelling {
        EpisodeTelling {
            bestemmingen: [0; 16],
            ..EpisodeTelling::default()
        }
    }

    /// Rank of the facility an episode ended in (for "lighter care").
    pub fn rang(&self, vz: u32) -> Option<u8> {
        self.b
            .attr
            .get(vz as usize)
            .copied()
            .flatten()
            .and_then(|a| {
                Some(rang_van_voorziening(
                    vorm_van(a.vorm)?,
                    regime_van(a.regime)?,
                ))
            })
    }

    /// One episode into the tally; `eerste` and `laatste` are `past` of the facility
    /// where it started and the one the youth left (independent of P).
    #[inline]
    fn tel_episode(
        &self,
        e: &Episode,
        eerste: bool,
        laatste: bool,
        t: &mut EpisodeTelling,
        st: &mut [i64; 4],
    ) {
        let k = self
            .sleutels
            .map(|s| s.feit(soort::EPISODE, e.jeugdige, e.begin, e.eerste));
        if eerste {
            // Stock and flows in the same pass (see the module docs for the rules).
            let telt = self.tel_stroom(e.begin, e.eind, st);
            Self::tel_stroom_sleutel(telt, k, &mut t.s.episodes);
            if e.begin <= self.peil && self.peil < e.eind && e.begin <= self.peil - LANGVERBLIJF {
                t.langverblijvers += 1;
                if let Some(k) = k {
                    t.s.langverblijvers.tel(k);
                }
            }
            if self.in_p(e.begin) {
                t.cohort += 1;
                if let Some(k) = k {
                    t.s.cohort.tel(k);
                }
                if e.eerste_door < e.begin.saturating_add(365) {
                    t.cohort_door += 1;
                    if let Some(k) = k {
                        t.s.cohort_door.tel(k);
                    }
                }
            }
        }
        if e.bestemming == GEEN8 || !self.in_p(e.eind) || !laatste {
            return;
        }
        let Some(best) = bestemming_van(e.bestemming) else {
            return;
        };
        t.bestemmingen[e.bestemming as usize % 16] += 1;
        t.duren.push(e.eind - e.begin);
        if let Some(k) = k {
            t.s.bestemmingen[e.bestemming as usize % 16].tel(k);
            if e.eind - e.begin < 365 {
                t.s.kort.tel(k);
            }
        }
        if best != Verblijfplaats::Onbekend {
            t.bekend += 1;
            if let Some(k) = k {
                t.s.bekend.tel(k);
            }
            if let (Zwaarte::Rang(r), Some(vr)) = (best.zwaarte(), self.rang(e.laatste))
                && r < vr
            {
                t.lichter += 1;
                if let Some(k) = k {
                    t.s.lichter.tel(k);
                }
            }
        }
    }

    fn episodes(&self) -> EpisodeTelling {
        let mut t = Self::episode_telling();
        let (lo, hi) = self.venster_stroom();
        let mut st = [0i64; 4];
        self.p
            .jt
            .episodes
            .visible(self.known_at, lo, hi)
            .for_each(|e| {
                self.tel_episode(
                    e,
                    self.past(e.eerste, e.herkomst),
                    self.past(e.laatste, e.herkomst),
                    &mut t,
                    &mut st,
                );
            });
        t.stroom = stroom_van(st);
        t
    }

    #[inline]
    fn telt_machtiging(&self, m: &Machtiging, past: bool) -> bool {
        m.soort == basis::SPOED && self.in_p(m.begin) && past
    }

    fn machtigingen(&self) -> Cel {
        let mut c = Cel::default();
        self.p
            .jt
            .machtigingen
            .visible(self.known_at, self.van, self.tot)
            .filter(|m| self.telt_machtiging(m, self.past(m.voorziening, m.herkomst)))
            .for_each(|m| {
                c.tel(self.sleutels.map_or(0, |s| {
                    s.feit(soort::MACHTIGING, m.jeugdige, m.begin, m.voorziening)
                }))
            });
        c
    }

    /// One signal into the tally: its subject counts once in P, so a stretch counts
    /// when it overlaps P and the subject's previous stretch does not (`Signaal`).
    #[inline]
    fn tel_signaal(&self, s: &Signaal, past: bool, n: &mut [i64; 3], ks: &mut [Cel; 3]) {
        if s.begin < self.tot
            && s.eind > self.van
            && s.begin < s.eind
            && s.vorige_eind <= self.van
            && past
        {
            n[s.soort as usize % 3] += 1;
            if let Some(sl) = self.sleutels {
                let soort = soort::SIGNAAL + (u64::from(s.soort) << 8);
                ks[s.soort as usize % 3].tel(sl.feit(soort, s.jeugdige, s.begin, s.voorziening));
            }
        }
    }

    fn signaal_tellingen(&self) -> ([i64; 3], [Cel; 3]) {
        let mut n = [0i64; 3];
        let mut ks = [Cel::default(); 3];
        self.p
            .jt
            .signalen
            .visible(self.known_at, self.van, self.tot)
            .for_each(|s| {
                self.tel_signaal(s, self.past(s.voorziening, s.herkomst), &mut n, &mut ks)
            });
        (n, ks)
    }

    fn signalen(n: [i64; 3], overbezetting: i64) -> Signalen {
        Signalen {
            overbezetting: Aantal::van(overbezetting),
            zonder_machtiging: Aantal::van(n[signaal::ZONDER_MACHTIGING as usize]),
            spoedmachtiging_te_lang: Aantal::van(n[signaal::SPOED_TE_LANG as usize]),
            doorplaatsing: Aantal::van(n[signaal::DOORPLAATSING as usize]),
        }
    }

    /// Facilities (LOCATIE) with a day in P on which more placements are active than
    /// there are places: a sweep over occupancy and capacity changes per facility.
    fn overbezetting(&self, mut wijz: Vec<Vec<(i32, i64, i64)>>) -> i64 {
        if wijz.iter().all(Vec::is_empty) {
            return 0;
        }
        for c in self.p.capaciteit.visible(self.known_at, i32::MIN, self.tot) {
            if c.datum < self.tot
                && let Some(w) = wijz.get_mut(c.voorziening as usize)
                && !w.is_empty()
            {
                w.push((c.datum.max(self.van), 0, i64::from(c.delta)));
            }
        }
        let mut n = 0;
        for mut w in wijz {
            w.sort_unstable_by_key(|x| x.0);
            let (mut bez, mut cap) = (0i64, 0i64);
            let mut i = 0;
            while i < w.len() {
                let d = w[i].0;
                while i < w.len() && w[i].0 == d {
                    bez += w[i].1;
                    cap += w[i].2;
                    i += 1;
                }
                if bez > cap {
                    n += 1;
                    break;
                }
            }
        }
        n
    }
}

#[derive(Default)]
struct PlaatsingTelling {
    /// Key sums (a protected caller only).
    s: Celsleutels,
    /// Per facility: (day, occupancy change, capacity change) within P.
    wijzigingen: Vec<Vec<(i32, i64, i64)>>,
    bezetting: i64,
    bezetting_loc: i64,
    bezette_dagen: i64,
    exclusief: i64,
    door: i64,
    jeugdigen: Vec<u32>,
    gesloten_starts: i64,
    spoed_starts: i64,
}

impl PlaatsingTelling {
    fn rond_af(&mut self) {
        self.jeugdigen.sort_unstable();
        self.jeugdigen.dedup();
    }
}

fn stroom_van(st: [i64; 4]) -> Stroom {
    Stroom {
        begin: Aantal::van(st[0]),
        instroom: Aantal::van(st[1]),
        uitstroom: Aantal::van(st[2]),
        eind: Aantal::van(st[3]),
    }
}

#[derive(Default)]
struct EpisodeTelling {
    /// Key sums (a protected caller only).
    s: Celsleutels,
    stroom: Stroom,
    langverblijvers: i64,
    cohort: i64,
    cohort_door: i64,
    bestemmingen: [i64; 16],
    bekend: i64,
    lichter: i64,
    duren: Vec<i32>,
}

fn interpoleer(punten: &[(i32, f64)], d: i32) -> Option<f64> {
    let eerste = punten.first()?;
    if d < eerste.0 {
        return None;
    }
    for w in punten.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.0 <= d && d < b.0 {
            let f = f64::from(d - a.0) / f64::from(b.0 - a.0);
            return Some(a.1 + (b.1 - a.1) * f);
        }
    }
    punten.last().map(|l| l.1)
}

pub(crate) fn verblijfsduur(mut duren: Vec<i32>) -> Verblijfsduur {
    duren.sort_unstable();
    let n = duren.len();
    let aantal = Aantal::van(n as i64);
    if n == 0 {
        return Verblijfsduur {
            aantal,
            korter_dan_jaar: Verhouding::van(0, 0),
            ..Verblijfsduur::default()
        };
    }
    let som: i64 = duren.iter().map(|&d| i64::from(d)).sum();
    let mediaan = if n % 2 == 1 {
        f64::from(duren[n / 2])
    } else {
        (f64::from(duren[n / 2 - 1]) + f64::from(duren[n / 2])) / 2.0
    };
    // Nearest rank.
    let p90 = f64::from(duren[(n * 9).div_ceil(10).saturating_sub(1).min(n - 1)]);
    let kort = duren.iter().filter(|&&d| d < 365).count() as i64;
    Verblijfsduur {
        aantal,
        gemiddelde: Some(som as f64 / n as f64),
        mediaan: Some(mediaan),
        p90: Some(p90),
        korter_dan_jaar: Verhouding::van(kort, n as i64),
        bescherming: Bescherming::Geen,
    }
}

/// The placement figures of one period.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlaatsingSom {
    pub bezetting: i64,
    pub bezetting_loc: i64,
    pub bezette_dagen: i64,
    pub exclusief: i64,
    pub door: i64,
    pub unieke: i64,
    pub gesloten_starts: i64,
    pub spoed_starts: i64,
}

/// The episode figures of one period.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct EpisodeSom {
    pub stroom: Stroom,
    pub langverblijvers: i64,
    pub cohort: i64,
    pub cohort_door: i64,
    pub bestemmingen: [i64; 16],
    pub bekend: i64,
    pub lichter: i64,
    pub verblijfsduur: Verblijfsduur,
}

/// The tallies of the fact scans of one query, before they become a report.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Tellingen {
    pub pl: PlaatsingSom,
    pub ep: EpisodeSom,
    pub trajecten: Stroom,
    pub spoed: i64,
    pub signalen: [i64; 3],
    pub overbezetting: i64,
}

impl PlaatsingTelling {
    fn som(mut self) -> PlaatsingSom {
        self.rond_af();
        PlaatsingSom {
            bezetting: self.bezetting,
            bezetting_loc: self.bezetting_loc,
            bezette_dagen: self.bezette_dagen,
            exclusief: self.exclusief,
            door: self.door,
            unieke: self.jeugdigen.len() as i64,
            gesloten_starts: self.gesloten_starts,
            spoed_starts: self.spoed_starts,
        }
    }
}

impl EpisodeTelling {
    fn som(self) -> EpisodeSom {
        EpisodeSom {
            stroom: self.stroom,
            langverblijvers: self.langverblijvers,
            cohort: self.cohort,
            cohort_door: self.cohort_door,
            bestemmingen: self.bestemmingen,
            bekend: self.bekend,
            lichter: self.lichter,
            verblijfsduur: verblijfsduur(self.duren),
        }
    }
}

/// The query for each period of a series (peildatum: the end of each period).
fn per_periode(q: &Query, perioden: &[Periode]) -> Vec<Query> {
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

impl Projection {
    /// Every KPI for one query.
    pub fn kpis(&self, q: &Query) -> KpiReport {
        self.kpis_met(q, None)
    }

    /// Every KPI for one query as a caller without person-level access sees it: the
    /// figures about persons perturbed by the cell-key method (`disclosure.rs`) with the
    /// record keys of `sleutels`; capacity and targets exact.
    pub fn kpis_beschermd(&self, q: &Query, sleutels: &RecordKeys) -> KpiReport {
        self.kpis_met(q, Some(*sleutels))
    }

    fn kpis_met(&self, q: &Query, sleutels: Option<RecordKeys>) -> KpiReport {
        let mut c = Ctx::new(self, q);
        c.sleutels = sleutels;
        let mut pl = c.plaatsingen();
        let overbezetting = c.overbezetting(std::mem::take(&mut pl.wijzigingen));
        let mut ep = c.episodes();
        let (trajecten, traject_sleutels) = c.stroom(&self.jt.trajecten, |t| {
            (t.voorziening, t.herkomst, t.jeugdige)
        });
        let spoed = c.machtigingen();
        let (signalen, signaal_sleutels) = c.signaal_tellingen();
        let bezette_dagen = pl.bezette_dagen;
        let s = Celsleutels {
            trajecten: traject_sleutels,
            spoed,
            // Indexed by signal kind, as the counts.
            signalen: signaal_sleutels,
            ..std::mem::take(&mut ep.s)
        }
        .met_plaatsingen(&pl.s);
        let t = Tellingen {
            pl: pl.som(),
            ep: ep.som(),
            trajecten,
            spoed: spoed.n,
            signalen,
            overbezetting,
        };
        let regels = c.cap_regels(c.peil.max(c.tot));
        let mut r = self.rapport(&c, t, &regels);
        if sleutels.is_some() {
            crate::disclosure::bescherm(&mut r, &s, bezette_dagen, q.levensvatbaarheid);
        }
        r
    }

    /// [`Projection::reeks`] as a caller without person-level access sees it: the
    /// figures of the sweep, perturbed with the key sums of one more pass over the
    /// visible facts (`key_sweep.rs`); each period equals [`Projection::kpis_beschermd`]
    /// of that period.
    pub fn reeks_beschermd(
        &self,
        q: &Query,
        perioden: &[Periode],
        sleutels: &RecordKeys,
    ) -> Vec<KpiReport> {
        self.reeks_met(q, perioden, Some(*sleutels))
    }

    /// The report of one period from its tallies; `regels` are the capacity changes of
    /// `Ctx::cap_regels` up to at least the period's end and peildatum.
    pub(crate) fn rapport(&self, c: &Ctx<'_>, t: Tellingen, regels: &[CapRegel]) -> KpiReport {
        let q = c.q;
        let Tellingen {
            pl,
            ep,
            trajecten,
            spoed,
            signalen,
            overbezetting,
        } = t;
        let cap = c.capaciteit(regels);
        let plaatsen_peil: i64 = cap[0].iter().flatten().sum();
        let (beschikbaar, cap_peil) = c.beschikbaar(regels);
        let graad = Verhouding::van(pl.bezetting_loc, cap_peil);
        let unieke = pl.unieke;
        let kennis_dag = q
            .known_at
            .or_else(|| self.recorded_until())
            .map(|k| dag(k.date_naive()));
        let definitief = kennis_dag.is_some_and(|k| k >= c.tot.saturating_add(365));
        let bestemmingen = Kruistabel::nieuw(
            Verblijfplaats::ALL
                .iter()
                .map(|v| v.code().to_owned())
                .collect(),
            vec!["aantal".to_owned()],
            &ep.bestemmingen.iter().map(|&n| vec![n]).collect::<Vec<_>>(),
        );
        KpiReport {
            meta: c.meta("kpis"),
            plaatsen: c.kpi("plaatsen", Ctx::tabel(&cap[0])),
            opbouw: c.kpi("opbouw", Ctx::tabel(&cap[1])),
            afbouw: c.kpi("afbouw", Ctx::tabel(&cap[2])),
            balans: c.kpi("balans", Ctx::balans(&cap)),
            doelafwijking: c.kpi("doelafwijking", c.doelafwijking(plaatsen_peil)),
            bezetting: c.kpi(
                "bezetting",
                Bezetting {
                    bezetting: Aantal::van(pl.bezetting),
                    plaatsen: cap_peil,
                    graad,
                    graad_periode: Verhouding::van(pl.bezette_dagen, beschikbaar),
                    onder_levensvatbaarheid: graad.waarde.is_some_and(|g| g < q.levensvatbaarheid),
                    overbezet: graad.waarde.is_some_and(|g| g > 1.0)
                        || (cap_peil <= 0 && pl.bezetting_loc > 0),
                },
            ),
            plaatsingen: c.kpi(
                "plaatsingen",
                Plaatsingen {
                    exclusief_doorplaatsingen: Aantal::van(pl.exclusief),
                    inclusief_doorplaatsingen: Aantal::van(pl.exclusief + pl.door),
                },
            ),
            unieke_jeugdigen: c.kpi("uniekeJeugdigen", Aantal::van(unieke)),
            spoedmachtigingen: c.kpi("spoedmachtigingen", Aantal::van(spoed)),
            spoedaandeel: c.kpi(
                "spoedaandeel",
                Verhouding::van(pl.spoed_starts, pl.gesloten_starts),
            ),
            doorplaatsingen: c.kpi(
                "doorplaatsingen",
                Doorplaatsingen {
                    aantal: Aantal::van(pl.door),
                    per_jeugdige: Verhouding::van(pl.door, unieke),
                    cohort_365: Verhouding::van(ep.cohort_door, ep.cohort),
                    cohort_definitief: definitief,
                },
            ),
            stroom_episodes: c.kpi("instroom/uitstroom/lopend (episodes)", ep.stroom.clone()),
            stroom_trajecten: c.kpi("instroom/uitstroom/lopend (CBS-trajecten)", trajecten),
            uitstroom_naar_lichtere_zorg: c.kpi(
                "uitstroomNaarLichtereZorg",
                UitstroomLichter {
                    lichter: Verhouding::van(ep.lichter, ep.bekend),
                    bestemmingen,
                },
            ),
            verblijfsduur: c.kpi("verblijfsduur", ep.verblijfsduur),
            langverblijvers: c.kpi("langverblijvers", Aantal::van(ep.langverblijvers)),
            signalen: c.kpi("signalen", Ctx::signalen(signalen, overbezetting)),
        }
    }

    /// The same query for each period of a series (peildatum: the end of each period).
    ///
    /// For consecutive periods (each one ending at or before the next begins, as
    /// [`Periode::reeks`] makes them; gaps allowed) each fact table is scanned once for
    /// the whole series and every fact costs O(1) however many periods it spans
    /// (difference arrays over the period index, see `sweep.rs`), with exactly the
    /// per-period rules of [`Projection::kpis`]. Other lists of periods are computed one
    /// by one.
    pub fn reeks(&self, q: &Query, perioden: &[Periode]) -> Vec<KpiReport> {
        self.reeks_met(q, perioden, None)
    }

    fn reeks_met(
        &self,
        q: &Query,
        perioden: &[Periode],
        sleutels: Option<RecordKeys>,
    ) -> Vec<KpiReport> {
        let vragen = per_periode(q, perioden);
        let opvolgend = perioden.windows(2).all(|w| w[0].tot <= w[1].van)
            && perioden.iter().all(|p| p.van < p.tot);
        let een_voor_een = |vragen: &[Query]| {
            vragen
                .iter()
                .map(|qq| self.kpis_met(qq, sleutels))
                .collect()
        };
        let (Some(q0), true) = (vragen.first(), vragen.len() >= 2 && opvolgend) else {
            return een_voor_een(&vragen);
        };
        let c0 = Ctx::new(self, q0);
        let ctxs: Vec<Ctx<'_>> = vragen.iter().map(|qq| c0.periode(qq)).collect();
        // One calendar for the sweep and, for a protected caller, the key pass.
        let Some(kal) = crate::sweep::Calendar::new(&ctxs) else {
            return een_voor_een(&vragen);
        };
        let tellingen = crate::sweep::sweep(&c0, &kal);
        // Every period's capacity figures from one read of the capacity table.
        let hi = ctxs
            .iter()
            .map(|c| c.peil.max(c.tot))
            .max()
            .unwrap_or(c0.tot);
        let regels = c0.cap_regels(hi);
        let mut rapporten: Vec<KpiReport> = ctxs
            .iter()
            .zip(tellingen)
            .map(|(c, t)| self.rapport(c, t, &regels))
            .collect();
        if let Some(sl) = sleutels {
            let per = crate::key_sweep::sleutels_per_periode(&c0, &kal, &sl);
            for (r, s) in rapporten.iter_mut().zip(&per) {
                let dagen = r.bezetting.waarde.graad_periode.teller.of_nul();
                crate::disclosure::bescherm(r, s, dagen, q.levensvatbaarheid);
            }
        }
        rapporten
    }

    /// A calendar series of granularity `g` covering [van, tot).
    pub fn reeks_van(
        &self,
        q: &Query,
        van: NaiveDate,
        tot: NaiveDate,
        g: Granulariteit,
    ) -> Result<Vec<KpiReport>, ProjectionError> {
        Ok(self.reeks(q, &Periode::reeks(van, tot, g)?))
    }

    /// Capacity at the peildatum, vorm × regime (LOCATIE).
    pub fn plaatsen(&self, q: &Query) -> Kpi<Kruistabel> {
        let c = Ctx::new(self, q);
        let regels = c.cap_regels(c.peil.max(c.tot));
        c.kpi("plaatsen", Ctx::tabel(&c.capaciteit(&regels)[0]))
    }

    /// Active placements at the peildatum.
    /// Youths in a placement on the peildatum (the rule of [`KpiReport::bezetting`]).
    /// Only the buckets that can hold the peildatum are read, and nothing else is
    /// tallied.
    pub fn bezetting(&self, q: &Query) -> Kpi<Aantal> {
        let c = Ctx::new(self, q);
        let peil = c.peil;
        let n = self
            .jt
            .plaatsingen
            .visible(c.known_at, peil, peil)
            .filter(|p| p.begin <= peil && peil < p.eind && c.past(p.voorziening, p.herkomst))
            .count();
        c.kpi("bezetting", Aantal::van(n as i64))
    }

    /// [`Projection::bezetting`] broken down by two dimensions in one pass (what a SQL
    /// user writes as one `GROUP BY`): a cell holds what `bezetting` gives with the
    /// query's filter narrowed to that row and column. Geographic dimensions follow the
    /// attribution (the youth's gemeente of origin, or the facility's gemeente); facts
    /// whose dimension is not known at K are counted in a row or column `ONBEKEND`,
    /// which is left out when empty. Rows and columns are sorted by name.
    pub fn bezetting_per(&self, q: &Query, rij: Dimensie, kolom: Dimensie) -> Kpi<Kruistabel> {
        self.bezetting_per_met(q, rij, kolom, None)
    }

    /// [`Projection::bezetting_per`] as a caller without person-level access sees it:
    /// every cell and total perturbed by the cell-key method (`disclosure.rs`).
    pub fn bezetting_per_beschermd(
        &self,
        q: &Query,
        rij: Dimensie,
        kolom: Dimensie,
        sleutels: &RecordKeys,
    ) -> Kpi<Kruistabel> {
        self.bezetting_per_met(q, rij, kolom, Some(*sleutels))
    }

    fn bezetting_per_met(
        &self,
        q: &Query,
        rij: Dimensie,
        kolom: Dimensie,
        sleutels: Option<RecordKeys>,
    ) -> Kpi<Kruistabel> {
        let c = Ctx::new(self, q);
        let (rs, ks) = (c.sleutels(rij), c.sleutels(kolom));
        let peil = c.peil;
        let mut tel = vec![Cel::default(); rs.labels.len() * ks.labels.len()];
        for p in self.jt.plaatsingen.visible(c.known_at, peil, peil) {
            if p.begin <= peil && peil < p.eind && c.past(p.voorziening, p.herkomst) {
                let (r, k) = (
                    rs.index(p.voorziening, p.herkomst),
                    ks.index(p.voorziening, p.herkomst),
                );
                if let Some(t) = tel.get_mut(r * ks.labels.len() + k) {
                    t.tel(sleutels.map_or(0, |s| {
                        s.feit(soort::PLAATSING, p.jeugdige, p.begin, p.voorziening)
                    }));
                }
            }
        }
        let nk = ks.labels.len();
        let mut cellen: Vec<Vec<Cel>> = tel.chunks(nk.max(1)).map(<[Cel]>::to_vec).collect();
        cellen.resize(rs.labels.len(), vec![Cel::default(); nk]);
        let (mut rijen, mut kolommen) = (rs.labels, ks.labels);
        // The ONBEKEND row and column are the last ones; drop them when empty.
        if cellen.last().is_some_and(|r| r.iter().all(|x| x.n == 0)) {
            cellen.pop();
            rijen.pop();
        }
        if cellen.iter().all(|r| r.last().is_none_or(|x| x.n == 0)) {
            for r in &mut cellen {
                r.pop();
            }
            kolommen.pop();
        }
        let waarden: Vec<Vec<i64>> = cellen
            .iter()
            .map(|r| r.iter().map(|x| x.n).collect())
            .collect();
        let nk = kolommen.len();
        let mut tabel = Kruistabel::nieuw(rijen, kolommen, &waarden);
        if sleutels.is_some() {
            let plat: Vec<Cel> = cellen.into_iter().flatten().collect();
            crate::disclosure::bescherm_kruistabel(&mut tabel, &plat, nk);
        }
        c.kpi(
            &format!("bezetting per {} × {}", rij.naam(), kolom.naam()),
            tabel,
        )
    }

    /// Placements starting in P (the rule of [`KpiReport::plaatsingen`]); only the
    /// buckets that can hold a start in P are read.
    pub fn plaatsingen(&self, q: &Query) -> Kpi<Plaatsingen> {
        let c = Ctx::new(self, q);
        let (mut excl, mut door) = (0i64, 0i64);
        for p in self
            .jt
            .plaatsingen
            .visible(c.known_at, c.van, c.tot.saturating_sub(1))
        {
            if c.in_p(p.begin) && c.past(p.voorziening, p.herkomst) {
                excl += i64::from(p.vlaggen & vlag::EPISODESTART != 0);
                door += i64::from(p.vlaggen & vlag::DOOR != 0);
            }
        }
        c.kpi(
            "plaatsingen",
            Plaatsingen {
                exclusief_doorplaatsingen: Aantal::van(excl),
                inclusief_doorplaatsingen: Aantal::van(excl + door),
            },
        )
    }

    /// Episode-level stock and flows.
    pub fn stroom_episodes(&self, q: &Query) -> Kpi<Stroom> {
        let c = Ctx::new(self, q);
        c.kpi("instroom/uitstroom/lopend (episodes)", c.episodes().stroom)
    }

    /// CBS-trajectory-level stock and flows.
    pub fn stroom_trajecten(&self, q: &Query) -> Kpi<Stroom> {
        let c = Ctx::new(self, q);
        c.kpi(
            "instroom/uitstroom/lopend (CBS-trajecten)",
            c.stroom(&self.jt.trajecten, |t| {
                (t.voorziening, t.herkomst, t.jeugdige)
            })
            .0,
        )
    }

    pub fn signalen(&self, q: &Query) -> Kpi<Signalen> {
        let c = Ctx::new(self, q);
        let pl = c.plaatsingen();
        c.kpi(
            "signalen",
            Ctx::signalen(c.signaal_tellingen().0, c.overbezetting(pl.wijzigingen)),
        )
    }
}
