//! The template files in `crates/import/templates/` (one CSV and one JSON Lines file per
//! kind of fact), generated from [`crate::formaat::SPECS`] and the example rows below so
//! that documentation and parser cannot drift apart. A test compares the files with this
//! output; `KRINGLOOP_TEMPLATES_SCHRIJVEN=1 cargo test -p kringloop-import templates`
//! rewrites them.
//!
//! The examples tell one consistent story (Zuid-West, Horizon and Schakenbosch, one youth
//! with a test BSN), so that importing all templates in [`ORDER`] into an empty log is
//! accepted by the domain rules: the integration tests do exactly that.

use serde_json::Value;

use crate::formaat::{self, META_NA, Soort, TypeSpec};
use crate::lijst::{self, LIJST_TYPE};

/// The youth of the examples: a test BSN (999900006–999999990 range, passes the elfproef).
pub const EXAMPLE_BSN: &str = "999900006";

/// Fixed event ids in the examples, so that the correction and retraction examples can
/// point at them.
pub const ID_VERHUIZING: &str = "01900000-0000-7000-8000-000000000001";
pub const ID_VERGISSING: &str = "01900000-0000-7000-8000-000000000002";

/// The placement requests of the examples (ids unique within the youth's stream).
pub const VERZOEK_SPOED: &str = "RMD-2024-017";
pub const VERZOEK_AFSCHALING: &str = "RMD-2024-052";
pub const VERZOEK_INGETROKKEN: &str = "RMD-2024-101";

/// The contracts of the examples: Rijnmond and Haaglanden with Horizon (closed and open
/// residential care, per day), Haaglanden with Schakenbosch (family homes, a task budget).
pub const CONTRACT_HORIZON: &str = "RMD-JZP-2024";
pub const CONTRACT_SCHAKENBOSCH: &str = "HGL-GZH-2024";

/// The order in which the templates build on each other.
pub const ORDER: &[&str] = &[
    "LandsdeelGeregistreerd",
    "JeugdregioGeregistreerd",
    "GemeenteGeregistreerd",
    "AanbiederGeregistreerd",
    "VoorzieningGeregistreerd",
    "PlaatsenGeopend",
    "PlaatsenGesloten",
    "PlaatsenOmgebouwd",
    "VoorzieningGesloten",
    "CapaciteitsdoelVastgesteld",
    "ContractGesloten",
    "TariefGeindexeerd",
    "VolumegarantieGewijzigd",
    "BudgetplafondGewijzigd",
    "PrestatieafspraakVastgelegd",
    "PrestatieafspraakGewijzigd",
    "ContractVerlengd",
    "ContractBeeindigd",
    "BudgetVastgesteld",
    "BudgetVerschoven",
    "JeugdigeGeregistreerd",
    "MachtigingAfgegeven",
    "MachtigingBeeindigd",
    "PlaatsingsverzoekIngediend",
    "JeugdigeAangemeld",
    "AanmeldingGeweigerd",
    "PlaatsAangeboden",
    "PlaatsingGestart",
    "Doorgeplaatst",
    "PlaatsingBeeindigd",
    "PlaatsingsverzoekIngetrokken",
    "JeugdigeOnttrokken",
    "JeugdigeTeruggekeerd",
    "MaatregelToegepast",
    "WoongemeenteGewijzigd",
    "FeitGecorrigeerd",
    "FeitIngetrokken",
];

type Row = &'static [(&'static str, &'static str)];

/// The format of a template: a catalogue type or the coordinator's list.
fn spec_of(event_type: &str) -> Option<&'static TypeSpec> {
    if event_type.eq_ignore_ascii_case(LIJST_TYPE) {
        return Some(&lijst::SPEC);
    }
    formaat::spec(event_type)
}

/// Example rows per type (column → value; meta columns included where used).
pub fn examples(event_type: &str) -> &'static [Row] {
    match event_type {
        "LandsdeelGeregistreerd" => &[&[("code", "ZUID_WEST"), ("naam", "Zuid-West")]],
        "JeugdregioGeregistreerd" => &[
            &[
                ("code", "RIJNMOND"),
                ("naam", "Rijnmond"),
                ("landsdeel", "ZUID_WEST"),
            ],
            &[
                ("code", "HAAGLANDEN"),
                ("naam", "Haaglanden"),
                ("landsdeel", "ZUID_WEST"),
            ],
        ],
        "GemeenteGeregistreerd" => &[
            &[
                ("code", "GM0599"),
                ("naam", "Rotterdam"),
                ("jeugdregio", "RIJNMOND"),
            ],
            &[
                ("code", "GM0518"),
                ("naam", "'s-Gravenhage"),
                ("jeugdregio", "HAAGLANDEN"),
            ],
        ],
        "AanbiederGeregistreerd" => &[
            &[("id", "HORIZON"), ("naam", "Horizon")],
            &[("id", "SCHAKENBOSCH"), ("naam", "Schakenbosch")],
        ],
        "VoorzieningGeregistreerd" => &[
            &[
                ("id", "HZN-DE-BRUG"),
                ("aanbieder", "HORIZON"),
                ("naam", "De Brug"),
                ("gemeente", "GM0599"),
                ("vorm", "GROEP"),
                ("regime", "GESLOTEN"),
                ("datum", "2019-01-01"),
                ("bron", "contractregister Rijnmond"),
            ],
            &[
                ("id", "HZN-KLEINE-HAVEN"),
                ("aanbieder", "HORIZON"),
                ("naam", "De Kleine Haven"),
                ("gemeente", "GM0599"),
                ("vorm", "KLEINSCHALIG"),
                ("regime", "OPEN"),
                ("datum", "2023-01-01"),
            ],
            &[
                ("id", "HZN-OUDE-VILLA"),
                ("aanbieder", "HORIZON"),
                ("naam", "De Oude Villa"),
                ("gemeente", "GM0599"),
                ("vorm", "GROEP"),
                ("regime", "OPEN"),
                ("datum", "2019-01-01"),
            ],
            &[
                ("id", "SKB-DE-LINDE"),
                ("aanbieder", "SCHAKENBOSCH"),
                ("naam", "De Linde"),
                ("gemeente", "GM0518"),
                ("vorm", "GEZINSHUIS"),
                ("regime", "OPEN"),
                ("datum", "2020-09-01"),
            ],
        ],
        "PlaatsenGeopend" => &[
            &[
                ("voorziening", "HZN-DE-BRUG"),
                ("datum", "2019-01-01"),
                ("aantal", "24"),
            ],
            &[
                ("voorziening", "HZN-KLEINE-HAVEN"),
                ("datum", "2023-01-01"),
                ("aantal", "4"),
            ],
            &[
                ("voorziening", "HZN-OUDE-VILLA"),
                ("datum", "2019-01-01"),
                ("aantal", "6"),
            ],
            &[
                ("voorziening", "SKB-DE-LINDE"),
                ("datum", "2020-09-01"),
                ("aantal", "6"),
            ],
        ],
        "PlaatsenGesloten" => &[&[
            ("voorziening", "HZN-DE-BRUG"),
            ("datum", "2023-07-01"),
            ("aantal", "8"),
            ("reden", "afbouw volgens convenant Zuid-West"),
        ]],
        "PlaatsenOmgebouwd" => &[&[
            ("van", "HZN-DE-BRUG"),
            ("naar", "HZN-KLEINE-HAVEN"),
            ("datum", "2024-01-01"),
            ("aantal_uit", "8"),
            ("aantal_in", "4"),
            ("reden", "ombouw gesloten groep naar kleinschalig open"),
        ]],
        "VoorzieningGesloten" => &[&[
            ("voorziening", "HZN-OUDE-VILLA"),
            ("datum", "2024-06-01"),
            ("reden", "locatie afgestoten"),
        ]],
        "CapaciteitsdoelVastgesteld" => &[&[
            ("scope_niveau", "LANDSDEEL"),
            ("scope_code", "ZUID_WEST"),
            ("regime", "GESLOTEN"),
            ("plaatsen", "100"),
            ("datum", "2024-01-01"),
        ]],
        // One row per product; the contract columns repeat on every row of a contract.
        "ContractGesloten" => &[
            &[
                ("contract", CONTRACT_HORIZON),
                ("aanbieder", "HORIZON"),
                ("jeugdregios", "RIJNMOND;HAAGLANDEN"),
                ("financiering", "INSPANNINGSGERICHT"),
                ("van", "2024-01-01"),
                ("tot_en_met", "2025-12-31"),
                ("verlengingsopties", "2"),
                ("verlenging_maanden", "12"),
                ("budgetplafond", "4500000,00"),
                ("perceel", "JZP"),
                ("perceel_naam", "JeugdzorgPlus"),
                ("product", "JZP-GROEP"),
                ("vorm", "GROEP"),
                ("regime", "GESLOTEN"),
                ("eenheid", "ETMAAL"),
                ("tarief", "612,45"),
                ("garantie", "8"),
                ("bron", "contractregister Rijnmond"),
            ],
            &[
                ("contract", CONTRACT_HORIZON),
                ("aanbieder", "HORIZON"),
                ("jeugdregios", "RIJNMOND;HAAGLANDEN"),
                ("financiering", "INSPANNINGSGERICHT"),
                ("van", "2024-01-01"),
                ("tot_en_met", "2025-12-31"),
                ("verlengingsopties", "2"),
                ("verlenging_maanden", "12"),
                ("budgetplafond", "4500000,00"),
                ("perceel", "OPEN"),
                ("perceel_naam", "Open residentieel"),
                ("product", "KLS-OPEN"),
                ("vorm", "KLEINSCHALIG"),
                ("regime", "OPEN"),
                ("eenheid", "ETMAAL"),
                ("tarief", "389,10"),
                ("bron", "contractregister Rijnmond"),
            ],
            &[
                ("contract", CONTRACT_HORIZON),
                ("aanbieder", "HORIZON"),
                ("jeugdregios", "RIJNMOND;HAAGLANDEN"),
                ("financiering", "INSPANNINGSGERICHT"),
                ("van", "2024-01-01"),
                ("tot_en_met", "2025-12-31"),
                ("verlengingsopties", "2"),
                ("verlenging_maanden", "12"),
                ("budgetplafond", "4500000,00"),
                ("perceel", "OPEN"),
                ("perceel_naam", "Open residentieel"),
                ("product", "GRP-OPEN"),
                ("vorm", "GROEP"),
                ("regime", "OPEN"),
                ("eenheid", "ETMAAL"),
                ("tarief", "402.00"),
                ("garantie", "25%"),
                ("bron", "contractregister Rijnmond"),
            ],
            &[
                ("contract", CONTRACT_SCHAKENBOSCH),
                ("aanbieder", "SCHAKENBOSCH"),
                ("jeugdregios", "HAAGLANDEN"),
                ("financiering", "TAAKGERICHT"),
                ("van", "2024-01-01"),
                ("tot_en_met", "2025-12-31"),
                ("perceel", "GZH"),
                ("perceel_naam", "Gezinshuizen"),
                ("product", "GZH-OPEN"),
                ("vorm", "GEZINSHUIS"),
                ("regime", "OPEN"),
                ("eenheid", "JAAR"),
                ("tarief", "250000"),
            ],
        ],
        // Agreed in the spring, valid from 1 January.
        "TariefGeindexeerd" => &[&[
            ("contract", CONTRACT_HORIZON),
            ("product", "JZP-GROEP"),
            ("geldig_van", "2025-01-01"),
            ("bedrag", "637.20"),
            ("reden", "indexatie OVA 2025"),
        ]],
        "VolumegarantieGewijzigd" => &[&[
            ("contract", CONTRACT_HORIZON),
            ("datum", "2025-01-01"),
            ("volumegaranties", "JZP-GROEP:6;GRP-OPEN:20%"),
            ("reden", "minder garantie na de afbouw van De Brug"),
        ]],
        "BudgetplafondGewijzigd" => &[&[
            ("contract", CONTRACT_HORIZON),
            ("datum", "2025-01-01"),
            ("budgetplafond", "4200000"),
            ("reden", "plafond 2025 volgens de begroting"),
        ]],
        "PrestatieafspraakVastgelegd" => &[
            &[
                ("contract", CONTRACT_HORIZON),
                ("afspraak", "AFBOUW-GESLOTEN"),
                ("datum", "2024-01-01"),
                ("soort", "CAPACITEIT"),
                ("richting", "AFBOUW"),
                ("punten", "2024-07-01:16;2025-01-01:12"),
                ("vorm", "GROEP"),
                ("regime", "GESLOTEN"),
                ("toelichting", "afbouw volgens convenant Zuid-West"),
            ],
            &[
                ("contract", CONTRACT_HORIZON),
                ("afspraak", "SPOED-2024"),
                ("datum", "2024-01-01"),
                ("soort", "NORM"),
                ("kpi", "SPOEDAANDEEL"),
                ("van", "2024-01-01"),
                ("tot_en_met", "2024-12-31"),
                ("max", "0,3"),
            ],
        ],
        "PrestatieafspraakGewijzigd" => &[&[
            ("contract", CONTRACT_HORIZON),
            ("afspraak", "SPOED-2024"),
            ("datum", "2024-07-01"),
            ("soort", "NORM"),
            ("kpi", "SPOEDAANDEEL"),
            ("van", "2024-01-01"),
            ("tot_en_met", "2024-12-31"),
            ("max", "0.35"),
            ("reden", "heronderhandeld na de zomer"),
        ]],
        "ContractVerlengd" => &[&[
            ("contract", CONTRACT_HORIZON),
            ("datum", "2025-06-01"),
            ("tot_en_met", "2026-12-31"),
        ]],
        "ContractBeeindigd" => &[&[
            ("contract", CONTRACT_SCHAKENBOSCH),
            ("tot_en_met", "2025-06-30"),
            ("reden", "taak overgedragen aan de wijkteams"),
        ]],
        "BudgetVastgesteld" => &[
            &[
                ("jeugdregio", "RIJNMOND"),
                ("jaar", "2024"),
                ("segment", "GESLOTEN"),
                ("bedrag", "3500000,00"),
            ],
            &[
                ("jeugdregio", "RIJNMOND"),
                ("jaar", "2024"),
                ("segment", "OPEN_RESIDENTIEEL"),
                ("bedrag", "1200000"),
            ],
            &[
                ("jeugdregio", "RIJNMOND"),
                ("jaar", "2024"),
                ("segment", "AMBULANT"),
                ("bedrag", "800000.00"),
            ],
        ],
        "BudgetVerschoven" => &[&[
            ("jeugdregio", "RIJNMOND"),
            ("jaar", "2024"),
            ("van", "GESLOTEN"),
            ("naar", "AMBULANT"),
            ("bedrag", "250000,00"),
            ("datum", "2024-07-01"),
            (
                "reden",
                "budget van gesloten bedden naar ambulante alternatieven",
            ),
        ]],
        "JeugdigeGeregistreerd" => &[&[
            ("bsn", EXAMPLE_BSN),
            ("geboortejaar", "2008"),
            ("geslacht", "VROUW"),
            ("woongemeente", "GM0599"),
            ("datum", "2024-02-01"),
        ]],
        "MachtigingAfgegeven" => &[
            &[
                ("bsn", EXAMPLE_BSN),
                ("machtiging", "SPOED-2024-001"),
                ("soort", "SPOEDMACHTIGING"),
                ("geldig_van", "2024-02-01"),
                ("geldig_tot", "2024-02-28"),
                ("aangevraagd_door", "JB West"),
            ],
            &[
                ("bsn", EXAMPLE_BSN),
                ("machtiging", "MGJ-2024-001"),
                ("soort", "MGJ"),
                ("geldig_van", "2024-02-26"),
                ("geldig_tot", "2025-02-25"),
                ("aangevraagd_door", "JB West"),
            ],
        ],
        "MachtigingBeeindigd" => &[&[
            ("bsn", EXAMPLE_BSN),
            ("machtiging", "SPOED-2024-001"),
            ("datum", "2024-02-26"),
            ("reden", "vervangen door machtiging gesloten jeugdhulp"),
        ]],
        // Three requests for the youth: a spoed one placed the same day, a regulier one
        // for a lighter place (fulfilled by the doorplaatsing) and one withdrawn.
        "PlaatsingsverzoekIngediend" => &[
            &[
                ("bsn", EXAMPLE_BSN),
                ("verzoek", VERZOEK_SPOED),
                ("datum", "2024-02-01"),
                ("verwijzer", "GECERTIFICEERDE_INSTELLING"),
                ("urgentie", "SPOED"),
                ("vorm", "GROEP"),
                ("regime", "GESLOTEN"),
                ("jeugdregio", "RIJNMOND"),
            ],
            &[
                ("bsn", EXAMPLE_BSN),
                ("verzoek", VERZOEK_AFSCHALING),
                ("datum", "2024-05-13"),
                ("verwijzer", "GECERTIFICEERDE_INSTELLING"),
                ("urgentie", "REGULIER"),
                ("vorm", "KLEINSCHALIG"),
                ("regime", "OPEN"),
                ("jeugdregio", "RIJNMOND"),
            ],
            &[
                ("bsn", EXAMPLE_BSN),
                ("verzoek", VERZOEK_INGETROKKEN),
                ("datum", "2024-11-01"),
                ("verwijzer", "GEMEENTE_WIJKTEAM"),
                ("urgentie", "REGULIER"),
                ("vorm", "GEZINSHUIS"),
                ("regime", "OPEN"),
                ("jeugdregio", "RIJNMOND"),
            ],
        ],
        "JeugdigeAangemeld" => &[
            &[
                ("bsn", EXAMPLE_BSN),
                ("verzoek", VERZOEK_SPOED),
                ("aanbieder", "HORIZON"),
                ("voorziening", "HZN-DE-BRUG"),
                ("datum", "2024-02-01"),
            ],
            &[
                ("bsn", EXAMPLE_BSN),
                ("verzoek", VERZOEK_AFSCHALING),
                ("aanbieder", "HORIZON"),
                ("voorziening", "HZN-KLEINE-HAVEN"),
                ("datum", "2024-05-13"),
            ],
            &[
                ("bsn", EXAMPLE_BSN),
                ("verzoek", VERZOEK_AFSCHALING),
                ("aanbieder", "SCHAKENBOSCH"),
                ("datum", "2024-05-13"),
            ],
            &[
                ("bsn", EXAMPLE_BSN),
                ("verzoek", VERZOEK_INGETROKKEN),
                ("aanbieder", "SCHAKENBOSCH"),
                ("voorziening", "SKB-DE-LINDE"),
                ("datum", "2024-11-04"),
            ],
        ],
        "AanmeldingGeweigerd" => &[&[
            ("bsn", EXAMPLE_BSN),
            ("verzoek", VERZOEK_AFSCHALING),
            ("aanbieder", "SCHAKENBOSCH"),
            ("datum", "2024-05-20"),
            ("reden", "GROEPSSAMENSTELLING"),
            ("toelichting", "groep vol met jongere kinderen"),
        ]],
        "PlaatsAangeboden" => &[&[
            ("bsn", EXAMPLE_BSN),
            ("verzoek", VERZOEK_AFSCHALING),
            ("voorziening", "HZN-KLEINE-HAVEN"),
            ("datum", "2024-05-27"),
        ]],
        "PlaatsingGestart" => &[&[
            ("bsn", EXAMPLE_BSN),
            ("voorziening", "HZN-DE-BRUG"),
            ("datum", "2024-02-01"),
            ("spoed", "ja"),
            ("crisis", "nee"),
            ("verblijf_voor", "THUIS"),
            ("verzoek", VERZOEK_SPOED),
            ("overbrugging", "nee"),
        ]],
        "Doorgeplaatst" => &[&[
            ("bsn", EXAMPLE_BSN),
            ("van", "HZN-DE-BRUG"),
            ("naar", "HZN-KLEINE-HAVEN"),
            ("datum", "2024-06-03"),
            ("reden", "afschaling naar kleinschalig open"),
            ("tegen_wens_jeugdige", "nee"),
            ("tegen_wens_aanbieder", "nee"),
            ("verzoek", VERZOEK_AFSCHALING),
        ]],
        "PlaatsingBeeindigd" => &[&[
            ("bsn", EXAMPLE_BSN),
            ("voorziening", "HZN-KLEINE-HAVEN"),
            ("datum", "2024-11-15"),
            ("bestemming", "THUIS"),
            ("reden", "terug naar huis met ambulante hulp"),
            ("reden_beeindiging", "31"),
        ]],
        "PlaatsingsverzoekIngetrokken" => &[&[
            ("bsn", EXAMPLE_BSN),
            ("verzoek", VERZOEK_INGETROKKEN),
            ("datum", "2024-11-20"),
            ("reden", "ANDERE_OPLOSSING"),
            ("toelichting", "thuis met ambulante hulp"),
        ]],
        // Recorded after the placement (valid time: during the stay in De Brug).
        "JeugdigeOnttrokken" => &[&[
            ("bsn", EXAMPLE_BSN),
            ("voorziening", "HZN-DE-BRUG"),
            ("datum", "2024-03-10"),
        ]],
        "JeugdigeTeruggekeerd" => &[&[("bsn", EXAMPLE_BSN), ("datum", "2024-03-12")]],
        // During the stay in De Brug (closed), recorded after the placement.
        "MaatregelToegepast" => &[&[
            ("bsn", EXAMPLE_BSN),
            ("maatregel", "MR-2024-001"),
            ("soort", "AFZONDERING"),
            ("voorziening", "HZN-DE-BRUG"),
            ("begin", "2024-02-15 14:30"),
            ("eind", "2024-02-15 16:00"),
            ("toelichting", "escalatie op de groep"),
        ]],
        "WoongemeenteGewijzigd" => &[
            &[
                ("bsn", EXAMPLE_BSN),
                ("woongemeente", "GM0518"),
                ("datum", "2024-12-01"),
                ("event_id", ID_VERHUIZING),
            ],
            &[
                ("bsn", EXAMPLE_BSN),
                ("woongemeente", "GM0599"),
                ("datum", "2025-03-01"),
                ("event_id", ID_VERGISSING),
            ],
        ],
        "FeitGecorrigeerd" => &[&[
            ("vervangt", ID_VERHUIZING),
            ("reden", "verhuisdatum volgens BRP"),
            ("nieuw_type", "WoongemeenteGewijzigd"),
            ("nieuw_woongemeente", "GM0518"),
            ("nieuw_datum", "2024-12-15"),
        ]],
        "FeitIngetrokken" => &[&[
            ("ingetrokken_event_id", ID_VERGISSING),
            ("reden", "ten onrechte ingevoerd"),
        ]],
        // The coordinator's list in 2025, imported after the other templates: one request
        // registered with two providers (one refuses), and one withdrawn. The request's
        // fields repeat on every row of the request.
        "Plaatsingslijst" => &[
            &[
                ("bsn", EXAMPLE_BSN),
                ("verzoek", "RMD-2025-004"),
                ("ingediend_op", "2025-01-10"),
                ("verwijzer", "GEMEENTE_WIJKTEAM"),
                ("urgentie", "REGULIER"),
                ("vorm", "GEZINSHUIS"),
                ("regime", "OPEN"),
                ("jeugdregio", "RIJNMOND"),
                ("aanbieder", "SCHAKENBOSCH"),
                ("voorziening", "SKB-DE-LINDE"),
                ("aangemeld_op", "2025-01-13"),
                ("geweigerd_op", "2025-01-20"),
                ("weigeringsreden", "GEEN_PLEK"),
                ("weigering_toelichting", "gezinshuis vol tot de zomer"),
            ],
            &[
                ("bsn", EXAMPLE_BSN),
                ("verzoek", "RMD-2025-004"),
                ("ingediend_op", "2025-01-10"),
                ("verwijzer", "GEMEENTE_WIJKTEAM"),
                ("urgentie", "REGULIER"),
                ("vorm", "GEZINSHUIS"),
                ("regime", "OPEN"),
                ("jeugdregio", "RIJNMOND"),
                ("aanbieder", "HORIZON"),
                ("aangemeld_op", "2025-01-13"),
            ],
            &[
                ("bsn", EXAMPLE_BSN),
                ("verzoek", "RMD-2025-019"),
                ("ingediend_op", "2025-02-03"),
                ("verwijzer", "RAAD_RECHTER"),
                ("urgentie", "SPOED"),
                ("vorm", "GROEP"),
                ("regime", "GESLOTEN"),
                ("jeugdregio", "RIJNMOND"),
                ("aanbieder", "HORIZON"),
                ("voorziening", "HZN-DE-BRUG"),
                ("aangemeld_op", "2025-02-03"),
                ("aangeboden_op", "2025-02-04"),
                ("ingetrokken_op", "2025-02-05"),
                ("intrekkingsreden", "NIET_MEER_NODIG"),
                ("intrekking_toelichting", "machtiging niet verleend"),
            ],
        ],
        _ => &[],
    }
}

/// The columns of a type's template, in order.
pub fn columns(spec: &TypeSpec) -> Vec<String> {
    let mut k = vec!["type".to_owned()];
    if spec.jeugdige {
        k.push("pseudoniem".to_owned());
        k.push("bsn".to_owned());
    }
    for v in spec.velden {
        k.push(v.naam.to_owned());
    }
    if spec.event_type == "FeitGecorrigeerd" {
        // The example corrects a WoongemeenteGewijzigd; other types use their own
        // nieuw_<veld> columns.
        if let Some(n) = formaat::spec("WoongemeenteGewijzigd") {
            for v in n.velden {
                k.push(format!("nieuw_{}", v.naam));
            }
        }
    }
    for m in META_NA {
        k.push((*m).to_owned());
    }
    k
}

fn cell(row: Row, column: &str) -> &'static str {
    row.iter()
        .find(|(k, _)| *k == column)
        .map_or("", |(_, v)| v)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', ';', '"', '\n', '\'']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The CSV template of a type: header plus example rows.
pub fn csv(event_type: &str) -> Option<String> {
    let spec = spec_of(event_type)?;
    let cols = columns(spec);
    let mut out = cols.join(",");
    out.push('\n');
    for row in examples(event_type) {
        let cells: Vec<String> = cols
            .iter()
            .map(|k| {
                if k == "type" {
                    event_type.to_owned()
                } else {
                    csv_field(cell(row, k))
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    Some(out)
}

/// The JSON Lines template of a type: one object per example, native JSON types.
pub fn jsonl(event_type: &str) -> Option<String> {
    let spec = spec_of(event_type)?;
    let mut out = String::new();
    for row in examples(event_type) {
        // Written by hand rather than through a map, so that `type` comes first and the
        // fields keep the documented order.
        let mut velden: Vec<String> =
            vec![json_field("type", &Value::String(event_type.to_owned()))];
        let mut nieuw: Vec<String> = Vec::new();
        for (k, v) in row.iter() {
            if v.is_empty() {
                continue;
            }
            let soort = spec.velden.iter().find(|f| f.naam == *k).map(|f| f.soort);
            let value = match soort {
                Some(Soort::Aantal | Soort::Jaar) => v
                    .parse::<u64>()
                    .map(Value::from)
                    .unwrap_or(Value::String((*v).to_owned())),
                Some(Soort::JaNee) => Value::Bool(*v == "ja"),
                Some(Soort::Decimaal) => formaat::parse_decimaal(v)
                    .map(Value::from)
                    .unwrap_or(Value::String((*v).to_owned())),
                // An amount stays text in JSON Lines: exact, and never a float.
                _ => Value::String((*v).to_owned()),
            };
            // JSON Lines shows the nested form of a correction.
            match k.strip_prefix("nieuw_") {
                Some("type") => nieuw.insert(0, json_field("type", &value)),
                Some(rest) => nieuw.push(json_field(rest, &value)),
                None => velden.push(json_field(k, &value)),
            }
        }
        if !nieuw.is_empty() {
            velden.push(format!("\"nieuw\":{{{}}}", nieuw.join(",")));
        }
        out.push('{');
        out.push_str(&velden.join(","));
        out.push_str("}\n");
    }
    Some(out)
}

fn json_field(naam: &str, value: &Value) -> String {
    format!("{}:{}", Value::String(naam.to_owned()), value)
}

/// A Markdown overview of all formats (for `templates/README.md`).
pub fn overview() -> String {
    let mut out = String::from(
        "# Importformaten (gegenereerd; niet met de hand bewerken)\n\n\
         Eén record per feit. Kolom/veld `type` kiest het soort feit; de andere kolommen zijn de velden \
         van dat feit. CSV: komma of puntkomma, UTF-8, datums als JJJJ-MM-DD of DD-MM-JJJJ, ja/nee. \
         JSON Lines: één object per regel met dezelfde veldnamen.\n\n\
         Altijd toegestaan: `event_id` (UUID, zodat een correctie ernaar kan verwijzen), \
         `geregistreerd_op` (registratietijd bij het inlezen van historie: RFC 3339 of JJJJ-MM-DD, \
         oplopend in het bestand), `bron` (vrije tekst over de herkomst).\n\
         Feiten over een jeugdige: `pseudoniem` of `bsn` (een BSN wordt bij het inlezen meteen \
         gepseudonimiseerd; zonder sleutel in KRINGLOOP_PSEUDONIEM_SLEUTEL weigert de import).\n\
         Een bestand wordt helemaal of helemaal niet geschreven: bij één afgewezen record wordt niets geschreven.\n\n\
         | type | velden (verplicht*, keuzes) | uitleg |\n|---|---|---|\n",
    );
    for s in formaat::SPECS.iter().chain(std::iter::once(&lijst::SPEC)) {
        let velden: Vec<String> = s
            .velden
            .iter()
            .map(|v| {
                let star = if v.verplicht { "*" } else { "" };
                match v.soort {
                    Soort::Keuze(w) => format!("`{}`{star} ({})", v.naam, w.join("/")),
                    Soort::Datum => format!("`{}`{star} (datum)", v.naam),
                    Soort::Aantal => format!("`{}`{star} (getal)", v.naam),
                    Soort::JaNee => format!("`{}`{star} (ja/nee)", v.naam),
                    Soort::Jaar => format!("`{}`{star} (jaar)", v.naam),
                    Soort::Id => format!("`{}`{star} (UUID)", v.naam),
                    Soort::Tekst => format!("`{}`{star}", v.naam),
                    Soort::Bedrag => format!("`{}`{star} (euro's)", v.naam),
                    Soort::Decimaal => format!("`{}`{star} (decimaal getal)", v.naam),
                    Soort::Tijdstip => format!("`{}`{star} (datum en tijd)", v.naam),
                    Soort::Lijst => format!("`{}`{star} (lijst, ;)", v.naam),
                    Soort::Garantie => format!("`{}`{star} (plaatsen of procent%)", v.naam),
                    Soort::Garanties => {
                        format!(
                            "`{}`{star} (product:plaatsen of product:procent%, ;)",
                            v.naam
                        )
                    }
                    Soort::Punten => format!("`{}`{star} (datum:plaatsen, ;)", v.naam),
                }
            })
            .collect();
        let jeugdige = if s.jeugdige {
            "`pseudoniem`/`bsn`*, "
        } else {
            ""
        };
        out.push_str(&format!(
            "| {} | {jeugdige}{} | {} |\n",
            s.event_type,
            velden.join(", "),
            s.uitleg
        ));
    }
    out.push_str(
        "\n## Plaatsingslijst\n\n\
         De lijst zoals een plaatsingscoördinatie die bijhoudt: één regel per aanmelding, met op elke \
         regel de gegevens van het verzoek (`type` = `Plaatsingslijst`). Een regel wordt het verzoek \
         (`PlaatsingsverzoekIngediend`, één keer per verzoek), de aanmelding (`aanbieder` + `aangemeld_op`), \
         een aangeboden plek (`aangeboden_op` + `voorziening`), een weigering (`geweigerd_op` + \
         `weigeringsreden`) en een intrekking (`ingetrokken_op` + `intrekkingsreden`). Een bijgewerkte lijst \
         mag opnieuw worden ingelezen: wat al in het log staat wordt overgeslagen, wat ermee in strijd is \
         (hetzelfde verzoek met een andere urgentie) wordt afgewezen. Een plaatsing vervult een verzoek via \
         `verzoek` in `PlaatsingGestart` of `Doorgeplaatst`.\n",
    );
    out.push_str(
        "\n## Contracten en geld\n\n\
         Een contract (`ContractGesloten`) staat op één regel per product, met op elke regel de \
         contractkolommen (`contract`, `aanbieder`, `jeugdregios`, `financiering`, `van`, `tot_en_met`, \
         `verlengingsopties`, `verlenging_maanden`, `budgetplafond`); de regels met dezelfde `contract` worden \
         één feit en moeten het over die kolommen eens zijn, anders wordt de regel afgewezen \
         (`CONTRACTREGELS_ONEENS`). Zet de regels van een contract onder elkaar. `jeugdregios`: codes \
         gescheiden door `;`, de centrumregio eerst. `tarief_geldig_van` leeg: vanaf `van`; een tweede regel \
         van hetzelfde product met een andere `tarief_geldig_van` geeft een volgend tarief. `garantie`: \
         een aantal plaatsen (`8`) of een percentage van de plaatsen van de aanbieder (`25%`).\n\n\
         Bedragen in euro's met een komma of punt voor de centen (`612,45`, `612.45`, `612`): exact in \
         centen, hoogstens twee decimalen, zonder scheidingsteken voor duizendtallen, niet negatief. In JSON \
         Lines een bedrag met centen als tekst (`\"612.45\"`).\n\n\
         Een prestatieafspraak is `CAPACITEIT` (`richting`, `punten` als `datum:plaatsen;…`, optioneel \
         `vorm`/`regime`) of `NORM` (`kpi`, `van`, `tot_en_met`, `min` en/of `max`); de kolommen van de \
         andere soort blijven leeg. Een maatregel (`MaatregelToegepast`) gaat over een jeugdige: `bsn` of \
         `pseudoniem`, `begin` en `eind` als `JJJJ-MM-DD UU:MM`.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn map() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("templates")
    }

    /// The committed templates equal the generated ones (set KRINGLOOP_TEMPLATES_SCHRIJVEN=1
    /// to regenerate after changing a format).
    #[test]
    fn templates_are_current() -> Result<(), Box<dyn std::error::Error>> {
        let schrijven = std::env::var_os("KRINGLOOP_TEMPLATES_SCHRIJVEN").is_some();
        let mut bestanden = vec![("README.md".to_owned(), overview())];
        for t in ORDER.iter().chain(&[LIJST_TYPE]) {
            bestanden.push((format!("csv/{t}.csv"), csv(t).ok_or("geen csv")?));
            bestanden.push((format!("jsonl/{t}.jsonl"), jsonl(t).ok_or("geen jsonl")?));
        }
        for (naam, inhoud) in bestanden {
            let pad = map().join(&naam);
            if schrijven {
                if let Some(d) = pad.parent() {
                    std::fs::create_dir_all(d)?;
                }
                std::fs::write(&pad, &inhoud)?;
            } else {
                let op_schijf = std::fs::read_to_string(&pad).unwrap_or_default();
                assert_eq!(
                    op_schijf, inhoud,
                    "{naam} is verouderd; draai met KRINGLOOP_TEMPLATES_SCHRIJVEN=1"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn every_type_has_examples_in_the_order() {
        assert_eq!(ORDER.len(), formaat::SPECS.len());
        for t in ORDER {
            assert!(!examples(t).is_empty(), "{t}");
        }
        assert!(!examples(LIJST_TYPE).is_empty());
    }
}
