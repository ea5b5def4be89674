//! The HTTP surface: one [`router`], so tests run it in-process and `kringloop serve`
//! binds it to a socket.

use std::time::Duration;

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse};
use axum::Json;
use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header::AUTHORIZATION};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Instrument as _;

use crate::auth::{OngeldigToken, bearer};
use crate::{ApiState, KringloopSchema, schema};

#[derive(Clone)]
struct App {
    schema: KringloopSchema,
    api: ApiState,
}

fn secret_uit_headers(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(bearer)
}

async fn graphql(
    State(app): State<App>,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> GraphQLResponse {
    let mut req = req.into_inner();
    let secret = secret_uit_headers(&headers);
    let mut rol = "-";
    if let Some(s) = secret {
        match app.api.tokens().verifieer(s) {
            Some(p) => {
                rol = p.rol.naam();
                req = req.data(p);
            }
            None => req = req.data(OngeldigToken),
        }
    }
    let span = tracing::info_span!(
        "graphql",
        operation = req.operation_name.as_deref().unwrap_or("(naamloos)"),
        rol
    );
    app.schema.execute(req).instrument(span).await.into()
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .title("kringloop")
            .finish(),
    )
}

async fn ws(
    State(app): State<App>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let secret = secret_uit_headers(&headers).map(str::to_owned);
    // Serves the connection until it ends or its token is revoked (crate::intrekking).
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            crate::intrekking::serveer(socket, app.schema, app.api, protocol, secret)
        })
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(app): State<App>) -> Response {
    let runner = app.api.runner();
    let head = tokio::time::timeout(Duration::from_secs(2), app.api.store().head_position()).await;
    let body = |ready: bool, head: Option<i64>| {
        serde_json::json!({
            "ready": ready,
            "positie": runner.position(),
            "storeHead": head,
        })
    };
    match head {
        Ok(Ok(h)) => {
            let ready = h - runner.position() <= app.api.config().max_achterstand;
            let status = if ready {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            (status, Json(body(ready, Some(h)))).into_response()
        }
        _ => (StatusCode::SERVICE_UNAVAILABLE, Json(body(false, None))).into_response(),
    }
}

/// The whole HTTP API over one state.
pub fn router(api: ApiState) -> Router {
    let cfg = api.config().clone();
    let app = App {
        schema: schema(api.clone()),
        api,
    };
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(ws))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(app)
        .layer(RequestBodyLimitLayer::new(cfg.max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            cfg.timeout,
        ))
        .layer(TraceLayer::new_for_http())
}
