//! Verified domains on the server: parsing a typed domain, the admin page's view, claiming,
//! verifying by the TXT record, removing, opening to joins — each scoped to the admin's
//! company and audited in its transaction — and the request to join by an address.

use super::{DomainView, SignInView, MAX_DOMAINS, RECORD_PREFIX};
use crate::audit_log::{record, Event};
use crate::dns::{LookupFailure, TxtLookup};
use crate::domain::account::Email;
use crate::domain::{AuditAction, Role};
use crate::entities::{tenant_domains, users};
use crate::error::{AppError, ResultExt};
use crate::features::auth::registration::{count_registration, is_unique_violation_on};
use crate::features::members::invitations::{send_invitation, Inviter};
use crate::person::SessionUser;
use crate::util::format_time;
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};

/// A domain as typed ("Acme.com", "bücher.example", "@acme.com"): lower case, its ASCII form
/// (`xn--`) for an internationalised name, at least two labels of letters, digits and
/// hyphens. An address, a URL or an IP address is refused with what to type instead.
pub fn parse_domain(field: &str, typed: &str) -> Result<String, AppError> {
    let typed = typed.trim().trim_start_matches('@').trim_end_matches('.');
    let refuse = |why: &str| AppError::validation(field, why.to_owned());
    if typed.is_empty() {
        return Err(refuse("Type your company's mail domain, like acme.com."));
    }
    if typed.contains('@') || typed.contains('/') || typed.contains(':') {
        return Err(refuse(
            "Type the domain alone, like acme.com: no address, https:// or path.",
        ));
    }
    let domain = match url::Host::parse(typed) {
        Ok(url::Host::Domain(d)) => d,
        Ok(_) => {
            return Err(refuse(
                "That is an IP address; type a domain, like acme.com.",
            ))
        }
        Err(_) => return Err(refuse("That is not a domain name; type one like acme.com.")),
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) || domain.len() > 253 {
        return Err(refuse("That is not a domain name; type one like acme.com."));
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(refuse("That is not a domain name; type one like acme.com."));
    }
    Ok(domain)
}

/// The mail domain of an address, as [`parse_domain`] writes domains.
pub fn domain_of(email: &Email) -> Option<String> {
    let (_, domain) = email.as_str().rsplit_once('@')?;
    parse_domain("email", domain).ok()
}

fn record_name(domain: &str) -> String {
    format!("{RECORD_PREFIX}.{domain}")
}

fn record_value(token: &str) -> String {
    format!("digame-verification={token}")
}

fn view_of(d: tenant_domains::Model) -> DomainView {
    DomainView {
        missing_since: d.missing_since.map(format_time),
        lapses_on: d.missing_since.map(|m| format_time(m + LAPSE_AFTER)),
        id: d.id,
        record_name: record_name(&d.domain),
        record_value: record_value(&d.token),
        verified: d.verified_at.is_some(),
        verified_on: d.verified_at.map(format_time),
        last_checked: d.checked_at.map(format_time),
        open_join: d.open_join,
        domain: d.domain,
    }
}

fn not_found() -> AppError {
    AppError::NotFound("Your company has no such domain.".into())
}

/// Admin → Sign-in: the company's domains, by name.
pub async fn view(
    db: &DatabaseConnection,
    admin: &SessionUser,
    origin: &str,
) -> Result<SignInView, AppError> {
    let domains = tenant_domains::Entity::find()
        .filter(tenant_domains::Column::TenantId.eq(admin.tenant_id()))
        .order_by_asc(tenant_domains::Column::Domain)
        .all(db)
        .await
        .or_internal("reading the domains")?;
    Ok(SignInView {
        domains: domains.into_iter().map(view_of).collect(),
        join_url: format!("{origin}/join"),
    })
}

async fn own_domain(
    db: &impl sea_orm::ConnectionTrait,
    admin: &SessionUser,
    id: i64,
) -> Result<tenant_domains::Model, AppError> {
    tenant_domains::Entity::find_by_id(id)
        .filter(tenant_domains::Column::TenantId.eq(admin.tenant_id()))
        .one(db)
        .await
        .or_internal("reading a domain")?
        .ok_or_else(not_found)
}

fn taken(domain: &str) -> AppError {
    AppError::Conflict {
        field: "domain".into(),
        message: format!("{domain} is already verified by another company on Digame."),
    }
}

/// Claims `domain` (parsed) for the admin's company; returns its id. It is not verified
/// until its TXT record is found.
pub async fn claim(
    db: &DatabaseConnection,
    admin: &SessionUser,
    domain: &str,
) -> Result<i64, AppError> {
    let why = "claiming a domain";
    let claims = tenant_domains::Entity::find()
        .filter(tenant_domains::Column::Domain.eq(domain))
        .all(db)
        .await
        .or_internal(why)?;
    if claims.iter().any(|c| c.tenant_id == admin.tenant_id()) {
        return Err(AppError::Conflict {
            field: "domain".into(),
            message: format!("Your company has already claimed {domain}."),
        });
    }
    if claims
        .iter()
        .any(|c| c.verified_at.is_some() && c.tenant_id != admin.tenant_id())
    {
        return Err(taken(domain));
    }
    let count = tenant_domains::Entity::find()
        .filter(tenant_domains::Column::TenantId.eq(admin.tenant_id()))
        .count(db)
        .await
        .or_internal(why)?;
    if count >= MAX_DOMAINS {
        return Err(AppError::validation(
            "domain",
            format!("A company may claim at most {MAX_DOMAINS} domains. Remove one first."),
        ));
    }
    let txn = db.begin().await.or_internal(why)?;
    let row = tenant_domains::ActiveModel {
        tenant_id: Set(admin.tenant_id()),
        domain: Set(domain.to_owned()),
        token: Set(crate::util::sha256_hex(&crate::util::secret_token())[..40].to_owned()),
        verified_at: Set(None),
        open_join: Set(false),
        created_at: Set(Utc::now()),
        checked_at: Set(None),
        missing_since: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation_on(&e, "") {
            AppError::Conflict {
                field: "domain".into(),
                message: format!("Your company has already claimed {domain}."),
            }
        } else {
            crate::error::internal(why)(e)
        }
    })?;
    audit(&txn, admin, AuditAction::DomainClaimed, domain, None).await?;
    txn.commit().await.or_internal(why)?;
    Ok(row.id)
}

async fn audit(
    txn: &impl sea_orm::ConnectionTrait,
    admin: &SessionUser,
    action: AuditAction,
    domain: &str,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    record(
        txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action,
            target: domain,
            before: None,
            after,
        },
    )
    .await
}

/// Looks for the domain's TXT record now; when it carries the domain's value, the domain is
/// verified (unless another company verified it first). Says exactly what was not found.
pub async fn verify(
    db: &DatabaseConnection,
    dns: &TxtLookup,
    admin: &SessionUser,
    id: i64,
) -> Result<(), AppError> {
    let why = "verifying a domain";
    let claim = own_domain(db, admin, id).await?;
    if claim.verified_at.is_some() {
        return Ok(());
    }
    let name = record_name(&claim.domain);
    let wanted = record_value(&claim.token);
    let found = dns.txt(&name).await;
    let now = Utc::now();
    tenant_domains::ActiveModel {
        id: Set(claim.id),
        checked_at: Set(Some(now)),
        ..Default::default()
    }
    .update(db)
    .await
    .or_internal(why)?;
    match found {
        Ok(records) if records.iter().any(|r| r.trim() == wanted) => {}
        Ok(records) if !records.is_empty() => {
            return Err(AppError::validation(
                "domain",
                format!(
                    "The TXT record at {name} does not carry this domain's value. Set it to {wanted} exactly; DNS changes can take up to an hour to be seen."
                ),
            ))
        }
        Ok(_) | Err(LookupFailure::NoRecords) => {
            return Err(AppError::validation(
                "domain",
                format!(
                    "No TXT record was found at {name} yet. Publish one with the value {wanted}; DNS changes can take up to an hour to be seen."
                ),
            ))
        }
        Err(LookupFailure::Unreachable(e)) => {
            tracing::warn!(error = %e, domain = %claim.domain, "a TXT lookup failed");
            return Err(AppError::Upstream(
                "Digame could not ask DNS for the record just now. Try again in a minute.".into(),
            ));
        }
    }
    let txn = db.begin().await.or_internal(why)?;
    tenant_domains::ActiveModel {
        id: Set(claim.id),
        verified_at: Set(Some(now)),
        ..Default::default()
    }
    .update(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation_on(&e, "") {
            taken(&claim.domain)
        } else {
            crate::error::internal(why)(e)
        }
    })?;
    audit(
        &txn,
        admin,
        AuditAction::DomainVerified,
        &claim.domain,
        None,
    )
    .await?;
    txn.commit().await.or_internal(why)
}

pub async fn remove(db: &DatabaseConnection, admin: &SessionUser, id: i64) -> Result<(), AppError> {
    let why = "removing a domain";
    let claim = own_domain(db, admin, id).await?;
    let txn = db.begin().await.or_internal(why)?;
    tenant_domains::Entity::delete_by_id(claim.id)
        .exec(&txn)
        .await
        .or_internal(why)?;
    audit(&txn, admin, AuditAction::DomainRemoved, &claim.domain, None).await?;
    txn.commit().await.or_internal(why)
}

/// Opens a verified domain to joins without an invitation, or closes it.
pub async fn set_open_join(
    db: &DatabaseConnection,
    admin: &SessionUser,
    id: i64,
    open: bool,
) -> Result<(), AppError> {
    let why = "changing who may join";
    let claim = own_domain(db, admin, id).await?;
    if open && claim.verified_at.is_none() {
        return Err(AppError::validation(
            "domain",
            format!(
                "Verify {} first: only a verified domain can let people join.",
                claim.domain
            ),
        ));
    }
    if claim.open_join == open {
        return Ok(());
    }
    let txn = db.begin().await.or_internal(why)?;
    tenant_domains::ActiveModel {
        id: Set(claim.id),
        open_join: Set(open),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal(why)?;
    audit(
        &txn,
        admin,
        AuditAction::DomainJoinChanged,
        &claim.domain,
        Some(serde_json::json!({ "open_join": open })),
    )
    .await?;
    txn.commit().await.or_internal(why)
}

/// The verified domain `domain` and whether its company lets its people join.
pub async fn verified_owner(
    db: &impl sea_orm::ConnectionTrait,
    domain: &str,
) -> Result<Option<tenant_domains::Model>, AppError> {
    tenant_domains::Entity::find()
        .filter(tenant_domains::Column::Domain.eq(domain))
        .filter(tenant_domains::Column::VerifiedAt.is_not_null())
        .one(db)
        .await
        .or_internal("reading a verified domain")
}

/// Links to join mailed to one address per hour (a form anyone can fill in must not mail
/// one person without end).
const JOIN_MAILS: crate::throttle::Policy = crate::throttle::Policy {
    max_failures: 3,
    window: Duration::hours(1),
    lockout: Duration::hours(1),
};

/// `/join`: for an address at a verified domain whose company lets its people join, mails
/// the link that makes the account (an invitation as a member, from the domain); for an
/// address that already has an account, mails a reminder to sign in instead — the answer
/// is the same, so the form does not tell who has an account. Returns the address.
pub async fn request_join(
    db: &DatabaseConnection,
    settings: &crate::config::Settings,
    ip: Option<std::net::IpAddr>,
    origin: &str,
    email: &str,
) -> Result<String, AppError> {
    count_registration(db, ip, settings.registrations_per_hour).await?;
    let email = Email::parse(email)?;
    let domain = domain_of(&email).ok_or_else(|| {
        AppError::validation("email", "Type your work address, like you@acme.com.")
    })?;
    let closed = || {
        AppError::validation(
            "email",
            format!(
                "No company on Digame lets people with an address at {domain} join without an invitation. Ask your company's Digame admin to invite you."
            ),
        )
    };
    let owner = verified_owner(db, &domain).await?.ok_or_else(closed)?;
    if !owner.open_join {
        return Err(closed());
    }
    let key = format!("domain_join:{}", email.as_str());
    if let Some(secs) = crate::throttle::count_attempt(db, &key, JOIN_MAILS, Utc::now())
        .await
        .or_internal("counting a request to join")?
    {
        return Err(AppError::RateLimited {
            message: format!(
                "A link was already mailed to {} several times in the last hour. Look for it (and in spam), or try again in {} minutes.",
                email.as_str(),
                (secs + 59) / 60
            ),
            retry_after_secs: secs,
        });
    }
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await
        .or_internal("checking an address")?;
    if existing.is_some() {
        crate::features::mail::service::enqueue(
            db,
            Some(owner.tenant_id),
            crate::features::mail::Mail {
                to: email.as_str().to_owned(),
                subject: "You already have a Digame account".into(),
                body: format!(
                    "Hello,\n\nSomeone asked to join Digame with this address, which already has an account. \
                     Sign in at {origin}/login (\"Forgot your password?\" there if you need a new one).\n\n\
                     If this was not you, ignore this message.\n"
                ),
            },
        )
        .await?;
        return Ok(email.as_str().to_owned());
    }
    send_invitation(
        db,
        owner.tenant_id,
        &email,
        Role::Member,
        Inviter::Domain(&owner.domain),
        origin,
        &settings.master_key,
    )
    .await?;
    Ok(email.as_str().to_owned())
}

/// How often a verified domain's record is looked up again.
pub const RECHECK_EVERY: Duration = Duration::days(1);
/// How long a verified domain's record may be gone before the domain stops being verified
/// (a DNS change mid-migration should not take a company's domain away at once).
pub const LAPSE_AFTER: Duration = Duration::days(7);
/// The most domains one round looks up.
const RECHECK_BATCH: u64 = 50;

/// What one round of [`recheck_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rechecked {
    pub checked: u64,
    /// Verified domains whose record was gone for [`LAPSE_AFTER`]: no longer verified.
    pub lapsed: u64,
}

/// Looks up again the verified domains not looked up for [`RECHECK_EVERY`]: a domain whose
/// record is back is fine again; one whose record has been gone for [`LAPSE_AFTER`] stops
/// being verified (and open to joins), audited, and the company's admins are mailed. A
/// lookup that cannot reach DNS changes nothing.
pub async fn recheck_due(
    db: &DatabaseConnection,
    dns: &TxtLookup,
    now: chrono::DateTime<Utc>,
) -> Result<Rechecked, AppError> {
    use sea_orm::{Condition, QuerySelect};
    let why = "checking verified domains again";
    let due = tenant_domains::Entity::find()
        .filter(tenant_domains::Column::VerifiedAt.is_not_null())
        .filter(
            Condition::any()
                .add(tenant_domains::Column::CheckedAt.is_null())
                .add(tenant_domains::Column::CheckedAt.lt(now - RECHECK_EVERY)),
        )
        .order_by_asc(tenant_domains::Column::CheckedAt)
        .limit(RECHECK_BATCH)
        .all(db)
        .await
        .or_internal(why)?;
    let mut done = Rechecked::default();
    for claim in due {
        let present = match dns.txt(&record_name(&claim.domain)).await {
            Ok(records) => records
                .iter()
                .any(|r| r.trim() == record_value(&claim.token)),
            Err(LookupFailure::NoRecords) => false,
            Err(LookupFailure::Unreachable(e)) => {
                tracing::warn!(error = %e, domain = %claim.domain, "a domain's record could not be looked up again");
                continue;
            }
        };
        done.checked += 1;
        let missing_since = if present {
            None
        } else {
            Some(claim.missing_since.unwrap_or(now))
        };
        if missing_since.is_some_and(|since| now - since >= LAPSE_AFTER) {
            lapse(db, &claim).await?;
            done.lapsed += 1;
            continue;
        }
        tenant_domains::ActiveModel {
            id: Set(claim.id),
            checked_at: Set(Some(now)),
            missing_since: Set(missing_since),
            ..Default::default()
        }
        .update(db)
        .await
        .or_internal(why)?;
    }
    Ok(done)
}

/// Takes a domain's verification (and its opening to joins) away, audits it and mails the
/// company's admins, in one transaction.
async fn lapse(db: &DatabaseConnection, claim: &tenant_domains::Model) -> Result<(), AppError> {
    let why = "ending a domain's verification";
    let txn = db.begin().await.or_internal(why)?;
    tenant_domains::ActiveModel {
        id: Set(claim.id),
        verified_at: Set(None),
        open_join: Set(false),
        missing_since: Set(None),
        checked_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal(why)?;
    record(
        &txn,
        Event {
            tenant_id: claim.tenant_id,
            actor_user_id: None,
            action: AuditAction::DomainLapsed,
            target: &claim.domain,
            before: None,
            after: None,
        },
    )
    .await?;
    let admins = users::Entity::find()
        .filter(users::Column::TenantId.eq(claim.tenant_id))
        .filter(users::Column::Role.eq(Role::Admin))
        .filter(users::Column::Active.eq(true))
        .all(&txn)
        .await
        .or_internal(why)?;
    for admin in admins {
        crate::features::mail::service::enqueue(
            &txn,
            Some(claim.tenant_id),
            crate::features::mail::Mail {
                to: admin.email,
                subject: format!("{} is no longer verified on Digame", claim.domain),
                body: format!(
                    "Hello {name},\n\nThe DNS record that proves your company owns {domain} \
                     ({record}) has been missing for {days} days, so {domain} is no longer verified \
                     for your company on Digame{open}.\n\n\
                     To verify it again, publish the record once more and press \"Verify now\" \
                     on Admin → Sign-in.\n",
                    name = admin.display_name,
                    domain = claim.domain,
                    record = record_name(&claim.domain),
                    days = LAPSE_AFTER.num_days(),
                    open = if claim.open_join {
                        ", and people with an address at it can no longer join without an invitation"
                    } else {
                        ""
                    },
                ),
            },
        )
        .await?;
    }
    txn.commit().await.or_internal(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_parsed_to_their_ascii_lower_case_form() {
        assert_eq!(parse_domain("domain", " Acme.COM ").unwrap(), "acme.com");
        assert_eq!(parse_domain("domain", "@acme.com.").unwrap(), "acme.com");
        assert_eq!(
            parse_domain("domain", "mail.acme.co.uk").unwrap(),
            "mail.acme.co.uk"
        );
        assert_eq!(
            parse_domain("domain", "bücher.example").unwrap(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn what_is_not_a_domain_is_refused_with_what_to_type() {
        for bad in [
            "",
            "acme",
            "me@acme.com",
            "https://acme.com",
            "acme.com/x",
            "10.0.0.1",
            "[::1]",
            "-acme.com",
            "acme..com",
            "a_b.com",
            "acme.123",
        ] {
            let e = parse_domain("domain", bad).unwrap_err();
            assert_eq!(e.field(), Some("domain"), "{bad}");
        }
        assert!(parse_domain("domain", "me@acme.com")
            .unwrap_err()
            .message()
            .contains("alone"));
        assert!(parse_domain("domain", &format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn an_addresss_domain_is_its_part_after_the_at() {
        let email = Email::parse("Ana@Acme.com").unwrap();
        assert_eq!(domain_of(&email).as_deref(), Some("acme.com"));
    }

    #[test]
    fn the_record_is_named_under_the_domain() {
        assert_eq!(record_name("acme.com"), "_digame-verification.acme.com");
        assert_eq!(record_value("abc"), "digame-verification=abc");
    }
}
