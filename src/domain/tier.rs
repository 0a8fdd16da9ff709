//! Tenants' subscription tiers: the one table every limit is read from.

use super::tools::ToolId;
use serde::{Deserialize, Serialize};

/// Stored as text in `tenants.tier` (`free`, `professional`, `enterprise`) and read back as
/// this enum: an unknown stored value is a read error, never a silent default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveActiveEnum, sea_orm::EnumIter))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
pub enum Tier {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "free"))]
    Free,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "professional"))]
    Professional,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "enterprise"))]
    Enterprise,
}

/// What one tier allows.
pub struct TierLimits {
    pub tools: &'static [ToolId],
    /// `None` is unlimited.
    pub max_members: Option<u32>,
    pub ai_calls_per_user_per_day: u32,
}

const ALL_TOOLS: &[ToolId] = &[
    ToolId::WritingAssistance,
    ToolId::CommunicationStyle,
    ToolId::MeetingInsights,
    ToolId::EmailPatterns,
    ToolId::LanguageTools,
    ToolId::TaskPrioritization,
];

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Free, Tier::Professional, Tier::Enterprise];

    pub fn limits(self) -> TierLimits {
        match self {
            Tier::Free => TierLimits {
                tools: &[ToolId::TaskPrioritization, ToolId::EmailPatterns],
                max_members: Some(3),
                ai_calls_per_user_per_day: 0,
            },
            Tier::Professional => TierLimits {
                tools: ALL_TOOLS,
                max_members: Some(50),
                ai_calls_per_user_per_day: 500,
            },
            Tier::Enterprise => TierLimits {
                tools: ALL_TOOLS,
                max_members: None,
                ai_calls_per_user_per_day: 5000,
            },
        }
    }

    pub fn includes(self, tool: ToolId) -> bool {
        self.limits().tools.contains(&tool)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Free => "free",
            Tier::Professional => "professional",
            Tier::Enterprise => "enterprise",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::Free => "Free",
            Tier::Professional => "Professional",
            Tier::Enterprise => "Enterprise",
        }
    }

    pub fn parse(value: &str) -> Option<Tier> {
        Tier::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(value.trim()))
    }

    /// The lowest tier that includes `tool`, for "Professional includes it" messages.
    pub fn lowest_including(tool: ToolId) -> Tier {
        Tier::ALL
            .into_iter()
            .find(|t| t.includes(tool))
            .unwrap_or(Tier::Enterprise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_tier_has_only_the_keyless_tools() {
        assert!(Tier::Free.includes(ToolId::TaskPrioritization));
        assert!(Tier::Free.includes(ToolId::EmailPatterns));
        assert!(!Tier::Free.includes(ToolId::WritingAssistance));
        assert_eq!(Tier::Free.limits().ai_calls_per_user_per_day, 0);
        assert_eq!(
            Tier::lowest_including(ToolId::MeetingInsights),
            Tier::Professional
        );
    }

    #[test]
    fn tier_names_parse() {
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()), Some(tier));
        }
        assert_eq!(Tier::parse(" Enterprise "), Some(Tier::Enterprise));
        assert_eq!(Tier::parse("gold"), None);
        assert_eq!(Tier::Enterprise.limits().max_members, None);
    }
}
