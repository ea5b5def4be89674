//! What a caller asks: the period, peildatum, knowledge time, filter and attribution of
//! a KPI query ([`Query`]), and the dimensions of a breakdown ([`Dimensie`]).

use chrono::{DateTime, NaiveDate, Utc};
use kringloop_events::{Regime, Vorm};
use serde::{Deserialize, Serialize};

use crate::knowledge::KnowledgeTime;
use crate::periode::Periode;

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
    pub(crate) fn geo(&self) -> bool {
        self.landsdeel.is_some() || self.jeugdregio.is_some() || self.gemeente.is_some()
    }
    pub(crate) fn vz(&self) -> bool {
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

/// A dimension of a breakdown ([`Projection::bezetting_per`](crate::Projection::bezetting_per)).
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
