//! The style prompt and the reading of its answer.

use super::readability::Readability;
use super::{StyleCategory, StyleResult, TEXT_MAX_CHARS};
use crate::ai::prompt::Prompt;
use crate::domain::ToolId;
use crate::error::AppError;
use crate::features::onboarding::service as onboarding;
use crate::features::tools::ai_call::{ready, text_input, AiCallContext, Ready};
use crate::person::SessionUser;
use serde::Deserialize;

const INSTRUCTIONS: &str = "You analyse how a text comes across. Name up to five style categories \
that fit it (for example formal, informal, assertive, passive, friendly, direct, diplomatic, \
urgent), each with a `confidence` from 0 to 1 and the `phrases` (copied exactly from the text) \
that show it. Also give the `sentiment` from -1 (negative) to 1 (positive) and `hedging` from 0 \
(none) to 1 (heavily hedged). Answer as {\"categories\": [{\"label\": \"...\", \"confidence\": 0.8, \
\"phrases\": [\"...\"]}], \"sentiment\": 0.2, \"hedging\": 0.1}.";

pub fn prompt(text: &str) -> Prompt {
    Prompt::new("style", INSTRUCTIONS, text, 800)
}

#[derive(Debug, Deserialize)]
pub struct Reply {
    categories: Vec<ReplyCategory>,
    sentiment: f32,
    hedging: f32,
}

#[derive(Debug, Deserialize)]
struct ReplyCategory {
    label: String,
    confidence: f32,
    #[serde(default)]
    phrases: Vec<String>,
}

/// At least one labelled category, every number in its range; phrases that are not in the
/// text are dropped; the readability comes from the text itself.
pub fn check(text: &str, reply: Reply) -> Result<StyleResult, String> {
    if !(-1.0..=1.0).contains(&reply.sentiment) || !(0.0..=1.0).contains(&reply.hedging) {
        return Err("sentiment or hedging out of range".into());
    }
    let lower = text.to_lowercase();
    let mut categories = Vec::new();
    for c in reply.categories.into_iter().take(8) {
        let label = c.label.trim().to_lowercase();
        if label.is_empty() || label.chars().count() > 40 {
            return Err("a category without a usable label".into());
        }
        if !(0.0..=1.0).contains(&c.confidence) {
            return Err(format!("confidence {} out of range", c.confidence));
        }
        let phrases = c
            .phrases
            .into_iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty() && lower.contains(&p.to_lowercase()))
            .take(5)
            .collect();
        categories.push(StyleCategory {
            label,
            confidence: c.confidence,
            phrases,
        });
    }
    if categories.is_empty() {
        return Err("no categories".into());
    }
    categories.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    Ok(StyleResult {
        categories,
        sentiment: reply.sentiment,
        hedging: reply.hedging,
        readability: Readability::of(text),
    })
}

pub async fn analyse(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    text: String,
) -> Result<StyleResult, AppError> {
    prepare(cx, person, text).await?.run(cx).await
}

/// The checks of [`analyse`] and its call, ready to run (streamed or not).
pub async fn prepare(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    text: String,
) -> Result<Ready<StyleResult>, AppError> {
    let text = text_input("text", &text, TEXT_MAX_CHARS)?;
    let detail = onboarding::preferences(cx.db, person).await?.detail;
    ready(
        cx,
        person,
        ToolId::CommunicationStyle,
        prompt(&text).detail(detail),
        move |r: Reply| check(&text, r),
    )
    .await
}

impl crate::features::tools::stream::Streamable for super::AnalyseStyle {
    type Output = StyleResult;
    const TOOL: ToolId = ToolId::CommunicationStyle;

    fn kept(&self) -> serde_json::Value {
        serde_json::json!({ "text": self.text })
    }

    async fn prepare(
        self,
        cx: &AiCallContext<'_>,
        person: &SessionUser,
    ) -> Result<Ready<StyleResult>, AppError> {
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
    fn a_good_reply_is_sorted_and_phrases_are_checked_against_the_text() {
        let text = "Thanks so much! Maybe we could meet on Friday.";
        let r = check(
            text,
            reply(
                r#"{"categories": [
                {"label": "Passive", "confidence": 0.4, "phrases": ["maybe we could", "perhaps"]},
                {"label": "friendly", "confidence": 0.9, "phrases": ["Thanks so much"]}
            ], "sentiment": 0.6, "hedging": 0.5}"#,
            ),
        )
        .unwrap();
        assert_eq!(r.categories[0].label, "friendly");
        assert_eq!(r.categories[1].label, "passive");
        assert_eq!(r.categories[1].phrases, vec!["maybe we could".to_owned()]);
        assert_eq!(r.readability.words, 9);
    }

    #[test]
    fn out_of_range_numbers_and_empty_answers_are_unusable() {
        let text = "Hello.";
        for bad in [
            r#"{"categories": [{"label": "formal", "confidence": 1.4}], "sentiment": 0, "hedging": 0}"#,
            r#"{"categories": [{"label": "formal", "confidence": 0.4}], "sentiment": -3, "hedging": 0}"#,
            r#"{"categories": [{"label": "formal", "confidence": 0.4}], "sentiment": 0, "hedging": 2}"#,
            r#"{"categories": [], "sentiment": 0, "hedging": 0}"#,
            r#"{"categories": [{"label": " ", "confidence": 0.4}], "sentiment": 0, "hedging": 0}"#,
        ] {
            assert!(check(text, reply(bad)).is_err(), "{bad}");
        }
        assert!(parse_json::<Reply>(r#"{"categories": []}"#).is_err());
    }
}
