//! SCIM 2.0 provisioning over HTTP, with requests shaped as Okta and Microsoft Entra ID send
//! them (bodies as their documentation and logs show: Okta's lower-case operations and
//! pathless `{"active": false}`, Entra's capitalised `Replace`/`Add`/`Remove`, `"False"` as a
//! string, value paths and member removal by a `value` list). Covers: the token (made on the
//! admin page, hashed, replaced, revoked; another company's token sees nothing of this one);
//! the user lifecycle (match by filter, create, take over an invited account, change,
//! deactivate — which ends the person's session at once —, reactivate, delete); groups and
//! their members; unsupported filters as errors, never "no match"; the last administrator kept.

use crate::common::{add_member, new_client, person, spawn_app, unique_email, TestApp};
use digame::entities::{audit_events, group_members, users};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The signed-in admin (on `app.client`) makes the company's token on the admin page.
async fn make_token(app: &TestApp) -> String {
    let (code, _, body) = app.call("admin/scim/token", &[]).await;
    assert_eq!(code, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("digame_scim_"), "{token}");
    assert_eq!(body["base_url"], app.url("/scim/v2"));
    token
}

/// One SCIM request; answers the status and the JSON body (Null when empty).
async fn scim(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, app.url(&format!("/scim/v2{path}")))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req
            .header("content-type", "application/scim+json")
            .body(body.to_string());
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    if status != 204 && status < 500 {
        let kind = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(kind.as_deref(), Some("application/scim+json"), "{path}");
    }
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, body)
}

fn filter(expr: &str) -> String {
    format!("?filter={}", urlencoding(expr))
}

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn account(app: &TestApp, email: &str) -> Option<users::Model> {
    users::Entity::find()
        .filter(users::Column::Email.eq(email.to_lowercase()))
        .one(&app.state.db)
        .await
        .unwrap()
}

async fn actions(app: &TestApp, tenant_id: i64) -> Vec<String> {
    audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(tenant_id))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn the_token_opens_scim_for_its_company_only() {
    let app = spawn_app().await;
    let admin_email = app.register("scim-token").await;
    let admin = person(&app, &admin_email).await;

    // No token, a made-up one, and a personal API token: refused in SCIM's shape.
    let (code, body) = scim(&app, "nothing", Method::GET, "/Users", None).await;
    assert_eq!(
        (code, body["schemas"][0].as_str(), body["status"].as_str()),
        (401, Some(ERROR), Some("401")),
        "{body}"
    );
    let res = reqwest::Client::new()
        .get(app.url("/scim/v2/Users"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");

    let first = make_token(&app).await;
    let (code, body) = scim(&app, &first, Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["patch"]["supported"], true);
    assert_eq!(body["filter"]["supported"], true);
    let (code, body) = scim(&app, &first, Method::GET, "/Schemas", None).await;
    assert_eq!(
        (code, body["totalResults"].as_u64()),
        (200, Some(2)),
        "{body}"
    );
    let (code, body) = scim(&app, &first, Method::GET, "/ResourceTypes/User", None).await;
    assert_eq!(
        (code, body["endpoint"].as_str()),
        (200, Some("/Users")),
        "{body}"
    );
    let (code, body) = scim(&app, &first, Method::GET, "/Users", None).await;
    assert_eq!(
        (code, body["totalResults"].as_u64()),
        (200, Some(1)),
        "the admin: {body}"
    );
    assert_eq!(body["Resources"][0]["userName"], admin_email.to_lowercase());

    // Only the hash is stored; the admin page shows its end and when it was used.
    let stored = digame::entities::scim_tokens::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, first);
    assert!(first.ends_with(&stored.hint));
    let (_, _, view) = app.call("admin/scim", &[]).await;
    assert_eq!(view["token"]["hint"], stored.hint);
    assert!(view["token"]["last_used_at"].is_string(), "{view}");

    // A new token ends the first.
    let second = make_token(&app).await;
    assert_eq!(scim(&app, &first, Method::GET, "/Users", None).await.0, 401);
    assert_eq!(
        scim(&app, &second, Method::GET, "/Users", None).await.0,
        200
    );

    // Another company's token sees its own people only, and not this company's by id.
    let other = new_client();
    let other_email = app.register_with(&other, "scim-other").await;
    let (code, _, body) = app.call_with(&other, "admin/scim/token", &[]).await;
    assert_eq!(code, 200, "{body}");
    let theirs = body["token"].as_str().unwrap().to_owned();
    let (_, body) = scim(&app, &theirs, Method::GET, "/Users", None).await;
    assert_eq!(body["totalResults"], 1);
    assert_eq!(body["Resources"][0]["userName"], other_email.to_lowercase());
    let (code, _) = scim(
        &app,
        &theirs,
        Method::GET,
        &format!("/Users/{}", admin.user.id),
        None,
    )
    .await;
    assert_eq!(code, 404);
    let (code, _) = scim(
        &app,
        &theirs,
        Method::PATCH,
        &format!("/Users/{}", admin.user.id),
        Some(json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "value": { "active": false } }] })),
    )
    .await;
    assert_eq!(
        code, 404,
        "another company's provider cannot touch this account"
    );

    // Revoked: refused; a second revoke says there is none. A member cannot make one.
    let (code, _, body) = app.call("admin/scim/revoke", &[]).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        scim(&app, &second, Method::GET, "/Users", None).await.0,
        401
    );
    let (code, _, _) = app.call("admin/scim/revoke", &[]).await;
    assert_eq!(code, 404);
    let (member, _) = add_member(&app, admin.tenant_id(), "scim-member").await;
    let (code, _, _) = app.call_with(&member, "admin/scim/token", &[]).await;
    assert_eq!(code, 403);

    let done = actions(&app, admin.tenant_id()).await;
    assert_eq!(
        done.iter().filter(|a| *a == "scim.token_created").count(),
        2,
        "{done:?}"
    );
    assert!(done.contains(&"scim.token_revoked".to_owned()), "{done:?}");
}

#[tokio::test]
async fn okta_provisions_changes_and_deactivates_a_person() {
    let app = spawn_app().await;
    let admin_email = app.register("scim-okta").await;
    let admin = person(&app, &admin_email).await;
    let token = make_token(&app).await;
    let email = unique_email("okta.user");

    // Okta looks the person up first; no match is an empty list.
    let (code, body) = scim(
        &app,
        &token,
        Method::GET,
        &format!(
            "/Users{}&startIndex=1&count=100",
            filter(&format!("userName eq \"{email}\""))
        ),
        None,
    )
    .await;
    assert_eq!(
        (code, body["totalResults"].as_u64()),
        (200, Some(0)),
        "{body}"
    );

    // Okta's create (it sends a password and groups; neither is taken).
    let (code, created) = scim(
        &app,
        &token,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": [USER],
            "userName": email,
            "name": { "givenName": "Test", "familyName": "User" },
            "emails": [{ "primary": true, "value": email, "type": "work" }],
            "displayName": "Test User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [],
            "password": "1mz050nq",
            "active": true
        })),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["userName"], email.as_str());
    assert_eq!(created["externalId"], "00ujl29u0le5T6Aj10h7");
    assert_eq!(created["name"]["givenName"], "Test");
    assert_eq!(created["active"], true);
    assert_eq!(
        created["meta"]["location"],
        app.url(&format!("/scim/v2/Users/{id}"))
    );
    assert!(created.get("password").is_none());
    let user = account(&app, &email).await.expect("an account");
    assert_eq!(
        (user.tenant_id, user.display_name.as_str(), user.active),
        (admin.tenant_id(), "Test User", true)
    );
    assert_eq!(user.password_hash, digame::crypto::passwords::NO_PASSWORD);

    // The same userName again (in another case) is a uniqueness conflict.
    let (code, body) = scim(
        &app,
        &token,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": [USER], "userName": email.to_uppercase(), "active": true
        })),
    )
    .await;
    assert_eq!(
        (code, body["scimType"].as_str()),
        (409, Some("uniqueness")),
        "{body}"
    );

    // Found by userName (any case) and by externalId.
    let (_, body) = scim(
        &app,
        &token,
        Method::GET,
        &format!(
            "/Users{}",
            filter(&format!("userName eq \"{}\"", email.to_uppercase()))
        ),
        None,
    )
    .await;
    assert_eq!(body["Resources"][0]["id"], id.as_str(), "{body}");
    let (_, body) = scim(
        &app,
        &token,
        Method::GET,
        &format!("/Users{}", filter("externalId eq \"00ujl29u0le5T6Aj10h7\"")),
        None,
    )
    .await;
    assert_eq!(body["totalResults"], 1, "{body}");

    // Okta's profile update is a PUT of the whole user.
    let (code, body) = scim(&app, &token, Method::PUT, &format!("/Users/{id}"), Some(json!({
        "schemas": [USER], "id": id, "userName": email,
        "name": { "givenName": "Another", "familyName": "User" },
        "emails": [{ "primary": true, "value": email, "type": "work" }],
        "displayName": "Another User", "externalId": "00ujl29u0le5T6Aj10h7", "groups": [], "active": true
    }))).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["name"]["givenName"], "Another");
    assert_eq!(
        account(&app, &email).await.unwrap().display_name,
        "Another User"
    );

    // A person with a session: Okta's deactivation ends it at once, and their API tokens.
    let (signed_in, member_email) = add_member(&app, admin.tenant_id(), "scim-okta-member").await;
    assert!(app.me_with(&signed_in).await.is_object());
    let (_, found) = scim(
        &app,
        &token,
        Method::GET,
        &format!(
            "/Users{}",
            filter(&format!("userName eq \"{member_email}\""))
        ),
        None,
    )
    .await;
    assert_eq!(
        found["totalResults"], 1,
        "an invited account answers to its address: {found}"
    );
    let member_id = found["Resources"][0]["id"].as_str().unwrap().to_owned();
    let (code, body) = scim(
        &app,
        &token,
        Method::PATCH,
        &format!("/Users/{member_id}"),
        Some(json!({
            "schemas": [PATCH], "Operations": [{ "op": "replace", "value": { "active": false } }]
        })),
    )
    .await;
    assert_eq!((code, &body["active"]), (200, &json!(false)), "{body}");
    assert_eq!(
        app.me_with(&signed_in).await,
        Value::Null,
        "the session ended"
    );
    assert!(!account(&app, &member_email).await.unwrap().active);
    // Back again: a free place is taken; the old session stays ended.
    let (code, body) = scim(
        &app,
        &token,
        Method::PATCH,
        &format!("/Users/{member_id}"),
        Some(json!({
            "schemas": [PATCH], "Operations": [{ "op": "replace", "value": { "active": true } }]
        })),
    )
    .await;
    assert_eq!((code, &body["active"]), (200, &json!(true)), "{body}");
    assert_eq!(app.me_with(&signed_in).await, Value::Null);

    // The last administrator is not deactivated by the provider either.
    let (code, body) = scim(&app, &token, Method::PATCH, &format!("/Users/{}", admin.user.id), Some(json!({
        "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "active", "value": false }]
    }))).await;
    assert_eq!(code, 409, "{body}");
    assert!(account(&app, &admin_email).await.unwrap().active);

    // Okta's groups: pushed with members, renamed, members changed.
    let (code, group) = scim(&app, &token, Method::POST, "/Groups", Some(json!({
        "schemas": [GROUP], "displayName": "Sales", "members": [{ "value": id, "display": email }]
    }))).await;
    assert_eq!(code, 201, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    assert_eq!(group["members"][0]["value"], id.as_str());
    let (code, body) = scim(
        &app,
        &token,
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(json!({
            "schemas": [PATCH],
            "Operations": [
                { "op": "replace", "value": { "id": gid, "displayName": "Sales EMEA" } },
                { "op": "add", "path": "members", "value": [{ "value": member_id }] },
                { "op": "remove", "path": format!("members[value eq \"{id}\"]") }
            ]
        })),
    )
    .await;
    assert_eq!(code, 400, "id is read-only: {body}");
    let (code, body) = scim(
        &app,
        &token,
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(json!({
            "schemas": [PATCH],
            "Operations": [
                { "op": "replace", "value": { "displayName": "Sales EMEA" } },
                { "op": "add", "path": "members", "value": [{ "value": member_id }] },
                { "op": "remove", "path": format!("members[value eq \"{id}\"]") }
            ]
        })),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["displayName"], "Sales EMEA");
    assert_eq!(body["members"].as_array().map(Vec::len), Some(1), "{body}");
    let rows = group_members::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].user_id.to_string(), rows[0].source.as_str()),
        (member_id.clone(), "scim")
    );
    let (_, user) = scim(
        &app,
        &token,
        Method::GET,
        &format!("/Users/{member_id}"),
        None,
    )
    .await;
    assert_eq!(user["groups"][0]["display"], "Sales EMEA", "{user}");
    // The admin's Groups page shows it.
    let (_, _, view) = app.call("admin/groups", &[]).await;
    assert!(view.to_string().contains("Sales EMEA"), "{view}");

    let done = actions(&app, admin.tenant_id()).await;
    for action in [
        "scim.account_created",
        "scim.account_changed",
        "member.deactivated",
        "member.reactivated",
        "group.created",
        "group.renamed",
        "group.member_added",
        "group.member_removed",
    ] {
        assert!(done.iter().any(|a| a == action), "{action} in {done:?}");
    }
}

#[tokio::test]
async fn entra_shaped_requests_work_and_unsupported_filters_are_errors() {
    let app = spawn_app().await;
    let admin_email = app.register("scim-entra").await;
    let admin = person(&app, &admin_email).await;
    let token = make_token(&app).await;
    let upn = unique_email("Test_User_ab6490ee");
    let mail = unique_email("Test_User_fd0ea19b");

    // Entra's probe: a userName that exists nowhere, with a filter Entra sends.
    let (code, body) = scim(
        &app,
        &token,
        Method::GET,
        &format!("/Users{}", filter("userName eq \"non-existent-user-9a1b\"")),
        None,
    )
    .await;
    assert_eq!(
        (
            code,
            body["totalResults"].as_u64(),
            body["Resources"].as_array().map(Vec::len)
        ),
        (200, Some(0), Some(0)),
        "{body}"
    );
    // Filters Digame does not answer are errors (Entra makes duplicates on "no match").
    for f in [
        "emails[type eq \"work\"].value eq \"a@b.c\"",
        "userName sw \"Test\"",
        "displayName eq \"x\"",
        "userName eq \"a\" or userName eq \"b\"",
        "userName eq",
    ] {
        let (code, body) = scim(
            &app,
            &token,
            Method::GET,
            &format!("/Users{}", filter(f)),
            None,
        )
        .await;
        assert_eq!(
            (code, body["scimType"].as_str()),
            (400, Some("invalidFilter")),
            "{f}: {body}"
        );
    }

    let (code, created) = scim(&app, &token, Method::POST, "/Users", Some(json!({
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": upn,
        "active": true,
        "emails": [{ "primary": true, "type": "work", "value": mail }],
        "meta": { "resourceType": "User" },
        "name": { "formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName" },
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "Sales" }
    }))).await;
    assert_eq!(code, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    // userName is an address: it is the sign-in address; the name comes from `formatted`.
    let user = account(&app, &upn).await.expect("signs in as the userName");
    assert_eq!(user.display_name, "givenName familyName");
    assert_eq!(created["emails"][0]["value"], mail.as_str());

    // Entra's capitalised operations with value paths.
    let (code, body) = scim(&app, &token, Method::PATCH, &format!("/Users/{id}"), Some(json!({
        "schemas": [PATCH],
        "Operations": [
            { "op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated.email@contoso.test" },
            { "op": "Replace", "path": "name.familyName", "value": "updatedFamilyName" },
            { "op": "Add", "path": "displayName", "value": "Updated Name" },
            { "op": "Add", "path": "externalId", "value": "new-external" }
        ]
    }))).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["emails"][0]["value"], "updated.email@contoso.test");
    assert_eq!(body["name"]["familyName"], "updatedFamilyName");
    assert_eq!(body["name"]["givenName"], "givenName");
    assert_eq!(body["externalId"], "new-external");
    assert_eq!(
        account(&app, &upn).await.unwrap().display_name,
        "Updated Name"
    );

    // Entra's soft delete: "False" as a string.
    let (code, body) = scim(&app, &token, Method::PATCH, &format!("/Users/{id}"), Some(json!({
        "schemas": [PATCH], "Operations": [{ "op": "Replace", "path": "active", "value": "False" }]
    }))).await;
    assert_eq!((code, &body["active"]), (200, &json!(false)), "{body}");
    assert!(!account(&app, &upn).await.unwrap().active);

    // A PATCH that cannot be read says why.
    let (code, body) = scim(
        &app,
        &token,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(json!({
            "schemas": [PATCH], "Operations": [{ "op": "Jump", "path": "active" }]
        })),
    )
    .await;
    assert_eq!(
        (code, body["scimType"].as_str()),
        (400, Some("invalidSyntax")),
        "{body}"
    );
    let (code, body) = scim(
        &app,
        &token,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(json!({
            "schemas": [PATCH], "Operations": [{ "op": "Replace", "path": "userName", "value": "" }]
        })),
    )
    .await;
    assert_eq!(
        (code, body["scimType"].as_str()),
        (400, Some("invalidValue")),
        "{body}"
    );
    let (code, body) = scim(
        &app,
        &token,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": [USER], "userName": "not-an-address"
        })),
    )
    .await;
    assert_eq!(
        (code, body["scimType"].as_str()),
        (400, Some("invalidValue")),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("email address"),
        "{body}"
    );

    // Entra's groups: created empty, found by displayName without members, members added and
    // removed by value lists.
    let (code, group) = scim(
        &app,
        &token,
        Method::POST,
        "/Groups",
        Some(json!({
            "schemas": [GROUP], "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "Engineering", "members": []
        })),
    )
    .await;
    assert_eq!(code, 201, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    let (code, body) = scim(
        &app,
        &token,
        Method::GET,
        &format!(
            "/Groups{}&excludedAttributes=members",
            filter("displayName eq \"engineering\"")
        ),
        None,
    )
    .await;
    assert_eq!(
        (code, body["totalResults"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
    assert_eq!(
        body["Resources"][0]["externalId"],
        "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
    );
    let (code, body) = scim(&app, &token, Method::PATCH, &format!("/Groups/{gid}"), Some(json!({
        "schemas": [PATCH], "Operations": [{ "op": "Add", "path": "members", "value": [{ "value": id }, { "value": admin.user.id.to_string() }] }]
    }))).await;
    assert_eq!(
        (code, body["members"].as_array().map(Vec::len)),
        (200, Some(2)),
        "{body}"
    );
    let (code, body) = scim(&app, &token, Method::PATCH, &format!("/Groups/{gid}"), Some(json!({
        "schemas": [PATCH], "Operations": [{ "op": "Remove", "path": "members", "value": [{ "value": id }] }]
    }))).await;
    assert_eq!(
        (code, body["members"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{body}"
    );
    let (code, body) = scim(
        &app,
        &token,
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(json!({
            "schemas": [PATCH], "Operations": [{ "op": "remove", "path": "members" }]
        })),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert!(
        body.get("members").is_none(),
        "every member removed: {body}"
    );
    let (code, body) = scim(
        &app,
        &token,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(json!({
            "schemas": [PATCH], "Operations": [{ "op": "remove", "path": "active" }]
        })),
    )
    .await;
    assert_eq!(
        (code, body["scimType"].as_str()),
        (400, Some("mutability")),
        "{body}"
    );
    let (code, body) = scim(&app, &token, Method::PATCH, &format!("/Groups/{gid}"), Some(json!({
        "schemas": [PATCH], "Operations": [{ "op": "Add", "path": "members", "value": [{ "value": "999999" }] }]
    }))).await;
    assert_eq!(
        (code, body["scimType"].as_str()),
        (400, Some("invalidValue")),
        "a stranger: {body}"
    );
    let (code, body) = scim(
        &app,
        &token,
        Method::POST,
        "/Groups",
        Some(json!({
            "schemas": [GROUP], "displayName": "ENGINEERING"
        })),
    )
    .await;
    assert_eq!(
        (code, body["scimType"].as_str()),
        (409, Some("uniqueness")),
        "{body}"
    );
    let (code, body) = scim(
        &app,
        &token,
        Method::GET,
        &format!("/Groups{}", filter("members eq \"1\"")),
        None,
    )
    .await;
    assert_eq!(
        (code, body["scimType"].as_str()),
        (400, Some("invalidFilter")),
        "{body}"
    );

    // Entra's hard delete, then the person is gone (and told); the group goes too.
    let (code, _) = scim(&app, &token, Method::DELETE, &format!("/Users/{id}"), None).await;
    assert_eq!(code, 204);
    assert_eq!(
        scim(&app, &token, Method::GET, &format!("/Users/{id}"), None)
            .await
            .0,
        404
    );
    assert!(account(&app, &upn).await.is_none());
    let (code, _) = scim(
        &app,
        &token,
        Method::DELETE,
        &format!("/Groups/{gid}"),
        None,
    )
    .await;
    assert_eq!(code, 204);
    assert_eq!(
        scim(&app, &token, Method::GET, &format!("/Groups/{gid}"), None)
            .await
            .0,
        404
    );
    // The last administrator is not deleted; an unknown endpoint is a SCIM 404.
    let (code, body) = scim(
        &app,
        &token,
        Method::DELETE,
        &format!("/Users/{}", admin.user.id),
        None,
    )
    .await;
    assert_eq!(code, 409, "{body}");
    let (code, body) = scim(&app, &token, Method::GET, "/Bulk", None).await;
    assert_eq!(
        (code, body["status"].as_str()),
        (404, Some("404")),
        "{body}"
    );

    let done = actions(&app, admin.tenant_id()).await;
    assert!(
        done.contains(&"scim.account_deleted".to_owned()),
        "{done:?}"
    );
    assert!(done.contains(&"group.deleted".to_owned()), "{done:?}");
}

#[tokio::test]
async fn creating_an_invited_persons_address_takes_their_account_over() {
    let app = spawn_app().await;
    let admin_email = app.register("scim-takeover").await;
    let admin = person(&app, &admin_email).await;
    let token = make_token(&app).await;
    let (member, member_email) = add_member(&app, admin.tenant_id(), "scim-invited").await;
    let before = account(&app, &member_email).await.unwrap();

    let (code, body) = scim(&app, &token, Method::POST, "/Users", Some(json!({
        "schemas": [USER], "userName": member_email, "displayName": "Provisioned Name", "externalId": "ext-1"
    }))).await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["id"], before.id.to_string(), "the same account");
    assert_eq!(
        account(&app, &member_email).await.unwrap().display_name,
        "Provisioned Name"
    );
    // What the provider said of them is in their own data export.
    let export: Value = member
        .get(app.url("/settings/profile/export"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(export["provisioning"]["external_id"], "ext-1", "{export}");
    assert_eq!(export["provisioning"]["user_name"], member_email.as_str());
    // Taken over once: a second create of the address under another userName is refused.
    let (code, body) = scim(
        &app,
        &token,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": [USER], "userName": "someone-else",
            "emails": [{ "value": member_email, "primary": true }]
        })),
    )
    .await;
    assert_eq!(
        (code, body["scimType"].as_str()),
        (409, Some("uniqueness")),
        "{body}"
    );

    // An address with an account at another company is not touched.
    let other = new_client();
    let other_email = app.register_with(&other, "scim-elsewhere").await;
    let (code, body) = scim(
        &app,
        &token,
        Method::POST,
        "/Users",
        Some(json!({
            "schemas": [USER], "userName": other_email
        })),
    )
    .await;
    assert_eq!(
        (code, body["scimType"].as_str()),
        (409, Some("uniqueness")),
        "{body}"
    );
    let theirs = account(&app, &other_email).await.unwrap();
    assert_ne!(theirs.tenant_id, admin.tenant_id());
    assert!(theirs.active);
}
