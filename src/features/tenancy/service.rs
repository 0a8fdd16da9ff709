//! Tenant administration services. Every query here is scoped to the caller's tenant, which
//! comes from the session (`SessionUser`), never from the request.

use super::access::{explain, tool_access, AccessFacts, ToolAccess};
use super::{
    AuditRow, AuditView, FeatureRow, FeaturesView, InvitationInfo, InvitationRow, InviteCreated,
    MemberRow, MembersView, Tier, ToolCard,
};
use crate::entities::{
    ai_usage, audit_events, invitations, tenant_features, tenants, user_api_keys, users,
};
use crate::error::AppError;
use crate::features::api_keys::service::format_time;
use crate::features::audit::service::{record, Event};
use crate::features::auth::backend::SessionUser;
use crate::features::auth::parse::Email;
use crate::features::tools::{KeyNeed, ToolId, TOOLS};
use crate::server::ctx::internal;
use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub const INVITATION_DAYS: i64 = 7;
const AUDIT_PAGE_SIZE: u64 = 25;

pub fn tier_of(tenant: &tenants::Model) -> Tier {
    // An unreadable tier grants the least, never the most.
    Tier::parse(&tenant.tier).unwrap_or(Tier::Free)
}

fn not_found() -> AppError {
    AppError::NotFound("There is no such member or invitation in your company.".into())
}

/// The tenant's flags; a tool with no stored row is on when the tier includes it.
pub async fn flags(
    db: &impl ConnectionTrait,
    tenant: &tenants::Model,
) -> Result<HashMap<ToolId, bool>, AppError> {
    let stored = tenant_features::Entity::find()
        .filter(tenant_features::Column::TenantId.eq(tenant.id))
        .all(db)
        .await
        .map_err(internal("reading feature flags"))?;
    let tier = tier_of(tenant);
    Ok(TOOLS
        .iter()
        .map(|t| {
            let on = stored
                .iter()
                .find(|r| r.flag == t.flag)
                .map_or(tier.includes(t.id), |r| r.enabled);
            (t.id, on && tier.includes(t.id))
        })
        .collect())
}

/// Stores one flag of a tenant (insert or update).
async fn write_flag(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    flag: &str,
    enabled: bool,
) -> Result<(), DbErr> {
    tenant_features::Entity::insert(tenant_features::ActiveModel {
        tenant_id: Set(tenant_id),
        flag: Set(flag.to_owned()),
        enabled: Set(enabled),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            tenant_features::Column::TenantId,
            tenant_features::Column::Flag,
        ])
        .update_columns([
            tenant_features::Column::Enabled,
            tenant_features::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Writes the flags a tier implies: on for every tool it includes, off for the rest.
pub async fn seed_flags(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    tier: Tier,
) -> Result<(), DbErr> {
    for tool in &TOOLS {
        write_flag(db, tenant_id, tool.flag, tier.includes(tool.id)).await?;
    }
    Ok(())
}

pub async fn features_view(
    db: &DatabaseConnection,
    admin: &SessionUser,
) -> Result<FeaturesView, AppError> {
    let tier = tier_of(&admin.tenant);
    let flags = flags(db, &admin.tenant).await?;
    Ok(FeaturesView {
        tier: tier.label().to_owned(),
        rows: TOOLS
            .iter()
            .map(|t| FeatureRow {
                flag: t.flag.to_owned(),
                title: t.title.to_owned(),
                enabled: flags[&t.id],
                in_tier: tier.includes(t.id),
                tier_needed: (!tier.includes(t.id))
                    .then(|| Tier::lowest_including(t.id).label().to_owned()),
            })
            .collect(),
    })
}

/// Switches one tool on or off for the admin's tenant, within the tier, with an audit row.
pub async fn set_feature(
    db: &DatabaseConnection,
    admin: &SessionUser,
    flag: &str,
    enabled: bool,
) -> Result<(), AppError> {
    let tool = ToolId::from_flag(flag)
        .ok_or_else(|| AppError::validation("flag", format!("There is no tool called {flag}.")))?;
    let tier = tier_of(&admin.tenant);
    if enabled && !tier.includes(tool) {
        return Err(AppError::SubscriptionLimit(format!(
            "{} is not included in the {} plan. The {} plan includes it.",
            tool.info().title,
            tier.label(),
            Tier::lowest_including(tool).label()
        )));
    }
    let before = flags(db, &admin.tenant).await?[&tool];
    let txn = db.begin().await.map_err(internal("switching a feature"))?;
    write_flag(&txn, admin.tenant_id(), flag, enabled)
        .await
        .map_err(internal("switching a feature"))?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: if enabled {
                "feature.enabled"
            } else {
                "feature.disabled"
            },
            target: flag,
            before: Some(serde_json::json!({ "enabled": before })),
            after: Some(serde_json::json!({ "enabled": enabled })),
        },
    )
    .await
    .map_err(internal("auditing a feature change"))?;
    txn.commit()
        .await
        .map_err(internal("switching a feature"))?;
    Ok(())
}

/// The person's access to every tool, for the dashboard.
pub async fn tool_cards(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<Vec<ToolCard>, AppError> {
    let flags = flags(db, &person.tenant).await?;
    let keys = usable_key_names(db, person).await?;
    let tier = tier_of(&person.tenant);
    Ok(TOOLS
        .iter()
        .map(|t| {
            let access = tool_access(t.id, facts(person, tier, flags[&t.id], &keys, t.id));
            ToolCard {
                flag: t.flag.to_owned(),
                title: t.title.to_owned(),
                summary: t.summary.to_owned(),
                message: explain(&access, &person.tenant.name, tier),
                access,
            }
        })
        .collect())
}

fn facts(
    person: &SessionUser,
    tier: Tier,
    flag_on: bool,
    keys: &[String],
    tool: ToolId,
) -> AccessFacts {
    let has_key = match tool.info().key {
        KeyNeed::Required(k) | KeyNeed::Optional(k) => keys.iter().any(|n| n == k),
        KeyNeed::None => false,
    };
    AccessFacts {
        tier,
        flag_on,
        user_active: person.user.active,
        has_key,
    }
}

async fn usable_key_names(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<Vec<String>, AppError> {
    let now = Utc::now();
    Ok(user_api_keys::Entity::find()
        .filter(user_api_keys::Column::TenantId.eq(person.tenant_id()))
        .filter(user_api_keys::Column::UserId.eq(person.user.id))
        .all(db)
        .await
        .map_err(internal("reading API keys"))?
        .into_iter()
        .filter(|k| k.expires_at.is_none_or(|t| t > now))
        .map(|k| k.key_name)
        .collect())
}

/// The one check every tool's server function makes before anything else: the tenant has
/// the tool on and in its tier, and the person is active. Keys are checked by the vault.
pub async fn authorize_tool(
    db: &DatabaseConnection,
    person: &SessionUser,
    tool: ToolId,
) -> Result<(), AppError> {
    let tier = tier_of(&person.tenant);
    let flags = flags(db, &person.tenant).await?;
    // The key is the vault's business (it gives the precise error); count it present here.
    let access = tool_access(
        tool,
        AccessFacts {
            tier,
            flag_on: flags[&tool],
            user_active: person.user.active,
            has_key: true,
        },
    );
    match access {
        ToolAccess::Available | ToolAccess::NeedsKey { .. } => Ok(()),
        ToolAccess::NotInTier { .. } => Err(AppError::SubscriptionLimit(explain(
            &access,
            &person.tenant.name,
            tier,
        ))),
        ToolAccess::SwitchedOff => Err(AppError::FeatureDisabled(explain(
            &access,
            &person.tenant.name,
            tier,
        ))),
        ToolAccess::AccountInactive => Err(AppError::Forbidden(explain(
            &access,
            &person.tenant.name,
            tier,
        ))),
    }
}

/// Counts one AI call against the person's daily allowance (UTC days), refusing once it is
/// used up. One atomic statement, so concurrent calls cannot overshoot.
pub async fn count_ai_call(db: &DatabaseConnection, person: &SessionUser) -> Result<(), AppError> {
    let tier = tier_of(&person.tenant);
    let allowance = tier.limits().ai_calls_per_user_per_day as i32;
    if allowance == 0 {
        return Err(AppError::SubscriptionLimit(format!(
            "The {} plan includes no AI calls. The Professional plan includes {} a day per person.",
            tier.label(),
            Tier::Professional.limits().ai_calls_per_user_per_day
        )));
    }
    let day = Utc::now().format("%Y-%m-%d").to_string();
    let counted = ai_usage::Entity::insert(ai_usage::ActiveModel {
        tenant_id: Set(person.tenant_id()),
        user_id: Set(person.user.id),
        day: Set(day),
        calls: Set(1),
    })
    .on_conflict(
        OnConflict::columns([ai_usage::Column::UserId, ai_usage::Column::Day])
            .value(
                ai_usage::Column::Calls,
                Expr::col((ai_usage::Entity, ai_usage::Column::Calls)).add(1),
            )
            .action_and_where(Expr::col((ai_usage::Entity, ai_usage::Column::Calls)).lt(allowance))
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map_err(internal("counting an AI call"))?;
    if counted == 0 {
        let reset = (Utc::now() + Duration::days(1))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc();
        return Err(AppError::RateLimited {
            message: format!(
                "You have used today's {allowance} AI calls. The allowance renews at midnight UTC."
            ),
            retry_after_secs: (reset - Utc::now()).num_seconds().max(1),
        });
    }
    Ok(())
}

async fn seats_used(db: &impl ConnectionTrait, tenant_id: i64) -> Result<u64, AppError> {
    let members = users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Active.eq(true))
        .count(db)
        .await
        .map_err(internal("counting members"))?;
    let pending = pending_invitations(tenant_id)
        .count(db)
        .await
        .map_err(internal("counting invitations"))?;
    Ok(members + pending)
}

fn pending_invitations(tenant_id: i64) -> sea_orm::Select<invitations::Entity> {
    invitations::Entity::find()
        .filter(invitations::Column::TenantId.eq(tenant_id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(Utc::now()))
}

pub async fn members_view(
    db: &DatabaseConnection,
    admin: &SessionUser,
) -> Result<MembersView, AppError> {
    let members = users::Entity::find()
        .filter(users::Column::TenantId.eq(admin.tenant_id()))
        .order_by_asc(users::Column::DisplayName)
        .all(db)
        .await
        .map_err(internal("listing members"))?;
    let pending = pending_invitations(admin.tenant_id())
        .order_by_desc(invitations::Column::CreatedAt)
        .all(db)
        .await
        .map_err(internal("listing invitations"))?;
    let used = seats_used(db, admin.tenant_id()).await?;
    let seats = match tier_of(&admin.tenant).limits().max_members {
        Some(max) => format!("{used} of {max} places used (members and pending invitations)"),
        None => format!("{used} places used; your plan has no member limit"),
    };
    Ok(MembersView {
        members: members
            .into_iter()
            .map(|u| MemberRow {
                is_you: u.id == admin.user.id,
                id: u.id,
                name: u.display_name,
                email: u.email,
                is_admin: u.role == "admin",
                active: u.active,
                last_sign_in: u.last_login_at.map(format_time),
                onboarding_completed: u.onboarding_completed,
            })
            .collect(),
        invitations: pending
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                email: i.email,
                role: i.role,
                expires: format_time(i.expires_at),
            })
            .collect(),
        seats,
    })
}

fn parse_role(role: &str) -> Result<&'static str, AppError> {
    match role {
        "admin" => Ok("admin"),
        "member" => Ok("member"),
        _ => Err(AppError::validation(
            "role",
            "Choose a role: admin or member.",
        )),
    }
}

pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a single-use invitation; the plaintext token exists only in the returned link.
pub async fn invite(
    db: &DatabaseConnection,
    admin: &SessionUser,
    email: &str,
    role: &str,
) -> Result<InviteCreated, AppError> {
    let email = Email::parse(email)?;
    let role = parse_role(role)?;
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await
        .map_err(internal("checking an invited email"))?;
    if let Some(u) = existing {
        let message = if u.tenant_id == admin.tenant_id() {
            "That person is already a member of your company."
        } else {
            "That email already has a Digame account, so it cannot join another company."
        };
        return Err(AppError::Conflict {
            field: "email".into(),
            message: message.into(),
        });
    }
    let tier = tier_of(&admin.tenant);
    // A repeated invitation replaces the pending one (which then frees its place).
    let previous = pending_invitations(admin.tenant_id())
        .filter(invitations::Column::Email.eq(email.as_str()))
        .all(db)
        .await
        .map_err(internal("reading invitations"))?;
    if let Some(max) = tier.limits().max_members {
        if seats_used(db, admin.tenant_id()).await? - previous.len() as u64 >= max as u64 {
            return Err(AppError::SubscriptionLimit(format!(
                "The {} plan allows {max} members, counting pending invitations. Revoke an invitation or deactivate a member first.",
                tier.label()
            )));
        }
    }
    let token = {
        use rand::RngCore as _;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    let now = Utc::now();
    let txn = db
        .begin()
        .await
        .map_err(internal("creating an invitation"))?;
    for old in &previous {
        invitations::ActiveModel {
            id: Set(old.id),
            revoked_at: Set(Some(now)),
            ..Default::default()
        }
        .update(&txn)
        .await
        .map_err(internal("replacing an invitation"))?;
    }
    invitations::ActiveModel {
        tenant_id: Set(admin.tenant_id()),
        email: Set(email.as_str().to_owned()),
        role: Set(role.to_owned()),
        token_hash: Set(hash_token(&token)),
        invited_by: Set(Some(admin.user.id)),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(INVITATION_DAYS)),
        accepted_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(internal("creating an invitation"))?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: "invitation.created",
            target: email.as_str(),
            before: None,
            after: Some(serde_json::json!({ "role": role })),
        },
    )
    .await
    .map_err(internal("auditing an invitation"))?;
    txn.commit()
        .await
        .map_err(internal("creating an invitation"))?;
    Ok(InviteCreated {
        email: email.as_str().to_owned(),
        link: format!("/register?invite={token}"),
    })
}

pub async fn revoke_invitation(
    db: &DatabaseConnection,
    admin: &SessionUser,
    id: i64,
) -> Result<(), AppError> {
    let invitation = pending_invitations(admin.tenant_id())
        .filter(invitations::Column::Id.eq(id))
        .one(db)
        .await
        .map_err(internal("reading an invitation"))?
        .ok_or_else(not_found)?;
    let txn = db
        .begin()
        .await
        .map_err(internal("revoking an invitation"))?;
    invitations::ActiveModel {
        id: Set(invitation.id),
        revoked_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(internal("revoking an invitation"))?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: "invitation.revoked",
            target: &invitation.email,
            before: None,
            after: None,
        },
    )
    .await
    .map_err(internal("auditing an invitation"))?;
    txn.commit()
        .await
        .map_err(internal("revoking an invitation"))
}

/// A usable invitation for `token`, or a clear reason why it cannot be used.
pub async fn usable_invitation(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<(invitations::Model, tenants::Model), AppError> {
    let gone = || {
        AppError::NotFound(
            "This invitation link is not valid. Ask your administrator for a new one.".into(),
        )
    };
    if token.is_empty() || token.len() > 100 {
        return Err(gone());
    }
    let invitation = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await
        .map_err(internal("reading an invitation"))?
        .ok_or_else(gone)?;
    if invitation.accepted_at.is_some() {
        return Err(AppError::Conflict {
            field: "invite".into(),
            message: "This invitation has already been used. Sign in instead.".into(),
        });
    }
    if invitation.revoked_at.is_some() {
        return Err(AppError::Forbidden(
            "This invitation was revoked. Ask your administrator for a new one.".into(),
        ));
    }
    if invitation.expires_at <= Utc::now() {
        return Err(AppError::Forbidden(
            "This invitation has expired (they last 7 days). Ask your administrator for a new one."
                .into(),
        ));
    }
    let tenant = tenants::Entity::find_by_id(invitation.tenant_id)
        .one(db)
        .await
        .map_err(internal("reading a tenant"))?
        .ok_or_else(gone)?;
    Ok((invitation, tenant))
}

pub async fn invitation_info(
    db: &DatabaseConnection,
    token: &str,
) -> Result<InvitationInfo, AppError> {
    let (invitation, tenant) = usable_invitation(db, token).await?;
    Ok(InvitationInfo {
        tenant_name: tenant.name,
        email: invitation.email,
        role: invitation.role,
    })
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
        .map_err(internal("reading a member"))?
        .ok_or_else(not_found)
}

async fn other_active_admins(
    db: &impl ConnectionTrait,
    tenant_id: i64,
    except: i64,
) -> Result<u64, AppError> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant_id))
        .filter(users::Column::Role.eq("admin"))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Id.ne(except))
        .count(db)
        .await
        .map_err(internal("counting admins"))
}

pub async fn set_role(
    db: &DatabaseConnection,
    admin: &SessionUser,
    member_id: i64,
    role: &str,
) -> Result<(), AppError> {
    let role = parse_role(role)?;
    let member = member_of(db, admin, member_id).await?;
    if member.role == role {
        return Ok(());
    }
    if member.role == "admin"
        && member.active
        && other_active_admins(db, admin.tenant_id(), member.id).await? == 0
    {
        return Err(AppError::Conflict {
            field: "role".into(),
            message:
                "This is the last active administrator. Make someone else an administrator first."
                    .into(),
        });
    }
    let txn = db.begin().await.map_err(internal("changing a role"))?;
    users::ActiveModel {
        id: Set(member.id),
        role: Set(role.to_owned()),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(internal("changing a role"))?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: "member.role_changed",
            target: &member.email,
            before: Some(serde_json::json!({ "role": member.role })),
            after: Some(serde_json::json!({ "role": role })),
        },
    )
    .await
    .map_err(internal("auditing a role change"))?;
    txn.commit().await.map_err(internal("changing a role"))
}

/// Deactivates or reactivates a member. A deactivated member's sessions stop working at
/// their next request (the session loader refuses inactive accounts).
pub async fn set_active(
    db: &DatabaseConnection,
    admin: &SessionUser,
    member_id: i64,
    active: bool,
) -> Result<(), AppError> {
    let member = member_of(db, admin, member_id).await?;
    if member.active == active {
        return Ok(());
    }
    if !active && member.id == admin.user.id {
        return Err(AppError::Conflict {
            field: "active".into(),
            message: "You cannot deactivate your own account. Ask another administrator.".into(),
        });
    }
    if !active
        && member.role == "admin"
        && other_active_admins(db, admin.tenant_id(), member.id).await? == 0
    {
        return Err(AppError::Conflict {
            field: "active".into(),
            message: "This is the last active administrator and cannot be deactivated.".into(),
        });
    }
    if active {
        if let Some(max) = tier_of(&admin.tenant).limits().max_members {
            if seats_used(db, admin.tenant_id()).await? >= max as u64 {
                return Err(AppError::SubscriptionLimit(format!(
                    "Your plan allows {max} members, counting pending invitations."
                )));
            }
        }
    }
    let txn = db.begin().await.map_err(internal("changing a member"))?;
    users::ActiveModel {
        id: Set(member.id),
        active: Set(active),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(internal("changing a member"))?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: if active {
                "member.reactivated"
            } else {
                "member.deactivated"
            },
            target: &member.email,
            before: Some(serde_json::json!({ "active": member.active })),
            after: Some(serde_json::json!({ "active": active })),
        },
    )
    .await
    .map_err(internal("auditing a member change"))?;
    txn.commit().await.map_err(internal("changing a member"))
}

pub async fn audit_view(
    db: &DatabaseConnection,
    admin: &SessionUser,
    page: i64,
    action: &str,
    actor: &str,
) -> Result<AuditView, AppError> {
    let page = page.clamp(1, 10_000);
    let mut query =
        audit_events::Entity::find().filter(audit_events::Column::TenantId.eq(admin.tenant_id()));
    if !action.is_empty() {
        query = query.filter(audit_events::Column::Action.eq(action));
    }
    if !actor.is_empty() {
        let id: i64 = actor
            .parse()
            .map_err(|_| AppError::validation("actor", "Choose a person from the list."))?;
        query = query.filter(audit_events::Column::ActorUserId.eq(id));
    }
    let mut events = query
        .order_by_desc(audit_events::Column::CreatedAt)
        .order_by_desc(audit_events::Column::Id)
        .offset(((page - 1) as u64) * AUDIT_PAGE_SIZE)
        .limit(AUDIT_PAGE_SIZE + 1)
        .all(db)
        .await
        .map_err(internal("reading the audit log"))?;
    let has_more = events.len() as u64 > AUDIT_PAGE_SIZE;
    events.truncate(AUDIT_PAGE_SIZE as usize);
    let people: Vec<(i64, String)> = users::Entity::find()
        .filter(users::Column::TenantId.eq(admin.tenant_id()))
        .order_by_asc(users::Column::DisplayName)
        .all(db)
        .await
        .map_err(internal("listing members"))?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let actions: Vec<String> = audit_events::Entity::find()
        .select_only()
        .column(audit_events::Column::Action)
        .distinct()
        .filter(audit_events::Column::TenantId.eq(admin.tenant_id()))
        .order_by_asc(audit_events::Column::Action)
        .into_tuple()
        .all(db)
        .await
        .map_err(internal("listing audit actions"))?;
    let name_of = |id: Option<i64>| match id {
        None => "Operator".to_owned(),
        Some(id) => people
            .iter()
            .find(|(p, _)| *p == id)
            .map_or_else(|| format!("Former member #{id}"), |(_, n)| n.clone()),
    };
    Ok(AuditView {
        rows: events
            .into_iter()
            .map(|e| AuditRow {
                when: format_time(e.created_at),
                actor: name_of(e.actor_user_id),
                action: e.action,
                target: e.target,
                before: e.before_value,
                after: e.after_value,
            })
            .collect(),
        page,
        has_more,
        actions,
        people,
    })
}

/// Operator: creates a tenant and its first admin with a generated password, printed once.
pub async fn operator_create_tenant(
    db: &DatabaseConnection,
    passwords: &crate::features::auth::passwords::Passwords,
    company: &str,
    admin_email: &str,
    admin_name: &str,
    tier: Tier,
) -> Result<(SessionUser, String), AppError> {
    let password = {
        use base64::Engine as _;
        use rand::RngCore as _;
        let mut bytes = [0u8; 18];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    let account = crate::features::auth::service::NewAccount::parse(
        admin_name,
        admin_email,
        &password,
        company,
    )?;
    let person = crate::features::auth::service::register(db, passwords, tier, account).await?;
    Ok((person, password))
}

/// Operator: changes a tenant's tier. Tools the new tier lacks are switched off; tools it
/// newly includes are switched on, as for a new tenant.
pub async fn operator_set_tier(
    db: &DatabaseConnection,
    slug: &str,
    tier: Tier,
) -> Result<(tenants::Model, Tier), AppError> {
    let tenant = tenants::Entity::find()
        .filter(tenants::Column::Slug.eq(slug))
        .one(db)
        .await
        .map_err(internal("reading a tenant"))?
        .ok_or_else(|| AppError::NotFound(format!("There is no tenant with the slug {slug}.")))?;
    let before = tier_of(&tenant);
    let current = flags(db, &tenant).await?;
    let txn = db.begin().await.map_err(internal("changing a tier"))?;
    tenants::ActiveModel {
        id: Set(tenant.id),
        tier: Set(tier.as_str().to_owned()),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(internal("changing a tier"))?;
    for tool in &TOOLS {
        let enabled = if !tier.includes(tool.id) {
            false
        } else if !before.includes(tool.id) {
            true
        } else {
            current[&tool.id]
        };
        write_flag(&txn, tenant.id, tool.flag, enabled)
            .await
            .map_err(internal("changing a tier"))?;
    }
    record(
        &txn,
        Event {
            tenant_id: tenant.id,
            actor_user_id: None,
            action: "tenant.tier_changed",
            target: &tenant.slug,
            before: Some(serde_json::json!({ "tier": before.as_str() })),
            after: Some(serde_json::json!({ "tier": tier.as_str() })),
        },
    )
    .await
    .map_err(internal("auditing a tier change"))?;
    txn.commit().await.map_err(internal("changing a tier"))?;
    Ok((tenant, before))
}

/// Operator: every tenant with its tier and number of active members.
pub async fn operator_list(
    db: &DatabaseConnection,
) -> Result<Vec<(tenants::Model, u64)>, AppError> {
    let all = tenants::Entity::find()
        .order_by_asc(tenants::Column::Slug)
        .all(db)
        .await
        .map_err(internal("listing tenants"))?;
    let mut out = Vec::with_capacity(all.len());
    for t in all {
        let members = users::Entity::find()
            .filter(users::Column::TenantId.eq(t.id))
            .filter(users::Column::Active.eq(true))
            .count(db)
            .await
            .map_err(internal("counting members"))?;
        out.push((t, members));
    }
    Ok(out)
}
