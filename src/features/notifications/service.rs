//! Reading and saving a person's mail choices, and the unsubscribe link's token.
//!
//! The token is `<user id>.<mac>`: HMAC-SHA-256 under a key derived from the master key for
//! this one purpose, over the user id. It says "stop the weekly digest for this person"
//! and nothing else; every replica can check it, it needs no storage, and it does not
//! expire (a digest's link keeps working however old the mail).

use super::MailPreferences;
use crate::config::Settings;
use crate::entities::{notification_settings as rows, onboarding_states, users};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use base64::Engine as _;
use chrono::Utc;
use hmac::{Hmac, Mac};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use sha2::Sha256;

/// The choices of someone who never saved any: product notices and budget warnings on,
/// and the digest as the setup wizard's "Send me an email digest" said.
pub fn defaults(wizard_digest: bool) -> MailPreferences {
    MailPreferences {
        product_notices: true,
        weekly_digest: wizard_digest,
        budget_warnings: true,
    }
}

/// What the setup wizard's answers say about the digest (no answers: no digest).
pub fn wizard_digest(onboarding: Option<&onboarding_states::Model>) -> bool {
    let data =
        crate::features::onboarding::model::parse_stored(onboarding.map(|r| r.data.as_str()));
    data.user_preferences
        .get("email_digest")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false)
}

fn of(row: &rows::Model) -> MailPreferences {
    MailPreferences {
        product_notices: row.product_notices,
        weekly_digest: row.weekly_digest,
        budget_warnings: row.budget_warnings,
    }
}

pub async fn settings_of(
    db: &impl ConnectionTrait,
    person: &SessionUser,
) -> Result<MailPreferences, AppError> {
    let row = rows::Entity::find_by_id(person.user.id)
        .one(db)
        .await
        .or_internal("reading mail settings")?;
    if let Some(row) = row {
        return Ok(of(&row));
    }
    let onboarding = onboarding_states::Entity::find_by_id(person.user.id)
        .one(db)
        .await
        .or_internal("reading mail settings")?;
    Ok(defaults(wizard_digest(onboarding.as_ref())))
}

/// Saves `chosen` for the person (the week of their last digest is kept).
pub async fn save(
    db: &impl ConnectionTrait,
    person: &SessionUser,
    chosen: MailPreferences,
) -> Result<MailPreferences, AppError> {
    rows::Entity::insert(rows::ActiveModel {
        user_id: Set(person.user.id),
        tenant_id: Set(person.tenant_id()),
        product_notices: Set(chosen.product_notices),
        weekly_digest: Set(chosen.weekly_digest),
        budget_warnings: Set(chosen.budget_warnings),
        digest_week: Set(None),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(rows::Column::UserId)
            .update_columns([
                rows::Column::ProductNotices,
                rows::Column::WeeklyDigest,
                rows::Column::BudgetWarnings,
                rows::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .or_internal("saving mail settings")?;
    Ok(chosen)
}

fn mac(settings: &Settings, user_id: i64) -> Hmac<Sha256> {
    let mut key =
        Hmac::<Sha256>::new_from_slice(&settings.master_key.0).expect("HMAC takes any key length");
    key.update(b"digame: unsubscribe from the weekly digest");
    let derived = key.finalize().into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(&derived).expect("HMAC takes any key length");
    mac.update(user_id.to_string().as_bytes());
    mac
}

/// The token of `user_id`'s unsubscribe link.
pub fn unsubscribe_token(settings: &Settings, user_id: i64) -> String {
    let sig = mac(settings, user_id).finalize().into_bytes();
    format!(
        "{user_id}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
    )
}

/// The user a token names, when its signature holds.
pub fn token_user(settings: &Settings, token: &str) -> Option<i64> {
    let (id, sig) = token.trim().split_once('.')?;
    let id: i64 = id.parse().ok()?;
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig)
        .ok()?;
    mac(settings, id).verify_slice(&sig).ok().map(|()| id)
}

/// Turns the weekly digest off for the person `token` names; their address, to say whose.
pub async fn unsubscribe(
    db: &impl ConnectionTrait,
    settings: &Settings,
    token: &str,
) -> Result<String, AppError> {
    let refused = || {
        AppError::validation(
            "token",
            "This unsubscribe link is not valid (it may be cut short). Sign in and change your mail on your profile instead.",
        )
    };
    let user_id = token_user(settings, token).ok_or_else(refused)?;
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await
        .or_internal("unsubscribing")?
        .ok_or_else(refused)?;
    let existing = rows::Entity::find_by_id(user_id)
        .one(db)
        .await
        .or_internal("unsubscribing")?;
    let kept = match &existing {
        Some(row) => of(row),
        None => defaults(false),
    };
    rows::Entity::insert(rows::ActiveModel {
        user_id: Set(user.id),
        tenant_id: Set(user.tenant_id),
        product_notices: Set(kept.product_notices),
        weekly_digest: Set(false),
        budget_warnings: Set(kept.budget_warnings),
        digest_week: Set(existing.and_then(|r| r.digest_week)),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(rows::Column::UserId)
            .update_columns([rows::Column::WeeklyDigest, rows::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .or_internal("unsubscribing")?;
    tracing::info!(user_id, "weekly digest stopped from its unsubscribe link");
    Ok(user.email)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::from_lookup(|name| {
            (name == "DIGAME_MASTER_KEY")
                .then(|| "q83vEjRlZR0K9yHc0Qx8Ki3pLw9Z7nM2bV4cX6sA1dE=".to_owned())
        })
        .unwrap()
    }

    #[test]
    fn an_unsubscribe_token_names_its_person_and_cannot_be_forged() {
        let s = settings();
        let token = unsubscribe_token(&s, 42);
        assert_eq!(token_user(&s, &token), Some(42));
        assert_eq!(token_user(&s, &format!(" {token}\n")), Some(42));
        // Another person's id with this signature, a cut signature, nonsense: nobody.
        let sig = token.split_once('.').unwrap().1;
        assert_eq!(token_user(&s, &format!("43.{sig}")), None);
        assert_eq!(token_user(&s, &token[..token.len() - 2]), None);
        assert_eq!(token_user(&s, "42"), None);
        assert_eq!(token_user(&s, "x.y"), None);
        assert_ne!(unsubscribe_token(&s, 43), token);
    }
}
