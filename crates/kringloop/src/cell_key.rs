//! The server secret of the cell-key method (`docs/privacy.md`).
//!
//! It must stay the same across restarts: a new secret gives every figure fresh noise,
//! and a patient user could average the old and new answers. So it lives in a file
//! (default: beside the token file), written once with 32 random bytes and mode 0600,
//! and read at every start. It is never taken from the command line and never printed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use kringloop_projections::RecordKeys;

/// Fewer bytes than this is not a secret.
const MIN_BYTES: usize = 16;

/// The secret file for a token file when none is given: `<tokens>.celsleutel`.
pub fn default_path(tokens: &Path) -> PathBuf {
    let mut s = tokens.as_os_str().to_owned();
    s.push(".celsleutel");
    PathBuf::from(s)
}

/// Reads the secret, or writes a new random one when the file does not exist.
pub fn load_or_create(path: &Path) -> anyhow::Result<RecordKeys> {
    match std::fs::read(path) {
        Ok(b) if b.len() >= MIN_BYTES => Ok(RecordKeys::new(&b)),
        Ok(b) => anyhow::bail!(
            "celsleutelgeheim {} is te kort ({} bytes; minstens {MIN_BYTES})",
            path.display(),
            b.len()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = [
                *uuid::Uuid::new_v4().as_bytes(),
                *uuid::Uuid::new_v4().as_bytes(),
            ]
            .concat();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            let mut f = options
                .open(path)
                .with_context(|| format!("celsleutelgeheim {} aanmaken", path.display()))?;
            f.write_all(&secret)
                .and_then(|()| f.sync_all())
                .with_context(|| format!("celsleutelgeheim {} schrijven", path.display()))?;
            tracing::info!(pad = %path.display(), "nieuw celsleutelgeheim aangemaakt");
            Ok(RecordKeys::new(&secret))
        }
        Err(e) => Err(e).with_context(|| format!("celsleutelgeheim {} lezen", path.display())),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn written_once_then_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.celsleutel");
        let a = load_or_create(&path).unwrap();
        let b = load_or_create(&path).unwrap();
        assert_eq!(a, b, "the same secret after a restart");
        assert_eq!(std::fs::read(&path).unwrap().len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, b"kort").unwrap();
        assert!(load_or_create(&path).is_err(), "a short secret is refused");
    }
}
