//! The translate and define prompts, and the reading of their answers.

use super::{language_name, Definition, Sense, Translation, SNIPPET_MAX_CHARS, WORD_MAX_CHARS};
use crate::ai::prompt::Prompt;
use crate::domain::ToolId;
use crate::error::AppError;
use crate::features::onboarding::service as onboarding;
use crate::features::tools::ai_call::{ready, text_input, AiCallContext, Ready};
use crate::person::SessionUser;
use serde::Deserialize;

/// A supported language code from a form field (`field`), or a clear message.
pub fn language(field: &str, code: &str) -> Result<&'static str, AppError> {
    let code = code.trim().to_ascii_lowercase();
    super::LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(c, _)| *c)
        .ok_or_else(|| AppError::validation(field, "Choose one of the languages in the list."))
}

fn label(code: &str) -> String {
    format!("{code} ({})", language_name(code).unwrap_or(code))
}

pub fn translate_prompt(text: &str, target: &str, source: Option<&str>) -> Prompt {
    let source_line = match source {
        Some(s) => format!("Source language: {}.", label(s)),
        None => {
            "Source language: unknown; detect it and give its ISO 639-1 code as `source_language`."
                .into()
        }
    };
    let instructions = format!(
        "You translate text faithfully, keeping its meaning, tone and formatting.\nTarget language: {}.\n{source_line}\n\
         Answer as {{\"translation\": \"...\", \"detected_source_language\": \"en\"}}.",
        label(target)
    );
    Prompt::new("translate", &instructions, text, 2000)
}

pub fn define_prompt(word: &str, language: &str) -> Prompt {
    let instructions = format!(
        "You are a dictionary. Define the word or short phrase given.\nAnswer language: {}.\n\
         Give its `part_of_speech` and up to four `definitions`, each a `meaning` and an `example` sentence \
         (or null), all written in the answer language. Answer as {{\"word\": \"...\", \"part_of_speech\": \"...\", \
         \"definitions\": [{{\"meaning\": \"...\", \"example\": \"...\"}}]}}.",
        label(language)
    );
    Prompt::new("define", &instructions, word, 700)
}

#[derive(Debug, Deserialize)]
pub struct TranslateReply {
    translation: String,
    #[serde(default, alias = "source_language")]
    detected_source_language: Option<String>,
}

pub fn check_translation(
    reply: TranslateReply,
    target: &str,
    source: Option<&str>,
) -> Result<Translation, String> {
    let translation = reply.translation.trim().to_owned();
    if translation.is_empty() {
        return Err("empty translation".into());
    }
    let (source, detected) = match source {
        Some(s) => (s.to_owned(), false),
        None => {
            let code = reply
                .detected_source_language
                .map(|c| c.trim().to_ascii_lowercase())
                .unwrap_or_default();
            // A language outside the list is still shown, by its code; a missing one is "?".
            let code = if code.is_empty() || code.len() > 12 {
                "?".to_owned()
            } else {
                code
            };
            (code, true)
        }
    };
    Ok(Translation {
        translation,
        source,
        detected,
        target: target.to_owned(),
    })
}

#[derive(Debug, Deserialize)]
pub struct DefineReply {
    #[serde(default)]
    word: String,
    #[serde(default)]
    part_of_speech: String,
    definitions: Vec<ReplySense>,
}

#[derive(Debug, Deserialize)]
struct ReplySense {
    meaning: String,
    #[serde(default)]
    example: Option<String>,
}

pub fn check_definition(
    reply: DefineReply,
    word: &str,
    language: &str,
) -> Result<Definition, String> {
    let senses: Vec<Sense> = reply
        .definitions
        .into_iter()
        .filter(|s| !s.meaning.trim().is_empty())
        .take(6)
        .map(|s| Sense {
            meaning: s.meaning.trim().to_owned(),
            example: s
                .example
                .map(|e| e.trim().to_owned())
                .filter(|e| !e.is_empty()),
        })
        .collect();
    if senses.is_empty() {
        return Err("no definitions".into());
    }
    let shown = reply.word.trim();
    Ok(Definition {
        word: if shown.is_empty() {
            word.to_owned()
        } else {
            shown.to_owned()
        },
        part_of_speech: reply.part_of_speech.trim().to_owned(),
        senses,
        language: language.to_owned(),
    })
}

pub async fn translate(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    text: &str,
    target: &str,
    source: &str,
) -> Result<Translation, AppError> {
    prepare_translation(cx, person, text, target, source)
        .await?
        .run(cx)
        .await
}

/// The checks of [`translate`] and its call, ready to run (streamed or not).
pub async fn prepare_translation(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    text: &str,
    target: &str,
    source: &str,
) -> Result<Ready<Translation>, AppError> {
    let text = text_input("text", text, SNIPPET_MAX_CHARS)?;
    let target = language("target", target)?;
    let source = match source.trim() {
        "" => None,
        s => Some(language("source", s)?),
    };
    if source == Some(target) {
        return Err(AppError::validation(
            "target",
            "Choose a target language different from the source.",
        ));
    }
    let prompt = translate_prompt(&text, target, source);
    ready(cx, person, ToolId::LanguageTools, prompt, move |r| {
        check_translation(r, target, source)
    })
    .await
}

pub async fn define(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    word: &str,
    language_code: &str,
) -> Result<Definition, AppError> {
    prepare_definition(cx, person, word, language_code)
        .await?
        .run(cx)
        .await
}

/// The checks of [`define`] and its call, ready to run (streamed or not).
pub async fn prepare_definition(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    word: &str,
    language_code: &str,
) -> Result<Ready<Definition>, AppError> {
    let word = text_input("word", word, WORD_MAX_CHARS)?;
    if word.split_whitespace().count() > 4 || word.contains('\n') {
        return Err(AppError::validation(
            "word",
            "Enter one word or a short phrase (up to four words).",
        ));
    }
    let language_code = language("language", language_code)?;
    // A translation is the text itself; a definition can be brief or detailed.
    let detail = onboarding::preferences(cx.db, person).await?.detail;
    let prompt = define_prompt(&word, language_code).detail(detail);
    ready(cx, person, ToolId::LanguageTools, prompt, move |r| {
        check_definition(r, &word, language_code)
    })
    .await
}

impl crate::features::tools::stream::Streamable for super::Translate {
    type Output = Translation;
    const TOOL: ToolId = ToolId::LanguageTools;

    fn kept(&self) -> serde_json::Value {
        serde_json::json!({ "mode": "translate", "text": self.text, "target": self.target, "source": self.source })
    }

    async fn prepare(
        self,
        cx: &AiCallContext<'_>,
        person: &SessionUser,
    ) -> Result<Ready<Translation>, AppError> {
        prepare_translation(cx, person, &self.text, &self.target, &self.source).await
    }
}

impl crate::features::tools::stream::Streamable for super::Define {
    type Output = Definition;
    const TOOL: ToolId = ToolId::LanguageTools;

    fn kept(&self) -> serde_json::Value {
        serde_json::json!({ "mode": "define", "word": self.word, "language": self.language })
    }

    async fn prepare(
        self,
        cx: &AiCallContext<'_>,
        person: &SessionUser,
    ) -> Result<Ready<Definition>, AppError> {
        prepare_definition(cx, person, &self.word, &self.language).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_list_is_in_the_order_of_its_names() {
        let names: Vec<&str> = super::super::LANGUAGES.iter().map(|(_, n)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }
    use crate::ai::prompt::parse_json;

    #[test]
    fn languages_come_from_the_list() {
        assert_eq!(language("target", " ES ").unwrap(), "es");
        let err = language("target", "xx").unwrap_err();
        assert_eq!(err.field(), Some("target"));
        assert!(language("source", "english").is_err());
    }

    #[test]
    fn translations_report_a_detected_source_only_when_none_was_given() {
        let r: TranslateReply =
            parse_json(r#"{"translation": "hola", "detected_source_language": "EN"}"#).unwrap();
        let t = check_translation(r, "es", None).unwrap();
        assert_eq!((t.source.as_str(), t.detected), ("en", true));
        let r: TranslateReply = parse_json(r#"{"translation": "hola"}"#).unwrap();
        let t = check_translation(r, "es", Some("en")).unwrap();
        assert_eq!((t.source.as_str(), t.detected), ("en", false));
        let r: TranslateReply = parse_json(r#"{"translation": " "}"#).unwrap();
        assert!(check_translation(r, "es", None).is_err());
    }

    #[test]
    fn definitions_need_a_meaning() {
        let r: DefineReply = parse_json(r#"{"part_of_speech": "noun", "definitions": [{"meaning": "A pet.", "example": ""}, {"meaning": " "}]}"#).unwrap();
        let d = check_definition(r, "cat", "en").unwrap();
        assert_eq!(d.word, "cat");
        assert_eq!(
            d.senses,
            vec![Sense {
                meaning: "A pet.".into(),
                example: None
            }]
        );
        let r: DefineReply = parse_json(r#"{"definitions": []}"#).unwrap();
        assert!(check_definition(r, "cat", "en").is_err());
    }

    #[test]
    fn prompts_name_the_languages() {
        let p = translate_prompt("Hello", "es", None);
        assert!(p.system.contains("Target language: es (Spanish)."));
        assert!(p.system.contains("detect it"));
        let p = define_prompt("cat", "fr");
        assert!(p.system.contains("Answer language: fr (French)."));
    }
}
