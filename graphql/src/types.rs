//! GraphQL types: enums, inputs and the KPI report.
//!
//! Inputs and outputs mirror the catalogue (`kringloop_events`) and the projection's
//! report (`kringloop_projections`). They map by `From`/`TryFrom` impls, written field by
//! field, and each enum by async-graphql's `remote` conversion, so a field or variant
//! added on one side and not the other fails to compile.
//!
//! Over 800 lines on purpose: the schema's types and their mapping side by side, so the
//! SDL (`graphql/schema.graphql`) and this file read in the same order.

use async_graphql::{Enum, InputObject, Json, OneofObject, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use kringloop_events as events;
use kringloop_projections as projections;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::fout::ApiFout;
use crate::geld::invoer as geld;

// ------------------------------------------------------------------------------- enums

/// How a published value was protected (`docs/privacy.md` in the repository).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(remote = "kringloop_projections::Bescherming")]
pub enum Bescherming {
    /// The exact figure: roles with person-level access, and facts about facilities
    /// (places, targets) for everyone.
    #[default]
    Geen,
    /// Perturbed by the cell-key method: the true value plus a small noise (at most 2
    /// for a count; 1 % steps for bed-days and lengths of stay) that depends only on
    /// which records the value rests on, so the same records always give the same
    /// answer. A true zero stays zero.
    Verstoord,
    /// Withheld: a statistic of individual values (mean, median, p90 of lengths of
    /// stay) over fewer than 8 records as published.
    Onderdrukt,
}

/// Care form of a facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Vorm")]
pub enum Vorm {
    Groep,
    Kleinschalig,
    Gezinshuis,
    Pleegzorg,
    Gezinsopname,
    Driemilieu,
    EenOpEen,
    Crisis,
    Ambulant,
}

/// Closed (a court authorisation is required) or open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Regime")]
pub enum Regime {
    Gesloten,
    Open,
}

/// Where a youth goes after a placement or lived before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Verblijfplaats")]
pub enum Verblijfplaats {
    Thuis,
    Netwerk,
    Zelfstandig,
    Pleegzorg,
    Gezinshuis,
    Gezinsopname,
    Kleinschalig,
    OpenResidentieel,
    Driemilieu,
    EenOpEen,
    Crisis,
    Gesloten,
    Jji,
    GgzKliniek,
    Wlz,
    Onbekend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::MachtigingSoort")]
pub enum MachtigingSoort {
    Mgj,
    Spoedmachtiging,
    VoorwaardelijkeMachtiging,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Geslacht")]
pub enum Geslacht {
    Man,
    Vrouw,
    Anders,
    Onbekend,
}

/// iJw RedenBeeindiging (JZ588).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::RedenBeeindiging")]
pub enum RedenBeeindiging {
    Overlijden,
    VolgensPlan,
    VoortijdigClient,
    VoortijdigAanbieder,
    VoortijdigOvereenstemming,
    VoortijdigExtern,
    AndereAanbieder,
    AnderDomein,
}

/// Whose figure it is: the youth's home gemeente (HERKOMST) or the facility's (LOCATIE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
#[graphql(remote = "kringloop_projections::Toerekening")]
pub enum Toerekening {
    #[default]
    Herkomst,
    Locatie,
}

/// A dimension of a breakdown. Landsdeel, jeugdregio and gemeente follow the
/// attribution; the others are properties of the facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_projections::Dimensie")]
pub enum Dimensie {
    Landsdeel,
    Jeugdregio,
    Gemeente,
    Aanbieder,
    Voorziening,
    Vorm,
    Regime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_projections::Granulariteit")]
pub enum Granulariteit {
    Maand,
    Kwartaal,
    Halfjaar,
    Jaar,
}

/// The legal ground of an erasure (`wisJeugdige`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Wisgrondslag")]
pub enum Wisgrondslag {
    /// A request of the data subject or their representative (AVG art. 17 lid 1).
    VerzoekBetrokkene,
    /// The retention period has passed (AVG art. 5 lid 1 sub e).
    BewaartermijnVerstreken,
    /// The data were processed unlawfully (AVG art. 17 lid 1 sub d).
    OnrechtmatigVerwerkt,
    /// A legal obligation or a court order (AVG art. 17 lid 1 sub e).
    WettelijkeVerplichting,
}

/// Who asked for an erasure, by role: never a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Verzoeker")]
pub enum Verzoeker {
    Jeugdige,
    WettelijkVertegenwoordiger,
    Gemeente,
    Aanbieder,
    /// The functionaris gegevensbescherming (data protection officer).
    Fg,
    /// kringloop itself: the retention period passed.
    Bewaartermijn,
}

/// Who asks for a placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Verwijzer")]
pub enum Verwijzer {
    /// Gecertificeerde instelling (jeugdbescherming, jeugdreclassering).
    GecertificeerdeInstelling,
    /// The gemeente or its wijkteam.
    GemeenteWijkteam,
    /// Raad voor de Kinderbescherming or the court.
    RaadRechter,
    /// A medical specialist (or the huisarts, jeugdarts).
    MedischSpecialist,
    Anders,
}

/// How urgent a placement request is: SPOED has a norm of 7 days, REGULIER a configured
/// norm (42 days unless the server says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Urgentie")]
pub enum Urgentie {
    Spoed,
    Regulier,
}

/// Why a provider refuses a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Weigeringsreden")]
pub enum Weigeringsreden {
    GeenPlek,
    ZorgTeZwaar,
    Groepssamenstelling,
    ContraIndicatie,
    Anders,
}

/// Why a placement request is withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "kringloop_events::Intrekkingsreden")]
pub enum Intrekkingsreden {
    NietMeerNodig,
    AndereOplossing,
    /// The youth is absent or its whereabouts are unknown.
    JeugdigeOnvindbaar,
    Anders,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum DoelNiveau {
    Landelijk,
    Landsdeel,
    Jeugdregio,
    Aanbieder,
}

// ------------------------------------------------------------------------------ inputs

#[derive(Debug, Clone, InputObject)]
pub struct LandsdeelInvoer {
    pub code: String,
    pub naam: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct JeugdregioInvoer {
    pub code: String,
    pub naam: String,
    pub landsdeel: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct GemeenteInvoer {
    /// CBS code, e.g. GM0599.
    pub code: String,
    pub naam: String,
    pub jeugdregio: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct AanbiederInvoer {
    pub id: String,
    pub naam: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct VoorzieningInvoer {
    pub id: String,
    pub aanbieder: String,
    pub naam: String,
    /// CBS code of the gemeente where the facility is.
    pub gemeente: String,
    pub vorm: Vorm,
    pub regime: Regime,
    pub datum: NaiveDate,
}

#[derive(Debug, Clone, InputObject)]
pub struct PlaatsenGeopendInvoer {
    pub voorziening: String,
    pub datum: NaiveDate,
    pub aantal: u32,
}

#[derive(Debug, Clone, InputObject)]
pub struct PlaatsenGeslotenInvoer {
    pub voorziening: String,
    pub datum: NaiveDate,
    pub aantal: u32,
    pub reden: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct PlaatsenOmgebouwdInvoer {
    pub van: String,
    pub naar: String,
    pub datum: NaiveDate,
    pub aantal_uit: u32,
    pub aantal_in: u32,
    pub reden: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct VoorzieningGeslotenInvoer {
    pub voorziening: String,
    pub datum: NaiveDate,
    pub reden: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct DoelScopeInvoer {
    pub niveau: DoelNiveau,
    /// Code of the landsdeel, jeugdregio or aanbieder (not for LANDELIJK).
    pub code: Option<String>,
}

#[derive(Debug, Clone, InputObject)]
pub struct CapaciteitsdoelInvoer {
    pub scope: DoelScopeInvoer,
    pub regime: Option<Regime>,
    pub vorm: Option<Vorm>,
    pub plaatsen: u32,
    pub datum: NaiveDate,
}

#[derive(Debug, Clone, InputObject)]
pub struct JeugdigeInvoer {
    /// Keyed hash of the BSN; never the BSN itself.
    pub pseudoniem: String,
    pub geboortejaar: u16,
    pub geslacht: Geslacht,
    pub woongemeente: String,
    pub datum: NaiveDate,
}

#[derive(Debug, Clone, InputObject)]
pub struct WoongemeenteInvoer {
    pub woongemeente: String,
    pub datum: NaiveDate,
}

#[derive(Debug, Clone, InputObject)]
pub struct MachtigingInvoer {
    /// Identifies the authorisation within the youth's stream.
    pub machtiging: String,
    pub soort: MachtigingSoort,
    pub geldig_van: NaiveDate,
    /// Last valid day (inclusive).
    pub geldig_tot: NaiveDate,
    pub aangevraagd_door: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct MachtigingBeeindigdInvoer {
    pub machtiging: String,
    /// First day no longer valid.
    pub datum: NaiveDate,
    pub reden: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct PlaatsingInvoer {
    pub voorziening: String,
    pub datum: NaiveDate,
    pub spoed: bool,
    pub crisis: bool,
    pub verblijf_voor: Verblijfplaats,
    /// The placement request this placement fulfils, if any.
    pub verzoek: Option<String>,
    /// A bridging place, taken while the place the youth needs is not available.
    #[graphql(default)]
    pub overbrugging: bool,
}

#[derive(Debug, Clone, InputObject)]
pub struct DoorplaatsingInvoer {
    pub van: String,
    pub naar: String,
    pub datum: NaiveDate,
    pub reden: String,
    pub tegen_wens_jeugdige: bool,
    pub tegen_wens_aanbieder: bool,
    /// The placement request this doorplaatsing fulfils, if any.
    pub verzoek: Option<String>,
    /// A bridging place, taken while the place the youth needs is not available.
    #[graphql(default)]
    pub overbrugging: bool,
}

#[derive(Debug, Clone, InputObject)]
pub struct PlaatsingBeeindigdInvoer {
    /// The facility left; empty means the running residential placement.
    pub voorziening: Option<String>,
    /// First day the youth is no longer there.
    pub datum: NaiveDate,
    pub bestemming: Verblijfplaats,
    pub reden: String,
    pub reden_beeindiging: Option<RedenBeeindiging>,
}

/// A placement request for the youth (`dienPlaatsingsverzoekIn`).
#[derive(Debug, Clone, InputObject)]
pub struct PlaatsingsverzoekInvoer {
    /// Identifies the request within the youth's stream; later facts name it.
    pub verzoek: String,
    pub datum: NaiveDate,
    pub verwijzer: Verwijzer,
    pub urgentie: Urgentie,
    /// The form that would fit.
    pub vorm: Vorm,
    /// The regime that would fit.
    pub regime: Regime,
    /// Code of the jeugdregio responsible for the request.
    pub jeugdregio: String,
}

/// The request registered (aangemeld) with a provider, optionally for one facility.
#[derive(Debug, Clone, InputObject)]
pub struct AanmeldingInvoer {
    pub verzoek: String,
    pub aanbieder: String,
    pub voorziening: Option<String>,
    pub datum: NaiveDate,
}

/// A provider the request was registered with offers a place in one of its facilities.
#[derive(Debug, Clone, InputObject)]
pub struct AanbodInvoer {
    pub verzoek: String,
    pub voorziening: String,
    pub datum: NaiveDate,
}

/// A provider the request was registered with refuses it.
#[derive(Debug, Clone, InputObject)]
pub struct WeigeringInvoer {
    pub verzoek: String,
    pub aanbieder: String,
    pub datum: NaiveDate,
    pub reden: Weigeringsreden,
    /// Free text; personal (sealed under the youth's key).
    #[graphql(default)]
    pub toelichting: String,
}

/// The request is withdrawn without a placement.
#[derive(Debug, Clone, InputObject)]
pub struct VerzoekIntrekkingInvoer {
    pub verzoek: String,
    pub datum: NaiveDate,
    pub reden: Intrekkingsreden,
    /// Free text; personal (sealed under the youth's key).
    #[graphql(default)]
    pub toelichting: String,
}

/// The youth is absent without leave (onttrekking) from the running residential
/// placement from `datum` on; the placement runs on until it is ended.
#[derive(Debug, Clone, InputObject)]
pub struct OnttrekkingInvoer {
    /// The facility left without leave; empty means that of the running placement.
    pub voorziening: Option<String>,
    pub datum: NaiveDate,
}

/// The youth is back on `datum`: the open absence ends.
#[derive(Debug, Clone, InputObject)]
pub struct TerugkeerInvoer {
    pub datum: NaiveDate,
}

/// The new content of a correction: exactly one fact, of the type of the original.
#[derive(Debug, Clone, OneofObject)]
pub enum FeitInvoer {
    LandsdeelGeregistreerd(LandsdeelInvoer),
    JeugdregioGeregistreerd(JeugdregioInvoer),
    GemeenteGeregistreerd(GemeenteInvoer),
    AanbiederGeregistreerd(AanbiederInvoer),
    VoorzieningGeregistreerd(VoorzieningInvoer),
    PlaatsenGeopend(PlaatsenGeopendInvoer),
    PlaatsenGesloten(PlaatsenGeslotenInvoer),
    PlaatsenOmgebouwd(PlaatsenOmgebouwdInvoer),
    VoorzieningGesloten(VoorzieningGeslotenInvoer),
    CapaciteitsdoelVastgesteld(CapaciteitsdoelInvoer),
    JeugdigeGeregistreerd(JeugdigeInvoer),
    WoongemeenteGewijzigd(WoongemeenteInvoer),
    MachtigingAfgegeven(MachtigingInvoer),
    MachtigingBeeindigd(MachtigingBeeindigdInvoer),
    PlaatsingGestart(PlaatsingInvoer),
    Doorgeplaatst(DoorplaatsingInvoer),
    PlaatsingBeeindigd(PlaatsingBeeindigdInvoer),
    PlaatsingsverzoekIngediend(PlaatsingsverzoekInvoer),
    JeugdigeAangemeld(AanmeldingInvoer),
    PlaatsAangeboden(AanbodInvoer),
    AanmeldingGeweigerd(WeigeringInvoer),
    PlaatsingsverzoekIngetrokken(VerzoekIntrekkingInvoer),
    JeugdigeOnttrokken(OnttrekkingInvoer),
    JeugdigeTeruggekeerd(TerugkeerInvoer),
    ContractGesloten(geld::ContractInvoer),
    TariefGeindexeerd(geld::TariefIndexatieInvoer),
    VolumegarantieGewijzigd(geld::VolumegarantieWijzigingInvoer),
    BudgetplafondGewijzigd(geld::BudgetplafondInvoer),
    ContractVerlengd(geld::ContractVerlengingInvoer),
    ContractBeeindigd(geld::ContractBeeindigingInvoer),
    PrestatieafspraakVastgelegd(geld::PrestatieafspraakInvoer),
    PrestatieafspraakGewijzigd(geld::PrestatieafspraakWijzigingInvoer),
    MaatregelToegepast(geld::MaatregelInvoer),
    BudgetVastgesteld(geld::BudgetInvoer),
    BudgetVerschoven(geld::BudgetVerschuivingInvoer),
}

/// Input → catalogue fact for the inputs whose fields map one to one (`From` on each
/// field: the same type, or a GraphQL enum to its catalogue enum).
macro_rules! fact_from_input {
    ($($invoer:ident => $feit:ident { $($veld:ident),* $(,)? })*) => {$(
        impl From<&$invoer> for events::$feit {
            fn from(x: &$invoer) -> Self {
                events::$feit { $($veld: x.$veld.clone().into()),* }
            }
        }
    )*};
}

fact_from_input! {
    LandsdeelInvoer => LandsdeelGeregistreerd { code, naam }
    JeugdregioInvoer => JeugdregioGeregistreerd { code, naam, landsdeel }
    GemeenteInvoer => GemeenteGeregistreerd { code, naam, jeugdregio }
    AanbiederInvoer => AanbiederGeregistreerd { id, naam }
    VoorzieningInvoer => VoorzieningGeregistreerd {
        id, aanbieder, naam, gemeente, vorm, regime, datum,
    }
    PlaatsenGeopendInvoer => PlaatsenGeopend { voorziening, datum, aantal }
    PlaatsenGeslotenInvoer => PlaatsenGesloten { voorziening, datum, aantal, reden }
    PlaatsenOmgebouwdInvoer => PlaatsenOmgebouwd {
        van, naar, datum, aantal_uit, aantal_in, reden,
    }
    VoorzieningGeslotenInvoer => VoorzieningGesloten { voorziening, datum, reden }
    JeugdigeInvoer => JeugdigeGeregistreerd {
        pseudoniem, geboortejaar, geslacht, woongemeente, datum,
    }
    WoongemeenteInvoer => WoongemeenteGewijzigd { woongemeente, datum }
    MachtigingInvoer => MachtigingAfgegeven {
        machtiging, soort, geldig_van, geldig_tot, aangevraagd_door,
    }
    MachtigingBeeindigdInvoer => MachtigingBeeindigd { machtiging, datum, reden }
    PlaatsingInvoer => PlaatsingGestart {
        voorziening, datum, spoed, crisis, verblijf_voor, verzoek, overbrugging,
    }
    DoorplaatsingInvoer => Doorgeplaatst {
        van, naar, datum, reden, tegen_wens_jeugdige, tegen_wens_aanbieder, verzoek,
        overbrugging,
    }
    PlaatsingsverzoekInvoer => PlaatsingsverzoekIngediend {
        verzoek, datum, verwijzer, urgentie, vorm, regime, jeugdregio,
    }
    AanmeldingInvoer => JeugdigeAangemeld { verzoek, aanbieder, voorziening, datum }
    AanbodInvoer => PlaatsAangeboden { verzoek, voorziening, datum }
    WeigeringInvoer => AanmeldingGeweigerd { verzoek, aanbieder, datum, reden, toelichting }
    VerzoekIntrekkingInvoer => PlaatsingsverzoekIngetrokken { verzoek, datum, reden, toelichting }
    OnttrekkingInvoer => JeugdigeOnttrokken { voorziening, datum }
    TerugkeerInvoer => JeugdigeTeruggekeerd { datum }
}

impl From<&PlaatsingBeeindigdInvoer> for events::PlaatsingBeeindigd {
    fn from(x: &PlaatsingBeeindigdInvoer) -> Self {
        events::PlaatsingBeeindigd {
            voorziening: x.voorziening.clone(),
            datum: x.datum,
            bestemming: x.bestemming.into(),
            reden: x.reden.clone(),
            reden_beeindiging: x.reden_beeindiging.map(Into::into),
        }
    }
}

impl TryFrom<&DoelScopeInvoer> for events::DoelScope {
    type Error = ApiFout;

    /// The messages are those the API gave when this input was read through serde.
    fn try_from(x: &DoelScopeInvoer) -> Result<Self, ApiFout> {
        let ongeldig = |e: &str| ApiFout::ongeldig(format!("ongeldige invoer: {e}"));
        let code = || {
            x.code
                .clone()
                .ok_or_else(|| ongeldig("missing field `code`"))
        };
        Ok(match x.niveau {
            DoelNiveau::Landelijk => match &x.code {
                None => events::DoelScope::Landelijk,
                Some(c) => return Err(ongeldig(&landelijk_met_code(c))),
            },
            DoelNiveau::Landsdeel => events::DoelScope::Landsdeel(code()?),
            DoelNiveau::Jeugdregio => events::DoelScope::Jeugdregio(code()?),
            DoelNiveau::Aanbieder => events::DoelScope::Aanbieder(code()?),
        })
    }
}

/// serde's message for a LANDELIJK scope given a code.
fn landelijk_met_code(code: &str) -> String {
    format!("invalid type: string {code:?}, expected unit variant DoelScope::Landelijk")
}

impl TryFrom<&CapaciteitsdoelInvoer> for events::CapaciteitsdoelVastgesteld {
    type Error = ApiFout;

    fn try_from(x: &CapaciteitsdoelInvoer) -> Result<Self, ApiFout> {
        Ok(events::CapaciteitsdoelVastgesteld {
            scope: (&x.scope).try_into()?,
            regime: x.regime.map(Into::into),
            vorm: x.vorm.map(Into::into),
            plaatsen: x.plaatsen,
            datum: x.datum,
        })
    }
}

impl FeitInvoer {
    pub fn naar_gebeurtenis(&self) -> Result<events::Gebeurtenis, ApiFout> {
        use events::Gebeurtenis as G;
        Ok(match self {
            FeitInvoer::LandsdeelGeregistreerd(x) => G::LandsdeelGeregistreerd(x.into()),
            FeitInvoer::JeugdregioGeregistreerd(x) => G::JeugdregioGeregistreerd(x.into()),
            FeitInvoer::GemeenteGeregistreerd(x) => G::GemeenteGeregistreerd(x.into()),
            FeitInvoer::AanbiederGeregistreerd(x) => G::AanbiederGeregistreerd(x.into()),
            FeitInvoer::VoorzieningGeregistreerd(x) => G::VoorzieningGeregistreerd(x.into()),
            FeitInvoer::PlaatsenGeopend(x) => G::PlaatsenGeopend(x.into()),
            FeitInvoer::PlaatsenGesloten(x) => G::PlaatsenGesloten(x.into()),
            FeitInvoer::PlaatsenOmgebouwd(x) => G::PlaatsenOmgebouwd(x.into()),
            FeitInvoer::VoorzieningGesloten(x) => G::VoorzieningGesloten(x.into()),
            FeitInvoer::CapaciteitsdoelVastgesteld(x) => {
                G::CapaciteitsdoelVastgesteld(x.try_into()?)
            }
            FeitInvoer::JeugdigeGeregistreerd(x) => G::JeugdigeGeregistreerd(x.into()),
            FeitInvoer::WoongemeenteGewijzigd(x) => G::WoongemeenteGewijzigd(x.into()),
            FeitInvoer::MachtigingAfgegeven(x) => G::MachtigingAfgegeven(x.into()),
            FeitInvoer::MachtigingBeeindigd(x) => G::MachtigingBeeindigd(x.into()),
            FeitInvoer::PlaatsingGestart(x) => G::PlaatsingGestart(x.into()),
            FeitInvoer::Doorgeplaatst(x) => G::Doorgeplaatst(x.into()),
            FeitInvoer::PlaatsingBeeindigd(x) => G::PlaatsingBeeindigd(x.into()),
            FeitInvoer::PlaatsingsverzoekIngediend(x) => G::PlaatsingsverzoekIngediend(x.into()),
            FeitInvoer::JeugdigeAangemeld(x) => G::JeugdigeAangemeld(x.into()),
            FeitInvoer::PlaatsAangeboden(x) => G::PlaatsAangeboden(x.into()),
            FeitInvoer::AanmeldingGeweigerd(x) => G::AanmeldingGeweigerd(x.into()),
            FeitInvoer::PlaatsingsverzoekIngetrokken(x) => {
                G::PlaatsingsverzoekIngetrokken(x.into())
            }
            FeitInvoer::JeugdigeOnttrokken(x) => G::JeugdigeOnttrokken(x.into()),
            FeitInvoer::JeugdigeTeruggekeerd(x) => G::JeugdigeTeruggekeerd(x.into()),
            FeitInvoer::ContractGesloten(x) => G::ContractGesloten(x.into()),
            FeitInvoer::TariefGeindexeerd(x) => G::TariefGeindexeerd(x.into()),
            FeitInvoer::VolumegarantieGewijzigd(x) => G::VolumegarantieGewijzigd(x.into()),
            FeitInvoer::BudgetplafondGewijzigd(x) => G::BudgetplafondGewijzigd(x.into()),
            FeitInvoer::ContractVerlengd(x) => G::ContractVerlengd(x.into()),
            FeitInvoer::ContractBeeindigd(x) => G::ContractBeeindigd(x.into()),
            FeitInvoer::PrestatieafspraakVastgelegd(x) => G::PrestatieafspraakVastgelegd(x.into()),
            FeitInvoer::PrestatieafspraakGewijzigd(x) => G::PrestatieafspraakGewijzigd(x.into()),
            FeitInvoer::MaatregelToegepast(x) => G::MaatregelToegepast(x.into()),
            FeitInvoer::BudgetVastgesteld(x) => G::BudgetVastgesteld(x.into()),
            FeitInvoer::BudgetVerschoven(x) => G::BudgetVerschoven(x.into()),
        })
    }
}

/// A period: either `van` + `tot` (tot exclusive), or `jaar` with at most one of
/// `kwartaal`, `halfjaar`, `maand` (a whole year without them).
#[derive(Debug, Clone, InputObject, Default)]
pub struct PeriodeInvoer {
    pub van: Option<NaiveDate>,
    pub tot: Option<NaiveDate>,
    pub jaar: Option<i32>,
    pub kwartaal: Option<u32>,
    pub halfjaar: Option<u32>,
    pub maand: Option<u32>,
}

impl PeriodeInvoer {
    pub fn periode(&self) -> Result<kringloop_projections::Periode, ApiFout> {
        use kringloop_projections::Periode;
        let fout = |e: kringloop_projections::ProjectionError| ApiFout::ongeldig(e.to_string());
        match (self.van, self.tot, self.jaar) {
            (Some(van), Some(tot), None) => Periode::bereik(van, tot).map_err(fout),
            (None, None, Some(jaar)) => match (self.kwartaal, self.halfjaar, self.maand) {
                (None, None, None) => Periode::jaar(jaar).map_err(fout),
                (Some(k), None, None) => Periode::kwartaal(jaar, k).map_err(fout),
                (None, Some(h), None) => Periode::halfjaar(jaar, h).map_err(fout),
                (None, None, Some(m)) => Periode::maand(jaar, m).map_err(fout),
                _ => Err(ApiFout::ongeldig(
                    "geef bij een jaar hoogstens één van kwartaal, halfjaar of maand",
                )),
            },
            _ => Err(ApiFout::ongeldig(
                "geef een periode als van + tot, of als jaar (met kwartaal, halfjaar of maand)",
            )),
        }
    }
}

/// Filters on the landscape: geographic ones apply to the gemeente of the attribution.
#[derive(Debug, Clone, InputObject, Default)]
pub struct FilterInvoer {
    pub landsdeel: Option<String>,
    pub jeugdregio: Option<String>,
    pub gemeente: Option<String>,
    pub aanbieder: Option<String>,
    pub voorziening: Option<String>,
    pub vorm: Option<Vorm>,
    pub regime: Option<Regime>,
}

impl From<&FilterInvoer> for projections::Filter {
    fn from(f: &FilterInvoer) -> Self {
        projections::Filter {
            landsdeel: f.landsdeel.clone(),
            jeugdregio: f.jeugdregio.clone(),
            gemeente: f.gemeente.clone(),
            aanbieder: f.aanbieder.clone(),
            voorziening: f.voorziening.clone(),
            vorm: f.vorm.map(Into::into),
            regime: f.regime.map(Into::into),
        }
    }
}

// ----------------------------------------------------------------------------- outputs

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Periode {
    pub van: NaiveDate,
    /// First date after the period.
    pub tot: NaiveDate,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Filter {
    pub landsdeel: Option<String>,
    pub jeugdregio: Option<String>,
    pub gemeente: Option<String>,
    pub aanbieder: Option<String>,
    pub voorziening: Option<String>,
    pub vorm: Option<Vorm>,
    pub regime: Option<Regime>,
}

/// A count and how it was protected. For roles without person-level access every count
/// about persons is perturbed (`bescherming: VERSTOORD`), never withheld.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Aantal {
    pub waarde: Option<i64>,
    pub bescherming: Bescherming,
}

/// A share teller ÷ noemer. When protected, it is the share of the perturbed teller and
/// noemer (a proportion is capped at 1).
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Verhouding {
    pub teller: Aantal,
    pub noemer: Aantal,
    pub waarde: Option<f64>,
    pub bescherming: Bescherming,
}

/// A breakdown with row, column and grand totals.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Kruistabel {
    pub rijen: Vec<String>,
    pub kolommen: Vec<String>,
    /// `cellen[rij][kolom]`.
    pub cellen: Vec<Vec<Aantal>>,
    pub rijtotalen: Vec<Aantal>,
    pub kolomtotalen: Vec<Aantal>,
    pub totaal: Aantal,
}

/// Occupancy at the peildatum broken down by two dimensions, in one pass; each cell is
/// what `kpis` gives for `bezetting.bezetting` with the filter narrowed to that row and
/// column. For roles without person-level access every cell and total is perturbed by
/// the cell-key method; a total reads the same as a cell that rests on the same records.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct BezettingUitsplitsing {
    pub meta: KpiMeta,
    pub tabel: Kruistabel,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct KpiMeta {
    pub periode: Periode,
    pub peildatum: NaiveDate,
    /// Knowledge time; null means everything applied (see `positie`).
    pub kennis: Option<DateTime<Utc>>,
    pub filter: Filter,
    pub toerekening: Toerekening,
    /// Number of events the figures rest on (recorded at or before the knowledge time).
    pub gebeurtenissen: u64,
    /// Last position in that prefix of the log.
    pub positie: i64,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Balans {
    pub opbouw_alternatieven: i64,
    pub afbouw_gesloten: i64,
    pub balans: i64,
    pub ratio: Option<f64>,
}

/// Places at the peildatum against the capacity target for the filter's scope, regime
/// and form (docs/kpis.md, `doelafwijking`).
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Doelafwijking {
    pub peildatum: Option<NaiveDate>,
    /// Capacity at the peildatum (LOCATIE).
    pub plaatsen: i64,
    /// The target at the peildatum, interpolated linearly between the two target points
    /// around it (after the last: the last); empty before the first point or without a
    /// target for this scope, regime and form.
    pub doel: Option<f64>,
    /// plaatsen − doel.
    pub afwijking: Option<f64>,
    /// Whether the target is a reduction target: only a target for closed care (regime
    /// GESLOTEN, of any form) is; a target for alternatives (regime OPEN) or for all
    /// regimes together is a build-up target, whatever its points do. Empty without a
    /// target.
    pub reductiedoel: Option<bool>,
    /// A reduction target is op koers when afwijking ≤ 0, a build-up target when
    /// afwijking ≥ 0. Empty when there is no doel.
    pub op_koers: Option<bool>,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Bezetting {
    pub bezetting: Aantal,
    pub plaatsen: i64,
    pub graad: Verhouding,
    pub graad_periode: Verhouding,
    pub onder_levensvatbaarheid: bool,
    pub overbezet: bool,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Plaatsingen {
    pub exclusief_doorplaatsingen: Aantal,
    pub inclusief_doorplaatsingen: Aantal,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Doorplaatsingen {
    pub aantal: Aantal,
    pub per_jeugdige: Verhouding,
    pub cohort365: Verhouding,
    pub cohort_definitief: bool,
}

/// begin + instroom − uitstroom = eind.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Stroom {
    pub begin: Aantal,
    pub instroom: Aantal,
    pub uitstroom: Aantal,
    pub eind: Aantal,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct UitstroomLichter {
    pub lichter: Verhouding,
    pub bestemmingen: Kruistabel,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Verblijfsduur {
    pub aantal: Aantal,
    pub gemiddelde: Option<f64>,
    pub mediaan: Option<f64>,
    pub p90: Option<f64>,
    pub korter_dan_jaar: Verhouding,
    /// How mean, median and p90 were protected (withheld under 8 published episodes).
    pub bescherming: Bescherming,
}

#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct Signalen {
    pub overbezetting: Aantal,
    pub zonder_machtiging: Aantal,
    pub spoedmachtiging_te_lang: Aantal,
    pub doorplaatsing: Aantal,
}

// The fields follow `kpi_catalogue::KPIS`, in order (`graphql/tests/kpi_documentatie.rs`).
/// Every KPI of KPIS.md for one query.
#[derive(Debug, Clone, SimpleObject, PartialEq)]
pub struct KpiRapport {
    pub meta: KpiMeta,
    /// Capacity at the peildatum, vorm × regime.
    pub plaatsen: Kruistabel,
    /// Places added in P (opened + converted in), vorm × regime.
    pub opbouw: Kruistabel,
    /// Places removed in P (closed + converted out + facility closed), vorm × regime.
    pub afbouw: Kruistabel,
    /// Opbouw of alternatives against afbouw of GESLOTEN.
    pub balans: Balans,
    pub doelafwijking: Doelafwijking,
    pub bezetting: Bezetting,
    pub plaatsingen: Plaatsingen,
    pub unieke_jeugdigen: Aantal,
    pub spoedmachtigingen: Aantal,
    pub spoedaandeel: Verhouding,
    pub doorplaatsingen: Doorplaatsingen,
    pub stroom_episodes: Stroom,
    pub stroom_trajecten: Stroom,
    pub uitstroom_naar_lichtere_zorg: UitstroomLichter,
    pub verblijfsduur: Verblijfsduur,
    pub langverblijvers: Aantal,
    pub signalen: Signalen,
}

/// Projection report → GraphQL output for the types whose fields map one to one.
macro_rules! output_from_report {
    ($($ty:ident { $($veld:ident),* $(,)? })*) => {$(
        impl From<projections::$ty> for $ty {
            fn from(x: projections::$ty) -> Self {
                $ty { $($veld: x.$veld.into()),* }
            }
        }
    )*};
}

output_from_report! {
    Periode { van, tot }
    Aantal { waarde, bescherming }
    Verhouding { teller, noemer, waarde, bescherming }
    Balans { opbouw_alternatieven, afbouw_gesloten, balans, ratio }
    Doelafwijking { peildatum, plaatsen, doel, afwijking, reductiedoel, op_koers }
    Bezetting {
        bezetting, plaatsen, graad, graad_periode, onder_levensvatbaarheid, overbezet,
    }
    Plaatsingen { exclusief_doorplaatsingen, inclusief_doorplaatsingen }
    Stroom { begin, instroom, uitstroom, eind }
    UitstroomLichter { lichter, bestemmingen }
    Verblijfsduur { aantal, gemiddelde, mediaan, p90, korter_dan_jaar, bescherming }
    Signalen { overbezetting, zonder_machtiging, spoedmachtiging_te_lang, doorplaatsing }
}

fn aantallen(rij: Vec<projections::Aantal>) -> Vec<Aantal> {
    rij.into_iter().map(Aantal::from).collect()
}

impl From<projections::Kruistabel> for Kruistabel {
    fn from(x: projections::Kruistabel) -> Self {
        Kruistabel {
            rijen: x.rijen,
            kolommen: x.kolommen,
            cellen: x.cellen.into_iter().map(aantallen).collect(),
            rijtotalen: aantallen(x.rijtotalen),
            kolomtotalen: aantallen(x.kolomtotalen),
            totaal: x.totaal.into(),
        }
    }
}

impl From<projections::Filter> for Filter {
    fn from(f: projections::Filter) -> Self {
        Filter {
            landsdeel: f.landsdeel,
            jeugdregio: f.jeugdregio,
            gemeente: f.gemeente,
            aanbieder: f.aanbieder,
            voorziening: f.voorziening,
            vorm: f.vorm.map(Into::into),
            regime: f.regime.map(Into::into),
        }
    }
}

impl From<projections::KpiMeta> for KpiMeta {
    fn from(m: projections::KpiMeta) -> Self {
        KpiMeta {
            periode: m.periode.into(),
            peildatum: m.peildatum,
            kennis: m.kennis,
            filter: m.filter.into(),
            toerekening: m.toerekening.into(),
            gebeurtenissen: m.gebeurtenissen,
            positie: m.positie,
        }
    }
}

impl From<projections::Doorplaatsingen> for Doorplaatsingen {
    fn from(x: projections::Doorplaatsingen) -> Self {
        Doorplaatsingen {
            aantal: x.aantal.into(),
            per_jeugdige: x.per_jeugdige.into(),
            cohort365: x.cohort_365.into(),
            cohort_definitief: x.cohort_definitief,
        }
    }
}

impl From<projections::KpiReport> for KpiRapport {
    fn from(r: projections::KpiReport) -> Self {
        KpiRapport {
            meta: r.meta.into(),
            plaatsen: r.plaatsen.waarde.into(),
            opbouw: r.opbouw.waarde.into(),
            afbouw: r.afbouw.waarde.into(),
            balans: r.balans.waarde.into(),
            doelafwijking: r.doelafwijking.waarde.into(),
            bezetting: r.bezetting.waarde.into(),
            plaatsingen: r.plaatsingen.waarde.into(),
            unieke_jeugdigen: r.unieke_jeugdigen.waarde.into(),
            spoedmachtigingen: r.spoedmachtigingen.waarde.into(),
            spoedaandeel: r.spoedaandeel.waarde.into(),
            doorplaatsingen: r.doorplaatsingen.waarde.into(),
            stroom_episodes: r.stroom_episodes.waarde.into(),
            stroom_trajecten: r.stroom_trajecten.waarde.into(),
            uitstroom_naar_lichtere_zorg: r.uitstroom_naar_lichtere_zorg.waarde.into(),
            verblijfsduur: r.verblijfsduur.waarde.into(),
            langverblijvers: r.langverblijvers.waarde.into(),
            signalen: r.signalen.waarde.into(),
        }
    }
}

/// A signal raised by an accepted fact.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Signaal")]
pub struct SignaalUit {
    pub code: String,
    pub melding: String,
}

/// The reply to a mutation.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Registratie")]
pub struct RegistratieUit {
    pub event_id: Uuid,
    pub positie: i64,
    pub stroom: String,
    pub stream_versie: i64,
    pub signalen: Vec<SignaalUit>,
    /// The idempotency key was seen before: nothing was written; this is the first result.
    pub duplicaat: bool,
}

/// The reply to `wisJeugdige`: the erasure fact, named without the pseudonym.
#[derive(Debug, Clone, SimpleObject)]
pub struct Wissing {
    pub event_id: Uuid,
    /// Position of the `JeugdigeGewist` fact in the log.
    pub positie: i64,
    /// The youth's stream as stored (`jeugdige-~<32 hex>`): the only reference to the
    /// erased youth from now on.
    pub stroom: String,
    pub geregistreerd_op: DateTime<Utc>,
    /// Key rows deleted (1; 0 when another process deleted the key first).
    pub sleutels_verwijderd: u64,
}

impl From<crate::state::Registratie> for RegistratieUit {
    fn from(r: crate::state::Registratie) -> Self {
        RegistratieUit {
            event_id: r.event_id,
            positie: r.positie,
            stroom: r.stroom,
            stream_versie: r.stream_versie,
            signalen: r
                .signalen
                .iter()
                .map(|s| SignaalUit {
                    code: s.code().to_owned(),
                    melding: s.melding(),
                })
                .collect(),
            duplicaat: r.duplicaat,
        }
    }
}

/// An event as stored, for the log and subscriptions.
#[derive(Debug, Clone, SimpleObject)]
pub struct Gebeurtenis {
    pub positie: i64,
    pub stroom: String,
    pub stream_versie: i64,
    pub event_id: Uuid,
    #[graphql(name = "type")]
    pub event_type: String,
    pub schema_versie: i32,
    pub geldig_op: Option<NaiveDate>,
    pub geregistreerd_op: DateTime<Utc>,
    pub geregistreerd_door: String,
    pub bron: String,
    pub correlatie_id: Option<Uuid>,
    pub causatie_id: Option<Uuid>,
    /// The payload (null where the caller's role may not see it).
    pub inhoud: Option<Json<serde_json::Value>>,
    pub hash: String,
    /// The youth of this event was erased: `stroom` is its stored name
    /// (`jeugdige-~<32 hex>`) and the personal fields in `inhoud` are blank.
    pub gewist: bool,
}

impl Gebeurtenis {
    pub fn van(e: &kringloop_events::RecordedEvent, met_inhoud: bool) -> Gebeurtenis {
        Gebeurtenis {
            positie: e.position,
            stroom: e.stream.clone(),
            stream_versie: e.stream_version,
            event_id: e.event_id,
            event_type: e.event_type.clone(),
            schema_versie: e.schema_version,
            geldig_op: e.valid_date,
            geregistreerd_op: e.recorded_at,
            geregistreerd_door: e.recorded_by.clone(),
            bron: e.source.clone(),
            correlatie_id: e.correlation_id,
            causatie_id: e.causation_id,
            inhoud: met_inhoud
                .then(|| serde_json::from_str(&e.payload).ok().map(Json))
                .flatten(),
            hash: hex::encode(e.hash),
            gewist: events::personal::is_physical_youth_stream(&e.stream),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_convert_to_the_catalogue() -> Result<(), ApiFout> {
        let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
        let feit = FeitInvoer::PlaatsingBeeindigd(PlaatsingBeeindigdInvoer {
            voorziening: None,
            datum: d,
            bestemming: Verblijfplaats::OpenResidentieel,
            reden: "klaar".into(),
            reden_beeindiging: Some(RedenBeeindiging::VolgensPlan),
        })
        .naar_gebeurtenis()?;
        assert_eq!(feit.event_type(), "PlaatsingBeeindigd");
        let doel = FeitInvoer::CapaciteitsdoelVastgesteld(CapaciteitsdoelInvoer {
            scope: DoelScopeInvoer {
                niveau: DoelNiveau::Landelijk,
                code: None,
            },
            regime: Some(Regime::Gesloten),
            vorm: None,
            plaatsen: 100,
            datum: d,
        })
        .naar_gebeurtenis()?;
        assert!(doel.payload_json().contains("LANDELIJK"));
        let zonder_code = FeitInvoer::CapaciteitsdoelVastgesteld(CapaciteitsdoelInvoer {
            scope: DoelScopeInvoer {
                niveau: DoelNiveau::Jeugdregio,
                code: None,
            },
            regime: None,
            vorm: Some(Vorm::EenOpEen),
            plaatsen: 1,
            datum: d,
        })
        .naar_gebeurtenis();
        assert!(matches!(zonder_code, Err(ApiFout::OngeldigVerzoek(_))));
        Ok(())
    }

    /// A scope the catalogue refuses gets the message it got when inputs were converted
    /// through serde.
    #[test]
    fn a_bad_scope_reads_as_serde_read_it() {
        let niveaus = [
            (DoelNiveau::Landelijk, "LANDELIJK"),
            (DoelNiveau::Landsdeel, "LANDSDEEL"),
            (DoelNiveau::Jeugdregio, "JEUGDREGIO"),
            (DoelNiveau::Aanbieder, "AANBIEDER"),
        ];
        for (niveau, naam) in niveaus {
            for code in [None, Some("x\"y")] {
                let mut json = serde_json::json!({ "niveau": naam });
                if let Some(c) = code {
                    json["code"] = c.into();
                }
                let serde = serde_json::from_value::<events::DoelScope>(json)
                    .map_err(|e| format!("ongeldige invoer: {e}"));
                let scope = DoelScopeInvoer {
                    niveau,
                    code: code.map(str::to_owned),
                };
                let typed = events::DoelScope::try_from(&scope).map_err(|e| match e {
                    ApiFout::OngeldigVerzoek(m) => m,
                    other => format!("{other:?}"),
                });
                assert_eq!(typed, serde, "{naam} {code:?}");
            }
        }
    }
}
