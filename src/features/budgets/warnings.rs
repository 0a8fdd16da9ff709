//! The budget warning mails: when a budget's month passes 80 % and again at 100 %, its
//! company's administrators — and, for a person's budget, the person — get one mail, if
//! they kept budget warnings on (Settings → Profile). A group's people see its notice on
//! Your usage; the mail about a group's budget goes to the administrators. A round runs every quarter hour on
//! each replica; a budget's level is claimed with one conditional update in the transaction
//! that puts the mails in the outbox, so each warning goes out once.

use super::{grouped, percent_of, WARN_PERCENT};
use crate::config::Settings;
use crate::domain::Role;
use crate::entities::{member_groups, notification_settings, token_budgets, token_spend, users};
use crate::features::mail::{service as mail, Mail};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait};

use super::service::{date_words, month_of, resets_on, Holder};

/// The warning a month at `percent` of its budget is due: 100, 80, or none.
pub fn level(percent: i64) -> i32 {
    if percent >= 100 {
        100
    } else if percent >= WARN_PERCENT {
        80
    } else {
        0
    }
}

/// Sends the warnings due; how many mails went to the outbox.
pub async fn send_due(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let month = month_of(now);
    let origin = crate::web::ctx::origin_of(settings, &http::HeaderMap::new());
    let mut sent = 0;
    for budget in token_budgets::Entity::find().all(db).await? {
        let Some(spend) =
            token_spend::Entity::find_by_id((budget.tenant_id, budget.user_id, month.clone()))
                .one(db)
                .await?
        else {
            continue;
        };
        let percent = percent_of(spend.used_tokens, budget.monthly_tokens);
        let due = level(percent);
        if due <= spend.warned_percent {
            continue;
        }
        let txn = db.begin().await?;
        let claimed = token_spend::Entity::update_many()
            .col_expr(token_spend::Column::WarnedPercent, Expr::value(due))
            .filter(token_spend::Column::TenantId.eq(budget.tenant_id))
            .filter(token_spend::Column::UserId.eq(budget.user_id))
            .filter(token_spend::Column::Month.eq(month.as_str()))
            .filter(token_spend::Column::WarnedPercent.lt(due))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if claimed {
            for mail in mails(&txn, &budget, &spend, percent, &origin, now).await? {
                mail::enqueue_raw(&txn, Some(budget.tenant_id), mail).await?;
                sent += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(sent)
}

/// The warning mails of one budget: to each active, confirmed admin, and to the person whose
/// budget it is, who kept budget warnings on.
async fn mails(
    db: &impl sea_orm::ConnectionTrait,
    budget: &token_budgets::Model,
    spend: &token_spend::Model,
    percent: i64,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Mail>, DbErr> {
    let people = users::Entity::find()
        .filter(users::Column::TenantId.eq(budget.tenant_id))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::EmailVerifiedAt.is_not_null())
        .filter(
            sea_orm::Condition::any()
                .add(users::Column::Role.eq(Role::Admin))
                .add(users::Column::Id.eq(budget.user_id)),
        )
        .all(db)
        .await?;
    let declined: Vec<i64> = notification_settings::Entity::find()
        .filter(notification_settings::Column::TenantId.eq(budget.tenant_id))
        .filter(notification_settings::Column::BudgetWarnings.eq(false))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect();
    let whose = match Holder::of_key(budget.user_id) {
        Holder::Company => "Your company's monthly AI budget".to_owned(),
        Holder::Person(id) => people.iter().find(|u| u.id == id).map_or_else(
            || "A member's monthly AI budget".to_owned(),
            |u| format!("{}'s monthly AI budget", u.display_name),
        ),
        Holder::Group(id) => member_groups::Entity::find_by_id(id)
            .one(db)
            .await?
            .map_or_else(
                || "A group's monthly AI budget".to_owned(),
                |g| format!("The {} group's monthly AI budget", g.name),
            ),
    };
    let spent = percent >= 100;
    let renews = date_words(resets_on(now));
    let mut out = Vec::new();
    for person in people.iter().filter(|u| !declined.contains(&u.id)) {
        let own = person.id == budget.user_id;
        let subject = match (own, spent) {
            (true, true) => "Your monthly AI budget is used up".to_owned(),
            (true, false) => format!("You have used {percent}% of your monthly AI budget"),
            (false, true) => format!("{whose} is used up"),
            (false, false) => format!("{whose} is {percent}% used"),
        };
        let status = format!(
            "{} of {} tokens used this month ({percent}%). The budget renews on {renews}.",
            grouped(spend.used_tokens),
            grouped(budget.monthly_tokens),
        );
        let next = if spent {
            "AI calls that it covers are refused until then."
        } else {
            "AI calls are refused once it is used up."
        };
        let link = if person.role == Role::Admin {
            format!("Budgets can be changed on Admin → Budgets: {origin}/admin/budgets")
        } else {
            format!("Your usage: {origin}/settings/usage. An administrator of your company can raise the budget.")
        };
        out.push(Mail {
            to: person.email.clone(),
            subject,
            body: format!(
                "Hello {},\n\n{}: {status} {next}\n\n{link}\n\n\
                 You get this mail because budget warnings are on in your profile ({origin}/settings/profile#mail).\n",
                person.display_name,
                if own { "Your monthly AI budget" } else { &whose },
            ),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_due_at_eighty_and_at_one_hundred_percent() {
        assert_eq!(level(0), 0);
        assert_eq!(level(79), 0);
        assert_eq!(level(80), 80);
        assert_eq!(level(99), 80);
        assert_eq!(level(100), 100);
        assert_eq!(level(250), 100);
    }
}
