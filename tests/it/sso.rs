//! Single sign-on through a company's OpenID Connect provider (the provider in
//! `oidc_provider`, on loopback): a first sign-in makes an account only for a provider-confirmed
//! address at one of the company's verified domains, later ones find it by the provider's
//! subject (not the address); another company's provider reaches no account outside its
//! company; roles and mapped groups follow the groups claim at every sign-in; a tampered
//! `state` or `nonce` is refused; the provider's key rotation does not lock anyone out; and a
//! company that requires its provider refuses passwords and resets but for the admin who
//! required it.

use crate::common::{add_member, new_client, person, spawn_app, spawn_app_with, TestApp, PASSWORD};
use crate::oidc_provider::{Provider, Who, CLIENT_ID, CLIENT_SECRET};
use digame::entities::{
    audit_events, group_members, member_groups, outbox, sso_identities, tenant_domains, users,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde_json::Value;

const DOMAIN: &str = "acme.test";

/// Marks `domain` verified for the company, as Admin → Sign-in does once its record is found.
async fn verify_domain(app: &TestApp, tenant_id: i64, domain: &str) {
    tenant_domains::ActiveModel {
        tenant_id: Set(tenant_id),
        domain: Set(domain.into()),
        token: Set("0".repeat(64)),
        verified_at: Set(Some(chrono::Utc::now())),
        open_join: Set(false),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
}

async fn save_connection(
    app: &TestApp,
    client: &reqwest::Client,
    provider: &Provider,
    admin_groups: &str,
    group_map: &str,
) -> (u16, Value) {
    let (status, _, body) = app
        .call_with(
            client,
            "admin/sso/save",
            &[
                ("issuer", &provider.issuer),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("scopes", ""),
                ("groups_claim", ""),
                ("admin_groups", admin_groups),
                ("group_map", group_map),
            ],
        )
        .await;
    (status, body)
}

/// A company (its admin signed in on `app.client`) with `acme.test` verified and its
/// provider connected; answers the provider and the company's slug.
async fn company_with_sso(app: &TestApp, tag: &str) -> (Provider, String, String) {
    let admin = app.register(tag).await;
    let tenant = person(app, &admin).await.tenant;
    verify_domain(app, tenant.id, DOMAIN).await;
    let provider = Provider::start(Who::new("sub-pat", "pat@acme.test")).await;
    let (status, body) = save_connection(app, &app.client, &provider, "", "").await;
    assert_eq!(status, 200, "{body}");
    (provider, tenant.slug, admin)
}

/// The address the page at `/sso/{company}` moves the browser on to.
fn onward(html: &str) -> String {
    let at = html.find("url=").expect("a refresh address") + 4;
    let end = html[at..].find('"').unwrap();
    html[at..at + end].replace("&amp;", "&")
}

/// Follows a company sign-in from `/sso/{slug}{query}` through the provider and back;
/// answers the callback's redirect target.
async fn through_provider(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    query: &str,
) -> String {
    let page = client
        .get(app.url(&format!("/sso/{slug}{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let at_provider = client.get(onward(&html)).send().await.unwrap();
    assert!(
        at_provider.status().is_redirection(),
        "{}",
        at_provider.status()
    );
    let back = location(&at_provider);
    assert!(
        back.starts_with(&app.url(&format!("/sso/{slug}/callback?"))),
        "{back}"
    );
    let res = client.get(&back).send().await.unwrap();
    assert!(
        res.status().is_redirection(),
        "{}: {}",
        res.status(),
        res.text().await.unwrap()
    );
    location(&res)
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

async fn user_by_email(app: &TestApp, email: &str) -> Option<users::Model> {
    users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(&app.state.db)
        .await
        .unwrap()
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq(action))
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_first_sign_in_makes_a_member_and_later_ones_find_them_by_subject() {
    let app = spawn_app().await;
    let (provider, slug, _) = company_with_sso(&app, "sso-first").await;

    let browser = new_client();
    let next = through_provider(&app, &browser, &slug, "?next=%2Ftools%2Ftasks").await;
    assert_eq!(next, "/onboarding", "a new account starts with onboarding");
    let pat = user_by_email(&app, "pat@acme.test")
        .await
        .expect("an account was made");
    assert_eq!(pat.role, digame::domain::Role::Member);
    assert_eq!(pat.display_name, "Pat Provider");
    assert!(
        pat.email_verified_at.is_some(),
        "the provider confirmed the address"
    );
    assert!(!digame::crypto::passwords::has_password(&pat.password_hash));
    let me = app.me_with(&browser).await;
    assert_eq!(me["email"], "pat@acme.test", "{me}");
    assert_eq!(audited(&app, "sso.account_created").await, 1);

    // The provider changes the address: the same subject is the same account.
    provider.sign_in_as(Who::new("sub-pat", "pat.new@acme.test"));
    let again = new_client();
    through_provider(&app, &again, &slug, "").await;
    assert_eq!(app.me_with(&again).await["email"], "pat@acme.test");
    assert!(user_by_email(&app, "pat.new@acme.test").await.is_none());
    let identities = sso_identities::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].email, "pat.new@acme.test");

    // A password sign-in is not possible for an account that has none.
    let (status, _, _) = app
        .call_with(
            &new_client(),
            "auth/login",
            &[
                ("email", "pat@acme.test"),
                ("password", PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn claims_the_id_token_leaves_out_are_read_from_user_info() {
    let app = spawn_app().await;
    let (provider, slug, _) = company_with_sso(&app, "sso-userinfo").await;
    provider.claims_in_user_info_only();
    let browser = new_client();
    assert_eq!(
        through_provider(&app, &browser, &slug, "").await,
        "/onboarding"
    );
    let pat = user_by_email(&app, "pat@acme.test")
        .await
        .expect("an account was made");
    assert_eq!(pat.display_name, "Pat Provider");
    assert_eq!(app.me_with(&browser).await["email"], "pat@acme.test");
}

#[tokio::test]
async fn an_unconfirmed_or_outside_address_gets_no_account() {
    let app = spawn_app().await;
    let (provider, slug, _) = company_with_sso(&app, "sso-refused").await;

    let mut unconfirmed = Who::new("sub-u", "una@acme.test");
    unconfirmed.email_verified = false;
    provider.sign_in_as(unconfirmed);
    let next = through_provider(&app, &new_client(), &slug, "").await;
    assert_eq!(next, "/login/company?error=unverified_email");

    provider.sign_in_as(Who::new("sub-o", "otto@elsewhere.test"));
    let next = through_provider(&app, &new_client(), &slug, "").await;
    assert_eq!(next, "/login/company?error=needs_invitation");

    assert!(user_by_email(&app, "una@acme.test").await.is_none());
    assert!(user_by_email(&app, "otto@elsewhere.test").await.is_none());
    assert_eq!(
        sso_identities::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    // The page says why, in its own words.
    let page = app
        .get("/login/company?error=needs_invitation")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Ask an administrator for an invitation"),
        "{page}"
    );
}

#[tokio::test]
async fn another_companys_provider_reaches_no_account_outside_its_company() {
    let app = spawn_app().await;
    let (provider, slug_a, _) = company_with_sso(&app, "sso-a").await;
    // Alice signs in to company A through A's provider.
    provider.sign_in_as(Who::new("sub-alice", "alice@acme.test"));
    through_provider(&app, &new_client(), &slug_a, "").await;
    let alice = user_by_email(&app, "alice@acme.test").await.unwrap();

    // Company B connects a provider that asserts Alice's address and even her subject.
    let b_admin_client = new_client();
    let b_admin = app.register_with(&b_admin_client, "sso-b").await;
    let b = person(&app, &b_admin).await.tenant;
    let provider_b = Provider::start(Who::new("sub-alice", "alice@acme.test")).await;
    let (status, body) = save_connection(&app, &b_admin_client, &provider_b, "", "").await;
    assert_eq!(status, 200, "{body}");
    let next = through_provider(&app, &new_client(), &b.slug, "").await;
    assert_eq!(next, "/login/company?error=needs_invitation");

    // Even at a domain B verified, Alice's account (at A) is not B's to reach.
    verify_domain(&app, b.id, "b.test").await;
    provider_b.sign_in_as(Who::new("sub-x", "alice@acme.test"));
    let next = through_provider(&app, &new_client(), &b.slug, "").await;
    assert_eq!(next, "/login/company?error=needs_invitation");
    let after = user_by_email(&app, "alice@acme.test").await.unwrap();
    assert_eq!(after.tenant_id, alice.tenant_id);
    assert_eq!(
        sso_identities::Entity::find()
            .filter(sso_identities::Column::TenantId.eq(b.id))
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn roles_and_mapped_groups_follow_the_provider_at_every_sign_in() {
    let app = spawn_app().await;
    let (provider, slug, _) = company_with_sso(&app, "sso-roles").await;
    let (status, _, body) = app.call("admin/groups/create", &[("name", "Sales")]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = save_connection(
        &app,
        &app.client,
        &provider,
        "digame-admins",
        "sales-emea = Sales\n",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        save_connection(&app, &app.client, &provider, "", "x = No such group").await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("no group called"), "{body}");

    let mut rosa = Who::new("sub-rosa", "rosa@acme.test");
    rosa.groups = vec!["digame-admins".into(), "sales-emea".into()];
    provider.sign_in_as(rosa.clone());
    through_provider(&app, &new_client(), &slug, "").await;
    let user = user_by_email(&app, "rosa@acme.test").await.unwrap();
    assert_eq!(user.role, digame::domain::Role::Admin);
    let sales = member_groups::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let in_sales = || async {
        group_members::Entity::find()
            .filter(group_members::Column::GroupId.eq(sales.id))
            .filter(group_members::Column::UserId.eq(user.id))
            .count(&app.state.db)
            .await
            .unwrap()
    };
    assert_eq!(in_sales().await, 1);

    // Out of both groups at the provider: a member, out of Sales, at the next sign-in.
    rosa.groups = vec![];
    provider.sign_in_as(rosa);
    through_provider(&app, &new_client(), &slug, "").await;
    let user = user_by_email(&app, "rosa@acme.test").await.unwrap();
    assert_eq!(user.role, digame::domain::Role::Member);
    assert_eq!(in_sales().await, 0);
    assert!(audited(&app, "member.role_changed").await >= 2);
}

#[tokio::test]
async fn a_tampered_state_or_nonce_is_refused() {
    let app = spawn_app().await;
    let (provider, slug, _) = company_with_sso(&app, "sso-tamper").await;

    // The state: a return that does not match what this browser started.
    let browser = new_client();
    let html = browser
        .get(app.url(&format!("/sso/{slug}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at_provider = browser.get(onward(&html)).send().await.unwrap();
    let back = location(&at_provider);
    let (head, _) = back.split_once("&state=").unwrap();
    let res = browser
        .get(format!("{head}&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login/company?error=expired");
    // …and the started sign-in is used up: the genuine return no longer works either.
    let res = browser.get(&back).send().await.unwrap();
    assert_eq!(location(&res), "/login/company?error=expired");

    // A return in another browser (no sign-in started there).
    let html = browser
        .get(app.url(&format!("/sso/{slug}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let back = location(&browser.get(onward(&html)).send().await.unwrap());
    let res = new_client().get(&back).send().await.unwrap();
    assert_eq!(location(&res), "/login/company?error=expired");

    // The nonce: an ID token minted for another sign-in.
    provider.spoil_next_nonce();
    let next = through_provider(&app, &new_client(), &slug, "").await;
    assert_eq!(next, "/login/company?error=rejected");
    assert!(user_by_email(&app, "pat@acme.test").await.is_none());
}

#[tokio::test]
async fn the_providers_key_rotation_does_not_lock_anyone_out() {
    let app = spawn_app().await;
    let (provider, slug, _) = company_with_sso(&app, "sso-rotate").await;
    let first = through_provider(&app, &new_client(), &slug, "").await;
    assert_eq!(first, "/onboarding");
    let fetched = provider.jwks_requests();

    provider.rotate_keys();
    let browser = new_client();
    through_provider(&app, &browser, &slug, "").await;
    assert_eq!(app.me_with(&browser).await["email"], "pat@acme.test");
    assert_eq!(
        provider.jwks_requests(),
        fetched + 1,
        "the keys were fetched again once"
    );
}

#[tokio::test]
async fn a_required_provider_refuses_passwords_but_for_the_admin_who_required_it() {
    let app = spawn_app().await;
    let (provider, slug, admin) = company_with_sso(&app, "sso-enforce").await;
    let tenant = person(&app, &admin).await.tenant;
    let (_, member) = add_member(&app, tenant.id, "sso-enforce-member").await;

    // Not before an admin has signed in through the provider.
    let (status, _, body) = app.call("admin/sso/enforce", &[("enforced", "true")]).await;
    assert_eq!(status, 400);
    assert!(
        body.to_string()
            .contains("sign in through the provider once"),
        "{body}"
    );

    // The admin links their account: signed in, from their profile's link.
    provider.sign_in_as(Who::new("sub-admin", &admin));
    let next = through_provider(&app, &app.client, &slug, "?link=1").await;
    assert_eq!(next, "/settings/profile?linked=1#sign-in-ways");
    assert_eq!(audited(&app, "sso.linked").await, 1);
    let (status, _, body) = app.call("admin/sso/enforce", &[("enforced", "true")]).await;
    assert_eq!(status, 200, "{body}");

    let login = |email: String| {
        let app = &app;
        async move {
            app.call_with(
                &new_client(),
                "auth/login",
                &[("email", &email), ("password", PASSWORD), ("next", "")],
            )
            .await
        }
    };
    let (status, _, body) = login(member.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.to_string().contains("Sign in with your company"),
        "{body}"
    );
    let (status, _, body) = login(admin.clone()).await;
    assert_eq!(
        status, 200,
        "the admin who required it keeps a password: {body}"
    );

    // No reset mail for the member (the answer is the same as for anyone).
    let (status, _, _) = app
        .call_with(
            &new_client(),
            "auth/password-reset/request",
            &[("email", &member)],
        )
        .await;
    assert_eq!(status, 200);
    let mails = outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(member.clone()))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(mails, 0);

    // Relaxed again: the member's password works.
    let (status, _, body) = app
        .call("admin/sso/enforce", &[("enforced", "false")])
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = login(member).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_admin_page_tests_the_connection_and_is_for_admins_only() {
    let app = spawn_app().await;
    let admin = app.register("sso-page").await;
    let tenant = person(&app, &admin).await.tenant;
    let provider = Provider::start(Who::new("sub", "x@acme.test")).await;

    // A first save needs the secret; the issuer must be a web address.
    let (status, _, body) = app
        .call(
            "admin/sso/save",
            &[
                ("issuer", &provider.issuer),
                ("client_id", CLIENT_ID),
                ("client_secret", ""),
                ("scopes", ""),
                ("groups_claim", ""),
                ("admin_groups", ""),
                ("group_map", ""),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("client secret"), "{body}");
    let (status, _, body) = app
        .call(
            "admin/sso/save",
            &[
                ("issuer", "ftp://x"),
                ("client_id", CLIENT_ID),
                ("client_secret", "s"),
                ("scopes", ""),
                ("groups_claim", ""),
                ("admin_groups", ""),
                ("group_map", ""),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _, _) = app.call("admin/sso/test", &[]).await;
    assert_eq!(status, 400, "nothing saved to test yet");

    let (status, body) = save_connection(&app, &app.client, &provider, "", "").await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = app.call("admin/sso/test", &[]).await;
    assert_eq!(status, 200, "{body}");
    let found = body.as_str().unwrap();
    assert!(
        found.contains(&format!("{}/authorize", provider.issuer)),
        "{found}"
    );
    assert!(found.contains("1 signing key"), "{found}");
    assert!(found.contains("lists the “groups” claim"), "{found}");

    let page = app.get("/admin/sso").await.text().await.unwrap();
    assert!(
        page.contains(&format!("/sso/{}/callback", tenant.slug)),
        "the redirect address is shown"
    );
    assert!(!page.contains(CLIENT_SECRET), "the secret is never shown");
    let json: Value = app
        .client
        .get(app.url("/api/v1/admin/sso"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["secret_stored"], true, "{json}");
    assert!(!json.to_string().contains(CLIENT_SECRET));

    let (member, _) = add_member(&app, tenant.id, "sso-page-member").await;
    let (status, _, _) = app.call_with(&member, "admin/sso/test", &[]).await;
    assert_eq!(status, 403);
    let res = member
        .get(app.url("/api/v1/admin/sso"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // The address picks the company's sign-in only at a verified domain with a connection.
    let (status, _, body) = app
        .call_with(
            &new_client(),
            "auth/company",
            &[("email", "x@acme.test"), ("next", "")],
        )
        .await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("No company signs in"), "{body}");
    verify_domain(&app, tenant.id, DOMAIN).await;
    let (status, _, body) = app
        .call_with(
            &new_client(),
            "auth/company",
            &[("email", "X@acme.test"), ("next", "/tools/tasks")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        Value::String(format!(
            "/sso/{}?login_hint=x%40acme.test&next=/tools/tasks",
            tenant.slug
        ))
    );

    let (status, _, _) = app.call("admin/sso/remove", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(audited(&app, "sso.configured").await, 1);
    assert_eq!(audited(&app, "sso.removed").await, 1);
}

#[tokio::test]
async fn a_sign_in_started_on_one_replica_completes_on_another() {
    let app = spawn_app().await;
    let (_provider, slug, _) = company_with_sso(&app, "sso-replicas").await;
    // A second replica on the same database, behind the same public address.
    let database = app.state.settings.database_url.clone();
    let other = spawn_app_with(&[
        ("DATABASE_URL", &database),
        ("DIGAME_PUBLIC_URL", &app.base),
    ])
    .await;

    let browser = new_client();
    let html = browser
        .get(app.url(&format!("/sso/{slug}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let back = location(&browser.get(onward(&html)).send().await.unwrap());
    // The load balancer sends the return to the other replica.
    let res = browser
        .get(back.replace(&app.base, &other.base))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/onboarding");
    // Signed in there (asked as the site's public address, which both replicas answer for).
    let me: Value = browser
        .post(other.url("/api/auth/me"))
        .header("origin", &app.base)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "pat@acme.test", "{me}");
    assert_eq!(app.me_with(&browser).await["email"], "pat@acme.test");
}
