//! `/tools/style`: style categories with confidence bars and the phrases behind them,
//! sentiment and hedging, and the readability grade.

use super::{AnalyseStyle, StyleResult, TEXT_MAX_CHARS};
use crate::components::{field_error, form_error, FormAlert, HydrationMark};
use crate::features::tools::live::{wait_for_kept, Drafted, Live, StillAnswering};
use crate::features::tools::pages::{
    CountedText, Meter, SavedResults, ToolPage, ToolStart, WithToolStart, Working,
};
use crate::features::tools::ToolId;
use leptos::prelude::*;

#[component]
pub fn StylePage() -> impl IntoView {
    view! {
        <ToolPage tool=ToolId::CommunicationStyle intro="Paste a message or a document to see how it comes across: its style, its tone, and how easy it is to read.">
            <WithToolStart render=|start| view! { <StylePanel start/> }/>
        </ToolPage>
    }
}

/// The form, the report and the saved results: an island.
#[island(lazy)]
fn StylePanel(start: ToolStart) -> impl IntoView {
    let saved = start.saved();
    let answer = start.answer;
    let action = ServerAction::<AnalyseStyle>::new();
    let text = RwSignal::new(answer.input("text").unwrap_or_default());
    if let Some(r) = answer.result::<StyleResult>() {
        action.value().set(Some(r));
    }
    let value = action.value();
    // The page came back while its answer streamed: it is still being written.
    let waiting = wait_for_kept(ToolId::CommunicationStyle, answer.pending(), value);
    // With JavaScript the report streams in (`live.draft`); without it the form posts.
    let live = Live::<StyleResult>::new();
    let pending = live.pending(action.pending());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = text.get_untracked();
        live.ask(super::STREAM_PATH, &[("text", &text)], value, || {
            action.dispatch(AnalyseStyle { text: text.clone() })
        });
    };
    view! {
        <section class="card">
            <form method="post" action="/api/tools/style/analyse" on:submit=submit>
                <FormAlert message=form_error(value)/>
                <CountedText label="Your text" name="text" max=TEXT_MAX_CHARS value=text error=field_error(value, "text")/>
                <button type="submit" class="button" disabled=move || pending.get()>"Analyse the style"</button>
                <Working pending label="Analysing…" on_cancel=live.on_cancel()/>
            </form>
        </section>
        <StillAnswering waiting what="Your last text is still being analysed."/>
        {move || live.draft.get().map(|r| view! { <Drafted><StyleReport r/></Drafted> })}
        {move || match value.get() {
            Some(Ok(r)) if !live.streaming() => Some(view! { <StyleReport r/> }),
            _ => None,
        }}
        <SavedResults tool=ToolId::CommunicationStyle current=Signal::derive(move || value.get().and_then(Result::ok).filter(|_| !live.streaming()))
            name=name_of render=|r| view! { <StyleReport r/> } start=saved/>
        <HydrationMark/>
    }
}

fn name_of(r: &StyleResult) -> String {
    let labels: Vec<&str> = r
        .categories
        .iter()
        .take(2)
        .map(|c| c.label.as_str())
        .collect();
    format!("Style: {}", labels.join(", "))
}

#[component]
fn StyleReport(r: StyleResult) -> impl IntoView {
    let sentiment = match r.sentiment {
        s if s > 0.25 => "positive",
        s if s < -0.25 => "negative",
        _ => "neutral",
    };
    let grade = r.readability.grade;
    view! {
        <section class="card" data-result aria-labelledby="style-heading">
            <h2 id="style-heading">"How it comes across"</h2>
            <ul class="meters">
                {r.categories.into_iter().map(|c| {
                    let phrases = if c.phrases.is_empty() {
                        String::new()
                    } else {
                        c.phrases.iter().map(|p| format!("“{p}”")).collect::<Vec<_>>().join(", ")
                    };
                    view! {
                        <li data-category=c.label.clone()>
                            <Meter label=c.label.clone() value=c.confidence/>
                            {(!phrases.is_empty()).then(|| view! { <p class="small muted">"Because of: "{phrases}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <h3>"Tone"</h3>
            <dl class="facts">
                <dt>"Sentiment"</dt><dd>{format!("{sentiment} ({:+.2})", r.sentiment)}</dd>
                <dt>"Hedging"</dt>
                <dd>{format!("{:.0} %", r.hedging * 100.0)}
                    <span class="muted small">" — how much the text softens its claims (“maybe”, “I think”, “sort of”): 0 % states everything plainly, 100 % qualifies everything"</span></dd>
                <dt>"Readability"</dt>
                <dd data-readability>{format!("grade {grade:.1}, {} ({} words, {} sentences; computed by Digame, not the model)", r.readability.label(), r.readability.words, r.readability.sentences)}</dd>
            </dl>
        </section>
    }
}
