//! One AI call for a tool, after the gate: the per-person minute limit, the gate itself
//! (flag, tier, key, daily allowance), the usage record, the provider call, reading the
//! reply into the tool's typed result with one repair attempt, and the outcome recorded.

use super::gate;
use super::TokenUsage;
use crate::ai::prompt::{parse_json, Prompt, REPAIR};
use crate::ai::provider::{ChatProvider, ChatRequest, Completion, Deltas, Message, ProviderError};
use crate::ai::Ai;
use crate::crypto::keyring::Keyring;
use crate::domain::{ProviderKind, ToolId};
use crate::entities::ai_calls;
use crate::error::{AppError, ResultExt};
use crate::features::ai_admin::service as ai_admin;
use crate::features::api_keys::service::{reveal, KeyUse};
use crate::features::budgets::service as budgets;
use crate::features::model_choice::service as model_choice;
use crate::person::SessionUser;
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
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

/// A call of `prompt` for `tool` as `person`, checked and recorded as pending, ready to
/// run, streamed (`tools::stream`) or not: its answer is read as `R` and turned into the
/// tool's result with `check` (which compares it with the person's input; its error says
/// why the answer is unusable, for the log and the one repair attempt).
pub async fn ready<R: DeserializeOwned, T>(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    tool: ToolId,
    prompt: Prompt,
    check: impl Fn(R) -> Result<T, String> + Send + Sync + 'static,
) -> Result<Ready<T>, AppError> {
    Ok(prepare(cx, person, tool, prompt).await?.expecting(check))
}

/// A call that has passed every check and is recorded as pending: what is left is asking
/// the service ([`Ready::run`]). Splitting the two lets a streamed answer refuse with a
/// plain HTTP error before its stream starts.
pub struct PreparedCall {
    tool: ToolId,
    key: SecretString,
    /// The tokens held in the person's budgets until the call settles.
    reservation: budgets::Reservation,
    /// The models tried next, in order, when the model fails in a way another may not.
    fallback_models: Vec<String>,
    /// Where the call goes when those fail too, when the tool has a second service and the
    /// person a key for it.
    second: Option<SecondCall>,
    /// Which adapter speaks to the service.
    provider: ProviderKind,
    request: ChatRequest,
    row: ai_calls::Model,
    started: Instant,
}

/// A tool's second service with the person's key for it (bound to its address).
struct SecondCall {
    provider: ProviderKind,
    base_url: String,
    model: String,
    key: SecretString,
    used: KeyUse,
}

impl SecondCall {
    /// The second service, when the person holds a key for it that may go there (saved
    /// for its address). Without one the call goes to the first service only.
    async fn with_key(
        cx: &AiCallContext<'_>,
        person: &SessionUser,
        tool: ToolId,
        service: Option<ai_admin::SecondService>,
    ) -> Option<SecondCall> {
        let (service, name) = (service?, tool.info().second_key?);
        match reveal(cx.db, cx.keyring, person, name, Some(&service.base_url)).await {
            Ok((key, used)) => Some(SecondCall {
                provider: service.provider,
                base_url: service.base_url,
                model: service.model,
                key,
                used,
            }),
            Err(why) => {
                tracing::debug!(
                    ?why,
                    tool = tool.info().flag,
                    "no usable key for the second AI service"
                );
                None
            }
        }
    }
}

/// A prepared call with the way its answer is read into the tool's result `T`.
pub struct Ready<T> {
    call: PreparedCall,
    read: Reader<T>,
    draft: Drafts<T>,
}

/// How a whole answer's text is read into the tool's result (the error says why not).
type Reader<T> = Box<dyn Fn(&str) -> Result<T, String> + Send + Sync>;

/// What an answer still arriving (`partial`: its whole items, `ai::partial`) would be if it
/// ended there, when the tool's checks accept it: a draft to show, never kept.
pub type Drafts<T> = std::sync::Arc<dyn Fn(&serde_json::Value) -> Option<T> + Send + Sync>;

/// The checks of a call (where it may go, the per-minute limit, the gate: flag, tier, key,
/// daily allowance) and its usage row, written as pending.
pub async fn prepare(
    cx: &AiCallContext<'_>,
    person: &SessionUser,
    tool: ToolId,
    prompt: Prompt,
) -> Result<PreparedCall, AppError> {
    let target =
        ai_admin::usable_endpoint(cx.db, &cx.ai.settings, person.tenant_id(), tool).await?;
    // The person's own model first, when they chose one the company allows.
    let chosen = model_choice::chosen(cx.db, person, tool).await?;
    let ai_admin::Target {
        provider,
        base_url,
        model,
        fallback_models,
        second,
    } = model_choice::put_first(target, chosen.as_deref());
    let per_minute = cx.ai.settings.calls_per_minute;
    count_minute_call(cx.db, person, per_minute).await?;
    let now = Utc::now();
    let estimate = budgets::estimate(prompt.system.len() + prompt.user.len(), prompt.max_tokens);
    // A call refused before it goes out (the window read from the calls, its budgets, the
    // tool's gate, no key) gives its place in the minute and its reservation back. The
    // budgets come before the gate, so a refused call does not use up the daily allowance.
    let gated = async {
        check_minute_limit(cx.db, person, per_minute).await?;
        let reservation = budgets::reserve(cx.db, person, estimate, now).await?;
        let key = async {
            let call = gate::begin(cx.db, cx.keyring, person, tool, Some(&base_url)).await?;
            call.key.ok_or_else(|| AppError::ApiKeyMissing(
                "This tool needs your key for its AI service; add it in API-key settings (/settings/api-keys).".into(),
            ))
        }
        .await;
        match key {
            Ok(key) => Ok((key, reservation)),
            Err(e) => {
                give_back(cx.db, &reservation).await;
                Err(e)
            }
        }
    }
    .await;
    let (key, reservation) = match gated {
        Ok(passed) => passed,
        Err(e) => {
            forgive_minute_call(cx.db, person, per_minute).await;
            return Err(e);
        }
    };
    let second = SecondCall::with_key(cx, person, tool, second).await;
    let started = Instant::now();
    let row = ai_calls::ActiveModel {
        reserved_tokens: Set(reservation.tokens),
        reserved_groups: Set(reservation.groups_text()),
        ..usage_row(
            person.tenant_id(),
            person.user.id,
            tool.info().flag,
            &model,
            "pending",
            0,
            now,
        )
    }
    .insert(cx.db)
    .await
    .or_internal("recording an AI call");
    let row = match row {
        Ok(row) => row,
        Err(e) => {
            give_back(cx.db, &reservation).await;
            return Err(e);
        }
    };
    Ok(PreparedCall {
        tool,
        key,
        reservation,
        fallback_models,
        second,
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
    /// The call, reading its answer as `R` and turning it into the tool's result with
    /// `check`.
    pub fn expecting<R: DeserializeOwned, T>(
        self,
        check: impl Fn(R) -> Result<T, String> + Send + Sync + 'static,
    ) -> Ready<T> {
        let check = std::sync::Arc::new(check);
        let for_drafts = check.clone();
        Ready {
            call: self,
            read: Box::new(move |text| parse_json::<R>(text).and_then(|r| check(r))),
            draft: std::sync::Arc::new(move |partial| {
                R::deserialize(partial)
                    .ok()
                    .and_then(|r| for_drafts(r).ok())
            }),
        }
    }
}

impl<T> Ready<T> {
    /// How drafts of this call's answer are read.
    pub fn drafts(&self) -> Drafts<T> {
        self.draft.clone()
    }

    /// Asks the service, streaming the first answer's text to `deltas` when given, reads
    /// it (asking once for a repair when it does not read), and records the outcome.
    pub async fn run(self, cx: &AiCallContext<'_>) -> Result<T, AppError> {
        self.run_counted(cx, None, Stop::OnRequest).await.0
    }

    /// The call's usage row, which [`request_cancel`] names.
    pub fn call_id(&self) -> i64 {
        self.call.row.id
    }

    /// As [`Ready::run`], streaming the answer's text to `deltas` when given, with what the
    /// call used. A streamed call stops as `stop` says: the request to the service is closed
    /// and the call is recorded as `cancelled`, with the tokens of what had arrived.
    pub async fn run_counted(
        self,
        cx: &AiCallContext<'_>,
        deltas: Option<Deltas>,
        stop: Stop,
    ) -> (Result<T, AppError>, TokenUsage) {
        let Ready { call, read, .. } = self;
        let PreparedCall {
            tool,
            mut key,
            reservation,
            fallback_models,
            mut second,
            provider,
            mut request,
            row,
            started,
        } = call;
        let mut adapter = cx.ai.provider(provider);
        let mut used = TokenUsage::default();
        let mut count = |c: &Completion| {
            used.prompt_tokens += c.prompt_tokens;
            used.completion_tokens += c.completion_tokens;
        };
        // The call's whole time, shared among the models still to try (the fallback models,
        // then the second service's): each model with another after it gets its share, so a
        // slow one leaves time for the next.
        let deadline = started + request.timeout;
        let mut next_models = fallback_models.into_iter();
        let mut left_to_try = next_models.len() + usize::from(second.is_some());
        let first = loop {
            let attempt_started = Instant::now();
            let remaining = deadline.saturating_duration_since(attempt_started);
            request.timeout = remaining / u32::try_from(left_to_try + 1).unwrap_or(1);
            let (result, streamed_chars) = match &deltas {
                Some(out) => relay(cx.db, row.id, stop, adapter, &request, &key, out).await,
                None => (adapter.complete(&request, &key).await, 0),
            };
            match result {
                // Only before any of the answer was shown: a second model's text would not
                // continue the first's.
                Err(e) if e.fails_over() && streamed_chars == 0 && left_to_try > 0 => {
                    record_attempt(cx.db, &row, &request.model, &e, attempt_started).await;
                    if let Some(next) = next_models.next() {
                        tracing::info!(
                            tool = tool.info().flag,
                            failed = %request.model,
                            next = %next,
                            outcome = e.outcome(),
                            "AI model failed; going to the next"
                        );
                        request.model = next;
                    } else if let Some(other) = second.take() {
                        tracing::info!(
                            tool = tool.info().flag,
                            failed = %request.model,
                            next = %other.model,
                            provider = other.provider.as_str(),
                            outcome = e.outcome(),
                            "AI service failed; going to the second service"
                        );
                        adapter = cx.ai.provider(other.provider);
                        request.base_url = other.base_url;
                        request.model = other.model;
                        key = other.key;
                        other.used.record(cx.db).await;
                    } else {
                        break Err(e);
                    }
                    left_to_try -= 1;
                }
                other => break other,
            }
        };
        let outcome: Result<T, ProviderError> = match first {
            Err(ProviderError::Cancelled { streamed_chars }) => {
                let asked: usize = request.messages.iter().map(|m| m.content.len()).sum();
                count(&Completion {
                    prompt_tokens: estimate_tokens(asked),
                    completion_tokens: estimate_tokens(streamed_chars),
                    ..Completion::default()
                });
                Err(ProviderError::Cancelled { streamed_chars })
            }
            Err(e) => Err(e),
            Ok(first) => {
                count(&first);
                match read(&first.text) {
                    Ok(result) => Ok(result),
                    Err(why) => {
                        tracing::info!(tool = tool.info().flag, %why, "AI reply unusable; asking once to repair it");
                        request.messages.push(Message::assistant(first.text));
                        request.messages.push(Message::user(REPAIR));
                        match adapter.complete(&request, &key).await {
                            Ok(second) => {
                                count(&second);
                                read(&second.text).map_err(ProviderError::BadReply)
                            }
                            Err(e) => Err(e),
                        }
                    }
                }
            }
        };
        drop(deltas);
        used.total_tokens = used.prompt_tokens + used.completion_tokens;
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
        done.prompt_tokens = Set(used.prompt_tokens);
        done.completion_tokens = Set(used.completion_tokens);
        done.latency_ms = Set(latency_ms);
        done.outcome = Set(label.to_owned());
        done.model = Set(request.model.clone());
        done.reserved_tokens = Set(0);
        // The row and the budgets' counters change together: a call settles once.
        let settled = async {
            let txn = cx.db.begin().await?;
            done.update(&txn).await?;
            budgets::settle(&txn, &reservation, used.total_tokens).await?;
            txn.commit().await
        }
        .await
        .or_internal("recording an AI call");
        if let Err(e) = settled {
            return (Err(e), used);
        }
        (outcome.map_err(|e| AppError::Upstream(e.message())), used)
    }
}

/// A usage row without tokens: a call starting (`pending`), or a failed attempt.
fn usage_row(
    tenant_id: i64,
    user_id: i64,
    tool: &str,
    model: &str,
    outcome: &str,
    latency_ms: i64,
    at: chrono::DateTime<Utc>,
) -> ai_calls::ActiveModel {
    ai_calls::ActiveModel {
        tenant_id: Set(tenant_id),
        user_id: Set(user_id),
        tool: Set(tool.to_owned()),
        model: Set(model.to_owned()),
        prompt_tokens: Set(0),
        completion_tokens: Set(0),
        latency_ms: Set(latency_ms),
        outcome: Set(outcome.to_owned()),
        created_at: Set(at),
        reserved_tokens: Set(0),
        ..Default::default()
    }
}

/// Records a model's failed attempt of a call that went on to the next model: a row of its
/// own, so the figures count the failure against that model.
async fn record_attempt(
    db: &DatabaseConnection,
    call: &ai_calls::Model,
    model: &str,
    failure: &ProviderError,
    started: Instant,
) {
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let row = usage_row(
        call.tenant_id,
        call.user_id,
        &call.tool,
        model,
        failure.outcome(),
        latency_ms,
        Utc::now(),
    );
    if let Err(e) = row.insert(db).await {
        tracing::warn!(error = %e, "could not record a failed attempt of an AI call");
    }
}

/// Gives a reservation back whole, for a call that did not go out.
async fn give_back(db: &DatabaseConnection, reservation: &budgets::Reservation) {
    if let Err(e) = budgets::settle(db, reservation, 0).await {
        tracing::warn!(error = %e, "could not give back a refused AI call's reserved tokens");
    }
}

/// About four characters a token: the estimate for a call stopped before the service said.
fn estimate_tokens(chars: usize) -> i64 {
    i64::try_from(chars.div_ceil(4)).unwrap_or(i64::MAX)
}

/// What stops a streamed call before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The caller's connection closing, or [`request_cancel`] (the JSON API: a client that
    /// closes the connection does not want the rest).
    OnDisconnect,
    /// Only [`request_cancel`] (the pages: a person who reloads or leaves gets the answer
    /// when they come back, and Cancel asks for the stop).
    OnRequest,
}

/// The outcome a call waits in while a stop has been asked for it.
pub const CANCEL_REQUESTED: &str = "cancel_requested";

/// How often a streaming call looks whether a stop was asked for it (on any replica).
const CANCEL_CHECK_EVERY: std::time::Duration = std::time::Duration::from_millis(300);

/// Asks the person's call `call_id` to stop, wherever it runs: it is marked, and the replica
/// streaming it stops at its next piece. `false` when it is not theirs or not running.
pub async fn request_cancel(
    db: &DatabaseConnection,
    person: &SessionUser,
    call_id: i64,
) -> Result<bool, AppError> {
    let marked = ai_calls::Entity::update_many()
        .col_expr(
            ai_calls::Column::Outcome,
            sea_orm::sea_query::Expr::value(CANCEL_REQUESTED),
        )
        .filter(ai_calls::Column::Id.eq(call_id))
        .filter(ai_calls::Column::UserId.eq(person.user.id))
        .filter(ai_calls::Column::TenantId.eq(person.tenant_id()))
        .filter(ai_calls::Column::Outcome.eq("pending"))
        .exec(db)
        .await
        .or_internal("cancelling an AI call")?;
    Ok(marked.rows_affected == 1)
}

async fn cancel_requested(db: &DatabaseConnection, call_id: i64) -> bool {
    match ai_calls::Entity::find_by_id(call_id).one(db).await {
        Ok(row) => row.is_some_and(|r| r.outcome == CANCEL_REQUESTED),
        Err(e) => {
            tracing::warn!(error = %e, "could not read whether a call was cancelled");
            false
        }
    }
}

/// Streams a call's answer to `out` until its end or a stop (`stop`, or the call's row
/// marked by [`request_cancel`]): the adapter's future is then dropped, which closes its
/// request to the service.
async fn relay(
    db: &DatabaseConnection,
    call_id: i64,
    stop: Stop,
    adapter: &dyn ChatProvider,
    request: &ChatRequest,
    key: &SecretString,
    out: &Deltas,
) -> (Result<Completion, ProviderError>, usize) {
    let (pieces, mut arriving) = tokio::sync::mpsc::unbounded_channel::<String>();
    let call = adapter.complete_streaming(request, key, &pieces);
    tokio::pin!(call);
    let mut streamed_chars = 0;
    let mut checked = Instant::now();
    let left = async {
        match stop {
            Stop::OnDisconnect => out.closed().await,
            Stop::OnRequest => std::future::pending().await,
        }
    };
    tokio::pin!(left);
    loop {
        tokio::select! {
            biased;
            Some(piece) = arriving.recv() => {
                streamed_chars += piece.len();
                // A page whose person left still gets its answer kept: only the API stops here.
                if out.send(piece).is_err() && stop == Stop::OnDisconnect {
                    return (Err(ProviderError::Cancelled { streamed_chars }), streamed_chars);
                }
                if checked.elapsed() >= CANCEL_CHECK_EVERY {
                    checked = Instant::now();
                    if cancel_requested(db, call_id).await {
                        return (Err(ProviderError::Cancelled { streamed_chars }), streamed_chars);
                    }
                }
            }
            done = &mut call => {
                while let Ok(piece) = arriving.try_recv() {
                    streamed_chars += piece.len();
                    let _ = out.send(piece);
                }
                return (done, streamed_chars);
            }
            () = &mut left => {
                return (Err(ProviderError::Cancelled { streamed_chars }), streamed_chars);
            }
        }
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
