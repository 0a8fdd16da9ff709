use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each person's mail choices by category (security notices are always sent and have no
/// column), and the ISO week of the last weekly digest, which one replica claims per
/// person and week. A person without a row has the defaults (the digest as the onboarding
/// wizard's "Send me an email digest" said).
#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    UserId,
    TenantId,
    ProductNotices,
    WeeklyDigest,
    BudgetWarnings,
    DigestWeek,
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
                    .table(NotificationSettings::Table)
                    .col(
                        ColumnDef::new(NotificationSettings::UserId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(NotificationSettings::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotificationSettings::ProductNotices)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(NotificationSettings::WeeklyDigest)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(NotificationSettings::BudgetWarnings)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    // `2026-W49`: the week whose digest this person was last sent.
                    .col(
                        ColumnDef::new(NotificationSettings::DigestWeek)
                            .string_len(10)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(NotificationSettings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notification_settings_user")
                            .from(NotificationSettings::Table, NotificationSettings::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NotificationSettings::Table).to_owned())
            .await
    }
}
