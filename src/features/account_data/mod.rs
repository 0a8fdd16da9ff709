//! A person's own data, for them to take away: `GET /settings/profile/export` answers one
//! JSON file of everything they own (profile, onboarding answers and steps, the names and
//! dates of their API keys and tokens — never a key value or a token —, tasks, saved
//! results, their AI calls and the audit events they caused). Only the signed-in person's
//! rows of their own company, never anyone else's; the export itself is audited.

#[cfg(feature = "ssr")]
pub mod service;

/// Where the profile page's "Download my data" points.
pub const EXPORT_PATH: &str = "/settings/profile/export";
