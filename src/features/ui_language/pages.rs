//! The language pickers: a card on the profile and one on Admin → Features. Plain forms: the
//! page comes back from the server in the language just chosen.

use super::{Languages, SetCompanyLanguage, SetLanguage};
use crate::components::{action_error, error_alert, FormAlert};
use crate::i18n::*;
use crate::locale::{self, Locale};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// `<select name="lang">`: "none chosen" (`unset`, value "") first, then each language in
/// its own name, `current` selected.
fn language_select(unset: String, current: Option<String>) -> impl IntoView {
    let current = current.as_deref().and_then(locale::parse);
    view! {
        <select id="field-lang" name="lang">
            <option value="" selected=current.is_none()>{unset}</option>
            {locale::all().iter().map(|option| {
                let tag = locale::tag(*option);
                view! { <option value=tag lang=tag selected=current == Some(*option)>{locale::name(*option)}</option> }
            }).collect_view()}
        </select>
    }
}

/// Whether `?language=saved` (the plain form's redirect) or the action says it is saved.
fn saved_notice(
    succeeded: impl Fn() -> bool + Send + Sync + 'static,
    words: &'static str,
) -> Signal<Option<String>> {
    let query = use_query_map();
    Signal::derive(move || {
        (query.read().get("language").as_deref() == Some("saved") || succeeded())
            .then(|| words.to_owned())
    })
}

/// The person's language, on their profile.
#[component]
pub fn LanguageCard() -> impl IntoView {
    let l = crate::locale::current();
    let set = ServerAction::<SetLanguage>::new();
    let choices = Resource::new(|| (), |_| super::language_choices());
    let saved = saved_notice(
        move || matches!(set.value().get(), Some(Ok(_))),
        td_string!(l, settings.language.saved),
    );
    view! {
        <section class="card narrow" id="language" aria-labelledby="language-heading">
            <h2 id="language-heading">{td_string!(l, settings.language.heading)}</h2>
            <p class="muted">{td_string!(l, settings.language.intro)}</p>
            <FormAlert message=saved success=true/>
            <FormAlert message=action_error(set.value())/>
            <Suspense fallback=move || view! { <p class="muted">{td_string!(l, shell.loading)}</p> }>
                {move || choices.get().map(|r| match r {
                    Ok(Languages { chosen, company_default }) => {
                        let fallback = company_default
                            .as_deref()
                            .and_then(locale::parse)
                            .map_or_else(|| td_string!(l, settings.company_language.browser).to_owned(), |d: Locale| locale::name(d).to_owned());
                        view! {
                            <ActionForm action=set>
                                <div class="field">
                                    <label for="field-lang">{td_string!(l, settings.language.label)}</label>
                                    {language_select(format!("{} — {fallback}", td_string!(l, settings.language.unset)), chosen)}
                                </div>
                                <button type="submit" class="button button-small">{td_string!(l, settings.language.save)}</button>
                            </ActionForm>
                        }.into_any()
                    }
                    Err(e) => error_alert(&e),
                })}
            </Suspense>
        </section>
    }
}

/// The company's default language, on Admin → Features (the page checks the caller is an
/// administrator; the server function checks again).
#[component]
pub fn CompanyLanguageCard(current: Option<String>) -> impl IntoView {
    let l = crate::locale::current();
    let set = ServerAction::<SetCompanyLanguage>::new();
    let saved = saved_notice(
        move || matches!(set.value().get(), Some(Ok(_))),
        td_string!(l, settings.company_language.saved),
    );
    view! {
        <section class="card" id="language" aria-labelledby="company-language-heading">
            <h2 id="company-language-heading">{td_string!(l, settings.company_language.heading)}</h2>
            <p class="muted">{td_string!(l, settings.company_language.intro)}</p>
            <FormAlert message=saved success=true/>
            <FormAlert message=action_error(set.value())/>
            <ActionForm action=set>
                <div class="field">
                    <label for="field-lang">{td_string!(l, settings.language.label)}</label>
                    {language_select(td_string!(l, settings.company_language.browser).to_owned(), current)}
                </div>
                <button type="submit" class="button button-small">{td_string!(l, settings.company_language.save)}</button>
            </ActionForm>
        </section>
    }
}
