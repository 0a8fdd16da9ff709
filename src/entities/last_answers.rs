use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "last_answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub user_id: i64,
    /// The tool's flag name.
    pub tool: String,
    /// The input as the person sent it, as JSON.
    pub input: String,
    /// The answer or the error as JSON (`{"Ok": …}` or `{"Err": …}`); `None` while it is
    /// still being written.
    pub result: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
