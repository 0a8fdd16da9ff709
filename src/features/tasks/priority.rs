//! Explainable task prioritization: a score from 0 to 100 for each active task, as the sum
//! of a few factors, each reported with its contribution. No outside service is called.
//! Every weight is in [`WEIGHTS`].

use super::{Factor, TaskStatus};
use chrono::NaiveDate;

/// The weight of each factor, in one place.
pub struct Weights {
    /// Overdue: this much, plus `overdue_per_day` for each day late up to `overdue_days_max`.
    pub overdue: i32,
    pub overdue_per_day: i32,
    pub overdue_days_max: i32,
    pub due_today: i32,
    /// Due in one to three days.
    pub due_within_3_days: i32,
    /// Due in four to seven days.
    pub due_within_week: i32,
    /// Due later than a week from now.
    pub due_later: i32,
    /// Each distinct urgency word, counted for at most `urgency_words_max` words.
    pub urgency_word: i32,
    pub urgency_words_max: usize,
    pub in_progress: i32,
    pub todo: i32,
    /// For each full week since the task was created, up to `age_max`.
    pub age_per_week: i32,
    pub age_max: i32,
}

pub const WEIGHTS: Weights = Weights {
    overdue: 50,
    overdue_per_day: 2,
    overdue_days_max: 10,
    due_today: 40,
    due_within_3_days: 30,
    due_within_week: 20,
    due_later: 10,
    urgency_word: 15,
    urgency_words_max: 2,
    in_progress: 10,
    todo: 5,
    age_per_week: 1,
    age_max: 10,
};

/// Words that mark a task as urgent (whole words, any case).
pub const URGENCY_WORDS: [&str; 5] = ["urgent", "asap", "important", "critical", "blocker"];

/// A word right before an urgency word that takes it back ("not urgent", "non-critical",
/// "isn't important": the apostrophe splits "isn't" into "isn" and "t").
const NEGATIONS: [&str; 5] = ["not", "no", "non", "never", "t"];

/// What the score of one task rests on.
pub struct TaskFacts<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub due_on: Option<NaiveDate>,
    pub status: TaskStatus,
    pub created_on: NaiveDate,
}

/// The suggested score of a task on `today`, with each factor's contribution (only factors
/// that contribute are listed, in a fixed order: due date, urgency, status, age).
pub fn score(task: &TaskFacts<'_>, today: NaiveDate) -> (i32, Vec<Factor>) {
    let w = &WEIGHTS;
    let mut factors = Vec::new();
    let mut add = |points: i32, reason: String| {
        if points != 0 {
            factors.push(Factor { points, reason });
        }
    };
    if let Some(due) = task.due_on {
        let days = (due - today).num_days();
        match days {
            d if d < 0 => {
                let late = (-d).min(i64::from(w.overdue_days_max)) as i32;
                add(
                    w.overdue + late * w.overdue_per_day,
                    format!("overdue by {}", plural(-d, "day")),
                );
            }
            0 => add(w.due_today, "due today".into()),
            1 => add(w.due_within_3_days, "due tomorrow".into()),
            2..=3 => add(w.due_within_3_days, format!("due in {days} days")),
            4..=7 => add(w.due_within_week, format!("due in {days} days")),
            _ => add(w.due_later, format!("due in {}", plural(days, "day"))),
        }
    }
    for word in urgency_words(task.title, task.description)
        .into_iter()
        .take(w.urgency_words_max)
    {
        add(w.urgency_word, format!("“{word}”"));
    }
    match task.status {
        TaskStatus::InProgress => add(w.in_progress, "in progress".into()),
        TaskStatus::Todo => add(w.todo, "to do".into()),
        _ => {}
    }
    let weeks = ((today - task.created_on).num_days() / 7).max(0);
    if weeks > 0 {
        let points = (weeks as i32).saturating_mul(w.age_per_week).min(w.age_max);
        add(points, format!("waiting {}", plural(weeks, "week")));
    }
    let total: i32 = factors.iter().map(|f| f.points).sum();
    (total.clamp(0, 100), factors)
}

/// The distinct urgency words in the text, in the order of [`URGENCY_WORDS`], leaving out
/// any that only appear negated.
pub fn urgency_words(title: &str, description: &str) -> Vec<&'static str> {
    let text = format!("{title} {description}").to_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    URGENCY_WORDS
        .into_iter()
        .filter(|u| {
            words
                .iter()
                .enumerate()
                .any(|(i, w)| w == u && !(i > 0 && NEGATIONS.contains(&words[i - 1])))
        })
        .collect()
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn facts<'a>(title: &'a str, due: Option<&str>, status: TaskStatus) -> TaskFacts<'a> {
        TaskFacts {
            title,
            description: "",
            due_on: due.map(day),
            status,
            created_on: day("2026-11-26"),
        }
    }

    const TODAY: &str = "2026-11-26";

    fn points(title: &str, due: Option<&str>, status: TaskStatus) -> i32 {
        score(&facts(title, due, status), day(TODAY)).0
    }

    #[test]
    fn due_dates_rank_overdue_then_today_then_soon_then_later_then_none() {
        let s = TaskStatus::Suggested;
        let overdue = points("a", Some("2026-11-24"), s);
        let today = points("a", Some(TODAY), s);
        let three = points("a", Some("2026-11-29"), s);
        let week = points("a", Some("2026-12-03"), s);
        let later = points("a", Some("2027-01-10"), s);
        let none = points("a", None, s);
        assert_eq!(
            [overdue, today, three, week, later, none],
            [54, 40, 30, 20, 10, 0]
        );
        // Lateness counts up to ten days.
        assert_eq!(points("a", Some("2026-10-01"), s), 70);
    }

    #[test]
    fn each_factor_is_explained_and_they_add_up() {
        let (total, factors) = score(
            &TaskFacts {
                title: "Fix the URGENT login blocker",
                description: "asap please",
                due_on: Some(day("2026-11-24")),
                status: TaskStatus::InProgress,
                created_on: day("2026-11-05"),
            },
            day(TODAY),
        );
        let shown: Vec<String> = factors
            .iter()
            .map(|f| format!("+{} {}", f.points, f.reason))
            .collect();
        assert_eq!(
            shown,
            [
                "+54 overdue by 2 days",
                "+15 “urgent”",
                "+15 “asap”",
                "+10 in progress",
                "+3 waiting 3 weeks"
            ]
        );
        assert_eq!(total, 97);
        assert_eq!(total, factors.iter().map(|f| f.points).sum::<i32>());
    }

    #[test]
    fn urgency_words_are_whole_words_and_negations_do_not_count() {
        assert_eq!(urgency_words("Urgent: call Ana", ""), ["urgent"]);
        assert_eq!(urgency_words("not urgent", ""), Vec::<&str>::new());
        assert_eq!(urgency_words("a non-critical fix", ""), Vec::<&str>::new());
        assert_eq!(
            urgency_words("this isn't important", ""),
            Vec::<&str>::new()
        );
        assert_eq!(
            urgency_words("urgently later", "unimportant"),
            Vec::<&str>::new()
        );
        assert_eq!(
            urgency_words("not urgent", "but it is urgent"),
            ["urgent"],
            "a plain mention elsewhere counts"
        );
        assert_eq!(
            urgency_words("URGENT urgent", ""),
            ["urgent"],
            "once per word"
        );
    }

    #[test]
    fn status_and_age_rise_slowly_and_the_score_is_capped() {
        let s = |st| points("a", None, st);
        assert!(s(TaskStatus::InProgress) > s(TaskStatus::Todo));
        assert!(s(TaskStatus::Todo) > s(TaskStatus::Suggested));
        let old = TaskFacts {
            created_on: day("2025-01-01"),
            ..facts("a", None, TaskStatus::Suggested)
        };
        assert_eq!(score(&old, day(TODAY)).0, 10, "age adds at most 10");
        let everything = TaskFacts {
            title: "urgent critical important blocker asap",
            description: "",
            due_on: Some(day("2026-01-01")),
            status: TaskStatus::InProgress,
            created_on: day("2025-01-01"),
        };
        assert_eq!(score(&everything, day(TODAY)).0, 100);
    }

    #[test]
    fn a_task_with_nothing_to_go_on_scores_zero_with_no_factors() {
        let (total, factors) = score(&facts("tidy desk", None, TaskStatus::Suggested), day(TODAY));
        assert_eq!((total, factors.len()), (0, 0));
    }
}
