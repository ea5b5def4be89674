//! Writing an import's plan: in batches per recorded time after the whole file was
//! checked ([`append_batches`]), or streamed while it is still being checked
//! ([`StreamedWrite`]). Both state each stream's expected version as the log had it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kringloop_store::{AppendOptions, AppendResult, EventStore, StoreError, StreamedAppend};
use kringloop_writer::{Index, VersionChain, WriteState};

use super::ImportError;
use crate::plan::WriteRequest;

/// Writes the plan: one `append_many` (one transaction) per batch, a batch being the
/// events with one recorded time (see [`batch_key`]); normally the whole file.
/// Returns (events written, every batch was a repeat).
pub(super) async fn append_batches<I: Index>(
    store: &dyn EventStore,
    log: &WriteState<I>,
    opdrachten: Vec<WriteRequest>,
    sleutel: &str,
    meerdere: bool,
) -> Result<(u64, bool), StoreError> {
    // Expected versions as the log has them ([`VersionChain`]): a concurrent writer
    // makes the batch fail instead of slipping past the rules.
    let mut versions = VersionChain::new();
    let mut geschreven = 0;
    let mut alles_dubbel = true;
    let mut rest = opdrachten.into_iter().peekable();
    while let Some(eerste) = rest.peek() {
        let tijd = eerste.recorded_at;
        let mut delen = Vec::new();
        while let Some(o) = rest.next_if(|o| o.recorded_at == tijd) {
            delen.push(versions.part(log, o.stream, o.events));
        }
        let aantal: u64 = delen.iter().map(|d| d.events.len() as u64).sum();
        let resultaten = store
            .append_many(
                delen,
                AppendOptions {
                    expected: None,
                    idempotency_key: Some(batch_key(sleutel, meerdere, tijd)),
                    recorded_at: tijd,
                },
            )
            .await?;
        if !resultaten.iter().any(|r| r.duplicate) {
            // (A repeat means a rerun after a crash: the store wrote nothing now.)
            alles_dubbel = false;
            geschreven += aantal;
        }
    }
    Ok((geschreven, alles_dubbel))
}

/// Requests (one per stream and run of records) the planner collects before they go to
/// the store as one batch of a [`StreamedWrite`].
pub(super) const STREAMED_REQUESTS: usize = 1024;

/// A file's accepted events on their way to the store while the rest of the file is
/// still being checked ([`EventStore::append_many_streamed`]): one transaction, which
/// the store commits only at [`StreamedWrite::commit`] and rolls back when it is dropped
/// or [`StreamedWrite::abort`] (a record was rejected), so a file is still written all
/// or nothing. Expected versions as in [`append_batches`].
pub(super) struct StreamedWrite {
    tx: tokio::sync::mpsc::UnboundedSender<StreamedAppend>,
    task: tokio::task::JoinHandle<Result<Vec<AppendResult>, StoreError>>,
    versions: VersionChain,
    written: Vec<Written>,
    /// Events sent so far.
    pub(super) events: u64,
}

impl StreamedWrite {
    pub(super) fn start(
        store: Arc<dyn EventStore>,
        sleutel: &str,
        tijd: Option<DateTime<Utc>>,
    ) -> Self {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let opties = AppendOptions {
            expected: None,
            idempotency_key: Some(sleutel.to_owned()),
            recorded_at: tijd,
        };
        let task = tokio::spawn(async move { store.append_many_streamed(rx, opties).await });
        StreamedWrite {
            tx,
            task,
            versions: VersionChain::new(),
            written: Vec::new(),
            events: 0,
        }
    }

    /// Sends requests; each stream's first part states the version read from the log.
    pub(super) fn send<I: Index>(&mut self, opdrachten: Vec<WriteRequest>, log: &WriteState<I>) {
        if opdrachten.is_empty() {
            return;
        }
        let mut delen = Vec::with_capacity(opdrachten.len());
        for o in opdrachten {
            let n = o.events.len() as u64;
            self.written.push((o.stream.clone(), n, o.recorded_at));
            self.events += n;
            delen.push(self.versions.part(log, o.stream, o.events));
        }
        // A closed channel means the store has refused the set already; `commit` answers
        // why.
        let _ = self.tx.send(StreamedAppend::Parts(delen));
    }

    /// Commits the set; returns the store's results and what the importer keeps.
    pub(super) async fn commit(self) -> Result<(Vec<AppendResult>, Vec<Written>), ImportError> {
        let _ = self.tx.send(StreamedAppend::Commit);
        drop(self.tx);
        let resultaten = self
            .task
            .await
            .map_err(|e| ImportError::Store(StoreError::Commit(e.to_string())))??;
        Ok((resultaten, self.written))
    }

    /// Nothing of the file may be written: the store rolls back; waits until it has.
    pub(super) async fn abort(self) {
        drop(self.tx);
        let _ = self.task.await;
    }
}

/// What the importer keeps of a written request: stream, number of events, recorded time.
pub(super) type Written = (String, u64, Option<DateTime<Utc>>);

pub(super) fn written(opdrachten: &[WriteRequest]) -> Vec<Written> {
    opdrachten
        .iter()
        .map(|o| (o.stream.clone(), o.events.len() as u64, o.recorded_at))
        .collect()
}

/// The idempotency key of one batch: the file's key when the whole file is one batch
/// (the normal case), else the file's key `@` the batch's recorded time. Keying batches
/// by their recorded time (not their index) keeps a rerun after a crash safe: a batch
/// either is in the log entirely (its key is there) or not at all.
pub fn batch_key(sleutel: &str, meerdere: bool, tijd: Option<DateTime<Utc>>) -> String {
    match (meerdere, tijd) {
        (false, _) => sleutel.to_owned(),
        (true, Some(t)) => format!("{sleutel}@{}", t.to_rfc3339()),
        (true, None) => format!("{sleutel}@nu"),
    }
}
