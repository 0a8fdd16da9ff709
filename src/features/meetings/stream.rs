//! `POST /tools/meetings/stream`: the insights as server-sent events while the model writes
//! them, for the page with JavaScript (without it the form posts to the server function and
//! gets the whole answer).
//!
//! Every check (signed in, the text, where the call may go, the limits, the gate) is made
//! before the stream starts and refuses with the usual error body and status. Then the
//! events are `draft` (what the answer says so far, as a [`MeetingResult`]; shown, never
//! kept), and one `result` (the checked answer) or `error` (an [`AppError`]) at the end.
//! A person who leaves does not stop the call: it runs to its end, its usage is recorded,
//! and its answer is kept as their last (`tools::last`), which the page shows when they
//! come back.

use super::{service, MeetingResult};
use crate::domain::ToolId;
use crate::error::AppError;
use crate::features::tools::ai_call::AiCallContext;
use crate::features::tools::last;
use crate::web::session::AuthSession;
use crate::web::state::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::convert::Infallible;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::task::JoinHandle;

#[derive(Debug, Deserialize)]
pub struct StreamForm {
    notes: String,
}

pub async fn stream(
    State(state): State<AppState>,
    auth: AuthSession,
    form: Result<Form<StreamForm>, FormRejection>,
) -> Response {
    let Some(person) = auth.user.clone() else {
        return AppError::Unauthorized("Sign in to use the tools.".into()).into_response();
    };
    let Ok(Form(form)) = form else {
        return AppError::BadRequest("Send the notes as a form field named notes.".into())
            .into_response();
    };
    let cx = AiCallContext::new(&state.db, &state.keyring, &state.ai);
    let call = match service::prepare(&cx, &person, &form.notes).await {
        Ok(call) => call,
        Err(e) => return e.into_response(),
    };
    // Kept as the person's last answer from the start (still being written) to the end, so
    // a reload or a dropped connection shows the notes and then the answer.
    let input = serde_json::json!({ "notes": super::clean_transcript(&form.notes) });
    last::keep_or_log::<MeetingResult>(&state.db, &person, ToolId::MeetingInsights, &input, None)
        .await;
    let (deltas, received) = unbounded_channel();
    let task = tokio::spawn(async move {
        let cx = AiCallContext::new(&state.db, &state.keyring, &state.ai);
        let result = call.run(&cx, service::check, Some(deltas)).await;
        last::keep_or_log(
            &state.db,
            &person,
            ToolId::MeetingInsights,
            &input,
            Some(&result),
        )
        .await;
        result
    });
    Sse::new(events(received, task))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Where the stream is: reading pieces of the answer, then waiting for its end.
struct Progress {
    received: Option<UnboundedReceiver<String>>,
    task: Option<JoinHandle<Result<MeetingResult, AppError>>>,
    text: String,
    shown: Option<MeetingResult>,
}

fn events(
    received: UnboundedReceiver<String>,
    task: JoinHandle<Result<MeetingResult, AppError>>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let start = Progress {
        received: Some(received),
        task: Some(task),
        text: String::new(),
        shown: None,
    };
    stream::unfold(start, |mut p| async move {
        while let Some(received) = p.received.as_mut() {
            let Some(piece) = received.recv().await else {
                p.received = None;
                break;
            };
            p.text.push_str(&piece);
            let Some(draft) = crate::ai::partial::complete_prefix(&p.text)
                .map(|v| service::draft(&v))
                .filter(|d| !d.summary.is_empty() && p.shown.as_ref() != Some(d))
            else {
                continue;
            };
            let event = json_event("draft", &draft);
            p.shown = Some(draft);
            return Some((Ok(event), p));
        }
        let task = p.task.take()?;
        let event = match task.await {
            Ok(Ok(result)) => json_event("result", &result),
            Ok(Err(e)) => json_event("error", &e),
            Err(join) => {
                tracing::error!(error = %join, "the meeting call's task failed");
                json_event("error", &AppError::Internal)
            }
        };
        Some((Ok(event), p))
    })
}

fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event("error").data("{}"))
}
