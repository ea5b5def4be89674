//! Domain value types shared by the events, the rules and the projections.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Care form of a facility (DOMAIN.md "Facilities and care forms").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Vorm {
    Groep,
    Kleinschalig,
    Gezinshuis,
    Pleegzorg,
    Gezinsopname,
    Driemilieu,
    EenOpEen,
    Crisis,
    /// Intensive ambulant / hybrid team; capacity counts trajectory slots.
    Ambulant,
}

impl Vorm {
    pub const ALL: [Vorm; 9] = [
        Vorm::Groep,
        Vorm::Kleinschalig,
        Vorm::Gezinshuis,
        Vorm::Pleegzorg,
        Vorm::Gezinsopname,
        Vorm::Driemilieu,
        Vorm::EenOpEen,
        Vorm::Crisis,
        Vorm::Ambulant,
    ];

    /// Residential forms: a youth can be in only one at a time. An ambulant trajectory
    /// may run alongside.
    pub fn is_residentieel(self) -> bool {
        self != Vorm::Ambulant
    }

    pub fn code(self) -> &'static str {
        match self {
            Vorm::Groep => "GROEP",
            Vorm::Kleinschalig => "KLEINSCHALIG",
            Vorm::Gezinshuis => "GEZINSHUIS",
            Vorm::Pleegzorg => "PLEEGZORG",
            Vorm::Gezinsopname => "GEZINSOPNAME",
            Vorm::Driemilieu => "DRIEMILIEU",
            Vorm::EenOpEen => "EEN_OP_EEN",
            Vorm::Crisis => "CRISIS",
            Vorm::Ambulant => "AMBULANT",
        }
    }
}

impl fmt::Display for Vorm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Closed (stay requires a court authorisation) or open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Regime {
    Gesloten,
    Open,
}

impl Regime {
    pub fn code(self) -> &'static str {
        match self {
            Regime::Gesloten => "GESLOTEN",
            Regime::Open => "OPEN",
        }
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where a youth goes after a placement (destination) or lived before it (origin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// How heavy a destination is (DOMAIN.md): lower is lighter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Zwaarte {
    Rang(u8),
    AnderDomein,
    Onbekend,
}

impl Verblijfplaats {
    pub const ALL: [Verblijfplaats; 16] = [
        Verblijfplaats::Thuis,
        Verblijfplaats::Netwerk,
        Verblijfplaats::Zelfstandig,
        Verblijfplaats::Pleegzorg,
        Verblijfplaats::Gezinshuis,
        Verblijfplaats::Gezinsopname,
        Verblijfplaats::Kleinschalig,
        Verblijfplaats::OpenResidentieel,
        Verblijfplaats::Driemilieu,
        Verblijfplaats::EenOpEen,
        Verblijfplaats::Crisis,
        Verblijfplaats::Gesloten,
        Verblijfplaats::Jji,
        Verblijfplaats::GgzKliniek,
        Verblijfplaats::Wlz,
        Verblijfplaats::Onbekend,
    ];

    pub fn zwaarte(self) -> Zwaarte {
        use Verblijfplaats::*;
        match self {
            Thuis | Netwerk | Zelfstandig => Zwaarte::Rang(0),
            Pleegzorg | Gezinshuis | Gezinsopname | Kleinschalig => Zwaarte::Rang(1),
            OpenResidentieel => Zwaarte::Rang(2),
            Driemilieu | EenOpEen | Crisis => Zwaarte::Rang(3),
            Gesloten | Jji => Zwaarte::Rang(4),
            GgzKliniek | Wlz => Zwaarte::AnderDomein,
            Onbekend => Zwaarte::Onbekend,
        }
    }

    pub fn code(self) -> &'static str {
        use Verblijfplaats::*;
        match self {
            Thuis => "THUIS",
            Netwerk => "NETWERK",
            Zelfstandig => "ZELFSTANDIG",
            Pleegzorg => "PLEEGZORG",
            Gezinshuis => "GEZINSHUIS",
            Gezinsopname => "GEZINSOPNAME",
            Kleinschalig => "KLEINSCHALIG",
            OpenResidentieel => "OPEN_RESIDENTIEEL",
            Driemilieu => "DRIEMILIEU",
            EenOpEen => "EEN_OP_EEN",
            Crisis => "CRISIS",
            Gesloten => "GESLOTEN",
            Jji => "JJI",
            GgzKliniek => "GGZ_KLINIEK",
            Wlz => "WLZ",
            Onbekend => "ONBEKEND",
        }
    }
}

/// The rank of the facility a youth leaves, on the same scale as [`Verblijfplaats::zwaarte`].
pub fn rang_van_voorziening(vorm: Vorm, regime: Regime) -> u8 {
    if regime == Regime::Gesloten {
        return 4;
    }
    match vorm {
        Vorm::Pleegzorg | Vorm::Gezinshuis | Vorm::Gezinsopname | Vorm::Kleinschalig => 1,
        Vorm::Groep => 2,
        Vorm::Driemilieu | Vorm::EenOpEen | Vorm::Crisis => 3,
        Vorm::Ambulant => 0,
    }
}

/// Legal basis for a closed stay (Jeugdwet art. 6.1.2–6.1.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MachtigingSoort {
    /// Machtiging gesloten jeugdhulp: at most one year.
    Mgj,
    /// At most 4 weeks (28 days).
    Spoedmachtiging,
    /// Care outside the closed setting under conditions; first at most 6 months.
    VoorwaardelijkeMachtiging,
}

impl MachtigingSoort {
    /// Whether this measure makes a closed stay lawful.
    pub fn staat_gesloten_verblijf_toe(self) -> bool {
        matches!(
            self,
            MachtigingSoort::Mgj | MachtigingSoort::Spoedmachtiging
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Geslacht {
    Man,
    Vrouw,
    Anders,
    Onbekend,
}

/// iJw RedenBeeindiging (JZ588) codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RedenBeeindiging {
    /// 02: overlijden.
    #[serde(rename = "02")]
    Overlijden,
    /// 31: volgens plan.
    #[serde(rename = "31")]
    VolgensPlan,
    /// 32: voortijdig door cliënt.
    #[serde(rename = "32")]
    VoortijdigClient,
    /// 33: voortijdig door aanbieder.
    #[serde(rename = "33")]
    VoortijdigAanbieder,
    /// 34: voortijdig in overeenstemming.
    #[serde(rename = "34")]
    VoortijdigOvereenstemming,
    /// 35: voortijdig door externe oorzaak.
    #[serde(rename = "35")]
    VoortijdigExtern,
    /// 38: overgang naar andere aanbieder.
    #[serde(rename = "38")]
    AndereAanbieder,
    /// 39: uitstroom naar ander domein (Wmo, Wlz, Zvw).
    #[serde(rename = "39")]
    AnderDomein,
}

impl RedenBeeindiging {
    pub fn code(self) -> &'static str {
        match self {
            RedenBeeindiging::Overlijden => "02",
            RedenBeeindiging::VolgensPlan => "31",
            RedenBeeindiging::VoortijdigClient => "32",
            RedenBeeindiging::VoortijdigAanbieder => "33",
            RedenBeeindiging::VoortijdigOvereenstemming => "34",
            RedenBeeindiging::VoortijdigExtern => "35",
            RedenBeeindiging::AndereAanbieder => "38",
            RedenBeeindiging::AnderDomein => "39",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code.trim() {
            "02" | "2" => RedenBeeindiging::Overlijden,
            "31" => RedenBeeindiging::VolgensPlan,
            "32" => RedenBeeindiging::VoortijdigClient,
            "33" => RedenBeeindiging::VoortijdigAanbieder,
            "34" => RedenBeeindiging::VoortijdigOvereenstemming,
            "35" => RedenBeeindiging::VoortijdigExtern,
            "38" => RedenBeeindiging::AndereAanbieder,
            "39" => RedenBeeindiging::AnderDomein,
            _ => return None,
        })
    }
}

/// Whom a capacity target applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "niveau", content = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DoelScope {
    Landelijk,
    Landsdeel(String),
    Jeugdregio(String),
    Aanbieder(String),
}

impl DoelScope {
    /// A stable key, used in the stream name of the target.
    pub fn key(&self) -> String {
        match self {
            DoelScope::Landelijk => "landelijk".to_owned(),
            DoelScope::Landsdeel(c) => format!("landsdeel-{c}"),
            DoelScope::Jeugdregio(c) => format!("jeugdregio-{c}"),
            DoelScope::Aanbieder(c) => format!("aanbieder-{c}"),
        }
    }
}

/// The legal ground of an erasure ([`crate::JeugdigeGewist`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Wisgrondslag {
    /// A request of the data subject or their representative (AVG art. 17 lid 1).
    VerzoekBetrokkene,
    /// The retention period has passed (AVG art. 5 lid 1 sub e; the region's
    /// bewaartermijn).
    BewaartermijnVerstreken,
    /// The data were processed unlawfully (AVG art. 17 lid 1 sub d).
    OnrechtmatigVerwerkt,
    /// A legal obligation or a court order (AVG art. 17 lid 1 sub e).
    WettelijkeVerplichting,
}

impl Wisgrondslag {
    pub fn code(self) -> &'static str {
        match self {
            Wisgrondslag::VerzoekBetrokkene => "VERZOEK_BETROKKENE",
            Wisgrondslag::BewaartermijnVerstreken => "BEWAARTERMIJN_VERSTREKEN",
            Wisgrondslag::OnrechtmatigVerwerkt => "ONRECHTMATIG_VERWERKT",
            Wisgrondslag::WettelijkeVerplichting => "WETTELIJKE_VERPLICHTING",
        }
    }
}

/// Who asked for an erasure ([`crate::JeugdigeGewist`]), by role: never a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

impl Verzoeker {
    pub fn code(self) -> &'static str {
        match self {
            Verzoeker::Jeugdige => "JEUGDIGE",
            Verzoeker::WettelijkVertegenwoordiger => "WETTELIJK_VERTEGENWOORDIGER",
            Verzoeker::Gemeente => "GEMEENTE",
            Verzoeker::Aanbieder => "AANBIEDER",
            Verzoeker::Fg => "FG",
            Verzoeker::Bewaartermijn => "BEWAARTERMIJN",
        }
    }
}

/// Who asks for a place ([`crate::PlaatsingsverzoekIngediend`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

impl Verwijzer {
    pub const ALL: [Verwijzer; 5] = [
        Verwijzer::GecertificeerdeInstelling,
        Verwijzer::GemeenteWijkteam,
        Verwijzer::RaadRechter,
        Verwijzer::MedischSpecialist,
        Verwijzer::Anders,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Verwijzer::GecertificeerdeInstelling => "GECERTIFICEERDE_INSTELLING",
            Verwijzer::GemeenteWijkteam => "GEMEENTE_WIJKTEAM",
            Verwijzer::RaadRechter => "RAAD_RECHTER",
            Verwijzer::MedischSpecialist => "MEDISCH_SPECIALIST",
            Verwijzer::Anders => "ANDERS",
        }
    }
}

/// How urgent a placement request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Urgentie {
    Spoed,
    Regulier,
}

impl Urgentie {
    pub const ALL: [Urgentie; 2] = [Urgentie::Spoed, Urgentie::Regulier];

    pub fn code(self) -> &'static str {
        match self {
            Urgentie::Spoed => "SPOED",
            Urgentie::Regulier => "REGULIER",
        }
    }
}

/// Why a provider refuses a registration ([`crate::AanmeldingGeweigerd`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Weigeringsreden {
    GeenPlek,
    ZorgTeZwaar,
    Groepssamenstelling,
    ContraIndicatie,
    Anders,
}

impl Weigeringsreden {
    pub const ALL: [Weigeringsreden; 5] = [
        Weigeringsreden::GeenPlek,
        Weigeringsreden::ZorgTeZwaar,
        Weigeringsreden::Groepssamenstelling,
        Weigeringsreden::ContraIndicatie,
        Weigeringsreden::Anders,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Weigeringsreden::GeenPlek => "GEEN_PLEK",
            Weigeringsreden::ZorgTeZwaar => "ZORG_TE_ZWAAR",
            Weigeringsreden::Groepssamenstelling => "GROEPSSAMENSTELLING",
            Weigeringsreden::ContraIndicatie => "CONTRA_INDICATIE",
            Weigeringsreden::Anders => "ANDERS",
        }
    }
}

/// Why a placement request is withdrawn ([`crate::PlaatsingsverzoekIngetrokken`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Intrekkingsreden {
    NietMeerNodig,
    AndereOplossing,
    /// The youth is absent or whereabouts unknown.
    JeugdigeOnvindbaar,
    Anders,
}

impl Intrekkingsreden {
    pub const ALL: [Intrekkingsreden; 4] = [
        Intrekkingsreden::NietMeerNodig,
        Intrekkingsreden::AndereOplossing,
        Intrekkingsreden::JeugdigeOnvindbaar,
        Intrekkingsreden::Anders,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Intrekkingsreden::NietMeerNodig => "NIET_MEER_NODIG",
            Intrekkingsreden::AndereOplossing => "ANDERE_OPLOSSING",
            Intrekkingsreden::JeugdigeOnvindbaar => "JEUGDIGE_ONVINDBAAR",
            Intrekkingsreden::Anders => "ANDERS",
        }
    }
}
