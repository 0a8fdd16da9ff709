//! Prometheus metrics at `GET /metrics`, for the operator: requests and their latency per
//! route (the route's pattern, never the concrete path, so ids and tokens stay out) and
//! status class; AI calls by tool and outcome with their latency (recorded in
//! `features::tools::ai_call`); and, read when scraped,
//! the outbox backlog and the database pool. Served only with `DIGAME_METRICS_TOKEN` set,
//! to a caller sending it as a bearer token; otherwise the route does not exist.

use crate::web::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, StatusCode};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// Seconds: from a page served from memory to a slow AI answer.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

/// The process's recorder (one per process, shared by every app a test starts).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .as_ref()
}

/// Installs the recorder (at start, so the first requests are counted).
pub fn init() {
    let _ = handle();
}

/// Counts every request by route, method and status class, and times it.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let class = format!("{}xx", res.status().as_u16() / 100);
    metrics::counter!("digame_http_requests_total", "route" => route.clone(), "method" => method, "status" => class)
        .increment(1);
    metrics::histogram!("digame_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    res
}

/// Compares digests, not the tokens: the time taken says nothing about the token.
fn authorised(expected: &str, headers: &HeaderMap) -> bool {
    use crate::util::sha256_hex;
    crate::web::ctx::bearer_token(headers).is_some_and(|t| sha256_hex(t) == sha256_hex(expected))
}

/// `GET /metrics`: the Prometheus text format.
pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state
        .settings
        .metrics_token
        .as_ref()
        .map(secrecy::ExposeSecret::expose_secret)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !authorised(expected, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    let Some(handle) = handle() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    if let Ok(pending) = crate::features::mail::service::pending(&state.db).await {
        metrics::gauge!("digame_outbox_pending").set(pending as f64);
    }
    let (size, idle) = crate::server::db::pool_use(&state.db);
    metrics::gauge!("digame_db_pool_connections", "state" => "idle").set(f64::from(idle));
    metrics::gauge!("digame_db_pool_connections", "state" => "busy")
        .set(f64::from(size.saturating_sub(idle)));
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}
