//! A person's own name and address on the server. A new address becomes theirs only when
//! the link mailed to it is opened (proof that it reaches them); the old address is then told,
//! with a link that puts it back — and signs every session out — for seven days, in case
//! someone else made the change.

use super::{IdentityView, PendingChange};
use crate::audit_log::{record, Event};
use crate::domain::account::{DisplayName, Email};
use crate::domain::AuditAction;
use crate::entities::{email_changes, users};
use crate::error::{AppError, ResultExt};
use crate::features::mail::{service::enqueue, Mail};
use crate::person::SessionUser;
use crate::throttle;
use crate::util::{secret_token, sha256_hex};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};

/// How long the link to the new address works.
pub const CONFIRM_HOURS: i64 = 24;
/// How long the old address may undo a change.
pub const UNDO_DAYS: i64 = 7;
/// Changes one person may ask for in an hour.
const REQUESTS: throttle::Policy = throttle::Policy {
    max_failures: 3,
    window: Duration::hours(1),
    lockout: Duration::hours(1),
};

fn when(t: DateTime<Utc>) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// The profile's "Name and email address": what is stored now, and a change waiting for its
/// link.
pub async fn view(db: &DatabaseConnection, person: &SessionUser) -> Result<IdentityView, AppError> {
    let now = Utc::now();
    let pending = email_changes::Entity::find()
        .filter(email_changes::Column::UserId.eq(person.user.id))
        .filter(email_changes::Column::ConfirmedAt.is_null())
        .filter(email_changes::Column::ConfirmExpiresAt.gt(now))
        .order_by_desc(email_changes::Column::Id)
        .one(db)
        .await
        .or_internal("reading an email change")?
        .map(|c| PendingChange {
            new_email: c.new_email,
            expires: when(c.confirm_expires_at),
        });
    Ok(IdentityView {
        name: person.user.display_name.clone(),
        email: person.user.email.clone(),
        pending,
        two_factor: person.user.two_factor_enabled_at.is_some(),
        password: crate::crypto::passwords::has_password(&person.user.password_hash),
        company_sign_in: company_sign_in(db, person).await?,
    })
}

/// The company's single sign-on as it concerns this person: whether their account at the
/// provider is linked, and whether the company requires it.
async fn company_sign_in(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<Option<super::CompanySignInWay>, AppError> {
    use crate::entities::{sso_connections, sso_identities};
    let Some(conn) = sso_connections::Entity::find()
        .filter(sso_connections::Column::TenantId.eq(person.tenant_id()))
        .one(db)
        .await
        .or_internal("reading single sign-on")?
    else {
        return Ok(None);
    };
    let linked = sso_identities::Entity::find()
        .filter(sso_identities::Column::UserId.eq(person.user.id))
        .filter(sso_identities::Column::TenantId.eq(person.tenant_id()))
        .filter(sso_identities::Column::Issuer.eq(conn.issuer.as_str()))
        .one(db)
        .await
        .or_internal("reading a company sign-in")?;
    Ok(Some(super::CompanySignInWay {
        company: person.tenant.name.clone(),
        linked_as: linked.map(|l| l.email),
        link_url: format!("/sso/{}?link=1", person.tenant.slug),
        required: conn.enforced && conn.enforced_by != Some(person.user.id),
    }))
}

/// Unlinks the person's accounts at their company's provider. Refused while the company
/// requires its provider, and for an account with no password (it would have no way in).
pub async fn unlink_company_sign_in(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<(), AppError> {
    use crate::entities::sso_identities;
    if let Some(why) = crate::password_rule::password_refused(db, &person.user).await? {
        return Err(AppError::Forbidden(why));
    }
    if !crate::crypto::passwords::has_password(&person.user.password_hash) {
        return Err(AppError::Conflict {
            field: "company_sign_in".into(),
            message: "Your account has no password yet, so this is your only way in. Choose a password first (“Forgot your password?” on the sign-in page mails you a link).".into(),
        });
    }
    let why = "unlinking a company sign-in";
    let linked = sso_identities::Entity::find()
        .filter(sso_identities::Column::UserId.eq(person.user.id))
        .all(db)
        .await
        .or_internal(why)?;
    if linked.is_empty() {
        return Err(AppError::NotFound(
            "Your account is not linked to your company's sign-in service.".into(),
        ));
    }
    let txn = db.begin().await.or_internal(why)?;
    for identity in &linked {
        sso_identities::Entity::delete_by_id(identity.id)
            .exec(&txn)
            .await
            .or_internal(why)?;
        record(
            &txn,
            Event {
                tenant_id: person.tenant_id(),
                actor_user_id: Some(person.user.id),
                action: AuditAction::SsoUnlinked,
                target: &identity.issuer,
                before: Some(serde_json::json!({ "email": identity.email })),
                after: None,
            },
        )
        .await?;
    }
    txn.commit().await.or_internal(why)
}

/// Changes the person's display name (nothing is recorded when it is the same).
pub async fn change_name(
    db: &DatabaseConnection,
    person: &SessionUser,
    name: &DisplayName,
) -> Result<(), AppError> {
    if name.as_str() == person.user.display_name {
        return Ok(());
    }
    let why = "changing a name";
    let txn = db.begin().await.or_internal(why)?;
    users::ActiveModel {
        id: Set(person.user.id),
        display_name: Set(name.as_str().to_owned()),
        updated_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal(why)?;
    record(
        &txn,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: AuditAction::NameChanged,
            target: name.as_str(),
            before: Some(serde_json::json!({ "name": person.user.display_name })),
            after: Some(serde_json::json!({ "name": name.as_str() })),
        },
    )
    .await?;
    txn.commit().await.or_internal(why)
}

/// Mails a confirmation link to `email` for the person, whose password was checked by the
/// caller. Whether another account has that address is not said here (it would tell who has
/// an account); the link says so when opened.
pub async fn request_email_change(
    db: &DatabaseConnection,
    person: &SessionUser,
    email: &Email,
    origin: &str,
) -> Result<String, AppError> {
    if email.as_str() == person.user.email {
        return Err(AppError::validation(
            "email",
            "That is already your address.",
        ));
    }
    let why = "asking to change an address";
    let key = format!("email_change:{}", person.user.id);
    let txn = db.begin().await.or_internal(why)?;
    if let Some(secs) = throttle::count_attempt(&txn, &key, REQUESTS, Utc::now())
        .await
        .or_internal(why)?
    {
        return Err(AppError::RateLimited {
            message: format!(
                "You asked to change your address {} times in the last hour. Try again in {} minutes.",
                REQUESTS.max_failures,
                (secs + 59) / 60
            ),
            retry_after_secs: secs,
        });
    }
    let token = secret_token();
    let now = Utc::now();
    let expires = now + Duration::hours(CONFIRM_HOURS);
    // The newest request is the one that counts: earlier links stop working, so a second
    // click, or a corrected address, leaves one link that can change the account.
    email_changes::Entity::update_many()
        .col_expr(email_changes::Column::ConfirmExpiresAt, Expr::value(now))
        .filter(email_changes::Column::UserId.eq(person.user.id))
        .filter(email_changes::Column::ConfirmedAt.is_null())
        .filter(email_changes::Column::ConfirmExpiresAt.gt(now))
        .exec(&txn)
        .await
        .or_internal(why)?;
    email_changes::ActiveModel {
        user_id: Set(person.user.id),
        tenant_id: Set(person.tenant_id()),
        old_email: Set(person.user.email.clone()),
        new_email: Set(email.as_str().to_owned()),
        confirm_hash: Set(sha256_hex(&token)),
        confirm_expires_at: Set(expires),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .or_internal(why)?;
    enqueue(
        &txn,
        Some(person.tenant_id()),
        Mail {
            to: email.as_str().to_owned(),
            subject: "Confirm your new email address for Digame".into(),
            body: format!(
                "Hello {name},\n\nYou asked to use this address for your Digame account instead of {old}. \
                 To make the change, open this link within {CONFIRM_HOURS} hours:\n\n{origin}/account/email?token={token}\n\n\
                 Until then you sign in with {old}. If you did not ask for this, ignore this message.\n",
                name = person.user.display_name,
                old = person.user.email,
            ),
        },
    )
    .await?;
    txn.commit().await.or_internal(why)?;
    Ok(format!(
        "A link is on its way to {}. Open it within {CONFIRM_HOURS} hours to make the change; until then you sign in with {}.",
        email.as_str(),
        person.user.email
    ))
}

/// Makes `to` the person's confirmed address (signing every session out when `sign_out`).
/// The unique index on the address settles a race with a registration or another change at
/// the same moment: the loser gets `taken`.
async fn set_address(
    txn: &sea_orm::DatabaseTransaction,
    user: &users::Model,
    to: &str,
    sign_out: bool,
    taken: String,
) -> Result<(), AppError> {
    let now = Utc::now();
    users::ActiveModel {
        id: Set(user.id),
        email: Set(to.to_owned()),
        email_verified_at: Set(Some(now)),
        session_epoch: if sign_out {
            Set(user.session_epoch.wrapping_add(1))
        } else {
            sea_orm::ActiveValue::NotSet
        },
        updated_at: Set(Some(now)),
        ..Default::default()
    }
    .update(txn)
    .await
    .map_err(|e| {
        tracing::warn!(error = %e, "an address change found the address taken");
        AppError::Conflict {
            field: "token".into(),
            message: taken,
        }
    })?;
    Ok(())
}

fn unusable(what: &str) -> AppError {
    AppError::validation(
        "token",
        format!("This {what} link has expired or was already used."),
    )
}

/// Makes the change a confirmation link stands for: the person's address becomes the new
/// one (confirmed by the link), the old address gets a mail with an undo link, audited — in
/// one transaction, the link used up first so a second use fails.
pub async fn confirm_email_change(
    db: &DatabaseConnection,
    token: &str,
    origin: &str,
) -> Result<String, AppError> {
    let why = "changing an address";
    if token.is_empty() || token.len() > 100 {
        return Err(unusable("confirmation"));
    }
    let now = Utc::now();
    let change = email_changes::Entity::find()
        .filter(email_changes::Column::ConfirmHash.eq(sha256_hex(token)))
        .one(db)
        .await
        .or_internal(why)?
        .filter(|c| c.confirmed_at.is_none() && c.confirm_expires_at > now)
        .ok_or_else(|| unusable("confirmation"))?;
    let user = users::Entity::find_by_id(change.user_id)
        .one(db)
        .await
        .or_internal(why)?
        .filter(|u| u.active && u.email == change.old_email)
        .ok_or_else(|| unusable("confirmation"))?;
    let taken = users::Entity::find()
        .filter(users::Column::Email.eq(change.new_email.as_str()))
        .count(db)
        .await
        .or_internal(why)?;
    if taken > 0 {
        return Err(AppError::Conflict {
            field: "token".into(),
            message: format!(
                "{} already belongs to another Digame account, so it cannot be yours too. Your address is still {}.",
                change.new_email, change.old_email
            ),
        });
    }
    let undo = secret_token();
    let undo_until = now + Duration::days(UNDO_DAYS);
    let txn = db.begin().await.or_internal(why)?;
    let used = email_changes::Entity::update_many()
        .col_expr(email_changes::Column::ConfirmedAt, Expr::value(now))
        .col_expr(
            email_changes::Column::UndoHash,
            Expr::value(sha256_hex(&undo)),
        )
        .col_expr(email_changes::Column::UndoUntil, Expr::value(undo_until))
        .filter(email_changes::Column::Id.eq(change.id))
        .filter(email_changes::Column::ConfirmedAt.is_null())
        .exec(&txn)
        .await
        .or_internal(why)?;
    if used.rows_affected != 1 {
        return Err(unusable("confirmation"));
    }
    set_address(
        &txn,
        &user,
        &change.new_email,
        false,
        format!(
            "{} already belongs to another Digame account, so it cannot be yours too.",
            change.new_email
        ),
    )
    .await?;
    record(
        &txn,
        Event {
            tenant_id: user.tenant_id,
            actor_user_id: Some(user.id),
            action: AuditAction::EmailChanged,
            target: &change.new_email,
            before: Some(serde_json::json!({ "email": change.old_email })),
            after: Some(serde_json::json!({ "email": change.new_email })),
        },
    )
    .await?;
    enqueue(
        &txn,
        Some(user.tenant_id),
        Mail {
            to: change.old_email.clone(),
            subject: "Your Digame address was changed".into(),
            body: format!(
                "Hello {name},\n\nThe address of your Digame account is now {new}; you sign in with it from now on.\n\n\
                 If you did not make this change, open this link by {until} to put {old} back and sign every session out:\n\n\
                 {origin}/account/email/undo?token={undo}\n\nThen choose a new password with \"Forgot your password?\" on the sign-in page.\n",
                name = user.display_name,
                new = change.new_email,
                old = change.old_email,
                until = when(undo_until),
            ),
        },
    )
    .await?;
    txn.commit().await.or_internal(why)?;
    Ok(format!(
        "Done: your address is now {}. Sign in with it from now on.",
        change.new_email
    ))
}

/// Puts the old address back from the link mailed to it, within the undo window, and signs
/// every session of the account out (whoever made the change is signed out too).
pub async fn undo_email_change(db: &DatabaseConnection, token: &str) -> Result<String, AppError> {
    let why = "undoing an address change";
    if token.is_empty() || token.len() > 100 {
        return Err(unusable("undo"));
    }
    let now = Utc::now();
    let change = email_changes::Entity::find()
        .filter(email_changes::Column::UndoHash.eq(sha256_hex(token)))
        .one(db)
        .await
        .or_internal(why)?
        .filter(|c| c.undone_at.is_none() && c.undo_until.is_some_and(|t| t > now))
        .ok_or_else(|| unusable("undo"))?;
    let user = users::Entity::find_by_id(change.user_id)
        .one(db)
        .await
        .or_internal(why)?
        .filter(|u| u.email == change.new_email)
        .ok_or_else(|| {
            AppError::validation(
                "token",
                "The account's address has changed again since; ask your company's Digame administrator for help.",
            )
        })?;
    let txn = db.begin().await.or_internal(why)?;
    let used = email_changes::Entity::update_many()
        .col_expr(email_changes::Column::UndoneAt, Expr::value(now))
        .filter(email_changes::Column::Id.eq(change.id))
        .filter(email_changes::Column::UndoneAt.is_null())
        .exec(&txn)
        .await
        .or_internal(why)?;
    if used.rows_affected != 1 {
        return Err(unusable("undo"));
    }
    set_address(
        &txn,
        &user,
        &change.old_email,
        true,
        format!(
            "{} belongs to another Digame account now; ask your company's Digame administrator for help.",
            change.old_email
        ),
    )
    .await?;
    record(
        &txn,
        Event {
            tenant_id: user.tenant_id,
            actor_user_id: None,
            action: AuditAction::EmailChangeUndone,
            target: &change.new_email,
            before: Some(serde_json::json!({ "email": change.new_email })),
            after: Some(serde_json::json!({ "email": change.old_email })),
        },
    )
    .await?;
    enqueue(
        &txn,
        Some(user.tenant_id),
        Mail {
            to: change.old_email.clone(),
            subject: "Your Digame address is back".into(),
            body: format!(
                "Hello {name},\n\nYour Digame account's address is {old} again, and every session was signed out. \
                 Choose a new password now with \"Forgot your password?\" on the sign-in page, and tell your company's \
                 Digame administrator if you did not make the change.\n",
                name = user.display_name,
                old = change.old_email,
            ),
        },
    )
    .await?;
    txn.commit().await.or_internal(why)?;
    Ok(format!(
        "Done: the address is {} again and every session was signed out. Choose a new password with “Forgot your password?” on the sign-in page.",
        change.old_email
    ))
}
