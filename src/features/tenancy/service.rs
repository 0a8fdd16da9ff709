//! Tenants and their feature flags. Every query is scoped to the caller's tenant, which
//! comes from the session (`SessionUser`), never from the request.

use super::{FeatureRow, FeaturesView};
use crate::audit_log::{record, Event};
use crate::domain::{AuditAction, Tier, ToolId, TOOLS};
use crate::entities::{tenant_features, tenants};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
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

/// The tenant's flags, read from the database.
pub async fn flags(
    db: &impl ConnectionTrait,
    tenant: &tenants::Model,
) -> Result<HashMap<ToolId, bool>, AppError> {
    let stored: Vec<(String, bool)> = tenant_features::Entity::find()
        .filter(tenant_features::Column::TenantId.eq(tenant.id))
        .all(db)
        .await
        .or_internal("reading feature flags")?
        .into_iter()
        .map(|r| (r.flag, r.enabled))
        .collect();
    Ok(resolve_flags(tenant.tier, &stored))
}

/// The person's tenant's flags: those read with the person on this request when they were
/// (every signed-in request does), otherwise from the database.
pub async fn flags_of(
    db: &impl ConnectionTrait,
    person: &SessionUser,
) -> Result<HashMap<ToolId, bool>, AppError> {
    match &person.stored_flags {
        Some(stored) => Ok(resolve_flags(person.tier(), stored)),
        None => flags(db, &person.tenant).await,
    }
}

/// Each tool's flag from the stored rows (flag name, on): a tool with no stored row is on
/// when the tier includes it, and a tool outside the tier is always off.
pub fn resolve_flags(tier: Tier, stored: &[(String, bool)]) -> HashMap<ToolId, bool> {
    TOOLS
        .iter()
        .map(|t| {
            let on = stored
                .iter()
                .find(|(flag, _)| flag == t.flag)
                .map_or(tier.includes(t.id), |(_, enabled)| *enabled);
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
    use super::resolve_flags;
    use crate::domain::{Tier, ToolId};

    #[test]
    fn stored_rows_decide_within_the_tier_and_missing_rows_follow_it() {
        let stored = vec![
            ("meeting_insights".to_owned(), false),
            // Stored on, but the Free plan does not include it: off.
            ("writing_assistance".to_owned(), true),
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
}
