//! Bearer tokens for the JSON API (`/api/v1`): short-lived access tokens and rotating
//! refresh tokens, opaque random strings stored only as SHA-256 hashes.
//!
//! A sign-in starts a *family*: one refresh token and one access token. Exchanging the
//! refresh token (`refresh`) marks it used and issues the next pair in the same family; an
//! already-used refresh token coming back means it was copied, so the whole family is
//! revoked. Signing out revokes the family; a password change revokes every token of the
//! person.

use crate::entities::api_tokens;
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use crate::web::memory::Memory;
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};
use serde::Serialize;

pub mod personal;
pub mod scope;

pub use scope::{Grant, Scope};

pub const ACCESS_TTL_MINUTES: i64 = 15;
pub const REFRESH_TTL_DAYS: i64 = 30;
const ACCESS: &str = "access";
const REFRESH: &str = "refresh";
/// A personal access token: made by a person for a script, named, long-lived.
pub const PERSONAL: &str = "personal";

/// What a client gets at sign-in and at each refresh.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    /// Seconds the access token is valid for.
    pub expires_in: i64,
}

pub(crate) fn new_secret(prefix: &str) -> String {
    format!("{prefix}{}", crate::util::secret_token())
}

pub(crate) fn hash(token: &str) -> String {
    crate::util::sha256_hex(token)
}

async fn insert(
    db: &DatabaseConnection,
    person: &SessionUser,
    kind: &str,
    family: &str,
    ttl: Duration,
) -> Result<String, AppError> {
    let token = new_secret(if kind == ACCESS { "dga_" } else { "dgr_" });
    let now = Utc::now();
    api_tokens::ActiveModel {
        tenant_id: Set(person.tenant_id()),
        user_id: Set(person.user.id),
        kind: Set(kind.to_owned()),
        name: Set(String::new()),
        token_hash: Set(hash(&token)),
        family: Set(family.to_owned()),
        expires_at: Set(now + ttl),
        used_at: Set(None),
        revoked_at: Set(None),
        last_used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .or_internal("issuing a token")?;
    Ok(token)
}

async fn pair(
    db: &DatabaseConnection,
    person: &SessionUser,
    family: &str,
) -> Result<Tokens, AppError> {
    Ok(Tokens {
        access_token: insert(
            db,
            person,
            ACCESS,
            family,
            Duration::minutes(ACCESS_TTL_MINUTES),
        )
        .await?,
        refresh_token: insert(
            db,
            person,
            REFRESH,
            family,
            Duration::days(REFRESH_TTL_DAYS),
        )
        .await?,
        token_type: "bearer",
        expires_in: ACCESS_TTL_MINUTES * 60,
    })
}

/// A new family for a person who just proved who they are.
pub async fn issue(db: &DatabaseConnection, person: &SessionUser) -> Result<Tokens, AppError> {
    pair(db, person, &crate::util::secret_token()).await
}

fn expired() -> AppError {
    AppError::Unauthorized(
        "The token is missing, expired or revoked. Sign in again (POST /api/v1/auth/login).".into(),
    )
}

async fn owner(db: &DatabaseConnection, user_id: i64) -> Result<SessionUser, AppError> {
    SessionUser::load_active(db, user_id)
        .await
        .or_internal("loading a token's owner")?
        .ok_or_else(expired)
}

/// Exchanges a refresh token for the next pair. A refresh token used before revokes its
/// whole family (someone else has a copy) and is refused.
pub async fn refresh(db: &DatabaseConnection, refresh_token: &str) -> Result<Tokens, AppError> {
    let now = Utc::now();
    let Some(row) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash(refresh_token.trim())))
        .filter(api_tokens::Column::Kind.eq(REFRESH))
        .one(db)
        .await
        .or_internal("reading a refresh token")?
    else {
        return Err(expired());
    };
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(expired());
    }
    // Marked used only if nobody did first: of two concurrent exchanges one wins.
    let claimed = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::UsedAt, Expr::value(now))
        .filter(api_tokens::Column::Id.eq(row.id))
        .filter(api_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await
        .or_internal("rotating a refresh token")?
        .rows_affected;
    if claimed == 0 {
        tracing::warn!(
            user_id = row.user_id,
            "a used refresh token came back: its family is revoked"
        );
        revoke_family(db, &row.family).await?;
        return Err(expired());
    }
    let person = owner(db, row.user_id).await?;
    pair(db, &person, &row.family).await
}

async fn revoke_family(db: &DatabaseConnection, family: &str) -> Result<(), AppError> {
    api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_tokens::Column::Family.eq(family))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .or_internal("revoking tokens")?;
    Ok(())
}

/// Signs out one family: `refresh_token` (the caller's own) and every token issued with it.
pub async fn sign_out(
    db: &DatabaseConnection,
    person: &SessionUser,
    refresh_token: &str,
) -> Result<(), AppError> {
    let row = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash(refresh_token.trim())))
        .filter(api_tokens::Column::Kind.eq(REFRESH))
        .filter(api_tokens::Column::UserId.eq(person.user.id))
        .one(db)
        .await
        .or_internal("reading a refresh token")?
        .ok_or_else(|| {
            AppError::validation("refresh_token", "That refresh token is not one of yours.")
        })?;
    revoke_family(db, &row.family).await
}

/// Revokes every token of a person (a password change, a deactivation).
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: i64) -> Result<(), AppError> {
    api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_tokens::Column::UserId.eq(user_id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .or_internal("revoking tokens")?;
    Ok(())
}

/// The person an access token or a personal access token stands for: unexpired,
/// unrevoked, its owner active. A personal token's last use is recorded (at most once a
/// minute).
pub async fn authenticate(
    db: &DatabaseConnection,
    memory: &Memory,
    access_token: &str,
) -> Result<SessionUser, AppError> {
    Ok(authenticate_grant(db, memory, access_token).await?.0)
}

/// [`authenticate`], with what the token grants ([`Grant`]).
pub async fn authenticate_grant(
    db: &DatabaseConnection,
    memory: &Memory,
    access_token: &str,
) -> Result<(SessionUser, Grant), AppError> {
    let row = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(hash(access_token.trim())))
        .filter(api_tokens::Column::Kind.is_in([ACCESS, PERSONAL]))
        .one(db)
        .await
        .or_internal("reading an access token")?
        .ok_or_else(expired)?;
    let now = Utc::now();
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(expired());
    }
    // The owner from memory where kept, like a signed-in session's person.
    let person = crate::web::session::load_person(db, memory, row.user_id)
        .await?
        .ok_or_else(expired)?;
    if row.kind == PERSONAL
        && row
            .last_used_at
            .is_none_or(|t| now - t >= Duration::seconds(60))
    {
        api_tokens::ActiveModel {
            id: Set(row.id),
            last_used_at: Set(Some(now)),
            ..Default::default()
        }
        .update(db)
        .await
        .or_internal("recording a token's use")?;
    }
    let grant = if row.kind == PERSONAL {
        // A scope that does not read (none was stored) is the narrowest.
        Grant::Personal(Scope::parse(&row.scope).unwrap_or(Scope::Read))
    } else {
        Grant::SignIn
    };
    Ok((person, grant))
}
