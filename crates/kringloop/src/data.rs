//! `kringloop demo` and `kringloop import`: data in.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use kringloop_import::demo::{self, DemoConfig, Scope};
use kringloop_import::importer::{ImportConfig, importeer};
use kringloop_import::progress::Voortgang;
use kringloop_import::pseudonym::Pseudonimiseerder;
use kringloop_store::EventStore;

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Seed of the generator: the same seed gives the same history.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// `jeugdzorgplus` (closed care and its alternatives) or `all-residential` (all
    /// residential youth care, ~50,000 placements a year).
    #[arg(long, default_value = "jeugdzorgplus")]
    pub scope: String,
    /// Multiplies the volume (1.0 = the Netherlands).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    #[arg(long, default_value_t = 2019)]
    pub from_year: i32,
    #[arg(long, default_value_t = 2026)]
    pub to_year: i32,
    /// Leave out late registrations, corrections and retractions.
    #[arg(long)]
    pub clean: bool,
    /// Events per transaction.
    #[arg(long, default_value_t = 20_000)]
    pub batch: usize,
    /// Write even when the store already holds events (the history is then appended
    /// after them, which only works when its recorded times are later).
    #[arg(long)]
    pub force: bool,
}

impl DemoArgs {
    pub fn config(&self) -> anyhow::Result<DemoConfig> {
        let scope: Scope = self.scope.parse()?;
        let config = DemoConfig {
            seed: self.seed,
            scope,
            scale: self.scale,
            from_year: self.from_year,
            to_year: self.to_year,
            data_problems: !self.clean,
        };
        config.validate()?;
        Ok(config)
    }
}

/// Generates the demo history into the store.
pub async fn demo(store: &dyn EventStore, args: &DemoArgs) -> anyhow::Result<demo::DemoSummary> {
    let config = args.config()?;
    let head = store.head_position().await?;
    if head > 0 && !args.force {
        bail!(
            "de event store bevat al {head} gebeurtenissen; de demo vult alleen een lege store (gebruik --force om toch te schrijven)"
        );
    }
    let history = demo::generate(&config)?;
    let voortgang = Voortgang::nieuw("demo", None, "gebeurtenissen");
    // The writer reports the running total; the bar wants increments.
    let mut gemeld = 0u64;
    let summary = demo::write_to_store(store, history, args.batch, |totaal| {
        voortgang.inc(totaal.saturating_sub(gemeld));
        gemeld = totaal;
    })
    .await
    .context("schrijven van de demogeschiedenis mislukt")?;
    let samenvatting = voortgang.klaar();
    eprintln!(
        "demo: {} gebeurtenissen ({} jeugdigen, {} plaatsingen, {} doorplaatsingen, {} voorzieningen, {} correcties, {} intrekkingen) in {:.1} s ({:.0}/s)",
        summary.events,
        summary.jeugdigen,
        summary.plaatsingen,
        summary.doorplaatsingen,
        summary.voorzieningen,
        summary.correcties,
        summary.intrekkingen,
        samenvatting.duur.as_secs_f64(),
        samenvatting.per_seconde()
    );
    Ok(summary)
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Files (.csv, .jsonl, .xml) or directories of iJw .xml messages.
    #[arg(required = true)]
    pub paden: Vec<PathBuf>,
    /// Check and report everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Who imports (recorded as `recorded_by`).
    #[arg(long, default_value = "import")]
    pub principal: String,
    /// Key for pseudonymising BSNs (HMAC-SHA256). Needed for iJw and `bsn` columns.
    #[arg(long, env = "KRINGLOOP_PSEUDONIEM_SLEUTEL", hide_env_values = true)]
    pub pseudoniem_sleutel: Option<String>,
    /// Region mapping of iJw product codes to facilities (TOML/JSON).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// iJw: record each fact at its message's Dagtekening (loading history).
    #[arg(long)]
    pub ijw_backfill: bool,
}

/// Imports files; returns whether everything was accepted.
pub async fn import(store: Arc<dyn EventStore>, args: &ImportArgs) -> anyhow::Result<bool> {
    let mut config = ImportConfig::new(args.principal.clone());
    config.dry_run = args.dry_run;
    config.ijw_backfill = args.ijw_backfill;
    config.voortgang = true;
    if let Some(sleutel) = &args.pseudoniem_sleutel {
        config.pseudonimiseerder =
            Some(Pseudonimiseerder::new(sleutel).context("ongeldige pseudonimiseringssleutel")?);
    }
    if let Some(pad) = &args.mapping {
        config.mapping = Some(kringloop_import::ijw::mapping::RegioMapping::lees_bestand(
            pad,
        )?);
    }
    let rapporten = importeer(store, config, &args.paden).await?;
    let mut alles_goed = true;
    for rapport in &rapporten {
        println!("{rapport}");
        alles_goed &= rapport.afgewezen.is_empty();
    }
    Ok(alles_goed)
}
