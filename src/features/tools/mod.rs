//! The tools as a whole: the dashboard's cards (what each person may use, and what unlocks
//! the rest) and, on the server, the gate every tool call goes through (`gate`). The
//! catalogue itself is shared vocabulary in `crate::domain::tools`.

pub mod live;
pub mod pages;
pub mod words;

#[cfg(feature = "ssr")]
pub mod ai_call;
#[cfg(feature = "ssr")]
pub mod gate;
#[cfg(feature = "ssr")]
pub mod last;
#[cfg(feature = "ssr")]
pub mod saved;
#[cfg(feature = "ssr")]
pub mod stream;

pub use crate::domain::access::ToolAccess;
pub use crate::domain::tools::{KeyNeed, ToolId, ToolInfo, TOOLS};

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a page's Cancel asks for its streamed call to stop (`stream::cancel`).
pub const CANCEL_PATH: &str = "/tools/stream/cancel";

/// What an AI call used, in the service's tokens (estimated from the text for a call
/// cancelled while it streamed: about four characters a token).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenUsage {
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
}

/// The last event of a streamed answer (`result`): the checked answer and what it used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finished<T> {
    pub result: T,
    pub usage: TokenUsage,
}

/// One tool card on the dashboard, with exactly what unlocks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ToolCard {
    pub flag: ToolId,
    pub title: String,
    pub summary: String,
    pub access: ToolAccess,
    /// What unlocks it, or that it is ready.
    pub message: String,
}

/// The caller's six tools with what unlocks each.
#[server(endpoint = "tools/cards")]
pub async fn tool_cards() -> Result<Vec<ToolCard>, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    gate::tool_cards(&state.db, &person).await
}

/// What a tool's page needs before it shows its form: whether the person may use it (and
/// if not, what unlocks it), and whether answers come from the built-in test service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolState {
    pub card: ToolCard,
    pub is_admin: bool,
    /// `DIGAME_AI_DEMO`: AI answers come from the built-in test service.
    pub demo: bool,
    /// The person has stored the key the tool uses (an optional key unlocks more).
    pub has_key: bool,
}

/// The caller's access to one tool, for its page.
#[server(endpoint = "tools/status")]
pub async fn tool_status(tool: ToolId) -> Result<ToolState, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let access = gate::access(&state.db, &person).await?;
    let card = gate::cards(&access, &person)
        .into_iter()
        .find(|c| c.flag == tool)
        .ok_or_else(|| AppError::NotFound("There is no such tool.".into()))?;
    Ok(ToolState {
        has_key: access.facts(tool).has_key,
        card,
        is_admin: person.is_admin(),
        demo: state.ai.settings.demo,
    })
}

/// The caller's last input and answer of `tool`, kept a day (see `last`): `{"input":
/// {...}, "result": {"Ok": ...} | {"Err": ...}}`, or `"pending": true` instead of the result
/// while it is still being written.
#[server(endpoint = "tools/answer")]
pub async fn last_answer(tool: ToolId) -> Result<Option<serde_json::Value>, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    last::recall(&state.db, &person, tool).await
}

/// A result the person saved: `payload` is the tool's result as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SavedResult {
    pub id: i64,
    pub title: String,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub saved: String,
    pub payload: String,
}

/// One page of a person's saved results of one tool, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPage {
    pub results: Vec<SavedResult>,
    pub paging: crate::domain::Paging,
}

/// The caller's saved results of `tool`, newest first: all of them, as a person keeps at
/// most [`saved::SAVED_MAX`] per tool, one page's worth (the API pages them all the same).
#[server(endpoint = "tools/saved/list")]
pub async fn saved_results(tool: ToolId) -> Result<Vec<SavedResult>, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let all = crate::domain::PageRequest::default();
    Ok(saved::list(&state.db, &person, tool, all).await?.results)
}

/// Keeps a result of `tool` under `title`.
#[server(endpoint = "tools/saved/save")]
pub async fn save_result(tool: ToolId, title: String, payload: String) -> Result<i64, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let id = saved::save(&state.db, &person, tool, &title, &payload).await?;
    ctx::redirect_plain_form(&format!("{}?answered=1&kept=1", tool.info().path));
    Ok(id)
}

#[server(endpoint = "tools/saved/delete")]
pub async fn delete_saved_result(tool: ToolId, id: i64) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    saved::delete(&state.db, &person, id).await?;
    ctx::redirect_plain_form(tool.info().path);
    Ok(())
}
