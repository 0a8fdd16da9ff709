//! Writing the audit log: every feature that changes something records it here, inside the
//! transaction that makes the change. It sits below the features (it only writes its own
//! table), so any feature may call it; reading the log back is `features::audit`.

use crate::domain::AuditAction;
use crate::entities::audit_events;
use crate::error::{AppError, ResultExt};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};

pub struct Event<'a> {
    pub tenant_id: i64,
    pub actor_user_id: Option<i64>,
    pub action: AuditAction,
    pub target: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Writes one audit row; pass the transaction that makes the change it describes.
pub async fn record(db: &impl ConnectionTrait, event: Event<'_>) -> Result<(), AppError> {
    audit_events::ActiveModel {
        tenant_id: Set(event.tenant_id),
        actor_user_id: Set(event.actor_user_id),
        action: Set(event.action.as_str().to_owned()),
        target: Set(event.target.to_owned()),
        before_value: Set(event.before.map(|v| v.to_string())),
        after_value: Set(event.after.map(|v| v.to_string())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .or_internal("writing an audit row")?;
    Ok(())
}
