//! Database connection: SQLite (embedded default) or PostgreSQL, same code.

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Connects and applies any pending migrations.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_file_path(url) {
        if let Some(parent) = std::path::Path::new(&path).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    DbErr::Custom(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
    }
    let mut options = ConnectOptions::new(with_create_mode(url));
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(5))
        .max_connections(if url.starts_with("sqlite:") { 8 } else { 16 })
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    // Replicas (or command-line tools) starting at once would race to create the same
    // tables: one at a time, the others wait and then find nothing left to do. A SQLite file
    // is locked before the first connection (which switches a new file to WAL, and would
    // find it busy); PostgreSQL once connected.
    let file_lock = StartupLock::for_file(url).await?;
    let db = Database::connect(options).await?;
    let lock = match file_lock {
        StartupLock::None => StartupLock::for_postgres(&db).await?,
        held => held,
    };
    let prepared = async {
        Migrator::up(&db, None).await?;
        super::sessions::AppSessionStore::create_table(&db)
            .await
            .map_err(DbErr::Custom)
    }
    .await;
    lock.release().await;
    prepared?;
    Ok(db)
}

/// Held while the schema is brought up to date: a PostgreSQL advisory lock (released with
/// its connection, so a process that dies mid-way never leaves it taken), or, for a SQLite
/// file, an exclusive lock on `<file>.startup-lock` (released when the file closes).
enum StartupLock {
    Postgres(sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>),
    File(std::fs::File),
    None,
}

/// The advisory lock's key: "digame" as a number, so it is unlikely to meet another app's.
const STARTUP_LOCK_KEY: i64 = 0x6469_6761_6d65;

/// Runs `work` on one replica only when several run the same periodic job at once: on
/// PostgreSQL the replica that gets the advisory lock `key` (without waiting) runs it and the
/// others skip this round (`Ok(false)`); SQLite has one process per file, which runs it.
pub async fn on_one_replica<F, T>(
    db: &DatabaseConnection,
    key: i64,
    work: F,
) -> Result<Option<T>, DbErr>
where
    F: std::future::Future<Output = T>,
{
    if !matches!(db, DatabaseConnection::SqlxPostgresPoolConnection(_)) {
        return Ok(Some(work.await));
    }
    let mut conn = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .map_err(|e| DbErr::Custom(format!("cannot take a job lock: {e}")))?;
    let (taken,): (bool,) = sea_orm::sqlx::query_as("SELECT pg_try_advisory_lock($1)")
        .bind(key)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| DbErr::Custom(format!("cannot take a job lock: {e}")))?;
    if !taken {
        return Ok(None);
    }
    let out = work.await;
    if sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(&mut *conn)
        .await
        .is_err()
    {
        conn.detach();
    }
    Ok(Some(out))
}

/// The expired-session clean-up's job lock (see [`on_one_replica`]).
pub const SESSION_CLEANUP_LOCK_KEY: i64 = STARTUP_LOCK_KEY + 1;

/// The retention job's lock (`server::retention`).
pub const RETENTION_LOCK_KEY: i64 = STARTUP_LOCK_KEY + 3;

/// The daily look at verified domains' records (`features::domains::service::recheck_due`).
pub const DOMAIN_CHECK_LOCK_KEY: i64 = STARTUP_LOCK_KEY + 4;

impl StartupLock {
    /// The advisory lock, on PostgreSQL; `None` on anything else.
    async fn for_postgres(db: &DatabaseConnection) -> Result<StartupLock, DbErr> {
        if !matches!(db, DatabaseConnection::SqlxPostgresPoolConnection(_)) {
            return Ok(StartupLock::None);
        }
        let mut conn = db
            .get_postgres_connection_pool()
            .acquire()
            .await
            .map_err(|e| DbErr::Custom(format!("cannot take the start-up lock: {e}")))?;
        sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(STARTUP_LOCK_KEY)
            .execute(&mut *conn)
            .await
            .map_err(|e| DbErr::Custom(format!("cannot take the start-up lock: {e}")))?;
        Ok(StartupLock::Postgres(conn))
    }

    /// The lock file's lock, for a SQLite file; `None` for anything else.
    async fn for_file(url: &str) -> Result<StartupLock, DbErr> {
        let Some(path) = sqlite_file_path(url) else {
            return Ok(StartupLock::None);
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(format!("{path}.startup-lock"))
            .map_err(|e| DbErr::Custom(format!("cannot open the start-up lock file: {e}")))?;
        tokio::task::spawn_blocking(move || file.lock().map(|()| file))
            .await
            .map_err(|e| DbErr::Custom(format!("cannot take the start-up lock: {e}")))?
            .map(StartupLock::File)
            .map_err(|e| DbErr::Custom(format!("cannot take the start-up lock: {e}")))
    }

    async fn release(self) {
        match self {
            StartupLock::Postgres(mut conn) => {
                if let Err(e) = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(STARTUP_LOCK_KEY)
                    .execute(&mut *conn)
                    .await
                {
                    // Closing the connection releases it too.
                    tracing::warn!(error = %e, "could not release the start-up lock; closing its connection");
                    conn.detach();
                }
            }
            // Closing the file would release it as well.
            StartupLock::File(file) => {
                if let Err(e) = file.unlock() {
                    tracing::warn!(error = %e, "could not release the start-up lock file");
                }
            }
            StartupLock::None => {}
        }
    }
}

/// `sqlite://data/digame.db?x` → `data/digame.db` (None for in-memory or other databases).
fn sqlite_file_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// SQLite only creates a missing file when asked to (`mode=rwc`).
fn with_create_mode(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    }
}

/// Copies a live SQLite database to the new file `target` with `VACUUM INTO`: one read
/// transaction, so the copy is consistent while the app keeps writing, and compact. Then
/// checks the copy (`PRAGMA integrity_check`). PostgreSQL is backed up with `pg_dump`.
pub async fn backup_sqlite(
    db: &DatabaseConnection,
    target: &std::path::Path,
) -> Result<(), String> {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Err("`digame backup` copies SQLite databases; back up PostgreSQL with pg_dump (see the README's \"Operating Digame\")".into());
    }
    if target.exists() {
        return Err(format!(
            "{} already exists; choose a new file",
            target.display()
        ));
    }
    let path = target
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", target.display()))?;
    db.execute(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [path.into()],
    ))
    .await
    .map_err(|e| format!("the backup failed: {e}"))?;
    let copy = Database::connect(format!("sqlite://{path}?mode=ro"))
        .await
        .map_err(|e| format!("the backup was written but cannot be opened: {e}"))?;
    let check = copy
        .query_one(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .map_err(|e| format!("the backup was written but cannot be checked: {e}"))?
        .and_then(|row| row.try_get_by_index::<String>(0).ok());
    copy.close().await.ok();
    match check.as_deref() {
        Some("ok") => Ok(()),
        other => Err(format!(
            "the backup at {path} failed its integrity check: {}",
            other.unwrap_or("no answer")
        )),
    }
}

/// Connections in the pool and how many of them are idle.
pub fn pool_use(db: &DatabaseConnection) -> (u32, u32) {
    use sea_orm::{ConnectionTrait, DatabaseBackend};
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        _ => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode_and_a_path() {
        assert_eq!(
            with_create_mode("sqlite://data/digame.db"),
            "sqlite://data/digame.db?mode=rwc"
        );
        assert_eq!(
            with_create_mode("sqlite://a.db?x=1"),
            "sqlite://a.db?x=1&mode=rwc"
        );
        assert_eq!(with_create_mode("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(with_create_mode("postgres://h/db"), "postgres://h/db");
        assert_eq!(
            sqlite_file_path("sqlite://data/digame.db?mode=rwc").as_deref(),
            Some("data/digame.db")
        );
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(sqlite_file_path("postgres://h/db"), None);
    }
}
