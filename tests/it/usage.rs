//! "Your usage": a person's AI calls this month by tool, today's allowance and the last
//! calls, on the page, the server function and the JSON API alike, and nobody else's.

use crate::common::{add_member, person, save_key, spawn_app};
use digame::domain::Tier;

const KEY: &str = "sk-live-4f9c2e7a1b3d5e6f";

#[tokio::test]
async fn a_person_sees_their_own_calls_tokens_errors_and_what_is_left_today() {
    let app = spawn_app().await;
    let email = app.register("usage").await;
    let me = person(&app, &email).await;
    save_key(&app, "writing_service_key", KEY).await;

    let (_, _, empty) = app.call("account/usage", &[]).await;
    assert_eq!(empty["total"]["calls"], 0, "{empty}");
    assert_eq!(empty["last"], serde_json::json!([]));
    let per_day = Tier::Professional.limits().ai_calls_per_user_per_day;
    assert_eq!(empty["today"]["per_day"], per_day);

    for text in ["We utilize very good tools.", "Another very good text."] {
        let (status, _, body) = app.call("tools/writing/suggest", &[("text", text)]).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _, body) = app
        .call("tools/writing/suggest", &[("text", "Broken [[fake:500]]")])
        .await;
    assert_eq!(status, 502, "{body}");
    // A colleague's call is theirs alone.
    let (colleague, _) = add_member(&app, me.tenant_id(), "usage-colleague").await;
    save_key_for(&app, &colleague).await;
    let (status, _, body) = app
        .call_with(
            &colleague,
            "tools/writing/suggest",
            &[("text", "Mine, very good.")],
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, _, view) = app.call("account/usage", &[]).await;
    assert_eq!(status, 200, "{view}");
    let writing = view["by_tool"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tool"] == "writing_assistance")
        .unwrap()
        .clone();
    assert_eq!(writing["totals"]["calls"], 3, "{view}");
    assert_eq!(writing["totals"]["errors"], 1);
    assert!(writing["totals"]["prompt_tokens"].as_i64().unwrap() > 0);
    assert_eq!(view["total"], writing["totals"], "one tool used");
    assert_eq!(view["today"]["used"], 3);
    let last = view["last"].as_array().unwrap();
    assert_eq!(last.len(), 3, "only my calls: {view}");
    assert_eq!(last[0]["outcome"], "bad_reply", "newest first");
    assert_eq!(last[2]["outcome"], "ok");
    assert!(last[0]["at"].as_str().unwrap().ends_with('Z'));

    // The JSON API answers the same; the page says it in words.
    let api: serde_json::Value = app.get("/api/v1/account/usage").await.json().await.unwrap();
    assert_eq!(api, view);
    let page = app.get("/settings/usage").await.text().await.unwrap();
    assert!(
        page.contains(&format!("3 of your {per_day} AI calls used today")),
        "{page}"
    );
    assert!(page.contains("Unreadable answer") && page.contains("Writing assistance"));
    // Signed out: sign in first.
    let res = crate::common::new_client()
        .get(app.url("/api/v1/account/usage"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
}

async fn save_key_for(app: &crate::common::TestApp, client: &reqwest::Client) {
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
async fn admins_see_calls_by_person_and_model_and_download_them_safe_for_a_spreadsheet() {
    use digame::entities::{ai_calls, users};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let email = app.register("figures").await;
    let me = person(&app, &email).await;
    save_key(&app, "writing_service_key", KEY).await;
    let (member, member_email) = add_member(&app, me.tenant_id(), "figures-member").await;
    save_key_for(&app, &member).await;
    // A name a spreadsheet would run as a formula.
    let row = users::Entity::find_by_id(person(&app, &member_email).await.user.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut row: users::ActiveModel = row.into();
    row.display_name = Set("=HYPERLINK(\"http://evil.example\")".into());
    row.update(&app.state.db).await.unwrap();

    let (status, _, body) = app
        .call(
            "tools/writing/suggest",
            &[("text", "We utilize very good tools.")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for text in ["Mine, very good.", "Broken [[fake:500]]"] {
        app.call_with(&member, "tools/writing/suggest", &[("text", text)])
            .await;
    }

    let (status, _, view) = app.call("admin/ai/view", &[]).await;
    assert_eq!(status, 200, "{view}");
    let people = view["by_person"].as_array().unwrap();
    assert_eq!(people.len(), 2, "{view}");
    let theirs = people
        .iter()
        .find(|p| p["email"] == member_email.to_lowercase().as_str())
        .unwrap();
    assert_eq!(theirs["usage"]["calls"], 2);
    assert_eq!(theirs["usage"]["errors"], 1);
    assert!(theirs["usage"]["p95_ms"].as_i64().is_some(), "{theirs}");
    let model = app.state.ai.settings.model.clone();
    assert_eq!(view["by_model"][0]["model"], model.as_str());
    assert_eq!(view["by_model"][0]["usage"]["calls"], 3);

    let res = app.get("/admin/ai/calls.csv").await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(common_header(&res, "content-type").starts_with("text/csv"));
    assert!(common_header(&res, "content-disposition").contains("digame-ai-calls-"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "a header and three calls: {csv}");
    assert!(lines[0].starts_with("time_utc,person,email,tool,model"));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "the formula is kept as text: {csv}"
    );
    assert!(!csv.contains(",=HYPERLINK"), "{csv}");
    // Members and strangers do not get it.
    let res = member
        .get(app.url("/admin/ai/calls.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let res = crate::common::new_client()
        .get(app.url("/admin/ai/calls.csv"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());

    // A period: one call moved 30 days back leaves the last two weeks and is found in its own.
    let failed = ai_calls::Entity::find()
        .filter(ai_calls::Column::Outcome.ne("ok"))
        .filter(ai_calls::Column::TenantId.eq(me.tenant_id()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut moved: ai_calls::ActiveModel = failed.into();
    moved.created_at = Set(chrono::Utc::now() - chrono::Duration::days(30));
    moved.update(&app.state.db).await.unwrap();
    let (_, _, view) = app.call("admin/ai/view", &[]).await;
    assert_eq!(view["by_model"][0]["usage"]["calls"], 2, "{view}");
    assert_eq!(view["by_day"].as_array().unwrap().len(), 14);
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(40)).to_string();
    let to = (today - chrono::Duration::days(20)).to_string();
    let (status, _, view) = app
        .call("admin/ai/view", &[("from", &from), ("to", &to)])
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["period"]["from"], from.as_str());
    assert_eq!(view["by_day"].as_array().unwrap().len(), 21);
    assert_eq!(view["by_model"][0]["usage"]["errors"], 1, "{view}");
    let (status, _, body) = app
        .call("admin/ai/view", &[("from", &to), ("to", &from)])
        .await;
    assert_eq!(
        (status, body["detail"]["field"].as_str()),
        (400, Some("to")),
        "{body}"
    );

    // The same over the JSON API, and the period's calls as CSV.
    let api = |path: String| app.client.get(app.url(&path)).send();
    let res = api(format!("/api/v1/admin/analytics?from={from}&to={to}"))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let figures: serde_json::Value = res.json().await.unwrap();
    assert_eq!(figures["by_tool"][0]["usage"]["calls"], 1, "{figures}");
    assert_eq!(figures["period"]["to"], to.as_str());
    let res = api(format!("/api/v1/admin/analytics/calls?from={from}&to={to}"))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(common_header(&res, "content-disposition").contains(&format!("{from}-to-{to}")));
    assert_eq!(
        res.text().await.unwrap().lines().count(),
        2,
        "a header and one call"
    );
    let res = api(format!("/admin/ai/calls.csv?from={from}&to={to}"))
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap().lines().count(), 2);
    let res = api("/api/v1/admin/analytics?from=2026-13-01".into())
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["detail"]["field"], "from", "{body}");
    let res = member
        .get(app.url("/api/v1/admin/analytics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
}

fn common_header<'a>(res: &'a reqwest::Response, name: &str) -> &'a str {
    crate::common::header(res.headers(), name)
}
