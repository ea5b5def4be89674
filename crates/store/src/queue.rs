//! The channel between callers and a backend's one writer task: both backends queue
//! appends the same way, so that group commit sees them in arrival order.

use tokio::sync::{mpsc, oneshot};

use crate::{AppendOptions, AppendResult, Result, StoreError, StreamAppend};

pub(crate) enum Msg {
    Append(AppendRequest),
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
