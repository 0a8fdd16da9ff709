use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each tool's last input and answer for its person, kept a day so that Back, a reload or a
/// dropped stream loses nothing; one row per person and tool, replaced by the next call.
#[derive(DeriveIden)]
enum LastAnswers {
    Table,
    Id,
    TenantId,
    UserId,
    Tool,
    Input,
    Result,
    UpdatedAt,
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
                    .table(LastAnswers::Table)
                    .col(
                        ColumnDef::new(LastAnswers::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LastAnswers::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(LastAnswers::UserId).big_integer().not_null())
                    .col(ColumnDef::new(LastAnswers::Tool).string_len(64).not_null())
                    .col(ColumnDef::new(LastAnswers::Input).text().not_null())
                    // NULL while the answer is still being written (a stream).
                    .col(ColumnDef::new(LastAnswers::Result).text().null())
                    .col(
                        ColumnDef::new(LastAnswers::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_last_answers_user")
                            .from(LastAnswers::Table, LastAnswers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_last_answers_owner_tool")
                    .table(LastAnswers::Table)
                    .col(LastAnswers::UserId)
                    .col(LastAnswers::Tool)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LastAnswers::Table).to_owned())
            .await
    }
}
