//! The tabular record format shared by CSV and JSON Lines: one record per fact, a `type`
//! selecting the event type and one field per payload field, named as in the catalogue
//! structs (`events/src/catalogue.rs`). The field table here is the single source of the
//! documentation, the templates (`templates/`) and the checks.
//!
//! Meta fields, for every type:
//! - `type` (required): the event type, e.g. `PlaatsingGestart`;
//! - `pseudoniem` or `bsn`: the youth, for youth facts (and only there). A `bsn` is turned
//!   into a pseudonym at once (see [`crate::pseudonym`]);
//! - `event_id` (optional): a UUIDv7 chosen by the source, so that a later correction in
//!   the same or another file can point at it;
//! - `geregistreerd_op` (optional): the recorded time for a historical backfill
//!   (RFC 3339, or a date meaning 00:00 UTC); non-decreasing within a file;
//! - `bron` (optional): free text naming the original source, appended to the envelope's
//!   `source` in parentheses.
//!
//! Special fields: `CapaciteitsdoelVastgesteld` has `scope_niveau` + `scope_code` for its
//! scope; `FeitGecorrigeerd` has `vervangt`, `reden`, `nieuw_type` and the new content's
//! fields prefixed with `nieuw_` (in JSON Lines also as a nested object `nieuw` with its
//! own `type`).

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use kringloop_events::Gebeurtenis;
use kringloop_events::geld::{Capaciteitspunt, Volumegarantie};
use serde_json::Value;
use uuid::Uuid;

use crate::pseudonym::{contains_bsn, redact};

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Soort {
    /// Free text (must not contain a BSN).
    Tekst,
    /// A date: `JJJJ-MM-DD` or `DD-MM-JJJJ`.
    Datum,
    /// A whole number ≥ 0.
    Aantal,
    /// A year of birth.
    Jaar,
    /// `ja`/`nee` (also `true`/`false`, `1`/`0`, `j`/`n`).
    JaNee,
    /// One of a fixed list of codes.
    Keuze(&'static [&'static str]),
    /// A UUID.
    Id,
    /// An amount in euros with a decimal comma or point (`612,45`, `612.45`, `612`):
    /// exact whole cents, at most two decimals, never negative. A field `x` of this kind
    /// is the payload field `x_cent`.
    Bedrag,
    /// A decimal number with a comma or point (`0,3`, `12.5`), for the bounds of a norm.
    Decimaal,
    /// A date and time: `JJJJ-MM-DD UU:MM` (or `T` between them, or `DD-MM-JJJJ UU:MM`;
    /// seconds optional).
    Tijdstip,
    /// Texts separated by `;` (e.g. the jeugdregio's of a contract, the lead first).
    Lijst,
    /// A volume guarantee of one product: a number of places (`12`) or a percentage of
    /// the provider's places (`30%`).
    Garantie,
    /// Volume guarantees of several products: `product:12;product:30%`.
    Garanties,
    /// The points of a capacity trajectory: `datum:plaatsen;datum:plaatsen`.
    Punten,
}

/// One payload field.
#[derive(Debug, Clone, Copy)]
pub struct Veld {
    pub naam: &'static str,
    pub soort: Soort,
    pub verplicht: bool,
}

const fn v(naam: &'static str, soort: Soort) -> Veld {
    Veld {
        naam,
        soort,
        verplicht: true,
    }
}

const fn opt(naam: &'static str, soort: Soort) -> Veld {
    Veld {
        naam,
        soort,
        verplicht: false,
    }
}

/// The format of one event type.
#[derive(Debug, Clone, Copy)]
pub struct TypeSpec {
    pub event_type: &'static str,
    /// Facts about one youth: need `pseudoniem` or `bsn`.
    pub jeugdige: bool,
    pub velden: &'static [Veld],
    /// One line for the documentation.
    pub uitleg: &'static str,
}

pub const VORMEN: &[&str] = &[
    "GROEP",
    "KLEINSCHALIG",
    "GEZINSHUIS",
    "PLEEGZORG",
    "GEZINSOPNAME",
    "DRIEMILIEU",
    "EEN_OP_EEN",
    "CRISIS",
    "AMBULANT",
];
pub const REGIMES: &[&str] = &["GESLOTEN", "OPEN"];
pub const VERBLIJFPLAATSEN: &[&str] = &[
    "THUIS",
    "NETWERK",
    "ZELFSTANDIG",
    "PLEEGZORG",
    "GEZINSHUIS",
    "GEZINSOPNAME",
    "KLEINSCHALIG",
    "OPEN_RESIDENTIEEL",
    "DRIEMILIEU",
    "EEN_OP_EEN",
    "CRISIS",
    "GESLOTEN",
    "JJI",
    "GGZ_KLINIEK",
    "WLZ",
    "ONBEKEND",
];
pub const GESLACHTEN: &[&str] = &["MAN", "VROUW", "ANDERS", "ONBEKEND"];
pub const MACHTIGINGSOORTEN: &[&str] = &["MGJ", "SPOEDMACHTIGING", "VOORWAARDELIJKE_MACHTIGING"];
pub const REDENEN_BEEINDIGING: &[&str] = &["02", "31", "32", "33", "34", "35", "38", "39"];
pub const VERWIJZERS: &[&str] = &[
    "GECERTIFICEERDE_INSTELLING",
    "GEMEENTE_WIJKTEAM",
    "RAAD_RECHTER",
    "MEDISCH_SPECIALIST",
    "ANDERS",
];
pub const URGENTIES: &[&str] = &["SPOED", "REGULIER"];
pub const WEIGERINGSREDENEN: &[&str] = &[
    "GEEN_PLEK",
    "ZORG_TE_ZWAAR",
    "GROEPSSAMENSTELLING",
    "CONTRA_INDICATIE",
    "ANDERS",
];
pub const INTREKKINGSREDENEN: &[&str] = &[
    "NIET_MEER_NODIG",
    "ANDERE_OPLOSSING",
    "JEUGDIGE_ONVINDBAAR",
    "ANDERS",
];
pub const SCOPE_NIVEAUS: &[&str] = &["LANDELIJK", "LANDSDEEL", "JEUGDREGIO", "AANBIEDER"];
pub const FINANCIERINGEN: &[&str] = &["INSPANNINGSGERICHT", "TAAKGERICHT", "OUTPUTGERICHT"];
pub const TARIEFEENHEDEN: &[&str] = &["ETMAAL", "TRAJECT", "JAAR"];
pub const AFSPRAAKSOORTEN: &[&str] = &["CAPACITEIT", "NORM"];
pub const RICHTINGEN: &[&str] = &["AFBOUW", "OPBOUW"];
pub const NORMKPIS: &[&str] = &[
    "GEMIDDELDE_VERBLIJFSDUUR",
    "RATIO_AMBULANT_BED",
    "SPOEDAANDEEL",
    "UITSTROOM_LICHTERE_ZORG",
    "DOORPLAATSINGEN",
    "BEZETTINGSGRAAD",
    "MAATREGELEN_PER_1000_LIGDAGEN",
];
pub const MAATREGELSOORTEN: &[&str] = &[
    "AFZONDERING",
    "SEPARATIE",
    "FIXATIE",
    "INSLUITING",
    "BEPERKING_BEWEGINGSVRIJHEID",
    "TOEZICHT",
    "ONDERZOEK_LICHAAM_KLEDING",
    "ONDERZOEK_VERBLIJFSRUIMTE",
    "ONDERZOEK_URINE",
    "BEPERKING_BEZOEK",
    "BEPERKING_COMMUNICATIE",
];
pub const BUDGETSEGMENTEN: &[&str] = &["GESLOTEN", "OPEN_RESIDENTIEEL", "AMBULANT"];

use Soort::{
    Aantal, Bedrag, Datum, Decimaal, Garantie, Garanties, Id, JaNee, Jaar, Keuze, Lijst, Punten,
    Tekst, Tijdstip,
};

/// Every type a CSV or JSON Lines record can have, in the order a landscape is built.
pub const SPECS: &[TypeSpec] = &[
    TypeSpec {
        event_type: "LandsdeelGeregistreerd",
        jeugdige: false,
        velden: &[v("code", Tekst), v("naam", Tekst)],
        uitleg: "een landsdeel (zorggebied)",
    },
    TypeSpec {
        event_type: "JeugdregioGeregistreerd",
        jeugdige: false,
        velden: &[v("code", Tekst), v("naam", Tekst), v("landsdeel", Tekst)],
        uitleg: "een jeugdregio binnen een landsdeel",
    },
    TypeSpec {
        event_type: "GemeenteGeregistreerd",
        jeugdige: false,
        velden: &[v("code", Tekst), v("naam", Tekst), v("jeugdregio", Tekst)],
        uitleg: "een gemeente (CBS-code GMxxxx) binnen een jeugdregio",
    },
    TypeSpec {
        event_type: "AanbiederGeregistreerd",
        jeugdige: false,
        velden: &[v("id", Tekst), v("naam", Tekst)],
        uitleg: "een zorgaanbieder",
    },
    TypeSpec {
        event_type: "VoorzieningGeregistreerd",
        jeugdige: false,
        velden: &[
            v("id", Tekst),
            v("aanbieder", Tekst),
            v("naam", Tekst),
            v("gemeente", Tekst),
            v("vorm", Keuze(VORMEN)),
            v("regime", Keuze(REGIMES)),
            v("datum", Datum),
        ],
        uitleg: "een voorziening (locatie) met vorm en regime",
    },
    TypeSpec {
        event_type: "PlaatsenGeopend",
        jeugdige: false,
        velden: &[
            v("voorziening", Tekst),
            v("datum", Datum),
            v("aantal", Aantal),
        ],
        uitleg: "opbouw: plaatsen geopend",
    },
    TypeSpec {
        event_type: "PlaatsenGesloten",
        jeugdige: false,
        velden: &[
            v("voorziening", Tekst),
            v("datum", Datum),
            v("aantal", Aantal),
            v("reden", Tekst),
        ],
        uitleg: "afbouw: plaatsen gesloten",
    },
    TypeSpec {
        event_type: "PlaatsenOmgebouwd",
        jeugdige: false,
        velden: &[
            v("van", Tekst),
            v("naar", Tekst),
            v("datum", Datum),
            v("aantal_uit", Aantal),
            v("aantal_in", Aantal),
            v("reden", Tekst),
        ],
        uitleg: "ombouw: plaatsen van de ene voorziening naar de andere",
    },
    TypeSpec {
        event_type: "VoorzieningGesloten",
        jeugdige: false,
        velden: &[
            v("voorziening", Tekst),
            v("datum", Datum),
            v("reden", Tekst),
        ],
        uitleg: "een voorziening sluit",
    },
    TypeSpec {
        event_type: "CapaciteitsdoelVastgesteld",
        jeugdige: false,
        velden: &[
            v("scope_niveau", Keuze(SCOPE_NIVEAUS)),
            opt("scope_code", Tekst),
            opt("regime", Keuze(REGIMES)),
            opt("vorm", Keuze(VORMEN)),
            v("plaatsen", Aantal),
            v("datum", Datum),
        ],
        uitleg: "een capaciteitsdoel (scope_code leeg bij LANDELIJK)",
    },
    TypeSpec {
        event_type: "ContractGesloten",
        jeugdige: false,
        velden: &[
            v("contract", Tekst),
            v("aanbieder", Tekst),
            v("jeugdregios", Lijst),
            v("financiering", Keuze(FINANCIERINGEN)),
            v("van", Datum),
            v("tot_en_met", Datum),
            opt("verlengingsopties", Aantal),
            opt("verlenging_maanden", Aantal),
            opt("budgetplafond", Bedrag),
            v("perceel", Tekst),
            v("perceel_naam", Tekst),
            v("product", Tekst),
            v("vorm", Keuze(VORMEN)),
            v("regime", Keuze(REGIMES)),
            v("eenheid", Keuze(TARIEFEENHEDEN)),
            v("tarief", Bedrag),
            opt("tarief_geldig_van", Datum),
            opt("garantie", Garantie),
        ],
        uitleg: "een contract: één regel per product; de regels met dezelfde `contract` worden één feit (de contractkolommen gelijk op elke regel)",
    },
    TypeSpec {
        event_type: "TariefGeindexeerd",
        jeugdige: false,
        velden: &[
            v("contract", Tekst),
            v("product", Tekst),
            v("geldig_van", Datum),
            v("bedrag", Bedrag),
            v("reden", Tekst),
        ],
        uitleg: "een nieuw tarief van een product vanaf geldig_van (indexatie), bedrag in euro's",
    },
    TypeSpec {
        event_type: "VolumegarantieGewijzigd",
        jeugdige: false,
        velden: &[
            v("contract", Tekst),
            v("datum", Datum),
            opt("volumegaranties", Garanties),
            v("reden", Tekst),
        ],
        uitleg: "de volumegaranties vanaf datum (product:plaatsen of product:procent%, meerdere met ; ertussen; leeg: geen garantie meer)",
    },
    TypeSpec {
        event_type: "BudgetplafondGewijzigd",
        jeugdige: false,
        velden: &[
            v("contract", Tekst),
            v("datum", Datum),
            opt("budgetplafond", Bedrag),
            v("reden", Tekst),
        ],
        uitleg: "het jaarlijkse budgetplafond vanaf datum, in euro's (leeg: geen plafond)",
    },
    TypeSpec {
        event_type: "ContractVerlengd",
        jeugdige: false,
        velden: &[
            v("contract", Tekst),
            v("datum", Datum),
            v("tot_en_met", Datum),
        ],
        uitleg: "een verlengingsoptie gebruikt: het contract loopt tot en met tot_en_met",
    },
    TypeSpec {
        event_type: "ContractBeeindigd",
        jeugdige: false,
        velden: &[
            v("contract", Tekst),
            v("tot_en_met", Datum),
            v("reden", Tekst),
        ],
        uitleg: "het contract eindigt eerder: tot_en_met is de laatste dag",
    },
    TypeSpec {
        event_type: "PrestatieafspraakVastgelegd",
        jeugdige: false,
        velden: AFSPRAAK_VASTGELEGD,
        uitleg: "een prestatieafspraak: CAPACITEIT (richting, punten datum:plaatsen;…, vorm/regime) of NORM (kpi, van, tot_en_met, min en/of max)",
    },
    TypeSpec {
        event_type: "PrestatieafspraakGewijzigd",
        jeugdige: false,
        velden: AFSPRAAK_GEWIJZIGD,
        uitleg: "een afspraak heronderhandeld: vanaf datum geldt deze inhoud (kolommen als bij PrestatieafspraakVastgelegd)",
    },
    TypeSpec {
        event_type: "BudgetVastgesteld",
        jeugdige: false,
        velden: &[
            v("jeugdregio", Tekst),
            v("jaar", Jaar),
            v("segment", Keuze(BUDGETSEGMENTEN)),
            v("bedrag", Bedrag),
        ],
        uitleg: "het budget van een jeugdregio voor een segment in een kalenderjaar, in euro's (vervangt een eerder)",
    },
    TypeSpec {
        event_type: "BudgetVerschoven",
        jeugdige: false,
        velden: &[
            v("jeugdregio", Tekst),
            v("jaar", Jaar),
            v("van", Keuze(BUDGETSEGMENTEN)),
            v("naar", Keuze(BUDGETSEGMENTEN)),
            v("bedrag", Bedrag),
            v("datum", Datum),
            v("reden", Tekst),
        ],
        uitleg: "een deel van het budget van een jaar gaat vanaf datum van het ene segment naar het andere",
    },
    TypeSpec {
        event_type: "JeugdigeGeregistreerd",
        jeugdige: true,
        velden: &[
            v("geboortejaar", Jaar),
            v("geslacht", Keuze(GESLACHTEN)),
            v("woongemeente", Tekst),
            v("datum", Datum),
        ],
        uitleg: "een jeugdige (alleen geboortejaar, nooit de geboortedatum)",
    },
    TypeSpec {
        event_type: "WoongemeenteGewijzigd",
        jeugdige: true,
        velden: &[v("woongemeente", Tekst), v("datum", Datum)],
        uitleg: "de woongemeente (woonplaatsbeginsel) wijzigt",
    },
    TypeSpec {
        event_type: "MachtigingAfgegeven",
        jeugdige: true,
        velden: &[
            v("machtiging", Tekst),
            v("soort", Keuze(MACHTIGINGSOORTEN)),
            v("geldig_van", Datum),
            v("geldig_tot", Datum),
            v("aangevraagd_door", Tekst),
        ],
        uitleg: "een machtiging (geldig_tot is de laatste geldige dag)",
    },
    TypeSpec {
        event_type: "MachtigingBeeindigd",
        jeugdige: true,
        velden: &[v("machtiging", Tekst), v("datum", Datum), v("reden", Tekst)],
        uitleg: "een machtiging eindigt eerder (datum: eerste dag niet meer geldig)",
    },
    TypeSpec {
        event_type: "PlaatsingGestart",
        jeugdige: true,
        velden: &[
            v("voorziening", Tekst),
            v("datum", Datum),
            v("spoed", JaNee),
            v("crisis", JaNee),
            v("verblijf_voor", Keuze(VERBLIJFPLAATSEN)),
            opt("verzoek", Tekst),
            opt("overbrugging", JaNee),
        ],
        uitleg: "een plaatsing begint (verzoek: het plaatsingsverzoek dat zij vervult; overbrugging: een overbruggingsplek)",
    },
    TypeSpec {
        event_type: "Doorgeplaatst",
        jeugdige: true,
        velden: &[
            v("van", Tekst),
            v("naar", Tekst),
            v("datum", Datum),
            v("reden", Tekst),
            v("tegen_wens_jeugdige", JaNee),
            v("tegen_wens_aanbieder", JaNee),
            opt("verzoek", Tekst),
            opt("overbrugging", JaNee),
        ],
        uitleg: "een doorplaatsing van de ene voorziening naar de andere (verzoek, overbrugging: als bij PlaatsingGestart)",
    },
    TypeSpec {
        event_type: "PlaatsingBeeindigd",
        jeugdige: true,
        velden: &[
            opt("voorziening", Tekst),
            v("datum", Datum),
            v("bestemming", Keuze(VERBLIJFPLAATSEN)),
            v("reden", Tekst),
            opt("reden_beeindiging", Keuze(REDENEN_BEEINDIGING)),
        ],
        uitleg: "uitstroom (datum: eerste dag niet meer in de voorziening)",
    },
    TypeSpec {
        event_type: "PlaatsingsverzoekIngediend",
        jeugdige: true,
        velden: &[
            v("verzoek", Tekst),
            v("datum", Datum),
            v("verwijzer", Keuze(VERWIJZERS)),
            v("urgentie", Keuze(URGENTIES)),
            v("vorm", Keuze(VORMEN)),
            v("regime", Keuze(REGIMES)),
            v("jeugdregio", Tekst),
        ],
        uitleg: "een plaatsingsverzoek: de vorm en het regime die passen",
    },
    TypeSpec {
        event_type: "JeugdigeAangemeld",
        jeugdige: true,
        velden: &[
            v("verzoek", Tekst),
            v("aanbieder", Tekst),
            opt("voorziening", Tekst),
            v("datum", Datum),
        ],
        uitleg: "het verzoek aangemeld bij een aanbieder (of een voorziening daarvan)",
    },
    TypeSpec {
        event_type: "PlaatsAangeboden",
        jeugdige: true,
        velden: &[
            v("verzoek", Tekst),
            v("voorziening", Tekst),
            v("datum", Datum),
        ],
        uitleg: "een aanbieder biedt een plek aan",
    },
    TypeSpec {
        event_type: "AanmeldingGeweigerd",
        jeugdige: true,
        velden: &[
            v("verzoek", Tekst),
            v("aanbieder", Tekst),
            v("datum", Datum),
            v("reden", Keuze(WEIGERINGSREDENEN)),
            opt("toelichting", Tekst),
        ],
        uitleg: "een aanbieder weigert de aanmelding (toelichting: vrije tekst, versleuteld opgeslagen)",
    },
    TypeSpec {
        event_type: "PlaatsingsverzoekIngetrokken",
        jeugdige: true,
        velden: &[
            v("verzoek", Tekst),
            v("datum", Datum),
            v("reden", Keuze(INTREKKINGSREDENEN)),
            opt("toelichting", Tekst),
        ],
        uitleg: "het verzoek ingetrokken zonder plaatsing (toelichting: vrije tekst, versleuteld opgeslagen)",
    },
    TypeSpec {
        event_type: "JeugdigeOnttrokken",
        jeugdige: true,
        velden: &[opt("voorziening", Tekst), v("datum", Datum)],
        uitleg: "de jeugdige onttrekt zich aan de lopende plaatsing",
    },
    TypeSpec {
        event_type: "JeugdigeTeruggekeerd",
        jeugdige: true,
        velden: &[v("datum", Datum)],
        uitleg: "de onttrekking eindigt: de jeugdige is terug",
    },
    TypeSpec {
        event_type: "MaatregelToegepast",
        jeugdige: true,
        velden: &[
            v("maatregel", Tekst),
            v("soort", Keuze(MAATREGELSOORTEN)),
            v("voorziening", Tekst),
            v("begin", Tijdstip),
            v("eind", Tijdstip),
            opt("toelichting", Tekst),
        ],
        uitleg: "een vrijheidsbeperkende maatregel van begin tot eind (JJJJ-MM-DD UU:MM; toelichting: vrije tekst, versleuteld opgeslagen)",
    },
    TypeSpec {
        event_type: "FeitGecorrigeerd",
        jeugdige: false,
        velden: &[v("vervangt", Id), v("reden", Tekst), v("nieuw_type", Tekst)],
        uitleg: "een eerder feit vervangen; de nieuwe inhoud in de kolommen nieuw_<veld>",
    },
    TypeSpec {
        event_type: "FeitIngetrokken",
        jeugdige: false,
        velden: &[v("ingetrokken_event_id", Id), v("reden", Tekst)],
        uitleg: "een eerder feit intrekken (payloadveld `event_id`; de kolom heet anders omdat `event_id` het id van dit record is)",
    },
];

/// The columns of an agreement (`PrestatieafspraakVastgelegd`); the capacity columns
/// (`richting`, `punten`, `vorm`, `regime`) or the norm columns (`kpi`, `van`,
/// `tot_en_met`, `min`, `max`) by `soort`.
const AFSPRAAK_VASTGELEGD: &[Veld] = &[
    v("contract", Tekst),
    v("afspraak", Tekst),
    v("datum", Datum),
    v("soort", Keuze(AFSPRAAKSOORTEN)),
    opt("richting", Keuze(RICHTINGEN)),
    opt("punten", Punten),
    opt("vorm", Keuze(VORMEN)),
    opt("regime", Keuze(REGIMES)),
    opt("kpi", Keuze(NORMKPIS)),
    opt("van", Datum),
    opt("tot_en_met", Datum),
    opt("min", Decimaal),
    opt("max", Decimaal),
    opt("toelichting", Tekst),
];

/// As [`AFSPRAAK_VASTGELEGD`], with the `reden` of the change instead of a `toelichting`.
const AFSPRAAK_GEWIJZIGD: &[Veld] = &[
    v("contract", Tekst),
    v("afspraak", Tekst),
    v("datum", Datum),
    v("soort", Keuze(AFSPRAAKSOORTEN)),
    opt("richting", Keuze(RICHTINGEN)),
    opt("punten", Punten),
    opt("vorm", Keuze(VORMEN)),
    opt("regime", Keuze(REGIMES)),
    opt("kpi", Keuze(NORMKPIS)),
    opt("van", Datum),
    opt("tot_en_met", Datum),
    opt("min", Decimaal),
    opt("max", Decimaal),
    v("reden", Tekst),
];

/// Meta columns, in template order after `type` and the youth columns.
pub const META_NA: &[&str] = &["event_id", "geregistreerd_op", "bron"];

/// The format of a type; the name is matched without regard to case (spreadsheets).
pub fn spec(event_type: &str) -> Option<&'static TypeSpec> {
    SPECS
        .iter()
        .find(|s| s.event_type.eq_ignore_ascii_case(event_type))
}

/// Whether `naam` is an amount column (in euros) of some type.
pub fn is_bedrag(naam: &str) -> bool {
    SPECS
        .iter()
        .flat_map(|s| s.velden)
        .any(|v| v.soort == Bedrag && v.naam == naam)
}

/// All type names, for "valid values are …" messages.
pub fn type_namen() -> String {
    SPECS
        .iter()
        .map(|s| s.event_type)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A field error. Messages never echo a value unmasked (see [`redact`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VeldFout(pub String);

fn fout(msg: impl Into<String>) -> VeldFout {
    VeldFout(msg.into())
}

/// Parses a date as written in Dutch spreadsheets or ISO 8601.
pub fn parse_datum(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    // The usual `JJJJ-MM-DD` without chrono's format parser (a hot spot in large files).
    if let [j1, j2, j3, j4, b'-', m1, m2, b'-', d1, d2] = s.as_bytes()
        && [j1, j2, j3, j4, m1, m2, d1, d2]
            .iter()
            .all(|c| c.is_ascii_digit())
    {
        let n = |cs: &[&u8]| cs.iter().fold(0u32, |a, c| a * 10 + u32::from(**c - b'0'));
        let jaar = i32::try_from(n(&[j1, j2, j3, j4])).ok()?;
        return NaiveDate::from_ymd_opt(jaar, n(&[m1, m2]), n(&[d1, d2]));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .ok()
}

/// Parses `geregistreerd_op`: RFC 3339, or a date meaning 00:00 UTC.
pub fn parse_tijdstip(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    parse_datum(s)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn parse_ja_nee(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "ja" | "j" | "true" | "1" | "waar" | "yes" | "y" => Some(true),
        "nee" | "n" | "false" | "0" | "onwaar" | "no" => Some(false),
        _ => None,
    }
}

/// One checked field value, written into the JSON text [`bouw`] decodes.
#[derive(Debug, Clone)]
enum Waarde<'a> {
    Null,
    Tekst(&'a str),
    Code(&'static str),
    Getal(u32),
    Bool(bool),
    Datum(NaiveDate),
    Id(Uuid),
    /// An amount in eurocents.
    Cent(i64),
    Decimaal(f64),
    Tijdstip(NaiveDateTime),
    Lijst(Vec<&'a str>),
    /// A guarantee without its product: places or a percentage.
    Garantie(Option<u32>, Option<u8>),
    Garanties(Vec<Volumegarantie>),
    Punten(Vec<Capaciteitspunt>),
}

impl Waarde<'_> {
    fn json(&self) -> Value {
        match self {
            Waarde::Cent(c) => Value::from(*c),
            Waarde::Decimaal(d) => Value::from(*d),
            Waarde::Tijdstip(t) => Value::String(t.format("%Y-%m-%dT%H:%M:%S").to_string()),
            Waarde::Lijst(l) => Value::from(l.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>()),
            Waarde::Garantie(plaatsen, procent) => serde_json::json!({
                "plaatsen": plaatsen,
                "bezettingsaandeel_procent": procent,
            }),
            Waarde::Garanties(g) => serde_json::to_value(g).unwrap_or(Value::Null),
            Waarde::Punten(p) => serde_json::to_value(p).unwrap_or(Value::Null),
            Waarde::Null => Value::Null,
            Waarde::Tekst(t) => Value::String((*t).to_owned()),
            Waarde::Code(c) => Value::String((*c).to_owned()),
            Waarde::Getal(n) => Value::from(*n),
            Waarde::Bool(b) => Value::Bool(*b),
            Waarde::Datum(d) => Value::String(d.format("%Y-%m-%d").to_string()),
            Waarde::Id(u) => Value::String(u.to_string()),
        }
    }

    /// Appends the value as JSON to `out` (by hand: `format!` was a noticeable part of
    /// reading a large file).
    fn schrijf(&self, out: &mut String) {
        match self {
            Waarde::Null => out.push_str("null"),
            Waarde::Tekst(t) => json_tekst(out, t),
            Waarde::Code(c) => json_tekst(out, c),
            Waarde::Getal(n) => push_getal(out, u64::from(*n)),
            Waarde::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Waarde::Datum(d) => {
                out.push('"');
                push_datum(out, *d);
                out.push('"');
            }
            Waarde::Id(u) => {
                out.push('"');
                out.push_str(u.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
                out.push('"');
            }
            Waarde::Cent(c) => out.push_str(&c.to_string()),
            w @ (Waarde::Decimaal(_)
            | Waarde::Tijdstip(_)
            | Waarde::Lijst(_)
            | Waarde::Garantie(..)
            | Waarde::Garanties(_)
            | Waarde::Punten(_)) => out.push_str(&w.json().to_string()),
        }
    }
}

/// Appends `n` in decimal.
pub(crate) fn push_getal(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for b in &buf[i..] {
        out.push(char::from(*b));
    }
}

/// Appends a date as `JJJJ-MM-DD` (what chrono writes and reads).
fn push_datum(out: &mut String, d: NaiveDate) {
    use chrono::Datelike as _;
    match u64::try_from(d.year()) {
        Ok(j) if (1000..=9999).contains(&j) => {
            push_getal(out, j);
            for (sep, n) in [('-', d.month()), ('-', d.day())] {
                out.push(sep);
                if n < 10 {
                    out.push('0');
                }
                push_getal(out, u64::from(n));
            }
        }
        _ => out.push_str(&d.to_string()),
    }
}

/// Appends `s` as a JSON string (quoted and escaped) to `out`.
fn json_tekst(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        // Rare (quotes, backslashes, control characters): serde_json escapes.
        out.push_str(&Value::String(s.to_owned()).to_string());
    }
}

/// Converts one field's text to its JSON value. `None` text means absent/empty.
pub fn waarde(veld: &Veld, tekst: Option<&str>) -> Result<Value, VeldFout> {
    controleer(veld, tekst).map(|w| w.json())
}

/// Checks one field's text and turns it into its value. `None` text means absent/empty.
fn controleer<'a>(veld: &Veld, tekst: Option<&'a str>) -> Result<Waarde<'a>, VeldFout> {
    let t = tekst.map(str::trim).filter(|t| !t.is_empty());
    let Some(t) = t else {
        if veld.verplicht {
            return Err(fout(format!("veld `{}` ontbreekt of is leeg", veld.naam)));
        }
        return Ok(Waarde::Null);
    };
    Ok(match veld.soort {
        Tekst => {
            if contains_bsn(t) {
                return Err(fout(format!(
                    "veld `{}` bevat iets dat op een BSN lijkt; een BSN hoort alleen in de kolom bsn",
                    veld.naam
                )));
            }
            Waarde::Tekst(t)
        }
        Datum => match parse_datum(t) {
            Some(d) => Waarde::Datum(d),
            None => {
                return Err(fout(format!(
                    "veld `{}`: `{}` is geen geldige datum (verwacht JJJJ-MM-DD of DD-MM-JJJJ)",
                    veld.naam,
                    redact(t)
                )));
            }
        },
        Aantal => match t.parse::<u32>() {
            Ok(n) => Waarde::Getal(n),
            Err(_) => {
                return Err(fout(format!(
                    "veld `{}`: `{}` is geen heel getal van 0 of meer",
                    veld.naam,
                    redact(t)
                )));
            }
        },
        Jaar => match t.parse::<u16>() {
            Ok(n) if (1900..=2100).contains(&n) => Waarde::Getal(u32::from(n)),
            _ => {
                return Err(fout(format!(
                    "veld `{}`: `{}` is geen jaartal",
                    veld.naam,
                    redact(t)
                )));
            }
        },
        JaNee => match parse_ja_nee(t) {
            Some(b) => Waarde::Bool(b),
            None => {
                return Err(fout(format!(
                    "veld `{}`: `{}` is geen ja/nee (geldig: ja, nee, true, false, 1, 0)",
                    veld.naam,
                    redact(t)
                )));
            }
        },
        Keuze(waarden) => {
            // Codes like RedenBeeindiging "2" are written without the leading zero in
            // spreadsheets.
            let gezocht = if t == "2" { "02" } else { t };
            match waarden.iter().find(|w| w.eq_ignore_ascii_case(gezocht)) {
                Some(w) => Waarde::Code(w),
                None => {
                    return Err(fout(format!(
                        "veld `{}`: onbekende waarde `{}`; geldig zijn: {}",
                        veld.naam,
                        redact(t),
                        waarden.join(", ")
                    )));
                }
            }
        }
        Id => match Uuid::parse_str(t) {
            Ok(u) => Waarde::Id(u),
            Err(_) => {
                return Err(fout(format!(
                    "veld `{}`: `{}` is geen geldige UUID",
                    veld.naam,
                    redact(t)
                )));
            }
        },
        Bedrag => {
            Waarde::Cent(parse_bedrag(t).map_err(|e| fout(format!("veld `{}`: {e}", veld.naam)))?)
        }
        Decimaal => match parse_decimaal(t) {
            Some(d) => Waarde::Decimaal(d),
            None => {
                return Err(fout(format!(
                    "veld `{}`: `{}` is geen getal (verwacht bv. 0,25 of 12.5)",
                    veld.naam,
                    redact(t)
                )));
            }
        },
        Tijdstip => match parse_moment(t) {
            Some(m) => Waarde::Tijdstip(m),
            None => {
                return Err(fout(format!(
                    "veld `{}`: `{}` is geen geldig tijdstip (verwacht JJJJ-MM-DD UU:MM)",
                    veld.naam,
                    redact(t)
                )));
            }
        },
        Lijst => {
            let mut lijst = Vec::new();
            for deel in t.split(';').map(str::trim).filter(|d| !d.is_empty()) {
                tekst_zonder_bsn(veld.naam, deel)?;
                lijst.push(deel);
            }
            if lijst.is_empty() {
                return Err(fout(format!("veld `{}` ontbreekt of is leeg", veld.naam)));
            }
            Waarde::Lijst(lijst)
        }
        Garantie => {
            let (plaatsen, procent) =
                parse_garantie(t).map_err(|e| fout(format!("veld `{}`: {e}", veld.naam)))?;
            Waarde::Garantie(plaatsen, procent)
        }
        Garanties => {
            let mut lijst = Vec::new();
            for deel in t.split(';').map(str::trim).filter(|d| !d.is_empty()) {
                let Some((product, garantie)) = deel.rsplit_once(':') else {
                    return Err(fout(format!(
                        "veld `{}`: `{}` is geen product:garantie (verwacht bv. JZP-GROEP:8 of JZP-GROEP:30%)",
                        veld.naam,
                        redact(deel)
                    )));
                };
                let product = product.trim();
                tekst_zonder_bsn(veld.naam, product)?;
                let (plaatsen, bezettingsaandeel_procent) = parse_garantie(garantie)
                    .map_err(|e| fout(format!("veld `{}`: {e}", veld.naam)))?;
                lijst.push(Volumegarantie {
                    product: product.to_owned(),
                    plaatsen,
                    bezettingsaandeel_procent,
                });
            }
            Waarde::Garanties(lijst)
        }
        Punten => {
            let mut punten = Vec::new();
            for deel in t.split(';').map(str::trim).filter(|d| !d.is_empty()) {
                let punt = deel.rsplit_once(':').and_then(|(datum, plaatsen)| {
                    Some(Capaciteitspunt {
                        datum: parse_datum(datum)?,
                        plaatsen: plaatsen.trim().parse().ok()?,
                    })
                });
                match punt {
                    Some(p) => punten.push(p),
                    None => {
                        return Err(fout(format!(
                            "veld `{}`: `{}` is geen datum:plaatsen (verwacht bv. 2025-01-01:12)",
                            veld.naam,
                            redact(deel)
                        )));
                    }
                }
            }
            Waarde::Punten(punten)
        }
    })
}

/// Refuses a text with something that looks like a BSN in it.
fn tekst_zonder_bsn(naam: &str, t: &str) -> Result<(), VeldFout> {
    if contains_bsn(t) {
        return Err(fout(format!(
            "veld `{naam}` bevat iets dat op een BSN lijkt; een BSN hoort alleen in de kolom bsn"
        )));
    }
    Ok(())
}

/// Parses an amount in euros into exact eurocents, as a spreadsheet writes it: `612,45`,
/// `612.45`, `612`, optionally after `€`. Digits only, one decimal separator, at most two
/// decimals, no thousands separator, not negative; never through a float.
pub fn parse_bedrag(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let t = t.strip_prefix('€').unwrap_or(t).trim();
    let voorbeeld = "verwacht euro's met een komma of punt voor de centen, bv. 612,45";
    if t.starts_with('-') {
        return Err(format!(
            "`{}`: een bedrag kan niet negatief zijn",
            redact(s.trim())
        ));
    }
    let (heel, centen) = match t.find([',', '.']) {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => (t, ""),
    };
    let cijfers = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if centen.contains([',', '.']) {
        return Err(format!(
            "`{}` is geen bedrag: schrijf het zonder scheidingsteken voor duizendtallen ({voorbeeld})",
            redact(s.trim())
        ));
    }
    if !cijfers(heel) || (t.len() > heel.len() && !cijfers(centen)) {
        return Err(format!(
            "`{}` is geen bedrag ({voorbeeld})",
            redact(s.trim())
        ));
    }
    if centen.len() > 2 {
        return Err(format!(
            "`{}` heeft meer dan twee decimalen: een bedrag is in hele centen (een punt of komma voor duizendtallen is niet toegestaan)",
            redact(s.trim())
        ));
    }
    let te_groot = || format!("`{}` is te groot voor een bedrag", redact(s.trim()));
    let euro: i64 = heel.parse().map_err(|_| te_groot())?;
    let cent: i64 = match centen.len() {
        0 => 0,
        1 => i64::from(centen.as_bytes()[0] - b'0') * 10,
        _ => centen.parse().map_err(|_| te_groot())?,
    };
    euro.checked_mul(100)
        .and_then(|c| c.checked_add(cent))
        .ok_or_else(te_groot)
}

/// Parses a decimal number with a comma or point (`0,25`, `-1.5`, `12`): digits, an
/// optional leading minus and one separator (no exponent, no `inf` or `NaN`).
pub fn parse_decimaal(s: &str) -> Option<f64> {
    let t = s.trim();
    let zonder_teken = t.strip_prefix('-').unwrap_or(t);
    let scheidingen = zonder_teken
        .bytes()
        .filter(|b| matches!(b, b',' | b'.'))
        .count();
    let geldig = !zonder_teken.is_empty()
        && scheidingen <= 1
        && zonder_teken
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b',' | b'.'))
        && zonder_teken.bytes().any(|b| b.is_ascii_digit());
    if !geldig {
        return None;
    }
    t.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|d| d.is_finite())
}

/// Parses a date and time: a date as [`parse_datum`] reads it, a space or `T`, and
/// `UU:MM` or `UU:MM:SS`.
pub fn parse_moment(s: &str) -> Option<NaiveDateTime> {
    let t = s.trim();
    let (datum, tijd) = t.split_once(['T', ' '])?;
    let datum = parse_datum(datum)?;
    let tijd = tijd.trim();
    let tijd = NaiveTime::parse_from_str(tijd, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(tijd, "%H:%M"))
        .ok()?;
    Some(datum.and_time(tijd))
}

/// Parses one volume guarantee: places (`12`) or a percentage (`30%`).
fn parse_garantie(s: &str) -> Result<(Option<u32>, Option<u8>), String> {
    let t = s.trim();
    if let Some(p) = t.strip_suffix('%') {
        return match p.trim().parse::<u8>() {
            Ok(p) => Ok((None, Some(p))),
            Err(_) => Err(format!(
                "`{}` is geen percentage (verwacht bv. 30%)",
                redact(t)
            )),
        };
    }
    t.parse::<u32>().map(|n| (Some(n), None)).map_err(|_| {
        format!(
            "`{}` is geen garantie: een aantal plaatsen (bv. 8) of een percentage (bv. 30%)",
            redact(t)
        )
    })
}

/// Where a record's fields come from: a CSV row or a JSON object.
pub trait Velden {
    /// The text of a field (`Ok(None)` when absent or empty).
    fn tekst(&self, naam: &str) -> Result<Option<Cow<'_, str>>, VeldFout>;
}

/// Builds the nested content of a correction from its type name (JSON Lines' nested
/// `nieuw` object).
pub type BouwNieuw<'a> = &'a dyn Fn(&str) -> Result<Gebeurtenis, VeldFout>;

/// Builds the fact of type `spec` from its fields. `prefix` is `nieuw_` for the nested
/// content of a CSV correction, `pseudoniem` the youth's for youth facts.
///
/// The checked values are written as JSON text (`{"type":…,"data":{…}}`) that serde
/// decodes into the catalogue struct: one buffer per record instead of a JSON map with
/// an allocation per key and value.
pub fn bouw(
    spec: &TypeSpec,
    velden: &dyn Velden,
    prefix: &str,
    pseudoniem: Option<&str>,
    nieuw: Option<BouwNieuw<'_>>,
) -> Result<Gebeurtenis, VeldFout> {
    // The texts first (they borrow from `velden`), then the checked values.
    let mut teksten: Vec<Option<Cow<'_, str>>> = Vec::with_capacity(spec.velden.len());
    let mut naam_buf = String::new();
    for veld in spec.velden {
        let tekst = if prefix.is_empty() {
            velden.tekst(veld.naam)?
        } else {
            naam_buf.clear();
            naam_buf.push_str(prefix);
            naam_buf.push_str(veld.naam);
            velden.tekst(&naam_buf)?
        };
        teksten.push(tekst);
    }
    let mut data: Vec<(&'static str, Waarde<'_>)> = Vec::with_capacity(spec.velden.len() + 1);
    for (veld, tekst) in spec.velden.iter().zip(&teksten) {
        let mut w = controleer(veld, tekst.as_deref()).map_err(|e| {
            if prefix.is_empty() {
                e
            } else {
                let naam = format!("{prefix}{}", veld.naam);
                fout(e.0.replacen(&format!("`{}`", veld.naam), &format!("`{naam}`"), 1))
            }
        })?;
        // Optional fields are `null` in the payload when empty; an empty optional yes/no
        // is left out, so the fact's default (no) applies.
        if !veld.verplicht && veld.soort == JaNee && matches!(w, Waarde::Null) {
            continue;
        }
        // A refusal's or withdrawal's explanation is often left blank in a coordinator's
        // list; the catalogue holds it as text, so blank is the empty text.
        if veld.naam == "toelichting" && matches!(w, Waarde::Null) {
            w = Waarde::Tekst("");
        }
        data.push((payload_naam(veld), w));
    }
    // The facts with nested content (a contract, guarantees, an agreement) are built from
    // their flat columns directly.
    if let Some(feit) = geld::bouw(spec.event_type, &mut data) {
        return feit;
    }
    let mut out = String::with_capacity(256);
    out.push_str("{\"type\":\"");
    out.push_str(spec.event_type);
    out.push_str("\",\"data\":{");
    match spec.event_type {
        "FeitIngetrokken" => {
            if let Some(id) = neem(&mut data, "ingetrokken_event_id") {
                data.push(("event_id", id));
            }
        }
        "JeugdigeGeregistreerd" => {
            let p = pseudoniem.ok_or_else(|| fout("pseudoniem of bsn ontbreekt"))?;
            data.push(("pseudoniem", Waarde::Tekst(p)));
        }
        "CapaciteitsdoelVastgesteld" => {
            let niveau = neem(&mut data, "scope_niveau").unwrap_or(Waarde::Null);
            let code = neem(&mut data, "scope_code").unwrap_or(Waarde::Null);
            let niveau_code = match &niveau {
                Waarde::Code(c) => Some(*c),
                _ => None,
            };
            out.push_str("\"scope\":{");
            match (niveau_code, &code) {
                (Some("LANDELIJK"), Waarde::Null) => {}
                (Some("LANDELIJK"), _) => {
                    return Err(fout("scope_code moet leeg zijn bij scope_niveau LANDELIJK"));
                }
                (Some(_), Waarde::Null) => {
                    return Err(fout(
                        "scope_code ontbreekt (verplicht bij LANDSDEEL, JEUGDREGIO en AANBIEDER)",
                    ));
                }
                (_, code) => {
                    out.push_str("\"code\":");
                    code.schrijf(&mut out);
                    out.push(',');
                }
            }
            out.push_str("\"niveau\":");
            niveau.schrijf(&mut out);
            out.push('}');
            if !data.is_empty() {
                out.push(',');
            }
        }
        "FeitGecorrigeerd" => {
            let nieuw_type = match neem(&mut data, "nieuw_type") {
                Some(Waarde::Tekst(t)) => t,
                _ => "",
            };
            let nieuw_spec = match spec_van(nieuw_type) {
                Some(s) if !matches!(s.event_type, "FeitGecorrigeerd" | "FeitIngetrokken") => s,
                _ => {
                    return Err(fout(format!(
                        "nieuw_type `{}` is geen type dat gecorrigeerd kan worden; geldig zijn de andere types: {}",
                        redact(nieuw_type),
                        type_namen()
                    )));
                }
            };
            let inhoud = match nieuw {
                Some(f) => f(nieuw_spec.event_type)?,
                None => bouw(nieuw_spec, velden, "nieuw_", pseudoniem, None)?,
            };
            let inhoud = serde_json::to_string(&inhoud)
                .map_err(|e| fout(format!("nieuwe inhoud onbruikbaar: {e}")))?;
            out.push_str("\"nieuw\":");
            out.push_str(&inhoud);
            if !data.is_empty() {
                out.push(',');
            }
        }
        _ => {}
    }
    for (i, (naam, w)) in data.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_tekst(&mut out, naam);
        out.push(':');
        w.schrijf(&mut out);
    }
    out.push_str("}}");
    serde_json::from_str::<Gebeurtenis>(&out).map_err(|e| {
        // The fields were checked one by one; what is left is a combination the catalogue
        // refuses. serde's message names fields, not values.
        fout(format!("{} kan niet gemaakt worden: {e}", spec.event_type))
    })
}

/// The payload field of a column: an amount column `x` (in euros) is the field `x_cent`.
fn payload_naam(veld: &Veld) -> &'static str {
    match (veld.soort, veld.naam) {
        (Bedrag, "bedrag") => "bedrag_cent",
        (Bedrag, "budgetplafond") => "budgetplafond_cent",
        (_, naam) => naam,
    }
}

/// Takes the value of `naam` out of `data`.
fn neem<'a>(data: &mut Vec<(&'static str, Waarde<'a>)>, naam: &str) -> Option<Waarde<'a>> {
    data.iter()
        .position(|(n, _)| *n == naam)
        .map(|i| data.remove(i).1)
}

fn spec_van(naam: &str) -> Option<&'static TypeSpec> {
    spec(naam.trim())
}

/// Names the youth-fact columns and the types for the docs.
pub fn is_jeugdige_type(event_type: &str) -> bool {
    spec(event_type).is_some_and(|s| s.jeugdige)
}

/// The catalogue types that have no record format: the access log is written by the API
/// itself, an erasure is an administrator's act that also deletes a key (`kringloop
/// wis`, the `wisJeugdige` mutation), and the link to a migrated log is written once by
/// `kringloop versleutel`: never a line in a file.
const NIET_IMPORTEERBAAR: [&str; 3] =
    ["PersoonsgegevensIngezien", "JeugdigeGewist", "LogOvergezet"];

const fn niet_importeerbaar(name: &str) -> bool {
    let mut i = 0;
    while i < NIET_IMPORTEERBAAR.len() {
        if str_eq(NIET_IMPORTEERBAAR[i], name) {
            return true;
        }
        i += 1;
    }
    false
}

// A real compile-time check: the build stops here when an event type is added to the
// catalogue (`Gebeurtenis::TYPES`) without a record format in `SPECS`, or when `SPECS`
// names a type the catalogue does not have. A `const` assertion, because a test can be
// skipped and the old `#[allow(dead_code)]` function was never called by the build.
const _: () = assert!(
    specs_match_the_catalogue(),
    "SPECS and Gebeurtenis::TYPES differ: give every importable event type a record format"
);

/// Whether `SPECS` holds exactly the importable catalogue types (a `const fn`, so it can
/// run in the assertion above).
const fn specs_match_the_catalogue() -> bool {
    let types = Gebeurtenis::TYPES;
    let mut importable = 0;
    let mut i = 0;
    while i < types.len() {
        let name = types[i].0;
        if !niet_importeerbaar(name) {
            importable += 1;
            if !has_spec(name) {
                return false;
            }
        }
        i += 1;
    }
    let mut j = 0;
    while j < SPECS.len() {
        if niet_importeerbaar(SPECS[j].event_type) || !is_catalogue_type(SPECS[j].event_type) {
            return false;
        }
        j += 1;
    }
    importable == SPECS.len()
}

const fn has_spec(name: &str) -> bool {
    let mut j = 0;
    while j < SPECS.len() {
        if str_eq(SPECS[j].event_type, name) {
            return true;
        }
        j += 1;
    }
    false
}

const fn is_catalogue_type(name: &str) -> bool {
    let types = Gebeurtenis::TYPES;
    let mut i = 0;
    while i < types.len() {
        if str_eq(types[i].0, name) {
            return true;
        }
        i += 1;
    }
    false
}

/// `&str` equality in a `const fn` (`PartialEq` is not const yet).
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

mod geld;

#[cfg(test)]
mod tests;
