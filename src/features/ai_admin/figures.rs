//! What the company's AI calls used over a period (the last `USAGE_DAYS` days unless the
//! admin chooses one, at most `PERIOD_MAX_DAYS`): by tool, by day, by person and by model
//! (calls, tokens, errors, median and 95th-percentile latency), and the calls themselves as
//! a CSV file for a spreadsheet.

use super::{
    ai_tools, DayUsage, ModelUsage, Period, PersonUsage, ToolUsage, Usage, PERIOD_MAX_DAYS,
    USAGE_DAYS,
};
use crate::entities::{ai_calls, users};
use crate::error::{AppError, ResultExt};
use crate::person::SessionUser;
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeMap;

/// The most call rows read for the figures (about 14 days of a large tenant).
const USAGE_ROWS_MAX: u64 = 200_000;

#[derive(Default)]
struct Tally {
    calls: i64,
    tokens: i64,
    errors: i64,
    latencies: Vec<i64>,
}

impl Tally {
    fn add(&mut self, c: &ai_calls::Model) {
        self.calls += 1;
        self.tokens += c.prompt_tokens + c.completion_tokens;
        if crate::features::usage::is_failure(&c.outcome) {
            self.errors += 1;
        }
        if !matches!(c.outcome.as_str(), "pending" | "cancel_requested") {
            self.latencies.push(c.latency_ms);
        }
    }

    fn usage(mut self) -> Usage {
        self.latencies.sort_unstable();
        Usage {
            calls: self.calls,
            tokens: self.tokens,
            errors: self.errors,
            median_ms: median(&self.latencies),
            p95_ms: percentile(&self.latencies, 95),
        }
    }
}

/// The middle of sorted `values` (the mean of the two middle ones for an even count).
pub fn median(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2
    } else {
        values[mid]
    })
}

/// The `p`th percentile of sorted `values` by the nearest-rank method: the smallest value
/// that at least `p` % of the values do not exceed.
pub fn percentile(values: &[i64], p: usize) -> Option<i64> {
    let rank = (values.len() * p).div_ceil(100).max(1);
    values.get(rank - 1).copied()
}

/// A period of whole UTC days, both ends included, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Days {
    fn each(self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |d| *d <= self.to)
    }

    pub fn period(self) -> Period {
        Period {
            from: self.from.format("%Y-%m-%d").to_string(),
            to: self.to.format("%Y-%m-%d").to_string(),
        }
    }
}

/// The period asked for: `from` and `to` as `YYYY-MM-DD` (UTC), either empty for its
/// default (`to`: today; `from`: [`USAGE_DAYS`] days up to `to`). Refused, naming the field:
/// a date that does not read, an end before the start, more than [`PERIOD_MAX_DAYS`] days.
pub fn period(from: &str, to: &str, today: NaiveDate) -> Result<Days, AppError> {
    let day = |field: &str, raw: &str| -> Result<Option<NaiveDate>, AppError> {
        match raw.trim() {
            "" => Ok(None),
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    AppError::validation(
                        field,
                        format!("“{text}” is not a date; use YYYY-MM-DD, e.g. 2026-11-30."),
                    )
                }),
        }
    };
    let to = day("to", to)?.unwrap_or(today);
    let from = day("from", from)?.unwrap_or(to - Duration::days(USAGE_DAYS - 1));
    if from > to {
        return Err(AppError::validation(
            "to",
            "The end of the period is before its start.",
        ));
    }
    if (to - from).num_days() + 1 > PERIOD_MAX_DAYS {
        return Err(AppError::validation(
            "from",
            format!("Choose at most {PERIOD_MAX_DAYS} days at a time."),
        ));
    }
    Ok(Days { from, to })
}

/// The company's calls in `days`, oldest first.
async fn period_calls(
    db: &DatabaseConnection,
    admin: &SessionUser,
    days: Days,
) -> Result<Vec<ai_calls::Model>, AppError> {
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let (Some(since), Some(until)) = (start(days.from), start(days.to + Duration::days(1))) else {
        return Ok(Vec::new());
    };
    ai_calls::Entity::find()
        .filter(ai_calls::Column::TenantId.eq(admin.tenant_id()))
        .filter(ai_calls::Column::CreatedAt.gte(since))
        .filter(ai_calls::Column::CreatedAt.lt(until))
        .order_by_asc(ai_calls::Column::Id)
        .limit(USAGE_ROWS_MAX)
        .all(db)
        .await
        .or_internal("reading AI usage")
}

/// The company's people by id, with their names and addresses.
async fn people(
    db: &DatabaseConnection,
    admin: &SessionUser,
) -> Result<BTreeMap<i64, (String, String)>, AppError> {
    Ok(users::Entity::find()
        .filter(users::Column::TenantId.eq(admin.tenant_id()))
        .all(db)
        .await
        .or_internal("reading AI usage")?
        .into_iter()
        .map(|u| (u.id, (u.display_name, u.email)))
        .collect())
}

pub struct Figures {
    pub period: Period,
    pub by_tool: Vec<ToolUsage>,
    pub by_day: Vec<DayUsage>,
    pub by_person: Vec<PersonUsage>,
    pub by_model: Vec<ModelUsage>,
}

pub async fn figures(
    db: &DatabaseConnection,
    admin: &SessionUser,
    days: Days,
) -> Result<Figures, AppError> {
    let calls = period_calls(db, admin, days).await?;
    let names = people(db, admin).await?;
    let mut by_tool: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_person: BTreeMap<i64, Tally> = BTreeMap::new();
    let mut by_model: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_day: BTreeMap<String, Tally> = days
        .each()
        .map(|d| (d.format("%Y-%m-%d").to_string(), Tally::default()))
        .collect();
    for c in &calls {
        by_tool.entry(c.tool.clone()).or_default().add(c);
        by_person.entry(c.user_id).or_default().add(c);
        by_model.entry(c.model.clone()).or_default().add(c);
        if let Some(t) = by_day.get_mut(&c.created_at.format("%Y-%m-%d").to_string()) {
            t.add(c);
        }
    }
    let mut by_person: Vec<PersonUsage> = by_person
        .into_iter()
        .map(|(user_id, t)| {
            let (name, email) = names
                .get(&user_id)
                .cloned()
                .unwrap_or_else(|| (format!("Former member #{user_id}"), String::new()));
            PersonUsage {
                user_id,
                name,
                email,
                usage: t.usage(),
            }
        })
        .collect();
    by_person.sort_by(|a, b| {
        b.usage
            .tokens
            .cmp(&a.usage.tokens)
            .then(a.name.cmp(&b.name))
    });
    let mut by_model: Vec<ModelUsage> = by_model
        .into_iter()
        .map(|(model, t)| ModelUsage {
            model,
            usage: t.usage(),
        })
        .collect();
    by_model.sort_by_key(|m| std::cmp::Reverse(m.usage.calls));
    Ok(Figures {
        period: days.period(),
        by_tool: ai_tools()
            .map(|tool| ToolUsage {
                tool,
                usage: by_tool
                    .remove(tool.info().flag)
                    .map(Tally::usage)
                    .unwrap_or_default(),
            })
            .collect(),
        by_day: by_day
            .into_iter()
            .map(|(day, t)| DayUsage {
                day,
                usage: t.usage(),
            })
            .collect(),
        by_person,
        by_model,
    })
}

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, a tab or a carriage
/// return first) is kept as text: a quote goes before it (OWASP's advice on CSV injection).
fn cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    }
}

/// Every call of `days` as CSV, oldest first: when (UTC), who, tool, model, tokens,
/// latency and outcome.
pub async fn calls_csv(
    db: &DatabaseConnection,
    admin: &SessionUser,
    days: Days,
) -> Result<String, AppError> {
    let calls = period_calls(db, admin, days).await?;
    let names = people(db, admin).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut write = |row: &[&str]| {
        out.write_record(row.iter().map(|v| cell(v)))
            .map_err(|_| AppError::Internal)
    };
    write(&[
        "time_utc",
        "person",
        "email",
        "tool",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "latency_ms",
        "outcome",
    ])?;
    for c in &calls {
        let (name, email) = names
            .get(&c.user_id)
            .map_or(("", ""), |(n, e)| (n.as_str(), e.as_str()));
        write(&[
            &crate::util::rfc3339(c.created_at),
            name,
            email,
            &c.tool,
            &c.model,
            &c.prompt_tokens.to_string(),
            &c.completion_tokens.to_string(),
            &c.latency_ms.to_string(),
            &c.outcome,
        ])?;
    }
    let bytes = out.into_inner().map_err(|_| AppError::Internal)?;
    String::from_utf8(bytes).map_err(|_| AppError::Internal)
}

/// The period of a download or an API call (`?from=YYYY-MM-DD&to=YYYY-MM-DD`, both optional).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The first day (UTC), `YYYY-MM-DD`; default: 13 days before `to`.
    #[serde(default)]
    pub from: String,
    /// The last day (UTC), `YYYY-MM-DD`; default: today.
    #[serde(default)]
    pub to: String,
}

impl PeriodQuery {
    pub fn days(&self) -> Result<Days, AppError> {
        period(&self.from, &self.to, Utc::now().date_naive())
    }
}

/// The CSV file as a download named after its period.
pub fn csv_download(text: String, days: Days) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let name = format!(
        "attachment; filename=\"digame-ai-calls-{}-to-{}.csv\"",
        days.from.format("%Y-%m-%d"),
        days.to.format("%Y-%m-%d")
    );
    let mut res = text.into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// `GET` [`super::CSV_PATH`] (`?from=&to=`): the company's calls of the period as a CSV
/// download, for its administrators (others: 403; signed out: to sign-in).
pub async fn download(
    axum::extract::State(state): axum::extract::State<crate::web::state::AppState>,
    auth: crate::web::session::AuthSession,
    query: Result<axum::extract::Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(person) = auth.user.clone() else {
        return axum::response::Redirect::to("/login?next=/admin/ai").into_response();
    };
    let query = query.map(|q| q.0).unwrap_or_default();
    let asked = crate::web::ctx::admin_only(person).and_then(|admin| Ok((admin, query.days()?)));
    let (admin, days) = match asked {
        Ok(asked) => asked,
        Err(e) => return e.into_response(),
    };
    match calls_csv(&state.db, &admin, days).await {
        Ok(text) => csv_download(text, days),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_percentiles_of_sorted_lists() {
        assert_eq!(median(&[1, 3, 5]), Some(3));
        assert_eq!(median(&[1, 2, 3, 4]), Some(2));
        assert_eq!(median(&[]), None);
        let hundred: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&hundred, 95), Some(95));
        assert_eq!(percentile(&[7], 95), Some(7));
        assert_eq!(percentile(&[1, 2, 3], 95), Some(3));
        assert_eq!(percentile(&[], 95), None);
    }

    #[test]
    fn periods_default_to_the_last_two_weeks_and_refuse_what_does_not_read() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            period("", "", today).unwrap(),
            Days {
                from: d("2026-11-23"),
                to: today
            }
        );
        assert_eq!(
            period("2026-01-01", "2026-01-31", today).unwrap(),
            Days {
                from: d("2026-01-01"),
                to: d("2026-01-31")
            }
        );
        assert_eq!(
            period("", "2026-02-14", today).unwrap().from,
            d("2026-02-01")
        );
        assert_eq!(
            Days {
                from: d("2026-02-27"),
                to: d("2026-03-02")
            }
            .each()
            .count(),
            4
        );
        for (from, to, field) in [
            ("2026-13-01", "", "from"),
            ("", "yesterday", "to"),
            ("2026-03-02", "2026-03-01", "to"),
            ("2025-01-01", "2026-12-01", "from"),
        ] {
            let e = period(from, to, today).unwrap_err();
            assert_eq!(e.field(), Some(field), "{from}..{to}: {}", e.message());
        }
        assert!(
            period("2025-12-06", "2026-12-06", today).is_ok(),
            "366 days"
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_kept_as_text() {
        for risky in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(cell(risky).starts_with('\''), "{risky:?}");
        }
        assert_eq!(cell("Ana Lima"), "Ana Lima");
        assert_eq!(cell("12"), "12");
    }
}
