//! `kringloop`: the command-line entry point.

/// mimalloc instead of glibc's malloc (see ARCHITECTURE.md, "Allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` that ends the program quietly when the reader of stdout went away
/// (`kringloop kpi | head -1`) instead of panicking on the broken pipe.
macro_rules! uit {
    ($($arg:tt)*) => {
        $crate::uitvoer::regel(format_args!($($arg)*))
    };
}

mod cell_key;
mod config;
mod data;
mod kpi;
mod overzetting;
mod serve;
mod tokens;
mod uitvoer;
mod vault;
mod wissen;

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use config::GlobalConfig;

#[derive(Debug, Parser)]
#[command(
    name = "kringloop",
    version,
    about = "Event-sourced monitor for the af- en ombouw of closed and residential youth care"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalConfig,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Walk the hash chain of the event log; exits non-zero and names the first position
    /// that does not match when the log was altered.
    Verify {
        /// Also require that the chain ends in this head hash (hex), e.g. one published
        /// earlier, so that removing events at the end is detected too.
        #[arg(long)]
        expect_head: Option<String>,
    },
    /// Print the KPIs of one period in the terminal (optionally as known at a moment).
    Kpi(kpi::KpiArgs),
    /// Generate the demo landscape into the store.
    Demo(data::DemoArgs),
    /// Import CSV, JSON Lines or iJw files through the domain rules.
    Import(data::ImportArgs),
    /// Serve the GraphQL API (GraphiQL at /graphql) on the event store.
    Serve(serve::ServeArgs),
    /// Print the GraphQL schema (SDL).
    ExportSchema,
    /// Create the database's tables or bring them to the current schema version (SQLite:
    /// creates a missing file). Only `migrate`, `serve`, `demo`, `import` and
    /// `versleutel` (its new log) create or migrate; every other command refuses a
    /// missing or unmigrated database.
    Migrate,
    /// Create, list or revoke bearer tokens.
    Token(tokens::TokenArgs),
    /// Erase one youth's personal data (records the erasure, deletes the youth's key).
    Wis(wissen::WisArgs),
    /// Erase every youth whose retention period has passed (`--droog`: only list).
    Bewaartermijn(wissen::BewaartermijnArgs),
    /// Write a new random master key file (mode 0600; never overwrites).
    Mastersleutel {
        /// Where to write it.
        #[arg(long)]
        bestand: std::path::PathBuf,
    },
    /// Copy a log written before the vault into a new, sealed log.
    Versleutel(overzetting::OverzetArgs),
    /// Check that a log copied by `versleutel` holds the same facts as the old one.
    ControleerOverzetting(overzetting::OverzetArgs),
}

/// Console tracing, plus OpenTelemetry OTLP export when `OTEL_EXPORTER_OTLP_ENDPOINT` is
/// set (keep the returned guard alive: dropping it flushes the last spans).
///
/// The filter: `--log` (or `KRINGLOOP_LOG`) when given, else `RUST_LOG`, else `info`;
/// an invalid one is an error. Colours only when stderr is a terminal and `NO_COLOR` is
/// not set.
fn init_tracing(log: Option<&str>) -> anyhow::Result<serve::telemetry::Telemetry> {
    use std::io::IsTerminal as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let rust_log = std::env::var("RUST_LOG")
        .ok()
        .filter(|f| !f.trim().is_empty());
    let filter = match (log, rust_log) {
        (Some(f), _) => EnvFilter::try_new(f).with_context(|| format!("ongeldige --log `{f}`"))?,
        (None, Some(f)) => {
            config::check_log_filter(&f).map_err(|e| anyhow::anyhow!("RUST_LOG: {e}"))?;
            EnvFilter::try_new(&f).with_context(|| format!("ongeldige RUST_LOG `{f}`"))?
        }
        (None, None) => EnvFilter::new("info"),
    };
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let (otel, telemetry) = serve::telemetry::otel_layer();
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(ansi)
                .with_writer(std::io::stderr),
        )
        .with(otel)
        .init();
    Ok(telemetry)
}

/// The message of an error and its causes, each cause once: a cause whose text the
/// message already holds (a wrapper that prints its source) is left out.
fn melding(err: &anyhow::Error) -> String {
    let mut tekst = String::new();
    for oorzaak in err.chain() {
        let deel = oorzaak.to_string();
        if deel.is_empty() || tekst.contains(&deel) {
            continue;
        }
        if !tekst.is_empty() {
            tekst.push_str(": ");
        }
        tekst.push_str(&deel);
    }
    tekst
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let _telemetry = match init_tracing(cli.global.log.as_deref()) {
        Ok(t) => t,
        Err(err) => {
            eprintln!("fout: {}", melding(&err));
            return ExitCode::from(2);
        }
    };
    match run(cli).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("fout: {}", melding(&err));
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Verify { expect_head } => verify(&cli.global, expect_head).await,
        Command::Demo(args) => {
            let store = open_store_for_bulk(&cli.global).await?;
            let store: std::sync::Arc<dyn kringloop_store::EventStore> =
                vault::seal(&cli.global, store).await?;
            data::demo(store.as_ref(), &args).await?;
            store.close().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => {
            let store: std::sync::Arc<dyn kringloop_store::EventStore> =
                vault::seal(&cli.global, open_store_writer(&cli.global).await?).await?;
            let ok = data::import(store.clone(), &args, cli.global.norm_wachttijd_regulier).await?;
            store.close().await?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Kpi(args) => {
            let store = open_store(&cli.global).await?;
            kpi::run(store.as_ref(), &args, &cli.global.database_url).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve::run(&cli.global, &args)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::ExportSchema => {
            uitvoer::tekst(&kringloop_graphql::sdl());
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = open_store_writer(&cli.global).await?;
            let kop = store.head_position().await?;
            store.close().await?;
            uit!(
                "schema van {} is bij ({kop} gebeurtenissen)",
                cli.global.redacted_url()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(args) => tokens::run(&cli.global, &args).map(|()| ExitCode::SUCCESS),
        Command::Wis(args) => {
            let store = wissen::open_sealed(&cli.global).await?;
            let code = wissen::wis(&store, &args).await?;
            wissen::close(&store).await?;
            Ok(code)
        }
        Command::Bewaartermijn(args) => {
            let store = wissen::open_sealed(&cli.global).await?;
            let code = wissen::bewaartermijn(&store, &args).await?;
            wissen::close(&store).await?;
            Ok(code)
        }
        Command::Mastersleutel { bestand } => wissen::mastersleutel(&bestand),
        Command::Versleutel(args) => overzetting::versleutel(&cli.global, &args).await,
        Command::ControleerOverzetting(args) => overzetting::controleer(&cli.global, &args).await,
    }
}

/// Opens an existing, migrated store: creates no file and changes no schema (every
/// command but `migrate`, `serve`, `demo`, `import` and `versleutel`'s new log).
async fn open_store(
    global: &GlobalConfig,
) -> anyhow::Result<std::sync::Arc<dyn kringloop_store::EventStore>> {
    kringloop_store::open_with(&global.database_url, kringloop_store::OpenOptions::EXISTING)
        .await
        .with_context(|| format!("kan de event store {} niet openen", global.redacted_url()))
}

/// Opens the store for a command that may create and migrate it.
async fn open_store_writer(
    global: &GlobalConfig,
) -> anyhow::Result<std::sync::Arc<dyn kringloop_store::EventStore>> {
    kringloop_store::open(&global.database_url)
        .await
        .with_context(|| format!("kan de event store {} niet openen", global.redacted_url()))
}

/// For generating a whole history into a new file: SQLite commits without waiting for
/// the disk (WAL, synchronous=NORMAL). A crash loses at most the last batches, never the
/// chain's consistency, and the demo can simply be run again. PostgreSQL is unchanged.
async fn open_store_for_bulk(
    global: &GlobalConfig,
) -> anyhow::Result<std::sync::Arc<dyn kringloop_store::EventStore>> {
    let url = &global.database_url;
    if kringloop_store::is_postgres_url(url) {
        return open_store_writer(global).await;
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let config = kringloop_store::sqlite::SqliteConfig {
        durability: kringloop_store::sqlite::Durability::Normal,
        ..Default::default()
    };
    let store = kringloop_store::sqlite::SqliteStore::open_with(path, config)
        .await
        .with_context(|| format!("kan de event store {} niet openen", global.redacted_url()))?;
    Ok(std::sync::Arc::new(store))
}

async fn verify(global: &GlobalConfig, expect_head: Option<String>) -> anyhow::Result<ExitCode> {
    let store = open_store(global).await?;
    let started = std::time::Instant::now();
    let report = store
        .verify()
        .await
        .context("verificatie van de hashketen mislukt")?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(failure) = &report.failure {
        uit!(
            "KETEN GEBROKEN op positie {}: {} ({} gebeurtenissen gecontroleerd)",
            failure.position,
            failure.reason,
            report.checked
        );
        return Ok(ExitCode::from(1));
    }
    if let Some(expected) = expect_head
        && !expected.eq_ignore_ascii_case(&report.head_hash)
    {
        uit!(
            "KETEN GEBROKEN: de keten eindigt op positie {} met hash {}, verwacht {}",
            report.head_position,
            report.head_hash,
            expected
        );
        return Ok(ExitCode::from(1));
    }
    uit!(
        "keten intact: {} gebeurtenissen, kop positie {} hash {} ({:.0} gebeurtenissen/s)",
        report.checked,
        report.head_position,
        report.head_hash,
        report.checked as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}
