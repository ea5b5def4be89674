//! JSON Lines reader: one JSON object per line with the same field names as the CSV
//! columns (see [`crate::formaat`]). Values may be strings or native JSON numbers and
//! booleans. A correction may carry its new content as a nested object
//! `"nieuw": {"type": "…", …}` instead of `nieuw_…` fields. Blank lines are skipped.

use std::borrow::Cow;

use kringloop_events::Gebeurtenis;
use serde_json::{Map, Value};

use crate::csv::Item;
use crate::formaat::{self, BouwNieuw, VeldFout, Velden};
use crate::pseudonym::{Pseudonymizer, redact};
use crate::record::{self, Afgewezen, Location};

struct Object<'a>(&'a Map<String, Value>);

impl Velden for Object<'_> {
    fn tekst(&self, naam: &str) -> Result<Option<Cow<'_, str>>, VeldFout> {
        if naam == "nieuw_type"
            && let Some(Value::Object(n)) = self.0.get("nieuw")
        {
            return Ok(match n.get("type") {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(Cow::Borrowed(s.as_str())),
                _ => None,
            });
        }
        match self.0.get(naam) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(Cow::Borrowed(s.as_str()))),
            // An amount is exact cents: a JSON number with a fraction is a float to serde,
            // so amounts with cents are written as text ("612.45").
            Some(Value::Number(n))
                if !(n.is_u64() || n.is_i64())
                    && formaat::is_bedrag(naam.strip_prefix("nieuw_").unwrap_or(naam)) =>
            {
                Err(VeldFout(format!(
                    "veld `{naam}`: schrijf een bedrag met centen als tekst, bv. \"612.45\" (een JSON-getal met decimalen is niet exact)"
                )))
            }
            Some(Value::Number(n)) => Ok(Some(Cow::Owned(n.to_string()))),
            Some(Value::Bool(b)) => Ok(Some(Cow::Borrowed(if *b { "true" } else { "false" }))),
            Some(Value::Array(_) | Value::Object(_)) => Err(VeldFout(format!(
                "veld `{naam}` moet een enkele waarde zijn, geen lijst of object"
            ))),
        }
    }
}

/// Whether any line has a `bsn` field (so the file needs the pseudonymisation key).
pub fn has_bsn_field(bytes: &[u8]) -> bool {
    bytes.windows(5).any(|w| w == b"\"bsn\"")
}

/// Reads a whole JSON Lines file.
pub fn read(file: &str, bytes: &[u8], pseudo: Option<&Pseudonymizer>) -> Vec<Item> {
    let source_prefix = format!("import:jsonl {file}");
    let mut out = Vec::new();
    for (i, regel) in bytes.split(|b| *b == b'\n').enumerate() {
        let nr = i as u64 + 1;
        let plaats = Location::regel(file, nr);
        let regel = regel.strip_suffix(b"\r").unwrap_or(regel);
        let regel = if nr == 1 {
            regel.strip_prefix("\u{feff}".as_bytes()).unwrap_or(regel)
        } else {
            regel
        };
        if regel.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let obj: Map<String, Value> = match serde_json::from_slice(regel) {
            Ok(o) => o,
            Err(e) => {
                // serde_json's message names the position, never the content.
                out.push(Item::Afgewezen(Afgewezen::unreadable(
                    plaats,
                    format!("geen geldig JSON-object: {}", redact(&e.to_string())),
                )));
                continue;
            }
        };
        match read_object(&obj, &plaats, &source_prefix, pseudo) {
            Ok(vs) => out.extend(vs.into_iter().map(|v| Item::Voorstel(Box::new(v)))),
            Err(e) => out.push(Item::Afgewezen(Afgewezen::unreadable(plaats, e.0))),
        }
    }
    crate::contract::groepeer(out)
}

fn read_object(
    obj: &Map<String, Value>,
    plaats: &Location,
    source_prefix: &str,
    pseudo: Option<&Pseudonymizer>,
) -> Result<Vec<record::Voorstel>, VeldFout> {
    let o = Object(obj);
    let type_name = o.tekst("type")?.map(|t| t.trim().to_owned());
    if type_name
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case(crate::lijst::LIJST_TYPE))
    {
        for (k, v) in obj {
            if !v.is_null()
                && !crate::lijst::hoort_bij(k)
                && !matches!(k.as_str(), "type" | "pseudoniem" | "bsn")
                && !formaat::META_NA.contains(&k.as_str())
            {
                return Err(VeldFout(format!(
                    "veld `{}` hoort niet bij type {}",
                    redact(k),
                    crate::lijst::LIJST_TYPE
                )));
            }
        }
        return record::read_all(&o, plaats, source_prefix, pseudo, None);
    }
    let spec = type_name.as_deref().and_then(formaat::spec);
    if let Some(spec) = spec {
        let nieuw_type = o.tekst("nieuw_type")?;
        for (k, v) in obj {
            if v.is_null() || k == "nieuw" && spec.event_type == "FeitGecorrigeerd" {
                continue;
            }
            if !record::belongs_to(k, spec, nieuw_type.as_deref()) {
                return Err(VeldFout(format!(
                    "veld `{}` hoort niet bij type {}",
                    redact(k),
                    spec.event_type
                )));
            }
        }
    }
    let pseudonym_for_new = o.tekst("pseudoniem")?.map(|p| p.into_owned());
    let nested = match obj.get("nieuw") {
        Some(Value::Object(n)) => Some(n),
        _ => None,
    };
    let build_new = |t: &str| -> Result<Gebeurtenis, VeldFout> {
        let (Some(n), Some(s)) = (nested, formaat::spec(t)) else {
            return Err(VeldFout("nieuwe inhoud ontbreekt".to_owned()));
        };
        for k in n.keys() {
            if k != "type" && !s.velden.iter().any(|v| v.naam == k) {
                return Err(VeldFout(format!(
                    "veld `nieuw.{}` hoort niet bij type {}",
                    redact(k),
                    s.event_type
                )));
            }
        }
        // The youth of a nested registration is the record's youth; a nested
        // JeugdigeGeregistreerd with a `bsn` is not supported (use `pseudoniem`).
        formaat::bouw(s, &Object(n), "", pseudonym_for_new.as_deref(), None)
    };
    let build_new: Option<BouwNieuw<'_>> = nested.is_some().then_some(&build_new);
    record::read(&o, plaats, source_prefix, pseudo, build_new).map(|v| vec![v])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_objects_and_reports_bad_lines() {
        let data = concat!(
            r#"{"type":"PlaatsenGeopend","voorziening":"X","datum":"2024-01-01","aantal":4}"#,
            "\n\n",
            r#"{"type":"PlaatsenGeopend","voorziening":"X","datum":"2024-01-01","aantal":-4}"#,
            "\n",
            r#"{"type":"PlaatsenGeopend", oeps"#,
            "\n",
            r#"{"type":"FeitGecorrigeerd","pseudoniem":"p1","vervangt":"0190b7a0-0000-7000-8000-000000000001","reden":"r","nieuw":{"type":"WoongemeenteGewijzigd","woongemeente":"GM0518","datum":"2024-12-15"}}"#,
            "\n"
        );
        let items = read("x.jsonl", data.as_bytes(), None);
        assert_eq!(items.len(), 4);
        assert!(matches!(&items[0], Item::Voorstel(v) if v.source == "import:jsonl x.jsonl:1"));
        assert!(matches!(&items[1], Item::Afgewezen(a) if a.plaats.regel == Some(3)));
        assert!(matches!(&items[2], Item::Afgewezen(a) if a.plaats.regel == Some(4)));
        assert!(
            matches!(&items[3], Item::Voorstel(v) if matches!(v.feit, Gebeurtenis::FeitGecorrigeerd(_))),
            "{:?}",
            items[3]
        );
    }
}
