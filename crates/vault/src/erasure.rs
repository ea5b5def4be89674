//! Erasing youths: the [`JeugdigeGewist`] facts through the rules, then the keys.
//!
//! [`erase`] folds the domain state from the log (the writer's names, through the
//! [`SealedStore`]), checks every request with [`DomainState::check`], appends the
//! accepted facts in sets of [`BATCH`] (each part with the stream version the state read,
//! so a concurrent writer makes the set fail instead of slipping past the rules), and only
//! then deletes the keys of that set. A crash between the two is finished by the next
//! [`SealedStore::open`]. A refusal names the request by its place in the list and, where
//! the youth is known, its stored stream name: never the pseudonym.

use std::collections::HashSet;

use kringloop_events::rules::AfwijzingCode;
use kringloop_events::{ExpectedVersion, Gebeurtenis, JeugdigeGewist, Provenance};
use kringloop_store::{AppendOptions, EventStore, StoreError, StreamAppend};
use kringloop_writer::{LoadError, WriteState};

use crate::SealedStore;

/// Facts per `append_many` set (and keys per deletion).
pub const BATCH: usize = 1_000;

/// A request the rules refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weigering {
    /// Place of the request in the list given to [`erase`] (0-based).
    pub verzoek: usize,
    /// The youth's stored stream name (`jeugdige-~…`) when it has one.
    pub opgeslagen: Option<String>,
    pub code: AfwijzingCode,
    pub melding: String,
}

/// What [`erase`] did.
#[derive(Debug, Clone, Default)]
pub struct WisRapport {
    /// Youths erased (fact recorded and key deleted).
    pub gewist: usize,
    pub geweigerd: Vec<Weigering>,
    /// Stored stream names of the erased youths, in request order.
    pub opgeslagen: Vec<String>,
    /// Key rows deleted.
    pub sleutels_verwijderd: u64,
    /// Position of the last erasure fact.
    pub laatste_positie: i64,
}

/// Why an erasure run stopped.
#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    #[error("het log is niet te lezen: {0}")]
    Load(#[from] LoadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Erases the youths of `requests` (`jeugdige-<pseudonym>` each, with the fact to record).
pub async fn erase(
    store: &SealedStore,
    requests: Vec<(String, JeugdigeGewist)>,
    provenance: &Provenance,
) -> Result<WisRapport, ErasureError> {
    let state = WriteState::<()>::load(store, |_| {}).await?;
    erase_with(store, &state, requests, provenance).await
}

/// [`erase`] against a state the caller folded already (the retention run); `state` must
/// be the log up to now.
pub async fn erase_with(
    store: &SealedStore,
    state: &WriteState<()>,
    requests: Vec<(String, JeugdigeGewist)>,
    provenance: &Provenance,
) -> Result<WisRapport, ErasureError> {
    let mut rapport = WisRapport::default();
    let mut accepted: Vec<(String, String, JeugdigeGewist)> = Vec::new();
    let mut seen = HashSet::new();
    for (i, (stream, fact)) in requests.into_iter().enumerate() {
        let opgeslagen = store.physical_stream(&stream).await?;
        let refuse = |code, melding: String| Weigering {
            verzoek: i,
            opgeslagen: opgeslagen.clone().filter(|s| s != &stream),
            code,
            melding,
        };
        let g = Gebeurtenis::from(fact.clone());
        if let Err(a) = state.state.check(&stream, &g) {
            rapport.geweigerd.push(refuse(a.code, a.melding));
            continue;
        }
        if !seen.insert(stream.clone()) {
            rapport.geweigerd.push(refuse(
                AfwijzingCode::JeugdigeGewist,
                "Deze jeugdige staat twee keer in de lijst; de eerste keer wordt gewist.".into(),
            ));
            continue;
        }
        let Some(opgeslagen) = opgeslagen else {
            rapport.geweigerd.push(refuse(
                AfwijzingCode::OnbekendeJeugdige,
                "Deze jeugdige heeft geen sleutel; er is niets te wissen.".into(),
            ));
            continue;
        };
        accepted.push((stream, opgeslagen, fact));
    }
    for chunk in accepted.chunks(BATCH) {
        let parts: Vec<StreamAppend> = chunk
            .iter()
            .map(|(stream, _, fact)| {
                let version = u64::try_from(state.version(stream)).unwrap_or(0);
                StreamAppend {
                    stream: stream.clone(),
                    events: vec![Gebeurtenis::from(fact.clone()).to_new_event(provenance)],
                    expected: Some(match version {
                        0 => ExpectedVersion::NoStream,
                        n => ExpectedVersion::Exact(n),
                    }),
                    new_key: None,
                }
            })
            .collect();
        let results = store.append_many(parts, AppendOptions::default()).await?;
        if let Some(last) = results.last() {
            rapport.laatste_positie = last.last_position;
        }
        // The facts are recorded: now the keys go.
        let streams: Vec<String> = chunk.iter().map(|(s, _, _)| s.clone()).collect();
        rapport.sleutels_verwijderd += store.delete_youth_keys(&streams).await?;
        rapport.gewist += chunk.len();
        rapport
            .opgeslagen
            .extend(chunk.iter().map(|(_, o, _)| o.clone()));
    }
    Ok(rapport)
}
