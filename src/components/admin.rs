//! Pieces every admin page shares: the admin-only gate (403 for members), the tabs, and the
//! head of a page with several forms.

use super::{AuthState, FormAlert, RequireUser};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Shows its children to tenant admins; everyone else gets the 403 page.
#[component]
pub fn RequireAdmin(children: ChildrenFn) -> impl IntoView {
    let auth = AuthState::use_context();
    let children = StoredValue::new(children);
    view! {
        <RequireUser>
            {move || auth.user.get().map(|res| match res {
                Ok(Some(u)) if u.is_admin => children.read_value()().into_any(),
                Ok(Some(u)) => view! { <Forbidden tenant=u.tenant_name/> }.into_any(),
                _ => ().into_any(),
            })}
        </RequireUser>
    }
}

#[component]
fn Forbidden(tenant: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <Title text="Not allowed"/>
        <section class="card narrow">
            <h1>"Administrators only"</h1>
            <p>{format!("This page is for the administrators of {tenant}. If you need a change here, ask one of them.")}</p>
            <p><a class="button" href="/">"Back to the dashboard"</a></p>
        </section>
    }
}

pub fn admin_tabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        let here = href == current;
        view! { <a href=href class:tab-current=here aria-current=here.then_some("page")>{label}</a> }
    };
    view! {
        <nav class="tabs" aria-label="Administration">
            {tab("/admin/features", "Features")}
            {tab("/admin/members", "Members")}
            {tab("/admin/groups", "Groups")}
            {tab("/admin/sign-in", "Sign-in")}
            {tab("/admin/sso", "Single sign-on")}
            {tab("/admin/provisioning", "Provisioning")}
            {tab("/admin/ai", "AI services")}
            {tab("/admin/budgets", "Budgets")}
            {tab("/admin/tokens", "API tokens")}
            {tab("/admin/onboarding", "Onboarding")}
            {tab("/admin/audit", "Audit log")}
        </nav>
    }
}

/// The head of an admin page with several forms: its title, the tabs, and one notice at a
/// time. `done` names what the last form did (the word of the action that succeeded), or,
/// after a form posted without JavaScript, the page's `?saved=` word does; `words` turns it
/// into the sentence shown. `error` is the latest failure of any of the forms.
#[component]
pub fn AdminHead(
    tab: &'static str,
    #[prop(into)] done: Signal<Option<&'static str>>,
    words: fn(&str) -> Option<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let query = use_query_map();
    let saved = Signal::derive(move || {
        done.get()
            .map(str::to_owned)
            .or_else(|| query.read().get("saved"))
            .and_then(|w| words(&w))
    });
    view! {
        <section class="page-head">
            <h1>"Administration"</h1>
            {admin_tabs(tab)}
            <FormAlert message=saved success=true/>
            <FormAlert message=error/>
        </section>
    }
}
