//! JSON Schema, as far as the spec uses it: validating request bodies (with Auth0's
//! wording), making example values, and fitting stored objects to a response schema.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value, json};

use crate::spec::Spec;
use crate::util::{self, json_type};

/// Deepest schema nesting followed (the spec's schemas are recursive in places).
const MAX_DEPTH: usize = 48;

/// Why a value does not fit a schema: Auth0's detail text and the dotted property path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub detail: String,
    pub path: String,
}

impl Invalid {
    /// `"{prefix}: '{detail}' on property {path}."`, as Auth0 words validation errors.
    pub fn message(&self, prefix: &str) -> String {
        if self.path.is_empty() {
            format!("{prefix}: '{}'.", self.detail)
        } else {
            format!("{prefix}: '{}' on property {}.", self.detail, self.path)
        }
    }
}

/// Check `value` against `schema`.
pub(crate) fn validate(spec: &Spec, schema: &Value, value: &Value) -> Result<(), Invalid> {
    let mut path = Vec::new();
    check(spec, schema, value, &mut path, 0)
}

fn fail(path: &[String], detail: String) -> Result<(), Invalid> {
    Err(Invalid {
        detail,
        path: path.join("."),
    })
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => true,
    }
}

fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[allow(clippy::too_many_lines)]
fn check(
    spec: &Spec,
    schema: &Value,
    v: &Value,
    path: &mut Vec<String>,
    depth: usize,
) -> Result<(), Invalid> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let schema = spec.resolve(schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            check(spec, s, v, path, depth + 1)?;
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(any) = schema.get(key).and_then(Value::as_array) {
            // Lenient: one match is enough (Auth0's variants overlap).
            let matched = any
                .iter()
                .any(|s| check(spec, s, v, &mut path.clone(), depth + 1).is_ok());
            if !matched {
                return fail(
                    path,
                    format!("Data does not match any schemas from '{key}'"),
                );
            }
        }
    }
    let ts = types(schema);
    if !ts.is_empty() && !ts.iter().any(|t| type_ok(t, v)) {
        let want = ts.iter().find(|t| **t != "null").unwrap_or(&ts[0]);
        return fail(
            path,
            format!("Expected type {want} but found type {}", json_type(v)),
        );
    }
    if let Some(c) = schema.get("const")
        && c != v
    {
        return fail(path, format!("No enum match for: {v}"));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !v.is_null()
        && !e.contains(v)
    {
        return fail(path, format!("No enum match for: {v}"));
    }
    match v {
        Value::String(s) => {
            let n = s.chars().count();
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && (n as u64) < min
            {
                return fail(
                    path,
                    format!("String is too short ({n} chars), minimum {min}"),
                );
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && (n as u64) > max
            {
                return fail(
                    path,
                    format!("String is too long ({n} chars), maximum {max}"),
                );
            }
            if let Some(p) = schema.get("pattern").and_then(Value::as_str)
                && matches_pattern(p, s) == Some(false)
            {
                return fail(path, format!("String does not match pattern {p}: {s}"));
            }
            if let Some(f) = schema.get("format").and_then(Value::as_str)
                && !format_ok(f, s)
            {
                return fail(
                    path,
                    format!("Object didn't pass validation for format {f}: {s}"),
                );
            }
        }
        Value::Number(num) => {
            let x = num.as_f64().unwrap_or(0.0);
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && x < min
            {
                return fail(path, format!("Value {num} is less than minimum {min}"));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && x > max
            {
                return fail(path, format!("Value {num} is greater than maximum {max}"));
            }
        }
        Value::Array(items) => {
            let n = items.len() as u64;
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && n < min
            {
                return fail(path, format!("Array is too short ({n}), minimum {min}"));
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && n > max
            {
                return fail(path, format!("Array is too long ({n}), maximum {max}"));
            }
            if let Some(item) = schema.get("items") {
                for (i, x) in items.iter().enumerate() {
                    path.push(i.to_string());
                    let r = check(spec, item, x, path, depth + 1);
                    path.pop();
                    r?;
                }
            }
        }
        Value::Object(o) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
            if let Some(req) = schema.get("required").and_then(Value::as_array) {
                for r in req.iter().filter_map(Value::as_str) {
                    // A closed schema that requires a property it does not define contradicts
                    // itself (the spec has a few); that requirement is not enforced.
                    let undefined = closed && props.is_none_or(|p| !p.contains_key(r));
                    if !o.contains_key(r) && !undefined {
                        return fail(path, format!("Missing required property: {r}"));
                    }
                }
            }
            match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    let extra: Vec<&str> = o
                        .keys()
                        .map(String::as_str)
                        .filter(|k| props.is_none_or(|p| !p.contains_key(*k)))
                        .collect();
                    if !extra.is_empty() {
                        return fail(
                            path,
                            format!("Additional properties not allowed: {}", extra.join(",")),
                        );
                    }
                }
                Some(extra @ Value::Object(_)) => {
                    for (k, x) in o {
                        if props.is_none_or(|p| !p.contains_key(k)) {
                            path.push(k.clone());
                            let r = check(spec, extra, x, path, depth + 1);
                            path.pop();
                            r?;
                        }
                    }
                }
                _ => {}
            }
            if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64)
                && o.len() as u64 > max
            {
                return fail(
                    path,
                    format!("Too many properties defined ({}), maximum {max}", o.len()),
                );
            }
            if let Some(min) = schema.get("minProperties").and_then(Value::as_u64)
                && (o.len() as u64) < min
            {
                return fail(
                    path,
                    format!("Too few properties defined ({}), minimum {min}", o.len()),
                );
            }
            for (k, x) in o {
                if let Some(ps) = props.and_then(|p| p.get(k)) {
                    path.push(k.clone());
                    let r = check(spec, ps, x, path, depth + 1);
                    path.pop();
                    r?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Whether `s` matches the ECMAScript `pattern`; None when the pattern is not one the
/// `regex` crate understands (lookaround): then it is not enforced.
fn matches_pattern(pattern: &str, s: &str) -> Option<bool> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let re = cache.entry(pattern.to_string()).or_insert_with(|| {
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .ok()
    });
    re.as_ref().map(|re| re.is_match(s))
}

/// The formats worth enforcing on requests; the rest (Auth0's own, like `connection-id`)
/// are not checked.
fn format_ok(format: &str, s: &str) -> bool {
    match format {
        "email" => s.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && !d.is_empty() && !d.contains('@') && !s.contains(char::is_whitespace)
        }),
        "date-time" => s.len() >= 10 && s.as_bytes().get(4) == Some(&b'-'),
        _ => true,
    }
}

/// A value that fits `schema`: its `const`, `default` or first `enum` value, or one built
/// from its type (objects get their required properties).
pub(crate) fn example(spec: &Spec, schema: &Value) -> Value {
    example_at(spec, schema, 0)
}

fn example_at(spec: &Spec, schema: &Value, depth: usize) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    let schema = spec.resolve(schema);
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(e) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.iter().find(|x| !x.is_null()))
    {
        return e.clone();
    }
    if let Some(d) = schema.get("default")
        && validate(spec, schema, d).is_ok()
    {
        return d.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|v| v.first())
        {
            return example_at(spec, first, depth + 1);
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut out = Map::new();
        for s in all {
            if let Value::Object(o) = example_at(spec, s, depth + 1) {
                out.extend(o);
            }
        }
        return Value::Object(out);
    }
    let ts = types(schema);
    let t = ts
        .iter()
        .find(|t| **t != "null")
        .copied()
        .or_else(|| schema.get("properties").map(|_| "object"))
        .unwrap_or("null");
    match t {
        "string" => Value::String(example_string(spec, schema)),
        "integer" => json!(number_in(schema).round() as i64),
        "number" => json!(number_in(schema)),
        "boolean" => Value::Bool(false),
        "array" => {
            let n = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = schema.get("items").cloned().unwrap_or(Value::Null);
            Value::Array((0..n).map(|_| example_at(spec, &item, depth + 1)).collect())
        }
        "object" => {
            let mut out = Map::new();
            let props = schema.get("properties").and_then(Value::as_object);
            for r in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                match props.and_then(|p| p.get(r)) {
                    Some(s) => {
                        out.insert(r.to_string(), example_at(spec, s, depth + 1));
                    }
                    // Required but undefined (an open schema): any value will do.
                    None if schema.get("additionalProperties") != Some(&Value::Bool(false)) => {
                        out.insert(r.to_string(), json!("example"));
                    }
                    None => {}
                }
            }
            // `minProperties`: defined properties first, then an extra one if allowed.
            let min = schema
                .get("minProperties")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            for (k, ps) in props.into_iter().flatten() {
                if out.len() as u64 >= min {
                    break;
                }
                out.entry(k.clone())
                    .or_insert_with(|| example_at(spec, ps, depth + 1));
            }
            if (out.len() as u64) < min
                && let Some(extra @ Value::Object(_)) = schema.get("additionalProperties")
            {
                out.insert("example".into(), example_at(spec, extra, depth + 1));
            }
            Value::Object(out)
        }
        _ => Value::Null,
    }
}

fn number_in(schema: &Value) -> f64 {
    let min = schema.get("minimum").and_then(Value::as_f64);
    let max = schema.get("maximum").and_then(Value::as_f64);
    match (min, max) {
        (Some(m), _) => m,
        (None, Some(m)) if m < 0.0 => m,
        _ => 0.0,
    }
}

fn example_string(spec: &Spec, schema: &Value) -> String {
    let base = match schema.get("format").and_then(Value::as_str).unwrap_or("") {
        "date-time" => util::now_iso(),
        "date" => "2024-01-01".to_string(),
        "email" | "email-or-empty" => "someone@example.com".to_string(),
        "uri"
        | "url"
        | "strict-uri"
        | "strict-https-uri"
        | "absolute-uri-or-empty"
        | "absolute-https-uri-or-empty"
        | "callback-url"
        | "url-or-null"
        | "strict-https-uri-or-null"
        | "forms-url-https"
        | "url-with-placeholders" => "https://example.com".to_string(),
        "uuid" => uuid(),
        "ipv4" => "127.0.0.1".to_string(),
        "ipv6" => "::1".to_string(),
        "cidr" => "127.0.0.0/8".to_string(),
        "hostname" | "hostname-rfc2181" => "example.com".to_string(),
        "html-color" | "html-color-or-null" | "forms-hex-color" => "#000000".to_string(),
        "hexadecimal" => util::hex(16),
        "user-id" | "user-id-with-max-length" => format!("auth0|{}", util::hex(24)),
        "connection-id" => format!("con_{}", util::alnum(16)),
        "client-id" => util::alnum(32),
        "organization-id" => format!("org_{}", util::alnum(16)),
        "organization-name" => "example-organization".to_string(),
        "role-id" => format!("rol_{}", util::alnum(16)),
        "client-grant-id" => format!("cgr_{}", util::alnum(16)),
        "log-stream-id" => format!("lst_{}", util::alnum(16)),
        _ => "example".to_string(),
    };
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0);
    let max = schema.get("maxLength").and_then(Value::as_u64);
    if let Some(p) = schema.get("pattern").and_then(Value::as_str)
        && matches_pattern(p, &base) == Some(false)
    {
        // Ids and codes in the spec's usual shapes; the first that fits wins.
        if let Some(literal) = literal_pattern(p)
            && validate(spec, schema, &json!(literal)).is_ok()
        {
            return literal;
        }
        let candidates = [
            util::alnum(32),
            util::alnum(16),
            util::hex(24),
            util::hex(32),
            uuid(),
            format!("con_{}", util::alnum(16)),
            format!("org_{}", util::alnum(16)),
            format!("rol_{}", util::alnum(16)),
            format!("cgr_{}", util::alnum(16)),
            "abcdefgh".to_string(),
            "#000000".to_string(),
            "1".to_string(),
        ];
        if let Some(c) = candidates
            .into_iter()
            .find(|c| validate(spec, schema, &json!(c)).is_ok())
        {
            return c;
        }
    }
    let mut s = base;
    while (s.chars().count() as u64) < min {
        s.push('x');
    }
    if let Some(max) = max {
        s = s
            .chars()
            .take(usize::try_from(max).unwrap_or(usize::MAX))
            .collect();
    }
    s
}

/// A new random string that fits a string schema's pattern or format (an id of a kind the
/// fake has no table entry for), or None.
pub(crate) fn fresh_string(spec: &Spec, schema: &Value) -> Option<String> {
    let prefix: String = schema
        .get("pattern")
        .and_then(Value::as_str)
        .and_then(|p| p.strip_prefix('^'))
        .map(|p| {
            p.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .unwrap_or_default();
    let candidates = [
        format!("{prefix}{}", util::alnum(16)),
        format!("{prefix}{}", util::alnum(22)),
        format!("{prefix}{}", util::hex(24)),
        util::alnum(32),
        util::alnum(16),
        util::hex(24),
        uuid(),
    ];
    candidates
        .into_iter()
        .find(|c| validate(spec, schema, &json!(c)).is_ok())
}

/// The one string a pattern with no wildcard admits (`^simplified/1.0$`), if it is one.
fn literal_pattern(pattern: &str) -> Option<String> {
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '.' | '/' | '-' | '_' => out.push(c),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

/// A random version-4 UUID, as text.
pub(crate) fn uuid() -> String {
    let h = util::hex(32);
    format!(
        "{}-{}-4{}-{}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        ["8", "9", "a", "b"][fastrand::usize(0..4)],
        &h[17..20],
        &h[20..32]
    )
}

/// `value` made to fit `schema`: properties the schema forbids are dropped, required ones
/// that are missing are filled with examples, and a value of the wrong shape is replaced by
/// an example.
pub(crate) fn conform(spec: &Spec, schema: &Value, value: Value) -> Value {
    conform_at(spec, schema, value, 0)
}

fn conform_at(spec: &Spec, schema: &Value, value: Value, depth: usize) -> Value {
    if depth > 12 || validate(spec, schema, &value).is_ok() {
        return value;
    }
    let schema = spec.resolve(schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = schema.get(key).and_then(Value::as_array) {
            let same_kind = variants.iter().find(|s| {
                let s = spec.resolve(s);
                types(s).iter().any(|t| type_ok(t, &value))
                    || (value.is_object() && s.get("properties").is_some())
            });
            return match same_kind {
                Some(s) => conform_at(spec, s, value, depth + 1),
                None => example(spec, schema),
            };
        }
    }
    match value {
        Value::Object(mut o)
            if types(schema).contains(&"object") || schema.get("properties").is_some() =>
        {
            let props = schema.get("properties").and_then(Value::as_object);
            if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                o.retain(|k, _| props.is_some_and(|p| p.contains_key(k)));
            }
            for r in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
                match props.and_then(|p| p.get(r)) {
                    _ if o.contains_key(r) => {}
                    Some(s) => {
                        o.insert(r.to_string(), example(spec, s));
                    }
                    // Required, undefined and not allowed: the schema contradicts itself.
                    None if closed => {}
                    None => {
                        o.insert(r.to_string(), json!("example"));
                    }
                }
            }
            let keys: Vec<String> = o.keys().cloned().collect();
            for k in keys {
                if let Some(ps) = props.and_then(|p| p.get(&k))
                    && let Some(v) = o.remove(&k)
                {
                    o.insert(k, conform_at(spec, ps, v, depth + 1));
                }
            }
            Value::Object(o)
        }
        Value::Array(items) if types(schema).contains(&"array") => {
            let item = schema.get("items").cloned().unwrap_or(Value::Null);
            Value::Array(
                items
                    .into_iter()
                    .map(|x| conform_at(spec, &item, x, depth + 1))
                    .collect(),
            )
        }
        _ => example(spec, schema),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::spec;

    fn schema(name: &str) -> Value {
        json!({"$ref": format!("#/components/schemas/{name}")})
    }

    #[test]
    fn auth0_wording() {
        let s = spec();
        let role = schema("CreateRoleRequestContent");
        assert!(validate(s, &role, &json!({"name": "a"})).is_ok());
        let e = validate(s, &role, &json!({"name": "a", "colour": 1})).unwrap_err();
        assert_eq!(
            e.message("Payload validation error"),
            "Payload validation error: 'Additional properties not allowed: colour'."
        );
        let e = validate(s, &role, &json!({})).unwrap_err();
        assert_eq!(e.detail, "Missing required property: name");
        let e = validate(s, &role, &json!({"name": 3})).unwrap_err();
        assert_eq!(
            e.message("Payload validation error"),
            "Payload validation error: 'Expected type string but found type integer' on property name."
        );
        let org = schema("CreateOrganizationRequestContent");
        let e = validate(s, &org, &json!({"name": "x".repeat(51)})).unwrap_err();
        assert_eq!(e.detail, "String is too long (51 chars), maximum 50");
    }

    #[test]
    fn examples_fit_and_conform_fixes() {
        let s = spec();
        for name in [
            "CreateClientRequestContent",
            "CreateConnectionRequestContent",
            "CreateResourceServerRequestContent",
            "CreateClientGrantRequestContent",
            "CreateOrganizationRequestContent",
        ] {
            let sc = schema(name);
            let ex = example(s, &sc);
            assert_eq!(validate(s, &sc, &ex), Ok(()), "{name}: {ex}");
        }
        let sc = schema("CreateRoleResponseContent");
        let fixed = conform(s, &sc, json!({"id": "rol_x", "name": "n", "extra": true}));
        assert_eq!(fixed, json!({"id": "rol_x", "name": "n"}));
        assert_eq!(uuid().len(), 36);
    }
}
