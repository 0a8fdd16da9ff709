//! The budgets as people and admins read them (Your usage, Admin → Budgets) and the admins'
//! changes to them; the counters they read are kept by `service`.

use super::service::{
    budgets_of, ensure_spend, group_names, month_of, resets_on, state_of, Holder, COMPANY,
};
use super::{BudgetLine, BudgetsView, GroupBudget, MyBudgets, PersonBudget};
use crate::audit_log::{record, Event};
use crate::domain::AuditAction;
use crate::entities::{group_members, member_groups, token_budgets, token_spend, users};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

/// The person's budgets this month (those set).
pub async fn my_budgets(
    db: &impl ConnectionTrait,
    person: &SessionUser,
    now: DateTime<Utc>,
) -> Result<MyBudgets, AppError> {
    let why = "reading your budgets";
    let tenant_id = person.tenant_id();
    let mut set = budgets_of(db, tenant_id, person.user.id)
        .await
        .or_internal(why)?;
    let ids: Vec<i64> = set
        .iter()
        .filter_map(|(h, _)| match h {
            Holder::Group(id) => Some(*id),
            _ => None,
        })
        .collect();
    let names = group_names(db, tenant_id, &ids).await.or_internal(why)?;
    // The company's, the groups' by name, the person's own.
    set.sort_by_key(|(h, _)| match h {
        Holder::Company => 0,
        Holder::Group(id) => 1 + names.iter().position(|(g, _)| g == id).unwrap_or(0),
        Holder::Person(_) => usize::MAX,
    });
    let month = month_of(now);
    let mut budgets = Vec::new();
    for (holder, monthly_tokens) in set {
        ensure_spend(db, tenant_id, holder, now)
            .await
            .or_internal(why)?;
        let name = match holder {
            Holder::Group(id) => names.iter().find(|(g, _)| *g == id).map(|(_, n)| n.clone()),
            _ => None,
        };
        budgets.push(
            state_of(db, tenant_id, holder, monthly_tokens, name, &month)
                .await
                .or_internal(why)?,
        );
    }
    Ok(MyBudgets {
        resets_on: resets_on(now).to_string(),
        budgets,
    })
}

/// Admin → Budgets: the company's budget and everyone's, with the month's use.
pub async fn budgets_view(
    db: &impl ConnectionTrait,
    admin: &SessionUser,
    now: DateTime<Utc>,
) -> Result<BudgetsView, AppError> {
    let why = "reading the budgets";
    let tenant_id = admin.tenant_id();
    let month = month_of(now);
    let budgets = token_budgets::Entity::find()
        .filter(token_budgets::Column::TenantId.eq(tenant_id))
        .all(db)
        .await
        .or_internal(why)?;
    let spend = token_spend::Entity::find()
        .filter(token_spend::Column::TenantId.eq(tenant_id))
        .filter(token_spend::Column::Month.eq(month.as_str()))
        .all(db)
        .await
        .or_internal(why)?;
    let line = |user_id: i64| {
        let s = spend.iter().find(|s| s.user_id == user_id);
        BudgetLine {
            monthly_tokens: budgets
                .iter()
                .find(|b| b.user_id == user_id)
                .map(|b| b.monthly_tokens),
            used_tokens: s.map_or(0, |s| s.used_tokens),
            reserved_tokens: s.map_or(0, |s| s.reserved_tokens),
        }
    };
    let groups = member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(tenant_id))
        .order_by_asc(member_groups::Column::NameKey)
        .all(db)
        .await
        .or_internal(why)?;
    let sizes: Vec<(i64, i64)> = group_members::Entity::find()
        .select_only()
        .column(group_members::Column::GroupId)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .filter(group_members::Column::TenantId.eq(tenant_id))
        .group_by(group_members::Column::GroupId)
        .into_tuple()
        .all(db)
        .await
        .or_internal(why)?;
    let groups = groups
        .into_iter()
        .map(|g| GroupBudget {
            group_id: g.id,
            members: sizes
                .iter()
                .find(|(id, _)| *id == g.id)
                .map_or(0, |&(_, n)| u64::try_from(n).unwrap_or(0)),
            budget: line(Holder::Group(g.id).key()),
            name: g.name,
        })
        .collect();
    // A company is at most a few hundred people (the plan's seat limit).
    let people = users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .order_by_asc(users::Column::DisplayName)
        .order_by_asc(users::Column::Id)
        .all(db)
        .await
        .or_internal(why)?
        .into_iter()
        .map(|u| PersonBudget {
            user_id: u.id,
            budget: line(u.id),
            name: u.display_name,
            email: u.email,
            active: u.active,
        })
        .collect();
    Ok(BudgetsView {
        month,
        resets_on: resets_on(now).to_string(),
        company: line(COMPANY),
        groups,
        people,
    })
}

/// Sets (or, with `tokens` `None`, takes away) the company's budget, a group's or a
/// person's, audited. The month's counter is made when missing, so the page shows what the
/// month already used; a changed budget starts the month's warnings again from it.
pub async fn set_budget(
    db: &(impl ConnectionTrait + TransactionTrait),
    admin: &SessionUser,
    holder: Holder,
    tokens: Option<i64>,
) -> Result<(), AppError> {
    let why = "saving the budget";
    let tenant_id = admin.tenant_id();
    let target = match holder {
        Holder::Company => format!("{} (the company)", admin.tenant.name),
        Holder::Person(id) => {
            users::Entity::find_by_id(id)
                .filter(users::Column::TenantId.eq(tenant_id))
                .one(db)
                .await
                .or_internal(why)?
                .ok_or_else(|| {
                    AppError::validation("person", "There is no such member in your company.")
                })?
                .email
        }
        Holder::Group(id) => {
            let group = member_groups::Entity::find_by_id(id)
                .filter(member_groups::Column::TenantId.eq(tenant_id))
                .one(db)
                .await
                .or_internal(why)?
                .ok_or_else(|| {
                    AppError::validation("group", "There is no such group in your company.")
                })?;
            format!("{} (group)", group.name)
        }
    };
    let user_id = holder.key();
    let before = token_budgets::Entity::find_by_id((tenant_id, user_id))
        .one(db)
        .await
        .or_internal(why)?
        .map(|b| b.monthly_tokens);
    let txn = db.begin().await.or_internal(why)?;
    match tokens {
        Some(tokens) => {
            token_budgets::Entity::insert(token_budgets::ActiveModel {
                tenant_id: Set(tenant_id),
                user_id: Set(user_id),
                monthly_tokens: Set(tokens),
                updated_at: Set(Utc::now()),
            })
            .on_conflict(
                OnConflict::columns([
                    token_budgets::Column::TenantId,
                    token_budgets::Column::UserId,
                ])
                .update_columns([
                    token_budgets::Column::MonthlyTokens,
                    token_budgets::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .or_internal(why)?;
        }
        None => {
            token_budgets::Entity::delete_by_id((tenant_id, user_id))
                .exec(&txn)
                .await
                .or_internal(why)?;
        }
    }
    let now = Utc::now();
    ensure_spend(&txn, tenant_id, holder, now)
        .await
        .or_internal(why)?;
    // Saving the same budget again changes nothing (and sends no warning twice).
    if before != tokens {
        token_spend::Entity::update_many()
            .col_expr(token_spend::Column::WarnedPercent, Expr::value(0))
            .filter(token_spend::Column::TenantId.eq(tenant_id))
            .filter(token_spend::Column::UserId.eq(user_id))
            .filter(token_spend::Column::Month.eq(month_of(now)))
            .exec(&txn)
            .await
            .or_internal(why)?;
        record(
            &txn,
            Event {
                tenant_id,
                actor_user_id: Some(admin.user.id),
                action: AuditAction::BudgetChanged,
                target: &target,
                before: Some(serde_json::json!({ "monthly_tokens": before })),
                after: Some(serde_json::json!({ "monthly_tokens": tokens })),
            },
        )
        .await?;
    }
    txn.commit().await.or_internal(why)
}
