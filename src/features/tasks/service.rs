//! The caller's tasks. Every query is scoped to the caller (tenant and user from the
//! session); another person's task id reads as "no such task".

use super::priority::{score, TaskFacts};
use super::{Suggestion, TaskRow, TaskSort, TaskStatus, TasksView};
use crate::domain::{PageRequest, ToolId};
use crate::entities::tasks::{self, Column, Entity};
use crate::error::{AppError, ResultExt};
use crate::features::tools::gate::{self as tool_gate, Pass};
use crate::person::SessionUser;
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::NullOrdering;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::cmp::Reverse;

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 2000;
/// A person's tasks, at most (a plain safeguard on one table).
pub const TASKS_MAX: usize = 10_000;

/// The tool gate for this tool: flag, tier and an active account (no key, no allowance).
/// Every function below that reads or changes tasks takes the pass it returns.
pub async fn gate<'a>(
    db: &DatabaseConnection,
    person: &'a SessionUser,
) -> Result<Pass<'a>, AppError> {
    tool_gate::begin_builtin(db, person, ToolId::TaskPrioritization).await
}

/// The person a task pass was given to.
fn holder<'a>(pass: Pass<'a>) -> Result<&'a SessionUser, AppError> {
    pass.person_for(ToolId::TaskPrioritization)
}

/// Today in UTC, the day prioritization counts from.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub fn parse_status(value: &str) -> Result<TaskStatus, AppError> {
    TaskStatus::parse(value.trim()).ok_or_else(|| {
        AppError::validation(
            "status",
            "Choose a status: suggested, to do, in progress, done or archived.",
        )
    })
}

/// A task as submitted, parsed.
#[derive(Debug)]
pub struct TaskInput {
    pub title: String,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub status: TaskStatus,
}

impl TaskInput {
    pub fn parse(
        title: &str,
        description: &str,
        due_on: &str,
        status: &str,
    ) -> Result<TaskInput, AppError> {
        let title = title.trim();
        if title.is_empty() {
            return Err(AppError::validation("title", "Give the task a title."));
        }
        if title.chars().count() > TITLE_MAX {
            return Err(AppError::validation(
                "title",
                format!("Keep the title to {TITLE_MAX} characters."),
            ));
        }
        if title.chars().any(char::is_control) {
            return Err(AppError::validation(
                "title",
                "The title cannot contain line breaks or control characters.",
            ));
        }
        let description = description.trim();
        if description.chars().count() > DESCRIPTION_MAX {
            return Err(AppError::validation(
                "description",
                format!("Keep the description to {DESCRIPTION_MAX} characters."),
            ));
        }
        let due_on = match due_on.trim() {
            "" => None,
            raw => {
                let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
                    AppError::validation("due_on", "Enter the due date as YYYY-MM-DD.")
                })?;
                let (min, max) = (
                    NaiveDate::from_ymd_opt(2000, 1, 1),
                    NaiveDate::from_ymd_opt(2100, 12, 31),
                );
                if min.is_some_and(|m| date < m) || max.is_some_and(|m| date > m) {
                    return Err(AppError::validation(
                        "due_on",
                        "Choose a due date between 2000 and 2100.",
                    ));
                }
                Some(date)
            }
        };
        let status = match status.trim() {
            "" => TaskStatus::Todo,
            s => parse_status(s)?,
        };
        Ok(TaskInput {
            title: title.to_owned(),
            description: description.to_owned(),
            due_on,
            status,
        })
    }
}

fn owner(person: &SessionUser) -> Condition {
    Condition::all()
        .add(Column::TenantId.eq(person.tenant_id()))
        .add(Column::UserId.eq(person.user.id))
}

fn not_found() -> AppError {
    AppError::NotFound("There is no such task in your list.".into())
}

fn row(t: tasks::Model) -> TaskRow {
    TaskRow {
        id: t.id,
        status: t.status,
        title: t.title,
        description: t.description,
        due_on: t.due_on.map(|d| d.format("%Y-%m-%d").to_string()),
        priority: t.priority_score,
    }
}

async fn find(
    db: &impl sea_orm::ConnectionTrait,
    person: &SessionUser,
    id: i64,
) -> Result<tasks::Model, AppError> {
    Entity::find_by_id(id)
        .filter(owner(person))
        .one(db)
        .await
        .or_internal("reading a task")?
        .ok_or_else(not_found)
}

/// One of the caller's tasks.
pub async fn get(db: &DatabaseConnection, pass: Pass<'_>, id: i64) -> Result<TaskRow, AppError> {
    let person = holder(pass)?;
    find(db, person, id).await.map(row)
}

pub async fn list(
    db: &DatabaseConnection,
    pass: Pass<'_>,
    status: &str,
    sort: &str,
    page: PageRequest,
) -> Result<TasksView, AppError> {
    let person = holder(pass)?;
    let filter = match status.trim() {
        "" | "all" => None,
        s => Some(parse_status(s)?),
    };
    let sort = match sort.trim() {
        "due" => TaskSort::Due,
        _ => TaskSort::Priority,
    };
    let mut query = Entity::find().filter(owner(person));
    query = match filter {
        Some(s) => query.filter(Column::Status.eq(s)),
        None => query.filter(Column::Status.ne(TaskStatus::Archived)),
    };
    // Sorted by the database, "no priority" and "no due date" last on both databases alike,
    // so that a page is read with its offset and never more.
    let (priority, due) = (
        (Column::PriorityScore, Order::Desc),
        (Column::DueOn, Order::Asc),
    );
    let keys = match sort {
        TaskSort::Priority => [priority, due],
        TaskSort::Due => [due, priority],
    };
    for (column, order) in keys {
        query = query.order_by_with_nulls(column, order, NullOrdering::Last);
    }
    let found: Vec<tasks::Model> = query
        .order_by_asc(Column::Id)
        .offset(page.offset())
        .limit(page.fetch())
        .all(db)
        .await
        .or_internal("listing tasks")?;
    let (tasks, paging) = page.cut(found);
    Ok(TasksView {
        tasks: tasks.into_iter().map(row).collect(),
        paging,
        filter,
        sort,
    })
}

pub async fn create(
    db: &impl ConnectionTrait,
    pass: Pass<'_>,
    input: TaskInput,
) -> Result<TaskRow, AppError> {
    let person = holder(pass)?;
    use sea_orm::PaginatorTrait;
    let count = Entity::find()
        .filter(owner(person))
        .count(db)
        .await
        .or_internal("counting tasks")?;
    if count as usize >= TASKS_MAX {
        return Err(AppError::validation(
            "title",
            format!(
                "Your list holds {TASKS_MAX} tasks at most. Delete done or archived ones first."
            ),
        ));
    }
    let now = Utc::now();
    let task = tasks::ActiveModel {
        tenant_id: Set(person.tenant_id()),
        user_id: Set(person.user.id),
        title: Set(input.title),
        description: Set(input.description),
        due_on: Set(input.due_on),
        status: Set(input.status),
        priority_score: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .or_internal("creating a task")?;
    Ok(row(task))
}

/// The holder's task with exactly this title and description, if there is one (so that adding
/// the same suggestion twice keeps one task).
pub async fn find_same(
    db: &impl ConnectionTrait,
    pass: Pass<'_>,
    input: &TaskInput,
) -> Result<Option<TaskRow>, AppError> {
    let person = holder(pass)?;
    Ok(Entity::find()
        .filter(owner(person))
        .filter(Column::Title.eq(input.title.as_str()))
        .filter(Column::Description.eq(input.description.as_str()))
        .one(db)
        .await
        .or_internal("reading tasks")?
        .map(row))
}

pub async fn update(
    db: &DatabaseConnection,
    pass: Pass<'_>,
    id: i64,
    input: TaskInput,
) -> Result<TaskRow, AppError> {
    let person = holder(pass)?;
    let task = find(db, person, id).await?;
    let updated = tasks::ActiveModel {
        id: Set(task.id),
        title: Set(input.title),
        description: Set(input.description),
        due_on: Set(input.due_on),
        status: Set(input.status),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await
    .or_internal("saving a task")?;
    Ok(row(updated))
}

pub async fn set_status(
    db: &DatabaseConnection,
    pass: Pass<'_>,
    id: i64,
    status: TaskStatus,
) -> Result<(), AppError> {
    let person = holder(pass)?;
    let task = find(db, person, id).await?;
    tasks::ActiveModel {
        id: Set(task.id),
        status: Set(status),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await
    .or_internal("saving a task")?;
    Ok(())
}

pub async fn delete(db: &DatabaseConnection, pass: Pass<'_>, id: i64) -> Result<(), AppError> {
    let person = holder(pass)?;
    let deleted = Entity::delete_many()
        .filter(owner(person))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .or_internal("deleting a task")?;
    if deleted.rows_affected == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// Suggestions for active tasks, ordered by suggested score (then due date, then age).
pub fn suggestions_for(tasks: &[tasks::Model], today: NaiveDate) -> Vec<Suggestion> {
    let mut out: Vec<(Suggestion, NaiveDate)> = tasks
        .iter()
        .filter_map(|t| t.status.is_active().then_some((t, t.status)))
        .map(|(t, status)| {
            let (suggested, factors) = score(
                &TaskFacts {
                    title: &t.title,
                    description: &t.description,
                    due_on: t.due_on,
                    status,
                    created_on: t.created_at.date_naive(),
                },
                today,
            );
            (
                Suggestion {
                    task_id: t.id,
                    title: t.title.clone(),
                    due_on: t.due_on.map(|d| d.format("%Y-%m-%d").to_string()),
                    status,
                    current: t.priority_score,
                    suggested,
                    factors,
                },
                t.due_on.unwrap_or(NaiveDate::MAX),
            )
        })
        .collect();
    out.sort_by_key(|(s, due)| (Reverse(s.suggested), *due, s.task_id));
    out.into_iter().map(|(s, _)| s).collect()
}

async fn active_tasks(
    db: &impl sea_orm::ConnectionTrait,
    person: &SessionUser,
) -> Result<Vec<tasks::Model>, AppError> {
    Entity::find()
        .filter(owner(person))
        .filter(
            Column::Status.is_not_in([TaskStatus::Done.as_str(), TaskStatus::Archived.as_str()]),
        )
        .all(db)
        .await
        .or_internal("listing tasks")
}

pub async fn suggest(
    db: &DatabaseConnection,
    pass: Pass<'_>,
    today: NaiveDate,
) -> Result<Vec<Suggestion>, AppError> {
    let person = holder(pass)?;
    Ok(suggestions_for(&active_tasks(db, person).await?, today))
}

/// Saves suggested scores: of `only` that task, or of every active task. One transaction:
/// all are saved or none.
pub async fn apply(
    db: &DatabaseConnection,
    pass: Pass<'_>,
    only: Option<i64>,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let person = holder(pass)?;
    // Read before the transaction, which only writes: on SQLite a transaction that reads and
    // then writes fails at once (SQLITE_BUSY_SNAPSHOT, no busy wait) when another connection
    // wrote in between, as a parallel request of anyone's can.
    let suggestions = suggestions_for(&active_tasks(db, person).await?, today);
    let chosen: Vec<&Suggestion> = suggestions
        .iter()
        .filter(|s| only.is_none_or(|id| s.task_id == id))
        .collect();
    if let Some(id) = only {
        if chosen.is_empty() {
            // Another person's task, a done or archived one, or none at all.
            find(db, person, id).await?;
            return Err(AppError::validation(
                "task_id",
                "Only tasks that are not done or archived get a suggested priority.",
            ));
        }
    }
    let now = Utc::now();
    let txn = db.begin().await.or_internal("saving priorities")?;
    for s in &chosen {
        tasks::ActiveModel {
            id: Set(s.task_id),
            priority_score: Set(Some(s.suggested)),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await
        .or_internal("saving priorities")?;
    }
    txn.commit().await.or_internal("saving priorities")?;
    Ok(chosen.len() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_input_is_parsed_with_clear_messages() {
        let ok = TaskInput::parse("  Write report ", "", "2026-12-01", "").unwrap();
        assert_eq!(ok.title, "Write report");
        assert_eq!(ok.status, TaskStatus::Todo);
        assert_eq!(ok.due_on, NaiveDate::from_ymd_opt(2026, 12, 1));
        let field = |r: Result<TaskInput, AppError>| r.unwrap_err().field().map(str::to_owned);
        assert_eq!(
            field(TaskInput::parse(" ", "", "", "")),
            Some("title".into())
        );
        assert_eq!(
            field(TaskInput::parse(&"x".repeat(201), "", "", "")),
            Some("title".into())
        );
        assert_eq!(
            field(TaskInput::parse("a", &"x".repeat(2001), "", "")),
            Some("description".into())
        );
        for bad in [
            "01/12/2026",
            "2026-13-01",
            "1999-12-31",
            "2101-01-01",
            "soon",
        ] {
            assert_eq!(
                field(TaskInput::parse("a", "", bad, "")),
                Some("due_on".into()),
                "{bad}"
            );
        }
        assert_eq!(
            field(TaskInput::parse("a", "", "", "blocked")),
            Some("status".into())
        );
    }

    #[test]
    fn suggestions_skip_finished_tasks_and_break_ties_by_due_date() {
        use chrono::Datelike;
        let now = Utc::now();
        let task = |id: i64, status: &str, due: Option<(i32, u32, u32)>| tasks::Model {
            id,
            tenant_id: 1,
            user_id: 1,
            title: format!("task {id}"),
            description: String::new(),
            due_on: due.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
            status: TaskStatus::parse(status).unwrap(),
            priority_score: None,
            created_at: now,
            updated_at: now,
        };
        let today = now.date_naive();
        let later = today + chrono::Duration::days(20);
        let latest = today + chrono::Duration::days(40);
        let d = |n: NaiveDate| Some((n.year(), n.month(), n.day()));
        let all = [
            task(1, "todo", d(latest)),
            task(2, "done", Some((2000, 1, 1))),
            task(3, "todo", d(later)),
            task(4, "archived", None),
            task(5, "in_progress", None),
        ];
        let order: Vec<i64> = suggestions_for(&all, today)
            .iter()
            .map(|s| s.task_id)
            .collect();
        // 1 and 3 tie (+10 due later, +5 to do); 3 is due sooner. 5: +10 in progress.
        assert_eq!(order, [3, 1, 5]);
    }
}
