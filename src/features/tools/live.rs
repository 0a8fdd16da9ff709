//! A tool's answer streamed into its page while the model writes it (`tools::stream` on the
//! server): the page's form still posts to its server function without JavaScript; with
//! it, [`Live::ask`] asks the tool's stream route instead and shows each draft as it comes.
//! Cancel closes the request, which stops the call on the server.

use super::pages::Cancel;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::reactive::actions::ActionAbortHandle;

/// The complete events in `text` after `seen` (moved past them): name and data.
pub fn take_events(text: &str, seen: &mut usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while let Some(end) = text.get(*seen..).and_then(|rest| rest.find("\n\n")) {
        let block = &text[*seen..*seen + end];
        *seen += end + 2;
        let (mut name, mut data) = ("message", String::new());
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                name = v.trim();
            } else if let Some(v) = line.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(v.strip_prefix(' ').unwrap_or(v));
            }
        }
        if !data.is_empty() {
            out.push((name.to_owned(), data));
        }
    }
    out
}

/// The answer a page was left waiting for: the page came back (a reload, Back) while its
/// answer was still being written on the server (`pending`). With JavaScript it asks every
/// two seconds until the answer is kept, then puts it in `value`; the signal says whether
/// it still waits, for [`StillAnswering`].
pub fn wait_for_kept<T, V>(tool: super::ToolId, pending: bool, value: V) -> RwSignal<bool>
where
    T: serde::de::DeserializeOwned + Send + Sync + 'static,
    V: Set<Value = Option<Result<T, AppError>>> + Clone + 'static,
{
    let waiting = RwSignal::new(pending);
    #[cfg(feature = "hydrate")]
    if pending {
        poll_kept(tool, waiting, value);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (tool, value);
    waiting
}

#[cfg(feature = "hydrate")]
fn poll_kept<T, V>(tool: super::ToolId, waiting: RwSignal<bool>, value: V)
where
    T: serde::de::DeserializeOwned + Send + Sync + 'static,
    V: Set<Value = Option<Result<T, AppError>>> + Clone + 'static,
{
    set_timeout(
        move || {
            leptos::task::spawn_local(async move {
                let last = super::last_answer(tool).await;
                let answer = super::pages::PlainAnswer(last.ok().flatten());
                if answer.pending() {
                    poll_kept(tool, waiting, value);
                    return;
                }
                waiting.set(false);
                if let Some(r) = answer.result::<T>() {
                    value.set(Some(r));
                }
            });
        },
        std::time::Duration::from_secs(2),
    );
}

/// Says that the last answer is still being written (see [`wait_for_kept`]).
#[component]
pub fn StillAnswering(waiting: RwSignal<bool>, what: &'static str) -> impl IntoView {
    view! {
        <Show when=move || waiting.get()>
            <p class="alert alert-info" role="status" data-still-answering>
                {what} " The answer appears here when it is ready (or reload the page in a moment)."
            </p>
        </Show>
    }
}

/// One tool form's answer on its way: streamed when it can be, else from the server
/// function; with the draft shown meanwhile and the Cancel that stops either.
pub struct Live<T: Send + Sync + 'static> {
    /// What the answer says so far, while it streams.
    pub draft: RwSignal<Option<T>>,
    streaming: RwSignal<bool>,
    cancel: Cancel,
    #[cfg(feature = "hydrate")]
    request: StoredValue<Option<xhr::Request>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for Live<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Live<T> {}

impl<T> Live<T>
where
    T: serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
{
    pub fn new() -> Self {
        Live {
            draft: RwSignal::new(None),
            streaming: RwSignal::new(false),
            cancel: Cancel::new(),
            #[cfg(feature = "hydrate")]
            request: StoredValue::new_local(None),
        }
    }

    /// Whether an answer is on its way: streaming, or `action_pending` (the server function).
    pub fn pending(self, action_pending: Memo<bool>) -> Signal<bool> {
        Signal::derive(move || action_pending.get() || self.streaming.get())
    }

    /// Whether the answer is streaming in now (the finished answer is not shown meanwhile).
    pub fn streaming(self) -> bool {
        self.streaming.get()
    }

    /// Asks for the answer: streamed from `path` with the form's `fields` (the answer, once
    /// complete, goes into `value`), or, when the request cannot be made, by `dispatch`
    /// (the server function, whose answer lands in `value` by itself).
    pub fn ask<V>(
        self,
        path: &'static str,
        fields: &[(&str, &str)],
        value: V,
        dispatch: impl FnOnce() -> ActionAbortHandle,
    ) where
        V: Set<Value = Option<Result<T, AppError>>> + 'static,
    {
        #[cfg(feature = "hydrate")]
        {
            let draft = self.draft;
            let streaming = self.streaming;
            let started = xhr::start(
                path,
                fields,
                move |d| draft.set(Some(d)),
                move |answer| {
                    streaming.set(false);
                    draft.set(None);
                    if let Some(answer) = answer {
                        value.set(Some(answer));
                    }
                },
            );
            if let Ok(request) = started {
                streaming.set(true);
                self.request.set_value(Some(request));
                return;
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (path, fields, value);
        self.cancel.keep(dispatch());
    }

    /// Stops the answer on its way, keeping the form as it is.
    pub fn on_cancel(self) -> Callback<()> {
        Callback::new(move |_| {
            self.cancel.callback().run(());
            #[cfg(feature = "hydrate")]
            if let Some(request) = self.request.try_update_value(Option::take).flatten() {
                request.cancel();
            }
        })
    }
}

impl<T> Default for Live<T>
where
    T: serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        Live::new()
    }
}

/// An answer still being written: shown as it stands, marked busy, nothing to act on yet.
#[component]
pub fn Drafted(children: Children) -> impl IntoView {
    view! {
        <div class="drafted" data-draft aria-busy="true">
            <p class="muted small" role="status">"Being written…"</p>
            {children()}
        </div>
    }
}

/// The streamed answer in the browser: an `XMLHttpRequest` whose text grows as the server's
/// events arrive.
#[cfg(feature = "hydrate")]
mod xhr {
    use super::take_events;
    use crate::error::AppError;
    use crate::features::tools::Finished;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{UrlSearchParams, XmlHttpRequest};

    /// A running request.
    pub struct Request {
        request: XmlHttpRequest,
        cancelled: Rc<Cell<bool>>,
        /// The call's id, from the stream's first event.
        call: Rc<Cell<Option<i64>>>,
    }

    impl Request {
        /// Stops waiting, and asks the server to stop the call (closing the connection
        /// alone does not: a page that is reloaded gets its answer when it comes back).
        pub fn cancel(&self) {
            self.cancelled.set(true);
            let _ = self.request.abort();
            if let Some(id) = self.call.get() {
                let _ = ask_to_stop(id);
            }
        }
    }

    /// `POST /tools/stream/cancel`, not waited for.
    fn ask_to_stop(id: i64) -> Result<(), JsValue> {
        let request = XmlHttpRequest::new()?;
        request.open("POST", crate::features::tools::CANCEL_PATH)?;
        request.set_request_header("Content-Type", "application/x-www-form-urlencoded")?;
        request.send_with_opt_str(Some(&format!("call={id}")))
    }

    /// Posts `fields` to `path` asking for events: `on_draft` gets each draft, `on_done` the
    /// answer once the request ends (`None` when it was cancelled).
    pub fn start<T: serde::de::DeserializeOwned + 'static>(
        path: &str,
        fields: &[(&str, &str)],
        on_draft: impl Fn(T) + 'static,
        on_done: impl FnOnce(Option<Result<T, AppError>>) + 'static,
    ) -> Result<Request, JsValue> {
        let request = XmlHttpRequest::new()?;
        request.open("POST", path)?;
        request.set_request_header("Content-Type", "application/x-www-form-urlencoded")?;
        request.set_request_header("Accept", "text/event-stream")?;
        let seen = Rc::new(Cell::new(0usize));
        let call = Rc::new(Cell::new(None::<i64>));
        let answer: Rc<RefCell<Option<Result<T, AppError>>>> = Rc::new(RefCell::new(None));
        let read = {
            let (request, seen, answer, call) =
                (request.clone(), seen.clone(), answer.clone(), call.clone());
            Rc::new(move || {
                if request.status().unwrap_or(0) != 200 {
                    return;
                }
                let text = request.response_text().ok().flatten().unwrap_or_default();
                let mut at = seen.get();
                for (name, data) in take_events(&text, &mut at) {
                    match name.as_str() {
                        "call" => {
                            let id = serde_json::from_str::<serde_json::Value>(&data)
                                .ok()
                                .and_then(|v| v["id"].as_i64());
                            call.set(id);
                        }
                        "draft" => {
                            if let Ok(d) = serde_json::from_str(&data) {
                                on_draft(d);
                            }
                        }
                        "result" => {
                            *answer.borrow_mut() = Some(
                                serde_json::from_str::<Finished<T>>(&data)
                                    .map(|f| f.result)
                                    .map_err(|_| AppError::Internal),
                            );
                        }
                        "error" => {
                            *answer.borrow_mut() = Some(Err(
                                serde_json::from_str(&data).unwrap_or(AppError::Internal)
                            ));
                        }
                        _ => {}
                    }
                }
                seen.set(at);
            })
        };
        let on_progress = {
            let read = read.clone();
            Closure::<dyn FnMut()>::new(move || read())
        };
        request.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        let cancelled = Rc::new(Cell::new(false));
        let ended = {
            let (request, cancelled) = (request.clone(), cancelled.clone());
            // Called once, when the request ends however it ends; it frees the closures.
            Closure::once_into_js(move || {
                drop(on_progress);
                read();
                if cancelled.get() {
                    return on_done(None);
                }
                let status = request.status().unwrap_or(0);
                let text = request.response_text().ok().flatten().unwrap_or_default();
                let answer = answer.borrow_mut().take();
                on_done(Some(match (status, answer) {
                    (200, Some(answer)) => answer,
                    (200, None) | (0, _) => Err(AppError::Upstream(
                        "The answer stopped before it was complete. Check your connection and try again.".into(),
                    )),
                    _ => Err(serde_json::from_str(&text).unwrap_or(AppError::Internal)),
                }));
            })
        };
        request.set_onloadend(Some(ended.unchecked_ref()));
        let form = UrlSearchParams::new()?;
        for (name, value) in fields {
            form.append(name, value);
        }
        let body = String::from(form.to_string());
        request.send_with_opt_str(Some(body.as_str()))?;
        Ok(Request {
            request,
            cancelled,
            call,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_events_are_read_once_complete() {
        let text = "event: draft\ndata: {\"a\":1}\n\n:\n\nevent: result\ndata: {";
        let mut seen = 0;
        assert_eq!(
            take_events(text, &mut seen),
            vec![("draft".to_owned(), "{\"a\":1}".to_owned())]
        );
        assert!(take_events(text, &mut seen).is_empty());
        let more = format!("{text}}}\n\n");
        assert_eq!(
            take_events(&more, &mut seen),
            vec![("result".to_owned(), "{}".to_owned())]
        );
    }
}
