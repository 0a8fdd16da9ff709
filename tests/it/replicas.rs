//! Several processes on one database: replicas starting at once migrate one at a time (and
//! create the session table once), whichever database it is.

use crate::common;

use digame::server::db::connect_and_migrate;

async fn fresh_database(dir: &tempfile::TempDir) -> String {
    match std::env::var("DIGAME_TEST_DATABASE_URL") {
        Ok(base) => common::postgres_schema_for_this_test(&base).await,
        Err(_) => format!("sqlite://{}/replicas.db", dir.path().display()),
    }
}

#[tokio::test]
async fn replicas_starting_at_once_migrate_one_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir).await;
    let (a, b, c, d) = tokio::join!(
        start(url.clone()),
        start(url.clone()),
        start(url.clone()),
        start(url.clone())
    );
    for (i, result) in [a, b, c, d].into_iter().enumerate() {
        let db = result.unwrap_or_else(|e| panic!("replica {i} did not start: {e}"));
        // Every migration applied once.
        use sea_orm::{ConnectionTrait, Statement};
        let row = db
            .query_one(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM seaql_migrations",
            ))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = row.try_get("", "n").unwrap();
        assert_eq!(n as usize, migration_count(), "replica {i}");
        let sessions = match db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                "SELECT COUNT(*) AS n FROM tower_sessions.session"
            }
            _ => "SELECT COUNT(*) AS n FROM tower_sessions",
        };
        db.query_one(Statement::from_string(db.get_database_backend(), sessions))
            .await
            .unwrap_or_else(|e| panic!("replica {i}: no session table: {e}"));
    }
}

/// What a replica does first: the schema and the session table.
async fn start(url: String) -> Result<sea_orm::DatabaseConnection, sea_orm::DbErr> {
    connect_and_migrate(&url).await
}

fn migration_count() -> usize {
    use migration::MigratorTrait;
    migration::Migrator::migrations().len()
}

/// A periodic job (the expired-session clean-up) runs on one replica at a time: two replicas
/// reaching it together, one runs it and the other skips that round. On SQLite (one process
/// per file) it simply runs.
#[tokio::test]
async fn a_periodic_job_runs_on_one_replica_at_a_time() {
    use digame::server::db::on_one_replica;
    use sea_orm::ConnectionTrait;
    use std::sync::atomic::{AtomicU32, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(&dir).await;
    let (a, b) = tokio::join!(start(url.clone()), start(url.clone()));
    let (a, b) = (a.unwrap(), b.unwrap());
    let ran = AtomicU32::new(0);
    let job = || async {
        ran.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    let (first, second) =
        tokio::join!(on_one_replica(&a, 42, job()), on_one_replica(&b, 42, job()));
    let (first, second) = (first.unwrap(), second.unwrap());
    match a.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            assert_eq!(ran.load(Ordering::SeqCst), 1, "exactly one ran");
            assert!(first.is_some() != second.is_some());
            // Released: the next round runs again.
            assert!(on_one_replica(&b, 42, job()).await.unwrap().is_some());
        }
        _ => assert_eq!(ran.load(Ordering::SeqCst), 2),
    }
}
