//! iJw 3.2 (iStandaarden Jeugdwet) messages: JW301 toewijzing, JW305 start zorg, JW307
//! stop zorg and JW315 verzoek om toewijzing.
//!
//! Only the parts kringloop needs are read: the header (BerichtIdentificatie with
//! Identificatie and Dagtekening, Afzender, Ontvanger), the client (Bsn, Geboortedatum,
//! Geslacht) and per product ToewijzingNummer, Product (Categorie, Code), Begindatum /
//! Ingangsdatum, Einddatum, RedenBeeindiging and (JW315) Verwijzer/Type. Other elements
//! are skipped (the Verwijzer's name too), so messages with more content (Naam,
//! Commentaar, Omvang, …) import as well.
//!
//! The BSN is pseudonymised the moment its element ends: a [`Bericht`] holds only the
//! pseudonym, and the date of birth is reduced to its year.
//!
//! - [`parse`]: bytes → [`Bericht`] (pure, bounded: no entity expansion, a depth limit).
//! - [`mapping`]: the region's mapping from products to facilities and from
//!   RedenBeeindiging to destinations.
//! - [`translate`]: messages → proposed facts, including the pairing of a stop with reason
//!   38 and a start elsewhere into a doorplaatsing.

pub mod mapping;
pub mod translate;

use chrono::NaiveDate;
use kringloop_events::Geslacht;
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

use crate::formaat::parse_datum;
use kringloop_events::rules::input::{TextKind, check_text};

use crate::pseudonym::{Bsn, Pseudonymizer, contains_bsn, redact};

/// Namespace of the iJw 3.2 base schema.
pub const NS_BASIS: &str = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema";

/// The namespace of one message type, e.g. `…/ijw/3_2/jw305/schema`.
pub fn namespace(soort: BerichtSoort) -> String {
    format!(
        "http://www.istandaarden.nl/ijw/3_2/{}/schema",
        soort.code().to_ascii_lowercase()
    )
}

/// The message types kringloop reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BerichtSoort {
    /// Toewijzing (allocation) by the gemeente.
    Jw301,
    /// Start zorg by the provider.
    Jw305,
    /// Stop zorg by the provider.
    Jw307,
    /// Verzoek om toewijzing by the provider.
    Jw315,
}

impl BerichtSoort {
    pub fn code(self) -> &'static str {
        match self {
            BerichtSoort::Jw301 => "JW301",
            BerichtSoort::Jw305 => "JW305",
            BerichtSoort::Jw307 => "JW307",
            BerichtSoort::Jw315 => "JW315",
        }
    }

    fn from_namespace(ns: &str) -> Option<Self> {
        let rest = ns.strip_prefix("http://www.istandaarden.nl/ijw/3_2/")?;
        Some(match rest.strip_suffix("/schema")? {
            "jw301" => BerichtSoort::Jw301,
            "jw305" => BerichtSoort::Jw305,
            "jw307" => BerichtSoort::Jw307,
            "jw315" => BerichtSoort::Jw315,
            _ => return None,
        })
    }

    /// The product element of this message type.
    fn product_element(self) -> &'static [u8] {
        match self {
            BerichtSoort::Jw301 => b"Toewijzing",
            BerichtSoort::Jw305 => b"StartProduct",
            BerichtSoort::Jw307 => b"StopProduct",
            BerichtSoort::Jw315 => b"AangevraagdProduct",
        }
    }

    /// Whether the Afzender is the gemeente (JW301) or the provider (the others).
    pub fn afzender_is_gemeente(self) -> bool {
        self == BerichtSoort::Jw301
    }
}

/// One product line of a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Product {
    /// 1-based position in the message, for reports.
    pub nummer: usize,
    pub toewijzingnummer: Option<String>,
    pub categorie: Option<String>,
    pub code: Option<String>,
    /// Begindatum (JW305, JW307) or Ingangsdatum (JW301; JW315: the requested start).
    pub begindatum: Option<NaiveDate>,
    /// Einddatum: the last day of care (inclusive).
    pub einddatum: Option<NaiveDate>,
    /// JZ588 code.
    pub reden_beeindiging: Option<String>,
    pub referentie_aanbieder: Option<String>,
    /// JW315: Verwijzer/Type, the iJw code of who referred the youth.
    pub verwijzer: Option<String>,
}

/// A parsed message. Holds the pseudonym, never the BSN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bericht {
    pub soort: BerichtSoort,
    /// The message's Identificatie, or its keyed pseudonym (`psn-…`) when it holds
    /// something that could be a BSN ([`kringloop_events::bsn`]): it is stored in the
    /// envelope `source` and shown in the report.
    pub identificatie: String,
    pub dagtekening: NaiveDate,
    /// The Afzender as sent (matched against the mapping's AGB codes; never stored).
    pub afzender: String,
    /// The Afzender as stored in `source`: itself, or its keyed pseudonym when it could be
    /// a BSN (an 8-digit AGB code passes the elfproef 1 time in 11).
    pub afzender_kenmerk: String,
    pub ontvanger: String,
    pub pseudoniem: String,
    pub geboortejaar: Option<u16>,
    pub geslacht: Geslacht,
    pub producten: Vec<Product>,
}

impl Bericht {
    /// `JW305 HZN-2024-0001 (2024-02-02, afzender 87654321)`: what the envelope `source`
    /// names, and the key under which a message counts as imported.
    pub fn source_key(&self) -> String {
        format!(
            "{} {} ({}, afzender {})",
            self.soort.code(),
            self.identificatie,
            self.dagtekening,
            self.afzender_kenmerk
        )
    }

    /// The gemeente (CBS code `GMxxxx`) the message is exchanged with.
    pub fn gemeente(&self) -> String {
        let code = if self.soort.afzender_is_gemeente() {
            &self.afzender
        } else {
            &self.ontvanger
        };
        if code.starts_with("GM") {
            code.clone()
        } else {
            format!("GM{code:0>4}")
        }
    }

    /// The provider's AGB code (the party that is not the gemeente).
    pub fn aanbieder(&self) -> &str {
        if self.soort.afzender_is_gemeente() {
            &self.ontvanger
        } else {
            &self.afzender
        }
    }
}

/// Why a message cannot be read: where (element path) and what. Never contains the BSN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{element}: {reden}")]
pub struct ParseError {
    pub element: String,
    pub reden: String,
}

/// Nesting deeper than this is not an iJw message (and bounds the work on hostile input).
const MAX_DEPTH: usize = 32;
/// Text longer than this in one element is not an iJw value.
const MAX_TEXT: usize = 4096;
/// More product lines than this in one message is not realistic.
const MAX_PRODUCTS: usize = 1000;

fn error(path: &[Vec<u8>], reden: impl Into<String>) -> ParseError {
    ParseError {
        element: path_text(path),
        reden: reden.into(),
    }
}

fn path_text(path: &[Vec<u8>]) -> String {
    if path.is_empty() {
        return "(document)".to_owned();
    }
    // Element names come from the input too: mask them like any echoed value.
    path.iter()
        .map(|p| redact(&String::from_utf8_lossy(p)))
        .collect::<Vec<_>>()
        .join("/")
}

/// Parses one iJw message. The BSN is pseudonymised with `pseudo` as soon as it is read.
pub fn parse(bytes: &[u8], pseudo: &Pseudonymizer) -> Result<Bericht, ParseError> {
    let mut reader = NsReader::from_reader(bytes);
    {
        let c = reader.config_mut();
        c.trim_text(true);
        c.expand_empty_elements = true;
        c.check_end_names = true;
    }
    let mut buf = Vec::new();
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut text = String::new();
    let mut soort: Option<BerichtSoort> = None;
    let mut identificatie = None;
    let mut dagtekening = None;
    let mut afzender = None;
    let mut ontvanger = None;
    let mut pseudoniem = None;
    let mut geboortejaar = None;
    let mut geslacht = None;
    let mut producten: Vec<Product> = Vec::new();
    let mut current: Option<Product> = None;
    let mut client_bsn: Option<String> = None;
    loop {
        let (ns, event) = reader.read_resolved_event_into(&mut buf).map_err(|e| {
            error(
                &path,
                format!("geen geldige XML: {}", redact(&e.to_string())),
            )
        })?;
        match event {
            Event::Start(e) => {
                let local = e.local_name().as_ref().to_vec();
                if path.is_empty() {
                    if local != b"Bericht" {
                        return Err(error(&path, "het hoofdelement is geen iJw-Bericht"));
                    }
                    let ns = match ns {
                        ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
                        _ => String::new(),
                    };
                    soort = Some(BerichtSoort::from_namespace(&ns).ok_or_else(|| {
                        error(
                            &[b"Bericht".to_vec()],
                            format!(
                                "onbekende namespace `{}`; verwacht http://www.istandaarden.nl/ijw/3_2/jw301|jw305|jw307|jw315/schema",
                                redact(&ns)
                            ),
                        )
                    })?);
                }
                if path.len() >= MAX_DEPTH {
                    return Err(error(&path, "te diep genest"));
                }
                if let Some(s) = soort
                    && local == s.product_element()
                    && path.last().is_some_and(|p| p != b"Product")
                {
                    if producten.len() >= MAX_PRODUCTS {
                        return Err(error(&path, "te veel producten in één bericht"));
                    }
                    current = Some(Product {
                        nummer: producten.len() + 1,
                        ..Product::default()
                    });
                }
                path.push(local);
                text.clear();
            }
            Event::End(_) => {
                let value = text.trim().to_owned();
                text.clear();
                let n = path.len();
                let name = path.last().map(Vec::as_slice).unwrap_or_default();
                let parent = if n >= 2 { path[n - 2].as_slice() } else { b"" };
                let datum = |path: &[Vec<u8>]| {
                    parse_datum(&value).ok_or_else(|| {
                        error(
                            path,
                            format!("`{}` is geen geldige datum (JJJJ-MM-DD)", redact(&value)),
                        )
                    })
                };
                if let Some(p) = current.as_mut() {
                    match (parent, name) {
                        (b"Product", b"Categorie") => p.categorie = Some(value.clone()),
                        (b"Product", b"Code") => p.code = Some(value.clone()),
                        (_, b"ToewijzingNummer") => p.toewijzingnummer = Some(value.clone()),
                        (_, b"Begindatum" | b"Ingangsdatum") => p.begindatum = Some(datum(&path)?),
                        (b"Verwijzer", b"Type") => p.verwijzer = Some(value.clone()),
                        (_, b"Einddatum") => p.einddatum = Some(datum(&path)?),
                        (_, b"RedenBeeindiging") => p.reden_beeindiging = Some(value.clone()),
                        (_, b"ReferentieAanbieder") => {
                            p.referentie_aanbieder = Some(value.clone());
                        }
                        _ => {}
                    }
                    if soort.is_some_and(|s| name == s.product_element())
                        && let Some(p) = current.take()
                    {
                        producten.push(p);
                    }
                } else {
                    match (parent, name) {
                        (b"BerichtIdentificatie", b"Identificatie") => {
                            identificatie = Some(value.clone())
                        }
                        (b"BerichtIdentificatie", b"Dagtekening") => {
                            dagtekening = Some(datum(&path)?)
                        }
                        (b"Header", b"Afzender") => afzender = Some(value.clone()),
                        (b"Header", b"Ontvanger") => ontvanger = Some(value.clone()),
                        (b"Client", b"Bsn") => {
                            let bsn =
                                Bsn::parse(&value).map_err(|e| error(&path, e.to_string()))?;
                            pseudoniem = Some(pseudo.pseudoniem(&bsn));
                            // Kept only until the end of this function, to check that it
                            // does not also sit in a field that would be stored.
                            client_bsn = Some(value.clone());
                        }
                        (b"Geboortedatum", b"Datum") => {
                            // Only the year is kept (AVG: data minimisation).
                            geboortejaar = Some(
                                datum(&path)?
                                    .format("%Y")
                                    .to_string()
                                    .parse::<u16>()
                                    .unwrap_or(0),
                            );
                        }
                        (b"Client", b"Geslacht") => {
                            geslacht = Some(match value.as_str() {
                                "1" => Geslacht::Man,
                                "2" => Geslacht::Vrouw,
                                "0" | "9" => Geslacht::Onbekend,
                                _ => {
                                    return Err(error(
                                        &path,
                                        format!(
                                            "onbekende geslachtscode `{}`; geldig zijn 0 (onbekend), 1 (man), 2 (vrouw), 9 (niet gespecificeerd)",
                                            redact(&value)
                                        ),
                                    ));
                                }
                            });
                        }
                        _ => {}
                    }
                }
                path.pop();
            }
            Event::Text(t) => {
                let s = t.xml_content().map_err(|e| {
                    error(
                        &path,
                        format!("ongeldige tekens: {}", redact(&e.to_string())),
                    )
                })?;
                push_text(&mut text, &s, &path)?;
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| {
                    error(
                        &path,
                        format!("ongeldige tekens: {}", redact(&e.to_string())),
                    )
                })?;
                push_text(&mut text, &s, &path)?;
            }
            Event::GeneralRef(r) => {
                // Only character references and the five predefined entities: no DTD
                // entities, so no entity expansion attacks.
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten()
                } else {
                    match &*r {
                        b"amp" => Some('&'),
                        b"lt" => Some('<'),
                        b"gt" => Some('>'),
                        b"quot" => Some('"'),
                        b"apos" => Some('\''),
                        _ => None,
                    }
                };
                match c {
                    Some(c) => push_text(&mut text, c.encode_utf8(&mut [0; 4]), &path)?,
                    None => return Err(error(&path, "onbekende entiteit")),
                }
            }
            Event::Eof => break,
            Event::Empty(_)
            | Event::Comment(_)
            | Event::Decl(_)
            | Event::PI(_)
            | Event::DocType(_) => {}
        }
        buf.clear();
    }
    if !path.is_empty() {
        return Err(error(&path, "het bericht houdt halverwege op"));
    }
    let soort = soort.ok_or_else(|| error(&[], "leeg document: geen iJw-Bericht"))?;
    if let Some(bsn) = client_bsn.as_deref().map(str::trim) {
        // Identificatie, Afzender and Ontvanger end up in the envelope and the report; a
        // BSN typed there (it happens) must not.
        let fields = [
            identificatie.as_deref(),
            afzender.as_deref(),
            ontvanger.as_deref(),
        ];
        let product_fields = producten.iter().flat_map(|p| {
            [
                p.toewijzingnummer.as_deref(),
                p.categorie.as_deref(),
                p.code.as_deref(),
                p.reden_beeindiging.as_deref(),
                p.referentie_aanbieder.as_deref(),
            ]
        });
        if fields
            .into_iter()
            .chain(product_fields)
            .flatten()
            .any(|v| v.contains(bsn))
        {
            return Err(error(
                &[b"Bericht".to_vec()],
                "het BSN van de cliënt staat ook in een ander veld (identificatie, afzender, ontvanger of product); bericht geweigerd",
            ));
        }
    }
    let bericht = |field: &str| error(&[b"Bericht".to_vec()], format!("{field} ontbreekt"));
    let identificatie = identificatie
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bericht("Header/BerichtIdentificatie/Identificatie"))?;
    let afzender = afzender
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bericht("Header/Afzender"))?;
    Ok(Bericht {
        soort,
        identificatie: kenmerk(
            pseudo,
            "Header/BerichtIdentificatie/Identificatie",
            identificatie,
        )?,
        dagtekening: dagtekening
            .ok_or_else(|| bericht("Header/BerichtIdentificatie/Dagtekening"))?,
        afzender_kenmerk: kenmerk(pseudo, "Header/Afzender", afzender.clone())?,
        afzender,
        ontvanger: ontvanger
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bericht("Header/Ontvanger"))?,
        pseudoniem: pseudoniem.ok_or_else(|| bericht("Client/Bsn"))?,
        geboortejaar,
        geslacht: geslacht.unwrap_or(Geslacht::Onbekend),
        producten,
    })
}

/// A header value that is stored in `source` and shown in the report: one that holds
/// something that could be a BSN ([`contains_bsn`]) is replaced by its keyed pseudonym
/// `psn-<16 hex>` (the same value gives the same pseudonym under the same key, so a
/// message is still recognised as imported); one with control characters or longer than
/// an identifier may be is refused, without repeating it.
fn kenmerk(pseudo: &Pseudonymizer, element: &str, value: String) -> Result<String, ParseError> {
    if contains_bsn(&value) {
        return Ok(format!("psn-{}", pseudo.kenmerk(&value)));
    }
    check_text(element, TextKind::Key, &value).map_err(|a| ParseError {
        element: element.to_owned(),
        reden: a.melding,
    })?;
    Ok(value)
}

fn push_text(text: &mut String, s: &str, path: &[Vec<u8>]) -> Result<(), ParseError> {
    if text.len() + s.len() > MAX_TEXT {
        return Err(error(path, "tekst te lang"));
    }
    text.push_str(s);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo() -> Pseudonymizer {
        Pseudonymizer::new("test-sleutel-voor-ijw-berichten").unwrap_or_else(|_| unreachable!())
    }

    const JW305: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<jw305:Bericht xmlns:jw305="http://www.istandaarden.nl/ijw/3_2/jw305/schema" xmlns:ijw="http://www.istandaarden.nl/ijw/3_2/basisschema/schema">
  <jw305:Header>
    <jw305:BerichtCode>436</jw305:BerichtCode>
    <jw305:BerichtVersie>3</jw305:BerichtVersie>
    <jw305:BerichtSubversie>2</jw305:BerichtSubversie>
    <jw305:Afzender>87654321</jw305:Afzender>
    <jw305:Ontvanger>0599</jw305:Ontvanger>
    <jw305:BerichtIdentificatie>
      <jw305:Identificatie>HZN-0001</jw305:Identificatie>
      <jw305:Dagtekening>2024-02-02</jw305:Dagtekening>
    </jw305:BerichtIdentificatie>
  </jw305:Header>
  <jw305:Client>
    <jw305:Bsn>999900006</jw305:Bsn>
    <jw305:Geboortedatum><jw305:Datum>2008-05-14</jw305:Datum><jw305:DatumGebruik>1</jw305:DatumGebruik></jw305:Geboortedatum>
    <jw305:Geslacht>2</jw305:Geslacht>
    <jw305:StartProducten>
      <jw305:StartProduct>
        <jw305:ToewijzingNummer>100001</jw305:ToewijzingNummer>
        <jw305:Product><jw305:Categorie>43</jw305:Categorie><jw305:Code>43A41</jw305:Code></jw305:Product>
        <jw305:Begindatum>2024-02-01</jw305:Begindatum>
      </jw305:StartProduct>
    </jw305:StartProducten>
  </jw305:Client>
</jw305:Bericht>"#;

    #[test]
    fn parses_a_start_and_keeps_only_the_pseudonym_and_year() {
        let b = parse(JW305.as_bytes(), &pseudo());
        let b = match b {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(b.soort, BerichtSoort::Jw305);
        assert_eq!(b.identificatie, "HZN-0001");
        assert_eq!(b.geboortejaar, Some(2008));
        assert_eq!(b.geslacht, Geslacht::Vrouw);
        assert_eq!(b.gemeente(), "GM0599");
        assert_eq!(b.producten.len(), 1);
        assert_eq!(b.producten[0].code.as_deref(), Some("43A41"));
        assert!(!format!("{b:?}").contains("999900006"));
        assert!(b.source_key().starts_with("JW305 HZN-0001 (2024-02-02"));
    }

    #[test]
    fn errors_name_the_element_and_hide_the_bsn() {
        let bad = JW305.replace("999900006", "999900007");
        let e = parse(bad.as_bytes(), &pseudo())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("Client/Bsn"), "{e}");
        assert!(!e.contains("999900007"));
        let bad = JW305.replace("2024-02-01", "2024-02-31");
        let e = parse(bad.as_bytes(), &pseudo())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("Begindatum"), "{e}");
        let bad = JW305.replace("jw305/schema", "jw999/schema");
        assert!(parse(bad.as_bytes(), &pseudo()).is_err());
        let cut = &JW305[..JW305.len() / 2];
        assert!(parse(cut.as_bytes(), &pseudo()).is_err());
    }
}
