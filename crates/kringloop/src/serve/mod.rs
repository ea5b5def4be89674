//! `kringloop serve`: the GraphQL API over HTTP on one event store.
//!
//! Start-up: open (or create) the store, optionally fill an empty one with the demo
//! landscape, fold the projection (the runner returns when caught up), fold the write
//! side, bind, serve. Shutdown on SIGINT/SIGTERM: stop accepting, let running requests
//! finish (an acknowledged write is committed before its reply), stop the runner, close
//! the store.

pub mod telemetry;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use kringloop_graphql::{ApiConfig, ApiState, Rol, Tokens};
use kringloop_runner::{Runner, RunnerOptions};
use kringloop_store::EventStore;

use crate::config::GlobalConfig;

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KRINGLOOP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Fill an EMPTY database with the generated demo landscape and print a token per role.
    #[arg(long)]
    pub demo: bool,
    /// Token file (hashed bearer tokens); default: next to the SQLite file, or
    /// `kringloop-tokens.json` for PostgreSQL.
    #[arg(long, env = "KRINGLOOP_TOKENS")]
    pub tokens: Option<PathBuf>,
    /// File with the secret of the cell-key method (disclosure control for roles without
    /// person-level access; `docs/privacy.md`); created with 32 random bytes when
    /// missing. Default: beside the token file (`<tokens>.celsleutel`).
    #[arg(long, env = "KRINGLOOP_CELSLEUTEL_BESTAND")]
    pub celsleutel_bestand: Option<PathBuf>,
    /// How often the projection polls the store for events written by other processes (ms).
    #[arg(long, env = "KRINGLOOP_POLL_MS", default_value_t = 100)]
    pub poll_ms: u64,
    /// Time limit of one HTTP request (s).
    #[arg(long, env = "KRINGLOOP_REQUEST_TIMEOUT", default_value_t = 30)]
    pub timeout_s: u64,
}

/// The token file for a database URL when none is given.
pub fn default_token_path(database_url: &str) -> PathBuf {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        return PathBuf::from("kringloop-tokens.json");
    }
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .unwrap_or(database_url);
    PathBuf::from(format!("{path}.tokens.json"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "kan niet op Ctrl-C wachten");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "kan niet op SIGTERM wachten");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("stoppen: geen nieuwe verzoeken meer, lopende worden afgemaakt");
}

async fn fill_demo(store: &dyn EventStore) -> anyhow::Result<bool> {
    if store.head_position().await? != 0 {
        eprintln!(
            "--demo: de database is niet leeg; er wordt niets toegevoegd (de demotokens \
             van de eerste start blijven geldig)"
        );
        return Ok(false);
    }
    let config = kringloop_demo::DemoConfig::default();
    eprintln!(
        "demolandschap genereren ({}–{}, zaadje {}) …",
        config.from_year, config.to_year, config.seed
    );
    let history = kringloop_demo::generate(&config).context("demogenerator")?;
    let started = std::time::Instant::now();
    let summary = kringloop_demo::write_to_store(store, history, 5_000, |_| {})
        .await
        .context("demolandschap schrijven")?;
    eprintln!(
        "demolandschap geschreven: {} gebeurtenissen, {} jeugdigen, {} voorzieningen in {:.1} s",
        summary.events,
        summary.jeugdigen,
        summary.voorzieningen,
        started.elapsed().as_secs_f64()
    );
    Ok(true)
}

pub async fn run(global: &GlobalConfig, args: &ServeArgs) -> anyhow::Result<()> {
    let stored: Arc<dyn EventStore> = kringloop_store::open(&global.database_url)
        .await
        .with_context(|| format!("kan de event store {} niet openen", global.redacted_url()))?;
    // Writes and person-level reads go through the vault; the projection folds the
    // stored residue and so never holds a personal field.
    let sealed = crate::vault::seal(global, Arc::clone(&stored)).await?;
    // Youths whose retention period has passed are erased before anything is served.
    crate::wissen::bewaartermijn_bij_start(&sealed).await?;
    let store: Arc<dyn EventStore> = sealed;
    let token_path = args
        .tokens
        .clone()
        .unwrap_or_else(|| default_token_path(&global.database_url));
    let tokens = Arc::new(Tokens::new(&token_path));

    let mut demo_tokens = Vec::new();
    if args.demo && fill_demo(store.as_ref()).await? {
        for rol in Rol::ALL {
            // The demo's coordinator and contract manager work for Rijnmond, the largest
            // region of Zuid-West.
            let regio = rol.per_jeugdregio().then_some("RIJNMOND");
            let (_, secret) = tokens
                .create_voor(rol, &format!("demo-{rol}"), regio)
                .context("demotoken aanmaken")?;
            demo_tokens.push((rol, regio, secret));
        }
    }

    let runner = Runner::start(
        Arc::clone(&stored),
        RunnerOptions {
            poll_interval: Duration::from_millis(args.poll_ms.max(1)),
            ..RunnerOptions::default()
        },
    )
    .await
    .context("projectie opbouwen")?;
    let config = ApiConfig {
        cell_keys: crate::cell_key::load_or_create(
            &args
                .celsleutel_bestand
                .clone()
                .unwrap_or_else(|| crate::cell_key::default_path(&token_path)),
        )?,
        timeout: Duration::from_secs(args.timeout_s.max(1)),
        norm_wachttijd_regulier: global.norm_wachttijd_regulier,
        ..ApiConfig::default()
    };
    let api = ApiState::new(Arc::clone(&store), runner.clone(), tokens, config)
        .await
        .map_err(|e| anyhow::anyhow!("domeinstaat opbouwen: {}", e.melding()))?;
    // The stuurgroep dashboard at `/` beside the API (crates/dashboard).
    let app = kringloop_graphql::http::router(api.clone()).merge(kringloop_dashboard::router(api));

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("kan niet luisteren op {}", args.listen))?;
    let adres = listener.local_addr()?;
    tracing::info!(
        adres = %adres,
        backend = store.backend(),
        positie = runner.position(),
        tokens = %token_path.display(),
        "kringloop luistert"
    );
    uit!("kringloop luistert op http://{adres}/graphql (GraphiQL in de browser)");
    uit!(
        "stuurgroepdashboard: http://{adres}/ (aanmelden met een token, bijvoorbeeld dat van de rol stuurgroep)"
    );
    if !demo_tokens.is_empty() {
        uit!(
            "tokens (alleen nu zichtbaar; opgeslagen als hash in {}):",
            token_path.display()
        );
        for (rol, regio, secret) in &demo_tokens {
            let rol = match regio {
                Some(r) => format!("{rol} ({r})"),
                None => rol.to_string(),
            };
            uit!("  {rol:<28} {secret}");
        }
        uit!("gebruik in GraphiQL de header {{\"Authorization\": \"Bearer <token>\"}}");
        uit!(
            "dashboard: open http://{adres}/aanmelden en meld aan met het stuurgroep-token (evaluator: ook de vergelijking van kennismomenten; contractmanager: de contractpagina /contracten)"
        );
    } else if args.demo {
        // A second `serve --demo`: the tokens were shown once, at the first start.
        uit!(
            "geen nieuwe tokens: de database was al gevuld. Een token maakt u met\n  \
             kringloop --database-url {} token create --tokens {} --rol stuurgroep --naam <naam>\n\
             (rollen: {}); `token list` toont de bestaande",
            global.redacted_url(),
            token_path.display(),
            Rol::ALL.map(|r| r.to_string()).join(", ")
        );
    }

    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("HTTP-server")?;
    runner.shutdown().await;
    store.close().await.context("event store sluiten")?;
    tracing::info!("kringloop gestopt");
    Ok(())
}
