//! Domain rules: pure functions that decide whether a proposed fact may be recorded.
//!
//! [`DomainState`] is the current state of the world, folded from recorded events with
//! [`DomainState::apply`]; [`DomainState::check`] judges a proposed fact against it.
//! A fact that is malformed or impossible is rejected with an [`Afwijzing`] (a stable
//! [`AfwijzingCode`] and a Dutch message); a fact that breaks a policy or legal norm is
//! accepted with [`Signaal`]s attached (DOMAIN.md, "Facts and signals").
//!
//! # Semantics (shared with the projections)
//! - A placement runs from its start date (inclusive) to its end date (exclusive).
//!   `PlaatsingBeeindigd.datum` is the first day the youth is no longer there; a
//!   `Doorgeplaatst` on t ends the placement in `van` at t and starts one in `naar` at t.
//!   `MachtigingAfgegeven.geldig_tot` is the last valid day; `MachtigingBeeindigd.datum`
//!   the first day no longer valid.
//! - Per youth the *effective* facts (after corrections and retractions, keyed by the id
//!   of the original event) are folded in valid time by [`leid_af`]; a proposed fact is
//!   checked against the intervals that fold yields, never against "the last event".
//! - A correction keeps the position of the original it replaces (for ordering ties).
//! - Capacity of a facility on d: the sum of its opened/closed/converted places with date
//!   ≤ d; 0 from the day it closes. Occupancy on d: the youths with a placement active on d.
//! - History is history: `apply` never fails. A rule recorded history already breaks is not
//!   held against a new fact; only violations a proposed fact *adds* reject it.
//!
//! # Rules (rejections, [`AfwijzingCode`])
//! | fact | rejected when | code |
//! |---|---|---|
//! | any (checked first, [`input`]) | a string or the stream name holds a BSN ([`crate::bsn`]); is longer than its limit (stream 128, identifier 64, name 200, free text 2,000 bytes); holds NUL or a control character (free text: tab and line breaks allowed) | `BSN_VERBODEN`, `TE_LANG`, `ONGELDIG_TEKEN` |
//! | any | its stream is not its natural stream (youth facts: a `jeugdige-…` stream) | `VERKEERDE_STROOM` |
//! | landsdeel/regio/gemeente/aanbieder/voorziening/jeugdige registered | key already registered; key empty | `AL_GEREGISTREERD`, `ONGELDIGE_SLEUTEL` |
//! | jeugdregio / gemeente / voorziening | landsdeel / jeugdregio / aanbieder unknown | `ONBEKEND_LANDSDEEL`, `ONBEKENDE_JEUGDREGIO`, `ONBEKENDE_AANBIEDER` |
//! | any gemeente code | not `GM` + 4 digits (well-formed but unknown: signal) | `ONGELDIGE_GEMEENTECODE` |
//! | jeugdige | pseudonym empty, with spaces, or 8–9 digits (a BSN that fails the elfproef; one that passes is `BSN_VERBODEN`); registration year − birth year outside 0..=24 | `ONGELDIG_PSEUDONIEM`, `GEBOORTEJAAR_BUITEN_BEREIK` |
//! | youth facts | youth not registered | `ONBEKENDE_JEUGDIGE` |
//! | opbouw/afbouw/ombouw | count 0; facility unknown, registered later, closed before that date (the closing date itself is allowed); ombouw to itself | `ONGELDIG_AANTAL`, `ONBEKENDE_VOORZIENING`, `VOORZIENING_NOG_NIET_GEREGISTREERD`, `VOORZIENING_GESLOTEN`, `ZELFDE_VOORZIENING` |
//! | afbouw/ombouw (and corrections/retractions of capacity) | capacity would become negative on that or any later date (and lower than it already was) | `TE_VEEL_PLAATSEN_GESLOTEN` |
//! | voorziening gesloten | facility unknown / not yet registered; already closed; placements starting on/after, or capacity changes after, the closing date | `ONBEKENDE_VOORZIENING`, `VOORZIENING_NOG_NIET_GEREGISTREERD`, `VOORZIENING_AL_GESLOTEN`, `FEITEN_NA_SLUITING` |
//! | plaatsing / doorplaatsing (`naar`) | facility unknown, registered later, or closed on that date (closing date included) | as above |
//! | plaatsing / doorplaatsing | youth already placed on that date (residential; or ambulant in the same facility) | `AL_GEPLAATST` |
//! | doorplaatsing / einde | youth not placed (in `van` / the named facility / residentially for `None`) on that date | `NIET_GEPLAATST` |
//! | doorplaatsing / einde | on or before the start of the placement it would end (0-day placements are rejected) | `EINDE_VOOR_START` |
//! | doorplaatsing | `van` = `naar` | `ZELFDE_VOORZIENING` |
//! | machtiging afgegeven | `geldig_tot` < `geldig_van`; same machtiging id twice | `GELDIG_TOT_VOOR_GELDIG_VAN`, `MACHTIGING_AL_AFGEGEVEN` |
//! | machtiging beëindigd | unknown machtiging; before `geldig_van` (on it is allowed); ended twice | `ONBEKENDE_MACHTIGING`, `EINDE_VOOR_START`, `MACHTIGING_AL_BEEINDIGD` |
//! | correctie | no reason; `nieuw` is a correction/retraction or `vervangt` a retraction; unknown event; other stream; original retracted; other event type; the new content breaks a rule as if it replaced the original | `REDEN_ONTBREEKT`, `ONGELDIGE_CORRECTIE`, `ONBEKEND_FEIT`, `VERKEERDE_STROOM`, `FEIT_INGETROKKEN`, `ANDER_GEBEURTENISTYPE`, … |
//! | intrekking | no reason; unknown event; a correction or retraction; other stream; already retracted; other facts depend on it (an end on its start, a facility with facts, a provider with facilities, …) | `REDEN_ONTBREEKT`, `ONBEKEND_FEIT`, `ALLEEN_ORIGINEEL_INTREKKEN`, `VERKEERDE_STROOM`, `FEIT_INGETROKKEN`, `AFHANKELIJKE_FEITEN` |
//! | plaatsingsverzoek ingediend | `verzoek` id already used for this youth (the first recorded is the request) or empty; jeugdregio not registered (only when jeugdregio's are registered at all) | `VERZOEK_AL_INGEDIEND`, `ONGELDIGE_SLEUTEL`, `ONBEKENDE_JEUGDREGIO` |
//! | aanmelding, aanbod, weigering, intrekking, plaatsing/doorplaatsing naming a `verzoek` | the youth has no such request; dated before the request; dated after its closure (the fulfilling placement's or withdrawal's date; facts *on* that date are taken before it), or a second closure (fulfilling a withdrawn request, withdrawing a fulfilled one, fulfilling twice) | `ONBEKEND_VERZOEK`, `VOOR_VERZOEKDATUM`, `VERZOEK_AFGESLOTEN` |
//! | aanmelding | aanbieder unknown; `voorziening` unknown or of another aanbieder | `ONBEKENDE_AANBIEDER`, `ONBEKENDE_VOORZIENING`, `VOORZIENING_VAN_ANDERE_AANBIEDER` |
//! | aanbod / weigering | facility unknown (aanbod); the request was not registered with the provider (of the offered facility) on or before that date | `ONBEKENDE_VOORZIENING`, `NIET_AANGEMELD` |
//! | onttrekking | no residential placement runs on that date (in the derived placement intervals), or `voorziening` is not the running one | `ONTTREKKING_ZONDER_PLAATSING` |
//! | onttrekking / terugkeer | an absence is already open on that date / no absence is open (the return is the first day back: on the absence's own start date it finds none) | `AL_ONTTROKKEN`, `NIET_ONTTROKKEN` |
//! | any youth fact | it breaks an earlier recorded fact (e.g. an earlier end orphans a recorded end; a withdrawal dated before a recorded registration) | `AFHANKELIJKE_FEITEN` (`AL_GEPLAATST`, `AL_ONTTROKKEN` for overlaps) |
//!
//! # Signals (accepted, flagged, [`Signaal`])
//! `OVERBEZETTING` (placement, doorplaatsing, afbouw or ombouw leaves more youths than
//! places on that date), `GESLOTEN_ZONDER_MACHTIGING` (placement or doorplaatsing into a
//! GESLOTEN facility without an MGJ or spoedmachtiging valid that day),
//! `SPOEDMACHTIGING_TE_LANG` (> 28 days, both ends counted), `MGJ_TE_LANG` (> 1 year),
//! `DOORPLAATSING` (every doorplaatsing; carries `tegen_wens_jeugdige`/`_aanbieder`),
//! `VOORZIENING_GESLOTEN_MET_LOPENDE_PLAATSINGEN`, `ONBEKENDE_GEMEENTE` (well-formed code
//! not registered, only when any gemeente is registered), `EINDE_ONTBREEKT` (a late
//! placement before a later one of the same youth, without an end: it counts until the
//! later start), `NIET_PASSEND_GEPLAATST` (a placement or doorplaatsing fulfils a request
//! in a facility whose form or regime differs from the needed ones, bridging places
//! included), `WACHTTIJD_OVERSCHREDEN` (a request fulfilled or withdrawn more than its
//! norm after its date: spoed 7 days, regulier [`Normen`], default 42;
//! [`DomainState::with_normen`]), `TERUGKEER_ONTBREEKT` (a late absence before a later
//! one of the same youth, without a return: it counts until the later one starts).
//! A signal is given by the change that brings it about: a correction of a request's date
//! or needed form can signal an existing fulfilment.
//!
//! The need side's semantics (requests open on `datum <= d < closure`, absences from the
//! absence to the return) are in [`vraag`].
//!
//! # Cost
//! `apply` is O(log n) for landscape facts; for a youth fact it re-folds that one youth
//! (O(k log k) for a youth with k facts) and moves its intervals in the occupancy maps.
//! `check` looks at one youth and one or two facilities; for a youth with need-side facts
//! it also folds those twice (before and after the change), O(k log k).

mod afleiding;
mod afwijzing;
mod check;
pub mod input;
mod signaal;
#[cfg(test)]
mod tests;
pub mod vraag;

pub use afleiding::{
    Afleiding, Machtiging, Plaatsing, Schending, SchendingSoort, is_plaatsingsfeit, leid_af,
    volgorde,
};
pub use afwijzing::{Afwijzing, AfwijzingCode};
pub use check::{MAX_LEEFTIJD_BIJ_REGISTRATIE, SPOEDMACHTIGING_MAX_DAGEN};
pub use input::{MAX_KEY, MAX_NAME, MAX_STREAM, MAX_TEXT, check_input};
pub use signaal::Signaal;
pub use vraag::{Normen, REGULIER_NORM_DAGEN, SPOED_NORM_DAGEN};

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::catalogue::{Gebeurtenis, VoorzieningGeregistreerd, jeugdige_stream};
use crate::envelope::RecordedEvent;
use crate::types::Vorm;

/// A date as a Dutch registrar writes it: 20-02-2024.
pub(crate) fn datum(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// Whether `code` is a CBS gemeente code: `GM` followed by 4 digits.
pub fn is_gemeentecode(code: &str) -> bool {
    code.len() == 6 && code.starts_with("GM") && code.bytes().skip(2).all(|b| b.is_ascii_digit())
}

#[derive(Debug, Clone)]
enum Soort {
    /// An original fact with its effective content; `None` once retracted.
    Origineel {
        inhoud: Option<Gebeurtenis>,
    },
    Correctie {
        origineel: Uuid,
    },
    Intrekking {
        origineel: Uuid,
    },
}

#[derive(Debug, Clone)]
struct Feit {
    stream: Arc<str>,
    event_type: &'static str,
    positie: i64,
    soort: Soort,
}

#[derive(Debug, Clone, Default)]
struct VoorzieningState {
    /// The effective `VoorzieningGeregistreerd`.
    registratie: Option<Uuid>,
    /// Capacity deltas by date (opened +, closed −, converted out −, converted in +).
    capaciteit: BTreeMap<NaiveDate, i64>,
    /// Effective capacity and closure facts that refer to this facility.
    feiten: BTreeSet<Uuid>,
    /// Effective closures (normally at most one).
    sluitingen: BTreeSet<(NaiveDate, Uuid)>,
    /// Occupancy deltas by date (+1 at a start, −1 at an end).
    bezetting: BTreeMap<NaiveDate, i64>,
    /// Placement starts by date.
    starts: BTreeMap<NaiveDate, i64>,
}

impl VoorzieningState {
    fn sluitingsdatum(&self) -> Option<NaiveDate> {
        self.sluitingen.first().map(|(d, _)| *d)
    }
}

#[derive(Debug, Clone, Default)]
struct JeugdigeState {
    registratie: Option<Uuid>,
    /// Effective facts other than the registration.
    feiten: BTreeSet<Uuid>,
    afleiding: Afleiding,
    /// A [`crate::JeugdigeGewist`] was recorded: no fact about this youth is accepted any more.
    gewist: bool,
}

fn shift(map: &mut BTreeMap<NaiveDate, i64>, d: NaiveDate, delta: i64) {
    let v = map.entry(d).or_insert(0);
    *v += delta;
    if *v == 0 {
        map.remove(&d);
    }
}

fn prefix(map: &BTreeMap<NaiveDate, i64>, d: NaiveDate) -> i64 {
    map.range(..=d).map(|(_, v)| v).sum()
}

/// The capacity changes a fact makes: (facility, date, delta).
pub(crate) fn capaciteitseffecten(feit: &Gebeurtenis) -> Vec<(&str, NaiveDate, i64)> {
    match feit {
        Gebeurtenis::PlaatsenGeopend(e) => vec![(&e.voorziening, e.datum, i64::from(e.aantal))],
        Gebeurtenis::PlaatsenGesloten(e) => {
            vec![(&e.voorziening, e.datum, -i64::from(e.aantal))]
        }
        Gebeurtenis::PlaatsenOmgebouwd(e) => vec![
            (&e.van, e.datum, -i64::from(e.aantal_uit)),
            (&e.naar, e.datum, i64::from(e.aantal_in)),
        ],
        _ => Vec::new(),
    }
}

/// One youth as the retention period sees it ([`DomainState::bewaarstanden`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bewaarstand<'a> {
    /// The youth's stream.
    pub stream: &'a str,
    /// A placement runs (no end recorded).
    pub lopend: bool,
    /// The end of the last placement (first day no longer there), or the registration
    /// date when the youth was never placed.
    pub einde: NaiveDate,
}

/// Current state of the world, folded from recorded events, against which a proposed fact
/// is checked.
#[derive(Debug, Default, Clone)]
pub struct DomainState {
    feiten: HashMap<Uuid, Feit>,
    streams: HashSet<Arc<str>>,
    landsdelen: HashMap<String, Uuid>,
    jeugdregios: HashMap<String, Uuid>,
    gemeenten: HashMap<String, Uuid>,
    aanbieders: HashMap<String, Uuid>,
    voorzieningen: HashMap<String, VoorzieningState>,
    jeugdigen: HashMap<Arc<str>, JeugdigeState>,
    last_position: i64,
    /// The waiting-time norms of the need side (`WACHTTIJD_OVERSCHREDEN`).
    normen: Normen,
}

impl DomainState {
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds one recorded event (already decoded). Never fails or panics: history is
    /// history, even if it broke a rule. Applying the same event id twice is a no-op.
    pub fn apply(&mut self, event: &RecordedEvent, fact: &Gebeurtenis) {
        if self.feiten.contains_key(&event.event_id) {
            return;
        }
        self.last_position = self.last_position.max(event.position);
        let stream = self.intern(&event.stream);
        let soort = match fact {
            Gebeurtenis::FeitGecorrigeerd(c) => {
                let origineel = self.origineel_van(c.vervangt).unwrap_or(c.vervangt);
                self.vervang(origineel, Some(&c.nieuw));
                Soort::Correctie { origineel }
            }
            Gebeurtenis::FeitIngetrokken(i) => {
                if matches!(
                    self.feiten.get(&i.event_id).map(|f| &f.soort),
                    Some(Soort::Origineel { .. })
                ) {
                    self.vervang(i.event_id, None);
                }
                Soort::Intrekking {
                    origineel: i.event_id,
                }
            }
            other => {
                self.feiten.insert(
                    event.event_id,
                    Feit {
                        stream: stream.clone(),
                        event_type: other.event_type(),
                        positie: event.position,
                        soort: Soort::Origineel {
                            inhoud: Some(other.clone()),
                        },
                    },
                );
                if self.effect(event.event_id, &stream, other, 1) {
                    self.refold(&stream);
                }
                return;
            }
        };
        self.feiten.insert(
            event.event_id,
            Feit {
                stream,
                event_type: fact.event_type(),
                positie: event.position,
                soort,
            },
        );
    }

    /// Replaces (or with `None` withdraws) the effective content of an original fact.
    fn vervang(&mut self, origineel: Uuid, nieuw: Option<&Gebeurtenis>) {
        let Some(feit) = self.feiten.get(&origineel) else {
            return;
        };
        let Soort::Origineel { inhoud: Some(oud) } = &feit.soort else {
            return;
        };
        if let Some(n) = nieuw
            && (n.event_type() != oud.event_type()
                || matches!(
                    n,
                    Gebeurtenis::FeitGecorrigeerd(_) | Gebeurtenis::FeitIngetrokken(_)
                ))
        {
            return;
        }
        let oud = oud.clone();
        let stream = feit.stream.clone();
        let mut refold = self.effect(origineel, &stream, &oud, -1);
        if let Some(n) = nieuw {
            refold |= self.effect(origineel, &stream, n, 1);
        }
        if let Some(Feit {
            soort: Soort::Origineel { inhoud },
            ..
        }) = self.feiten.get_mut(&origineel)
        {
            *inhoud = nieuw.cloned();
        }
        if refold {
            self.refold(&stream);
        }
    }

    /// Adds (`sign` = 1) or removes (−1) what an original fact contributes to the state.
    /// Returns whether the youth of `stream` must be re-folded.
    fn effect(&mut self, id: Uuid, stream: &Arc<str>, feit: &Gebeurtenis, sign: i64) -> bool {
        fn set_key(map: &mut HashMap<String, Uuid>, key: &str, id: Uuid, sign: i64) {
            if sign > 0 {
                map.insert(key.to_owned(), id);
            } else if map.get(key) == Some(&id) {
                map.remove(key);
            }
        }
        use Gebeurtenis as G;
        match feit {
            G::LandsdeelGeregistreerd(e) => set_key(&mut self.landsdelen, &e.code, id, sign),
            G::JeugdregioGeregistreerd(e) => set_key(&mut self.jeugdregios, &e.code, id, sign),
            G::GemeenteGeregistreerd(e) => set_key(&mut self.gemeenten, &e.code, id, sign),
            G::AanbiederGeregistreerd(e) => set_key(&mut self.aanbieders, &e.id, id, sign),
            G::VoorzieningGeregistreerd(e) => {
                let v = self.voorzieningen.entry(e.id.clone()).or_default();
                if sign > 0 {
                    v.registratie = Some(id);
                } else if v.registratie == Some(id) {
                    v.registratie = None;
                }
            }
            G::PlaatsenGeopend(_) | G::PlaatsenGesloten(_) | G::PlaatsenOmgebouwd(_) => {
                for (f, d, delta) in capaciteitseffecten(feit) {
                    let v = self.voorzieningen.entry(f.to_owned()).or_default();
                    shift(&mut v.capaciteit, d, sign * delta);
                    if sign > 0 {
                        v.feiten.insert(id);
                    } else {
                        v.feiten.remove(&id);
                    }
                }
            }
            G::VoorzieningGesloten(e) => {
                let v = self.voorzieningen.entry(e.voorziening.clone()).or_default();
                if sign > 0 {
                    v.sluitingen.insert((e.datum, id));
                    v.feiten.insert(id);
                } else {
                    v.sluitingen.remove(&(e.datum, id));
                    v.feiten.remove(&id);
                }
            }
            G::CapaciteitsdoelVastgesteld(_)
            | G::PersoonsgegevensIngezien(_)
            | G::LogOvergezet(_) => {}
            // Contracts, agreements and budgets: no state yet (rules/check/contract.rs).
            G::ContractGesloten(_)
            | G::TariefGeindexeerd(_)
            | G::VolumegarantieGewijzigd(_)
            | G::BudgetplafondGewijzigd(_)
            | G::ContractVerlengd(_)
            | G::ContractBeeindigd(_)
            | G::PrestatieafspraakVastgelegd(_)
            | G::PrestatieafspraakGewijzigd(_)
            | G::BudgetVastgesteld(_)
            | G::BudgetVerschoven(_) => {}
            G::JeugdigeGewist(_) => {
                // An erasure cannot be withdrawn or corrected (the check refuses both).
                if sign > 0 {
                    self.jeugdigen.entry(stream.clone()).or_default().gewist = true;
                }
            }
            G::JeugdigeGeregistreerd(_) => {
                let j = self.jeugdigen.entry(stream.clone()).or_default();
                if sign > 0 {
                    j.registratie = Some(id);
                } else if j.registratie == Some(id) {
                    j.registratie = None;
                }
            }
            G::WoongemeenteGewijzigd(_)
            | G::MachtigingAfgegeven(_)
            | G::MachtigingBeeindigd(_)
            | G::PlaatsingGestart(_)
            | G::Doorgeplaatst(_)
            | G::PlaatsingBeeindigd(_)
            | G::PlaatsingsverzoekIngediend(_)
            | G::JeugdigeAangemeld(_)
            | G::PlaatsAangeboden(_)
            | G::AanmeldingGeweigerd(_)
            | G::PlaatsingsverzoekIngetrokken(_)
            | G::JeugdigeOnttrokken(_)
            | G::JeugdigeTeruggekeerd(_)
            | G::MaatregelToegepast(_) => {
                let j = self.jeugdigen.entry(stream.clone()).or_default();
                if sign > 0 {
                    j.feiten.insert(id);
                } else {
                    j.feiten.remove(&id);
                }
                return matches!(
                    feit,
                    G::MachtigingAfgegeven(_)
                        | G::MachtigingBeeindigd(_)
                        | G::PlaatsingGestart(_)
                        | G::Doorgeplaatst(_)
                        | G::PlaatsingBeeindigd(_)
                );
            }
            G::FeitGecorrigeerd(_) | G::FeitIngetrokken(_) => {}
        }
        false
    }

    /// Re-folds one youth and moves its intervals in the facilities' occupancy.
    fn refold(&mut self, stream: &Arc<str>) {
        let Some(j) = self.jeugdigen.get(stream) else {
            return;
        };
        let nieuw = leid_af(self.fold_input(&j.feiten, None), |f| self.vorm(f));
        let oud = match self.jeugdigen.get_mut(stream) {
            Some(j) => std::mem::take(&mut j.afleiding),
            None => return,
        };
        for p in &oud.plaatsingen {
            self.occupy(p, -1);
        }
        for p in &nieuw.plaatsingen {
            self.occupy(p, 1);
        }
        if let Some(j) = self.jeugdigen.get_mut(stream) {
            j.afleiding = nieuw;
        }
    }

    fn occupy(&mut self, p: &Plaatsing, sign: i64) {
        if !p.niet_leeg() {
            return;
        }
        if !self.voorzieningen.contains_key(&p.voorziening) {
            self.voorzieningen
                .insert(p.voorziening.clone(), VoorzieningState::default());
        }
        let Some(v) = self.voorzieningen.get_mut(&p.voorziening) else {
            return;
        };
        shift(&mut v.bezetting, p.start, sign);
        shift(&mut v.starts, p.start, sign);
        if let Some(e) = p.einde {
            shift(&mut v.bezetting, e, -sign);
        }
    }

    /// The fold input for a youth's facts; `change` replaces (Some) or drops (None)
    /// the content of one original.
    fn fold_input<'a>(
        &'a self,
        ids: &BTreeSet<Uuid>,
        change: Option<(Uuid, Option<&'a Gebeurtenis>)>,
    ) -> Vec<(Uuid, i64, &'a Gebeurtenis)> {
        let mut out = Vec::with_capacity(ids.len() + 1);
        for id in ids {
            let Some(feit) = self.feiten.get(id) else {
                continue;
            };
            let inhoud = match change {
                Some((w, vervangen)) if w == *id => vervangen,
                _ => match &feit.soort {
                    Soort::Origineel { inhoud } => inhoud.as_ref(),
                    _ => None,
                },
            };
            if let Some(inhoud) = inhoud {
                out.push((*id, feit.positie, inhoud));
            }
        }
        out
    }

    fn intern(&mut self, stream: &str) -> Arc<str> {
        if let Some(s) = self.streams.get(stream) {
            return s.clone();
        }
        let s: Arc<str> = Arc::from(stream);
        self.streams.insert(s.clone());
        s
    }

    /// The effective content of an original fact (`None` if unknown, retracted, or not an
    /// original).
    pub fn inhoud(&self, event_id: Uuid) -> Option<&Gebeurtenis> {
        match &self.feiten.get(&event_id)?.soort {
            Soort::Origineel { inhoud } => inhoud.as_ref(),
            _ => None,
        }
    }

    /// The original fact an event is or corrects (`None` for unknown events and for
    /// retractions).
    pub fn origineel_van(&self, event_id: Uuid) -> Option<Uuid> {
        match self.feiten.get(&event_id)?.soort {
            Soort::Origineel { .. } => Some(event_id),
            Soort::Correctie { origineel } => Some(origineel),
            Soort::Intrekking { .. } => None,
        }
    }

    /// The event a correction or retraction refers to (as recorded, unresolved).
    pub fn betreft(&self, event_id: Uuid) -> Option<Uuid> {
        match self.feiten.get(&event_id)?.soort {
            Soort::Origineel { .. } => None,
            Soort::Correctie { origineel } | Soort::Intrekking { origineel } => Some(origineel),
        }
    }

    /// Whether an original fact was retracted.
    pub fn is_ingetrokken(&self, event_id: Uuid) -> bool {
        matches!(
            self.feiten.get(&event_id).map(|f| &f.soort),
            Some(Soort::Origineel { inhoud: None })
        )
    }

    /// The stream and type of an earlier event (for corrections: a correction goes to the
    /// stream of the event it corrects).
    pub fn event_info(&self, event_id: Uuid) -> Option<(&str, &'static str)> {
        self.feiten
            .get(&event_id)
            .map(|f| (&*f.stream, f.event_type))
    }

    /// Highest position applied.
    pub fn last_position(&self) -> i64 {
        self.last_position
    }

    /// Number of events applied.
    pub fn event_count(&self) -> usize {
        self.feiten.len()
    }

    /// The effective registration of a facility.
    pub fn voorziening(&self, id: &str) -> Option<&VoorzieningGeregistreerd> {
        let reg = self.voorzieningen.get(id)?.registratie?;
        match self.inhoud(reg)? {
            Gebeurtenis::VoorzieningGeregistreerd(v) => Some(v),
            _ => None,
        }
    }

    fn vorm(&self, voorziening: &str) -> Option<Vorm> {
        self.voorziening(voorziening).map(|v| v.vorm)
    }

    /// The first day a facility is closed, if it closes.
    pub fn sluitingsdatum(&self, voorziening: &str) -> Option<NaiveDate> {
        self.voorzieningen.get(voorziening)?.sluitingsdatum()
    }

    /// Places of a facility on `d` (0 from its closing date on).
    pub fn capacity(&self, voorziening: &str, d: NaiveDate) -> i64 {
        let Some(v) = self.voorzieningen.get(voorziening) else {
            return 0;
        };
        if v.sluitingsdatum().is_some_and(|s| s <= d) {
            return 0;
        }
        prefix(&v.capaciteit, d)
    }

    /// Youths with a placement active in the facility on `d`.
    pub fn occupancy(&self, voorziening: &str, d: NaiveDate) -> i64 {
        self.voorzieningen
            .get(voorziening)
            .map_or(0, |v| prefix(&v.bezetting, d))
    }

    /// Whether the youth (by pseudonym) has a placement (residential or ambulant) active
    /// on `d`.
    pub fn is_placed(&self, pseudoniem: &str, d: NaiveDate) -> bool {
        self.plaatsingen(pseudoniem).iter().any(|p| p.actief_op(d))
    }

    /// The youth's placement intervals, in order of start.
    pub fn plaatsingen(&self, pseudoniem: &str) -> &[Plaatsing] {
        self.jeugdigen
            .get(jeugdige_stream(pseudoniem).as_str())
            .map_or(&[], |j| &j.afleiding.plaatsingen)
    }

    /// The youth's authorisations.
    pub fn machtigingen(&self, pseudoniem: &str) -> &[Machtiging] {
        self.jeugdigen
            .get(jeugdige_stream(pseudoniem).as_str())
            .map_or(&[], |j| &j.afleiding.machtigingen)
    }

    /// Whether the youth of this stream was erased ([`crate::JeugdigeGewist`]).
    pub fn is_gewist(&self, stream: &str) -> bool {
        self.jeugdigen.get(stream).is_some_and(|j| j.gewist)
    }

    /// For the retention period: every registered youth that is not erased, by stream,
    /// in stream order, with whether a placement runs and the day its last placement
    /// ended (the registration date for a youth never placed). A running placement has
    /// no end; `einde` is then the latest end of its earlier placements, if any.
    pub fn bewaarstanden(&self) -> Vec<Bewaarstand<'_>> {
        let mut out: Vec<Bewaarstand<'_>> = self
            .jeugdigen
            .iter()
            .filter(|(_, j)| !j.gewist)
            .filter_map(|(stream, j)| {
                let Gebeurtenis::JeugdigeGeregistreerd(reg) = self.inhoud(j.registratie?)? else {
                    return None;
                };
                let plaatsingen = &j.afleiding.plaatsingen;
                let einde = plaatsingen
                    .iter()
                    .filter_map(|p| p.einde)
                    .max()
                    .unwrap_or(reg.datum);
                Some(Bewaarstand {
                    stream,
                    lopend: plaatsingen.iter().any(|p| p.einde.is_none()),
                    einde,
                })
            })
            .collect();
        out.sort_by(|a, b| a.stream.cmp(b.stream));
        out
    }

    /// Whether the youth is registered.
    pub fn is_jeugdige_geregistreerd(&self, pseudoniem: &str) -> bool {
        self.jeugdigen
            .get(jeugdige_stream(pseudoniem).as_str())
            .is_some_and(|j| j.registratie.is_some())
    }

    pub fn kent_gemeente(&self, code: &str) -> bool {
        self.gemeenten.contains_key(code)
    }

    pub fn kent_aanbieder(&self, id: &str) -> bool {
        self.aanbieders.contains_key(id)
    }

    pub fn kent_jeugdregio(&self, code: &str) -> bool {
        self.jeugdregios.contains_key(code)
    }

    pub fn kent_landsdeel(&self, code: &str) -> bool {
        self.landsdelen.contains_key(code)
    }
}
