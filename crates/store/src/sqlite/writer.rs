//! The writer task: drains the queue, runs each group in one `BEGIN IMMEDIATE`
//! transaction (the fast path, checked in memory and inserted with multi-row statements,
//! or the per-request path with a SAVEPOINT each), commits once and answers everyone.

use std::collections::HashMap;

use sqlx::Connection as _;
use sqlx::sqlite::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

use super::append::{
    any_key_stored, append_request, insert_key, insert_planned, load_versions, read_head,
};
use super::checkpoint::Checkpointer;
use super::encoding::PlannedPart;
use super::youth_keys::{insert_key_row, insert_key_rows};
use crate::chain;
use crate::error::{Result, StoreError};
use crate::event_store::{AppendResult, StreamAppend, StreamedAppend, collect_parts, next_parts};
use crate::queue::{self, AppendRequest, MAX_GROUP, Msg, Outcome, Reply, StreamedRequest};
use crate::validate::check_expected;
use crate::write::{Head, MAX_CACHED_STREAMS, map_insert_error, recorded_micros, version_not_read};

/// The writer task: owns the only write connection (see the module docs of `super`).
pub(super) struct Writer {
    conn: SqliteConnection,
    /// Stream versions as of `committed_head`; saves a query per append. Only trusted
    /// while the log's head is still the one we committed last (nobody else wrote).
    versions: HashMap<String, i64>,
    committed_head: Option<(i64, [u8; 32])>,
    checkpointer: Checkpointer,
}

impl Writer {
    /// The writer on its connection; checkpoints run on `checkpoints`.
    pub(super) fn new(conn: SqliteConnection, checkpoints: SqliteConnection) -> Self {
        Writer {
            conn,
            versions: HashMap::new(),
            committed_head: None,
            checkpointer: Checkpointer::start(checkpoints),
        }
    }

    /// After a commit: the versions it wrote, and its head, are known again.
    fn remember(&mut self, group_versions: HashMap<String, i64>, head: Head) {
        if self.versions.len() + group_versions.len() > MAX_CACHED_STREAMS {
            self.versions.clear();
        }
        self.versions.extend(group_versions);
        self.committed_head = Some((head.position, head.hash));
    }

    /// After a failure: nothing cached is trusted.
    fn forget(&mut self) {
        self.versions.clear();
        self.committed_head = None;
    }

    pub(super) async fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        let mut msgs = Vec::with_capacity(MAX_GROUP);
        loop {
            if rx.recv_many(&mut msgs, MAX_GROUP).await == 0 {
                break; // every sender is gone
            }
            let mut group = Vec::with_capacity(msgs.len());
            let mut close = None;
            for m in msgs.drain(..) {
                match m {
                    Msg::Append(r) if close.is_none() => group.push(r),
                    Msg::Streamed(r) if close.is_none() => {
                        // What was queued before it goes first, as its own group.
                        if !group.is_empty() {
                            self.process_group(std::mem::take(&mut group)).await;
                        }
                        self.process_streamed(r).await;
                    }
                    // Appends queued after a close are refused (their reply is dropped).
                    Msg::Append(_) | Msg::Streamed(_) => {}
                    Msg::Close(done) => close = Some(done),
                }
            }
            if !group.is_empty() {
                self.process_group(group).await;
            }
            if let Some(done) = close {
                rx.close();
                self.checkpointer.stop().await;
                break_close(self.conn, done).await;
                return;
            }
        }
        self.checkpointer.stop().await;
        let _ = self.conn.close().await;
    }

    async fn process_group(&mut self, group: Vec<AppendRequest>) {
        let mut outcomes: Vec<Outcome> = Vec::with_capacity(group.len());
        let mut replies = Vec::with_capacity(group.len());
        let committed = self.run_group(group, &mut outcomes, &mut replies).await;
        queue::answer(replies, outcomes, committed);
    }

    /// A streamed set ([`crate::EventStore::append_many_streamed`]): its own transaction, written
    /// part by part as the parts arrive, committed at [`StreamedAppend::Commit`].
    async fn process_streamed(&mut self, req: StreamedRequest) {
        let StreamedRequest {
            mut parts,
            key,
            recorded_at,
            reply,
        } = req;
        let mut group_versions = HashMap::new();
        let outcome = self
            .run_streamed(&mut parts, key.as_deref(), recorded_at, &mut group_versions)
            .await;
        match outcome {
            Ok(Streamed::Done(results, head)) => {
                self.remember(group_versions, head);
                let _ = reply.send(Ok(results));
            }
            Ok(Streamed::RepeatedKey(all)) => {
                // Nothing written; the per-request path answers a repeat.
                let req = AppendRequest {
                    parts: all,
                    key,
                    recorded_at,
                    reply,
                };
                self.process_group(vec![req]).await;
            }
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
                self.forget();
                let _ = reply.send(Err(e));
            }
        }
    }

    /// The transaction of [`Writer::process_streamed`]: the checks of
    /// [`Writer::run_group_fast`] per arriving batch of parts (versions of unknown
    /// streams with one query per [`NAMES_PER_QUERY`] names, expected versions in Rust),
    /// then its pipelined multi-row INSERT. `Err`: rolled back by the caller (a failed
    /// check fails the whole set, as in `append_many`); the channel closing before the
    /// commit is [`StoreError::Aborted`].
    ///
    /// [`NAMES_PER_QUERY`]: super::append::NAMES_PER_QUERY
    async fn run_streamed(
        &mut self,
        parts_rx: &mut mpsc::UnboundedReceiver<StreamedAppend>,
        key: Option<&str>,
        requested_at: Option<chrono::DateTime<chrono::Utc>>,
        group_versions: &mut HashMap<String, i64>,
    ) -> Result<Streamed> {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut self.conn)
            .await?;
        let mut head = read_head(&mut self.conn).await?;
        if self.committed_head != Some((head.position, head.hash)) {
            self.versions.clear();
        }
        if let Some(k) = key
            && any_key_stored(&mut self.conn, &[k]).await?
        {
            sqlx::query("ROLLBACK").execute(&mut self.conn).await?;
            return Ok(Streamed::RepeatedKey(collect_parts(parts_rx).await?));
        }
        let recorded_at = recorded_micros(head.recorded_at, requested_at)?;
        let at = chain::micros_to_datetime(recorded_at);
        let mut results: Vec<AppendResult> = Vec::new();
        while let Some(parts) = next_parts(parts_rx).await? {
            let mut unknown: Vec<&str> = parts
                .iter()
                .map(|p| p.stream.as_str())
                .filter(|s| !group_versions.contains_key(*s) && !self.versions.contains_key(*s))
                .collect();
            unknown.sort_unstable();
            unknown.dedup();
            load_versions(&mut self.conn, &unknown, group_versions).await?;
            let mut plan: Vec<PlannedPart<'_>> = Vec::with_capacity(parts.len());
            let mut position = head.position;
            for part in &parts {
                let stream = part.stream.as_str();
                let current = group_versions
                    .get(stream)
                    .or_else(|| self.versions.get(stream))
                    .copied()
                    .ok_or_else(|| version_not_read(stream))?;
                check_expected(stream, part.expected, current)?;
                let planned = PlannedPart::after(part, position, current, recorded_at, key);
                position = planned.last_position();
                group_versions.insert(stream.to_owned(), planned.last_version());
                plan.push(planned);
            }
            results.extend(plan.iter().map(|p| p.result(at)));
            // The batch's key rows before its events; a race fails the whole set.
            for row in parts.iter().filter_map(|p| p.new_key.as_ref()) {
                insert_key_row(&mut self.conn, row).await?;
            }
            head.hash = insert_planned(&mut self.conn, &plan, head.hash)
                .await
                .map_err(map_insert_error)?;
            head.position = position;
            head.recorded_at = Some(recorded_at);
        }
        let (Some(first), Some(last)) = (results.first(), results.last()) else {
            return Err(StoreError::Invalid(
                "lege append_many: geen stromen".to_owned(),
            ));
        };
        if let Some(k) = key {
            insert_key(&mut self.conn, k, first, last).await?;
        }
        sqlx::query("COMMIT").execute(&mut self.conn).await?;
        self.checkpointer.nudge();
        Ok(Streamed::Done(results, head))
    }

    /// Runs the group's transaction. `outcomes[i]` is request i's own result; an `Err`
    /// return means the transaction as a whole failed (and was rolled back).
    async fn run_group(
        &mut self,
        group: Vec<AppendRequest>,
        outcomes: &mut Vec<Outcome>,
        replies: &mut Vec<Reply>,
    ) -> Result<()> {
        if fast_eligible(&group) {
            match self.run_group_fast(&group).await {
                Ok(Some(done)) => {
                    for (req, outcome) in group.into_iter().zip(done) {
                        replies.push(req.reply);
                        outcomes.push(outcome);
                    }
                    return Ok(());
                }
                // A repeated idempotency key: the per-request path answers it.
                Ok(None) => {}
                Err(e) => {
                    // Rolled back: nothing of the group is in the log. The per-request
                    // path below redoes it and gives every request its own answer (e.g.
                    // the one with a duplicate event id).
                    tracing::debug!(error = %e, "gebundelde groep valt terug op per verzoek");
                }
            }
        }
        self.run_group_each(group, outcomes, replies).await
    }

    /// The group in one transaction without savepoints: expected versions are checked
    /// here in Rust (against the writer's cache, unknown streams read with one query per
    /// [`NAMES_PER_QUERY`] names), idempotency keys with one query, and the rows of every
    /// accepted request, whatever its number of stream parts, go into the log with one
    /// multi-row INSERT per chunk. A request that fails a check is left out as a whole.
    /// Returns each request's outcome; `Ok(None)` when a key was already stored (the
    /// per-request path answers those); `Err` means the transaction was rolled back and
    /// nothing was written.
    ///
    /// [`NAMES_PER_QUERY`]: super::append::NAMES_PER_QUERY
    async fn run_group_fast(&mut self, group: &[AppendRequest]) -> Result<Option<Vec<Outcome>>> {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut self.conn)
            .await?;
        let mut group_versions: HashMap<String, i64> = HashMap::new();
        let result = async {
            let mut head = read_head(&mut self.conn).await?;
            if self.committed_head != Some((head.position, head.hash)) {
                self.versions.clear();
            }
            let keys: Vec<&str> = group.iter().filter_map(|r| r.key.as_deref()).collect();
            if !keys.is_empty() && any_key_stored(&mut self.conn, &keys).await? {
                sqlx::query("ROLLBACK").execute(&mut self.conn).await?;
                return Ok((None, None));
            }
            let mut unknown: Vec<&str> = group
                .iter()
                .flat_map(|r| r.parts.iter().map(|p| p.stream.as_str()))
                .filter(|s| !self.versions.contains_key(*s))
                .collect();
            unknown.sort_unstable();
            unknown.dedup();
            load_versions(&mut self.conn, &unknown, &mut group_versions).await?;

            // Checks first (no hashing yet): which requests go in, at which positions.
            let mut outcomes = Vec::with_capacity(group.len());
            let mut plan: Vec<PlannedPart<'_>> = Vec::new();
            let mut local: HashMap<&str, i64> = HashMap::new();
            for req in group {
                let recorded_at = match recorded_micros(head.recorded_at, req.recorded_at) {
                    Ok(r) => r,
                    Err(e) => {
                        outcomes.push(Err(e));
                        continue;
                    }
                };
                local.clear();
                let planned = plan.len();
                let mut position = head.position;
                let mut failed = None;
                for part in &req.parts {
                    let stream = part.stream.as_str();
                    let current = match local.get(stream) {
                        Some(v) => *v,
                        None => group_versions
                            .get(stream)
                            .or_else(|| self.versions.get(stream))
                            .copied()
                            .ok_or_else(|| version_not_read(stream))?,
                    };
                    if let Err(e) = check_expected(stream, part.expected, current) {
                        failed = Some(e);
                        break;
                    }
                    let planned = PlannedPart::after(
                        part,
                        position,
                        current,
                        recorded_at,
                        req.key.as_deref(),
                    );
                    position = planned.last_position();
                    local.insert(stream, planned.last_version());
                    plan.push(planned);
                }
                if let Some(e) = failed {
                    plan.truncate(planned);
                    outcomes.push(Err(e));
                    continue;
                }
                let at = chain::micros_to_datetime(recorded_at);
                let results: Vec<AppendResult> =
                    plan[planned..].iter().map(|p| p.result(at)).collect();
                for (s, v) in local.drain() {
                    group_versions.insert(s.to_owned(), v);
                }
                head.position = position;
                head.recorded_at = Some(recorded_at);
                outcomes.push(Ok(results));
            }
            if plan.is_empty() {
                // Every request failed its check: nothing to write.
                sqlx::query("ROLLBACK").execute(&mut self.conn).await?;
                return Ok((Some(outcomes), None));
            }
            head.hash = insert_planned(&mut self.conn, &plan, head.hash).await?;
            let youth_keys = queue::accepted_key_rows(group, &outcomes);
            if !youth_keys.is_empty() {
                insert_key_rows(&mut self.conn, &youth_keys).await?;
            }
            for (req, outcome) in group.iter().zip(&outcomes) {
                if let (Some(key), Ok(results)) = (&req.key, outcome)
                    && let (Some(first), Some(last)) = (results.first(), results.last())
                {
                    insert_key(&mut self.conn, key, first, last).await?;
                }
            }
            sqlx::query("COMMIT").execute(&mut self.conn).await?;
            self.checkpointer.nudge();
            Ok::<_, StoreError>((Some(outcomes), Some(head)))
        }
        .await;
        match result {
            Ok((outcomes, head)) => {
                if let Some(head) = head {
                    self.remember(group_versions, head);
                }
                Ok(outcomes)
            }
            Err(e) => {
                let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
                self.forget();
                Err(e)
            }
        }
    }

    /// The group with a SAVEPOINT per request (requests with several parts or an
    /// idempotency key, and the fallback of [`Writer::run_group_fast`]).
    async fn run_group_each(
        &mut self,
        group: Vec<AppendRequest>,
        outcomes: &mut Vec<Outcome>,
        replies: &mut Vec<Reply>,
    ) -> Result<()> {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut self.conn)
            .await?;
        // A lone request needs no savepoint: if it fails, the whole transaction goes.
        let savepoints = group.len() > 1;
        let mut group_versions: HashMap<String, i64> = HashMap::new();
        let result = async {
            // Re-read under the write lock: cheap, and correct even if another process
            // appended to the same file since our last group.
            let mut head = read_head(&mut self.conn).await?;
            if self.committed_head != Some((head.position, head.hash)) {
                self.versions.clear();
            }
            for req in group {
                replies.push(req.reply);
                if savepoints {
                    sqlx::query("SAVEPOINT req").execute(&mut self.conn).await?;
                }
                let before = head;
                let cached = &self.versions;
                let in_group = &group_versions;
                let known =
                    |stream: &str| in_group.get(stream).or_else(|| cached.get(stream)).copied();
                let outcome = append_request(
                    &mut self.conn,
                    &mut head,
                    &known,
                    req.parts,
                    req.key,
                    req.recorded_at,
                )
                .await;
                match outcome {
                    Ok(results) => {
                        if savepoints {
                            sqlx::query("RELEASE req").execute(&mut self.conn).await?;
                        }
                        for r in results.iter().filter(|r| !r.duplicate) {
                            group_versions.insert(r.stream.clone(), r.stream_version);
                        }
                        outcomes.push(Ok(results));
                    }
                    Err(e) => {
                        if savepoints {
                            sqlx::query("ROLLBACK TO req")
                                .execute(&mut self.conn)
                                .await?;
                            sqlx::query("RELEASE req").execute(&mut self.conn).await?;
                        }
                        head = before;
                        outcomes.push(Err(e));
                    }
                }
            }
            if !savepoints && outcomes.iter().all(Result::is_err) {
                // The lone request failed: its own error is the answer, nothing to keep.
                sqlx::query("ROLLBACK").execute(&mut self.conn).await?;
            } else {
                sqlx::query("COMMIT").execute(&mut self.conn).await?;
                self.checkpointer.nudge();
            }
            Ok::<Head, StoreError>(head)
        }
        .await;
        match &result {
            Ok(head) => self.remember(group_versions, *head),
            Err(_) => self.forget(),
        }
        if let Err(e) = result {
            let _ = sqlx::query("ROLLBACK").execute(&mut self.conn).await;
            // Requests not reached yet get the group error too.
            while outcomes.len() < replies.len() {
                outcomes.push(Err(StoreError::Commit("groep afgebroken".to_owned())));
            }
            return Err(e);
        }
        Ok(())
    }
}

/// How [`Writer::run_streamed`] ended (when it did not fail).
enum Streamed {
    /// Committed: one result per part, and the new head.
    Done(Vec<AppendResult>, Head),
    /// The key was already stored: rolled back, and these are all the parts.
    RepeatedKey(Vec<StreamAppend>),
}

async fn break_close(conn: SqliteConnection, done: oneshot::Sender<()>) {
    let _ = conn.close().await;
    let _ = done.send(());
}

/// Groups that [`Writer::run_group_fast`] takes: those [`queue::groupable`] allows,
/// except a lone single-stream request, which keeps the per-request path: its
/// `INSERT_CHUNK` binds position, stream, version and time once per chunk instead of per
/// row (bulk appends).
fn fast_eligible(group: &[AppendRequest]) -> bool {
    if group.len() == 1 && group.iter().all(|r| r.parts.len() == 1) {
        return false;
    }
    queue::groupable(group)
}
