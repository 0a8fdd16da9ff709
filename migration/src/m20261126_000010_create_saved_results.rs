use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A tool result a person chose to keep: private to them, deletable.
#[derive(DeriveIden)]
enum SavedResults {
    Table,
    Id,
    TenantId,
    UserId,
    Tool,
    Title,
    Payload,
    CreatedAt,
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
                    .table(SavedResults::Table)
                    .col(
                        ColumnDef::new(SavedResults::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SavedResults::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SavedResults::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SavedResults::Tool).string_len(64).not_null())
                    .col(
                        ColumnDef::new(SavedResults::Title)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(SavedResults::Payload).text().not_null())
                    .col(
                        ColumnDef::new(SavedResults::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_saved_results_user")
                            .from(SavedResults::Table, SavedResults::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_saved_results_owner_tool")
                    .table(SavedResults::Table)
                    .col(SavedResults::UserId)
                    .col(SavedResults::Tool)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SavedResults::Table).to_owned())
            .await
    }
}
