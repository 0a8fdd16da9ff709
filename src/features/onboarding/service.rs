//! Onboarding storage: the document per person (tenant-scoped), the step events, the funnel.

use super::model::{
    self, parse_stored, step_index, CompletedStep, OnboardingData, OnboardingUpdate, STEPS,
};
use super::recommend::{recommend, Recommendation};
use super::{Funnel, FunnelStep, OnboardingView, ToolChoice};
use crate::domain::{explain, tool_access, AccessFacts, ToolAccess, ToolId, TOOLS};
use crate::entities::{onboarding_events, onboarding_states, users};
use crate::error::{AppError, ResultExt};
use crate::features::tools::gate;
use crate::person::SessionUser;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use std::collections::HashMap;

/// The person's document; missing or unreadable reads as the default.
pub async fn load(
    db: &impl ConnectionTrait,
    person: &SessionUser,
) -> Result<OnboardingData, AppError> {
    let row = onboarding_states::Entity::find_by_id(person.user.id)
        .filter(onboarding_states::Column::TenantId.eq(person.tenant_id()))
        .one(db)
        .await
        .or_internal("reading onboarding")?;
    Ok(parse_stored(row.as_ref().map(|r| r.data.as_str())))
}

/// The person's preferences as the tools read them (see [`model::Preferences`]).
pub async fn preferences(
    db: &impl ConnectionTrait,
    person: &SessionUser,
) -> Result<super::model::Preferences, AppError> {
    Ok(load(db, person).await?.preferences())
}

async fn store(
    db: &impl ConnectionTrait,
    person: &SessionUser,
    data: &OnboardingData,
) -> Result<(), sea_orm::DbErr> {
    let text = serde_json::to_string(data).expect("the onboarding document serialises");
    onboarding_states::Entity::insert(onboarding_states::ActiveModel {
        user_id: Set(person.user.id),
        tenant_id: Set(person.tenant_id()),
        data: Set(text),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(onboarding_states::Column::UserId)
            .update_columns([
                onboarding_states::Column::Data,
                onboarding_states::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Applies a partial update with the original service's merge rules.
pub async fn apply(
    db: &DatabaseConnection,
    person: &SessionUser,
    update: OnboardingUpdate,
) -> Result<OnboardingData, AppError> {
    let finishing = update.is_completed;
    merge_locked(db, person, finishing, |stored| {
        Ok(model::merge(stored, update))
    })
    .await
}

/// The JSON API's update (`POST /api/v1/auth/me/onboarding`), with the original's rules
/// (`model::apply_document`); an `is_completed` in the body also sets the account's
/// `onboarding_completed`.
pub async fn apply_document(
    db: &DatabaseConnection,
    person: &SessionUser,
    body: &serde_json::Map<String, serde_json::Value>,
) -> Result<OnboardingData, AppError> {
    let finishing = body
        .get("is_completed")
        .and_then(serde_json::Value::as_bool);
    merge_locked(db, person, finishing, |stored| {
        super::document::apply_document(stored, body)
    })
    .await
}

/// Reads the person's document, merges into it and stores the result (with the account's
/// completion flag when `finishing` says so) in one transaction that holds the document's
/// row from the start: two updates in flight take turns, so neither loses the other's part.
/// The lock is a write before the read (an empty document inserted if there is none, then a
/// no-op update of the row): on PostgreSQL that locks the row, on SQLite it takes the write
/// lock, which a read-then-write transaction could not upgrade to.
async fn merge_locked(
    db: &DatabaseConnection,
    person: &SessionUser,
    finishing: Option<bool>,
    merge: impl FnOnce(OnboardingData) -> Result<OnboardingData, AppError>,
) -> Result<OnboardingData, AppError> {
    let txn = db.begin().await.or_internal("saving onboarding")?;
    onboarding_states::Entity::insert(onboarding_states::ActiveModel {
        user_id: Set(person.user.id),
        tenant_id: Set(person.tenant_id()),
        data: Set(serde_json::to_string(&OnboardingData::default())
            .expect("the onboarding document serialises")),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(onboarding_states::Column::UserId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await
    .or_internal("saving onboarding")?;
    onboarding_states::Entity::update_many()
        .col_expr(
            onboarding_states::Column::UpdatedAt,
            sea_orm::sea_query::Expr::col(onboarding_states::Column::UpdatedAt).into(),
        )
        .filter(onboarding_states::Column::UserId.eq(person.user.id))
        .exec(&txn)
        .await
        .or_internal("saving onboarding")?;
    let merged = merge(load(&txn, person).await?)?;
    store(&txn, person, &merged)
        .await
        .or_internal("saving onboarding")?;
    if let Some(done) = finishing {
        users::ActiveModel {
            id: Set(person.user.id),
            onboarding_completed: Set(done),
            ..Default::default()
        }
        .update(&txn)
        .await
        .or_internal("saving onboarding")?;
    }
    txn.commit().await.or_internal("saving onboarding")?;
    Ok(merged)
}

async fn record_event(
    db: &impl ConnectionTrait,
    person: &SessionUser,
    step: &str,
    event: &str,
) -> Result<(), AppError> {
    onboarding_events::Entity::insert(onboarding_events::ActiveModel {
        tenant_id: Set(person.tenant_id()),
        user_id: Set(person.user.id),
        step_id: Set(step.to_owned()),
        event: Set(event.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    // Only the first time counts for the funnel.
    .on_conflict(
        OnConflict::columns([
            onboarding_events::Column::UserId,
            onboarding_events::Column::StepId,
            onboarding_events::Column::Event,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .or_internal("recording an onboarding event")?;
    Ok(())
}

/// Whether sign-in should send this person to the wizard (not finished, not skipped).
pub async fn wizard_pending(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<bool, AppError> {
    if person.user.onboarding_completed {
        return Ok(false);
    }
    let data = load(db, person).await?;
    Ok(data
        .user_preferences
        .get("onboarding_skipped")
        .and_then(|v| v.as_bool())
        != Some(true))
}

async fn tool_choices(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<(Vec<ToolChoice>, HashMap<ToolId, bool>), AppError> {
    let access = gate::access(db, person).await?;
    let tier = access.tier;
    let flags = access.flags.clone();
    let choices = TOOLS
        .iter()
        .map(|t| {
            // The wizard offers tools before any key is stored or the address confirmed:
            // neither locks a choice.
            let access = tool_access(
                t.id,
                AccessFacts {
                    has_key: true,
                    email_verified: true,
                    two_factor_ok: true,
                    ..access.facts(t.id)
                },
            );
            ToolChoice {
                flag: t.id,
                title: t.title.to_owned(),
                summary: t.summary.to_owned(),
                locked: (access != ToolAccess::Available)
                    .then(|| explain(&access, &person.tenant.name, tier)),
                can_switch_on: person.is_admin() && access == ToolAccess::SwitchedOff,
            }
        })
        .collect();
    Ok((choices, flags))
}

pub async fn view(
    db: &DatabaseConnection,
    person: &SessionUser,
    step: Option<&str>,
) -> Result<OnboardingView, AppError> {
    let data = load(db, person).await?;
    // An unknown step in the address falls back to where the person left off.
    let step = step
        .filter(|s| step_index(s).is_some())
        .map(str::to_owned)
        .unwrap_or_else(|| data.wizard_step().to_owned());
    let step = if step_index(&step).is_some() {
        step
    } else {
        STEPS[0].id.to_owned()
    };
    record_event(db, person, &step, "entered").await?;
    let (tools, flags) = tool_choices(db, person).await?;
    Ok(OnboardingView {
        recommendations: recommend(&data, &flags),
        data,
        step,
        tools,
    })
}

/// Saves a step and answers with the address of the page to show next.
pub async fn save(
    db: &DatabaseConnection,
    person: &SessionUser,
    step: &str,
    nav: &str,
    fields: &HashMap<String, String>,
) -> Result<String, AppError> {
    let index = step_index(step).ok_or_else(|| {
        AppError::validation(
            "step",
            format!("There is no onboarding step called {step}."),
        )
    })?;
    let url = |i: usize| format!("/onboarding?step={}", STEPS[i].id);
    match nav {
        "back" => {
            let prev = index.saturating_sub(1);
            apply(
                db,
                person,
                OnboardingUpdate {
                    current_step_id: Some(STEPS[prev].id.into()),
                    ..Default::default()
                },
            )
            .await?;
            Ok(url(prev))
        }
        "skip" => {
            let next = (index + 1).min(STEPS.len() - 1);
            apply(
                db,
                person,
                OnboardingUpdate {
                    current_step_id: Some(STEPS[next].id.into()),
                    ..Default::default()
                },
            )
            .await?;
            Ok(url(next))
        }
        "skip_all" => {
            let mut prefs = serde_json::Map::new();
            prefs.insert("onboarding_skipped".into(), true.into());
            apply(
                db,
                person,
                OnboardingUpdate {
                    user_preferences: Some(prefs),
                    ..Default::default()
                },
            )
            .await?;
            Ok("/".to_owned())
        }
        "next" | "finish" => {
            let mut update = model::parse_step(step, fields)?;
            let mut completed = load(db, person).await?.completed_steps;
            completed.retain(|c| c.step_id != step);
            completed.push(CompletedStep {
                step_id: step.to_owned(),
                completed_at: Some(Utc::now().to_rfc3339()),
            });
            update.completed_steps = Some(completed);
            let finishing = nav == "finish" || index + 1 == STEPS.len();
            let next = (index + 1).min(STEPS.len() - 1);
            update.current_step_id = Some(STEPS[next].id.into());
            if finishing {
                update.is_completed = Some(true);
            }
            apply(db, person, update).await?;
            // Finishing a step implies having opened it, even if that view was not counted.
            record_event(db, person, step, "entered").await?;
            record_event(db, person, step, "completed").await?;
            Ok(if finishing {
                "/?welcome=1".to_owned()
            } else {
                url(next)
            })
        }
        other => Err(AppError::validation(
            "nav",
            format!("Unknown wizard action {other}."),
        )),
    }
}

/// The tools the person chose to explore, in recommended order (then catalogue order).
pub async fn picks(
    db: &DatabaseConnection,
    person: &SessionUser,
) -> Result<Vec<Recommendation>, AppError> {
    let flags = crate::features::tools::gate::open_flags(db, person).await?;
    Ok(picks_from(&load(db, person).await?, &flags))
}

/// The person's chosen tools, most relevant first, from their setup answers and the tenant's
/// flags already read.
pub fn picks_from(data: &OnboardingData, flags: &HashMap<ToolId, bool>) -> Vec<Recommendation> {
    let recs = recommend(data, flags);
    let chosen = |flag: &str| data.explores(flag);
    let mut out: Vec<Recommendation> = recs
        .into_iter()
        .filter(|r| chosen(r.flag.info().flag))
        .collect();
    let ranked: Vec<ToolId> = out.iter().map(|r| r.flag).collect();
    for tool in TOOLS
        .iter()
        .filter(|t| chosen(t.flag) && !ranked.contains(&t.id))
    {
        out.push(Recommendation {
            flag: tool.id,
            title: tool.title.to_owned(),
            score: 0,
            reasons: Vec::new(),
            available: flags[&tool.id],
        });
    }
    out
}

pub async fn funnel(db: &DatabaseConnection, admin: &SessionUser) -> Result<Funnel, AppError> {
    let members = users::Entity::find()
        .filter(users::Column::TenantId.eq(admin.tenant_id()))
        .count(db)
        .await
        .or_internal("counting members")? as i64;
    let mut steps = Vec::new();
    for step in &STEPS {
        let count = |event: &'static str| {
            onboarding_events::Entity::find()
                .filter(onboarding_events::Column::TenantId.eq(admin.tenant_id()))
                .filter(onboarding_events::Column::StepId.eq(step.id))
                .filter(onboarding_events::Column::Event.eq(event))
                .count(db)
        };
        steps.push(FunnelStep {
            step_id: step.id.to_owned(),
            title: step.title.to_owned(),
            entered: count("entered").await.or_internal("reading the funnel")? as i64,
            completed: count("completed").await.or_internal("reading the funnel")? as i64,
        });
    }
    Ok(Funnel { members, steps })
}
