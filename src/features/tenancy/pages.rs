//! The tenant admin page for feature flags, within the tier.

use super::{FeaturesView, SetFeature, SetTwoFactorRequirement};
use crate::components::{action_error, admin_tabs, FormAlert, RequireAdmin};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AdminFeaturesPage() -> impl IntoView {
    view! {
        <Title text="Features"/>
        <RequireAdmin>
            <FeaturesPanel/>
        </RequireAdmin>
    }
}

#[component]
fn FeaturesPanel() -> impl IntoView {
    let set = ServerAction::<SetFeature>::new();
    let require = ServerAction::<SetTwoFactorRequirement>::new();
    let view_data = Resource::new(
        move || (set.version().get(), require.version().get()),
        |_| super::list_features(),
    );
    let query = use_query_map();
    let notice = Signal::derive(move || {
        (matches!(set.value().get(), Some(Ok(())))
            || matches!(require.value().get(), Some(Ok(())))
            || query.read().get("saved").is_some())
        .then(|| "Saved. Members see the change on their next page.".to_owned())
    });
    view! {
        <section class="page-head">
            <h1>"Administration"</h1>
            {admin_tabs("/admin/features")}
            <FormAlert message=notice success=true/>
            // Neither form has a field to show its message beside: every error shows here.
            <FormAlert message=action_error(set.value())/>
            <FormAlert message=action_error(require.value())/>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || view_data.get().map(|res| match res {
                Ok(data) => {
                    let language = data.default_language.clone();
                    view! {
                        <FeatureList data=data.clone() set/>
                        <TwoFactorRequirement data require/>
                        <crate::features::ui_language::CompanyLanguageCard current=language/>
                    }.into_any()
                }
                Err(e) => crate::components::error_alert(&e),
            })}
        </Suspense>
    }
}

#[component]
fn FeatureList(data: FeaturesView, set: ServerAction<SetFeature>) -> impl IntoView {
    view! {
        <p class="muted">{format!("Your company is on the {} plan. Switch tools on or off for everyone in it.", data.tier)}</p>
        <ul class="flag-list">
            {data.rows.into_iter().map(|row| {
                let status = if !row.in_tier {
                    format!("Not in your plan ({} includes it)", row.tier_needed.clone().unwrap_or_default())
                } else if row.enabled { "On".to_owned() } else { "Off".to_owned() };
                let badge = if row.enabled { "badge badge-ok" } else { "badge" };
                let flag = row.flag.info().flag;
                view! {
                    <li class="flag-row card" data-flag=flag>
                        <div>
                            <h2>{row.title.clone()}</h2>
                            <span class=badge>{status}</span>
                        </div>
                        {row.in_tier.then(move || view! {
                            <ActionForm action=set attr:class="inline-form">
                                <input type="hidden" name="flag" value=flag/>
                                <input type="hidden" name="enabled" value=if row.enabled { "false" } else { "true" }/>
                                <button type="submit" class="button button-small" class:button-quiet=row.enabled>
                                    {if row.enabled { format!("Switch off {}", row.title) } else { format!("Switch on {}", row.title) }}
                                </button>
                            </ActionForm>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The company's two-factor requirement, switched by its admins.
#[component]
fn TwoFactorRequirement(
    data: FeaturesView,
    require: ServerAction<SetTwoFactorRequirement>,
) -> impl IntoView {
    let required = data.require_two_factor;
    view! {
        <section class="card" id="two-factor" aria-labelledby="two-factor-title">
            <h2 id="two-factor-title">"Two-factor sign-in"</h2>
            <p>
                <span class=if required { "badge badge-ok" } else { "badge" }>
                    {if required { "Required for everyone" } else { "Not required" }}
                </span>
            </p>
            <p class="muted">{if required {
                "Everyone signs in with a code from an authenticator app. Members who have not set it up can look around, but their tools, API keys and invitations wait until they do."
            } else {
                "Members choose for themselves. Requiring it asks everyone for a code from an authenticator app at sign-in."
            }}</p>
            {(!required && !data.admin_has_two_factor).then(|| view! {
                <p class="muted small">"Turn it on for yourself first in " <a href="/settings/security#two-factor">"Settings → Security"</a> "."</p>
            })}
            <ActionForm action=require attr:class="inline-form">
                <input type="hidden" name="required" value=if required { "false" } else { "true" }/>
                <button type="submit" class="button button-small" class:button-quiet=required>
                    {if required { "Stop requiring two-factor sign-in" } else { "Require two-factor sign-in" }}
                </button>
            </ActionForm>
        </section>
    }
}
