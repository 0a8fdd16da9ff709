//! Delivers the outbox by SMTP when `DIGAME_SMTP_URL` is set: every few seconds, the due
//! messages are claimed one by one (a conditional update, so two replicas never send the
//! same message at once), sent, and marked sent; a failure is retried with back-off up to
//! [`MAX_ATTEMPTS`] times, a permanent refusal (a 5xx, an address the server rejects) is
//! not retried. Failures are logged with the message id and the server's answer, never the
//! message itself (it may hold a link with a token).
//!
//! A message the server accepted is marked sent right after; if the process dies in between,
//! its lease runs out and it is sent again: delivery is at least once, and twice only then.

use crate::config::MailSettings;
use crate::entities::outbox;
use crate::error::{AppError, ResultExt};
use chrono::{Duration, Utc};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// What a delivered message's body becomes (its links are not kept once sent).
pub const DELIVERED_BODY: &str = "(delivered; the body is not kept)";
/// What an undeliverable message's body becomes, once given up on.
pub const UNDELIVERED_BODY: &str = "(not delivered; the body is not kept)";

/// Tries per message before it is left undelivered (with its last error).
pub const MAX_ATTEMPTS: i32 = 8;
/// Messages claimed per round.
const BATCH: u64 = 20;
/// How long a claimed message is left to its sender before another may try it.
const LEASE_MINUTES: i64 = 10;
/// How often the outbox is looked at.
const INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

pub type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// The wait before attempt `attempt + 1`: 30 s, doubling, at most 6 hours.
pub fn backoff(attempt: i32) -> Duration {
    let doublings = attempt.clamp(1, 20) - 1;
    Duration::seconds((30_i64 << doublings).min(6 * 3600))
}

/// The SMTP transport of `url` (`smtp://host:port`, `smtps://user:pass@host`,
/// `smtp://host:587?tls=required`).
pub fn transport(url: &str) -> Result<Transport, String> {
    Transport::from_url(url)
        .map(|b| b.build())
        .map_err(|e| format!("DIGAME_SMTP_URL is not a usable SMTP address: {e}"))
}

fn message(from: &Mailbox, m: &outbox::Model) -> Result<Message, String> {
    let to: Mailbox = m
        .to_address
        .parse()
        .map_err(|e| format!("the address is not usable: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&m.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| format!("the message could not be built: {e}"))
}

/// Sends what is due; answers how many messages were delivered.
pub async fn deliver_due(
    db: &DatabaseConnection,
    transport: &Transport,
    from: &Mailbox,
) -> Result<usize, AppError> {
    let now = Utc::now();
    let due = outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .filter(outbox::Column::Attempts.lt(MAX_ATTEMPTS))
        .order_by_asc(outbox::Column::Id)
        .limit(BATCH)
        .all(db)
        .await
        .or_internal("reading the outbox")?;
    let mut delivered = 0;
    for m in due {
        let attempt = m.attempts + 1;
        let claimed = outbox::Entity::update_many()
            .col_expr(outbox::Column::Attempts, Expr::value(attempt))
            .col_expr(
                outbox::Column::NextAttemptAt,
                Expr::value(now + Duration::minutes(LEASE_MINUTES)),
            )
            .filter(outbox::Column::Id.eq(m.id))
            .filter(outbox::Column::Attempts.eq(m.attempts))
            .filter(outbox::Column::SentAt.is_null())
            .exec(db)
            .await
            .or_internal("claiming a message")?;
        if claimed.rows_affected != 1 {
            continue; // another sender has it
        }
        let outcome = match message(from, &m) {
            Ok(msg) => transport.send(msg).await.map(|_| ()).map_err(|e| {
                let permanent = e.is_permanent();
                (e.to_string(), permanent)
            }),
            Err(why) => Err((why, true)),
        };
        let update = outbox::Entity::update_many().filter(outbox::Column::Id.eq(m.id));
        let update = match outcome {
            Ok(()) => {
                delivered += 1;
                // The body held reset, confirmation or invitation links: once delivered
                // it is not kept (the subject and address stay, for the record).
                update
                    .col_expr(outbox::Column::SentAt, Expr::value(Some(Utc::now())))
                    .col_expr(outbox::Column::LastError, Expr::value(None::<String>))
                    .col_expr(outbox::Column::Body, Expr::value(DELIVERED_BODY))
            }
            Err((why, permanent)) => {
                let why: String = why.chars().take(500).collect();
                let attempts = if permanent { MAX_ATTEMPTS } else { attempt };
                if attempts >= MAX_ATTEMPTS {
                    tracing::error!(message_id = m.id, attempt, error = %why, "mail not delivered; giving up");
                } else {
                    tracing::warn!(message_id = m.id, attempt, error = %why, "mail not delivered; will retry");
                }
                let update = if attempts >= MAX_ATTEMPTS {
                    update.col_expr(outbox::Column::Body, Expr::value(UNDELIVERED_BODY))
                } else {
                    update
                };
                update
                    .col_expr(outbox::Column::Attempts, Expr::value(attempts))
                    .col_expr(outbox::Column::LastError, Expr::value(Some(why)))
                    .col_expr(
                        outbox::Column::NextAttemptAt,
                        Expr::value(Utc::now() + backoff(attempt)),
                    )
            }
        };
        update.exec(db).await.or_internal("recording a delivery")?;
    }
    Ok(delivered)
}

/// Starts the sender when SMTP is configured; it runs until the process ends.
pub fn start(db: DatabaseConnection, settings: &MailSettings) -> Result<(), String> {
    let Some(url) = settings
        .smtp_url
        .as_ref()
        .map(secrecy::ExposeSecret::expose_secret)
    else {
        return Ok(());
    };
    let transport = transport(url)?;
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| format!("DIGAME_MAIL_FROM is not a mail address: {e}"))?;
    tokio::spawn(async move {
        loop {
            if let Err(e) = deliver_due(&db, &transport, &from).await {
                tracing::warn!(error = %e, "the mail sender could not read the outbox");
            }
            tokio::time::sleep(INTERVAL).await;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_at_most_six_hours() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(5), Duration::seconds(480));
        assert_eq!(backoff(30), Duration::hours(6));
    }

    #[test]
    fn smtp_addresses_are_checked() {
        assert!(transport("smtp://127.0.0.1:2525").is_ok());
        assert!(transport("not a url").is_err());
    }
}
