//! The JSON API's accounts and tokens: `/api/v1/auth/*` with the original service's
//! contract, bearer tokens on every `/api/v1` route, refresh rotation with reuse
//! detection, and revocation at sign-out and password change. On SQLite and PostgreSQL.

use crate::common;

use common::{spawn_app, unique_email, TestApp, PASSWORD};
use serde_json::{json, Value};

/// A script: no cookies, no browser headers.
fn script() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn send(req: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn register(app: &TestApp, email: &str) -> Value {
    let (status, _, body) = send(script().post(app.url("/api/v1/auth/register")).json(&json!({
        "email": email, "password": PASSWORD, "first_name": "Ana", "last_name": "Lima", "company_name": "Acme Labs",
    })))
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["email_verified"], false, "{body}");
    // The address is confirmed with the token from the mail, as an API client would.
    let token = app.verification_token(email).await;
    let (status, _, said) = send(
        script()
            .post(app.url("/api/v1/auth/verify-email"))
            .json(&json!({ "token": token })),
    )
    .await;
    assert_eq!(status, 200, "{said}");
    body
}

fn bearer(token: &Value) -> String {
    format!("Bearer {}", token.as_str().unwrap())
}

#[tokio::test]
async fn register_login_me_and_verify_with_bearer_tokens() {
    let app = spawn_app().await;
    let email = unique_email("api-auth");
    let body = register(&app, &email).await;
    assert_eq!(body["user"]["email"], email);
    assert_eq!(body["user"]["full_name"], "Ana Lima");
    assert_eq!(body["tokens"]["token_type"], "bearer");
    let access = &body["tokens"]["access_token"];

    let (status, _, me) = send(
        script()
            .get(app.url("/api/v1/auth/me"))
            .header("authorization", bearer(access)),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], email);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["email_verified"], true);
    // The row changed after it was made (its address was confirmed).
    let at =
        |field: &str| chrono::DateTime::parse_from_rfc3339(me[field].as_str().unwrap()).unwrap();
    assert!(at("updated_at") > at("created_at"), "{me}");
    let (status, _, v) = send(
        script()
            .get(app.url("/api/v1/auth/verify-token"))
            .header("authorization", bearer(access)),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (v["valid"].as_bool(), v["email"].as_str()),
        (Some(true), Some(email.as_str()))
    );

    // The original's OAuth2 password form, and JSON.
    let (status, _, form) = send(
        script()
            .post(app.url("/api/v1/auth/login"))
            .form(&[("username", email.as_str()), ("password", PASSWORD)]),
    )
    .await;
    assert_eq!(status, 200, "{form}");
    assert!(form["tokens"]["refresh_token"]
        .as_str()
        .unwrap()
        .starts_with("dgr_"));
    let (status, _, wrong) = send(
        script()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": email, "password": "wrong-password-123"})),
    )
    .await;
    assert_eq!(status, 401, "{wrong}");
    assert_eq!(wrong["code"], "UNAUTHORIZED");

    // A bearer token works on the other routes, without any CSRF header.
    let (status, _, tasks) = send(
        script()
            .get(app.url("/api/v1/tasks"))
            .header("authorization", bearer(access)),
    )
    .await;
    assert_eq!(status, 200, "{tasks}");

    // Missing, unknown and malformed tokens: 401 with WWW-Authenticate.
    for auth in [None, Some("Bearer dga_nope"), Some("Basic abc")] {
        let mut req = script().get(app.url("/api/v1/auth/me"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let (status, headers, body) = send(req).await;
        assert_eq!(status, 401, "{auth:?}: {body}");
        assert_eq!(common::header(&headers, "www-authenticate"), "Bearer");
        assert_eq!(body["code"], "UNAUTHORIZED");
    }
    let (status, _, health) = send(script().get(app.url("/api/v1/auth/health"))).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("healthy")));
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_revokes_the_family() {
    let app = spawn_app().await;
    let first = register(&app, &unique_email("api-refresh")).await["tokens"].clone();
    let refresh = |token: Value| {
        let req = script()
            .post(app.url("/api/v1/auth/refresh"))
            .json(&json!({"refresh_token": token}));
        send(req)
    };
    let (status, _, second) = refresh(first["refresh_token"].clone()).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    // The new access token works.
    let (status, _, _) = send(
        script()
            .get(app.url("/api/v1/auth/me"))
            .header("authorization", bearer(&second["access_token"])),
    )
    .await;
    assert_eq!(status, 200);
    // The old refresh token comes back: refused, and the whole family ends.
    let (status, _, body) = refresh(first["refresh_token"].clone()).await;
    assert_eq!(status, 401, "{body}");
    let (status, _, _) = refresh(second["refresh_token"].clone()).await;
    assert_eq!(
        status, 401,
        "the newer refresh token of the family is revoked too"
    );
    let (status, _, _) = send(
        script()
            .get(app.url("/api/v1/auth/me"))
            .header("authorization", bearer(&second["access_token"])),
    )
    .await;
    assert_eq!(status, 401, "and its access token");
    let (status, _, body) = refresh(json!("dgr_unknown")).await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn logout_and_password_change_revoke_tokens() {
    let app = spawn_app().await;
    let email = unique_email("api-logout");
    let tokens = register(&app, &email).await["tokens"].clone();
    let (_, _, other) = send(
        script()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": email, "password": PASSWORD})),
    )
    .await;
    let other = other["tokens"].clone();

    let (status, _, _) = send(
        script()
            .post(app.url("/api/v1/auth/logout"))
            .header("authorization", bearer(&tokens["access_token"]))
            .json(&json!({"refresh_token": tokens["refresh_token"]})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _, _) = send(
        script()
            .get(app.url("/api/v1/auth/me"))
            .header("authorization", bearer(&tokens["access_token"])),
    )
    .await;
    assert_eq!(status, 401, "signed out");
    let (status, _, _) = send(
        script()
            .get(app.url("/api/v1/auth/me"))
            .header("authorization", bearer(&other["access_token"])),
    )
    .await;
    assert_eq!(status, 200, "another sign-in's tokens still work");

    // A wrong current password is a field error; a weak new one too.
    let change = |current: &str, new: &str| {
        let req = script()
            .post(app.url("/api/v1/auth/password-change"))
            .header("authorization", bearer(&other["access_token"]))
            .json(&json!({"current_password": current, "new_password": new}));
        send(req)
    };
    let (status, _, body) = change("wrong-password-123", "violet-harbor-lantern-42").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["detail"]["field"], "current_password");
    let (status, _, body) = change(PASSWORD, "violet-harbor-lantern-42").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("Password changed"));
    let (status, _, _) = send(
        script()
            .get(app.url("/api/v1/auth/me"))
            .header("authorization", bearer(&other["access_token"])),
    )
    .await;
    assert_eq!(status, 401, "every token ends with a password change");
    let (status, _, _) = send(
        script()
            .post(app.url("/api/v1/auth/refresh"))
            .json(&json!({"refresh_token": other["refresh_token"]})),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, _) = send(
        script()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": email, "password": "violet-harbor-lantern-42"})),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn registration_rules_are_the_pages() {
    let app = spawn_app().await;
    let email = unique_email("api-register");
    register(&app, &email).await;
    let (status, _, body) = send(
        script()
            .post(app.url("/api/v1/auth/register"))
            .json(&json!({"email": email, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["detail"]["field"], "email");
    let (status, _, body) = send(
        script()
            .post(app.url("/api/v1/auth/register"))
            .json(&json!({"email": "not-an-email", "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["detail"]["field"], "email");
    let (status, _, body) = send(
        script()
            .post(app.url("/api/v1/auth/register"))
            .json(&json!({"email": unique_email("api-weak"), "password": "short"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["detail"]["field"], "password");
    // Without a company name, a company of one's own named after the person.
    let (status, _, body) = send(script().post(app.url("/api/v1/auth/register")).json(
        &json!({"email": unique_email("api-solo"), "password": PASSWORD, "username": "solo.dev"}),
    ))
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["full_name"], "solo.dev");
    let (status, _, body) = send(
        script()
            .post(app.url("/api/v1/auth/register"))
            .body("{not json")
            .header("content-type", "application/json"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn api_keys_are_read_replaced_and_deleted_as_a_set_and_never_shown_in_clear() {
    let app = spawn_app().await;
    let tokens = register(&app, &unique_email("api-keys")).await["tokens"].clone();
    let auth = bearer(&tokens["access_token"]);
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut req = script()
            .request(method, app.url(path))
            .header("authorization", auth.clone());
        if let Some(b) = body {
            req = req.json(&b);
        }
        send(req)
    };
    use reqwest::Method;
    let (status, _, set) = call(Method::GET, "/api/v1/settings/api-keys", None).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["api_keys"], json!({}));

    let secret = "sk-live-0123456789abcdef";
    let (status, _, set) = call(
        Method::POST,
        "/api/v1/settings/api-keys",
        Some(json!({"api_keys": {"writing_service_key": secret, "my_tool_key": "abcdef123456"}})),
    )
    .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["api_keys"].as_object().unwrap().len(), 2);
    assert!(set["api_keys"]["writing_service_key"]
        .as_str()
        .unwrap()
        .ends_with("cdef"));
    assert!(
        !set.to_string().contains(secret),
        "values are masked: {set}"
    );

    // A body without the field changes nothing; a set without a name deletes it.
    let (_, _, same) = call(Method::POST, "/api/v1/settings/api-keys", Some(json!({}))).await;
    assert_eq!(same["api_keys"], set["api_keys"]);
    let (status, _, set) = call(
        Method::POST,
        "/api/v1/settings/api-keys",
        Some(json!({"api_keys": {"writing_service_key": secret}})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        set["api_keys"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["writing_service_key"]
    );

    // A bad value is a field error and changes nothing.
    let (status, _, err) = call(
        Method::POST,
        "/api/v1/settings/api-keys",
        Some(json!({"api_keys": {"writing_service_key": 42}})),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["detail"]["field"], "api_keys.writing_service_key");
    let (_, _, still) = call(Method::GET, "/api/v1/settings/api-keys", None).await;
    assert_eq!(still["api_keys"], set["api_keys"]);

    let (status, _, set) = call(
        Method::DELETE,
        "/api/v1/settings/api-keys/writing_service_key",
        None,
    )
    .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["api_keys"], json!({}));
    let (status, _, err) = call(
        Method::DELETE,
        "/api/v1/settings/api-keys/writing_service_key",
        None,
    )
    .await;
    assert_eq!(status, 404, "{err}");
    call(
        Method::POST,
        "/api/v1/settings/api-keys",
        Some(json!({"api_keys": {"a_key": "abcdef123456"}})),
    )
    .await;
    let (status, _, set) = call(
        Method::POST,
        "/api/v1/settings/api-keys",
        Some(json!({"api_keys": null})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(set["api_keys"], json!({}));
}

/// Deactivation ends a member's tokens for good: reactivating does not bring them back.
#[tokio::test]
async fn deactivation_ends_a_members_tokens_for_good() {
    let app = spawn_app().await;
    let admin_email = app.register("api-deact").await;
    let admin = common::person(&app, &admin_email).await;
    let (_, member_email) = common::add_member(&app, admin.tenant_id(), "api-deact-member").await;
    let member = common::person(&app, &member_email).await;
    let (status, _, signed_in) = send(
        script()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": member_email, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200, "{signed_in}");
    let access = signed_in["tokens"]["access_token"].clone();
    let me = || {
        send(
            script()
                .get(app.url("/api/v1/auth/me"))
                .header("authorization", bearer(&access)),
        )
    };
    assert_eq!(me().await.0, 200);
    let member_id = member.user.id.to_string();
    for active in ["false", "true"] {
        let (status, _, body) = app
            .call(
                "admin/members/active",
                &[("member_id", &member_id), ("active", active)],
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(
        me().await.0,
        401,
        "the old token stays revoked after reactivation"
    );
    let (status, _, _) = send(
        script()
            .post(app.url("/api/v1/auth/refresh"))
            .json(&json!({"refresh_token": signed_in["tokens"]["refresh_token"]})),
    )
    .await;
    assert_eq!(status, 401);
}

/// Thirty malformed requests across the JSON API: wrong types, huge strings, deep nesting,
/// invalid UTF-8, wrong content types, bad paths. Each is a 4xx in the error shape, never a
/// 500, and none is taken as valid.
#[tokio::test]
async fn malformed_bodies_are_4xx_in_the_error_shape() {
    let app = spawn_app().await;
    let tokens = register(&app, &unique_email("api-fuzz")).await["tokens"].clone();
    let auth = bearer(&tokens["access_token"]);
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let huge = "x".repeat(300 * 1024);
    let cases: Vec<(&str, &str, &str, Vec<u8>)> = vec![
        (
            "POST",
            "/api/v1/auth/register",
            "application/json",
            b"{}".to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/register",
            "application/json",
            br#"{"email": 5, "password": true}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/register",
            "text/plain",
            br#"{"email":"a@b.co","password":"x"}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/register",
            "application/json",
            b"\xff\xfe{".to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/register",
            "application/json",
            deep.clone().into_bytes(),
        ),
        (
            "POST",
            "/api/v1/auth/register",
            "application/json",
            format!(r#"{{"email":"{huge}@x.co","password":"p"}}"#).into_bytes(),
        ),
        (
            "POST",
            "/api/v1/auth/login",
            "application/x-www-form-urlencoded",
            b"username=%ff%fe&password=x".to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/login",
            "application/x-www-form-urlencoded",
            b"nothing=here".to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/login",
            "application/json",
            br#"{"username": ["a"], "password": {}}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/login",
            "application/json",
            b"null".to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/refresh",
            "application/json",
            br#"{"refresh_token": 12}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/refresh",
            "application/json",
            b"[]".to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/password-change",
            "application/json",
            br#"{"current_password": null}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/settings/api-keys",
            "application/json",
            br#"{"api_keys": []}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/settings/api-keys",
            "application/json",
            br#"{"api_keys": {"": "abcdefgh1234"}}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/settings/api-keys",
            "application/json",
            format!(r#"{{"api_keys": {{"k": "{huge}"}}}}"#).into_bytes(),
        ),
        (
            "POST",
            "/api/v1/settings/api-keys",
            "application/json",
            b"\"just a string\"".to_vec(),
        ),
        (
            "DELETE",
            "/api/v1/settings/api-keys/%ff%fe",
            "application/json",
            Vec::new(),
        ),
        (
            "POST",
            "/api/v1/auth/me/onboarding",
            "application/json",
            br#"{"completed_steps": [1, 2]}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/auth/me/onboarding",
            "application/json",
            deep.clone().into_bytes(),
        ),
        (
            "POST",
            "/api/v1/tasks",
            "application/json",
            br#"{"title": 42}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/tasks",
            "application/json",
            br#"{"title": "", "due_date": "tomorrow"}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/tasks",
            "application/json",
            format!(r#"{{"title": "{huge}"}}"#).into_bytes(),
        ),
        (
            "GET",
            "/api/v1/tasks/not-a-number",
            "application/json",
            Vec::new(),
        ),
        (
            "GET",
            "/api/v1/tasks/99999999999999999999999",
            "application/json",
            Vec::new(),
        ),
        (
            "PUT",
            "/api/v1/tasks/1",
            "application/json",
            br#"{"status": "flying"}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/ai/tasks/prioritization/prioritize",
            "application/json",
            br#"{"save_suggestions": "yes"}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/ai/email-analysis/analyze",
            "application/json",
            br#"{"messages": "all"}"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/ai/email-analysis/analyze",
            "application/json",
            br#"[{"sender": "a@b.co", "timestamp": {"when": 1}}]"#.to_vec(),
        ),
        (
            "POST",
            "/api/v1/ai/writing-assistance/suggest",
            "application/json",
            br#"{"text": ["a"]}"#.to_vec(),
        ),
    ];
    assert_eq!(cases.len(), 30);
    for (method, path, content_type, body) in cases {
        let req = script()
            .request(method.parse().unwrap(), app.url(path))
            .header("authorization", auth.clone())
            .header("content-type", content_type)
            .body(body);
        let (status, _, answer) = send(req).await;
        assert!(
            (400..500).contains(&status),
            "{method} {path}: {status} {answer}"
        );
        assert_eq!(
            answer["status_code"].as_u64(),
            Some(u64::from(status)),
            "{method} {path}: {answer}"
        );
        assert!(
            answer["code"].is_string() && answer["message"].is_string(),
            "{method} {path}: {answer}"
        );
    }
}

/// The whole API is limited per caller: each token has its own window, with the headers
/// on every answer and a 429 with `Retry-After` beyond it.
#[tokio::test]
async fn each_token_has_its_own_request_window() {
    let app = common::spawn_app_with(&[("DIGAME_API_REQUESTS_PER_MINUTE", "5")]).await;
    let first =
        register(&app, &unique_email("api-limit-1")).await["tokens"]["access_token"].clone();
    let second =
        register(&app, &unique_email("api-limit-2")).await["tokens"]["access_token"].clone();
    let me = |token: &Value| {
        send(
            script()
                .get(app.url("/api/v1/auth/me"))
                .header("authorization", bearer(token)),
        )
    };
    for remaining in (0..5).rev() {
        let (status, headers, _) = me(&first).await;
        assert_eq!(status, 200);
        assert_eq!(common::header(&headers, "x-ratelimit-limit"), "5");
        assert_eq!(
            common::header(&headers, "x-ratelimit-remaining"),
            remaining.to_string()
        );
    }
    let (status, headers, body) = me(&first).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "RATE_LIMITED");
    assert!(
        common::header(&headers, "retry-after")
            .parse::<u64>()
            .unwrap()
            <= 60
    );
    let (status, _, _) = me(&second).await;
    assert_eq!(status, 200, "another token is not affected");
}

/// Security issue, finding 2: 40 parallel wrong current passwords get at most the limit (5)
/// verified; the rest are refused before any hashing.
#[tokio::test]
async fn a_burst_of_wrong_current_passwords_gets_at_most_the_limit_verified() {
    let app = spawn_app().await;
    let tokens = register(&app, &unique_email("change-burst")).await["tokens"].clone();
    let auth = bearer(&tokens["access_token"]);
    let attempts = (0..40).map(|i| {
        let req = script()
            .post(app.url("/api/v1/auth/password-change"))
            .header("authorization", auth.clone())
            .json(&json!({"current_password": format!("wrong-guess-{i}"), "new_password": "violet-harbor-lantern-42"}));
        async move { send(req).await.0 }
    });
    let statuses = common::futures_join_all(attempts).await;
    let verified = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(verified <= 5, "{verified} verified: {statuses:?}");
    assert_eq!(verified + refused, 40, "{statuses:?}");
}

/// Security issue, finding 3: a made-up bearer token buys no window of its own; it counts
/// against the address it came from.
#[tokio::test]
async fn made_up_bearer_tokens_count_against_the_address() {
    let app = common::spawn_app_with(&[("DIGAME_API_REQUESTS_PER_MINUTE", "5")]).await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let (status, _, _) = send(
            script()
                .get(app.url("/api/v1/health"))
                .header("authorization", format!("Bearer junk{i}")),
        )
        .await;
        statuses.push(status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        7,
        "the address' five, then refusals: {statuses:?}"
    );
}

/// Every time the API answers is RFC 3339 in UTC, to the millisecond, whichever route
/// (the original service's or the ones added for the pages' work) gives it.
#[tokio::test]
async fn every_time_in_the_api_is_rfc_3339_utc() {
    let app = spawn_app().await;
    let email = unique_email("api-times");
    register(&app, &email).await;
    // A sign-in, so the activity and the members list have one to show.
    let (status, _, body) = send(
        script()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": email, "password": PASSWORD})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let auth = bearer(&body["tokens"]["access_token"]);
    let get = |path: &str| send(script().get(app.url(path)).header("authorization", &auth));
    let (status, _, made) = send(
        script()
            .post(app.url("/api/v1/account/tokens"))
            .header("authorization", &auth)
            .json(&json!({"name": "times", "expires_in_days": 30})),
    )
    .await;
    assert_eq!(status, 201, "{made}");

    let (status, _, invited) = send(
        script()
            .post(app.url("/api/v1/admin/invitations"))
            .header("authorization", &auth)
            .json(&json!({"email": unique_email("api-times-invitee"), "role": "member"})),
    )
    .await;
    assert_eq!(status, 201, "{invited}");

    let me = get("/api/v1/auth/me").await.2;
    let tokens = get("/api/v1/account/tokens").await.2;
    let activity = get("/api/v1/account/activity").await.2;
    let audit = get("/api/v1/admin/audit").await.2;
    let members = get("/api/v1/admin/members").await.2;
    let times = [
        &me["created_at"],
        &me["updated_at"],
        &made["expires"],
        &tokens["tokens"][0]["created"],
        &tokens["tokens"][0]["expires"],
        &activity[0]["at"],
        &audit["rows"][0]["when"],
        &members["invitations"][0]["expires"],
    ];
    for (i, t) in times.into_iter().enumerate() {
        let t = t.as_str().unwrap_or_else(|| panic!("time {i}: {t}"));
        let parsed = chrono::DateTime::parse_from_rfc3339(t).expect(t);
        assert_eq!(parsed.offset().local_minus_utc(), 0, "{t} is UTC");
        assert!(
            t.ends_with('Z') && t.len() == "2026-03-07T14:05:09.500Z".len(),
            "{t}"
        );
    }
}
