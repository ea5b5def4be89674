//! A request that repeats an idempotency key: the check that it is the same request as
//! the key's first write, and the answers rebuilt from that write (both backends).

use crate::error::{Result, StoreError};
use crate::event_store::{AppendResult, StreamAppend};

/// The reads that answer a repeated key, in a backend's SQL (run under its write lock, so
/// a racing retry with the same key sees the first write).
pub(crate) trait RepeatReads {
    /// What the key's first write answered (`duplicate: true`), if the key is stored.
    async fn first_write(&mut self, key: &str) -> Result<Option<AppendResult>>;
    /// Stream, event type and payload (the stored text) of the rows `from..=to`, in
    /// position order.
    async fn stored_rows(&mut self, from: i64, to: i64) -> Result<Vec<(String, String, String)>>;
    /// Per stream of the rows `first..=last`: its name, first and last position and its
    /// last version.
    async fn per_stream(&mut self, first: i64, last: i64) -> Result<Vec<(String, i64, i64, i64)>>;
}

/// The answer to a request with an idempotency key: `None` when the key is new (write
/// the request), else the first write's results when this is the same request
/// ([`SameRequest`]), or [`StoreError::IdempotencyConflict`].
pub(crate) async fn answer_repeat(
    db: &mut impl RepeatReads,
    key: &str,
    parts: &[StreamAppend],
) -> Result<Option<Vec<AppendResult>>> {
    let Some(first) = db.first_write(key).await? else {
        return Ok(None);
    };
    let mut check = SameRequest::new(key, parts, first.first_position, first.last_position)?;
    for (from, to) in compare_pages(first.first_position, first.last_position) {
        for (stream, event_type, payload) in db.stored_rows(from, to).await? {
            check.row(&stream, &event_type, &payload)?;
        }
    }
    check.finish()?;
    if parts.len() == 1 {
        return Ok(Some(vec![first]));
    }
    let per_stream = db
        .per_stream(first.first_position, first.last_position)
        .await?;
    Ok(Some(duplicate_results(parts, &first, per_stream)))
}

/// Results for a repeated `append_many` key, rebuilt from the first write: `per_stream`
/// holds each stream's (name, first position, last position, version) within that write.
fn duplicate_results(
    parts: &[StreamAppend],
    first: &AppendResult,
    per_stream: Vec<(String, i64, i64, i64)>,
) -> Vec<AppendResult> {
    let ranges: std::collections::HashMap<String, (i64, i64, i64)> = per_stream
        .into_iter()
        .map(|(stream, from, to, version)| (stream, (from, to, version)))
        .collect();
    parts
        .iter()
        .map(|p| match ranges.get(&p.stream) {
            Some(&(first_position, last_position, stream_version)) => AppendResult {
                stream: p.stream.clone(),
                first_position,
                last_position,
                stream_version,
                recorded_at: first.recorded_at,
                duplicate: true,
            },
            // A retry naming a stream the first write did not touch: the whole range.
            None => first.clone(),
        })
        .collect()
}

/// Rows per query when a repeated request is compared with what its key stored.
const COMPARE_ROWS: i64 = 1024;

/// The position ranges `from..=to` of at most [`COMPARE_ROWS`] rows that cover
/// `first..=last`, in order: the pages a backend reads for [`SameRequest`].
fn compare_pages(first: i64, last: i64) -> impl Iterator<Item = (i64, i64)> {
    std::iter::successors(Some(first), |&from| from.checked_add(COMPARE_ROWS))
        .take_while(move |&from| from <= last)
        .map(move |from| (from, last.min(from.saturating_add(COMPARE_ROWS - 1))))
}

/// Compares a request that repeats an idempotency key with what the key's first write
/// stored (the rows `first..=last` of the log, in position order): the same number of
/// events and, event by event, the same stream, event type and payload (the exact stored
/// bytes, which the hash chain covers too). Event ids, expected versions, `recorded_by`
/// and the other envelope fields may differ: a client that rebuilds its retry gets fresh
/// ids, and an expected version that held the first time no longer does. Fed row by row
/// ([`SameRequest::row`]), so a repeated import file is compared without holding it twice.
struct SameRequest<'a> {
    key: &'a str,
    parts: &'a [StreamAppend],
    /// Next event to compare: part, event within the part, and its index in the request.
    part: usize,
    event: usize,
    index: usize,
}

impl<'a> SameRequest<'a> {
    /// Starts the comparison; a different number of events fails at once.
    fn new(
        key: &'a str,
        parts: &'a [StreamAppend],
        first_position: i64,
        last_position: i64,
    ) -> Result<Self> {
        let stored = last_position - first_position + 1;
        let given: usize = parts.iter().map(|p| p.events.len()).sum();
        let check = SameRequest {
            key,
            parts,
            part: 0,
            event: 0,
            index: 0,
        };
        if i64::try_from(given).ok() != Some(stored) {
            return Err(check.differs(format!("{given} gebeurtenissen, de eerste keer {stored}")));
        }
        Ok(check)
    }

    fn differs(&self, difference: String) -> StoreError {
        StoreError::IdempotencyConflict {
            key: self.key.to_owned(),
            difference,
        }
    }

    /// The next stored row, in position order.
    fn row(&mut self, stream: &str, event_type: &str, payload: &str) -> Result<()> {
        while self
            .parts
            .get(self.part)
            .is_some_and(|p| self.event >= p.events.len())
        {
            self.part += 1;
            self.event = 0;
        }
        let i = self.index;
        let Some((part, e)) = self
            .parts
            .get(self.part)
            .and_then(|p| p.events.get(self.event).map(|e| (p, e)))
        else {
            return Err(self.differs(format!("de eerste keer meer dan {i} gebeurtenissen")));
        };
        if part.stream != stream {
            return Err(self.differs(format!(
                "gebeurtenis {i}: stroom `{}`, de eerste keer `{stream}`",
                part.stream
            )));
        }
        if e.event_type != event_type {
            return Err(self.differs(format!(
                "gebeurtenis {i}: type `{}`, de eerste keer `{event_type}`",
                e.event_type
            )));
        }
        if e.payload != payload {
            return Err(self.differs(format!("gebeurtenis {i}: andere inhoud")));
        }
        self.event += 1;
        self.index += 1;
        Ok(())
    }

    /// After the last stored row: every event of the request was compared.
    fn finish(self) -> Result<()> {
        let given: usize = self.parts.iter().map(|p| p.events.len()).sum();
        if self.index == given {
            Ok(())
        } else {
            Err(self.differs(format!(
                "{given} gebeurtenissen, de eerste keer {} gelezen",
                self.index
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_pages_cover_the_range_once() {
        let pages: Vec<_> = compare_pages(5, 5 + 2 * COMPARE_ROWS).collect();
        assert_eq!(
            pages,
            vec![
                (5, 4 + COMPARE_ROWS),
                (5 + COMPARE_ROWS, 4 + 2 * COMPARE_ROWS),
                (5 + 2 * COMPARE_ROWS, 5 + 2 * COMPARE_ROWS),
            ]
        );
        assert_eq!(compare_pages(7, 7).collect::<Vec<_>>(), vec![(7, 7)]);
        assert_eq!(compare_pages(8, 7).count(), 0);
    }
}
