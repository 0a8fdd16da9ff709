//! The audit log: who changed what in a tenant, and when, with before/after values (never a
//! secret). Rows are written by the feature making the change, in the same transaction
//! (`crate::audit_log::record`); this feature reads them back for the admin page, newest
//! first, with filters.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditRow {
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub when: String,
    pub actor: String,
    /// The stable code (`api_key.replaced`), as the filter takes it.
    pub action: String,
    pub target: String,
    /// The value before, as stored (JSON).
    pub before: Option<String>,
    /// The value after, as stored (JSON).
    pub after: Option<String>,
    /// What happened, in words ("Marta replaced their key for Writing assistance").
    pub summary: String,
    /// What changed, one line per field, readable.
    pub details: Vec<AuditDetail>,
}

/// One field an event changed: its name in words, and its values before and after, as
/// people read them (`None`: the event has no such side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditDetail {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A member the log can be filtered by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditPerson {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditView {
    pub rows: Vec<AuditRow>,
    pub paging: crate::domain::Paging,
    pub actions: Vec<String>,
    pub people: Vec<AuditPerson>,
}

#[server(endpoint = "admin/audit")]
pub async fn list_audit(page: i64, action: String, actor: String) -> Result<AuditView, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let people = crate::features::members::service::people(&state.db, &admin).await?;
    let page = crate::domain::PageRequest::numbered(page);
    service::audit_view(&state.db, &admin, people, page, &action, &actor).await
}
