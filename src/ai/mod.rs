//! Talking to outside AI services (server only): where calls may go ([`address`]), the
//! provider trait and its adapters (OpenAI-compatible in [`provider`], Anthropic's Messages
//! API in [`anthropic`]), what every prompt shares ([`prompt`]), and the built-in test
//! service ([`fake`]). The tools reach it through
//! `features::tools::ai_call`, after the tool gate.

pub mod address;
pub mod anthropic;
pub mod fake;
pub mod partial;
pub mod prompt;
pub mod provider;

use crate::config::AiSettings;
use crate::domain::ProviderKind;
use provider::ChatProvider;
use std::sync::Arc;
use std::time::Duration;

/// The AI side of the application state: an adapter for each kind of service, and where
/// calls go by default.
#[derive(Clone)]
pub struct Ai {
    pub openai: Arc<dyn ChatProvider>,
    pub anthropic: Arc<dyn ChatProvider>,
    pub settings: AiSettings,
}

impl Ai {
    /// Both adapters over the shared HTTP client.
    pub fn new(http: reqwest::Client, settings: AiSettings) -> Ai {
        Ai {
            openai: Arc::new(provider::OpenAiCompatible { http: http.clone() }),
            anthropic: Arc::new(anthropic::Anthropic { http }),
            settings,
        }
    }

    /// The adapter for a service that speaks `kind`.
    pub fn provider(&self, kind: ProviderKind) -> &dyn ChatProvider {
        match kind {
            ProviderKind::OpenAi => self.openai.as_ref(),
            ProviderKind::Anthropic => self.anthropic.as_ref(),
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.settings.timeout_secs)
    }
}

impl std::fmt::Debug for Ai {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ai")
            .field("settings", &self.settings)
            .finish()
    }
}
