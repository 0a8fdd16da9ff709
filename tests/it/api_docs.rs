//! The API's own description: `/api/v1/openapi.json` lists every operation, each of them is
//! routed, and `/api/v1/docs` shows them to people.

use crate::common;

use common::spawn_app;
use digame::api::openapi::{document, operations};
use serde_json::Value;

#[tokio::test]
async fn every_documented_operation_is_routed_and_the_docs_page_lists_it() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(&doc, document(), "the served document is the code's");
    let ops = operations(&doc);
    let listed: Vec<String> = ops.iter().map(|(_, m, p, _)| format!("{m} {p}")).collect();
    assert!(ops.len() >= 30, "{} operations: {listed:?}", ops.len());
    for (_, method, path, _) in &ops {
        let path = path
            .replace("{id}", "1")
            .replace("{key_name}", "writing_service_key");
        let verb = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let res = common::new_client()
            .request(verb, app.url(&format!("/api/v1{path}")))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_ne!(status, 405, "{method} {path} is routed: {body}");
        assert!(
            !body.contains("There is no endpoint"),
            "{method} {path} is routed: {body}"
        );
        assert_ne!(status, 500, "{method} {path}: {body}");
    }
    let moved = app.get("/api/v1/docs").await;
    assert_eq!(moved.status().as_u16(), 308);
    assert_eq!(
        common::header(moved.headers(), "location"),
        "/developers/api"
    );
    let html = app.get("/developers/api").await.text().await.unwrap();
    assert!(
        html.contains("<header class=\"topbar\""),
        "the reference is in the app's frame"
    );
    for (_, method, path, _) in &ops {
        assert!(
            html.contains(&format!("{method} {path}")),
            "{method} {path} on the page"
        );
    }
}
