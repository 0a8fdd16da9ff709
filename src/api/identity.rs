//! The caller's name and address under `/api/v1/account`: what the profile's "Name and email
//! address" does, through the same service. The address change is made by the link mailed
//! to the new address, as on the page.

use super::extract::{ApiCaller, ApiError, JsonBody};
use crate::domain::account::{DisplayName, Email};
use crate::features::identity::{service as identity, IdentityView};
use crate::web::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(view))
        .routes(routes!(set_name))
        .routes(routes!(change_email))
}

/// The caller's name, address, an address change waiting for its link, and how they sign in
#[utoipa::path(get, path = "/account/identity", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "Name and address", body = IdentityView)))]
async fn view(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<IdentityView>, ApiError> {
    Ok(Json(identity::view(&state.db, &person).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NameBody {
    /// 1 to 100 characters.
    name: String,
}

/// Change the caller's display name
#[utoipa::path(put, path = "/account/name", tag = "account", security(("bearer" = [])),
    request_body = NameBody,
    responses((status = 200, description = "Name and address after the change", body = IdentityView)))]
async fn set_name(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<NameBody>,
) -> Result<Json<IdentityView>, ApiError> {
    let name = DisplayName::parse(&body.name)?;
    identity::change_name(&state.db, &person, &name).await?;
    let mut now = person.clone();
    now.user.display_name = name.as_str().to_owned();
    Ok(Json(identity::view(&state.db, &now).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EmailBody {
    /// The new address.
    email: String,
    /// The caller's current password.
    password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    message: String,
}

/// Ask to change the caller's email address
///
/// Mails a link to the new address (valid 24 hours); the change is made when it is opened,
/// and the old address is told, with a link that undoes it for seven days. Three requests an
/// hour; a wrong password is a 422 on `password`.
#[utoipa::path(post, path = "/account/email", tag = "account", security(("bearer" = [])),
    request_body = EmailBody,
    responses((status = 202, description = "The link is on its way", body = Accepted)))]
async fn change_email(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<EmailBody>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let email = Email::parse(&body.email)?;
    crate::features::auth::service::confirm_password(
        &state.db,
        &state.passwords,
        &person,
        &body.password,
        "password",
    )
    .await?;
    let origin = crate::web::ctx::origin_of(&state.settings, &headers);
    let message = identity::request_email_change(&state.db, &person, &email, &origin).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted { message })))
}
