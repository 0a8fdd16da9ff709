//! Tenants and their feature flags. Every query is scoped to the caller's tenant, which
//! comes from the session (`SessionUser`), never from the request.

use super::{FeatureRow, FeaturesView};
use crate::audit_log::{record, Event};
use crate::domain::{AuditAction, Tier, ToolId, TOOLS};
use crate::entities::{tenant_features, tenants};
use crate::error::{AppError, ResultExt};
use crate::person::{SessionUser, StoredFlag};
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use std::collections::HashMap;

/// Locks the tenant's row for the rest of `txn` and returns it as it is now.
///
/// Rules that count rows of a tenant (seats, the last admin) call this first, so that two
/// transactions checking the same tenant run one after the other and each sees what the
/// other committed. It is a no-op `UPDATE`: on PostgreSQL that takes the row lock (as
/// `SELECT … FOR UPDATE` would); on SQLite it is the transaction's first write, which
/// takes the database write lock (waiting up to the busy timeout) before anything is read,
/// so the transaction never has to upgrade a read snapshot, which SQLite refuses.
pub async fn lock_tenant(
    txn: &DatabaseTransaction,
    tenant_id: i64,
) -> Result<tenants::Model, AppError> {
    tenants::Entity::update_many()
        .col_expr(tenants::Column::Id, Expr::col(tenants::Column::Id).into())
        .filter(tenants::Column::Id.eq(tenant_id))
        .exec(txn)
        .await
        .or_internal("locking a tenant")?;
    current_tenant(txn, tenant_id).await
}

/// The tenant's row as it is now.
async fn current_tenant(
    db: &impl ConnectionTrait,
    tenant_id: i64,
) -> Result<tenants::Model, AppError> {
    tenants::Entity::find_by_id(tenant_id)
        .one(db)
        .await
        .or_internal("reading a tenant")?
        .ok_or_else(|| {
            tracing::error!(tenant_id, "a signed-in person's tenant is gone");
            AppError::Internal
        })
}

/// The tenant's stored rows, read from the database.
pub async fn stored(
    db: &impl ConnectionTrait,
    tenant_id: i64,
) -> Result<Vec<StoredFlag>, AppError> {
    Ok(tenant_features::Entity::find()
        .filter(tenant_features::Column::TenantId.eq(tenant_id))
        .all(db)
        .await
        .or_internal("reading feature flags")?
        .into_iter()
        .map(StoredFlag::from)
        .collect())
}

/// The tenant's flags, read from the database.
pub async fn flags(
    db: &impl ConnectionTrait,
    tenant: &tenants::Model,
) -> Result<HashMap<ToolId, bool>, AppError> {
    Ok(resolve_flags(tenant.tier, &stored(db, tenant.id).await?))
}

/// The person's tenant's stored rows: those read with the person on this request when they
/// were (every signed-in request does), otherwise from the database.
async fn stored_of<'p>(
    db: &impl ConnectionTrait,
    person: &'p SessionUser,
) -> Result<std::borrow::Cow<'p, [StoredFlag]>, AppError> {
    match &person.stored_flags {
        Some(rows) => Ok(std::borrow::Cow::Borrowed(rows.as_slice())),
        None => Ok(std::borrow::Cow::Owned(
            stored(db, person.tenant_id()).await?,
        )),
    }
}

/// The person's tenant's flags.
pub async fn flags_of(
    db: &impl ConnectionTrait,
    person: &SessionUser,
) -> Result<HashMap<ToolId, bool>, AppError> {
    Ok(resolve_flags(person.tier(), &stored_of(db, person).await?))
}

/// The person's tenant's flags, and the groups each tool limited to groups is for.
pub async fn flags_and_limits_of(
    db: &impl ConnectionTrait,
    person: &SessionUser,
) -> Result<(HashMap<ToolId, bool>, HashMap<ToolId, Vec<i64>>), AppError> {
    let rows = stored_of(db, person).await?;
    Ok((resolve_flags(person.tier(), &rows), group_limits(&rows)))
}

/// The tools limited to groups, with the ids of those groups.
pub fn group_limits(stored: &[StoredFlag]) -> HashMap<ToolId, Vec<i64>> {
    stored
        .iter()
        .filter(|r| !r.groups.is_empty())
        .filter_map(|r| ToolId::from_flag(&r.flag).map(|t| (t, r.groups.clone())))
        .collect()
}

/// Each tool's flag from the stored rows: a tool with no stored row is on when the tier
/// includes it, and a tool outside the tier is always off.
pub fn resolve_flags(tier: Tier, stored: &[StoredFlag]) -> HashMap<ToolId, bool> {
    TOOLS
        .iter()
        .map(|t| {
            let on = stored
                .iter()
                .find(|r| r.flag == t.flag)
                .map_or(tier.includes(t.id), |r| r.enabled);
            (t.id, on && tier.includes(t.id))
        })
        .collect()
}

/// Stores one flag of a tenant (insert or update).
async fn write_flag(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    tool: ToolId,
    enabled: bool,
) -> Result<(), DbErr> {
    tenant_features::Entity::insert(tenant_features::ActiveModel {
        tenant_id: Set(tenant_id),
        flag: Set(tool.info().flag.to_owned()),
        enabled: Set(enabled),
        groups: sea_orm::ActiveValue::NotSet,
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            tenant_features::Column::TenantId,
            tenant_features::Column::Flag,
        ])
        .update_columns([
            tenant_features::Column::Enabled,
            tenant_features::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    crate::entities::changes::announce(crate::entities::changes::Change::Tenant(tenant_id));
    Ok(())
}

/// Writes the flags a tier implies: on for every tool it includes, off for the rest.
pub async fn seed_flags(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    tier: Tier,
) -> Result<(), DbErr> {
    for tool in &TOOLS {
        write_flag(db, tenant_id, tool.id, tier.includes(tool.id)).await?;
    }
    Ok(())
}

pub async fn features_view(
    db: &DatabaseConnection,
    admin: &SessionUser,
) -> Result<FeaturesView, AppError> {
    // The company as it is now, not as the request found it: the JSON API answers a change
    // with this view on the same request.
    let now = SessionUser::load_active(db, admin.user.id)
        .await
        .or_internal("reading a tenant")?
        .ok_or(AppError::Forbidden(
            "Your account is no longer active.".into(),
        ))?;
    let (tenant, tier) = (&now.tenant, now.tier());
    let flags = flags_of(db, &now).await?;
    Ok(FeaturesView {
        tier: tier.label().to_owned(),
        require_two_factor: tenant.require_two_factor,
        admin_has_two_factor: admin.user.two_factor_enabled_at.is_some(),
        default_language: tenant.default_locale.clone(),
        rows: TOOLS
            .iter()
            .map(|t| FeatureRow {
                flag: t.id,
                title: t.title.to_owned(),
                enabled: flags[&t.id],
                in_tier: tier.includes(t.id),
                tier_needed: (!tier.includes(t.id))
                    .then(|| Tier::lowest_including(t.id).label().to_owned()),
            })
            .collect(),
    })
}

/// Switches one tool on or off for the admin's tenant, within the tier, with an audit row.
pub async fn set_feature(
    db: &DatabaseConnection,
    admin: &SessionUser,
    tool: ToolId,
    enabled: bool,
) -> Result<(), AppError> {
    let tier = admin.tier();
    if enabled && !tier.includes(tool) {
        return Err(AppError::SubscriptionLimit(format!(
            "{} is not included in the {} plan. The {} plan includes it.",
            tool.info().title,
            tier.label(),
            Tier::lowest_including(tool).label()
        )));
    }
    let before = flags_of(db, admin).await?[&tool];
    let txn = db.begin().await.or_internal("switching a feature")?;
    write_flag(&txn, admin.tenant_id(), tool, enabled)
        .await
        .or_internal("switching a feature")?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: if enabled {
                AuditAction::FeatureEnabled
            } else {
                AuditAction::FeatureDisabled
            },
            target: tool.info().flag,
            before: Some(serde_json::json!({ "enabled": before })),
            after: Some(serde_json::json!({ "enabled": enabled })),
        },
    )
    .await?;
    txn.commit().await.or_internal("switching a feature")?;
    Ok(())
}

/// Requires (or stops requiring) two-factor sign-in of everyone in the admin's company,
/// audited. An admin must have it on themselves before requiring it.
pub async fn set_two_factor_requirement(
    db: &DatabaseConnection,
    admin: &SessionUser,
    required: bool,
) -> Result<(), AppError> {
    if required && admin.user.two_factor_enabled_at.is_none() {
        return Err(AppError::Conflict {
            field: "required".into(),
            message: "Turn on two-factor sign-in for yourself first (Settings → Security), so you keep your own access.".into(),
        });
    }
    let before = admin.tenant.require_two_factor;
    let txn = db
        .begin()
        .await
        .or_internal("changing the two-factor requirement")?;
    tenants::ActiveModel {
        id: Set(admin.tenant_id()),
        require_two_factor: Set(required),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("changing the two-factor requirement")?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: AuditAction::TwoFactorRequirement,
            target: &admin.tenant.slug,
            before: Some(serde_json::json!({ "required": before })),
            after: Some(serde_json::json!({ "required": required })),
        },
    )
    .await?;
    txn.commit()
        .await
        .or_internal("changing the two-factor requirement")?;
    Ok(())
}

/// Changes a tenant's tier (the operator's command). Tools the new tier lacks are switched
/// off; tools it newly includes are switched on, as for a new tenant.
pub async fn set_tier(
    db: &DatabaseConnection,
    slug: &str,
    tier: Tier,
) -> Result<(tenants::Model, Tier), AppError> {
    let tenant = tenants::Entity::find()
        .filter(tenants::Column::Slug.eq(slug))
        .one(db)
        .await
        .or_internal("reading a tenant")?
        .ok_or_else(|| AppError::NotFound(format!("There is no tenant with the slug {slug}.")))?;
    let before = tenant.tier;
    let current = flags(db, &tenant).await?;
    let txn = db.begin().await.or_internal("changing a tier")?;
    tenants::ActiveModel {
        id: Set(tenant.id),
        tier: Set(tier),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("changing a tier")?;
    for tool in &TOOLS {
        let enabled = if !tier.includes(tool.id) {
            false
        } else if !before.includes(tool.id) {
            true
        } else {
            current[&tool.id]
        };
        write_flag(&txn, tenant.id, tool.id, enabled)
            .await
            .or_internal("changing a tier")?;
    }
    record(
        &txn,
        Event {
            tenant_id: tenant.id,
            actor_user_id: None,
            action: AuditAction::TenantTierChanged,
            target: &tenant.slug,
            before: Some(serde_json::json!({ "tier": before.as_str() })),
            after: Some(serde_json::json!({ "tier": tier.as_str() })),
        },
    )
    .await?;
    txn.commit().await.or_internal("changing a tier")?;
    Ok((tenant, before))
}

/// Every tenant, by slug.
pub async fn all(db: &DatabaseConnection) -> Result<Vec<tenants::Model>, AppError> {
    tenants::Entity::find()
        .order_by_asc(tenants::Column::Slug)
        .all(db)
        .await
        .or_internal("listing tenants")
}

#[cfg(test)]
mod tests {
    use super::{group_limits, resolve_flags};
    use crate::domain::{Tier, ToolId};
    use crate::person::{parse_group_ids, StoredFlag};

    fn row(flag: &str, enabled: bool, groups: Vec<i64>) -> StoredFlag {
        StoredFlag {
            flag: flag.to_owned(),
            enabled,
            groups,
        }
    }

    #[test]
    fn stored_rows_decide_within_the_tier_and_missing_rows_follow_it() {
        let stored = vec![
            row("meeting_insights", false, vec![]),
            // Stored on, but the Free plan does not include it: off.
            row("writing_assistance", true, vec![]),
        ];
        let free = resolve_flags(Tier::Free, &stored);
        assert!(!free[&ToolId::WritingAssistance]);
        assert!(
            free[&ToolId::TaskPrioritization],
            "no row: the tier's default"
        );
        assert!(!free[&ToolId::CommunicationStyle], "outside the tier");

        let pro = resolve_flags(Tier::Professional, &stored);
        assert!(pro[&ToolId::WritingAssistance]);
        assert!(!pro[&ToolId::MeetingInsights], "switched off by an admin");
        assert!(pro[&ToolId::CommunicationStyle], "no row: on in the tier");
        assert_eq!(pro.len(), 6);
    }

    #[test]
    fn group_limits_are_read_from_the_stored_rows() {
        assert_eq!(parse_group_ids(Some("3, 7,x,")), vec![3, 7]);
        assert!(parse_group_ids(None).is_empty());
        assert!(parse_group_ids(Some("")).is_empty());
        let stored = vec![
            row("writing_assistance", true, vec![4, 9]),
            row("meeting_insights", true, vec![]),
            row("no_such_tool", true, vec![1]),
        ];
        let limits = group_limits(&stored);
        assert_eq!(limits.len(), 1);
        assert_eq!(limits[&ToolId::WritingAssistance], vec![4, 9]);
    }
}
