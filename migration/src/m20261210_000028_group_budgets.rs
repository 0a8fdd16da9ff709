use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Budgets per group. A group's budget and its month's counter live in `token_budgets` and
/// `token_spend` beside the company's (holder 0) and each person's (their user id), under the
/// group's id made negative; what an AI call needs to remember is which groups it reserved
/// tokens in, so a call that never ends gives them back to the same groups even when its
/// person has left one since.
#[derive(DeriveIden)]
enum AiCalls {
    Table,
    ReservedGroups,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AiCalls::Table)
                    .add_column(
                        ColumnDef::new(AiCalls::ReservedGroups)
                            .text()
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
                    .table(AiCalls::Table)
                    .drop_column(AiCalls::ReservedGroups)
                    .to_owned(),
            )
            .await
    }
}
