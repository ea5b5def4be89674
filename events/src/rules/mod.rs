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
//! | contract gesloten | id empty; id already concluded; aanbieder unknown; no jeugdregio, one unknown or named twice; `tot_en_met` before `van`; no lots, or a lot without products; a lot or product code twice; a tariff for a product no lot holds, negative, or valid from after `tot_en_met`; a product without a tariff valid on `van`; a volume guarantee (also in the changes below) for a product the contract does not hold, twice for one product, without exactly one of `plaatsen` / `bezettingsaandeel_procent`, or above 100 %; a negative budget ceiling | `ONGELDIGE_SLEUTEL`, `CONTRACT_AL_GESLOTEN`, `ONBEKENDE_AANBIEDER`, `JEUGDREGIO_ONTBREEKT`, `ONBEKENDE_JEUGDREGIO`, `DUBBELE_CODE`, `CONTRACT_EINDE_VOOR_BEGIN`, `PRODUCT_ONTBREEKT`, `PRODUCT_NIET_IN_CONTRACT`, `ONGELDIG_BEDRAG`, `DATUM_BUITEN_LOOPTIJD`, `TARIEF_ONTBREEKT`, `ONGELDIGE_VOLUMEGARANTIE` |
//! | any fact about a contract (below) | the contract is not concluded (or retracted) | `ONBEKEND_CONTRACT` |
//! | tarief geïndexeerd | product not in the contract; `geldig_van` outside the contract's period (`van` through the effective last day); negative amount. A date in the past is fine: indexations are often agreed months later | `PRODUCT_NIET_IN_CONTRACT`, `DATUM_BUITEN_LOOPTIJD`, `ONGELDIG_BEDRAG` |
//! | volumegarantie / budgetplafond gewijzigd | `datum` outside the period; the guarantee checks above; a negative ceiling | `DATUM_BUITEN_LOOPTIJD`, …, `ONGELDIG_BEDRAG` |
//! | contract verlengd | the contract is terminated; every extension option used; the new last day not after the current one; later than the current last day plus one option's months (30-06 + 6 months = 31-12) | `CONTRACT_AL_BEEINDIGD`, `TE_VEEL_VERLENGINGEN`, `VERLENGING_NIET_LATER`, `VERLENGING_TE_LANG` |
//! | contract beëindigd | already terminated; last day before `van` or after the current last day | `CONTRACT_AL_BEEINDIGD`, `DATUM_BUITEN_LOOPTIJD` |
//! | prestatieafspraak vastgelegd / gewijzigd | agreement id empty, already used in the contract (vastgelegd) or unknown (gewijzigd); a norm without `min` and `max`, with `min` > `max`, a negative or non-finite bound, a bound above 1 for a share (SPOEDAANDEEL, UITSTROOM_LICHTERE_ZORG, BEZETTINGSGRAAD), or a measurement period that ends before it starts; a capacity agreement without points; its period (measurement period, first to last point) outside the contract's | `ONGELDIGE_SLEUTEL`, `AFSPRAAK_AL_VASTGELEGD`, `ONBEKENDE_AFSPRAAK`, `ONGELDIGE_NORM`, `CAPACITEITSPUNTEN_ONTBREKEN`, `AFSPRAAK_BUITEN_LOOPTIJD` |
//! | contract facts: correction / retraction | a correction of the contract (or of an extension, or the retraction of one) that would leave a recorded indexation, guarantee or ceiling change or agreement outside the contract's products or period, fewer extension options than used, or a first day after its termination; retracting a contract with other facts, or an agreement with changes; renaming an agreement with changes | `AFHANKELIJKE_FEITEN` |
//! | maatregel toegepast | id empty or already used for this youth; `eind` ≤ `begin`; facility unknown; the youth not placed in that facility on the day of `begin` (in the derived placement intervals) | `ONGELDIGE_SLEUTEL`, `MAATREGEL_AL_VASTGELEGD`, `MAATREGEL_EINDE_VOOR_BEGIN`, `ONBEKENDE_VOORZIENING`, `NIET_GEPLAATST` |
//! | a youth's placement facts | a change that would leave a recorded measure outside the placement it was applied in | `AFHANKELIJKE_FEITEN` |
//! | budget vastgesteld | jeugdregio unknown; negative amount | `ONBEKENDE_JEUGDREGIO`, `ONGELDIG_BEDRAG` |
//! | budget verschoven | jeugdregio unknown; `van` = `naar`; amount ≤ 0; `datum` not in `jaar`; more than the known budget of the `van` segment that year (the last `BudgetVastgesteld` plus the shifts in, minus the shifts out, of any date) | `ONBEKENDE_JEUGDREGIO`, `ZELFDE_SEGMENT`, `ONGELDIG_BEDRAG`, `DATUM_BUITEN_LOOPTIJD`, `BUDGET_ONTOEREIKEND` |
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
//! one of the same youth, without a return: it counts until the later one starts),
//! `CONTRACT_ONTBREEKT` (a placement or doorplaatsing while the log holds a contract, and
//! the facility's provider has none in force on that date, `van` through the effective last
//! day, with a product of the facility's form and regime: its days are bed-days without a
//! contract), `MAATREGEL_IN_OPEN_VOORZIENING` (a restrictive measure in a facility of the
//! OPEN regime; they belong to closed care).
//! A signal is given by the change that brings it about: a correction of a request's date
//! or needed form can signal an existing fulfilment.
//!
//! The need side's semantics (requests open on `datum <= d < closure`, absences from the
//! absence to the return) are in [`vraag`].
//!
//! Contracts: a contract's effective last day is the latest of its `tot_en_met` and its
//! extensions' `tot_en_met`, cut by an early termination ([`ContractStand`],
//! [`DomainState::contract`]). A termination may leave later facts of the contract (an
//! indexation, an agreement) beyond the new last day: they stay, and count only within it.
//! Budgets: a `BudgetVastgesteld` for a region, year and segment replaces the earlier one
//! (the one recorded last counts); shifts add to and take from it ([`DomainState::budget`]).
//! Only a shift is checked against that budget: a lower budget set later, or a correction
//! or retraction, may leave a segment below the shifts already made out of it (a budget
//! cut is a fact, not an error).
//!
//! # Cost
//! `apply` is O(log n) for landscape facts; for a youth fact it re-folds that one youth
//! (O(k log k) for a youth with k facts) and moves its intervals in the occupancy maps.
//! `check` looks at one youth and one or two facilities; for a youth with need-side facts
//! it also folds those twice (before and after the change), O(k log k).
//! Contract, budget and measure facts are O(1)/O(log n) lookups (a contract by id, a
//! provider's few contracts, a budget by region, year and segment, a youth's measures);
//! a correction of a contract or of an extension re-checks that contract's own facts, and a
//! change of a placement fact of a youth with measures folds that youth once more.

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

use crate::catalogue::{ContractGesloten, Gebeurtenis, VoorzieningGeregistreerd, jeugdige_stream};
use crate::envelope::RecordedEvent;
use crate::geld::{Budgetsegment, Product};
use crate::types::{Regime, Vorm};

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
    /// Effective restrictive measures by measure id (normally one fact per id).
    maatregelen: HashMap<String, BTreeSet<Uuid>>,
    afleiding: Afleiding,
    /// A [`crate::JeugdigeGewist`] was recorded: no fact about this youth is accepted any more.
    gewist: bool,
}

/// A contract as its effective facts make it.
#[derive(Debug, Clone, Default)]
struct ContractState {
    /// Effective `ContractGesloten` facts by (position, id); the first is the contract
    /// (more than one only in history recorded without the rules).
    gesloten: BTreeSet<(i64, Uuid)>,
    /// Effective extensions by (new last day, id).
    verlengingen: BTreeSet<(NaiveDate, Uuid)>,
    /// Effective early terminations by (last day, id).
    beeindigingen: BTreeSet<(NaiveDate, Uuid)>,
    /// Effective tariff indexations, guarantee and ceiling changes and agreements (the
    /// facts whose product or date the contract must hold).
    feiten: BTreeSet<Uuid>,
    /// Agreements by agreement id.
    afspraken: HashMap<String, AfspraakState>,
}

impl ContractState {
    fn is_leeg(&self) -> bool {
        self.gesloten.is_empty()
            && self.verlengingen.is_empty()
            && self.beeindigingen.is_empty()
            && self.feiten.is_empty()
            && self.afspraken.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
struct AfspraakState {
    /// Effective `PrestatieafspraakVastgelegd` facts (normally one).
    vastgelegd: BTreeSet<Uuid>,
    /// Effective `PrestatieafspraakGewijzigd` facts.
    wijzigingen: BTreeSet<Uuid>,
}

/// A region's budget of one year and segment.
#[derive(Debug, Clone, Default)]
struct BudgetState {
    /// Effective `BudgetVastgesteld` facts by (position, id, amount): the last one counts.
    vastgesteld: BTreeSet<(i64, Uuid, i64)>,
    /// Net amount shifted into this segment (negative: out of it).
    verschoven: i64,
}

impl BudgetState {
    fn bedrag(&self) -> i64 {
        self.vastgesteld.last().map_or(0, |(_, _, b)| *b) + self.verschoven
    }
}

/// A contract as it stands ([`DomainState::contract`]): its effective `ContractGesloten`
/// and what its extensions and termination make of its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractStand<'a> {
    /// The effective content of the contract (provider, regions, lots and products,
    /// initial period, options).
    pub gesloten: &'a ContractGesloten,
    /// The effective last day: the latest of `tot_en_met` and the extensions' ends, cut
    /// by an early termination.
    pub laatste_dag: NaiveDate,
    /// Extension options used.
    pub verlengingen: usize,
    /// The last day an early termination sets, if the contract was terminated.
    pub beeindigd: Option<NaiveDate>,
}

impl ContractStand<'_> {
    /// The product with this code, in any lot.
    pub fn product(&self, code: &str) -> Option<&Product> {
        product_van(self.gesloten, code)
    }

    /// Whether the contract runs on `d` (from `van` through the effective last day).
    pub fn loopt_op(&self, d: NaiveDate) -> bool {
        self.gesloten.van <= d && d <= self.laatste_dag
    }

    /// Whether the contract holds a product for care of this form and regime.
    pub fn heeft_product_voor(&self, vorm: Vorm, regime: Regime) -> bool {
        self.gesloten
            .percelen
            .iter()
            .flat_map(|p| &p.producten)
            .any(|p| p.vorm == vorm && p.regime == regime)
    }
}

/// The product with this code in a contract's lots.
pub(crate) fn product_van<'a>(c: &'a ContractGesloten, code: &str) -> Option<&'a Product> {
    c.percelen
        .iter()
        .flat_map(|p| &p.producten)
        .find(|p| p.code == code)
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
    /// Contracts by contract id.
    contracten: HashMap<String, ContractState>,
    /// Contract ids by provider (of the contracts' effective `ContractGesloten`).
    contracten_per_aanbieder: HashMap<String, BTreeSet<String>>,
    /// Contracts with an effective `ContractGesloten`.
    aantal_contracten: usize,
    /// Budgets by (jeugdregio, year, segment).
    budgetten: HashMap<(String, i32, Budgetsegment), BudgetState>,
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
            G::ContractGesloten(_)
            | G::TariefGeindexeerd(_)
            | G::VolumegarantieGewijzigd(_)
            | G::BudgetplafondGewijzigd(_)
            | G::ContractVerlengd(_)
            | G::ContractBeeindigd(_)
            | G::PrestatieafspraakVastgelegd(_)
            | G::PrestatieafspraakGewijzigd(_) => self.contract_effect(id, feit, sign),
            G::BudgetVastgesteld(e) => {
                let positie = self.feiten.get(&id).map_or(0, |f| f.positie);
                let b = self
                    .budgetten
                    .entry((e.jeugdregio.clone(), e.jaar, e.segment))
                    .or_default();
                if sign > 0 {
                    b.vastgesteld.insert((positie, id, e.bedrag_cent));
                } else {
                    b.vastgesteld.remove(&(positie, id, e.bedrag_cent));
                }
            }
            G::BudgetVerschoven(e) => {
                let delta = sign.saturating_mul(e.bedrag_cent);
                let van = self
                    .budgetten
                    .entry((e.jeugdregio.clone(), e.jaar, e.van))
                    .or_default();
                van.verschoven = van.verschoven.saturating_sub(delta);
                let naar = self
                    .budgetten
                    .entry((e.jeugdregio.clone(), e.jaar, e.naar))
                    .or_default();
                naar.verschoven = naar.verschoven.saturating_add(delta);
            }
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
                if let G::MaatregelToegepast(m) = feit {
                    let ids = j.maatregelen.entry(m.maatregel.clone()).or_default();
                    if sign > 0 {
                        ids.insert(id);
                    } else {
                        ids.remove(&id);
                        if ids.is_empty() {
                            j.maatregelen.remove(&m.maatregel);
                        }
                    }
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

    /// What a contract-stream fact contributes to the contract's state.
    fn contract_effect(&mut self, id: Uuid, feit: &Gebeurtenis, sign: i64) {
        use Gebeurtenis as G;
        fn zet<T: Ord>(set: &mut BTreeSet<T>, v: T, sign: i64) {
            if sign > 0 {
                set.insert(v);
            } else {
                set.remove(&v);
            }
        }
        let (contract, positie) = match feit {
            G::ContractGesloten(e) => (&e.contract, self.feiten.get(&id).map_or(0, |f| f.positie)),
            G::TariefGeindexeerd(e) => (&e.contract, 0),
            G::VolumegarantieGewijzigd(e) => (&e.contract, 0),
            G::BudgetplafondGewijzigd(e) => (&e.contract, 0),
            G::ContractVerlengd(e) => (&e.contract, 0),
            G::ContractBeeindigd(e) => (&e.contract, 0),
            G::PrestatieafspraakVastgelegd(e) => (&e.contract, 0),
            G::PrestatieafspraakGewijzigd(e) => (&e.contract, 0),
            _ => return,
        };
        let c = self.contracten.entry(contract.clone()).or_default();
        match feit {
            G::ContractGesloten(e) => {
                let had = !c.gesloten.is_empty();
                zet(&mut c.gesloten, (positie, id), sign);
                let heeft = !c.gesloten.is_empty();
                if heeft && !had {
                    self.aantal_contracten += 1;
                } else if had && !heeft {
                    self.aantal_contracten = self.aantal_contracten.saturating_sub(1);
                }
                let per = self
                    .contracten_per_aanbieder
                    .entry(e.aanbieder.clone())
                    .or_default();
                if sign > 0 {
                    per.insert(e.contract.clone());
                } else {
                    per.remove(&e.contract);
                    if per.is_empty() {
                        self.contracten_per_aanbieder.remove(&e.aanbieder);
                    }
                }
            }
            G::ContractVerlengd(e) => zet(&mut c.verlengingen, (e.tot_en_met, id), sign),
            G::ContractBeeindigd(e) => zet(&mut c.beeindigingen, (e.tot_en_met, id), sign),
            G::PrestatieafspraakVastgelegd(e) => {
                zet(&mut c.feiten, id, sign);
                let a = c.afspraken.entry(e.afspraak.clone()).or_default();
                zet(&mut a.vastgelegd, id, sign);
                if a.vastgelegd.is_empty() && a.wijzigingen.is_empty() {
                    c.afspraken.remove(&e.afspraak);
                }
            }
            G::PrestatieafspraakGewijzigd(e) => {
                zet(&mut c.feiten, id, sign);
                let a = c.afspraken.entry(e.afspraak.clone()).or_default();
                zet(&mut a.wijzigingen, id, sign);
                if a.vastgelegd.is_empty() && a.wijzigingen.is_empty() {
                    c.afspraken.remove(&e.afspraak);
                }
            }
            _ => zet(&mut c.feiten, id, sign),
        }
        if c.is_leeg() {
            self.contracten.remove(contract);
        }
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

    /// A contract as it stands: its effective `ContractGesloten`, effective last day and
    /// extensions used (`None` when no contract with this id is concluded).
    pub fn contract(&self, id: &str) -> Option<ContractStand<'_>> {
        let c = self.contracten.get(id)?;
        self.contract_stand(c, None, None)
    }

    /// A contract's stand with `vervangen` as its `ContractGesloten` (if given) and the
    /// fact `zonder` (an extension or termination being changed) left out.
    fn contract_stand<'a>(
        &'a self,
        c: &ContractState,
        vervangen: Option<&'a ContractGesloten>,
        zonder: Option<Uuid>,
    ) -> Option<ContractStand<'a>> {
        let gesloten = match vervangen {
            Some(g) => g,
            None => {
                let (_, id) = c.gesloten.first()?;
                match self.inhoud(*id)? {
                    Gebeurtenis::ContractGesloten(g) => g,
                    _ => return None,
                }
            }
        };
        let verlengd = c
            .verlengingen
            .iter()
            .filter(|(_, id)| Some(*id) != zonder)
            .map(|(d, _)| *d)
            .max();
        let beeindigd = c
            .beeindigingen
            .iter()
            .find(|(_, id)| Some(*id) != zonder)
            .map(|(d, _)| *d);
        let einde = verlengd.map_or(gesloten.tot_en_met, |v| v.max(gesloten.tot_en_met));
        Some(ContractStand {
            gesloten,
            laatste_dag: beeindigd.map_or(einde, |b| b.min(einde)),
            verlengingen: c
                .verlengingen
                .iter()
                .filter(|(_, id)| Some(*id) != zonder)
                .count(),
            beeindigd,
        })
    }

    /// The ids of a contract's agreements, sorted.
    pub fn afspraken(&self, contract: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .contracten
            .get(contract)
            .map(|c| {
                c.afspraken
                    .iter()
                    .filter(|(_, a)| !a.vastgelegd.is_empty())
                    .map(|(id, _)| id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        out.sort_unstable();
        out
    }

    /// The ids of the contracts concluded with a provider, sorted.
    pub fn contracten_van(&self, aanbieder: &str) -> impl Iterator<Item = &str> {
        self.contracten_per_aanbieder
            .get(aanbieder)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Whether the log holds at least one contract (the region works with contracts).
    pub fn heeft_contracten(&self) -> bool {
        self.aantal_contracten > 0
    }

    /// The budget of a region's segment in a year: the last `BudgetVastgesteld` plus the
    /// amounts shifted into it minus those shifted out (0 when none is set).
    pub fn budget(&self, jeugdregio: &str, jaar: i32, segment: Budgetsegment) -> i64 {
        self.budgetten
            .get(&(jeugdregio.to_owned(), jaar, segment))
            .map_or(0, BudgetState::bedrag)
    }

    /// Whether a budget was set for a region's segment in a year.
    pub fn budget_vastgesteld(&self, jeugdregio: &str, jaar: i32, segment: Budgetsegment) -> bool {
        self.budgetten
            .get(&(jeugdregio.to_owned(), jaar, segment))
            .is_some_and(|b| !b.vastgesteld.is_empty())
    }

    /// The ids of the restrictive measures recorded for a youth, sorted.
    pub fn maatregelen(&self, pseudoniem: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .jeugdigen
            .get(jeugdige_stream(pseudoniem).as_str())
            .map(|j| j.maatregelen.keys().map(String::as_str).collect())
            .unwrap_or_default();
        out.sort_unstable();
        out
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
