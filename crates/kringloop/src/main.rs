//! `kringloop`: the command-line entry point.

mod config;
mod kpi;

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use config::GlobalConfig;

#[derive(Debug, Parser)]
#[command(name = "kringloop", version, about = "Event-sourced monitor for the af- en ombouw of closed and residential youth care")]
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
}

fn init_tracing(filter: &str) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_new(filter).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.global.log);
    match run(cli).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("fout: {err:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Verify { expect_head } => verify(&cli.global, expect_head).await,
        Command::Kpi(args) => {
            let store = open_store(&cli.global).await?;
            kpi::run(store.as_ref(), &args).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn open_store(
    global: &GlobalConfig,
) -> anyhow::Result<std::sync::Arc<dyn kringloop_store::EventStore>> {
    kringloop_store::open(&global.database_url)
        .await
        .with_context(|| format!("kan de event store {} niet openen", global.redacted_url()))
}

async fn verify(global: &GlobalConfig, expect_head: Option<String>) -> anyhow::Result<ExitCode> {
    let store = open_store(global).await?;
    let started = std::time::Instant::now();
    let report = store.verify().await.context("verificatie van de hashketen mislukt")?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(failure) = &report.failure {
        println!(
            "KETEN GEBROKEN op positie {}: {} ({} gebeurtenissen gecontroleerd)",
            failure.position, failure.reason, report.checked
        );
        return Ok(ExitCode::from(1));
    }
    if let Some(expected) = expect_head
        && !expected.eq_ignore_ascii_case(&report.head_hash)
    {
        println!(
            "KETEN GEBROKEN: de keten eindigt op positie {} met hash {}, verwacht {}",
            report.head_position, report.head_hash, expected
        );
        return Ok(ExitCode::from(1));
    }
    println!(
        "keten intact: {} gebeurtenissen, kop positie {} hash {} ({:.0} gebeurtenissen/s)",
        report.checked,
        report.head_position,
        report.head_hash,
        report.checked as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}
