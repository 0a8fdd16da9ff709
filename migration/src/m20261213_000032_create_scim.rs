use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SCIM 2.0 provisioning. A company has at most one bearer token for its identity provider
/// (`scim_tokens`, kept as a SHA-256 hash); what the provider says of a person that Digame
/// does not otherwise keep — its `userName`, `externalId`, the `name` parts and addresses —
/// (and `displayName` as sent) is in `scim_users` (one row per account it provisioned or matched); a group's `externalId`
/// is in `scim_groups`.
#[derive(DeriveIden)]
enum ScimTokens {
    Table,
    Id,
    TenantId,
    TokenHash,
    Hint,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum ScimUsers {
    Table,
    UserId,
    TenantId,
    UserName,
    UserNameKey,
    ExternalId,
    DisplayName,
    NameJson,
    EmailsJson,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ScimGroups {
    Table,
    GroupId,
    TenantId,
    ExternalId,
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

#[derive(DeriveIden)]
enum MemberGroups {
    Table,
    Id,
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

fn tenant_id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn created_at(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScimTokens::Table)
                    .col(
                        ColumnDef::new(ScimTokens::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(tenant_id(ScimTokens::TenantId).unique_key())
                    .col(
                        ColumnDef::new(ScimTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(ScimTokens::Hint).string_len(16).not_null())
                    .col(ColumnDef::new(ScimTokens::CreatedBy).big_integer())
                    .col(created_at(ScimTokens::CreatedAt))
                    .col(ColumnDef::new(ScimTokens::LastUsedAt).timestamp_with_time_zone())
                    .foreign_key(&mut cascade(
                        "fk_scim_tokens_tenant",
                        (ScimTokens::Table, ScimTokens::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScimUsers::Table)
                    .col(
                        ColumnDef::new(ScimUsers::UserId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(tenant_id(ScimUsers::TenantId))
                    .col(
                        ColumnDef::new(ScimUsers::UserName)
                            .string_len(512)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScimUsers::UserNameKey)
                            .string_len(512)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ScimUsers::ExternalId).string_len(512))
                    .col(ColumnDef::new(ScimUsers::DisplayName).string_len(512))
                    .col(ColumnDef::new(ScimUsers::NameJson).text())
                    .col(ColumnDef::new(ScimUsers::EmailsJson).text())
                    .col(created_at(ScimUsers::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_scim_users_tenant",
                        (ScimUsers::Table, ScimUsers::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_scim_users_user",
                        (ScimUsers::Table, ScimUsers::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // userName is unique within a company (RFC 7643 §4.1.1: "unique across the service
        // provider's entire set of Users" — here each company is one provider's world).
        manager
            .create_index(
                Index::create()
                    .name("ux_scim_users_user_name")
                    .table(ScimUsers::Table)
                    .col(ScimUsers::TenantId)
                    .col(ScimUsers::UserNameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_scim_users_external_id")
                    .table(ScimUsers::Table)
                    .col(ScimUsers::TenantId)
                    .col(ScimUsers::ExternalId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScimGroups::Table)
                    .col(
                        ColumnDef::new(ScimGroups::GroupId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(tenant_id(ScimGroups::TenantId))
                    .col(ColumnDef::new(ScimGroups::ExternalId).string_len(512))
                    .foreign_key(&mut cascade(
                        "fk_scim_groups_tenant",
                        (ScimGroups::Table, ScimGroups::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_scim_groups_group",
                        (ScimGroups::Table, ScimGroups::GroupId),
                        (MemberGroups::Table, MemberGroups::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_scim_groups_external_id")
                    .table(ScimGroups::Table)
                    .col(ScimGroups::TenantId)
                    .col(ScimGroups::ExternalId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ScimGroups::Table.into_iden(),
            ScimUsers::Table.into_iden(),
            ScimTokens::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
