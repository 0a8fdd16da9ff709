//! Shared vocabulary at the bottom of the crate: the tier table, the tool catalogue, roles,
//! task statuses, audit actions and the pure tool-access rule. It imports nothing from features, the web
//! layer or the server; `config` and every feature may import it.

pub mod access;
pub mod account;
pub mod audit_action;
pub mod current_user;
pub mod paging;
pub mod provider_kind;
pub mod role;
pub mod task_status;
pub mod tier;
pub mod tools;

pub use access::{explain, tool_access, AccessFacts, ToolAccess};
pub use audit_action::AuditAction;
pub use current_user::CurrentUser;
pub use paging::{PageRequest, Paging};
pub use provider_kind::ProviderKind;
pub use role::Role;
pub use task_status::TaskStatus;
pub use tier::{Tier, TierLimits};
pub use tools::{KeyNeed, ToolId, ToolInfo, TOOLS};
