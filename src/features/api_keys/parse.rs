//! Names and values of API keys, parsed. Shared with the browser for instant checks.

use crate::domain::{KeyNeed, ToolInfo, TOOLS};
use crate::error::AppError;
use std::fmt;

/// The largest key accepted (outside services' keys are far shorter).
pub const MAX_KEY_BYTES: usize = 4096;

/// A key name: 3–64 of lowercase letters, digits and underscores, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyName(String);

impl ApiKeyName {
    pub fn parse(raw: &str, field: &str) -> Result<ApiKeyName, AppError> {
        let ok = (3..=64).contains(&raw.len())
            && raw.starts_with(|c: char| c.is_ascii_lowercase())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(ApiKeyName(raw.to_owned()))
        } else {
            Err(AppError::validation(
                field,
                "Use 3–64 lowercase letters, digits and underscores, starting with a letter.",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A key's value. Never `Serialize`; its `Debug` shows nothing.
#[derive(Clone)]
pub struct ApiKeyValue(String);

impl fmt::Debug for ApiKeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeyValue(<redacted>)")
    }
}

impl ApiKeyValue {
    pub fn parse(raw: &str, field: &str) -> Result<ApiKeyValue, AppError> {
        let err = |m: &str| Err(AppError::validation(field, m));
        if raw.is_empty() {
            return err("Paste the key from the service.");
        }
        if raw.len() > MAX_KEY_BYTES {
            return err("That is longer than any API key we accept (4 KB at most).");
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return err("API keys contain no spaces, line breaks or control characters. Check that you copied only the key.");
        }
        if raw.chars().count() < 8 {
            return err("That is too short to be an API key (8 characters at least).");
        }
        Ok(ApiKeyValue(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last four characters, the only part ever shown again.
    pub fn last_four(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    }
}

/// How a stored key is shown: only its last four characters.
pub fn mask(last_four: &str) -> String {
    format!("••••{last_four}")
}

/// A key name one of the tools uses, with its tool.
pub struct KnownKey {
    pub name: &'static str,
    pub tool: &'static ToolInfo,
    pub optional: bool,
    /// The key for the tool's second service (its failover), not its first.
    pub second: bool,
}

/// The keys the tools use, in the tools' order: each tool's key, then its second service's.
pub fn known_keys() -> impl Iterator<Item = KnownKey> {
    TOOLS.iter().flat_map(|tool| {
        let first = match tool.key {
            KeyNeed::Required(name) => Some((name, false)),
            KeyNeed::Optional(name) => Some((name, true)),
            KeyNeed::None => None,
        };
        let second = tool.second_key.map(|name| KnownKey {
            name,
            tool,
            optional: true,
            second: true,
        });
        first
            .map(|(name, optional)| KnownKey {
                name,
                tool,
                optional,
                second: false,
            })
            .into_iter()
            .chain(second)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["writing_service_key", "abc", "my_key_2"] {
            assert!(ApiKeyName::parse(ok, "name").is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ab",
            "Writing",
            "my-key",
            "1key",
            "_key",
            "key with space",
            &"a".repeat(65),
        ] {
            let err = ApiKeyName::parse(bad, "name").unwrap_err();
            assert_eq!(err.field(), Some("name"), "{bad}");
        }
    }

    #[test]
    fn values() {
        assert!(ApiKeyValue::parse("sk-abc123def456", "value").is_ok());
        for bad in [
            "",
            "short",
            "sk abc 123456",
            "sk-abc123456\n",
            "\tsk-abc123456",
            "sk-\u{0}abc123456",
        ] {
            assert!(ApiKeyValue::parse(bad, "value").is_err(), "{bad:?}");
        }
        assert!(ApiKeyValue::parse(&"k".repeat(MAX_KEY_BYTES), "value").is_ok());
        assert!(ApiKeyValue::parse(&"k".repeat(MAX_KEY_BYTES + 1), "value").is_err());
    }

    #[test]
    fn masking_shows_only_the_last_four() {
        let v = ApiKeyValue::parse("sk-live-abcdefWXYZ", "value").unwrap();
        assert_eq!(v.last_four(), "WXYZ");
        assert_eq!(mask(&v.last_four()), "••••WXYZ");
        assert!(!format!("{v:?}").contains("abcdef"));
    }

    #[test]
    fn the_five_tool_keys_and_their_second_services_keys_are_known() {
        let names: Vec<_> = known_keys().map(|k| k.name).collect();
        assert_eq!(
            names,
            [
                "writing_service_key",
                "writing_second_service_key",
                "communication_style_service_key",
                "communication_style_second_service_key",
                "meeting_insights_service_key",
                "meeting_insights_second_service_key",
                "email_analysis_service_key",
                "email_analysis_second_service_key",
                "language_learning_api_key",
                "language_learning_second_api_key"
            ]
        );
        assert_eq!(known_keys().filter(|k| k.second).count(), 5);
        for name in names {
            assert!(ApiKeyName::parse(name, "name").is_ok());
        }
    }
}
