//! GraphiQL without internet, in a real browser: headless Chromium whose every request
//! to another host goes to a closed proxy (only loopback bypasses it) opens
//! `GET /graphql` on a loopback server; the page renders GraphiQL's editors, every request
//! it made stayed on that server, and the browser reported no blocked resource and no
//! policy violation. Keeps `target/e2e/graphiql.png`.
//!
//! Needs Debian's `chromium` as `e2e.rs` does; skips loudly without it, fails under
//! `CI=true`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::log::{EventEntryAdded, LogEntryLevel};
use chromiumoxide::cdp::browser_protocol::network::EventRequestWillBeSent;
use chromiumoxide::cdp::js_protocol::runtime::EventExceptionThrown;
use chromiumoxide::page::ScreenshotParams;
use futures::StreamExt as _;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KRINGLOOP_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_renders_without_internet() {
    let Some(exe) = chromium() else {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "chromium not found (/usr/bin/chromium or KRINGLOOP_CHROMIUM) and CI=true"
        );
        eprintln!("SKIPPING GraphiQL browser test: chromium not found");
        return;
    };
    let o = common::demo_omgeving().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let basis = format!("http://{}", listener.local_addr().unwrap());
    let app = o.app();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let profiel = tempfile::tempdir().unwrap();
    let config = BrowserConfig::builder()
        .chrome_executable(&exe)
        .no_sandbox()
        .user_data_dir(profiel.path())
        .window_size(1400, 900)
        .viewport(None)
        .args([
            "--disable-gpu",
            "--disable-dev-shm-usage",
            // No network but loopback: everything else goes to a port nobody listens on.
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            "--disable-background-networking",
        ])
        .launch_timeout(Duration::from_secs(60))
        .request_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let (mut browser, mut handler) = Browser::launch(config).await.expect("launch chromium");
    let driver = tokio::spawn(async move { while handler.next().await.is_some() {} });

    let page = browser.new_page("about:blank").await.unwrap();
    let verzoeken: Arc<Mutex<Vec<String>>> = Arc::default();
    let fouten: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut aanvragen = page
        .event_listener::<EventRequestWillBeSent>()
        .await
        .unwrap();
    let mut log = page.event_listener::<EventEntryAdded>().await.unwrap();
    let mut uitzonderingen = page.event_listener::<EventExceptionThrown>().await.unwrap();
    page.enable_log().await.unwrap();
    let (v, f) = (Arc::clone(&verzoeken), Arc::clone(&fouten));
    let luisteraar = tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(e) = aanvragen.next() => v.lock().unwrap().push(e.request.url.clone()),
                Some(e) = log.next() => if e.entry.level == LogEntryLevel::Error {
                    f.lock().unwrap().push(format!(
                        "log {:?}: {} {}",
                        e.entry.source,
                        e.entry.text,
                        e.entry.url.clone().unwrap_or_default()
                    ));
                },
                Some(e) = uitzonderingen.next() => f.lock().unwrap().push(format!("exception: {}", e.exception_details.text)),
                else => break,
            }
        }
    });

    page.goto(format!("{basis}/graphql")).await.unwrap();
    let mut klaar = false;
    for _ in 0..300 {
        klaar = page
            .evaluate(
                "document.readyState === 'complete' && !!document.querySelector('.graphiql-container') \
                 && document.querySelectorAll('.graphiql-container .CodeMirror').length >= 2",
            )
            .await
            .ok()
            .and_then(|r| r.into_value::<bool>().ok())
            .unwrap_or(false);
        if klaar {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let artefacten = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
            PathBuf::from,
        )
        .join("e2e");
    std::fs::create_dir_all(&artefacten).unwrap();
    let _ = page
        .save_screenshot(
            ScreenshotParams::builder().build(),
            artefacten.join("graphiql.png"),
        )
        .await;
    assert!(
        klaar,
        "GraphiQL rendered its editors; errors: {:?}",
        fouten.lock().unwrap()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    let verzoeken = verzoeken.lock().unwrap().clone();
    assert!(
        verzoeken
            .iter()
            .any(|u| u.contains("/graphql/assets/graphiql-")),
        "{verzoeken:?}"
    );
    for url in &verzoeken {
        assert!(
            url.starts_with(&basis) || url.starts_with("data:") || url == "about:blank",
            "request to another host: {url}"
        );
    }
    let fouten = fouten.lock().unwrap().clone();
    for f in &fouten {
        assert!(
            !f.contains("Content Security Policy")
                && !f.contains("net::ERR")
                && !f.contains("exception"),
            "{fouten:?}"
        );
    }

    browser.close().await.unwrap();
    let _ = browser.wait().await;
    luisteraar.abort();
    driver.abort();
    server.abort();
    o.stop().await;
}
