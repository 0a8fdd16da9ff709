//! The built-in test AI service: the OpenAI-compatible API on loopback (and Anthropic's
//! Messages API, `messages`), answering each Digame tool deterministically from the
//! prompt, for tests and demos (`digame fake-ai`, `./scripts/run --demo`). Nothing uses it
//! unless told to.
//!
//! Behaviours on request, by what the text or key contains:
//! - a key starting with `reject`: 401 (also from `GET /v1/models`);
//! - `[[fake:500]]`: 500 every time; `[[fake:500-once]]`: 500, then a good answer on retry;
//! - `[[fake:429]]`: 429 with `Retry-After: 30`;
//! - `[[fake:slow]]`: answers after 30 s; `[[fake:drip]]`: sends the answer one byte every
//!   200 ms;
//! - asked to stream (`"stream": true`): the answer as server-sent events, 16 characters
//!   an event, 10 ms apart (`[[fake:slow-stream]]`: 150 ms apart, to watch it arrive);
//! - asked for brief answers (`prompt::BRIEF`): at most two key points;
//! - `[[fake:garbage]]`: content that is not JSON, every time; `[[fake:garbage-once]]`: not
//!   JSON, then good JSON when asked to repair it;
//! - by the model asked for (how fallback models are tested): `down-…` answers 503,
//!   `busy-…` 429 with `Retry-After: 30`, `slow-…` after 30 s, `picky-…` 400 (the
//!   request's own fault); the model that answers is named in the answer's `model`.
//!
//! `GET /v1/fake/abandoned` says how many streamed answers were left before their end (the
//! caller closed the connection): how tests see that a cancelled call stops upstream.

mod answers;
mod messages;

use super::prompt::{extract_text, TOOL_MARKER};
use answers::answer;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Fake {
    /// Texts already answered with a one-time failure.
    failed_once: Arc<Mutex<HashSet<String>>>,
    /// Streamed answers whose caller went away before their end.
    abandoned: Arc<AtomicUsize>,
}

/// The fake service's routes, under `/v1`.
pub fn router() -> Router {
    Router::new()
        .route("/v1/chat/completions", post(complete))
        .route("/v1/models", get(any_models))
        .route("/v1/messages", post(messages::messages))
        .route("/v1/fake/abandoned", get(abandoned))
        .with_state(Fake::default())
}

/// Serves the fake on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router()).await
}

async fn abandoned(State(fake): State<Fake>) -> Json<Value> {
    Json(json!({ "abandoned": fake.abandoned.load(Ordering::SeqCst) }))
}

/// Counts a stream as abandoned when it is dropped before its last event was sent.
struct Unfinished(Option<Arc<AtomicUsize>>);

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(count) = self.0.take() {
            count.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn key_rejected(headers: &HeaderMap) -> bool {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    !auth.starts_with("Bearer ") || auth["Bearer ".len()..].starts_with("reject")
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": {"message": message}}))).into_response()
}

/// `GET /v1/models`, as the API the caller speaks lists them.
async fn any_models(headers: HeaderMap) -> Response {
    if headers.contains_key("anthropic-version") {
        messages::models(headers).await
    } else {
        models(headers).await
    }
}

async fn models(headers: HeaderMap) -> Response {
    if key_rejected(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Incorrect API key provided.");
    }
    Json(json!({"object": "list", "data": [{"id": "fake-model", "object": "model"}]}))
        .into_response()
}

async fn complete(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if key_rejected(&headers) {
        return error(StatusCode::UNAUTHORIZED, "Incorrect API key provided.");
    }
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let system = messages
        .iter()
        .find(|m| m["role"] == "system")
        .and_then(|m| m["content"].as_str())
        .unwrap_or("");
    let user = messages
        .iter()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or("");
    let repairing = messages.len() > 2;
    let model = body["model"].as_str().unwrap_or_default();
    if model.starts_with("down-") {
        return error(StatusCode::SERVICE_UNAVAILABLE, "The model is down.");
    }
    if model.starts_with("picky-") {
        return error(
            StatusCode::BAD_REQUEST,
            "This model does not take that request.",
        );
    }
    if model.starts_with("busy-") {
        let mut res = error(StatusCode::TOO_MANY_REQUESTS, "Rate limit reached.");
        res.headers_mut()
            .insert("retry-after", "30".parse().expect("header"));
        return res;
    }
    if model.starts_with("slow-") {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    let text = extract_text(user).unwrap_or(user).to_owned();
    let once = |tag: &str| {
        text.contains(tag)
            && fake
                .failed_once
                .lock()
                .map(|mut s| s.insert(text.clone()))
                .unwrap_or(false)
    };
    if text.contains("[[fake:500]]") || once("[[fake:500-once]]") {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error.",
        );
    }
    if text.contains("[[fake:429]]") {
        let mut res = error(StatusCode::TOO_MANY_REQUESTS, "Rate limit reached.");
        res.headers_mut()
            .insert("retry-after", "30".parse().expect("header"));
        return res;
    }
    if text.contains("[[fake:slow]]") {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    let content = if text.contains("[[fake:garbage]]")
        || (text.contains("[[fake:garbage-once]]") && !repairing)
    {
        "Sure! Here is what I think about your text: it is fine.".to_owned()
    } else {
        let tool = system
            .split(TOOL_MARKER)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or("")
            .trim_end_matches('.');
        answer(tool, &text, system).to_string()
    };
    let prompt_chars: usize = messages
        .iter()
        .filter_map(|m| m["content"].as_str())
        .map(str::len)
        .sum();
    let usage = json!({
        "prompt_tokens": (prompt_chars / 4).max(1),
        "completion_tokens": (content.len() / 4).max(1),
        "total_tokens": (prompt_chars / 4).max(1) + (content.len() / 4).max(1)
    });
    if body["stream"] == true {
        let pause = if text.contains("[[fake:drip]]") {
            200
        } else if text.contains("[[fake:slow-stream]]") {
            150
        } else {
            10
        };
        return Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(event_stream(
                &content,
                usage,
                Duration::from_millis(pause),
                fake.abandoned.clone(),
            )))
            .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "stream"));
    }
    let reply = json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": body["model"].as_str().unwrap_or("fake-model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": usage
    })
    .to_string();
    if text.contains("[[fake:drip]]") {
        let stream = async_stream(reply.into_bytes());
        return Response::builder()
            .header("content-type", "application/json")
            .body(Body::from_stream(stream))
            .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "stream"));
    }
    ([("content-type", "application/json")], reply).into_response()
}

/// `content` as chat-completion stream events of 16 characters, `pause` apart, then the
/// usage and `[DONE]`.
fn event_stream(
    content: &str,
    usage: Value,
    pause: Duration,
    abandoned: Arc<AtomicUsize>,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> {
    let chars: Vec<char> = content.chars().collect();
    let mut events: Vec<String> = chars
        .chunks(16)
        .map(|piece| {
            let piece: String = piece.iter().collect();
            json!({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}]})
        })
        .chain(std::iter::once(
            json!({"object": "chat.completion.chunk", "choices": [], "usage": usage}),
        ))
        .map(|event| format!("data: {event}\n\n"))
        .collect();
    events.push("data: [DONE]\n\n".into());
    let start = (events.into_iter(), Unfinished(Some(abandoned)));
    futures_util::stream::unfold(start, move |(mut events, mut watch)| async move {
        let Some(event) = events.next() else {
            // Every event was sent: the stream ended as it should.
            watch.0.take();
            return None;
        };
        tokio::time::sleep(pause).await;
        Some((Ok(event), (events, watch)))
    })
}

/// The reply one byte at a time, 200 ms apart.
fn async_stream(
    bytes: Vec<u8>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::unfold(0usize, move |i| {
        let bytes = bytes.clone();
        async move {
            if i >= bytes.len() {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            Some((Ok(vec![bytes[i]]), i + 1))
        }
    })
}
