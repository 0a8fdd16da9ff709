//! The catalogue of Digame's six tools: names, feature flags and the API keys they use.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One of the six tools. On the wire and in the database it is its feature-flag name
/// (`meeting_insights`), so DTOs carry a `ToolId` and the JSON stays the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolId {
    WritingAssistance,
    CommunicationStyle,
    MeetingInsights,
    EmailPatterns,
    LanguageTools,
    TaskPrioritization,
}

/// How a tool uses a personal API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyNeed {
    Required(&'static str),
    /// Works without a key (built-in analysis); a stored key unlocks the outside service.
    Optional(&'static str),
    None,
}

impl KeyNeed {
    /// The key's wire name, when the tool uses one.
    pub fn name(self) -> Option<&'static str> {
        match self {
            KeyNeed::Required(k) | KeyNeed::Optional(k) => Some(k),
            KeyNeed::None => None,
        }
    }
}

pub struct ToolInfo {
    pub id: ToolId,
    pub title: &'static str,
    pub flag: &'static str,
    pub key: KeyNeed,
    /// The name of the person's key for the tool's second AI service (where its calls go
    /// when the first fails, once an admin sets one): bound to that service's address.
    pub second_key: Option<&'static str>,
    pub path: &'static str,
    pub summary: &'static str,
}

pub const TOOLS: [ToolInfo; 6] = [
    ToolInfo {
        id: ToolId::WritingAssistance,
        title: "Writing assistance",
        flag: "writing_assistance",
        key: KeyNeed::Required("writing_service_key"),
        second_key: Some("writing_second_service_key"),
        path: "/tools/writing",
        summary: "Suggestions for clarity, grammar and style, each tied to a span of your text and applied with a click.",
    },
    ToolInfo {
        id: ToolId::CommunicationStyle,
        title: "Communication style analysis",
        flag: "communication_style_analysis",
        key: KeyNeed::Required("communication_style_service_key"),
        second_key: Some("communication_style_second_service_key"),
        path: "/tools/style",
        summary: "How your writing comes across: style categories with confidence scores and tone metrics.",
    },
    ToolInfo {
        id: ToolId::MeetingInsights,
        title: "Meeting insights",
        flag: "meeting_insights",
        key: KeyNeed::Required("meeting_insights_service_key"),
        second_key: Some("meeting_insights_second_service_key"),
        path: "/tools/meetings",
        summary: "A summary, the key discussion points and action items with owners and due dates from your notes.",
    },
    ToolInfo {
        id: ToolId::EmailPatterns,
        title: "Email pattern analysis",
        flag: "email_pattern_analysis",
        key: KeyNeed::Optional("email_analysis_service_key"),
        second_key: Some("email_analysis_second_service_key"),
        path: "/tools/email",
        summary: "Volumes, peak hours, top correspondents, frequent subjects and response times from your email metadata.",
    },
    ToolInfo {
        id: ToolId::LanguageTools,
        title: "Language tools",
        flag: "language_learning_support",
        key: KeyNeed::Required("language_learning_api_key"),
        second_key: Some("language_learning_second_api_key"),
        path: "/tools/language",
        summary: "Translate a snippet and look up a word's meaning with examples.",
    },
    ToolInfo {
        id: ToolId::TaskPrioritization,
        title: "Intelligent task prioritization",
        flag: "intelligent_task_prioritization",
        key: KeyNeed::None,
        second_key: None,
        path: "/tools/tasks",
        summary: "Suggested priorities for your open tasks, with the reasons behind each score.",
    },
];

impl ToolId {
    pub fn info(self) -> &'static ToolInfo {
        TOOLS
            .iter()
            .find(|t| t.id == self)
            .expect("every ToolId is in TOOLS")
    }

    /// Parses a feature-flag name such as `meeting_insights`.
    pub fn from_flag(flag: &str) -> Option<ToolId> {
        TOOLS.iter().find(|t| t.flag == flag).map(|t| t.id)
    }
}

impl Serialize for ToolId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.info().flag)
    }
}

impl<'de> Deserialize<'de> for ToolId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let flag = String::deserialize(d)?;
        ToolId::from_flag(&flag)
            .ok_or_else(|| serde::de::Error::custom(format!("there is no tool called {flag}")))
    }
}

/// In the OpenAPI document: a string, one of the six flag names.
#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for ToolId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A tool, by its feature-flag name."))
            .enum_values(Some(TOOLS.iter().map(|t| t.flag)))
            .into()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for ToolId {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_paths_are_unique_and_round_trip() {
        for tool in &TOOLS {
            assert_eq!(ToolId::from_flag(tool.flag), Some(tool.id));
            assert_eq!(tool.id.info().flag, tool.flag);
            assert_eq!(TOOLS.iter().filter(|t| t.path == tool.path).count(), 1);
        }
        assert_eq!(ToolId::from_flag("nope"), None);
    }

    #[test]
    fn tool_ids_travel_as_their_flag_names() {
        for tool in &TOOLS {
            let json = serde_json::to_string(&tool.id).unwrap();
            assert_eq!(json, format!("\"{}\"", tool.flag));
            assert_eq!(serde_json::from_str::<ToolId>(&json).unwrap(), tool.id);
        }
        assert!(serde_json::from_str::<ToolId>("\"nope\"").is_err());
    }
}
