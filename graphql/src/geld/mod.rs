//! Contracts and money: the inputs of the contract, budget and measure mutations
//! ([`invoer`]) and the query fields of contracts ([`contract`]), costs ([`kosten`]) and
//! costs and budgets
//! ([`kosten`]), quality figures ([`kwaliteit`]) and
//! scorecards ([`scorecard`]), merged into the schema's `Query` as [`GeldQuery`].
//!
//! # Who sees what
//! - **contractmanager** (bound to one jeugdregio): the contracts whose `jeugdregios`
//!   include its region, with tariffs and scorecards; costs attributed to its region
//!   (the `jeugdregio` filter is set to it; another region is FORBIDDEN); the budget of
//!   its region. Counts about persons (measures, bed-days) perturbed.
//! - **stuurgroep**: contracts without tariffs (`tarieven` is FORBIDDEN), costs, budgets
//!   and scorecards in aggregate; no costs per youth. Counts about persons perturbed.
//! - **evaluator**, **admin**: everything, exact, also costs per youth (logged).
//! - **registrar**, **coordinator**: no contracts, costs, budgets or scorecards
//!   (FORBIDDEN); the quality figures (`ratioAmbulantBed`, `maatregelen`) perturbed, as
//!   every KPI.
//!
//! Money is exact for every role that may read it: a region pays exact amounts, and the
//! breakdowns must add up. Restrictive measures are person-level facts: roles without
//! person-level access get their counts through the cell-key protection (`RecordKeys`),
//! as `vraag` does.

pub mod contract;
pub mod invoer;
pub mod kosten;
pub mod kwaliteit;
pub mod scorecard;

use chrono::{DateTime, Utc};
use kringloop_projections::{KnowledgeTime, Query};

use crate::auth::Principal;
use crate::fout::ApiFout;
use crate::query::QueryArgs;
use crate::state::ApiState;
use crate::types::{FilterInvoer, Toerekening};

/// The contract, money and quality fields of `Query`.
#[derive(async_graphql::MergedObject, Default)]
pub struct GeldQuery(
    contract::ContractQuery,
    kosten::KostenQuery,
    kwaliteit::KwaliteitQuery,
    scorecard::ScorecardQuery,
);

/// Whether `p` may see a contract of these regions: a role bound to a region only when
/// the contract includes it.
pub(crate) fn mag_regios(p: &Principal, jeugdregios: &[String]) -> bool {
    match p.regio_beperking() {
        None => true,
        Some(r) => jeugdregios.iter().any(|j| j == r),
    }
}

/// The `jeugdregio` filter a caller may use: a bound role gets its own region (asking
/// for another is FORBIDDEN); the others what they asked for.
pub(crate) fn regio_filter(
    p: &Principal,
    gevraagd: Option<String>,
) -> Result<Option<String>, ApiFout> {
    match (p.regio_beperking(), gevraagd) {
        (None, g) => Ok(g),
        (Some(eigen), None) => Ok(Some(eigen.to_owned())),
        (Some(eigen), Some(g)) if g == eigen => Ok(Some(g)),
        (Some(eigen), Some(g)) => Err(ApiFout::Verboden(format!(
            "de rol {} ziet alleen jeugdregio {eigen}, niet {g}",
            p.rol
        ))),
    }
}

/// The projection's query of a money field: the caller's filter, its codes resolved
/// against the landscape (an unknown code is `NOT_FOUND`), with the `jeugdregio` of a
/// bound role set to its own region.
pub(crate) async fn geld_query(
    s: &ApiState,
    p: &Principal,
    periode: kringloop_projections::Periode,
    filter: Option<FilterInvoer>,
    toerekening: Option<Toerekening>,
    as_known_at: Option<DateTime<Utc>>,
) -> Result<Query, ApiFout> {
    let f = filter.unwrap_or_default();
    let mut q = QueryArgs {
        periode,
        peildatum: None,
        filter: Some(&f),
        toerekening,
        as_known_at,
    }
    .resolved(s)
    .await?;
    q.filter.jeugdregio = regio_filter(p, q.filter.jeugdregio.take())?;
    Ok(q)
}

/// The projection's query of a quality field (every region, as the other KPIs), its
/// codes resolved against the landscape.
pub(crate) async fn kwaliteit_query(
    s: &ApiState,
    periode: kringloop_projections::Periode,
    filter: Option<FilterInvoer>,
    toerekening: Option<Toerekening>,
    as_known_at: Option<DateTime<Utc>>,
) -> Result<Query, ApiFout> {
    QueryArgs {
        periode,
        peildatum: None,
        filter: filter.as_ref(),
        toerekening,
        as_known_at,
    }
    .resolved(s)
    .await
}

/// The knowledge time of `asKnownAt` (none: everything applied).
pub(crate) fn kennis(as_known_at: Option<DateTime<Utc>>) -> KnowledgeTime {
    KnowledgeTime::at_or_latest(as_known_at)
}
