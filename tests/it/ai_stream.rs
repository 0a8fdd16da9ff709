//! Every AI route of the JSON API streams with `Accept: text/event-stream`: drafts in the
//! result's shape (lists only with whole items), then the checked result with the tokens
//! used, as recorded; refusals keep their status; closing the connection cancels the call
//! upstream and records only what was used.

use crate::common;

use common::{person, save_key, spawn_app, spawn_app_with, TestApp};
use digame::entities::ai_calls;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use std::time::Duration;

const KEY: &str = "sk-live-4f9c2e7a1b3d5e6f";

/// Posts `body` to `/api/v1/ai{path}` asking for events; the status and the events.
async fn stream(app: &TestApp, path: &str, body: Value) -> (u16, Vec<(String, Value)>, String) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/ai{path}")))
        .header("accept", "text/event-stream")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let kind = common::header(res.headers(), "content-type").to_owned();
    let text = res.text().await.unwrap();
    if status != 200 {
        return (status, Vec::new(), text);
    }
    assert!(kind.starts_with("text/event-stream"), "{kind}");
    (status, events_of(&text), text)
}

/// The events of a body after the first (`call`, the call's id): name and data, in order.
fn events_of(text: &str) -> Vec<(String, Value)> {
    let mut seen = 0;
    let mut events: Vec<(String, Value)> =
        digame::features::tools::live::take_events(text, &mut seen)
            .into_iter()
            .map(|(name, data)| (name, serde_json::from_str(&data).expect("JSON data")))
            .collect();
    let (first, call) = events.remove(0);
    assert_eq!(first, "call", "{text}");
    assert!(call["id"].as_i64().is_some(), "{text}");
    events
}

async fn calls_of(app: &TestApp, email: &str) -> Vec<ai_calls::Model> {
    let who = person(app, email).await;
    ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(who.user.id))
        .order_by_asc(ai_calls::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn each_ai_route_streams_drafts_then_the_result_with_its_usage() {
    let app = spawn_app().await;
    let email = app.register("api-stream").await;

    // A refusal comes before the stream, with its status and the error shape.
    let (status, _, body) = stream(
        &app,
        "/writing-assistance/suggest",
        json!({"text": "very good"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("API_KEY_MISSING"), "{body}");

    for key in [
        "writing_service_key",
        "communication_style_service_key",
        "meeting_insights_service_key",
        "language_learning_api_key",
        "email_analysis_service_key",
    ] {
        save_key(&app, key, KEY).await;
    }
    let (status, _, body) = stream(
        &app,
        "/language/translate",
        json!({"text": "cat", "target_language": "xx"}),
    )
    .await;
    assert_eq!(
        status, 422,
        "bad input is refused before the stream: {body}"
    );

    let analysis: Value = app
        .client
        .post(app.url("/api/v1/ai/email-analysis/analyze"))
        .json(&json!([
            {"sender": "ana@example.com", "recipients": "me@example.com", "timestamp": "2026-11-02T09:00:00Z", "subject": "Plan"},
            {"sender": "me@example.com", "recipients": "ana@example.com", "timestamp": "2026-11-02T10:00:00Z", "subject": "Re: Plan"}
        ]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let routes = [
        (
            "/writing-assistance/suggest",
            json!({"text": "I recieve teh report and its very good, we will definately send it."}),
            "suggestions",
        ),
        (
            "/communication-style/analyze",
            json!({"text": "Thanks so much! Maybe we could perhaps meet later, if that is fine?"}),
            "categories",
        ),
        (
            "/meeting-insights/analyze",
            json!({"notes": "Launch planning\nBudget is tight\nDecision: ship on the 1st\nAction: Ana - send the draft by 2026-12-01"}),
            "summary",
        ),
        (
            "/language/translate",
            json!({"text": "cat", "target_language": "fr"}),
            "translation",
        ),
        ("/language/define", json!({"word": "cat"}), "senses"),
        (
            "/email-analysis/narrative",
            json!({ "analysis": analysis }),
            "narrative",
        ),
    ];
    for (path, body, field) in routes {
        let (status, events, text) = stream(&app, path, body).await;
        assert_eq!(status, 200, "{path}: {text}");
        let (last, drafts) = events.split_last().expect("events");
        assert_eq!(last.0, "result", "{path}: {text}");
        assert!(
            !last.1["result"][field].is_null(),
            "{path}: the checked result has its {field}: {text}"
        );
        assert!(
            drafts
                .iter()
                .all(|(name, d)| name == "draft" && d.is_object()),
            "{path}: {text}"
        );
        if matches!(field, "suggestions" | "summary") {
            assert!(
                !drafts.is_empty(),
                "{path}: the answer is seen arriving: {text}"
            );
        }
        // The last event's usage is the call's, as recorded.
        let call = calls_of(&app, &email).await.pop().unwrap();
        assert_eq!(call.outcome, "ok", "{path}");
        let usage = &last.1["usage"];
        assert_eq!(usage["prompt_tokens"], call.prompt_tokens, "{path}");
        assert_eq!(usage["completion_tokens"], call.completion_tokens, "{path}");
        assert_eq!(
            usage["total_tokens"],
            call.prompt_tokens + call.completion_tokens,
            "{path}"
        );
        assert!(call.completion_tokens > 0, "{path}");
    }

    // The writing suggestions arrive whole: every suggestion in a draft is one of the
    // result's, never half of one.
    let (_, events, text) = stream(
        &app,
        "/writing-assistance/suggest",
        json!({"text": "I recieve teh report and its very good, we will definately send it."}),
    )
    .await;
    let (last, drafts) = events.split_last().unwrap();
    let whole = last.1["result"]["suggestions"].as_array().unwrap();
    assert!(whole.len() >= 2, "{text}");
    let mut grew = false;
    for (_, draft) in drafts {
        let Some(items) = draft["suggestions"].as_array() else {
            continue;
        };
        for item in items {
            assert!(
                whole.iter().any(|w| w == item),
                "a draft shows a suggestion that is not whole: {item}"
            );
        }
        grew |= !items.is_empty() && items.len() < whole.len();
    }
    assert!(grew, "suggestions appear one by one: {text}");
}

#[tokio::test]
async fn closing_the_connection_cancels_the_call_upstream_and_counts_what_was_used() {
    // Slow answers (an event every 150 ms) need more than the tests' usual 3 s.
    let app = spawn_app_with(&[("DIGAME_AI_TIMEOUT_SECONDS", "60")]).await;
    let email = app.register("api-cancel").await;
    save_key(&app, "meeting_insights_service_key", KEY).await;

    let notes = format!(
        "Launch planning [[fake:slow-stream]]\n{}",
        "Budget is tight and we talked about it at length.\n".repeat(20)
    );
    let mut res = app
        .client
        .post(app.url("/api/v1/ai/meeting-insights/analyze"))
        .header("accept", "text/event-stream")
        .json(&json!({ "notes": notes }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    // The first draft has arrived: the answer is being written. Then the client leaves.
    let mut seen = String::new();
    while !seen.contains("event: draft") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), res.chunk())
            .await
            .expect("a draft within 10 s")
            .unwrap()
            .expect("more of the stream");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(res);

    // The test service sees its stream left before its end, and the call is recorded as
    // cancelled with what had arrived (less than a whole answer).
    let fake = reqwest::Client::new();
    let mut abandoned = 0;
    let mut call = None;
    for _ in 0..100 {
        abandoned = fake
            .get(format!("{}/fake/abandoned", app.ai_base))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["abandoned"]
            .as_u64()
            .unwrap();
        call = calls_of(&app, &email).await.pop();
        if abandoned == 1 && call.as_ref().is_some_and(|c| c.outcome != "pending") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(abandoned, 1, "the upstream request was closed");
    let call = call.unwrap();
    assert_eq!(call.outcome, "cancelled");
    assert!(
        call.prompt_tokens > 0 && call.completion_tokens > 0,
        "{call:?}"
    );

    // The same notes answered whole use more: only what was used was counted.
    let whole = stream(
        &app,
        "/meeting-insights/analyze",
        json!({ "notes": notes.replace("[[fake:slow-stream]]", "") }),
    )
    .await;
    assert_eq!(whole.0, 200, "{}", whole.2);
    let answered = calls_of(&app, &email).await.pop().unwrap();
    assert_eq!(answered.outcome, "ok");
    assert!(
        call.completion_tokens < answered.completion_tokens,
        "cancelled {} < whole {}",
        call.completion_tokens,
        answered.completion_tokens
    );
}

/// Posts a tool's form as its page with JavaScript does; the status and the events.
async fn page_stream(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, Vec<(String, Value)>, String) {
    let res = app
        .client
        .post(app.url(path))
        .header("origin", &app.base)
        .header("accept", "text/event-stream")
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    if status != 200 {
        return (status, Vec::new(), text);
    }
    (status, events_of(&text), text)
}

#[tokio::test]
async fn each_tool_page_streams_its_answer_and_keeps_it_for_a_reload() {
    let app = spawn_app().await;
    let (status, _, body) =
        page_stream(&app, "/tools/writing/stream", &[("text", "very good")]).await;
    assert_eq!(status, 401, "signed out: {body}");
    app.register("page-stream").await;
    for key in [
        "writing_service_key",
        "communication_style_service_key",
        "language_learning_api_key",
    ] {
        save_key(&app, key, KEY).await;
    }
    let (status, _, body) = page_stream(&app, "/tools/style/stream", &[("txt", "x")]).await;
    assert_eq!(status, 400, "a form without its field: {body}");

    let pages = [
        (
            "/tools/writing/stream",
            vec![("text", "I recieve teh report and its very good.")],
            "/tools/writing",
            "recieve teh report",
        ),
        (
            "/tools/style/stream",
            vec![("text", "Thanks so much! Maybe we could meet later.")],
            "/tools/style",
            "Maybe we could meet later",
        ),
        (
            "/tools/language/translate/stream",
            vec![("text", "cat"), ("target", "fr"), ("source", "")],
            "/tools/language",
            "[fr] chat",
        ),
        (
            "/tools/language/define/stream",
            vec![("word", "serendipity"), ("language", "en")],
            "/tools/language",
            "serendipity",
        ),
    ];
    for (path, form, page, shown) in pages {
        let (status, events, text) = page_stream(&app, path, &form).await;
        assert_eq!(status, 200, "{path}: {text}");
        let last = events.last().expect("events");
        assert_eq!(last.0, "result", "{path}: {text}");
        assert!(
            last.1["usage"]["total_tokens"].as_i64().unwrap() > 0,
            "{path}"
        );
        // Coming back to the page shows the input and the answer again.
        let html = app.get(page).await.text().await.unwrap();
        assert!(html.contains(shown), "{page} shows {shown:?} again");
    }
}

/// Reads `res` until its text so far contains `wanted`; the text so far.
async fn read_until(res: &mut reqwest::Response, seen: &mut String, wanted: &str) {
    while !seen.contains(wanted) {
        let chunk = tokio::time::timeout(Duration::from_secs(10), res.chunk())
            .await
            .unwrap_or_else(|_| panic!("{wanted:?} within 10 s: {seen}"))
            .unwrap()
            .unwrap_or_else(|| panic!("the stream ended before {wanted:?}: {seen}"));
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn abandoned(app: &TestApp) -> u64 {
    reqwest::get(format!("{}/fake/abandoned", app.ai_base))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["abandoned"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn a_page_left_mid_answer_gets_it_kept_and_cancel_stops_it_upstream() {
    let app = spawn_app_with(&[("DIGAME_AI_TIMEOUT_SECONDS", "60")]).await;
    let email = app.register("page-cancel").await;
    save_key(&app, "meeting_insights_service_key", KEY).await;
    let notes = |title: &str| {
        format!(
            "{title} planning [[fake:slow-stream]]\n{}",
            "Budget is tight and we talked about it.\n".repeat(3)
        )
    };
    let start = |notes: String| {
        app.client
            .post(app.url("/tools/meetings/stream"))
            .header("origin", &app.base)
            .header("accept", "text/event-stream")
            .form(&[("notes", notes)])
            .send()
    };

    // Left (a reload, a closed tab) once the answer is under way: the call goes on, and
    // its answer is kept for the page.
    let mut res = start(notes("Yearly")).await.unwrap();
    let mut seen = String::new();
    read_until(&mut res, &mut seen, "event: draft").await;
    drop(res);
    let mut done = None;
    for _ in 0..300 {
        done = calls_of(&app, &email)
            .await
            .pop()
            .filter(|c| c.outcome != "pending");
        if done.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done.expect("the call ended").outcome, "ok");
    assert_eq!(abandoned(&app).await, 0, "nothing was stopped upstream");
    let html = app.get("/tools/meetings").await.text().await.unwrap();
    assert!(html.contains("Yearly planning"), "the answer is kept");

    // Cancel: the call is named in the first event, asked to stop, and stops upstream.
    let mut res = start(notes("Monthly")).await.unwrap();
    let mut seen = String::new();
    read_until(&mut res, &mut seen, "event: draft").await;
    let call: Value = serde_json::from_str(
        seen.split("event: call\ndata: ")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .expect("the call event"),
    )
    .unwrap();
    let id = call["id"].as_i64().unwrap().to_string();
    let cancel = |id: String| {
        app.client
            .post(app.url("/tools/stream/cancel"))
            .header("origin", &app.base)
            .form(&[("call", id)])
            .send()
    };
    assert_eq!(cancel(id.clone()).await.unwrap().status().as_u16(), 204);
    read_until(&mut res, &mut seen, "event: error").await;
    assert!(seen.contains("cancelled"), "{seen}");
    let call = calls_of(&app, &email).await.pop().unwrap();
    assert_eq!(call.outcome, "cancelled");
    assert!(call.completion_tokens > 0);
    let mut stopped = 0;
    for _ in 0..50 {
        stopped = abandoned(&app).await;
        if stopped == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stopped, 1, "the request to the AI service was closed");
    // Once ended, or for anybody else, there is nothing to cancel.
    assert_eq!(cancel(id.clone()).await.unwrap().status().as_u16(), 404);
    let other = common::new_client();
    app.register_with(&other, "page-cancel-other").await;
    let res = other
        .post(app.url("/tools/stream/cancel"))
        .header("origin", &app.base)
        .form(&[("call", id)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
}

#[tokio::test]
async fn a_page_reloaded_mid_answer_says_it_is_still_being_written_then_shows_it() {
    let app = spawn_app_with(&[("DIGAME_AI_TIMEOUT_SECONDS", "60")]).await;
    app.register("page-reload").await;
    save_key(&app, "writing_service_key", KEY).await;
    let text = format!(
        "Reloaded draft [[fake:slow-stream]] {}",
        "We utilize very good tools. ".repeat(6)
    );
    let mut res = app
        .client
        .post(app.url("/tools/writing/stream"))
        .header("origin", &app.base)
        .header("accept", "text/event-stream")
        .form(&[("text", text.as_str())])
        .send()
        .await
        .unwrap();
    let mut seen = String::new();
    read_until(&mut res, &mut seen, "event: draft").await;
    // The reload while it is written: the input, and the notice that the answer is coming
    // (the page asks for it every two seconds).
    let html = app.get("/tools/writing").await.text().await.unwrap();
    assert!(html.contains("Reloaded draft"), "the input is kept");
    assert!(
        html.contains("data-still-answering")
            && html.contains("Your last text is still being read."),
        "{html}"
    );
    drop(res);
    // Once it is written, the page shows it and no notice.
    let mut html = String::new();
    for _ in 0..300 {
        html = app.get("/tools/writing").await.text().await.unwrap();
        if !html.contains("data-still-answering") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!html.contains("data-still-answering"), "{html}");
    assert!(
        html.contains("utilize"),
        "the answer's suggestion is shown: {html}"
    );
}
