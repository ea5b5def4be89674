//! `kringloop-bench`: the benchmarks behind BENCHMARKS.md.
//!
//! `kringloop-bench store` measures, in one run and per backend: bulk append of generated
//! events against the raw ceiling of the same database (plain multi-row INSERT of rows of
//! the same size: no checks, no chain, no indexes beyond the key), single-event appends
//! with durable commit from concurrent tasks (throughput, p50/p99), `verify` over the whole
//! log, and the same bulk and concurrent appends through cqrs-es (sqlite-es, postgres-es),
//! built from `benches/peer-cqrs-es` and run as a subprocess.
//!
//! `kringloop-bench http` loads `kringloop serve` (a child process) over loopback: durable
//! mutations from 32 concurrent clients, KPI queries on a generated history, and the
//! latency from a mutation's reply to its subscription message.
//!
//! `kringloop-bench vraag` measures what the need side costs the fold (the national
//! history with and without it, alternating) and the latency of its figures.
//!
//! `kringloop-bench geld` measures what contracts cost the fold (the national history
//! without and with generated contracts, alternating) and the latency of the money
//! figures (kosten, budget, budgetneutraal).
//!
//! `kringloop-bench vault` measures what the vault costs: the demo history through a plain
//! and a sealed store in alternating runs, and the erasure of 10,000 youths under load.

/// The allocator of the `kringloop` binary, so the figures are those of what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod databases;
mod http;
mod ijkpunt;
mod projections;
mod store;
mod vault;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "kringloop-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Event store: bulk, concurrent, verify; against the raw ceiling and cqrs-es.
    Store(store::StoreArgs),
    /// Projections: rebuild, memory, KPI latency; against naive replay and SQL.
    Projections(projections::ProjectionsArgs),
    /// GraphQL over HTTP: mutations, KPI queries and subscription latency against
    /// `kringloop serve` as a child process.
    Http(http::HttpArgs),
    /// The vault's cost: plain against sealed store (bulk append, rebuild, KPI latency,
    /// writer start, vault open) and the erasure of 10,000 youths under load.
    Vault(vault::VaultArgs),
    /// The need side: the fold with and without it in alternating runs, and the latency
    /// of its figures (waiting list, waiting time, needed capacity and its scenario).
    Vraag(projections::vraag::VraagArgs),
    /// Contracts and money: the fold without and with contracts in alternating runs, and
    /// the latency of kosten, budget and budgetneutraal (a quarter, a 40-quarter series).
    Geld(projections::geld::GeldArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Store(args) => store::run(args).await,
        Command::Projections(args) => projections::run(args).await,
        Command::Http(args) => http::run(args).await,
        Command::Vault(args) => vault::run(args).await,
        Command::Vraag(args) => projections::vraag::run(args).await,
        Command::Geld(args) => projections::geld::run(args).await,
    }
}
