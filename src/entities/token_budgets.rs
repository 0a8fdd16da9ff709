use sea_orm::entity::prelude::*;

/// A monthly token budget: the company's (`user_id` 0), one person's (their id) or one
/// group's, shared by its people (minus the group's id: see `budgets::service::Holder`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "token_budgets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    /// Whose budget: the person's id; 0 for the whole company; minus a group's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub monthly_tokens: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
