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
}

impl AfwijzingCode {
    pub const ALL: [AfwijzingCode; 45] = [
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
