//! Shared harness of the dashboard tests: a SQLite store in a temp dir filled with the
//! demo landscape, a token per role, and the app as `kringloop serve` builds it (the API
//! router merged with the dashboard router).

#![allow(dead_code)] // each test binary uses a different part

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use kringloop_demo::{DemoConfig, generate, write_to_store};
use kringloop_graphql::{ApiConfig, ApiState, Rol, Tokens};
use kringloop_runner::{Runner, RunnerOptions};
use kringloop_store::EventStore;

pub struct Omgeving {
    pub dir: tempfile::TempDir,
    pub api: ApiState,
    pub store: Arc<dyn EventStore>,
    pub runner: Runner,
    pub tokens: HashMap<Rol, String>,
}

impl Omgeving {
    pub fn token(&self, r: Rol) -> &str {
        &self.tokens[&r]
    }

    /// The whole HTTP surface: GraphQL API plus dashboard.
    pub fn app(&self) -> Router {
        kringloop_graphql::http::router(self.api.clone())
            .merge(kringloop_dashboard::router(self.api.clone()))
    }

    pub async fn stop(self) {
        self.runner.shutdown().await;
        let _ = self.store.close().await;
    }
}

/// The default demo landscape (JeugdzorgPlus, 2019–2026, seed 42) in a fresh SQLite file.
pub async fn demo_omgeving() -> Omgeving {
    demo_omgeving_met(ApiConfig::default()).await
}

/// [`demo_omgeving`] with the API's settings given (a fixed cell-key secret, say).
pub async fn demo_omgeving_met(config: ApiConfig) -> Omgeving {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = dir.path().join("events.db").to_string_lossy().into_owned();
    let store = kringloop_store::open(&url).await.expect("store");
    let history = generate(&DemoConfig::default()).expect("demo");
    write_to_store(store.as_ref(), history, 5_000, |_| {})
        .await
        .expect("demo schrijven");
    let tokens_bestand = Arc::new(Tokens::new(dir.path().join("tokens.json")));
    let tokens = Rol::ALL
        .into_iter()
        .map(|r| {
            let regio = r.per_jeugdregio().then_some("RIJNMOND");
            let (_, s) = tokens_bestand
                .create_voor(r, &format!("test-{r}"), regio)
                .expect("token");
            (r, s)
        })
        .collect();
    let runner = Runner::start(
        Arc::clone(&store),
        RunnerOptions {
            poll_interval: Duration::from_millis(50),
            ..RunnerOptions::default()
        },
    )
    .await
    .expect("runner");
    let api = ApiState::new(Arc::clone(&store), runner.clone(), tokens_bestand, config)
        .await
        .map_err(|e| e.melding())
        .expect("api");
    Omgeving {
        dir,
        api,
        store,
        runner,
        tokens,
    }
}
