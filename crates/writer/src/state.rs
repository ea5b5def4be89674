//! The write side's view of the world: the domain state folded from the log, and what the
//! check of a new fact needs beside it.

use std::collections::{HashMap, HashSet};

use kringloop_events::rules::{DomainState, Normen};
use kringloop_events::{DecodeError, Gebeurtenis, RecordedEvent};
use kringloop_store::{EventStore, StoreError};
use uuid::Uuid;

use crate::keys::{Earlier, KeyUse};

/// Page size when reading the log.
const PAGE: usize = 10_000;

/// More a caller folds beside the domain state, from the same events (the API's reference
/// data, the importer's iJw messages). Sees only events that decode as a domain fact.
pub trait Index: Default {
    fn apply(&mut self, event: &RecordedEvent, fact: &Gebeurtenis);
}

impl Index for () {
    fn apply(&mut self, _: &RecordedEvent, _: &Gebeurtenis) {}
}

/// Why [`WriteState::load`] could not fold the log.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An event this version cannot decode.
    #[error("event at position {position} does not decode: {reason}")]
    Unreadable { position: i64, reason: String },
}

/// The domain state folded from the log, with the stream versions (for the expected
/// version of an append) and the idempotency keys it has seen.
#[derive(Debug, Default)]
pub struct WriteState<I = ()> {
    pub state: DomainState,
    pub index: I,
    /// Last position folded: every event up to here is in the state (events of this
    /// process's [`crate::FactWriter`] may be in it already, see `own`).
    position: i64,
    keys: HashMap<String, KeyUse>,
    /// Version of every stream, for the expected-version check before an append.
    versions: HashMap<String, i64>,
    /// Events this process wrote and folded (tentatively, before the append) that lie
    /// beyond `position` because another writer's events came first: catching up skips
    /// them instead of folding them twice.
    own: HashSet<Uuid>,
    /// The state no longer matches the log (an append failed after its fact was folded
    /// tentatively): the next catch-up starts from position 0.
    stale: bool,
    /// How often the state was folded from position 0 again since the start.
    rebuilds: u64,
}

impl<I: Index> WriteState<I> {
    /// An empty state whose checks use `normen` (fold the log with
    /// [`WriteState::catch_up`]); a rebuild after a failed append keeps them.
    pub fn met_normen(normen: Normen) -> Self {
        WriteState {
            state: DomainState::with_normen(normen),
            ..WriteState::default()
        }
    }

    /// Folds the whole log; an event that does not decode is an error (the importer
    /// refuses to check against a log it cannot read). `on_page` gets the number of events
    /// of every page read.
    pub async fn load(
        store: &dyn EventStore,
        on_page: impl FnMut(usize),
    ) -> Result<Self, LoadError> {
        Self::load_met_normen(store, Normen::default(), on_page).await
    }

    /// [`WriteState::load`] with the need side's waiting-time norms (the binary's
    /// configuration) instead of the defaults.
    pub async fn load_met_normen(
        store: &dyn EventStore,
        normen: Normen,
        mut on_page: impl FnMut(usize),
    ) -> Result<Self, LoadError> {
        let mut w = WriteState::met_normen(normen);
        loop {
            let page = store.read_all(w.position, PAGE).await?;
            for e in &page {
                w.fold(e).map_err(|err| LoadError::Unreadable {
                    position: e.position,
                    reason: err.to_string(),
                })?;
            }
            on_page(page.len());
            if page.len() < PAGE {
                return Ok(w);
            }
        }
    }

    /// Folds every event after [`WriteState::position`] (other writers, other
    /// processes); events that do not decode (the access log) only count for versions and
    /// keys. After a failed append, first throws the state away and folds the whole log
    /// again.
    pub async fn catch_up(&mut self, store: &dyn EventStore) -> Result<(), StoreError> {
        if self.stale {
            let begin = std::time::Instant::now();
            *self = WriteState {
                stale: true,
                rebuilds: self.rebuilds + 1,
                ..WriteState::met_normen(self.state.normen())
            };
            self.read_on(store).await?;
            self.stale = false;
            tracing::warn!(
                positie = self.position,
                duur_ms = begin.elapsed().as_millis(),
                "domeinstaat van de schrijfkant opnieuw opgebouwd"
            );
            return Ok(());
        }
        self.read_on(store).await
    }

    async fn read_on(&mut self, store: &dyn EventStore) -> Result<(), StoreError> {
        loop {
            let page = store.read_all(self.position, PAGE).await?;
            for e in &page {
                let _ = self.fold(e);
            }
            if page.len() < PAGE {
                return Ok(());
            }
        }
    }

    /// Folds one event of the log; an error when it is no domain fact.
    fn fold(&mut self, e: &RecordedEvent) -> Result<(), DecodeError> {
        self.position = self.position.max(e.position);
        if self.own.remove(&e.event_id) {
            return Ok(());
        }
        self.raise_version(&e.stream, e.stream_version);
        if let Some(k) = &e.idempotency_key {
            match self.keys.get_mut(k) {
                Some(used) => *used = KeyUse::Several,
                None => {
                    let earlier = Earlier::new(
                        e.stream.clone(),
                        e.event_id,
                        e.position,
                        e.stream_version,
                        &e.event_type,
                        &e.payload,
                    );
                    self.keys.insert(k.clone(), KeyUse::One(earlier));
                }
            }
        }
        let g = Gebeurtenis::from_recorded(e)?;
        self.state.apply(e, &g);
        self.index.apply(e, &g);
        Ok(())
    }

    fn raise_version(&mut self, stream: &str, version: i64) {
        match self.versions.get_mut(stream) {
            Some(v) => *v = (*v).max(version),
            None => {
                self.versions.insert(stream.to_owned(), version);
            }
        }
    }

    /// Folds a fact before its append (so the next fact of the same batch is checked
    /// against it), as [`crate::Tentative::record`] made it. Does not move the position.
    pub fn fold_tentative(&mut self, e: &RecordedEvent, fact: &Gebeurtenis) {
        self.raise_version(&e.stream, e.stream_version);
        self.state.apply(e, fact);
        self.index.apply(e, fact);
    }

    /// Last position folded.
    pub fn position(&self) -> i64 {
        self.position
    }

    /// How often the state was folded again from the whole log (after an append failed
    /// once its fact was folded).
    pub fn rebuilds(&self) -> u64 {
        self.rebuilds
    }

    /// Current version of a stream as far as this state knows (0: no such stream).
    pub fn version(&self, stream: &str) -> i64 {
        self.versions.get(stream).copied().unwrap_or(0)
    }

    /// A stream got `n` more events from this process (an import that was written).
    pub fn advance_version(&mut self, stream: &str, n: u64) {
        let v = self.versions.entry(stream.to_owned()).or_insert(0);
        *v += i64::try_from(n).unwrap_or(i64::MAX);
    }

    /// What an idempotency key wrote, when the log (or this process) used it.
    pub fn key(&self, key: &str) -> Option<&KeyUse> {
        self.keys.get(key)
    }

    /// Records that this process wrote under `key`.
    pub fn remember_key(&mut self, key: String, used: KeyUse) {
        self.keys.insert(key, used);
    }

    /// An event of this process landed beyond [`WriteState::position`] (another writer
    /// came first): the catch-up must not fold it again.
    pub(crate) fn landed_elsewhere(&mut self, event_id: Uuid) {
        self.own.insert(event_id);
    }

    /// Makes the next catch-up fold the whole log again: after an erasure, when the log
    /// reads differently (the erased youth's events come under their stored name, so its
    /// pseudonym is unknown from then on and a later registration of it is a new youth).
    pub fn refold(&mut self) {
        self.mark_stale();
    }

    /// The state no longer matches the log: the next catch-up folds the log again.
    pub(crate) fn mark_stale(&mut self) {
        self.stale = true;
    }

    /// Every event up to `position` is folded (this process's own, just appended).
    pub(crate) fn advance_to(&mut self, position: i64) {
        self.position = position;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_norms_are_kept_when_the_state_is_folded_again() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("log.db");
        let store = kringloop_store::open(&path.to_string_lossy())
            .await
            .expect("store opens");
        let normen = Normen::met_regulier(90);
        let mut w = WriteState::<()>::met_normen(normen);
        assert_eq!(w.state.normen(), normen);
        w.mark_stale();
        w.catch_up(&*store).await.expect("catch-up");
        assert_eq!(w.rebuilds(), 1);
        assert_eq!(w.state.normen(), normen);
        let geladen = WriteState::<()>::load_met_normen(&*store, normen, |_| {})
            .await
            .expect("load");
        assert_eq!(geladen.state.normen(), normen);
        let standaard = WriteState::<()>::load(&*store, |_| {}).await.expect("load");
        assert_eq!(standaard.state.normen(), Normen::default());
    }
}
