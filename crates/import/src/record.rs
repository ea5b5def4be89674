//! What every reader produces: proposed facts with their place in the input, or the reason
//! a record could not be read. Shared by CSV and JSON Lines (iJw builds [`Voorstel`]s
//! itself).

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use kringloop_events::rules::input::{TextKind, check_text};
use kringloop_events::{Gebeurtenis, jeugdige_stream};
use serde::Serialize;
use uuid::Uuid;

use crate::formaat::{self, BouwNieuw, META_NA, TypeSpec, VeldFout, Velden};
use crate::pseudonym::{Bsn, Pseudonymizer, contains_bsn, redact};

/// Where a record is in the input: a file and a line (CSV, JSON Lines) or an element
/// (iJw: the message and the product within it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub bestand: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regel: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
}

impl Location {
    pub fn regel(bestand: &str, regel: u64) -> Self {
        Location {
            bestand: bestand.to_owned(),
            regel: Some(regel),
            element: None,
        }
    }

    pub fn element(bestand: &str, element: impl Into<String>) -> Self {
        Location {
            bestand: bestand.to_owned(),
            regel: None,
            element: Some(element.into()),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.bestand)?;
        if let Some(r) = self.regel {
            write!(f, ":{r}")?;
        }
        if let Some(e) = &self.element {
            write!(f, " [{e}]")?;
        }
        Ok(())
    }
}

/// A fact read from the input, not yet checked against the domain rules.
#[derive(Debug, Clone)]
pub struct Voorstel {
    pub plaats: Location,
    /// The youth's stream for youth facts (and optionally for corrections); `None`: the
    /// fact's natural stream, or for a correction the stream of the fact it corrects.
    pub stream: Option<String>,
    pub feit: Gebeurtenis,
    pub event_id: Option<Uuid>,
    /// Backfill: the recorded time to store instead of now.
    pub geregistreerd_op: Option<DateTime<Utc>>,
    /// The envelope `source`.
    pub source: String,
    /// Expanded from a row of a coordinator's list ([`crate::lijst`]): a fact the log
    /// already holds is skipped instead of refused.
    pub uit_lijst: bool,
}

/// A record that is not imported, with its place and the reason. `code` is the rule's
/// [`kringloop_events::rules::AfwijzingCode`] or `UNREADABLE` for input that could not be
/// read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Afgewezen {
    pub plaats: Location,
    pub code: String,
    pub reden: String,
}

/// Code for records that could not be parsed.
pub const UNREADABLE: &str = "ONLEESBAAR";

impl Afgewezen {
    pub fn unreadable(plaats: Location, reden: impl Into<String>) -> Self {
        Afgewezen {
            plaats,
            code: UNREADABLE.to_owned(),
            reden: reden.into(),
        }
    }
}

impl fmt::Display for Afgewezen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.plaats, self.reden, self.code)
    }
}

/// Reads one tabular record (a CSV row or a JSON object) into a proposed fact.
/// `source_prefix` is `import:csv <file>` or `import:jsonl <file>`.
pub fn read(
    velden: &dyn Velden,
    plaats: &Location,
    source_prefix: &str,
    pseudo: Option<&Pseudonymizer>,
    nieuw: Option<BouwNieuw<'_>>,
) -> Result<Voorstel, VeldFout> {
    let type_name = velden.tekst("type")?.unwrap_or(Cow::Borrowed(""));
    let spec: &TypeSpec = formaat::spec(type_name.trim()).ok_or_else(|| {
        VeldFout(if type_name.trim().is_empty() {
            format!(
                "veld `type` ontbreekt; geldig zijn: {}, {}",
                formaat::type_namen(),
                crate::lijst::LIJST_TYPE
            )
        } else {
            format!(
                "onbekend type `{}`; geldig zijn: {}, {}",
                redact(&type_name),
                formaat::type_namen(),
                crate::lijst::LIJST_TYPE
            )
        })
    })?;
    let pseudoniem = jeugdige(velden, pseudo)?;
    let is_correction = matches!(spec.event_type, "FeitGecorrigeerd" | "FeitIngetrokken");
    match (&pseudoniem, spec.jeugdige, is_correction) {
        (None, true, _) => {
            return Err(VeldFout(format!(
                "{} gaat over een jeugdige: vul `pseudoniem` of `bsn` in",
                spec.event_type
            )));
        }
        (Some(_), false, false) => {
            return Err(VeldFout(format!(
                "{} gaat niet over een jeugdige: laat `pseudoniem` en `bsn` leeg",
                spec.event_type
            )));
        }
        _ => {}
    }
    let feit = formaat::bouw(spec, velden, "", pseudoniem.as_deref(), nieuw)?;
    let event_id = match velden.tekst("event_id")? {
        Some(t) => Some(Uuid::parse_str(t.trim()).map_err(|_| {
            VeldFout(format!(
                "veld `event_id`: `{}` is geen geldige UUID",
                redact(&t)
            ))
        })?),
        None => None,
    };
    let geregistreerd_op = match velden.tekst("geregistreerd_op")? {
        Some(t) => Some(formaat::parse_tijdstip(&t).ok_or_else(|| {
            VeldFout(format!(
                "veld `geregistreerd_op`: `{}` is geen tijdstip (verwacht RFC 3339, bv. 2024-04-20T09:30:00+02:00, of JJJJ-MM-DD)",
                redact(&t)
            ))
        })?),
        None => None,
    };
    let mut source = String::with_capacity(source_prefix.len() + 8);
    source.push_str(source_prefix);
    source.push(':');
    formaat::push_getal(&mut source, plaats.regel.unwrap_or(0));
    if let Some(bron) = velden.tekst("bron")? {
        // It ends up in the envelope's `source`, which the domain rules do not see: the
        // same limits as a name (no BSN, no control characters, at most MAX_NAME bytes).
        check_text("bron", TextKind::Name, bron.trim()).map_err(|a| VeldFout(a.melding))?;
        source.push_str(" (");
        source.push_str(bron.trim());
        source.push(')');
    }
    Ok(Voorstel {
        plaats: plaats.clone(),
        stream: pseudoniem.as_deref().map(jeugdige_stream),
        feit,
        event_id,
        geregistreerd_op,
        source,
        uit_lijst: false,
    })
}

/// Reads one tabular record into its proposed facts: one for a record of a catalogue
/// type, several for a row of a coordinator's list ([`crate::lijst`]).
pub fn read_all(
    velden: &dyn Velden,
    plaats: &Location,
    source_prefix: &str,
    pseudo: Option<&Pseudonymizer>,
    nieuw: Option<BouwNieuw<'_>>,
) -> Result<Vec<Voorstel>, VeldFout> {
    let is_lijst = velden
        .tekst("type")?
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(crate::lijst::LIJST_TYPE));
    if !is_lijst {
        return read(velden, plaats, source_prefix, pseudo, nieuw).map(|v| vec![v]);
    }
    let pseudoniem = jeugdige(velden, pseudo)?.ok_or_else(|| {
        VeldFout(
            "een regel van de plaatsingslijst gaat over een jeugdige: vul `pseudoniem` of `bsn` in"
                .to_owned(),
        )
    })?;
    if velden.tekst("event_id")?.is_some() {
        // One row becomes several facts: one id cannot name them all.
        return Err(VeldFout(
            "`event_id` kan niet bij een regel van de plaatsingslijst (één regel wordt meerdere feiten); laat de cel leeg".to_owned(),
        ));
    }
    let feiten = crate::lijst::lees(velden, &pseudoniem)?;
    let geregistreerd_op = match velden.tekst("geregistreerd_op")? {
        Some(t) => Some(formaat::parse_tijdstip(&t).ok_or_else(|| {
            VeldFout(format!(
                "veld `geregistreerd_op`: `{}` is geen tijdstip (verwacht RFC 3339 of JJJJ-MM-DD)",
                redact(&t)
            ))
        })?),
        None => None,
    };
    let mut source = format!("{source_prefix}:{}", plaats.regel.unwrap_or(0));
    if let Some(bron) = velden.tekst("bron")? {
        check_text("bron", TextKind::Name, bron.trim()).map_err(|a| VeldFout(a.melding))?;
        source.push_str(&format!(" ({})", bron.trim()));
    }
    let stream = jeugdige_stream(&pseudoniem);
    Ok(feiten
        .into_iter()
        .map(|feit| Voorstel {
            plaats: plaats.clone(),
            stream: Some(stream.clone()),
            feit,
            event_id: None,
            geregistreerd_op,
            source: source.clone(),
            uit_lijst: true,
        })
        .collect())
}

/// The youth's pseudonym from `pseudoniem` or (pseudonymised here) `bsn`.
fn jeugdige(
    velden: &dyn Velden,
    pseudo: Option<&Pseudonymizer>,
) -> Result<Option<String>, VeldFout> {
    let pseudoniem = velden.tekst("pseudoniem")?;
    let bsn = velden.tekst("bsn")?;
    match (pseudoniem, bsn) {
        (Some(_), Some(_)) => Err(VeldFout(
            "vul `pseudoniem` of `bsn` in, niet allebei".to_owned(),
        )),
        (Some(p), None) => {
            let p = p.trim();
            if contains_bsn(p)
                || ((8..=9).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(VeldFout(
                    "veld `pseudoniem` lijkt op een BSN; zet een BSN in de kolom `bsn`, dan wordt het gepseudonimiseerd".to_owned(),
                ));
            }
            if p.contains(char::is_whitespace) {
                return Err(VeldFout("veld `pseudoniem` bevat spaties".to_owned()));
            }
            Ok(Some(p.to_owned()))
        }
        (None, Some(b)) => {
            let Some(pseudo) = pseudo else {
                return Err(VeldFout(
                    "veld `bsn` gevuld, maar er is geen pseudonimiseringssleutel".to_owned(),
                ));
            };
            let bsn = Bsn::parse(&b).map_err(|e| VeldFout(format!("veld `bsn`: {e}")))?;
            Ok(Some(pseudo.pseudoniem(&bsn)))
        }
        (None, None) => Ok(None),
    }
}

/// Whether a column may be filled for a record of this type.
pub fn belongs_to(column: &str, spec: &TypeSpec, nieuw_type: Option<&str>) -> bool {
    if column == "type" || column == "pseudoniem" || column == "bsn" || META_NA.contains(&column) {
        return true;
    }
    if spec.velden.iter().any(|v| v.naam == column) {
        return true;
    }
    if spec.event_type == "FeitGecorrigeerd"
        && let Some(rest) = column.strip_prefix("nieuw_")
        && let Some(n) = nieuw_type.and_then(formaat::spec)
    {
        return n.velden.iter().any(|v| v.naam == rest);
    }
    false
}

/// Every column name any type knows, for the header check.
pub fn all_columns() -> Vec<String> {
    let mut out: Vec<String> = vec!["type".into(), "pseudoniem".into(), "bsn".into()];
    for s in formaat::SPECS {
        for v in s.velden {
            if !out.iter().any(|o| o == v.naam) {
                out.push(v.naam.to_owned());
            }
        }
    }
    for s in formaat::SPECS {
        for v in s.velden {
            let n = format!("nieuw_{}", v.naam);
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    for v in crate::lijst::SPEC.velden {
        if !out.iter().any(|o| o == v.naam) {
            out.push(v.naam.to_owned());
        }
    }
    for m in META_NA {
        out.push((*m).to_owned());
    }
    out
}
