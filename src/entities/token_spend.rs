use sea_orm::entity::prelude::*;

/// What a budget's month used and holds in reserve for calls still running: the company's
/// (`user_id` 0), one person's (their id) or one group's (minus its id: see
/// `budgets::service::Holder`). The company's and each person's are kept for every call,
/// budget or not, so a budget set in the middle of a month starts from what the month
/// already used; a group's only while it has a budget (one set mid-month starts from its
/// people's calls of the month).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "token_spend")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// `2026-12`, in UTC.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: String,
    pub used_tokens: i64,
    pub reserved_tokens: i64,
    /// The highest warning (80 or 100) the admins were sent about this month; 0 for none.
    pub warned_percent: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
