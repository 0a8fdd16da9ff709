//! Two-factor sign-in with TOTP (RFC 6238: HMAC-SHA1, 30-second steps, six digits), the
//! authenticator apps' common ground.
//!
//! Set-up: a secret is made and sealed under the master key (like API keys), shown as a QR
//! code and as text, and switched on only when a first code from the app matches; ten
//! recovery codes are then made, shown once and stored as hashes. Sign-in with two-factor on
//! asks for a code after the password: a code of the current step or either neighbour,
//! never one already used (the last accepted step is stored), or an unused recovery code.
//! Code attempts are counted before they are checked, like passwords.

use super::throttle;
use super::totp::{base32, from_base32, matching_step, otpauth_uri, qr_svg};
use crate::audit_log::{record, Event};
use crate::crypto::keyring::{Keyring, Sealed};
use crate::domain::AuditAction;
use crate::entities::{recovery_codes, two_factor, users};
use crate::error::{AppError, ResultExt};
use crate::features::auth::{TwoFactorSetup, TwoFactorState};
use crate::person::SessionUser;
use crate::util::sha256_hex;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};

/// Recovery codes made at set-up.
pub const RECOVERY_CODES: usize = 10;
/// Wrong codes allowed before sign-in with a second factor is locked for a while.
const CODE_ATTEMPTS: throttle::Policy = throttle::ACCOUNT;

// ---- stored secrets ------------------------------------------------------------------

fn aad(user_id: i64) -> String {
    format!("digame:totp:v1:{user_id}")
}

fn open_secret(keyring: &Keyring, row: &two_factor::Model) -> Result<Vec<u8>, AppError> {
    let sealed = Sealed {
        ciphertext: row.secret_ciphertext.clone(),
        nonce: row.secret_nonce.clone(),
        key_version: row.key_version,
    };
    let text = keyring.open(&sealed, &aad(row.user_id)).map_err(|e| {
        tracing::error!(user_id = row.user_id, error = ?e, "a two-factor secret does not open");
        AppError::Internal
    })?;
    from_base32(text.expose_secret()).ok_or(AppError::Internal)
}

async fn row_of(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<two_factor::Model>, AppError> {
    two_factor::Entity::find_by_id(user_id)
        .one(db)
        .await
        .or_internal("reading a two-factor secret")
}

/// The person's set-up in progress, if they started one and two-factor is not on yet.
pub async fn pending(
    db: &DatabaseConnection,
    keyring: &Keyring,
    person: &SessionUser,
) -> Result<Option<TwoFactorSetup>, AppError> {
    if person.user.two_factor_enabled_at.is_some() {
        return Ok(None);
    }
    let Some(row) = row_of(db, person.user.id).await? else {
        return Ok(None);
    };
    let secret = base32(&open_secret(keyring, &row)?);
    let uri = otpauth_uri("Digame", &person.user.email, &secret);
    let qr_svg = qr_svg(&uri).ok_or(AppError::Internal)?;
    Ok(Some(TwoFactorSetup {
        secret,
        uri,
        qr_svg,
    }))
}

/// The state of `person`'s two-factor sign-in (no new codes: those are shown once, by the
/// call that made them).
pub async fn status(
    db: &DatabaseConnection,
    keyring: &Keyring,
    person: &SessionUser,
) -> Result<TwoFactorState, AppError> {
    Ok(TwoFactorState {
        enabled: person.user.two_factor_enabled_at.is_some(),
        required: person.tenant.require_two_factor,
        pending: pending(db, keyring, person).await?,
        recovery_codes_left: recovery_codes_left(db, person).await?,
        new_codes: None,
    })
}

/// Recovery codes the person has not used yet.
pub async fn recovery_codes_left(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<u64, AppError> {
    recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(person.user.id))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .count(db)
        .await
        .or_internal("counting recovery codes")
}

/// Starts (or restarts) a set-up: a new 160-bit secret, sealed. Refused while two-factor
/// is on (turn it off first).
pub async fn start(
    db: &DatabaseConnection,
    keyring: &Keyring,
    person: &SessionUser,
) -> Result<(), AppError> {
    use rand::RngCore as _;
    if person.user.two_factor_enabled_at.is_some() {
        return Err(AppError::Conflict {
            field: "code".into(),
            message: "Two-factor sign-in is already on.".into(),
        });
    }
    let mut secret = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let sealed = keyring.seal(&SecretString::from(base32(&secret)), &aad(person.user.id));
    let txn = db.begin().await.or_internal("starting two-factor set-up")?;
    two_factor::Entity::delete_by_id(person.user.id)
        .exec(&txn)
        .await
        .or_internal("starting two-factor set-up")?;
    two_factor::ActiveModel {
        user_id: Set(person.user.id),
        secret_ciphertext: Set(sealed.ciphertext),
        secret_nonce: Set(sealed.nonce),
        key_version: Set(sealed.key_version),
        last_step: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .or_internal("starting two-factor set-up")?;
    txn.commit()
        .await
        .or_internal("starting two-factor set-up")?;
    Ok(())
}

fn wrong_code() -> AppError {
    AppError::validation(
        "code",
        "That code does not match. Enter the 6-digit code your authenticator app shows now.",
    )
}

/// A recovery code as shown: `xxxxx-xxxxx`, lower-case letters and digits without look-alikes.
fn new_recovery_code() -> String {
    use rand::Rng as _;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let mut code: String = (0..10)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    code.insert(5, '-');
    code
}

fn normal_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A recovery code as stored: HMAC-SHA-256 keyed with the person's authenticator secret (a
/// pepper kept sealed under the master key, re-sealed when it rotates), so a copy of the
/// database alone cannot be searched for the codes.
fn recovery_hash(pepper: &[u8], user_id: i64, code: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(pepper).expect("HMAC takes any key length");
    mac.update(format!("{user_id}:{}", normal_recovery_code(code)).as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How codes made before the pepper were stored (SHA-256); still accepted until used.
fn legacy_recovery_hash(user_id: i64, code: &str) -> String {
    sha256_hex(&format!("{user_id}:{}", normal_recovery_code(code)))
}

/// Replaces the person's recovery codes with ten new ones, returned for showing once.
async fn new_recovery_codes(
    db: &impl ConnectionTrait,
    user_id: i64,
    pepper: &[u8],
) -> Result<Vec<String>, AppError> {
    recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .exec(db)
        .await
        .or_internal("replacing recovery codes")?;
    let now = Utc::now();
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    recovery_codes::Entity::insert_many(codes.iter().map(|code| recovery_codes::ActiveModel {
        user_id: Set(user_id),
        code_hash: Set(recovery_hash(pepper, user_id, code)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }))
    .exec(db)
    .await
    .or_internal("storing recovery codes")?;
    Ok(codes)
}

/// Confirms a set-up with the first code from the app: two-factor sign-in is on, and the
/// ten recovery codes are returned (shown once; only their hashes are kept).
pub async fn enable(
    db: &DatabaseConnection,
    keyring: &Keyring,
    person: &SessionUser,
    code: &str,
) -> Result<Vec<String>, AppError> {
    if person.user.two_factor_enabled_at.is_some() {
        return Err(AppError::Conflict {
            field: "code".into(),
            message: "Two-factor sign-in is already on.".into(),
        });
    }
    let row = row_of(db, person.user.id).await?.ok_or_else(|| {
        AppError::validation(
            "code",
            "Start the set-up first: choose “Set up two-factor sign-in”.",
        )
    })?;
    let secret = open_secret(keyring, &row)?;
    let now = Utc::now();
    let step = matching_step(&secret, code, now, row.last_step).ok_or_else(wrong_code)?;
    let txn = db.begin().await.or_internal("turning on two-factor")?;
    two_factor::ActiveModel {
        user_id: Set(person.user.id),
        last_step: Set(Some(step)),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("turning on two-factor")?;
    users::ActiveModel {
        id: Set(person.user.id),
        two_factor_enabled_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("turning on two-factor")?;
    let codes = new_recovery_codes(&txn, person.user.id, &secret).await?;
    record(
        &txn,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: AuditAction::TwoFactorEnabled,
            target: &person.user.email,
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await.or_internal("turning on two-factor")?;
    Ok(codes)
}

/// Turns two-factor sign-in off after the password and a current code (or a recovery
/// code). Refused while the person's company requires it.
pub async fn disable(
    db: &DatabaseConnection,
    keyring: &Keyring,
    person: &SessionUser,
    code: &str,
) -> Result<(), AppError> {
    if person.tenant.require_two_factor {
        return Err(AppError::Forbidden(format!(
            "{} requires two-factor sign-in for everyone: it cannot be turned off.",
            person.tenant.name
        )));
    }
    if person.user.two_factor_enabled_at.is_none() {
        return Err(AppError::Conflict {
            field: "code".into(),
            message: "Two-factor sign-in is already off.".into(),
        });
    }
    check_code(db, keyring, &person.user, code).await?;
    let txn = db.begin().await.or_internal("turning off two-factor")?;
    turn_off(&txn, person.user.id).await?;
    record(
        &txn,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: AuditAction::TwoFactorDisabled,
            target: &person.user.email,
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await.or_internal("turning off two-factor")?;
    Ok(())
}

/// Removes `user_id`'s authenticator secret and recovery codes, in the caller's transaction.
async fn turn_off(txn: &impl sea_orm::ConnectionTrait, user_id: i64) -> Result<(), AppError> {
    two_factor::Entity::delete_by_id(user_id)
        .exec(txn)
        .await
        .or_internal("turning off two-factor")?;
    recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .exec(txn)
        .await
        .or_internal("turning off two-factor")?;
    users::ActiveModel {
        id: Set(user_id),
        two_factor_enabled_at: Set(None),
        ..Default::default()
    }
    .update(txn)
    .await
    .or_internal("turning off two-factor")?;
    Ok(())
}

/// A tenant admin resets a member's two-factor sign-in (a lost phone, or a set-up nobody
/// in the company recognises): the secret and recovery codes go, the member signs in with
/// their password and sets it up again (at once, when the company requires it). Audited,
/// and the member is mailed. An admin resets their own on the security page instead.
pub async fn reset_by_admin(
    db: &DatabaseConnection,
    admin: &SessionUser,
    member_id: i64,
) -> Result<(), AppError> {
    if member_id == admin.user.id {
        return Err(AppError::Conflict {
            field: "member".into(),
            message: "Turn your own two-factor sign-in off on your security page.".into(),
        });
    }
    let member = users::Entity::find_by_id(member_id)
        .filter(users::Column::TenantId.eq(admin.tenant_id()))
        .one(db)
        .await
        .or_internal("resetting two-factor")?
        .ok_or_else(|| AppError::NotFound("There is no such member in your company.".into()))?;
    if member.two_factor_enabled_at.is_none() {
        return Err(AppError::Conflict {
            field: "member".into(),
            message: format!(
                "{} has no two-factor sign-in to reset.",
                member.display_name
            ),
        });
    }
    let txn = db.begin().await.or_internal("resetting two-factor")?;
    turn_off(&txn, member.id).await?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: AuditAction::TwoFactorReset,
            target: &member.email,
            before: None,
            after: None,
        },
    )
    .await?;
    crate::features::mail::service::enqueue(
        &txn,
        Some(admin.tenant_id()),
        crate::features::mail::Mail {
            to: member.email.clone(),
            subject: "Your Digame two-factor sign-in was reset".into(),
            body: format!(
                "Hello {name},\n\n{admin}, an administrator of {company}, reset your two-factor sign-in: your \
                 authenticator app's codes and your recovery codes no longer work. Sign in with your password and \
                 set two-factor sign-in up again from your security settings.\n\n\
                 If you did not ask for this, tell {admin} or another administrator of {company} now.\n",
                name = member.display_name,
                admin = admin.user.display_name,
                company = admin.tenant.name,
            ),
        },
    )
    .await?;
    txn.commit().await.or_internal("resetting two-factor")?;
    Ok(())
}

/// Checks a second factor of `user`: a current TOTP code (used up: its step is stored, and
/// only a later step works next time) or an unused recovery code (used up). Every attempt
/// is counted first against the person's code allowance, and a success clears it.
pub async fn check_code(
    db: &DatabaseConnection,
    keyring: &Keyring,
    user: &users::Model,
    code: &str,
) -> Result<(), AppError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(AppError::validation(
            "code",
            "Enter the 6-digit code from your authenticator app, or a recovery code.",
        ));
    }
    let now = Utc::now();
    let key = format!("two_factor:{}", user.id);
    if let Some(secs) = throttle::count_attempt(db, &key, CODE_ATTEMPTS, now)
        .await
        .or_internal("counting a code attempt")?
    {
        return Err(AppError::RateLimited {
            message: throttle::message(secs),
            retry_after_secs: secs,
        });
    }
    let row = row_of(db, user.id).await?.ok_or_else(wrong_code)?;
    let accepted = if code.len() > 8 {
        // A recovery code: used up only if nobody used it in the meantime.
        let mut hashes = vec![legacy_recovery_hash(user.id, code)];
        if let Ok(pepper) = open_secret(keyring, &row) {
            hashes.push(recovery_hash(&pepper, user.id, code));
        }
        recovery_codes::Entity::update_many()
            .col_expr(recovery_codes::Column::UsedAt, Expr::value(now))
            .filter(recovery_codes::Column::UserId.eq(user.id))
            .filter(recovery_codes::Column::CodeHash.is_in(hashes))
            .filter(recovery_codes::Column::UsedAt.is_null())
            .exec(db)
            .await
            .or_internal("using a recovery code")?
            .rows_affected
            == 1
    } else {
        let secret = open_secret(keyring, &row)?;
        match matching_step(&secret, code, now, row.last_step) {
            // Stored only if no other request used this step (or a later one) meanwhile.
            Some(step) => {
                two_factor::Entity::update_many()
                    .col_expr(two_factor::Column::LastStep, Expr::value(step))
                    .filter(two_factor::Column::UserId.eq(user.id))
                    .filter(
                        sea_orm::Condition::any()
                            .add(two_factor::Column::LastStep.is_null())
                            .add(two_factor::Column::LastStep.lt(step)),
                    )
                    .exec(db)
                    .await
                    .or_internal("using a code")?
                    .rows_affected
                    == 1
            }
            None => false,
        }
    };
    if !accepted {
        return Err(wrong_code());
    }
    throttle::clear(db, &key)
        .await
        .or_internal("clearing a code throttle")?;
    Ok(())
}

/// What re-sealing the two-factor secrets under the current master key did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    pub reencrypted: u64,
    /// Secrets that open under no configured master key (left as they are).
    pub unreadable: u64,
}

/// Re-seals every two-factor secret not under the current master key (`digame
/// rotate-master-key`). Each row is written only if it is still the one read.
pub async fn rotate(
    db: &DatabaseConnection,
    keyring: &Keyring,
) -> Result<Resealed, sea_orm::DbErr> {
    let current = keyring.current_version();
    let mut report = Resealed::default();
    let stale = two_factor::Entity::find()
        .filter(two_factor::Column::KeyVersion.ne(current))
        .all(db)
        .await?;
    for row in stale {
        let sealed = Sealed {
            ciphertext: row.secret_ciphertext.clone(),
            nonce: row.secret_nonce.clone(),
            key_version: row.key_version,
        };
        let Ok(plain) = keyring.open(&sealed, &aad(row.user_id)) else {
            tracing::warn!(
                security_event = "two_factor_secret_undecryptable",
                user_id = row.user_id,
                "rotation could not open a two-factor secret"
            );
            report.unreadable += 1;
            continue;
        };
        let new = keyring.seal(&plain, &aad(row.user_id));
        let done = two_factor::Entity::update_many()
            .col_expr(
                two_factor::Column::SecretCiphertext,
                Expr::value(new.ciphertext),
            )
            .col_expr(two_factor::Column::SecretNonce, Expr::value(new.nonce))
            .col_expr(two_factor::Column::KeyVersion, Expr::value(new.key_version))
            .filter(two_factor::Column::UserId.eq(row.user_id))
            .filter(two_factor::Column::SecretCiphertext.eq(row.secret_ciphertext.clone()))
            .exec(db)
            .await?;
        report.reencrypted += done.rows_affected;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_read_the_same_however_typed() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        let pepper = b"a twenty-byte secret";
        assert_eq!(
            recovery_hash(pepper, 7, &code),
            recovery_hash(pepper, 7, &code.to_uppercase().replace('-', " "))
        );
        assert_ne!(
            recovery_hash(pepper, 7, &code),
            recovery_hash(pepper, 8, &code)
        );
        // Peppered: the same code under another secret, or hashed plainly, differs.
        assert_ne!(
            recovery_hash(pepper, 7, &code),
            recovery_hash(b"another secret bytes", 7, &code)
        );
        assert_ne!(
            recovery_hash(pepper, 7, &code),
            legacy_recovery_hash(7, &code)
        );
    }
}
