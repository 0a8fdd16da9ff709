//! Talking to outside AI services (server only): where calls may go ([`address`]), the
//! provider trait and its OpenAI-compatible adapter ([`provider`]), what every prompt
//! shares ([`prompt`]), and the built-in test service ([`fake`]). The tools reach it through
//! `features::tools::ai_call`, after the tool gate.

pub mod address;
pub mod fake;
pub mod partial;
pub mod prompt;
pub mod provider;

use crate::config::AiSettings;
use provider::ChatProvider;
use std::sync::Arc;
use std::time::Duration;

/// The AI side of the application state: the provider and where calls go by default.
#[derive(Clone)]
pub struct Ai {
    pub provider: Arc<dyn ChatProvider>,
    pub settings: AiSettings,
}

impl Ai {
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
