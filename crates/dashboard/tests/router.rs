//! The dashboard's HTML and CSV through the real router in-process
//! (`tower::ServiceExt::oneshot`), on the demo landscape: sign-in, the region selector,
//! suppression markers, CSV downloads and what an unauthenticated caller gets.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is the failure report

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kringloop_graphql::Rol;
use serde_json::{Value, json};
use tower::ServiceExt as _;

struct Antwoord {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    tekst: String,
}

async fn vraag(app: &axum::Router, req: Request<Body>) -> Antwoord {
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = axum::body::to_bytes(r.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    Antwoord {
        status,
        headers,
        tekst: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn get(uri: &str, token: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::empty()).unwrap()
}

async fn gql(app: &axum::Router, token: &str, query: &str, vars: Value) -> Value {
    let req = Request::post("/graphql")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({ "query": query, "variables": vars }).to_string(),
        ))
        .unwrap();
    let a = vraag(app, req).await;
    let v: Value = serde_json::from_str(&a.tekst).unwrap();
    assert!(v.get("errors").is_none(), "GraphQL errors: {v}");
    v["data"].clone()
}

fn kop(a: &Antwoord, naam: header::HeaderName) -> &str {
    a.headers
        .get(naam)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The `data-waarde` of a tile (`data-kpi="…"`) in the page.
fn tegelwaarde(html: &str, kpi: &str) -> Option<String> {
    let start = html.find(&format!("data-kpi=\"{kpi}\""))?;
    let rest = &html[start..];
    let w = rest.find("data-waarde=\"")? + "data-waarde=\"".len();
    let eind = rest[w..].find('"')?;
    Some(rest[w..w + eind].to_owned())
}

#[tokio::test]
async fn aanmelden_en_zonder_aanmelding() {
    let o = common::demo_omgeving().await;
    let app = o.app();

    // Not signed in: the page sends to the sign-in form, a CSV is refused.
    let a = vraag(&app, get("/", None)).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(kop(&a, header::LOCATION), "/aanmelden");
    let a = vraag(&app, get("/dashboard/csv/kerncijfers.csv", None)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = vraag(&app, get("/", Some("kl_onbekend"))).await;
    assert_eq!(
        a.status,
        StatusCode::SEE_OTHER,
        "an unknown token is no sign-in"
    );

    let a = vraag(&app, get("/aanmelden", None)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(kop(&a, header::CONTENT_TYPE).starts_with("text/html"));
    assert!(a.tekst.contains("name=\"token\""), "sign-in form");

    let post = |token: &str| {
        Request::post("/aanmelden")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}")))
            .unwrap()
    };
    let a = vraag(&app, post("kl_fout")).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.headers.get(header::SET_COOKIE).is_none());

    let a = vraag(&app, post(o.token(Rol::Stuurgroep))).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let cookie = kop(&a, header::SET_COOKIE).to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP: no Secure flag, or the browser drops it"
    );
    let paar = cookie.split(';').next().unwrap().to_owned();
    let mut via_proxy = post(o.token(Rol::Stuurgroep));
    via_proxy
        .headers_mut()
        .insert("x-forwarded-proto", "https".parse().unwrap());
    let a = vraag(&app, via_proxy).await;
    assert!(
        kop(&a, header::SET_COOKIE).contains("; Secure"),
        "behind a TLS proxy: Secure"
    );

    let req = Request::get("/")
        .header(header::COOKIE, &paar)
        .body(Body::empty())
        .unwrap();
    let a = vraag(&app, req).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.tekst.contains("Aangemeld als"), "signed in by cookie");

    // Signing out clears the cookie.
    let a = vraag(
        &app,
        Request::post("/afmelden").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(kop(&a, header::SET_COOKIE).contains("Max-Age=0"));
    o.stop().await;
}

#[tokio::test]
async fn pagina_selector_bescherming_en_csv() {
    let o = common::demo_omgeving().await;
    let app = o.app();
    let sg = o.token(Rol::Stuurgroep).to_owned();
    let ev = o.token(Rol::Evaluator).to_owned();

    // Every region the API knows is in the selector.
    let refd = gql(
        &app,
        &sg,
        "{ jeugdregios { code } landsdelen { code } }",
        json!({}),
    )
    .await;
    let a = vraag(&app, get("/?periode=2024-K2", Some(&sg))).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(kop(&a, header::CONTENT_TYPE).starts_with("text/html"));
    assert!(kop(&a, header::CONTENT_SECURITY_POLICY).contains("default-src 'none'"));
    assert!(a.tekst.contains("<select id=\"gebied\" name=\"gebied\">"));
    for r in refd["jeugdregios"].as_array().unwrap() {
        let code = r["code"].as_str().unwrap();
        assert!(
            a.tekst.contains(&format!("value=\"JR:{code}\"")),
            "region {code} in the selector"
        );
    }
    for r in refd["landsdelen"].as_array().unwrap() {
        let code = r["code"].as_str().unwrap();
        assert!(a.tekst.contains(&format!("value=\"LD:{code}\"")));
    }
    assert!(!a.tekst.contains("<script"), "no scripts");
    assert!(
        !a.tekst.contains("src="),
        "nothing loaded but the stylesheet and icon"
    );
    assert!(!a.tekst.contains("href=\"http"), "no links off the machine");
    assert!(a.tekst.contains("href=\"/dashboard/dashboard.css\""));

    // Find a region and quarter where the exact spoedmachtigingen is a small count (the
    // evaluator's series) and the stuurgroep's perturbed one differs from it.
    let q = "query($f: FilterInvoer) { kpiReeks(granulariteit: KWARTAAL, van: \"2023-01-01\", tot: \"2025-01-01\", filter: $f) { meta { periode { van } } spoedmachtigingen { waarde bescherming } } }";
    let mut gevonden = None;
    'zoek: for r in refd["jeugdregios"].as_array().unwrap() {
        let code = r["code"].as_str().unwrap();
        let e = gql(&app, &ev, q, json!({ "f": { "jeugdregio": code } })).await;
        let s = gql(&app, &sg, q, json!({ "f": { "jeugdregio": code } })).await;
        let paren = e["kpiReeks"]
            .as_array()
            .unwrap()
            .iter()
            .zip(s["kpiReeks"].as_array().unwrap());
        for (re, rs) in paren {
            let exact = re["spoedmachtigingen"]["waarde"].as_i64().unwrap();
            assert_eq!(re["spoedmachtigingen"]["bescherming"], "GEEN");
            assert_eq!(rs["spoedmachtigingen"]["bescherming"], "VERSTOORD");
            let verstoord = rs["spoedmachtigingen"]["waarde"].as_i64().unwrap();
            if (1..=4).contains(&exact) && verstoord != exact {
                let van = re["meta"]["periode"]["van"].as_str().unwrap().to_owned();
                gevonden = Some((code.to_owned(), van, verstoord));
                break 'zoek;
            }
        }
    }
    let (regio, van, verstoord) =
        gevonden.expect("the demo has a small spoedmachtigingen count that is perturbed");
    let maand: u32 = van[5..7].parse().unwrap();
    let periode = format!("{}-K{}", &van[..4], (maand - 1) / 3 + 1);
    let uri = format!("/?gebied=JR%3A{regio}&periode={periode}");
    let a = vraag(&app, get(&uri, Some(&sg))).await;
    assert_eq!(a.status, StatusCode::OK);
    // The stuurgroep's tile shows the API's perturbed value and says so, with the link.
    assert_eq!(
        tegelwaarde(&a.tekst, "spoedmachtigingen"),
        Some(verstoord.to_string())
    );
    assert!(a.tekst.contains("data-verstoord=\"true\""));
    assert!(a.tekst.contains("href=\"/bescherming\""));
    assert!(
        !a.tekst.contains("data-onderdrukt=\"true\"")
            || a.tekst.contains("data-kpi=\"verblijfsduur\"")
    );
    // The evaluator sees the number itself, the same the API gives the evaluator.
    let a = vraag(&app, get(&uri, Some(&ev))).await;
    let d = gql(
        &app,
        &ev,
        "query($f: FilterInvoer, $j: Int!, $k: Int!) { kpis(periode: {jaar: $j, kwartaal: $k}, filter: $f) { spoedmachtigingen { waarde } } }",
        json!({ "f": { "jeugdregio": regio }, "j": van[..4].parse::<i32>().unwrap(), "k": (maand - 1) / 3 + 1 }),
    )
    .await;
    assert_eq!(
        tegelwaarde(&a.tekst, "spoedmachtigingen"),
        Some(
            d["kpis"]["spoedmachtigingen"]["waarde"]
                .as_i64()
                .unwrap()
                .to_string()
        )
    );
    assert!(
        a.tekst.contains("Feiten die het verschil verklaren")
            || a.tekst.contains("Geen: tussen beide momenten"),
        "the evaluator gets the comparison"
    );

    // CSV downloads: every table, with header and rows.
    for (tabel, kopregel) in [
        ("kerncijfers", "KPI,"),
        (
            "capaciteit",
            "Kwartaal,Gesloten plaatsen,Doel gesloten plaatsen",
        ),
        ("trend", "KPI,"),
        ("uitstroom", "Bestemming,Episodes beëindigd"),
    ] {
        let a = vraag(
            &app,
            get(
                &format!("/dashboard/csv/{tabel}.csv?{}", &uri[2..]),
                Some(&sg),
            ),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{tabel}");
        assert_eq!(kop(&a, header::CONTENT_TYPE), "text/csv; charset=utf-8");
        let disp = kop(&a, header::CONTENT_DISPOSITION);
        assert!(
            disp.starts_with("attachment; filename=\"kringloop-"),
            "{disp}"
        );
        assert!(disp.ends_with(".csv\""), "{disp}");
        let mut regels = a.tekst.lines();
        assert!(
            regels.next().unwrap().starts_with(kopregel),
            "{tabel}: {}",
            a.tekst
        );
        assert!(regels.count() >= 1, "{tabel} has rows");
    }
    let a = vraag(
        &app,
        get(
            &format!("/dashboard/csv/kerncijfers.csv?{}", &uri[2..]),
            Some(&sg),
        ),
    )
    .await;
    let rij = a
        .tekst
        .lines()
        .find(|l| l.starts_with("Spoedmachtigingen (aantal),"))
        .unwrap();
    assert!(
        rij.starts_with(&format!("Spoedmachtigingen (aantal),{verstoord},")),
        "{rij}: the CSV carries the API's perturbed value"
    );
    // Every person count in the stuurgroep's tables is within the method's noise (±2) of
    // the evaluator's exact one, and some differ (so the check can fail).
    let mut tabellen = std::collections::HashMap::new();
    for token in [&sg, &ev] {
        let mut n = std::collections::BTreeMap::new();
        for tabel in ["kerncijfers", "trend", "uitstroom"] {
            let a = vraag(
                &app,
                get(
                    &format!("/dashboard/csv/{tabel}.csv?{}", &uri[2..]),
                    Some(token),
                ),
            )
            .await;
            for regel in a.tekst.lines().skip(1) {
                let cellen: Vec<&str> = regel.split(',').collect();
                let telling = tabel == "uitstroom"
                    || cellen[0].ends_with("(aantal)")
                    || cellen[0].starts_with("Signaal:");
                if telling {
                    for (i, c) in cellen.iter().enumerate().skip(1) {
                        n.insert((tabel, cellen[0].to_owned(), i), c.parse::<i64>().ok());
                    }
                }
            }
        }
        tabellen.insert(token.clone(), n);
    }
    let (s, e) = (&tabellen[&sg], &tabellen[&ev]);
    let mut verschillend = 0;
    for (sleutel, b) in e {
        // A row may be left out where its perturbed count is 0 (a destination nobody
        // left to, as published): then the exact count is at most 2.
        let a = s
            .get(sleutel)
            .copied()
            .flatten()
            .or(Some(0).filter(|_| !s.contains_key(sleutel)));
        if let (Some(a), Some(b)) = (a, b) {
            let (a, b) = (&a, b);
            // The signals row is the sum of three perturbed counts and an exact one.
            let ruis = if sleutel.1.starts_with("Signalen") {
                6
            } else {
                2
            };
            assert!((a - b).abs() <= ruis, "{sleutel:?}: {a} against {b}");
            assert!(*b != 0 || *a == 0, "a true zero stays zero");
            verschillend += usize::from(a != b);
        }
    }
    assert!(
        verschillend > 0,
        "no count perturbed in the stuurgroep's tables"
    );
    // The comparison is person-level: no table for stuurgroep, one for the evaluator.
    let a = vraag(
        &app,
        get(
            &format!("/dashboard/csv/verschil-feiten.csv?{}", &uri[2..]),
            Some(&sg),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = vraag(
        &app,
        get(
            &format!(
                "/dashboard/csv/verschil-feiten.csv?{}&k1=2024-01-01",
                &uri[2..]
            ),
            Some(&ev),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.tekst
            .starts_with("Positie,Soort feit,Stroom,Geregistreerd op")
    );
    let a = vraag(&app, get("/dashboard/csv/bestaatniet.csv", Some(&sg))).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = vraag(&app, get("/?periode=2024-K9", Some(&sg))).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    o.stop().await;
}

/// The section "Vraag en aanbod" of a page: from its opening tag to its end.
fn vraag_sectie(html: &str) -> &str {
    let start = html
        .find("id=\"vraag-aanbod\"")
        .expect("section Vraag en aanbod");
    let eind = html[start..].find("</section>").expect("end of section") + start;
    &html[start..eind]
}

/// The total row's "Benodigd" of the CSV `benodigd` (the column named so).
fn benodigd_totaal(csv: &str) -> i64 {
    let mut regels = csv.lines();
    let kop: Vec<&str> = regels.next().unwrap().split(',').collect();
    let k = kop.iter().position(|c| *c == "Benodigd").unwrap();
    let totaal = regels.find(|r| r.starts_with("Totaal,")).unwrap();
    totaal.split(',').nth(k).unwrap().parse().unwrap()
}

#[tokio::test]
async fn vraag_en_aanbod() {
    let o = common::demo_omgeving().await;
    let app = o.app();
    let sg = o.token(Rol::Stuurgroep).to_owned();
    let ev = o.token(Rol::Evaluator).to_owned();
    let uri = "/?gebied=NL&periode=2024-K4";

    let a = vraag(&app, get(uri, Some(&sg))).await;
    assert_eq!(a.status, StatusCode::OK);
    let sectie = vraag_sectie(&a.tekst);
    assert!(sectie.contains("Vraag en aanbod"));
    for id in ["vraag-trend", "passend", "terugval", "benodigd"] {
        assert!(sectie.contains(&format!("id=\"tabel-{id}\"")), "table {id}");
    }
    // The waiting youths at the quarter's end are the API's (perturbed) figure, marked so.
    let d = gql(
        &app,
        &sg,
        "{ vraag(periode: {jaar: 2024, kwartaal: 4}) { wachtenden { jeugdigen { waarde bescherming } } passendGeplaatst { passend { waarde } } } terugval(periode: {jaar: 2024, kwartaal: 4}) { definitief } }",
        json!({}),
    )
    .await;
    let w = &d["vraag"]["wachtenden"]["jeugdigen"];
    assert_eq!(w["bescherming"], "VERSTOORD");
    assert!(
        w["waarde"].as_i64().unwrap() > 0,
        "the demo has youths waiting at the end of 2024"
    );
    assert_eq!(
        tegelwaarde(sectie, "wachtende-jeugdigen"),
        Some(w["waarde"].to_string())
    );
    assert!(
        sectie.contains("data-verstoord=\"true\""),
        "perturbed figures are marked"
    );
    let passend = d["vraag"]["passendGeplaatst"]["passend"]["waarde"]
        .as_f64()
        .unwrap();
    assert_eq!(
        tegelwaarde(sectie, "passend-geplaatst"),
        Some(format!("{:.1}", passend * 100.0))
    );
    assert_eq!(d["terugval"]["definitief"], true, "2024-K4 is a year past");
    assert!(!sectie.contains("data-voorlopig=\"true\""));
    // The evaluator gets the exact figures: nothing marked as perturbed.
    let e = vraag(&app, get(uri, Some(&ev))).await;
    assert!(!vraag_sectie(&e.tekst).contains("data-verstoord=\"true\""));
    // A half-year or year: passend geplaatst and the needed places of that period itself.
    for (periode, label) in [("2024-H2", "2e halfjaar 2024"), ("2024", "2024")] {
        let a = vraag(&app, get(&format!("/?periode={periode}"), Some(&sg))).await;
        assert_eq!(a.status, StatusCode::OK, "{periode}");
        let sectie = vraag_sectie(&a.tekst);
        assert!(
            sectie.contains(&format!("Passend geplaatst, {label}")),
            "{periode}"
        );
        assert!(sectie.contains("id=\"tabel-benodigd\""), "{periode}");
    }
    // A recent period's terugval is provisional, and says so.
    let a = vraag(&app, get("/?periode=2026-K2", Some(&sg))).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(vraag_sectie(&a.tekst).contains("data-voorlopig=\"true\""));

    // The trend table: eight quarters, downloadable.
    let csv = vraag(
        &app,
        get("/dashboard/csv/vraag-trend.csv?periode=2024-K4", Some(&sg)),
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut regels = csv.tekst.lines();
    assert!(
        regels
            .next()
            .unwrap()
            .starts_with("Kwartaal,Wachtende jeugdigen")
    );
    let rijen: Vec<&str> = regels.collect();
    assert_eq!(rijen.len(), 8, "{}", csv.tekst);
    assert!(rijen[7].starts_with("4e kwartaal 2024,"));
    for (tabel, kopregel) in [
        ("passend", "Geplaatst,Verzoeken"),
        ("terugval", "Cijfer,Waarde"),
        ("benodigd", "Vorm,Regime,"),
        ("scenario", "Uitgangspunt,Waarde"),
    ] {
        let a = vraag(
            &app,
            get(
                &format!("/dashboard/csv/{tabel}.csv?periode=2024-K4"),
                Some(&sg),
            ),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{tabel}");
        assert!(a.tekst.starts_with(kopregel), "{tabel}: {}", a.tekst);
        assert!(a.tekst.lines().count() >= 2, "{tabel} has rows");
    }

    // Scenarios change the needed places and show their inputs.
    let basis = vraag(
        &app,
        get("/dashboard/csv/benodigd.csv?periode=2024-K4", Some(&sg)),
    )
    .await;
    let basis_n = benodigd_totaal(&basis.tekst);
    assert!(basis_n > 10, "places are needed in the demo: {basis_n}");
    let korter = vraag(
        &app,
        get(
            "/dashboard/csv/benodigd.csv?periode=2024-K4&scenario=verblijf-min-20",
            Some(&sg),
        ),
    )
    .await;
    assert_eq!(korter.status, StatusCode::OK);
    assert!(
        korter.tekst.contains("Benodigd zonder scenario"),
        "the basis beside the scenario"
    );
    let korter_n = benodigd_totaal(&korter.tekst);
    assert!(
        korter_n < basis_n,
        "stays 20 % shorter need fewer places: {basis_n} → {korter_n}"
    );
    let krapper = vraag(
        &app,
        get(
            "/dashboard/csv/benodigd.csv?periode=2024-K4&scenario=doelbezetting-85",
            Some(&sg),
        ),
    )
    .await;
    assert!(benodigd_totaal(&krapper.tekst) > basis_n);
    let a = vraag(
        &app,
        get(&format!("{uri}&scenario=instroom-plus-10"), Some(&sg)),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let sectie = vraag_sectie(&a.tekst);
    assert!(
        sectie.contains("data-invoer=\"instroom\">+10 %"),
        "the inputs are listed"
    );
    assert!(sectie.contains("strong aria-current=\"page\" data-scenario=\"instroom-plus-10\""));
    assert!(
        sectie.contains(
            "href=\"/?gebied=NL&amp;periode=2024-K4&amp;scenario=verblijf-min-20#vraag-aanbod\""
        ),
        "links to the other scenarios keep the selection"
    );
    assert!(
        a.tekst
            .contains("name=\"scenario\" value=\"instroom-plus-10\""),
        "the selection form keeps the scenario"
    );

    // An unknown scenario is refused with the error page (and for a CSV).
    for slecht in ["verblijf-min-99", "%3Cscript%3E"] {
        let a = vraag(&app, get(&format!("{uri}&scenario={slecht}"), Some(&sg))).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{slecht}");
        assert!(a.tekst.contains("onbekend scenario"), "{}", a.tekst);
        assert!(!a.tekst.contains("<script>"), "escaped");
    }
    let a = vraag(
        &app,
        get(
            "/dashboard/csv/benodigd.csv?periode=2024-K4&scenario=alles",
            Some(&sg),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    o.stop().await;
}

/// `Set-Cookie` values of a reply.
fn cookies(a: &Antwoord) -> Vec<String> {
    a.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// A POST as the dashboard's own page sends it (same origin).
fn eigen_post(uri: &str, cookie: Option<&str>, body: String) -> Request<Body> {
    let mut b = Request::post(uri)
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::from(body)).unwrap()
}

/// Signs in through the form; returns the `name=value` of the session cookie.
async fn aanmelden_met(app: &axum::Router, token: &str) -> String {
    let a = vraag(
        app,
        eigen_post("/aanmelden", None, format!("token={token}")),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.tekst);
    cookies(&a)[0].split(';').next().unwrap().to_owned()
}

/// Whether a cookie signs in: `/aanmelden` sends a signed-in browser on to `/`.
async fn aangemeld_met(app: &axum::Router, cookie: &str) -> bool {
    let req = Request::get("/aanmelden")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let a = vraag(app, req).await;
    a.status == StatusCode::SEE_OTHER
}

/// The cookie holds a random session id, never the bearer token; the session ends at
/// sign-out (on the server too), when its token is revoked and after its idle and
/// absolute limits. Before, the cookie was the token itself and outlived sign-out.
#[tokio::test]
async fn sessie_in_plaats_van_token() {
    let o = common::demo_omgeving().await;
    let app = o.app();
    let admin = o.token(Rol::Admin).to_owned();
    let d = gql(
        &app,
        &admin,
        "mutation { maakToken(rol: stuurgroep, naam: \"sessie\") { id token } }",
        json!({}),
    )
    .await;
    let (id, token) = (
        d["maakToken"]["id"].as_str().unwrap().to_owned(),
        d["maakToken"]["token"].as_str().unwrap().to_owned(),
    );

    let a = vraag(
        &app,
        eigen_post("/aanmelden", None, format!("token={token}")),
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let gezet = cookies(&a);
    assert!(gezet.iter().all(|c| !c.contains(&token)), "{gezet:?}");
    let sessie = gezet[0].split(';').next().unwrap().to_owned();
    let waarde = sessie.strip_prefix("kringloop_sessie=").unwrap();
    assert_eq!(waarde.len(), 64, "{sessie}");
    assert!(waarde.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(gezet[0].contains("HttpOnly") && gezet[0].contains("SameSite=Strict"));
    assert!(gezet[0].contains("Max-Age=36000"), "{}", gezet[0]);
    assert!(
        gezet
            .iter()
            .any(|c| c.starts_with("kringloop_token=;") && c.contains("Max-Age=0")),
        "the old token cookie is cleared: {gezet:?}"
    );
    assert!(aangemeld_met(&app, &sessie).await);
    let req = Request::get("/")
        .header(header::COOKIE, &sessie)
        .body(Body::empty())
        .unwrap();
    assert!(vraag(&app, req).await.tekst.contains("Aangemeld als"));
    // The token itself in a cookie signs nobody in.
    assert!(!aangemeld_met(&app, &format!("kringloop_token={token}")).await);
    assert!(!aangemeld_met(&app, &format!("kringloop_sessie={token}")).await);

    // Sign-out ends the session on the server, not only in the browser.
    let a = vraag(&app, eigen_post("/afmelden", Some(&sessie), String::new())).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(
        cookies(&a)
            .iter()
            .any(|c| c.starts_with("kringloop_sessie=;") && c.contains("Max-Age=0"))
    );
    assert!(
        !aangemeld_met(&app, &sessie).await,
        "the old cookie still worked"
    );

    // Revoking the token ends its sessions.
    let sessie = aanmelden_met(&app, &token).await;
    let r = gql(
        &app,
        &admin,
        "mutation($id: String!) { trekTokenIn(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(r["trekTokenIn"], true);
    assert!(
        !aangemeld_met(&app, &sessie).await,
        "revoked token, live session"
    );
    let req = Request::get("/")
        .header(header::COOKIE, &sessie)
        .body(Body::empty())
        .unwrap();
    assert_eq!(kop(&vraag(&app, req).await, header::LOCATION), "/aanmelden");

    // Idle and absolute limits.
    let sg = o.token(Rol::Stuurgroep).to_owned();
    let met = |inactief: u64, max: u64| {
        kringloop_graphql::http::router(o.api.clone()).merge(kringloop_dashboard::router_met(
            o.api.clone(),
            kringloop_dashboard::DashboardConfig {
                sessie_inactief: Duration::from_millis(inactief),
                sessie_max: Duration::from_millis(max),
                ..Default::default()
            },
        ))
    };
    let kort = met(300, 60_000);
    let sessie = aanmelden_met(&kort, &sg).await;
    assert!(aangemeld_met(&kort, &sessie).await);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!aangemeld_met(&kort, &sessie).await, "idle past the limit");
    let kort = met(60_000, 600);
    let begin = std::time::Instant::now();
    let sessie = aanmelden_met(&kort, &sg).await;
    assert!(aangemeld_met(&kort, &sessie).await);
    tokio::time::sleep(Duration::from_millis(700).saturating_sub(begin.elapsed())).await;
    assert!(
        !aangemeld_met(&kort, &sessie).await,
        "past the absolute limit"
    );
    o.stop().await;
}

/// Sign-in and sign-out sent by another site are refused (login CSRF); the dashboard's
/// own form, a script without browser headers and a proxy's forwarded host get through.
#[tokio::test]
async fn aanmelden_van_een_andere_site_geweigerd() {
    let o = common::demo_omgeving().await;
    let app = o.app();
    let sg = o.token(Rol::Stuurgroep).to_owned();
    let sessie = aanmelden_met(&app, &sg).await;
    let van = |uri: &str, koppen: &[(&'static str, &'static str)]| {
        let mut b = Request::post(uri)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &sessie);
        for (k, v) in koppen {
            b = b.header(*k, *v);
        }
        b.body(Body::from(format!("token={sg}"))).unwrap()
    };
    for koppen in [
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")],
        &[("origin", "http://127.0.0.1:9999")],
        &[("sec-fetch-site", "cross-site")],
        &[
            ("sec-fetch-site", "same-site"),
            ("origin", "http://127.0.0.1:8080"),
        ],
    ] {
        let a = vraag(&app, van("/aanmelden", koppen)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{koppen:?}");
        assert!(cookies(&a).is_empty(), "{koppen:?}");
        let a = vraag(&app, van("/afmelden", koppen)).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{koppen:?}");
        assert!(cookies(&a).is_empty(), "{koppen:?}");
    }
    assert!(
        aangemeld_met(&app, &sessie).await,
        "a refused sign-out left the session alone"
    );
    for koppen in [
        &[][..],
        &[
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ],
        &[
            ("origin", "https://kringloop.example"),
            ("x-forwarded-host", "kringloop.example"),
        ],
    ] {
        let a = vraag(&app, van("/aanmelden", koppen)).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{koppen:?}");
    }
    o.stop().await;
}

/// GraphiQL (`GET /graphql`) has the security headers of the dashboard's pages, with a
/// policy that allows its own origin only (its scripts are served by the binary).
#[tokio::test]
async fn graphiql_met_beveiligingskoppen() {
    let o = common::demo_omgeving().await;
    let app = o.app();
    let g = vraag(&app, get("/graphql", None)).await;
    assert_eq!(g.status, StatusCode::OK);
    let d = vraag(&app, get("/aanmelden", None)).await;
    for naam in [
        header::X_CONTENT_TYPE_OPTIONS,
        header::REFERRER_POLICY,
        header::X_FRAME_OPTIONS,
    ] {
        assert!(!kop(&g, naam.clone()).is_empty(), "{naam}");
        assert_eq!(kop(&g, naam.clone()), kop(&d, naam.clone()), "{naam}");
    }
    assert_eq!(kop(&g, header::REFERRER_POLICY), "same-origin");
    assert!(
        !g.tekst.contains(r#"content="origin""#),
        "the page keeps no-referrer"
    );
    let csp = kop(&g, header::CONTENT_SECURITY_POLICY);
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(kringloop_graphql::beveiliging::inline_script(&g.tekst).is_none());
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!g.tekst.contains("://"), "no other host");
    assert!(kop(&d, header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"));
    o.stop().await;
}
