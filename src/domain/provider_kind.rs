//! Which API an AI service speaks: each has its adapter in `crate::ai` behind the one
//! provider trait, so adding a third is a file there and a line here, not a change to the
//! tools.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ProviderKind {
    /// OpenAI's chat completions, which OpenAI, OpenRouter, Groq, Together, Mistral,
    /// Ollama, vLLM and llama.cpp all speak.
    #[default]
    #[serde(rename = "openai")]
    OpenAi,
    /// Anthropic's Messages API.
    Anthropic,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 2] = [ProviderKind::OpenAi, ProviderKind::Anthropic];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
        }
    }

    pub fn parse(raw: &str) -> Option<ProviderKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw.trim())
    }

    /// What an admin reads in the choice and beside an address.
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "OpenAI-compatible",
            ProviderKind::Anthropic => "Anthropic",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_reads_back_from_its_name_and_nothing_else_does() {
        for kind in ProviderKind::ALL {
            assert_eq!(ProviderKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!(ProviderKind::parse("claude"), None);
        assert_eq!(ProviderKind::default(), ProviderKind::OpenAi);
    }
}
