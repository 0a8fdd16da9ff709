//! The meeting insights streamed as server-sent events (`POST /tools/meetings/stream`), as
//! the page with JavaScript asks for them: drafts while the model writes, then the checked
//! answer; refusals before the stream starts keep their status; failures during it end the
//! stream with the error; usage is recorded either way.

use crate::common;

use common::{person, save_key, spawn_app, TestApp};
use digame::entities::ai_calls;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

const KEY: &str = "sk-live-4f9c2e7a1b3d5e6f";
const NOTES: &str = "Launch planning\nBudget is tight\nDecision: ship on the 1st\nAction: Ana - send the draft by 2026-12-01";

/// Posts `notes` as the page does; the status, the content type and the body.
async fn stream(app: &TestApp, notes: &str) -> (u16, String, String) {
    let res = app
        .client
        .post(app.url("/tools/meetings/stream"))
        .header("origin", &app.base)
        .header("accept", "text/event-stream")
        .form(&[("notes", notes)])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let kind = common::header(res.headers(), "content-type").to_owned();
    (status, kind, res.text().await.unwrap())
}

/// The events of a body after the first (`call`, the call's id): name and data, in order.
fn events_of(body: &str) -> Vec<(String, Value)> {
    let mut seen = 0;
    let mut events: Vec<(String, Value)> =
        digame::features::tools::live::take_events(body, &mut seen)
            .into_iter()
            .map(|(name, data)| (name, serde_json::from_str(&data).unwrap()))
            .collect();
    let (first, call) = events.remove(0);
    assert_eq!(first, "call", "{body}");
    assert!(call["id"].as_i64().is_some(), "{body}");
    events
}

#[tokio::test]
async fn the_answer_arrives_as_drafts_then_the_checked_result() {
    let app = spawn_app().await;
    let email = app.register("stream").await;
    save_key(&app, "meeting_insights_service_key", KEY).await;

    let (status, kind, body) = stream(&app, NOTES).await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/event-stream"), "{kind}");
    let events = events_of(&body);
    let (last, drafts) = events.split_last().expect("events");
    assert_eq!(last.0, "result", "{body}");
    assert_eq!(last.1["result"]["decisions"][0], "ship on the 1st");
    assert_eq!(last.1["result"]["action_items"][0]["owner"], "Ana");
    assert!(
        drafts.len() >= 2,
        "the summary grows over several drafts: {body}"
    );
    assert!(drafts.iter().all(|(name, _)| name == "draft"));
    let first = drafts[0].1["summary"].as_str().unwrap();
    let summary = last.1["result"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with(first) && first.len() < summary.len(),
        "a draft is the start of the answer: {first:?} / {summary:?}"
    );

    let who = person(&app, &email).await;
    let calls = ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(who.user.id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].outcome, "ok");
    assert!(
        calls[0].prompt_tokens > 0 && calls[0].completion_tokens > 0,
        "the stream's usage is recorded"
    );
    // The last event says what the call used, as recorded.
    let usage = &last.1["usage"];
    assert_eq!(usage["prompt_tokens"], calls[0].prompt_tokens);
    assert_eq!(usage["completion_tokens"], calls[0].completion_tokens);
    assert_eq!(
        usage["total_tokens"],
        calls[0].prompt_tokens + calls[0].completion_tokens
    );

    // Coming back to the page (Back, a reload, a dropped connection) shows the notes and
    // the answer again.
    let html = app.get("/tools/meetings").await.text().await.unwrap();
    assert!(
        html.contains("Budget is tight") && html.contains("ship on the 1st"),
        "the last notes and answer are shown again"
    );
}

#[tokio::test]
async fn refusals_come_before_the_stream_and_failures_end_it() {
    let app = spawn_app().await;
    let (status, _, body) = stream(&app, NOTES).await;
    assert_eq!(status, 401, "signed out: {body}");

    let email = app.register("stream-refused").await;
    let (status, _, body) = stream(&app, NOTES).await;
    assert_eq!(status, 400, "no key yet: {body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["code"], "API_KEY_MISSING", "{body}");

    save_key(&app, "meeting_insights_service_key", KEY).await;
    let (status, _, body) = stream(&app, "   ").await;
    assert_eq!(status, 400, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["detail"]["field"], "notes", "{body}");

    // The service fails once the stream has started: the stream ends with the error.
    let (status, _, body) = stream(&app, "Notes [[fake:429]]").await;
    assert_eq!(status, 200);
    let events = events_of(&body);
    assert_eq!(events.len(), 1, "{body}");
    assert_eq!(events[0].0, "error");
    assert_eq!(events[0].1["code"], "UPSTREAM_ERROR", "{body}");
    assert!(events[0].1["message"]
        .as_str()
        .unwrap()
        .contains("try again in 30 s"));

    // An answer that does not read is repaired once, as without streaming.
    let (_, _, body) = stream(&app, "Planning [[fake:garbage-once]]").await;
    let events = events_of(&body);
    assert_eq!(events.last().unwrap().0, "result", "{body}");

    let who = person(&app, &email).await;
    let outcomes: Vec<String> = ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(who.user.id))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.outcome)
        .collect();
    assert_eq!(outcomes, vec!["rate_limited".to_owned(), "ok".to_owned()]);
}
