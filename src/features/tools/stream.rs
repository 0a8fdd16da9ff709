//! A tool's answer as server-sent events while the model writes it: for the pages with
//! JavaScript and for JSON clients that send `Accept: text/event-stream`.
//!
//! Every check (signed in, the input, where the call may go, the limits, the gate) is made
//! before the stream starts, by preparing the call, and refuses with the usual error body
//! and status. Then the events are:
//!
//! - `call`: first, `{"id": …}`, the call's id, which `POST /tools/stream/cancel`
//!   (`call=<id>`) names to stop it;
//! - `draft`: what the answer says so far, in the result's shape and through the tool's
//!   checks (a text outside any list grows as it arrives; a list shows only its whole
//!   items). Shown, never kept.
//! - at the end, one `result` ([`Finished`]: the checked answer and the tokens used) or
//!   one `error` (the project's error shape).
//!
//! A stopped call (Cancel on the page, `/tools/stream/cancel`, or a JSON client closing its
//! connection) has its request to the AI service closed and is recorded as `cancelled` with
//! the tokens of what had arrived (`ai_call::Ready::run_counted`). A page whose person
//! reloads or leaves is not stopped: the answer is kept for when they come back.

use super::ai_call::{request_cancel, AiCallContext, Drafts, Ready, Stop};
pub use super::CANCEL_PATH;
use super::{last, Finished, ToolId};
use crate::error::AppError;
use crate::person::SessionUser;
use crate::web::session::AuthSession;
use crate::web::state::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use serde_json::Value;
use std::convert::Infallible;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::task::JoinHandle;

/// Whether a request asks for the answer as events (`Accept: text/event-stream`).
pub fn wants_events(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/event-stream"))
}

/// The person's input, kept as their last answer of the tool from the start (still being
/// written) to the end, so that a reload shows what they asked and then the answer.
pub struct Keep {
    pub person: SessionUser,
    pub tool: ToolId,
    pub input: Value,
}

/// A tool's form that its page can ask to have answered as events: the server function's
/// arguments (the same fields, so the form works both ways).
pub trait Streamable: serde::de::DeserializeOwned + Send + 'static {
    type Output: Serialize + Send + Sync + 'static;
    const TOOL: ToolId;
    /// The input kept as the person's last, as the server function keeps it.
    fn kept(&self) -> Value;
    /// The tool's checks and its call, ready to run.
    fn prepare(
        self,
        cx: &AiCallContext<'_>,
        person: &SessionUser,
    ) -> impl std::future::Future<Output = Result<Ready<Self::Output>, AppError>> + Send;
}

/// `POST` of a tool's form by its page with JavaScript, asking for events. The form's
/// input is kept as the person's last from the start, so a reload shows it, then the
/// answer (or that it was cancelled).
pub async fn page<F: Streamable>(
    State(state): State<AppState>,
    auth: AuthSession,
    form: Result<Form<F>, FormRejection>,
) -> Response {
    let Some(person) = auth.user.clone() else {
        return AppError::Unauthorized("Sign in to use the tools.".into()).into_response();
    };
    let Ok(Form(form)) = form else {
        return AppError::BadRequest(
            "The form's fields are missing or unreadable; reload the page and try again.".into(),
        )
        .into_response();
    };
    let input = form.kept();
    let cx = AiCallContext::new(&state.db, &state.keyring, &state.ai);
    let ready = match form.prepare(&cx, &person).await {
        Ok(ready) => ready,
        Err(e) => return e.into_response(),
    };
    let keep = Keep {
        person,
        tool: F::TOOL,
        input,
    };
    respond(state.clone(), ready, Some(keep), Stop::OnRequest).await
}

#[derive(Debug, serde::Deserialize)]
pub struct CancelForm {
    call: i64,
}

/// `POST /tools/stream/cancel` (`call=<id>`): stops the person's streaming call, on
/// whichever replica runs it. 204 when it was running, 404 when there is no such call of
/// theirs still running.
pub async fn cancel(
    State(state): State<AppState>,
    auth: AuthSession,
    form: Result<Form<CancelForm>, FormRejection>,
) -> Response {
    let Some(person) = auth.user.clone() else {
        return AppError::Unauthorized("Sign in to use the tools.".into()).into_response();
    };
    let Ok(Form(form)) = form else {
        return AppError::BadRequest("Name the call to stop (call=<id>).".into()).into_response();
    };
    match request_cancel(&state.db, &person, form.call).await {
        Ok(true) => axum::http::StatusCode::NO_CONTENT.into_response(),
        Ok(false) => AppError::NotFound(
            "That answer is not being written any more (it ended, or it is not yours).".into(),
        )
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// Runs `ready` in its own task and answers with its events; `stop` says what stops it.
pub async fn respond<T>(
    state: AppState,
    ready: Ready<T>,
    keep: Option<Keep>,
    stop: Stop,
) -> Response
where
    T: Serialize + Send + Sync + 'static,
{
    if let Some(k) = &keep {
        last::keep_or_log::<T>(&state.db, &k.person, k.tool, &k.input, None).await;
    }
    let drafts = ready.drafts();
    let call_id = ready.call_id();
    let (deltas, received) = unbounded_channel();
    let task = tokio::spawn(async move {
        let cx = AiCallContext::new(&state.db, &state.keyring, &state.ai);
        let (result, usage) = ready.run_counted(&cx, Some(deltas), stop).await;
        if let Some(k) = keep {
            last::keep_or_log(&state.db, &k.person, k.tool, &k.input, Some(&result)).await;
        }
        result.map(|result| Finished { result, usage })
    });
    let started = json_event("call", &serde_json::json!({ "id": call_id }));
    let stream = stream::once(async move { Ok(started) }).chain(events(received, task, drafts));
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Where the stream is: reading pieces of the answer, then waiting for its end.
struct Progress<T> {
    received: Option<UnboundedReceiver<String>>,
    task: Option<JoinHandle<Result<Finished<T>, AppError>>>,
    text: String,
    /// The last draft sent, as sent.
    shown: String,
    drafts: Drafts<T>,
}

fn events<T>(
    received: UnboundedReceiver<String>,
    task: JoinHandle<Result<Finished<T>, AppError>>,
    drafts: Drafts<T>,
) -> impl Stream<Item = Result<Event, Infallible>>
where
    T: Serialize + Send + 'static,
{
    let start = Progress {
        received: Some(received),
        task: Some(task),
        text: String::new(),
        shown: String::new(),
        drafts,
    };
    stream::unfold(start, |mut p| async move {
        while let Some(received) = p.received.as_mut() {
            let Some(piece) = received.recv().await else {
                p.received = None;
                break;
            };
            p.text.push_str(&piece);
            let Some(next) = crate::ai::partial::complete_items(&p.text)
                .and_then(|v| (p.drafts)(&v))
                .and_then(|d| serde_json::to_string(&d).ok())
                .filter(|d| *d != p.shown)
            else {
                continue;
            };
            let event = Event::default().event("draft").data(&next);
            p.shown = next;
            return Some((Ok(event), p));
        }
        let task = p.task.take()?;
        let event = match task.await {
            Ok(Ok(finished)) => json_event("result", &finished),
            Ok(Err(e)) => json_event("error", &e),
            Err(join) => {
                tracing::error!(error = %join, "a streamed AI call's task failed");
                json_event("error", &AppError::Internal)
            }
        };
        Some((Ok(event), p))
    })
}

fn json_event(name: &str, data: &impl Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event("error").data("{}"))
}
