//! Mail choices and the weekly digest: chosen on the profile (or by the setup wizard), sent
//! once per person and week however many senders run at once, with what is due and what
//! was used; its unsubscribe link works without signing in and cannot be forged.

use crate::common;

use chrono::{Duration, Utc};
use common::{add_member, person, spawn_app};
use digame::domain::TaskStatus;
use digame::entities::{
    ai_calls, notification_settings, onboarding_states, outbox, saved_results, tasks,
};
use digame::features::notifications::digest;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

async fn digests_to(app: &common::TestApp, email: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(email.to_lowercase()))
        .filter(outbox::Column::Subject.contains("Your week in Digame"))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_weekly_digest_goes_once_to_those_who_want_it_and_stops_from_its_link() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let email = app.register("digest").await;
    let me = person(&app, &email).await;

    // The profile shows the choices; security notices are always on.
    let html = app.get("/settings/profile").await.text().await.unwrap();
    assert!(html.contains("Mail you get") && html.contains("Security notices"));
    let (status, _, body) = app
        .call(
            "account/mail-settings/set",
            &[("weekly_digest", "on"), ("budget_warnings", "on")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["weekly_digest"], true);
    assert_eq!(body["product_notices"], false);
    let (_, _, body) = app.call("account/mail-settings", &[]).await;
    assert_eq!(
        (
            body["weekly_digest"].as_bool(),
            body["product_notices"].as_bool()
        ),
        (Some(true), Some(false))
    );
    // The same choices over the JSON API.
    let api = app.url("/api/v1/account/mail");
    let body: serde_json::Value = app
        .client
        .get(&api)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["weekly_digest"], true, "{body}");
    let res = app
        .client
        .put(&api)
        .json(&serde_json::json!({"product_notices": true, "weekly_digest": true, "budget_warnings": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res = app
        .client
        .put(&api)
        .json(&serde_json::json!({"weekly_digest": "yes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400, "not the choices' shape");

    // Their week: one task overdue, one due soon, one done, one far off; one AI call.
    let today = Utc::now().date_naive();
    for (title, due, status) in [
        (
            "Send the budget",
            today - Duration::days(2),
            TaskStatus::Todo,
        ),
        (
            "Book the room",
            today + Duration::days(3),
            TaskStatus::InProgress,
        ),
        (
            "Already finished",
            today - Duration::days(1),
            TaskStatus::Done,
        ),
        (
            "Plan next quarter",
            today + Duration::days(30),
            TaskStatus::Todo,
        ),
    ] {
        tasks::ActiveModel {
            tenant_id: Set(me.tenant_id()),
            user_id: Set(me.user.id),
            title: Set(title.into()),
            description: Set(String::new()),
            due_on: Set(Some(due)),
            status: Set(status),
            priority_score: Set(None),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    ai_calls::ActiveModel {
        tenant_id: Set(me.tenant_id()),
        user_id: Set(me.user.id),
        tool: Set("writing_assistance".into()),
        model: Set("m".into()),
        prompt_tokens: Set(100),
        completion_tokens: Set(20),
        latency_ms: Set(300),
        outcome: Set("ok".into()),
        created_at: Set(Utc::now() - Duration::hours(5)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();

    // A member who asked for the digest in the setup wizard, with an overdue task; and one
    // who did not ask for it.
    let (_, wizard_email) = add_member(&app, me.tenant_id(), "digest-wizard").await;
    let wizard = person(&app, &wizard_email).await;
    let mut answers = digame::features::onboarding::model::OnboardingData::default();
    answers
        .user_preferences
        .insert("email_digest".into(), true.into());
    onboarding_states::ActiveModel {
        user_id: Set(wizard.user.id),
        tenant_id: Set(wizard.tenant_id()),
        data: Set(serde_json::to_string(&answers).unwrap()),
        updated_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .unwrap();
    tasks::ActiveModel {
        tenant_id: Set(wizard.tenant_id()),
        user_id: Set(wizard.user.id),
        title: Set("Answer the auditors".into()),
        description: Set(String::new()),
        due_on: Set(Some(today - Duration::days(1))),
        status: Set(TaskStatus::Todo),
        priority_score: Set(None),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let (_, quiet_email) = add_member(&app, me.tenant_id(), "digest-quiet").await;
    // Two saved email analyses: the digest says how the newer one, saved this week, changed.
    for (title, unanswered, median, days_ago) in [("February", 5, 180, 10), ("March", 3, 45, 1)] {
        saved_results::ActiveModel {
            tenant_id: Set(me.tenant_id()),
            user_id: Set(me.user.id),
            tool: Set("email_pattern_analysis".into()),
            title: Set(title.into()),
            payload: Set(analysis(unanswered, median).to_string()),
            created_at: Set(Utc::now() - Duration::days(days_ago)),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }

    // Two senders at once (two replicas): each digest goes out once.
    let now = Utc::now();
    let now = if digest::week_open(now) {
        now
    } else {
        now + Duration::hours(8)
    };
    let settings = &app.state.settings;
    let (a, b) = tokio::join!(
        digest::send_due(db, settings, now),
        digest::send_due(db, settings, now)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    assert_eq!(
        digest::send_due(db, settings, now).await.unwrap(),
        0,
        "once a week"
    );

    let mine = digests_to(&app, &email).await;
    assert_eq!(mine.len(), 1);
    let mail = &mine[0];
    assert!(mail.subject.contains("1 task overdue"), "{}", mail.subject);
    assert!(mail.body.contains("Send the budget") && mail.body.contains("Book the room"));
    assert!(!mail.body.contains("Already finished") && !mail.body.contains("Plan next quarter"));
    assert!(
        mail.body.contains("Writing assistance: 1 call, 120 tokens"),
        "{}",
        mail.body
    );
    assert!(
        mail.body
            .contains("Your email, “March” against “February”:")
            && mail
                .body
                .contains("- Threads waiting for your reply: 3 (was 5)")
            && mail
                .body
                .contains("- Median time to reply: 45 min (was 3 h)")
            && mail
                .body
                .contains("- Sent outside working hours: 10 % (unchanged)"),
        "{}",
        mail.body
    );
    let theirs = digests_to(&app, &wizard_email).await;
    assert_eq!(theirs.len(), 1);
    assert!(theirs[0].body.contains("Answer the auditors"));
    assert!(
        !theirs[0].body.contains("Send the budget"),
        "only their own tasks"
    );
    assert!(digests_to(&app, &quiet_email).await.is_empty());

    // The link stops the digest without signing in; a forged one changes nothing.
    let link = mail
        .body
        .lines()
        .find_map(|l| {
            l.split_once("/unsubscribe?token=")
                .map(|(_, t)| t.trim().to_owned())
        })
        .expect("an unsubscribe link");
    let stranger = common::new_client();
    let page = stranger
        .get(app.url(&format!("/unsubscribe?token={link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("Stop the weekly digest"));
    let forged = format!("{}.{}", wizard.user.id, link.split_once('.').unwrap().1);
    let (status, _, body) = app
        .call_with(&stranger, "unsubscribe", &[("token", &forged)])
        .await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("token")),
        "{body}"
    );
    let (status, _, body) = app
        .call_with(&stranger, "unsubscribe", &[("token", &link)])
        .await;
    assert_eq!(status, 200, "{body}");
    let row = notification_settings::Entity::find_by_id(me.user.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !row.weekly_digest && row.budget_warnings,
        "only the digest stopped"
    );
    let theirs = notification_settings::Entity::find_by_id(wizard.user.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(theirs.weekly_digest, "the forged link stopped nobody");
}

/// A saved email analysis' JSON with these figures (four weeks of 40 messages).
fn analysis(unanswered: u32, median_minutes: u32) -> serde_json::Value {
    serde_json::json!({
        "source": "mail.mbox (mbox)", "messages": 160, "sent": 60, "received": 100,
        "skipped": 0, "first_day": "2026-11-01", "last_day": "2026-11-28",
        "own_addresses": ["me@example.com"], "utc_offset_minutes": 0,
        "work_start": 9, "work_end": 18, "daily": [],
        "weekly": (0..4).map(|i| serde_json::json!({"start": format!("2026-11-{:02}", 2 + 7 * i), "sent": 15, "received": 25})).collect::<Vec<_>>(),
        "heatmap": [], "sent_outside_hours_pct": 10, "received_outside_hours_pct": 20,
        "top_correspondents": [], "top_domains": [], "answered": 50,
        "median_response_minutes": median_minutes, "p90_response_minutes": null,
        "unanswered_days": 3, "unanswered": [], "unanswered_total": unanswered,
        "keywords": [], "thread_lengths": [], "longest_threads": [], "findings": []
    })
}
