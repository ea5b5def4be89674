//! Idempotency keys: what an earlier append under a key wrote, and when a new request is
//! the same request.

use kringloop_events::Gebeurtenis;
use uuid::Uuid;

/// What an earlier append with an idempotency key wrote.
#[derive(Debug, Clone)]
pub enum KeyUse {
    /// One event: a fact's retry can be answered with it.
    One(Earlier),
    /// Several events (an import): no fact's retry.
    Several,
}

impl KeyUse {
    /// The earlier write when a fact for `stream` is the one this key wrote: the same
    /// stream, event type and payload, as the store compares them
    /// (`kringloop_store::StoreError::IdempotencyConflict`).
    pub fn same_request(&self, stream: &str, fact: &Gebeurtenis) -> Option<&Earlier> {
        match self {
            KeyUse::One(e)
                if e.fingerprint
                    == fingerprint(stream, fact.event_type(), &fact.payload_json()) =>
            {
                Some(e)
            }
            _ => None,
        }
    }
}

/// The one event an idempotency key wrote.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub stream: String,
    pub event_id: Uuid,
    pub position: i64,
    pub stream_version: i64,
    /// [`fingerprint`] of what it wrote, to tell a retry from another fact.
    pub fingerprint: [u8; 32],
}

impl Earlier {
    /// The write of one event of `event_type` with `payload`.
    pub fn new(
        stream: String,
        event_id: Uuid,
        position: i64,
        stream_version: i64,
        event_type: &str,
        payload: &str,
    ) -> Earlier {
        let fingerprint = fingerprint(&stream, event_type, payload);
        Earlier {
            stream,
            event_id,
            position,
            stream_version,
            fingerprint,
        }
    }
}

/// SHA-256 over stream, event type and payload (each with its length): what makes two
/// requests under one idempotency key the same request.
pub fn fingerprint(stream: &str, event_type: &str, payload: &str) -> [u8; 32] {
    use sha2::{Digest as _, Sha256};
    let mut h = Sha256::new();
    for part in [stream, event_type, payload] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kringloop_events::LandsdeelGeregistreerd;

    fn landsdeel(naam: &str) -> Gebeurtenis {
        LandsdeelGeregistreerd {
            code: "LD01".to_owned(),
            naam: naam.to_owned(),
        }
        .into()
    }

    #[test]
    fn a_retry_is_the_same_request_and_another_fact_is_not() {
        let fact = landsdeel("Noord");
        let earlier = Earlier::new(
            "landsdeel-LD01".to_owned(),
            Uuid::nil(),
            7,
            1,
            fact.event_type(),
            &fact.payload_json(),
        );
        let used = KeyUse::One(earlier);
        assert!(used.same_request("landsdeel-LD01", &fact).is_some());
        assert!(used.same_request("landsdeel-LD02", &fact).is_none());
        assert!(
            used.same_request("landsdeel-LD01", &landsdeel("Zuid"))
                .is_none()
        );
        assert!(
            KeyUse::Several
                .same_request("landsdeel-LD01", &fact)
                .is_none()
        );
    }

    #[test]
    fn the_fingerprint_separates_its_parts() {
        assert_ne!(fingerprint("ab", "c", ""), fingerprint("a", "bc", ""));
    }
}
