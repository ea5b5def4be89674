//! `kringloop token …`: create, list and revoke bearer tokens (stored hashed).

use std::path::PathBuf;

use anyhow::Context as _;
use kringloop_graphql::{Rol, Tokens};

use crate::config::GlobalConfig;

#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    /// Token file; default: next to the SQLite file, or `kringloop-tokens.json`.
    #[arg(long, env = "KRINGLOOP_TOKENS", global = true)]
    pub tokens: Option<PathBuf>,
    #[command(subcommand)]
    pub action: TokenAction,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum TokenAction {
    /// Create a token and print it once.
    Create {
        /// stuurgroep, contractmanager, evaluator, registrar, coordinator or admin.
        #[arg(long)]
        rol: Rol,
        /// Who uses it (recorded as `recorded_by` of the facts it writes).
        #[arg(long)]
        naam: String,
        /// The code of the jeugdregio a coordinator or contract manager works for
        /// (required for those two, refused for the other roles): a coordinator sees and
        /// records the placement requests of that region only, a contract manager sees
        /// the contracts, costs and scorecards of that region only.
        #[arg(long)]
        jeugdregio: Option<String>,
    },
    /// List tokens (without secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: String },
}

pub fn run(global: &GlobalConfig, args: &TokenArgs) -> anyhow::Result<()> {
    let path = args
        .tokens
        .clone()
        .unwrap_or_else(|| crate::serve::default_token_path(&global.database_url));
    let tokens = Tokens::new(&path);
    match &args.action {
        TokenAction::Create {
            rol,
            naam,
            jeugdregio,
        } => {
            let (rec, secret) = tokens
                .create_voor(*rol, naam, jeugdregio.as_deref())
                .context("token aanmaken")?;
            eprintln!(
                "token {} voor {} ({}{}) opgeslagen als hash in {}; bewaar het nu, het wordt niet meer getoond:",
                rec.id,
                rec.naam,
                rec.rol,
                rec.jeugdregio
                    .as_deref()
                    .map(|r| format!(", jeugdregio {r}"))
                    .unwrap_or_default(),
                path.display()
            );
            uit!("{secret}");
        }
        TokenAction::List => {
            for t in tokens.list().context("tokens lezen")? {
                uit!(
                    "{}  {:<16} {:<24} {:<20} aangemaakt {}{}",
                    t.id,
                    t.rol.naam(),
                    t.naam,
                    t.jeugdregio.as_deref().unwrap_or("-"),
                    t.aangemaakt.format("%Y-%m-%d %H:%M"),
                    t.ingetrokken
                        .map(|i| format!(", ingetrokken {}", i.format("%Y-%m-%d %H:%M")))
                        .unwrap_or_default()
                );
            }
        }
        TokenAction::Revoke { id } => {
            tokens.revoke(id).context("token intrekken")?;
            uit!("token {id} ingetrokken");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(rol: Rol, jeugdregio: Option<&str>, dir: &std::path::Path) -> anyhow::Result<()> {
        let global = GlobalConfig {
            database_url: dir.join("k.db").to_string_lossy().into_owned(),
            mastersleutel_bestand: None,
            log: None,
            norm_wachttijd_regulier: 42,
        };
        let args = TokenArgs {
            tokens: Some(dir.join("tokens.json")),
            action: TokenAction::Create {
                rol,
                naam: "JB West".to_owned(),
                jeugdregio: jeugdregio.map(str::to_owned),
            },
        };
        run(&global, &args)
    }

    /// `token create --rol coordinator` needs `--jeugdregio`; no other role takes one.
    #[test]
    fn a_coordinator_token_needs_its_region() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let zonder = create(Rol::Coordinator, None, dir.path());
        assert!(
            zonder.is_err_and(|e| format!("{e:#}").contains("jeugdregio")),
            "a coordinator without a region is refused"
        );
        assert!(create(Rol::Registrar, Some("RIJNMOND"), dir.path()).is_err());
        create(Rol::Coordinator, Some("RIJNMOND"), dir.path())?;
        let lijst = Tokens::new(dir.path().join("tokens.json")).list()?;
        assert_eq!(lijst.len(), 1);
        assert_eq!(lijst[0].jeugdregio.as_deref(), Some("RIJNMOND"));
        Ok(())
    }
}
