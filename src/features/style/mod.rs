//! Communication-style analysis (`/tools/style`): how a text comes across. Style
//! categories with confidences and the phrases behind each come from the model; the
//! readability grade is computed here ([`readability`]), never by the model.

pub mod pages;
pub mod readability;

#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use readability::Readability;
use serde::{Deserialize, Serialize};

pub const TEXT_MAX_CHARS: usize = 5_000;
/// Where the page with JavaScript asks for the report as it is written.
pub const STREAM_PATH: &str = "/tools/style/stream";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StyleCategory {
    /// `formal`, `informal`, `assertive`, `passive`, `friendly`, `direct`, …
    pub label: String,
    /// 0–1.
    pub confidence: f32,
    /// Phrases from the text that drove the label.
    pub phrases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StyleResult {
    /// Most confident first.
    pub categories: Vec<StyleCategory>,
    /// −1 (negative) to 1 (positive).
    pub sentiment: f32,
    /// 0 (none) to 1 (every sentence hedged).
    pub hedging: f32,
    pub readability: Readability,
}

/// How `text` comes across.
#[server(endpoint = "tools/style/analyse")]
pub async fn analyse_style(text: String) -> Result<StyleResult, AppError> {
    use crate::features::tools::ai_call::AiCallContext;
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let input = serde_json::json!({ "text": text });
    let result = service::analyse(
        &AiCallContext::new(&state.db, &state.keyring, &state.ai),
        &person,
        text,
    )
    .await;
    crate::features::tools::last::answered(
        &state.db,
        &person,
        crate::domain::ToolId::CommunicationStyle,
        input,
        &result,
    )
    .await;
    result
}
