//! "A script can do everything a person can do on the pages": the tools and admin routes of
//! `/api/v1` driven with a personal access token (of the widest scope the person may make),
//! the account routes with the access token of a sign-in (no personal token reaches them),
//! with the refusals (validation 422, 404 for what is not the caller's, 403 for
//! members on admin routes) and cross-tenant isolation.

use crate::common;

use common::{add_member, person, spawn_app, TestApp, PASSWORD};
use digame::entities::{audit_events, users};
use digame::features::auth::totp::{code_at, from_base32, step_of};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

/// A script holding one bearer token.
struct Script<'a> {
    app: &'a TestApp,
    token: String,
}

impl Script<'_> {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = common::new_client()
            .request(method, self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }
    async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// Sets up two-factor sign-in as a person would: start, a wrong code refused, then the
    /// authenticator's current code. Returns the recovery codes.
    async fn enable_two_factor(&self) -> Vec<Value> {
        let (status, state) = self.post("/account/two-factor/start", json!({})).await;
        assert_eq!(status, 200, "{state}");
        let secret = from_base32(state["pending"]["secret"].as_str().unwrap()).unwrap();
        let (status, body) = self
            .post("/account/two-factor/enable", json!({"code": "000000x"}))
            .await;
        assert!((400..500).contains(&status), "{body}");
        let (status, codes) = self
            .post(
                "/account/two-factor/enable",
                json!({"code": code_at(&secret, step_of(chrono::Utc::now()))}),
            )
            .await;
        assert_eq!(status, 200, "{codes}");
        codes["recovery_codes"].as_array().unwrap().clone()
    }
}

/// A personal access token made on the security page by the person signed in on `client`,
/// with the widest scope they may choose (Admin for admins, else Read and write).
async fn token_of<'a>(app: &'a TestApp, client: &reqwest::Client) -> Script<'a> {
    let mut made = None;
    for scope in ["admin", "write"] {
        let (status, _, body) = app
            .call_with(
                client,
                "tokens/create",
                &[
                    ("name", "script"),
                    ("expires_in_days", "30"),
                    ("scope", scope),
                ],
            )
            .await;
        if status == 200 {
            made = Some(body);
            break;
        }
        assert_eq!(field(&body), Some("scope"), "{body}");
    }
    Script {
        app,
        token: made.expect("a token")["secret"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

/// The access token of a sign-in with the password (`POST /api/v1/auth/login`): the
/// person themselves, as the account routes need (no personal token reaches them).
async fn signed_in_of<'a>(app: &'a TestApp, email: &str) -> Script<'a> {
    let res = common::new_client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    Script {
        app,
        token: body["tokens"]["access_token"].as_str().unwrap().to_owned(),
    }
}

fn field(body: &Value) -> Option<&str> {
    body["detail"]["field"].as_str()
}

#[tokio::test]
async fn a_token_does_the_account_pages_work() {
    let app = spawn_app().await;
    let email = app.register("parity").await;
    let script = token_of(&app, &app.client).await;
    // The account itself (tokens, two-factor, sessions, deletion) is the person's, signed in.
    let person_script = signed_in_of(&app, &email).await;

    // Tokens: made (the secret shown once), listed, revoked.
    let (status, body) = person_script
        .post(
            "/account/tokens",
            json!({"name": "nightly", "expires_in_days": 14}),
        )
        .await;
    assert_eq!(
        (status, field(&body)),
        (422, Some("expires_in_days")),
        "{body}"
    );
    let (status, made) = person_script
        .post(
            "/account/tokens",
            json!({"name": "nightly", "expires_in_days": 7}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    assert!(made["secret"].as_str().unwrap().starts_with("dgp_"));
    let (_, list) = script.get("/account/tokens").await;
    let names: Vec<&str> = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["nightly", "script"], "{list}");
    assert!(!list.to_string().contains(made["secret"].as_str().unwrap()));
    let id = list["tokens"][0]["id"].as_i64().unwrap();
    assert_eq!(script.delete(&format!("/account/tokens/{id}")).await.0, 204);
    assert_eq!(script.delete(&format!("/account/tokens/{id}")).await.0, 404);
    let nightly = Script {
        app: &app,
        token: made["secret"].as_str().unwrap().to_owned(),
    };
    assert_eq!(nightly.get("/auth/me").await.0, 401, "revoked");

    // The dashboard's cards.
    let (status, cards) = script.get("/tools").await;
    assert_eq!(status, 200, "{cards}");
    assert_eq!(cards.as_array().unwrap().len(), 6);
    assert!(cards
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["flag"] == "intelligent_task_prioritization"));

    // Kept results: validated, listed per tool with the result as JSON, deleted once.
    let (status, body) = script.get("/saved-results").await;
    assert_eq!((status, field(&body)), (422, Some("tool")), "{body}");
    let (status, body) = script
        .post(
            "/saved-results",
            json!({"tool": "writing_assistance", "title": "", "result": {"a": 1}}),
        )
        .await;
    assert_eq!((status, field(&body)), (422, Some("title")), "{body}");
    let (status, kept) = script
        .post(
            "/saved-results",
            json!({"tool": "writing_assistance", "title": "Intro", "result": {"improved_text": "Hello."}}),
        )
        .await;
    assert_eq!(status, 201, "{kept}");
    let (_, list) = script.get("/saved-results?tool=writing_assistance").await;
    assert_eq!(list["results"][0]["title"], "Intro", "{list}");
    assert_eq!(list["results"][0]["result"]["improved_text"], "Hello.");
    assert_eq!(
        list["paging"],
        json!({"page": 1, "per_page": 50, "has_more": false})
    );
    let kept_id = kept["id"].as_i64().unwrap();
    // Another company's person reaches neither this result nor this person's tokens.
    let other_client = common::new_client();
    app.register_with(&other_client, "parity-other").await;
    let other = token_of(&app, &other_client).await;
    assert_eq!(
        other.delete(&format!("/saved-results/{kept_id}")).await.0,
        404
    );
    let (_, mine) = script.get("/account/tokens").await;
    let script_token = mine["tokens"][0]["id"].as_i64().unwrap();
    assert_eq!(
        other
            .delete(&format!("/account/tokens/{script_token}"))
            .await
            .0,
        404
    );
    assert_eq!(script.get("/auth/me").await.0, 200);
    assert_eq!(
        other.get("/saved-results?tool=writing_assistance").await.1["results"],
        json!([])
    );
    assert_eq!(
        script.delete(&format!("/saved-results/{kept_id}")).await.0,
        204
    );
    assert_eq!(
        script.delete(&format!("/saved-results/{kept_id}")).await.0,
        404
    );

    // The key test: a key not stored is a 404, a custom key is checked for its format.
    assert_eq!(
        script
            .post("/settings/api-keys/writing_service_key/test", json!({}))
            .await
            .0,
        404
    );
    script
        .post(
            "/settings/api-keys",
            json!({"api_keys": {"my_custom_key": "sk-custom-0123456789"}}),
        )
        .await;
    let (status, check) = script
        .post("/settings/api-keys/my_custom_key/test", json!({}))
        .await;
    assert_eq!(
        (status, check["outcome"].as_str()),
        (200, Some("format_ok")),
        "{check}"
    );

    // Recent sign-ins (the registration signed this person in).
    let (status, rows) = script.get("/account/activity").await;
    assert_eq!(status, 200, "{rows}");
    assert!(rows.is_array());

    // Two-factor sign-in: set up with the app's first code, off with a recovery code.
    let (_, state) = script.get("/account/two-factor").await;
    assert_eq!(state["enabled"], false, "{state}");
    let codes = person_script.enable_two_factor().await;
    assert_eq!(codes.len(), 10);
    assert_eq!(script.get("/account/two-factor").await.1["enabled"], true);
    let (status, body) = person_script
        .post("/account/two-factor/disable", json!({"code": codes[0]}))
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(script.get("/account/two-factor").await.1["enabled"], false);

    // The export is the person's, and recorded.
    let (status, export) = script.get("/account/export").await;
    assert_eq!(status, 200, "{export}");
    assert!(export.to_string().contains(&email.to_lowercase()));
    assert!(!export.to_string().contains("sk-custom-0123456789"));
    let me = person(&app, &email).await;
    let exported = audit_events::Entity::find()
        .filter(audit_events::Column::ActorUserId.eq(me.user.id))
        .filter(audit_events::Column::Action.eq("account.exported"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(exported.len(), 1);

    // Ending the browser sessions signs the page's browser out; the token goes on.
    assert_eq!(
        person_script
            .post("/account/sessions/end", json!({}))
            .await
            .0,
        204
    );
    assert_eq!(app.me_with(&app.client).await, Value::Null, "signed out");
    assert_eq!(script.get("/auth/me").await.0, 200);

    // Deleting the account needs the password; then the token is gone with it.
    let (status, body) = person_script
        .post("/account/delete", json!({"password": "not the password"}))
        .await;
    assert!((400..500).contains(&status), "{body}");
    assert_eq!(
        person_script
            .post("/account/delete", json!({"password": PASSWORD}))
            .await
            .0,
        204
    );
    assert_eq!(script.get("/auth/me").await.0, 401);
    assert!(users::Entity::find_by_id(me.user.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_token_does_the_admin_pages_work_and_only_an_admins_does() {
    let app = spawn_app().await;
    let admin_email = app.register("parity-admin").await;
    let tenant = person(&app, &admin_email).await.tenant_id();
    let admin = token_of(&app, &app.client).await;
    let (member_client, member_email) = add_member(&app, tenant, "parity-member").await;
    let member = token_of(&app, &member_client).await;
    let member_id = person(&app, &member_email).await.user.id;

    // Members are refused every admin route.
    for path in [
        "/admin/features",
        "/admin/members",
        "/admin/audit",
        "/admin/ai",
        "/admin/tokens",
        "/admin/onboarding-funnel",
    ] {
        let (status, body) = member.get(path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("FORBIDDEN")),
            "{path}: {body}"
        );
        assert_eq!(admin.get(path).await.0, 200, "{path}");
    }
    let (status, _) = member
        .put(
            "/admin/features/writing_assistance",
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, 403);

    // Flags: switched within the plan; an unknown tool names nothing.
    let (status, view) = admin
        .put(
            "/admin/features/writing_assistance",
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    let row = view["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["flag"] == "writing_assistance")
        .unwrap()
        .clone();
    assert_eq!(row["enabled"], false);
    let card = member.get("/tools").await.1;
    let card = card
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["flag"] == "writing_assistance")
        .unwrap()
        .clone();
    assert_eq!(card["access"]["state"], "SwitchedOff", "{card}");
    assert_eq!(
        admin
            .put("/admin/features/nope", json!({"enabled": true}))
            .await
            .0,
        404
    );
    let (status, body) = admin
        .put("/admin/two-factor", json!({"required": true}))
        .await;
    assert!(
        (400..500).contains(&status),
        "the admin has no second factor yet: {body}"
    );
    // With their own second factor on, the admin requires it of everyone; the answer shows
    // the company as it is after the change, not as the request found it.
    signed_in_of(&app, &admin_email)
        .await
        .enable_two_factor()
        .await;
    for required in [true, false] {
        let (status, view) = admin
            .put("/admin/two-factor", json!({ "required": required }))
            .await;
        assert_eq!(
            (status, view["require_two_factor"].as_bool()),
            (200, Some(required)),
            "{view}"
        );
    }

    // Members: roles and deactivation, validated.
    let (status, body) = admin
        .put(
            &format!("/admin/members/{member_id}/role"),
            json!({"role": "owner"}),
        )
        .await;
    assert_eq!((status, field(&body)), (422, Some("role")), "{body}");
    let (status, view) = admin
        .put(
            &format!("/admin/members/{member_id}/role"),
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert!(view["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["id"] == member_id && m["is_admin"] == true));
    admin
        .put(
            &format!("/admin/members/{member_id}/role"),
            json!({"role": "member"}),
        )
        .await;

    // Invitations: made (the link once), withdrawn.
    let (status, body) = admin
        .post(
            "/admin/invitations",
            json!({"email": "not an address", "role": "member"}),
        )
        .await;
    assert_eq!((status, field(&body)), (422, Some("email")), "{body}");
    let (status, invited) = admin
        .post(
            "/admin/invitations",
            json!({"email": "newcomer@example.com", "role": "member"}),
        )
        .await;
    assert_eq!(status, 201, "{invited}");
    assert!(
        invited["link"]
            .as_str()
            .unwrap()
            .contains("/register?invite="),
        "{invited}"
    );
    let (_, view) = admin.get("/admin/members").await;
    let invitation = view["invitations"][0]["id"].as_i64().unwrap();
    // Members come a page at a time, by name; the invitations and the count of active
    // administrators (the last one cannot step down) are whole on every page.
    let everyone = view["members"].as_array().unwrap().len();
    assert!(everyone >= 2, "{view}");
    let (status, last) = admin
        .get(&format!("/admin/members?per_page=1&page={everyone}"))
        .await;
    assert_eq!(status, 200, "{last}");
    assert_eq!(last["members"].as_array().unwrap().len(), 1);
    assert_eq!(last["members"][0], view["members"][everyone - 1]);
    assert_eq!(
        last["paging"],
        json!({"page": everyone, "per_page": 1, "has_more": false})
    );
    assert_eq!(last["active_admins"], view["active_admins"]);
    assert!(view["active_admins"].as_u64().unwrap() >= 1);
    assert_eq!(last["invitations"], view["invitations"]);
    assert_eq!(
        admin
            .delete(&format!("/admin/invitations/{invitation}"))
            .await
            .0,
        204
    );
    assert_eq!(
        admin.get("/admin/members").await.1["invitations"],
        json!([])
    );

    // Where AI calls go: validated like the page.
    let (status, body) = admin
        .put(
            "/admin/ai/writing_assistance",
            json!({"base_url": "ftp://example.com", "model": "m"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // Members' tokens: listed with their owner, revoked.
    let (_, tokens) = admin.get("/admin/tokens").await;
    let theirs = tokens["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["owner_email"] == member_email.to_lowercase().as_str())
        .expect("the member's token is listed")
        .clone();
    // A member cannot revoke it through their own route with an admin's id, and the
    // admin's own-token route does not reach a member's token either.
    let token_id = theirs["token"]["id"].as_i64().unwrap();
    assert_eq!(
        admin.delete(&format!("/account/tokens/{token_id}")).await.0,
        404
    );
    assert_eq!(member.get("/auth/me").await.0, 200);

    // Another company's admin reaches none of it.
    let outsider_client = common::new_client();
    app.register_with(&outsider_client, "parity-outsider").await;
    let outsider = token_of(&app, &outsider_client).await;
    assert_eq!(
        outsider
            .put(
                &format!("/admin/members/{member_id}/active"),
                json!({"active": false})
            )
            .await
            .0,
        404
    );
    assert_eq!(
        outsider
            .delete(&format!("/admin/tokens/{token_id}"))
            .await
            .0,
        404
    );
    assert_eq!(
        outsider
            .delete(&format!("/admin/invitations/{invitation}"))
            .await
            .0,
        404
    );
    assert_eq!(member.get("/auth/me").await.0, 200);

    assert_eq!(
        admin.delete(&format!("/admin/tokens/{token_id}")).await.0,
        204
    );
    assert_eq!(member.get("/auth/me").await.0, 401, "revoked by the admin");

    // Deactivation ends the member's access.
    let member_again = token_of(&app, &member_client).await;
    assert_eq!(member_again.get("/auth/me").await.0, 200);
    let (status, _) = admin
        .put(
            &format!("/admin/members/{member_id}/active"),
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(member_again.get("/auth/me").await.0, 401);

    // A query parameter out of range is a 422 naming it.
    let (status, body) = admin.get("/admin/audit?page=9223372036854775808").await;
    assert_eq!((status, field(&body)), (422, Some("page")), "{body}");

    // The audit log has what the script did, filterable by action.
    let (status, log) = admin.get("/admin/audit?action=feature.disabled").await;
    assert_eq!(status, 200, "{log}");
    assert!(log["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["action"] == "feature.disabled"));
    assert!(!log["rows"].as_array().unwrap().is_empty(), "{log}");
}
