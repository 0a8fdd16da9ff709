//! The provider layer: a [`ChatProvider`] trait and its adapter for the OpenAI-compatible
//! chat-completions API (OpenAI, OpenRouter, Groq, Together, Ollama, vLLM, llama.cpp).
//!
//! Every failure becomes a [`ProviderError`] whose message a person can act on; the key is
//! never logged and never part of a message.

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The most of a reply read from a provider; more is an error, not a memory problem.
pub const MAX_REPLY_BYTES: usize = 1024 * 1024;
/// The longest wait for a `Retry-After` that is still retried within the call.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub role: &'static str,
    pub content: String,
}

impl Message {
    pub fn system(content: impl Into<String>) -> Message {
        Message {
            role: "system",
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: "user",
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> Message {
        Message {
            role: "assistant",
            content: content.into(),
        }
    }
}

/// Where a call goes and what it asks.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub base_url: String,
    pub model: String,
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub timeout: Duration,
}

/// A model's answer and what it cost.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Completion {
    pub text: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderError {
    /// 401/403: the service does not accept the key.
    KeyRejected,
    /// 429 from the service (after one retry when the wait was short).
    RateLimited {
        retry_after_secs: Option<u64>,
    },
    /// Could not connect (DNS, refused, TLS, or a private address that is not allowed).
    Unreachable(String),
    TimedOut,
    /// 5xx: the service failed (after one retry when there was time).
    ServiceFailed(u16),
    /// An answer larger than allowed, one that is not the API's shape, or a 4xx that
    /// is the request's own fault.
    BadReply(String),
    /// The person stopped waiting (Cancel, or the connection closed) while the answer was
    /// streamed; `streamed_chars` of it had arrived.
    Cancelled {
        streamed_chars: usize,
    },
}

impl ProviderError {
    /// What the person reads.
    pub fn message(&self) -> String {
        match self {
            ProviderError::KeyRejected => "The AI service rejected your key; check it in API-key settings (/settings/api-keys).".into(),
            ProviderError::RateLimited { retry_after_secs: Some(s) } => format!("The AI service is limiting requests; try again in {s} s."),
            ProviderError::RateLimited { retry_after_secs: None } => "The AI service is limiting requests; try again in a minute.".into(),
            ProviderError::Unreachable(why) => format!("The AI service could not be reached ({why})."),
            ProviderError::TimedOut => "The AI service took too long to answer. Try again, or with a shorter text.".into(),
            ProviderError::ServiceFailed(_) | ProviderError::BadReply(_) => "The AI service sent an answer Digame could not read. Try again in a moment.".into(),
            ProviderError::Cancelled { .. } => "The answer was cancelled before it was complete.".into(),
        }
    }

    /// Whether another model may do better: the service is busy, failing, unreachable or
    /// too slow — not a refused key, an unreadable answer or the request's own fault.
    pub fn fails_over(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::ServiceFailed(_)
                | ProviderError::Unreachable(_)
                | ProviderError::TimedOut
        )
    }

    /// A short name for the usage record.
    pub fn outcome(&self) -> &'static str {
        match self {
            ProviderError::KeyRejected => "key_rejected",
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::Unreachable(_) => "unreachable",
            ProviderError::TimedOut => "timed_out",
            ProviderError::ServiceFailed(_) | ProviderError::BadReply(_) => "bad_reply",
            ProviderError::Cancelled { .. } => "cancelled",
        }
    }
}

/// Where a streamed answer's pieces go as they arrive. A closed receiver (the person
/// cancelled, or left) stops the call (`features::tools::ai_call` stops waiting, which
/// closes the request to the service).
pub type Deltas = tokio::sync::mpsc::UnboundedSender<String>;

#[async_trait]
pub trait ChatProvider: Send + Sync {
    async fn complete(
        &self,
        request: &ChatRequest,
        key: &SecretString,
    ) -> Result<Completion, ProviderError>;

    /// As [`ChatProvider::complete`], sending the answer's text to `deltas` as it is
    /// produced. By default the whole answer is sent once it is there.
    async fn complete_streaming(
        &self,
        request: &ChatRequest,
        key: &SecretString,
        deltas: &Deltas,
    ) -> Result<Completion, ProviderError> {
        let completion = self.complete(request, key).await?;
        let _ = deltas.send(completion.text.clone());
        Ok(completion)
    }

    /// The cheapest call that shows whether the service accepts the key (listing models).
    async fn check_key(
        &self,
        base_url: &str,
        key: &SecretString,
        timeout: Duration,
    ) -> Result<(), ProviderError>;
}

/// The OpenAI-compatible chat-completions API over the shared HTTP client.
#[derive(Clone)]
pub struct OpenAiCompatible {
    pub http: reqwest::Client,
}

#[derive(Serialize)]
struct WireRequest<'a> {
    model: &'a str,
    messages: &'a [Message],
    max_tokens: u32,
    temperature: f32,
    response_format: ResponseFormat,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Serialize)]
struct ResponseFormat {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Deserialize)]
struct WireReply {
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: WireMessage,
}

#[derive(Deserialize, Default)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize, Default)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: i64,
    #[serde(default)]
    completion_tokens: i64,
}

/// One event of a streamed answer (`data: {...}`).
#[derive(Deserialize)]
struct WireChunk {
    #[serde(default)]
    choices: Vec<WireDelta>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireDelta {
    #[serde(default)]
    delta: WireMessage,
}

impl WireReply {
    fn into_completion(self) -> Result<Completion, ProviderError> {
        let text = self
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .ok_or_else(|| ProviderError::BadReply("no choices".into()))?;
        let usage = self.usage.unwrap_or_default();
        Ok(Completion {
            text,
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
        })
    }
}

/// The next piece of a body before `deadline`; `None` at its end.
async fn next_chunk(
    res: &mut reqwest::Response,
    deadline: Instant,
) -> Result<Option<axum::body::Bytes>, ProviderError> {
    let left = deadline.saturating_duration_since(Instant::now());
    tokio::time::timeout(left, res.chunk())
        .await
        .map_err(|_| ProviderError::TimedOut)?
        .map_err(transport_error)
}

/// Whether a service answered with server-sent events (else it answered whole, as a
/// service that does not stream does).
pub(crate) fn is_event_stream(res: &reqwest::Response) -> bool {
    res.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// Reads a server-sent-events body, at most [`MAX_REPLY_BYTES`] of it, giving each event's
/// data (`data: ...` lines; comments, `event:` and `id:` lines skipped) to `on_data`, until
/// the body ends or `on_data` answers `false`.
pub(crate) async fn each_event(
    mut res: reqwest::Response,
    deadline: Instant,
    mut on_data: impl FnMut(&str) -> Result<bool, ProviderError>,
) -> Result<(), ProviderError> {
    let (mut pending, mut read) = (Vec::<u8>::new(), 0usize);
    loop {
        let Some(chunk) = next_chunk(&mut res, deadline).await? else {
            return Ok(());
        };
        read += chunk.len();
        if read > MAX_REPLY_BYTES {
            return Err(ProviderError::BadReply("reply too large".into()));
        }
        pending.extend_from_slice(&chunk);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let Some(data) = line.trim().strip_prefix("data:").map(str::trim) else {
                continue;
            };
            if !on_data(data)? {
                return Ok(());
            }
        }
    }
}

/// Reads a chat-completions stream (`data: {...}` events, `data: [DONE]` at the end),
/// sending each piece of text to `deltas`.
async fn read_events(
    res: reqwest::Response,
    deadline: Instant,
    deltas: &Deltas,
) -> Result<Completion, ProviderError> {
    let mut completion = Completion::default();
    each_event(res, deadline, |data| {
        if data == "[DONE]" {
            return Ok(false);
        }
        let event: WireChunk = serde_json::from_str(data)
            .map_err(|e| ProviderError::BadReply(format!("not a stream event: {e}")))?;
        if let Some(usage) = event.usage {
            completion.prompt_tokens = usage.prompt_tokens;
            completion.completion_tokens = usage.completion_tokens;
        }
        if let Some(text) = event
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.delta.content)
        {
            if !text.is_empty() {
                completion.text.push_str(&text);
                let _ = deltas.send(text);
            }
        }
        Ok(true)
    })
    .await?;
    if completion.text.is_empty() {
        return Err(ProviderError::BadReply("empty stream".into()));
    }
    Ok(completion)
}

/// Reads an answer's body up to [`MAX_REPLY_BYTES`].
pub(crate) async fn read_capped(
    mut res: reqwest::Response,
    deadline: Instant,
) -> Result<Vec<u8>, ProviderError> {
    if res
        .content_length()
        .is_some_and(|n| n > MAX_REPLY_BYTES as u64)
    {
        return Err(ProviderError::BadReply("reply too large".into()));
    }
    let mut body = Vec::new();
    loop {
        let Some(chunk) = next_chunk(&mut res, deadline).await? else {
            break;
        };
        if body.len() + chunk.len() > MAX_REPLY_BYTES {
            return Err(ProviderError::BadReply("reply too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn transport_error(e: reqwest::Error) -> ProviderError {
    if e.is_timeout() {
        return ProviderError::TimedOut;
    }
    // The resolver's refusal of a private address is the innermost cause.
    let mut cause: &dyn std::error::Error = &e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let why = cause.to_string();
    if why.contains("private addresses") || why.contains("did not resolve") {
        ProviderError::Unreachable(why)
    } else if e.is_connect() {
        ProviderError::Unreachable("the connection failed".into())
    } else {
        ProviderError::Unreachable("the request failed".into())
    }
}

/// Seconds from a `Retry-After` header (the seconds form; a date is treated as unknown).
fn retry_after(res: &reqwest::Response) -> Option<u64> {
    res.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn wire_request(request: &ChatRequest, stream: bool) -> WireRequest<'_> {
    WireRequest {
        model: &request.model,
        messages: &request.messages,
        max_tokens: request.max_tokens,
        temperature: 0.2,
        response_format: ResponseFormat {
            kind: "json_object",
        },
        stream,
        stream_options: stream.then_some(StreamOptions {
            include_usage: true,
        }),
    }
}

fn read_reply(bytes: &[u8]) -> Result<Completion, ProviderError> {
    serde_json::from_slice::<WireReply>(bytes)
        .map_err(|e| ProviderError::BadReply(format!("not a chat completion: {e}")))?
        .into_completion()
}

/// One request and its whole answer (see [`start`]).
pub(crate) async fn send(
    build: impl Fn() -> reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<Vec<u8>, ProviderError> {
    let deadline = Instant::now() + timeout;
    let res = start(build, deadline).await?;
    read_capped(res, deadline).await
}

/// One request until a successful status, with at most one retry on 429 or 5xx. The
/// retry waits `Retry-After` when it is short (else gives up with it), or one second.
pub(crate) async fn start(
    build: impl Fn() -> reqwest::RequestBuilder,
    deadline: Instant,
) -> Result<reqwest::Response, ProviderError> {
    let mut retried = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let res = build()
            .timeout(left)
            .send()
            .await
            .map_err(transport_error)?;
        let status = res.status();
        if status.is_success() {
            return Ok(res);
        }
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(ProviderError::KeyRejected);
        }
        let retryable =
            status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
        let wait = retry_after(&res);
        let failure = if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            ProviderError::RateLimited {
                retry_after_secs: wait,
            }
        } else if status.is_server_error() {
            ProviderError::ServiceFailed(status.as_u16())
        } else {
            ProviderError::BadReply(format!("status {status}"))
        };
        let pause = wait.map_or(Duration::from_secs(1), Duration::from_secs);
        if !retryable || retried || pause > MAX_RETRY_WAIT || Instant::now() + pause >= deadline {
            return Err(failure);
        }
        retried = true;
        tokio::time::sleep(pause).await;
    }
}

#[async_trait]
impl ChatProvider for OpenAiCompatible {
    async fn complete(
        &self,
        request: &ChatRequest,
        key: &SecretString,
    ) -> Result<Completion, ProviderError> {
        let url = format!("{}/chat/completions", request.base_url);
        let body = wire_request(request, false);
        let bytes = send(
            || {
                self.http
                    .post(&url)
                    .bearer_auth(key.expose_secret())
                    .json(&body)
            },
            request.timeout,
        )
        .await?;
        read_reply(&bytes)
    }

    async fn complete_streaming(
        &self,
        request: &ChatRequest,
        key: &SecretString,
        deltas: &Deltas,
    ) -> Result<Completion, ProviderError> {
        let url = format!("{}/chat/completions", request.base_url);
        let body = wire_request(request, true);
        let deadline = Instant::now() + request.timeout;
        let res = start(
            || {
                self.http
                    .post(&url)
                    .bearer_auth(key.expose_secret())
                    .json(&body)
            },
            deadline,
        )
        .await?;
        if is_event_stream(&res) {
            return read_events(res, deadline, deltas).await;
        }
        // A service that does not stream answers whole.
        let completion = read_reply(&read_capped(res, deadline).await?)?;
        let _ = deltas.send(completion.text.clone());
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
            || self.http.get(&url).bearer_auth(key.expose_secret()),
            timeout,
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::post;

    /// A service on loopback whose `/v1/chat/completions` answers `body` as `content_type`.
    async fn service(content_type: &'static str, body: &'static str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1", listener.local_addr().unwrap());
        let app = axum::Router::new().route(
            "/v1/chat/completions",
            post(move || async move { ([("content-type", content_type)], body) }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }

    async fn stream_from(base_url: String) -> (Result<Completion, ProviderError>, Vec<String>) {
        let provider = OpenAiCompatible {
            http: reqwest::Client::new(),
        };
        let request = ChatRequest {
            base_url,
            model: "m".into(),
            messages: vec![Message::user("hi")],
            max_tokens: 10,
            timeout: Duration::from_secs(3),
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let result = provider
            .complete_streaming(&request, &SecretString::from("k"), &tx)
            .await;
        drop(tx);
        let mut pieces = Vec::new();
        while let Some(p) = rx.recv().await {
            pieces.push(p);
        }
        (result, pieces)
    }

    #[tokio::test]
    async fn streamed_answers_are_read_piece_by_piece_with_their_usage() {
        let base = service(
            "text/event-stream",
            ": comment\n\ndata: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"{\\\"a\\\"\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\": 1}\"}}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}\n\ndata: [DONE]\n\n",
        )
        .await;
        let (result, pieces) = stream_from(base).await;
        assert_eq!(
            result,
            Ok(Completion {
                text: "{\"a\": 1}".into(),
                prompt_tokens: 7,
                completion_tokens: 3
            })
        );
        assert_eq!(pieces, vec!["{\"a\"".to_owned(), ": 1}".to_owned()]);
    }

    #[tokio::test]
    async fn a_service_that_does_not_stream_answers_whole_and_bad_events_are_bad_replies() {
        let whole = service(
            "application/json",
            r#"{"choices":[{"message":{"content":"{}"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}"#,
        )
        .await;
        let (result, pieces) = stream_from(whole).await;
        assert_eq!(result.map(|c| c.text), Ok("{}".into()));
        assert_eq!(pieces, vec!["{}".to_owned()]);

        let broken = service("text/event-stream", "data: {not json\n\n").await;
        assert!(matches!(
            stream_from(broken).await.0,
            Err(ProviderError::BadReply(_))
        ));
        let empty = service("text/event-stream", "data: [DONE]\n\n").await;
        assert!(matches!(
            stream_from(empty).await.0,
            Err(ProviderError::BadReply(_))
        ));
    }
}
