//! Shared vocabulary at the bottom of the crate: the tier table, the tool catalogue, roles,
//! audit actions and the pure tool-access rule. It imports nothing from features, the web
//! layer or the server; `config` and every feature may import it.

pub mod access;
pub mod account;
pub mod audit_action;
pub mod current_user;
pub mod role;
pub mod tier;
pub mod tools;

#[cfg(feature = "ssr")]
pub mod person;

pub use access::{explain, tool_access, AccessFacts, ToolAccess};
pub use audit_action::AuditAction;
pub use current_user::CurrentUser;
pub use role::Role;
pub use tier::{Tier, TierLimits};
pub use tools::{KeyNeed, ToolId, ToolInfo, TOOLS};

#[cfg(feature = "ssr")]
pub use person::SessionUser;
