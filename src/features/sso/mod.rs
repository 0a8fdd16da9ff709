//! Single sign-on through a company's own OpenID Connect provider (Okta, Entra ID, Google,
//! Keycloak…). An admin connects the provider on Admin → Single sign-on (`/admin/sso`);
//! people then start at `/login/company` (their address picks the company by its verified
//! domain) or at `/sso/{company}`, sign in at the provider, and come back to
//! `/sso/{company}/callback`.
//!
//! - `service`: the connection's settings (the client secret sealed under the master key),
//!   the admin's view, enforcement.
//! - `signin`: the flow's two ends (the protocol itself is `crate::oidc`), and what a
//!   verified ID token means for accounts: matched on the provider's (issuer, subject) pair
//!   within the company — never on the address — made just in time only for a verified
//!   address at one of the company's verified domains, roles and mapped groups read again
//!   from the groups claim at every sign-in.
//! - `routes`: the two plain axum handlers of the flow.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod signin;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The scopes asked for when the admin names none (besides `openid`, always asked).
pub const DEFAULT_SCOPES: &str = "openid email profile";
/// The claim read for groups when the admin names none.
pub const DEFAULT_GROUPS_CLAIM: &str = "groups";

/// The page where a person starts a company sign-in with their address.
pub const COMPANY_SIGN_IN_PATH: &str = "/login/company";

/// A Digame group and the provider group whose people are put in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupLink {
    /// The Digame group's id (Admin → Groups).
    pub group: i64,
    /// Its name, for reading.
    #[serde(default)]
    pub group_name: String,
    /// The provider group's name, as the groups claim carries it.
    pub provider_group: String,
}

/// Admin → Single sign-on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SsoView {
    /// Whether a connection is saved.
    pub configured: bool,
    pub issuer: String,
    pub client_id: String,
    /// Whether a client secret is stored (it is never shown again).
    pub secret_stored: bool,
    pub scopes: String,
    pub groups_claim: String,
    /// Provider groups whose people are administrators; empty: roles are kept in Digame.
    pub admin_groups: Vec<String>,
    pub group_links: Vec<GroupLink>,
    /// The company's groups, for the mapping.
    pub groups: Vec<String>,
    /// The redirect address to register at the provider.
    pub redirect_url: String,
    /// The address that starts a sign-in directly.
    pub start_url: String,
    /// The company's verified domains: addresses there may sign in through the provider
    /// and get an account on first sign-in.
    pub verified_domains: Vec<String>,
    pub enforced: bool,
    /// Whether an admin has signed in through the connection (enforcement needs it).
    pub admin_signed_in: bool,
    /// The admin whose password still works while enforced (break-glass).
    pub enforced_by: Option<String>,
}

/// What an admin saves. An empty `client_secret` keeps the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SsoSettings {
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub scopes: String,
    #[serde(default)]
    pub groups_claim: String,
    #[serde(default)]
    pub admin_groups: Vec<String>,
    #[serde(default)]
    pub group_links: Vec<GroupLink>,
}

/// Why a company sign-in ended without signing in, as `/login/company?error=` names it;
/// the words are here so nothing but these can be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInProblem {
    /// The sign-in was not started in this browser, took too long, or was used already.
    Expired,
    /// The provider said no, or the person cancelled there.
    Refused,
    /// The provider could not be reached or answered wrongly.
    Provider,
    /// The ID token failed a check.
    Rejected,
    /// No address, or the provider does not vouch for it.
    UnverifiedEmail,
    /// The address is not at one of the company's verified domains: an invitation is needed.
    NeedsInvitation,
    /// The address has an account with another company.
    OtherCompany,
    /// The account is deactivated.
    Deactivated,
    /// The company's plan has no free place.
    Full,
    /// The company has no single sign-on (any more).
    NotConfigured,
    /// The provider's account is linked to someone else already.
    LinkedElsewhere,
}

impl SignInProblem {
    pub const ALL: [SignInProblem; 11] = [
        SignInProblem::Expired,
        SignInProblem::Refused,
        SignInProblem::Provider,
        SignInProblem::Rejected,
        SignInProblem::UnverifiedEmail,
        SignInProblem::NeedsInvitation,
        SignInProblem::OtherCompany,
        SignInProblem::Deactivated,
        SignInProblem::Full,
        SignInProblem::NotConfigured,
        SignInProblem::LinkedElsewhere,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SignInProblem::Expired => "expired",
            SignInProblem::Refused => "refused",
            SignInProblem::Provider => "provider",
            SignInProblem::Rejected => "rejected",
            SignInProblem::UnverifiedEmail => "unverified_email",
            SignInProblem::NeedsInvitation => "needs_invitation",
            SignInProblem::OtherCompany => "other_company",
            SignInProblem::Deactivated => "deactivated",
            SignInProblem::Full => "full",
            SignInProblem::NotConfigured => "not_configured",
            SignInProblem::LinkedElsewhere => "linked_elsewhere",
        }
    }

    pub fn parse(code: &str) -> Option<SignInProblem> {
        SignInProblem::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn words(self) -> &'static str {
        match self {
            SignInProblem::Expired => "That sign-in was not started in this browser, took too long, or was used already. Start again.",
            SignInProblem::Refused => "Your company's sign-in service did not sign you in (it refused, or the sign-in was cancelled).",
            SignInProblem::Provider => "Your company's sign-in service could not be reached or answered something unexpected. Try again in a moment, or ask an administrator to test the connection.",
            SignInProblem::Rejected => "Your company's sign-in service sent back a sign-in that did not pass Digame's checks. Start again; if it happens again, an administrator should test the connection.",
            SignInProblem::UnverifiedEmail => "Your company's sign-in service did not confirm your email address, so no account could be made for you. Ask an administrator for an invitation.",
            SignInProblem::NeedsInvitation => "Your address is not at one of your company's verified domains, so an account is not made on sign-in. Ask an administrator for an invitation.",
            SignInProblem::OtherCompany => "Your address already has a Digame account with another company. Sign in there, or ask its administrators to remove it first.",
            SignInProblem::Deactivated => "This account has been deactivated. Ask an administrator of your company to reactivate it.",
            SignInProblem::Full => "Your company has reached its plan's member limit. Ask an administrator to make room.",
            SignInProblem::NotConfigured => "That company does not sign in through its own provider on Digame. Sign in with your password.",
            SignInProblem::LinkedElsewhere => "That account at your company's sign-in service is linked to another Digame account already.",
        }
    }
}

/// The non-empty lines of a textarea, trimmed.
#[cfg(any(feature = "ssr", test))]
pub fn parse_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[server(endpoint = "admin/sso")]
pub async fn admin_sso() -> Result<SsoView, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::view(&state.db, &admin, &ctx::public_origin()).await
}

/// What "Test the connection" found, kept for the page a plain form post returns to (read
/// once: reading takes it from the session).
#[server(endpoint = "admin/sso/tested")]
pub async fn sso_tested() -> Result<Option<String>, AppError> {
    use crate::web::ctx;
    let (state, _) = ctx::signed_in_admin().await?;
    ctx::take_shown_once(&state.keyring, "sso_test").await
}

/// Saves the connection from the page's form: the groups' mapping as lines of
/// `provider group = Digame group`, the admin groups one per line.
#[server(endpoint = "admin/sso/save")]
pub async fn save_sso(
    issuer: String,
    client_id: String,
    client_secret: String,
    scopes: String,
    groups_claim: String,
    admin_groups: String,
    group_map: String,
) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let group_links = service::parse_group_map(&state.db, &admin, &group_map).await?;
    let settings = SsoSettings {
        issuer,
        client_id,
        client_secret,
        scopes,
        groups_claim,
        admin_groups: parse_lines(&admin_groups),
        group_links,
    };
    service::save(&state.db, &state.keyring, &state.settings, &admin, settings).await?;
    ctx::redirect_plain_form("/admin/sso?saved=saved");
    Ok(())
}

/// Discovery at the saved issuer now; answers what was found.
#[server(endpoint = "admin/sso/test")]
pub async fn test_sso() -> Result<String, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let found = service::test(&state.db, &state.oidc, &admin).await?;
    ctx::show_once_after_redirect(
        &state.keyring,
        "sso_test",
        &found,
        "/admin/sso?tested=1#test",
    )
    .await;
    Ok(found)
}

#[server(endpoint = "admin/sso/remove")]
pub async fn remove_sso() -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::remove(&state.db, &admin).await?;
    ctx::redirect_plain_form("/admin/sso?saved=removed");
    Ok(())
}

/// Requires (or stops requiring) sign-in through the provider for the company's people.
#[server(endpoint = "admin/sso/enforce")]
pub async fn enforce_sso(enforced: bool) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::set_enforced(&state.db, &admin, enforced).await?;
    ctx::redirect_plain_form(if enforced {
        "/admin/sso?saved=enforced"
    } else {
        "/admin/sso?saved=relaxed"
    });
    Ok(())
}

/// `/login/company`: the address picks the company (by its verified domain); answers the
/// address that starts its sign-in, where the browser goes next.
#[server(endpoint = "auth/company")]
pub async fn company_sign_in(email: String, next: Option<String>) -> Result<String, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let path = service::start_path_for(&state.db, &email, next.as_deref()).await?;
    ctx::redirect_plain_form(&path);
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_round_trip_and_lines_trim() {
        for p in SignInProblem::ALL {
            assert_eq!(SignInProblem::parse(p.code()), Some(p));
        }
        assert_eq!(SignInProblem::parse("anything"), None);
        assert_eq!(parse_lines(" a \n\n b\r\n"), ["a", "b"]);
    }
}
