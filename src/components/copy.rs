//! A button that copies text to the clipboard, and the island that carries one on its own.

use leptos::prelude::*;

/// Copies `text` to the clipboard. Shown only once the page runs in the browser (a button
/// that cannot work without JavaScript is not shown without it); says when it copied.
#[component]
pub fn CopyButton(
    #[prop(into)] text: Signal<String>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let in_browser = RwSignal::new(false);
    Effect::new(move |_| in_browser.set(true));
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let promise = window()
                .navigator()
                .clipboard()
                .write_text(&text.get_untracked());
            leptos::task::spawn_local(async move {
                copied.set(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
            });
        }
        // On the server the button is never shown, so never clicked.
        #[cfg(not(feature = "hydrate"))]
        let _ = (text, copied);
    };
    move || {
        in_browser.get().then(|| {
            view! {
                <button type="button" class="button button-quiet" on:click=copy>{label.clone()}</button>
                <span class="muted small" role="status">{move || copied.get().then_some("Copied.")}</span>
            }
        })
    }
}

/// A copy button for text the server rendered (a token shown once): an island of its own.
#[island(lazy)]
pub fn CopyText(text: String, label: String) -> impl IntoView {
    view! {
        <CopyButton text=Signal::stored(text) label/>
        <super::HydrationMark/>
    }
}
