//! The meeting prompt, the reading of its answer, and action items into tasks.

pub use super::clean_transcript;
use super::{ActionItem, MeetingResult, NOTES_MAX_CHARS};
use crate::ai::prompt::Prompt;
use crate::domain::ToolId;
use crate::error::AppError;
use crate::error::ResultExt;
use crate::features::onboarding::service as onboarding;
use crate::features::tasks::service as tasks;
use crate::features::tools::ai_call::{self, text_input, AiCallContext, Ready};
use crate::person::SessionUser;
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::Deserialize;

const INSTRUCTIONS: &str =
    "You turn meeting notes or a transcript into insights. Give a `summary` \
of two to four sentences, the `key_points` discussed, the `decisions` taken, and the \
`action_items`, each with the `task`, the `owner` and the `due` date only when the notes state \
them (null otherwise). Use only what the notes say. Answer as {\"summary\": \"...\", \
\"key_points\": [\"...\"], \"decisions\": [\"...\"], \"action_items\": [{\"owner\": null, \
\"task\": \"...\", \"due\": null}]}.";

pub fn prompt(notes: &str) -> Prompt {
    Prompt::new("meetings", INSTRUCTIONS, notes, 1500)
}

#[derive(Debug, Deserialize)]
pub struct Reply {
    summary: String,
    #[serde(default)]
    key_points: Vec<String>,
    #[serde(default)]
    decisions: Vec<String>,
    #[serde(default)]
    action_items: Vec<ReplyItem>,
}

#[derive(Debug, Deserialize)]
struct ReplyItem {
    #[serde(default)]
    owner: Option<String>,
    task: String,
    #[serde(default)]
    due: Option<String>,
}

fn clean(items: Vec<String>) -> Vec<String> {
    items
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .take(30)
        .collect()
}

fn present(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| {
        !v.is_empty() && !v.eq_ignore_ascii_case("null") && !v.eq_ignore_ascii_case("none")
    })
}

/// A summary is required; empty entries are dropped.
pub fn check(reply: Reply) -> Result<MeetingResult, String> {
    let summary = reply.summary.trim().to_owned();
    if summary.is_empty() {
        return Err("empty summary".into());
    }
    Ok(MeetingResult {
        summary,
        key_points: clean(reply.key_points),
        decisions: clean(reply.decisions),
        action_items: reply
            .action_items
            .into_iter()
            .filter(|a| !a.task.trim().is_empty())
            .take(30)
            .map(|a| ActionItem {
                owner: present(a.owner),
                task: a.task.trim().to_owned(),
                due: present(a.due),
            })
            .collect(),
    })
}

pub async fn analyse(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    notes: String,
) -> Result<MeetingResult, AppError> {
    prepare(cx, person, &notes).await?.run(cx).await
}

/// The checks of [`analyse`] and its call, ready to run (streamed or not).
pub async fn prepare(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    notes: &str,
) -> Result<Ready<MeetingResult>, AppError> {
    let notes = text_input("notes", &clean_transcript(notes), NOTES_MAX_CHARS)?;
    let detail = onboarding::preferences(cx.db, person).await?.detail;
    let prompt = prompt(&notes).detail(detail);
    Ok(
        ai_call::prepare(cx, person, ToolId::MeetingInsights, prompt)
            .await?
            .expecting(check),
    )
}

impl crate::features::tools::stream::Streamable for super::AnalyseMeeting {
    type Output = MeetingResult;
    const TOOL: ToolId = ToolId::MeetingInsights;

    fn kept(&self) -> serde_json::Value {
        serde_json::json!({ "notes": clean_transcript(&self.notes) })
    }

    async fn prepare(
        self,
        cx: &AiCallContext<'_>,
        person: &SessionUser,
    ) -> Result<Ready<MeetingResult>, AppError> {
        prepare(cx, person, &self.notes).await
    }
}

/// One action item as a suggested task: the due date kept when it is a date, the owner and
/// any other stated due in the description. The task tool's own checks apply.
pub async fn add_to_tasks(
    db: &DatabaseConnection,
    person: &SessionUser,
    task: &str,
    owner: &str,
    due: &str,
) -> Result<String, AppError> {
    let pass = tasks::gate(db, person).await?;
    let due = due.trim();
    let is_date = chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").is_ok();
    let mut description = vec!["From meeting notes.".to_owned()];
    if !owner.trim().is_empty() {
        description.push(format!("Owner: {}.", owner.trim()));
    }
    if !due.is_empty() && !is_date {
        description.push(format!("Due: {due}."));
    }
    let title: String = task.trim().chars().take(tasks::TITLE_MAX).collect();
    let input = tasks::TaskInput::parse(
        &title.replace(['\n', '\r', '\t'], " "),
        &description.join(" "),
        if is_date { due } else { "" },
        "suggested",
    )?;
    // One person's additions take turns, so a second click finds the first one's task and
    // adds nothing.
    let txn = db.begin().await.or_internal("adding a task")?;
    crate::person::lock_row(&txn, person.user.id)
        .await
        .or_internal("adding a task")?;
    if let Some(same) = tasks::find_same(&txn, pass, &input).await? {
        return Ok(same.title);
    }
    let added = tasks::create(&txn, pass, input).await?;
    txn.commit().await.or_internal("adding a task")?;
    Ok(added.title)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::prompt::parse_json;

    #[test]
    fn webvtt_is_cleaned_to_its_words() {
        let vtt = "WEBVTT\nKind: captions\n\n1\n00:00:01.000 --> 00:00:04.000\nAna: Let's start.\n\nNOTE a comment\nthat spans\n\n2\n00:00:05.000 --> 00:00:07.000\nBen: Agreed.\n";
        assert_eq!(clean_transcript(vtt), "Ana: Let's start.\nBen: Agreed.");
        assert_eq!(clean_transcript("plain notes\n1"), "plain notes\n1");
    }

    #[test]
    fn drafts_are_checked_answers_with_whole_items_only() {
        // What the stream shows (`tools::stream`): the partial answer's whole items,
        // through the same checks as the answer.
        let draft = |text: &str| {
            use serde::Deserialize;
            let partial = crate::ai::partial::complete_items(text).unwrap();
            Reply::deserialize(&partial)
                .ok()
                .and_then(|r| check(r).ok())
        };
        assert_eq!(draft(r#"{"summary": ""#), None, "nothing to show yet");
        let d = draft(
            r#"{"summary": "We planned", "key_points": ["Budget", ""], "action_items": [{"owner": "Ana", "task": "Send"}, {"owner": "Ben""#,
        )
        .unwrap();
        assert_eq!(d.summary, "We planned");
        assert_eq!(d.key_points, vec!["Budget".to_owned()]);
        assert!(d.decisions.is_empty());
        assert_eq!(
            d.action_items,
            vec![ActionItem {
                owner: Some("Ana".into()),
                task: "Send".into(),
                due: None
            }]
        );
    }

    #[test]
    fn replies_need_a_summary_and_lose_empty_entries() {
        let r = check(
            parse_json(
                r#"{"summary": " We met. ", "key_points": ["a", " "], "action_items": [
                {"owner": "null", "task": "Write it", "due": ""}, {"task": "  "}]}"#,
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(r.summary, "We met.");
        assert_eq!(r.key_points, vec!["a".to_owned()]);
        assert!(r.decisions.is_empty());
        assert_eq!(
            r.action_items,
            vec![ActionItem {
                owner: None,
                task: "Write it".into(),
                due: None
            }]
        );
        assert!(check(parse_json(r#"{"summary": ""}"#).unwrap()).is_err());
        assert!(parse_json::<Reply>(r#"{"points": []}"#).is_err());
    }
}
