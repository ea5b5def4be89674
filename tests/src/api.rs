//! The shared HTTP harness of the API tests: a store on one backend with a token file
//! holding one token per role ([`Omgeving`]), a started server (store, runner, API state,
//! router: [`Server`]) that answers GraphQL over the router as a client would, and the
//! helpers every API test needs ([`ok`], [`code`], [`feit`]). `tests/tests/api_geld.rs`
//! uses it with [`crate::both_backends!`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use kringloop_graphql::{ApiConfig, ApiState, Rol, Tokens};
use kringloop_runner::{Runner, RunnerOptions};
use kringloop_store::EventStore;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::{PgDbGuard, fresh_pg_database};

/// The region of the tokens bound to one (coordinator, contract manager).
pub const EIGEN: &str = "RIJNMOND";

/// A store URL, a token file with one token per role, and the PostgreSQL guard.
pub struct Omgeving {
    pub url: String,
    pub dir: tempfile::TempDir,
    tokens: HashMap<Rol, String>,
    _pg: Option<PgDbGuard>,
}

impl Omgeving {
    fn nieuw(url: String, dir: tempfile::TempDir, pg: Option<PgDbGuard>) -> Omgeving {
        let t = Tokens::new(dir.path().join("tokens.json"));
        let tokens = Rol::ALL
            .into_iter()
            .map(|r| {
                let regio = r.per_jeugdregio().then_some(EIGEN);
                let secret = t
                    .create_voor(r, &format!("test-{r}"), regio)
                    .map(|(_, s)| s)
                    .unwrap_or_else(|e| panic!("token {r}: {e}"));
                (r, secret)
            })
            .collect();
        Omgeving {
            url,
            dir,
            tokens,
            _pg: pg,
        }
    }

    /// A SQLite file in a temporary directory.
    pub async fn sqlite() -> Omgeving {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let url = dir.path().join("events.db").to_string_lossy().into_owned();
        Omgeving::nieuw(url, dir, None)
    }

    /// A fresh PostgreSQL database (`None`: no server, the test is skipped loudly).
    pub async fn postgres(test: &str) -> Option<Omgeving> {
        let (url, guard) = fresh_pg_database(test).await?;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        Some(Omgeving::nieuw(url, dir, Some(guard)))
    }

    /// The bearer secret of a role's token (a bound role's is bound to [`EIGEN`]).
    pub fn token(&self, r: Rol) -> &str {
        &self.tokens[&r]
    }

    pub fn tokenpad(&self) -> PathBuf {
        self.dir.path().join("tokens.json")
    }

    /// A token of a bound role for another region, added to the token file.
    pub fn token_voor(&self, r: Rol, regio: &str) -> String {
        Tokens::new(self.tokenpad())
            .create_voor(r, &format!("test-{r}-{regio}"), Some(regio))
            .map(|(_, s)| s)
            .unwrap_or_else(|e| panic!("token {r} {regio}: {e}"))
    }

    /// Opens the store, starts a runner and the API with the default configuration.
    pub async fn start(&self) -> Server {
        self.start_met(ApiConfig::default()).await
    }

    /// [`Omgeving::start`] with another configuration (the cell keys are the test's).
    pub async fn start_met(&self, config: ApiConfig) -> Server {
        let store = kringloop_store::open(&self.url)
            .await
            .unwrap_or_else(|e| panic!("store: {e}"));
        let runner = Runner::start(
            Arc::clone(&store),
            RunnerOptions {
                poll_interval: Duration::from_millis(20),
                ..RunnerOptions::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("runner: {e}"));
        let config = ApiConfig {
            cell_keys: kringloop_projections::RecordKeys::new(b"api test deployment secret"),
            ..config
        };
        let api = ApiState::new(
            Arc::clone(&store),
            runner.clone(),
            Arc::new(Tokens::new(self.tokenpad())),
            config,
        )
        .await
        .unwrap_or_else(|e| panic!("api: {}", e.melding()));
        Server {
            app: kringloop_graphql::http::router(api.clone()),
            api,
            store,
            runner,
        }
    }
}

/// A started server: the router answers as over HTTP.
pub struct Server {
    pub app: Router,
    pub api: ApiState,
    pub store: Arc<dyn EventStore>,
    pub runner: Runner,
}

impl Server {
    /// `POST /graphql` with a bearer token; the JSON reply.
    pub async fn gql(&self, token: &str, query: &str, vars: Value) -> Value {
        let body = json!({ "query": query, "variables": vars }).to_string();
        let req = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(body))
            .unwrap_or_else(|e| panic!("request: {e}"));
        let resp = self
            .app
            .clone()
            .oneshot(req)
            .await
            .unwrap_or_else(|e| match e {});
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap_or_else(|e| panic!("body: {e}"));
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("json: {e}"))
    }

    /// The store's last position.
    pub async fn head(&self) -> i64 {
        self.store
            .head_position()
            .await
            .unwrap_or_else(|e| panic!("head: {e}"))
    }

    /// The payloads of the access log (`PersoonsgegevensIngezien`) in the store.
    pub async fn inzage(&self) -> Vec<Value> {
        let mut uit = Vec::new();
        let alle = self
            .store
            .read_all(0, 100_000)
            .await
            .unwrap_or_else(|e| panic!("read: {e}"));
        for e in alle {
            if e.event_type == "PersoonsgegevensIngezien" {
                uit.push(
                    serde_json::from_str(&e.payload).unwrap_or_else(|x| panic!("payload: {x}")),
                );
            }
        }
        uit
    }

    /// Waits until the projection has applied everything in the store.
    pub async fn bij(&self) {
        let head = self.head().await;
        self.runner.nudge();
        assert!(
            self.runner.wait_for(head, Duration::from_secs(30)).await,
            "the projection did not reach position {head}"
        );
    }

    pub async fn stop(self) {
        self.runner.shutdown().await;
        drop(self.app);
        drop(self.api);
        self.store
            .close()
            .await
            .unwrap_or_else(|e| panic!("close: {e}"));
    }
}

/// The `code` extension of the first error, if any.
pub fn code(v: &Value) -> Option<&str> {
    v["errors"][0]["extensions"]["code"].as_str()
}

/// The `data` of a reply without errors (panics with the reply otherwise).
pub fn ok(v: &Value) -> &Value {
    assert!(v.get("errors").is_none(), "unexpected errors: {v}");
    &v["data"]
}

/// The fields of a mutation's reply the tests read.
pub const REPLY: &str = "eventId positie stroom streamVersie duplicaat signalen { code melding }";

/// One fact mutation `veld(invoer: $i, idempotencyKey: $k)` with input type
/// `invoertype`; `pseudoniem` for the facts of a youth. The whole reply.
pub async fn feit(
    s: &Server,
    token: &str,
    veld: &str,
    invoertype: &str,
    invoer: Value,
    pseudoniem: Option<&str>,
    key: &str,
) -> Value {
    let (decl, arg) = if pseudoniem.is_some() {
        (", $ps: String!", ", pseudoniem: $ps")
    } else {
        ("", "")
    };
    let q = format!(
        "mutation M($i: {invoertype}!, $k: String!{decl}) {{ {veld}(invoer: $i, idempotencyKey: $k{arg}) {{ {REPLY} }} }}"
    );
    s.gql(
        token,
        &q,
        json!({ "i": invoer, "k": key, "ps": pseudoniem }),
    )
    .await
}
