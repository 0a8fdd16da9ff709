//! The API-key vault over HTTP and in the database: storage, masking, isolation, audit,
//! tampering and master-key rotation.

use crate::common;

use common::{add_member, new_client, person, spawn_app, TestApp};
use digame::config::MasterKey;
use digame::crypto::keyring::Keyring;
use digame::entities::{audit_events, tenants, user_api_keys};
use digame::features::api_keys::service::{self, KeyError};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use secrecy::ExposeSecret;

const SECRET: &str = "sk-live-PLAINTEXTcanary0123456789WXYZ";

async fn save(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    value: &str,
) -> (u16, serde_json::Value) {
    let (status, _, body) = app
        .call_with(
            client,
            "keys/save",
            &[
                ("origin", name),
                ("name", name),
                ("value", value),
                ("expires_on", ""),
            ],
        )
        .await;
    (status, body)
}

async fn list(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    let (status, _, body) = app.call_with(client, "keys/list", &[]).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn row<'a>(rows: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}: {rows}"))
}

#[tokio::test]
async fn add_replace_delete_and_list_with_audit() {
    let app = spawn_app().await;
    let email = app.register("keys").await;
    let rows = list(&app, &app.client).await;
    assert_eq!(
        rows.as_array().unwrap().len(),
        5,
        "the five tool keys are listed: {rows}"
    );
    assert!(row(&rows, "writing_service_key")["stored"].is_null());
    assert_eq!(row(&rows, "writing_service_key")["in_plan"], true);
    // Before a key is stored, the page says where it would be sent.
    assert_eq!(row(&rows, "writing_service_key")["goes_to"], app.ai_base);
    let page = app.get("/settings/api-keys").await.text().await.unwrap();
    assert!(
        page.contains("A key saved here is sent only to ") && page.contains(&app.ai_base),
        "the address is on the page"
    );

    let (status, body) = save(&app, &app.client, "writing_service_key", SECRET).await;
    assert_eq!(status, 200, "{body}");
    let rows = list(&app, &app.client).await;
    let stored = &row(&rows, "writing_service_key")["stored"];
    assert_eq!(stored["masked"], "••••WXYZ");
    assert_eq!(stored["last_used"], serde_json::Value::Null);
    assert!(
        !rows.to_string().contains("PLAINTEXT"),
        "the list never carries the key"
    );

    let (status, _) = save(
        &app,
        &app.client,
        "writing_service_key",
        "sk-replacement-key-9876",
    )
    .await;
    assert_eq!(status, 200);
    let rows = list(&app, &app.client).await;
    assert_eq!(
        row(&rows, "writing_service_key")["stored"]["masked"],
        "••••9876"
    );

    // A custom key appears after the known ones.
    let (status, body) = save(&app, &app.client, "my_own_service", "custom-key-value-1").await;
    assert_eq!(status, 200, "{body}");
    // The same key saved again, by two clicks at once: nothing changes, nothing more audited.
    let (first, second) = tokio::join!(
        save(&app, &app.client, "my_own_service", "custom-key-value-1"),
        save(&app, &app.client, "my_own_service", "custom-key-value-1")
    );
    assert_eq!((first.0, second.0), (200, 200), "{} {}", first.1, second.1);
    assert_eq!(
        row(&list(&app, &app.client).await, "my_own_service")["used_by"],
        serde_json::Value::Null
    );

    let (status, _, body) = app
        .call("keys/delete", &[("name", "writing_service_key")])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(row(&list(&app, &app.client).await, "writing_service_key")["stored"].is_null());
    let (status, _, body) = app
        .call("keys/delete", &[("name", "writing_service_key")])
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "NOT_FOUND");

    let me = person(&app, &email).await;
    let events = audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(me.tenant.id))
        .filter(audit_events::Column::Action.starts_with("api_key."))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.action.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("api_key.added", "writing_service_key"),
            ("api_key.replaced", "writing_service_key"),
            ("api_key.added", "my_own_service"),
            ("api_key.deleted", "writing_service_key"),
        ]
    );
    for e in &events {
        assert_eq!(e.actor_user_id, Some(me.user.id));
        let text = format!("{:?}{:?}", e.before_value, e.after_value);
        assert!(
            !text.contains("PLAINTEXT") && !text.contains("9876"),
            "audit rows hold no key: {text}"
        );
    }
}

#[tokio::test]
async fn bad_input_gets_field_errors_and_writes_nothing() {
    let app = spawn_app().await;
    app.register("badkeys").await;
    let too_long = "k".repeat(4097);
    let cases: [(&str, &str, &str, &str, &str); 7] = [
        (
            "writing_service_key",
            "writing_service_key",
            "",
            "",
            "writing_service_key.value",
        ),
        (
            "writing_service_key",
            "writing_service_key",
            "sk abc def 123",
            "",
            "writing_service_key.value",
        ),
        (
            "writing_service_key",
            "writing_service_key",
            "sk-abc-123456\n",
            "",
            "writing_service_key.value",
        ),
        (
            "writing_service_key",
            "writing_service_key",
            &too_long,
            "",
            "writing_service_key.value",
        ),
        ("new", "Bad-Name", "sk-abc-123456", "", "new.name"),
        (
            "new",
            "ok_name",
            "sk-abc-123456",
            "2001-01-01",
            "new.expires_on",
        ),
        (
            "new",
            "ok_name",
            "sk-abc-123456",
            "tomorrow",
            "new.expires_on",
        ),
    ];
    for (origin, name, value, expires, field) in cases {
        let (status, _, body) = app
            .call(
                "keys/save",
                &[
                    ("origin", origin),
                    ("name", name),
                    ("value", value),
                    ("expires_on", expires),
                ],
            )
            .await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(body["code"], "VALIDATION_ERROR");
        assert_eq!(body["detail"]["field"], field, "{body}");
    }
    let (status, _, body) = app.call("keys/delete", &[("name", "NOT A NAME")]).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        user_api_keys::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        audit_events::Entity::find()
            .filter(audit_events::Column::Action.starts_with("api_key."))
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn signed_out_callers_get_401() {
    let app = spawn_app().await;
    for endpoint in ["keys/list", "keys/save", "keys/delete", "keys/test"] {
        let (status, _, body) = app
            .call(
                endpoint,
                &[
                    ("origin", "new"),
                    ("name", "abc_key"),
                    ("value", "sk-123456789"),
                    ("expires_on", ""),
                ],
            )
            .await;
        assert_eq!(status, 401, "{endpoint}: {body}");
    }
}

#[tokio::test]
async fn nobody_else_can_read_replace_or_delete_my_keys() {
    let app = spawn_app().await;
    let owner_email = app.register("owner").await;
    let (status, _) = save(&app, &app.client, "meeting_insights_service_key", SECRET).await;
    assert_eq!(status, 200);
    let owner = person(&app, &owner_email).await;

    // A colleague in the same tenant, and a stranger in another tenant.
    let (colleague, _) = add_member(&app, owner.tenant.id, "colleague").await;
    let stranger = new_client();
    app.register_with(&stranger, "stranger").await;

    for other in [&colleague, &stranger] {
        let rows = list(&app, other).await;
        assert!(
            row(&rows, "meeting_insights_service_key")["stored"].is_null(),
            "{rows}"
        );
        // Forged owner ids in the arguments are ignored: the owner is always the session's.
        let forged = [
            ("name", "meeting_insights_service_key"),
            ("user_id", &owner.user.id.to_string()),
            ("tenant_id", &owner.tenant.id.to_string()),
        ];
        let (status, _, _) = app.call_with(other, "keys/delete", &forged).await;
        assert_eq!(status, 404);
        let (status, _, _) = app.call_with(other, "keys/test", &forged).await;
        assert_eq!(status, 404);
        let (status, _, body) = app
            .call_with(
                other,
                "keys/save",
                &[
                    ("origin", "x"),
                    ("name", "meeting_insights_service_key"),
                    ("value", "sk-someone-elses-key"),
                    ("expires_on", ""),
                    ("user_id", &owner.user.id.to_string()),
                ],
            )
            .await;
        assert_eq!(status, 200, "saving creates their own key: {body}");
    }
    // The owner's key is untouched and still opens to the original value.
    let (plain, used) = service::reveal(
        &app.state.db,
        &app.state.keyring,
        &owner,
        "meeting_insights_service_key",
        None,
    )
    .await
    .unwrap();
    assert_eq!(plain.expose_secret(), SECRET);
    used.record(&app.state.db).await;
    assert_eq!(
        user_api_keys::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        3
    );
    // Only the owner's row records the use.
    let rows = list(&app, &app.client).await;
    assert!(row(&rows, "meeting_insights_service_key")["stored"]["last_used"].is_string());
}

#[tokio::test]
async fn the_database_never_holds_a_key_in_the_clear() {
    let app = spawn_app().await;
    app.register("dump").await;
    let (status, _) = save(&app, &app.client, "language_learning_api_key", SECRET).await;
    assert_eq!(status, 200);
    let needle = "PLAINTEXTcanary";
    if common::backend_name() == "sqlite" {
        // Every byte SQLite wrote: the database file, its write-ahead log and shared memory.
        let mut seen = 0;
        for entry in std::fs::read_dir(app.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("digame.db")
            {
                let bytes = std::fs::read(&path).unwrap();
                seen += bytes.len();
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "plaintext in {path:?}"
                );
            }
        }
        assert!(seen > 0, "the database files were read");
    } else {
        let rows = app
            .state
            .db
            .query_all(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT t::text AS row FROM user_api_keys t".to_owned(),
            ))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        for r in rows {
            let text: String = r.try_get("", "row").unwrap();
            assert!(!text.contains(needle), "{text}");
        }
    }
}

#[tokio::test]
async fn test_asks_the_service_and_says_what_it_answered() {
    let app = spawn_app().await;
    let email = app.register("live-check").await;
    save(
        &app,
        &app.client,
        "writing_service_key",
        "reject-me-0123456789",
    )
    .await;
    let (status, _, body) = app
        .call("keys/test", &[("name", "writing_service_key")])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "rejected", "{body}");
    // A key no tool uses has no service to ask.
    save(&app, &app.client, "my_crm_token", "crm-0123456789abcdef").await;
    let (_, _, body) = app.call("keys/test", &[("name", "my_crm_token")]).await;
    assert_eq!(body["outcome"], "format_ok", "{body}");
    // An unreachable service is said to be so.
    let mut ai = app.state.ai.clone();
    ai.settings.base_url = "http://127.0.0.1:9/v1".into();
    let key = secrecy::SecretString::from("sk-0123456789abcdef");
    let me = person(&app, &email).await;
    let outcome = digame::features::api_keys::check::ask_service(
        &app.state.db,
        &ai,
        &me,
        "writing_service_key",
        &key,
    )
    .await;
    assert_eq!(
        outcome,
        digame::features::api_keys::KeyCheckOutcome::Unreachable
    );
}

#[tokio::test]
async fn tampered_and_expired_keys_are_refused_clearly() {
    let app = spawn_app().await;
    let email = app.register("tamper").await;
    save(&app, &app.client, "writing_service_key", SECRET).await;
    save(
        &app,
        &app.client,
        "email_analysis_service_key",
        "sk-expiring-key-1234",
    )
    .await;
    let me = person(&app, &email).await;
    let stored = |name: &'static str| {
        let db = app.state.db.clone();
        async move {
            user_api_keys::Entity::find()
                .filter(user_api_keys::Column::KeyName.eq(name))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let (_, _, body) = app
        .call("keys/test", &[("name", "writing_service_key")])
        .await;
    assert_eq!(
        body["outcome"], "accepted",
        "the test AI service accepts it: {body}"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("accepted this key"),
        "{body}"
    );

    let model = stored("writing_service_key").await;
    let mut flipped = model.ciphertext.clone();
    flipped[3] ^= 0x40;
    user_api_keys::ActiveModel {
        id: Set(model.id),
        ciphertext: Set(flipped),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
    let (status, _, body) = app
        .call("keys/test", &[("name", "writing_service_key")])
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "unreadable");
    let err = service::reveal(
        &app.state.db,
        &app.state.keyring,
        &me,
        "writing_service_key",
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err, KeyError::Undecryptable);

    let model = stored("email_analysis_service_key").await;
    user_api_keys::ActiveModel {
        id: Set(model.id),
        expires_at: Set(Some(chrono::Utc::now() - chrono::Duration::days(1))),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .unwrap();
    let rows = list(&app, &app.client).await;
    assert_eq!(
        row(&rows, "email_analysis_service_key")["stored"]["expired"],
        true
    );
    let (_, _, body) = app
        .call("keys/test", &[("name", "email_analysis_service_key")])
        .await;
    assert_eq!(body["outcome"], "expired");
    let err = service::reveal(
        &app.state.db,
        &app.state.keyring,
        &me,
        "email_analysis_service_key",
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err, KeyError::Expired);
    let err = service::reveal(&app.state.db, &app.state.keyring, &me, "never_stored", None)
        .await
        .unwrap_err();
    assert_eq!(err, KeyError::NotStored);
}

#[tokio::test]
async fn rotation_re_encrypts_everything_and_can_run_again() {
    let app = spawn_app().await;
    let first = app.register("rot1").await;
    let other = new_client();
    let second = app.register_with(&other, "rot2").await;
    save(&app, &app.client, "writing_service_key", SECRET).await;
    save(
        &app,
        &app.client,
        "meeting_insights_service_key",
        "sk-meeting-key-0001",
    )
    .await;
    save(&app, &other, "writing_service_key", "sk-other-person-0002").await;

    let old = digame::web::state::keyring(&app.state.settings);
    let new_key = MasterKey::generate();
    let rotating = Keyring::new(new_key.clone(), Some(app.state.settings.master_key.clone()));
    // Before rotating, the new key alone cannot read anything.
    let new_only = Keyring::new(new_key.clone(), None);
    let p1 = person(&app, &first).await;
    assert!(
        service::reveal(&app.state.db, &new_only, &p1, "writing_service_key", None)
            .await
            .is_err()
    );

    let report = service::rotate(&app.state.db, &rotating).await.unwrap();
    assert_eq!(
        (
            report.users,
            report.reencrypted,
            report.unreadable,
            report.changed_meanwhile
        ),
        (2, 3, 0, 0)
    );
    let versions: Vec<i32> = user_api_keys::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.key_version)
        .collect();
    assert!(
        versions.iter().all(|v| *v == new_only.current_version()),
        "{versions:?}"
    );

    let p2 = person(&app, &second).await;
    assert_eq!(
        service::reveal(&app.state.db, &new_only, &p1, "writing_service_key", None)
            .await
            .unwrap()
            .0
            .expose_secret(),
        SECRET
    );
    assert_eq!(
        service::reveal(&app.state.db, &new_only, &p2, "writing_service_key", None)
            .await
            .unwrap()
            .0
            .expose_secret(),
        "sk-other-person-0002"
    );
    assert!(
        service::reveal(&app.state.db, &old, &p1, "writing_service_key", None)
            .await
            .is_err(),
        "the old key no longer opens"
    );

    let again = service::rotate(&app.state.db, &rotating).await.unwrap();
    assert_eq!(
        (again.users, again.reencrypted, again.already_current),
        (0, 0, 3)
    );
}

#[tokio::test]
async fn deleting_a_user_or_tenant_deletes_their_keys() {
    let app = spawn_app().await;
    let email = app.register("cascade").await;
    save(&app, &app.client, "writing_service_key", SECRET).await;
    let me = person(&app, &email).await;
    let (member, member_email) = add_member(&app, me.tenant.id, "cascade-member").await;
    save(&app, &member, "writing_service_key", "sk-member-key-1234").await;
    assert_eq!(
        user_api_keys::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        2
    );

    let m = person(&app, &member_email).await;
    digame::entities::users::Entity::delete_by_id(m.user.id)
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        user_api_keys::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        1
    );
    tenants::Entity::delete_by_id(me.tenant.id)
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        user_api_keys::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        0
    );
}

/// Accounts issue, finding 12: a person's own (custom) keys are capped; the tools' keys and
/// replacing a stored key are not affected, and a refused key leaves nothing behind.
#[tokio::test]
async fn custom_keys_are_capped() {
    let app = spawn_app().await;
    app.register("manykeys").await;
    let cap = digame::features::api_keys::service::CUSTOM_KEYS_MAX;
    for i in 0..cap {
        let (status, body) = save(
            &app,
            &app.client,
            &format!("custom_{i}"),
            "sk-custom-0123456789",
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = save(&app, &app.client, "one_too_many", "sk-custom-0123456789").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["detail"]["field"], "one_too_many.name", "{body}");
    let names: Vec<String> = list(&app, &app.client)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        !names.contains(&"one_too_many".to_owned()),
        "nothing half-saved"
    );
    let (status, body) = save(&app, &app.client, "custom_0", "sk-custom-replaced-0123").await;
    assert_eq!(status, 200, "replacing stays possible: {body}");
    let (status, body) = save(&app, &app.client, "writing_service_key", SECRET).await;
    assert_eq!(status, 200, "the tools' keys are not capped: {body}");
}

/// Security issue: the custom-key cap holds under a burst of parallel saves (each save locks
/// the person's row before counting, so on PostgreSQL too no two count without the other).
#[tokio::test]
async fn the_custom_key_cap_holds_under_a_burst() {
    let app = spawn_app().await;
    app.register("burstkeys").await;
    let cap = digame::features::api_keys::service::CUSTOM_KEYS_MAX;
    let saves = (0..cap + 8).map(|i| {
        let app = &app;
        async move {
            save(
                app,
                &app.client,
                &format!("burst_{i}"),
                "sk-custom-0123456789",
            )
            .await
            .0
        }
    });
    let statuses = common::futures_join_all(saves).await;
    let stored = list(&app, &app.client)
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"].as_str().unwrap().starts_with("burst_"))
        .count();
    assert_eq!(stored, cap, "{statuses:?}");
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        cap,
        "{statuses:?}"
    );
}
