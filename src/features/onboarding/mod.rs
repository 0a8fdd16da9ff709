//! Onboarding: the five-step wizard that learns a person's role, goals and preferences and
//! recommends their tools; the stored document (compatible with the original service); and
//! the step funnel for admins.

#[cfg(feature = "ssr")]
#[cfg(feature = "ssr")]
pub mod document;
pub mod model;
pub mod pages;
pub mod recommend;

#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use model::OnboardingData;
use recommend::Recommendation;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A tool as step 4 shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolChoice {
    pub flag: crate::domain::ToolId,
    pub title: String,
    pub summary: String,
    /// Why it cannot be used now, if it cannot.
    pub locked: Option<String>,
    /// An admin can switch it on here (it is in the tier but off).
    pub can_switch_on: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnboardingView {
    pub data: OnboardingData,
    pub step: String,
    pub recommendations: Vec<Recommendation>,
    pub tools: Vec<ToolChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FunnelStep {
    pub step_id: String,
    pub title: String,
    pub entered: i64,
    pub completed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Funnel {
    pub members: i64,
    pub steps: Vec<FunnelStep>,
}

/// The caller's onboarding, at `step` (or where they left off), recording that they entered it.
#[server(endpoint = "onboarding/get")]
pub async fn get_onboarding(step: Option<String>) -> Result<OnboardingView, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    service::view(&state.db, &person, step.as_deref()).await
}

/// Saves one step and moves on. `nav` is `next`, `back`, `skip` (this step), `skip_all`
/// (the wizard, remembered) or `finish`. Returns the page to show next.
#[server(endpoint = "onboarding/save")]
pub async fn save_onboarding(
    step: String,
    nav: String,
    fields: Option<HashMap<String, String>>,
) -> Result<String, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let next = service::save(&state.db, &person, &step, &nav, &fields.unwrap_or_default()).await?;
    ctx::redirect_plain_form(&next);
    Ok(next)
}

/// The chosen tools in recommended order, for the dashboard.
#[server(endpoint = "onboarding/picks")]
pub async fn onboarding_picks() -> Result<Vec<Recommendation>, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    service::picks(&state.db, &person).await
}

/// How many of the tenant's members entered and finished each step.
#[server(endpoint = "admin/onboarding-funnel")]
pub async fn onboarding_funnel() -> Result<Funnel, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::funnel(&state.db, &admin).await
}
