//! Tasks over JSON: CRUD under `/api/v1/tasks` and the prioritization under
//! `/api/v1/ai/tasks/prioritization/prioritize`, with the same gate and rules as the page.

use super::extract::{ApiCaller, ApiError, ApiPage, ApiPath, ApiQuery, JsonBody, PageQuery};
use crate::features::tasks::service::{self, TaskInput};
use crate::features::tasks::{Suggestion, TaskRow, TasksView};
use crate::features::tools::gate::Pass;
use crate::web::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, update, remove))
        .routes(routes!(prioritize))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only tasks in this state: suggested, todo, in_progress, done or archived.
    #[serde(default)]
    status: String,
    /// `priority` (the default) or `due`.
    #[serde(default)]
    sort: String,
}

/// A task as a JSON client sends it; absent optional fields are empty.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaskBody {
    /// 1–200 characters.
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    due_on: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

impl TaskBody {
    fn parse(&self) -> Result<TaskInput, ApiError> {
        Ok(TaskInput::parse(
            &self.title,
            self.description.as_deref().unwrap_or_default(),
            self.due_on.as_deref().unwrap_or_default(),
            self.status.as_deref().unwrap_or_default(),
        )?)
    }
}

async fn gate<'a>(state: &AppState, caller: &'a ApiCaller) -> Result<Pass<'a>, ApiError> {
    Ok(service::gate(&state.db, &caller.0).await?)
}

/// The caller's tasks, a page at a time
#[utoipa::path(get, path = "/tasks", tag = "tasks", security(("bearer" = [])), params(ListQuery, PageQuery),
    responses((status = 200, description = "One page of the tasks, filtered and sorted", body = TasksView)))]
async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<ListQuery>,
    ApiPage(page): ApiPage,
) -> Result<Json<TasksView>, ApiError> {
    let pass = gate(&state, &caller).await?;
    Ok(Json(
        service::list(&state.db, pass, &q.status, &q.sort, page).await?,
    ))
}

/// Create a task
#[utoipa::path(post, path = "/tasks", tag = "tasks", security(("bearer" = [])), request_body = TaskBody,
    responses((status = 201, description = "The new task", body = TaskRow)))]
async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<TaskBody>,
) -> Result<(StatusCode, Json<TaskRow>), ApiError> {
    let pass = gate(&state, &caller).await?;
    let task = service::create(&state.db, pass, body.parse()?).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

/// One task
#[utoipa::path(get, path = "/tasks/{id}", tag = "tasks", security(("bearer" = [])), params(("id" = i64, Path, description = "The task's id")),
    responses((status = 200, description = "The task", body = TaskRow)))]
async fn one(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TaskRow>, ApiError> {
    let pass = gate(&state, &caller).await?;
    Ok(Json(service::get(&state.db, pass, id).await?))
}

/// Replace a task
#[utoipa::path(put, path = "/tasks/{id}", tag = "tasks", security(("bearer" = [])), params(("id" = i64, Path, description = "The task's id")),
    request_body = TaskBody,
    responses((status = 200, description = "The task after the change", body = TaskRow)))]
async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    JsonBody(body): JsonBody<TaskBody>,
) -> Result<Json<TaskRow>, ApiError> {
    let pass = gate(&state, &caller).await?;
    Ok(Json(
        service::update(&state.db, pass, id, body.parse()?).await?,
    ))
}

/// Delete a task
#[utoipa::path(delete, path = "/tasks/{id}", tag = "tasks", security(("bearer" = [])), params(("id" = i64, Path, description = "The task's id")),
    responses((status = 204, description = "Deleted")))]
async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let pass = gate(&state, &caller).await?;
    service::delete(&state.db, pass, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PrioritizeBody {
    /// Store the suggested scores (in one transaction).
    #[serde(default)]
    save_suggestions: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Prioritized {
    /// Each active task with its current and suggested score and the factor breakdown.
    suggestions: Vec<Suggestion>,
    /// How many suggestions were saved (0 unless `save_suggestions`).
    saved: i64,
}

/// Order open tasks by explainable heuristics
///
/// Each active task with its current and suggested score and the reasons behind it.
#[utoipa::path(post, path = "/ai/tasks/prioritization/prioritize", tag = "tasks", security(("bearer" = [])),
    request_body = PrioritizeBody,
    responses((status = 200, description = "The suggestions, and how many were saved", body = Prioritized)))]
async fn prioritize(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<PrioritizeBody>,
) -> Result<Json<Prioritized>, ApiError> {
    let pass = gate(&state, &caller).await?;
    let today = service::today();
    let suggestions = service::suggest(&state.db, pass, today).await?;
    let saved = if body.save_suggestions {
        service::apply(&state.db, pass, None, today).await?
    } else {
        0
    };
    Ok(Json(Prioritized { suggestions, saved }))
}
