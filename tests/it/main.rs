//! The integration tests: one binary (run by cargo-nextest, one process per test), a module
//! per area. Each test starts the real server on port 0 against a fresh database (SQLite in
//! a temporary folder, or its own schema in the PostgreSQL database named by
//! `DIGAME_TEST_DATABASE_URL`) and speaks HTTP to it; `common` holds the harness.

mod common;

mod account_data;
mod activity;
mod admin;
mod ai_stream;
mod ai_tools;
mod api_auth;
mod api_docs;
mod api_keys;
mod api_pages_parity;
mod auth;
mod backup;
mod budgets;
mod concurrency;
mod crash;
mod db_outage;
mod digest;
mod domains;
mod email_tool;
mod email_verification;
mod groups;
mod identity;
mod languages;
mod mail;
mod meeting_stream;
mod oidc_provider;
mod onboarding;
mod password_reset;
mod personal_tokens;
mod platform;
mod providers;
mod replicas;
mod retention;
mod scim;
mod shutdown;
mod sso;
mod tasks;
mod tools;
mod two_factor;
mod usage;
