//! The channel between callers and a backend's one writer task: both backends queue
//! appends the same way, so that group commit sees them in arrival order.

use tokio::sync::{mpsc, oneshot};

use crate::error::{Result, StoreError};
use crate::event_store::{AppendOptions, AppendResult, StreamAppend, StreamedAppend};
use crate::validate;

/// Upper bound on requests folded into one group transaction (a backfill hands over
/// thousands of small sets at once, see [`crate::EventStore::append_many_each`], and
/// they commit in one go).
pub(crate) const MAX_GROUP: usize = 4096;

/// One request's answer: a result per stream part, or why nothing was written.
pub(crate) type Outcome = Result<Vec<AppendResult>>;
/// Where a request's [`Outcome`] goes.
pub(crate) type Reply = oneshot::Sender<Outcome>;

pub(crate) enum Msg {
    Append(AppendRequest),
    /// A set whose parts are still coming (SQLite only; see [`send_streamed`]).
    Streamed(StreamedRequest),
    Close(oneshot::Sender<()>),
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Msg")
    }
}

pub(crate) struct AppendRequest {
    pub(crate) parts: Vec<StreamAppend>,
    pub(crate) key: Option<String>,
    pub(crate) recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub(crate) reply: Reply,
}

/// A set of [`crate::EventStore::append_many_streamed`] on its way to the writer: the
/// parts arrive on `parts`, already validated; the channel closing without
/// [`StreamedAppend::Commit`] means: roll back.
pub(crate) struct StreamedRequest {
    pub(crate) parts: mpsc::UnboundedReceiver<StreamedAppend>,
    pub(crate) key: Option<String>,
    pub(crate) recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub(crate) reply: Reply,
}

fn request(
    parts: Vec<StreamAppend>,
    options: AppendOptions,
) -> (AppendRequest, oneshot::Receiver<Outcome>) {
    let (reply, answer) = oneshot::channel();
    let req = AppendRequest {
        parts,
        key: options.idempotency_key,
        recorded_at: options.recorded_at,
        reply,
    };
    (req, answer)
}

/// [`crate::EventStore::append`]: checked here, then queued as a set of one part.
pub(crate) async fn send_one(
    tx: &mpsc::Sender<Msg>,
    stream: &str,
    events: Vec<kringloop_events::NewEvent>,
    options: AppendOptions,
) -> Result<AppendResult> {
    validate::validate_batch(stream, &events, &options)?;
    let part = StreamAppend {
        stream: stream.to_owned(),
        events,
        expected: options.expected,
        new_key: None,
    };
    let results = send(tx, vec![part], options).await?;
    results
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Commit("schrijver gaf geen resultaat".to_owned()))
}

/// [`crate::EventStore::append_many`]: checked here, then queued.
pub(crate) async fn send_many(
    tx: &mpsc::Sender<Msg>,
    appends: Vec<StreamAppend>,
    options: AppendOptions,
) -> Result<Vec<AppendResult>> {
    validate::validate_many(&appends, &options)?;
    send(tx, appends, options).await
}

/// One set: queued, then its answer.
pub(crate) async fn send(
    tx: &mpsc::Sender<Msg>,
    parts: Vec<StreamAppend>,
    options: AppendOptions,
) -> Result<Vec<AppendResult>> {
    let (req, answer) = request(parts, options);
    tx.send(Msg::Append(req))
        .await
        .map_err(|_| StoreError::WriterGone)?;
    answer.await.map_err(|_| StoreError::WriterGone)?
}

/// Queues every valid set, in order, then waits for all answers (so the writer can
/// commit them together).
pub(crate) async fn send_each(
    tx: &mpsc::Sender<Msg>,
    sets: Vec<(Vec<StreamAppend>, AppendOptions)>,
) -> Vec<Result<Vec<AppendResult>>> {
    let mut answers = Vec::with_capacity(sets.len());
    for (parts, options) in sets {
        if let Err(e) = validate::validate_many(&parts, &options) {
            answers.push(Err(e));
            continue;
        }
        let (req, answer) = request(parts, options);
        answers.push(match tx.send(Msg::Append(req)).await {
            Ok(()) => Ok(answer),
            Err(_) => Err(StoreError::WriterGone),
        });
    }
    let mut results = Vec::with_capacity(answers.len());
    for a in answers {
        results.push(match a {
            Ok(answer) => answer.await.unwrap_or(Err(StoreError::WriterGone)),
            Err(e) => Err(e),
        });
    }
    results
}

/// A streamed set: queued to the writer at once (which then takes its write lock and
/// writes the parts as they come), each part validated here on the way, in the caller's
/// task. Whatever goes wrong, the writer rolls back and the answer says why.
pub(crate) async fn send_streamed(
    tx: &mpsc::Sender<Msg>,
    mut parts: mpsc::UnboundedReceiver<StreamedAppend>,
    options: AppendOptions,
) -> Result<Vec<AppendResult>> {
    validate::validate_streamed_options(&options)?;
    let (to_writer, from_caller) = mpsc::unbounded_channel();
    let (reply, answer) = oneshot::channel();
    let req = StreamedRequest {
        parts: from_caller,
        key: options.idempotency_key.clone(),
        recorded_at: options.recorded_at,
        reply,
    };
    tx.send(Msg::Streamed(req))
        .await
        .map_err(|_| StoreError::WriterGone)?;
    let mut ids = std::collections::HashSet::new();
    let mut any = false;
    let early = loop {
        match parts.recv().await {
            Some(StreamedAppend::Parts(p)) => {
                if let Err(e) = validate::validate_parts(&p, &options, &mut ids) {
                    break Some(e);
                }
                any |= !p.is_empty();
                if to_writer.send(StreamedAppend::Parts(p)).is_err() {
                    // The writer gave up (a conflict, say): its answer says why.
                    break None;
                }
            }
            Some(StreamedAppend::Commit) if !any => {
                break Some(StoreError::Invalid(
                    "lege append_many: geen stromen".to_owned(),
                ));
            }
            Some(StreamedAppend::Commit) => {
                let _ = to_writer.send(StreamedAppend::Commit);
                break None;
            }
            None => break Some(StoreError::Aborted),
        }
    };
    // Without a commit the writer rolls back; wait for that before answering, so the
    // caller's next step sees the log without this set.
    drop(to_writer);
    let answer = answer.await.map_err(|_| StoreError::WriterGone)?;
    match early {
        Some(e) => Err(e),
        None => answer,
    }
}

/// Groups that a writer's fast path takes (one transaction, no savepoints): every
/// request has parts with events, and no idempotency key occurs twice (the second would
/// be a repeat of the first, which the per-request path answers). Key rows
/// ([`StreamAppend::new_key`]) of the accepted requests go in together before the commit;
/// a key race rolls the group back and the per-request path finds the request it belongs to.
pub(crate) fn groupable(group: &[AppendRequest]) -> bool {
    let mut keys = std::collections::HashSet::new();
    group.iter().all(|r| {
        !r.parts.is_empty()
            && r.parts.iter().all(|p| !p.events.is_empty())
            && r.key.as_deref().is_none_or(|k| keys.insert(k))
    })
}

/// The key rows of the requests whose outcome is a success, in order.
pub(crate) fn accepted_key_rows<'a>(
    group: &'a [AppendRequest],
    outcomes: &[Outcome],
) -> Vec<&'a crate::KeyRow> {
    group
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| o.is_ok())
        .flat_map(|(r, _)| r.parts.iter().filter_map(|p| p.new_key.as_ref()))
        .collect()
}

/// Answers every request of a group. When the group's transaction failed (`committed`
/// is `Err`), nothing of it is in the log: every success becomes that error.
pub(crate) fn answer(replies: Vec<Reply>, mut outcomes: Vec<Outcome>, committed: Result<()>) {
    if let Err(e) = committed {
        let msg = e.to_string();
        for o in &mut outcomes {
            if o.is_ok() {
                *o = Err(StoreError::Commit(msg.clone()));
            }
        }
    }
    for (reply, outcome) in replies.into_iter().zip(outcomes) {
        let _ = reply.send(outcome);
    }
}

/// Asks the writer to close and waits until it has finished what was queued before.
pub(crate) async fn close(tx: &mpsc::Sender<Msg>) {
    let (done, wait) = oneshot::channel();
    if tx.send(Msg::Close(done)).await.is_ok() {
        // The writer answers after finishing what was queued before the close.
        let _ = wait.await;
    }
}
