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

mod messages;

use super::prompt::{extract_text, TOOL_MARKER};
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

/// The deterministic answer of each tool; asked for brief answers, at most two key points.
fn answer(tool: &str, text: &str, system: &str) -> Value {
    let mut answer = match tool {
        "writing" => writing(text),
        "style" => style(text),
        "meetings" => meetings(text),
        "translate" => translate(text, system),
        "define" => define(text, system),
        "email" => email(text),
        _ => json!({"error": "unknown tool"}),
    };
    if system.contains(super::prompt::BRIEF) {
        if let Some(points) = answer.get_mut("key_points").and_then(Value::as_array_mut) {
            points.truncate(2);
        }
    }
    answer
}

/// A narrative read from the email aggregates it was sent (JSON).
fn email(text: &str) -> Value {
    let figures: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let sent = figures["messages"]["sent"].as_u64().unwrap_or(0);
    let received = figures["messages"]["received"].as_u64().unwrap_or(0);
    let outside = figures["share_outside_working_hours_pct"]["sent"]
        .as_u64()
        .unwrap_or(0);
    let top = figures["top_correspondents"][0]["who"]
        .as_str()
        .unwrap_or("nobody");
    json!({
        "narrative": format!("You sent {sent} messages and received {received}. {outside} % of what you send goes out after hours. You write most with {top}."),
        "suggestions": [format!("Set two times a day to answer {top}."), "Schedule messages written after hours to go out in the morning."],
    })
}

fn writing(text: &str) -> Value {
    let mut suggestions = Vec::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    for pair in words.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.eq_ignore_ascii_case("very") {
            suggestions.push(json!({"original": format!("{a} {b}"), "message": "“Very” rarely adds meaning; a stronger word reads better.", "replacements": [b], "category": "style"}));
        }
        if a.eq_ignore_ascii_case(b) && a.chars().all(char::is_alphabetic) {
            suggestions.push(json!({"original": format!("{a} {b}"), "message": "The word is repeated.", "replacements": [a], "category": "grammar"}));
        }
    }
    for w in &words {
        let bare = w.trim_matches(|c: char| !c.is_alphanumeric());
        if bare.eq_ignore_ascii_case("utilize") {
            suggestions.push(json!({"original": bare, "message": "“Use” says the same more plainly.", "replacements": ["use"], "category": "clarity"}));
        }
        if bare == "i" {
            suggestions.push(json!({"original": " i ", "message": "“I” is always a capital letter.", "replacements": [" I "], "category": "grammar"}));
        }
    }
    if text.contains("!!") {
        suggestions.push(json!({"original": "!!", "message": "Several exclamation marks can read as shouting.", "replacements": ["!"], "category": "tone"}));
    }
    for w in &words {
        let bare = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
        if let Some((_, right)) = MISSPELLINGS
            .iter()
            .find(|(wrong, _)| bare.eq_ignore_ascii_case(wrong))
        {
            suggestions.push(json!({"original": bare, "message": format!("Did you mean “{right}”?"), "replacements": [right], "category": "spelling"}));
        }
    }
    for pair in words.windows(2) {
        let (a, b) = (
            pair[0],
            pair[1].trim_matches(|c: char| !c.is_alphanumeric()),
        );
        let lower = (a.to_lowercase(), b.to_lowercase());
        let confusion = match (lower.0.as_str(), lower.1.as_str()) {
            ("you're", noun) if NOUNS.contains(&noun) => {
                Some(("your", "“You're” is “you are”; before a noun it is “your”."))
            }
            ("your", "welcome") => Some((
                "you're",
                "“Your welcome” should be “you're welcome” (you are).",
            )),
            ("could" | "should" | "would", "of") => {
                Some(("have", "After could, should or would, “of” is “have”."))
            }
            ("more" | "less" | "better" | "rather" | "other", "then") => {
                Some(("than", "In a comparison it is “than”, not “then”."))
            }
            _ => None,
        };
        if let Some((replacement, message)) = confusion {
            let (original, replaced) = if lower.0 == "your" || lower.0 == "you're" {
                (
                    format!("{a} {b}"),
                    format!("{} {b}", match_case(a, replacement)),
                )
            } else {
                (
                    format!("{a} {b}"),
                    format!("{a} {}", match_case(b, replacement)),
                )
            };
            suggestions.push(json!({"original": original, "message": message, "replacements": [replaced], "category": "grammar"}));
        }
    }
    json!({"suggestions": suggestions})
}

/// Common misspellings, as the demo's writing check knows them.
const MISSPELLINGS: [(&str, &str); 24] = [
    ("definately", "definitely"),
    ("alot", "a lot"),
    ("recieve", "receive"),
    ("recieved", "received"),
    ("seperate", "separate"),
    ("occured", "occurred"),
    ("untill", "until"),
    ("wich", "which"),
    ("teh", "the"),
    ("accomodate", "accommodate"),
    ("goverment", "government"),
    ("tommorow", "tomorrow"),
    ("tommorrow", "tomorrow"),
    ("beleive", "believe"),
    ("thier", "their"),
    ("wierd", "weird"),
    ("neccessary", "necessary"),
    ("existance", "existence"),
    ("calender", "calendar"),
    ("publically", "publicly"),
    ("occassion", "occasion"),
    ("responsability", "responsibility"),
    ("adress", "address"),
    ("succesful", "successful"),
];

/// Nouns that follow "your", for the you're/your check.
const NOUNS: [&str; 16] = [
    "patience",
    "help",
    "time",
    "email",
    "message",
    "team",
    "work",
    "support",
    "feedback",
    "input",
    "order",
    "account",
    "name",
    "reply",
    "question",
    "understanding",
];

/// `word` written with the capital `like` starts with.
fn match_case(like: &str, word: &str) -> String {
    if like.starts_with(char::is_uppercase) {
        let mut c = word.chars();
        c.next()
            .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
    } else {
        word.to_owned()
    }
}

fn count_any(text: &str, words: &[&str]) -> Vec<String> {
    let lower = text.to_lowercase();
    words
        .iter()
        .filter(|w| lower.contains(*w))
        .map(|w| (*w).to_owned())
        .collect()
}

fn style(text: &str) -> Value {
    let friendly = count_any(text, &["thanks", "thank you", "great", "happy", "please"]);
    let hedges = count_any(
        text,
        &["maybe", "perhaps", "might", "i think", "possibly", "just"],
    );
    let direct = count_any(text, &["must", "need to", "now", "immediately", "will"]);
    let formal = count_any(
        text,
        &["regards", "dear", "sincerely", "furthermore", "therefore"],
    );
    let mut categories = Vec::new();
    let conf = |n: usize| (0.5 + 0.15 * n as f64).min(0.95);
    for (label, phrases) in [
        ("friendly", &friendly),
        ("passive", &hedges),
        ("direct", &direct),
        ("formal", &formal),
    ] {
        if !phrases.is_empty() {
            categories.push(
                json!({"label": label, "confidence": conf(phrases.len()), "phrases": phrases}),
            );
        }
    }
    if categories.is_empty() {
        categories.push(json!({"label": "neutral", "confidence": 0.6, "phrases": []}));
    }
    let words = text.split_whitespace().count().max(1) as f64;
    json!({
        "categories": categories,
        "sentiment": ((friendly.len() as f64 - direct.len() as f64 * 0.5) / 3.0).clamp(-1.0, 1.0),
        "hedging": (hedges.len() as f64 * 10.0 / words).min(1.0),
    })
}

/// Decisions and action items from how people write them: `Decision:` and `Action:` lines,
/// and ordinary sentences ("we agreed to…", "Ana will send the draft by Friday", "I'll…"
/// after a speaker's name).
fn meetings(text: &str) -> Value {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut decisions = Vec::new();
    let mut actions = Vec::new();
    let mut points = Vec::new();
    for line in &lines {
        let lower = line.to_lowercase();
        if lower.starts_with("decision:") {
            decisions.push(line["decision:".len()..].trim().to_owned());
            continue;
        }
        if lower.starts_with("action:") {
            // "Action: Ana - send the draft by 2026-12-01"
            let rest = line["action:".len()..].trim();
            let (owner, task) = rest
                .split_once(" - ")
                .map_or((None, rest), |(o, t)| (Some(o.trim()), t.trim()));
            let (task, due) = split_due(task);
            actions.push(json!({"owner": owner, "task": task, "due": due}));
            continue;
        }
        // "Ana: I will send it." — a speaker's name, then what they said.
        let (speaker, said) = match line.split_once(": ") {
            Some((who, rest))
                if who.split_whitespace().count() <= 3 && who.starts_with(char::is_uppercase) =>
            {
                (Some(who.trim()), rest)
            }
            _ => (None, *line),
        };
        let mut found = false;
        for sentence in sentences(said) {
            if let Some(decision) = decision_in(sentence) {
                decisions.push(decision);
                found = true;
            } else if let Some(action) = action_in(sentence, speaker) {
                actions.push(action);
                found = true;
            }
        }
        if !found {
            points.push((*line).to_owned());
        }
    }
    let summary = match lines.first() {
        Some(first) => format!(
            "The meeting covered {} topics, starting with: {}",
            points.len().max(1),
            first
        ),
        None => "The notes are empty.".to_owned(),
    };
    json!({"summary": summary, "key_points": points.into_iter().take(5).collect::<Vec<_>>(), "decisions": decisions, "action_items": actions})
}

fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(['.', '!', '?'])
        .map(|s| s.trim().trim_end_matches(['.', '!', '?']).trim())
        .filter(|s| !s.is_empty())
}

/// "We agreed to ship on the 1st" → "ship on the 1st".
fn decision_in(sentence: &str) -> Option<String> {
    const MARKS: [&str; 7] = [
        "we agreed to ",
        "we agreed that ",
        "we agreed on ",
        "we decided to ",
        "we decided that ",
        "it was decided to ",
        "the decision is to ",
    ];
    let lower = sentence.to_lowercase();
    MARKS.iter().find_map(|m| {
        let at = lower.find(m)?;
        let rest = sentence[at + m.len()..].trim();
        (!rest.is_empty()).then(|| rest.to_owned())
    })
}

/// "Ana will send the draft by Friday" → Ana, "send the draft", Friday; "I'll…" is the
/// speaker's.
fn action_in(sentence: &str, speaker: Option<&str>) -> Option<Value> {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let at = words.iter().position(|w| {
        let w = w.to_lowercase();
        w == "will" || w == "i'll" || w == "i’ll"
    })?;
    let subject = if words[at].eq_ignore_ascii_case("will") {
        *words.get(at.checked_sub(1)?)?
    } else {
        "I"
    };
    let owner = match subject {
        "I" => speaker.map(str::to_owned),
        s if s.starts_with(char::is_uppercase)
            && !["We", "It", "This", "That", "They"].contains(&s) =>
        {
            Some(s.trim_matches(|c: char| !c.is_alphanumeric()).to_owned())
        }
        _ => return None,
    };
    let task = words[at + 1..].join(" ");
    let (task, due) = split_due(&task);
    (task.split_whitespace().count() >= 2)
        .then(|| json!({"owner": owner, "task": task, "due": due}))
}

/// "send the draft by Friday" → ("send the draft", Some("Friday")).
fn split_due(task: &str) -> (&str, Option<&str>) {
    task.rsplit_once(" by ")
        .map_or((task, None), |(t, d)| (t.trim(), Some(d.trim())))
}

fn option_after(system: &str, label: &str) -> String {
    system
        .split(label)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("")
        .trim_end_matches('.')
        .to_owned()
}

const DICTIONARY: [(&str, &str, &str, &str); 6] = [
    ("hello", "hola", "bonjour", "hallo"),
    ("world", "mundo", "monde", "Welt"),
    ("thank you", "gracias", "merci", "danke"),
    ("good morning", "buenos días", "bonjour", "guten Morgen"),
    ("meeting", "reunión", "réunion", "Besprechung"),
    ("cat", "gato", "chat", "Katze"),
];

fn translate(text: &str, system: &str) -> Value {
    let target = option_after(system, "Target language:");
    let mut out = text.to_lowercase();
    for (en, es, fr, de) in DICTIONARY {
        let to = match target.as_str() {
            "es" => es,
            "fr" => fr,
            "de" => de,
            _ => continue,
        };
        out = out.replace(en, to);
    }
    json!({"translation": format!("[{target}] {out}"), "detected_source_language": "en"})
}

fn define(text: &str, system: &str) -> Value {
    let language = option_after(system, "Answer language:");
    let word = text.trim();
    json!({
        "word": word,
        "part_of_speech": if word.ends_with("ly") { "adverb" } else if word.ends_with("ing") { "verb" } else { "noun" },
        "definitions": [
            {"meaning": format!("({language}) The first sense of “{word}” in the test service's dictionary."), "example": format!("She used the word “{word}” in a sentence.")},
            {"meaning": format!("({language}) A second, rarer sense of “{word}”."), "example": null}
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_actions_are_found_in_ordinary_phrasing() {
        let notes = "Weekly sync\nWe looked at the budget. We agreed to move the launch to March.\n\
                     Ana: I'll send the revised plan by Friday.\nBen will book the room by 2026-12-01.\n\
                     We will meet again next week.";
        let answer = meetings(notes);
        assert_eq!(answer["decisions"], json!(["move the launch to March"]));
        assert_eq!(
            answer["action_items"],
            json!([
                {"owner": "Ana", "task": "send the revised plan", "due": "Friday"},
                {"owner": "Ben", "task": "book the room", "due": "2026-12-01"},
            ])
        );
        assert_eq!(
            answer["key_points"],
            json!(["Weekly sync", "We will meet again next week."])
        );
        // The labelled forms still work.
        let labelled =
            meetings("Decision: ship on the 1st\nAction: Ana - send the draft by 2026-12-01");
        assert_eq!(labelled["decisions"], json!(["ship on the 1st"]));
        assert_eq!(labelled["action_items"][0]["owner"], "Ana");
    }

    #[test]
    fn common_misspellings_and_confusions_are_flagged() {
        let answer = writing("I definately need alot of you're patience, more then before.");
        let originals: Vec<&str> = answer["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["original"].as_str().unwrap())
            .collect();
        assert_eq!(
            originals,
            vec!["definately", "alot", "you're patience", "more then"]
        );
        assert_eq!(answer["suggestions"][2]["replacements"][0], "your patience");
        assert_eq!(answer["suggestions"][3]["replacements"][0], "more than");
    }
}
