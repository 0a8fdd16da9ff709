//! The signed-in person, as loaded for one request: their account and their company.
//! Every service takes one of these; the tenant always comes from here, never the request.

use crate::domain::{CurrentUser, Role, Tier};
use crate::entities::{tenant_features, tenants, users};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::fmt;

#[derive(Clone)]
pub struct SessionUser {
    pub user: users::Model,
    pub tenant: tenants::Model,
    /// The tenant's stored feature flags (and the groups each tool is limited to), when they were read in the same
    /// query as the person (`SessionUser::load_active`, every signed-in request);
    /// `None` where the person was put together otherwise, and the flags are read when needed
    /// (`tenancy::service::flags_of`). Read with the person, so never older than the request.
    pub stored_flags: Option<Vec<StoredFlag>>,
}

/// A tenant's stored row for one tool: its flag, and the groups it is limited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFlag {
    pub flag: String,
    pub enabled: bool,
    /// The ids of the groups that may use the tool; empty: everyone.
    pub groups: Vec<i64>,
}

impl From<tenant_features::Model> for StoredFlag {
    fn from(row: tenant_features::Model) -> StoredFlag {
        StoredFlag {
            groups: parse_group_ids(row.groups.as_deref()),
            flag: row.flag,
            enabled: row.enabled,
        }
    }
}

/// `"3,7"` → `[3, 7]` (what `tenant_features.groups` stores); anything unreadable is skipped.
pub fn parse_group_ids(stored: Option<&str>) -> Vec<i64> {
    stored
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.trim().parse().ok())
        .collect()
}

impl SessionUser {
    /// The active person with this id, with their tenant and the tenant's stored feature flags,
    /// in one query (a row per stored flag): every signed-in request reads the person, so the
    /// pages and tools that need the flags do not read them again. `None` for an unknown or
    /// deactivated person.
    pub async fn load_active(
        db: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Option<SessionUser>, sea_orm::DbErr> {
        let rows = users::Entity::find_by_id(id)
            .find_also_related(tenants::Entity)
            .and_also_related(tenant_features::Entity)
            .all(db)
            .await?;
        let mut rows = rows.into_iter();
        let Some((user, Some(tenant), first)) = rows.next() else {
            return Ok(None);
        };
        if !user.active {
            return Ok(None);
        }
        let stored_flags = first
            .into_iter()
            .chain(rows.filter_map(|(_, _, flag)| flag))
            .map(Into::into)
            .collect();
        Ok(Some(SessionUser {
            user,
            tenant,
            stored_flags: Some(stored_flags),
        }))
    }

    /// A person without their tenant's flags (read when needed).
    pub fn new(user: users::Model, tenant: tenants::Model) -> SessionUser {
        SessionUser {
            user,
            tenant,
            stored_flags: None,
        }
    }

    pub fn tenant_id(&self) -> i64 {
        self.tenant.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Role::Admin
    }

    pub fn tier(&self) -> Tier {
        self.tenant.tier
    }

    pub fn email_verified(&self) -> bool {
        self.user.email_verified_at.is_some()
    }

    /// Whether the person meets their company's two-factor requirement (set up, or none).
    pub fn two_factor_ok(&self) -> bool {
        !self.tenant.require_two_factor || self.user.two_factor_enabled_at.is_some()
    }

    /// Refuses `what` ("store API keys", …) until the person has confirmed their address
    /// and, where their company requires it, set up two-factor sign-in.
    pub fn require_verified(&self, what: &str) -> Result<(), crate::error::AppError> {
        if !self.email_verified() {
            return Err(crate::error::AppError::EmailNotVerified(
                unverified_message(what, &self.user.email),
            ));
        }
        if !self.two_factor_ok() {
            return Err(crate::error::AppError::Forbidden(
                crate::domain::access::two_factor_message(what, &self.tenant.name),
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for SessionUser {
    // The password hash stays out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionUser")
            .field("user_id", &self.user.id)
            .field("tenant_id", &self.tenant.id)
            .finish()
    }
}

/// Takes the person's row lock for the rest of `txn`, so that two requests of one person that
/// must not interleave (a double click that would save twice, two key saves counting against
/// one cap) take turns: a no-op `UPDATE`, which on PostgreSQL locks the row and on SQLite
/// takes the write lock before anything is read (see `tenancy::service::lock_tenant`). It
/// changes nothing, so it announces no change (`entities::changes`).
pub async fn lock_row(
    txn: &sea_orm::DatabaseTransaction,
    user_id: i64,
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    users::Entity::update_many()
        .col_expr(
            users::Column::Id,
            sea_orm::sea_query::Expr::col(users::Column::Id).into(),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Why something waits for the address to be confirmed, and how to do it.
pub fn unverified_message(what: &str, email: &str) -> String {
    format!(
        "Confirm your email address to {what}: open the link we sent to {email}, or send a new one from your dashboard."
    )
}

/// What the browser may know of the person.
impl From<&SessionUser> for CurrentUser {
    fn from(p: &SessionUser) -> Self {
        let tier = p.tier().label().to_owned();
        CurrentUser {
            id: p.user.id,
            name: p.user.display_name.clone(),
            email: p.user.email.clone(),
            is_admin: p.is_admin(),
            tenant_name: p.tenant.name.clone(),
            tenant_slug: p.tenant.slug.clone(),
            tier,
            onboarding_completed: p.user.onboarding_completed,
            email_verified: p.email_verified(),
            needs_two_factor: !p.two_factor_ok(),
        }
    }
}
