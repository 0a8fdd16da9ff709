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
