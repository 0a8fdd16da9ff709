//! Personal access tokens over HTTP: made on the security page (shown once, stored hashed),
//! accepted as a bearer token by the JSON API, listed with their last use, revoked by their
//! owner or a tenant admin (never by another company's admin or a fellow member), and ended
//! by a password change.

use crate::common;

use common::{add_member, new_client, person, spawn_app, TestApp, PASSWORD};
use digame::entities::api_tokens;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

async fn create(app: &TestApp, client: &reqwest::Client, name: &str, days: &str) -> (u16, Value) {
    let (status, _, body) = app
        .call_with(
            client,
            "tokens/create",
            &[("name", name), ("expires_in_days", days)],
        )
        .await;
    (status, body)
}

async fn me_with_token(app: &TestApp, token: &str) -> u16 {
    new_client()
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn revoke(app: &TestApp, client: &reqwest::Client, id: i64) -> u16 {
    app.call_with(
        client,
        "tokens/revoke",
        &[
            ("token_id", &id.to_string()),
            ("back_to", "/settings/security"),
        ],
    )
    .await
    .0
}

#[tokio::test]
async fn a_token_works_as_its_owner_until_revoked() {
    let app = spawn_app().await;
    let email = app.register("pat").await;

    for (name, days, field) in [
        ("", "30", "name"),
        ("nightly export", "14", "expires_in_days"),
        ("two\nlines", "30", "name"),
    ] {
        let (status, body) = create(&app, &app.client, name, days).await;
        assert_eq!(
            (status, body["detail"]["field"].as_str()),
            (400, Some(field)),
            "{body}"
        );
    }

    let (status, created) = create(&app, &app.client, " nightly export ", "30").await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["name"], "nightly export");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("dgp_"));
    let row = api_tokens::Entity::find()
        .filter(api_tokens::Column::Kind.eq("personal"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(row.token_hash, secret, "stored as a hash");
    assert!(row.expires_at > chrono::Utc::now() + chrono::Duration::days(29));

    // The token is the person over the JSON API; the list says when it was last used and
    // never shows the secret again.
    let res = new_client()
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["email"], email.as_str());
    let (_, _, list) = app.call("tokens/list", &[]).await;
    assert_eq!(list["tokens"][0]["name"], "nightly export");
    assert!(list["tokens"][0]["last_used"].is_string(), "{list}");
    assert!(!list.to_string().contains(&secret));

    assert_eq!(revoke(&app, &app.client, row.id).await, 200);
    assert_eq!(me_with_token(&app, &secret).await, 401);
    let (_, _, list) = app.call("tokens/list", &[]).await;
    assert_eq!(list["tokens"], Value::Array(vec![]));
    assert_eq!(
        revoke(&app, &app.client, row.id).await,
        404,
        "already revoked"
    );
}

#[tokio::test]
async fn admins_revoke_members_tokens_and_nobody_else_can() {
    let app = spawn_app().await;
    let admin_email = app.register("pat-admin").await;
    let tenant = person(&app, &admin_email).await.tenant_id();
    let (member, _) = add_member(&app, tenant, "pat-member").await;
    let (other_member, _) = add_member(&app, tenant, "pat-other").await;
    let (_, created) = create(&app, &member, "member script", "7").await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = api_tokens::Entity::find()
        .filter(api_tokens::Column::Kind.eq("personal"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;

    // Another company's admin and a fellow member cannot see or revoke it.
    let outsider = new_client();
    app.register_with(&outsider, "pat-outsider").await;
    let (_, _, theirs) = app.call_with(&outsider, "admin/tokens", &[]).await;
    assert_eq!(theirs["tokens"], Value::Array(vec![]), "{theirs}");
    assert_eq!(revoke(&app, &outsider, id).await, 404);
    assert_eq!(revoke(&app, &other_member, id).await, 404);
    let (status, _, _) = app.call_with(&member, "admin/tokens", &[]).await;
    assert_eq!(status, 403, "members do not see the admin list");
    assert_eq!(me_with_token(&app, &secret).await, 200);

    // The company's admin sees it with its owner and revokes it.
    let (_, _, list) = app.call("admin/tokens", &[]).await;
    assert_eq!(
        list["tokens"][0]["token"]["name"], "member script",
        "{list}"
    );
    assert_eq!(list["tokens"][0]["owner_name"], "Member");
    assert_eq!(revoke(&app, &app.client, id).await, 200);
    assert_eq!(me_with_token(&app, &secret).await, 401);
}

#[tokio::test]
async fn a_password_change_ends_every_token() {
    let app = spawn_app().await;
    app.register("pat-password").await;
    let (_, created) = create(&app, &app.client, "ci", "365").await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(me_with_token(&app, &secret).await, 200);
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
    assert_eq!(me_with_token(&app, &secret).await, 401);
}

/// Security issue, finding 5: a personal token acts within its scope and never on the
/// account: it cannot make tokens, start two-factor set-up, change the password, end
/// sessions or delete the account; a read token cannot write; the Admin scope is for
/// admins only and is the only one that reaches the admin routes.
#[tokio::test]
async fn tokens_act_within_their_scope_and_never_on_the_account() {
    let app = spawn_app().await;
    app.register("scoped").await;
    let make = |name: &'static str, scope: &'static str| {
        let app = &app;
        async move {
            let (status, _, body) = app
                .call(
                    "tokens/create",
                    &[("name", name), ("expires_in_days", "7"), ("scope", scope)],
                )
                .await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["name"], name);
            body["secret"].as_str().unwrap().to_owned()
        }
    };
    let read = make("reader", "read").await;
    let write = make("writer", "write").await;
    let admin = make("admin script", "admin").await;
    let call = |token: &str, method: reqwest::Method, path: &str, body: Value| {
        let req = new_client()
            .request(method, app.url(&format!("/api/v1{path}")))
            .bearer_auth(token)
            .json(&body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or_default())
        }
    };
    use reqwest::Method;
    for token in [&read, &write, &admin] {
        for (method, path, body) in [
            (
                Method::POST,
                "/account/tokens",
                serde_json::json!({"name": "forever", "expires_in_days": 365}),
            ),
            (
                Method::POST,
                "/account/two-factor/start",
                serde_json::json!({}),
            ),
            (
                Method::POST,
                "/auth/password-change",
                serde_json::json!({"current_password": PASSWORD, "new_password": "violet-harbor-lantern-42"}),
            ),
            (Method::POST, "/account/sessions/end", serde_json::json!({})),
            (
                Method::POST,
                "/account/delete",
                serde_json::json!({"password": PASSWORD}),
            ),
        ] {
            let (status, body) = call(token, method, path, body).await;
            assert_eq!(status, 403, "{path}: {body}");
            assert_eq!(body["code"], "FORBIDDEN", "{body}");
        }
        let (status, _) = call(token, Method::GET, "/auth/me", Value::Null).await;
        assert_eq!(status, 200, "every scope reads");
    }
    let task = serde_json::json!({"title": "Send the report", "status": "todo"});
    let (status, body) = call(&read, Method::POST, "/tasks", task.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("only read"),
        "{body}"
    );
    let (status, body) = call(&write, Method::POST, "/tasks", task).await;
    assert!(status == 200 || status == 201, "{status} {body}");
    let (status, _) = call(&write, Method::GET, "/admin/members", Value::Null).await;
    assert_eq!(status, 403, "the admin routes need the Admin scope");
    let (status, body) = call(&admin, Method::GET, "/admin/members", Value::Null).await;
    assert_eq!(status, 200, "{body}");
    // The account is untouched: still the same password, no new token, two-factor off.
    let (status, _) = call(&read, Method::GET, "/auth/me", Value::Null).await;
    assert_eq!(
        status, 200,
        "the password did not change (tokens would have ended)"
    );
    let (_, list) = call(&read, Method::GET, "/account/tokens", Value::Null).await;
    let list = &list["tokens"];
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    let scopes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["scope"].as_str().unwrap())
        .collect();
    assert!(
        scopes.contains(&"read") && scopes.contains(&"write") && scopes.contains(&"admin"),
        "{scopes:?}"
    );

    // A member cannot make an Admin token.
    let me = app.me_with(&app.client).await;
    let tenant = person(&app, me["email"].as_str().unwrap()).await.tenant.id;
    let (member, _) = add_member(&app, tenant, "scoped-member").await;
    let (status, _, body) = app
        .call_with(
            &member,
            "tokens/create",
            &[("name", "x"), ("expires_in_days", "7"), ("scope", "admin")],
        )
        .await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("scope")),
        "{body}"
    );
}
