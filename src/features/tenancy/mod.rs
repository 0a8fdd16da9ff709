//! Tenants: their tier (the table itself is `domain::tier`) and their per-tenant feature
//! flags, switched by tenant admins within the tier. Members and invitations live in
//! `members`, the audit log in `audit`, the tool gate in `tools`, and the operator's
//! commands in `crate::operator`.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

pub use crate::domain::{Tier, TierLimits};

use crate::domain::ToolId;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One tool on the admin features page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeatureRow {
    pub flag: ToolId,
    pub title: String,
    pub enabled: bool,
    pub in_tier: bool,
    /// "Professional", when the tenant's tier does not include the tool.
    pub tier_needed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeaturesView {
    pub tier: String,
    /// Whether everyone in the company must sign in with a second factor.
    pub require_two_factor: bool,
    /// Whether the admin looking has two-factor sign-in on (required before requiring it).
    pub admin_has_two_factor: bool,
    /// The language for members who chose none, and for invitations (`de`, `pt-BR`, …);
    /// `null`: each person's browser decides.
    pub default_language: Option<String>,
    pub rows: Vec<FeatureRow>,
}

#[server(endpoint = "admin/features")]
pub async fn list_features() -> Result<FeaturesView, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::features_view(&state.db, &admin).await
}

#[server(endpoint = "admin/features/set")]
pub async fn set_feature(
    flag: String,
    enabled: bool,
    return_to: Option<String>,
) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let tool = ToolId::from_flag(&flag)
        .ok_or_else(|| AppError::validation("flag", format!("There is no tool called {flag}.")))?;
    service::set_feature(&state.db, &admin, tool, enabled).await?;
    let back = crate::util::safe_next(return_to.as_deref())
        .unwrap_or_else(|| "/admin/features?saved=1".into());
    ctx::redirect_plain_form(&back);
    Ok(())
}

/// Requires two-factor sign-in of everyone in the company, or stops requiring it.
#[server(endpoint = "admin/two-factor")]
pub async fn set_two_factor_requirement(required: bool) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::set_two_factor_requirement(&state.db, &admin, required).await?;
    ctx::redirect_plain_form("/admin/features?saved=1#two-factor");
    Ok(())
}
