//! The JSON API's rate limit: `DIGAME_API_REQUESTS_PER_MINUTE` requests per caller (per bearer
//! token, else per signed-in person, else per client address) in fixed one-minute windows,
//! with `X-RateLimit-Limit/Remaining/Reset` on every answer and a 429 with `Retry-After` beyond
//! it. Counted in this process: with several replicas each counts its own share (the README
//! says so); the AI routes' own per-person minute window (shared through the database) keeps
//! its headers.

use crate::error::AppError;
use crate::features::auth::backend::AuthSession;
use crate::server::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Instant;

/// Who is asking, for counting: never the token itself.
fn caller_key(req: &Request) -> String {
    if let Some(token) = crate::server::ctx::bearer_token(req.headers()) {
        return format!("token:{}", crate::util::sha256_hex(token.trim()));
    }
    if let Some(id) = req
        .extensions()
        .get::<AuthSession>()
        .and_then(|a| a.user.as_ref())
        .map(|u| u.user.id)
    {
        return format!("user:{id}");
    }
    let state = req.extensions().get::<AppState>();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    match (peer, state) {
        (Some(peer), Some(state)) => {
            let ip =
                crate::server::ctx::client_of(peer, req.headers(), &state.settings.trusted_proxies);
            crate::features::auth::throttle::address_key("api", ip)
        }
        _ => "unknown".to_owned(),
    }
}

pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.settings.api_requests_per_minute;
    let verdict = state
        .api_limiter
        .count(&caller_key(&req), limit, Instant::now());
    let mut res = if verdict.allowed {
        next.run(req).await
    } else {
        AppError::RateLimited {
            message: format!(
                "You have made {limit} API requests in the last minute, the most allowed. Try again in {} s.",
                verdict.reset_secs
            ),
            retry_after_secs: verdict.reset_secs as i64,
        }
        .into_response()
    };
    for (name, value) in [
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", verdict.remaining.to_string()),
        ("x-ratelimit-reset", verdict.reset_secs.to_string()),
    ] {
        let name = HeaderName::from_static(name);
        // The AI routes' own per-minute window, when they set it, is the one that matters.
        if !res.headers().contains_key(&name) {
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().insert(name, v);
            }
        }
    }
    res
}
