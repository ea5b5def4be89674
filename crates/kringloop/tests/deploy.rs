//! `deploy/`: the compose file, its Dockerfile and the build context's `.dockerignore`
//! can work as written. No container runtime is needed (CI has none): the files are
//! parsed and checked for what made the old compose file fail, and the compose file's
//! token bootstrap is run with this build's binary.
//!
//! - the server listens on every interface of its container (`KRINGLOOP_LISTEN`
//!   0.0.0.0), on the port that is published;
//! - traces go to the collector's OTLP/HTTP port 4318 with protocol `http/protobuf` (what
//!   the exporter speaks), and the collector listens there;
//! - a one-shot `token` service, not started by `up`, creates the first admin token in
//!   the server's token file (a shared volume); run here with the same arguments, it
//!   prints the token once and stores only its hash;
//! - the master key is a secret file, not an environment value or part of the image;
//! - the Dockerfile has a build and a runtime stage, runs as a user other than root, and
//!   builds with the workspace's Rust version;
//! - `.dockerignore` keeps `target/`, databases and key files out of the build context.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(rel: &str) -> Yaml {
    let mut docs = YamlLoader::load_from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(docs.len(), 1, "{rel}: one document");
    docs.remove(0)
}

fn s<'a>(y: &'a Yaml, what: &str) -> &'a str {
    y.as_str()
        .unwrap_or_else(|| panic!("{what}: a string, got {y:?}"))
}

fn strings<'a>(y: &'a Yaml, what: &str) -> Vec<&'a str> {
    y.as_vec()
        .unwrap_or_else(|| panic!("{what}: a list, got {y:?}"))
        .iter()
        .map(|v| s(v, what))
        .collect()
}

/// The port of `host:port` or of a URL `scheme://host:port[/…]`.
fn port(adres: &str) -> u16 {
    let zonder_schema = adres.split("://").last().unwrap();
    let hostpoort = zonder_schema.split('/').next().unwrap();
    hostpoort.rsplit(':').next().unwrap().parse().unwrap()
}

fn host(adres: &str) -> &str {
    let zonder_schema = adres.split("://").last().unwrap();
    let hostpoort = zonder_schema.split('/').next().unwrap();
    hostpoort.rsplit_once(':').unwrap().0
}

#[test]
fn compose_server_listens_on_all_interfaces_of_its_container() {
    let c = yaml("deploy/compose.yaml");
    let k = &c["services"]["kringloop"];
    let env = &k["environment"];
    let listen = s(&env["KRINGLOOP_LISTEN"], "KRINGLOOP_LISTEN");
    assert_eq!(host(listen), "0.0.0.0", "{listen}");
    // The published port reaches the port it listens on.
    let ports = strings(&k["ports"], "ports");
    assert!(!ports.is_empty());
    for p in &ports {
        let container: u16 = p.rsplit(':').next().unwrap().parse().unwrap();
        assert_eq!(container, port(listen), "{p} publishes the listening port");
    }
    assert_eq!(strings(&k["command"], "command"), ["serve"]);
    // The image's own default agrees.
    assert!(read("deploy/Dockerfile").contains("KRINGLOOP_LISTEN=0.0.0.0:8080"));
}

#[test]
fn compose_exports_traces_over_otlp_http() {
    let c = yaml("deploy/compose.yaml");
    let env = &c["services"]["kringloop"]["environment"];
    let endpoint = s(
        &env["OTEL_EXPORTER_OTLP_ENDPOINT"],
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    );
    assert_eq!(port(endpoint), 4318, "{endpoint}");
    assert_eq!(host(endpoint), "otel-collector", "{endpoint}");
    assert!(
        !c["services"]["otel-collector"].is_badvalue(),
        "the collector is a service"
    );
    assert_eq!(
        s(
            &env["OTEL_EXPORTER_OTLP_PROTOCOL"],
            "OTEL_EXPORTER_OTLP_PROTOCOL"
        ),
        "http/protobuf"
    );
    // The exporter in the binary is the HTTP/protobuf one.
    assert!(read("crates/kringloop/src/serve/telemetry.rs").contains(".with_http()"));
    // The collector listens for OTLP/HTTP on that port.
    let otel = yaml("deploy/otel-collector.yaml");
    let http = s(
        &otel["receivers"]["otlp"]["protocols"]["http"]["endpoint"],
        "collector http endpoint",
    );
    assert_eq!(port(http), 4318, "{http}");
}

#[test]
fn compose_master_key_is_a_secret_file() {
    let c = yaml("deploy/compose.yaml");
    let k = &c["services"]["kringloop"];
    let env = &k["environment"];
    assert!(
        env["KRINGLOOP_MASTERSLEUTEL"].is_badvalue(),
        "the key itself is never in the environment"
    );
    let bestand = s(
        &env["KRINGLOOP_MASTERSLEUTEL_BESTAND"],
        "KRINGLOOP_MASTERSLEUTEL_BESTAND",
    );
    let geheim = bestand.strip_prefix("/run/secrets/").unwrap();
    assert!(strings(&k["secrets"], "secrets").contains(&geheim));
    assert_eq!(
        s(&c["secrets"][geheim]["file"], "secret file"),
        "./mastersleutel"
    );
    assert!(read(".gitignore").contains("/deploy/mastersleutel"));
}

#[test]
fn compose_bootstraps_the_first_admin_token() {
    let c = yaml("deploy/compose.yaml");
    let server = &c["services"]["kringloop"];
    let t = &c["services"]["token"];
    assert!(!t.is_badvalue(), "a `token` service");
    // One-shot: only with `docker compose run --rm token`, never by `up`.
    assert!(!strings(&t["profiles"], "profiles").is_empty());
    assert_eq!(s(&t["restart"], "restart"), "no");
    let args = strings(&t["command"], "command");
    assert_eq!(&args[..4], ["token", "create", "--rol", "admin"]);
    // It writes the token file the server reads, on the volume both mount.
    let pad = s(&server["environment"]["KRINGLOOP_TOKENS"], "server tokens");
    assert_eq!(
        s(&t["environment"]["KRINGLOOP_TOKENS"], "token tokens"),
        pad
    );
    let map = Path::new(pad).parent().unwrap().to_str().unwrap();
    let volume = |svc: &Yaml| -> String {
        strings(&svc["volumes"], "volumes")
            .into_iter()
            .find_map(|v| v.strip_suffix(&format!(":{map}")).map(str::to_owned))
            .unwrap_or_else(|| panic!("a volume at {map}"))
    };
    assert_eq!(volume(server), volume(t));
    assert!(
        !c["volumes"][volume(server).as_str()].is_badvalue(),
        "a named volume"
    );
    assert_eq!(
        s(&t["image"], "image"),
        s(&server["image"], "image"),
        "the same image"
    );

    // The same command with this build's binary: the token is printed once, on stdout,
    // and the file keeps only its hash.
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.json");
    let uit = Command::new(env!("CARGO_BIN_EXE_kringloop"))
        .args(&args)
        .env("KRINGLOOP_TOKENS", &tokens)
        .env("KRINGLOOP_DATABASE_URL", dir.path().join("k.db"))
        .env_remove("KRINGLOOP_MASTERSLEUTEL")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .output()
        .unwrap();
    assert!(uit.status.success(), "{uit:?}");
    let stdout = String::from_utf8(uit.stdout).unwrap();
    let regels: Vec<&str> = stdout.lines().collect();
    assert_eq!(regels.len(), 1, "only the token on stdout: {stdout:?}");
    let token = regels[0].trim();
    assert!(token.len() >= 32, "{token}");
    let opgeslagen = std::fs::read_to_string(&tokens).unwrap();
    assert!(!opgeslagen.contains(token), "the token is stored hashed");
    assert!(opgeslagen.contains("admin"), "{opgeslagen}");
    assert!(
        !dir.path().join("k.db").exists(),
        "creating a token touches no database"
    );
}

#[test]
fn dockerfile_builds_in_stages_and_runs_as_a_user() {
    let d = read("deploy/Dockerfile");
    let c = yaml("deploy/compose.yaml");
    let build = &c["services"]["kringloop"]["build"];
    assert_eq!(s(&build["context"], "context"), "..");
    assert_eq!(s(&build["dockerfile"], "dockerfile"), "deploy/Dockerfile");
    let from: Vec<&str> = d.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert!(from.len() >= 2, "a build and a runtime stage: {from:?}");
    assert!(from[0].ends_with(" AS build"), "{from:?}");
    assert!(d.contains("COPY --from=build"));
    assert!(d.contains("cargo build --release --locked -p kringloop"));
    let user = d
        .lines()
        .rfind(|l| l.starts_with("USER "))
        .expect("a USER line");
    assert!(!user.contains("root") && !user.contains(" 0"), "{user}");
    // The toolchain of the image is the workspace's.
    let versie = read("Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"')
        .to_owned();
    assert!(
        d.contains(&format!("ARG RUST_VERSION={versie}\n")),
        "Dockerfile's RUST_VERSION is {versie}"
    );
}

#[test]
fn dockerignore_keeps_builds_databases_and_keys_out() {
    let regels: Vec<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    for patroon in [
        "target",
        "**/target",
        "*.db",
        "**/*.db",
        "**/*.db-wal",
        "deploy/mastersleutel",
        "**/*.mastersleutel",
        "**/*.celsleutel",
        "**/*.tokens.json",
        ".git",
    ] {
        assert!(
            regels.iter().any(|r| r == patroon),
            "{patroon} not in .dockerignore"
        );
    }
    // Nothing the build needs is left out.
    for nodig in [
        "crates",
        "events",
        "projections",
        "graphql",
        "docs",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        assert!(
            !regels.iter().any(|r| r.trim_end_matches('/') == nodig),
            "{nodig} is needed by the build"
        );
    }
}
