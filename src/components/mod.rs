//! Shared UI: the page frame, the signed-in state, form pieces, the admin frame, the copy
//! button, the links between a list's pages.

mod admin;
mod copy;
mod forms;
mod layout;
mod pager;

pub use admin::{admin_tabs, AdminHead, RequireAdmin};
pub use copy::{CopyButton, CopyText};
pub use forms::{
    action_error, error_alert, field_error, form_error, link_to, strong, FormAlert, SubmitButton,
    TextField,
};
pub use layout::{AuthState, HydrationMark, IslandCode, Layout, NotFound, RequireUser};
pub use pager::{page_href, page_number, pager};
