//! Whether a person may use a tool, as one pure function: the server enforces it on every
//! tool call, and the dashboard shows the same answer with what unlocks it.

use super::tier::Tier;
use super::tools::{KeyNeed, ToolId};
use serde::{Deserialize, Serialize};

/// On the wire an object named by its `state`, with the state's details beside it
/// (`{"state": "NeedsKey", "key": "writing_service_key"}`): one shape client generators read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "state")]
pub enum ToolAccess {
    Available,
    /// The tenant's plan does not include the tool; `tier` is the lowest that does.
    NotInTier {
        tier: String,
    },
    /// The tenant's admins switched the tool off.
    SwitchedOff,
    /// The tenant's admins limited the tool to groups the person is in none of.
    NotInGroup {
        /// The tool's name, for the message.
        tool: String,
        /// The groups that may use it, by name.
        groups: Vec<String>,
    },
    /// The tool needs a key the person has not stored.
    NeedsKey {
        key: String,
    },
    AccountInactive,
    /// The person has not confirmed their email address yet.
    EmailNotVerified,
    /// The company requires two-factor sign-in and the person has not set it up.
    TwoFactorRequired,
}

/// The facts the decision rests on.
#[derive(Debug, Clone)]
pub struct AccessFacts {
    pub tier: Tier,
    pub flag_on: bool,
    /// When the tool is limited to groups and the person is in none of them: those groups'
    /// names. `None`: the person may use it as far as groups go.
    pub outside_groups: Option<Vec<String>>,
    pub user_active: bool,
    /// Whether the person has confirmed their email address.
    pub email_verified: bool,
    /// Whether the person meets the company's two-factor requirement (or there is none).
    pub two_factor_ok: bool,
    /// Whether the person has a usable (stored, unexpired) key for the tool, if it takes one.
    pub has_key: bool,
}

pub fn tool_access(tool: ToolId, facts: AccessFacts) -> ToolAccess {
    if !facts.user_active {
        return ToolAccess::AccountInactive;
    }
    if !facts.tier.includes(tool) {
        return ToolAccess::NotInTier {
            tier: Tier::lowest_including(tool).label().to_owned(),
        };
    }
    if !facts.flag_on {
        return ToolAccess::SwitchedOff;
    }
    if let Some(groups) = facts.outside_groups {
        return ToolAccess::NotInGroup {
            tool: tool.info().title.to_owned(),
            groups,
        };
    }
    if !facts.email_verified {
        return ToolAccess::EmailNotVerified;
    }
    if !facts.two_factor_ok {
        return ToolAccess::TwoFactorRequired;
    }
    match tool.info().key {
        KeyNeed::Required(key) if !facts.has_key => ToolAccess::NeedsKey {
            key: key.to_owned(),
        },
        _ => ToolAccess::Available,
    }
}

/// What to tell the person, naming who or what unlocks the tool.
pub fn explain(access: &ToolAccess, tenant_name: &str, tier: Tier) -> String {
    match access {
        ToolAccess::Available => "Unlocked for you: nothing else is needed.".to_owned(),
        ToolAccess::NotInTier { tier: needed } => format!(
            "Not included in the {} plan of {tenant_name}. The {needed} plan includes it; the person who runs your Digame installation can change the plan.",
            tier.label()
        ),
        ToolAccess::SwitchedOff => format!(
            "Switched off for {tenant_name}. An administrator of {tenant_name} can switch it on in Admin → Features."
        ),
        ToolAccess::NotInGroup { tool, groups } => format!(
            "{tool} is for {} at {tenant_name}. An administrator of {tenant_name} can add you in Admin → Groups.",
            group_words(groups)
        ),
        ToolAccess::NeedsKey { key } => format!(
            "Add your {} (an OpenAI-compatible service key of your own) in Settings → API keys to use it.",
            key_words(key)
        ),
        ToolAccess::AccountInactive => "Your account has been deactivated.".to_owned(),
        ToolAccess::EmailNotVerified => "Confirm your email address to use it: open the link we sent you, or send a new one from your dashboard.".to_owned(),
        ToolAccess::TwoFactorRequired => two_factor_message("use it", tenant_name),
    }
}

/// "the Sales group", "the Sales and Support groups", "the Sales, Support and Legal groups".
pub fn group_words(groups: &[String]) -> String {
    match groups {
        [] => "no group".to_owned(),
        [one] => format!("the {one} group"),
        [rest @ .., last] => format!("the {} and {last} groups", rest.join(", ")),
    }
}

/// A key's name in people's words: "key for Writing assistance" for a tool's key (the wire
/// name, `writing_service_key`, stays for the API and its docs).
pub fn key_words(key: &str) -> String {
    crate::domain::tools::TOOLS
        .iter()
        .find(|t| match t.key {
            KeyNeed::Required(k) | KeyNeed::Optional(k) => k == key,
            KeyNeed::None => false,
        })
        .map_or_else(
            || format!("key “{key}”"),
            |t| format!("key for {}", t.title),
        )
}

/// Why something waits for the company's two-factor requirement, and where to meet it.
pub fn two_factor_message(what: &str, tenant_name: &str) -> String {
    format!(
        "{tenant_name} requires two-factor sign-in: set it up in Settings → Security to {what}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tools::TOOLS;

    #[test]
    fn a_missing_key_is_named_in_words_with_its_tool() {
        let said = explain(
            &ToolAccess::NeedsKey {
                key: "writing_service_key".into(),
            },
            "Acme",
            Tier::Professional,
        );
        assert!(
            said.starts_with("Add your key for Writing assistance"),
            "{said}"
        );
        assert!(!said.contains("writing_service_key"), "{said}");
        assert_eq!(key_words("my_own"), "key “my_own”");
    }

    #[test]
    fn every_combination_of_tier_flag_user_and_key() {
        for tool in TOOLS.iter().map(|t| t.id) {
            for tier in Tier::ALL {
                for flag_on in [false, true] {
                    for user_active in [false, true] {
                        for (email_verified, has_key) in
                            [(false, false), (false, true), (true, false), (true, true)]
                        {
                            let got = tool_access(
                                tool,
                                AccessFacts {
                                    tier,
                                    flag_on,
                                    outside_groups: None,
                                    user_active,
                                    email_verified,
                                    two_factor_ok: true,
                                    has_key,
                                },
                            );
                            let needs_key = matches!(tool.info().key, KeyNeed::Required(_));
                            let expected = if !user_active {
                                ToolAccess::AccountInactive
                            } else if !tier.includes(tool) {
                                ToolAccess::NotInTier {
                                    tier: "Professional".into(),
                                }
                            } else if !flag_on {
                                ToolAccess::SwitchedOff
                            } else if !email_verified {
                                ToolAccess::EmailNotVerified
                            } else if needs_key && !has_key {
                                ToolAccess::NeedsKey {
                                    key: match tool.info().key {
                                        KeyNeed::Required(k) => k.into(),
                                        _ => unreachable!(),
                                    },
                                }
                            } else {
                                ToolAccess::Available
                            };
                            assert_eq!(got, expected, "{tool:?} {tier:?} flag={flag_on} active={user_active} verified={email_verified} key={has_key}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn free_tier_can_use_tasks_and_builtin_email_analysis_without_keys() {
        let facts = AccessFacts {
            tier: Tier::Free,
            flag_on: true,
            outside_groups: None,
            user_active: true,
            email_verified: true,
            two_factor_ok: true,
            has_key: false,
        };
        assert_eq!(
            tool_access(ToolId::TaskPrioritization, facts.clone()),
            ToolAccess::Available
        );
        assert_eq!(
            tool_access(ToolId::EmailPatterns, facts.clone()),
            ToolAccess::Available
        );
        assert!(matches!(
            tool_access(ToolId::MeetingInsights, facts),
            ToolAccess::NotInTier { .. }
        ));
    }

    #[test]
    fn a_missing_second_factor_locks_only_what_the_company_allows() {
        let facts = AccessFacts {
            tier: Tier::Professional,
            flag_on: true,
            outside_groups: None,
            user_active: true,
            email_verified: true,
            two_factor_ok: false,
            has_key: true,
        };
        assert_eq!(
            tool_access(ToolId::WritingAssistance, facts.clone()),
            ToolAccess::TwoFactorRequired
        );
        let off = AccessFacts {
            flag_on: false,
            ..facts
        };
        assert_eq!(
            tool_access(ToolId::WritingAssistance, off),
            ToolAccess::SwitchedOff
        );
        let msg = explain(&ToolAccess::TwoFactorRequired, "Acme", Tier::Professional);
        assert!(
            msg.contains("Acme requires two-factor sign-in") && msg.contains("Settings → Security")
        );
    }

    #[test]
    fn explanations_name_who_unlocks() {
        let msg = explain(&ToolAccess::SwitchedOff, "Acme", Tier::Professional);
        assert!(msg.contains("administrator of Acme") && msg.contains("Admin → Features"));
        let msg = explain(
            &ToolAccess::NotInTier {
                tier: "Professional".into(),
            },
            "Acme",
            Tier::Free,
        );
        assert!(msg.contains("Free plan") && msg.contains("Professional plan includes it"));
    }

    #[test]
    fn a_tool_for_other_groups_names_them_after_the_plan_and_the_switch() {
        let facts = AccessFacts {
            tier: Tier::Professional,
            flag_on: true,
            outside_groups: Some(vec!["Sales".into(), "Support".into()]),
            user_active: true,
            email_verified: false,
            two_factor_ok: true,
            has_key: false,
        };
        let got = tool_access(ToolId::WritingAssistance, facts.clone());
        assert_eq!(
            got,
            ToolAccess::NotInGroup {
                tool: "Writing assistance".into(),
                groups: vec!["Sales".into(), "Support".into()],
            }
        );
        assert_eq!(
            explain(&got, "Acme", Tier::Professional),
            "Writing assistance is for the Sales and Support groups at Acme. An administrator of Acme can add you in Admin → Groups."
        );
        let off = AccessFacts {
            flag_on: false,
            ..facts.clone()
        };
        assert_eq!(
            tool_access(ToolId::WritingAssistance, off),
            ToolAccess::SwitchedOff
        );
        let free = AccessFacts {
            tier: Tier::Free,
            ..facts
        };
        assert!(matches!(
            tool_access(ToolId::WritingAssistance, free),
            ToolAccess::NotInTier { .. }
        ));
        assert_eq!(group_words(&["Sales".into()]), "the Sales group");
        assert_eq!(
            group_words(&["A".into(), "B".into(), "C".into()]),
            "the A, B and C groups"
        );
    }
}
