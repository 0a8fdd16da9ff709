//! The mail a person gets, by category, on their profile: security notices (always sent:
//! sign-ins, password and two-factor changes), product notices, the weekly digest and
//! budget warnings; and the weekly digest itself (`digest`), sent through the outbox once
//! per person and week, with an unsubscribe link that works without signing in
//! (`/unsubscribe`, a signed single-purpose token).

pub mod pages;

#[cfg(feature = "ssr")]
pub mod digest;
#[cfg(feature = "ssr")]
pub mod service;

pub use pages::{MailChoices, UnsubscribePage};

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a digest's unsubscribe link leads.
pub const UNSUBSCRIBE_PATH: &str = "/unsubscribe";

/// A person's mail choices. Security notices are not a choice: they are always sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailPreferences {
    /// New tools and changes to Digame.
    pub product_notices: bool,
    /// Monday's summary: tasks due this week and overdue, the week's AI use.
    pub weekly_digest: bool,
    /// When the AI usage nears or reaches a budget.
    pub budget_warnings: bool,
}

/// The signed-in person's mail choices.
#[server(endpoint = "account/mail-settings")]
pub async fn mail_settings() -> Result<MailPreferences, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    service::settings_of(&state.db, &person).await
}

/// Saves the person's mail choices (a ticked box sends its name; an unticked one nothing).
#[server(endpoint = "account/mail-settings/set")]
pub async fn set_mail_settings(
    #[server(default)] product_notices: Option<String>,
    #[server(default)] weekly_digest: Option<String>,
    #[server(default)] budget_warnings: Option<String>,
) -> Result<MailPreferences, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let chosen = MailPreferences {
        product_notices: product_notices.is_some(),
        weekly_digest: weekly_digest.is_some(),
        budget_warnings: budget_warnings.is_some(),
    };
    let saved = service::save(&state.db, &person, chosen).await?;
    ctx::redirect_plain_form("/settings/profile?mail=saved#mail");
    Ok(saved)
}

/// Stops the weekly digest for the person a digest's unsubscribe link names, without
/// signing in. The token is checked; a wrong one changes nothing.
#[server(endpoint = "unsubscribe")]
pub async fn unsubscribe(token: String) -> Result<String, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let email = service::unsubscribe(&state.db, &state.settings, &token).await?;
    ctx::redirect_plain_form(&format!("{UNSUBSCRIBE_PATH}?done=1"));
    Ok(email)
}
