//! The audit log: who changed what in a tenant, and when, with before/after values (never a
//! secret). Rows are written in the same transaction as the change they describe.

#[cfg(feature = "ssr")]
pub mod service {
    use crate::entities::audit_events;
    use chrono::Utc;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};

    pub struct Event<'a> {
        pub tenant_id: i64,
        pub actor_user_id: Option<i64>,
        /// A stable dotted name, e.g. `api_key.added`.
        pub action: &'a str,
        pub target: &'a str,
        pub before: Option<serde_json::Value>,
        pub after: Option<serde_json::Value>,
    }

    pub async fn record(db: &impl ConnectionTrait, event: Event<'_>) -> Result<(), DbErr> {
        audit_events::ActiveModel {
            tenant_id: Set(event.tenant_id),
            actor_user_id: Set(event.actor_user_id),
            action: Set(event.action.to_owned()),
            target: Set(event.target.to_owned()),
            before_value: Set(event.before.map(|v| v.to_string())),
            after_value: Set(event.after.map(|v| v.to_string())),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        Ok(())
    }
}
