//! Where a key may be sent: each stored key is bound to the address its tool called when the
//! key was saved, and is sent nowhere else until its owner confirms a new address.

use super::parse::{known_keys, ApiKeyName};
use crate::audit_log::{record, Event};
use crate::domain::AuditAction;
use crate::entities::user_api_keys::{Column, Entity};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};

/// Why a held key is not sent, and what its owner can do.
pub fn held_message(saved_for: &str, now: &str) -> String {
    format!(
        "Your key for this tool was saved for {saved_for}, and your company's administrators now send this tool's calls to {now}. \
         Your key is not sent there until you confirm the new address on Settings → API keys (/settings/api-keys)."
    )
}

/// The address the tool that uses key `name` sends its calls to, for `tenant_id` (for a
/// second service's key, that service's address); `None` for a custom key (no tool sends
/// it anywhere). A second service's key cannot be saved while the tool has none: it would
/// be bound to no address.
pub async fn address_for_key(
    db: &impl sea_orm::ConnectionTrait,
    ai: &crate::config::AiSettings,
    tenant_id: i64,
    name: &str,
) -> Result<Option<String>, AppError> {
    let Some(known) = known_keys().find(|k| k.name == name) else {
        return Ok(None);
    };
    let target =
        crate::features::ai_admin::service::endpoint_for(db, ai, tenant_id, known.tool.id).await?;
    if !known.second {
        return Ok(Some(target.base_url));
    }
    match target.second {
        Some(second) => Ok(Some(second.base_url)),
        None => Err(AppError::validation(
            "name",
            format!(
                "{} has no second AI service, so this key would go nowhere. An administrator can set one in Admin → AI services.",
                known.tool.title
            ),
        )),
    }
}

/// The person confirms that their key `name` may go to the address its tool uses now (an
/// admin changed it): the key is bound there, and the confirmation audited.
pub async fn confirm_address(
    db: &DatabaseConnection,
    ai: &crate::config::AiSettings,
    person: &SessionUser,
    name: &ApiKeyName,
) -> Result<String, AppError> {
    let Some(address) = address_for_key(db, ai, person.tenant_id(), name.as_str()).await? else {
        return Err(AppError::validation(
            "name",
            "No Digame tool sends this key anywhere, so there is no address to confirm.",
        ));
    };
    let row = Entity::find()
        .filter(owner_filter(person))
        .filter(Column::KeyName.eq(name.as_str()))
        .one(db)
        .await
        .or_internal("confirming a key's address")?
        .ok_or_else(|| {
            AppError::NotFound(format!("You have no stored key named {}.", name.as_str()))
        })?;
    let txn = db.begin().await.or_internal("confirming a key's address")?;
    Entity::update_many()
        .col_expr(
            Column::BoundUrl,
            sea_orm::sea_query::Expr::value(address.clone()),
        )
        .filter(Column::Id.eq(row.id))
        .exec(&txn)
        .await
        .or_internal("confirming a key's address")?;
    record(
        &txn,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: AuditAction::ApiKeyAddressConfirmed,
            target: name.as_str(),
            before: Some(serde_json::json!({ "address": row.bound_url })),
            after: Some(serde_json::json!({ "address": address })),
        },
    )
    .await?;
    txn.commit()
        .await
        .or_internal("confirming a key's address")?;
    Ok(address)
}

/// The caller's own keys: their tenant and their user id.
pub(super) fn owner_filter(person: &SessionUser) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(Column::TenantId.eq(person.tenant_id()))
        .add(Column::UserId.eq(person.user.id))
}
