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
use super::paging;
use super::routes::Call;
use super::shapes;
use crate::schema::{self, conform, example, validate};
use crate::server::Resp;
use crate::spec::{Op, Param, Seg, Spec, spec};
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
    // An item of a collection (`/roles/{id}`), or a path of its own: a collection, or a
    // singleton, keyed by its parameters (`/prompts/{prompt}/custom-text/{language}`).
    if shapes::is_item(s, &op.segs) {
        let id = concrete.pop().unwrap_or_default();
        let collection = concrete.join("/");
        item(s, &mut st, op, method, &collection, &id, body)
    } else {
        let path = concrete.join("/");
        collection_or_singleton(s, &mut st, op, method, &path, &call.query, body)
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
        if let Err(detail) = check_param(s, p, &given) {
            return Err(Resp::error(
                400,
                &detail.message("Query validation error"),
                Some("invalid_query_string"),
            ));
        }
    }
    Ok(params)
}

/// Check the values given for one query parameter against its schema.
pub(crate) fn check_param(s: &Spec, p: &Param, given: &[&str]) -> Result<(), schema::Invalid> {
    let sch = s.resolve(&p.schema);
    let is_array = sch.get("type").and_then(Value::as_str) == Some("array");
    let value = if is_array {
        let item = sch.get("items").unwrap_or(&Value::Null);
        Value::Array(given.iter().map(|g| typed(s, item, g)).collect())
    } else {
        typed(s, sch, given.last().copied().unwrap_or_default())
    };
    validate(s, &p.schema, &value).map_err(|e| {
        if e.path.is_empty() {
            schema::Invalid {
                path: p.name.clone(),
                ..e
            }
        } else {
            e
        }
    })
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

/// A new id for a resource of `collection` (concrete) whose name property has `id_schema`,
/// in Auth0's format for its kind, never one the collection already has.
fn new_id(s: &Spec, st: &State, collection: &str, kind: &str, id_schema: Option<&Value>) -> String {
    loop {
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
        let id = match id_schema.map(|sc| s.resolve(sc)) {
            Some(sch)
                if (sch.get("format").is_some() || sch.get("pattern").is_some())
                    && validate(s, sch, &json!(by_kind)).is_err() =>
            {
                schema::fresh_string(s, sch).unwrap_or(by_kind)
            }
            _ => by_kind,
        };
        if st.store.get(collection, &id).is_none() {
            return id;
        }
    }
}

/// Auth0's 404 for a missing resource of a kind (`custom-domains` → "The custom domain does
/// not exist.", errorCode `inexistent_custom_domain`).
pub(super) fn not_found(kind: &str) -> Resp {
    let singular = shapes::util_singular(kind);
    let words = singular.replace(['-', '_'], " ");
    Resp::error(
        404,
        &format!("The {words} does not exist."),
        Some(&format!("inexistent_{}", singular.replace('-', "_"))),
    )
}

/// The answer for a success with `schema` (empty for 204 or no schema): fitted to the
/// schema, with only the keys it declares.
fn reply(s: &Spec, status: u16, schema: Option<&Value>, value: Value) -> Resp {
    match schema {
        Some(sch) if status != 204 => Resp::json(
            status,
            &shapes::declared_only(s, sch, conform(s, sch, value)),
        ),
        _ => Resp::empty(status),
    }
}

/// The literal segment that names the kind of the last parameter of `segs`
/// (`self-service-profiles` in `/self-service-profiles/{id}/custom-text/{language}`…).
fn kind_of(segs: &[Seg]) -> &str {
    segs.iter()
        .rev()
        .find_map(|s| match s {
            Seg::Lit(l) if l != "name" => Some(l.as_str()),
            _ => None,
        })
        .unwrap_or("resource")
}

#[allow(clippy::too_many_arguments)]
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
    let parent = &op.segs[..op.segs.len() - 1];
    let kind = kind_of(parent);
    // `…/name/{name}`: an object of the parent collection found by its name.
    if let Some(owner) = collection.strip_suffix("/name")
        && method == "GET"
    {
        let param = match op.segs.last() {
            Some(Seg::Param(p)) => p.as_str(),
            _ => "name",
        };
        return match st.store.list(owner).find(|(_, v)| {
            [param, "name", "domain"]
                .iter()
                .any(|k| v.get(*k).and_then(Value::as_str) == Some(id))
        }) {
            Some((_, v)) => reply(s, status, schema, v.clone()),
            None => not_found(kind),
        };
    }
    let key = schema
        .and_then(|sc| shapes::id_key(s, sc, op.segs.last().and_then(seg_param), parent))
        .or_else(|| shapes::creates(s, parent).map(|(_, k)| k));
    match method {
        "GET" => match st.store.get(collection, id) {
            Some(v) => reply(s, status, schema, v.clone()),
            None => not_found(kind),
        },
        "PATCH" => {
            let Some(current) = st.store.get_mut(collection, id) else {
                return not_found(kind);
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
            if let Some(key) = key {
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
        // An action on one resource (POST …/{id}): its answer, from what was sent.
        _ => action(s, status, schema, body),
    }
}

fn seg_param(seg: &Seg) -> Option<&str> {
    match seg {
        Seg::Param(p) => Some(p.as_str()),
        Seg::Lit(_) => None,
    }
}

/// The answer of an action (a POST that stores nothing): an example of the response schema,
/// with what was sent where the schema names it.
fn action(s: &Spec, status: u16, schema: Option<&Value>, body: Value) -> Resp {
    let Some(sc) = schema.filter(|_| status != 204) else {
        return Resp::empty(status);
    };
    let mut answer = example(s, sc);
    if let (Value::Object(out), Value::Object(sent)) = (&mut answer, body) {
        for (k, v) in sent {
            out.insert(k, v);
        }
    }
    reply(s, status, Some(sc), answer)
}

/// A path that is not an item of a collection: a collection (create, list) or a singleton
/// (`/tenants/settings`, `/prompts/{prompt}/custom-text/{language}`).
#[allow(clippy::too_many_arguments)]
fn collection_or_singleton(
    s: &Spec,
    st: &mut State,
    op: &Op,
    method: &str,
    path: &str,
    params: &[(String, String)],
    body: Value,
) -> Resp {
    let (status, schema) = op.ok();
    let shapes = schema
        .map(|sc| shapes::list_shapes(s, sc))
        .unwrap_or_default();
    match method {
        "POST" => match shapes::creates(s, &op.segs) {
            Some((_, key)) => create(s, st, op, path, &key, body),
            // An action (a POST that makes nothing to keep): its answer.
            None => action(s, status, schema, body),
        },
        "GET" if !shapes.is_empty() => list(s, st, op, path, params, &shapes),
        "GET" => {
            let v = st
                .store
                .singleton(path)
                .cloned()
                .unwrap_or_else(|| schema.map_or(Value::Null, |sc| blank(s, sc)));
            reply(s, status, schema, v)
        }
        "PATCH" => {
            let mut v = st
                .store
                .singleton(path)
                .cloned()
                .unwrap_or_else(|| schema.map_or(json!({}), |sc| blank(s, sc)));
            merge(&mut v, body);
            st.store.set_singleton(path, Some(v.clone()));
            reply(s, status, schema, v)
        }
        "PUT" => {
            st.store.set_singleton(path, Some(body.clone()));
            reply(s, status, schema, body)
        }
        "DELETE" => {
            st.store.set_singleton(path, None);
            reply(s, status, schema, json!({}))
        }
        _ => action(s, status, schema, body),
    }
}

/// What an unset singleton reads as: nothing for a map (`/hooks/{id}/secrets` with no
/// secret), else the schema's example (a tenant's default settings).
fn blank(s: &Spec, schema: &Value) -> Value {
    let sch = s.resolve(schema);
    let is_map = sch.get("properties").is_none()
        && sch.get("oneOf").is_none()
        && sch.get("anyOf").is_none()
        && sch.get("type").and_then(Value::as_str) == Some("object");
    if is_map {
        json!({})
    } else {
        example(s, schema)
    }
}

/// `POST` to a collection: the object as sent, named by `key` (a value the request gives
/// for it when the key is the item path's parameter or a name, such as an email
/// template's `template` or an organization connection's `connection_id`; else a new id in
/// Auth0's format), with the server's defaults.
fn create(s: &Spec, st: &mut State, op: &Op, path: &str, key: &str, body: Value) -> Resp {
    let (status, schema) = op.ok();
    let kind = kind_of(&op.segs);
    let mut v = match body {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    let natural = key != "id"
        && shapes::item_param(s, &op.segs)
            .as_deref()
            .is_some_and(|p| p == key || p.strip_suffix("Name") == Some(key));
    let given = v.get(key).and_then(Value::as_str).map(str::to_owned);
    let id = match given.filter(|_| natural) {
        Some(id) => {
            if st.store.get(path, &id).is_some() {
                let what = shapes::util_singular(kind).replace(['-', '_'], " ");
                return Resp::error(
                    409,
                    &format!("The {what} already exists."),
                    Some("conflict"),
                );
            }
            id
        }
        None => {
            let id_schema = schema
                .and_then(|sc| shapes::properties(s, sc))
                .and_then(|p| p.get(key));
            new_id(s, st, path, kind, id_schema)
        }
    };
    v.insert(key.to_string(), json!(id));
    super::defaults::on_create(kind, &mut v);
    let v = match schema {
        Some(sc) => conform(s, sc, Value::Object(v)),
        None => Value::Object(v),
    };
    st.store.insert(path, &id, v.clone());
    reply(s, status, schema, v)
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

/// A stored collection in the shape the request and the schema call for (see
/// [`shapes::list_answer`]). Other query parameters that name a property filter by equality
/// (`?name=…`).
fn list(
    s: &Spec,
    st: &State,
    op: &Op,
    path: &str,
    params: &[(String, String)],
    shapes: &[paging::Shape],
) -> Resp {
    let (_, schema) = op.ok();
    let filters: Vec<&(String, String)> = params
        .iter()
        .filter(|(k, _)| !LIST_PARAMS.contains(&k.as_str()))
        .collect();
    let item_schema = schema.and_then(|sc| shapes::item_schema(s, sc));
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
                Some(sc) => shapes::declared_only(s, sc, conform(s, sc, v.clone())),
                None => v.clone(),
            };
            (id.clone(), v)
        })
        .collect();
    shapes::list_answer(shapes, params, items)
}
