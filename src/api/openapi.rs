//! The OpenAPI 3.1 document of `/api/v1` (`GET /api/v1/openapi.json`) and a readable page of
//! it (`GET /api/v1/docs`: server-rendered HTML, no script, so it passes the CSP).
//!
//! The document is built here from one table of operations ([`OPERATIONS`]), written by hand
//! beside the routers; `tests/api_docs.rs` checks that every operation in it is routed (no
//! 404 or 405 from the router). A route added without a line here is not caught by that
//! test: add both together.

use axum::response::{Html, IntoResponse, Json, Response};
use serde_json::{json, Value};

/// One operation: method, path, tag, summary, request body fields (name, type, required),
/// the success status and what it returns.
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub body: &'static [(&'static str, &'static str, bool)],
    pub ok: u16,
    pub returns: &'static str,
    /// Whether it needs a bearer token (or the browser's session).
    pub auth: bool,
}

#[allow(clippy::too_many_arguments)] // one table row per call, read as a row
const fn op(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    body: &'static [(&'static str, &'static str, bool)],
    ok: u16,
    returns: &'static str,
    auth: bool,
) -> Operation {
    Operation {
        method,
        path,
        tag,
        summary,
        body,
        ok,
        returns,
        auth,
    }
}

const TEXT: &[(&str, &str, bool)] = &[("text", "string", true)];
const TASK: &[(&str, &str, bool)] = &[
    ("title", "string", true),
    ("description", "string", false),
    ("due_on", "string", false),
    ("status", "string", false),
];

pub const OPERATIONS: &[Operation] = &[
    op("get", "/health", "meta", "Service health", &[], 200, "{status}", false),
    op("get", "/auth/health", "auth", "Authentication service health", &[], 200, "{status, service}", false),
    op("post", "/auth/register", "auth", "Create an account (a company of one's own, or join one with invite_token)", &[("email", "string", true), ("password", "string", true), ("username", "string", false), ("first_name", "string", false), ("last_name", "string", false), ("company_name", "string", false), ("invite_token", "string", false)], 201, "{user, tokens}", false),
    op("post", "/auth/login", "auth", "Sign in (form username/password, or JSON); with two-factor sign-in on, `code` is the authenticator app's code or a recovery code; throttled", &[("username", "string", true), ("password", "string", true), ("code", "string", false)], 200, "{user, tokens}", false),
    op("post", "/auth/refresh", "auth", "Exchange a refresh token for the next pair", &[("refresh_token", "string", true)], 200, "{access_token, refresh_token, token_type, expires_in}", false),
    op("post", "/auth/logout", "auth", "End the tokens of one sign-in", &[("refresh_token", "string", true)], 204, "nothing", true),
    op("get", "/auth/me", "auth", "The caller", &[], 200, "{id, email, full_name, tenant, role, is_active, onboarding_completed, email_verified, created_at, updated_at}", true),
    op("get", "/auth/verify-token", "auth", "Check a token", &[], 200, "{valid, user_id, email}", true),
    op("post", "/auth/password-change", "auth", "Change the password; every other session and token ends", &[("current_password", "string", true), ("new_password", "string", true)], 200, "{message}", true),
    op("post", "/auth/password-reset/request", "auth", "Mail a reset link (the same answer for any address)", &[("email", "string", true)], 202, "{message}", false),
    op("post", "/auth/password-reset/confirm", "auth", "Set a new password with the mailed token", &[("token", "string", true), ("new_password", "string", true)], 200, "{message}", false),
    op("post", "/auth/verify-email", "auth", "Confirm the address with the token from the verification mail", &[("token", "string", true)], 200, "{message}", false),
    op("post", "/auth/verify-email/resend", "auth", "Mail a new verification link (three an hour)", &[], 202, "{message}", true),
    op("get", "/auth/me/onboarding", "onboarding", "The onboarding document", &[], 200, "{user_id, current_step_id, completed_steps, user_preferences, goals, feature_exploration, is_completed}", true),
    op("post", "/auth/me/onboarding", "onboarding", "Update the onboarding document (fields given are replaced or merged)", &[("current_step_id", "string", false), ("completed_steps", "array", false), ("user_preferences", "object", false), ("goals", "object", false), ("feature_exploration", "object", false), ("is_completed", "boolean", false)], 200, "the document", true),
    op("get", "/settings/api-keys", "keys", "The caller's stored keys, masked", &[], 200, "{id, user_id, api_keys, created_at, updated_at}", true),
    op("post", "/settings/api-keys", "keys", "Replace the whole set of keys (null deletes every key)", &[("api_keys", "object", false)], 200, "the set, masked", true),
    op("delete", "/settings/api-keys/{key_name}", "keys", "Delete one key", &[], 200, "{message}", true),
    op("get", "/tasks", "tasks", "The caller's tasks (query: status, sort)", &[], 200, "{tasks, ...}", true),
    op("post", "/tasks", "tasks", "Create a task", TASK, 201, "the task", true),
    op("get", "/tasks/{id}", "tasks", "One task", &[], 200, "the task", true),
    op("put", "/tasks/{id}", "tasks", "Replace a task", TASK, 200, "the task", true),
    op("delete", "/tasks/{id}", "tasks", "Delete a task", &[], 204, "nothing", true),
    op("post", "/ai/tasks/prioritization/prioritize", "tasks", "Order open tasks by explainable heuristics", &[("save_suggestions", "boolean", false)], 200, "{ranked, ...}", true),
    op("post", "/ai/writing-assistance/suggest", "ai", "Writing suggestions anchored to spans", TEXT, 200, "{suggestions, ...}", true),
    op("post", "/ai/communication-style/analyze", "ai", "Communication style, tone and readability", TEXT, 200, "{categories, tone, readability, ...}", true),
    op("post", "/ai/meeting-insights/analyze", "ai", "Summary, key points, decisions, action items", &[("notes", "string", false), ("transcript", "string", false)], 200, "{summary, key_points, decisions, action_items}", true),
    op("post", "/ai/language/translate", "ai", "Translate a snippet", &[("text", "string", true), ("target_language", "string", true), ("source_language", "string", false)], 200, "{translation, source, detected}", true),
    op("post", "/ai/language/define", "ai", "Define a word", &[("word", "string", true), ("language", "string", false)], 200, "{word, part_of_speech, senses}", true),
    op("post", "/ai/email-analysis/analyze", "ai", "Patterns in a list of messages' metadata", &[("emails", "array", true)], 200, "the analysis", true),
];

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["status_code", "code", "message"],
        "properties": {
            "status_code": {"type": "integer"},
            "code": {"type": "string"},
            "message": {"type": "string"},
            "detail": {"type": ["object", "null"]}
        }
    })
}

fn operation(o: &Operation) -> Value {
    let mut v = json!({
        "tags": [o.tag],
        "summary": o.summary,
        "responses": {
            o.ok.to_string(): {"description": o.returns},
            "default": {
                "description": "An error in the project's shape",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            }
        }
    });
    if o.auth {
        v["security"] = json!([{"bearer": []}]);
    }
    if !o.body.is_empty() {
        let properties: serde_json::Map<String, Value> = o
            .body
            .iter()
            .map(|(name, kind, _)| ((*name).to_owned(), json!({"type": kind})))
            .collect();
        let required: Vec<&str> = o
            .body
            .iter()
            .filter(|(_, _, req)| *req)
            .map(|(n, _, _)| *n)
            .collect();
        v["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {"schema": {
                "type": "object", "properties": properties, "required": required
            }}}
        });
    }
    let params: Vec<Value> = o
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if !params.is_empty() {
        v["parameters"] = Value::Array(params);
    }
    v
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for o in OPERATIONS {
        let entry = paths.entry(o.path).or_insert_with(|| json!({}));
        entry[o.method] = operation(o);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Digame API",
            "version": "1",
            "description": "The JSON API of Digame. Authenticate with a bearer token: an access token from /auth/login, or a personal access token from Settings → Security. Every error has the shape {status_code, code, message, detail}; every answer carries X-RateLimit-Limit/Remaining/Reset."
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": error_schema()}
        }
    })
}

pub async fn openapi_json() -> Json<Value> {
    Json(document())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `GET /api/v1/docs`: the operations as a page, grouped by tag.
pub async fn docs_page() -> Response {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Digame API</title></head><body><main><h1>Digame API</h1>\
         <p>Base address <code>/api/v1</code>. Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>: an access token \
         from <code>POST /auth/login</code>, or a personal access token made on Settings → Security. Errors have the shape \
         <code>{status_code, code, message, detail}</code>. The machine-readable document: <a href=\"/api/v1/openapi.json\">openapi.json</a>.</p>",
    );
    let mut tags: Vec<&str> = OPERATIONS.iter().map(|o| o.tag).collect();
    tags.dedup();
    for tag in tags {
        html.push_str(&format!("<h2>{}</h2><table><thead><tr><th scope=\"col\">Operation</th><th scope=\"col\">What it does</th><th scope=\"col\">Body</th><th scope=\"col\">Answer</th></tr></thead><tbody>", escape(tag)));
        for o in OPERATIONS.iter().filter(|o| o.tag == tag) {
            let body = o
                .body
                .iter()
                .map(|(n, k, r)| format!("{n}: {k}{}", if *r { "" } else { "?" }))
                .collect::<Vec<_>>()
                .join(", ");
            html.push_str(&format!(
                "<tr><td><code>{} {}</code></td><td>{}{}</td><td>{}</td><td>{} {}</td></tr>",
                o.method.to_uppercase(),
                escape(o.path),
                escape(o.summary),
                if o.auth { "" } else { " (no token)" },
                escape(&body),
                o.ok,
                escape(o.returns),
            ));
        }
        html.push_str("</tbody></table>");
    }
    html.push_str("</main></body></html>");
    Html(html).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_each_operation_once_with_its_parameters() {
        let doc = document();
        let count: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum();
        assert_eq!(count, OPERATIONS.len());
        let task = &doc["paths"]["/tasks/{id}"]["put"];
        assert_eq!(task["parameters"][0]["name"], "id");
        assert_eq!(
            task["requestBody"]["content"]["application/json"]["schema"]["required"],
            json!(["title"])
        );
        assert!(doc["paths"]["/auth/login"]["post"]["security"].is_null());
    }
}
