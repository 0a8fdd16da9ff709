//! Monthly token budgets: what costs money in an AI service is tokens, so a company's
//! administrators can cap the tokens a month may use, for the whole company, for a group
//! (shared by its people) and for each person (Admin → Budgets, `/api/v1/admin/budgets`). The plan's daily call allowance still
//! applies beside them.
//!
//! Each AI call reserves an estimate before it goes out (its prompt and the most its answer
//! may be) and settles the tokens it really used after (`service`): the reservation is one
//! conditional update of the month's counter, so parallel calls, on any replica, cannot
//! overshoot a budget. At 80 % the person sees a notice (Your usage) and the admins — and the
//! person, for their own budget — get a mail (`warnings`, once per budget and month, who asked
//! for budget warnings); at 100 % calls are refused with the date the budget renews.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod manage;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod warnings;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The most a monthly budget may be: a trillion tokens (more than any plan would buy).
pub const MAX_MONTHLY_TOKENS: i64 = 1_000_000_000_000;

/// At this share of a budget used, the person sees a notice and the admins get a mail.
pub const WARN_PERCENT: i64 = 80;

/// Whose budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum BudgetScope {
    /// Everyone in the company together.
    Company,
    /// One person.
    Person,
    /// The people of one group together.
    Group,
}

/// A budget's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BudgetState {
    pub scope: BudgetScope,
    /// The group's name, for a group's budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub monthly_tokens: i64,
    /// Tokens the month's calls used.
    pub used_tokens: i64,
    /// Tokens held for calls still running (their estimate, until they end).
    pub reserved_tokens: i64,
}

impl BudgetState {
    /// What a new call may still reserve.
    pub fn left(&self) -> i64 {
        (self.monthly_tokens - self.used_tokens - self.reserved_tokens).max(0)
    }

    /// The share used, in whole percent (can pass 100: a call may use more than it reserved
    /// when its answer had to be asked for again).
    pub fn percent(&self) -> i64 {
        percent_of(self.used_tokens, self.monthly_tokens)
    }
}

/// `used` as a whole percentage of `budget` (0 for no budget).
pub fn percent_of(used: i64, budget: i64) -> i64 {
    if budget <= 0 {
        return 0;
    }
    i64::try_from(i128::from(used.max(0)) * 100 / i128::from(budget)).unwrap_or(i64::MAX)
}

/// A person's budgets this month, as they see them (Your usage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MyBudgets {
    /// When the month's counts start again: `2027-01-01` (00:00 UTC).
    pub resets_on: String,
    /// The company's budget, then those of the person's groups, then the person's own: those
    /// that are set.
    pub budgets: Vec<BudgetState>,
}

/// One budget row on the admin page: the budget when one is set, and the month's use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BudgetLine {
    /// `None`: no budget (only the plan's daily allowance limits the calls).
    pub monthly_tokens: Option<i64>,
    pub used_tokens: i64,
    pub reserved_tokens: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonBudget {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub active: bool,
    pub budget: BudgetLine,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupBudget {
    pub group_id: i64,
    pub name: String,
    /// How many people are in the group now.
    pub members: u64,
    /// What the group's people used together this month (counted while it has a budget).
    pub budget: BudgetLine,
}

/// Admin → Budgets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BudgetsView {
    /// The month counted, `2026-12` (UTC).
    pub month: String,
    pub resets_on: String,
    pub company: BudgetLine,
    /// The company's groups, by name (Admin → Groups).
    pub groups: Vec<GroupBudget>,
    /// Everyone in the company, by name.
    pub people: Vec<PersonBudget>,
}

/// Reads a budget typed into a form: digits, with `,`, `.`, `_`, `'` or spaces between
/// groups allowed; blank means no budget.
pub fn parse_tokens(field: &str, text: &str) -> Result<Option<i64>, AppError> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '.' | '_' | '\'' | ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if digits.is_empty() {
        return Ok(None);
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::validation(
            field,
            "Enter the budget as a whole number of tokens, like 2,000,000, or leave it empty for no budget.",
        ));
    }
    match digits.parse::<i64>() {
        Ok(n) => check_tokens(field, Some(n)),
        Err(_) => check_tokens(field, Some(i64::MAX)),
    }
}

/// A budget is at least one token and at most [`MAX_MONTHLY_TOKENS`]; `None` is no budget.
pub fn check_tokens(field: &str, tokens: Option<i64>) -> Result<Option<i64>, AppError> {
    match tokens {
        None => Ok(None),
        Some(n) if (1..=MAX_MONTHLY_TOKENS).contains(&n) => Ok(Some(n)),
        Some(0) => Err(AppError::validation(
            field,
            "A budget of 0 tokens would stop every AI call; leave the field empty for no budget, or switch the tools off on the Features page.",
        )),
        Some(n) if n < 0 => Err(AppError::validation(
            field,
            "A budget is a number of tokens, at least 1; leave it empty for no budget.",
        )),
        Some(_) => Err(AppError::validation(
            field,
            format!(
                "The most a monthly budget may be is {} tokens.",
                grouped(MAX_MONTHLY_TOKENS)
            ),
        )),
    }
}

/// `1,234,567`.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[server(endpoint = "admin/budgets")]
pub async fn admin_budgets() -> Result<BudgetsView, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    manage::budgets_view(&state.db, &admin, chrono::Utc::now()).await
}

/// Reads an id from a form's hidden field; empty is none.
#[cfg(feature = "ssr")]
fn form_id(field: &str, text: Option<&str>, what: &str) -> Result<Option<i64>, AppError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(id) => id
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Some)
            .ok_or_else(|| AppError::validation(field, format!("Choose {what}."))),
    }
}

/// Sets the company's monthly budget (`person` and `group` empty), a group's or a person's;
/// `tokens` empty takes the budget away.
#[server(endpoint = "admin/budgets/set")]
pub async fn set_token_budget(
    #[server(default)] person: Option<String>,
    #[server(default)] group: Option<String>,
    tokens: String,
) -> Result<(), AppError> {
    use crate::web::ctx;
    use service::Holder;
    let (state, admin) = ctx::signed_in_admin().await?;
    let person = form_id("person", person.as_deref(), "a member of your company")?;
    let group = form_id("group", group.as_deref(), "one of your company's groups")?;
    let holder = Holder::of_choice(person, group)?;
    let tokens = parse_tokens("tokens", &tokens)?;
    manage::set_budget(&state.db, &admin, holder, tokens).await?;
    let anchor = match holder {
        Holder::Company => "company".to_owned(),
        Holder::Person(id) => format!("person-{id}"),
        Holder::Group(id) => format!("group-{id}"),
    };
    ctx::redirect_plain_form(&format!("/admin/budgets?saved=1#{anchor}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_read_with_group_separators_and_bounded() {
        assert_eq!(parse_tokens("tokens", "").unwrap(), None);
        assert_eq!(parse_tokens("tokens", "  ").unwrap(), None);
        assert_eq!(
            parse_tokens("tokens", "2,000,000").unwrap(),
            Some(2_000_000)
        );
        assert_eq!(
            parse_tokens("tokens", "2 000 000").unwrap(),
            Some(2_000_000)
        );
        assert_eq!(parse_tokens("tokens", "50_000").unwrap(), Some(50_000));
        let zero = parse_tokens("tokens", "0").unwrap_err();
        assert_eq!(zero.field(), Some("tokens"));
        assert!(zero.message().contains("empty"), "{}", zero.message());
        assert!(parse_tokens("tokens", "-5").is_err());
        assert!(parse_tokens("tokens", "1e6").is_err());
        assert!(parse_tokens("tokens", "99999999999999999999999").is_err());
        assert!(parse_tokens("tokens", "1000000000001").is_err());
    }

    #[test]
    fn numbers_are_grouped_and_percentages_rounded_down() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(-12_000), "-12,000");
        assert_eq!(percent_of(799, 1000), 79);
        assert_eq!(percent_of(800, 1000), 80);
        assert_eq!(percent_of(1500, 1000), 150);
        assert_eq!(percent_of(10, 0), 0);
        let b = BudgetState {
            scope: BudgetScope::Person,
            group: None,
            monthly_tokens: 1000,
            used_tokens: 700,
            reserved_tokens: 400,
        };
        assert_eq!(b.left(), 0);
        assert_eq!(b.percent(), 70);
    }
}
