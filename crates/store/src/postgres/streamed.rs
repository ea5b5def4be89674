//! [`crate::EventStore::append_many_streamed`] on PostgreSQL: the set's own transaction
//! under the advisory lock, each arriving batch of parts checked and sent with one binary
//! COPY, committed when the sender says so.

use std::collections::{HashMap, HashSet};

use kringloop_events::ExpectedVersion;
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgConnection;
use tokio::sync::mpsc;

use super::append::{APPEND_LOCK, insert_key, read_head};
use super::encoding::{COPY_EVENTS, COPY_SEND_BYTES, CopyRows};
use super::youth_keys::insert_key_row;
use crate::chain;
use crate::error::{Result, StoreError};
use crate::event_store::{
    AppendOptions, AppendResult, StreamAppend, StreamedAppend, collect_parts, next_parts,
};
use crate::validate::{check_expected, validate_parts, version_u64};
use crate::write::{map_insert_error, recorded_micros, version_not_read};

/// How [`append_streamed`] ended (when it did not fail).
pub(super) enum Streamed {
    Done(Vec<AppendResult>),
    /// The key was already stored: rolled back, and these are all the parts (the
    /// ordinary `append_many` answers the repeat).
    RepeatedKey(Vec<StreamAppend>),
}

/// [`crate::EventStore::append_many_streamed`] on its own connection: BEGIN and the advisory
/// lock when the set starts (so other appends, the group writer's included, wait until
/// it commits or rolls back), then per arriving batch of parts the checks of
/// the group writer's fast path (versions of the batch's new streams in one query, expected
/// versions in Rust) and one binary COPY of its rows ([`CopyRows`]); the key and
/// COMMIT at [`StreamedAppend::Commit`]. `Err`: the caller rolls back.
pub(super) async fn append_streamed(
    conn: &mut PgConnection,
    parts_rx: &mut mpsc::UnboundedReceiver<StreamedAppend>,
    options: &AppendOptions,
) -> Result<Streamed> {
    sqlx::raw_sql(AssertSqlSafe(format!(
        "BEGIN; SELECT pg_advisory_xact_lock({APPEND_LOCK})"
    )))
    .execute(&mut *conn)
    .await?;
    let key = options.idempotency_key.as_deref();
    if let Some(k) = key {
        let repeated: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE key = $1)")
                .bind(k)
                .fetch_one(&mut *conn)
                .await?;
        if repeated {
            sqlx::query("ROLLBACK").execute(&mut *conn).await?;
            return Ok(Streamed::RepeatedKey(collect_parts(parts_rx).await?));
        }
    }
    let mut head = read_head(conn).await?;
    let recorded_micros = recorded_micros(head.recorded_at, options.recorded_at)?;
    let recorded_at = chain::micros_to_datetime(recorded_micros);
    let mut versions: HashMap<String, i64> = HashMap::new();
    let mut ids = HashSet::new();
    let mut results: Vec<AppendResult> = Vec::new();
    // Streams taken to be new without a query (their parts expect `NoStream`).
    let mut assumed_new: Vec<String> = Vec::new();
    while let Some(parts) = next_parts(parts_rx).await? {
        validate_parts(&parts, options, &mut ids)?;
        // A part that expects a new stream needs no version query: version 1 of a stream
        // that exists breaks the unique index `events_stream_version`, so the database
        // checks it (an import of new youths sends thousands per batch; the query was a
        // round trip and an index probe each). Such a failure is turned into the
        // `Conflict` the check would have given (`conflict_after_unique_violation`).
        for part in &parts {
            if part.expected == Some(ExpectedVersion::NoStream)
                && !versions.contains_key(part.stream.as_str())
            {
                versions.insert(part.stream.clone(), 0);
                assumed_new.push(part.stream.clone());
            }
        }
        let mut names: Vec<&str> = parts
            .iter()
            .map(|p| p.stream.as_str())
            .filter(|s| !versions.contains_key(*s))
            .collect();
        names.sort_unstable();
        names.dedup();
        if !names.is_empty() {
            versions.extend(stream_versions(conn, &names).await?);
        }
        // Checks first, so that nothing can fail between here and the end of the COPY
        // but the database itself.
        let mut firsts = Vec::with_capacity(parts.len());
        for part in &parts {
            let stream = part.stream.as_str();
            let current = versions
                .get(stream)
                .copied()
                .ok_or_else(|| version_not_read(stream))?;
            check_expected(stream, part.expected, current)?;
            firsts.push(current + 1);
            let n = i64::try_from(part.events.len()).unwrap_or(i64::MAX);
            versions.insert(stream.to_owned(), current + n);
        }
        // The batch's key rows before its events; a race fails the whole set.
        for row in parts.iter().filter_map(|p| p.new_key.as_ref()) {
            insert_key_row(conn, row).await?;
        }
        // Binary COPY: no bind message of 16 arrays to build and parse, and the server
        // inserts while the next rows are still being hashed here (sent in pieces).
        let copied: std::result::Result<(), sqlx::Error> = async {
            let mut copy = conn.copy_in_raw(COPY_EVENTS).await?;
            let mut rows = CopyRows::new();
            for (part, first_version) in parts.iter().zip(firsts) {
                let stream = part.stream.as_str();
                let first_position = head.position + 1;
                let mut version = first_version - 1;
                for e in &part.events {
                    version += 1;
                    let hash = head.next_hash(e, stream, version, recorded_micros, key);
                    rows.push(
                        head.position,
                        stream,
                        version,
                        e,
                        recorded_micros,
                        key,
                        &head.hash,
                        &hash,
                    );
                    head.hash = hash;
                    if rows.len() >= COPY_SEND_BYTES {
                        copy.send(rows.take()).await?;
                    }
                }
                results.push(AppendResult::written(
                    stream.to_owned(),
                    first_position,
                    head.position,
                    version,
                    recorded_at,
                ));
            }
            copy.send(rows.finish()).await?;
            copy.finish().await?;
            Ok(())
        }
        .await;
        if let Err(e) = copied {
            return Err(conflict_after_unique_violation(conn, e, &assumed_new).await);
        }
    }
    let (Some(first), Some(last)) = (results.first(), results.last()) else {
        return Err(StoreError::Invalid(
            "lege append_many: geen stromen".to_owned(),
        ));
    };
    if let Some(k) = key {
        insert_key(conn, k, first, last).await?;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(Streamed::Done(results))
}

/// The current version of each stream in `names` (0 for a stream that does not exist).
async fn stream_versions<S: AsRef<str>>(
    conn: &mut PgConnection,
    names: &[S],
) -> std::result::Result<Vec<(String, i64)>, sqlx::Error> {
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    sqlx::query_as(
        "SELECT s, (SELECT COALESCE(MAX(stream_version), 0)::bigint FROM events \
         WHERE stream = s) FROM UNNEST($1::text[]) AS s",
    )
    .bind(names)
    .fetch_all(&mut *conn)
    .await
}

/// The error of a failed COPY of [`append_streamed`]. A stream that was taken to be new
/// (its part expected `NoStream`) but exists breaks `events_stream_version`; then the
/// transaction is rolled back here and the versions of those streams are read, so the
/// caller gets the same `Conflict` that a checked part gets. Any other error keeps its
/// meaning ([`map_insert_error`]).
async fn conflict_after_unique_violation(
    conn: &mut PgConnection,
    e: sqlx::Error,
    assumed_new: &[String],
) -> StoreError {
    let stream_taken = e.as_database_error().is_some_and(|d| {
        d.is_unique_violation() && d.constraint() == Some("events_stream_version")
    });
    if !stream_taken || assumed_new.is_empty() {
        return map_insert_error(e);
    }
    if let Err(rb) = sqlx::query("ROLLBACK").execute(&mut *conn).await {
        return StoreError::Database(rb);
    }
    match stream_versions(conn, assumed_new).await {
        Ok(rows) => match rows.into_iter().find(|(_, v)| *v > 0) {
            Some((stream, actual)) => StoreError::Conflict {
                stream,
                expected: ExpectedVersion::NoStream,
                actual: version_u64(actual),
            },
            None => map_insert_error(e),
        },
        Err(q) => StoreError::Database(q),
    }
}
