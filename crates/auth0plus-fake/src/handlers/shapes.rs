//! Answer shapes read from the spec: which paths are collections, the envelopes a list
//! answers in (the response schema's `oneOf` branches), the property that names an object,
//! and the keys an answer may carry.

use serde_json::{Map, Value};

use super::paging::{self, Shape};
use crate::server::Resp;
use crate::spec::{Op, Seg, Spec};

/// Keys of a list's envelope besides its items.
pub(super) const PAGING_KEYS: &[&str] = &[
    "start", "limit", "length", "total", "next", "page", "per_page",
];

/// A schema's alternatives: its `oneOf`/`anyOf` branches, or itself.
fn variants<'a>(s: &'a Spec, schema: &'a Value) -> Vec<&'a Value> {
    let sch = s.resolve(schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(vs) = sch.get(key).and_then(Value::as_array) {
            return vs.iter().map(|v| s.resolve(v)).collect();
        }
    }
    vec![sch]
}

/// The list shapes of a response schema: a bare array, and envelopes (one array of items
/// beside paging keys only). Empty when the answer is not a list.
pub(super) fn list_shapes(s: &Spec, schema: &Value) -> Vec<Shape> {
    let mut out = Vec::new();
    for v in variants(s, schema) {
        if v.get("type").and_then(Value::as_str) == Some("array") {
            out.push(Shape::Array);
            continue;
        }
        let Some(props) = v.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let arrays: Vec<&String> = props
            .iter()
            .filter(|(k, p)| {
                !PAGING_KEYS.contains(&k.as_str())
                    && s.resolve(p).get("type").and_then(Value::as_str) == Some("array")
            })
            .map(|(k, _)| k)
            .collect();
        let others: Vec<String> = props
            .keys()
            .filter(|k| !arrays.contains(k))
            .cloned()
            .collect();
        // An object with one array and no paging keys is a list only when its items are
        // objects with a name (`{"triggers": [{"id": …}]}`), not a value with a list in it
        // (`{"mapping": [{"auth0": …, "idp": …}]}`).
        let named_items = |items: &str| {
            props
                .get(items)
                .and_then(|p| s.resolve(p).get("items"))
                .and_then(|i| properties(s, i))
                .is_some_and(|p| p.keys().any(|k| k == "id" || k.ends_with("_id")))
        };
        if let [items] = arrays.as_slice()
            && others.iter().all(|k| PAGING_KEYS.contains(&k.as_str()))
            && (!others.is_empty() || named_items(items))
        {
            out.push(Shape::Envelope {
                items: (*items).clone(),
                keys: others,
            });
        }
    }
    out
}

/// The schema of one item of a list answer.
pub(super) fn item_schema(s: &Spec, schema: &Value) -> Option<Value> {
    for v in variants(s, schema) {
        if let Some(items) = v.get("items") {
            return Some(items.clone());
        }
        if let Some(props) = v.get("properties").and_then(Value::as_object)
            && let Some(items) = props.values().find_map(|p| s.resolve(p).get("items"))
        {
            return Some(items.clone());
        }
    }
    None
}

/// The operation `method` on the path template `segs` (parameters match any parameter).
fn op_at<'a>(s: &'a Spec, method: &http::Method, segs: &[Seg]) -> Option<&'a Op> {
    s.ops.iter().find(|o| {
        o.method == *method
            && o.segs.len() == segs.len()
            && o.segs.iter().zip(segs).all(|(a, b)| match (a, b) {
                (Seg::Lit(x), Seg::Lit(y)) => x == y,
                (Seg::Param(_), Seg::Param(_)) => true,
                _ => false,
            })
    })
}

/// Whether the path template `segs` is a collection: it lists (a GET answering a list) or
/// creates (a POST answering an object that has a name).
pub(super) fn is_collection(s: &Spec, segs: &[Seg]) -> bool {
    let lists = op_at(s, &http::Method::GET, segs)
        .and_then(|o| o.ok().1)
        .is_some_and(|sc| !list_shapes(s, sc).is_empty());
    lists || creates(s, segs).is_some()
}

/// Whether an operation whose path ends with a parameter acts on an item of a collection
/// (`/roles/{id}`, `/sessions/{id}`: its parent lists or creates, or the parameter names an
/// object) rather than on a setting keyed by the parameter
/// (`/prompts/{prompt}/custom-text/{language}`, `/users/{id}/multifactor/{provider}`).
pub(super) fn is_item(s: &Spec, segs: &[Seg]) -> bool {
    let Some((Seg::Param(p), parent)) = segs.split_last() else {
        return false;
    };
    let names_an_object = p == "id" || p == "kid" || p.ends_with("_id") || p.ends_with("Id");
    names_an_object || is_collection(s, parent)
}

/// The create of a collection and the key that names what it makes.
pub(super) fn creates<'a>(s: &'a Spec, segs: &[Seg]) -> Option<(&'a Op, String)> {
    let post = op_at(s, &http::Method::POST, segs)?;
    let key = id_key(s, post.ok().1?, item_param(s, segs).as_deref(), segs)?;
    Some((post, key))
}

/// The name of the parameter that follows `segs` in an item path (`/custom-domains/{id}`).
pub(super) fn item_param(s: &Spec, segs: &[Seg]) -> Option<String> {
    s.ops.iter().find_map(|o| {
        let (last, head) = o.segs.split_last()?;
        let Seg::Param(p) = last else { return None };
        (head.len() == segs.len()
            && head.iter().zip(segs).all(|(a, b)| match (a, b) {
                (Seg::Lit(x), Seg::Lit(y)) => x == y,
                (Seg::Param(_), Seg::Param(_)) => true,
                _ => false,
            }))
        .then(|| p.clone())
    })
}

/// The object properties of a schema (its first object variant's).
pub(super) fn properties<'a>(s: &'a Spec, schema: &'a Value) -> Option<&'a Map<String, Value>> {
    let sch = s.resolve(schema);
    if let Some(p) = sch.get("properties").and_then(Value::as_object) {
        return Some(p);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(p) = sch
            .get(key)
            .and_then(Value::as_array)
            .and_then(|vs| vs.iter().find_map(|v| properties(s, v)))
        {
            return Some(p);
        }
    }
    None
}

/// The property that names the objects of a collection: the item path's parameter when the
/// answer has a property of that name (`kid`, `themeId`, `connection_id`) or of that name
/// without its `Name` (`templateName` → `template`), else `id`, else `{singular}_id`
/// (`custom_domain_id`), else Auth0's other id keys.
pub(super) fn id_key(
    s: &Spec,
    answer: &Value,
    param: Option<&str>,
    segs: &[Seg],
) -> Option<String> {
    let props = properties(s, answer)?;
    if let Some(p) = param {
        for candidate in [p, p.strip_suffix("Name").unwrap_or(p)] {
            if props.contains_key(candidate) {
                return Some(candidate.to_string());
            }
        }
    }
    if props.contains_key("id") {
        return Some("id".into());
    }
    let kind = segs.iter().rev().find_map(|s| match s {
        Seg::Lit(l) => Some(l.as_str()),
        Seg::Param(_) => None,
    })?;
    let own = format!("{}_id", util_singular(kind).replace('-', "_"));
    if props.contains_key(&own) {
        return Some(own);
    }
    ["client_id", "user_id", "log_id", "kid"]
        .iter()
        .find(|k| props.contains_key(**k))
        .map(|k| (*k).to_string())
}

/// `deliveries` → `delivery`, `addresses` → `address`, `roles` → `role`.
pub(super) fn util_singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = word.strip_suffix("sses") {
        format!("{stem}ss")
    } else {
        word.strip_suffix('s').unwrap_or(word).to_string()
    }
}

/// `value` without the keys its schema does not declare, at every depth where the schema
/// declares properties (open maps such as metadata keep theirs): Auth0 answers only what its
/// schemas name.
pub(super) fn declared_only(s: &Spec, schema: &Value, value: Value) -> Value {
    declared_at(s, schema, value, 0)
}

fn declared_at(s: &Spec, schema: &Value, value: Value, depth: usize) -> Value {
    if depth > 8 {
        return value;
    }
    let schema = variant_of(s, schema, &value);
    match value {
        Value::Object(mut o) => {
            let Some(props) = properties(s, schema) else {
                return Value::Object(o);
            };
            o.retain(|k, _| props.contains_key(k));
            for (k, v) in &mut o {
                if let Some(ps) = props.get(k) {
                    *v = declared_at(s, ps, v.take(), depth + 1);
                }
            }
            Value::Object(o)
        }
        Value::Array(items) => match s.resolve(schema).get("items") {
            Some(item) => Value::Array(
                items
                    .into_iter()
                    .map(|x| declared_at(s, item, x, depth + 1))
                    .collect(),
            ),
            None => Value::Array(items),
        },
        other => other,
    }
}

/// The variant of a `oneOf`/`anyOf` schema that `value` is (the one it fits, else the one
/// that names most of its keys): a log stream's `sink` is read by its own type's schema.
fn variant_of<'a>(s: &'a Spec, schema: &'a Value, value: &Value) -> &'a Value {
    let sch = s.resolve(schema);
    let Some(variants) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| sch.get(*k).and_then(Value::as_array))
    else {
        return sch;
    };
    if let Some(fits) = variants
        .iter()
        .find(|v| crate::schema::validate(s, v, value).is_ok())
    {
        return s.resolve(fits);
    }
    let named = |v: &Value| {
        properties(s, v).map_or(0, |p| {
            value
                .as_object()
                .map_or(0, |o| o.keys().filter(|k| p.contains_key(*k)).count())
        })
    };
    variants
        .iter()
        .max_by_key(|v| named(v))
        .map_or(sch, |v| s.resolve(v))
}

/// Answer a list of `items` (each with its sort key) in the shape the request and the
/// response schema call for: a checkpoint page when `from`/`take` are given and an envelope
/// has `next`; the totals envelope with `include_totals=true`; a bare array when allowed;
/// else the schema's envelope.
pub(super) fn list_answer(
    shapes: &[Shape],
    params: &[(String, String)],
    items: Vec<(String, Value)>,
) -> Resp {
    let has = |shape: &Shape, key: &str| matches!(shape, Shape::Envelope { keys, .. } if keys.iter().any(|k| k == key));
    let checkpoint = shapes.iter().find(|sh| has(sh, "next"));
    let totals = shapes
        .iter()
        .find(|sh| matches!(sh, Shape::Envelope { .. }) && !has(sh, "next"))
        .or_else(|| {
            shapes
                .iter()
                .find(|sh| has(sh, "total") || has(sh, "start"))
        });
    let array = shapes.iter().find(|sh| matches!(sh, Shape::Array));
    let envelope = shapes
        .iter()
        .find(|sh| matches!(sh, Shape::Envelope { .. }));
    let wants_totals = super::input::qget(params, "include_totals") == Some("true");
    let paged = super::input::qget(params, "page").is_some()
        || super::input::qget(params, "per_page").is_some();
    match (checkpoint, totals, array, envelope) {
        (Some(ch), _, _, _) if paging::wants_checkpoint(params) => {
            paging::checkpoint_shaped(params, items, ch)
        }
        (_, Some(t), _, _) if wants_totals => paging::offset_shaped(params, items, t),
        (_, _, Some(a), _) => paging::offset_shaped(params, items, a),
        // Only envelopes: a checkpoint list's first page, or the offset envelope.
        (Some(ch), _, _, _) if !paged => paging::checkpoint_shaped(params, items, ch),
        (_, _, _, Some(e)) => paging::offset_shaped(params, items, e),
        _ => paging::offset_shaped(params, items, &Shape::Array),
    }
}
