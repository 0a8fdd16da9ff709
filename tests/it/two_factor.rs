//! Two-factor sign-in: set-up confirmed by a first code, sign-in with a code or a recovery
//! code (each once), the code throttle, the JSON API, turning it off, and a company that
//! requires it.

use crate::common;

use common::{new_client, spawn_app, TestApp, PASSWORD};
use digame::entities::{audit_events, recovery_codes, two_factor};
use digame::features::auth::totp::{code_at, from_base32, step_of};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

/// Starts and confirms a set-up on `client`; returns the secret and the recovery codes.
async fn turn_on(app: &TestApp, client: &reqwest::Client) -> (Vec<u8>, Vec<String>) {
    let (status, _, body) = app.call_with(client, "auth/two-factor/start", &[]).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, state) = app
        .call_with(client, "auth/two-factor/status", &[("take_codes", "false")])
        .await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["enabled"], false);
    let secret_text = state["pending"]["secret"].as_str().unwrap().to_owned();
    assert!(state["pending"]["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/Digame:"));
    assert!(state["pending"]["qr_svg"]
        .as_str()
        .unwrap()
        .starts_with("<svg"));
    let secret = from_base32(&secret_text).unwrap();
    assert_eq!(secret.len(), 20, "160 bits");
    let (status, _, body) = app
        .call_with(client, "auth/two-factor/enable", &[("code", "000000")])
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "code");
    let code = code_at(&secret, step_of(chrono::Utc::now()));
    let (status, _, codes) = app
        .call_with(client, "auth/two-factor/enable", &[("code", &code)])
        .await;
    assert_eq!(status, 200, "{codes}");
    let codes: Vec<String> = serde_json::from_value(codes).unwrap();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn login(app: &TestApp, client: &reqwest::Client, email: &str) -> Value {
    let (status, _, body) = app
        .call_with(
            client,
            "auth/login",
            &[("email", email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn second(app: &TestApp, client: &reqwest::Client, code: &str) -> (u16, Value) {
    let (status, _, body) = app
        .call_with(client, "auth/two-factor", &[("code", code)])
        .await;
    (status, body)
}

fn session_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("digame_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

#[tokio::test]
async fn set_up_then_sign_in_with_a_code_or_a_recovery_code_each_once() {
    let app = spawn_app().await;
    let email = app.register("tfa").await;
    let (secret, codes) = turn_on(&app, &app.client).await;
    let me = common::person(&app, &email).await;
    assert!(me.user.two_factor_enabled_at.is_some());
    // The secret is sealed: its text is nowhere in the row.
    let row = two_factor::Entity::find_by_id(me.user.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let text = digame::features::auth::totp::base32(&secret);
    assert!(!String::from_utf8_lossy(&row.secret_ciphertext).contains(&text));
    assert_eq!(
        audit_events::Entity::find()
            .filter(audit_events::Column::Action.eq("auth.two_factor_enabled"))
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );

    // The password alone signs nobody in.
    let client = new_client();
    let body = login(&app, &client, &email).await;
    assert_eq!(body["next"], "/login/two-factor");
    assert_eq!(app.me_with(&client).await, Value::Null);
    let (status, body) = second(&app, &client, "123456").await;
    assert_eq!(status, 400, "{body}");
    // The code that confirmed the set-up was used (its step recorded, whichever step the
    // clock has reached since): the next step's code works, once.
    let now = row.last_step.expect("the set-up's step is recorded");
    let (status, body) = second(&app, &client, &code_at(&secret, now)).await;
    assert_eq!(status, 400, "a used code is refused: {body}");
    let next_code = code_at(&secret, now + 1);
    let (status, headers, body) = app
        .call_with(&client, "auth/two-factor", &[("code", &next_code)])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(session_cookie(&headers).is_some(), "a new session id");
    assert_eq!(app.me_with(&client).await["email"], email.as_str());

    let again = new_client();
    login(&app, &again, &email).await;
    let (status, _) = second(&app, &again, &next_code).await;
    assert_eq!(status, 400, "the same code twice");
    let (status, body) = second(&app, &again, &codes[0].to_uppercase()).await;
    assert_eq!(status, 200, "a recovery code: {body}");
    let third = new_client();
    login(&app, &third, &email).await;
    let (status, _) = second(&app, &third, &codes[0]).await;
    assert_eq!(status, 400, "a recovery code works once");
    let (status, _, state) = app
        .call("auth/two-factor/status", &[("take_codes", "false")])
        .await;
    assert_eq!(status, 200);
    assert_eq!(state["enabled"], true);
    assert_eq!(state["recovery_codes_left"], 9);

    // Without a password first there is nothing to complete.
    let (status, body) = second(&app, &new_client(), &codes[1]).await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_passwords() {
    let app = spawn_app().await;
    let email = app.register("tfa-throttle").await;
    let (secret, _) = turn_on(&app, &app.client).await;
    let client = new_client();
    login(&app, &client, &email).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(second(&app, &client, "111111").await.0);
    }
    assert_eq!(statuses, [400, 400, 400, 400, 400, 429]);
    // Even the right code waits now.
    let right = code_at(&secret, step_of(chrono::Utc::now()) + 1);
    assert_eq!(second(&app, &client, &right).await.0, 429);
    assert_eq!(app.me_with(&client).await, Value::Null);
}

#[tokio::test]
async fn the_json_api_asks_for_the_code_and_turning_off_needs_one() {
    let app = spawn_app().await;
    let email = app.register("tfa-api").await;
    let (secret, codes) = turn_on(&app, &app.client).await;
    let api_login = |code: Option<String>| {
        let mut body = serde_json::json!({ "username": email, "password": PASSWORD });
        if let Some(code) = code {
            body["code"] = code.into();
        }
        new_client()
            .post(app.url("/api/v1/auth/login"))
            .json(&body)
            .send()
    };
    let res = api_login(None).await.unwrap();
    // The JSON API answers validation errors 422, as the original service did.
    assert_eq!(res.status().as_u16(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body.to_string().contains("authenticator app"), "{body}");
    let code = code_at(&secret, step_of(chrono::Utc::now()) + 1);
    let res = api_login(Some(code)).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body["tokens"]["access_token"].is_string(), "{body}");

    let (status, _, body) = app
        .call("auth/two-factor/disable", &[("code", "999999")])
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _, body) = app
        .call("auth/two-factor/disable", &[("code", &codes[3])])
        .await;
    assert_eq!(status, 200, "{body}");
    let me = common::person(&app, &email).await;
    assert!(me.user.two_factor_enabled_at.is_none());
    assert_eq!(
        recovery_codes::Entity::find()
            .filter(recovery_codes::Column::UserId.eq(me.user.id))
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    // Off: the password alone signs in again.
    let body = login(&app, &new_client(), &email).await;
    assert_ne!(body["next"], "/login/two-factor");
}

#[tokio::test]
async fn a_company_that_requires_it_holds_tools_back_until_it_is_set_up() {
    let app = spawn_app().await;
    let email = app.register("tfa-admin").await;
    let admin = common::person(&app, &email).await;
    let (status, _, body) = app.call("admin/two-factor", &[("required", "true")]).await;
    assert_eq!(status, 409, "the admin first: {body}");
    turn_on(&app, &app.client).await;
    let (status, _, body) = app.call("admin/two-factor", &[("required", "true")]).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = app.call("admin/features", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["require_two_factor"], true);

    let (member, _) = common::add_member(&app, admin.tenant.id, "tfa-member").await;
    assert_eq!(app.me_with(&member).await["needs_two_factor"], true);
    let (status, _, body) = app
        .call_with(
            &member,
            "tasks/create",
            &[
                ("title", "Renew the domain"),
                ("description", ""),
                ("due_on", ""),
                ("status", "todo"),
            ],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("requires two-factor sign-in"));
    let (status, _, body) = app
        .call_with(
            &member,
            "keys/save",
            &[
                ("origin", "new"),
                ("name", "writing_service_key"),
                ("value", "sk-test-0123456789abcdef"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    turn_on(&app, &member).await;
    assert_eq!(app.me_with(&member).await["needs_two_factor"], false);
    let (status, _, body) = app
        .call_with(
            &member,
            "tasks/create",
            &[
                ("title", "Renew the domain"),
                ("description", ""),
                ("due_on", ""),
                ("status", "todo"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Required: it cannot be turned off.
    let (status, _, body) = app
        .call_with(&member, "auth/two-factor/disable", &[("code", "123456")])
        .await;
    assert_eq!(status, 403, "{body}");
    let changes = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("tenant.two_factor_required"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(changes, 1);
}

#[tokio::test]
async fn deleting_an_account_with_two_factor_on_needs_a_code() {
    let app = spawn_app().await;
    let email = app.register("tfa-delete").await;
    let (secret, _) = turn_on(&app, &app.client).await;
    let (status, _, body) = app
        .call("account/delete", &[("password", PASSWORD), ("code", "")])
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "code");
    let code = code_at(&secret, step_of(chrono::Utc::now()) + 1);
    let (status, _, body) = app
        .call("account/delete", &[("password", PASSWORD), ("code", &code)])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        digame::entities::users::Entity::find()
            .filter(digame::entities::users::Column::Email.eq(email.as_str()))
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn rotating_the_master_key_re_seals_the_secrets_and_sign_in_goes_on() {
    use digame::config::MasterKey;
    use digame::crypto::keyring::Keyring;
    use digame::features::auth::two_factor::{pending, rotate, start};
    let app = spawn_app().await;
    let email = app.register("tfa-rotate").await;
    let person = common::person(&app, &email).await;
    // A set-up in progress: its secret shows the same before and after.
    let old = digame::web::state::keyring(&app.state.settings);
    start(&app.state.db, &old, &person).await.unwrap();
    let before = pending(&app.state.db, &old, &person)
        .await
        .unwrap()
        .unwrap()
        .secret;
    let new_key = MasterKey::generate();
    let rotating = Keyring::new(new_key.clone(), Some(app.state.settings.master_key.clone()));
    let report = rotate(&app.state.db, &rotating).await.unwrap();
    assert_eq!((report.reencrypted, report.unreadable), (1, 0));
    let new_only = Keyring::new(new_key, None);
    let after = pending(&app.state.db, &new_only, &person)
        .await
        .unwrap()
        .unwrap()
        .secret;
    assert_eq!(before, after);
    assert!(pending(&app.state.db, &old, &person).await.is_err());
    let again = rotate(&app.state.db, &rotating).await.unwrap();
    assert_eq!(again.reencrypted, 0);
}

/// Security issue, finding 5: a tenant admin can reset a member's two-factor sign-in (a
/// token holder who set it up with their own secret cannot lock the member out for good):
/// the member then signs in with the password alone; audited; the member is mailed. Not
/// for another company's member, nor for the admin's own.
#[tokio::test]
async fn an_admin_resets_a_members_two_factor() {
    let app = spawn_app().await;
    let admin_email = app.register("tf-reset-admin").await;
    let admin = common::person(&app, &admin_email).await;
    let (member, member_email) = common::add_member(&app, admin.tenant.id, "tf-reset-member").await;
    turn_on(&app, &member).await;
    let member_id = common::person(&app, &member_email).await.user.id;
    let reset = |client: &reqwest::Client, id: i64| {
        let req = client
            .delete(app.url(&format!("/api/v1/admin/members/{id}/two-factor")))
            .header("origin", format!("http://{}", app.host));
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or_default())
        }
    };
    // Not by a member, nor by another company's admin.
    let (status, _) = reset(&member, admin.user.id).await;
    assert_eq!(status, 403);
    let stranger = new_client();
    app.register_with(&stranger, "tf-reset-stranger").await;
    let (status, _) = reset(&stranger, member_id).await;
    assert_eq!(status, 404);
    let (status, body) = reset(&app.client, admin.user.id).await;
    assert_eq!(status, 409, "{body}");

    let (status, body) = reset(&app.client, member_id).await;
    assert_eq!(status, 200, "{body}");
    let after = common::person(&app, &member_email).await;
    assert!(after.user.two_factor_enabled_at.is_none());
    assert_eq!(
        two_factor::Entity::find_by_id(member_id)
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    // The member signs in with the password alone now.
    let body = login(&app, &new_client(), &member_email).await;
    assert_ne!(body["next"], "/login/two-factor", "{body}");
    let audited = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("member.two_factor_reset"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    let mailed = digame::entities::outbox::Entity::find()
        .filter(digame::entities::outbox::Column::ToAddress.eq(member_email.as_str()))
        .filter(digame::entities::outbox::Column::Subject.contains("two-factor sign-in was reset"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(mailed, 1);
}

/// Security issue: recovery codes are stored peppered (HMAC keyed with the sealed
/// authenticator secret), so the database alone cannot be searched for them; codes stored
/// plainly hashed before still work, once.
#[tokio::test]
async fn recovery_codes_are_stored_peppered_and_old_ones_still_work() {
    use sea_orm::ActiveModelTrait;
    let app = spawn_app().await;
    let email = app.register("tfa-pepper").await;
    let (_, codes) = turn_on(&app, &app.client).await;
    let me = common::person(&app, &email).await;
    let stored: Vec<String> = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(me.user.id))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.code_hash)
        .collect();
    assert_eq!(stored.len(), 10);
    for code in &codes {
        let plain = digame::util::sha256_hex(&format!("{}:{}", me.user.id, code.replace('-', "")));
        assert!(
            !stored.contains(&plain),
            "a plain SHA-256 of a code is stored"
        );
    }
    // A code stored the old way (before the pepper) signs in, once.
    recovery_codes::ActiveModel {
        user_id: sea_orm::ActiveValue::Set(me.user.id),
        code_hash: sea_orm::ActiveValue::Set(digame::util::sha256_hex(&format!(
            "{}:legacycode23",
            me.user.id
        ))),
        used_at: sea_orm::ActiveValue::Set(None),
        created_at: sea_orm::ActiveValue::Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let client = new_client();
    login(&app, &client, &email).await;
    let (status, body) = second(&app, &client, "legac-ycode23").await;
    assert_eq!(status, 200, "{body}");
    let again = new_client();
    login(&app, &again, &email).await;
    let (status, _) = second(&app, &again, "legacycode23").await;
    assert_eq!(status, 400, "used up");
    // And a new-style code works too.
    let third = new_client();
    login(&app, &third, &email).await;
    let (status, body) = second(&app, &third, &codes[1]).await;
    assert_eq!(status, 200, "{body}");
}
