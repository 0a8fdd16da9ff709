//! Personal access tokens for scripts: wire types and server functions here, the rules in
//! `features::tokens::personal` (server only), the cards in `pages`: the person's own on
//! `/settings/security`, every member's for tenant admins on `/admin/tokens`.

pub mod pages;

use crate::domain::Paging;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A token as its owner and admins see it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonalToken {
    pub id: i64,
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub created: String,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub expires: String,
    pub expired: bool,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub last_used: Option<String>,
    /// What the token may do: `read`, `write` or `admin`.
    pub scope: String,
}

/// A token just made: the secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub name: String,
    pub secret: String,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub expires: String,
}

/// A member's token, for admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberToken {
    pub owner_name: String,
    pub owner_email: String,
    pub token: PersonalToken,
}

/// One page of a person's tokens, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenPage {
    pub tokens: Vec<PersonalToken>,
    pub paging: Paging,
}

/// One page of the company's tokens with their owners, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberTokenPage {
    pub tokens: Vec<MemberToken>,
    pub paging: Paging,
}

#[cfg(feature = "ssr")]
impl From<&crate::entities::api_tokens::Model> for PersonalToken {
    fn from(t: &crate::entities::api_tokens::Model) -> Self {
        use crate::util::rfc3339;
        PersonalToken {
            id: t.id,
            name: t.name.clone(),
            created: rfc3339(t.created_at),
            expires: rfc3339(t.expires_at),
            expired: t.expires_at <= chrono::Utc::now(),
            last_used: t.last_used_at.map(rfc3339),
            scope: crate::features::tokens::Scope::parse(&t.scope)
                .unwrap_or(crate::features::tokens::Scope::Read)
                .as_str()
                .to_owned(),
        }
    }
}

/// One page of `person`'s own tokens, for the security page and the API.
#[cfg(feature = "ssr")]
pub async fn own_tokens(
    db: &sea_orm::DatabaseConnection,
    person: &crate::person::SessionUser,
    page: crate::domain::PageRequest,
) -> Result<TokenPage, AppError> {
    let (tokens, paging) = crate::features::tokens::personal::own(db, person, page).await?;
    Ok(TokenPage {
        tokens: tokens.iter().map(PersonalToken::from).collect(),
        paging,
    })
}

/// Makes a token for `person`: the secret is in the answer, and nowhere else.
#[cfg(feature = "ssr")]
pub async fn create_token(
    db: &sea_orm::DatabaseConnection,
    person: &crate::person::SessionUser,
    name: &str,
    expires_in_days: &str,
    scope: &str,
) -> Result<CreatedToken, AppError> {
    let (secret, row) =
        crate::features::tokens::personal::create(db, person, name, expires_in_days, scope).await?;
    Ok(CreatedToken {
        name: row.name,
        secret,
        expires: crate::util::rfc3339(row.expires_at),
    })
}

/// One page of every member's tokens in `admin`'s company.
#[cfg(feature = "ssr")]
pub async fn member_token_rows(
    db: &sea_orm::DatabaseConnection,
    admin: &crate::person::SessionUser,
    page: crate::domain::PageRequest,
) -> Result<MemberTokenPage, AppError> {
    let (rows, paging) = crate::features::tokens::personal::in_tenant(db, admin, page).await?;
    Ok(MemberTokenPage {
        tokens: rows
            .iter()
            .map(|(t, owner)| MemberToken {
                owner_name: owner.display_name.clone(),
                owner_email: owner.email.clone(),
                token: PersonalToken::from(t),
            })
            .collect(),
        paging,
    })
}

#[server(endpoint = "tokens/list")]
pub async fn list_personal_tokens(page: Option<i64>) -> Result<TokenPage, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    own_tokens(
        &state.db,
        &person,
        crate::domain::PageRequest::numbered(page.unwrap_or(1)),
    )
    .await
}

/// Makes a token; its secret is in the answer (and, after a plain form post, shown once on
/// the page the browser is sent back to).
#[server(endpoint = "tokens/create")]
pub async fn create_personal_token(
    name: String,
    expires_in_days: String,
    scope: Option<String>,
) -> Result<CreatedToken, AppError> {
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let created = create_token(
        &state.db,
        &person,
        &name,
        &expires_in_days,
        scope.as_deref().unwrap_or_default(),
    )
    .await?;
    let shown = serde_json::to_string(&created).map_err(|_| AppError::Internal)?;
    ctx::show_once_after_redirect(
        &state.keyring,
        "personal_token",
        &shown,
        "/settings/security?token_created=1",
    )
    .await;
    Ok(created)
}

/// The token just made by a plain form post, once (reading it takes it from the session).
#[server(endpoint = "tokens/new")]
pub async fn new_personal_token() -> Result<Option<CreatedToken>, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    ctx::require_user().await?;
    Ok(ctx::take_shown_once(&state.keyring, "personal_token")
        .await?
        .and_then(|text| serde_json::from_str(&text).ok()))
}

/// Revokes one of the caller's tokens, or, for an admin, one of a member's.
#[server(endpoint = "tokens/revoke")]
pub async fn revoke_personal_token(token_id: i64, back_to: String) -> Result<(), AppError> {
    use crate::features::tokens::personal;
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    // Either card: the security page lists the caller's own, the admin page every member's.
    personal::revoke(&state.db, &person, token_id, personal::RevokeScope::Company).await?;
    let page = if back_to == "/admin/tokens" {
        "/admin/tokens?revoked=1"
    } else {
        "/settings/security?token_revoked=1"
    };
    ctx::redirect_plain_form(page);
    Ok(())
}

/// Every member's tokens, for the company's admins.
#[server(endpoint = "admin/tokens")]
pub async fn member_tokens(page: Option<i64>) -> Result<MemberTokenPage, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    member_token_rows(
        &state.db,
        &admin,
        crate::domain::PageRequest::numbered(page.unwrap_or(1)),
    )
    .await
}
