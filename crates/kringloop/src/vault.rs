//! The master key and the sealed store every writing or person-level command opens.
//!
//! Where the master key comes from, in this order:
//! 1. `--mastersleutel-bestand` / `KRINGLOOP_MASTERSLEUTEL_BESTAND`: a file with 64 hex
//!    digits (a secret mount in production, never on the database's disk or backup);
//! 2. `KRINGLOOP_MASTERSLEUTEL`: the 64 hex digits themselves (never a command-line
//!    argument: those show in `ps`);
//! 3. otherwise the file beside the database (`<database>.mastersleutel`, or
//!    `kringloop.mastersleutel` for PostgreSQL). It is created only for a database that
//!    has no vault yet and is empty, with a warning to keep it apart; a database that has
//!    a vault and no key is refused at once ("a lost master key fails loudly").
//!
//! `verify` and `kpi` read the stored log as it is and need no key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use kringloop_store::EventStore;
use kringloop_vault::{MasterKey, SealedStore, VaultError};

use crate::config::GlobalConfig;

/// The default key file of a database.
pub fn default_key_path(database_url: &str) -> PathBuf {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        return PathBuf::from("kringloop.mastersleutel");
    }
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .unwrap_or(database_url);
    PathBuf::from(format!("{path}.mastersleutel"))
}

/// The master key for `inner`, from the settings above.
async fn master_key(global: &GlobalConfig, inner: &dyn EventStore) -> anyhow::Result<MasterKey> {
    if let Some(path) = &global.mastersleutel_bestand {
        if std::env::var_os(kringloop_vault::ENV_KEY).is_some_and(|v| !v.is_empty()) {
            anyhow::bail!(
                "geef de mastersleutel als bestand of in {}, niet allebei",
                kringloop_vault::ENV_KEY
            );
        }
        return MasterKey::from_file(path).map_err(Into::into);
    }
    if let Some(key) = MasterKey::from_env()? {
        return Ok(key);
    }
    let path = default_key_path(&global.database_url);
    if path.exists() {
        return MasterKey::from_file(&path).map_err(Into::into);
    }
    if SealedStore::is_sealed(inner).await? {
        return Err(VaultError::MissingMasterKey).with_context(|| {
            format!(
                "geen mastersleutel gevonden (ook niet in {})",
                path.display()
            )
        });
    }
    if inner.head_position().await? > 0 {
        return Err(VaultError::Unencrypted.into());
    }
    let key = MasterKey::generate();
    write_new_key(&path, &key)?;
    tracing::warn!(
        bestand = %path.display(),
        "nieuwe mastersleutel aangemaakt: bewaar hem apart van de database en haar back-ups; zonder deze sleutel zijn de persoonsgegevens onleesbaar"
    );
    Ok(key)
}

/// Writes a new key file that only its owner can read; never overwrites one.
pub fn write_new_key(path: &Path, key: &MasterKey) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("kan mastersleutelbestand {} niet aanmaken", path.display()))?;
    file.write_all(key.to_hex().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok(())
}

/// Opens the vault on a store opened by the caller.
pub async fn seal(
    global: &GlobalConfig,
    inner: Arc<dyn EventStore>,
) -> anyhow::Result<Arc<SealedStore>> {
    let key = master_key(global, inner.as_ref()).await?;
    let sealed = SealedStore::open(inner, &key)
        .await
        .context("kluis van de event store openen")?;
    Ok(Arc::new(sealed))
}
