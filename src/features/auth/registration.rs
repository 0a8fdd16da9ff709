//! Sign-ups: a company of one's own or joining one through an invitation, by one path
//! (`register_account`) for the page and the JSON API; and the operator's vouched-for
//! accounts (`register` with `Verification::Vouched`).

use super::throttle;
use crate::audit_log::{record, Event};
use crate::config::MasterKey;
use crate::crypto::passwords::Passwords;
use crate::domain::account::{CompanyName, DisplayName, Email, Password, TenantSlug};
use crate::domain::{AuditAction, Role, Tier};
use crate::entities::{tenants, users};
use crate::error::{internal, AppError, ResultExt};
use crate::features::members;
use crate::person::SessionUser;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, SqlErr, TransactionTrait,
};

/// A registration, parsed.
#[derive(Debug)]
pub struct NewAccount {
    pub name: DisplayName,
    pub email: Email,
    pub password: Password,
    pub company: CompanyName,
}

impl NewAccount {
    /// Parses every field; the first problem found is returned, naming its field.
    pub fn parse(
        name: &str,
        email: &str,
        password: &str,
        company: &str,
    ) -> Result<NewAccount, AppError> {
        let name = DisplayName::parse(name)?;
        let email = Email::parse(email)?;
        let company = CompanyName::parse(company)?;
        let password = Password::for_account(
            password,
            "password",
            email.as_str(),
            name.as_str(),
            company.as_str(),
        )?;
        Ok(NewAccount {
            name,
            email,
            password,
            company,
        })
    }
}

pub fn already_registered() -> AppError {
    AppError::Conflict {
        field: "email".into(),
        message: "That email is already registered. Sign in instead, or use another email.".into(),
    }
}

/// How a new account's address is confirmed.
#[derive(Debug, Clone, Copy)]
pub enum Verification<'a> {
    /// Mail a link built on this origin (`DIGAME_PUBLIC_URL`), in the same transaction.
    Mail { origin: &'a str },
    /// The operator created the account from the command line and vouches for the address.
    Vouched,
}

/// Creates the tenant and its first user (an admin) in one transaction, with the mail that
/// asks them to confirm their address.
pub async fn register(
    db: &DatabaseConnection,
    passwords: &Passwords,
    tier: Tier,
    account: NewAccount,
    verification: Verification<'_>,
) -> Result<SessionUser, AppError> {
    let taken = users::Entity::find()
        .filter(users::Column::Email.eq(account.email.as_str()))
        .count(db)
        .await
        .or_internal("checking for an existing email")?;
    if taken > 0 {
        return Err(already_registered());
    }
    let hash = passwords.hash(account.password.expose()).await?;
    let base = TenantSlug::from_company(&account.company);
    // The transaction only writes (SQLite refuses a read-then-write transaction when another
    // connection wrote in between). A slug taken in the meantime by a concurrent sign-up of
    // the same company name is retried: first with the next free numbered slug, then, when
    // many sign-ups race for the same numbers, with a random suffix.
    const ATTEMPTS: u32 = 8;
    for attempt in 0..ATTEMPTS {
        let slug = if attempt < 3 {
            free_slug(db, &base).await?
        } else {
            random_slug(&base)
        };
        match insert_tenant_and_admin(db, tier, &account, &hash, &slug, verification).await {
            Err(e) if is_unique_violation_on(&e, "slug") => continue,
            Err(e) if is_unique_violation_on(&e, "email") => return Err(already_registered()),
            other => return other.or_internal("creating a tenant and its first user"),
        }
    }
    tracing::error!(
        "no free tenant slug for {:?} after {ATTEMPTS} attempts",
        base.as_str()
    );
    Err(AppError::Internal)
}

async fn insert_tenant_and_admin(
    db: &DatabaseConnection,
    tier: Tier,
    account: &NewAccount,
    hash: &str,
    slug: &TenantSlug,
    verification: Verification<'_>,
) -> Result<SessionUser, DbErr> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let tenant = tenants::ActiveModel {
        name: Set(account.company.as_str().to_owned()),
        slug: Set(slug.as_str().to_owned()),
        tier: Set(tier),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::features::tenancy::service::seed_flags(&txn, tenant.id, tier).await?;
    let mut row = new_user(
        tenant.id,
        &account.email,
        &account.name,
        hash,
        Role::Admin,
        now,
    );
    if let Verification::Vouched = verification {
        row.email_verified_at = Set(Some(now));
    }
    let user = row.insert(&txn).await?;
    if let Verification::Mail { origin } = verification {
        super::verify::write_link(&txn, &user, origin).await?;
    }
    txn.commit().await?;
    Ok(SessionUser::new(user, tenant))
}

/// What a person joining by invitation gives: the link's value, their name and password,
/// and the site's address for a confirmation mail.
struct Joining<'a> {
    invite: &'a str,
    name: &'a str,
    password: &'a str,
    origin: &'a str,
}

/// Joins the company of an invitation with the invited email: the invitation is used up,
/// its place checked and the account created in one transaction (see
/// `members::invitations::accept_invitation`), so a link works exactly once and concurrent
/// joins cannot pass the plan's member limit. The address counts as confirmed only when
/// `invite` is the mailed link (`members::invitations::proves_mailbox`); otherwise the new
/// account is mailed a confirmation link built on `origin`.
async fn join_by_invitation(
    db: &DatabaseConnection,
    passwords: &Passwords,
    key: &MasterKey,
    joining: Joining<'_>,
) -> Result<SessionUser, AppError> {
    let Joining {
        invite,
        name,
        password,
        origin,
    } = joining;
    let (invitation, tenant) = members::invitations::usable_invitation(db, invite).await?;
    let name = DisplayName::parse(name)?;
    let email = Email::parse(&invitation.email)?;
    let password = Password::for_account(
        password,
        "password",
        email.as_str(),
        name.as_str(),
        &tenant.name,
    )?;
    let hash = passwords.hash(password.expose()).await?;
    let txn = db.begin().await.or_internal("joining a tenant")?;
    let (tenant, role) = members::invitations::accept_invitation(&txn, &invitation).await?;
    let now = Utc::now();
    let mut row = new_user(tenant.id, &email, &name, &hash, role, now);
    // Only the mailed link went to this address: following it proves the mailbox.
    let mailbox_proven = members::invitations::proves_mailbox(key, invite);
    if mailbox_proven {
        row.email_verified_at = Set(Some(now));
    }
    let user = row.insert(&txn).await.map_err(|e| {
        if is_unique_violation_on(&e, "email") {
            already_registered()
        } else {
            internal("creating an invited user")(e)
        }
    })?;
    if !mailbox_proven {
        super::verify::write_link(&txn, &user, origin)
            .await
            .or_internal("mailing a confirmation link")?;
    }
    record(
        &txn,
        Event {
            tenant_id: tenant.id,
            actor_user_id: Some(user.id),
            action: AuditAction::MemberJoined,
            target: email.as_str(),
            before: None,
            after: Some(serde_json::json!({ "role": role.as_str() })),
        },
    )
    .await?;
    txn.commit().await.or_internal("joining a tenant")?;
    Ok(SessionUser::new(user, tenant))
}

/// A sign-up as the page's form and `POST /api/v1/auth/register` both receive it: a company
/// of one's own (`company`), or joining one (`invite`, a link's value; the company is then
/// the inviting one and `email` is ignored for the invited address).
pub struct Registration<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub company: &'a str,
    pub invite: Option<&'a str>,
}

/// The one path for every sign-up: counts it against the client address' hourly allowance,
/// then joins by invitation or creates the company and its first admin, mailing the
/// confirmation link built on `origin` where the address is not yet confirmed.
pub async fn register_account(
    db: &DatabaseConnection,
    passwords: &Passwords,
    settings: &crate::config::Settings,
    ip: Option<std::net::IpAddr>,
    origin: &str,
    registration: Registration<'_>,
) -> Result<SessionUser, AppError> {
    count_registration(db, ip, settings.registrations_per_hour).await?;
    match registration.invite.filter(|i| !i.is_empty()) {
        Some(invite) => {
            join_by_invitation(
                db,
                passwords,
                &settings.master_key,
                Joining {
                    invite,
                    name: registration.name,
                    password: registration.password,
                    origin,
                },
            )
            .await
        }
        None => {
            let account = NewAccount::parse(
                registration.name,
                registration.email,
                registration.password,
                registration.company,
            )?;
            refuse_a_claimed_domain(db, &account.email).await?;
            register(
                db,
                passwords,
                settings.default_tier,
                account,
                Verification::Mail { origin },
            )
            .await
        }
    }
}

/// A company of one's own cannot be started with an address at a domain another company
/// verified (Admin → Sign-in): its people belong in that company, by invitation or — where
/// it allows — from `/join`. The operator's `tenant create` is not bound by this.
async fn refuse_a_claimed_domain(db: &DatabaseConnection, email: &Email) -> Result<(), AppError> {
    use crate::entities::tenant_domains;
    let Some((_, domain)) = email.as_str().rsplit_once('@') else {
        return Ok(());
    };
    let Some(claim) = tenant_domains::Entity::find()
        .filter(tenant_domains::Column::Domain.eq(domain))
        .filter(tenant_domains::Column::VerifiedAt.is_not_null())
        .find_also_related(tenants::Entity)
        .one(db)
        .await
        .or_internal("checking the address' domain")?
    else {
        return Ok(());
    };
    let company = claim.1.map(|t| t.name).unwrap_or_default();
    let how = if claim.0.open_join {
        "Join it from the \"join your company\" page (/join) instead"
    } else {
        "Ask one of its admins to invite you instead"
    };
    Err(AppError::Conflict {
        field: "email".into(),
        message: format!(
            "Addresses at {domain} belong to {company} on Digame, which verified the domain. {how}."
        ),
    })
}

/// A new, active account that has not been through onboarding yet.
pub fn new_user(
    tenant_id: i64,
    email: &Email,
    name: &DisplayName,
    password_hash: &str,
    role: Role,
    now: chrono::DateTime<Utc>,
) -> users::ActiveModel {
    users::ActiveModel {
        tenant_id: Set(tenant_id),
        email: Set(email.as_str().to_owned()),
        display_name: Set(name.as_str().to_owned()),
        password_hash: Set(password_hash.to_owned()),
        role: Set(role),
        active: Set(true),
        onboarding_completed: Set(false),
        created_at: Set(now),
        last_login_at: Set(None),
        ..Default::default()
    }
}

/// A unique-index violation whose message names `what` (any one when `what` is empty).
pub fn is_unique_violation_on(e: &DbErr, what: &str) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(m)) if m.contains(what))
}

async fn free_slug(
    txn: &impl sea_orm::ConnectionTrait,
    base: &TenantSlug,
) -> Result<TenantSlug, AppError> {
    for n in 1..=50u32 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            base.with_suffix(n)
        };
        let used = tenants::Entity::find()
            .filter(tenants::Column::Slug.eq(candidate.as_str()))
            .count(txn)
            .await
            .or_internal("checking a tenant slug")?;
        if used == 0 {
            return Ok(candidate);
        }
    }
    // Fifty companies of one name: fall back to a random suffix.
    Ok(random_slug(base))
}

fn random_slug(base: &TenantSlug) -> TenantSlug {
    use rand::Rng as _;
    base.with_suffix(rand::thread_rng().gen_range(100_000..1_000_000))
}

/// Counts a registration attempt from `ip` (before any password is hashed), refusing once
/// the address has started `per_hour` of them within the hour.
pub async fn count_registration(
    db: &DatabaseConnection,
    ip: Option<std::net::IpAddr>,
    per_hour: i32,
) -> Result<(), AppError> {
    let Some(ip) = ip else {
        return Ok(());
    };
    let key = throttle::address_key("register", ip);
    let now = Utc::now();
    let policy = throttle::Policy {
        max_failures: per_hour,
        ..throttle::REGISTRATION
    };
    match throttle::count_attempt(db, &key, policy, now)
        .await
        .or_internal("counting a registration")?
    {
        Some(secs) => Err(AppError::RateLimited {
            message: format!(
                "Too many sign-ups from your network. Try again in {} minutes.",
                (secs + 59) / 60
            ),
            retry_after_secs: secs,
        }),
        None => Ok(()),
    }
}
