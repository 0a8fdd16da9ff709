//! Groups and the tools limited to them: an admin makes a group on the page (and over JSON),
//! limits a tool to it, and a person outside it is refused by the tool with the reason — on
//! the server functions, the JSON API and the dashboard's cards alike — until they are put in
//! it; another company's admin cannot touch the group; a group a tool is limited to cannot be
//! deleted; every change is in the audit log.

use crate::common::{add_member, new_client, person, spawn_app, TestApp};
use digame::entities::audit_events;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

const TASKS: &str = "intelligent_task_prioritization";

async fn groups(app: &TestApp, client: &reqwest::Client) -> Value {
    let res = client
        .get(app.url("/api/v1/admin/groups"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn group_id(view: &Value, name: &str) -> i64 {
    view["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no group {name} in {view}"))["id"]
        .as_i64()
        .unwrap()
}

/// The person's tasks list: 200, or the refusal's status and message.
async fn tasks_list(app: &TestApp, client: &reqwest::Client) -> (u16, Value) {
    let (code, _, body) = app
        .call_with(client, "tasks/list", &[("status", ""), ("sort", "")])
        .await;
    (code, body)
}

async fn card(app: &TestApp, client: &reqwest::Client, flag: &str) -> Value {
    let cards: Value = client
        .get(app.url("/api/v1/tools"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["flag"] == flag)
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn a_tool_limited_to_a_group_is_for_its_people_only() {
    let app = spawn_app().await;
    let admin_email = app.register("groups-admin").await;
    let admin = person(&app, &admin_email).await;
    let (member, member_email) = add_member(&app, admin.tenant_id(), "groups-member").await;
    let m = person(&app, &member_email).await;

    // Made on the page's form; a second "sales" in any case is refused on the field.
    let (code, _, body) = app
        .call("admin/groups/create", &[("name", "  Sales ")])
        .await;
    assert_eq!(code, 200, "{body}");
    let (code, _, body) = app.call("admin/groups/create", &[("name", "SALES")]).await;
    assert_eq!(
        (code, body["detail"]["field"].as_str()),
        (409, Some("name")),
        "{body}"
    );
    let (code, _, body) = app.call("admin/groups/create", &[("name", " ")]).await;
    assert_eq!(
        (code, body["detail"]["field"].as_str()),
        (400, Some("name")),
        "{body}"
    );
    let view = groups(&app, &app.client).await;
    let sales = group_id(&view, "Sales");
    let sales_s = sales.to_string();

    // A member cannot manage groups.
    let (code, _, _) = app
        .call_with(&member, "admin/groups/create", &[("name", "Mine")])
        .await;
    assert_eq!(code, 403);

    // Limited to Sales, with no one in it: the member (and the admin) are refused, with the
    // reason naming the group.
    let (code, _, body) = app
        .call(
            "admin/groups/tool",
            &[("tool", TASKS), (&format!("groups[g{sales}]"), "on")],
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let (code, body) = tasks_list(&app, &member).await;
    assert_eq!(code, 403, "{body}");
    assert_eq!(body["code"], "FEATURE_DISABLED");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("Intelligent task prioritization is for the Sales group at")
            && message.contains("Admin → Groups"),
        "{message}"
    );
    let c = card(&app, &member, TASKS).await;
    assert_eq!(c["access"]["state"], "NotInGroup", "{c}");
    assert_eq!(c["access"]["groups"], serde_json::json!(["Sales"]));
    let res = member.get(app.url("/api/v1/tasks")).send().await.unwrap();
    assert_eq!(res.status(), 403, "the JSON API answers from the same rule");
    // Other tools are untouched.
    assert_eq!(
        card(&app, &member, "email_pattern_analysis").await["access"]["state"],
        "Available"
    );

    // Put in the group: the next call passes.
    let (code, _, body) = app
        .call(
            "admin/groups/member",
            &[
                ("group", &sales_s),
                ("person", &m.user.id.to_string()),
                ("add", "true"),
            ],
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let (code, body) = tasks_list(&app, &member).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        card(&app, &member, TASKS).await["access"]["state"],
        "Available"
    );
    let (code, _) = tasks_list(&app, &app.client).await;
    assert_eq!(code, 403, "the admin is not in Sales");
    // Admin → Members says who is in which group.
    let members: Value = app.get("/api/v1/admin/members").await.json().await.unwrap();
    let groups_of = |email: &str| {
        members["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email.to_lowercase())
            .unwrap_or_else(|| panic!("{email} in {members}"))["groups"]
            .clone()
    };
    assert_eq!(groups_of(&member_email), serde_json::json!(["Sales"]));
    assert_eq!(groups_of(&admin_email), serde_json::json!([]));
    let page = app.get("/admin/members").await.text().await.unwrap();
    assert!(page.contains(">Sales</td>"), "{page}");

    // The group cannot go while the tool is limited to it.
    let (code, _, body) = app
        .call("admin/groups/delete", &[("group", &sales_s)])
        .await;
    assert_eq!(code, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Intelligent task prioritization is limited to Sales"),
        "{body}"
    );

    // Taken out: refused again.
    let (code, _, _) = app
        .call(
            "admin/groups/member",
            &[
                ("group", &sales_s),
                ("person", &m.user.id.to_string()),
                ("add", "false"),
            ],
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(tasks_list(&app, &member).await.0, 403);

    // Opened to everyone (no group ticked), the group can go.
    let (code, _, body) = app.call("admin/groups/tool", &[("tool", TASKS)]).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(tasks_list(&app, &member).await.0, 200);
    let (code, _, body) = app
        .call("admin/groups/delete", &[("group", &sales_s)])
        .await;
    assert_eq!(code, 200, "{body}");
    assert!(groups(&app, &app.client).await["groups"]
        .as_array()
        .unwrap()
        .is_empty());

    let actions: Vec<String> = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(admin.tenant_id()))
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "group.created",
        "feature.groups_changed",
        "group.member_added",
        "group.member_removed",
        "group.deleted",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn the_json_api_manages_groups_within_the_company_only() {
    let app = spawn_app().await;
    let admin_email = app.register("groups-json").await;
    let admin = person(&app, &admin_email).await;
    let (_member, member_email) = add_member(&app, admin.tenant_id(), "groups-json-m").await;
    let m = person(&app, &member_email).await;
    let api = |p: &str| app.url(&format!("/api/v1{p}"));

    let res = app
        .client
        .post(api("/admin/groups"))
        .header("origin", app.base.clone())
        .json(&serde_json::json!({ "name": "Engineering" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let view: Value = res.json().await.unwrap();
    let eng = group_id(&view, "Engineering");
    let res = app
        .client
        .post(api("/admin/groups"))
        .header("origin", app.base.clone())
        .json(&serde_json::json!({ "name": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = app
        .client
        .put(api(&format!("/admin/groups/{eng}/members/{}", m.user.id)))
        .header("origin", app.base.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let view: Value = res.json().await.unwrap();
    assert_eq!(
        view["groups"][0]["members"][0]["email"],
        member_email.to_lowercase()
    );
    let res = app
        .client
        .put(api(&format!("/admin/features/{TASKS}/groups")))
        .header("origin", app.base.clone())
        .json(&serde_json::json!({ "groups": [eng] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let view: Value = res.json().await.unwrap();
    let tasks = view["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tool"] == TASKS)
        .unwrap()
        .clone();
    assert_eq!(tasks["groups"], serde_json::json!([eng]));
    assert_eq!(
        view["groups"][0]["tools"][0],
        "Intelligent task prioritization"
    );
    let res = app
        .client
        .put(api(&format!("/admin/groups/{eng}")))
        .header("origin", app.base.clone())
        .json(&serde_json::json!({ "name": "Platform" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Another company's admin sees none of it and can change none of it.
    let other = new_client();
    app.register_with(&other, "groups-other").await;
    assert!(groups(&app, &other).await["groups"]
        .as_array()
        .unwrap()
        .is_empty());
    for (method, path) in [
        ("PUT", format!("/admin/groups/{eng}")),
        ("DELETE", format!("/admin/groups/{eng}")),
        ("PUT", format!("/admin/groups/{eng}/members/{}", m.user.id)),
        (
            "DELETE",
            format!("/admin/groups/{eng}/members/{}", m.user.id),
        ),
    ] {
        let res = other
            .request(method.parse().unwrap(), api(&path))
            .header("origin", app.base.clone())
            .json(&serde_json::json!({ "name": "Taken" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{method} {path}");
    }
    let res = other
        .put(api(&format!("/admin/features/{TASKS}/groups")))
        .header("origin", app.base.clone())
        .json(&serde_json::json!({ "groups": [eng] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "another company's group is not a choice");
    let view = groups(&app, &app.client).await;
    assert_eq!(view["groups"][0]["name"], "Platform");
    assert_eq!(view["groups"][0]["members"].as_array().unwrap().len(), 1);
}
