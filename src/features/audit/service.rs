//! Writing audit rows (inside the caller's transaction) and reading them back for admins.

use super::{AuditRow, AuditView};
use crate::domain::{AuditAction, SessionUser};
use crate::entities::audit_events;
use crate::error::{AppError, ResultExt};
use crate::util::format_time;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

const PAGE_SIZE: u64 = 25;

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

/// One page of the admin's tenant's audit log. `people` are the tenant's members by id,
/// used for the actor filter and to name each row's actor.
pub async fn audit_view(
    db: &DatabaseConnection,
    admin: &SessionUser,
    people: Vec<(i64, String)>,
    page: i64,
    action: &str,
    actor: &str,
) -> Result<AuditView, AppError> {
    let page = page.clamp(1, 10_000);
    let mut query =
        audit_events::Entity::find().filter(audit_events::Column::TenantId.eq(admin.tenant_id()));
    if !action.is_empty() {
        let action = AuditAction::parse(action)
            .ok_or_else(|| AppError::validation("action", "Choose an action from the list."))?;
        query = query.filter(audit_events::Column::Action.eq(action.as_str()));
    }
    if !actor.is_empty() {
        let id: i64 = actor
            .parse()
            .map_err(|_| AppError::validation("actor", "Choose a person from the list."))?;
        query = query.filter(audit_events::Column::ActorUserId.eq(id));
    }
    let mut events = query
        .order_by_desc(audit_events::Column::CreatedAt)
        .order_by_desc(audit_events::Column::Id)
        .offset(((page - 1) as u64) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
        .all(db)
        .await
        .or_internal("reading the audit log")?;
    let has_more = events.len() as u64 > PAGE_SIZE;
    events.truncate(PAGE_SIZE as usize);
    let actions: Vec<String> = audit_events::Entity::find()
        .select_only()
        .column(audit_events::Column::Action)
        .distinct()
        .filter(audit_events::Column::TenantId.eq(admin.tenant_id()))
        .order_by_asc(audit_events::Column::Action)
        .into_tuple()
        .all(db)
        .await
        .or_internal("listing audit actions")?;
    let name_of = |id: Option<i64>| match id {
        None => "Operator".to_owned(),
        Some(id) => people
            .iter()
            .find(|(p, _)| *p == id)
            .map_or_else(|| format!("Former member #{id}"), |(_, n)| n.clone()),
    };
    Ok(AuditView {
        rows: events
            .into_iter()
            .map(|e| AuditRow {
                when: format_time(e.created_at),
                actor: name_of(e.actor_user_id),
                action: e.action,
                target: e.target,
                before: e.before_value,
                after: e.after_value,
            })
            .collect(),
        page,
        has_more,
        actions,
        people,
    })
}
