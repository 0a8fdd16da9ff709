//! Single sign-on over JSON: Admin → Single sign-on under `/api/v1/admin/sso`
//! (administrators only, 403 to anyone else) — the same services as the page.

use super::extract::{ApiAdmin, ApiError, JsonBody};
use crate::features::sso::{service as sso, SsoSettings, SsoView};
use crate::web::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show, save, remove))
        .routes(routes!(test))
        .routes(routes!(enforce))
}

async fn view(
    state: &AppState,
    admin: &crate::person::SessionUser,
    headers: &HeaderMap,
) -> Result<SsoView, ApiError> {
    let origin = crate::web::ctx::origin_of(&state.settings, headers);
    Ok(sso::view(&state.db, admin, &origin).await?)
}

/// The company's single sign-on connection (the client secret is never returned), the
/// redirect address to register at the provider, and whether sign-in through it is required
#[utoipa::path(get, path = "/admin/sso", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The connection", body = SsoView)))]
async fn show(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    headers: HeaderMap,
) -> Result<Json<SsoView>, ApiError> {
    Ok(Json(view(&state, &admin, &headers).await?))
}

/// Create or replace the connection
///
/// `client_secret` is required the first time; empty later, the stored one is kept.
/// `group_links` name the company's groups by id. A new issuer or client ends enforcement.
#[utoipa::path(put, path = "/admin/sso", tag = "admin", security(("bearer" = [])),
    request_body = SsoSettings,
    responses((status = 200, description = "The connection after the change", body = SsoView)))]
async fn save(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    headers: HeaderMap,
    JsonBody(body): JsonBody<SsoSettings>,
) -> Result<Json<SsoView>, ApiError> {
    sso::save(&state.db, &state.keyring, &state.settings, &admin, body).await?;
    Ok(Json(view(&state, &admin, &headers).await?))
}

/// Remove the connection (people sign in with passwords again)
#[utoipa::path(delete, path = "/admin/sso", tag = "admin", security(("bearer" = [])),
    responses((status = 204, description = "Removed")))]
async fn remove(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<StatusCode, ApiError> {
    sso::remove(&state.db, &admin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What "Test the connection" found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Tested {
    found: String,
}

/// Read the provider's configuration at the saved issuer now
///
/// 502 `UPSTREAM_ERROR` with what went wrong when the provider cannot be reached or its
/// configuration does not check out.
#[utoipa::path(post, path = "/admin/sso/test", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "What discovery found", body = Tested)))]
async fn test(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<Json<Tested>, ApiError> {
    let found = sso::test(&state.db, &state.oidc, &admin).await?;
    Ok(Json(Tested { found }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Enforcement {
    /// Whether the company's people must sign in through the provider (the admin making the
    /// change keeps their password, for emergencies).
    enforced: bool,
}

/// Require sign-in through the provider, or stop requiring it
///
/// Refused (422 on `enforced`) until an administrator has signed in through the connection.
#[utoipa::path(put, path = "/admin/sso/enforcement", tag = "admin", security(("bearer" = [])),
    request_body = Enforcement,
    responses((status = 200, description = "The connection after the change", body = SsoView)))]
async fn enforce(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Enforcement>,
) -> Result<Json<SsoView>, ApiError> {
    sso::set_enforced(&state.db, &admin, body.enforced).await?;
    Ok(Json(view(&state, &admin, &headers).await?))
}
