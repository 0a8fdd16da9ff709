use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ai_calls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub user_id: i64,
    /// The tool's flag name.
    pub tool: String,
    pub model: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub latency_ms: i64,
    /// `pending` while the call runs, then `ok`, `key_rejected`, `rate_limited`,
    /// `unreachable`, `timed_out`, `bad_reply`, `cancelled` or `interrupted`.
    pub outcome: String,
    pub created_at: DateTimeUtc,
    /// The tokens the call holds in its budgets' reserve while it runs (`budgets`); 0 once
    /// it settled.
    pub reserved_tokens: i64,
    /// The groups whose budgets hold that reserve too: their ids, comma-separated (empty for
    /// none), so the call settles in the groups it reserved in.
    pub reserved_groups: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
