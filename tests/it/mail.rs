//! The outbox delivered by SMTP to a test mail server on loopback: reset links and
//! invitations arrive, a temporary refusal is retried later, a permanent one is not, and
//! without a mail server nothing is sent (the messages wait in the outbox).

use crate::common;

use common::{spawn_app, spawn_app_with, unique_email, TestApp};
use digame::entities::outbox;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A mail server that accepts everything except recipients answered with `rcpt_reply`;
/// the messages it accepted, as received (headers and body).
async fn smtp_server(rcpt_reply: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.ok();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let reply = match verb.as_str() {
                        "EHLO" | "HELO" => "250-test\r\n250 8BITMIME\r\n".to_owned(),
                        "RCPT" => format!("{rcpt_reply}\r\n"),
                        "DATA" => {
                            write.write_all(b"354 go ahead\r\n").await.ok();
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            store.lock().unwrap().push(data);
                            "250 queued\r\n".to_owned()
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            return;
                        }
                        _ => "250 OK\r\n".to_owned(),
                    };
                    write.write_all(reply.as_bytes()).await.ok();
                }
            });
        }
    });
    (url, received)
}

async fn mail_app(url: &str) -> TestApp {
    spawn_app_with(&[
        ("DIGAME_SMTP_URL", url),
        ("DIGAME_MAIL_FROM", "Digame <no-reply@digame.test>"),
    ])
    .await
}

async fn reset(app: &TestApp, email: &str) {
    let (status, _, body) = app
        .call_with(
            &common::new_client(),
            "auth/password-reset/request",
            &[("email", email)],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn row_for(app: &TestApp, email: &str) -> outbox::Model {
    outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a message")
}

/// Waits (up to 10 s) until `check` holds.
async fn eventually(mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("did not happen within 10 s");
}

#[tokio::test]
async fn reset_links_and_invitations_are_delivered_by_smtp() {
    let (url, received) = smtp_server("250 OK").await;
    let app = mail_app(&url).await;
    let email = app.register("smtp").await;
    reset(&app, &email).await;
    let invitee = unique_email("smtp-invitee");
    let (status, _, body) = app
        .call(
            "admin/members/invite",
            &[("email", &invitee), ("role", "member")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The registration's verification link, the reset link and the invitation.
    eventually(async || received.lock().unwrap().len() == 3).await;
    // Bodies arrive quoted-printable: soft line breaks joined, `=3D` read as `=`.
    let mails: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.replace("=\n", "").replace("=3D", "="))
        .collect();
    let reset_mail = mails
        .iter()
        .find(|m| m.contains(&email) && m.contains("reset-password"))
        .expect("the reset mail");
    assert!(mails
        .iter()
        .any(|m| m.contains(&email) && m.contains("Subject: Confirm your email address")));
    assert!(
        reset_mail.contains("From: Digame <no-reply@digame.test>"),
        "{reset_mail}"
    );
    assert!(reset_mail.contains("Subject: Choose a new Digame password"));
    assert!(reset_mail.contains("reset-password?token="), "{reset_mail}");
    let invitation = mails
        .iter()
        .find(|m| m.contains(&invitee))
        .expect("the invitation");
    assert!(invitation.contains("invites you to Digame"), "{invitation}");
    assert!(
        invitation.contains(body["link"].as_str().unwrap()),
        "the same link the admin sees: {invitation}"
    );
    eventually(async || row_for(&app, &email).await.sent_at.is_some()).await;
    let row = row_for(&app, &email).await;
    assert_eq!(row.attempts, 1);
    // Security issue: once delivered, the reset link is not kept in the outbox.
    assert!(!row.body.contains("token="), "{}", row.body);
    assert_eq!(row.body, digame::features::mail::sender::DELIVERED_BODY);
}

#[tokio::test]
async fn refusals_are_retried_later_or_not_at_all() {
    let (url, received) = smtp_server("451 try again later").await;
    let app = mail_app(&url).await;
    let email = app.register("smtp-later").await;
    reset(&app, &email).await;
    eventually(async || row_for(&app, &email).await.last_error.is_some()).await;
    let row = row_for(&app, &email).await;
    assert_eq!((row.attempts, row.sent_at), (1, None));
    assert!(row.last_error.unwrap().contains("451"));
    assert!(row.next_attempt_at > chrono::Utc::now(), "retried later");
    assert!(received.lock().unwrap().is_empty());

    let (url, _) = smtp_server("550 no such mailbox").await;
    let app = mail_app(&url).await;
    let email = app.register("smtp-never").await;
    reset(&app, &email).await;
    eventually(async || row_for(&app, &email).await.last_error.is_some()).await;
    let row = row_for(&app, &email).await;
    assert_eq!(
        row.attempts,
        digame::features::mail::sender::MAX_ATTEMPTS,
        "not retried"
    );
}

#[tokio::test]
async fn without_a_mail_server_messages_wait_in_the_outbox() {
    let app = spawn_app().await;
    let email = app.register("no-smtp").await;
    reset(&app, &email).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let row = row_for(&app, &email).await;
    assert_eq!((row.attempts, row.sent_at), (0, None));
}
