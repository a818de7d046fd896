//! Route handlers: token, Management users API, tickets, jobs, and the `/__fake` API.

pub(crate) mod logs;
mod organizations;
mod paging;
mod roles;

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::Method;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use crate::server::{JSON_CT, Resp};
use crate::state::{
    ExportMode, Job, MAX_KNOB, MAX_SEED, MAX_TOKEN_TTL, Shared, new_user, user_connection,
};
use crate::util::{self, json_type};
use crate::{Fault, RateLimit, Route, lucene};

// ---------------------------------------------------------------- auth

/// Most faults one request may queue.
const MAX_FAULT_TIMES: u64 = 100_000;

const EXPIRED: &str = "Expired token received for JSON Web Token validation";

fn unauthorized(message: &str, attributes: bool) -> Resp {
    let mut v = util::mgmt_error(401, message, None);
    if attributes && let Some(o) = v.as_object_mut() {
        o.insert("attributes".into(), json!({"error": message}));
    }
    let mut r = Resp::json(401, &v);
    r.headers.push(("www-authenticate", "Bearer".into()));
    r
}

pub(crate) fn expired_token() -> Resp {
    unauthorized(EXPIRED, true)
}

fn required_scopes(route: Route) -> &'static [&'static str] {
    match route {
        Route::GetUser => &["read:users", "read:current_user", "read:user_idp_tokens"],
        Route::ListUsers | Route::UsersByEmail | Route::CreateExport => &["read:users"],
        Route::CreateUser => &["create:users"],
        Route::UpdateUser => &[
            "update:users",
            "update:users_app_metadata",
            "update:current_user_metadata",
        ],
        Route::DeleteUser => &["delete:users", "delete:current_user"],
        Route::EmailVerificationTicket | Route::PasswordChangeTicket => &["create:user_tickets"],
        Route::GetJob => &["create:users", "read:users"],
        Route::CreateRole => &["create:roles"],
        Route::AssignRoleUsers => &["update:roles", "create:role_members"],
        Route::ListRoleUsers => &["read:users", "read:roles", "read:role_members"],
        Route::CreateOrganization => &["create:organizations"],
        Route::AddOrganizationMembers => &["create:organization_members"],
        Route::ListOrganizationMembers => &["read:organization_members"],
        Route::ListLogs | Route::GetLog => &["read:logs", "read:logs_users"],
        Route::DeleteRole => &["delete:roles"],
        Route::ListUserRoles => &["read:users", "read:roles", "read:role_members"],
        Route::DeleteOrganization => &["delete:organizations"],
        Route::Token | Route::ExportDownload => &[],
    }
}

pub(crate) fn check_bearer(shared: &Shared, auth: Option<&str>, route: Route) -> Result<(), Resp> {
    let token = auth.and_then(|a| {
        let (scheme, rest) = a.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(unauthorized("Missing authentication", false));
    };
    let st = shared.lock();
    let Some(info) = st.tokens.get(token) else {
        return Err(unauthorized("Invalid token", true));
    };
    if info.expires <= Instant::now() {
        return Err(unauthorized(EXPIRED, true));
    }
    let need = required_scopes(route);
    if !need.is_empty() && !need.iter().any(|n| info.scopes.iter().any(|s| s == n)) {
        return Err(Resp::error(
            403,
            &format!("Insufficient scope, expected any of: {}", need.join(",")),
            Some("insufficient_scope"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- /oauth/token

fn oauth_error(status: u16, error: &str, description: &str) -> Resp {
    Resp::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

pub(crate) fn token(shared: &Shared, auth: Option<&str>, content_type: &str, body: &[u8]) -> Resp {
    let params: Map<String, Value> = if content_type
        .starts_with("application/x-www-form-urlencoded")
    {
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    } else if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                return oauth_error(
                    400,
                    "invalid_request",
                    "Invalid request body: expected a JSON object",
                );
            }
            Err(_) if !content_type.starts_with("application/json") => form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
            Err(_) => {
                return oauth_error(
                    400,
                    "invalid_request",
                    "Invalid request body: not valid JSON",
                );
            }
        }
    };
    let get = |k: &str| {
        params
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let Some(grant) = get("grant_type") else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: grant_type",
        );
    };
    if grant != "client_credentials" {
        return oauth_error(400, "unsupported_grant_type", "Grant type not supported");
    }
    // Credentials from HTTP Basic (client_secret_basic) or the body (client_secret_post).
    let basic = auth.and_then(|a| {
        let (scheme, rest) = a.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = String::from_utf8(STANDARD.decode(rest.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let dec = |s: &str| {
            percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        Some((dec(id), dec(secret)))
    });
    let (client_id, secret) = match &basic {
        Some((id, secret)) => (Some(id.as_str()), Some(secret.as_str())),
        None => (get("client_id"), get("client_secret")),
    };
    let Some(client_id) = client_id else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: client_id",
        );
    };
    if client_id != shared.cfg.client_id || secret != Some(shared.cfg.client_secret.as_str()) {
        return oauth_error(401, "access_denied", "Unauthorized");
    }
    let Some(audience) = get("audience") else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: audience",
        );
    };
    if audience != shared.cfg.audience() {
        return oauth_error(
            403,
            "access_denied",
            &format!("Service not enabled within domain: {audience}"),
        );
    }
    let (access_token, scope, ttl) = shared.issue_token(get("scope"));
    let mut r = Resp::json(
        200,
        &json!({"access_token": access_token, "scope": scope, "expires_in": ttl, "token_type": "Bearer"}),
    );
    r.headers.push(("cache-control", "no-store".into()));
    r
}

// ---------------------------------------------------------------- helpers

fn invalid_body(detail: &str) -> Resp {
    Resp::error(
        400,
        &format!("Payload validation error: {detail}"),
        Some("invalid_body"),
    )
}

fn invalid_query(detail: &str) -> Resp {
    Resp::error(
        400,
        &format!("Query validation error: {detail}"),
        Some("invalid_query_string"),
    )
}

fn not_found_user() -> Resp {
    Resp::error(404, "The user does not exist.", Some("inexistent_user"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
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
fn parse_body(body: &[u8], specs: &[(&str, Kind, bool)]) -> Result<Map<String, Value>, Resp> {
    parse_body_checked(body, specs, false)
}

/// As [`parse_body`], for a schema that allows other keys (`additionalProperties: true`).
fn parse_body_open(body: &[u8], specs: &[(&str, Kind, bool)]) -> Result<Map<String, Value>, Resp> {
    parse_body_checked(body, specs, true)
}

fn parse_body_checked(
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

fn valid_email(e: &str) -> bool {
    match e.split_once('@') {
        Some((l, d)) => {
            !l.is_empty() && !d.is_empty() && !d.contains('@') && !e.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// Query parameters, checked against `allowed`.
fn parse_query(query: &str, allowed: &[&str]) -> Result<Vec<(String, String)>, Resp> {
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut unknown: Vec<&str> = params
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !allowed.contains(k))
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

fn qget<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn qbool(params: &[(String, String)], key: &str, default: bool) -> Result<bool, Resp> {
    match qget(params, key) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(invalid_query(&format!(
            "'Expected type boolean but found type string' on property {key}."
        ))),
    }
}

fn qint(
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
fn apply_fields(user: &Value, fields: Option<&str>, include: bool) -> Value {
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

fn fields_params(params: &[(String, String)]) -> Result<(Option<String>, bool), Resp> {
    Ok((
        qget(params, "fields").map(str::to_string),
        qbool(params, "include_fields", true)?,
    ))
}

fn decode_id(raw: &str) -> Result<String, Resp> {
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
fn decode_path(raw: &str) -> Result<String, Resp> {
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

// ---------------------------------------------------------------- dispatch

pub(crate) fn dispatch(
    shared: &Shared,
    route: Route,
    param: &str,
    query: &str,
    body: &[u8],
) -> Resp {
    match route {
        Route::CreateUser => create_user(shared, query, body),
        Route::GetUser => get_user(shared, param, query),
        Route::UpdateUser => update_user(shared, param, query, body),
        Route::DeleteUser => delete_user(shared, param, query),
        Route::ListUsers => list_users(shared, query),
        Route::UsersByEmail => users_by_email(shared, query),
        Route::EmailVerificationTicket => email_ticket(shared, body),
        Route::PasswordChangeTicket => password_ticket(shared, body),
        Route::CreateExport => create_export(shared, body),
        Route::GetJob => get_job(shared, param),
        Route::CreateRole => roles::create(shared, query, body),
        Route::AssignRoleUsers => roles::assign_users(shared, param, query, body),
        Route::ListRoleUsers => roles::list_users(shared, param, query),
        Route::CreateOrganization => organizations::create(shared, query, body),
        Route::AddOrganizationMembers => organizations::add_members(shared, param, query, body),
        Route::ListOrganizationMembers => organizations::list_members(shared, param, query),
        Route::ListLogs => logs::list(shared, query),
        Route::GetLog => logs::get(shared, param, query),
        Route::DeleteRole => roles::delete(shared, param, query),
        Route::ListUserRoles => roles::of_user(shared, param, query),
        Route::DeleteOrganization => organizations::delete(shared, param, query),
        Route::Token | Route::ExportDownload => Resp::error(404, "Not Found", None),
    }
}

const CREATE_SPECS: &[(&str, Kind, bool)] = &[
    ("connection", Kind::Str, false),
    ("email", Kind::Str, false),
    ("password", Kind::Str, false),
    ("username", Kind::Str, false),
    ("phone_number", Kind::Str, false),
    ("email_verified", Kind::Bool, false),
    ("verify_email", Kind::Bool, false),
    ("phone_verified", Kind::Bool, false),
    ("given_name", Kind::Str, false),
    ("family_name", Kind::Str, false),
    ("name", Kind::Str, false),
    ("nickname", Kind::Str, false),
    ("picture", Kind::Str, false),
    ("user_id", Kind::Str, false),
    ("blocked", Kind::Bool, false),
    ("user_metadata", Kind::Obj, false),
    ("app_metadata", Kind::Obj, false),
];

fn create_user(shared: &Shared, query: &str, body: &[u8]) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let m = match parse_body(body, CREATE_SPECS) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let s = |k: &str| m.get(k).and_then(Value::as_str);
    let Some(connection) = s("connection") else {
        return invalid_body("'Missing required property: connection'.");
    };
    if connection.is_empty() {
        return invalid_body("'String is too short (0 chars), minimum 1' on property connection.");
    }
    if connection != shared.cfg.connection {
        return Resp::error(
            400,
            "Connection does not exist.",
            Some("inexistent_connection"),
        );
    }
    let Some(email) = s("email") else {
        return invalid_body("'Missing required property: email'.");
    };
    if !valid_email(email) {
        return invalid_body(&format!(
            "'Object didn't pass validation for format email: {email}' on property email."
        ));
    }
    if s("password").is_none() {
        return invalid_body("'Missing required property: password'.");
    }
    if let Some(u) = s("username") {
        if !shared.cfg.requires_username {
            return Resp::error(
                400,
                "Cannot set username for connection without requires_username.",
                None,
            );
        }
        if u.is_empty() || u.chars().count() > 128 {
            return invalid_body(
                "'String is too short (0 chars), minimum 1' on property username.",
            );
        }
    } else if shared.cfg.requires_username {
        return invalid_body("'Missing required property: username'.");
    }
    if let Some(id) = s("user_id")
        && (id.is_empty() || id.contains(char::is_whitespace) || id.len() > 255)
    {
        return invalid_body(&format!(
            "'String does not match pattern ^\\S*$: {id}' on property user_id."
        ));
    }
    if let Some(meta) = m.get("app_metadata").and_then(Value::as_object) {
        const RESERVED: &[&str] = &[
            "__tenant",
            "_id",
            "blocked",
            "clientID",
            "created_at",
            "email_verified",
            "email",
            "globalClientID",
            "global_client_id",
            "identities",
            "lastIP",
            "lastLogin",
            "loginsCount",
            "metadata",
            "multifactor_last_modified",
            "multifactor",
            "updated_at",
            "user_id",
        ];
        if let Some(k) = meta.keys().find(|k| RESERVED.contains(&k.as_str())) {
            return invalid_body(&format!(
                "'Invalid app_metadata key: {k}' on property app_metadata."
            ));
        }
    }
    let user = new_user(connection, &m, s("user_id"));
    let id = user
        .get("user_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut st = shared.lock();
    let dup = st.get_user(&id).is_some()
        || st.conflict(connection, "email", email, None)
        || s("username").is_some_and(|u| st.conflict(connection, "username", u, None));
    if dup {
        return Resp::error(409, "The user already exists.", Some("auth0_idp_error"));
    }
    st.create_user(user.clone());
    Resp::json(201, &user)
}

fn get_user(shared: &Shared, param: &str, query: &str) -> Resp {
    let params = match parse_query(query, &["fields", "include_fields"]) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (fields, include) = match fields_params(&params) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let id = match decode_id(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let st = shared.lock();
    match st.get_user(&id) {
        Some(u) => Resp::json(200, &apply_fields(u, fields.as_deref(), include)),
        None => not_found_user(),
    }
}

fn delete_user(shared: &Shared, param: &str, query: &str) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let id = match decode_id(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    shared.lock().delete_user(&id);
    Resp::empty(204)
}

const PATCH_SPECS: &[(&str, Kind, bool)] = &[
    ("app_metadata", Kind::Obj, true),
    ("user_metadata", Kind::Obj, true),
    ("blocked", Kind::Bool, false),
    ("email", Kind::Str, true),
    ("email_verified", Kind::Bool, false),
    ("family_name", Kind::Str, true),
    ("given_name", Kind::Str, true),
    ("name", Kind::Str, true),
    ("nickname", Kind::Str, true),
    ("password", Kind::Str, true),
    ("phone_number", Kind::Str, true),
    ("phone_verified", Kind::Bool, false),
    ("picture", Kind::Str, true),
    ("username", Kind::Str, true),
    ("verify_email", Kind::Bool, false),
    ("verify_phone_number", Kind::Bool, false),
    ("connection", Kind::Str, false),
    ("client_id", Kind::Str, false),
];

const FORBIDDEN: &[(&str, &str)] = &[
    ("password", "email"),
    ("password", "email_verified"),
    ("username", "email"),
    ("username", "email_verified"),
    ("username", "password"),
];

fn update_user(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let id = match decode_id(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let m = match parse_body(body, PATCH_SPECS) {
        Ok(m) => m,
        Err(r) => return r,
    };
    for (a, b) in FORBIDDEN {
        if m.contains_key(*a) && m.contains_key(*b) {
            return Resp::error(
                400,
                &format!("Cannot update {a} and {b} simultaneously."),
                Some("invalid_body"),
            );
        }
    }
    if let Some(c) = m.get("connection").and_then(Value::as_str)
        && c != shared.cfg.connection
    {
        return Resp::error(
            400,
            "Connection does not exist.",
            Some("inexistent_connection"),
        );
    }
    if let Some(meta) = m.get("app_metadata").and_then(Value::as_object)
        && let Some(k) = meta.keys().find(|k| k.contains('.') || k.contains('$'))
    {
        return invalid_body(&format!(
            "'Invalid metadata key: {k}' on property app_metadata."
        ));
    }
    let mut st = shared.lock();
    let Some(old) = st.get_user(&id) else {
        return not_found_user();
    };
    let mut user = old.as_object().cloned().unwrap_or_default();
    let connection = user_connection(old)
        .unwrap_or(&shared.cfg.connection)
        .to_string();
    if let Some(email) = m.get("email").and_then(Value::as_str) {
        if !valid_email(email) {
            return invalid_body(&format!(
                "'Object didn't pass validation for format email: {email}' on property email."
            ));
        }
        if st.conflict(&connection, "email", email, Some(&id)) {
            return Resp::error(
                400,
                "The specified new email already exists",
                Some("auth0_idp_error"),
            );
        }
    }
    if let Some(u) = m.get("username").and_then(Value::as_str) {
        if !shared.cfg.requires_username {
            return Resp::error(
                400,
                "Cannot set username for connection without requires_username.",
                None,
            );
        }
        if st.conflict(&connection, "username", u, Some(&id)) {
            return Resp::error(
                400,
                "The specified new username already exists",
                Some("auth0_idp_error"),
            );
        }
    }
    for (k, v) in &m {
        match k.as_str() {
            "connection" | "client_id" | "verify_email" | "verify_phone_number" => {}
            "password" => {
                if v.is_string() {
                    user.insert("last_password_reset".into(), Value::String(util::now_iso()));
                }
            }
            "user_metadata" | "app_metadata" => match v {
                // Recorded behaviour: `user_metadata: {}` stays as `{}`, `app_metadata: {}` disappears.
                Value::Object(patch) if patch.is_empty() && k == "user_metadata" => {
                    user.insert(k.clone(), json!({}));
                }
                Value::Object(patch) if patch.is_empty() => {
                    user.remove(k);
                }
                Value::Object(patch) => {
                    let mut cur = user
                        .get(k)
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    for (mk, mv) in patch {
                        if mv.is_null() {
                            cur.remove(mk);
                        } else {
                            cur.insert(mk.clone(), mv.clone());
                        }
                    }
                    user.insert(k.clone(), Value::Object(cur));
                }
                _ => {
                    user.remove(k);
                }
            },
            "email" | "username" => match v.as_str() {
                Some(s) => {
                    user.insert(k.clone(), Value::String(s.to_lowercase()));
                    if k == "email" && !m.contains_key("email_verified") {
                        user.insert("email_verified".into(), Value::Bool(false));
                    }
                }
                None => {
                    user.remove(k);
                }
            },
            _ => {
                if v.is_null() {
                    user.remove(k);
                } else {
                    user.insert(k.clone(), v.clone());
                }
            }
        }
    }
    user.insert("updated_at".into(), Value::String(util::now_iso()));
    let user = Value::Object(user);
    st.replace_user(&id, user.clone());
    Resp::json(200, &user)
}

fn list_users(shared: &Shared, query: &str) -> Resp {
    let allowed = [
        "q",
        "search_engine",
        "page",
        "per_page",
        "include_totals",
        "sort",
        "fields",
        "include_fields",
        "connection",
        "primary_order",
    ];
    let params = match parse_query(query, &allowed) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match qget(&params, "search_engine") {
        None | Some("v3") => {}
        Some("v1") => {
            return Resp::error(
                400,
                "You are not allowed to use search_engine=v1.",
                Some("invalid_query_string"),
            );
        }
        Some("v2") => {
            return Resp::error(
                400,
                "You are not allowed to use search_engine=v2. Use search_engine=v3 instead.",
                Some("invalid_query_string"),
            );
        }
        Some(other) => {
            return invalid_query(&format!(
                "'No enum match for: {other}' on property search_engine."
            ));
        }
    }
    let per_page = match qint(&params, "per_page", 50, 0, Some(100)) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let page = match qint(&params, "page", 0, 0, None) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let include_totals = match qbool(&params, "include_totals", false) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = qbool(&params, "primary_order", true) {
        return r;
    }
    let (fields, include) = match fields_params(&params) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let sort = match qget(&params, "sort") {
        None => None,
        Some(s) => match s.rsplit_once(':') {
            Some((f, dir @ ("1" | "-1")))
                if !f.is_empty()
                    && f.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') =>
            {
                Some((f.to_string(), dir == "-1"))
            }
            _ => {
                return invalid_query(&format!(
                    "'String does not match pattern ^(([a-zA-Z0-9_\\.]+))\\:(1|-1)$: {s}' on property sort."
                ));
            }
        },
    };
    if (page.saturating_add(1)).saturating_mul(per_page) > 1000 {
        return Resp::error(
            400,
            "You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation",
            Some("invalid_paging"),
        );
    }
    let q = match lucene::parse(qget(&params, "q").unwrap_or("")) {
        Ok(q) => q,
        Err(e) => {
            let msg = if e.message.starts_with("Query validation error") {
                e.message
            } else {
                format!("Query validation error: '{}' on property q.", e.message)
            };
            return Resp::error(400, &msg, Some("invalid_query_string"));
        }
    };
    // Search a snapshot: a heavy query must not hold every other request.
    let snapshot = shared.lock().searchable();
    let mut hits: Vec<&Value> = snapshot
        .iter()
        .map(|u| &**u)
        .filter(|u| q.matches(u))
        .collect();
    if let Some((field, desc)) = &sort {
        hits.sort_by(|a, b| {
            let o = cmp_json(util::get_path(a, field), util::get_path(b, field));
            if *desc { o.reverse() } else { o }
        });
    }
    let total = hits.len();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (start, per) = ((page * per_page) as usize, per_page as usize);
    let users: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(per)
        .map(|u| apply_fields(u, fields.as_deref(), include))
        .collect();
    if include_totals {
        Resp::json(
            200,
            &json!({"start": start, "limit": per, "length": users.len(), "users": users, "total": total}),
        )
    } else {
        Resp::json(200, &Value::Array(users))
    }
}

/// Order for `sort`: missing values last, then numbers, strings, booleans.
fn cmp_json(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
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

fn users_by_email(shared: &Shared, query: &str) -> Resp {
    let params = match parse_query(query, &["email", "fields", "include_fields"]) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (fields, include) = match fields_params(&params) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(email) = qget(&params, "email") else {
        return invalid_query("'Missing required property: email'.");
    };
    if !valid_email(email) {
        return invalid_query(&format!(
            "'Object didn't pass validation for format email: {email}' on property email (Email address to search for (case-sensitive))."
        ));
    }
    let st = shared.lock();
    let found: Vec<Value> = st
        .users
        .values()
        .filter(|u| u.get("email").and_then(Value::as_str) == Some(email))
        .map(|u| apply_fields(u, fields.as_deref(), include))
        .collect();
    Resp::json(200, &Value::Array(found))
}

// ---------------------------------------------------------------- tickets

const TICKET_COMMON: &[(&str, Kind, bool)] = &[
    ("result_url", Kind::Str, false),
    ("client_id", Kind::Str, false),
    ("organization_id", Kind::Str, false),
    ("ttl_sec", Kind::Int, false),
    ("includeEmailInRedirect", Kind::Bool, false),
    ("identity", Kind::Obj, false),
];

fn ticket_url(shared: &Shared, kind: &str) -> Value {
    json!({"ticket": format!("https://{}/u/{kind}?ticket={}#", shared.cfg.domain, util::alnum(32))})
}

fn user_not_found_ticket() -> Resp {
    Resp::error(404, "User not found.", Some("inexistent_user"))
}

fn email_ticket(shared: &Shared, body: &[u8]) -> Resp {
    let mut specs = TICKET_COMMON.to_vec();
    specs.push(("user_id", Kind::Str, false));
    let m = match parse_body(body, &specs) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(user_id) = m.get("user_id").and_then(Value::as_str) else {
        return invalid_body("'Missing required property: user_id'.");
    };
    if m.contains_key("result_url") && m.contains_key("client_id") {
        return invalid_body("'result_url and client_id are mutually exclusive'.");
    }
    let st = shared.lock();
    match st.get_user(user_id) {
        None => user_not_found_ticket(),
        Some(u) if u.get("email").is_none() => Resp::error(
            400,
            "The user does not have an email address.",
            Some("invalid_body"),
        ),
        Some(_) => Resp::json(201, &ticket_url(shared, "email-verification")),
    }
}

fn password_ticket(shared: &Shared, body: &[u8]) -> Resp {
    let mut specs = TICKET_COMMON.to_vec();
    specs.extend([
        ("user_id", Kind::Str, false),
        ("connection_id", Kind::Str, false),
        ("email", Kind::Str, false),
        ("mark_email_as_verified", Kind::Bool, false),
        ("new_password", Kind::Str, false),
    ]);
    let m = match parse_body(body, &specs) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let s = |k: &str| m.get(k).and_then(Value::as_str);
    let st = shared.lock();
    match (s("user_id"), s("connection_id"), s("email")) {
        (Some(id), None, None) => match st.get_user(id) {
            Some(_) => Resp::json(201, &ticket_url(shared, "reset-password")),
            None => user_not_found_ticket(),
        },
        (None, Some(conn), Some(email)) => {
            if conn != shared.cfg.connection_id {
                return Resp::error(
                    400,
                    &format!("The connection with id {conn} does not exist."),
                    Some("invalid_body"),
                );
            }
            let lower = email.to_lowercase();
            let exists = st.users.values().any(|u| {
                user_connection(u) == Some(shared.cfg.connection.as_str())
                    && u.get("email").and_then(Value::as_str) == Some(lower.as_str())
            });
            if exists {
                Resp::json(201, &ticket_url(shared, "reset-password"))
            } else {
                user_not_found_ticket()
            }
        }
        _ => invalid_body(
            "'Either user_id or connection_id and email must be provided, but not both'.",
        ),
    }
}

// ---------------------------------------------------------------- jobs

fn create_export(shared: &Shared, body: &[u8]) -> Resp {
    let specs = [
        ("connection_id", Kind::Str, false),
        ("format", Kind::Str, false),
        ("limit", Kind::Int, false),
        ("fields", Kind::Arr, false),
    ];
    let m = match parse_body(body, &specs) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let format = m
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("csv")
        .to_string();
    if format != "json" && format != "csv" {
        return invalid_body(&format!(
            "'No enum match for: \"{format}\"' on property format."
        ));
    }
    if let Some(c) = m.get("connection_id").and_then(Value::as_str)
        && c != shared.cfg.connection_id
    {
        return Resp::error(
            400,
            "The connection does not exist.",
            Some("inexistent_connection"),
        );
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    if let Some(list) = m.get("fields").and_then(Value::as_array) {
        for f in list {
            let name = f.get("name").and_then(Value::as_str);
            let ok = f
                .as_object()
                .is_some_and(|o| o.keys().all(|k| k == "name" || k == "export_as"))
                && f.get("export_as").is_none_or(Value::is_string);
            let Some(name) = name.filter(|_| ok) else {
                return invalid_body(
                    "'Expected type object with a string name' on property fields.",
                );
            };
            let export_as = f.get("export_as").and_then(Value::as_str).unwrap_or(name);
            fields.push((name.to_string(), export_as.to_string()));
        }
    }
    let limit = m.get("limit").and_then(Value::as_u64);
    let id = format!("job_{}", util::alnum(16));
    let mut job = Map::new();
    job.insert("type".into(), json!("users_export"));
    job.insert("status".into(), json!("pending"));
    if let Some(c) = m.get("connection_id") {
        job.insert("connection_id".into(), c.clone());
    }
    job.insert("format".into(), json!(format));
    if let Some(l) = m.get("limit") {
        job.insert("limit".into(), l.clone());
    }
    if let Some(f) = m.get("fields") {
        job.insert("fields".into(), f.clone());
    }
    if m.contains_key("connection_id") {
        job.insert("connection".into(), json!(shared.cfg.connection));
    }
    job.insert("created_at".into(), json!(util::now_iso()));
    job.insert("id".into(), json!(id));
    let body = Value::Object(job);

    // A snapshot under the lock; the file is built after releasing it.
    let (snapshot, mode, duration) = {
        let mut st = shared.lock();
        let snapshot: Vec<Arc<Value>> = st.users.values().cloned().collect();
        let mode = std::mem::replace(&mut st.next_export, ExportMode::Normal);
        (snapshot, mode, st.export_duration)
    };
    let users: Vec<&Value> = snapshot
        .iter()
        .map(|u| &**u)
        .filter(|u| {
            !m.contains_key("connection_id")
                || user_connection(u) == Some(shared.cfg.connection.as_str())
        })
        .take(limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX)))
        .collect();
    let raw = export_file(&users, &format, &fields);
    let mut file = gzip(&raw);
    if mode == ExportMode::Corrupt {
        file.truncate(file.len() / 2);
    }
    let mut st = shared.lock();
    st.prune_jobs(Instant::now());
    st.jobs.insert(
        id,
        Job {
            created: Instant::now(),
            duration,
            mode,
            body: body.clone(),
            format,
            file,
        },
    );
    Resp::json(200, &body)
}

fn export_file(users: &[&Value], format: &str, fields: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    if format == "json" {
        for u in users {
            let line = if fields.is_empty() {
                (*u).clone()
            } else {
                let mut o = Map::new();
                for (name, as_) in fields {
                    if let Some(v) = util::get_path(u, name) {
                        o.insert(as_.clone(), v.clone());
                    }
                }
                Value::Object(o)
            };
            out.extend_from_slice(line.to_string().as_bytes());
            out.push(b'\n');
        }
    } else {
        let default: Vec<(String, String)> = [
            "user_id",
            "email",
            "email_verified",
            "name",
            "nickname",
            "created_at",
            "updated_at",
        ]
        .iter()
        .map(|f| ((*f).to_string(), (*f).to_string()))
        .collect();
        let fields = if fields.is_empty() {
            &default[..]
        } else {
            fields
        };
        let header: Vec<String> = fields.iter().map(|(_, a)| csv_cell(a)).collect();
        out.extend_from_slice(header.join(",").as_bytes());
        out.push(b'\n');
        for u in users {
            let row: Vec<String> = fields
                .iter()
                .map(|(n, _)| match util::get_path(u, n) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => csv_cell(s),
                    Some(v) => csv_cell(&v.to_string()),
                })
                .collect();
            out.extend_from_slice(row.join(",").as_bytes());
            out.push(b'\n');
        }
    }
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    if enc.write_all(raw).is_err() {
        return Vec::new();
    }
    enc.finish().unwrap_or_default()
}

fn get_job(shared: &Shared, param: &str) -> Resp {
    let id = percent_decode_str(param).decode_utf8_lossy().into_owned();
    let st = shared.lock();
    let Some(job) = st.jobs.get(&id) else {
        return Resp::error(404, "Job not found.", Some("inexistent_job"));
    };
    let mut body = job.body.as_object().cloned().unwrap_or_default();
    let elapsed = job.created.elapsed();
    let d = job.duration;
    let status = if job.mode == ExportMode::Stall {
        if elapsed < d / 4 {
            "pending"
        } else {
            "processing"
        }
    } else if elapsed >= d {
        if job.mode == ExportMode::Fail {
            "failed"
        } else {
            "completed"
        }
    } else if elapsed < d / 4 {
        "pending"
    } else {
        "processing"
    };
    body.insert("status".into(), json!(status));
    if status == "processing" {
        let pct = if d.is_zero() {
            99
        } else {
            ((elapsed.as_secs_f64() / d.as_secs_f64()) * 100.0).min(99.0) as u64
        };
        let left = if job.mode == ExportMode::Stall {
            d.max(Duration::from_secs(1))
        } else {
            d.saturating_sub(elapsed)
        };
        body.insert("percentage_done".into(), json!(pct));
        body.insert(
            "time_left_seconds".into(),
            json!(left.as_secs_f64().ceil() as u64),
        );
    }
    if status == "completed" {
        body.insert(
            "location".into(),
            json!(format!(
                "{}/__fake/exports/{id}.{}.gz",
                shared.cfg.base_url, job.format
            )),
        );
    }
    if status == "failed" {
        body.insert(
            "status_details".into(),
            json!("The export job failed (injected by the fake tenant)."),
        );
    }
    Resp::json(200, &Value::Object(body))
}

pub(crate) fn download(shared: &Shared, file: &str) -> Resp {
    let file = percent_decode_str(file).decode_utf8_lossy().into_owned();
    let id = file.split('.').next().unwrap_or_default();
    let st = shared.lock();
    let ready = st.jobs.get(id).filter(|j| {
        j.created.elapsed() >= j.duration
            && matches!(j.mode, ExportMode::Normal | ExportMode::Corrupt)
            && file == format!("{id}.{}.gz", j.format)
    });
    match ready {
        Some(job) => Resp {
            status: 200,
            content_type: "application/gzip",
            headers: Vec::new(),
            body: Bytes::from(job.file.clone()),
        },
        None => Resp::error(404, "Export file not found.", None),
    }
}

// ---------------------------------------------------------------- /__fake

fn config_json(shared: &Shared) -> Value {
    let st = shared.lock();
    json!({
        "latency_ms": st.latency.as_millis() as u64,
        "rate_limit": st.bucket.as_ref().map(|b| json!({"per_second": b.limit.per_second, "burst": b.limit.burst})),
        "index_delay_ms": st.index_delay.as_millis() as u64,
        "export_duration_ms": st.export_duration.as_millis() as u64,
        "token_ttl_s": st.token_ttl.as_secs(),
    })
}

fn admin_error(message: &str) -> Resp {
    Resp::error(400, message, Some("invalid_body"))
}

pub(crate) fn admin(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Resp {
    let parse = || -> Result<Map<String, Value>, Resp> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(admin_error("The body must be a JSON object.")),
        }
    };
    // Every duration is bounded: they are added to instants.
    let ms = |v: &Value| {
        v.as_u64()
            .map(Duration::from_millis)
            .filter(|d| *d <= MAX_KNOB)
    };
    match (method, path) {
        (&Method::GET, "/__fake/counters") => Resp::json(200, &shared.lock().counters.to_json()),
        (&Method::POST, "/__fake/reset-counters") => {
            shared.lock().counters = crate::Counters::default();
            Resp::empty(204)
        }
        (&Method::GET, "/__fake/config") => Resp::json(200, &config_json(shared)),
        (&Method::PUT, "/__fake/config") => {
            let m = match parse() {
                Ok(m) => m,
                Err(r) => return r,
            };
            {
                let mut st = shared.lock();
                for (k, v) in &m {
                    match k.as_str() {
                        "latency_ms" => match ms(v) {
                            Some(d) => st.latency = d,
                            None => {
                                return admin_error(
                                    "latency_ms must be an integer from 0 to 86400000",
                                );
                            }
                        },
                        "index_delay_ms" => match ms(v) {
                            Some(d) => st.index_delay = d,
                            None => {
                                return admin_error(
                                    "index_delay_ms must be an integer from 0 to 86400000",
                                );
                            }
                        },
                        "export_duration_ms" => match ms(v) {
                            Some(d) => st.export_duration = d,
                            None => {
                                return admin_error(
                                    "export_duration_ms must be an integer from 0 to 86400000",
                                );
                            }
                        },
                        "token_ttl_s" => match v
                            .as_u64()
                            .map(Duration::from_secs)
                            .filter(|d| *d <= MAX_TOKEN_TTL)
                        {
                            Some(d) => st.token_ttl = d,
                            None => {
                                return admin_error(
                                    "token_ttl_s must be an integer from 0 to 315360000 (ten years)",
                                );
                            }
                        },
                        "rate_limit" => {
                            if v.is_null() {
                                st.set_rate_limit(None);
                            } else {
                                let ps = v.get("per_second").and_then(Value::as_f64);
                                let burst = v
                                    .get("burst")
                                    .and_then(Value::as_u64)
                                    .and_then(|b| u32::try_from(b).ok());
                                match (ps, burst) {
                                    (Some(per_second), Some(burst))
                                        if per_second.is_finite() && per_second >= 0.0 =>
                                    {
                                        st.set_rate_limit(Some(RateLimit { per_second, burst }));
                                    }
                                    _ => {
                                        return admin_error(
                                            "rate_limit must be null or {\"per_second\": f64, \"burst\": u32}",
                                        );
                                    }
                                }
                            }
                        }
                        other => return admin_error(&format!("unknown config key: {other}")),
                    }
                }
            }
            Resp::json(200, &config_json(shared))
        }
        (&Method::POST, "/__fake/faults") => {
            let m = match parse() {
                Ok(m) => m,
                Err(r) => return r,
            };
            let Some(route) = m
                .get("route")
                .and_then(Value::as_str)
                .and_then(Route::from_name)
            else {
                return admin_error("route must be one of the Route names (e.g. create_user)");
            };
            let delay = match m.get("delay_ms") {
                None => Duration::ZERO,
                Some(v) => match ms(v) {
                    Some(d) => d,
                    None => return admin_error("delay_ms must be an integer from 0 to 86400000"),
                },
            };
            let Some(fault) = m
                .get("fault")
                .and_then(Value::as_str)
                .and_then(|f| Fault::from_name(f, delay))
            else {
                return admin_error("fault must be one of the Fault names (e.g. internal_error)");
            };
            let times = match m.get("times").map(Value::as_u64) {
                None => 1,
                Some(Some(t @ 0..=MAX_FAULT_TIMES)) => usize::try_from(t).unwrap_or(1),
                Some(_) => {
                    return admin_error(&format!(
                        "times must be an integer from 0 to {MAX_FAULT_TIMES}"
                    ));
                }
            };
            shared.lock().inject_fault(route, fault, times);
            Resp::empty(204)
        }
        (&Method::DELETE, "/__fake/faults") => {
            shared.lock().faults.clear();
            Resp::empty(204)
        }
        (&Method::POST, "/__fake/seed") => {
            let m = match parse() {
                Ok(m) => m,
                Err(r) => return r,
            };
            let mut ids = Vec::new();
            let template = match m.get("template") {
                None => Map::new(),
                Some(Value::Object(t)) => t.clone(),
                Some(_) => return admin_error("template must be a JSON object"),
            };
            match m.get("count").map(Value::as_u64) {
                None => {}
                Some(Some(n @ 0..=MAX_SEED)) => {
                    ids.extend(shared.seed_users(usize::try_from(n).unwrap_or(0), &template));
                }
                Some(_) => {
                    return admin_error(&format!("count must be an integer from 0 to {MAX_SEED}"));
                }
            }
            if let Some(users) = m.get("users").and_then(Value::as_array) {
                if users.iter().any(|u| !u.is_object()) {
                    return admin_error("users must be an array of objects");
                }
                let mut st = shared.lock();
                for u in users {
                    ids.push(st.insert_user(u.clone(), &shared.cfg.connection));
                }
            }
            Resp::json(201, &json!({"user_ids": ids}))
        }
        (&Method::GET, "/__fake/users") => Resp::json(
            200,
            &Value::Array(
                shared
                    .lock()
                    .users
                    .values()
                    .map(|u| (**u).clone())
                    .collect(),
            ),
        ),
        (&Method::POST, "/__fake/token") => {
            Resp::json(200, &json!({"access_token": shared.issue_token(None).0}))
        }
        (&Method::POST, "/__fake/revoke-tokens") => {
            shared.lock().tokens.clear();
            Resp::empty(204)
        }
        (&Method::POST, "/__fake/exports") => {
            let m = match parse() {
                Ok(m) => m,
                Err(r) => return r,
            };
            let mode = match m.get("next").and_then(Value::as_str) {
                Some("fail") => ExportMode::Fail,
                Some("stall") => ExportMode::Stall,
                Some("corrupt") => ExportMode::Corrupt,
                Some("normal") => ExportMode::Normal,
                _ => return admin_error("next must be one of fail, stall, corrupt, normal"),
            };
            shared.lock().next_export = mode;
            Resp::empty(204)
        }
        _ => Resp {
            status: 404,
            content_type: JSON_CT,
            ..Resp::error(404, "Not Found", None)
        },
    }
}
