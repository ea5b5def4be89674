//! End-to-end: headless Chromium against a real server (loopback port) with the demo
//! landscape. Signs in through the form, checks that the page loads without console
//! errors, that the charts have the expected number of series, that changing the region
//! shows the figures the GraphQL API (over HTTP) returns for that region, that a suppressed
//! cell shows as suppressed, that the section "Vraag en aanbod" and its tables are visible
//! and its scenario links work, that a contract manager's page shows a contract's
//! scorecard with a traffic light per agreement as the API gives it and prints one
//! provider's summary, and keeps a screenshot: `target/e2e/dashboard.png` (and
//! `dashboard-regio.png`, `dashboard-vraag.png`, `contracten.png`,
//! `contracten-print.png`).
//!
//! Needs Debian's `chromium` (`/usr/bin/chromium`, or `KRINGLOOP_CHROMIUM`). Without it the
//! test skips loudly, except under `CI=true`, where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::emulation::SetEmulatedMediaParams;
use chromiumoxide::cdp::browser_protocol::log::{EventEntryAdded, LogEntryLevel};
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EventConsoleApiCalled, EventExceptionThrown,
};
use chromiumoxide::page::{Page, ScreenshotParams};
use futures::StreamExt as _;
use kringloop_graphql::Rol;
use serde_json::{Value, json};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KRINGLOOP_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn artefactmap() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("e2e")
}

/// GraphQL over HTTP, as any client would call it.
async fn gql(basis: &str, token: &str, query: &str, vars: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{basis}/graphql"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(json!({ "query": query, "variables": vars }).to_string())
        .send()
        .await
        .unwrap();
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert!(v.get("errors").is_none(), "GraphQL errors: {v}");
    v["data"].clone()
}

/// Polls a JavaScript condition until it holds (a navigation finished, an element is
/// there); fails after 30 s.
async fn wacht_tot(page: &Page, voorwaarde: &str) {
    for _ in 0..300 {
        let ok = page
            .evaluate(voorwaarde)
            .await
            .ok()
            .and_then(|r| r.into_value::<bool>().ok())
            .unwrap_or(false);
        if ok {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("waited 30 s for `{voorwaarde}`");
}

/// Saves a screenshot in the artefact folder and returns its bytes.
async fn screenshot(page: &Page, naam: &str, full_page: bool) -> Vec<u8> {
    page.save_screenshot(
        ScreenshotParams::builder().full_page(full_page).build(),
        artefactmap().join(naam),
    )
    .await
    .unwrap()
}

/// Types the token into the sign-in form, submits it and waits for the dashboard.
async fn sign_in(page: &Page, token: &str) {
    page.find_element("#token")
        .await
        .unwrap()
        .click()
        .await
        .unwrap()
        .type_str(token)
        .await
        .unwrap();
    page.find_element("form button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wacht_tot(
        page,
        "document.readyState === 'complete' && !!document.getElementById('grafiek-capaciteit')",
    )
    .await;
}

async fn js<T: serde::de::DeserializeOwned>(page: &Page, expr: &str) -> T {
    page.evaluate(expr)
        .await
        .unwrap_or_else(|e| panic!("evaluate `{expr}`: {e}"))
        .into_value()
        .unwrap_or_else(|e| panic!("value of `{expr}`: {e}"))
}

/// Chooses values in the selection form and submits it like a user.
async fn kies(page: &Page, gebied: &str, periode: &str) {
    let oud: String = js(page, "String(performance.timeOrigin)").await;
    let zet = format!(
        "document.getElementById('gebied').value = {g}; document.getElementById('periode').value = {p}; \
         document.getElementById('gebied').value === {g} && document.getElementById('periode').value === {p}",
        g = serde_json::to_string(gebied).unwrap(),
        p = serde_json::to_string(periode).unwrap()
    );
    assert!(
        js::<bool>(page, &zet).await,
        "option {gebied} / {periode} exists"
    );
    page.find_element("form.selectie button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wacht_tot(
        page,
        &format!(
            "String(performance.timeOrigin) !== '{oud}' && document.readyState === 'complete' && !!document.querySelector('[data-kpi]')"
        ),
    )
    .await;
}

/// The tile values on the page: kpi id → `data-waarde`.
async fn tegels(page: &Page) -> serde_json::Map<String, Value> {
    js(
        page,
        "Object.fromEntries([...document.querySelectorAll('article.tegel[data-kpi]')].filter(t => !t.dataset.kpi.startsWith('verschil-')).map(t => [t.dataset.kpi, t.querySelector('.waarde').dataset.waarde]))",
    )
    .await
}

fn aantal(v: &Value) -> String {
    if v["bescherming"] == json!("ONDERDRUKT") {
        "onderdrukt".to_owned()
    } else {
        v["waarde"]
            .as_i64()
            .map(|n| n.to_string())
            .unwrap_or_default()
    }
}

fn procent(v: &Value) -> String {
    if v["bescherming"] == json!("ONDERDRUKT") {
        "onderdrukt".to_owned()
    } else {
        v["waarde"]
            .as_f64()
            .map(|x| format!("{:.1}", x * 100.0))
            .unwrap_or_default()
    }
}

/// One quarter's headline KPIs for a region; occupancy as the dashboard shows it: of the
/// closed places (`g`).
const KPI_Q: &str = "query($f: FilterInvoer, $fg: FilterInvoer, $j: Int!, $k: Int!) {
  g: kpis(periode: {jaar: $j, kwartaal: $k}, filter: $fg) { bezetting { graad { waarde bescherming } } }
  kpis(periode: {jaar: $j, kwartaal: $k}, filter: $f) {
  spoedmachtigingen { waarde bescherming } spoedaandeel { waarde bescherming }
  plaatsingen { exclusiefDoorplaatsingen { waarde bescherming } inclusiefDoorplaatsingen { waarde bescherming } }
  doorplaatsingen { aantal { waarde bescherming } }
  uitstroomNaarLichtereZorg { lichter { waarde bescherming } }
  verblijfsduur { mediaan bescherming }
} }";

/// What the tiles should show, from the API's answer for one quarter.
fn verwacht(d: &Value) -> Vec<(&'static str, String)> {
    let k = &d["kpis"];
    let duur = if k["verblijfsduur"]["bescherming"] == json!("ONDERDRUKT") {
        "onderdrukt".to_owned()
    } else {
        k["verblijfsduur"]["mediaan"]
            .as_f64()
            .map(|x| format!("{x:.1}"))
            .unwrap_or_default()
    };
    vec![
        ("spoedmachtigingen", aantal(&k["spoedmachtigingen"])),
        ("spoedaandeel", procent(&k["spoedaandeel"])),
        (
            "plaatsingen-excl",
            aantal(&k["plaatsingen"]["exclusiefDoorplaatsingen"]),
        ),
        (
            "plaatsingen-incl",
            aantal(&k["plaatsingen"]["inclusiefDoorplaatsingen"]),
        ),
        ("doorplaatsingen", aantal(&k["doorplaatsingen"]["aantal"])),
        (
            "uitstroom-lichter",
            procent(&k["uitstroomNaarLichtereZorg"]["lichter"]),
        ),
        ("bezettingsgraad", procent(&d["g"]["bezetting"]["graad"])),
        ("verblijfsduur", duur),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_chromium() {
    let Some(exe) = chromium() else {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "chromium not found (/usr/bin/chromium or KRINGLOOP_CHROMIUM) and CI=true"
        );
        eprintln!(
            "SKIPPING dashboard e2e: chromium not found (install Debian's `chromium` or set \
             KRINGLOOP_CHROMIUM)"
        );
        return;
    };

    let o = common::demo_omgeving().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let basis = format!("http://{}", listener.local_addr().unwrap());
    let app = o.app();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let sg = o.token(Rol::Stuurgroep).to_owned();

    let profiel = tempfile::tempdir().unwrap();
    let config = BrowserConfig::builder()
        .chrome_executable(&exe)
        .no_sandbox()
        .user_data_dir(profiel.path())
        .window_size(1400, 1000)
        .viewport(None)
        .args([
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--lang=nl-NL",
        ])
        .launch_timeout(Duration::from_secs(60))
        .request_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let (mut browser, mut handler) = Browser::launch(config).await.expect("launch chromium");
    let driver = tokio::spawn(async move { while handler.next().await.is_some() {} });

    let page = browser.new_page("about:blank").await.unwrap();
    let fouten: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut console = page
        .event_listener::<EventConsoleApiCalled>()
        .await
        .unwrap();
    let mut uitzonderingen = page.event_listener::<EventExceptionThrown>().await.unwrap();
    let mut log = page.event_listener::<EventEntryAdded>().await.unwrap();
    page.enable_log().await.unwrap();
    let f = Arc::clone(&fouten);
    let luisteraar = tokio::spawn(async move {
        loop {
            let melding = tokio::select! {
                Some(e) = console.next() => matches!(e.r#type, ConsoleApiCalledType::Error | ConsoleApiCalledType::Assert)
                    .then(|| format!("console.{:?}: {:?}", e.r#type, e.args.iter().map(|a| a.value.clone()).collect::<Vec<_>>())),
                Some(e) = uitzonderingen.next() => Some(format!("exception: {}", e.exception_details.text)),
                Some(e) = log.next() => (e.entry.level == LogEntryLevel::Error)
                    .then(|| format!("log {:?}: {} {}", e.entry.source, e.entry.text, e.entry.url.clone().unwrap_or_default())),
                else => break,
            };
            if let Some(m) = melding {
                f.lock().unwrap().push(m);
            }
        }
    });

    // The capture works: an error logged on the blank page arrives, then is forgotten.
    page.evaluate("console.error('zelftest')").await.unwrap();
    for _ in 0..100 {
        if !fouten.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        fouten
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.contains("zelftest")),
        "console errors are captured"
    );
    fouten.lock().unwrap().clear();

    // Sign in through the form.
    page.goto(format!("{basis}/")).await.unwrap();
    wacht_tot(&page, "!!document.getElementById('token')").await;
    sign_in(&page, &sg).await;

    // Keyboard and labels: the skip link is focusable and shows when focused, and every
    // control has a label.
    let zonder_label: usize = js(&page, "[...document.querySelectorAll('select, input:not([type=hidden]), button')].filter(e => e.tagName === 'BUTTON' ? !e.textContent.trim() : e.labels.length === 0).length").await;
    assert_eq!(zonder_label, 0, "every form control is labelled");
    let skip_focus: bool = js(&page, "(() => { const a = document.querySelector('a.skip'); a.focus(); return document.activeElement === a && a.getBoundingClientRect().left >= 0; })()").await;
    assert!(
        skip_focus,
        "the skip link is focusable and shows when focused"
    );

    // Zuid-West, 2024-K4: a landsdeel with a capacity target.
    kies(&page, "LD:ZUID_WEST", "2024-K4").await;
    let d = gql(
        &basis,
        &sg,
        "query($f: FilterInvoer, $g: FilterInvoer) {
           a: kpiReeks(granulariteit: KWARTAAL, van: \"2019-01-01\", tot: \"2025-01-01\", filter: $f) { plaatsen { rijen kolommen cellen { waarde bescherming } } }
           b: kpiReeks(granulariteit: KWARTAAL, van: \"2019-01-01\", tot: \"2025-01-01\", filter: $g) { doelafwijking { doel } }
         }",
        json!({ "f": { "landsdeel": "ZUID_WEST" }, "g": { "landsdeel": "ZUID_WEST", "regime": "GESLOTEN" } }),
    )
    .await;
    let reeks = d["a"].as_array().unwrap();
    let eerste = &reeks[0]["plaatsen"];
    let open = eerste["kolommen"]
        .as_array()
        .unwrap()
        .iter()
        .position(|k| k == "OPEN")
        .unwrap();
    let vormen_met_alternatief = (0..eerste["rijen"].as_array().unwrap().len())
        .filter(|&r| {
            reeks.iter().any(|q| {
                let c = &q["plaatsen"]["cellen"][r][open];
                c["waarde"].as_i64().unwrap_or(0) > 0
            })
        })
        .count();
    let heeft_doel = d["b"]
        .as_array()
        .unwrap()
        .iter()
        .any(|q| !q["doelafwijking"]["doel"].is_null());
    assert!(heeft_doel, "Zuid-West has a target in the demo");
    let reeksen: usize = js(
        &page,
        "document.querySelectorAll('#grafiek-capaciteit g.reeks').length",
    )
    .await;
    assert_eq!(
        reeksen,
        1 + usize::from(heeft_doel) + vormen_met_alternatief,
        "capacity series: closed, target, one per alternative form"
    );
    let legenda: usize = js(
        &page,
        "document.querySelectorAll('#h-capaciteit ~ figure ul.legenda li').length",
    )
    .await;
    assert!(
        legenda > reeksen,
        "a legend entry per series (and the period band)"
    );
    let trends: Vec<usize> = js(&page, "[...document.querySelectorAll('section[aria-labelledby=h-trend] figure.trend svg')].map(s => s.querySelectorAll('g.reeks').length)").await;
    assert_eq!(trends, vec![1; 9], "nine trend charts of one series each");
    // Vraag en aanbod: the section, its four trend charts and its tables are visible, and
    // the waiting youths at the quarter's end are the API's (over HTTP).
    let zichtbaar = |sel: &str| {
        format!(
            "(() => {{ const e = document.querySelector('{sel}'); if (!e) return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; }})()"
        )
    };
    for sel in [
        "#vraag-aanbod",
        "#h-vraag",
        "#tabel-vraag-trend",
        "#tabel-passend",
        "#tabel-benodigd",
        "#vraag-aanbod nav.scenario-keuze a[data-scenario]",
    ] {
        let ja: bool = js(&page, &zichtbaar(sel)).await;
        assert!(ja, "{sel} is visible");
    }
    let vraag_trends: Vec<usize> = js(&page, "[...document.querySelectorAll('#vraag-aanbod figure.trend svg')].map(s => s.querySelectorAll('g.reeks').length)").await;
    assert_eq!(vraag_trends, vec![1; 4], "four need-side trend charts");
    let rijen: usize = js(
        &page,
        "document.querySelectorAll('#tabel-vraag-trend tbody tr').length",
    )
    .await;
    assert_eq!(
        rijen, 8,
        "eight quarters of waiting youths and waiting time"
    );
    let w = gql(
        &basis,
        &sg,
        "{ vraag(periode: {jaar: 2024, kwartaal: 4}, filter: {landsdeel: \"ZUID_WEST\"}) { wachtenden { jeugdigen { waarde } } } }",
        json!({}),
    )
    .await;
    let getoond: String = js(
        &page,
        "document.querySelector('#vraag-aanbod [data-kpi=wachtende-jeugdigen] [data-waarde]').dataset.waarde",
    )
    .await;
    assert_eq!(
        getoond,
        w["vraag"]["wachtenden"]["jeugdigen"]["waarde"].to_string(),
        "waiting youths as the API gives them"
    );
    // A scenario link changes the needed places and names its inputs.
    let voor: String = js(
        &page,
        "document.querySelector('#vraag-aanbod [data-kpi=tekort] [data-waarde]').dataset.waarde",
    )
    .await;
    page.find_element("#vraag-aanbod a[data-scenario=doelbezetting-85]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wacht_tot(
        &page,
        "document.readyState === 'complete' && !!document.querySelector('#vraag-aanbod strong[data-scenario=doelbezetting-85]')",
    )
    .await;
    let invoer: String = js(
        &page,
        "document.querySelector('#vraag-aanbod dd[data-invoer=doelbezetting]').textContent",
    )
    .await;
    assert_eq!(invoer.trim(), "85,0 %");
    let na: String = js(
        &page,
        "document.querySelector('#vraag-aanbod [data-kpi=tekort] [data-waarde]').dataset.waarde",
    )
    .await;
    assert!(
        na.parse::<i64>().unwrap() >= voor.parse::<i64>().unwrap(),
        "a lower target occupancy needs no fewer places: {voor} → {na}"
    );
    std::fs::create_dir_all(artefactmap()).unwrap();
    screenshot(&page, "dashboard-vraag.png", true).await;
    kies(&page, "LD:ZUID_WEST", "2024-K4").await;
    let balken: usize = js(
        &page,
        "document.querySelectorAll('#grafiek-capaciteit g[data-reeks=gesloten] rect').length",
    )
    .await;
    assert_eq!(balken, reeks.len(), "one closed-places bar per quarter");
    // Text alternatives: every chart is an image with a title and a description.
    let zonder_alt: usize = js(&page, "[...document.querySelectorAll('svg.grafiek')].filter(s => s.getAttribute('role') !== 'img' || !s.querySelector(':scope > title') || !s.querySelector(':scope > desc')).length").await;
    assert_eq!(zonder_alt, 0);
    std::fs::create_dir_all(artefactmap()).unwrap();
    let png = screenshot(&page, "dashboard.png", true).await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    screenshot(&page, "dashboard-boven.png", false).await;
    // The print layout for the meeting: no controls, the charts and tiles kept.
    page.execute(SetEmulatedMediaParams::builder().media("print").build())
        .await
        .unwrap();
    let formulier_zichtbaar: bool = js(
        &page,
        "getComputedStyle(document.querySelector('form.selectie')).display !== 'none'",
    )
    .await;
    assert!(!formulier_zichtbaar, "print hides the selection form");
    screenshot(&page, "dashboard-print.png", true).await;
    page.execute(SetEmulatedMediaParams::builder().media("").build())
        .await
        .unwrap();

    // Change the region: the tiles show what the API returns for that region.
    let zw_tegels = tegels(&page).await;
    let mut eerder_anders = false;
    for regio in ["RIJNMOND", "HAAGLANDEN"] {
        kies(&page, &format!("JR:{regio}"), "2024-K4").await;
        let k = gql(&basis, &sg, KPI_Q, json!({ "f": { "jeugdregio": regio }, "fg": { "jeugdregio": regio, "regime": "GESLOTEN" }, "j": 2024, "k": 4 })).await;
        let nu = tegels(&page).await;
        for (kpi, waarde) in verwacht(&k) {
            assert_eq!(
                nu.get(kpi).and_then(Value::as_str),
                Some(waarde.as_str()),
                "{regio}: tile {kpi}"
            );
        }
        eerder_anders |= nu != zw_tegels;
        let gekozen: String = js(
            &page,
            "document.querySelector('[data-gebied]').dataset.gebied",
        )
        .await;
        assert_eq!(gekozen, format!("JR:{regio}"));
    }
    assert!(
        eerder_anders,
        "a region's figures differ from the landsdeel's"
    );
    screenshot(&page, "dashboard-regio.png", true).await;

    // A perturbed figure says so: a region and quarter where the exact count is small,
    // its tile shows the API's perturbed value, the line "licht verstoord" and the link
    // to the method, visibly.
    let regios = gql(&basis, &sg, "{ jeugdregios { code } }", json!({})).await;
    let mut gevonden = None;
    'zoek: for r in regios["jeugdregios"].as_array().unwrap() {
        let code = r["code"].as_str().unwrap();
        for kw in 1..=4 {
            let k = gql(&basis, &sg, KPI_Q, json!({ "f": { "jeugdregio": code }, "fg": { "jeugdregio": code, "regime": "GESLOTEN" }, "j": 2024, "k": kw })).await;
            let w = &k["kpis"]["spoedmachtigingen"];
            assert_eq!(w["bescherming"], "VERSTOORD", "{code} {kw}");
            if (1..=4).contains(&w["waarde"].as_i64().unwrap()) {
                gevonden = Some((code.to_owned(), kw, w["waarde"].as_i64().unwrap()));
                break 'zoek;
            }
        }
    }
    let (regio, kw, waarde) = gevonden.expect("a small spoedmachtigingen count in 2024");
    kies(&page, &format!("JR:{regio}"), &format!("2024-K{kw}")).await;
    let tekst: String = js(
        &page,
        "document.querySelector('article[data-kpi=spoedmachtigingen] .waarde')?.textContent ?? ''",
    )
    .await;
    assert_eq!(tekst.trim(), waarde.to_string());
    let zichtbaar: bool = js(&page, "(() => { const e = document.querySelector('article[data-kpi=spoedmachtigingen] .verstoord a[href=\"/bescherming\"]'); if (!e) return false; const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })()").await;
    assert!(zichtbaar, "the perturbation line and its link are visible");

    // An evaluator: sign out, sign in again, and compare the period at two moments.
    page.find_element(".gebruiker button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wacht_tot(
        &page,
        "document.readyState === 'complete' && !!document.getElementById('token')",
    )
    .await;
    sign_in(&page, o.token(Rol::Evaluator)).await;
    page.goto(format!(
        "{basis}/?gebied=LD%3AZUID_WEST&periode=2024-K1&k1=2024-04-15"
    ))
    .await
    .unwrap();
    wacht_tot(
        &page,
        "document.readyState === 'complete' && !!document.getElementById('h-verschil')",
    )
    .await;
    let ev = o.token(Rol::Evaluator).to_owned();
    let d = gql(
        &basis,
        &ev,
        "query($k2: DateTime!) { diff(periode: {jaar: 2024, kwartaal: 1}, k1: \"2024-04-15T23:59:59Z\", k2: $k2, filter: {landsdeel: \"ZUID_WEST\"}) { gebeurtenissen { positie } } }",
        json!({ "k2": chrono::Utc::now().to_rfc3339() }),
    )
    .await;
    let feiten = d["diff"]["gebeurtenissen"].as_array().unwrap().len();
    let rijen: usize = js(
        &page,
        "document.querySelectorAll('#tabel-verschil-feiten tbody tr').length",
    )
    .await;
    assert_eq!(rijen, feiten, "one row per explaining fact");
    let vergelijk: usize = js(
        &page,
        "document.querySelectorAll('article[data-kpi^=verschil-]').length",
    )
    .await;
    assert_eq!(vergelijk, 9, "side by side: every headline KPI");
    screenshot(&page, "dashboard-evaluator.png", true).await;

    // A contract manager (bound to Rijnmond): a contract with three agreements recorded
    // through the API, then the contract page with its traffic lights, the trend of each
    // agreement, costs against budget, and one provider's printable summary.
    let reg = o.token(Rol::Registrar).to_owned();
    let cm = o.token(Rol::Contractmanager).to_owned();
    let a = gql(&basis, &reg, "{ aanbieders { id } }", json!({})).await;
    let aanbieder = a["aanbieders"][0]["id"].as_str().unwrap().to_owned();
    let contract = json!({
        "contract": "C-E2E", "aanbieder": aanbieder, "jeugdregios": ["RIJNMOND"],
        "financiering": "INSPANNINGSGERICHT",
        "percelen": [{"code": "P1", "naam": "Gesloten groep", "producten": [
            {"code": "JZP", "vorm": "GROEP", "regime": "GESLOTEN", "eenheid": "ETMAAL"}]}],
        "tarieven": [{"product": "JZP", "bedragCent": 65_000, "geldigVan": "2024-01-01"}],
        "van": "2024-01-01", "totEnMet": "2028-12-31", "budgetplafondCent": 500_000_000
    });
    gql(&basis, &reg, "mutation($i: ContractInvoer!) { sluitContract(invoer: $i, idempotencyKey: \"e2e-c\") { eventId } }", json!({ "i": contract })).await;
    let afspraken = [
        (
            "A1",
            json!({"norm": {"kpi": "GEMIDDELDE_VERBLIJFSDUUR", "van": "2024-01-01", "totEnMet": "2024-12-31", "max": 100_000.0}}),
        ),
        (
            "A2",
            json!({"norm": {"kpi": "SPOEDAANDEEL", "van": "2028-01-01", "totEnMet": "2028-06-30", "max": 0.3}}),
        ),
        (
            "A3",
            json!({"capaciteit": {"vorm": "GROEP", "regime": "GESLOTEN", "richting": "AFBOUW", "punten": [{"datum": "2024-12-31", "plaatsen": 1}]}}),
        ),
    ];
    for (id, inhoud) in afspraken {
        gql(&basis, &reg, "mutation($i: PrestatieafspraakInvoer!, $k: String!) { legPrestatieafspraakVast(invoer: $i, idempotencyKey: $k) { eventId } }",
            json!({ "i": {"contract": "C-E2E", "afspraak": id, "datum": "2024-01-01", "inhoud": inhoud}, "k": format!("e2e-{id}") })).await;
    }
    page.find_element(".gebruiker button[type=submit]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wacht_tot(
        &page,
        "document.readyState === 'complete' && !!document.getElementById('token')",
    )
    .await;
    sign_in(&page, &cm).await;
    let geld_sectie: bool = js(
        &page,
        "!!document.querySelector('section[data-sectie=geld] [data-kpi=leegstandskosten]')",
    )
    .await;
    assert!(
        geld_sectie,
        "the dashboard shows costs against budget and leegstand"
    );
    page.goto(format!("{basis}/contracten?periode=2024-K4"))
        .await
        .unwrap();
    wacht_tot(
        &page,
        "document.readyState === 'complete' && !!document.querySelector('table.scorecard[data-contract=C-E2E]')",
    )
    .await;
    let api = gql(
        &basis,
        &cm,
        "{ contracten { id } s: scorecard(contract: \"C-E2E\") { afspraken { afspraak status } } }",
        json!({}),
    )
    .await;
    let zichtbaar: Vec<String> = js(
        &page,
        "[...document.querySelectorAll('table.scorecard')].map(t => t.dataset.contract)",
    )
    .await;
    let verwacht_ids: Vec<String> = api["contracten"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &zichtbaar {
        assert!(
            verwacht_ids.contains(id),
            "{id} is a contract of the region"
        );
    }
    for a in api["s"]["afspraken"].as_array().unwrap() {
        let status: String = js(&page, &format!("document.querySelector('table.scorecard[data-contract=C-E2E] tr[data-afspraak={}] .licht')?.dataset.status ?? ''", a["afspraak"].as_str().unwrap())).await;
        assert_eq!(
            status,
            a["status"].as_str().unwrap(),
            "the traffic light of {}",
            a["afspraak"]
        );
    }
    let a2: String = js(
        &page,
        "document.querySelector('tr[data-afspraak=A2] .licht').textContent.trim()",
    )
    .await;
    assert_eq!(
        a2, "nog niet definitief",
        "a measurement period in the future is not final"
    );
    let lichten_zonder_tekst: usize = js(
        &page,
        "[...document.querySelectorAll('.licht')].filter(l => !l.textContent.trim()).length",
    )
    .await;
    assert_eq!(
        lichten_zonder_tekst, 0,
        "a traffic light says its status in words"
    );
    let trends: usize = js(&page, "document.querySelectorAll('table.scorecard[data-contract=C-E2E] tbody tr td:last-child :is(svg.sparkline, .trend-leeg)').length").await;
    assert_eq!(trends, 3, "a trend per agreement");
    let budget: bool = js(&page, "!!document.querySelector('#h-budget') && !!document.querySelector('[data-aanbieder] [data-kpi=plafond]')").await;
    assert!(budget, "costs against budget and the contract's ceiling");
    screenshot(&page, "contracten.png", true).await;
    // One provider's summary, in the print layout: no controls, one provider.
    page.goto(format!(
        "{basis}/contracten?periode=2024-K4&aanbieder={aanbieder}"
    ))
    .await
    .unwrap();
    wacht_tot(
        &page,
        "document.readyState === 'complete' && !!document.querySelector('section.aanbieder')",
    )
    .await;
    page.execute(SetEmulatedMediaParams::builder().media("print").build())
        .await
        .unwrap();
    let (secties, formulier): (usize, bool) = js(&page, "[document.querySelectorAll('section.aanbieder').length, getComputedStyle(document.querySelector('form.selectie')).display !== 'none']").await;
    assert_eq!(
        (secties, formulier),
        (1, false),
        "one provider, no controls in print"
    );
    screenshot(&page, "contracten-print.png", true).await;
    page.execute(SetEmulatedMediaParams::builder().media("").build())
        .await
        .unwrap();

    // Nothing went wrong in the browser, and no request left the machine.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let extern_: usize = js(&page, "performance.getEntriesByType('resource').filter(e => !e.name.startsWith(location.origin)).length").await;
    assert_eq!(extern_, 0, "every resource comes from kringloop itself");
    let fouten = fouten.lock().unwrap().clone();
    assert!(fouten.is_empty(), "console errors: {fouten:#?}");

    browser.close().await.unwrap();
    let _ = browser.wait().await;
    luisteraar.abort();
    driver.abort();
    server.abort();
    o.stop().await;
}
