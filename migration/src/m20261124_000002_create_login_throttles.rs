use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Failed sign-in counters, kept in the database so every app replica sees the same state.
#[derive(DeriveIden)]
enum LoginThrottles {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginThrottles::Table)
                    .col(
                        ColumnDef::new(LoginThrottles::Key)
                            .string_len(300)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LoginThrottles::Failures)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginThrottles::WindowStartedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginThrottles::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginThrottles::Table).to_owned())
            .await
    }
}
