use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserApiKeys {
    Table,
    BoundUrl,
}

/// `user_api_keys.bound_url`: the AI service address a personal key was saved for; the key
/// is sent nowhere else. Empty for custom keys (no tool sends them) and for keys saved
/// before this column, which are bound to the address their tool uses at their next use.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(UserApiKeys::Table)
                    .add_column(
                        ColumnDef::new(UserApiKeys::BoundUrl)
                            .string_len(512)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(UserApiKeys::Table)
                    .drop_column(UserApiKeys::BoundUrl)
                    .to_owned(),
            )
            .await
    }
}
