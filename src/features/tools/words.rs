//! The tools' names, summaries and access badges in the request's language (the catalogue in
//! `domain::tools` keeps the English ones for the API and the logs).

use super::{KeyNeed, ToolAccess, ToolCard, ToolId, TOOLS};
use crate::i18n::*;
use crate::locale::Locale;
use leptos::prelude::*;

/// The tool's name and what it does, in a sentence.
fn name_and_summary(l: Locale, id: ToolId) -> (&'static str, &'static str) {
    match id {
        ToolId::WritingAssistance => (
            td_string!(l, tools.writing.title),
            td_string!(l, tools.writing.summary),
        ),
        ToolId::CommunicationStyle => (
            td_string!(l, tools.style.title),
            td_string!(l, tools.style.summary),
        ),
        ToolId::MeetingInsights => (
            td_string!(l, tools.meetings.title),
            td_string!(l, tools.meetings.summary),
        ),
        ToolId::EmailPatterns => (
            td_string!(l, tools.email.title),
            td_string!(l, tools.email.summary),
        ),
        ToolId::LanguageTools => (
            td_string!(l, tools.language.title),
            td_string!(l, tools.language.summary),
        ),
        ToolId::TaskPrioritization => (
            td_string!(l, tools.tasks.title),
            td_string!(l, tools.tasks.summary),
        ),
    }
}

/// The tool's name.
pub fn title(l: Locale, id: ToolId) -> &'static str {
    name_and_summary(l, id).0
}

/// What the tool does, in a sentence.
pub fn summary(l: Locale, id: ToolId) -> &'static str {
    name_and_summary(l, id).1
}

/// The badge on a tool's card: its CSS class and its words.
pub fn badge(l: Locale, access: &ToolAccess) -> (&'static str, &'static str) {
    match access {
        ToolAccess::Available => ("badge badge-ok", td_string!(l, tools.badge.ready)),
        ToolAccess::NeedsKey { .. } => ("badge badge-warn", td_string!(l, tools.badge.needs_key)),
        ToolAccess::SwitchedOff => ("badge", td_string!(l, tools.badge.switched_off)),
        ToolAccess::NotInGroup { .. } => ("badge", td_string!(l, tools.badge.other_groups)),
        ToolAccess::NotInTier { .. } => ("badge", td_string!(l, tools.badge.not_in_plan)),
        ToolAccess::AccountInactive => ("badge", td_string!(l, tools.badge.unavailable)),
        ToolAccess::EmailNotVerified => {
            ("badge badge-warn", td_string!(l, tools.badge.confirm_email))
        }
        ToolAccess::TwoFactorRequired => (
            "badge badge-warn",
            td_string!(l, tools.badge.needs_two_factor),
        ),
    }
}

/// A plan's name in the person's language (`tier` is the English label the server sends).
pub fn plan_name(l: Locale, tier: &str) -> String {
    match tier {
        "Free" => td_string!(l, dashboard.tiers.free),
        "Professional" => td_string!(l, dashboard.tiers.professional),
        "Enterprise" => td_string!(l, dashboard.tiers.enterprise),
        other => return other.to_owned(),
    }
    .to_owned()
}

/// Why a card's tool is locked, and what unlocks it (the words of `domain::access::explain`,
/// which the JSON API answers in English). `company` and `plan` are the person's.
pub fn lock_reason(l: Locale, card: &ToolCard, company: &str, plan: &str) -> AnyView {
    let company = company.to_owned();
    let tool = title(l, card.flag);
    match &card.access {
        ToolAccess::Available => td_string!(l, tools.lock.available).into_any(),
        ToolAccess::NotInTier { tier } => {
            let plan = plan_name(l, plan);
            let needed = plan_name(l, tier);
            td!(l, tools.lock.not_in_tier, plan, company, needed).into_any()
        }
        ToolAccess::SwitchedOff => td!(l, tools.lock.switched_off, company).into_any(),
        ToolAccess::NotInGroup { groups, .. } => match groups.as_slice() {
            [rest @ .., last] if !rest.is_empty() => {
                let groups = rest.join(td_string!(l, tools.lock.list_separator));
                let last = last.clone();
                td!(l, tools.lock.groups, tool, groups, last, company).into_any()
            }
            _ => {
                let group = groups.first().cloned().unwrap_or_default();
                td!(l, tools.lock.one_group, tool, group, company).into_any()
            }
        },
        ToolAccess::NeedsKey { key } => {
            let tool = TOOLS
                .iter()
                .find(|t| matches!(t.key, KeyNeed::Required(k) | KeyNeed::Optional(k) if k == key))
                .map_or(tool, |t| title(l, t.id));
            td!(l, tools.lock.needs_key, tool).into_any()
        }
        ToolAccess::AccountInactive => td_string!(l, tools.lock.inactive).into_any(),
        ToolAccess::EmailNotVerified => td_string!(l, tools.lock.email).into_any(),
        ToolAccess::TwoFactorRequired => td!(l, tools.lock.two_factor, company).into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tools::TOOLS;

    #[test]
    fn english_names_are_the_catalogue_s() {
        for tool in TOOLS {
            assert_eq!(title(Locale::en, tool.id), tool.title);
            assert_eq!(summary(Locale::en, tool.id), tool.summary);
        }
    }

    #[test]
    fn every_tool_has_its_own_name_in_every_language() {
        for l in crate::locale::all() {
            let names: std::collections::HashSet<_> =
                TOOLS.iter().map(|t| title(*l, t.id)).collect();
            assert_eq!(names.len(), TOOLS.len(), "{}", crate::locale::tag(*l));
        }
    }

    /// In English the card says what the JSON API says (`domain::access::explain`).
    #[cfg(feature = "ssr")]
    #[test]
    fn the_english_lock_reasons_are_the_api_s() {
        use crate::domain::access::explain;
        use crate::domain::Tier;
        let _owner = leptos::prelude::Owner::new();
        let text = |view: AnyView| {
            let html = view.to_html();
            let mut out = String::new();
            let mut in_tag = false;
            for c in html.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => out.push(c),
                    _ => {}
                }
            }
            out
        };
        let cases = [
            ToolAccess::Available,
            ToolAccess::NotInTier {
                tier: "Professional".into(),
            },
            ToolAccess::SwitchedOff,
            ToolAccess::NotInGroup {
                tool: "Writing assistance".into(),
                groups: vec!["Sales".into()],
            },
            ToolAccess::NotInGroup {
                tool: "Writing assistance".into(),
                groups: vec!["Sales".into(), "Support".into(), "Legal".into()],
            },
            ToolAccess::NeedsKey {
                key: "writing_service_key".into(),
            },
            ToolAccess::AccountInactive,
            ToolAccess::EmailNotVerified,
            ToolAccess::TwoFactorRequired,
        ];
        for access in cases {
            let card = ToolCard {
                flag: ToolId::WritingAssistance,
                title: String::new(),
                summary: String::new(),
                access: access.clone(),
                message: String::new(),
            };
            assert_eq!(
                text(lock_reason(Locale::en, &card, "Acme Labs", "Free")),
                explain(&access, "Acme Labs", Tier::Free).replace('&', "&amp;"),
                "{access:?}"
            );
        }
    }
}
