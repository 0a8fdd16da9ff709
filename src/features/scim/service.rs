//! The company's provisioning token: made (and shown once) by an admin, kept as a SHA-256
//! hash, at most one per company; and the lookup that turns a bearer token into its company.

use super::{MadeToken, ScimView, TokenInfo, SCIM_BASE};
use crate::audit_log::{record, Event};
use crate::domain::AuditAction;
use crate::entities::{scim_tokens, scim_users, tenants, users};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use crate::util::{rfc3339, sha256_hex};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait,
};

/// What a provisioning token starts with, so a leaked one is recognised (secret scanners).
pub const TOKEN_PREFIX: &str = "digame_scim_";

/// The SCIM base address at `origin`.
pub fn base_url(origin: &str) -> String {
    format!("{}{SCIM_BASE}", origin.trim_end_matches('/'))
}

pub async fn view(
    db: &DatabaseConnection,
    admin: &SessionUser,
    origin: &str,
) -> Result<ScimView, AppError> {
    let why = "reading the provisioning settings";
    let token = scim_tokens::Entity::find()
        .filter(scim_tokens::Column::TenantId.eq(admin.tenant_id()))
        .one(db)
        .await
        .or_internal(why)?;
    let token = match token {
        Some(t) => {
            let created_by = match t.created_by {
                Some(id) => users::Entity::find_by_id(id)
                    .filter(users::Column::TenantId.eq(admin.tenant_id()))
                    .one(db)
                    .await
                    .or_internal(why)?
                    .map(|u| u.display_name),
                None => None,
            };
            Some(TokenInfo {
                hint: t.hint,
                created_at: rfc3339(t.created_at),
                created_by,
                last_used_at: t.last_used_at.map(rfc3339),
            })
        }
        None => None,
    };
    let provisioned = scim_users::Entity::find()
        .filter(scim_users::Column::TenantId.eq(admin.tenant_id()))
        .count(db)
        .await
        .or_internal(why)?;
    Ok(ScimView {
        base_url: base_url(origin),
        token,
        provisioned,
    })
}

/// Makes the company's token, replacing the one before; audited.
pub async fn make_token(
    db: &DatabaseConnection,
    admin: &SessionUser,
    origin: &str,
) -> Result<MadeToken, AppError> {
    let why = "making a provisioning token";
    let token = format!("{TOKEN_PREFIX}{}", crate::util::secret_token());
    let hint: String = token
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, admin.tenant_id()).await?;
    let replaced = scim_tokens::Entity::delete_many()
        .filter(scim_tokens::Column::TenantId.eq(admin.tenant_id()))
        .exec(&txn)
        .await
        .or_internal(why)?
        .rows_affected;
    scim_tokens::ActiveModel {
        tenant_id: Set(admin.tenant_id()),
        token_hash: Set(sha256_hex(&token)),
        hint: Set(hint.clone()),
        created_by: Set(Some(admin.user.id)),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .or_internal(why)?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: AuditAction::ScimTokenCreated,
            target: &hint,
            before: Some(serde_json::json!({ "replaced": replaced > 0 })),
            after: None,
        },
    )
    .await?;
    txn.commit().await.or_internal(why)?;
    Ok(MadeToken {
        token,
        base_url: base_url(origin),
    })
}

/// Ends the company's token (nothing to end is a 404, so a second press says so).
pub async fn revoke_token(db: &DatabaseConnection, admin: &SessionUser) -> Result<(), AppError> {
    let why = "revoking the provisioning token";
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, admin.tenant_id()).await?;
    let gone = scim_tokens::Entity::delete_many()
        .filter(scim_tokens::Column::TenantId.eq(admin.tenant_id()))
        .exec(&txn)
        .await
        .or_internal(why)?
        .rows_affected;
    if gone == 0 {
        return Err(AppError::NotFound(
            "Your company has no provisioning token to revoke.".into(),
        ));
    }
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: AuditAction::ScimTokenRevoked,
            target: "",
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await.or_internal(why)
}

/// The company a bearer token belongs to, if it is a live provisioning token. Notes the use
/// at most once a minute (a sync sends many requests).
pub async fn company_of(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<tenants::Model>, AppError> {
    let why = "reading a provisioning token";
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(row) = scim_tokens::Entity::find()
        .filter(scim_tokens::Column::TokenHash.eq(sha256_hex(token)))
        .one(db)
        .await
        .or_internal(why)?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if row
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::minutes(1))
    {
        scim_tokens::ActiveModel {
            id: Set(row.id),
            last_used_at: Set(Some(now)),
            ..Default::default()
        }
        .update(db)
        .await
        .or_internal(why)?;
    }
    tenants::Entity::find_by_id(row.tenant_id)
        .one(db)
        .await
        .or_internal(why)
}
