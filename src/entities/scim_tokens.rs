use sea_orm::entity::prelude::*;

/// A company's SCIM bearer token (at most one), kept only as its SHA-256 hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scim_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub tenant_id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The token's last characters, to tell tokens apart on the admin page.
    pub hint: String,
    /// The admin who made it (kept when they leave: `None` only for a removed account).
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
