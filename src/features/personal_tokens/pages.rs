//! The personal-token cards: the person's own (on `/settings/security`) and every member's
//! for tenant admins (`/admin/tokens`). Plain forms: they work without JavaScript.

use super::{
    CreatePersonalToken, CreatedToken, MemberToken, MemberTokenPage, PersonalToken,
    RevokePersonalToken, TokenPage,
};
use crate::components::{
    admin_tabs, field_error, form_error, page_href, page_number, pager, CopyText, FormAlert,
    IslandCode, RequireAdmin, TextField,
};
use crate::error::AppError;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::params::ParamsMap;

/// The token made by a plain form post, read once by the page (see `SecurityPage`).
pub type ShownOnce = Option<Resource<Result<Option<CreatedToken>, AppError>>>;

/// The one-time reading of a token just made without JavaScript, started by the page.
pub fn shown_once() -> ShownOnce {
    let created =
        leptos_router::hooks::use_query_map().with_untracked(|q| q.get("token_created").is_some());
    created.then(|| Resource::new(|| (), |_| super::new_personal_token()))
}

#[component]
fn RevokeButton(
    token: PersonalToken,
    back_to: &'static str,
    action: ServerAction<RevokePersonalToken>,
) -> impl IntoView {
    let label = format!("Revoke {}", token.name);
    view! {
        <ActionForm action=action attr:class="inline-form">
            <input type="hidden" name="token_id" value=token.id/>
            <input type="hidden" name="back_to" value=back_to/>
            <button type="submit" class="button button-small button-danger" aria-label=label>"Revoke"</button>
        </ActionForm>
    }
}

/// A token's scope in words.
fn scope_label(scope: &str) -> &'static str {
    match scope {
        "write" => "Read and write",
        "admin" => "Admin",
        _ => "Read only",
    }
}

fn state_of(t: &PersonalToken) -> String {
    if t.expired {
        format!("Expired {}", crate::util::time_words(&t.expires))
    } else {
        format!("Until {}", crate::util::time_words(&t.expires))
    }
}

/// The person's tokens: make one (its secret shown once), see when each was last used,
/// revoke.
#[component]
pub fn PersonalTokens(shown_once: ShownOnce) -> impl IntoView {
    let create = ServerAction::<CreatePersonalToken>::new();
    let revoke = ServerAction::<RevokePersonalToken>::new();
    let query = leptos_router::hooks::use_query_map();
    let page = move || page_number(&query.read().get("tokens_page").unwrap_or_default());
    let list = Resource::new(
        move || (page(), create.version().get(), revoke.version().get()),
        |(page, ..)| super::list_personal_tokens(Some(page)),
    );
    let value = create.value();
    let created = Signal::derive(move || match value.get() {
        Some(Ok(c)) => Some(c),
        _ => shown_once
            .and_then(|r| r.get())
            .and_then(Result::ok)
            .flatten(),
    });
    let revoked = Signal::derive(move || {
        (matches!(revoke.value().get(), Some(Ok(())))
            || query.read().get("token_revoked").is_some())
        .then(|| "The token was revoked: scripts using it are refused from now on.".to_owned())
    });
    view! {
        <section class="card tokens-card" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"Personal access tokens"</h2>
            <p class="muted">"For scripts that use the JSON API (/api/v1) as you: send the token in the header "
                <code>"Authorization: Bearer <token>"</code>". A token does only what its scope allows, and never manages your account (tokens, password, two-factor sign-in, sessions, deletion); it ends when you revoke it, when it expires, or when your password changes. "
                <a href="/developers/api">"What the API does"</a>"."</p>
            <ActionForm action=create>
                <FormAlert message=form_error(value)/>
                <TextField label="Token name" name="name" id="token-name" maxlength=60
                    hint="What will use it, e.g. “nightly export”." error=field_error(value, "name")/>
                <div class="field">
                    <label for="token-expiry">"Expires after"</label>
                    <select id="token-expiry" name="expires_in_days">
                        <option value="7">"7 days"</option>
                        <option value="30" selected>"30 days"</option>
                        <option value="90">"90 days"</option>
                        <option value="365">"365 days"</option>
                    </select>
                    {move || field_error(value, "expires_in_days").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for="token-scope">"What it may do"</label>
                    <select id="token-scope" name="scope">
                        <option value="read" selected>"Read only"</option>
                        <option value="write">"Read and write your own data"</option>
                        <option value="admin">"Admin: also your company's settings (administrators only)"</option>
                    </select>
                    {move || field_error(value, "scope").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <button type="submit" class="button" disabled=move || create.pending().get()>"Create token"</button>
            </ActionForm>
            <Transition fallback=|| ()>
                {move || created.get().map(|c| {
                    let secret = c.secret.clone();
                    let label = "Copy the token".to_owned();
                    view! {
                        <div class="alert alert-success" role="status" data-new-token>
                            <p>{format!("Token “{}” created, valid until {}. Copy it now: it is shown only this once.", c.name, crate::util::time_words(&c.expires))}</p>
                            <p><code class="invite-link" data-testid="token-secret">{c.secret}</code></p>
                            <CopyText text=secret label/>
                            <IslandCode/>
                        </div>
                    }
                })}
            </Transition>
            <FormAlert message=revoked success=true/>
            <FormAlert message=form_error(revoke.value())/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || list.get().map(|res| match res {
                    Ok(TokenPage { tokens, .. }) if tokens.is_empty() => view! { <p class="muted">"You have no tokens."</p> }.into_any(),
                    Ok(TokenPage { tokens, paging }) => view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"Scope"</th><th scope="col">"Created"</th><th scope="col">"Expires"</th>
                                    <th scope="col">"Last used"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr></thead>
                                <tbody>
                                    {tokens.into_iter().map(|t| { let name = t.name.clone(); view! {
                                        <tr data-token=name>
                                            <td>{t.name.clone()}</td>
                                            <td>{scope_label(&t.scope)}</td>
                                            <td>{crate::util::time_words(&t.created)}</td>
                                            <td>{state_of(&t)}</td>
                                            <td>{t.last_used.as_deref().map_or_else(|| "Never".into(), crate::util::time_words)}</td>
                                            <td><RevokeButton token=t back_to="/settings/security" action=revoke/></td>
                                        </tr>
                                    }}).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {pager(paging, "Pages of tokens", ("← Newer", "Older →"), move |n| {
                            let page = page_href("/settings/security", &ParamsMap::new(), &[], "tokens_page", n);
                            format!("{page}#tokens-heading")
                        })}
                    }.into_any(),
                    Err(e) => crate::components::error_alert(&e),
                })}
            </Suspense>
        </section>
    }
}

/// `/admin/tokens`: every member's personal access tokens, revocable.
#[component]
pub fn AdminTokensPage() -> impl IntoView {
    view! {
        <Title text="API tokens"/>
        <RequireAdmin>
            <MemberTokens/>
        </RequireAdmin>
    }
}

#[component]
fn MemberTokens() -> impl IntoView {
    let revoke = ServerAction::<RevokePersonalToken>::new();
    let query = leptos_router::hooks::use_query_map();
    let page = move || page_number(&query.read().get("page").unwrap_or_default());
    let list = Resource::new(
        move || (page(), revoke.version().get()),
        |(page, _)| super::member_tokens(Some(page)),
    );
    let revoked = Signal::derive(move || {
        (matches!(revoke.value().get(), Some(Ok(()))) || query.read().get("revoked").is_some())
            .then(|| "The token was revoked.".to_owned())
    });
    view! {
        <section class="page-head">
            <h1>"Administration"</h1>
            {admin_tabs("/admin/tokens")}
        </section>
        <section class="card">
            <h2>"Members' API tokens"</h2>
            <p class="muted">"Personal access tokens your members made for scripts. Revoke one you do not recognise; its owner sees it gone from their list."</p>
            <FormAlert message=revoked success=true/>
            <FormAlert message=form_error(revoke.value())/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || list.get().map(|res| match res {
                    Ok(MemberTokenPage { tokens, .. }) if tokens.is_empty() => view! { <p class="muted">"No member has a token."</p> }.into_any(),
                    Ok(MemberTokenPage { tokens, paging }) => view! {
                        <MemberTokenTable tokens revoke/>
                        {pager(paging, "Pages of tokens", ("← Newer", "Older →"), |n| {
                            page_href("/admin/tokens", &ParamsMap::new(), &[], "page", n)
                        })}
                    }.into_any(),
                    Err(e) => crate::components::error_alert(&e),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn MemberTokenTable(
    tokens: Vec<MemberToken>,
    revoke: ServerAction<RevokePersonalToken>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead><tr>
                    <th scope="col">"Member"</th><th scope="col">"Token"</th><th scope="col">"Scope"</th><th scope="col">"Created"</th>
                    <th scope="col">"Expires"</th><th scope="col">"Last used"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {tokens.into_iter().map(|m| { let name = m.token.name.clone(); view! {
                        <tr data-token=name>
                            <td>{m.owner_name}<br/><span class="muted small">{m.owner_email}</span></td>
                            <td>{m.token.name.clone()}</td>
                            <td>{scope_label(&m.token.scope)}</td>
                            <td>{crate::util::time_words(&m.token.created)}</td>
                            <td>{state_of(&m.token)}</td>
                            <td>{m.token.last_used.as_deref().map_or_else(|| "Never".into(), crate::util::time_words)}</td>
                            <td><RevokeButton token=m.token back_to="/admin/tokens" action=revoke/></td>
                        </tr>
                    }}).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
