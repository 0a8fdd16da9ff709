//! Shared UI: the page frame, the signed-in state, form pieces.

mod forms;
mod layout;

pub use forms::{error_alert, field_error, form_error, FormAlert, TextField};
pub use layout::{AuthState, Layout, NotFound, RequireUser};
