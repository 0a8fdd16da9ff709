//! A company's administration over JSON, under `/api/v1/admin`: the tools switched on, the
//! two-factor requirement, members and invitations, the audit log, where AI calls go and
//! what they used (`/admin/analytics`), the members' personal tokens and the onboarding
//! funnel, the monthly token budgets (`/admin/budgets`) — the admin pages' work through the
//! same services. Every route answers 403 to anyone but the company's administrators.

use super::extract::{ApiAdmin, ApiError, ApiPage, ApiPath, ApiQuery, JsonBody, PageQuery};
use crate::domain::{PageRequest, ToolId};
use crate::features::ai_admin::figures::{self, PeriodQuery};
use crate::features::ai_admin::{
    service as ai_admin, AiAdminView, DayUsage, ModelUsage, Period, PersonUsage, ToolUsage,
};
use crate::features::budgets::{manage, service as budgets, BudgetsView};
use crate::features::members::{invitations, service as members, InviteCreated, MembersView};
use crate::features::onboarding::Funnel;
use crate::features::personal_tokens::{member_token_rows, MemberTokenPage};
use crate::features::tenancy::{service as tenancy, FeaturesView};
use crate::web::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(features))
        .routes(routes!(set_feature))
        .routes(routes!(set_two_factor))
        .routes(routes!(member_list))
        .routes(routes!(set_role))
        .routes(routes!(set_active))
        .routes(routes!(reset_two_factor))
        .routes(routes!(invite))
        .routes(routes!(revoke_invitation))
        .routes(routes!(audit))
        .routes(routes!(ai_view))
        .routes(routes!(ai_set))
        .routes(routes!(analytics))
        .routes(routes!(analytics_calls))
        .routes(routes!(member_tokens))
        .routes(routes!(revoke_member_token))
        .routes(routes!(funnel))
        .routes(routes!(budgets_view))
        .routes(routes!(set_budget))
}

/// The company's monthly token budget, each group's and each person's, with the month's use
#[utoipa::path(get, path = "/admin/budgets", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The month, when it renews, the company's budget and everyone's", body = BudgetsView)))]
async fn budgets_view(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<Json<BudgetsView>, ApiError> {
    Ok(Json(
        manage::budgets_view(&state.db, &admin, chrono::Utc::now()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BudgetBody {
    /// The person whose budget this is (a user id); absent or null for the whole company
    /// or a group.
    #[serde(default)]
    person: Option<i64>,
    /// The group whose budget this is, shared by its people (a group id, Admin → Groups);
    /// absent or null for the whole company or a person.
    #[serde(default)]
    group: Option<i64>,
    /// Tokens a month may use (1 to 10^12); null takes the budget away.
    monthly_tokens: Option<i64>,
}

/// Set or take away the company's monthly token budget, a group's or a person's
#[utoipa::path(put, path = "/admin/budgets", tag = "admin", security(("bearer" = [])),
    request_body = BudgetBody,
    responses((status = 200, description = "The budgets after the change", body = BudgetsView)))]
async fn set_budget(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    JsonBody(body): JsonBody<BudgetBody>,
) -> Result<Json<BudgetsView>, ApiError> {
    let tokens = crate::features::budgets::check_tokens("monthly_tokens", body.monthly_tokens)?;
    let holder = budgets::Holder::of_choice(body.person, body.group)?;
    manage::set_budget(&state.db, &admin, holder, tokens).await?;
    Ok(Json(
        manage::budgets_view(&state.db, &admin, chrono::Utc::now()).await?,
    ))
}

/// The company's tools: which are on, which its plan includes
#[utoipa::path(get, path = "/admin/features", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The plan, the two-factor requirement and each tool", body = FeaturesView)))]
async fn features(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<Json<FeaturesView>, ApiError> {
    Ok(Json(tenancy::features_view(&state.db, &admin).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EnabledBody {
    enabled: bool,
}

/// Switch a tool on or off for the company
///
/// Within the plan: switching on a tool the plan does not include is a 403
/// `SUBSCRIPTION_LIMIT_EXCEEDED`.
#[utoipa::path(put, path = "/admin/features/{flag}", tag = "admin", security(("bearer" = [])),
    params(("flag" = ToolId, Path, description = "The tool's flag name")),
    request_body = EnabledBody,
    responses((status = 200, description = "The tools after the change", body = FeaturesView)))]
async fn set_feature(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(tool): ApiPath<ToolId>,
    JsonBody(body): JsonBody<EnabledBody>,
) -> Result<Json<FeaturesView>, ApiError> {
    tenancy::set_feature(&state.db, &admin, tool, body.enabled).await?;
    Ok(Json(tenancy::features_view(&state.db, &admin).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RequiredBody {
    required: bool,
}

/// Require two-factor sign-in of everyone in the company, or stop requiring it
///
/// The administrator must have it on themselves first.
#[utoipa::path(put, path = "/admin/two-factor", tag = "admin", security(("bearer" = [])),
    request_body = RequiredBody,
    responses((status = 200, description = "The company's settings after the change", body = FeaturesView)))]
async fn set_two_factor(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    JsonBody(body): JsonBody<RequiredBody>,
) -> Result<Json<FeaturesView>, ApiError> {
    tenancy::set_two_factor_requirement(&state.db, &admin, body.required).await?;
    // The requirement is the tenant's: read back the company as it is now.
    Ok(Json(tenancy::features_view(&state.db, &admin).await?))
}

/// The company's members (a page at a time) and pending invitations, with the seats used
#[utoipa::path(get, path = "/admin/members", tag = "admin", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "One page of the members by name, every pending invitation, and the seats", body = MembersView)))]
async fn member_list(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPage(page): ApiPage,
) -> Result<Json<MembersView>, ApiError> {
    Ok(Json(members::members_view(&state.db, &admin, page).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RoleBody {
    /// `admin` or `member`.
    role: String,
}

/// Change a member's role
///
/// The company keeps at least one active administrator (409 otherwise).
#[utoipa::path(put, path = "/admin/members/{id}/role", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The member's id")),
    request_body = RoleBody,
    responses((status = 200, description = "The members after the change (the first page)", body = MembersView)))]
async fn set_role(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(id): ApiPath<i64>,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Json<MembersView>, ApiError> {
    members::set_role(&state.db, &admin, id, &body.role).await?;
    Ok(Json(
        members::members_view(&state.db, &admin, PageRequest::default()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActiveBody {
    /// `false` deactivates: the member's sessions and tokens stop working.
    active: bool,
}

/// Deactivate a member, or activate them again (within the plan's seats)
#[utoipa::path(put, path = "/admin/members/{id}/active", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The member's id")),
    request_body = ActiveBody,
    responses((status = 200, description = "The members after the change (the first page)", body = MembersView)))]
async fn set_active(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(id): ApiPath<i64>,
    JsonBody(body): JsonBody<ActiveBody>,
) -> Result<Json<MembersView>, ApiError> {
    members::set_active(&state.db, &admin, id, body.active).await?;
    Ok(Json(
        members::members_view(&state.db, &admin, PageRequest::default()).await?,
    ))
}

/// Reset a member's two-factor sign-in
///
/// Their authenticator secret and recovery codes are removed; they sign in with their
/// password and set it up again. Audited; the member is mailed.
#[utoipa::path(delete, path = "/admin/members/{id}/two-factor", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The member's id")),
    responses((status = 200, description = "The members after the change (the first page)", body = MembersView)))]
async fn reset_two_factor(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MembersView>, ApiError> {
    crate::features::auth::two_factor::reset_by_admin(&state.db, &admin, id).await?;
    Ok(Json(
        members::members_view(&state.db, &admin, PageRequest::default()).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InviteBody {
    email: String,
    /// `admin` or `member`.
    role: String,
}

/// Invite someone to the company
///
/// The single-use link is in this answer only (and mailed to the address). A pending
/// invitation holds a seat.
#[utoipa::path(post, path = "/admin/invitations", tag = "admin", security(("bearer" = [])),
    request_body = InviteBody,
    responses((status = 201, description = "The invitation's link, shown once", body = InviteCreated)))]
async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiAdmin(admin): ApiAdmin,
    JsonBody(body): JsonBody<InviteBody>,
) -> Result<(StatusCode, Json<InviteCreated>), ApiError> {
    let origin = crate::web::ctx::origin_of(&state.settings, &headers);
    let created = invitations::invite(
        &state.db,
        &admin,
        &body.email,
        &body.role,
        &origin,
        &state.settings.master_key,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Withdraw a pending invitation
#[utoipa::path(delete, path = "/admin/invitations/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The invitation's id")),
    responses((status = 204, description = "Withdrawn: the link no longer works")))]
async fn revoke_invitation(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    invitations::revoke_invitation(&state.db, &admin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events of this action (one of `actions` in the answer).
    #[serde(default)]
    action: String,
    /// Only events caused by the member with this id.
    #[serde(default)]
    actor: String,
}

/// The company's audit log, newest first
#[utoipa::path(get, path = "/admin/audit", tag = "admin", security(("bearer" = [])), params(AuditQuery, PageQuery),
    responses((status = 200, description = "One page of events, and the filters' choices", body = crate::features::audit::AuditView)))]
async fn audit(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiQuery(q): ApiQuery<AuditQuery>,
    ApiPage(page): ApiPage,
) -> Result<Json<crate::features::audit::AuditView>, ApiError> {
    let people = members::people(&state.db, &admin).await?;
    Ok(Json(
        crate::features::audit::service::audit_view(
            &state.db, &admin, people, page, &q.action, &q.actor,
        )
        .await?,
    ))
}

/// Where each AI tool's calls go for the company, and what the tools have used
///
/// The figures cover `from`–`to` (UTC days, both included; default: the last 14 days).
#[utoipa::path(get, path = "/admin/ai", tag = "admin", security(("bearer" = [])), params(PeriodQuery),
    responses((status = 200, description = "Endpoints and usage (per tool, day, person and model)", body = AiAdminView)))]
async fn ai_view(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiQuery(period): ApiQuery<PeriodQuery>,
) -> Result<Json<AiAdminView>, ApiError> {
    let days = period.days()?;
    Ok(Json(
        ai_admin::view(&state.db, &state.ai.settings, &admin, days).await?,
    ))
}

/// What the company's AI calls used over a period
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Analytics {
    period: Period,
    by_tool: Vec<ToolUsage>,
    /// Oldest first, one entry per day, days without calls included.
    by_day: Vec<DayUsage>,
    /// Each person who made calls, most tokens first.
    by_person: Vec<PersonUsage>,
    /// Each model asked, most calls first.
    by_model: Vec<ModelUsage>,
}

/// The company's AI usage by tool, day, person and model
///
/// Calls, tokens, errors, median and 95th-percentile latency over `from`–`to` (UTC days,
/// both included; default: the last 14 days; at most 366 days).
#[utoipa::path(get, path = "/admin/analytics", tag = "admin", security(("bearer" = [])), params(PeriodQuery),
    responses((status = 200, description = "The figures of the period", body = Analytics)))]
async fn analytics(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiQuery(period): ApiQuery<PeriodQuery>,
) -> Result<Json<Analytics>, ApiError> {
    let f = figures::figures(&state.db, &admin, period.days()?).await?;
    Ok(Json(Analytics {
        period: f.period,
        by_tool: f.by_tool,
        by_day: f.by_day,
        by_person: f.by_person,
        by_model: f.by_model,
    }))
}

/// The company's AI calls of a period, as CSV
///
/// One row per call, oldest first: `time_utc, person, email, tool, model, prompt_tokens,
/// completion_tokens, latency_ms, outcome`; cells a spreadsheet would run as a formula are
/// kept as text.
#[utoipa::path(get, path = "/admin/analytics/calls", tag = "admin", security(("bearer" = [])), params(PeriodQuery),
    responses((status = 200, description = "The calls", content_type = "text/csv", body = String)))]
async fn analytics_calls(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiQuery(period): ApiQuery<PeriodQuery>,
) -> Result<axum::response::Response, ApiError> {
    let days = period.days()?;
    let text = figures::calls_csv(&state.db, &admin, days).await?;
    Ok(figures::csv_download(text, days))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EndpointBody {
    /// Which API the address speaks: `openai` (OpenAI-compatible, the default) or `anthropic`.
    #[serde(default)]
    provider: Option<String>,
    /// The service's base URL (https; a private address only where the operator allows).
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    model: String,
    /// Models tried next, in order, when `model` is busy (429), failing (5xx), unreachable or
    /// too slow — at the same address, with the same key; at most 3.
    #[serde(default)]
    fallback_models: Vec<String>,
    /// Where calls go when this service (and its fallback models) fail: another address,
    /// with each person's key for it; absent or null for none.
    #[serde(default)]
    second: Option<SecondBody>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SecondBody {
    /// `openai` (OpenAI-compatible, the default) or `anthropic`.
    #[serde(default)]
    provider: Option<String>,
    base_url: String,
    model: String,
}

/// Set where one AI tool's calls go
///
/// `base_url` and `model` both empty return the tool to the operator's default.
#[utoipa::path(put, path = "/admin/ai/{flag}", tag = "admin", security(("bearer" = [])),
    params(("flag" = ToolId, Path, description = "An AI tool's flag name")),
    request_body = EndpointBody,
    responses((status = 200, description = "Endpoints and usage after the change", body = AiAdminView)))]
async fn ai_set(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(tool): ApiPath<ToolId>,
    JsonBody(body): JsonBody<EndpointBody>,
) -> Result<Json<AiAdminView>, ApiError> {
    let second = body.second.as_ref();
    ai_admin::set(
        &state.db,
        &state.ai.settings,
        &admin,
        tool,
        ai_admin::EndpointChoice {
            provider: body.provider.as_deref().unwrap_or_default(),
            base_url: &body.base_url,
            model: &body.model,
            fallback_models: &body.fallback_models.join(","),
            second_provider: second
                .and_then(|s| s.provider.as_deref())
                .unwrap_or_default(),
            second_base_url: second.map_or("", |s| s.base_url.as_str()),
            second_model: second.map_or("", |s| s.model.as_str()),
        },
    )
    .await?;
    let days = PeriodQuery::default().days()?;
    Ok(Json(
        ai_admin::view(&state.db, &state.ai.settings, &admin, days).await?,
    ))
}

/// Every member's personal access tokens (never their secrets), a page at a time
#[utoipa::path(get, path = "/admin/tokens", tag = "admin", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "One page of the tokens not revoked, newest first, with their owners", body = MemberTokenPage)))]
async fn member_tokens(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPage(page): ApiPage,
) -> Result<Json<MemberTokenPage>, ApiError> {
    Ok(Json(member_token_rows(&state.db, &admin, page).await?))
}

/// Revoke a member's personal access token
#[utoipa::path(delete, path = "/admin/tokens/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked")))]
async fn revoke_member_token(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    use crate::features::tokens::personal;
    personal::revoke(&state.db, &admin, id, personal::RevokeScope::Company).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many members entered and finished each onboarding step
#[utoipa::path(get, path = "/admin/onboarding-funnel", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "The funnel", body = Funnel)))]
async fn funnel(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<Json<Funnel>, ApiError> {
    Ok(Json(
        crate::features::onboarding::service::funnel(&state.db, &admin).await?,
    ))
}
