//! Tasks over JSON: CRUD under `/api/v1/tasks` and the prioritization under
//! `/api/v1/ai/tasks/prioritization/prioritize`, with the same gate and rules as the page.

use super::extract::{ApiCaller, ApiError, ApiPath, JsonBody};
use crate::features::tasks::service::{self, TaskInput};
use crate::features::tasks::{Suggestion, TaskRow, TasksView};
use crate::server::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(list).post(create))
        .route("/tasks/{id}", get(one).put(update).delete(remove))
        .route("/ai/tasks/prioritization/prioritize", post(prioritize))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    sort: String,
}

/// A task as a JSON client sends it; absent optional fields are empty.
#[derive(Debug, Deserialize)]
pub struct TaskBody {
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

async fn gate(state: &AppState, caller: &ApiCaller) -> Result<(), ApiError> {
    Ok(service::gate(&state.db, &state.keyring, &caller.0).await?)
}

async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<ListQuery>,
) -> Result<Json<TasksView>, ApiError> {
    gate(&state, &caller).await?;
    Ok(Json(
        service::list(&state.db, &caller.0, &q.status, &q.sort).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<TaskBody>,
) -> Result<(StatusCode, Json<TaskRow>), ApiError> {
    gate(&state, &caller).await?;
    let task = service::create(&state.db, &caller.0, body.parse()?).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

async fn one(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TaskRow>, ApiError> {
    gate(&state, &caller).await?;
    Ok(Json(service::get(&state.db, &caller.0, id).await?))
}

async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    JsonBody(body): JsonBody<TaskBody>,
) -> Result<Json<TaskRow>, ApiError> {
    gate(&state, &caller).await?;
    Ok(Json(
        service::update(&state.db, &caller.0, id, body.parse()?).await?,
    ))
}

async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    gate(&state, &caller).await?;
    service::delete(&state.db, &caller.0, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct PrioritizeBody {
    #[serde(default)]
    save_suggestions: bool,
}

#[derive(Debug, Serialize)]
pub struct Prioritized {
    /// Each active task with its current and suggested score and the factor breakdown.
    suggestions: Vec<Suggestion>,
    /// How many suggestions were saved (0 unless `save_suggestions`).
    saved: i64,
}

async fn prioritize(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<PrioritizeBody>,
) -> Result<Json<Prioritized>, ApiError> {
    gate(&state, &caller).await?;
    let today = service::today();
    let suggestions = service::suggest(&state.db, &caller.0, today).await?;
    let saved = if body.save_suggestions {
        service::apply(&state.db, &caller.0, None, today).await?
    } else {
        0
    };
    Ok(Json(Prioritized { suggestions, saved }))
}
