//! Reading the audit log back for admins. Rows are written by `crate::audit_log::record`.

use super::{AuditDetail, AuditPerson, AuditRow, AuditView};
use crate::domain::{AuditAction, PageRequest};
use crate::entities::audit_events;
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use crate::util::rfc3339;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// One page of the admin's tenant's audit log. `people` are the tenant's members by id,
/// used for the actor filter and to name each row's actor.
pub async fn audit_view(
    db: &DatabaseConnection,
    admin: &SessionUser,
    people: Vec<(i64, String)>,
    page: PageRequest,
    action: &str,
    actor: &str,
) -> Result<AuditView, AppError> {
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
    let events = query
        .order_by_desc(audit_events::Column::CreatedAt)
        .order_by_desc(audit_events::Column::Id)
        .offset(page.offset())
        .limit(page.fetch())
        .all(db)
        .await
        .or_internal("reading the audit log")?;
    let (events, paging) = page.cut(events);
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
            .map(|e| {
                let actor = name_of(e.actor_user_id);
                let summary = AuditAction::parse(&e.action).map_or_else(
                    || format!("{actor}: {} {}", e.action, e.target),
                    |a| a.sentence(&actor, &e.target),
                );
                AuditRow {
                    when: rfc3339(e.created_at),
                    details: details(e.before_value.as_deref(), e.after_value.as_deref()),
                    summary,
                    actor,
                    action: e.action,
                    target: e.target,
                    before: e.before_value,
                    after: e.after_value,
                }
            })
            .collect(),
        paging,
        actions,
        people: people
            .into_iter()
            .map(|(id, name)| AuditPerson { id, name })
            .collect(),
    })
}

/// The fields an event's before and after values hold, one line each, in words: objects
/// are read field by field, anything else is one line called "Value".
fn details(before: Option<&str>, after: Option<&str>) -> Vec<AuditDetail> {
    use serde_json::{Map, Value};
    let read = |text: Option<&str>| -> Option<Map<String, Value>> {
        let value: Value = serde_json::from_str(text?)
            .unwrap_or_else(|_| Value::String(text.unwrap_or_default().to_owned()));
        Some(match value {
            Value::Object(map) => map,
            other => Map::from_iter([("value".to_owned(), other)]),
        })
    };
    let (before, after) = (read(before), read(after));
    let mut fields: Vec<&String> = before
        .iter()
        .chain(after.iter())
        .flat_map(Map::keys)
        .collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .map(|field| AuditDetail {
            field: field_words(field),
            before: before.as_ref().map(|m| value_words(m.get(field))),
            after: after.as_ref().map(|m| value_words(m.get(field))),
        })
        .collect()
}

/// `expires_at` → "Expires at".
fn field_words(field: &str) -> String {
    let words = field.replace('_', " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn value_words(value: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => "none".to_owned(),
        Some(Value::Bool(true)) => "yes".to_owned(),
        Some(Value::Bool(false)) => "no".to_owned(),
        Some(Value::String(s)) => crate::domain::ToolId::from_flag(s)
            .map_or_else(|| s.clone(), |t| t.info().title.to_owned()),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_and_after_read_as_lines_in_words() {
        let lines = details(
            Some(r#"{"expires_at":null,"enabled":true}"#),
            Some(r#"{"expires_at":"2027-01-12","enabled":false}"#),
        );
        assert_eq!(
            lines,
            vec![
                AuditDetail {
                    field: "Enabled".into(),
                    before: Some("yes".into()),
                    after: Some("no".into())
                },
                AuditDetail {
                    field: "Expires at".into(),
                    before: Some("none".into()),
                    after: Some("2027-01-12".into())
                },
            ]
        );
        let added = details(None, Some(r#"{"expires_at":null}"#));
        assert_eq!(added[0].before, None);
        assert_eq!(added[0].after.as_deref(), Some("none"));
        let plain = details(Some("member"), Some(r#""admin""#));
        assert_eq!(plain[0].field, "Value");
        assert_eq!(plain[0].before.as_deref(), Some("member"));
        assert_eq!(plain[0].after.as_deref(), Some("admin"));
        assert!(details(None, None).is_empty());
    }
}
