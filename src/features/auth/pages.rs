//! Sign-in, registration and password pages. Every form is an `ActionForm`: a plain form
//! post (the server sends the page back with the message); the sign-up form is an island
//! that checks the address and the password as they are typed.

use super::SignedIn;
use super::{ChangePassword, Login, Register};
use crate::components::{
    field_error, form_error, link_to, strong, FormAlert, HydrationMark, IslandCode, RequireUser,
    SubmitButton, TextField,
};
use crate::domain::account::{Email, Password};
use crate::error::AppError;
use crate::i18n::*;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let signed_out = move || query.read().get("signed_out").is_some();
    let was_reset = move || query.read().get("reset").is_some();
    let deleted = move || query.read().get("deleted").is_some();
    let verified = move || query.read().get("verified").is_some();
    let action = ServerAction::<Login>::new();
    let value = action.value();
    load_next_page_on_success(value);
    let l = crate::locale::current();
    view! {
        <Title text=td_string!(l, auth.login.title)/>
        <section class="card narrow auth-card">
            <h1>{td_string!(l, auth.login.heading)}</h1>
            <Show when=signed_out>
                <p class="alert alert-success" role="status">{td_string!(l, auth.login.signed_out)}</p>
            </Show>
            <Show when=deleted>
                <p class="alert alert-success" role="status">{td_string!(l, auth.login.deleted)}</p>
            </Show>
            <Show when=was_reset>
                <p class="alert alert-success" role="status">{td_string!(l, auth.login.was_reset)}</p>
            </Show>
            <Show when=verified>
                <p class="alert alert-success" role="status">{td_string!(l, auth.login.verified)}</p>
            </Show>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <input type="hidden" name="next" value=next/>
                <TextField label=td_string!(l, auth.email) name="email" kind="email" autocomplete="email"
                    maxlength=254 error=field_error(value, "email")/>
                <TextField label=td_string!(l, auth.password) name="password" kind="password"
                    autocomplete="current-password" maxlength=128 error=field_error(value, "password")/>
                <SubmitButton pending=action.pending() label=td_string!(l, auth.login.submit)
                    busy=td_string!(l, auth.login.submitting)/>
            </ActionForm>
            <p class="muted">{td!(l, auth.login.company, <link> = link_to("/login/company"))}</p>
            <p class="muted"><a href="/forgot-password">{td_string!(l, auth.login.forgot)}</a></p>
            <p class="muted">{td!(l, auth.login.new_here,
                <register> = link_to("/register"), <join> = link_to("/join"))}</p>
        </section>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let query = use_query_map();
    let invite = query.read_untracked().get("invite").unwrap_or_default();
    let l = crate::locale::current();
    if invite.is_empty() {
        return view! {
            <Title text=td_string!(l, auth.register.title)/>
            <RegisterCard invitation=None/>
        }
        .into_any();
    }
    let token = invite.clone();
    let info = Resource::new(
        move || token.clone(),
        crate::features::members::get_invitation,
    );
    view! {
        <Suspense fallback=move || view! { <p class="muted">{td_string!(l, auth.register.checking_invitation)}</p> }>
            {move || {
                let invite = invite.clone();
                info.get().map(move |res| match res {
                    Ok(info) => view! {
                        <Title text=td_string!(l, auth.register.title_invited)/>
                        <RegisterCard invitation=Some((invite, info))/>
                    }.into_any(),
                    Err(e) => view! {
                        <Title text=td_string!(l, auth.register.invitation_title)/>
                        <section class="card narrow">
                            <h1>{td_string!(l, auth.register.invitation_unusable)}</h1>
                            <p class="alert alert-error" role="alert">{e.message().to_owned()}</p>
                            <p class="muted">{td!(l, auth.have_account, <link> = link_to("/login"))}</p>
                        </section>
                    }.into_any(),
                })
            }}
        </Suspense>
    }
    .into_any()
}

/// The sign-up card: its words in the request's language, rendered on the server around the
/// form's island (which is given the few words it shows, so the browser is sent one
/// language, not all of them).
#[component]
fn RegisterCard(
    invitation: Option<(String, crate::features::members::InvitationInfo)>,
) -> impl IntoView {
    let l = crate::locale::current();
    // Views, not strings: the invitation's company, address and role go into the sentence.
    let (heading, intro) = match &invitation {
        Some((_, info)) => {
            let role = match info.role {
                crate::domain::Role::Admin => td_string!(l, auth.register.role_admin),
                crate::domain::Role::Member => td_string!(l, auth.register.role_member),
            };
            let company = info.tenant_name.clone();
            let email = info.email.clone();
            (
                td!(l, auth.register.heading_invited, company).into_any(),
                td!(l, auth.register.intro_invited, email, role).into_any(),
            )
        }
        None => (
            td!(l, auth.register.heading).into_any(),
            td!(l, auth.register.intro).into_any(),
        ),
    };
    let invited = invitation.is_some();
    let words = RegisterWords {
        name: td_string!(l, auth.register.name).to_owned(),
        email: td_string!(l, auth.work_email).to_owned(),
        password: td_string!(l, auth.password).to_owned(),
        password_hint: td_string!(l, auth.password_hint).to_owned(),
        company: td_string!(l, auth.register.company).to_owned(),
        submit: if invited {
            td_string!(l, auth.register.submit_invited)
        } else {
            td_string!(l, auth.register.submit)
        }
        .to_owned(),
        submitting: td_string!(l, auth.register.submitting).to_owned(),
    };
    view! {
        <section class="card narrow auth-card">
            <h1>{heading}</h1>
            <p class="muted">{intro}</p>
            <RegisterForm invitation=invitation.map(|(token, info)| (token, info.email)) words/>
            {(!invited).then(|| view! {
                <p class="muted">{td!(l, auth.register.join_instead, <link> = link_to("/join"))}</p>
            })}
            <p class="muted">{td!(l, auth.have_account, <link> = link_to("/login"))}</p>
        </section>
        <IslandCode/>
    }
}

/// What the sign-up island shows, in the request's language.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RegisterWords {
    name: String,
    email: String,
    password: String,
    password_hint: String,
    company: String,
    submit: String,
    submitting: String,
}

/// The sign-up form: an island, so the address and the password are checked as they are
/// typed, with the same parsers the server uses. `invitation`: the invitation's token and
/// the address it was sent to.
#[island(lazy)]
fn RegisterForm(invitation: Option<(String, String)>, words: RegisterWords) -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let value = action.value();
    load_next_page_on_success(value);
    // Instant feedback in the browser with the same parsers the server uses.
    let email_hint = RwSignal::new(None::<String>);
    let password_hint = RwSignal::new(None::<String>);
    let server_email = field_error(value, "email");
    let server_password = field_error(value, "password");
    let email_error = Signal::derive(move || email_hint.get().or_else(|| server_email.get()));
    let password_error =
        Signal::derive(move || password_hint.get().or_else(|| server_password.get()));
    let check_email = Callback::new(move |v: String| {
        email_hint.set(if v.is_empty() {
            None
        } else {
            Email::parse(&v).err().map(|e| e.message().to_owned())
        });
    });
    let check_password = Callback::new(move |v: String| {
        password_hint.set(if v.is_empty() {
            None
        } else {
            Password::parse(&v, "password", &[])
                .err()
                .map(|e| e.message().to_owned())
        });
    });
    let invited = invitation.is_some();
    let (token, invited_email) = invitation.unwrap_or_default();
    let email_value = Signal::derive(move || invited_email.clone());
    let RegisterWords {
        name,
        email,
        password,
        password_hint: hint,
        company,
        submit,
        submitting,
    } = words;
    view! {
        <HydrationMark/>
        <ActionForm action=action>
            <FormAlert message=form_error(value)/>
            <input type="hidden" name="invite" value=token/>
            <TextField label=name name="name" autocomplete="name" maxlength=100
                error=field_error(value, "name")/>
            {if invited {
                view! {
                    <TextField label=email name="email" kind="email" autocomplete="email" maxlength=254
                        value=email_value readonly=true error=email_error/>
                }.into_any()
            } else {
                view! {
                    <TextField label=email name="email" kind="email" autocomplete="email" maxlength=254
                        error=email_error on_input=check_email/>
                }.into_any()
            }}
            <TextField label=password name="password" kind="password" autocomplete="new-password"
                hint=hint minlength=12 maxlength=128 error=password_error on_input=check_password/>
            {(!invited).then(|| view! {
                <TextField label=company name="company" autocomplete="organization" maxlength=120
                    error=field_error(value, "company")/>
            })}
            <SubmitButton pending=action.pending() label=submit busy=submitting/>
        </ActionForm>
    }
}

#[component]
pub fn SecurityPage() -> impl IntoView {
    // Read once, here, outside the views that render again while the page waits.
    let shown_once = crate::features::personal_tokens::pages::shown_once();
    let two_factor = super::two_factor_pages::TwoFactorCard::new();
    view! {
        <Title text="Security settings"/>
        <RequireUser>
            <ChangePasswordForm/>
            <super::two_factor_pages::TwoFactorSettings card=two_factor/>
            <crate::features::personal_tokens::pages::PersonalTokens shown_once/>
        </RequireUser>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<ChangePassword>::new();
    let value = action.value();
    let done = Signal::derive(move || {
        let changed_in_place = matches!(value.get(), Some(Ok(_)));
        let changed_by_form_post =
            query.read().get("changed").is_some() && value.with(Option::is_none);
        (changed_in_place || changed_by_form_post).then(|| {
            "Your password was changed. Your other sessions have been signed out.".to_owned()
        })
    });
    view! {
        <section class="card narrow">
            <h1>"Security"</h1>
            <h2>"Change your password"</h2>
            <FormAlert message=done success=true/>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <TextField label="Current password" name="current_password" kind="password"
                    autocomplete="current-password" maxlength=128 error=field_error(value, "current_password")/>
                <TextField label="New password" name="new_password" kind="password" autocomplete="new-password"
                    hint="At least 12 characters. Other devices you are signed in on will be signed out."
                    minlength=12 maxlength=128 error=field_error(value, "new_password")/>
                <TextField label="Repeat the new password" name="confirm_password" kind="password"
                    autocomplete="new-password" maxlength=128 error=field_error(value, "confirm_password")/>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
    }
}

/// After an in-place sign-in or registration, loads the next page fully, so every part of
/// the page is rendered for the signed-in person by the server.
fn load_next_page_on_success<S>(value: S)
where
    S: With<Value = Option<Result<SignedIn, AppError>>> + Send + Sync + 'static,
{
    Effect::new(move |_| {
        let next = value.with(|v| match v {
            Some(Ok(signed_in)) => Some(signed_in.next.clone()),
            _ => None,
        });
        if let Some(next) = next {
            #[cfg(feature = "hydrate")]
            {
                let _ = window().location().set_href(&next);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = next;
        }
    });
}

/// `/forgot-password`: an address in, a link to choose a new password out (by mail).
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<super::RequestPasswordReset>::new();
    let value = action.value();
    let l = crate::locale::current();
    // The same words whether the form was sent in place or as a plain post.
    let sent = Signal::derive(move || {
        (matches!(value.get(), Some(Ok(_))) || query.read().get("sent").is_some())
            .then(|| td_string!(l, auth.forgot.sent).to_owned())
    });
    view! {
        <Title text=td_string!(l, auth.forgot.title)/>
        <section class="card narrow auth-card">
            <h1>{td_string!(l, auth.forgot.heading)}</h1>
            <p class="muted">{td_string!(l, auth.forgot.intro)}</p>
            <FormAlert message=sent success=true/>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <TextField label=td_string!(l, auth.email) name="email" kind="email" autocomplete="email"
                    maxlength=254 error=field_error(value, "email")/>
                <SubmitButton pending=action.pending() label=td_string!(l, auth.forgot.submit)
                    busy=td_string!(l, auth.forgot.submitting)/>
            </ActionForm>
            <p class="muted"><a href="/login">{td_string!(l, auth.back_to_sign_in)}</a></p>
        </section>
    }
}

/// `/reset-password?token=…`: the link from the mail; a new password, twice.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let check = {
        let token = token.clone();
        Resource::new(move || token.clone(), super::check_reset_link)
    };
    let action = ServerAction::<super::ResetPassword>::new();
    let value = action.value();
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(()))) {
            leptos_router::hooks::use_navigate()("/login?reset=1", Default::default());
        }
    });
    let l = crate::locale::current();
    view! {
        <Title text=td_string!(l, auth.reset.title)/>
        <section class="card narrow auth-card">
            <h1>{td_string!(l, auth.reset.title)}</h1>
            <Suspense fallback=move || view! { <p class="muted">{td_string!(l, auth.reset.checking)}</p> }>
                {move || {
                    let token = token.clone();
                    check.get().map(move |res| match res {
                        Ok(email) => view! {
                            <p class="muted">{td!(l, auth.reset.for_whom, email, <strong> = strong)}</p>
                            <ActionForm action=action>
                                <FormAlert message=form_error(value)/>
                                <input type="hidden" name="token" value=token/>
                                <TextField label=td_string!(l, auth.reset.new_password) name="new_password" kind="password"
                                    autocomplete="new-password" maxlength=128 error=field_error(value, "new_password")
                                    hint=td_string!(l, auth.password_hint)/>
                                <TextField label=td_string!(l, auth.reset.again) name="confirm_password" kind="password"
                                    autocomplete="new-password" maxlength=128 error=field_error(value, "confirm_password")/>
                                <button type="submit" class="button button-wide" disabled=move || action.pending().get()>{td_string!(l, auth.reset.submit)}</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => view! {
                            <p class="alert alert-error" role="alert">{e.message().to_owned()}</p>
                            <p><a class="button" href="/forgot-password">{td_string!(l, auth.reset.new_link)}</a></p>
                        }.into_any(),
                    })
                }}
            </Suspense>
        </section>
    }
}

/// `/verify-email?token=…`: the link from the verification mail; one button confirms it (a
/// link scanner that only opens the page confirms nothing).
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let action = ServerAction::<super::VerifyEmail>::new();
    let value = action.value();
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(()))) {
            // A full load: the signed-in frame reads the confirmed address anew.
            #[cfg(feature = "hydrate")]
            {
                let _ = window().location().set_href("/?verified=1");
            }
        }
    });
    let l = crate::locale::current();
    view! {
        <Title text=td_string!(l, auth.verify.title)/>
        <section class="card narrow auth-card">
            <h1>{td_string!(l, auth.verify.title)}</h1>
            <p class="muted">{td_string!(l, auth.verify.intro)}</p>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                // The link's own problem (used or expired) has no field of its own to sit by.
                <FormAlert message=field_error(value, "token")/>
                <input type="hidden" name="token" value=token/>
                <SubmitButton pending=action.pending() label=td_string!(l, auth.verify.submit)
                    busy=td_string!(l, auth.verify.submitting)/>
            </ActionForm>
        </section>
    }
}

/// For a signed-in person who has not confirmed their address: what waits for it, and a
/// button that mails a new link (with or without JavaScript).
#[component]
pub fn VerifyEmailNotice(email: String) -> impl IntoView {
    let query = use_query_map();
    let action = ServerAction::<super::ResendVerification>::new();
    let value = action.value();
    let l = crate::locale::current();
    let sent = Signal::derive(move || {
        (matches!(value.get(), Some(Ok(_))) || query.read().get("verification_sent").is_some())
            .then(|| td_string!(l, auth.verify.resent).to_owned())
    });
    view! {
        <section class="card notice" aria-labelledby="verify-title">
            <h2 id="verify-title">{td_string!(l, auth.verify.title)}</h2>
            <p>{td!(l, auth.verify.notice, email, <strong> = strong)}</p>
            <FormAlert message=sent success=true/>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <button type="submit" class="button button-quiet" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { td_string!(l, auth.verify.resending) } else { td_string!(l, auth.verify.resend) }}
                </button>
            </ActionForm>
        </section>
    }
}

/// `/login/two-factor`: the second step of signing in.
#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let action = ServerAction::<super::SecondFactor>::new();
    let value = action.value();
    load_next_page_on_success(value);
    let l = crate::locale::current();
    view! {
        <Title text=td_string!(l, auth.second_factor.title)/>
        <section class="card narrow auth-card">
            <h1>{td_string!(l, auth.second_factor.heading)}</h1>
            <p class="muted">{td_string!(l, auth.second_factor.intro)}</p>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <TextField label=td_string!(l, auth.second_factor.code) name="code" kind="text" autocomplete="one-time-code"
                    maxlength=20 error=field_error(value, "code")
                    hint=td_string!(l, auth.second_factor.hint)/>
                <SubmitButton pending=action.pending() label=td_string!(l, auth.second_factor.submit)
                    busy=td_string!(l, auth.second_factor.submitting)/>
            </ActionForm>
            <p class="muted"><a href="/login">{td_string!(l, auth.second_factor.start_again)}</a></p>
        </section>
    }
}
