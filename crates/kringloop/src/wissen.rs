//! `kringloop wis` (erase one youth) and `kringloop bewaartermijn` (erase every youth
//! whose retention period has passed); `serve` runs the same retention at start.
//! The procedures live in `kringloop_vault::{erasure, retention}`; this prints. Nothing
//! here prints a pseudonym: youths are named by their stored stream names.

use std::process::ExitCode;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Args;
use kringloop_events::Provenance;
use kringloop_events::{JeugdigeGewist, Verzoeker, Wisgrondslag, jeugdige_stream};
use kringloop_store::EventStore;
use kringloop_vault::SealedStore;
use kringloop_vault::erasure;
use kringloop_vault::retention::{self, DEFAULT_JAREN};

use crate::config::GlobalConfig;

/// Environment variable of the retention period in years.
pub const ENV_JAREN: &str = "KRINGLOOP_BEWAARTERMIJN_JAREN";

#[derive(Debug, Args)]
pub struct WisArgs {
    /// The youth's pseudonym (as the region knows it). Never printed.
    #[arg(long)]
    pub pseudoniem: String,
    /// Legal ground of the erasure.
    #[arg(long, ignore_case = true, value_parser = clap::builder::PossibleValuesParser::new([
        "VERZOEK_BETROKKENE", "BEWAARTERMIJN_VERSTREKEN", "ONRECHTMATIG_VERWERKT",
        "WETTELIJKE_VERPLICHTING",
    ]))]
    pub grondslag: String,
    /// Who asked, by role.
    #[arg(long, ignore_case = true, value_parser = clap::builder::PossibleValuesParser::new([
        "JEUGDIGE", "WETTELIJK_VERTEGENWOORDIGER", "GEMEENTE", "AANBIEDER", "FG",
        "BEWAARTERMIJN",
    ]))]
    pub verzocht_door: String,
    /// Reference of the request in the region's own records (never a name or a BSN).
    #[arg(long)]
    pub kenmerk: Option<String>,
}

#[derive(Debug, Args)]
pub struct BewaartermijnArgs {
    /// Retention period in years (default: KRINGLOOP_BEWAARTERMIJN_JAREN, else 20).
    #[arg(long)]
    pub jaren: Option<u32>,
    /// The day to judge on (YYYY-MM-DD; default today).
    #[arg(long)]
    pub peildatum: Option<NaiveDate>,
    /// Only list what would be erased.
    #[arg(long)]
    pub droog: bool,
}

fn parse_code<T: serde::de::DeserializeOwned>(wat: &str, s: &str) -> anyhow::Result<T> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_uppercase()))
        .map_err(|_| anyhow::anyhow!("onbekende {wat} `{s}`"))
}

fn herkomst(source: &str) -> Provenance {
    let wie = std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "beheerder".into());
    Provenance {
        recorded_by: format!("cli:{wie}"),
        source: source.to_owned(),
        correlation_id: Some(uuid::Uuid::now_v7()),
        causation_id: None,
    }
}

/// `kringloop wis`.
pub async fn wis(store: &SealedStore, args: &WisArgs) -> anyhow::Result<ExitCode> {
    let grondslag: Wisgrondslag = parse_code("grondslag", &args.grondslag)?;
    let verzocht_door: Verzoeker = parse_code("verzoeker", &args.verzocht_door)?;
    let feit = JeugdigeGewist {
        grondslag,
        verzocht_door,
        kenmerk: args.kenmerk.clone(),
    };
    let rapport = erasure::erase(
        store,
        vec![(jeugdige_stream(&args.pseudoniem), feit)],
        &herkomst("cli:wis"),
    )
    .await
    .context("wissen mislukt")?;
    if let Some(w) = rapport.geweigerd.first() {
        if w.code == kringloop_events::rules::AfwijzingCode::OnbekendeJeugdige {
            eprintln!(
                "niet gewist: er is geen jeugdige met dit pseudoniem, of zij is al gewist (na een wissing leidt het pseudoniem nergens meer heen) ({})",
                w.code.code()
            );
        } else {
            eprintln!("niet gewist: {} ({})", w.melding, w.code.code());
        }
        return Ok(ExitCode::from(1));
    }
    for s in &rapport.opgeslagen {
        uit!(
            "gewist: {s} (sleutel vernietigd; de feiten blijven onder deze naam in het log, positie {})",
            rapport.laatste_positie
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The retention period: `--jaren`, else the environment, else 20 years.
pub fn jaren(flag: Option<u32>) -> anyhow::Result<u32> {
    if let Some(j) = flag {
        return Ok(j);
    }
    match std::env::var(ENV_JAREN) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .with_context(|| format!("{ENV_JAREN}=`{v}` is geen aantal jaren")),
        _ => Ok(DEFAULT_JAREN),
    }
}

fn vandaag() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `kringloop bewaartermijn`.
pub async fn bewaartermijn(
    store: &SealedStore,
    args: &BewaartermijnArgs,
) -> anyhow::Result<ExitCode> {
    let jaren = jaren(args.jaren)?;
    let peildatum = args.peildatum.unwrap_or_else(vandaag);
    let started = std::time::Instant::now();
    let rapport = retention::run(
        store,
        jaren,
        peildatum,
        args.droog,
        &herkomst("cli:bewaartermijn"),
    )
    .await
    .context("bewaartermijn toepassen mislukt")?;
    if args.droog {
        for v in &rapport.verlopen {
            uit!("{}\t{}", v.opgeslagen, v.einde);
        }
        uit!(
            "{} jeugdigen zouden worden gewist (bewaartermijn {jaren} jaar, peildatum {peildatum}; droog: niets gewist)",
            rapport.verlopen.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let Some(w) = &rapport.wissing else {
        uit!(
            "geen jeugdigen met een verstreken bewaartermijn ({jaren} jaar, peildatum {peildatum})"
        );
        return Ok(ExitCode::SUCCESS);
    };
    for s in &w.opgeslagen {
        uit!("gewist: {s}");
    }
    for r in &w.geweigerd {
        eprintln!(
            "niet gewist: {} ({})",
            r.opgeslagen.as_deref().unwrap_or("onbekende stroom"),
            r.melding
        );
    }
    uit!(
        "{} jeugdigen gewist, {} geweigerd (bewaartermijn {jaren} jaar, peildatum {peildatum}; {:.1} s)",
        w.gewist,
        w.geweigerd.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(if w.geweigerd.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// At the start of `serve`: erases the youths whose retention period has passed
/// (period from the environment), and logs how many.
pub async fn bewaartermijn_bij_start(store: &SealedStore) -> anyhow::Result<()> {
    let jaren = jaren(None)?;
    let peildatum = vandaag();
    let rapport = retention::run(
        store,
        jaren,
        peildatum,
        false,
        &Provenance {
            recorded_by: "kringloop".into(),
            source: "serve:bewaartermijn".into(),
            correlation_id: Some(uuid::Uuid::now_v7()),
            causation_id: None,
        },
    )
    .await
    .context("bewaartermijn bij de start")?;
    let (gewist, geweigerd) = rapport
        .wissing
        .as_ref()
        .map_or((0, 0), |w| (w.gewist, w.geweigerd.len()));
    tracing::info!(
        gewist,
        geweigerd,
        jaren,
        %peildatum,
        "bewaartermijn toegepast"
    );
    Ok(())
}

/// `kringloop mastersleutel --bestand PATH`.
pub fn mastersleutel(bestand: &std::path::Path) -> anyhow::Result<ExitCode> {
    if bestand.exists() {
        anyhow::bail!(
            "{} bestaat al; een mastersleutel wordt nooit overschreven",
            bestand.display()
        );
    }
    crate::vault::write_new_key(bestand, &kringloop_vault::MasterKey::generate())?;
    uit!(
        "nieuwe mastersleutel geschreven naar {} (alleen leesbaar voor de eigenaar); bewaar hem apart van de database en haar back-ups",
        bestand.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Opens the store of `global` with the vault.
pub async fn open_sealed(global: &GlobalConfig) -> anyhow::Result<std::sync::Arc<SealedStore>> {
    let inner = crate::open_store(global).await?;
    crate::vault::seal(global, inner).await
}

/// Closes a sealed store.
pub async fn close(store: &SealedStore) -> anyhow::Result<()> {
    store.close().await.map_err(Into::into)
}
