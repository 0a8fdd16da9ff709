//! Reading and saving a person's model choices, and putting the chosen model first.

use super::{ModelChoices, ToolModels};
use crate::config::AiSettings;
use crate::domain::ToolId;
use crate::entities::model_choices as rows;
use crate::error::{AppError, ResultExt};
use crate::features::ai_admin::{ai_tools, service as ai_admin};
use crate::person::SessionUser;
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The models a tool's target allows, in the company's order.
fn allowed(target: &ai_admin::Target) -> Vec<String> {
    std::iter::once(target.model.clone())
        .chain(target.fallback_models.iter().cloned())
        .collect()
}

/// `target` with `chosen` first when the company allows it (the others after it, in the
/// company's order); unchanged otherwise (a choice the company no longer allows is ignored).
pub fn put_first(mut target: ai_admin::Target, chosen: Option<&str>) -> ai_admin::Target {
    let Some(chosen) = chosen else {
        return target;
    };
    if chosen == target.model || !target.fallback_models.iter().any(|m| m == chosen) {
        return target;
    }
    let first = std::mem::replace(&mut target.model, chosen.to_owned());
    target.fallback_models.retain(|m| m != chosen);
    target.fallback_models.insert(0, first);
    target
}

/// The person's choice for `tool`, if any.
pub async fn chosen(
    db: &impl ConnectionTrait,
    person: &SessionUser,
    tool: ToolId,
) -> Result<Option<String>, AppError> {
    Ok(
        rows::Entity::find_by_id((person.user.id, tool.info().flag.to_owned()))
            .one(db)
            .await
            .or_internal("reading your model choice")?
            .filter(|r| r.tenant_id == person.tenant_id())
            .map(|r| r.model),
    )
}

pub async fn choices(
    db: &impl ConnectionTrait,
    defaults: &AiSettings,
    person: &SessionUser,
) -> Result<ModelChoices, AppError> {
    let targets = ai_admin::endpoints_of(db, defaults, person.tenant_id()).await?;
    let mine = rows::Entity::find()
        .filter(rows::Column::UserId.eq(person.user.id))
        .filter(rows::Column::TenantId.eq(person.tenant_id()))
        .all(db)
        .await
        .or_internal("reading your model choices")?;
    let tools = ai_tools()
        .filter_map(|tool| {
            let models = allowed(targets.get(&tool)?);
            let chosen = mine
                .iter()
                .find(|r| r.tool == tool.info().flag)
                .map(|r| r.model.clone())
                .filter(|m| models.contains(m));
            Some(ToolModels {
                tool,
                models,
                chosen,
            })
        })
        .collect();
    Ok(ModelChoices { tools })
}

/// Saves `model` as the person's choice for `tool` (empty: forgets the choice).
pub async fn choose(
    db: &impl ConnectionTrait,
    defaults: &AiSettings,
    person: &SessionUser,
    tool: ToolId,
    model: &str,
) -> Result<(), AppError> {
    let why = "saving your model choice";
    if !ai_tools().any(|t| t == tool) {
        return Err(AppError::validation(
            "tool",
            "That tool does not call an AI service.",
        ));
    }
    let model = model.trim();
    if model.is_empty() {
        rows::Entity::delete_by_id((person.user.id, tool.info().flag.to_owned()))
            .exec(db)
            .await
            .or_internal(why)?;
        return Ok(());
    }
    let target = ai_admin::endpoint_for(db, defaults, person.tenant_id(), tool).await?;
    let models = allowed(&target);
    if !models.iter().any(|m| m == model) {
        return Err(AppError::validation(
            "model",
            format!(
                "Choose one of the models {} allows for {}: {}.",
                person.tenant.name,
                tool.info().title,
                models.join(", ")
            ),
        ));
    }
    rows::Entity::insert(rows::ActiveModel {
        user_id: Set(person.user.id),
        tool: Set(tool.info().flag.to_owned()),
        tenant_id: Set(person.tenant_id()),
        model: Set(model.to_owned()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([rows::Column::UserId, rows::Column::Tool])
            .update_columns([
                rows::Column::Model,
                rows::Column::TenantId,
                rows::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .or_internal(why)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ProviderKind;

    fn target(model: &str, fallbacks: &[&str]) -> ai_admin::Target {
        ai_admin::Target {
            provider: ProviderKind::default(),
            base_url: "https://api.example.com/v1".into(),
            model: model.into(),
            fallback_models: fallbacks.iter().map(|m| (*m).to_owned()).collect(),
            second: None,
        }
    }

    #[test]
    fn the_chosen_model_goes_first_and_the_rest_keep_the_companys_order() {
        let t = put_first(target("a", &["b", "c"]), Some("c"));
        assert_eq!(
            (t.model.as_str(), t.fallback_models),
            ("c", vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(
            put_first(target("a", &["b"]), Some("a")),
            target("a", &["b"])
        );
        assert_eq!(put_first(target("a", &["b"]), None), target("a", &["b"]));
        assert_eq!(
            put_first(target("a", &["b"]), Some("z")),
            target("a", &["b"]),
            "a model the company does not allow is ignored"
        );
    }
}
