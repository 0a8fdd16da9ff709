//! Digame: a multi-tenant web platform of AI productivity tools.
//!
//! One crate, two builds: with `ssr` it is the axum server (SeaORM, sessions, server
//! functions); with `hydrate` it is the WebAssembly that hydrates the islands of the server-rendered pages.
#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod features;
pub mod locale;
pub mod util;

// The interface's words in each locale (`locales/<locale>/<namespace>.json`), loaded at
// compile time into `crate::i18n`: a key or an argument missing from a view is a compile error.
// By the macro, which leptos_i18n 0.6 marks deprecated in favour of a build script: that
// script (`leptos_i18n_build`) would compile ICU4X's whole data exporter on every fresh
// build, for locale data the compiled-in ICU crates already carry.
#[allow(deprecated)]
mod translations {
    leptos_i18n::load_locales!();
}
pub use translations::i18n;

#[cfg(feature = "ssr")]
pub mod ai;
#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod audit_log;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod dns;
#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod oidc;
#[cfg(feature = "ssr")]
pub mod operator;
#[cfg(feature = "ssr")]
pub mod password_rule;
#[cfg(feature = "ssr")]
pub mod person;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod web;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Islands: the page is server HTML; only the `#[island]`s on it hydrate, each from
    // its own chunk (`#[island(lazy)]`, `cargo leptos build --split`).
    leptos::mount::hydrate_islands();
}
