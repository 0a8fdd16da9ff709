use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub user_id: i64,
    /// `access`, `refresh` or `personal` (a personal access token for scripts).
    pub kind: String,
    /// A personal access token's name; empty for the others.
    pub name: String,
    /// SHA-256 of the token, hex; the token itself is never stored.
    pub token_hash: String,
    /// Tokens issued by one sign-in and its refreshes: revoked together.
    pub family: String,
    pub expires_at: DateTimeUtc,
    /// When a refresh token was exchanged; a second use revokes its family.
    pub used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// A personal access token's scope (`read`, `write`, `admin`); empty for the others.
    pub scope: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
