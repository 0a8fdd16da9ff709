//! The flow's two addresses, plain axum handlers: `GET /sso/{company}` sends the browser to
//! the company's provider, `GET /sso/{company}/callback` is where it comes back. A problem
//! the person can act on goes to `/login/company?error=…` (the words are fixed there).

use super::signin::{self, Ended, Returned};
use super::COMPANY_SIGN_IN_PATH;
use crate::web::session::AuthSession;
use crate::web::state::AppState;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;

pub const START_PATH: &str = "/sso/{company}";
pub const CALLBACK_PATH: &str = "/sso/{company}/callback";

#[derive(Debug, Default, serde::Deserialize)]
pub struct StartQuery {
    login_hint: Option<String>,
    next: Option<String>,
    /// Present when a signed-in person links their company sign-in from their profile.
    link: Option<String>,
}

/// Sends the browser on to the provider's sign-in page. A page that moves on by itself
/// (`meta refresh`, with a link), not a redirect: the form that led here may be a plain
/// form, and the site's `form-action 'self'` would stop a form's redirect chain at another
/// site.
pub async fn start(
    State(state): State<AppState>,
    auth: AuthSession,
    headers: HeaderMap,
    Path(company): Path<String>,
    Query(q): Query<StartQuery>,
) -> Response {
    let origin = crate::web::ctx::origin_of(&state.settings, &headers);
    match signin::start(
        &state,
        &auth,
        &origin,
        &company,
        q.login_hint.as_deref(),
        q.next.as_deref(),
        q.link.is_some(),
    )
    .await
    {
        Ok(url) => onward(&url),
        Err(ended) => problem(ended),
    }
}

pub async fn callback(
    State(state): State<AppState>,
    mut auth: AuthSession,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(company): Path<String>,
    Query(returned): Query<Returned>,
) -> Response {
    let ip = crate::web::ctx::client_of(peer.ip(), &headers, &state.settings.trusted_proxies);
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let browser = crate::features::auth::activity::browser_label(agent);
    let origin = crate::web::ctx::origin_of(&state.settings, &headers);
    match signin::finish(
        &state,
        &mut auth,
        &origin,
        &company,
        returned,
        Some(ip),
        &browser,
    )
    .await
    {
        Ok(next) => Redirect::to(&next).into_response(),
        Err(ended) => problem(ended),
    }
}

fn problem(ended: Ended) -> Response {
    match ended {
        Ended::Problem(p) => {
            Redirect::to(&format!("{COMPANY_SIGN_IN_PATH}?error={}", p.code())).into_response()
        }
        Ended::Fault(e) => e.into_response(),
    }
}

fn onward(url: &str) -> Response {
    let shown = html_escape::encode_double_quoted_attribute(url);
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"0; url={shown}\">\
         <title>Signing in with your company</title></head>\
         <body style=\"font-family: system-ui, sans-serif; margin: 3rem auto; max-width: 32rem; padding: 0 1rem\">\
         <h1 style=\"font-size: 1.4rem\">Taking you to your company's sign-in…</h1>\
         <p><a href=\"{shown}\">Continue to your company's sign-in page</a> if nothing happens.</p>\
         </body></html>"
    );
    let mut res = (StatusCode::OK, page).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
