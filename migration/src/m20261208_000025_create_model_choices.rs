use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The model each person prefers for an AI tool, among those its company allows (the
/// tool's model and its fallback models). No row: the company's order.
#[derive(DeriveIden)]
enum ModelChoices {
    Table,
    UserId,
    Tool,
    TenantId,
    Model,
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
                    .table(ModelChoices::Table)
                    .col(
                        ColumnDef::new(ModelChoices::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ModelChoices::Tool).string_len(64).not_null())
                    .col(
                        ColumnDef::new(ModelChoices::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ModelChoices::Model)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ModelChoices::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ModelChoices::UserId)
                            .col(ModelChoices::Tool),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_model_choices_user")
                            .from(ModelChoices::Table, ModelChoices::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ModelChoices::Table).to_owned())
            .await
    }
}
