use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each person's onboarding document (the original service's JSON, merged on save).
#[derive(DeriveIden)]
enum OnboardingStates {
    Table,
    UserId,
    TenantId,
    Data,
    UpdatedAt,
}

/// First time each person entered and completed each step, for the admins' funnel.
#[derive(DeriveIden)]
enum OnboardingEvents {
    Table,
    Id,
    TenantId,
    UserId,
    StepId,
    Event,
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
                    .table(OnboardingStates::Table)
                    .col(
                        ColumnDef::new(OnboardingStates::UserId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OnboardingStates::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OnboardingStates::Data).text().not_null())
                    .col(
                        ColumnDef::new(OnboardingStates::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_onboarding_states_user")
                            .from(OnboardingStates::Table, OnboardingStates::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_onboarding_states_tenant")
                            .from(OnboardingStates::Table, OnboardingStates::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OnboardingEvents::Table)
                    .col(
                        ColumnDef::new(OnboardingEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OnboardingEvents::TenantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OnboardingEvents::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OnboardingEvents::StepId)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OnboardingEvents::Event)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OnboardingEvents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_onboarding_events_user")
                            .from(OnboardingEvents::Table, OnboardingEvents::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_onboarding_events_tenant")
                            .from(OnboardingEvents::Table, OnboardingEvents::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_onboarding_events_once")
                    .table(OnboardingEvents::Table)
                    .col(OnboardingEvents::UserId)
                    .col(OnboardingEvents::StepId)
                    .col(OnboardingEvents::Event)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OnboardingEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(OnboardingStates::Table).to_owned())
            .await
    }
}
