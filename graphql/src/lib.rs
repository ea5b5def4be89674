//! kringloop-graphql: the GraphQL API (async-graphql on axum).
//!
//! - [`schema`] builds the schema over an [`ApiState`] (store, projection runner, token
//!   file, the write side's domain state); [`sdl`] prints it (committed as
//!   `graphql/schema.graphql`, checked by a test).
//! - [`http::router`] is the whole HTTP surface: `POST /graphql`, GraphiQL at
//!   `GET /graphql` (its scripts and styles from the binary under `/graphql/assets/…`,
//!   [`graphiql`]), subscriptions at `GET /graphql/ws`, `/healthz`, `/readyz`.
//! - Errors carry a stable `code` extension ([`fout::FoutCode`]); roles and tokens live in
//!   [`auth`]. Every error has one, also parse and validation errors and malformed HTTP
//!   requests ([`grenzen`], [`http`]).
//! - Budgets ([`grenzen`]): root fields per operation, depth, and complexity with extra
//!   cost for the expensive resolvers, all checked before anything runs; resolvers that
//!   read the store wait for a turn ([`ApiState::reader`]) instead of for the pool.
//! - Idempotency keys are scoped per token (stored as `<token id>:<key>`): the same key
//!   with the same fact answers the first result, with another fact `CONFLICT`.
//!
//! # Roles
//! | operation | stuurgroep | contractmanager | evaluator | registrar | coordinator | admin |
//! |---|---|---|---|---|---|---|
//! | `kpis`, `kpiReeks`, `doelen`, `projectie`, reference data, `kpiWijzigingen` | perturbed | perturbed | ✓ | perturbed | perturbed | ✓ |
//! | `historie` of a facility, provider, target, region | – | ✓ | ✓ | – | – | ✓ |
//! | `historie` of a youth, `gebeurtenissen`, `diff` (person-level, logged) | – | – | ✓ | – | – | ✓ |
//! | `plaatsingsverzoeken`, `plaatsingsverzoek` (person-level, logged) | – | – | ✓ | – | own region | ✓ |
//! | `keten` (chain verification) | – | ✓ | ✓ | – | – | ✓ |
//! | `contracten`, `contract` | ✓ without `tarieven` | own region | ✓ | – | – | ✓ |
//! | `kosten`, `kostenReeks`, `budget`, `budgetReeks`, `budgetneutraal` | ✓ | own region | ✓ | – | – | ✓ |
//! | `scorecard`, `scorecardVerschil` | ✓ | own region | ✓ | – | – | ✓ |
//! | `kostenPerJeugdige` (person-level, logged) | – | – | ✓ | – | – | ✓ |
//! | `maatregelen`, `ratioAmbulantBed` (and their series) | perturbed | perturbed | ✓ | perturbed | perturbed | ✓ |
//! | mutations of request facts (`dienPlaatsingsverzoekIn`, `meldJeugdigeAan`, `biedPlaatsAan`, `weigerAanmelding`, `trekPlaatsingsverzoekIn`), and `corrigeerFeit` / `trekFeitIn` of those | – | – | – | ✓ | own region | ✓ |
//! | every other mutation of a fact (also contracts, budgets, measures), correction or retraction | – | – | – | ✓ | – | ✓ |
//! | `wisJeugdige` (erasure of a youth, logged) | – | – | – | – | – | ✓ |
//! | `tokens`, `maakToken`, `trekTokenIn` | – | – | – | – | – | ✓ |
//!
//! A coordinator's token is bound to one jeugdregio ([`auth::Tokens::create_voor`]); "own
//! region" is judged per request by [`verzoek`]: a request of another region is
//! `FORBIDDEN`, a placement, absence, youth or master-data fact too. A contract manager's
//! token is bound to one jeugdregio as well: "own region" is a contract whose
//! `jeugdregios` include it (another contract is `FORBIDDEN` by id and absent from
//! lists), and costs and budgets with the `jeugdregio` filter set to it (asking for
//! another region is `FORBIDDEN`); see [`geld`]. Stuurgroep reads contracts without
//! their tariffs: asking for `tarieven` is `FORBIDDEN`.
//! "–" is `FORBIDDEN`; without a (valid) token everything is `UNAUTHENTICATED`, also
//! introspection (`__schema`, `__type`; the SDL is public as `graphql/schema.graphql`).

pub mod auth;
pub mod beveiliging;
pub mod fout;
pub mod geld;
pub mod graphiql;
pub mod grenzen;
pub mod http;
pub mod intrekking;
pub mod mutation;
pub mod pad;
pub mod query;
pub mod state;
pub mod subscription;
pub mod types;
pub mod verzoek;
pub mod vraag;

use async_graphql::Schema;
use async_graphql::extensions::Tracing;

pub use auth::{Principal, Rol, Tokens};
pub use fout::{ApiFout, FoutCode};
/// The KPI catalogue the schema's `KpiRapport` follows (keys, labels, units).
pub use kringloop_projections::kpi_catalogue;
pub use mutation::MutationRoot;
pub use query::QueryRoot;
pub use state::{ApiConfig, ApiState};
pub use subscription::SubscriptionRoot;

/// The kringloop schema.
pub type KringloopSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema over a live state, with depth and complexity limits and tracing.
pub fn schema(state: ApiState) -> KringloopSchema {
    let cfg = state.config().clone();
    Schema::build(QueryRoot::default(), MutationRoot, SubscriptionRoot)
        .data(state)
        .limit_depth(cfg.max_depth)
        .limit_complexity(cfg.max_complexity)
        .extension(grenzen::Limits {
            max_fields: cfg.max_fields,
            max_depth: cfg.max_depth,
            max_complexity: cfg.max_complexity,
        })
        .extension(Tracing)
        .finish()
}

/// The SDL of the schema (what `kringloop export-schema` prints).
pub fn sdl() -> String {
    Schema::build(QueryRoot::default(), MutationRoot, SubscriptionRoot)
        .finish()
        .sdl()
}

#[cfg(test)]
mod tests {
    /// The committed SDL must match the code: regenerate with
    /// `cargo run -p kringloop -- export-schema > graphql/schema.graphql`.
    #[test]
    fn committed_schema_matches() {
        let committed = include_str!("../schema.graphql");
        let current = super::sdl();
        if committed.trim() != current.trim() {
            if std::env::var_os("KRINGLOOP_BLESS").is_some() {
                let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
                let _ = std::fs::write(path, &current);
            }
            panic!(
                "graphql/schema.graphql is out of date; run `KRINGLOOP_BLESS=1 cargo test -p kringloop-graphql committed_schema` or `kringloop export-schema > graphql/schema.graphql`"
            );
        }
    }
}
