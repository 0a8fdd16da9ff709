//! Parsers for account input. Pure and shared with the browser, so forms can give instant
//! feedback with exactly the rules the server enforces.

use crate::error::AppError;
use std::fmt;

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const NAME_MAX_CHARS: usize = 100;
pub const COMPANY_MIN_CHARS: usize = 2;
pub const COMPANY_MAX_CHARS: usize = 120;

/// A syntactically valid email address, trimmed and lower-cased (emails are unique
/// case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, AppError> {
        let err = |m: &str| Err(AppError::validation("email", m));
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return err("Enter your email address.");
        }
        if value.chars().count() > EMAIL_MAX_CHARS {
            return err("That email address is too long (254 characters at most).");
        }
        let Some((local, domain)) = value.split_once('@') else {
            return err("Enter a valid email address, like name@example.com.");
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return err("Enter a valid email address, like name@example.com.");
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the policy. Its `Debug` never shows the value and it is not
/// `Serialize`, so it cannot end up in a log line or a response by accident.
#[derive(Clone)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Bundled words whose variants ("Password123!", "welcome2024") are refused.
const COMMON_BASES: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssword",
    "p@ssw0rd",
    "qwerty",
    "qwertyuiop",
    "asdfgh",
    "asdfghjkl",
    "zxcvbnm",
    "letmein",
    "welcome",
    "iloveyou",
    "admin",
    "administrator",
    "dragon",
    "monkey",
    "football",
    "baseball",
    "soccer",
    "hockey",
    "sunshine",
    "princess",
    "starwars",
    "superman",
    "batman",
    "trustno1",
    "master",
    "shadow",
    "michael",
    "jennifer",
    "charlie",
    "freedom",
    "whatever",
    "secret",
    "changeme",
    "default",
    "login",
    "digame",
    "abc",
    "abcd",
    "test",
    "guest",
    "hello",
    "summer",
    "winter",
    "spring",
    "autumn",
    "computer",
    "internet",
    "security",
    "football",
    "liverpool",
    "chelsea",
    "arsenal",
    "pokemon",
    "minecraft",
    "fortnite",
    "google",
    "facebook",
    "microsoft",
    "apple",
];

/// Whole passwords seen in breach lists that the rules below would otherwise let through.
const COMMON_PASSWORDS: &[&str] = &[
    "correcthorsebatterystaple",
    "iloveyouforever",
    "qwertyuiopasdfghjkl",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "q1w2e3r4t5y6",
    "zaq12wsxcde3",
    "qazwsxedcrfv",
    "thequickbrownfox",
    "letmeinplease",
    "myspacepassword",
    "passwordpassword",
    "baseballbaseball",
    "trustnoone123",
    "happybirthday",
    "lovelovelove",
    "iloveyoubaby",
    "1234qwerasdf",
    "qweasdzxc123",
    "asdfqwerzxcv",
    "monkeymonkey",
    "dragondragon",
];

impl Password {
    /// Checks the policy: 12–128 characters, not common, not guessable from `context`
    /// (the person's email and its local part, name, company).
    pub fn parse(raw: &str, field: &str, context: &[&str]) -> Result<Password, AppError> {
        let err = |m: &str| Err(AppError::validation(field, m));
        let count = raw.chars().count();
        if count == 0 {
            return err("Enter a password.");
        }
        if count < PASSWORD_MIN_CHARS {
            return err("Use at least 12 characters for your password.");
        }
        if count > PASSWORD_MAX_CHARS {
            return err("Use at most 128 characters for your password.");
        }
        if is_guessable(raw, context) {
            return err("That password is too easy to guess. Try a few unrelated words together.");
        }
        Ok(Password(raw.to_owned()))
    }

    /// The policy for a person's own password: not guessable from their email (whole, or
    /// its local part), their name or their company.
    pub fn for_account(
        raw: &str,
        field: &str,
        email: &str,
        name: &str,
        company: &str,
    ) -> Result<Password, AppError> {
        let local_part = email.split('@').next().unwrap_or_default();
        Password::parse(raw, field, &[email, local_part, name, company])
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn is_guessable(raw: &str, context: &[&str]) -> bool {
    let lower = raw.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    // One repeated character, or a short pattern repeated ("abcabcabcabc").
    let repeated =
        (1..=4).any(|n| chars.len().is_multiple_of(n) && chars.chunks(n).all(|c| c == &chars[..n]));
    // A straight run up or down the alphabet or digits ("123456789012", "abcdefghijkl").
    let sequential = chars.windows(2).all(|w| w[1] as i32 - w[0] as i32 == 1)
        || chars.windows(2).all(|w| w[0] as i32 - w[1] as i32 == 1)
        || "12345678901234567890".contains(&lower)
        || "09876543210987654321".contains(&lower);
    // A common word with only digits and symbols around it ("Password123!", "!!welcome2024").
    let core: String = lower.chars().filter(|c| c.is_alphabetic()).collect();
    let all_digits_or_symbols = core.is_empty() && chars.iter().all(|c| !c.is_alphabetic());
    let core_words_only = !core.is_empty()
        && COMMON_BASES
            .iter()
            .any(|b| core == *b || core == b.repeat(core.len() / b.len()));
    let simple_digits = all_digits_or_symbols && {
        let digits: String = lower.chars().filter(|c| c.is_ascii_digit()).collect();
        digits
            .chars()
            .collect::<std::collections::HashSet<_>>()
            .len()
            <= 3
    };
    let common = COMMON_PASSWORDS.contains(&lower.as_str());
    // Built from the person's own details ("janedoe2024!!", "acmecorp12345").
    let personal = context.iter().any(|ctx| {
        let ctx = ctx.trim().to_lowercase();
        let ctx: String = ctx.chars().filter(|c| c.is_alphanumeric()).collect();
        ctx.chars().count() >= 4
            && core.contains(&ctx)
            && core.chars().count() <= ctx.chars().count() + 3
    });
    // One of those details as typed, give or take a few characters ("ana@acme.test!").
    let verbatim = context.iter().any(|ctx| {
        let ctx = ctx.trim().to_lowercase();
        ctx.chars().count() >= 4
            && lower.contains(&ctx)
            && lower.chars().count() <= ctx.chars().count() + 3
    });
    repeated || sequential || core_words_only || simple_digits || common || personal || verbatim
}

/// A person's display name: 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, AppError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(AppError::validation("name", "Enter your name."));
        }
        if value.chars().count() > NAME_MAX_CHARS {
            return Err(AppError::validation(
                "name",
                "Use at most 100 characters for your name.",
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(AppError::validation(
                "name",
                "Your name contains characters that are not allowed.",
            ));
        }
        Ok(DisplayName(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company (tenant) name: 2–120 characters, no control characters, at least one letter
/// or digit (it becomes the tenant's slug).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyName(String);

impl CompanyName {
    pub fn parse(raw: &str) -> Result<CompanyName, AppError> {
        let value = raw.trim();
        let err = |m: &str| Err(AppError::validation("company", m));
        if value.is_empty() {
            return err("Enter your company's name.");
        }
        if value.chars().count() < COMPANY_MIN_CHARS {
            return err("Use at least 2 characters for the company name.");
        }
        if value.chars().count() > COMPANY_MAX_CHARS {
            return err("Use at most 120 characters for the company name.");
        }
        if value.chars().any(char::is_control) {
            return err("The company name contains characters that are not allowed.");
        }
        if !value.chars().any(char::is_alphanumeric) {
            return err("The company name needs at least one letter or digit.");
        }
        Ok(CompanyName(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tenant's URL-safe identifier: 3–64 of `a-z`, `0-9` and single inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(raw: &str) -> Result<TenantSlug, AppError> {
        let ok = (3..=64).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if ok {
            Ok(TenantSlug(raw.to_owned()))
        } else {
            Err(AppError::validation(
                "slug",
                "Use 3–64 lowercase letters, digits and single hyphens.",
            ))
        }
    }

    /// Derives a slug from a company name ("Acme & Co." → "acme-co"), padding short ones.
    pub fn from_company(name: &CompanyName) -> TenantSlug {
        let mut slug = String::new();
        for c in name.as_str().chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let mut slug: String = slug.trim_end_matches('-').chars().take(48).collect();
        slug = slug.trim_end_matches('-').to_owned();
        while slug.len() < 3 {
            slug.push_str(if slug.is_empty() { "team" } else { "-co" });
        }
        TenantSlug(slug)
    }

    /// The same slug with a numeric suffix, for when the plain one is taken.
    pub fn with_suffix(&self, n: u32) -> TenantSlug {
        TenantSlug(format!("{}-{n}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let email = Email::parse("  Jane.Doe@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "jane.doe@example.com");
        assert_eq!(email.local_part(), "jane.doe");
    }

    #[test]
    fn malformed_emails_are_refused_on_the_email_field() {
        for bad in [
            "",
            "   ",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "ja ne@example.com",
            "jane@@example.com",
            "jane@-example.com",
            ".jane@example.com",
            "jane..doe@example.com",
            "jane@exa_mple.com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field(), Some("email"), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn password_length_limits() {
        assert!(Password::parse("short", "password", &[]).is_err());
        assert!(Password::parse(&"x".repeat(129), "password", &[]).is_err());
        assert!(Password::parse("amber-kettle-orbit-73", "password", &[]).is_ok());
        // 128 characters of varied text are fine.
        let long: String = "blue canyon river ".repeat(8).chars().take(128).collect();
        assert!(Password::parse(&long, "password", &[]).is_ok());
    }

    #[test]
    fn guessable_passwords_are_refused() {
        for bad in [
            "Password123!",
            "password1234",
            "aaaaaaaaaaaa",
            "abcabcabcabc",
            "123456789012",
            "abcdefghijklm",
            "qwertyuiop12",
            "!!welcome2024",
            "111122221111",
            "correcthorsebatterystaple",
            "passwordpassword",
            "Digame2024!!!",
        ] {
            let err = Password::parse(bad, "password", &[]).unwrap_err();
            assert_eq!(err.field(), Some("password"), "{bad:?}");
            assert!(
                err.message().contains("too easy"),
                "{bad:?}: {}",
                err.message()
            );
        }
    }

    #[test]
    fn passwords_built_from_personal_details_are_refused() {
        assert!(Password::parse("janedoe2024!!", "password", &["janedoe"]).is_err());
        assert!(Password::parse("AcmeCorp12345", "password", &["Acme Corp"]).is_err());
        // Containing a short context word inside a long passphrase is fine.
        assert!(Password::parse("acme rocket under blue sky", "password", &["acme"]).is_ok());
    }

    #[test]
    fn the_persons_own_email_is_not_a_password() {
        let email = "ana.lima.1234@example.com";
        let context = [email, "ana.lima.1234", "Ana Lima", "Acme"];
        for guess in [
            email,
            "Ana.Lima.1234@Example.com",
            "ana.lima.1234@example.com!!",
        ] {
            assert!(
                Password::parse(guess, "password", &context).is_err(),
                "{guess} must be refused"
            );
        }
        assert!(Password::parse("harbor-violet-quartz-58", "password", &context).is_ok());
    }

    #[test]
    fn password_debug_is_redacted() {
        let pw = Password::parse("amber-kettle-orbit-73", "password", &[]).unwrap();
        assert!(!format!("{pw:?}").contains("amber"));
        assert_eq!(pw.expose(), "amber-kettle-orbit-73");
    }

    #[test]
    fn names_are_validated() {
        assert!(DisplayName::parse("").is_err());
        assert!(DisplayName::parse(&"n".repeat(101)).is_err());
        assert!(DisplayName::parse("Ana\u{0007}").is_err());
        assert_eq!(
            DisplayName::parse("  Ana Lima ").unwrap().as_str(),
            "Ana Lima"
        );
        assert!(CompanyName::parse("A").is_err());
        assert!(CompanyName::parse("!!!").is_err());
        assert_eq!(CompanyName::parse(" Acme ").unwrap().as_str(), "Acme");
    }

    #[test]
    fn slugs_derive_from_company_names() {
        let slug = |s: &str| TenantSlug::from_company(&CompanyName::parse(s).unwrap());
        assert_eq!(slug("Acme & Co.").as_str(), "acme-co");
        assert_eq!(slug("  Über Café ").as_str(), "ber-caf");
        assert_eq!(slug("XY").as_str(), "xy-co");
        assert_eq!(slug("日本").as_str(), "team");
        assert_eq!(slug("Acme").with_suffix(2).as_str(), "acme-2");
        for name in ["Acme & Co.", "XY", "日本", &"Long Name ".repeat(11)] {
            let s = slug(name);
            assert!(TenantSlug::parse(s.as_str()).is_ok(), "{name:?} -> {s:?}");
        }
        assert!(TenantSlug::parse("ab").is_err());
        assert!(TenantSlug::parse("-abc").is_err());
        assert!(TenantSlug::parse("a--b").is_err());
        assert!(TenantSlug::parse("Abc").is_err());
    }
}
