//! The catch-up: reader tasks read and decode pages of the log while a blocking thread
//! folds them into a projection, so reading and folding overlap.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kringloop_events::{DecodeError, Gebeurtenis};
use kringloop_projections::{BATCH, Meta, Projection};
use kringloop_store::{EventStore, FoldEvent, FoldPage, StoreError};
use tokio::sync::mpsc;
use tracing::Instrument as _;

use crate::{CatchUp, ProjectionErrorInfo, RunnerError, report, warn_error};

/// CPU seconds of the calling thread (Linux: `/proc/thread-self/schedstat`).
fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// The result of folding a range of the log into a projection.
pub(crate) struct Folded {
    pub(crate) projection: Projection,
    /// Last position read (and applied, or reported as an error).
    pub(crate) cursor: i64,
    pub(crate) events: u64,
    pub(crate) errors: Vec<ProjectionErrorInfo>,
    pub(crate) fold_busy_secs: f64,
    pub(crate) fold_cpu_secs: Option<f64>,
    pub(crate) tables_cpu_secs: Option<f64>,
}

impl Folded {
    /// What this fold reports as a catch-up that took `secs`.
    pub(crate) fn catch_up(&self, secs: f64) -> CatchUp {
        CatchUp {
            events: self.events,
            secs,
            fold_busy_secs: self.fold_busy_secs,
            fold_cpu_secs: self.fold_cpu_secs,
            tables_cpu_secs: self.tables_cpu_secs,
        }
    }
}

/// Applies an event of a fold page that a reader task decoded (or could not decode:
/// `Projection::apply_undecodable` records it as seen and reports why).
fn apply_decoded(
    p: &mut Projection,
    e: FoldEvent<'_>,
    g: &mut Result<Gebeurtenis, DecodeError>,
) -> Option<ProjectionErrorInfo> {
    let meta = Meta {
        position: e.position,
        event_id: e.event_id,
        recorded_at: e.recorded_at,
        stream: e.stream,
    };
    let result = match g {
        Ok(g) => p.apply_decoded(meta, g),
        Err(error) => {
            let error = std::mem::replace(error, DecodeError::UnknownType(String::new()));
            p.apply_undecodable(meta, e.event_type, error)
        }
    };
    report(e, result)
}

/// Decodes and applies a page in this thread, with the prefetch hints of the catch-up;
/// returns what could not be applied. For callers that fold once without a runner
/// (`kringloop kpi`).
pub fn fold_page(p: &mut Projection, page: &FoldPage) -> Vec<ProjectionErrorInfo> {
    p.concurrently(|p| {
        let mut errors = Vec::new();
        for (i, e) in page.iter().enumerate() {
            p.prefetch_ahead(i, |k| page.stream(k));
            let mut g = Gebeurtenis::decode(e.event_type, e.schema_version, e.payload);
            errors.extend(apply_decoded(p, e, &mut g));
        }
        errors
    })
}

/// Pages read concurrently during a catch-up (each on its own pooled connection and
/// task), so decoding rows is spread over cores while the fold runs on another.
pub const READ_AHEAD: usize = 3;

/// A page of the log with its payloads decoded by the reader task, so that the folding
/// thread only folds.
type Page = (FoldPage, Vec<Result<Gebeurtenis, DecodeError>>);

fn decode_page(page: FoldPage) -> Page {
    let decoded = page
        .iter()
        .map(|e| Gebeurtenis::decode(e.event_type, e.schema_version, e.payload))
        .collect();
    (page, decoded)
}

/// Reads the log after `after` into `tx`, in order: first the range up to `bound` in
/// concurrent page reads of `batch` positions each, then (when `open_end`) page by page
/// until the log is exhausted. Returns the position read to.
async fn read_pages(
    store: Arc<dyn EventStore>,
    after: i64,
    bound: i64,
    open_end: bool,
    batch: usize,
    tx: mpsc::Sender<Page>,
) -> Result<i64, StoreError> {
    let step = i64::try_from(batch).unwrap_or(i64::MAX);
    let mut next = after;
    let mut inflight = std::collections::VecDeque::new();
    loop {
        while inflight.len() < READ_AHEAD && next < bound {
            let from = next;
            let to = from.saturating_add(step).min(bound);
            let store = Arc::clone(&store);
            inflight.push_back(tokio::spawn(async move {
                let started = Instant::now();
                // Positions are dense, so (from, to] holds at most `to - from` events; with
                // gaps the read returns some beyond `to`, which belong to the next range.
                let mut page = store
                    .read_for_fold(from, usize::try_from(to - from).unwrap_or(usize::MAX))
                    .await?;
                page.truncate_after(to);
                let page = decode_page(page);
                tracing::debug!(
                    events = page.0.len(),
                    to,
                    read_ms = started.elapsed().as_secs_f64() * 1e3,
                    "pagina gelezen"
                );
                Ok::<_, StoreError>((to, page))
            }));
            next = to;
        }
        let Some(task) = inflight.pop_front() else {
            break;
        };
        let (_, page) = task
            .await
            .map_err(|e| StoreError::Commit(format!("leestaak afgebroken: {e}")))??;
        if !page.0.is_empty() && tx.send(page).await.is_err() {
            return Ok(next);
        }
    }
    let mut cursor = next.max(after);
    if open_end {
        loop {
            let page = store.read_for_fold(cursor, batch).await?;
            let Some(last) = page.last_position() else {
                break;
            };
            cursor = last;
            if tx.send(decode_page(page)).await.is_err() {
                break;
            }
        }
    }
    Ok(cursor)
}

/// Folds the events after `after` (up to `upto` inclusive, or to the end of the log)
/// into `projection`: reader tasks read pages, a blocking thread folds them, so reading
/// and folding overlap.
pub(crate) async fn fold_from_store(
    store: Arc<dyn EventStore>,
    projection: Projection,
    after: i64,
    upto: Option<i64>,
    batch: usize,
) -> Result<Folded, RunnerError> {
    let batch = batch.max(1);
    let bound = match upto {
        Some(u) => u,
        None => store.head_position().await?,
    };
    let (tx, mut rx) = mpsc::channel::<Page>(2);
    let reader =
        tokio::spawn(read_pages(store, after, bound, upto.is_none(), batch, tx).in_current_span());
    let span = tracing::Span::current();
    // Folded pages are dropped on another thread: their decoded events own strings, and
    // freeing them one by one took a visible share of the folding thread.
    let (drop_tx, drop_rx) = std::sync::mpsc::sync_channel::<Page>(2);
    let dropper = std::thread::Builder::new()
        .name("vouw-opruimen".into())
        .spawn(move || drop_rx.into_iter().for_each(drop));
    let folder = tokio::task::spawn_blocking(move || {
        let _g = span.enter();
        let cpu0 = thread_cpu_secs();
        let mut busy = Duration::ZERO;
        let mut p = projection;
        p.reserve(usize::try_from(bound - after).unwrap_or(0));
        let mut cursor = after;
        let mut events = 0u64;
        let mut errors = Vec::new();
        // Two stages: this thread derives, a second one updates the youth tables (and
        // at the end the occupancy log); see `Projection::concurrently`.
        let ((), tables_cpu) = p.concurrently_with(BATCH, thread_cpu_secs, |p| {
            while let Some((page, mut decoded)) = rx.blocking_recv() {
                let started = Instant::now();
                let n = page.len();
                let batch_errors = errors.len();
                for (i, (e, g)) in page.iter().zip(decoded.iter_mut()).enumerate() {
                    p.prefetch_ahead(i, |k| page.stream(k));
                    if let Some(info) = apply_decoded(p, e, g) {
                        warn_error(&info);
                        errors.push(info);
                    }
                    cursor = e.position;
                }
                if dropper.is_ok() {
                    // The thread ends only when this sender is dropped, so the send
                    // succeeds.
                    let _ = drop_tx.send((page, decoded));
                }
                events += n as u64;
                busy += started.elapsed();
                tracing::debug!(
                    events = n,
                    to = cursor,
                    errors = errors.len() - batch_errors,
                    fold_ms = started.elapsed().as_secs_f64() * 1e3,
                    "inhaalbatch gevouwen"
                );
            }
        });
        Folded {
            projection: p,
            cursor,
            events,
            errors,
            fold_busy_secs: busy.as_secs_f64(),
            fold_cpu_secs: thread_cpu_secs().zip(cpu0).map(|(b, a)| b - a),
            tables_cpu_secs: tables_cpu,
        }
    });
    let read = reader.await.map_err(|e| RunnerError::Task(e.to_string()));
    let mut folded = folder.await.map_err(|e| RunnerError::Task(e.to_string()))?;
    let read_to = read??;
    // Everything up to `read_to` was read and applied (a range without events is a gap).
    folded.cursor = folded.cursor.max(read_to);
    Ok(folded)
}
