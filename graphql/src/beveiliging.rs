//! Security headers of the HTML pages: the dashboard's and GraphiQL's, set by one layer.
//!
//! [`laag`] adds to every response of the routes it wraps, unless the handler set them
//! itself:
//! - `Content-Security-Policy`: the page kind's own policy, always with
//!   `frame-ancestors 'none'` (no framing, so no clickjacking) and `base-uri 'none'`;
//! - `X-Content-Type-Options: nosniff`;
//! - `Referrer-Policy: same-origin`: no `Referer` leaves the site, and a browser's POST
//!   keeps its `Origin` (under `no-referrer` it sends `Origin: null`, which the
//!   dashboard's check of sign-in and sign-out cannot tell from another site's);
//! - `X-Frame-Options: DENY`, for browsers that do not know `frame-ancestors`.
//!
//! The dashboard wraps its whole router in it (policy: nothing but its own stylesheet
//! and icon). GraphiQL at `GET /graphql` and its files under `/graphql/assets/…` get the
//! policy of [`crate::graphiql::CSP`] through [`graphiql`]: the page loads React,
//! GraphiQL and its stylesheet from the binary, so scripts, styles and connections are
//! `'self'` only (connections: the API and, in browsers that implement CSP level 3, its
//! WebSocket), with no inline script or style and no CDN to trust.

use std::future::Ready;
use std::sync::LazyLock;

use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::middleware::MapResponseLayer;
use axum::response::Response;
use sha2::{Digest, Sha256};

/// The policy a [`laag`] sets.
#[derive(Debug, Clone)]
pub struct Beveiligingskoppen {
    csp: HeaderValue,
}

/// The layer that sets the security headers (see the module documentation).
pub type Beveiligingslaag = MapResponseLayer<
    fn(State<Beveiligingskoppen>, Response) -> Ready<Response>,
    Beveiligingskoppen,
    (State<Beveiligingskoppen>,),
>;

/// The security headers with this Content-Security-Policy, as a layer for a router or a
/// handler.
pub fn laag(csp: HeaderValue) -> Beveiligingslaag {
    axum::middleware::map_response_with_state(
        Beveiligingskoppen { csp },
        set_headers as fn(State<Beveiligingskoppen>, Response) -> Ready<Response>,
    )
}

fn set_headers(State(k): State<Beveiligingskoppen>, mut r: Response) -> Ready<Response> {
    let h = r.headers_mut();
    for (naam, waarde) in [
        (CONTENT_SECURITY_POLICY, k.csp),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (REFERRER_POLICY, HeaderValue::from_static("same-origin")),
        (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ] {
        h.entry(naam).or_insert(waarde);
    }
    std::future::ready(r)
}

/// The GraphiQL page and its Content-Security-Policy.
#[derive(Debug)]
pub struct GraphiQL {
    pub html: String,
    pub csp: HeaderValue,
}

/// The GraphiQL page of `GET /graphql` and its policy ([`crate::graphiql`]), built once.
pub fn graphiql() -> &'static GraphiQL {
    static PAGINA: LazyLock<GraphiQL> = LazyLock::new(|| GraphiQL {
        html: crate::graphiql::pagina().to_owned(),
        csp: HeaderValue::from_static(crate::graphiql::CSP),
    });
    &PAGINA
}

/// The text of the first `<script>` element without attributes.
pub fn inline_script(html: &str) -> Option<&str> {
    let begin = html.find("<script>")? + "<script>".len();
    let lengte = html[begin..].find("</script>")?;
    Some(&html[begin..begin + lengte])
}

/// A CSP source expression for an inline script: `sha256-` and the base64 of its hash.
pub fn csp_hash(script: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(script.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const ALFABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut uit = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for stuk in bytes.chunks(3) {
        let n = stuk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= stuk.len() {
                uit.push(char::from(ALFABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                uit.push('=');
            }
        }
    }
    uit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_as_browsers_do() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(
            csp_hash(""),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            csp_hash("abc"),
            "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn graphiql_policy_is_self_only() {
        let g = graphiql();
        let csp = g.csp.to_str().unwrap_or_default();
        assert!(inline_script(&g.html).is_none(), "no inline script");
        for richtlijn in ["script-src", "style-src", "connect-src"] {
            let waarde = csp
                .split(';')
                .map(str::trim)
                .find(|d| d.starts_with(richtlijn))
                .unwrap_or_default();
            assert_eq!(waarde, format!("{richtlijn} 'self'"), "{csp}");
        }
        assert!(!csp.contains("http"), "no other origin: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!g.html.contains(r#"content="origin""#));
    }
}
