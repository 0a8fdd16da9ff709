//! The kind of API a tool's service speaks: an admin points a tool at a service that speaks
//! Anthropic's Messages API, and the tool's calls, the streamed meeting notes and the key
//! check speak it (the test service answers both APIs, each in its own shape).

use crate::common::{person, save_key, spawn_app};
use digame::entities::{ai_calls, audit_events};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

const KEY: &str = "sk-ant-4f9c2e7a1b3d5e6f";

#[tokio::test]
async fn a_tool_pointed_at_an_anthropic_service_speaks_its_api() {
    let app = spawn_app().await;
    let email = app.register("claude").await;
    let me = person(&app, &email).await;
    let service = app.state.ai.settings.base_url.clone();
    let set = |tool: &'static str, provider: &'static str| {
        let (app, service) = (&app, service.clone());
        async move {
            app.call(
                "admin/ai/set",
                &[
                    ("tool", tool),
                    ("provider", provider),
                    ("base_url", &service),
                    ("model", "fake-claude"),
                ],
            )
            .await
        }
    };
    let (status, _, body) = set("writing_assistance", "claude").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "provider", "{body}");
    for tool in ["writing_assistance", "meeting_insights"] {
        let (status, _, body) = set(tool, "anthropic").await;
        assert_eq!(status, 200, "{tool}: {body}");
    }
    let (_, _, view) = app.call("admin/ai/view", &[]).await;
    let writing = view["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["tool"] == "writing_assistance")
        .unwrap();
    assert_eq!(writing["provider"], "anthropic", "{view}");
    assert_eq!(view["default_provider"], "openai");

    // The key check asks the Messages API's model list with the key in `x-api-key`.
    save_key(&app, "writing_service_key", KEY).await;
    let (_, _, body) = app
        .call("keys/test", &[("name", "writing_service_key")])
        .await;
    assert_eq!(body["outcome"], "accepted", "{body}");

    // A whole answer, read from content blocks, its tokens recorded.
    let (status, _, body) = app
        .call(
            "tools/writing/suggest",
            &[("text", "We utilize very good tools.")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !body["suggestions"].as_array().unwrap().is_empty(),
        "{body}"
    );
    let calls = ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(me.user.id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].outcome.as_str(), calls[0].model.as_str()),
        ("ok", "fake-claude")
    );
    assert!(calls[0].prompt_tokens > 0 && calls[0].completion_tokens > 0);

    // A streamed answer, read from the Messages events as they come.
    save_key(&app, "meeting_insights_service_key", KEY).await;
    let res = app
        .client
        .post(app.url("/tools/meetings/stream"))
        .header("origin", &app.base)
        .header("accept", "text/event-stream")
        .form(&[(
            "notes",
            "Launch planning\nDecision: ship on the 1st\nAction: Ana - send the draft by 2026-12-01",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body = res.text().await.unwrap();
    let mut seen = 0;
    let mut events = digame::features::tools::live::take_events(&body, &mut seen);
    assert_eq!(events.remove(0).0, "call", "{body}");
    let (last, drafts) = events.split_last().expect("events");
    assert_eq!(last.0, "result", "{body}");
    let result: serde_json::Value = serde_json::from_str(&last.1).unwrap();
    assert_eq!(
        result["result"]["action_items"][0]["owner"], "Ana",
        "{result}"
    );
    assert!(
        drafts.len() >= 2 && drafts.iter().all(|(name, _)| name == "draft"),
        "the answer arrives over several drafts: {body}"
    );

    // A key the service refuses is told as refused.
    save_key(&app, "writing_service_key", "reject-0123456789abcdef").await;
    let (_, _, body) = app
        .call("keys/test", &[("name", "writing_service_key")])
        .await;
    assert_eq!(body["outcome"], "rejected", "{body}");

    // The audit log keeps which API the address speaks.
    let changed = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(me.tenant_id()))
        .filter(audit_events::Column::Action.eq("ai.endpoint_changed"))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    let after: serde_json::Value =
        serde_json::from_str(changed[0].after_value.as_deref().unwrap()).unwrap();
    assert_eq!(after["provider"], "anthropic", "{after}");
}

#[tokio::test]
async fn the_level_of_detail_chosen_in_the_setup_shapes_the_answers() {
    let app = spawn_app().await;
    app.register("detail").await;
    save_key(&app, "meeting_insights_service_key", KEY).await;
    let notes =
        "Budget review\nHiring plan\nOffice move\nCustomer visits\nDecision: hire two engineers";
    let points = || async {
        let (status, _, body) = app
            .call("tools/meetings/analyse", &[("notes", notes)])
            .await;
        assert_eq!(status, 200, "{body}");
        body["key_points"].as_array().unwrap().len()
    };
    assert_eq!(points().await, 4, "every topic, before a choice");
    let res = app
        .client
        .post(app.url("/api/v1/auth/me/onboarding"))
        .header("origin", &app.base)
        .json(&serde_json::json!({"user_preferences": {"detail": "brief"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(points().await, 2, "brief, as chosen");
}

/// Points writing at the test service with `model` and its `fallbacks`.
async fn set_models(
    app: &crate::common::TestApp,
    model: &str,
    fallbacks: &str,
) -> (u16, serde_json::Value) {
    let service = app.state.ai.settings.base_url.clone();
    let (status, _, body) = app
        .call(
            "admin/ai/set",
            &[
                ("tool", "writing_assistance"),
                ("base_url", &service),
                ("model", model),
                ("fallback_models", fallbacks),
            ],
        )
        .await;
    (status, body)
}

#[tokio::test]
async fn a_call_goes_to_the_next_model_when_its_model_is_down_busy_or_slow_and_not_on_its_own_fault(
) {
    // Four seconds in all: a slow model with one fallback after it has two of them.
    let app = crate::common::spawn_app_with(&[("DIGAME_AI_TIMEOUT_SECONDS", "4")]).await;
    let email = app.register("failover").await;
    let me = person(&app, &email).await;
    let (status, body) = set_models(&app, "down-a", "a b").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "fallback_models", "{body}");
    let (status, body) = set_models(&app, "down-a", "fake-good, down-a").await;
    assert_eq!(status, 400, "the model itself is no fallback: {body}");
    save_key(&app, "writing_service_key", "sk-live-4f9c2e7a1b3d5e6f").await;

    let last_two = || async {
        let mut rows = ai_calls::Entity::find()
            .filter(ai_calls::Column::UserId.eq(me.user.id))
            .order_by_desc(ai_calls::Column::Id)
            .all(&app.state.db)
            .await
            .unwrap();
        rows.truncate(2);
        rows
    };
    for (model, failed_as) in [
        ("down-a", "bad_reply"),
        ("busy-a", "rate_limited"),
        ("slow-a", "timed_out"),
    ] {
        let (status, body) = set_models(&app, model, "fake-good").await;
        assert_eq!(status, 200, "{body}");
        let (status, _, body) = app
            .call(
                "tools/writing/suggest",
                &[("text", "We utilize very good tools.")],
            )
            .await;
        assert_eq!(status, 200, "{model}: {body}");
        // The call's row names the model that answered; the failed attempt has a row of
        // its own (written after it), without tokens.
        let rows = last_two().await;
        let (attempt, call) = (&rows[0], &rows[1]);
        assert_eq!(
            (call.model.as_str(), call.outcome.as_str()),
            ("fake-good", "ok"),
            "{model}"
        );
        assert!(call.completion_tokens > 0);
        assert_eq!(
            (attempt.model.as_str(), attempt.outcome.as_str()),
            (model, failed_as)
        );
        assert_eq!(attempt.prompt_tokens + attempt.completion_tokens, 0);
    }
    let (_, _, view) = app.call("admin/ai/view", &[]).await;
    let writing = view["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["tool"] == "writing_assistance")
        .unwrap()
        .clone();
    assert_eq!(writing["fallback_models"], serde_json::json!(["fake-good"]));

    // Streamed over the JSON API, the same.
    set_models(&app, "down-b", "busy-b, fake-good").await;
    let res = app
        .client
        .post(app.url("/api/v1/ai/writing-assistance/suggest"))
        .header("accept", "text/event-stream")
        .json(&serde_json::json!({"text": "We utilize very good tools."}))
        .send()
        .await
        .unwrap();
    let text = res.text().await.unwrap();
    assert!(text.contains("event: result"), "{text}");
    let models: Vec<String> = ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(me.user.id))
        .order_by_desc(ai_calls::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .take(3)
        .map(|c| format!("{} {}", c.model, c.outcome))
        .collect();
    assert_eq!(
        models,
        ["busy-b rate_limited", "down-b bad_reply", "fake-good ok"]
    );

    // A request the model refuses as faulty goes nowhere else.
    set_models(&app, "picky-a", "fake-good").await;
    let (status, _, body) = app
        .call(
            "tools/writing/suggest",
            &[("text", "We utilize very good tools.")],
        )
        .await;
    assert_eq!(status, 502, "{body}");
    let rows = last_two().await;
    assert_eq!(
        (rows[0].model.as_str(), rows[0].outcome.as_str()),
        ("picky-a", "bad_reply")
    );
    assert_eq!(rows[1].model, "busy-b", "no attempt at the fallback");
}

#[tokio::test]
async fn a_person_chooses_their_model_among_those_the_company_allows() {
    let app = crate::common::spawn_app().await;
    let email = app.register("model-choice").await;
    let me = person(&app, &email).await;
    save_key(&app, "writing_service_key", "sk-live-4f9c2e7a1b3d5e6f").await;
    let (status, body) = set_models(&app, "fake-a", "down-b, fake-c").await;
    assert_eq!(status, 200, "{body}");
    let newest_ok = || async {
        ai_calls::Entity::find()
            .filter(ai_calls::Column::UserId.eq(me.user.id))
            .filter(ai_calls::Column::Outcome.eq("ok"))
            .order_by_desc(ai_calls::Column::Id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .model
    };
    let ask = || {
        app.call(
            "tools/writing/suggest",
            &[("text", "We utilize good tools.")],
        )
    };

    // Only a model the company allows.
    let (status, _, body) = app
        .call(
            "account/models/set",
            &[("tool", "writing_assistance"), ("model", "gpt-99")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "model");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("fake-a, down-b, fake-c"),
        "{body}"
    );

    let (status, _, body) = app
        .call(
            "account/models/set",
            &[("tool", "writing_assistance"), ("model", "fake-c")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ask().await.0, 200);
    assert_eq!(newest_ok().await, "fake-c");
    // The profile shows the choice; the JSON API says the same.
    let html = app.get("/settings/profile").await.text().await.unwrap();
    assert!(
        html.contains("AI models") && html.contains("Your company's order (fake-a first)"),
        "{html}"
    );
    let api: serde_json::Value = app
        .get("/api/v1/account/models")
        .await
        .json()
        .await
        .unwrap();
    let writing = api["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tool"] == "writing_assistance")
        .unwrap()
        .clone();
    assert_eq!(
        writing["models"],
        serde_json::json!(["fake-a", "down-b", "fake-c"])
    );
    assert_eq!(writing["chosen"], "fake-c");

    // A chosen model that is down: the company's order takes over.
    app.call(
        "account/models/set",
        &[("tool", "writing_assistance"), ("model", "down-b")],
    )
    .await;
    assert_eq!(ask().await.0, 200);
    assert_eq!(newest_ok().await, "fake-a");
    // Back to the company's order; and a choice the company stops allowing is ignored.
    app.call(
        "account/models/set",
        &[("tool", "writing_assistance"), ("model", "fake-c")],
    )
    .await;
    set_models(&app, "fake-a", "").await;
    assert_eq!(ask().await.0, 200);
    assert_eq!(newest_ok().await, "fake-a");
    let api: serde_json::Value = app
        .get("/api/v1/account/models")
        .await
        .json()
        .await
        .unwrap();
    assert!(api["tools"][0]["chosen"].is_null(), "{api}");
}

/// Points writing at the test service with `model`, and its second service at `second`
/// (kind, address, model).
async fn set_second(
    app: &crate::common::TestApp,
    model: &str,
    (kind, address, second_model): (&str, &str, &str),
) -> (u16, serde_json::Value) {
    let service = app.state.ai.settings.base_url.clone();
    let (status, _, body) = app
        .call(
            "admin/ai/set",
            &[
                ("tool", "writing_assistance"),
                ("base_url", &service),
                ("model", model),
                ("second[provider]", kind),
                ("second[base_url]", address),
                ("second[model]", second_model),
            ],
        )
        .await;
    (status, body)
}

#[tokio::test]
async fn a_call_goes_to_the_second_service_with_its_own_key_when_the_first_fails() {
    let app = spawn_app().await;
    let email = app.register("second-service").await;
    let me = person(&app, &email).await;
    let first = app.state.ai.settings.base_url.clone();
    // The same test service under another address, speaking Anthropic's API there.
    let second = first.replace("127.0.0.1", "localhost");
    assert_ne!(first, second);

    // Refused on the field: the first's own address, a bad model, a second without a first.
    let (status, body) = set_second(&app, "down-a", ("anthropic", &first, "fake-claude")).await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("second_base_url")),
        "{body}"
    );
    let (status, body) = set_second(&app, "down-a", ("anthropic", &second, "fake claude")).await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("second_model")),
        "{body}"
    );
    let (status, body) = set_second(&app, "down-a", ("claude", &second, "fake-claude")).await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("second_provider")),
        "{body}"
    );
    let (status, _, body) = app
        .call(
            "admin/ai/set",
            &[
                ("tool", "writing_assistance"),
                ("base_url", ""),
                ("model", ""),
                ("second[base_url]", &second),
                ("second[model]", "fake-claude"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("second_base_url")),
        "{body}"
    );
    // A second service's key has nowhere to go before the tool has a second service.
    let (status, _, body) = app
        .call(
            "keys/save",
            &[
                ("origin", "new"),
                ("name", "writing_second_service_key"),
                ("value", KEY),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("new.name")),
        "{body}"
    );

    let (status, body) = set_second(&app, "down-a", ("anthropic", &second, "fake-claude")).await;
    assert_eq!(status, 200, "{body}");
    let (_, view) = {
        let (s, _, v) = app.call("admin/ai/view", &[]).await;
        (s, v)
    };
    let writing = view["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["tool"] == "writing_assistance")
        .unwrap()
        .clone();
    assert_eq!(
        writing["second"],
        serde_json::json!({ "provider": "anthropic", "base_url": second, "model": "fake-claude" })
    );
    save_key(&app, "writing_service_key", "sk-live-4f9c2e7a1b3d5e6f").await;
    let calls = || async {
        ai_calls::Entity::find()
            .filter(ai_calls::Column::UserId.eq(me.user.id))
            .order_by_desc(ai_calls::Column::Id)
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| format!("{} {}", c.model, c.outcome))
            .collect::<Vec<_>>()
    };
    let suggest = || {
        app.call(
            "tools/writing/suggest",
            &[("text", "We utilize very good tools.")],
        )
    };

    // Without a key for the second service, the call goes to the first only.
    let (status, _, body) = suggest().await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(calls().await, ["down-a bad_reply"]);

    // With one (bound to the second's address), it fails over there, in that API.
    let page = app.get("/settings/api-keys").await.text().await.unwrap();
    assert!(
        page.contains("Writing assistance key for the second service"),
        "{page}"
    );
    save_key(&app, "writing_second_service_key", KEY).await;
    let stored = digame::entities::user_api_keys::Entity::find()
        .filter(digame::entities::user_api_keys::Column::KeyName.eq("writing_second_service_key"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.bound_url, second);
    let (_, _, body) = app
        .call("keys/test", &[("name", "writing_second_service_key")])
        .await;
    assert_eq!(
        body["outcome"], "accepted",
        "asked at the second service: {body}"
    );
    let (status, _, body) = suggest().await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !body["suggestions"].as_array().unwrap().is_empty(),
        "{body}"
    );
    // The call's row names the model that answered; the failed attempt has its own.
    assert_eq!(calls().await[..2], ["down-a bad_reply", "fake-claude ok"]);

    // Streamed over the JSON API, the same.
    let res = app
        .client
        .post(app.url("/api/v1/ai/writing-assistance/suggest"))
        .header("accept", "text/event-stream")
        .json(&serde_json::json!({"text": "We utilize very good tools."}))
        .send()
        .await
        .unwrap();
    let text = res.text().await.unwrap();
    assert!(text.contains("event: result"), "{text}");
    assert_eq!(calls().await[..2], ["down-a bad_reply", "fake-claude ok"]);

    // A row of that name that is bound to nothing (a key of one's own saved under that name
    // before second services existed) is not sent there.
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let mut unbound: digame::entities::user_api_keys::ActiveModel = stored.clone().into();
    unbound.bound_url = Set(String::new());
    unbound.update(&app.state.db).await.unwrap();
    let (status, _, body) = suggest().await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(calls().await[0], "down-a bad_reply");
    let mut bound: digame::entities::user_api_keys::ActiveModel = stored.clone().into();
    bound.bound_url = Set(second.clone());
    bound.update(&app.state.db).await.unwrap();

    // The second service moved: the key stays with the address it was saved for, so the
    // call does not go there, and its owner is told.
    let elsewhere = second
        .replace("localhost", "127.0.0.1")
        .replace("/v1", "/v2");
    let (status, body) = set_second(&app, "down-a", ("anthropic", &elsewhere, "fake-claude")).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = suggest().await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(calls().await[0], "down-a bad_reply");
    let held = digame::entities::outbox::Entity::find()
        .filter(
            digame::entities::outbox::Column::Subject.eq("Your Writing assistance key is on hold"),
        )
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(held.len(), 1, "one mail, for the second service's key");
}
