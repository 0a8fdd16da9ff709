//! Monthly token budgets: set by admins on the page and over the JSON API, held by every AI
//! call's reservation (twenty calls at once on two replicas of one database never pass
//! one), shown to the person with a notice from 80 %, refused at 100 % with the renewal
//! date, warned about by mail once per level, and given back by calls that never ended; a
//! group's budget shared by its people and stopping only them.

use crate::common::{self, add_member, person, save_key, spawn_app_with, TestApp};
use chrono::Utc;
use digame::entities::{ai_calls, ai_usage, audit_events, outbox, token_spend};
use digame::features::budgets::{service as budgets, warnings};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

const KEY: &str = "sk-live-4f9c2e7a1b3d5e6f";
const WRITING: &str = "tools/writing/suggest";

async fn spend(app: &TestApp, tenant_id: i64, user_id: i64) -> token_spend::Model {
    token_spend::Entity::find_by_id((tenant_id, user_id, budgets::month_of(Utc::now())))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the month's counter exists")
}

async fn set_used(app: &TestApp, tenant_id: i64, user_id: i64, used: i64) {
    let mut row: token_spend::ActiveModel = spend(app, tenant_id, user_id).await.into();
    row.used_tokens = Set(used);
    row.update(&app.state.db).await.unwrap();
}

async fn put_budget(app: &TestApp, body: serde_json::Value) -> (u16, serde_json::Value) {
    let res = app
        .client
        .put(app.url("/api/v1/admin/budgets"))
        .header("origin", app.base.clone())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn mails_to(app: &TestApp, email: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::ToAddress.eq(email.to_lowercase()))
        .filter(outbox::Column::Subject.contains("budget"))
        .all(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn twenty_calls_at_once_on_two_replicas_never_pass_the_budget() {
    let a = spawn_app_with(&[("DIGAME_AI_CALLS_PER_MINUTE", "100")]).await;
    // A second replica on the same database, its calls going to the same AI address.
    let b = spawn_app_with(&[
        ("DATABASE_URL", &a.state.settings.database_url),
        ("DIGAME_AI_BASE_URL", &a.ai_base),
        ("DIGAME_AI_CALLS_PER_MINUTE", "100"),
    ])
    .await;
    let email = a.register("budget-race").await;
    let me = person(&a, &email).await;
    save_key(&a, "writing_service_key", KEY).await;
    let text = "We utilize very good tools to facilitate the work of the team.";
    let (status, _, body) = a.call(WRITING, &[("text", text)]).await;
    assert_eq!(status, 200, "{body}");
    let first = ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(me.user.id))
        .one(&a.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.reserved_tokens, 0, "a finished call holds nothing");
    let used = spend(&a, me.tenant_id(), budgets::COMPANY)
        .await
        .used_tokens;
    assert_eq!(used, first.prompt_tokens + first.completion_tokens);

    // Room for a few calls' reservations, not for twenty.
    let budget = used + 4_000;
    let (status, view) = put_budget(&a, serde_json::json!({ "monthly_tokens": budget })).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["company"]["monthly_tokens"], budget);
    // And a group of theirs with a roomy budget: its counter holds and settles alongside.
    let (status, _, body) = a.call("admin/groups/create", &[("name", "Race")]).await;
    assert_eq!(status, 200, "{body}");
    let view: serde_json::Value = a.get("/api/v1/admin/budgets").await.json().await.unwrap();
    let race = view["groups"][0]["group_id"].as_i64().unwrap();
    let (status, _, body) = a
        .call(
            "admin/groups/member",
            &[
                ("group", &race.to_string()),
                ("person", &me.user.id.to_string()),
                ("add", "true"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, view) = put_budget(
        &a,
        serde_json::json!({ "group": race, "monthly_tokens": 1_000_000 }),
    )
    .await;
    assert_eq!(status, 200, "{view}");

    let calls = (0..20).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        let client = a.client.clone();
        async move { app.call_with(&client, WRITING, &[("text", text)]).await }
    });
    let results = common::futures_join_all(calls).await;
    let answered = results.iter().filter(|(s, _, _)| *s == 200).count();
    let refused: Vec<_> = results.iter().filter(|(s, _, _)| *s == 429).collect();
    assert_eq!(answered + refused.len(), 20, "{results:?}");
    assert!(answered >= 1, "some calls fit: {results:?}");
    assert!(refused.len() >= 10, "most do not: {answered} answered");
    assert!(
        refused[0].2["message"]
            .as_str()
            .unwrap()
            .contains("your company's monthly AI budget"),
        "{:?}",
        refused[0].2
    );

    let month = spend(&a, me.tenant_id(), budgets::COMPANY).await;
    assert!(
        month.used_tokens <= budget,
        "used {} of {budget}",
        month.used_tokens
    );
    assert_eq!(month.reserved_tokens, 0, "every reservation settled");
    // The counter is what the calls recorded.
    let recorded: i64 = ai_calls::Entity::find()
        .filter(ai_calls::Column::TenantId.eq(me.tenant_id()))
        .all(&a.state.db)
        .await
        .unwrap()
        .iter()
        .map(|c| c.prompt_tokens + c.completion_tokens)
        .sum();
    assert_eq!(month.used_tokens, recorded);
    let mine = spend(&a, me.tenant_id(), me.user.id).await;
    assert_eq!((mine.used_tokens, mine.reserved_tokens), (recorded, 0));
    let group = spend(&a, me.tenant_id(), budgets::Holder::Group(race).key()).await;
    assert_eq!((group.used_tokens, group.reserved_tokens), (recorded, 0));
    // Refused calls did not use up the daily allowance.
    let today =
        ai_usage::Entity::find_by_id((me.user.id, Utc::now().format("%Y-%m-%d").to_string()))
            .one(&a.state.db)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(today.calls as usize, 1 + answered);
}

#[tokio::test]
async fn a_persons_budget_warns_at_eighty_percent_and_refuses_at_one_hundred() {
    let app = spawn_app_with(&[]).await;
    let admin_email = app.register("budget-admin").await;
    let admin = person(&app, &admin_email).await;
    let (member, member_email) = add_member(&app, admin.tenant_id(), "budget-member").await;
    let me = person(&app, &member_email).await;
    let (status, _, body) = app
        .call_with(
            &member,
            "keys/save",
            &[
                ("origin", "new"),
                ("name", "writing_service_key"),
                ("value", KEY),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Admins only; bad budgets are refused with the field named, nothing saved.
    let id = me.user.id.to_string();
    let (status, _, _) = app
        .call_with(
            &member,
            "admin/budgets/set",
            &[("person", &id), ("tokens", "5")],
        )
        .await;
    assert_eq!(status, 403);
    for bad in ["abc", "0", "-5", "2000000000000"] {
        let (status, _, body) = app
            .call("admin/budgets/set", &[("person", &id), ("tokens", bad)])
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["detail"]["field"], "tokens", "{body}");
    }
    let (status, body) = put_budget(
        &app,
        serde_json::json!({ "person": 999_999, "monthly_tokens": 10 }),
    )
    .await;
    assert_eq!(status, 422, "another company's or nobody's: {body}");
    assert_eq!(body["detail"]["field"], "person", "{body}");
    let (status, body) = put_budget(&app, serde_json::json!({ "monthly_tokens": 0 })).await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (422, Some("monthly_tokens")),
        "{body}"
    );
    let (_, view) = put_budget(&app, serde_json::json!({ "monthly_tokens": null })).await;
    assert!(view["company"]["monthly_tokens"].is_null());
    assert!(view["people"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["budget"]["monthly_tokens"].is_null()));

    // The page's form, with group separators.
    let (status, _, body) = app
        .call(
            "admin/budgets/set",
            &[("person", &id), ("tokens", "100,000")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let page = app.get("/admin/budgets").await.text().await.unwrap();
    assert!(
        page.contains("Each person") && page.contains("100,000"),
        "{page}"
    );
    let audited = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(admin.tenant_id()))
        .filter(audit_events::Column::Action.eq("budget.changed"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].target, member_email.to_lowercase());

    // A call within the budget; below 80 % nobody is warned.
    let (status, _, body) = app
        .call_with(&member, WRITING, &[("text", "We utilize very good tools.")])
        .await;
    assert_eq!(status, 200, "{body}");
    let now = Utc::now();
    assert_eq!(
        warnings::send_due(&app.state.db, &app.state.settings, now)
            .await
            .unwrap(),
        0
    );

    // At 85 %: a notice for the person, one mail each to them and to the admin.
    set_used(&app, me.tenant_id(), me.user.id, 85_000).await;
    let (_, _, usage) = app.call_with(&member, "account/usage", &[]).await;
    let mine = &usage["budgets"]["budgets"][0];
    assert_eq!(
        (mine["scope"].as_str(), mine["monthly_tokens"].as_i64()),
        (Some("person"), Some(100_000)),
        "{usage}"
    );
    let html = member
        .get(app.url("/settings/usage"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Your own budget is 85 % used"), "{html}");
    assert_eq!(
        warnings::send_due(&app.state.db, &app.state.settings, now)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        warnings::send_due(&app.state.db, &app.state.settings, now)
            .await
            .unwrap(),
        0,
        "once"
    );
    // Saving the same budget again (a second click) warns nobody again.
    let (status, _, body) = app
        .call(
            "admin/budgets/set",
            &[("person", &id), ("tokens", "100000")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        warnings::send_due(&app.state.db, &app.state.settings, now)
            .await
            .unwrap(),
        0,
        "not after the same budget is saved again"
    );
    let to_member = mails_to(&app, &member_email).await;
    assert_eq!(to_member.len(), 1);
    assert_eq!(
        to_member[0].subject,
        "You have used 85% of your monthly AI budget"
    );
    let to_admin = mails_to(&app, &admin_email).await;
    assert_eq!(to_admin.len(), 1);
    assert!(
        to_admin[0]
            .subject
            .ends_with("monthly AI budget is 85% used"),
        "{}",
        to_admin[0].subject
    );
    assert!(to_admin[0].body.contains("/admin/budgets"));

    // Used up: refused with the date it renews, without counting against today's calls.
    set_used(&app, me.tenant_id(), me.user.id, 100_000).await;
    let calls_before = ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(me.user.id))
        .all(&app.state.db)
        .await
        .unwrap()
        .len();
    let (status, headers, body) = app
        .call_with(&member, WRITING, &[("text", "Another very good text.")])
        .await;
    assert_eq!(status, 429, "{body}");
    let message = body["message"].as_str().unwrap();
    let renews = budgets::date_words(budgets::resets_on(Utc::now()));
    assert!(
        message.starts_with("Your monthly AI budget of 100,000 tokens is used up")
            && message.contains(&renews),
        "{message}"
    );
    assert!(
        common::header(&headers, "retry-after")
            .parse::<i64>()
            .unwrap()
            > 0
    );
    let calls_after = ai_calls::Entity::find()
        .filter(ai_calls::Column::UserId.eq(me.user.id))
        .all(&app.state.db)
        .await
        .unwrap()
        .len();
    assert_eq!(calls_after, calls_before, "nothing went out");
    let row = spend(&app, me.tenant_id(), me.user.id).await;
    assert_eq!(
        row.reserved_tokens, 0,
        "the refused reservation was given back"
    );
    assert_eq!(
        warnings::send_due(&app.state.db, &app.state.settings, now)
            .await
            .unwrap(),
        2
    );
    assert_eq!(mails_to(&app, &member_email).await.len(), 2);
    // The admin keeps working: the company has no budget, and theirs is not the member's.
    save_key(&app, "writing_service_key", KEY).await;
    let (status, _, body) = app
        .call(WRITING, &[("text", "We utilize good tools.")])
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_call_that_never_ended_gives_its_reservation_back() {
    let app = spawn_app_with(&[]).await;
    let email = app.register("budget-interrupted").await;
    let me = person(&app, &email).await;
    let hours_ago = Utc::now() - chrono::Duration::hours(2);
    // A call whose server stopped: its row pending, its tokens held in both counters.
    let reservation = budgets::reserve(&app.state.db, &me, 1_500, Utc::now())
        .await
        .unwrap();
    ai_calls::ActiveModel {
        tenant_id: Set(me.tenant_id()),
        user_id: Set(me.user.id),
        tool: Set("writing_assistance".into()),
        model: Set("m".into()),
        prompt_tokens: Set(0),
        completion_tokens: Set(0),
        latency_ms: Set(0),
        outcome: Set("pending".into()),
        created_at: Set(hours_ago),
        reserved_tokens: Set(reservation.tokens),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        spend(&app, me.tenant_id(), me.user.id)
            .await
            .reserved_tokens,
        1_500
    );
    let removed = digame::server::retention::delete_expired(&app.state.db, 13, Utc::now())
        .await
        .unwrap();
    assert_eq!(removed.interrupted, 1);
    for scope in [budgets::COMPANY, me.user.id] {
        assert_eq!(spend(&app, me.tenant_id(), scope).await.reserved_tokens, 0);
    }
    // A second round finds nothing left to give back.
    let again = digame::server::retention::delete_expired(&app.state.db, 13, Utc::now())
        .await
        .unwrap();
    assert_eq!(again.interrupted, 0);
    assert_eq!(
        spend(&app, me.tenant_id(), budgets::COMPANY)
            .await
            .reserved_tokens,
        0
    );
}

/// Saves a writing key for `client` (a member's session).
async fn member_key(app: &TestApp, client: &reqwest::Client) {
    let (status, _, body) = app
        .call_with(
            client,
            "keys/save",
            &[
                ("origin", "new"),
                ("name", "writing_service_key"),
                ("value", KEY),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_groups_budget_is_shared_by_its_people_and_stops_only_them() {
    let app = spawn_app_with(&[]).await;
    let admin_email = app.register("group-budget-admin").await;
    let admin = person(&app, &admin_email).await;
    let tenant = admin.tenant_id();
    let (ann, ann_email) = add_member(&app, tenant, "group-budget-ann").await;
    let (bob, bob_email) = add_member(&app, tenant, "group-budget-bob").await;
    let (cat, _) = add_member(&app, tenant, "group-budget-cat").await;
    for client in [&ann, &bob, &cat] {
        member_key(&app, client).await;
    }
    let (status, _, body) = app.call("admin/groups/create", &[("name", "Sales")]).await;
    assert_eq!(status, 200, "{body}");
    let (_, view) = put_budget(&app, serde_json::json!({ "monthly_tokens": null })).await;
    assert_eq!(view["groups"][0]["name"], "Sales", "{view}");
    assert!(view["groups"][0]["budget"]["monthly_tokens"].is_null());
    let sales = view["groups"][0]["group_id"].as_i64().unwrap();
    let sales_s = sales.to_string();
    for email in [&ann_email, &bob_email] {
        let id = person(&app, email).await.user.id.to_string();
        let (status, _, body) = app
            .call(
                "admin/groups/member",
                &[("group", &sales_s), ("person", &id), ("add", "true")],
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    // Refused, nothing saved: a member, another company's or no group, a group and a person
    // at once.
    let (status, _, _) = app
        .call_with(
            &ann,
            "admin/budgets/set",
            &[("group", &sales_s), ("tokens", "5")],
        )
        .await;
    assert_eq!(status, 403);
    let (status, _, body) = app
        .call("admin/budgets/set", &[("group", "999999"), ("tokens", "5")])
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "group", "{body}");
    let (status, _, body) = app
        .call("admin/budgets/set", &[("group", "x"), ("tokens", "5")])
        .await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("group")),
        "{body}"
    );
    let (status, body) = put_budget(
        &app,
        serde_json::json!({ "group": sales, "person": admin.user.id, "monthly_tokens": 10 }),
    )
    .await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (422, Some("group")),
        "{body}"
    );
    let (status, body) = put_budget(
        &app,
        serde_json::json!({ "group": -sales, "monthly_tokens": 10 }),
    )
    .await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (422, Some("group")),
        "{body}"
    );

    // 10,000 tokens a month for Sales, on the page's form.
    let (status, _, body) = app
        .call(
            "admin/budgets/set",
            &[("group", &sales_s), ("tokens", "10,000")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let page = app.get("/admin/budgets").await.text().await.unwrap();
    assert!(
        page.contains("Each group") && page.contains("Monthly budget for the Sales group"),
        "{page}"
    );
    let audited = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(tenant))
        .filter(audit_events::Column::Action.eq("budget.changed"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].target, "Sales (group)");

    // Ann's call counts in the group's month, and she sees the group's budget.
    let group = budgets::Holder::Group(sales).key();
    let (status, _, body) = app
        .call_with(&ann, WRITING, &[("text", "We utilize very good tools.")])
        .await;
    assert_eq!(status, 200, "{body}");
    let ann_used = spend(&app, tenant, group).await;
    assert!(ann_used.used_tokens > 0, "{ann_used:?}");
    assert_eq!(ann_used.reserved_tokens, 0);
    let (_, _, usage) = app.call_with(&ann, "account/usage", &[]).await;
    let shown = &usage["budgets"]["budgets"][0];
    assert_eq!(
        (
            shown["scope"].as_str(),
            shown["group"].as_str(),
            shown["monthly_tokens"].as_i64()
        ),
        (Some("group"), Some("Sales"), Some(10_000)),
        "{usage}"
    );

    // Used up: Bob (in Sales) is refused with the group named; Cat (not in it) is not.
    set_used(&app, tenant, group, 10_000).await;
    let (status, _, body) = app
        .call_with(&bob, WRITING, &[("text", "Another very good text.")])
        .await;
    assert_eq!(status, 429, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("The Sales group's monthly AI budget of 10,000 tokens is used up"),
        "{message}"
    );
    // (Bob's own month is reserved in last: the group refused first.)
    for holder in [budgets::COMPANY, group] {
        assert_eq!(
            spend(&app, tenant, holder).await.reserved_tokens,
            0,
            "the refused reservation was given back ({holder})"
        );
    }
    let (status, _, body) = app
        .call_with(&cat, WRITING, &[("text", "We utilize very good tools.")])
        .await;
    assert_eq!(status, 200, "{body}");
    let bob_page = bob
        .get(app.url("/settings/usage"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        bob_page.contains("The Sales group's budget is used up"),
        "{bob_page}"
    );

    // The warning goes to the admins, once; the group's people see it on Your usage.
    assert_eq!(
        warnings::send_due(&app.state.db, &app.state.settings, Utc::now())
            .await
            .unwrap(),
        1
    );
    let to_admin = mails_to(&app, &admin_email).await;
    assert_eq!(to_admin.len(), 1);
    assert_eq!(
        to_admin[0].subject,
        "The Sales group's monthly AI budget is used up"
    );
    assert!(mails_to(&app, &ann_email).await.is_empty());

    // A call that never ended gives its tokens back to the groups it reserved in, even after
    // its person left the group.
    let ann_me = person(&app, &ann_email).await;
    set_used(&app, tenant, group, 0).await;
    let reservation = budgets::reserve(&app.state.db, &ann_me, 700, Utc::now())
        .await
        .unwrap();
    assert_eq!(reservation.groups, [sales]);
    ai_calls::ActiveModel {
        tenant_id: Set(tenant),
        user_id: Set(ann_me.user.id),
        tool: Set("writing_assistance".into()),
        model: Set("m".into()),
        prompt_tokens: Set(0),
        completion_tokens: Set(0),
        latency_ms: Set(0),
        outcome: Set("pending".into()),
        created_at: Set(Utc::now() - chrono::Duration::hours(2)),
        reserved_tokens: Set(reservation.tokens),
        reserved_groups: Set(reservation.groups_text()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    assert_eq!(spend(&app, tenant, group).await.reserved_tokens, 700);
    let (status, _, body) = app
        .call(
            "admin/groups/member",
            &[
                ("group", &sales_s),
                ("person", &ann_me.user.id.to_string()),
                ("add", "false"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    digame::server::retention::delete_expired(&app.state.db, 13, Utc::now())
        .await
        .unwrap();
    assert_eq!(spend(&app, tenant, group).await.reserved_tokens, 0);

    // A deleted group takes its budget with it: Bob's calls pass again.
    set_used(&app, tenant, group, 10_000).await;
    let (status, _, body) = app
        .call("admin/groups/delete", &[("group", &sales_s)])
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = app
        .call_with(&bob, WRITING, &[("text", "Another very good text.")])
        .await;
    assert_eq!(status, 200, "{body}");
}
