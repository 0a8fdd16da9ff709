//! `GET /api/v1/health`: the JSON API is up and can reach its database.

use crate::error::{AppError, ResultExt};
use crate::server::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::ConnectionTrait;

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    state
        .db
        .execute_unprepared("SELECT 1")
        .await
        .or_internal("API health check")?;
    Ok(Json(serde_json::json!({
        "status": "healthy",
        "service": "digame",
        "version": env!("CARGO_PKG_VERSION"),
    })))
}
