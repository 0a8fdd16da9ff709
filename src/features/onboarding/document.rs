//! The onboarding document as the JSON API (`/api/v1/auth/me/onboarding`) updates it, with
//! the original service's rules; the wizard's own updates are `model::merge`.

use super::model::{CompletedStep, OnboardingData};
use crate::error::AppError;
use serde_json::{Map, Value};

/// Bounds on what a JSON API client may store (step ids are the client's own strings).
pub const STEP_ID_MAX_CHARS: usize = 64;
pub const COMPLETED_STEPS_MAX: usize = 50;
pub const DOCUMENT_MAX_BYTES: usize = 64 * 1024;

/// Applies a JSON API body to the document with the original service's rules:
/// `current_step_id` replaced when present (also by `null`); `completed_steps` replaced when
/// present (`null` stores `[]`, `completed_at` optional); `user_preferences`, `goals` and
/// `feature_exploration` merged one level deep (`null` changes nothing); `is_completed`
/// replaced when present. Other fields are ignored. Nothing is applied when any part is wrong.
pub fn apply_document(
    mut data: OnboardingData,
    body: &Map<String, Value>,
) -> Result<OnboardingData, AppError> {
    fn step_id(value: &str, field: &str) -> Result<String, AppError> {
        let v = value.trim();
        if v.is_empty() || v.chars().count() > STEP_ID_MAX_CHARS {
            return Err(AppError::validation(
                field,
                format!("A step id is 1 to {STEP_ID_MAX_CHARS} characters."),
            ));
        }
        Ok(v.to_owned())
    }
    fn object(
        body: &Map<String, Value>,
        field: &str,
    ) -> Result<Option<Map<String, Value>>, AppError> {
        match body.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m.clone())),
            Some(_) => Err(AppError::validation(
                field,
                format!("`{field}` is an object or null."),
            )),
        }
    }
    match body.get("current_step_id") {
        None => {}
        Some(Value::Null) => data.current_step_id = None,
        Some(Value::String(s)) => data.current_step_id = Some(step_id(s, "current_step_id")?),
        Some(_) => {
            return Err(AppError::validation(
                "current_step_id",
                "`current_step_id` is a string or null.",
            ))
        }
    }
    match body.get("completed_steps") {
        None => {}
        Some(Value::Null) => data.completed_steps = Vec::new(),
        Some(Value::Array(items)) => {
            if items.len() > COMPLETED_STEPS_MAX {
                return Err(AppError::validation(
                    "completed_steps",
                    format!("At most {COMPLETED_STEPS_MAX} completed steps."),
                ));
            }
            let mut steps = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let field = format!("completed_steps[{i}]");
                let id = item.get("step_id").and_then(Value::as_str).ok_or_else(|| {
                    AppError::validation(&field, "Each completed step has a `step_id` string.")
                })?;
                let completed_at = match item.get("completed_at") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(t)) if is_date_time(t) => Some(t.clone()),
                    Some(_) => {
                        return Err(AppError::validation(
                            &field,
                            "`completed_at` is a date and time (ISO 8601, e.g. 2026-11-26T10:00:00Z) or null.",
                        ))
                    }
                };
                steps.push(CompletedStep {
                    step_id: step_id(id, &field)?,
                    completed_at,
                });
            }
            data.completed_steps = steps;
        }
        Some(_) => {
            return Err(AppError::validation(
                "completed_steps",
                "`completed_steps` is a list or null.",
            ))
        }
    }
    if let Some(prefs) = object(body, "user_preferences")? {
        data.user_preferences.extend(prefs);
    }
    if let Some(goals) = object(body, "goals")? {
        data.goals.get_or_insert_with(Map::new).extend(goals);
    }
    if let Some(features) = object(body, "feature_exploration")? {
        if let Some((name, _)) = features.iter().find(|(_, v)| !v.is_boolean()) {
            return Err(AppError::validation(
                "feature_exploration",
                format!("Each value in `feature_exploration` is true or false (`{name}` is not)."),
            ));
        }
        data.feature_exploration
            .get_or_insert_with(Map::new)
            .extend(features);
    }
    match body.get("is_completed") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => data.is_completed = *b,
        Some(_) => {
            return Err(AppError::validation(
                "is_completed",
                "`is_completed` is true or false.",
            ))
        }
    }
    if serde_json::to_string(&data).map_or(0, |s| s.len()) > DOCUMENT_MAX_BYTES {
        return Err(AppError::validation(
            "onboarding",
            format!(
                "The onboarding document may be at most {} KB.",
                DOCUMENT_MAX_BYTES / 1024
            ),
        ));
    }
    Ok(data)
}

/// A date and time as the original service (Pydantic's `datetime`) reads one: ISO 8601 with
/// or without an offset, `T` or a space between date and time.
fn is_date_time(text: &str) -> bool {
    let t = text.trim();
    t.len() <= 64
        && (chrono::DateTime::parse_from_rfc3339(t).is_ok()
            || [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
            ]
            .iter()
            .any(|f| chrono::NaiveDateTime::parse_from_str(t, f).is_ok()))
}

#[cfg(test)]
mod tests {
    use crate::features::onboarding::document::*;

    #[test]
    fn the_api_document_follows_the_original_rules_field_by_field() {
        let body = |v: Value| v.as_object().unwrap().clone();
        let start = apply_document(
            OnboardingData::default(),
            &body(serde_json::json!({
                "current_step_id": "welcome",
                "completed_steps": [{"step_id": "intro"}, {"step_id": "about", "completed_at": "2026-11-26T10:00:00Z"}],
                "user_preferences": {"tone": "formal", "detail": "brief"},
                "goals": {"selected": ["write_clearer"]},
                "is_completed": false,
            })),
        )
        .unwrap();
        assert_eq!(start.current_step_id.as_deref(), Some("welcome"));
        assert_eq!(start.completed_steps[0].completed_at, None);
        assert_eq!(start.feature_exploration, None);
        // The wizard resumes at its first step when the client's step is not one of its own.
        assert_eq!(start.wizard_step(), "about");

        // One level of merge; null changes nothing; absent stays; current_step_id by null.
        let next = apply_document(
            start.clone(),
            &body(serde_json::json!({
                "current_step_id": null,
                "user_preferences": {"tone": "casual"},
                "goals": null,
                "feature_exploration": {"meeting_insights": true},
            })),
        )
        .unwrap();
        assert_eq!(next.current_step_id, None);
        assert_eq!(next.user_preferences["tone"], "casual");
        assert_eq!(next.user_preferences["detail"], "brief");
        assert_eq!(next.goals, start.goals);
        assert_eq!(next.completed_steps, start.completed_steps);
        assert!(next.explores("meeting_insights"));
        let cleared = apply_document(
            next,
            &body(serde_json::json!({"completed_steps": null, "is_completed": true})),
        )
        .unwrap();
        assert!(cleared.completed_steps.is_empty() && cleared.is_completed);

        // Wrong types and oversized parts are refused, naming the field, and nothing applies.
        for (bad, field) in [
            (serde_json::json!({"current_step_id": 5}), "current_step_id"),
            (
                serde_json::json!({"completed_steps": [{"completed_at": "x"}]}),
                "completed_steps[0]",
            ),
            (
                serde_json::json!({"user_preferences": "formal"}),
                "user_preferences",
            ),
            (serde_json::json!({"is_completed": "yes"}), "is_completed"),
            (
                serde_json::json!({"completed_steps": [{"step_id": "about", "completed_at": "yesterday"}]}),
                "completed_steps[0]",
            ),
            (
                serde_json::json!({"feature_exploration": {"meeting_insights": "yes"}}),
                "feature_exploration",
            ),
            (
                serde_json::json!({"feature_exploration": {"writing": true, "style": 1}}),
                "feature_exploration",
            ),
            (
                serde_json::json!({"current_step_id": "x".repeat(65)}),
                "current_step_id",
            ),
            (
                serde_json::json!({"user_preferences": {"notes": "x".repeat(70_000)}}),
                "onboarding",
            ),
        ] {
            let err = apply_document(start.clone(), &body(bad)).unwrap_err();
            assert_eq!(err.field(), Some(field));
        }
    }
}
