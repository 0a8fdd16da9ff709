//! The profile's "AI models" card: for each AI tool whose company allows more than one
//! model, which one the person's calls go to first. Plain forms: the same without
//! JavaScript.

use super::{ModelChoices, SetModelChoice, ToolModels};
use crate::components::{action_error, error_alert, FormAlert};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ModelChoicesCard() -> impl IntoView {
    let set = ServerAction::<SetModelChoice>::new();
    let current = Resource::new(move || set.version().get(), |_| super::my_models());
    let query = use_query_map();
    let saved = Signal::derive(move || {
        let done = query.read().get("models").as_deref() == Some("saved")
            || matches!(set.value().get(), Some(Ok(_)));
        done.then(|| "Your model choice is saved.".to_owned())
    });
    view! {
        <section class="card narrow" id="models" aria-labelledby="models-heading">
            <h2 id="models-heading">"AI models"</h2>
            <FormAlert message=saved success=true/>
            <FormAlert message=action_error(set.value())/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || current.get().map(|r| match r {
                    Ok(choices) => view! { <Choices choices set/> }.into_any(),
                    Err(e) => error_alert(&e),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Choices(choices: ModelChoices, set: ServerAction<SetModelChoice>) -> impl IntoView {
    let (several, single): (Vec<ToolModels>, Vec<ToolModels>) =
        choices.tools.into_iter().partition(|t| t.models.len() > 1);
    view! {
        <p class="muted">"Where your company allows more than one model for a tool, choose the one your calls go to first; the others answer when it is busy or failing."</p>
        {several.into_iter().map(|t| {
            let flag = t.tool.info().flag;
            let id = format!("model-{flag}");
            let first = t.models[0].clone();
            let chosen = t.chosen.clone();
            view! {
                <ActionForm action=set attr:class="form-row model-choice" attr:data-tool=flag>
                    <input type="hidden" name="tool" value=flag/>
                    <div class="field">
                        <label for=id.clone()>{t.tool.info().title}</label>
                        <select id=id name="model">
                            <option value="" selected=chosen.is_none()>{format!("Your company's order ({first} first)")}</option>
                            {t.models.into_iter().map(|m| {
                                let selected = chosen.as_deref() == Some(m.as_str());
                                view! { <option value=m.clone() selected=selected>{m.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="button button-small">"Save"</button>
                </ActionForm>
            }
        }).collect_view()}
        {(!single.is_empty()).then(|| view! {
            <p class="small muted">{format!(
                "One model each for {}: {}.",
                single.iter().map(|t| t.tool.info().title).collect::<Vec<_>>().join(", "),
                "an administrator can add fallback models on Admin → AI services"
            )}</p>
        })}
    }
}
