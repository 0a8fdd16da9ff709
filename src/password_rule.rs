//! Whether a person may use a password: the one rule a company's single sign-on sets,
//! read by sign-in, password reset (`features::auth`) and the profile (`features::identity`),
//! and set by Admin → Single sign-on (`features::sso`). Below the features, over the
//! connection's table alone, so none of them imports another for it: a company that
//! requires its identity provider refuses its people's passwords, but for the admin who
//! required it.

use crate::entities::{sso_connections, tenants, users};
use crate::error::{AppError, ResultExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// Why this person may not use a password, if they may not: their company requires sign-in
/// through its identity provider and they are not the admin who required
/// it (whose password is the break-glass way in).
pub async fn password_refused(
    db: &impl sea_orm::ConnectionTrait,
    user: &users::Model,
) -> Result<Option<String>, AppError> {
    let Some(conn) = sso_connections::Entity::find()
        .filter(sso_connections::Column::TenantId.eq(user.tenant_id))
        .filter(sso_connections::Column::Enforced.eq(true))
        .one(db)
        .await
        .or_internal("reading single sign-on")?
    else {
        return Ok(None);
    };
    if conn.enforced_by == Some(user.id) {
        return Ok(None);
    }
    let company = tenants::Entity::find_by_id(user.tenant_id)
        .one(db)
        .await
        .or_internal("reading a company")?
        .map(|t| t.name)
        .unwrap_or_default();
    Ok(Some(format!(
        "{company} signs in through its own sign-in service: use “Sign in with your company” on the sign-in page (/login/company)."
    )))
}
