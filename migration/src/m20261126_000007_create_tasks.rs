use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each person's tasks, for the task-prioritization tool.
#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    TenantId,
    UserId,
    Title,
    Description,
    DueOn,
    Status,
    PriorityScore,
    CreatedAt,
    UpdatedAt,
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
                    .table(Tasks::Table)
                    .col(
                        ColumnDef::new(Tasks::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Tasks::TenantId).big_integer().not_null())
                    .col(ColumnDef::new(Tasks::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Tasks::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Tasks::Description).text().not_null())
                    .col(ColumnDef::new(Tasks::DueOn).date().null())
                    .col(ColumnDef::new(Tasks::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Tasks::PriorityScore).integer().null())
                    .col(
                        ColumnDef::new(Tasks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Tasks::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tasks_user")
                            .from(Tasks::Table, Tasks::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tasks_tenant")
                            .from(Tasks::Table, Tasks::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tasks_owner")
                    .table(Tasks::Table)
                    .col(Tasks::TenantId)
                    .col(Tasks::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Tasks::Table).to_owned())
            .await
    }
}
