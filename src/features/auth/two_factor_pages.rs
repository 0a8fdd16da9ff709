//! Two-factor sign-in in the browser: the card on the security page (set up with a QR code
//! or the secret as text, confirm with a first code, recovery codes shown once, turn off)
//! (the page that asks for a code after the password is `pages::SecondFactorPage`). Every
//! form works without JavaScript.

use super::{DisableTwoFactor, EnableTwoFactor, StartTwoFactor, TwoFactorSetup, TwoFactorState};
use crate::components::{field_error, form_error, FormAlert, TextField};
use crate::error::AppError;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The actions of the card and the state they change, made by the page (outside the views
/// that render again while it waits), so the recovery codes kept for a plain form post are
/// taken from the session once.
#[derive(Clone, Copy)]
pub struct TwoFactorCard {
    start: ServerAction<StartTwoFactor>,
    enable: ServerAction<EnableTwoFactor>,
    disable: ServerAction<DisableTwoFactor>,
    state: Resource<Result<TwoFactorState, AppError>>,
}

impl TwoFactorCard {
    pub fn new() -> TwoFactorCard {
        let start = ServerAction::<StartTwoFactor>::new();
        let enable = ServerAction::<EnableTwoFactor>::new();
        let disable = ServerAction::<DisableTwoFactor>::new();
        let take_codes =
            use_query_map().with_untracked(|q| q.get("two_factor").as_deref() == Some("on"));
        let state = Resource::new(
            move || {
                (
                    start.version().get(),
                    enable.version().get(),
                    disable.version().get(),
                )
            },
            move |_| super::two_factor_status(take_codes),
        );
        TwoFactorCard {
            start,
            enable,
            disable,
            state,
        }
    }
}

impl Default for TwoFactorCard {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn TwoFactorSettings(card: TwoFactorCard) -> impl IntoView {
    let TwoFactorCard {
        start,
        enable,
        disable,
        state,
    } = card;
    let query = use_query_map();
    let notice = Signal::derive(move || {
        if matches!(disable.value().get(), Some(Ok(())))
            || query.read().get("two_factor").as_deref() == Some("off")
        {
            Some("Two-factor sign-in is off.".to_owned())
        } else {
            None
        }
    });
    // Codes from an in-place confirmation; a plain form post brings them in the state.
    let fresh_codes = move || match enable.value().get() {
        Some(Ok(codes)) => Some(codes),
        _ => None,
    };
    view! {
        <section class="card narrow" id="two-factor" aria-labelledby="two-factor-title">
            <h2 id="two-factor-title">"Two-factor sign-in"</h2>
            <FormAlert message=notice success=true/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || state.get().map(|res| match res {
                    Ok(s) => {
                        let codes = fresh_codes().or(s.new_codes.clone());
                        view! { <TwoFactorBody state=s codes start enable disable/> }.into_any()
                    }
                    Err(e) => crate::components::error_alert(&e),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TwoFactorBody(
    state: TwoFactorState,
    codes: Option<Vec<String>>,
    start: ServerAction<StartTwoFactor>,
    enable: ServerAction<EnableTwoFactor>,
    disable: ServerAction<DisableTwoFactor>,
) -> impl IntoView {
    let required = state.required;
    if state.enabled {
        let left = state.recovery_codes_left;
        return view! {
            <p><span class="badge badge-ok">"On"</span>
                " Signing in asks for a code from your authenticator app."</p>
            {codes.map(|codes| view! { <RecoveryCodes codes/> })}
            <p class="muted small">{format!("{left} of 10 recovery codes left.")}</p>
            {if required {
                view! { <p class="muted small">"Your company requires it, so it stays on."</p> }.into_any()
            } else {
                view! {
                    <details>
                        <summary>"Turn two-factor sign-in off"</summary>
                        <ActionForm action=disable>
                            <FormAlert message=form_error(disable.value())/>
                            <TextField label="A current code (or a recovery code)" name="code" kind="text"
                                autocomplete="one-time-code" maxlength=20 error=field_error(disable.value(), "code")/>
                            <button type="submit" class="button button-quiet">"Turn off"</button>
                        </ActionForm>
                    </details>
                }.into_any()
            }}
        }
        .into_any();
    }
    view! {
        <p><span class="badge">"Off"</span>
            {if required {
                " Your company requires it: set it up to use the tools."
            } else {
                " Add a second step to signing in: a code from an authenticator app on your phone."
            }}</p>
        {match state.pending {
            Some(setup) => view! { <ConfirmSetup setup enable/> }.into_any(),
            None => view! {
                <ActionForm action=start>
                    <FormAlert message=form_error(start.value())/>
                    <button type="submit" class="button">"Set up two-factor sign-in"</button>
                </ActionForm>
            }.into_any(),
        }}
    }
    .into_any()
}

#[component]
fn ConfirmSetup(setup: TwoFactorSetup, enable: ServerAction<EnableTwoFactor>) -> impl IntoView {
    view! {
        <ol class="setup-steps">
            <li>"Scan this code with your authenticator app (or add the key below by hand)."</li>
            <li>"Type the 6-digit code the app shows."</li>
        </ol>
        <div class="qr" inner_html=setup.qr_svg></div>
        <p>"Key: " <code class="secret-key" data-secret=setup.secret.clone()>{in_fours(&setup.secret)}</code></p>
        <ActionForm action=enable>
            <FormAlert message=form_error(enable.value())/>
            <TextField label="Code from the app" name="code" kind="text" autocomplete="one-time-code"
                maxlength=7 error=field_error(enable.value(), "code")/>
            <button type="submit" class="button" disabled=move || enable.pending().get()>"Turn on"</button>
        </ActionForm>
    }
}

/// The key in groups of four, as people type it (authenticator apps ignore the spaces).
fn in_fours(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    // A download that needs no JavaScript: the codes as a text file in the link itself.
    let file = format!(
        "Digame recovery codes\nEach one signs you in once, in place of a code from your app.\n\n{}\n",
        codes.join("\n")
    );
    let download = crate::util::data_url("text/plain", &file);
    let codes_text = codes.join("\n");
    view! {
        <div class="alert alert-success" role="status">
            <p><strong>"Two-factor sign-in is on. Keep these recovery codes somewhere safe."</strong>
                " Each one signs you in once if you lose your phone. They are shown only now."</p>
            <ul class="recovery-codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
            <div class="row-actions">
                <a class="button button-quiet" href=download download="digame-recovery-codes.txt">"Download the codes (.txt)"</a>
                // The copy button's code loads only here, where the codes are shown.
                <crate::components::CopyText text=codes_text label="Copy the codes".to_owned()/>
            </div>
            <crate::components::IslandCode/>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_key_is_shown_in_groups_of_four() {
        assert_eq!(super::in_fours("ABCDEFGHIJ"), "ABCD EFGH IJ");
        assert_eq!(super::in_fours(""), "");
    }
}
