use sea_orm::entity::prelude::*;

/// A monthly token budget: the company's (`user_id` 0) or one person's.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "token_budgets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    /// The person the budget is for; 0 for the whole company.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub monthly_tokens: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
