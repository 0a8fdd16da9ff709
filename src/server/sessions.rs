//! The session store: tower-sessions' SQL stores on the application's own connection pool,
//! whichever database that is.

use async_trait::async_trait;
use sea_orm::DatabaseConnection;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Debug, Clone)]
pub enum AppSessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl AppSessionStore {
    /// Creates the store's table if needed (`db::connect_and_migrate` does, under the
    /// start-up lock).
    pub async fn create_table(db: &DatabaseConnection) -> Result<(), String> {
        match Self::new(db)? {
            AppSessionStore::Sqlite(s) => s.migrate().await,
            AppSessionStore::Postgres(s) => s.migrate().await,
        }
        .map_err(|e| format!("cannot create the session table: {e}"))
    }

    /// The store on the SeaORM pool (its table made by [`Self::create_table`]).
    pub fn new(db: &DatabaseConnection) -> Result<Self, String> {
        let store = match db {
            DatabaseConnection::SqlxSqlitePoolConnection(_) => {
                AppSessionStore::Sqlite(SqliteStore::new(db.get_sqlite_connection_pool().clone()))
            }
            DatabaseConnection::SqlxPostgresPoolConnection(_) => AppSessionStore::Postgres(
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
        match self {
            AppSessionStore::Sqlite(s) => s.create(record).await,
            AppSessionStore::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            AppSessionStore::Sqlite(s) => s.save(record).await,
            AppSessionStore::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            AppSessionStore::Sqlite(s) => s.load(id).await,
            AppSessionStore::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            AppSessionStore::Sqlite(s) => s.delete(id).await,
            AppSessionStore::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for AppSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            AppSessionStore::Sqlite(s) => s.delete_expired().await,
            AppSessionStore::Postgres(s) => s.delete_expired().await,
        }
    }
}
