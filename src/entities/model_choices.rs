use sea_orm::entity::prelude::*;

/// The model a person prefers for an AI tool, among those its company allows.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "model_choices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// The tool's flag name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub tool: String,
    pub tenant_id: i64,
    pub model: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
