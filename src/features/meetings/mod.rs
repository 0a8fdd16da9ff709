//! Meeting insights (`/tools/meetings`): from notes or a transcript (a WebVTT file's text
//! is cleaned of its timings first), a summary, the key points, the decisions and the
//! action items with owners and due dates when stated. Export as Markdown; action items
//! go to the task list as suggested tasks.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod upload;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const NOTES_MAX_CHARS: usize = 20_000;
/// Where the page with JavaScript asks for the insights as they are written (`stream.rs`).
pub const STREAM_PATH: &str = "/tools/meetings/stream";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActionItem {
    pub owner: Option<String>,
    pub task: String,
    /// As stated in the notes (`2026-12-01`, `Friday`).
    pub due: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MeetingResult {
    pub summary: String,
    pub key_points: Vec<String>,
    pub decisions: Vec<String>,
    pub action_items: Vec<ActionItem>,
}

impl MeetingResult {
    /// The notes as Markdown, for export.
    pub fn to_markdown(&self) -> String {
        let mut md = format!("# Meeting notes\n\n## Summary\n\n{}\n", self.summary);
        let list = |md: &mut String, title: &str, items: &[String]| {
            if !items.is_empty() {
                md.push_str(&format!("\n## {title}\n\n"));
                for i in items {
                    md.push_str(&format!("- {i}\n"));
                }
            }
        };
        list(&mut md, "Key points", &self.key_points);
        list(&mut md, "Decisions", &self.decisions);
        if !self.action_items.is_empty() {
            md.push_str("\n## Action items\n\n");
            for a in &self.action_items {
                md.push_str(&format!("- [ ] {}", a.task));
                if let Some(o) = &a.owner {
                    md.push_str(&format!(" — {o}"));
                }
                if let Some(d) = &a.due {
                    md.push_str(&format!(" (due {d})"));
                }
                md.push('\n');
            }
        }
        md
    }
}

/// The spoken text of a WebVTT transcript: the header, cue numbers, timings and notes
/// taken out. Other text is returned as it is.
pub fn clean_transcript(text: &str) -> String {
    if !text.trim_start().starts_with("WEBVTT") {
        return text.to_owned();
    }
    let mut out = Vec::new();
    let mut skipping_block = true; // the header block
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() {
            skipping_block = false;
            continue;
        }
        if skipping_block || l.starts_with("NOTE") || l.starts_with("STYLE") {
            skipping_block = true;
            continue;
        }
        if l.contains("-->") || l.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        out.push(l.to_owned());
    }
    out.join("\n")
}

/// The insights of `notes`.
#[server(endpoint = "tools/meetings/analyse")]
pub async fn analyse_meeting(notes: String) -> Result<MeetingResult, AppError> {
    use crate::features::tools::ai_call::AiCallContext;
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let input = serde_json::json!({ "notes": notes });
    let result = service::analyse(
        &AiCallContext::new(&state.db, &state.keyring, &state.ai),
        &person,
        notes,
    )
    .await;
    crate::features::tools::last::answered(
        &state.db,
        &person,
        crate::domain::ToolId::MeetingInsights,
        input,
        &result,
    )
    .await;
    result
}

/// Adds one action item to the caller's tasks as a suggested task. Answers its title.
#[server(endpoint = "tools/meetings/add-task")]
pub async fn add_action_item(task: String, owner: String, due: String) -> Result<String, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let title = service::add_to_tasks(&state.db, &person, &task, &owner, &due).await?;
    ctx::redirect_plain_form("/tools/meetings?answered=1&added=1");
    Ok(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_lists_every_part() {
        let r = MeetingResult {
            summary: "We planned the launch.".into(),
            key_points: vec!["Budget".into()],
            decisions: vec![],
            action_items: vec![ActionItem {
                owner: Some("Ana".into()),
                task: "Send the draft".into(),
                due: Some("2026-12-01".into()),
            }],
        };
        let md = r.to_markdown();
        assert!(md.starts_with("# Meeting notes\n\n## Summary\n\nWe planned the launch.\n"));
        assert!(md.contains("## Key points\n\n- Budget\n"));
        assert!(!md.contains("Decisions"));
        assert!(md.contains("- [ ] Send the draft — Ana (due 2026-12-01)\n"));
    }
}
