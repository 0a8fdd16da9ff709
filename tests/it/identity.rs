//! A person's own name and address: the name changes at once; a new address needs the
//! current password, becomes the person's only when the link mailed to it is opened (once),
//! is refused when another account has it, and the old address can put itself back within
//! seven days — which signs every session out. Audited; mailed to both addresses.

use crate::common::{new_client, person, spawn_app, TestApp, PASSWORD};
use digame::entities::{audit_events, outbox, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// The token in the newest mail to `to` whose link has `path`.
async fn link_token(app: &TestApp, to: &str, path: &str) -> String {
    let mail = outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(to.to_lowercase()))
        .order_by_desc(outbox::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.body.contains(path))
        .unwrap_or_else(|| panic!("a mail to {to} with {path}"));
    let at = mail.body.find(path).unwrap() + path.len();
    mail.body[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

async fn stored_email(app: &TestApp, id: i64) -> String {
    users::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .email
}

#[tokio::test]
async fn a_person_changes_their_name_and_address_and_the_old_address_can_undo_it() {
    let app = spawn_app().await;
    let email = app.register("identity").await;
    let me = person(&app, &email).await;

    // The name, at once; an empty one is refused on the field.
    let (code, _, body) = app
        .call("account/name", &[("name", "  Ana Maria Lima ")])
        .await;
    assert_eq!(code, 200, "{body}");
    let (code, _, body) = app.call("account/name", &[("name", " ")]).await;
    assert_eq!(
        (code, body["detail"]["field"].as_str()),
        (400, Some("name"))
    );
    let (_, _, view) = app.call("account/identity", &[]).await;
    assert_eq!(view["name"], "Ana Maria Lima");

    // The address: a wrong password, a bad address and the same address are refused.
    let new = format!("new.{email}");
    let (code, _, body) = app
        .call(
            "account/email",
            &[("email", &new), ("password", "wrong-password-1")],
        )
        .await;
    assert_eq!(
        (code, body["detail"]["field"].as_str()),
        (400, Some("password")),
        "{body}"
    );
    let (code, _, body) = app
        .call(
            "account/email",
            &[("email", "not-an-address"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        (code, body["detail"]["field"].as_str()),
        (400, Some("email")),
        "{body}"
    );
    let (code, _, _) = app
        .call(
            "account/email",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(code, 400);
    let (code, _, body) = app
        .call(
            "account/email",
            &[("email", &new.to_uppercase()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert!(body.as_str().unwrap().contains(&new), "{body}");
    // Nothing changes until the link is opened.
    assert_eq!(stored_email(&app, me.user.id).await, email.to_lowercase());
    let (_, _, view) = app.call("account/identity", &[]).await;
    assert_eq!(view["pending"]["new_email"], new.to_lowercase());

    let token = link_token(&app, &new, "/account/email?token=").await;
    let stranger = new_client();
    let (code, _, body) = app
        .call_with(&stranger, "account/email/confirm", &[("token", &token)])
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(stored_email(&app, me.user.id).await, new.to_lowercase());
    let (code, _, _) = app
        .call_with(&stranger, "account/email/confirm", &[("token", &token)])
        .await;
    assert_eq!(code, 400, "a link works once");
    // The session goes on; the new address signs in, the old does not.
    let (_, _, view) = app.call("account/identity", &[]).await;
    assert_eq!(view["email"], new.to_lowercase());
    assert!(view["pending"].is_null());
    let (code, _, _) = app
        .call_with(
            &new_client(),
            "auth/login",
            &[("email", &new), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(code, 200);

    // The old address was told, with an undo link: it puts the address back and signs every
    // session out.
    let undo = link_token(&app, &email, "/account/email/undo?token=").await;
    let (code, _, body) = app
        .call_with(&stranger, "account/email/undo", &[("token", &undo)])
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(stored_email(&app, me.user.id).await, email.to_lowercase());
    let (code, _, _) = app.call("account/identity", &[]).await;
    assert_eq!(code, 401, "every session was signed out");
    let (code, _, _) = app
        .call_with(&stranger, "account/email/undo", &[("token", &undo)])
        .await;
    assert_eq!(code, 400, "an undo link works once");

    let actions: Vec<String> = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(me.tenant_id()))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "account.name_changed",
        "account.email_changed",
        "account.email_change_undone",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn an_address_another_account_has_is_refused_when_the_link_is_opened() {
    let app = spawn_app().await;
    let taken = app.register_with(&new_client(), "identity-taken").await;
    let email = app.register("identity-wants").await;
    let me = person(&app, &email).await;
    // Asking does not tell whether the address has an account…
    let (code, _, body) = app
        .call(
            "account/email",
            &[("email", &taken), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(code, 200, "{body}");
    // …the link, which reaches that mailbox's owner, does.
    let token = link_token(&app, &taken, "/account/email?token=").await;
    let (code, _, body) = app
        .call("account/email/confirm", &[("token", &token)])
        .await;
    assert_eq!(code, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("already belongs to another Digame account"),
        "{body}"
    );
    assert_eq!(stored_email(&app, me.user.id).await, email.to_lowercase());

    // Over JSON: 202, and three requests an hour.
    let api = app.url("/api/v1/account/email");
    let res = app
        .client
        .post(&api)
        .header("origin", app.base.clone())
        .json(&serde_json::json!({ "email": format!("json.{email}"), "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let mut last = 0;
    for _ in 0..2 {
        last = app
            .client
            .post(&api)
            .header("origin", app.base.clone())
            .json(&serde_json::json!({ "email": format!("json.{email}"), "password": PASSWORD }))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
    }
    assert_eq!(last, 429, "the fourth request in an hour waits");
    let res = app
        .client
        .put(app.url("/api/v1/account/name"))
        .header("origin", app.base.clone())
        .json(&serde_json::json!({ "name": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}
