//! The one application state, built once at start-up and handed to every handler (axum
//! `State`) and server function (Leptos context, read through `ctx::state()`).

use crate::ai::address::PublicOnly;
use crate::ai::Ai;
use crate::config::Settings;
use crate::crypto::keyring::Keyring;
use crate::crypto::passwords::Passwords;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// Connect timeout of outside HTTP calls (the AI providers).
pub const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Whole-request timeout of outside HTTP calls: long enough for a model's full answer.
pub const HTTP_TOTAL_TIMEOUT: Duration = Duration::from_secs(60);

/// Cloned for every request (each middleware layer, the server functions' context, the
/// handlers' `State`), so a clone is one reference count: the fields live once, behind an
/// `Arc`, and are reached through `Deref` (`state.db`, `state.settings`, …).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What Leptos' router takes from the state (`leptos_routes_with_context`).
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state's fields, built once at start-up.
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub passwords: Passwords,
    pub keyring: Arc<Keyring>,
    /// The one client for every outside HTTP call (rustls, timeouts set, no redirects
    /// followed, so a provider URL cannot bounce a request and its key elsewhere).
    pub http: reqwest::Client,
    /// The AI provider and where tool calls go.
    pub ai: Ai,
    /// The JSON API's per-caller request counts (in this process).
    pub api_limiter: crate::web::limiter::ApiLimiter,
    /// The session records and signed-in people kept in memory.
    pub memory: Arc<crate::web::memory::Memory>,
    /// The TXT lookups that verify companies' mail domains.
    pub dns: crate::dns::TxtLookup,
    /// Companies' identity providers: their metadata and signing keys, kept per issuer.
    pub oidc: crate::oidc::Providers,
}

impl AppState {
    pub fn new(
        leptos_options: LeptosOptions,
        db: DatabaseConnection,
        settings: Settings,
        memory: Arc<crate::web::memory::Memory>,
    ) -> Result<AppState, String> {
        let keyring = keyring(&settings);
        let http = http_client(settings.ai.allow_private)?;
        let ai = Ai::new(http.clone(), settings.ai.clone());
        let dns = crate::dns::TxtLookup::new(settings.dns_server);
        let oidc = crate::oidc::Providers::new(http.clone(), settings.ai.allow_private);
        Ok(AppState(Arc::new(Shared {
            dns,
            oidc,
            ai,
            leptos_options,
            db,
            settings: Arc::new(settings),
            passwords: Passwords::new(),
            keyring: Arc::new(keyring),
            http,
            api_limiter: Default::default(),
            memory,
        })))
    }
}

/// The shared outside-HTTP client. Its resolver refuses private addresses unless
/// `allow_private` (see `ai::address`).
pub fn http_client(allow_private: bool) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(PublicOnly { allow_private }))
        .connect_timeout(HTTP_CONNECT_TIMEOUT)
        .timeout(HTTP_TOTAL_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        // HTTP(S)_PROXY would send calls to an address the resolver never checks.
        .no_proxy()
        .user_agent(concat!("digame/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// The master keys from the settings: the current one, and the previous one while rotating.
pub fn keyring(settings: &Settings) -> Keyring {
    Keyring::new(
        settings.master_key.clone(),
        settings.previous_master_key.clone(),
    )
}
