use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenant_features")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub flag: String,
    pub enabled: bool,
    /// The ids of the groups the tool is limited to, comma-separated; `None` or empty: it
    /// is for everyone in the company (when it is on).
    pub groups: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn after_save<C>(model: Model, _db: &C, _insert: bool) -> Result<Model, DbErr>
    where
        C: ConnectionTrait,
    {
        super::changes::announce(super::changes::Change::Tenant(model.tenant_id));
        Ok(model)
    }

    async fn after_delete<C>(self, _db: &C) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if let Some(id) = super::changes::known(&self.tenant_id) {
            super::changes::announce(super::changes::Change::Tenant(id));
        }
        Ok(self)
    }
}
