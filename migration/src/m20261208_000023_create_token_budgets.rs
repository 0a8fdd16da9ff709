use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Monthly token budgets, what each budget's month has used and holds in reserve, and the
/// reservation each AI call made (given back when it settles).
///
/// `user_id` 0 is the whole company in both tables (a person's row names the person); the
/// rows go with their company.
#[derive(DeriveIden)]
enum TokenBudgets {
    Table,
    TenantId,
    UserId,
    MonthlyTokens,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TokenSpend {
    Table,
    TenantId,
    UserId,
    Month,
    UsedTokens,
    ReservedTokens,
    WarnedPercent,
}

#[derive(DeriveIden)]
enum AiCalls {
    Table,
    ReservedTokens,
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
                    .table(TokenBudgets::Table)
                    .col(
                        ColumnDef::new(TokenBudgets::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TokenBudgets::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TokenBudgets::MonthlyTokens)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TokenBudgets::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(TokenBudgets::TenantId)
                            .col(TokenBudgets::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_token_budgets_tenant")
                            .from(TokenBudgets::Table, TokenBudgets::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TokenSpend::Table)
                    .col(
                        ColumnDef::new(TokenSpend::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(TokenSpend::UserId).big_integer().not_null())
                    // `2026-12`, in UTC.
                    .col(ColumnDef::new(TokenSpend::Month).string_len(7).not_null())
                    .col(
                        ColumnDef::new(TokenSpend::UsedTokens)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(TokenSpend::ReservedTokens)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    // 0, 80 or 100: the highest warning the admins were sent this month.
                    .col(
                        ColumnDef::new(TokenSpend::WarnedPercent)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .primary_key(
                        Index::create()
                            .col(TokenSpend::TenantId)
                            .col(TokenSpend::UserId)
                            .col(TokenSpend::Month),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_token_spend_tenant")
                            .from(TokenSpend::Table, TokenSpend::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AiCalls::Table)
                    .add_column(
                        ColumnDef::new(AiCalls::ReservedTokens)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AiCalls::Table)
                    .drop_column(AiCalls::ReservedTokens)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(TokenSpend::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TokenBudgets::Table).to_owned())
            .await
    }
}
