//! The public report types: every KPI value with how it was protected and what it rests
//! on ([`KpiReport`], [`Kpi`], [`KpiMeta`], [`Aantal`], [`Verhouding`], [`Kruistabel`], …).
//! They are domain types (the GraphQL schema maps them), so their names and fields are
//! Dutch and stay as they are.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::periode::Periode;
use crate::query::{Filter, Toerekening};

/// How a published value was protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Bescherming {
    /// The exact figure (person-level roles; facts about facilities).
    #[default]
    Geen,
    /// Perturbed by the cell-key method: the true value plus a small, consistent noise.
    Verstoord,
    /// Withheld: too few records for a statistic of individual values (median, p90).
    Onderdrukt,
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
