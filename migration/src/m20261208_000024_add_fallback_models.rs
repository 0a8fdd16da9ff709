use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TenantAiEndpoints {
    Table,
    FallbackModels,
}

/// `tenant_ai_endpoints.fallback_models`: the models a tool's call goes to, in order, when
/// its model is busy, failing or too slow — at the same address, so with the same key.
/// Comma-separated; empty for none.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(TenantAiEndpoints::Table)
                    .add_column(
                        ColumnDef::new(TenantAiEndpoints::FallbackModels)
                            .string_len(1000)
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
                    .table(TenantAiEndpoints::Table)
                    .drop_column(TenantAiEndpoints::FallbackModels)
                    .to_owned(),
            )
            .await
    }
}
