//! GraphiQL without internet: `GET /graphql` names no other host, every script and
//! stylesheet it loads is served by the router itself under `/graphql/assets/…` with its
//! content type, a year's caching and the page's security headers, and the policy allows
//! `'self'` only. In-process, with `tower::ServiceExt::oneshot`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use kringloop_graphql::graphiql::{ASSETS, CACHE};
use kringloop_graphql::{ApiConfig, ApiState, Tokens};
use kringloop_runner::{Runner, RunnerOptions};
use tower::ServiceExt as _;

struct Server {
    app: Router,
    runner: Runner,
    store: Arc<dyn kringloop_store::EventStore>,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = kringloop_store::open(dir.path().join("events.db").to_str().unwrap())
        .await
        .unwrap();
    let runner = Runner::start(Arc::clone(&store), RunnerOptions::default())
        .await
        .unwrap();
    let tokens = Arc::new(Tokens::new(dir.path().join("tokens.json")));
    let api = ApiState::new(
        Arc::clone(&store),
        runner.clone(),
        tokens,
        ApiConfig::default(),
    )
    .await
    .map_err(|e| e.melding())
    .unwrap();
    Server {
        app: kringloop_graphql::http::router(api),
        runner,
        store,
        _dir: dir,
    }
}

async fn get(app: &Router, uri: &str) -> (Response, Vec<u8>) {
    let r = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = r.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (Response::from_parts(parts, Body::empty()), bytes.to_vec())
}

fn kop(r: &Response, naam: header::HeaderName) -> &str {
    r.headers()
        .get(naam)
        .map_or("", |v| v.to_str().unwrap_or(""))
}

/// The `src` and `href` values of the page.
fn verwijzingen(html: &str) -> Vec<&str> {
    let mut uit = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let eind = rest.find('"').unwrap();
            uit.push(&rest[..eind]);
            rest = &rest[eind..];
        }
    }
    uit
}

#[tokio::test]
async fn graphiql_is_served_from_the_binary() {
    let s = server().await;
    let (pagina, html) = get(&s.app, "/graphql").await;
    assert_eq!(pagina.status(), StatusCode::OK);
    assert!(kop(&pagina, header::CONTENT_TYPE).starts_with("text/html"));
    let html = String::from_utf8(html).unwrap();

    // No other host: no absolute URL at all, no protocol-relative one.
    assert!(!html.contains("://"), "{html}");
    assert!(!html.contains("\"//"), "{html}");
    assert!(!html.contains("unpkg"), "{html}");

    // The policy: scripts, styles and connections from the page's own origin only.
    let csp = kop(&pagina, header::CONTENT_SECURITY_POLICY).to_owned();
    for richtlijn in [
        "default-src 'none'",
        "script-src 'self';",
        "style-src 'self';",
        "connect-src 'self';",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(richtlijn), "{richtlijn} not in {csp}");
    }
    assert!(!csp.contains("http"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");

    // Every script and stylesheet of the page is served here, with its type.
    let mut geladen = 0;
    for url in verwijzingen(&html) {
        if url.starts_with("data:") {
            continue;
        }
        assert!(url.starts_with("/graphql/assets/"), "{url}");
        let (r, inhoud) = get(&s.app, url).await;
        assert_eq!(r.status(), StatusCode::OK, "{url}");
        let naam = url
            .trim_start_matches("/graphql/assets/")
            .split('?')
            .next()
            .unwrap();
        let soort = kop(&r, header::CONTENT_TYPE);
        if naam.ends_with(".js") {
            assert_eq!(soort, "text/javascript; charset=utf-8", "{url}");
            assert!(html.contains(&format!("<script src=\"{url}\"></script>")));
        } else {
            assert!(naam.ends_with(".css"), "{url}");
            assert_eq!(soort, "text/css; charset=utf-8", "{url}");
            assert!(html.contains(&format!("<link rel=\"stylesheet\" href=\"{url}\">")));
        }
        assert_eq!(kop(&r, header::CACHE_CONTROL), CACHE, "{url}");
        assert_eq!(kop(&r, header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{url}");
        assert_eq!(kop(&r, header::CONTENT_SECURITY_POLICY), csp, "{url}");
        let bestand = ASSETS.iter().find(|a| a.naam == naam).unwrap();
        assert_eq!(inhoud, bestand.inhoud, "{url}");
        geladen += 1;
    }
    assert_eq!(geladen, ASSETS.len(), "the page loads every embedded file");
    for bibliotheek in ["react-18", "react-dom-18", "graphiql-4"] {
        assert!(html.contains(bibliotheek), "{bibliotheek}");
    }

    // Nothing else under the prefix.
    for onbekend in [
        "/graphql/assets/onbekend.js",
        "/graphql/assets/..%2FCargo.toml",
        "/graphql/assets/README.md",
    ] {
        let (r, _) = get(&s.app, onbekend).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{onbekend}");
    }

    s.runner.shutdown().await;
    drop(s.app);
    s.store.close().await.unwrap();
}
