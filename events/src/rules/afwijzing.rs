//! Rejections: a stable machine code plus a Dutch message a registrar understands.

use std::fmt;

/// Why a proposed fact is rejected. Each code is stable (`code()`); the message says what
/// is wrong in the registrar's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AfwijzingCode {
    /// The fact does not belong in the stream it was offered for.
    VerkeerdeStroom,
    /// A landsdeel, jeugdregio, gemeente, aanbieder, voorziening or jeugdige is registered twice.
    AlGeregistreerd,
    /// An id or code is empty or otherwise unusable as a key.
    OngeldigeSleutel,
    /// A pseudonym is empty, contains spaces, or looks like a BSN.
    OngeldigPseudoniem,
    /// Year of birth impossible for youth care on the registration date.
    GeboortejaarBuitenBereik,
    /// Gemeente code not of the form `GM` + 4 digits.
    OngeldigeGemeentecode,
    OnbekendLandsdeel,
    OnbekendeJeugdregio,
    OnbekendeAanbieder,
    OnbekendeVoorziening,
    /// The facility exists but is registered from a later date.
    VoorzieningNogNietGeregistreerd,
    /// The facility is closed on that date.
    VoorzieningGesloten,
    /// The facility was already closed.
    VoorzieningAlGesloten,
    /// Closing a facility while later placements or capacity changes are recorded.
    FeitenNaSluiting,
    /// A youth fact for a youth that is not registered.
    OnbekendeJeugdige,
    /// A count of zero (counts are unsigned, so zero is the only invalid value).
    OngeldigAantal,
    /// Closing or converting out more places than the facility has.
    TeVeelPlaatsenGesloten,
    /// A doorplaatsing or ombouw from a facility to itself.
    ZelfdeVoorziening,
    /// An end (of a plaatsing or machtiging) on or before its start.
    EindeVoorStart,
    /// A doorplaatsing or end for a youth who is not placed (there) at that date.
    NietGeplaatst,
    /// A plaatsing while the youth is already placed at that date.
    AlGeplaatst,
    /// `geldig_tot` lies before `geldig_van`.
    GeldigTotVoorGeldigVan,
    MachtigingAlAfgegeven,
    OnbekendeMachtiging,
    MachtigingAlBeeindigd,
    /// A correction or retraction refers to an event that does not exist.
    OnbekendFeit,
    /// A correction's new content has another event type than the fact it replaces.
    AnderGebeurtenistype,
    /// A correction whose new content is itself a correction/retraction, or that corrects a retraction.
    OngeldigeCorrectie,
    /// Only an original fact can be retracted (not a correction or retraction).
    AlleenOrigineelIntrekken,
    /// The fact was retracted; it cannot be corrected or retracted again.
    FeitIngetrokken,
    /// A correction or retraction without a reason.
    RedenOntbreekt,
    /// Other recorded facts depend on the fact (or content) being withdrawn or changed.
    AfhankelijkeFeiten,
    /// A string of the fact or its stream name holds something that looks like a BSN
    /// ([`crate::bsn`]); the message names the field, never the value.
    BsnVerboden,
    /// A string of the fact or its stream name is longer than its limit
    /// ([`super::input`]).
    TeLang,
    /// A string holds a NUL byte or another control character it may not hold.
    OngeldigTeken,
    /// A fact about a youth whose personal data were erased.
    JeugdigeGewist,
    /// A placement request with an id the youth already has.
    VerzoekAlIngediend,
    /// A fact names a placement request the youth does not have.
    OnbekendVerzoek,
    /// A fact about a placement request dated before the request was submitted.
    VoorVerzoekdatum,
    /// A fact about a placement request dated after it was fulfilled or withdrawn, or a
    /// second fulfilment or withdrawal.
    VerzoekAfgesloten,
    /// A registration for a facility of another provider than the one named.
    VoorzieningVanAndereAanbieder,
    /// An offer or refusal by a provider the request was not registered with by then.
    NietAangemeld,
    /// An absence without leave while no residential placement runs (there).
    OnttrekkingZonderPlaatsing,
    /// An absence without leave while one is already open.
    AlOnttrokken,
    /// A return while no absence without leave is open.
    NietOnttrokken,
    /// A contract id that is already concluded.
    ContractAlGesloten,
    /// A contract without any jeugdregio.
    JeugdregioOntbreekt,
    /// A code twice in one list of a fact (a region, lot or product of a contract, a
    /// product in a list of volume guarantees).
    DubbeleCode,
    /// A contract whose last day lies before its first day.
    ContractEindeVoorBegin,
    /// A contract without lots, or a lot without products.
    ProductOntbreekt,
    /// A tariff, indexation or volume guarantee for a product the contract does not hold.
    ProductNietInContract,
    /// A product of a contract without a tariff valid on the contract's first day.
    TariefOntbreekt,
    /// A negative amount (tariff, budget ceiling, budget), or a budget shift of 0 or less.
    OngeldigBedrag,
    /// A volume guarantee without exactly one of places and occupancy share, or with a
    /// share above 100 %.
    OngeldigeVolumegarantie,
    /// A fact about a contract that is not concluded.
    OnbekendContract,
    /// A contract change dated outside the contract's period (or a termination outside
    /// it), or a budget shift dated outside its year.
    DatumBuitenLooptijd,
    /// An extension while every extension option is used.
    TeVeelVerlengingen,
    /// An extension whose new last day is not after the current one.
    VerlengingNietLater,
    /// An extension longer than one option's months.
    VerlengingTeLang,
    /// A second termination, or an extension of a terminated contract.
    ContractAlBeeindigd,
    /// An agreement id the contract already has.
    AfspraakAlVastgelegd,
    /// A change of an agreement the contract does not have.
    OnbekendeAfspraak,
    /// An agreement (its measurement period or capacity points) outside the contract's
    /// period.
    AfspraakBuitenLooptijd,
    /// A norm without min and max, with min above max, a negative or non-finite bound, a
    /// share outside 0..1, or a measurement period that ends before it starts.
    OngeldigeNorm,
    /// A capacity agreement without points.
    CapaciteitspuntenOntbreken,
    /// A restrictive measure that ends on or before its start.
    MaatregelEindeVoorBegin,
    /// A measure id the youth already has.
    MaatregelAlVastgelegd,
    /// A budget shift from a segment to itself.
    ZelfdeSegment,
    /// A budget shift larger than the known budget of the segment it comes from.
    BudgetOntoereikend,
}

impl AfwijzingCode {
    pub const ALL: [AfwijzingCode; 69] = [
        AfwijzingCode::VerkeerdeStroom,
        AfwijzingCode::AlGeregistreerd,
        AfwijzingCode::OngeldigeSleutel,
        AfwijzingCode::OngeldigPseudoniem,
        AfwijzingCode::GeboortejaarBuitenBereik,
        AfwijzingCode::OngeldigeGemeentecode,
        AfwijzingCode::OnbekendLandsdeel,
        AfwijzingCode::OnbekendeJeugdregio,
        AfwijzingCode::OnbekendeAanbieder,
        AfwijzingCode::OnbekendeVoorziening,
        AfwijzingCode::VoorzieningNogNietGeregistreerd,
        AfwijzingCode::VoorzieningGesloten,
        AfwijzingCode::VoorzieningAlGesloten,
        AfwijzingCode::FeitenNaSluiting,
        AfwijzingCode::OnbekendeJeugdige,
        AfwijzingCode::OngeldigAantal,
        AfwijzingCode::TeVeelPlaatsenGesloten,
        AfwijzingCode::ZelfdeVoorziening,
        AfwijzingCode::EindeVoorStart,
        AfwijzingCode::NietGeplaatst,
        AfwijzingCode::AlGeplaatst,
        AfwijzingCode::GeldigTotVoorGeldigVan,
        AfwijzingCode::MachtigingAlAfgegeven,
        AfwijzingCode::OnbekendeMachtiging,
        AfwijzingCode::MachtigingAlBeeindigd,
        AfwijzingCode::OnbekendFeit,
        AfwijzingCode::AnderGebeurtenistype,
        AfwijzingCode::OngeldigeCorrectie,
        AfwijzingCode::AlleenOrigineelIntrekken,
        AfwijzingCode::FeitIngetrokken,
        AfwijzingCode::RedenOntbreekt,
        AfwijzingCode::AfhankelijkeFeiten,
        AfwijzingCode::BsnVerboden,
        AfwijzingCode::TeLang,
        AfwijzingCode::OngeldigTeken,
        AfwijzingCode::JeugdigeGewist,
        AfwijzingCode::VerzoekAlIngediend,
        AfwijzingCode::OnbekendVerzoek,
        AfwijzingCode::VoorVerzoekdatum,
        AfwijzingCode::VerzoekAfgesloten,
        AfwijzingCode::VoorzieningVanAndereAanbieder,
        AfwijzingCode::NietAangemeld,
        AfwijzingCode::OnttrekkingZonderPlaatsing,
        AfwijzingCode::AlOnttrokken,
        AfwijzingCode::NietOnttrokken,
        AfwijzingCode::ContractAlGesloten,
        AfwijzingCode::JeugdregioOntbreekt,
        AfwijzingCode::DubbeleCode,
        AfwijzingCode::ContractEindeVoorBegin,
        AfwijzingCode::ProductOntbreekt,
        AfwijzingCode::ProductNietInContract,
        AfwijzingCode::TariefOntbreekt,
        AfwijzingCode::OngeldigBedrag,
        AfwijzingCode::OngeldigeVolumegarantie,
        AfwijzingCode::OnbekendContract,
        AfwijzingCode::DatumBuitenLooptijd,
        AfwijzingCode::TeVeelVerlengingen,
        AfwijzingCode::VerlengingNietLater,
        AfwijzingCode::VerlengingTeLang,
        AfwijzingCode::ContractAlBeeindigd,
        AfwijzingCode::AfspraakAlVastgelegd,
        AfwijzingCode::OnbekendeAfspraak,
        AfwijzingCode::AfspraakBuitenLooptijd,
        AfwijzingCode::OngeldigeNorm,
        AfwijzingCode::CapaciteitspuntenOntbreken,
        AfwijzingCode::MaatregelEindeVoorBegin,
        AfwijzingCode::MaatregelAlVastgelegd,
        AfwijzingCode::ZelfdeSegment,
        AfwijzingCode::BudgetOntoereikend,
    ];

    /// Stable SCREAMING_SNAKE_CASE code.
    pub fn code(&self) -> &'static str {
        use AfwijzingCode::*;
        match self {
            VerkeerdeStroom => "VERKEERDE_STROOM",
            AlGeregistreerd => "AL_GEREGISTREERD",
            OngeldigeSleutel => "ONGELDIGE_SLEUTEL",
            OngeldigPseudoniem => "ONGELDIG_PSEUDONIEM",
            GeboortejaarBuitenBereik => "GEBOORTEJAAR_BUITEN_BEREIK",
            OngeldigeGemeentecode => "ONGELDIGE_GEMEENTECODE",
            OnbekendLandsdeel => "ONBEKEND_LANDSDEEL",
            OnbekendeJeugdregio => "ONBEKENDE_JEUGDREGIO",
            OnbekendeAanbieder => "ONBEKENDE_AANBIEDER",
            OnbekendeVoorziening => "ONBEKENDE_VOORZIENING",
            VoorzieningNogNietGeregistreerd => "VOORZIENING_NOG_NIET_GEREGISTREERD",
            VoorzieningGesloten => "VOORZIENING_GESLOTEN",
            VoorzieningAlGesloten => "VOORZIENING_AL_GESLOTEN",
            FeitenNaSluiting => "FEITEN_NA_SLUITING",
            OnbekendeJeugdige => "ONBEKENDE_JEUGDIGE",
            OngeldigAantal => "ONGELDIG_AANTAL",
            TeVeelPlaatsenGesloten => "TE_VEEL_PLAATSEN_GESLOTEN",
            ZelfdeVoorziening => "ZELFDE_VOORZIENING",
            EindeVoorStart => "EINDE_VOOR_START",
            NietGeplaatst => "NIET_GEPLAATST",
            AlGeplaatst => "AL_GEPLAATST",
            GeldigTotVoorGeldigVan => "GELDIG_TOT_VOOR_GELDIG_VAN",
            MachtigingAlAfgegeven => "MACHTIGING_AL_AFGEGEVEN",
            OnbekendeMachtiging => "ONBEKENDE_MACHTIGING",
            MachtigingAlBeeindigd => "MACHTIGING_AL_BEEINDIGD",
            OnbekendFeit => "ONBEKEND_FEIT",
            AnderGebeurtenistype => "ANDER_GEBEURTENISTYPE",
            OngeldigeCorrectie => "ONGELDIGE_CORRECTIE",
            AlleenOrigineelIntrekken => "ALLEEN_ORIGINEEL_INTREKKEN",
            FeitIngetrokken => "FEIT_INGETROKKEN",
            RedenOntbreekt => "REDEN_ONTBREEKT",
            AfhankelijkeFeiten => "AFHANKELIJKE_FEITEN",
            BsnVerboden => "BSN_VERBODEN",
            TeLang => "TE_LANG",
            OngeldigTeken => "ONGELDIG_TEKEN",
            JeugdigeGewist => "JEUGDIGE_GEWIST",
            VerzoekAlIngediend => "VERZOEK_AL_INGEDIEND",
            OnbekendVerzoek => "ONBEKEND_VERZOEK",
            VoorVerzoekdatum => "VOOR_VERZOEKDATUM",
            VerzoekAfgesloten => "VERZOEK_AFGESLOTEN",
            VoorzieningVanAndereAanbieder => "VOORZIENING_VAN_ANDERE_AANBIEDER",
            NietAangemeld => "NIET_AANGEMELD",
            OnttrekkingZonderPlaatsing => "ONTTREKKING_ZONDER_PLAATSING",
            AlOnttrokken => "AL_ONTTROKKEN",
            NietOnttrokken => "NIET_ONTTROKKEN",
            ContractAlGesloten => "CONTRACT_AL_GESLOTEN",
            JeugdregioOntbreekt => "JEUGDREGIO_ONTBREEKT",
            DubbeleCode => "DUBBELE_CODE",
            ContractEindeVoorBegin => "CONTRACT_EINDE_VOOR_BEGIN",
            ProductOntbreekt => "PRODUCT_ONTBREEKT",
            ProductNietInContract => "PRODUCT_NIET_IN_CONTRACT",
            TariefOntbreekt => "TARIEF_ONTBREEKT",
            OngeldigBedrag => "ONGELDIG_BEDRAG",
            OngeldigeVolumegarantie => "ONGELDIGE_VOLUMEGARANTIE",
            OnbekendContract => "ONBEKEND_CONTRACT",
            DatumBuitenLooptijd => "DATUM_BUITEN_LOOPTIJD",
            TeVeelVerlengingen => "TE_VEEL_VERLENGINGEN",
            VerlengingNietLater => "VERLENGING_NIET_LATER",
            VerlengingTeLang => "VERLENGING_TE_LANG",
            ContractAlBeeindigd => "CONTRACT_AL_BEEINDIGD",
            AfspraakAlVastgelegd => "AFSPRAAK_AL_VASTGELEGD",
            OnbekendeAfspraak => "ONBEKENDE_AFSPRAAK",
            AfspraakBuitenLooptijd => "AFSPRAAK_BUITEN_LOOPTIJD",
            OngeldigeNorm => "ONGELDIGE_NORM",
            CapaciteitspuntenOntbreken => "CAPACITEITSPUNTEN_ONTBREKEN",
            MaatregelEindeVoorBegin => "MAATREGEL_EINDE_VOOR_BEGIN",
            MaatregelAlVastgelegd => "MAATREGEL_AL_VASTGELEGD",
            ZelfdeSegment => "ZELFDE_SEGMENT",
            BudgetOntoereikend => "BUDGET_ONTOEREIKEND",
        }
    }
}

impl fmt::Display for AfwijzingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A rejected fact: a stable code plus a Dutch message that names the facility, date and
/// (never by BSN, and never by pseudonym) the youth concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{melding}")]
pub struct Afwijzing {
    pub code: AfwijzingCode,
    pub melding: String,
}

impl Afwijzing {
    pub fn new(code: AfwijzingCode, melding: impl Into<String>) -> Self {
        Afwijzing {
            code,
            melding: melding.into(),
        }
    }
}
