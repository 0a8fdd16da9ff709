use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The company the message concerns, when there is one.
    pub tenant_id: Option<i64>,
    pub to_address: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
    pub attempts: i32,
    /// Why the last delivery failed (never the message itself).
    pub last_error: Option<String>,
    pub next_attempt_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
