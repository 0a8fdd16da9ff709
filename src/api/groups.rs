//! Groups over JSON, under `/api/v1/admin/groups`: the company's groups and their people,
//! and which groups each tool is for (`/admin/features/{flag}/groups`) — Admin → Groups'
//! work through the same service. Administrators only (403 to anyone else).

use super::extract::{ApiAdmin, ApiError, ApiPath, JsonBody};
use crate::domain::ToolId;
use crate::error::AppError;
use crate::features::groups::{check_name, service as groups, GroupsView};
use crate::web::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(rename, delete))
        .routes(routes!(add_member, remove_member))
        .routes(routes!(set_tool_groups))
}

/// A group or person named in the path that is not the company's is not there (404), as
/// for any other path; in a form it is a field to choose again.
fn not_found(e: AppError) -> AppError {
    match e {
        AppError::Validation { field, message } if field == "group" || field == "person" => {
            AppError::NotFound(message)
        }
        other => other,
    }
}

/// The company's groups with their people, everyone in the company, and who may use each tool
#[utoipa::path(get, path = "/admin/groups", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "Groups, people and each tool's groups", body = GroupsView)))]
async fn list(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
) -> Result<Json<GroupsView>, ApiError> {
    Ok(Json(groups::view(&state.db, &admin).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct GroupBody {
    /// 1 to 80 characters; unique in the company, in any case.
    name: String,
}

/// Make a group
///
/// A name the company already uses (in any case) is a 409 `CONFLICT`.
#[utoipa::path(post, path = "/admin/groups", tag = "admin", security(("bearer" = [])),
    request_body = GroupBody,
    responses((status = 201, description = "The groups after the change", body = GroupsView)))]
async fn create(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    JsonBody(body): JsonBody<GroupBody>,
) -> Result<(StatusCode, Json<GroupsView>), ApiError> {
    let name = check_name("name", &body.name)?;
    groups::create(&state.db, &admin, &name).await?;
    Ok((
        StatusCode::CREATED,
        Json(groups::view(&state.db, &admin).await?),
    ))
}

/// Rename a group
#[utoipa::path(put, path = "/admin/groups/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The group's id")),
    request_body = GroupBody,
    responses((status = 200, description = "The groups after the change", body = GroupsView)))]
async fn rename(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(id): ApiPath<i64>,
    JsonBody(body): JsonBody<GroupBody>,
) -> Result<Json<GroupsView>, ApiError> {
    let name = check_name("name", &body.name)?;
    groups::rename(&state.db, &admin, id, &name)
        .await
        .map_err(not_found)?;
    Ok(Json(groups::view(&state.db, &admin).await?))
}

/// Delete a group and its memberships
///
/// Refused (409 `CONFLICT`) while a tool is limited to the group: choose who may use the tool
/// first.
#[utoipa::path(delete, path = "/admin/groups/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The group's id")),
    responses((status = 204, description = "Deleted")))]
async fn delete(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    groups::delete(&state.db, &admin, id)
        .await
        .map_err(not_found)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Put a person in a group (nothing changes when they are in it)
#[utoipa::path(put, path = "/admin/groups/{id}/members/{user_id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The group's id"), ("user_id" = i64, Path, description = "The person's user id")),
    responses((status = 200, description = "The groups after the change", body = GroupsView)))]
async fn add_member(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath((id, user_id)): ApiPath<(i64, i64)>,
) -> Result<Json<GroupsView>, ApiError> {
    groups::set_member(&state.db, &admin, id, user_id, true)
        .await
        .map_err(not_found)?;
    Ok(Json(groups::view(&state.db, &admin).await?))
}

/// Take a person out of a group
#[utoipa::path(delete, path = "/admin/groups/{id}/members/{user_id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The group's id"), ("user_id" = i64, Path, description = "The person's user id")),
    responses((status = 200, description = "The groups after the change", body = GroupsView)))]
async fn remove_member(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath((id, user_id)): ApiPath<(i64, i64)>,
) -> Result<Json<GroupsView>, ApiError> {
    groups::set_member(&state.db, &admin, id, user_id, false)
        .await
        .map_err(not_found)?;
    Ok(Json(groups::view(&state.db, &admin).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ToolGroupsBody {
    /// The ids of the groups the tool is for; empty: everyone in the company.
    groups: Vec<i64>,
}

/// Limit a tool to some groups, or open it to everyone
///
/// A person in none of the groups gets 403 `FEATURE_DISABLED` from the tool, naming the
/// groups. The tool's on/off switch is unchanged.
#[utoipa::path(put, path = "/admin/features/{flag}/groups", tag = "admin", security(("bearer" = [])),
    params(("flag" = ToolId, Path, description = "The tool's flag name")),
    request_body = ToolGroupsBody,
    responses((status = 200, description = "The groups after the change", body = GroupsView)))]
async fn set_tool_groups(
    State(state): State<AppState>,
    ApiAdmin(admin): ApiAdmin,
    ApiPath(tool): ApiPath<ToolId>,
    JsonBody(body): JsonBody<ToolGroupsBody>,
) -> Result<Json<GroupsView>, ApiError> {
    groups::set_tool_groups(&state.db, &admin, tool, body.groups).await?;
    Ok(Json(groups::view(&state.db, &admin).await?))
}
