//! Value types of contracts and money: financing models, products and tariffs, volume
//! guarantees, performance agreements (prestatieafspraken), restrictive measures and
//! budget segments. Amounts are whole eurocents (`i64`): money is never a float.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::types::{Regime, Vorm};

/// What a contract pays a provider for (DOMAIN.md "Financing").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Financiering {
    /// Per unit of effort, in youth care per day of stay (etmaal); empty beds are priced
    /// into the tariff or paid under a volume guarantee.
    Inspanningsgericht,
    /// A budget for a task, whatever the occupancy (paid pro rata per day).
    Taakgericht,
    /// Per result: a fixed amount per trajectory.
    Outputgericht,
}

impl Financiering {
    pub const ALL: [Financiering; 3] = [
        Financiering::Inspanningsgericht,
        Financiering::Taakgericht,
        Financiering::Outputgericht,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Financiering::Inspanningsgericht => "INSPANNINGSGERICHT",
            Financiering::Taakgericht => "TAAKGERICHT",
            Financiering::Outputgericht => "OUTPUTGERICHT",
        }
    }
}

/// The unit a product's tariff is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Tariefeenheid {
    /// Per day of stay (a bed-day: the youth is placed on that day).
    Etmaal,
    /// Per trajectory (a placement started), charged on its start date.
    Traject,
    /// Per year (a task budget), due pro rata per day of the contract.
    Jaar,
}

impl Tariefeenheid {
    pub const ALL: [Tariefeenheid; 3] = [
        Tariefeenheid::Etmaal,
        Tariefeenheid::Traject,
        Tariefeenheid::Jaar,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Tariefeenheid::Etmaal => "ETMAAL",
            Tariefeenheid::Traject => "TRAJECT",
            Tariefeenheid::Jaar => "JAAR",
        }
    }
}

/// A product of a contract: care of one form and regime, priced in one unit. A placement
/// in a facility of the contract's provider is care of the product with the facility's
/// form and regime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Code of the product, unique within its contract (e.g. `JZP-GROEP`).
    pub code: String,
    pub vorm: Vorm,
    pub regime: Regime,
    pub eenheid: Tariefeenheid,
}

/// A lot (perceel) of a contract and the products in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Perceel {
    pub code: String,
    pub naam: String,
    pub producten: Vec<Product>,
}

/// A tariff of a product, valid from a date until the product's next tariff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tarief {
    pub product: String,
    /// Amount per unit, in eurocents.
    pub bedrag_cent: i64,
    pub geldig_van: NaiveDate,
}

/// A volume guarantee for a product: the region pays for `plaatsen` places, or for
/// `bezettingsaandeel_procent` per cent of the provider's places of the product, whether
/// they are occupied or not. Exactly one of the two is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volumegarantie {
    pub product: String,
    pub plaatsen: Option<u32>,
    pub bezettingsaandeel_procent: Option<u8>,
}

/// The figure a norm of a performance agreement is about; each is computed like the KPI
/// of the same name (docs/kpis.md), over the contract provider's facilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Normkpi {
    /// Average length of the stays that ended in the period, in days.
    GemiddeldeVerblijfsduur,
    /// Ambulant trajectory-days per residential bed-day.
    RatioAmbulantBed,
    /// Share of placements started in the period that were spoed (0..1).
    Spoedaandeel,
    /// Share of exits that went to lighter care (0..1).
    UitstroomLichtereZorg,
    /// Number of doorplaatsingen out of the provider's facilities.
    Doorplaatsingen,
    /// Occupancy rate over the period (bed-days per place-day, 0..1).
    Bezettingsgraad,
    /// Restrictive measures started per 1,000 bed-days.
    #[serde(rename = "MAATREGELEN_PER_1000_LIGDAGEN")]
    MaatregelenPer1000Ligdagen,
}

impl Normkpi {
    pub const ALL: [Normkpi; 7] = [
        Normkpi::GemiddeldeVerblijfsduur,
        Normkpi::RatioAmbulantBed,
        Normkpi::Spoedaandeel,
        Normkpi::UitstroomLichtereZorg,
        Normkpi::Doorplaatsingen,
        Normkpi::Bezettingsgraad,
        Normkpi::MaatregelenPer1000Ligdagen,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Normkpi::GemiddeldeVerblijfsduur => "GEMIDDELDE_VERBLIJFSDUUR",
            Normkpi::RatioAmbulantBed => "RATIO_AMBULANT_BED",
            Normkpi::Spoedaandeel => "SPOEDAANDEEL",
            Normkpi::UitstroomLichtereZorg => "UITSTROOM_LICHTERE_ZORG",
            Normkpi::Doorplaatsingen => "DOORPLAATSINGEN",
            Normkpi::Bezettingsgraad => "BEZETTINGSGRAAD",
            Normkpi::MaatregelenPer1000Ligdagen => "MAATREGELEN_PER_1000_LIGDAGEN",
        }
    }
}

/// Which way a capacity agreement goes: afbouw (at most the places agreed) or opbouw (at
/// least).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Richting {
    Afbouw,
    Opbouw,
}

impl Richting {
    pub fn code(self) -> &'static str {
        match self {
            Richting::Afbouw => "AFBOUW",
            Richting::Opbouw => "OPBOUW",
        }
    }
}

/// A point of a capacity trajectory: `plaatsen` places on `datum`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capaciteitspunt {
    pub datum: NaiveDate,
    pub plaatsen: u32,
}

/// What a performance agreement (prestatieafspraak) says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "soort", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Afspraakinhoud {
    /// The provider's own afbouw or opbouw: its places of a form and/or regime at each
    /// point's date (at most for afbouw, at least for opbouw).
    Capaciteit {
        vorm: Option<Vorm>,
        regime: Option<Regime>,
        richting: Richting,
        punten: Vec<Capaciteitspunt>,
    },
    /// A KPI norm over a measurement period (`van` to `tot_en_met`, inclusive): the
    /// realised value must be at least `min` and/or at most `max`.
    Norm {
        kpi: Normkpi,
        van: NaiveDate,
        tot_en_met: NaiveDate,
        min: Option<f64>,
        max: Option<f64>,
    },
}

impl Afspraakinhoud {
    /// The first and last day the agreement is about.
    pub fn looptijd(&self) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            Afspraakinhoud::Capaciteit { punten, .. } => {
                let eerste = punten.iter().map(|p| p.datum).min()?;
                let laatste = punten.iter().map(|p| p.datum).max()?;
                Some((eerste, laatste))
            }
            Afspraakinhoud::Norm {
                van, tot_en_met, ..
            } => Some((*van, *tot_en_met)),
        }
    }
}

/// The kinds of restrictive measures (vrijheidsbeperkende maatregelen) a JeugdzorgPlus
/// provider registers (Jeugdwet, hoofdstuk 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Maatregelsoort {
    /// Afzondering: kept in a room apart from the group.
    Afzondering,
    /// Separatie: kept in a separation room.
    Separatie,
    /// Fixatie: bodily restraint (vastzetten).
    Fixatie,
    /// Insluiting: locked in the youth's own room.
    Insluiting,
    /// Beperking van de bewegingsvrijheid within the facility.
    BeperkingBewegingsvrijheid,
    /// Toezicht (e.g. camera) on the youth.
    Toezicht,
    /// Onderzoek aan lichaam of kleding.
    OnderzoekLichaamKleding,
    /// Onderzoek van de verblijfsruimte.
    OnderzoekVerblijfsruimte,
    /// Onderzoek van urine op middelen.
    OnderzoekUrine,
    /// Beperking van bezoek.
    BeperkingBezoek,
    /// Beperking van communicatiemiddelen.
    BeperkingCommunicatie,
}

impl Maatregelsoort {
    pub const ALL: [Maatregelsoort; 11] = [
        Maatregelsoort::Afzondering,
        Maatregelsoort::Separatie,
        Maatregelsoort::Fixatie,
        Maatregelsoort::Insluiting,
        Maatregelsoort::BeperkingBewegingsvrijheid,
        Maatregelsoort::Toezicht,
        Maatregelsoort::OnderzoekLichaamKleding,
        Maatregelsoort::OnderzoekVerblijfsruimte,
        Maatregelsoort::OnderzoekUrine,
        Maatregelsoort::BeperkingBezoek,
        Maatregelsoort::BeperkingCommunicatie,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Maatregelsoort::Afzondering => "AFZONDERING",
            Maatregelsoort::Separatie => "SEPARATIE",
            Maatregelsoort::Fixatie => "FIXATIE",
            Maatregelsoort::Insluiting => "INSLUITING",
            Maatregelsoort::BeperkingBewegingsvrijheid => "BEPERKING_BEWEGINGSVRIJHEID",
            Maatregelsoort::Toezicht => "TOEZICHT",
            Maatregelsoort::OnderzoekLichaamKleding => "ONDERZOEK_LICHAAM_KLEDING",
            Maatregelsoort::OnderzoekVerblijfsruimte => "ONDERZOEK_VERBLIJFSRUIMTE",
            Maatregelsoort::OnderzoekUrine => "ONDERZOEK_URINE",
            Maatregelsoort::BeperkingBezoek => "BEPERKING_BEZOEK",
            Maatregelsoort::BeperkingCommunicatie => "BEPERKING_COMMUNICATIE",
        }
    }
}

/// A segment of a region's budget. Care falls in one by its facility: a closed regime is
/// `Gesloten` (JeugdzorgPlus beds), another residential form `OpenResidentieel`, the form
/// AMBULANT `Ambulant` (the alternatives the af- en ombouw builds up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Budgetsegment {
    Gesloten,
    OpenResidentieel,
    Ambulant,
}

impl Budgetsegment {
    pub const ALL: [Budgetsegment; 3] = [
        Budgetsegment::Gesloten,
        Budgetsegment::OpenResidentieel,
        Budgetsegment::Ambulant,
    ];

    /// The segment care of this form and regime falls in.
    pub fn van(vorm: Vorm, regime: Regime) -> Budgetsegment {
        if vorm == Vorm::Ambulant {
            Budgetsegment::Ambulant
        } else if regime == Regime::Gesloten {
            Budgetsegment::Gesloten
        } else {
            Budgetsegment::OpenResidentieel
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Budgetsegment::Gesloten => "GESLOTEN",
            Budgetsegment::OpenResidentieel => "OPEN_RESIDENTIEEL",
            Budgetsegment::Ambulant => "AMBULANT",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code a type prints is the name it is stored under, for every value.
    fn zelfde<T: Serialize + Copy>(alle: &[T], code: impl Fn(T) -> &'static str) {
        for &x in alle {
            let json = serde_json::to_string(&x).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code(x)));
        }
    }

    #[test]
    fn codes_are_the_stored_names() {
        zelfde(&Financiering::ALL, Financiering::code);
        zelfde(&Tariefeenheid::ALL, Tariefeenheid::code);
        zelfde(&Normkpi::ALL, Normkpi::code);
        zelfde(&[Richting::Afbouw, Richting::Opbouw], Richting::code);
        zelfde(&Maatregelsoort::ALL, Maatregelsoort::code);
        zelfde(&Budgetsegment::ALL, Budgetsegment::code);
    }
}
