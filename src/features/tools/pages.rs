//! What every tool page shares: the frame that checks access first and, for a locked
//! tool, explains what unlocks it (with the link to act) instead of a dead form; and the
//! notice that answers come from the built-in test service in demo mode.

use super::{ToolAccess, ToolCard, ToolId};
use crate::components::{error_alert, RequireUser};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// The link that unlocks a locked tool, where the person can act on it.
pub fn unlock_action(card: &ToolCard, is_admin: bool) -> Option<AnyView> {
    match &card.access {
        ToolAccess::NeedsKey { key } => Some(
            view! { <a class="button button-small" href=format!("/settings/api-keys#{key}")>"Add your key"</a> }
                .into_any(),
        ),
        ToolAccess::SwitchedOff if is_admin => Some(
            view! { <a class="button button-small" href="/admin/features">"Switch it on"</a> }
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
    view! {
        <Title text=info.title/>
        <RequireUser>
            <section class="page-head">
                <h1>{info.title}</h1>
                <p class="muted">{intro}</p>
            </section>
            <ToolGate tool children=children.get_value()/>
        </RequireUser>
    }
}

#[component]
fn ToolGate(tool: ToolId, children: ChildrenFn) -> impl IntoView {
    let status = Resource::new(|| (), move |_| super::tool_status(tool));
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || status.get().map(|res| match res {
                Ok(s) if matches!(s.card.access, ToolAccess::Available) => view! {
                    {s.demo.then(|| view! {
                        <p class="alert alert-info" role="note" data-demo>
                            "Demo mode: answers come from Digame's built-in test service, not a real AI model."
                        </p>
                    })}
                    {children.with_value(|c| c())}
                }.into_any(),
                Ok(s) => {
                    let action = unlock_action(&s.card, s.is_admin);
                    view! {
                        <section class="card tool-locked" data-locked>
                            <h2>"Not available to you yet"</h2>
                            <p>{s.card.message.clone()}</p>
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
    handle: StoredValue<Option<leptos::reactive::actions::ActionAbortHandle>, LocalStorage>,
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel {
            handle: StoredValue::new_local(None),
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

/// A tool form's answer when it was posted without JavaScript: the page is sent back with
/// `?answered=1` and reads the input and the answer kept in the session.
#[derive(Clone, Default)]
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

    /// The answer, or the error, as the server function gave it.
    pub fn result<T: serde::de::DeserializeOwned>(&self) -> Option<Result<T, AppError>> {
        let r = self.0.as_ref()?.get("result")?;
        serde_json::from_value(r.clone()).ok()
    }
}

/// Renders a tool's panel with the answer of a form posted without JavaScript, when the
/// page was sent back with one (`?answered=1`), else with none.
#[component]
pub fn WithPlainAnswer<F, V>(page: &'static str, render: F) -> impl IntoView
where
    F: Fn(PlainAnswer) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let answered =
        leptos_router::hooks::use_query_map().with_untracked(|q| q.get("answered").is_some());
    if !answered {
        return render(PlainAnswer(None)).into_any();
    }
    let answer = Resource::new(|| (), move |_| super::plain_form_answer(page.to_owned()));
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {
                let render = render.clone();
                move || answer.get().map(|r| render(PlainAnswer(r.ok().flatten())))
            }
        </Suspense>
    }
    .into_any()
}
