//! Budgets on the server: reserving a call's tokens before it goes out and settling what it
//! used after (the budgets' pages and their changes are in `manage`).
//!
//! The month's counters (`token_spend`) are kept for the company (`user_id` 0) and for each
//! person, budget or not, and for each group that has a budget ([`Holder`]). A reservation is one `UPDATE … SET reserved = reserved + n WHERE
//! used + reserved + n <= budget` per scope: the database applies it row by row (a write
//! lock on SQLite, a row lock on PostgreSQL that re-reads the condition), so calls reserving
//! at once, on any replica, cannot together pass a budget.

use super::{BudgetScope, BudgetState};
use crate::entities::{ai_calls, group_members, member_groups, token_budgets, token_spend};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// The `user_id` of the company's own budget and counters.
pub const COMPANY: i64 = 0;

/// Whose budget, or month's counter, a row is. Stored as one number (the `user_id` of
/// `token_budgets` and `token_spend`): 0 for the company, a person's id, or minus a group's
/// id — the ids of people and groups are positive, so the three never meet, and one counter
/// table and one conditional update serve all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Company,
    Person(i64),
    Group(i64),
}

impl Holder {
    pub fn key(self) -> i64 {
        match self {
            Holder::Company => COMPANY,
            Holder::Person(id) => id,
            Holder::Group(id) => -id,
        }
    }

    pub fn of_key(key: i64) -> Self {
        match key {
            COMPANY => Holder::Company,
            id if id > 0 => Holder::Person(id),
            id => Holder::Group(-id),
        }
    }

    /// Whose budget a form or a request names: a person, a group, or neither (the company).
    pub fn of_choice(person: Option<i64>, group: Option<i64>) -> Result<Self, AppError> {
        match (person, group) {
            (None, None) => Ok(Holder::Company),
            (Some(id), None) => Ok(Holder::Person(id)),
            (None, Some(id)) => Ok(Holder::Group(id)),
            (Some(_), Some(_)) => Err(AppError::validation(
                "group",
                "A budget is for the company, one group or one person: name one of them.",
            )),
        }
    }

    fn scope(self) -> BudgetScope {
        match self {
            Holder::Company => BudgetScope::Company,
            Holder::Person(_) => BudgetScope::Person,
            Holder::Group(_) => BudgetScope::Group,
        }
    }
}

/// `2026-12`: the month `now` counts in (UTC).
pub fn month_of(now: DateTime<Utc>) -> String {
    now.format("%Y-%m").to_string()
}

fn month_start(now: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now)
}

/// The first day of the next month, when the counts start again.
pub fn resets_on(now: DateTime<Utc>) -> NaiveDate {
    let first = month_start(now).date_naive();
    first.checked_add_months(Months::new(1)).unwrap_or(first)
}

/// "1 January 2027".
pub fn date_words(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

/// The tokens a call may use at most, as far as can be known before it goes out: its
/// prompt (about four characters a token) and the longest answer it asks for. A call whose
/// answer must be asked for again (one repair) can use more; it settles what it used.
pub fn estimate(prompt_chars: usize, max_tokens: u32) -> i64 {
    i64::try_from(prompt_chars.div_ceil(4)).unwrap_or(i64::MAX / 2) + i64::from(max_tokens)
}

/// Tokens a running call holds in its company's, its person's and — where they have a
/// budget — its person's groups' month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub tenant_id: i64,
    pub user_id: i64,
    /// The groups with a budget the person was in when the call reserved, by id.
    pub groups: Vec<i64>,
    pub month: String,
    pub tokens: i64,
}

impl Reservation {
    /// The counters the reservation is held in: the company's, the groups', the person's.
    fn holders(&self) -> Vec<Holder> {
        std::iter::once(Holder::Company)
            .chain(self.groups.iter().map(|&g| Holder::Group(g)))
            .chain(std::iter::once(Holder::Person(self.user_id)))
            .collect()
    }

    /// The groups as the call's row keeps them: `3,7`.
    pub fn groups_text(&self) -> String {
        self.groups
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn spend_of(tenant_id: i64, user_id: i64, month: &str) -> sea_orm::Select<token_spend::Entity> {
    token_spend::Entity::find()
        .filter(token_spend::Column::TenantId.eq(tenant_id))
        .filter(token_spend::Column::UserId.eq(user_id))
        .filter(token_spend::Column::Month.eq(month))
}

/// The people of group `id`, as a subquery.
fn people_of_group(id: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(group_members::Column::UserId)
        .from(group_members::Entity)
        .and_where(Expr::col(group_members::Column::GroupId).eq(id))
        .to_owned()
}

/// Makes the month's counter of a scope when it has none, starting from the tokens its calls
/// already used this month (calls made before budgets existed, or before the first call of
/// the month reserved; for a group, its people's calls this month).
pub(super) async fn ensure_spend(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    holder: Holder,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let month = month_of(now);
    let user_id = holder.key();
    if spend_of(tenant_id, user_id, &month)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let mut calls = ai_calls::Entity::find()
        .select_only()
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS BIGINT)"),
            "used",
        )
        .filter(ai_calls::Column::TenantId.eq(tenant_id))
        .filter(ai_calls::Column::CreatedAt.gte(month_start(now)));
    match holder {
        Holder::Company => {}
        Holder::Person(id) => calls = calls.filter(ai_calls::Column::UserId.eq(id)),
        Holder::Group(id) => {
            calls = calls.filter(ai_calls::Column::UserId.in_subquery(people_of_group(id)));
        }
    }
    let used: i64 = calls.into_tuple().one(db).await?.unwrap_or(0);
    token_spend::Entity::insert(token_spend::ActiveModel {
        tenant_id: Set(tenant_id),
        user_id: Set(user_id),
        month: Set(month),
        used_tokens: Set(used),
        reserved_tokens: Set(0),
        warned_percent: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            token_spend::Column::TenantId,
            token_spend::Column::UserId,
            token_spend::Column::Month,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Adds `tokens` to a scope's reserve when it fits its budget (`None`: no budget, always
/// fits). `false` when it does not.
async fn try_reserve(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    user_id: i64,
    month: &str,
    tokens: i64,
    budget: Option<i64>,
) -> Result<bool, DbErr> {
    let mut update = token_spend::Entity::update_many()
        .col_expr(
            token_spend::Column::ReservedTokens,
            Expr::col(token_spend::Column::ReservedTokens).add(tokens),
        )
        .filter(token_spend::Column::TenantId.eq(tenant_id))
        .filter(token_spend::Column::UserId.eq(user_id))
        .filter(token_spend::Column::Month.eq(month));
    if let Some(budget) = budget {
        update = update.filter(
            Expr::expr(
                Expr::col(token_spend::Column::UsedTokens)
                    .add(Expr::col(token_spend::Column::ReservedTokens))
                    .add(tokens),
            )
            .lte(budget),
        );
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// The budgets that cover `user_id`'s calls — the company's, their groups', their own — in
/// one query: (whose, monthly tokens), groups by id.
pub(super) async fn budgets_of(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    user_id: i64,
) -> Result<Vec<(Holder, i64)>, DbErr> {
    let their_groups = Query::select()
        .expr(Expr::col(group_members::Column::GroupId).mul(-1))
        .from(group_members::Entity)
        .and_where(Expr::col(group_members::Column::UserId).eq(user_id))
        .and_where(Expr::col(group_members::Column::TenantId).eq(tenant_id))
        .to_owned();
    let mut rows: Vec<(Holder, i64)> = token_budgets::Entity::find()
        .filter(token_budgets::Column::TenantId.eq(tenant_id))
        .filter(
            Condition::any()
                .add(token_budgets::Column::UserId.is_in([COMPANY, user_id]))
                .add(token_budgets::Column::UserId.in_subquery(their_groups)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|r| (Holder::of_key(r.user_id), r.monthly_tokens))
        .collect();
    rows.sort_by_key(|(h, _)| match h {
        Holder::Group(id) => *id,
        _ => 0,
    });
    Ok(rows)
}

/// The names of a company's groups `ids`.
pub(super) async fn group_names(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(tenant_id))
        .filter(member_groups::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(member_groups::Column::NameKey)
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect())
}

/// A budget's month as a person sees it.
pub(super) async fn state_of(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    holder: Holder,
    monthly_tokens: i64,
    group: Option<String>,
    month: &str,
) -> Result<BudgetState, DbErr> {
    let spend = spend_of(tenant_id, holder.key(), month).one(db).await?;
    Ok(BudgetState {
        scope: holder.scope(),
        group,
        monthly_tokens,
        used_tokens: spend.as_ref().map_or(0, |s| s.used_tokens),
        reserved_tokens: spend.as_ref().map_or(0, |s| s.reserved_tokens),
    })
}

/// Reserves `tokens` for one of `person`'s calls in their company's, their groups' (those
/// with a budget) and their own month, refusing (`RATE_LIMITED`, until the budget renews)
/// when any of those budgets cannot hold it.
pub async fn reserve(
    db: &impl ConnectionTrait,
    person: &SessionUser,
    tokens: i64,
    now: DateTime<Utc>,
) -> Result<Reservation, AppError> {
    let why = "reserving the call's tokens";
    let tenant_id = person.tenant_id();
    let user_id = person.user.id;
    let month = month_of(now);
    let budgets = budgets_of(db, tenant_id, user_id).await.or_internal(why)?;
    let budget_of = |holder: Holder| {
        budgets
            .iter()
            .find(|(h, _)| *h == holder)
            .map(|&(_, tokens)| tokens)
    };
    let reservation = Reservation {
        tenant_id,
        user_id,
        groups: budgets
            .iter()
            .filter_map(|(h, _)| match h {
                Holder::Group(id) => Some(*id),
                _ => None,
            })
            .collect(),
        month: month.clone(),
        tokens,
    };
    let holders = reservation.holders();
    for (i, &holder) in holders.iter().enumerate() {
        let budget = budget_of(holder);
        let key = holder.key();
        let mut held = try_reserve(db, tenant_id, key, &month, tokens, budget)
            .await
            .or_internal(why)?;
        if !held {
            ensure_spend(db, tenant_id, holder, now)
                .await
                .or_internal(why)?;
            held = try_reserve(db, tenant_id, key, &month, tokens, budget)
                .await
                .or_internal(why)?;
        }
        if !held {
            // Give back what the scopes before this one took.
            for before in &holders[..i] {
                give_back(db, tenant_id, before.key(), &month, tokens, 0)
                    .await
                    .or_internal(why)?;
            }
            let name = match holder {
                Holder::Group(id) => group_names(db, tenant_id, &[id])
                    .await
                    .or_internal(why)?
                    .pop()
                    .map(|(_, name)| name),
                _ => None,
            };
            let state = state_of(db, tenant_id, holder, budget.unwrap_or(0), name, &month)
                .await
                .or_internal(why)?;
            return Err(refusal(&state, tokens, now));
        }
    }
    Ok(reservation)
}

/// "the Sales group's" / "your company's" / "your".
fn whose_words(state: &BudgetState) -> String {
    match (state.scope, &state.group) {
        (BudgetScope::Company, _) => "your company's".to_owned(),
        (BudgetScope::Person, _) => "your".to_owned(),
        (BudgetScope::Group, Some(name)) => format!("the {name} group's"),
        (BudgetScope::Group, None) => "your group's".to_owned(),
    }
}

/// Why a call does not fit `state`, and how long until the month renews.
fn refusal(state: &BudgetState, tokens: i64, now: DateTime<Utc>) -> AppError {
    let renews = resets_on(now);
    let whose = whose_words(state);
    let budget = super::grouped(state.monthly_tokens);
    let message = if state.used_tokens >= state.monthly_tokens {
        let mut whose = whose.clone();
        whose[..1].make_ascii_uppercase();
        format!(
            "{whose} monthly AI budget of {budget} tokens is used up ({} used). It renews on {}; until then an administrator can raise it (Admin → Budgets).",
            super::grouped(state.used_tokens),
            date_words(renews),
        )
    } else {
        format!(
            "This call could use up to {} tokens, and {} are left of {whose} monthly AI budget of {budget} tokens until it renews on {}. Shorten the text, or ask an administrator to raise the budget (Admin → Budgets).",
            super::grouped(tokens),
            super::grouped(state.left()),
            date_words(renews),
        )
    };
    let renewal = renews.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc());
    AppError::RateLimited {
        message,
        retry_after_secs: (renewal - now).num_seconds().max(1),
    }
}

/// Takes `reserved` out of a scope's reserve and adds `used` to what it used.
async fn give_back(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    user_id: i64,
    month: &str,
    reserved: i64,
    used: i64,
) -> Result<(), DbErr> {
    token_spend::Entity::update_many()
        .col_expr(
            token_spend::Column::ReservedTokens,
            Expr::col(token_spend::Column::ReservedTokens).sub(reserved),
        )
        .col_expr(
            token_spend::Column::UsedTokens,
            Expr::col(token_spend::Column::UsedTokens).add(used),
        )
        .filter(token_spend::Column::TenantId.eq(tenant_id))
        .filter(token_spend::Column::UserId.eq(user_id))
        .filter(token_spend::Column::Month.eq(month))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends a reservation: its tokens leave the reserve, and the `used` tokens (0 for a call
/// that never went out) count in the month it was made in.
pub async fn settle(
    db: &impl ConnectionTrait,
    reservation: &Reservation,
    used: i64,
) -> Result<(), DbErr> {
    for holder in reservation.holders() {
        give_back(
            db,
            reservation.tenant_id,
            holder.key(),
            &reservation.month,
            reservation.tokens,
            used,
        )
        .await?;
    }
    Ok(())
}

/// The reservation an unfinished call row holds (the month it was made in).
pub fn reservation_of(call: &ai_calls::Model) -> Reservation {
    Reservation {
        tenant_id: call.tenant_id,
        user_id: call.user_id,
        groups: crate::person::parse_group_ids(Some(&call.reserved_groups)),
        month: month_of(call.created_at),
        tokens: call.reserved_tokens,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_renew_on_the_first_of_the_next_month() {
        let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 15, 30, 0).unwrap();
        assert_eq!(month_of(at(2026, 12, 6)), "2026-12");
        assert_eq!(resets_on(at(2026, 12, 31)).to_string(), "2027-01-01");
        assert_eq!(resets_on(at(2026, 2, 1)).to_string(), "2026-03-01");
        assert_eq!(date_words(resets_on(at(2026, 12, 6))), "1 January 2027");
    }

    #[test]
    fn a_call_reserves_its_prompt_and_its_longest_answer() {
        assert_eq!(estimate(0, 800), 800);
        assert_eq!(estimate(4001, 800), 1001 + 800);
    }

    #[test]
    fn refusals_say_which_budget_what_is_left_and_when_it_renews() {
        let now = Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap();
        let spent = BudgetState {
            scope: BudgetScope::Company,
            group: None,
            monthly_tokens: 10_000,
            used_tokens: 10_250,
            reserved_tokens: 0,
        };
        let e = refusal(&spent, 900, now);
        assert_eq!(e.code(), "RATE_LIMITED");
        assert!(
            e.message().starts_with(
                "Your company's monthly AI budget of 10,000 tokens is used up (10,250 used)"
            ),
            "{}",
            e.message()
        );
        assert!(e.message().contains("1 January 2027"), "{}", e.message());
        assert!(matches!(
            e,
            AppError::RateLimited {
                retry_after_secs: 3600,
                ..
            }
        ));
        let tight = BudgetState {
            scope: BudgetScope::Person,
            group: None,
            monthly_tokens: 10_000,
            used_tokens: 9_000,
            reserved_tokens: 500,
        };
        let e = refusal(&tight, 900, now);
        assert!(e.message().starts_with("This call could use up to 900 tokens, and 500 are left of your monthly AI budget of 10,000 tokens"), "{}", e.message());
        let group = BudgetState {
            scope: BudgetScope::Group,
            group: Some("Sales".into()),
            ..spent
        };
        let e = refusal(&group, 900, now);
        assert!(
            e.message()
                .starts_with("The Sales group's monthly AI budget of 10,000 tokens is used up"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn holders_share_one_key_without_meeting() {
        for holder in [Holder::Company, Holder::Person(7), Holder::Group(7)] {
            assert_eq!(Holder::of_key(holder.key()), holder);
        }
        assert_ne!(Holder::Person(7).key(), Holder::Group(7).key());
        let r = Reservation {
            tenant_id: 1,
            user_id: 9,
            groups: vec![3, 5],
            month: "2026-12".into(),
            tokens: 10,
        };
        assert_eq!(
            r.holders(),
            [
                Holder::Company,
                Holder::Group(3),
                Holder::Group(5),
                Holder::Person(9)
            ]
        );
        assert_eq!(r.groups_text(), "3,5");
    }
}
