//! `/admin/ai`: where each AI tool's calls go for this tenant (kind of API, base URL and
//! model, within what the operator allows), and what the tools have used: calls, tokens,
//! errors, median and 95th-percentile latency per tool, day, person and model, and the
//! calls as a CSV download.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod figures;
#[cfg(feature = "ssr")]
pub mod service;

/// The company's calls of the window as CSV, for admins.
pub const CSV_PATH: &str = "/admin/ai/calls.csv";

use crate::domain::{ProviderKind, ToolId};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The tools that call an AI service: those with a key.
pub fn ai_tools() -> impl Iterator<Item = ToolId> {
    crate::domain::TOOLS
        .iter()
        .filter(|t| t.key != crate::domain::KeyNeed::None)
        .map(|t| t.id)
}

/// How many days of usage the page shows when no period is chosen.
pub const USAGE_DAYS: i64 = 14;
/// The longest period the figures cover at once.
pub const PERIOD_MAX_DAYS: i64 = 366;

/// The days the figures cover, in UTC, both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Period {
    /// `YYYY-MM-DD`.
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub from: String,
    /// `YYYY-MM-DD`.
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub to: String,
}

impl Period {
    /// The query string that asks for this period (`from=…&to=…`).
    pub fn query(&self) -> String {
        format!("from={}&to={}", self.from, self.to)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Endpoint {
    pub tool: ToolId,
    /// Which API the address speaks.
    pub provider: ProviderKind,
    pub base_url: String,
    pub model: String,
    /// The models tried next, in order, when `model` is busy, failing or too slow (at the
    /// same address, with the same key).
    pub fallback_models: Vec<String>,
    /// Where calls go when the service above fails (down, busy, too slow): another address,
    /// with each person's key for it.
    pub second: Option<SecondEndpoint>,
    /// Chosen by the tenant's admins (not the operator's default).
    pub custom: bool,
}

/// A tool's second AI service (its failover).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SecondEndpoint {
    pub provider: ProviderKind,
    pub base_url: String,
    pub model: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Usage {
    pub calls: i64,
    pub tokens: i64,
    pub errors: i64,
    pub median_ms: Option<i64>,
    /// 95 % of the calls took at most this long (nearest rank).
    pub p95_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AiAdminView {
    pub endpoints: Vec<Endpoint>,
    pub default_provider: ProviderKind,
    pub default_base_url: String,
    pub default_model: String,
    /// Whether plain http and private addresses are allowed (local model servers).
    pub allow_private: bool,
    /// The days the figures below cover.
    pub period: Period,
    pub by_tool: Vec<ToolUsage>,
    /// Oldest first, one entry per day, days without calls included.
    pub by_day: Vec<DayUsage>,
    /// Each person who made calls, most tokens first.
    pub by_person: Vec<PersonUsage>,
    /// Each model asked, most calls first.
    pub by_model: Vec<ModelUsage>,
}

/// One person's calls over the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonUsage {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub usage: Usage,
}

/// One model's calls over the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModelUsage {
    pub model: String,
    pub usage: Usage,
}

/// One tool's calls over the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ToolUsage {
    pub tool: ToolId,
    pub usage: Usage,
}

/// One day's calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayUsage {
    /// `YYYY-MM-DD`, in UTC.
    #[cfg_attr(feature = "ssr", schema(format = Date))]
    pub day: String,
    pub usage: Usage,
}

/// The endpoints, and the figures over `from`–`to` (`YYYY-MM-DD`, UTC, both included;
/// empty: the last [`USAGE_DAYS`] days).
#[server(endpoint = "admin/ai/view")]
pub async fn ai_settings_view(
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<AiAdminView, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let period = figures::period(&from, &to, chrono::Utc::now().date_naive())?;
    service::view(&state.db, &state.ai.settings, &admin, period).await
}

/// Sets where `tool`'s calls go and which API the address speaks (empty: OpenAI-compatible),
/// with its fallback models and its second service; address and model both empty return
/// it to the operator's default.
#[server(endpoint = "admin/ai/set")]
pub async fn set_ai_endpoint(
    tool: ToolId,
    #[server(default)] provider: String,
    base_url: String,
    model: String,
    #[server(default)] fallback_models: String,
    // The second service: `second[provider]`, `second[base_url]`, `second[model]`.
    #[server(default)] second: std::collections::HashMap<String, String>,
) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::set(
        &state.db,
        &state.ai.settings,
        &admin,
        tool,
        service::EndpointChoice {
            provider: &provider,
            base_url: &base_url,
            model: &model,
            fallback_models: &fallback_models,
            second_provider: second.get("provider").map_or("", String::as_str),
            second_base_url: second.get("base_url").map_or("", String::as_str),
            second_model: second.get("model").map_or("", String::as_str),
        },
    )
    .await?;
    ctx::redirect_plain_form("/admin/ai?saved=1");
    Ok(())
}
