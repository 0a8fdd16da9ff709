//! The weekly digest: for each active person with the digest on, once per ISO week from
//! Monday 07:00 UTC, a mail with their overdue tasks, the tasks due in the next seven days
//! what they used the AI tools for in the last seven days, and, when they saved an email
//! analysis in those days, how its figures changed since the analysis saved before it. A
//! week with nothing to say sends nothing.
//!
//! Once per person and week across replicas: a replica claims the week by moving the
//! person's `digest_week` to it in the same transaction that puts the mail in the outbox;
//! a replica that finds the week already claimed (the update touches no row) sends nothing.

use super::service::{defaults, unsubscribe_token, wizard_digest};
use super::UNSUBSCRIBE_PATH;
use crate::config::Settings;
use crate::domain::{TaskStatus, ToolId};
use crate::entities::{
    ai_calls, notification_settings as rows, onboarding_states, saved_results, tasks, users,
};
use crate::features::email::{duration_words, EmailAnalysis};
use crate::features::mail::{service as mail, Mail};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::BTreeMap;

/// The ISO week of `now`, as stored: `2026-W49`.
pub fn iso_week(now: DateTime<Utc>) -> String {
    let w = now.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// Whether this week's digests may go out: from Monday 07:00 UTC to the week's end.
pub fn week_open(now: DateTime<Utc>) -> bool {
    !(now.weekday() == Weekday::Mon && now.hour() < 7)
}

/// What the digest says, before it becomes a mail.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Week {
    /// Open tasks due before today, oldest first: title and due date.
    pub overdue: Vec<(String, NaiveDate)>,
    /// Open tasks due today or in the next six days, soonest first.
    pub due: Vec<(String, NaiveDate)>,
    /// AI calls of the last seven days per tool: calls and tokens.
    pub ai: BTreeMap<&'static str, (i64, i64)>,
    /// An email analysis saved in the last seven days, against the one saved before it.
    pub mail: Option<MailChange>,
}

/// The person's newest saved email analysis, its figures beside those of the analysis
/// saved before it (when there is one).
#[derive(Debug, PartialEq, Eq)]
pub struct MailChange {
    pub title: String,
    pub before: Option<String>,
    /// What is measured, now, and before.
    pub figures: Vec<(&'static str, String, Option<String>)>,
}

impl Week {
    pub fn is_empty(&self) -> bool {
        self.overdue.is_empty() && self.due.is_empty() && self.ai.is_empty() && self.mail.is_none()
    }
}

/// The figures of an analysis that say how a person's mail goes.
fn mail_figures(a: &EmailAnalysis) -> [(&'static str, String); 4] {
    let weeks = a.weekly.len().max(1) as f64;
    [
        (
            "Messages a week",
            format!("{:.0}", f64::from(a.messages) / weeks),
        ),
        (
            "Median time to reply",
            a.median_response_minutes
                .map_or_else(|| "—".to_owned(), duration_words),
        ),
        (
            "Sent outside working hours",
            format!("{} %", a.sent_outside_hours_pct),
        ),
        (
            "Threads waiting for your reply",
            a.unanswered_total.to_string(),
        ),
    ]
}

/// The change since the person's last email analysis, when they saved one this week.
async fn mail_change(
    db: &impl ConnectionTrait,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<Option<MailChange>, DbErr> {
    let saved = saved_results::Entity::find()
        .filter(saved_results::Column::TenantId.eq(user.tenant_id))
        .filter(saved_results::Column::UserId.eq(user.id))
        .filter(saved_results::Column::Tool.eq(ToolId::EmailPatterns.info().flag))
        .order_by_desc(saved_results::Column::CreatedAt)
        .order_by_desc(saved_results::Column::Id)
        .limit(2)
        .all(db)
        .await?;
    let Some(newest) = saved
        .first()
        .filter(|r| r.created_at >= now - Duration::days(7))
    else {
        return Ok(None);
    };
    let Ok(latest) = serde_json::from_str::<EmailAnalysis>(&newest.payload) else {
        return Ok(None);
    };
    let earlier = saved.get(1).and_then(|r| {
        Some((
            r.title.clone(),
            serde_json::from_str::<EmailAnalysis>(&r.payload).ok()?,
        ))
    });
    let before = earlier.as_ref().map(|(_, a)| mail_figures(a));
    let figures = mail_figures(&latest)
        .into_iter()
        .enumerate()
        .map(|(i, (label, now))| (label, now, before.as_ref().map(|b| b[i].1.clone())))
        .collect();
    Ok(Some(MailChange {
        title: newest.title.clone(),
        before: earlier.map(|(title, _)| title),
        figures,
    }))
}

/// Gathers `user`'s week as of `now`.
pub async fn week_of(
    db: &impl ConnectionTrait,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<Week, DbErr> {
    let today = now.date_naive();
    let open = tasks::Entity::find()
        .filter(tasks::Column::TenantId.eq(user.tenant_id))
        .filter(tasks::Column::UserId.eq(user.id))
        .filter(tasks::Column::Status.is_in([TaskStatus::Todo, TaskStatus::InProgress]))
        .filter(tasks::Column::DueOn.lt(today + Duration::days(7)))
        .order_by_asc(tasks::Column::DueOn)
        .all(db)
        .await?;
    let mut week = Week::default();
    for t in open {
        let Some(due) = t.due_on else { continue };
        if due < today {
            week.overdue.push((t.title, due));
        } else {
            week.due.push((t.title, due));
        }
    }
    let calls = ai_calls::Entity::find()
        .filter(ai_calls::Column::TenantId.eq(user.tenant_id))
        .filter(ai_calls::Column::UserId.eq(user.id))
        .filter(ai_calls::Column::CreatedAt.gte(now - Duration::days(7)))
        .all(db)
        .await?;
    for c in calls {
        let title = ToolId::from_flag(&c.tool).map_or("Other tools", |t| t.info().title);
        let entry = week.ai.entry(title).or_default();
        entry.0 += 1;
        entry.1 += c.prompt_tokens + c.completion_tokens;
    }
    week.mail = mail_change(db, user, now).await?;
    Ok(week)
}

/// The digest mail of `week` for `user`; `origin` is the site's address for the links.
pub fn mail_of(settings: &Settings, origin: &str, user: &users::Model, week: &Week) -> Mail {
    let mut body = format!("Hello {},\n\nYour week in Digame.\n", user.display_name);
    let list = |body: &mut String, title: &str, items: &[(String, NaiveDate)]| {
        if items.is_empty() {
            return;
        }
        body.push_str(&format!("\n{title} ({}):\n", items.len()));
        for (task, due) in items.iter().take(20) {
            body.push_str(&format!("- {task} (due {})\n", due.format("%a %-d %b")));
        }
        if items.len() > 20 {
            body.push_str(&format!("- and {} more\n", items.len() - 20));
        }
    };
    list(&mut body, "Overdue", &week.overdue);
    list(&mut body, "Due in the next seven days", &week.due);
    if week.overdue.is_empty() && week.due.is_empty() {
        body.push_str("\nNo task of yours is overdue or due in the next seven days.\n");
    }
    if week.ai.is_empty() {
        body.push_str("\nYou did not use the AI tools in the last seven days.\n");
    } else {
        let calls: i64 = week.ai.values().map(|v| v.0).sum();
        let tokens: i64 = week.ai.values().map(|v| v.1).sum();
        body.push_str(&format!(
            "\nThe AI tools in the last seven days: {calls} call{}, {tokens} tokens.\n",
            if calls == 1 { "" } else { "s" }
        ));
        for (tool, (n, t)) in &week.ai {
            body.push_str(&format!(
                "- {tool}: {n} call{}, {t} tokens\n",
                if *n == 1 { "" } else { "s" }
            ));
        }
    }
    if let Some(change) = &week.mail {
        match &change.before {
            Some(before) => body.push_str(&format!(
                "\nYour email, “{}” against “{before}”:\n",
                change.title
            )),
            None => body.push_str(&format!("\nYour email, “{}”:\n", change.title)),
        }
        for (label, now, was) in &change.figures {
            match was {
                Some(was) if was != now => {
                    body.push_str(&format!("- {label}: {now} (was {was})\n"))
                }
                Some(_) => body.push_str(&format!("- {label}: {now} (unchanged)\n")),
                None => body.push_str(&format!("- {label}: {now}\n")),
            }
        }
    }
    body.push_str(&format!(
        "\nYour tasks: {origin}/tools/tasks\nYour AI usage: {origin}/settings/usage\n\n\
         You get this digest because it is on in your profile ({origin}/settings/profile#mail).\n\
         Stop it, without signing in: {origin}{UNSUBSCRIBE_PATH}?token={}\n",
        unsubscribe_token(settings, user.id)
    ));
    let subject = match week.overdue.len() {
        0 => "Your week in Digame".to_owned(),
        1 => "Your week in Digame: 1 task overdue".to_owned(),
        n => format!("Your week in Digame: {n} tasks overdue"),
    };
    Mail {
        to: user.email.clone(),
        subject,
        body,
    }
}

/// Gives everyone whose setup wizard asked for the digest, and who has no saved choices,
/// a row with the defaults, so that their week can be claimed.
async fn adopt_wizard_choices(db: &DatabaseConnection) -> Result<(), DbErr> {
    let unsettled = onboarding_states::Entity::find()
        .filter(
            Condition::all().add(
                onboarding_states::Column::UserId.not_in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(rows::Column::UserId)
                        .from(rows::Entity)
                        .to_owned(),
                ),
            ),
        )
        .all(db)
        .await?;
    for state in unsettled.iter().filter(|s| wizard_digest(Some(s))) {
        let d = defaults(true);
        rows::Entity::insert(rows::ActiveModel {
            user_id: Set(state.user_id),
            tenant_id: Set(state.tenant_id),
            product_notices: Set(d.product_notices),
            weekly_digest: Set(d.weekly_digest),
            budget_warnings: Set(d.budget_warnings),
            digest_week: Set(None),
            updated_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::column(rows::Column::UserId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Sends this week's digests that are due and not sent yet; how many went to the outbox.
pub async fn send_due(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    if !week_open(now) {
        return Ok(0);
    }
    adopt_wizard_choices(db).await?;
    let week = iso_week(now);
    let waiting = rows::Entity::find()
        .filter(rows::Column::WeeklyDigest.eq(true))
        .filter(
            Condition::any()
                .add(rows::Column::DigestWeek.is_null())
                .add(rows::Column::DigestWeek.ne(week.clone())),
        )
        .all(db)
        .await?;
    let origin = crate::web::ctx::origin_of(settings, &http::HeaderMap::new());
    let mut sent = 0;
    for row in waiting {
        let Some(user) = users::Entity::find_by_id(row.user_id).one(db).await? else {
            continue;
        };
        let txn = db.begin().await?;
        let claimed = rows::Entity::update_many()
            .col_expr(rows::Column::DigestWeek, Expr::value(week.clone()))
            .filter(rows::Column::UserId.eq(row.user_id))
            .filter(
                Condition::any()
                    .add(rows::Column::DigestWeek.is_null())
                    .add(rows::Column::DigestWeek.ne(week.clone())),
            )
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        // Claimed by another replica, or nobody to send to: the week is done either way.
        if claimed && user.active && user.email_verified_at.is_some() {
            let summary = week_of(&txn, &user, now).await?;
            if !summary.is_empty() {
                mail::enqueue_raw(
                    &txn,
                    Some(user.tenant_id),
                    mail_of(settings, &origin, &user, &summary),
                )
                .await?;
                sent += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn weeks_are_iso_weeks_and_open_on_monday_morning() {
        let at = |d, h| Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap();
        assert_eq!(iso_week(at(6, 12)), "2026-W49");
        assert_eq!(iso_week(at(7, 0)), "2026-W50");
        assert_eq!(
            iso_week(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()),
            "2026-W53"
        );
        assert!(!week_open(at(7, 6)), "Monday before 07:00");
        assert!(week_open(at(7, 7)));
        assert!(week_open(at(6, 0)), "any time later in the week");
    }
}
