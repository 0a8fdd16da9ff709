//! The JSON API's reference for people, in the app's frame. The machine-readable document
//! and its routes are `crate::api`; this page only shows it.

use leptos::prelude::*;

/// `/developers/api`: the JSON API's operations, read from its OpenAPI document on the
/// server, in the app's frame (no client code). Public: people read it before they have an
/// account.
#[component]
pub fn ApiDocsPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let reference = crate::api::openapi::reference().into_any();
    #[cfg(not(feature = "ssr"))]
    let reference = ();
    view! {
        <leptos_meta::Title text="Digame API"/>
        <section class="page-head">
            <h1>"Digame API"</h1>
            <p class="muted">
                "Base address " <code>"/api/v1"</code> ". Authenticate with "
                <code>"Authorization: Bearer <token>"</code>
                ": an access token from " <code>"POST /auth/login"</code>
                ", or a personal access token made on " <a href="/settings/security#tokens-heading">"Settings → Security"</a>
                ". Errors have the shape " <code>"{status_code, code, message, detail}"</code>
                ". The machine-readable document: " <a href="/api/v1/openapi.json">"openapi.json"</a> "."
            </p>
        </section>
        <div class="api-reference">{reference}</div>
    }
}
