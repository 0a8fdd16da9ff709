//! PATCH (RFC 7644 §3.5.2) applied to a resource's JSON: the caller reads the resource as
//! it would answer it, applies the operations here, and stores the result as it stores a
//! replacement, so PUT and PATCH share one path to the database. The operations and paths are
//! parsed by `scim_v2` (which also takes Entra's `Add`/`Replace`/`Remove`); this module walks
//! them over the JSON. Attribute names match without regard to case, as SCIM's do.
//!
//! What providers send, all handled: a path to an attribute or a sub-attribute
//! (`name.givenName`), a value path with a filter (`emails[type eq "work"].value`,
//! `members[value eq "42"]`), no path with an object of attributes (whose keys may themselves
//! be paths, as Entra sends them), and Entra's removal of group members by a `value` list.

use super::wire::ScimError;
use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, PatchPath, ValFilter};
use scim_v2::models::errors::ScimType;
use scim_v2::models::others::{OperationTarget, PatchOp, PatchOperation};
use serde_json::{Map, Value};

/// Attributes no PATCH may change on any resource.
const READ_ONLY: [&str; 2] = ["id", "meta"];

/// Applies every operation to `resource` in order; `core_schema` is the resource's own schema
/// URN (a path prefixed with it names a core attribute); `read_only` adds the resource's own
/// read-only attributes (a User's `groups`).
pub fn apply(
    resource: &mut Value,
    patch: &PatchOp,
    core_schema: &str,
    read_only: &[&str],
) -> Result<(), ScimError> {
    for operation in &patch.operations {
        match operation {
            PatchOperation::Add(target) => {
                with_target(resource, target, core_schema, read_only, Mode::Add)?
            }
            PatchOperation::Replace(target) => {
                with_target(resource, target, core_schema, read_only, Mode::Replace)?
            }
            PatchOperation::Remove { path, value } => {
                check_writable(path_attr(path), read_only)?;
                remove(resource, path, value.as_ref(), core_schema)?;
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Add,
    Replace,
}

fn path_attr(path: &PatchPath) -> &AttrPath {
    match path {
        PatchPath::Attr(a) => a,
        PatchPath::Value(v) => &v.attr,
    }
}

fn check_writable(attr: &AttrPath, read_only: &[&str]) -> Result<(), ScimError> {
    let name = attr.name.to_lowercase();
    if READ_ONLY
        .iter()
        .chain(read_only)
        .any(|r| r.to_lowercase() == name)
    {
        return Err(ScimError::bad(
            ScimType::Mutability,
            format!("{} cannot be changed here.", attr.name),
        ));
    }
    Ok(())
}

fn with_target(
    resource: &mut Value,
    target: &OperationTarget,
    core_schema: &str,
    read_only: &[&str],
    mode: Mode,
) -> Result<(), ScimError> {
    match target {
        OperationTarget::WithPath { path, value } => {
            let value = value.clone().unwrap_or(Value::Null);
            check_writable(path_attr(path), read_only)?;
            set(resource, path, value, core_schema, mode)
        }
        OperationTarget::WithoutPath { value } => {
            for (key, value) in value {
                // Entra sends `{"name.givenName": "…"}` and extension URNs as keys.
                match key.parse::<PatchPath>() {
                    Ok(path) if !is_schema_urn(key) => {
                        check_writable(path_attr(&path), read_only)?;
                        set(resource, &path, value.clone(), core_schema, mode)?;
                    }
                    _ => {
                        if READ_ONLY
                            .iter()
                            .chain(read_only)
                            .any(|r| r.eq_ignore_ascii_case(key))
                        {
                            return Err(ScimError::bad(
                                ScimType::Mutability,
                                format!("{key} cannot be changed here."),
                            ));
                        }
                        let object = object_of(resource)?;
                        let k = key_of(object, key);
                        merge(object, k, value.clone(), mode);
                    }
                }
            }
            Ok(())
        }
    }
}

/// A key that names a whole schema's object (an extension's), not an attribute.
fn is_schema_urn(key: &str) -> bool {
    use scim_v2::schema_urns::{ENTERPRISE_USER, GROUP, USER};
    [USER, GROUP, ENTERPRISE_USER]
        .iter()
        .any(|urn| urn.eq_ignore_ascii_case(key))
}

fn object_of(value: &mut Value) -> Result<&mut Map<String, Value>, ScimError> {
    value
        .as_object_mut()
        .ok_or_else(|| ScimError::bad(ScimType::InvalidValue, "The resource is not an object."))
}

/// The key in `object` that matches `name` without regard to case, or `name` itself.
fn key_of(object: &Map<String, Value>, name: &str) -> String {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_owned())
}

/// The object an attribute path lives in: the resource, or its extension's object.
fn container<'a>(
    resource: &'a mut Value,
    attr: &AttrPath,
    core_schema: &str,
) -> Result<&'a mut Map<String, Value>, ScimError> {
    let object = object_of(resource)?;
    match attr.uri.as_deref() {
        Some(uri) if !uri.eq_ignore_ascii_case(core_schema) => {
            let k = key_of(object, uri);
            let inner = object.entry(k).or_insert_with(|| Value::Object(Map::new()));
            if !inner.is_object() {
                *inner = Value::Object(Map::new());
            }
            object_of(inner)
        }
        _ => Ok(object),
    }
}

/// Add: a multi-valued attribute gains the values (once each); anything else is set.
/// Replace: set. An object given to a complex attribute is merged into it (sub-attributes
/// not named stay), as RFC 7644 §3.5.2.1 and §3.5.2.3 say.
fn merge(object: &mut Map<String, Value>, key: String, value: Value, mode: Mode) {
    match (object.get_mut(&key), value) {
        (Some(Value::Array(existing)), Value::Array(new)) if mode == Mode::Add => {
            for v in new {
                if !existing.contains(&v) {
                    existing.push(v);
                }
            }
        }
        (Some(Value::Array(existing)), v) if mode == Mode::Add && !v.is_null() => {
            if !existing.contains(&v) {
                existing.push(v);
            }
        }
        (Some(Value::Object(existing)), Value::Object(new)) => {
            for (k, v) in new {
                let k = key_of(existing, &k);
                existing.insert(k, v);
            }
        }
        (_, v) => {
            object.insert(key, v);
        }
    }
}

fn set(
    resource: &mut Value,
    path: &PatchPath,
    value: Value,
    core_schema: &str,
    mode: Mode,
) -> Result<(), ScimError> {
    match path {
        PatchPath::Attr(attr) => {
            let object = container(resource, attr, core_schema)?;
            let k = key_of(object, &attr.name);
            match &attr.sub_attr {
                None => merge(object, k, value, mode),
                Some(sub) => {
                    let inner = object.entry(k).or_insert_with(|| Value::Object(Map::new()));
                    if !inner.is_object() {
                        *inner = Value::Object(Map::new());
                    }
                    let inner = object_of(inner)?;
                    let sk = key_of(inner, sub);
                    merge(inner, sk, value, mode);
                }
            }
            Ok(())
        }
        PatchPath::Value(vp) => {
            let object = container(resource, &vp.attr, core_schema)?;
            let k = key_of(object, &vp.attr.name);
            let list = object.entry(k).or_insert_with(|| Value::Array(Vec::new()));
            if !list.is_array() {
                *list = Value::Array(Vec::new());
            }
            let Value::Array(items) = list else {
                return Ok(());
            };
            let mut matched = false;
            for item in items.iter_mut() {
                if matches(item, &vp.filter)? {
                    matched = true;
                    match (&vp.sub_attr, item.as_object_mut()) {
                        (Some(sub), Some(fields)) => {
                            let sk = key_of(fields, sub);
                            fields.insert(sk, value.clone());
                        }
                        (None, Some(fields)) => {
                            if let Value::Object(new) = &value {
                                for (k, v) in new {
                                    let k = key_of(fields, k);
                                    fields.insert(k, v.clone());
                                }
                            } else {
                                *item = value.clone();
                            }
                        }
                        _ => *item = value.clone(),
                    }
                }
            }
            if !matched {
                // Nothing matched: a new value built from the filter's equalities (how Entra
                // adds `emails[type eq "work"].value` to a person who had none).
                let mut fields = equalities(&vp.filter);
                match (&vp.sub_attr, value) {
                    (Some(sub), v) => {
                        fields.insert(sub.clone(), v);
                    }
                    (None, Value::Object(new)) => fields.extend(new),
                    (None, v) => {
                        items.push(v);
                        return Ok(());
                    }
                }
                items.push(Value::Object(fields));
            }
            Ok(())
        }
    }
}

fn remove(
    resource: &mut Value,
    path: &PatchPath,
    value: Option<&Value>,
    core_schema: &str,
) -> Result<(), ScimError> {
    match path {
        PatchPath::Attr(attr) => {
            let object = container(resource, attr, core_schema)?;
            let k = key_of(object, &attr.name);
            match (&attr.sub_attr, object.get_mut(&k)) {
                (None, Some(Value::Array(items))) if value.is_some() => {
                    // Entra: `{"op":"Remove","path":"members","value":[{"value":"42"}]}`.
                    let gone: Vec<&Value> = match value {
                        Some(Value::Array(list)) => list.iter().collect(),
                        Some(one) => vec![one],
                        None => Vec::new(),
                    };
                    let gone: Vec<Option<&Value>> = gone.iter().map(|g| g.get("value")).collect();
                    items.retain(|item| !gone.contains(&item.get("value")));
                }
                (None, _) => {
                    object.remove(&k);
                }
                (Some(sub), Some(Value::Object(inner))) => {
                    let sk = key_of(inner, sub);
                    inner.remove(&sk);
                }
                (Some(sub), Some(Value::Array(items))) => {
                    for item in items.iter_mut().filter_map(Value::as_object_mut) {
                        let sk = key_of(item, sub);
                        item.remove(&sk);
                    }
                }
                (Some(_), _) => {}
            }
            Ok(())
        }
        PatchPath::Value(vp) => {
            let object = container(resource, &vp.attr, core_schema)?;
            let k = key_of(object, &vp.attr.name);
            let Some(Value::Array(items)) = object.get_mut(&k) else {
                return Ok(());
            };
            let mut kept = Vec::with_capacity(items.len());
            for mut item in std::mem::take(items) {
                if !matches(&item, &vp.filter)? {
                    kept.push(item);
                    continue;
                }
                if let (Some(sub), Some(fields)) = (&vp.sub_attr, item.as_object_mut()) {
                    let sk = key_of(fields, sub);
                    fields.remove(&sk);
                    kept.push(item);
                }
            }
            *items = kept;
            Ok(())
        }
    }
}

/// The `attr eq value` pairs of a filter (joined by `and`), as the fields of a new value.
fn equalities(filter: &ValFilter) -> Map<String, Value> {
    let mut fields = Map::new();
    match filter {
        ValFilter::Attr(AttrExp::Comparison(path, CompareOp::Eq, value)) => {
            fields.insert(path.name.clone(), comp_json(value));
        }
        ValFilter::And(operands) => {
            for f in operands.as_slice() {
                fields.extend(equalities(f));
            }
        }
        _ => {}
    }
    fields
}

fn comp_json(value: &CompValue) -> Value {
    match value {
        CompValue::False => Value::Bool(false),
        CompValue::True => Value::Bool(true),
        CompValue::Null => Value::Null,
        CompValue::Number(n) => Value::Number(n.clone()),
        CompValue::Str(s) => Value::String(s.clone()),
    }
}

/// Whether one value of a multi-valued attribute passes a value filter. Strings compare
/// without regard to case (the attributes filtered on here — `type`, `value` of members and
/// addresses — are not case-exact, and ids are digits).
fn matches(item: &Value, filter: &ValFilter) -> Result<bool, ScimError> {
    Ok(match filter {
        ValFilter::Not(inner) => !matches(item, inner)?,
        ValFilter::And(ops) => {
            for f in ops.as_slice() {
                if !matches(item, f)? {
                    return Ok(false);
                }
            }
            true
        }
        ValFilter::Or(ops) => {
            for f in ops.as_slice() {
                if matches(item, f)? {
                    return Ok(true);
                }
            }
            false
        }
        ValFilter::Attr(AttrExp::Present(path)) => field(item, path).is_some_and(|v| !v.is_null()),
        ValFilter::Attr(AttrExp::Comparison(path, op, value)) => {
            let got = field(item, path);
            compare(got, op, value)?
        }
    })
}

fn field<'a>(item: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    let object = item.as_object()?;
    let k = object.keys().find(|k| k.eq_ignore_ascii_case(&path.name))?;
    let v = object.get(k)?;
    match &path.sub_attr {
        None => Some(v),
        Some(sub) => {
            let inner = v.as_object()?;
            let sk = inner.keys().find(|k| k.eq_ignore_ascii_case(sub))?;
            inner.get(sk)
        }
    }
}

fn compare(got: Option<&Value>, op: &CompareOp, want: &CompValue) -> Result<bool, ScimError> {
    let text = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) => Some(s.to_lowercase()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    };
    let want_text = match want {
        CompValue::Str(s) => Some(s.to_lowercase()),
        CompValue::Number(n) => Some(n.to_string()),
        CompValue::True => Some("true".to_owned()),
        CompValue::False => Some("false".to_owned()),
        CompValue::Null => None,
    };
    let got_text = text(got);
    Ok(match op {
        CompareOp::Eq => match want {
            CompValue::Null => got.is_none_or(Value::is_null),
            _ => got_text == want_text,
        },
        CompareOp::Ne => match want {
            CompValue::Null => got.is_some_and(|v| !v.is_null()),
            _ => got_text != want_text,
        },
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            let (Some(g), Some(w)) = (got_text, want_text) else {
                return Ok(false);
            };
            match op {
                CompareOp::Co => g.contains(&w),
                CompareOp::Sw => g.starts_with(&w),
                _ => g.ends_with(&w),
            }
        }
        CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le => {
            return Err(ScimError::bad(
                ScimType::InvalidFilter,
                "Ordering comparisons (gt, lt, ge, le) are not supported in a PATCH path.",
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const USER: &str = scim_v2::schema_urns::USER;

    fn patch(ops: Value) -> PatchOp {
        serde_json::from_value(json!({
            "schemas": [scim_v2::schema_urns::PATCH_OP],
            "Operations": ops,
        }))
        .expect("a PatchOp")
    }

    fn user() -> Value {
        json!({
            "schemas": [USER], "id": "7", "userName": "ada@acme.test", "active": true,
            "name": { "givenName": "Ada", "familyName": "Lovelace" },
            "emails": [{ "value": "ada@acme.test", "type": "work", "primary": true }],
        })
    }

    #[test]
    fn entra_capitalised_replace_of_active_with_a_string() {
        let mut u = user();
        apply(
            &mut u,
            &patch(json!([{ "op": "Replace", "path": "active", "value": "False" }])),
            USER,
            &["groups"],
        )
        .expect("applies");
        assert_eq!(u["active"], "False");
    }

    #[test]
    fn pathless_replace_with_dotted_keys_and_okta_active() {
        let mut u = user();
        let ops =
            json!([{ "op": "replace", "value": { "name.givenName": "Augusta", "active": false } }]);
        apply(&mut u, &patch(ops), USER, &["groups"]).expect("applies");
        assert_eq!(u["name"]["givenName"], "Augusta");
        assert_eq!(u["name"]["familyName"], "Lovelace");
        assert_eq!(u["active"], false);
    }

    #[test]
    fn value_path_sets_the_matching_sub_attribute_or_adds_one() {
        let mut u = user();
        let ops = json!([
            { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "ada@new.test" },
            { "op": "add", "path": "emails[type eq \"home\"].value", "value": "ada@home.test" },
        ]);
        apply(&mut u, &patch(ops), USER, &["groups"]).expect("applies");
        assert_eq!(u["emails"][0]["value"], "ada@new.test");
        assert_eq!(
            u["emails"][1],
            json!({ "type": "home", "value": "ada@home.test" })
        );
    }

    #[test]
    fn members_added_and_removed_both_ways() {
        let group = scim_v2::schema_urns::GROUP;
        let mut g = json!({ "schemas": [group], "id": "3", "displayName": "Sales", "members": [{ "value": "1" }] });
        let ops = json!([
            { "op": "add", "path": "members", "value": [{ "value": "2" }, { "value": "1" }] },
            { "op": "remove", "path": "members[value eq \"1\"]" },
            { "op": "Add", "path": "members", "value": [{ "value": "5" }] },
            { "op": "Remove", "path": "members", "value": [{ "value": "5" }] },
        ]);
        apply(&mut g, &patch(ops), group, &[]).expect("applies");
        assert_eq!(g["members"], json!([{ "value": "2" }]));
    }

    #[test]
    fn read_only_attributes_and_ordering_filters_are_refused() {
        let mut u = user();
        let err = apply(
            &mut u,
            &patch(json!([{ "op": "replace", "path": "id", "value": "9" }])),
            USER,
            &["groups"],
        )
        .expect_err("id is read-only");
        assert_eq!(err.scim_type, Some(ScimType::Mutability));
        let err = apply(
            &mut u,
            &patch(json!([{ "op": "add", "path": "groups", "value": [{ "value": "1" }] }])),
            USER,
            &["groups"],
        )
        .expect_err("a user's groups are read-only");
        assert_eq!(err.scim_type, Some(ScimType::Mutability));
        let err = apply(
            &mut u,
            &patch(json!([{ "op": "remove", "path": "emails[value gt \"a\"]" }])),
            USER,
            &["groups"],
        )
        .expect_err("gt is not supported");
        assert_eq!(err.scim_type, Some(ScimType::InvalidFilter));
    }

    #[test]
    fn remove_of_a_sub_attribute_and_of_an_absent_attribute() {
        let mut u = user();
        let ops = json!([
            { "op": "remove", "path": "name.familyName" },
            { "op": "remove", "path": "externalId" },
        ]);
        apply(&mut u, &patch(ops), USER, &["groups"]).expect("applies");
        assert_eq!(u["name"], json!({ "givenName": "Ada" }));
        assert!(u.get("externalId").is_none());
    }
}
