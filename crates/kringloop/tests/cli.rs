//! The `kringloop` binary as a user runs it: wrong input, read-only commands, the
//! terminal plumbing (issue 23, section 1). PostgreSQL tests skip without a server
//! unless `CI=true` (`kringloop_tests::fresh_pg_database`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kringloop");

/// The binary in `dir` with no KRINGLOOP_* or RUST_LOG from the environment.
fn kringloop(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("KRINGLOOP_") || k == "RUST_LOG" || k == "NO_COLOR" {
            c.env_remove(k);
        }
    }
    c.env_remove("OTEL_EXPORTER_OTLP_ENDPOINT");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    kringloop(dir).args(args).output().expect("start kringloop")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A small demo database in `dir` (Zuid-West's real regions, a sliver of the volume).
fn demo_db(dir: &Path) -> String {
    let db = dir.join("demo.db").display().to_string();
    let out = run(
        dir,
        &[
            "--database-url",
            &db,
            "demo",
            "--scale",
            "0.02",
            "--from-year",
            "2023",
            "--to-year",
            "2024",
        ],
    );
    assert!(out.status.success(), "demo: {}", text(&out.stderr));
    db
}

fn kpi(dir: &Path, db: &str, extra: &[&str]) -> Output {
    let mut args = vec!["--database-url", db, "kpi", "--periode", "2024Q1"];
    args.extend_from_slice(extra);
    run(dir, &args)
}

/// `--jeugdregio ONBEKEND` printed all zeros with exit code 0; `rijnmond` and
/// `Zuid-West` did the same instead of meaning RIJNMOND and ZUID_WEST.
#[test]
fn unknown_codes_are_an_error_that_lists_the_valid_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_db(dir.path());
    for (optie, code) in [
        ("--jeugdregio", "ONBEKEND"),
        ("--landsdeel", "Zuidwest"),
        ("--gemeente", "GM9999"),
        ("--aanbieder", "niemand"),
        ("--voorziening", "nergens"),
    ] {
        let out = kpi(dir.path(), &db, &[optie, code]);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{optie} {code}: {err}");
        assert!(err.contains("onbekende") && err.contains(code), "{err}");
    }
    let err = text(&kpi(dir.path(), &db, &["--jeugdregio", "ONBEKEND"]).stderr);
    assert!(
        err.contains("RIJNMOND") && err.contains("ZUID_HOLLAND_ZUID"),
        "lists the valid codes: {err}"
    );
    let err = text(&kpi(dir.path(), &db, &["--landsdeel", "Zuidwest"]).stderr);
    assert!(err.contains("ZUID_WEST"), "{err}");

    let exact = kpi(dir.path(), &db, &["--jeugdregio", "RIJNMOND"]);
    assert!(exact.status.success(), "{}", text(&exact.stderr));
    let lower = kpi(dir.path(), &db, &["--jeugdregio", "rijnmond"]);
    assert!(lower.status.success(), "{}", text(&lower.stderr));
    assert_eq!(text(&lower.stdout), text(&exact.stdout));
    let land = kpi(dir.path(), &db, &["--landsdeel", "ZUID_WEST"]);
    let naam = kpi(dir.path(), &db, &["--landsdeel", "Zuid-West"]);
    assert!(naam.status.success(), "{}", text(&naam.stderr));
    assert_eq!(text(&naam.stdout), text(&land.stdout));
    let alles = kpi(dir.path(), &db, &[]);
    assert_ne!(
        text(&exact.stdout),
        text(&alles.stdout),
        "the filter applies"
    );
}

/// `--periode 24Q1` was read as the year 24.
#[test]
fn a_two_digit_year_is_refused_and_both_quarter_notations_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_db(dir.path());
    let out = run(
        dir.path(),
        &["--database-url", &db, "kpi", "--periode", "24Q1"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("vier cijfers"),
        "{}",
        text(&out.stderr)
    );
    let q = run(
        dir.path(),
        &["--database-url", &db, "kpi", "--periode", "2024Q1"],
    );
    let k = run(
        dir.path(),
        &["--database-url", &db, "kpi", "--periode", "2024-K1"],
    );
    assert!(k.status.success(), "{}", text(&k.stderr));
    assert_eq!(text(&q.stdout), text(&k.stdout));
}

/// `--help` names the values of the enum options; a wrong value lists them too.
#[test]
fn help_lists_the_values_of_enum_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let help = text(&run(dir.path(), &["kpi", "--help"]).stdout);
    for v in [
        "herkomst",
        "locatie",
        "GESLOTEN",
        "OPEN",
        "KLEINSCHALIG",
        "EEN_OP_EEN",
    ] {
        assert!(help.contains(v), "{v} in {help}");
    }
    let out = run(dir.path(), &["kpi", "--regime", "halfopen"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("GESLOTEN"),
        "{}",
        text(&out.stderr)
    );
    let out = run(dir.path(), &["kpi", "--vorm", "kleinschalig", "--help"]);
    assert!(out.status.success(), "ignores case: {}", text(&out.stderr));
}

/// `kpi`, `verify` and `export-schema` on a wrong path: a clear error, no file.
#[test]
fn read_only_commands_create_no_sqlite_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("typo.db");
    let url = missing.display().to_string();
    for cmd in [
        &["kpi"][..],
        &["verify"],
        &["controleer-overzetting", "--van", &url, "--naar", &url],
    ] {
        let mut args = vec!["--database-url", url.as_str()];
        args.extend_from_slice(cmd);
        let out = run(dir.path(), &args);
        assert!(!out.status.success(), "{cmd:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains("bestaat niet") || err.contains("niet"),
            "{cmd:?}: {err}"
        );
        assert!(!missing.exists(), "{cmd:?} created {}", missing.display());
    }
    let out = run(dir.path(), &["--database-url", &url, "export-schema"]);
    assert!(out.status.success());
    assert!(!missing.exists());
    let files: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    assert!(files.is_empty(), "nothing written: {files:?}");

    // An existing file that is no kringloop database is not migrated either.
    let leeg = dir.path().join("leeg.db");
    std::fs::write(&leeg, b"").expect("write");
    let leeg_url = leeg.display().to_string();
    let out = run(dir.path(), &["--database-url", &leeg_url, "verify"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("kringloop migrate"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::metadata(&leeg).map(|m| m.len()).ok(), Some(0));

    // `migrate` creates it; then the readers work.
    let out = run(dir.path(), &["--database-url", &url, "migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(dir.path(), &["--database-url", &url, "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// On PostgreSQL a read-only command against a database without kringloop's tables
/// fails and creates none (one created them in the `postgres` maintenance database).
#[test]
fn read_only_commands_do_not_migrate_postgres() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let Some((url, guard)) = rt.block_on(kringloop_tests::fresh_pg_database("cli_read_only"))
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let tabellen = || {
        rt.block_on(async {
            use sqlx::Connection as _;
            let mut c = sqlx::PgConnection::connect(&url).await.expect("connect");
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            )
            .fetch_one(&mut c)
            .await
            .expect("count");
            n
        })
    };
    for cmd in ["kpi", "verify"] {
        let out = run(dir.path(), &["--database-url", &url, cmd]);
        assert!(!out.status.success(), "{cmd}");
        let err = text(&out.stderr);
        assert!(err.contains("geen kringloop-tabellen"), "{cmd}: {err}");
        assert_eq!(tabellen(), 0, "{cmd} created tables");
    }
    let out = run(dir.path(), &["--database-url", &url, "migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(tabellen() > 0);
    let out = run(dir.path(), &["--database-url", &url, "verify"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    drop(guard);
}

/// `kringloop kpi | head -1` panicked on the broken pipe.
#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_db(dir.path());
    for _ in 0..3 {
        let mut child = kringloop(dir.path())
            .args(["--database-url", &db, "kpi"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert!(out.status.success(), "{:?} {err}", out.status);
    }
}

/// An invalid `--log` was silently `info`; `RUST_LOG` overrode an explicit `--log`;
/// redirected logs got ANSI colour codes.
#[test]
fn log_filter_precedence_validity_and_no_colours_in_a_pipe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_db(dir.path());
    for fout in ["verbose", "debugg", "kringloop=veel"] {
        let out = run(
            dir.path(),
            &["--log", fout, "--database-url", &db, "verify"],
        );
        assert!(!out.status.success(), "{fout}");
        assert!(
            text(&out.stderr).contains("logniveau"),
            "{}",
            text(&out.stderr)
        );
    }
    let out = kringloop(dir.path())
        .args(["--log", "error", "--database-url", &db, "verify"])
        .env("RUST_LOG", "trace")
        .output()
        .expect("run");
    assert!(out.status.success());
    let err = text(&out.stderr);
    assert!(
        !err.contains("TRACE") && !err.contains("DEBUG") && !err.contains("INFO"),
        "{err}"
    );
    let out = kringloop(dir.path())
        .args(["--database-url", &db, "verify"])
        .env("RUST_LOG", "trace")
        .output()
        .expect("run");
    let err = text(&out.stderr);
    assert!(
        err.contains("TRACE") || err.contains("DEBUG"),
        "RUST_LOG applies: {err}"
    );
    assert!(!err.contains('\u{1b}'), "no ANSI codes in a pipe: {err}");
}

/// A closed PostgreSQL port took 30 s to fail and printed the cause three times.
#[test]
fn a_closed_postgres_port_fails_fast_with_the_cause_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A port nobody listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let url = format!("postgres://root@127.0.0.1:{port}/test");
    let started = Instant::now();
    let out = run(dir.path(), &["--database-url", &url, "kpi"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    let n = err.matches("refused").count() + err.matches("geweigerd").count();
    assert_eq!(n, 1, "the cause once: {err}");
}

/// A second `serve --demo` on a filled database printed no token and no hint.
#[test]
fn a_second_serve_demo_says_how_to_get_a_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_db(dir.path());
    let mut child = kringloop(dir.path())
        .args([
            "--database-url",
            &db,
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = String::new();
    while Instant::now() < deadline && !seen.contains("token create") {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.contains("token create --tokens"), "{seen}");
    assert!(seen.contains("--rol stuurgroep"), "{seen}");
}
