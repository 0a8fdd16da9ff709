//! What a User body asks of an account: read with `scim_v2` (Entra's `"True"`/`"False"`
//! strings included), and the two things Digame derives from it — the sign-in address and
//! the account's name.

use super::wire::ScimError;
use crate::domain::account::{DisplayName, Email};
use scim_v2::models::errors::ScimType;
use scim_v2::models::user::User;
use scim_v2::Validate;
use serde_json::Value;

/// What a create, a replacement or a patched resource asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub user_name: String,
    pub external_id: Option<String>,
    pub name: Option<Value>,
    pub display_name: Option<String>,
    pub active: Option<bool>,
    pub emails: Option<Value>,
}

/// Reads a User body (Entra's `"True"`/`"False"` strings included, by `scim_v2`).
pub fn wanted(body: Value) -> Result<Wanted, ScimError> {
    let user: User<String> = serde_json::from_value(body)
        .map_err(|e| ScimError::bad(ScimType::InvalidSyntax, format!("Not a SCIM User: {e}")))?;
    user.validate()
        .map_err(|e| ScimError::bad(ScimType::InvalidValue, e.to_string()))?;
    let user_name = user.user_name.trim().to_owned();
    if user_name.is_empty() {
        return Err(ScimError::bad(
            ScimType::InvalidValue,
            "userName must not be empty.",
        ));
    }
    if user_name.chars().count() > 512 {
        return Err(ScimError::bad(
            ScimType::InvalidValue,
            "userName is longer than 512 characters.",
        ));
    }
    let external_id = user
        .external_id
        .into_option()
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty());
    if external_id
        .as_ref()
        .is_some_and(|e| e.chars().count() > 512)
    {
        return Err(ScimError::bad(
            ScimType::InvalidValue,
            "externalId is longer than 512 characters.",
        ));
    }
    let to_json = |v| {
        serde_json::to_value(v)
            .ok()
            .filter(|v: &Value| !v.is_null())
    };
    Ok(Wanted {
        user_name,
        external_id,
        name: user.name.into_option().and_then(to_json),
        display_name: user
            .display_name
            .into_option()
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty()),
        active: user.active.into_option(),
        emails: user
            .emails
            .into_option()
            .filter(|e| !e.is_empty())
            .and_then(|e| serde_json::to_value(e).ok()),
    })
}

/// The account's sign-in address: `userName` when it is one, else the primary (or first)
/// address of `emails`.
pub fn address_of(w: &Wanted) -> Result<Email, ScimError> {
    if let Ok(email) = Email::parse(&w.user_name) {
        return Ok(email);
    }
    let emails = w.emails.as_ref().and_then(Value::as_array);
    let pick = emails.and_then(|list| {
        list.iter()
            .find(|e| e["primary"] == true)
            .or_else(|| list.first())
            .and_then(|e| e["value"].as_str())
    });
    pick.and_then(|v| Email::parse(v).ok()).ok_or_else(|| {
        ScimError::bad(
            ScimType::InvalidValue,
            "Digame signs people in by email address: give userName as an address, or an address in emails.",
        )
    })
}

/// The account's name: `displayName`, else `name.formatted`, else given and family names,
/// else the address' local part.
pub fn display_of(w: &Wanted, email: &Email) -> Result<DisplayName, ScimError> {
    let name = |k: &str| {
        w.name
            .as_ref()
            .and_then(|n| n[k].as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let joined = [name("givenName"), name("familyName")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let chosen = w
        .display_name
        .clone()
        .or_else(|| name("formatted").map(str::to_owned))
        .or_else(|| (!joined.is_empty()).then_some(joined))
        .unwrap_or_else(|| {
            email
                .as_str()
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned()
        });
    DisplayName::parse(&chosen).map_err(|e| {
        ScimError::bad(
            ScimType::InvalidValue,
            format!("displayName: {}", e.message()),
        )
    })
}
