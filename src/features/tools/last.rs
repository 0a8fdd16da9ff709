//! Each tool's last input and answer, kept for its person for a day: Back, a reload or a
//! stream cut short loses nothing that was sent or paid for. One row per person and tool,
//! replaced by their next call of the tool; private to them, like saved results, and gone
//! with their account.
//!
//! What is kept is what a page starts from (`{"input": {...}, "result": {"Ok": …} | {"Err":
//! …}}`, see `pages::PlainAnswer`); `"pending": true` stands for a result still being
//! written (the meeting stream).

use crate::domain::ToolId;
use crate::entities::last_answers::{self, Column, Entity};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{json, Value};

/// How long a last answer is shown again.
pub const KEPT_FOR: Duration = Duration::hours(24);
/// A result still being written after this long never will be (the server stopped): the
/// input is shown without it.
pub const PENDING_FOR: Duration = Duration::minutes(10);

/// Keeps `input` and `result` (`None`: still being written) as `person`'s last answer of
/// `tool`, replacing the one before.
pub async fn keep<T: serde::Serialize>(
    db: &DatabaseConnection,
    person: &SessionUser,
    tool: ToolId,
    input: &Value,
    result: Option<&Result<T, AppError>>,
) -> Result<(), AppError> {
    let why = "keeping a tool's last answer";
    let result = result
        .map(|r| serde_json::to_string(r).or_internal(why))
        .transpose()?;
    Entity::insert(last_answers::ActiveModel {
        tenant_id: Set(person.tenant_id()),
        user_id: Set(person.user.id),
        tool: Set(tool.info().flag.to_owned()),
        input: Set(input.to_string()),
        result: Set(result),
        updated_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([Column::UserId, Column::Tool])
            .update_columns([
                Column::TenantId,
                Column::Input,
                Column::Result,
                Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .or_internal(why)?;
    Ok(())
}

/// [`keep`], where a failure to keep must not cost the person their answer: logged.
pub async fn keep_or_log<T: serde::Serialize>(
    db: &DatabaseConnection,
    person: &SessionUser,
    tool: ToolId,
    input: &Value,
    result: Option<&Result<T, AppError>>,
) {
    // `keep` logged the cause already (`or_internal`).
    let _ = keep(db, person, tool, input, result).await;
}

/// For a tool's call: keeps its input and answer as the person's last (a failure to keep
/// is logged, the answer still goes out), and sends a plain form post (no JavaScript) back
/// to the tool's page, which shows them.
pub async fn answered<T: serde::Serialize>(
    db: &DatabaseConnection,
    person: &SessionUser,
    tool: ToolId,
    input: Value,
    result: &Result<T, AppError>,
) {
    keep_or_log(db, person, tool, &input, Some(result)).await;
    crate::web::ctx::redirect_plain_form(&format!("{}?answered=1", tool.info().path));
}

/// `person`'s last answer of `tool`, if one was kept within [`KEPT_FOR`].
pub async fn recall(
    db: &DatabaseConnection,
    person: &SessionUser,
    tool: ToolId,
) -> Result<Option<Value>, AppError> {
    let row = Entity::find()
        .filter(Column::TenantId.eq(person.tenant_id()))
        .filter(Column::UserId.eq(person.user.id))
        .filter(Column::Tool.eq(tool.info().flag))
        .one(db)
        .await
        .or_internal("reading a tool's last answer")?;
    Ok(row.and_then(|r| shown(&r, Utc::now())))
}

/// What the page shows of `row` at `now`.
fn shown(row: &last_answers::Model, now: DateTime<Utc>) -> Option<Value> {
    let age = now - row.updated_at;
    if age > KEPT_FOR {
        return None;
    }
    let input: Value = serde_json::from_str(&row.input).ok()?;
    Some(match &row.result {
        Some(result) => {
            json!({ "input": input, "result": serde_json::from_str::<Value>(result).ok()? })
        }
        None if age <= PENDING_FOR => json!({ "input": input, "pending": true }),
        None => json!({ "input": input }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(result: Option<&str>, updated_at: DateTime<Utc>) -> last_answers::Model {
        last_answers::Model {
            id: 1,
            tenant_id: 1,
            user_id: 1,
            tool: "meeting_insights".into(),
            input: r#"{"notes":"We agreed."}"#.into(),
            result: result.map(str::to_owned),
            updated_at,
        }
    }

    #[test]
    fn an_answer_is_shown_for_a_day_then_forgotten() {
        let now = Utc::now();
        let r = row(Some(r#"{"Ok":{"summary":"s"}}"#), now - Duration::hours(23));
        assert_eq!(
            shown(&r, now),
            Some(json!({"input": {"notes": "We agreed."}, "result": {"Ok": {"summary": "s"}}}))
        );
        let old = row(Some(r#"{"Ok":{}}"#), now - Duration::hours(25));
        assert_eq!(shown(&old, now), None);
    }

    #[test]
    fn a_result_still_being_written_is_pending_until_it_cannot_be() {
        let now = Utc::now();
        let writing = row(None, now - Duration::minutes(1));
        assert_eq!(
            shown(&writing, now),
            Some(json!({"input": {"notes": "We agreed."}, "pending": true}))
        );
        let stopped = row(None, now - Duration::minutes(11));
        assert_eq!(
            shown(&stopped, now),
            Some(json!({"input": {"notes": "We agreed."}}))
        );
    }
}
