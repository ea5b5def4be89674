//! Issue 20: no BSN is ever stored or printed. Known test BSNs (each passes the elfproef)
//! are offered through every way in (the API's mutations, as variables and inline; the
//! CSV, JSON Lines and iJw importers, as `bsn`, as pseudonym, in free text, in `bron`,
//! in an iJw message identification and in file names), in the forms people write them
//! (`999999990`, `BSN999999990`, `0999999990`, `9999.99.990`, `999 999 990`). Afterwards
//! none of those strings may be in the database (every file of the SQLite database on
//! disk; a `pg_dump` of the PostgreSQL database), in any log line or span the process
//! emitted (captured at DEBUG with every span's fields), in any HTTP reply or in any
//! import report. Run on both backends; PostgreSQL skips loudly without a server, except
//! under `CI=true`.
//!
//! Its own test binary: it installs a global tracing subscriber that keeps everything.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use kringloop_graphql::{ApiConfig, ApiState, Rol, Tokens};
use kringloop_import::ijw::mapping::RegioMapping;
use kringloop_import::importer::{Format, ImportConfig, Importer};
use kringloop_import::pseudonym::Pseudonymizer;
use kringloop_import::report::{Rapport, Uitkomst};
use kringloop_import::templates::ORDER;
use kringloop_runner::{Runner, RunnerOptions};
use kringloop_store::EventStore;
use kringloop_tests::fresh_pg_database;
use serde_json::{Value, json};
use tower::ServiceExt as _;

/// Test BSNs: each passes the elfproef (checked in `kringloop_events::bsn`'s tests).
const BSNS: [&str; 3] = ["999999990", "111222333", "123456782"];

/// The forms of a BSN that are offered, and searched for afterwards.
fn written_forms(bsn: &str) -> Vec<String> {
    vec![
        bsn.to_owned(),
        format!("BSN{bsn}"),
        format!("0{bsn}"),
        format!("{}.{}.{}", &bsn[..4], &bsn[4..6], &bsn[6..]),
        format!("{} {} {}", &bsn[..3], &bsn[3..6], &bsn[6..]),
    ]
}

fn all_written_forms() -> Vec<String> {
    BSNS.iter().flat_map(|b| written_forms(b)).collect()
}

// ---------------------------------------------------------------------------------------
// Log capture: one global subscriber per process, writing everything into a buffer.
// ---------------------------------------------------------------------------------------

#[derive(Clone)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log() -> &'static Buffer {
    static LOG: OnceLock<Buffer> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Buffer(Arc::new(Mutex::new(Vec::new())));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            // Every span with its fields when it opens and closes (the GraphQL parse
            // span records the whole operation, variables included).
            .with_span_events(
                tracing_subscriber::fmt::format::FmtSpan::NEW
                    | tracing_subscriber::fmt::format::FmtSpan::CLOSE,
            )
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
}

fn log_text() -> String {
    String::from_utf8_lossy(&log().0.lock().unwrap()).into_owned()
}

// ---------------------------------------------------------------------------------------
// The importers
// ---------------------------------------------------------------------------------------

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/import")
}

fn import_config() -> ImportConfig {
    let mut c = ImportConfig::new("import:test");
    c.pseudonimiseerder = Some(Pseudonymizer::new("test-sleutel-regio-rijnmond-2026").unwrap());
    let mapping = crate_dir().join("fixtures/ijw/mapping-rijnmond.toml");
    c.mapping = Some(
        RegioMapping::read(
            "mapping-rijnmond.toml",
            &std::fs::read_to_string(mapping).unwrap(),
        )
        .unwrap(),
    );
    c
}

/// The landscape from the templates, then every BSN through every importer. Returns the
/// reports.
async fn import_all(store: &Arc<dyn EventStore>, dir: &Path) -> Vec<Rapport> {
    let mut imp = Importer::open(Arc::clone(store), import_config())
        .await
        .unwrap();
    let mut reports = Vec::new();
    for t in &ORDER[..10] {
        let path = crate_dir().join(format!("templates/csv/{t}.csv"));
        let r = imp.import_file(&path, Format::Csv).await.unwrap();
        assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
        reports.push(r);
    }
    let header = "type,pseudoniem,bsn,geboortejaar,geslacht,woongemeente,datum,voorziening,spoed,crisis,verblijf_voor,bestemming,reden,bron\n";
    for (i, bsn) in BSNS.iter().enumerate() {
        let v = written_forms(bsn);
        // Accepted: the BSN in its own column is pseudonymised at the door; the file is
        // named after it.
        let good =
            format!("{header}JeugdigeGeregistreerd,,{bsn},2008,MAN,GM0599,2024-03-01,,,,,,,\n");
        let r = imp
            .import_table(Format::Csv, &format!("jeugdige-{bsn}.csv"), good.as_bytes())
            .await
            .unwrap();
        assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
        reports.push(r);
        // Refused: as pseudonym, in free text, in `bron` (every form).
        for (j, form) in v.iter().enumerate() {
            let cases = [
                format!(
                    "{header}JeugdigeGeregistreerd,{form},,2008,MAN,GM0599,2024-03-01,,,,,,,\n"
                ),
                format!(
                    "{header}PlaatsingBeeindigd,,{bsn},,,,2024-04-01,HZN-DE-BRUG,,,,THUIS,verhuisd; bsn {form},\n"
                ),
                format!(
                    "{header}JeugdigeGeregistreerd,p-{i}-{j},,2008,MAN,GM0599,2024-03-01,,,,,,,dossier {form}\n"
                ),
            ];
            for (k, csv) in cases.iter().enumerate() {
                let r = imp
                    .import_table(
                        Format::Csv,
                        &format!("fout-{i}-{j}-{k}.csv"),
                        csv.as_bytes(),
                    )
                    .await
                    .unwrap();
                assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
                reports.push(r);
            }
            let jsonl = format!(
                "{{\"type\":\"JeugdigeGeregistreerd\",\"pseudoniem\":\"{form}\",\"geboortejaar\":2008,\"geslacht\":\"MAN\",\"woongemeente\":\"GM0599\",\"datum\":\"2024-03-01\"}}\n\
                 {{\"type\":\"PlaatsingBeeindigd\",\"bsn\":\"{bsn}\",\"voorziening\":\"HZN-DE-BRUG\",\"datum\":\"2024-04-01\",\"bestemming\":\"THUIS\",\"reden\":\"bsn {form}\"}}\n"
            );
            let r = imp
                .import_table(Format::Jsonl, &format!("{form}.jsonl"), jsonl.as_bytes())
                .await
                .unwrap();
            assert_eq!(r.uitkomst, Uitkomst::Afgewezen, "{r}");
            reports.push(r);
        }
    }
    // iJw: the fixtures with the test BSNs as the clients' BSN, as message
    // identifications (one written with dots) and in a file name.
    let berichten = dir.join("berichten");
    std::fs::create_dir(&berichten).unwrap();
    for e in std::fs::read_dir(crate_dir().join("fixtures/ijw/berichten")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&p)
            .unwrap()
            .replace("999900018", BSNS[0])
            .replace("999900031", BSNS[1])
            .replace("HZN-2024-0101", BSNS[2])
            .replace("RDM-2024-0412", &written_forms(BSNS[1])[3]);
        let name = if name.starts_with("08-") {
            format!("08-{}.xml", BSNS[0])
        } else {
            name
        };
        std::fs::write(berichten.join(name), text).unwrap();
    }
    let r = imp.import_paths(&[berichten]).await.unwrap();
    assert!(
        r.iter().all(|r| r.uitkomst == Uitkomst::Geschreven),
        "{}",
        r[0]
    );
    reports.extend(r);
    reports
}

// ---------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------

async fn gql(app: &axum::Router, token: &str, query: &str, vars: Value) -> String {
    let body = json!({ "query": query, "variables": vars }).to_string();
    let req = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every BSN, in every form, through the mutations. Returns the replies.
async fn through_the_api(store: &Arc<dyn EventStore>, dir: &Path) -> Vec<String> {
    let tokens = Tokens::new(dir.join("tokens.json"));
    let (_, t) = tokens.create(Rol::Registrar, "test-registrar").unwrap();
    let runner = Runner::start(
        Arc::clone(store),
        RunnerOptions {
            poll_interval: Duration::from_millis(20),
            ..RunnerOptions::default()
        },
    )
    .await
    .unwrap();
    let api = ApiState::new(
        Arc::clone(store),
        runner.clone(),
        Arc::new(Tokens::new(dir.join("tokens.json"))),
        ApiConfig::default(),
    )
    .await
    .map_err(|e| e.melding())
    .unwrap();
    let app = kringloop_graphql::http::router(api.clone());
    let head = store.head_position().await.unwrap();
    let mut replies = Vec::new();
    let reply = "positie stroom";
    for (i, bsn) in BSNS.iter().enumerate() {
        for (j, form) in written_forms(bsn).iter().enumerate() {
            let k = |n: u32| format!("api-{i}-{j}-{n}");
            let jeugdige = json!({"pseudoniem": form, "geboortejaar": 2008, "geslacht": "MAN", "woongemeente": "GM0599", "datum": "2024-01-01"});
            let start = json!({"voorziening": "HZN-DE-BRUG", "datum": "2024-05-01", "spoed": false, "crisis": false, "verblijfVoor": "THUIS"});
            let requests: [(String, Value); 6] = [
                (
                    format!(
                        "mutation($i: JeugdigeInvoer!, $k: String!) {{ registreerJeugdige(invoer: $i, idempotencyKey: $k) {{ {reply} }} }}"
                    ),
                    json!({"i": jeugdige, "k": k(1)}),
                ),
                (
                    format!(
                        "mutation($p: String!, $i: PlaatsingInvoer!, $k: String!) {{ startPlaatsing(pseudoniem: $p, invoer: $i, idempotencyKey: $k, expectedVersion: 3) {{ {reply} }} }}"
                    ),
                    json!({"p": form, "i": start, "k": k(2)}),
                ),
                // Inline in the operation instead of a variable.
                (
                    format!(
                        "mutation {{ sluitPlaatsen(invoer: {{voorziening: \"HZN-DE-BRUG\", datum: \"2024-06-01\", aantal: 1, reden: \"jeugdige {form} verhuisd\"}}, idempotencyKey: \"{}\") {{ {reply} }} }}",
                        k(3)
                    ),
                    json!({}),
                ),
                (
                    format!(
                        "mutation {{ startPlaatsing(pseudoniem: \"{form}\", invoer: {{voorziening: \"HZN-DE-BRUG\", datum: \"2024-05-01\", spoed: false, crisis: false, verblijfVoor: THUIS}}, idempotencyKey: \"{}\") {{ {reply} }} }}",
                        k(4)
                    ),
                    json!({}),
                ),
                (
                    format!(
                        "mutation($r: String!, $k: String!) {{ trekFeitIn(eventId: \"0190b7a0-0000-7000-8000-000000000001\", reden: $r, idempotencyKey: $k) {{ {reply} }} }}"
                    ),
                    json!({"r": format!("bsn {form}"), "k": k(5)}),
                ),
                (
                    format!(
                        "mutation($k: String!) {{ registreerAanbieder(invoer: {{id: \"X{i}{j}\", naam: \"x\"}}, idempotencyKey: $k) {{ {reply} }} }}"
                    ),
                    json!({"k": format!("sleutel {form}")}),
                ),
            ];
            for (query, variables) in requests {
                replies.push(gql(&app, &t, &query, variables).await);
            }
        }
    }
    assert_eq!(
        store.head_position().await.unwrap(),
        head,
        "a mutation with a BSN wrote something"
    );
    // A good fact, so the API wrote to this database too.
    let r = gql(
        &app,
        &t,
        "mutation { registreerAanbieder(invoer: {id: \"GOED\", naam: \"Goed\"}, idempotencyKey: \"goed\") { positie } }",
        json!({}),
    )
    .await;
    assert!(r.contains("positie") && !r.contains("errors"), "{r}");
    replies.push(r);
    runner.shutdown().await;
    drop(app);
    drop(api);
    replies
}

// ---------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------

fn nowhere(place: &str, text: &str) {
    for v in all_written_forms() {
        assert!(!text.contains(&v), "`{v}` found in {place}");
    }
}

async fn stored_nowhere(url: Option<&str>, dir: &Path) {
    match url {
        None => {
            let mut bytes = Vec::new();
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.extension()
                    .is_some_and(|x| x == "db" || x == "db-wal" || x == "db-shm")
                    || p.to_string_lossy().contains("events.db")
                {
                    bytes.extend(std::fs::read(&p).unwrap());
                }
            }
            assert!(!bytes.is_empty(), "no database files found");
            nowhere("the SQLite files", &String::from_utf8_lossy(&bytes));
        }
        Some(url) => {
            let dump = std::process::Command::new("pg_dump")
                .arg("--no-owner")
                .arg(format!("--dbname={url}"))
                .output()
                .expect("pg_dump (installed with the PostgreSQL server) must run");
            assert!(
                dump.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&dump.stderr)
            );
            let text = String::from_utf8_lossy(&dump.stdout);
            assert!(
                text.contains("GOED") && text.contains("HZN-DE-BRUG"),
                "the dump holds the events"
            );
            nowhere("the pg_dump", &text);
        }
    }
}

async fn run(url: String, pg: bool, dir: &Path) {
    log();
    let store = kringloop_store::open(&url).await.unwrap();
    let reports = import_all(&store, dir).await;
    let replies = through_the_api(&store, dir).await;
    store.close().await.unwrap();
    for a in &replies {
        nowhere("an HTTP reply", a);
    }
    let display: String = reports.iter().map(ToString::to_string).collect();
    nowhere("a report", &display);
    nowhere("a report (JSON)", &serde_json::to_string(&reports).unwrap());
    nowhere("a report (Debug)", &format!("{reports:?}"));
    stored_nowhere(pg.then_some(url.as_str()), dir).await;
    let log = log_text();
    assert!(
        log.contains("registreer") && log.contains("parse"),
        "the log capture works"
    );
    nowhere("the log", &log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_no_bsn_stored_or_printed() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("events.db").display().to_string();
    run(url, false, dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_no_bsn_stored_or_printed() {
    let Some((url, _guard)) = fresh_pg_database("no_bsn_stored_or_printed").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    run(url, true, dir.path()).await;
}
