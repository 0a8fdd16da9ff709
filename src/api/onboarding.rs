//! `/api/v1/auth/me/onboarding`: the original service's onboarding document, read and
//! updated with its rules. The same stored document the wizard reads and writes.

use super::extract::{ApiCaller, ApiError, JsonBody};
use crate::features::onboarding::model::{CompletedStep, OnboardingData};
use crate::features::onboarding::service;
use crate::person::SessionUser;
use crate::web::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read, update))
        .routes(routes!(recommendations))
}

/// The tools the caller's answers point to, best first (the dashboard's picks)
#[utoipa::path(get, path = "/auth/me/onboarding/recommendations", tag = "onboarding", security(("bearer" = [])),
    responses((status = 200, description = "The chosen tools, in recommended order, with the reasons", body = Vec<crate::features::onboarding::recommend::Recommendation>)))]
async fn recommendations(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<Vec<crate::features::onboarding::recommend::Recommendation>>, ApiError> {
    Ok(Json(service::picks(&state.db, &person).await?))
}

/// The onboarding document with its owner.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OnboardingDocument {
    user_id: i64,
    #[serde(flatten)]
    data: OnboardingData,
}

impl OnboardingDocument {
    fn of(person: &SessionUser, data: OnboardingData) -> Json<OnboardingDocument> {
        Json(OnboardingDocument {
            user_id: person.user.id,
            data,
        })
    }
}

/// An update: each field present is applied (`current_step_id`, `completed_steps` and
/// `is_completed` replaced, also by `null`; `user_preferences`, `goals` and
/// `feature_exploration` merged one level deep, `null` changing nothing); absent fields stay.
/// The handler reads the body as a map, since an explicit `null` and an absent field differ.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // describes the body for the document; read as a map
struct OnboardingChanges {
    current_step_id: Option<String>,
    completed_steps: Option<Vec<CompletedStep>>,
    #[schema(value_type = Option<Object>)]
    user_preferences: Option<Map<String, Value>>,
    #[schema(value_type = Option<Object>)]
    goals: Option<Map<String, Value>>,
    #[schema(value_type = Option<Object>)]
    feature_exploration: Option<Map<String, Value>>,
    is_completed: Option<bool>,
}

/// The onboarding document
///
/// With nothing stored, or stored data that cannot be read, the empty document.
#[utoipa::path(get, path = "/auth/me/onboarding", tag = "onboarding", security(("bearer" = [])),
    responses((status = 200, description = "The document", body = OnboardingDocument)))]
async fn read(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
) -> Result<Json<OnboardingDocument>, ApiError> {
    let data = service::load(&state.db, &person).await?;
    Ok(OnboardingDocument::of(&person, data))
}

/// Update the onboarding document (fields given are replaced or merged)
#[utoipa::path(post, path = "/auth/me/onboarding", tag = "onboarding", security(("bearer" = [])),
    request_body = OnboardingChanges,
    responses((status = 200, description = "The document after the update", body = OnboardingDocument)))]
async fn update(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<OnboardingDocument>, ApiError> {
    let data = service::apply_document(&state.db, &person, &body).await?;
    Ok(OnboardingDocument::of(&person, data))
}
