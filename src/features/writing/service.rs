//! The writing prompt and the reading of its answer.

use super::{Category, Suggestion, WritingResult, TEXT_MAX_CHARS};
use crate::ai::prompt::Prompt;
use crate::domain::ToolId;
use crate::error::AppError;
use crate::features::onboarding::service as onboarding;
use crate::features::tools::ai_call::{ready, text_input, AiCallContext, Ready};
use crate::person::SessionUser;
use serde::Deserialize;

const INSTRUCTIONS: &str = "You are a careful editor. Find the places where the text could be clearer, \
more correct, better styled or better in tone. For each, quote the exact words from the text \
(`original`, copied character for character, as short as possible), say why in one sentence \
(`message`), give up to three `replacements`, and a `category`: clarity, grammar, style or tone. \
Answer as {\"suggestions\": [{\"original\": \"...\", \"message\": \"...\", \"replacements\": [\"...\"], \"category\": \"...\"}]}. \
If nothing needs changing, answer {\"suggestions\": []}.";

/// The writing prompt, with the person's preferred tone when they chose one.
pub fn prompt(text: &str, tone: Option<&str>) -> Prompt {
    let tone_line = match tone {
        Some(t) => format!("\nThe writer prefers a {t} tone: suggest changes toward it."),
        None => String::new(),
    };
    Prompt::new("writing", &format!("{INSTRUCTIONS}{tone_line}"), text, 1500)
}

#[derive(Debug, Deserialize)]
pub struct Reply {
    suggestions: Vec<ReplySuggestion>,
}

#[derive(Debug, Deserialize)]
struct ReplySuggestion {
    original: String,
    message: String,
    #[serde(default)]
    replacements: Vec<String>,
    #[serde(default)]
    category: String,
}

/// Anchors each quoted span in `text` (the first occurrence not already taken), drops what
/// is not in the text or overlaps an earlier suggestion, and sorts by position. A reply
/// whose suggestions all miss the text is not usable.
pub fn check(text: &str, reply: Reply) -> Result<WritingResult, String> {
    let offered = reply.suggestions.len();
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut suggestions = Vec::new();
    for s in reply.suggestions {
        if s.original.is_empty() || s.message.trim().is_empty() {
            continue;
        }
        let mut from = 0;
        let found = loop {
            let Some(pos) = text[from..].find(&s.original).map(|p| p + from) else {
                break None;
            };
            let start = text[..pos].chars().count();
            let length = s.original.chars().count();
            if taken
                .iter()
                .all(|&(a, l)| start + length <= a || start >= a + l)
            {
                break Some((start, length));
            }
            from = pos + s.original.len();
        };
        let Some((start, length)) = found else {
            continue;
        };
        taken.push((start, length));
        suggestions.push(Suggestion {
            start,
            length,
            message: s.message.trim().to_owned(),
            replacements: s
                .replacements
                .into_iter()
                .filter(|r| *r != s.original)
                .take(3)
                .collect(),
            category: Category::parse(&s.category).unwrap_or(Category::Style),
        });
    }
    if offered > 0 && suggestions.is_empty() {
        return Err("no suggestion quotes the text".into());
    }
    suggestions.sort_by_key(|s| s.start);
    Ok(WritingResult {
        text: text.to_owned(),
        suggestions,
    })
}

pub async fn suggest(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    text: String,
) -> Result<WritingResult, AppError> {
    prepare(cx, person, text).await?.run(cx).await
}

/// The checks of [`suggest`] and its call, ready to run (streamed or not).
pub async fn prepare(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    text: String,
) -> Result<Ready<WritingResult>, AppError> {
    let text = text_input("text", &text, TEXT_MAX_CHARS)?;
    let preferences = onboarding::preferences(cx.db, person).await?;
    let prompt = prompt(&text, preferences.tone).detail(preferences.detail);
    ready(
        cx,
        person,
        ToolId::WritingAssistance,
        prompt,
        move |r: Reply| check(&text, r),
    )
    .await
}

impl crate::features::tools::stream::Streamable for super::SuggestWriting {
    type Output = WritingResult;
    const TOOL: ToolId = ToolId::WritingAssistance;

    fn kept(&self) -> serde_json::Value {
        serde_json::json!({ "text": self.text })
    }

    async fn prepare(
        self,
        cx: &AiCallContext<'_>,
        person: &SessionUser,
    ) -> Result<Ready<WritingResult>, AppError> {
        prepare(cx, person, self.text).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::prompt::parse_json;

    fn reply(json: &str) -> Reply {
        parse_json(json).unwrap()
    }

    #[test]
    fn spans_are_found_in_the_text_in_characters() {
        let text = "Très very good. We utilize it, we utilize it.";
        let r = check(
            text,
            reply(r#"{"suggestions": [
                {"original": "utilize", "message": "Plainer.", "replacements": ["use"], "category": "clarity"},
                {"original": "very good", "message": "Weak.", "replacements": ["good"], "category": "Style"},
                {"original": "utilize", "message": "Again.", "replacements": ["use"], "category": "grammar"}
            ]}"#),
        )
        .unwrap();
        let spans: Vec<_> = r.suggestions.iter().map(|s| (s.start, r.span(s))).collect();
        assert_eq!(
            spans,
            vec![
                (5, "very good".into()),
                (19, "utilize".into()),
                (34, "utilize".into())
            ]
        );
        assert_eq!(r.suggestions[1].category, Category::Clarity);
    }

    #[test]
    fn invented_and_overlapping_spans_are_dropped() {
        let text = "one two three";
        let r = check(
            text,
            reply(r#"{"suggestions": [
                {"original": "one two", "message": "a", "replacements": ["1 2"]},
                {"original": "two three", "message": "overlaps", "replacements": ["x"]},
                {"original": "four", "message": "not there", "replacements": ["4"]},
                {"original": "three", "message": "odd category", "replacements": ["three", "3"], "category": "vibes"}
            ]}"#),
        )
        .unwrap();
        assert_eq!(r.suggestions.len(), 2);
        assert_eq!(r.suggestions[1].replacements, vec!["3".to_owned()]);
        assert_eq!(r.suggestions[1].category, Category::Style);
    }

    #[test]
    fn a_reply_that_misses_the_text_entirely_is_unusable() {
        assert!(check(
            "abc",
            reply(r#"{"suggestions": [{"original": "zzz", "message": "m"}]}"#)
        )
        .is_err());
        assert!(check("abc", reply(r#"{"suggestions": []}"#))
            .unwrap()
            .suggestions
            .is_empty());
        assert!(parse_json::<Reply>(r#"{"suggestion": []}"#).is_err());
    }

    #[test]
    fn the_prompt_carries_the_preferred_tone_and_the_delimited_text() {
        let p = prompt("Hello there", Some("formal"));
        assert!(p.system.contains("prefers a formal tone"));
        assert!(p.user.contains("Hello there"));
        assert!(!prompt("x", None).system.contains("prefers"));
    }
}
