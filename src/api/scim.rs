//! Provisioning over JSON: Admin → Provisioning under `/api/v1/admin/scim` (administrators
//! only, 403 to anyone else) — the same services as the page. The SCIM service itself is at
//! `/scim/v2`, outside this API (its own protocol, its own token).

use super::extract::{ApiAdmin, ApiError};
use crate::features::scim::{service as scim, MadeToken, ScimView};
use crate::web::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(make, revoke))
}

/// The SCIM address to give the company's identity provider, and its token's state (never
/// the token)
#[utoipa::path(get, path = "/admin/scim", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Provisioning", body = ScimView)))]
async fn show(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    headers: HeaderMap,
) -> Result<Json<ScimView>, ApiError> {
    let origin = crate::web::ctx::origin_of(&state.settings, &headers);
    Ok(Json(scim::view(&state.db, &admin, &origin).await?))
}

/// Make the company's provisioning token (shown only in this answer); the one before ends
#[utoipa::path(post, path = "/admin/scim/token", tag = "admin", security(("bearer" = [])),
    responses((status = 201, description = "The new token", body = MadeToken)))]
async fn make(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<MadeToken>), ApiError> {
    let origin = crate::web::ctx::origin_of(&state.settings, &headers);
    let made = scim::make_token(&state.db, &admin, &origin).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Revoke the company's provisioning token: the provider's next call is refused
#[utoipa::path(delete, path = "/admin/scim/token", tag = "admin", security(("bearer" = [])),
    responses((status = 204, description = "Revoked")))]
async fn revoke(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<StatusCode, ApiError> {
    scim::revoke_token(&state.db, &admin).await?;
    Ok(StatusCode::NO_CONTENT)
}
