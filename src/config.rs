//! Typed settings from the environment, validated at start-up. Every error names the
//! variable to fix; nothing insecure is a silent default.

use crate::domain::Tier;
use secrecy::{ExposeSecret as _, SecretString};
use std::net::SocketAddr;
use std::path::PathBuf;

mod args;
mod ip_range;
mod master_key;

pub use args::{settings_args, OTHER_VARIABLES};
pub use ip_range::IpRange;
use master_key::dev_master_key;
pub use master_key::{MasterKey, MasterKeySource};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen_addr: Option<SocketAddr>,
    pub database_url: String,
    pub environment: Environment,
    pub data_dir: PathBuf,
    pub master_key: MasterKey,
    pub master_key_source: MasterKeySource,
    /// The master key being rotated away from, readable until `digame rotate-master-key` ends.
    pub previous_master_key: Option<MasterKey>,
    pub default_tier: Tier,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    /// This site's origin as people reach it (`https://digame.example.com`): links that are
    /// sent elsewhere are built from it, and cross-site checks compare against it. Required
    /// in production; in development, without it, the request's own host is used.
    pub public_url: Option<String>,
    pub ai: AiSettings,
    /// Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` is believed: behind them,
    /// the client's address is the nearest one in that header that is not a proxy.
    pub trusted_proxies: Vec<IpRange>,
    /// Registrations one address may start per hour.
    pub registrations_per_hour: i32,
    /// The largest mail export the email tool accepts, in bytes.
    pub email_upload_max_bytes: u64,
    /// The most messages one email analysis reads.
    pub email_max_messages: usize,
    /// JSON API requests one caller (token, person or address) may make per minute.
    pub api_requests_per_minute: u32,
    /// After SIGTERM, how long requests in flight may take to finish.
    pub shutdown_grace_seconds: u64,
    pub mail: MailSettings,
    /// `DIGAME_METRICS_TOKEN`: the bearer token `/metrics` asks for; without it there is no
    /// `/metrics`. A secret: never in a `Debug` output or a log.
    pub metrics_token: Option<SecretString>,
    /// `DIGAME_RETENTION_MONTHS`: how long AI usage records and audit events are kept.
    pub retention_months: u32,
    /// `DIGAME_DNS_SERVER`: where domain verification looks up TXT records; `None` is the
    /// system's resolver configuration.
    pub dns_server: Option<SocketAddr>,
}

/// How Digame's mail leaves: by SMTP when a server is named, else it waits in the outbox.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `DIGAME_SMTP_URL`, e.g. `smtp://user:pass@host:587?tls=required`: it may hold the
    /// mail server's password, so it is a secret (never in a `Debug` output or a log).
    pub smtp_url: Option<SecretString>,
    /// `DIGAME_MAIL_FROM`, the sender (`Digame <no-reply@example.com>`).
    pub from: String,
    /// `DIGAME_DEV_OUTBOX=true`: `/dev/outbox` shows every company's mail to callers on this
    /// machine. For development only (refused in production); `./scripts/run` turns it on.
    pub dev_outbox: bool,
}

/// Where the AI tools' calls go, and the limits on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiSettings {
    /// The API's address, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// Which API that address speaks.
    pub provider: crate::domain::ProviderKind,
    pub model: String,
    /// Whether `http`, loopback and private addresses may be called (local model servers).
    pub allow_private: bool,
    /// Whole-call timeout, seconds.
    pub timeout_secs: u64,
    /// Calls one person may make per minute.
    pub calls_per_minute: u32,
    /// Answers come from the built-in test service (`digame fake-ai`), started in-process.
    pub demo: bool,
}

pub const DEFAULT_AI_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_AI_MODEL: &str = "gpt-4o-mini";

/// `https://host[:port]`, with no path, query or credentials; a trailing `/` is dropped.
fn parse_public_url(raw: &str) -> Result<String, String> {
    let value = raw.trim().trim_end_matches('/');
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    let ok = rest.is_some_and(|host| {
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    });
    if ok {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(format!(
            "DIGAME_PUBLIC_URL must be an origin like https://digame.example.com (no path), not `{raw}`"
        ))
    }
}

/// `https://host[:port][/path]`, with no query, fragment or credentials; a trailing `/` is
/// dropped. Whether the host may be private is checked when calls are made.
pub fn parse_ai_base_url(raw: &str) -> Result<String, String> {
    let value = raw.trim().trim_end_matches('/');
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && !value.contains(['?', '#', '@', ' '])
        && value
            .split("://")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty());
    if ok {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "DIGAME_AI_BASE_URL must be an address like https://api.openai.com/v1, not `{raw}`"
        ))
    }
}

/// Largest request body accepted (forms and JSON; AI tools take notes and transcripts).
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

impl Settings {
    /// The body limit of the mail export uploads (the page's and the API's). The upload
    /// streams to a temporary file and counts its own bytes against
    /// `DIGAME_EMAIL_UPLOAD_MAX_MB`; this limit is the backstop.
    pub fn upload_body_limit(&self) -> usize {
        usize::try_from(self.email_upload_max_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(1024 * 1024)
    }

    /// Whether the session cookie is `Secure` (and named `__Host-digame_session`): in
    /// production, and whenever the public address is https, whatever `DIGAME_ENV` says.
    pub fn secure_cookies(&self) -> bool {
        self.is_production()
            || self
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
    }

    /// The settings given on a command line parsed with [`settings_args`] (each from its
    /// option, else its environment variable); see [`Settings::from_lookup`].
    pub fn from_matches(matches: &clap::ArgMatches) -> Result<Settings, String> {
        let args = settings_args();
        Settings::from_lookup(|name| {
            let arg = args
                .iter()
                .find(|a| a.get_env() == Some(std::ffi::OsStr::new(name)))?;
            matches
                .get_one::<String>(arg.get_id().as_str())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        })
    }

    /// Builds settings from a variable lookup, so tests can pass their own.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        let environment = match get("DIGAME_ENV").as_deref().map(str::trim) {
            None | Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(other) => {
                return Err(format!(
                    "DIGAME_ENV must be `development` or `production`, not `{other}`"
                ))
            }
        };
        let listen_addr = match get("DIGAME_LISTEN_ADDR") {
            Some(v) => Some(v.trim().parse().map_err(|_| {
                format!("DIGAME_LISTEN_ADDR must be an address like 127.0.0.1:3000, not `{v}`")
            })?),
            None => None,
        };
        let data_dir = PathBuf::from(get("DIGAME_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/digame.db", data_dir.display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err("DATABASE_URL must start with sqlite: or postgres://".into());
        }
        let default_tier = match get("DIGAME_DEFAULT_TIER") {
            Some(v) => Tier::parse(&v).ok_or_else(|| {
                format!("DIGAME_DEFAULT_TIER must be free, professional or enterprise, not `{v}`")
            })?,
            None => Tier::Professional,
        };
        let number = |name: &str, default: i64, max: i64| -> Result<i64, String> {
            match get(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| {
                        format!("{name} must be a whole number from 1 to {max}, not `{v}`")
                    }),
            }
        };
        let session_idle_minutes = number("DIGAME_SESSION_IDLE_MINUTES", 120, 60 * 24 * 30)?;
        let session_absolute_hours = number("DIGAME_SESSION_ABSOLUTE_HOURS", 12, 24 * 90)?;
        let (master_key, master_key_source) = match get("DIGAME_MASTER_KEY") {
            Some(v) => (MasterKey::parse(&v)?, MasterKeySource::Environment),
            None if environment == Environment::Production => {
                return Err("DIGAME_MASTER_KEY is required in production: set it to base64 of 32 random bytes (`openssl rand -base64 32`)".into())
            }
            None => dev_master_key(&data_dir)?,
        };
        let previous_master_key = match get("DIGAME_OLD_MASTER_KEY") {
            Some(v) => Some(
                MasterKey::parse(&v)
                    .map_err(|e| e.replace("DIGAME_MASTER_KEY", "DIGAME_OLD_MASTER_KEY"))?,
            ),
            None => None,
        };
        let public_url = match get("DIGAME_PUBLIC_URL") {
            Some(v) => Some(parse_public_url(&v)?),
            None if environment == Environment::Production => {
                return Err("DIGAME_PUBLIC_URL is required in production: set it to the site's address, e.g. https://digame.example.com".into())
            }
            None => None,
        };
        let flag = |name: &str| -> Result<bool, String> {
            match get(name).as_deref().map(str::trim) {
                None | Some("false") | Some("0") | Some("no") => Ok(false),
                Some("true") | Some("1") | Some("yes") => Ok(true),
                Some(other) => Err(format!("{name} must be true or false, not `{other}`")),
            }
        };
        let ai = AiSettings {
            base_url: match get("DIGAME_AI_BASE_URL") {
                Some(v) => parse_ai_base_url(&v)?,
                None => DEFAULT_AI_BASE_URL.to_owned(),
            },
            provider: match get("DIGAME_AI_PROVIDER") {
                None => crate::domain::ProviderKind::default(),
                Some(v) => crate::domain::ProviderKind::parse(&v).ok_or_else(|| {
                    format!(
                        "DIGAME_AI_PROVIDER must be openai or anthropic, not `{}`",
                        v.trim()
                    )
                })?,
            },
            model: get("DIGAME_AI_MODEL")
                .map(|m| m.trim().to_owned())
                .unwrap_or_else(|| DEFAULT_AI_MODEL.to_owned()),
            allow_private: flag("DIGAME_AI_ALLOW_PRIVATE")?,
            timeout_secs: number("DIGAME_AI_TIMEOUT_SECONDS", 60, 600)? as u64,
            calls_per_minute: number("DIGAME_AI_CALLS_PER_MINUTE", 10, 10_000)? as u32,
            demo: flag("DIGAME_AI_DEMO")?,
        };
        let trusted_proxies = match get("DIGAME_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(v) => v
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| {
                    IpRange::parse(p).ok_or_else(|| {
                        format!("DIGAME_TRUSTED_PROXIES must list addresses or ranges like 10.0.0.0/8, not `{}`", p.trim())
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let registrations_per_hour = number("DIGAME_REGISTRATIONS_PER_HOUR", 10, 100_000)? as i32;
        let email_upload_max_bytes =
            number("DIGAME_EMAIL_UPLOAD_MAX_MB", 200, 4096)? as u64 * 1024 * 1024;
        let email_max_messages = number("DIGAME_EMAIL_MAX_MESSAGES", 200_000, 5_000_000)? as usize;
        let api_requests_per_minute =
            number("DIGAME_API_REQUESTS_PER_MINUTE", 300, 1_000_000)? as u32;
        let shutdown_grace_seconds = number("DIGAME_SHUTDOWN_GRACE_SECONDS", 30, 3600)? as u64;
        let retention_months = number("DIGAME_RETENTION_MONTHS", 13, 120)? as u32;
        let dns_server = match get("DIGAME_DNS_SERVER") {
            None => None,
            Some(v) => Some(v.trim().parse::<SocketAddr>().map_err(|_| {
                format!(
                    "DIGAME_DNS_SERVER must be an address and port like 127.0.0.1:53, not `{}`",
                    v.trim()
                )
            })?),
        };
        let mail = MailSettings {
            smtp_url: get("DIGAME_SMTP_URL")
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(SecretString::from),
            from: get("DIGAME_MAIL_FROM")
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "Digame <no-reply@localhost>".to_owned()),
            dev_outbox: flag("DIGAME_DEV_OUTBOX")?,
        };
        if ai.demo && environment == Environment::Production {
            return Err(
                "DIGAME_AI_DEMO answers every tool from a built-in test service: it cannot be used in production"
                    .into(),
            );
        }
        if mail.dev_outbox && environment == Environment::Production {
            return Err(
                "DIGAME_DEV_OUTBOX shows everyone's mail: it cannot be used in production".into(),
            );
        }
        let metrics_token = get("DIGAME_METRICS_TOKEN")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .map(SecretString::from);
        if metrics_token
            .as_ref()
            .is_some_and(|t| t.expose_secret().len() < 16)
        {
            return Err(
                "DIGAME_METRICS_TOKEN must be at least 16 characters (e.g. openssl rand -hex 24)"
                    .into(),
            );
        }
        Ok(Settings {
            dns_server,
            metrics_token,
            mail,
            shutdown_grace_seconds,
            retention_months,
            api_requests_per_minute,
            email_upload_max_bytes,
            email_max_messages,
            trusted_proxies,
            registrations_per_hour,
            ai,
            public_url,
            previous_master_key,
            listen_addr,
            database_url,
            environment,
            data_dir,
            master_key,
            master_key_source,
            default_tier,
            session_idle_minutes,
            session_absolute_hours,
        })
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The settings from these variables only. Without a master key or `DIGAME_DATA_DIR`, the
    /// data folder (where development makes its key file) is a temporary one of this test's
    /// own, never the checkout's `data/`, which every test would share.
    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let data = tempfile::tempdir().unwrap();
        if !map.contains_key("DIGAME_MASTER_KEY") {
            map.entry("DIGAME_DATA_DIR".into())
                .or_insert_with(|| data.path().display().to_string());
        }
        move |name| {
            let _kept_while_read = &data;
            map.get(name).cloned()
        }
    }

    #[test]
    fn every_variable_read_is_declared_once_for_the_command_line() {
        let asked = std::cell::RefCell::new(Vec::<String>::new());
        let key = MasterKey::generate().to_base64();
        Settings::from_lookup(|name| {
            asked.borrow_mut().push(name.to_owned());
            (name == "DIGAME_MASTER_KEY").then(|| key.clone())
        })
        .unwrap();
        let declared: Vec<String> = settings_args()
            .iter()
            .filter_map(|a| a.get_env().map(|e| e.to_string_lossy().into_owned()))
            .collect();
        let mut asked = asked.into_inner();
        asked.sort();
        asked.dedup();
        let mut sorted = declared.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), declared.len(), "a variable declared twice");
        assert_eq!(
            asked, sorted,
            "read by from_lookup vs declared in settings_args"
        );
    }

    #[test]
    fn options_and_the_environment_reach_the_same_settings() {
        let key = MasterKey::generate().to_base64();
        let command = clap::Command::new("digame").args(settings_args());
        let matches = command
            .try_get_matches_from([
                "digame",
                "--master-key",
                &key,
                "--ai-timeout-seconds",
                "7",
                "--default-tier",
                "enterprise",
            ])
            .unwrap();
        let s = Settings::from_matches(&matches).unwrap();
        assert_eq!(s.ai.timeout_secs, 7);
        assert_eq!(s.default_tier, Tier::Enterprise);
        let bad = clap::Command::new("digame")
            .args(settings_args())
            .try_get_matches_from(["digame", "--master-key", &key, "--ai-timeout-seconds", "0"])
            .unwrap();
        let err = Settings::from_matches(&bad).unwrap_err();
        assert!(err.contains("DIGAME_AI_TIMEOUT_SECONDS"), "{err}");
    }

    #[test]
    fn cookies_are_secure_in_production_and_behind_https() {
        let dev = Settings::from_lookup(lookup(&[])).unwrap();
        assert!(!dev.secure_cookies());
        let https = Settings::from_lookup(lookup(&[(
            "DIGAME_PUBLIC_URL",
            "https://digame.example.com",
        )]))
        .unwrap();
        assert!(
            https.secure_cookies(),
            "an https site gets Secure cookies without DIGAME_ENV"
        );
        let http = Settings::from_lookup(lookup(&[("DIGAME_PUBLIC_URL", "http://127.0.0.1:3000")]))
            .unwrap();
        assert!(!http.secure_cookies());
    }

    #[test]
    fn production_without_master_key_names_the_variable() {
        let err = Settings::from_lookup(lookup(&[("DIGAME_ENV", "production")])).unwrap_err();
        assert!(err.contains("DIGAME_MASTER_KEY"), "{err}");
    }

    #[test]
    fn weak_master_keys_are_refused() {
        use base64::Engine as _;
        let zeros = base64::engine::general_purpose::STANDARD.encode([0u8; 32]);
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
        for bad in [zeros.as_str(), short.as_str(), "not base64!"] {
            let err = Settings::from_lookup(lookup(&[
                ("DIGAME_ENV", "production"),
                ("DIGAME_MASTER_KEY", bad),
            ]))
            .unwrap_err();
            assert!(err.contains("DIGAME_MASTER_KEY"), "{err}");
        }
    }

    #[test]
    fn production_with_a_strong_key_and_defaults() {
        let key = MasterKey::generate().to_base64();
        let err = Settings::from_lookup(lookup(&[
            ("DIGAME_ENV", "production"),
            ("DIGAME_MASTER_KEY", &key),
        ]))
        .unwrap_err();
        assert!(err.contains("DIGAME_PUBLIC_URL"), "{err}");
        let s = Settings::from_lookup(lookup(&[
            ("DIGAME_ENV", "production"),
            ("DIGAME_MASTER_KEY", &key),
            ("DIGAME_PUBLIC_URL", "https://Digame.Example.com/"),
        ]))
        .unwrap();
        assert!(s.is_production());
        assert_eq!(s.public_url.as_deref(), Some("https://digame.example.com"));
        assert_eq!(s.database_url, "sqlite://data/digame.db");
        assert_eq!(s.default_tier, Tier::Professional);
        assert_eq!(s.master_key_source, MasterKeySource::Environment);
        assert!(!format!("{s:?}").contains(&key));
        let with_secrets = Settings::from_lookup(lookup(&[
            (
                "DIGAME_SMTP_URL",
                "smtp://mailer:hunter2-secret@mail.example.com:587",
            ),
            ("DIGAME_METRICS_TOKEN", "metrics-token-0123456789abcdef"),
        ]))
        .unwrap();
        let printed = format!("{with_secrets:?}");
        assert!(
            !printed.contains("hunter2-secret") && !printed.contains("metrics-token-0123456789"),
            "{printed}"
        );
        assert_eq!(s.ai.base_url, DEFAULT_AI_BASE_URL);
        assert_eq!(s.ai.model, DEFAULT_AI_MODEL);
        assert!(!s.ai.allow_private && !s.ai.demo);
        assert_eq!((s.ai.timeout_secs, s.ai.calls_per_minute), (60, 10));
        // The built-in test AI service is for demos and tests, never production.
        let err = Settings::from_lookup(lookup(&[
            ("DIGAME_ENV", "production"),
            ("DIGAME_MASTER_KEY", &key),
            ("DIGAME_PUBLIC_URL", "https://digame.example.com"),
            ("DIGAME_AI_DEMO", "true"),
        ]))
        .unwrap_err();
        assert!(err.contains("DIGAME_AI_DEMO"), "{err}");
    }

    #[test]
    fn development_generates_then_reuses_a_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let first = Settings::from_lookup(lookup(&[("DIGAME_DATA_DIR", data)])).unwrap();
        assert!(matches!(
            first.master_key_source,
            MasterKeySource::Generated(_)
        ));
        let second = Settings::from_lookup(lookup(&[("DIGAME_DATA_DIR", data)])).unwrap();
        assert!(matches!(second.master_key_source, MasterKeySource::File(_)));
        assert_eq!(first.master_key.0, second.master_key.0);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let key = MasterKey::generate().to_base64();
        for (name, value) in [
            ("DIGAME_ENV", "staging"),
            ("DIGAME_LISTEN_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("DIGAME_DEFAULT_TIER", "gold"),
            ("DIGAME_PUBLIC_URL", "digame.example.com"),
            ("DIGAME_PUBLIC_URL", "https://digame.example.com/app"),
            ("DIGAME_PUBLIC_URL", "https://user@digame.example.com"),
            ("DIGAME_SESSION_IDLE_MINUTES", "0"),
            ("DIGAME_AI_BASE_URL", "api.openai.com/v1"),
            ("DIGAME_AI_BASE_URL", "https://user:pw@api.example.com/v1"),
            ("DIGAME_AI_PROVIDER", "claude"),
            ("DIGAME_AI_ALLOW_PRIVATE", "sometimes"),
            ("DIGAME_AI_TIMEOUT_SECONDS", "0"),
            ("DIGAME_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("DIGAME_TRUSTED_PROXIES", "proxy.local"),
        ] {
            let err = Settings::from_lookup(lookup(&[(name, value), ("DIGAME_MASTER_KEY", &key)]))
                .unwrap_err();
            let expected = if name == "DATABASE_URL" {
                "DATABASE_URL"
            } else {
                name
            };
            assert!(err.contains(expected), "{name}: {err}");
        }
    }
}
