//! The adapter for Anthropic's Messages API (`POST {base}/messages`): the key in
//! `x-api-key`, the system prompt beside the messages rather than among them, the answer as
//! content blocks, usage as input and output tokens, and its own streaming events
//! (`message_start`, `content_block_delta`, `message_delta`, `message_stop`, `error`).
//! Sending, retrying and reading capped bodies are the provider layer's, shared with the
//! OpenAI-compatible adapter.

use super::provider::{
    each_event, is_event_stream, read_capped, send, start, ChatProvider, ChatRequest, Completion,
    Deltas, ProviderError,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The API version every request names (Anthropic requires the header).
pub const API_VERSION: &str = "2023-06-01";

/// Anthropic's Messages API over the shared HTTP client.
#[derive(Clone)]
pub struct Anthropic {
    pub http: reqwest::Client,
}

#[derive(Serialize)]
struct WireRequest<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "String::is_empty")]
    system: String,
    messages: Vec<WireMessage<'a>>,
    temperature: f32,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stream: bool,
}

#[derive(Serialize)]
struct WireMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Deserialize)]
struct WireReply {
    #[serde(default)]
    content: Vec<WireBlock>,
    #[serde(default)]
    usage: WireUsage,
}

#[derive(Deserialize)]
struct WireBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize, Default)]
struct WireUsage {
    #[serde(default)]
    input_tokens: Option<i64>,
    #[serde(default)]
    output_tokens: Option<i64>,
}

/// One streamed event's data; which fields are there depends on `type`.
#[derive(Deserialize)]
struct WireEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    message: Option<WireStart>,
    #[serde(default)]
    delta: Option<WireDelta>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct WireStart {
    #[serde(default)]
    usage: WireUsage,
}

#[derive(Deserialize)]
struct WireDelta {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(rename = "type", default)]
    kind: String,
}

/// The request in Anthropic's shape: system messages joined into `system`, the rest in
/// order (the tools' conversations start with the person and alternate, as the API wants).
fn wire_request(request: &ChatRequest, stream: bool) -> WireRequest<'_> {
    let system = request
        .messages
        .iter()
        .filter(|m| m.role == "system")
        .map(|m| m.content.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    WireRequest {
        model: &request.model,
        max_tokens: request.max_tokens,
        system,
        messages: request
            .messages
            .iter()
            .filter(|m| m.role != "system")
            .map(|m| WireMessage {
                role: m.role,
                content: &m.content,
            })
            .collect(),
        temperature: 0.2,
        stream,
    }
}

fn read_reply(bytes: &[u8]) -> Result<Completion, ProviderError> {
    let reply: WireReply = serde_json::from_slice(bytes)
        .map_err(|e| ProviderError::BadReply(format!("not a Messages answer: {e}")))?;
    let text: String = reply
        .content
        .iter()
        .filter(|b| b.kind == "text")
        .map(|b| b.text.as_str())
        .collect();
    if text.is_empty() {
        return Err(ProviderError::BadReply("no text in the answer".into()));
    }
    Ok(Completion {
        text,
        prompt_tokens: reply.usage.input_tokens.unwrap_or(0),
        completion_tokens: reply.usage.output_tokens.unwrap_or(0),
    })
}

impl Anthropic {
    fn post(
        &self,
        url: &str,
        key: &SecretString,
        body: &WireRequest<'_>,
    ) -> reqwest::RequestBuilder {
        self.http
            .post(url)
            .header("x-api-key", key.expose_secret())
            .header("anthropic-version", API_VERSION)
            .json(body)
    }
}

#[async_trait]
impl ChatProvider for Anthropic {
    async fn complete(
        &self,
        request: &ChatRequest,
        key: &SecretString,
    ) -> Result<Completion, ProviderError> {
        let url = format!("{}/messages", request.base_url);
        let body = wire_request(request, false);
        let bytes = send(|| self.post(&url, key, &body), request.timeout).await?;
        read_reply(&bytes)
    }

    async fn complete_streaming(
        &self,
        request: &ChatRequest,
        key: &SecretString,
        deltas: &Deltas,
    ) -> Result<Completion, ProviderError> {
        let url = format!("{}/messages", request.base_url);
        let body = wire_request(request, true);
        let deadline = Instant::now() + request.timeout;
        let res = start(|| self.post(&url, key, &body), deadline).await?;
        if !is_event_stream(&res) {
            let completion = read_reply(&read_capped(res, deadline).await?)?;
            let _ = deltas.send(completion.text.clone());
            return Ok(completion);
        }
        let mut completion = Completion::default();
        each_event(res, deadline, |data| {
            let event: WireEvent = serde_json::from_str(data)
                .map_err(|e| ProviderError::BadReply(format!("not a stream event: {e}")))?;
            let usage = event
                .message
                .map(|m| m.usage)
                .into_iter()
                .chain(event.usage);
            for u in usage {
                completion.prompt_tokens = u.input_tokens.unwrap_or(completion.prompt_tokens);
                completion.completion_tokens =
                    u.output_tokens.unwrap_or(completion.completion_tokens);
            }
            match event.kind.as_str() {
                "content_block_delta" => {
                    if let Some(d) = event.delta.filter(|d| d.kind == "text_delta") {
                        if !d.text.is_empty() {
                            completion.text.push_str(&d.text);
                            let _ = deltas.send(d.text);
                        }
                    }
                    Ok(true)
                }
                "message_stop" => Ok(false),
                // An error mid-stream: overloaded is the service's trouble, like a 5xx.
                "error" => Err(ProviderError::BadReply(format!(
                    "error event: {}",
                    event.error.map(|e| e.kind).unwrap_or_default()
                ))),
                _ => Ok(true),
            }
        })
        .await?;
        if completion.text.is_empty() {
            return Err(ProviderError::BadReply("empty stream".into()));
        }
        Ok(completion)
    }

    async fn check_key(
        &self,
        base_url: &str,
        key: &SecretString,
        timeout: Duration,
    ) -> Result<(), ProviderError> {
        let url = format!("{base_url}/models");
        send(
            || {
                self.http
                    .get(&url)
                    .header("x-api-key", key.expose_secret())
                    .header("anthropic-version", API_VERSION)
            },
            timeout,
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::provider::Message;
    use axum::http::HeaderMap;
    use axum::routing::post;

    /// A service on loopback whose `/v1/messages` answers `body` as `content_type`, after
    /// checking the headers Anthropic requires.
    async fn service(content_type: &'static str, body: &'static str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1", listener.local_addr().unwrap());
        let app = axum::Router::new().route(
            "/v1/messages",
            post(move |headers: HeaderMap, body_in: String| async move {
                let sent: serde_json::Value = serde_json::from_str(&body_in).unwrap();
                let ok = headers.get("x-api-key").is_some_and(|k| k == "k")
                    && headers
                        .get("anthropic-version")
                        .is_some_and(|v| v == API_VERSION)
                    && sent["system"] == "be brief"
                    && sent["messages"][0]["role"] == "user";
                if ok {
                    (
                        axum::http::StatusCode::OK,
                        [("content-type", content_type)],
                        body,
                    )
                } else {
                    (
                        axum::http::StatusCode::UNAUTHORIZED,
                        [("content-type", "application/json")],
                        "{}",
                    )
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }

    async fn ask(base_url: String, key: &str) -> (Result<Completion, ProviderError>, Vec<String>) {
        let request = ChatRequest {
            base_url,
            model: "claude".into(),
            messages: vec![Message::system("be brief"), Message::user("hi")],
            max_tokens: 10,
            timeout: Duration::from_secs(3),
        };
        let provider = Anthropic {
            http: reqwest::Client::new(),
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let result = provider
            .complete_streaming(&request, &SecretString::from(key.to_owned()), &tx)
            .await;
        drop(tx);
        let mut pieces = Vec::new();
        while let Some(p) = rx.recv().await {
            pieces.push(p);
        }
        (result, pieces)
    }

    #[tokio::test]
    async fn a_streamed_answer_is_read_from_its_events_with_the_usage_of_start_and_end() {
        let base = service(
            "text/event-stream",
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n\
             event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n\
             event: ping\ndata: {\"type\":\"ping\"}\n\n\
             event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"{\\\"a\\\"\"}}\n\n\
             event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\": 1}\"}}\n\n\
             event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":5}}\n\n\
             event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        )
        .await;
        let (result, pieces) = ask(base, "k").await;
        assert_eq!(
            result,
            Ok(Completion {
                text: "{\"a\": 1}".into(),
                prompt_tokens: 12,
                completion_tokens: 5
            })
        );
        assert_eq!(pieces, vec!["{\"a\"".to_owned(), ": 1}".to_owned()]);
    }

    #[tokio::test]
    async fn a_whole_answer_an_error_event_and_a_rejected_key_are_told_apart() {
        let whole = service(
            "application/json",
            r#"{"type":"message","content":[{"type":"text","text":"{}"}],"usage":{"input_tokens":3,"output_tokens":2}}"#,
        )
        .await;
        let (result, pieces) = ask(whole.clone(), "k").await;
        assert_eq!(
            result,
            Ok(Completion {
                text: "{}".into(),
                prompt_tokens: 3,
                completion_tokens: 2
            })
        );
        assert_eq!(pieces, vec!["{}".to_owned()]);
        assert_eq!(ask(whole, "wrong").await.0, Err(ProviderError::KeyRejected));

        let overloaded = service(
            "text/event-stream",
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
        )
        .await;
        assert!(matches!(
            ask(overloaded, "k").await.0,
            Err(ProviderError::BadReply(why)) if why.contains("overloaded_error")
        ));
        let no_text = service("application/json", r#"{"content":[],"usage":{}}"#).await;
        assert!(matches!(
            ask(no_text, "k").await.0,
            Err(ProviderError::BadReply(_))
        ));
    }
}
