use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenant_ai_endpoints")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub tenant_id: i64,
    /// The tool's flag name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub tool: String,
    pub base_url: String,
    pub model: String,
    /// Which API the address speaks (`ProviderKind::as_str`).
    pub provider: String,
    pub updated_at: DateTimeUtc,
    /// The models tried next, in order, comma-separated (empty: none).
    pub fallback_models: String,
    /// The second service, tried when the first (and its fallback models) fail: its API
    /// kind, address and model; all empty for none.
    pub second_provider: String,
    pub second_base_url: String,
    pub second_model: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
