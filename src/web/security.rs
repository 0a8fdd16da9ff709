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
    let bearer = crate::web::ctx::bearer_token(req.headers()).is_some();
    let path = req.uri().path();
    if bearer && (path.starts_with("/api/v1/") || path.starts_with("/scim/v2/")) {
        return next.run(req).await;
    }
    let public_url = req
        .extensions()
        .get::<crate::web::state::AppState>()
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

/// The query names a failed plain-form post's error travels under (leptos_axum writes
/// `__path` and `__err` into the redirect; the router reads them back from the page's
/// address). `__sig` was this server's earlier signature of them.
const FORM_ERROR_NAMES: [&str; 3] = ["__err", "__path", "__sig"];

/// Where the error of a failed plain-form post waits for its page.
const FORM_ERROR_KEY: &str = "form_error";

/// How long a kept form error waits for its page to be loaded.
const FORM_ERROR_TTL_SECS: i64 = 120;

/// The error of a failed plain-form post, kept in the session for the page it returns to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct FormError {
    page: String,
    path: String,
    err: String,
    at: i64,
}

/// `query` without any pair whose *decoded* name is one of [`FORM_ERROR_NAMES`], however it
/// was encoded (`%5F%5Ferr`, `_%5Ferr`) or repeated; `None` when nothing had to go.
fn without_form_error_names(query: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !pairs
        .iter()
        .any(|(k, _)| FORM_ERROR_NAMES.contains(&k.as_str()))
    {
        return None;
    }
    let mut kept = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs
        .iter()
        .filter(|(k, _)| !FORM_ERROR_NAMES.contains(&k.as_str()))
    {
        kept.append_pair(k, v);
    }
    Some(kept.finish())
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// Splits a redirect's `Location` carrying a form error into the location without it and
/// the error (`None` when it carries none).
fn take_form_error(location: &str) -> Option<(String, FormError)> {
    let absolute = url::Url::parse(location).is_ok();
    let mut url = url::Url::parse(location)
        .or_else(|_| url::Url::parse("http://local.invalid").and_then(|b| b.join(location)))
        .ok()?;
    let query = url.query()?.to_owned();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let value = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let err = value("__err")?;
    let path = value("__path").unwrap_or_default();
    let rest = without_form_error_names(&query).unwrap_or(query);
    url.set_query((!rest.is_empty()).then_some(rest.as_str()));
    let page = url.path().to_owned();
    let cleaned = if absolute {
        url.to_string()
    } else {
        with_query(url.path(), url.query().unwrap_or_default())
    };
    let at = chrono::Utc::now().timestamp();
    Some((
        cleaned,
        FormError {
            page,
            path,
            err,
            at,
        },
    ))
}

/// Carries a failed plain-form post's error (no JavaScript) to its page in the session,
/// shown once, instead of in the page's address, where anyone could write one into a link.
///
/// On the way in, every form-error name is dropped from a request's query, however it is
/// encoded or repeated; a page loaded right after the failed post gets the kept error put
/// back for the router to read, and the session forgets it. On the way out, the error that
/// leptos_axum writes into a failed post's redirect moves into the session.
pub async fn form_error_flash(mut req: Request, next: Next) -> Response {
    let session = req.extensions().get::<tower_sessions::Session>().cloned();
    let path = req.uri().path().to_owned();
    let mut query = req.uri().query().unwrap_or_default().to_owned();
    let mut rewrite = false;
    if let Some(cleaned) = without_form_error_names(&query) {
        query = cleaned;
        rewrite = true;
    }
    if let (Some(session), &Method::GET) = (&session, req.method()) {
        let kept: Option<FormError> = session.get(FORM_ERROR_KEY).await.ok().flatten();
        if let Some(kept) = kept.filter(|k| k.page == path) {
            if let Err(e) = session.remove::<FormError>(FORM_ERROR_KEY).await {
                tracing::warn!(error = %e, "could not forget a shown form error");
            }
            if chrono::Utc::now().timestamp() - kept.at <= FORM_ERROR_TTL_SECS {
                let mut q = url::form_urlencoded::Serializer::new(query);
                q.append_pair("__path", &kept.path)
                    .append_pair("__err", &kept.err);
                query = q.finish();
                rewrite = true;
            }
        }
    }
    if rewrite {
        if let Ok(uri) = with_query(&path, &query).parse() {
            *req.uri_mut() = uri;
        }
    }
    let mut res = next.run(req).await;
    let taken = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(take_form_error);
    if let Some((location, error)) = taken {
        if let Some(session) = &session {
            if let Err(e) = session.insert(FORM_ERROR_KEY, error).await {
                tracing::warn!(error = %e, "could not keep a form error for its page");
            }
        }
        if let Ok(value) = HeaderValue::from_str(&location) {
            res.headers_mut().insert(header::LOCATION, value);
        }
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
        .get::<crate::web::state::AppState>()
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
    axum::extract::State(state): axum::extract::State<crate::web::state::AppState>,
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
