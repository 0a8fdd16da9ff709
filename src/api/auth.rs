//! `/api/v1/auth/*`: registration, sign-in, token refresh and sign-out, the caller, and
//! password changes over JSON, with the original service's contract. The rules are the
//! pages' (the same `auth::service` functions); only the answer is tokens, not a cookie.

use super::extract::{ApiCaller, ApiError, JsonBody};
use super::me::Me;
use crate::error::AppError;
use crate::features::auth::{registration, reset, service};
use crate::features::tokens::{self, Tokens};
use crate::web::session::AuthSession;
use crate::web::state::AppState;
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(verify_token))
        .routes(routes!(password_change))
        .routes(routes!(reset_request))
        .routes(routes!(reset_confirm))
        .routes(routes!(verify_email))
        .routes(routes!(verify_email_resend))
        .routes(routes!(health))
}

/// A person and the tokens of their new sign-in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SignedIn {
    user: Me,
    tokens: Tokens,
}

/// A sentence for the person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Message {
    message: String,
}

fn message(text: impl Into<String>) -> Json<Message> {
    Json(Message {
        message: text.into(),
    })
}

/// What `verify-token` says of a valid token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct TokenCheck {
    valid: bool,
    user_id: i64,
    email: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ServiceHealth {
    /// `healthy`
    status: &'static str,
    /// `authentication`
    service: &'static str,
}

/// A body as JSON or as an HTML form (`application/x-www-form-urlencoded`), whichever the
/// `Content-Type` says; the original service's login is an OAuth2 password form. The
/// document declares JSON only (one schema per body is what client generators read) and says
/// the form is accepted too.
pub struct FormOrJson<T>(pub T);

impl<S, T> FromRequest<S> for FormOrJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            axum::Form::<T>::from_request(req, state)
                .await
                .map(|axum::Form(v)| FormOrJson(v))
                .map_err(|_| {
                    AppError::BadRequest("The form does not have the expected fields.".into())
                })
        } else {
            JsonBody::<T>::from_request(req, state)
                .await
                .map(|JsonBody(v)| FormOrJson(v))
        }
    }
}

fn client(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> std::net::IpAddr {
    crate::web::ctx::client_of(peer.ip(), headers, &state.settings.trusted_proxies)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct RegisterBody {
    email: String,
    password: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    company_name: Option<String>,
    #[serde(default)]
    invite_token: Option<String>,
}

impl RegisterBody {
    /// The name people see: first and last name, else the username, else the email's
    /// local part.
    fn display_name(&self) -> String {
        let full = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !full.is_empty() {
            return full;
        }
        if let Some(u) = self
            .username
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            return u.to_owned();
        }
        self.email
            .split('@')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    }
}

/// Create an account
///
/// A company of one's own (named `company_name`, else after the person), or joining one with `invite_token`. The same rules and messages as the page; a verification mail is sent.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterBody, 
    responses((status = 201, description = "The new person, signed in", body = SignedIn)))]
async fn register(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Response {
    let result = async {
        let name = body.display_name();
        // Without a company name the person gets a company of their own, named after them.
        let company = body
            .company_name
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or(&name);
        let person = registration::register_account(
            &state.db,
            &state.passwords,
            &state.settings,
            Some(client(&state, peer, &headers)),
            &crate::web::ctx::origin_of(&state.settings, &headers),
            registration::Registration {
                name: &name,
                email: &body.email,
                password: &body.password,
                company,
                invite: body.invite_token.as_deref(),
            },
        )
        .await?;
        let tokens = tokens::issue(&state.db, &person).await?;
        Ok::<_, AppError>(SignedIn {
            user: Me::of(person),
            tokens,
        })
    }
    .await;
    match result {
        Ok(signed_in) => (StatusCode::CREATED, Json(signed_in)).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct LoginBody {
    #[serde(alias = "email")]
    username: String,
    password: String,
    /// The authenticator app's code (or a recovery code), for a person with two-factor
    /// sign-in on.
    #[serde(default)]
    code: Option<String>,
}

/// Sign in
///
/// The OAuth2 password form (`username` is the email) or the same fields as JSON. With two-factor sign-in on, `code` is the authenticator app's code or a recovery code. Throttled like the page.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body(content = LoginBody, description = "JSON; the same fields as an HTML form (`application/x-www-form-urlencoded`) are accepted too"), 
    responses((status = 200, description = "The person and their tokens", body = SignedIn)))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    auth: AuthSession,
    headers: HeaderMap,
    FormOrJson(body): FormOrJson<LoginBody>,
) -> Response {
    let result = async {
        let ip = client(&state, peer, &headers);
        let person = service::sign_in(
            &state.db,
            &auth,
            &body.username,
            &body.password,
            Some(ip),
            &crate::features::auth::activity::browser_label(
                headers
                    .get(http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default(),
            ),
            crate::features::auth::device::is_known(&state.settings, &headers, &body.username),
        )
        .await?;
        if person.user.two_factor_enabled_at.is_some() {
            let code = body.code.as_deref().unwrap_or_default();
            crate::features::auth::two_factor::check_code(
                &state.db,
                &state.keyring,
                &person.user,
                code,
            )
            .await?;
        }
        let tokens = tokens::issue(&state.db, &person).await?;
        Ok::<_, AppError>(SignedIn {
            user: Me::of(person),
            tokens,
        })
    }
    .await;
    match result {
        Ok(signed_in) => Json(signed_in).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct RefreshBody {
    refresh_token: String,
}

/// Exchange a refresh token for the next pair
///
/// Reusing an old refresh token ends the whole family.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body(content = RefreshBody, description = "JSON; the same fields as an HTML form (`application/x-www-form-urlencoded`) are accepted too"), 
    responses((status = 200, description = "The next tokens; the old refresh token stops working", body = Tokens)))]
async fn refresh(
    State(state): State<AppState>,
    FormOrJson(body): FormOrJson<RefreshBody>,
) -> Response {
    match tokens::refresh(&state.db, &body.refresh_token).await {
        Ok(tokens) => Json(tokens).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// End the tokens of one sign-in
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])), request_body(content = RefreshBody, description = "JSON; the same fields as an HTML form (`application/x-www-form-urlencoded`) are accepted too"), 
    responses((status = 204, description = "Signed out")))]
async fn logout(
    State(state): State<AppState>,
    caller: ApiCaller,
    FormOrJson(body): FormOrJson<RefreshBody>,
) -> Response {
    match tokens::sign_out(&state.db, &caller.0, &body.refresh_token).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// Check a token
#[utoipa::path(get, path = "/auth/verify-token", tag = "auth", security(("bearer" = [])), 
    responses((status = 200, description = "The token is valid", body = TokenCheck)))]
async fn verify_token(caller: ApiCaller) -> Json<TokenCheck> {
    Json(TokenCheck {
        valid: true,
        user_id: caller.0.user.id,
        email: caller.0.user.email,
    })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct PasswordChangeBody {
    current_password: String,
    new_password: String,
}

/// Change the password
///
/// Every other session and token ends.
#[utoipa::path(post, path = "/auth/password-change", tag = "auth", security(("bearer" = [])), request_body = PasswordChangeBody, 
    responses((status = 200, description = "Changed", body = Message)))]
async fn password_change(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<PasswordChangeBody>,
) -> Response {
    let result = async {
        service::change_password(
            &state.db,
            &state.passwords,
            &caller.0,
            &body.current_password,
            &body.new_password,
            &body.new_password,
        )
        .await
        .map(|_| ())
    }
    .await;
    match result {
        Ok(()) => message(
            "Password changed. Every other session and every token has ended; sign in again with the new password.",
        )
        .into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ResetRequestBody {
    email: String,
}

/// Mail a reset link
///
/// The same answer (202) whether or not the address has an account.
#[utoipa::path(post, path = "/auth/password-reset/request", tag = "auth", request_body(content = ResetRequestBody, description = "JSON; the same fields as an HTML form (`application/x-www-form-urlencoded`) are accepted too"), 
    responses((status = 202, description = "The same answer for any address", body = Message)))]
async fn reset_request(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    FormOrJson(body): FormOrJson<ResetRequestBody>,
) -> Response {
    let ip = client(&state, peer, &headers);
    let origin = crate::web::ctx::origin_of(&state.settings, &headers);
    match reset::request(&state.db, &body.email, Some(ip), &origin).await {
        Ok(text) => (StatusCode::ACCEPTED, message(text)).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ResetConfirmBody {
    token: String,
    new_password: String,
}

/// Set a new password with the mailed token
///
/// Every session and token of the person ends.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "auth", request_body(content = ResetConfirmBody, description = "JSON; the same fields as an HTML form (`application/x-www-form-urlencoded`) are accepted too"), 
    responses((status = 200, description = "Changed; every session and token ended", body = Message)))]
async fn reset_confirm(
    State(state): State<AppState>,
    FormOrJson(body): FormOrJson<ResetConfirmBody>,
) -> Response {
    match reset::confirm(
        &state.db,
        &state.passwords,
        &body.token,
        &body.new_password,
        &body.new_password,
    )
    .await
    {
        Ok(_) => message(
            "Password changed. Every session and every token has ended; sign in with the new password.",
        )
        .into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct VerifyEmailBody {
    token: String,
}

/// Confirm the email address
///
/// With the token from the verification mail.
#[utoipa::path(post, path = "/auth/verify-email", tag = "auth", request_body(content = VerifyEmailBody, description = "JSON; the same fields as an HTML form (`application/x-www-form-urlencoded`) are accepted too"), 
    responses((status = 200, description = "Confirmed", body = Message)))]
async fn verify_email(
    State(state): State<AppState>,
    FormOrJson(body): FormOrJson<VerifyEmailBody>,
) -> Response {
    match crate::features::auth::verify::confirm(&state.db, &body.token).await {
        Ok(_) => message("Your email address is confirmed.").into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// Mail a new verification link
#[utoipa::path(post, path = "/auth/verify-email/resend", tag = "auth", security(("bearer" = [])), 
    responses((status = 202, description = "Sent (three an hour)", body = Message)))]
async fn verify_email_resend(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: ApiCaller,
) -> Response {
    let origin = crate::web::ctx::origin_of(&state.settings, &headers);
    match crate::features::auth::verify::resend(&state.db, &caller.0, &origin).await {
        Ok(text) => (StatusCode::ACCEPTED, message(text)).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// Authentication service health
#[utoipa::path(get, path = "/auth/health", tag = "auth", 
    responses((status = 200, description = "Up", body = ServiceHealth)))]
async fn health() -> Json<ServiceHealth> {
    Json(ServiceHealth {
        status: "healthy",
        service: "authentication",
    })
}
