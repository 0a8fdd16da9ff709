//! The API's own description: `/api/v1/openapi.json` lists every operation, each of them is
//! routed, and `/api/v1/docs` shows them to people.

mod common;

use common::spawn_app;
use digame::api::openapi::OPERATIONS;
use serde_json::Value;

#[tokio::test]
async fn every_documented_operation_is_routed_and_the_docs_page_lists_it() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for op in OPERATIONS {
        assert!(
            doc["paths"][op.path][op.method].is_object(),
            "{} {} in the document",
            op.method,
            op.path
        );
        let path = op
            .path
            .replace("{id}", "1")
            .replace("{key_name}", "writing_service_key");
        let method = reqwest::Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap();
        let res = common::new_client()
            .request(method, app.url(&format!("/api/v1{path}")))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_ne!(status, 405, "{} {} is routed: {body}", op.method, op.path);
        assert!(
            !body.contains("There is no endpoint"),
            "{} {} is routed: {body}",
            op.method,
            op.path
        );
        assert_ne!(status, 500, "{} {}: {body}", op.method, op.path);
    }
    let html = app.get("/api/v1/docs").await.text().await.unwrap();
    for op in OPERATIONS {
        assert!(html.contains(&format!("{} {}", op.method.to_uppercase(), op.path)));
    }
}
