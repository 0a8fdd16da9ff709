use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Scope,
}

/// `api_tokens.scope`: what a personal access token may do (`read`, `write` or `admin`),
/// chosen when it is made. Tokens made before scopes existed become `write`: they keep
/// working for the person's own data but lose the admin routes and never held the account
/// routes (tokens, password, two-factor, sessions, deletion). Empty for the tokens of a
/// sign-in, which are not scoped.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(
                        ColumnDef::new(ApiTokens::Scope)
                            .string_len(16)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(ApiTokens::Table)
                    .value(ApiTokens::Scope, "write")
                    .and_where(Expr::col(Alias::new("kind")).eq("personal"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .drop_column(ApiTokens::Scope)
                    .to_owned(),
            )
            .await
    }
}
