//! The SCIM routes under `/scim/v2`, plain axum handlers outside the session layers: the
//! caller is the company's provider, named by its bearer token (no cookies, so no CSRF
//! exposure). Every answer is `application/scim+json`; every refusal SCIM's error shape.

use super::wire::{self, ScimError, ScimResult};
use super::{groups, user_body, users};
use crate::entities::tenants;
use crate::web::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use scim_v2::models::errors::ScimType;
use scim_v2::models::others::PatchOp;
use scim_v2::Validate;
use serde_json::Value;

/// The most a SCIM request body may hold.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// A list's query (RFC 7644 §3.4.2), also read for `attributes` on a single resource.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    pub filter: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
        .route("/Users", get(list_users).post(create_user))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .route("/Groups", get(list_groups).post(create_group))
        .route(
            "/Groups/{id}",
            get(get_group)
                .put(replace_group)
                .patch(patch_group)
                .delete(delete_group),
        )
        .route("/.search", axum::routing::post(search_everything))
        .fallback(unknown)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            BODY_LIMIT_BYTES,
        ))
}

/// The company whose provisioning token the request carries.
async fn company(state: &AppState, headers: &HeaderMap) -> Result<tenants::Model, ScimError> {
    let token = crate::web::ctx::bearer_token(headers).ok_or_else(ScimError::unauthorized)?;
    match super::service::company_of(&state.db, token).await? {
        Some(tenant) => Ok(tenant),
        None => {
            tracing::warn!(
                security_event = "scim_token_refused",
                "a SCIM request with an unknown token"
            );
            Err(ScimError::unauthorized())
        }
    }
}

/// The calling company and the SCIM base address its resources are named under.
async fn caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(tenants::Model, String), ScimError> {
    Ok((company(state, headers).await?, base(state, headers)))
}

fn base(state: &AppState, headers: &HeaderMap) -> String {
    super::service::base_url(&crate::web::ctx::origin_of(&state.settings, headers))
}

fn params(q: Result<Query<ListParams>, QueryRejection>) -> Result<ListParams, ScimError> {
    q.map(|Query(p)| p).map_err(|e| {
        ScimError::bad(
            ScimType::InvalidValue,
            format!("The query cannot be read: {}", e.body_text()),
        )
    })
}

fn json_body(body: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(body).map_err(|e| {
        ScimError::bad(
            ScimType::InvalidSyntax,
            format!("The body is not JSON: {e}"),
        )
    })
}

fn patch_body(body: &Bytes) -> Result<PatchOp, ScimError> {
    let ops: PatchOp = serde_json::from_slice(body)
        .map_err(|e| ScimError::bad(ScimType::InvalidSyntax, format!("Not a SCIM PatchOp: {e}")))?;
    ops.validate()
        .map_err(|e| ScimError::bad(ScimType::InvalidValue, e.to_string()))?;
    Ok(ops)
}

fn ok(body: &Value) -> Response {
    wire::answer(StatusCode::OK, body)
}

async fn unknown() -> Response {
    ScimError::new(
        StatusCode::NOT_FOUND,
        None,
        "There is no such SCIM endpoint here.",
    )
    .into_response()
}

/// Searching several resource types at once is not offered (RFC 7644 §3.4.3 lets a server
/// answer 501); `GET /Users` and `GET /Groups` with a filter search each.
async fn search_everything(State(state): State<AppState>, headers: HeaderMap) -> ScimResult {
    company(&state, &headers).await?;
    Err(ScimError::new(
        StatusCode::NOT_IMPLEMENTED,
        None,
        "Searching Users and Groups at once is not supported: search /Users and /Groups.",
    ))
}

async fn service_provider_config(State(state): State<AppState>, headers: HeaderMap) -> ScimResult {
    company(&state, &headers).await?;
    Ok(ok(&wire::service_provider_config(&base(&state, &headers))))
}

async fn resource_types(State(state): State<AppState>, headers: HeaderMap) -> ScimResult {
    company(&state, &headers).await?;
    let all = wire::resource_types(&base(&state, &headers));
    Ok(ok(&wire::list(all.len() as u64, 1, all)))
}

async fn resource_type(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ScimResult {
    company(&state, &headers).await?;
    wire::resource_types(&base(&state, &headers))
        .into_iter()
        .find(|r| r["id"] == id.as_str())
        .map(|r| ok(&r))
        .ok_or_else(|| ScimError::not_found("ResourceType", &id))
}

async fn schemas(State(state): State<AppState>, headers: HeaderMap) -> ScimResult {
    company(&state, &headers).await?;
    let all = wire::schemas(&base(&state, &headers));
    Ok(ok(&wire::list(all.len() as u64, 1, all)))
}

async fn schema(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ScimResult {
    company(&state, &headers).await?;
    wire::schemas(&base(&state, &headers))
        .into_iter()
        .find(|s| s["id"] == id.as_str())
        .map(|s| ok(&s))
        .ok_or_else(|| ScimError::not_found("Schema", &id))
}

async fn list_users(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<ListParams>, QueryRejection>,
) -> ScimResult {
    let (tenant, base) = caller(&state, &headers).await?;
    let q = params(q)?;
    Ok(ok(&users::list(&state.db, &tenant, &q, &base).await?))
}

async fn get_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Query<ListParams>, QueryRejection>,
) -> ScimResult {
    let (tenant, base) = caller(&state, &headers).await?;
    let q = params(q)?;
    let out = users::get(&state.db, &tenant, &id, &base).await?;
    Ok(ok(&wire::select(
        out,
        q.attributes.as_deref(),
        q.excluded_attributes.as_deref(),
    )))
}

async fn create_user(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ScimResult {
    let (tenant, base) = caller(&state, &headers).await?;
    let w = user_body::wanted(json_body(&body)?)?;
    let out = users::create(&state.db, &tenant, w, &base).await?;
    Ok(wire::created(&out))
}

async fn replace_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ScimResult {
    let (tenant, base) = caller(&state, &headers).await?;
    let w = user_body::wanted(json_body(&body)?)?;
    Ok(ok(&users::replace(&state.db, &tenant, &id, w, &base).await?))
}

async fn patch_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ScimResult {
    let (tenant, base) = caller(&state, &headers).await?;
    let ops = patch_body(&body)?;
    Ok(ok(
        &users::patch(&state.db, &tenant, &id, &ops, &base).await?
    ))
}

async fn delete_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ScimResult {
    let tenant = company(&state, &headers).await?;
    users::delete(&state.db, &tenant, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_groups(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<ListParams>, QueryRejection>,
) -> ScimResult {
    let (tenant, base) = caller(&state, &headers).await?;
    let q = params(q)?;
    Ok(ok(&groups::list(&state.db, &tenant, &q, &base).await?))
}

async fn get_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    q: Result<Query<ListParams>, QueryRejection>,
) -> ScimResult {
    let (tenant, base) = caller(&state, &headers).await?;
    let q = params(q)?;
    Ok(ok(&groups::get(&state.db, &tenant, &id, &q, &base).await?))
}

async fn create_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ScimResult {
    let (tenant, base) = caller(&state, &headers).await?;
    let w = groups::wanted(json_body(&body)?)?;
    let out = groups::create(&state.db, &tenant, w, &base).await?;
    Ok(wire::created(&out))
}

async fn replace_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ScimResult {
    let (tenant, base) = caller(&state, &headers).await?;
    let w = groups::wanted(json_body(&body)?)?;
    Ok(ok(
        &groups::replace(&state.db, &tenant, &id, w, &base).await?
    ))
}

async fn patch_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ScimResult {
    let (tenant, base) = caller(&state, &headers).await?;
    let ops = patch_body(&body)?;
    Ok(ok(
        &groups::patch(&state.db, &tenant, &id, &ops, &base).await?
    ))
}

async fn delete_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ScimResult {
    let tenant = company(&state, &headers).await?;
    groups::delete(&state.db, &tenant, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
