//! Accounts over HTTP against the real server: registration, sign-in, throttling, sessions.

use crate::common;

use common::{futures_join_all, header, new_client, spawn_app, unique_email, PASSWORD};
use digame::entities::{tenants, users};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

#[tokio::test]
async fn register_creates_tenant_and_admin_and_signs_in() {
    let app = spawn_app().await;
    eprintln!("database: {}", common::backend_name());
    let email = unique_email("Founder");
    let (status, headers, body) = app
        .call(
            "auth/register",
            &[
                ("name", " Ana Lima "),
                ("email", &email.to_uppercase()),
                ("password", PASSWORD),
                ("company", "Acme Labs"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["next"], "/onboarding");
    assert!(header(&headers, "set-cookie").contains("digame_session="));
    assert!(header(&headers, "set-cookie")
        .to_lowercase()
        .contains("httponly"));
    assert!(header(&headers, "set-cookie").contains("SameSite=Lax"));
    let user = &body["user"];
    assert_eq!(user["email"], email.to_lowercase());
    assert_eq!(user["name"], "Ana Lima");
    assert_eq!(user["is_admin"], true);
    assert_eq!(user["tier"], "Professional");
    // The body never carries the password or its hash.
    assert!(!body.to_string().contains(PASSWORD));
    assert!(!body.to_string().contains("argon2"));

    let me = app.me_with(&app.client).await;
    assert_eq!(me["email"], email.to_lowercase());
    assert_eq!(me["tenant_name"], "Acme Labs");

    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.to_lowercase()))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("user stored");
    assert_eq!(user.role, digame::domain::Role::Admin);
    assert!(user.password_hash.starts_with("$argon2id$"));
    let tenant = tenants::Entity::find_by_id(user.tenant_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(tenant.slug.starts_with("acme-labs"), "{}", tenant.slug);
    assert_eq!(tenant.tier, digame::domain::Tier::Professional);
}

#[tokio::test]
async fn duplicate_email_is_refused_case_insensitively_and_creates_nothing() {
    let app = spawn_app().await;
    let email = app.register("dup").await;
    let tenants_before = tenants::Entity::find().count(&app.state.db).await.unwrap();
    let other = new_client();
    let (status, _, body) = app
        .call_with(
            &other,
            "auth/register",
            &[
                ("name", "Someone Else"),
                ("email", &email.to_uppercase()),
                ("password", PASSWORD),
                ("company", "Other Co"),
            ],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "CONFLICT");
    assert_eq!(body["detail"]["field"], "email");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("already registered"));
    assert_eq!(
        tenants::Entity::find().count(&app.state.db).await.unwrap(),
        tenants_before
    );
}

#[tokio::test]
async fn invalid_registration_fields_get_field_errors_and_nothing_is_written() {
    let app = spawn_app().await;
    let tenants_before = tenants::Entity::find().count(&app.state.db).await.unwrap();
    let good_email = unique_email("valid");
    let long_name = "n".repeat(101);
    let cases: Vec<([(&str, &str); 4], &str)> = vec![
        (
            [
                ("name", ""),
                ("email", &good_email),
                ("password", PASSWORD),
                ("company", "Acme"),
            ],
            "name",
        ),
        (
            [
                ("name", &long_name),
                ("email", &good_email),
                ("password", PASSWORD),
                ("company", "Acme"),
            ],
            "name",
        ),
        (
            [
                ("name", "Ana"),
                ("email", "not-an-email"),
                ("password", PASSWORD),
                ("company", "Acme"),
            ],
            "email",
        ),
        (
            [
                ("name", "Ana"),
                ("email", &good_email),
                ("password", "short"),
                ("company", "Acme"),
            ],
            "password",
        ),
        (
            [
                ("name", "Ana"),
                ("email", &good_email),
                ("password", "Password1234!"),
                ("company", "Acme"),
            ],
            "password",
        ),
        (
            [
                ("name", "Ana"),
                ("email", &good_email),
                ("password", PASSWORD),
                ("company", ""),
            ],
            "company",
        ),
    ];
    for (form, field) in cases {
        let (status, _, body) = app.call_with(&new_client(), "auth/register", &form).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(body["code"], "VALIDATION_ERROR");
        assert_eq!(body["detail"]["field"], field, "{body}");
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    // A missing argument is a clear 400, not a 500.
    let (status, _, body) = app
        .call_with(&new_client(), "auth/register", &[("name", "Ana")])
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "BAD_REQUEST");
    assert_eq!(
        tenants::Entity::find().count(&app.state.db).await.unwrap(),
        tenants_before
    );
}

#[tokio::test]
async fn login_good_bad_and_unknown() {
    let app = spawn_app().await;
    let email = app.register_with(&new_client(), "login").await;

    let (status, _, wrong) = app
        .call(
            "auth/login",
            &[
                ("email", &email),
                ("password", "wrong-password-123"),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(status, 401, "{wrong}");
    assert_eq!(wrong["code"], "UNAUTHORIZED");
    let (status, _, unknown) = app
        .call(
            "auth/login",
            &[
                ("email", &unique_email("nobody")),
                ("password", PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(status, 401);
    // The same answer, so nobody can tell which emails have accounts.
    assert_eq!(wrong["message"], unknown["message"]);
    assert_eq!(app.me_with(&app.client).await, serde_json::Value::Null);

    let (status, _, body) = app
        .call(
            "auth/login",
            &[
                ("email", &email.to_uppercase()),
                ("password", PASSWORD),
                ("next", "/settings/security"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["next"], "/settings/security");
    assert_eq!(app.me_with(&app.client).await["email"], email);
}

#[tokio::test]
async fn login_ignores_offsite_next_and_sends_new_users_to_onboarding() {
    let app = spawn_app().await;
    let email = app.register_with(&new_client(), "next").await;
    let (status, _, body) = app
        .call(
            "auth/login",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["next"], "/onboarding");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_a_429() {
    let app = spawn_app().await;
    let email = app.register_with(&new_client(), "throttle").await;
    for attempt in 1..=5 {
        let (status, _, body) = app
            .call(
                "auth/login",
                &[
                    ("email", &email),
                    ("password", "not-the-password-1"),
                    ("next", ""),
                ],
            )
            .await;
        assert_eq!(status, 401, "attempt {attempt}: {body}");
    }
    // Locked now: even the right password is refused until the lock runs out.
    let (status, headers, body) = app
        .call(
            "auth/login",
            &[("email", &email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "RATE_LIMITED");
    assert_eq!(
        body["message"],
        "Too many failed sign-in attempts. Try again in 15 minutes."
    );
    let retry: i64 = header(&headers, "retry-after").parse().unwrap();
    assert!((850..=900).contains(&retry), "{retry}");
    assert_eq!(app.me_with(&app.client).await, serde_json::Value::Null);
}

#[tokio::test]
async fn logout_destroys_the_session_on_the_server() {
    let app = spawn_app().await;
    app.register_unverified_with(&app.client, "logout").await;
    // Remember the cookie as an attacker who copied it would: the first request after
    // signing in starts the idle clock, so its answer carries the cookie.
    let res = app.client.get(app.url("/")).send().await.unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("digame_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("the first request after signing in sets the session cookie");
    let copied = reqwest::Client::new();
    let me = copied
        .post(app.url("/api/auth/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert!(
        me.is_object(),
        "the copied cookie works before logout: {me}"
    );

    let (status, headers, _) = app.call("auth/logout", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "location"), "/login?signed_out=1");

    let me = copied
        .post(app.url("/api/auth/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(
        me,
        serde_json::Value::Null,
        "the old session id must be dead"
    );
}

#[tokio::test]
async fn protected_server_function_without_a_session_is_401() {
    let app = spawn_app().await;
    let (status, _, body) = app
        .call(
            "auth/change-password",
            &[
                ("current_password", "x"),
                ("new_password", "y"),
                ("confirm_password", "y"),
            ],
        )
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], "UNAUTHORIZED");
    assert_eq!(body["status_code"], 401);
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions_only() {
    let app = spawn_app().await;
    let email = app.register("change").await;
    let laptop = new_client();
    let (status, _, _) = app
        .call_with(
            &laptop,
            "auth/login",
            &[("email", &email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(app.me_with(&laptop).await.is_object());

    let new_password = "violet-harbor-lantern-42";
    let (status, _, body) = app
        .call(
            "auth/change-password",
            &[
                ("current_password", "wrong-current-pw"),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "current_password");
    let (status, _, body) = app
        .call(
            "auth/change-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("confirm_password", "different-pw-123"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "confirm_password");

    let (status, _, body) = app
        .call(
            "auth/change-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        app.me_with(&app.client).await.is_object(),
        "this session stays signed in"
    );
    assert_eq!(
        app.me_with(&laptop).await,
        serde_json::Value::Null,
        "the other session ended"
    );

    let (status, _, _) = app
        .call_with(
            &new_client(),
            "auth/login",
            &[("email", &email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(status, 401);
    let (status, _, _) = app
        .call_with(
            &new_client(),
            "auth/login",
            &[("email", &email), ("password", new_password), ("next", "")],
        )
        .await;
    assert_eq!(status, 200);
}

/// A wrong sign-in posted as a browser without JavaScript does, from the page `from` (with
/// the `next` it carries), on the app's own client (so its session keeps the error).
async fn failed_plain_sign_in(app: &common::TestApp, from: &str) -> reqwest::Response {
    let next = from.split_once("next=").map_or("", |(_, n)| n);
    app.client
        .post(app.url("/api/auth/login"))
        .header("origin", format!("http://{}", app.host))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", app.url(from))
        .form(&[
            ("email", "nobody@example.com"),
            ("password", "whatever-password"),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn plain_form_posts_redirect_back_with_the_error() {
    // Without JavaScript the browser posts the form and follows a redirect.
    let app = spawn_app().await;
    let res = failed_plain_sign_in(&app, "/login?next=/settings/security").await;
    assert_eq!(res.status().as_u16(), 302);
    let location = header(res.headers(), "location").to_owned();
    assert!(
        location.contains("/login?next=") && location.contains("settings"),
        "{location}"
    );
    assert!(
        !location.contains("__err") && !location.contains("__path"),
        "the error waits in the session, not in the address: {location}"
    );
    assert!(
        location.starts_with("/login?"),
        "a same-site path: {location}"
    );
    let page = || async {
        app.client
            .get(app.url(&location))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(
        page()
            .await
            .contains("That email and password do not match an account."),
        "the form shows the error"
    );
    assert!(
        !page()
            .await
            .contains("That email and password do not match an account."),
        "the error is shown once: a reload shows the form without it"
    );
}

/// Security issue, finding 4: a form error comes only from the session, so no text put into
/// a page's address reaches the page, however its name is encoded or repeated.
#[tokio::test]
async fn a_forged_error_in_the_address_is_never_shown() {
    use base64::Engine as _;
    let app = spawn_app().await;
    let forged = serde_json::json!({
        "status_code": 423, "code": "FORBIDDEN",
        "message": "Call +1-555-0100 to unlock your account."
    });
    let err = base64::engine::general_purpose::URL_SAFE
        .encode(forged.to_string())
        .replace('=', "%3D");
    let page = |query: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url(&format!("/login?{query}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    for query in [
        format!("__path=/api/auth/login&__err={err}"),
        format!("__path=%2Fapi%2Fauth%2Flogin&_%5Ferr={err}"),
        format!("%5F%5Fpath=/api/auth/login&%5F%5Ferr={err}"),
        format!("__path=/api/auth/login&__err={err}&__sig=AAAA"),
        format!("__path=/api/auth/login&__err=e30%3D&__err={err}"),
    ] {
        let html = page(query.clone()).await;
        assert!(!html.contains("555-0100"), "shown for {query}");
    }
    // A genuine failed post, and the forged text appended to the page it returns to: the
    // genuine error is shown, the appended one is not.
    let res = failed_plain_sign_in(&app, "/login").await;
    let location = header(res.headers(), "location").to_owned();
    let sep = if location.contains('?') { '&' } else { '?' };
    let html = app
        .client
        .get(app.url(&format!(
            "{location}{sep}__path=/api/auth/login&__err={err}"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("That email and password do not match an account."));
    assert!(!html.contains("555-0100"), "the appended error is dropped");
}

#[tokio::test]
async fn signed_in_pages_and_redirects() {
    let app = spawn_app().await;
    let res = app.get("/settings/security").await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        header(res.headers(), "location"),
        "/login?next=/settings/security"
    );

    app.register("pages").await;
    let res = app.get("/settings/security").await;
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Change your password"));
    let res = app.get("/login").await;
    assert_eq!(
        res.status().as_u16(),
        303,
        "signed-in people skip the sign-in form"
    );
    // Text with an argument is two text nodes, which server rendering separates with an
    // empty comment (`<!>`): a browser shows them as one.
    let html = app.get("/").await.text().await.unwrap().replace("<!>", "");
    assert!(
        html.contains("Welcome, Ana Lima"),
        "dashboard greets the person"
    );
    assert!(html.contains("Acme Labs"));
}

#[tokio::test]
async fn concurrent_registrations_of_one_company_name_all_succeed() {
    let app = spawn_app().await;
    let calls = (0..6).map(|i| {
        let app = &app;
        async move {
            let email = unique_email(&format!("burst{i}"));
            let form = [
                ("name", "Ana Lima"),
                ("email", email.as_str()),
                ("password", PASSWORD),
                ("company", "Burst Co"),
            ];
            app.call_with(&new_client(), "auth/register", &form).await
        }
    });
    let results = futures_join_all(calls).await;
    for (status, _, body) in &results {
        assert_eq!(*status, 200, "{body}");
    }
    let mut slugs: Vec<String> = results
        .iter()
        .map(|(_, _, b)| b["user"]["tenant_slug"].as_str().unwrap().to_owned())
        .collect();
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), 6, "every tenant gets its own slug: {slugs:?}");
}

/// `n` sign-ins with a wrong password for `email`, all at once, each from its own client;
/// their statuses.
async fn parallel_wrong_guesses(app: &common::TestApp, email: &str, n: usize) -> Vec<u16> {
    let calls = (0..n).map(|_| async move {
        app.call_with(
            &new_client(),
            "auth/login",
            &[
                ("email", email),
                ("password", "wrong-password-xyz"),
                ("next", ""),
            ],
        )
        .await
        .0
    });
    futures_join_all(calls).await
}

#[tokio::test]
async fn concurrent_failed_sign_ins_are_all_counted() {
    let app = spawn_app().await;
    let email = app.register_with(&new_client(), "burstfail").await;
    for status in parallel_wrong_guesses(&app, &email, 5).await {
        assert_eq!(status, 401);
    }
    let (status, _, _) = app
        .call(
            "auth/login",
            &[("email", &email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(status, 429, "five concurrent failures lock the account");
}

/// Accounts issue, finding 2: a burst of parallel guesses is counted before any password
/// is verified, so no more than five are verified and the rest are refused at once.
#[tokio::test]
async fn a_burst_of_parallel_guesses_gets_no_more_than_the_limit_verified() {
    let app = spawn_app().await;
    let email = app.register_with(&new_client(), "burst").await;
    let statuses = parallel_wrong_guesses(&app, &email, 20).await;
    let verified = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    // Each attempt is counted before it is verified, so at most five are verified (fewer,
    // down to none, when a count is read after later attempts of the burst were added).
    assert!(verified <= 5, "{statuses:?}");
    assert_eq!(verified + refused, 20, "{statuses:?}");
}

/// Accounts issue, finding 3: sign-ups are throttled per address before any hashing.
#[tokio::test]
async fn registrations_from_one_address_are_throttled() {
    let app = common::spawn_app_with(&[("DIGAME_REGISTRATIONS_PER_HOUR", "3")]).await;
    for i in 0..3 {
        app.register_with(&new_client(), &format!("signup{i}"))
            .await;
    }
    let email = common::unique_email("signup-too-many");
    let (status, headers, body) = app
        .call_with(
            &new_client(),
            "auth/register",
            &[
                ("name", "Ana Lima"),
                ("email", &email),
                ("password", PASSWORD),
                ("company", "Acme Labs"),
            ],
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Too many sign-ups"),
        "{body}"
    );
    assert!(!common::header(&headers, "retry-after").is_empty());
}

/// Accounts issue, finding 1: behind a trusted proxy, each client is throttled on its own
/// address, so one client's failures do not lock out everyone behind the proxy.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_on_its_own_address() {
    let app = common::spawn_app_with(&[("DIGAME_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let email = app.register_with(&new_client(), "proxied").await;
    let attempt = |client_ip: &'static str, account: String, password: &'static str| {
        let app = &app;
        async move {
            new_client()
                .post(app.url("/api/auth/login"))
                .header("origin", format!("http://{}", app.host))
                .header("accept", "application/json")
                .header("x-forwarded-for", client_ip)
                .form(&[
                    ("email", account.as_str()),
                    ("password", password),
                    ("next", ""),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // One client fails against 30 different accounts: its address is locked...
    for i in 0..30 {
        let status = attempt(
            "203.0.113.50",
            common::unique_email(&format!("nobody{i}")),
            "wrong-password-xyz",
        )
        .await;
        assert_eq!(status, 401);
    }
    let status = attempt("203.0.113.50", email.clone(), PASSWORD).await;
    assert_eq!(status, 429, "the attacking address is locked");
    // ...and another client behind the same proxy signs in normally.
    let status = attempt("198.51.100.20", email.clone(), PASSWORD).await;
    assert_eq!(
        status, 200,
        "other clients behind the proxy are not locked out"
    );
}

/// Posts to a server function with exactly the cookie given (no cookie jar) and returns the
/// status, the body and the session cookie the answer sets, if any.
async fn call_with_cookie(
    app: &common::TestApp,
    endpoint: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value, Option<String>) {
    let mut req = reqwest::Client::new()
        .post(app.url(&format!("/api/{endpoint}")))
        .header("origin", format!("http://{}", app.host))
        .header("accept", "application/json")
        .form(form);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let set = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("digame_session="))
        .map(|v| v.split(';').next().unwrap().to_owned());
    let body = res.json().await.unwrap_or(serde_json::Value::Null);
    (status, body, set)
}

/// Session fixation (accounts issue, finding 6): a sign-in, a registration or a password
/// change that arrives with a valid session cookie must be answered with a new session id,
/// and the old id must not come to belong to the person who signed in.
#[tokio::test]
async fn every_privilege_change_gets_a_new_session_id() {
    let app = spawn_app().await;
    let bob = app.register_with(&new_client(), "bob").await;
    let carol = app.register_with(&new_client(), "carol").await;
    fn sign_in(email: &str) -> [(&'static str, &str); 3] {
        [("email", email), ("password", PASSWORD), ("next", "")]
    }

    let (status, _, bob_cookie) = call_with_cookie(&app, "auth/login", None, &sign_in(&bob)).await;
    assert_eq!(status, 200);
    let bob_cookie = bob_cookie.expect("a session cookie for Bob");

    // Carol signs in on a browser that still carries Bob's cookie.
    let (status, body, carol_cookie) =
        call_with_cookie(&app, "auth/login", Some(&bob_cookie), &sign_in(&carol)).await;
    assert_eq!(status, 200, "{body}");
    let carol_cookie = carol_cookie.expect("the sign-in sets a session cookie");
    assert_ne!(
        carol_cookie, bob_cookie,
        "sign-in must cycle the session id"
    );
    let (_, me, _) = call_with_cookie(&app, "auth/me", Some(&bob_cookie), &[]).await;
    assert_ne!(
        me["email"], carol,
        "the old id must not now belong to Carol: {me}"
    );
    let (_, me, _) = call_with_cookie(&app, "auth/me", Some(&carol_cookie), &[]).await;
    assert_eq!(me["email"], carol);

    // A registration over Carol's session.
    let dave = unique_email("dave");
    let (status, body, dave_cookie) = call_with_cookie(
        &app,
        "auth/register",
        Some(&carol_cookie),
        &[
            ("name", "Dave Doe"),
            ("email", &dave),
            ("password", PASSWORD),
            ("company", "Dave Co"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let dave_cookie = dave_cookie.expect("registration sets a session cookie");
    assert_ne!(dave_cookie, carol_cookie, "registration must cycle the id");
    let (_, me, _) = call_with_cookie(&app, "auth/me", Some(&carol_cookie), &[]).await;
    assert_ne!(me["email"], dave, "{me}");

    // A password change keeps the person signed in, under a new id.
    let (status, body, changed_cookie) = call_with_cookie(
        &app,
        "auth/change-password",
        Some(&dave_cookie),
        &[
            ("current_password", PASSWORD),
            ("new_password", "violet-harbor-quartz-58"),
            ("confirm_password", "violet-harbor-quartz-58"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let changed_cookie = changed_cookie.expect("the change sets a session cookie");
    assert_ne!(
        changed_cookie, dave_cookie,
        "a password change must cycle the id"
    );
    let (_, me, _) = call_with_cookie(&app, "auth/me", Some(&dave_cookie), &[]).await;
    assert_eq!(me, serde_json::Value::Null, "the pre-change id is dead");
    let (_, me, _) = call_with_cookie(&app, "auth/me", Some(&changed_cookie), &[]).await;
    assert_eq!(me["email"], dave);
}

/// Accounts issue, finding 7: the current-password check of a password change is throttled
/// like sign-in, and the new password may not be the person's own email.
#[tokio::test]
async fn password_changes_are_throttled_and_refuse_the_email() {
    let app = spawn_app().await;
    let email = app.register("pwchange").await;
    let (status, _, body) = app
        .call(
            "auth/change-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", &email),
                ("confirm_password", &email),
            ],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "new_password", "{body}");

    for _ in 0..5 {
        let (status, _, body) = app
            .call(
                "auth/change-password",
                &[
                    ("current_password", "not-my-password-at-all"),
                    ("new_password", "violet-harbor-quartz-58"),
                    ("confirm_password", "violet-harbor-quartz-58"),
                ],
            )
            .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["detail"]["field"], "current_password");
    }
    // Locked now, even with the right password.
    let (status, headers, body) = app
        .call(
            "auth/change-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "violet-harbor-quartz-58"),
                ("confirm_password", "violet-harbor-quartz-58"),
            ],
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "RATE_LIMITED");
    assert!(header(&headers, "retry-after").parse::<i64>().unwrap() > 0);
    // The password did not change.
    let (status, _, _) = app
        .call_with(
            &new_client(),
            "auth/login",
            &[("email", &email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(status, 200);
}

/// Accounts issue, finding 12: a failed plain-form sign-in goes back to the form on this
/// site, whatever `Referer` the request carried.
#[tokio::test]
async fn a_failed_form_post_never_redirects_off_site() {
    let app = spawn_app().await;
    let res = new_client()
        .post(app.url("/api/auth/login"))
        .header("accept", "text/html")
        .header("referer", "https://evil.example/login?x=1")
        .form(&[
            ("email", "nobody@example.com"),
            ("password", "wrong-password-1"),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    let location = header(res.headers(), "location").to_owned();
    assert!(res.status().is_redirection(), "{}", res.status());
    assert!(
        location.starts_with('/') && !location.starts_with("//"),
        "{location}"
    );
    assert!(!location.contains("evil.example"), "{location}");
}

/// Accounts issue, defaults: sign-ins and password changes are in the audit log.
#[tokio::test]
async fn sign_ins_and_password_changes_are_audited() {
    use digame::entities::audit_events;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let email = app.register("audited").await;
    let (status, _, _) = app
        .call_with(
            &new_client(),
            "auth/login",
            &[("email", &email), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, body) = app
        .call(
            "auth/change-password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "violet-harbor-lantern-42"),
                ("confirm_password", "violet-harbor-lantern-42"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let rows = audit_events::Entity::find()
        .filter(audit_events::Column::Target.eq(email.as_str()))
        .all(&app.state.db)
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert!(actions.contains(&"auth.signed_in"), "{actions:?}");
    assert!(actions.contains(&"auth.password_changed"), "{actions:?}");
    let signed_in = rows.iter().find(|r| r.action == "auth.signed_in").unwrap();
    assert!(
        signed_in
            .after_value
            .as_deref()
            .unwrap_or_default()
            .contains("127.0.0.1"),
        "{signed_in:?}"
    );
}

/// A password hashed with older Argon2 settings is hashed again with today's at the next
/// correct sign-in, and signing in keeps working.
#[tokio::test]
async fn older_password_hashes_are_renewed_at_sign_in() {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let app = spawn_app().await;
    let email = app.register_with(&new_client(), "rehash").await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(8192, 1, 1, None).unwrap(),
    )
    .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
    .unwrap()
    .to_string();
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut row: users::ActiveModel = user.into();
    row.password_hash = Set(weak.clone());
    let user = row.update(&app.state.db).await.unwrap();

    for _ in 0..2 {
        let (status, _, body) = app
            .call_with(
                &new_client(),
                "auth/login",
                &[("email", &email), ("password", PASSWORD), ("next", "")],
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let stored = users::Entity::find_by_id(user.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert_ne!(stored, weak);
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
}

/// Security issue, finding 1: strangers' failures never stop the owner. Five addresses fail
/// five times each against one account: each of them meets its own limit, the account is
/// slowed for browsers it does not know (one attempt a minute), the owner's browser that
/// signed in before goes straight through, and the owner is mailed once.
#[tokio::test]
async fn strangers_failures_never_lock_the_owner_out() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = common::spawn_app_with(&[("DIGAME_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let email = app.register_with(&new_client(), "owner").await;
    let attempt = |client_ip: &'static str, password: &'static str, cookie: Option<String>| {
        let app = &app;
        let email = email.clone();
        async move {
            let mut req = new_client()
                .post(app.url("/api/auth/login"))
                .header("origin", format!("http://{}", app.host))
                .header("accept", "application/json")
                .header("x-forwarded-for", client_ip);
            if let Some(cookie) = cookie {
                req = req.header("cookie", cookie);
            }
            let res = req
                .form(&[
                    ("email", email.as_str()),
                    ("password", password),
                    ("next", ""),
                ])
                .send()
                .await
                .unwrap();
            let device = res
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|c| c.starts_with("digame_device="))
                .map(|c| c.split(';').next().unwrap().to_owned());
            let status = res.status().as_u16();
            let body: serde_json::Value = res.json().await.unwrap_or_default();
            (status, device, body)
        }
    };
    // The owner signs in once from their own browser: it is remembered.
    let (status, device, body) = attempt("198.51.100.7", PASSWORD, None).await;
    assert_eq!(status, 200, "{body}");
    let device = device.expect("a device cookie after a right password");

    let strangers = [
        "203.0.113.1",
        "203.0.113.2",
        "203.0.113.3",
        "203.0.113.4",
        "203.0.113.5",
    ];
    let mut verified = 0;
    for ip in strangers {
        for _ in 0..5 {
            let (status, _, body) = attempt(ip, "wrong-password-xyz", None).await;
            assert!(status == 401 || status == 429, "{status} {body}");
            verified += usize::from(status == 401);
        }
    }
    // Ten are verified, then one a minute: a distributed guesser is slowed.
    assert!(
        (10..=11).contains(&verified),
        "{verified} guesses were verified"
    );

    // One address still meets the limit: the first stranger, even with the right password.
    let (status, _, body) = attempt(strangers[0], PASSWORD, None).await;
    assert_eq!(status, 429, "{body}");

    // A browser the account does not know, from a new address, is slowed, not locked.
    let (status, _, body) = attempt("192.0.2.44", PASSWORD, None).await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("one attempt a minute"),
        "{body}"
    );

    // The owner's browser goes through, whatever strangers did.
    let (status, _, body) = attempt("198.51.100.7", PASSWORD, Some(device.clone())).await;
    assert_eq!(status, 200, "{body}");
    // Also from another address (a phone on the move), with the same browser.
    let (status, _, body) = attempt("192.0.2.45", PASSWORD, Some(device)).await;
    assert_eq!(status, 200, "{body}");

    // The owner is told, once.
    let warnings = digame::entities::outbox::Entity::find()
        .filter(digame::entities::outbox::Column::ToAddress.eq(email.as_str()))
        .filter(digame::entities::outbox::Column::Subject.contains("failed sign-ins"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(warnings.len(), 1, "one warning mail");
}
