//! The group writer task: concurrent appends of this process in one transaction under
//! the advisory lock, checked in memory and inserted with UNNEST (the fast path), or
//! with a SAVEPOINT per request (the fallback); one commit, then everyone's answer.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPool;
use sqlx::{AssertSqlSafe, Postgres, Row as _};
use tokio::sync::mpsc;

use super::append::{APPEND_LOCK, append_request, insert_keys, read_head};
use super::encoding::{ROWS_PER_INSERT, Rows};
use crate::chain::{self, hash32};
use crate::error::{Result, StoreError};
use crate::event_store::AppendResult;
use crate::queue::{self, AppendRequest, MAX_GROUP, Msg, Outcome, Reply};
use crate::validate::check_expected;
use crate::write::{Head, MAX_CACHED_STREAMS, recorded_micros, version_not_read};

/// How long the group writer keeps its connection without work before returning it.
const HOLD_IDLE: Duration = Duration::from_millis(20);

/// Groups concurrent appends of this process into one transaction (one commit, one
/// fsync), like the SQLite writer. The advisory lock still serialises against other
/// processes, so correctness does not depend on there being one writer task.
pub(super) async fn group_writer(pool: PgPool, mut rx: mpsc::Receiver<Msg>) {
    let mut msgs = Vec::with_capacity(MAX_GROUP);
    // The connection of the last grouped transaction, kept while groups keep coming.
    let mut held = Held::default();
    loop {
        if held.conn.is_some() {
            // Just answered a group: let the callers queue their next appends first, so
            // the next group is a full one rather than the first few.
            tokio::task::yield_now().await;
            match tokio::time::timeout(HOLD_IDLE, rx.recv_many(&mut msgs, MAX_GROUP)).await {
                Ok(0) => return,
                Ok(_) => {}
                Err(_) => {
                    // Idle: the connection goes back to the pool.
                    held.conn = None;
                    continue;
                }
            }
        } else if rx.recv_many(&mut msgs, MAX_GROUP).await == 0 {
            return;
        }
        let mut group = Vec::with_capacity(msgs.len());
        let mut close = None;
        for m in msgs.drain(..) {
            match m {
                Msg::Append(r) if close.is_none() => group.push(r),
                // Appends queued after a close are refused (their reply is dropped).
                Msg::Append(_) => {}
                // Never queued here: `PgStore::append_many_streamed` runs its own
                // transaction (see `append_streamed`).
                Msg::Streamed(_) => {}
                Msg::Close(done) => close = Some(done),
            }
        }
        if !group.is_empty() {
            let mut outcomes: Vec<Outcome> = Vec::with_capacity(group.len());
            let mut replies = Vec::with_capacity(group.len());
            let committed = run_group(&pool, &mut held, group, &mut outcomes, &mut replies).await;
            queue::answer(replies, outcomes, committed);
        }
        if let Some(done) = close {
            rx.close();
            drop(held.conn.take());
            let _ = done.send(());
            return;
        }
    }
}

async fn run_group(
    pool: &PgPool,
    held: &mut Held,
    group: Vec<AppendRequest>,
    outcomes: &mut Vec<Outcome>,
    replies: &mut Vec<Reply>,
) -> Result<()> {
    if !queue::groupable(&group) {
        // Other work uses the pool; the held connection goes back to it.
        held.conn = None;
        held.head = None;
    } else {
        match run_group_fast(pool, held, &group).await {
            // A repeated idempotency key: the per-request path answers it.
            Ok(Fast::RepeatedKey) => {}
            Ok(Fast::Done(done)) => {
                for (req, outcome) in group.into_iter().zip(done) {
                    replies.push(req.reply);
                    outcomes.push(outcome);
                }
                return Ok(());
            }
            Err(e) => {
                // Rolled back: nothing of the group is in the log. The per-request path
                // redoes it and gives every request its own answer (e.g. the one with a
                // duplicate event id).
                tracing::debug!(error = %e, "gebundelde groep valt terug op per verzoek");
            }
        }
    }
    run_group_each(pool, group, outcomes, replies).await
}

/// What [`run_group_fast`] decided.
enum Fast {
    /// Each request's outcome (and the transaction committed, or wrote nothing).
    Done(Vec<Outcome>),
    /// An idempotency key was already stored: the per-request path answers the group.
    RepeatedKey,
}

/// The group in one transaction without savepoints: the head, the stream versions of
/// all requests and parts, and the idempotency keys are read with one query each,
/// expected versions are checked here in Rust, and the rows of every accepted request go
/// into the log with one UNNEST insert per [`ROWS_PER_INSERT`] rows. A request that
/// fails its check is left out as a whole. `Err` means the transaction was rolled back
/// and nothing was written.
async fn run_group_fast(pool: &PgPool, held: &mut Held, group: &[AppendRequest]) -> Result<Fast> {
    // The writer keeps its connection between groups (no acquire and ping per group).
    let cached_head = held.head.take();
    let mut conn = match held.conn.take() {
        Some(c) => c,
        None => pool.acquire().await?,
    };
    // BEGIN and the lock in one round trip (simple protocol, no binds).
    sqlx::raw_sql(AssertSqlSafe(format!(
        "BEGIN; SELECT pg_advisory_xact_lock({APPEND_LOCK})"
    )))
    .execute(&mut *conn)
    .await?;
    let inner = async {
        let keys: Vec<&str> = group.iter().filter_map(|r| r.key.as_deref()).collect();
        if !keys.is_empty() {
            let repeated: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE key = ANY($1::text[]))",
            )
            .bind(&keys)
            .fetch_one(&mut *conn)
            .await?;
            if repeated {
                sqlx::query("ROLLBACK").execute(&mut *conn).await?;
                return Ok((Fast::RepeatedKey, None));
            }
        }
        let mut names: Vec<&str> = group
            .iter()
            .flat_map(|r| r.parts.iter().map(|p| p.stream.as_str()))
            .collect();
        names.sort_unstable();
        names.dedup();
        // Known head and versions (from our own last group) are only trusted if the
        // head is still ours when the INSERT runs: it checks that (see `guard`).
        let (mut head, mut versions, guard) = if let Some(head) = cached_head
            && names.iter().all(|n| held.versions.contains_key(*n))
        {
            (
                head,
                std::mem::take(&mut held.versions),
                Some(head.position),
            )
        } else {
            held.versions.clear();
            // The head and every stream's version in one query.
            let rows = sqlx::query(
                "SELECT s, (SELECT COALESCE(MAX(stream_version), 0)::bigint FROM events \
             WHERE stream = s), h.position, h.hash, h.recorded_at \
             FROM UNNEST($1::text[]) AS s LEFT JOIN (SELECT position, hash, recorded_at \
             FROM events ORDER BY position DESC LIMIT 1) AS h ON true",
            )
            .bind(names)
            .fetch_all(&mut *conn)
            .await?;
            let mut head = Head::EMPTY;
            if let Some(row) = rows.first()
                && let Some(position) = row.try_get::<Option<i64>, _>(2)?
            {
                let hash: Vec<u8> = row.try_get(3)?;
                let at: DateTime<Utc> = row.try_get(4)?;
                head = Head {
                    position,
                    hash: hash32(&hash)?,
                    recorded_at: Some(at.timestamp_micros()),
                };
            }
            let mut versions: HashMap<String, i64> = HashMap::with_capacity(rows.len());
            for row in &rows {
                versions.insert(row.try_get(0)?, row.try_get(1)?);
            }
            (head, versions, None)
        };

        let n: usize = group
            .iter()
            .flat_map(|r| r.parts.iter().map(|p| p.events.len()))
            .sum();
        let mut rows = Rows::with_capacity(n.min(ROWS_PER_INSERT));
        let mut batches: Vec<Rows<'_>> = Vec::new();
        let mut outcomes = Vec::with_capacity(group.len());
        let mut key_rows: Vec<(&str, usize)> = Vec::new();
        let mut local: HashMap<&str, i64> = HashMap::new();
        // Checks first, per request; then its rows are hashed and added.
        for req in group {
            let recorded_micros = match recorded_micros(head.recorded_at, req.recorded_at) {
                Ok(r) => r,
                Err(e) => {
                    outcomes.push(Err(e));
                    continue;
                }
            };
            local.clear();
            let mut starts = Vec::with_capacity(req.parts.len());
            let mut failed = None;
            for part in &req.parts {
                let stream = part.stream.as_str();
                let current = match local.get(stream) {
                    Some(v) => *v,
                    None => versions
                        .get(stream)
                        .copied()
                        .ok_or_else(|| version_not_read(stream))?,
                };
                if let Err(e) = check_expected(stream, part.expected, current) {
                    failed = Some(e);
                    break;
                }
                starts.push(current);
                local.insert(
                    stream,
                    current + i64::try_from(part.events.len()).unwrap_or(i64::MAX),
                );
            }
            if let Some(e) = failed {
                outcomes.push(Err(e));
                continue;
            }
            let recorded_at = chain::micros_to_datetime(recorded_micros);
            let key = req.key.as_deref();
            let key_index = key.map(|_| i32::try_from(key_rows.len() + 1).unwrap_or(i32::MAX));
            let mut results = Vec::with_capacity(req.parts.len());
            for (part, current) in req.parts.iter().zip(starts) {
                let stream = part.stream.as_str();
                let first_position = head.position + 1;
                let mut version = current;
                for e in &part.events {
                    version += 1;
                    let hash = head.next_hash(e, stream, version, recorded_micros, key);
                    if rows.positions.len() >= ROWS_PER_INSERT {
                        let full = std::mem::replace(
                            &mut rows,
                            Rows::with_capacity(n.min(ROWS_PER_INSERT)),
                        );
                        batches.push(full);
                    }
                    rows.push(
                        head.position,
                        stream,
                        version,
                        e,
                        recorded_at,
                        key_index,
                        &head.hash,
                        hash,
                    );
                    head.hash = hash;
                }
                results.push(AppendResult::written(
                    stream.to_owned(),
                    first_position,
                    head.position,
                    version,
                    recorded_at,
                ));
            }
            for (s, v) in local.drain() {
                versions.insert(s.to_owned(), v);
            }
            head.recorded_at = Some(recorded_micros);
            outcomes.push(Ok(results));
            if let Some(k) = key {
                key_rows.push((k, outcomes.len() - 1));
            }
        }
        if !rows.positions.is_empty() {
            batches.push(rows);
        }
        if batches.is_empty() {
            // Every request failed its check: nothing to write. Checks made against the
            // versions cached from our last group are only right if nobody appended since;
            // without an INSERT to carry the head guard, ask (we hold the lock). A moved
            // head sends the group to the per-request path, which reads fresh versions.
            if let Some(ours) = guard {
                let now: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(position), 0)::bigint FROM events")
                        .fetch_one(&mut *conn)
                        .await?;
                if now != ours {
                    return Err(StoreError::Commit(
                        "kop van het log veranderd; groep opnieuw per verzoek".to_owned(),
                    ));
                }
            }
            sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            return Ok((Fast::Done(outcomes), None));
        }
        let key_list: Vec<&str> = key_rows.iter().map(|(k, _)| *k).collect();
        let mut guard = guard;
        for batch in batches {
            let expected_rows = batch.positions.len() as u64;
            let written = batch.insert(&mut conn, &key_list, guard.take()).await?;
            if written != expected_rows {
                // Someone else appended since our last group: the cached head is stale.
                return Err(StoreError::Commit(
                    "kop van het log veranderd; groep opnieuw per verzoek".to_owned(),
                ));
            }
        }
        let youth_keys = queue::accepted_key_rows(group, &outcomes);
        if !youth_keys.is_empty() {
            super::youth_keys::insert_key_rows(&mut conn, &youth_keys).await?;
        }
        if !key_rows.is_empty() {
            let written: Vec<(&str, &[AppendResult])> = key_rows
                .iter()
                .filter_map(|(k, i)| match outcomes.get(*i) {
                    Some(Ok(results)) => Some((*k, results.as_slice())),
                    _ => None,
                })
                .collect();
            insert_keys(&mut conn, &written).await?;
        }
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        Ok::<_, StoreError>((Fast::Done(outcomes), Some((head, versions))))
    }
    .await;
    if inner.is_err() {
        // Best effort; a broken connection is not returned to the pool in this state.
        if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
            conn.detach();
        }
        held.versions.clear();
        return inner.map(|(o, _)| o);
    }
    held.conn = Some(conn);
    let (outcomes, state) = inner?;
    if let Some((head, versions)) = state {
        held.head = Some(head);
        held.versions = versions;
        if held.versions.len() > MAX_CACHED_STREAMS {
            held.versions.clear();
        }
    } else {
        // Nothing written: the head read (if any) is still the head, but keep it simple.
        held.versions.clear();
    }
    Ok(outcomes)
}

/// What the group writer keeps between groups.
#[derive(Default)]
struct Held {
    /// Its connection, while groups keep coming.
    conn: Option<PoolConnection<Postgres>>,
    /// The head after our last committed group, and the stream versions as of it.
    /// Only used behind the INSERT's head check.
    head: Option<Head>,
    versions: HashMap<String, i64>,
}

/// The group with a SAVEPOINT per request (requests with several parts or an
/// idempotency key, and the fallback of [`run_group_fast`]).
async fn run_group_each(
    pool: &PgPool,
    group: Vec<AppendRequest>,
    outcomes: &mut Vec<Outcome>,
    replies: &mut Vec<Reply>,
) -> Result<()> {
    // Take every reply slot first, so each request gets an answer whatever fails.
    let mut requests = Vec::with_capacity(group.len());
    for req in group {
        replies.push(req.reply);
        requests.push((req.parts, req.key, req.recorded_at));
    }
    let result = async {
        let mut conn = pool.acquire().await?;
        sqlx::query("BEGIN").execute(&mut *conn).await?;
        let inner = async {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(APPEND_LOCK)
                .execute(&mut *conn)
                .await?;
            let mut head = read_head(&mut conn).await?;
            // A lone request needs no savepoint: if it fails, the whole transaction goes.
            let savepoints = requests.len() > 1;
            for (parts, key, recorded_at) in requests {
                if savepoints {
                    sqlx::query("SAVEPOINT req").execute(&mut *conn).await?;
                }
                let before = head;
                match append_request(&mut conn, &mut head, parts, key, recorded_at).await {
                    Ok(r) => {
                        if savepoints {
                            sqlx::query("RELEASE SAVEPOINT req")
                                .execute(&mut *conn)
                                .await?;
                        }
                        outcomes.push(Ok(r));
                    }
                    Err(e) => {
                        if savepoints {
                            sqlx::query("ROLLBACK TO SAVEPOINT req")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("RELEASE SAVEPOINT req")
                                .execute(&mut *conn)
                                .await?;
                        }
                        head = before;
                        outcomes.push(Err(e));
                    }
                }
            }
            if !savepoints && outcomes.iter().all(Result::is_err) {
                sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            } else {
                sqlx::query("COMMIT").execute(&mut *conn).await?;
            }
            Ok::<(), StoreError>(())
        }
        .await;
        if inner.is_err() {
            // Best effort; a broken connection is not returned to the pool in this state.
            if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                conn.detach();
            }
        }
        inner
    }
    .await;
    if result.is_err() {
        while outcomes.len() < replies.len() {
            outcomes.push(Err(StoreError::Commit("groep afgebroken".to_owned())));
        }
    }
    result
}
