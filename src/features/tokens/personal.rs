//! Personal access tokens: made by a person on `/settings/security` for their scripts,
//! named, valid for a chosen number of days, shown once and stored as a hash, listed with
//! their last use, revocable by their owner and by a tenant admin. They authenticate the
//! JSON API as an access token does ([`super::authenticate`]) and end, like every token,
//! when the person's password changes or they are deactivated.

use super::{hash, new_secret, PERSONAL};
use crate::audit_log::{record, Event};
use crate::domain::{AuditAction, PageRequest, Paging};
use crate::entities::{api_tokens, users};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

/// The longest name, in characters.
pub const NAME_MAX: usize = 60;
/// The lifetimes a token may be given, in days.
pub const LIFETIMES_DAYS: [i64; 4] = [7, 30, 90, 365];
/// Live tokens one person may hold.
pub const PER_PERSON_MAX: u64 = 20;

fn parse_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::validation(
            "name",
            "Name the token after what will use it, e.g. “backup script”.",
        ));
    }
    if name.chars().count() > NAME_MAX {
        return Err(AppError::validation(
            "name",
            format!("Keep the name to {NAME_MAX} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::validation(
            "name",
            "The name cannot contain line breaks or control characters.",
        ));
    }
    Ok(name.to_owned())
}

fn parse_days(raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|d| LIFETIMES_DAYS.contains(d))
        .ok_or_else(|| AppError::validation("expires_in_days", "Choose 7, 30, 90 or 365 days."))
}

/// The scope asked for; `admin` only for the company's admins. Empty means read only.
fn parse_scope(raw: &str, person: &SessionUser) -> Result<super::Scope, AppError> {
    if raw.trim().is_empty() {
        return Ok(super::Scope::Read);
    }
    let scope = super::Scope::parse(raw).ok_or_else(|| {
        AppError::validation(
            "scope",
            "Choose what the token may do: read, write or admin.",
        )
    })?;
    if scope == super::Scope::Admin && !person.is_admin() {
        return Err(AppError::validation(
            "scope",
            "Only administrators can make a token with the Admin scope.",
        ));
    }
    Ok(scope)
}

fn live() -> sea_orm::Select<api_tokens::Entity> {
    api_tokens::Entity::find()
        .filter(api_tokens::Column::Kind.eq(PERSONAL))
        .filter(api_tokens::Column::RevokedAt.is_null())
}

/// A new token for `person`; the secret is in the answer only.
pub async fn create(
    db: &DatabaseConnection,
    person: &SessionUser,
    name: &str,
    days: &str,
    scope: &str,
) -> Result<(String, api_tokens::Model), AppError> {
    let name = parse_name(name)?;
    let days = parse_days(days)?;
    let scope = parse_scope(scope, person)?;
    let now = Utc::now();
    let held = live()
        .filter(api_tokens::Column::UserId.eq(person.user.id))
        .filter(api_tokens::Column::ExpiresAt.gt(now))
        .count(db)
        .await
        .or_internal("counting tokens")?;
    if held >= PER_PERSON_MAX {
        return Err(AppError::validation(
            "name",
            format!("You have {PER_PERSON_MAX} tokens, the most allowed. Revoke one you no longer use first."),
        ));
    }
    let secret = new_secret("dgp_");
    let txn = db.begin().await.or_internal("creating a token")?;
    let row = api_tokens::ActiveModel {
        tenant_id: Set(person.tenant_id()),
        user_id: Set(person.user.id),
        kind: Set(PERSONAL.to_owned()),
        name: Set(name.clone()),
        token_hash: Set(hash(&secret)),
        family: Set(crate::util::secret_token()),
        expires_at: Set(now + Duration::days(days)),
        used_at: Set(None),
        revoked_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(now),
        scope: Set(scope.as_str().to_owned()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .or_internal("creating a token")?;
    record(
        &txn,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: AuditAction::PersonalTokenCreated,
            target: &name,
            before: None,
            after: Some(serde_json::json!({ "expires_in_days": days, "scope": scope.as_str() })),
        },
    )
    .await?;
    txn.commit().await.or_internal("creating a token")?;
    Ok((secret, row))
}

/// The person's tokens that are not revoked (expired ones too, marked so), newest first.
pub async fn own(
    db: &DatabaseConnection,
    person: &SessionUser,
    page: PageRequest,
) -> Result<(Vec<api_tokens::Model>, Paging), AppError> {
    let found = live()
        .filter(api_tokens::Column::UserId.eq(person.user.id))
        .order_by_desc(api_tokens::Column::Id)
        .offset(page.offset())
        .limit(page.fetch())
        .all(db)
        .await
        .or_internal("listing tokens")?;
    Ok(page.cut(found))
}

/// One page of every member's tokens in the admin's company, with their owner, newest first.
pub async fn in_tenant(
    db: &DatabaseConnection,
    admin: &SessionUser,
    page: PageRequest,
) -> Result<(Vec<(api_tokens::Model, users::Model)>, Paging), AppError> {
    let found = live()
        .filter(api_tokens::Column::TenantId.eq(admin.tenant_id()))
        .order_by_desc(api_tokens::Column::Id)
        .offset(page.offset())
        .limit(page.fetch())
        .all(db)
        .await
        .or_internal("listing tokens")?;
    let (tokens, paging) = page.cut(found);
    let owners = users::Entity::find()
        .filter(users::Column::TenantId.eq(admin.tenant_id()))
        .filter(users::Column::Id.is_in(tokens.iter().map(|t| t.user_id)))
        .all(db)
        .await
        .or_internal("listing tokens")?;
    let rows = tokens
        .into_iter()
        .filter_map(|t| {
            let owner = owners.iter().find(|u| u.id == t.user_id)?.clone();
            Some((t, owner))
        })
        .collect();
    Ok((rows, paging))
}

/// Whose tokens a revocation may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeScope {
    /// Only the caller's own.
    Own,
    /// The caller's own, or, for a tenant admin, any member's.
    Company,
}

/// Revokes token `id` within `scope`. Anything else (another company's, another person's
/// outside the scope, an unknown id) is not found.
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &SessionUser,
    id: i64,
    scope: RevokeScope,
) -> Result<(), AppError> {
    let not_found = || AppError::NotFound("There is no such token.".into());
    let token = live()
        .filter(api_tokens::Column::Id.eq(id))
        .filter(api_tokens::Column::TenantId.eq(actor.tenant_id()))
        .one(db)
        .await
        .or_internal("reading a token")?
        .ok_or_else(not_found)?;
    if token.user_id != actor.user.id && (scope == RevokeScope::Own || !actor.is_admin()) {
        return Err(not_found());
    }
    let txn = db.begin().await.or_internal("revoking a token")?;
    api_tokens::ActiveModel {
        id: Set(token.id),
        revoked_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("revoking a token")?;
    record(
        &txn,
        Event {
            tenant_id: actor.tenant_id(),
            actor_user_id: Some(actor.user.id),
            action: AuditAction::PersonalTokenRevoked,
            target: &token.name,
            before: None,
            after: (token.user_id != actor.user.id)
                .then(|| serde_json::json!({ "owner_user_id": token.user_id })),
        },
    )
    .await?;
    txn.commit().await.or_internal("revoking a token")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_lifetimes_are_checked() {
        assert_eq!(parse_name("  backup script ").unwrap(), "backup script");
        assert_eq!(parse_name(" ").unwrap_err().field(), Some("name"));
        assert!(parse_name(&"x".repeat(61)).is_err());
        assert!(parse_name("a\nb").is_err());
        assert_eq!(parse_days("90").unwrap(), 90);
        for bad in ["0", "14", "-7", "forever", ""] {
            assert_eq!(
                parse_days(bad).unwrap_err().field(),
                Some("expires_in_days")
            );
        }
    }
}
