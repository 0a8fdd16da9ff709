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
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// Requests counted per caller in the current window.
#[derive(Clone, Default)]
pub struct ApiLimiter {
    windows: Arc<Mutex<HashMap<String, (Instant, u32)>>>,
}

/// What one request found: whether it may go on, and the header values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub remaining: u32,
    pub reset_secs: u64,
}

impl ApiLimiter {
    /// Counts one request of `caller` at `now` against `limit` a minute.
    pub fn count(&self, caller: &str, limit: u32, now: Instant) -> Verdict {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(caller.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        let reset_secs = (WINDOW - now.duration_since(entry.0)).as_secs().max(1);
        if entry.1 >= limit {
            return Verdict {
                allowed: false,
                remaining: 0,
                reset_secs,
            };
        }
        entry.1 += 1;
        Verdict {
            allowed: true,
            remaining: limit - entry.1,
            reset_secs,
        }
    }
}

/// Who is asking, for counting: never the token itself.
fn caller_key(req: &Request) -> String {
    if let Some(token) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    {
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
            let forwarded = req
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join(",");
            let ip = crate::server::ctx::client_address(
                peer,
                Some(&forwarded),
                &state.settings.trusted_proxies,
            );
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

#[cfg(test)]
mod tests {
    use crate::api::limit::{ApiLimiter, Verdict};
    use std::time::{Duration, Instant};

    #[test]
    fn each_caller_gets_the_limit_per_window() {
        let limiter = ApiLimiter::default();
        let t0 = Instant::now();
        for i in 0..3 {
            assert_eq!(limiter.count("a", 3, t0).remaining, 2 - i);
        }
        let refused = limiter.count("a", 3, t0 + Duration::from_secs(20));
        assert_eq!(
            refused,
            Verdict {
                allowed: false,
                remaining: 0,
                reset_secs: 40
            }
        );
        assert!(
            limiter.count("b", 3, t0).allowed,
            "another caller has their own window"
        );
        assert!(
            limiter.count("a", 3, t0 + Duration::from_secs(60)).allowed,
            "a new window"
        );
    }
}
