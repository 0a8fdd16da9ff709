use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A person's change of email address: asked for on the profile (with their password), made
/// when the link mailed to the new address is opened, and undone — within seven days — from
/// the link then mailed to the old one. Tokens are stored as SHA-256 hashes only.
#[derive(DeriveIden)]
enum EmailChanges {
    Table,
    Id,
    UserId,
    TenantId,
    OldEmail,
    NewEmail,
    ConfirmHash,
    ConfirmExpiresAt,
    ConfirmedAt,
    UndoHash,
    UndoUntil,
    UndoneAt,
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
                    .table(EmailChanges::Table)
                    .col(
                        ColumnDef::new(EmailChanges::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(EmailChanges::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EmailChanges::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EmailChanges::OldEmail)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EmailChanges::NewEmail)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EmailChanges::ConfirmHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(EmailChanges::ConfirmExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(EmailChanges::ConfirmedAt).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(EmailChanges::UndoHash)
                            .string_len(64)
                            .unique_key(),
                    )
                    .col(ColumnDef::new(EmailChanges::UndoUntil).timestamp_with_time_zone())
                    .col(ColumnDef::new(EmailChanges::UndoneAt).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(EmailChanges::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_email_changes_user")
                            .from(EmailChanges::Table, EmailChanges::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_email_changes_user")
                    .table(EmailChanges::Table)
                    .col(EmailChanges::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EmailChanges::Table).to_owned())
            .await
    }
}
