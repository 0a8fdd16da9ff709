//! The rules the request parsers enforce, written into the OpenAPI document's schemas
//! (`maxLength`, `minLength`, `format`, `enum`) from the very constants the parsers use, so
//! the document and the validation cannot drift apart. A rule here is a necessary condition
//! the parser checks; some parsers check more (a password's words, a domain's labels), and
//! say so in their 422 answer.

use crate::domain::account::{
    COMPANY_MAX_CHARS, COMPANY_MIN_CHARS, EMAIL_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS,
};
use crate::domain::{ProviderKind, Role, TaskStatus};
use serde_json::{json, Value};

/// One field's rules: the schema, the field, and what to merge into the field's schema.
struct Rule {
    schema: &'static str,
    field: &'static str,
    rule: Value,
}

/// One of `values`, as the named schema `name` (client generators make one type of it).
fn choice(name: &str, values: Value) -> Value {
    json!({ CHOICE: { "name": name, "enum": values } })
}

/// The key a [`choice`] travels under until `apply` makes it a reference.
const CHOICE: &str = "x-digame-choice";

fn length(min: usize, max: usize) -> Value {
    json!({ "minLength": min, "maxLength": max })
}

fn rules() -> Vec<Rule> {
    use crate::features::{language, meetings, tasks, tokens, tools, writing};
    let email = || json!({ "format": "email", "minLength": 3, "maxLength": EMAIL_MAX_CHARS });
    let password = || length(PASSWORD_MIN_CHARS, PASSWORD_MAX_CHARS);
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let statuses: Vec<&str> = TaskStatus::ALL.iter().map(|s| s.as_str()).collect();
    let scopes: Vec<&str> = tokens::scope::Scope::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let providers: Vec<&str> = ProviderKind::ALL.iter().map(|k| k.as_str()).collect();
    let rule = |schema, field, rule| Rule {
        schema,
        field,
        rule,
    };
    vec![
        rule("RegisterBody", "email", email()),
        rule("RegisterBody", "password", password()),
        rule(
            "RegisterBody",
            "company_name",
            length(COMPANY_MIN_CHARS, COMPANY_MAX_CHARS),
        ),
        rule("LoginBody", "username", email()),
        rule(
            "LoginBody",
            "password",
            json!({ "minLength": 1, "maxLength": PASSWORD_MAX_CHARS }),
        ),
        rule("ResetRequestBody", "email", email()),
        rule("ResetConfirmBody", "new_password", password()),
        rule("PasswordChangeBody", "new_password", password()),
        rule("InviteBody", "email", email()),
        rule("InviteBody", "role", choice("Role", json!(roles))),
        rule("RoleBody", "role", choice("Role", json!(roles))),
        rule("TaskBody", "title", length(1, tasks::service::TITLE_MAX)),
        rule(
            "TaskBody",
            "description",
            json!({ "maxLength": tasks::service::DESCRIPTION_MAX }),
        ),
        rule("TaskBody", "due_on", json!({ "format": "date" })),
        rule("TaskBody", "status", choice("TaskStatus", json!(statuses))),
        rule(
            "NewTokenBody",
            "name",
            length(1, tokens::personal::NAME_MAX),
        ),
        rule(
            "NewTokenBody",
            "expires_in_days",
            choice("TokenLifetime", json!(tokens::personal::LIFETIMES_DAYS)),
        ),
        rule("NewTokenBody", "scope", choice("TokenScope", json!(scopes))),
        // The writing and style tools take the same body and the same limit.
        rule("TextBody", "text", length(1, writing::TEXT_MAX_CHARS)),
        rule("NotesBody", "notes", length(1, meetings::NOTES_MAX_CHARS)),
        rule(
            "TranslateBody",
            "text",
            length(1, language::SNIPPET_MAX_CHARS),
        ),
        rule("DefineBody", "word", length(1, language::WORD_MAX_CHARS)),
        rule(
            "KeepBody",
            "title",
            length(1, tools::saved::TITLE_MAX_CHARS),
        ),
        rule("EndpointBody", "base_url", json!({ "format": "uri" })),
        rule(
            "EndpointBody",
            "provider",
            choice("ProviderKind", json!(providers)),
        ),
    ]
}

/// Merges every rule into `doc`; a rule whose schema or field is not in the document is
/// named in the error (a renamed field must not leave its rule behind silently).
pub fn apply(doc: &mut Value) -> Result<(), String> {
    page_bounds(doc)?;
    for Rule {
        schema,
        field,
        rule,
    } in rules()
    {
        let target = doc
            .pointer_mut(&format!("/components/schemas/{schema}/properties/{field}"))
            .and_then(Value::as_object_mut)
            .ok_or_else(|| format!("{schema}.{field} is not in the document"))?;
        let nullable = target
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|types| types.iter().any(|t| t == "null"));
        if let Some(choice) = rule.get(CHOICE) {
            let name = choice["name"].as_str().unwrap_or_default();
            let values = &choice["enum"];
            let description = target.get("description").cloned();
            let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
            let mut field = if nullable {
                json!({ "oneOf": [reference, { "type": "null" }] })
            } else {
                reference
            };
            if let (Some(d), Some(f)) = (description, field.as_object_mut()) {
                f.insert("description".into(), d);
            }
            *target = field.as_object().cloned().unwrap_or_default();
            let kind = if values[0].is_number() {
                "integer"
            } else {
                "string"
            };
            let schemas = doc
                .pointer_mut("/components/schemas")
                .and_then(Value::as_object_mut)
                .ok_or("the document has no schemas")?;
            match schemas.get(name) {
                Some(known) if &known["enum"] != values => {
                    return Err(format!(
                        "{schema}.{field}: the schema {name} has other choices"
                    ));
                }
                Some(_) => {}
                None => {
                    schemas.insert(name.to_owned(), json!({ "type": kind, "enum": values }));
                }
            }
            continue;
        }
        for (k, v) in rule.as_object().into_iter().flatten() {
            target.insert(k.clone(), v.clone());
        }
    }
    Ok(())
}

/// The bounds of every list's `page` and `per_page` (`api::extract::PageQuery`), from the
/// paging constants; an error if no operation has them (the query was renamed).
fn page_bounds(doc: &mut Value) -> Result<(), String> {
    use crate::domain::paging::{DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE};
    let mut found = 0;
    let paths = doc
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .ok_or("the document has no paths")?;
    for param in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("parameters")?.as_array_mut())
        .flatten()
    {
        let bounds = match param["name"].as_str() {
            Some("page") => json!({ "minimum": 1, "maximum": MAX_PAGE, "default": 1 }),
            Some("per_page") => {
                json!({ "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE })
            }
            _ => continue,
        };
        let schema = param
            .get_mut("schema")
            .and_then(Value::as_object_mut)
            .ok_or("a paging parameter has no schema")?;
        for (k, v) in bounds.as_object().into_iter().flatten() {
            schema.insert(k.clone(), v.clone());
        }
        found += 1;
    }
    if found == 0 {
        return Err("no operation has a page or per_page parameter".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_lands_on_a_field_of_the_document() {
        let mut doc = serde_json::to_value(crate::api::document()).unwrap();
        apply(&mut doc).unwrap();
        let title = &doc["components"]["schemas"]["TaskBody"]["properties"]["title"];
        assert_eq!(
            title["maxLength"],
            crate::features::tasks::service::TITLE_MAX
        );
        let schemas = &doc["components"]["schemas"];
        let days = &schemas["NewTokenBody"]["properties"]["expires_in_days"];
        assert_eq!(days["$ref"], "#/components/schemas/TokenLifetime");
        assert_eq!(schemas["TokenLifetime"]["enum"], json!([7, 30, 90, 365]));
        // Optional: null stays a choice; the choices are the named schema the answers use.
        let status = &schemas["TaskBody"]["properties"]["status"];
        assert_eq!(
            status["oneOf"][0]["$ref"],
            "#/components/schemas/TaskStatus"
        );
        assert_eq!(status["oneOf"][1]["type"], "null");
    }

    #[test]
    fn every_list_pages_the_same_way_within_the_paging_constants() {
        use crate::domain::paging::MAX_PER_PAGE;
        let mut doc = serde_json::to_value(crate::api::document()).unwrap();
        apply(&mut doc).unwrap();
        for path in [
            "/tasks",
            "/account/tokens",
            "/saved-results",
            "/admin/members",
            "/admin/tokens",
            "/admin/audit",
        ] {
            let op = &doc["paths"][path]["get"];
            let params = op["parameters"].as_array().unwrap();
            let per_page = params.iter().find(|p| p["name"] == "per_page");
            assert_eq!(
                per_page.map(|p| &p["schema"]["maximum"]),
                Some(&json!(MAX_PER_PAGE)),
                "{path}"
            );
            assert!(params.iter().any(|p| p["name"] == "page"), "{path}");
            let answer = &op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"];
            let name = answer.as_str().unwrap().rsplit('/').next().unwrap();
            assert_eq!(
                doc["components"]["schemas"][name]["properties"]["paging"]["$ref"],
                "#/components/schemas/Paging",
                "{path}"
            );
        }
    }
}
