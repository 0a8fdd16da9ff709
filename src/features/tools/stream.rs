//! A tool's answer as server-sent events while the model writes it: for the pages with
//! JavaScript and for JSON clients that send `Accept: text/event-stream`.
//!
//! Every check (signed in, the input, where the call may go, the limits, the gate) is made
//! before the stream starts, by preparing the call, and refuses with the usual error body
//! and status. Then the events are:
//!
//! - `draft`: what the answer says so far, in the result's shape and through the tool's
//!   checks (a text outside any list grows as it arrives; a list shows only its whole
//!   items). Shown, never kept.
//! - at the end, one `result` ([`Finished`]: the checked answer and the tokens used) or
//!   one `error` (the project's error shape).
//!
//! A client that goes away (Cancel on the page, a closed connection) stops the call: the
//! request to the AI service is closed and the call is recorded as `cancelled` with the
//! tokens of what had arrived (`ai_call::Ready::run_counted`).

use super::ai_call::{AiCallContext, Drafts, Ready};
use super::{last, Finished, ToolId};
use crate::error::AppError;
use crate::person::SessionUser;
use crate::web::state::AppState;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
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

/// Runs `ready` in its own task and answers with its events.
pub async fn respond<T>(state: AppState, ready: Ready<T>, keep: Option<Keep>) -> Response
where
    T: Serialize + Send + 'static,
{
    if let Some(k) = &keep {
        last::keep_or_log::<T>(&state.db, &k.person, k.tool, &k.input, None).await;
    }
    let drafts = ready.drafts();
    let (deltas, received) = unbounded_channel();
    let task = tokio::spawn(async move {
        let cx = AiCallContext::new(&state.db, &state.keyring, &state.ai);
        let (result, usage) = ready.run_counted(&cx, Some(deltas)).await;
        if let Some(k) = keep {
            last::keep_or_log(&state.db, &k.person, k.tool, &k.input, Some(&result)).await;
        }
        result.map(|result| Finished { result, usage })
    });
    Sse::new(events(received, task, drafts))
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
