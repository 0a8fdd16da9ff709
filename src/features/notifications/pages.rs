//! The mail choices on the profile, and the page a digest's unsubscribe link opens.

use super::{MailPreferences, SetMailSettings, Unsubscribe};
use crate::components::{action_error, error_alert, FormAlert};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// One mail category: its box, and what it brings.
fn choice(name: &'static str, label: &'static str, about: &'static str, on: bool) -> impl IntoView {
    view! {
        <label class="choice">
            <input type="checkbox" name=name value="on" checked=on/>
            <span><strong>{label}</strong><span class="muted small">{format!(" — {about}")}</span></span>
        </label>
    }
}

/// "Mail you get", on the profile: a plain form that works without JavaScript.
#[component]
pub fn MailChoices() -> impl IntoView {
    let set = ServerAction::<SetMailSettings>::new();
    let current = Resource::new(move || set.version().get(), |_| super::mail_settings());
    let query = use_query_map();
    let saved = Signal::derive(move || {
        let done = query.read().get("mail").as_deref() == Some("saved")
            || matches!(set.value().get(), Some(Ok(_)));
        done.then(|| "Your mail choices are saved.".to_owned())
    });
    view! {
        <section class="card narrow" id="mail" aria-labelledby="mail-heading">
            <h2 id="mail-heading">"Mail you get"</h2>
            <FormAlert message=saved success=true/>
            <FormAlert message=action_error(set.value())/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || current.get().map(|r| match r {
                    Ok(MailPreferences { product_notices, weekly_digest, budget_warnings }) => view! {
                        <ActionForm action=set>
                            <label class="choice">
                                <input type="checkbox" checked=true disabled=true/>
                                <span><strong>"Security notices"</strong><span class="muted small">" — new sign-ins, password and two-factor changes. Always sent: they protect your account."</span></span>
                            </label>
                            {choice("weekly_digest", "Weekly digest", "on Mondays: your overdue tasks, what is due this week, and your AI use of the week.", weekly_digest)}
                            {choice("budget_warnings", "Budget warnings", "when your AI usage nears or reaches a limit.", budget_warnings)}
                            {choice("product_notices", "Product notices", "new tools and changes to Digame, a few times a year.", product_notices)}
                            <button type="submit" class="button button-small">"Save my mail choices"</button>
                        </ActionForm>
                    }.into_any(),
                    Err(e) => error_alert(&e),
                })}
            </Suspense>
        </section>
    }
}

/// `/unsubscribe?token=…`: stops the weekly digest for the person the link names, in one
/// click and without signing in (a form, so that a mail scanner opening the link changes
/// nothing).
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let query = use_query_map();
    let token = StoredValue::new(query.read_untracked().get("token").unwrap_or_default());
    let done = query.read_untracked().get("done").is_some();
    let stop = ServerAction::<Unsubscribe>::new();
    let stopped = Signal::derive(move || {
        (done || matches!(stop.value().get(), Some(Ok(_))))
            .then(|| "Done: you will not get the weekly digest any more. Turn it back on under Mail you get, on your profile.".to_owned())
    });
    view! {
        <Title text="Stop the weekly digest"/>
        <section class="card narrow">
            <h1>"Stop the weekly digest"</h1>
            <FormAlert message=stopped success=true/>
            <FormAlert message=action_error(stop.value())/>
            <Show when=move || stopped.get().is_none()>
                <p>"Your digest's link brought you here. Stop it with the button; other mail (security notices) is not affected."</p>
                <ActionForm action=stop>
                    <input type="hidden" name="token" value=token.get_value()/>
                    <button type="submit" class="button">"Stop the weekly digest"</button>
                </ActionForm>
            </Show>
            <p class="muted small"><a href="/settings/profile#mail">"Change all your mail choices on your profile"</a>" (you will be asked to sign in)."</p>
        </section>
    }
}
