//! `/api/v1/settings/api-keys`: the person's keys with the original service's semantics — the
//! whole set read, replaced (`POST`), or one deleted — through the same vault as the settings
//! page. The one deliberate difference: values come back masked (the last four characters),
//! never in clear.

use super::extract::{ApiCaller, ApiError, ApiPath, JsonBody};
use crate::error::AppError;
use crate::features::api_keys::parse::{mask, ApiKeyName, ApiKeyValue};
use crate::features::api_keys::service as vault;
use crate::features::api_keys::{binding, check};
use crate::person::SessionUser;
use crate::web::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read, replace))
        .routes(routes!(remove))
        .routes(routes!(test))
        .routes(routes!(confirm_address))
}

/// Where a key is sent.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyAddress {
    key_name: String,
    /// The AI service address the key is sent to from now on.
    address: String,
}

/// Let a held key go to its tool's new address
///
/// A key is sent only to the address it was saved for. When an administrator changes where
/// a tool's calls go, the key is held until its owner confirms the new address here.
#[utoipa::path(post, path = "/settings/api-keys/{key_name}/confirm-address", tag = "keys", security(("bearer" = [])),
    params(("key_name" = String, Path, description = "The key's name")),
    responses((status = 200, description = "The address the key goes to now", body = KeyAddress)))]
async fn confirm_address(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(key_name): ApiPath<String>,
) -> Result<Json<KeyAddress>, ApiError> {
    let name = ApiKeyName::parse(key_name.trim(), "key_name")?;
    let address = binding::confirm_address(&state.db, &state.ai.settings, &person, &name).await?;
    Ok(Json(KeyAddress {
        key_name: name.as_str().to_owned(),
        address,
    }))
}

/// A person's stored keys, values masked to their last four characters.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeySet {
    /// The person's id: one set per person.
    id: i64,
    user_id: i64,
    /// Name → the value masked.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    api_keys: Map<String, Value>,
    /// When the first stored key was added (the account's creation with none).
    #[schema(format = DateTime)]
    created_at: String,
    /// When a key last changed (the account's creation with none).
    #[schema(format = DateTime)]
    updated_at: String,
}

async fn key_set(state: &AppState, person: &SessionUser) -> Result<KeySet, AppError> {
    let rows = vault::stored(&state.db, person).await?;
    let created = rows
        .iter()
        .map(|r| r.created_at)
        .min()
        .unwrap_or(person.user.created_at);
    let updated = rows
        .iter()
        .map(|r| r.updated_at)
        .max()
        .unwrap_or(person.user.created_at);
    Ok(KeySet {
        id: person.user.id,
        user_id: person.user.id,
        api_keys: rows
            .into_iter()
            .map(|r| (r.key_name, Value::String(mask(&r.last_four))))
            .collect(),
        created_at: crate::util::rfc3339(created),
        updated_at: crate::util::rfc3339(updated),
    })
}

/// The replacement set: name → value. `{"api_keys": null}` deletes every key, a body without
/// the field changes nothing. Read as a map by the handler (`null` and absent differ).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the body for the document; read as a map
struct KeysReplacement {
    api_keys: Option<std::collections::BTreeMap<String, String>>,
}

/// The caller's stored keys, masked
#[utoipa::path(get, path = "/settings/api-keys", tag = "keys", security(("bearer" = [])),
    responses((status = 200, description = "The set (empty `api_keys` with none)", body = KeySet)))]
async fn read(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<KeySet>, ApiError> {
    Ok(Json(key_set(&state, &person).await?))
}

/// Replace the whole set of keys (null deletes every key)
///
/// Names not in the map are deleted; a body without `api_keys` changes nothing.
#[utoipa::path(post, path = "/settings/api-keys", tag = "keys", security(("bearer" = [])),
    request_body = KeysReplacement,
    responses((status = 200, description = "The set after the change, masked", body = KeySet)))]
async fn replace(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<KeySet>, ApiError> {
    let result = async {
        match body.get("api_keys") {
            None => {}
            Some(Value::Null) => {
                vault::replace_all(&state.db, &state.keyring, &state.ai.settings, &person, &[])
                    .await?
            }
            Some(Value::Object(map)) => {
                let mut keys = Vec::with_capacity(map.len());
                for (name, value) in map {
                    let field = format!("api_keys.{name}");
                    let Some(value) = value.as_str() else {
                        return Err(AppError::validation(
                            &field,
                            "Each key's value is a string.",
                        ));
                    };
                    keys.push((
                        ApiKeyName::parse(name.trim(), &field)?,
                        ApiKeyValue::parse(value, &field)?,
                    ));
                }
                vault::replace_all(
                    &state.db,
                    &state.keyring,
                    &state.ai.settings,
                    &person,
                    &keys,
                )
                .await?
            }
            Some(_) => {
                return Err(AppError::validation(
                    "api_keys",
                    "`api_keys` is an object of key names to values, or null.",
                ))
            }
        }
        key_set(&state, &person).await
    }
    .await;
    Ok(Json(result?))
}

/// Delete one key
///
/// 404 when the caller has no key of that name.
#[utoipa::path(delete, path = "/settings/api-keys/{key_name}", tag = "keys", security(("bearer" = [])),
    params(("key_name" = String, Path, description = "The key's name, e.g. writing_service_key")),
    responses((status = 200, description = "The remaining keys, masked", body = KeySet)))]
async fn remove(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(key_name): ApiPath<String>,
) -> Result<Json<KeySet>, ApiError> {
    let name = ApiKeyName::parse(key_name.trim(), "key_name")?;
    vault::delete(&state.db, &person, &name).await?;
    Ok(Json(key_set(&state, &person).await?))
}

/// Test one stored key
///
/// That it is unexpired and decrypts, then, for a key a tool uses, that the tool's AI
/// service accepts it (the cheapest call it has). 404 when the caller has no key of that name.
#[utoipa::path(post, path = "/settings/api-keys/{key_name}/test", tag = "keys", security(("bearer" = [])),
    params(("key_name" = String, Path, description = "The key's name")),
    responses((status = 200, description = "What the test found", body = crate::features::api_keys::KeyCheck)))]
async fn test(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    ApiPath(key_name): ApiPath<String>,
) -> Result<Json<crate::features::api_keys::KeyCheck>, ApiError> {
    Ok(Json(
        check::test_key(&state, &person, key_name.trim()).await?,
    ))
}
