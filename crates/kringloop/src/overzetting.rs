//! `kringloop versleutel` (copy a log written before the vault into a new, sealed log)
//! and `kringloop controleer-overzetting` (check such a copy). The procedures live in
//! `kringloop_vault::migration`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use kringloop_store::EventStore;
use kringloop_vault::migration;

use crate::config::GlobalConfig;

#[derive(Debug, Args)]
pub struct OverzetArgs {
    /// The old log (written without vault): a SQLite path or postgres:// URL.
    #[arg(long)]
    pub van: String,
    /// The new log: an empty database. Its master key comes from
    /// --mastersleutel-bestand, the environment, or `<naar>.mastersleutel` (created).
    #[arg(long)]
    pub naar: String,
}

/// A SQLite log named on the command line must exist (opening would create it).
fn require_existing(url: &str) -> anyhow::Result<()> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(());
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    if !std::path::Path::new(path).exists() {
        anyhow::bail!("{path} bestaat niet");
    }
    Ok(())
}

fn config_for(global: &GlobalConfig, url: &str) -> GlobalConfig {
    GlobalConfig {
        database_url: url.to_owned(),
        ..global.clone()
    }
}

async fn open_old(global: &GlobalConfig, url: &str) -> anyhow::Result<Arc<dyn EventStore>> {
    require_existing(url)?;
    let old = crate::open_store(&config_for(global, url)).await?;
    if old.head_position().await? == 0 {
        anyhow::bail!(
            "het oude log {} is leeg",
            config_for(global, url).redacted_url()
        );
    }
    Ok(old)
}

/// `kringloop versleutel`.
pub async fn versleutel(global: &GlobalConfig, args: &OverzetArgs) -> anyhow::Result<ExitCode> {
    if args.van == args.naar {
        anyhow::bail!("--van en --naar zijn hetzelfde log; zet over naar een nieuwe database");
    }
    let old = open_old(global, &args.van).await?;
    if old.vault_check().await?.is_some() {
        return Err(migration::MigrationError::OldIsSealed.into());
    }
    let target = config_for(global, &args.naar);
    let inner = crate::open_store_for_bulk(&target).await?;
    let head = inner.head_position().await?;
    if head > 0 {
        anyhow::bail!(
            "het nieuwe log {} is niet leeg ({head} gebeurtenissen); zet alleen over naar een nieuwe, lege database",
            target.redacted_url()
        );
    }
    let new = crate::vault::seal(&target, inner).await?;
    let started = std::time::Instant::now();
    let rapport = migration::versleutel(old.as_ref(), &new)
        .await
        .context("overzetten mislukt")?;
    let secs = started.elapsed().as_secs_f64();
    new.close().await?;
    old.close().await?;
    uit!(
        "overgezet: {} gebeurtenissen in {} aanleveringen ({:.1} s, {:.0} gebeurtenissen/s)",
        rapport.gebeurtenissen,
        rapport.sets,
        secs,
        rapport.gebeurtenissen as f64 / secs.max(1e-9)
    );
    uit!(
        "koppeling op positie {}: oud log eindigde op positie {} hash {}",
        rapport.link_positie,
        rapport.vorige_kop_positie,
        rapport.vorige_kop_hash
    );
    Ok(ExitCode::SUCCESS)
}

/// `kringloop controleer-overzetting`.
pub async fn controleer(global: &GlobalConfig, args: &OverzetArgs) -> anyhow::Result<ExitCode> {
    let old = open_old(global, &args.van).await?;
    require_existing(&args.naar)?;
    let target = config_for(global, &args.naar);
    let new = crate::vault::seal(&target, crate::open_store(&target).await?).await?;
    let rapport = migration::controleer(old.as_ref(), &new)
        .await
        .context("controle mislukt")?;
    new.close().await?;
    old.close().await?;
    if !rapport.is_ok() {
        for v in &rapport.verschillen {
            uit!("VERSCHIL: {v}");
        }
        uit!(
            "OVERZETTING KLOPT NIET: {} verschillen ({} gebeurtenissen vergeleken)",
            rapport.aantal_verschillen,
            rapport.vergeleken
        );
        return Ok(ExitCode::from(1));
    }
    uit!(
        "overzetting klopt: beide ketens intact, {} gebeurtenissen gelijk, koppeling noemt de kop van het oude log ({} gebeurtenissen daarna geschreven)",
        rapport.vergeleken,
        rapport.daarna
    );
    Ok(ExitCode::SUCCESS)
}
