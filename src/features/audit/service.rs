//! Reading the audit log back for admins. Rows are written by `crate::audit_log::record`.

use super::{AuditRow, AuditView};
use crate::domain::AuditAction;
use crate::entities::audit_events;
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use crate::util::format_time;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

const PAGE_SIZE: u64 = 25;

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
