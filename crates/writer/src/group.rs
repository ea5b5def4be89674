//! One writer task that checks concurrent facts together and appends them in one group
//! commit (the API's write path: one fact per request).
//!
//! Callers queue a [`FactRequest`]. The writer takes everything queued (up to
//! [`MAX_BATCH`]), locks the [`WriteState`], catches up with the log once, and then per
//! fact in arrival order: answers a known idempotency key with its first result (or
//! [`FactError::KeyConflict`] when the key wrote another fact: stream, type or content
//! differ), checks the caller's right to write it when the request carries one
//! ([`Toegang`]), checks the expected version against the stream versions it knows,
//! checks the domain rules, and folds the accepted fact into the state at once (tentatively) so the
//! next fact of the batch is checked against it, exactly as if they had come one by one.
//! The accepted facts are then appended together with `append_many_each`: one set per fact
//! (each keeps its own idempotency key), queued on the store in batch order and committed
//! in one transaction with one fsync instead of one each.
//!
//! Each append carries the exact stream version the check saw, so another process that
//! wrote to the same stream in between makes it fail instead of slipping past the check.
//! When an append fails or turns out to be a duplicate written elsewhere, the tentative
//! state is wrong: the writer answers what it can, throws the state away and folds it
//! from the log again (the log is the truth), and retries the facts that failed for a
//! reason other than the caller's own (a stale implicit version, a failed group commit)
//! one at a time, each checked afresh. Facts of this process that land after another
//! writer's events are remembered so the catch-up does not fold them twice.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use kringloop_events::rules::{Afwijzing, Signaal};
use kringloop_events::{ExpectedVersion, Gebeurtenis, NewEvent, Provenance};
use kringloop_store::{AppendOptions, AppendResult, EventStore, StoreError, StreamAppend};
use tokio::sync::{Mutex, mpsc, oneshot};
use tracing::Instrument as _;
use uuid::Uuid;

use crate::keys::{Earlier, KeyUse};
use crate::state::{Index, WriteState};
use crate::tentative::Tentative;

/// Most facts checked and appended in one round.
pub const MAX_BATCH: usize = 256;
/// Facts that may wait for the writer before callers are back-pressured.
const QUEUE: usize = 4096;
/// How often a fact is tried again after an append failed for a reason not its own (a
/// stream another process wrote to meanwhile; each round lets at least one writer win).
const MAX_ATTEMPTS: u8 = 10;

/// Why a fact was not written. The caller maps it to its own error (`to_error` of
/// [`FactWriter::start`]); the messages are the ones a registrar sees.
#[derive(Debug, thiserror::Error)]
pub enum FactError {
    /// The log could not be read or written, or the store refused the append (an
    /// expected version that does not match is a [`StoreError::Conflict`]).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The domain rules refuse the fact.
    #[error("{}", .0.melding)]
    Refused(Afwijzing),
    /// The idempotency key wrote another fact.
    #[error(
        "idempotencyKey is al gebruikt voor een ander feit; een nieuw feit krijgt een nieuwe sleutel"
    )]
    KeyConflict,
    /// The key is in the store but not on any event this writer knows (an import used it).
    #[error("idempotencyKey is al gebruikt voor een andere registratie")]
    KeyUsedElsewhere,
    /// A value the database itself refuses (a limit `validate_append` does not know).
    #[error("de database weigert deze invoer (tekens of lengte); er is niets geschreven")]
    InputRefused,
}

/// What a written (or earlier written) fact became.
#[derive(Debug, Clone)]
pub struct Registration {
    pub event_id: Uuid,
    pub position: i64,
    pub stream: String,
    pub stream_version: i64,
    pub signals: Vec<Signaal>,
    /// The idempotency key was used before: nothing was written, this is the first result.
    pub duplicate: bool,
}

impl Registration {
    /// The first result of an idempotency key that was used before.
    fn earlier(e: &Earlier) -> Registration {
        Registration {
            event_id: e.event_id,
            position: e.position,
            stream: e.stream.clone(),
            stream_version: e.stream_version,
            signals: Vec::new(),
            duplicate: true,
        }
    }
}

/// The caller's right to write a fact, judged against the write state the rules see (the
/// API's coordinator may only write for requests of its own region; a request filed
/// earlier in the same batch counts). Runs after the idempotency key and before the
/// expected version and the rules; an `Err` is the answer and nothing is written.
pub type Toegang<I, E> =
    Arc<dyn Fn(&WriteState<I>, &str, &Gebeurtenis) -> Result<(), E> + Send + Sync>;

/// A fact waiting for the writer.
pub struct FactRequest<E, I = ()> {
    stream: String,
    fact: Gebeurtenis,
    key: String,
    /// The expected version the caller gave (`None`: any).
    expected: Option<u64>,
    /// `recorded_by` of the event.
    recorded_by: String,
    attempts: u8,
    /// Checked again on a retry: the state may have changed.
    toegang: Option<Toegang<I, E>>,
    reply: oneshot::Sender<Result<Registration, E>>,
}

impl<E, I> FactRequest<E, I> {
    /// A fact for `stream` under the idempotency key `key` (as the store keeps it);
    /// the answer goes to `reply`.
    pub fn new(
        stream: String,
        fact: Gebeurtenis,
        key: String,
        expected: Option<u64>,
        recorded_by: String,
        reply: oneshot::Sender<Result<Registration, E>>,
    ) -> Self {
        FactRequest {
            stream,
            fact,
            key,
            expected,
            recorded_by,
            attempts: 0,
            toegang: None,
            reply,
        }
    }

    /// Writes the fact only when `toegang` allows it against the state at check time.
    pub fn met_toegang(mut self, toegang: Toegang<I, E>) -> Self {
        self.toegang = Some(toegang);
        self
    }

    fn answer(self, r: Result<Registration, E>) {
        // The caller may have gone (timeout, closed connection); the fact stands anyway.
        let _ = self.reply.send(r);
    }
}

/// A checked fact on its way to the store.
struct Accepted<E, I> {
    request: FactRequest<E, I>,
    event: NewEvent,
    /// Stream version the check saw (the append expects exactly this).
    version: i64,
    signals: Vec<Signaal>,
}

/// The writer task.
pub struct FactWriter<I, E> {
    store: Arc<dyn EventStore>,
    state: Arc<Mutex<WriteState<I>>>,
    /// `source` of every event.
    source: &'static str,
    /// Runs after every round (the API nudges its projection runner).
    after_round: Box<dyn Fn() + Send + Sync>,
    to_error: fn(FactError) -> E,
    /// Facts to try again before new ones, one per round.
    retry: VecDeque<FactRequest<E, I>>,
}

impl<I, E> FactWriter<I, E>
where
    I: Index + Send + 'static,
    E: Clone + Send + 'static,
{
    /// Starts the task; it ends when every sender is dropped.
    pub fn start(
        store: Arc<dyn EventStore>,
        state: Arc<Mutex<WriteState<I>>>,
        source: &'static str,
        after_round: Box<dyn Fn() + Send + Sync>,
        to_error: fn(FactError) -> E,
    ) -> mpsc::Sender<FactRequest<E, I>> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let writer = FactWriter {
            store,
            state,
            source,
            after_round,
            to_error,
            retry: VecDeque::new(),
        };
        tokio::spawn(writer.run(rx));
        tx
    }

    async fn run(mut self, mut rx: mpsc::Receiver<FactRequest<E, I>>) {
        let mut buffer = Vec::with_capacity(MAX_BATCH);
        loop {
            if let Some(v) = self.retry.pop_front() {
                // Retries go one at a time: a fact that failed in a batch is appended alone.
                buffer.push(v);
            } else if rx.recv_many(&mut buffer, MAX_BATCH).await == 0 {
                return;
            }
            let n = buffer.len();
            self.round(std::mem::take(&mut buffer))
                .instrument(tracing::info_span!("schrijfronde", feiten = n))
                .await;
            (self.after_round)();
        }
    }

    fn error(&self, e: impl Into<FactError>) -> E {
        (self.to_error)(e.into())
    }

    /// Checks, appends and answers one batch.
    async fn round(&mut self, requests: Vec<FactRequest<E, I>>) {
        let state = Arc::clone(&self.state);
        let mut d = state.lock().await;
        if let Err(e) = d.catch_up(&*self.store).await {
            let e = self.error(e);
            for v in requests {
                v.answer(Err(e.clone()));
            }
            return;
        }
        let mut batch: Vec<Accepted<E, I>> = Vec::with_capacity(requests.len());
        let mut in_batch: HashSet<String> = HashSet::new();
        let predicted_begin = d.position() + 1;
        let mut tentative = Tentative::starting_at(predicted_begin);
        for v in requests {
            if let Some(used) = d.key(&v.key) {
                let r = match used.same_request(&v.stream, &v.fact) {
                    Some(e) => Ok(Registration::earlier(e)),
                    None => Err(self.error(FactError::KeyConflict)),
                };
                v.answer(r);
                continue;
            }
            if in_batch.contains(&v.key) {
                // The same key twice in one batch (a retry racing the first attempt): the
                // next round answers it with the first one's result.
                self.retry.push_back(v);
                continue;
            }
            if let Some(toegang) = &v.toegang
                && let Err(e) = toegang(&d, &v.stream, &v.fact)
            {
                v.answer(Err(e));
                continue;
            }
            let version = d.version(&v.stream);
            if let Some(n) = v.expected
                && u64::try_from(version).unwrap_or(0) != n
            {
                let e = self.error(StoreError::Conflict {
                    stream: v.stream.clone(),
                    expected: ExpectedVersion::Exact(n),
                    actual: u64::try_from(version).unwrap_or(0),
                });
                v.answer(Err(e));
                continue;
            }
            let signals = match d.state.check(&v.stream, &v.fact) {
                Ok(s) => s,
                Err(a) => {
                    v.answer(Err(self.error(FactError::Refused(a))));
                    continue;
                }
            };
            let origin = Provenance {
                recorded_by: v.recorded_by.clone(),
                source: self.source.to_owned(),
                correlation_id: None,
                causation_id: None,
            };
            let event = v.fact.to_new_event(&origin);
            // What the store refuses as input is refused now, before the fold: a fact that
            // is folded and then not written leaves the state stale, and the next round
            // would fold the whole log again.
            let part = StreamAppend {
                stream: v.stream.clone(),
                events: vec![event.clone()],
                expected: None,
                new_key: None,
            };
            let options = AppendOptions {
                idempotency_key: Some(v.key.clone()),
                ..AppendOptions::default()
            };
            if let Err(e) = kringloop_store::validate_append(&part, &options) {
                v.answer(Err(self.error(e)));
                continue;
            }
            // Folded now with a provisional position (in batch order, after everything
            // folded so far): only the order within a stream matters to the rules, and the
            // append keeps it (exact versions, batch order).
            let e = tentative.record(&v.stream, version + 1, event.event_id);
            d.fold_tentative(e, &v.fact);
            in_batch.insert(v.key.clone());
            batch.push(Accepted {
                request: v,
                event,
                version,
                signals,
            });
        }
        if batch.is_empty() {
            return;
        }
        let results = append_in_order(&*self.store, &batch)
            .instrument(tracing::info_span!("append", feiten = batch.len()))
            .await;
        self.finish(&mut d, batch, results, predicted_begin);
    }

    /// Answers every fact of a batch after its appends and brings the state in line with
    /// the log.
    fn finish(
        &mut self,
        d: &mut WriteState<I>,
        batch: Vec<Accepted<E, I>>,
        results: Vec<Result<AppendResult, StoreError>>,
        predicted_begin: i64,
    ) {
        let written: Vec<i64> = results
            .iter()
            .filter_map(|r| r.as_ref().ok().filter(|r| !r.duplicate))
            .map(|r| r.last_position)
            .collect();
        let all = written.len() == batch.len();
        // Did the facts land exactly where they were folded (nobody else wrote in between)?
        let contiguous = all
            && written
                .iter()
                .zip(predicted_begin..)
                .all(|(p, predicted)| *p == predicted);
        if !written.windows(2).all(|w| w[0] < w[1]) {
            // The store did not keep the order of the queued appends: the facts were
            // checked in another order than the log has them. Rebuild from the log.
            tracing::error!("store schreef een batch niet in volgorde; domeinstaat wordt herbouwd");
            d.mark_stale();
        }
        if !all {
            d.mark_stale();
        }
        for (a, r) in batch.into_iter().zip(results) {
            let Accepted {
                mut request,
                event,
                signals,
                ..
            } = a;
            match r {
                Ok(r) if !r.duplicate => {
                    let earlier = Earlier::new(
                        r.stream.clone(),
                        event.event_id,
                        r.last_position,
                        r.stream_version,
                        &event.event_type,
                        &event.payload,
                    );
                    d.remember_key(request.key.clone(), KeyUse::One(earlier));
                    if !contiguous {
                        d.landed_elsewhere(event.event_id);
                    }
                    request.answer(Ok(Registration {
                        event_id: event.event_id,
                        position: r.last_position,
                        stream: r.stream,
                        stream_version: r.stream_version,
                        signals,
                        duplicate: false,
                    }));
                }
                // Written by another process under the same key: after the rebuild the
                // key is known and the retry answers with the first result.
                Ok(_) if request.attempts < MAX_ATTEMPTS => {
                    request.attempts += 1;
                    self.retry.push_back(request);
                }
                // The key is in the store but not on any event this writer knows (used by
                // an import under the same key, say): not a retry of this fact.
                Ok(_) => {
                    let e = self.error(FactError::KeyUsedElsewhere);
                    request.answer(Err(e));
                }
                Err(StoreError::Conflict { .. }) if request.attempts < MAX_ATTEMPTS => {
                    // The check passed against a stream that changed since (another
                    // process): check again against the stream as it is now. With an
                    // expected version from the caller, that check answers CONFLICT.
                    request.attempts += 1;
                    self.retry.push_back(request);
                }
                Err(
                    e @ (StoreError::Conflict { .. }
                    | StoreError::Invalid(_)
                    | StoreError::IdempotencyConflict { .. }),
                ) => {
                    let e = self.error(e);
                    request.answer(Err(e));
                }
                // A value the database itself refuses: the same request would fail again,
                // so it is answered now and not retried. The fact was folded, so the state
                // is still rebuilt, once.
                Err(e) if e.is_input_error() => {
                    tracing::warn!(
                        "de database weigert de invoer van een feit; niet opnieuw geprobeerd"
                    );
                    let e = self.error(FactError::InputRefused);
                    request.answer(Err(e));
                }
                Err(e) if request.attempts < MAX_ATTEMPTS => {
                    tracing::warn!(error = %e, "append mislukt; het feit wordt apart opnieuw geprobeerd");
                    request.attempts += 1;
                    self.retry.push_back(request);
                }
                Err(e) => {
                    let e = self.error(e);
                    request.answer(Err(e));
                }
            }
        }
        if contiguous && let Some(last) = written.last() {
            d.advance_to(*last);
        }
    }
}

/// One `append_many` set per fact, each with its own idempotency key and exact expected
/// version, handed to the store at once: [`EventStore::append_many_each`] queues them in
/// batch order and commits them together (one transaction, one fsync), each set
/// succeeding or failing on its own. [`FactWriter::finish`] checks the order.
async fn append_in_order<E, I>(
    store: &dyn EventStore,
    batch: &[Accepted<E, I>],
) -> Vec<Result<AppendResult, StoreError>> {
    let sets = batch
        .iter()
        .map(|a| {
            let part = StreamAppend {
                stream: a.request.stream.clone(),
                events: vec![a.event.clone()],
                expected: Some(ExpectedVersion::Exact(
                    u64::try_from(a.version).unwrap_or(0),
                )),
                new_key: None,
            };
            let options = AppendOptions {
                expected: None,
                idempotency_key: Some(a.request.key.clone()),
                recorded_at: None,
            };
            (vec![part], options)
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
