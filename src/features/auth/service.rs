//! Account services: sessions, sign-in and its throttles, the second-factor step, password
//! checks and changes; plain async functions over the database, called by the thin server
//! functions in `mod.rs`. Sign-ups are in `registration`.

use super::throttle;
use crate::audit_log::{record, Event};
use crate::crypto::passwords::Passwords;
use crate::domain::account::{Email, Password};
use crate::domain::AuditAction;
use crate::entities::{tenants, users};
use crate::error::{internal, AppError, ResultExt};
use crate::web::session::{AuthSession, Credentials, SessionUser, EPOCH_KEY, LOGIN_AT_KEY};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

/// Marks the session signed in under a new id and records the sign-in time.
///
/// Whatever session the request arrived with is ended first: its id never comes to belong
/// to the person signing in (session fixation), and nothing of another person's session
/// data carries over.
pub async fn start_session(
    db: &DatabaseConnection,
    auth: &mut AuthSession,
    person: &SessionUser,
) -> Result<(), AppError> {
    if auth.user.is_some() {
        auth.logout()
            .await
            .or_internal("ending the previous session")?;
    }
    bind_session(auth, person).await?;
    auth.session
        .remove_value(SECOND_FACTOR_KEY)
        .await
        .or_internal("writing the session")?;
    auth.session
        .insert(LOGIN_AT_KEY, Utc::now().timestamp())
        .await
        .or_internal("writing the session")?;
    users::ActiveModel {
        id: Set(person.user.id),
        last_login_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(db)
    .await
    .or_internal("recording the sign-in time")?;
    Ok(())
}

/// Session key of a sign-in whose password was right and whose second factor is awaited.
const SECOND_FACTOR_KEY: &str = "digame.second_factor";
/// How long the second factor may take after the password.
const SECOND_FACTOR_SECONDS: i64 = 300;

#[derive(serde::Serialize, serde::Deserialize)]
struct AwaitingSecondFactor {
    user_id: i64,
    epoch: i32,
    at: i64,
    next: String,
}

/// After a correct password, for a person with two-factor sign-in: the session (under a new
/// id, any previous sign-in in it ended) remembers who passed the password, when, and
/// where they were going; nobody is signed in until [`awaiting_second_factor`]'s code.
pub async fn await_second_factor(
    auth: &mut AuthSession,
    person: &SessionUser,
    next: &str,
) -> Result<(), AppError> {
    if auth.user.is_some() {
        auth.logout()
            .await
            .or_internal("ending the previous session")?;
    }
    auth.session
        .cycle_id()
        .await
        .or_internal("renewing the session id")?;
    auth.session
        .insert(
            SECOND_FACTOR_KEY,
            AwaitingSecondFactor {
                user_id: person.user.id,
                epoch: person.user.session_epoch,
                at: Utc::now().timestamp(),
                next: next.to_owned(),
            },
        )
        .await
        .or_internal("writing the session")
}

/// The person whose second factor this session awaits (still active, password unchanged
/// since), and where to go after; the wait is taken out of the session.
pub async fn awaiting_second_factor(
    db: &DatabaseConnection,
    auth: &AuthSession,
) -> Result<(SessionUser, String), AppError> {
    let expired = || {
        AppError::Unauthorized(
            "Your sign-in took too long or was not started here. Sign in again with your password."
                .into(),
        )
    };
    let waiting: AwaitingSecondFactor = auth
        .session
        .get(SECOND_FACTOR_KEY)
        .await
        .or_internal("reading the session")?
        .ok_or_else(expired)?;
    if Utc::now().timestamp() - waiting.at > SECOND_FACTOR_SECONDS {
        auth.session
            .remove::<AwaitingSecondFactor>(SECOND_FACTOR_KEY)
            .await
            .or_internal("writing the session")?;
        return Err(expired());
    }
    let found = users::Entity::find_by_id(waiting.user_id)
        .find_also_related(tenants::Entity)
        .one(db)
        .await
        .or_internal("loading a user to sign in")?;
    match found {
        Some((user, Some(tenant))) if user.active && user.session_epoch == waiting.epoch => {
            Ok((SessionUser::new(user, tenant), waiting.next))
        }
        _ => Err(expired()),
    }
}

/// Binds the session to `person` under a fresh id. axum-login cycles the id only when the
/// session was signed out, so a sign-in over a live session, or a password change, would
/// otherwise keep the id the request arrived with.
pub async fn bind_session(auth: &mut AuthSession, person: &SessionUser) -> Result<(), AppError> {
    auth.session
        .cycle_id()
        .await
        .or_internal("renewing the session id")?;
    auth.login(person)
        .await
        .or_internal("writing the session")?;
    auth.session
        .insert(EPOCH_KEY, person.user.session_epoch)
        .await
        .or_internal("writing the session")
}

/// Checks the throttles, then the password.
///
/// Three counts guard the password, each taken *before* it is verified, so a burst of
/// parallel attempts cannot all be verified before the first failure is counted:
/// - this account from this client address ([`throttle::ACCOUNT`]): a hard limit, which
///   meets only that address, so strangers' failures never lock the owner out;
/// - this client address on any account ([`throttle::ADDRESS`]);
/// - this account from everywhere: past [`throttle::SLOWDOWN_AFTER`] failures in the window
///   it is slowed, not locked — one attempt per [`throttle::SLOWED`] window for the whole
///   account — except from a browser that signed in to the account before
///   (`known_device`, see [`super::device`]). The person is mailed once when it starts.
///
/// A success takes back its counts (the account-wide one) and clears this address's.
#[allow(clippy::too_many_arguments)]
pub async fn sign_in(
    db: &DatabaseConnection,
    auth: &AuthSession,
    email: &str,
    password: &str,
    ip: Option<std::net::IpAddr>,
    browser: &str,
    known_device: bool,
) -> Result<SessionUser, AppError> {
    let email = Email::parse(email)?;
    if password.is_empty() {
        return Err(AppError::validation("password", "Enter your password."));
    }
    if password.chars().count() > crate::domain::account::PASSWORD_MAX_CHARS {
        return Err(AppError::Unauthorized(WRONG_CREDENTIALS.into()));
    }
    let now = Utc::now();
    let address = ip.map(|ip| throttle::address_key("address", ip));
    let pair_key = format!(
        "pair:{}|{}",
        email.as_str(),
        address.as_deref().unwrap_or("address:unknown")
    );
    let account_key = format!("account:{}", email.as_str());
    let locked_now = |secs: i64| AppError::RateLimited {
        message: throttle::message(secs),
        retry_after_secs: secs,
    };
    let mut locked = throttle::check(db, &pair_key, now)
        .await
        .or_internal("reading throttles")?;
    if let Some(key) = &address {
        let by_address = throttle::check(db, key, now)
            .await
            .or_internal("reading throttles")?;
        locked = locked.max(by_address);
    }
    if let Some(secs) = locked {
        return Err(locked_now(secs));
    }
    // The account-wide count, first: past the threshold, an unknown browser needs the
    // account's one slowed slot, and an attempt refused there is counted nowhere else.
    let account_failures = throttle::count(db, &account_key)
        .await
        .or_internal("counting a sign-in attempt")?;
    if account_failures >= throttle::SLOWDOWN_AFTER && !known_device {
        let slow_key = format!("slowed:{}", email.as_str());
        if let Some(secs) = throttle::count_attempt(db, &slow_key, throttle::SLOWED, now)
            .await
            .or_internal("counting a sign-in attempt")?
        {
            return Err(AppError::RateLimited {
                message: throttle::slowed_message(secs),
                retry_after_secs: secs,
            });
        }
    }
    // Count first, then verify only attempts within the limits.
    throttle::record_failure(db, &pair_key, throttle::ACCOUNT, now)
        .await
        .or_internal("counting a sign-in attempt")?;
    let mut over = throttle::count(db, &pair_key)
        .await
        .or_internal("counting a sign-in attempt")?
        > throttle::ACCOUNT.max_failures;
    if let Some(key) = &address {
        throttle::record_failure(db, key, throttle::ADDRESS, now)
            .await
            .or_internal("counting a sign-in attempt")?;
        over |= throttle::count(db, key)
            .await
            .or_internal("counting a sign-in attempt")?
            > throttle::ADDRESS.max_failures;
    }
    if over {
        return Err(locked_now(throttle::ACCOUNT.lockout.num_seconds()));
    }
    throttle::record_failure(db, &account_key, throttle::ACCOUNT_WIDE, now)
        .await
        .or_internal("counting a sign-in attempt")?;
    let found = auth
        .authenticate(Credentials {
            email: email.clone(),
            password: password.to_owned(),
        })
        .await
        .map_err(|e| match e {
            axum_login::Error::Backend(e) => e,
            other => internal("authenticating")(other),
        })?;
    let Some(person) = found else {
        warn_of_a_burst(db, &email, now).await?;
        return Err(AppError::Unauthorized(WRONG_CREDENTIALS.into()));
    };
    if let Some(key) = &address {
        throttle::forgive(db, key, throttle::ADDRESS)
            .await
            .or_internal("clearing throttles")?;
    }
    throttle::forgive(db, &account_key, throttle::ACCOUNT_WIDE)
        .await
        .or_internal("clearing throttles")?;
    if person.user.active {
        super::activity::record_sign_in(db, &person, ip, browser).await?;
    }
    throttle::clear(db, &pair_key)
        .await
        .or_internal("clearing throttles")?;
    if !person.user.active {
        return Err(AppError::Forbidden(
            "This account has been deactivated. Ask an administrator of your company to reactivate it.".into(),
        ));
    }
    if let Some(why) = crate::password_rule::password_refused(db, &person.user).await? {
        return Err(AppError::Forbidden(why));
    }
    Ok(person)
}

/// Mails the person, at most once an hour, when failed sign-ins to their account pass the
/// slow-down threshold (an unknown address is told nothing, and gets no mail sent).
async fn warn_of_a_burst(
    db: &DatabaseConnection,
    email: &Email,
    now: chrono::DateTime<Utc>,
) -> Result<(), AppError> {
    let failures = throttle::count(db, &format!("account:{}", email.as_str()))
        .await
        .or_internal("counting a sign-in attempt")?;
    if failures < throttle::SLOWDOWN_AFTER {
        return Ok(());
    }
    let Some(user) = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await
        .or_internal("reading an account")?
    else {
        return Ok(());
    };
    let once_an_hour = throttle::Policy {
        max_failures: 1,
        window: chrono::Duration::hours(1),
        lockout: chrono::Duration::hours(1),
    };
    let key = format!("burst_mail:{}", user.id);
    if throttle::count_attempt(db, &key, once_an_hour, now)
        .await
        .or_internal("counting a warning")?
        .is_some()
    {
        return Ok(());
    }
    crate::features::mail::service::enqueue(
        db,
        Some(user.tenant_id),
        crate::features::mail::Mail {
            to: user.email.clone(),
            subject: "Many failed sign-ins to your Digame account".into(),
            body: format!(
                "Hello {name},\n\nThere have been {failures} failed attempts to sign in to your Digame account \
                 in the last 15 minutes, from other browsers than the ones you use. Sign-ins from new browsers \
                 are now slowed down for your account; the browsers you have signed in with before are not affected.\n\n\
                 If these were not you, nothing needs to be done, but make sure your password is not used anywhere \
                 else, and consider turning on two-factor sign-in in your security settings.\n",
                name = user.display_name,
            ),
        },
    )
    .await?;
    tracing::warn!(
        user_id = user.id,
        failures,
        "a burst of failed sign-ins; the person was mailed"
    );
    Ok(())
}

/// Checks the signed-in person's current password before a sensitive change. Wrong ones
/// are throttled like sign-ins, so a session holder cannot guess the password through a
/// form; the error names the form field `field`.
pub async fn confirm_password(
    db: &DatabaseConnection,
    passwords: &Passwords,
    person: &SessionUser,
    password: &str,
    field: &str,
) -> Result<(), AppError> {
    if password.is_empty() {
        return Err(AppError::validation(field, "Enter your current password."));
    }
    let throttle_key = format!("password_change:{}", person.user.id);
    // Counted before it is verified (atomically, in the database), so a burst of parallel
    // guesses gets no more than the allowance verified; a right password clears the count.
    if let Some(secs) = throttle::count_attempt(db, &throttle_key, throttle::ACCOUNT, Utc::now())
        .await
        .or_internal("counting a password check")?
    {
        let minutes = (secs + 59) / 60;
        return Err(AppError::RateLimited {
            message: format!(
                "Too many wrong current passwords. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
            retry_after_secs: secs,
        });
    }
    if !passwords
        .verify(Some(&person.user.password_hash), password)
        .await?
    {
        return Err(AppError::validation(
            field,
            "Your current password is not correct.",
        ));
    }
    throttle::clear(db, &throttle_key)
        .await
        .or_internal("clearing throttles")
}

/// One message for unknown emails and wrong passwords, so neither is revealed.
pub const WRONG_CREDENTIALS: &str =
    "That email and password do not match an account. Check them and try again.";

/// Changes the password after checking the current one. Other sessions of the person end
/// because the session is bound to the password hash.
pub async fn change_password(
    db: &DatabaseConnection,
    passwords: &Passwords,
    person: &SessionUser,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<SessionUser, AppError> {
    confirm_password(db, passwords, person, current, "current_password").await?;
    let new = Password::for_account(
        new,
        "new_password",
        &person.user.email,
        &person.user.display_name,
        &person.tenant.name,
    )?;
    if new.expose() != confirm {
        return Err(AppError::validation(
            "confirm_password",
            "The two new passwords do not match.",
        ));
    }
    if new.expose() == current {
        return Err(AppError::validation(
            "new_password",
            "Choose a password different from your current one.",
        ));
    }
    let hash = passwords.hash(new.expose()).await?;
    let txn = db.begin().await.or_internal("saving a new password")?;
    let user = users::ActiveModel {
        id: Set(person.user.id),
        password_hash: Set(hash),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("saving a new password")?;
    record(
        &txn,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: AuditAction::PasswordChanged,
            target: &person.user.email,
            before: None,
            after: None,
        },
    )
    .await?;
    // Every API token ends with the old password, as every other session does, and so
    // does every reset link still open.
    crate::features::tokens::revoke_all(&txn, person.user.id).await?;
    super::reset::end_open_links(&txn, person.user.id).await?;
    crate::features::mail::service::enqueue(
        &txn,
        Some(person.tenant_id()),
        crate::features::mail::Mail {
            to: person.user.email.clone(),
            subject: "Your Digame password was changed".into(),
            body: format!(
                "Hello {name},\n\nThe password of your Digame account was just changed from your security settings, \
                 and your other sessions and API tokens were ended.\n\n\
                 If this was not you, reset your password now (\"Forgot your password?\" on the sign-in page) \
                 and tell your company's Digame admin.\n",
                name = person.user.display_name,
            ),
        },
    )
    .await?;
    txn.commit().await.or_internal("saving a new password")?;
    Ok(SessionUser::new(user, person.tenant.clone()))
}
