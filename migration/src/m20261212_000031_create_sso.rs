use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Single sign-on (OpenID Connect). A company has at most one connection to its identity
/// provider (`sso_connections`, its client secret sealed under the master key like API
/// keys); a person signed in through it is remembered by the provider's (issuer, subject)
/// pair within the company (`sso_identities`) — never by email address.
#[derive(DeriveIden)]
enum SsoConnections {
    Table,
    Id,
    TenantId,
    Issuer,
    ClientId,
    SecretCiphertext,
    SecretNonce,
    SecretKeyVersion,
    Scopes,
    GroupsClaim,
    AdminGroups,
    GroupMap,
    Enforced,
    EnforcedBy,
    AdminSignedInAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SsoIdentities {
    Table,
    Id,
    TenantId,
    UserId,
    Issuer,
    Subject,
    Email,
    CreatedAt,
    LastUsedAt,
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

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn cascade(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SsoConnections::Table)
                    .col(id(SsoConnections::Id))
                    .col(
                        ColumnDef::new(SsoConnections::TenantId)
                            .big_integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(SsoConnections::Issuer)
                            .string_len(2048)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoConnections::ClientId)
                            .string_len(512)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoConnections::SecretCiphertext)
                            .binary()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoConnections::SecretNonce)
                            .binary()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoConnections::SecretKeyVersion)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoConnections::Scopes)
                            .string_len(512)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoConnections::GroupsClaim)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoConnections::AdminGroups)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SsoConnections::GroupMap).text().not_null())
                    .col(
                        ColumnDef::new(SsoConnections::Enforced)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(SsoConnections::EnforcedBy).big_integer())
                    .col(ColumnDef::new(SsoConnections::AdminSignedInAt).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(SsoConnections::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoConnections::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        "fk_sso_connections_tenant",
                        (SsoConnections::Table, SsoConnections::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SsoIdentities::Table)
                    .col(id(SsoIdentities::Id))
                    .col(
                        ColumnDef::new(SsoIdentities::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoIdentities::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoIdentities::Issuer)
                            .string_len(2048)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoIdentities::Subject)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoIdentities::Email)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoIdentities::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SsoIdentities::LastUsedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        "fk_sso_identities_tenant",
                        (SsoIdentities::Table, SsoIdentities::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_sso_identities_user",
                        (SsoIdentities::Table, SsoIdentities::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // One account per subject of an issuer within a company; a company's provider
        // cannot reach another company's accounts (the lookup is scoped by tenant too).
        manager
            .create_index(
                Index::create()
                    .name("ux_sso_identities_subject")
                    .table(SsoIdentities::Table)
                    .col(SsoIdentities::TenantId)
                    .col(SsoIdentities::Issuer)
                    .col(SsoIdentities::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sso_identities_user")
                    .table(SsoIdentities::Table)
                    .col(SsoIdentities::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SsoIdentities::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SsoConnections::Table).to_owned())
            .await
    }
}
