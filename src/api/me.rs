//! `GET /api/v1/auth/me`: the calling person, in the original service's shape.

use super::extract::ApiCaller;
use crate::web::state::AppState;
use axum::Json;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// A person as the API shows them (the original service's fields).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub full_name: String,
    pub tenant: String,
    pub role: crate::domain::Role,
    pub is_active: bool,
    pub onboarding_completed: bool,
    /// Whether the person confirmed their email address (keys, tools and invitations wait
    /// for it).
    pub email_verified: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl Me {
    pub fn of(person: crate::person::SessionUser) -> Me {
        let email_verified = person.email_verified();
        Me {
            id: person.user.id,
            role: person.role(),
            email: person.user.email,
            full_name: person.user.display_name,
            tenant: person.tenant.slug,
            is_active: person.user.active,
            onboarding_completed: person.user.onboarding_completed,
            email_verified,
            created_at: crate::util::rfc3339(person.user.created_at),
            updated_at: crate::util::rfc3339(
                person.user.updated_at.unwrap_or(person.user.created_at),
            ),
        }
    }
}

/// The caller
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "The signed-in person", body = Me)))]
async fn me(ApiCaller(person): ApiCaller) -> Json<Me> {
    Json(Me::of(person))
}
