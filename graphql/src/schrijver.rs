//! The write path: one writer task that checks concurrent facts together and appends them
//! in one group commit.
//!
//! Mutations queue a [`Verzoek`]. The writer takes everything queued (up to
//! [`MAX_BATCH`]), locks the domain state, catches up with the log once, and then per fact
//! in arrival order: answers a known idempotency key with its first result (or `CONFLICT`
//! when the key wrote another fact: stream, type or content differ), checks the
//! expected version against the stream versions it knows, checks the domain rules, and
//! folds the accepted fact into the state at once (tentatively) so the next fact of the
//! batch is checked against it, exactly as if they had come one by one. The accepted facts
//! are then appended together with `append_many_each`: one set per fact (each keeps its
//! own idempotency key), queued on the store in batch order and committed in one
//! transaction with one fsync instead of one each.
//!
//! Each append carries the exact stream version the check saw, so another process that
//! wrote to the same stream in between makes it fail instead of slipping past the check.
//! When an append fails or turns out to be a duplicate written elsewhere, the tentative
//! state is wrong: the writer answers what it can, throws the state away and folds it
//! from the log again (the log is the truth), and retries the facts that failed for a
//! reason other than the caller's own (a stale implicit version, a failed group commit)
//! one at a time, each checked afresh. Facts of this process that land after another
//! writer's events are remembered (`Domein::eigen`) so the catch-up does not fold them twice.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use chrono::Utc;
use kringloop_events::{ExpectedVersion, Gebeurtenis, NewEvent, Provenance, RecordedEvent};
use kringloop_runner::Runner;
use kringloop_store::{AppendOptions, AppendResult, EventStore, StoreError, StreamAppend};
use tokio::sync::{Mutex, mpsc, oneshot};
use tracing::Instrument as _;

use crate::fout::ApiFout;
use crate::state::{Domein, Eerder, Registratie, vingerafdruk};

/// Most facts checked and appended in one round.
pub const MAX_BATCH: usize = 256;
/// Facts that may wait for the writer before mutations are back-pressured.
const WACHTRIJ: usize = 4096;
/// How often a fact is tried again after an append failed for a reason not its own (a
/// stream another process wrote to meanwhile; each round lets at least one writer win).
const MAX_POGINGEN: u8 = 10;

/// A fact waiting for the writer.
pub(crate) struct Verzoek {
    pub stroom: String,
    pub feit: Gebeurtenis,
    pub sleutel: String,
    /// The expected version the caller gave (`None`: any).
    pub verwacht: Option<u64>,
    /// `recorded_by` of the event.
    pub door: String,
    pub pogingen: u8,
    pub antwoord: oneshot::Sender<Result<Registratie, ApiFout>>,
}

impl Verzoek {
    fn beantwoord(self, r: Result<Registratie, ApiFout>) {
        // The caller may have gone (timeout, closed connection); the fact stands anyway.
        let _ = self.antwoord.send(r);
    }
}

/// A checked fact on its way to the store.
struct Geaccepteerd {
    verzoek: Verzoek,
    event: NewEvent,
    /// Stream version the check saw (the append expects exactly this).
    versie: i64,
    signalen: Vec<kringloop_events::rules::Signaal>,
}

/// The writer task.
pub(crate) struct Schrijver {
    store: Arc<dyn EventStore>,
    runner: Runner,
    domein: Arc<Mutex<Domein>>,
    /// Facts to try again before new ones, one per round.
    opnieuw: VecDeque<Verzoek>,
}

impl Schrijver {
    /// Starts the task; it ends when every sender is dropped (the API state is gone).
    pub(crate) fn start(
        store: Arc<dyn EventStore>,
        runner: Runner,
        domein: Arc<Mutex<Domein>>,
    ) -> mpsc::Sender<Verzoek> {
        let (tx, rx) = mpsc::channel(WACHTRIJ);
        let schrijver = Schrijver {
            store,
            runner,
            domein,
            opnieuw: VecDeque::new(),
        };
        tokio::spawn(schrijver.run(rx));
        tx
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Verzoek>) {
        let mut buffer = Vec::with_capacity(MAX_BATCH);
        loop {
            if let Some(v) = self.opnieuw.pop_front() {
                // Retries go one at a time: a fact that failed in a batch is appended alone.
                buffer.push(v);
            } else if rx.recv_many(&mut buffer, MAX_BATCH).await == 0 {
                return;
            }
            let n = buffer.len();
            self.ronde(std::mem::take(&mut buffer))
                .instrument(tracing::info_span!("schrijfronde", feiten = n))
                .await;
            self.runner.nudge();
        }
    }

    /// Checks, appends and answers one batch.
    async fn ronde(&mut self, verzoeken: Vec<Verzoek>) {
        let domein = Arc::clone(&self.domein);
        let mut d = domein.lock().await;
        if let Err(e) = d.bijwerken(&*self.store).await {
            for v in verzoeken {
                v.beantwoord(Err(e.clone()));
            }
            return;
        }
        let mut batch: Vec<Geaccepteerd> = Vec::with_capacity(verzoeken.len());
        let mut in_batch: HashSet<String> = HashSet::new();
        let voorspeld_begin = d.positie + 1;
        for v in verzoeken {
            if let Some(e) = d.sleutels.get(&v.sleutel) {
                let r = if e.zelfde(&v.stroom, &v.feit) {
                    Ok(Registratie::eerder(e))
                } else {
                    Err(ApiFout::SleutelConflict(
                        "idempotencyKey is al gebruikt voor een ander feit; een nieuw feit krijgt een nieuwe sleutel"
                            .to_owned(),
                    ))
                };
                v.beantwoord(r);
                continue;
            }
            if in_batch.contains(&v.sleutel) {
                // The same key twice in one batch (a retry racing the first attempt): the
                // next round answers it with the first one's result.
                self.opnieuw.push_back(v);
                continue;
            }
            let versie = d.versie(&v.stroom);
            if let Some(n) = v.verwacht
                && u64::try_from(versie).unwrap_or(0) != n
            {
                let fout = ApiFout::from(StoreError::Conflict {
                    stream: v.stroom.clone(),
                    expected: ExpectedVersion::Exact(n),
                    actual: u64::try_from(versie).unwrap_or(0),
                });
                v.beantwoord(Err(fout));
                continue;
            }
            let signalen = match d.state.check(&v.stroom, &v.feit) {
                Ok(s) => s,
                Err(a) => {
                    v.beantwoord(Err(ApiFout::Afwijzing(a)));
                    continue;
                }
            };
            let herkomst = Provenance {
                recorded_by: v.door.clone(),
                source: "api".to_owned(),
                correlation_id: None,
                causation_id: None,
            };
            let event = v.feit.to_new_event(&herkomst);
            // What the store refuses as input is refused now, before the fold: a fact that
            // is folded and then not written leaves the state stale, and the next round
            // would fold the whole log again.
            let deel = StreamAppend {
                stream: v.stroom.clone(),
                events: vec![event.clone()],
                expected: None,
            };
            let opties = AppendOptions {
                idempotency_key: Some(v.sleutel.clone()),
                ..AppendOptions::default()
            };
            if let Err(e) = kringloop_store::validate_append(&deel, &opties) {
                v.beantwoord(Err(ApiFout::from(e)));
                continue;
            }
            // Folded now with a provisional position (in batch order, after everything
            // folded so far): only the order within a stream matters to the rules, and the
            // append keeps it (exact versions, batch order).
            let voorlopig = RecordedEvent {
                position: voorspeld_begin + i64::try_from(batch.len()).unwrap_or(i64::MAX),
                stream: v.stroom.clone(),
                stream_version: versie + 1,
                event_id: event.event_id,
                event_type: event.event_type.clone(),
                schema_version: event.schema_version,
                payload: event.payload.clone(),
                valid_date: event.valid_date,
                recorded_at: Utc::now(),
                recorded_by: event.recorded_by.clone(),
                source: event.source.clone(),
                correlation_id: event.correlation_id,
                causation_id: event.causation_id,
                idempotency_key: Some(v.sleutel.clone()),
                prev_hash: [0; 32],
                hash: [0; 32],
            };
            d.pas_toe_voorlopig(&voorlopig, &v.feit);
            in_batch.insert(v.sleutel.clone());
            batch.push(Geaccepteerd {
                verzoek: v,
                event,
                versie,
                signalen,
            });
        }
        if batch.is_empty() {
            return;
        }
        let resultaten = append_in_volgorde(&*self.store, &batch)
            .instrument(tracing::info_span!("append", feiten = batch.len()))
            .await;
        self.afronden(&mut d, batch, resultaten, voorspeld_begin);
    }

    /// Answers every fact of a batch after its appends and brings the state in line with
    /// the log.
    fn afronden(
        &mut self,
        d: &mut Domein,
        batch: Vec<Geaccepteerd>,
        resultaten: Vec<Result<AppendResult, StoreError>>,
        voorspeld_begin: i64,
    ) {
        let geschreven: Vec<i64> = resultaten
            .iter()
            .filter_map(|r| r.as_ref().ok().filter(|r| !r.duplicate))
            .map(|r| r.last_position)
            .collect();
        let allemaal = geschreven.len() == batch.len();
        // Did the facts land exactly where they were folded (nobody else wrote in between)?
        let aaneengesloten = allemaal
            && geschreven
                .iter()
                .zip(voorspeld_begin..)
                .all(|(p, verwacht)| *p == verwacht);
        if !geschreven.windows(2).all(|w| w[0] < w[1]) {
            // The store did not keep the order of the queued appends: the facts were
            // checked in another order than the log has them. Rebuild from the log.
            tracing::error!("store schreef een batch niet in volgorde; domeinstaat wordt herbouwd");
            d.opnieuw_opbouwen = true;
        }
        if !allemaal {
            d.opnieuw_opbouwen = true;
        }
        for (g, r) in batch.into_iter().zip(resultaten) {
            let Geaccepteerd {
                mut verzoek,
                event,
                signalen,
                ..
            } = g;
            match r {
                Ok(r) if !r.duplicate => {
                    let eerder = Eerder {
                        stroom: r.stream.clone(),
                        event_id: event.event_id,
                        positie: r.last_position,
                        stream_versie: r.stream_version,
                        vingerafdruk: vingerafdruk(&r.stream, &event.event_type, &event.payload),
                        enkel: true,
                    };
                    d.sleutels.insert(verzoek.sleutel.clone(), eerder);
                    if !aaneengesloten {
                        d.eigen.insert(event.event_id);
                    }
                    verzoek.beantwoord(Ok(Registratie {
                        event_id: event.event_id,
                        positie: r.last_position,
                        stroom: r.stream,
                        stream_versie: r.stream_version,
                        signalen,
                        duplicaat: false,
                    }));
                }
                // Written by another process under the same key: after the rebuild the
                // key is known and the retry answers with the first result.
                Ok(_) if verzoek.pogingen < MAX_POGINGEN => {
                    verzoek.pogingen += 1;
                    self.opnieuw.push_back(verzoek);
                }
                // The key is in the store but not on any event the API knows (used by an
                // import under the same key, say): not a retry of this fact.
                Ok(_) => verzoek.beantwoord(Err(ApiFout::ongeldig(
                    "idempotencyKey is al gebruikt voor een andere registratie",
                ))),
                Err(StoreError::Conflict { .. }) if verzoek.pogingen < MAX_POGINGEN => {
                    // The check passed against a stream that changed since (another
                    // process): check again against the stream as it is now. With an
                    // expected version from the caller, that check answers CONFLICT.
                    verzoek.pogingen += 1;
                    self.opnieuw.push_back(verzoek);
                }
                Err(
                    e @ (StoreError::Conflict { .. }
                    | StoreError::Invalid(_)
                    | StoreError::IdempotencyConflict { .. }),
                ) => {
                    verzoek.beantwoord(Err(ApiFout::from(e)));
                }
                // A value the database itself refuses (a limit `validate_append` does not
                // know): the same request would fail again, so it is answered now and not
                // retried. The fact was folded, so the state is still rebuilt, once.
                Err(e) if e.is_input_error() => {
                    tracing::warn!(
                        "de database weigert de invoer van een feit; niet opnieuw geprobeerd"
                    );
                    verzoek.beantwoord(Err(ApiFout::ongeldig(
                        "de database weigert deze invoer (tekens of lengte); er is niets geschreven",
                    )));
                }
                Err(e) if verzoek.pogingen < MAX_POGINGEN => {
                    tracing::warn!(error = %e, "append mislukt; het feit wordt apart opnieuw geprobeerd");
                    verzoek.pogingen += 1;
                    self.opnieuw.push_back(verzoek);
                }
                Err(e) => verzoek.beantwoord(Err(ApiFout::from(e))),
            }
        }
        if aaneengesloten && let Some(laatste) = geschreven.last() {
            d.positie = *laatste;
        }
    }
}

/// One `append_many` set per fact, each with its own idempotency key and exact expected
/// version, handed to the store at once: [`EventStore::append_many_each`] queues them in
/// batch order and commits them together (one transaction, one fsync), each set
/// succeeding or failing on its own. [`Schrijver::afronden`] checks the order.
async fn append_in_volgorde(
    store: &dyn EventStore,
    batch: &[Geaccepteerd],
) -> Vec<Result<AppendResult, StoreError>> {
    let sets = batch
        .iter()
        .map(|g| {
            let deel = StreamAppend {
                stream: g.verzoek.stroom.clone(),
                events: vec![g.event.clone()],
                expected: Some(ExpectedVersion::Exact(u64::try_from(g.versie).unwrap_or(0))),
            };
            let opties = AppendOptions {
                expected: None,
                idempotency_key: Some(g.verzoek.sleutel.clone()),
                recorded_at: None,
            };
            (vec![deel], opties)
        })
        .collect();
    store
        .append_many_each(sets)
        .await
        .into_iter()
        .map(|r| {
            r.and_then(|v| {
                v.into_iter()
                    .next()
                    .ok_or_else(|| StoreError::Commit("geen resultaat".to_owned()))
            })
        })
        .collect()
}
