//! kringloop-dashboard: the stuurgroep dashboard in the browser.
//!
//! Server-rendered HTML with inline SVG charts, no JavaScript, no external requests: the
//! stylesheet and icon are compiled into the binary and a Content-Security-Policy of
//! `default-src 'none'` with `style-src 'self'` keeps it that way. Every response carries
//! the security headers of [`kringloop_graphql::beveiliging`], the layer GraphiQL uses
//! too. Every figure comes from
//! the GraphQL schema, executed in-process as the signed-in principal, so role guards and
//! small-number suppression are the API's own.
//!
//! Routes ([`router`]):
//! - `GET /`: the dashboard (`?gebied=NL|LD:<code>|JR:<code>&periode=2025-K3|2025-H1|2025
//!   &kennis=JJJJ-MM-DD&scenario=verblijf-min-20|instroom-plus-10|doelbezetting-85`,
//!   evaluators also `&k1=…&k2=…`); without sign-in a redirect to `/aanmelden`.
//! - `GET/POST /aanmelden`, `POST /afmelden`: sign in with a bearer token, which starts a
//!   server-side session; the HttpOnly, SameSite=Strict cookie holds only the session's
//!   random id, never the token. Sessions end after 2 hours idle, 10 hours after sign-in,
//!   at sign-out and when the token is revoked; sign-in and sign-out sent by another site
//!   are refused with 403 ([`session`] documents both). Scripts may send `Authorization:
//!   Bearer <token>` instead of signing in.
//! - `GET /contracten?periode=…&kennis=…&aanbieder=<id>`: the contract manager's page
//!   ([`contracten`]): per provider the scorecard with traffic lights, the trend of each
//!   agreement and the costs against budget; with `aanbieder` the printable one-page
//!   summary of that provider. Stuurgroep, contract managers (their region), evaluators
//!   and admins; other roles get 403.
//! - `GET /dashboard/csv/<tabel>.csv?…`: every table of the page as CSV.
//! - `GET /dashboard/dashboard.css`, `GET /dashboard/favicon.svg`.
//!
//! The comparison of two knowledge moments (`diff`) is person-level in the API
//! (evaluator, admin): other roles see an explanation instead, never the facts.

pub mod api_data;
pub mod chart;
pub mod contracten;
pub mod format;
pub mod kpi;
pub mod page;
pub mod selection;
pub mod session;
pub mod table;
pub mod vraag_aanbod;

use std::sync::Arc;
use std::time::Duration;

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike as _, Utc};
use kringloop_graphql::auth::bearer;
use kringloop_graphql::{ApiState, KringloopSchema, Principal, Rol};
use serde::Deserialize;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::selection::{Parameters, Periode, Selectie};
pub use crate::session::COOKIE_NAAM;
use crate::session::{OUDE_COOKIE_NAAM, Sessies};

/// The stylesheet, compiled in.
pub const CSS: &str = include_str!("../static/dashboard.css");
const FAVICON: &str = include_str!("../static/favicon.svg");

/// Nothing but our own stylesheet and icon; no scripts at all.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// Settings of the dashboard.
#[derive(Debug, Clone)]
pub struct DashboardConfig {
    /// First year in the period selector and of the capacity chart.
    pub eerste_jaar: i32,
    /// Always mark the sign-in cookie `Secure` (it is also marked so for every request
    /// that a proxy forwarded with `X-Forwarded-Proto: https`).
    pub cookie_secure: bool,
    /// A session ends after this long without a request (default 2 hours).
    pub sessie_inactief: Duration,
    /// A session ends this long after sign-in, however active (default 10 hours).
    pub sessie_max: Duration,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            eerste_jaar: 2019,
            cookie_secure: false,
            sessie_inactief: session::STANDAARD_INACTIEF,
            sessie_max: session::STANDAARD_MAX,
        }
    }
}

#[derive(Clone)]
struct Dash {
    schema: KringloopSchema,
    api: ApiState,
    cfg: DashboardConfig,
    sessies: Arc<Sessies>,
}

/// The dashboard routes over an API state, with the default settings.
pub fn router(api: ApiState) -> Router {
    router_met(api, DashboardConfig::default())
}

/// The dashboard routes with explicit settings.
pub fn router_met(api: ApiState, cfg: DashboardConfig) -> Router {
    let timeout = api.config().timeout;
    let dash = Dash {
        schema: kringloop_graphql::schema(api.clone()),
        api,
        sessies: Arc::new(Sessies::new(cfg.sessie_inactief, cfg.sessie_max)),
        cfg,
    };
    Router::new()
        .route("/", get(dashboard))
        .route("/contracten", get(contracten_pagina))
        .route("/aanmelden", get(aanmelden_form).post(aanmelden))
        .route("/afmelden", post(afmelden))
        .route("/dashboard/csv/{bestand}", get(csv_download))
        .route("/dashboard/dashboard.css", get(css))
        .route("/dashboard/favicon.svg", get(favicon))
        .route("/bescherming", get(bescherming))
        .with_state(dash)
        .layer(kringloop_graphql::beveiliging::laag(
            HeaderValue::from_static(CSP),
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(TraceLayer::new_for_http())
}

/// An HTML page (the security headers come from the router's layer).
fn html_antwoord(status: StatusCode, m: maud::Markup) -> Response {
    let mut r = (status, m.into_string()).into_response();
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Figures are per user and per moment: never cached.
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn doorsturen(naar: &'static str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, HeaderValue::from_static(naar))],
    )
        .into_response()
}

fn cookie_waarde<'a>(headers: &'a HeaderMap, naam: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == naam)
        .map(|(_, v)| v.trim())
}

/// The caller: an `Authorization: Bearer` header (scripts, tests) or the session cookie.
fn aangemeld(d: &Dash, headers: &HeaderMap) -> Option<Principal> {
    if let Some(secret) = headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(bearer)
    {
        return d.api.tokens().verify(secret);
    }
    d.sessies
        .principal(cookie_waarde(headers, COOKIE_NAAM)?, d.api.tokens())
}

/// The cookie attributes: HttpOnly, SameSite=Strict, and Secure behind TLS.
fn cookie_attributen(d: &Dash, headers: &HeaderMap) -> &'static str {
    if d.cfg.cookie_secure || via_https(headers) {
        "Path=/; HttpOnly; SameSite=Strict; Secure"
    } else {
        "Path=/; HttpOnly; SameSite=Strict"
    }
}

/// 403 for a sign-in or sign-out that another site sent.
fn andere_herkomst(waar: &'static str, kop: &'static str) -> Response {
    tracing::warn!(
        route = waar,
        kop,
        "dashboard: verzoek van een andere site geweigerd"
    );
    html_antwoord(
        StatusCode::FORBIDDEN,
        page::foutpagina(
            "Geweigerd",
            "Dit verzoek kwam niet van het dashboard zelf. Open /aanmelden op deze server en probeer het daar opnieuw.",
        ),
    )
}

/// Behind a TLS-terminating proxy the cookie is marked `Secure`.
fn via_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

fn persoonsniveau(rol: Rol) -> bool {
    rol.sees_small_counts()
}

async fn dashboard(
    State(d): State<Dash>,
    headers: HeaderMap,
    Query(p): Query<Parameters>,
) -> Response {
    let Some(principal) = aangemeld(&d, &headers) else {
        return doorsturen("/aanmelden");
    };
    let vandaag = Utc::now().date_naive();
    let sel = match Selectie::uit(&p, vandaag) {
        Ok(s) => s,
        Err(e) => {
            return html_antwoord(
                StatusCode::BAD_REQUEST,
                page::foutpagina("Onbekende selectie", &e.to_string()),
            );
        }
    };
    let pn = persoonsniveau(principal.rol);
    match api_data::laad(&d.schema, &principal, &sel, d.cfg.eerste_jaar, pn).await {
        Ok(data) => {
            let keuzes = Periode::keuzes(d.cfg.eerste_jaar.min(vandaag.year()), vandaag);
            html_antwoord(
                StatusCode::OK,
                page::dashboard(&data, &sel, &principal, &keuzes, pn),
            )
        }
        Err(e) => {
            tracing::warn!(code = ?e.code, melding = %e.melding, "dashboard: API-fout");
            let status = match e.code.as_deref() {
                Some("INVALID_INPUT" | "BAD_USER_INPUT") => StatusCode::BAD_REQUEST,
                Some("FORBIDDEN") => StatusCode::FORBIDDEN,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            html_antwoord(
                status,
                page::foutpagina("De cijfers konden niet worden opgehaald", &e.melding),
            )
        }
    }
}

async fn contracten_pagina(
    State(d): State<Dash>,
    headers: HeaderMap,
    Query(p): Query<Parameters>,
) -> Response {
    let Some(principal) = aangemeld(&d, &headers) else {
        return doorsturen("/aanmelden");
    };
    if !contracten::mag(principal.rol) {
        return html_antwoord(
            StatusCode::FORBIDDEN,
            page::foutpagina(
                "Geen toegang",
                &format!("De rol {} ziet geen contracten of kosten.", principal.rol),
            ),
        );
    }
    let vandaag = Utc::now().date_naive();
    let (sel, aanbieder) = match Selectie::uit(&p, vandaag).and_then(|s| Ok((s, p.aanbieder()?))) {
        Ok(x) => x,
        Err(e) => {
            return html_antwoord(
                StatusCode::BAD_REQUEST,
                page::foutpagina("Onbekende selectie", &e.to_string()),
            );
        }
    };
    match contracten::laad(&d.schema, &principal, &sel, aanbieder).await {
        Ok(data) => {
            let keuzes = Periode::keuzes(d.cfg.eerste_jaar.min(vandaag.year()), vandaag);
            html_antwoord(
                StatusCode::OK,
                contracten::pagina(&data, &sel, &principal, aanbieder, &keuzes),
            )
        }
        Err(e) => {
            tracing::warn!(code = ?e.code, melding = %e.melding, "contracten: API-fout");
            let status = match e.code.as_deref() {
                Some("INVALID_INPUT" | "BAD_USER_INPUT" | "BAD_REQUEST") => StatusCode::BAD_REQUEST,
                Some("FORBIDDEN") => StatusCode::FORBIDDEN,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            html_antwoord(
                status,
                page::foutpagina("De contracten konden niet worden opgehaald", &e.melding),
            )
        }
    }
}

async fn aanmelden_form(State(d): State<Dash>, headers: HeaderMap) -> Response {
    if aangemeld(&d, &headers).is_some() {
        return doorsturen("/");
    }
    html_antwoord(StatusCode::OK, page::aanmelden(None))
}

#[derive(Deserialize)]
struct Aanmelding {
    token: String,
}

async fn aanmelden(
    State(d): State<Dash>,
    headers: HeaderMap,
    uri: Uri,
    Form(f): Form<Aanmelding>,
) -> Response {
    if let Err(kop) = session::zelfde_herkomst(&headers, &uri) {
        return andere_herkomst("/aanmelden", kop);
    }
    let secret = f.token.trim();
    let geldig = secret.len() <= 256
        && secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match geldig.then(|| d.api.tokens().verify(secret)).flatten() {
        Some(p) => {
            // A session the browser still had is ended; the new one gets a new id.
            if let Some(oud) = cookie_waarde(&headers, COOKIE_NAAM) {
                d.sessies.beeindig(oud);
            }
            let id = d.sessies.begin(&p);
            tracing::info!(token = %p.token_id, rol = %p.rol, "dashboard: aangemeld");
            let attributen = cookie_attributen(&d, &headers);
            let mut r = doorsturen("/");
            let cookies = [
                format!(
                    "{COOKIE_NAAM}={id}; {attributen}; Max-Age={}",
                    d.sessies.max().as_secs().max(1)
                ),
                format!("{OUDE_COOKIE_NAAM}=; {attributen}; Max-Age=0"),
            ];
            for c in cookies {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    r.headers_mut().append(SET_COOKIE, v);
                }
            }
            r
        }
        None => html_antwoord(
            StatusCode::UNAUTHORIZED,
            page::aanmelden(Some("Dit token is onbekend of ingetrokken.")),
        ),
    }
}

/// Ends the session on the server and clears the cookie.
async fn afmelden(State(d): State<Dash>, headers: HeaderMap, uri: Uri) -> Response {
    if let Err(kop) = session::zelfde_herkomst(&headers, &uri) {
        return andere_herkomst("/afmelden", kop);
    }
    if let Some(id) = cookie_waarde(&headers, COOKIE_NAAM) {
        d.sessies.beeindig(id);
    }
    let attributen = cookie_attributen(&d, &headers);
    let mut r = doorsturen("/aanmelden");
    for naam in [COOKIE_NAAM, OUDE_COOKIE_NAAM] {
        if let Ok(v) = HeaderValue::from_str(&format!("{naam}=; {attributen}; Max-Age=0")) {
            r.headers_mut().append(SET_COOKIE, v);
        }
    }
    r
}

async fn csv_download(
    State(d): State<Dash>,
    headers: HeaderMap,
    Path(bestand): Path<String>,
    Query(p): Query<Parameters>,
) -> Response {
    let Some(principal) = aangemeld(&d, &headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            "aanmelden vereist: /aanmelden of Authorization: Bearer <token>\n",
        )
            .into_response();
    };
    let Some(id) = bestand.strip_suffix(".csv") else {
        return (StatusCode::NOT_FOUND, "onbekende tabel\n").into_response();
    };
    let sel = match Selectie::uit(&p, Utc::now().date_naive()) {
        Ok(s) => s,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    };
    let pn = persoonsniveau(principal.rol);
    let data = match api_data::laad(&d.schema, &principal, &sel, d.cfg.eerste_jaar, pn).await {
        Ok(x) => x,
        Err(e) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{}\n", e.melding),
            )
                .into_response();
        }
    };
    let Some(tabel) = kpi::tabellen(&data, sel.periode)
        .into_iter()
        .find(|t| t.id == id)
    else {
        return (StatusCode::NOT_FOUND, "onbekende tabel\n").into_response();
    };
    let tekst = match tabel.csv() {
        Ok(t) => t,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    };
    let naam = format!(
        "kringloop-{}-{}-{}.csv",
        tabel.id,
        sel.gebied.sleutel().replace(':', "-").to_lowercase(),
        sel.periode.sleutel().to_lowercase()
    );
    let disp = HeaderValue::from_str(&format!("attachment; filename=\"{naam}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        StatusCode::OK,
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (CONTENT_DISPOSITION, disp),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        tekst,
    )
        .into_response()
}

async fn css() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// The disclosure-control method (`docs/privacy.md`), linked from every perturbed
/// figure. Public: it holds no secret and no figure.
async fn bescherming() -> Response {
    const METHODE: &str = include_str!("../../../docs/privacy.md");
    let mut tekst = String::new();
    pulldown_cmark::html::push_html(
        &mut tekst,
        pulldown_cmark::Parser::new_ext(METHODE, pulldown_cmark::Options::ENABLE_TABLES),
    );
    html_antwoord(
        StatusCode::OK,
        maud::html! {
            (maud::DOCTYPE)
            html lang="nl" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { "kringloop: bescherming van kleine aantallen" }
                    link rel="stylesheet" href="/dashboard/dashboard.css";
                }
                body {
                    main.methode {
                        p { a href="/" { "← terug naar het dashboard" } }
                        (maud::PreEscaped(tekst))
                    }
                }
            }
        },
    )
}

async fn favicon() -> Response {
    (
        [
            (CONTENT_TYPE, "image/svg+xml"),
            (CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
        .into_response()
}
