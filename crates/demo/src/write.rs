//! Writing a generated history into an event store, and counting what was written.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kringloop_events::Gebeurtenis;
use kringloop_store::{AppendOptions, AppendResult, EventStore, StoreError, StreamAppend};

use crate::DemoEvent;

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
    pub fn count(&mut self, e: &DemoEvent) {
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
const WINDOW_MICROS: i64 = 3_600_000_000;

/// Events handed to the store at once (in many sets): the store commits them in a few
/// transactions, and each commit rewrites every index page it touched, which for the
/// randomly spread youth streams is most of the by-stream index.
const PER_HANDOFF: usize = 100_000;

/// Appends a history to `store` as a backfill, in order, and reports progress (events
/// written so far) as it goes.
///
/// The store must not hold events recorded later than the history's first event (in
/// practice: use an empty store), because a backfill may not go back in recorded time.
///
/// Events go in multi-stream sets ([`EventStore::append_many`]: all or nothing each) of
/// at most `batch` events recorded within the same clock hour; consecutive events of one
/// stream form one part. A set has one recorded time, so each is recorded at the time of
/// its *last* event: events are recorded at most an hour later than generated, never
/// earlier (so never before they happened), and recorded time stays non-decreasing
/// across sets. The sets are handed to the store [`PER_HANDOFF`] events at a time (or
/// `batch`, if larger) with [`EventStore::append_many_each`], which commits many sets
/// together (a transaction and fsync per hour's worth of events would cap the run at a
/// few hundred hours a second), while the next ones are generated.
pub async fn write_to_store(
    store: &dyn EventStore,
    events: impl Iterator<Item = DemoEvent>,
    batch: usize,
    mut progress: impl FnMut(u64),
) -> Result<DemoSummary, WriteError> {
    let batch = batch.max(1);
    let mut summary = DemoSummary::default();
    let mut sets: Vec<(Vec<StreamAppend>, AppendOptions)> = Vec::new();
    let mut in_sets = 0usize;
    let mut delen: Vec<StreamAppend> = Vec::new();
    let mut in_venster = 0usize;
    let mut venster: Option<i64> = None;
    let mut laatste: Option<DateTime<Utc>> = None;
    let mut geschreven = 0u64;
    // The sets handed over last, still being written while the next ones are generated.
    let mut running: Option<Writer<'_>> = None;

    for e in events {
        if let Some(p) = laatste
            && e.recorded_at < p
        {
            return Err(WriteError::OutOfOrder {
                given: e.recorded_at,
                previous: p,
            });
        }
        let uur = e.recorded_at.timestamp_micros().div_euclid(WINDOW_MICROS);
        if in_venster > 0 && (venster != Some(uur) || in_venster >= batch) {
            sets.push(set(&mut delen, laatste));
            in_sets += in_venster;
            in_venster = 0;
            if in_sets >= batch.max(PER_HANDOFF) {
                if let Some(vorige) = running.take() {
                    geschreven += vorige.wacht(geschreven, &mut summary).await?;
                    progress(geschreven);
                }
                running = Some(Writer::start(store, std::mem::take(&mut sets)));
                in_sets = 0;
            }
        }
        venster = Some(uur);
        laatste = Some(e.recorded_at);
        summary.count(&e);
        in_venster += 1;
        let nieuw = e.to_new_event();
        match delen.last_mut() {
            Some(d) if d.stream == e.stream => d.events.push(nieuw),
            _ => delen.push(StreamAppend {
                stream: e.stream,
                events: vec![nieuw],
                expected: None,
                new_key: None,
            }),
        }
    }
    if in_venster > 0 {
        sets.push(set(&mut delen, laatste));
    }
    if let Some(vorige) = running.take() {
        geschreven += vorige.wacht(geschreven, &mut summary).await?;
        progress(geschreven);
    }
    if !sets.is_empty() {
        geschreven += Writer::start(store, sets)
            .wacht(geschreven, &mut summary)
            .await?;
        progress(geschreven);
    }
    Ok(summary)
}

/// One set: the parts gathered so far, recorded at `record_time`.
fn set(
    delen: &mut Vec<StreamAppend>,
    record_time: Option<DateTime<Utc>>,
) -> (Vec<StreamAppend>, AppendOptions) {
    let options = AppendOptions {
        expected: None,
        idempotency_key: None,
        recorded_at: record_time,
    };
    (std::mem::take(delen), options)
}

/// Sets handed to the store, being written while the caller generates the next ones.
struct Writer<'a> {
    /// Events and first stream per set, for the count and for an error message.
    sets: Vec<(u64, String)>,
    writing: futures::future::BoxFuture<'a, Vec<Result<Vec<AppendResult>, StoreError>>>,
    /// The answers, when that first poll already had them all.
    ready: Option<Vec<Result<Vec<AppendResult>, StoreError>>>,
}

impl<'a> Writer<'a> {
    fn start(store: &'a dyn EventStore, sets: Vec<(Vec<StreamAppend>, AppendOptions)>) -> Self {
        let info = sets
            .iter()
            .map(|(delen, _)| {
                (
                    delen.iter().map(|d| d.events.len() as u64).sum(),
                    delen.first().map(|d| d.stream.clone()).unwrap_or_default(),
                )
            })
            .collect();
        let mut writing = store.append_many_each(sets);
        // One poll hands the sets to the store's writer task (which then works on them
        // in the background); the answers are awaited in `wacht`.
        let ready = futures::FutureExt::now_or_never(&mut writing);
        Writer {
            sets: info,
            writing,
            ready,
        }
    }

    /// Waits for the sets; returns the events written, or the first set's error.
    async fn wacht(
        self,
        mut geschreven: u64,
        summary: &mut DemoSummary,
    ) -> Result<u64, WriteError> {
        let start = geschreven;
        let uitkomsten = match self.ready {
            Some(u) => u,
            None => self.writing.await,
        };
        for ((n, stream), uitkomst) in self.sets.into_iter().zip(uitkomsten) {
            if let Err(source) = uitkomst {
                return Err(WriteError::Store {
                    written: geschreven,
                    stream,
                    source,
                });
            }
            summary.appends += 1;
            geschreven += n;
        }
        Ok(geschreven - start)
    }
}
