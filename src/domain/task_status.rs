//! Where a task stands.

use serde::{Deserialize, Serialize};

/// Where a task stands. Stored (`tasks.status`) and sent as its snake_case name; an
/// unknown stored value is a read error, never a silent default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "ssr",
    derive(utoipa::ToSchema, sea_orm::DeriveActiveEnum, sea_orm::EnumIter)
)]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
pub enum TaskStatus {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "suggested"))]
    Suggested,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "todo"))]
    Todo,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "in_progress"))]
    InProgress,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "done"))]
    Done,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "archived"))]
    Archived,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 5] = [
        TaskStatus::Suggested,
        TaskStatus::Todo,
        TaskStatus::InProgress,
        TaskStatus::Done,
        TaskStatus::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Suggested => "suggested",
            TaskStatus::Todo => "todo",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskStatus::Suggested => "Suggested",
            TaskStatus::Todo => "To do",
            TaskStatus::InProgress => "In progress",
            TaskStatus::Done => "Done",
            TaskStatus::Archived => "Archived",
        }
    }

    pub fn parse(value: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Still to be worked on (prioritization looks at these only).
    pub fn is_active(self) -> bool {
        !matches!(self, TaskStatus::Done | TaskStatus::Archived)
    }
}
