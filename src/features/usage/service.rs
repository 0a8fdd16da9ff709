//! Reading a person's AI calls back for them.

use super::{Allowance, CallRow, MonthTotals, ToolMonth, UsageView, LAST_CALLS};
use crate::domain::{KeyNeed, ToolId, TOOLS};
use crate::entities::{ai_calls, ai_usage};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use crate::util::rfc3339;
use chrono::{Datelike, TimeZone, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

impl MonthTotals {
    fn add(&mut self, call: &ai_calls::Model) {
        self.calls += 1;
        self.prompt_tokens += call.prompt_tokens;
        self.completion_tokens += call.completion_tokens;
        if super::is_failure(&call.outcome) {
            self.errors += 1;
        }
    }
}

pub async fn usage_view(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<UsageView, AppError> {
    let mine = || {
        ai_calls::Entity::find()
            .filter(ai_calls::Column::TenantId.eq(person.tenant_id()))
            .filter(ai_calls::Column::UserId.eq(person.user.id))
    };
    let now = Utc::now();
    let month_start = Utc
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now);
    // A person's month is bounded by the daily allowance (at most a few thousand rows).
    let month = mine()
        .filter(ai_calls::Column::CreatedAt.gte(month_start))
        .all(db)
        .await
        .or_internal("reading your AI usage")?;
    let mut by_tool: Vec<ToolMonth> = TOOLS
        .iter()
        .filter(|t| t.key != KeyNeed::None)
        .map(|t| ToolMonth {
            tool: t.id,
            totals: MonthTotals::default(),
        })
        .collect();
    let mut total = MonthTotals::default();
    for call in &month {
        total.add(call);
        if let Some(row) = by_tool.iter_mut().find(|r| r.tool.info().flag == call.tool) {
            row.totals.add(call);
        }
    }
    let last = mine()
        .order_by_desc(ai_calls::Column::Id)
        .limit(LAST_CALLS)
        .all(db)
        .await
        .or_internal("reading your AI usage")?
        .into_iter()
        .filter_map(|c| {
            Some(CallRow {
                tool: ToolId::from_flag(&c.tool)?,
                at: rfc3339(c.created_at),
                model: c.model,
                prompt_tokens: c.prompt_tokens,
                completion_tokens: c.completion_tokens,
                latency_ms: c.latency_ms,
                outcome: c.outcome,
            })
        })
        .collect();
    let used = ai_usage::Entity::find_by_id((person.user.id, now.format("%Y-%m-%d").to_string()))
        .one(db)
        .await
        .or_internal("reading your AI usage")?
        .filter(|u| u.tenant_id == person.tenant_id())
        .map_or(0, |u| i64::from(u.calls));
    Ok(UsageView {
        month: now.format("%Y-%m").to_string(),
        by_tool,
        total,
        today: Allowance {
            used,
            per_day: i64::from(person.tier().limits().ai_calls_per_user_per_day),
        },
        last,
        budgets: crate::features::budgets::manage::my_budgets(db, person, now).await?,
    })
}
