//! Admin → Budgets (`/admin/budgets`), and the budgets a person sees on Your usage. Plain
//! forms: they work the same without JavaScript.

use super::{
    grouped, percent_of, BudgetLine, BudgetScope, BudgetState, BudgetsView, MyBudgets,
    SetTokenBudget, WARN_PERCENT,
};
use crate::components::{action_error, admin_tabs, error_alert, FormAlert, RequireAdmin};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_name(number: &str) -> Option<&'static str> {
    number
        .parse::<usize>()
        .ok()
        .and_then(|n| MONTHS.get(n.wrapping_sub(1)))
        .copied()
}

/// "December 2026" from `2026-12` (what it was given, when it is not a month).
pub fn month_words(month: &str) -> String {
    let (year, number) = month.split_once('-').unwrap_or((month, ""));
    month_name(number).map_or_else(|| month.to_owned(), |n| format!("{n} {year}"))
}

/// "1 January 2027" from `2027-01-01`.
pub fn day_words(day: &str) -> String {
    let mut parts = day.splitn(3, '-');
    match (
        parts.next(),
        parts.next().and_then(month_name),
        parts.next().and_then(|d| d.parse::<u32>().ok()),
    ) {
        (Some(year), Some(month), Some(d)) => format!("{d} {month} {year}"),
        _ => day.to_owned(),
    }
}

#[component]
pub fn AdminBudgetsPage() -> impl IntoView {
    view! {
        <Title text="Budgets"/>
        <RequireAdmin>
            <AdminBudgets/>
        </RequireAdmin>
    }
}

#[component]
fn AdminBudgets() -> impl IntoView {
    let set = ServerAction::<SetTokenBudget>::new();
    let data = Resource::new(move || set.version().get(), |_| super::admin_budgets());
    let query = use_query_map();
    let saved = Signal::derive(move || {
        (matches!(set.value().get(), Some(Ok(()))) || query.read().get("saved").is_some())
            .then(|| "Saved. The budget counts from the next AI call.".to_owned())
    });
    view! {
        <section class="page-head">
            <h1>"Administration"</h1>
            {admin_tabs("/admin/budgets")}
            <FormAlert message=saved success=true/>
            <FormAlert message=action_error(set.value())/>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || data.get().map(|res| match res {
                Ok(v) => view! { <Budgets v set/> }.into_any(),
                Err(e) => error_alert(&e),
            })}
        </Suspense>
    }
}

/// "8,200 of 10,000 tokens (82 %)", or "8,200 tokens" with no budget.
fn use_words(line: &BudgetLine) -> String {
    match line.monthly_tokens {
        Some(budget) => format!(
            "{} of {} tokens ({} %)",
            grouped(line.used_tokens),
            grouped(budget),
            percent_of(line.used_tokens, budget)
        ),
        None => format!("{} tokens", grouped(line.used_tokens)),
    }
}

/// The budget's bar, or nothing without a budget.
fn meter(line: &BudgetLine, label: String) -> impl IntoView {
    line.monthly_tokens.map(|budget| {
        let used = line.used_tokens.min(budget);
        let near = percent_of(line.used_tokens, budget) >= WARN_PERCENT;
        view! {
            <meter min="0" max=budget value=used high=budget * WARN_PERCENT / 100 optimum="0"
                aria-label=label class:meter-near=near></meter>
        }
    })
}

/// The form that sets one budget: the company's (`whose` `None`), or the group's or person's
/// (`("group", id)`, `("person", id)`).
fn budget_form(
    set: ServerAction<SetTokenBudget>,
    whose: Option<(&'static str, i64)>,
    current: Option<i64>,
    label: String,
) -> impl IntoView {
    let id = whose.map_or_else(
        || "budget-company".to_owned(),
        |(field, n)| match field {
            "person" => format!("budget-{n}"),
            _ => format!("budget-{field}-{n}"),
        },
    );
    view! {
        <ActionForm action=set attr:class="form-row budget-form">
            {whose.map(|(field, n)| view! { <input type="hidden" name=field value=n.to_string()/> })}
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id name="tokens" type="text" inputmode="numeric" autocomplete="off"
                    pattern="[0-9][0-9,._' ]*" placeholder="No budget" maxlength="20"
                    value=current.map(grouped).unwrap_or_default()/>
            </div>
            <button type="submit" class="button button-small">"Save"</button>
        </ActionForm>
    }
}

#[component]
fn Budgets(v: BudgetsView, set: ServerAction<SetTokenBudget>) -> impl IntoView {
    let month = month_words(&v.month);
    let renews = day_words(&v.resets_on);
    view! {
        <section class="card" id="company" aria-labelledby="company-budget">
            <h2 id="company-budget">"The company's monthly budget"</h2>
            <p class="muted">{format!(
                "Tokens are what AI services count and charge. A budget caps the tokens everyone's AI calls may use in a month: calls that would pass it are refused until it renews on {renews}. At {WARN_PERCENT} % the administrators get a mail. The plan's daily allowance of calls still applies."
            )}</p>
            <p data-testid="company-use">{format!("{month}: {}", use_words(&v.company))}</p>
            {meter(&v.company, format!("The company's budget used in {month}"))}
            {budget_form(set, None, v.company.monthly_tokens, "Monthly budget for the whole company (tokens)".to_owned())}
        </section>
        <section class="card" id="groups" aria-labelledby="group-budgets">
            <h2 id="group-budgets">"Each group's monthly budget"</h2>
            <p class="muted">"A group's budget is shared by its people: their calls together may use it, within the company's budget and beside each person's own. Someone in two groups with budgets needs room in both. Leave it empty for no budget."</p>
            {if v.groups.is_empty() {
                view! {
                    <p class="muted" data-testid="no-groups">
                        "There are no groups yet. Make them in "<a href="/admin/groups">"Admin → Groups"</a>"."
                    </p>
                }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table table-stack budgets-table">
                            <thead><tr>
                                <th scope="col">"Group"</th>
                                <th scope="col">{format!("Used in {month}")}</th>
                                <th scope="col">"Budget (tokens)"</th>
                            </tr></thead>
                            <tbody>
                                {v.groups.into_iter().map(|g| {
                                    let label = format!("Monthly budget for the {} group", g.name);
                                    let people = match g.members {
                                        1 => "1 person".to_owned(),
                                        n => format!("{n} people"),
                                    };
                                    let used = g.budget.monthly_tokens.map_or_else(
                                        || "Counted once it has a budget".to_owned(),
                                        |_| use_words(&g.budget),
                                    );
                                    view! {
                                        <tr id=format!("group-{}", g.group_id) data-group=g.name.clone()>
                                            <th scope="row">
                                                {g.name.clone()}
                                                <span class="muted small">{people}</span>
                                            </th>
                                            <td data-label="Used">
                                                {used}
                                                {meter(&g.budget, format!("The {} group's budget used", g.name))}
                                            </td>
                                            <td data-label="Budget">{budget_form(set, Some(("group", g.group_id)), g.budget.monthly_tokens, label)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <section class="card" id="people" aria-labelledby="people-budgets">
            <h2 id="people-budgets">"Each person's monthly budget"</h2>
            <p class="muted">"A person's budget caps their own calls, within the company's. Leave it empty for no budget of their own."</p>
            <div class="table-wrap">
                <table class="table table-stack budgets-table">
                    <thead><tr>
                        <th scope="col">"Person"</th>
                        <th scope="col">{format!("Used in {month}")}</th>
                        <th scope="col">"Budget (tokens)"</th>
                    </tr></thead>
                    <tbody>
                        {v.people.into_iter().map(|p| {
                            let label = format!("Monthly budget for {}", p.name);
                            view! {
                                <tr id=format!("person-{}", p.user_id) data-email=p.email.clone()>
                                    <th scope="row">
                                        {p.name.clone()}
                                        <span class="muted small">{p.email.clone()}</span>
                                        {(!p.active).then(|| view! { <span class="badge">"Deactivated"</span> })}
                                    </th>
                                    <td data-label="Used">
                                        {use_words(&p.budget)}
                                        {meter(&p.budget, format!("{}'s budget used", p.name))}
                                    </td>
                                    <td data-label="Budget">{budget_form(set, Some(("person", p.user_id)), p.budget.monthly_tokens, label)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// A person's budgets on Your usage, with the notice from 80 % on.
#[component]
pub fn MyBudgetCards(b: MyBudgets) -> impl IntoView {
    if b.budgets.is_empty() {
        return ().into_any();
    }
    let renews = day_words(&b.resets_on);
    view! {
        <section class="card" aria-labelledby="budget-heading" data-testid="budgets">
            <h2 id="budget-heading">"Monthly budget"</h2>
            {b.budgets.into_iter().map(|s| budget_state(s, &renews)).collect_view()}
        </section>
    }
    .into_any()
}

fn budget_state(s: BudgetState, renews: &str) -> impl IntoView {
    let whose = match (s.scope, &s.group) {
        (BudgetScope::Company, _) => "Your company's budget".to_owned(),
        (BudgetScope::Person, _) => "Your own budget".to_owned(),
        (BudgetScope::Group, Some(name)) => format!("The {name} group's budget"),
        (BudgetScope::Group, None) => "Your group's budget".to_owned(),
    };
    let percent = s.percent();
    let notice = if percent >= 100 {
        Some(format!(
            "{whose} is used up: AI calls are refused until it renews on {renews}. An administrator can raise it."
        ))
    } else if percent >= WARN_PERCENT {
        Some(format!(
            "{whose} is {percent} % used. Calls are refused once it is used up; it renews on {renews}."
        ))
    } else {
        None
    };
    let line = BudgetLine {
        monthly_tokens: Some(s.monthly_tokens),
        used_tokens: s.used_tokens,
        reserved_tokens: s.reserved_tokens,
    };
    let scope = match s.scope {
        BudgetScope::Company => "company",
        BudgetScope::Person => "person",
        BudgetScope::Group => "group",
    };
    view! {
        <div class="budget-state" data-scope=scope>
            {notice.map(|n| view! { <p class="alert alert-warn" role="status">{n}</p> })}
            <p>{format!("{whose}: {} used this month; {} left. It renews on {renews}.", use_words(&line), grouped(s.left()))}</p>
            {meter(&line, format!("{whose} used"))}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_days_read_as_words() {
        assert_eq!(month_words("2026-12"), "December 2026");
        assert_eq!(month_words("2027-01"), "January 2027");
        assert_eq!(month_words("garbled"), "garbled");
        assert_eq!(day_words("2027-01-01"), "1 January 2027");
        assert_eq!(day_words("2026-13-01"), "2026-13-01");
    }
}
