use sea_orm::entity::prelude::*;

/// A person's account at their company's identity provider: the provider's (issuer,
/// subject) pair, which is what a sign-in is matched on.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_identities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub user_id: i64,
    pub issuer: String,
    pub subject: String,
    /// The address the provider gave when it was linked (shown on the profile).
    pub email: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
