//! Verified domains (Admin → Sign-in, `/admin/sign-in`): a company claims a mail domain and
//! proves it controls it with a DNS TXT record; a verified domain belongs to one company.
//! An admin may then let people with an address at it join without an invitation: they ask
//! on `/join`, and the link that makes their account is mailed to that address (so joining
//! proves the mailbox, as an invitation does). Every change is audited.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The most domains one company may claim.
pub const MAX_DOMAINS: u64 = 20;

/// The name whose TXT record proves a domain: `_digame-verification.<domain>`.
pub const RECORD_PREFIX: &str = "_digame-verification";

/// One claimed domain, as the admin page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DomainView {
    pub id: i64,
    pub domain: String,
    /// The record to publish: its name and its value.
    pub record_name: String,
    pub record_value: String,
    pub verified: bool,
    /// When it was verified, in words (UTC); `None` until then.
    pub verified_on: Option<String>,
    /// When the record was last looked for, in words (UTC).
    pub last_checked: Option<String>,
    /// Whether people with an address at it may join without an invitation.
    pub open_join: bool,
    /// For a verified domain: since when its record has been found gone by the daily check
    /// (in words, UTC), and the day it stops being verified unless the record is back.
    pub missing_since: Option<String>,
    pub lapses_on: Option<String>,
}

/// Admin → Sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignInView {
    pub domains: Vec<DomainView>,
    /// The address of the page where people ask to join by their address.
    pub join_url: String,
}

/// A number typed into a form's hidden field.
#[cfg(any(feature = "ssr", test))]
fn id_field(value: &str) -> Result<i64, AppError> {
    value
        .trim()
        .parse()
        .map_err(|_| AppError::validation("domain", "Choose a domain from the list."))
}

#[server(endpoint = "admin/sign-in")]
pub async fn admin_sign_in() -> Result<SignInView, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::view(&state.db, &admin, &ctx::public_origin()).await
}

#[server(endpoint = "admin/domains/claim")]
pub async fn claim_domain(domain: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let domain = service::parse_domain("domain", &domain)?;
    let id = service::claim(&state.db, &admin, &domain).await?;
    ctx::redirect_plain_form(&format!("/admin/sign-in?saved=claimed#domain-{id}"));
    Ok(())
}

#[server(endpoint = "admin/domains/verify")]
pub async fn verify_domain(domain: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let id = id_field(&domain)?;
    service::verify(&state.db, &state.dns, &admin, id).await?;
    ctx::redirect_plain_form(&format!("/admin/sign-in?saved=verified#domain-{id}"));
    Ok(())
}

#[server(endpoint = "admin/domains/remove")]
pub async fn remove_domain(domain: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let id = id_field(&domain)?;
    service::remove(&state.db, &admin, id).await?;
    ctx::redirect_plain_form("/admin/sign-in?saved=removed");
    Ok(())
}

/// Lets people with an address at the domain join without an invitation (`open` = `true`),
/// or stops it.
#[server(endpoint = "admin/domains/join")]
pub async fn set_domain_join(domain: String, open: bool) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let id = id_field(&domain)?;
    service::set_open_join(&state.db, &admin, id, open).await?;
    ctx::redirect_plain_form(&format!("/admin/sign-in?saved=join#domain-{id}"));
    Ok(())
}

/// `/join`: mails a link to join the company whose verified domain the address is at, when
/// that company lets its domain's people join. Returns the address the link went to.
#[server(endpoint = "auth/join-by-domain")]
pub async fn join_by_domain(email: String) -> Result<String, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let ip = ctx::client_ip().await;
    let sent = service::request_join(
        &state.db,
        &state.settings,
        ip,
        &ctx::public_origin(),
        &email,
    )
    .await?;
    ctx::redirect_plain_form(&format!(
        "/join?sent={}",
        crate::util::encode_query_value(&sent)
    ));
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_forms_are_numbers() {
        assert_eq!(id_field(" 7 ").unwrap(), 7);
        assert_eq!(id_field("x").unwrap_err().field(), Some("domain"));
    }
}
