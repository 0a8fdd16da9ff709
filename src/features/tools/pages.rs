//! What every tool page shares: the frame that checks access first and, for a locked
//! tool, explains what unlocks it (with the link to act) instead of a dead form; and the
//! notice that answers come from the built-in test service in demo mode.

use super::{ToolAccess, ToolCard, ToolId};
use crate::components::{error_alert, FormAlert, IslandCode, RequireUser, TextField};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// The link that unlocks a locked tool, where the person can act on it.
pub fn unlock_action(l: crate::locale::Locale, card: &ToolCard, is_admin: bool) -> Option<AnyView> {
    use crate::i18n::*;
    match &card.access {
        ToolAccess::NeedsKey { key } => Some(
            view! { <a class="button button-small" href=format!("/settings/api-keys#{key}")>{td_string!(l, tools.lock.add_key)}</a> }
                .into_any(),
        ),
        ToolAccess::SwitchedOff if is_admin => Some(
            view! { <a class="button button-small" href="/admin/features">{td_string!(l, tools.lock.switch_on)}</a> }
                .into_any(),
        ),
        ToolAccess::NotInGroup { .. } if is_admin => Some(
            view! { <a class="button button-small" href=format!("/admin/groups#tool-{}", card.flag.info().flag)>{td_string!(l, tools.lock.choose_groups)}</a> }
                .into_any(),
        ),
        _ => None,
    }
}

/// A tool's page: its heading, then `children` when the person may use the tool, or what
/// unlocks it.
#[component]
pub fn ToolPage(tool: ToolId, intro: &'static str, children: ChildrenFn) -> impl IntoView {
    let info = tool.info();
    let children = StoredValue::new(children);
    // Every load of the page is started here, once: a resource created inside a view that
    // re-renders while the server waits would be created again, and the browser, hydrating
    // once, would then read another resource's data.
    let status = Resource::new(|| (), move |_| super::tool_status(tool));
    let saved = Resource::new(|| (), move |_| super::saved_results(tool));
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let notices = NOTICES
        .iter()
        .filter(|n| query.get(n).is_some())
        .map(|n| (*n).to_owned())
        .collect();
    let compare = query.get("compare").and_then(|c| c.parse().ok());
    let answer = Resource::new(|| (), move |_| super::last_answer(tool));
    provide_context(ToolData {
        status,
        saved,
        answer,
        notices,
        compare,
    });
    view! {
        <Title text=info.title/>
        <RequireUser>
            <section class="page-head">
                <h1>{info.title}</h1>
                <p class="muted">{intro}</p>
            </section>
            <ToolGate status children=children.get_value()/>
        </RequireUser>
    }
}

/// What a tool page loads once for its panels.
#[derive(Clone)]
struct ToolData {
    status: Resource<Result<super::ToolState, AppError>>,
    saved: Resource<Result<Vec<super::SavedResult>, AppError>>,
    /// The person's last input and answer of the tool (kept a day, see `tools::last`).
    answer: Resource<Result<Option<serde_json::Value>, AppError>>,
    /// The notices in the page's address (`?kept=1`), see [`NOTICES`].
    notices: Vec<String>,
    /// `?compare=<id>`.
    compare: Option<i64>,
}

/// The notices a form posted without JavaScript may send the page back with: `kept` (a
/// result was saved), `added` (an action item became a task), `compared` is not one.
const NOTICES: [&str; 2] = ["kept", "added"];

#[component]
fn ToolGate(
    status: Resource<Result<super::ToolState, AppError>>,
    children: ChildrenFn,
) -> impl IntoView {
    let children = StoredValue::new(children);
    let l = crate::locale::current();
    let auth = crate::components::AuthState::use_context();
    view! {
        <Suspense fallback=move || view! { <p class="muted">{crate::i18n::td_string!(l, shell.loading)}</p> }>
            {move || status.get().map(|res| match res {
                Ok(s) if matches!(s.card.access, ToolAccess::Available) => view! {
                    {s.demo.then(|| view! {
                        <p class="alert alert-info" role="note" data-demo>
                            "Demo mode: answers come from Digame's built-in test service, not a real AI model."
                        </p>
                    })}
                    {children.with_value(|c| c())}
                    <IslandCode/>
                }.into_any(),
                Ok(s) => {
                    let action = unlock_action(l, &s.card, s.is_admin);
                    let (company, plan) = auth
                        .user
                        .get()
                        .and_then(|u| u.ok().flatten())
                        .map(|u| (u.tenant_name, u.tier))
                        .unwrap_or_default();
                    view! {
                        <section class="card tool-locked" data-locked>
                            <h2>{crate::i18n::td_string!(l, tools.lock.heading)}</h2>
                            <p>{super::words::lock_reason(l, &s.card, &company, &plan)}</p>
                            {action}
                        </section>
                    }.into_any()
                }
                Err(e) => error_alert(&e),
            })}
        </Suspense>
    }
}

/// A text box with its character count against `max`, its error, and its label.
#[component]
pub fn CountedText(
    label: &'static str,
    name: &'static str,
    max: usize,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = 8)] rows: u32,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let count_id = format!("{id}-count");
    let error_id = format!("{id}-error");
    let count = move || value.with(|v| v.chars().count());
    let over = Signal::derive(move || count() > max);
    let described = {
        let (count_id, error_id) = (count_id.clone(), error_id.clone());
        move || {
            if error.with(Option::is_some) {
                format!("{count_id} {error_id}")
            } else {
                count_id.clone()
            }
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint">{h}</p> })}
            <textarea
                id=id.clone()
                name=name
                rows=rows
                required=true
                aria-describedby=described
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            >{value.get_untracked()}</textarea>
            <p class="field-hint" id=count_id class:field-over=over>
                {move || format!("{} / {max} characters", count())}
            </p>
            {move || error.get().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

/// Shown while a tool call runs: what is happening, and a way to stop waiting.
#[component]
pub fn Working(
    #[prop(into)] pending: Signal<bool>,
    label: &'static str,
    on_cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <div role="status" aria-live="polite" class="alert-slot">
            <Show when=move || pending.get()>
                <p class="working">
                    <span class="spinner" aria-hidden="true"></span>
                    {label}
                    " "
                    <button type="button" class="button button-small button-quiet" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                </p>
            </Show>
        </div>
    }
}

/// Where a running tool call's abort handle is kept, and the callback that cancels it.
/// Cancelling stops waiting for the answer and leaves the input as it is.
#[derive(Clone, Copy)]
pub struct Cancel {
    handle: StoredValue<Option<leptos::reactive::actions::ActionAbortHandle>>,
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel {
            // Thread-safe storage: on the server the page may be dropped on another thread.
            handle: StoredValue::new(None),
        }
    }

    /// Keeps the handle of the call just dispatched.
    pub fn keep(&self, handle: leptos::reactive::actions::ActionAbortHandle) {
        self.handle.set_value(Some(handle));
    }

    pub fn callback(self) -> Callback<()> {
        Callback::new(move |_| {
            if let Some(h) = self.handle.try_update_value(Option::take).flatten() {
                h.abort();
            }
        })
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel::new()
    }
}

/// A labelled bar for a value from 0 to 1, with the percentage in text.
#[component]
pub fn Meter(#[prop(into)] label: String, value: f32) -> impl IntoView {
    let pct = (value.clamp(0.0, 1.0) * 100.0).round() as u32;
    view! {
        <div class="meter-row">
            <span class="meter-label">{label.clone()}</span>
            <meter min="0" max="100" value=pct aria-label=label></meter>
            <span class="meter-value">{format!("{pct} %")}</span>
        </div>
    }
}

/// The person's last input and answer of a tool, as kept for a day (`tools::last`): what the
/// page shows again after Back, a reload, or a form posted without JavaScript.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PlainAnswer(pub Option<serde_json::Value>);

impl PlainAnswer {
    /// A field of the input as it was posted.
    pub fn input(&self, field: &str) -> Option<String> {
        self.0
            .as_ref()?
            .get("input")?
            .get(field)?
            .as_str()
            .map(str::to_owned)
    }

    /// Whether the answer is still being written (a stream the page was left during).
    pub fn pending(&self) -> bool {
        self.0
            .as_ref()
            .and_then(|v| v.get("pending"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    }

    /// The answer, or the error, as the server function gave it.
    pub fn result<T: serde::de::DeserializeOwned>(&self) -> Option<Result<T, AppError>> {
        let r = self.0.as_ref()?.get("result")?;
        serde_json::from_value(r.clone()).ok()
    }
}

/// What a tool's island starts from, read on the server (an island sees no context in the
/// browser, so all of it travels as its props).
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct ToolStart {
    /// The person's last input and answer of the tool, if kept.
    pub answer: PlainAnswer,
    /// The person's saved results of the tool, newest first.
    pub saved: Result<Vec<super::SavedResult>, AppError>,
    /// Whether the person holds a key for the tool's service (else the built-in answer).
    pub has_key: bool,
    /// The notices in the page's address, see [`NOTICES`].
    pub notices: Vec<String>,
    /// The saved result to compare with (`?compare=<id>`).
    pub compare: Option<i64>,
    /// The signed-in person's address.
    pub email: String,
}

impl ToolStart {
    /// Whether the page came back with `notice` (`?kept=1`).
    pub fn says(&self, notice: &str) -> bool {
        self.notices.iter().any(|n| n == notice)
    }

    /// The saved-results list, for [`SavedResults`] and whatever else on the panel shows it
    /// (it is loaded again after a save or a delete).
    pub fn saved(&self) -> SavedStart {
        SavedStart {
            list: RwSignal::new(self.saved.clone()),
            kept: self.says("kept"),
        }
    }
}

/// Renders a tool's panel (an island) with what it starts from, once `ToolPage` loaded it.
#[component]
pub fn WithToolStart<F, V>(render: F) -> impl IntoView
where
    F: Fn(ToolStart) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let data = expect_context::<ToolData>();
    let auth = crate::components::AuthState::use_context();
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {
                let render = render.clone();
                let notices = data.notices.clone();
                move || {
                    let (render, notices) = (render.clone(), notices.clone());
                    Suspend::new(async move {
                        let email = auth.user.await.ok().flatten().map(|u| u.email);
                        let answer = data.answer.await.ok().flatten();
                        let has_key = data.status.await.is_ok_and(|s| s.has_key);
                        render(ToolStart {
                            answer: PlainAnswer(answer),
                            saved: data.saved.await,
                            has_key,
                            notices,
                            compare: data.compare,
                            email: email.unwrap_or_default(),
                        })
                    })
                }
            }
        </Suspense>
    }
}

/// What [`SavedResults`] shows: the list (as the page loaded it, then as loaded again after
/// each save or delete), and whether the page came back from a save (`?kept=1`).
#[derive(Clone, Copy)]
pub struct SavedStart {
    pub list: RwSignal<Result<Vec<super::SavedResult>, AppError>>,
    pub kept: bool,
}

/// "Save this result" for the result on screen, and the person's saved results of the
/// tool, each shown with `render` and deletable. Works without JavaScript too.
#[component]
pub fn SavedResults<T, F, V>(
    tool: ToolId,
    /// The result on screen, if any.
    #[prop(into)]
    current: Signal<Option<T>>,
    /// A default name for the result on screen.
    name: fn(&T) -> String,
    render: F,
    /// The list as the page loaded it.
    start: SavedStart,
) -> impl IntoView
where
    T: serde::Serialize + serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + Copy + 'static,
    V: IntoView + 'static,
{
    let save = ServerAction::<super::SaveResult>::new();
    let delete = ServerAction::<super::DeleteSavedResult>::new();
    // As the page loaded it; loaded again after a save or a delete.
    let list = start.list;
    Effect::new(move |_| {
        let saved = matches!(save.value().get(), Some(Ok(_)));
        let deleted = matches!(delete.value().get(), Some(Ok(())));
        if saved || deleted {
            leptos::task::spawn_local(async move { list.set(super::saved_results(tool).await) });
        }
    });
    let kept = Signal::derive(move || {
        (matches!(save.value().get(), Some(Ok(_))) || start.kept)
            .then(|| "Saved. It is listed under Saved results.".to_owned())
    });
    let flag = tool.info().flag;
    view! {
        {move || current.get().map(|r| {
            let payload = serde_json::to_string(&r).unwrap_or_default();
            view! {
                <section class="card" aria-labelledby="keep-heading">
                    <h2 id="keep-heading" class="visually-hidden">"Save this result"</h2>
                    <leptos::form::ActionForm action=save attr:class="keep-form">
                        <FormAlert message=kept success=true/>
                        <FormAlert message=crate::components::form_error(save.value())/>
                        <input type="hidden" name="tool" value=flag/>
                        <input type="hidden" name="payload" value=payload/>
                        <TextField label="Name" name="title" id="keep-title" maxlength=200
                            value=Signal::derive({ let n = name(&r); move || n.clone() })
                            error=crate::components::field_error(save.value(), "title")/>
                        <button type="submit" class="button button-quiet" disabled=move || save.pending().get()>"Save this result"</button>
                    </leptos::form::ActionForm>
                </section>
            }
        })}
        <section class="card" aria-labelledby="saved-heading">
            <h2 id="saved-heading">"Saved results"</h2>
            <FormAlert message=crate::components::form_error(delete.value())/>
            {move || match list.get() {
                    Ok(items) if items.is_empty() => view! {
                        <p class="muted small">"Nothing saved yet. Results are kept only when you save them; only you can see them."</p>
                    }.into_any(),
                    Ok(items) => view! {
                        <ul class="saved-list">
                            {items.into_iter().map(|item| {
                                let shown = serde_json::from_str::<T>(&item.payload).ok().map(render);
                                let delete_label = format!("Delete “{}”", item.title);
                                view! {
                                    <li data-saved=item.title.clone()>
                                        <details>
                                            <summary><strong>{item.title.clone()}</strong>" "<span class="muted small">{crate::util::time_words(&item.saved)}</span></summary>
                                            {shown}
                                        </details>
                                        <leptos::form::ActionForm action=delete attr:class="inline-form">
                                            <input type="hidden" name="tool" value=flag/>
                                            <input type="hidden" name="id" value=item.id.to_string()/>
                                            <button type="submit" class="button button-small button-danger-quiet">{delete_label}</button>
                                        </leptos::form::ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => error_alert(&e),
                }}
        </section>
    }
}
