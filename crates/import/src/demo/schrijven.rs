//! Writing a generated history into an event store, and counting what was written.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kringloop_events::Gebeurtenis;
use kringloop_store::{AppendOptions, EventStore, StoreError, StreamAppend};

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
    /// Appends made by [`write_to_store`] (multi-stream batches).
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

/// Events that share one append: recorded within the same hour (UTC).
const VENSTER_MICROS: i64 = 3_600_000_000;

/// Appends a history to `store` as a backfill, in order, and reports progress (events
/// written so far) after every append.
///
/// The store must not hold events recorded later than the history's first event (in
/// practice: use an empty store), because a backfill may not go back in recorded time.
///
/// Events go in multi-stream appends ([`EventStore::append_many`]: one transaction each)
/// of at most `batch` events recorded within the same clock hour; consecutive events of
/// one stream form one part. A multi-stream append has one recorded time, so each batch
/// is recorded at the time of its *last* event: events are recorded at most an hour later
/// than generated, never earlier (so never before they happened), and recorded time
/// stays non-decreasing across batches. One append per stream and event would be about
/// a hundred times slower (one transaction and fsync each).
pub async fn write_to_store(
    store: &dyn EventStore,
    events: impl Iterator<Item = DemoEvent>,
    batch: usize,
    mut progress: impl FnMut(u64),
) -> Result<DemoSummary, WriteError> {
    let batch = batch.max(1);
    let mut summary = DemoSummary::default();
    let mut delen: Vec<StreamAppend> = Vec::new();
    let mut in_venster = 0usize;
    let mut venster: Option<i64> = None;
    let mut laatste: Option<DateTime<Utc>> = None;
    let mut geschreven = 0u64;

    for e in events {
        if let Some(p) = laatste
            && e.recorded_at < p
        {
            return Err(WriteError::OutOfOrder {
                given: e.recorded_at,
                previous: p,
            });
        }
        let uur = e.recorded_at.timestamp_micros().div_euclid(VENSTER_MICROS);
        if in_venster > 0 && (venster != Some(uur) || in_venster >= batch) {
            geschreven += schrijf(store, &mut delen, laatste, geschreven, &mut summary).await?;
            in_venster = 0;
            progress(geschreven);
        }
        venster = Some(uur);
        laatste = Some(e.recorded_at);
        summary.tel(&e);
        in_venster += 1;
        let nieuw = e.to_new_event();
        match delen.last_mut() {
            Some(d) if d.stream == e.stream => d.events.push(nieuw),
            _ => delen.push(StreamAppend {
                stream: e.stream,
                events: vec![nieuw],
                expected: None,
            }),
        }
    }
    if in_venster > 0 {
        geschreven += schrijf(store, &mut delen, laatste, geschreven, &mut summary).await?;
        progress(geschreven);
    }
    Ok(summary)
}

async fn schrijf(
    store: &dyn EventStore,
    delen: &mut Vec<StreamAppend>,
    tijd: Option<DateTime<Utc>>,
    geschreven: u64,
    summary: &mut DemoSummary,
) -> Result<u64, WriteError> {
    let appends = std::mem::take(delen);
    let n: u64 = appends.iter().map(|d| d.events.len() as u64).sum();
    let eerste_stroom = appends
        .first()
        .map(|d| d.stream.clone())
        .unwrap_or_default();
    let options = AppendOptions {
        expected: None,
        idempotency_key: None,
        recorded_at: tijd,
    };
    store
        .append_many(appends, options)
        .await
        .map_err(|source| WriteError::Store {
            written: geschreven,
            stream: eerste_stroom,
            source,
        })?;
    summary.appends += 1;
    Ok(n)
}
