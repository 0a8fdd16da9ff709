//! The tool gate (`features::tools::gate::begin`): the one entry point every tool call
//! takes. Each refusal comes with its code; a successful AI call is counted and marks the
//! person's key used.

use crate::common;

use common::{person, spawn_app};
use digame::domain::{Tier, ToolId};
use digame::entities::{ai_usage, user_api_keys};
use digame::features::tenancy::service::set_tier;
use digame::features::tools::gate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::ExposeSecret;

const KEY: &str = "sk-test-0123456789abcdef";

async fn usage_today(app: &common::TestApp, user_id: i64) -> i32 {
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    ai_usage::Entity::find_by_id((user_id, day))
        .one(&app.state.db)
        .await
        .unwrap()
        .map_or(0, |u| u.calls)
}

#[tokio::test]
async fn the_gate_refuses_with_the_reason_and_counts_a_successful_call() {
    let app = spawn_app().await;
    let email = app.register("gate").await;
    let begin = |who| {
        let app = &app;
        async move {
            gate::begin(
                &app.state.db,
                &app.state.keyring,
                &who,
                ToolId::MeetingInsights,
                None,
            )
            .await
        }
    };

    // A switched-off flag.
    let (status, _, body) = app
        .call(
            "admin/features/set",
            &[("flag", "meeting_insights"), ("enabled", "false")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Each request reads the person (and the flags with them) afresh.
    let me = person(&app, &email).await;
    let err = begin(me.clone()).await.unwrap_err();
    assert_eq!(err.code(), "FEATURE_DISABLED", "{err:?}");
    app.call(
        "admin/features/set",
        &[("flag", "meeting_insights"), ("enabled", "true")],
    )
    .await;
    let me = person(&app, &email).await;

    // A missing key: nothing is counted.
    let err = begin(me.clone()).await.unwrap_err();
    assert_eq!(err.code(), "API_KEY_MISSING", "{err:?}");
    assert!(
        err.message().contains("key for Meeting insights"),
        "the key named in words: {err}"
    );
    assert_eq!(usage_today(&app, me.user.id).await, 0);

    // With the key stored, a call succeeds, is counted and marks the key used.
    let (status, _, body) = app
        .call(
            "keys/save",
            &[
                ("origin", "new"),
                ("name", "meeting_insights_service_key"),
                ("value", KEY),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let call = begin(me.clone()).await.expect("the call may go ahead");
    assert_eq!(call.tool, ToolId::MeetingInsights);
    assert!(call.counts_as_ai_call);
    assert_eq!(call.key.as_ref().unwrap().expose_secret(), KEY);
    assert!(
        !format!("{call:?}").contains(KEY),
        "the key stays out of Debug output"
    );
    assert_eq!(usage_today(&app, me.user.id).await, 1);
    let stored = user_api_keys::Entity::find()
        .filter(user_api_keys::Column::UserId.eq(me.user.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.last_used_at.is_some(), "the key is marked used");

    // An exhausted allowance.
    common::set_ai_calls_today(&app, me.user.id, 500).await;
    let err = begin(me.clone()).await.unwrap_err();
    assert_eq!(err.code(), "RATE_LIMITED", "{err:?}");
    assert_eq!(usage_today(&app, me.user.id).await, 500);

    // A tier without the tool.
    set_tier(&app.state.db, &me.tenant.slug, Tier::Free)
        .await
        .unwrap();
    let me = person(&app, &email).await;
    let err = begin(me.clone()).await.unwrap_err();
    assert_eq!(err.code(), "SUBSCRIPTION_LIMIT_EXCEEDED", "{err:?}");
}

#[tokio::test]
async fn keyless_tools_pass_the_gate_without_using_the_allowance() {
    let app = spawn_app().await;
    let email = app.register("keyless").await;
    let me = person(&app, &email).await;
    set_tier(&app.state.db, &me.tenant.slug, Tier::Free)
        .await
        .unwrap();
    let me = person(&app, &email).await;
    for tool in [ToolId::TaskPrioritization, ToolId::EmailPatterns] {
        let call = gate::begin(&app.state.db, &app.state.keyring, &me, tool, None)
            .await
            .unwrap_or_else(|e| panic!("{tool:?}: {e:?}"));
        assert!(call.key.is_none());
        assert!(
            !call.counts_as_ai_call,
            "built-in analysis is not an AI call"
        );
    }
    assert_eq!(usage_today(&app, me.user.id).await, 0);
}

#[tokio::test]
async fn the_json_api_has_a_home() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/health").await;
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "healthy");

    let res = app.get("/api/v1/nothing-here").await;
    assert_eq!(res.status().as_u16(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "NOT_FOUND");
    assert_eq!(body["status_code"], 404);

    let res = app.get("/api/v1/auth/me").await;
    assert_eq!(res.status().as_u16(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "UNAUTHORIZED");

    let email = app.register("apime").await;
    let res = app.get("/api/v1/auth/me").await;
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["email"], email);
    assert_eq!(body["role"], "admin");
    assert_eq!(body["is_active"], true);
}

#[tokio::test]
async fn the_dashboard_reads_cards_and_picks_in_one_call() {
    let app = spawn_app().await;
    let email = app.register("dash").await;
    let (status, _, body) = app.call("dashboard", &[]).await;
    assert_eq!(status, 200, "{body}");
    let cards = body["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 6);
    assert_eq!(cards[0]["flag"], "writing_assistance");
    assert!(body["picks"].as_array().unwrap().is_empty(), "{body}");
    let card = |body: &serde_json::Value, flag: &str| {
        body["cards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["flag"] == flag)
            .map(|c| c["access"]["state"].as_str().unwrap_or_default().to_owned())
            .unwrap()
    };
    assert_eq!(card(&body, "writing_assistance"), "NeedsKey", "{body}");

    // The keys and the setup answers are read in the page's one query: a stored key opens
    // its tool, an expired one does not, and the chosen tools become picks.
    for (name, value) in [
        ("writing_service_key", "sk-dash-writing-0123456789"),
        ("meeting_insights_service_key", "sk-dash-meeting-0123456789"),
    ] {
        let (status, _, body) = app
            .call(
                "keys/save",
                &[
                    ("origin", name),
                    ("name", name),
                    ("value", value),
                    ("expires_on", ""),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    digame::entities::user_api_keys::Entity::update_many()
        .col_expr(
            digame::entities::user_api_keys::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::days(1)),
        )
        .filter(digame::entities::user_api_keys::Column::KeyName.eq("meeting_insights_service_key"))
        .exec(&app.state.db)
        .await
        .unwrap();
    let me = person(&app, &email).await;
    use sea_orm::ActiveModelTrait;
    digame::entities::onboarding_states::ActiveModel {
        user_id: sea_orm::Set(me.user.id),
        tenant_id: sea_orm::Set(me.tenant.id),
        data: sea_orm::Set(
            r#"{"feature_exploration":{"writing_assistance":true},"is_completed":true,"completed_steps":[],"user_preferences":{}}"#
                .to_owned(),
        ),
        updated_at: sea_orm::Set(chrono::Utc::now()),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let (_, _, body) = app.call("dashboard", &[]).await;
    assert_eq!(card(&body, "writing_assistance"), "Available", "{body}");
    assert_eq!(card(&body, "meeting_insights"), "NeedsKey", "{body}");
    let picks: Vec<&str> = body["picks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["flag"].as_str())
        .collect();
    assert_eq!(picks, ["writing_assistance"], "{body}");
    let (status, _, body) = app.call_with(&common::new_client(), "dashboard", &[]).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("UNAUTHORIZED")));
}

/// The flags come with the signed-in person, read on each request: a change is seen on the
/// very next request, and only by the company that made it.
#[tokio::test]
async fn a_flag_change_is_seen_on_the_next_request_and_only_by_its_company() {
    let app = spawn_app().await;
    app.register("flags-a").await;
    let other = common::new_client();
    app.register_with(&other, "flags-b").await;
    let writing_card = |body: &serde_json::Value| {
        body["cards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["flag"] == "writing_assistance")
            .cloned()
            .unwrap()
    };
    let switched_off =
        |body: &serde_json::Value| writing_card(body)["access"]["state"] == "SwitchedOff";
    let (_, _, before) = app.call("dashboard", &[]).await;
    assert!(!switched_off(&before), "{before}");

    // Off, then on again: each change is seen on the very next request, by this company only.
    for enabled in [false, true] {
        let (status, _, body) = app
            .call(
                "admin/features/set",
                &[
                    ("flag", "writing_assistance"),
                    ("enabled", &enabled.to_string()),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (_, _, after) = app.call("dashboard", &[]).await;
        assert_eq!(switched_off(&after), !enabled, "{after}");
        let (_, _, theirs) = app.call_with(&other, "dashboard", &[]).await;
        assert!(!switched_off(&theirs), "{theirs}");
    }
}
