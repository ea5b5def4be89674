//! GraphiQL without a CDN: the page of `GET /graphql` and the files it loads, served from
//! the binary under `/graphql/assets/…`.
//!
//! async-graphql's own GraphiQL page loads React, GraphiQL and its stylesheet from
//! `https://unpkg.com`, which leaves it blank on a network without internet access (a
//! municipality's, often). This page loads the same libraries from
//! `graphql/static/graphiql/` (their versions, licences and hashes are in the README
//! there), embedded with `include_bytes!`, so it needs nothing but the server and its
//! policy can be `'self'` for scripts and styles: no inline script, no inline style, no
//! other origin ([`CSP`]).
//!
//! The vendor files carry their version in their name and are cached for a year
//! (`immutable`); kringloop's own start script and stylesheet are referenced with a hash of
//! their content in the query string, so a new build is fetched anew.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Where the files are served: `/graphql/assets/<name>`.
pub const ASSETS_PREFIX: &str = "/graphql/assets/";

/// The page's Content-Security-Policy: its scripts, styles and connections from its own
/// origin only; fonts and icons also as `data:` (GraphiQL's stylesheet inlines its fonts).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     font-src 'self' data:; img-src 'self' data:; connect-src 'self'; \
     form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// `Cache-Control` of every asset: a year, never revalidated (see the module docs).
pub const CACHE: &str = "public, max-age=31536000, immutable";

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// The name under [`ASSETS_PREFIX`].
    pub naam: &'static str,
    /// Its `Content-Type`.
    pub soort: &'static str,
    /// Its bytes.
    pub inhoud: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! asset {
    ($naam:literal, $soort:expr) => {
        Asset {
            naam: $naam,
            soort: $soort,
            inhoud: include_bytes!(concat!("../static/graphiql/", $naam)),
        }
    };
}

/// Every file the page loads, in the order it loads them.
pub const ASSETS: &[Asset] = &[
    asset!("graphiql-4.1.2.min.css", CSS),
    asset!("kringloop-graphiql.css", CSS),
    asset!("react-18.3.1.production.min.js", JS),
    asset!("react-dom-18.3.1.production.min.js", JS),
    asset!("graphiql-4.1.2.min.js", JS),
    asset!("kringloop-graphiql.js", JS),
];

/// The embedded file with this name.
pub fn asset(naam: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.naam == naam)
}

/// The URL the page uses for a file: kringloop's own with `?v=` and a content hash.
fn url(a: &Asset) -> String {
    if a.naam.starts_with("kringloop-") {
        let hash = Sha256::digest(a.inhoud);
        format!("{ASSETS_PREFIX}{}?v={}", a.naam, hex::encode(&hash[..6]))
    } else {
        format!("{ASSETS_PREFIX}{}", a.naam)
    }
}

/// The HTML of `GET /graphql`.
pub fn pagina() -> &'static str {
    static PAGINA: LazyLock<String> = LazyLock::new(|| {
        let mut head = String::new();
        let mut body = String::new();
        for a in ASSETS {
            if a.soort == CSS {
                head.push_str(&format!(
                    "    <link rel=\"stylesheet\" href=\"{}\">\n",
                    url(a)
                ));
            } else if a.naam.starts_with("react") {
                head.push_str(&format!("    <script src=\"{}\"></script>\n", url(a)));
            } else {
                body.push_str(&format!("    <script src=\"{}\"></script>\n", url(a)));
            }
        }
        format!(
            "<!DOCTYPE html>\n<html lang=\"nl\">\n  <head>\n    <meta charset=\"utf-8\">\n    \
             <meta name=\"robots\" content=\"noindex\">\n    \
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n    \
             <meta name=\"referrer\" content=\"same-origin\">\n    \
             <title>kringloop · GraphiQL</title>\n    \
             <link rel=\"icon\" href=\"data:,\">\n{head}  </head>\n  <body>\n    \
             <div id=\"graphiql\">GraphiQL wordt geladen…</div>\n{body}  </body>\n</html>\n"
        )
    });
    &PAGINA
}

/// `GET /graphql/assets/{naam}`: the file with its type and [`CACHE`], else 404.
pub async fn serve_asset(Path(naam): Path<String>) -> Response {
    match asset(&naam) {
        Some(a) => (
            [
                (CONTENT_TYPE, HeaderValue::from_static(a.soort)),
                (CACHE_CONTROL, HeaderValue::from_static(CACHE)),
            ],
            a.inhoud,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page names each asset once and no other host.
    #[test]
    fn page_loads_every_asset_from_its_own_origin() {
        let p = pagina();
        for a in ASSETS {
            assert_eq!(p.matches(&url(a)).count(), 1, "{}", a.naam);
        }
        assert!(!p.contains("://"), "{p}");
        assert!(!p.contains("<script>"), "no inline script: {p}");
        assert!(!p.contains("<style"), "no inline style: {p}");
    }

    #[test]
    fn vendor_files_are_the_minified_builds() {
        for a in ASSETS {
            assert!(!a.inhoud.is_empty(), "{}", a.naam);
        }
        let react = asset("react-18.3.1.production.min.js").map(|a| a.inhoud.len());
        assert!(react.is_some_and(|n| n < 20_000), "the production build");
        assert!(asset("../Cargo.toml").is_none());
    }
}
