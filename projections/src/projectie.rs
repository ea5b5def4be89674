//! The fold: events in position order into bitemporal facts.
//!
//! Over 800 lines on purpose: the [`Projection`] and the handling of every event type
//! (record, resolve corrections, derive, sync the tables) are one state machine over
//! the struct's private fields, whose invariants (slots, aliases, links, the two-stage
//! sink) are easier to check in one file. The rest of the projection lives elsewhere by
//! role: derivation (`afleiding.rs`), tables (`versions/`, `jeugdtabellen.rs`),
//! occupancy (`bezetting.rs`, `occupancy.rs`), queries (`kpi.rs`, `context.rs`,
//! `tally.rs`, `sweep/`).

use chrono::{DateTime, Utc};
use kringloop_events::{DoelScope, Gebeurtenis, RecordedEvent, pseudoniem_van_stream};
use uuid::Uuid;

use crate::ProjectionError;
use crate::afleiding::{
    Afgeleid, CapInhoud, CapInvoer, CapSoort, JFeit, JInvoer, leid_capaciteit_af, leid_jeugdige_af,
};
use crate::bezetting::Kwartaalvlaggen;
use crate::feiten::{
    Capaciteit, Doel, GEEN, GEEN8, Landschap, Plaatsing, VzAttr, bestemming_code, landschap,
    machtiging_code, regime_code, scope, vorm_code,
};
use crate::interner::Interner;
use crate::jeugdtabellen::{BATCH, Batch, JeugdTabellen, Sink};
use crate::knowledge::KnowledgeTime;
use crate::mem::{FxMap, prefetch};
use crate::periode::dag;
use crate::versions::{FactRef, Stamp, VersionTable};

/// The envelope fields the fold needs, for callers that decode events themselves (the
/// benchmark measures decode and fold separately).
#[derive(Debug, Clone, Copy)]
pub struct Meta<'a> {
    pub position: i64,
    pub event_id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub stream: &'a str,
}

impl<'a> From<&'a RecordedEvent> for Meta<'a> {
    fn from(e: &'a RecordedEvent) -> Self {
        Meta {
            position: e.position,
            event_id: e.event_id,
            recorded_at: e.recorded_at,
            stream: &e.stream,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Jeugdige {
    pub invoer: Vec<JInvoer>,
    machtiging_namen: Vec<String>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct VzStaat {
    /// Current attributes (latest registration known now).
    pub nu: Option<VzAttr>,
    /// Original event ids of the registrations of this facility.
    registraties: Vec<u128>,
    cap: Vec<u32>,
    open_cap: Vec<FactRef>,
    /// Youths whose derived facts depend on this facility's attributes, except those
    /// still in [`Projection::links`].
    jeugdigen: Vec<u32>,
}

/// A non-youth fact that maps to at most one version (landscape, registration, target).
#[derive(Debug, Clone, Copy)]
enum SingleFact {
    Attr(VzAttr),
    Landschap(Landschap),
    Doel(Doel),
}

#[derive(Debug, Clone, Copy)]
enum SingleRef {
    Attr(FactRef, u32),
    Landschap(FactRef),
    Doel(FactRef),
}

#[derive(Debug, Clone, Copy)]
enum FactLocation {
    Cap(u32),
    Single(Option<SingleRef>),
}

/// Per applied event: what diff and "number of events" need.
#[derive(Debug, Default)]
pub(crate) struct EventLog {
    pub posities: Vec<i64>,
    pub micros: Vec<i64>,
    pub ids: Vec<u128>,
    pub soorten: Vec<u8>,
    pub stromen: Vec<u32>,
}

/// The projection: all facts, every version, keyed for the KPI queries.
#[derive(Debug, Default)]
pub struct Projection {
    pub(crate) positie: i64,
    pub(crate) laatst: i64,
    pub(crate) log: EventLog,

    pub(crate) stromen: Interner,
    pub(crate) vz_namen: Interner,
    pub(crate) aanbieders: Interner,
    pub(crate) gemeenten: Interner,
    pub(crate) regios: Interner,
    pub(crate) landsdelen: Interner,

    /// Stream id → youth id (`GEEN` for other streams); dense, stream ids are dense.
    jeugdige_van_stroom: Vec<u32>,
    pub(crate) jeugdigen: Vec<Jeugdige>,
    pub(crate) vz: Vec<VzStaat>,
    cap_invoer: Vec<CapInvoer>,
    /// Original event id → where its fact lives (non-youth facts only; youth facts are
    /// found in the youth's own stream, where corrections are appended).
    fact_locations: FxMap<u128, FactLocation>,
    /// Correction event id → the original it corrects.
    alias: FxMap<u128, u128>,
    /// (facility, youth) links in the order they were made. A facility's list of
    /// dependent youths is needed only when its registration changes, which is rare after
    /// the landscape is set up; appending here is a write to one sequential list, where a
    /// push onto the facility's own list was a cache miss per placement event. The links
    /// move to the facilities' lists when one of those is read.
    links: Vec<(u32, u32)>,

    /// The youths' facts (placements, episodes, trajectories, authorisations, signals)
    /// and the occupancy log; during [`Projection::concurrently`] they are with the
    /// second stage of the fold, and this is empty.
    pub(crate) jt: JeugdTabellen,
    /// The youths' absences without leave (`pad`); always on the folding thread.
    pub(crate) pad: crate::pad::PadTabellen,
    /// Set during [`Projection::concurrently`]: derived youth facts go here instead of
    /// into `jt`.
    sink: Option<Sink>,
    pub(crate) capaciteit: VersionTable<Capaciteit>,
    /// Per facility its occupancy state per quarter now (for overbezetting in series).
    pub(crate) kwartaalvlaggen: Kwartaalvlaggen,
    pub(crate) attrs: VersionTable<VzAttr>,
    pub(crate) landschap: VersionTable<Landschap>,
    pub(crate) doelen: VersionTable<Doel>,
    /// The request side (`vraag/`).
    pub(crate) vraag: crate::vraag::Vraag,
    /// The restrictive measures (`kwaliteit/`).
    pub(crate) kwaliteit: crate::kwaliteit::Kwaliteit,
    /// Contracts and budgets (`geld/`).
    pub(crate) geld: crate::geld::Geld,

    /// Interned stream of the event being applied (saves hashing it again).
    stroom_nu: u32,
    scratch: Afgeleid,
    scratch_cap: Vec<Capaciteit>,
    /// (event index in the page, stream id and later youth id) found ahead by
    /// `prefetch_ahead`.
    lookahead_ring: [(usize, u32); RING],
}

/// How many events ahead each stage of [`Projection::prefetch_ahead`] is asked for: the
/// stream's slot in the name table, the stream's entry in the stream → youth table, the
/// youth's record, its inputs and handles, the slots of its open versions, and the
/// versions.
pub const LOOKAHEAD: [usize; 6] = [28, 22, 16, 10, 5, 2];

/// Entries of the ring of youths found ahead (more than the longest distance ahead).
const RING: usize = 32;

/// Sizes, for the benchmark's memory report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Sizes {
    pub gebeurtenissen: usize,
    pub jeugdigen: usize,
    pub voorzieningen: usize,
    pub plaatsing_versies: usize,
    pub episode_versies: usize,
    pub traject_versies: usize,
    pub machtiging_versies: usize,
    pub signaal_versies: usize,
    pub capaciteit_versies: usize,
    /// Bytes of one placement version (fact + knowledge interval).
    pub bytes_per_plaatsing_versie: usize,
}

/// Index of an event type in `Gebeurtenis::TYPES` (`GEEN8` if unknown), by a map built
/// once instead of a linear scan of string compares per event.
fn soort_code(soort: &str) -> u8 {
    static CODES: std::sync::OnceLock<FxMap<&'static str, u8>> = std::sync::OnceLock::new();
    CODES
        .get_or_init(|| {
            let mut m = FxMap::default();
            for (i, (t, _)) in Gebeurtenis::TYPES.iter().enumerate() {
                m.entry(*t).or_insert(u8::try_from(i).unwrap_or(GEEN8));
            }
            m
        })
        .get(soort)
        .copied()
        .unwrap_or(GEEN8)
}

impl Projection {
    pub fn new() -> Projection {
        Projection::default()
    }

    /// Builds a projection from events in position order (a two-stage fold, see
    /// [`Projection::concurrently`]); undecodable events are skipped and returned
    /// alongside.
    pub fn rebuild<'a>(
        events: impl IntoIterator<Item = &'a RecordedEvent>,
    ) -> (Projection, Vec<ProjectionError>) {
        let mut p = Projection::new();
        let fouten = p.concurrently(|p| {
            events
                .into_iter()
                .filter_map(|e| p.apply(e).err())
                .collect()
        });
        (p, fouten)
    }

    /// Room for about `events` more events, so that a catch-up of a log of known length
    /// does not grow its largest tables step by step: every doubling copies the table
    /// into fresh memory that the kernel must first clear, which was a fifth of a
    /// rebuild's folding time. It counts one stream per three events (the demo histories
    /// have about one per 3.5); a wrong guess costs memory or a later growth, never a
    /// wrong figure.
    pub fn reserve(&mut self, events: usize) {
        let stromen = events / 3;
        self.log.posities.reserve(events);
        self.log.micros.reserve(events);
        self.log.ids.reserve(events);
        self.log.soorten.reserve(events);
        self.log.stromen.reserve(events);
        self.stromen.reserve(stromen);
        self.jeugdige_van_stroom
            .reserve(stromen.saturating_sub(self.jeugdige_van_stroom.len()));
        self.jeugdigen.reserve(stromen);
        self.jt.reserve(stromen);
        self.links.reserve(events / 2);
    }

    /// Finishes the index work the fold defers (the occupancy log of the series): call
    /// after a batch of events. Figures are the same without it; a series at the current
    /// knowledge time is faster with it.
    pub fn maintain(&mut self) {
        self.jt.maintain();
        self.update_kwartaalvlaggen();
    }

    /// Recomputes the quarter states of the facilities whose log of now or capacity
    /// changed (the log must be up to date: `jt.maintain` first).
    fn update_kwartaalvlaggen(&mut self) {
        if !self.jt.bezetting.bij() {
            return;
        }
        let mut cap: Vec<(u32, i32, i32)> = Vec::new();
        for vz in self.kwartaalvlaggen.neem_gewijzigd(&mut self.jt.bezetting) {
            cap.clear();
            if let Some(st) = self.vz.get(vz as usize) {
                cap.extend(
                    st.open_cap
                        .iter()
                        .filter_map(|&r| self.capaciteit.get(r))
                        .map(|c| (c.voorziening, c.datum, c.delta)),
                );
            }
            cap.sort_unstable_by_key(|c| c.1);
            let t = crate::occupancy::kwartaaltoestand(self.jt.bezetting.van(vz), &cap);
            self.kwartaalvlaggen.zet(vz, t);
        }
    }

    /// Runs `f` (which applies events) as a two-stage fold: this thread derives each
    /// youth's facts and hands them in batches to a second thread, which updates the
    /// youth tables in the same order (see `jeugdtabellen`). The projection ends up
    /// exactly as if `f` had applied the events on one thread, with the occupancy log
    /// brought up to date ([`Projection::maintain`]). For catch-ups of many events.
    /// The youth tables are with the second stage until it returns, so `f` must apply
    /// events only: a query inside `f` would not see the youths' facts. If no thread can
    /// be started, `f` runs on this one alone.
    pub fn concurrently<R, F: FnOnce(&mut Projection) -> R>(&mut self, f: F) -> R {
        self.concurrently_with(BATCH, || None, f).0
    }

    /// [`Projection::concurrently`] with `batch` derivations per hand-over, and `klok`, a
    /// CPU clock of the calling thread in seconds, read by the second stage when it starts
    /// and ends: the second value returned is the CPU time of the second stage.
    pub fn concurrently_with<R, F, K>(&mut self, batch: usize, klok: K, f: F) -> (R, Option<f64>)
    where
        F: FnOnce(&mut Projection) -> R,
        K: Fn() -> Option<f64> + Send,
    {
        if self.sink.is_some() {
            // Called from within `f` of an outer two-stage fold: that one's second stage
            // already takes the derivations.
            return (f(self), None);
        }
        let mut jt = std::mem::take(&mut self.jt);
        type Panic = Box<dyn std::any::Any + Send>;
        let uit = std::thread::scope(|sc| -> Result<Result<(R, Option<f64>), Panic>, F> {
            let (to_tables, van) = std::sync::mpsc::sync_channel::<Batch>(64);
            let (give_back, returned) = std::sync::mpsc::sync_channel::<Batch>(96);
            let tabellen = &mut jt;
            let tweede = match std::thread::Builder::new()
                .name("vouw-tabellen".into())
                .spawn_scoped(sc, move || {
                    let begin = klok();
                    tabellen.with_occupancy_helper(|tabellen| {
                        for mut b in van {
                            b.apply_to(tabellen);
                            // A full return channel only means enough batches are waiting.
                            let _ = give_back.try_send(b);
                        }
                    });
                    tabellen.maintain_on_two_threads();
                    klok().zip(begin).map(|(b, a)| b - a)
                }) {
                Ok(h) => h,
                Err(_) => return Err(f),
            };
            self.sink = Some(Sink::new(to_tables, returned, batch.max(1)));
            // The second stage ends when the sender is dropped, so a panic in `f` must
            // not skip that before the scope waits for the thread.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
            if let Some(mut a) = self.sink.take() {
                a.send();
            }
            let klaar = tweede.join();
            Ok(r.and_then(|r| klaar.map(|cpu| (r, cpu))))
        });
        // The tables come back before a panic of either stage goes on up, so that the
        // projection keeps the events applied before it.
        self.jt = jt;
        // The second stage brought the log up to date (`JeugdTabellen::maintain`).
        self.update_kwartaalvlaggen();
        match uit {
            Ok(Ok(r)) => r,
            Ok(Err(paniek)) => std::panic::resume_unwind(paniek),
            Err(f) => {
                let r = f(self);
                self.maintain();
                (r, None)
            }
        }
    }

    /// Tuning: how many occupancy changes the fold queues before it applies them to the
    /// occupancy log (default 1 Mi, 16 MiB). The log is the same for any value; tests
    /// use small ones so that the hand-over of full queues to a helper thread in a
    /// two-stage fold happens many times.
    pub fn bezetting_queue(&mut self, max: usize) {
        self.jt.bezetting.queue_max = Some(max.max(1));
    }

    /// Last applied position (0 before any event): how fresh the figures are.
    pub fn position(&self) -> i64 {
        self.positie
    }

    /// Recorded time of the last applied event.
    pub fn recorded_until(&self) -> Option<DateTime<Utc>> {
        if self.log.micros.is_empty() {
            return None;
        }
        DateTime::from_timestamp_micros(self.laatst)
    }

    /// Entries of the bitemporal occupancy log (12 bytes each), once it is brought up to
    /// date by `maintain` (apart from `sizes`, which does not depend on that).
    pub fn bezettingslog_entries(&self) -> usize {
        self.jt.bezetting.known_len()
    }

    pub fn sizes(&self) -> Sizes {
        Sizes {
            gebeurtenissen: self.log.posities.len(),
            jeugdigen: self.jeugdigen.len(),
            voorzieningen: self.vz.len(),
            plaatsing_versies: self.jt.plaatsingen.version_count(),
            episode_versies: self.jt.episodes.version_count(),
            traject_versies: self.jt.trajecten.version_count(),
            machtiging_versies: self.jt.machtigingen.version_count(),
            signaal_versies: self.jt.signalen.version_count(),
            capaciteit_versies: self.capaciteit.version_count(),
            bytes_per_plaatsing_versie: size_of::<crate::versions::Version<Plaatsing>>(),
        }
    }

    /// Applies one stored event. Errors are reported, never panics; an event that cannot
    /// be decoded or resolved still advances the position (it is recorded as seen), so a
    /// runner can log it and continue. Events out of position order are refused.
    pub fn apply(&mut self, event: &RecordedEvent) -> Result<(), ProjectionError> {
        self.record(Meta::from(event), &event.event_type)?;
        let g = Gebeurtenis::from_recorded(event).map_err(|bron| ProjectionError::Decode {
            positie: event.position,
            bron,
        })?;
        self.verwerk(Meta::from(event), &g)
    }

    /// Applies an already decoded event (same semantics as [`Projection::apply`]).
    pub fn apply_decoded(
        &mut self,
        meta: Meta<'_>,
        g: &Gebeurtenis,
    ) -> Result<(), ProjectionError> {
        self.record(meta, g.event_type())?;
        self.verwerk(meta, g)
    }

    /// For callers that decode events themselves and could not decode this one: the
    /// event is recorded as seen (the position advances) and the decode error comes
    /// back, as [`Projection::apply`] does.
    pub fn apply_undecodable(
        &mut self,
        meta: Meta<'_>,
        soort: &str,
        bron: kringloop_events::DecodeError,
    ) -> Result<(), ProjectionError> {
        self.record(meta, soort)?;
        Err(ProjectionError::Decode {
            positie: meta.position,
            bron,
        })
    }

    /// Prefetch hints for the events ahead of event `i` of a page (`stream_op(k)`: the
    /// stream of event k, `None` past the end); results are the same with or without
    /// them. A rebuild folds pages of thousands of events and spends about half of its
    /// time waiting for memory: the stream's slot in the name table, the youth's record,
    /// its inputs, the slots of its open versions and those versions. Each is asked for
    /// some events ahead (see [`LOOKAHEAD`]), in stages that use what the stage before
    /// brought into the cache; the stream id and then the youth found for an event are
    /// kept in a small ring so later stages do not look the name up again.
    pub fn prefetch_ahead<'a>(&mut self, i: usize, stream_op: impl Fn(usize) -> Option<&'a str>) {
        let [d_naam, d_stroom, d_jeugdige, d_invoer, d_slots, d_versies] = LOOKAHEAD;
        if i == 0 {
            // A new page: entries of the previous one would name other events.
            self.lookahead_ring = [(usize::MAX, GEEN); RING];
        }
        if let Some(s) = stream_op(i + d_naam) {
            self.stromen.prefetch(s);
        }
        // The stream's id (its name slot is cached by now); its youth is read a few
        // events later, once that entry is cached too.
        if let Some(s) = stream_op(i + d_stroom) {
            let sid = self.stromen.find(s).unwrap_or(GEEN);
            if let Some(x) = self.jeugdige_van_stroom.get(sid as usize) {
                prefetch(x);
            }
            self.lookahead_ring[(i + d_stroom) % RING] = (i + d_stroom, sid);
        }
        let eerder = |ring: &[(usize, u32); RING], d: usize| match ring[(i + d) % RING] {
            (k, x) if k == i + d => Some(x),
            _ => None,
        };
        let sid = eerder(&self.lookahead_ring, d_jeugdige);
        let j = sid
            .and_then(|sid| self.jeugdige_van_stroom.get(sid as usize).copied())
            .unwrap_or(GEEN);
        if let Some(jj) = self.jeugdigen.get(j as usize) {
            prefetch(jj);
        }
        // From here on the ring entry of that event holds its youth instead of its stream.
        if sid.is_some() {
            self.lookahead_ring[(i + d_jeugdige) % RING].1 = j;
        }
        let ring = &self.lookahead_ring;
        if let Some(jj) = eerder(ring, d_invoer).and_then(|j| self.jeugdigen.get(j as usize)) {
            jj.invoer.iter().for_each(prefetch);
        }
        // The youth's open versions, when this thread updates the tables itself (in a
        // two-stage fold the second stage asks for them).
        if self.sink.is_none() {
            for (d, stap) in [(d_jeugdige, 0), (d_invoer, 1), (d_slots, 2), (d_versies, 3)] {
                if let Some(j) = eerder(ring, d) {
                    self.jt.prefetch(j, stap);
                }
            }
        }
    }

    fn record(&mut self, meta: Meta<'_>, soort: &str) -> Result<(), ProjectionError> {
        if meta.position <= self.positie {
            return Err(ProjectionError::Volgorde {
                positie: meta.position,
                vorige: self.positie,
            });
        }
        let m = KnowledgeTime::from(meta.recorded_at).micros();
        if m < self.laatst {
            return Err(ProjectionError::TijdTerug {
                positie: meta.position,
            });
        }
        if u32::try_from(meta.position).is_err() {
            return Err(ProjectionError::PositieTeGroot {
                positie: meta.position,
            });
        }
        self.positie = meta.position;
        self.laatst = m;
        let stroom = self.stromen.id(meta.stream);
        self.stroom_nu = stroom;
        self.log.posities.push(meta.position);
        self.log.micros.push(m);
        self.log.ids.push(meta.event_id.as_u128());
        self.log.soorten.push(soort_code(soort));
        self.log.stromen.push(stroom);
        Ok(())
    }

    fn verwerk(&mut self, meta: Meta<'_>, g: &Gebeurtenis) -> Result<(), ProjectionError> {
        let s = Stamp {
            known_at: KnowledgeTime::from(meta.recorded_at),
            position: u32::try_from(meta.position).unwrap_or(u32::MAX),
        };
        let id = meta.event_id.as_u128();
        match g {
            Gebeurtenis::FeitGecorrigeerd(c) => {
                if matches!(
                    *c.nieuw,
                    Gebeurtenis::FeitGecorrigeerd(_) | Gebeurtenis::FeitIngetrokken(_)
                ) {
                    return Err(ProjectionError::CorrectieAnderSoort {
                        positie: meta.position,
                    });
                }
                let orig = self.resolve(c.vervangt.as_u128());
                self.alias.insert(id, orig);
                self.wijzig(meta, s, orig, Some(&c.nieuw))
            }
            Gebeurtenis::FeitIngetrokken(t) => {
                let orig = self.resolve(t.event_id.as_u128());
                self.alias.insert(id, orig);
                self.wijzig(meta, s, orig, None)
            }
            _ => {
                if self.geld_nieuw(meta, s, id, g) {
                    return Ok(());
                }
                if self.maatregel_nieuw(meta, s, id, g)? {
                    return Ok(());
                }
                if self.vraag_nieuw(meta, s, id, g)? {
                    return Ok(());
                }
                if let Some(f) = self.jeugd_feit(meta, g)? {
                    let j = self.jeugdige();
                    self.attach(j, &f);
                    if let Some(jj) = self.jeugdigen.get_mut(j as usize) {
                        jj.invoer.push(JInvoer {
                            id,
                            pos: s.position,
                            actief: true,
                            feit: f,
                        });
                    }
                    self.recompute_jeugdige(j, s);
                    return Ok(());
                }
                if let Some(c) = self.cap_inhoud(g) {
                    let i = u32::try_from(self.cap_invoer.len()).unwrap_or(u32::MAX);
                    let raakt = c.voorzieningen();
                    self.cap_invoer.push(CapInvoer {
                        pos: s.position,
                        actief: true,
                        inhoud: c,
                    });
                    self.fact_locations.insert(id, FactLocation::Cap(i));
                    for vz in raakt.into_iter().filter(|&v| v != GEEN) {
                        self.vz_staat(vz).cap.push(i);
                        self.recompute_capaciteit(vz, s);
                    }
                    return Ok(());
                }
                let single = self.single_fact(g, s.position);
                let r = single.map(|f| self.open_single(f, s, id));
                self.fact_locations.insert(id, FactLocation::Single(r));
                if let Some(SingleRef::Attr(_, vz)) = r {
                    self.recompute_attr(vz, s);
                }
                Ok(())
            }
        }
    }

    fn resolve(&self, mut id: u128) -> u128 {
        // Chains are short (a correction of a correction); the bound guards against cycles.
        for _ in 0..64 {
            match self.alias.get(&id) {
                Some(&o) => id = o,
                None => break,
            }
        }
        id
    }

    /// Applies a correction (`nieuw = Some`) or retraction (`None`) of original `orig`.
    fn wijzig(
        &mut self,
        meta: Meta<'_>,
        s: Stamp,
        orig: u128,
        nieuw: Option<&Gebeurtenis>,
    ) -> Result<(), ProjectionError> {
        let onbekend = || ProjectionError::OnbekendFeit {
            positie: meta.position,
            event_id: Uuid::from_u128(orig),
        };
        let ander = || ProjectionError::CorrectieAnderSoort {
            positie: meta.position,
        };
        let soort = if nieuw.is_some() {
            "FeitGecorrigeerd"
        } else {
            "FeitIngetrokken"
        };
        if let Some(r) = self.geld_wijzig(meta, s, orig, nieuw, soort) {
            return r;
        }
        if pseudoniem_van_stream(meta.stream).is_some() {
            if self.maatregel_wijzig(meta, s, orig, nieuw)? {
                return Ok(());
            }
            if self.vraag_wijzig(meta, s, orig, nieuw)? {
                return Ok(());
            }
            let j = self.jeugdige();
            let nieuw_feit = match nieuw {
                Some(g) => Some(self.jeugd_feit(meta, g)?.ok_or_else(ander)?),
                None => None,
            };
            if let Some(f) = &nieuw_feit {
                self.attach(j, f);
            }
            let jj = self.jeugdigen.get_mut(j as usize).ok_or_else(onbekend)?;
            let inv = jj
                .invoer
                .iter_mut()
                .find(|i| i.id == orig)
                .ok_or_else(onbekend)?;
            match nieuw_feit {
                Some(f) => inv.feit = f,
                None => inv.actief = false,
            }
            self.recompute_jeugdige(j, s);
            return Ok(());
        }
        match self
            .fact_locations
            .get(&orig)
            .copied()
            .ok_or_else(onbekend)?
        {
            FactLocation::Cap(i) => {
                let nieuwe = match nieuw {
                    Some(g) => Some(self.cap_inhoud(g).ok_or_else(ander)?),
                    None => None,
                };
                let inv = self.cap_invoer.get_mut(i as usize).ok_or_else(onbekend)?;
                let mut raakt: Vec<u32> = inv.inhoud.voorzieningen().to_vec();
                match nieuwe {
                    Some(c) => {
                        raakt.extend(c.voorzieningen());
                        inv.inhoud = c;
                    }
                    None => inv.actief = false,
                }
                raakt.retain(|&v| v != GEEN);
                raakt.sort_unstable();
                raakt.dedup();
                for vz in raakt {
                    let st = self.vz_staat(vz);
                    if !st.cap.contains(&i) {
                        st.cap.push(i);
                    }
                    self.recompute_capaciteit(vz, s);
                }
                Ok(())
            }
            FactLocation::Single(r) => {
                let nieuwe = match nieuw {
                    Some(g) => {
                        let orde = match r {
                            Some(SingleRef::Attr(fr, _)) => self.attrs.get(fr).map(|a| a.orde),
                            Some(SingleRef::Landschap(fr)) => {
                                self.landschap.get(fr).map(|a| a.orde)
                            }
                            Some(SingleRef::Doel(fr)) => self.doelen.get(fr).map(|a| a.orde),
                            None => None,
                        };
                        Some(
                            self.single_fact(g, orde.unwrap_or(s.position))
                                .ok_or_else(ander)?,
                        )
                    }
                    None => None,
                };
                let mut raakt = Vec::new();
                match r {
                    Some(SingleRef::Attr(fr, vz)) => {
                        self.attrs.close(fr, s);
                        raakt.push(vz);
                    }
                    Some(SingleRef::Landschap(fr)) => self.landschap.close(fr, s),
                    Some(SingleRef::Doel(fr)) => self.doelen.close(fr, s),
                    None => {}
                }
                let nr = nieuwe.map(|f| self.open_single(f, s, orig));
                if let Some(SingleRef::Attr(_, vz)) = nr {
                    raakt.push(vz);
                }
                self.fact_locations.insert(orig, FactLocation::Single(nr));
                raakt.sort_unstable();
                raakt.dedup();
                for vz in raakt {
                    self.recompute_attr(vz, s);
                }
                Ok(())
            }
        }
    }

    /// The youth of the stream of the event being applied.
    pub(crate) fn jeugdige(&mut self) -> u32 {
        let sid = self.stroom_nu;
        if let Some(&j) = self.jeugdige_van_stroom.get(sid as usize)
            && j != GEEN
        {
            return j;
        }
        let j = u32::try_from(self.jeugdigen.len()).unwrap_or(GEEN);
        self.jeugdigen.push(Jeugdige::default());
        if self.jeugdige_van_stroom.len() <= sid as usize {
            self.jeugdige_van_stroom.resize(sid as usize + 1, GEEN);
        }
        self.jeugdige_van_stroom[sid as usize] = j;
        j
    }

    fn vz_staat(&mut self, vz: u32) -> &mut VzStaat {
        let i = vz as usize;
        if self.vz.len() <= i {
            self.vz.resize_with(i + 1, VzStaat::default);
        }
        &mut self.vz[i]
    }

    /// Records that youth `j` depends on the facilities `f` refers to.
    fn attach(&mut self, j: u32, f: &JFeit) {
        for vz in f.voorzieningen().into_iter().filter(|&v| v != GEEN) {
            let eerder = self.jeugdigen.get(j as usize).is_some_and(|jj| {
                jj.invoer
                    .iter()
                    .any(|i| i.feit.voorzieningen().contains(&vz))
            });
            // The youth's own inputs tell whether it was linked before (every input passes
            // through here before it is stored), so each link is recorded once.
            if !eerder {
                self.links.push((vz, j));
            }
        }
    }

    /// Youths linked to facility `vz` (after moving the links made since last time to
    /// their facilities' lists).
    fn afhankelijk_van(&mut self, vz: u32) -> Vec<u32> {
        let mut links = std::mem::take(&mut self.links);
        for &(v, j) in &links {
            self.vz_staat(v).jeugdigen.push(j);
        }
        links.clear();
        // The emptied list keeps its memory for the links still to come.
        self.links = links;
        self.vz
            .get(vz as usize)
            .map(|st| st.jeugdigen.clone())
            .unwrap_or_default()
    }

    /// A youth fact (needs a youth stream), `None` if `g` is not about a youth.
    fn jeugd_feit(
        &mut self,
        meta: Meta<'_>,
        g: &Gebeurtenis,
    ) -> Result<Option<JFeit>, ProjectionError> {
        let is_jeugd = matches!(
            g,
            Gebeurtenis::JeugdigeGeregistreerd(_)
                | Gebeurtenis::WoongemeenteGewijzigd(_)
                | Gebeurtenis::MachtigingAfgegeven(_)
                | Gebeurtenis::MachtigingBeeindigd(_)
                | Gebeurtenis::PlaatsingGestart(_)
                | Gebeurtenis::Doorgeplaatst(_)
                | Gebeurtenis::PlaatsingBeeindigd(_)
                | Gebeurtenis::JeugdigeOnttrokken(_)
                | Gebeurtenis::JeugdigeTeruggekeerd(_)
        );
        if !is_jeugd {
            return Ok(None);
        }
        if pseudoniem_van_stream(meta.stream).is_none() {
            return Err(ProjectionError::VerkeerdeStroom {
                positie: meta.position,
                stroom: meta.stream.to_owned(),
                soort: g.event_type(),
            });
        }
        let j = self.jeugdige();
        let sleutel = |naam: &str, p: &mut Projection| -> u32 {
            let namen = match p.jeugdigen.get_mut(j as usize) {
                Some(jj) => &mut jj.machtiging_namen,
                None => return GEEN,
            };
            match namen.iter().position(|n| n == naam) {
                Some(i) => i as u32,
                None => {
                    namen.push(naam.to_owned());
                    (namen.len() - 1) as u32
                }
            }
        };
        Ok(Some(match g {
            Gebeurtenis::JeugdigeGeregistreerd(e) => JFeit::Woon {
                gemeente: self.gemeenten.id(&e.woongemeente),
                datum: dag(e.datum),
            },
            Gebeurtenis::WoongemeenteGewijzigd(e) => JFeit::Woon {
                gemeente: self.gemeenten.id(&e.woongemeente),
                datum: dag(e.datum),
            },
            Gebeurtenis::MachtigingAfgegeven(e) => JFeit::Machtiging {
                sleutel: sleutel(&e.machtiging, self),
                soort: machtiging_code(e.soort),
                van: dag(e.geldig_van),
                tot: dag(e.geldig_tot).saturating_add(1),
            },
            Gebeurtenis::MachtigingBeeindigd(e) => JFeit::MachtigingEind {
                sleutel: sleutel(&e.machtiging, self),
                datum: dag(e.datum),
            },
            Gebeurtenis::PlaatsingGestart(e) => JFeit::Start {
                vz: self.vz_id(&e.voorziening),
                datum: dag(e.datum),
                spoed: e.spoed,
                crisis: e.crisis,
            },
            Gebeurtenis::Doorgeplaatst(e) => JFeit::Door {
                van: self.vz_id(&e.van),
                naar: self.vz_id(&e.naar),
                datum: dag(e.datum),
            },
            Gebeurtenis::PlaatsingBeeindigd(e) => JFeit::Eind {
                vz: e.voorziening.as_deref().map_or(GEEN, |v| self.vz_id(v)),
                datum: dag(e.datum),
                bestemming: bestemming_code(e.bestemming),
            },
            Gebeurtenis::JeugdigeOnttrokken(e) => JFeit::Onttrokken {
                vz: e.voorziening.as_deref().map_or(GEEN, |v| self.vz_id(v)),
                datum: dag(e.datum),
            },
            Gebeurtenis::JeugdigeTeruggekeerd(e) => JFeit::Teruggekeerd {
                datum: dag(e.datum),
            },
            _ => return Ok(None),
        }))
    }

    pub(crate) fn vz_id(&mut self, naam: &str) -> u32 {
        let id = self.vz_namen.id(naam);
        self.vz_staat(id);
        id
    }

    fn cap_inhoud(&mut self, g: &Gebeurtenis) -> Option<CapInhoud> {
        Some(match g {
            Gebeurtenis::PlaatsenGeopend(e) => CapInhoud {
                soort: CapSoort::Geopend,
                van: self.vz_id(&e.voorziening),
                naar: GEEN,
                datum: dag(e.datum),
                aantal_uit: 0,
                aantal_in: e.aantal,
            },
            Gebeurtenis::PlaatsenGesloten(e) => CapInhoud {
                soort: CapSoort::Gesloten,
                van: self.vz_id(&e.voorziening),
                naar: GEEN,
                datum: dag(e.datum),
                aantal_uit: e.aantal,
                aantal_in: 0,
            },
            Gebeurtenis::PlaatsenOmgebouwd(e) => CapInhoud {
                soort: CapSoort::Omgebouwd,
                van: self.vz_id(&e.van),
                naar: self.vz_id(&e.naar),
                datum: dag(e.datum),
                aantal_uit: e.aantal_uit,
                aantal_in: e.aantal_in,
            },
            Gebeurtenis::VoorzieningGesloten(e) => CapInhoud {
                soort: CapSoort::Opgeheven,
                van: self.vz_id(&e.voorziening),
                naar: GEEN,
                datum: dag(e.datum),
                aantal_uit: 0,
                aantal_in: 0,
            },
            _ => return None,
        })
    }

    fn single_fact(&mut self, g: &Gebeurtenis, orde: u32) -> Option<SingleFact> {
        Some(match g {
            Gebeurtenis::VoorzieningGeregistreerd(e) => SingleFact::Attr(VzAttr {
                voorziening: self.vz_id(&e.id),
                aanbieder: self.aanbieders.id(&e.aanbieder),
                gemeente: self.gemeenten.id(&e.gemeente),
                vorm: vorm_code(e.vorm),
                regime: regime_code(e.regime),
                orde,
            }),
            Gebeurtenis::GemeenteGeregistreerd(e) => SingleFact::Landschap(Landschap {
                soort: landschap::GEMEENTE,
                code: self.gemeenten.id(&e.code),
                ouder: self.regios.id(&e.jeugdregio),
                orde,
            }),
            Gebeurtenis::JeugdregioGeregistreerd(e) => SingleFact::Landschap(Landschap {
                soort: landschap::REGIO,
                code: self.regios.id(&e.code),
                ouder: self.landsdelen.id(&e.landsdeel),
                orde,
            }),
            Gebeurtenis::LandsdeelGeregistreerd(e) => {
                self.landsdelen.id(&e.code);
                return None;
            }
            Gebeurtenis::AanbiederGeregistreerd(e) => {
                self.aanbieders.id(&e.id);
                return None;
            }
            Gebeurtenis::CapaciteitsdoelVastgesteld(e) => {
                let (scope_soort, sc) = match &e.scope {
                    DoelScope::Landelijk => (scope::LANDELIJK, GEEN),
                    DoelScope::Landsdeel(c) => (scope::LANDSDEEL, self.landsdelen.id(c)),
                    DoelScope::Jeugdregio(c) => (scope::JEUGDREGIO, self.regios.id(c)),
                    DoelScope::Aanbieder(c) => (scope::AANBIEDER, self.aanbieders.id(c)),
                };
                SingleFact::Doel(Doel {
                    scope_soort,
                    scope: sc,
                    regime: e.regime.map_or(GEEN8, regime_code),
                    vorm: e.vorm.map_or(GEEN8, vorm_code),
                    datum: dag(e.datum),
                    plaatsen: e.plaatsen,
                    orde,
                })
            }
            _ => return None,
        })
    }

    fn open_single(&mut self, f: SingleFact, s: Stamp, id: u128) -> SingleRef {
        match f {
            SingleFact::Attr(a) => {
                let r = self.attrs.open(a, s);
                let st = self.vz_staat(a.voorziening);
                if !st.registraties.contains(&id) {
                    st.registraties.push(id);
                }
                SingleRef::Attr(r, a.voorziening)
            }
            SingleFact::Landschap(l) => SingleRef::Landschap(self.landschap.open(l, s)),
            SingleFact::Doel(d) => SingleRef::Doel(self.doelen.open(d, s)),
        }
    }

    /// Recomputes a facility's current attributes; when they change, every youth that
    /// depends on them is re-derived (its closed-stay signals and CBS keys may change).
    fn recompute_attr(&mut self, vz: u32, s: Stamp) {
        let ids = self
            .vz
            .get(vz as usize)
            .map(|st| st.registraties.clone())
            .unwrap_or_default();
        let nu = ids
            .iter()
            .filter_map(|id| match self.fact_locations.get(id) {
                Some(FactLocation::Single(Some(SingleRef::Attr(fr, v)))) if *v == vz => {
                    self.attrs.get(*fr).copied()
                }
                _ => None,
            })
            .max_by_key(|a| a.orde);
        let st = self.vz_staat(vz);
        if st.nu == nu {
            return;
        }
        st.nu = nu;
        for j in self.afhankelijk_van(vz) {
            self.recompute_jeugdige(j, s);
        }
    }

    fn recompute_jeugdige(&mut self, j: u32, s: Stamp) {
        let Some(jj) = self.jeugdigen.get(j as usize) else {
            return;
        };
        let vz = &self.vz;
        leid_jeugdige_af(
            j,
            &jj.invoer,
            |v| vz.get(v as usize).and_then(|st| st.nu),
            &mut self.scratch,
        );
        self.pad.sync(j, &self.scratch.onttrekkingen, s);
        let f = self.scratch.feiten.feiten();
        match &mut self.sink {
            Some(a) => a.push(j, s, f),
            None => self.jt.sync(j, f, s),
        }
    }

    fn recompute_capaciteit(&mut self, vz: u32, s: Stamp) {
        let Some(st) = self.vz.get_mut(vz as usize) else {
            return;
        };
        let inv = &self.cap_invoer;
        leid_capaciteit_af(
            vz,
            st.cap.iter().filter_map(|&i| inv.get(i as usize)),
            &mut self.scratch_cap,
        );
        self.capaciteit.sync(&mut st.open_cap, &self.scratch_cap, s);
        self.kwartaalvlaggen.capaciteit_gewijzigd(vz);
    }

    // ------------------------------------------------------------ lookups for queries

    /// The pseudonym of every youth (by youth id), from its stream's name.
    pub(crate) fn pseudoniemen(&self) -> Vec<Option<&str>> {
        let mut uit = vec![None; self.jeugdigen.len()];
        for (sid, &j) in self.jeugdige_van_stroom.iter().enumerate() {
            if let Some(slot) = uit.get_mut(j as usize) {
                *slot = u32::try_from(sid)
                    .ok()
                    .and_then(|s| self.stromen.naam(s))
                    .and_then(pseudoniem_van_stream);
            }
        }
        uit
    }

    /// Number of applied events recorded at or before `known_at`, and the last such
    /// position.
    pub(crate) fn prefix(&self, known_at: KnowledgeTime) -> (u64, i64) {
        let n = self.log.micros.partition_point(|&m| m <= known_at.micros());
        let pos = if n == 0 { 0 } else { self.log.posities[n - 1] };
        (n as u64, pos)
    }
}
