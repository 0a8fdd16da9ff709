use sea_orm::entity::prelude::*;

/// A person's TOTP secret, sealed under the master key (associated data binds it to the
/// person). Present while a set-up waits for its first code, and while two-factor sign-in
/// is on (`users.two_factor_enabled_at`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "two_factor")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    pub secret_ciphertext: Vec<u8>,
    pub secret_nonce: Vec<u8>,
    pub key_version: i32,
    /// The time step of the last code accepted: a code is never accepted twice.
    pub last_step: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
