use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// PostgreSQL only: every change to a person (`users`), a company (`tenants`) or a company's
/// feature flags (`tenant_features`) sends `NOTIFY digame_memory` in the writing transaction
/// (delivered when it commits), with `u:<user id>` or `t:<tenant id>`, so each replica drops
/// what it keeps of that person or company in memory (`web::memory`). The triggers catch every
/// writer: the server, the command line, an operator's SQL. SQLite has one process per file,
/// which hears its own writes through the entities (`entities::changes`). An update that
/// changes nothing (the row locks of `tenancy::service::lock_tenant` and of saving an API key)
/// notifies no one.
const UP: &str = r#"
CREATE OR REPLACE FUNCTION digame_memory_notify() RETURNS trigger AS $$
DECLARE
  key text;
BEGIN
  -- Each branch reads only the columns its table has; OLD is set on DELETE, NEW otherwise.
  IF TG_OP = 'DELETE' THEN
    IF TG_TABLE_NAME = 'users' THEN
      key := 'u:' || OLD.id;
    ELSIF TG_TABLE_NAME = 'tenants' THEN
      key := 't:' || OLD.id;
    ELSE
      key := 't:' || OLD.tenant_id;
    END IF;
  ELSIF TG_TABLE_NAME = 'users' THEN
    key := 'u:' || NEW.id;
  ELSIF TG_TABLE_NAME = 'tenants' THEN
    key := 't:' || NEW.id;
  ELSE
    key := 't:' || NEW.tenant_id;
  END IF;
  PERFORM pg_notify('digame_memory', key);
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER users_memory_notify AFTER INSERT OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION digame_memory_notify();
CREATE TRIGGER users_memory_notify_update AFTER UPDATE ON users
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION digame_memory_notify();
CREATE TRIGGER tenants_memory_notify AFTER INSERT OR DELETE ON tenants
  FOR EACH ROW EXECUTE FUNCTION digame_memory_notify();
CREATE TRIGGER tenants_memory_notify_update AFTER UPDATE ON tenants
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION digame_memory_notify();
CREATE TRIGGER tenant_features_memory_notify AFTER INSERT OR DELETE ON tenant_features
  FOR EACH ROW EXECUTE FUNCTION digame_memory_notify();
CREATE TRIGGER tenant_features_memory_notify_update AFTER UPDATE ON tenant_features
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION digame_memory_notify();
"#;

const DOWN: &str = r#"
DROP TRIGGER IF EXISTS users_memory_notify ON users;
DROP TRIGGER IF EXISTS users_memory_notify_update ON users;
DROP TRIGGER IF EXISTS tenants_memory_notify ON tenants;
DROP TRIGGER IF EXISTS tenants_memory_notify_update ON tenants;
DROP TRIGGER IF EXISTS tenant_features_memory_notify ON tenant_features;
DROP TRIGGER IF EXISTS tenant_features_memory_notify_update ON tenant_features;
DROP FUNCTION IF EXISTS digame_memory_notify();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(UP).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(DOWN).await?;
        Ok(())
    }
}
