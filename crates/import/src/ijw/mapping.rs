//! The region mapping: which iJw product means which facility, and which RedenBeeindiging
//! means which destination.
//!
//! iJw does not say where a youth stays: category 43 (verblijf incl. behandeling) covers a
//! closed group and a gezinshuis alike, and a closed placement is not recognisable from the
//! category (DOMAIN.md). Each region therefore keeps a mapping file (TOML or JSON, same
//! structure) like `fixtures/mapping-rijnmond.toml`:
//!
//! ```toml
//! regio = "RIJNMOND"
//!
//! [[product]]              # most specific match wins: code, aanbieder, referentie count
//! categorie = "43"
//! code = "43A41"           # optional: any code in the category
//! aanbieder = "87654321"   # optional: AGB code of the provider
//! referentie = "BRUG"      # optional: prefix of ReferentieAanbieder (a location tag)
//! voorziening = "HZN-DE-BRUG"
//! vorm = "GROEP"           # checked against the registered facility
//! regime = "GESLOTEN"
//! spoed = false            # optional
//! crisis = false           # optional; default: true for category 46
//!
//! [[negeer]]               # products that are not a stay, e.g. ambulant care
//! categorie = "45"
//!
//! [reden."31"]             # every JZ588 code that can occur
//! bestemming = "THUIS"
//! reden = "beëindigd volgens plan"
//! ```

use std::collections::BTreeMap;

use kringloop_events::{Regime, Verblijfplaats, Vorm};
use serde::Deserialize;

use super::{Bericht, Product};
use crate::pseudonym::redact;

/// One product rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductRegel {
    pub categorie: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub aanbieder: Option<String>,
    #[serde(default)]
    pub referentie: Option<String>,
    pub voorziening: String,
    pub vorm: Vorm,
    pub regime: Regime,
    #[serde(default)]
    pub spoed: bool,
    #[serde(default)]
    pub crisis: Option<bool>,
}

/// Products to leave out (not a stay).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegeerRegel {
    pub categorie: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub aanbieder: Option<String>,
}

/// What a RedenBeeindiging means.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedenRegel {
    pub bestemming: Verblijfplaats,
    pub reden: String,
}

/// A region's mapping file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegioMapping {
    pub regio: String,
    #[serde(default)]
    pub product: Vec<ProductRegel>,
    #[serde(default)]
    pub negeer: Vec<NegeerRegel>,
    #[serde(default)]
    pub reden: BTreeMap<String, RedenRegel>,
}

/// Why a mapping file is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("regiomapping {bestand}: {reden}")]
pub struct MappingError {
    pub bestand: String,
    pub reden: String,
}

/// The outcome of looking up a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingMatch<'m> {
    Voorziening(&'m ProductRegel),
    Negeren,
    Onbekend,
}

impl RegioMapping {
    /// Reads a mapping from TOML (`.toml`) or JSON (anything else).
    pub fn read(bestand: &str, text: &str) -> Result<Self, MappingError> {
        let error = |reden: String| MappingError {
            bestand: bestand.to_owned(),
            reden,
        };
        let m: RegioMapping = if bestand.ends_with(".toml") {
            toml::from_str(text).map_err(|e| error(e.to_string()))?
        } else {
            serde_json::from_str(text).map_err(|e| error(e.to_string()))?
        };
        for code in m.reden.keys() {
            if kringloop_events::RedenBeeindiging::from_code(code).is_none() {
                return Err(error(format!(
                    "[reden.\"{}\"] is geen RedenBeeindiging (JZ588); geldig zijn 02, 31, 32, 33, 34, 35, 38, 39",
                    redact(code)
                )));
            }
        }
        for p in &m.product {
            if p.voorziening.trim().is_empty() || p.categorie.trim().is_empty() {
                return Err(error(
                    "een [[product]] mist categorie of voorziening".to_owned(),
                ));
            }
        }
        Ok(m)
    }

    /// Reads a mapping file (TOML by `.toml` extension, JSON otherwise).
    pub fn read_file(path: &std::path::Path) -> Result<Self, MappingError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| MappingError {
            bestand: name.clone(),
            reden: format!("kan het bestand niet lezen: {e}"),
        })?;
        Self::read(&name, &text)
    }

    /// The rule for a product of a message: the most specific matching product rule, or
    /// an ignore rule, or nothing.
    pub fn find<'m>(&'m self, bericht: &Bericht, product: &Product) -> MappingMatch<'m> {
        let Some(categorie) = product.categorie.as_deref() else {
            return MappingMatch::Onbekend;
        };
        let aanbieder = bericht.aanbieder();
        let matches = |rule: Option<&String>, value: Option<&str>| match rule {
            None => Some(0),
            Some(r) => (Some(r.as_str()) == value).then_some(1),
        };
        let mut best: Option<(u32, &ProductRegel)> = None;
        for r in &self.product {
            if r.categorie != categorie {
                continue;
            }
            let (Some(a), Some(b)) = (
                matches(r.code.as_ref(), product.code.as_deref()),
                matches(r.aanbieder.as_ref(), Some(aanbieder)),
            ) else {
                continue;
            };
            let c = match &r.referentie {
                None => 0,
                Some(prefix) => {
                    if product
                        .referentie_aanbieder
                        .as_deref()
                        .is_some_and(|ra| ra.starts_with(prefix.as_str()))
                    {
                        1
                    } else {
                        continue;
                    }
                }
            };
            let score = a + b + c;
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, r));
            }
        }
        if let Some((_, r)) = best {
            return MappingMatch::Voorziening(r);
        }
        let negeer = self.negeer.iter().any(|n| {
            n.categorie == categorie
                && n.code
                    .as_deref()
                    .is_none_or(|c| Some(c) == product.code.as_deref())
                && n.aanbieder.as_deref().is_none_or(|a| a == aanbieder)
        });
        if negeer {
            MappingMatch::Negeren
        } else {
            MappingMatch::Onbekend
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fixture_and_rejects_unknown_codes() {
        let text = include_str!("../../fixtures/ijw/mapping-rijnmond.toml");
        let m = RegioMapping::read("mapping-rijnmond.toml", text);
        assert!(m.is_ok(), "{m:?}");
        let bad = format!("{text}\n[reden.\"77\"]\nbestemming = \"THUIS\"\nreden = \"x\"\n");
        assert!(RegioMapping::read("m.toml", &bad).is_err());
        let bad = text.replace("vorm = \"GROEP\"", "vorm = \"KASTEEL\"");
        assert!(RegioMapping::read("m.toml", &bad).is_err());
    }
}
