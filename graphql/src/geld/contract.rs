//! The output types of `contracten` and `contract`: a contract as known at a knowledge
//! time, with its tariffs, volume guarantees, budget ceiling, agreements and every event
//! behind it, mapped from the projection's `ContractOpK` field by field.

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kringloop_events as events;
use kringloop_projections as projections;
use uuid::Uuid;

use super::invoer::{Financiering, Normkpi, Richting, Tariefeenheid};
use super::{kennis, mag_regios};
use crate::auth::{GELD_LEZERS, RolGuard, TARIEF_LEZERS, principal};
use crate::fout::{ApiFout, ApiResult};
use crate::query::state;
use crate::types::{Regime, Vorm};

/// An event behind a contract fact, a scorecard value or a change.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Bron {
    pub positie: i64,
    pub event_id: Uuid,
    pub geregistreerd_op: DateTime<Utc>,
    /// The event type (`ContractGesloten`, `TariefGeindexeerd`, `FeitGecorrigeerd`, …).
    #[graphql(name = "type")]
    pub soort: String,
}

impl From<&projections::Bron> for Bron {
    fn from(b: &projections::Bron) -> Self {
        Bron {
            positie: b.positie,
            event_id: b.event_id,
            geregistreerd_op: b.recorded_at,
            soort: b.soort.to_owned(),
        }
    }
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Product {
    pub code: String,
    pub vorm: Vorm,
    pub regime: Regime,
    pub eenheid: Tariefeenheid,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Perceel {
    pub code: String,
    pub naam: String,
    pub producten: Vec<Product>,
}

/// A tariff from `geldigVan` until the product's next one, in eurocents per unit.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Tariefstand {
    pub geldig_van: NaiveDate,
    pub bedrag_cent: i64,
}

/// A product's tariffs as known at K, oldest first (an indexation recorded after K is
/// not among them).
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Producttarieven {
    pub product: String,
    pub tarieven: Vec<Tariefstand>,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Volumegarantie {
    pub product: String,
    pub plaatsen: Option<u32>,
    pub bezettingsaandeel_procent: Option<u8>,
}

/// The volume guarantees in force from `vanaf` (until the next change).
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Volumegaranties {
    pub vanaf: NaiveDate,
    pub garanties: Vec<Volumegarantie>,
}

/// The annual budget ceiling from `vanaf` (null: none).
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Budgetplafond {
    pub vanaf: NaiveDate,
    pub bedrag_cent: Option<i64>,
}

/// Capacity trajectory or KPI norm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Afspraaksoort {
    Capaciteit,
    Norm,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Capaciteitspunt {
    pub datum: NaiveDate,
    pub plaatsen: u32,
}

/// What an agreement says. CAPACITEIT: `vorm`, `regime`, `richting`, `punten`; NORM:
/// `kpi`, `van`, `totEnMet` (the measurement period, inclusive), `min`, `max`.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Afspraakinhoud {
    pub soort: Afspraaksoort,
    pub vorm: Option<Vorm>,
    pub regime: Option<Regime>,
    pub richting: Option<Richting>,
    pub punten: Vec<Capaciteitspunt>,
    pub kpi: Option<Normkpi>,
    pub van: Option<NaiveDate>,
    pub tot_en_met: Option<NaiveDate>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl From<&events::Afspraakinhoud> for Afspraakinhoud {
    fn from(x: &events::Afspraakinhoud) -> Self {
        match x {
            events::Afspraakinhoud::Capaciteit {
                vorm,
                regime,
                richting,
                punten,
            } => Afspraakinhoud {
                soort: Afspraaksoort::Capaciteit,
                vorm: vorm.map(Into::into),
                regime: regime.map(Into::into),
                richting: Some((*richting).into()),
                punten: punten
                    .iter()
                    .map(|p| Capaciteitspunt {
                        datum: p.datum,
                        plaatsen: p.plaatsen,
                    })
                    .collect(),
                kpi: None,
                van: None,
                tot_en_met: None,
                min: None,
                max: None,
            },
            events::Afspraakinhoud::Norm {
                kpi,
                van,
                tot_en_met,
                min,
                max,
            } => Afspraakinhoud {
                soort: Afspraaksoort::Norm,
                vorm: None,
                regime: None,
                richting: None,
                punten: Vec::new(),
                kpi: Some((*kpi).into()),
                van: Some(*van),
                tot_en_met: Some(*tot_en_met),
                min: *min,
                max: *max,
            },
        }
    }
}

/// One version of an agreement: when it was recorded, from which date it holds, what it
/// said and why; `vervallen` is the correction or retraction that replaced it, if known
/// at K.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct AfspraakVersie {
    pub bron: Bron,
    pub datum: NaiveDate,
    pub inhoud: Afspraakinhoud,
    pub reden: String,
    pub vervallen: Option<Bron>,
}

/// A performance agreement as known at K and every version of it.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Afspraak {
    pub id: String,
    pub inhoud: Afspraakinhoud,
    pub versies: Vec<AfspraakVersie>,
}

/// A contract as known at a knowledge time.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Contract {
    pub id: String,
    pub aanbieder: String,
    /// The contracting jeugdregio's; the first is the lead region.
    pub jeugdregios: Vec<String>,
    pub financiering: Financiering,
    pub percelen: Vec<Perceel>,
    pub van: NaiveDate,
    /// The effective last day: the latest of the agreed end and its extensions, cut by
    /// an early termination.
    pub tot_en_met: NaiveDate,
    pub verlengingsopties: u8,
    pub verlenging_maanden: u16,
    /// Per product its tariffs as known at K. Contract managers (of the contracts of
    /// their region), evaluators and admins; stuurgroep gets FORBIDDEN (it reads costs
    /// in aggregate, not prices per contract).
    #[graphql(guard = "RolGuard(TARIEF_LEZERS)")]
    pub tarieven: Vec<Producttarieven>,
    pub volumegaranties: Vec<Volumegaranties>,
    pub budgetplafond: Vec<Budgetplafond>,
    pub afspraken: Vec<Afspraak>,
    /// Every event of the contract visible at K, in log order.
    pub gebeurtenissen: Vec<Bron>,
}

impl From<&projections::AfspraakOpK> for Afspraak {
    fn from(a: &projections::AfspraakOpK) -> Self {
        Afspraak {
            id: a.id.clone(),
            inhoud: (&a.inhoud).into(),
            versies: a
                .versies
                .iter()
                .map(|v| AfspraakVersie {
                    bron: (&v.bron).into(),
                    datum: v.datum,
                    inhoud: (&v.inhoud).into(),
                    reden: v.reden.clone(),
                    vervallen: v.vervallen.as_ref().map(Into::into),
                })
                .collect(),
        }
    }
}

impl From<&projections::ContractOpK> for Contract {
    fn from(c: &projections::ContractOpK) -> Self {
        Contract {
            id: c.id.clone(),
            aanbieder: c.aanbieder.clone(),
            jeugdregios: c.jeugdregios.clone(),
            financiering: c.financiering.into(),
            percelen: c
                .percelen
                .iter()
                .map(|p| Perceel {
                    code: p.code.clone(),
                    naam: p.naam.clone(),
                    producten: p
                        .producten
                        .iter()
                        .map(|x| Product {
                            code: x.code.clone(),
                            vorm: x.vorm.into(),
                            regime: x.regime.into(),
                            eenheid: x.eenheid.into(),
                        })
                        .collect(),
                })
                .collect(),
            van: c.van,
            tot_en_met: c.tot_en_met,
            verlengingsopties: c.verlengingsopties,
            verlenging_maanden: c.verlenging_maanden,
            tarieven: c
                .tarieven
                .iter()
                .map(|(product, t)| Producttarieven {
                    product: product.clone(),
                    tarieven: t
                        .iter()
                        .map(|&(geldig_van, bedrag_cent)| Tariefstand {
                            geldig_van,
                            bedrag_cent,
                        })
                        .collect(),
                })
                .collect(),
            volumegaranties: c
                .volumegaranties
                .iter()
                .map(|(vanaf, g)| Volumegaranties {
                    vanaf: *vanaf,
                    garanties: g
                        .iter()
                        .map(|v| Volumegarantie {
                            product: v.product.clone(),
                            plaatsen: v.plaatsen,
                            bezettingsaandeel_procent: v.bezettingsaandeel_procent,
                        })
                        .collect(),
                })
                .collect(),
            budgetplafond: c
                .budgetplafond
                .iter()
                .map(|&(vanaf, bedrag_cent)| Budgetplafond { vanaf, bedrag_cent })
                .collect(),
            afspraken: c.afspraken.iter().map(Into::into).collect(),
            gebeurtenissen: c.gebeurtenissen.iter().map(Into::into).collect(),
        }
    }
}

/// The contract fields of `Query`.
#[derive(Default)]
pub struct ContractQuery;

#[Object]
impl ContractQuery {
    /// Every contract as known at `asKnownAt` (default: everything applied), optionally
    /// of one provider or one jeugdregio, sorted by id. A contract manager gets the
    /// contracts that include its region only.
    #[graphql(
        guard = "RolGuard(GELD_LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn contracten(
        &self,
        ctx: &Context<'_>,
        aanbieder: Option<String>,
        jeugdregio: Option<String>,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Vec<Contract>> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let k = kennis(as_known_at);
        let alle = s.runner().read(move |proj| proj.contracten(&k)).await;
        Ok(alle
            .iter()
            .filter(|c| mag_regios(p, &c.jeugdregios))
            .filter(|c| aanbieder.as_ref().is_none_or(|a| &c.aanbieder == a))
            .filter(|c| {
                jeugdregio
                    .as_ref()
                    .is_none_or(|j| c.jeugdregios.iter().any(|x| x == j))
            })
            .map(Contract::from)
            .collect())
    }

    /// One contract as known at `asKnownAt`; null when no contract of that id is known
    /// then. A contract manager asking for a contract that does not include its region
    /// gets FORBIDDEN.
    #[graphql(
        guard = "RolGuard(GELD_LEZERS)",
        complexity = "crate::grenzen::kosten::RAPPORT + child_complexity"
    )]
    async fn contract(
        &self,
        ctx: &Context<'_>,
        id: String,
        as_known_at: Option<DateTime<Utc>>,
    ) -> ApiResult<Option<Contract>> {
        let s = state(ctx)?;
        let p = principal(ctx)?;
        let k = kennis(as_known_at);
        let c = s.runner().read(move |proj| proj.contract(&id, &k)).await;
        match c {
            None => Ok(None),
            Some(c) if mag_regios(p, &c.jeugdregios) => Ok(Some((&c).into())),
            Some(c) => Err(ApiFout::Verboden(format!(
                "contract {} hoort niet bij jeugdregio {}",
                c.id,
                p.regio_beperking().unwrap_or_default()
            ))
            .into()),
        }
    }
}
