use crate::error::AppError;
use leptos::prelude::*;

/// The message for one field from an action's last result.
pub fn field_error<T, S>(value: S, field: impl Into<String>) -> Signal<Option<String>>
where
    T: 'static,
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    let field: String = field.into();
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) if e.field() == Some(field.as_str()) => Some(e.message().to_owned()),
            _ => None,
        })
    })
}

/// The message of an action's last error that belongs to no field.
pub fn form_error<T, S>(value: S) -> Signal<Option<String>>
where
    T: 'static,
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) if e.field().is_none() => Some(e.message().to_owned()),
            _ => None,
        })
    })
}

/// The message of an action's last error, whatever it belongs to: for forms that show no
/// field of their own (a switch, a button), where a field's message would have nowhere to go.
pub fn action_error<T, S>(value: S) -> Signal<Option<String>>
where
    T: 'static,
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) => Some(e.message().to_owned()),
            _ => None,
        })
    })
}

/// A form-level message, announced to screen readers.
#[component]
pub fn FormAlert(
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(optional)] success: bool,
) -> impl IntoView {
    let class = if success {
        "alert alert-success"
    } else {
        "alert alert-error"
    };
    let role = if success { "status" } else { "alert" };
    view! {
        <div role=role aria-live="polite" class="alert-slot">
            {move || message.get().map(|m| view! { <p class=class>{m}</p> })}
        </div>
    }
}

/// A link around a translated phrase: `td!(l, key, <link> = link_to("/login"))` for a
/// translation such as `"Already have an account? <link>Sign in</link>"`, so each language
/// puts the link where its sentence needs it.
pub fn link_to(
    href: &'static str,
) -> impl Fn(ChildrenFn) -> AnyView + Clone + Send + Sync + 'static {
    move |children: ChildrenFn| view! { <a href=href>{children()}</a> }.into_any()
}

/// `<strong>` around a translated phrase (`td!(l, key, <strong> = strong)`).
pub fn strong(children: ChildrenFn) -> AnyView {
    view! { <strong>{children()}</strong> }.into_any()
}

/// A form's wide submit button, disabled and saying `busy` while the form is sent (in place,
/// with JavaScript; a plain form post leaves the page instead).
#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] label: String,
    #[prop(into)] busy: String,
) -> impl IntoView {
    view! {
        <button type="submit" class="button button-wide" disabled=move || pending.get()>
            {move || if pending.get() { busy.clone() } else { label.clone() }}
        </button>
    }
}

/// A labelled input with its hint and its error, wired for assistive technology.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    name: &'static str,
    /// Overrides the element id (`field-<name>`) when a page has several forms.
    #[prop(optional, into)]
    id: Option<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(into, default = Signal::derive(|| None))] error: Signal<Option<String>>,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(default = true)] required: bool,
    #[prop(optional)] readonly: bool,
    #[prop(optional, into)] value: Option<Signal<String>>,
    #[prop(optional)] on_input: Option<Callback<String>>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let has_hint = hint.is_some();
    let describedby = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                readonly=readonly
                minlength=minlength
                maxlength=maxlength
                value=move || value.map(|v| v.get())
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=describedby
                on:input=move |ev| {
                    if let Some(cb) = on_input {
                        cb.run(event_target_value(&ev));
                    }
                }
            />
            {move || error.get().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

/// A page-level error from loading data, announced to screen readers.
pub fn error_alert(e: &AppError) -> AnyView {
    view! { <p class="alert alert-error" role="alert">{e.message().to_owned()}</p> }.into_any()
}
