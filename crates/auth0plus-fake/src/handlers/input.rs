//! Reading requests as Auth0 validates them: JSON bodies against field specs, query
//! strings against allowed names, path ids; and the `fields`/`sort` helpers of lists.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use crate::server::Resp;
use crate::util::json_type;

pub(super) fn invalid_body(detail: &str) -> Resp {
    Resp::error(
        400,
        &format!("Payload validation error: {detail}"),
        Some("invalid_body"),
    )
}

pub(super) fn invalid_query(detail: &str) -> Resp {
    Resp::error(
        400,
        &format!("Query validation error: {detail}"),
        Some("invalid_query_string"),
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Str,
    Bool,
    Obj,
    Int,
    Arr,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Str => "string",
            Kind::Bool => "boolean",
            Kind::Obj => "object",
            Kind::Int => "integer",
            Kind::Arr => "array",
        }
    }
    fn accepts(self, v: &Value) -> bool {
        match self {
            Kind::Str => v.is_string(),
            Kind::Bool => v.is_boolean(),
            Kind::Obj => v.is_object(),
            Kind::Int => v.is_i64() || v.is_u64(),
            Kind::Arr => v.is_array(),
        }
    }
}

/// Parse a JSON object body and check it against `(name, kind, nullable)` specs; other
/// keys are refused (`additionalProperties: false`).
pub(super) fn parse_body(
    body: &[u8],
    specs: &[(&str, Kind, bool)],
) -> Result<Map<String, Value>, Resp> {
    parse_body_checked(body, specs, false)
}

/// As [`parse_body`], for a schema that allows other keys (`additionalProperties: true`).
pub(super) fn parse_body_open(
    body: &[u8],
    specs: &[(&str, Kind, bool)],
) -> Result<Map<String, Value>, Resp> {
    parse_body_checked(body, specs, true)
}

pub(super) fn parse_body_checked(
    body: &[u8],
    specs: &[(&str, Kind, bool)],
    open: bool,
) -> Result<Map<String, Value>, Resp> {
    let v: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(body)
            .map_err(|_| invalid_body("'Invalid request payload JSON format'."))?
    };
    let Value::Object(m) = v else {
        return Err(invalid_body(&format!(
            "'Expected type object but found type {}'.",
            json_type(&v)
        )));
    };
    let unknown: Vec<&str> = m
        .keys()
        .map(String::as_str)
        .filter(|k| !open && !specs.iter().any(|(n, _, _)| n == k))
        .collect();
    if !unknown.is_empty() {
        return Err(invalid_body(&format!(
            "'Additional properties not allowed: {}'.",
            unknown.join(",")
        )));
    }
    for (name, kind, nullable) in specs {
        if let Some(v) = m.get(*name) {
            if v.is_null() && *nullable {
                continue;
            }
            if !kind.accepts(v) {
                return Err(invalid_body(&format!(
                    "'Expected type {} but found type {}' on property {name}.",
                    kind.name(),
                    json_type(v)
                )));
            }
        }
    }
    Ok(m)
}

pub(super) fn valid_email(e: &str) -> bool {
    match e.split_once('@') {
        Some((l, d)) => {
            !l.is_empty() && !d.is_empty() && !d.contains('@') && !e.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// Query parameters, checked against `allowed`.
pub(super) fn parse_query(query: &str, allowed: &[&str]) -> Result<Vec<(String, String)>, Resp> {
    parse_query_known(query, |k| allowed.contains(&k))
}

/// Query parameters; a name `known` refuses answers Auth0's 400.
pub(super) fn parse_query_known(
    query: &str,
    known: impl Fn(&str) -> bool,
) -> Result<Vec<(String, String)>, Resp> {
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut unknown: Vec<&str> = params
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !known(k))
        .collect();
    unknown.dedup();
    if !unknown.is_empty() {
        return Err(invalid_query(&format!(
            "'Additional properties not allowed: {}'.",
            unknown.join(",")
        )));
    }
    Ok(params)
}

pub(super) fn qget<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub(super) fn qbool(params: &[(String, String)], key: &str, default: bool) -> Result<bool, Resp> {
    match qget(params, key) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(invalid_query(&format!(
            "'Expected type boolean but found type string' on property {key}."
        ))),
    }
}

pub(super) fn qint(
    params: &[(String, String)],
    key: &str,
    default: i64,
    min: i64,
    max: Option<i64>,
) -> Result<i64, Resp> {
    let Some(raw) = qget(params, key) else {
        return Ok(default);
    };
    let n: i64 = raw.trim().parse().map_err(|_| {
        invalid_query(&format!(
            "'Expected type integer but found type string' on property {key}."
        ))
    })?;
    if n < min {
        return Err(invalid_query(&format!(
            "'Value {n} is less than minimum {min}' on property {key}."
        )));
    }
    if let Some(max) = max
        && n > max
    {
        return Err(invalid_query(&format!(
            "'Value {n} is greater than maximum {max}' on property {key}."
        )));
    }
    Ok(n)
}

/// Keep (include) or drop (exclude) the comma-separated `fields`.
pub(super) fn apply_fields(user: &Value, fields: Option<&str>, include: bool) -> Value {
    let Some(fields) = fields.filter(|f| !f.trim().is_empty()) else {
        return user.clone();
    };
    let list: Vec<&str> = fields
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    match user.as_object() {
        Some(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| list.contains(&k.as_str()) == include)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        None => user.clone(),
    }
}

pub(super) fn fields_params(params: &[(String, String)]) -> Result<(Option<String>, bool), Resp> {
    Ok((
        qget(params, "fields").map(str::to_string),
        qbool(params, "include_fields", true)?,
    ))
}

pub(super) fn decode_id(raw: &str) -> Result<String, Resp> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| {
            Resp::error(
                400,
                &format!("Object didn't pass validation for format user-id: {raw}"),
                Some("invalid_uri"),
            )
        })
}

/// A path parameter other than a user id, percent-decoded.
pub(super) fn decode_path(raw: &str) -> Result<String, Resp> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| {
            Resp::error(
                400,
                "Path validation error: 'String is not valid UTF-8' on property id.",
                Some("invalid_uri"),
            )
        })
}

/// Order for `sort`: missing values last, then numbers, strings, booleans.
pub(super) fn cmp_json(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => match (a, b) {
            (Value::Number(x), Value::Number(y)) => x
                .as_f64()
                .unwrap_or(0.0)
                .partial_cmp(&y.as_f64().unwrap_or(0.0))
                .unwrap_or(Ordering::Equal),
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            _ => a.to_string().cmp(&b.to_string()),
        },
    }
}
