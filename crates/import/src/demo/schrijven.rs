//! Writing a generated history into an event store, and counting what was written.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kringloop_events::{Gebeurtenis, NewEvent};
use kringloop_store::{AppendOptions, EventStore, StoreError};

use super::DemoEvent;

/// What a demo history contains (or what [`write_to_store`] wrote).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub events: u64,
    /// Events per event type.
    pub per_type: BTreeMap<&'static str, u64>,
    /// Distinct youths registered (incl. the few mistaken duplicates that are withdrawn).
    pub jeugdigen: u64,
    /// Placements started (PlaatsingGestart, incl. the opening balance).
    pub plaatsingen: u64,
    pub doorplaatsingen: u64,
    pub voorzieningen: u64,
    pub correcties: u64,
    pub intrekkingen: u64,
    /// Appends made (one per run of consecutive events of one stream).
    pub appends: u64,
    pub eerste_registratie: Option<DateTime<Utc>>,
    pub laatste_registratie: Option<DateTime<Utc>>,
}

impl DemoSummary {
    /// Counts one event.
    pub fn tel(&mut self, e: &DemoEvent) {
        self.events += 1;
        *self.per_type.entry(e.fact.event_type()).or_default() += 1;
        match &e.fact {
            Gebeurtenis::JeugdigeGeregistreerd(_) => self.jeugdigen += 1,
            Gebeurtenis::PlaatsingGestart(_) => self.plaatsingen += 1,
            Gebeurtenis::Doorgeplaatst(_) => self.doorplaatsingen += 1,
            Gebeurtenis::VoorzieningGeregistreerd(_) => self.voorzieningen += 1,
            Gebeurtenis::FeitGecorrigeerd(_) => self.correcties += 1,
            Gebeurtenis::FeitIngetrokken(_) => self.intrekkingen += 1,
            _ => {}
        }
        if self.eerste_registratie.is_none() {
            self.eerste_registratie = Some(e.recorded_at);
        }
        self.laatste_registratie = Some(e.recorded_at);
    }
}

/// Why writing the demo history stopped.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "de store weigerde de demo-gebeurtenissen na {written} geschreven gebeurtenissen (stroom `{stream}`): {source}"
    )]
    Store {
        written: u64,
        stream: String,
        #[source]
        source: StoreError,
    },
    #[error(
        "de demo-geschiedenis loopt niet op in registratietijd ({given} na {previous}); dit is een fout in de generator"
    )]
    OutOfOrder {
        given: DateTime<Utc>,
        previous: DateTime<Utc>,
    },
}

/// Appends a history to `store` as a backfill (each append carries the events' recorded
/// time), in order, and reports progress (events written so far) after every append.
///
/// The store must not hold events recorded later than the history's first event (in
/// practice: use an empty store), because a backfill may not go back in recorded time.
///
/// Consecutive events of one stream recorded within the same second go in one append
/// (with the first one's recorded time, so order is kept) up to `batch` events. Appends
/// are sequential: a store append is per stream, and running them concurrently could let
/// a later recorded time reach the store first, which it must reject. A multi-stream
/// batch append on the store would make this much faster.
pub async fn write_to_store(
    store: &dyn EventStore,
    events: impl Iterator<Item = DemoEvent>,
    batch: usize,
    mut progress: impl FnMut(u64),
) -> Result<DemoSummary, WriteError> {
    let batch = batch.max(1);
    let mut summary = DemoSummary::default();
    let mut stream = String::new();
    let mut tijd: Option<DateTime<Utc>> = None;
    let mut groep: Vec<NewEvent> = Vec::with_capacity(batch);
    let mut vorige: Option<DateTime<Utc>> = None;

    for e in events {
        if let Some(p) = vorige
            && e.recorded_at < p
        {
            return Err(WriteError::OutOfOrder {
                given: e.recorded_at,
                previous: p,
            });
        }
        vorige = Some(e.recorded_at);
        let past = !groep.is_empty()
            && e.stream == stream
            && groep.len() < batch
            && tijd.is_some_and(|t| (e.recorded_at - t).num_seconds() < 1);
        if !past && !groep.is_empty() {
            schrijf(store, &stream, &mut groep, tijd, &mut summary).await?;
            progress(summary.events);
        }
        if groep.is_empty() {
            stream.clear();
            stream.push_str(&e.stream);
            tijd = Some(e.recorded_at);
        }
        groep.push(e.to_new_event());
        summary.tel(&e);
    }
    if !groep.is_empty() {
        schrijf(store, &stream, &mut groep, tijd, &mut summary).await?;
        progress(summary.events);
    }
    Ok(summary)
}

async fn schrijf(
    store: &dyn EventStore,
    stream: &str,
    groep: &mut Vec<NewEvent>,
    tijd: Option<DateTime<Utc>>,
    summary: &mut DemoSummary,
) -> Result<(), WriteError> {
    let n = groep.len() as u64;
    let events = std::mem::take(groep);
    let options = AppendOptions {
        expected: None,
        idempotency_key: None,
        recorded_at: tijd,
    };
    store
        .append(stream, events, options)
        .await
        .map_err(|source| WriteError::Store {
            // Events counted so far include this group, which did not make it.
            written: summary.events.saturating_sub(n),
            stream: stream.to_owned(),
            source,
        })?;
    summary.appends += 1;
    Ok(())
}
