//! The settings' command-line and environment declaration (clap), read by
//! [`super::Settings::from_matches`] and printed by `digame --help`.

/// Every setting, declared once: each is read from its environment variable (or given as the
/// option), listed with its help by `digame --help`, and checked by [`Settings::from_lookup`]
/// (a unit test holds the two to the same names).
pub fn settings_args() -> Vec<clap::Arg> {
    use clap::Arg;
    let setting = |id: &'static str, env: &'static str, help: &'static str| {
        Arg::new(id)
            .long(id)
            .env(env)
            .help(help)
            .value_name("VALUE")
            .global(true)
            .help_heading("Settings (each from its environment variable, or the option)")
    };
    vec![
        setting("env", "DIGAME_ENV", "development (default) or production"),
        setting("listen-addr", "DIGAME_LISTEN_ADDR", "address to listen on (default: LEPTOS_SITE_ADDR, else 127.0.0.1:3000)"),
        setting("database-url", "DATABASE_URL", "sqlite://data/digame.db (default) or postgres://user@host/db")
            .hide_env_values(true),
        setting("data-dir", "DIGAME_DATA_DIR", "folder for the SQLite file and the development master key (default: data)"),
        setting("master-key", "DIGAME_MASTER_KEY", "base64 of 32 random bytes; encrypts users' API keys. Required in production; in development it is generated into DIGAME_DATA_DIR/master.key")
            .hide_env_values(true),
        setting("old-master-key", "DIGAME_OLD_MASTER_KEY", "the previous master key while rotating (see `digame rotate-master-key`)")
            .hide_env_values(true),
        setting("default-tier", "DIGAME_DEFAULT_TIER", "tier of new tenants: free, professional (default) or enterprise"),
        setting("public-url", "DIGAME_PUBLIC_URL", "this site's origin, e.g. https://digame.example.com (required in production): mailed links and the cross-site check use it"),
        setting("ai-base-url", "DIGAME_AI_BASE_URL", "the API the AI tools call (default https://api.openai.com/v1)"),
        setting("ai-provider", "DIGAME_AI_PROVIDER", "which API that address speaks: openai (OpenAI-compatible chat completions, the default) or anthropic (Anthropic's Messages API)"),
        setting("ai-model", "DIGAME_AI_MODEL", "the model they ask (default gpt-4o-mini)"),
        setting("ai-allow-private", "DIGAME_AI_ALLOW_PRIVATE", "true lets the tools call http, loopback and private addresses (a local model server); default false"),
        setting("ai-timeout-seconds", "DIGAME_AI_TIMEOUT_SECONDS", "give up on an AI call after this long (default 60)"),
        setting("ai-calls-per-minute", "DIGAME_AI_CALLS_PER_MINUTE", "AI calls one person may make per minute (default 10)"),
        setting("ai-demo", "DIGAME_AI_DEMO", "true starts the built-in test AI service and points the tools at it; every page then says so (demos and tests only)"),
        setting("trusted-proxies", "DIGAME_TRUSTED_PROXIES", "comma-separated addresses or CIDR ranges of the reverse proxies in front of Digame; their X-Forwarded-For names the client (default: none)"),
        setting("registrations-per-hour", "DIGAME_REGISTRATIONS_PER_HOUR", "sign-ups one address may start per hour (default 10)"),
        setting("email-upload-max-mb", "DIGAME_EMAIL_UPLOAD_MAX_MB", "the largest mail export the email tool accepts (default 200)"),
        setting("email-max-messages", "DIGAME_EMAIL_MAX_MESSAGES", "the most messages one email analysis reads (default 200000)"),
        setting("api-requests-per-minute", "DIGAME_API_REQUESTS_PER_MINUTE", "JSON API requests one caller may make per minute (default 300)"),
        setting("shutdown-grace-seconds", "DIGAME_SHUTDOWN_GRACE_SECONDS", "after SIGTERM, how long requests in flight may finish (default 30)"),
        setting("retention-months", "DIGAME_RETENTION_MONTHS", "months AI usage records and audit events are kept (default 13)"),
        setting("smtp-url", "DIGAME_SMTP_URL", "the mail server that delivers the outbox, e.g. smtp://user:pass@host:587?tls=required (default: none; mail waits in the outbox)")
            .hide_env_values(true),
        setting("mail-from", "DIGAME_MAIL_FROM", "the sender of Digame's mail (default: Digame <no-reply@localhost>)"),
        setting("dev-outbox", "DIGAME_DEV_OUTBOX", "true shows every message of the outbox at /dev/outbox to callers on this machine (development only; ./scripts/run sets it)"),
        setting("metrics-token", "DIGAME_METRICS_TOKEN", "serves Prometheus metrics at /metrics to callers sending it as a bearer token (at least 16 characters; default: none)")
            .hide_env_values(true),
        setting("dns-server", "DIGAME_DNS_SERVER", "the DNS server (IP:port) that domain verification asks for TXT records (default: the system's, from /etc/resolv.conf)"),
        setting("session-idle-minutes", "DIGAME_SESSION_IDLE_MINUTES", "sign out after this long without activity (default 120)"),
        setting("session-absolute-hours", "DIGAME_SESSION_ABSOLUTE_HOURS", "sign out this long after signing in, whatever happens (default 12)"),
    ]
}

/// Read by the libraries, not by [`Settings`]: shown at the end of `digame --help`.
pub const OTHER_VARIABLES: &str =
    "Also read from the environment: RUST_LOG (log filter, default info); LEPTOS_SITE_ROOT, \
LEPTOS_SITE_PKG_DIR, LEPTOS_OUTPUT_NAME (where the built site is; set by ./scripts/run).";
