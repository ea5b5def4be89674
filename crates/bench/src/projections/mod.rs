//! The projection benchmark (issue "Projections", section Benchmarks).
//!
//! One run: the project's demo generator (`Scope::AllResidential`, ten years) written into
//! SQLite and PostgreSQL through `write_to_store`; then per backend the whole rebuild
//! through `Runner::start`; on SQLite also read, decode and fold measured separately,
//! memory, KPI latency now and as known at a past K, and side by side the approaches a
//! user would otherwise take: a naive replay per as-of query, and the same KPI as a SQL
//! GROUP BY over a `placements` table (SQLite and PostgreSQL), each checked to give the
//! same numbers.
//!
//! By role: `history` sets up and loads the history, `scenarios` holds the measured
//! scenarios, `derivation` and `sql` the SQL baselines, `report` the printed table and
//! JSON, `process` what the process and machine report; `in_memory` is the store-less
//! development mode.

mod derivation;
pub mod geld;
mod history;
mod in_memory;
mod process;
mod report;
mod scenarios;
mod sql;
pub mod vraag;

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::databases::PgServer;
use report::Report;
use scenarios::Queries;
use sql::Sql;

#[derive(Debug, Clone, Args)]
pub struct ProjectionsArgs {
    /// Volume of the demo history (1.0 = the Netherlands).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    #[arg(long, default_value_t = 2017)]
    from_year: i32,
    #[arg(long, default_value_t = 2026)]
    to_year: i32,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Backends: sqlite, postgres or both (the detailed figures are taken on SQLite).
    #[arg(long, default_value = "both")]
    backend: String,
    #[command(flatten)]
    pg: PgServer,
    /// Directory for the SQLite files.
    #[arg(long, default_value = "target/bench-data")]
    dir: PathBuf,
    /// Reuse the SQLite history of an earlier run with the same settings (development).
    #[arg(long)]
    reuse: bool,
    /// Runs per latency figure.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// Runs per 40-quarter series figure.
    #[arg(long, default_value_t = 100)]
    series_runs: usize,
    /// Runs per SQL figure.
    #[arg(long, default_value_t = 30)]
    sql_runs: usize,
    /// Events per `read_all` page (reading and the runner).
    #[arg(long, default_value_t = 10_000)]
    page: usize,
    /// Warn when the history is smaller than this.
    #[arg(long, default_value_t = 5_000_000)]
    min_events: u64,
    /// Development: generate the history in memory (positions in generation order, the
    /// generator's recorded times), then measure only the fold and the KPI latencies; no
    /// store, no SQL. For profiling (`perf record`) without waiting for the database.
    #[arg(long)]
    in_memory: bool,
    /// In-memory mode: number of folds, in turn in two stages, on one thread with
    /// prefetch hints and on one thread without (1 = one two-stage fold, to profile the
    /// queries).
    #[arg(long, default_value_t = 5)]
    folds: usize,
}

impl ProjectionsArgs {
    /// The defaults of the command line, for benchmarks that reuse the history settings.
    pub(crate) fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Alleen {
            #[command(flatten)]
            args: ProjectionsArgs,
        }
        <Alleen as clap::Parser>::parse_from(["kringloop-bench"]).args
    }
}

/// The whole benchmark, in the order the figures are printed. Memory is released where
/// the original run released it (the folded projection before the one-thread fold, the
/// decoded events before the SQL tables), so the peak resident memory stays comparable.
pub async fn run(args: ProjectionsArgs) -> anyhow::Result<()> {
    if args.in_memory {
        return in_memory::run(&args);
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let backends = crate::databases::backends(&args.backend)?;
    let mut rep = Report::start(&args);
    let (store, head) = history::open_sqlite(&args, &mut rep).await?;
    let (runner, runner_rss) = scenarios::rebuild(&store, &args, head, &mut rep).await?;
    let (loaded, folded, proj_rss) =
        scenarios::read_decode_fold(store.as_ref(), &args, &mut rep).await?;
    scenarios::memory(&folded, proj_rss, runner_rss, &mut rep)?;
    let qs = Queries::new(&loaded, &args)?;
    scenarios::runner_matches_fold(&runner, &folded, &qs, &mut rep).await;
    drop(folded);
    scenarios::fold_one_thread(&loaded, &mut rep);
    scenarios::kpi_latencies(&runner, &args, &qs, &mut rep).await;
    scenarios::naive_replay(&runner, &loaded, &args, &qs, &mut rep).await?;

    let (regios, rows) = sql::placements(&loaded.events);
    drop(loaded);
    let mut pg_cleanup = None;
    let mut conns = vec![Sql::Sqlite(
        sql::sqlite_placements(&args.dir.join("placements-bench.db"), &rows).await?,
    )];
    if backends.contains(&"postgres") {
        let (db, conn) =
            scenarios::postgres(&args, head, &runner, &qs.q_k, &rows, &mut rep).await?;
        pg_cleanup = Some(db);
        conns.push(conn);
    }
    drop(rows);
    sql::compare(&runner, &args, &qs, &regios, &mut conns, &mut rep).await?;
    drop(conns);
    if let Some(db) = pg_cleanup {
        crate::databases::drop_pg_db(&args.pg.pg_url, &db).await;
    }
    runner.shutdown().await;

    rep.finish();
    rep.print(&args, head)
}
