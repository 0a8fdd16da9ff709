//! The security baseline applied to every response: CSRF refusal of cross-site writes,
//! security headers, a per-page CSP nonce, and cache headers.

use crate::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderName, HeaderValue};
use http::Method;

/// Refuses state-changing requests that a browser marks as coming from another site.
///
/// Browsers send `Sec-Fetch-Site` and/or `Origin` on every POST; clients that send neither
/// (curl, server-to-server JSON) carry no ambient browser cookies to abuse, so they pass.
pub async fn csrf_guard(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // A bearer token is no ambient credential: a page on another site cannot make a
    // browser send one, so such a request cannot be forged across sites.
    let bearer = crate::server::ctx::bearer_token(req.headers()).is_some();
    if bearer && req.uri().path().starts_with("/api/v1/") {
        return next.run(req).await;
    }
    let public_url = req
        .extensions()
        .get::<crate::server::state::AppState>()
        .and_then(|s| s.settings.public_url.clone());
    if let Err(reason) = check_same_origin(req.headers(), public_url.as_deref()) {
        tracing::warn!(path = %req.uri().path(), reason, "refused a cross-site request");
        return AppError::Forbidden(
            "This request came from another site and was refused. Reload the page and try again."
                .into(),
        )
        .into_response();
    }
    next.run(req).await
}

/// Keeps every redirect on this site. leptos_axum answers a failed plain-form post with a
/// redirect to the request's `Referer`, whatever site that names; the app itself never sends
/// anyone elsewhere, so an absolute `Location` keeps only its path and query.
pub async fn same_site_redirects(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let rewritten = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(same_site_location);
    if let Some(value) = rewritten.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LOCATION, value);
    }
    res
}

/// HMAC-SHA-256 of `message` under `key`.
fn hmac_sha256(key: &[u8; 32], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The signature of an error carried in a redirect's address (`__err`), so that the page
/// shows only errors this server produced (accounts issue, finding 10). Keyed from the
/// master key, so every replica agrees.
pub fn error_signature(master: &crate::config::MasterKey, err: &str) -> String {
    use base64::Engine as _;
    let key = hmac_sha256(&master.0, b"digame: signed __err");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hmac_sha256(&key, err.as_bytes()))
}

fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
}

/// Signs the error a failed plain-form post carries back to its page, and drops an error
/// from a page address that this server did not sign (anyone can put text in a link).
pub async fn signed_form_errors(
    axum::extract::State(state): axum::extract::State<crate::server::state::AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let master = &state.settings.master_key;
    if let Some(query) = req.uri().query().filter(|q| q.contains("__err=")) {
        let valid = match (query_value(query, "__err"), query_value(query, "__sig")) {
            (Some(err), Some(sig)) => error_signature(master, err) == sig,
            _ => false,
        };
        let kept: Vec<&str> = query
            .split('&')
            .filter(|p| {
                let name = p.split('=').next().unwrap_or_default();
                name != "__sig" && (valid || (name != "__err" && name != "__path"))
            })
            .collect();
        let path = req.uri().path().to_owned();
        let uri = if kept.is_empty() {
            path
        } else {
            format!("{path}?{}", kept.join("&"))
        };
        if let Ok(uri) = uri.parse() {
            *req.uri_mut() = uri;
        }
    }
    let mut res = next.run(req).await;
    let signed = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .filter(|l| !l.contains("__sig="))
        .and_then(|l| {
            let query = l.split_once('?')?.1;
            let err = query_value(query, "__err")?;
            Some(format!("{l}&__sig={}", error_signature(master, err)))
        });
    if let Some(value) = signed.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LOCATION, value);
    }
    res
}

/// `Some(relative)` when `location` is absolute (`scheme://…` or `//…`): its path and query
/// on this site. `None` when it is already a relative path.
fn same_site_location(location: &str) -> Option<String> {
    let after_authority = if let Some(rest) = location.strip_prefix("//") {
        rest
    } else {
        let (scheme, rest) = location.split_once("://")?;
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return None;
        }
        rest
    };
    let path = after_authority
        .find(['/', '?'])
        .map_or("", |i| &after_authority[i..]);
    let path = path.trim_start_matches(['/', '\\']);
    Some(format!("/{path}"))
}

/// With `public_url` set, a browser's `Origin` must be exactly that origin (scheme, host and
/// port); without it (development), its host must match the request's `Host`.
fn check_same_origin(
    headers: &http::HeaderMap,
    public_url: Option<&str>,
) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err("sec-fetch-site is not same-origin"),
        };
    }
    let mut origins = headers.get_all(header::ORIGIN).iter();
    let Some(origin) = origins.next() else {
        return Ok(());
    };
    if origins.next().is_some() {
        return Err("more than one origin header");
    }
    let origin = origin.to_str().map_err(|_| "unreadable origin")?;
    if let Some(public) = public_url {
        return if origin.eq_ignore_ascii_case(public) {
            Ok(())
        } else {
            Err("origin is not the site's public url")
        };
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .ok_or("origin without host")?;
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or("origin is not http(s)")?;
    if origin_host.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        Err("origin does not match host")
    }
}

/// The CSP for rendered pages: scripts only from this site or with this response's nonce.
/// The shell renders no live-reload script, so no development socket is allowed either:
/// development and production send the same policy.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// For responses that are not pages (JSON, files): nothing may run.
const STRICT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security and cache headers to every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let production = req
        .extensions()
        .get::<crate::server::state::AppState>()
        .is_some_and(|s| s.settings.is_production());
    let mut res = next.run(req).await;
    let status = res.status();
    let headers = res.headers_mut();
    let set = |headers: &mut http::HeaderMap, name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(headers, header::CONTENT_SECURITY_POLICY, STRICT_CSP);
    if production {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let cache = cache_policy(&path, status, is_html);
    set(headers, header::CACHE_CONTROL, cache);
    res
}

/// Pages, data and redirects carry or depend on the signed-in person: never stored.
/// Build output whose name carries its content hash never changes: kept for a year. Other
/// build output (the lazily loaded chunks) is revalidated; other site files kept a day.
fn cache_policy(path: &str, status: http::StatusCode, is_html: bool) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or_default();
    let is_file = name.contains('.');
    if !status.is_success() || is_html || !is_file || path.starts_with("/api/") {
        "no-store"
    } else if path.starts_with("/pkg/") && has_content_hash(name) {
        "public, max-age=31536000, immutable"
    } else if path.starts_with("/pkg/") {
        "no-cache"
    } else {
        "public, max-age=86400"
    }
}

/// `digame.<hash>.wasm`: cargo-leptos's content hash, a middle part of 16 or more URL-safe
/// characters, not all underscores (the split loader's placeholder name).
fn has_content_hash(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|p| {
            p.len() >= 16
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && !p.chars().all(|c| c == '_')
        })
}

/// Makes the application state visible to middleware that runs outside the router's state.
pub async fn provide_state(
    axum::extract::State(state): axum::extract::State<crate::server::state::AppState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    req.extensions_mut().insert(state);
    next.run(req).await.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        map
    }

    #[test]
    fn same_origin_requests_pass() {
        assert!(check_same_origin(&headers(&[("sec-fetch-site", "same-origin")]), None).is_ok());
        assert!(check_same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            None
        )
        .is_ok());
        // Non-browser clients send neither header.
        assert!(check_same_origin(&headers(&[]), None).is_ok());
    }

    #[test]
    fn cross_site_requests_are_refused() {
        assert!(check_same_origin(&headers(&[("sec-fetch-site", "cross-site")]), None).is_err());
        assert!(check_same_origin(&headers(&[("sec-fetch-site", "same-site")]), None).is_err());
        assert!(check_same_origin(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            None
        )
        .is_err());
        assert!(check_same_origin(
            &headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
            None
        )
        .is_err());
    }

    #[test]
    fn with_a_public_url_the_origin_must_be_exactly_it() {
        let public = Some("https://digame.example.com");
        let h = |origin: &str| headers(&[("origin", origin), ("host", "digame.example.com")]);
        assert!(check_same_origin(&h("https://digame.example.com"), public).is_ok());
        assert!(
            check_same_origin(&h("http://digame.example.com"), public).is_err(),
            "scheme"
        );
        assert!(check_same_origin(&h("https://digame.example.com:8443"), public).is_err());
        // A forged Host does not make a foreign origin acceptable.
        let forged = headers(&[("origin", "https://evil.example"), ("host", "evil.example")]);
        assert!(check_same_origin(&forged, public).is_err());
        assert!(
            check_same_origin(&forged, None).is_ok(),
            "development compares with Host"
        );
    }

    #[test]
    fn absolute_redirects_stay_on_this_site() {
        assert_eq!(
            same_site_location("https://evil.example/login?x=1&__err=abc").as_deref(),
            Some("/login?x=1&__err=abc")
        );
        assert_eq!(same_site_location("//evil.example").as_deref(), Some("/"));
        assert_eq!(
            same_site_location("https://evil.example//other.example/x").as_deref(),
            Some("/other.example/x")
        );
        assert_eq!(
            same_site_location("http://127.0.0.1:3000?a=1").as_deref(),
            Some("/?a=1")
        );
        assert_eq!(same_site_location("/settings/security"), None);
        assert_eq!(same_site_location("/login?next=https://x"), None);
    }

    #[test]
    fn two_origin_headers_are_refused() {
        let mut h = headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(check_same_origin(&h, None).is_ok());
        h.append(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(check_same_origin(&h, None).is_err());
    }

    #[test]
    fn only_files_are_cached() {
        use http::StatusCode as S;
        assert_eq!(cache_policy("/pkg/digame.wasm", S::OK, false), "no-cache");
        assert_eq!(
            cache_policy("/pkg/digame.Zc22viKQHahcNE1ieGNn2y.wasm", S::OK, false),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            cache_policy("/pkg/__wasm_split.______________________.js", S::OK, false),
            "no-cache"
        );
        assert_eq!(
            cache_policy(
                "/pkg/split___api_keys_route_view_1554425557.wasm",
                S::OK,
                false
            ),
            "no-cache"
        );
        assert_eq!(
            cache_policy("/favicon.svg", S::OK, false),
            "public, max-age=86400"
        );
        assert_eq!(cache_policy("/", S::OK, true), "no-store");
        assert_eq!(cache_policy("/health", S::OK, false), "no-store");
        // A redirect must never be cached: it depends on who is signed in.
        assert_eq!(
            cache_policy("/settings/security", S::SEE_OTHER, false),
            "no-store"
        );
        assert_eq!(cache_policy("/nope.png", S::NOT_FOUND, true), "no-store");
    }

    #[test]
    fn page_csp_carries_the_nonce_and_allows_wasm() {
        let csp = page_csp("abc123");
        assert!(csp.contains("'nonce-abc123'"));
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(!csp.contains("ws://"));
    }
}
