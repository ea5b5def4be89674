//! Revoking a token ends the subscriptions it has open.
//!
//! A WebSocket connection authenticates once, when it starts: with the `Authorization`
//! header of the upgrade request or the `connection_init` payload (`{"Authorization":
//! "Bearer …"}` or `{"token": "…"}`; the payload's token replaces the header's). Without
//! more, a revoked token's open subscriptions would keep delivering events for as long as
//! the connection lasts. So [`serve`] runs every connection beside a watcher that checks
//! the connection's token again
//! - at once when a token is revoked in this process (`trekTokenIn`, through
//!   [`Tokens::wijzigingen`]), and
//! - every [`CHECK_INTERVAL`], which notices a token file changed by another process
//!   (`kringloop token revoke`, another server) within that interval,
//!
//! and, once the token is no longer live, stops forwarding messages, sends a close frame
//! with code [`CLOSE_CODE_REVOKED`] and drops the connection with all its
//! subscriptions. The subscription streams check the token before every item as well
//! (`crate::subscription`), so a stream executed outside this handler ends too.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::{SinkExt as _, StreamExt as _};
use tokio::time::MissedTickBehavior;

use crate::auth::{OngeldigToken, Tokens, bearer};
use crate::{ApiState, KringloopSchema};

/// How often an open connection checks its token at the latest.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// Close code of a connection whose token was revoked (4403, "Forbidden", as in the
/// graphql-transport-ws protocol).
pub const CLOSE_CODE_REVOKED: u16 = 4403;

/// The principal (or the mark of a bad token) for a bearer secret, and the id of the
/// token when it is live.
pub(crate) fn sign_in(api: &ApiState, secret: Option<&str>) -> (Data, Option<String>) {
    let mut data = Data::default();
    let mut token_id = None;
    if let Some(s) = secret {
        match api.tokens().verify(s) {
            Some(p) => {
                token_id = Some(p.token_id.clone());
                data.insert(p);
            }
            None => data.insert(OngeldigToken),
        }
    }
    (data, token_id)
}

/// The bearer secret of a `connection_init` payload.
fn secret_from_init(payload: &serde_json::Value) -> Option<String> {
    let o = payload.as_object()?;
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.as_str())
        .and_then(bearer)
        .or_else(|| o.get("token").and_then(|v| v.as_str()))
        .map(str::to_owned)
}

/// The token a connection runs as (its id, not the secret).
#[derive(Clone, Default)]
struct ConnectionToken(Arc<Mutex<Option<String>>>);

impl ConnectionToken {
    fn set(&self, token_id: Option<String>) {
        if let Some(id) = token_id {
            *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(id);
        }
    }

    fn current(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Returns once the connection's token is no longer live.
async fn wait_for_revocation(tokens: &Tokens, wie: &ConnectionToken) {
    let mut wijzigingen = tokens.changes();
    let mut tik = tokio::time::interval(CHECK_INTERVAL);
    tik.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut meldt = true;
    loop {
        tokio::select! {
            _ = tik.tick() => {}
            r = wijzigingen.changed(), if meldt => meldt = r.is_ok(),
        }
        if let Some(id) = wie.current()
            && !tokens.actief(&id)
        {
            return;
        }
    }
}

/// Serves one GraphQL WebSocket connection until the client or the protocol ends it, or
/// until its token is revoked.
pub(crate) async fn serve(
    socket: WebSocket,
    schema: KringloopSchema,
    api: ApiState,
    protocol: GraphQLProtocol,
    secret: Option<String>,
) {
    let (data, token_id) = sign_in(&api, secret.as_deref());
    let wie = ConnectionToken::default();
    wie.set(token_id);
    let (mut naar_client, van_client) = socket.split();
    // The GraphQL side writes into a channel; this loop forwards what it writes, so that
    // it can stop forwarding and close the socket itself.
    let (uit, mut berichten) = futures::channel::mpsc::channel::<Message>(16);
    let (api_init, wie_init) = (api.clone(), wie.clone());
    let graphql = GraphQLWebSocket::new_with_pair(uit, van_client, schema, protocol)
        .with_data(data)
        .on_connection_init(move |payload| async move {
            let (data, token_id) = sign_in(&api_init, secret_from_init(&payload).as_deref());
            wie_init.set(token_id);
            Ok(data)
        })
        .serve();
    let ingetrokken = wait_for_revocation(api.tokens(), &wie);
    let mut graphql = std::pin::pin!(graphql);
    let mut ingetrokken = std::pin::pin!(ingetrokken);
    let mut graphql_klaar = false;
    loop {
        tokio::select! {
            biased;
            () = &mut ingetrokken => {
                tracing::info!(
                    token = wie.current().as_deref().unwrap_or("-"),
                    "WebSocket gesloten: het token is ingetrokken"
                );
                let sluit = Message::Close(Some(CloseFrame {
                    code: CLOSE_CODE_REVOKED,
                    reason: "token ingetrokken".into(),
                }));
                if naar_client.send(sluit).await.is_ok() {
                    let _ = naar_client.close().await;
                }
                return;
            }
            bericht = berichten.next() => match bericht {
                Some(b) => {
                    if naar_client.send(b).await.is_err() {
                        return;
                    }
                }
                // The GraphQL side ended and everything it wrote is forwarded.
                None => return,
            },
            () = &mut graphql, if !graphql_klaar => graphql_klaar = true,
        }
    }
}
