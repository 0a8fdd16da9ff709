use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: crate::domain::Role,
    pub active: bool,
    pub onboarding_completed: bool,
    pub created_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
    /// Sessions signed in under an older epoch end (bumped at deactivation).
    pub session_epoch: i32,
    /// When the person proved they receive mail at `email`; `None` until then.
    pub email_verified_at: Option<DateTimeUtc>,
    /// When the person's two-factor sign-in was confirmed with a first code; `None` when off.
    pub two_factor_enabled_at: Option<DateTimeUtc>,
    /// When the row last changed; set on every save (see `before_save`). `None` only for
    /// a row written outside the entity.
    pub updated_at: Option<DateTimeUtc>,
    /// The interface language the person chose (`crate::locale::tag`); `None`: not chosen.
    pub locale: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tenants::Entity",
        from = "Column::TenantId",
        to = "super::tenants::Column::Id",
        on_delete = "Cascade"
    )]
    Tenant,
}

impl Related<super::tenants::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tenant.def()
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        self.updated_at = sea_orm::ActiveValue::Set(Some(chrono::Utc::now()));
        Ok(self)
    }

    async fn after_save<C>(model: Model, _db: &C, _insert: bool) -> Result<Model, DbErr>
    where
        C: ConnectionTrait,
    {
        super::changes::announce(super::changes::Change::Person(model.id));
        Ok(model)
    }

    async fn after_delete<C>(self, _db: &C) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        if let Some(id) = super::changes::known(&self.id) {
            super::changes::announce(super::changes::Change::Person(id));
        }
        Ok(self)
    }
}
