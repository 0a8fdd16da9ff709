//! Writing assistance (`/tools/writing`): suggestions for clarity, grammar, style and tone,
//! each anchored to a span of the person's text, applied one at a time or all at once.
//! The model quotes the words it means; the server finds them in the text and sends
//! character offsets, so a suggestion can never point outside the text.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The most characters checked at once.
pub const TEXT_MAX_CHARS: usize = 5_000;
/// Where the page with JavaScript asks for the suggestions as they are written.
pub const STREAM_PATH: &str = "/tools/writing/stream";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = WritingCategory))]
pub enum Category {
    Clarity,
    Grammar,
    Style,
    Tone,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Clarity => "Clarity",
            Category::Grammar => "Grammar",
            Category::Style => "Style",
            Category::Tone => "Tone",
        }
    }

    pub fn parse(value: &str) -> Option<Category> {
        match value.trim().to_ascii_lowercase().as_str() {
            "clarity" => Some(Category::Clarity),
            "grammar" | "spelling" | "punctuation" => Some(Category::Grammar),
            "style" | "wording" => Some(Category::Style),
            "tone" => Some(Category::Tone),
            _ => None,
        }
    }
}

/// One suggestion: `length` characters from character `start` of the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(as = WritingSuggestion))]
pub struct Suggestion {
    pub start: usize,
    pub length: usize,
    pub message: String,
    /// Empty when the suggestion is a remark with no ready replacement.
    pub replacements: Vec<String>,
    pub category: Category,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WritingResult {
    pub text: String,
    /// Sorted by `start`, none overlapping.
    pub suggestions: Vec<Suggestion>,
}

impl WritingResult {
    /// The characters a suggestion covers.
    pub fn span(&self, s: &Suggestion) -> String {
        self.text.chars().skip(s.start).take(s.length).collect()
    }

    /// Replaces suggestion `index`'s span with its replacement `choice`; the suggestions
    /// after it move by the change in length, and any that overlapped it are dropped.
    pub fn apply(&mut self, index: usize, choice: usize) {
        let Some(s) = self.suggestions.get(index).cloned() else {
            return;
        };
        let Some(replacement) = s.replacements.get(choice) else {
            return;
        };
        let chars: Vec<char> = self.text.chars().collect();
        let end = (s.start + s.length).min(chars.len());
        let mut text: String = chars[..s.start.min(end)].iter().collect();
        text.push_str(replacement);
        text.extend(&chars[end..]);
        self.text = text;
        let new_len = replacement.chars().count();
        let (s_start, s_end) = (s.start, end);
        self.suggestions = std::mem::take(&mut self.suggestions)
            .into_iter()
            .enumerate()
            .filter(|(i, o)| *i != index && (o.start + o.length <= s_start || o.start >= s_end))
            .map(|(_, mut o)| {
                if o.start >= s_end {
                    o.start = o.start + new_len - (s_end - s_start);
                }
                o
            })
            .collect();
    }

    /// Applies the first replacement of every suggestion that has one.
    pub fn apply_all(&mut self) {
        // From the end, so earlier offsets stay true.
        let mut i = self.suggestions.len();
        while i > 0 {
            i -= 1;
            if self
                .suggestions
                .get(i)
                .is_some_and(|s| !s.replacements.is_empty())
            {
                self.apply(i, 0);
            }
        }
    }
}

/// Suggestions for `text`, with the person's preferred tone from onboarding.
#[server(endpoint = "tools/writing/suggest")]
pub async fn suggest_writing(text: String) -> Result<WritingResult, AppError> {
    use crate::features::tools::ai_call::AiCallContext;
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let input = serde_json::json!({ "text": text });
    let result = service::suggest(
        &AiCallContext::new(&state.db, &state.keyring, &state.ai),
        &person,
        text,
    )
    .await;
    crate::features::tools::last::answered(
        &state.db,
        &person,
        crate::domain::ToolId::WritingAssistance,
        input,
        &result,
    )
    .await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(start: usize, length: usize, r: &str) -> Suggestion {
        Suggestion {
            start,
            length,
            message: "m".into(),
            replacements: vec![r.into()],
            category: Category::Style,
        }
    }

    #[test]
    fn applying_shifts_later_spans_and_keeps_earlier_ones() {
        let mut r = WritingResult {
            text: "We utilize very big tools.".into(),
            suggestions: vec![s(0, 2, "They"), s(3, 7, "use"), s(11, 8, "huge")],
        };
        r.apply(1, 0);
        assert_eq!(r.text, "We use very big tools.");
        assert_eq!(r.suggestions, vec![s(0, 2, "They"), s(7, 8, "huge")]);
        assert_eq!(r.span(&r.suggestions[1]), "very big");
        r.apply(1, 0);
        assert_eq!(r.text, "We use huge tools.");
        assert_eq!(r.suggestions.len(), 1);
    }

    #[test]
    fn overlapping_suggestions_go_when_one_is_applied_and_adjacent_ones_stay() {
        let mut r = WritingResult {
            text: "aaa bbb ccc".into(),
            suggestions: vec![s(0, 3, "A"), s(2, 3, "X"), s(3, 1, "_")],
        };
        r.apply(0, 0);
        assert_eq!(r.text, "A bbb ccc");
        assert_eq!(r.suggestions, vec![s(1, 1, "_")]);
    }

    #[test]
    fn multi_byte_text_is_counted_in_characters() {
        let mut r = WritingResult {
            text: "Ça va très très bien 😀 ok".into(),
            suggestions: vec![s(6, 9, "très"), s(23, 2, "OK")],
        };
        assert_eq!(r.span(&r.suggestions[0]), "très très");
        assert_eq!(r.span(&r.suggestions[1]), "ok");
        r.apply_all();
        assert_eq!(r.text, "Ça va très bien 😀 OK");
        assert!(r.suggestions.is_empty());
    }

    #[test]
    fn out_of_range_choices_change_nothing() {
        let mut r = WritingResult {
            text: "abc".into(),
            suggestions: vec![s(0, 1, "A")],
        };
        r.apply(0, 3);
        r.apply(5, 0);
        assert_eq!(r.text, "abc");
        assert_eq!(r.suggestions.len(), 1);
    }
}
