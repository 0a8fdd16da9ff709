//! Email verification: the link mailed at registration, what waits for it, resending, the
//! link's single use and expiry, and invitations that verify by themselves.

use crate::common;

use common::{new_client, spawn_app, unique_email, TestApp, PASSWORD};
use digame::entities::{audit_events, email_verifications, outbox, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

const TASK: &[(&str, &str)] = &[
    ("title", "Renew the domain"),
    ("description", ""),
    ("due_on", ""),
    ("status", "todo"),
];

async fn verified_at(app: &common::TestApp, email: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    common::person(app, email).await.user.email_verified_at
}

#[tokio::test]
async fn until_the_link_is_opened_keys_tools_and_invitations_wait() {
    let app = spawn_app().await;
    let email = app
        .register_unverified_with(&app.client, "unverified")
        .await;
    assert_eq!(app.me_with(&app.client).await["email_verified"], false);
    assert!(verified_at(&app, &email).await.is_none());

    // The mail went out in the registration's transaction, with a link on the public URL.
    let token = app.verification_token(&email).await;
    assert_eq!(token.len(), 43, "256 bits, base64url");

    // Storing a key, using a tool and inviting someone are each refused with the reason.
    let (status, _, body) = app
        .call(
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
    assert_eq!(body["code"], "EMAIL_NOT_VERIFIED");
    assert!(body["message"].as_str().unwrap().contains(&email), "{body}");
    let (status, _, body) = app.call("tasks/create", TASK).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "EMAIL_NOT_VERIFIED");
    let (status, _, body) = app
        .call(
            "admin/members/invite",
            &[("email", &unique_email("colleague")), ("role", "member")],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "EMAIL_NOT_VERIFIED");
    // The dashboard's cards say the same.
    let (status, _, body) = app.call("dashboard", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["cards"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["access"]["state"] == "EmailNotVerified"));

    // The link confirms the address, once.
    let (status, _, body) = app.call("auth/verify-email", &[("token", &token)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.me_with(&app.client).await["email_verified"], true);
    assert!(verified_at(&app, &email).await.is_some());
    let (status, _, body) = app.call("auth/verify-email", &[("token", &token)]).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("already used"));
    let events = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("auth.email_verified"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(events, 1);

    // Now the same calls work.
    let (status, _, body) = app.call("tasks/create", TASK).await;
    assert_eq!(status, 200, "{body}");
    common::save_key(&app, "writing_service_key", "sk-test-0123456789abcdef").await;
    let (status, _, body) = app.call("auth/verify-email/resend", &[]).await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test]
async fn wrong_and_expired_links_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let email = app.register_unverified_with(&app.client, "expired").await;
    for token in ["", "not-a-token", &"x".repeat(500)] {
        let (status, _, body) = app
            .call_with(&new_client(), "auth/verify-email", &[("token", token)])
            .await;
        assert_eq!(status, 400, "{token:?}: {body}");
        assert_eq!(body["code"], "VALIDATION_ERROR");
    }
    let token = app.verification_token(&email).await;
    email_verifications::Entity::update_many()
        .col_expr(
            email_verifications::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .exec(&app.state.db)
        .await
        .unwrap();
    let (status, _, body) = app
        .call_with(&new_client(), "auth/verify-email", &[("token", &token)])
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("expired"));
    assert!(verified_at(&app, &email).await.is_none());
}

#[tokio::test]
async fn a_new_link_can_be_asked_for_three_times_an_hour() {
    let app = spawn_app().await;
    let email = app.register_unverified_with(&app.client, "resend").await;
    let first = app.verification_token(&email).await;
    for _ in 0..3 {
        let (status, _, body) = app.call("auth/verify-email/resend", &[]).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.as_str().unwrap().contains(&email), "{body}");
    }
    let (status, headers, body) = app.call("auth/verify-email/resend", &[]).await;
    assert_eq!(status, 429, "{body}");
    assert!(!common::header(&headers, "retry-after").is_empty());
    let mails = outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(email.as_str()))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(mails, 4, "the registration's and three more");
    // Any unexpired link works; the first one too.
    let newest = app.verification_token(&email).await;
    assert_ne!(first, newest);
    let (status, _, body) = app
        .call_with(&new_client(), "auth/verify-email", &[("token", &first)])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(verified_at(&app, &email).await.is_some());
    // Signed out, resending needs a session.
    let (status, _, _) = app
        .call_with(&new_client(), "auth/verify-email/resend", &[])
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_failed_registration_mails_nothing_and_an_invitation_verifies() {
    let app = spawn_app().await;
    let email = app.register("admin").await;
    let before = outbox::Entity::find().count(&app.state.db).await.unwrap();
    let (status, _, body) = app
        .call_with(
            &new_client(),
            "auth/register",
            &[
                ("name", "Someone Else"),
                ("email", &email),
                ("password", PASSWORD),
                ("company", "Other Co"),
            ],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(
        outbox::Entity::find().count(&app.state.db).await.unwrap(),
        before
    );

    // An invited person joins through the mailed link: their address is confirmed.
    let invited = unique_email("invited");
    let (status, _, body) = app
        .call(
            "admin/members/invite",
            &[("email", &invited), ("role", "member")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let shown = invite_of(body["link"].as_str().unwrap());
    let mailed = app.mailed_invitation(&invited).await;
    assert!(
        mailed.starts_with(&format!("{shown}.")),
        "the mailed link is the shown one plus its proof"
    );
    let (joined, body) = join(&app, &mailed).await;
    assert_eq!(body["user"]["email_verified"], true);
    assert!(joined.email_verified_at.is_some());
    assert_eq!(
        links_for(&app, joined.id).await,
        0,
        "no link is mailed to an invited person"
    );
}

/// The link shown to the admin never went through the invited mailbox: an admin who opens
/// their own invitation for an address (or a forged proof) gets an account there whose
/// address still has to be confirmed, and the confirmation goes to that mailbox.
#[tokio::test]
async fn only_the_mailed_invitation_link_confirms_the_address() {
    let app = spawn_app().await;
    app.register("inviter-proof").await;
    for (tag, forged) in [("shown-link", false), ("forged-proof", true)] {
        let invited = unique_email(tag);
        let (status, _, body) = app
            .call(
                "admin/members/invite",
                &[("email", &invited), ("role", "member")],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let shown = invite_of(body["link"].as_str().unwrap());
        let invite = if forged {
            let mailed = app.mailed_invitation(&invited).await;
            let (token, proof) = mailed.split_once('.').unwrap();
            let mut chars: Vec<char> = proof.chars().collect();
            chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
            format!("{token}.{}", chars.into_iter().collect::<String>())
        } else {
            shown
        };
        let (joined, body) = join(&app, &invite).await;
        assert_eq!(body["user"]["email_verified"], false, "{tag}: {body}");
        assert!(joined.email_verified_at.is_none(), "{tag}");
        assert_eq!(
            links_for(&app, joined.id).await,
            1,
            "{tag}: a link is mailed"
        );
        assert!(!app.verification_token(&invited).await.is_empty());
    }
}

/// The value after `invite=` in an invitation link.
fn invite_of(link: &str) -> String {
    link.split("invite=").nth(1).unwrap().to_owned()
}

/// Joins with `invite` on a new client; the new person's row and the answer.
async fn join(app: &TestApp, invite: &str) -> (users::Model, serde_json::Value) {
    let (status, _, body) = app
        .call_with(
            &new_client(),
            "auth/register",
            &[
                ("name", "Invited Person"),
                ("email", ""),
                ("password", PASSWORD),
                ("invite", invite),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let email = body["user"]["email"].as_str().unwrap().to_owned();
    let joined = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    (joined, body)
}

async fn links_for(app: &TestApp, user_id: i64) -> u64 {
    email_verifications::Entity::find()
        .filter(email_verifications::Column::UserId.eq(user_id))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_json_api_registration_mails_a_link_built_on_the_public_url() {
    let app = spawn_app().await;
    let email = unique_email("api");
    let res = new_client()
        .post(app.url("/api/v1/auth/register"))
        .header("host", "evil.example")
        .json(&serde_json::json!({
            "email": email,
            "password": PASSWORD,
            "first_name": "Api", "last_name": "Person",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    let mail = outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(email.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a verification mail");
    assert!(!mail.body.contains("evil.example"), "{}", mail.body);
    assert!(mail
        .body
        .contains(&format!("{}/verify-email?token=", app.base)));
}
