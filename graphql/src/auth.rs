//! Roles, bearer tokens and the guards that enforce them.
//!
//! Tokens are random 32-byte secrets (`kl_` + 64 hex digits), shown once when created and
//! stored only as their SHA-256 in a JSON file next to the database. The server re-reads
//! the file when it changes (modification time or length), so `kringloop token create`
//! and `kringloop token revoke` work while it runs.
//!
//! A revocation ends what the token opened, not only its next request: [`Tokens`] tells
//! watchers through [`Tokens::wijzigingen`] when a token was revoked in this process
//! (`trekTokenIn`) or the file changed, and [`Tokens::actief`] says whether a token is
//! still live. WebSocket connections (`crate::intrekking`) and subscription streams
//! check it, dashboard sessions too.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use async_graphql::{Context, Enum, Guard};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::fout::ApiFout;

/// What a caller may do (DOMAIN.md "Users").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[graphql(rename_items = "lowercase")]
pub enum Rol {
    /// Aggregates only, figures about persons perturbed (cell-key), nothing person-level.
    Stuurgroep,
    /// Contract manager of one jeugdregio (the token's `jeugdregio`): the history of
    /// facilities, providers, capacity and targets; the contracts that include its region
    /// with their tariffs and scorecards, the costs attributed to its region and its
    /// budget. Figures about persons perturbed (cell-key), nothing person-level.
    Contractmanager,
    /// Reads everything pseudonymised, replays and diffs; writes nothing.
    Evaluator,
    /// Records facts; reads aggregates.
    Registrar,
    /// Plaatsingscoördinator of one jeugdregio (the token's `jeugdregio`): records the
    /// placement requests of that region and their registrations, offers, refusals and
    /// withdrawals, and reads them person by person; reads aggregates as the registrar.
    Coordinator,
    /// Everything, including token management.
    Admin,
}

impl Rol {
    pub const ALL: [Rol; 6] = [
        Rol::Stuurgroep,
        Rol::Contractmanager,
        Rol::Evaluator,
        Rol::Registrar,
        Rol::Coordinator,
        Rol::Admin,
    ];

    pub fn naam(self) -> &'static str {
        match self {
            Rol::Stuurgroep => "stuurgroep",
            Rol::Contractmanager => "contractmanager",
            Rol::Evaluator => "evaluator",
            Rol::Registrar => "registrar",
            Rol::Coordinator => "coordinator",
            Rol::Admin => "admin",
        }
    }

    /// Whether a token of this role is bound to one jeugdregio (and must name it): a
    /// coordinator's and a contract manager's.
    pub fn per_jeugdregio(self) -> bool {
        matches!(self, Rol::Coordinator | Rol::Contractmanager)
    }

    /// Whether this role sees exact counts (person-level access).
    pub fn sees_small_counts(self) -> bool {
        matches!(self, Rol::Evaluator | Rol::Admin)
    }
}

impl std::str::FromStr for Rol {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rol::ALL
            .into_iter()
            .find(|r| r.naam().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "onbekende rol `{s}`; kies uit stuurgroep, contractmanager, evaluator, registrar, coordinator, admin"
                )
            })
    }
}

impl std::fmt::Display for Rol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.naam())
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Token id (not the secret).
    pub token_id: String,
    /// Human name given at creation; recorded as `recorded_by` of facts.
    pub naam: String,
    pub rol: Rol,
    /// The jeugdregio a coordinator's or contract manager's token is bound to (`None` for
    /// the other roles).
    pub jeugdregio: Option<String>,
}

impl Principal {
    /// The one jeugdregio this principal is restricted to, for the roles bound to one
    /// (`None`: every region). A bound role's token without a region (a token file
    /// written before contract managers were bound) is restricted to a region that
    /// cannot exist, so it sees nothing rather than everything.
    pub fn regio_beperking(&self) -> Option<&str> {
        if self.rol.per_jeugdregio() {
            Some(self.jeugdregio.as_deref().unwrap_or(""))
        } else {
            None
        }
    }

    /// The principal written into `recorded_by`: `naam (rol, token id)`.
    pub fn as_registrar(&self) -> String {
        format!("{} ({}, {})", self.naam, self.rol, self.token_id)
    }
}

/// Put into the request data when a bearer token was sent but is unknown or revoked.
#[derive(Debug, Clone, Copy)]
pub struct OngeldigToken;

/// Allows a field to the listed roles.
pub struct RolGuard(pub &'static [Rol]);

impl Guard for RolGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let p = principal(ctx)?;
        if self.0.contains(&p.rol) {
            Ok(())
        } else {
            Err(ApiFout::Verboden(format!(
                "de rol {} mag dit niet opvragen of vastleggen",
                p.rol
            ))
            .into())
        }
    }
}

/// The caller, or UNAUTHENTICATED.
pub fn principal<'a>(ctx: &Context<'a>) -> Result<&'a Principal, ApiFout> {
    if let Some(p) = ctx.data_opt::<Principal>() {
        return Ok(p);
    }
    if ctx.data_opt::<OngeldigToken>().is_some() {
        return Err(ApiFout::NietAangemeld(
            "het token is onbekend of ingetrokken".to_owned(),
        ));
    }
    Err(ApiFout::NietAangemeld(
        "aanmelden vereist: stuur een token als `Authorization: Bearer <token>`".to_owned(),
    ))
}

/// Roles that may read aggregates (every role).
pub const LEZERS: &[Rol] = &Rol::ALL;
/// Roles that may record facts.
pub const SCHRIJVERS: &[Rol] = &[Rol::Registrar, Rol::Admin];
/// Roles that may record the facts of a placement request (and correct or retract them):
/// the writers, and a coordinator for the requests of its own jeugdregio (checked by the
/// writer against the write state, `crate::verzoek::toegang`).
pub const VERZOEK_SCHRIJVERS: &[Rol] = &[Rol::Registrar, Rol::Coordinator, Rol::Admin];
/// Roles that may read placement requests person by person (a coordinator those of its
/// own jeugdregio only); every such read is logged.
pub const VERZOEK_LEZERS: &[Rol] = &[Rol::Coordinator, Rol::Evaluator, Rol::Admin];
/// Roles that may read the history of the landscape (facilities, providers, targets).
pub const LANDSCHAP_HISTORIE: &[Rol] = &[Rol::Contractmanager, Rol::Evaluator, Rol::Admin];
/// Roles that may read person-level (pseudonymised) data, replay and diff.
pub const PERSOONSNIVEAU: &[Rol] = &[Rol::Evaluator, Rol::Admin];
/// Token management.
pub const BEHEER: &[Rol] = &[Rol::Admin];
/// Roles that may read contracts, costs, budgets and scorecards (a contract manager those
/// of its own jeugdregio only: `crate::geld`). Stuurgroep reads them in aggregate: no
/// tariffs per contract and no costs per youth.
pub const GELD_LEZERS: &[Rol] = &[
    Rol::Stuurgroep,
    Rol::Contractmanager,
    Rol::Evaluator,
    Rol::Admin,
];
/// Roles that may read the tariffs of a contract (a contract manager of the contracts of
/// its own jeugdregio only).
pub const TARIEF_LEZERS: &[Rol] = &[Rol::Contractmanager, Rol::Evaluator, Rol::Admin];

/// One stored token (the secret only as its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: String,
    pub naam: String,
    pub rol: Rol,
    /// The jeugdregio a coordinator's or contract manager's token is bound to; absent for
    /// the other roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jeugdregio: Option<String>,
    /// Hex SHA-256 of the secret.
    pub hash: String,
    pub aangemaakt: DateTime<Utc>,
    pub ingetrokken: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct TokenFile {
    tokens: Vec<TokenRecord>,
}

/// Errors of the token file.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("tokenbestand {pad}: {bron}")]
    Io {
        pad: PathBuf,
        #[source]
        bron: std::io::Error,
    },
    #[error("tokenbestand {pad} is geen geldige JSON: {bron}")]
    Json {
        pad: PathBuf,
        #[source]
        bron: serde_json::Error,
    },
    #[error("geen token met id `{0}`")]
    Onbekend(String),
    /// A coordinator's or contract manager's token without a jeugdregio, or a jeugdregio
    /// for another role, or a code that cannot be one.
    #[error("{0}")]
    Regio(String),
}

/// What identifies a version of the token file without reading it: modification time
/// and length (a revocation adds a timestamp, so the length changes even when the clock
/// of the file system is coarse).
type Versie = (SystemTime, u64);

/// The token file, cached and re-read when its modification time or length changes.
#[derive(Debug)]
pub struct Tokens {
    pad: PathBuf,
    cache: Mutex<(Option<Versie>, Vec<TokenRecord>)>,
    /// Counts revocations in this process and re-reads of a changed file.
    wijzigingen: watch::Sender<u64>,
}

/// SHA-256 of a token secret, hex.
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new random secret of 32 bytes, 64 hex digits (for session ids; tokens add `kl_`).
pub fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

impl Tokens {
    /// Opens (does not create) the token file at `pad`.
    pub fn new(pad: impl Into<PathBuf>) -> Tokens {
        Tokens {
            pad: pad.into(),
            cache: Mutex::new((None, Vec::new())),
            wijzigingen: watch::Sender::new(0),
        }
    }

    /// Changes whenever a token may have been revoked: a revocation through this handle,
    /// or a changed token file read again (another process ran `kringloop token revoke`;
    /// that is noticed at the next [`Tokens::actief`] or [`Tokens::verify`], which the
    /// watchers of open connections call periodically).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.wijzigingen.subscribe()
    }

    pub fn pad(&self) -> &Path {
        &self.pad
    }

    fn read_file(&self) -> Result<TokenFile, TokenError> {
        match std::fs::read_to_string(&self.pad) {
            Ok(text) => serde_json::from_str(&text).map_err(|bron| TokenError::Json {
                pad: self.pad.clone(),
                bron,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TokenFile::default()),
            Err(bron) => Err(TokenError::Io {
                pad: self.pad.clone(),
                bron,
            }),
        }
    }

    fn write_file(&self, bestand: &TokenFile) -> Result<(), TokenError> {
        let io = |bron| TokenError::Io {
            pad: self.pad.clone(),
            bron,
        };
        let json = serde_json::to_string_pretty(bestand).map_err(|bron| TokenError::Json {
            pad: self.pad.clone(),
            bron,
        })?;
        if let Some(dir) = self.pad.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // Write next to it and rename, so a reader never sees half a file.
        let tmp = self.pad.with_extension("json.tmp");
        std::fs::write(&tmp, json).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600));
        }
        std::fs::rename(&tmp, &self.pad).map_err(io)?;
        if let Ok(mut c) = self.cache.lock() {
            c.0 = None;
        }
        Ok(())
    }

    /// Creates a token of a role without a region; returns its record and the secret
    /// (shown once, never stored). A coordinator's or contract manager's token needs
    /// [`Tokens::create_voor`].
    pub fn create(&self, rol: Rol, naam: &str) -> Result<(TokenRecord, String), TokenError> {
        self.create_voor(rol, naam, None)
    }

    /// Creates a token; `jeugdregio` is required for a coordinator (the region it may see
    /// and write) and a contract manager (the region whose contracts and costs it sees),
    /// and refused for every other role, so a token's scope is never implied.
    pub fn create_voor(
        &self,
        rol: Rol,
        naam: &str,
        jeugdregio: Option<&str>,
    ) -> Result<(TokenRecord, String), TokenError> {
        let jeugdregio = jeugdregio.map(str::trim);
        match (rol.per_jeugdregio(), jeugdregio) {
            (true, None) => {
                return Err(TokenError::Regio(format!(
                    "een token van de rol {rol} hoort bij één jeugdregio: geef de code van de jeugdregio"
                )));
            }
            (false, Some(_)) => {
                return Err(TokenError::Regio(format!(
                    "een token van de rol {rol} hoort niet bij een jeugdregio; alleen een coordinator of contractmanager krijgt er een"
                )));
            }
            (true, Some(code)) => check_regiocode(code)?,
            (false, None) => {}
        }
        let mut bestand = self.read_file()?;
        let secret = format!("kl_{}", hex::encode(rand::random::<[u8; 32]>()));
        let id = hex::encode(rand::random::<[u8; 6]>());
        let record = TokenRecord {
            id,
            naam: naam.to_owned(),
            rol,
            jeugdregio: jeugdregio.map(str::to_owned),
            hash: hash_token(&secret),
            aangemaakt: Utc::now(),
            ingetrokken: None,
        };
        bestand.tokens.push(record.clone());
        self.write_file(&bestand)?;
        Ok((record, secret))
    }

    /// Revokes a token by id.
    pub fn revoke(&self, id: &str) -> Result<TokenRecord, TokenError> {
        let mut bestand = self.read_file()?;
        let t = bestand
            .tokens
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or_else(|| TokenError::Onbekend(id.to_owned()))?;
        if t.ingetrokken.is_none() {
            t.ingetrokken = Some(Utc::now());
        }
        let t = t.clone();
        self.write_file(&bestand)?;
        self.wijzigingen.send_modify(|n| *n = n.wrapping_add(1));
        Ok(t)
    }

    /// All tokens (hashes only).
    pub fn list(&self) -> Result<Vec<TokenRecord>, TokenError> {
        Ok(self.read_file()?.tokens)
    }

    /// Runs `f` on the records of the token file, read again first when it changed.
    /// `None` when the file cannot be read: nothing is live then (fail closed).
    fn with_records<R>(&self, f: impl FnOnce(&[TokenRecord]) -> R) -> Option<R> {
        let versie = std::fs::metadata(&self.pad)
            .and_then(|m| Ok((m.modified()?, m.len())))
            .ok();
        let mut cache = self.cache.lock().ok()?;
        if cache.0.is_none() || cache.0 != versie {
            match self.read_file() {
                Ok(b) => {
                    let eerder = cache.0.is_some();
                    *cache = (versie, b.tokens);
                    if eerder {
                        self.wijzigingen.send_modify(|n| *n = n.wrapping_add(1));
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "tokenbestand niet te lezen");
                    return None;
                }
            }
        }
        Some(f(&cache.1))
    }

    /// The principal of a bearer secret, if it is a live token.
    pub fn verify(&self, secret: &str) -> Option<Principal> {
        let hash = hash_token(secret.trim());
        // Constant-time comparison is not needed: both sides are hashes of a secret.
        self.with_records(|tokens| {
            tokens
                .iter()
                .find(|t| t.hash == hash && t.ingetrokken.is_none())
                .map(principal_from)
        })
        .flatten()
    }

    /// The principal of a token id, if that token is (still) live.
    pub fn principal(&self, token_id: &str) -> Option<Principal> {
        self.with_records(|tokens| {
            tokens
                .iter()
                .find(|t| t.id == token_id && t.ingetrokken.is_none())
                .map(principal_from)
        })
        .flatten()
    }

    /// Whether the token with this id is live: known and not revoked.
    pub fn actief(&self, token_id: &str) -> bool {
        self.principal(token_id).is_some()
    }
}

fn principal_from(t: &TokenRecord) -> Principal {
    Principal {
        token_id: t.id.clone(),
        naam: t.naam.clone(),
        rol: t.rol,
        jeugdregio: t.jeugdregio.clone(),
    }
}

/// A jeugdregio code as the domain rules take an identifier: 1 to 64 bytes, no control
/// characters, nothing that looks like a BSN. Whether the region is registered is not
/// checked: a token may be made before its region's master data are recorded.
fn check_regiocode(code: &str) -> Result<(), TokenError> {
    if code.is_empty() {
        return Err(TokenError::Regio(
            "de code van de jeugdregio is leeg".to_owned(),
        ));
    }
    kringloop_events::rules::input::check_text(
        "jeugdregio",
        kringloop_events::rules::input::TextKind::Key,
        code,
    )
    .map_err(|a| TokenError::Regio(a.melding))
}

/// The bearer secret in an `Authorization` header value.
pub fn bearer(header: &str) -> Option<&str> {
    let h = header.trim();
    let (scheme, rest) = h.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_verify_revoke() -> Result<(), TokenError> {
        let dir = tempfile::tempdir().map_err(|bron| TokenError::Io {
            pad: PathBuf::new(),
            bron,
        })?;
        let tokens = Tokens::new(dir.path().join("tokens.json"));
        let (rec, secret) = tokens.create(Rol::Evaluator, "Eva")?;
        assert!(secret.starts_with("kl_"));
        let text = std::fs::read_to_string(tokens.pad()).unwrap_or_default();
        assert!(!text.contains(&secret), "the secret is never stored");
        let p = tokens.verify(&secret);
        assert_eq!(p.map(|p| p.rol), Some(Rol::Evaluator));
        assert!(tokens.verify("kl_onzin").is_none());
        assert!(tokens.actief(&rec.id));
        let mut wijzigingen = tokens.changes();
        tokens.revoke(&rec.id)?;
        assert!(
            wijzigingen.has_changed().unwrap_or(false),
            "watchers are told"
        );
        wijzigingen.mark_unchanged();
        assert!(tokens.verify(&secret).is_none());
        assert!(!tokens.actief(&rec.id));
        assert!(!tokens.actief("bestaat-niet"));
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        Ok(())
    }

    /// A coordinator's token names its jeugdregio; no other role's token does. The region
    /// is in the file and in the principal; a file written before regions reads as before.
    #[test]
    fn a_coordinator_token_is_bound_to_a_region() -> Result<(), TokenError> {
        let dir = tempfile::tempdir().map_err(|bron| TokenError::Io {
            pad: PathBuf::new(),
            bron,
        })?;
        let tokens = Tokens::new(dir.path().join("tokens.json"));
        assert!(matches!(
            tokens.create(Rol::Coordinator, "Cor"),
            Err(TokenError::Regio(_))
        ));
        assert!(matches!(
            tokens.create_voor(Rol::Coordinator, "Cor", Some("  ")),
            Err(TokenError::Regio(_))
        ));
        assert!(matches!(
            tokens.create_voor(Rol::Registrar, "Reg", Some("RIJNMOND")),
            Err(TokenError::Regio(_))
        ));
        assert!(tokens.list()?.is_empty(), "a refused token is not stored");
        let (rec, secret) = tokens.create_voor(Rol::Coordinator, "Cor", Some(" RIJNMOND "))?;
        assert_eq!(rec.jeugdregio.as_deref(), Some("RIJNMOND"));
        let p = tokens.verify(&secret);
        assert_eq!(
            p.map(|p| (p.rol, p.jeugdregio)),
            Some((Rol::Coordinator, Some("RIJNMOND".to_owned())))
        );
        let (_, secret) = tokens.create(Rol::Registrar, "Reg")?;
        assert_eq!(tokens.verify(&secret).map(|p| p.jeugdregio), Some(None));
        let text = std::fs::read_to_string(tokens.pad()).unwrap_or_default();
        assert_eq!(text.matches("jeugdregio").count(), 1, "{text}");
        assert_eq!("Coordinator".parse::<Rol>(), Ok(Rol::Coordinator));
        Ok(())
    }

    /// A contract manager's token is bound to a region as a coordinator's is; a token
    /// of a bound role without one (an old token file) is restricted to no region.
    #[test]
    fn a_contract_manager_token_is_bound_to_a_region() -> Result<(), TokenError> {
        let dir = tempfile::tempdir().map_err(|bron| TokenError::Io {
            pad: PathBuf::new(),
            bron,
        })?;
        let tokens = Tokens::new(dir.path().join("tokens.json"));
        assert!(matches!(
            tokens.create(Rol::Contractmanager, "Cas"),
            Err(TokenError::Regio(_))
        ));
        let (_, secret) = tokens.create_voor(Rol::Contractmanager, "Cas", Some("HAAGLANDEN"))?;
        let p = tokens.verify(&secret);
        assert_eq!(
            p.as_ref().and_then(Principal::regio_beperking),
            Some("HAAGLANDEN")
        );
        let oud = Principal {
            token_id: "x".into(),
            naam: "oud".into(),
            rol: Rol::Contractmanager,
            jeugdregio: None,
        };
        assert_eq!(oud.regio_beperking(), Some(""));
        let ev = Principal {
            rol: Rol::Evaluator,
            ..oud
        };
        assert_eq!(ev.regio_beperking(), None);
        Ok(())
    }

    /// `kringloop token revoke` in another process: the server's handle notices the
    /// changed file at its next check and tells its watchers.
    #[test]
    fn revocation_through_another_handle_is_noticed() -> Result<(), TokenError> {
        let dir = tempfile::tempdir().map_err(|bron| TokenError::Io {
            pad: PathBuf::new(),
            bron,
        })?;
        let pad = dir.path().join("tokens.json");
        let server = Tokens::new(&pad);
        let cli = Tokens::new(&pad);
        let (rec, _) = cli.create(Rol::Evaluator, "Eva")?;
        assert!(server.actief(&rec.id));
        let wijzigingen = server.changes();
        cli.revoke(&rec.id)?;
        assert!(!server.actief(&rec.id), "the re-read file says revoked");
        assert!(
            wijzigingen.has_changed().unwrap_or(false),
            "watchers are told"
        );
        assert_eq!(new_secret().len(), 64);
        assert_ne!(new_secret(), new_secret());
        Ok(())
    }
}
