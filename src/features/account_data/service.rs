//! Gathering a person's data, and the download route.

use crate::audit_log::{record, Event};
use crate::domain::AuditAction;
use crate::entities::{
    ai_calls, api_tokens, audit_events, last_answers, onboarding_events, onboarding_states,
    saved_results, scim_users, sso_identities, tasks, user_api_keys, users,
};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use crate::web::session::AuthSession;
use crate::web::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Json, Response};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{json, Value};

fn parsed(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

/// Everything `person` owns, as one JSON document.
pub async fn export(db: &DatabaseConnection, person: &SessionUser) -> Result<Value, AppError> {
    let (user_id, tenant_id) = (person.user.id, person.tenant_id());
    let why = "gathering a data export";
    let onboarding = onboarding_states::Entity::find()
        .filter(onboarding_states::Column::UserId.eq(user_id))
        .filter(onboarding_states::Column::TenantId.eq(tenant_id))
        .one(db)
        .await
        .or_internal(why)?;
    let steps = onboarding_events::Entity::find()
        .filter(onboarding_events::Column::UserId.eq(user_id))
        .filter(onboarding_events::Column::TenantId.eq(tenant_id))
        .order_by_asc(onboarding_events::Column::Id)
        .all(db)
        .await
        .or_internal(why)?;
    let keys = user_api_keys::Entity::find()
        .filter(user_api_keys::Column::UserId.eq(user_id))
        .filter(user_api_keys::Column::TenantId.eq(tenant_id))
        .order_by_asc(user_api_keys::Column::KeyName)
        .all(db)
        .await
        .or_internal(why)?;
    let tokens = api_tokens::Entity::find()
        .filter(api_tokens::Column::UserId.eq(user_id))
        .filter(api_tokens::Column::TenantId.eq(tenant_id))
        .filter(api_tokens::Column::Kind.eq(crate::features::tokens::PERSONAL))
        .order_by_asc(api_tokens::Column::Id)
        .all(db)
        .await
        .or_internal(why)?;
    let task_rows = tasks::Entity::find()
        .filter(tasks::Column::UserId.eq(user_id))
        .filter(tasks::Column::TenantId.eq(tenant_id))
        .order_by_asc(tasks::Column::Id)
        .all(db)
        .await
        .or_internal(why)?;
    let saved = saved_results::Entity::find()
        .filter(saved_results::Column::UserId.eq(user_id))
        .filter(saved_results::Column::TenantId.eq(tenant_id))
        .order_by_asc(saved_results::Column::Id)
        .all(db)
        .await
        .or_internal(why)?;
    let last = last_answers::Entity::find()
        .filter(last_answers::Column::UserId.eq(user_id))
        .filter(last_answers::Column::TenantId.eq(tenant_id))
        .order_by_asc(last_answers::Column::Tool)
        .all(db)
        .await
        .or_internal(why)?;
    let calls = ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(user_id))
        .filter(ai_calls::Column::TenantId.eq(tenant_id))
        .order_by_asc(ai_calls::Column::Id)
        .all(db)
        .await
        .or_internal(why)?;
    let events = audit_events::Entity::find()
        .filter(audit_events::Column::ActorUserId.eq(user_id))
        .filter(audit_events::Column::TenantId.eq(tenant_id))
        .order_by_asc(audit_events::Column::Id)
        .all(db)
        .await
        .or_internal(why)?;
    let sign_ins = sso_identities::Entity::find()
        .filter(sso_identities::Column::UserId.eq(user_id))
        .filter(sso_identities::Column::TenantId.eq(tenant_id))
        .order_by_asc(sso_identities::Column::Id)
        .all(db)
        .await
        .or_internal(why)?;
    // What the company's provider said of them over SCIM, as it was sent.
    let provisioned = scim_users::Entity::find_by_id(user_id)
        .filter(scim_users::Column::TenantId.eq(tenant_id))
        .one(db)
        .await
        .or_internal(why)?;
    let u = &person.user;
    Ok(json!({
        "exported_at": chrono::Utc::now(),
        "profile": {
            "id": u.id,
            "email": u.email,
            "name": u.display_name,
            "role": u.role.as_str(),
            "company": {"name": person.tenant.name, "slug": person.tenant.slug},
            "created_at": u.created_at,
            "last_sign_in_at": u.last_login_at,
            "onboarding_completed": u.onboarding_completed,
            "email_verified_at": u.email_verified_at,
            "two_factor_enabled_at": u.two_factor_enabled_at,
        },
        "company_sign_ins": sign_ins.iter().map(|i| json!({
            "issuer": i.issuer, "subject": i.subject, "email": i.email,
            "linked_at": i.created_at, "last_used_at": i.last_used_at
        })).collect::<Vec<_>>(),
        "provisioning": provisioned.map(|p| json!({
            "user_name": p.user_name, "external_id": p.external_id, "display_name": p.display_name,
            "name": parsed(p.name_json.as_deref()), "emails": parsed(p.emails_json.as_deref()),
            "since": p.created_at
        })),
        "mail_choices": crate::features::notifications::service::settings_of(db, person).await?,
        "onboarding": {
            "document": parsed(onboarding.as_ref().map(|o| o.data.as_str())),
            "steps": steps.iter().map(|s| json!({
                "step_id": s.step_id, "event": s.event, "at": s.created_at
            })).collect::<Vec<_>>(),
        },
        "api_keys": keys.iter().map(|k| json!({
            "name": k.key_name, "ends_with": k.last_four, "created_at": k.created_at,
            "updated_at": k.updated_at, "expires_at": k.expires_at, "last_used_at": k.last_used_at
        })).collect::<Vec<_>>(),
        "personal_access_tokens": tokens.iter().map(|t| json!({
            "name": t.name, "created_at": t.created_at, "expires_at": t.expires_at,
            "last_used_at": t.last_used_at, "revoked_at": t.revoked_at
        })).collect::<Vec<_>>(),
        "tasks": task_rows.iter().map(|t| json!({
            "title": t.title, "description": t.description, "due_on": t.due_on,
            "status": t.status.as_str(), "priority_score": t.priority_score,
            "created_at": t.created_at, "updated_at": t.updated_at
        })).collect::<Vec<_>>(),
        "saved_results": saved.iter().map(|s| json!({
            "tool": s.tool, "title": s.title, "result": parsed(Some(&s.payload)), "saved_at": s.created_at
        })).collect::<Vec<_>>(),
        "last_answers": last.iter().map(|a| json!({
            "tool": a.tool, "input": parsed(Some(&a.input)), "result": parsed(a.result.as_deref()),
            "at": a.updated_at
        })).collect::<Vec<_>>(),
        "ai_calls": calls.iter().map(|c| json!({
            "tool": c.tool, "model": c.model, "prompt_tokens": c.prompt_tokens,
            "completion_tokens": c.completion_tokens, "latency_ms": c.latency_ms,
            "outcome": c.outcome, "at": c.created_at
        })).collect::<Vec<_>>(),
        "audit_events": events.iter().map(|e| json!({
            "action": e.action, "target": e.target, "before": parsed(e.before_value.as_deref()),
            "after": parsed(e.after_value.as_deref()), "at": e.created_at
        })).collect::<Vec<_>>(),
    }))
}

/// [`export`], recorded in the audit log (the page's download and the JSON API).
pub async fn export_audited(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<Value, AppError> {
    let data = export(db, person).await?;
    record(
        db,
        Event {
            tenant_id: person.tenant_id(),
            actor_user_id: Some(person.user.id),
            action: AuditAction::AccountExported,
            target: &person.user.email,
            before: None,
            after: None,
        },
    )
    .await?;
    Ok(data)
}

/// `GET /settings/profile/export`: the signed-in person's data as a JSON download.
pub async fn download(State(state): State<AppState>, auth: AuthSession) -> Response {
    let Some(person) = auth.user.clone() else {
        return axum::response::Redirect::to("/login?next=/settings/profile").into_response();
    };
    match export_audited(&state.db, &person).await {
        Ok(data) => {
            let mut res = Json(data).into_response();
            let name = format!(
                "attachment; filename=\"digame-export-{}.json\"",
                chrono::Utc::now().format("%Y-%m-%d")
            );
            if let Ok(v) = HeaderValue::from_str(&name) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => e.into_response(),
    }
}

/// What a deletion removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// The person's account and everything they owned.
    Account,
    /// They were the company's only member: the company went with them.
    Company,
}

/// Deletes the signed-in person's account after checking their password: every row they
/// own (the database cascades from the user: keys, tokens, tasks, saved results, onboarding,
/// AI calls and allowance, reset links), their personal audit events (sign-ins, keys,
/// tokens, exports) and unsent mail to them; the company's own record of what they did as
/// an admin stays, without their name. The only admin of a company with other members must
/// hand over first; the only member takes the company with them. One transaction.
pub async fn delete(
    db: &DatabaseConnection,
    passwords: &crate::crypto::passwords::Passwords,
    keyring: &crate::crypto::keyring::Keyring,
    person: &SessionUser,
    password: &str,
    code: &str,
) -> Result<Deleted, AppError> {
    use crate::entities::tenants;
    use sea_orm::{PaginatorTrait, TransactionTrait};
    crate::features::auth::service::confirm_password(db, passwords, person, password, "password")
        .await?;
    if person.user.two_factor_enabled_at.is_some() {
        crate::features::auth::two_factor::check_code(db, keyring, &person.user, code).await?;
    }
    let why = "deleting an account";
    // The company is locked first, as every path that changes its admins does: two last
    // admins deleting themselves at once take turns, and the second sees the first gone.
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, person.tenant_id()).await?;
    let others = users::Entity::find()
        .filter(users::Column::TenantId.eq(person.tenant_id()))
        .filter(users::Column::Id.ne(person.user.id))
        .count(&txn)
        .await
        .or_internal(why)?;
    let other_admins = users::Entity::find()
        .filter(users::Column::TenantId.eq(person.tenant_id()))
        .filter(users::Column::Id.ne(person.user.id))
        .filter(users::Column::Role.eq(crate::domain::Role::Admin))
        .filter(users::Column::Active.eq(true))
        .count(&txn)
        .await
        .or_internal(why)?;
    if others > 0 && person.is_admin() && other_admins == 0 {
        return Err(AppError::Conflict {
            field: "password".into(),
            message: format!(
                "You are the only administrator of {}. Make another member an administrator first (Admin → Members).",
                person.tenant.name
            ),
        });
    }
    let company = if others == 0 {
        format!(", together with the company {}", person.tenant.name)
    } else {
        String::new()
    };
    let outcome = if others == 0 {
        forget_traces(&txn, &person.user).await?;
        goodbye_mail(&txn, &person.user, &format!("as you asked{company}")).await?;
        tenants::Entity::delete_by_id(person.tenant_id())
            .exec(&txn)
            .await
            .or_internal(why)?;
        crate::entities::changes::announce(crate::entities::changes::Change::Tenant(
            person.tenant_id(),
        ));
        Deleted::Company
    } else {
        erase_member(&txn, &person.user).await?;
        goodbye_mail(&txn, &person.user, "as you asked").await?;
        record(
            &txn,
            Event {
                tenant_id: person.tenant_id(),
                actor_user_id: None,
                action: AuditAction::AccountDeleted,
                target: "a member deleted their account",
                before: None,
                after: None,
            },
        )
        .await?;
        Deleted::Account
    };
    txn.commit().await.or_internal(why)?;
    Ok(outcome)
}

/// Unsent mail to the person and their sign-in throttles.
async fn forget_traces(txn: &impl ConnectionTrait, user: &users::Model) -> Result<(), AppError> {
    use crate::entities::{login_throttles, outbox};
    let why = "deleting an account";
    outbox::Entity::delete_many()
        .filter(outbox::Column::ToAddress.eq(user.email.as_str()))
        .filter(outbox::Column::SentAt.is_null())
        .exec(txn)
        .await
        .or_internal(why)?;
    login_throttles::Entity::delete_many()
        .filter(login_throttles::Column::Key.is_in([
            format!("account:{}", user.email),
            format!("two_factor:{}", user.id),
            format!("verify_mail:{}", user.id),
            format!("reset_account:{}", user.id),
            format!("password_change:{}", user.id),
            format!("email_change:{}", user.id),
            format!("slowed:{}", user.email),
        ]))
        .exec(txn)
        .await
        .or_internal(why)?;
    Ok(())
}

/// Erases one member's account from a company that stays: every row they own (the
/// database cascades from the user: keys, tokens, tasks, saved results, onboarding, AI
/// calls and allowance, reset links), their personal audit events (sign-ins, keys, tokens,
/// exports), unsent mail to them and their budget; the company's own record of what they did
/// as an admin stays, without their name. Inside the caller's transaction, after
/// `lock_tenant`; the caller decides who may be erased (the last admin may not).
pub async fn erase_member(txn: &impl ConnectionTrait, user: &users::Model) -> Result<(), AppError> {
    let why = "deleting an account";
    forget_traces(txn, user).await?;
    audit_events::Entity::delete_many()
        .filter(audit_events::Column::ActorUserId.eq(user.id))
        .filter(
            sea_orm::Condition::any()
                .add(audit_events::Column::Action.starts_with("auth."))
                .add(audit_events::Column::Action.starts_with("api_key."))
                .add(audit_events::Column::Action.starts_with("token."))
                .add(audit_events::Column::Action.starts_with("account.")),
        )
        .exec(txn)
        .await
        .or_internal(why)?;
    users::Entity::delete_by_id(user.id)
        .exec(txn)
        .await
        .or_internal(why)?;
    // Their budget goes with them; the month's counters stay in the company's figures.
    crate::entities::token_budgets::Entity::delete_many()
        .filter(crate::entities::token_budgets::Column::TenantId.eq(user.tenant_id))
        .filter(crate::entities::token_budgets::Column::UserId.eq(user.id))
        .exec(txn)
        .await
        .or_internal(why)?;
    crate::entities::changes::announce(crate::entities::changes::Change::Person(user.id));
    Ok(())
}

/// Tells the person their account is gone (`how`: "as you asked", …). Queued with no
/// company attached: the company may go too.
pub async fn goodbye_mail(
    txn: &impl ConnectionTrait,
    user: &users::Model,
    how: &str,
) -> Result<(), AppError> {
    crate::features::mail::service::enqueue(
        txn,
        None,
        crate::features::mail::Mail {
            to: user.email.clone(),
            subject: "Your Digame account was deleted".into(),
            body: format!(
                "Hello {name},\n\nYour Digame account ({email}) and everything you kept in it were deleted, {how}.\n\n\
                 If this was not you, tell your company's Digame admin at once.\n",
                name = user.display_name,
                email = user.email,
            ),
        },
    )
    .await
}
