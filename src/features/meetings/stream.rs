//! `POST /tools/meetings/stream`: the insights as server-sent events while the model writes
//! them, for the page with JavaScript (without it the form posts to the server function and
//! gets the whole answer). The events and their rules: `tools::stream`. The notes are kept
//! as the person's last from the start, so a reload shows them, then the answer (or that it
//! was cancelled).

use super::service;
use crate::domain::ToolId;
use crate::error::AppError;
use crate::features::tools::ai_call::AiCallContext;
use crate::features::tools::stream::{respond, Keep};
use crate::web::session::AuthSession;
use crate::web::state::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

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
    let ready = match service::prepare(&cx, &person, &form.notes).await {
        Ok(call) => call,
        Err(e) => return e.into_response(),
    };
    let keep = Keep {
        input: serde_json::json!({ "notes": super::clean_transcript(&form.notes) }),
        person,
        tool: ToolId::MeetingInsights,
    };
    respond(state, ready, Some(keep)).await
}
