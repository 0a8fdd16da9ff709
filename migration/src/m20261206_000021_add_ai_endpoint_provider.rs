use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TenantAiEndpoints {
    Table,
    Provider,
}

/// `tenant_ai_endpoints.provider`: which API the address speaks, `openai` (the
/// OpenAI-compatible chat completions, what every endpoint spoke before) or `anthropic`
/// (Anthropic's Messages API).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(TenantAiEndpoints::Table)
                    .add_column(
                        ColumnDef::new(TenantAiEndpoints::Provider)
                            .string_len(16)
                            .not_null()
                            .default("openai"),
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
                    .drop_column(TenantAiEndpoints::Provider)
                    .to_owned(),
            )
            .await
    }
}
