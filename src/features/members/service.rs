//! Members (invitations are in `invitations.rs`). Every query is scoped to the caller's tenant, which comes from
//! the session (`SessionUser`), never from the request.
//!
//! Two rules live here, each in one function and checked inside the transaction that
//! changes the data, after the tenant's row is locked (`tenancy::service::lock_tenant`):
//! the seat limit ([`ensure_free_place`]) and the last-admin guard ([`ensure_other_admin`]).

use super::{InvitationRow, MemberRow, MembersView};
use crate::audit_log::{record, Event};
use crate::domain::{AuditAction, PageRequest, Role};
use crate::entities::{group_members, invitations, member_groups, tenants, users};
use crate::error::{AppError, ResultExt};
use crate::features::tenancy::service::lock_tenant;
use crate::person::SessionUser;
use crate::util::rfc3339;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

pub const INVITATION_DAYS: i64 = 7;

pub(super) fn not_found() -> AppError {
    AppError::NotFound("There is no such member or invitation in your company.".into())
}

pub(super) fn parse_role(role: &str) -> Result<Role, AppError> {
    Role::parse(role).ok_or_else(|| AppError::validation("role", "Choose a role: admin or member."))
}

pub fn hash_token(token: &str) -> String {
    crate::util::sha256_hex(token)
}

pub(super) fn pending_invitations(tenant_id: i64) -> sea_orm::Select<invitations::Entity> {
    invitations::Entity::find()
        .filter(invitations::Column::TenantId.eq(tenant_id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(Utc::now()))
}

/// Active members of a company.
pub async fn count_active(db: &impl ConnectionTrait, tenant_id: i64) -> Result<u64, AppError> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Active.eq(true))
        .count(db)
        .await
        .or_internal("counting members")
}

/// Places used, counted one way everywhere: active members plus pending invitations,
/// leaving out the invitations in `holding`.
async fn places_used(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    holding: &[i64],
) -> Result<u64, AppError> {
    let members = count_active(db, tenant_id).await?;
    let mut pending = pending_invitations(tenant_id);
    if !holding.is_empty() {
        pending = pending.filter(invitations::Column::Id.is_not_in(holding.iter().copied()));
    }
    let pending = pending
        .count(db)
        .await
        .or_internal("counting invitations")?;
    Ok(members + pending)
}

/// What is asking for a place, for the message that refuses it.
#[derive(Debug, Clone, Copy)]
pub(super) enum PlaceFor {
    Invitation,
    Join,
    Reactivation,
}

/// The seat rule. A change that takes a place (a new invitation, a join, a reactivation)
/// needs a free one: places used (active members + pending invitations) below the tier's
/// limit. `holding` names the invitations whose place the change reuses (the one a join
/// accepts, the ones a repeated invitation replaces), which are not counted against it.
/// Call it inside the transaction that makes the change, after `lock_tenant`.
pub(super) async fn ensure_free_place(
    txn: &impl ConnectionTrait,
    tenant: &tenants::Model,
    holding: &[i64],
    purpose: PlaceFor,
) -> Result<(), AppError> {
    let tier = tenant.tier;
    let Some(max) = tier.limits().max_members else {
        return Ok(());
    };
    if places_used(txn, tenant.id, holding).await? < u64::from(max) {
        return Ok(());
    }
    Err(AppError::SubscriptionLimit(match purpose {
        PlaceFor::Invitation => format!(
            "The {} plan allows {max} members, counting pending invitations. Revoke an invitation or deactivate a member first.",
            tier.label()
        ),
        PlaceFor::Join => format!(
            "{} has reached its plan's limit of {max} members. Ask an administrator to make room.",
            tenant.name
        ),
        PlaceFor::Reactivation => {
            format!("Your plan allows {max} members, counting pending invitations.")
        }
    }))
}

/// For an account made on a first single sign-on: inside its transaction, after
/// `lock_tenant`, a free place within the plan, counted as a join is.
pub async fn ensure_place_for_sign_on(
    txn: &impl ConnectionTrait,
    tenant: &tenants::Model,
) -> Result<(), AppError> {
    ensure_free_place(txn, tenant, &[], PlaceFor::Join).await
}

/// A role as the company's identity provider says at a sign-in (its groups claim), audited
/// with no actor. The last active administrator keeps the role (the company is never left
/// without one; the sign-in goes on and the refusal is logged). Answers whether it changed.
/// Call it inside a transaction, after `lock_tenant`.
pub async fn set_role_from_provider(
    txn: &impl ConnectionTrait,
    member: &users::Model,
    role: Role,
) -> Result<bool, AppError> {
    if member.role == role {
        return Ok(false);
    }
    if role != Role::Admin
        && ensure_other_admin(txn, member, "role", "last administrator")
            .await
            .is_err()
    {
        tracing::warn!(
            user_id = member.id,
            "the provider's groups would take the last administrator's role; kept"
        );
        return Ok(false);
    }
    users::ActiveModel {
        id: Set(member.id),
        role: Set(role),
        ..Default::default()
    }
    .update(txn)
    .await
    .or_internal("changing a role")?;
    record(
        txn,
        Event {
            tenant_id: member.tenant_id,
            actor_user_id: None,
            action: AuditAction::MemberRoleChanged,
            target: &member.email,
            before: Some(serde_json::json!({ "role": member.role.as_str() })),
            after: Some(serde_json::json!({ "role": role.as_str(), "by": "single sign-on" })),
        },
    )
    .await?;
    Ok(true)
}

/// The last-admin guard: a company always keeps one active administrator. Refuses a change
/// that would take `member` away from being one when nobody else is. Call it inside the
/// transaction that makes the change, after `lock_tenant`.
async fn ensure_other_admin(
    txn: &impl ConnectionTrait,
    member: &users::Model,
    field: &str,
    message: &str,
) -> Result<(), AppError> {
    if member.role != Role::Admin || !member.active {
        return Ok(());
    }
    let others = users::Entity::find()
        .filter(users::Column::TenantId.eq(member.tenant_id))
        .filter(users::Column::Role.eq(Role::Admin))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Id.ne(member.id))
        .count(txn)
        .await
        .or_internal("counting admins")?;
    if others == 0 {
        return Err(AppError::Conflict {
            field: field.into(),
            message: message.into(),
        });
    }
    Ok(())
}

pub async fn members_view(
    db: &DatabaseConnection,
    admin: &SessionUser,
    page: PageRequest,
) -> Result<MembersView, AppError> {
    let in_company = || users::Entity::find().filter(users::Column::TenantId.eq(admin.tenant_id()));
    let found = in_company()
        .order_by_asc(users::Column::DisplayName)
        .order_by_asc(users::Column::Id)
        .offset(page.offset())
        .limit(page.fetch())
        .all(db)
        .await
        .or_internal("listing members")?;
    let (members, paging) = page.cut(found);
    // The page's people's groups, in two reads: their memberships, the company's groups.
    let memberships = group_members::Entity::find()
        .filter(group_members::Column::TenantId.eq(admin.tenant_id()))
        .filter(group_members::Column::UserId.is_in(members.iter().map(|u| u.id)))
        .all(db)
        .await
        .or_internal("listing members' groups")?;
    let groups = if memberships.is_empty() {
        Vec::new()
    } else {
        member_groups::Entity::find()
            .filter(member_groups::Column::TenantId.eq(admin.tenant_id()))
            .order_by_asc(member_groups::Column::NameKey)
            .all(db)
            .await
            .or_internal("listing members' groups")?
    };
    let groups_of = |user_id: i64| -> Vec<String> {
        groups
            .iter()
            .filter(|g| {
                memberships
                    .iter()
                    .any(|m| m.user_id == user_id && m.group_id == g.id)
            })
            .map(|g| g.name.clone())
            .collect()
    };
    let active_admins = in_company()
        .filter(users::Column::Role.eq(Role::Admin))
        .filter(users::Column::Active.eq(true))
        .count(db)
        .await
        .or_internal("counting administrators")?;
    let pending = pending_invitations(admin.tenant_id())
        .order_by_desc(invitations::Column::CreatedAt)
        .all(db)
        .await
        .or_internal("listing invitations")?;
    let used = places_used(db, admin.tenant_id(), &[]).await?;
    let seats = match admin.tier().limits().max_members {
        Some(max) => format!("{used} of {max} places used (members and pending invitations)"),
        None => format!("{used} places used; your plan has no member limit"),
    };
    Ok(MembersView {
        members: members
            .into_iter()
            .map(|u| MemberRow {
                is_you: u.id == admin.user.id,
                id: u.id,
                is_admin: u.role == Role::Admin,
                name: u.display_name,
                email: u.email,
                active: u.active,
                last_sign_in: u.last_login_at.map(rfc3339),
                onboarding_completed: u.onboarding_completed,
                groups: groups_of(u.id),
            })
            .collect(),
        paging,
        active_admins,
        invitations: pending
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                email: i.email,
                role: i.role,
                expires: rfc3339(i.expires_at),
            })
            .collect(),
        seats,
    })
}

/// The people of a company, by name, for filters and for naming actors.
pub async fn people(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::TenantId.eq(person.tenant_id()))
        .order_by_asc(users::Column::DisplayName)
        .all(db)
        .await
        .or_internal("listing members")?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

async fn member_of(
    db: &impl ConnectionTrait,
    admin: &SessionUser,
    member_id: i64,
) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(member_id)
        .filter(users::Column::TenantId.eq(admin.tenant_id()))
        .one(db)
        .await
        .or_internal("reading a member")?
        .ok_or_else(not_found)
}

pub async fn set_role(
    db: &DatabaseConnection,
    admin: &SessionUser,
    member_id: i64,
    role: &str,
) -> Result<(), AppError> {
    let role = parse_role(role)?;
    let txn = db.begin().await.or_internal("changing a role")?;
    lock_tenant(&txn, admin.tenant_id()).await?;
    // Read after the lock: a concurrent change to this member or another admin is seen.
    let member = member_of(&txn, admin, member_id).await?;
    let before = member.role;
    if before == role {
        return Ok(());
    }
    if role != Role::Admin {
        ensure_other_admin(
            &txn,
            &member,
            "role",
            "This is the last active administrator. Make someone else an administrator first.",
        )
        .await?;
    }
    users::ActiveModel {
        id: Set(member.id),
        role: Set(role),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("changing a role")?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: AuditAction::MemberRoleChanged,
            target: &member.email,
            before: Some(serde_json::json!({ "role": before.as_str() })),
            after: Some(serde_json::json!({ "role": role.as_str() })),
        },
    )
    .await?;
    txn.commit().await.or_internal("changing a role")
}

/// Deactivates or reactivates a member. A deactivated member's sessions stop working at
/// their next request (the session loader refuses inactive accounts) and their API tokens
/// are revoked; reactivating brings neither back.
pub async fn set_active(
    db: &DatabaseConnection,
    admin: &SessionUser,
    member_id: i64,
    active: bool,
) -> Result<(), AppError> {
    if !active && member_id == admin.user.id {
        // Checked before the member is read so the answer is the same for any id.
        member_of(db, admin, member_id).await?;
        return Err(AppError::Conflict {
            field: "active".into(),
            message: "You cannot deactivate your own account. Ask another administrator.".into(),
        });
    }
    let txn = db.begin().await.or_internal("changing a member")?;
    let tenant = lock_tenant(&txn, admin.tenant_id()).await?;
    let member = member_of(&txn, admin, member_id).await?;
    apply_active(&txn, &tenant, &member, active, Some(admin.user.id)).await?;
    txn.commit().await.or_internal("changing a member")
}

/// Deactivates or reactivates `member` as the company's identity provider says (SCIM),
/// audited with no actor: the same rules as an admin's change (a free place to come back, the
/// last active administrator stays). Inside a transaction, after `lock_tenant`; answers
/// whether it changed.
pub async fn set_active_by_provider(
    txn: &impl ConnectionTrait,
    tenant: &tenants::Model,
    member: &users::Model,
    active: bool,
) -> Result<bool, AppError> {
    apply_active(txn, tenant, member, active, None).await
}

/// Refuses taking away the company's last active administrator (deleting them, say).
/// Inside a transaction, after `lock_tenant`.
pub async fn ensure_not_last_admin(
    txn: &impl ConnectionTrait,
    member: &users::Model,
    field: &str,
) -> Result<(), AppError> {
    ensure_other_admin(
        txn,
        member,
        field,
        "This is the company's last active administrator: make someone else an administrator first.",
    )
    .await
}

/// The one change of `active`: a reactivation needs a free place, a deactivation another
/// active administrator; a deactivation ends the member's sessions (their epoch moves on:
/// reactivating brings no old session back) and revokes their API tokens. Audited, by
/// `actor` or (`None`) by the company's provider.
async fn apply_active(
    txn: &impl ConnectionTrait,
    tenant: &tenants::Model,
    member: &users::Model,
    active: bool,
    actor: Option<i64>,
) -> Result<bool, AppError> {
    if member.active == active {
        return Ok(false);
    }
    if active {
        ensure_free_place(txn, tenant, &[], PlaceFor::Reactivation).await?;
    } else {
        ensure_other_admin(
            txn,
            member,
            "active",
            "This is the last active administrator and cannot be deactivated.",
        )
        .await?;
    }
    users::ActiveModel {
        id: Set(member.id),
        active: Set(active),
        session_epoch: if active {
            sea_orm::ActiveValue::NotSet
        } else {
            Set(member.session_epoch.wrapping_add(1))
        },
        ..Default::default()
    }
    .update(txn)
    .await
    .or_internal("changing a member")?;
    if !active {
        crate::features::tokens::revoke_all(txn, member.id).await?;
    }
    let mut after = serde_json::json!({ "active": active });
    if actor.is_none() {
        after["by"] = "provisioning (SCIM)".into();
    }
    record(
        txn,
        Event {
            tenant_id: member.tenant_id,
            actor_user_id: actor,
            action: if active {
                AuditAction::MemberReactivated
            } else {
                AuditAction::MemberDeactivated
            },
            target: &member.email,
            before: Some(serde_json::json!({ "active": member.active })),
            after: Some(after),
        },
    )
    .await?;
    Ok(true)
}
