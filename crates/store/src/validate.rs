//! What the store refuses as input, checked in the caller's task before a request
//! reaches a writer (the same on both backends), and the expected-version check the
//! writers make under their lock.

use kringloop_events::{ExpectedVersion, NewEvent};

use crate::error::{Result, StoreError};
use crate::event_store::{AppendOptions, StreamAppend};

/// Longest stream name and idempotency key the store takes, in bytes. Both are indexed,
/// and PostgreSQL refuses a B-tree entry over ~2.7 kB with an error deep in the group's
/// statement; refused here instead, the same on both backends. (The domain rules allow
/// much less: `kringloop_events::rules::MAX_STREAM`.)
pub const MAX_NAME_BYTES: usize = 1024;

/// What the store refuses as input, checked before anything reaches the database
/// ([`StoreError::Invalid`], nothing written): an empty stream name, batch or
/// idempotency key; a stream name or key longer than [`MAX_NAME_BYTES`]; a NUL byte in
/// the stream name, the key, an event type, `recorded_by` or `source`; a payload that is
/// not JSON; an event id twice; a key row ([`StreamAppend::new_key`]) of another stream. A writer that folds a fact into its state before the
/// append (the API's) runs this first, so such a fact is refused before it is folded.
pub fn validate_append(part: &StreamAppend, options: &AppendOptions) -> Result<()> {
    validate_batch(&part.stream, &part.events, options)?;
    validate_key_row(part)
}

/// A part's key row ([`StreamAppend::new_key`]) must be the row of the part's own stream.
fn validate_key_row(part: &StreamAppend) -> Result<()> {
    match &part.new_key {
        Some(row) if row.stream != part.stream => Err(StoreError::Invalid(format!(
            "sleutelrij voor stroom `{}` hoort niet bij stroom `{}`",
            row.stream, part.stream
        ))),
        _ => Ok(()),
    }
}

/// Checks a batch before it reaches the database: non-empty, JSON payloads, no event id
/// twice. Runs in the caller's task, so the writer only does what needs the lock.
pub(crate) fn validate_batch(
    stream: &str,
    events: &[NewEvent],
    options: &AppendOptions,
) -> Result<()> {
    if stream.is_empty() {
        return Err(StoreError::Invalid("lege stroomnaam".to_owned()));
    }
    if events.is_empty() {
        return Err(StoreError::Invalid(
            "lege batch: geen gebeurtenissen".to_owned(),
        ));
    }
    if options.idempotency_key.as_deref() == Some("") {
        return Err(StoreError::Invalid("lege idempotentiesleutel".to_owned()));
    }
    if stream.len() > MAX_NAME_BYTES
        || options
            .idempotency_key
            .as_ref()
            .is_some_and(|k| k.len() > MAX_NAME_BYTES)
    {
        return Err(StoreError::Invalid(format!(
            "stroomnaam of idempotentiesleutel langer dan {MAX_NAME_BYTES} bytes"
        )));
    }
    // PostgreSQL refuses NUL in text (an error deep in the statement); SQLite would store
    // it. Refused here, the same on both, before anything reaches the database.
    if stream.contains('\0') {
        return Err(StoreError::Invalid(
            "stroomnaam bevat een NUL-teken".to_owned(),
        ));
    }
    if options
        .idempotency_key
        .as_deref()
        .is_some_and(|k| k.contains('\0'))
    {
        return Err(StoreError::Invalid(
            "idempotentiesleutel bevat een NUL-teken".to_owned(),
        ));
    }
    let mut ids = std::collections::HashSet::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        if e.event_type.is_empty() {
            return Err(StoreError::Invalid(format!("gebeurtenis {i}: leeg type")));
        }
        if [&e.event_type, &e.recorded_by, &e.source]
            .iter()
            .any(|t| t.contains('\0'))
        {
            return Err(StoreError::Invalid(format!(
                "gebeurtenis {i}: type, recorded_by of source bevat een NUL-teken"
            )));
        }
        if let Err(err) = serde_json::from_str::<serde::de::IgnoredAny>(&e.payload) {
            return Err(StoreError::Invalid(format!(
                "gebeurtenis {i} ({}): inhoud is geen geldige JSON: {err}",
                e.event_id
            )));
        }
        if !ids.insert(e.event_id) {
            return Err(StoreError::Invalid(format!(
                "gebeurtenis-id {} komt twee keer voor in de batch",
                e.event_id
            )));
        }
    }
    Ok(())
}

/// [`validate_batch`] for every part, plus: at least one part, no event id twice across
/// parts, and no set-wide expected version.
pub(crate) fn validate_many(appends: &[StreamAppend], options: &AppendOptions) -> Result<()> {
    if appends.is_empty() {
        return Err(StoreError::Invalid(
            "lege append_many: geen stromen".to_owned(),
        ));
    }
    validate_many_options(options)?;
    validate_parts(appends, options, &mut std::collections::HashSet::new())
}

/// The set-wide part of [`validate_many`]: no set-wide expected version.
fn validate_many_options(options: &AppendOptions) -> Result<()> {
    if options.expected.is_some() {
        return Err(StoreError::Invalid(
            "append_many: geef de verwachte versie per stroom op, niet voor het geheel".to_owned(),
        ));
    }
    Ok(())
}

/// The options of [`crate::EventStore::append_many_streamed`], checked before its first
/// part arrives (the parts are checked as they come, [`validate_parts`]).
pub(crate) fn validate_streamed_options(options: &AppendOptions) -> Result<()> {
    validate_many_options(options)?;
    if options.idempotency_key.as_deref() == Some("") {
        return Err(StoreError::Invalid("lege idempotentiesleutel".to_owned()));
    }
    Ok(())
}

/// [`validate_batch`] for every part, and no event id twice across the parts (`ids`
/// holds the ids of earlier parts of the same set).
pub(crate) fn validate_parts(
    appends: &[StreamAppend],
    options: &AppendOptions,
    ids: &mut std::collections::HashSet<uuid::Uuid>,
) -> Result<()> {
    for part in appends {
        validate_append(part, options)?;
        for e in &part.events {
            if !ids.insert(e.event_id) {
                return Err(StoreError::Invalid(format!(
                    "gebeurtenis-id {} komt twee keer voor in de batch",
                    e.event_id
                )));
            }
        }
    }
    Ok(())
}

/// A stream version as stored (a `bigint`, never negative) in the type of
/// [`ExpectedVersion::Exact`], which the store's answers use too
/// ([`crate::EventStore::stream_version`], [`crate::StoreError::Conflict`]): the one
/// place where the one becomes the other.
pub(crate) fn version_u64(stored: i64) -> u64 {
    u64::try_from(stored).unwrap_or(0)
}

/// The expected-version check shared by both backends: `expected` as the request gave
/// it (`None` is [`ExpectedVersion::Any`]) against the stream's `current` version as
/// stored (a `bigint`, never negative).
pub(crate) fn check_expected(
    stream: &str,
    expected: Option<ExpectedVersion>,
    current: i64,
) -> Result<()> {
    let expected = expected.unwrap_or(ExpectedVersion::Any);
    let actual = version_u64(current);
    let ok = match expected {
        ExpectedVersion::Any => true,
        ExpectedVersion::NoStream => actual == 0,
        ExpectedVersion::StreamExists => actual >= 1,
        ExpectedVersion::Exact(n) => actual == n,
    };
    if ok {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            stream: stream.to_owned(),
            expected,
            actual,
        })
    }
}
