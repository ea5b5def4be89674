//! The fixed data of the landscape: the landsdelen's course, the jeugdregio's outside
//! Zuid-West, the larger Zuid-West gemeenten and the closed-care providers.

use super::Koers;

/// Per landsdeel in `LANDSDELEN` order: Noord, Oost, Zuid, Zuid-West, Noord-West.
/// Zuid-West and Oost keep pace with their closures; Noord and Noord-West lag (the
/// alternatives come a year later and at half the volume), Zuid sits in between.
pub(super) const KOERSEN: [Koers; 5] = [
    Koers {
        koploper: false,
        tempo: 0.5,
        vertraging: 12,
        doorplaatsing: 1.0,
        gi: "Jeugdbescherming Noord",
    },
    Koers {
        koploper: true,
        tempo: 1.2,
        vertraging: 2,
        doorplaatsing: 1.5,
        gi: "Jeugdbescherming Oost",
    },
    Koers {
        koploper: false,
        tempo: 0.8,
        vertraging: 8,
        doorplaatsing: 0.9,
        gi: "Jeugdbescherming Brabant-Limburg",
    },
    Koers {
        koploper: true,
        tempo: 1.1,
        vertraging: 0,
        doorplaatsing: 0.7,
        gi: "JB West",
    },
    Koers {
        koploper: false,
        tempo: 0.5,
        vertraging: 12,
        doorplaatsing: 1.0,
        gi: "Jeugdbescherming Noord-West",
    },
];

/// The 37 jeugdregio's outside Zuid-West (code, naam, landsdeel, weight). Names are the
/// real regions where known; two Oost regions are synthetic to reach the 42.
pub(super) const OVERIGE_REGIOS: [(&str, &str, &str, f64); 37] = [
    ("GRONINGEN", "Groningen", "NOORD", 1.4),
    ("FRIESLAND", "Fryslân", "NOORD", 1.5),
    ("DRENTHE", "Drenthe", "NOORD", 1.2),
    ("TWENTE", "Twente", "OOST", 1.6),
    ("IJSSELLAND", "IJsselland", "OOST", 1.3),
    ("ACHTERHOEK", "Achterhoek", "OOST", 0.9),
    (
        "MIDDEN_IJSSEL_OOST_VELUWE",
        "Midden-IJssel/Oost-Veluwe",
        "OOST",
        1.0,
    ),
    ("NOORD_VELUWE", "Noord-Veluwe", "OOST", 0.6),
    ("FOODVALLEY", "Foodvalley", "OOST", 0.9),
    ("CENTRAAL_GELDERLAND", "Centraal Gelderland", "OOST", 1.4),
    ("RIJK_VAN_NIJMEGEN", "Rijk van Nijmegen", "OOST", 1.1),
    ("RIVIERENLAND", "Rivierenland", "OOST", 0.6),
    ("FLEVOLAND", "Flevoland", "OOST", 1.1),
    ("OOST_11", "Oost-regio 11 (synthetisch)", "OOST", 0.5),
    ("OOST_12", "Oost-regio 12 (synthetisch)", "OOST", 0.5),
    ("WEST_BRABANT_WEST", "West-Brabant-West", "ZUID", 0.9),
    ("WEST_BRABANT_OOST", "West-Brabant-Oost", "ZUID", 0.9),
    ("HART_VAN_BRABANT", "Hart van Brabant", "ZUID", 1.2),
    ("NOORDOOST_BRABANT", "Noordoost-Brabant", "ZUID", 1.4),
    ("ZUIDOOST_BRABANT", "Zuidoost-Brabant", "ZUID", 1.6),
    ("HELMOND_DE_PEEL", "Helmond-De Peel", "ZUID", 0.6),
    ("NOORD_LIMBURG", "Noord-Limburg", "ZUID", 0.7),
    ("MIDDEN_LIMBURG", "Midden-Limburg", "ZUID", 0.6),
    ("ZUID_LIMBURG", "Zuid-Limburg", "ZUID", 1.4),
    ("ZEELAND", "Zeeland", "ZUID", 0.9),
    (
        "AMSTERDAM_AMSTELLAND",
        "Amsterdam-Amstelland",
        "NOORD_WEST",
        3.0,
    ),
    (
        "ZAANSTREEK_WATERLAND",
        "Zaanstreek-Waterland",
        "NOORD_WEST",
        0.8,
    ),
    ("KENNEMERLAND", "Kennemerland", "NOORD_WEST", 1.1),
    ("IJMOND", "IJmond", "NOORD_WEST", 0.4),
    (
        "NOORD_HOLLAND_NOORD",
        "Noord-Holland-Noord",
        "NOORD_WEST",
        1.5,
    ),
    (
        "GOOI_EN_VECHTSTREEK",
        "Gooi en Vechtstreek",
        "NOORD_WEST",
        0.6,
    ),
    ("HAARLEMMERMEER", "Haarlemmermeer", "NOORD_WEST", 0.4),
    ("UTRECHT_STAD", "Utrecht stad", "NOORD_WEST", 1.3),
    ("LEKSTROOM", "Lekstroom", "NOORD_WEST", 0.5),
    ("UTRECHT_WEST", "Utrecht West", "NOORD_WEST", 0.5),
    ("ZUIDOOST_UTRECHT", "Zuidoost-Utrecht", "NOORD_WEST", 0.7),
    ("AMERSFOORT", "Eemland/Amersfoort", "NOORD_WEST", 1.0),
];

/// Weight of the larger Zuid-West gemeenten (others 1).
pub(super) const ZUID_WEST_GEWICHTEN: [(&str, f64); 8] = [
    ("GM0599", 9.0),
    ("GM0518", 7.5),
    ("GM0546", 1.8),
    ("GM0505", 1.8),
    ("GM0637", 1.7),
    ("GM0503", 1.5),
    ("GM1783", 1.5),
    ("GM0484", 1.5),
];

/// Closed-care (JZ+) providers per landsdeel. Horizon and Schakenbosch are Zuid-West's
/// (DOMAIN.md); Pluryn, OG Heldring and Spirit are known JZ+ providers; the rest are
/// synthetic and say so.
pub(super) const GESLOTEN_AANBIEDERS: [(&str, &str, &str); 13] = [
    (
        "NOORDERKIMPLUS",
        "Noorderkim Jeugdzorg Plus (synthetisch)",
        "NOORD",
    ),
    ("WADDENPLUS", "Wadden Jeugdzorg Plus (synthetisch)", "NOORD"),
    ("PLURYN", "Pluryn", "OOST"),
    ("OGHELDRING", "OG Heldringstichting", "OOST"),
    ("IJSSELPLUS", "IJssel Jeugdzorg Plus (synthetisch)", "OOST"),
    (
        "BRABANTPLUS",
        "Brabant Jeugdzorg Plus (synthetisch)",
        "ZUID",
    ),
    ("MAASPLUS", "Maasdal Jeugdzorg Plus (synthetisch)", "ZUID"),
    (
        "SCHELDEPLUS",
        "Schelde Jeugdzorg Plus (synthetisch)",
        "ZUID",
    ),
    ("HORIZON", "Horizon", "ZUID_WEST"),
    ("SCHAKENBOSCH", "Schakenbosch", "ZUID_WEST"),
    ("SPIRIT", "Spirit", "NOORD_WEST"),
    (
        "DOMSTADPLUS",
        "Domstad Jeugdzorg Plus (synthetisch)",
        "NOORD_WEST",
    ),
    (
        "DUINPLUS",
        "Duin Jeugdzorg Plus (synthetisch)",
        "NOORD_WEST",
    ),
];
