use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UserApiKeys {
    Table,
    Id,
    TenantId,
    UserId,
    KeyName,
    Ciphertext,
    Nonce,
    KeyVersion,
    LastFour,
    CreatedAt,
    UpdatedAt,
    LastUsedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    TenantId,
    ActorUserId,
    Action,
    Target,
    BeforeValue,
    AfterValue,
    CreatedAt,
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
                    .table(UserApiKeys::Table)
                    .col(
                        ColumnDef::new(UserApiKeys::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(UserApiKeys::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(UserApiKeys::UserId).big_integer().not_null())
                    .col(
                        ColumnDef::new(UserApiKeys::KeyName)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(UserApiKeys::Ciphertext).binary().not_null())
                    .col(ColumnDef::new(UserApiKeys::Nonce).binary().not_null())
                    .col(ColumnDef::new(UserApiKeys::KeyVersion).integer().not_null())
                    .col(
                        ColumnDef::new(UserApiKeys::LastFour)
                            .string_len(4)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UserApiKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UserApiKeys::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UserApiKeys::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(UserApiKeys::ExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_api_keys_tenant")
                            .from(UserApiKeys::Table, UserApiKeys::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_api_keys_user")
                            .from(UserApiKeys::Table, UserApiKeys::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_user_api_keys_owner_name")
                    .table(UserApiKeys::Table)
                    .col(UserApiKeys::TenantId)
                    .col(UserApiKeys::UserId)
                    .col(UserApiKeys::KeyName)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(
                        ColumnDef::new(AuditEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::ActorUserId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::Action)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::Target)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::BeforeValue).text().null())
                    .col(ColumnDef::new(AuditEvents::AfterValue).text().null())
                    .col(
                        ColumnDef::new(AuditEvents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_events_tenant")
                            .from(AuditEvents::Table, AuditEvents::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_events_actor")
                            .from(AuditEvents::Table, AuditEvents::ActorUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_tenant_time")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::TenantId)
                    .col(AuditEvents::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UserApiKeys::Table).to_owned())
            .await
    }
}
