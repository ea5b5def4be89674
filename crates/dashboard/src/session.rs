//! Sign-in sessions of the dashboard, and the check that a sign-in or sign-out was sent
//! by the dashboard's own page.
//!
//! # Sessions
//! Signing in with a token at `/aanmelden` starts a session on the server. The browser
//! gets only the session's id, 32 random bytes in hex, in the cookie [`COOKIE_NAAM`]
//! (`HttpOnly; SameSite=Strict; Path=/`, `Secure` behind TLS, `Max-Age` the absolute
//! limit); the long-lived bearer token never goes into a cookie. The server keeps per
//! session the SHA-256 of its id (so the table holds no usable cookie value), the id of
//! the token it was started with (not the token) and when it started and was last used.
//! A session ends
//! - after [`STANDAARD_INACTIEF`] (2 hours) without a request,
//! - [`STANDAARD_MAX`] (10 hours, a working day) after sign-in, however active it is,
//! - when its token is revoked or removed: every request looks the token up again,
//! - at `POST /afmelden`, which deletes it on the server as well as the cookie,
//! - when the server stops: sessions live in memory only. Several servers behind one
//!   address therefore need sticky routing, or users sign in again on another server.
//!
//! At most [`MAX_SESSIES`] sessions are kept; a new one beyond that ends the one unused
//! for longest.
//!
//! # Cross-site sign-in and sign-out
//! `POST /aanmelden` and `POST /afmelden` are refused with 403 when another site sent them
//! (login CSRF: a page elsewhere signing the browser in with the attacker's token, or
//! out). Both headers below are set by the browser itself; no page can forge them.
//! - When the request has `Sec-Fetch-Site`, it decides: `same-origin` (or `none`, the
//!   user did it directly) passes, anything else (`same-site`, `cross-site`) is refused.
//! - Otherwise (browsers without Fetch Metadata) `Origin`, when present, must name the
//!   host the request was sent to (`Host`, `X-Forwarded-Host` behind a proxy, or the
//!   HTTP/2 authority), on the default port of its scheme or the same explicit port;
//!   `Origin: null` is refused. The pages are sent with `Referrer-Policy: same-origin`,
//!   under which browsers send the real `Origin` with a same-origin POST.
//! - A POST with neither header passes: every browser the dashboard supports sends
//!   `Origin` with a POST, so such a request comes from a script or a command-line
//!   client, which another site cannot make a browser send.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderMap, Uri};
use kringloop_graphql::auth::{hash_token, new_secret};
use kringloop_graphql::{Principal, Tokens};

/// Name of the session cookie.
pub const COOKIE_NAAM: &str = "kringloop_sessie";
/// Name of the cookie that held the bearer token itself before sessions; cleared at
/// every sign-in and sign-out, never read.
pub const OUDE_COOKIE_NAAM: &str = "kringloop_token";
/// A session ends after this long without a request.
pub const STANDAARD_INACTIEF: Duration = Duration::from_secs(2 * 60 * 60);
/// A session ends this long after sign-in.
pub const STANDAARD_MAX: Duration = Duration::from_secs(10 * 60 * 60);
/// Most sessions kept at once.
pub const MAX_SESSIES: usize = 10_000;

#[derive(Debug, Clone)]
struct Sessie {
    token_id: String,
    begonnen: Instant,
    laatst: Instant,
}

/// The live sessions of one server.
#[derive(Debug)]
pub struct Sessies {
    /// SHA-256 (hex) of the session id → session.
    tabel: Mutex<HashMap<String, Sessie>>,
    inactief: Duration,
    max: Duration,
}

/// Whether a cookie value can be a session id we issued (64 hex digits).
fn vorm_klopt(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Sessies {
    /// Sessions with these limits (idle, absolute).
    pub fn new(inactief: Duration, max: Duration) -> Sessies {
        Sessies {
            tabel: Mutex::new(HashMap::new()),
            inactief,
            max,
        }
    }

    /// The absolute limit (the cookie's `Max-Age`).
    pub fn max(&self) -> Duration {
        self.max
    }

    fn tabel(&self) -> MutexGuard<'_, HashMap<String, Sessie>> {
        self.tabel.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn verlopen(&self, s: &Sessie, nu: Instant) -> bool {
        nu.duration_since(s.laatst) > self.inactief || nu.duration_since(s.begonnen) > self.max
    }

    /// Starts a session for a principal; returns its id, for the cookie only.
    pub fn begin(&self, p: &Principal) -> String {
        let id = new_secret();
        let nu = Instant::now();
        let mut tabel = self.tabel();
        tabel.retain(|_, s| !self.verlopen(s, nu));
        if tabel.len() >= MAX_SESSIES
            && let Some(oudste) = tabel
                .iter()
                .min_by_key(|(_, s)| s.laatst)
                .map(|(k, _)| k.clone())
        {
            tabel.remove(&oudste);
        }
        tabel.insert(
            hash_token(&id),
            Sessie {
                token_id: p.token_id.clone(),
                begonnen: nu,
                laatst: nu,
            },
        );
        id
    }

    /// The principal of a session id from a cookie, when the session and its token are
    /// both live; the request counts as use. An ended session is removed.
    pub fn principal(&self, id: &str, tokens: &Tokens) -> Option<Principal> {
        if !vorm_klopt(id) {
            return None;
        }
        let sleutel = hash_token(id);
        let nu = Instant::now();
        let token_id = {
            let mut tabel = self.tabel();
            let s = tabel.get_mut(&sleutel)?;
            if self.verlopen(s, nu) {
                tabel.remove(&sleutel);
                return None;
            }
            s.laatst = nu;
            s.token_id.clone()
        };
        let p = tokens.principal(&token_id);
        if p.is_none() {
            self.tabel().remove(&sleutel);
        }
        p
    }

    /// Ends a session (sign-out).
    pub fn beeindig(&self, id: &str) {
        if vorm_klopt(id) {
            self.tabel().remove(&hash_token(id));
        }
    }

    /// How many sessions are kept (ended ones included until they are next looked at).
    pub fn aantal(&self) -> usize {
        self.tabel().len()
    }
}

/// `host[:port]` of an origin or a `Host` header, lower case, without the scheme's
/// default port.
fn autoriteit(schema: &str, host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    let standaard = if schema == "https" { ":443" } else { ":80" };
    match host.strip_suffix(standaard) {
        Some(kort) => kort.to_owned(),
        None => host,
    }
}

/// Whether a state-changing request was sent by a page of this site itself; `Err` names
/// the header that says it was not.
pub fn zelfde_herkomst(headers: &HeaderMap, uri: &Uri) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("").trim();
        return if site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none") {
            Ok(())
        } else {
            Err("Sec-Fetch-Site")
        };
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().map_err(|_| "Origin")?.trim();
    let (schema, host) = origin.split_once("://").ok_or("Origin")?;
    let schema = schema.to_ascii_lowercase();
    if !(schema == "http" || schema == "https") || host.is_empty() || host.contains('/') {
        return Err("Origin");
    }
    let van = autoriteit(&schema, host);
    let eigen = [
        headers.get(HOST).and_then(|h| h.to_str().ok()),
        headers
            .get("x-forwarded-host")
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.split(',').next()),
        uri.authority().map(|a| a.as_str()),
    ];
    if eigen
        .into_iter()
        .flatten()
        .any(|h| autoriteit(&schema, h) == van)
    {
        Ok(())
    } else {
        Err("Origin")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use kringloop_graphql::Rol;

    fn koppen(paren: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in paren {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn herkomst() {
        let uri = Uri::from_static("/aanmelden");
        let ok = |p: &[(&'static str, &'static str)]| zelfde_herkomst(&koppen(p), &uri).is_ok();
        assert!(ok(&[]), "no browser headers: a script");
        assert!(ok(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080")
        ]));
        assert!(ok(&[
            ("host", "kl.example"),
            ("origin", "https://KL.example")
        ]));
        assert!(ok(&[
            ("host", "kl.example:443"),
            ("origin", "https://kl.example")
        ]));
        assert!(ok(&[
            ("host", "127.0.0.1:8080"),
            ("x-forwarded-host", "kl.example"),
            ("origin", "https://kl.example"),
            ("sec-fetch-site", "same-origin"),
        ]));
        assert!(ok(&[("sec-fetch-site", "none")]));
        // Under `Referrer-Policy: no-referrer` a browser sends `Origin: null` with its
        // own form; `Sec-Fetch-Site` still tells.
        assert!(ok(&[
            ("host", "kl.example"),
            ("origin", "null"),
            ("sec-fetch-site", "same-origin"),
        ]));
        assert!(!ok(&[
            ("host", "kl.example"),
            ("origin", "https://evil.example")
        ]));
        assert!(!ok(&[
            ("host", "kl.example"),
            ("origin", "https://kl.example:8443")
        ]));
        assert!(!ok(&[
            ("host", "kl.example:80"),
            ("origin", "http://kl.example.evil")
        ]));
        assert!(!ok(&[("host", "kl.example"), ("origin", "null")]));
        assert!(!ok(&[
            ("host", "kl.example"),
            ("origin", "file://kl.example")
        ]));
        assert!(!ok(&[("sec-fetch-site", "cross-site")]));
        assert!(!ok(&[("sec-fetch-site", "same-site")]));
        assert!(!ok(&[
            ("host", "kl.example"),
            ("origin", "https://kl.example"),
            ("sec-fetch-site", "cross-site"),
        ]));
        let h2 = Uri::from_static("https://kl.example/aanmelden");
        assert!(zelfde_herkomst(&koppen(&[("origin", "https://kl.example")]), &h2).is_ok());
    }

    #[test]
    fn sessies_verlopen_en_eindigen() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let tokens = Tokens::new(dir.path().join("tokens.json"));
        let (rec, _) = tokens.create(Rol::Stuurgroep, "sg")?;
        let p = tokens.principal(&rec.id).ok_or("token")?;
        let sessies = Sessies::new(Duration::from_secs(60), Duration::from_secs(600));
        let id = sessies.begin(&p);
        assert!(vorm_klopt(&id));
        assert_eq!(
            sessies.principal(&id, &tokens).map(|p| p.rol),
            Some(Rol::Stuurgroep)
        );
        assert!(sessies.principal("kl_geen_sessie", &tokens).is_none());
        assert!(sessies.principal(&new_secret(), &tokens).is_none());
        sessies.beeindig(&id);
        assert!(sessies.principal(&id, &tokens).is_none(), "signed out");

        // Idle and absolute limits.
        let kort = Sessies::new(Duration::from_millis(1), Duration::from_secs(600));
        let id = kort.begin(&p);
        std::thread::sleep(Duration::from_millis(10));
        assert!(kort.principal(&id, &tokens).is_none(), "idle too long");
        let kort = Sessies::new(Duration::from_secs(600), Duration::from_millis(1));
        let id = kort.begin(&p);
        std::thread::sleep(Duration::from_millis(10));
        assert!(kort.principal(&id, &tokens).is_none(), "too old");
        assert_eq!(kort.aantal(), 0, "ended sessions are removed");

        let id = sessies.begin(&p);
        tokens.revoke(&rec.id)?;
        assert!(sessies.principal(&id, &tokens).is_none(), "token revoked");
        assert_eq!(sessies.aantal(), 0);
        Ok(())
    }
}
