//! Personal API keys: the settings page where people store the keys the AI tools use, the
//! encrypted vault behind it, and the one function that gives a tool its plaintext key.

#[cfg(feature = "ssr")]
pub mod binding;
#[cfg(feature = "ssr")]
pub mod check;
pub mod pages;
pub mod parse;

#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One row of the settings page. Carries no secret: a stored key shows its last four only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub name: String,
    pub label: String,
    /// The tool that uses this key (none for custom keys).
    pub used_by: Option<String>,
    /// The tool works without it (built-in analysis, or a second service's key).
    pub optional: bool,
    /// The key for the tool's second AI service, used when its first service fails.
    pub second: bool,
    /// Whether the tool is in the tenant's plan.
    pub in_plan: Option<bool>,
    /// Whether the tenant's admins have the tool switched on.
    pub enabled: Option<bool>,
    /// The lowest plan that includes the tool, when the tenant's does not.
    pub plan_needed: Option<String>,
    /// Where the tool's calls go now (the address the company's admins chose, else the
    /// operator's default): where a key saved now would be sent.
    pub goes_to: Option<String>,
    pub stored: Option<StoredKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    /// The AI service address the key was saved for: it is sent nowhere else.
    pub sent_to: Option<String>,
    /// When an admin changed the tool's address since: the new address, where the key is
    /// not sent until its owner confirms it.
    pub held_for: Option<String>,
    pub masked: String,
    pub added: String,
    pub updated: String,
    pub last_used: Option<String>,
    pub expires: Option<String>,
    pub expired: bool,
}

/// The answer of "Test".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct KeyCheck {
    pub name: String,
    pub outcome: KeyCheckOutcome,
    pub message: String,
}

/// What "Test" found. Travels as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KeyCheckOutcome {
    /// The tool's AI service accepted the key.
    Accepted,
    /// The service answered that the key is not valid.
    Rejected,
    /// The service could not be reached (or did not answer in time).
    Unreachable,
    /// A custom key no tool uses: stored and readable; no service to ask.
    FormatOk,
    Expired,
    Unreadable,
    /// The tool's address changed since the key was saved: not sent until confirmed.
    Held,
}

impl KeyCheckOutcome {
    pub const ALL: [KeyCheckOutcome; 7] = [
        KeyCheckOutcome::Accepted,
        KeyCheckOutcome::Rejected,
        KeyCheckOutcome::Unreachable,
        KeyCheckOutcome::FormatOk,
        KeyCheckOutcome::Expired,
        KeyCheckOutcome::Unreadable,
        KeyCheckOutcome::Held,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyCheckOutcome::Accepted => "accepted",
            KeyCheckOutcome::Rejected => "rejected",
            KeyCheckOutcome::Unreachable => "unreachable",
            KeyCheckOutcome::FormatOk => "format_ok",
            KeyCheckOutcome::Expired => "expired",
            KeyCheckOutcome::Unreadable => "unreadable",
            KeyCheckOutcome::Held => "held",
        }
    }

    pub fn parse(value: &str) -> Option<KeyCheckOutcome> {
        KeyCheckOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == value)
    }

    /// What the outcome means, in words.
    pub fn message(self) -> &'static str {
        match self {
            KeyCheckOutcome::Accepted => "The AI service accepted this key.",
            KeyCheckOutcome::Rejected => "The AI service rejected this key. Check that you copied all of it, or replace it with a new one.",
            KeyCheckOutcome::Unreachable => "The AI service could not be reached just now, so the key could not be checked. Try again in a moment.",
            KeyCheckOutcome::FormatOk => "Stored correctly and readable. No Digame tool uses this key, so there is no service to ask.",
            KeyCheckOutcome::Expired => "This key has expired and will not be used. Replace it with a current key.",
            KeyCheckOutcome::Unreadable => "This key can no longer be read (it may have been stored under an older master key). Replace it.",
            KeyCheckOutcome::Held => "Your company changed where this tool's calls go since you saved this key, so it is not sent (nor tested) until you confirm the new address.",
        }
    }
}

/// Where an error belongs on the page: `<form origin>.<field>`.
#[cfg(feature = "ssr")]
fn origin_field(origin: &str, field: &str) -> String {
    let origin = if origin.len() <= 64
        && origin
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        origin
    } else {
        "new"
    };
    format!("{origin}.{field}")
}

#[server(endpoint = "keys/list")]
pub async fn list_api_keys() -> Result<Vec<ApiKeyRow>, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    service::list(&state.db, &state.ai.settings, &person).await
}

/// Stores or replaces one of the caller's keys. `origin` names the form it came from, so
/// field messages appear on that form.
#[server(endpoint = "keys/save")]
pub async fn save_api_key(
    origin: String,
    name: String,
    value: String,
    expires_on: String,
) -> Result<(), AppError> {
    use crate::web::ctx;
    use parse::{ApiKeyName, ApiKeyValue};
    let (state, person) = ctx::signed_in().await?;
    let name = ApiKeyName::parse(name.trim(), &origin_field(&origin, "name"))?;
    let value = ApiKeyValue::parse(&value, &origin_field(&origin, "value"))?;
    let expires_at = service::parse_expiry(
        &expires_on,
        &origin_field(&origin, "expires_on"),
        chrono::Utc::now().date_naive(),
    )?;
    service::save(
        &state.db,
        &state.keyring,
        &state.ai.settings,
        &person,
        &name,
        &value,
        expires_at,
    )
    .await
    .map_err(|e| match e {
        // The service names its fields plainly; the page shows them on the form they came from.
        AppError::Validation { field, message } => AppError::Validation {
            field: origin_field(&origin, &field),
            message,
        },
        other => other,
    })?;
    ctx::redirect_plain_form(&format!("/settings/api-keys?saved={0}#{0}", name.as_str()));
    Ok(())
}

#[server(endpoint = "keys/delete")]
pub async fn delete_api_key(name: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let name = parse::ApiKeyName::parse(&name, "name")?;
    service::delete(&state.db, &person, &name).await?;
    ctx::redirect_plain_form(&format!(
        "/settings/api-keys?deleted={0}#{0}",
        name.as_str()
    ));
    Ok(())
}

/// Checks a stored key: that it is unexpired and decrypts, then, for a key a tool uses, asks
/// the tool's AI service with the cheapest call it has (listing models).
#[server(endpoint = "keys/test")]
pub async fn test_api_key(name: String) -> Result<KeyCheck, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let check = check::test_key(&state, &person, &name).await?;
    ctx::redirect_plain_form(&format!(
        "/settings/api-keys?tested={}&outcome={}",
        check.name,
        check.outcome.as_str()
    ));
    Ok(check)
}

/// The person lets their key `name` go to the address its tool uses now (an administrator
/// changed it since the key was saved).
#[server(endpoint = "keys/confirm-address")]
pub async fn confirm_key_address(name: String) -> Result<String, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let name = parse::ApiKeyName::parse(&name, "name")?;
    let address = binding::confirm_address(&state.db, &state.ai.settings, &person, &name).await?;
    ctx::redirect_plain_form(&format!(
        "/settings/api-keys?confirmed={0}#{0}",
        name.as_str()
    ));
    Ok(address)
}
