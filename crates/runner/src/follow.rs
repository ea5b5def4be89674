//! Following the log after the catch-up: one poll reads what the store has beyond the
//! checkpoint and applies it in chunks under the write lock.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use kringloop_events::RecordedEvent;
use kringloop_projections::Projection;
use kringloop_store::StoreError;
use tokio::sync::{Notify, watch};
use tracing::Instrument as _;

use crate::{Applied, CHUNK, Inner, ProjectionErrorInfo, report, warn_error};

fn apply_one(p: &mut Projection, e: &RecordedEvent) -> Option<ProjectionErrorInfo> {
    report(e.into(), p.apply(e))
}

impl Inner {
    /// One poll: if the store is ahead, read pages until the end and apply them.
    async fn step(&self) -> Result<(), StoreError> {
        let _apply = self.apply_lock.lock().await;
        let head = self.store.head_position().await?;
        self.head.fetch_max(head, Ordering::AcqRel);
        let mut cursor = self.position.load(Ordering::Acquire);
        if head <= cursor {
            return Ok(());
        }
        let batch = self.opts.batch.max(1);
        let span = tracing::debug_span!("projectie_volgen", from = cursor, head);
        async {
            loop {
                let page = self.store.read_all(cursor, batch).await?;
                let (Some(first), Some(last)) = (page.first(), page.last()) else {
                    break;
                };
                let (from, to) = (first.position, last.position);
                let full = page.len() >= batch;
                let mut errors = Vec::new();
                let chunks = page.chunks(CHUNK).count();
                for (i, chunk) in page.chunks(CHUNK).enumerate() {
                    let mut guard = self.projection.write().await;
                    for e in chunk {
                        if let Some(info) = apply_one(&mut guard, e) {
                            errors.push(info);
                        }
                    }
                    if i + 1 == chunks {
                        // The index work the fold defers (the occupancy log), once per
                        // followed batch, so that series at K = now keep using it.
                        guard.maintain();
                    }
                    drop(guard);
                    tokio::task::yield_now().await;
                }
                cursor = to;
                self.record_errors(errors);
                self.head.fetch_max(to, Ordering::AcqRel);
                self.position.store(to, Ordering::Release);
                self.position_tx.send_replace(to);
                tracing::debug!(events = page.len(), from, to, "batch toegepast");
                // No subscribers is not an error.
                let _ = self.applied_tx.send(Applied {
                    from,
                    to,
                    events: Arc::new(page),
                });
                if !full {
                    break;
                }
            }
            Ok(())
        }
        .instrument(span)
        .await
    }

    fn record_errors(&self, errors: Vec<ProjectionErrorInfo>) {
        if errors.is_empty() {
            return;
        }
        if let Ok(mut log) = self.errors.lock() {
            for e in errors {
                warn_error(&e);
                log.push(e);
            }
            self.error_count.store(log.count, Ordering::Release);
        }
    }
}

/// The follow task. Holds only a weak reference between polls, so dropping every
/// [`Runner`] ends it.
pub(crate) async fn follow(
    inner: Weak<Inner>,
    notify: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
    poll_interval: Duration,
) {
    let mut backoff = poll_interval;
    let mut wait = poll_interval;
    loop {
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            r = shutdown.changed() => {
                if r.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
        if *shutdown.borrow() {
            break;
        }
        let Some(inner) = inner.upgrade() else { break };
        match inner.step().await {
            Ok(()) => {
                wait = poll_interval;
                backoff = poll_interval;
                if let Ok(mut e) = inner.last_store_error.lock() {
                    *e = None;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_ms = backoff.as_millis() as u64, "projectie kan de store niet lezen; opnieuw");
                if let Ok(mut slot) = inner.last_store_error.lock() {
                    *slot = Some(e.to_string());
                }
                wait = backoff;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
