//! The tools as a whole over JSON: what the caller may use (`GET /tools`, the dashboard's
//! cards), and the results they keep (`/saved-results`, the tool pages' "Keep this result").

use super::extract::{ApiCaller, ApiError, ApiPage, ApiPath, ApiQuery, JsonBody, PageQuery};
use crate::error::AppError;
use crate::features::tools::{gate, saved, SavedResult, ToolCard, ToolId};
use crate::web::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cards))
        .routes(routes!(list_saved, keep))
        .routes(routes!(forget))
}

/// The caller's six tools, each with whether it can be used and what unlocks it
#[utoipa::path(get, path = "/tools", tag = "tools", security(("bearer" = [])),
    responses((status = 200, description = "One card per tool", body = Vec<ToolCard>)))]
async fn cards(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<Vec<ToolCard>>, ApiError> {
    Ok(Json(gate::tool_cards(&state.db, &person).await?))
}

/// A result the caller kept.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeptResult {
    id: i64,
    title: String,
    /// When it was kept.
    #[schema(format = DateTime)]
    saved: String,
    /// The tool's answer, as the tool's route gave it.
    #[schema(value_type = Object)]
    result: serde_json::Value,
}

impl From<SavedResult> for KeptResult {
    fn from(r: SavedResult) -> Self {
        KeptResult {
            id: r.id,
            title: r.title,
            saved: r.saved,
            // Stored only after checking it is a JSON object (`saved::save`).
            result: serde_json::from_str(&r.payload).unwrap_or_default(),
        }
    }
}

/// One page of the results the caller kept of a tool, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeptResults {
    results: Vec<KeptResult>,
    paging: crate::domain::Paging,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ToolQuery {
    /// The tool whose results to list: one of the four AI tools' flag names.
    #[param(value_type = String)]
    tool: Option<String>,
}

fn tool_named(flag: Option<&str>) -> Result<ToolId, AppError> {
    let flag = flag.unwrap_or_default();
    ToolId::from_flag(flag).ok_or_else(|| {
        AppError::validation(
            "tool",
            if flag.is_empty() {
                "Name the tool: ?tool=writing_assistance, for example.".to_owned()
            } else {
                format!("There is no tool called {flag}.")
            },
        )
    })
}

/// The caller's kept results of one tool, newest first, a page at a time
#[utoipa::path(get, path = "/saved-results", tag = "tools", security(("bearer" = [])), params(ToolQuery, PageQuery),
    responses((status = 200, description = "One page of the kept results", body = KeptResults)))]
async fn list_saved(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiQuery(q): ApiQuery<ToolQuery>,
    ApiPage(page): ApiPage,
) -> Result<Json<KeptResults>, ApiError> {
    let tool = tool_named(q.tool.as_deref())?;
    let found = saved::list(&state.db, &person, tool, page).await?;
    Ok(Json(KeptResults {
        results: found.results.into_iter().map(KeptResult::from).collect(),
        paging: found.paging,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct KeepBody {
    /// The tool that gave the result (an AI tool's flag name).
    tool: String,
    /// 1–200 characters, on one line.
    title: String,
    /// The tool's answer (a JSON object, at most 64 KB).
    #[schema(value_type = Object)]
    result: serde_json::Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Kept {
    id: i64,
}

/// Keep a tool's result under a title
#[utoipa::path(post, path = "/saved-results", tag = "tools", security(("bearer" = [])),
    request_body = KeepBody,
    responses((status = 201, description = "Kept", body = Kept)))]
async fn keep(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<KeepBody>,
) -> Result<(StatusCode, Json<Kept>), ApiError> {
    let tool = tool_named(Some(&body.tool))?;
    let id = saved::save(
        &state.db,
        &person,
        tool,
        &body.title,
        &body.result.to_string(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Kept { id })))
}

/// Delete a kept result
#[utoipa::path(delete, path = "/saved-results/{id}", tag = "tools", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The kept result's id")),
    responses((status = 204, description = "Deleted")))]
async fn forget(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    saved::delete(&state.db, &person, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
