//! The two ends of a company sign-in, and what a verified ID token means for accounts.
//!
//! Start: the company's connection is read, the provider's sign-in address made (PKCE,
//! `state`, `nonce`), and what the return must match kept in the server-side session — so a
//! sign-in that starts on one replica may return on another.
//!
//! Return: the session's record is taken (used once, ten minutes at most), `state` compared,
//! the code exchanged and the ID token checked (`crate::oidc`). The account is then found by
//! the provider's (issuer, subject) within the company. A subject seen for the first time:
//! - is linked to the signed-in person who started a link from their profile;
//! - otherwise needs an address the provider vouches for (`email_verified`) at one of the
//!   company's verified domains: the company's account with that address is linked, or a
//!   member's account is made (within the plan's places). An address with an account at
//!   another company, or any other case, is refused: another company's provider never
//!   reaches an account outside its company.
//!
//! Every sign-in then reads the groups claim again: the role, when the admin named
//! administrators' groups, and membership of the mapped Digame groups.

use super::service::{self, stored_links};
use super::SignInProblem;
use crate::audit_log::{record, Event};
use crate::domain::account::{DisplayName, Email};
use crate::domain::{AuditAction, Role};
use crate::entities::{
    group_members, member_groups, sso_connections, sso_identities, tenants, users,
};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use crate::web::session::AuthSession;
use crate::web::state::AppState;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

/// Where a started sign-in waits for its return.
const PENDING_KEY: &str = "digame.sso";
/// How long the provider may take.
const PENDING_SECONDS: i64 = 600;
/// Who put a person in a group when the provider's groups claim did.
pub const SOURCE_SSO: &str = "sso";

#[derive(serde::Serialize, serde::Deserialize)]
struct Waiting {
    tenant_id: i64,
    connection_id: i64,
    issuer: String,
    pending: crate::oidc::Pending,
    next: Option<String>,
    /// The signed-in person who asked to link their company sign-in.
    link_user: Option<i64>,
    at: i64,
}

/// How a sign-in ended without signing in: a problem the person is told of, or a fault.
#[derive(Debug)]
pub enum Ended {
    Problem(SignInProblem),
    Fault(AppError),
}

impl From<AppError> for Ended {
    fn from(e: AppError) -> Ended {
        Ended::Fault(e)
    }
}

impl From<SignInProblem> for Ended {
    fn from(p: SignInProblem) -> Ended {
        Ended::Problem(p)
    }
}

async fn company(
    db: &DatabaseConnection,
    slug: &str,
) -> Result<(tenants::Model, sso_connections::Model), Ended> {
    let tenant = tenants::Entity::find()
        .filter(tenants::Column::Slug.eq(slug))
        .one(db)
        .await
        .or_internal("reading a company")?
        .ok_or(SignInProblem::NotConfigured)?;
    let conn = service::connection_of(db, tenant.id)
        .await?
        .ok_or(SignInProblem::NotConfigured)?;
    Ok((tenant, conn))
}

/// The connection as the protocol needs it; `origin` is this site's (`ctx::origin_of`).
fn connection<'a>(
    conn: &'a sso_connections::Model,
    secret: &'a secrecy::SecretString,
    origin: &str,
    slug: &str,
) -> crate::oidc::Connection<'a> {
    crate::oidc::Connection {
        issuer: &conn.issuer,
        client_id: &conn.client_id,
        client_secret: secret,
        redirect: service::redirect_url(origin, slug),
        scopes: conn
            .scopes
            .split_whitespace()
            .filter(|s| *s != "openid")
            .map(str::to_owned)
            .collect(),
        groups_claim: &conn.groups_claim,
    }
}

/// The provider's sign-in address for company `slug`; what the return must match is kept in
/// the session. `link`: the signed-in person links their company sign-in to their account.
pub async fn start(
    state: &AppState,
    auth: &AuthSession,
    origin: &str,
    slug: &str,
    login_hint: Option<&str>,
    next: Option<&str>,
    link: bool,
) -> Result<String, Ended> {
    let (tenant, conn) = company(&state.db, slug).await?;
    let link_user = match (&auth.user, link) {
        (Some(person), true) if person.tenant_id() == tenant.id => Some(person.user.id),
        (_, true) => return Err(SignInProblem::NotConfigured.into()),
        _ => None,
    };
    let secret = service::client_secret(&state.keyring, &conn)?;
    let (url, pending) = state
        .oidc
        .start(&connection(&conn, &secret, origin, slug), login_hint)
        .await
        .map_err(|f| provider_problem(tenant.id, f))?;
    auth.session
        .insert(
            PENDING_KEY,
            Waiting {
                tenant_id: tenant.id,
                connection_id: conn.id,
                issuer: conn.issuer.clone(),
                pending,
                next: crate::util::safe_next(next),
                link_user,
                at: Utc::now().timestamp(),
            },
        )
        .await
        .or_internal("writing the session")?;
    Ok(url)
}

fn provider_problem(tenant_id: i64, f: crate::oidc::Failure) -> Ended {
    match f {
        crate::oidc::Failure::Provider(why) => {
            tracing::warn!(
                tenant_id,
                why,
                "a company sign-in could not reach its provider"
            );
            SignInProblem::Provider.into()
        }
        crate::oidc::Failure::Rejected(why) => {
            tracing::warn!(
                tenant_id,
                why,
                security_event = "sso_token_rejected",
                "a company sign-in was refused"
            );
            SignInProblem::Rejected.into()
        }
    }
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Returned {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Completes the sign-in of company `slug`; answers the page to load next.
pub async fn finish(
    state: &AppState,
    auth: &mut AuthSession,
    origin: &str,
    slug: &str,
    returned: Returned,
    ip: Option<std::net::IpAddr>,
    browser: &str,
) -> Result<String, Ended> {
    let waiting: Waiting = auth
        .session
        .remove(PENDING_KEY)
        .await
        .or_internal("reading the session")?
        .ok_or(SignInProblem::Expired)?;
    let fresh = Utc::now().timestamp() - waiting.at <= PENDING_SECONDS;
    let same_state = returned.state.as_deref() == Some(waiting.pending.state.as_str());
    if !fresh || !same_state {
        tracing::warn!(
            security_event = "sso_state_mismatch",
            fresh,
            "a company sign-in returned with another state"
        );
        return Err(SignInProblem::Expired.into());
    }
    if let Some(error) = returned.error {
        tracing::info!(
            tenant_id = waiting.tenant_id,
            error,
            description = returned.error_description.unwrap_or_default(),
            "the provider did not sign the person in"
        );
        return Err(SignInProblem::Refused.into());
    }
    let (tenant, conn) = company(&state.db, slug).await?;
    if tenant.id != waiting.tenant_id
        || conn.id != waiting.connection_id
        || conn.issuer != waiting.issuer
    {
        return Err(SignInProblem::Expired.into());
    }
    let code = returned
        .code
        .filter(|c| !c.is_empty())
        .ok_or(SignInProblem::Refused)?;
    let secret = service::client_secret(&state.keyring, &conn)?;
    let said = state
        .oidc
        .finish(
            &connection(&conn, &secret, origin, slug),
            &waiting.pending,
            &code,
        )
        .await
        .map_err(|f| provider_problem(tenant.id, f))?;
    let user = account_for(&state.db, &conn, &tenant, &said, waiting.link_user, auth).await?;
    if !user.active {
        return Err(SignInProblem::Deactivated.into());
    }
    let user = apply_groups(&state.db, &conn, user, &said.groups).await?;
    if user.role == Role::Admin && conn.admin_signed_in_at.is_none() {
        sso_connections::ActiveModel {
            id: Set(conn.id),
            admin_signed_in_at: Set(Some(Utc::now())),
            ..Default::default()
        }
        .update(&state.db)
        .await
        .or_internal("recording an admin's sign-in")?;
    }
    let person = SessionUser::new(user, tenant);
    if waiting.link_user.is_none() || auth.user.is_none() {
        crate::features::auth::service::start_session(&state.db, auth, &person).await?;
    }
    crate::features::auth::activity::record_sign_in(&state.db, &person, ip, browser).await?;
    tracing::info!(
        user_id = person.user.id,
        tenant_id = person.tenant.id,
        "signed in through the company's provider"
    );
    if waiting.link_user.is_some() {
        return Ok("/settings/profile?linked=1#sign-in-ways".into());
    }
    let wizard = crate::features::onboarding::service::wizard_pending(&state.db, &person).await?;
    Ok(if wizard {
        "/onboarding".to_owned()
    } else {
        waiting.next.unwrap_or_else(|| "/".to_owned())
    })
}

/// The account the provider's person is, by the rules in this module's header.
async fn account_for(
    db: &DatabaseConnection,
    conn: &sso_connections::Model,
    tenant: &tenants::Model,
    said: &crate::oidc::Person,
    link_user: Option<i64>,
    auth: &AuthSession,
) -> Result<users::Model, Ended> {
    let known = sso_identities::Entity::find()
        .filter(sso_identities::Column::TenantId.eq(tenant.id))
        .filter(sso_identities::Column::Issuer.eq(&said.issuer))
        .filter(sso_identities::Column::Subject.eq(&said.subject))
        .one(db)
        .await
        .or_internal("reading a company sign-in")?;
    if let Some(identity) = known {
        if link_user.is_some_and(|id| id != identity.user_id) {
            return Err(SignInProblem::LinkedElsewhere.into());
        }
        sso_identities::ActiveModel {
            id: Set(identity.id),
            last_used_at: Set(Utc::now()),
            email: Set(said.email.clone().unwrap_or(identity.email)),
            ..Default::default()
        }
        .update(db)
        .await
        .or_internal("recording a company sign-in")?;
        return users::Entity::find_by_id(identity.user_id)
            .filter(users::Column::TenantId.eq(tenant.id))
            .one(db)
            .await
            .or_internal("reading an account")?
            .ok_or(SignInProblem::Expired.into());
    }
    // A signed-in person linking their own account, from their profile.
    if let Some(user_id) = link_user {
        let signed_in = auth
            .user
            .as_ref()
            .filter(|p| p.user.id == user_id && p.tenant_id() == tenant.id);
        let Some(person) = signed_in else {
            return Err(SignInProblem::Expired.into());
        };
        let user = person.user.clone();
        link(db, tenant.id, &user, said, Some(user.id)).await?;
        return Ok(user);
    }
    // Otherwise only an address the provider vouches for, at the company's verified domain.
    let email = said
        .email
        .as_deref()
        .filter(|_| said.email_verified)
        .and_then(|e| Email::parse(e).ok())
        .ok_or(SignInProblem::UnverifiedEmail)?;
    let domain = email.as_str().rsplit_once('@').map_or("", |(_, d)| d);
    if !vouched_domain(&conn.issuer, said, domain) {
        return Err(SignInProblem::UnverifiedEmail.into());
    }
    let owner = crate::features::domains::service::verified_owner(db, domain).await?;
    if owner.is_none_or(|o| o.tenant_id != tenant.id) {
        return Err(SignInProblem::NeedsInvitation.into());
    }
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await
        .or_internal("reading an account")?;
    match existing {
        Some(user) if user.tenant_id == tenant.id => {
            link(db, tenant.id, &user, said, None).await?;
            Ok(user)
        }
        Some(_) => Err(SignInProblem::OtherCompany.into()),
        None => provision(db, conn, tenant, said, &email).await,
    }
}

/// Google's issuer is shared by every Google account, and a consumer account may carry a
/// confirmed work address: from Google, an address counts only when the account belongs to
/// the Workspace of that domain (`hd`). Other issuers are one company's own.
fn vouched_domain(issuer: &str, said: &crate::oidc::Person, domain: &str) -> bool {
    const GOOGLE: &str = "https://accounts.google.com";
    issuer.trim_end_matches('/') != GOOGLE || said.hosted_domain.as_deref() == Some(domain)
}

/// Remembers the provider's person as `user`'s company sign-in; audited.
async fn link(
    db: &DatabaseConnection,
    tenant_id: i64,
    user: &users::Model,
    said: &crate::oidc::Person,
    actor: Option<i64>,
) -> Result<(), Ended> {
    let txn = db.begin().await.or_internal("linking a company sign-in")?;
    identity_row(tenant_id, user.id, said)
        .insert(&txn)
        .await
        .map_err(|e| {
            if crate::features::auth::registration::is_unique_violation_on(&e, "") {
                Ended::Problem(SignInProblem::LinkedElsewhere)
            } else {
                Ended::Fault(crate::error::internal("linking a company sign-in")(e))
            }
        })?;
    record(
        &txn,
        Event {
            tenant_id,
            actor_user_id: actor.or(Some(user.id)),
            action: AuditAction::SsoLinked,
            target: &said.issuer,
            before: None,
            after: Some(serde_json::json!({ "email": user.email })),
        },
    )
    .await?;
    txn.commit()
        .await
        .or_internal("linking a company sign-in")?;
    Ok(())
}

fn identity_row(
    tenant_id: i64,
    user_id: i64,
    said: &crate::oidc::Person,
) -> sso_identities::ActiveModel {
    let now = Utc::now();
    sso_identities::ActiveModel {
        tenant_id: Set(tenant_id),
        user_id: Set(user_id),
        issuer: Set(said.issuer.clone()),
        subject: Set(said.subject.clone()),
        email: Set(said.email.clone().unwrap_or_default()),
        created_at: Set(now),
        last_used_at: Set(now),
        ..Default::default()
    }
}

/// A member's account made on a first sign-in (address confirmed: the provider vouched for
/// it at the company's verified domain), within the plan's places; audited.
async fn provision(
    db: &DatabaseConnection,
    conn: &sso_connections::Model,
    tenant: &tenants::Model,
    said: &crate::oidc::Person,
    email: &Email,
) -> Result<users::Model, Ended> {
    let local = email.as_str().split('@').next().unwrap_or_default();
    let name = said
        .name
        .as_deref()
        .and_then(|n| DisplayName::parse(n).ok())
        .or_else(|| DisplayName::parse(local).ok())
        .ok_or(SignInProblem::UnverifiedEmail)?;
    let txn = db.begin().await.or_internal("making an account")?;
    let tenant = crate::features::tenancy::service::lock_tenant(&txn, tenant.id).await?;
    crate::features::members::service::ensure_place_for_sign_on(&txn, &tenant)
        .await
        .map_err(|e| match e {
            AppError::SubscriptionLimit(_) => Ended::Problem(SignInProblem::Full),
            other => Ended::Fault(other),
        })?;
    let now = Utc::now();
    let mut row = crate::features::auth::registration::new_user(
        tenant.id,
        email,
        &name,
        crate::crypto::passwords::NO_PASSWORD,
        Role::Member,
        now,
    );
    row.email_verified_at = Set(Some(now));
    let user = row.insert(&txn).await.map_err(|e| {
        if crate::features::auth::registration::is_unique_violation_on(&e, "email") {
            // Made meanwhile by a parallel sign-in: starting again finds it.
            Ended::Problem(SignInProblem::Expired)
        } else {
            Ended::Fault(crate::error::internal("making an account")(e))
        }
    })?;
    identity_row(tenant.id, user.id, said)
        .insert(&txn)
        .await
        .map_err(|_| Ended::Problem(SignInProblem::Expired))?;
    record(
        &txn,
        Event {
            tenant_id: tenant.id,
            actor_user_id: Some(user.id),
            action: AuditAction::SsoAccountCreated,
            target: email.as_str(),
            before: None,
            after: Some(serde_json::json!({ "issuer": conn.issuer, "role": "member" })),
        },
    )
    .await?;
    txn.commit().await.or_internal("making an account")?;
    Ok(user)
}

/// The role (when administrators' groups are named) and the mapped groups' membership, as
/// the groups claim says now; answers the account as it is after.
async fn apply_groups(
    db: &DatabaseConnection,
    conn: &sso_connections::Model,
    user: users::Model,
    groups: &[String],
) -> Result<users::Model, Ended> {
    let admin_groups = service::admin_groups_of(conn);
    let links = stored_links(conn);
    if admin_groups.is_empty() && links.is_empty() {
        return Ok(user);
    }
    let why = "applying the provider's groups";
    let txn = db.begin().await.or_internal(why)?;
    crate::features::tenancy::service::lock_tenant(&txn, user.tenant_id).await?;
    let user = users::Entity::find_by_id(user.id)
        .one(&txn)
        .await
        .or_internal(why)?
        .ok_or(SignInProblem::Expired)?;
    if !admin_groups.is_empty() {
        let role = if groups.iter().any(|g| admin_groups.contains(g)) {
            Role::Admin
        } else {
            Role::Member
        };
        crate::features::members::service::set_role_from_provider(&txn, &user, role).await?;
    }
    let own = member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(user.tenant_id))
        .all(&txn)
        .await
        .or_internal(why)?;
    for (group_id, provider_group) in links {
        let Some(group) = own.iter().find(|g| g.id == group_id) else {
            continue;
        };
        let member = groups.contains(&provider_group);
        let changed = if member {
            crate::features::groups::service::put_in(
                &txn,
                group.id,
                user.id,
                user.tenant_id,
                SOURCE_SSO,
            )
            .await?
        } else {
            // Only what the provider put there: an admin's hand-made membership stays.
            group_members::Entity::delete_many()
                .filter(group_members::Column::GroupId.eq(group.id))
                .filter(group_members::Column::UserId.eq(user.id))
                .filter(group_members::Column::Source.eq(SOURCE_SSO))
                .exec(&txn)
                .await
                .or_internal(why)?
                .rows_affected
        };
        if changed > 0 {
            let which = Some(serde_json::json!({ "group": group.name, "by": "single sign-on" }));
            let (action, before, after) = if member {
                (AuditAction::GroupMemberAdded, None, which)
            } else {
                (AuditAction::GroupMemberRemoved, which, None)
            };
            record(
                &txn,
                Event {
                    tenant_id: user.tenant_id,
                    actor_user_id: None,
                    action,
                    target: &user.email,
                    before,
                    after,
                },
            )
            .await?;
        }
    }
    let user = users::Entity::find_by_id(user.id)
        .one(&txn)
        .await
        .or_internal(why)?
        .ok_or(SignInProblem::Expired)?;
    txn.commit().await.or_internal(why)?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_vouches_only_for_its_workspace_domain() {
        let mut said = crate::oidc::Person {
            issuer: "https://accounts.google.com".into(),
            subject: "1".into(),
            email: Some("pat@acme.test".into()),
            email_verified: true,
            name: None,
            groups: Vec::new(),
            hosted_domain: None,
        };
        assert!(!vouched_domain(
            "https://accounts.google.com",
            &said,
            "acme.test"
        ));
        said.hosted_domain = Some("other.test".into());
        assert!(!vouched_domain(
            "https://accounts.google.com/",
            &said,
            "acme.test"
        ));
        said.hosted_domain = Some("acme.test".into());
        assert!(vouched_domain(
            "https://accounts.google.com",
            &said,
            "acme.test"
        ));
        said.hosted_domain = None;
        assert!(vouched_domain("https://acme.okta.com", &said, "acme.test"));
    }
}
