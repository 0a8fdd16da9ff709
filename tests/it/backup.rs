//! `digame backup`: a consistent copy of a live SQLite database taken while people register,
//! that the app then starts on with everything acknowledged before the copy began.

use crate::common;

use common::{spawn_app, spawn_app_with, unique_email};
use digame::entities::users;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

#[tokio::test]
async fn a_backup_taken_under_writes_restores_into_a_working_app() {
    if common::backend_name() != "sqlite" {
        println!("skipped: `digame backup` copies SQLite databases (PostgreSQL is backed up with pg_dump)");
        return;
    }
    let app = spawn_app().await;
    let before = app.register("before-backup").await;

    // Registrations keep arriving while the copy is taken.
    let writer = {
        let base = app.base.clone();
        tokio::spawn(async move {
            let client = common::new_client();
            for i in 0..15 {
                let email = unique_email(&format!("during-{i}"));
                let res = client
                    .post(format!("{base}/api/v1/auth/register"))
                    .json(&serde_json::json!({"email": email, "password": common::PASSWORD, "company_name": "Busy"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status().as_u16(), 201);
            }
        })
    };
    let target = app.dir.path().join("backup.db");
    digame::server::db::backup_sqlite(&app.state.db, &target)
        .await
        .expect("backup");
    writer.await.unwrap();
    assert!(
        digame::server::db::backup_sqlite(&app.state.db, &target)
            .await
            .unwrap_err()
            .contains("already exists"),
        "an existing file is never overwritten"
    );

    let restored =
        spawn_app_with(&[("DATABASE_URL", &format!("sqlite://{}", target.display()))]).await;
    assert_eq!(
        users::Entity::find()
            .filter(users::Column::Email.eq(before.as_str()))
            .count(&restored.state.db)
            .await
            .unwrap(),
        1,
        "what was written before the backup is in it"
    );
    let (status, _, body) = restored
        .call(
            "auth/login",
            &[
                ("email", &before),
                ("password", common::PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "the restored app signs people in: {body}");
}
