//! A person's own data, for them to take away: `GET /settings/profile/export` answers one
//! JSON file of everything they own (profile, onboarding answers and steps, the names and
//! dates of their API keys and tokens — never a key value or a token —, tasks, saved
//! results, their AI calls and the audit events they caused). Only the signed-in person's
//! rows of their own company, never anyone else's; the export itself is audited. And
//! "Delete my account" ([`delete_my_account`]). Both sit on the profile page
//! ([`ProfilePage`]), which also reopens the setup wizard.

#[cfg(feature = "ssr")]
pub mod service;

/// Where the profile page's "Download my data" points.
pub const EXPORT_PATH: &str = "/settings/profile/export";

use crate::error::AppError;
use leptos::prelude::*;

/// Deletes the caller's account (and, when they are its only member, their company) after
/// checking their password; this session ends.
#[server(endpoint = "account/delete")]
pub async fn delete_my_account(password: String, code: Option<String>) -> Result<(), AppError> {
    use crate::error::ResultExt;
    use crate::web::ctx;
    let (state, person) = ctx::signed_in().await?;
    let deleted = service::delete(
        &state.db,
        &state.passwords,
        &state.keyring,
        &person,
        &password,
        code.as_deref().unwrap_or_default(),
    )
    .await?;
    let mut auth = ctx::auth_session().await?;
    auth.logout().await.or_internal("ending a session")?;
    tracing::info!(
        user_id = person.user.id,
        company_gone = deleted == service::Deleted::Company,
        "account deleted"
    );
    ctx::redirect_plain_form("/login?deleted=1");
    Ok(())
}

/// The profile page's card: the password, then the account is gone.
#[component]
pub fn DeleteAccount() -> impl IntoView {
    use crate::components::{field_error, form_error, FormAlert, TextField};
    let action = ServerAction::<DeleteMyAccount>::new();
    let value = action.value();
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(()))) {
            // A full load: nothing of the signed-in state survives.
            let _ = window().location().set_href("/login?deleted=1");
        }
    });
    view! {
        <section class="card narrow danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete my account"</h2>
            <p class="muted">"Removes your account and everything you own in Digame: keys, tokens, tasks, saved results, setup answers. It cannot be undone. If you are your company's only member, the company is deleted too; if you are its only administrator, make someone else one first."</p>
            <leptos::form::ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <TextField label="Your password, to confirm" name="password" id="delete-password" kind="password"
                    autocomplete="current-password" maxlength=128 error=field_error(value, "password")/>
                <TextField label="Code from your authenticator app" name="code" id="delete-code" kind="text"
                    autocomplete="one-time-code" maxlength=20 error=field_error(value, "code")
                    hint="Only if you turned on two-factor sign-in."/>
                <button type="submit" class="button button-danger" disabled=move || action.pending().get()>"Delete my account"</button>
            </leptos::form::ActionForm>
        </section>
    }
}

/// The person's recent sign-ins, and a button that ends every other session.
#[component]
pub fn YourActivity() -> impl IntoView {
    use crate::components::{form_error, FormAlert};
    use leptos::form::ActionForm;
    use leptos_router::hooks::use_query_map;
    let end = ServerAction::<crate::features::auth::EndOtherSessions>::new();
    let rows = Resource::new(
        move || end.version().get(),
        |_| crate::features::auth::my_activity(),
    );
    let query = use_query_map();
    let done = Signal::derive(move || {
        (matches!(end.value().get(), Some(Ok(()))) || query.read().get("sessions_ended").is_some())
            .then(|| "Every other session is signed out. This one stays.".to_owned())
    });
    view! {
        <section class="card narrow" id="activity" aria-labelledby="activity-title">
            <h2 id="activity-title">"Your activity"</h2>
            <p class="muted">"Your latest sign-ins. Something you do not recognise? Change your password and sign out everywhere else."</p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || rows.get().map(|res| match res {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No sign-ins yet: you signed up in this session."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap"><table class="table">
                            <thead><tr><th scope="col">"When"</th><th scope="col">"Browser"</th><th scope="col">"Address"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|r| view! {
                                    <tr><td>{crate::util::time_words(&r.at)}</td><td>{r.browser}</td><td>{if r.address.is_empty() { "unknown".to_owned() } else { r.address }}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table></div>
                    }.into_any(),
                    Err(e) => crate::components::error_alert(&e),
                })}
            </Suspense>
            <FormAlert message=done success=true/>
            <ActionForm action=end>
                <FormAlert message=form_error(end.value())/>
                <button type="submit" class="button button-quiet">"Sign out everywhere else"</button>
            </ActionForm>
        </section>
    }
}

/// `/settings/profile`: who you are here, and the way back into the setup wizard.
#[component]
pub fn ProfilePage() -> impl IntoView {
    use crate::components::{AuthState, RequireUser};
    use leptos_meta::Title;
    let auth = AuthState::use_context();
    view! {
        <Title text="Profile"/>
        <RequireUser>
            {move || auth.user.get().and_then(|r| r.ok()).flatten().map(|u| view! {
                <section class="card narrow">
                    <h1>"Your profile"</h1>
                    <dl class="review">
                        <div class="review-item"><dt>"Name"</dt><dd>{u.name.clone()}</dd></div>
                        <div class="review-item"><dt>"Email"</dt><dd>{u.email.clone()}</dd></div>
                        <div class="review-item"><dt>"Company"</dt><dd>{format!("{} ({} plan)", u.tenant_name, u.tier)}</dd></div>
                        <div class="review-item"><dt>"Role"</dt><dd>{if u.is_admin { "Administrator" } else { "Member" }}</dd></div>
                    </dl>
                    <h2>"Your setup"</h2>
                    <p class="muted">"Change your role, goals, preferences and the tools you want to explore."</p>
                    <p><a class="button" href="/onboarding?step=about">"Reopen the setup wizard"</a></p>
                    <h2>"Your data"</h2>
                    <p class="muted">"One JSON file of everything you have in Digame: your profile, setup answers, the names and dates of your API keys and tokens (never their values), tasks, saved results, your AI calls and the changes you made."</p>
                    <p><a class="button button-quiet" href=EXPORT_PATH download rel="external">"Download my data"</a></p>
                    <h2>"Your AI usage"</h2>
                    <p class="muted">"Your calls to the AI tools this month, tool by tool, what is left of today's allowance, and your last calls."</p>
                    <p><a class="button button-quiet" href="/settings/usage">"See your AI usage"</a></p>
                </section>
                <crate::features::identity::pages::IdentityCard/>
                <crate::features::ui_language::LanguageCard/>
                <crate::features::notifications::MailChoices/>
                <crate::features::model_choice::pages::ModelChoicesCard/>
                <YourActivity/>
                <DeleteAccount/>
            })}
        </RequireUser>
    }
}
