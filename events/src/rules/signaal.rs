//! Signals: a fact that breaks a policy or legal norm is accepted and flagged.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::datum;
use crate::types::Urgentie;

/// A norm a proposed fact breaks. The fact is still recorded; the signal travels with it.
/// Serialised with its code as tag: `{"code": "OVERBEZETTING", …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Signaal {
    /// More youths in the facility on `datum` than it has places (after a placement,
    /// doorplaatsing, afbouw or ombouw).
    Overbezetting {
        voorziening: String,
        datum: NaiveDate,
        bezetting: i64,
        plaatsen: i64,
    },
    /// A placement or doorplaatsing into a GESLOTEN facility without an MGJ or
    /// spoedmachtiging valid on that date (Jeugdwet art. 6.1.2).
    GeslotenZonderMachtiging {
        voorziening: String,
        datum: NaiveDate,
    },
    /// A spoedmachtiging valid for more than 28 days (`dagen` counts both ends).
    SpoedmachtigingTeLang { machtiging: String, dagen: i64 },
    /// An MGJ valid for more than one year.
    MgjTeLang { machtiging: String, dagen: i64 },
    /// A doorplaatsing (harmful: loss of network, school, trust).
    Doorplaatsing {
        van: String,
        naar: String,
        datum: NaiveDate,
        tegen_wens_jeugdige: bool,
        tegen_wens_aanbieder: bool,
    },
    /// A facility closes while placements there are still running on the closing date.
    VoorzieningGeslotenMetLopendePlaatsingen {
        voorziening: String,
        datum: NaiveDate,
        lopend: i64,
    },
    /// A well-formed gemeente code the landscape does not know (only when gemeenten are
    /// registered at all).
    OnbekendeGemeente { gemeente: String },
    /// A placement recorded late, before a later placement of the same youth, without an
    /// end: it is taken to run until the later one starts. Record its end.
    EindeOntbreekt {
        voorziening: String,
        start: NaiveDate,
        volgende_start: NaiveDate,
    },
    /// A placement fulfils a request in a facility of another form or regime than the
    /// request needs (also when it is a bridging place).
    NietPassendGeplaatst {
        verzoek: String,
        voorziening: String,
        datum: NaiveDate,
    },
    /// A request closed (fulfilled or withdrawn) more than its norm after it was
    /// submitted: `dagen` = closure date − request date, `norm` in days ([`super::Normen`]).
    WachttijdOverschreden {
        verzoek: String,
        urgentie: Urgentie,
        dagen: i64,
        norm: i64,
    },
    /// An absence without leave recorded late, before a later absence of the same youth,
    /// without a return: it is taken to last until the later one starts. Record the return.
    TerugkeerOntbreekt {
        start: NaiveDate,
        volgende_start: NaiveDate,
    },
    /// A placement or doorplaatsing (into `voorziening`) while the region works with
    /// contracts and the facility's provider has none in force on `datum` that holds a
    /// product of the facility's form and regime: its days are bed-days without a contract.
    ContractOntbreekt {
        voorziening: String,
        aanbieder: String,
        datum: NaiveDate,
    },
    /// A restrictive measure in a facility of an open regime (restrictive measures belong
    /// to closed care, Jeugdwet hoofdstuk 6).
    MaatregelInOpenVoorziening {
        maatregel: String,
        voorziening: String,
        datum: NaiveDate,
    },
}

impl Signaal {
    /// All codes, for documentation and KPI breakdowns.
    pub const CODES: [&'static str; 13] = [
        "OVERBEZETTING",
        "GESLOTEN_ZONDER_MACHTIGING",
        "SPOEDMACHTIGING_TE_LANG",
        "MGJ_TE_LANG",
        "DOORPLAATSING",
        "VOORZIENING_GESLOTEN_MET_LOPENDE_PLAATSINGEN",
        "ONBEKENDE_GEMEENTE",
        "EINDE_ONTBREEKT",
        "NIET_PASSEND_GEPLAATST",
        "WACHTTIJD_OVERSCHREDEN",
        "TERUGKEER_ONTBREEKT",
        "CONTRACT_ONTBREEKT",
        "MAATREGEL_IN_OPEN_VOORZIENING",
    ];

    /// Stable SCREAMING_SNAKE_CASE code (the same as the serde tag).
    pub fn code(&self) -> &'static str {
        match self {
            Signaal::Overbezetting { .. } => "OVERBEZETTING",
            Signaal::GeslotenZonderMachtiging { .. } => "GESLOTEN_ZONDER_MACHTIGING",
            Signaal::SpoedmachtigingTeLang { .. } => "SPOEDMACHTIGING_TE_LANG",
            Signaal::MgjTeLang { .. } => "MGJ_TE_LANG",
            Signaal::Doorplaatsing { .. } => "DOORPLAATSING",
            Signaal::VoorzieningGeslotenMetLopendePlaatsingen { .. } => {
                "VOORZIENING_GESLOTEN_MET_LOPENDE_PLAATSINGEN"
            }
            Signaal::OnbekendeGemeente { .. } => "ONBEKENDE_GEMEENTE",
            Signaal::EindeOntbreekt { .. } => "EINDE_ONTBREEKT",
            Signaal::NietPassendGeplaatst { .. } => "NIET_PASSEND_GEPLAATST",
            Signaal::WachttijdOverschreden { .. } => "WACHTTIJD_OVERSCHREDEN",
            Signaal::TerugkeerOntbreekt { .. } => "TERUGKEER_ONTBREEKT",
            Signaal::ContractOntbreekt { .. } => "CONTRACT_ONTBREEKT",
            Signaal::MaatregelInOpenVoorziening { .. } => "MAATREGEL_IN_OPEN_VOORZIENING",
        }
    }

    /// A Dutch sentence for the registrar.
    pub fn melding(&self) -> String {
        match self {
            Signaal::Overbezetting {
                voorziening,
                datum: d,
                bezetting,
                plaatsen,
            } => format!(
                "Overbezetting: voorziening {voorziening} heeft op {} {bezetting} jeugdigen op {plaatsen} plaatsen.",
                datum(*d)
            ),
            Signaal::GeslotenZonderMachtiging {
                voorziening,
                datum: d,
            } => format!(
                "Gesloten plaatsing zonder geldige machtiging: voorziening {voorziening} is gesloten en de jeugdige heeft op {} geen geldige machtiging gesloten jeugdhulp of spoedmachtiging.",
                datum(*d)
            ),
            Signaal::SpoedmachtigingTeLang { machtiging, dagen } => format!(
                "Spoedmachtiging {machtiging} is {dagen} dagen geldig; de wet staat ten hoogste 4 weken (28 dagen) toe."
            ),
            Signaal::MgjTeLang { machtiging, dagen } => format!(
                "Machtiging gesloten jeugdhulp {machtiging} is {dagen} dagen geldig; de wet staat ten hoogste één jaar toe."
            ),
            Signaal::Doorplaatsing {
                van,
                naar,
                datum: d,
                tegen_wens_jeugdige,
                tegen_wens_aanbieder,
            } => {
                let mut s = format!(
                    "Doorplaatsing op {} van voorziening {van} naar voorziening {naar}",
                    datum(*d)
                );
                match (tegen_wens_jeugdige, tegen_wens_aanbieder) {
                    (true, true) => {
                        s.push_str(", tegen de wens van de jeugdige en van de aanbieder")
                    }
                    (true, false) => s.push_str(", tegen de wens van de jeugdige"),
                    (false, true) => s.push_str(", tegen de wens van de aanbieder"),
                    (false, false) => {}
                }
                s.push('.');
                s
            }
            Signaal::VoorzieningGeslotenMetLopendePlaatsingen {
                voorziening,
                datum: d,
                lopend,
            } => format!(
                "Voorziening {voorziening} sluit op {} terwijl er nog {lopend} plaatsing(en) lopen.",
                datum(*d)
            ),
            Signaal::OnbekendeGemeente { gemeente } => {
                format!("Gemeentecode {gemeente} is niet als gemeente geregistreerd.")
            }
            Signaal::EindeOntbreekt {
                voorziening,
                start,
                volgende_start,
            } => format!(
                "De plaatsing in voorziening {voorziening} vanaf {} heeft geen einde, terwijl de jeugdige op {} elders geplaatst is; zij telt tot die datum. Leg het einde vast.",
                datum(*start),
                datum(*volgende_start)
            ),
            Signaal::NietPassendGeplaatst {
                verzoek,
                voorziening,
                datum: d,
            } => format!(
                "Niet passend geplaatst: verzoek {verzoek} is op {} vervuld met een plek in voorziening {voorziening}, die in vorm of regime afwijkt van wat het verzoek vraagt.",
                datum(*d)
            ),
            Signaal::WachttijdOverschreden {
                verzoek,
                urgentie,
                dagen,
                norm,
            } => format!(
                "Wachttijd overschreden: {} {verzoek} is pas na {dagen} dagen vervuld of ingetrokken; de norm is ten hoogste {norm} dagen.",
                match urgentie {
                    Urgentie::Spoed => "het spoedverzoek",
                    Urgentie::Regulier => "het reguliere verzoek",
                }
            ),
            Signaal::TerugkeerOntbreekt {
                start,
                volgende_start,
            } => format!(
                "De onttrekking vanaf {} heeft geen terugkeer, terwijl de jeugdige op {} opnieuw onttrokken is; zij telt tot die datum. Leg de terugkeer vast.",
                datum(*start),
                datum(*volgende_start)
            ),
            Signaal::ContractOntbreekt {
                voorziening,
                aanbieder,
                datum: d,
            } => format!(
                "Geen contract: aanbieder {aanbieder} heeft op {} geen lopend contract met een product voor de vorm en het regime van voorziening {voorziening}; de ligdagen van deze plaatsing tellen als ligdagen zonder contract.",
                datum(*d)
            ),
            Signaal::MaatregelInOpenVoorziening {
                maatregel,
                voorziening,
                datum: d,
            } => format!(
                "Maatregel {maatregel} is op {} toegepast in voorziening {voorziening}, die een open regime heeft; vrijheidsbeperkende maatregelen horen bij gesloten jeugdhulp.",
                datum(*d)
            ),
        }
    }
}
