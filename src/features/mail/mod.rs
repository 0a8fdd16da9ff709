//! Mail: one outbox. Every message is a row written in the same transaction as the change
//! that causes it, so a change that fails leaves no message behind (`service.rs`), and the
//! sender delivers it by SMTP when a server is configured (`sender.rs`). For development,
//! `/dev/outbox` shows the messages: only with `DIGAME_DEV_OUTBOX=true` (refused in
//! production) and only to a caller on this machine. Tokens in messages are never logged.

#[cfg(feature = "ssr")]
pub mod sender;
#[cfg(feature = "ssr")]
pub mod service;

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// One message to one person, plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// A message as the development outbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub mail: Mail,
    pub created_at: String,
}

/// The newest 50 messages of every company, for development. Not found unless
/// `DIGAME_DEV_OUTBOX` is on, and for any caller not on this machine.
#[server(endpoint = "dev/outbox")]
pub async fn dev_outbox() -> Result<Vec<OutboxMessage>, AppError> {
    use crate::web::ctx;
    let state = ctx::state()?;
    let peer = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .await
        .map(|c| c.0.ip());
    let local = match (peer, use_context::<http::request::Parts>()) {
        (Ok(ip), Some(parts)) => service::is_this_machine(ip, &parts.headers),
        _ => false,
    };
    if !state.settings.mail.dev_outbox || !local {
        return Err(AppError::NotFound("There is no such page.".into()));
    }
    Ok(service::recent(&state.db, 50)
        .await?
        .into_iter()
        .map(|m| OutboxMessage {
            mail: Mail {
                to: m.to_address,
                subject: m.subject,
                body: m.body,
            },
            created_at: m.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        })
        .collect())
}

/// A line of a message with its link, if it has one, made clickable.
fn line_view(line: String) -> AnyView {
    let Some(at) = line.find("https://").or_else(|| line.find("http://")) else {
        return view! { {line}"\n" }.into_any();
    };
    let end = line[at..]
        .find(char::is_whitespace)
        .map_or(line.len(), |e| at + e);
    let (before, url, after) = (
        line[..at].to_owned(),
        line[at..end].to_owned(),
        line[end..].to_owned(),
    );
    let href = url.clone();
    view! { {before}<a href=href>{url}</a>{after}"\n" }.into_any()
}

#[component]
pub fn DevOutboxPage() -> impl IntoView {
    let messages = Resource::new(|| (), |_| dev_outbox());
    view! {
        <Title text="Outbox (development)"/>
        <section class="page-head">
            <h1>"Outbox"</h1>
            <p class="muted">"Development only: the mail Digame would send, newest first. Set DIGAME_SMTP_URL to deliver it."</p>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || messages.get().map(|res| match res {
                Ok(list) if list.is_empty() => view! { <p>"No messages yet."</p> }.into_any(),
                Ok(list) => list.into_iter().map(|m| { let to = m.mail.to.clone(); view! {
                    <article class="card" data-mail=to>
                        <h2>{m.mail.subject}</h2>
                        <p class="muted">"To " {m.mail.to} ", " {m.created_at}</p>
                        <pre class="mail-body">{m.mail.body.lines().map(|l| line_view(l.to_owned())).collect_view()}</pre>
                    </article>
                }}).collect_view().into_any(),
                Err(e) => crate::components::error_alert(&e),
            })}
        </Suspense>
    }
}
