//! Groups of a company's people (Sales, Engineering…) and the tools limited to them.
//!
//! Admins make groups and put people in them on Admin → Groups (`/admin/groups`, and
//! `/api/v1/admin/groups`), and may limit a tool to some groups: a person in none of them
//! cannot use it. The limit is one more fact of the one access rule (`domain::access`), so
//! the dashboard, the tool gate and the JSON API answer alike, with the reason ("Writing
//! assistance is for the Sales group at Acme…"). Every change is audited.

pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;

use crate::domain::ToolId;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The longest a group's name may be, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// The most groups a company may have.
pub const MAX_GROUPS: u64 = 200;

/// A person, as the groups page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupPerson {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub active: bool,
}

/// One group with its people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupView {
    pub id: i64,
    pub name: String,
    /// Its people, by name.
    pub members: Vec<GroupPerson>,
    /// The tools limited to this group (among others, maybe), by name.
    pub tools: Vec<String>,
}

/// Who may use one tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ToolGroups {
    pub tool: ToolId,
    pub title: String,
    /// The ids of the groups it is limited to; empty: everyone in the company.
    pub groups: Vec<i64>,
    /// Whether the tool is on for the company (a limit on a tool that is off keeps, for when
    /// it is switched on).
    pub enabled: bool,
    /// Whether the company's plan includes it.
    pub in_tier: bool,
}

/// Admin → Groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GroupsView {
    /// The company's groups, by name.
    pub groups: Vec<GroupView>,
    /// Everyone in the company, by name (whom a group can take).
    pub people: Vec<GroupPerson>,
    /// Every tool, in the dashboard's order.
    pub tools: Vec<ToolGroups>,
}

/// A group's name as typed: trimmed, 1 to [`MAX_NAME_CHARS`] characters, no control
/// characters.
pub fn check_name(field: &str, name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::validation(
            field,
            "Give the group a name, like Sales or Engineering.",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::validation(
            field,
            format!("A group's name may be at most {MAX_NAME_CHARS} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::validation(
            field,
            "A group's name cannot hold line breaks or tabs.",
        ));
    }
    Ok(name.to_owned())
}

/// A number typed into a form's hidden field (`group`, `person`).
#[cfg(any(feature = "ssr", test))]
fn id_field(field: &str, value: &str, what: &str) -> Result<i64, AppError> {
    value
        .trim()
        .parse()
        .map_err(|_| AppError::validation(field, format!("Choose {what}.")))
}

#[server(endpoint = "admin/groups")]
pub async fn admin_groups() -> Result<GroupsView, AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    service::view(&state.db, &admin).await
}

#[server(endpoint = "admin/groups/create")]
pub async fn create_group(name: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let name = check_name("name", &name)?;
    let id = service::create(&state.db, &admin, &name).await?;
    ctx::redirect_plain_form(&format!("/admin/groups?saved=created#group-{id}"));
    Ok(())
}

#[server(endpoint = "admin/groups/rename")]
pub async fn rename_group(group: String, name: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let id = id_field("group", &group, "a group")?;
    let name = check_name("name", &name)?;
    service::rename(&state.db, &admin, id, &name).await?;
    ctx::redirect_plain_form(&format!("/admin/groups?saved=renamed#group-{id}"));
    Ok(())
}

#[server(endpoint = "admin/groups/delete")]
pub async fn delete_group(group: String) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let id = id_field("group", &group, "a group")?;
    service::delete(&state.db, &admin, id).await?;
    ctx::redirect_plain_form("/admin/groups?saved=deleted");
    Ok(())
}

/// Puts a person in a group (`add` = `true`) or takes them out.
#[server(endpoint = "admin/groups/member")]
pub async fn set_group_member(group: String, person: String, add: bool) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let id = id_field("group", &group, "a group")?;
    let person = id_field("person", &person, "a member of your company")?;
    service::set_member(&state.db, &admin, id, person, add).await?;
    ctx::redirect_plain_form(&format!("/admin/groups?saved=members#group-{id}"));
    Ok(())
}

/// Limits a tool to the groups ticked (`groups[g<id>]`), or opens it to everyone when none is.
#[server(endpoint = "admin/groups/tool")]
pub async fn set_tool_groups(
    tool: String,
    #[server(default)] groups: HashMap<String, String>,
) -> Result<(), AppError> {
    use crate::web::ctx;
    let (state, admin) = ctx::signed_in_admin().await?;
    let tool = ToolId::from_flag(&tool)
        .ok_or_else(|| AppError::validation("tool", format!("There is no tool called {tool}.")))?;
    let ids = groups
        .keys()
        .map(|k| {
            k.strip_prefix('g')
                .and_then(|id| id.parse::<i64>().ok())
                .ok_or_else(|| AppError::validation("groups", "Choose groups from the list."))
        })
        .collect::<Result<Vec<_>, _>>()?;
    service::set_tool_groups(&state.db, &admin, tool, ids).await?;
    ctx::redirect_plain_form(&format!(
        "/admin/groups?saved=tool#tool-{}",
        tool.info().flag
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("name", "  Sales ").unwrap(), "Sales");
        assert_eq!(check_name("name", "").unwrap_err().field(), Some("name"));
        assert!(check_name("name", "   ").is_err());
        assert!(check_name("name", "Sales\nTeam").is_err());
        assert!(check_name("name", &"é".repeat(80)).is_ok());
        assert!(check_name("name", &"é".repeat(81)).is_err());
        assert_eq!(id_field("group", " 12 ", "a group").unwrap(), 12);
        assert_eq!(
            id_field("group", "x", "a group").unwrap_err().message(),
            "Choose a group."
        );
    }
}
