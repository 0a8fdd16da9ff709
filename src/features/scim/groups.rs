//! The Group resource over the company's groups (Admin → Groups): the provider makes,
//! renames and deletes them and keeps their members; a person it puts in a group is there
//! with the source `scim`. The same rules as an admin's changes hold (unique names, at most
//! `MAX_GROUPS`, a group a tool is limited to is not deleted), audited with no actor.

use super::patch;
use super::wire::{self, ScimError};
use crate::entities::{group_members, member_groups, scim_groups, tenants, users};
use crate::error::{AppError, ResultExt};
use crate::features::groups::service as groups;
use scim_v2::models::errors::ScimType;
use scim_v2::models::group::Group;
use scim_v2::schema_urns::GROUP;
use scim_v2::Validate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// Who put a person in a group over SCIM.
pub const SOURCE_SCIM: &str = "scim";

/// The groups each of these people is in, as (id, name) by name; two reads whatever the
/// number of people.
pub async fn groups_of(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
) -> Result<HashMap<i64, Vec<(i64, String)>>, AppError> {
    let why = "reading people's groups";
    let memberships = group_members::Entity::find()
        .filter(group_members::Column::UserId.is_in(user_ids.iter().copied()))
        .all(db)
        .await
        .or_internal(why)?;
    let mut out: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    if memberships.is_empty() {
        return Ok(out);
    }
    let groups = member_groups::Entity::find()
        .filter(member_groups::Column::Id.is_in(memberships.iter().map(|m| m.group_id)))
        .order_by_asc(member_groups::Column::NameKey)
        .all(db)
        .await
        .or_internal(why)?;
    for g in groups {
        for m in memberships.iter().filter(|m| m.group_id == g.id) {
            out.entry(m.user_id)
                .or_default()
                .push((g.id, g.name.clone()));
        }
    }
    Ok(out)
}

/// What a create, a replacement or a patched Group asks for. `members: None`: not said
/// (kept as they are).
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: Option<BTreeSet<i64>>,
}

pub fn wanted(body: Value) -> Result<Wanted, ScimError> {
    let group: Group<String> = serde_json::from_value(body)
        .map_err(|e| ScimError::bad(ScimType::InvalidSyntax, format!("Not a SCIM Group: {e}")))?;
    group
        .validate()
        .map_err(|e| ScimError::bad(ScimType::InvalidValue, e.to_string()))?;
    let display_name = crate::features::groups::check_name("displayName", &group.display_name)
        .map_err(|e| {
            ScimError::bad(
                ScimType::InvalidValue,
                format!("displayName: {}", e.message()),
            )
        })?;
    let external_id = group
        .external_id
        .into_option()
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty());
    if external_id
        .as_ref()
        .is_some_and(|e| e.chars().count() > 512)
    {
        return Err(ScimError::bad(
            ScimType::InvalidValue,
            "externalId is longer than 512 characters.",
        ));
    }
    let members = match group.members {
        scim_v2::Asserted::Absent => None,
        scim_v2::Asserted::Nulled => Some(BTreeSet::new()),
        scim_v2::Asserted::Set(list) => {
            let mut ids = BTreeSet::new();
            for m in list {
                if m.r#type
                    .as_ref()
                    .is_some_and(|t| *t == scim_v2::models::group::MemberType::Group)
                {
                    return Err(ScimError::bad(
                        ScimType::InvalidValue,
                        "A group's members are people: groups in groups are not supported.",
                    ));
                }
                let value = m.value.unwrap_or_default();
                let id = value.parse::<i64>().map_err(|_| {
                    ScimError::bad(
                        ScimType::InvalidValue,
                        format!("There is no person with id {value:?} in this company."),
                    )
                })?;
                ids.insert(id);
            }
            Some(ids)
        }
    };
    Ok(Wanted {
        display_name,
        external_id,
        members,
    })
}

fn group_id(id: &str) -> Result<i64, ScimError> {
    id.parse::<i64>()
        .map_err(|_| ScimError::not_found("Group", id))
}

async fn group(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    id: &str,
) -> Result<member_groups::Model, ScimError> {
    member_groups::Entity::find_by_id(group_id(id)?)
        .filter(member_groups::Column::TenantId.eq(tenant_id))
        .one(db)
        .await
        .or_internal("reading a group")?
        .ok_or_else(|| ScimError::not_found("Group", id))
}

/// The `externalId` of each of these groups that has one.
async fn externals_of(
    db: &impl ConnectionTrait,
    group_ids: &[i64],
) -> Result<HashMap<i64, String>, AppError> {
    Ok(scim_groups::Entity::find()
        .filter(scim_groups::Column::GroupId.is_in(group_ids.iter().copied()))
        .all(db)
        .await
        .or_internal("reading groups' provisioning")?
        .into_iter()
        .filter_map(|g| g.external_id.map(|e| (g.group_id, e)))
        .collect())
}

/// The people of each of these groups, by id.
async fn members_of(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    group_ids: &[i64],
) -> Result<HashMap<i64, Vec<users::Model>>, AppError> {
    let why = "reading groups' people";
    let memberships = group_members::Entity::find()
        .filter(group_members::Column::GroupId.is_in(group_ids.iter().copied()))
        .all(db)
        .await
        .or_internal(why)?;
    let mut out: HashMap<i64, Vec<users::Model>> = HashMap::new();
    if memberships.is_empty() {
        return Ok(out);
    }
    let people = users::Entity::find()
        .filter(users::Column::Id.is_in(memberships.iter().map(|m| m.user_id)))
        .filter(users::Column::TenantId.eq(tenant_id))
        .order_by_asc(users::Column::Id)
        .all(db)
        .await
        .or_internal(why)?;
    for person in people {
        for m in memberships.iter().filter(|m| m.user_id == person.id) {
            out.entry(m.group_id).or_default().push(person.clone());
        }
    }
    Ok(out)
}

/// These groups as SCIM answers them, in their order; `members` false leaves the people out
/// (a provider's `excludedAttributes=members`, saving the read).
pub async fn representations(
    db: &impl ConnectionTrait,
    groups: &[member_groups::Model],
    base: &str,
    members: bool,
) -> Result<Vec<Value>, AppError> {
    let ids: Vec<i64> = groups.iter().map(|g| g.id).collect();
    let mut externals = externals_of(db, &ids).await?;
    let mut people = match (members, groups.first()) {
        (true, Some(g)) => members_of(db, g.tenant_id, &ids).await?,
        _ => HashMap::new(),
    };
    Ok(groups
        .iter()
        .map(|g| {
            let mut out = json!({
                "schemas": [GROUP],
                "id": g.id.to_string(),
                "displayName": g.name,
                "meta": {
                    "resourceType": "Group",
                    "created": crate::util::rfc3339(g.created_at),
                    "location": format!("{base}/Groups/{}", g.id),
                },
            });
            if let Some(external) = externals.remove(&g.id) {
                out["externalId"] = external.into();
            }
            if let Some(list) = people.remove(&g.id) {
                // No `display`: the RFC's Group schema (RFC 7643 §8.7.1) has none for members.
                out["members"] = list
                    .into_iter()
                    .map(|u| {
                        json!({ "value": u.id.to_string(), "type": "User",
                                "$ref": format!("{base}/Users/{}", u.id) })
                    })
                    .collect();
            }
            out
        })
        .collect())
}

/// One group as SCIM answers it.
async fn representation(
    db: &impl ConnectionTrait,
    g: &member_groups::Model,
    base: &str,
    members: bool,
) -> Result<Value, AppError> {
    let mut all = representations(db, std::slice::from_ref(g), base, members).await?;
    Ok(all.pop().unwrap_or(Value::Null))
}

fn wants_members(attributes: Option<&str>, excluded: Option<&str>) -> bool {
    let named = |raw: Option<&str>| {
        raw.unwrap_or_default().split(',').any(|a| {
            a.trim().eq_ignore_ascii_case("members")
                || a.trim().to_lowercase().starts_with("members.")
        })
    };
    let some = |raw: Option<&str>| raw.is_some_and(|r| !r.trim().is_empty());
    !named(excluded) && (!some(attributes) || named(attributes))
}

pub async fn get(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    id: &str,
    query: &super::routes::ListParams,
    base: &str,
) -> Result<Value, ScimError> {
    let g = group(db, tenant.id, id).await?;
    let members = wants_members(
        query.attributes.as_deref(),
        query.excluded_attributes.as_deref(),
    );
    let out = representation(db, &g, base, members).await?;
    Ok(wire::select(
        out,
        query.attributes.as_deref(),
        query.excluded_attributes.as_deref(),
    ))
}

/// What a list of groups may be filtered on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupFilter {
    DisplayName(String),
    ExternalId(String),
    Id(String),
}

/// Reads `?filter=` (see [`wire::eq_filter`]).
pub fn group_filter(raw: &str) -> Result<GroupFilter, ScimError> {
    let (name, value) = wire::eq_filter(
        raw,
        GROUP,
        &["displayname", "externalid", "id"],
        "Groups can be filtered only as displayName eq \"…\", externalId eq \"…\" or id eq \"…\".",
    )?;
    Ok(match name {
        "displayname" => GroupFilter::DisplayName(value),
        "externalid" => GroupFilter::ExternalId(value),
        _ => GroupFilter::Id(value),
    })
}

pub async fn list(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    query: &super::routes::ListParams,
    base: &str,
) -> Result<Value, ScimError> {
    let why = "listing groups";
    let (offset, limit) = wire::page(query.start_index, query.count);
    let mut q = member_groups::Entity::find().filter(member_groups::Column::TenantId.eq(tenant.id));
    if let Some(raw) = query.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        q = match group_filter(raw)? {
            GroupFilter::DisplayName(name) => {
                q.filter(member_groups::Column::NameKey.eq(name.trim().to_lowercase()))
            }
            GroupFilter::Id(id) => {
                q.filter(member_groups::Column::Id.eq(id.parse::<i64>().unwrap_or(-1)))
            }
            GroupFilter::ExternalId(external) => {
                let ids: Vec<i64> = scim_groups::Entity::find()
                    .filter(scim_groups::Column::TenantId.eq(tenant.id))
                    .filter(scim_groups::Column::ExternalId.eq(external))
                    .all(db)
                    .await
                    .or_internal(why)?
                    .into_iter()
                    .map(|g| g.group_id)
                    .collect();
                q.filter(member_groups::Column::Id.is_in(ids))
            }
        };
    }
    let total = q.clone().count(db).await.or_internal(why)?;
    let found = q
        .order_by_asc(member_groups::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await
        .or_internal(why)?;
    let members = wants_members(
        query.attributes.as_deref(),
        query.excluded_attributes.as_deref(),
    );
    let resources = representations(db, &found, base, members)
        .await?
        .into_iter()
        .map(|out| {
            wire::select(
                out,
                query.attributes.as_deref(),
                query.excluded_attributes.as_deref(),
            )
        })
        .collect();
    Ok(wire::list(total, offset + 1, resources))
}

fn refused_name(e: AppError) -> ScimError {
    match e {
        AppError::Conflict { message, .. } => ScimError::uniqueness(message),
        other => other.into(),
    }
}

/// Stores the group's externalId (kept, changed or cleared).
async fn keep_external(
    txn: &DatabaseTransaction,
    tenant_id: i64,
    group_id: i64,
    external_id: Option<String>,
) -> Result<(), AppError> {
    let why = "keeping a group's externalId";
    scim_groups::Entity::delete_by_id(group_id)
        .exec(txn)
        .await
        .or_internal(why)?;
    scim_groups::ActiveModel {
        group_id: Set(group_id),
        tenant_id: Set(tenant_id),
        external_id: Set(external_id),
    }
    .insert(txn)
    .await
    .or_internal(why)?;
    Ok(())
}

/// The group's people become exactly `wanted` (each one of the company's people).
async fn set_members(
    txn: &DatabaseTransaction,
    g: &member_groups::Model,
    wanted: &BTreeSet<i64>,
) -> Result<(), ScimError> {
    let why = "changing a group's people";
    let people = users::Entity::find()
        .filter(users::Column::TenantId.eq(g.tenant_id))
        .filter(users::Column::Id.is_in(wanted.iter().copied()))
        .all(txn)
        .await
        .or_internal(why)?;
    if let Some(missing) = wanted
        .iter()
        .find(|id| !people.iter().any(|p| p.id == **id))
    {
        return Err(ScimError::bad(
            ScimType::InvalidValue,
            format!("There is no person with id \"{missing}\" in this company."),
        ));
    }
    let now: BTreeSet<i64> = group_members::Entity::find()
        .filter(group_members::Column::GroupId.eq(g.id))
        .all(txn)
        .await
        .or_internal(why)?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    for person in &people {
        if !now.contains(&person.id) {
            groups::set_member_by_provider(txn, g, person, true, SOURCE_SCIM).await?;
        }
    }
    let leaving: Vec<i64> = now.difference(wanted).copied().collect();
    if !leaving.is_empty() {
        for person in users::Entity::find()
            .filter(users::Column::Id.is_in(leaving))
            .all(txn)
            .await
            .or_internal(why)?
        {
            groups::set_member_by_provider(txn, g, &person, false, SOURCE_SCIM).await?;
        }
    }
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    w: Wanted,
    base: &str,
) -> Result<Value, ScimError> {
    let why = "provisioning a group";
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, tenant.id).await?;
    let id = groups::create_in(&txn, tenant.id, None, &w.display_name)
        .await
        .map_err(refused_name)?;
    keep_external(&txn, tenant.id, id, w.external_id.clone()).await?;
    let g = group(&txn, tenant.id, &id.to_string()).await?;
    if let Some(members) = &w.members {
        set_members(&txn, &g, members).await?;
    }
    let out = representation(&txn, &g, base, true).await?;
    txn.commit().await.or_internal(why)?;
    Ok(out)
}

/// `PUT /Groups/{id}`. Members left out are kept as they are.
pub async fn replace(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    id: &str,
    w: Wanted,
    base: &str,
) -> Result<Value, ScimError> {
    let why = "changing a provisioned group";
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, tenant.id).await?;
    let g = group(&txn, tenant.id, id).await?;
    let out = store(&txn, g, w, base).await?;
    txn.commit().await.or_internal(why)?;
    Ok(out)
}

/// `PATCH /Groups/{id}`: the operations applied to the Group as it is (members included: a
/// patch that adds one keeps the others), then stored as a replacement — read and written in
/// one transaction, so two patches at once both count.
pub async fn patch(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    id: &str,
    ops: &scim_v2::models::others::PatchOp,
    base: &str,
) -> Result<Value, ScimError> {
    let why = "changing a provisioned group";
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, tenant.id).await?;
    let g = group(&txn, tenant.id, id).await?;
    let mut current = representation(&txn, &g, base, true).await?;
    if let Some(object) = current.as_object_mut() {
        object.remove("meta");
        object.remove("id");
    }
    patch::apply(&mut current, ops, GROUP, &[])?;
    // The patched group is the whole group: members the operations removed are gone (an
    // absent `members` in a PUT keeps them; here it means none are left).
    if let Some(object) = current.as_object_mut() {
        object
            .entry("members")
            .or_insert_with(|| Value::Array(Vec::new()));
    }
    let out = store(&txn, g, wanted(current)?, base).await?;
    txn.commit().await.or_internal(why)?;
    Ok(out)
}

/// The group becomes what `w` says; answers it. Inside the caller's transaction, after
/// `lock_tenant`.
async fn store(
    txn: &DatabaseTransaction,
    g: member_groups::Model,
    w: Wanted,
    base: &str,
) -> Result<Value, ScimError> {
    groups::rename_in(txn, &g, None, &w.display_name)
        .await
        .map_err(refused_name)?;
    keep_external(txn, g.tenant_id, g.id, w.external_id.clone()).await?;
    let g = group(txn, g.tenant_id, &g.id.to_string()).await?;
    if let Some(members) = &w.members {
        set_members(txn, &g, members).await?;
    }
    Ok(representation(txn, &g, base, true).await?)
}

pub async fn delete(
    db: &DatabaseConnection,
    tenant: &tenants::Model,
    id: &str,
) -> Result<(), ScimError> {
    let why = "deleting a provisioned group";
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, tenant.id).await?;
    let g = group(&txn, tenant.id, id).await?;
    groups::delete_in(&txn, &g, None).await?;
    txn.commit().await.or_internal(why)?;
    Ok(())
}
