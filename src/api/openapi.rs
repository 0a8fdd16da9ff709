//! The OpenAPI 3.1 document of `/api/v1` (`GET /api/v1/openapi.json`) and a readable page of
//! it (`GET /api/v1/docs`: server-rendered HTML, no script, so it passes the CSP).
//!
//! The document is generated from the code: each handler carries a `#[utoipa::path]`
//! attribute (method, path, body, answers, whether it needs a token), its request and answer
//! types derive `utoipa::ToSchema`, and the router is built from those same declarations
//! (`utoipa_axum::routes!` in each resource's `router()`), so a route cannot be served without
//! being documented, nor documented without being served. [`finish`] adds what every
//! operation shares: the error answer in the project's shape.

use crate::error::ErrorBody;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr, Response as DocResponse};
use utoipa::{Modify, OpenApi};

const DESCRIPTION: &str = "The JSON API of Digame. Authenticate with a bearer token: an access \
token from /auth/login, or a personal access token from Settings → Security. Every error has the \
shape {status_code, code, message, detail}; every answer carries X-RateLimit-Limit/Remaining/Reset. \
Lists that can grow take ?page= (from 1) and ?per_page= (1-100, default 50) and answer \
paging: {page, per_page, has_more}.";

/// What the document says before the routes add their operations.
#[derive(OpenApi)]
#[openapi(
    info(title = "Digame API", version = "1", description = DESCRIPTION),
    servers((url = "/api/v1")),
    components(schemas(ErrorBody)),
    modifiers(&BearerScheme)
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The window headers every `/api/v1` answer carries (`api::limit`; the AI routes report
/// the caller's AI-call window instead).
const WINDOW_HEADERS: [(&str, &str); 3] = [
    (
        "x-ratelimit-limit",
        "Requests allowed in the caller's window",
    ),
    ("x-ratelimit-remaining", "Requests left in the window"),
    ("x-ratelimit-reset", "Seconds until the window resets"),
];

/// Gives every operation what all of them share: the error answer in the project's shape
/// (`default`) and the window headers on its successes.
pub fn finish(doc: &mut Document) {
    let window: Vec<(String, utoipa::openapi::header::Header)> = WINDOW_HEADERS
        .iter()
        .map(|(name, description)| {
            let integer = utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Integer)
                .build();
            let header = utoipa::openapi::header::HeaderBuilder::new()
                .schema(Some(integer))
                .description(Some(*description))
                .build();
            ((*name).to_owned(), header)
        })
        .collect();
    let error = DocResponse::builder()
        .description("An error in the project's shape")
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ErrorBody",
                ))))
                .build(),
        )
        .build();
    let error_with = |description: &str| {
        let mut answer = error.clone();
        answer.description = description.to_owned();
        RefOr::T(answer)
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("PATCH", &mut item.patch),
        ]
        .into_iter()
        .filter_map(|(m, op)| Some((m, op.as_mut()?)))
        {
            for (status, description) in error_codes(path, method, op) {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error_with(description));
            }
            for (status, answer) in op.responses.responses.iter_mut() {
                if let (true, RefOr::T(answer)) = (status.starts_with('2'), answer) {
                    for (name, header) in &window {
                        answer
                            .headers
                            .insert(name.clone(), RefOr::T(header.clone()));
                    }
                }
            }
            op.responses
                .responses
                .entry("default".into())
                .or_insert_with(|| RefOr::T(error.clone()));
        }
    }
}

/// The errors an operation can answer, from what every route goes through: the rate limit
/// and the database (all), the bearer token (401) and what it may do (403: admin routes,
/// writes, and the tools' gates), the body's parsing (400 malformed, 422 a field's rule) or
/// the query's (422), and the item in the path (404). A route's own conflicts (409) and
/// anything else stay under `default`.
fn error_codes(
    path: &str,
    method: &str,
    op: &utoipa::openapi::path::Operation,
) -> Vec<(&'static str, &'static str)> {
    use utoipa::openapi::path::ParameterIn;
    let mut codes = Vec::new();
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let params = op.parameters.as_deref().unwrap_or_default();
    if op.request_body.is_some() {
        codes.push((
            "400",
            "The body is malformed: not the documented shape or content type",
        ));
        codes.push((
            "422",
            "A field breaks its rule; `detail.field` names it and `message` says why",
        ));
    } else if params
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query)))
    {
        codes.push((
            "422",
            "A query value breaks its rule; `message` says which and why",
        ));
    }
    if secured {
        codes.push((
            "401",
            "No bearer token, or one that is not valid (expired, revoked, made up)",
        ));
        if path.starts_with("/admin") || path.starts_with("/ai/") || method != "GET" {
            codes.push((
                "403",
                "The token's scope or the person's role does not allow it, or the person must first confirm their address or set up two-factor sign-in",
            ));
        }
    }
    if path.contains('{') {
        codes.push(("404", "Nothing of the caller's has that id or name"));
    }
    codes.push((
        "429",
        "Too many requests in this minute; `Retry-After` says when to try again",
    ));
    codes.push(("503", "The database did not answer; try again shortly"));
    codes
}

/// The whole document as JSON, made once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(super::document()).unwrap_or_default();
        // Checked by its test on every build; a stale rule is logged, never fatal.
        if let Err(e) = super::rules::apply(&mut doc) {
            tracing::error!(error = %e, "a request rule has no field in the OpenAPI document");
        }
        doc
    })
}

pub async fn openapi_json() -> axum::Json<Value> {
    axum::Json(document().clone())
}

/// The name of a `$ref`erenced schema, or the type of an inline one.
fn schema_name(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    if let Some(choices) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        return choices
            .iter()
            .map(schema_name)
            .collect::<Vec<_>>()
            .join(" or ");
    }
    // `null` among others: the field is optional, shown with `?` by the caller.
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => Vec::new(),
    };
    if types.is_empty() {
        return "any".into();
    }
    types
        .iter()
        .map(|t| match (*t, schema["prefixItems"].as_array()) {
            // A tuple: its members in order.
            ("array", Some(members)) => format!(
                "({})",
                members
                    .iter()
                    .map(schema_name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ("array", None) => format!("[{}]", schema_name(&schema["items"])),
            (t, _) => t.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A request body's fields, from the referenced schema (`name: type`, `?` when optional).
fn body_fields(doc: &Value, body: &Value) -> String {
    let Some((_, media)) = body["content"].as_object().and_then(|c| c.iter().next()) else {
        return String::new();
    };
    let mut schema = &media["schema"];
    if let Some(r) = schema["$ref"].as_str() {
        schema = &doc["components"]["schemas"][r.rsplit('/').next().unwrap_or(r)];
    }
    let Some(properties) = schema["properties"].as_object() else {
        return schema_name(schema);
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    properties
        .iter()
        .map(|(name, s)| {
            let optional = if required.contains(&name.as_str()) {
                ""
            } else {
                "?"
            };
            format!("{name}: {}{optional}", schema_name(s))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The success answer: status and what it carries.
fn success(op: &Value) -> String {
    let Some(responses) = op["responses"].as_object() else {
        return String::new();
    };
    responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .map(|(status, r)| {
            match r["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .map(|m| schema_name(&m["schema"]))
            {
                Some(name) => format!("{status} {name}"),
                None => format!("{status} (no body)"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every operation of the document: (tag, METHOD, path, operation).
pub fn operations(doc: &Value) -> Vec<(String, String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let tag = op["tags"][0].as_str().unwrap_or("other").to_owned();
            ops.push((tag, method.to_uppercase(), path.clone(), op));
        }
    }
    ops.sort_by(|a, b| (&a.0, &a.2, &a.1).cmp(&(&b.0, &b.2, &b.1)));
    ops
}

/// `GET /api/v1/docs`: the reference moved into the app's frame, at `/developers/api`.
pub async fn docs_page() -> Response {
    axum::response::Redirect::permanent("/developers/api").into_response()
}

/// The operations, grouped by tag, one table each: the body of `/developers/api` (rendered
/// with `view!` on the server, like every page; no client code).
pub fn reference() -> impl leptos::prelude::IntoView {
    use leptos::prelude::*;
    // `self::`: the prelude has a `document()` of its own (the browser's).
    let doc = self::document();
    let ops = operations(doc);
    let mut tags: Vec<String> = ops.iter().map(|o| o.0.clone()).collect();
    tags.dedup();
    tags.into_iter()
        .map(|tag| {
            let rows = ops
                .iter()
                .filter(|o| o.0 == tag)
                .map(|(_, method, path, op)| {
                    let open = if op["security"].is_null() {
                        " (no token)"
                    } else {
                        ""
                    };
                    let what = format!("{}{open}", op["summary"].as_str().unwrap_or_default());
                    view! {
                        <tr>
                            <td><code class="api-op">{format!("{method} {path}")}</code></td>
                            <td data-label="What">{what}</td>
                            <td data-label="Body">{body_fields(doc, &op["requestBody"])}</td>
                            <td data-label="Answer">{success(op)}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <section class="card">
                    <h2>{tag}</h2>
                    <div class="table-wrap">
                        <table class="table table-stack">
                            <thead><tr>
                                <th scope="col">"Operation"</th>
                                <th scope="col">"What it does"</th>
                                <th scope="col">"Body"</th>
                                <th scope="col">"Answer"</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                </section>
            }
        })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_operation_has_a_summary_a_success_schema_and_the_error_shape() {
        let doc = document();
        let ops = operations(doc);
        assert!(ops.len() >= 30, "{} operations", ops.len());
        for (_, method, path, op) in &ops {
            assert!(
                !op["summary"].as_str().unwrap_or_default().is_empty(),
                "{method} {path} has a summary"
            );
            assert_eq!(
                op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path} documents the error shape"
            );
            for (status, r) in op["responses"].as_object().unwrap() {
                if status.starts_with('2') {
                    assert!(
                        r["headers"]["x-ratelimit-remaining"].is_object(),
                        "{method} {path} {status} documents the window headers"
                    );
                }
            }
            let answers = success(op);
            assert!(
                answers.starts_with('2'),
                "{method} {path} documents its success: {answers}"
            );
            if !answers.contains("no body") && !answers.starts_with("204") {
                // Every referenced schema exists in the document.
                for (_, r) in op["responses"].as_object().unwrap() {
                    if let Some(name) = r["content"]["application/json"]["schema"]["$ref"].as_str()
                    {
                        let name = name.rsplit('/').next().unwrap();
                        assert!(
                            doc["components"]["schemas"][name].is_object(),
                            "{method} {path}: schema {name} is in the document"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_docs_page_names_optional_lists_and_tuples_by_their_items() {
        let schema = |v: Value| schema_name(&v);
        assert_eq!(
            schema(json!({"type": ["array", "null"], "items": {"type": "string"}})),
            "[string]"
        );
        assert_eq!(
            schema(json!({"type": "array", "items": false,
                "prefixItems": [{"$ref": "#/components/schemas/ToolId"}, {"type": "integer"}]})),
            "(ToolId, integer)"
        );
        assert_eq!(schema(json!({"type": ["integer", "null"]})), "integer");
        assert_eq!(schema(json!({})), "any");
    }

    #[test]
    fn every_operation_lists_the_errors_it_can_answer() {
        for (_, method, path, op) in operations(document()) {
            let has = |code: &str| op["responses"][code]["content"].is_object();
            assert!(has("429") && has("503"), "{method} {path}");
            if !op["security"].is_null() {
                assert!(has("401"), "{method} {path} lists 401");
            }
            if op["requestBody"].is_object() {
                assert!(
                    has("400") && has("422"),
                    "{method} {path} lists 400 and 422"
                );
            }
            if path.contains('{') {
                assert!(has("404"), "{method} {path} lists 404");
            }
            if path.starts_with("/admin") {
                assert!(has("403"), "{method} {path} lists 403");
            }
        }
    }

    /// What client generators refuse or mishandle: tuples (`prefixItems`, `items: false`),
    /// boolean schemas, and a body declared under two media types.
    #[test]
    fn the_document_has_no_shapes_client_generators_stumble_on() {
        fn walk(at: &str, v: &Value, found: &mut Vec<String>) {
            match v {
                Value::Object(map) => {
                    for (k, child) in map {
                        let here = format!("{at}/{k}");
                        if k == "prefixItems" || (k == "items" && child.is_boolean()) {
                            found.push(here.clone());
                        }
                        if k == "requestBody"
                            && child["content"].as_object().is_some_and(|c| c.len() > 1)
                        {
                            found.push(format!("{here}: more than one media type"));
                        }
                        walk(&here, child, found);
                    }
                }
                Value::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        walk(&format!("{at}/{i}"), child, found);
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        walk("", document(), &mut found);
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn path_parameters_bodies_and_security_are_described() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let task = &doc["paths"]["/tasks/{id}"]["put"];
        assert_eq!(task["parameters"][0]["name"], "id");
        assert_eq!(task["parameters"][0]["in"], "path");
        let body = body_fields(doc, &task["requestBody"]);
        let fields: Vec<&str> = body.split(", ").collect();
        assert!(fields.contains(&"title: string"), "{body}");
        assert!(
            fields
                .iter()
                .any(|f| f.starts_with("due_on: ") && f.ends_with('?')),
            "{body}"
        );
        assert!(doc["paths"]["/auth/login"]["post"]["security"].is_null());
        assert_eq!(
            doc["paths"]["/auth/me"]["get"]["security"],
            json!([{"bearer": []}])
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        // One schema per body (what client generators read): JSON, with the form the login
        // also takes (the OAuth2 password form) said in words.
        let login = &doc["paths"]["/auth/login"]["post"]["requestBody"];
        assert!(login["content"]["application/json"].is_object());
        assert_eq!(login["content"].as_object().unwrap().len(), 1);
        assert!(login["description"]
            .as_str()
            .unwrap()
            .contains("x-www-form-urlencoded"));
    }
}
