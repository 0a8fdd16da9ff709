//! Email verification: registration mails a single-use link (a 256-bit token, stored hashed,
//! valid 48 hours) to the new address. Until it is used the person can sign in, go through
//! onboarding and look around, but cannot store API keys, use a tool or invite members (see
//! [`SessionUser::require_verified`]). A new link can be asked for (three an hour); joining
//! through an emailed invitation verifies the address at once.

use super::throttle;
use crate::audit_log::{record, Event};
use crate::domain::AuditAction;
use crate::entities::{email_verifications, users};
use crate::error::{AppError, ResultExt};
use crate::features::mail::{service::enqueue_raw, Mail};
use crate::person::SessionUser;
use crate::util::{secret_token, sha256_hex};
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, TransactionTrait,
};

/// How long a verification link works.
pub const TOKEN_HOURS: i64 = 48;
/// Links one person may ask for in an hour (the registration's own link not counted).
const RESENDS: throttle::Policy = throttle::Policy {
    max_failures: 3,
    window: Duration::hours(1),
    lockout: Duration::hours(1),
};

/// The link in the mail.
pub fn link(origin: &str, token: &str) -> String {
    format!("{origin}/verify-email?token={token}")
}

/// Writes a new verification link for `user`'s address and the mail that carries it, on
/// `db` (the transaction of the change that causes it).
pub async fn write_link(
    db: &impl ConnectionTrait,
    user: &users::Model,
    origin: &str,
) -> Result<(), DbErr> {
    let token = secret_token();
    let now = Utc::now();
    email_verifications::ActiveModel {
        user_id: Set(user.id),
        email: Set(user.email.clone()),
        token_hash: Set(sha256_hex(&token)),
        expires_at: Set(now + Duration::hours(TOKEN_HOURS)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    enqueue_raw(
        db,
        Some(user.tenant_id),
        Mail {
            to: user.email.clone(),
            subject: "Confirm your email address for Digame".into(),
            body: format!(
                "Hello {name},\n\nTo confirm that this is your address, open this link within {TOKEN_HOURS} hours:\n\n{link}\n\n\
                 Until then you can look around Digame, but not store API keys, use the tools or invite people.\n\
                 If you did not create a Digame account, ignore this message.\n",
                name = user.display_name,
                link = link(origin, &token),
            ),
        },
    )
    .await
}

/// Mails the signed-in person a new link (the older ones keep working until they expire).
/// Refused when the address is already confirmed, or after three links in an hour.
pub async fn resend(
    db: &DatabaseConnection,
    person: &SessionUser,
    origin: &str,
) -> Result<String, AppError> {
    if person.user.email_verified_at.is_some() {
        return Err(AppError::Conflict {
            field: "email".into(),
            message: "Your email address is already confirmed.".into(),
        });
    }
    let key = format!("verify_mail:{}", person.user.id);
    let txn = db
        .begin()
        .await
        .or_internal("sending a verification link")?;
    if let Some(secs) = throttle::count_attempt(&txn, &key, RESENDS, Utc::now())
        .await
        .or_internal("counting verification links")?
    {
        return Err(AppError::RateLimited {
            message: format!(
                "You asked for {} links in the last hour. Try again in {} minutes, or look for the earlier ones (and in your spam folder).",
                RESENDS.max_failures,
                (secs + 59) / 60
            ),
            retry_after_secs: secs,
        });
    }
    write_link(&txn, &person.user, origin)
        .await
        .or_internal("sending a verification link")?;
    txn.commit()
        .await
        .or_internal("sending a verification link")?;
    Ok(format!(
        "A new link is on its way to {}. It works for {TOKEN_HOURS} hours.",
        person.user.email
    ))
}

fn unusable() -> AppError {
    AppError::validation(
        "token",
        "This confirmation link has expired or was already used. Sign in and ask for a new one from your dashboard.",
    )
}

/// Confirms the address a link was mailed to: the link is used up (a second use fails),
/// the person's address is marked verified (if it is still the address the link was sent
/// to) and the event audited, in one transaction.
pub async fn confirm(db: &DatabaseConnection, token: &str) -> Result<users::Model, AppError> {
    if token.is_empty() || token.len() > 100 {
        return Err(unusable());
    }
    let now = Utc::now();
    let link = email_verifications::Entity::find()
        .filter(email_verifications::Column::TokenHash.eq(sha256_hex(token)))
        .one(db)
        .await
        .or_internal("reading a verification link")?
        .filter(|r| r.used_at.is_none() && r.expires_at > now)
        .ok_or_else(unusable)?;
    let user = users::Entity::find_by_id(link.user_id)
        .one(db)
        .await
        .or_internal("reading a verification link")?
        .filter(|u| u.active && u.email == link.email)
        .ok_or_else(unusable)?;
    let txn = db.begin().await.or_internal("confirming an address")?;
    let taken = email_verifications::Entity::update_many()
        .col_expr(email_verifications::Column::UsedAt, Expr::value(now))
        .filter(email_verifications::Column::Id.eq(link.id))
        .filter(email_verifications::Column::UsedAt.is_null())
        .exec(&txn)
        .await
        .or_internal("confirming an address")?;
    if taken.rows_affected != 1 {
        return Err(unusable());
    }
    let verified_at = user.email_verified_at.unwrap_or(now);
    let updated = users::ActiveModel {
        id: Set(user.id),
        email_verified_at: Set(Some(verified_at)),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("confirming an address")?;
    if user.email_verified_at.is_none() {
        record(
            &txn,
            Event {
                tenant_id: user.tenant_id,
                actor_user_id: Some(user.id),
                action: AuditAction::EmailVerified,
                target: &user.email,
                before: None,
                after: None,
            },
        )
        .await?;
    }
    txn.commit().await.or_internal("confirming an address")?;
    Ok(updated)
}
