//! `/tools/meetings`: notes in; summary, key points, decisions and action items out, with
//! a Markdown export and each action item one click from the task list.

use super::{AddActionItem, AnalyseMeeting, MeetingResult, NOTES_MAX_CHARS};
use crate::components::{field_error, form_error, FormAlert, HydrationMark};
use crate::features::tools::live::{wait_for_kept, Live, StillAnswering};
use crate::features::tools::pages::{
    CountedText, SavedResults, ToolPage, ToolStart, WithToolStart, Working,
};
use crate::features::tools::ToolId;
use leptos::prelude::*;

#[component]
pub fn MeetingsPage() -> impl IntoView {
    view! {
        <ToolPage tool=ToolId::MeetingInsights intro="Paste your notes or a transcript, or upload them as a .txt or .vtt file. You get a summary, the decisions and the action items.">
            <WithToolStart render=|start| view! { <MeetingsPanel start/> }/>
        </ToolPage>
    }
}

/// The form, the answer as it streams in, and the saved results: an island.
#[island(lazy)]
fn MeetingsPanel(start: ToolStart) -> impl IntoView {
    let saved = start.saved();
    let added = start.says("added");
    let answer = start.answer;
    let action = ServerAction::<AnalyseMeeting>::new();
    let notes = RwSignal::new(answer.input("notes").unwrap_or_default());
    if let Some(r) = answer.result::<MeetingResult>() {
        action.value().set(Some(r));
    }
    // The page was left while its answer streamed: it is still being written on the server.
    let waiting = wait_for_kept(ToolId::MeetingInsights, answer.pending(), action.value());
    let value = action.value();
    // With JavaScript the answer streams in: `live.draft` is what it says so far.
    let live = Live::<MeetingResult>::new();
    let pending = live.pending(action.pending());
    let ask = move || {
        let notes = notes.get_untracked();
        live.ask(super::STREAM_PATH, &[("notes", &notes)], value, || {
            action.dispatch(AnalyseMeeting {
                notes: notes.clone(),
            })
        });
    };
    let on_cancel = live.on_cancel();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ask();
    };
    view! {
        <section class="card">
            <form method="post" action="/api/tools/meetings/analyse" on:submit=submit>
                <FormAlert message=form_error(value)/>
                <CountedText label="Notes or transcript" name="notes" max=NOTES_MAX_CHARS rows=12 value=notes error=field_error(value, "notes")/>
                <button type="submit" class="button" disabled=move || pending.get()>"Get the insights"</button>
                <Working pending label="Reading the notes…" on_cancel/>
            </form>
            <form method="post" action="/tools/meetings/upload" enctype="multipart/form-data" class="upload-form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                // With JavaScript the file is read here, into the text box, and analysed
                // from there; without it the server reads it.
                #[cfg(feature = "hydrate")]
                {
                    use wasm_bindgen::JsCast;
                    let file = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
                        .and_then(|f| f.elements().named_item("file"))
                        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                        .and_then(|i| i.files())
                        .and_then(|list| list.get(0));
                    if let Some(file) = file {
                        ev.prevent_default();
                        leptos::task::spawn_local(async move {
                            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                                .await
                                .ok()
                                .and_then(|t| t.as_string())
                                .unwrap_or_default();
                            notes.set(super::clean_transcript(&text));
                            ask();
                        });
                    }
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = ev;
            }>
                <FormAlert message=field_error(value, "file")/>
                <label for="field-notes-file">"Or upload the notes (.txt) or a transcript (.vtt)"</label>
                <div class="upload-row">
                    <input id="field-notes-file" name="file" type="file" accept=".txt,.vtt,text/plain,text/vtt" required/>
                    <button type="submit" class="button button-quiet" disabled=move || pending.get()>"Analyse the file"</button>
                </div>
            </form>
        </section>
        <StillAnswering waiting what="Your last notes are still being read."/>
        {move || live.draft.get().map(|r| view! { <Draft r/> })}
        {move || match value.get() {
            Some(Ok(r)) if !live.streaming() => Some(view! { <Insights r added/> }),
            _ => None,
        }}
        <SavedResults tool=ToolId::MeetingInsights current=Signal::derive(move || value.get().and_then(Result::ok).filter(|_| !live.streaming()))
            name=name_of render=|r| view! { <Insights r added=false/> } start=saved/>
        <HydrationMark/>
    }
}

fn name_of(r: &MeetingResult) -> String {
    let start: String = r.summary.chars().take(50).collect();
    format!("Meeting: {start}…")
}

fn bullet_list(title: &'static str, items: Vec<String>) -> impl IntoView {
    (!items.is_empty()).then(|| {
        view! {
            <h3>{title}</h3>
            <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
        }
    })
}

/// A section of the finished answer: its items, or a line saying there were none (a section
/// that disappears reads as a fault).
fn answer_list(title: &'static str, none: &'static str, items: Vec<String>) -> impl IntoView {
    view! {
        <h3>{title}</h3>
        {if items.is_empty() {
            view! { <p class="muted small" data-none=title>{none}</p> }.into_any()
        } else {
            view! { <ul>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul> }.into_any()
        }}
    }
}

/// The answer while it is being written: what it says so far, nothing to act on yet.
#[component]
fn Draft(r: MeetingResult) -> impl IntoView {
    view! {
        <section class="card" data-draft aria-busy="true" aria-labelledby="draft-heading">
            <h2 id="draft-heading">"Insights " <span class="muted small">"(being written…)"</span></h2>
            <h3>"Summary"</h3>
            <p data-draft-summary>{r.summary}</p>
            {bullet_list("Key points", r.key_points)}
            {bullet_list("Decisions", r.decisions)}
            {bullet_list("Action items", r.action_items.iter().map(|a| a.task.clone()).collect())}
        </section>
    }
}

/// The insights; `added` when the page came back from adding an action item as a task.
#[component]
fn Insights(r: MeetingResult, added: bool) -> impl IntoView {
    let add = ServerAction::<AddActionItem>::new();
    let was_added = added;
    let added = add.value();
    // The items added from this page: their buttons say so, and no second click adds again.
    let last = RwSignal::new(None::<String>);
    let done = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        if matches!(added.get(), Some(Ok(_))) {
            if let Some(task) = last.get_untracked() {
                done.update(|d| d.push(task));
            }
        }
    });
    let notice = Signal::derive(move || match added.get() {
        Some(Ok(title)) => Some(format!("Added “{title}” to your tasks as a suggestion.")),
        _ if was_added => Some("Added to your tasks as a suggestion.".to_owned()),
        _ => None,
    });
    let markdown = r.to_markdown();
    let download = crate::util::data_url("text/markdown", &markdown);
    let items = r.action_items.clone();
    view! {
        <section class="card" data-result aria-labelledby="insights-heading">
            <h2 id="insights-heading">"Insights"</h2>
            <h3>"Summary"</h3>
            <p data-summary>{r.summary.clone()}</p>
            {answer_list("Key points", "No key points found.", r.key_points.clone())}
            {answer_list("Decisions", "No decisions found.", r.decisions.clone())}
            {items.is_empty().then(|| view! {
                <h3>"Action items"</h3>
                <p class="muted small" data-none="Action items">"No action items found."</p>
            })}
            {(!items.is_empty()).then(|| view! {
                <h3>"Action items"</h3>
                <FormAlert message=notice success=true/>
                <FormAlert message=form_error(added)/>
                <div class="table-wrap">
                    <table class="table">
                        <thead><tr><th scope="col">"Task"</th><th scope="col">"Owner"</th><th scope="col">"Due"</th><th scope="col"><span class="visually-hidden">"Add"</span></th></tr></thead>
                        <tbody>
                            {items.into_iter().map(|a| {
                                let input = AddActionItem {
                                    task: a.task.clone(),
                                    owner: a.owner.clone().unwrap_or_default(),
                                    due: a.due.clone().unwrap_or_default(),
                                };
                                let task = a.task.clone();
                                let is_done = Signal::derive(move || done.with(|d| d.contains(&task)));
                                view! {
                                    <tr data-action-item=a.task.clone()>
                                        <td>{a.task.clone()}</td>
                                        <td>{a.owner.clone().unwrap_or_else(|| "—".into())}</td>
                                        <td>{a.due.clone().unwrap_or_else(|| "—".into())}</td>
                                        <td>
                                            <form method="post" action="/api/tools/meetings/add-task" class="inline-form"
                                                on:submit=move |ev: leptos::ev::SubmitEvent| {
                                                    ev.prevent_default();
                                                    last.set(Some(input.task.clone()));
                                                    add.dispatch(input.clone());
                                                }>
                                                <input type="hidden" name="task" value=a.task.clone()/>
                                                <input type="hidden" name="owner" value=a.owner.clone().unwrap_or_default()/>
                                                <input type="hidden" name="due" value=a.due.clone().unwrap_or_default()/>
                                                <button type="submit" class="button button-small button-quiet"
                                                    disabled=move || add.pending().get() || is_done.get()>
                                                    {move || if is_done.get() { "Added" } else { "Add to my tasks" }}
                                                </button>
                                            </form>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            <h3>"Export"</h3>
            <p><a class="button button-quiet" href=download download="meeting-notes.md">"Download as Markdown"</a></p>
            <details>
                <summary>"Show the Markdown"</summary>
                <textarea class="code" rows="10" readonly aria-label="The notes as Markdown">{markdown}</textarea>
            </details>
        </section>
    }
}
