//! Admin → Sign-in (`/admin/sign-in`): the company's mail domains, the record that proves
//! each, and whether its people may join without an invitation; and `/join`, where they ask
//! to. Plain forms: they work the same without JavaScript.

use super::{
    ClaimDomain, DomainView, JoinByDomain, RemoveDomain, SetDomainJoin, SignInView, VerifyDomain,
};
use crate::components::{
    action_error, error_alert, field_error, form_error, AdminHead, FormAlert, RequireAdmin,
    TextField,
};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Copy)]
struct Actions {
    claim: ServerAction<ClaimDomain>,
    verify: ServerAction<VerifyDomain>,
    remove: ServerAction<RemoveDomain>,
    join: ServerAction<SetDomainJoin>,
}

impl Actions {
    fn version(&self) -> usize {
        self.claim.version().get()
            + self.verify.version().get()
            + self.remove.version().get()
            + self.join.version().get()
    }

    fn error(&self) -> Signal<Option<String>> {
        let all = [
            action_error(self.claim.value()),
            action_error(self.verify.value()),
            action_error(self.remove.value()),
            action_error(self.join.value()),
        ];
        Signal::derive(move || all.iter().find_map(|e| e.get()))
    }

    /// What the form that last succeeded did, as a word of `saved_words`.
    fn done(&self) -> Option<&'static str> {
        let ok = |done: bool, word| done.then_some(word);
        ok(matches!(self.claim.value().get(), Some(Ok(()))), "claimed")
            .or_else(|| {
                ok(
                    matches!(self.verify.value().get(), Some(Ok(()))),
                    "verified",
                )
            })
            .or_else(|| ok(matches!(self.remove.value().get(), Some(Ok(()))), "removed"))
            .or_else(|| ok(matches!(self.join.value().get(), Some(Ok(()))), "join"))
    }
}

fn saved_words(what: &str) -> Option<String> {
    Some(
        match what {
            "claimed" => "Domain claimed. Publish its TXT record below, then verify it.",
            "verified" => "Domain verified: it belongs to your company.",
            "removed" => "Domain removed.",
            "join" => "Saved: who may join by their address changes at once.",
            _ => return None,
        }
        .to_owned(),
    )
}

#[component]
pub fn AdminSignInPage() -> impl IntoView {
    view! {
        <Title text="Sign-in"/>
        <RequireAdmin>
            <AdminSignIn/>
        </RequireAdmin>
    }
}

#[component]
fn AdminSignIn() -> impl IntoView {
    let a = Actions {
        claim: ServerAction::new(),
        verify: ServerAction::new(),
        remove: ServerAction::new(),
        join: ServerAction::new(),
    };
    let data = Resource::new(move || a.version(), |_| super::admin_sign_in());
    view! {
        <AdminHead tab="/admin/sign-in" done=Signal::derive(move || a.done()) words=saved_words error=a.error()/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || data.get().map(|res| match res {
                Ok(v) => view! { <Domains v a/> }.into_any(),
                Err(e) => error_alert(&e),
            })}
        </Suspense>
    }
}

#[component]
fn Domains(v: SignInView, a: Actions) -> impl IntoView {
    let SignInView { domains, join_url } = v;
    let rows = domains
        .into_iter()
        .map(|d| domain_row(d, &join_url, a))
        .collect_view();
    view! {
        <section class="card" id="domains" aria-labelledby="domains-heading">
            <h2 id="domains-heading">"Domains"</h2>
            <p class="muted">"Claim the domain of your company's mail addresses and prove it with a DNS record. A verified domain belongs to your company alone; you may then let people with an address at it join without an invitation."</p>
            <ActionForm action=a.claim attr:class="form-row row-form">
                <div class="field">
                    <label for="new-domain">"Domain"</label>
                    <input id="new-domain" name="domain" type="text" required=true
                        maxlength="253" autocomplete="off" placeholder="acme.com" spellcheck="false"/>
                </div>
                <button type="submit" class="button button-small">"Claim"</button>
            </ActionForm>
        </section>
        {rows}
    }
}

fn domain_row(d: DomainView, join_url: &str, a: Actions) -> impl IntoView {
    let heading = format!("domain-{}-heading", d.id);
    let labelled_by = heading.clone();
    let id = d.id.to_string();
    let state = if d.verified {
        view! { <span class="badge badge-ok">"Verified"</span> }.into_any()
    } else {
        view! { <span class="badge">"Not verified yet"</span> }.into_any()
    };
    let when = match (&d.verified_on, &d.last_checked) {
        (Some(on), _) => Some(format!("Verified {on}.")),
        (None, Some(checked)) => Some(format!("Last looked for {checked}.")),
        (None, None) => None,
    };
    let body = if d.verified {
        join_form(&d, join_url, a).into_any()
    } else {
        record_steps(&d, a).into_any()
    };
    let missing = d.missing_since.clone().map(|since| {
        format!(
            "The daily check has not found the record since {since}: {} stops being verified on {} unless it is back.",
            d.domain,
            d.lapses_on.clone().unwrap_or_default()
        )
    });
    let remove_label = format!("Remove {}", d.domain);
    view! {
        <section class="card domain" id=format!("domain-{}", d.id) aria-labelledby=labelled_by data-domain=d.domain.clone()>
            <h2 id=heading>{d.domain.clone()}" "{state}</h2>
            {when.map(|w| view! { <p class="muted small">{w}</p> })}
            {missing.map(|m| view! { <p class="alert alert-warn" role="status">{m}</p> })}
            {body}
            <ActionForm action=a.remove attr:class="form-row row-form">
                <input type="hidden" name="domain" value=id/>
                <button type="submit" class="button button-small button-danger-quiet">{remove_label}</button>
            </ActionForm>
        </section>
    }
}

fn record_steps(d: &DomainView, a: Actions) -> impl IntoView {
    let id = d.id.to_string();
    view! {
        <p>"Add this TXT record at your DNS provider, then verify:"</p>
        <dl class="record">
            <dt>"Name"</dt>
            <dd><code class="record-name">{d.record_name.clone()}</code></dd>
            <dt>"Value"</dt>
            <dd><code class="record-value">{d.record_value.clone()}</code></dd>
        </dl>
        <ActionForm action=a.verify attr:class="form-row row-form">
            <input type="hidden" name="domain" value=id/>
            <button type="submit" class="button button-small">"Verify now"</button>
        </ActionForm>
    }
}

fn join_form(d: &DomainView, join_url: &str, a: Actions) -> impl IntoView {
    let id = d.id.to_string();
    let (now, button, open) = if d.open_join {
        (
            format!(
                "Now: anyone with an address at {} may join as a member, from {join_url}.",
                d.domain
            ),
            "Stop joining without an invitation",
            "false",
        )
    } else {
        (
            format!("Now: people at {} need an invitation.", d.domain),
            "Let them join without an invitation",
            "true",
        )
    };
    view! {
        <p class="muted">{now}</p>
        <ActionForm action=a.join attr:class="form-row row-form">
            <input type="hidden" name="domain" value=id/>
            <input type="hidden" name="open" value=open/>
            <button type="submit" class="button button-small">{button}</button>
        </ActionForm>
    }
}

/// `/join`: a work address in, a link to join its company out by mail.
#[component]
pub fn JoinPage() -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<JoinByDomain>::new();
    let value = action.value();
    let sent = Signal::derive(move || {
        let to = match value.get() {
            Some(Ok(to)) => Some(to),
            _ => query.read().get("sent"),
        }?;
        Some(format!(
            "A link to join is on its way to {to}. Open it to choose your password; it works for 7 days."
        ))
    });
    view! {
        <Title text="Join your company"/>
        <section class="card narrow auth-card">
            <h1>"Join your company on Digame"</h1>
            <p class="muted">"If your company lets people with its mail address join, type yours: we will mail you a link to make your account."</p>
            <FormAlert message=sent success=true/>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <TextField label="Work email" name="email" kind="email" autocomplete="email"
                    maxlength=254 error=field_error(value, "email")/>
                <button type="submit" class="button button-wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Sending…" } else { "Mail me a link" }}
                </button>
            </ActionForm>
            <p class="muted">"Starting Digame for your company? " <a href="/register">"Create an account"</a></p>
            <p class="muted"><a href="/login">"Back to sign in"</a></p>
        </section>
    }
}
