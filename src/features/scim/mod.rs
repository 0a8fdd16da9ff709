//! SCIM 2.0 provisioning (RFC 7643/7644): a company's identity provider (Entra ID, Okta…)
//! makes, changes, deactivates and deletes its people's accounts and keeps its groups, at
//! `/scim/v2/`, with a bearer token an admin makes on Admin → Provisioning
//! (`/admin/provisioning`). The token names the company: every query is scoped to it.
//!
//! - `service`: the token (kept hashed) and who is calling.
//! - `wire`: the SCIM error shape, list answers and the discovery documents.
//! - `patch`: PATCH operations applied to a resource's JSON (paths from `scim_v2`).
//! - `user_body`: what a User body asks for (the address and name derived from it).
//! - `users`, `groups`: the two resources over Digame's accounts and groups.
//! - `routes`: the axum routes.
//!
//! Models and the filter and path grammars are the `scim_v2` crate's; the routes and the
//! mapping onto accounts are Digame's own.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod groups;
#[cfg(feature = "ssr")]
pub mod patch;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod user_body;
#[cfg(feature = "ssr")]
pub mod users;
#[cfg(feature = "ssr")]
pub mod wire;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where the SCIM service answers, below the site's address.
pub const SCIM_BASE: &str = "/scim/v2";

/// The company's provisioning token, as the admin page shows it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// The token's last characters.
    pub hint: String,
    pub created_at: String,
    /// The admin who made it.
    pub created_by: Option<String>,
    /// When the provider last used it; `None`: never.
    pub last_used_at: Option<String>,
}

/// Admin → Provisioning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ScimView {
    /// The SCIM base address to give the provider (the "tenant URL").
    pub base_url: String,
    pub token: Option<TokenInfo>,
    /// How many of the company's accounts the provider made or took over.
    pub provisioned: u64,
}

/// A token just made: shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MadeToken {
    pub token: String,
    pub base_url: String,
}

#[server(endpoint = "admin/scim")]
pub async fn admin_scim() -> Result<ScimView, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::view(&state.db, &admin, &ctx::public_origin()).await
}

/// Makes the company's provisioning token, ending the one before (the provider must be given
/// the new one). Answers it; after a plain form post it is shown once on the page.
#[server(endpoint = "admin/scim/token")]
pub async fn make_scim_token() -> Result<MadeToken, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let made = service::make_token(&state.db, &admin, &ctx::public_origin()).await?;
    ctx::show_once_after_redirect(
        &state.keyring,
        "scim_token",
        &made.token,
        "/admin/provisioning?made=1#token",
    )
    .await;
    Ok(made)
}

/// The token just made by a plain form post, once (reading it takes it from the session).
#[server(endpoint = "admin/scim/made")]
pub async fn scim_token_made() -> Result<Option<String>, AppError> {
    use crate::web::ctx;
    let (state, _) = ctx::signed_in_admin().await?;
    ctx::take_shown_once(&state.keyring, "scim_token").await
}

/// Ends the company's provisioning token: the provider's next call is refused.
#[server(endpoint = "admin/scim/revoke")]
pub async fn revoke_scim_token() -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::revoke_token(&state.db, &admin).await?;
    ctx::redirect_plain_form("/admin/provisioning?saved=revoked");
    Ok(())
}
