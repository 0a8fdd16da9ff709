//! The page shell and the route table.

use crate::components::{AuthState, Layout, NotFound};
use crate::features::api_keys::pages::ApiKeysPage;
use crate::features::audit::pages::AdminAuditPage;
use crate::features::auth::pages::{LoginPage, RegisterPage, SecurityPage};
use crate::features::dashboard::HomePage;
use crate::features::members::pages::AdminMembersPage;
use crate::features::onboarding::pages::{AdminOnboardingPage, OnboardingPage, ProfilePage};
use crate::features::tenancy::pages::AdminFeaturesPage;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// Paths only members may open; the server sends signed-out visitors to sign-in first.
pub fn is_member_page(path: &str) -> bool {
    ["/onboarding", "/settings", "/admin", "/tools"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// The HTML document around the app (server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Sends this page's CSP, with the nonce Leptos puts on its inline scripts.
#[cfg(feature = "ssr")]
fn set_page_csp() {
    let development =
        use_context::<crate::server::state::AppState>().is_none_or(|s| !s.settings.is_production());
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) =
            http::HeaderValue::from_str(&crate::server::security::page_csp(&nonce, development))
        {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    AuthState::provide();
    view! {
        <Stylesheet id="leptos" href="/pkg/digame.css"/>
        <Title formatter=|text: String| if text.is_empty() { "Digame".to_owned() } else { format!("{text} · Digame") }/>
        // Pages render whole on the server (SsrMode::Async) so that they are complete
        // without JavaScript: the account forms and member pages must work with it off.
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async/>
                    <Route path=path!("/onboarding") view=OnboardingPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/security") view=SecurityPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/api-keys") view=ApiKeysPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/features") view=AdminFeaturesPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/members") view=AdminMembersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=AdminAuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/onboarding") view=AdminOnboardingPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/profile") view=ProfilePage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_pages_are_recognised() {
        for p in [
            "/onboarding",
            "/settings/security",
            "/admin/features",
            "/tools/tasks",
        ] {
            assert!(is_member_page(p), "{p}");
        }
        for p in [
            "/",
            "/login",
            "/register",
            "/settingsx",
            "/health",
            "/pkg/digame.js",
        ] {
            assert!(!is_member_page(p), "{p}");
        }
    }
}
