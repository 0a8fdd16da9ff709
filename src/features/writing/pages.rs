//! `/tools/writing`: the text, its suggestions highlighted in place and listed, each
//! applied with a click (or all at once); the edited text stays in the box to copy.

use super::{SuggestWriting, WritingResult, TEXT_MAX_CHARS};
use crate::components::{field_error, form_error, CopyButton, FormAlert, HydrationMark};
use crate::features::tools::live::{wait_for_kept, Drafted, Live, StillAnswering};
use crate::features::tools::pages::{
    CountedText, SavedResults, ToolPage, ToolStart, WithToolStart, Working,
};
use crate::features::tools::ToolId;
use leptos::prelude::*;

#[component]
pub fn WritingPage() -> impl IntoView {
    view! {
        <ToolPage tool=ToolId::WritingAssistance intro="Paste a draft. Each suggestion points at the words it is about; apply the ones you like, then copy the result from the box.">
            <WithToolStart render=|start| view! { <WritingPanel start/> }/>
        </ToolPage>
    }
}

/// The form, the suggestions and the saved results: an island, so applying a suggestion
/// and copying the text happen in place.
#[island(lazy)]
fn WritingPanel(start: ToolStart) -> impl IntoView {
    let saved = start.saved();
    let answer = start.answer;
    let action = ServerAction::<SuggestWriting>::new();
    let text = RwSignal::new(answer.input("text").unwrap_or_default());
    let answered = answer.result::<WritingResult>();
    let result = RwSignal::new(answered.clone().and_then(Result::ok));
    if let Some(Err(e)) = answered {
        action.value().set(Some(Err(e)));
    }
    let value = action.value();
    Effect::new(move |_| {
        if let Some(Ok(r)) = value.get() {
            result.set(Some(r));
        }
    });
    // The page came back while its answer streamed: it is still being written.
    let waiting = wait_for_kept(ToolId::WritingAssistance, answer.pending(), value);
    // With JavaScript the suggestions stream in, each once whole (`live.draft`).
    let live = Live::<WritingResult>::new();
    let pending = live.pending(action.pending());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        result.set(None);
        let text = text.get_untracked();
        live.ask(super::STREAM_PATH, &[("text", &text)], value, || {
            action.dispatch(SuggestWriting { text: text.clone() })
        });
    };
    // Applying edits the text in the box too, so the result is always there to copy.
    let apply = move |index: usize, choice: usize| {
        result.update(|r| {
            if let Some(r) = r {
                r.apply(index, choice);
                text.set(r.text.clone());
            }
        });
    };
    let apply_all = move |_| {
        result.update(|r| {
            if let Some(r) = r {
                r.apply_all();
                text.set(r.text.clone());
            }
        });
    };
    view! {
        <section class="card">
            // Without JavaScript the form posts to the server function, which sends the
            // browser back here with the answer.
            <form method="post" action="/api/tools/writing/suggest" on:submit=submit>
                <FormAlert message=form_error(value)/>
                <CountedText label="Your text" name="text" max=TEXT_MAX_CHARS value=text error=field_error(value, "text")/>
                <button type="submit" class="button" disabled=move || pending.get()>"Check my writing"</button>
                " "<CopyButton text=text label="Copy the text"/>
                <Working pending label="Reading your text…" on_cancel=live.on_cancel()/>
            </form>
        </section>
        <StillAnswering waiting what="Your last text is still being read."/>
        // A draft without a suggestion yet says nothing (not "nothing to change").
        {move || live.draft.get().filter(|r| !r.suggestions.is_empty()).map(|r| view! { <Drafted><Suggestions result=r apply=|_, _| {} apply_all=|_| {}/></Drafted> })}
        {move || result.get().map(|r| view! { <Suggestions result=r apply apply_all/> })}
        <SavedResults tool=ToolId::WritingAssistance current=result name=name_of render=saved_view start=saved/>
        <HydrationMark/>
    }
}

fn name_of(r: &WritingResult) -> String {
    let start: String = r.text.chars().take(40).collect();
    if r.text.chars().count() > 40 {
        format!("{start}…")
    } else {
        start
    }
}

/// A saved result: the text as it was checked and the suggestions.
fn saved_view(r: WritingResult) -> impl IntoView {
    view! {
        <p class="marked-text">{r.text.clone()}</p>
        <ol class="small">
            {r.suggestions.iter().map(|s| view! {
                <li>{format!("{} — “{}”: {}", s.category.label(), r.span(s), s.message)}</li>
            }).collect_view()}
        </ol>
    }
}

#[component]
fn Suggestions(
    result: WritingResult,
    apply: impl Fn(usize, usize) + Copy + Send + Sync + 'static,
    apply_all: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if result.suggestions.is_empty() {
        return view! {
            <section class="card" data-result>
                <h2>"Suggestions"</h2>
                <p>"Nothing to change: the text reads well."</p>
            </section>
        }
        .into_any();
    }
    // The text in pieces: plain runs and numbered highlights.
    let chars: Vec<char> = result.text.chars().collect();
    let mut pieces = Vec::new();
    let mut at = 0;
    for (i, s) in result.suggestions.iter().enumerate() {
        if s.start > at {
            pieces.push(
                view! { <span>{chars[at..s.start].iter().collect::<String>()}</span> }.into_any(),
            );
        }
        let end = (s.start + s.length).min(chars.len());
        let class = format!("mark mark-{}", s.category.label().to_lowercase());
        pieces.push(view! {
            <mark class=class title=s.message.clone()>{chars[s.start..end].iter().collect::<String>()}<sup>{i + 1}</sup></mark>
        }.into_any());
        at = end;
    }
    if at < chars.len() {
        pieces.push(view! { <span>{chars[at..].iter().collect::<String>()}</span> }.into_any());
    }
    let any_replacement = result
        .suggestions
        .iter()
        .any(|s| !s.replacements.is_empty());
    let items = result
        .suggestions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let span = result.span(s);
            let buttons = s
                .replacements
                .iter()
                .enumerate()
                .map(|(choice, r)| {
                    let label = if r.is_empty() { "Remove it".to_owned() } else { format!("Apply “{r}”") };
                    view! { <button type="button" class="button button-small" on:click=move |_| apply(i, choice)>{label}</button> }
                })
                .collect_view();
            view! {
                <li data-suggestion=i>
                    <span class="badge">{s.category.label()}</span>" "
                    <strong>{format!("{}. “{span}”", i + 1)}</strong>" "
                    {s.message.clone()}
                    <div class="row-actions">{buttons}</div>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-result aria-labelledby="suggestions-heading">
            <h2 id="suggestions-heading">{format!("Suggestions ({})", result.suggestions.len())}</h2>
            <p class="marked-text">{pieces}</p>
            <ol class="suggestions">{items}</ol>
            {any_replacement.then(|| view! {
                <button type="button" class="button" on:click=apply_all>"Apply all"</button>
            })}
        </section>
    }
    .into_any()
}
