//! Password reset: a request mails a single-use link (a 256-bit token, stored hashed, valid
//! 30 minutes) and answers the same whether or not the address has an account; using the
//! link sets a new password, ends every session and API token of the person, and tells them
//! by mail. Requests are throttled per client address (answered 429) and per account
//! (silently: the answer must not reveal the account).

use super::throttle;
use crate::audit_log::{record, Event};
use crate::crypto::passwords::Passwords;
use crate::domain::account::{Email, Password};
use crate::domain::AuditAction;
use crate::entities::{password_resets, tenants, users};
use crate::error::{AppError, ResultExt};
use crate::features::mail::{service::enqueue, Mail};
use crate::util::{secret_token, sha256_hex};
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

/// How long a reset link works.
pub const TOKEN_MINUTES: i64 = 30;
/// What every request is answered, known address or not.
pub const REQUESTED: &str = "If that address has a Digame account, a link to choose a new password is on its way. It works for 30 minutes.";
/// Reset mails one account may be sent an hour; more requests are answered the same and
/// send nothing.
const MAILS_PER_ACCOUNT_PER_HOUR: i32 = 3;
/// Reset requests one client address may make an hour.
const REQUESTS_PER_ADDRESS: throttle::Policy = throttle::Policy {
    max_failures: 10,
    window: Duration::hours(1),
    lockout: Duration::hours(1),
};

/// The link in the mail.
pub fn link(origin: &str, token: &str) -> String {
    format!("{origin}/reset-password?token={token}")
}

/// Mails a reset link to `email` when it belongs to an active account. The answer is
/// [`REQUESTED`] either way; only a malformed address or a client over its limit is
/// refused.
pub async fn request(
    db: &DatabaseConnection,
    email: &str,
    ip: Option<std::net::IpAddr>,
    origin: &str,
) -> Result<&'static str, AppError> {
    let email = Email::parse(email)?;
    let now = Utc::now();
    if let Some(ip) = ip {
        let key = throttle::address_key("reset", ip);
        if let Some(secs) = throttle::count_attempt(db, &key, REQUESTS_PER_ADDRESS, now)
            .await
            .or_internal("counting a reset request")?
        {
            return Err(AppError::RateLimited {
                message: format!(
                    "Too many reset requests from your network. Try again in {} minutes.",
                    (secs + 59) / 60
                ),
                retry_after_secs: secs,
            });
        }
    }
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .filter(users::Column::Active.eq(true))
        .one(db)
        .await
        .or_internal("finding an account")?;
    let Some(user) = user else {
        return Ok(REQUESTED);
    };
    // A company that requires its own sign-in service: no password to reset (same answer).
    if crate::password_rule::password_refused(db, &user)
        .await?
        .is_some()
    {
        return Ok(REQUESTED);
    }
    let account_key = format!("reset_account:{}", user.id);
    let account_policy = throttle::Policy {
        max_failures: MAILS_PER_ACCOUNT_PER_HOUR,
        ..REQUESTS_PER_ADDRESS
    };
    if throttle::check(db, &account_key, now)
        .await
        .or_internal("reading throttles")?
        .is_some()
    {
        return Ok(REQUESTED);
    }
    let token = secret_token();
    let txn = db.begin().await.or_internal("starting a reset")?;
    throttle::record_failure(&txn, &account_key, account_policy, now)
        .await
        .or_internal("counting a reset mail")?;
    password_resets::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(sha256_hex(&token)),
        expires_at: Set(now + Duration::minutes(TOKEN_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .or_internal("starting a reset")?;
    enqueue(
        &txn,
        Some(user.tenant_id),
        Mail {
            to: user.email.clone(),
            subject: "Choose a new Digame password".into(),
            body: format!(
                "Hello {name},\n\nSomeone (we hope you) asked to reset the password of your Digame account. \
                 To choose a new one, open this link within {TOKEN_MINUTES} minutes:\n\n{link}\n\n\
                 The link works once. If you did not ask for it, ignore this message: your password stays as it is.\n",
                name = user.display_name,
                link = link(origin, &token),
            ),
        },
    )
    .await?;
    txn.commit().await.or_internal("starting a reset")?;
    Ok(REQUESTED)
}

fn unusable() -> AppError {
    AppError::validation(
        "token",
        "This reset link has expired or was already used. Ask for a new one.",
    )
}

/// The account a token resets, when it can still be used.
pub async fn check_token(
    db: &DatabaseConnection,
    token: &str,
) -> Result<(password_resets::Model, users::Model), AppError> {
    if token.is_empty() || token.len() > 100 {
        return Err(unusable());
    }
    let reset = password_resets::Entity::find()
        .filter(password_resets::Column::TokenHash.eq(sha256_hex(token)))
        .one(db)
        .await
        .or_internal("reading a reset")?
        .filter(|r| r.used_at.is_none() && r.expires_at > Utc::now())
        .ok_or_else(unusable)?;
    let user = users::Entity::find_by_id(reset.user_id)
        .one(db)
        .await
        .or_internal("reading a reset")?
        .filter(|u| u.active)
        .ok_or_else(unusable)?;
    Ok((reset, user))
}

/// Sets the new password of the token's account: the token is used up (a second use,
/// even a concurrent one, fails), every session and API token of the person ends, the
/// change is audited and the person told by mail, all in one transaction.
pub async fn confirm(
    db: &DatabaseConnection,
    passwords: &Passwords,
    token: &str,
    new: &str,
    confirm: &str,
) -> Result<users::Model, AppError> {
    let (reset, user) = check_token(db, token).await?;
    if let Some(why) = crate::password_rule::password_refused(db, &user).await? {
        return Err(AppError::Forbidden(why));
    }
    let tenant = tenants::Entity::find_by_id(user.tenant_id)
        .one(db)
        .await
        .or_internal("reading a reset")?
        .ok_or_else(unusable)?;
    let new = Password::for_account(
        new,
        "new_password",
        &user.email,
        &user.display_name,
        &tenant.name,
    )?;
    if new.expose() != confirm {
        return Err(AppError::validation(
            "confirm_password",
            "The two passwords do not match.",
        ));
    }
    let hash = passwords.hash(new.expose()).await?;
    let now = Utc::now();
    let txn = db.begin().await.or_internal("resetting a password")?;
    // Used up only if nobody used it in the meantime.
    let taken = password_resets::Entity::update_many()
        .col_expr(password_resets::Column::UsedAt, Expr::value(now))
        .filter(password_resets::Column::Id.eq(reset.id))
        .filter(password_resets::Column::UsedAt.is_null())
        .exec(&txn)
        .await
        .or_internal("resetting a password")?;
    if taken.rows_affected != 1 {
        return Err(unusable());
    }
    end_open_links(&txn, user.id).await?;
    let updated = users::ActiveModel {
        id: Set(user.id),
        password_hash: Set(hash),
        session_epoch: Set(user.session_epoch.wrapping_add(1)),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("resetting a password")?;
    crate::features::tokens::revoke_all(&txn, user.id).await?;
    throttle::clear(&txn, &format!("account:{}", user.email))
        .await
        .or_internal("resetting a password")?;
    record(
        &txn,
        Event {
            tenant_id: user.tenant_id,
            actor_user_id: Some(user.id),
            action: AuditAction::PasswordReset,
            target: &user.email,
            before: None,
            after: None,
        },
    )
    .await?;
    enqueue(
        &txn,
        Some(user.tenant_id),
        Mail {
            to: user.email.clone(),
            subject: "Your Digame password was changed".into(),
            body: format!(
                "Hello {name},\n\nThe password of your Digame account was just reset with a link sent to this address, \
                 and every session and API token of yours was ended.\n\n\
                 If this was not you, reset it again now and tell your company's Digame admin.\n",
                name = user.display_name,
            ),
        },
    )
    .await?;
    txn.commit().await.or_internal("resetting a password")?;
    Ok(updated)
}

/// Ends every reset link of the person still open: a new password (by a link or by a
/// change) leaves no older link that could set another one.
pub async fn end_open_links(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i64,
) -> Result<(), AppError> {
    password_resets::Entity::update_many()
        .col_expr(password_resets::Column::UsedAt, Expr::value(Utc::now()))
        .filter(password_resets::Column::UserId.eq(user_id))
        .filter(password_resets::Column::UsedAt.is_null())
        .exec(db)
        .await
        .or_internal("ending reset links")?;
    Ok(())
}
