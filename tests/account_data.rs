//! "Download my data": the signed-in person's own rows, never a key value, never anyone
//! else's, and the export audited.

mod common;

use common::{add_member, person, save_key, spawn_app};
use digame::entities::audit_events;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

const KEY: &str = "sk-live-export-0123456789abcdef";

async fn add_task(app: &common::TestApp, client: &reqwest::Client, title: &str) {
    let (status, _, body) = app
        .call_with(
            client,
            "tasks/create",
            &[
                ("title", title),
                ("description", ""),
                ("due_on", ""),
                ("status", "todo"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_export_holds_my_data_and_nobody_elses() {
    let app = spawn_app().await;
    let email = app.register("export").await;
    let me = person(&app, &email).await;
    save_key(&app, "writing_service_key", KEY).await;
    add_task(&app, &app.client, "Renew the domain").await;
    let (member, _) = add_member(&app, me.tenant_id(), "export-member").await;
    add_task(&app, &member, "Colleague's private task").await;

    let signed_out = common::new_client()
        .get(app.url("/settings/profile/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        signed_out.status().as_u16(),
        303,
        "signed out: sent to sign in"
    );

    let res = app.get("/settings/profile/export").await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(common::header(res.headers(), "content-disposition")
        .starts_with("attachment; filename=\"digame-export-"));
    assert_eq!(common::header(res.headers(), "cache-control"), "no-store");
    let text = res.text().await.unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["profile"]["email"], email.as_str());
    assert_eq!(data["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(data["tasks"][0]["title"], "Renew the domain");
    assert_eq!(data["api_keys"][0]["name"], "writing_service_key");
    assert_eq!(data["api_keys"][0]["ends_with"], "cdef");
    assert!(!text.contains(KEY), "never a key value");
    assert!(
        !text.contains("Colleague's private task"),
        "never anyone else's"
    );
    assert!(data["audit_events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "api_key.added"));

    let exported = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("account.exported"))
        .filter(audit_events::Column::ActorUserId.eq(me.user.id))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(exported, 1);
}
