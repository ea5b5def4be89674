//! The HTTP surface: one [`router`], so tests run it in-process and `kringloop serve`
//! binds it to a socket.
//!
//! Every error reply is JSON in the GraphQL shape, `{"errors": [{"message": …,
//! "extensions": {"code": …}}]}`, also when the request never reaches the schema:
//! - `POST /graphql` takes one operation as `application/json` of at most
//!   [`ApiConfig::max_body`](crate::ApiConfig::max_body) bytes ([`JsonRequest`]): another
//!   content type is 415, a larger body 413, a body that is not a GraphQL request in JSON
//!   (or a batch) 400, each with `BAD_REQUEST`;
//! - whatever else the router or its layers answer with an error status and no JSON (the
//!   time limit: 408 `OVERLOADED`; a method the route does not take: 405 `BAD_REQUEST`;
//!   a failed WebSocket upgrade) is rewritten by [`json_errors`];
//! - parse and validation errors inside the schema get their code from [`crate::grenzen`].

use std::time::Duration;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse};
use axum::Json;
use axum::Router;
use axum::extract::{FromRequest, Request, State, WebSocketUpgrade};
use axum::handler::Handler as _;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header::AUTHORIZATION};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures::StreamExt as _;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Instrument as _;

use crate::auth::{OngeldigToken, bearer};
use crate::beveiliging;
use crate::fout::FoutCode;
use crate::{ApiState, KringloopSchema, schema};

#[derive(Clone)]
struct App {
    schema: KringloopSchema,
    api: ApiState,
}

fn secret_from_headers(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(bearer)
}

async fn graphql(
    State(app): State<App>,
    headers: HeaderMap,
    JsonRequest(mut req): JsonRequest,
) -> GraphQLResponse {
    let secret = secret_from_headers(&headers);
    let mut rol = "-";
    if let Some(s) = secret {
        match app.api.tokens().verify(s) {
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

/// An error reply outside the schema, in the shape of a GraphQL response.
fn error_response(status: StatusCode, code: FoutCode, melding: impl Into<String>) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": melding.into(), "extensions": { "code": code.code() } }]
    });
    (status, Json(body)).into_response()
}

/// The GraphQL request of a `POST /graphql`: one operation as `application/json`, at most
/// [`ApiConfig::max_body`](crate::ApiConfig::max_body) bytes. Multipart (file uploads)
/// and batches are not taken. Every refusal is a JSON reply with `BAD_REQUEST`.
struct JsonRequest(async_graphql::Request);

impl FromRequest<App> for JsonRequest {
    type Rejection = Response;

    async fn from_request(req: Request, app: &App) -> Result<Self, Response> {
        let max = app.api.config().max_body;
        let te_groot = || {
            error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                FoutCode::BadRequest,
                format!("het verzoek is groter dan {max} bytes"),
            )
        };
        let soort = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let kern = soort.split(';').next().unwrap_or("").trim();
        if !kern.eq_ignore_ascii_case("application/json") {
            return Err(error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                FoutCode::BadRequest,
                format!(
                    "stuur het verzoek als `Content-Type: application/json` (niet `{}`)",
                    if soort.is_empty() { "geen" } else { soort }
                ),
            ));
        }
        let lengte = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if lengte.is_some_and(|n| n > max as u64) {
            return Err(te_groot());
        }
        let mut body = Vec::new();
        let mut stukken = req.into_body().into_data_stream();
        while let Some(stuk) = stukken.next().await {
            let stuk = stuk.map_err(|_| {
                error_response(
                    StatusCode::BAD_REQUEST,
                    FoutCode::BadRequest,
                    "de body van het verzoek kon niet gelezen worden",
                )
            })?;
            if body.len() + stuk.len() > max {
                return Err(te_groot());
            }
            body.extend_from_slice(&stuk);
        }
        match serde_json::from_slice::<async_graphql::BatchRequest>(&body) {
            Ok(async_graphql::BatchRequest::Single(r)) => Ok(JsonRequest(r)),
            Ok(async_graphql::BatchRequest::Batch(_)) => Err(error_response(
                StatusCode::BAD_REQUEST,
                FoutCode::BadRequest,
                "stuur één verzoek per keer; een lijst (batch) wordt niet ondersteund",
            )),
            Err(e) => Err(error_response(
                StatusCode::BAD_REQUEST,
                FoutCode::BadRequest,
                format!(
                    "de body is geen GraphQL-verzoek in JSON (`{{\"query\": …, \"variables\": …}}`): {e}"
                ),
            )),
        }
    }
}

/// Rewrites an error reply that is not JSON (from the router itself or a layer: the time
/// limit, a method the route does not take, a failed WebSocket upgrade) into the JSON
/// shape with a code; JSON replies pass unchanged.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (code, melding) = match status {
        StatusCode::REQUEST_TIMEOUT => (
            FoutCode::Overloaded,
            "het verzoek duurde langer dan de tijdslimiet van de server; probeer het later opnieuw of vraag minder tegelijk",
        ),
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => (
            FoutCode::Overloaded,
            "de server is druk; probeer het later opnieuw",
        ),
        StatusCode::UNAUTHORIZED => (FoutCode::Unauthenticated, "aanmelden vereist"),
        StatusCode::FORBIDDEN => (FoutCode::Forbidden, "niet toegestaan"),
        StatusCode::NOT_FOUND => (FoutCode::NotFound, "niet gevonden"),
        StatusCode::METHOD_NOT_ALLOWED => (
            FoutCode::BadRequest,
            "deze methode wordt hier niet ondersteund (GraphQL: POST /graphql; GraphiQL: GET /graphql)",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (FoutCode::BadRequest, "het verzoek is te groot"),
        s if s.is_client_error() => (FoutCode::BadRequest, "ongeldig verzoek"),
        _ => (
            FoutCode::Internal,
            "interne fout; de beheerder kan de details in het logboek vinden",
        ),
    };
    let mut nieuw = error_response(status, code, melding);
    // Keep what the reply said about itself besides its body (Allow, Retry-After, …).
    for (naam, waarde) in resp.headers() {
        if naam != CONTENT_TYPE && naam != CONTENT_LENGTH {
            nieuw.headers_mut().insert(naam.clone(), waarde.clone());
        }
    }
    nieuw
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    nieuw
}

/// GraphiQL, with the security headers of [`crate::beveiliging`].
async fn graphiql() -> Html<&'static str> {
    Html(beveiliging::graphiql().html.as_str())
}

async fn ws(
    State(app): State<App>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let secret = secret_from_headers(&headers).map(str::to_owned);
    // Serves the connection until it ends or its token is revoked (crate::intrekking).
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            crate::intrekking::serve(socket, app.schema, app.api, protocol, secret)
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
            let ready = h - runner.position() <= app.api.config().max_lag;
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
        .route(
            "/graphql",
            get(graphiql.layer(beveiliging::laag(beveiliging::graphiql().csp.clone())))
                .post(graphql),
        )
        .route(
            "/graphql/assets/{naam}",
            get(crate::graphiql::serve_asset
                .layer(beveiliging::laag(beveiliging::graphiql().csp.clone()))),
        )
        .route("/graphql/ws", get(ws))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(app)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            cfg.timeout,
        ))
        .layer(axum::middleware::map_response(json_errors))
        .layer(TraceLayer::new_for_http())
}
