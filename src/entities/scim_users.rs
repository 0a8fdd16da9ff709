use sea_orm::entity::prelude::*;

/// What a company's provider said of one of its people over SCIM that the account does not
/// keep itself: the `userName` (unique in the company), the provider's `externalId`, and the
/// `name` and `emails` values as sent (JSON), returned as they came.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scim_users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub tenant_id: i64,
    pub user_name: String,
    /// `user_name` folded to lower case (userName is not case-exact).
    pub user_name_key: String,
    pub external_id: Option<String>,
    /// `displayName` as the provider sent it (`None`: it sent none, or removed it; the
    /// account's name is then made from `name` or the address).
    pub display_name: Option<String>,
    pub name_json: Option<String>,
    pub emails_json: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
