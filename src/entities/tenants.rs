use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub tier: crate::domain::Tier,
    pub created_at: DateTimeUtc,
    /// Whether every member must sign in with a second factor.
    pub require_two_factor: bool,
    /// The language for members who chose none, and for invitations; `None`: the browser's.
    pub default_locale: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::users::Entity")]
    Users,
}

/// The tenant's stored flags, joined on `tenant_features.tenant_id` (read with the signed-in
/// person). Written out here, not derived: a derived `has_many` needs the reverse relation in
/// `tenant_features`, and the two entity files would import each other.
impl Related<super::tenant_features::Entity> for Entity {
    fn to() -> RelationDef {
        Entity::belongs_to(super::tenant_features::Entity)
            .from(Column::Id)
            .to(super::tenant_features::Column::TenantId)
            .into()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn after_save<C>(model: Model, _db: &C, _insert: bool) -> Result<Model, DbErr>
    where
        C: ConnectionTrait,
    {
        super::changes::announce(super::changes::Change::Tenant(model.id));
        Ok(model)
    }

    async fn after_delete<C>(self, _db: &C) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if let Some(id) = super::changes::known(&self.id) {
            super::changes::announce(super::changes::Change::Tenant(id));
        }
        Ok(self)
    }
}
