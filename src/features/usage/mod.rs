//! "Your usage" (`/settings/usage`, `GET /api/v1/account/usage`): what a person's AI calls
//! used this month, tool by tool, what is left of today's allowance, and their last calls
//! with tokens, time and outcome. Only their own calls, in their company.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

use crate::domain::ToolId;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How many of the last calls are listed.
pub const LAST_CALLS: u64 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UsageView {
    /// The month counted, `YYYY-MM`, in UTC.
    pub month: String,
    /// Each AI tool's calls this month (tools not used included, at zero).
    pub by_tool: Vec<ToolMonth>,
    /// The month's calls across the tools.
    pub total: MonthTotals,
    /// Today's AI calls against the plan's daily allowance (UTC days).
    pub today: Allowance,
    /// The last calls, newest first (at most 20, any month).
    pub last: Vec<CallRow>,
    /// The monthly token budgets that hold the person's calls (Admin → Budgets).
    pub budgets: crate::features::budgets::MyBudgets,
}

/// One tool's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ToolMonth {
    pub tool: ToolId,
    pub totals: MonthTotals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MonthTotals {
    pub calls: i64,
    /// Tokens of the prompts sent.
    pub prompt_tokens: i64,
    /// Tokens of the answers.
    pub completion_tokens: i64,
    /// Calls that ended without an answer (the key refused, the service busy, unreachable,
    /// too slow, or an answer that could not be read).
    pub errors: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Allowance {
    /// Calls counted today (the built-in email analysis is not an AI call).
    pub used: i64,
    /// Calls the plan allows a person each day; 0 when it includes none.
    pub per_day: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CallRow {
    pub tool: ToolId,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub at: String,
    pub model: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    /// From asking to the whole answer.
    pub latency_ms: i64,
    /// `ok`, `pending` (still running), `key_rejected`, `rate_limited`, `unreachable`,
    /// `timed_out`, `bad_reply`, `cancelled` (the person stopped it while it streamed) or
    /// `interrupted` (it never ended: its server stopped, or its client left).
    pub outcome: String,
}

/// What an outcome means, in words.
pub fn outcome_words(outcome: &str) -> &'static str {
    match outcome {
        "ok" => "Answered",
        "pending" | "cancel_requested" => "Still running",
        "key_rejected" => "Key refused",
        "rate_limited" => "Service busy",
        "unreachable" => "Service unreachable",
        "timed_out" => "Too slow",
        "bad_reply" => "Unreadable answer",
        "cancelled" => "Cancelled",
        "interrupted" => "Interrupted",
        _ => "Other",
    }
}

/// Whether a call with this outcome counts as an error in the figures: not an answer, not
/// still running, not stopped by the person, and not cut off on Digame's side.
pub fn is_failure(outcome: &str) -> bool {
    !matches!(
        outcome,
        "ok" | "pending" | "cancel_requested" | "cancelled" | "interrupted"
    )
}

#[server(endpoint = "account/usage")]
pub async fn my_usage() -> Result<UsageView, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    service::usage_view(&state.db, &person).await
}
