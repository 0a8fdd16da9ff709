//! A person's own identity on the profile: their display name, and their email address —
//! changed through a link to the new address, and undoable for seven days from a link to
//! the old one (`service`). Audited; the address change is mailed to both addresses.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A change of address waiting for its link to be opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PendingChange {
    pub new_email: String,
    /// Until when the link works, in words (UTC).
    pub expires: String,
}

/// The profile's "Name and email address".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityView {
    pub name: String,
    pub email: String,
    pub pending: Option<PendingChange>,
    /// Whether signing in asks for a second factor too.
    pub two_factor: bool,
    /// Whether the account has a password (one made by single sign-on has none until the
    /// person chooses one).
    pub password: bool,
    /// The company's own sign-in service, when it has one.
    pub company_sign_in: Option<CompanySignInWay>,
}

/// Signing in through the company's identity provider (single sign-on), as the profile
/// shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompanySignInWay {
    pub company: String,
    /// The address the provider gave when the person's account there was linked; `None`
    /// while it is not linked.
    pub linked_as: Option<String>,
    /// Where a signed-in person links it (through the provider).
    pub link_url: String,
    /// Whether the company requires it (then it cannot be unlinked, nor a password used).
    pub required: bool,
}

#[server(endpoint = "account/identity")]
pub async fn my_identity() -> Result<IdentityView, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    service::view(&state.db, &person).await
}

#[server(endpoint = "account/name")]
pub async fn change_name(name: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let name = crate::domain::account::DisplayName::parse(&name)?;
    service::change_name(&state.db, &person, &name).await?;
    ctx::redirect_plain_form("/settings/profile?saved=name#identity");
    Ok(())
}

/// Mails a link to the new address; the change is made when it is opened. Asks for the
/// current password, as a password change does.
#[server(endpoint = "account/email")]
pub async fn change_email(email: String, password: String) -> Result<String, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let email = crate::domain::account::Email::parse(&email)?;
    crate::features::auth::service::confirm_password(
        &state.db,
        &state.passwords,
        &person,
        &password,
        "password",
    )
    .await?;
    let said =
        service::request_email_change(&state.db, &person, &email, &ctx::public_origin()).await?;
    ctx::redirect_plain_form("/settings/profile?saved=email#identity");
    Ok(said)
}

/// Stops signing in through the company's provider; the password remains the way in.
#[server(endpoint = "account/company-sign-in/unlink")]
pub async fn unlink_company_sign_in() -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    service::unlink_company_sign_in(&state.db, &person).await?;
    ctx::redirect_plain_form("/settings/profile?saved=unlinked#sign-in-ways");
    Ok(())
}

/// Opens a confirmation link (one click on `/account/email`, so a mail scanner that follows
/// links changes nothing).
#[server(endpoint = "account/email/confirm")]
pub async fn confirm_email_change(token: String) -> Result<String, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let said = service::confirm_email_change(&state.db, &token, &ctx::public_origin()).await?;
    ctx::redirect_plain_form("/account/email?done=1");
    Ok(said)
}

/// Opens an undo link (one click on `/account/email/undo`).
#[server(endpoint = "account/email/undo")]
pub async fn undo_email_change(token: String) -> Result<String, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let said = service::undo_email_change(&state.db, &token).await?;
    ctx::redirect_plain_form("/account/email/undo?done=1");
    Ok(said)
}
