//! Which fields of a youth's facts are personal data, and how a payload is split into the
//! part the figures need (stored in the clear, under the hash chain) and the personal part
//! (stored sealed under the youth's key, see crate `kringloop-vault`).
//!
//! The split is decided per event type and documented in `docs/erasure.md`:
//! the pseudonym, year of birth, sex, free-text reasons and who requested an authorisation
//! are personal and sealed; dates, facilities, forms, destinations, the home gemeente and
//! the authorisation's kind and local id are what the KPIs count and stay in the clear. No
//! projection reads a sealed field: they fold the stored residue (`tests/tests/vault.rs`
//! shows every KPI is the same with and without the vault, before and after erasures).
//!
//! In the stored payload a sealed field keeps its name with a placeholder of its type
//! (`""`, `0`, `"ONBEKEND"`), so the payload still decodes as the same
//! [`crate::Gebeurtenis`]: readers that need no personal data (the projections) decode
//! it as they always did.

use serde_json::{Map, Value};

/// The field of a stored payload that carries the sealed personal part.
pub const SEALED_FIELD: &str = "verzegeld";

/// Marks a youth stream whose name is a random id (the stored, "physical" name) rather
/// than `jeugdige-<pseudonym>` (the name writers use): `jeugdige-~<32 hex digits>`.
pub const PHYSICAL_MARK: char = '~';

/// The placeholder a sealed field keeps in the stored payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder {
    Text,
    Number,
    Geslacht,
}

impl Placeholder {
    fn value(self) -> Value {
        match self {
            Placeholder::Text => Value::String(String::new()),
            Placeholder::Number => Value::from(0),
            Placeholder::Geslacht => Value::String("ONBEKEND".to_owned()),
        }
    }
}

/// The personal fields of an event type, with their placeholders. Corrections also seal
/// the personal fields of their new content (see [`split`]).
fn personal_fields(event_type: &str) -> &'static [(&'static str, Placeholder)] {
    use Placeholder::*;
    match event_type {
        "JeugdigeGeregistreerd" => &[
            ("pseudoniem", Text),
            ("geboortejaar", Number),
            ("geslacht", Geslacht),
        ],
        "MachtigingAfgegeven" => &[("aangevraagd_door", Text)],
        "MachtigingBeeindigd"
        | "Doorgeplaatst"
        | "PlaatsingBeeindigd"
        | "FeitGecorrigeerd"
        | "FeitIngetrokken" => &[("reden", Text)],
        "AanmeldingGeweigerd" | "PlaatsingsverzoekIngetrokken" | "MaatregelToegepast" => {
            &[("toelichting", Text)]
        }
        _ => &[],
    }
}

/// Whether events of this type can carry personal fields.
pub fn has_personal_fields(event_type: &str) -> bool {
    !personal_fields(event_type).is_empty()
}

/// A payload split in two.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The payload with every personal field replaced by its placeholder.
    pub residue: Value,
    /// The personal fields, as an object shaped like the payload (`None`: there are none).
    pub personal: Option<Value>,
}

/// Splits the JSON payload of an event of `event_type` into residue and personal part.
/// A payload that is not a JSON object comes back whole as the residue.
pub fn split(event_type: &str, payload: &str) -> Result<Split, serde_json::Error> {
    let mut residue: Value = serde_json::from_str(payload)?;
    let personal = split_value(event_type, &mut residue);
    Ok(Split {
        residue,
        personal: (!personal.is_empty()).then_some(Value::Object(personal)),
    })
}

fn split_value(event_type: &str, value: &mut Value) -> Map<String, Value> {
    let mut personal = Map::new();
    let Value::Object(object) = value else {
        return personal;
    };
    for (name, placeholder) in personal_fields(event_type) {
        let placeholder = placeholder.value();
        // A value equal to its placeholder (an empty reason) says nothing: nothing to seal.
        if let Some(v) = object.get_mut(*name)
            && *v != placeholder
        {
            personal.insert((*name).to_owned(), std::mem::replace(v, placeholder));
        }
    }
    // A correction carries the new content as `{"type": …, "data": {…}}`.
    if event_type == "FeitGecorrigeerd"
        && let Some(Value::Object(nieuw)) = object.get_mut("nieuw")
    {
        let inner_type = nieuw
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(data) = nieuw.get_mut("data") {
            let inner = split_value(&inner_type, data);
            if !inner.is_empty() {
                let mut wrapper = Map::new();
                wrapper.insert("data".to_owned(), Value::Object(inner));
                personal.insert("nieuw".to_owned(), Value::Object(wrapper));
            }
        }
    }
    personal
}

/// Puts a personal part back into its residue (the inverse of [`split`]).
pub fn merge(residue: &mut Value, personal: Value) {
    match (residue, personal) {
        (Value::Object(r), Value::Object(p)) => {
            for (k, v) in p {
                match r.get_mut(&k) {
                    Some(slot @ Value::Object(_)) if v.is_object() => merge(slot, v),
                    Some(slot) => *slot = v,
                    None => {
                        r.insert(k, v);
                    }
                }
            }
        }
        (r, p) => *r = p,
    }
}

/// Whether a stream name is a youth's stored (physical) name, `jeugdige-~…`.
pub fn is_physical_youth_stream(stream: &str) -> bool {
    crate::pseudoniem_van_stream(stream).is_some_and(|s| s.starts_with(PHYSICAL_MARK))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        FeitGecorrigeerd, Gebeurtenis, Geslacht, JeugdigeGeregistreerd, PlaatsingBeeindigd,
        Verblijfplaats,
    };
    use chrono::NaiveDate;
    use uuid::Uuid;

    fn registratie() -> Gebeurtenis {
        JeugdigeGeregistreerd {
            pseudoniem: "p-3f9a".into(),
            geboortejaar: 2009,
            geslacht: Geslacht::Vrouw,
            woongemeente: "GM0599".into(),
            datum: NaiveDate::from_ymd_opt(2024, 1, 2).unwrap_or_default(),
        }
        .into()
    }

    fn roundtrip(g: &Gebeurtenis) -> (Gebeurtenis, Gebeurtenis) {
        let s = split(g.event_type(), &g.payload_json()).expect("json");
        let residue =
            Gebeurtenis::decode(g.event_type(), g.schema_version(), &s.residue.to_string())
                .expect("residue decodes");
        let mut whole = s.residue.clone();
        if let Some(p) = s.personal {
            merge(&mut whole, p);
        }
        let back = Gebeurtenis::decode(g.event_type(), g.schema_version(), &whole.to_string())
            .expect("merged decodes");
        (residue, back)
    }

    #[test]
    fn registration_keeps_gemeente_and_date_and_seals_the_rest() {
        let g = registratie();
        let (residue, back) = roundtrip(&g);
        assert_eq!(back, g);
        match residue {
            Gebeurtenis::JeugdigeGeregistreerd(r) => {
                assert_eq!(r.pseudoniem, "");
                assert_eq!(r.geboortejaar, 0);
                assert_eq!(r.geslacht, Geslacht::Onbekend);
                assert_eq!(r.woongemeente, "GM0599");
                assert_eq!(
                    r.datum,
                    NaiveDate::from_ymd_opt(2024, 1, 2).unwrap_or_default()
                );
            }
            other => panic!("expected a registration, got {other:?}"),
        }
        let s = split(g.event_type(), &g.payload_json()).expect("json");
        let text = s.residue.to_string();
        assert!(!text.contains("p-3f9a") && !text.contains("2009"), "{text}");
    }

    #[test]
    fn a_correction_seals_its_reason_and_the_new_contents_personal_fields() {
        let g: Gebeurtenis = FeitGecorrigeerd {
            vervangt: Uuid::nil(),
            nieuw: Box::new(registratie()),
            reden: "verkeerd geboortejaar".into(),
        }
        .into();
        let (residue, back) = roundtrip(&g);
        assert_eq!(back, g);
        let text = serde_json::to_string(&residue).unwrap_or_default();
        assert!(
            !text.contains("p-3f9a") && !text.contains("verkeerd"),
            "{text}"
        );
        assert!(text.contains("GM0599"), "{text}");
    }

    #[test]
    fn facts_without_personal_fields_split_into_nothing() {
        let g: Gebeurtenis = PlaatsingBeeindigd {
            voorziening: None,
            datum: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default(),
            bestemming: Verblijfplaats::Thuis,
            reden: String::new(),
            reden_beeindiging: None,
        }
        .into();
        let s = split(g.event_type(), &g.payload_json()).expect("json");
        assert_eq!(s.personal, None, "an empty reason has nothing to seal");
        let g: Gebeurtenis = crate::PlaatsenGeopend {
            voorziening: "F1".into(),
            datum: NaiveDate::from_ymd_opt(2024, 3, 1).unwrap_or_default(),
            aantal: 3,
        }
        .into();
        let s = split(g.event_type(), &g.payload_json()).expect("json");
        assert_eq!(s.personal, None);
        assert!(!has_personal_fields("PlaatsingGestart"));
    }

    #[test]
    fn physical_names_are_told_from_pseudonym_names() {
        assert!(is_physical_youth_stream("jeugdige-~00ff"));
        assert!(!is_physical_youth_stream("jeugdige-00ff"));
        assert!(!is_physical_youth_stream("voorziening-~x"));
    }
}
