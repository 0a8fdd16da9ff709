//! Tenant administration over HTTP: flags within tiers, invitations, roles, deactivation,
//! the audit log, the AI-call allowance, the operator command line, and tenant isolation
//! across every server function.

use crate::common;

use common::{add_member, new_client, person, spawn_app, unique_email, TestApp, PASSWORD};
use digame::domain::Tier;
use digame::entities::{
    ai_usage, audit_events, invitations, tenant_features, user_api_keys, users,
};
use digame::error::AppError;
use digame::features::members::service::hash_token;
use digame::features::tenancy::service::set_tier;
use digame::features::tools::gate;
use digame::features::tools::ToolId;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};

async fn invite(
    app: &TestApp,
    admin: &reqwest::Client,
    email: &str,
    role: &str,
) -> (u16, serde_json::Value) {
    let (status, _, body) = app
        .call_with(
            admin,
            "admin/members/invite",
            &[("email", email), ("role", role)],
        )
        .await;
    (status, body)
}

fn token_of(body: &serde_json::Value) -> String {
    body["link"]
        .as_str()
        .unwrap()
        .split("invite=")
        .nth(1)
        .unwrap()
        .to_owned()
}

async fn join(app: &TestApp, token: &str) -> (reqwest::Client, u16, serde_json::Value) {
    let client = new_client();
    let (status, _, body) = app
        .call_with(
            &client,
            "auth/register",
            &[
                ("name", "New Person"),
                ("email", "ignored@example.com"),
                ("password", PASSWORD),
                ("invite", token),
            ],
        )
        .await;
    (client, status, body)
}

#[tokio::test]
async fn new_tenants_get_their_tiers_flags_and_admins_switch_them() {
    let app = spawn_app().await;
    let email = app.register("flags").await;
    let (status, _, body) = app.call("admin/features", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tier"], "Professional");
    assert!(
        body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["enabled"] == true),
        "{body}"
    );

    let (status, _, body) = app
        .call(
            "admin/features/set",
            &[("flag", "meeting_insights"), ("enabled", "false")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // As the next request loads them: the person, their tenant and its flags.
    let admin = person(&app, &email).await;
    let err = gate::begin(
        &app.state.db,
        &app.state.keyring,
        &admin,
        ToolId::MeetingInsights,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "FEATURE_DISABLED");
    assert!(
        err.message().contains("administrator of Acme Labs"),
        "{}",
        err.message()
    );
    assert!(gate::begin(
        &app.state.db,
        &app.state.keyring,
        &admin,
        ToolId::TaskPrioritization,
        None
    )
    .await
    .is_ok());

    let (_, _, cards) = app.call("tools/cards", &[]).await;
    let meeting = cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["flag"] == "meeting_insights")
        .unwrap();
    assert_eq!(meeting["access"]["state"], "SwitchedOff");
    let writing = cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["flag"] == "writing_assistance")
        .unwrap();
    assert_eq!(writing["access"]["state"], "NeedsKey");
    assert_eq!(writing["access"]["key"], "writing_service_key");

    // Without JavaScript (a plain form post) the switch returns to the page it came from,
    // if that is a same-site path: the onboarding wizard uses this.
    let res = app
        .client
        .post(app.url("/api/admin/features/set"))
        .header("origin", format!("http://{}", app.host))
        .header("accept", "text/html")
        .form(&[
            ("flag", "meeting_insights"),
            ("enabled", "true"),
            ("return_to", "/onboarding?step=tools"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 302);
    assert_eq!(
        common::header(res.headers(), "location"),
        "/onboarding?step=tools"
    );
    let res = app
        .client
        .post(app.url("/api/admin/features/set"))
        .header("origin", format!("http://{}", app.host))
        .header("accept", "text/html")
        .form(&[
            ("flag", "meeting_insights"),
            ("enabled", "true"),
            ("return_to", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        common::header(res.headers(), "location"),
        "/admin/features?saved=1"
    );

    let (status, _, body) = app
        .call(
            "admin/features/set",
            &[("flag", "no_such_tool"), ("enabled", "true")],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "flag");

    let audit = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(admin.tenant.id))
        .filter(audit_events::Column::Action.eq("feature.disabled"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("audited");
    assert_eq!(audit.before_value.as_deref(), Some(r#"{"enabled":true}"#));
    assert_eq!(audit.after_value.as_deref(), Some(r#"{"enabled":false}"#));
}

#[tokio::test]
async fn flags_beyond_the_tier_are_refused() {
    let app = spawn_app().await;
    let email = app.register("tier").await;
    let admin = person(&app, &email).await;
    set_tier(&app.state.db, &admin.tenant.slug, Tier::Free)
        .await
        .unwrap();
    let (status, _, body) = app
        .call(
            "admin/features/set",
            &[("flag", "writing_assistance"), ("enabled", "true")],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "SUBSCRIPTION_LIMIT_EXCEEDED");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("Professional plan includes it"));
    let (_, _, view) = app.call("admin/features", &[]).await;
    let rows = view["rows"].as_array().unwrap();
    let on: Vec<&str> = rows
        .iter()
        .filter(|r| r["enabled"] == true)
        .map(|r| r["flag"].as_str().unwrap())
        .collect();
    assert_eq!(
        on,
        ["email_pattern_analysis", "intelligent_task_prioritization"]
    );
    let admin = person(&app, &email).await;
    let err = gate::begin(
        &app.state.db,
        &app.state.keyring,
        &admin,
        ToolId::WritingAssistance,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "SUBSCRIPTION_LIMIT_EXCEEDED");
    // Back up to Professional: the tools it adds are switched on again.
    set_tier(&app.state.db, &admin.tenant.slug, Tier::Professional)
        .await
        .unwrap();
    let admin = person(&app, &email).await;
    // Past the tier and the flag, the gate now asks for the person's key.
    let err = gate::begin(
        &app.state.db,
        &app.state.keyring,
        &admin,
        ToolId::WritingAssistance,
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "API_KEY_MISSING", "{err:?}");
}

#[tokio::test]
async fn members_cannot_use_admin_functions_or_pages() {
    let app = spawn_app().await;
    let email = app.register("boss").await;
    let admin = person(&app, &email).await;
    let (member, _) = add_member(&app, admin.tenant.id, "plain").await;
    for endpoint in [
        "admin/features",
        "admin/features/set",
        "admin/members",
        "admin/members/invite",
        "admin/audit",
    ] {
        let (status, _, body) = app
            .call_with(
                &member,
                endpoint,
                &[
                    ("flag", "meeting_insights"),
                    ("enabled", "false"),
                    ("email", "x@example.com"),
                    ("role", "member"),
                    ("page", "1"),
                    ("action", ""),
                    ("actor", ""),
                ],
            )
            .await;
        assert_eq!(status, 403, "{endpoint}: {body}");
        assert_eq!(body["code"], "FORBIDDEN");
    }
    let res = member.get(app.url("/admin/features")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.unwrap().contains("Administrators only"));
}

#[tokio::test]
async fn invitation_lifecycle() {
    let app = spawn_app().await;
    let admin_email = app.register("inviter").await;
    let admin = person(&app, &admin_email).await;
    let invitee = unique_email("invitee");
    let (status, body) = invite(&app, &app.client, &invitee, "member").await;
    assert_eq!(status, 200, "{body}");
    let token = token_of(&body);
    let stored = invitations::Entity::find()
        .filter(invitations::Column::TenantId.eq(admin.tenant.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        stored.token_hash, token,
        "only a hash of the token is stored"
    );
    assert_eq!(stored.token_hash, hash_token(&token));

    let (status, _, info) = app
        .call_with(&new_client(), "invitations/info", &[("token", &token)])
        .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["tenant_name"], "Acme Labs");
    assert_eq!(info["email"], invitee);

    let (joined, status, body) = join(&app, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["user"]["email"], invitee,
        "the invited email is used, not the typed one"
    );
    assert_eq!(body["user"]["tenant_name"], "Acme Labs");
    assert_eq!(body["user"]["is_admin"], false);
    assert!(app.me_with(&joined).await.is_object());
    let (_, _, members) = app.call("admin/members", &[]).await;
    assert!(
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["email"] == invitee),
        "{members}"
    );
    assert!(members["invitations"].as_array().unwrap().is_empty());

    // A used link does not work again.
    let (_, status, body) = join(&app, &token).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("already been used"));

    // Revoked and expired links are refused with a reason.
    let (_, body) = invite(&app, &app.client, &unique_email("revoked"), "member").await;
    let revoked = token_of(&body);
    let id = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash_token(&revoked)))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let (status, _, body) = app
        .call(
            "admin/members/revoke",
            &[("invitation_id", &id.to_string())],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, status, body) = join(&app, &revoked).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("revoked"));

    let (_, body) = invite(&app, &app.client, &unique_email("expired"), "admin").await;
    let expired = token_of(&body);
    let row = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(hash_token(&expired)))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    invitations::ActiveModel {
        id: Set(row.id),
        expires_at: Set(chrono::Utc::now() - chrono::Duration::hours(1)),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
    let (_, status, body) = join(&app, &expired).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("expired"));
    let (_, status, _) = join(&app, "not-a-real-token").await;
    assert_eq!(status, 404);

    // Bad invitations are refused with field messages.
    let (status, body) = invite(&app, &app.client, "not an email", "member").await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("email")),
        "{body}"
    );
    let (status, body) = invite(&app, &app.client, &invitee, "member").await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("already a member"));
    let (status, body) = invite(&app, &app.client, &unique_email("x"), "owner").await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("role")),
        "{body}"
    );
}

#[tokio::test]
async fn the_member_limit_counts_pending_invitations() {
    let app = spawn_app().await;
    let email = app.register("limit").await;
    let admin = person(&app, &email).await;
    set_tier(&app.state.db, &admin.tenant.slug, Tier::Free)
        .await
        .unwrap();
    for i in 0..2 {
        let (status, body) = invite(
            &app,
            &app.client,
            &unique_email(&format!("seat{i}")),
            "member",
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = invite(&app, &app.client, &unique_email("seat3"), "member").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "SUBSCRIPTION_LIMIT_EXCEEDED");
    let (_, _, members) = app.call("admin/members", &[]).await;
    assert_eq!(
        members["seats"],
        "3 of 3 places used (members and pending invitations)"
    );
}

#[tokio::test]
async fn roles_and_deactivation_with_the_last_admin_protected() {
    let app = spawn_app().await;
    let email = app.register("roles").await;
    let admin = person(&app, &email).await;
    let (member, member_email) = add_member(&app, admin.tenant.id, "worker").await;
    let member_id = person(&app, &member_email).await.user.id.to_string();
    let admin_id = admin.user.id.to_string();

    // The page does not offer the last administrator a step down it would refuse.
    let page = app.get("/admin/members").await.text().await.unwrap();
    assert!(page.contains("data-last-admin"), "{page}");
    assert!(!page.contains("Make member"), "{page}");
    assert!(page.contains("Make administrator"), "offered on the member");

    let (status, _, body) = app
        .call(
            "admin/members/role",
            &[("member_id", &admin_id), ("role", "member")],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("last active administrator"));
    let (status, _, body) = app
        .call(
            "admin/members/active",
            &[("member_id", &admin_id), ("active", "false")],
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, _, body) = app
        .call(
            "admin/members/role",
            &[("member_id", &member_id), ("role", "superuser")],
        )
        .await;
    assert_eq!(status, 400, "{body}");

    assert!(app.me_with(&member).await.is_object());
    let (status, _, body) = app
        .call(
            "admin/members/active",
            &[("member_id", &member_id), ("active", "false")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        app.me_with(&member).await,
        serde_json::Value::Null,
        "the deactivated member's session ended"
    );
    let (status, _, body) = app
        .call_with(
            &new_client(),
            "auth/login",
            &[
                ("email", &member_email),
                ("password", PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("deactivated"));

    let (status, _, _) = app
        .call(
            "admin/members/active",
            &[("member_id", &member_id), ("active", "true")],
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, _) = app
        .call(
            "admin/members/role",
            &[("member_id", &member_id), ("role", "admin")],
        )
        .await;
    assert_eq!(status, 200);
    let page = app.get("/admin/members").await.text().await.unwrap();
    assert!(!page.contains("data-last-admin"), "two administrators now");
    assert!(page.contains("Make member"));
    // Now there are two admins, so the first may step down.
    let (status, _, body) = app
        .call(
            "admin/members/role",
            &[("member_id", &admin_id), ("role", "member")],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // The membership changes (sign-ins are audited too, and left out here).
    let actions: Vec<String> = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(admin.tenant.id))
        .filter(audit_events::Column::Action.ne("auth.signed_in"))
        .filter(audit_events::Column::Action.ne("auth.email_verified"))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e.action,
                e.before_value.unwrap_or_default(),
                e.after_value.unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            r#"member.deactivated {"active":true} {"active":false}"#,
            r#"member.reactivated {"active":false} {"active":true}"#,
            r#"member.role_changed {"role":"member"} {"role":"admin"}"#,
            r#"member.role_changed {"role":"admin"} {"role":"member"}"#,
        ]
    );
}

#[tokio::test]
async fn the_audit_log_pages_and_filters() {
    let app = spawn_app().await;
    let email = app.register("audit").await;
    let admin = person(&app, &email).await;
    for i in 0..60 {
        let enabled = if i % 2 == 0 { "false" } else { "true" };
        let (status, _, _) = app
            .call(
                "admin/features/set",
                &[("flag", "language_learning_support"), ("enabled", enabled)],
            )
            .await;
        assert_eq!(status, 200);
    }
    app.call(
        "admin/members/invite",
        &[("email", &unique_email("auditee")), ("role", "member")],
    )
    .await;
    let page = |p: &'static str, action: &'static str, actor: String| {
        let app = &app;
        async move {
            let (status, _, body) = app
                .call(
                    "admin/audit",
                    &[("page", p), ("action", action), ("actor", &actor)],
                )
                .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let first = page("1", "", String::new()).await;
    assert_eq!(first["rows"].as_array().unwrap().len(), 50);
    assert_eq!(first["paging"]["has_more"], true);
    assert_eq!(
        first["rows"][0]["action"], "invitation.created",
        "newest first"
    );
    assert_eq!(first["rows"][0]["actor"], "Ana Lima");
    let second = page("2", "", String::new()).await;
    // The last of them: the admin confirming their address at registration.
    assert_eq!(second["rows"].as_array().unwrap().len(), 12);
    assert_eq!(second["paging"]["has_more"], false);
    let only_enabled = page("1", "feature.enabled", String::new()).await;
    assert_eq!(only_enabled["rows"].as_array().unwrap().len(), 30);
    let by_admin = page("1", "", admin.user.id.to_string()).await;
    assert_eq!(by_admin["rows"].as_array().unwrap().len(), 50);
    let nobody = page("1", "", "999999".into()).await;
    assert!(nobody["rows"].as_array().unwrap().is_empty());
    assert!(first["actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "feature.disabled"));
}

#[tokio::test]
async fn the_daily_ai_allowance_is_enforced() {
    let app = spawn_app().await;
    let email = app.register("allowance").await;
    let me = person(&app, &email).await;
    for _ in 0..3 {
        gate::count_ai_call(&app.state.db, &me).await.unwrap();
    }
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let usage = ai_usage::Entity::find_by_id((me.user.id, day))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(usage.calls, 3);
    common::set_ai_calls_today(&app, me.user.id, 500).await;
    match gate::count_ai_call(&app.state.db, &me).await.unwrap_err() {
        AppError::RateLimited {
            message,
            retry_after_secs,
        } => {
            assert!(message.contains("500 AI calls"), "{message}");
            assert!((1..=86_400).contains(&retry_after_secs));
        }
        other => panic!("expected RATE_LIMITED, got {other:?}"),
    }
    set_tier(&app.state.db, &me.tenant.slug, Tier::Free)
        .await
        .unwrap();
    let me = person(&app, &email).await;
    assert_eq!(
        gate::count_ai_call(&app.state.db, &me)
            .await
            .unwrap_err()
            .code(),
        "SUBSCRIPTION_LIMIT_EXCEEDED"
    );
}

#[tokio::test]
async fn the_operator_command_line() {
    if common::backend_name() != "sqlite" {
        eprintln!(
            "operator CLI test runs on SQLite only (it starts the binary on a file database)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_digame"))
            .args(args)
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/ops.db", dir.path().display()),
            )
            .env("DIGAME_DATA_DIR", dir.path())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&[
        "tenant",
        "create",
        "--company",
        "Ops Co",
        "--admin-email",
        "ops@example.com",
        "--admin-name",
        "Op Erator",
        "--tier",
        "enterprise",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("created tenant Ops Co (ops-co) on the Enterprise tier"),
        "{text}"
    );
    assert!(text.contains("password (shown once"));
    let out = run(&["tenant", "set-tier", "ops-co", "free"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "ops-co: Enterprise → Free"
    );
    let out = run(&["tenant", "list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ops-co") && text.contains("free") && text.contains("1 tenant(s)"),
        "{text}"
    );
    for bad in [
        &["tenant", "set-tier", "no-such", "free"][..],
        &["tenant", "set-tier", "ops-co", "gold"],
        &["tenant", "create"],
        &["tenant"],
        &["launch"],
    ] {
        let out = run(bad);
        assert!(!out.status.success(), "{bad:?} must fail");
        assert!(!out.stderr.is_empty(), "{bad:?} explains itself");
    }
}

/// Every server function of the app, called by people of tenant B with the ids of tenant
/// A's rows in every argument: none may show or change A's data. The list of functions is
/// read from the server's registry, so new server functions join the matrix automatically.
#[tokio::test]
async fn no_server_function_lets_one_tenant_touch_another() {
    let app = spawn_app().await;
    // Tenant A: an admin, a member with a stored key, a pending invitation.
    let a_admin_email = app.register("tenant-a").await;
    let a_admin = person(&app, &a_admin_email).await;
    let (a_member, a_member_email) = add_member(&app, a_admin.tenant.id, "a-member").await;
    let (status, _, _) = app
        .call_with(
            &a_member,
            "keys/save",
            &[
                ("origin", "x"),
                ("name", "writing_service_key"),
                ("value", "sk-tenant-a-secret-QQQQ"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let (_, invitation) = invite(&app, &app.client, &unique_email("a-invitee"), "member").await;
    assert!(invitation["link"].is_string());
    let a_member_row = person(&app, &a_member_email).await;
    let a_invitation = invitations::Entity::find()
        .filter(invitations::Column::TenantId.eq(a_admin.tenant.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();

    let snapshot = |app: &TestApp| {
        let db = app.state.db.clone();
        let tenant = a_admin.tenant.id;
        async move {
            let users = users::Entity::find()
                .filter(users::Column::TenantId.eq(tenant))
                .order_by_asc(users::Column::Id)
                .all(&db)
                .await
                .unwrap();
            let users: Vec<_> = users
                .into_iter()
                .map(|u| (u.id, u.email, u.role, u.active, u.password_hash))
                .collect();
            let invites: Vec<_> = invitations::Entity::find()
                .filter(invitations::Column::TenantId.eq(tenant))
                .all(&db)
                .await
                .unwrap();
            let keys: Vec<_> = user_api_keys::Entity::find()
                .filter(user_api_keys::Column::TenantId.eq(tenant))
                .all(&db)
                .await
                .unwrap();
            let flags: Vec<_> = tenant_features::Entity::find()
                .filter(tenant_features::Column::TenantId.eq(tenant))
                .all(&db)
                .await
                .unwrap();
            let audit = audit_events::Entity::find()
                .filter(audit_events::Column::TenantId.eq(tenant))
                .all(&db)
                .await
                .unwrap()
                .len();
            format!("{users:?}{invites:?}{keys:?}{flags:?}{audit}")
        }
    };
    let before = snapshot(&app).await;

    // Tenant B: an admin (the strongest caller) and a member.
    let b_admin = new_client();
    app.register_with(&b_admin, "tenant-b").await;
    let b_admin_email = app.me_with(&b_admin).await["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = person(&app, &b_admin_email).await;
    let (b_member, _) = add_member(&app, b.tenant.id, "b-member").await;

    let a_ids = [
        a_admin.user.id.to_string(),
        a_member_row.user.id.to_string(),
        a_invitation.id.to_string(),
        a_admin.tenant.id.to_string(),
    ];
    let forged_for = |id: &str| -> Vec<(&'static str, String)> {
        vec![
            ("member_id", id.to_owned()),
            ("invitation_id", id.to_owned()),
            ("user_id", id.to_owned()),
            ("tenant_id", id.to_owned()),
            ("id", id.to_owned()),
            ("actor", a_admin.user.id.to_string()),
            ("name", "writing_service_key".to_owned()),
            ("origin", "writing_service_key".to_owned()),
            ("value", "sk-forged-by-tenant-b".to_owned()),
            ("expires_on", String::new()),
            ("flag", "writing_assistance".to_owned()),
            ("enabled", "false".to_owned()),
            ("role", "admin".to_owned()),
            ("active", "false".to_owned()),
            ("email", a_member_email.clone()),
            ("page", "1".to_owned()),
            ("action", String::new()),
            ("token", "forged".to_owned()),
            ("current_password", PASSWORD.to_owned()),
            ("new_password", "tenant-b-new-password-1".to_owned()),
            ("confirm_password", "tenant-b-new-password-1".to_owned()),
            // Knowing tenant A's password would not be a tenant-isolation question.
            ("password", "not-tenant-a-password".to_owned()),
            ("company", "Forged".to_owned()),
            ("invite", String::new()),
            ("next", "/".to_owned()),
        ]
    };
    let mut paths: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .collect();
    paths.sort();
    paths.dedup();
    // Sign-out last, so the other calls run signed in.
    paths.sort_by_key(|p| p.ends_with("/logout"));
    assert!(
        paths.len() >= 19,
        "the registry lists the app's server functions: {paths:?}"
    );
    // Both tenants are called "Acme Labs": A's slug is matched whole, with its quotes.
    let a_slug = format!("\"{}\"", a_admin.tenant.slug);
    let a_markers = [
        a_admin_email.as_str(),
        a_member_email.as_str(),
        "QQQQ",
        a_slug.as_str(),
    ];
    let mut calls = 0;
    for path in &paths {
        for (who, client) in [("B admin", &b_admin), ("B member", &b_member)] {
            for id in &a_ids {
                let form = forged_for(id);
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let endpoint = path.trim_start_matches("/api/");
                let (status, _, body) = app.call_with(client, endpoint, &form).await;
                calls += 1;
                let text = body.to_string();
                for marker in a_markers {
                    // An invitation echoes the address B typed in; that is B's own input,
                    // not A's data (the answer says nothing of A's account).
                    if path.ends_with("/admin/members/invite") && marker == a_member_email {
                        continue;
                    }
                    assert!(
                        !text.contains(marker),
                        "{who} got tenant A's data from {path} ({status}): {text}"
                    );
                }
                assert_ne!(status, 500, "{who} broke {path}: {text}");
            }
        }
    }
    assert_eq!(
        snapshot(&app).await,
        before,
        "tenant A's data changed after {calls} calls from tenant B"
    );
    eprintln!(
        "cross-tenant matrix: {} server functions, {calls} calls",
        paths.len()
    );
}

/// The seat-limit race (structure issue): joins checked the member count outside the
/// transaction that adds the member, so concurrent joins could pass the tier's limit. Here
/// a company invites five people on Professional, is moved to Free (three places), and all
/// five accept at once: the company must never end with more than three active members.
#[tokio::test]
async fn concurrent_joins_never_exceed_the_member_limit() {
    let app = spawn_app().await;
    let email = app.register("race").await;
    let admin = person(&app, &email).await;
    let mut tokens = Vec::new();
    for i in 0..5 {
        let (status, body) = invite(
            &app,
            &app.client,
            &unique_email(&format!("racer{i}")),
            "member",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        tokens.push(token_of(&body));
    }
    set_tier(&app.state.db, &admin.tenant.slug, Tier::Free)
        .await
        .unwrap();
    let results = common::futures_join_all(tokens.iter().map(|t| join(&app, t))).await;
    for (_, status, body) in &results {
        assert!(
            *status == 200 || body["code"] == "SUBSCRIPTION_LIMIT_EXCEEDED",
            "{status} {body}"
        );
    }
    let active = users::Entity::find()
        .filter(users::Column::TenantId.eq(admin.tenant.id))
        .filter(users::Column::Active.eq(true))
        .all(&app.state.db)
        .await
        .unwrap()
        .len();
    assert!(active <= 3, "{active} active members on a 3-member plan");
}

/// Joins within the limit all succeed when they arrive together.
#[tokio::test]
async fn concurrent_joins_within_the_limit_all_succeed() {
    let app = spawn_app().await;
    let email = app.register("fits").await;
    let admin = person(&app, &email).await;
    set_tier(&app.state.db, &admin.tenant.slug, Tier::Free)
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for i in 0..2 {
        let (status, body) = invite(
            &app,
            &app.client,
            &unique_email(&format!("fit{i}")),
            "member",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        tokens.push(token_of(&body));
    }
    let results = common::futures_join_all(tokens.iter().map(|t| join(&app, t))).await;
    for (_, status, body) in &results {
        assert_eq!(*status, 200, "{body}");
    }
}

/// Concurrent invitations cannot take more places than the plan has.
#[tokio::test]
async fn concurrent_invitations_never_exceed_the_member_limit() {
    let app = spawn_app().await;
    let email = app.register("invrace").await;
    let admin = person(&app, &email).await;
    set_tier(&app.state.db, &admin.tenant.slug, Tier::Free)
        .await
        .unwrap();
    let emails: Vec<String> = (0..6).map(|i| unique_email(&format!("inv{i}"))).collect();
    let results = common::futures_join_all(
        emails
            .iter()
            .map(|e| invite(&app, &app.client, e, "member")),
    )
    .await;
    let created = results.iter().filter(|(s, _)| *s == 200).count();
    for (status, body) in &results {
        assert!(
            *status == 200 || body["code"] == "SUBSCRIPTION_LIMIT_EXCEEDED",
            "{status} {body}"
        );
    }
    assert_eq!(
        created, 2,
        "one admin and two invitations fill the Free plan"
    );
}

/// The last-admin race (structure issue): two admins demoting each other at the same moment
/// must leave the company with at least one active admin.
#[tokio::test]
async fn admins_demoting_each_other_at_once_leave_an_admin() {
    let app = spawn_app().await;
    let email = app.register("duel").await;
    let first = person(&app, &email).await;
    let (second_client, second_email) = add_member(&app, first.tenant.id, "second").await;
    let second = person(&app, &second_email).await;
    let first_id = first.user.id.to_string();
    let second_id = second.user.id.to_string();
    for round in 0..5 {
        for id in [first.user.id, second.user.id] {
            users::ActiveModel {
                id: Set(id),
                role: Set(digame::domain::Role::Admin),
                ..Default::default()
            }
            .update(&app.state.db)
            .await
            .unwrap();
        }
        let second_form = [("member_id", second_id.as_str()), ("role", "member")];
        let first_form = [("member_id", first_id.as_str()), ("role", "member")];
        let demote_second = app.call_with(&app.client, "admin/members/role", &second_form);
        let demote_first = app.call_with(&second_client, "admin/members/role", &first_form);
        let (a, b) = tokio::join!(demote_second, demote_first);
        let admins = users::Entity::find()
            .filter(users::Column::TenantId.eq(first.tenant.id))
            .filter(users::Column::Role.eq("admin"))
            .filter(users::Column::Active.eq(true))
            .all(&app.state.db)
            .await
            .unwrap()
            .len();
        assert!(
            admins >= 1,
            "round {round}: no admin left ({} {}, {} {})",
            a.0,
            a.2,
            b.0,
            b.2
        );
    }
}

/// Accounts issue, finding 8: deactivation ends a member's sessions for good; reactivating
/// them does not bring an old session back (they sign in again).
#[tokio::test]
async fn deactivation_ends_sessions_even_after_reactivation() {
    let app = spawn_app().await;
    let email = app.register("ender").await;
    let admin = person(&app, &email).await;
    let (member, member_email) = add_member(&app, admin.tenant.id, "leaver").await;
    assert!(app.me_with(&member).await.is_object());
    let member_id = person(&app, &member_email).await.user.id.to_string();
    for active in ["false", "true"] {
        let (status, _, body) = app
            .call(
                "admin/members/active",
                &[("member_id", &member_id), ("active", active)],
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(
        app.me_with(&member).await,
        serde_json::Value::Null,
        "the old session must not work again"
    );
    let (status, _, body) = app
        .call_with(
            &member,
            "auth/login",
            &[
                ("email", &member_email),
                ("password", PASSWORD),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(app.me_with(&member).await.is_object());
}

/// Accounts issue, finding 9: invitation links come from DIGAME_PUBLIC_URL, never from the
/// request's Host header.
#[tokio::test]
async fn invitation_links_ignore_a_forged_host() {
    let app = spawn_app().await;
    app.register("hostile").await;
    let res = app
        .client
        .post(app.url("/api/admin/members/invite"))
        .header("host", "evil.example")
        .header("accept", "application/json")
        .form(&[
            ("email", unique_email("target").as_str()),
            ("role", "member"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let link = body["link"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{}/register?invite=", app.base)),
        "{link}"
    );
    assert!(!link.contains("evil.example"));
}

/// Accounts issue, finding 3: the invite form does not tell an admin that an address has an
/// account in another company; the invited person learns it when accepting.
#[tokio::test]
async fn inviting_an_address_of_another_company_reveals_nothing_to_the_admin() {
    let app = spawn_app().await;
    let elsewhere = app.register_with(&new_client(), "elsewhere").await;
    app.register("inviter").await;
    let (status, body) = invite(&app, &app.client, &elsewhere, "member").await;
    assert_eq!(status, 200, "answered like any invitation: {body}");
    assert!(!body.to_string().contains("account"), "{body}");
    let (_, status, body) = join(&app, &token_of(&body)).await;
    assert_eq!(status, 409, "{body}");
    // A member of the admin's own company is still named as such.
    let me = app.me_with(&app.client).await;
    let own = me["email"].as_str().unwrap().to_owned();
    let (status, body) = invite(&app, &app.client, &own, "member").await;
    assert_eq!(status, 409, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("already a member of your company"));
}

/// Without JavaScript, a new invitation's link is shown once on the page the form returns
/// to; it is kept in the session sealed (never in clear) and gone after that page.
#[tokio::test]
async fn an_invitation_link_is_shown_once_without_javascript() {
    let app = spawn_app().await;
    app.register("invite-nojs").await;
    let invited = common::unique_email("invited-nojs");
    let res = app
        .client
        .post(app.url("/api/admin/members/invite"))
        .header("origin", format!("http://{}", app.host))
        .header("accept", "text/html")
        .form(&[("email", invited.as_str()), ("role", "member")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 302);
    assert_eq!(
        common::header(res.headers(), "location"),
        "/admin/members?invited=1"
    );
    // The session row holds no link in clear.
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.state.db.get_database_backend();
    let table = if backend == sea_orm::DbBackend::Sqlite {
        "tower_sessions"
    } else {
        "tower_sessions.session"
    };
    let rows = app
        .state
        .db
        .query_all(Statement::from_string(
            backend,
            format!("SELECT data FROM {table}"),
        ))
        .await
        .unwrap();
    assert!(!rows.is_empty());
    for row in &rows {
        let data: Vec<u8> = row.try_get("", "data").unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&data).contains("invite="),
            "the link is sealed in the session"
        );
    }
    let html = app
        .get("/admin/members?invited=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("Invitation for {invited} created")),
        "{html}"
    );
    assert!(html.contains("/register?invite="));
    let again = app
        .get("/admin/members?invited=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(!again.contains("/register?invite="), "shown only once");
}

/// Security issue: invitations are limited per company (each sends a mail in its name).
#[tokio::test]
async fn invitations_are_limited_per_company() {
    let app = spawn_app().await;
    app.register("invite-limit").await;
    let limit = digame::features::members::invitations::INVITATIONS.max_failures;
    for i in 0..limit {
        // The same address again replaces the pending invitation, so no seat runs out.
        let (status, body) = invite(&app, &app.client, "again@example.com", "member").await;
        assert_eq!(status, 200, "invitation {i}: {body}");
    }
    let (status, body) = invite(&app, &app.client, "again@example.com", "member").await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("invitations in the last hour"),
        "{body}"
    );
}

/// Without JavaScript, "Require two-factor sign-in" refused (the admin has none themselves)
/// comes back to Admin → Features with the reason on the page, not silently.
#[tokio::test]
async fn a_refused_two_factor_requirement_says_why_on_the_features_page() {
    let app = spawn_app().await;
    app.register("require-2fa").await;
    let res = app
        .client
        .post(app.url("/api/admin/two-factor"))
        .header("origin", format!("http://{}", app.host))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", app.url("/admin/features"))
        .form(&[("required", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 302);
    let location = common::header(res.headers(), "location").to_owned();
    assert_eq!(location, "/admin/features");
    let page = app.get(&location).await.text().await.unwrap();
    assert!(
        page.contains("Turn on two-factor sign-in for yourself first"),
        "the refusal is shown: {page}"
    );
    assert!(!page.contains("Saved."), "and no success beside it");
}
