//! The event catalogue, version 2: every fact kringloop records.
//!
//! Version 2 added the need side (placement requests, their registrations, offers,
//! refusals and withdrawals; absences without leave) and let a placement fulfil a request
//! (`PlaatsingGestart` and `Doorgeplaatst` schema version 2, upcast from version 1).
//! It also added contracts and money: contracts with their tariffs, volume guarantees,
//! budget ceilings, extensions and terminations; performance agreements; restrictive
//! measures (in the youth's stream); a region's budget per segment and its shifts.
//!
//! Each variant of [`Gebeurtenis`] is stored with its variant name as the event type and its
//! struct as the JSON payload. Dates in payloads are valid time; the envelope carries the
//! recorded time. Corrections never edit history: [`FeitGecorrigeerd`] and
//! [`FeitIngetrokken`] are new facts that point at an earlier event.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::geld::{
    Afspraakinhoud, Budgetsegment, Financiering, Maatregelsoort, Perceel, Tarief, Volumegarantie,
};
use crate::types::{
    DoelScope, Geslacht, Intrekkingsreden, MachtigingSoort, RedenBeeindiging, Regime, Urgentie,
    Verblijfplaats, Verwijzer, Verzoeker, Vorm, Weigeringsreden, Wisgrondslag,
};
use crate::upcast;

// ---------------------------------------------------------------- landscape

/// One of the 5 landsdelen (zorggebieden).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LandsdeelGeregistreerd {
    pub code: String,
    pub naam: String,
}

/// One of the 42 jeugdregio's, member of a landsdeel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JeugdregioGeregistreerd {
    pub code: String,
    pub naam: String,
    pub landsdeel: String,
}

/// A gemeente with its CBS code (e.g. `GM0599`) and the jeugdregio it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GemeenteGeregistreerd {
    pub code: String,
    pub naam: String,
    pub jeugdregio: String,
}

/// A care provider (aanbieder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AanbiederGeregistreerd {
    pub id: String,
    pub naam: String,
}

/// A facility (voorziening / locatie) of a provider, with its form and regime.
/// Schema version 2: version 1 had `gesloten: bool` instead of `regime` (see [`upcast`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoorzieningGeregistreerd {
    pub id: String,
    pub aanbieder: String,
    pub naam: String,
    /// CBS code of the gemeente where the facility is.
    pub gemeente: String,
    pub vorm: Vorm,
    pub regime: Regime,
    pub datum: NaiveDate,
}

/// Opbouw: places opened in a facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaatsenGeopend {
    pub voorziening: String,
    pub datum: NaiveDate,
    pub aantal: u32,
}

/// Afbouw: places closed in a facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaatsenGesloten {
    pub voorziening: String,
    pub datum: NaiveDate,
    pub aantal: u32,
    pub reden: String,
}

/// Ombouw: places of one facility converted into places of another (form/regime), counted
/// on both sides: `aantal_uit` leave `van`, `aantal_in` arrive in `naar`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaatsenOmgebouwd {
    pub van: String,
    pub naar: String,
    pub datum: NaiveDate,
    pub aantal_uit: u32,
    pub aantal_in: u32,
    pub reden: String,
}

/// A facility closes; its remaining places count as afbouw on that date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoorzieningGesloten {
    pub voorziening: String,
    pub datum: NaiveDate,
    pub reden: String,
}

/// A capacity target: `plaatsen` places for the scope (optionally one regime and/or form)
/// on `datum`. Targets in between two points are interpolated linearly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapaciteitsdoelVastgesteld {
    pub scope: DoelScope,
    pub regime: Option<Regime>,
    pub vorm: Option<Vorm>,
    pub plaatsen: u32,
    pub datum: NaiveDate,
}

// ---------------------------------------------------------------- a youth's path

/// A youth, by pseudonym (keyed hash of the BSN; the key lives outside the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JeugdigeGeregistreerd {
    pub pseudoniem: String,
    pub geboortejaar: u16,
    pub geslacht: Geslacht,
    /// CBS code of the home gemeente (woonplaatsbeginsel) from `datum`.
    pub woongemeente: String,
    pub datum: NaiveDate,
}

/// The youth's home gemeente changes from `datum`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WoongemeenteGewijzigd {
    pub woongemeente: String,
    pub datum: NaiveDate,
}

/// A court authorisation (MGJ, spoedmachtiging, voorwaardelijke machtiging).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachtigingAfgegeven {
    /// Identifies the authorisation within the youth's stream.
    pub machtiging: String,
    pub soort: MachtigingSoort,
    pub geldig_van: NaiveDate,
    /// Last day it is valid on (inclusive).
    pub geldig_tot: NaiveDate,
    /// Who requested it (GI, Raad voor de Kinderbescherming, OM, ouders).
    pub aangevraagd_door: String,
}

/// An authorisation ends before its term (lifted, replaced, lapsed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachtigingBeeindigd {
    pub machtiging: String,
    /// First day it is no longer valid.
    pub datum: NaiveDate,
    pub reden: String,
}

/// A plaatsing starts: the youth enters a facility.
/// Schema version 2: version 1 had no `verzoek` and `overbrugging` (see [`upcast`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaatsingGestart {
    pub voorziening: String,
    pub datum: NaiveDate,
    /// Spoed (urgent) placement.
    pub spoed: bool,
    /// Crisis placement.
    pub crisis: bool,
    /// Where the youth lived before.
    pub verblijf_voor: Verblijfplaats,
    /// The placement request ([`PlaatsingsverzoekIngediend::verzoek`]) this placement
    /// fulfils, if it came through one.
    pub verzoek: Option<String>,
    /// A bridging place (overbruggingsplek): taken while the place the youth needs is not
    /// available. Only meaningful with `verzoek`.
    #[serde(default)]
    pub overbrugging: bool,
}

/// A doorplaatsing: the running placement in `van` ends and one in `naar` starts on
/// `datum`; the episode continues. Schema version 2 added `verzoek` and `overbrugging`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Doorgeplaatst {
    pub van: String,
    pub naar: String,
    pub datum: NaiveDate,
    pub reden: String,
    pub tegen_wens_jeugdige: bool,
    pub tegen_wens_aanbieder: bool,
    /// The placement request this doorplaatsing fulfils, if any (schema version 2).
    pub verzoek: Option<String>,
    /// A bridging place (see [`PlaatsingGestart::overbrugging`]).
    #[serde(default)]
    pub overbrugging: bool,
}

/// A plaatsing ends (uitstroom) with a destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaatsingBeeindigd {
    /// The facility left; `None` means the running residential placement.
    pub voorziening: Option<String>,
    /// First day the youth is no longer there (exclusive end).
    pub datum: NaiveDate,
    pub bestemming: Verblijfplaats,
    pub reden: String,
    /// iJw RedenBeeindiging where known.
    pub reden_beeindiging: Option<RedenBeeindiging>,
}

// ---------------------------------------------------------------- the need side

/// A placement request (plaatsingsverzoek): a referrer asks a place for the youth, with
/// the form and regime the youth needs (what would fit) and the region responsible.
/// Recorded in the youth's stream; `verzoek` identifies it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaatsingsverzoekIngediend {
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

/// The request is registered (aangemeld) with a provider, optionally for one of its
/// facilities. A request can be registered with several providers at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JeugdigeAangemeld {
    pub verzoek: String,
    pub aanbieder: String,
    pub voorziening: Option<String>,
    pub datum: NaiveDate,
}

/// A provider the request was registered with offers a place in one of its facilities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaatsAangeboden {
    pub verzoek: String,
    pub voorziening: String,
    pub datum: NaiveDate,
}

/// A provider the request was registered with refuses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AanmeldingGeweigerd {
    pub verzoek: String,
    pub aanbieder: String,
    pub datum: NaiveDate,
    pub reden: Weigeringsreden,
    /// Free text (personal: sealed by the vault).
    pub toelichting: String,
}

/// The request is withdrawn without a placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaatsingsverzoekIngetrokken {
    pub verzoek: String,
    pub datum: NaiveDate,
    pub reden: Intrekkingsreden,
    /// Free text (personal: sealed by the vault).
    pub toelichting: String,
}

/// The youth is absent without leave (onttrekking) from the running residential
/// placement from `datum` on; the placement itself runs on until it is ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JeugdigeOnttrokken {
    /// The facility left without leave; `None` means that of the running placement.
    pub voorziening: Option<String>,
    pub datum: NaiveDate,
}

/// The youth is back (in care or found) on `datum`: the open absence ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JeugdigeTeruggekeerd {
    pub datum: NaiveDate,
}

// ---------------------------------------------------------------- contracts and money

/// A contract between a region (or a group of regions) and a provider, with its lots and
/// products, period, financing model, tariffs, volume guarantees and budget ceiling.
/// Recorded in the stream `contract-<contract>`; changes are facts of their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractGesloten {
    pub contract: String,
    pub aanbieder: String,
    /// The jeugdregio's that contract (the first is the lead region, centrumregio).
    pub jeugdregios: Vec<String>,
    pub financiering: Financiering,
    pub percelen: Vec<Perceel>,
    /// The initial tariffs, at least one per product.
    pub tarieven: Vec<Tarief>,
    /// First day of the contract.
    pub van: NaiveDate,
    /// Last day of the contract (inclusive), before any extension.
    pub tot_en_met: NaiveDate,
    /// Extension options: how many, of how many months each.
    pub verlengingsopties: u8,
    pub verlenging_maanden: u16,
    pub volumegaranties: Vec<Volumegarantie>,
    /// Annual budget ceiling (per calendar year), in eurocents, where agreed.
    pub budgetplafond_cent: Option<i64>,
}

/// A product's tariff changes from `geldig_van` on (yearly indexation, often agreed and
/// recorded months after the date it applies from).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TariefGeindexeerd {
    pub contract: String,
    pub product: String,
    pub geldig_van: NaiveDate,
    /// The new amount per unit, in eurocents.
    pub bedrag_cent: i64,
    pub reden: String,
}

/// The contract's volume guarantees are replaced by these from `datum` on (an empty list
/// ends them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumegarantieGewijzigd {
    pub contract: String,
    pub datum: NaiveDate,
    pub volumegaranties: Vec<Volumegarantie>,
    pub reden: String,
}

/// The contract's annual budget ceiling changes from `datum` on (`None`: no ceiling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetplafondGewijzigd {
    pub contract: String,
    pub datum: NaiveDate,
    pub budgetplafond_cent: Option<i64>,
    pub reden: String,
}

/// An extension option is used: the contract now runs until `tot_en_met`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractVerlengd {
    pub contract: String,
    /// The day the extension was decided.
    pub datum: NaiveDate,
    pub tot_en_met: NaiveDate,
}

/// The contract ends early: `tot_en_met` is its last day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractBeeindigd {
    pub contract: String,
    pub tot_en_met: NaiveDate,
    pub reden: String,
}

/// A performance agreement (prestatieafspraak) of a contract, in force from `datum`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrestatieafspraakVastgelegd {
    pub contract: String,
    /// Identifies the agreement within its contract.
    pub afspraak: String,
    pub datum: NaiveDate,
    pub inhoud: Afspraakinhoud,
    pub toelichting: String,
}

/// An agreement is renegotiated: from `datum` on it says `inhoud`. The earlier content
/// stays in the log and in the scorecard's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrestatieafspraakGewijzigd {
    pub contract: String,
    pub afspraak: String,
    pub datum: NaiveDate,
    pub inhoud: Afspraakinhoud,
    pub reden: String,
}

/// A restrictive measure (vrijheidsbeperkende maatregel) applied to the youth in a
/// facility, from `begin` until `eind`. Recorded in the youth's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaatregelToegepast {
    /// Identifies the measure within the youth's stream.
    pub maatregel: String,
    pub soort: Maatregelsoort,
    pub voorziening: String,
    pub begin: NaiveDateTime,
    pub eind: NaiveDateTime,
    /// Free text (personal: sealed by the vault).
    pub toelichting: String,
}

/// A region's budget for one segment in a calendar year. A later fact for the same
/// region, year and segment replaces it. Stream `budget-<jeugdregio>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetVastgesteld {
    pub jeugdregio: String,
    pub jaar: i32,
    pub segment: Budgetsegment,
    pub bedrag_cent: i64,
}

/// Part of a region's budget of a year moves from one segment to another (the budget
/// behind closed beds turned into budget for ambulant alternatives), from `datum` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetVerschoven {
    pub jeugdregio: String,
    pub jaar: i32,
    pub van: Budgetsegment,
    pub naar: Budgetsegment,
    pub bedrag_cent: i64,
    pub datum: NaiveDate,
    pub reden: String,
}

// ---------------------------------------------------------------- corrections

/// An earlier event is replaced by new content of the same type, from this event's
/// recorded time on. Both stay in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeitGecorrigeerd {
    pub vervangt: Uuid,
    pub nieuw: Box<Gebeurtenis>,
    pub reden: String,
}

/// An earlier event is withdrawn from this event's recorded time on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeitIngetrokken {
    pub event_id: Uuid,
    pub reden: String,
}

// ---------------------------------------------------------------- erasure

/// The personal data of a youth is erased (crypto-shredding): recorded in the youth's
/// stream, after which the key that seals the youth's personal fields is deleted. The
/// fact itself holds no personal data, so it stays readable as the record of who erased
/// (the envelope's `recorded_by`), on whose request and on which legal ground.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JeugdigeGewist {
    pub grondslag: Wisgrondslag,
    pub verzocht_door: Verzoeker,
    /// Reference of the request in the region's own records (a case number, never a
    /// name or a BSN).
    pub kenmerk: Option<String>,
}

// ---------------------------------------------------------------- access log

/// Someone read person-level data (NEN 7513-style access log). Written by the API to a
/// stream `inzage-<date>`; part of the hash chain like every other event, so the log of
/// who looked at whom cannot be altered either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersoonsgegevensIngezien {
    /// Name of the principal (token name).
    pub wie: String,
    /// Id of the token used.
    pub token: String,
    pub rol: String,
    /// What was read (the GraphQL field, e.g. `historie`).
    pub wat: String,
    /// The streams whose person-level data was returned.
    pub stromen: Vec<String>,
}

// ---------------------------------------------------------------- migration

/// This log continues a log written before the vault (`kringloop versleutel`): every
/// event of the old log was copied before this fact, and the old log ended at this head.
/// Recorded once, in the stream [`KETEN_STREAM`]; the projections ignore it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogOvergezet {
    /// Position of the old log's last event.
    pub vorige_kop_positie: i64,
    /// Hash of the old log's last event (hex), as `kringloop verify` prints it.
    pub vorige_kop_hash: String,
    /// Number of events copied.
    pub gebeurtenissen: i64,
}

/// The stream of [`LogOvergezet`].
pub const KETEN_STREAM: &str = "keten";

/// Why a stored event could not be turned into a [`Gebeurtenis`].
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("onbekend gebeurtenistype `{0}`")]
    UnknownType(String),
    #[error(
        "schemaversie {version} van `{event_type}` is nieuwer dan deze software kent ({known})"
    )]
    FutureVersion {
        event_type: String,
        version: i32,
        known: i32,
    },
    #[error("inhoud van `{event_type}` (schemaversie {version}) is ongeldig: {source}")]
    Payload {
        event_type: String,
        version: i32,
        #[source]
        source: serde_json::Error,
    },
}

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $variant:ident = $version:literal ),* $(,)?) => {
        /// Every fact kringloop records. Serialised as `{"type": …, "data": …}` when nested
        /// (in a correction); stored with the variant name as the event type.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type", content = "data")]
        pub enum Gebeurtenis {
            $( $(#[$doc])* $variant($variant), )*
        }

        impl Gebeurtenis {
            /// All event types with their current schema version.
            pub const TYPES: &'static [(&'static str, i32)] = &[ $( (stringify!($variant), $version), )* ];

            /// The event type name stored in the envelope.
            pub fn event_type(&self) -> &'static str {
                match self { $( Gebeurtenis::$variant(_) => stringify!($variant), )* }
            }

            /// The schema version this software writes for this event type.
            pub fn schema_version(&self) -> i32 {
                match self { $( Gebeurtenis::$variant(_) => $version, )* }
            }

            /// The payload as JSON text.
            pub fn payload_json(&self) -> String {
                // Serialising these plain structs cannot fail (no maps with non-string keys).
                let result = match self { $( Gebeurtenis::$variant(inner) => serde_json::to_string(inner), )* };
                result.unwrap_or_default()
            }

            /// Turns a stored payload back into a fact, upcasting old schema versions first.
            pub fn decode(event_type: &str, schema_version: i32, payload: &str) -> Result<Gebeurtenis, DecodeError> {
                let current = Self::current_version(event_type)
                    .ok_or_else(|| DecodeError::UnknownType(event_type.to_owned()))?;
                if schema_version > current {
                    return Err(DecodeError::FutureVersion { event_type: event_type.to_owned(), version: schema_version, known: current });
                }
                let err = |source| DecodeError::Payload { event_type: event_type.to_owned(), version: schema_version, source };
                if schema_version < current {
                    let value: serde_json::Value = serde_json::from_str(payload).map_err(err)?;
                    let value = upcast::upcast(event_type, schema_version, value).map_err(err)?;
                    return match event_type {
                        $( stringify!($variant) => serde_json::from_value(value).map(Gebeurtenis::$variant).map_err(err), )*
                        other => Err(DecodeError::UnknownType(other.to_owned())),
                    };
                }
                match event_type {
                    $( stringify!($variant) => serde_json::from_str(payload).map(Gebeurtenis::$variant).map_err(err), )*
                    other => Err(DecodeError::UnknownType(other.to_owned())),
                }
            }

            pub fn current_version(event_type: &str) -> Option<i32> {
                match event_type { $( stringify!($variant) => Some($version), )* _ => None }
            }
        }

        $(
            impl From<$variant> for Gebeurtenis {
                fn from(value: $variant) -> Self { Gebeurtenis::$variant(value) }
            }
        )*
    };
}

catalogue! {
    LandsdeelGeregistreerd = 1,
    JeugdregioGeregistreerd = 1,
    GemeenteGeregistreerd = 1,
    AanbiederGeregistreerd = 1,
    VoorzieningGeregistreerd = 2,
    PlaatsenGeopend = 1,
    PlaatsenGesloten = 1,
    PlaatsenOmgebouwd = 1,
    VoorzieningGesloten = 1,
    CapaciteitsdoelVastgesteld = 1,
    JeugdigeGeregistreerd = 1,
    WoongemeenteGewijzigd = 1,
    MachtigingAfgegeven = 1,
    MachtigingBeeindigd = 1,
    PlaatsingGestart = 2,
    Doorgeplaatst = 2,
    PlaatsingBeeindigd = 1,
    PlaatsingsverzoekIngediend = 1,
    JeugdigeAangemeld = 1,
    PlaatsAangeboden = 1,
    AanmeldingGeweigerd = 1,
    PlaatsingsverzoekIngetrokken = 1,
    JeugdigeOnttrokken = 1,
    JeugdigeTeruggekeerd = 1,
    ContractGesloten = 1,
    TariefGeindexeerd = 1,
    VolumegarantieGewijzigd = 1,
    BudgetplafondGewijzigd = 1,
    ContractVerlengd = 1,
    ContractBeeindigd = 1,
    PrestatieafspraakVastgelegd = 1,
    PrestatieafspraakGewijzigd = 1,
    MaatregelToegepast = 1,
    BudgetVastgesteld = 1,
    BudgetVerschoven = 1,
    FeitGecorrigeerd = 1,
    FeitIngetrokken = 1,
    JeugdigeGewist = 1,
    PersoonsgegevensIngezien = 1,
    LogOvergezet = 1,
}

impl Gebeurtenis {
    /// The valid date (when it happened), if the fact has one.
    pub fn valid_date(&self) -> Option<NaiveDate> {
        use Gebeurtenis::*;
        match self {
            LandsdeelGeregistreerd(_)
            | JeugdregioGeregistreerd(_)
            | GemeenteGeregistreerd(_)
            | AanbiederGeregistreerd(_)
            | FeitIngetrokken(_)
            | JeugdigeGewist(_)
            | PersoonsgegevensIngezien(_)
            | LogOvergezet(_) => None,
            VoorzieningGeregistreerd(e) => Some(e.datum),
            PlaatsenGeopend(e) => Some(e.datum),
            PlaatsenGesloten(e) => Some(e.datum),
            PlaatsenOmgebouwd(e) => Some(e.datum),
            VoorzieningGesloten(e) => Some(e.datum),
            CapaciteitsdoelVastgesteld(e) => Some(e.datum),
            JeugdigeGeregistreerd(e) => Some(e.datum),
            WoongemeenteGewijzigd(e) => Some(e.datum),
            MachtigingAfgegeven(e) => Some(e.geldig_van),
            MachtigingBeeindigd(e) => Some(e.datum),
            PlaatsingGestart(e) => Some(e.datum),
            Doorgeplaatst(e) => Some(e.datum),
            PlaatsingBeeindigd(e) => Some(e.datum),
            PlaatsingsverzoekIngediend(e) => Some(e.datum),
            JeugdigeAangemeld(e) => Some(e.datum),
            PlaatsAangeboden(e) => Some(e.datum),
            AanmeldingGeweigerd(e) => Some(e.datum),
            PlaatsingsverzoekIngetrokken(e) => Some(e.datum),
            JeugdigeOnttrokken(e) => Some(e.datum),
            JeugdigeTeruggekeerd(e) => Some(e.datum),
            ContractGesloten(e) => Some(e.van),
            TariefGeindexeerd(e) => Some(e.geldig_van),
            VolumegarantieGewijzigd(e) => Some(e.datum),
            BudgetplafondGewijzigd(e) => Some(e.datum),
            ContractVerlengd(e) => Some(e.datum),
            ContractBeeindigd(e) => Some(e.tot_en_met),
            PrestatieafspraakVastgelegd(e) => Some(e.datum),
            PrestatieafspraakGewijzigd(e) => Some(e.datum),
            MaatregelToegepast(e) => Some(e.begin.date()),
            BudgetVastgesteld(e) => NaiveDate::from_ymd_opt(e.jaar, 1, 1),
            BudgetVerschoven(e) => Some(e.datum),
            FeitGecorrigeerd(e) => e.nieuw.valid_date(),
        }
    }

    /// The stream this fact belongs to. Facts about a youth go to the youth's stream,
    /// which the caller names (`None` here), as do corrections (the stream of the event
    /// they correct).
    pub fn natural_stream(&self) -> Option<String> {
        use Gebeurtenis::*;
        Some(match self {
            LandsdeelGeregistreerd(e) => format!("landsdeel-{}", e.code),
            JeugdregioGeregistreerd(e) => format!("jeugdregio-{}", e.code),
            GemeenteGeregistreerd(e) => format!("gemeente-{}", e.code),
            AanbiederGeregistreerd(e) => format!("aanbieder-{}", e.id),
            VoorzieningGeregistreerd(e) => voorziening_stream(&e.id),
            PlaatsenGeopend(e) => voorziening_stream(&e.voorziening),
            PlaatsenGesloten(e) => voorziening_stream(&e.voorziening),
            PlaatsenOmgebouwd(e) => voorziening_stream(&e.van),
            VoorzieningGesloten(e) => voorziening_stream(&e.voorziening),
            CapaciteitsdoelVastgesteld(e) => format!("doel-{}", e.scope.key()),
            ContractGesloten(e) => contract_stream(&e.contract),
            TariefGeindexeerd(e) => contract_stream(&e.contract),
            VolumegarantieGewijzigd(e) => contract_stream(&e.contract),
            BudgetplafondGewijzigd(e) => contract_stream(&e.contract),
            ContractVerlengd(e) => contract_stream(&e.contract),
            ContractBeeindigd(e) => contract_stream(&e.contract),
            PrestatieafspraakVastgelegd(e) => contract_stream(&e.contract),
            PrestatieafspraakGewijzigd(e) => contract_stream(&e.contract),
            BudgetVastgesteld(e) => budget_stream(&e.jeugdregio),
            BudgetVerschoven(e) => budget_stream(&e.jeugdregio),
            LogOvergezet(_) => KETEN_STREAM.to_owned(),
            JeugdigeGeregistreerd(e) => jeugdige_stream(&e.pseudoniem),
            WoongemeenteGewijzigd(_)
            | MachtigingAfgegeven(_)
            | MachtigingBeeindigd(_)
            | PlaatsingGestart(_)
            | Doorgeplaatst(_)
            | PlaatsingBeeindigd(_)
            | PlaatsingsverzoekIngediend(_)
            | JeugdigeAangemeld(_)
            | PlaatsAangeboden(_)
            | AanmeldingGeweigerd(_)
            | PlaatsingsverzoekIngetrokken(_)
            | JeugdigeOnttrokken(_)
            | JeugdigeTeruggekeerd(_)
            | MaatregelToegepast(_)
            | FeitGecorrigeerd(_)
            | FeitIngetrokken(_)
            | JeugdigeGewist(_)
            | PersoonsgegevensIngezien(_) => return None,
        })
    }
}

/// Stream of a facility.
pub fn voorziening_stream(id: &str) -> String {
    format!("voorziening-{id}")
}

/// Stream of a contract and its changes and agreements.
pub fn contract_stream(id: &str) -> String {
    format!("contract-{id}")
}

/// Stream of a jeugdregio's budget.
pub fn budget_stream(jeugdregio: &str) -> String {
    format!("budget-{jeugdregio}")
}

/// Stream of a youth.
pub fn jeugdige_stream(pseudoniem: &str) -> String {
    format!("jeugdige-{pseudoniem}")
}

/// The pseudonym of a youth stream, if it is one.
pub fn pseudoniem_van_stream(stream: &str) -> Option<&str> {
    stream.strip_prefix("jeugdige-")
}
