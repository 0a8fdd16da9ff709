//! `/tools/language`: translate a snippet, and define a word.

use super::{
    language_name, Define, Definition, LanguageResult, Translate, Translation, LANGUAGES,
    SNIPPET_MAX_CHARS, WORD_MAX_CHARS,
};
use crate::components::{field_error, form_error, FormAlert, HydrationMark, TextField};
use crate::features::tools::live::{wait_for_kept, Drafted, Live, StillAnswering};
use crate::features::tools::pages::{
    CountedText, PlainAnswer, SavedResults, ToolPage, ToolStart, WithToolStart, Working,
};
use crate::features::tools::ToolId;
use leptos::prelude::*;

#[component]
pub fn LanguagePage() -> impl IntoView {
    view! {
        <ToolPage tool=ToolId::LanguageTools intro="Translate a snippet into another language, or look up what a word means.">
            <WithToolStart render=|start| view! { <LanguagePanels start/> }/>
        </ToolPage>
    }
}

/// Both forms, their answers and the saved results: an island.
#[island(lazy)]
fn LanguagePanels(start: ToolStart) -> impl IntoView {
    // The latest answer of either form, for "Save this result".
    let latest = RwSignal::new(None::<LanguageResult>);
    let saved = start.saved();
    let answer = start.answer;
    view! {
        <TranslatePanel answer=answer.clone() latest/>
        <DefinePanel answer latest/>
        <SavedResults tool=ToolId::LanguageTools current=latest name=name_of render=saved_view start=saved/>
        <HydrationMark/>
    }
}

#[component]
fn LanguageSelect(
    label: &'static str,
    name: &'static str,
    #[prop(optional)] detect: bool,
    #[prop(into)] error: Signal<Option<String>>,
    value: RwSignal<String>,
) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <select id=id name=name on:change=move |ev| value.set(event_target_value(&ev))>
                {detect.then(|| view! { <option value="" selected=move || value.with(String::is_empty)>"Detect it"</option> })}
                {LANGUAGES.iter().map(|(code, lang)| view! {
                    <option value=*code selected=move || value.with(|v| v == code)>{*lang}</option>
                }).collect_view()}
            </select>
            {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
        </div>
    }
}

#[component]
fn TranslatePanel(answer: PlainAnswer, latest: RwSignal<Option<LanguageResult>>) -> impl IntoView {
    let action = ServerAction::<Translate>::new();
    Effect::new(move |_| {
        if let Some(Ok(t)) = action.value().get() {
            latest.set(Some(LanguageResult::Translation(t)));
        }
    });
    let mine = answer.input("mode").as_deref() == Some("translate");
    let field = |name: &str, default: &str| {
        answer
            .input(name)
            .filter(|_| mine)
            .unwrap_or_else(|| default.to_owned())
    };
    let text = RwSignal::new(field("text", ""));
    let source = RwSignal::new(field("source", ""));
    let target = RwSignal::new(field("target", "es"));
    if let Some(r) = answer.result::<Translation>().filter(|_| mine) {
        latest.set(r.clone().ok().map(LanguageResult::Translation));
        action.value().set(Some(r));
    }
    let value = action.value();
    let waiting = wait_for_kept(ToolId::LanguageTools, mine && answer.pending(), value);
    // With JavaScript the translation streams in (`live.draft`); without it the form posts.
    let live = Live::<Translation>::new();
    let pending = live.pending(action.pending());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = Translate {
            text: text.get_untracked(),
            target: target.get_untracked(),
            source: source.get_untracked(),
        };
        let fields = [
            ("text", form.text.as_str()),
            ("target", form.target.as_str()),
            ("source", form.source.as_str()),
        ];
        live.ask(super::TRANSLATE_STREAM_PATH, &fields, value, || {
            action.dispatch(form.clone())
        });
    };
    view! {
        <section class="card" aria-labelledby="translate-heading">
            <h2 id="translate-heading">"Translate"</h2>
            <form method="post" action="/api/tools/language/translate" on:submit=submit>
                <FormAlert message=form_error(value)/>
                <CountedText label="Text to translate" name="text" rows=5 max=SNIPPET_MAX_CHARS value=text error=field_error(value, "text")/>
                <div class="form-row">
                    <LanguageSelect label="From" name="source" detect=true value=source error=field_error(value, "source")/>
                    <LanguageSelect label="Into" name="target" value=target error=field_error(value, "target")/>
                </div>
                <button type="submit" class="button" disabled=move || pending.get()>"Translate"</button>
                <Working pending label="Translating…" on_cancel=live.on_cancel()/>
            </form>
            <StillAnswering waiting what="Your last text is still being translated."/>
            {move || live.draft.get().map(|t| view! { <Drafted>{translation_view(t)}</Drafted> })}
            {move || match value.get() {
                Some(Ok(t)) if !live.streaming() => Some(translation_view(t)),
                _ => None,
            }}
        </section>
    }
}

#[component]
fn DefinePanel(answer: PlainAnswer, latest: RwSignal<Option<LanguageResult>>) -> impl IntoView {
    let action = ServerAction::<Define>::new();
    Effect::new(move |_| {
        if let Some(Ok(d)) = action.value().get() {
            latest.set(Some(LanguageResult::Definition(d)));
        }
    });
    let mine = answer.input("mode").as_deref() == Some("define");
    let field = |name: &str, default: &str| {
        answer
            .input(name)
            .filter(|_| mine)
            .unwrap_or_else(|| default.to_owned())
    };
    let word = RwSignal::new(field("word", ""));
    let language = RwSignal::new(field("language", "en"));
    if let Some(r) = answer.result::<Definition>().filter(|_| mine) {
        latest.set(r.clone().ok().map(LanguageResult::Definition));
        action.value().set(Some(r));
    }
    let value = action.value();
    let waiting = wait_for_kept(ToolId::LanguageTools, mine && answer.pending(), value);
    // With JavaScript the definition streams in, a sense at a time (`live.draft`).
    let live = Live::<Definition>::new();
    let pending = live.pending(action.pending());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = Define {
            word: word.get_untracked(),
            language: language.get_untracked(),
        };
        let fields = [
            ("word", form.word.as_str()),
            ("language", form.language.as_str()),
        ];
        live.ask(super::DEFINE_STREAM_PATH, &fields, value, || {
            action.dispatch(form.clone())
        });
    };
    view! {
        <section class="card" aria-labelledby="define-heading">
            <h2 id="define-heading">"Define a word"</h2>
            <form method="post" action="/api/tools/language/define" on:submit=submit>
                <FormAlert message=form_error(value)/>
                <div class="form-row">
                    <TextField label="Word or short phrase" name="word" maxlength=WORD_MAX_CHARS as u32
                        value=Signal::derive(move || word.get()) on_input=Callback::new(move |v| word.set(v))
                        error=field_error(value, "word")/>
                    <LanguageSelect label="Explain in" name="language" value=language error=field_error(value, "language")/>
                </div>
                <button type="submit" class="button" disabled=move || pending.get()>"Define"</button>
                <Working pending label="Looking it up…" on_cancel=live.on_cancel()/>
            </form>
            <StillAnswering waiting what="Your last word is still being looked up."/>
            {move || live.draft.get().map(|d| view! { <Drafted>{definition_view(d)}</Drafted> })}
            {move || match value.get() {
                Some(Ok(d)) if !live.streaming() => Some(definition_view(d)),
                _ => None,
            }}
        </section>
    }
}

fn translation_view(t: Translation) -> impl IntoView {
    let from = language_name(&t.source).map_or_else(|| t.source.clone(), str::to_owned);
    let into = language_name(&t.target).unwrap_or_default();
    let how = if t.detected {
        format!("From {from} (detected) into {into}")
    } else {
        format!("From {from} into {into}")
    };
    view! {
        <div class="result" data-result="translation">
            <p class="small muted" data-source=t.source.clone()>{how}</p>
            <blockquote lang=t.target.clone()>{t.translation}</blockquote>
        </div>
    }
}

fn definition_view(d: Definition) -> impl IntoView {
    view! {
        <div class="result" data-result="definition" lang=d.language.clone()>
            <p><strong>{d.word.clone()}</strong>" "<em>{d.part_of_speech.clone()}</em></p>
            <ol>
                {d.senses.into_iter().map(|s| view! {
                    <li>{s.meaning}{s.example.map(|e| view! { <br/><span class="muted small">"“"{e}"”"</span> })}</li>
                }).collect_view()}
            </ol>
        </div>
    }
}

fn name_of(r: &LanguageResult) -> String {
    match r {
        LanguageResult::Translation(t) => {
            let start: String = t.translation.chars().take(40).collect();
            format!("Translation: {start}")
        }
        LanguageResult::Definition(d) => format!("Definition: {}", d.word),
    }
}

fn saved_view(r: LanguageResult) -> AnyView {
    match r {
        LanguageResult::Translation(t) => translation_view(t).into_any(),
        LanguageResult::Definition(d) => definition_view(d).into_any(),
    }
}
