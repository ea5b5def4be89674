//! Limits and error codes that hold for every operation, on every transport (`POST
//! /graphql`, the WebSocket, the dashboard in-process), as one schema extension
//! ([`Limits`]):
//!
//! - **Every error has a `code`.** Errors of async-graphql itself carry none: parse
//!   errors, validation errors (unknown field, wrong argument type, an unknown variable),
//!   an argument that does not parse, and the budgets below. They get `BAD_REQUEST`
//!   (the budgets with a message in Dutch). Errors of the resolvers already have theirs
//!   ([`crate::fout`]).
//! - **Introspection needs a token.** `__schema` and `__type` without a valid token are
//!   `UNAUTHENTICATED`, like every field; `__typename` stays open. This hides nothing that
//!   matters (the SDL is published in the repository as `graphql/schema.graphql`) but
//!   keeps an anonymous caller from learning more than that the endpoint exists. GraphiQL
//!   works once its `Authorization` header is set.
//! - **Budgets before any work.** An operation with more than
//!   [`ApiConfig::max_fields`](crate::ApiConfig::max_fields) root fields (aliases count,
//!   fragments are expanded) is refused when it is parsed. Then async-graphql's
//!   `limit_depth` and `limit_complexity` ([`crate::schema`]) refuse it during
//!   validation: each field costs 1 plus its subfields, and the expensive resolvers cost
//!   more ([`kosten`]): a walk of the whole chain (`keten`) so much that one fits in a
//!   request and two do not. Queries run their root fields concurrently, so these budgets
//!   also bound what one request does at once; resolvers that read the store take a turn
//!   from [`ApiState::reader`](crate::ApiState::reader) as well, so all requests together
//!   never hold more than a few of the pool's connections.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextSubscribe,
    NextValidation,
};
use async_graphql::futures_util::StreamExt as _;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensionValues, Response, ServerError, ServerResult, ValidationResult, Variables,
};

use crate::auth::{OngeldigToken, Principal};
use crate::fout::FoutCode;

/// Extra complexity of the expensive resolvers (on top of 1 plus their subfields), within
/// the default budget of [`crate::ApiConfig::max_complexity`] (2,000).
pub mod kosten {
    /// `keten`: walks and hashes the whole log (seconds on millions of events): one per
    /// request.
    pub const KETEN: usize = 1_500;
    /// `kpis`, `bezettingPer`: one report over the projection.
    pub const RAPPORT: usize = 50;
    /// `kpiReeks`: one sweep for up to 120 periods.
    pub const REEKS: usize = 100;
    /// `diff`: two reports and the events recorded in between.
    pub const DIFF: usize = 150;
    /// `historie`: reads streams from the store.
    pub const HISTORIE: usize = 100;
    /// `gebeurtenissen`: a page of up to 1,000 events from the store.
    pub const GEBEURTENISSEN: usize = 100;
}

/// The extension; see the module documentation.
pub struct Limits {
    /// Most root fields of an operation.
    pub max_fields: usize,
    /// The budgets given to the schema, for the messages.
    pub max_depth: usize,
    pub max_complexity: usize,
}

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension {
            max_fields: self.max_fields,
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
        })
    }
}

struct LimitsExtension {
    max_fields: usize,
    max_depth: usize,
    max_complexity: usize,
}

/// An error with a code, for the hooks below.
fn server_error(code: FoutCode, melding: impl Into<String>) -> ServerError {
    let mut e = ServerError::new(melding, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code.code());
    e.extensions = Some(ext);
    e
}

/// Gives every error without a code `BAD_REQUEST`.
fn with_codes(errors: &mut [ServerError]) {
    for e in errors {
        let ext = e.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", FoutCode::BadRequest.code());
        }
    }
}

/// The root fields of a selection set, fragments expanded (each fragment once per path,
/// so a cycle, which validation refuses later, cannot loop here).
fn root_fields<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    bezocht: &mut HashSet<&'a str>,
    uit: &mut Vec<&'a str>,
) {
    for sel in &set.items {
        match &sel.node {
            Selection::Field(f) => uit.push(f.node.name.node.as_str()),
            Selection::InlineFragment(i) => {
                root_fields(doc, &i.node.selection_set.node, bezocht, uit);
            }
            Selection::FragmentSpread(s) => {
                let naam = s.node.fragment_name.node.as_str();
                if let Some(frag) = doc.fragments.get(&s.node.fragment_name.node)
                    && bezocht.insert(naam)
                {
                    root_fields(doc, &frag.node.selection_set.node, bezocht, uit);
                    bezocht.remove(naam);
                }
            }
        }
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut resp = next.run(ctx).await;
        with_codes(&mut resp.errors);
        resp
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream)
            .map(|mut resp| {
                with_codes(&mut resp.errors);
                resp
            })
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let aangemeld = ctx.data_opt::<Principal>().is_some();
        for (_, op) in doc.operations.iter() {
            let mut velden = Vec::new();
            root_fields(
                &doc,
                &op.node.selection_set.node,
                &mut HashSet::new(),
                &mut velden,
            );
            if velden.len() > self.max_fields {
                return Err(server_error(
                    FoutCode::BadRequest,
                    format!(
                        "te veel velden in één verzoek: {} op het hoogste niveau (aliassen tellen mee), ten hoogste {}",
                        velden.len(),
                        self.max_fields
                    ),
                ));
            }
            if !aangemeld && velden.iter().any(|v| matches!(*v, "__schema" | "__type")) {
                let melding = if ctx.data_opt::<OngeldigToken>().is_some() {
                    "het token is onbekend of ingetrokken"
                } else {
                    "introspectie vereist een token: stuur `Authorization: Bearer <token>` (het schema staat ook in graphql/schema.graphql)"
                };
                return Err(server_error(FoutCode::Unauthenticated, melding));
            }
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| match e.message.as_str() {
                    "Query is too complex." => server_error(
                        FoutCode::BadRequest,
                        format!(
                            "de query is te zwaar (complexiteit boven {}): vraag minder velden tegelijk, zeker van keten, kpis, kpiReeks, bezettingPer, diff, historie en gebeurtenissen",
                            self.max_complexity
                        ),
                    ),
                    "Query is nested too deep." => server_error(
                        FoutCode::BadRequest,
                        format!("de query is te diep genest (meer dan {} niveaus)", self.max_depth),
                    ),
                    _ => e,
                })
                .collect::<Vec<ServerError>>()
        })
    }
}
