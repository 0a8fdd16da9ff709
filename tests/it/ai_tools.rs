//! The AI tools end to end over HTTP, against the built-in test AI service: each tool's
//! answer, the refusals, bad input, every upstream failure read clearly, usage recorded,
//! the per-minute limit, and the key never in the logs.

use crate::common;

use common::{person, save_key, spawn_app, TestApp};
use digame::entities::{ai_calls, ai_usage};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::Value;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

const KEY: &str = "sk-live-4f9c2e7a1b3d5e6f";

/// Everything this test binary logs, at debug level, to look for the key in.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || Capture(sink.clone()))
            .try_init()
            .ok();
        buffer
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn set_endpoint(app: &TestApp, tool: &str, base_url: &str, model: &str) -> (u16, Value) {
    let (status, _, body) = app
        .call(
            "admin/ai/set",
            &[("tool", tool), ("base_url", base_url), ("model", model)],
        )
        .await;
    (status, body)
}

async fn calls_of(app: &TestApp, user_id: i64) -> Vec<ai_calls::Model> {
    ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(user_id))
        .order_by_asc(ai_calls::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn writing_suggestions_are_anchored_in_the_text_and_the_call_is_recorded() {
    let app = spawn_app().await;
    let email = app.register("writer").await;
    let me = person(&app, &email).await;
    save_key(&app, "writing_service_key", KEY).await;
    let text = "Ça marche: we utilize very good tools and and more.";
    let (status, _, body) = app.call("tools/writing/suggest", &[("text", text)]).await;
    assert_eq!(status, 200, "{body}");
    let chars: Vec<char> = text.chars().collect();
    let spans: Vec<String> = body["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let start = s["start"].as_u64().unwrap() as usize;
            let len = s["length"].as_u64().unwrap() as usize;
            chars[start..start + len].iter().collect()
        })
        .collect();
    assert_eq!(spans, vec!["utilize", "very good", "and and"], "{body}");
    assert_eq!(body["suggestions"][0]["replacements"][0], "use");
    assert_eq!(body["suggestions"][0]["category"], "clarity");

    let calls = calls_of(&app, me.user.id).await;
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(
        (call.tool.as_str(), call.outcome.as_str()),
        ("writing_assistance", "ok")
    );
    assert_eq!(call.tenant_id, me.tenant.id);
    assert!(
        call.prompt_tokens > 0 && call.completion_tokens > 0,
        "{call:?}"
    );
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let usage = ai_usage::Entity::find_by_id((me.user.id, day))
        .one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        usage.map(|u| u.calls),
        Some(1),
        "counted against the daily allowance"
    );
}

#[tokio::test]
async fn style_meetings_and_language_answer_through_their_panels() {
    let app = spawn_app().await;
    app.register("panels").await;
    for key in [
        "communication_style_service_key",
        "meeting_insights_service_key",
        "language_learning_api_key",
    ] {
        save_key(&app, key, KEY).await;
    }

    let (status, _, body) = app
        .call(
            "tools/style/analyse",
            &[("text", "Thanks so much! Maybe we could meet on Friday.")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["categories"][0]["label"], "friendly", "{body}");
    let confidence = body["categories"][0]["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));
    assert_eq!(body["readability"]["words"], 9, "computed locally: {body}");

    let notes = "Launch planning\nBudget is tight\nDecision: ship on the 1st\nAction: Ana - send the draft by 2026-12-01\nAction: review the copy";
    let (status, _, body) = app
        .call("tools/meetings/analyse", &[("notes", notes)])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["summary"]
        .as_str()
        .unwrap()
        .contains("Launch planning"));
    assert_eq!(body["decisions"][0], "ship on the 1st");
    assert_eq!(body["action_items"][0]["owner"], "Ana");
    assert_eq!(body["action_items"][0]["due"], "2026-12-01");
    assert_eq!(body["action_items"][1]["owner"], Value::Null);

    // An action item goes to the task list as a suggested task.
    let (status, _, body) = app
        .call(
            "tools/meetings/add-task",
            &[
                ("task", "send the draft"),
                ("owner", "Ana"),
                ("due", "2026-12-01"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, _, list) = app
        .call("tasks/list", &[("status", "suggested"), ("sort", "")])
        .await;
    assert_eq!(list["tasks"][0]["title"], "send the draft", "{list}");
    assert_eq!(list["tasks"][0]["due_on"], "2026-12-01");
    assert!(list["tasks"][0]["description"]
        .as_str()
        .unwrap()
        .contains("Owner: Ana"));
    // Added again (a second click, two at once): still one task.
    let again = [
        ("task", "send the draft"),
        ("owner", "Ana"),
        ("due", "2026-12-01"),
    ];
    let (first, second) = tokio::join!(
        app.call("tools/meetings/add-task", &again),
        app.call("tools/meetings/add-task", &again)
    );
    assert_eq!((first.0, second.0), (200, 200), "{} {}", first.2, second.2);
    let (_, _, list) = app
        .call("tasks/list", &[("status", "suggested"), ("sort", "")])
        .await;
    assert_eq!(list["tasks"].as_array().map(Vec::len), Some(1), "{list}");

    let (status, _, body) = app
        .call(
            "tools/language/translate",
            &[("text", "Hello world"), ("target", "es"), ("source", "")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["translation"], "[es] hola mundo");
    assert_eq!(
        (body["source"].as_str(), body["detected"].as_bool()),
        (Some("en"), Some(true))
    );

    let (status, _, body) = app
        .call(
            "tools/language/define",
            &[("word", "quickly"), ("language", "fr")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["part_of_speech"], "adverb");
    assert_eq!(body["senses"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_input_gets_a_message_for_its_field_and_costs_nothing() {
    let app = spawn_app().await;
    let email = app.register("bad-input").await;
    let me = person(&app, &email).await;
    save_key(&app, "writing_service_key", KEY).await;
    save_key(&app, "language_learning_api_key", KEY).await;
    let long = "é".repeat(5_001);
    for (endpoint, form, field) in [
        ("tools/writing/suggest", vec![("text", "   ")], "text"),
        (
            "tools/writing/suggest",
            vec![("text", long.as_str())],
            "text",
        ),
        (
            "tools/language/translate",
            vec![("text", "hi"), ("target", "xx"), ("source", "")],
            "target",
        ),
        (
            "tools/language/translate",
            vec![("text", "hi"), ("target", "en"), ("source", "en")],
            "target",
        ),
        (
            "tools/language/translate",
            vec![("text", "hi"), ("target", "es"), ("source", "klingon")],
            "source",
        ),
        (
            "tools/language/define",
            vec![("word", "one two three four five"), ("language", "en")],
            "word",
        ),
    ] {
        let (status, _, body) = app.call(endpoint, &form).await;
        assert_eq!(status, 400, "{endpoint} {form:?}: {body}");
        assert_eq!(body["code"], "VALIDATION_ERROR", "{body}");
        assert_eq!(body["detail"]["field"], field, "{body}");
    }
    assert!(
        calls_of(&app, me.user.id).await.is_empty(),
        "nothing was recorded"
    );
    // A missing argument is a clear 400 too.
    let (status, _, body) = app.call("tools/style/analyse", &[]).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn locked_tools_refuse_with_the_reason() {
    let app = spawn_app().await;
    let email = app.register("locked").await;
    let me = person(&app, &email).await;
    let (status, _, body) = app
        .call("tools/writing/suggest", &[("text", "Hello")])
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("API_KEY_MISSING")),
        "{body}"
    );

    save_key(&app, "writing_service_key", KEY).await;
    app.call(
        "admin/features/set",
        &[("flag", "writing_assistance"), ("enabled", "false")],
    )
    .await;
    let (status, _, body) = app
        .call("tools/writing/suggest", &[("text", "Hello")])
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("FEATURE_DISABLED")),
        "{body}"
    );
    let (_, _, page) = app
        .call("tools/status", &[("tool", "writing_assistance")])
        .await;
    assert_eq!(page["card"]["access"]["state"], "SwitchedOff", "{page}");

    app.call(
        "admin/features/set",
        &[("flag", "writing_assistance"), ("enabled", "true")],
    )
    .await;
    common::set_ai_calls_today(&app, me.user.id, 10_000).await;
    let (status, headers, body) = app
        .call("tools/writing/suggest", &[("text", "Hello")])
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("RATE_LIMITED")),
        "{body}"
    );
    assert!(!common::header(&headers, "retry-after").is_empty());
    assert!(calls_of(&app, me.user.id).await.is_empty());
}

#[tokio::test]
async fn the_per_minute_limit_answers_with_when_to_try_again() {
    let app = spawn_app().await;
    let email = app.register("minute").await;
    let me = person(&app, &email).await;
    save_key(&app, "writing_service_key", KEY).await;
    for _ in 0..20 {
        ai_calls::ActiveModel {
            tenant_id: Set(me.tenant.id),
            user_id: Set(me.user.id),
            tool: Set("writing_assistance".into()),
            model: Set("fake-model".into()),
            prompt_tokens: Set(1),
            completion_tokens: Set(1),
            latency_ms: Set(1),
            outcome: Set("ok".into()),
            created_at: Set(chrono::Utc::now() - chrono::Duration::seconds(30)),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
    }
    let (status, headers, body) = app
        .call("tools/writing/suggest", &[("text", "Hello")])
        .await;
    assert_eq!(status, 429, "{body}");
    let wait: i64 = common::header(&headers, "retry-after").parse().unwrap();
    assert!((25..=32).contains(&wait), "{wait}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("Try again in {wait} s")),
        "{body}"
    );
}

#[tokio::test]
async fn upstream_failures_read_clearly_are_recorded_and_never_leak_the_key() {
    let logs = captured_logs();
    let app = spawn_app().await;
    let email = app.register("upstream").await;
    let me = person(&app, &email).await;
    save_key(&app, "writing_service_key", KEY).await;
    let ask = |text: &'static str| {
        let app = &app;
        async move { app.call("tools/writing/suggest", &[("text", text)]).await }
    };

    for (text, status, says) in [
        ("very good [[fake:500]]", 502, "could not read"),
        ("very good [[fake:429]]", 502, "try again in 30 s"),
        ("very good [[fake:garbage]]", 502, "could not read"),
        ("very good [[fake:slow]]", 502, "took too long"),
        ("very good [[fake:drip]]", 502, "took too long"),
    ] {
        let started = std::time::Instant::now();
        let (got, _, body) = ask(text).await;
        assert_eq!(got, status, "{text}: {body}");
        assert_eq!(body["code"], "UPSTREAM_ERROR", "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(says), "{text}: {message}");
        assert!(!message.contains("Sure!"), "a raw reply is never shown");
        assert!(
            started.elapsed().as_secs() < 8,
            "{text} answered within the timeout"
        );
    }
    // One retry on a 5xx, one repair of a reply that is not JSON: both then succeed.
    for text in [
        "very good [[fake:500-once]]",
        "very good [[fake:garbage-once]]",
    ] {
        let (got, _, body) = ask(text).await;
        assert_eq!(got, 200, "{text}: {body}");
        assert_eq!(body["suggestions"][0]["replacements"][0], "good");
    }
    let outcomes: Vec<String> = calls_of(&app, me.user.id)
        .await
        .into_iter()
        .map(|c| c.outcome)
        .collect();
    assert_eq!(
        outcomes,
        vec![
            "bad_reply",
            "rate_limited",
            "bad_reply",
            "timed_out",
            "timed_out",
            "ok",
            "ok"
        ]
    );

    // A key the service rejects points to the settings page.
    save_key(&app, "writing_service_key", "reject-this-key-123456").await;
    let (got, _, body) = ask("very good").await;
    assert_eq!(got, 502, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("rejected your key"),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("/settings/api-keys"),
        "{body}"
    );

    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    assert!(logs.contains("AI call"), "the calls were logged");
    assert!(
        !logs.contains(KEY) && !logs.contains("reject-this-key-123456"),
        "a key was logged"
    );
}

#[tokio::test]
async fn calls_to_private_addresses_are_refused_unless_allowed() {
    use digame::ai::provider::{
        ChatProvider, ChatRequest, Message, OpenAiCompatible, ProviderError,
    };
    let app = spawn_app().await;
    let port = app
        .ai_base
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/v1")
        .to_owned();
    let key = secrecy::SecretString::from(KEY);
    let request = |base: String| ChatRequest {
        base_url: base,
        model: "fake-model".into(),
        messages: vec![Message::user("hello")],
        max_tokens: 10,
        timeout: std::time::Duration::from_secs(3),
    };
    // The name resolves to loopback: refused when the connection is made.
    let strict = OpenAiCompatible {
        http: digame::web::state::http_client(false).unwrap(),
    };
    let err = strict
        .complete(&request(format!("http://localhost:{port}/v1")), &key)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ProviderError::Unreachable(why) if why.contains("private")),
        "{err:?}"
    );
    assert!(
        err.message().contains("private addresses"),
        "{}",
        err.message()
    );
    // Allowed, the same call goes through.
    let open = OpenAiCompatible {
        http: digame::web::state::http_client(true).unwrap(),
    };
    let done = open
        .complete(&request(format!("http://localhost:{port}/v1")), &key)
        .await;
    assert!(done.is_ok(), "{done:?}");
}

#[tokio::test]
async fn admins_choose_where_a_tool_calls_and_see_its_usage() {
    let app = spawn_app().await;
    let email = app.register("ai-admin").await;
    let me = person(&app, &email).await;
    save_key(&app, "writing_service_key", KEY).await;

    // Bad addresses and models are refused by field.
    for (url, model, field) in [
        ("ftp://models.example.com", "m", "base_url"),
        ("not an address", "m", "base_url"),
        ("https://api.example.com/v1", "gpt 4", "model"),
    ] {
        let (status, body) = set_endpoint(&app, "writing_assistance", url, model).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert_eq!(body["detail"]["field"], field, "{body}");
    }
    let (status, body) = set_endpoint(
        &app,
        "intelligent_task_prioritization",
        "https://a.example/v1",
        "m",
    )
    .await;
    assert_eq!(status, 400, "a tool without an AI service: {body}");

    // Pointed at an address where nothing answers, the tool's calls go there.
    let (status, body) = set_endpoint(
        &app,
        "writing_assistance",
        "http://127.0.0.1:9/v1",
        "other-model",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The admin's own key was saved for the old address: held until they confirm.
    let (status, _, body) = app
        .call("tools/writing/suggest", &[("text", "very good")])
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, _, body) = app
        .call("keys/confirm-address", &[("name", "writing_service_key")])
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = app
        .call("tools/writing/suggest", &[("text", "very good")])
        .await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{body}"
    );
    // Back to the default, the tool works again.
    let (status, _) = set_endpoint(&app, "writing_assistance", "", "").await;
    assert_eq!(status, 200);
    let (status, _, body) = app
        .call("keys/confirm-address", &[("name", "writing_service_key")])
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = app
        .call("tools/writing/suggest", &[("text", "very good")])
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, _, view) = app.call("admin/ai/view", &[]).await;
    assert_eq!(status, 200, "{view}");
    let writing = view["by_tool"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tool"] == "writing_assistance")
        .unwrap()["usage"]
        .clone();
    assert_eq!(
        (writing["calls"].as_i64(), writing["errors"].as_i64()),
        (Some(2), Some(1)),
        "{view}"
    );
    assert!(writing["median_ms"].as_i64().is_some());
    let days = view["by_day"].as_array().unwrap();
    assert_eq!(days.len(), 14);
    assert_eq!(days[13]["usage"]["calls"], 2, "today is last: {view}");
    let calls = calls_of(&app, me.user.id).await;
    assert_eq!(calls[0].model, "other-model");
    assert_eq!(calls[0].outcome, "unreachable");

    // The changes are in the audit log.
    let (_, _, audit) = app
        .call(
            "admin/audit",
            &[
                ("action", "ai.endpoint_changed"),
                ("page", "1"),
                ("actor", ""),
            ],
        )
        .await;
    assert!(
        audit.to_string().matches("ai.endpoint_changed").count() >= 2,
        "{audit}"
    );

    // Members cannot see or change any of it.
    let (member, _) = common::add_member(&app, me.tenant.id, "ai-member").await;
    let (status, _, _) = app.call_with(&member, "admin/ai/view", &[]).await;
    assert_eq!(status, 403);
    let (status, _, _) = app
        .call_with(
            &member,
            "admin/ai/set",
            &[
                ("tool", "writing_assistance"),
                ("base_url", "https://a.example/v1"),
                ("model", "m"),
            ],
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn without_private_addresses_allowed_admins_cannot_point_a_tool_inside() {
    let app = spawn_app().await;
    let email = app.register("strict").await;
    let me = person(&app, &email).await;
    let mut strict = app.state.ai.settings.clone();
    strict.allow_private = false;
    let set = |url: &'static str| {
        let (app, strict, me) = (&app, &strict, &me);
        async move {
            digame::features::ai_admin::service::set(
                &app.state.db,
                strict,
                me,
                digame::domain::ToolId::WritingAssistance,
                digame::features::ai_admin::service::EndpointChoice {
                    base_url: url,
                    model: "m",
                    ..Default::default()
                },
            )
            .await
        }
    };
    for url in [
        "http://api.example.com/v1",
        "https://127.0.0.1/v1",
        "https://[::1]/v1",
        "https://169.254.169.254/v1",
        "https://localhost/v1",
    ] {
        let err = set(url).await.unwrap_err();
        assert_eq!(err.field(), Some("base_url"), "{url}: {err:?}");
    }
    set("https://api.example.com/v1")
        .await
        .expect("a public https address is fine");
}

#[tokio::test]
async fn the_json_api_runs_each_tool_with_the_same_checks_and_rate_headers() {
    let app = spawn_app().await;
    app.register("json-ai").await;
    let url = |p: &str| app.url(&format!("/api/v1/ai{p}"));
    let post = |path: &'static str, body: Value| {
        let req = app.client.post(url(path)).json(&body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            (status, headers, res.json::<Value>().await.unwrap())
        }
    };
    // No key yet: 400 API_KEY_MISSING, still with the window's headers.
    let (status, headers, body) = post(
        "/writing-assistance/suggest",
        serde_json::json!({"text": "very good"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("API_KEY_MISSING")),
        "{body}"
    );
    assert_eq!(common::header(&headers, "x-ratelimit-limit"), "20");

    for key in [
        "writing_service_key",
        "communication_style_service_key",
        "meeting_insights_service_key",
        "language_learning_api_key",
    ] {
        save_key(&app, key, KEY).await;
    }
    let (status, headers, body) = post(
        "/writing-assistance/suggest",
        serde_json::json!({"text": "very good"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["suggestions"][0]["replacements"][0], "good");
    assert_eq!(common::header(&headers, "x-ratelimit-remaining"), "19");
    let reset: i64 = common::header(&headers, "x-ratelimit-reset")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&reset));

    let (status, _, body) = post(
        "/communication-style/analyze",
        serde_json::json!({"text": "Thanks! Maybe later."}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = post(
        "/meeting-insights/analyze",
        serde_json::json!({"transcript": "Decision: go"}),
    )
    .await;
    assert_eq!(
        (status, body["decisions"][0].as_str()),
        (200, Some("go")),
        "{body}"
    );
    let (status, _, body) = post(
        "/language/translate",
        serde_json::json!({"text": "cat", "target_language": "fr"}),
    )
    .await;
    assert_eq!(
        (status, body["translation"].as_str()),
        (200, Some("[fr] chat")),
        "{body}"
    );
    let (status, _, body) = post("/language/define", serde_json::json!({"word": "cat"})).await;
    assert_eq!(
        (status, body["language"].as_str()),
        (200, Some("en")),
        "{body}"
    );

    // Parsed but invalid: 422 with the field; the wrong shape: 400.
    let (status, _, body) = post(
        "/language/translate",
        serde_json::json!({"text": "cat", "target_language": "xx"}),
    )
    .await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (422, Some("target")),
        "{body}"
    );
    let (status, _, body) = post(
        "/writing-assistance/suggest",
        serde_json::json!({"words": 3}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

/// A tool's last input and answer come back with the page (Back, a reload) for a day, to
/// its person only, whichever way it was asked (here as the page with JavaScript does).
#[tokio::test]
async fn the_last_answer_comes_back_with_the_page() {
    use digame::entities::last_answers;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
    let app = spawn_app().await;
    let email = app.register("last").await;
    save_key(&app, "writing_service_key", KEY).await;
    let (status, _, body) = app
        .call("tools/writing/suggest", &[("text", "We utilize it.")])
        .await;
    assert_eq!(status, 200, "{body}");
    let html = app.get("/tools/writing").await.text().await.unwrap();
    assert!(
        html.contains("We utilize it.</textarea>") && html.contains("Apply “use”"),
        "the input and the answer are shown again"
    );

    // Not to a colleague.
    let me = common::person(&app, &email).await;
    let (colleague, _) = common::add_member(&app, me.tenant_id(), "last-colleague").await;
    let ask = |client| app.call_with(client, "tools/answer", &[("tool", "writing_assistance")]);
    let (status, _, mine) = ask(&app.client).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["input"]["text"], "We utilize it.");
    let (status, _, theirs) = ask(&colleague).await;
    assert_eq!(status, 200, "{theirs}");
    assert!(theirs.is_null(), "only its person sees it: {theirs}");

    // A day later it is gone.
    let row = last_answers::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("kept");
    let mut row = row.into_active_model();
    row.updated_at = Set(chrono::Utc::now() - chrono::Duration::hours(25));
    row.update(&app.state.db).await.unwrap();
    let html = app.get("/tools/writing").await.text().await.unwrap();
    assert!(!html.contains("We utilize it."), "forgotten after a day");
}

/// Without JavaScript a tool form posts to its server function, which keeps the input and
/// the answer as the person's last and sends the browser back to the tool's page to show them.
#[tokio::test]
async fn tool_forms_work_without_javascript() {
    let app = spawn_app().await;
    app.register("no-js").await;
    save_key(&app, "writing_service_key", KEY).await;
    save_key(&app, "language_learning_api_key", KEY).await;
    let post = |endpoint: &'static str, form: Vec<(&'static str, &'static str)>| {
        let req = app
            .client
            .post(app.url(&format!("/api/{endpoint}")))
            .header("origin", &app.base)
            .header("referer", app.url("/tools/writing"))
            .header("accept", "text/html,application/xhtml+xml")
            .form(&form);
        async move { req.send().await.unwrap() }
    };
    let res = post("tools/writing/suggest", vec![("text", "We utilize it.")]).await;
    assert_eq!(res.status().as_u16(), 302);
    assert_eq!(
        common::header(res.headers(), "location"),
        "/tools/writing?answered=1"
    );
    let html = app
        .get("/tools/writing?answered=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("We utilize it.</textarea>"),
        "the input is back in the box"
    );
    assert!(
        html.contains("Suggestions (1)") && html.contains("Apply “use”"),
        "the answer is shown"
    );

    // An error keeps the input too, with the message on the field.
    let res = post("tools/writing/suggest", vec![("text", "   ")]).await;
    assert_eq!(
        common::header(res.headers(), "location"),
        "/tools/writing?answered=1"
    );
    let html = app
        .get("/tools/writing?answered=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Enter some text first."),
        "the message is shown"
    );

    // The language page has two forms: the answer shows under the one that was used.
    let res = post(
        "tools/language/define",
        vec![("word", "quickly"), ("language", "fr")],
    )
    .await;
    assert_eq!(
        common::header(res.headers(), "location"),
        "/tools/language?answered=1"
    );
    let html = app
        .get("/tools/language?answered=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-result=\"definition\"") && html.contains("adverb"));
    assert!(!html.contains("data-result=\"translation\""));
    assert!(
        html.contains("value=\"fr\" selected"),
        "the chosen language stays chosen"
    );
}

#[tokio::test]
async fn saved_results_are_private_and_deletable() {
    let app = spawn_app().await;
    let email = app.register("saver").await;
    let me = person(&app, &email).await;
    let payload = r#"{"text":"Hi","suggestions":[]}"#;
    let (status, _, id) = app
        .call(
            "tools/saved/save",
            &[
                ("tool", "writing_assistance"),
                ("title", "My draft"),
                ("payload", payload),
            ],
        )
        .await;
    assert_eq!(status, 200, "{id}");
    let (_, _, list) = app
        .call("tools/saved/list", &[("tool", "writing_assistance")])
        .await;
    assert_eq!(list[0]["title"], "My draft", "{list}");
    assert_eq!(list[0]["payload"], payload);
    // Saved again, even by two clicks at once: the one kept copy, not a second.
    let again = [
        ("tool", "writing_assistance"),
        ("title", "My draft"),
        ("payload", payload),
    ];
    let (first, second) = tokio::join!(
        app.call("tools/saved/save", &again),
        app.call("tools/saved/save", &again)
    );
    assert_eq!((first.0, second.0), (200, 200), "{} {}", first.2, second.2);
    assert_eq!((&first.2, &second.2), (&id, &id));
    let (_, _, list) = app
        .call("tools/saved/list", &[("tool", "writing_assistance")])
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let (_, _, other_tool) = app
        .call("tools/saved/list", &[("tool", "meeting_insights")])
        .await;
    assert_eq!(other_tool, serde_json::json!([]));

    for (form, field) in [
        (
            vec![
                ("tool", "writing_assistance"),
                ("title", " "),
                ("payload", payload),
            ],
            "title",
        ),
        (
            vec![
                ("tool", "writing_assistance"),
                ("title", "x"),
                ("payload", "not json"),
            ],
            "payload",
        ),
        (
            vec![
                ("tool", "writing_assistance"),
                ("title", "x"),
                ("payload", "[1]"),
            ],
            "payload",
        ),
        (
            vec![
                ("tool", "intelligent_task_prioritization"),
                ("title", "x"),
                ("payload", payload),
            ],
            "tool",
        ),
    ] {
        let (status, _, body) = app.call("tools/saved/save", &form).await;
        assert_eq!(
            (status, body["detail"]["field"].as_str()),
            (400, Some(field)),
            "{body}"
        );
    }

    // Another person, even an admin of another company, cannot see or delete it.
    let (member, _) = common::add_member(&app, me.tenant.id, "saver-colleague").await;
    let (_, _, theirs) = app
        .call_with(
            &member,
            "tools/saved/list",
            &[("tool", "writing_assistance")],
        )
        .await;
    assert_eq!(theirs, serde_json::json!([]));
    let id_text = id.to_string();
    let (status, _, _) = app
        .call_with(
            &member,
            "tools/saved/delete",
            &[("tool", "writing_assistance"), ("id", &id_text)],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = app
        .call(
            "tools/saved/delete",
            &[("tool", "writing_assistance"), ("id", &id_text)],
        )
        .await;
    assert_eq!(status, 200);
    let (_, _, list) = app
        .call("tools/saved/list", &[("tool", "writing_assistance")])
        .await;
    assert_eq!(list, serde_json::json!([]));
}

/// Without JavaScript a meeting's `.vtt` transcript is uploaded as a file: its spoken text
/// is analysed and shown in the text box with the insights; a binary file is refused.
#[tokio::test]
async fn a_meeting_transcript_file_is_analysed_without_javascript() {
    let app = spawn_app().await;
    app.register("meeting-file").await;
    save_key(&app, "meeting_insights_service_key", KEY).await;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        let req = app
            .client
            .post(app.url("/tools/meetings/upload"))
            .header("origin", &app.base)
            .header("accept", "text/html")
            .multipart(form);
        async move { req.send().await.unwrap() }
    };
    let vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nWe reviewed the launch plan.\n\n2\n00:00:05.000 --> 00:00:08.000\nAction: Ana - send the draft by 2026-12-01\n";
    let res = upload("standup.vtt", vtt.as_bytes().to_vec()).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        common::header(res.headers(), "location"),
        "/tools/meetings?answered=1"
    );
    let html = app
        .get("/tools/meetings?answered=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-summary"), "insights shown: {html}");
    assert!(html.contains("send the draft"), "the action item");
    assert!(
        !html.contains("00:00:01.000"),
        "timings are taken out of the text"
    );

    let res = upload("photo.vtt", b"\x89PNG\r\n\x1a\n\0\0\0".to_vec()).await;
    assert_eq!(res.status().as_u16(), 303);
    let html = app
        .get("/tools/meetings?answered=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("This file is not plain text"), "{html}");
}

/// Security issue, finding 6: a member's key goes only to the address it was saved for.
/// An admin who points a tool at a server of their own collects no key: the member's calls
/// are held (and the member mailed) until the member confirms the new address on their key
/// page, which names it; the confirmation is audited.
#[tokio::test]
async fn a_members_key_is_never_sent_to_an_address_an_admin_chose_later() {
    use axum::routing::post;
    use digame::entities::{audit_events, outbox};
    let app = spawn_app().await;
    let admin_email = app.register("key-bind-admin").await;
    let admin = person(&app, &admin_email).await;
    let (member, member_email) = common::add_member(&app, admin.tenant.id, "key-bind-member").await;
    let (status, _, body) = app
        .call_with(
            &member,
            "keys/save",
            &[
                ("origin", "writing_service_key"),
                ("name", "writing_service_key"),
                ("value", KEY),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = app
        .call_with(&member, "tools/writing/suggest", &[("text", "very good")])
        .await;
    assert_eq!(status, 200, "{body}");

    // The admin's own collector: it records every Authorization header it is sent.
    let seen: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let collector = axum::Router::new().route(
        "/v1/chat/completions",
        post(move |headers: axum::http::HeaderMap| {
            let record = record.clone();
            async move {
                if let Some(v) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
                    record.lock().unwrap().push(v.to_owned());
                }
                axum::http::StatusCode::INTERNAL_SERVER_ERROR
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector_url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, collector).await });
    let (status, body) = set_endpoint(&app, "writing_assistance", &collector_url, "m").await;
    assert_eq!(status, 200, "{body}");

    // The member's call is held, saying where the key was saved for and where calls go now.
    let (status, _, body) = app
        .call_with(&member, "tools/writing/suggest", &[("text", "very good")])
        .await;
    assert_eq!(status, 409, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(&app.ai_base) && message.contains(&collector_url),
        "{message}"
    );
    let (status, _, check) = app
        .call_with(&member, "keys/test", &[("name", "writing_service_key")])
        .await;
    assert_eq!(
        (status, check["outcome"].as_str()),
        (200, Some("held")),
        "{check}"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "no key reached the admin's server"
    );
    // The member was told, by mail, and the key page names the new address.
    let mailed = outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(member_email.as_str()))
        .filter(outbox::Column::Subject.contains("on hold"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(mailed.len(), 1);
    assert!(mailed[0].body.contains(&collector_url));
    let (_, _, rows) = app.call_with(&member, "keys/list", &[]).await;
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "writing_service_key")
        .unwrap()
        .clone();
    assert_eq!(row["stored"]["held_for"], collector_url.as_str(), "{row}");
    assert_eq!(row["stored"]["sent_to"], app.ai_base.as_str(), "{row}");

    // Once the member confirms, the key goes there (the collector answers 500).
    let (status, _, body) = app
        .call_with(
            &member,
            "keys/confirm-address",
            &[("name", "writing_service_key")],
        )
        .await;
    assert_eq!(
        (status, body.as_str()),
        (200, Some(collector_url.as_str())),
        "{body}"
    );
    let (status, _, body) = app
        .call_with(&member, "tools/writing/suggest", &[("text", "very good")])
        .await;
    assert_eq!(status, 502, "{body}");
    let sent = seen.lock().unwrap().clone();
    assert!(
        !sent.is_empty() && sent.iter().all(|a| *a == format!("Bearer {KEY}")),
        "{sent:?}"
    );
    let confirmed = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("api_key.address_confirmed"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(confirmed.len(), 1);
}

/// Security issue: the per-minute AI limit holds under a burst of parallel calls (each is
/// counted before any reads the window), so no more than the limit reach the AI service.
#[tokio::test]
async fn a_burst_of_ai_calls_gets_no_more_than_the_minute_allows() {
    let app = common::spawn_app_with(&[("DIGAME_AI_CALLS_PER_MINUTE", "3")]).await;
    let email = app.register("minute-burst").await;
    let me = person(&app, &email).await;
    save_key(&app, "writing_service_key", KEY).await;
    let calls = (0..12).map(|_| {
        let app = &app;
        async move {
            app.call("tools/writing/suggest", &[("text", "very good")])
                .await
                .0
        }
    });
    let statuses = common::futures_join_all(calls).await;
    let answered = statuses.iter().filter(|s| **s == 200).count();
    assert!(answered <= 3, "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        12 - answered,
        "{statuses:?}"
    );
    assert!(calls_of(&app, me.user.id).await.len() <= 3);
}
