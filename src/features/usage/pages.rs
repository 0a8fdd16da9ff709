//! `/settings/usage`: the person's AI calls this month by tool, today's allowance, and the
//! last calls. Read only: it works the same without JavaScript.

use super::{outcome_words, MonthTotals, UsageView};
use crate::components::{error_alert, RequireUser};
use crate::features::budgets::pages::{month_words, MyBudgetCards};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn UsagePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| super::my_usage());
    view! {
        <Title text="Your AI usage"/>
        <RequireUser>
            <section class="page-head">
                <h1>"Your AI usage"</h1>
                <p class="muted">"What your calls to the AI tools used: tokens are what AI services count and charge. Your company's administrators see every member's figures on their AI services page."</p>
            </section>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|res| match res {
                    Ok(v) => view! { <Usage v/> }.into_any(),
                    Err(e) => error_alert(&e),
                })}
            </Suspense>
        </RequireUser>
    }
}

fn today_words(used: i64, per_day: i64) -> String {
    match per_day {
        0 => "Your company's plan includes no AI calls.".to_owned(),
        _ => format!(
            "{used} of your {per_day} AI calls used today; {} left. The allowance renews at midnight UTC.",
            (per_day - used).max(0)
        ),
    }
}

/// "240 ms", or "3.5 s" from a second on.
fn duration_words(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

fn totals_cells(t: MonthTotals) -> impl IntoView {
    view! {
        <td data-label="Calls">{t.calls}</td>
        <td data-label="Tokens sent">{t.prompt_tokens}</td>
        <td data-label="Tokens answered">{t.completion_tokens}</td>
        <td data-label="Errors">{t.errors}</td>
    }
}

#[component]
fn Usage(v: UsageView) -> impl IntoView {
    let month = month_words(&v.month);
    view! {
        <MyBudgetCards b=v.budgets/>
        <section class="card" aria-labelledby="today-heading">
            <h2 id="today-heading">"Today"</h2>
            <p data-testid="allowance">{today_words(v.today.used, v.today.per_day)}</p>
        </section>
        <section class="card" aria-labelledby="month-heading">
            <h2 id="month-heading">{month}</h2>
            <div class="table-wrap">
                <table class="table table-stack">
                    <thead><tr>
                        <th scope="col">"Tool"</th><th scope="col">"Calls"</th><th scope="col">"Tokens sent"</th>
                        <th scope="col">"Tokens answered"</th><th scope="col">"Errors"</th>
                    </tr></thead>
                    <tbody>
                        {v.by_tool.into_iter().map(|r| view! {
                            <tr data-tool=r.tool.info().flag>
                                <th scope="row">{r.tool.info().title}</th>
                                {totals_cells(r.totals)}
                            </tr>
                        }).collect_view()}
                    </tbody>
                    <tfoot>
                        <tr data-tool="all"><th scope="row">"All tools"</th>{totals_cells(v.total)}</tr>
                    </tfoot>
                </table>
            </div>
        </section>
        <section class="card" aria-labelledby="last-heading">
            <h2 id="last-heading">"Your last calls"</h2>
            {if v.last.is_empty() {
                view! { <p class="muted">"No AI calls yet. Each call you make with a tool is listed here."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table table-stack">
                            <thead><tr>
                                <th scope="col">"When"</th><th scope="col">"Tool"</th><th scope="col">"Model"</th>
                                <th scope="col">"Tokens"</th><th scope="col">"Time"</th><th scope="col">"Outcome"</th>
                            </tr></thead>
                            <tbody>
                                {v.last.into_iter().map(|c| view! {
                                    <tr data-call=c.tool.info().flag>
                                        <td>{crate::util::time_words(&c.at)}</td>
                                        <td data-label="Tool">{c.tool.info().title}</td>
                                        <td data-label="Model">{c.model}</td>
                                        <td data-label="Tokens">{format!("{} sent, {} answered", c.prompt_tokens, c.completion_tokens)}</td>
                                        <td data-label="Time">{duration_words(c.latency_ms)}</td>
                                        <td data-label="Outcome">{outcome_words(&c.outcome)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_allowances_read_as_words() {
        assert_eq!(
            today_words(3, 100),
            "3 of your 100 AI calls used today; 97 left. The allowance renews at midnight UTC."
        );
        assert!(today_words(0, 0).contains("includes no AI calls"));
        assert!(today_words(120, 100).contains("; 0 left"));
        assert_eq!(duration_words(240), "240 ms");
        assert_eq!(duration_words(3480), "3.5 s");
    }
}
