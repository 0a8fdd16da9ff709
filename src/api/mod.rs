//! The public JSON API under `/api/v1`: one router per resource, each a thin adapter over
//! the same feature services the pages use (never a second copy of a rule). Errors use the
//! project's one shape, `{"status_code", "code", "message", "detail"?}` (`AppError` is
//! `IntoResponse`). Callers are identified by the [`extract::ApiCaller`] extractor.
//!
//! To add a resource: a module here with `pub fn router() -> OpenApiRouter<AppState>` whose
//! handlers carry `#[utoipa::path]` (registered with `utoipa_axum::routes!`), merged in
//! [`routes`], and a test in `tests/api.rs`. The OpenAPI document follows from the code.

mod account;
mod admin;
mod ai;
mod auth;
mod domains;
pub mod extract;
mod groups;
mod health;
mod identity;
mod keys;
pub mod limit;
mod me;
mod onboarding;
pub mod openapi;
mod rules;
mod scim;
mod sso;
mod tasks;
mod tools;

use crate::error::AppError;
use crate::web::state::AppState;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Every documented route, with the document they make.
fn routes() -> OpenApiRouter<AppState> {
    bounded_routes().merge(ai::upload_router())
}

/// The routes whose bodies are bounded by the server's usual limit (all but the upload).
fn bounded_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(health::router())
        .merge(me::router())
        .merge(auth::router())
        .merge(keys::router())
        .merge(onboarding::router())
        .merge(tasks::router())
        .merge(ai::router())
        .merge(tools::router())
        .merge(account::router())
        .merge(admin::router())
        .merge(groups::router())
        .merge(domains::router())
        .merge(sso::router())
        .merge(scim::router())
        .merge(identity::router())
}

/// The OpenAPI document of every route, as the code declares them.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = routes().split_for_parts();
    openapi::finish(&mut doc);
    doc
}

/// Every `/api/v1` route, rate-limited per caller; nested under that prefix by the server.
pub fn router(state: AppState) -> Router<AppState> {
    let (bounded, _) = bounded_routes().split_for_parts();
    let (uploads, _) = ai::upload_router().split_for_parts();
    let upload_limit = state.settings.upload_body_limit();
    bounded
        .layer(RequestBodyLimitLayer::new(crate::config::BODY_LIMIT_BYTES))
        .merge(
            uploads
                .layer(axum::extract::DefaultBodyLimit::disable())
                .layer(RequestBodyLimitLayer::new(upload_limit)),
        )
        .route("/openapi.json", axum::routing::get(openapi::openapi_json))
        .route("/docs", axum::routing::get(openapi::docs_page))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state, limit::limit))
}

async fn not_found(uri: axum::http::Uri) -> Response {
    AppError::NotFound(format!("There is no endpoint at {}.", uri.path())).into_response()
}
