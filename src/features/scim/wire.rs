//! What SCIM answers look like: the error shape (RFC 7644 §3.12), list answers (§3.4.2),
//! and the discovery documents (§4) — a ServiceProviderConfig, the two resource types, and
//! the RFC's User and Group schemas cut down to the attributes Digame keeps.

use crate::error::AppError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scim_v2::models::errors::{ScimHttpError, ScimType};
use scim_v2::schema_urns;
use serde_json::{json, Value};

pub const CONTENT_TYPE: &str = "application/scim+json";

/// The most resources one list answer holds (a larger `count` is cut to it).
pub const MAX_RESULTS: u64 = 200;

/// The User attributes Digame keeps and returns (besides `id`, `externalId` and `meta`).
pub const USER_ATTRIBUTES: [&str; 6] = [
    "userName",
    "name",
    "displayName",
    "active",
    "emails",
    "groups",
];

/// A refusal, answered in SCIM's error shape.
#[derive(Debug)]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<ScimType>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: StatusCode, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    pub fn bad(scim_type: ScimType, detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        ScimError::new(
            StatusCode::NOT_FOUND,
            None,
            format!("There is no {what} with id {id:?} in this company."),
        )
    }

    pub fn uniqueness(detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::CONFLICT, Some(ScimType::Uniqueness), detail)
    }

    pub fn unauthorized() -> Self {
        ScimError::new(
            StatusCode::UNAUTHORIZED,
            None,
            "Send the company's provisioning token (Admin → Provisioning) as `Authorization: Bearer <token>`.",
        )
    }
}

impl From<AppError> for ScimError {
    fn from(e: AppError) -> Self {
        let detail = e.message().to_owned();
        match e {
            AppError::NotFound(_) => ScimError::new(StatusCode::NOT_FOUND, None, detail),
            AppError::Validation { .. } => ScimError::bad(ScimType::InvalidValue, detail),
            AppError::BadRequest(_) => ScimError::bad(ScimType::InvalidSyntax, detail),
            AppError::Conflict { .. } => {
                ScimError::new(StatusCode::CONFLICT, Some(ScimType::Mutability), detail)
            }
            AppError::SubscriptionLimit(_) | AppError::Forbidden(_) => {
                ScimError::new(StatusCode::FORBIDDEN, None, detail)
            }
            AppError::Unauthorized(_) => ScimError::unauthorized(),
            AppError::RateLimited { .. } => {
                ScimError::new(StatusCode::TOO_MANY_REQUESTS, None, detail)
            }
            AppError::PayloadTooLarge(_) => ScimError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                Some(ScimType::TooMany),
                detail,
            ),
            AppError::Unavailable => ScimError::new(StatusCode::SERVICE_UNAVAILABLE, None, detail),
            _ => ScimError::new(StatusCode::INTERNAL_SERVER_ERROR, None, detail),
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let body = ScimHttpError {
            scim_type: self.scim_type,
            detail: Some(self.detail),
            status: self.status.as_u16().to_string(),
            ..Default::default()
        };
        let body = serde_json::to_value(body).unwrap_or(Value::Null);
        let mut res = answer(self.status, &body);
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

pub type ScimResult = Result<Response, ScimError>;

/// A JSON answer in SCIM's media type.
pub fn answer(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    res
}

/// A resource just made: 201 with its `Location`.
pub fn created(body: &Value) -> Response {
    let mut res = answer(StatusCode::CREATED, body);
    if let Some(location) = body["meta"]["location"]
        .as_str()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        res.headers_mut().insert(header::LOCATION, location);
    }
    res
}

/// One page of a list (`start` is 1-based, as sent).
pub fn list(total: u64, start: u64, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [schema_urns::LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// `startIndex` and `count` of a list request, as (offset, limit): `startIndex` below 1
/// counts as 1, `count` is cut to [`MAX_RESULTS`] (RFC 7644 §3.4.2.4).
pub fn page(start_index: Option<i64>, count: Option<i64>) -> (u64, u64) {
    let start = start_index.unwrap_or(1).max(1);
    let count = count.map_or(MAX_RESULTS, |c| c.clamp(0, MAX_RESULTS as i64) as u64);
    (start as u64 - 1, count)
}

/// Keeps what `attributes` asks for, or drops what `excludedAttributes` names (RFC 7644
/// §3.9), at the top level and one level down (`name.givenName`); `id` and `schemas` always
/// stay. Names match without regard to case.
pub fn select(mut resource: Value, attributes: Option<&str>, excluded: Option<&str>) -> Value {
    let names = |raw: Option<&str>| -> Vec<(String, Option<String>)> {
        raw.unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                // A full URN prefix (`urn:…:User:userName`) names the same attribute.
                let s = if s.starts_with("urn:") {
                    s.rsplit(':').next().unwrap_or(s)
                } else {
                    s
                };
                match s.split_once('.') {
                    Some((a, b)) => (a.to_lowercase(), Some(b.to_lowercase())),
                    None => (s.to_lowercase(), None),
                }
            })
            .collect()
    };
    let Some(object) = resource.as_object_mut() else {
        return resource;
    };
    let wanted = names(attributes);
    let dropped = names(excluded);
    let always = ["id", "schemas"];
    if !wanted.is_empty() {
        object.retain(|key, value| {
            let k = key.to_lowercase();
            if always.contains(&key.as_str()) {
                return true;
            }
            let subs: Vec<&str> = wanted
                .iter()
                .filter(|(a, _)| *a == k)
                .map(|(_, b)| b.as_deref().unwrap_or(""))
                .collect();
            if subs.is_empty() {
                return false;
            }
            if !subs.contains(&"") {
                if let Some(inner) = value.as_object_mut() {
                    inner.retain(|sub, _| subs.contains(&sub.to_lowercase().as_str()));
                }
            }
            true
        });
    }
    for (attr, sub) in dropped {
        if always.contains(&attr.as_str()) {
            continue;
        }
        let key = object.keys().find(|k| k.to_lowercase() == attr).cloned();
        let Some(key) = key else { continue };
        match sub {
            None => {
                object.remove(&key);
            }
            Some(sub) => {
                if let Some(inner) = object.get_mut(&key).and_then(Value::as_object_mut) {
                    inner.retain(|k, _| k.to_lowercase() != sub);
                }
            }
        }
    }
    resource
}

/// The one form of `?filter=` Digame answers: `<attribute> eq "<value>"`, the attribute one of
/// `names` (in lower case, of the resource's own schema `schema`). Answers the name as listed
/// and the value. Anything else is an error saying `allowed`, never "no match" (a provider
/// that hears "no match" makes a duplicate).
pub fn eq_filter<'a>(
    raw: &str,
    schema: &str,
    names: &[&'a str],
    allowed: &str,
) -> Result<(&'a str, String), ScimError> {
    use scim_v2::filter::{AttrExp, CompValue, CompareOp, Filter};
    let filter: Filter = raw.parse().map_err(|e| {
        ScimError::bad(
            ScimType::InvalidFilter,
            format!("The filter cannot be read: {e}"),
        )
    })?;
    if let Filter::Attr(AttrExp::Comparison(path, CompareOp::Eq, CompValue::Str(value))) = filter {
        let own = path
            .uri
            .as_deref()
            .is_none_or(|u| u.eq_ignore_ascii_case(schema));
        let name = path.name.to_lowercase();
        if let Some(found) = names
            .iter()
            .find(|n| own && path.sub_attr.is_none() && **n == name)
        {
            return Ok((found, value));
        }
    }
    Err(ScimError::bad(ScimType::InvalidFilter, allowed))
}

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [schema_urns::SERVICE_PROVIDER_CONFIG],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": false },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "The company's provisioning token, made on Admin → Provisioning.",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

pub fn resource_types(base: &str) -> Vec<Value> {
    [
        (
            "User",
            "/Users",
            schema_urns::USER,
            "A person of the company",
        ),
        (
            "Group",
            "/Groups",
            schema_urns::GROUP,
            "A group of the company's people",
        ),
    ]
    .into_iter()
    .map(|(name, endpoint, schema, description)| {
        json!({
            "schemas": [schema_urns::RESOURCE_TYPE],
            "id": name,
            "name": name,
            "endpoint": endpoint,
            "description": description,
            "schema": schema,
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base}/ResourceTypes/{name}"),
            },
        })
    })
    .collect()
}

/// The RFC's User schema with only the attributes Digame keeps, and its Group schema.
pub fn schemas(base: &str) -> Vec<Value> {
    let Ok(found) = scim_v2::models::scim_schema::get_schemas(vec!["user", "group"]) else {
        return Vec::new();
    };
    found
        .into_iter()
        .filter_map(|schema| serde_json::to_value(schema).ok())
        .map(|mut schema| {
            let id = schema["id"].as_str().unwrap_or_default().to_owned();
            if let Some(attributes) = schema["attributes"].as_array_mut() {
                if id == schema_urns::USER {
                    attributes.retain(|a| {
                        a["name"]
                            .as_str()
                            .is_some_and(|n| USER_ATTRIBUTES.contains(&n))
                    });
                }
                // What Digame needs: a person's address (in `emails` when `userName` is not
                // one), a group's name.
                for a in attributes.iter_mut() {
                    match (id.as_str(), a["name"].as_str()) {
                        (schema_urns::USER, Some("emails")) => {
                            a["required"] = true.into();
                            if let Some(subs) = a["subAttributes"].as_array_mut() {
                                for sub in subs.iter_mut().filter(|s| s["name"] == "value") {
                                    sub["required"] = true.into();
                                }
                            }
                        }
                        (schema_urns::GROUP, Some("displayName")) => a["required"] = true.into(),
                        _ => {}
                    }
                }
            }
            schema["schemas"] = json!([schema_urns::SCHEMA]);
            schema["meta"] = json!({
                "resourceType": "Schema",
                "location": format!("{base}/Schemas/{id}"),
            });
            schema
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_keeps_asked_attributes_and_drops_excluded() {
        let user = json!({
            "schemas": ["s"], "id": "1", "userName": "a",
            "name": { "givenName": "A", "familyName": "B" }, "active": true,
        });
        let kept = select(user.clone(), Some("userName,name.givenName"), None);
        assert_eq!(
            kept,
            json!({ "schemas": ["s"], "id": "1", "userName": "a", "name": { "givenName": "A" } })
        );
        let dropped = select(user.clone(), None, Some("name.familyName, active"));
        assert_eq!(
            dropped,
            json!({ "schemas": ["s"], "id": "1", "userName": "a", "name": { "givenName": "A" } })
        );
        assert_eq!(select(user.clone(), None, Some("id")), user);
    }

    #[test]
    fn pages_are_one_based_and_bounded() {
        assert_eq!(page(None, None), (0, MAX_RESULTS));
        assert_eq!(page(Some(0), Some(-3)), (0, 0));
        assert_eq!(page(Some(11), Some(10_000)), (10, MAX_RESULTS));
    }

    #[test]
    fn user_schema_lists_only_kept_attributes() {
        let all = schemas("http://x/scim/v2");
        let user = all
            .iter()
            .find(|s| s["id"] == schema_urns::USER)
            .expect("a User schema");
        let names: Vec<&str> = user["attributes"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names.len(), USER_ATTRIBUTES.len());
        assert!(all.iter().any(|s| s["id"] == schema_urns::GROUP));
    }
}
