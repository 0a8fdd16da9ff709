//! Tenant AI endpoints and usage figures.

use super::{ai_tools, AiAdminView, Endpoint};
use crate::ai::address::check_url;
use crate::audit_log::{record, Event};
use crate::config::{parse_ai_base_url, AiSettings};
use crate::domain::{AuditAction, ProviderKind, ToolId};
use crate::entities::tenant_ai_endpoints as endpoints;
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

/// Where a tool's calls go: which API, at which address, asking which model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub provider: ProviderKind,
    pub base_url: String,
    pub model: String,
    /// The models a call goes to next, in order, when `model` is busy, failing or too
    /// slow: at the same address, so with the same key.
    pub fallback_models: Vec<String>,
    /// Where the call goes when those all fail: another address, with the person's key for
    /// it (the tool's `second_key`, bound to that address).
    pub second: Option<SecondService>,
}

/// A tool's second AI service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondService {
    pub provider: ProviderKind,
    pub base_url: String,
    pub model: String,
}

/// The most fallback models a tool may have.
pub const MAX_FALLBACKS: usize = 3;

/// What an admin asks for one tool (the page's form and the JSON API).
#[derive(Debug, Clone, Copy, Default)]
pub struct EndpointChoice<'a> {
    /// `openai`, `anthropic`, or empty for OpenAI-compatible.
    pub provider: &'a str,
    pub base_url: &'a str,
    pub model: &'a str,
    /// Comma-separated, in order; empty for none.
    pub fallback_models: &'a str,
    /// The second service: its kind (empty: OpenAI-compatible), address and model; address
    /// and model empty for none.
    pub second_provider: &'a str,
    pub second_base_url: &'a str,
    pub second_model: &'a str,
}

impl Target {
    fn default_of(defaults: &AiSettings) -> Target {
        Target {
            provider: defaults.provider,
            base_url: defaults.base_url.clone(),
            model: defaults.model.clone(),
            fallback_models: Vec::new(),
            second: None,
        }
    }

    fn of(row: &endpoints::Model) -> Target {
        Target {
            // Written only from `ProviderKind::as_str`; the column's default is `openai`.
            provider: ProviderKind::parse(&row.provider).unwrap_or_default(),
            base_url: row.base_url.clone(),
            model: row.model.clone(),
            fallback_models: row
                .fallback_models
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect(),
            second: (!row.second_base_url.is_empty()).then(|| SecondService {
                provider: ProviderKind::parse(&row.second_provider).unwrap_or_default(),
                base_url: row.second_base_url.clone(),
                model: row.second_model.clone(),
            }),
        }
    }

    /// As the audit log keeps it.
    fn audited(&self) -> serde_json::Value {
        serde_json::json!({
            "provider": self.provider.as_str(),
            "base_url": self.base_url,
            "model": self.model,
            "fallback_models": self.fallback_models.join(", "),
            "second": self.second.as_ref().map(|s| serde_json::json!({
                "provider": s.provider.as_str(),
                "base_url": s.base_url,
                "model": s.model,
            })),
        })
    }
}

/// Where `tool`'s calls go for the tenant: its admins' choice, else the operator's default.
pub async fn endpoint_for(
    db: &impl sea_orm::ConnectionTrait,
    defaults: &AiSettings,
    tenant_id: i64,
    tool: ToolId,
) -> Result<Target, AppError> {
    let row = endpoints::Entity::find_by_id((tenant_id, tool.info().flag.to_owned()))
        .one(db)
        .await
        .or_internal("reading the AI endpoint")?;
    Ok(row
        .as_ref()
        .map_or_else(|| Target::default_of(defaults), Target::of))
}

/// Where each AI tool's calls go for the tenant, in one query (the key list shows all).
pub async fn endpoints_of(
    db: &impl sea_orm::ConnectionTrait,
    defaults: &AiSettings,
    tenant_id: i64,
) -> Result<std::collections::HashMap<ToolId, Target>, AppError> {
    let rows = endpoints::Entity::find()
        .filter(endpoints::Column::TenantId.eq(tenant_id))
        .all(db)
        .await
        .or_internal("reading the AI endpoints")?;
    Ok(ai_tools()
        .map(|tool| {
            let chosen = rows.iter().find(|r| r.tool == tool.info().flag);
            let target = chosen.map_or_else(|| Target::default_of(defaults), Target::of);
            (tool, target)
        })
        .collect())
}

/// Where `tool`'s calls go, checked against the address policy on every call (a name is
/// checked again when it is resolved): https and public unless the operator allows local
/// model servers. A refused address is an upstream error that says what to do.
pub async fn usable_endpoint(
    db: &DatabaseConnection,
    defaults: &AiSettings,
    tenant_id: i64,
    tool: ToolId,
) -> Result<Target, AppError> {
    let mut target = endpoint_for(db, defaults, tenant_id, tool).await?;
    if let Some(second) = &target.second {
        if let Err(why) = check_url(&second.base_url, defaults.allow_private) {
            tracing::warn!(%why, tool = tool.info().flag, "second AI service not allowed; not used");
            target.second = None;
        }
    }
    if let Err(why) = check_url(&target.base_url, defaults.allow_private) {
        tracing::warn!(%why, tool = tool.info().flag, "AI endpoint not allowed");
        return Err(AppError::Upstream(format!(
            "This tool's AI service address is not allowed: {why} An administrator can change it in Admin → AI services."
        )));
    }
    Ok(target)
}

/// A model name: printable, no spaces, at most 200 characters.
fn parse_model(raw: &str) -> Result<String, AppError> {
    parse_model_in("model", raw)
}

fn parse_model_in(field: &str, raw: &str) -> Result<String, AppError> {
    let model = raw.trim();
    if model.is_empty()
        || model.chars().count() > 200
        || model.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AppError::validation(
            field,
            "Enter the model's name as the service spells it, e.g. gpt-4o-mini (no spaces, at most 200 characters).",
        ));
    }
    Ok(model.to_owned())
}

/// The fallback models typed in: names separated by commas (or new lines), each checked as
/// a model, none repeated nor the model itself, at most [`MAX_FALLBACKS`].
fn parse_fallbacks(raw: &str, model: &str) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for name in raw
        .split([',', '\n'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let name = parse_model(name).map_err(|e| {
            AppError::validation("fallback_models", format!("“{name}”: {}", e.message()))
        })?;
        if name == model || out.contains(&name) {
            return Err(AppError::validation(
                "fallback_models",
                format!("{name} is named twice; name each fallback model once, and not the model itself."),
            ));
        }
        out.push(name);
    }
    if out.len() > MAX_FALLBACKS {
        return Err(AppError::validation(
            "fallback_models",
            format!("Name at most {MAX_FALLBACKS} fallback models."),
        ));
    }
    Ok(out)
}

/// An address typed for `field`: an API base URL the operator's address policy allows.
fn parse_address(field: &str, raw: &str, defaults: &AiSettings) -> Result<String, AppError> {
    let url = parse_ai_base_url(raw).map_err(|_| {
        AppError::validation(
            field,
            "Enter the API's address, like https://api.openai.com/v1.",
        )
    })?;
    check_url(&url, defaults.allow_private).map_err(|why| AppError::validation(field, why))?;
    Ok(url)
}

/// A kind of API typed for `field` (empty: OpenAI-compatible).
fn parse_provider(field: &str, raw: &str) -> Result<ProviderKind, AppError> {
    match raw.trim() {
        "" => Ok(ProviderKind::default()),
        raw => ProviderKind::parse(raw).ok_or_else(|| {
            AppError::validation(
                field,
                "Choose the kind of service: openai (OpenAI-compatible) or anthropic.",
            )
        }),
    }
}

/// The second service typed in: none when its address and model are empty; else both, at
/// an address other than the first's (another model at the same address is a fallback
/// model).
fn parse_second(
    choice: &EndpointChoice<'_>,
    first: &str,
    defaults: &AiSettings,
) -> Result<Option<SecondService>, AppError> {
    if choice.second_base_url.trim().is_empty() && choice.second_model.trim().is_empty() {
        return Ok(None);
    }
    let base_url = parse_address("second_base_url", choice.second_base_url, defaults)?;
    if base_url == first {
        return Err(AppError::validation(
            "second_base_url",
            "The second service needs another address than the first; for another model at the same address, name it under fallback models.",
        ));
    }
    Ok(Some(SecondService {
        provider: parse_provider("second_provider", choice.second_provider)?,
        base_url,
        model: parse_model_in("second_model", choice.second_model)?,
    }))
}

pub async fn set(
    db: &DatabaseConnection,
    defaults: &AiSettings,
    admin: &SessionUser,
    tool: ToolId,
    choice: EndpointChoice<'_>,
) -> Result<(), AppError> {
    let EndpointChoice {
        provider,
        base_url,
        model,
        fallback_models,
        ..
    } = choice;
    if !ai_tools().any(|t| t == tool) {
        return Err(AppError::validation(
            "tool",
            "That tool does not call an AI service.",
        ));
    }
    let reset = base_url.trim().is_empty() && model.trim().is_empty();
    let after = if reset {
        if !(choice.second_base_url.trim().is_empty() && choice.second_model.trim().is_empty()) {
            return Err(AppError::validation(
                "second_base_url",
                "A second service follows a first: set this tool's address and model too.",
            ));
        }
        None
    } else {
        let url = parse_address("base_url", base_url, defaults)?;
        let provider = parse_provider("provider", provider)?;
        let model = parse_model(model)?;
        Some(Target {
            provider,
            second: parse_second(&choice, &url, defaults)?,
            base_url: url,
            fallback_models: parse_fallbacks(fallback_models, &model)?,
            model,
        })
    };
    let before = endpoint_for(db, defaults, admin.tenant_id(), tool).await?;
    let txn = db.begin().await.or_internal("saving the AI endpoint")?;
    match &after {
        None => {
            endpoints::Entity::delete_by_id((admin.tenant_id(), tool.info().flag.to_owned()))
                .exec(&txn)
                .await
                .or_internal("saving the AI endpoint")?;
        }
        Some(target) => {
            endpoints::Entity::insert(endpoints::ActiveModel {
                tenant_id: Set(admin.tenant_id()),
                tool: Set(tool.info().flag.to_owned()),
                base_url: Set(target.base_url.clone()),
                model: Set(target.model.clone()),
                provider: Set(target.provider.as_str().to_owned()),
                updated_at: Set(Utc::now()),
                fallback_models: Set(target.fallback_models.join(",")),
                second_provider: Set(target
                    .second
                    .as_ref()
                    .map_or("", |s| s.provider.as_str())
                    .to_owned()),
                second_base_url: Set(target
                    .second
                    .as_ref()
                    .map(|s| s.base_url.clone())
                    .unwrap_or_default()),
                second_model: Set(target
                    .second
                    .as_ref()
                    .map(|s| s.model.clone())
                    .unwrap_or_default()),
            })
            .on_conflict(
                OnConflict::columns([endpoints::Column::TenantId, endpoints::Column::Tool])
                    .update_columns([
                        endpoints::Column::BaseUrl,
                        endpoints::Column::Model,
                        endpoints::Column::Provider,
                        endpoints::Column::UpdatedAt,
                        endpoints::Column::FallbackModels,
                        endpoints::Column::SecondProvider,
                        endpoints::Column::SecondBaseUrl,
                        endpoints::Column::SecondModel,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .or_internal("saving the AI endpoint")?;
        }
    }
    let shown = after.unwrap_or_else(|| Target::default_of(defaults));
    record(
        &txn,
        Event {
            tenant_id: admin.tenant_id(),
            actor_user_id: Some(admin.user.id),
            action: AuditAction::AiEndpointChanged,
            target: tool.info().flag,
            before: Some(before.audited()),
            after: Some({
                let mut after = shown.audited();
                after["default"] = reset.into();
                after
            }),
        },
    )
    .await?;
    if let Some(key_name) = tool.info().key.name() {
        tell_key_holders(&txn, admin, tool, key_name, &shown.base_url).await?;
    }
    if let (Some(key_name), Some(second)) = (tool.info().second_key, &shown.second) {
        tell_key_holders(&txn, admin, tool, key_name, &second.base_url).await?;
    }
    txn.commit().await.or_internal("saving the AI endpoint")?;
    Ok(())
}

/// A person's key goes only where it was saved for: when a tool's address changes, each
/// member whose key for it was saved for another address is told that it is held until
/// they confirm the new one, and the admin is told how many keys are held.
async fn tell_key_holders(
    txn: &sea_orm::DatabaseTransaction,
    admin: &SessionUser,
    tool: ToolId,
    key_name: &str,
    address: &str,
) -> Result<(), AppError> {
    use crate::entities::{user_api_keys, users};
    let held = user_api_keys::Entity::find()
        .filter(user_api_keys::Column::TenantId.eq(admin.tenant_id()))
        .filter(user_api_keys::Column::KeyName.eq(key_name))
        .filter(user_api_keys::Column::BoundUrl.ne(""))
        .filter(user_api_keys::Column::BoundUrl.ne(address))
        .all(txn)
        .await
        .or_internal("reading the keys of a tool")?;
    let owners = users::Entity::find()
        .filter(users::Column::TenantId.eq(admin.tenant_id()))
        .filter(users::Column::Id.is_in(held.iter().map(|k| k.user_id)))
        .all(txn)
        .await
        .or_internal("reading the keys of a tool")?;
    for key in &held {
        let Some(owner) = owners.iter().find(|u| u.id == key.user_id) else {
            continue;
        };
        crate::features::mail::service::enqueue(
            txn,
            Some(admin.tenant_id()),
            crate::features::mail::Mail {
                to: owner.email.clone(),
                subject: format!("Your {} key is on hold", tool.info().title),
                body: format!(
                    "Hello {name},\n\n{admin} changed where {company}'s {tool} calls go: from {old} to {new}.\n\n\
                     Your key for it was saved for {old}, so Digame does not send it to the new address until you say so. \
                     If you trust {new} with your key, confirm it on Settings → API keys; otherwise delete the key there \
                     or ask {admin} why the address changed.\n",
                    name = owner.display_name,
                    admin = admin.user.display_name,
                    company = admin.tenant.name,
                    tool = tool.info().title,
                    old = key.bound_url,
                    new = address,
                ),
            },
        )
        .await?;
    }
    if !held.is_empty() {
        crate::features::mail::service::enqueue(
            txn,
            Some(admin.tenant_id()),
            crate::features::mail::Mail {
                to: admin.user.email.clone(),
                subject: format!("{} members' keys are on hold", held.len()),
                body: format!(
                    "Hello {name},\n\nYou changed where {tool} calls go, to {address}. {count} member(s) saved their key \
                     for another address; their keys are not sent to the new one until each of them confirms it on their \
                     API-key page. They have been told by mail.\n",
                    name = admin.user.display_name,
                    tool = tool.info().title,
                    count = held.len(),
                ),
            },
        )
        .await?;
    }
    Ok(())
}

pub async fn view(
    db: &DatabaseConnection,
    defaults: &AiSettings,
    admin: &SessionUser,
    period: super::figures::Days,
) -> Result<AiAdminView, AppError> {
    let custom = endpoints::Entity::find()
        .filter(endpoints::Column::TenantId.eq(admin.tenant_id()))
        .all(db)
        .await
        .or_internal("reading AI endpoints")?;
    let endpoints = ai_tools()
        .map(
            |tool| match custom.iter().find(|e| e.tool == tool.info().flag) {
                Some(e) => Endpoint {
                    tool,
                    provider: Target::of(e).provider,
                    base_url: e.base_url.clone(),
                    model: e.model.clone(),
                    fallback_models: Target::of(e).fallback_models,
                    second: Target::of(e).second.map(|s| super::SecondEndpoint {
                        provider: s.provider,
                        base_url: s.base_url,
                        model: s.model,
                    }),
                    custom: true,
                },
                None => Endpoint {
                    tool,
                    provider: defaults.provider,
                    base_url: defaults.base_url.clone(),
                    model: defaults.model.clone(),
                    fallback_models: Vec::new(),
                    second: None,
                    custom: false,
                },
            },
        )
        .collect();
    let figures = super::figures::figures(db, admin, period).await?;
    Ok(AiAdminView {
        endpoints,
        default_provider: defaults.provider,
        default_base_url: defaults.base_url.clone(),
        default_model: defaults.model.clone(),
        allow_private: defaults.allow_private,
        period: figures.period,
        by_tool: figures.by_tool,
        by_day: figures.by_day,
        by_person: figures.by_person,
        by_model: figures.by_model,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_are_checked() {
        assert_eq!(parse_model(" llama3.1:8b ").unwrap(), "llama3.1:8b");
        assert!(parse_model("").is_err());
        assert!(parse_model("gpt 4").is_err());
        assert!(parse_model(&"m".repeat(201)).is_err());
    }

    #[test]
    fn fallback_models_are_listed_once_each_and_at_most_three() {
        assert_eq!(
            parse_fallbacks(" gpt-4o-mini, gpt-3.5-turbo ,", "gpt-4o").unwrap(),
            ["gpt-4o-mini", "gpt-3.5-turbo"]
        );
        assert!(parse_fallbacks("", "m").unwrap().is_empty());
        let twice = parse_fallbacks("a, a", "m").unwrap_err();
        assert_eq!(twice.field(), Some("fallback_models"));
        assert!(parse_fallbacks("m", "m").is_err(), "not the model itself");
        assert!(parse_fallbacks("a b", "m").is_err());
        assert!(parse_fallbacks("a,b,c,d", "m").is_err());
    }
}
