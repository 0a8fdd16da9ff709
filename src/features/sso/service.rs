//! A company's single sign-on connection: saved, shown, tested, removed and enforced by its
//! admins (every change audited), and the way from an address to its company's sign-in.

use super::{GroupLink, SsoSettings, SsoView, DEFAULT_GROUPS_CLAIM, DEFAULT_SCOPES};
use crate::audit_log::{record, Event};
use crate::crypto::keyring::{Keyring, Sealed};
use crate::domain::account::Email;
use crate::domain::AuditAction;
use crate::entities::{member_groups, sso_connections, tenant_domains, tenants, users};
use crate::error::{AppError, ResultExt};
use crate::features::tenancy::service::lock_tenant;
use crate::person::SessionUser;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use secrecy::SecretString;

const MAX_ISSUER: usize = 2048;
const MAX_CLIENT_ID: usize = 512;
const MAX_SECRET: usize = 4096;
const MAX_SCOPES: usize = 512;
const MAX_CLAIM: usize = 128;
const MAX_GROUP_NAME: usize = 256;
const MAX_MAPPINGS: usize = 200;

/// What binds a sealed client secret to its company.
pub fn secret_aad(tenant_id: i64) -> String {
    format!("digame:sso-client-secret:v1:{tenant_id}")
}

/// The company's connection, if it has one.
pub async fn connection_of(
    db: &impl ConnectionTrait,
    tenant_id: i64,
) -> Result<Option<sso_connections::Model>, AppError> {
    sso_connections::Entity::find()
        .filter(sso_connections::Column::TenantId.eq(tenant_id))
        .one(db)
        .await
        .or_internal("reading a single sign-on connection")
}

/// The stored client secret, opened.
pub fn client_secret(
    keyring: &Keyring,
    conn: &sso_connections::Model,
) -> Result<SecretString, AppError> {
    let sealed = Sealed {
        ciphertext: conn.secret_ciphertext.clone(),
        nonce: conn.secret_nonce.clone(),
        key_version: conn.secret_key_version,
    };
    keyring
        .open(&sealed, &secret_aad(conn.tenant_id))
        .map_err(|e| {
            tracing::error!(tenant_id = conn.tenant_id, error = ?e, "a single sign-on client secret does not open");
            AppError::Upstream(
                "The stored client secret cannot be read with this server's master key. An administrator should enter it again on Admin → Single sign-on.".into(),
            )
        })
}

/// The group links stored as JSON, as (group id, provider group).
pub fn stored_links(conn: &sso_connections::Model) -> Vec<(i64, String)> {
    #[derive(serde::Deserialize)]
    struct Link {
        group: i64,
        provider_group: String,
    }
    serde_json::from_str::<Vec<Link>>(&conn.group_map)
        .unwrap_or_default()
        .into_iter()
        .map(|l| (l.group, l.provider_group))
        .collect()
}

pub fn admin_groups_of(conn: &sso_connections::Model) -> Vec<String> {
    super::parse_lines(&conn.admin_groups)
}

/// The redirect address of a company's connection.
pub fn redirect_url(origin: &str, slug: &str) -> String {
    format!("{}/sso/{slug}/callback", origin.trim_end_matches('/'))
}

pub async fn view(
    db: &DatabaseConnection,
    admin: &SessionUser,
    origin: &str,
) -> Result<SsoView, AppError> {
    let tenant_id = admin.tenant_id();
    let conn = connection_of(db, tenant_id).await?;
    let groups = member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(tenant_id))
        .order_by_asc(member_groups::Column::NameKey)
        .all(db)
        .await
        .or_internal("reading groups")?;
    let verified_domains = tenant_domains::Entity::find()
        .filter(tenant_domains::Column::TenantId.eq(tenant_id))
        .filter(tenant_domains::Column::VerifiedAt.is_not_null())
        .order_by_asc(tenant_domains::Column::Domain)
        .all(db)
        .await
        .or_internal("reading domains")?
        .into_iter()
        .map(|d| d.domain)
        .collect();
    let slug = &admin.tenant.slug;
    let mut view = SsoView {
        configured: conn.is_some(),
        issuer: String::new(),
        client_id: String::new(),
        secret_stored: false,
        scopes: DEFAULT_SCOPES.into(),
        groups_claim: DEFAULT_GROUPS_CLAIM.into(),
        admin_groups: Vec::new(),
        group_links: Vec::new(),
        groups: groups.iter().map(|g| g.name.clone()).collect(),
        redirect_url: redirect_url(origin, slug),
        start_url: format!("{}/sso/{slug}", origin.trim_end_matches('/')),
        verified_domains,
        enforced: false,
        admin_signed_in: false,
        enforced_by: None,
    };
    let Some(conn) = conn else {
        return Ok(view);
    };
    let name_of = |id: i64| groups.iter().find(|g| g.id == id).map(|g| g.name.clone());
    view.group_links = stored_links(&conn)
        .into_iter()
        .filter_map(|(group, provider_group)| {
            Some(GroupLink {
                group_name: name_of(group)?,
                group,
                provider_group,
            })
        })
        .collect();
    view.admin_groups = admin_groups_of(&conn);
    view.enforced_by = match conn.enforced_by.filter(|_| conn.enforced) {
        Some(id) => users::Entity::find_by_id(id)
            .one(db)
            .await
            .or_internal("reading an admin")?
            .map(|u| u.email),
        None => None,
    };
    view.issuer = conn.issuer;
    view.client_id = conn.client_id;
    view.secret_stored = !conn.secret_ciphertext.is_empty();
    view.scopes = conn.scopes;
    view.groups_claim = conn.groups_claim;
    view.enforced = conn.enforced;
    view.admin_signed_in = conn.admin_signed_in_at.is_some();
    Ok(view)
}

/// Lines of `provider group = Digame group` (the page's form) as links; a Digame group that
/// does not exist is an error on the field.
pub async fn parse_group_map(
    db: &DatabaseConnection,
    admin: &SessionUser,
    text: &str,
) -> Result<Vec<GroupLink>, AppError> {
    let groups = member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(admin.tenant_id()))
        .all(db)
        .await
        .or_internal("reading groups")?;
    let mut links = Vec::new();
    for line in super::parse_lines(text) {
        let Some((provider, ours)) = line.split_once('=') else {
            return Err(AppError::validation(
                "group_map",
                format!("“{line}” is not of the form “provider group = Digame group”."),
            ));
        };
        let (provider, ours) = (provider.trim(), ours.trim());
        let Some(group) = groups
            .iter()
            .find(|g| g.name_key == ours.to_lowercase() || g.name.eq_ignore_ascii_case(ours))
        else {
            return Err(AppError::validation(
                "group_map",
                format!("There is no group called “{ours}”: create it on Admin → Groups first."),
            ));
        };
        links.push(GroupLink {
            group: group.id,
            group_name: group.name.clone(),
            provider_group: provider.to_owned(),
        });
    }
    Ok(links)
}

/// A field's text, trimmed, within `max` characters and not empty when `required`.
fn field(
    name: &str,
    label: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String, AppError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(AppError::validation(name, format!("Enter the {label}.")));
    }
    if value.chars().count() > max {
        return Err(AppError::validation(
            name,
            format!("The {label} is longer than {max} characters."),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(AppError::validation(
            name,
            format!("The {label} must be on one line."),
        ));
    }
    Ok(value.to_owned())
}

/// The settings checked: the issuer a public https address (as AI addresses are), scopes
/// and claim names plain words, the mapping within bounds and to the company's own groups.
fn check(
    s: &SsoSettings,
    allow_private: bool,
) -> Result<(String, String, String, String, Vec<String>), AppError> {
    let issuer = field("issuer", "issuer address", &s.issuer, MAX_ISSUER, true)?;
    crate::ai::address::check_url(&issuer, allow_private)
        .map_err(|why| AppError::validation("issuer", why))?;
    // Kept as typed, a final `/` too: the provider's `issuer` must match it exactly
    // (Auth0's ends in `/`, Keycloak's does not).
    let client_id = field("client_id", "client ID", &s.client_id, MAX_CLIENT_ID, true)?;
    let scopes = field("scopes", "scopes", &s.scopes, MAX_SCOPES, false)?;
    let mut words: Vec<&str> = scopes.split_whitespace().collect();
    if words.is_empty() {
        words = DEFAULT_SCOPES.split(' ').collect();
    }
    if let Some(bad) = words.iter().find(|w| {
        !w.chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
    }) {
        return Err(AppError::validation(
            "scopes",
            format!("“{bad}” is not a scope name."),
        ));
    }
    if !words.contains(&"openid") {
        words.insert(0, "openid");
    }
    words.dedup();
    let groups_claim = field(
        "groups_claim",
        "groups claim",
        &s.groups_claim,
        MAX_CLAIM,
        false,
    )?;
    let groups_claim = if groups_claim.is_empty() {
        DEFAULT_GROUPS_CLAIM.to_owned()
    } else {
        groups_claim
    };
    if s.admin_groups.len() > MAX_MAPPINGS || s.group_links.len() > MAX_MAPPINGS {
        return Err(AppError::validation(
            "group_map",
            format!("At most {MAX_MAPPINGS} groups can be mapped."),
        ));
    }
    let mut admin_groups = Vec::new();
    for g in &s.admin_groups {
        let g = field(
            "admin_groups",
            "administrators' group name",
            g,
            MAX_GROUP_NAME,
            false,
        )?;
        if !g.is_empty() && !admin_groups.contains(&g) {
            admin_groups.push(g);
        }
    }
    for l in &s.group_links {
        field(
            "group_map",
            "provider group name",
            &l.provider_group,
            MAX_GROUP_NAME,
            true,
        )?;
    }
    Ok((
        issuer,
        client_id,
        words.join(" "),
        groups_claim,
        admin_groups,
    ))
}

/// Creates or replaces the company's connection. A first save needs the client secret; a
/// later one keeps the stored secret when none is typed.
pub async fn save(
    db: &DatabaseConnection,
    keyring: &Keyring,
    settings: &crate::config::Settings,
    admin: &SessionUser,
    s: SsoSettings,
) -> Result<(), AppError> {
    let (issuer, client_id, scopes, groups_claim, admin_groups) =
        check(&s, settings.ai.allow_private)?;
    let secret = s.client_secret.trim();
    if secret.chars().count() > MAX_SECRET {
        return Err(AppError::validation(
            "client_secret",
            format!("The client secret is longer than {MAX_SECRET} characters."),
        ));
    }
    let tenant_id = admin.tenant_id();
    // The links must name this company's groups (the JSON API takes ids).
    let own: Vec<i64> = member_groups::Entity::find()
        .filter(member_groups::Column::TenantId.eq(tenant_id))
        .all(db)
        .await
        .or_internal("reading groups")?
        .into_iter()
        .map(|g| g.id)
        .collect();
    if let Some(l) = s.group_links.iter().find(|l| !own.contains(&l.group)) {
        return Err(AppError::validation(
            "group_map",
            format!("Group {} is not one of your company's groups.", l.group),
        ));
    }
    let links: Vec<serde_json::Value> = s
        .group_links
        .iter()
        .map(|l| serde_json::json!({ "group": l.group, "provider_group": l.provider_group.trim() }))
        .collect();
    let group_map = serde_json::Value::Array(links).to_string();
    let now = Utc::now();
    let txn = db.begin().await.or_internal("saving single sign-on")?;
    // A write first (SQLite refuses to upgrade a read snapshot), and one admin at a time.
    lock_tenant(&txn, tenant_id).await?;
    let existing = connection_of(&txn, tenant_id).await?;
    let sealed = if secret.is_empty() {
        None
    } else {
        Some(keyring.seal(
            &SecretString::from(secret.to_owned()),
            &secret_aad(tenant_id),
        ))
    };
    match existing {
        None => {
            let Some(sealed) = sealed else {
                return Err(AppError::validation(
                    "client_secret",
                    "Enter the client secret your provider gave for Digame.",
                ));
            };
            sso_connections::ActiveModel {
                tenant_id: Set(tenant_id),
                issuer: Set(issuer.clone()),
                client_id: Set(client_id),
                secret_ciphertext: Set(sealed.ciphertext),
                secret_nonce: Set(sealed.nonce),
                secret_key_version: Set(sealed.key_version),
                scopes: Set(scopes),
                groups_claim: Set(groups_claim),
                admin_groups: Set(admin_groups.join("\n")),
                group_map: Set(group_map),
                enforced: Set(false),
                enforced_by: Set(None),
                admin_signed_in_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .or_internal("saving single sign-on")?;
        }
        Some(old) => {
            // Another provider is another set of accounts: what an admin proved through the
            // old one does not carry over, nor does enforcement.
            let same_provider = old.issuer == issuer && old.client_id == client_id;
            let mut row = sso_connections::ActiveModel {
                id: Set(old.id),
                issuer: Set(issuer.clone()),
                client_id: Set(client_id),
                scopes: Set(scopes),
                groups_claim: Set(groups_claim),
                admin_groups: Set(admin_groups.join("\n")),
                group_map: Set(group_map),
                updated_at: Set(now),
                ..Default::default()
            };
            if !same_provider {
                row.enforced = Set(false);
                row.enforced_by = Set(None);
                row.admin_signed_in_at = Set(None);
            }
            if let Some(sealed) = sealed {
                row.secret_ciphertext = Set(sealed.ciphertext);
                row.secret_nonce = Set(sealed.nonce);
                row.secret_key_version = Set(sealed.key_version);
            }
            row.update(&txn)
                .await
                .or_internal("saving single sign-on")?;
        }
    }
    audit(&txn, admin, AuditAction::SsoConfigured, &issuer, None).await?;
    txn.commit().await.or_internal("saving single sign-on")
}

/// Discovery at the saved issuer; a sentence of what was found.
pub async fn test(
    db: &DatabaseConnection,
    providers: &crate::oidc::Providers,
    admin: &SessionUser,
) -> Result<String, AppError> {
    let conn = connection_of(db, admin.tenant_id()).await?.ok_or_else(|| {
        AppError::validation("issuer", "Save the connection first, then test it.")
    })?;
    let found = providers.test(&conn.issuer).await.map_err(|f| match f {
        crate::oidc::Failure::Provider(why) | crate::oidc::Failure::Rejected(why) => {
            AppError::Upstream(why)
        }
    })?;
    let groups = if found.claims_supported.is_empty() {
        format!(
            "It does not list its claims, so whether it sends “{}” shows at the first sign-in.",
            conn.groups_claim
        )
    } else if found.claims_supported.contains(&conn.groups_claim) {
        format!("It lists the “{}” claim.", conn.groups_claim)
    } else {
        format!(
            "It does not list a “{}” claim among its claims ({}): groups may need to be added to the ID token at the provider.",
            conn.groups_claim,
            found.claims_supported.join(", ")
        )
    };
    Ok(format!(
        "Found the provider {}: sign-in at {}, tokens at {}, {} signing key{}. {groups}",
        found.issuer,
        found.authorization_endpoint,
        found.token_endpoint.unwrap_or_default(),
        found.keys,
        if found.keys == 1 { "" } else { "s" },
    ))
}

pub async fn remove(db: &DatabaseConnection, admin: &SessionUser) -> Result<(), AppError> {
    let txn = db.begin().await.or_internal("removing single sign-on")?;
    lock_tenant(&txn, admin.tenant_id()).await?;
    let Some(conn) = connection_of(&txn, admin.tenant_id()).await? else {
        return Err(AppError::NotFound("Single sign-on is not set up.".into()));
    };
    sso_connections::Entity::delete_by_id(conn.id)
        .exec(&txn)
        .await
        .or_internal("removing single sign-on")?;
    audit(&txn, admin, AuditAction::SsoRemoved, &conn.issuer, None).await?;
    txn.commit().await.or_internal("removing single sign-on")
}

/// Requires sign-in through the provider (password sign-in and reset refused for the
/// company's people, but for this admin: break-glass), or stops requiring it. Only after an
/// admin has signed in through the connection, so it is known to work.
pub async fn set_enforced(
    db: &DatabaseConnection,
    admin: &SessionUser,
    enforced: bool,
) -> Result<(), AppError> {
    let txn = db.begin().await.or_internal("changing single sign-on")?;
    lock_tenant(&txn, admin.tenant_id()).await?;
    let Some(conn) = connection_of(&txn, admin.tenant_id()).await? else {
        return Err(AppError::validation(
            "enforced",
            "Set up single sign-on first.",
        ));
    };
    if enforced && conn.admin_signed_in_at.is_none() {
        return Err(AppError::validation(
            "enforced",
            "An administrator must sign in through the provider once before it can be required, so the company cannot be locked out.",
        ));
    }
    if conn.enforced == enforced {
        return Ok(());
    }
    sso_connections::Entity::update_many()
        .col_expr(sso_connections::Column::Enforced, Expr::value(enforced))
        .col_expr(
            sso_connections::Column::EnforcedBy,
            Expr::value(enforced.then_some(admin.user.id)),
        )
        .col_expr(sso_connections::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(sso_connections::Column::Id.eq(conn.id))
        .exec(&txn)
        .await
        .or_internal("changing single sign-on")?;
    audit(
        &txn,
        admin,
        AuditAction::SsoEnforcementChanged,
        &conn.issuer,
        Some(serde_json::json!({ "enforced": enforced })),
    )
    .await?;
    txn.commit().await.or_internal("changing single sign-on")
}

/// `/login/company`: the path that starts the sign-in of the company whose verified domain
/// the address is at.
pub async fn start_path_for(
    db: &DatabaseConnection,
    email: &str,
    next: Option<&str>,
) -> Result<String, AppError> {
    let email = Email::parse(email)?;
    let domain = email.as_str().rsplit_once('@').map_or("", |(_, d)| d);
    let not_here = || {
        AppError::validation(
            "email",
            format!("No company signs in through its own provider for addresses at {domain}. Sign in with your password instead."),
        )
    };
    let owner = crate::features::domains::service::verified_owner(db, domain)
        .await?
        .ok_or_else(not_here)?;
    connection_of(db, owner.tenant_id)
        .await?
        .ok_or_else(not_here)?;
    let tenant = tenants::Entity::find_by_id(owner.tenant_id)
        .one(db)
        .await
        .or_internal("reading a company")?
        .ok_or_else(not_here)?;
    let mut path = format!(
        "/sso/{}?login_hint={}",
        tenant.slug,
        crate::util::encode_query_value(email.as_str())
    );
    if let Some(next) = crate::util::safe_next(next) {
        path.push_str("&next=");
        path.push_str(&crate::util::encode_query_value(&next));
    }
    Ok(path)
}

async fn audit(
    txn: &impl ConnectionTrait,
    admin: &SessionUser,
    action: AuditAction,
    target: &str,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    record(
        txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action,
            target,
            before: None,
            after,
        },
    )
    .await
}

/// Re-seals every client secret not under the current master key (`digame
/// rotate-master-key`); answers (re-sealed, unreadable).
pub async fn rotate(
    db: &DatabaseConnection,
    keyring: &Keyring,
) -> Result<(u64, u64), sea_orm::DbErr> {
    let current = keyring.current_version();
    let (mut resealed, mut unreadable) = (0, 0);
    let stale = sso_connections::Entity::find()
        .filter(sso_connections::Column::SecretKeyVersion.ne(current))
        .all(db)
        .await?;
    for row in stale {
        let sealed = Sealed {
            ciphertext: row.secret_ciphertext.clone(),
            nonce: row.secret_nonce.clone(),
            key_version: row.secret_key_version,
        };
        let Ok(plain) = keyring.open(&sealed, &secret_aad(row.tenant_id)) else {
            unreadable += 1;
            continue;
        };
        let new = keyring.seal(&plain, &secret_aad(row.tenant_id));
        let done = sso_connections::Entity::update_many()
            .col_expr(
                sso_connections::Column::SecretCiphertext,
                Expr::value(new.ciphertext),
            )
            .col_expr(sso_connections::Column::SecretNonce, Expr::value(new.nonce))
            .col_expr(
                sso_connections::Column::SecretKeyVersion,
                Expr::value(new.key_version),
            )
            .filter(sso_connections::Column::Id.eq(row.id))
            .filter(sso_connections::Column::SecretCiphertext.eq(row.secret_ciphertext.clone()))
            .exec(db)
            .await?;
        resealed += done.rows_affected;
    }
    Ok((resealed, unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(issuer: &str, scopes: &str) -> SsoSettings {
        SsoSettings {
            issuer: issuer.into(),
            client_id: "digame".into(),
            client_secret: "s".into(),
            scopes: scopes.into(),
            groups_claim: String::new(),
            admin_groups: vec![" Admins ".into(), "Admins".into(), String::new()],
            group_links: Vec::new(),
        }
    }

    #[test]
    fn settings_are_checked_and_completed() {
        let (issuer, _, scopes, claim, admins) =
            check(&settings(" https://login.acme.test/ ", "email"), false).unwrap();
        assert_eq!(issuer, "https://login.acme.test/");
        assert_eq!(scopes, "openid email");
        assert_eq!(claim, "groups");
        assert_eq!(admins, ["Admins"]);
        let (_, _, scopes, _, _) = check(&settings("https://a.test", ""), false).unwrap();
        assert_eq!(scopes, DEFAULT_SCOPES);
        for (issuer, field) in [
            ("http://login.acme.test", "issuer"),
            ("https://127.0.0.1", "issuer"),
            ("", "issuer"),
        ] {
            assert_eq!(
                check(&settings(issuer, ""), false).unwrap_err().field(),
                Some(field),
                "{issuer}"
            );
        }
        assert!(check(&settings("http://127.0.0.1:9", ""), true).is_ok());
        assert_eq!(
            check(&settings("https://a.test", "openid \"x"), false)
                .unwrap_err()
                .field(),
            Some("scopes")
        );
    }

    #[test]
    fn redirect_addresses_are_per_company() {
        assert_eq!(
            redirect_url("https://digame.example/", "acme"),
            "https://digame.example/sso/acme/callback"
        );
    }
}
