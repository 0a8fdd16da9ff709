use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Groups of a company's people (Sales, Engineering…), who is in each, and which groups a
/// tool is limited to: `tenant_features.groups` holds the ids of the groups that may use the
/// tool, comma-separated (`NULL` or empty: everyone). It sits on the flag's row, so it is read
/// with the person on every request and kept in memory with the flags, and a change to it
/// reaches every replica the way a flag's does (the `tenant_features` triggers).
#[derive(DeriveIden)]
enum MemberGroups {
    Table,
    Id,
    TenantId,
    Name,
    NameKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupMembers {
    Table,
    GroupId,
    UserId,
    TenantId,
    Source,
    AddedAt,
}

#[derive(DeriveIden)]
enum TenantFeatures {
    Table,
    Groups,
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
                    .table(MemberGroups::Table)
                    .col(
                        ColumnDef::new(MemberGroups::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(MemberGroups::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(MemberGroups::Name).string_len(80).not_null())
                    .col(
                        ColumnDef::new(MemberGroups::NameKey)
                            .string_len(80)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MemberGroups::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_member_groups_tenant")
                            .from(MemberGroups::Table, MemberGroups::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_member_groups_tenant_name")
                    .table(MemberGroups::Table)
                    .col(MemberGroups::TenantId)
                    .col(MemberGroups::NameKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GroupMembers::Table)
                    .col(
                        ColumnDef::new(GroupMembers::GroupId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(GroupMembers::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(GroupMembers::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(GroupMembers::Source)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(GroupMembers::AddedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(GroupMembers::GroupId)
                            .col(GroupMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_members_group")
                            .from(GroupMembers::Table, GroupMembers::GroupId)
                            .to(MemberGroups::Table, MemberGroups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_group_members_user")
                            .from(GroupMembers::Table, GroupMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_group_members_user")
                    .table(GroupMembers::Table)
                    .col(GroupMembers::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TenantFeatures::Table)
                    .add_column(ColumnDef::new(TenantFeatures::Groups).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(TenantFeatures::Table)
                    .drop_column(TenantFeatures::Groups)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(GroupMembers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MemberGroups::Table).to_owned())
            .await
    }
}
