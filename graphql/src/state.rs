//! What the resolvers share: the store, the projection runner, the token file and the
//! write side: a [`WriteState`] kept in memory behind one mutex, folded from the log, and
//! the writer task ([`FactWriter`]) that checks facts against it and appends them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kringloop_events::rules::input::{TextKind, check_text};
use kringloop_events::rules::{DomainState, Signaal, check_input};
use kringloop_events::{Gebeurtenis, NewEvent, RecordedEvent};
use kringloop_projections::RecordKeys;
use kringloop_runner::Runner;
use kringloop_store::{AppendOptions, EventStore};
use kringloop_writer::{
    FactError, FactRequest, FactWriter, Index, Registration, Toegang, WriteState,
};
use tokio::sync::{Mutex, mpsc, oneshot};
use tracing::Instrument as _;
use uuid::Uuid;

use crate::auth::{Principal, Tokens};
use crate::fout::ApiFout;

/// Event type of the access log (NEN 7513 style): every read of person-level data.
pub const INZAGE_TYPE: &str = "PersoonsgegevensIngezien";
/// Stream prefix of the access log; one stream per UTC day.
pub const INZAGE_STREAM: &str = "inzage-";

/// The waiting norm of a REGULIER placement request in days, unless the server is told
/// otherwise (`KRINGLOOP_NORM_WACHTTIJD_REGULIER`); a SPOED request's norm is 7 days.
pub const NORM_WACHTTIJD_REGULIER: u32 = kringloop_events::rules::REGULIER_NORM_DAGEN as u32;

/// Settings of the API.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The record keys of the cell-key method, from the server's secret: roles without
    /// person-level access get every figure about persons perturbed with them
    /// (`docs/privacy.md`). The secret must stay the same across restarts, or repeated
    /// questions get fresh noise; `kringloop serve` keeps it in a file.
    pub cell_keys: RecordKeys,
    /// After a mutation, wait up to this long for the projection to include it, so a
    /// query right after sees the fact (read-your-writes). `None`: do not wait.
    pub read_your_writes: Option<Duration>,
    /// Query depth and complexity limits.
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Largest page of the event log.
    pub max_page: usize,
    /// Largest request body in bytes.
    pub max_body: usize,
    /// Time limit of one HTTP request (not of a WebSocket once upgraded).
    pub timeout: Duration,
    /// `/readyz` reports ready while the projection is at most this many events behind.
    pub max_lag: i64,
    /// Most root fields (aliases included) in one operation; more is `BAD_REQUEST` before
    /// anything runs (see [`crate::grenzen`]).
    pub max_fields: usize,
    /// Resolvers that read the store (`keten`, `historie`, `gebeurtenissen`) run at most
    /// this many at once, over all requests: keep it below the store's pool (SQLite has 4
    /// readers by default, PostgreSQL 16 connections), so the projection runner and the
    /// write side always find a connection and no request waits for the pool.
    pub max_db_readers: usize,
    /// How long such a resolver waits for its turn before it answers `OVERLOADED`.
    pub db_wait: Duration,
    /// The waiting norm of a REGULIER placement request, in days: what the write side's
    /// rules signal as `WACHTTIJD_OVERSCHREDEN` and what `plaatsingsverzoeken` reports as
    /// `normDagen` / `bovenNorm`.
    pub norm_wachttijd_regulier: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            // A fresh secret: fine for tests; `serve` passes the one from its file.
            cell_keys: RecordKeys::new(
                &[*Uuid::new_v4().as_bytes(), *Uuid::new_v4().as_bytes()].concat(),
            ),
            read_your_writes: Some(Duration::from_secs(2)),
            max_depth: 12,
            max_complexity: 2_000,
            max_page: 1_000,
            max_body: 1024 * 1024,
            timeout: Duration::from_secs(30),
            max_lag: 1_000,
            max_fields: 32,
            max_db_readers: 2,
            db_wait: Duration::from_secs(10),
            norm_wachttijd_regulier: NORM_WACHTTIJD_REGULIER,
        }
    }
}

/// The key under which the store keeps a principal's idempotency key: idempotency keys
/// are scoped per token, so two registrars cannot collide or probe each other's keys
/// (the store's keys are global; a token id is 12 hex digits, so the prefix is unambiguous).
pub(crate) fn scoped_key(wie: &Principal, key: &str) -> String {
    format!("{}:{key}", wie.token_id)
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
    /// The facts of placement requests, per youth and per jeugdregio.
    pub verzoeken: crate::verzoek::Verzoekfeiten,
}

impl Index for Referentie {
    fn apply(&mut self, e: &RecordedEvent, g: &Gebeurtenis) {
        self.verzoeken.apply(e, g);
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

/// The write side's state as the queries read it (through [`ApiState::with_domain`]).
pub struct DomainView<'a> {
    pub state: &'a DomainState,
    pub referentie: &'a Referentie,
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

impl From<Registration> for Registratie {
    fn from(r: Registration) -> Self {
        Registratie {
            event_id: r.event_id,
            positie: r.position,
            stroom: r.stream,
            stream_versie: r.stream_version,
            signalen: r.signals,
            duplicaat: r.duplicate,
        }
    }
}

/// A stream's name as logs and traces show it: a youth stream by the writer's name
/// (`jeugdige-<pseudonym>`) without the pseudonym, so no log names a youth (an erased
/// youth's pseudonym must not survive in them); stored names (`jeugdige-~…`) and every
/// other stream as they are.
pub(crate) fn log_name(stream: &str) -> std::borrow::Cow<'_, str> {
    match kringloop_events::pseudoniem_van_stream(stream) {
        Some(p) if !p.starts_with(kringloop_events::personal::PHYSICAL_MARK) => {
            "jeugdige-(pseudoniem)".into()
        }
        _ => stream.into(),
    }
}

/// The API's error for a fact the write path did not write.
fn api_fout(e: FactError) -> ApiFout {
    match e {
        FactError::Store(e) => ApiFout::from(e),
        FactError::Refused(a) => ApiFout::Afwijzing(a),
        FactError::KeyConflict => ApiFout::SleutelConflict(e.to_string()),
        FactError::KeyUsedElsewhere | FactError::InputRefused => ApiFout::ongeldig(e.to_string()),
    }
}

pub(crate) struct Inner {
    pub store: Arc<dyn EventStore>,
    pub runner: Runner,
    pub tokens: Arc<Tokens>,
    pub config: ApiConfig,
    write_state: Arc<Mutex<WriteState<Referentie>>>,
    writer: mpsc::Sender<FactRequest<ApiFout, Referentie>>,
    /// Turns of the resolvers that read the store ([`ApiConfig::max_db_readers`]).
    readers: tokio::sync::Semaphore,
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
        let mut write_state = WriteState::<Referentie>::met_normen(
            kringloop_events::rules::Normen::met_regulier(config.norm_wachttijd_regulier),
        );
        write_state
            .catch_up(&*store)
            .instrument(tracing::info_span!("domeinstaat_inhalen"))
            .await?;
        tracing::info!(
            positie = write_state.position(),
            "domeinstaat voor de schrijfkant bijgewerkt"
        );
        let write_state = Arc::new(Mutex::new(write_state));
        let nudge = runner.clone();
        let writer = FactWriter::start(
            Arc::clone(&store),
            Arc::clone(&write_state),
            "api",
            Box::new(move || nudge.nudge()),
            api_fout,
        );
        let readers = tokio::sync::Semaphore::new(config.max_db_readers.max(1));
        Ok(ApiState(Arc::new(Inner {
            store,
            runner,
            tokens,
            config,
            write_state,
            writer,
            readers,
        })))
    }

    /// A turn to read the store, for a resolver that does (held until dropped); after
    /// [`ApiConfig::db_wait`] without one, `OVERLOADED`. So no number of requests or
    /// aliases takes more than [`ApiConfig::max_db_readers`] connections of the pool.
    pub async fn reader(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiFout> {
        match tokio::time::timeout(self.0.config.db_wait, self.0.readers.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(e)) => Err(ApiFout::intern("databaselezers", e)),
            Err(_) => Err(ApiFout::Overbelast(format!(
                "de server is druk: geen databaselezer vrij binnen {} s; probeer het later opnieuw",
                self.0.config.db_wait.as_secs_f32()
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
    pub async fn with_domain<R>(&self, f: impl FnOnce(&DomainView<'_>) -> R) -> Result<R, ApiFout> {
        let mut d = self.0.write_state.lock().await;
        d.catch_up(&*self.0.store).await?;
        Ok(f(&DomainView {
            state: &d.state,
            referentie: &d.index,
        }))
    }

    /// How often the write side's state was folded again from the whole log (after an
    /// append failed once its fact was folded, and after every erasure): for monitoring
    /// and tests. Refused input never causes one.
    pub async fn rebuilds(&self) -> u64 {
        self.0.write_state.lock().await.rebuilds()
    }

    /// The stream of an earlier event (for corrections and retractions).
    pub async fn stream_of(&self, event_id: Uuid) -> Result<Option<String>, ApiFout> {
        self.with_domain(|d| d.state.event_info(event_id).map(|(s, _)| s.to_owned()))
            .await
    }

    /// Checks a fact against the domain rules and appends it: the write path. The fact
    /// queues for the writer task, which checks and appends concurrent facts as one batch
    /// (see [`kringloop_writer::FactWriter`]); this waits for its answer, then for the
    /// projection.
    ///
    /// `idempotency_key` is the caller's, scoped to its token ([`scoped_key`]):
    /// the same key again with the same fact (stream, type, content) answers the first
    /// result; with another fact it is `CONFLICT`.
    pub async fn registreer(
        &self,
        wie: &Principal,
        stream: String,
        feit: Gebeurtenis,
        idempotency_key: String,
        expected_version: Option<i64>,
    ) -> Result<Registratie, ApiFout> {
        self.registreer_met(wie, stream, feit, idempotency_key, expected_version, None)
            .await
    }

    /// [`ApiState::registreer`], written only when `toegang` allows it against the write
    /// state at the moment the fact is checked (a coordinator's region,
    /// `crate::verzoek::toegang`).
    pub async fn registreer_met(
        &self,
        wie: &Principal,
        stream: String,
        feit: Gebeurtenis,
        idempotency_key: String,
        expected_version: Option<i64>,
        toegang: Option<Toegang<Referentie, ApiFout>>,
    ) -> Result<Registratie, ApiFout> {
        let key = idempotency_key.trim();
        if key.is_empty() || key.len() > 200 {
            return Err(ApiFout::ongeldig(
                "idempotencyKey is verplicht (1 tot 200 tekens)",
            ));
        }
        // Before anything is queued, logged or echoed (the span below names the stream, a
        // CONFLICT names it too): the domain rules' input check of the stream name and
        // every string of the fact (BSN_VERBODEN, TE_LANG, ONGELDIG_TEKEN), and the same
        // for the key, which is stored as well (BAD_REQUEST).
        check_input(&stream, &feit).map_err(ApiFout::Afwijzing)?;
        check_text("idempotencyKey", TextKind::Name, key)
            .map_err(|a| ApiFout::ongeldig(a.melding))?;
        let key = scoped_key(wie, key);
        let expected = match expected_version {
            None => None,
            Some(v) => Some(
                u64::try_from(v)
                    .map_err(|_| ApiFout::ongeldig("expectedVersion kan niet negatief zijn"))?,
            ),
        };
        let span = tracing::info_span!(
            "registreer",
            soort = feit.event_type(),
            stroom = %log_name(&stream),
            positie = tracing::field::Empty
        );
        let registration = async {
            let (reply, answer) = oneshot::channel();
            let mut request =
                FactRequest::new(stream, feit, key, expected, wie.as_registrar(), reply);
            if let Some(t) = toegang {
                request = request.met_toegang(t);
            }
            if self.0.writer.send(request).await.is_err() {
                return Err(ApiFout::intern("schrijver", "de schrijftaak is gestopt"));
            }
            let r = answer
                .await
                .map_err(|_| ApiFout::intern("schrijver", "geen antwoord van de schrijftaak"))??;
            tracing::Span::current().record("positie", r.position);
            Ok::<_, ApiFout>(Registratie::from(r))
        }
        .instrument(span)
        .await?;
        if let Some(t) = self.0.config.read_your_writes
            && !self.0.runner.wait_for(registration.positie, t).await
        {
            tracing::warn!(
                positie = registration.positie,
                "projectie nog niet bij na het schrijven"
            );
        }
        Ok(registration)
    }

    /// Erases a youth: records the erasure fact `feit` (a `JeugdigeGewist`) in the youth's
    /// stream through the write path, records the erasure in the access log while the
    /// youth's key still names its stored stream, deletes the key, and folds the write
    /// side's state from the log again (the youth's events now read under their stored
    /// name: the pseudonym is unknown from here on). Refused on a log without a vault:
    /// without a key per youth there is nothing to shred.
    ///
    /// When the access log or the deletion fails after the fact was recorded, the error is
    /// returned and the vault deletes the key at the next start (it finishes every
    /// recorded erasure whose key is still there).
    pub async fn wis_jeugdige(
        &self,
        wie: &Principal,
        pseudoniem: &str,
        feit: Gebeurtenis,
    ) -> Result<crate::types::Wissing, ApiFout> {
        let stream = kringloop_events::jeugdige_stream(pseudoniem);
        check_input(&stream, &feit).map_err(ApiFout::Afwijzing)?;
        if self.0.store.vault_check().await?.is_none() {
            return Err(ApiFout::ongeldig(
                "wissen kan alleen in een log met een kluis (mastersleutel): zonder sleutel per jeugdige is er niets te vernietigen",
            ));
        }
        let key = format!("wissing-{}", Uuid::now_v7());
        let r = self
            .registreer(wie, stream.clone(), feit, key, None)
            .await?;
        let stored = match self.0.store.youth_key_by_stream(&stream).await? {
            Some(row) => row.stream,
            None => {
                // Another process erased it between the fact and here: read the name back.
                self.stored_name_at(r.positie).await?
            }
        };
        self.log_inzage(wie, "wisJeugdige", std::slice::from_ref(&stream))
            .await?;
        let n = self
            .0
            .store
            .delete_youth_keys(std::slice::from_ref(&stream))
            .await?;
        {
            let mut d = self.0.write_state.lock().await;
            d.refold();
            d.catch_up(&*self.0.store).await?;
        }
        let recorded_at = self
            .0
            .store
            .read_all(r.positie - 1, 1)
            .await?
            .into_iter()
            .find(|e| e.event_id == r.event_id)
            .map(|e| e.recorded_at)
            .ok_or_else(|| ApiFout::intern("wissing", "het gewiste feit is niet terug te lezen"))?;
        tracing::info!(stroom = %stored, positie = r.positie, "jeugdige gewist");
        Ok(crate::types::Wissing {
            event_id: r.event_id,
            positie: r.positie,
            stroom: stored,
            geregistreerd_op: recorded_at,
            sleutels_verwijderd: n,
        })
    }

    /// The stream of the event at `position` as the store reads it (for an erased youth:
    /// its stored name).
    async fn stored_name_at(&self, position: i64) -> Result<String, ApiFout> {
        self.0
            .store
            .read_all(position - 1, 1)
            .await?
            .into_iter()
            .next()
            .map(|e| e.stream)
            .filter(|s| kringloop_events::personal::is_physical_youth_stream(s))
            .ok_or_else(|| ApiFout::intern("wissing", "geen opgeslagen naam van de jeugdige"))
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
            recorded_by: wie.as_registrar(),
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
