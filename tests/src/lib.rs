//! Shared harness of the end-to-end tests in `tests/`: a fresh PostgreSQL database per
//! test, dropped afterwards, and [`both_backends!`], which runs each test on SQLite and on
//! PostgreSQL. The test binaries (`store`, `runner`, `api`) use it; [`api`] is the HTTP
//! harness of the API tests (a server per backend with a token per role).

pub mod api;

use sqlx::Connection as _;

/// The PostgreSQL server the tests use unless `KRINGLOOP_TEST_PG_URL` says otherwise.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The administrative URL of the test server.
pub fn pg_admin_url() -> String {
    std::env::var("KRINGLOOP_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// Drops the per-test database even when the test panics (best effort).
pub struct PgDbGuard {
    pub admin_url: String,
    pub db: String,
}

impl Drop for PgDbGuard {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let db = self.db.clone();
        // Drop runs outside any async context we could await in: use a private runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
                    )))
                    .execute(&mut c)
                    .await;
                    let _ = c.close().await;
                }
            });
        })
        .join();
    }
}

/// A fresh, empty PostgreSQL database for one test: its URL and the guard that drops it.
///
/// `None`, with a loud message on stderr, when no server is reachable, so a developer
/// without PostgreSQL can still run the suite; under `CI=true` that is a failure instead.
pub async fn fresh_pg_database(test: &str) -> Option<(String, PgDbGuard)> {
    let admin_url = pg_admin_url();
    let connect = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        sqlx::PgConnection::connect(&admin_url),
    )
    .await;
    let mut admin = match connect {
        Ok(Ok(c)) => c,
        other => {
            let why = match other {
                Ok(Err(e)) => e.to_string(),
                _ => "timeout".to_owned(),
            };
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "PostgreSQL not reachable at {admin_url} ({why}) and CI=true"
            );
            eprintln!(
                "SKIPPING postgres::{test}: PostgreSQL not reachable at {admin_url} ({why}); \
                 set KRINGLOOP_TEST_PG_URL or start the server"
            );
            return None;
        }
    };
    let db = format!("kl_test_{}", uuid::Uuid::new_v4().simple());
    // Concurrent CREATE DATABASE can collide on the template; retry a little.
    let mut attempt = 0;
    loop {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
            .execute(&mut admin)
            .await;
        match r {
            Ok(_) => break,
            Err(e) if attempt < 20 => {
                attempt += 1;
                eprintln!("CREATE DATABASE {db} failed ({e}); retrying");
                tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
            }
            Err(e) => panic!("CREATE DATABASE {db}: {e}"),
        }
    }
    let _ = admin.close().await;
    let url = with_database(&admin_url, &db);
    Some((url, PgDbGuard { admin_url, db }))
}

/// Instantiates each named test once per backend: `sqlite::<name>` and `postgres::<name>`.
///
/// Each name is an `async fn` in the calling module that takes the harness `H`, a type
/// with `async fn sqlite() -> H` and `async fn postgres(test: &str) -> Option<H>` (`None`
/// skips the test: no server). Two forms:
///
/// - `both_backends!(&mut H; a, b)`: the tests take `&mut H`; `h.cleanup().await` follows.
/// - `both_backends!(&H; a, b)`: the tests take `&H`; nothing follows.
#[macro_export]
macro_rules! both_backends {
    (&mut $harness:ident; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let mut h = super::$harness::sqlite().await;
                    super::$name(&mut h).await;
                    h.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(mut h) = super::$harness::postgres(stringify!($name)).await else {
                        return;
                    };
                    super::$name(&mut h).await;
                    h.cleanup().await;
                }
            )*
        }
    };
    (&$harness:ident; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let h = super::$harness::sqlite().await;
                    super::$name(&h).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let Some(h) = super::$harness::postgres(stringify!($name)).await else {
                        return;
                    };
                    super::$name(&h).await;
                }
            )*
        }
    };
}

/// The same URL with another database name.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{db}?{q}"),
        None => format!("{host_part}/{db}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_only_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres?sslmode=disable", "kl_x"),
            "postgres://u@h:5432/kl_x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h", "kl_x"),
            "postgres://u@h/kl_x"
        );
    }
}
