//! Members and invitations: the people of a company, their roles and deactivation, the
//! single-use invitation links, joining through one, and the seat limit of the tier.
//! Wire types and server functions here; the service (`ssr`) and the admin page beside.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod invitations;
#[cfg(feature = "ssr")]
pub mod service;

use crate::domain::Role;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub active: bool,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub last_sign_in: Option<String>,
    pub onboarding_completed: bool,
    pub is_you: bool,
    /// The groups they are in (Admin → Groups), by name.
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InvitationRow {
    pub id: i64,
    pub email: String,
    pub role: Role,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MembersView {
    /// One page of the members, by name.
    pub members: Vec<MemberRow>,
    pub paging: crate::domain::Paging,
    /// Active administrators, on every page (the last one cannot step down).
    pub active_admins: u64,
    /// Every pending invitation, newest first.
    pub invitations: Vec<InvitationRow>,
    /// "3 of 50 places used", counting pending invitations.
    pub seats: String,
}

/// A new invitation: the link is shown once, to the admin who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InviteCreated {
    pub email: String,
    pub link: String,
}

/// What the registration page shows for an invitation link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub tenant_name: String,
    pub email: String,
    pub role: Role,
}

#[server(endpoint = "admin/members")]
pub async fn list_members(page: Option<i64>) -> Result<MembersView, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let page = crate::domain::PageRequest::numbered(page.unwrap_or(1));
    service::members_view(&state.db, &admin, page).await
}

#[server(endpoint = "admin/members/invite")]
pub async fn invite_member(email: String, role: String) -> Result<InviteCreated, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let created = invitations::invite(
        &state.db,
        &admin,
        &email,
        &role,
        &ctx::public_origin(),
        &state.settings.master_key,
    )
    .await?;
    // Without JavaScript the page is loaded again: it shows the link once from the session.
    let shown = serde_json::to_string(&created).map_err(|_| AppError::Internal)?;
    ctx::show_once_after_redirect(
        &state.keyring,
        "invitation",
        &shown,
        "/admin/members?invited=1",
    )
    .await;
    Ok(created)
}

/// The invitation just created by a plain form post, shown once (see `invite_member`).
#[server(endpoint = "admin/members/new-invitation")]
pub async fn new_invitation() -> Result<Option<InviteCreated>, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    ctx::require_admin().await?;
    Ok(ctx::take_shown_once(&state.keyring, "invitation")
        .await?
        .and_then(|text| serde_json::from_str(&text).ok()))
}

#[server(endpoint = "admin/members/revoke")]
pub async fn revoke_invitation(invitation_id: i64) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    invitations::revoke_invitation(&state.db, &admin, invitation_id).await?;
    ctx::redirect_plain_form("/admin/members?revoked=1");
    Ok(())
}

#[server(endpoint = "admin/members/role")]
pub async fn set_member_role(member_id: i64, role: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::set_role(&state.db, &admin, member_id, &role).await?;
    ctx::redirect_plain_form("/admin/members?updated=1");
    Ok(())
}

#[server(endpoint = "admin/members/active")]
pub async fn set_member_active(member_id: i64, active: bool) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::set_active(&state.db, &admin, member_id, active).await?;
    ctx::redirect_plain_form("/admin/members?updated=1");
    Ok(())
}

/// Public: what an invitation link offers (or why it no longer works).
#[server(endpoint = "invitations/info")]
pub async fn get_invitation(token: String) -> Result<InvitationInfo, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    invitations::invitation_info(&state.db, &token).await
}
