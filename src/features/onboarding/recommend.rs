//! Which tools to recommend to a person from their onboarding answers, each point of score
//! with a reason they can read. Pure and shared, so the browser and the server agree.

use super::model::{label_of, OnboardingData, GOALS, ROLES};
use crate::features::tools::{ToolId, TOOLS};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// One recommended tool and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Recommendation {
    pub flag: ToolId,
    pub title: String,
    pub score: i32,
    pub reasons: Vec<String>,
    /// Switched on for the tenant and within its tier.
    pub available: bool,
}

/// Ranks the tools for a person from their answers and the tenant's switched-on tools.
/// Every point of score has a reason the person can read.
pub fn recommend(data: &OnboardingData, enabled: &HashMap<ToolId, bool>) -> Vec<Recommendation> {
    use ToolId::*;
    let mut scores: BTreeMap<usize, (i32, Vec<String>)> = BTreeMap::new();
    let mut add = |tool: ToolId, points: i32, reason: String| {
        let idx = TOOLS
            .iter()
            .position(|t| t.id == tool)
            .expect("catalogue tool");
        let entry = scores.entry(idx).or_default();
        entry.0 += points;
        entry.1.push(reason);
    };
    let selected: Vec<&str> = data
        .goal("selected")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for goal in &selected {
        let label = label_of(&GOALS, goal).unwrap_or(goal);
        let tools: &[ToolId] = match *goal {
            "write_clearer" => &[WritingAssistance],
            "run_better_meetings" => &[MeetingInsights],
            "manage_inbox" => &[EmailPatterns],
            "prioritise_work" => &[TaskPrioritization],
            "learn_language" => &[LanguageTools],
            "understand_how_i_come_across" => &[CommunicationStyle],
            "save_time" => &[TaskPrioritization, EmailPatterns],
            _ => &[],
        };
        for tool in tools {
            add(*tool, 3, format!("you chose “{label}”"));
        }
    }
    let prefs = &data.user_preferences;
    let role = prefs
        .get("role")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(label) = label_of(&ROLES, role).filter(|_| role != "other") {
        let label = label.to_lowercase();
        let article = if label.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        let reason = format!("you are {article} {label}");
        let tools: &[ToolId] = match role {
            "team_lead" | "manager" => &[MeetingInsights, TaskPrioritization],
            "executive" => &[MeetingInsights, EmailPatterns, CommunicationStyle],
            "individual_contributor" => &[TaskPrioritization, WritingAssistance],
            "freelancer" => &[EmailPatterns, TaskPrioritization],
            "student" => &[WritingAssistance, LanguageTools],
            _ => &[],
        };
        for tool in tools {
            add(*tool, 2, reason.clone());
        }
    }
    let language = prefs
        .get("primary_language")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !language.is_empty() && !language.eq_ignore_ascii_case("english") {
        add(
            LanguageTools,
            1,
            format!("your primary language is {language}"),
        );
    }
    if prefs.get("email_digest").and_then(Value::as_bool) == Some(true) {
        add(EmailPatterns, 1, "you want an email digest".to_owned());
    }
    let mut out: Vec<Recommendation> = scores
        .into_iter()
        .map(|(idx, (score, reasons))| {
            let tool = &TOOLS[idx];
            Recommendation {
                flag: tool.id,
                title: tool.title.to_owned(),
                score,
                reasons,
                available: enabled.get(&tool.id).copied().unwrap_or(false),
            }
        })
        .collect();
    // Highest score first; ties keep the catalogue's order (the sort is stable).
    out.sort_by_key(|r| std::cmp::Reverse(r.score));
    out
}

/// "Recommended because you chose “Run better meetings” and you are a team lead".
pub fn because(reasons: &[String]) -> String {
    match reasons {
        [] => String::new(),
        [one] => format!("Recommended because {one}"),
        [rest @ .., last] => format!("Recommended because {} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    #[test]
    fn recommendations_follow_the_answers_with_reasons() {
        let mut data = OnboardingData {
            goals: Some(Map::from_iter([(
                "selected".to_owned(),
                serde_json::json!(["run_better_meetings", "learn_language"]),
            )])),
            ..Default::default()
        };
        data.user_preferences
            .insert("role".into(), "team_lead".into());
        data.user_preferences
            .insert("primary_language".into(), "Portuguese".into());
        let all_on: HashMap<ToolId, bool> = TOOLS.iter().map(|t| (t.id, true)).collect();
        let recs = recommend(&data, &all_on);
        assert_eq!(recs[0].flag, ToolId::MeetingInsights);
        assert_eq!(recs[0].score, 5);
        assert_eq!(
            because(&recs[0].reasons),
            "Recommended because you chose “Run better meetings” and you are a team lead"
        );
        assert_eq!(recs[1].flag, ToolId::LanguageTools);
        assert_eq!(recs[1].score, 4);
        assert!(recs.iter().all(|r| r.available));
        // Tools nothing points to are not recommended.
        assert!(!recs.iter().any(|r| r.flag == ToolId::CommunicationStyle));

        let mut off = all_on.clone();
        off.insert(ToolId::MeetingInsights, false);
        assert!(
            !recommend(&data, &off)[0].available,
            "a locked tool is still shown, marked locked"
        );
        assert!(recommend(&OnboardingData::default(), &all_on).is_empty());
    }
}
