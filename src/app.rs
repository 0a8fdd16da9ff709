//! The page shell and the route table.

use crate::components::{AuthState, Layout, NotFound};
use crate::features::account_data::ProfilePage;
use crate::features::ai_admin::pages::AdminAiPage;
use crate::features::api_docs::ApiDocsPage;
use crate::features::api_keys::pages::ApiKeysPage;
use crate::features::audit::pages::AdminAuditPage;
use crate::features::auth::pages::{
    ForgotPasswordPage, LoginPage, RegisterPage, ResetPasswordPage, SecondFactorPage, SecurityPage,
    VerifyEmailPage,
};
use crate::features::budgets::pages::AdminBudgetsPage;
use crate::features::dashboard::HomePage;
use crate::features::domains::pages::{AdminSignInPage, JoinPage};
use crate::features::email::pages::EmailPage;
use crate::features::groups::pages::AdminGroupsPage;
use crate::features::identity::pages::{ConfirmEmailPage, UndoEmailPage};
use crate::features::language::pages::LanguagePage;
use crate::features::mail::DevOutboxPage;
use crate::features::meetings::pages::MeetingsPage;
use crate::features::members::pages::AdminMembersPage;
use crate::features::notifications::UnsubscribePage;
use crate::features::onboarding::pages::{AdminOnboardingPage, OnboardingPage};
use crate::features::personal_tokens::pages::AdminTokensPage;
use crate::features::scim::pages::AdminProvisioningPage;
use crate::features::sso::pages::{AdminSsoPage, CompanySignInPage};
use crate::features::style::pages::StylePage;
use crate::features::tasks::pages::TasksPage;
use crate::features::tenancy::pages::AdminFeaturesPage;
use crate::features::usage::pages::UsagePage;
use crate::features::writing::pages::WritingPage;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// Paths only members may open; the server sends signed-out visitors to sign-in first.
pub fn is_member_page(path: &str) -> bool {
    ["/onboarding", "/settings", "/admin", "/tools"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// The stylesheet's address, with the build's content hash in the file name where the build
/// hashes its files (`hash.txt` beside the binary, as cargo-leptos writes it): read once, not
/// on every page as leptos_meta's `HashedStylesheet` does.
fn stylesheet_href(options: &LeptosOptions) -> &'static str {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| {
        let hashes = options
            .hash_files
            .then(|| {
                let exe = std::env::current_exe().ok()?;
                std::fs::read_to_string(exe.parent()?.join(options.hash_file.as_ref())).ok()
            })
            .flatten()
            .unwrap_or_default();
        stylesheet_name(options, &hashes)
    })
}

/// `/<pkg dir>/<output name>[.<css hash>].css`, from the lines of `hash.txt` (`css: <hash>`).
fn stylesheet_name(options: &LeptosOptions, hashes: &str) -> String {
    let hash = hashes
        .lines()
        .filter_map(|line| line.trim().split_once(':'))
        .find(|(file, _)| file.trim() == "css")
        .map(|(_, hash)| format!(".{}", hash.trim()))
        .unwrap_or_default();
    format!(
        "/{}/{}{hash}.css",
        options.site_pkg_dir, options.output_name
    )
}

/// The HTML document around the app (server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_csp();
    // For the pages that have islands: they load their code with `IslandCode`.
    provide_context(options.clone());
    let locale = crate::locale::current();
    view! {
        <!DOCTYPE html>
        <html lang=crate::locale::tag(locale) dir=crate::locale::dir(locale)>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <meta name="description" content=td_string!(locale, shell.description)/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // In the shell (server only): the file name carries the build's content hash.
                <link rel="stylesheet" id="leptos" href=stylesheet_href(&options)/>
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
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) = http::HeaderValue::from_str(&crate::web::security::page_csp(&nonce)) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    AuthState::provide();
    view! {
        <Title formatter=|text: String| if text.is_empty() { "Digame".to_owned() } else { format!("{text} · Digame") }/>
        // Pages render whole on the server (SsrMode::Async) so that they are complete
        // without JavaScript; with it, only the pages' islands hydrate. Moving between
        // pages loads the next page from the server.
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/login/company") view=CompanySignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async/>
                    <Route path=path!("/onboarding") view=OnboardingPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/security") view=SecurityPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/api-keys") view=ApiKeysPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/usage") view=UsagePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/features") view=AdminFeaturesPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/members") view=AdminMembersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/ai") view=AdminAiPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/budgets") view=AdminBudgetsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/groups") view=AdminGroupsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/sign-in") view=AdminSignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/sso") view=AdminSsoPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/provisioning") view=AdminProvisioningPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=AdminAuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/tokens") view=AdminTokensPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/onboarding") view=AdminOnboardingPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings/profile") view=ProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/unsubscribe") view=UnsubscribePage ssr=SsrMode::Async/>
                    <Route path=path!("/account/email") view=ConfirmEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/email/undo") view=UndoEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/tools/tasks") view=TasksPage ssr=SsrMode::Async/>
                    <Route path=path!("/tools/writing") view=WritingPage ssr=SsrMode::Async/>
                    <Route path=path!("/tools/style") view=StylePage ssr=SsrMode::Async/>
                    <Route path=path!("/tools/meetings") view=MeetingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/tools/language") view=LanguagePage ssr=SsrMode::Async/>
                    <Route path=path!("/tools/email") view=EmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/join") view=JoinPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/verify-email") view=VerifyEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/login/two-factor") view=SecondFactorPage ssr=SsrMode::Async/>
                    <Route path=path!("/dev/outbox") view=DevOutboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/developers/api") view=ApiDocsPage ssr=SsrMode::Async/>
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

    #[test]
    fn the_stylesheet_name_carries_the_css_hash_when_there_is_one() {
        let options = LeptosOptions::builder().output_name("digame").build();
        assert_eq!(
            stylesheet_name(&options, "js: aaa\ncss: 0f1e2d\nwasm: bbb\n"),
            "/pkg/digame.0f1e2d.css"
        );
        assert_eq!(stylesheet_name(&options, ""), "/pkg/digame.css");
        assert_eq!(stylesheet_name(&options, "js: aaa"), "/pkg/digame.css");
    }
}
