//! Verified domains over JSON: Admin → Sign-in's domains under `/api/v1/admin/domains`
//! (administrators only, 403 to anyone else), and `POST /api/v1/auth/join`, the `/join`
//! page's request for a link — the same services as the pages.

use super::extract::{ApiAdmin, ApiError, ApiPath, JsonBody};
use crate::features::domains::{service as domains, SignInView};
use crate::web::state::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, claim))
        .routes(routes!(change, remove))
        .routes(routes!(verify))
        .routes(routes!(join))
}

async fn view(
    state: &AppState,
    admin: &crate::person::SessionUser,
    headers: &HeaderMap,
) -> Result<SignInView, ApiError> {
    let origin = crate::web::ctx::origin_of(&state.settings, headers);
    Ok(domains::view(&state.db, admin, &origin).await?)
}

/// The company's domains: each one's TXT record, whether it is verified, and whether its people may join without an invitation
#[utoipa::path(get, path = "/admin/domains", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The company's domains", body = SignInView)))]
async fn list(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    headers: HeaderMap,
) -> Result<Json<SignInView>, ApiError> {
    Ok(Json(view(&state, &admin, &headers).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ClaimBody {
    /// The mail domain, like `acme.com` (an internationalised name is stored in its `xn--` form).
    domain: String,
}

/// Claim a domain
///
/// It is verified once its TXT record (in the answer) is published and `verify` finds it. A
/// domain another company verified is a 409 `CONFLICT`.
#[utoipa::path(post, path = "/admin/domains", tag = "admin", security(("bearer" = [])),
    request_body = ClaimBody,
    responses((status = 201, description = "The domains after the change", body = SignInView)))]
async fn claim(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ClaimBody>,
) -> Result<(StatusCode, Json<SignInView>), ApiError> {
    let domain = domains::parse_domain("domain", &body.domain)?;
    domains::claim(&state.db, &admin, &domain).await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state, &admin, &headers).await?),
    ))
}

/// Look for the domain's TXT record now
///
/// 422 on `domain` saying what was found instead when the record is missing or carries
/// another value; 502 `UPSTREAM_ERROR` when DNS could not be asked.
#[utoipa::path(post, path = "/admin/domains/{id}/verify", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The domain's id")),
    responses((status = 200, description = "The domains after the change", body = SignInView)))]
async fn verify(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SignInView>, ApiError> {
    domains::verify(&state.db, &state.dns, &admin, id).await?;
    Ok(Json(view(&state, &admin, &headers).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DomainChange {
    /// Whether people with an address at the (verified) domain may join without an invitation.
    open_join: bool,
}

/// Let people at a verified domain join without an invitation, or stop it
#[utoipa::path(put, path = "/admin/domains/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The domain's id")),
    request_body = DomainChange,
    responses((status = 200, description = "The domains after the change", body = SignInView)))]
async fn change(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    JsonBody(body): JsonBody<DomainChange>,
) -> Result<Json<SignInView>, ApiError> {
    domains::set_open_join(&state.db, &admin, id, body.open_join).await?;
    Ok(Json(view(&state, &admin, &headers).await?))
}

/// Remove a domain
#[utoipa::path(delete, path = "/admin/domains/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The domain's id")),
    responses((status = 204, description = "Removed")))]
async fn remove(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    domains::remove(&state.db, &admin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct JoinBody {
    /// A work address at a verified domain whose company lets its people join.
    email: String,
}

/// Where the link to join went.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JoinSent {
    sent_to: String,
}

/// Ask for a link to join a company by a work address
///
/// The link is mailed to the address (an address that already has an account is mailed a
/// reminder to sign in instead; the answer is the same). 422 on `email` when no company lets
/// people at the address' domain join without an invitation.
#[utoipa::path(post, path = "/auth/join", tag = "auth", request_body = JoinBody,
    responses((status = 202, description = "The link is on its way", body = JoinSent)))]
async fn join(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<JoinBody>,
) -> Result<(StatusCode, Json<JoinSent>), ApiError> {
    let ip = crate::web::ctx::client_of(peer.ip(), &headers, &state.settings.trusted_proxies);
    let origin = crate::web::ctx::origin_of(&state.settings, &headers);
    let sent_to =
        domains::request_join(&state.db, &state.settings, Some(ip), &origin, &body.email).await?;
    Ok((StatusCode::ACCEPTED, Json(JoinSent { sent_to })))
}
