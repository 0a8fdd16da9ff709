//! The key vault: the only code that turns a stored key back into plaintext.

use super::binding::{address_for_key, held_message, owner_filter};
use super::parse::{known_keys, mask, ApiKeyName, ApiKeyValue};
use super::{ApiKeyRow, StoredKey};
use crate::audit_log::{record, Event};
use crate::crypto::keyring::{associated_data, Keyring, OpenError, Sealed};
use crate::domain::{AuditAction, Tier};
use crate::entities::user_api_keys::{self, Column, Entity};
use crate::error::AppError;
use crate::error::ResultExt;
use crate::person::SessionUser;
use crate::util::format_time;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};

/// Why a tool cannot have a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    NotStored,
    Expired,
    /// The stored ciphertext does not open (tampered, or its master key is gone).
    Undecryptable,
    /// The key was saved for another address than the one its tool now uses: it is held
    /// until its owner confirms the new address.
    Held {
        saved_for: String,
        now: String,
    },
    Database,
}

impl From<KeyError> for AppError {
    fn from(e: KeyError) -> AppError {
        match e {
            KeyError::NotStored => AppError::ApiKeyMissing(
                "You have not stored this key yet. Add it on Settings → API keys.".into(),
            ),
            KeyError::Expired => AppError::ApiKeyMissing(
                "This key has expired. Replace it on Settings → API keys.".into(),
            ),
            KeyError::Undecryptable => AppError::ApiKeyMissing(
                "This stored key can no longer be read. Replace it on Settings → API keys.".into(),
            ),
            KeyError::Held { saved_for, now } => AppError::Conflict {
                field: "key".into(),
                message: held_message(&saved_for, &now),
            },
            KeyError::Database => AppError::Internal,
        }
    }
}

/// Every known key (stored or not) and every stored custom key of the caller.
pub async fn list(
    db: &DatabaseConnection,
    ai: &crate::config::AiSettings,
    person: &SessionUser,
) -> Result<Vec<ApiKeyRow>, AppError> {
    let stored = Entity::find()
        .filter(owner_filter(person))
        .order_by_asc(Column::KeyName)
        .all(db)
        .await
        .or_internal("listing API keys")?;
    let now = Utc::now();
    let tier = person.tier();
    let flags = crate::features::tenancy::service::flags_of(db, person).await?;
    let endpoints =
        crate::features::ai_admin::service::endpoints_of(db, ai, person.tenant_id()).await?;
    // Where each known key goes: its tool's address, or its second service's.
    let addresses: std::collections::HashMap<&str, &str> = known_keys()
        .filter_map(|k| {
            let target = endpoints.get(&k.tool.id)?;
            let address = if k.second {
                target.second.as_ref()?.base_url.as_str()
            } else {
                target.base_url.as_str()
            };
            Some((k.name, address))
        })
        .collect();
    let info = |m: &user_api_keys::Model| StoredKey {
        sent_to: (!m.bound_url.is_empty()).then(|| m.bound_url.clone()),
        held_for: addresses
            .get(m.key_name.as_str())
            .map(|now| (*now).to_owned())
            .filter(|now| !m.bound_url.is_empty() && *now != m.bound_url),
        masked: mask(&m.last_four),
        added: format_time(m.created_at),
        updated: format_time(m.updated_at),
        last_used: m.last_used_at.map(format_time),
        expires: m.expires_at.map(|t| t.format("%-d %b %Y").to_string()),
        expired: m.expires_at.is_some_and(|t| t <= now),
    };
    // A second service's key is listed while the tool has one, or while one is stored.
    let mut rows: Vec<ApiKeyRow> = known_keys()
        .filter(|k| {
            !k.second
                || addresses.contains_key(k.name)
                || stored.iter().any(|m| m.key_name == k.name)
        })
        .map(|k| ApiKeyRow {
            name: k.name.to_owned(),
            label: if k.second {
                format!("{} key for the second service", k.tool.title)
            } else {
                format!("{} key", k.tool.title)
            },
            used_by: Some(k.tool.title.to_owned()),
            optional: k.optional,
            second: k.second,
            in_plan: Some(tier.includes(k.tool.id)),
            enabled: Some(flags[&k.tool.id]),
            plan_needed: (!tier.includes(k.tool.id))
                .then(|| Tier::lowest_including(k.tool.id).label().to_owned()),
            goes_to: addresses.get(k.name).map(|a| (*a).to_owned()),
            stored: stored.iter().find(|m| m.key_name == k.name).map(info),
        })
        .collect();
    rows.extend(
        stored
            .iter()
            .filter(|m| known_keys().all(|k| k.name != m.key_name))
            .map(|m| ApiKeyRow {
                name: m.key_name.clone(),
                label: m.key_name.clone(),
                used_by: None,
                optional: false,
                second: false,
                in_plan: None,
                enabled: None,
                plan_needed: None,
                goes_to: None,
                stored: Some(info(m)),
            }),
    );
    Ok(rows)
}

/// The last day a key may be used, from a date field (`YYYY-MM-DD`, empty for none).
pub fn parse_expiry(
    raw: &str,
    field: &str,
    today: NaiveDate,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
        AppError::validation(
            field,
            "Enter the expiry date as YYYY-MM-DD, or leave it empty.",
        )
    })?;
    if date < today {
        return Err(AppError::validation(
            field,
            "The expiry date has already passed.",
        ));
    }
    if date > today + chrono::Duration::days(3660) {
        return Err(AppError::validation(
            field,
            "Choose an expiry date within the next ten years.",
        ));
    }
    // Usable through the whole of that day (UTC).
    Ok(Some(
        date.and_hms_opt(23, 59, 59).expect("valid time").and_utc(),
    ))
}

/// Keys a person may store beyond the tools' own.
pub const CUSTOM_KEYS_MAX: usize = 20;

/// Stores or replaces a key, and records it in the audit log, in one transaction.
pub async fn save(
    db: &DatabaseConnection,
    keyring: &Keyring,
    ai: &crate::config::AiSettings,
    person: &SessionUser,
    name: &ApiKeyName,
    value: &ApiKeyValue,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), AppError> {
    person.require_verified("store API keys")?;
    let bound = address_for_key(db, ai, person.tenant_id(), name.as_str()).await?;
    let txn = db.begin().await.or_internal("saving an API key")?;
    write_key(
        &txn,
        keyring,
        person,
        (name, value),
        expires_at,
        bound.as_deref().unwrap_or_default(),
    )
    .await?;
    txn.commit().await.or_internal("saving an API key")?;
    Ok(())
}

/// Replaces the caller's whole set of keys with `keys` (the JSON API's semantics): keys not
/// named are deleted, the others stored (without an expiry), each change audited, all in
/// one transaction, so a refusal (the custom-key cap) leaves the set as it was.
pub async fn replace_all(
    db: &DatabaseConnection,
    keyring: &Keyring,
    ai: &crate::config::AiSettings,
    person: &SessionUser,
    keys: &[(ApiKeyName, ApiKeyValue)],
) -> Result<(), AppError> {
    if !keys.is_empty() {
        person.require_verified("store API keys")?;
    }
    let existing = Entity::find()
        .filter(owner_filter(person))
        .all(db)
        .await
        .or_internal("reading API keys")?;
    let txn = db.begin().await.or_internal("replacing API keys")?;
    // Deletions first (writes, so the transaction starts with one), so the cap counts the
    // new set.
    for old in existing
        .iter()
        .filter(|m| keys.iter().all(|(n, _)| n.as_str() != m.key_name))
    {
        remove_key(&txn, person, &old.key_name).await?;
    }
    for (name, value) in keys {
        let bound = address_for_key(&txn, ai, person.tenant_id(), name.as_str()).await?;
        write_key(
            &txn,
            keyring,
            person,
            (name, value),
            None,
            bound.as_deref().unwrap_or_default(),
        )
        .await?;
    }
    txn.commit().await.or_internal("replacing API keys")?;
    Ok(())
}

/// Stores `name` inside `txn`: the upsert (bound to the address `bound_url` its tool uses
/// now: saving a key confirms where it goes), the custom-key cap, the audit record.
async fn write_key(
    txn: &DatabaseTransaction,
    keyring: &Keyring,
    person: &SessionUser,
    (name, value): (&ApiKeyName, &ApiKeyValue),
    expires_at: Option<DateTime<Utc>>,
    bound_url: &str,
) -> Result<(), AppError> {
    // The person's row is locked first, so two saves at once take turns and the custom-key
    // cap below counts the other's key (PostgreSQL would otherwise let each transaction count
    // only its own, and a burst pass the cap).
    crate::person::lock_row(txn, person.user.id)
        .await
        .or_internal("saving an API key")?;
    // Read again under the lock: a second click on "Save key" finds the first one's key, the
    // same value for the same address, and changes nothing (nor audits anything again).
    let current = Entity::find()
        .filter(owner_filter(person))
        .filter(Column::KeyName.eq(name.as_str()))
        .one(txn)
        .await
        .or_internal("reading an API key")?;
    if current
        .as_ref()
        .is_some_and(|c| same_key(keyring, person, c, value, expires_at, bound_url))
    {
        return Ok(());
    }
    let existed = current.as_ref();
    let sealed = keyring.seal(
        &SecretString::from(value.expose().to_owned()),
        &associated_data(person.tenant_id(), person.user.id, name.as_str()),
    );
    let now = Utc::now();
    // An upsert, so the transaction starts with a write (see auth::registration::register).
    Entity::insert(user_api_keys::ActiveModel {
        tenant_id: Set(person.tenant_id()),
        user_id: Set(person.user.id),
        key_name: Set(name.as_str().to_owned()),
        ciphertext: Set(sealed.ciphertext),
        nonce: Set(sealed.nonce),
        key_version: Set(sealed.key_version),
        last_four: Set(value.last_four()),
        created_at: Set(now),
        updated_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set(expires_at),
        bound_url: Set(bound_url.to_owned()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([Column::TenantId, Column::UserId, Column::KeyName])
            .update_columns([
                Column::BoundUrl,
                Column::Ciphertext,
                Column::Nonce,
                Column::KeyVersion,
                Column::LastFour,
                Column::UpdatedAt,
                Column::LastUsedAt,
                Column::ExpiresAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await
    .or_internal("saving an API key")?;
    if existed.is_none() && known_keys().all(|k| k.name != name.as_str()) {
        // Counted after the write, inside the transaction: over the cap, nothing is kept.
        let custom = Entity::find()
            .filter(owner_filter(person))
            .all(txn)
            .await
            .or_internal("counting API keys")?
            .iter()
            .filter(|m| known_keys().all(|k| k.name != m.key_name))
            .count();
        if custom > CUSTOM_KEYS_MAX {
            return Err(AppError::validation(
                "name",
                format!("You can store {CUSTOM_KEYS_MAX} keys of your own at most. Delete one you no longer use first."),
            ));
        }
    }
    let expiry =
        |t: Option<DateTime<Utc>>| serde_json::json!({ "expires_at": t.map(|t| t.to_rfc3339()) });
    record(
        txn,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: if existed.is_some() {
                AuditAction::ApiKeyReplaced
            } else {
                AuditAction::ApiKeyAdded
            },
            target: name.as_str(),
            before: existed.map(|m| expiry(m.expires_at)),
            after: Some(expiry(expires_at)),
        },
    )
    .await
}

/// Whether the stored key `current` already is `value`, with the same expiry (to the minute:
/// one picked as a number of days is counted from the moment of saving) for the same address.
fn same_key(
    keyring: &Keyring,
    person: &SessionUser,
    current: &user_api_keys::Model,
    value: &ApiKeyValue,
    expires_at: Option<DateTime<Utc>>,
    bound_url: &str,
) -> bool {
    let same_expiry = match (current.expires_at, expires_at) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).num_seconds().abs() < 60,
        _ => false,
    };
    let sealed = Sealed {
        ciphertext: current.ciphertext.clone(),
        nonce: current.nonce.clone(),
        key_version: current.key_version,
    };
    same_expiry
        && current.bound_url == bound_url
        && keyring
            .open(
                &sealed,
                &associated_data(person.tenant_id(), person.user.id, &current.key_name),
            )
            .is_ok_and(|v| v.expose_secret() == value.expose())
}

/// Deletes one of the caller's keys; "not found" when there is none of that name.
pub async fn delete(
    db: &DatabaseConnection,
    person: &SessionUser,
    name: &ApiKeyName,
) -> Result<(), AppError> {
    let txn = db.begin().await.or_internal("deleting an API key")?;
    if !remove_key(&txn, person, name.as_str()).await? {
        return Err(AppError::NotFound(format!(
            "You have no stored key named {}.",
            name.as_str()
        )));
    }
    txn.commit().await.or_internal("deleting an API key")?;
    Ok(())
}

/// Deletes `name` inside `txn` and audits it; false when there was none.
async fn remove_key(
    txn: &DatabaseTransaction,
    person: &SessionUser,
    name: &str,
) -> Result<bool, AppError> {
    let gone = Entity::delete_many()
        .filter(owner_filter(person))
        .filter(Column::KeyName.eq(name))
        .exec(txn)
        .await
        .or_internal("deleting an API key")?;
    if gone.rows_affected == 0 {
        return Ok(false);
    }
    record(
        txn,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: AuditAction::ApiKeyDeleted,
            target: name,
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(true)
}

/// The caller's stored keys (masked), in name order, for the JSON API.
pub async fn stored(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<Vec<user_api_keys::Model>, AppError> {
    Entity::find()
        .filter(owner_filter(person))
        .order_by_asc(Column::KeyName)
        .all(db)
        .await
        .or_internal("listing API keys")
}

/// Which stored key was opened, to record its use once the call goes ahead.
#[derive(Debug, Clone, Copy)]
pub struct KeyUse {
    id: i64,
    last_used_at: Option<chrono::DateTime<Utc>>,
}

impl KeyUse {
    /// Records that a tool used the key: at most one write a minute per key (the page shows
    /// the time to the minute), and a failure to write is logged, not the call's failure.
    pub async fn record(self, db: &DatabaseConnection) {
        let now = Utc::now();
        if self
            .last_used_at
            .is_some_and(|t| now - t < chrono::Duration::seconds(60))
        {
            return;
        }
        let update = user_api_keys::ActiveModel {
            id: Set(self.id),
            last_used_at: Set(Some(now)),
            ..Default::default()
        };
        if let Err(e) = update.update(db).await {
            tracing::warn!(error = %e, "could not record when an API key was used");
        }
    }
}

/// The caller's key `name` in plaintext, for a call to its outside service at `address`,
/// and the handle that records the use ([`KeyUse::record`]; the settings page's "Test" does
/// not). A key is only ever sent to the address it was saved for: elsewhere it is
/// [`KeyError::Held`]. A key saved before keys were bound is bound to `address` now (not a
/// second service's key: those were always bound).
pub async fn reveal(
    db: &DatabaseConnection,
    keyring: &Keyring,
    person: &SessionUser,
    name: &str,
    address: Option<&str>,
) -> Result<(SecretString, KeyUse), KeyError> {
    let row = Entity::find()
        .filter(owner_filter(person))
        .filter(Column::KeyName.eq(name))
        .one(db)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading an API key");
            KeyError::Database
        })?
        .ok_or(KeyError::NotStored)?;
    if row.expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err(KeyError::Expired);
    }
    match address {
        // A second service's key is always saved bound to its address (there were no such
        // keys before keys were bound): an unbound row of that name was saved as a key of
        // the person's own, meant for no service, and is not sent anywhere.
        Some(address)
            if row.bound_url.is_empty() && known_keys().any(|k| k.second && k.name == name) =>
        {
            return Err(KeyError::Held {
                saved_for: "no service (saved as a key of your own)".to_owned(),
                now: address.to_owned(),
            });
        }
        Some(address) if row.bound_url.is_empty() => {
            Entity::update_many()
                .col_expr(Column::BoundUrl, sea_orm::sea_query::Expr::value(address))
                .filter(Column::Id.eq(row.id))
                .filter(Column::BoundUrl.eq(""))
                .exec(db)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "binding an API key to its address");
                    KeyError::Database
                })?;
        }
        Some(address) if row.bound_url != address => {
            return Err(KeyError::Held {
                saved_for: row.bound_url.clone(),
                now: address.to_owned(),
            });
        }
        _ => {}
    }
    let sealed = Sealed {
        ciphertext: row.ciphertext.clone(),
        nonce: row.nonce.clone(),
        key_version: row.key_version,
    };
    let plaintext = keyring
        .open(
            &sealed,
            &associated_data(row.tenant_id, row.user_id, &row.key_name),
        )
        .map_err(|e| {
            // A security event: tampering, a row moved between owners, or a lost master key.
            tracing::warn!(
                security_event = "api_key_undecryptable",
                tenant_id = row.tenant_id,
                user_id = row.user_id,
                key_name = %row.key_name,
                reason = ?e,
                "a stored API key could not be decrypted"
            );
            KeyError::Undecryptable
        })?;
    Ok((
        plaintext,
        KeyUse {
            id: row.id,
            last_used_at: row.last_used_at,
        },
    ))
}

/// Names of the caller's stored keys that have not expired.
pub async fn usable_key_names(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<Vec<String>, AppError> {
    let now = Utc::now();
    Ok(Entity::find()
        .filter(owner_filter(person))
        .all(db)
        .await
        .or_internal("reading API keys")?
        .into_iter()
        .filter(|k| k.expires_at.is_none_or(|t| t > now))
        .map(|k| k.key_name)
        .collect())
}

/// What a rotation did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RotationReport {
    pub users: u64,
    pub reencrypted: u64,
    pub already_current: u64,
    /// Keys that did not open under any configured master key (left as they are).
    pub unreadable: u64,
    /// Keys changed by their owner during the run (run again to finish them).
    pub changed_meanwhile: u64,
}

/// Re-encrypts every key not sealed under the current master key, one transaction per user.
/// Safe to stop and run again: keys already current are skipped.
pub async fn rotate(db: &DatabaseConnection, keyring: &Keyring) -> Result<RotationReport, DbErr> {
    let current = keyring.current_version();
    let mut report = RotationReport {
        already_current: Entity::find()
            .filter(Column::KeyVersion.eq(current))
            .all(db)
            .await?
            .len() as u64,
        ..Default::default()
    };
    let stale = Entity::find()
        .filter(Column::KeyVersion.ne(current))
        .order_by_asc(Column::UserId)
        .all(db)
        .await?;
    let mut by_user: std::collections::BTreeMap<i64, Vec<user_api_keys::Model>> =
        Default::default();
    for row in stale {
        by_user.entry(row.user_id).or_default().push(row);
    }
    for rows in by_user.into_values() {
        report.users += 1;
        // Decrypt and re-seal first; the transaction then only writes.
        let mut updates = Vec::new();
        for row in rows {
            let aad = associated_data(row.tenant_id, row.user_id, &row.key_name);
            let sealed = Sealed {
                ciphertext: row.ciphertext.clone(),
                nonce: row.nonce.clone(),
                key_version: row.key_version,
            };
            match keyring.open(&sealed, &aad) {
                Ok(plain) => updates.push((row, keyring.seal(&plain, &aad))),
                Err(OpenError::UnknownKeyVersion | OpenError::Rejected) => {
                    tracing::warn!(
                        security_event = "api_key_undecryptable",
                        user_id = row.user_id,
                        key_name = %row.key_name,
                        "rotation could not open a stored key"
                    );
                    report.unreadable += 1;
                }
            }
        }
        let txn = db.begin().await?;
        for (row, sealed) in updates {
            let done = Entity::update_many()
                .col_expr(
                    Column::Ciphertext,
                    sea_orm::sea_query::Expr::value(sealed.ciphertext),
                )
                .col_expr(Column::Nonce, sea_orm::sea_query::Expr::value(sealed.nonce))
                .col_expr(
                    Column::KeyVersion,
                    sea_orm::sea_query::Expr::value(sealed.key_version),
                )
                .filter(Column::Id.eq(row.id))
                .filter(Column::KeyVersion.eq(row.key_version))
                .filter(Column::Ciphertext.eq(row.ciphertext.clone()))
                .exec(&txn)
                .await?;
            if done.rows_affected == 1 {
                report.reencrypted += 1;
            } else {
                report.changed_meanwhile += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_dates() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(parse_expiry("", "e", today).unwrap(), None);
        let end = parse_expiry("2026-11-24", "e", today).unwrap().unwrap();
        assert_eq!(end.to_rfc3339(), "2026-11-24T23:59:59+00:00");
        for bad in ["2026-11-23", "24/11/2026", "2040-01-01", "soon"] {
            assert_eq!(
                parse_expiry(bad, "e", today).unwrap_err().field(),
                Some("e"),
                "{bad}"
            );
        }
    }
}
