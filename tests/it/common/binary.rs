//! The real `digame` binary as a separate process, for tests that signal or kill it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Binary {
    pub child: Child,
    pub base: String,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `digame serve` on a free loopback port against `database_url`, with `data_dir` and the
/// extra settings in `env`; returns once `/health` answers.
pub async fn start(database_url: &str, data_dir: &Path, env: &[(&str, &str)]) -> Binary {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_digame"));
    command
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("DIGAME_DATA_DIR", data_dir)
        .env("DIGAME_LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DIGAME_PUBLIC_URL", &base)
        .env("LEPTOS_HASH_FILES", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(data_dir.join("server.log"))
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null()),
        );
    for (name, value) in env {
        command.env(name, value);
    }
    let mut binary = Binary {
        child: command.spawn().expect("the server starts"),
        base,
    };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if binary.child.try_wait().ok().flatten().is_some() {
            break;
        }
        if client
            .get(format!("{}/health", binary.base))
            .send()
            .await
            .is_ok()
        {
            return binary;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = std::fs::read_to_string(data_dir.join("server.log")).unwrap_or_default();
    panic!(
        "the server did not answer /health; its log ends:\n{}",
        log.lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

impl Binary {
    /// Registers a company's first person over the JSON API and confirms the address with
    /// the link from the outbox (read from `database_url`); returns the access token.
    pub async fn sign_up_verified(&self, database_url: &str, email: &str, company: &str) -> String {
        use digame::entities::outbox;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let client = reqwest::Client::new();
        let signed: serde_json::Value = client
            .post(format!("{}/api/v1/auth/register", self.base))
            .json(&serde_json::json!({"email": email, "password": super::PASSWORD, "company_name": company}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = signed["tokens"]["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let db = sea_orm::Database::connect(database_url).await.unwrap();
        let mail = outbox::Entity::find()
            .filter(outbox::Column::ToAddress.eq(email))
            .one(&db)
            .await
            .unwrap()
            .expect("the confirmation mail");
        db.close().await.ok();
        let verified = client
            .post(format!("{}/api/v1/auth/verify-email", self.base))
            .json(&serde_json::json!({"token": super::verification_token_in(&mail.body)}))
            .send()
            .await
            .unwrap();
        assert_eq!(verified.status().as_u16(), 200);
        token
    }
}
