//! Accounts: registration, sign-in and sign-out, sessions, password changes and the
//! login throttle. Wire types and server functions here; server-only code in `backend`,
//! `passwords`, `service` and `throttle`; pages in `pages`.

pub mod pages;
pub mod two_factor_pages;

#[cfg(feature = "ssr")]
pub mod activity;
#[cfg(feature = "ssr")]
pub mod device;
#[cfg(feature = "ssr")]
pub mod registration;
#[cfg(feature = "ssr")]
pub mod reset;
#[cfg(feature = "ssr")]
pub mod service;
/// The shared counters (sign-ins and everything else counted per key), at the crate root.
#[cfg(feature = "ssr")]
pub use crate::throttle;
#[cfg(feature = "ssr")]
pub mod totp;
#[cfg(feature = "ssr")]
pub mod two_factor;
#[cfg(feature = "ssr")]
pub mod verify;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::domain::CurrentUser;

/// The answer to a successful sign-in or registration: who, and which page to load next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user: CurrentUser,
    pub next: String,
}

/// Creates a company (tenant) with this person as its first admin, or, with an invitation
/// token, joins the inviting company (with the invited email); then signs them in.
#[server(endpoint = "auth/register")]
pub async fn register(
    name: String,
    email: String,
    password: String,
    company: Option<String>,
    invite: Option<String>,
) -> Result<SignedIn, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let person = registration::register_account(
        &state.db,
        &state.passwords,
        &state.settings,
        ctx::client_ip().await,
        &ctx::public_origin(),
        registration::Registration {
            name: &name,
            email: &email,
            password: &password,
            company: company.as_deref().unwrap_or_default(),
            invite: invite.as_deref(),
        },
    )
    .await?;
    let mut auth = ctx::auth_session().await?;
    service::start_session(&state.db, &mut auth, &person).await?;
    tracing::info!(
        user_id = person.user.id,
        tenant_id = person.tenant.id,
        "registered"
    );
    ctx::redirect_plain_form("/onboarding");
    Ok(SignedIn {
        user: CurrentUser::from(&person),
        next: "/onboarding".into(),
    })
}

/// Signs in and returns to `next` (a same-site path) or the right first page.
#[server(endpoint = "auth/login")]
pub async fn login(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<SignedIn, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let mut auth = ctx::auth_session().await?;
    let ip = ctx::client_ip().await;
    let browser = activity::browser_label(&ctx::user_agent());
    let headers = use_context::<http::request::Parts>()
        .map(|p| p.headers)
        .unwrap_or_default();
    let known = device::is_known(&state.settings, &headers, &email);
    let person = service::sign_in(&state.db, &auth, &email, &password, ip, &browser, known).await?;
    // The password was right: this browser is known to the account from now on.
    let cookie = device::remember(&state.settings, &headers, &person.user.email);
    if let (Some(res), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&cookie),
    ) {
        res.append_header(http::header::SET_COOKIE, value);
    }
    let wizard = crate::features::onboarding::service::wizard_pending(&state.db, &person).await?;
    let target = crate::util::safe_next(next.as_deref())
        .unwrap_or_else(|| if wizard { "/onboarding" } else { "/" }.to_owned());
    if person.user.two_factor_enabled_at.is_some() {
        // Not signed in yet: the password is remembered as passed, for a few minutes.
        service::await_second_factor(&mut auth, &person, &target).await?;
        ctx::redirect_plain_form(SECOND_FACTOR_PATH);
        return Ok(SignedIn {
            user: CurrentUser::from(&person),
            next: SECOND_FACTOR_PATH.into(),
        });
    }
    service::start_session(&state.db, &mut auth, &person).await?;
    ctx::redirect_plain_form(&target);
    Ok(SignedIn {
        user: CurrentUser::from(&person),
        next: target,
    })
}

/// The page that asks for the second factor after a correct password.
pub const SECOND_FACTOR_PATH: &str = "/login/two-factor";

/// Completes a sign-in whose password was right with a code from the authenticator app or
/// a recovery code; the session is then signed in under a new id.
#[server(endpoint = "auth/two-factor")]
pub async fn second_factor(code: String) -> Result<SignedIn, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let mut auth = ctx::auth_session().await?;
    let (person, target) = service::awaiting_second_factor(&state.db, &auth).await?;
    two_factor::check_code(&state.db, &state.keyring, &person.user, &code).await?;
    service::start_session(&state.db, &mut auth, &person).await?;
    ctx::redirect_plain_form(&target);
    Ok(SignedIn {
        user: CurrentUser::from(&person),
        next: target,
    })
}

/// The state of the caller's two-factor sign-in, for the security page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TwoFactorState {
    pub enabled: bool,
    /// Whether the person's company requires it.
    pub required: bool,
    /// A set-up waiting for its first code: the secret as text, and as a QR code (SVG).
    pub pending: Option<TwoFactorSetup>,
    pub recovery_codes_left: u64,
    /// Recovery codes just made by a plain form post, shown once.
    pub new_codes: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TwoFactorSetup {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

/// `take_codes`: the page was loaded after a plain form post turned two-factor on, and
/// the recovery codes kept for it are to be shown (once).
#[server(endpoint = "auth/two-factor/status")]
pub async fn two_factor_status(take_codes: bool) -> Result<TwoFactorState, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let mut status = two_factor::status(&state.db, &state.keyring, &person).await?;
    if take_codes {
        status.new_codes = ctx::take_shown_once(&state.keyring, "recovery_codes")
            .await?
            .map(|text| text.split('\n').map(str::to_owned).collect());
    }
    Ok(status)
}

/// Starts setting up two-factor sign-in: a new secret to add to an authenticator app.
#[server(endpoint = "auth/two-factor/start")]
pub async fn start_two_factor() -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    two_factor::start(&state.db, &state.keyring, &person).await?;
    ctx::redirect_plain_form("/settings/security#two-factor");
    Ok(())
}

/// Turns two-factor sign-in on with the first code from the app; answers the ten recovery
/// codes (shown once).
#[server(endpoint = "auth/two-factor/enable")]
pub async fn enable_two_factor(code: String) -> Result<Vec<String>, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let codes = two_factor::enable(&state.db, &state.keyring, &person, &code).await?;
    ctx::show_once_after_redirect(
        &state.keyring,
        "recovery_codes",
        &codes.join("\n"),
        "/settings/security?two_factor=on#two-factor",
    )
    .await;
    Ok(codes)
}

/// Turns two-factor sign-in off with a current code (or a recovery code).
#[server(endpoint = "auth/two-factor/disable")]
pub async fn disable_two_factor(code: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    two_factor::disable(&state.db, &state.keyring, &person, &code).await?;
    ctx::redirect_plain_form("/settings/security?two_factor=off#two-factor");
    Ok(())
}

/// Ends the session on the server (the row is deleted) and returns to the sign-in page.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::error::ResultExt;
    use crate::web::ctx;
    let mut auth = ctx::auth_session().await?;
    auth.logout().await.or_internal("ending a session")?;
    leptos_axum::redirect("/login?signed_out=1");
    Ok(())
}

/// Changes the caller's password; every other session of theirs ends.
#[server(endpoint = "auth/change-password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let updated = service::change_password(
        &state.db,
        &state.passwords,
        &person,
        &current_password,
        &new_password,
        &confirm_password,
    )
    .await?;
    // Re-bind this session to the new hash; the others no longer match and end.
    let mut auth = ctx::auth_session().await?;
    service::bind_session(&mut auth, &updated).await?;
    tracing::info!(user_id = person.user.id, "password changed");
    ctx::redirect_plain_form("/settings/security?changed=1");
    Ok(())
}

/// Mails a link to choose a new password. The answer is the same whether or not the
/// address has an account.
#[server(endpoint = "auth/password-reset/request")]
pub async fn request_password_reset(email: String) -> Result<String, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let ip = ctx::client_ip().await;
    let said = reset::request(&state.db, &email, ip, &ctx::public_origin()).await?;
    ctx::redirect_plain_form("/forgot-password?sent=1");
    Ok(said.to_owned())
}

/// The address a reset link is for, while the link can still be used.
#[server(endpoint = "auth/password-reset/check")]
pub async fn check_reset_link(token: String) -> Result<String, AppError> {
    let state = crate::web::ctx::state()?;
    Ok(reset::check_token(&state.db, &token).await?.1.email)
}

/// Sets a new password with a reset link's token. Every session and API token of the
/// person ends, this browser's included; they sign in again with the new password.
#[server(endpoint = "auth/password-reset/confirm")]
pub async fn reset_password(
    token: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::error::ResultExt;
    use crate::web::ctx;
    let state = ctx::state()?;
    let user = reset::confirm(
        &state.db,
        &state.passwords,
        &token,
        &new_password,
        &confirm_password,
    )
    .await?;
    let mut auth = ctx::auth_session().await?;
    if auth.user.is_some() {
        auth.logout().await.or_internal("ending a session")?;
    }
    tracing::info!(user_id = user.id, "password reset");
    ctx::redirect_plain_form("/login?reset=1");
    Ok(())
}

/// Mails the signed-in person a new link to confirm their address (three an hour).
#[server(endpoint = "auth/verify-email/resend")]
pub async fn resend_verification() -> Result<String, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let said = verify::resend(&state.db, &person, &ctx::public_origin()).await?;
    ctx::redirect_plain_form("/?verification_sent=1");
    Ok(said)
}

/// Confirms the address a verification link was mailed to.
#[server(endpoint = "auth/verify-email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let user = verify::confirm(&state.db, &token).await?;
    tracing::info!(user_id = user.id, "email address confirmed");
    let signed_in = ctx::auth_session().await?.user.is_some();
    ctx::redirect_plain_form(if signed_in {
        "/?verified=1"
    } else {
        "/login?verified=1"
    });
    Ok(())
}

/// One of the person's recent sign-ins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignInRow {
    /// `YYYY-MM-DD HH:MM UTC`.
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub at: String,
    pub address: String,
    pub browser: String,
}

/// The caller's recent sign-ins, newest first.
#[server(endpoint = "account/activity")]
pub async fn my_activity() -> Result<Vec<SignInRow>, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    activity::sign_in_rows(&state.db, &person).await
}

/// Signs the caller out everywhere else; this session stays.
#[server(endpoint = "account/end-other-sessions")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let user = activity::end_other_sessions(&state.db, &person).await?;
    let mut auth = ctx::auth_session().await?;
    service::bind_session(
        &mut auth,
        &crate::web::session::SessionUser::new(user, person.tenant),
    )
    .await?;
    ctx::redirect_plain_form("/settings/profile?sessions_ended=1#activity");
    Ok(())
}
