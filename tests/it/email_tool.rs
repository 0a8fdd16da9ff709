//! Email pattern analysis over HTTP: upload (as a script and as a browser form without
//! JavaScript), the analysis, saving and reading it back, bad files refused clearly, the
//! built-in analysis never counted as an AI call, the flag, and the narrative from the
//! person's AI service. On SQLite and PostgreSQL.

use crate::common;

use common::{person, spawn_app, spawn_app_with, TestApp};
use digame::entities::ai_usage;
use reqwest::multipart::{Form, Part};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

const MBOX: &[u8] = include_bytes!("../fixtures/email/small.mbox");

fn form(file_name: &str, bytes: Vec<u8>, own: &str) -> Form {
    Form::new()
        .text("own_addresses", own.to_owned())
        .text("unanswered_days", "7")
        .part("file", Part::bytes(bytes).file_name(file_name.to_owned()))
}

/// Uploads as a script does (JSON back).
async fn upload(app: &TestApp, client: &reqwest::Client, form: Form) -> (u16, Value) {
    let res = client
        .post(app.url("/tools/email/upload"))
        .header("origin", &app.base)
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_mbox_is_analysed_saved_and_read_back() {
    let app = spawn_app().await;
    app.register("email").await;
    let (status, a) = upload(
        &app,
        &app.client,
        form("small.mbox", MBOX.to_vec(), "me@digame.test"),
    )
    .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(
        (
            a["messages"].as_u64(),
            a["sent"].as_u64(),
            a["received"].as_u64(),
            a["skipped"].as_u64()
        ),
        (Some(9), Some(4), Some(5), Some(1))
    );
    assert_eq!(a["median_response_minutes"], 720);
    assert_eq!(a["top_correspondents"][0]["address"], "alice@example.com");
    assert_eq!(a["source"], "mbox file “small.mbox”");
    let findings = a["findings"].to_string();
    assert!(
        findings.contains(
            "You answer alice@example.com, your most frequent correspondent, in a median of 7.5 h."
        ),
        "{findings}"
    );
    // No message body reaches the analysis.
    assert!(!a.to_string().contains("Travel is fine"));

    // Saved (the aggregates), listed, and read back whole.
    let payload = a.to_string();
    let (status, _, body) = app
        .call(
            "tools/saved/save",
            &[
                ("tool", "email_pattern_analysis"),
                ("title", "March"),
                ("payload", &payload),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, list) = app
        .call("tools/saved/list", &[("tool", "email_pattern_analysis")])
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["title"], "March");
    let back: Value = serde_json::from_str(list[0]["payload"].as_str().unwrap()).unwrap();
    assert_eq!(back, a);

    // Another person in another company sees none of it.
    let other = common::new_client();
    app.register_with(&other, "email-other").await;
    let (_, _, theirs) = app
        .call_with(
            &other,
            "tools/saved/list",
            &[("tool", "email_pattern_analysis")],
        )
        .await;
    assert_eq!(theirs, serde_json::json!([]));
}

#[tokio::test]
async fn the_upload_works_as_a_plain_form_and_the_page_shows_the_charts() {
    let app = spawn_app().await;
    app.register("email-nojs").await;
    let res = app
        .client
        .post(app.url("/tools/email/upload"))
        .header("origin", &app.base)
        .header("accept", "text/html,application/xhtml+xml")
        .multipart(form("small.mbox", MBOX.to_vec(), "me@digame.test"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        common::header(res.headers(), "location"),
        "/tools/email?answered=1"
    );
    let html = app
        .get("/tools/email?answered=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("What your mail says"), "{html}");
    assert!(html.contains("your most frequent correspondent, in a median of 7.5 h"));
    assert!(
        html.contains("chart chart-heatmap"),
        "the heatmap is drawn on the server: {}",
        &html[html.find("<svg").unwrap_or(0)..][..400.min(html.len())]
    );
    assert!(html.contains("data-table=\"heatmap\""), "with its table");
    assert!(
        html.contains("Budget review follow-up"),
        "the unanswered thread is listed"
    );
    assert!(
        html.contains("1 message was left out")
            && html.contains("“No sender on this one”: it has no readable sender (From)."),
        "what was left out is named, with why"
    );

    // A bad file comes back to the form with its message and the addresses as typed.
    let res = app
        .client
        .post(app.url("/tools/email/upload"))
        .header("origin", &app.base)
        .header("accept", "text/html")
        .multipart(form(
            "photo.png",
            b"\x89PNG\r\n\x1a\n".to_vec(),
            "me@digame.test, other@digame.test",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let html = app
        .get("/tools/email?answered=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("this file is none of these"), "{html}");
    assert!(html.contains("me@digame.test, other@digame.test"));
    assert!(!html.contains("What your mail says"));
}

#[tokio::test]
async fn bad_files_and_fields_get_clear_messages() {
    let app = spawn_app_with(&[("DIGAME_EMAIL_UPLOAD_MAX_MB", "1")]).await;
    app.register("email-bad").await;
    let cases: Vec<(Form, &str, &str)> = vec![
        (
            form("empty.mbox", Vec::new(), ""),
            "file",
            "The file is empty",
        ),
        (
            form("notes.txt", b"just some notes\n".to_vec(), ""),
            "file",
            "none of these",
        ),
        (
            form("mail.csv", b"when,who\n1,2\n".to_vec(), ""),
            "file",
            "needs the columns date, from, to and subject",
        ),
        (
            form(
                "mail.csv",
                b"date,from,to,subject\n13/13/2026,a@b.co,c@d.co,x\n".to_vec(),
                "",
            ),
            "file",
            "Line 2",
        ),
        (
            form("broken.zip", b"PK\x03\x04 not really".to_vec(), ""),
            "file",
            "cannot be opened",
        ),
        (
            form(
                "small.mbox",
                MBOX.to_vec(),
                "me@digame.test, not-an-address",
            ),
            "own_addresses",
            "is not an email address",
        ),
        (
            Form::new().text("unanswered_days", "7"),
            "file",
            "Choose a file",
        ),
    ];
    for (f, field, words) in cases {
        let (status, body) = upload(&app, &app.client, f).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["detail"]["field"], field, "{body}");
        assert!(body["message"].as_str().unwrap().contains(words), "{body}");
    }
    // Over the limit: refused with the limit named, whether announced or streamed.
    let big = vec![b'x'; 1024 * 1024 + 10];
    let (status, body) = upload(&app, &app.client, form("big.mbox", big, "")).await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("larger than 1 MB"),
        "{body}"
    );
    let stream =
        futures_util::stream::iter((0..40).map(|_| Ok::<_, std::io::Error>(vec![b'y'; 64 * 1024])));
    let streamed = Form::new().part(
        "file",
        Part::stream(reqwest::Body::wrap_stream(stream)).file_name("big.mbox"),
    );
    let (status, body) = upload(&app, &app.client, streamed).await;
    assert_eq!(status, 413, "{body}");
    // Signed out: no analysis.
    let (status, _) = upload(
        &app,
        &common::new_client(),
        form("small.mbox", MBOX.to_vec(), ""),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_built_in_analysis_is_not_an_ai_call_and_the_flag_still_applies() {
    let app = spawn_app().await;
    let email = app.register("email-free").await;
    let me = person(&app, &email).await;
    // A stored key does not make the built-in analysis an AI call.
    let (status, _, body) = app
        .call(
            "keys/save",
            &[
                ("origin", "new"),
                ("name", "email_analysis_service_key"),
                ("value", "sk-email-123456789"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, a) = upload(&app, &app.client, form("small.mbox", MBOX.to_vec(), "")).await;
    assert_eq!(status, 200, "{a}");
    // The account's own address is the default: none of the fixture's mail is from it.
    assert_eq!(a["sent"], 0);
    assert_eq!(a["own_addresses"][0], email.to_lowercase());
    let counted = ai_usage::Entity::find()
        .filter(ai_usage::Column::UserId.eq(me.user.id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(counted.is_empty(), "{counted:?}");

    let (status, _, body) = app
        .call(
            "admin/features/set",
            &[("flag", "email_pattern_analysis"), ("enabled", "false")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = upload(&app, &app.client, form("small.mbox", MBOX.to_vec(), "")).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "FEATURE_DISABLED");
}

#[tokio::test]
async fn with_a_key_the_anonymised_aggregates_get_a_narrative() {
    let app = spawn_app().await;
    app.register("email-narrative").await;
    let (_, a) = upload(
        &app,
        &app.client,
        form("small.mbox", MBOX.to_vec(), "me@digame.test"),
    )
    .await;
    let analysis = a.to_string();
    // Without a key: the tool's key is needed for this part only.
    let (status, _, body) = app
        .call("tools/email/narrative", &[("analysis", &analysis)])
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "API_KEY_MISSING");
    let (status, _, body) = app
        .call(
            "keys/save",
            &[
                ("origin", "new"),
                ("name", "email_analysis_service_key"),
                ("value", "sk-email-123456789"),
                ("expires_on", ""),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = app
        .call("tools/email/narrative", &[("analysis", &analysis)])
        .await;
    assert_eq!(status, 200, "{body}");
    let narrative = body["narrative"].as_str().unwrap();
    // The test service read the figures it was sent, with pseudonyms for people.
    assert!(
        narrative.contains("You sent 4 messages and received 5."),
        "{narrative}"
    );
    assert!(narrative.contains("correspondent 1"), "{narrative}");
    assert!(!body.to_string().contains('@'), "{body}");
    let (status, _, body) = app
        .call("tools/email/narrative", &[("analysis", "not json")])
        .await;
    assert_eq!(status, 400, "{body}");
}

/// The JSON API: a list of messages' metadata (the original service's fields) analysed with
/// the same rules; bad items are named by their place in the list.
#[tokio::test]
async fn the_json_api_analyses_a_list_of_messages() {
    let app = spawn_app().await;
    app.register("email-api").await;
    let post = |body: Value| {
        let req = app
            .client
            .post(app.url("/api/v1/ai/email-analysis/analyze"))
            .header("origin", &app.base)
            .json(&body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let messages = serde_json::json!([
        {"subject": "Plan", "sender": "Ana <ana@x.test>", "recipients": ["me@digame.test"], "timestamp": "2026-03-02T09:00:00+01:00", "message_id": "a1"},
        {"subject": "Re: Plan", "sender": "me@digame.test", "recipients": "ana@x.test; bo@y.test", "timestamp": "2026-03-02T10:30:00+01:00", "in_reply_to": "a1"},
        {"subject": "Numbers", "sender": "bo@y.test", "recipients": ["me@digame.test"], "timestamp": 1772442000}
    ]);
    let (status, a) =
        post(serde_json::json!({"messages": messages, "own_addresses": ["me@digame.test"]})).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(
        (
            a["messages"].as_u64(),
            a["sent"].as_u64(),
            a["answered"].as_u64()
        ),
        (Some(3), Some(1), Some(1))
    );
    assert_eq!(a["median_response_minutes"], 90);
    // A bare list works too (own address: the account's).
    let (status, a) = post(messages.clone()).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["sent"], 0);

    let (status, e) = post(
        serde_json::json!([{"subject": "x", "sender": "ana@x.test", "timestamp": "yesterday"}]),
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["detail"]["field"], "messages[0].timestamp");
    let (status, e) = post(serde_json::json!({"messages": []})).await;
    assert_eq!(status, 422, "{e}");
    let (status, e) = post(serde_json::json!({"nothing": true})).await;
    assert_eq!(status, 400, "{e}");
}

/// The JSON API takes the export file too (a bearer token, no cookie, no origin), beyond
/// the API's usual 256 KB body limit, and describes an analysis with the AI service.
#[tokio::test]
async fn the_json_api_takes_the_export_file_and_describes_it() {
    let app = spawn_app().await;
    app.register("email-api-upload").await;
    let (status, _, made) = app
        .call(
            "tokens/create",
            &[
                ("name", "mail script"),
                ("expires_in_days", "7"),
                ("scope", "write"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{made}");
    let token = made["secret"].as_str().unwrap().to_owned();
    // The fixture, padded past 256 KB with one long message of its own.
    let mut bytes = MBOX.to_vec();
    bytes.extend_from_slice(
        b"\nFrom big@x.test Mon Mar  2 11:00:00 2026\nFrom: big@x.test\nTo: me@digame.test\nSubject: Big\nDate: Mon, 2 Mar 2026 11:00:00 +0100\nMessage-ID: <big1@x.test>\n\n",
    );
    bytes.extend(std::iter::repeat_n(b'x', 300 * 1024));
    bytes.push(b'\n');
    let res = common::new_client()
        .post(app.url("/api/v1/ai/email-analysis/upload"))
        .bearer_auth(&token)
        .multipart(form("big.mbox", bytes, "me@digame.test"))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let analysis: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{analysis}");
    assert_eq!(
        analysis["messages"], 10,
        "the fixture's nine and the big one: {analysis}"
    );

    let narrate = |body: Value| {
        let req = common::new_client()
            .post(app.url("/api/v1/ai/email-analysis/narrative"))
            .bearer_auth(&token)
            .json(&body);
        async move {
            let res = req.send().await.unwrap();
            let limit = res.headers().contains_key("x-ratelimit-limit");
            (
                res.status().as_u16(),
                limit,
                res.json::<Value>().await.unwrap(),
            )
        }
    };
    let (status, _, body) = narrate(serde_json::json!({"analysis": analysis})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("API_KEY_MISSING")),
        "{body}"
    );
    common::save_key(&app, "email_analysis_service_key", "sk-email-123456789").await;
    let (status, limit, body) = narrate(serde_json::json!({"analysis": analysis})).await;
    assert_eq!(status, 200, "{body}");
    assert!(limit, "an AI call reports its window");
    assert!(
        body["narrative"].as_str().unwrap().contains("You sent"),
        "{body}"
    );
    let (status, _, body) = narrate(serde_json::json!({"analysis": "not an analysis"})).await;
    assert!((400..500).contains(&status), "{body}");
}

/// Security issue, finding 7: one enormous message in an mbox is refused with a clear error,
/// and the server (its own process, a release or debug build of `digame serve`) stays under
/// 150 MB of memory at its peak while it reads the 100 MB upload.
#[tokio::test]
async fn an_enormous_message_is_refused_within_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let url = match std::env::var("DIGAME_TEST_DATABASE_URL") {
        Ok(base) => common::postgres_schema_for_this_test(&base).await,
        Err(_) => format!("sqlite://{}/email-rss.db", dir.path().display()),
    };
    let server = common::binary::start(
        &url,
        dir.path(),
        &[(
            "DIGAME_MASTER_KEY",
            "q83vEjRlZR0K9yHc0Qx8Ki3pLw9Z7nM2bV4cX6sA1dE=",
        )],
    )
    .await;
    let client = reqwest::Client::new();
    let email = common::unique_email("email-rss");
    let token = server.sign_up_verified(&url, &email, "Big Mail Co").await;

    // The fixture, then one 100 MB message (an attachment of no end).
    let mut bytes = MBOX.to_vec();
    bytes.extend_from_slice(
        b"\nFrom big@x.test Mon Mar  2 11:00:00 2026\nFrom: big@x.test\nTo: me@digame.test\nSubject: Huge\nDate: Mon, 2 Mar 2026 11:00:00 +0100\n\n",
    );
    for _ in 0..100 * 1024 {
        bytes.extend(std::iter::repeat_n(b'Q', 1023));
        bytes.push(b'\n');
    }
    let res = client
        .post(format!("{}/api/v1/ai/email-analysis/upload", server.base))
        .bearer_auth(&token)
        .multipart(form("huge.mbox", bytes, "me@digame.test"))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("larger than 64 MB"),
        "{body}"
    );
    let status_file =
        std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let peak_kb: u64 = status_file
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    println!(
        "server peak memory (VmHWM) during the 100 MB upload: {} MB",
        peak_kb / 1024
    );
    assert!(peak_kb < 150 * 1024, "peak {} MB", peak_kb / 1024);
}
