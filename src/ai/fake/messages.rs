//! The test service's Anthropic face: `POST /v1/messages` and `GET /v1/models` as
//! Anthropic's Messages API answers them (the key in `x-api-key`, the system prompt beside
//! the messages, content blocks, input and output tokens, its streaming events), giving the
//! same answers and the same behaviours on request as the OpenAI-compatible face, from
//! which it reads them.

use super::Fake;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::time::Duration;

/// The OpenAI-compatible request the same call would be, with the key as a bearer token.
fn as_chat_completion(headers: &HeaderMap, body: &Value) -> (HeaderMap, Value) {
    let mut chat_headers = HeaderMap::new();
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .filter(|_| headers.contains_key("anthropic-version"));
    if let Some(bearer) = key.and_then(|k| HeaderValue::from_str(&format!("Bearer {k}")).ok()) {
        chat_headers.insert("authorization", bearer);
    }
    let mut messages = vec![json!({"role": "system", "content": body["system"]})];
    messages.extend(body["messages"].as_array().cloned().unwrap_or_default());
    let chat = json!({
        "model": body["model"],
        "messages": messages,
        "max_tokens": body["max_tokens"],
    });
    (chat_headers, chat)
}

fn error(status: StatusCode, kind: &str) -> Response {
    let body = json!({"type": "error", "error": {"type": kind, "message": kind}});
    (status, Json(body)).into_response()
}

pub(super) async fn models(headers: HeaderMap) -> Response {
    let (chat_headers, _) = as_chat_completion(&headers, &Value::Null);
    if super::key_rejected(&chat_headers) {
        return error(StatusCode::UNAUTHORIZED, "authentication_error");
    }
    Json(json!({"data": [{"type": "model", "id": "fake-claude"}], "has_more": false}))
        .into_response()
}

pub(super) async fn messages(
    fake: State<Fake>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let (chat_headers, chat) = as_chat_completion(&headers, &body);
    let answered = super::complete(fake, chat_headers, Json(chat)).await;
    let status = answered.status();
    if !status.is_success() {
        let kind = match status {
            StatusCode::UNAUTHORIZED => "authentication_error",
            StatusCode::TOO_MANY_REQUESTS => "rate_limit_error",
            _ => "api_error",
        };
        let mut res = error(status, kind);
        if let Some(wait) = answered.headers().get("retry-after") {
            res.headers_mut().insert("retry-after", wait.clone());
        }
        return res;
    }
    let Ok(bytes) =
        axum::body::to_bytes(answered.into_body(), crate::ai::provider::MAX_REPLY_BYTES).await
    else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "api_error");
    };
    let reply: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let text = reply["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let usage = json!({
        "input_tokens": reply["usage"]["prompt_tokens"],
        "output_tokens": reply["usage"]["completion_tokens"],
    });
    if body["stream"] == true {
        return Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(events(&text, usage)))
            .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "api_error"));
    }
    Json(json!({
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "usage": usage,
    }))
    .into_response()
}

/// `text` as Messages stream events: the start with the input tokens, a delta of 16
/// characters every 10 ms, the output tokens, the stop.
fn events(
    text: &str,
    usage: Value,
) -> impl futures_util::Stream<Item = Result<String, std::io::Error>> {
    let chars: Vec<char> = text.chars().collect();
    let start = json!({"type": "message_start", "message": {"type": "message", "role": "assistant", "content": [], "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1}}});
    let block = json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}});
    let deltas = chars.chunks(16).map(|piece| {
        let piece: String = piece.iter().collect();
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}})
    });
    let end = [
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": usage["output_tokens"]}}),
        json!({"type": "message_stop"}),
    ];
    let events: Vec<String> = [start, block]
        .into_iter()
        .chain(deltas)
        .chain(end)
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap_or("")))
        .collect();
    futures_util::stream::unfold(events.into_iter(), |mut events| async move {
        let event = events.next()?;
        tokio::time::sleep(Duration::from_millis(10)).await;
        Some((Ok(event), events))
    })
}
