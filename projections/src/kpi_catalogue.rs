//! The KPI catalogue: every KPI of a [`crate::KpiReport`] once, with its key (the field
//! name in the GraphQL `KpiRapport`), Dutch label, unit, a one-line definition and its
//! section in `docs/kpis.md`; and the headline figures (the dashboard's tiles), each one
//! number taken from a KPI.
//!
//! The GraphQL schema, the CLI (`kringloop kpi`) and the dashboard read their names,
//! labels and units here; tests hold `docs/kpis.md` and the schema to it
//! (`graphql/tests/kpi_documentatie.rs`).

/// What kind of number a KPI or figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A count of youths, placements, authorisations, facilities or signals.
    Count,
    /// A share teller ÷ noemer.
    Share,
    /// A length of stay in days.
    Days,
    /// Places (capacity), a count of beds rather than persons.
    Places,
    /// A table of places, form × regime.
    Table,
    /// Several related figures (stocks and flows, places against a target, …).
    Composite,
}

impl Unit {
    /// The unit as tables and CSV headers show it ("aantal", "%", "dagen").
    pub const fn eenheid(self) -> &'static str {
        match self {
            Unit::Count => "aantal",
            Unit::Share => "%",
            Unit::Days => "dagen",
            Unit::Places => "plaatsen",
            Unit::Table => "tabel",
            Unit::Composite => "samengesteld",
        }
    }
}

/// One KPI of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KpiEntry {
    /// The field name in the GraphQL `KpiRapport` (camelCase of the report's field).
    pub key: &'static str,
    /// The Dutch name in running text and in the CLI.
    pub label: &'static str,
    pub unit: Unit,
    /// One line; where the schema describes the field, the same text.
    pub definition: &'static str,
    /// The anchor of its section in `docs/kpis.md`.
    pub anchor: &'static str,
}

impl KpiEntry {
    /// The link to its section, relative to the repository root.
    pub fn doc_link(&self) -> String {
        format!("docs/kpis.md#{}", self.anchor)
    }
}

macro_rules! kpis {
    ($($konst:ident = $key:literal, $label:literal, $unit:ident, $anchor:literal,
        $definition:literal;)*) => {
        $(
            #[doc = $definition]
            pub const $konst: KpiEntry = KpiEntry {
                key: $key,
                label: $label,
                unit: Unit::$unit,
                definition: $definition,
                anchor: $anchor,
            };
        )*
        /// Every KPI, in the order of the report and the schema.
        pub const KPIS: &[KpiEntry] = &[$($konst),*];
    };
}

kpis! {
    PLAATSEN = "plaatsen", "plaatsen", Table, "plaatsen",
        "Capacity at the peildatum, vorm × regime.";
    OPBOUW = "opbouw", "opbouw", Table, "opbouw",
        "Places added in P (opened + converted in), vorm × regime.";
    AFBOUW = "afbouw", "afbouw", Table, "afbouw",
        "Places removed in P (closed + converted out + facility closed), vorm × regime.";
    BALANS = "balans", "balans", Composite, "balans",
        "Opbouw of alternatives against afbouw of GESLOTEN.";
    DOELAFWIJKING = "doelafwijking", "doelafwijking", Composite, "doelafwijking",
        "Places at the peildatum against the capacity target for the filter's scope.";
    BEZETTING = "bezetting", "bezetting", Composite, "bezetting-bezettingsgraad",
        "Active placements and occupancy rate at the peildatum, and over the period.";
    PLAATSINGEN = "plaatsingen", "plaatsingen", Count, "plaatsingen",
        "Placements starting an episode in P, without and with doorplaatsingen.";
    UNIEKE_JEUGDIGEN = "uniekeJeugdigen", "unieke jeugdigen", Count, "uniekejeugdigen",
        "Distinct youths with a placement or doorplaatsing in P.";
    SPOEDMACHTIGINGEN = "spoedmachtigingen", "spoedmachtigingen", Count, "spoedmachtigingen",
        "Spoedmachtigingen granted in P.";
    SPOEDAANDEEL = "spoedaandeel", "spoedaandeel", Share, "spoedaandeel",
        "Closed placements starting in P with a spoedmachtiging as basis ÷ all of them.";
    DOORPLAATSINGEN = "doorplaatsingen", "doorplaatsingen", Composite, "doorplaatsingen",
        "Doorplaatsingen in P, per youth, and the 365-day cohort share.";
    STROOM_EPISODES = "stroomEpisodes", "episodes", Composite,
        "stroomepisodes-and-stroomtrajecten-instroom-uitstroom-lopend",
        "Begin + instroom − uitstroom = eind, of episodes.";
    STROOM_TRAJECTEN = "stroomTrajecten", "CBS-trajecten", Composite,
        "stroomepisodes-and-stroomtrajecten-instroom-uitstroom-lopend",
        "Begin + instroom − uitstroom = eind, of CBS trajectories.";
    UITSTROOM_NAAR_LICHTERE_ZORG = "uitstroomNaarLichtereZorg",
        "uitstroom naar lichtere zorg", Share, "uitstroomnaarlichterezorg",
        "Episodes ended in P to a lighter destination ÷ those with a known destination.";
    VERBLIJFSDUUR = "verblijfsduur", "verblijfsduur", Days, "verblijfsduur",
        "Length of stay of the episodes ended in P: mean, median, p90.";
    LANGVERBLIJVERS = "langverblijvers", "langverblijvers", Count, "langverblijvers",
        "Episodes active at the peildatum that started ≥ 548 days before it.";
    SIGNALEN = "signalen", "signalen", Count, "signalen",
        "Flagged norm breaches in P, each subject once.";
}

/// The KPI with this key (the GraphQL field name).
pub fn kpi(key: &str) -> Option<&'static KpiEntry> {
    KPIS.iter().find(|k| k.key == key)
}

/// A headline figure: one number of a KPI, as the dashboard's tiles show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    /// Stable id (HTML ids, CSV).
    pub id: &'static str,
    /// The KPI it is taken from.
    pub kpi: &'static KpiEntry,
    /// The Dutch label of the tile.
    pub label: &'static str,
    pub unit: Unit,
    /// One line under the tile.
    pub explanation: &'static str,
}

macro_rules! figures {
    ($($konst:ident = $id:literal, $kpi:ident, $label:literal, $unit:ident,
        $explanation:literal;)*) => {
        $(
            pub const $konst: Figure = Figure {
                id: $id,
                kpi: &$kpi,
                label: $label,
                unit: Unit::$unit,
                explanation: $explanation,
            };
        )*
        /// Every headline figure, in the order of the dashboard.
        pub const HEADLINE: &[Figure] = &[$($konst),*];
    };
}

figures! {
    TEGEL_SPOEDMACHTIGINGEN = "spoedmachtigingen", SPOEDMACHTIGINGEN, "Spoedmachtigingen",
        Count, "afgegeven in de periode";
    TEGEL_SPOEDAANDEEL = "spoedaandeel", SPOEDAANDEEL, "Spoedaandeel", Share,
        "gesloten plaatsingen gestart op een spoedmachtiging";
    TEGEL_PLAATSINGEN_EXCL = "plaatsingen-excl", PLAATSINGEN, "Plaatsingen", Count,
        "nieuwe episodes, exclusief doorplaatsingen";
    TEGEL_PLAATSINGEN_INCL = "plaatsingen-incl", PLAATSINGEN,
        "Plaatsingen incl. doorplaatsingen", Count, "nieuwe episodes plus doorplaatsingen";
    TEGEL_DOORPLAATSINGEN = "doorplaatsingen", DOORPLAATSINGEN, "Doorplaatsingen", Count,
        "van de ene naar de andere voorziening";
    TEGEL_UITSTROOM_LICHTER = "uitstroom-lichter", UITSTROOM_NAAR_LICHTERE_ZORG,
        "Uitstroom naar lichtere zorg", Share,
        "van de beëindigde episodes met bekende bestemming";
    TEGEL_BEZETTINGSGRAAD = "bezettingsgraad", BEZETTING, "Bezettingsgraad gesloten", Share,
        "bezette ÷ beschikbare gesloten plaatsen op de peildatum; levensvatbaar vanaf 90 %";
    TEGEL_VERBLIJFSDUUR = "verblijfsduur", VERBLIJFSDUUR, "Verblijfsduur (mediaan)", Days,
        "van de episodes die in de periode eindigden";
    TEGEL_SIGNALEN = "signalen", SIGNALEN, "Signalen", Count,
        "overbezetting, zonder machtiging, spoed > 28 dagen, doorplaatsing";
}

/// The request-side KPIs (`Projection::vraag`, the GraphQL `vraag` and `vraagReeks`
/// fields, `docs/kpis.md` "Vraag"): not in the `KpiRapport`, so listed apart; each key is
/// the field name in the GraphQL `VraagRapport`.
pub const VRAAG_KPIS: &[KpiEntry] = &[
    KpiEntry {
        key: "wachtenden",
        label: "wachtenden",
        unit: Unit::Composite,
        definition: "Unique youths with an open request at the peildatum; the stock-flow of requests.",
        anchor: "wachtenden",
    },
    KpiEntry {
        key: "wachttijd",
        label: "wachttijd",
        unit: Unit::Days,
        definition: "Request to placement of the requests fulfilled in P: mean, median, p90, within the norm.",
        anchor: "wachttijd",
    },
    KpiEntry {
        key: "aanmeldingenPerVerzoek",
        label: "aanmeldingen per verzoek",
        unit: Unit::Composite,
        definition: "Distinct providers per request closed in P; registrations dated in P.",
        anchor: "aanmeldingenperverzoek",
    },
    KpiEntry {
        key: "afwijzingen",
        label: "afwijzingen",
        unit: Unit::Count,
        definition: "Refusals dated in P, by reason and by provider.",
        anchor: "afwijzingen",
    },
    KpiEntry {
        key: "passendGeplaatst",
        label: "passend geplaatst",
        unit: Unit::Share,
        definition: "Requests fulfilled in P in the needed form and regime ÷ all fulfilled.",
        anchor: "passendgeplaatst",
    },
    KpiEntry {
        key: "benodigdeCapaciteit",
        label: "benodigde capaciteit",
        unit: Unit::Places,
        definition: "Places needed per form and regime from inflow and stay, against capacity and target.",
        anchor: "benodigdecapaciteit",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ids_and_anchors_are_well_formed() {
        let mut keys: Vec<&str> = KPIS.iter().map(|k| k.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), KPIS.len(), "a KPI key is used twice");
        for k in KPIS {
            assert!(
                k.key.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}",
                k.key
            );
            assert!(
                k.anchor
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                k.anchor
            );
            assert_eq!(kpi(k.key), Some(k));
        }
        let mut ids: Vec<&str> = HEADLINE.iter().map(|f| f.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), HEADLINE.len(), "a figure id is used twice");
        assert!(HEADLINE.iter().all(|f| kpi(f.kpi.key).is_some()));
    }
}
