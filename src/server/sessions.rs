//! The session store: tower-sessions' SQL stores on the application's own connection pool,
//! whichever database that is, with the records kept in memory.

use crate::web::memory::Memory;
use async_trait::async_trait;
use sea_orm::sqlx::postgres::PgPool;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The SQL table behind the sessions.
#[derive(Debug, Clone)]
enum SqlStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

/// The session store: the SQL table, with what is read and written kept in memory
/// (`web::memory`). A write goes to the table first, then to memory; on PostgreSQL it then
/// tells the other replicas (`NOTIFY`), which drop their copy.
#[derive(Clone)]
pub struct AppSessionStore {
    sql: SqlStore,
    memory: Arc<Memory>,
    /// The pool to notify on (PostgreSQL).
    notify: Option<PgPool>,
}

impl std::fmt::Debug for AppSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSessionStore")
            .field("sql", &self.sql)
            .finish_non_exhaustive()
    }
}

impl AppSessionStore {
    /// Creates the store's table if needed (`db::connect_and_migrate` does, under the
    /// start-up lock).
    pub async fn create_table(db: &DatabaseConnection) -> Result<(), String> {
        match SqlStore::new(db)? {
            SqlStore::Sqlite(s) => s.migrate().await,
            SqlStore::Postgres(s) => s.migrate().await,
        }
        .map_err(|e| format!("cannot create the session table: {e}"))
    }

    /// The store on the SeaORM pool (its table made by [`Self::create_table`]), keeping
    /// records in `memory`.
    pub fn new(db: &DatabaseConnection, memory: Arc<Memory>) -> Result<Self, String> {
        let sql = SqlStore::new(db)?;
        let notify = match &sql {
            SqlStore::Postgres(_) => Some(db.get_postgres_connection_pool().clone()),
            SqlStore::Sqlite(_) => None,
        };
        Ok(AppSessionStore {
            sql,
            memory,
            notify,
        })
    }

    /// Tells the other replicas that this session changed. A failure is logged: their copy
    /// lives [`crate::web::memory::KEPT_FOR`] at most.
    async fn tell_others(&self, id: &Id) {
        if let Some(pool) = &self.notify {
            let sent = sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
                .bind(crate::web::memory::CHANNEL)
                .bind(crate::web::memory::session_payload(id))
                .execute(pool)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "could not tell the other replicas of a session change");
            }
        }
    }
}

impl SqlStore {
    fn new(db: &DatabaseConnection) -> Result<Self, String> {
        let store = match db {
            DatabaseConnection::SqlxSqlitePoolConnection(_) => {
                SqlStore::Sqlite(SqliteStore::new(db.get_sqlite_connection_pool().clone()))
            }
            DatabaseConnection::SqlxPostgresPoolConnection(_) => SqlStore::Postgres(
                PostgresStore::new(db.get_postgres_connection_pool().clone()),
            ),
            _ => return Err("sessions need a SQLite or PostgreSQL database".into()),
        };
        Ok(store)
    }
}

#[async_trait]
impl SessionStore for AppSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match &self.sql {
            SqlStore::Sqlite(s) => s.create(record).await,
            SqlStore::Postgres(s) => s.create(record).await,
        }?;
        self.memory.session_written(&record.id, Some(record));
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match &self.sql {
            SqlStore::Sqlite(s) => s.save(record).await,
            SqlStore::Postgres(s) => s.save(record).await,
        }?;
        self.memory.session_written(&record.id, Some(record));
        self.tell_others(&record.id).await;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.memory.session(id) {
            return Ok(Some(record));
        }
        let ticket = self.memory.ticket();
        let loaded = match &self.sql {
            SqlStore::Sqlite(s) => s.load(id).await,
            SqlStore::Postgres(s) => s.load(id).await,
        }?;
        if let Some(record) = &loaded {
            self.memory.keep_session(ticket, record);
        }
        Ok(loaded)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match &self.sql {
            SqlStore::Sqlite(s) => s.delete(id).await,
            SqlStore::Postgres(s) => s.delete(id).await,
        }?;
        self.memory.session_written(id, None);
        self.tell_others(id).await;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for AppSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match &self.sql {
            SqlStore::Sqlite(s) => s.delete_expired().await,
            SqlStore::Postgres(s) => s.delete_expired().await,
        }
    }
}
