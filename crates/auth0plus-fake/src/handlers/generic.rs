//! Every operation of the spec that has no hand-written handler, answered from the generic
//! store: the query and the body checked against the spec (Auth0's 400 wording), then
//! create / list / get / update / delete by the shape of the path, and the answer fitted to
//! the operation's response schema.
//!
//! Shapes: `POST /things` creates (an id in Auth0's format for the kind), `GET /things`
//! lists in the endpoint's paging style, `GET|PATCH|PUT|DELETE /things/{id}` act on one,
//! and a path that is not a collection (`/tenants/settings`) is a singleton read with GET
//! and changed with PATCH or PUT. Nested collections (`/organizations/{id}/invitations`)
//! live under their parent and go when it is deleted.

use serde_json::{Map, Value, json};

use super::input::{invalid_body, invalid_query, parse_query_known};
use super::paging::{self, ListStyle};
use super::routes::Call;
use crate::schema::{self, conform, example, validate};
use crate::server::Resp;
use crate::spec::{Op, Seg, Spec, spec};
use crate::state::{Shared, State};
use crate::util;

/// Query parameters that page or shape a list, never filters.
const LIST_PARAMS: &[&str] = &[
    "page",
    "per_page",
    "include_totals",
    "from",
    "take",
    "fields",
    "include_fields",
    "sort",
    "q",
    "search",
];

/// List filters whose name is not the field they filter.
const FILTER_FIELDS: &[(&str, &str)] = &[("identifiers", "identifier")];

/// Largest multipart upload Auth0 takes (the users-imports file limit).
const MAX_UPLOAD: usize = 512_000;

/// The query and the body of a call to `op`, checked against the spec: the known query
/// parameters, and the JSON (or form) body (`Null` for an operation without one).
pub(super) fn check(
    op: &Op,
    query: &str,
    content_type: &str,
    body: &[u8],
) -> Result<(Vec<(String, String)>, Value), Resp> {
    let s = spec();
    if op.multipart && body.len() > MAX_UPLOAD {
        return Err(Resp::error(
            413,
            &format!("Payload content length greater than maximum allowed: {MAX_UPLOAD}."),
            None,
        ));
    }
    let params = check_query(s, op, query)?;
    let body = check_body(s, op, &content_type.to_ascii_lowercase(), body)?;
    Ok((params, body))
}

/// Answer a checked call from the generic store.
pub(super) fn answer(shared: &Shared, call: &Call<'_>) -> Resp {
    let s = spec();
    let op = call.op;
    // The concrete path, segment by segment, parameters filled in.
    let mut concrete = Vec::with_capacity(op.segs.len());
    let mut next = call.params.iter();
    for seg in &op.segs {
        match seg {
            Seg::Lit(l) => concrete.push(l.clone()),
            Seg::Param(_) => concrete.push(next.next().cloned().unwrap_or_default()),
        }
    }
    let mut st = shared.lock();
    let method = op.method.as_str();
    let body = call.body.clone();
    if op.is_item() {
        let id = concrete.pop().unwrap_or_default();
        let collection = concrete.join("/");
        item(s, &mut st, op, method, &collection, &id, body)
    } else {
        let path = concrete.join("/");
        let template: Vec<String> = op.segs.iter().map(seg_text).collect();
        collection_or_singleton(s, &mut st, op, method, &path, &template, &call.query, body)
    }
}

fn seg_text(seg: &Seg) -> String {
    match seg {
        Seg::Lit(l) => l.clone(),
        Seg::Param(p) => format!("{{{p}}}"),
    }
}

/// Query parameters the operation knows, with values checked against their schemas.
fn check_query(s: &Spec, op: &Op, query: &str) -> Result<Vec<(String, String)>, Resp> {
    let params = parse_query_known(query, |k| op.query.iter().any(|p| p.name == k))?;
    for p in &op.query {
        let given: Vec<&str> = params
            .iter()
            .filter(|(k, _)| *k == p.name)
            .map(|(_, v)| v.as_str())
            .collect();
        if given.is_empty() {
            if p.required {
                return Err(invalid_query(&format!(
                    "'Missing required property: {}'.",
                    p.name
                )));
            }
            continue;
        }
        let sch = s.resolve(&p.schema);
        let is_array = sch.get("type").and_then(Value::as_str) == Some("array");
        let value = if is_array {
            let item = sch.get("items").unwrap_or(&Value::Null);
            Value::Array(given.iter().map(|g| typed(s, item, g)).collect())
        } else {
            typed(s, sch, given.last().copied().unwrap_or_default())
        };
        if let Err(e) = validate(s, &p.schema, &value) {
            let detail = if e.path.is_empty() {
                schema::Invalid {
                    path: p.name.clone(),
                    ..e
                }
            } else {
                e
            };
            return Err(Resp::error(
                400,
                &detail.message("Query validation error"),
                Some("invalid_query_string"),
            ));
        }
    }
    Ok(params)
}

/// A query string value as the JSON type its schema wants (left a string when it is not one).
fn typed(s: &Spec, schema: &Value, raw: &str) -> Value {
    let sch = s.resolve(schema);
    let t = match sch.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ => "string",
    };
    match t {
        "integer" => raw
            .trim()
            .parse::<i64>()
            .map_or_else(|_| Value::String(raw.into()), Value::from),
        "number" => raw
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
            .unwrap_or_else(|| Value::String(raw.into())),
        "boolean" => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(raw.into()),
        },
        _ => Value::String(raw.into()),
    }
}

/// The JSON (or form) body, checked against the operation's schema.
fn check_body(s: &Spec, op: &Op, content_type: &str, body: &[u8]) -> Result<Value, Resp> {
    let Some(schema) = &op.body else {
        return Ok(Value::Null);
    };
    let blank = body.iter().all(u8::is_ascii_whitespace);
    let value = if blank {
        if op.body_required {
            Value::Null
        } else {
            return Ok(Value::Object(Map::new()));
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        Value::Object(
            form_urlencoded::parse(body)
                .map(|(k, v)| {
                    let sch = s
                        .resolve(schema)
                        .pointer(&format!(
                            "/properties/{}",
                            k.replace('~', "~0").replace('/', "~1")
                        ))
                        .cloned()
                        .unwrap_or(Value::Null);
                    (k.into_owned(), typed(s, &sch, &v))
                })
                .collect(),
        )
    } else {
        serde_json::from_slice(body)
            .map_err(|_| invalid_body("'Invalid request payload JSON format'."))?
    };
    validate(s, schema, &value).map_err(|e| {
        Resp::error(
            400,
            &e.message("Payload validation error"),
            Some("invalid_body"),
        )
    })?;
    Ok(value)
}

/// The name and schema of the id property of the objects a schema describes.
fn id_property(s: &Spec, schema: &Value) -> Option<(String, Value)> {
    let sch = object_variant(s, schema)?;
    let props = sch.get("properties").and_then(Value::as_object)?;
    ["id", "client_id", "user_id", "log_id"]
        .iter()
        .find_map(|k| props.get(*k).map(|p| ((*k).to_string(), p.clone())))
}

/// The object schema among `schema`'s variants (the schema itself when it is one).
fn object_variant<'a>(s: &'a Spec, schema: &'a Value) -> Option<&'a Value> {
    let sch = s.resolve(schema);
    if sch.get("properties").is_some() {
        return Some(sch);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(v) = sch
            .get(key)
            .and_then(Value::as_array)
            .and_then(|vs| vs.iter().find_map(|v| object_variant(s, v)))
        {
            return Some(v);
        }
    }
    None
}

/// A new id for a resource of `collection`, in Auth0's format for its kind.
fn new_id(s: &Spec, collection: &str, id_schema: &Value) -> String {
    let sch = s.resolve(id_schema);
    let kind = collection.rsplit('/').next().unwrap_or(collection);
    let by_kind = match kind {
        "clients" => util::alnum(32),
        "connections" => format!("con_{}", util::alnum(16)),
        "client-grants" => format!("cgr_{}", util::alnum(16)),
        "resource-servers" => util::hex(24),
        "roles" => format!("rol_{}", util::alnum(16)),
        "organizations" => format!("org_{}", util::alnum(16)),
        "invitations" => format!("uinv_{}", util::alnum(16)),
        "rules" => format!("rul_{}", util::alnum(16)),
        "log-streams" => format!("lst_{}", util::alnum(16)),
        "custom-domains" => format!("cd_{}", util::alnum(16)),
        "hooks" => format!("01{}", util::hex(24)),
        "event-streams" => format!("est_{}", util::alnum(22)),
        "flows" => format!("af_{}", util::alnum(22)),
        "forms" => format!("ap_{}", util::alnum(22)),
        "self-service-profiles" => format!("ssp_{}", util::alnum(22)),
        "user-attribute-profiles" => format!("uap_{}", util::alnum(22)),
        "token-exchange-profiles" => format!("tep_{}", util::alnum(22)),
        "jobs" | "verification-email" => format!("job_{}", util::alnum(16)),
        _ => schema::uuid(),
    };
    // A kind the table does not know may still say what its ids look like.
    match sch.get("format").and_then(Value::as_str) {
        Some(_) if validate(s, sch, &json!(by_kind)).is_ok() => by_kind,
        Some(_) => example(s, sch).as_str().map_or(by_kind, str::to_string),
        None => by_kind,
    }
}

/// Auth0's 404 for a missing resource of `collection`.
pub(super) fn not_found(collection: &str) -> Resp {
    let kind = collection.rsplit('/').next().unwrap_or(collection);
    let singular = kind.strip_suffix('s').unwrap_or(kind);
    let words = singular.replace(['-', '_'], " ");
    Resp::error(
        404,
        &format!("The {words} does not exist."),
        Some(&format!("inexistent_{}", singular.replace('-', "_"))),
    )
}

/// The answer for a success with `schema` (empty for 204 or no schema).
fn reply(s: &Spec, status: u16, schema: Option<&Value>, value: Value) -> Resp {
    match schema {
        Some(sch) if status != 204 => Resp::json(status, &conform(s, sch, value)),
        _ => Resp::empty(status),
    }
}

fn item(
    s: &Spec,
    st: &mut State,
    op: &Op,
    method: &str,
    collection: &str,
    id: &str,
    body: Value,
) -> Resp {
    let (status, schema) = op.ok();
    match method {
        "GET" => match st.store.get(collection, id) {
            Some(v) => reply(s, status, schema, v.clone()),
            None => not_found(collection),
        },
        "PATCH" => {
            let Some(current) = st.store.get_mut(collection, id) else {
                return not_found(collection);
            };
            merge(current, body);
            let v = current.clone();
            reply(s, status, schema, v)
        }
        "PUT" => {
            let mut v = match body {
                Value::Object(o) => o,
                _ => Map::new(),
            };
            if let Some((key, _)) = schema.and_then(|sc| id_property(s, sc)) {
                v.insert(key, json!(id));
            }
            let v = Value::Object(v);
            st.store.insert(collection, id, v.clone());
            reply(s, status, schema, v)
        }
        "DELETE" => {
            st.store.remove(collection, id);
            st.store.remove_under(&format!("{collection}/{id}"));
            reply(s, status, schema, json!({}))
        }
        // An action on one resource (POST …/{id}): answer what it returns.
        _ => reply(s, status, schema, body),
    }
}

#[allow(clippy::too_many_arguments)]
fn collection_or_singleton(
    s: &Spec,
    st: &mut State,
    op: &Op,
    method: &str,
    path: &str,
    template: &[String],
    params: &[(String, String)],
    body: Value,
) -> Resp {
    let (status, schema) = op.ok();
    // A collection is a path with a create (POST answering an object with an id).
    let create = s
        .ops
        .iter()
        .find(|o| {
            o.method == http::Method::POST
                && o.segs.iter().map(seg_text).eq(template.iter().cloned())
        })
        .and_then(|o| o.ok().1.and_then(|sc| id_property(s, sc)));
    match (method, create) {
        ("POST", Some((key, id_schema))) => {
            let id = new_id(s, path, &id_schema);
            let mut v = match body {
                Value::Object(o) => o,
                _ => Map::new(),
            };
            v.insert(key, json!(id));
            let v = match schema {
                Some(sc) => conform(s, sc, Value::Object(v)),
                None => Value::Object(v),
            };
            st.store.insert(path, &id, v.clone());
            reply(s, status, schema, v)
        }
        ("GET", Some(_)) => list(s, st, op, path, params),
        ("GET", None) => {
            let v = st
                .store
                .singleton(path)
                .cloned()
                .unwrap_or_else(|| schema.map_or(Value::Null, |sc| example(s, sc)));
            reply(s, status, schema, v)
        }
        ("PATCH", _) => {
            let mut v = st
                .store
                .singleton(path)
                .cloned()
                .unwrap_or_else(|| schema.map_or(json!({}), |sc| example(s, sc)));
            merge(&mut v, body);
            st.store.set_singleton(path, Some(v.clone()));
            reply(s, status, schema, v)
        }
        ("PUT", _) => {
            st.store.set_singleton(path, Some(body.clone()));
            reply(s, status, schema, body)
        }
        ("DELETE", _) => {
            st.store.set_singleton(path, None);
            reply(s, status, schema, json!({}))
        }
        // An action (POST without a stored result): what it returns, from what was sent.
        _ => reply(s, status, schema, body),
    }
}

/// Top-level merge as Auth0's PATCH does: given keys replace, `null` removes.
fn merge(current: &mut Value, patch: Value) {
    let (Some(cur), Value::Object(p)) = (current.as_object_mut(), patch) else {
        return;
    };
    for (k, v) in p {
        if v.is_null() {
            cur.remove(&k);
        } else {
            cur.insert(k, v);
        }
    }
}

/// A stored collection in the endpoint's paging style: checkpoint when it takes
/// `from`/`take`, offset with its totals envelope when it takes `page`, else a bare array.
/// Other query parameters that name a property filter by equality (`?name=…`).
fn list(s: &Spec, st: &State, op: &Op, path: &str, params: &[(String, String)]) -> Resp {
    let (_, schema) = op.ok();
    let filters: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, _)| !LIST_PARAMS.contains(&k.as_str()))
        .collect();
    let item_schema = schema.and_then(|sc| item_schema(s, sc));
    let items: Vec<(String, Value)> = st
        .store
        .list(path)
        .filter(|(_, v)| {
            // A filter given several times (`strategy=a&strategy=b`) matches any of its
            // values; a plural filter names its field in the singular (`identifiers`).
            filters.iter().all(|(k, _)| {
                let field = FILTER_FIELDS
                    .iter()
                    .find(|(param, _)| param == k)
                    .map_or(k.as_str(), |(_, field)| field);
                filters
                    .iter()
                    .filter(|(other, _)| other == k)
                    .any(|(_, want)| match v.get(field) {
                        Some(Value::String(have)) => have == want,
                        Some(Value::Bool(b)) => b.to_string() == *want,
                        Some(_) => true,
                        None => false,
                    })
            })
        })
        .map(|(id, v)| {
            let v = match &item_schema {
                Some(sc) => conform(s, sc, v.clone()),
                None => v.clone(),
            };
            (id.clone(), v)
        })
        .collect();
    let key = schema
        .and_then(|sc| items_key(s, sc))
        .unwrap_or_else(|| path.rsplit('/').next().unwrap_or("items").to_string());
    let has = |n: &str| op.query.iter().any(|p| p.name == n);
    let style = ListStyle {
        items_key: &key,
        checkpoint: has("from") || has("take"),
        length: false,
        per_page_min: 0,
    };
    let bare_allowed = schema.is_some_and(|sc| allows_array(s, sc));
    if !bare_allowed && !paging::wants_checkpoint(params) && !has("page") {
        // Checkpoint-only lists answer the envelope even on the first call.
        let mut body = Map::new();
        body.insert(
            style.items_key.into(),
            Value::Array(items.into_iter().map(|(_, v)| v).collect()),
        );
        return Resp::json(200, &Value::Object(body));
    }
    let mut r = paging::answer(params, items, &style);
    if let Some(sc) = schema
        && let Ok(v) = serde_json::from_slice::<Value>(&r.body)
    {
        r = Resp::json(r.status, &conform(s, sc, v));
    }
    r
}

/// The schema of one item of a list answer.
fn item_schema(s: &Spec, schema: &Value) -> Option<Value> {
    let sch = s.resolve(schema);
    if let Some(items) = sch.get("items") {
        return Some(items.clone());
    }
    for key in ["oneOf", "anyOf"] {
        for v in sch.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some(i) = item_schema(s, v) {
                return Some(i);
            }
        }
    }
    let props = sch.get("properties").and_then(Value::as_object)?;
    props
        .values()
        .find_map(|p| s.resolve(p).get("items").cloned())
}

/// The key of the items array in an enveloped list answer.
fn items_key(s: &Spec, schema: &Value) -> Option<String> {
    let sch = s.resolve(schema);
    for key in ["oneOf", "anyOf"] {
        for v in sch.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some(k) = items_key(s, v) {
                return Some(k);
            }
        }
    }
    sch.get("properties")
        .and_then(Value::as_object)?
        .iter()
        .find(|(_, p)| s.resolve(p).get("type").and_then(Value::as_str) == Some("array"))
        .map(|(k, _)| k.clone())
}

/// Whether a bare array is one of the answers the schema allows.
fn allows_array(s: &Spec, schema: &Value) -> bool {
    let sch = s.resolve(schema);
    sch.get("type").and_then(Value::as_str) == Some("array")
        || ["oneOf", "anyOf"].iter().any(|k| {
            sch.get(*k)
                .and_then(Value::as_array)
                .is_some_and(|vs| vs.iter().any(|v| allows_array(s, v)))
        })
}
