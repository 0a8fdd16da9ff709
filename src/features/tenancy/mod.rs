//! Tenants: the tier table, per-tenant feature flags, members and invitations, the audit
//! log page, the daily AI-call allowance and the operator's tenant commands.

pub mod access;
pub mod pages;
mod tier;

#[cfg(feature = "ssr")]
pub mod service;

pub use tier::{Tier, TierLimits};

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One tool on the admin features page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureRow {
    pub flag: String,
    pub title: String,
    pub enabled: bool,
    pub in_tier: bool,
    /// "Professional", when the tenant's tier does not include the tool.
    pub tier_needed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturesView {
    pub tier: String,
    pub rows: Vec<FeatureRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub active: bool,
    pub last_sign_in: Option<String>,
    pub onboarding_completed: bool,
    pub is_you: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersView {
    pub members: Vec<MemberRow>,
    pub invitations: Vec<InvitationRow>,
    /// "3 of 50 places used", counting pending invitations.
    pub seats: String,
}

/// A new invitation: the link is shown once, to the admin who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteCreated {
    pub email: String,
    pub link: String,
}

/// What the registration page shows for an invitation link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub tenant_name: String,
    pub email: String,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub when: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    pub rows: Vec<AuditRow>,
    pub page: i64,
    pub has_more: bool,
    pub actions: Vec<String>,
    pub people: Vec<(i64, String)>,
}

/// One tool card on the dashboard, with exactly what unlocks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCard {
    pub flag: String,
    pub title: String,
    pub summary: String,
    pub access: access::ToolAccess,
    /// What unlocks it, or that it is ready.
    pub message: String,
}

#[server(endpoint = "admin/features")]
pub async fn list_features() -> Result<FeaturesView, AppError> {
    use crate::server::ctx;
    let state = ctx::state()?;
    let admin = ctx::require_admin().await?;
    service::features_view(&state.db, &admin).await
}

#[server(endpoint = "admin/features/set")]
pub async fn set_feature(
    flag: String,
    enabled: bool,
    return_to: Option<String>,
) -> Result<(), AppError> {
    use crate::server::ctx;
    let state = ctx::state()?;
    let admin = ctx::require_admin().await?;
    service::set_feature(&state.db, &admin, &flag, enabled).await?;
    let back = crate::util::safe_next(return_to.as_deref())
        .unwrap_or_else(|| "/admin/features?saved=1".into());
    ctx::redirect_plain_form(&back);
    Ok(())
}

#[server(endpoint = "admin/members")]
pub async fn list_members() -> Result<MembersView, AppError> {
    use crate::server::ctx;
    let state = ctx::state()?;
    let admin = ctx::require_admin().await?;
    service::members_view(&state.db, &admin).await
}

#[server(endpoint = "admin/members/invite")]
pub async fn invite_member(email: String, role: String) -> Result<InviteCreated, AppError> {
    use crate::server::ctx;
    let state = ctx::state()?;
    let admin = ctx::require_admin().await?;
    let mut created = service::invite(&state.db, &admin, &email, &role).await?;
    created.link = format!("{}{}", ctx::public_origin(), created.link);
    if !state.settings.is_production() {
        // There is no mail server yet: in development the link is also in the log.
        tracing::info!(email = %created.email, link = %created.link, "invitation created (development only: link logged)");
    }
    Ok(created)
}

#[server(endpoint = "admin/members/revoke")]
pub async fn revoke_invitation(invitation_id: i64) -> Result<(), AppError> {
    use crate::server::ctx;
    let state = ctx::state()?;
    let admin = ctx::require_admin().await?;
    service::revoke_invitation(&state.db, &admin, invitation_id).await?;
    ctx::redirect_plain_form("/admin/members?revoked=1");
    Ok(())
}

#[server(endpoint = "admin/members/role")]
pub async fn set_member_role(member_id: i64, role: String) -> Result<(), AppError> {
    use crate::server::ctx;
    let state = ctx::state()?;
    let admin = ctx::require_admin().await?;
    service::set_role(&state.db, &admin, member_id, &role).await?;
    ctx::redirect_plain_form("/admin/members?updated=1");
    Ok(())
}

#[server(endpoint = "admin/members/active")]
pub async fn set_member_active(member_id: i64, active: bool) -> Result<(), AppError> {
    use crate::server::ctx;
    let state = ctx::state()?;
    let admin = ctx::require_admin().await?;
    service::set_active(&state.db, &admin, member_id, active).await?;
    ctx::redirect_plain_form("/admin/members?updated=1");
    Ok(())
}

#[server(endpoint = "admin/audit")]
pub async fn list_audit(page: i64, action: String, actor: String) -> Result<AuditView, AppError> {
    use crate::server::ctx;
    let state = ctx::state()?;
    let admin = ctx::require_admin().await?;
    service::audit_view(&state.db, &admin, page, &action, &actor).await
}

/// Public: what an invitation link offers (or why it no longer works).
#[server(endpoint = "invitations/info")]
pub async fn get_invitation(token: String) -> Result<InvitationInfo, AppError> {
    use crate::server::ctx;
    let state = ctx::state()?;
    service::invitation_info(&state.db, &token).await
}

/// The caller's six tools with what unlocks each.
#[server(endpoint = "tools/cards")]
pub async fn tool_cards() -> Result<Vec<ToolCard>, AppError> {
    use crate::server::ctx;
    let state = ctx::state()?;
    let person = ctx::require_user().await?;
    service::tool_cards(&state.db, &person).await
}
