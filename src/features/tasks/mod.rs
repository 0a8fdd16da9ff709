//! Tasks and intelligent task prioritization (`/tools/tasks`): each person's own tasks, and
//! suggested priorities from explainable heuristics (`priority`), previewed with the
//! contribution of every factor and saved when the person chooses. No outside service and no
//! AI allowance is involved; the tool gate still checks the tenant's flag and tier.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod priority;
#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::domain::TaskStatus;

/// One factor of a suggested priority and what it added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Factor {
    pub points: i32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TaskRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// `YYYY-MM-DD`.
    pub due_on: Option<String>,
    pub status: TaskStatus,
    pub priority: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TasksView {
    pub tasks: Vec<TaskRow>,
    /// `None`: every task that is not archived.
    pub filter: Option<TaskStatus>,
    pub sort: TaskSort,
    pub paging: crate::domain::Paging,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum TaskSort {
    /// Saved priority, highest first (unprioritized last), then due date.
    Priority,
    /// Due date, soonest first (no date last), then priority.
    Due,
}

/// A suggested priority for one active task, with the reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = TaskSuggestion))]
pub struct Suggestion {
    pub task_id: i64,
    pub title: String,
    pub due_on: Option<String>,
    pub status: TaskStatus,
    pub current: Option<i32>,
    pub suggested: i32,
    pub factors: Vec<Factor>,
}

/// One page of the caller's tasks: `status` filters (empty: all but archived), `sort` is
/// `priority` (the default) or `due`.
#[server(endpoint = "tasks/list")]
pub async fn list_tasks(
    status: String,
    sort: String,
    page: Option<i64>,
) -> Result<TasksView, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let pass = service::gate(&state.db, &person).await?;
    let page = crate::domain::PageRequest::numbered(page.unwrap_or(1));
    service::list(&state.db, pass, &status, &sort, page).await
}

/// Adds a task. Optional fields may be empty.
#[server(endpoint = "tasks/create")]
pub async fn create_task(
    title: String,
    description: String,
    due_on: String,
    status: String,
) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let pass = service::gate(&state.db, &person).await?;
    let input = service::TaskInput::parse(&title, &description, &due_on, &status)?;
    service::create(&state.db, pass, input).await?;
    ctx::redirect_plain_form("/tools/tasks?saved=1");
    Ok(())
}

#[server(endpoint = "tasks/update")]
pub async fn update_task(
    task_id: i64,
    title: String,
    description: String,
    due_on: String,
    status: String,
) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let pass = service::gate(&state.db, &person).await?;
    let input = service::TaskInput::parse(&title, &description, &due_on, &status)?;
    service::update(&state.db, pass, task_id, input).await?;
    ctx::redirect_plain_form("/tools/tasks?saved=1");
    Ok(())
}

/// Moves a task to another status (complete, archive, reopen).
#[server(endpoint = "tasks/status")]
pub async fn set_task_status(task_id: i64, status: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let pass = service::gate(&state.db, &person).await?;
    let status = service::parse_status(&status)?;
    service::set_status(&state.db, pass, task_id, status).await?;
    ctx::redirect_plain_form("/tools/tasks?saved=1");
    Ok(())
}

#[server(endpoint = "tasks/delete")]
pub async fn delete_task(task_id: i64) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let pass = service::gate(&state.db, &person).await?;
    service::delete(&state.db, pass, task_id).await?;
    ctx::redirect_plain_form("/tools/tasks?deleted=1");
    Ok(())
}

/// Suggested priorities for the caller's active tasks, highest first, with the reasons.
#[server(endpoint = "tasks/suggest")]
pub async fn suggest_priorities() -> Result<Vec<Suggestion>, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let pass = service::gate(&state.db, &person).await?;
    service::suggest(&state.db, pass, service::today()).await
}

/// Saves the suggested priority of one task (`task_id`), or of every active task when
/// `task_id` is empty, in one transaction. Answers how many were saved.
#[server(endpoint = "tasks/apply")]
pub async fn apply_priorities(task_id: String) -> Result<i64, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let pass = service::gate(&state.db, &person).await?;
    let only = match task_id.trim() {
        "" => None,
        id => Some(
            id.parse::<i64>()
                .map_err(|_| AppError::validation("task_id", "Choose a task from the list."))?,
        ),
    };
    let saved = service::apply(&state.db, pass, only, service::today()).await?;
    ctx::redirect_plain_form(&format!("/tools/tasks?applied={saved}"));
    Ok(saved)
}
