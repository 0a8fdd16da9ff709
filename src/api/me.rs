//! `GET /api/v1/auth/me`: the calling person, in the original service's shape.

use super::extract::ApiCaller;
use crate::server::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/me", get(me))
}

#[derive(Debug, Serialize)]
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
    pub created_at: String,
    pub updated_at: String,
}

impl Me {
    pub fn of(person: crate::domain::SessionUser) -> Me {
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
            created_at: person.user.created_at.to_rfc3339(),
            updated_at: person
                .user
                .updated_at
                .unwrap_or(person.user.created_at)
                .to_rfc3339(),
        }
    }
}

async fn me(ApiCaller(person): ApiCaller) -> Json<Me> {
    Json(Me::of(person))
}
