//! The tools as a whole: the dashboard's cards (what each person may use, and what unlocks
//! the rest) and, on the server, the gate every tool call goes through (`gate`). The
//! catalogue itself is shared vocabulary in `crate::domain::tools`.

#[cfg(feature = "ssr")]
pub mod gate;

pub use crate::domain::access::ToolAccess;
pub use crate::domain::tools::{KeyNeed, ToolId, ToolInfo, TOOLS};

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One tool card on the dashboard, with exactly what unlocks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    use crate::server::ctx;
    let state = ctx::state()?;
    let person = ctx::require_user().await?;
    gate::tool_cards(&state.db, &person).await
}
