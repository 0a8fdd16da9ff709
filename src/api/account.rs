//! The caller's own account under `/api/v1/account`: the data export, deletion, recent
//! sign-ins and ending the other sessions, mail choices, model choices, two-factor sign-in, and personal
//! access tokens — what the profile and security pages do, through the same services.

use super::extract::{ApiCaller, ApiError, ApiPage, ApiPath, JsonBody, PageQuery};
use crate::domain::ToolId;
use crate::features::account_data::service as account_data;
use crate::features::auth::{activity, two_factor, SignInRow, TwoFactorState};
use crate::features::model_choice::{service as model_choice, ModelChoices};
use crate::features::notifications::{service as notifications, MailPreferences};
use crate::features::personal_tokens::{self as tokens, CreatedToken, TokenPage};
use crate::features::tokens::personal;
use crate::features::usage::UsageView;
use crate::web::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(delete_account))
        .routes(routes!(sign_ins))
        .routes(routes!(usage))
        .routes(routes!(mail_choices, set_mail_choices))
        .routes(routes!(model_choices, set_model_choice))
        .routes(routes!(end_sessions))
        .routes(routes!(two_factor_state))
        .routes(routes!(two_factor_start))
        .routes(routes!(two_factor_enable))
        .routes(routes!(two_factor_disable))
        .routes(routes!(token_list, token_create))
        .routes(routes!(token_revoke))
}

/// Everything the caller owns, as one JSON document
///
/// Profile, onboarding answers and steps, the names and dates of keys and tokens (never a
/// key value or a token), tasks, saved results, AI calls and the audit events the caller
/// caused. The export is recorded in the audit log.
#[utoipa::path(get, path = "/account/export", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "The caller's data", body = Object)))]
async fn export(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        account_data::export_audited(&state.db, &person).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeleteAccountBody {
    /// The caller's password.
    password: String,
    /// The authenticator app's code (or a recovery code), when two-factor sign-in is on.
    #[serde(default)]
    code: Option<String>,
}

/// Delete the caller's account
///
/// Everything the caller owns goes, and every token of theirs stops working; when they are
/// the company's only member, the company goes too. The only administrator of a company with
/// other members must make someone else an administrator first (409).
#[utoipa::path(post, path = "/account/delete", tag = "account", security(("bearer" = [])),
    request_body = DeleteAccountBody,
    responses((status = 204, description = "Deleted")))]
async fn delete_account(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<DeleteAccountBody>,
) -> Result<StatusCode, ApiError> {
    account_data::delete(
        &state.db,
        &state.passwords,
        &state.keyring,
        &person,
        &body.password,
        body.code.as_deref().unwrap_or_default(),
    )
    .await?;
    tracing::info!(user_id = person.user.id, "account deleted over the API");
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's recent sign-ins, newest first
#[utoipa::path(get, path = "/account/activity", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "Recent sign-ins", body = Vec<SignInRow>)))]
async fn sign_ins(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<Vec<SignInRow>>, ApiError> {
    Ok(Json(activity::sign_in_rows(&state.db, &person).await?))
}

/// The caller's mail choices
///
/// Security notices are always sent and are not a choice.
#[utoipa::path(get, path = "/account/mail", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "The categories the caller gets mail for", body = MailPreferences)))]
async fn mail_choices(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<MailPreferences>, ApiError> {
    Ok(Json(notifications::settings_of(&state.db, &person).await?))
}

/// Change the caller's mail choices
#[utoipa::path(put, path = "/account/mail", tag = "account", security(("bearer" = [])),
    request_body = MailPreferences,
    responses((status = 200, description = "The choices as saved", body = MailPreferences)))]
async fn set_mail_choices(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<MailPreferences>,
) -> Result<Json<MailPreferences>, ApiError> {
    Ok(Json(notifications::save(&state.db, &person, body).await?))
}

/// The caller's AI usage: this month by tool, today's allowance, the last calls
#[utoipa::path(get, path = "/account/usage", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "The month's calls and tokens by tool (UTC), today's calls against the plan's allowance, and the last 20 calls", body = UsageView)))]
async fn usage(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<UsageView>, ApiError> {
    Ok(Json(
        crate::features::usage::service::usage_view(&state.db, &person).await?,
    ))
}

/// The caller's model for each AI tool, among those the company allows
#[utoipa::path(get, path = "/account/models", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "Each AI tool's allowed models, in the company's order, and the caller's choice", body = ModelChoices)))]
async fn model_choices(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<ModelChoices>, ApiError> {
    Ok(Json(
        model_choice::choices(&state.db, &state.ai.settings, &person).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ModelChoiceBody {
    tool: ToolId,
    /// One of the tool's allowed models; null or empty for the company's order.
    #[serde(default)]
    model: Option<String>,
}

/// Choose the model an AI tool's calls go to first
#[utoipa::path(put, path = "/account/models", tag = "account", security(("bearer" = [])),
    request_body = ModelChoiceBody,
    responses((status = 200, description = "The choices after the change", body = ModelChoices)))]
async fn set_model_choice(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<ModelChoiceBody>,
) -> Result<Json<ModelChoices>, ApiError> {
    model_choice::choose(
        &state.db,
        &state.ai.settings,
        &person,
        body.tool,
        body.model.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(Json(
        model_choice::choices(&state.db, &state.ai.settings, &person).await?,
    ))
}

/// Sign the caller out of every browser session
///
/// Every signed-in browser of the caller's ends (a browser calling this keeps nothing: it
/// signs in again). API tokens are not sessions: revoke them with logout or on the tokens
/// routes.
#[utoipa::path(post, path = "/account/sessions/end", tag = "account", security(("bearer" = [])),
    responses((status = 204, description = "The browser sessions ended")))]
async fn end_sessions(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<StatusCode, ApiError> {
    activity::end_other_sessions(&state.db, &person).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's two-factor sign-in
///
/// Whether it is on, whether the company requires it, a set-up waiting for its first code
/// (the secret, its `otpauth://` URI and a QR code), and how many recovery codes are left.
#[utoipa::path(get, path = "/account/two-factor", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "The state", body = TwoFactorState)))]
async fn two_factor_state(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<TwoFactorState>, ApiError> {
    Ok(Json(
        two_factor::status(&state.db, &state.keyring, &person).await?,
    ))
}

/// Start setting up two-factor sign-in
///
/// A new secret for an authenticator app (in `pending`); two-factor is on once `enable`
/// gets a first code. 409 while it is already on.
#[utoipa::path(post, path = "/account/two-factor/start", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "The state, with the set-up in `pending`", body = TwoFactorState)))]
async fn two_factor_start(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<TwoFactorState>, ApiError> {
    two_factor::start(&state.db, &state.keyring, &person).await?;
    Ok(Json(
        two_factor::status(&state.db, &state.keyring, &person).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CodeBody {
    /// A code from the authenticator app (or, to turn it off, a recovery code).
    code: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Ten single-use codes for when the app is not at hand: shown this once.
    recovery_codes: Vec<String>,
}

/// Turn two-factor sign-in on with the app's first code
#[utoipa::path(post, path = "/account/two-factor/enable", tag = "account", security(("bearer" = [])),
    request_body = CodeBody,
    responses((status = 200, description = "On; the recovery codes, shown once", body = RecoveryCodes)))]
async fn two_factor_enable(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<CodeBody>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let recovery_codes = two_factor::enable(&state.db, &state.keyring, &person, &body.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// Turn two-factor sign-in off with a current code or a recovery code
#[utoipa::path(post, path = "/account/two-factor/disable", tag = "account", security(("bearer" = [])),
    request_body = CodeBody,
    responses((status = 204, description = "Off")))]
async fn two_factor_disable(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<CodeBody>,
) -> Result<StatusCode, ApiError> {
    two_factor::disable(&state.db, &state.keyring, &person, &body.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's personal access tokens (never their secrets), a page at a time
#[utoipa::path(get, path = "/account/tokens", tag = "account", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "One page of the tokens not revoked, newest first (expired ones marked)", body = TokenPage)))]
async fn token_list(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPage(page): ApiPage,
) -> Result<Json<TokenPage>, ApiError> {
    Ok(Json(tokens::own_tokens(&state.db, &person, page).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewTokenBody {
    /// 1–60 characters, to recognise the token by.
    name: String,
    /// 7, 30, 90 or 365.
    expires_in_days: i64,
    /// What the token may do: `read` (the default), `write`, or `admin` (administrators
    /// only). No token can make tokens, change the password or two-factor sign-in, end
    /// sessions or delete the account.
    #[serde(default)]
    scope: Option<String>,
}

/// Make a personal access token
///
/// The secret is in this answer only; it is stored hashed.
#[utoipa::path(post, path = "/account/tokens", tag = "account", security(("bearer" = [])),
    request_body = NewTokenBody,
    responses((status = 201, description = "The token, with its secret shown this once", body = CreatedToken)))]
async fn token_create(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<NewTokenBody>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let created = tokens::create_token(
        &state.db,
        &person,
        &body.name,
        &body.expires_in_days.to_string(),
        body.scope.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revoke one of the caller's personal access tokens
#[utoipa::path(delete, path = "/account/tokens/{id}", tag = "account", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked")))]
async fn token_revoke(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    personal::revoke(&state.db, &person, id, personal::RevokeScope::Own).await?;
    Ok(StatusCode::NO_CONTENT)
}
