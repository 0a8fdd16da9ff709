use sea_orm::entity::prelude::*;

/// A mail domain a company claimed; `verified_at` once its DNS TXT record was found.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenant_domains")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    /// Lower case, ASCII (an internationalised name in its `xn--` form).
    pub domain: String,
    /// The value the TXT record must carry (not a secret: it is published in DNS).
    pub token: String,
    pub verified_at: Option<DateTimeUtc>,
    /// Whether people with an address at this domain may join without an invitation.
    pub open_join: bool,
    pub created_at: DateTimeUtc,
    /// When the record was last looked up.
    pub checked_at: Option<DateTimeUtc>,
    /// When a verified domain's record was first found gone (the daily check); `None` while
    /// it is there.
    pub missing_since: Option<DateTimeUtc>,
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

impl ActiveModelBehavior for ActiveModel {}
