//! kringloop-projections: the bitemporal KPI engine. Pure: no IO.
//!
//! A [`Projection`] folds stored events (in position order) into compact facts:
//! placements, episodes, CBS trajectories, authorisations, signals, capacity changes,
//! facility attributes, the landscape and targets. Every fact is kept in versions, each
//! with the recorded time of the event that created it and of the event that superseded,
//! corrected or retracted it. A KPI "as known at K" filters those versions; it never
//! replays the log, so a past K costs about the same as now.
//!
//! ```text
//! apply(&RecordedEvent) ─► derive (per youth / facility) ─► close changed versions,
//!                                                           open new ones (known_from = r)
//! kpis(&Query) ─► facts visible at K ∩ buckets of P ∩ filter ─► KpiReport
//! ```
//!
//! The definitions and counting rules are those of `docs/kpis.md`, which also says where
//! each KPI is computed and tested; the doc comments of [`KpiReport`]'s fields say how
//! each one is computed.
//!
//! # API
//! - [`Projection::new`], [`Projection::apply`] (a stored event; undecodable or
//!   unresolvable events come back as [`ProjectionError`] and still advance the
//!   position), [`Projection::apply_decoded`] (for callers that decode themselves),
//!   [`Projection::rebuild`], [`Projection::concurrently`] (a catch-up as a two-stage
//!   fold on two threads), [`Projection::position`], [`Projection::recorded_until`],
//!   [`Projection::sizes`].
//! - [`Projection::kpis`] → [`KpiReport`] for a [`Query`] (period, peildatum, knowledge
//!   time, [`Filter`], [`Toerekening`]); [`Projection::reeks`] / [`Projection::reeks_van`]
//!   for series of [`Periode`]s (month, quarter, half-year, year); single KPIs such as
//!   [`Projection::plaatsen`], [`Projection::plaatsingen`], [`Projection::bezetting`],
//!   [`Projection::stroom_episodes`], [`Projection::stroom_trajecten`],
//!   [`Projection::signalen`]. Every result is a [`Kpi`] with a [`KpiMeta`] (definition,
//!   P, peildatum, K, filter, attribution, events it rests on).
//! - [`Projection::diff`]: both values and the events recorded in (K1, K2] that changed
//!   the facts under them; [`Projection::gebeurtenis`] summarises an event by position.
//! - [`Projection::kpis_beschermd`], [`Projection::reeks_beschermd`],
//!   [`Projection::bezetting_per_beschermd`] with [`RecordKeys`]: the same figures as a
//!   caller without person-level access sees them, perturbed by the cell-key method
//!   (`disclosure.rs`, `docs/privacy.md`); every value says how it was protected
//!   ([`Bescherming`]).
//! - The request side ([`vraag`]): [`Projection::vraag`] / [`Projection::vraag_reeks`]
//!   (every request figure of a period or series), [`Projection::wachtenden`],
//!   [`Projection::wachttijd`], [`Projection::aanmeldingen_per_verzoek`],
//!   [`Projection::afwijzingen`], [`Projection::passend_geplaatst`],
//!   [`Projection::benodigde_capaciteit`] (with a [`vraag::CapaciteitScenario`]); each
//!   takes `Option<&RecordKeys>` for its protected form.
//! - Money ([`geld`]): [`Projection::contracten`] / [`Projection::contract`] (a contract
//!   with its tariffs and agreements as known at K, [`ContractOpK`]),
//!   [`Projection::kosten`] / [`Projection::kosten_reeks`],
//!   [`Projection::kosten_per_jeugdige`], [`Projection::budget`] /
//!   [`Projection::budget_reeks`], [`Projection::budgetneutraal`] /
//!   [`Projection::budgetneutraal_reeks`]; amounts in whole eurocents.
//! - The youth's path: [`Projection::plaatsingen_naar_voorgeschiedenis`],
//!   [`Projection::onttrekkingen`], [`Projection::terugval`], all three at once with
//!   [`Projection::pad`] and per period of a series with [`Projection::pad_reeks`];
//!   protected when given [`RecordKeys`].
//! - Quality ([`kwaliteit`]): [`Projection::maatregelen`] / `maatregelen_reeks`
//!   (restrictive measures per 1,000 bed-days), [`Projection::ratio_ambulant_bed`] /
//!   `ratio_ambulant_bed_reeks`, each with `Option<&RecordKeys>`;
//!   [`Projection::scorecard`] and [`Projection::scorecard_verschil`] (a contract's
//!   performance agreements against what was realised, as known at K).
//!
//! # Modules
//! - Fold: `projectie.rs` (the [`Projection`] and each event), `afleiding.rs` (a youth's
//!   facts derived from its inputs), `feiten.rs` (the compact facts and their counting
//!   rules), `jeugdtabellen.rs` (the youth tables; the fold's second stage),
//!   `bezetting.rs` (the bitemporal occupancy log), `interner.rs`, `mem.rs`; `pad/`
//!   (absences, history classes and next starts, and their KPIs).
//! - Versions: `versions/` (the bitemporal table of every fact's versions),
//!   `knowledge.rs` ([`KnowledgeTime`]).
//! - Queries: `query.rs` ([`Query`]), `report.rs` ([`KpiReport`] and the other report
//!   types), `context.rs` (a query resolved once), `tally.rs` (one period), `sweep/` (a
//!   series in one pass), `occupancy.rs` (the overbezetting rule), `key_sweep.rs` and
//!   `disclosure.rs` (protected figures), `kpi.rs` (the entry points), `diff.rs`,
//!   `periode.rs`.
//! - The request side: `vraag/` (the fold of requests and their figures).
//! - Money: `geld/` (the fold of contracts and budgets, a contract as known at K, costs
//!   and budgets).
//! - Quality: `kwaliteit/` (the fold of restrictive measures, their figures, the ratio
//!   ambulant/bed and the scorecard).
//!
//! # Semantics chosen where the definitions leave room (docs/kpis.md, "Counting rules")
//! - Stocks are taken at the start of day b (before that day's movements): an interval
//!   [s, e) is in the stock at b when s < b ≤ e; instroom is s ∈ P, uitstroom e ∈ P. The
//!   identity begin + instroom − uitstroom = eind then holds exactly. Occupancy
//!   (bezetting) on a date d is s ≤ d < e, so a youth placed on d is occupying on d.
//! - Episode flows filter on the facility where the episode started; exit figures
//!   (uitstroomNaarLichtereZorg, verblijfsduur) on the facility the youth left.
//! - An ambulant trajectory (form AMBULANT) runs on its own track beside residential care
//!   and forms its own episodes; filter on `vorm` to separate them.
//! - A start while a stay is running ends the running stay that day (destination
//!   ONBEKEND): an exit that is not recorded yet must not count a youth twice.
//! - Signals count subjects, each once per period: a closed placement with at least one
//!   day in P without a valid authorisation (once, however often it lapses); a
//!   spoedmachtiging longer than 28 days in every period with one of its days beyond the
//!   28th; a facility with at least one overfull day in P; a doorplaatsing dated in P.
//! - A target for closed care (GESLOTEN) is a reduction target, any other a build-up
//!   target, whatever its points do.
//! - bezettingsgraad always uses LOCATIE (places are where the facility is).
//! - An absence without leave ends at the return or at the end of the residential
//!   episode it began in, whichever is first; an absence begun on the day a stay ended
//!   belongs to that stay, and an episode "ended while absent" when the return (if any)
//!   is after its end date. History classes compare episodes of the same regime (of the
//!   facility where each started) on the same track. Terugval is final from P's last
//!   day + 12 months at K (without K: the last recorded event).

mod afleiding;
#[cfg(test)]
mod afleiding_agreement;
mod bezetting;
mod context;
mod diff;
mod disclosure;
mod feiten;
pub mod geld;
mod interner;
mod jeugdtabellen;
mod key_sweep;
mod knowledge;
mod kpi;
pub mod kpi_catalogue;
pub mod kwaliteit;
mod mem;
mod occupancy;
mod pad;
mod periode;
mod projectie;
mod query;
mod report;
mod sweep;
mod tally;
mod versions;
pub mod vraag;

pub use diff::{Diff, GebeurtenisRef};
pub use disclosure::{KANS_ONVERANDERD, MIN_DUREN, RIJ, RIJ_EEN, RecordKeys, ruis};
pub use geld::{
    AfspraakOpK, AfspraakVersie, Bron, Budget, BudgetRegel, BudgetRegio, Budgetneutraal,
    BudgetneutraalRegel, ContractOpK, Kosten, KostenPerJeugdige, KostenRij,
};
pub use jeugdtabellen::BATCH;
pub use knowledge::KnowledgeTime;
pub use kwaliteit::{
    AfspraakScore, AfspraakStatus, CapaciteitspuntScore, MaatregelCijfers, MaatregelRij,
    Maatregelen, RatioAmbulantBed, RatioRij, Scorecard, ScorecardVerschil, Trendpunt, VersieRegel,
};
pub use pad::kpi::{TERUGVAL_MAANDEN, plus_maanden};
pub use pad::{Onttrekkingen, PadRapport, PlaatsingenNaarVoorgeschiedenis, Terugval};
pub use periode::{Granulariteit, Periode};
pub use projectie::{LOOKAHEAD, Meta, Projection, Sizes};
pub use query::{Dimensie, Filter, LEVENSVATBAAR, Query, Toerekening};
pub use report::*;

use chrono::NaiveDate;
use kringloop_events::DecodeError;
use uuid::Uuid;

/// What can go wrong while folding or querying.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("gebeurtenis op positie {positie} is niet te lezen: {bron}")]
    Decode {
        positie: i64,
        #[source]
        bron: DecodeError,
    },
    #[error("positie {positie} komt niet na de laatst verwerkte positie {vorige}")]
    Volgorde { positie: i64, vorige: i64 },
    #[error("registratietijd van positie {positie} ligt vóór die van de vorige gebeurtenis")]
    TijdTerug { positie: i64 },
    #[error("positie {positie} is groter dan deze projectie kan bijhouden")]
    PositieTeGroot { positie: i64 },
    #[error("correctie of intrekking op positie {positie} verwijst naar onbekend feit {event_id}")]
    OnbekendFeit { positie: i64, event_id: Uuid },
    #[error("correctie op positie {positie} vervangt een feit door een feit van een andere soort")]
    CorrectieAnderSoort { positie: i64 },
    #[error(
        "{soort} op positie {positie} staat in stroom `{stroom}`, niet in die van een jeugdige"
    )]
    VerkeerdeStroom {
        positie: i64,
        stroom: String,
        soort: &'static str,
    },
    #[error("periode van {van} tot {tot} is leeg")]
    LegePeriode { van: NaiveDate, tot: NaiveDate },
    #[error("ongeldige periode: jaar {jaar}, deel {deel}")]
    OngeldigePeriode { jaar: i32, deel: u32 },
}
