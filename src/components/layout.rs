use crate::domain::CurrentUser;
use crate::error::AppError;
use crate::i18n::*;
use leptos::prelude::*;

/// Who is signed in, loaded once per page load. Signing in, out, or registering loads the
/// next page fully, so this never needs refreshing in place.
#[derive(Clone, Copy)]
pub struct AuthState {
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
}

impl AuthState {
    pub fn provide() -> AuthState {
        let user = Resource::new(|| (), |_| get_current_user());
        let state = AuthState { user };
        provide_context(state);
        state
    }

    pub fn use_context() -> AuthState {
        expect_context::<AuthState>()
    }
}

/// The signed-in person, or `None` when signed out.
#[server(endpoint = "auth/me")]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    let auth = crate::web::ctx::auth_session().await?;
    Ok(auth.user.as_ref().map(CurrentUser::from))
}

/// A hidden mark whose `data-hydrated` an effect flips once the code around it runs in the
/// browser (effects never run during server rendering). Every island carries one, so the
/// end-to-end suite can tell that the island's chunk arrived and hydrated.
#[component]
pub fn HydrationMark() -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! { <span hidden data-hydrated=move || if hydrated.get() { "true" } else { "false" }></span> }
}

/// The script that loads the WebAssembly of the page's islands: rendered once, beside the
/// islands, by the pages that have any (the tool panels, sign-up, a token shown once), so a
/// page without islands loads no code at all.
#[component]
pub fn IslandCode() -> impl IntoView {
    use_context::<LeptosOptions>().map(|options| view! { <HydrationScripts options islands=true/> })
}

/// The frame of every page: header with navigation and who is signed in, main, footer.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let auth = AuthState::use_context();
    let l = crate::locale::current();
    view! {
        <div class="app">
            <a class="skip-link" href="#main">{td_string!(l, shell.skip_link)}</a>
            <header class="topbar">
                <div class="topbar-inner">
                    <a class="brand" href="/">
                        <span class="brand-mark" aria-hidden="true">"D"</span>
                        "Digame"
                    </a>
                    <Transition fallback=|| ()>
                        {move || auth.user.get().map(|res| match res {
                            Ok(Some(user)) => view! { <SignedInNav user/> }.into_any(),
                            _ => view! {
                                <nav class="nav" aria-label=td_string!(l, shell.nav.account)>
                                    <a href="/login">{td_string!(l, shell.nav.sign_in)}</a>
                                    <a class="button button-small" href="/register">{td_string!(l, shell.nav.create_account)}</a>
                                </nav>
                            }.into_any(),
                        })}
                    </Transition>
                </div>
            </header>
            <main id="main" class="container">{children()}</main>
            <footer class="footer">
                <p>{td_string!(l, shell.footer)}</p>
                <Transition fallback=|| ()>
                    {move || auth.user.get().map(|res| match res {
                        Ok(Some(_)) => ().into_any(),
                        _ => view! { <LanguageSwitcher/> }.into_any(),
                    })}
                </Transition>
            </footer>
        </div>
    }
}

/// The language picker for visitors who are not signed in (signed-in people choose on their
/// profile): a plain `GET` form to `/language`, which keeps the choice in a cookie and comes
/// back to this page.
#[component]
fn LanguageSwitcher() -> impl IntoView {
    let l = crate::locale::current();
    let location = leptos_router::hooks::use_location();
    let here = format!(
        "{}{}",
        location.pathname.get_untracked(),
        location.search.get_untracked()
    );
    view! {
        <form method="get" action="/language" class="language-switcher">
            <input type="hidden" name="next" value=here/>
            <label for="language-switcher">{td_string!(l, shell.language.label)}</label>
            <select id="language-switcher" name="lang">
                {crate::locale::all().iter().map(|option| {
                    let tag = crate::locale::tag(*option);
                    view! {
                        <option value=tag lang=tag selected=*option == l>{crate::locale::name(*option)}</option>
                    }
                }).collect_view()}
            </select>
            <button type="submit" class="button button-small button-quiet">{td_string!(l, shell.language.apply)}</button>
        </form>
    }
}

#[component]
fn SignedInNav(user: CurrentUser) -> impl IntoView {
    let l = crate::locale::current();
    view! {
        <nav class="nav" aria-label=td_string!(l, shell.nav.main)>
            <a href="/">{td_string!(l, shell.nav.dashboard)}</a>
            <a href="/settings/profile">{td_string!(l, shell.nav.profile)}</a>
            <a href="/settings/api-keys">{td_string!(l, shell.nav.api_keys)}</a>
            <a href="/settings/security">{td_string!(l, shell.nav.security)}</a>
            {user.is_admin.then_some(view! { <a href="/admin/features">{td_string!(l, shell.nav.admin)}</a> })}
            <span class="who" data-testid="signed-in-as">
                <span class="who-name">{user.name.clone()}</span>
                <span class="who-tenant">{user.tenant_name.clone()}</span>
            </span>
            // A plain form: signing out works the same with or without JavaScript and
            // reloads the page so no signed-in state lingers in the browser.
            <form method="post" action="/api/auth/logout" class="inline-form">
                <button type="submit" class="button button-small button-quiet">{td_string!(l, shell.nav.sign_out)}</button>
            </form>
        </nav>
    }
}

/// Shows its children only to a signed-in person.
///
/// The server already sends signed-out visitors of member pages to sign-in. In the browser
/// the signed-in state can be stale right after an in-place sign-in or sign-out, so instead
/// of guessing, the page is loaded again and the server decides.
#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let auth = AuthState::use_context();
    let children = StoredValue::new(children);
    let l = crate::locale::current();
    view! {
        <Suspense fallback=move || view! { <p class="muted">{td_string!(l, shell.loading)}</p> }>
            {move || auth.user.get().map(|res| match res {
                Ok(Some(_)) => children.read_value()().into_any(),
                Ok(None) => view! { <ReloadFromServer/> }.into_any(),
                Err(e) => view! {
                    <section class="card narrow">
                        <p class="alert alert-error" role="alert">{e.message().to_owned()}</p>
                        <p><a href="">{td_string!(l, shell.try_again)}</a></p>
                    </section>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn ReloadFromServer() -> impl IntoView {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().location().reload();
        }
    });
    let l = crate::locale::current();
    view! { <p class="muted">{td_string!(l, shell.checking_session)}</p> }
}

/// The 404 page (with a real 404 status on the server).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    let l = crate::locale::current();
    view! {
        <leptos_meta::Title text=td_string!(l, shell.not_found.title)/>
        <section class="card narrow">
            <h1>{td_string!(l, shell.not_found.title)}</h1>
            <p>{td_string!(l, shell.not_found.body)}</p>
            <p><a class="button" href="/">{td_string!(l, shell.not_found.home)}</a></p>
        </section>
    }
}
