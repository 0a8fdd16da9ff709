//! Verified domains: an admin claims a domain, the real TXT lookup (against a small DNS
//! responder this test runs on loopback, named by `DIGAME_DNS_SERVER`) says what is missing
//! until the record carries the domain's value, and then the domain is the company's alone;
//! a verified domain opened to joins lets a person at it ask on `/join` for a link, mailed to
//! that address, that makes them a member with a confirmed address. Audited; members and
//! other companies are refused.

use crate::common::{
    add_member, new_client, person, spawn_app_with, unique_email, TestApp, PASSWORD,
};
use digame::entities::{audit_events, outbox};
use hickory_resolver::proto::op::{Message, MessageType, ResponseCode};
use hickory_resolver::proto::rr::rdata::TXT;
use hickory_resolver::proto::rr::{RData, Record, RecordType};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// TXT records by name (lower case, no final dot), served over UDP on loopback.
#[derive(Clone, Default)]
struct Zone(Arc<Mutex<HashMap<String, Vec<String>>>>);

impl Zone {
    fn publish(&self, name: &str, value: &str) {
        self.0
            .lock()
            .unwrap()
            .insert(name.to_owned(), vec![value.to_owned()]);
    }

    fn withdraw(&self, name: &str) {
        self.0.lock().unwrap().remove(name);
    }

    /// Starts answering on a free loopback port; returns its address.
    async fn serve(&self) -> String {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap().to_string();
        let zone = self.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                    return;
                };
                let Ok(query) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let mut answer = Message::response(query.metadata.id, query.metadata.op_code);
                answer.metadata.message_type = MessageType::Response;
                answer.metadata.recursion_desired = query.metadata.recursion_desired;
                answer.metadata.recursion_available = true;
                for q in &query.queries {
                    answer.add_query(q.clone());
                    let name = q.name().to_ascii().trim_end_matches('.').to_lowercase();
                    let values = zone.0.lock().unwrap().get(&name).cloned();
                    match values {
                        Some(values) if q.query_type() == RecordType::TXT => {
                            for v in values {
                                answer.add_answer(Record::from_rdata(
                                    q.name().clone(),
                                    60,
                                    RData::TXT(TXT::new(vec![v])),
                                ));
                            }
                        }
                        Some(_) => {}
                        None => answer.metadata.response_code = ResponseCode::NXDomain,
                    }
                }
                if let Ok(bytes) = answer.to_vec() {
                    let _ = socket.send_to(&bytes, from).await;
                }
            }
        });
        addr
    }
}

async fn app_with_dns() -> (TestApp, Zone) {
    let zone = Zone::default();
    let dns = zone.serve().await;
    let app = spawn_app_with(&[("DIGAME_DNS_SERVER", &dns)]).await;
    (app, zone)
}

/// A domain no other test uses.
fn fresh_domain() -> String {
    let email = unique_email("d");
    let local = email.split('@').next().unwrap().replace('.', "-");
    format!("{local}.test")
}

async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client
        .request(method, app.url(&format!("/api/v1{path}")))
        .header("origin", app.url(""));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn row<'a>(view: &'a Value, domain: &str) -> &'a Value {
    view["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["domain"] == domain)
        .unwrap_or_else(|| panic!("no {domain} in {view}"))
}

async fn claim(app: &TestApp, client: &reqwest::Client, domain: &str) -> (u16, Value) {
    send(
        app,
        client,
        reqwest::Method::POST,
        "/admin/domains",
        Some(json!({ "domain": domain })),
    )
    .await
}

/// Claims and verifies `domain` for the admin signed in on `client`; returns its id.
async fn verified(app: &TestApp, zone: &Zone, client: &reqwest::Client, domain: &str) -> i64 {
    let (status, view) = claim(app, client, domain).await;
    assert_eq!(status, 201, "{view}");
    let d = row(&view, domain);
    zone.publish(
        d["record_name"].as_str().unwrap(),
        d["record_value"].as_str().unwrap(),
    );
    let id = d["id"].as_i64().unwrap();
    let (status, view) = send(
        app,
        client,
        reqwest::Method::POST,
        &format!("/admin/domains/{id}/verify"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    id
}

async fn newest_mail(app: &TestApp, to: &str) -> outbox::Model {
    outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(to.to_lowercase()))
        .order_by_desc(outbox::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no mail to {to}"))
}

#[tokio::test]
async fn a_domain_is_verified_by_its_txt_record_and_then_belongs_to_one_company() {
    let (app, zone) = app_with_dns().await;
    let admin = app.register("dom-admin").await;
    let client = &app.client;
    let domain = fresh_domain();

    let (status, body) = claim(&app, client, "me@acme.com").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["detail"]["field"], "domain");
    let (status, view) = claim(&app, client, &format!("  {}. ", domain.to_uppercase())).await;
    assert_eq!(status, 201, "{view}");
    let d = row(&view, &domain).clone();
    assert_eq!(d["verified"], false);
    assert_eq!(d["record_name"], format!("_digame-verification.{domain}"));
    let value = d["record_value"].as_str().unwrap().to_owned();
    assert!(value.starts_with("digame-verification="), "{value}");
    let id = d["id"].as_i64().unwrap();
    let (status, body) = claim(&app, client, &domain).await;
    assert_eq!(status, 409, "claiming twice: {body}");

    // Nothing published: what is missing, and where.
    let verify = format!("/admin/domains/{id}/verify");
    let (status, body) = send(&app, client, reqwest::Method::POST, &verify, None).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("No TXT record was found at _digame-verification."),
        "{body}"
    );
    // Opening an unverified domain to joins is refused.
    let (status, body) = send(
        &app,
        client,
        reqwest::Method::PUT,
        &format!("/admin/domains/{id}"),
        Some(json!({ "open_join": true })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("Verify"),
        "{body}"
    );
    // Another value: said so.
    zone.publish(
        d["record_name"].as_str().unwrap(),
        "digame-verification=someone-else",
    );
    let (status, body) = send(&app, client, reqwest::Method::POST, &verify, None).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("does not carry"),
        "{body}"
    );
    // The right value: verified.
    zone.publish(d["record_name"].as_str().unwrap(), &value);
    let (status, view) = send(&app, client, reqwest::Method::POST, &verify, None).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(row(&view, &domain)["verified"], true);

    // Nobody starts a company of their own with an address at it now.
    let (status, _, body) = app
        .call_with(
            &new_client(),
            "auth/register",
            &[
                ("name", "Eve Shadow"),
                ("email", &format!("eve@{domain}")),
                ("password", PASSWORD),
                ("company", "Shadow Co"),
            ],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["detail"]["field"], "email");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("belong to Acme Labs"),
        "{body}"
    );

    // Another company may not claim it now, even with its own record published.
    let other = new_client();
    app.register_with(&other, "dom-other").await;
    let (status, body) = claim(&app, &other, &domain).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("another company"),
        "{body}"
    );
    // Nor see or change this company's domain.
    let (status, _) = send(
        &app,
        &other,
        reqwest::Method::DELETE,
        &format!("/admin/domains/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send(&app, &other, reqwest::Method::POST, &verify, None).await;
    assert_eq!(status, 404);
    // A member of the company is refused the admin routes.
    let tenant = person(&app, &admin).await.tenant_id();
    let (member, _) = add_member(&app, tenant, "dom-member").await;
    let (status, _) = send(&app, &member, reqwest::Method::GET, "/admin/domains", None).await;
    assert_eq!(status, 403);

    let actions: Vec<String> = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(tenant))
        .filter(audit_events::Column::Target.eq(domain.as_str()))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"domain.claimed".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"domain.verified".to_owned()),
        "{actions:?}"
    );

    // Removed, it is free again: the other company can claim it.
    let (status, _) = send(
        &app,
        client,
        reqwest::Method::DELETE,
        &format!("/admin/domains/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = claim(&app, &other, &domain).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn people_at_an_open_domain_join_by_a_link_mailed_to_their_address() {
    let (app, zone) = app_with_dns().await;
    let admin = app.register("join-admin").await;
    let client = &app.client;
    let domain = fresh_domain();
    let id = verified(&app, &zone, client, &domain).await;
    let newcomer = format!("rui@{domain}");

    // Verified but not opened: an invitation is still needed.
    let stranger = new_client();
    let (status, body) = send(
        &app,
        &stranger,
        reqwest::Method::POST,
        "/auth/join",
        Some(json!({ "email": newcomer })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("without an invitation"),
        "{body}"
    );

    // The page's form opens it.
    let (status, _, body) = app
        .call(
            "admin/domains/join",
            &[("domain", &id.to_string()), ("open", "true")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        &app,
        &stranger,
        reqwest::Method::POST,
        "/auth/join",
        Some(json!({ "email": newcomer })),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["sent_to"], newcomer);

    // The mailed link makes a member of the company, address confirmed.
    let mail = newest_mail(&app, &newcomer).await;
    assert!(mail.subject.contains("Join Acme Labs"), "{}", mail.subject);
    let at = mail.body.find("invite=").expect("a link") + "invite=".len();
    let invite = mail.body[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let (status, _, body) = app
        .call_with(
            &stranger,
            "auth/register",
            &[
                ("name", "Rui Costa"),
                ("email", ""),
                ("password", PASSWORD),
                ("company", ""),
                ("invite", &invite),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let joined = person(&app, &newcomer).await;
    assert_eq!(joined.tenant_id(), person(&app, &admin).await.tenant_id());
    assert_eq!(joined.user.role, digame::domain::Role::Member);
    assert!(joined.user.email_verified_at.is_some());

    // Asking again with an address that has an account: the same answer, a reminder mailed.
    let (status, body) = send(
        &app,
        &new_client(),
        reqwest::Method::POST,
        "/auth/join",
        Some(json!({ "email": newcomer })),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert!(newest_mail(&app, &newcomer)
        .await
        .subject
        .contains("already have"));

    // Another domain, or a closed one, is refused with the reason.
    let (status, body) = send(
        &app,
        &new_client(),
        reqwest::Method::POST,
        "/auth/join",
        Some(json!({ "email": "x@elsewhere.test" })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["detail"]["field"], "email");
    let (status, _, body) = app
        .call(
            "admin/domains/join",
            &[("domain", &id.to_string()), ("open", "false")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = send(
        &app,
        &new_client(),
        reqwest::Method::POST,
        "/auth/join",
        Some(json!({ "email": format!("eva@{domain}") })),
    )
    .await;
    assert_eq!(status, 422);

    // The page's form: a bad domain names its field (400 for a server function).
    let (status, _, body) = app
        .call("admin/domains/claim", &[("domain", "not a domain")])
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "domain");
    // The pages render.
    let html = app.get("/admin/sign-in").await.text().await.unwrap();
    assert!(
        html.contains(&domain) && html.contains("Verified"),
        "the admin page lists the domain"
    );
    let html = app.get("/join").await.text().await.unwrap();
    assert!(html.contains("Join your company on Digame"));
}

#[tokio::test]
async fn a_verified_domain_whose_record_is_gone_for_a_week_stops_being_verified() {
    use digame::features::domains::service::{recheck_due, Rechecked};
    let (app, zone) = app_with_dns().await;
    let admin = app.register("lapse-admin").await;
    let domain = fresh_domain();
    let id = verified(&app, &zone, &app.client, &domain).await;
    let (status, _) = send(
        &app,
        &app.client,
        reqwest::Method::PUT,
        &format!("/admin/domains/{id}"),
        Some(json!({ "open_join": true })),
    )
    .await;
    assert_eq!(status, 200);
    let now = chrono::Utc::now();
    let (db, dns) = (&app.state.db, &app.state.dns);

    // Checked within the day: not due.
    assert_eq!(
        recheck_due(db, dns, now).await.unwrap(),
        Rechecked::default()
    );
    // A day later, record in place: checked, nothing changes.
    let day = chrono::Duration::days(1) + chrono::Duration::minutes(1);
    let done = recheck_due(db, dns, now + day).await.unwrap();
    assert_eq!((done.checked, done.lapsed), (1, 0));

    // The record goes: noticed, still verified, the page says until when.
    zone.withdraw(&format!("_digame-verification.{domain}"));
    let done = recheck_due(db, dns, now + day * 2).await.unwrap();
    assert_eq!((done.checked, done.lapsed), (1, 0));
    let (_, view) = send(
        &app,
        &app.client,
        reqwest::Method::GET,
        "/admin/domains",
        None,
    )
    .await;
    let d = row(&view, &domain);
    assert_eq!(d["verified"], true);
    assert!(
        d["missing_since"].is_string() && d["lapses_on"].is_string(),
        "{d}"
    );

    // Gone for a week: no longer verified, closed to joins, audited, the admins mailed.
    let done = recheck_due(db, dns, now + day * 2 + chrono::Duration::days(7))
        .await
        .unwrap();
    assert_eq!((done.checked, done.lapsed), (1, 1));
    let (_, view) = send(
        &app,
        &app.client,
        reqwest::Method::GET,
        "/admin/domains",
        None,
    )
    .await;
    let d = row(&view, &domain);
    assert_eq!(
        (d["verified"].clone(), d["open_join"].clone()),
        (json!(false), json!(false))
    );
    let (status, _) = send(
        &app,
        &new_client(),
        reqwest::Method::POST,
        "/auth/join",
        Some(json!({ "email": format!("ivo@{domain}") })),
    )
    .await;
    assert_eq!(status, 422, "a lapsed domain lets nobody join");
    assert!(newest_mail(&app, &admin)
        .await
        .subject
        .contains("is no longer verified"));
    let lapsed = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("domain.lapsed"))
        .filter(audit_events::Column::Target.eq(domain.as_str()))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(lapsed, 1);

    // A record that comes back before the week is out keeps the domain.
    let other = fresh_domain();
    verified(&app, &zone, &app.client, &other).await;
    let name = format!("_digame-verification.{other}");
    let value = zone.0.lock().unwrap()[&name][0].clone();
    zone.withdraw(&name);
    recheck_due(db, dns, now + day).await.unwrap();
    zone.publish(&name, &value);
    recheck_due(db, dns, now + day * 3).await.unwrap();
    let done = recheck_due(db, dns, now + day * 10).await.unwrap();
    assert_eq!(done.lapsed, 0);
    let (_, view) = send(
        &app,
        &app.client,
        reqwest::Method::GET,
        "/admin/domains",
        None,
    )
    .await;
    assert_eq!(row(&view, &other)["verified"], true);
    assert!(row(&view, &other)["missing_since"].is_null());
}
