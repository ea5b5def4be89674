//! Subscriptions over WebSocket: new events, and changes of a watched KPI query.
//!
//! Each stream checks before every item that the caller's token is still live and ends
//! when it was revoked; the WebSocket handler closes the whole connection as well
//! ([`crate::intrekking`]).

use std::sync::Arc;

use async_graphql::{Context, Subscription};
use chrono::NaiveDate;
use futures::stream::{self, Stream, StreamExt as _};
use tokio::sync::broadcast::error::RecvError;

use crate::auth::{LEZERS, PERSOONSNIVEAU, RolGuard, principal};
use crate::fout::ApiFout;
use crate::query::{QueryArgs, kpi_report};
use crate::state::ApiState;
use crate::types::{FilterInvoer, Gebeurtenis, KpiRapport, PeriodeInvoer, Toerekening};

fn comparable(r: &KpiRapport) -> KpiRapport {
    let mut r = r.clone();
    r.meta.gebeurtenissen = 0;
    r.meta.positie = 0;
    r
}

/// The events of a batch as the API's store reads them. The projection may fold the
/// stored log (a vault: youth streams under stored names, personal fields sealed); then
/// the youth events are read again through the store, which opens them (the writer's
/// name and the personal fields for a live youth; the stored name, blank fields and
/// `gewist` for an erased one). Should that read fail, the event goes out as folded.
async fn opened(state: &ApiState, events: &[&kringloop_events::RecordedEvent]) -> Vec<Gebeurtenis> {
    let stored: Vec<i64> = events
        .iter()
        .filter(|e| kringloop_events::personal::is_physical_youth_stream(&e.stream))
        .map(|e| e.position)
        .collect();
    let mut open = std::collections::HashMap::new();
    if let (Some(first), Some(last)) = (stored.iter().min(), stored.iter().max()) {
        let n = usize::try_from(last - first + 1).unwrap_or(0);
        match state.store().read_all(first - 1, n).await {
            Ok(rows) => open.extend(rows.into_iter().map(|e| (e.position, e))),
            Err(e) => tracing::warn!(fout = %e, "abonnement: gebeurtenissen niet geopend"),
        }
    }
    events
        .iter()
        .map(|e| Gebeurtenis::van(open.get(&e.position).unwrap_or(e), true))
        .collect()
}

pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every event as the projection applies it, optionally only these types.
    /// Person-level: evaluator and admin; the subscription is recorded in the access log.
    #[graphql(guard = "RolGuard(PERSOONSNIVEAU)")]
    async fn gebeurtenissen(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<String>>,
    ) -> Result<impl Stream<Item = Gebeurtenis>, async_graphql::Error> {
        let s = ctx
            .data::<ApiState>()
            .map_err(|e| ApiFout::intern("schema zonder toestand", e.message))?;
        let p = principal(ctx)?;
        let rx = s.runner().subscribe();
        s.log_inzage(p, "abonnement gebeurtenissen", &[]).await?;
        let types = types.unwrap_or_default();
        let tokens = Arc::clone(s.tokens());
        let token_id = p.token_id.clone();
        let state = s.clone();
        Ok(stream::unfold(
            (rx, types, tokens, token_id, state),
            |(mut rx, types, tokens, token_id, state)| async move {
                loop {
                    match rx.recv().await {
                        // A revoked token gets nothing more.
                        Ok(_) if !tokens.actief(&token_id) => return None,
                        Ok(applied) => {
                            let wanted: Vec<&kringloop_events::RecordedEvent> = applied
                                .events
                                .iter()
                                .filter(|e| types.is_empty() || types.contains(&e.event_type))
                                .collect();
                            let batch = opened(&state, &wanted).await;
                            if !batch.is_empty() {
                                return Some((batch, (rx, types, tokens, token_id, state)));
                            }
                        }
                        Err(RecvError::Lagged(n)) => {
                            tracing::warn!(gemist = n, "abonnee liep achter; batches overgeslagen");
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        )
        .flat_map(stream::iter))
    }

    /// The KPIs of a query: once at the start and again whenever newly applied events
    /// change them.
    #[graphql(guard = "RolGuard(LEZERS)")]
    async fn kpi_wijzigingen(
        &self,
        ctx: &Context<'_>,
        periode: PeriodeInvoer,
        peildatum: Option<NaiveDate>,
        filter: Option<FilterInvoer>,
        toerekening: Option<Toerekening>,
    ) -> Result<impl Stream<Item = KpiRapport>, async_graphql::Error> {
        let s = ctx
            .data::<ApiState>()
            .map_err(|e| ApiFout::intern("schema zonder toestand", e.message))?
            .clone();
        let p = principal(ctx)?;
        let (rol, token_id) = (p.rol, p.token_id.clone());
        let q = QueryArgs {
            periode: periode.periode()?,
            peildatum,
            filter: filter.as_ref(),
            toerekening,
            as_known_at: None,
        }
        .resolved(&s)
        .await?;
        let rx = s.runner().subscribe();
        let eerste = kpi_report(&s, rol, &q).await?;
        let laatst = comparable(&eerste);
        let rest = stream::unfold(
            (rx, laatst, s, q, token_id),
            move |(mut rx, mut laatst, s, q, token_id)| async move {
                loop {
                    match rx.recv().await {
                        // A revoked token gets nothing more.
                        Ok(_) | Err(RecvError::Lagged(_)) if !s.tokens().actief(&token_id) => {
                            return None;
                        }
                        Ok(_) | Err(RecvError::Lagged(_)) => {
                            let Ok(r) = kpi_report(&s, rol, &q).await else {
                                continue;
                            };
                            let v = comparable(&r);
                            if v != laatst {
                                laatst = v;
                                return Some((r, (rx, laatst, s, q, token_id)));
                            }
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        );
        Ok(stream::once(async move { eerste }).chain(rest))
    }
}
