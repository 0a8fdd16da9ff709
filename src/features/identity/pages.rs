//! "Name and email address" on the profile, and the pages the address change's links open.
//! Plain forms: they work the same without JavaScript.

use super::{
    ChangeEmail, ChangeName, CompanySignInWay, ConfirmEmailChange, IdentityView, UndoEmailChange,
    UnlinkCompanySignIn,
};
use crate::components::{action_error, error_alert, FormAlert};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn IdentityCard() -> impl IntoView {
    let name = ServerAction::<ChangeName>::new();
    let email = ServerAction::<ChangeEmail>::new();
    let unlink = ServerAction::<UnlinkCompanySignIn>::new();
    let current = Resource::new(
        move || name.version().get() + email.version().get() + unlink.version().get(),
        |_| super::my_identity(),
    );
    let query = use_query_map();
    let saved = Signal::derive(move || {
        if let Some(Ok(said)) = email.value().get() {
            return Some(said);
        }
        let via_form = query.read().get("saved");
        if matches!(unlink.value().get(), Some(Ok(()))) || via_form.as_deref() == Some("unlinked") {
            return Some(
                "Your company sign-in is unlinked: sign in with your password.".to_owned(),
            );
        }
        if query.read().get("linked").is_some() {
            return Some(
                "Your company sign-in is linked: you can sign in through it from now on."
                    .to_owned(),
            );
        }
        (matches!(name.value().get(), Some(Ok(()))) || via_form.as_deref() == Some("name"))
            .then(|| "Your name is saved.".to_owned())
    });
    let error = Signal::derive(move || {
        action_error(name.value())
            .get()
            .or_else(|| action_error(email.value()).get())
            .or_else(|| action_error(unlink.value()).get())
    });
    view! {
        <section class="card narrow" id="identity" aria-labelledby="identity-heading">
            <h2 id="identity-heading">"Name and email address"</h2>
            <FormAlert message=saved success=true/>
            <FormAlert message=error/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || current.get().map(|r| match r {
                    Ok(v) => view! { <Identity v name email unlink/> }.into_any(),
                    Err(e) => error_alert(&e),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Identity(
    v: IdentityView,
    name: ServerAction<ChangeName>,
    email: ServerAction<ChangeEmail>,
    unlink: ServerAction<UnlinkCompanySignIn>,
) -> impl IntoView {
    let password = match (v.password, v.two_factor) {
        (true, true) => "Your email address and password, then a code from your authenticator app.",
        (true, false) => "Your email address and password.",
        (false, _) => "No password: your account was made by your company's sign-in service. To have a password too, use “Forgot your password?” on the sign-in page.",
    };
    let company = v
        .company_sign_in
        .clone()
        .map(|c| company_way(c, v.password, unlink));
    view! {
        <ActionForm action=name attr:class="form-row row-form">
            <div class="field">
                <label for="identity-name">"Your name"</label>
                <input id="identity-name" name="name" type="text" required=true maxlength="100"
                    autocomplete="name" value=v.name.clone()/>
            </div>
            <button type="submit" class="button button-small">"Save name"</button>
        </ActionForm>
        <p>"Your address: "<strong data-testid="current-email">{v.email.clone()}</strong></p>
        {v.pending.map(|p| view! {
            <p class="alert alert-info" data-testid="pending-email">{format!(
                "A link was sent to {}: your address changes when it is opened (it works until {}).",
                p.new_email, p.expires
            )}</p>
        })}
        <ActionForm action=email>
            <div class="field">
                <label for="identity-email">"New email address"</label>
                <input id="identity-email" name="email" type="email" required=true maxlength="254"
                    autocomplete="email"/>
            </div>
            <div class="field">
                <label for="identity-password">"Your current password"</label>
                <input id="identity-password" name="password" type="password" required=true
                    autocomplete="current-password"/>
            </div>
            <p class="muted small">"We send a link to the new address; the change is made when you open it, and your current address is told, with a link to undo it for seven days."</p>
            <button type="submit" class="button button-small">"Send the link"</button>
        </ActionForm>
        <h3 id="sign-in-ways">"How you sign in"</h3>
        <ul class="plain-list" data-testid="sign-in-ways">
            <li>{password}</li>
            {company}
        </ul>
    }
}

fn company_way(
    c: CompanySignInWay,
    password: bool,
    unlink: ServerAction<UnlinkCompanySignIn>,
) -> impl IntoView {
    let CompanySignInWay {
        company,
        linked_as,
        link_url,
        required,
    } = c;
    match linked_as {
        Some(as_who) => {
            let can_unlink = password && !required;
            view! {
                <li>
                    {format!("Through {company}'s sign-in service, as {as_who}.")}
                    {required.then_some(" Your company requires it.")}
                    {can_unlink.then(|| view! {
                        <ActionForm action=unlink attr:class="form-row row-form">
                            <button type="submit" class="button button-small button-danger-quiet">"Unlink"</button>
                        </ActionForm>
                    })}
                </li>
            }
            .into_any()
        }
        None => view! {
            <li>
                {format!("{company} signs in through its own sign-in service. ")}
                <a href=link_url rel="external">"Link your company sign-in"</a>
            </li>
        }
        .into_any(),
    }
}

/// The one-click page behind a mailed link: `title`, what the button does (`form`, built
/// by the caller around its action), and the outcome.
fn link_page(
    title: &'static str,
    about: &'static str,
    value: Signal<Option<Result<String, crate::error::AppError>>>,
    done_words: &'static str,
    form: impl Fn(String) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    let done_by_form = query.read_untracked().get("done").is_some();
    let done = Signal::derive(move || match value.get() {
        Some(Ok(said)) => Some(said),
        _ => done_by_form.then(|| done_words.to_owned()),
    });
    view! {
        <Title text=title/>
        <section class="card narrow">
            <h1>{title}</h1>
            <FormAlert message=done success=true/>
            <FormAlert message=action_error(value)/>
            {move || done.get().is_none().then(|| view! { <p>{about}</p> {form(token.clone())} })}
            <p class="muted small"><a href="/login">"Sign in"</a></p>
        </section>
    }
}

/// `/account/email?token=…`: the link mailed to a new address.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let action = ServerAction::<ConfirmEmailChange>::new();
    link_page(
        "Confirm your new email address",
        "Your Digame account's address changes to the one this link was sent to when you press the button.",
        action.value().into(),
        "Done: your address is changed. Sign in with the new one from now on.",
        move |token| {
            view! {
                <ActionForm action>
                    <input type="hidden" name="token" value=token/>
                    <button type="submit" class="button">"Use this address"</button>
                </ActionForm>
            }
            .into_any()
        },
    )
}

/// `/account/email/undo?token=…`: the link mailed to the old address after a change.
#[component]
pub fn UndoEmailPage() -> impl IntoView {
    let action = ServerAction::<UndoEmailChange>::new();
    link_page(
        "Undo the change of address",
        "If you did not change your Digame account's address, put the old one back: every session is signed out, and you then choose a new password.",
        action.value().into(),
        "Done: the old address is back and every session was signed out. Choose a new password with “Forgot your password?” on the sign-in page.",
        move |token| {
            view! {
                <ActionForm action>
                    <input type="hidden" name="token" value=token/>
                    <button type="submit" class="button">"Put my old address back"</button>
                </ActionForm>
            }
            .into_any()
        },
    )
}
