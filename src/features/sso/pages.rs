//! Admin → Single sign-on (`/admin/sso`): the connection to the company's provider, a test,
//! and whether its people must sign in through it; and `/login/company`, where a person
//! starts a company sign-in with their address. Plain forms: the same without JavaScript.

use super::{CompanySignIn, EnforceSso, RemoveSso, SaveSso, SignInProblem, SsoView, TestSso};
use crate::components::{
    action_error, error_alert, field_error, form_error, AdminHead, FormAlert, RequireAdmin,
    SubmitButton, TextField,
};
use crate::i18n::*;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveSso>,
    test: ServerAction<TestSso>,
    remove: ServerAction<RemoveSso>,
    enforce: ServerAction<EnforceSso>,
}

impl Actions {
    fn version(&self) -> usize {
        self.save.version().get()
            + self.test.version().get()
            + self.remove.version().get()
            + self.enforce.version().get()
    }

    fn error(&self) -> Signal<Option<String>> {
        let all = [
            action_error(self.test.value()),
            action_error(self.remove.value()),
            action_error(self.enforce.value()),
        ];
        Signal::derive(move || all.iter().find_map(|e| e.get()))
    }

    fn done(&self) -> Option<&'static str> {
        if matches!(self.save.value().get(), Some(Ok(()))) {
            return Some("saved");
        }
        if matches!(self.remove.value().get(), Some(Ok(()))) {
            return Some("removed");
        }
        match self.enforce.value().get() {
            Some(Ok(())) => Some("enforce_changed"),
            _ => None,
        }
    }
}

fn saved_words(what: &str) -> Option<String> {
    Some(
        match what {
            "saved" => "Saved. Test the connection, then sign in through it once as an administrator.",
            "removed" => "Single sign-on removed: everyone signs in with their password again.",
            "enforced" => "Your people must now sign in through your provider. Your own password keeps working, for emergencies.",
            "relaxed" => "Your people may sign in with their password again.",
            "enforce_changed" => "Saved: who may sign in with a password changes at once.",
            _ => return None,
        }
        .to_owned(),
    )
}

type Tested = Option<Resource<Result<Option<String>, crate::error::AppError>>>;

#[component]
pub fn AdminSsoPage() -> impl IntoView {
    // Without JavaScript the test's post comes back with `?tested=1`; what it found is read
    // here, outside the views that render again while the page waits, so exactly once.
    let tested = use_query_map().with_untracked(|q| q.get("tested").is_some());
    let tested = tested.then(|| Resource::new(|| (), |_| super::sso_tested()));
    view! {
        <Title text="Single sign-on"/>
        <RequireAdmin>
            <AdminSso tested/>
        </RequireAdmin>
    }
}

#[component]
fn AdminSso(tested: Tested) -> impl IntoView {
    let a = Actions {
        save: ServerAction::new(),
        test: ServerAction::new(),
        remove: ServerAction::new(),
        enforce: ServerAction::new(),
    };
    let data = Resource::new(move || a.version(), |_| super::admin_sso());
    view! {
        <AdminHead tab="/admin/sso" done=Signal::derive(move || a.done()) words=saved_words error=a.error()/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || data.get().map(|res| match res {
                Ok(v) => view! { <Sso v a tested/> }.into_any(),
                Err(e) => error_alert(&e),
            })}
        </Suspense>
    }
}

#[component]
fn Sso(v: SsoView, a: Actions, tested: Tested) -> impl IntoView {
    let save = a.save.value();
    let tested = Signal::derive(move || match a.test.value().get() {
        Some(Ok(found)) => Some(found),
        _ => tested.and_then(|r| r.get()).and_then(Result::ok).flatten(),
    });
    let map_text = v
        .group_links
        .iter()
        .map(|l| format!("{} = {}", l.provider_group, l.group_name))
        .collect::<Vec<_>>()
        .join("\n");
    let admin_text = v.admin_groups.join("\n");
    let domains = if v.verified_domains.is_empty() {
        "Your company has no verified domain yet (Admin → Sign-in): people can sign in through the provider only once an administrator has linked their account, or after an invitation.".to_owned()
    } else {
        format!(
            "People whose provider-confirmed address is at {} get a member's account at their first sign-in.",
            v.verified_domains.join(", ")
        )
    };
    let groups_hint = if v.groups.is_empty() {
        "No groups yet: create them on Admin → Groups to map provider groups to them.".to_owned()
    } else {
        format!("Your groups: {}.", v.groups.join(", "))
    };
    let secret_hint = if v.secret_stored {
        "Stored, never shown. Leave empty to keep it."
    } else {
        "The secret your provider made for Digame."
    };
    let (issuer, client_id, scopes, claim) = (
        v.issuer.clone(),
        v.client_id.clone(),
        v.scopes.clone(),
        v.groups_claim.clone(),
    );
    view! {
        <section class="card" id="connection" aria-labelledby="sso-heading">
            <h2 id="sso-heading">"Your identity provider (OpenID Connect)"</h2>
            <p class="muted">"Let your people sign in with the accounts they already have at Okta, Microsoft Entra ID, Google Workspace, Keycloak or any OpenID Connect provider. Register Digame there as a web application with this redirect address:"</p>
            <dl class="record">
                <dt>"Redirect address"</dt>
                <dd><code class="redirect-url">{v.redirect_url.clone()}</code></dd>
                <dt>"Sign-in address"</dt>
                <dd><code>{v.start_url.clone()}</code></dd>
            </dl>
            <p class="muted">{domains}</p>
            <ActionForm action=a.save>
                <FormAlert message=form_error(save)/>
                <TextField label="Issuer address" name="issuer" kind="url" maxlength=2048
                    hint="Like https://acme.okta.com or https://login.microsoftonline.com/<tenant>/v2.0"
                    value=Signal::derive(move || issuer.clone()) error=field_error(save, "issuer")/>
                <TextField label="Client ID" name="client_id" maxlength=512
                    value=Signal::derive(move || client_id.clone()) error=field_error(save, "client_id")/>
                <TextField label="Client secret" name="client_secret" kind="password" maxlength=4096
                    required=!v.secret_stored hint=secret_hint autocomplete="new-password"
                    error=field_error(save, "client_secret")/>
                <TextField label="Scopes" name="scopes" maxlength=512 required=false
                    hint="Space-separated; openid is always asked for."
                    value=Signal::derive(move || scopes.clone()) error=field_error(save, "scopes")/>
                <TextField label="Groups claim" name="groups_claim" maxlength=128 required=false
                    hint="The ID token claim that lists a person's groups."
                    value=Signal::derive(move || claim.clone()) error=field_error(save, "groups_claim")/>
                <div class="field">
                    <label for="field-admin_groups">"Administrators' groups"</label>
                    <p class="hint" id="field-admin_groups-hint">"Provider groups whose people are administrators here, one per line. Leave empty to keep roles in Digame; when set, roles are read again at every sign-in."</p>
                    <textarea id="field-admin_groups" name="admin_groups" rows="2" aria-describedby="field-admin_groups-hint">{admin_text}</textarea>
                </div>
                <div class="field">
                    <label for="field-group_map">"Groups from the provider"</label>
                    <p class="hint" id="field-group_map-hint">"One per line: provider group = Digame group. People are put in (and taken out of) the Digame group at each sign-in. " {groups_hint}</p>
                    <textarea id="field-group_map" name="group_map" rows="3" aria-describedby="field-group_map-hint"
                        placeholder="Sales-EMEA = Sales">{map_text}</textarea>
                    {move || field_error(save, "group_map").get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                </div>
                <button type="submit" class="button" disabled=move || a.save.pending().get()>"Save the connection"</button>
            </ActionForm>
        </section>
        <Show when=move || v.configured>
            <section class="card" id="test" aria-labelledby="test-heading">
                <h2 id="test-heading">"Test the connection"</h2>
                <p class="muted">"Reads the provider's configuration at the issuer address and says what it found."</p>
                {move || tested.get().map(|t| view! { <p class="alert alert-success test-result" role="status">{t}</p> })}
                <ActionForm action=a.test attr:class="form-row row-form">
                    <button type="submit" class="button button-small" disabled=move || a.test.pending().get()>
                        {move || if a.test.pending().get() { "Testing…" } else { "Test the connection" }}
                    </button>
                </ActionForm>
            </section>
            <Enforcement enforced=v.enforced admin_signed_in=v.admin_signed_in enforced_by=v.enforced_by.clone() a/>
            <section class="card" aria-labelledby="remove-heading">
                <h2 id="remove-heading">"Remove single sign-on"</h2>
                <p class="muted">"People who have no password will need to choose one (\"Forgot your password?\") to sign in."</p>
                <ActionForm action=a.remove attr:class="form-row row-form">
                    <button type="submit" class="button button-small button-danger-quiet">"Remove the connection"</button>
                </ActionForm>
            </section>
        </Show>
    }
}

#[component]
fn Enforcement(
    enforced: bool,
    admin_signed_in: bool,
    enforced_by: Option<String>,
    a: Actions,
) -> impl IntoView {
    let (now, button, value) = if enforced {
        (
            format!(
                "Now: your people must sign in through your provider; passwords and password resets are refused. {} keeps a password, for emergencies.",
                enforced_by.unwrap_or_else(|| "The administrator who required it".into())
            ),
            "Let people sign in with a password again",
            "false",
        )
    } else if admin_signed_in {
        (
            "Now: people may sign in with a password or through your provider.".to_owned(),
            "Require sign-in through the provider",
            "true",
        )
    } else {
        (
            "An administrator must sign in through the provider once (sign out, then use “Sign in with your company”) before it can be required.".to_owned(),
            "Require sign-in through the provider",
            "true",
        )
    };
    view! {
        <section class="card" id="enforce" aria-labelledby="enforce-heading">
            <h2 id="enforce-heading">"Require single sign-on"</h2>
            <p class="muted">{now}</p>
            <ActionForm action=a.enforce attr:class="form-row row-form">
                <input type="hidden" name="enforced" value=value/>
                <button type="submit" class="button button-small" disabled=!enforced && !admin_signed_in>{button}</button>
            </ActionForm>
        </section>
    }
}

/// `/login/company`: an address in, the company's sign-in out.
#[component]
pub fn CompanySignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let problem = Signal::derive(move || {
        query
            .read()
            .get("error")
            .and_then(|c| SignInProblem::parse(&c))
            .map(|p| p.words().to_owned())
    });
    let action = ServerAction::<CompanySignIn>::new();
    let value = action.value();
    let l = crate::locale::current();
    view! {
        <Title text=td_string!(l, auth.company.title)/>
        <section class="card narrow auth-card">
            <h1>{td_string!(l, auth.company.title)}</h1>
            <p class="muted">{td_string!(l, auth.company.intro)}</p>
            <FormAlert message=problem/>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <input type="hidden" name="next" value=next/>
                <TextField label=td_string!(l, auth.work_email) name="email" kind="email" autocomplete="email"
                    maxlength=254 error=field_error(value, "email")/>
                <SubmitButton pending=action.pending() label=td_string!(l, auth.company.submit)
                    busy=td_string!(l, auth.company.submitting)/>
            </ActionForm>
            <p class="muted"><a href="/login">{td_string!(l, auth.company.password_instead)}</a></p>
        </section>
    }
}
