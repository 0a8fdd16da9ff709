//! "Download my data": the signed-in person's own rows, never a key value, never anyone
//! else's, and the export audited.

use crate::common;

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

async fn delete(app: &common::TestApp, client: &reqwest::Client, password: &str) -> (u16, Value) {
    let (status, _, body) = app
        .call_with(client, "account/delete", &[("password", password)])
        .await;
    (status, body)
}

async fn rows_of(app: &common::TestApp, user_id: i64) -> u64 {
    use digame::entities::{
        api_tokens, email_verifications, recovery_codes, tasks, two_factor, user_api_keys, users,
    };
    let db = &app.state.db;
    users::Entity::find_by_id(user_id).count(db).await.unwrap()
        + tasks::Entity::find()
            .filter(tasks::Column::UserId.eq(user_id))
            .count(db)
            .await
            .unwrap()
        + user_api_keys::Entity::find()
            .filter(user_api_keys::Column::UserId.eq(user_id))
            .count(db)
            .await
            .unwrap()
        + api_tokens::Entity::find()
            .filter(api_tokens::Column::UserId.eq(user_id))
            .count(db)
            .await
            .unwrap()
        + audit_events::Entity::find()
            .filter(audit_events::Column::ActorUserId.eq(user_id))
            .count(db)
            .await
            .unwrap()
        + email_verifications::Entity::find()
            .filter(email_verifications::Column::UserId.eq(user_id))
            .count(db)
            .await
            .unwrap()
        + two_factor::Entity::find_by_id(user_id)
            .count(db)
            .await
            .unwrap()
        + recovery_codes::Entity::find()
            .filter(recovery_codes::Column::UserId.eq(user_id))
            .count(db)
            .await
            .unwrap()
}

#[tokio::test]
async fn deleting_an_account_removes_what_it_owned_and_keeps_the_company_whole() {
    use digame::entities::tenants;
    let app = spawn_app().await;
    let admin_email = app.register("delete-admin").await;
    let admin = person(&app, &admin_email).await;
    let (member, member_email) = add_member(&app, admin.tenant_id(), "delete-member").await;
    let member_id = person(&app, &member_email).await.user.id;
    add_task(&app, &member, "Member task").await;
    app.call_with(
        &member,
        "tokens/create",
        &[("name", "script"), ("expires_in_days", "7")],
    )
    .await;
    add_task(&app, &app.client, "Admin task").await;
    assert!(rows_of(&app, member_id).await >= 3);

    // A wrong password deletes nothing.
    let (status, body) = delete(&app, &member, "not my password at all").await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("password")),
        "{body}"
    );
    assert!(rows_of(&app, member_id).await >= 3);

    // The only admin of a company with members must hand over first.
    let (status, body) = delete(&app, &app.client, common::PASSWORD).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("only administrator"));

    let (status, body) = delete(&app, &member, common::PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        rows_of(&app, member_id).await,
        0,
        "every row the member owned is gone"
    );
    let (_, _, me) = app.call_with(&member, "auth/me", &[]).await;
    assert_eq!(me, Value::Null, "their session ended");
    let (_, _, list) = app
        .call("tasks/list", &[("status", ""), ("sort", "")])
        .await;
    assert_eq!(
        list["tasks"][0]["title"], "Admin task",
        "the company's other data stays"
    );

    // Now alone, the admin takes the company with them.
    let (status, body) = delete(&app, &app.client, common::PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        tenants::Entity::find_by_id(admin.tenant_id())
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(rows_of(&app, admin.user.id).await, 0);
    // Each was told by mail, and only that waits for them in the outbox.
    for email in [&admin_email, &member_email] {
        let mails = digame::entities::outbox::Entity::find()
            .filter(digame::entities::outbox::Column::ToAddress.eq(email.as_str()))
            .filter(digame::entities::outbox::Column::SentAt.is_null())
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(mails.len(), 1, "{email}");
        assert_eq!(mails[0].subject, "Your Digame account was deleted");
    }
}

/// Security issue: the last two admins deleting themselves at once leave one admin (the
/// company is locked, as the other admin paths do), never none.
#[tokio::test]
async fn the_last_two_admins_deleting_at_once_leave_one() {
    use digame::entities::users;
    use sea_orm::ActiveModelTrait;
    let app = spawn_app().await;
    let first_email = app.register("two-admins-a").await;
    let tenant = person(&app, &first_email).await.tenant_id();
    let (second, second_email) = add_member(&app, tenant, "two-admins-b").await;
    let (_member, _) = add_member(&app, tenant, "two-admins-member").await;
    users::ActiveModel {
        id: sea_orm::ActiveValue::Set(person(&app, &second_email).await.user.id),
        role: sea_orm::ActiveValue::Set(digame::domain::Role::Admin),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
    let ((a, _), (b, _)) = tokio::join!(
        delete(&app, &app.client, common::PASSWORD),
        delete(&app, &second, common::PASSWORD)
    );
    let admins = users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant))
        .filter(users::Column::Role.eq("admin"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(admins, 1, "statuses {a} and {b}");
    let mut statuses = [a, b];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
}
