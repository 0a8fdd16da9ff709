//! "Test" on a stored key: unexpired, readable, and accepted by the AI service of the tool
//! that uses it.

use super::binding::address_for_key;
use super::parse::ApiKeyName;
use super::service::{reveal, KeyError};
use super::KeyCheckOutcome;
use crate::error::AppError;
use crate::person::SessionUser;
use sea_orm::DatabaseConnection;
use secrecy::SecretString;

/// "Test" on a stored key: that it is unexpired and decrypts, then, for a key a tool uses,
/// the tool's AI service asked with the cheapest call it has (listing models). 404 when
/// `person` has no key of that name.
pub async fn test_key(
    state: &crate::web::state::AppState,
    person: &SessionUser,
    name: &str,
) -> Result<super::KeyCheck, AppError> {
    let name = ApiKeyName::parse(name, "name")?;
    let address = address_for_key(
        &state.db,
        &state.ai.settings,
        person.tenant_id(),
        name.as_str(),
    )
    .await?;
    let revealed = reveal(
        &state.db,
        &state.keyring,
        person,
        name.as_str(),
        address.as_deref(),
    )
    .await;
    let outcome = match revealed {
        Ok((key, _)) => ask_service(&state.db, &state.ai, person, name.as_str(), &key).await,
        Err(KeyError::Held { .. }) => KeyCheckOutcome::Held,
        Err(KeyError::Expired) => KeyCheckOutcome::Expired,
        Err(KeyError::Undecryptable) => KeyCheckOutcome::Unreadable,
        Err(KeyError::NotStored) => {
            return Err(AppError::NotFound(format!(
                "You have no stored key named {}.",
                name.as_str()
            )))
        }
        Err(KeyError::Database) => return Err(AppError::Internal),
    };
    Ok(super::KeyCheck {
        name: name.as_str().to_owned(),
        outcome,
        message: outcome.message().to_owned(),
    })
}

/// Asks the AI service whether it accepts `key`, when a tool uses a key of this name (at
/// the address the tenant uses for that tool); otherwise there is no service to ask.
pub async fn ask_service(
    db: &DatabaseConnection,
    ai: &crate::ai::Ai,
    person: &SessionUser,
    name: &str,
    key: &SecretString,
) -> KeyCheckOutcome {
    use crate::ai::provider::ProviderError;
    let Some(known) = super::parse::known_keys().find(|k| k.name == name) else {
        return KeyCheckOutcome::FormatOk;
    };
    // The address the tenant's calls for that tool use (for a second service's key, that
    // service's), under the same policy.
    let Ok(target) = crate::features::ai_admin::service::usable_endpoint(
        db,
        &ai.settings,
        person.tenant_id(),
        known.tool.id,
    )
    .await
    else {
        return KeyCheckOutcome::Unreachable;
    };
    let (kind, address) = match (known.second, target.second) {
        (false, _) => (target.provider, target.base_url),
        (true, Some(second)) => (second.provider, second.base_url),
        (true, None) => return KeyCheckOutcome::Unreachable,
    };
    match ai
        .provider(kind)
        .check_key(&address, key, ai.timeout())
        .await
    {
        Ok(()) => KeyCheckOutcome::Accepted,
        Err(ProviderError::KeyRejected) => KeyCheckOutcome::Rejected,
        Err(e) => {
            tracing::info!(
                outcome = e.outcome(),
                "key check could not reach the AI service"
            );
            KeyCheckOutcome::Unreachable
        }
    }
}
