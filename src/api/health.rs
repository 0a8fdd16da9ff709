//! `GET /api/v1/health`: the JSON API is up and can reach its database.

use crate::error::{AppError, ResultExt};
use crate::web::state::AppState;
use axum::extract::State;
use axum::Json;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `healthy`
    status: &'static str,
    service: &'static str,
    version: &'static str,
}

/// Service health
///
/// The API answers and its database is reachable.
#[utoipa::path(get, path = "/health", tag = "meta",
    responses((status = 200, description = "Up, with its database", body = Health)))]
async fn health(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    state
        .db
        .execute_unprepared("SELECT 1")
        .await
        .or_internal("API health check")?;
    Ok(Json(Health {
        status: "healthy",
        service: "digame",
        version: env!("CARGO_PKG_VERSION"),
    }))
}
