//! `kringloop demo` and `kringloop import`: data in.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use kringloop_demo::{self as demo, DemoConfig, Scope};
use kringloop_import::importer::{ImportConfig, run_import};
use kringloop_import::progress::Progress;
use kringloop_import::pseudonym::{KEY_ENV, Pseudonymizer};
use kringloop_store::EventStore;

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Seed of the generator: the same seed gives the same history.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// `jeugdzorgplus` (closed care and its alternatives) or `all-residential` (all
    /// residential youth care, ~50,000 placements a year).
    #[arg(long, default_value = "jeugdzorgplus", ignore_case = true,
          value_parser = clap::builder::PossibleValuesParser::new(["jeugdzorgplus", "all-residential"]))]
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
    let voortgang = Progress::new("demo", None, "gebeurtenissen");
    // The writer reports the running total; the bar wants increments.
    let mut reported = 0u64;
    let summary = demo::write_to_store(store, history, args.batch, |total| {
        voortgang.inc(total.saturating_sub(reported));
        reported = total;
    })
    .await
    .context("schrijven van de demogeschiedenis mislukt")?;
    let progress_summary = voortgang.finish();
    eprintln!(
        "demo: {} gebeurtenissen ({} jeugdigen, {} plaatsingen, {} doorplaatsingen, {} voorzieningen, {} correcties, {} intrekkingen) in {:.1} s ({:.0}/s)",
        summary.events,
        summary.jeugdigen,
        summary.plaatsingen,
        summary.doorplaatsingen,
        summary.voorzieningen,
        summary.correcties,
        summary.intrekkingen,
        progress_summary.duration.as_secs_f64(),
        progress_summary.per_second()
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
fn pseudonym_key(file: Option<&Path>, env_value: Option<String>) -> anyhow::Result<Option<String>> {
    let env_value = env_value.filter(|s| !s.is_empty());
    let Some(path) = file else {
        return Ok(env_value);
    };
    if env_value.is_some() {
        bail!(
            "de pseudonimiseringssleutel staat zowel in {KEY_ENV} als in een bestand \
             (--pseudoniem-sleutel-bestand {}); geef er één",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("pseudonimiseringssleutel {} lezen", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(m) = std::fs::metadata(path)
            && m.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                pad = %path.display(),
                "het sleutelbestand is leesbaar voor anderen dan de eigenaar (chmod 600)"
            );
        }
    }
    let key = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    Ok(Some(key.to_owned()))
}

/// Imports files, checking requests against the regulier waiting norm of `norm_regulier`
/// days; returns whether everything was accepted.
pub async fn import(
    store: Arc<dyn EventStore>,
    args: &ImportArgs,
    norm_regulier: u32,
) -> anyhow::Result<bool> {
    let mut config = ImportConfig::new(args.principal.clone());
    config.normen = kringloop_events::rules::Normen::met_regulier(norm_regulier);
    config.dry_run = args.dry_run;
    config.ijw_backfill = args.ijw_backfill;
    config.voortgang = true;
    let env_value = match std::env::var(KEY_ENV) {
        Ok(s) => Some(s),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => bail!("{KEY_ENV} is geen geldige UTF-8"),
    };
    if let Some(key) = pseudonym_key(args.pseudoniem_sleutel_bestand.as_deref(), env_value)? {
        config.pseudonimiseerder =
            Some(Pseudonymizer::new(&key).context("ongeldige pseudonimiseringssleutel")?);
    }
    if let Some(path) = &args.mapping {
        config.mapping = Some(kringloop_import::ijw::mapping::RegioMapping::read_file(
            path,
        )?);
    }
    let reports = run_import(store, config, &args.paden).await?;
    let mut all_accepted = true;
    for report in &reports {
        uit!("{report}");
        all_accepted &= report.afgewezen.is_empty();
    }
    Ok(all_accepted)
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
        let path = dir.path().join("sleutel");
        std::fs::write(&path, "een-sleutel-van-minstens-16\n").unwrap();
        assert_eq!(
            pseudonym_key(Some(&path), None).unwrap().as_deref(),
            Some("een-sleutel-van-minstens-16"),
            "one final line break is not part of the key"
        );
        std::fs::write(&path, "windows-sleutel-0123\r\n").unwrap();
        assert_eq!(
            pseudonym_key(Some(&path), None).unwrap().as_deref(),
            Some("windows-sleutel-0123")
        );
        assert_eq!(
            pseudonym_key(None, Some("uit-de-omgeving-0123".into()))
                .unwrap()
                .as_deref(),
            Some("uit-de-omgeving-0123")
        );
        assert_eq!(pseudonym_key(None, Some(String::new())).unwrap(), None);
        assert_eq!(pseudonym_key(None, None).unwrap(), None);
        // Both: refused, and the message names neither key.
        let e = pseudonym_key(Some(&path), Some("uit-de-omgeving-0123".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains(KEY_ENV), "{e}");
        assert!(!e.contains("sleutel-0123"), "{e}");
        let e = format!(
            "{:#}",
            pseudonym_key(Some(&dir.path().join("bestaat-niet")), None).unwrap_err()
        );
        assert!(e.contains("bestaat-niet"), "{e}");
    }
}
