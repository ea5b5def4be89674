//! kringloop-events: the event catalogue, the envelope and the domain rules.
//!
//! Pure: no IO, no SQL, no HTTP. Everything that decides whether a fact may be recorded
//! lives here, so the API, the importers and the generator all apply the same rules.

pub mod bsn;
pub mod catalogue;
pub mod envelope;
pub mod geld;
pub mod personal;
pub mod referentie;
pub mod rules;
pub mod types;
pub mod upcast;

pub use catalogue::*;
pub use envelope::{ExpectedVersion, NewEvent, RecordedEvent, StreamId};
pub use geld::*;
pub use types::*;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Metadata a writer attaches to every fact it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub recorded_by: String,
    pub source: String,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
}

impl Gebeurtenis {
    /// Wraps this fact in a [`NewEvent`] with a fresh UUIDv7.
    pub fn to_new_event(&self, provenance: &Provenance) -> NewEvent {
        NewEvent {
            event_id: Uuid::now_v7(),
            event_type: self.event_type().to_owned(),
            schema_version: self.schema_version(),
            payload: self.payload_json(),
            valid_date: self.valid_date(),
            recorded_by: provenance.recorded_by.clone(),
            source: provenance.source.clone(),
            correlation_id: provenance.correlation_id,
            causation_id: provenance.causation_id,
        }
    }

    /// Decodes a stored event's payload (upcasting old versions).
    pub fn from_recorded(event: &RecordedEvent) -> Result<Gebeurtenis, DecodeError> {
        Gebeurtenis::decode(&event.event_type, event.schema_version, &event.payload)
    }
}

/// Truncates a timestamp to the microseconds both backends store.
pub fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn upcasts_voorziening_v1_with_gesloten_bool_to_regime() {
        let v1 = r#"{"id":"F1","aanbieder":"A","naam":"De Hoeve","gemeente":"GM0599","vorm":"GROEP","gesloten":true,"datum":"2024-01-01"}"#;
        let decoded = Gebeurtenis::decode("VoorzieningGeregistreerd", 1, v1);
        match decoded {
            Ok(Gebeurtenis::VoorzieningGeregistreerd(v)) => {
                assert_eq!(v.regime, Regime::Gesloten);
                assert_eq!(v.vorm, Vorm::Groep);
                assert_eq!(v.datum, date("2024-01-01"));
            }
            other => panic!("expected upcast facility, got {other:?}"),
        }
        let v1_open = v1.replace("\"gesloten\":true", "\"gesloten\":false");
        assert!(matches!(
            Gebeurtenis::decode("VoorzieningGeregistreerd", 1, &v1_open),
            Ok(Gebeurtenis::VoorzieningGeregistreerd(
                VoorzieningGeregistreerd {
                    regime: Regime::Open,
                    ..
                }
            ))
        ));
        let broken = v1.replace("\"gesloten\":true,", "");
        assert!(matches!(
            Gebeurtenis::decode("VoorzieningGeregistreerd", 1, &broken),
            Err(DecodeError::Payload { .. })
        ));
    }

    #[test]
    fn rejects_unknown_and_future_types() {
        assert!(matches!(
            Gebeurtenis::decode("Onzin", 1, "{}"),
            Err(DecodeError::UnknownType(_))
        ));
        assert!(matches!(
            Gebeurtenis::decode("PlaatsingGestart", 9, "{}"),
            Err(DecodeError::FutureVersion { .. })
        ));
    }

    #[test]
    fn correction_nests_the_new_content() {
        let nieuw: Gebeurtenis = PlaatsingGestart {
            voorziening: "F1".into(),
            datum: date("2024-01-10"),
            spoed: true,
            crisis: false,
            verblijf_voor: Verblijfplaats::Thuis,
            verzoek: None,
            overbrugging: false,
        }
        .into();
        let c: Gebeurtenis = FeitGecorrigeerd {
            vervangt: Uuid::now_v7(),
            nieuw: Box::new(nieuw),
            reden: "verkeerde datum".into(),
        }
        .into();
        let json = c.payload_json();
        assert!(json.contains("\"type\":\"PlaatsingGestart\""));
        let back = Gebeurtenis::decode("FeitGecorrigeerd", 1, &json).ok();
        assert_eq!(back, Some(c.clone()));
        assert_eq!(c.valid_date(), Some(date("2024-01-10")));
    }
}
