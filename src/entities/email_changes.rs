use sea_orm::entity::prelude::*;

/// A person's change of email address, from the request to the end of its undo window.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub tenant_id: i64,
    pub old_email: String,
    pub new_email: String,
    /// SHA-256 of the token mailed to the new address, hex.
    pub confirm_hash: String,
    pub confirm_expires_at: DateTimeUtc,
    /// When the new address was confirmed (and became the person's).
    pub confirmed_at: Option<DateTimeUtc>,
    /// SHA-256 of the token mailed to the old address once the change is made, hex.
    pub undo_hash: Option<String>,
    pub undo_until: Option<DateTimeUtc>,
    pub undone_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
