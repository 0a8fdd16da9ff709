//! Features, one folder each: wire types and server functions (both builds), server-only
//! services (`ssr`), and page components.
pub mod account_data;
pub mod ai_admin;
pub mod api_docs;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod budgets;
pub mod dashboard;
pub mod email;
pub mod groups;
pub mod language;
pub mod mail;
pub mod meetings;
pub mod members;
pub mod model_choice;
pub mod notifications;
pub mod onboarding;
pub mod personal_tokens;
pub mod style;
pub mod tasks;
pub mod tenancy;
#[cfg(feature = "ssr")]
pub mod tokens;
pub mod tools;
pub mod usage;
pub mod writing;
