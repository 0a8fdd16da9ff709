//! Sign-in, registration and password pages. Every form is an `ActionForm`: a plain form
//! post (the server sends the page back with the message); the sign-up form is an island
//! that checks the address and the password as they are typed.

use super::SignedIn;
use super::{ChangePassword, Login, Register};
use crate::components::{
    field_error, form_error, FormAlert, HydrationMark, IslandCode, RequireUser, TextField,
};
use crate::domain::account::{Email, Password};
use crate::error::AppError;
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
    view! {
        <Title text="Sign in"/>
        <section class="card narrow auth-card">
            <h1>"Sign in to Digame"</h1>
            <Show when=signed_out>
                <p class="alert alert-success" role="status">"You have signed out."</p>
            </Show>
            <Show when=deleted>
                <p class="alert alert-success" role="status">"Your account was deleted."</p>
            </Show>
            <Show when=was_reset>
                <p class="alert alert-success" role="status">"Your password was changed. Sign in with the new one."</p>
            </Show>
            <Show when=verified>
                <p class="alert alert-success" role="status">"Your email address is confirmed. Sign in to use the tools."</p>
            </Show>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <input type="hidden" name="next" value=next/>
                <TextField label="Email" name="email" kind="email" autocomplete="email"
                    maxlength=254 error=field_error(value, "email")/>
                <TextField label="Password" name="password" kind="password"
                    autocomplete="current-password" maxlength=128 error=field_error(value, "password")/>
                <button type="submit" class="button button-wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="muted"><a href="/login/company">"Sign in with your company"</a>" (single sign-on)"</p>
            <p class="muted"><a href="/forgot-password">"Forgot your password?"</a></p>
            <p class="muted">"New to Digame? " <a href="/register">"Create an account"</a>
                " or " <a href="/join">"join your company"</a></p>
        </section>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let query = use_query_map();
    let invite = query.read_untracked().get("invite").unwrap_or_default();
    if invite.is_empty() {
        return view! {
            <Title text="Create your account"/>
            <RegisterForm invitation=None/>
            <IslandCode/>
        }
        .into_any();
    }
    let token = invite.clone();
    let info = Resource::new(
        move || token.clone(),
        crate::features::members::get_invitation,
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Checking your invitation…"</p> }>
            {move || {
                let invite = invite.clone();
                info.get().map(move |res| match res {
                    Ok(info) => view! {
                        <Title text="Join your team"/>
                        <RegisterForm invitation=Some((invite, info))/>
                        <IslandCode/>
                    }.into_any(),
                    Err(e) => view! {
                        <Title text="Invitation"/>
                        <section class="card narrow">
                            <h1>"This invitation cannot be used"</h1>
                            <p class="alert alert-error" role="alert">{e.message().to_owned()}</p>
                            <p class="muted">"Already have an account? " <a href="/login">"Sign in"</a></p>
                        </section>
                    }.into_any(),
                })
            }}
        </Suspense>
    }
    .into_any()
}

/// The sign-up form: an island, so the address and the password are checked as they are
/// typed, with the same parsers the server uses.
#[island(lazy)]
fn RegisterForm(
    invitation: Option<(String, crate::features::members::InvitationInfo)>,
) -> impl IntoView {
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
    let (title, intro) = match &invitation {
        Some((_, info)) => (
            format!("Join {} on Digame", info.tenant_name),
            format!("You were invited as {} ({}). Choose your name and a password.", info.email, info.role.label().to_lowercase()),
        ),
        None => (
            "Create your Digame account".to_owned(),
            "You will be the administrator of your company's workspace and can invite your team later.".to_owned(),
        ),
    };
    let invited = invitation.is_some();
    let (token, invited_email) = invitation
        .map(|(t, info)| (t, info.email))
        .unwrap_or_default();
    let email_value = Signal::derive(move || invited_email.clone());
    view! {
        <section class="card narrow auth-card">
            <HydrationMark/>
            <h1>{title}</h1>
            <p class="muted">{intro}</p>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <input type="hidden" name="invite" value=token/>
                <TextField label="Your name" name="name" autocomplete="name" maxlength=100
                    error=field_error(value, "name")/>
                {if invited {
                    view! {
                        <TextField label="Work email" name="email" kind="email" autocomplete="email" maxlength=254
                            value=email_value readonly=true error=email_error/>
                    }.into_any()
                } else {
                    view! {
                        <TextField label="Work email" name="email" kind="email" autocomplete="email" maxlength=254
                            error=email_error on_input=check_email/>
                    }.into_any()
                }}
                <TextField label="Password" name="password" kind="password" autocomplete="new-password"
                    hint="At least 12 characters. A few unrelated words together work well."
                    minlength=12 maxlength=128 error=password_error on_input=check_password/>
                {(!invited).then(|| view! {
                    <TextField label="Company name" name="company" autocomplete="organization" maxlength=120
                        error=field_error(value, "company")/>
                })}
                <button type="submit" class="button button-wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() {
                        "Creating your account…"
                    } else if invited { "Join" } else { "Create account" }}
                </button>
            </ActionForm>
            {(!invited).then(|| view! {
                <p class="muted">"Your company already uses Digame? " <a href="/join">"Join it with your work address"</a></p>
            })}
            <p class="muted">"Already have an account? " <a href="/login">"Sign in"</a></p>
        </section>
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
    let sent = Signal::derive(move || {
        match value.get() {
        Some(Ok(said)) => Some(said),
        _ if query.read().get("sent").is_some() => {
            Some("If that address has a Digame account, a link to choose a new password is on its way. It works for 30 minutes.".to_owned())
        }
        _ => None,
    }
    });
    view! {
        <Title text="Forgot your password"/>
        <section class="card narrow auth-card">
            <h1>"Forgot your password?"</h1>
            <p class="muted">"Enter the address you sign in with. We will mail you a link to choose a new password."</p>
            <FormAlert message=sent success=true/>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <TextField label="Email" name="email" kind="email" autocomplete="email"
                    maxlength=254 error=field_error(value, "email")/>
                <button type="submit" class="button button-wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Sending…" } else { "Send the link" }}
                </button>
            </ActionForm>
            <p class="muted"><a href="/login">"Back to sign in"</a></p>
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
    view! {
        <Title text="Choose a new password"/>
        <section class="card narrow auth-card">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Checking your link…"</p> }>
                {move || {
                    let token = token.clone();
                    check.get().map(move |res| match res {
                        Ok(email) => view! {
                            <p class="muted">"For " <strong>{email}</strong> ". Every other session of yours ends when you save it."</p>
                            <ActionForm action=action>
                                <FormAlert message=form_error(value)/>
                                <input type="hidden" name="token" value=token/>
                                <TextField label="New password" name="new_password" kind="password"
                                    autocomplete="new-password" maxlength=128 error=field_error(value, "new_password")
                                    hint="At least 12 characters. A few unrelated words together work well."/>
                                <TextField label="New password again" name="confirm_password" kind="password"
                                    autocomplete="new-password" maxlength=128 error=field_error(value, "confirm_password")/>
                                <button type="submit" class="button button-wide" disabled=move || action.pending().get()>"Save the new password"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => view! {
                            <p class="alert alert-error" role="alert">{e.message().to_owned()}</p>
                            <p><a class="button" href="/forgot-password">"Ask for a new link"</a></p>
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
    view! {
        <Title text="Confirm your email address"/>
        <section class="card narrow auth-card">
            <h1>"Confirm your email address"</h1>
            <p class="muted">"Confirming lets you store your API keys, use the tools and invite people."</p>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                // The link's own problem (used or expired) has no field of its own to sit by.
                <FormAlert message=field_error(value, "token")/>
                <input type="hidden" name="token" value=token/>
                <button type="submit" class="button button-wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Confirming…" } else { "Confirm my address" }}
                </button>
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
    let sent = Signal::derive(move || match value.get() {
        Some(Ok(said)) => Some(said),
        _ if query.read().get("verification_sent").is_some() => {
            Some("A new link is on its way. It works for 48 hours.".to_owned())
        }
        _ => None,
    });
    view! {
        <section class="card notice" aria-labelledby="verify-title">
            <h2 id="verify-title">"Confirm your email address"</h2>
            <p>"We sent a link to " <strong>{email}</strong> ". Until you open it you can look around and finish your setup, \
                but not store API keys, use the tools or invite people."</p>
            <FormAlert message=sent success=true/>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <button type="submit" class="button button-quiet" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Sending…" } else { "Send a new link" }}
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
    view! {
        <Title text="Two-factor sign-in"/>
        <section class="card narrow auth-card">
            <h1>"One more step"</h1>
            <p class="muted">"Enter the 6-digit code your authenticator app shows for Digame."</p>
            <ActionForm action=action>
                <FormAlert message=form_error(value)/>
                <TextField label="Code" name="code" kind="text" autocomplete="one-time-code"
                    maxlength=20 error=field_error(value, "code")
                    hint="Lost your phone? Enter one of your recovery codes instead."/>
                <button type="submit" class="button button-wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Checking…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="muted"><a href="/login">"Start again"</a></p>
        </section>
    }
}
