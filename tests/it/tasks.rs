//! Tasks and their prioritization through the server functions, on SQLite and PostgreSQL.

use crate::common;

use common::{add_member, new_client, person, spawn_app};
use digame::domain::Tier;
use digame::entities::tasks;
use digame::features::tenancy::service::set_tier;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

async fn add(
    app: &common::TestApp,
    client: &reqwest::Client,
    title: &str,
    due: &str,
    status: &str,
) {
    let (code, _, body) = app
        .call_with(
            client,
            "tasks/create",
            &[
                ("title", title),
                ("description", ""),
                ("due_on", due),
                ("status", status),
            ],
        )
        .await;
    assert_eq!(code, 200, "{body}");
}

async fn list(
    app: &common::TestApp,
    client: &reqwest::Client,
    status: &str,
    sort: &str,
) -> serde_json::Value {
    let (code, _, body) = app
        .call_with(client, "tasks/list", &[("status", status), ("sort", sort)])
        .await;
    assert_eq!(code, 200, "{body}");
    body
}

fn titles(view: &serde_json::Value) -> Vec<String> {
    view["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect()
}

fn in_days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn tasks_are_created_listed_changed_and_deleted() {
    let app = spawn_app().await;
    app.register("tasks").await;
    let c = &app.client;
    add(&app, c, "Write the report", &in_days(10), "todo").await;
    add(&app, c, "Book travel", &in_days(2), "").await;
    add(&app, c, "Old idea", "", "suggested").await;
    let view = list(&app, c, "", "due").await;
    assert_eq!(
        titles(&view),
        ["Book travel", "Write the report", "Old idea"]
    );
    assert_eq!(
        view["tasks"][1]["status"], "todo",
        "an empty status is to do"
    );
    let id = view["tasks"][0]["id"].as_i64().unwrap().to_string();

    let (code, _, body) = app
        .call(
            "tasks/update",
            &[
                ("task_id", &id),
                ("title", "Book the train"),
                ("description", "Lisbon"),
                ("due_on", &in_days(1)),
                ("status", "in_progress"),
            ],
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let (code, _, _) = app
        .call("tasks/status", &[("task_id", &id), ("status", "done")])
        .await;
    assert_eq!(code, 200);
    let done = list(&app, c, "done", "").await;
    assert_eq!(titles(&done), ["Book the train"]);
    assert_eq!(done["tasks"][0]["description"], "Lisbon");
    let (code, _, _) = app
        .call("tasks/status", &[("task_id", &id), ("status", "archived")])
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        titles(&list(&app, c, "", "").await),
        ["Write the report", "Old idea"],
        "archived are hidden"
    );
    assert_eq!(
        titles(&list(&app, c, "archived", "").await),
        ["Book the train"]
    );

    let (code, _, _) = app.call("tasks/delete", &[("task_id", &id)]).await;
    assert_eq!(code, 200);
    let (code, _, body) = app.call("tasks/delete", &[("task_id", &id)]).await;
    assert_eq!((code, body["code"].as_str()), (404, Some("NOT_FOUND")));
}

#[tokio::test]
async fn bad_task_input_gets_a_field_message_and_saves_nothing() {
    let app = spawn_app().await;
    let email = app.register("badtask").await;
    let me = person(&app, &email).await;
    for (title, due, status, field) in [
        ("", "", "", "title"),
        (&"x".repeat(201) as &str, "", "", "title"),
        ("ok", "31/12/2026", "", "due_on"),
        ("ok", "2300-01-01", "", "due_on"),
        ("ok", "", "someday", "status"),
    ] {
        let (code, _, body) = app
            .call(
                "tasks/create",
                &[
                    ("title", title),
                    ("description", ""),
                    ("due_on", due),
                    ("status", status),
                ],
            )
            .await;
        assert_eq!(code, 400, "{body}");
        assert_eq!(body["detail"]["field"], field, "{body}");
    }
    let stored = tasks::Entity::find()
        .filter(tasks::Column::UserId.eq(me.user.id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(stored.is_empty());
    let (code, _, body) = app
        .call("tasks/status", &[("task_id", "abc"), ("status", "done")])
        .await;
    assert_eq!(code, 400, "{body}");
}

#[tokio::test]
async fn another_persons_tasks_cannot_be_seen_or_touched() {
    let app = spawn_app().await;
    let email = app.register("owner").await;
    let owner = person(&app, &email).await;
    add(&app, &app.client, "Private plan", "", "todo").await;
    let id = list(&app, &app.client, "", "").await["tasks"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();

    // A colleague in the same company, and a stranger in another.
    let (colleague, _) = add_member(&app, owner.tenant.id, "colleague").await;
    let stranger = new_client();
    app.register_with(&stranger, "stranger").await;
    for other in [&colleague, &stranger] {
        assert!(titles(&list(&app, other, "", "").await).is_empty());
        for (endpoint, form) in [
            (
                "tasks/status",
                vec![("task_id", id.as_str()), ("status", "done")],
            ),
            ("tasks/delete", vec![("task_id", id.as_str())]),
            (
                "tasks/update",
                vec![
                    ("task_id", id.as_str()),
                    ("title", "mine now"),
                    ("description", ""),
                    ("due_on", ""),
                    ("status", ""),
                ],
            ),
            ("tasks/apply", vec![("task_id", id.as_str())]),
        ] {
            let (code, _, body) = app.call_with(other, endpoint, &form).await;
            assert_eq!(
                (code, body["code"].as_str()),
                (404, Some("NOT_FOUND")),
                "{endpoint}: {body}"
            );
        }
    }
    let view = list(&app, &app.client, "", "").await;
    assert_eq!(titles(&view), ["Private plan"]);
    assert_eq!(view["tasks"][0]["status"], "todo");
}

#[tokio::test]
async fn priorities_are_suggested_with_reasons_and_saved_all_or_one() {
    let app = spawn_app().await;
    app.register("prio").await;
    let c = &app.client;
    add(&app, c, "Someday maybe", "", "suggested").await;
    add(
        &app,
        c,
        "URGENT: fix the login",
        &in_days(-2),
        "in_progress",
    )
    .await;
    add(&app, c, "Not urgent: tidy the wiki", &in_days(5), "todo").await;
    add(&app, c, "Finished thing", &in_days(-9), "done").await;

    let (code, _, suggestions) = app.call("tasks/suggest", &[]).await;
    assert_eq!(code, 200, "{suggestions}");
    let rows = suggestions.as_array().unwrap();
    assert_eq!(rows.len(), 3, "done tasks are not prioritized");
    let shown: Vec<(String, i64)> = rows
        .iter()
        .map(|s| {
            (
                s["title"].as_str().unwrap().to_owned(),
                s["suggested"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("URGENT: fix the login".to_owned(), 79),
            ("Not urgent: tidy the wiki".to_owned(), 25),
            ("Someday maybe".to_owned(), 0)
        ]
    );
    let reasons: Vec<String> = rows[0]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("+{} {}", f["points"], f["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        reasons,
        ["+54 overdue by 2 days", "+15 “urgent”", "+10 in progress"]
    );
    assert!(rows[0]["current"].is_null());

    // Save one: only that task gets its score.
    let one = rows[1]["task_id"].as_i64().unwrap().to_string();
    let (code, _, saved) = app.call("tasks/apply", &[("task_id", &one)]).await;
    assert_eq!((code, saved.as_i64()), (200, Some(1)));
    let by_priority = list(&app, c, "", "priority").await;
    assert_eq!(titles(&by_priority)[0], "Not urgent: tidy the wiki");

    // Save all: the list's priority order now follows the suggestions.
    let (code, _, saved) = app.call("tasks/apply", &[("task_id", "")]).await;
    assert_eq!((code, saved.as_i64()), (200, Some(3)));
    let by_priority = list(&app, c, "", "priority").await;
    assert_eq!(
        titles(&by_priority),
        [
            "URGENT: fix the login",
            "Not urgent: tidy the wiki",
            "Someday maybe",
            "Finished thing"
        ]
    );
    assert_eq!(by_priority["tasks"][0]["priority"], 79);
    assert!(
        by_priority["tasks"][3]["priority"].is_null(),
        "done tasks keep theirs"
    );

    // A done task cannot take a suggestion.
    let done = by_priority["tasks"][3]["id"].as_i64().unwrap().to_string();
    let (code, _, body) = app.call("tasks/apply", &[("task_id", &done)]).await;
    assert_eq!(
        (code, body["detail"]["field"].as_str()),
        (400, Some("task_id")),
        "{body}"
    );
}

#[tokio::test]
async fn the_tool_follows_the_flag_and_works_on_the_free_tier() {
    let app = spawn_app().await;
    let email = app.register("flagged").await;
    let me = person(&app, &email).await;
    set_tier(&app.state.db, &me.tenant.slug, Tier::Free)
        .await
        .unwrap();
    add(&app, &app.client, "Free tier task", "", "").await;
    let (code, _, _) = app.call("tasks/apply", &[("task_id", "")]).await;
    assert_eq!(code, 200, "no AI allowance is needed");
    app.call(
        "admin/features/set",
        &[
            ("flag", "intelligent_task_prioritization"),
            ("enabled", "false"),
        ],
    )
    .await;
    for endpoint in ["tasks/list", "tasks/suggest"] {
        let (code, _, body) = app.call(endpoint, &[("status", ""), ("sort", "")]).await;
        assert_eq!(
            (code, body["code"].as_str()),
            (403, Some("FEATURE_DISABLED")),
            "{endpoint}"
        );
    }
    let (code, _, body) = app
        .call(
            "tasks/create",
            &[
                ("title", "x"),
                ("description", ""),
                ("due_on", ""),
                ("status", ""),
            ],
        )
        .await;
    assert_eq!(
        (code, body["code"].as_str()),
        (403, Some("FEATURE_DISABLED"))
    );
}

#[tokio::test]
async fn the_json_api_manages_and_prioritizes_tasks_with_the_same_rules() {
    let app = spawn_app().await;
    app.register("jsontasks").await;
    let url = |p: &str| app.url(&format!("/api/v1{p}"));
    let c = &app.client;

    let res = new_client().get(url("/tasks")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);

    let res = c
        .post(url("/tasks"))
        .json(&serde_json::json!({"title": "URGENT: ship it", "due_on": in_days(-1), "status": "in_progress"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let created: serde_json::Value = res.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["status"], "in_progress");

    // Parsed but invalid: 422 with the field; not JSON, or the wrong shape: 400.
    let res = c
        .post(url("/tasks"))
        .json(&serde_json::json!({"title": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["detail"]["field"].as_str()),
        (Some("VALIDATION_ERROR"), Some("title"))
    );
    for (content_type, raw) in [
        ("application/json", "{not json"),
        ("application/json", r#"{"title": 42}"#),
        ("text/plain", r#"{"title": "x"}"#),
    ] {
        let res = c
            .post(url("/tasks"))
            .header("content-type", content_type)
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 400, "{content_type} {raw}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "BAD_REQUEST", "{body}");
        assert!(
            !body["message"].as_str().unwrap().contains("invalid type"),
            "{body}"
        );
    }

    let res = c
        .put(url(&format!("/tasks/{id}")))
        .json(&serde_json::json!({"title": "URGENT: ship it today", "due_on": in_days(-1), "status": "in_progress"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res = c.get(url(&format!("/tasks/{id}"))).send().await.unwrap();
    let one: serde_json::Value = res.json().await.unwrap();
    assert_eq!(one["title"], "URGENT: ship it today");

    let res = c
        .post(url("/ai/tasks/prioritization/prioritize"))
        .json(&serde_json::json!({"save_suggestions": false}))
        .send()
        .await
        .unwrap();
    let preview: serde_json::Value = res.json().await.unwrap();
    assert_eq!(preview["saved"], 0);
    assert_eq!(preview["suggestions"][0]["suggested"], 77, "{preview}");
    let res = c
        .post(url("/ai/tasks/prioritization/prioritize"))
        .json(&serde_json::json!({"save_suggestions": true}))
        .send()
        .await
        .unwrap();
    let saved: serde_json::Value = res.json().await.unwrap();
    assert_eq!(saved["saved"], 1);
    let list: serde_json::Value = c
        .get(url("/tasks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["tasks"][0]["priority"], 77);

    // Someone else's task does not exist for them.
    let other = new_client();
    app.register_with(&other, "jsonother").await;
    for res in [
        other
            .get(url(&format!("/tasks/{id}")))
            .send()
            .await
            .unwrap(),
        other
            .delete(url(&format!("/tasks/{id}")))
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(res.status().as_u16(), 404);
    }

    let res = c.delete(url(&format!("/tasks/{id}"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let res = c.get(url(&format!("/tasks/{id}"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);

    app.call(
        "admin/features/set",
        &[
            ("flag", "intelligent_task_prioritization"),
            ("enabled", "false"),
        ],
    )
    .await;
    let res = c.get(url("/tasks")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "FEATURE_DISABLED");
}

#[tokio::test]
async fn the_task_list_pages_in_its_order_with_no_priority_and_no_date_last() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let app = spawn_app().await;
    app.register("taskpages").await;
    // (title, due in days, priority)
    let rows = [
        ("a", Some(3), Some(40)),
        ("b", None, Some(90)),
        ("c", Some(1), None),
        ("d", None, None),
        ("e", Some(2), Some(40)),
    ];
    for (title, due, _) in rows {
        add(
            &app,
            &app.client,
            title,
            &due.map(in_days).unwrap_or_default(),
            "todo",
        )
        .await;
    }
    for (title, _, priority) in rows {
        let task = tasks::Entity::find()
            .filter(tasks::Column::Title.eq(title))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut task: tasks::ActiveModel = task.into();
        task.priority_score = Set(priority);
        task.update(&app.state.db).await.unwrap();
    }
    let url = |p: &str| app.url(&format!("/api/v1{p}"));
    let get = |path: String| {
        let c = &app.client;
        let url = url(&path);
        async move {
            let res = c.get(url).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    for (sort, expected) in [
        ("priority", ["b", "e", "a", "c", "d"]),
        ("due", ["c", "e", "a", "b", "d"]),
    ] {
        let mut walked = Vec::new();
        for page in 1..=3 {
            let (status, body) = get(format!("/tasks?sort={sort}&per_page=2&page={page}")).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["paging"]["page"], page);
            assert_eq!(body["paging"]["per_page"], 2);
            assert_eq!(body["paging"]["has_more"], page < 3, "{sort} page {page}");
            walked.extend(titles(&body));
        }
        assert_eq!(walked, expected, "{sort}");
        // The page's server function reads the same order, a page at a time.
        assert_eq!(titles(&list(&app, &app.client, "", sort).await), expected);
    }
    for (query, field) in [
        ("page=0", "page"),
        ("per_page=101", "per_page"),
        ("per_page=x", "per_page"),
    ] {
        let (status, body) = get(format!("/tasks?{query}")).await;
        assert_eq!(
            (status, body["detail"]["field"].as_str()),
            (422, Some(field)),
            "{query}: {body}"
        );
    }
}
