//! What the resolvers share: the store, the projection runner, the token file and the
//! write side: a [`DomainState`] kept in memory behind one mutex, folded from the log, and
//! the writer task ([`crate::schrijver`]) that checks facts against it and appends them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kringloop_events::rules::input::{TextKind, check_text};
use kringloop_events::rules::{DomainState, Signaal, check_input};
use kringloop_events::{Gebeurtenis, NewEvent, RecordedEvent};
use kringloop_projections::RecordKeys;
use kringloop_runner::Runner;
use kringloop_store::{AppendOptions, EventStore};
use tokio::sync::{Mutex, mpsc, oneshot};
use tracing::Instrument as _;
use uuid::Uuid;

use crate::auth::{Principal, Tokens};
use crate::fout::ApiFout;
use crate::schrijver::{Schrijver, Verzoek};

/// Event type of the access log (NEN 7513 style): every read of person-level data.
pub const INZAGE_TYPE: &str = "PersoonsgegevensIngezien";
/// Stream prefix of the access log; one stream per UTC day.
pub const INZAGE_STREAM: &str = "inzage-";

/// Settings of the API.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The record keys of the cell-key method, from the server's secret: roles without
    /// person-level access get every figure about persons perturbed with them
    /// (`docs/privacy.md`). The secret must stay the same across restarts, or repeated
    /// questions get fresh noise; `kringloop serve` keeps it in a file.
    pub celsleutels: RecordKeys,
    /// After a mutation, wait up to this long for the projection to include it, so a
    /// query right after sees the fact (read-your-writes). `None`: do not wait.
    pub lees_eigen_schrijf: Option<Duration>,
    /// Query depth and complexity limits.
    pub max_diepte: usize,
    pub max_complexiteit: usize,
    /// Largest page of the event log.
    pub max_pagina: usize,
    /// Largest request body in bytes.
    pub max_body: usize,
    /// Time limit of one HTTP request (not of a WebSocket once upgraded).
    pub timeout: Duration,
    /// `/readyz` reports ready while the projection is at most this many events behind.
    pub max_achterstand: i64,
    /// Most root fields (aliases included) in one operation; more is `BAD_REQUEST` before
    /// anything runs (see [`crate::grenzen`]).
    pub max_velden: usize,
    /// Resolvers that read the store (`keten`, `historie`, `gebeurtenissen`) run at most
    /// this many at once, over all requests: keep it below the store's pool (SQLite has 4
    /// readers by default, PostgreSQL 16 connections), so the projection runner and the
    /// write side always find a connection and no request waits for the pool.
    pub max_db_lezers: usize,
    /// How long such a resolver waits for its turn before it answers `OVERLOADED`.
    pub db_wachttijd: Duration,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            // A fresh secret: fine for tests; `serve` passes the one from its file.
            celsleutels: RecordKeys::new(
                &[*Uuid::new_v4().as_bytes(), *Uuid::new_v4().as_bytes()].concat(),
            ),
            lees_eigen_schrijf: Some(Duration::from_secs(2)),
            max_diepte: 12,
            max_complexiteit: 2_000,
            max_pagina: 1_000,
            max_body: 1024 * 1024,
            timeout: Duration::from_secs(30),
            max_achterstand: 1_000,
            max_velden: 32,
            max_db_lezers: 2,
            db_wachttijd: Duration::from_secs(10),
        }
    }
}

/// What an earlier append with an idempotency key wrote.
#[derive(Debug, Clone)]
pub(crate) struct Eerder {
    pub(crate) stroom: String,
    pub(crate) event_id: Uuid,
    pub(crate) positie: i64,
    pub(crate) stream_versie: i64,
    /// [`vingerafdruk`] of what it wrote, to tell a retry from another fact.
    pub(crate) vingerafdruk: [u8; 32],
    /// It wrote one event (an import under the key wrote several: no fact's retry).
    pub(crate) enkel: bool,
}

impl Eerder {
    /// Whether a fact for `stroom` is the one this key wrote: the same stream, event type
    /// and payload, as the store compares them (`kringloop_store::StoreError::IdempotencyConflict`).
    pub(crate) fn zelfde(&self, stroom: &str, feit: &Gebeurtenis) -> bool {
        self.enkel
            && self.vingerafdruk == vingerafdruk(stroom, feit.event_type(), &feit.payload_json())
    }
}

/// SHA-256 over stream, event type and payload (each with its length): what makes two
/// requests under one idempotency key the same request.
pub(crate) fn vingerafdruk(stroom: &str, soort: &str, inhoud: &str) -> [u8; 32] {
    use sha2::{Digest as _, Sha256};
    let mut h = Sha256::new();
    for deel in [stroom, soort, inhoud] {
        h.update((deel.len() as u64).to_le_bytes());
        h.update(deel.as_bytes());
    }
    h.finalize().into()
}

/// The key under which the store keeps a principal's idempotency key: idempotency keys
/// are scoped per token, so two registrars cannot collide or probe each other's keys
/// (the store's keys are global; a token id is 12 hex digits, so the prefix is unambiguous).
pub(crate) fn sleutel_van(wie: &Principal, sleutel: &str) -> String {
    format!("{}:{sleutel}", wie.token_id)
}

/// Reference data: key → id of the registering event (content resolved through the
/// domain state, so corrections and retractions apply).
#[derive(Debug, Default)]
pub struct Referentie {
    pub landsdelen: BTreeMap<String, Uuid>,
    pub jeugdregios: BTreeMap<String, Uuid>,
    pub gemeenten: BTreeMap<String, Uuid>,
    pub aanbieders: BTreeMap<String, Uuid>,
    pub voorzieningen: BTreeMap<String, Uuid>,
    pub doelen: Vec<Uuid>,
}

impl Referentie {
    pub(crate) fn apply(&mut self, e: &RecordedEvent, g: &Gebeurtenis) {
        let id = e.event_id;
        match g {
            Gebeurtenis::LandsdeelGeregistreerd(x) => {
                self.landsdelen.insert(x.code.clone(), id);
            }
            Gebeurtenis::JeugdregioGeregistreerd(x) => {
                self.jeugdregios.insert(x.code.clone(), id);
            }
            Gebeurtenis::GemeenteGeregistreerd(x) => {
                self.gemeenten.insert(x.code.clone(), id);
            }
            Gebeurtenis::AanbiederGeregistreerd(x) => {
                self.aanbieders.insert(x.id.clone(), id);
            }
            Gebeurtenis::VoorzieningGeregistreerd(x) => {
                self.voorzieningen.insert(x.id.clone(), id);
            }
            Gebeurtenis::CapaciteitsdoelVastgesteld(_) => self.doelen.push(id),
            _ => {}
        }
    }
}

/// The write side's view of the world.
#[derive(Debug, Default)]
pub struct Domein {
    pub state: DomainState,
    pub referentie: Referentie,
    /// Last position folded: every event up to here is in the state (events of this
    /// process's writer may be in it already, see `eigen`).
    pub positie: i64,
    pub(crate) sleutels: HashMap<String, Eerder>,
    /// Version of every stream, for the expected-version check before an append.
    pub(crate) versies: HashMap<String, i64>,
    /// Events this process wrote and folded (tentatively, before the append) that lie
    /// beyond `positie` because another writer's events came first: catching up skips
    /// them instead of folding them twice.
    pub(crate) eigen: HashSet<Uuid>,
    /// The state no longer matches the log (an append failed after its fact was folded
    /// tentatively): the next catch-up starts from position 0.
    pub(crate) opnieuw_opbouwen: bool,
    /// How often the state was folded from position 0 again since the start.
    pub herbouwd: u64,
}

impl Domein {
    fn pas_toe(&mut self, e: &RecordedEvent) {
        self.positie = self.positie.max(e.position);
        if self.eigen.remove(&e.event_id) {
            return;
        }
        self.onthoud(e);
        // Unknown types (the access log) are not domain facts.
        if let Ok(g) = Gebeurtenis::from_recorded(e) {
            self.state.apply(e, &g);
            self.referentie.apply(e, &g);
        }
    }

    /// Stream version and idempotency key of a recorded event.
    fn onthoud(&mut self, e: &RecordedEvent) {
        match self.versies.get_mut(e.stream.as_str()) {
            Some(v) => *v = (*v).max(e.stream_version),
            None => {
                self.versies.insert(e.stream.clone(), e.stream_version);
            }
        }
        if let Some(k) = &e.idempotency_key {
            self.sleutels
                .entry(k.clone())
                .and_modify(|eerder| eerder.enkel = false)
                .or_insert_with(|| Eerder {
                    stroom: e.stream.clone(),
                    event_id: e.event_id,
                    positie: e.position,
                    stream_versie: e.stream_version,
                    vingerafdruk: vingerafdruk(&e.stream, &e.event_type, &e.payload),
                    enkel: true,
                });
        }
    }

    /// Folds a fact of this process's writer before its append (so the next fact of the
    /// same batch is checked against it). Does not move `positie`.
    pub(crate) fn pas_toe_voorlopig(&mut self, e: &RecordedEvent, g: &Gebeurtenis) {
        match self.versies.get_mut(e.stream.as_str()) {
            Some(v) => *v = (*v).max(e.stream_version),
            None => {
                self.versies.insert(e.stream.clone(), e.stream_version);
            }
        }
        self.state.apply(e, g);
        self.referentie.apply(e, g);
    }

    /// Current version of a stream as far as this state knows (0: no such stream).
    pub(crate) fn versie(&self, stroom: &str) -> i64 {
        self.versies.get(stroom).copied().unwrap_or(0)
    }

    /// Folds every event after [`Domein::positie`] (other writers, other processes); after
    /// a failed append, first throws the state away and folds the whole log again.
    pub async fn bijwerken(&mut self, store: &dyn EventStore) -> Result<(), ApiFout> {
        if self.opnieuw_opbouwen {
            let begin = std::time::Instant::now();
            *self = Domein {
                opnieuw_opbouwen: true,
                herbouwd: self.herbouwd + 1,
                ..Domein::default()
            };
            self.lees_bij(store).await?;
            self.opnieuw_opbouwen = false;
            tracing::warn!(
                positie = self.positie,
                duur_ms = begin.elapsed().as_millis(),
                "domeinstaat van de schrijfkant opnieuw opgebouwd"
            );
            return Ok(());
        }
        self.lees_bij(store).await
    }

    async fn lees_bij(&mut self, store: &dyn EventStore) -> Result<(), ApiFout> {
        loop {
            let page = store.read_all(self.positie, 10_000).await?;
            let n = page.len();
            for e in &page {
                self.pas_toe(e);
            }
            if n < 10_000 {
                return Ok(());
            }
        }
    }
}

/// The reply to a mutation.
#[derive(Debug, Clone)]
pub struct Registratie {
    pub event_id: Uuid,
    pub positie: i64,
    pub stroom: String,
    pub stream_versie: i64,
    pub signalen: Vec<Signaal>,
    /// The idempotency key was used before: nothing was written, this is the first result.
    pub duplicaat: bool,
}

impl Registratie {
    /// The first result of an idempotency key that was used before.
    pub(crate) fn eerder(e: &Eerder) -> Registratie {
        Registratie {
            event_id: e.event_id,
            positie: e.positie,
            stroom: e.stroom.clone(),
            stream_versie: e.stream_versie,
            signalen: Vec::new(),
            duplicaat: true,
        }
    }
}

pub(crate) struct Inner {
    pub store: Arc<dyn EventStore>,
    pub runner: Runner,
    pub tokens: Arc<Tokens>,
    pub config: ApiConfig,
    domein: Arc<Mutex<Domein>>,
    schrijver: mpsc::Sender<Verzoek>,
    /// Turns of the resolvers that read the store ([`ApiConfig::max_db_lezers`]).
    lezers: tokio::sync::Semaphore,
}

/// Shared state of the API; cheap to clone.
#[derive(Clone)]
pub struct ApiState(pub(crate) Arc<Inner>);

impl ApiState {
    /// Folds the write side from the store (the runner folds the read side itself) and
    /// starts the writer task.
    pub async fn new(
        store: Arc<dyn EventStore>,
        runner: Runner,
        tokens: Arc<Tokens>,
        config: ApiConfig,
    ) -> Result<ApiState, ApiFout> {
        let mut domein = Domein::default();
        domein
            .bijwerken(&*store)
            .instrument(tracing::info_span!("domeinstaat_inhalen"))
            .await?;
        tracing::info!(
            positie = domein.positie,
            "domeinstaat voor de schrijfkant bijgewerkt"
        );
        let domein = Arc::new(Mutex::new(domein));
        let schrijver = Schrijver::start(Arc::clone(&store), runner.clone(), Arc::clone(&domein));
        let lezers = tokio::sync::Semaphore::new(config.max_db_lezers.max(1));
        Ok(ApiState(Arc::new(Inner {
            store,
            runner,
            tokens,
            config,
            domein,
            schrijver,
            lezers,
        })))
    }

    /// A turn to read the store, for a resolver that does (held until dropped); after
    /// [`ApiConfig::db_wachttijd`] without one, `OVERLOADED`. So no number of requests or
    /// aliases takes more than [`ApiConfig::max_db_lezers`] connections of the pool.
    pub async fn lezer(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiFout> {
        match tokio::time::timeout(self.0.config.db_wachttijd, self.0.lezers.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(e)) => Err(ApiFout::intern("databaselezers", e)),
            Err(_) => Err(ApiFout::Overbelast(format!(
                "de server is druk: geen databaselezer vrij binnen {} s; probeer het later opnieuw",
                self.0.config.db_wachttijd.as_secs_f32()
            ))),
        }
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.0.store
    }

    pub fn runner(&self) -> &Runner {
        &self.0.runner
    }

    pub fn tokens(&self) -> &Arc<Tokens> {
        &self.0.tokens
    }

    pub fn config(&self) -> &ApiConfig {
        &self.0.config
    }

    /// Runs `f` on the write side's state, brought up to date first.
    pub async fn met_domein<R>(&self, f: impl FnOnce(&Domein) -> R) -> Result<R, ApiFout> {
        let mut d = self.0.domein.lock().await;
        d.bijwerken(&*self.0.store).await?;
        Ok(f(&d))
    }

    /// How often the write side's state was folded again from the whole log (after an
    /// append failed once its fact was folded): for monitoring and tests. Refused input
    /// never causes one.
    pub async fn herbouwingen(&self) -> u64 {
        self.0.domein.lock().await.herbouwd
    }

    /// The stream of an earlier event (for corrections and retractions).
    pub async fn stroom_van(&self, event_id: Uuid) -> Result<Option<String>, ApiFout> {
        self.met_domein(|d| d.state.event_info(event_id).map(|(s, _)| s.to_owned()))
            .await
    }

    /// Checks a fact against the domain rules and appends it: the write path. The fact
    /// queues for the writer task, which checks and appends concurrent facts as one batch
    /// (see [`crate::schrijver`]); this waits for its answer, then for the projection.
    ///
    /// `sleutel` is the caller's idempotency key, scoped to its token ([`sleutel_van`]):
    /// the same key again with the same fact (stream, type, content) answers the first
    /// result; with another fact it is `CONFLICT`.
    pub async fn registreer(
        &self,
        wie: &Principal,
        stroom: String,
        feit: Gebeurtenis,
        sleutel: String,
        verwacht: Option<i64>,
    ) -> Result<Registratie, ApiFout> {
        let sleutel = sleutel.trim();
        if sleutel.is_empty() || sleutel.len() > 200 {
            return Err(ApiFout::ongeldig(
                "idempotencyKey is verplicht (1 tot 200 tekens)",
            ));
        }
        // Before anything is queued, logged or echoed (the span below names the stream, a
        // CONFLICT names it too): the domain rules' input check of the stream name and
        // every string of the fact (BSN_VERBODEN, TE_LANG, ONGELDIG_TEKEN), and the same
        // for the key, which is stored as well (BAD_REQUEST).
        check_input(&stroom, &feit).map_err(ApiFout::Afwijzing)?;
        check_text("idempotencyKey", TextKind::Name, sleutel)
            .map_err(|a| ApiFout::ongeldig(a.melding))?;
        let sleutel = sleutel_van(wie, sleutel);
        let verwacht = match verwacht {
            None => None,
            Some(v) => Some(
                u64::try_from(v)
                    .map_err(|_| ApiFout::ongeldig("expectedVersion kan niet negatief zijn"))?,
            ),
        };
        let span = tracing::info_span!(
            "registreer",
            soort = feit.event_type(),
            stroom = %stroom,
            positie = tracing::field::Empty
        );
        let resultaat = async {
            let (antwoord, ontvangst) = oneshot::channel();
            let verzoek = Verzoek {
                stroom,
                feit,
                sleutel,
                verwacht,
                door: wie.als_registrator(),
                pogingen: 0,
                antwoord,
            };
            if self.0.schrijver.send(verzoek).await.is_err() {
                return Err(ApiFout::intern("schrijver", "de schrijftaak is gestopt"));
            }
            let r = ontvangst
                .await
                .map_err(|_| ApiFout::intern("schrijver", "geen antwoord van de schrijftaak"))??;
            tracing::Span::current().record("positie", r.positie);
            Ok::<_, ApiFout>(r)
        }
        .instrument(span)
        .await?;
        if let Some(t) = self.0.config.lees_eigen_schrijf
            && !self.0.runner.wait_for(resultaat.positie, t).await
        {
            tracing::warn!(
                positie = resultaat.positie,
                "projectie nog niet bij na het schrijven"
            );
        }
        Ok(resultaat)
    }

    /// Records a read of person-level data in the access log. When that fails, the read
    /// must not happen: the caller returns the error.
    pub async fn log_inzage(
        &self,
        wie: &Principal,
        wat: &str,
        stromen: &[String],
    ) -> Result<(), ApiFout> {
        let inzage = Gebeurtenis::from(kringloop_events::PersoonsgegevensIngezien {
            wie: wie.naam.clone(),
            token: wie.token_id.clone(),
            rol: wie.rol.naam().to_owned(),
            wat: wat.to_owned(),
            stromen: stromen.to_vec(),
        });
        let event = NewEvent {
            event_id: Uuid::now_v7(),
            event_type: INZAGE_TYPE.to_owned(),
            schema_version: inzage.schema_version(),
            payload: inzage.payload_json(),
            valid_date: None,
            recorded_by: wie.als_registrator(),
            source: "api".to_owned(),
            correlation_id: None,
            causation_id: None,
        };
        let stroom = format!("{INZAGE_STREAM}{}", Utc::now().format("%Y-%m-%d"));
        self.0
            .store
            .append(&stroom, vec![event], AppendOptions::default())
            .await
            .map_err(|e| ApiFout::intern("inzagelog", e))?;
        Ok(())
    }
}
