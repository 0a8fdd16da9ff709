use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Which tools a tenant has switched on (within its tier).
#[derive(DeriveIden)]
enum TenantFeatures {
    Table,
    TenantId,
    Flag,
    Enabled,
    UpdatedAt,
}

/// Single-use invitations to join a tenant; only a hash of the token is kept.
#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    TenantId,
    Email,
    Role,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    RevokedAt,
}

/// AI calls per person per UTC day, against the tier's allowance.
#[derive(DeriveIden)]
enum AiUsage {
    Table,
    TenantId,
    UserId,
    Day,
    Calls,
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
                    .table(TenantFeatures::Table)
                    .col(
                        ColumnDef::new(TenantFeatures::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantFeatures::Flag)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(TenantFeatures::Enabled).boolean().not_null())
                    .col(
                        ColumnDef::new(TenantFeatures::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(TenantFeatures::TenantId)
                            .col(TenantFeatures::Flag),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tenant_features_tenant")
                            .from(TenantFeatures::Table, TenantFeatures::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(
                        ColumnDef::new(Invitations::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Invitations::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Invitations::Email)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Invitations::Role).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Invitations::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Invitations::InvitedBy).big_integer().null())
                    .col(
                        ColumnDef::new(Invitations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Invitations::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Invitations::AcceptedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Invitations::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invitations_tenant")
                            .from(Invitations::Table, Invitations::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_invitations_invited_by")
                            .from(Invitations::Table, Invitations::InvitedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_invitations_tenant")
                    .table(Invitations::Table)
                    .col(Invitations::TenantId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AiUsage::Table)
                    .col(ColumnDef::new(AiUsage::TenantId).big_integer().not_null())
                    .col(ColumnDef::new(AiUsage::UserId).big_integer().not_null())
                    .col(ColumnDef::new(AiUsage::Day).string_len(10).not_null())
                    .col(ColumnDef::new(AiUsage::Calls).integer().not_null())
                    .primary_key(Index::create().col(AiUsage::UserId).col(AiUsage::Day))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ai_usage_tenant")
                            .from(AiUsage::Table, AiUsage::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ai_usage_user")
                            .from(AiUsage::Table, AiUsage::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AiUsage::Table.into_iden(),
            Invitations::Table.into_iden(),
            TenantFeatures::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
