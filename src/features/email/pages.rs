//! `/tools/email`: the upload form, the analysis (findings, charts with their tables,
//! unanswered threads), the narrative from the person's AI service, saved analyses and a
//! comparison with one of them. The upload is a plain form post in every browser, so it
//! works without JavaScript; with it, the page shows that the file is on its way.

use super::charts::{BarList, Heatmap, VolumeChart};
use super::{
    duration_words, offset_label, EmailAnalysis, EmailNarrative, Narrative,
    UNANSWERED_DAYS_DEFAULT, UPLOAD_PATH,
};
use crate::components::{field_error, form_error, FormAlert, HydrationMark, TextField};
use crate::error::AppError;
use crate::features::tools::live::{wait_for_kept, Drafted, Live, StillAnswering};
use crate::features::tools::pages::{SavedResults, ToolPage, ToolStart, WithToolStart, Working};
use crate::features::tools::SavedResult;
use crate::features::tools::ToolId;
use leptos::prelude::*;

#[component]
pub fn EmailPage() -> impl IntoView {
    view! {
        <ToolPage tool=ToolId::EmailPatterns intro="Upload an export of your mail: an mbox file, a zipped folder of .eml files, or a CSV with date, from, to and subject columns. Only dates, addresses, subjects and message ids are read; message bodies are discarded as the file is read, and the file itself is not kept.">
            <WithToolStart render=|start| view! { <EmailPanel start/> }/>
        </ToolPage>
    }
}

/// The upload with its progress, the analysis, the comparison and the saved results: an
/// island.
#[island(lazy)]
fn EmailPanel(start: ToolStart) -> impl IntoView {
    let saved = start.saved();
    let (has_key, compare) = (start.has_key, start.compare);
    let account = start.email;
    let answer = start.answer;
    // What the page was sent back with: an analysis (or the upload's error), or a narrative
    // about the analysis it names.
    let narrative_for = answer.input("narrative_for");
    let upload: RwSignal<Option<Result<EmailAnalysis, AppError>>> = RwSignal::new(None);
    let narrate = ServerAction::<EmailNarrative>::new();
    match &narrative_for {
        Some(json) => {
            upload.set(serde_json::from_str(json).ok().map(Ok));
            if let Some(r) = answer.result::<Narrative>() {
                narrate.value().set(Some(r));
            }
        }
        None => upload.set(answer.result::<EmailAnalysis>()),
    }
    // The page came back while the narrative streamed: it is still being written.
    let waiting = wait_for_kept(
        ToolId::EmailPatterns,
        narrative_for.is_some() && answer.pending(),
        narrate.value(),
    );
    let own = answer
        .input("own_addresses")
        .filter(|s| !s.is_empty())
        .unwrap_or(account);
    let days = answer
        .input("unanswered_days")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| UNANSWERED_DAYS_DEFAULT.to_string());
    // What the upload is doing, for the status line: `None` when idle.
    let sending: RwSignal<Option<String>> = RwSignal::new(None);
    let current = Signal::derive(move || upload.get().and_then(Result::ok));
    // With JavaScript the same form is sent by an XMLHttpRequest, which reports the bytes
    // sent; the answer replaces the page's analysis in place. Without it, the browser posts
    // the form and the server sends the page back with the answer.
    let submit = move |ev: leptos::ev::SubmitEvent| {
        sending.set(Some("Uploading…".into()));
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(form) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            else {
                return;
            };
            let started = progress::send(
                &form,
                move |fraction| {
                    sending.set(Some(if fraction < 1.0 {
                        format!("Uploading… {:.0} %", fraction * 100.0)
                    } else {
                        "Reading the messages…".into()
                    }))
                },
                move |result| {
                    sending.set(None);
                    upload.set(Some(result));
                },
            );
            // If the request cannot even be made, the browser posts the form itself.
            if started.is_ok() {
                ev.prevent_default();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <section class="card">
            <form method="post" action=UPLOAD_PATH enctype="multipart/form-data" on:submit=submit>
                <FormAlert message=form_error(upload)/>
                <TextField label="Your addresses" name="own_addresses" value=Signal::derive(move || own.clone())
                    hint="Mail from these counts as sent by you; separate several with commas."
                    required=false maxlength=1000 error=field_error(upload, "own_addresses")/>
                <TextField label="Unanswered after (days)" name="unanswered_days" kind="number" value=Signal::derive(move || days.clone())
                    required=false error=field_error(upload, "unanswered_days")/>
                <FileField error=field_error(upload, "file")/>
                <button type="submit" class="button" disabled=move || sending.with(Option::is_some)>"Analyse"</button>
                <p class="muted small" role="status" aria-live="polite" data-upload-status>{move || sending.get()}</p>
            </form>
        </section>
        <StillAnswering waiting what="Your narrative is still being written."/>
        {move || current.get().map(|a| view! { <Analysis a narrate has_key/> })}
        <Comparison current saved=saved.list compare/>
        <SavedResults tool=ToolId::EmailPatterns current name=name_of render=|a| view! { <Summary a/> } start=saved/>
        <HydrationMark/>
    }
}

#[component]
fn FileField(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="field" class:field-invalid=move || error.with(Option::is_some)>
            <label for="field-file">"Mail export"</label>
            <p class="field-hint" id="field-file-hint">".mbox, .zip of .eml files, .eml or .csv"</p>
            <input id="field-file" name="file" type="file" required
                accept=".mbox,.mbx,.zip,.eml,.csv,.txt,application/mbox,application/zip,message/rfc822,text/csv"
                aria-describedby="field-file-hint"
                aria-invalid=move || error.with(Option::is_some).then_some("true")/>
            {move || error.get().map(|m| view! { <p class="field-error" id="field-file-error">{m}</p> })}
        </div>
    }
}

fn name_of(a: &EmailAnalysis) -> String {
    format!("Mail {} to {}", a.first_day, a.last_day)
}

/// The few figures that say the most, for saved analyses.
#[component]
fn Summary(a: EmailAnalysis) -> impl IntoView {
    view! {
        <dl class="figures">
            <div><dt>"Messages"</dt><dd>{a.messages}</dd></div>
            <div><dt>"Sent"</dt><dd>{a.sent}</dd></div>
            <div><dt>"Received"</dt><dd>{a.received}</dd></div>
            <div><dt>"Median answer"</dt><dd>{a.median_response_minutes.map_or_else(|| "—".into(), duration_words)}</dd></div>
        </dl>
        <ul>{a.findings.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
    }
}

#[component]
fn Analysis(
    a: EmailAnalysis,
    narrate: ServerAction<EmailNarrative>,
    has_key: bool,
) -> impl IntoView {
    let zone = offset_label(a.utc_offset_minutes);
    let weeks = a.weekly.len();
    let correspondents: Vec<(String, u32)> = a
        .top_correspondents
        .iter()
        .map(|c| (c.address.clone(), c.sent_to + c.received_from))
        .collect();
    let answer_times: Vec<(String, u32)> = a
        .top_correspondents
        .iter()
        .filter_map(|c| c.median_response_minutes.map(|m| (c.address.clone(), m)))
        .collect();
    let domains: Vec<(String, u32)> = a
        .top_domains
        .iter()
        .map(|d| (d.label.clone(), d.count))
        .collect();
    let keywords: Vec<(String, u32)> = a
        .keywords
        .iter()
        .map(|k| (k.label.clone(), k.count))
        .collect();
    let lengths: Vec<(String, u32)> = a
        .thread_lengths
        .iter()
        .map(|t| {
            (
                format!(
                    "{} {}",
                    t.label,
                    if t.label == "1" {
                        "message"
                    } else {
                        "messages"
                    }
                ),
                t.count,
            )
        })
        .collect();
    let skipped = (a.skipped > 0).then(|| {
        let listed = a.left_out.len() as u32;
        let more = (a.skipped > listed).then(|| {
            view! { <li class="muted">{format!("and {} more", a.skipped - listed)}</li> }
        });
        view! {
            <details class="left-out" data-left-out>
                <summary>{if a.skipped == 1 {
                    "1 message was left out: see which and why".to_owned()
                } else {
                    format!("{} messages were left out: see which and why", a.skipped)
                }}</summary>
                <ul class="small">
                    {a.left_out.iter().map(|l| view! { <li>{format!("{}: {}.", l.which, l.why)}</li> }).collect_view()}
                    {more}
                </ul>
            </details>
        }
    });
    view! {
        <section class="card" data-result aria-labelledby="analysis-heading">
            <h2 id="analysis-heading">"What your mail says"</h2>
            <p class="muted small" data-source>
                {format!("{} messages ({} sent, {} received) from {}, {} to {}; times in {zone}.", a.messages, a.sent, a.received, a.source, a.first_day, a.last_day)}
            </p>
            {skipped}
            <ul class="findings" data-findings>
                {a.findings.iter().map(|f| view! { <li>{f.clone()}</li> }).collect_view()}
            </ul>
        </section>
        <section class="card" aria-labelledby="volume-heading">
            <h2 id="volume-heading">"Volume"</h2>
            <VolumeChart id="weekly" title=format!("Messages per week, {weeks} weeks") period="Week of" series=a.weekly.clone()/>
            <VolumeChart id="daily" title=format!("Messages per day, last {} days", a.daily.len()) period="Day" series=a.daily.clone()/>
        </section>
        <section class="card" aria-labelledby="hours-heading">
            <h2 id="hours-heading">"When"</h2>
            <p>{format!(
                "{} % of what you send and {} % of what you receive is outside your working hours ({:02}:00–{:02}:00, Monday to Friday; set them in onboarding).",
                a.sent_outside_hours_pct, a.received_outside_hours_pct, a.work_start, a.work_end
            )}</p>
            <Heatmap cells=a.heatmap.clone() zone=zone.clone()/>
        </section>
        <section class="card" aria-labelledby="who-heading">
            <h2 id="who-heading">"Who"</h2>
            <BarList id="correspondents" title="Top correspondents".into() unit="Messages" items=correspondents/>
            <div class="table-wrap">
                <table class="table" data-table="response-by-correspondent">
                    <caption class="small muted">"Both directions, and how fast you answer each"</caption>
                    <thead><tr><th scope="col">"Correspondent"</th><th scope="col">"You sent"</th><th scope="col">"You received"</th><th scope="col">"Your median answer"</th></tr></thead>
                    <tbody>
                        {a.top_correspondents.iter().map(|c| view! {
                            <tr><th scope="row">{c.address.clone()}</th><td>{c.sent_to}</td><td>{c.received_from}</td>
                            <td>{c.median_response_minutes.map_or_else(|| "—".into(), duration_words)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <BarList id="domains" title="Top domains".into() unit="Messages" items=domains/>
        </section>
        <section class="card" aria-labelledby="answers-heading">
            <h2 id="answers-heading">"Answers"</h2>
            <dl class="figures">
                <div><dt>"Answered"</dt><dd>{a.answered}</dd></div>
                <div><dt>"Median time to answer"</dt><dd data-median>{a.median_response_minutes.map_or_else(|| "—".into(), duration_words)}</dd></div>
                <div><dt>"90th percentile"</dt><dd>{a.p90_response_minutes.map_or_else(|| "—".into(), duration_words)}</dd></div>
            </dl>
            {(!answer_times.is_empty()).then(|| view! {
                <BarList id="response-times" title="Your median answer per correspondent".into() unit="Median answer" items=answer_times shown=duration_words/>
            })}
            <h3>{format!("Waiting for you more than {} days: {}", a.unanswered_days, a.unanswered_total)}</h3>
            {(!a.unanswered.is_empty()).then(|| view! {
                <div class="table-wrap">
                    <table class="table" data-table="unanswered">
                        <thead><tr><th scope="col">"Subject"</th><th scope="col">"From"</th><th scope="col">"Received"</th><th scope="col">"Days waiting"</th></tr></thead>
                        <tbody>
                            {a.unanswered.iter().map(|u| view! {
                                <tr><th scope="row">{u.subject.clone()}</th><td>{u.from.clone()}</td><td>{u.received.clone()}</td><td>{u.days_waiting}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            <p class="small muted">"Counted at the newest message in the file, for threads from people you write to."</p>
        </section>
        <section class="card" aria-labelledby="subjects-heading">
            <h2 id="subjects-heading">"Subjects and threads"</h2>
            {if keywords.is_empty() {
                view! { <p class="muted">"No word appears in more than one subject."</p> }.into_any()
            } else {
                view! { <BarList id="keywords" title="Frequent subject words".into() unit="Messages" items=keywords/> }.into_any()
            }}
            <BarList id="thread-lengths" title="Threads by length".into() unit="Threads" items=lengths/>
            {(!a.longest_threads.is_empty()).then(|| view! {
                <h3>"Longest threads"</h3>
                <ul>{a.longest_threads.iter().map(|t| view! { <li>{format!("{} ({} messages)", t.label, t.count)}</li> }).collect_view()}</ul>
            })}
        </section>
        <NarrativeCard a narrate has_key/>
    }
}

/// The narrative from the person's AI service: what is sent is shown before it is sent.
#[component]
fn NarrativeCard(
    a: EmailAnalysis,
    narrate: ServerAction<EmailNarrative>,
    has_key: bool,
) -> impl IntoView {
    let sent = serde_json::to_string_pretty(&a.anonymised()).unwrap_or_default();
    let analysis = serde_json::to_string(&a).unwrap_or_default();
    let value = narrate.value();
    // With JavaScript the narrative streams in (`live.draft`); without it the form posts.
    let live = Live::<Narrative>::new();
    let pending = live.pending(narrate.pending());
    let body = if has_key {
        let input = analysis.clone();
        view! {
            <p>"Your email analysis service can describe these figures and suggest changes. This is exactly what is sent: aggregates only, with people and domains replaced by pseudonyms."</p>
            <details>
                <summary>"What is sent"</summary>
                <pre class="code" data-sent>{sent}</pre>
            </details>
            <form method="post" action="/api/tools/email/narrative" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let input = input.clone();
                live.ask(super::NARRATIVE_STREAM_PATH, &[("analysis", &input)], value, || {
                    narrate.dispatch(EmailNarrative { analysis: input.clone() })
                });
            }>
                <input type="hidden" name="analysis" value=analysis/>
                <FormAlert message=form_error(value)/>
                <button type="submit" class="button button-quiet" disabled=move || pending.get()>"Ask for a narrative"</button>
                <Working pending label="Asking your AI service…" on_cancel=live.on_cancel()/>
            </form>
            {move || live.draft.get().map(|n| view! { <Drafted>{narrative_view(n)}</Drafted> })}
            {move || value.get().and_then(Result::ok).filter(|_| !live.streaming()).map(narrative_view)}
        }
        .into_any()
    } else {
        view! {
            <p class="muted">"Add an email analysis service key in "<a href="/settings/api-keys#email_analysis_service_key">"API-key settings"</a>" to get a short narrative with suggestions from your AI service. The built-in analysis above needs no key."</p>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="narrative-heading">
            <h2 id="narrative-heading">"Narrative"</h2>
            {body}
        </section>
    }
}

fn narrative_view(n: Narrative) -> impl IntoView {
    view! {
        <div data-narrative>
            <p>{n.narrative}</p>
            <h3>"Suggestions"</h3>
            <ul>{n.suggestions.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
        </div>
    }
}

/// This analysis beside a saved one (`compare`, from `?compare=<id>`), chosen among the
/// person's saved results.
#[component]
fn Comparison(
    #[prop(into)] current: Signal<Option<EmailAnalysis>>,
    saved: RwSignal<Result<Vec<SavedResult>, AppError>>,
    compare: Option<i64>,
) -> impl IntoView {
    let shown = move || {
        let a = current.get()?;
        let items = saved.get().unwrap_or_default();
        if items.is_empty() {
            return None;
        }
        let picked = compare.and_then(|id| items.iter().find(|i| i.id == id).cloned());
        let other = picked.as_ref().and_then(|p| {
            serde_json::from_str::<EmailAnalysis>(&p.payload)
                .ok()
                .map(|o| (p.title.clone(), o))
        });
        let options = items
            .iter()
            .map(|i| {
                let selected = picked.as_ref().is_some_and(|p| p.id == i.id);
                view! { <option value=i.id.to_string() selected=selected>{format!("{} ({})", i.title, crate::util::time_words(&i.saved))}</option> }
            })
            .collect_view();
        Some(view! {
            <section class="card" aria-labelledby="compare-heading">
                <h2 id="compare-heading">"Compare with a saved analysis"</h2>
                <form method="get" action="/tools/email" class="inline-form">
                    <input type="hidden" name="answered" value="1"/>
                    <label for="compare">"Saved analysis"</label>
                    <select id="compare" name="compare">{options}</select>
                    <button type="submit" class="button button-small button-quiet">"Compare"</button>
                </form>
                {other.map(|(title, o)| comparison_table(&a, &title, &o))}
            </section>
        })
    };
    shown
}

/// Messages per week as people say it: "fewer than one" rather than 0.
fn per_week_words(messages: u32, weeks: usize) -> String {
    let rate = f64::from(messages) / weeks.max(1) as f64;
    if messages > 0 && rate < 0.5 {
        "fewer than one".to_owned()
    } else {
        format!("{rate:.0}")
    }
}

fn comparison_table(a: &EmailAnalysis, title: &str, o: &EmailAnalysis) -> impl IntoView {
    let per_week = |x: &EmailAnalysis| per_week_words(x.messages, x.weekly.len());
    let minutes = |m: Option<u32>| m.map_or_else(|| "—".into(), duration_words);
    let top = |x: &EmailAnalysis| {
        x.top_correspondents
            .first()
            .map_or_else(|| "—".into(), |c| c.address.clone())
    };
    let rows: Vec<(&str, String, String)> = vec![
        (
            "Period",
            format!("{} to {}", a.first_day, a.last_day),
            format!("{} to {}", o.first_day, o.last_day),
        ),
        ("Messages per week", per_week(a), per_week(o)),
        ("Sent", a.sent.to_string(), o.sent.to_string()),
        ("Received", a.received.to_string(), o.received.to_string()),
        (
            "Sent outside working hours",
            format!("{} %", a.sent_outside_hours_pct),
            format!("{} %", o.sent_outside_hours_pct),
        ),
        (
            "Median time to answer",
            minutes(a.median_response_minutes),
            minutes(o.median_response_minutes),
        ),
        (
            "90th percentile",
            minutes(a.p90_response_minutes),
            minutes(o.p90_response_minutes),
        ),
        (
            "Threads waiting for you",
            a.unanswered_total.to_string(),
            o.unanswered_total.to_string(),
        ),
        ("Top correspondent", top(a), top(o)),
    ];
    view! {
        <div class="table-wrap">
            <table class="table" data-table="comparison">
                <thead><tr><th scope="col">""</th><th scope="col">"This analysis"</th><th scope="col">{title.to_owned()}</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(label, now, then)| view! {
                        <tr><th scope="row">{label}</th><td>{now}</td><td>{then}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The upload sent by an `XMLHttpRequest`, for its progress events (`fetch` reports none
/// for request bodies).
#[cfg(feature = "hydrate")]
mod progress {
    use super::EmailAnalysis;
    use crate::error::AppError;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{FormData, HtmlFormElement, ProgressEvent, XmlHttpRequest};

    /// Posts `form` to its action asking for JSON; `on_progress` gets the share of bytes
    /// sent (1.0 once all are, while the server reads the file), `on_done` the answer.
    pub fn send(
        form: &HtmlFormElement,
        on_progress: impl Fn(f64) + 'static,
        on_done: impl FnOnce(Result<EmailAnalysis, AppError>) + 'static,
    ) -> Result<(), JsValue> {
        let data = FormData::new_with_form(form)?;
        let xhr = XmlHttpRequest::new()?;
        xhr.open("POST", &form.action())?;
        xhr.set_request_header("Accept", "application/json")?;
        let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                on_progress(e.loaded() / e.total());
            }
        });
        xhr.upload()?
            .set_onprogress(Some(progress.as_ref().unchecked_ref()));
        let request = xhr.clone();
        // Called once, when the request ends however it ends; it frees both closures.
        let done = Closure::once_into_js(move || {
            drop(progress);
            let status = request.status().unwrap_or(0);
            let text = request.response_text().ok().flatten().unwrap_or_default();
            on_done(match status {
                200 => serde_json::from_str(&text).map_err(|_| AppError::Internal),
                0 => Err(AppError::BadRequest(
                    "The upload did not reach the server. Check your connection and try again."
                        .into(),
                )),
                _ => Err(serde_json::from_str(&text).unwrap_or(AppError::Internal)),
            });
        });
        xhr.set_onloadend(Some(done.unchecked_ref()));
        xhr.send_with_opt_form_data(Some(&data))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_small_export_has_fewer_than_one_message_a_week() {
        assert_eq!(super::per_week_words(3, 10), "fewer than one");
        assert_eq!(super::per_week_words(0, 10), "0");
        assert_eq!(super::per_week_words(30, 10), "3");
        assert_eq!(super::per_week_words(5, 0), "5");
    }
}
