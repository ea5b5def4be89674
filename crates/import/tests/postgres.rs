//! The same import on PostgreSQL: templates and iJw fixtures, the file twice, no BSN in
//! the log. Uses a fresh database on `KRINGLOOP_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); skipped when PostgreSQL is not
//! reachable, except under CI=true where that is a failure.

use std::path::PathBuf;
use std::time::Duration;

use kringloop_import::ijw::mapping::RegioMapping;
use kringloop_import::importer::{Format, ImportConfig, Importer};
use kringloop_import::pseudonym::Pseudonymizer;
use kringloop_import::report::Uitkomst;
use kringloop_import::templates::ORDER;
use sqlx::Connection;

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn admin_url() -> String {
    std::env::var("KRINGLOOP_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// The admin URL with another database name.
fn met_database(url: &str, db: &str) -> String {
    let (basis, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let na_schema = basis.find("://").map_or(0, |i| i + 3);
    let host = match basis[na_schema..].find('/') {
        Some(i) => &basis[..na_schema + i],
        None => basis,
    };
    match query {
        Some(q) => format!("{host}/{db}?{q}"),
        None => format!("{host}/{db}"),
    }
}

async fn verbind() -> R<Option<sqlx::PgConnection>> {
    let url = admin_url();
    match tokio::time::timeout(Duration::from_secs(10), sqlx::PgConnection::connect(&url)).await {
        Ok(Ok(c)) => Ok(Some(c)),
        other => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                return Err(
                    format!("PostgreSQL niet bereikbaar op {url} en CI=true: {other:?}").into(),
                );
            }
            eprintln!("SKIPPING: PostgreSQL niet bereikbaar op {url}");
            Ok(None)
        }
    }
}

#[tokio::test]
async fn templates_and_ijw_import_on_postgres() -> R {
    let Some(mut admin) = verbind().await? else {
        return Ok(());
    };
    let db = format!("kl_import_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut admin)
        .await?;
    let uitkomst = draai(&met_database(&admin_url(), &db)).await;
    // Drop the database whatever happened.
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await;
    uitkomst
}

async fn draai(url: &str) -> R {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let store = kringloop_store::open(url).await?;
    let mut c = ImportConfig::new("import:test");
    c.pseudonimiseerder = Some(Pseudonymizer::new("test-sleutel-regio-rijnmond-2026")?);
    c.mapping = Some(RegioMapping::read(
        "mapping-rijnmond.toml",
        &std::fs::read_to_string(dir.join("fixtures/ijw/mapping-rijnmond.toml"))?,
    )?);
    let mut imp = Importer::open(store.clone(), c.clone()).await?;
    for t in ORDER {
        let r = imp
            .import_file(&dir.join(format!("templates/csv/{t}.csv")), Format::Csv)
            .await?;
        assert_eq!(r.uitkomst, Uitkomst::Geschreven, "{r}");
    }
    let r = imp
        .import_paths(&[dir.join("fixtures/ijw/berichten")])
        .await?;
    assert_eq!(r[0].uitkomst, Uitkomst::Geschreven, "{}", r[0]);
    let head = store.head_position().await?;
    assert_eq!(head, 57 + 10);
    // A new importer (a new process) reads the log and writes nothing the second time.
    let mut opnieuw = Importer::open(store.clone(), c).await?;
    let nog = opnieuw
        .import_file(&dir.join("templates/csv/PlaatsingGestart.csv"), Format::Csv)
        .await?;
    assert_eq!(nog.uitkomst, Uitkomst::AlGeimporteerd, "{nog}");
    let nog = opnieuw
        .import_paths(&[dir.join("fixtures/ijw/berichten")])
        .await?;
    assert_eq!(nog[0].uitkomst, Uitkomst::AlGeimporteerd, "{}", nog[0]);
    assert_eq!(store.head_position().await?, head);
    let events = store.read_all(0, 1000).await?;
    let tekst = serde_json::to_string(&events)?;
    for bsn in ["999900006", "999900018", "999900031", "999900043"] {
        assert!(!tekst.contains(bsn));
    }
    assert!(store.verify().await?.is_ok(), "hash chain intact");
    store.close().await?;
    Ok(())
}
