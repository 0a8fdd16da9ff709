//! Usage records and audit events past the retention period are deleted; newer ones, and
//! everything else, stay.

use crate::common;

use chrono::{Duration, Utc};
use common::{person, spawn_app};
use digame::entities::{ai_calls, ai_usage, audit_events};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

#[tokio::test]
async fn records_older_than_the_retention_period_are_deleted() {
    let app = spawn_app().await;
    let email = app.register("retention").await;
    let who = person(&app, &email).await;
    let db = &app.state.db;
    let now = Utc::now();
    let old = now - Duration::days(400);
    let recent = now - Duration::days(300);
    for at in [old, recent] {
        ai_calls::ActiveModel {
            tenant_id: Set(who.tenant_id()),
            user_id: Set(who.user.id),
            tool: Set("writing_assistance".into()),
            model: Set("m".into()),
            prompt_tokens: Set(10),
            completion_tokens: Set(5),
            latency_ms: Set(100),
            outcome: Set("ok".into()),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        ai_usage::ActiveModel {
            tenant_id: Set(who.tenant_id()),
            user_id: Set(who.user.id),
            day: Set(at.format("%Y-%m-%d").to_string()),
            calls: Set(1),
        }
        .insert(db)
        .await
        .unwrap();
        audit_events::ActiveModel {
            tenant_id: Set(who.tenant_id()),
            actor_user_id: Set(Some(who.user.id)),
            action: Set("feature.enabled".into()),
            target: Set(format!("at {at}")),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    // A call that never ended, and one still running now.
    for at in [now - Duration::hours(2), now] {
        ai_calls::ActiveModel {
            tenant_id: Set(who.tenant_id()),
            user_id: Set(who.user.id),
            tool: Set("style".into()),
            model: Set("m".into()),
            prompt_tokens: Set(0),
            completion_tokens: Set(0),
            latency_ms: Set(0),
            outcome: Set("pending".into()),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    let audit_before = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(who.tenant_id()))
        .all(db)
        .await
        .unwrap()
        .len();

    let removed = digame::server::retention::delete_expired(db, 13, now)
        .await
        .unwrap();
    assert_eq!(
        (
            removed.ai_calls,
            removed.ai_usage_days,
            removed.audit_events,
            removed.interrupted
        ),
        (1, 1, 1, 1),
        "{removed:?}"
    );
    let calls = ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(who.user.id))
        .all(db)
        .await
        .unwrap();
    assert_eq!(calls.len(), 3);
    assert!(calls
        .iter()
        .all(|c| c.created_at > now - Duration::days(301)));
    let mut outcomes: Vec<&str> = calls.iter().map(|c| c.outcome.as_str()).collect();
    outcomes.sort_unstable();
    assert_eq!(
        outcomes,
        ["interrupted", "ok", "pending"],
        "the running call stays"
    );
    let days = ai_usage::Entity::find()
        .filter(ai_usage::Column::UserId.eq(who.user.id))
        .all(db)
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].day, recent.format("%Y-%m-%d").to_string());
    let audit_after = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(who.tenant_id()))
        .all(db)
        .await
        .unwrap()
        .len();
    assert_eq!(audit_after, audit_before - 1, "only the old event went");

    // A second round finds nothing more; the person and their account are untouched.
    let again = digame::server::retention::delete_expired(db, 13, now)
        .await
        .unwrap();
    assert_eq!(again, digame::server::retention::Removed::default());
    assert_eq!(app.me_with(&app.client).await["email"], email);
}
