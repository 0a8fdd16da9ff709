use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A tool's second AI service: where its calls go when the first service (with its fallback
/// models) is down, busy or too slow — another address, possibly another kind of API, with
/// a key of its own that each person saves for that address. Empty: none.
#[derive(DeriveIden)]
enum TenantAiEndpoints {
    Table,
    SecondProvider,
    SecondBaseUrl,
    SecondModel,
}

/// The three columns, in the order they are added.
fn columns() -> [TenantAiEndpoints; 3] {
    [
        TenantAiEndpoints::SecondProvider,
        TenantAiEndpoints::SecondBaseUrl,
        TenantAiEndpoints::SecondModel,
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column at a time: SQLite adds one per statement.
        for column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(TenantAiEndpoints::Table)
                        .add_column(ColumnDef::new(column).text().not_null().default(""))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(TenantAiEndpoints::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
