//! `/settings/api-keys`: one row per key the tools use, plus custom keys. Every action is a
//! form that works without JavaScript; with it, the list updates in place.

use super::{ApiKeyRow, ConfirmKeyAddress, DeleteApiKey, KeyCheckOutcome, SaveApiKey, TestApiKey};
use crate::components::{field_error, form_error, FormAlert, RequireUser, TextField};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveApiKey>,
    delete: ServerAction<DeleteApiKey>,
    test: ServerAction<TestApiKey>,
    confirm: ServerAction<ConfirmKeyAddress>,
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    view! {
        <Title text="API keys"/>
        <RequireUser>
            <ApiKeysPanel/>
        </RequireUser>
    }
}

#[component]
fn ApiKeysPanel() -> impl IntoView {
    let actions = Actions {
        save: ServerAction::<SaveApiKey>::new(),
        delete: ServerAction::<DeleteApiKey>::new(),
        test: ServerAction::<TestApiKey>::new(),
        confirm: ServerAction::<ConfirmKeyAddress>::new(),
    };
    let keys = Resource::new(
        move || {
            (
                actions.save.version().get(),
                actions.delete.version().get(),
                actions.confirm.version().get(),
            )
        },
        |_| super::list_api_keys(),
    );
    let query = use_query_map();
    // What was done to a key is said on its own card (see `KeyRow`); only a custom key that
    // was deleted has no card left to say it on.
    let notice = Signal::derive(move || {
        let name = query.read().get("deleted")?;
        let is_tool_key = crate::domain::TOOLS
            .iter()
            .any(|t| t.key.name() == Some(name.as_str()));
        (!is_tool_key).then(|| format!("Deleted {name}."))
    });
    let delete_error = Signal::derive(move || {
        form_error(actions.delete.value())
            .get()
            .or_else(|| form_error(actions.confirm.value()).get())
    });
    view! {
        <section class="page-head">
            <h1>"API keys"</h1>
            <p class="muted">
                "The AI tools call outside services with your own keys. Keys are encrypted before they are \
                 stored and are never shown again: you will see only their last four characters."
            </p>
            <FormAlert message=notice success=true/>
            <FormAlert message=delete_error/>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading your keys…"</p> }>
            {move || keys.get().map(|res| match res {
                Ok(rows) => view! {
                    <ul class="key-list">
                        {rows.into_iter().map(|row| view! { <KeyRow row actions/> }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => crate::components::error_alert(&e),
            })}
        </Suspense>
        <CustomKeyForm actions/>
    }
}

#[component]
fn KeyRow(row: ApiKeyRow, actions: Actions) -> impl IntoView {
    let query = use_query_map();
    let name = row.name.clone();
    let has_key = row.stored.is_some();
    let confirming = {
        let name = name.clone();
        move || has_key && query.read().get("delete").as_deref() == Some(name.as_str())
    };
    // The "Test" result for this row: in place, or from a form post's redirect.
    let check = {
        let name = name.clone();
        Signal::derive(move || {
            if let Some(Ok(c)) = actions.test.value().get() {
                return (c.name == name).then_some(c.message);
            }
            let q = query.read();
            (q.get("tested").as_deref() == Some(name.as_str())).then(|| {
                KeyCheckOutcome::parse(&q.get("outcome").unwrap_or_default())
                    .map_or("Unknown result.", KeyCheckOutcome::message)
                    .to_owned()
            })
        })
    };
    // What the last form post did to this key (the page comes back scrolled to its card).
    let done = {
        let name = name.clone();
        Signal::derive(move || {
            let q = query.read();
            let mine = |what: &str| q.get(what).as_deref() == Some(name.as_str());
            if mine("saved") {
                Some("Key saved. Only its last four characters will be shown.".to_owned())
            } else if mine("confirmed") {
                Some(
                    "Confirmed: your key is sent to the tool's new address from now on.".to_owned(),
                )
            } else if mine("deleted") {
                Some("Key deleted.".to_owned())
            } else {
                None
            }
        })
    };
    let stored = row.stored.clone();
    let status = match &stored {
        None => view! { <span class="badge">"Not set"</span> }.into_any(),
        Some(s) if s.expired => view! { <span class="badge badge-warn">"Expired"</span> }.into_any(),
        Some(s) => view! { <span class="badge badge-ok">"Stored " <span class="mono">{s.masked.clone()}</span></span> }.into_any(),
    };
    let usage = match (&row.used_by, row.in_plan) {
        (Some(tool), Some(true)) if row.enabled == Some(true) => {
            format!("Used by {tool}, which is switched on for your company.")
        }
        (Some(tool), Some(true)) => {
            format!("Used by {tool}, which your administrators have switched off.")
        }
        (Some(tool), _) => format!(
            "Used by {tool}, which is not in your plan ({} includes it).",
            row.plan_needed.clone().unwrap_or_default()
        ),
        (None, _) => "A custom key of yours; no tool uses it yet.".to_owned(),
    };
    let second = row.second;
    // Before a key is stored: which service it will be sent to.
    let goes_to = row
        .goes_to
        .clone()
        .filter(|_| row.stored.is_none())
        .map(|address| {
            let which = if second {
                ", the second AI service your company uses for this tool."
            } else {
                ", the AI service your company uses for this tool."
            };
            view! {
                <p class="small muted" data-goes-to>
                    "A key saved here is sent only to " <span class="mono">{address}</span>
                    {which}
                </p>
            }
        });
    let optional = row.optional.then_some(if second {
        view! {
            <p class="muted small">"Optional: with it, your calls go to the second service when the first is down, busy or too slow."</p>
        }
    } else {
        view! {
            <p class="muted small">"Optional: the tool has a built-in analysis without it."</p>
        }
    });
    let field = |f: &str| format!("{name}.{f}");
    let value_error = field_error(actions.save.value(), field("value"));
    let expiry_error = field_error(actions.save.value(), field("expires_on"));
    let confirm_name = name.clone();
    let confirm_label = row.label.clone();
    let test_name = name.clone();
    let delete_href = format!("/settings/api-keys?delete={name}");
    let origin_value = name.clone();
    let name_value = name.clone();
    let value_id = format!("{name}-value");
    let expires_id = format!("{name}-expires");
    // The dashboard links straight to a key's row.
    let anchor = name.clone();
    view! {
        <li class="key-row card" id=anchor data-key=name>
            <div class="key-head">
                <div>
                    <h2>{row.label.clone()}</h2>
                    <p class="mono small muted">{row.name.clone()}</p>
                </div>
                {status}
            </div>
            <p class="small">{usage}</p>
            {goes_to}
            {optional}
            {stored.clone().and_then(|s| s.held_for.map(|now| {
                let sent_to = s.sent_to.clone().unwrap_or_default();
                let confirm_name = name.clone();
                view! {
                    <div class="alert alert-warn" role="alert" data-held>
                        <p>
                            <strong>"Your key is on hold."</strong>
                            {format!(" You saved it for {sent_to}. Your company's administrators now send this tool's calls to {now}, \
                                       so Digame does not send your key there until you confirm. If you do not trust that address, \
                                       delete the key instead.")}
                        </p>
                        <ActionForm action=actions.confirm attr:class="inline-form">
                            <input type="hidden" name="name" value=confirm_name/>
                            <button type="submit" class="button button-small">{format!("Send my key to {now}")}</button>
                        </ActionForm>
                    </div>
                }
            }))}
            {stored.clone().map(|s| view! {
                <dl class="key-facts small">
                    <div><dt>"Sent only to"</dt><dd class="mono">{s.sent_to.unwrap_or_else(|| "No service (no tool uses it)".into())}</dd></div>
                    <div><dt>"Added"</dt><dd>{s.added}</dd></div>
                    <div><dt>"Last used by a tool"</dt><dd>{s.last_used.unwrap_or_else(|| "Never".into())}</dd></div>
                    <div><dt>"Expires"</dt><dd>{s.expires.unwrap_or_else(|| "No expiry".into())}</dd></div>
                </dl>
            })}
            <ActionForm action=actions.save attr:class="key-form">
                <input type="hidden" name="origin" value=origin_value/>
                <input type="hidden" name="name" value=name_value/>
                <TextField label=if has_key { "Replace with a new key" } else { "Key" } name="value"
                    id=value_id kind="password" autocomplete="off" maxlength=4096
                    error=value_error/>
                <TextField label="Expires on (optional)" name="expires_on" id=expires_id
                    kind="date" required=false error=expiry_error/>
                <button type="submit" class="button button-small">{if has_key { "Replace key" } else { "Save key" }}</button>
            </ActionForm>
            {has_key.then(move || view! {
                <div class="key-actions">
                    <ActionForm action=actions.test attr:class="inline-form">
                        <input type="hidden" name="name" value=test_name/>
                        <button type="submit" class="button button-small button-quiet">"Test"</button>
                    </ActionForm>
                    <a class="button button-small button-danger-quiet" href=delete_href>"Delete…"</a>
                </div>
            })}
            <div role="status" aria-live="polite" class="alert-slot">
                {move || done.get().map(|m| view! { <p class="alert alert-success">{m}</p> })}
                {move || check.get().map(|m| view! { <p class="alert alert-info">{m}</p> })}
            </div>
            {move || confirming().then(|| {
                let name = confirm_name.clone();
                let label_id = format!("{name}-confirm");
                let labelledby = label_id.clone();
                view! {
                    <div class="confirm" role="alertdialog" aria-labelledby=labelledby>
                        <p id=label_id>
                            <strong>{format!("Delete {}?", confirm_label)}</strong>
                            " Tools that use it stop working until you add a key again."
                        </p>
                        <ActionForm action=actions.delete attr:class="inline-form">
                            <input type="hidden" name="name" value=name/>
                            <button type="submit" class="button button-small button-danger">"Delete key"</button>
                        </ActionForm>
                        <a class="button button-small button-quiet" href="/settings/api-keys">"Cancel"</a>
                    </div>
                }
            })}
        </li>
    }
}

#[component]
fn CustomKeyForm(actions: Actions) -> impl IntoView {
    let value = actions.save.value();
    view! {
        <section class="card custom-key">
            <h2>"Add another key"</h2>
            <p class="muted small">"For a service of your own. Names use lowercase letters, digits and underscores."</p>
            <ActionForm action=actions.save>
                <input type="hidden" name="origin" value="new"/>
                <TextField label="Key name" name="name" id="new-name" maxlength=64 error=field_error(value, "new.name")/>
                <TextField label="Key" name="value" id="new-value" kind="password" maxlength=4096
                    error=field_error(value, "new.value")/>
                <TextField label="Expires on (optional)" name="expires_on" id="new-expires" kind="date"
                    required=false error=field_error(value, "new.expires_on")/>
                <button type="submit" class="button">"Add key"</button>
            </ActionForm>
        </section>
    }
}
