//! `/admin/ai`: each AI tool's kind of service, address and model, and the usage chart with its
//! numbers in tables.

use super::{AiAdminView, DayUsage, Endpoint, Period, SetAiEndpoint, ToolUsage, Usage};
use crate::components::{
    admin_tabs, error_alert, field_error, form_error, FormAlert, RequireAdmin,
};
use crate::domain::ProviderKind;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminAiPage() -> impl IntoView {
    view! {
        <Title text="AI services"/>
        <RequireAdmin>
            <AdminAi/>
        </RequireAdmin>
    }
}

#[component]
fn AdminAi() -> impl IntoView {
    // Bumped by each tool's form when it saved, to reload the figures.
    let changed = RwSignal::new(0usize);
    let query = use_query_map();
    // The figures' period, from the address (`?from=&to=`, a plain GET form).
    let period = move || {
        let q = query.read();
        (
            q.get("from").unwrap_or_default(),
            q.get("to").unwrap_or_default(),
        )
    };
    let data = Resource::new(
        move || (changed.get(), period()),
        |(_, (from, to))| super::ai_settings_view(from, to),
    );
    let saved = Signal::derive(move || {
        (changed.get() > 0 || query.read().get("saved").is_some()).then(|| "Saved.".to_owned())
    });
    view! {
        <section class="page-head">
            <h1>"Administration"</h1>
            {admin_tabs("/admin/ai")}
        </section>
        <FormAlert message=saved success=true/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || data.get().map(|res| match res {
                Ok(v) => view! { <Endpoints v=v.clone() changed/><UsageReport v/> }.into_any(),
                Err(e) => view! {
                    {error_alert(&e)}
                    <p><a href="/admin/ai">"Show the last 14 days"</a></p>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Endpoints(v: AiAdminView, changed: RwSignal<usize>) -> impl IntoView {
    let rule = if v.allow_private {
        "This installation also allows plain http and local or private addresses (local model servers)."
    } else {
        "The address must be https and on the public internet."
    };
    view! {
        <section class="card" aria-labelledby="endpoints-heading">
            <h2 id="endpoints-heading">"Where each tool's calls go"</h2>
            <p class="muted small">
                {format!("Any OpenAI-compatible API works (OpenAI, OpenRouter, Groq, Together, Mistral, Ollama, vLLM), and Anthropic's. Without a choice here, calls go to {} ({}) with the model {}. {rule} People's own keys are sent to the address set here.", v.default_base_url, v.default_provider.label(), v.default_model)}
            </p>
            {v.endpoints.into_iter().map(|e| view! { <EndpointForm e changed/> }).collect_view()}
        </section>
    }
}

#[component]
fn EndpointForm(e: Endpoint, changed: RwSignal<usize>) -> impl IntoView {
    let info = e.tool.info();
    let flag = info.flag;
    // Each tool's form has its own action, so its errors show beside it.
    let set = ServerAction::<SetAiEndpoint>::new();
    Effect::new(move |_| {
        if matches!(set.value().get(), Some(Ok(()))) {
            changed.update(|n| *n += 1);
        }
    });
    let url_error = field_error(set.value(), "base_url");
    let model_error = field_error(set.value(), "model");
    let provider_error = field_error(set.value(), "provider");
    let fallback_error = field_error(set.value(), "fallback_models");
    let second_url_error = field_error(set.value(), "second_base_url");
    let second_model_error = field_error(set.value(), "second_model");
    let second_provider_error = field_error(set.value(), "second_provider");
    let chosen = e.provider;
    let second_kind = e
        .second
        .as_ref()
        .map_or(ProviderKind::default(), |s| s.provider);
    let second_url = e
        .second
        .as_ref()
        .map(|s| s.base_url.clone())
        .unwrap_or_default();
    let second_model = e
        .second
        .as_ref()
        .map(|s| s.model.clone())
        .unwrap_or_default();
    let has_second = e.second.is_some();
    view! {
        <ActionForm action=set attr:class="endpoint-form" attr:data-endpoint=flag>
            <FormAlert message=form_error(set.value())/>
            <h3>{info.title}{(!e.custom).then(|| view! { " " <span class="badge">"default"</span> })}</h3>
            <input type="hidden" name="tool" value=flag/>
            <div class="form-row">
                <div class="field" class:field-invalid=move || provider_error.with(Option::is_some)>
                    <label for=format!("{flag}-provider")>"Kind of service"</label>
                    <select id=format!("{flag}-provider") name="provider">
                        {ProviderKind::ALL.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=k == chosen>{k.label()}</option>
                        }).collect_view()}
                    </select>
                    {move || provider_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field" class:field-invalid=move || url_error.with(Option::is_some)>
                    <label for=format!("{flag}-url")>"API address"</label>
                    <input id=format!("{flag}-url") name="base_url" type="url" value=e.base_url.clone() maxlength="500"/>
                    {move || url_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field" class:field-invalid=move || model_error.with(Option::is_some)>
                    <label for=format!("{flag}-model")>"Model"</label>
                    <input id=format!("{flag}-model") name="model" type="text" value=e.model.clone() maxlength="200"/>
                    {move || model_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field" class:field-invalid=move || fallback_error.with(Option::is_some)>
                    <label for=format!("{flag}-fallbacks")>"Fallback models"</label>
                    <input id=format!("{flag}-fallbacks") name="fallback_models" type="text"
                        value=e.fallback_models.join(", ") maxlength="620"
                        aria-describedby=format!("{flag}-fallbacks-hint")/>
                    <p class="field-hint" id=format!("{flag}-fallbacks-hint")>"Optional, in order, separated by commas: tried at the same address when the model is busy, failing or too slow."</p>
                    {move || fallback_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
            </div>
            <details class="second-service" open=move || has_second
                || second_url_error.with(Option::is_some)
                || second_model_error.with(Option::is_some)
                || second_provider_error.with(Option::is_some)>
                <summary>{if has_second { "Second service (failover): set" } else { "Second service (failover): none" }}</summary>
                <p class="field-hint">"When the service above and its fallback models are down, busy or too slow, calls go here: another address, with each person's own key for it (they add it on their API-key page). Leave the address and model empty for none."</p>
                <div class="form-row">
                    <div class="field" class:field-invalid=move || second_provider_error.with(Option::is_some)>
                        <label for=format!("{flag}-second-provider")>"Kind of service"</label>
                        <select id=format!("{flag}-second-provider") name="second[provider]">
                            {ProviderKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str() selected=k == second_kind>{k.label()}</option>
                            }).collect_view()}
                        </select>
                        {move || second_provider_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                    <div class="field" class:field-invalid=move || second_url_error.with(Option::is_some)>
                        <label for=format!("{flag}-second-url")>"API address"</label>
                        <input id=format!("{flag}-second-url") name="second[base_url]" type="url" value=second_url maxlength="500"/>
                        {move || second_url_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                    <div class="field" class:field-invalid=move || second_model_error.with(Option::is_some)>
                        <label for=format!("{flag}-second-model")>"Model"</label>
                        <input id=format!("{flag}-second-model") name="second[model]" type="text" value=second_model maxlength="200"/>
                        {move || second_model_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                </div>
            </details>
            <button type="submit" class="button button-small">"Save"</button>
        </ActionForm>
        {e.custom.then(|| view! {
            <ActionForm action=set attr:class="inline-form">
                <input type="hidden" name="tool" value=flag/>
                <input type="hidden" name="base_url" value=""/>
                <input type="hidden" name="model" value=""/>
                <button type="submit" class="button button-small button-quiet">{format!("Use the default for {}", info.title)}</button>
            </ActionForm>
        })}
    }
}

fn fmt_ms(ms: Option<i64>) -> String {
    ms.map_or_else(|| "—".to_owned(), |m| format!("{m} ms"))
}

fn usage_cells(u: &Usage) -> impl IntoView {
    view! {
        <td data-label="Calls">{u.calls}</td><td data-label="Tokens">{u.tokens}</td><td data-label="Errors">{u.errors}</td>
        <td data-label="Median latency">{fmt_ms(u.median_ms)}</td><td data-label="95th percentile">{fmt_ms(u.p95_ms)}</td>
    }
}

/// A table of usage figures: a first column named `first`, then the figures, one row each.
fn usage_table(first: &'static str, rows: impl IntoView) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table table-stack">
                <thead><tr><th scope="col">{first}</th>{usage_heads()}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn usage_heads() -> impl IntoView {
    view! {
        <th scope="col">"Calls"</th><th scope="col">"Tokens"</th><th scope="col">"Errors"</th>
        <th scope="col">"Median latency"</th><th scope="col">"95th percentile"</th>
    }
}

/// Calls per day as bars (errors in a darker part of each bar), drawn on the server; at
/// most about 14 dates written under them.
fn chart(days: &[DayUsage], title: String) -> impl IntoView {
    let max = days.iter().map(|d| d.usage.calls).max().unwrap_or(0).max(1) as f64;
    // The bars within a margin, so that the first and last dates are not cut off.
    let (w, h, margin) = (560.0, 160.0, 18.0);
    let bar = (w - 2.0 * margin) / days.len().max(1) as f64;
    let every = days.len().div_ceil(14).max(1);
    let gap = if bar > 12.0 { 8.0 } else { 1.0 };
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, DayUsage { day, usage: u })| {
            let x = margin + i as f64 * bar + gap / 2.0;
            let total = u.calls as f64 / max * (h - 30.0);
            let errors = u.errors as f64 / max * (h - 30.0);
            let label = (i % every == 0).then(|| day.get(5..).unwrap_or(day).to_owned());
            view! {
                <g>
                    <rect class="bar" x=x y=h - 20.0 - total width=bar - gap height=total></rect>
                    <rect class="bar-error" x=x y=h - 20.0 - errors width=bar - gap height=errors></rect>
                    {label.map(|l| view! { <text x=x + (bar - gap) / 2.0 y=h - 6.0 text-anchor="middle">{l}</text> })}
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-labelledby="chart-title">
            <title id="chart-title">{title}</title>
            {bars}
        </svg>
    }
}

#[component]
fn UsageReport(v: AiAdminView) -> impl IntoView {
    let total: i64 = v.by_day.iter().map(|d| d.usage.calls).sum();
    let Period { from, to } = v.period.clone();
    let span = format!("{from} to {to}");
    let csv = format!("{}?{}", super::CSV_PATH, v.period.query());
    view! {
        <section class="card" aria-labelledby="usage-heading" data-usage-total=total>
            <h2 id="usage-heading">{format!("Usage, {span}")}</h2>
            <form method="get" action="/admin/ai" class="form-row period-form" aria-label="Period">
                <div class="field">
                    <label for="period-from">"From"</label>
                    <input id="period-from" name="from" type="date" value=from required/>
                </div>
                <div class="field">
                    <label for="period-to">"To (UTC days, included)"</label>
                    <input id="period-to" name="to" type="date" value=to required/>
                </div>
                <div class="field field-action">
                    <button type="submit" class="button button-small">"Show"</button>
                </div>
            </form>
            {chart(&v.by_day, format!("AI calls per day, {span}; the table below has the numbers."))}
            <p class="small muted"><span class="swatch swatch-ok"></span>" calls "<span class="swatch swatch-error"></span>" of which failed"</p>
            <h3>"By tool"</h3>
            {usage_table("Tool", v.by_tool.iter().map(|ToolUsage { tool: t, usage: u }| view! { <tr data-tool=t.info().flag><th scope="row">{t.info().title}</th>{usage_cells(u)}</tr> }).collect_view())}
            <details>
                <summary>"By day"</summary>
                {usage_table("Day (UTC)", v.by_day.iter().rev().map(|DayUsage { day: d, usage: u }| view! { <tr><th scope="row">{d.clone()}</th>{usage_cells(u)}</tr> }).collect_view())}
            </details>
            <details>
                <summary>"By person"</summary>
                {if v.by_person.is_empty() {
                    view! { <p class="muted">"Nobody made a call in this period."</p> }.into_any()
                } else {
                    usage_table("Person", v.by_person.iter().map(|p| view! {
                        <tr data-person=p.email.clone()><th scope="row">{p.name.clone()}<br/><span class="muted small">{p.email.clone()}</span></th>{usage_cells(&p.usage)}</tr>
                    }).collect_view()).into_any()
                }}
            </details>
            <details>
                <summary>"By model"</summary>
                {if v.by_model.is_empty() {
                    view! { <p class="muted">"No model was asked in this period."</p> }.into_any()
                } else {
                    usage_table("Model", v.by_model.iter().map(|m| view! {
                        <tr data-model=m.model.clone()><th scope="row">{m.model.clone()}</th>{usage_cells(&m.usage)}</tr>
                    }).collect_view()).into_any()
                }}
            </details>
            <p><a class="button button-quiet" href=csv download rel="external">"Download this period's calls as CSV"</a></p>
        </section>
    }
}
