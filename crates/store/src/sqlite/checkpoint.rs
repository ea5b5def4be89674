//! Background WAL checkpoints, off the writer's commit path.

use std::time::Duration;

use sqlx::Connection as _;
use sqlx::sqlite::SqliteConnection;
use tokio::sync::mpsc;

/// At most one background checkpoint per this interval (each costs two fsyncs); the
/// commits in between are folded into it.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(50);

/// Copies committed WAL frames into the database file on a second connection (and so on
/// its own SQLite worker thread), nudged after each commit: a passive checkpoint does not
/// block the writer or readers, and the writer's commit no longer includes one.
pub(super) struct Checkpointer {
    nudge: Option<mpsc::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Checkpointer {
    pub(super) fn start(mut conn: SqliteConnection) -> Self {
        let (nudge, mut rx) = mpsc::channel::<()>(1);
        let task = tokio::spawn(async move {
            while rx.recv().await.is_some() {
                tokio::time::sleep(CHECKPOINT_INTERVAL).await;
                while rx.try_recv().is_ok() {}
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&mut conn)
                    .await
                {
                    tracing::debug!(error = %e, "achtergrond-checkpoint mislukt");
                }
            }
            let _ = conn.close().await;
        });
        Checkpointer {
            nudge: Some(nudge),
            task: Some(task),
        }
    }

    pub(super) fn nudge(&self) {
        if let Some(n) = &self.nudge {
            let _ = n.try_send(());
        }
    }

    /// Finishes a pending checkpoint and closes the connection.
    pub(super) async fn stop(&mut self) {
        self.nudge = None;
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}
