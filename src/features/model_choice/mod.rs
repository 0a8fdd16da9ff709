//! Each person's model for an AI tool, among those their company allows: the tool's model
//! and its fallback models (Admin → AI services). Chosen on the profile
//! (`/settings/profile#models`) or over `GET`/`PUT /api/v1/account/models`; a call then goes
//! to the chosen model first and to the others, in the company's order, when it is busy,
//! failing or too slow. Without a choice, the company's order.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

use crate::domain::ToolId;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One AI tool's models for the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ToolModels {
    pub tool: ToolId,
    /// The models the company allows, in its order: the tool's model, then its fallbacks.
    pub models: Vec<String>,
    /// The person's choice among them; `None` for the company's order.
    pub chosen: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModelChoices {
    /// Every AI tool, in the dashboard's order.
    pub tools: Vec<ToolModels>,
}

#[server(endpoint = "account/models")]
pub async fn my_models() -> Result<ModelChoices, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    service::choices(&state.db, &state.ai.settings, &person).await
}

/// Chooses `model` for `tool` (empty: the company's order again).
#[server(endpoint = "account/models/set")]
pub async fn set_model_choice(
    tool: ToolId,
    #[server(default)] model: String,
) -> Result<ModelChoices, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    service::choose(&state.db, &state.ai.settings, &person, tool, &model).await?;
    ctx::redirect_plain_form("/settings/profile?models=saved#models");
    service::choices(&state.db, &state.ai.settings, &person).await
}
