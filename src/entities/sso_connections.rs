use sea_orm::entity::prelude::*;

/// A company's connection to its OpenID Connect provider (Admin → Single sign-on).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sso_connections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub tenant_id: i64,
    /// The issuer as the admin typed it (discovery reads `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    /// The client secret, sealed under the master key (`crypto::keyring`), bound to the
    /// company and the issuer.
    pub secret_ciphertext: Vec<u8>,
    pub secret_nonce: Vec<u8>,
    pub secret_key_version: i32,
    /// Space-separated, `openid` always among them.
    pub scopes: String,
    /// The ID token claim that lists the person's groups (`groups` by default).
    pub groups_claim: String,
    /// Provider groups whose people are administrators, one per line; empty: roles are
    /// managed in Digame alone.
    pub admin_groups: String,
    /// JSON `[{"group": <Digame group id>, "provider_group": "…"}]`.
    pub group_map: String,
    /// Password sign-in and reset refused for the company's people (but `enforced_by`).
    pub enforced: bool,
    /// The admin who switched enforcement on: their password keeps working (break-glass).
    pub enforced_by: Option<i64>,
    /// When an admin last signed in through the connection (enforcement needs one).
    pub admin_signed_in_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
