//! The AI tools over JSON, under `/api/v1/ai/…`: the same checks and rules as the panels
//! (the same service functions), with `X-RateLimit-Limit/Remaining/Reset` on every answer
//! and `Retry-After` on a 429.
//!
//! Each route that asks an AI service streams its answer when the request says
//! `Accept: text/event-stream`: `draft` events while the model writes, then `result`
//! (`{"result": …, "usage": {prompt_tokens, completion_tokens, total_tokens}}`) or `error`
//! (`tools::stream`). Closing the connection cancels the call.

use super::extract::{ApiCaller, ApiError, JsonBody};
use crate::error::AppError;
use crate::features::tools::ai_call::{minute_window, AiCallContext, Ready, Stop};
use crate::features::tools::stream;
use crate::features::{email, language, meetings, style, writing};
use crate::web::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(writing_suggest))
        .routes(routes!(style_analyze))
        .routes(routes!(meeting_analyze))
        .routes(routes!(translate))
        .routes(routes!(define))
        .routes(routes!(email_analyze))
        .routes(routes!(email_narrative))
}

/// The mail export upload: its own router, for its own body limit
/// (`DIGAME_EMAIL_UPLOAD_MAX_MB` instead of the API's 256 KB).
pub fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(email_upload))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TextBody {
    /// The text to work on.
    text: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NotesBody {
    /// The meeting's notes or transcript (also accepted as `transcript` or `text`).
    #[serde(alias = "transcript", alias = "text")]
    notes: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TranslateBody {
    text: String,
    /// The language to translate into (also accepted as `target`).
    #[serde(alias = "target")]
    target_language: String,
    /// The text's language; detected when absent (also accepted as `source`).
    #[serde(default, alias = "source")]
    source_language: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DefineBody {
    word: String,
    /// The word's language (`en` when absent).
    #[serde(default)]
    language: Option<String>,
}

/// Adds the caller's per-minute window to an answer (or to its error).
async fn answer<T: Serialize>(
    state: &AppState,
    caller: &ApiCaller,
    result: Result<T, AppError>,
) -> Response {
    let res = match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => ApiError(e).into_response(),
    };
    with_window(state, caller, res).await
}

/// `res` with the caller's per-minute window in `X-RateLimit-*` headers.
async fn with_window(state: &AppState, caller: &ApiCaller, mut res: Response) -> Response {
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

/// A prepared call's answer: as events when the caller asks for them
/// (`Accept: text/event-stream`), else as one JSON body.
async fn run<T: Serialize + Send + Sync + 'static>(
    state: AppState,
    caller: &ApiCaller,
    headers: &HeaderMap,
    ready: Result<Ready<T>, AppError>,
) -> Response {
    let ready = match ready {
        Ok(ready) => ready,
        Err(e) => return answer::<T>(&state, caller, Err(e)).await,
    };
    if stream::wants_events(headers) {
        let res = stream::respond(state.clone(), ready, None, Stop::OnDisconnect).await;
        return with_window(&state, caller, res).await;
    }
    let result = ready.run(&cx(&state)).await;
    answer(&state, caller, result).await
}

fn cx(state: &AppState) -> AiCallContext<'_> {
    AiCallContext::new(&state.db, &state.keyring, &state.ai)
}

/// Writing suggestions anchored to spans
///
/// Needs the writing tool on and the caller's `writing_service_key`. Streams with
/// `Accept: text/event-stream`.
#[utoipa::path(post, path = "/ai/writing-assistance/suggest", tag = "ai", security(("bearer" = [])), request_body = TextBody,
    responses((status = 200, description = "The text and its suggestions", body = writing::WritingResult)))]
async fn writing_suggest(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<TextBody>,
) -> Response {
    let ready = writing::service::prepare(&cx(&state), &caller.0, body.text).await;
    run(state, &caller, &headers, ready).await
}

/// Communication style, tone and readability
///
/// Streams with `Accept: text/event-stream`.
#[utoipa::path(post, path = "/ai/communication-style/analyze", tag = "ai", security(("bearer" = [])), request_body = TextBody,
    responses((status = 200, description = "The style report", body = style::StyleResult)))]
async fn style_analyze(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<TextBody>,
) -> Response {
    let ready = style::service::prepare(&cx(&state), &caller.0, body.text).await;
    run(state, &caller, &headers, ready).await
}

/// Summary, key points, decisions, action items
///
/// Streams with `Accept: text/event-stream`.
#[utoipa::path(post, path = "/ai/meeting-insights/analyze", tag = "ai", security(("bearer" = [])), request_body = NotesBody,
    responses((status = 200, description = "The meeting's insights", body = meetings::MeetingResult)))]
async fn meeting_analyze(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NotesBody>,
) -> Response {
    let ready = meetings::service::prepare(&cx(&state), &caller.0, &body.notes).await;
    run(state, &caller, &headers, ready).await
}

/// Translate a snippet
///
/// Streams with `Accept: text/event-stream`.
#[utoipa::path(post, path = "/ai/language/translate", tag = "ai", security(("bearer" = [])), request_body = TranslateBody,
    responses((status = 200, description = "The translation", body = language::Translation)))]
async fn translate(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<TranslateBody>,
) -> Response {
    let source = body.source_language.unwrap_or_default();
    let ready = language::service::prepare_translation(
        &cx(&state),
        &caller.0,
        &body.text,
        &body.target_language,
        &source,
    )
    .await;
    run(state, &caller, &headers, ready).await
}

/// Define a word
///
/// Streams with `Accept: text/event-stream`.
#[utoipa::path(post, path = "/ai/language/define", tag = "ai", security(("bearer" = [])), request_body = DefineBody,
    responses((status = 200, description = "The definition", body = language::Definition)))]
async fn define(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<DefineBody>,
) -> Response {
    let language = body.language.unwrap_or_else(|| "en".into());
    let ready =
        language::service::prepare_definition(&cx(&state), &caller.0, &body.word, &language).await;
    run(state, &caller, &headers, ready).await
}

/// A list of messages' metadata, or `{"messages": [...], "own_addresses"?, "unanswered_days"?}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
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

/// Addresses: a list, or one string separated by commas.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    Many(Vec<String>),
    One(String),
}

/// Patterns in a list of messages' metadata
///
/// The built-in email analysis (not an AI call: no AI rate-limit headers, no allowance used).
#[utoipa::path(post, path = "/ai/email-analysis/analyze", tag = "ai", security(("bearer" = [])), request_body = EmailBody,
    responses((status = 200, description = "The analysis", body = email::EmailAnalysis)))]
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NarrativeBody {
    /// An analysis as `/ai/email-analysis/analyze` or `/upload` answered it; only its
    /// anonymised aggregates are sent to the AI service.
    #[schema(value_type = Object)]
    analysis: serde_json::Value,
}

/// A short narrative with suggestions about an email analysis
///
/// An AI call (the email tool's key, its allowance and rate limit). Streams with
/// `Accept: text/event-stream`.
#[utoipa::path(post, path = "/ai/email-analysis/narrative", tag = "ai", security(("bearer" = [])), request_body = NarrativeBody,
    responses((status = 200, description = "The narrative", body = email::Narrative)))]
async fn email_narrative(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NarrativeBody>,
) -> Response {
    let ready =
        email::service::prepare_narrative(&cx(&state), &caller.0, &body.analysis.to_string()).await;
    run(state, &caller, &headers, ready).await
}

/// The upload's form fields (describes the multipart body for the document).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // read field by field from the multipart stream
struct EmailUpload {
    /// An mbox file, a single message (.eml), or a zip of either.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The caller's own addresses, separated by commas (the account's email when absent).
    own_addresses: Option<String>,
    /// After how many days a message counts as unanswered.
    unanswered_days: Option<String>,
}

/// Patterns in a mail export file
///
/// The built-in analysis of an uploaded export, as on the email tool's page; the file is
/// read once and not kept.
#[utoipa::path(post, path = "/ai/email-analysis/upload", tag = "ai", security(("bearer" = [])),
    request_body(content = EmailUpload, content_type = "multipart/form-data"),
    responses((status = 200, description = "The analysis", body = email::EmailAnalysis)))]
async fn email_upload(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: axum::http::HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<email::EmailAnalysis>, ApiError> {
    let mut form = email::service::UploadForm::default();
    Ok(Json(
        email::service::analyse_upload(&state, &caller.0, &headers, multipart, &mut form).await?,
    ))
}
