//! Throwaway databases for the benchmarks: SQLite files and PostgreSQL databases created
//! on a server and dropped afterwards.

use anyhow::{Context as _, bail};
use clap::Args;
use sqlx::Connection as _;

/// The PostgreSQL server option every benchmark takes (`--pg-url`).
#[derive(Debug, Clone, Args)]
pub struct PgServer {
    /// PostgreSQL server (a fresh database is created on it and dropped afterwards).
    #[arg(
        long,
        env = "KRINGLOOP_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub pg_url: String,
}

/// The backends a `--backend` value names: sqlite, postgres or both.
pub fn backends(arg: &str) -> anyhow::Result<Vec<&'static str>> {
    Ok(match arg {
        "both" => vec!["sqlite", "postgres"],
        "sqlite" => vec!["sqlite"],
        "postgres" => vec!["postgres"],
        other => bail!("unknown backend {other}"),
    })
}

/// Removes a SQLite database file with its WAL and shared-memory files.
pub fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The URL of database `db` on the server that `server` (a URL with a database) names.
pub fn pg_url_for(server: &str, db: &str) -> String {
    match server.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{db}"),
        None => format!("{server}/{db}"),
    }
}

pub async fn create_pg_db(server: &str, db: &str) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect(server)
        .await
        .with_context(|| format!("PostgreSQL not reachable at {server}"))?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut conn)
        .await?;
    Ok(())
}

pub async fn drop_pg_db(server: &str, db: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(server).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
    }
}
