//! The JSON API's rate limit: `DIGAME_API_REQUESTS_PER_MINUTE` requests per caller (per bearer
//! token, else per signed-in person, else per client address) in fixed one-minute windows,
//! with `X-RateLimit-Limit/Remaining/Reset` on every answer and a 429 with `Retry-After` beyond
//! it. Counted in this process: with several replicas each counts its own share (the README
//! says so); the AI routes' own per-person minute window (shared through the database) keeps
//! its headers.

use crate::error::AppError;
use crate::web::session::AuthSession;
use crate::web::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Instant;

/// The owner of the request's bearer token, verified once by the rate limit and kept in
/// the request for [`super::extract::ApiCaller`], so a route does not read the token again.
#[derive(Clone)]
pub struct BearerCaller(pub Result<crate::person::SessionUser, AppError>);

/// What the request's bearer token grants, when it verified.
#[derive(Clone, Copy)]
pub struct BearerGrant(pub crate::features::tokens::Grant);

/// Who is asking, for counting: the verified owner of a bearer token, else the signed-in
/// person, else the client's address. A token that does not verify counts against the
/// address it came from (a made-up token buys no window of its own).
fn caller_key(req: &Request) -> String {
    if let Some(Ok(person)) = req.extensions().get::<BearerCaller>().map(|b| &b.0) {
        return format!("user:{}", person.user.id);
    }
    let bearer = req.extensions().get::<BearerCaller>().is_some();
    if let Some(id) = req
        .extensions()
        .get::<AuthSession>()
        .and_then(|a| a.user.as_ref())
        .filter(|_| !bearer)
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
                crate::web::ctx::client_of(peer, req.headers(), &state.settings.trusted_proxies);
            crate::throttle::address_key("api", ip)
        }
        _ => "unknown".to_owned(),
    }
}

pub async fn limit(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let limit = state.settings.api_requests_per_minute;
    if let Some(token) = crate::web::ctx::bearer_token(req.headers()).map(str::to_owned) {
        let owner =
            crate::features::tokens::authenticate_grant(&state.db, &state.memory, &token).await;
        if let Ok((_, grant)) = &owner {
            req.extensions_mut().insert(BearerGrant(*grant));
        }
        req.extensions_mut()
            .insert(BearerCaller(owner.map(|(person, _)| person)));
    }
    let verdict = state
        .api_limiter
        .count(&caller_key(&req), limit, Instant::now());
    let refused = req.extensions().get::<BearerGrant>().and_then(|g| {
        crate::features::tokens::scope::permits(g.0, req.method(), req.uri().path()).err()
    });
    let mut res = if let (true, Some(why)) = (verdict.allowed, refused) {
        AppError::Forbidden(why).into_response()
    } else if verdict.allowed {
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
