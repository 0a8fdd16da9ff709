//! The public JSON API under `/api/v1`: one router per resource, each a thin adapter over
//! the same feature services the pages use (never a second copy of a rule). Errors use the
//! project's one shape, `{"status_code", "code", "message", "detail"?}` (`AppError` is
//! `IntoResponse`). Callers are identified by the [`extract::ApiCaller`] extractor.
//!
//! To add a resource: a module here with `pub fn router() -> Router<AppState>`, merged in
//! [`router`], and a test in `tests/api.rs`.

mod ai;
mod auth;
pub mod extract;
mod health;
mod keys;
pub mod limit;
mod me;
mod onboarding;
pub mod openapi;
mod tasks;

use crate::error::AppError;
use crate::server::state::AppState;
use axum::response::{IntoResponse, Response};
use axum::Router;

/// Every `/api/v1` route, rate-limited per caller; nested under that prefix by the server.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(me::router())
        .merge(auth::router())
        .merge(keys::router())
        .merge(onboarding::router())
        .merge(tasks::router())
        .merge(ai::router())
        .route("/openapi.json", axum::routing::get(openapi::openapi_json))
        .route("/docs", axum::routing::get(openapi::docs_page))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state, limit::limit))
}

async fn not_found(uri: axum::http::Uri) -> Response {
    AppError::NotFound(format!("There is no endpoint at {}.", uri.path())).into_response()
}
