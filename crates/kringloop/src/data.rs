//! `kringloop demo` and `kringloop import`: data in.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use kringloop_demo::{self as demo, DemoConfig, Scope};
use kringloop_import::importer::{ImportConfig, importeer};
use kringloop_import::progress::Voortgang;
use kringloop_import::pseudonym::{Pseudonimiseerder, SLEUTEL_ENV};
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
    /// File with the key for pseudonymising BSNs (HMAC-SHA256, at least 16 bytes; one
    /// final line break is not part of it). Needed for iJw and `bsn` columns. Without
    /// it the key comes from the environment variable KRINGLOOP_PSEUDONIEM_SLEUTEL. The
    /// key itself is never an argument: `ps` would show it to every user.
    #[arg(long, env = "KRINGLOOP_PSEUDONIEM_SLEUTEL_BESTAND", value_name = "PAD")]
    pub pseudoniem_sleutel_bestand: Option<PathBuf>,
    /// Region mapping of iJw product codes to facilities (TOML/JSON).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// iJw: record each fact at its message's Dagtekening (loading history).
    #[arg(long)]
    pub ijw_backfill: bool,
}

/// The pseudonymisation key: from the file when one is given, else from the environment
/// (an empty variable counts as unset). Both at once is refused: which one won could
/// silently change every pseudonym. Neither the key nor the file's content ever appears
/// in a message or a log line.
fn pseudoniem_sleutel(
    bestand: Option<&Path>,
    omgeving: Option<String>,
) -> anyhow::Result<Option<String>> {
    let omgeving = omgeving.filter(|s| !s.is_empty());
    let Some(pad) = bestand else {
        return Ok(omgeving);
    };
    if omgeving.is_some() {
        bail!(
            "de pseudonimiseringssleutel staat zowel in {SLEUTEL_ENV} als in een bestand \
             (--pseudoniem-sleutel-bestand {}); geef er één",
            pad.display()
        );
    }
    let tekst = std::fs::read_to_string(pad)
        .with_context(|| format!("pseudonimiseringssleutel {} lezen", pad.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(m) = std::fs::metadata(pad)
            && m.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                pad = %pad.display(),
                "het sleutelbestand is leesbaar voor anderen dan de eigenaar (chmod 600)"
            );
        }
    }
    let sleutel = tekst
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&tekst);
    Ok(Some(sleutel.to_owned()))
}

/// Imports files; returns whether everything was accepted.
pub async fn import(store: Arc<dyn EventStore>, args: &ImportArgs) -> anyhow::Result<bool> {
    let mut config = ImportConfig::new(args.principal.clone());
    config.dry_run = args.dry_run;
    config.ijw_backfill = args.ijw_backfill;
    config.voortgang = true;
    let omgeving = match std::env::var(SLEUTEL_ENV) {
        Ok(s) => Some(s),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => bail!("{SLEUTEL_ENV} is geen geldige UTF-8"),
    };
    if let Some(sleutel) = pseudoniem_sleutel(args.pseudoniem_sleutel_bestand.as_deref(), omgeving)?
    {
        config.pseudonimiseerder =
            Some(Pseudonimiseerder::new(&sleutel).context("ongeldige pseudonimiseringssleutel")?);
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        import: ImportArgs,
    }

    /// The key is not an argument (`ps` shows arguments to every user); a file is.
    #[test]
    fn sleutel_nooit_als_argument() {
        let r = Cli::try_parse_from([
            "import",
            "--pseudoniem-sleutel",
            "geheim-geheim-geheim",
            "x.csv",
        ]);
        assert!(r.is_err(), "the key as a value flag is refused");
        let cli = Cli::try_parse_from([
            "import",
            "--pseudoniem-sleutel-bestand",
            "/run/secrets/kl",
            "x.csv",
        ])
        .unwrap();
        assert_eq!(
            cli.import.pseudoniem_sleutel_bestand.as_deref(),
            Some(Path::new("/run/secrets/kl"))
        );
        assert!(!format!("{cli:?}").contains("geheim"));
    }

    #[test]
    fn sleutel_uit_bestand_of_omgeving() {
        let dir = tempfile::tempdir().unwrap();
        let pad = dir.path().join("sleutel");
        std::fs::write(&pad, "een-sleutel-van-minstens-16\n").unwrap();
        assert_eq!(
            pseudoniem_sleutel(Some(&pad), None).unwrap().as_deref(),
            Some("een-sleutel-van-minstens-16"),
            "one final line break is not part of the key"
        );
        std::fs::write(&pad, "windows-sleutel-0123\r\n").unwrap();
        assert_eq!(
            pseudoniem_sleutel(Some(&pad), None).unwrap().as_deref(),
            Some("windows-sleutel-0123")
        );
        assert_eq!(
            pseudoniem_sleutel(None, Some("uit-de-omgeving-0123".into()))
                .unwrap()
                .as_deref(),
            Some("uit-de-omgeving-0123")
        );
        assert_eq!(pseudoniem_sleutel(None, Some(String::new())).unwrap(), None);
        assert_eq!(pseudoniem_sleutel(None, None).unwrap(), None);
        // Both: refused, and the message names neither key.
        let e = pseudoniem_sleutel(Some(&pad), Some("uit-de-omgeving-0123".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains(SLEUTEL_ENV), "{e}");
        assert!(!e.contains("sleutel-0123"), "{e}");
        let e = format!(
            "{:#}",
            pseudoniem_sleutel(Some(&dir.path().join("bestaat-niet")), None).unwrap_err()
        );
        assert!(e.contains("bestaat-niet"), "{e}");
    }
}
