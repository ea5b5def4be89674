//! Configuration shared by every subcommand.
//!
//! Each setting comes from a flag or, when the flag is absent, from an environment
//! variable:
//!
//! | flag | environment | default | meaning |
//! |---|---|---|---|
//! | `--database-url` | `KRINGLOOP_DATABASE_URL` | `kringloop.db` | a SQLite file path (`sqlite://path` also works) or `postgres://…` |
//! | `--log` | `KRINGLOOP_LOG`, else `RUST_LOG` | `info` | tracing filter, e.g. `kringloop=debug,sqlx=warn`; an explicit `--log` wins over `RUST_LOG`, an invalid filter is an error |
//! | `serve --listen` | `KRINGLOOP_LISTEN` | `127.0.0.1:8080` | address of the API |
//! | `serve --tokens` | `KRINGLOOP_TOKENS` | beside the SQLite file | hashed bearer tokens |
//! | `serve --celsleutel-bestand`, `kpi --celsleutel-bestand` | `KRINGLOOP_CELSLEUTEL_BESTAND` | `<tokens>.celsleutel` | secret of the cell-key method (created when missing; `docs/privacy.md`) |
//! | `serve --poll-ms` | `KRINGLOOP_POLL_MS` | `100` | how often the projection polls for other writers |
//! | `serve --timeout-s` | `KRINGLOOP_REQUEST_TIMEOUT` | `30` | time limit of one request |
//! | — | `KRINGLOOP_PSEUDONIEM_SLEUTEL` | none | `import`: HMAC key for BSN pseudonyms (only from the environment, never an argument) |
//! | `import --pseudoniem-sleutel-bestand` | `KRINGLOOP_PSEUDONIEM_SLEUTEL_BESTAND` | none | `import`: file holding that key instead (one final line break ignored; both at once is refused) |
//! | `--mastersleutel-bestand` | `KRINGLOOP_MASTERSLEUTEL_BESTAND` | `<database>.mastersleutel` | file with the master key that protects the youth keys (created only for a new, empty database; `docs/privacy.md`, "Erasure and retention") |
//! | — | `KRINGLOOP_MASTERSLEUTEL` | none | the master key itself (64 hex digits), instead of a file; never an argument |
//! | `bewaartermijn --jaren` | `KRINGLOOP_BEWAARTERMIJN_JAREN` | `20` | retention period in years, counted from the end of a youth's last placement (or its registration when never placed); 20 is the dossier term of the Jeugdwet, art. 7.3.8. `serve` applies it at start (`docs/erasure.md`, "Retention") |
//! | `--norm-wachttijd-regulier` | `KRINGLOOP_NORM_WACHTTIJD_REGULIER` | `42` | waiting norm of a REGULIER placement request in days (1 to 3650): a request closed (placed or withdrawn) later than this after its date is accepted with the signal `WACHTTIJD_OVERSCHREDEN`, and `plaatsingsverzoeken` reports it over the norm; SPOED has a fixed norm of 7 days |
//! | — | `OTEL_EXPORTER_OTLP_ENDPOINT` | unset | export traces over OTLP only when set |
//!
//! `deploy/kringloop.env.example` is a complete example.

use clap::Args;

/// The default store: an embedded SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "kringloop.db";

#[derive(Debug, Clone, Args)]
pub struct GlobalConfig {
    /// Event store: a SQLite file path (default) or a postgres:// URL.
    #[arg(long, global = true, env = "KRINGLOOP_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// File with the master key (64 hex digits) that protects the youth keys. The key
    /// itself is never an argument; see `vault.rs` for where it is looked for.
    #[arg(long, global = true, env = "KRINGLOOP_MASTERSLEUTEL_BESTAND")]
    pub mastersleutel_bestand: Option<std::path::PathBuf>,

    /// Log filter: a level (trace, debug, info, warn, error, off) or `target=level`
    /// pairs, comma-separated, e.g. `kringloop=debug,sqlx=warn`. Wins over `RUST_LOG`;
    /// without both: info. An invalid filter is an error.
    #[arg(long, global = true, env = "KRINGLOOP_LOG", value_parser = parse_log_filter)]
    pub log: Option<String>,

    /// Waiting norm of a REGULIER placement request in days (SPOED: 7). A request placed
    /// or withdrawn later is accepted with a signal; the API reports the wait against it.
    #[arg(
        long,
        global = true,
        env = "KRINGLOOP_NORM_WACHTTIJD_REGULIER",
        default_value_t = kringloop_graphql::state::NORM_WACHTTIJD_REGULIER,
        value_parser = clap::value_parser!(u32).range(1..=3650)
    )]
    pub norm_wachttijd_regulier: u32,
}

const NIVEAUS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

/// Checks a log filter: each comma-separated directive is a level, or `target=level`
/// (optionally with a span filter in brackets). A bare word that is no level (`verbose`,
/// `debugg`) is refused, where tracing would read it as a target and log nothing new.
pub fn check_log_filter(filter: &str) -> Result<(), String> {
    let hint = "gebruik trace, debug, info, warn, error of off, of doel=niveau (bijv. kringloop=debug,sqlx=warn)";
    if filter.trim().is_empty() {
        return Err(format!("leeg logfilter; {hint}"));
    }
    for directive in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let niveau = match directive.rsplit_once('=') {
            Some((_, niveau)) => niveau,
            None if directive.contains('[') || directive.contains("::") => continue,
            None => directive,
        };
        if !NIVEAUS.contains(&niveau.to_ascii_lowercase().as_str()) {
            return Err(format!(
                "onbekend logniveau `{niveau}` in `{filter}`; {hint}"
            ));
        }
    }
    tracing_subscriber::EnvFilter::try_new(filter)
        .map(|_| ())
        .map_err(|e| format!("ongeldig logfilter `{filter}`: {e}"))
}

fn parse_log_filter(filter: &str) -> Result<String, String> {
    check_log_filter(filter).map(|()| filter.to_owned())
}

impl GlobalConfig {
    /// The database URL with any password replaced, for logs.
    pub fn redacted_url(&self) -> String {
        redact(&self.database_url)
    }
}

fn redact(url: &str) -> String {
    // postgres://user:secret@host/db → postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((creds, host)) = rest.split_once('@')
        && let Some((user, _)) = creds.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::{GlobalConfig, redact};
    use clap::Parser as _;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        global: GlobalConfig,
    }

    /// The regulier waiting norm: 42 days unless given, a positive number of days.
    #[test]
    fn the_regulier_norm_is_42_days_unless_set() {
        if std::env::var_os("KRINGLOOP_NORM_WACHTTIJD_REGULIER").is_some() {
            return;
        }
        let norm = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("kringloop").chain(args.iter().copied()))
                .map(|c| c.global.norm_wachttijd_regulier)
        };
        assert_eq!(norm(&[]).ok(), Some(42));
        assert_eq!(norm(&["--norm-wachttijd-regulier", "30"]).ok(), Some(30));
        assert!(norm(&["--norm-wachttijd-regulier", "0"]).is_err());
        assert!(norm(&["--norm-wachttijd-regulier", "zes weken"]).is_err());
    }

    /// An invalid `--log` used to become `info` silently.
    #[test]
    fn an_invalid_log_filter_is_refused() {
        if std::env::var_os("KRINGLOOP_LOG").is_some() {
            return;
        }
        let log = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("kringloop").chain(args.iter().copied()))
                .map(|c| c.global.log)
        };
        assert_eq!(log(&[]).ok(), Some(None));
        for goed in [
            "debug",
            "WARN",
            "kringloop=debug,sqlx=warn",
            "kringloop::serve",
        ] {
            assert!(log(&["--log", goed]).is_ok(), "{goed}");
        }
        for fout in ["verbose", "debugg", "kringloop=lots", ""] {
            assert!(log(&["--log", fout]).is_err(), "{fout}");
        }
    }

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact("postgres://kl:geheim@db:5432/kl"),
            "postgres://kl:***@db:5432/kl"
        );
        assert_eq!(
            redact("postgres://root@127.0.0.1/test"),
            "postgres://root@127.0.0.1/test"
        );
        assert_eq!(redact("kringloop.db"), "kringloop.db");
    }
}
