//! Password reset and the outbox over HTTP: the same answer for known and unknown
//! addresses, the mailed single-use link, every session and token ended by a reset, expiry,
//! the per-account limit that sends nothing more, no message left by a failed change, and
//! the development outbox shown only to this machine.

use crate::common;

use common::{new_client, spawn_app, TestApp, PASSWORD};
use digame::entities::{audit_events, outbox, password_resets};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde_json::Value;

const NEW_PASSWORD: &str = "violet harbour seventeen lanterns";

/// The mails to `email` other than the registration's verification link.
async fn mails_to(app: &TestApp, email: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(email))
        .filter(outbox::Column::Subject.ne("Confirm your email address for Digame"))
        .order_by_asc(outbox::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

/// The token of the reset link in a message.
fn token_in(mail: &outbox::Model) -> String {
    let at = mail
        .body
        .find("/reset-password?token=")
        .expect("a reset link")
        + "/reset-password?token=".len();
    mail.body[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

async fn request(app: &TestApp, email: &str) -> (u16, Value) {
    let (status, _, body) = app
        .call_with(
            &new_client(),
            "auth/password-reset/request",
            &[("email", email)],
        )
        .await;
    (status, body)
}

async fn confirm(app: &TestApp, token: &str, new: &str, again: &str) -> (u16, Value) {
    let (status, _, body) = app
        .call_with(
            &new_client(),
            "auth/password-reset/confirm",
            &[
                ("token", token),
                ("new_password", new),
                ("confirm_password", again),
            ],
        )
        .await;
    (status, body)
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> u16 {
    app.call_with(
        &new_client(),
        "auth/login",
        &[("email", email), ("password", password)],
    )
    .await
    .0
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_session() {
    let app = spawn_app().await;
    let email = app.register("reset").await;
    assert!(app.me_with(&app.client).await.is_object(), "signed in");
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let api: Value = res.json().await.unwrap();
    let access = api["tokens"]["access_token"].as_str().unwrap().to_owned();

    // Known and unknown addresses get the same answer; only the known one gets mail.
    let known = request(&app, &email).await;
    let unknown = request(&app, "nobody-here@example.com").await;
    assert_eq!(known, unknown);
    assert_eq!(known.0, 200);
    assert!(known
        .1
        .as_str()
        .unwrap()
        .contains("If that address has a Digame account"));
    assert!(mails_to(&app, "nobody-here@example.com").await.is_empty());
    let mails = mails_to(&app, &email).await;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0]
            .body
            .contains(&format!("{}/reset-password?token=", app.base)),
        "links use DIGAME_PUBLIC_URL"
    );
    let token = token_in(&mails[0]);
    assert_eq!(token.len(), 43, "256 bits, base64url");
    let stored = password_resets::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, token, "only the hash is stored");

    // The page shows the form for the address; a wrong link says what to do.
    let html = app
        .get(&format!("/reset-password?token={token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&email) && html.contains("Save the new password"),
        "{html}"
    );
    let html = app
        .get("/reset-password?token=nonsense")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("expired or was already used"), "{html}");

    // Bad input changes nothing and writes no mail.
    let (status, body) = confirm(&app, &token, NEW_PASSWORD, "something else entirely").await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("confirm_password")),
        "{body}"
    );
    let (status, body) = confirm(&app, &token, "short", "short").await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("new_password")),
        "{body}"
    );
    assert_eq!(mails_to(&app, &email).await.len(), 1);

    let (status, body) = confirm(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    // Every session and token of the person has ended.
    let (_, _, me) = app.call("auth/me", &[]).await;
    assert_eq!(me, Value::Null, "the old session ended");
    let res = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401, "the API token ended");
    assert_eq!(sign_in(&app, &email, PASSWORD).await, 401);
    assert_eq!(sign_in(&app, &email, NEW_PASSWORD).await, 200);
    let mails = mails_to(&app, &email).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].subject, "Your Digame password was changed");
    assert!(!mails[1].body.contains(&token));
    let audited = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("auth.password_reset"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // Single use.
    let (status, body) = confirm(
        &app,
        &token,
        "another long passphrase here",
        "another long passphrase here",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("expired or was already used"),
        "{body}"
    );
}

#[tokio::test]
async fn expired_links_fail_and_each_account_gets_few_mails() {
    let app = spawn_app().await;
    let email = app.register("reset-expired").await;
    request(&app, &email).await;
    let token = token_in(&mails_to(&app, &email).await[0]);
    let row = password_resets::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut expired: password_resets::ActiveModel = row.into();
    expired.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
    expired.update(&app.state.db).await.unwrap();
    let (status, body) = confirm(&app, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    assert_eq!(
        sign_in(&app, &email, PASSWORD).await,
        200,
        "the password is unchanged"
    );

    // Three mails an hour per account; a fourth request is answered the same, sends nothing.
    let first = request(&app, &email).await;
    request(&app, &email).await;
    let fourth = request(&app, &email).await;
    assert_eq!(first, fourth);
    assert_eq!(mails_to(&app, &email).await.len(), 3);

    // The JSON API answers 202 the same way and checks the address.
    let res = app
        .client
        .post(app.url("/api/v1/auth/password-reset/request"))
        .json(&serde_json::json!({"email": "someone-else@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let res = app
        .client
        .post(app.url("/api/v1/auth/password-reset/request"))
        .json(&serde_json::json!({"email": "not an address"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
}

#[tokio::test]
async fn the_development_outbox_is_shown_only_when_asked_for_and_to_this_machine() {
    let app = spawn_app().await;
    let html = app.get("/dev/outbox").await.text().await.unwrap();
    assert!(
        html.contains("There is no such page"),
        "off by default: {html}"
    );

    let app = common::spawn_app_with(&[("DIGAME_DEV_OUTBOX", "true")]).await;
    let email = app.register("outbox").await;
    request(&app, &email).await;
    let html = app.get("/dev/outbox").await.text().await.unwrap();
    assert!(html.contains("Choose a new Digame password"), "{html}");
    assert!(
        html.contains("/reset-password?token="),
        "the link is there: {html}"
    );

    // Through a proxy (another machine's request) it does not exist.
    let res = app
        .client
        .post(app.url("/api/dev/outbox"))
        .header("origin", &app.base)
        .header("accept", "application/json")
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
}

/// Security issue: a new password, by a reset link or by a change, ends every other reset
/// link still open.
#[tokio::test]
async fn a_new_password_ends_the_other_open_links() {
    let app = spawn_app().await;
    let email = app.register("reset-others").await;
    for _ in 0..2 {
        assert_eq!(request(&app, &email).await.0, 200);
    }
    let mails = mails_to(&app, &email).await;
    assert_eq!(mails.len(), 2, "two links");
    let (first, second) = (token_in(&mails[0]), token_in(&mails[1]));
    let (status, body) = confirm(
        &app,
        &first,
        "violet-harbor-lantern-42",
        "violet-harbor-lantern-42",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = confirm(
        &app,
        &second,
        "copper-meadow-falcon-19",
        "copper-meadow-falcon-19",
    )
    .await;
    assert_eq!(status, 400, "the other link ended with the reset: {body}");
    assert_eq!(sign_in(&app, &email, "violet-harbor-lantern-42").await, 200);

    // A password change from the security page ends an open link too.
    assert_eq!(request(&app, &email).await.0, 200);
    let third = token_in(
        mails_to(&app, &email)
            .await
            .iter()
            .rev()
            .find(|m| m.body.contains("/reset-password?token="))
            .unwrap(),
    );
    let client = new_client();
    let (status, _, _) = app
        .call_with(
            &client,
            "auth/login",
            &[("email", &email), ("password", "violet-harbor-lantern-42")],
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, body) = app
        .call_with(
            &client,
            "auth/change-password",
            &[
                ("current_password", "violet-harbor-lantern-42"),
                ("new_password", "copper-meadow-falcon-19"),
                ("confirm_password", "copper-meadow-falcon-19"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = confirm(
        &app,
        &third,
        "amber-valley-piano-88",
        "amber-valley-piano-88",
    )
    .await;
    assert_eq!(status, 400, "{body}");
}
