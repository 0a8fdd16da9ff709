//! Invitations: made by an admin or asked for at a verified domain (one path,
//! [`send_invitation`]), revoked, read from the mailed link, and used up when the invited
//! person's account is made. Scoped to the company as the members' service is.

use super::service::{
    ensure_free_place, hash_token, not_found, parse_role, pending_invitations, PlaceFor,
    INVITATION_DAYS,
};
use super::{InvitationInfo, InviteCreated};
use crate::audit_log::{record, Event};
use crate::config::MasterKey;
use crate::domain::account::Email;
use crate::domain::{AuditAction, Role};
use crate::entities::{invitations, tenants, users};
use crate::error::{AppError, ResultExt};
use crate::features::tenancy::service::lock_tenant;
use crate::person::SessionUser;
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait,
};
use sha2::Sha256;

/// Invitations one company may send an hour.
pub const INVITATIONS: crate::throttle::Policy = crate::throttle::Policy {
    max_failures: 60,
    window: Duration::hours(1),
    lockout: Duration::hours(1),
};

fn new_token() -> String {
    crate::util::secret_token()
}

/// The part of an invitation link that only the mailed copy carries: HMAC-SHA-256, under a
/// key derived from the master key, over the token. The mailed link is
/// `…?invite={token}.{proof}`; the link shown to the admin is `…?invite={token}` alone.
/// Joining with the proof confirms the address (only its mailbox received it); joining
/// without it creates the account unconfirmed and mails a confirmation link, so an admin
/// who opens their own invitation cannot get a confirmed account at an address they do not
/// hold.
fn proof_mac(key: &MasterKey, token: &str) -> Hmac<Sha256> {
    let mut derive = Hmac::<Sha256>::new_from_slice(&key.0).expect("HMAC takes any key length");
    derive.update(b"digame: invitation mailbox proof");
    let derived = derive.finalize().into_bytes();
    let mut mac = Hmac::<Sha256>::new_from_slice(&derived).expect("HMAC takes any key length");
    mac.update(token.as_bytes());
    mac
}

fn mailbox_proof(key: &MasterKey, token: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(proof_mac(key, token).finalize().into_bytes())
}

/// An invitation link's value split into its token and, for the mailed copy, its proof.
pub fn split_invite(invite: &str) -> (&str, Option<&str>) {
    match invite.split_once('.') {
        Some((token, proof)) => (token, Some(proof)),
        None => (invite, None),
    }
}

/// Whether `invite` is the link that was mailed (its proof verifies, in constant time).
pub fn proves_mailbox(key: &MasterKey, invite: &str) -> bool {
    use base64::Engine as _;
    let (token, Some(proof)) = split_invite(invite) else {
        return false;
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(proof)
        .is_ok_and(|sig| proof_mac(key, token).verify_slice(&sig).is_ok())
}

/// Creates a single-use invitation; the plaintext token exists only in the returned link.
/// Invites `email` as `role` into the admin's company and mails them the link (built on
/// `origin`, the site's public address), in one transaction.
pub async fn invite(
    db: &DatabaseConnection,
    admin: &SessionUser,
    email: &str,
    role: &str,
    origin: &str,
    key: &MasterKey,
) -> Result<InviteCreated, AppError> {
    admin.require_verified("invite people")?;
    let email = Email::parse(email)?;
    let role = parse_role(role)?;
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await
        .or_internal("checking an invited email")?;
    // Only membership of the admin's own company is said; whether the address has an
    // account in another company is not this admin's business (the invited person learns
    // it when they try to accept).
    if existing.is_some_and(|u| u.tenant_id == admin.tenant_id()) {
        return Err(AppError::Conflict {
            field: "email".into(),
            message: "That person is already a member of your company.".into(),
        });
    }
    // Each invitation sends a mail from the company's name: a compromised or careless
    // admin account cannot make Digame a mail cannon.
    let counter = format!("invitations:{}", admin.tenant_id());
    if let Some(secs) = crate::throttle::count_attempt(db, &counter, INVITATIONS, Utc::now())
        .await
        .or_internal("counting an invitation")?
    {
        return Err(AppError::RateLimited {
            message: format!(
                "Your company has sent {} invitations in the last hour, the most allowed. Try again in {} minutes.",
                INVITATIONS.max_failures,
                (secs + 59) / 60
            ),
            retry_after_secs: secs,
        });
    }
    let link = send_invitation(
        db,
        admin.tenant_id(),
        &email,
        role,
        Inviter::Admin(admin),
        origin,
        key,
    )
    .await?;
    Ok(InviteCreated {
        email: email.as_str().to_owned(),
        link,
    })
}

/// Who an invitation comes from: an admin, or the company's verified domain open to its
/// addresses (Admin → Sign-in → Domains; the person asked for it on `/join`).
#[derive(Debug, Clone, Copy)]
pub enum Inviter<'a> {
    Admin(&'a SessionUser),
    Domain(&'a str),
}

/// Writes a single-use invitation of `email` as `role` into company `tenant_id` — replacing
/// a pending one for the address and taking a place within the plan, after the company's
/// row is locked — audits it and mails the link (built on `origin`, with the proof that the
/// mailbox got it) in one transaction. Returns the link without its proof.
pub async fn send_invitation(
    db: &DatabaseConnection,
    tenant_id: i64,
    email: &Email,
    role: Role,
    inviter: Inviter<'_>,
    origin: &str,
    key: &MasterKey,
) -> Result<String, AppError> {
    let token = new_token();
    let now = Utc::now();
    let txn = db.begin().await.or_internal("creating an invitation")?;
    let tenant = lock_tenant(&txn, tenant_id).await?;
    // A repeated invitation replaces the pending one (and reuses its place).
    let previous = pending_invitations(tenant.id)
        .filter(invitations::Column::Email.eq(email.as_str()))
        .all(&txn)
        .await
        .or_internal("reading invitations")?;
    let holding: Vec<i64> = previous.iter().map(|i| i.id).collect();
    let purpose = match inviter {
        Inviter::Admin(_) => PlaceFor::Invitation,
        Inviter::Domain(_) => PlaceFor::Join,
    };
    ensure_free_place(&txn, &tenant, &holding, purpose).await?;
    for old in &previous {
        invitations::ActiveModel {
            id: Set(old.id),
            revoked_at: Set(Some(now)),
            ..Default::default()
        }
        .update(&txn)
        .await
        .or_internal("replacing an invitation")?;
    }
    let admin = match inviter {
        Inviter::Admin(admin) => Some(admin),
        Inviter::Domain(_) => None,
    };
    invitations::ActiveModel {
        tenant_id: Set(tenant.id),
        email: Set(email.as_str().to_owned()),
        role: Set(role),
        token_hash: Set(hash_token(&token)),
        invited_by: Set(admin.map(|a| a.user.id)),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(INVITATION_DAYS)),
        accepted_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .or_internal("creating an invitation")?;
    let mut after = serde_json::json!({ "role": role.as_str() });
    if let Inviter::Domain(domain) = inviter {
        after["domain"] = domain.into();
    }
    record(
        &txn,
        Event {
            tenant_id: tenant.id,
            actor_user_id: admin.map(|a| a.user.id),
            action: AuditAction::InvitationCreated,
            target: email.as_str(),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    let link = format!("{origin}/register?invite={token}");
    let mailed_link = format!("{link}.{}", mailbox_proof(key, &token));
    let (subject, opening) = match inviter {
        Inviter::Admin(admin) => (
            format!("{} invites you to Digame", admin.user.display_name),
            format!(
                "{name} ({from}) invites you to join {company} on Digame, as {role}.",
                name = admin.user.display_name,
                from = admin.user.email,
                company = tenant.name,
                role = if role == Role::Admin {
                    "an admin"
                } else {
                    "a member"
                },
            ),
        ),
        Inviter::Domain(domain) => (
            format!("Join {} on Digame", tenant.name),
            format!(
                "You asked to join {company} on Digame. {company} lets people with an address at \
                 {domain} join as members.",
                company = tenant.name,
            ),
        ),
    };
    crate::features::mail::service::enqueue(
        &txn,
        Some(tenant.id),
        crate::features::mail::Mail {
            to: email.as_str().to_owned(),
            subject,
            body: format!(
                "Hello,\n\n{opening}\n\n\
                 To accept, open this link and choose your password (it works for {INVITATION_DAYS} days):\n\n{mailed_link}\n\n\
                 If you were not expecting this, ignore this message.\n",
            ),
        },
    )
    .await?;
    txn.commit().await.or_internal("creating an invitation")?;
    Ok(link)
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
        .or_internal("reading an invitation")?
        .ok_or_else(not_found)?;
    let txn = db.begin().await.or_internal("revoking an invitation")?;
    invitations::ActiveModel {
        id: Set(invitation.id),
        revoked_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(&txn)
    .await
    .or_internal("revoking an invitation")?;
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: AuditAction::InvitationRevoked,
            target: &invitation.email,
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await.or_internal("revoking an invitation")
}

/// A usable invitation for `invite` (a link's value, with or without its mailed proof), or
/// a clear reason why it cannot be used.
pub async fn usable_invitation(
    db: &impl ConnectionTrait,
    invite: &str,
) -> Result<(invitations::Model, tenants::Model), AppError> {
    let (token, _) = split_invite(invite);
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
        .or_internal("reading an invitation")?
        .ok_or_else(gone)?;
    if invitation.accepted_at.is_some() {
        return Err(already_used());
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
        .or_internal("reading a tenant")?
        .ok_or_else(gone)?;
    Ok((invitation, tenant))
}

fn already_used() -> AppError {
    AppError::Conflict {
        field: "invite".into(),
        message: "This invitation has already been used. Sign in instead.".into(),
    }
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

/// Inside the transaction that creates the joining account: locks the company, checks that
/// the place the invitation holds is still within the plan, and uses the invitation up (a
/// second use of the same link fails here). Returns the company as it is now and the role
/// the invitation gives. The account itself is created by `auth::registration::join_by_invitation`.
pub async fn accept_invitation(
    txn: &DatabaseTransaction,
    invitation: &invitations::Model,
) -> Result<(tenants::Model, Role), AppError> {
    let tenant = lock_tenant(txn, invitation.tenant_id).await?;
    ensure_free_place(txn, &tenant, &[invitation.id], PlaceFor::Join).await?;
    let used = invitations::Entity::update_many()
        .col_expr(
            invitations::Column::AcceptedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(invitations::Column::Id.eq(invitation.id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .exec(txn)
        .await
        .or_internal("using an invitation")?;
    if used.rows_affected != 1 {
        return Err(already_used());
    }
    Ok((tenant, invitation.role))
}
