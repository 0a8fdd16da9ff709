//! The upload (a multipart form post, streamed to a temporary file, read on a blocking
//! thread) and the narrative from the person's AI service.

use super::analysis::{Analyzer, Settings};
use super::parse::{detect, read, Limits};
use super::{EmailAnalysis, Narrative, PAGE, UNANSWERED_DAYS_DEFAULT};
use crate::ai::prompt::Prompt;
use crate::domain::ToolId;
use crate::error::AppError;
use crate::features::onboarding::service as onboarding;
use crate::features::tools::ai_call::{ready, AiCallContext, Ready};
use crate::features::tools::gate;
use crate::person::SessionUser;
use crate::web::session::AuthSession;
use crate::web::state::AppState;
use axum::extract::multipart::{Field, Multipart};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use std::io::{Read, Seek};
use std::sync::OnceLock;
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

/// At most this many analyses read files at once; more wait their turn, so uploads cannot
/// take every core from the pages.
const CONCURRENT_ANALYSES: usize = 2;
/// The most addresses a person may name as their own.
const OWN_ADDRESSES_MAX: usize = 10;

fn analyses() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| Semaphore::new(CONCURRENT_ANALYSES))
}

/// How long an upload waits for one of the analysis slots before it is told to come back.
const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(20);
/// Uploads that may wait for a slot at once; more are told at once.
const QUEUE_MAX: usize = 4;
/// The longest one analysis may read for.
pub const ANALYSIS_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// The people with an upload in progress (spooling or analysing), in this process: one
/// each at a time, so one person cannot fill the disk with spooled uploads or hold every
/// slot.
fn in_progress() -> &'static std::sync::Mutex<std::collections::HashSet<i64>> {
    static PEOPLE: OnceLock<std::sync::Mutex<std::collections::HashSet<i64>>> = OnceLock::new();
    PEOPLE.get_or_init(Default::default)
}

/// A person's one upload in progress; dropping it lets them start another.
struct OneAtATime(i64);

impl OneAtATime {
    fn begin(user_id: i64) -> Result<OneAtATime, AppError> {
        let mut people = in_progress().lock().unwrap_or_else(|e| e.into_inner());
        if !people.insert(user_id) {
            return Err(AppError::Conflict {
                field: "file".into(),
                message: "Your previous upload is still being analysed. Wait for its answer, then try again.".into(),
            });
        }
        Ok(OneAtATime(user_id))
    }
}

impl Drop for OneAtATime {
    fn drop(&mut self) {
        in_progress()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.0);
    }
}

/// A slot to analyse in: at once, or after a short wait behind at most [`QUEUE_MAX`] others;
/// otherwise a 429 that says why and when to come back.
async fn analysis_slot() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    static WAITING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    use std::sync::atomic::Ordering;
    if let Ok(permit) = analyses().try_acquire() {
        return Ok(permit);
    }
    let busy = || {
        AppError::RateLimited {
        message: "Digame is analysing other people's mail exports right now. Try again in a minute: your file was not kept.".into(),
        retry_after_secs: 60,
    }
    };
    if WAITING.fetch_add(1, Ordering::SeqCst) >= QUEUE_MAX {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        return Err(busy());
    }
    let waited = tokio::time::timeout(QUEUE_WAIT, analyses().acquire()).await;
    WAITING.fetch_sub(1, Ordering::SeqCst);
    match waited {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(busy()),
    }
}

/// What the form says besides the file.
#[derive(Debug, Clone, Default)]
pub struct UploadForm {
    pub own_addresses: String,
    pub unanswered_days: String,
}

impl UploadForm {
    fn echo(&self) -> Value {
        serde_json::json!({
            "own_addresses": self.own_addresses,
            "unanswered_days": self.unanswered_days,
        })
    }
}

/// The person's own addresses from the form (comma, semicolon or space separated); their
/// account address when the field is empty.
pub fn own_addresses(raw: &str, account: &str) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for part in raw
        .split([',', ';', ' ', '\n', '\r', '\t'])
        .filter(|p| !p.is_empty())
    {
        let Some(a) = super::parse::clean_address(part) else {
            return Err(AppError::validation(
                "own_addresses",
                format!(
                    "“{}” is not an email address.",
                    part.chars().take(60).collect::<String>()
                ),
            ));
        };
        if !out.contains(&a) {
            out.push(a);
        }
    }
    if out.len() > OWN_ADDRESSES_MAX {
        return Err(AppError::validation(
            "own_addresses",
            format!("Name at most {OWN_ADDRESSES_MAX} addresses."),
        ));
    }
    if out.is_empty() {
        out.push(account.to_lowercase());
    }
    Ok(out)
}

pub fn unanswered_days(raw: &str) -> Result<u32, AppError> {
    if raw.trim().is_empty() {
        return Ok(UNANSWERED_DAYS_DEFAULT);
    }
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=365).contains(d))
        .ok_or_else(|| {
            AppError::validation("unanswered_days", "Enter a number of days from 1 to 365.")
        })
}

/// The working hours the person gave in onboarding (09–17 when they gave none).
async fn working_hours(state: &AppState, person: &SessionUser) -> Result<(u32, u32), AppError> {
    Ok(onboarding::preferences(&state.db, person).await?.work_hours)
}

/// `POST /tools/email/upload`: the form's file analysed. A browser's plain form post is
/// sent back to the page (the answer kept in the session, as for every tool's plain form);
/// a caller that accepts JSON gets the analysis, or the error, as JSON.
pub async fn upload(
    State(state): State<AppState>,
    auth: AuthSession,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let Some(person) = auth.user.clone() else {
        return if json {
            AppError::unauthorized().into_response()
        } else {
            Redirect::to(&format!("/login?next={PAGE}")).into_response()
        };
    };
    let mut form = UploadForm::default();
    let result = analyse_upload(&state, &person, &headers, multipart, &mut form).await;
    if let Err(e) = &result {
        tracing::info!(error = %e.message(), "email analysis refused");
    }
    // Kept for the page either way: the page's own upload (JavaScript) asks for JSON, and
    // links on the page (`?answered=1&compare=…`) show the same analysis again.
    crate::features::tools::last::keep_or_log(
        &state.db,
        &person,
        crate::domain::ToolId::EmailPatterns,
        &form.echo(),
        Some(&result),
    )
    .await;
    if json {
        return match result {
            Ok(analysis) => (StatusCode::OK, axum::Json(analysis)).into_response(),
            Err(e) => e.into_response(),
        };
    }
    Redirect::to(&format!("{PAGE}?answered=1")).into_response()
}

/// The upload's work (gate, size limits, spooling, parsing, analysis), for the page's
/// route and the JSON API's; what the form said besides the file is left in `form`.
pub async fn analyse_upload(
    state: &AppState,
    person: &SessionUser,
    headers: &HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
    form: &mut UploadForm,
) -> Result<EmailAnalysis, AppError> {
    gate::begin_builtin(&state.db, person, ToolId::EmailPatterns).await?;
    let _one = OneAtATime::begin(person.user.id)?;
    let max = state.settings.email_upload_max_bytes;
    let too_large = || {
        AppError::PayloadTooLarge(format!(
            "The file is larger than {} MB, the most the email tool reads. Export a shorter period, or only the folders that matter, and try again.",
            max / (1024 * 1024)
        ))
    };
    // Refused before a byte of the body is read when the size is announced.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max + FORM_OVERHEAD) {
        return Err(too_large());
    }
    let mut multipart = multipart.map_err(|_| {
        AppError::BadRequest("Send the file as a form upload (multipart/form-data).".into())
    })?;
    let interrupted =
        || AppError::BadRequest("The upload was interrupted or malformed. Try again.".into());
    let mut spooled: Option<(tempfile::NamedTempFile, String, u64)> = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| interrupted())? {
        match field.name().unwrap_or_default() {
            "own_addresses" => form.own_addresses = small_text(field).await?,
            "unanswered_days" => form.unanswered_days = small_text(field).await?,
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                spooled = Some(
                    spool(field, max)
                        .await
                        .map_err(|e| match e {
                            SpoolError::TooLarge => too_large(),
                            SpoolError::Interrupted => interrupted(),
                            SpoolError::Disk => AppError::Internal,
                        })
                        .map(|(file, size)| (file, name, size))?,
                );
            }
            _ => {}
        }
    }
    let own = own_addresses(&form.own_addresses, &person.user.email)?;
    let days = unanswered_days(&form.unanswered_days)?;
    let Some((file, name, size)) = spooled.filter(|(_, name, size)| *size > 0 || !name.is_empty())
    else {
        return Err(AppError::validation("file", "Choose a file to analyse."));
    };
    if size == 0 {
        return Err(AppError::validation(
            "file",
            "The file is empty. Choose an export that holds some mail.",
        ));
    }
    let (work_start, work_end) = working_hours(state, person).await?;
    let _slot = analysis_slot().await?;
    let limits = Limits {
        max_messages: state.settings.email_max_messages,
        deadline: Some(std::time::Instant::now() + ANALYSIS_TIME_LIMIT),
    };
    let started = std::time::Instant::now();
    let analysis = tokio::task::spawn_blocking(move || {
        analyse_file(
            file.as_file(),
            &name,
            limits,
            Settings {
                own_addresses: own,
                work_start,
                work_end,
                unanswered_days: days,
            },
        )
        // The temporary file is deleted here, when `file` is dropped.
    })
    .await
    .map_err(|_| AppError::Internal)??;
    tracing::info!(
        messages = analysis.messages,
        bytes = size,
        ms = started.elapsed().as_millis() as u64,
        "email analysis"
    );
    Ok(analysis)
}

/// Room for the form's other fields and the multipart framing around the file.
const FORM_OVERHEAD: u64 = 64 * 1024;

/// Reads a mail export (any kind `parse::detect` knows) and analyses it.
pub fn analyse_file(
    mut file: &std::fs::File,
    name: &str,
    limits: Limits,
    settings: Settings,
) -> Result<EmailAnalysis, AppError> {
    let unreadable = |_| AppError::Internal;
    let mut head = [0u8; 512];
    file.rewind().map_err(unreadable)?;
    let n = read_up_to(&mut file, &mut head).map_err(unreadable)?;
    let format = detect(name, &head[..n]).map_err(|e| AppError::validation("file", e.0))?;
    file.rewind().map_err(unreadable)?;
    let mut analyzer = Analyzer::new(settings);
    let summary = read(file, format, limits, &mut |m| analyzer.push(m))
        .map_err(|e| AppError::validation("file", e.0))?;
    let label = if name.is_empty() {
        format.label().to_owned()
    } else {
        format!(
            "{} “{}”",
            format.label(),
            name.chars().take(80).collect::<String>()
        )
    };
    Ok(analyzer.finish(label, &summary))
}

fn read_up_to(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

async fn small_text(field: Field<'_>) -> Result<String, AppError> {
    use crate::web::upload::{read_capped, Capped};
    let bytes = read_capped(field, 2048).await.map_err(|e| match e {
        Capped::TooLong => AppError::BadRequest("A form field is too long.".into()),
        Capped::Interrupted => {
            AppError::BadRequest("The upload was interrupted. Try again.".into())
        }
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

enum SpoolError {
    TooLarge,
    Interrupted,
    Disk,
}

/// Writes the file's bytes to a temporary file as they arrive, stopping as soon as they pass
/// `max`.
async fn spool(
    mut field: Field<'_>,
    max: u64,
) -> Result<(tempfile::NamedTempFile, u64), SpoolError> {
    let temp = tempfile::NamedTempFile::new().map_err(|e| {
        tracing::error!(error = %e, "cannot create a temporary file for an upload");
        SpoolError::Disk
    })?;
    let mut out = tokio::fs::File::from_std(temp.reopen().map_err(|_| SpoolError::Disk)?);
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(|_| SpoolError::Interrupted)? {
        size += chunk.len() as u64;
        if size > max {
            return Err(SpoolError::TooLarge);
        }
        out.write_all(&chunk).await.map_err(|e| {
            tracing::error!(error = %e, "cannot write an upload to a temporary file");
            SpoolError::Disk
        })?;
    }
    out.flush().await.map_err(|_| SpoolError::Disk)?;
    Ok((temp, size))
}

/// One message of the JSON API's list (`POST /api/v1/ai/email-analysis/analyze`): the
/// original service's fields, plus optional threading headers.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MessageInput {
    #[serde(default)]
    pub subject: String,
    #[serde(alias = "from")]
    pub sender: String,
    /// A list of addresses, or one string of them separated by commas or semicolons.
    #[serde(default, alias = "to")]
    pub recipients: Recipients,
    /// A date as exports write them (see `parse::parse_date`), or Unix seconds.
    #[serde(alias = "date")]
    pub timestamp: Value,
    #[serde(default)]
    pub message_id: Option<String>,
    #[serde(default)]
    pub in_reply_to: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
#[derive(utoipa::ToSchema)]
pub enum Recipients {
    List(Vec<String>),
    Text(String),
    #[default]
    None,
}

/// The JSON API's analysis of a list of messages: the same analysis as an upload, with the
/// same limits and the person's working hours.
pub async fn analyse_messages(
    state: &AppState,
    person: &SessionUser,
    messages: Vec<MessageInput>,
    own: &str,
    days: &str,
) -> Result<EmailAnalysis, AppError> {
    gate::begin_builtin(&state.db, person, ToolId::EmailPatterns).await?;
    let own = own_addresses(own, &person.user.email)?;
    let days = unanswered_days(days)?;
    if messages.is_empty() {
        return Err(AppError::validation(
            "messages",
            "Send at least one message.",
        ));
    }
    let max = state.settings.email_max_messages;
    if messages.len() > max {
        return Err(AppError::validation(
            "messages",
            format!("Send at most {max} messages in one analysis."),
        ));
    }
    let (work_start, work_end) = working_hours(state, person).await?;
    let mut analyzer = Analyzer::new(Settings {
        own_addresses: own,
        work_start,
        work_end,
        unanswered_days: days,
    });
    for (i, m) in messages.into_iter().enumerate() {
        analyzer.push(message_meta(i, m)?);
    }
    Ok(analyzer.finish("messages sent to the API".into(), &Default::default()))
}

fn message_meta(i: usize, m: MessageInput) -> Result<super::parse::MessageMeta, AppError> {
    use super::parse::{clean_address, parse_date};
    let field = |name: &str| format!("messages[{i}].{name}");
    let from = clean_address(&m.sender).ok_or_else(|| {
        AppError::validation(
            &field("sender"),
            format!("Message {}: the sender is not an email address.", i + 1),
        )
    })?;
    let when = match &m.timestamp {
        Value::Number(n) => n.as_i64().map(|s| (s, Some(0))),
        Value::String(text) => parse_date(text),
        _ => None,
    };
    let (timestamp, offset_minutes) = when.ok_or_else(|| {
        AppError::validation(
            &field("timestamp"),
            format!("Message {}: the timestamp is not a date Digame can read (use ISO 8601, RFC 2822 or Unix seconds).", i + 1),
        )
    })?;
    let to = match m.recipients {
        Recipients::List(list) => list.iter().filter_map(|a| clean_address(a)).collect(),
        Recipients::Text(text) => text.split([',', ';']).filter_map(clean_address).collect(),
        Recipients::None => Vec::new(),
    };
    Ok(super::parse::MessageMeta {
        timestamp,
        offset_minutes,
        from,
        to,
        subject: m.subject,
        message_id: m.message_id.filter(|s| !s.is_empty()),
        in_reply_to: m
            .in_reply_to
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect(),
        references: Vec::new(),
    })
}

const INSTRUCTIONS: &str = "You read aggregate statistics of one person's email (no message \
content; people and domains are pseudonyms) and describe their email habits. Write a short \
`narrative` of three to five sentences about what stands out (volumes, timing, response times, \
who they write with most), then two to five practical `suggestions`. Refer to people only by \
the pseudonyms given. Answer as {\"narrative\": \"...\", \"suggestions\": [\"...\"]}.";

#[derive(Debug, Deserialize)]
pub struct Reply {
    narrative: String,
    #[serde(default)]
    suggestions: Vec<String>,
}

pub fn check(reply: Reply) -> Result<Narrative, String> {
    let narrative = reply.narrative.trim().to_owned();
    if narrative.is_empty() {
        return Err("the narrative is empty".into());
    }
    let suggestions: Vec<String> = reply
        .suggestions
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .take(8)
        .collect();
    if suggestions.is_empty() {
        return Err("no suggestions were given".into());
    }
    Ok(Narrative {
        narrative,
        suggestions,
    })
}

/// The largest analysis accepted back for a narrative, in bytes of JSON.
const ANALYSIS_MAX_BYTES: usize = 256 * 1024;

/// A narrative about `analysis_json` (an [`EmailAnalysis`]) from the person's AI service:
/// only [`EmailAnalysis::anonymised`] is sent.
pub async fn narrative(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    analysis_json: &str,
) -> Result<Narrative, AppError> {
    prepare_narrative(cx, person, analysis_json)
        .await?
        .run(cx)
        .await
}

/// The checks of [`narrative`] and its call, ready to run (streamed or not).
pub async fn prepare_narrative(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    analysis_json: &str,
) -> Result<Ready<Narrative>, AppError> {
    if analysis_json.len() > ANALYSIS_MAX_BYTES {
        return Err(AppError::validation(
            "analysis",
            "The analysis is too large to describe.",
        ));
    }
    let analysis: EmailAnalysis = serde_json::from_str(analysis_json).map_err(|_| {
        AppError::validation(
            "analysis",
            "Analyse a file first; then ask for the narrative.",
        )
    })?;
    let text =
        serde_json::to_string_pretty(&analysis.anonymised()).map_err(|_| AppError::Internal)?;
    let detail = onboarding::preferences(cx.db, person).await?.detail;
    ready(
        cx,
        person,
        ToolId::EmailPatterns,
        Prompt::new("email", INSTRUCTIONS, &text, 900).detail(detail),
        check,
    )
    .await
}

impl crate::features::tools::stream::Streamable for super::EmailNarrative {
    type Output = Narrative;
    const TOOL: ToolId = ToolId::EmailPatterns;

    fn kept(&self) -> Value {
        serde_json::json!({ "narrative_for": self.analysis })
    }

    async fn prepare(
        self,
        cx: &AiCallContext<'_>,
        person: &SessionUser,
    ) -> Result<Ready<Narrative>, AppError> {
        prepare_narrative(cx, person, &self.analysis).await
    }
}

#[cfg(test)]
mod tests {
    use crate::features::email::service::*;

    #[test]
    fn own_addresses_default_to_the_account_and_refuse_non_addresses() {
        assert_eq!(
            own_addresses("", "Me@Digame.test").unwrap(),
            vec!["me@digame.test".to_owned()]
        );
        assert_eq!(
            own_addresses("a@x.test, B@y.test;a@x.test", "me@digame.test").unwrap(),
            vec!["a@x.test".to_owned(), "b@y.test".to_owned()]
        );
        let err = own_addresses("a@x.test, nobody", "me@digame.test").unwrap_err();
        assert_eq!(err.field(), Some("own_addresses"));
        assert!(err.message().contains("“nobody” is not an email address"));
        let many: Vec<String> = (0..11).map(|i| format!("a{i}@x.test")).collect();
        assert!(own_addresses(&many.join(","), "m@x.test").is_err());
    }

    #[test]
    fn unanswered_days_are_bounded() {
        assert_eq!(unanswered_days("").unwrap(), 7);
        assert_eq!(unanswered_days(" 14 ").unwrap(), 14);
        assert!(unanswered_days("0").is_err());
        assert!(unanswered_days("366").is_err());
        assert!(unanswered_days("soon").is_err());
    }

    #[test]
    fn a_narrative_needs_text_and_suggestions() {
        let ok = check(Reply {
            narrative: " Busy Mondays. ".into(),
            suggestions: vec!["Batch mail".into(), " ".into()],
        })
        .unwrap();
        assert_eq!(ok.narrative, "Busy Mondays.");
        assert_eq!(ok.suggestions, vec!["Batch mail".to_owned()]);
        assert!(check(Reply {
            narrative: "".into(),
            suggestions: vec!["x".into()]
        })
        .is_err());
        assert!(check(Reply {
            narrative: "x".into(),
            suggestions: vec![]
        })
        .is_err());
    }
}
