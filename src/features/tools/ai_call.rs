//! One AI call for a tool, after the gate: the per-person minute limit, the gate itself
//! (flag, tier, key, daily allowance), the usage record, the provider call, reading the
//! reply into the tool's typed result with one repair attempt, and the outcome recorded.

use super::gate;
use crate::ai::prompt::{parse_json, Prompt, REPAIR};
use crate::ai::provider::{ChatRequest, Completion, Deltas, Message, ProviderError};
use crate::ai::Ai;
use crate::crypto::keyring::Keyring;
use crate::domain::{ProviderKind, ToolId};
use crate::entities::ai_calls;
use crate::error::{AppError, ResultExt};
use crate::features::ai_admin::service as ai_admin;
use crate::person::SessionUser;
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use std::time::Instant;

/// Everything a tool call needs from the application state.
pub struct AiCallContext<'a> {
    pub db: &'a DatabaseConnection,
    pub keyring: &'a Keyring,
    pub ai: &'a Ai,
}

impl<'a> AiCallContext<'a> {
    pub fn new(db: &'a DatabaseConnection, keyring: &'a Keyring, ai: &'a Ai) -> Self {
        AiCallContext { db, keyring, ai }
    }
}

/// The person's per-minute window, in one query: calls left, and seconds until the oldest
/// call in it leaves it (also the `X-RateLimit-*` headers of JSON clients). Calls in flight
/// count (their row is written when they start).
pub async fn minute_window(
    db: &DatabaseConnection,
    person: &SessionUser,
    per_minute: u32,
) -> Result<(u32, i64), AppError> {
    let since = Utc::now() - Duration::seconds(60);
    // At most `per_minute` rows: enough to know whether the window is full, and its oldest.
    let recent = ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(person.user.id))
        .filter(ai_calls::Column::TenantId.eq(person.tenant_id()))
        .filter(ai_calls::Column::CreatedAt.gt(since))
        .order_by_asc(ai_calls::Column::CreatedAt)
        .limit(u64::from(per_minute))
        .all(db)
        .await
        .or_internal("reading recent AI calls")?;
    let reset = recent.first().map_or(0, |c| {
        ((c.created_at + Duration::seconds(60) - Utc::now()).num_seconds() + 1).clamp(1, 60)
    });
    let used = u32::try_from(recent.len()).unwrap_or(u32::MAX);
    Ok((per_minute.saturating_sub(used), reset))
}

/// Counts the call against the person's minute before anything else reads the window, in
/// one atomic step (the shared throttle counter), so a burst of parallel calls cannot all
/// read a window that none of them has entered yet: those beyond the limit are refused.
pub async fn count_minute_call(
    db: &DatabaseConnection,
    person: &SessionUser,
    per_minute: u32,
) -> Result<(), AppError> {
    let key = format!("ai_minute:{}", person.user.id);
    match crate::throttle::count_attempt(db, &key, minute_policy(per_minute), Utc::now())
        .await
        .or_internal("counting an AI call")?
    {
        Some(wait) => Err(AppError::RateLimited {
            message: format!(
                "You have made {per_minute} AI calls in the last minute, the most allowed. Try again in {wait} s."
            ),
            retry_after_secs: wait,
        }),
        None => Ok(()),
    }
}

fn minute_policy(per_minute: u32) -> crate::throttle::Policy {
    crate::throttle::Policy {
        max_failures: i32::try_from(per_minute).unwrap_or(i32::MAX),
        window: Duration::seconds(60),
        lockout: Duration::seconds(60),
    }
}

/// Takes back a call counted by [`count_minute_call`] that did not go out.
async fn forgive_minute_call(db: &DatabaseConnection, person: &SessionUser, per_minute: u32) {
    let key = format!("ai_minute:{}", person.user.id);
    if let Err(e) = crate::throttle::forgive(db, &key, minute_policy(per_minute)).await {
        tracing::warn!(error = %e, "could not take back a refused AI call's count");
    }
}

/// Refuses when the person has made the per-minute number of calls in the last minute.
pub async fn check_minute_limit(
    db: &DatabaseConnection,
    person: &SessionUser,
    per_minute: u32,
) -> Result<(), AppError> {
    match minute_window(db, person, per_minute).await? {
        (0, wait) => Err(AppError::RateLimited {
            message: format!(
                "You have made {per_minute} AI calls in the last minute, the most allowed. Try again in {wait} s."
            ),
            retry_after_secs: wait,
        }),
        _ => Ok(()),
    }
}

/// Runs `prompt` for `tool` as `person`, reads the answer as `R` and turns it into the
/// tool's result with `check` (which compares it with the person's input; its error says
/// why the answer is unusable, for the log and the one repair attempt).
pub async fn ask<R: DeserializeOwned, T>(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    tool: ToolId,
    prompt: Prompt,
    check: impl Fn(R) -> Result<T, String>,
) -> Result<T, AppError> {
    prepare(cx, person, tool, prompt)
        .await?
        .run(cx, check, None)
        .await
}

/// A call that has passed every check and is recorded as pending: what is left is asking
/// the service ([`PreparedCall::run`]). Splitting the two lets a streamed answer refuse
/// with a plain HTTP error before its stream starts.
pub struct PreparedCall {
    tool: ToolId,
    key: SecretString,
    /// Which adapter speaks to the service.
    provider: ProviderKind,
    request: ChatRequest,
    row: ai_calls::Model,
    started: Instant,
}

/// The checks of a call (where it may go, the per-minute limit, the gate: flag, tier, key,
/// daily allowance) and its usage row, written as pending.
pub async fn prepare(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    tool: ToolId,
    prompt: Prompt,
) -> Result<PreparedCall, AppError> {
    let ai_admin::Target {
        provider,
        base_url,
        model,
    } = ai_admin::usable_endpoint(cx.db, &cx.ai.settings, person.tenant_id(), tool).await?;
    let per_minute = cx.ai.settings.calls_per_minute;
    count_minute_call(cx.db, person, per_minute).await?;
    // A call refused before it goes out (the window read from the calls, the tool's gate, no
    // key) gives its place in the minute back.
    let gated = async {
        check_minute_limit(cx.db, person, per_minute).await?;
        let call = gate::begin(cx.db, cx.keyring, person, tool, Some(&base_url)).await?;
        call.key.ok_or_else(|| AppError::ApiKeyMissing(
            "This tool needs your key for its AI service; add it in API-key settings (/settings/api-keys).".into(),
        ))
    }
    .await;
    let key = match gated {
        Ok(key) => key,
        Err(e) => {
            forgive_minute_call(cx.db, person, per_minute).await;
            return Err(e);
        }
    };
    let started = Instant::now();
    let row = ai_calls::ActiveModel {
        tenant_id: Set(person.tenant_id()),
        user_id: Set(person.user.id),
        tool: Set(tool.info().flag.to_owned()),
        model: Set(model.clone()),
        prompt_tokens: Set(0),
        completion_tokens: Set(0),
        latency_ms: Set(0),
        outcome: Set("pending".into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(cx.db)
    .await
    .or_internal("recording an AI call")?;
    Ok(PreparedCall {
        tool,
        key,
        provider,
        request: ChatRequest {
            base_url,
            model,
            messages: vec![Message::system(prompt.system), Message::user(prompt.user)],
            max_tokens: prompt.max_tokens,
            timeout: cx.ai.timeout(),
        },
        row,
        started,
    })
}

impl PreparedCall {
    /// Asks the service, streaming the first answer's text to `deltas` when given, reads
    /// it (asking once for a repair when it does not read), and records the outcome.
    pub async fn run<R: DeserializeOwned, T>(
        self,
        cx: &AiCallContext<'_>,
        check: impl Fn(R) -> Result<T, String>,
        deltas: Option<Deltas>,
    ) -> Result<T, AppError> {
        let PreparedCall {
            tool,
            key,
            provider,
            mut request,
            row,
            started,
        } = self;
        let mut tokens = (0, 0);
        let mut attempt = |c: &Completion| {
            tokens.0 += c.prompt_tokens;
            tokens.1 += c.completion_tokens;
            parse_json::<R>(&c.text).and_then(&check)
        };
        let outcome: Result<T, ProviderError> = async {
            let first = match &deltas {
                Some(deltas) => {
                    cx.ai
                        .provider(provider)
                        .complete_streaming(&request, &key, deltas)
                        .await?
                }
                None => cx.ai.provider(provider).complete(&request, &key).await?,
            };
            match attempt(&first) {
                Ok(result) => Ok(result),
                Err(why) => {
                    tracing::info!(tool = tool.info().flag, %why, "AI reply unusable; asking once to repair it");
                    request.messages.push(Message::assistant(first.text));
                    request.messages.push(Message::user(REPAIR));
                    let second = cx.ai.provider(provider).complete(&request, &key).await?;
                    attempt(&second).map_err(ProviderError::BadReply)
                }
            }
        }
        .await;
        drop(deltas);
        let latency_ms = started.elapsed().as_millis() as i64;
        let label = match &outcome {
            Ok(_) => "ok",
            Err(e) => e.outcome(),
        };
        tracing::info!(
            tool = tool.info().flag,
            outcome = label,
            latency_ms,
            "AI call"
        );
        // For `/metrics` (the recorder is installed by the server).
        metrics::counter!("digame_ai_calls_total", "tool" => tool.info().flag, "outcome" => label)
            .increment(1);
        metrics::histogram!("digame_ai_call_duration_seconds", "tool" => tool.info().flag)
            .record(started.elapsed().as_secs_f64());
        let mut done: ai_calls::ActiveModel = row.into();
        done.prompt_tokens = Set(tokens.0);
        done.completion_tokens = Set(tokens.1);
        done.latency_ms = Set(latency_ms);
        done.outcome = Set(label.to_owned());
        done.update(cx.db)
            .await
            .or_internal("recording an AI call")?;
        outcome.map_err(|e| AppError::Upstream(e.message()))
    }
}

/// A tool's text input: not blank, at most `max_chars` characters (counted as people
/// count them). The error names the form field `field`.
pub fn text_input(field: &str, text: &str, max_chars: usize) -> Result<String, AppError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AppError::validation(field, "Enter some text first."));
    }
    let n = trimmed.chars().count();
    if n > max_chars {
        return Err(AppError::validation(
            field,
            format!("The text is {n} characters long; the most is {max_chars}. Shorten it and try again."),
        ));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_input_refuses_blank_and_long_text_by_characters() {
        assert_eq!(text_input("text", "  hi \n", 5).unwrap(), "hi");
        assert_eq!(text_input("text", "ééééé", 5).unwrap(), "ééééé");
        let blank = text_input("text", " \n\t", 5).unwrap_err();
        assert_eq!(blank.field(), Some("text"));
        let long = text_input("notes", "éééééé", 5).unwrap_err();
        assert_eq!(long.field(), Some("notes"));
        assert!(
            long.message().contains("6 characters"),
            "{}",
            long.message()
        );
    }
}
