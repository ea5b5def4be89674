//! The channel between callers and a backend's one writer task: both backends queue
//! appends the same way, so that group commit sees them in arrival order.

use tokio::sync::{mpsc, oneshot};

use crate::{AppendOptions, AppendResult, Result, StoreError, StreamAppend, StreamedAppend};

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
    pub(crate) reply: oneshot::Sender<Result<Vec<AppendResult>>>,
}

/// A set of [`crate::EventStore::append_many_streamed`] on its way to the writer: the
/// parts arrive on `parts`, already validated; the channel closing without
/// [`StreamedAppend::Commit`] means: roll back.
pub(crate) struct StreamedRequest {
    pub(crate) parts: mpsc::UnboundedReceiver<StreamedAppend>,
    pub(crate) key: Option<String>,
    pub(crate) recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    pub(crate) reply: oneshot::Sender<Result<Vec<AppendResult>>>,
}

fn request(
    parts: Vec<StreamAppend>,
    options: AppendOptions,
) -> (AppendRequest, oneshot::Receiver<Result<Vec<AppendResult>>>) {
    let (reply, answer) = oneshot::channel();
    let req = AppendRequest {
        parts,
        key: options.idempotency_key,
        recorded_at: options.recorded_at,
        reply,
    };
    (req, answer)
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
        if let Err(e) = crate::validate_many(&parts, &options) {
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
    crate::validate_many_options(&options)?;
    if options.idempotency_key.as_deref() == Some("") {
        return Err(StoreError::Invalid("lege idempotentiesleutel".to_owned()));
    }
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
                if let Err(e) = crate::validate_parts(&p, &options, &mut ids) {
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
