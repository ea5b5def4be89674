//! Upcasters: turn an old payload schema version into the current one, step by step.
//!
//! Stored events are never rewritten; old versions are upcast every time they are read.
//! To change a payload: bump its version in the catalogue and add a step here.

use serde_json::{Value, json};

/// Upcasts `payload` of `event_type` from `version` to the current version.
pub fn upcast(event_type: &str, version: i32, payload: Value) -> Result<Value, serde_json::Error> {
    let mut value = payload;
    let mut v = version;
    loop {
        value = match (event_type, v) {
            ("VoorzieningGeregistreerd", 1) => voorziening_geregistreerd_v1_to_v2(value)?,
            ("PlaatsingGestart" | "Doorgeplaatst", 1) => zonder_verzoek_v1_to_v2(value)?,
            _ => return Ok(value),
        };
        v += 1;
    }
}

/// Version 1 of `PlaatsingGestart` and `Doorgeplaatst` knew no placement requests:
/// such a placement fulfils none and is not a bridging place.
fn zonder_verzoek_v1_to_v2(mut value: Value) -> Result<Value, serde_json::Error> {
    use serde::de::Error;
    let obj = value
        .as_object_mut()
        .ok_or_else(|| serde_json::Error::custom("payload is geen object"))?;
    obj.entry("verzoek").or_insert(Value::Null);
    obj.entry("overbrugging").or_insert(Value::Bool(false));
    Ok(value)
}

/// Version 1 recorded the regime as `gesloten: bool`; version 2 names it (`GESLOTEN` /
/// `OPEN`) so that further regimes can be added without another boolean.
fn voorziening_geregistreerd_v1_to_v2(mut value: Value) -> Result<Value, serde_json::Error> {
    use serde::de::Error;
    let obj = value
        .as_object_mut()
        .ok_or_else(|| serde_json::Error::custom("payload is geen object"))?;
    let gesloten = obj
        .remove("gesloten")
        .and_then(|g| g.as_bool())
        .ok_or_else(|| serde_json::Error::custom("veld `gesloten` (true/false) ontbreekt"))?;
    obj.insert(
        "regime".to_owned(),
        json!(if gesloten { "GESLOTEN" } else { "OPEN" }),
    );
    Ok(value)
}
