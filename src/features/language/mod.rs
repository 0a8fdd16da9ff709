//! Language tools (`/tools/language`): translate a snippet into a chosen language (the
//! source detected and shown when it is not given), and define a word in a chosen language.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const SNIPPET_MAX_CHARS: usize = 2_000;
pub const WORD_MAX_CHARS: usize = 60;
/// Where the page with JavaScript asks for a translation as it is written.
pub const TRANSLATE_STREAM_PATH: &str = "/tools/language/translate/stream";
/// Where the page with JavaScript asks for a definition as it is written.
pub const DEFINE_STREAM_PATH: &str = "/tools/language/define/stream";

/// The languages offered, as ISO 639-1 codes and English names, in the order of their names
/// (as people look for them in the list).
pub const LANGUAGES: [(&str, &str); 16] = [
    ("ar", "Arabic"),
    ("zh", "Chinese"),
    ("nl", "Dutch"),
    ("en", "English"),
    ("fr", "French"),
    ("de", "German"),
    ("hi", "Hindi"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("pl", "Polish"),
    ("pt", "Portuguese"),
    ("ru", "Russian"),
    ("es", "Spanish"),
    ("sv", "Swedish"),
    ("tr", "Turkish"),
];

/// The English name of a supported language code.
pub fn language_name(code: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Translation {
    pub translation: String,
    /// The source language's code.
    pub source: String,
    /// Whether the source was detected (not given).
    pub detected: bool,
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Sense {
    pub meaning: String,
    pub example: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Definition {
    pub word: String,
    pub part_of_speech: String,
    pub senses: Vec<Sense>,
    pub language: String,
}

/// Either answer of the language tools, as a saved result keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LanguageResult {
    Translation(Translation),
    Definition(Definition),
}

/// Translates `text` into `target`; `source` may be empty (detected).
#[server(endpoint = "tools/language/translate")]
pub async fn translate(
    text: String,
    target: String,
    source: String,
) -> Result<Translation, AppError> {
    use crate::features::tools::ai_call::AiCallContext;
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let result = service::translate(
        &AiCallContext::new(&state.db, &state.keyring, &state.ai),
        &person,
        &text,
        &target,
        &source,
    )
    .await;
    let input = serde_json::json!({ "mode": "translate", "text": text, "target": target, "source": source });
    crate::features::tools::last::answered(
        &state.db,
        &person,
        crate::domain::ToolId::LanguageTools,
        input,
        &result,
    )
    .await;
    result
}

/// Defines `word`, answering in `language`.
#[server(endpoint = "tools/language/define")]
pub async fn define(word: String, language: String) -> Result<Definition, AppError> {
    use crate::features::tools::ai_call::AiCallContext;
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let result = service::define(
        &AiCallContext::new(&state.db, &state.keyring, &state.ai),
        &person,
        &word,
        &language,
    )
    .await;
    let input = serde_json::json!({ "mode": "define", "word": word, "language": language });
    crate::features::tools::last::answered(
        &state.db,
        &person,
        crate::domain::ToolId::LanguageTools,
        input,
        &result,
    )
    .await;
    result
}
