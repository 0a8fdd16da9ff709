//! The audit log page: newest first, filtered by action and person.

use super::AuditView;
use crate::components::{admin_tabs, RequireAdmin};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log"/>
        <RequireAdmin>
            <AuditPanel/>
        </RequireAdmin>
    }
}

#[component]
fn AuditPanel() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        (
            crate::components::page_number(&q.get("page").unwrap_or_default()),
            q.get("action").unwrap_or_default(),
            q.get("actor").unwrap_or_default(),
        )
    };
    let data = Resource::new(params, |(page, action, actor)| async move {
        super::list_audit(page, action, actor).await
    });
    view! {
        <section class="page-head">
            <h1>"Administration"</h1>
            {admin_tabs("/admin/audit")}
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || data.get().map(|res| match res {
                Ok(d) => view! { <AuditTable data=d/> }.into_any(),
                Err(e) => crate::components::error_alert(&e),
            })}
        </Suspense>
    }
}

#[component]
fn AuditTable(data: AuditView) -> impl IntoView {
    let query = use_query_map();
    let current_action = query.read_untracked().get("action").unwrap_or_default();
    let current_actor = query.read_untracked().get("actor").unwrap_or_default();
    let pages = {
        let query = query.get_untracked();
        crate::components::pager(data.paging, "Pages", ("← Newer", "Older →"), move |n| {
            crate::components::page_href("/admin/audit", &query, &["action", "actor"], "page", n)
        })
    };
    view! {
        // A plain GET form: filtering works the same with or without JavaScript.
        <form method="get" action="/admin/audit" class="filters card">
            <div class="field">
                <label for="audit-action">"Action"</label>
                <select id="audit-action" name="action">
                    <option value="" selected=current_action.is_empty()>"All actions"</option>
                    {data.actions.iter().map(|a| {
                        let label = crate::domain::AuditAction::parse(a).map_or(a.as_str(), |x| x.label()).to_owned();
                        view! { <option value=a.clone() selected=*a == current_action>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-actor">"Person"</label>
                <select id="audit-actor" name="actor">
                    <option value="" selected=current_actor.is_empty()>"Everyone"</option>
                    {data.people.iter().map(|crate::features::audit::AuditPerson { id, name }| view! {
                        <option value=id.to_string() selected=id.to_string() == current_actor>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button button-small">"Filter"</button>
        </form>
        <section class="card">
            {if data.rows.is_empty() {
                view! { <p class="muted">"Nothing recorded for this filter."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table table-stack audit-table">
                            <thead><tr>
                                <th scope="col">"When"</th><th scope="col">"What happened"</th><th scope="col">"What changed"</th>
                            </tr></thead>
                            <tbody>
                                {data.rows.into_iter().map(|r| view! {
                                    <tr data-action=r.action.clone()>
                                        <td class="nowrap small">{crate::util::time_words(&r.when)}</td>
                                        <td>{r.summary}</td>
                                        <td data-label="Changed">{(!r.details.is_empty()).then(|| view! {
                                            <ul class="plain-list audit-details small">
                                                {r.details.into_iter().map(|d| view! {
                                                    <li><span class="muted">{d.field}": "</span>{change_words(d.before, d.after)}</li>
                                                }).collect_view()}
                                            </ul>
                                        })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {pages}
        </section>
    }
}

/// "none → 12 Jan 2027", or the one side an event has.
fn change_words(before: Option<String>, after: Option<String>) -> String {
    match (before, after) {
        (Some(b), Some(a)) if b == a => a,
        (Some(b), Some(a)) => format!("{b} → {a}"),
        (Some(b), None) => format!("was {b}"),
        (None, Some(a)) => a,
        (None, None) => String::new(),
    }
}
