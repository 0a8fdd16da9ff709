//! Saved results: a tool's answer kept because the person chose to, private to them.

use super::{SavedPage, SavedResult};
use crate::domain::{KeyNeed, PageRequest, ToolId};
use crate::entities::saved_results::{self, Column, Entity};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use crate::util::rfc3339;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

/// The most results one person keeps per tool.
pub const SAVED_MAX: u64 = 50;
// The tool pages show the first page only: it must hold every result a person can keep.
const _: () = assert!(SAVED_MAX <= crate::domain::paging::DEFAULT_PER_PAGE);
/// The largest result kept, in bytes of JSON.
pub const PAYLOAD_MAX_BYTES: usize = 64 * 1024;
pub const TITLE_MAX_CHARS: usize = 200;

fn owner(person: &SessionUser) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(Column::TenantId.eq(person.tenant_id()))
        .add(Column::UserId.eq(person.user.id))
}

fn ai_tool(tool: ToolId) -> Result<(), AppError> {
    if tool.info().key == KeyNeed::None {
        return Err(AppError::validation(
            "tool",
            "That tool has no results to save.",
        ));
    }
    Ok(())
}

pub async fn list(
    db: &DatabaseConnection,
    person: &SessionUser,
    tool: ToolId,
    page: PageRequest,
) -> Result<SavedPage, AppError> {
    ai_tool(tool)?;
    let rows = Entity::find()
        .filter(owner(person))
        .filter(Column::Tool.eq(tool.info().flag))
        .order_by_desc(Column::Id)
        .offset(page.offset())
        .limit(page.fetch())
        .all(db)
        .await
        .or_internal("reading saved results")?;
    let (rows, paging) = page.cut(rows);
    Ok(SavedPage {
        results: rows
            .into_iter()
            .map(|r| SavedResult {
                id: r.id,
                title: r.title,
                saved: rfc3339(r.created_at),
                payload: r.payload,
            })
            .collect(),
        paging,
    })
}

pub async fn save(
    db: &DatabaseConnection,
    person: &SessionUser,
    tool: ToolId,
    title: &str,
    payload: &str,
) -> Result<i64, AppError> {
    ai_tool(tool)?;
    let title = title.trim();
    if title.is_empty()
        || title.chars().count() > TITLE_MAX_CHARS
        || title.chars().any(char::is_control)
    {
        return Err(AppError::validation(
            "title",
            format!("Give the result a name of at most {TITLE_MAX_CHARS} characters, on one line."),
        ));
    }
    if payload.len() > PAYLOAD_MAX_BYTES
        || !serde_json::from_str::<serde_json::Value>(payload).is_ok_and(|v| v.is_object())
    {
        return Err(AppError::validation(
            "payload",
            "That result cannot be saved: it is not one the tool gave, or it is too large.",
        ));
    }
    let txn = db.begin().await.or_internal("saving a result")?;
    // One person's saves take turns, so a second click finds the first one's row.
    crate::person::lock_row(&txn, person.user.id)
        .await
        .or_internal("saving a result")?;
    let same = Entity::find()
        .filter(owner(person))
        .filter(Column::Tool.eq(tool.info().flag))
        .filter(Column::Payload.eq(payload))
        .one(&txn)
        .await
        .or_internal("reading saved results")?;
    if let Some(same) = same {
        // The same result saved again (a double click, a form posted twice) is the one kept.
        return Ok(same.id);
    }
    let count = Entity::find()
        .filter(owner(person))
        .filter(Column::Tool.eq(tool.info().flag))
        .count(&txn)
        .await
        .or_internal("counting saved results")?;
    if count >= SAVED_MAX {
        return Err(AppError::validation(
            "title",
            format!("You keep {SAVED_MAX} results of this tool at most. Delete one first."),
        ));
    }
    let row = saved_results::ActiveModel {
        tenant_id: Set(person.tenant_id()),
        user_id: Set(person.user.id),
        tool: Set(tool.info().flag.to_owned()),
        title: Set(title.to_owned()),
        payload: Set(payload.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .or_internal("saving a result")?;
    txn.commit().await.or_internal("saving a result")?;
    Ok(row.id)
}

pub async fn delete(
    db: &DatabaseConnection,
    person: &SessionUser,
    id: i64,
) -> Result<(), AppError> {
    let done = Entity::delete_many()
        .filter(owner(person))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await
        .or_internal("deleting a saved result")?;
    if done.rows_affected == 0 {
        return Err(AppError::NotFound(
            "That saved result does not exist (it may have been deleted already).".into(),
        ));
    }
    Ok(())
}
