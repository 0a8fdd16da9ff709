//! What a server function needs from its request: the app state, the session, the caller.
//! Every server function starts here, so authentication is never skipped.

use crate::error::AppError;
use crate::web::session::{AuthSession, SessionUser};
use crate::web::state::AppState;
use leptos::prelude::{use_context, with_context};

/// Reads the request's head in place: `use_context::<Parts>()` would clone its headers and
/// extensions for every call, and a page makes several.
fn with_parts<T>(read: impl FnOnce(&http::request::Parts) -> T) -> Option<T> {
    with_context::<http::request::Parts, _>(read)
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState is missing from the server function context");
        AppError::Internal
    })
}

/// The request's session, as axum-login's layer put it in the request's extensions (taken
/// from there directly: `leptos_axum::extract` would clone the whole request head first).
pub async fn auth_session() -> Result<AuthSession, AppError> {
    with_parts(|parts| parts.extensions.get::<AuthSession>().cloned())
        .flatten()
        .ok_or_else(|| {
            tracing::error!("no auth session on the request");
            AppError::Internal
        })
}

/// How a server function for signed-in people starts: the app state and the caller, or 401.
pub async fn signed_in() -> Result<(AppState, SessionUser), AppError> {
    Ok((state()?, require_user().await?))
}

/// How an administrators' server function starts: the app state and the caller if they
/// administer their company; 401 or 403 otherwise.
pub async fn signed_in_admin() -> Result<(AppState, SessionUser), AppError> {
    Ok((state()?, require_admin().await?))
}

/// The signed-in caller, or 401.
pub async fn require_user() -> Result<SessionUser, AppError> {
    auth_session()
        .await?
        .user
        .ok_or_else(AppError::unauthorized)
}

/// The signed-in caller if they administer their tenant; 401 or 403 otherwise.
pub async fn require_admin() -> Result<SessionUser, AppError> {
    admin_only(require_user().await?)
}

/// `person` if they administer their tenant; 403 otherwise (the pages and the JSON API).
pub fn admin_only(person: SessionUser) -> Result<SessionUser, AppError> {
    if person.is_admin() {
        Ok(person)
    } else {
        Err(AppError::Forbidden(format!(
            "Only administrators of {} can do this.",
            person.tenant.name
        )))
    }
}

/// The caller's IP address, for throttling: the TCP peer, or, when the peer is one of
/// the trusted proxies (`DIGAME_TRUSTED_PROXIES`), the address it forwarded for.
pub async fn client_ip() -> Option<std::net::IpAddr> {
    let state = use_context::<AppState>()?;
    with_parts(|parts| {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()?
            .0
            .ip();
        Some(client_of(
            peer,
            &parts.headers,
            &state.settings.trusted_proxies,
        ))
    })
    .flatten()
}

/// The client behind `peer`, from the request's `X-Forwarded-For` headers (see
/// [`client_address`]).
pub fn client_of(
    peer: std::net::IpAddr,
    headers: &http::HeaderMap,
    trusted: &[crate::config::IpRange],
) -> std::net::IpAddr {
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    client_address(peer, Some(&forwarded), trusted)
}

/// The request's `User-Agent`, or empty.
pub fn user_agent() -> String {
    with_parts(|parts| {
        parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
    .flatten()
    .unwrap_or_default()
}

/// The token of an `Authorization: Bearer <token>` header, if the request has one.
pub fn bearer_token(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The client behind a chain of proxies: starting from the TCP peer, each trusted proxy's
/// word is taken for the address before it (`X-Forwarded-For` lists them left to right);
/// the first address that is not a trusted proxy is the client. A peer that is not trusted
/// is the client, whatever the header says (anyone can send it).
pub fn client_address(
    peer: std::net::IpAddr,
    forwarded_for: Option<&str>,
    trusted: &[crate::config::IpRange],
) -> std::net::IpAddr {
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.unwrap_or_default().rsplit(',') {
        let Ok(ip) = hop.trim().parse::<std::net::IpAddr>() else {
            // An unreadable entry: stop at the last address known to be true.
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// Whether this request is a plain HTML form post (no JavaScript): it accepts HTML.
fn is_plain_form() -> bool {
    with_parts(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
    .unwrap_or(false)
}

/// Redirects a plain HTML form post (no JavaScript) to `path`. Hydrated callers get the
/// target in the response instead and load it fully, so no stale signed-in state survives.
pub fn redirect_plain_form(path: &str) {
    if is_plain_form() {
        leptos_axum::redirect(path);
    }
}

/// For a plain form post (no JavaScript) whose answer holds a secret to show once (an
/// invitation link): keeps `secret` in the session sealed under the master key (never in
/// clear at rest) as `key`, and sends the browser to `path`, whose page takes it with
/// [`take_shown_once`].
pub async fn show_once_after_redirect(
    keyring: &crate::crypto::keyring::Keyring,
    key: &str,
    secret: &str,
    path: &str,
) {
    if !is_plain_form() {
        return;
    }
    let Ok(auth) = auth_session().await else {
        return;
    };
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let sealed = keyring.seal(
        &secrecy::SecretString::from(secret.to_owned()),
        &once_aad(key),
    );
    let kept = serde_json::json!({
        "ciphertext": b64.encode(&sealed.ciphertext),
        "nonce": b64.encode(&sealed.nonce),
        "key_version": sealed.key_version,
    });
    match auth.session.insert(&format!("once:{key}"), kept).await {
        Ok(()) => leptos_axum::redirect(path),
        Err(e) => tracing::error!(error = %e, "cannot keep a secret to show once"),
    }
}

fn once_aad(key: &str) -> String {
    format!("digame: shown once: {key}")
}

/// The secret kept by [`show_once_after_redirect`], removed from the session as it is read.
pub async fn take_shown_once(
    keyring: &crate::crypto::keyring::Keyring,
    key: &str,
) -> Result<Option<String>, AppError> {
    use base64::Engine as _;
    use secrecy::ExposeSecret as _;
    let auth = auth_session().await?;
    let kept: Option<serde_json::Value> = auth
        .session
        .remove(&format!("once:{key}"))
        .await
        .map_err(|_| AppError::Internal)?;
    let Some(kept) = kept else {
        return Ok(None);
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let field = |name: &str| {
        kept.get(name)
            .and_then(serde_json::Value::as_str)
            .and_then(|s| b64.decode(s).ok())
    };
    let sealed = crate::crypto::keyring::Sealed {
        ciphertext: field("ciphertext").unwrap_or_default(),
        nonce: field("nonce").unwrap_or_default(),
        key_version: kept
            .get("key_version")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or_default() as i32,
    };
    Ok(keyring
        .open(&sealed, &once_aad(key))
        .ok()
        .map(|s| s.expose_secret().to_owned()))
}

/// This site's origin for links that people copy elsewhere: `DIGAME_PUBLIC_URL` (required in
/// production), never the request's `Host` when it is set. Only in development without it
/// does the request's host stand in.
pub fn public_origin() -> String {
    let Some(state) = use_context::<AppState>() else {
        return "http://127.0.0.1:3000".to_owned();
    };
    with_parts(|parts| origin_of(&state.settings, &parts.headers))
        .unwrap_or_else(|| origin_of(&state.settings, &http::HeaderMap::new()))
}

/// [`public_origin`] for handlers outside Leptos: from the settings and the request headers.
pub fn origin_of(settings: &crate::config::Settings, headers: &http::HeaderMap) -> String {
    if let Some(url) = &settings.public_url {
        return url.clone();
    }
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:3000");
    let scheme = if settings.is_production() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use crate::config::IpRange;
    use crate::web::ctx::client_address;

    #[test]
    fn bearer_tokens_are_read_from_the_authorization_header_only() {
        use crate::web::ctx::bearer_token;
        let with = |v: &str| {
            let mut h = http::HeaderMap::new();
            h.insert(http::header::AUTHORIZATION, v.parse().unwrap());
            h
        };
        assert_eq!(bearer_token(&with("Bearer dga_x")), Some("dga_x"));
        assert_eq!(bearer_token(&with("bearer dga_x ")), Some("dga_x"));
        assert_eq!(bearer_token(&with("Basic abc")), None);
        assert_eq!(bearer_token(&http::HeaderMap::new()), None);
    }

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let trusted = [IpRange::parse("10.0.0.0/8").unwrap()];
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        // Straight from the internet: the header is ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), Some("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
        // Through one proxy.
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // A forged entry on the left is not believed: the proxy appended the real one.
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("6.6.6.6, 198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // Two proxies.
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("198.51.100.7, 10.0.0.3"), &trusted),
            ip("198.51.100.7")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.2"), None, &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("not-an-ip"), &trusted),
            ip("10.0.0.2")
        );
        // No trusted proxies configured: always the peer.
        assert_eq!(
            client_address(ip("10.0.0.2"), Some("1.2.3.4"), &[]),
            ip("10.0.0.2")
        );
    }
}
