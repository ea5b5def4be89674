//! kringloop-runner: a checkpointed [`Projection`] that catches up from the event store on
//! start and then follows new events, on SQLite and on PostgreSQL alike.
//!
//! ```text
//! Runner::start ─► read_for_fold pages + decode ──(channel)──► fold on a blocking thread ─► Projection
//!                  (READ_AHEAD concurrent tasks)    (prefetch hints ahead; pages dropped │
//!                                                    on a thread of their own)           │
//!        follow task: wait for nudge() or poll_interval ─► head_position ─► read_all(position, batch)
//!                     ─► apply under the write lock in chunks ─► broadcast Applied ─► position
//! ```
//!
//! - The checkpoint is the last position the runner processed ([`Runner::position`]); the
//!   last head seen in the store is [`Runner::store_head`], so `store_head − position` is
//!   the lag. Both are atomics: reading them never waits for the fold.
//! - The database read is never awaited under the projection's lock: a page is read
//!   first, then applied under the write lock in chunks of at most [`CHUNK`] events, so a
//!   reader ([`Runner::read`]) waits at most one chunk.
//! - Several processes on one PostgreSQL database each run their own runner and converge
//!   by polling (default every 100 ms); a local writer calls [`Runner::nudge`] after an
//!   append so its own runner polls at once, and [`Runner::wait_for`] gives
//!   read-your-writes after a mutation.
//! - An event the projection cannot decode or resolve is reported (`tracing::warn`) and
//!   counted ([`Runner::errors`], [`Runner::error_count`]); it is not fatal and the
//!   position moves past it, as [`Projection::apply`] documents.
//! - [`Runner::rebuild`] folds a fresh projection from position 0 next to the live one and
//!   swaps it in atomically, caught up to exactly the live position.
//! - A store error in the follow loop is logged, kept ([`Runner::last_store_error`]) and
//!   retried with backoff; the runner keeps serving its last figures.
//!
//! The checkpoint lives in memory: a start always folds the whole log (the benchmark
//! `kringloop-bench projections` measures how long that takes for ten national years).

mod catch_up;
mod follow;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kringloop_events::RecordedEvent;
use kringloop_projections::Projection;
use kringloop_store::{EventStore, FoldEvent, StoreError};
use tokio::sync::{Notify, RwLock, broadcast, watch};
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use catch_up::fold_from_store;
pub use catch_up::{READ_AHEAD, fold_page};
use follow::follow;

/// Events applied per write-lock acquisition: readers wait at most this many applies.
pub const CHUNK: usize = 2_048;

/// Reported projection errors kept for [`Runner::errors`] (the count goes on).
pub const ERRORS_KEPT: usize = 1_000;

/// Capacity of the [`Runner::subscribe`] channel; a subscriber further behind than this
/// many batches gets `RecvError::Lagged` and should re-read the figures it needs.
pub const SUBSCRIBER_BUFFER: usize = 1_024;

/// How the runner reads the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerOptions {
    /// Events per `read_all` page (catch-up and follow).
    pub batch: usize,
    /// How often the follow task polls the store when nobody nudges it.
    pub poll_interval: Duration,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            batch: 10_000,
            poll_interval: Duration::from_millis(100),
        }
    }
}

/// What went wrong in the runner itself (projection errors are counted, not returned).
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("de event store gaf een fout: {0}")]
    Store(#[from] StoreError),
    #[error("de projectie-runner is gestopt")]
    Stopped,
    #[error("een taak van de projectie-runner is afgebroken: {0}")]
    Task(String),
}

/// One event the projection could not apply (undecodable payload, a correction of an
/// unknown fact, …). The position still advanced past it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionErrorInfo {
    pub position: i64,
    pub event_type: String,
    pub stream: String,
    pub message: String,
}

/// A batch the runner applied: positions `from..=to` (inclusive; `from` is the first
/// event of the batch), in order.
#[derive(Debug, Clone)]
pub struct Applied {
    pub from: i64,
    pub to: i64,
    pub events: Arc<Vec<RecordedEvent>>,
}

/// How the last catch-up from position 0 went (start or rebuild): what a benchmark needs
/// to tell reading from folding in a run where both overlap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CatchUp {
    pub events: u64,
    /// Wall time of the whole catch-up.
    pub secs: f64,
    /// Time the folding thread spent folding (not waiting for pages).
    pub fold_busy_secs: f64,
    /// CPU time of the folding thread, where the platform reports it (Linux).
    pub fold_cpu_secs: Option<f64>,
    /// CPU time of the fold's second stage (the thread that updates the youth tables;
    /// see `Projection::concurrently`), where the platform reports it.
    pub tables_cpu_secs: Option<f64>,
}

impl CatchUp {
    /// This catch-up followed by `next` (a rebuild folds twice), over `secs` in all.
    fn then(self, next: CatchUp, secs: f64) -> CatchUp {
        CatchUp {
            events: self.events + next.events,
            secs,
            fold_busy_secs: self.fold_busy_secs + next.fold_busy_secs,
            fold_cpu_secs: self
                .fold_cpu_secs
                .zip(next.fold_cpu_secs)
                .map(|(a, b)| a + b),
            tables_cpu_secs: self
                .tables_cpu_secs
                .zip(next.tables_cpu_secs)
                .map(|(a, b)| a + b),
        }
    }
}

#[derive(Debug, Default)]
struct ErrorLog {
    count: u64,
    recent: Vec<ProjectionErrorInfo>,
}

impl ErrorLog {
    fn new(errors: Vec<ProjectionErrorInfo>) -> Self {
        let mut log = ErrorLog::default();
        for e in errors {
            log.push(e);
        }
        log
    }

    fn push(&mut self, info: ProjectionErrorInfo) {
        self.count += 1;
        if self.recent.len() >= ERRORS_KEPT {
            self.recent.remove(0);
        }
        self.recent.push(info);
    }
}

struct Inner {
    store: Arc<dyn EventStore>,
    opts: RunnerOptions,
    projection: RwLock<Projection>,
    /// Serialises the follow step and the final phase of a rebuild (who moves the cursor).
    apply_lock: tokio::sync::Mutex<()>,
    position: AtomicI64,
    head: AtomicI64,
    position_tx: watch::Sender<i64>,
    applied_tx: broadcast::Sender<Applied>,
    notify: Arc<Notify>,
    errors: Mutex<ErrorLog>,
    error_count: AtomicU64,
    last_store_error: Mutex<Option<String>>,
    shutdown_tx: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
    catch_up: Mutex<Option<CatchUp>>,
}

/// The live projection. Cheap to clone: all clones share one projection and one follow
/// task. The task stops on [`Runner::shutdown`] or when the last clone is dropped.
#[derive(Clone)]
pub struct Runner {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("backend", &self.inner.store.backend())
            .field("position", &self.position())
            .field("store_head", &self.store_head())
            .field("errors", &self.error_count())
            .finish()
    }
}

fn report(
    e: FoldEvent<'_>,
    result: Result<(), kringloop_projections::ProjectionError>,
) -> Option<ProjectionErrorInfo> {
    match result {
        Ok(()) => None,
        Err(err) => Some(ProjectionErrorInfo {
            position: e.position,
            event_type: e.event_type.to_owned(),
            stream: e.stream.to_owned(),
            message: err.to_string(),
        }),
    }
}

fn warn_error(info: &ProjectionErrorInfo) {
    tracing::warn!(
        position = info.position,
        event_type = %info.event_type,
        stream = %info.stream,
        error = %info.message,
        "gebeurtenis niet verwerkt in de projectie; positie loopt door"
    );
}

impl Runner {
    /// Folds the whole log, then spawns the follow task; returns when caught up.
    pub async fn start(
        store: Arc<dyn EventStore>,
        opts: RunnerOptions,
    ) -> Result<Runner, RunnerError> {
        let head = store.head_position().await?;
        let span = tracing::info_span!("projectie_inhalen", backend = store.backend(), head);
        let started = Instant::now();
        let folded = fold_from_store(Arc::clone(&store), Projection::new(), 0, None, opts.batch)
            .instrument(span.clone())
            .await?;
        let secs = started.elapsed().as_secs_f64();
        let catch_up = folded.catch_up(secs);
        span.in_scope(|| {
            tracing::info!(
                events = folded.events,
                position = folded.cursor,
                errors = folded.errors.len(),
                secs,
                events_per_s = folded.events as f64 / secs.max(1e-9),
                fold_busy_secs = folded.fold_busy_secs,
                "projectie bijgewerkt"
            );
        });

        let (position_tx, _) = watch::channel(folded.cursor);
        let (applied_tx, _) = broadcast::channel(SUBSCRIBER_BUFFER);
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let log = ErrorLog::new(folded.errors);
        let notify = Arc::new(Notify::new());
        let inner = Arc::new(Inner {
            store,
            opts,
            projection: RwLock::new(folded.projection),
            apply_lock: tokio::sync::Mutex::new(()),
            position: AtomicI64::new(folded.cursor),
            head: AtomicI64::new(head.max(folded.cursor)),
            position_tx,
            applied_tx,
            notify: Arc::clone(&notify),
            error_count: AtomicU64::new(log.count),
            errors: Mutex::new(log),
            last_store_error: Mutex::new(None),
            shutdown_tx,
            task: Mutex::new(None),
            catch_up: Mutex::new(Some(catch_up)),
        });
        let task = tokio::spawn(follow(
            Arc::downgrade(&inner),
            notify,
            shutdown_rx,
            inner.opts.poll_interval,
        ));
        if let Ok(mut t) = inner.task.lock() {
            *t = Some(task);
        }
        Ok(Runner { inner })
    }

    /// Runs `f` on the current projection under a read lock (keep it short: the follow
    /// task waits for it before applying the next chunk).
    pub async fn read<R>(&self, f: impl FnOnce(&Projection) -> R) -> R {
        let guard = self.inner.projection.read().await;
        f(&guard)
    }

    /// The last catch-up from position 0 ([`Runner::start`] or [`Runner::rebuild`]).
    pub fn last_catch_up(&self) -> Option<CatchUp> {
        self.inner.catch_up.lock().ok().and_then(|c| *c)
    }

    /// Last position processed (the checkpoint): every event up to it is in the figures.
    pub fn position(&self) -> i64 {
        self.inner.position.load(Ordering::Acquire)
    }

    /// Last head position seen in the store; `store_head() - position()` is the lag.
    pub fn store_head(&self) -> i64 {
        self.inner.head.load(Ordering::Acquire)
    }

    /// `store_head() - position()`, never negative.
    pub fn lag(&self) -> i64 {
        (self.store_head() - self.position()).max(0)
    }

    /// A local writer appended: poll now instead of at the next interval.
    pub fn nudge(&self) {
        self.inner.notify.notify_one();
    }

    /// Waits until the runner has applied `position` (read-your-writes after an append:
    /// pass the append's `last_position`). Nudges first. False on timeout or shutdown.
    pub async fn wait_for(&self, position: i64, timeout: Duration) -> bool {
        if self.position() >= position {
            return true;
        }
        let mut rx = self.inner.position_tx.subscribe();
        self.nudge();
        matches!(
            tokio::time::timeout(timeout, rx.wait_for(|p| *p >= position)).await,
            Ok(Ok(_))
        )
    }

    /// Every batch applied from now on. Subscribe, then read the figures: a batch applied
    /// in between shows up both in the figures and on the channel.
    pub fn subscribe(&self) -> broadcast::Receiver<Applied> {
        self.inner.applied_tx.subscribe()
    }

    /// Folds a fresh projection from position 0 and swaps it in atomically, at exactly
    /// the live position (so subscribers miss nothing and see nothing twice). The live
    /// projection keeps serving and following while the fresh one is built.
    pub async fn rebuild(&self) -> Result<(), RunnerError> {
        if *self.inner.shutdown_tx.borrow() {
            return Err(RunnerError::Stopped);
        }
        let inner = &self.inner;
        let span = tracing::info_span!("projectie_herbouwen", backend = inner.store.backend());
        let started = Instant::now();
        let bound = self.position();
        let first = fold_from_store(
            Arc::clone(&inner.store),
            Projection::new(),
            0,
            Some(bound),
            inner.opts.batch,
        )
        .instrument(span.clone())
        .await?;
        let first_catch_up = first.catch_up(0.0);
        // The follow task may have moved on meanwhile: stop it, fold the difference, swap.
        let _apply = inner.apply_lock.lock().await;
        let live = self.position();
        let mut folded = fold_from_store(
            Arc::clone(&inner.store),
            first.projection,
            first.cursor,
            Some(live),
            inner.opts.batch,
        )
        .instrument(span.clone())
        .await?;
        let mut errors = first.errors;
        errors.append(&mut folded.errors);
        if folded.cursor != live {
            // Only if the log shrank, which the store forbids; keep the live projection.
            return Err(RunnerError::Task(format!(
                "herbouw eindigde op positie {}, de live projectie staat op {live}",
                folded.cursor
            )));
        }
        let second_catch_up = folded.catch_up(0.0);
        {
            let mut guard = inner.projection.write().await;
            *guard = folded.projection;
        }
        if let Ok(mut c) = inner.catch_up.lock() {
            *c = Some(first_catch_up.then(second_catch_up, started.elapsed().as_secs_f64()));
        }
        let log = ErrorLog::new(errors);
        inner.error_count.store(log.count, Ordering::Release);
        if let Ok(mut l) = inner.errors.lock() {
            *l = log;
        }
        span.in_scope(|| {
            tracing::info!(
                events = first.events + folded.events,
                position = live,
                secs = started.elapsed().as_secs_f64(),
                "projectie herbouwd en omgewisseld"
            );
        });
        Ok(())
    }

    /// The most recent projection errors (at most [`ERRORS_KEPT`]), oldest first.
    pub fn errors(&self) -> Vec<ProjectionErrorInfo> {
        self.inner
            .errors
            .lock()
            .map(|l| l.recent.clone())
            .unwrap_or_default()
    }

    /// Events the projection could not apply, since start or the last rebuild.
    pub fn error_count(&self) -> u64 {
        self.inner.error_count.load(Ordering::Acquire)
    }

    /// The last store error of the follow task, cleared by the next successful poll.
    pub fn last_store_error(&self) -> Option<String> {
        self.inner
            .last_store_error
            .lock()
            .ok()
            .and_then(|e| e.clone())
    }

    /// Which backend the runner reads.
    pub fn backend(&self) -> &'static str {
        self.inner.store.backend()
    }

    /// Stops the follow task (after the poll it is in finishes). Figures stay readable.
    pub async fn shutdown(&self) {
        self.inner.shutdown_tx.send_replace(true);
        let task = self.inner.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task
            && let Err(e) = task.await
        {
            tracing::warn!(error = %e, "volgtaak van de projectie eindigde met een fout");
        }
    }
}
