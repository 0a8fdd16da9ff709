//! Groups on the server: the one read the access rule needs (which limited tools a person is
//! outside of), the admin page's view, and the admins' changes, each scoped to the admin's
//! company and audited in the transaction that makes it.

use super::{GroupPerson, GroupView, GroupsView, ToolGroups, MAX_GROUPS};
use crate::audit_log::{record, Event};
use crate::domain::{AuditAction, ToolId, TOOLS};
use crate::entities::{
    group_members, member_groups, tenant_features, token_budgets, token_spend, users,
};
use crate::error::{AppError, ResultExt};
use crate::features::tenancy::service::{resolve_flags, stored};
use crate::person::{SessionUser, StoredFlag};
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Who put a person in a group by hand.
pub const SOURCE_ADMIN: &str = "admin";

/// For each tool limited to groups the person is in none of: those groups' names, by name.
/// No query when the company limits no tool.
pub async fn outside_groups(
    db: &impl ConnectionTrait,
    person: &SessionUser,
    limits: &HashMap<ToolId, Vec<i64>>,
) -> Result<HashMap<ToolId, Vec<String>>, AppError> {
    if limits.is_empty() {
        return Ok(HashMap::new());
    }
    let why = "reading the person's groups";
    let ids: BTreeSet<i64> = limits.values().flatten().copied().collect();
    let names: HashMap<i64, String> = member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(person.tenant_id()))
        .filter(member_groups::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
        .or_internal(why)?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let mine: HashSet<i64> = group_members::Entity::find()
        .filter(group_members::Column::UserId.eq(person.user.id))
        .filter(group_members::Column::TenantId.eq(person.tenant_id()))
        .filter(group_members::Column::GroupId.is_in(ids.iter().copied()))
        .all(db)
        .await
        .or_internal(why)?
        .into_iter()
        .map(|m| m.group_id)
        .collect();
    Ok(limits
        .iter()
        .filter(|(_, groups)| !groups.iter().any(|g| mine.contains(g)))
        .map(|(tool, groups)| {
            let mut named: Vec<String> = groups
                .iter()
                .filter_map(|g| names.get(g).cloned())
                .collect();
            named.sort_by_key(|n| n.to_lowercase());
            (*tool, named)
        })
        .collect())
}

fn person_of(u: users::Model) -> GroupPerson {
    GroupPerson {
        user_id: u.id,
        name: u.display_name,
        email: u.email,
        active: u.active,
    }
}

/// Admin → Groups: the company's groups with their people, everyone, and who may use each
/// tool, as stored now.
pub async fn view(db: &DatabaseConnection, admin: &SessionUser) -> Result<GroupsView, AppError> {
    let why = "reading the groups";
    let tenant_id = admin.tenant_id();
    let people: Vec<users::Model> = users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .order_by_asc(users::Column::DisplayName)
        .order_by_asc(users::Column::Id)
        .all(db)
        .await
        .or_internal(why)?;
    let groups = member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(tenant_id))
        .order_by_asc(member_groups::Column::NameKey)
        .all(db)
        .await
        .or_internal(why)?;
    let memberships = group_members::Entity::find()
        .filter(group_members::Column::TenantId.eq(tenant_id))
        .all(db)
        .await
        .or_internal(why)?;
    let rows = stored(db, tenant_id).await?;
    let flags = resolve_flags(admin.tier(), &rows);
    let limited = |tool: ToolId| -> Vec<i64> {
        rows.iter()
            .find(|r| r.flag == tool.info().flag)
            .map(|r| r.groups.clone())
            .unwrap_or_default()
    };
    let tools: Vec<ToolGroups> = TOOLS
        .iter()
        .map(|t| ToolGroups {
            tool: t.id,
            title: t.title.to_owned(),
            groups: limited(t.id),
            enabled: flags[&t.id],
            in_tier: admin.tier().includes(t.id),
        })
        .collect();
    let member_of: HashSet<(i64, i64)> = memberships
        .iter()
        .map(|m| (m.group_id, m.user_id))
        .collect();
    let groups = groups
        .into_iter()
        .map(|g| GroupView {
            members: people
                .iter()
                .filter(|p| member_of.contains(&(g.id, p.id)))
                .cloned()
                .map(person_of)
                .collect(),
            tools: tools
                .iter()
                .filter(|t| t.groups.contains(&g.id))
                .map(|t| t.title.clone())
                .collect(),
            id: g.id,
            name: g.name,
        })
        .collect();
    Ok(GroupsView {
        groups,
        people: people.into_iter().map(person_of).collect(),
        tools,
    })
}

/// The admin's company's group with this id, or a "no such group" error on `group`.
async fn group_of(
    db: &impl ConnectionTrait,
    admin: &SessionUser,
    id: i64,
) -> Result<member_groups::Model, AppError> {
    member_groups::Entity::find_by_id(id)
        .filter(member_groups::Column::TenantId.eq(admin.tenant_id()))
        .one(db)
        .await
        .or_internal("reading a group")?
        .ok_or_else(|| AppError::validation("group", "There is no such group in your company."))
}

/// The admin's company's person with this id, or a "no such member" error on `person`.
async fn member_of(
    db: &impl ConnectionTrait,
    admin: &SessionUser,
    id: i64,
) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(id)
        .filter(users::Column::TenantId.eq(admin.tenant_id()))
        .one(db)
        .await
        .or_internal("reading a member")?
        .ok_or_else(|| AppError::validation("person", "There is no such member in your company."))
}

fn name_taken(name: &str) -> AppError {
    AppError::Conflict {
        field: "name".into(),
        message: format!("Your company already has a group called {name}."),
    }
}

/// Whether another group of the company has this name (in any case).
async fn name_in_use(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    key: &str,
    other_than: Option<i64>,
) -> Result<bool, AppError> {
    let mut q = member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(tenant_id))
        .filter(member_groups::Column::NameKey.eq(key));
    if let Some(id) = other_than {
        q = q.filter(member_groups::Column::Id.ne(id));
    }
    Ok(q.count(db).await.or_internal("reading the groups")? > 0)
}

/// Makes a group; its id.
pub async fn create(
    db: &DatabaseConnection,
    admin: &SessionUser,
    name: &str,
) -> Result<i64, AppError> {
    let why = "making a group";
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, admin.tenant_id()).await?;
    let id = create_in(&txn, admin.tenant_id(), Some(admin.user.id), name).await?;
    txn.commit().await.or_internal(why)?;
    Ok(id)
}

/// Makes a group of the company (a checked name, unique in it, within the most a company
/// may have), audited by `actor` or (`None`) the company's provider. Inside a transaction,
/// after `lock_tenant`; its id.
pub async fn create_in(
    txn: &impl ConnectionTrait,
    tenant_id: i64,
    actor: Option<i64>,
    name: &str,
) -> Result<i64, AppError> {
    let why = "making a group";
    let key = name.to_lowercase();
    if name_in_use(txn, tenant_id, &key, None).await? {
        return Err(name_taken(name));
    }
    let count = member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(tenant_id))
        .count(txn)
        .await
        .or_internal(why)?;
    if count >= MAX_GROUPS {
        return Err(AppError::validation(
            "name",
            format!("A company may have at most {MAX_GROUPS} groups; delete one you no longer use first."),
        ));
    }
    let id = member_groups::Entity::insert(member_groups::ActiveModel {
        id: NotSet,
        tenant_id: Set(tenant_id),
        name: Set(name.to_owned()),
        name_key: Set(key),
        created_at: Set(Utc::now()),
    })
    .exec(txn)
    .await
    .or_internal(why)?
    .last_insert_id;
    audit_by(
        txn,
        tenant_id,
        actor,
        AuditAction::GroupCreated,
        name,
        None,
        None,
    )
    .await?;
    Ok(id)
}

/// Renames a group.
pub async fn rename(
    db: &DatabaseConnection,
    admin: &SessionUser,
    id: i64,
    name: &str,
) -> Result<(), AppError> {
    let why = "renaming a group";
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, admin.tenant_id()).await?;
    let group = group_of(&txn, admin, id).await?;
    rename_in(&txn, &group, Some(admin.user.id), name).await?;
    txn.commit().await.or_internal(why)
}

/// Renames `group` (unique in its company), audited by `actor` or the provider. Inside a
/// transaction, after `lock_tenant`.
pub async fn rename_in(
    txn: &impl ConnectionTrait,
    group: &member_groups::Model,
    actor: Option<i64>,
    name: &str,
) -> Result<(), AppError> {
    let why = "renaming a group";
    if group.name == name {
        return Ok(());
    }
    let key = name.to_lowercase();
    if name_in_use(txn, group.tenant_id, &key, Some(group.id)).await? {
        return Err(name_taken(name));
    }
    member_groups::Entity::update(member_groups::ActiveModel {
        id: Set(group.id),
        name: Set(name.to_owned()),
        name_key: Set(key),
        ..Default::default()
    })
    .exec(txn)
    .await
    .or_internal(why)?;
    audit_by(
        txn,
        group.tenant_id,
        actor,
        AuditAction::GroupRenamed,
        name,
        Some(serde_json::json!({ "name": group.name })),
        Some(serde_json::json!({ "name": name })),
    )
    .await
}

/// Deletes a group and its memberships, unless a tool is limited to it (taking the limit
/// away with the group would open the tool to everyone, or close it to everyone: the admin
/// chooses first).
pub async fn delete(db: &DatabaseConnection, admin: &SessionUser, id: i64) -> Result<(), AppError> {
    let why = "deleting a group";
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, admin.tenant_id()).await?;
    let group = group_of(&txn, admin, id).await?;
    delete_in(&txn, &group, Some(admin.user.id)).await?;
    txn.commit().await.or_internal(why)
}

/// Deletes `group` by the rule above, audited by `actor` or the provider. Inside a
/// transaction, after `lock_tenant`.
pub async fn delete_in(
    txn: &impl ConnectionTrait,
    group: &member_groups::Model,
    actor: Option<i64>,
) -> Result<(), AppError> {
    let why = "deleting a group";
    let tenant_id = group.tenant_id;
    let id = group.id;
    let tools: Vec<&str> = stored(txn, tenant_id)
        .await?
        .iter()
        .filter(|r| r.groups.contains(&id))
        .filter_map(|r| ToolId::from_flag(&r.flag))
        .map(|t| t.info().title)
        .collect();
    if !tools.is_empty() {
        return Err(AppError::Conflict {
            field: "group".into(),
            message: format!(
                "{} {} limited to {}: choose who may use {} first, under “Who may use each tool”.",
                tools.join(", "),
                if tools.len() == 1 { "is" } else { "are" },
                group.name,
                if tools.len() == 1 { "it" } else { "them" },
            ),
        });
    }
    member_groups::Entity::delete_by_id(id)
        .exec(txn)
        .await
        .or_internal(why)?;
    // Its budget and month counters go with it (calls still running give their tokens
    // back to a counter that is no longer there: nothing).
    let holder = crate::features::budgets::service::Holder::Group(id).key();
    token_budgets::Entity::delete_many()
        .filter(token_budgets::Column::TenantId.eq(tenant_id))
        .filter(token_budgets::Column::UserId.eq(holder))
        .exec(txn)
        .await
        .or_internal(why)?;
    token_spend::Entity::delete_many()
        .filter(token_spend::Column::TenantId.eq(tenant_id))
        .filter(token_spend::Column::UserId.eq(holder))
        .exec(txn)
        .await
        .or_internal(why)?;
    audit_by(
        txn,
        tenant_id,
        actor,
        AuditAction::GroupDeleted,
        &group.name,
        Some(serde_json::json!({ "name": group.name })),
        None,
    )
    .await
}

/// Puts a person in a group unless they are in it already (whoever put them there); answers
/// the rows added (0 or 1). `source` says who: `admin`, or single sign-on's `sso`.
pub async fn put_in(
    txn: &impl sea_orm::ConnectionTrait,
    group_id: i64,
    user_id: i64,
    tenant_id: i64,
    source: &str,
) -> Result<u64, AppError> {
    group_members::Entity::insert(group_members::ActiveModel {
        group_id: Set(group_id),
        user_id: Set(user_id),
        tenant_id: Set(tenant_id),
        source: Set(source.to_owned()),
        added_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            group_members::Column::GroupId,
            group_members::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(txn)
    .await
    .or_internal("putting a person in a group")
}

/// Puts a person in a group (`add`) or takes them out; nothing is recorded when nothing
/// changes (they were in it, or were not).
pub async fn set_member(
    db: &DatabaseConnection,
    admin: &SessionUser,
    group: i64,
    person: i64,
    add: bool,
) -> Result<(), AppError> {
    let why = "changing a group's people";
    let txn = db.begin().await.or_internal(why)?;
    // A write first: on SQLite a transaction that reads and then writes fails at once when
    // another connection wrote in between (seen as a Playwright flake here).
    crate::features::tenancy::service::lock_tenant(&txn, admin.tenant_id()).await?;
    let g = group_of(&txn, admin, group).await?;
    let member = member_of(&txn, admin, person).await?;
    let changed = if add {
        put_in(&txn, g.id, member.id, admin.tenant_id(), SOURCE_ADMIN).await?
    } else {
        group_members::Entity::delete_many()
            .filter(group_members::Column::GroupId.eq(g.id))
            .filter(group_members::Column::UserId.eq(member.id))
            .exec(&txn)
            .await
            .or_internal(why)?
            .rows_affected
    };
    if changed > 0 {
        let was = Some(serde_json::json!({ "group": g.name }));
        let (action, before, after) = if add {
            (AuditAction::GroupMemberAdded, None, was)
        } else {
            (AuditAction::GroupMemberRemoved, was, None)
        };
        audit(&txn, admin, action, &member.email, before, after).await?;
    }
    txn.commit().await.or_internal(why)
}

/// Puts `user_id` in `group` (`add`) or takes them out, as the company's provider says;
/// audited when it changed. Inside a transaction, after `lock_tenant`; the caller checked
/// both belong to the company.
pub async fn set_member_by_provider(
    txn: &impl ConnectionTrait,
    group: &member_groups::Model,
    user: &users::Model,
    add: bool,
    source: &str,
) -> Result<(), AppError> {
    let changed = if add {
        put_in(txn, group.id, user.id, group.tenant_id, source).await?
    } else {
        group_members::Entity::delete_many()
            .filter(group_members::Column::GroupId.eq(group.id))
            .filter(group_members::Column::UserId.eq(user.id))
            .exec(txn)
            .await
            .or_internal("changing a group's people")?
            .rows_affected
    };
    if changed > 0 {
        let was = Some(serde_json::json!({ "group": group.name }));
        let (action, before, after) = if add {
            (AuditAction::GroupMemberAdded, None, was)
        } else {
            (AuditAction::GroupMemberRemoved, was, None)
        };
        audit_by(
            txn,
            group.tenant_id,
            None,
            action,
            &user.email,
            before,
            after,
        )
        .await?;
    }
    Ok(())
}

/// Limits a tool to these groups of the company, or opens it to everyone (`ids` empty).
/// The tool's flag keeps what it was.
pub async fn set_tool_groups(
    db: &DatabaseConnection,
    admin: &SessionUser,
    tool: ToolId,
    ids: Vec<i64>,
) -> Result<(), AppError> {
    let why = "limiting a tool to groups";
    let tenant_id = admin.tenant_id();
    let ids: BTreeSet<i64> = ids.into_iter().collect();
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, tenant_id).await?;
    let groups = member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(tenant_id))
        .all(&txn)
        .await
        .or_internal(why)?;
    let names = |wanted: &[i64]| -> Vec<String> {
        groups
            .iter()
            .filter(|g| wanted.contains(&g.id))
            .map(|g| g.name.clone())
            .collect()
    };
    if ids.iter().any(|id| !groups.iter().any(|g| g.id == *id)) {
        return Err(AppError::validation(
            "groups",
            "One of the groups chosen is not a group of your company (it may have just been deleted); choose again.",
        ));
    }
    let rows = stored(&txn, tenant_id).await?;
    let current: Option<&StoredFlag> = rows.iter().find(|r| r.flag == tool.info().flag);
    let before: Vec<i64> = current.map(|r| r.groups.clone()).unwrap_or_default();
    let after: Vec<i64> = ids.into_iter().collect();
    if before == after {
        return Ok(());
    }
    let joined = (!after.is_empty()).then(|| {
        after
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    });
    tenant_features::Entity::insert(tenant_features::ActiveModel {
        tenant_id: Set(tenant_id),
        flag: Set(tool.info().flag.to_owned()),
        // A tool without a stored row follows its plan; the row keeps that.
        enabled: Set(resolve_flags(admin.tier(), &rows)[&tool]),
        groups: Set(joined),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            tenant_features::Column::TenantId,
            tenant_features::Column::Flag,
        ])
        .update_columns([
            tenant_features::Column::Groups,
            tenant_features::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await
    .or_internal(why)?;
    audit(
        &txn,
        admin,
        AuditAction::ToolGroupsChanged,
        tool.info().flag,
        Some(serde_json::json!({ "groups": names(&before) })),
        Some(serde_json::json!({ "groups": names(&after) })),
    )
    .await?;
    txn.commit().await.or_internal(why)?;
    crate::entities::changes::announce(crate::entities::changes::Change::Tenant(tenant_id));
    Ok(())
}

async fn audit(
    txn: &impl ConnectionTrait,
    admin: &SessionUser,
    action: AuditAction,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    audit_by(
        txn,
        admin.tenant_id(),
        Some(admin.user.id),
        action,
        target,
        before,
        after,
    )
    .await
}

/// An audit event by `actor`, or (`None`) by the company's provider.
async fn audit_by(
    txn: &impl ConnectionTrait,
    tenant_id: i64,
    actor: Option<i64>,
    action: AuditAction,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    let after = match (actor, after) {
        (None, Some(mut a)) => {
            a["by"] = "provisioning (SCIM)".into();
            Some(a)
        }
        (None, None) => Some(serde_json::json!({ "by": "provisioning (SCIM)" })),
        (_, a) => a,
    };
    record(
        txn,
        Event {
            tenant_id,
            actor_user_id: actor,
            action,
            target,
            before,
            after,
        },
    )
    .await
}
