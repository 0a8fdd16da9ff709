use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Where a tenant's calls for one tool go, when its admins chose other than the operator's
/// default: the base URL of an OpenAI-compatible API and the model.
#[derive(DeriveIden)]
enum TenantAiEndpoints {
    Table,
    TenantId,
    Tool,
    BaseUrl,
    Model,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TenantAiEndpoints::Table)
                    .col(
                        ColumnDef::new(TenantAiEndpoints::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantAiEndpoints::Tool)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantAiEndpoints::BaseUrl)
                            .string_len(500)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantAiEndpoints::Model)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantAiEndpoints::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(TenantAiEndpoints::TenantId)
                            .col(TenantAiEndpoints::Tool),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tenant_ai_endpoints_tenant")
                            .from(TenantAiEndpoints::Table, TenantAiEndpoints::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TenantAiEndpoints::Table).to_owned())
            .await
    }
}
