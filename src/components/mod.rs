//! Shared UI: the page frame, the signed-in state, form pieces, the admin frame.

mod admin;
mod forms;
mod layout;

pub use admin::{admin_tabs, RequireAdmin};
pub use forms::{error_alert, field_error, form_error, FormAlert, TextField};
pub use layout::{AuthState, HydrationMark, Layout, NotFound, RequireUser};
