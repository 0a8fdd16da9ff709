//! Admin → Provisioning (`/admin/provisioning`): the SCIM address and token to give the
//! company's identity provider. Plain forms: the same without JavaScript.

use super::{MakeScimToken, RevokeScimToken, ScimView};
use crate::components::{action_error, error_alert, AdminHead, CopyText, IslandCode, RequireAdmin};
use crate::error::AppError;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

type Made = Option<Resource<Result<Option<String>, AppError>>>;

fn saved_words(what: &str) -> Option<String> {
    Some(
        match what {
            "made" => "A new token was made. Give it to your provider now: the token before it no longer works.",
            "revoked" => "The token was revoked: your provider's next call is refused until you make a new one.",
            _ => return None,
        }
        .to_owned(),
    )
}

#[component]
pub fn AdminProvisioningPage() -> impl IntoView {
    // Without JavaScript the post comes back with `?made=1`; the token is read here, outside
    // the views that render again while the page waits, so exactly once.
    let made = use_query_map().with_untracked(|q| q.get("made").is_some());
    let made = made.then(|| Resource::new(|| (), |_| super::scim_token_made()));
    view! {
        <Title text="Provisioning"/>
        <RequireAdmin>
            <AdminProvisioning made/>
        </RequireAdmin>
    }
}

#[component]
fn AdminProvisioning(made: Made) -> impl IntoView {
    let make = ServerAction::<MakeScimToken>::new();
    let revoke = ServerAction::<RevokeScimToken>::new();
    let data = Resource::new(
        move || (make.version().get(), revoke.version().get()),
        |_| super::admin_scim(),
    );
    let done = Signal::derive(move || {
        if matches!(make.value().get(), Some(Ok(_))) {
            Some("made")
        } else if matches!(revoke.value().get(), Some(Ok(()))) {
            Some("revoked")
        } else {
            None
        }
    });
    let errors = [action_error(make.value()), action_error(revoke.value())];
    let error = Signal::derive(move || errors.iter().find_map(|e| e.get()));
    let token = Signal::derive(move || match make.value().get() {
        Some(Ok(m)) => Some(m.token),
        _ => made.and_then(|r| r.get()).and_then(Result::ok).flatten(),
    });
    view! {
        <AdminHead tab="/admin/provisioning" done words=saved_words error/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || data.get().map(|res| match res {
                Ok(v) => view! { <Provisioning v make revoke token/> }.into_any(),
                Err(e) => error_alert(&e),
            })}
        </Suspense>
    }
}

#[component]
fn Provisioning(
    v: ScimView,
    make: ServerAction<MakeScimToken>,
    revoke: ServerAction<RevokeScimToken>,
    token: Signal<Option<String>>,
) -> impl IntoView {
    let state = match &v.token {
        Some(t) => format!(
            "A token ending in …{} was made {}{}; {}.",
            t.hint,
            crate::util::time_words(&t.created_at),
            t.created_by
                .as_ref()
                .map(|n| format!(" by {n}"))
                .unwrap_or_default(),
            t.last_used_at
                .as_ref()
                .map(|u| format!("your provider last used it {}", crate::util::time_words(u)))
                .unwrap_or_else(|| "your provider has not used it yet".to_owned()),
        ),
        None => "No token yet: provisioning is off.".to_owned(),
    };
    let has_token = v.token.is_some();
    let provisioned = match v.provisioned {
        0 => "No account has been provisioned yet.".to_owned(),
        1 => "1 account is managed by your provider.".to_owned(),
        n => format!("{n} accounts are managed by your provider."),
    };
    view! {
        <section class="card" aria-labelledby="scim-heading">
            <h2 id="scim-heading">"Provisioning from your identity provider (SCIM 2.0)"</h2>
            <p class="muted">"Let Microsoft Entra ID, Okta or any SCIM 2.0 client make your people's accounts, keep their names and addresses, deactivate the people who leave (their sessions and API tokens end at once) and keep your groups and who is in them. Give your provider this address (Entra ID calls it the tenant URL, Okta the SCIM connector base URL) and a token:"</p>
            <dl class="record">
                <dt>"SCIM address"</dt>
                <dd><code class="scim-url">{v.base_url.clone()}</code></dd>
                <dt>"Token"</dt>
                <dd>{state}</dd>
            </dl>
            <p class="muted">{provisioned}</p>
            <Transition fallback=|| ()>
                {move || token.get().map(|t| {
                    let copy = t.clone();
                    view! {
                        <div class="alert alert-success" role="status" id="token">
                            <p>"Your provisioning token. Copy it into your provider now: it is shown only this once."</p>
                            <p><code class="invite-link" data-testid="scim-token">{t}</code></p>
                            <CopyText text=copy label="Copy the token".to_owned()/>
                            <IslandCode/>
                        </div>
                    }
                })}
            </Transition>
            <div class="form-row">
                <ActionForm action=make attr:class="inline-form">
                    <button type="submit" class="button button-small" disabled=move || make.pending().get()>
                        {if has_token { "Make a new token" } else { "Make a token" }}
                    </button>
                </ActionForm>
                <Show when=move || has_token>
                    <ActionForm action=revoke attr:class="inline-form">
                        <button type="submit" class="button button-small button-danger-quiet">"Revoke the token"</button>
                    </ActionForm>
                </Show>
            </div>
            <p class="muted small">"A new token ends the one before. The provider's settings for Entra ID and Okta are in the README's “SSO and SCIM” section."</p>
        </section>
    }
}
