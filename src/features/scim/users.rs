//! The User resource over the company's accounts. A SCIM `id` is the account's id; the
//! account's sign-in address is `userName` when that is an address, else the primary (or
//! first) of `emails`; `displayName` (or `name`) is the account's name; `active: false`
//! deactivates it — its sessions end at their next request and its API tokens are revoked,
//! as when an admin does it. `userName`, `externalId`, `name` and `emails` are kept as sent,
//! in `scim_users`, and answered back.
//!
//! An account the company already has (invited before provisioning was switched on) is taken
//! over by a create with its address, rather than refused, so turning provisioning on for a
//! company that already uses Digame does not fail on every existing person.

use super::patch;
use super::user_body::{address_of, display_of, wanted, Wanted};
use super::wire::{self, ScimError};
use crate::audit_log::{record, Event};
use crate::domain::account::{DisplayName, Email};
use crate::domain::{AuditAction, Role};
use crate::entities::{scim_users, tenants, users};
use crate::error::{AppError, ResultExt};
use chrono::Utc;
use scim_v2::models::errors::ScimType;
use scim_v2::schema_urns::USER;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde_json::{json, Value};
use std::collections::HashMap;

fn user_id(id: &str) -> Result<i64, ScimError> {
    id.parse::<i64>()
        .map_err(|_| ScimError::not_found("User", id))
}

async fn account(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    id: &str,
) -> Result<users::Model, ScimError> {
    users::Entity::find_by_id(user_id(id)?)
        .filter(users::Column::TenantId.eq(tenant_id))
        .one(db)
        .await
        .or_internal("reading an account")?
        .ok_or_else(|| ScimError::not_found("User", id))
}

async fn kept(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Option<scim_users::Model>, AppError> {
    scim_users::Entity::find_by_id(user_id)
        .one(db)
        .await
        .or_internal("reading an account's provisioning")
}

fn parsed(text: Option<&str>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

/// The User as SCIM answers it.
pub async fn representation(
    db: &impl ConnectionTrait,
    user: &users::Model,
    row: Option<&scim_users::Model>,
    base: &str,
) -> Result<Value, AppError> {
    let mut groups = super::groups::groups_of(db, &[user.id]).await?;
    Ok(user_json(
        user,
        row,
        groups.remove(&user.id).unwrap_or_default(),
        base,
    ))
}

/// The User from what was read: the account, what the provider said, its groups.
fn user_json(
    user: &users::Model,
    row: Option<&scim_users::Model>,
    groups: Vec<(i64, String)>,
    base: &str,
) -> Value {
    let mut out = json!({
        "schemas": [USER],
        "id": user.id.to_string(),
        "userName": row.map_or(user.email.as_str(), |r| r.user_name.as_str()),
        "active": user.active,
        "emails": row
            .and_then(|r| parsed(r.emails_json.as_deref()))
            .unwrap_or_else(|| json!([{ "value": user.email, "type": "work", "primary": true }])),
        "meta": {
            "resourceType": "User",
            "created": crate::util::rfc3339(user.created_at),
            "lastModified": crate::util::rfc3339(user.updated_at.unwrap_or(user.created_at)),
            "location": format!("{base}/Users/{}", user.id),
        },
    });
    // What the provider said; an account it has not touched answers its own name.
    match row {
        Some(r) => {
            if let Some(name) = &r.display_name {
                out["displayName"] = name.clone().into();
            }
        }
        None => out["displayName"] = user.display_name.clone().into(),
    }
    if let Some(external) = row.and_then(|r| r.external_id.clone()) {
        out["externalId"] = external.into();
    }
    if let Some(name) = row.and_then(|r| parsed(r.name_json.as_deref())) {
        out["name"] = name;
    }
    if !groups.is_empty() {
        out["groups"] = groups
            .into_iter()
            .map(|(id, name)| {
                json!({ "value": id.to_string(), "display": name, "type": "direct",
                        "$ref": format!("{base}/Groups/{id}") })
            })
            .collect();
    }
    out
}

pub async fn get(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    id: &str,
    base: &str,
) -> Result<Value, ScimError> {
    let user = account(db, tenant.id, id).await?;
    let row = kept(db, user.id).await?;
    Ok(representation(db, &user, row.as_ref(), base).await?)
}

/// What a list may be filtered on: `userName`, `externalId` or `id`, with `eq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserFilter {
    UserName(String),
    ExternalId(String),
    Id(String),
}

/// Reads `?filter=` (see [`wire::eq_filter`]).
pub fn user_filter(raw: &str) -> Result<UserFilter, ScimError> {
    let (name, value) = wire::eq_filter(
        raw,
        USER,
        &["username", "externalid", "id"],
        "Users can be filtered only as userName eq \"…\", externalId eq \"…\" or id eq \"…\".",
    )?;
    Ok(match name {
        "username" => UserFilter::UserName(value),
        "externalid" => UserFilter::ExternalId(value),
        _ => UserFilter::Id(value),
    })
}

/// The accounts a filter names (the company's only).
async fn filtered(
    db: &DatabaseConnection,
    tenant_id: i64,
    filter: &UserFilter,
) -> Result<Vec<i64>, AppError> {
    let why = "searching accounts";
    let rows = |cond: sea_orm::Condition| async move {
        scim_users::Entity::find()
            .filter(scim_users::Column::TenantId.eq(tenant_id))
            .filter(cond)
            .all(db)
            .await
            .or_internal(why)
    };
    Ok(match filter {
        UserFilter::Id(id) => match id.parse::<i64>() {
            Ok(id) => users::Entity::find_by_id(id)
                .filter(users::Column::TenantId.eq(tenant_id))
                .one(db)
                .await
                .or_internal(why)?
                .map(|u| vec![u.id])
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        },
        UserFilter::ExternalId(external) => rows(
            sea_orm::Condition::all().add(scim_users::Column::ExternalId.eq(external.as_str())),
        )
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect(),
        UserFilter::UserName(name) => {
            let key = name.trim().to_lowercase();
            let mut ids: Vec<i64> = rows(
                sea_orm::Condition::all().add(scim_users::Column::UserNameKey.eq(key.as_str())),
            )
            .await?
            .into_iter()
            .map(|r| r.user_id)
            .collect();
            // An account the provider has not touched yet answers to its address.
            if ids.is_empty() {
                if let Some(user) = users::Entity::find()
                    .filter(users::Column::TenantId.eq(tenant_id))
                    .filter(users::Column::Email.eq(key.as_str()))
                    .one(db)
                    .await
                    .or_internal(why)?
                {
                    if kept(db, user.id).await?.is_none() {
                        ids.push(user.id);
                    }
                }
            }
            ids
        }
    })
}

/// `GET /Users`: the company's accounts, oldest first, a page at a time.
pub async fn list(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    query: &super::routes::ListParams,
    base: &str,
) -> Result<Value, ScimError> {
    let (offset, limit) = wire::page(query.start_index, query.count);
    let why = "listing accounts";
    let (total, accounts) = match query.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(raw) => {
            let ids = filtered(db, tenant.id, &user_filter(raw)?).await?;
            let total = ids.len() as u64;
            let ids: Vec<i64> = ids
                .into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .collect();
            let accounts = users::Entity::find()
                .filter(users::Column::Id.is_in(ids))
                .order_by_asc(users::Column::Id)
                .all(db)
                .await
                .or_internal(why)?;
            (total, accounts)
        }
        None => {
            let all = users::Entity::find().filter(users::Column::TenantId.eq(tenant.id));
            let total = all.clone().count(db).await.or_internal(why)?;
            let accounts = all
                .order_by_asc(users::Column::Id)
                .offset(offset)
                .limit(limit)
                .all(db)
                .await
                .or_internal(why)?;
            (total, accounts)
        }
    };
    // Two reads for the page, not two per person.
    let ids: Vec<i64> = accounts.iter().map(|u| u.id).collect();
    let mut rows: HashMap<i64, scim_users::Model> = scim_users::Entity::find()
        .filter(scim_users::Column::UserId.is_in(ids.iter().copied()))
        .all(db)
        .await
        .or_internal(why)?
        .into_iter()
        .map(|r| (r.user_id, r))
        .collect();
    let mut groups = super::groups::groups_of(db, &ids).await?;
    let resources = accounts
        .iter()
        .map(|user| {
            let row = rows.remove(&user.id);
            let groups = groups.remove(&user.id).unwrap_or_default();
            wire::select(
                user_json(user, row.as_ref(), groups, base),
                query.attributes.as_deref(),
                query.excluded_attributes.as_deref(),
            )
        })
        .collect();
    Ok(wire::list(total, offset + 1, resources))
}

/// Refuses a `userName` another account of the company has.
async fn ensure_user_name_free(
    txn: &DatabaseTransaction,
    tenant_id: i64,
    key: &str,
    except: Option<i64>,
) -> Result<(), ScimError> {
    let mut q = scim_users::Entity::find()
        .filter(scim_users::Column::TenantId.eq(tenant_id))
        .filter(scim_users::Column::UserNameKey.eq(key));
    if let Some(id) = except {
        q = q.filter(scim_users::Column::UserId.ne(id));
    }
    if q.count(txn).await.or_internal("checking a userName")? > 0 {
        return Err(ScimError::uniqueness(format!(
            "Another person of the company has the userName {key:?}."
        )));
    }
    Ok(())
}

/// Whether the company verified the domain of `email` (its directory then vouches for the
/// address, as a sign-on from it does).
async fn vouched(
    txn: &DatabaseTransaction,
    tenant_id: i64,
    email: &Email,
) -> Result<bool, AppError> {
    let domain = email.as_str().rsplit_once('@').map_or("", |(_, d)| d);
    Ok(
        crate::features::domains::service::verified_owner(txn, domain)
            .await?
            .is_some_and(|d| d.tenant_id == tenant_id),
    )
}

fn kept_row(tenant_id: i64, user_id: i64, w: &Wanted) -> scim_users::ActiveModel {
    scim_users::ActiveModel {
        user_id: Set(user_id),
        tenant_id: Set(tenant_id),
        user_name: Set(w.user_name.clone()),
        user_name_key: Set(w.user_name.to_lowercase()),
        external_id: Set(w.external_id.clone()),
        display_name: Set(w.display_name.clone()),
        name_json: Set(w.name.as_ref().map(Value::to_string)),
        emails_json: Set(w.emails.as_ref().map(Value::to_string)),
        created_at: Set(Utc::now()),
    }
}

async fn audit(
    txn: &DatabaseTransaction,
    tenant_id: i64,
    action: AuditAction,
    target: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), AppError> {
    record(
        txn,
        Event {
            tenant_id,
            actor_user_id: None,
            action,
            target,
            before,
            after,
        },
    )
    .await
}

/// `POST /Users`: a new account (within the plan's places), or the company's account at that
/// address taken over. Answers the User.
pub async fn create(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    w: Wanted,
    base: &str,
) -> Result<Value, ScimError> {
    let why = "provisioning an account";
    let email = address_of(&w)?;
    let name = display_of(&w, &email)?;
    let txn = db.begin().await.or_internal(why)?;
    let tenant = crate::features::tenancy::service::lock_tenant(&txn, tenant.id).await?;
    ensure_user_name_free(&txn, tenant.id, &w.user_name.to_lowercase(), None).await?;
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await
        .or_internal(why)?;
    let user = match existing {
        Some(user) if user.tenant_id == tenant.id => {
            if let Some(row) = kept(&txn, user.id).await? {
                return Err(ScimError::uniqueness(format!(
                    "The address {} belongs to the person with userName {:?}.",
                    email.as_str(),
                    row.user_name
                )));
            }
            kept_row(tenant.id, user.id, &w)
                .insert(&txn)
                .await
                .or_internal(why)?;
            let user = change(&txn, &tenant, user, &w, &email, &name).await?;
            audit(
                &txn,
                tenant.id,
                AuditAction::ScimAccountChanged,
                &user.email,
                None,
                Some(json!({ "taken_over": true, "userName": w.user_name })),
            )
            .await?;
            user
        }
        Some(_) => {
            return Err(ScimError::uniqueness(format!(
                "The address {} has a Digame account with another company.",
                email.as_str()
            )))
        }
        None => {
            let active = w.active.unwrap_or(true);
            if active {
                crate::features::members::service::ensure_place_for_sign_on(&txn, &tenant).await?;
            }
            let now = Utc::now();
            let mut row = crate::features::auth::registration::new_user(
                tenant.id,
                &email,
                &name,
                crate::crypto::passwords::NO_PASSWORD,
                Role::Member,
                now,
            );
            row.active = Set(active);
            if vouched(&txn, tenant.id, &email).await? {
                row.email_verified_at = Set(Some(now));
            }
            let user = row.insert(&txn).await.or_internal(why)?;
            kept_row(tenant.id, user.id, &w)
                .insert(&txn)
                .await
                .or_internal(why)?;
            audit(
                &txn,
                tenant.id,
                AuditAction::ScimAccountCreated,
                &user.email,
                None,
                Some(json!({ "userName": w.user_name, "active": active })),
            )
            .await?;
            user
        }
    };
    let row = kept(&txn, user.id).await?;
    let out = representation(&txn, &user, row.as_ref(), base).await?;
    txn.commit().await.or_internal(why)?;
    Ok(out)
}

/// The account's address, name and active state as `w` says (inside the caller's
/// transaction, after `lock_tenant`); answers the account as it now is.
async fn change(
    txn: &DatabaseTransaction,
    tenant: &tenants::Model,
    user: users::Model,
    w: &Wanted,
    email: &Email,
    name: &DisplayName,
) -> Result<users::Model, ScimError> {
    let why = "changing a provisioned account";
    if email.as_str() != user.email {
        let taken = users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .count(txn)
            .await
            .or_internal(why)?;
        if taken > 0 {
            return Err(ScimError::uniqueness(format!(
                "The address {} belongs to another Digame account.",
                email.as_str()
            )));
        }
    }
    if let Some(active) = w.active {
        crate::features::members::service::set_active_by_provider(txn, tenant, &user, active)
            .await?;
    }
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    let mut update = users::ActiveModel {
        id: Set(user.id),
        ..Default::default()
    };
    if email.as_str() != user.email {
        before.insert("email".into(), user.email.clone().into());
        after.insert("email".into(), email.as_str().into());
        update.email = Set(email.as_str().to_owned());
        let verified = vouched(txn, tenant.id, email).await?;
        update.email_verified_at = Set(verified.then(Utc::now));
    }
    if name.as_str() != user.display_name {
        before.insert("name".into(), user.display_name.clone().into());
        after.insert("name".into(), name.as_str().into());
        update.display_name = Set(name.as_str().to_owned());
    }
    if !after.is_empty() {
        update.update(txn).await.or_internal(why)?;
        audit(
            txn,
            tenant.id,
            AuditAction::ScimAccountChanged,
            email.as_str(),
            Some(Value::Object(before)),
            Some(Value::Object(after)),
        )
        .await?;
    }
    users::Entity::find_by_id(user.id)
        .one(txn)
        .await
        .or_internal(why)?
        .ok_or_else(|| ScimError::not_found("User", &user.id.to_string()))
}

/// `PUT /Users/{id}`: the account becomes what `w` says. An absent `active` keeps the
/// account as it is.
pub async fn replace(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    id: &str,
    w: Wanted,
    base: &str,
) -> Result<Value, ScimError> {
    let why = "changing a provisioned account";
    let txn = db.begin().await.or_internal(why)?;
    let tenant = crate::features::tenancy::service::lock_tenant(&txn, tenant.id).await?;
    let user = account(&txn, tenant.id, id).await?;
    let out = store(&txn, &tenant, user, w, base).await?;
    txn.commit().await.or_internal(why)?;
    Ok(out)
}

/// `PATCH /Users/{id}`: the operations applied to the User as it is, then stored as a
/// replacement — read and written in one transaction, so two patches at once both count.
pub async fn patch(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    id: &str,
    ops: &scim_v2::models::others::PatchOp,
    base: &str,
) -> Result<Value, ScimError> {
    use scim_v2::models::others::PatchOperation;
    for op in &ops.operations {
        if let PatchOperation::Remove { path, .. } = op {
            let attr = match path {
                scim_v2::filter::PatchPath::Attr(a) => a,
                scim_v2::filter::PatchPath::Value(v) => &v.attr,
            };
            if ["active", "username"].contains(&attr.name.to_lowercase().as_str()) {
                return Err(ScimError::bad(
                    ScimType::Mutability,
                    format!(
                        "{} cannot be removed: an account always has one (replace active with false to deactivate).",
                        attr.name
                    ),
                ));
            }
        }
    }
    let why = "changing a provisioned account";
    let txn = db.begin().await.or_internal(why)?;
    let tenant = crate::features::tenancy::service::lock_tenant(&txn, tenant.id).await?;
    let user = account(&txn, tenant.id, id).await?;
    let row = kept(&txn, user.id).await?;
    let mut current = representation(&txn, &user, row.as_ref(), base).await?;
    patch::apply(&mut current, ops, USER, &["groups"])?;
    if let Some(object) = current.as_object_mut() {
        object.remove("groups");
        object.remove("meta");
        object.remove("id");
    }
    let out = store(&txn, &tenant, user, wanted(current)?, base).await?;
    txn.commit().await.or_internal(why)?;
    Ok(out)
}

/// The account and what is kept of the provider's word become what `w` says; answers the
/// User. Inside the caller's transaction, after `lock_tenant`.
async fn store(
    txn: &DatabaseTransaction,
    tenant: &tenants::Model,
    user: users::Model,
    w: Wanted,
    base: &str,
) -> Result<Value, ScimError> {
    let why = "changing a provisioned account";
    let email = address_of(&w)?;
    let name = display_of(&w, &email)?;
    ensure_user_name_free(txn, tenant.id, &w.user_name.to_lowercase(), Some(user.id)).await?;
    let had = kept(txn, user.id).await?;
    let user = change(txn, tenant, user, &w, &email, &name).await?;
    let mut row = kept_row(tenant.id, user.id, &w);
    match had {
        Some(old) => {
            row.created_at = Set(old.created_at);
            row.update(txn).await.or_internal(why)?;
        }
        None => {
            row.insert(txn).await.or_internal(why)?;
        }
    }
    let row = kept(txn, user.id).await?;
    Ok(representation(txn, &user, row.as_ref(), base).await?)
}

/// `DELETE /Users/{id}`: the account is erased, as when a person deletes their own (the last
/// active administrator stays; so does the company's last person); they are told by mail.
pub async fn delete(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    id: &str,
) -> Result<(), ScimError> {
    let why = "deleting a provisioned account";
    let txn = db.begin().await.or_internal(why)?;
    let tenant = crate::features::tenancy::service::lock_tenant(&txn, tenant.id).await?;
    let user = account(&txn, tenant.id, id).await?;
    crate::features::members::service::ensure_not_last_admin(&txn, &user, "id").await?;
    crate::features::account_data::service::erase_member(&txn, &user).await?;
    crate::features::account_data::service::goodbye_mail(
        &txn,
        &user,
        &format!("by {}'s identity provider", tenant.name),
    )
    .await?;
    audit(
        &txn,
        tenant.id,
        AuditAction::ScimAccountDeleted,
        &user.email,
        None,
        None,
    )
    .await?;
    txn.commit().await.or_internal(why)?;
    Ok(())
}
