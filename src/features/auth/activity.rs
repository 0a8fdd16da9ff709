//! A person's own sign-in activity: each sign-in is in the audit log with its address and
//! a short browser label; a sign-in from an address and browser not seen in the person's
//! recent sign-ins mails them; and they can end every other session at once.

use crate::audit_log::{record, Event};
use crate::domain::AuditAction;
use crate::entities::{audit_events, users};
use crate::error::{AppError, ResultExt};
use crate::features::mail::{service::enqueue, Mail};
use crate::person::SessionUser;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

/// Recent sign-ins compared with a new one, and listed on the profile.
pub const RECENT: u64 = 20;

/// "Firefox on Linux": the browser and system named by a `User-Agent`, coarse on purpose
/// (enough to recognise a device, nothing more is kept).
pub fn browser_label(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else if ua.contains("curl/") {
        "curl"
    } else if ua.is_empty() {
        "an unknown browser"
    } else {
        "another program"
    };
    let system = if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        Some("iOS")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("Linux") || ua.contains("X11") {
        Some("Linux")
    } else {
        None
    };
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}

/// Records a sign-in of `person` from `address` with `browser`, and mails them when that
/// pair is not among their recent sign-ins (the first sign-in of an account mails
/// nothing: there is nothing to compare with). Both in one transaction.
pub async fn record_sign_in(
    db: &DatabaseConnection,
    person: &SessionUser,
    address: Option<std::net::IpAddr>,
    browser: &str,
) -> Result<(), AppError> {
    let address = address.map(|ip| ip.to_string()).unwrap_or_default();
    let recent = recent_sign_ins(db, person.user.id).await?;
    let known = recent
        .iter()
        .any(|s| s.address == address && s.browser == browser);
    let when = chrono::Utc::now();
    let txn = db.begin().await.or_internal("recording a sign-in")?;
    record(
        &txn,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: AuditAction::SignedIn,
            target: &person.user.email,
            before: None,
            after: Some(serde_json::json!({ "address": address, "browser": browser })),
        },
    )
    .await?;
    if !known && !recent.is_empty() {
        enqueue(
            &txn,
            Some(person.tenant_id()),
            Mail {
                to: person.user.email.clone(),
                subject: "A new sign-in to your Digame account".into(),
                body: format!(
                    "Hello {name},\n\nYour Digame account was signed in to from a browser or network it had not been used from lately:\n\n\
                     When: {when} UTC\nBrowser: {browser}\nAddress: {address}\n\n\
                     If this was you, there is nothing to do. If not, change your password now and end your other sessions \
                     (Settings → Profile → Your activity), and tell your company's Digame admin.\n",
                    name = person.user.display_name,
                    when = when.format("%Y-%m-%d %H:%M"),
                    address = if address.is_empty() { "unknown" } else { &address },
                ),
            },
        )
        .await?;
    }
    txn.commit().await.or_internal("recording a sign-in")?;
    Ok(())
}

/// One sign-in as the person sees it.
pub struct SignIn {
    pub at: chrono::DateTime<chrono::Utc>,
    pub address: String,
    pub browser: String,
}

/// `person`'s recent sign-ins, newest first, as the security page and the API show them.
pub async fn sign_in_rows(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<Vec<crate::features::auth::SignInRow>, AppError> {
    Ok(recent_sign_ins(db, person.user.id)
        .await?
        .into_iter()
        .map(|s| crate::features::auth::SignInRow {
            at: crate::util::rfc3339(s.at),
            address: s.address,
            browser: s.browser,
        })
        .collect())
}

/// The person's recent sign-ins, newest first.
pub async fn recent_sign_ins(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<Vec<SignIn>, AppError> {
    let rows = audit_events::Entity::find()
        .filter(audit_events::Column::ActorUserId.eq(user_id))
        .filter(audit_events::Column::Action.eq(AuditAction::SignedIn.as_str()))
        .order_by_desc(audit_events::Column::Id)
        .limit(RECENT)
        .all(db)
        .await
        .or_internal("reading sign-ins")?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let after: serde_json::Value = row
                .after_value
                .as_deref()
                .and_then(|v| serde_json::from_str(v).ok())
                .unwrap_or_default();
            let field = |name: &str| {
                after
                    .get(name)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            SignIn {
                at: row.created_at,
                address: field("address"),
                browser: field("browser"),
            }
        })
        .collect())
}

/// Ends every other session of the person: their session epoch moves on (sessions signed
/// in under an older one end on their next request); the caller binds its own session to
/// the returned row's epoch to stay. Audited.
pub async fn end_other_sessions(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<users::Model, AppError> {
    let txn = db.begin().await.or_internal("ending sessions")?;
    let updated = users::ActiveModel {
        id: Set(person.user.id),
        session_epoch: Set(person.user.session_epoch.wrapping_add(1)),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("ending sessions")?;
    record(
        &txn,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: AuditAction::SessionsEnded,
            target: &person.user.email,
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await.or_internal("ending sessions")?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::browser_label;

    #[test]
    fn browsers_are_named_coarsely() {
        for (ua, label) in [
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36", "Chrome on Linux"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0", "Firefox on Windows"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1", "Safari on iOS"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0", "Edge on Windows"),
            ("curl/8.5.0", "curl"),
            ("", "an unknown browser"),
            ("python-requests/2.32", "another program"),
        ] {
            assert_eq!(browser_label(ua), label, "{ua}");
        }
    }
}
