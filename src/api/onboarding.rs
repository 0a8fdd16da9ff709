//! `/api/v1/auth/me/onboarding`: the original service's onboarding document, read and
//! updated with its rules. The same stored document the wizard reads and writes.

use super::extract::{ApiCaller, ApiError, JsonBody};
use crate::domain::SessionUser;
use crate::features::onboarding::model::OnboardingData;
use crate::features::onboarding::service;
use crate::server::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/me/onboarding", get(read).post(update))
}

fn document(person: &SessionUser, data: OnboardingData) -> Response {
    let mut doc = serde_json::to_value(data).unwrap_or_default();
    if let Some(map) = doc.as_object_mut() {
        map.insert("user_id".into(), Value::from(person.user.id));
    }
    Json(doc).into_response()
}

async fn read(State(state): State<AppState>, ApiCaller(person): ApiCaller) -> Response {
    match service::load(&state.db, &person).await {
        Ok(data) => document(&person, data),
        Err(e) => ApiError(e).into_response(),
    }
}

async fn update(
    State(state): State<AppState>,
    ApiCaller(person): ApiCaller,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Response {
    match service::apply_document(&state.db, &person, &body).await {
        Ok(data) => document(&person, data),
        Err(e) => ApiError(e).into_response(),
    }
}
