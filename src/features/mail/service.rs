//! The outbox on the server: writing a message, reading the newest.

use super::Mail;
use crate::entities::outbox;
use crate::error::{AppError, ResultExt};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect,
};

/// Writes `mail` to the outbox on `db` (pass the transaction of the change that causes it).
pub async fn enqueue(
    db: &impl ConnectionTrait,
    tenant_id: Option<i64>,
    mail: Mail,
) -> Result<(), AppError> {
    enqueue_raw(db, tenant_id, mail)
        .await
        .or_internal("writing a message to the outbox")
}

/// [`enqueue`] with the database's own error, for transactions that handle `DbErr`.
pub async fn enqueue_raw(
    db: &impl ConnectionTrait,
    tenant_id: Option<i64>,
    mail: Mail,
) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    outbox::ActiveModel {
        tenant_id: Set(tenant_id),
        to_address: Set(mail.to),
        subject: Set(mail.subject),
        body: Set(mail.body),
        attempts: Set(0),
        last_error: Set(None),
        next_attempt_at: Set(now),
        sent_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The newest messages, newest first.
pub async fn recent(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<outbox::Model>, AppError> {
    outbox::Entity::find()
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .or_internal("reading the outbox")
}

/// Messages not delivered yet and still to be tried (the operator's backlog).
pub async fn pending(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .filter(outbox::Column::Attempts.lt(super::sender::MAX_ATTEMPTS))
        .count(db)
        .await
        .or_internal("counting the outbox")
}

/// Whether a request comes from a person on this machine (the development outbox): a
/// loopback peer that forwarded nothing. A proxy on the same host is a loopback peer too;
/// whatever it forwards, in any of the usual headers (nginx often sends only `X-Real-IP`),
/// is someone else's request.
pub fn is_this_machine(peer: std::net::IpAddr, headers: &http::HeaderMap) -> bool {
    const FORWARDING: [&str; 6] = [
        "x-forwarded-for",
        "forwarded",
        "x-real-ip",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-client-ip",
    ];
    peer.is_loopback() && !FORWARDING.iter().any(|h| headers.contains_key(*h))
}

#[cfg(test)]
mod local_tests {
    use super::is_this_machine;

    #[test]
    fn only_an_unforwarded_loopback_peer_is_this_machine() {
        let none = http::HeaderMap::new();
        let loopback: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        assert!(is_this_machine(loopback, &none));
        assert!(is_this_machine("::1".parse().unwrap(), &none));
        assert!(!is_this_machine("10.0.0.2".parse().unwrap(), &none));
        for header in [
            "forwarded",
            "x-real-ip",
            "x-forwarded-for",
            "x-forwarded-host",
        ] {
            let mut h = http::HeaderMap::new();
            h.insert(header, "203.0.113.9".parse().unwrap());
            assert!(!is_this_machine(loopback, &h), "{header}");
        }
    }
}
