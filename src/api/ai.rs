//! The AI tools over JSON, under `/api/v1/ai/…`: the same checks and rules as the panels
//! (the same service functions), with `X-RateLimit-Limit/Remaining/Reset` on every answer
//! and `Retry-After` on a 429.

use super::extract::{ApiCaller, ApiError, JsonBody};
use crate::features::tools::ai_call::{minute_window, AiCallContext};
use crate::features::{email, language, meetings, style, writing};
use crate::server::state::AppState;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ai/writing-assistance/suggest", post(writing_suggest))
        .route("/ai/communication-style/analyze", post(style_analyze))
        .route("/ai/meeting-insights/analyze", post(meeting_analyze))
        .route("/ai/language/translate", post(translate))
        .route("/ai/language/define", post(define))
        .route("/ai/email-analysis/analyze", post(email_analyze))
}

#[derive(Debug, Deserialize)]
pub struct TextBody {
    text: String,
}

#[derive(Debug, Deserialize)]
pub struct NotesBody {
    #[serde(alias = "transcript", alias = "text")]
    notes: String,
}

#[derive(Debug, Deserialize)]
pub struct TranslateBody {
    text: String,
    #[serde(alias = "target")]
    target_language: String,
    #[serde(default, alias = "source")]
    source_language: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DefineBody {
    word: String,
    #[serde(default)]
    language: Option<String>,
}

/// Adds the caller's per-minute window to an answer (or to its error).
async fn answer<T: Serialize>(
    state: &AppState,
    caller: &ApiCaller,
    result: Result<T, crate::error::AppError>,
) -> Response {
    let mut res = match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => ApiError(e).into_response(),
    };
    let limit = state.ai.settings.calls_per_minute;
    if let Ok((remaining, reset)) = minute_window(&state.db, &caller.0, limit).await {
        for (name, value) in [
            ("x-ratelimit-limit", limit.to_string()),
            ("x-ratelimit-remaining", remaining.to_string()),
            ("x-ratelimit-reset", reset.to_string()),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().insert(HeaderName::from_static(name), v);
            }
        }
    }
    res
}

fn cx(state: &AppState) -> AiCallContext<'_> {
    AiCallContext::new(&state.db, &state.keyring, &state.ai)
}

async fn writing_suggest(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<TextBody>,
) -> Response {
    let result = writing::service::suggest(&cx(&state), &caller.0, body.text).await;
    answer(&state, &caller, result).await
}

async fn style_analyze(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<TextBody>,
) -> Response {
    let result = style::service::analyse(&cx(&state), &caller.0, body.text).await;
    answer(&state, &caller, result).await
}

async fn meeting_analyze(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<NotesBody>,
) -> Response {
    let result = meetings::service::analyse(&cx(&state), &caller.0, body.notes).await;
    answer(&state, &caller, result).await
}

async fn translate(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<TranslateBody>,
) -> Response {
    let source = body.source_language.unwrap_or_default();
    let result = language::service::translate(
        &cx(&state),
        &caller.0,
        &body.text,
        &body.target_language,
        &source,
    )
    .await;
    answer(&state, &caller, result).await
}

async fn define(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<DefineBody>,
) -> Response {
    let language = body.language.unwrap_or_else(|| "en".into());
    let result = language::service::define(&cx(&state), &caller.0, &body.word, &language).await;
    answer(&state, &caller, result).await
}

/// A list of messages' metadata, or `{"messages": [...], "own_addresses"?, "unanswered_days"?}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum EmailBody {
    List(Vec<email::service::MessageInput>),
    Object {
        messages: Vec<email::service::MessageInput>,
        #[serde(default)]
        own_addresses: Option<OneOrMany>,
        #[serde(default)]
        unanswered_days: Option<u32>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    Many(Vec<String>),
    One(String),
}

/// The built-in email analysis (not an AI call: no rate-limit headers, no allowance used).
async fn email_analyze(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<EmailBody>,
) -> Response {
    let (messages, own, days) = match body {
        EmailBody::List(messages) => (messages, String::new(), String::new()),
        EmailBody::Object {
            messages,
            own_addresses,
            unanswered_days,
        } => (
            messages,
            match own_addresses {
                Some(OneOrMany::Many(list)) => list.join(","),
                Some(OneOrMany::One(text)) => text,
                None => String::new(),
            },
            unanswered_days.map(|d| d.to_string()).unwrap_or_default(),
        ),
    };
    match email::service::analyse_messages(&state, &caller.0, messages, &own, &days).await {
        Ok(analysis) => Json(analysis).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}
