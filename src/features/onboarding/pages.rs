//! `/onboarding?step=…`: the wizard. Each step is a plain form (it works without
//! JavaScript); with JavaScript it moves on in place and shows field messages inline.
//! Also the admins' funnel page.

use super::model::{self, label_of, OnboardingData, STEPS};
use super::recommend::{because, Recommendation};
use super::{Funnel, OnboardingView, SaveOnboarding};
use crate::components::{admin_tabs, RequireAdmin};
use crate::components::{field_error, form_error, FormAlert, RequireUser};
use crate::error::AppError;
use crate::features::tenancy::SetFeature;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::Value;

#[component]
pub fn OnboardingPage() -> impl IntoView {
    view! {
        <Title text="Set up Digame"/>
        <RequireUser>
            <Wizard/>
        </RequireUser>
    }
}

fn pref(data: &OnboardingData, key: &str) -> String {
    match data.user_preferences.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

#[component]
fn Wizard() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SaveOnboarding>::new();
    let switch_on = ServerAction::<SetFeature>::new();
    let view_data = Resource::new(
        move || {
            (
                query.read().get("step"),
                save.version().get(),
                switch_on.version().get(),
            )
        },
        |(step, _, _)| super::get_onboarding(step),
    );
    // In place (JavaScript): go where the server says, as the form post's redirect would.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(next)) = save.value().get() {
            navigate(&next, Default::default());
        }
    });
    let auth = crate::components::AuthState::use_context();
    let unconfirmed = move || {
        auth.user
            .get()
            .and_then(|r| r.ok().flatten())
            .filter(|u| !u.email_verified)
            .map(|u| u.email)
    };
    view! {
        {move || unconfirmed().map(|email| view! {
            <p class="alert alert-info" role="note" data-mail-waiting>
                "We sent a confirmation link to " <strong>{email}</strong>
                ". Open it when you can: you can finish this setup first, and the tools, keys and invitations wait for it."
            </p>
        })}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || view_data.get().map(|res| match res {
                Ok(v) => view! { <WizardStep v save switch_on/> }.into_any(),
                Err(e) => crate::components::error_alert(&e),
            })}
        </Suspense>
    }
}

#[component]
fn Progress(current: usize, data: OnboardingData) -> impl IntoView {
    view! {
        <nav aria-label="Setup progress">
            <p class="muted small">{format!("Step {} of {}", current + 1, STEPS.len())}</p>
            <ol class="steps">
                {STEPS.iter().enumerate().map(|(i, s)| {
                    let done = data.completed_steps.iter().any(|c| c.step_id == s.id);
                    let here = i == current;
                    view! {
                        <li class:step-current=here class:step-done=done aria-current=here.then_some("step")>
                            <span class="step-number" aria-hidden="true">{if done && !here { "✓".to_owned() } else { (i + 1).to_string() }}</span>
                            <span>{s.title}</span>
                            {(done && !here).then_some(view! { <span class="visually-hidden">" (done)"</span> })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
}

fn select(
    id: &'static str,
    label: &'static str,
    choices: &'static [(&'static str, &'static str)],
    current: String,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id>{label}</label>
            <select id=id name=format!("fields[{id}]")>
                <option value="" selected=current.is_empty()>"Choose…"</option>
                {choices.iter().map(|(v, l)| view! { <option value=*v selected=*v == current>{*l}</option> }).collect_view()}
            </select>
            {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
        </div>
    }
}

fn text_input(
    id: &'static str,
    label: &'static str,
    current: String,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id>{label}</label>
            <input id=id name=format!("fields[{id}]") value=current maxlength=model::MAX_TEXT
                aria-invalid=move || error.with(Option::is_some).then_some("true")/>
            {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
        </div>
    }
}

#[component]
fn WizardStep(
    v: OnboardingView,
    save: ServerAction<SaveOnboarding>,
    switch_on: ServerAction<SetFeature>,
) -> impl IntoView {
    let index = model::step_index(&v.step).unwrap_or(0);
    let step = &STEPS[index];
    let value = save.value();
    let err = move |f: &'static str| field_error(value, f);
    let data = v.data.clone();
    let body = match step.id {
        "about" => view! {
            {select("role", "Your role", &model::ROLES, pref(&data, "role"), err("role"))}
            {text_input("role_other", "If you chose Other, describe what you do", pref(&data, "role_other"), err("role_other"))}
            {select("team_size", "Team size", &model::TEAM_SIZES, pref(&data, "team_size"), err("team_size"))}
            {text_input("industry", "Industry", pref(&data, "industry"), err("industry"))}
            {text_input("primary_language", "Primary language", pref(&data, "primary_language"), err("primary_language"))}
        }.into_any(),
        "goals" => {
            let selected: Vec<String> = data.goal("selected").and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|g| g.as_str().map(str::to_owned)).collect()).unwrap_or_default();
            let custom = data.goal("custom").and_then(Value::as_str).unwrap_or_default().to_owned();
            view! {
                <fieldset class="choices goal-choices" aria-describedby="goals-hint">
                    <legend>"What do you want Digame to help with?"</legend>
                    <p class="field-hint" id="goals-hint">{format!("Pick up to {}.", model::MAX_GOALS)}</p>
                    {model::GOALS.iter().map(|(id, label)| view! {
                        <label class="choice">
                            <input type="checkbox" name=format!("fields[goal_{id}]") checked=selected.iter().any(|s| s == id)/>
                            {*label}
                        </label>
                    }).collect_view()}
                    // Counted as they are ticked, by the stylesheet (no script): "3 picked, up to 5".
                    <p class="field-hint goals-count" data-max=model::MAX_GOALS.to_string() aria-hidden="true"></p>
                    {move || err("goals").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </fieldset>
                {text_input("custom_goal", "Another goal of your own (optional)", custom, err("custom_goal"))}
            }.into_any()
        }
        "preferences" => {
            let digest = data.user_preferences.get("email_digest").and_then(Value::as_bool).unwrap_or(false);
            let start = data.user_preferences.get("work_start").and_then(Value::as_i64).unwrap_or(9);
            let end = data.user_preferences.get("work_end").and_then(Value::as_i64).unwrap_or(17);
            let hours = |id: &'static str, label: &'static str, current: i64| view! {
                <div class="field" class:field-invalid=move || err(id).with(Option::is_some)>
                    <label for=id>{label}</label>
                    <select id=id name=format!("fields[{id}]")>
                        {(0..24).map(|h| view! { <option value=h.to_string() selected=h == current>{format!("{h:02}:00")}</option> }).collect_view()}
                    </select>
                    {move || err(id).get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
            };
            view! {
                {select("tone", "Tone of suggestions", &model::TONES, pref(&data, "tone"), err("tone"))}
                {select("detail", "Level of detail", &model::DETAILS, pref(&data, "detail"), err("detail"))}
                <label class="choice">
                    <input type="checkbox" name="fields[email_digest]" checked=digest/>
                    "Send me an email digest"
                </label>
                <div class="field-row">
                    {hours("work_start", "Working hours start", start)}
                    {hours("work_end", "Working hours end", end)}
                </div>
            }.into_any()
        }
        "tools" => {
            let recs = v.recommendations.clone();
            view! {
                <p class="muted">"Mark the tools you want to explore. Recommendations follow from your answers."</p>
                <ul class="choice-list">
                    {v.tools.iter().map(|t| {
                        let rec = recs.iter().find(|r| r.flag == t.flag).map(|r| because(&r.reasons));
                        let checked = data.explores(t.flag.info().flag);
                        view! {
                            <li class="tool-choice" data-tool=t.flag.info().flag>
                                <label class="choice">
                                    <input type="checkbox" name=format!("fields[explore_{}]", t.flag.info().flag) checked=checked/>
                                    <strong>{t.title.clone()}</strong>
                                </label>
                                <p class="small">{t.summary.clone()}</p>
                                {rec.map(|r| view! { <p class="small recommendation">{r}</p> })}
                                {t.locked.clone().map(|l| view! { <p class="small muted">"🔒 " {l}</p> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || err("tools").get().map(|m| view! { <p class="field-error">{m}</p> })}
            }.into_any()
        }
        _ => view! { <Review data=data.clone() recs=v.recommendations.clone()/> }.into_any(),
    };
    let is_last = index + 1 == STEPS.len();
    // Admins can switch on a tool that is in the tier but off, right here (separate forms,
    // since forms cannot nest).
    let switchable: Vec<_> = if step.id == "tools" {
        v.tools
            .iter()
            .filter(|t| t.can_switch_on)
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    view! {
        <section class="card wizard">
            <Progress current=index data=v.data.clone()/>
            <h1>{step.title}</h1>
            <ActionForm action=save attr:class="wizard-form">
                {(!is_last).then_some(view! {
                    <p class="muted small">"“Skip this step” moves on without saving this page; “Leave the setup” takes you to your tools now, and you can finish it later from your profile."</p>
                })}
                <FormAlert message=form_error(value)/>
                <input type="hidden" name="step" value=step.id/>
                {body}
                <div class="wizard-nav">
                    <button type="submit" name="nav" value=if is_last { "finish" } else { "next" } class="button">
                        {if is_last { "Finish" } else { "Next" }}
                    </button>
                    {(index > 0).then_some(view! { <button type="submit" name="nav" value="back" class="button button-quiet" formnovalidate=true>"Back"</button> })}
                    {(!is_last).then_some(view! { <button type="submit" name="nav" value="skip" class="button button-quiet" formnovalidate=true>"Skip this step"</button> })}
                    <button type="submit" name="nav" value="skip_all" class="link-button" formnovalidate=true>"Leave the setup, go to my tools"</button>
                </div>
            </ActionForm>
            {(!switchable.is_empty()).then(|| view! {
                <div class="admin-switches">
                    <p class="small muted">"As an administrator you can switch these on for everyone:"</p>
                    {switchable.into_iter().map(|t| view! {
                        <ActionForm action=switch_on attr:class="inline-form">
                            <input type="hidden" name="flag" value=t.flag.info().flag/>
                            <input type="hidden" name="enabled" value="true"/>
                            <input type="hidden" name="return_to" value="/onboarding?step=tools"/>
                            <button type="submit" class="button button-small button-quiet">{format!("Switch on {}", t.title)}</button>
                        </ActionForm>
                    }).collect_view()}
                </div>
            })}
        </section>
    }
}

#[component]
fn Review(data: OnboardingData, recs: Vec<Recommendation>) -> impl IntoView {
    let role = label_of(&model::ROLES, &pref(&data, "role"))
        .unwrap_or("Not answered")
        .to_owned();
    let goals: Vec<String> = data
        .goal("selected")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|g| g.as_str())
                .filter_map(|g| label_of(&model::GOALS, g))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let team = label_of(&model::TEAM_SIZES, &pref(&data, "team_size"));
    let about = [
        Some(role),
        team.map(|t| {
            if t == "Just me" {
                "works alone".to_owned()
            } else {
                format!("team of {t}")
            }
        }),
        Some(pref(&data, "industry")).filter(|i| !i.is_empty()),
        Some(pref(&data, "primary_language"))
            .filter(|l| !l.is_empty())
            .map(|l| format!("works in {l}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let custom = data
        .goal("custom")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let goals: Vec<String> = goals.into_iter().chain(custom).collect();
    let hour = |key: &str, default: i64| {
        data.user_preferences
            .get(key)
            .and_then(Value::as_i64)
            .unwrap_or(default)
    };
    let digest = data
        .user_preferences
        .get("email_digest")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let tone = label_of(&model::TONES, &pref(&data, "tone")).unwrap_or("Not answered");
    let detail = label_of(&model::DETAILS, &pref(&data, "detail")).unwrap_or("Not answered");
    let chosen: Vec<String> = recs
        .iter()
        .filter(|r| data.explores(r.flag.info().flag))
        .map(|r| r.title.clone())
        .chain(
            crate::features::tools::TOOLS
                .iter()
                .filter(|t| data.explores(t.flag) && !recs.iter().any(|r| r.flag == t.id))
                .map(|t| t.title.to_owned()),
        )
        .collect();
    let section = |title: &'static str, step: &'static str, body: String| {
        view! {
            <div class="review-item">
                <dt>{title}</dt>
                <dd>{body} " " <a href=format!("/onboarding?step={step}")>{format!("Edit {}", title.to_lowercase())}</a></dd>
            </div>
        }
    };
    let list = |v: &[String]| {
        if v.is_empty() {
            "None chosen".to_owned()
        } else {
            v.join(", ")
        }
    };
    view! {
        <p class="muted">"Check your answers. You can change them now or later from your profile."</p>
        <dl class="review">
            {section("About you", "about", about)}
            {section("Goals", "goals", list(&goals))}
            {section("Preferences", "preferences", format!(
                "{tone} tone, {} detail; working hours {:02}:00–{:02}:00; {}",
                detail.to_lowercase(),
                hour("work_start", 9),
                hour("work_end", 17),
                if digest { "an email digest" } else { "no email digest" }
            ))}
            {section("Your tools", "tools", list(&chosen))}
        </dl>
    }
}

/// `/admin/onboarding`: how far the tenant's members got through the wizard.
#[component]
pub fn AdminOnboardingPage() -> impl IntoView {
    let funnel = Resource::new(|| (), |_| super::onboarding_funnel());
    view! {
        <Title text="Onboarding funnel"/>
        <RequireAdmin>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || funnel.get().map(|res: Result<Funnel, AppError>| match res {
                    Ok(f) => view! { <FunnelView funnel=f/> }.into_any(),
                    Err(e) => crate::components::error_alert(&e),
                })}
            </Suspense>
        </RequireAdmin>
    }
}

#[component]
fn FunnelView(funnel: Funnel) -> impl IntoView {
    let max = funnel
        .steps
        .iter()
        .map(|s| s.entered.max(s.completed))
        .max()
        .unwrap_or(0)
        .max(1);
    let bar_width = |n: i64| (n as f64 / max as f64 * 100.0).round() as i64;
    view! {
        <section class="page-head">
            <h1>"Administration"</h1>
            {admin_tabs("/admin/onboarding")}
            <p class="muted">{format!(
                "{} {} in your company. Each step shows how many opened it and how many finished it.",
                funnel.members,
                if funnel.members == 1 { "person" } else { "people" }
            )}</p>
        </section>
        <section class="card">
            <h2>"Onboarding funnel"</h2>
            // The chart is decoration for sighted readers; the table below carries the numbers.
            <svg class="funnel-chart" viewBox=format!("0 0 600 {}", funnel.steps.len() * 48) aria-hidden="true">
                {funnel.steps.iter().enumerate().map(|(i, s)| {
                    let y = i * 48;
                    view! {
                        <text x="0" y=(y + 22).to_string() class="bar-label">{s.title.clone()}</text>
                        <rect x="150" y=(y + 4).to_string() width=(bar_width(s.entered) * 4).to_string() height="18" class="bar-entered"/>
                        <rect x="150" y=(y + 24).to_string() width=(bar_width(s.completed) * 4).to_string() height="18" class="bar-completed"/>
                        <text x=(156 + bar_width(s.entered) * 4).to_string() y=(y + 18).to_string() class="bar-value">{s.entered}</text>
                        <text x=(156 + bar_width(s.completed) * 4).to_string() y=(y + 38).to_string() class="bar-value">{s.completed}</text>
                    }
                }).collect_view()}
            </svg>
            <p class="legend small"><span class="swatch swatch-entered"></span>"Opened" <span class="swatch swatch-completed"></span>"Finished"</p>
            <div class="table-wrap">
                <table class="table table-stack">
                    <caption class="visually-hidden">"People who opened and finished each onboarding step"</caption>
                    <thead><tr><th scope="col">"Step"</th><th scope="col">"Opened"</th><th scope="col">"Finished"</th><th scope="col">"Dropped off"</th></tr></thead>
                    <tbody>
                        {funnel.steps.into_iter().map(|s| view! {
                            <tr data-step=s.step_id.clone()>
                                <th scope="row">{s.title}</th>
                                <td data-label="Opened">{s.entered}</td>
                                <td data-label="Finished">{s.completed}</td>
                                <td data-label="Dropped off">{(s.entered - s.completed).max(0)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_stylesheet_counts_goals_against_the_same_limit() {
        let css = include_str!("../../../style/main.css");
        assert!(css.contains(&format!(
            "content: counter(picked) \" picked, up to {}\"",
            super::model::MAX_GOALS
        )));
    }
}
