//! The inputs of the contract, budget and measure mutations and their enums, mapped to
//! the catalogue's facts field by field (`From`; the enums by async-graphql's `remote`),
//! so a field added on one side and not the other fails to compile. Amounts are whole
//! eurocents (`bedragCent`), as in the log.

use async_graphql::{Enum, InputObject, OneofObject};
use chrono::{NaiveDate, NaiveDateTime};
use kringloop_events as events;

use crate::types::{Regime, Vorm};

// ------------------------------------------------------------------------------- enums

/// What a contract pays a provider for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Financiering")]
pub enum Financiering {
    /// Per day of stay (etmaal); empty beds priced into the tariff or paid under a
    /// volume guarantee.
    Inspanningsgericht,
    /// A task budget, due pro rata per day whatever the occupancy.
    Taakgericht,
    /// A fixed amount per trajectory (placement started).
    Outputgericht,
}

/// The unit a product's tariff is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Tariefeenheid")]
pub enum Tariefeenheid {
    /// Per bed-day.
    Etmaal,
    /// Per placement started, on its start date.
    Traject,
    /// Per year, due pro rata per day of the contract.
    Jaar,
}

/// The figure a norm of a performance agreement is about (docs/kpis.md, "Scorecard").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Normkpi")]
pub enum Normkpi {
    GemiddeldeVerblijfsduur,
    RatioAmbulantBed,
    Spoedaandeel,
    UitstroomLichtereZorg,
    Doorplaatsingen,
    Bezettingsgraad,
    #[graphql(name = "MAATREGELEN_PER_1000_LIGDAGEN")]
    MaatregelenPer1000Ligdagen,
}

/// Afbouw (at most the places agreed) or opbouw (at least).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Richting")]
pub enum Richting {
    Afbouw,
    Opbouw,
}

/// The kinds of restrictive measures (vrijheidsbeperkende maatregelen, Jeugdwet ch. 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Maatregelsoort")]
pub enum Maatregelsoort {
    Afzondering,
    Separatie,
    Fixatie,
    Insluiting,
    BeperkingBewegingsvrijheid,
    Toezicht,
    OnderzoekLichaamKleding,
    OnderzoekVerblijfsruimte,
    OnderzoekUrine,
    BeperkingBezoek,
    BeperkingCommunicatie,
}

/// A segment of a region's budget: GESLOTEN (closed regime), OPEN_RESIDENTIEEL (other
/// residential forms), AMBULANT (the form AMBULANT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Budgetsegment")]
pub enum Budgetsegment {
    Gesloten,
    OpenResidentieel,
    Ambulant,
}

// ------------------------------------------------------------------------- value inputs

/// A product of a contract: care of one form and regime, priced in one unit.
#[derive(Debug, Clone, InputObject)]
pub struct ProductInvoer {
    /// Unique within the contract (e.g. `JZP-GROEP`).
    pub code: String,
    pub vorm: Vorm,
    pub regime: Regime,
    pub eenheid: Tariefeenheid,
}

/// A lot (perceel) and its products.
#[derive(Debug, Clone, InputObject)]
pub struct PerceelInvoer {
    pub code: String,
    pub naam: String,
    pub producten: Vec<ProductInvoer>,
}

/// A product's tariff from `geldigVan` on, in eurocents per unit.
#[derive(Debug, Clone, InputObject)]
pub struct TariefInvoer {
    pub product: String,
    pub bedrag_cent: i64,
    pub geldig_van: NaiveDate,
}

/// A volume guarantee: exactly one of `plaatsen` and `bezettingsaandeelProcent`.
#[derive(Debug, Clone, InputObject)]
pub struct VolumegarantieInvoer {
    pub product: String,
    pub plaatsen: Option<u32>,
    pub bezettingsaandeel_procent: Option<u8>,
}

/// A point of a capacity trajectory.
#[derive(Debug, Clone, InputObject)]
pub struct CapaciteitspuntInvoer {
    pub datum: NaiveDate,
    pub plaatsen: u32,
}

/// The provider's own afbouw or opbouw: its places of a form and/or regime at each
/// point's date.
#[derive(Debug, Clone, InputObject)]
pub struct CapaciteitsafspraakInvoer {
    pub vorm: Option<Vorm>,
    pub regime: Option<Regime>,
    pub richting: Richting,
    pub punten: Vec<CapaciteitspuntInvoer>,
}

/// A KPI norm over a measurement period (`van` to `totEnMet`, inclusive): the realised
/// value at least `min` and/or at most `max`.
#[derive(Debug, Clone, InputObject)]
pub struct NormafspraakInvoer {
    pub kpi: Normkpi,
    pub van: NaiveDate,
    pub tot_en_met: NaiveDate,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// What an agreement says: exactly one of a capacity trajectory and a KPI norm.
#[derive(Debug, Clone, OneofObject)]
pub enum AfspraakinhoudInvoer {
    Capaciteit(CapaciteitsafspraakInvoer),
    Norm(NormafspraakInvoer),
}

// -------------------------------------------------------------------------- fact inputs

/// A contract between one or more jeugdregio's (the first is the lead region) and a
/// provider (`sluitContract`).
#[derive(Debug, Clone, InputObject)]
pub struct ContractInvoer {
    pub contract: String,
    pub aanbieder: String,
    pub jeugdregios: Vec<String>,
    pub financiering: Financiering,
    pub percelen: Vec<PerceelInvoer>,
    /// The initial tariffs, at least one per product.
    pub tarieven: Vec<TariefInvoer>,
    /// First day.
    pub van: NaiveDate,
    /// Last day (inclusive), before any extension.
    pub tot_en_met: NaiveDate,
    #[graphql(default)]
    pub verlengingsopties: u8,
    #[graphql(default)]
    pub verlenging_maanden: u16,
    #[graphql(default)]
    pub volumegaranties: Vec<VolumegarantieInvoer>,
    /// Annual budget ceiling in eurocents, where agreed.
    pub budgetplafond_cent: Option<i64>,
}

/// A product's tariff changes from `geldigVan` on (`indexeerTarief`); often recorded
/// months after that date.
#[derive(Debug, Clone, InputObject)]
pub struct TariefIndexatieInvoer {
    pub contract: String,
    pub product: String,
    pub geldig_van: NaiveDate,
    pub bedrag_cent: i64,
    pub reden: String,
}

/// The contract's volume guarantees replaced from `datum` on (empty: none).
#[derive(Debug, Clone, InputObject)]
pub struct VolumegarantieWijzigingInvoer {
    pub contract: String,
    pub datum: NaiveDate,
    pub volumegaranties: Vec<VolumegarantieInvoer>,
    pub reden: String,
}

/// The annual budget ceiling from `datum` on (none: no ceiling).
#[derive(Debug, Clone, InputObject)]
pub struct BudgetplafondInvoer {
    pub contract: String,
    pub datum: NaiveDate,
    pub budgetplafond_cent: Option<i64>,
    pub reden: String,
}

/// An extension option used: the contract runs until `totEnMet`.
#[derive(Debug, Clone, InputObject)]
pub struct ContractVerlengingInvoer {
    pub contract: String,
    /// The day the extension was decided.
    pub datum: NaiveDate,
    pub tot_en_met: NaiveDate,
}

/// The contract ends early: `totEnMet` is its last day.
#[derive(Debug, Clone, InputObject)]
pub struct ContractBeeindigingInvoer {
    pub contract: String,
    pub tot_en_met: NaiveDate,
    pub reden: String,
}

/// A performance agreement of a contract, in force from `datum`.
#[derive(Debug, Clone, InputObject)]
pub struct PrestatieafspraakInvoer {
    pub contract: String,
    /// Identifies the agreement within its contract.
    pub afspraak: String,
    pub datum: NaiveDate,
    pub inhoud: AfspraakinhoudInvoer,
    #[graphql(default)]
    pub toelichting: String,
}

/// An agreement renegotiated: from `datum` on it says `inhoud`.
#[derive(Debug, Clone, InputObject)]
pub struct PrestatieafspraakWijzigingInvoer {
    pub contract: String,
    pub afspraak: String,
    pub datum: NaiveDate,
    pub inhoud: AfspraakinhoudInvoer,
    pub reden: String,
}

/// A restrictive measure applied to the youth in a facility, from `begin` until `eind`
/// (local date and time).
#[derive(Debug, Clone, InputObject)]
pub struct MaatregelInvoer {
    /// Identifies the measure within the youth's stream.
    pub maatregel: String,
    pub soort: Maatregelsoort,
    pub voorziening: String,
    pub begin: NaiveDateTime,
    pub eind: NaiveDateTime,
    /// Free text; personal (sealed under the youth's key).
    #[graphql(default)]
    pub toelichting: String,
}

/// A region's budget for one segment of a calendar year; replaces an earlier one for the
/// same region, year and segment.
#[derive(Debug, Clone, InputObject)]
pub struct BudgetInvoer {
    pub jeugdregio: String,
    pub jaar: i32,
    pub segment: Budgetsegment,
    pub bedrag_cent: i64,
}

/// Part of a region's budget of a year moves from one segment to another from `datum`.
#[derive(Debug, Clone, InputObject)]
pub struct BudgetVerschuivingInvoer {
    pub jeugdregio: String,
    pub jaar: i32,
    pub van: Budgetsegment,
    pub naar: Budgetsegment,
    pub bedrag_cent: i64,
    pub datum: NaiveDate,
    pub reden: String,
}

// ------------------------------------------------------------------------------ mapping

impl From<&ProductInvoer> for events::Product {
    fn from(x: &ProductInvoer) -> Self {
        events::Product {
            code: x.code.clone(),
            vorm: x.vorm.into(),
            regime: x.regime.into(),
            eenheid: x.eenheid.into(),
        }
    }
}

impl From<&PerceelInvoer> for events::Perceel {
    fn from(x: &PerceelInvoer) -> Self {
        events::Perceel {
            code: x.code.clone(),
            naam: x.naam.clone(),
            producten: x.producten.iter().map(Into::into).collect(),
        }
    }
}

impl From<&TariefInvoer> for events::Tarief {
    fn from(x: &TariefInvoer) -> Self {
        events::Tarief {
            product: x.product.clone(),
            bedrag_cent: x.bedrag_cent,
            geldig_van: x.geldig_van,
        }
    }
}

impl From<&VolumegarantieInvoer> for events::Volumegarantie {
    fn from(x: &VolumegarantieInvoer) -> Self {
        events::Volumegarantie {
            product: x.product.clone(),
            plaatsen: x.plaatsen,
            bezettingsaandeel_procent: x.bezettingsaandeel_procent,
        }
    }
}

impl From<&AfspraakinhoudInvoer> for events::Afspraakinhoud {
    fn from(x: &AfspraakinhoudInvoer) -> Self {
        match x {
            AfspraakinhoudInvoer::Capaciteit(c) => events::Afspraakinhoud::Capaciteit {
                vorm: c.vorm.map(Into::into),
                regime: c.regime.map(Into::into),
                richting: c.richting.into(),
                punten: c
                    .punten
                    .iter()
                    .map(|p| events::Capaciteitspunt {
                        datum: p.datum,
                        plaatsen: p.plaatsen,
                    })
                    .collect(),
            },
            AfspraakinhoudInvoer::Norm(n) => events::Afspraakinhoud::Norm {
                kpi: n.kpi.into(),
                van: n.van,
                tot_en_met: n.tot_en_met,
                min: n.min,
                max: n.max,
            },
        }
    }
}

impl From<&ContractInvoer> for events::ContractGesloten {
    fn from(x: &ContractInvoer) -> Self {
        events::ContractGesloten {
            contract: x.contract.clone(),
            aanbieder: x.aanbieder.clone(),
            jeugdregios: x.jeugdregios.clone(),
            financiering: x.financiering.into(),
            percelen: x.percelen.iter().map(Into::into).collect(),
            tarieven: x.tarieven.iter().map(Into::into).collect(),
            van: x.van,
            tot_en_met: x.tot_en_met,
            verlengingsopties: x.verlengingsopties,
            verlenging_maanden: x.verlenging_maanden,
            volumegaranties: x.volumegaranties.iter().map(Into::into).collect(),
            budgetplafond_cent: x.budgetplafond_cent,
        }
    }
}

impl From<&TariefIndexatieInvoer> for events::TariefGeindexeerd {
    fn from(x: &TariefIndexatieInvoer) -> Self {
        events::TariefGeindexeerd {
            contract: x.contract.clone(),
            product: x.product.clone(),
            geldig_van: x.geldig_van,
            bedrag_cent: x.bedrag_cent,
            reden: x.reden.clone(),
        }
    }
}

impl From<&VolumegarantieWijzigingInvoer> for events::VolumegarantieGewijzigd {
    fn from(x: &VolumegarantieWijzigingInvoer) -> Self {
        events::VolumegarantieGewijzigd {
            contract: x.contract.clone(),
            datum: x.datum,
            volumegaranties: x.volumegaranties.iter().map(Into::into).collect(),
            reden: x.reden.clone(),
        }
    }
}

impl From<&BudgetplafondInvoer> for events::BudgetplafondGewijzigd {
    fn from(x: &BudgetplafondInvoer) -> Self {
        events::BudgetplafondGewijzigd {
            contract: x.contract.clone(),
            datum: x.datum,
            budgetplafond_cent: x.budgetplafond_cent,
            reden: x.reden.clone(),
        }
    }
}

impl From<&ContractVerlengingInvoer> for events::ContractVerlengd {
    fn from(x: &ContractVerlengingInvoer) -> Self {
        events::ContractVerlengd {
            contract: x.contract.clone(),
            datum: x.datum,
            tot_en_met: x.tot_en_met,
        }
    }
}

impl From<&ContractBeeindigingInvoer> for events::ContractBeeindigd {
    fn from(x: &ContractBeeindigingInvoer) -> Self {
        events::ContractBeeindigd {
            contract: x.contract.clone(),
            tot_en_met: x.tot_en_met,
            reden: x.reden.clone(),
        }
    }
}

impl From<&PrestatieafspraakInvoer> for events::PrestatieafspraakVastgelegd {
    fn from(x: &PrestatieafspraakInvoer) -> Self {
        events::PrestatieafspraakVastgelegd {
            contract: x.contract.clone(),
            afspraak: x.afspraak.clone(),
            datum: x.datum,
            inhoud: (&x.inhoud).into(),
            toelichting: x.toelichting.clone(),
        }
    }
}

impl From<&PrestatieafspraakWijzigingInvoer> for events::PrestatieafspraakGewijzigd {
    fn from(x: &PrestatieafspraakWijzigingInvoer) -> Self {
        events::PrestatieafspraakGewijzigd {
            contract: x.contract.clone(),
            afspraak: x.afspraak.clone(),
            datum: x.datum,
            inhoud: (&x.inhoud).into(),
            reden: x.reden.clone(),
        }
    }
}

impl From<&MaatregelInvoer> for events::MaatregelToegepast {
    fn from(x: &MaatregelInvoer) -> Self {
        events::MaatregelToegepast {
            maatregel: x.maatregel.clone(),
            soort: x.soort.into(),
            voorziening: x.voorziening.clone(),
            begin: x.begin,
            eind: x.eind,
            toelichting: x.toelichting.clone(),
        }
    }
}

impl From<&BudgetInvoer> for events::BudgetVastgesteld {
    fn from(x: &BudgetInvoer) -> Self {
        events::BudgetVastgesteld {
            jeugdregio: x.jeugdregio.clone(),
            jaar: x.jaar,
            segment: x.segment.into(),
            bedrag_cent: x.bedrag_cent,
        }
    }
}

impl From<&BudgetVerschuivingInvoer> for events::BudgetVerschoven {
    fn from(x: &BudgetVerschuivingInvoer) -> Self {
        events::BudgetVerschoven {
            jeugdregio: x.jeugdregio.clone(),
            jaar: x.jaar,
            van: x.van.into(),
            naar: x.naar.into(),
            bedrag_cent: x.bedrag_cent,
            datum: x.datum,
            reden: x.reden.clone(),
        }
    }
}
