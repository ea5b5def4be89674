//! `kringloop demo`: the project's one realistic landscape generator.
//!
//! [`generate`] turns a [`DemoConfig`] into a deterministic history (same seed → same
//! events, ids included) of the Dutch af- en ombouw of closed youth care (JeugdzorgPlus)
//! or, with [`Scope::AllResidential`], of all residential youth care: the 5 landsdelen and
//! 42 jeugdregio's, providers and facilities of every form, capacity afbouw/ombouw/opbouw,
//! targets, youths with their authorisations, placements, doorplaatsingen and exits, and
//! the data problems real registrations have (late recording, corrections, retractions,
//! closed placements without a valid authorisation, overbezetting).
//!
//! The history is an iterator in non-decreasing recorded time, so it can be written to a
//! store as a backfill ([`write_to_store`]) without holding millions of events in memory.
//! What it is calibrated to is public in [`CALIBRATION`]; [`measure`] measures a generated
//! history against it.

pub mod calibration;
mod date;
mod geld;
pub mod measurement;
mod random;
mod simulation;
mod world;
mod write;

use std::collections::VecDeque;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use kringloop_events::{Gebeurtenis, NewEvent};
use uuid::Uuid;

pub use calibration::{CALIBRATION, CalibrationTarget, Measure, Tolerance};
pub use measurement::{Measurement, measure};
pub use write::{DemoSummary, WriteError, write_to_store};

/// Which part of youth care the demo world covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Closed youth care (JeugdzorgPlus) plus the open alternatives it is converted into.
    #[default]
    JeugdzorgPlus,
    /// All residential youth care (open groups, small-scale, gezinshuizen, pleegzorg,
    /// crisis, …) and intensive ambulant trajectories: about 50,000 episodes a year.
    AllResidential,
}

impl FromStr for Scope {
    type Err = DemoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "jeugdzorgplus" | "jeugdzorg-plus" | "jz+" | "jzplus" | "closed" | "gesloten" => {
                Ok(Scope::JeugdzorgPlus)
            }
            "all-residential" | "allresidential" | "residential" | "residentieel" => {
                Ok(Scope::AllResidential)
            }
            _ => Err(DemoError::UnknownScope(s.to_owned())),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoConfig {
    /// Seed of the random streams: the same seed gives the same history.
    pub seed: u64,
    pub scope: Scope,
    /// Multiplies the volume (capacity, placements); 1.0 is the Netherlands.
    pub scale: f64,
    /// First and last calendar year of the history (inclusive).
    pub from_year: i32,
    pub to_year: i32,
    /// Late registrations, corrections and retractions (on by default; off gives a clean
    /// history, e.g. for a first look).
    pub data_problems: bool,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            seed: 42,
            scope: Scope::JeugdzorgPlus,
            scale: 1.0,
            from_year: 2019,
            to_year: 2026,
            data_problems: true,
        }
    }
}

impl DemoConfig {
    /// Checks the configuration before anything is generated.
    pub fn validate(&self) -> Result<(), DemoError> {
        if !self.scale.is_finite() || self.scale <= 0.0 || self.scale > 1000.0 {
            return Err(DemoError::BadScale(self.scale));
        }
        if !(2000..=2100).contains(&self.from_year)
            || !(2000..=2100).contains(&self.to_year)
            || self.from_year > self.to_year
        {
            return Err(DemoError::BadYears {
                from: self.from_year,
                to: self.to_year,
            });
        }
        Ok(())
    }
}

/// Why a demo history cannot be generated.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("onbekende scope `{0}` (kies `jeugdzorgplus` of `all-residential`)")]
    UnknownScope(String),
    #[error("schaal {0} is ongeldig: kies een getal groter dan 0 en hoogstens 1000")]
    BadScale(f64),
    #[error("jaren {from}–{to} zijn ongeldig: kies 2000 ≤ van ≤ tot ≤ 2100")]
    BadYears { from: i32, to: i32 },
}

/// One generated fact with its envelope data. `event_id` is deterministic (a UUIDv7 from
/// the recorded time and the seeded random stream), so corrections can point at it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoEvent {
    pub event_id: Uuid,
    pub stream: String,
    pub fact: Gebeurtenis,
    pub recorded_at: DateTime<Utc>,
    pub source: String,
    pub recorded_by: String,
}

impl DemoEvent {
    /// The event as the store takes it, keeping the generated id.
    pub fn to_new_event(&self) -> NewEvent {
        NewEvent {
            event_id: self.event_id,
            event_type: self.fact.event_type().to_owned(),
            schema_version: self.fact.schema_version(),
            payload: self.fact.payload_json(),
            valid_date: self.fact.valid_date(),
            recorded_by: self.recorded_by.clone(),
            source: self.source.clone(),
            correlation_id: None,
            causation_id: None,
        }
    }
}

/// The generated history: an iterator of [`DemoEvent`]s in non-decreasing `recorded_at`.
pub struct DemoHistory {
    sim: simulation::Simulation,
    ready: VecDeque<DemoEvent>,
    running: bool,
}

impl Iterator for DemoHistory {
    type Item = DemoEvent;

    fn next(&mut self) -> Option<DemoEvent> {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return Some(e);
            }
            if !self.running {
                return None;
            }
            self.running = self.sim.step(&mut self.ready);
        }
    }
}

/// Generates the history for `config` (lazily: work happens as the iterator is consumed).
pub fn generate(config: &DemoConfig) -> Result<DemoHistory, DemoError> {
    config.validate()?;
    Ok(DemoHistory {
        sim: simulation::Simulation::new(config),
        ready: VecDeque::new(),
        running: true,
    })
}
