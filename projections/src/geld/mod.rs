//! The money side (geld): contracts and budgets folded bitemporally, and the figures on
//! them (`kosten.rs`: zorgkosten and leegstandskosten; `budget.rs`: realisation against
//! a region's budget and budgetneutraliteit).
//!
//! Contract facts (stream `contract-<id>`) and budget facts (stream
//! `budget-<jeugdregio>`) are few: a national history has a few hundred contracts with
//! tens of facts each. So the fold keeps each of them as it was recorded, in versions with
//! the knowledge interval in which it was the truth (a correction closes the version and
//! opens one with the new content; a retraction only closes it), exactly as the request
//! side keeps its records. A contract "as known at K" ([`ContractOpK`]) is put together
//! from the versions visible at K when it is asked for; nothing of it is precomputed, so a
//! past K costs the same as now, and the fold does no more than push a version.

pub(crate) mod budget;
pub(crate) mod kosten;
pub(crate) mod stand;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use kringloop_events::{
    Afspraakinhoud, Financiering, Gebeurtenis, Perceel, Tariefeenheid, Volumegarantie,
};
use uuid::Uuid;

use crate::ProjectionError;
use crate::knowledge::KnowledgeTime;
use crate::mem::FxMap;
use crate::projectie::{Meta, Projection};
use crate::versions::Stamp;

pub use budget::{Budget, BudgetRegel, BudgetRegio, Budgetneutraal, BudgetneutraalRegel};
pub use kosten::{Kosten, KostenPerJeugdige, KostenRij};

/// An event behind a contract or budget fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bron {
    pub positie: i64,
    pub event_id: Uuid,
    pub recorded_at: DateTime<Utc>,
    /// The event type (`ContractGesloten`, `FeitGecorrigeerd`, …).
    pub soort: &'static str,
}

impl Bron {
    fn van(meta: Meta<'_>, soort: &'static str) -> Bron {
        Bron {
            positie: meta.position,
            event_id: meta.event_id,
            recorded_at: meta.recorded_at,
            soort,
        }
    }
}

/// A contract as known at a knowledge time K: its `ContractGesloten` with every later
/// contract fact visible at K applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractOpK {
    pub id: String,
    pub aanbieder: String,
    /// The contracting regions; the first is the lead region.
    pub jeugdregios: Vec<String>,
    pub financiering: Financiering,
    pub percelen: Vec<Perceel>,
    pub van: NaiveDate,
    /// The effective last day: the latest of `tot_en_met` and the extensions, cut by an
    /// early end.
    pub tot_en_met: NaiveDate,
    pub verlengingsopties: u8,
    pub verlenging_maanden: u16,
    /// Per product code: (geldig_van, bedrag_cent), sorted by date, one per date (of two
    /// with the same date, the one recorded later), as known at K.
    pub tarieven: BTreeMap<String, Vec<(NaiveDate, i64)>>,
    /// The volume guarantees from each date on (sorted; the first is the contract's own).
    pub volumegaranties: Vec<(NaiveDate, Vec<Volumegarantie>)>,
    /// The annual budget ceiling from each date on (sorted; the first is the contract's
    /// own).
    pub budgetplafond: Vec<(NaiveDate, Option<i64>)>,
    /// The performance agreements in force at K (their `PrestatieafspraakVastgelegd`
    /// visible), sorted by id.
    pub afspraken: Vec<AfspraakOpK>,
    /// Every event about the contract recorded at or before K: its facts (also those
    /// superseded since), and the corrections and retractions of them; by position.
    pub gebeurtenissen: Vec<Bron>,
    /// The contract's own last day (`ContractGesloten.tot_en_met`, as known at K).
    pub oorspronkelijk_tot_en_met: NaiveDate,
    /// The early end (`ContractBeeindigd`) if any is visible at K (the earliest).
    pub beeindigd: Option<NaiveDate>,
    /// The `ContractGesloten` (or the correction that gave its content) visible at K.
    pub gesloten: Bron,
}

impl ContractOpK {
    /// The product of the contract with code `code`.
    pub fn product(&self, code: &str) -> Option<&kringloop_events::Product> {
        self.percelen
            .iter()
            .flat_map(|p| p.producten.iter())
            .find(|p| p.code == code)
    }

    /// Whether the contract is in force on `d` (`van ≤ d ≤ tot_en_met`).
    pub fn in_kracht(&self, d: NaiveDate) -> bool {
        self.van <= d && d <= self.tot_en_met
    }

    /// The tariff of product `code` on day `d`: the one with the latest `geldig_van ≤ d`.
    pub fn tarief(&self, code: &str, d: NaiveDate) -> Option<i64> {
        let t = self.tarieven.get(code)?;
        let i = t.partition_point(|(v, _)| *v <= d);
        i.checked_sub(1).and_then(|i| t.get(i)).map(|(_, b)| *b)
    }

    /// The unit of product `code`.
    pub fn eenheid(&self, code: &str) -> Option<Tariefeenheid> {
        self.product(code).map(|p| p.eenheid)
    }
}

/// A performance agreement of a contract as known at K.
#[derive(Debug, Clone, PartialEq)]
pub struct AfspraakOpK {
    pub id: String,
    /// The content in force: that of the visible version with the latest `datum` (of two
    /// on the same date, the one recorded later).
    pub inhoud: Afspraakinhoud,
    /// Every version recorded at or before K, in the order recorded, including those
    /// corrected or retracted since (`vervallen`).
    pub versies: Vec<AfspraakVersie>,
}

/// One recorded version of an agreement.
#[derive(Debug, Clone, PartialEq)]
pub struct AfspraakVersie {
    /// The event that recorded this content (`PrestatieafspraakVastgelegd`,
    /// `PrestatieafspraakGewijzigd` or the `FeitGecorrigeerd` that replaced one).
    pub bron: Bron,
    /// From this date on the agreement says `inhoud`.
    pub datum: NaiveDate,
    pub inhoud: Afspraakinhoud,
    /// The `toelichting` of a `PrestatieafspraakVastgelegd`, the `reden` of a
    /// `PrestatieafspraakGewijzigd`.
    pub reden: String,
    /// The correction or retraction that replaced this version, if recorded at or before K.
    pub vervallen: Option<Bron>,
}

/// One version of a contract or budget fact.
#[derive(Debug, Clone)]
pub(crate) struct GeldVersie {
    /// Position of the original event (the order of the facts; a correction keeps it).
    pub orde: i64,
    /// The event that recorded this content.
    pub bron: Bron,
    pub van: KnowledgeTime,
    pub tot: KnowledgeTime,
    /// The event that closed this version (known from `tot` on).
    pub vervallen: Option<Bron>,
    pub feit: Gebeurtenis,
}

impl GeldVersie {
    #[inline]
    pub fn zichtbaar(&self, k: KnowledgeTime) -> bool {
        k.sees(self.van, self.tot)
    }

    #[inline]
    pub fn bekend(&self, k: KnowledgeTime) -> bool {
        self.van <= k
    }
}

/// The contract and budget facts of the projection.
#[derive(Debug, Default)]
pub(crate) struct Geld {
    pub versies: Vec<GeldVersie>,
    /// Original event id → its open version (`None`: retracted).
    open: FxMap<u128, Option<usize>>,
    /// Contract id → indices of the versions about it (in the order opened).
    pub per_contract: BTreeMap<String, Vec<usize>>,
    /// Jeugdregio → indices of the budget versions about it.
    pub per_regio: BTreeMap<String, Vec<usize>>,
    /// Corrections and retractions per contract (for [`ContractOpK::gebeurtenissen`]).
    wijzigingen: BTreeMap<String, Vec<Bron>>,
    /// Bumped on every change, so that cached indexes of the contracts can be checked.
    pub generatie: u64,
}

/// Which kind of money fact an event is.
enum Sleutel<'a> {
    Contract(&'a str),
    Budget(&'a str),
}

fn sleutel(g: &Gebeurtenis) -> Option<Sleutel<'_>> {
    use Gebeurtenis as G;
    Some(match g {
        G::ContractGesloten(e) => Sleutel::Contract(&e.contract),
        G::TariefGeindexeerd(e) => Sleutel::Contract(&e.contract),
        G::VolumegarantieGewijzigd(e) => Sleutel::Contract(&e.contract),
        G::BudgetplafondGewijzigd(e) => Sleutel::Contract(&e.contract),
        G::ContractVerlengd(e) => Sleutel::Contract(&e.contract),
        G::ContractBeeindigd(e) => Sleutel::Contract(&e.contract),
        G::PrestatieafspraakVastgelegd(e) => Sleutel::Contract(&e.contract),
        G::PrestatieafspraakGewijzigd(e) => Sleutel::Contract(&e.contract),
        G::BudgetVastgesteld(e) => Sleutel::Budget(&e.jeugdregio),
        G::BudgetVerschoven(e) => Sleutel::Budget(&e.jeugdregio),
        _ => return None,
    })
}

impl Geld {
    fn open_versie(
        &mut self,
        orig: u128,
        orde: i64,
        bron: Bron,
        k: KnowledgeTime,
        g: &Gebeurtenis,
    ) {
        let i = self.versies.len();
        match sleutel(g) {
            Some(Sleutel::Contract(c)) => {
                self.per_contract.entry(c.to_owned()).or_default().push(i)
            }
            Some(Sleutel::Budget(r)) => self.per_regio.entry(r.to_owned()).or_default().push(i),
            None => return,
        }
        self.versies.push(GeldVersie {
            orde,
            bron,
            van: k,
            tot: KnowledgeTime::OPEN,
            vervallen: None,
            feit: g.clone(),
        });
        self.open.insert(orig, Some(i));
        self.generatie += 1;
    }
}

impl Projection {
    /// A new (not correcting) event: `true` if it is a contract or budget fact (handled
    /// completely here).
    pub(crate) fn geld_nieuw(
        &mut self,
        meta: Meta<'_>,
        s: Stamp,
        id: u128,
        g: &Gebeurtenis,
    ) -> bool {
        if sleutel(g).is_none() {
            return false;
        }
        let bron = Bron::van(meta, g.event_type());
        self.geld
            .open_versie(id, meta.position, bron, s.known_at, g);
        true
    }

    /// A correction (`nieuw = Some`) or retraction of original `orig`: `None` if `orig` is
    /// not a money fact (the rest of the fold handles it), else the outcome. A correction
    /// must keep the event type.
    pub(crate) fn geld_wijzig(
        &mut self,
        meta: Meta<'_>,
        s: Stamp,
        orig: u128,
        nieuw: Option<&Gebeurtenis>,
        soort: &'static str,
    ) -> Option<Result<(), ProjectionError>> {
        let open = *self.geld.open.get(&orig)?;
        let bron = Bron::van(meta, soort);
        let oud = open.and_then(|i| self.geld.versies.get(i));
        if let (Some(g), Some(v)) = (nieuw, oud)
            && g.event_type() != v.feit.event_type()
        {
            return Some(Err(ProjectionError::CorrectieAnderSoort {
                positie: meta.position,
            }));
        }
        if let (Some(g), None) = (nieuw, oud)
            && sleutel(g).is_none()
        {
            return Some(Err(ProjectionError::CorrectieAnderSoort {
                positie: meta.position,
            }));
        }
        // The order of the fact: its original's position (kept by every correction).
        let orde = oud.map(|v| v.orde);
        let mut sleutels: Vec<String> = Vec::new();
        if let Some(i) = open
            && let Some(v) = self.geld.versies.get_mut(i)
        {
            v.tot = s.known_at;
            v.vervallen = Some(bron);
            if let Some(Sleutel::Contract(c)) = sleutel(&v.feit) {
                sleutels.push(c.to_owned());
            }
        }
        self.geld.open.insert(orig, None);
        self.geld.generatie += 1;
        if let Some(g) = nieuw {
            if let Some(Sleutel::Contract(c)) = sleutel(g) {
                sleutels.push(c.to_owned());
            }
            let orde = orde.unwrap_or(meta.position);
            self.geld.open_versie(orig, orde, bron, s.known_at, g);
        }
        sleutels.sort_unstable();
        sleutels.dedup();
        for c in sleutels {
            self.geld.wijzigingen.entry(c).or_default().push(bron);
        }
        Some(Ok(()))
    }

    /// Every contract (with its agreements) as known at K, sorted by id.
    pub fn contracten(&self, kennis: &KnowledgeTime) -> Vec<ContractOpK> {
        self.geld
            .per_contract
            .keys()
            .filter_map(|id| self.contract(id, kennis))
            .collect()
    }

    /// Contract `id` as known at K; `None` if no `ContractGesloten` of it is visible at K.
    pub fn contract(&self, id: &str, kennis: &KnowledgeTime) -> Option<ContractOpK> {
        let k = *kennis;
        let idx = self.geld.per_contract.get(id)?;
        let versies: Vec<&GeldVersie> = idx
            .iter()
            .filter_map(|&i| self.geld.versies.get(i))
            .filter(|v| v.bekend(k))
            .collect();
        stand::contract_op_k(id, &versies, self.geld.wijzigingen.get(id), k)
    }
}

#[cfg(test)]
mod tests;
