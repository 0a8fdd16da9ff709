//! The onboarding document and its rules, kept compatible with the original service: a
//! partial update merges maps key by key, replaces `completed_steps` when given, and a
//! missing or unreadable stored document reads as the default. Pure and shared, so the
//! browser and the server agree.

use crate::error::AppError;
use crate::features::tools::{ToolId, TOOLS};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompletedStep {
    pub step_id: String,
    /// Optional in the original service (a client may leave it out).
    pub completed_at: Option<String>,
}

/// The original service's document, as stored and as the JSON API shows it. The wizard's
/// five steps are one client of it; an API client may store other step ids and values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OnboardingData {
    pub current_step_id: Option<String>,
    pub completed_steps: Vec<CompletedStep>,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub user_preferences: Map<String, Value>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub goals: Option<Map<String, Value>>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub feature_exploration: Option<Map<String, Value>>,
    pub is_completed: bool,
}

/// What the tools read of a person's setup answers, typed: the one place that knows the
/// document's keys for them ([`OnboardingData::preferences`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    /// `formal`, `neutral` or `casual` ([`TONES`]), when they chose one.
    pub tone: Option<&'static str>,
    /// `brief` or `detailed` ([`DETAILS`]), when they chose one.
    pub detail: Option<&'static str>,
    /// Their working day, whole hours `[start, end)` in their time; 09–17 when they gave
    /// none or an impossible one.
    pub work_hours: (u32, u32),
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            tone: None,
            detail: None,
            work_hours: (9, 17),
        }
    }
}

impl OnboardingData {
    /// The typed preferences; a value the wizard would not have saved reads as unset.
    pub fn preferences(&self) -> Preferences {
        let prefs = &self.user_preferences;
        let known = |key: &str, choices: &[(&'static str, &'static str)]| {
            let value = prefs.get(key).and_then(Value::as_str)?;
            choices.iter().find(|(v, _)| *v == value).map(|(v, _)| *v)
        };
        let hour = |key: &str| {
            prefs
                .get(key)
                .and_then(Value::as_u64)
                .filter(|h| *h <= 23)
                .map(|h| h as u32)
        };
        let work_hours = match (hour("work_start"), hour("work_end")) {
            (Some(start), Some(end)) if start < end => (start, end),
            _ => Preferences::default().work_hours,
        };
        Preferences {
            tone: known("tone", &TONES),
            detail: known("detail", &DETAILS),
            work_hours,
        }
    }

    /// The wizard step to resume at: the stored one when the wizard knows it, else the first.
    pub fn wizard_step(&self) -> &str {
        self.current_step_id
            .as_deref()
            .filter(|s| step_index(s).is_some())
            .unwrap_or(STEPS[0].id)
    }

    /// A goal answer (`selected`, `custom`).
    pub fn goal(&self, key: &str) -> Option<&Value> {
        self.goals.as_ref()?.get(key)
    }

    /// Whether the person chose to explore `flag` in the wizard.
    pub fn explores(&self, flag: &str) -> bool {
        self.feature_exploration
            .as_ref()
            .and_then(|m| m.get(flag))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// A partial update: absent fields stay as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OnboardingUpdate {
    pub current_step_id: Option<String>,
    pub completed_steps: Option<Vec<CompletedStep>>,
    pub user_preferences: Option<Map<String, Value>>,
    pub goals: Option<Map<String, Value>>,
    pub feature_exploration: Option<BTreeMap<String, bool>>,
    pub is_completed: Option<bool>,
}

/// The stored document, or the default when there is none or it cannot be read.
pub fn parse_stored(text: Option<&str>) -> OnboardingData {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

pub fn merge(mut data: OnboardingData, update: OnboardingUpdate) -> OnboardingData {
    if let Some(step) = update.current_step_id {
        data.current_step_id = Some(step);
    }
    if let Some(steps) = update.completed_steps {
        data.completed_steps = steps;
    }
    if let Some(prefs) = update.user_preferences {
        data.user_preferences.extend(prefs);
    }
    if let Some(goals) = update.goals {
        data.goals.get_or_insert_with(Map::new).extend(goals);
    }
    if let Some(features) = update.feature_exploration {
        data.feature_exploration
            .get_or_insert_with(Map::new)
            .extend(features.into_iter().map(|(k, v)| (k, Value::Bool(v))));
    }
    if let Some(done) = update.is_completed {
        data.is_completed = done;
    }
    data
}

pub struct Step {
    pub id: &'static str,
    pub title: &'static str,
}

pub const STEPS: [Step; 5] = [
    Step {
        id: "about",
        title: "About you",
    },
    Step {
        id: "goals",
        title: "Goals",
    },
    Step {
        id: "preferences",
        title: "Preferences",
    },
    Step {
        id: "tools",
        title: "Your tools",
    },
    Step {
        id: "review",
        title: "Review",
    },
];

pub fn step_index(id: &str) -> Option<usize> {
    STEPS.iter().position(|s| s.id == id)
}

pub const ROLES: [(&str, &str); 7] = [
    ("individual_contributor", "Individual contributor"),
    ("team_lead", "Team lead"),
    ("manager", "Manager"),
    ("executive", "Executive"),
    ("freelancer", "Freelancer"),
    ("student", "Student"),
    ("other", "Other"),
];
pub const TEAM_SIZES: [(&str, &str); 5] = [
    ("just_me", "Just me"),
    ("2_10", "2–10"),
    ("11_50", "11–50"),
    ("51_200", "51–200"),
    ("200_plus", "More than 200"),
];
pub const GOALS: [(&str, &str); 7] = [
    ("write_clearer", "Write clearer"),
    ("run_better_meetings", "Run better meetings"),
    ("manage_inbox", "Manage my inbox"),
    ("prioritise_work", "Prioritise my work"),
    ("learn_language", "Learn a language"),
    (
        "understand_how_i_come_across",
        "Understand how I come across",
    ),
    ("save_time", "Save time on routine work"),
];
pub const TONES: [(&str, &str); 3] = [
    ("formal", "Formal"),
    ("neutral", "Neutral"),
    ("casual", "Casual"),
];
pub const DETAILS: [(&str, &str); 2] = [("brief", "Brief"), ("detailed", "Detailed")];
pub const MAX_GOALS: usize = 5;
pub const MAX_TEXT: usize = 200;

pub fn label_of(choices: &[(&'static str, &'static str)], value: &str) -> Option<&'static str> {
    choices.iter().find(|(v, _)| *v == value).map(|(_, l)| *l)
}

fn text(fields: &HashMap<String, String>, key: &str) -> String {
    fields
        .get(key)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

fn bounded(fields: &HashMap<String, String>, key: &str, what: &str) -> Result<String, AppError> {
    let value = text(fields, key);
    if value.chars().count() > MAX_TEXT {
        return Err(AppError::validation(
            key,
            format!("Keep {what} to {MAX_TEXT} characters."),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(AppError::validation(
            key,
            format!("{what} contains characters that are not allowed."),
        ));
    }
    Ok(value)
}

fn choice(
    fields: &HashMap<String, String>,
    key: &str,
    choices: &[(&str, &str)],
    what: &str,
    required: bool,
) -> Result<String, AppError> {
    let value = text(fields, key);
    if value.is_empty() && !required {
        return Ok(value);
    }
    if choices.iter().any(|(v, _)| *v == value) {
        Ok(value)
    } else {
        Err(AppError::validation(
            key,
            format!("Choose {what} from the list."),
        ))
    }
}

/// Parses one step's form into the partial update it makes. Nothing is saved unless the
/// whole step is valid.
pub fn parse_step(
    step: &str,
    fields: &HashMap<String, String>,
) -> Result<OnboardingUpdate, AppError> {
    let mut update = OnboardingUpdate::default();
    match step {
        "about" => {
            let role = choice(fields, "role", &ROLES, "your role", true)?;
            let role_other = bounded(fields, "role_other", "Your role")?;
            if role == "other" && role_other.is_empty() {
                return Err(AppError::validation(
                    "role_other",
                    "Tell us your role in a few words.",
                ));
            }
            let team_size = choice(fields, "team_size", &TEAM_SIZES, "a team size", false)?;
            let industry = bounded(fields, "industry", "The industry")?;
            let language = bounded(fields, "primary_language", "The language")?;
            let mut prefs = Map::new();
            prefs.insert("role".into(), role.into());
            prefs.insert("role_other".into(), role_other.into());
            prefs.insert("team_size".into(), team_size.into());
            prefs.insert("industry".into(), industry.into());
            prefs.insert("primary_language".into(), language.into());
            update.user_preferences = Some(prefs);
        }
        "goals" => {
            for key in fields.keys().filter(|k| k.starts_with("goal_")) {
                if label_of(&GOALS, &key["goal_".len()..]).is_none() {
                    return Err(AppError::validation(
                        "goals",
                        "One of the goals is not on the list.",
                    ));
                }
            }
            let selected: Vec<Value> = GOALS
                .iter()
                .filter(|(id, _)| fields.contains_key(&format!("goal_{id}")))
                .map(|(id, _)| Value::from(*id))
                .collect();
            if selected.len() > MAX_GOALS {
                return Err(AppError::validation(
                    "goals",
                    format!("Pick at most {MAX_GOALS} goals."),
                ));
            }
            let custom = bounded(fields, "custom_goal", "Your own goal")?;
            let mut goals = Map::new();
            goals.insert("selected".into(), Value::Array(selected));
            goals.insert("custom".into(), custom.into());
            update.goals = Some(goals);
        }
        "preferences" => {
            let tone = choice(fields, "tone", &TONES, "a tone", true)?;
            let detail = choice(fields, "detail", &DETAILS, "a level of detail", true)?;
            let hour = |key: &str| -> Result<i64, AppError> {
                text(fields, key)
                    .parse::<i64>()
                    .ok()
                    .filter(|h| (0..=23).contains(h))
                    .ok_or_else(|| AppError::validation(key, "Choose an hour from 0 to 23."))
            };
            let start = hour("work_start")?;
            let end = hour("work_end")?;
            if end <= start {
                return Err(AppError::validation(
                    "work_end",
                    "Your working day should end after it starts.",
                ));
            }
            let mut prefs = Map::new();
            prefs.insert("tone".into(), tone.into());
            prefs.insert("detail".into(), detail.into());
            prefs.insert(
                "email_digest".into(),
                fields.contains_key("email_digest").into(),
            );
            prefs.insert("work_start".into(), start.into());
            prefs.insert("work_end".into(), end.into());
            update.user_preferences = Some(prefs);
        }
        "tools" => {
            for key in fields.keys().filter(|k| k.starts_with("explore_")) {
                if ToolId::from_flag(&key["explore_".len()..]).is_none() {
                    return Err(AppError::validation(
                        "tools",
                        "One of the chosen tools does not exist.",
                    ));
                }
            }
            let chosen = TOOLS
                .iter()
                .map(|t| {
                    (
                        t.flag.to_owned(),
                        fields.contains_key(&format!("explore_{}", t.flag)),
                    )
                })
                .collect();
            update.feature_exploration = Some(chosen);
        }
        "review" => {}
        other => {
            return Err(AppError::validation(
                "step",
                format!("There is no onboarding step called {other}."),
            ))
        }
    }
    Ok(update)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_are_read_typed_and_unknown_values_read_as_unset() {
        let mut data = OnboardingData::default();
        assert_eq!(data.preferences(), Preferences::default());
        let set = |data: &mut OnboardingData, key: &str, value: Value| {
            data.user_preferences.insert(key.into(), value);
        };
        set(&mut data, "tone", "formal".into());
        set(&mut data, "detail", "loud".into());
        set(&mut data, "work_start", 7.into());
        set(&mut data, "work_end", 15.into());
        let prefs = data.preferences();
        assert_eq!(prefs.tone, Some("formal"));
        assert_eq!(prefs.detail, None, "not one of the wizard's choices");
        assert_eq!(prefs.work_hours, (7, 15));
        set(&mut data, "work_end", 5.into());
        assert_eq!(
            data.preferences().work_hours,
            (9, 17),
            "an end before the start"
        );
        set(&mut data, "work_end", 30.into());
        assert_eq!(data.preferences().work_hours, (9, 17), "no such hour");
    }

    fn fields(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn missing_or_corrupt_documents_read_as_the_default() {
        assert_eq!(parse_stored(None), OnboardingData::default());
        assert_eq!(parse_stored(Some("{not json")), OnboardingData::default());
        assert_eq!(
            parse_stored(Some(r#"{"current_step_id": 5}"#)),
            OnboardingData::default()
        );
        assert_eq!(parse_stored(Some("")).current_step_id, None);
        assert_eq!(parse_stored(Some("")).wizard_step(), "about");
        // A document stored before completed_at and the maps became optional still reads.
        let old = r#"{"current_step_id":"goals","completed_steps":[{"step_id":"about","completed_at":"t"}],"user_preferences":{},"goals":{},"feature_exploration":{"meeting_insights":true},"is_completed":false}"#;
        let read = parse_stored(Some(old));
        assert_eq!(read.wizard_step(), "goals");
        assert!(read.explores("meeting_insights"));
    }

    #[test]
    fn merge_follows_the_original_rules_field_by_field() {
        let mut stored = OnboardingData::default();
        stored
            .user_preferences
            .insert("tone".into(), "formal".into());
        stored
            .user_preferences
            .insert("detail".into(), "brief".into());
        stored.goals = Some(Map::from_iter([(
            "custom".to_owned(),
            Value::from("ship v2"),
        )]));
        stored.feature_exploration = Some(Map::from_iter([(
            "meeting_insights".to_owned(),
            Value::Bool(true),
        )]));
        stored.completed_steps = vec![CompletedStep {
            step_id: "about".into(),
            completed_at: Some("t1".into()),
        }];

        // Absent fields stay.
        let same = merge(stored.clone(), OnboardingUpdate::default());
        assert_eq!(same, stored);

        // Maps merge key by key.
        let mut prefs = Map::new();
        prefs.insert("tone".into(), "casual".into());
        let mut features = BTreeMap::new();
        features.insert("writing_assistance".into(), true);
        let merged = merge(
            stored.clone(),
            OnboardingUpdate {
                user_preferences: Some(prefs),
                feature_exploration: Some(features),
                ..Default::default()
            },
        );
        assert_eq!(merged.user_preferences["tone"], "casual");
        assert_eq!(merged.user_preferences["detail"], "brief");
        assert_eq!(merged.feature_exploration.as_ref().unwrap().len(), 2);
        assert_eq!(merged.goal("custom").unwrap(), "ship v2");

        // completed_steps is replaced when given.
        let replaced = merge(
            stored.clone(),
            OnboardingUpdate {
                completed_steps: Some(vec![CompletedStep {
                    step_id: "goals".into(),
                    completed_at: Some("t2".into()),
                }]),
                ..Default::default()
            },
        );
        assert_eq!(replaced.completed_steps.len(), 1);
        assert_eq!(replaced.completed_steps[0].step_id, "goals");

        let done = merge(
            stored,
            OnboardingUpdate {
                is_completed: Some(true),
                current_step_id: Some("review".into()),
                ..Default::default()
            },
        );
        assert!(done.is_completed);
        assert_eq!(done.current_step_id.as_deref(), Some("review"));
    }

    #[test]
    fn step_parsing_refuses_bad_choices_without_a_partial_update() {
        let ok = parse_step(
            "about",
            &fields(&[
                ("role", "team_lead"),
                ("team_size", "2_10"),
                ("industry", "Retail"),
                ("primary_language", "Portuguese"),
            ]),
        )
        .unwrap();
        assert_eq!(ok.user_preferences.unwrap()["role"], "team_lead");
        for (step, form, field) in [
            ("about", vec![("role", "pirate")], "role"),
            ("about", vec![("role", "other")], "role_other"),
            (
                "about",
                vec![("role", "manager"), ("team_size", "9000")],
                "team_size",
            ),
            (
                "about",
                vec![("role", "manager"), ("industry", &"x".repeat(201) as &str)],
                "industry",
            ),
            (
                "goals",
                vec![("goal_write_clearer", "on"), ("goal_fly", "on")],
                "goals",
            ),
            (
                "preferences",
                vec![
                    ("tone", "rude"),
                    ("detail", "brief"),
                    ("work_start", "9"),
                    ("work_end", "17"),
                ],
                "tone",
            ),
            (
                "preferences",
                vec![
                    ("tone", "formal"),
                    ("detail", "brief"),
                    ("work_start", "9"),
                    ("work_end", "25"),
                ],
                "work_end",
            ),
            (
                "preferences",
                vec![
                    ("tone", "formal"),
                    ("detail", "brief"),
                    ("work_start", "17"),
                    ("work_end", "9"),
                ],
                "work_end",
            ),
            ("tools", vec![("explore_time_machine", "on")], "tools"),
            ("launch", vec![], "step"),
        ] {
            let err = parse_step(step, &fields(&form)).unwrap_err();
            assert_eq!(err.field(), Some(field), "{step} {form:?}");
        }
        let six: Vec<(String, String)> = GOALS
            .iter()
            .take(6)
            .map(|(g, _)| (format!("goal_{g}"), "on".to_owned()))
            .collect();
        let six: HashMap<String, String> = six.into_iter().collect();
        assert_eq!(
            parse_step("goals", &six).unwrap_err().field(),
            Some("goals")
        );
    }
}
