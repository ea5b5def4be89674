//! Test helpers: build `RecordedEvent`s directly, as the store would hand them over.

#![allow(dead_code)]

pub mod grenzen;
pub mod historie;
pub mod vraag;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kringloop_events::{
    Gebeurtenis, GemeenteGeregistreerd, JeugdregioGeregistreerd, LandsdeelGeregistreerd,
    RecordedEvent, Regime,
};
use kringloop_projections::Filter;
use uuid::Uuid;

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or(NaiveDate::MIN)
}

pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// An in-memory log with positions and non-decreasing recorded times.
#[derive(Debug, Clone)]
pub struct Log {
    pub events: Vec<RecordedEvent>,
    pub klok: DateTime<Utc>,
    teller: u128,
}

impl Log {
    pub fn new(start: DateTime<Utc>) -> Log {
        Log {
            events: Vec::new(),
            klok: start,
            teller: 0,
        }
    }

    /// Appends with the current clock, which then advances one second.
    pub fn push(&mut self, stream: &str, g: impl Into<Gebeurtenis>) -> Uuid {
        let at = self.klok;
        self.push_op(stream, g, at)
    }

    /// Appends recorded at `at` (or the clock, whichever is later).
    pub fn push_op(&mut self, stream: &str, g: impl Into<Gebeurtenis>, at: DateTime<Utc>) -> Uuid {
        let g: Gebeurtenis = g.into();
        let at = at.max(self.klok);
        self.teller += 1;
        // Deterministic ids so that two builds of the same history are identical.
        let id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | self.teller);
        let position = self.events.len() as i64 + 1;
        let version = self.events.iter().filter(|e| e.stream == stream).count() as i64 + 1;
        self.events.push(RecordedEvent {
            position,
            stream: stream.to_owned(),
            stream_version: version,
            event_id: id,
            event_type: g.event_type().to_owned(),
            schema_version: g.schema_version(),
            payload: g.payload_json(),
            valid_date: g.valid_date(),
            recorded_at: at,
            recorded_by: "test".to_owned(),
            source: "test".to_owned(),
            correlation_id: None,
            causation_id: None,
            idempotency_key: None,
            prev_hash: [0; 32],
            hash: [0; 32],
        });
        self.klok = at + Duration::seconds(1);
        id
    }
}

/// The filters the property tests ask every query under: none, a regime, a gemeente,
/// and a jeugdregio with an aanbieder.
pub fn filters() -> [Filter; 4] {
    [
        Filter::default(),
        Filter {
            regime: Some(Regime::Gesloten),
            ..Filter::default()
        },
        Filter {
            gemeente: Some("G1".into()),
            ..Filter::default()
        },
        Filter {
            jeugdregio: Some("R2".into()),
            aanbieder: Some("A2".into()),
            ..Filter::default()
        },
    ]
}

/// The landscape both generators start from (recorded at time 0): landsdeel L1 with
/// jeugdregio R1 (gemeente G1) and R2 (G2), as (stream, fact).
pub fn landschap() -> Vec<(String, Gebeurtenis)> {
    let mut uit: Vec<(String, Gebeurtenis)> = vec![(
        "landsdeel-L1".into(),
        LandsdeelGeregistreerd {
            code: "L1".into(),
            naam: "L1".into(),
        }
        .into(),
    )];
    for (regio, gem) in [("R1", "G1"), ("R2", "G2")] {
        uit.push((
            format!("jeugdregio-{regio}"),
            JeugdregioGeregistreerd {
                code: regio.into(),
                naam: regio.into(),
                landsdeel: "L1".into(),
            }
            .into(),
        ));
        uit.push((
            format!("gemeente-{gem}"),
            GemeenteGeregistreerd {
                code: gem.into(),
                naam: gem.into(),
                jeugdregio: regio.into(),
            }
            .into(),
        ));
    }
    uit
}

/// A small deterministic generator (a generated history is a function of the proptest seed).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    pub fn kans(&mut self, procent: u64) -> bool {
        self.below(100) < procent
    }
    pub fn kies<T: Copy>(&mut self, uit: &[T]) -> T {
        uit[self.below(uit.len() as u64) as usize]
    }
}
