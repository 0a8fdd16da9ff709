//! `spawn_app()`: the real server on port 0 against a fresh database, and an HTTP client.
//!
//! SQLite by default (a file in a temporary folder). When `DIGAME_TEST_DATABASE_URL` names a
//! PostgreSQL database (scripts/test creates one per run), every test runs there instead.
#![allow(dead_code)]

pub mod binary;

use digame::config::Settings;
use digame::server::AppState;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct TestApp {
    pub base: String,
    pub host: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub dir: tempfile::TempDir,
    /// The built-in test AI service this app's tools call (`…/v1`).
    pub ai_base: String,
}

/// Apps started in one process start one at a time (across processes, the server's own
/// start-up lock orders the migrations and the session table's creation).
static START_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub const PASSWORD: &str = "amber-kettle-orbit-73";
const MASTER_KEY: &str = "q83vEjRlZR0K9yHc0Qx8Ki3pLw9Z7nM2bV4cX6sA1dE=";

pub fn backend_name() -> &'static str {
    if std::env::var("DIGAME_TEST_DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    }
}

/// Each test gets its own schema in the run's PostgreSQL database (dropped with it by
/// scripts/test), so tests that count or rotate everything see only their own rows.
pub async fn postgres_schema_for_this_test(base: &str) -> String {
    use sea_orm::ConnectionTrait;
    let schema = format!(
        "t_{}",
        unique_email("s").replace(['.', '@'], "_").to_lowercase()
    );
    let admin = sea_orm::Database::connect(base)
        .await
        .expect("PostgreSQL test database");
    admin
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .expect("create the test schema");
    admin.close().await.ok();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// `spawn_app` with some settings overridden (`("DIGAME_…", "value")`).
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().to_string_lossy().to_string();
    let database_url = match std::env::var("DIGAME_TEST_DATABASE_URL") {
        Ok(base) => postgres_schema_for_this_test(&base).await,
        Err(_) => format!("sqlite://{data_dir}/digame.db"),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Each app's AI tools call their own instance of the built-in test service.
    let fake = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ai_base = format!("http://{}/v1", fake.local_addr().unwrap());
    tokio::spawn(digame::ai::fake::serve(fake));
    let settings = Settings::from_lookup(|name| {
        if let Some((_, v)) = overrides.iter().find(|(k, _)| *k == name) {
            return Some((*v).to_owned());
        }
        match name {
            "DIGAME_REGISTRATIONS_PER_HOUR" => Some("100000".into()),
            "DIGAME_AI_BASE_URL" => Some(ai_base.clone()),
            "DIGAME_AI_ALLOW_PRIVATE" => Some("true".into()),
            "DIGAME_AI_TIMEOUT_SECONDS" => Some("3".into()),
            "DIGAME_AI_CALLS_PER_MINUTE" => Some("20".into()),
            "DIGAME_PUBLIC_URL" => Some(format!("http://{addr}")),
            "DATABASE_URL" => Some(database_url.clone()),
            "DIGAME_DATA_DIR" => Some(data_dir.clone()),
            "DIGAME_MASTER_KEY" => Some(MASTER_KEY.to_owned()),
            _ => None,
        }
    })
    .expect("test settings");
    let mut options = digame::server::leptos_options().expect("leptos options");
    // The site's files, as the build lays them out (`cargo test` runs before any site build).
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).expect("site folder");
    std::fs::copy("style/main.css", site.join("pkg/digame.css")).expect("stylesheet");
    std::fs::copy("public/favicon.svg", site.join("favicon.svg")).expect("favicon");
    options.site_root = site.to_string_lossy().as_ref().into();
    // The test site holds unhashed build files (no hash.txt beside the test binary).
    options.hash_files = false;
    let (router, state) = {
        let _guard = START_LOCK.lock().await;
        digame::server::build_app(settings, options)
            .await
            .expect("app starts")
    };
    tokio::spawn(digame::server::serve(listener, router));
    TestApp {
        base: format!("http://{addr}"),
        host: addr.to_string(),
        client: new_client(),
        state,
        dir,
        ai_base,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A fresh, unique email for this test run.
pub fn unique_email(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    // The process id too: cargo-nextest runs each test in its own process, at once.
    format!("{tag}.{}.{n}.{nanos}@example.com", std::process::id())
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Calls a server function as the hydrated app does (form-encoded, JSON back), from
    /// the same origin.
    pub async fn call_with(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (u16, HeaderMap, Value) {
        let res = client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("origin", format!("http://{}", self.host))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, headers, body)
    }

    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> (u16, HeaderMap, Value) {
        self.call_with(&self.client, endpoint, form).await
    }

    /// Registers a new company and its admin on `client` and confirms the address with the
    /// link from their mail; returns the email.
    pub async fn register_with(&self, client: &reqwest::Client, tag: &str) -> String {
        let email = self.register_unverified_with(client, tag).await;
        self.verify_email(client, &email).await;
        email
    }

    /// The token of the newest verification link mailed to `email` (read from the outbox).
    pub async fn verification_token(&self, email: &str) -> String {
        use digame::entities::outbox;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let mail = outbox::Entity::find()
            .filter(outbox::Column::ToAddress.eq(email.to_lowercase()))
            .filter(outbox::Column::Subject.contains("Confirm your email"))
            .order_by_desc(outbox::Column::Id)
            .one(&self.state.db)
            .await
            .unwrap()
            .expect("a verification mail in the outbox");
        verification_token_in(&mail.body)
    }

    /// The value after `invite=` in the newest invitation link mailed to `email` (the
    /// token and the proof that the mail carried it).
    pub async fn mailed_invitation(&self, email: &str) -> String {
        use digame::entities::outbox;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let mail = outbox::Entity::find()
            .filter(outbox::Column::ToAddress.eq(email.to_lowercase()))
            .filter(outbox::Column::Subject.contains("invites you to Digame"))
            .order_by_desc(outbox::Column::Id)
            .one(&self.state.db)
            .await
            .unwrap()
            .expect("an invitation mail in the outbox");
        let at = mail.body.find("invite=").expect("a link in the invitation") + "invite=".len();
        mail.body[at..]
            .split(char::is_whitespace)
            .next()
            .unwrap()
            .to_owned()
    }

    /// Confirms `email` with the link from its mail, on `client`.
    pub async fn verify_email(&self, client: &reqwest::Client, email: &str) {
        let token = self.verification_token(email).await;
        let (status, _, body) = self
            .call_with(client, "auth/verify-email", &[("token", &token)])
            .await;
        assert_eq!(status, 200, "verification failed: {body}");
    }

    /// Registers a new company and its admin on `client`, leaving the address unconfirmed.
    pub async fn register_unverified_with(&self, client: &reqwest::Client, tag: &str) -> String {
        let email = unique_email(tag);
        let (status, _, body) = self
            .call_with(
                client,
                "auth/register",
                &[
                    ("name", "Ana Lima"),
                    ("email", &email),
                    ("password", PASSWORD),
                    ("company", "Acme Labs"),
                ],
            )
            .await;
        assert_eq!(status, 200, "register failed: {body}");
        email
    }

    pub async fn register(&self, tag: &str) -> String {
        self.register_with(&self.client, tag).await
    }

    pub async fn me_with(&self, client: &reqwest::Client) -> Value {
        let (status, _, body) = self.call_with(client, "auth/me", &[]).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }
}

/// The token of the verification link in a mail's body.
pub fn verification_token_in(body: &str) -> String {
    let (_, rest) = body
        .split_once("/verify-email?token=")
        .expect("a verification link in the mail");
    rest.split_whitespace().next().unwrap().to_owned()
}

pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .unwrap_or_default()
}

/// The stored person (with tenant and flags) for an email, as a request loads them.
pub async fn person(app: &TestApp, email: &str) -> digame::web::session::SessionUser {
    use digame::entities::users;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.to_lowercase()))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("user exists");
    digame::person::SessionUser::load_active(&app.state.db, user.id)
        .await
        .unwrap()
        .expect("an active person with a tenant")
}

/// Adds a member to an existing tenant directly in the database (invitations come later)
/// and signs them in on a new client.
pub async fn add_member(app: &TestApp, tenant_id: i64, tag: &str) -> (reqwest::Client, String) {
    use digame::entities::users;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let email = unique_email(tag);
    users::ActiveModel {
        tenant_id: Set(tenant_id),
        email: Set(email.clone()),
        display_name: Set("Member".into()),
        password_hash: Set(app.state.passwords.hash(PASSWORD).await.unwrap()),
        role: Set(digame::domain::Role::Member),
        active: Set(true),
        onboarding_completed: Set(false),
        created_at: Set(chrono::Utc::now()),
        last_login_at: Set(None),
        email_verified_at: Set(Some(chrono::Utc::now())),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    let client = new_client();
    let (status, _, body) = app
        .call_with(
            &client,
            "auth/login",
            &[("email", &email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (client, email)
}

/// Stores a key in the vault as the signed-in person.
pub async fn save_key(app: &TestApp, name: &str, value: &str) {
    let (status, _, body) = app
        .call(
            "keys/save",
            &[
                ("origin", "new"),
                ("name", name),
                ("value", value),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Sets the person's count of AI calls today (the row must exist: make one call first).
pub async fn set_ai_calls_today(app: &TestApp, user_id: i64, calls: i32) {
    use digame::entities::{ai_usage, users};
    use sea_orm::sea_query::OnConflict;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let tenant_id = users::Entity::find_by_id(user_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the user exists")
        .tenant_id;
    ai_usage::Entity::insert(ai_usage::ActiveModel {
        tenant_id: Set(tenant_id),
        user_id: Set(user_id),
        day: Set(chrono::Utc::now().format("%Y-%m-%d").to_string()),
        calls: Set(calls),
    })
    .on_conflict(
        OnConflict::columns([ai_usage::Column::UserId, ai_usage::Column::Day])
            .update_column(ai_usage::Column::Calls)
            .to_owned(),
    )
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
}

/// Runs futures concurrently on this task (no extra dependency for join_all).
pub async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut pending: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (slot, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(fut) = slot {
                if let std::task::Poll::Ready(out) = fut.as_mut().poll(cx) {
                    *output = Some(out);
                    *slot = None;
                }
            }
        }
        if pending.iter().all(Option::is_none) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}
