//! A person's own activity: sign-ins listed with their browser and address, a mail for a
//! sign-in from somewhere new, a mail when the password changes, and signing out everywhere
//! else.

use crate::common;

use common::{new_client, spawn_app, TestApp, PASSWORD};
use digame::entities::{audit_events, outbox};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";

fn browser(user_agent: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(user_agent)
        .build()
        .unwrap()
}

async fn sign_in(app: &TestApp, client: &reqwest::Client, email: &str) {
    let (status, _, body) = app
        .call_with(
            client,
            "auth/login",
            &[("email", email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn mails(app: &TestApp, email: &str, subject: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(email))
        .filter(outbox::Column::Subject.eq(subject))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_ins_are_listed_and_a_new_browser_is_mailed() {
    let app = spawn_app().await;
    let email = app.register("activity").await;
    const NEW: &str = "A new sign-in to your Digame account";
    sign_in(&app, &browser(FIREFOX), &email).await;
    assert!(
        mails(&app, &email, NEW).await.is_empty(),
        "nothing to compare with yet"
    );
    sign_in(&app, &browser(FIREFOX), &email).await;
    assert!(mails(&app, &email, NEW).await.is_empty(), "a known browser");
    sign_in(&app, &browser(PHONE), &email).await;
    let new = mails(&app, &email, NEW).await;
    assert_eq!(new.len(), 1);
    assert!(new[0].body.contains("Safari on iOS") && new[0].body.contains("127.0.0.1"));

    let (status, _, list) = app.call("account/activity", &[]).await;
    assert_eq!(status, 200, "{list}");
    let browsers: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["browser"].as_str().unwrap())
        .collect();
    assert_eq!(
        browsers,
        ["Safari on iOS", "Firefox on Linux", "Firefox on Linux"]
    );
    assert_eq!(list[0]["address"], "127.0.0.1");
    // Someone else's sign-ins are not in it.
    let other = new_client();
    app.register_with(&other, "activity-other").await;
    let (_, _, theirs) = app.call_with(&other, "account/activity", &[]).await;
    assert_eq!(theirs, Value::Array(vec![]));
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_this_session() {
    let app = spawn_app().await;
    let email = app.register("everywhere").await;
    let laptop = browser(FIREFOX);
    sign_in(&app, &laptop, &email).await;
    let phone = browser(PHONE);
    sign_in(&app, &phone, &email).await;
    assert_eq!(app.me_with(&laptop).await["email"], email.as_str());

    let (status, _, body) = app
        .call_with(&phone, "account/end-other-sessions", &[])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.me_with(&phone).await["email"],
        email.as_str(),
        "this one stays"
    );
    assert_eq!(app.me_with(&laptop).await, Value::Null);
    assert_eq!(app.me_with(&app.client).await, Value::Null);
    assert_eq!(
        audit_events::Entity::find()
            .filter(audit_events::Column::Action.eq("auth.sessions_ended"))
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_password_change_is_mailed() {
    let app = spawn_app().await;
    let email = app.register("changed").await;
    let (status, _, body) = app
        .call(
            "auth/change-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "violet harbour seventeen lanterns"),
                ("confirm_password", "violet harbour seventeen lanterns"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let sent = mails(&app, &email, "Your Digame password was changed").await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.contains("Forgot your password?"));
}
