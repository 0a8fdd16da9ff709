use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One row per call to an outside AI service: who, which tool and model, the tokens the
/// service reported, how long it took and how it ended. Written when the call starts
/// (outcome `pending`), so the per-minute limit counts calls in flight, and completed when
/// it ends.
#[derive(DeriveIden)]
enum AiCalls {
    Table,
    Id,
    TenantId,
    UserId,
    Tool,
    Model,
    PromptTokens,
    CompletionTokens,
    LatencyMs,
    Outcome,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AiCalls::Table)
                    .col(
                        ColumnDef::new(AiCalls::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AiCalls::TenantId).big_integer().not_null())
                    .col(ColumnDef::new(AiCalls::UserId).big_integer().not_null())
                    .col(ColumnDef::new(AiCalls::Tool).string_len(64).not_null())
                    .col(ColumnDef::new(AiCalls::Model).string_len(200).not_null())
                    .col(
                        ColumnDef::new(AiCalls::PromptTokens)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AiCalls::CompletionTokens)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AiCalls::LatencyMs).big_integer().not_null())
                    .col(ColumnDef::new(AiCalls::Outcome).string_len(32).not_null())
                    .col(
                        ColumnDef::new(AiCalls::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ai_calls_user")
                            .from(AiCalls::Table, AiCalls::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ai_calls_tenant")
                            .from(AiCalls::Table, AiCalls::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ai_calls_user_time")
                    .table(AiCalls::Table)
                    .col(AiCalls::UserId)
                    .col(AiCalls::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ai_calls_tenant_time")
                    .table(AiCalls::Table)
                    .col(AiCalls::TenantId)
                    .col(AiCalls::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AiCalls::Table).to_owned())
            .await
    }
}
