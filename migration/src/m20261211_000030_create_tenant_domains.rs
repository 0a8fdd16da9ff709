use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The mail domains a company claims (Admin → Sign-in → Domains) and proves with a DNS TXT
/// record. A domain may be claimed by several companies while unproven, so a claim cannot
/// squat it; once verified it belongs to exactly one (the partial unique index below). A
/// verified domain is looked up again daily; `missing_since` is when its record was first
/// found gone.
#[derive(DeriveIden)]
enum TenantDomains {
    Table,
    Id,
    TenantId,
    Domain,
    Token,
    VerifiedAt,
    OpenJoin,
    CreatedAt,
    CheckedAt,
    MissingSince,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TenantDomains::Table)
                    .col(
                        ColumnDef::new(TenantDomains::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(TenantDomains::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantDomains::Domain)
                            .string_len(253)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TenantDomains::Token)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(TenantDomains::VerifiedAt).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(TenantDomains::OpenJoin)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(TenantDomains::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(TenantDomains::CheckedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(TenantDomains::MissingSince).timestamp_with_time_zone())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tenant_domains_tenant")
                            .from(TenantDomains::Table, TenantDomains::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_tenant_domains_claim")
                    .table(TenantDomains::Table)
                    .col(TenantDomains::TenantId)
                    .col(TenantDomains::Domain)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // One owner per verified domain: SQLite and PostgreSQL both take a partial index in
        // this spelling, which sea-query's index builder cannot write.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_tenant_domains_verified ON tenant_domains (domain) \
                 WHERE verified_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TenantDomains::Table).to_owned())
            .await
    }
}
