//! How long usage records and audit events are kept: `DIGAME_RETENTION_MONTHS` (13 by
//! default, so a year can be compared with the one before), after which an hourly job on
//! one replica deletes them. Only records are deleted: tasks, keys, saved answers and the
//! people themselves stay as long as their owners keep them. The same round closes calls
//! that never ended (recorded `interrupted`), so they stop showing as running, and gives back
//! the tokens they held in their budgets.

use crate::entities::{ai_calls, ai_usage, audit_events};
use crate::features::budgets::service as budgets;
use chrono::{DateTime, Months, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait};

/// What one round deleted, and the calls it closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    pub ai_calls: u64,
    pub ai_usage_days: u64,
    pub audit_events: u64,
    /// Calls still `pending` an hour after they started (their server stopped, or their
    /// client left a call that was not streamed), now `interrupted`.
    pub interrupted: u64,
}

/// A call still running after this long never ends: the longest call allowed
/// (`DIGAME_AI_TIMEOUT_SECONDS` is at most 600 s) with a repair attempt is well under it.
pub const INTERRUPTED_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// The oldest moment still kept at `now`: `months` calendar months before it (the last day
/// of a shorter month when the day does not exist there).
pub fn kept_since(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Deletes the AI calls, daily AI counts and audit events older than `months` months, and
/// closes the calls that never ended ([`INTERRUPTED_AFTER`]).
pub async fn delete_expired(
    db: &DatabaseConnection,
    months: u32,
    now: DateTime<Utc>,
) -> Result<Removed, DbErr> {
    let since = kept_since(now, months);
    let ai_calls = ai_calls::Entity::delete_many()
        .filter(ai_calls::Column::CreatedAt.lt(since))
        .exec(db)
        .await?
        .rows_affected;
    let ai_usage_days = ai_usage::Entity::delete_many()
        .filter(ai_usage::Column::Day.lt(since.format("%Y-%m-%d").to_string()))
        .exec(db)
        .await?
        .rows_affected;
    let audit_events = audit_events::Entity::delete_many()
        .filter(audit_events::Column::CreatedAt.lt(since))
        .exec(db)
        .await?
        .rows_affected;
    let interrupted = close_unfinished(db, now).await?;
    Ok(Removed {
        ai_calls,
        ai_usage_days,
        audit_events,
        interrupted,
    })
}

/// Marks the calls still running after [`INTERRUPTED_AFTER`] `interrupted`, each with its
/// budgets' reservation given back in the same transaction; how many.
async fn close_unfinished(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let unfinished = ["pending", "cancel_requested"];
    let stale = ai_calls::Entity::find()
        .filter(ai_calls::Column::Outcome.is_in(unfinished))
        .filter(ai_calls::Column::CreatedAt.lt(now - INTERRUPTED_AFTER))
        .all(db)
        .await?;
    let mut closed = 0;
    for call in stale {
        let txn = db.begin().await?;
        let marked = ai_calls::Entity::update_many()
            .col_expr(ai_calls::Column::Outcome, Expr::value("interrupted"))
            .col_expr(ai_calls::Column::ReservedTokens, Expr::value(0))
            .filter(ai_calls::Column::Id.eq(call.id))
            .filter(ai_calls::Column::Outcome.is_in(unfinished))
            .exec(&txn)
            .await?
            .rows_affected;
        if marked == 1 && call.reserved_tokens > 0 {
            budgets::settle(&txn, &budgets::reservation_of(&call), 0).await?;
        }
        txn.commit().await?;
        closed += marked;
    }
    Ok(closed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_kept_window_counts_calendar_months() {
        let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap();
        assert_eq!(kept_since(at(2026, 12, 6), 13), at(2025, 11, 6));
        assert_eq!(kept_since(at(2026, 3, 31), 1), at(2026, 2, 28));
        assert_eq!(kept_since(at(2026, 1, 15), 120), at(2016, 1, 15));
    }
}
