//! Users: create, get, PATCH, delete, search (`GET /users`) and `/users-by-email`.

use serde_json::{Value, json};

use super::input::{
    Kind, apply_fields, cmp_json, decode_id, fields_params, invalid_body, invalid_query,
    parse_body, parse_query, qbool, qget, qint, valid_email,
};
use crate::lucene;
use crate::server::Resp;
use crate::state::{Shared, new_user, user_connection};
use crate::util;

/// 400 for a password the connection's policy refuses, as Auth0 words it.
fn too_weak() -> Resp {
    Resp::error(
        400,
        "PasswordStrengthError: Password is too weak",
        Some("invalid_password"),
    )
}

pub(super) fn not_found_user() -> Resp {
    Resp::error(404, "The user does not exist.", Some("inexistent_user"))
}

pub(super) const CREATE_SPECS: &[(&str, Kind, bool)] = &[
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

pub(super) fn create_user(shared: &Shared, query: &str, body: &[u8]) -> Resp {
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
    let Some(password) = s("password") else {
        return invalid_body("'Missing required property: password'.");
    };
    if !shared
        .lock()
        .password_policy(&shared.cfg.connection_id)
        .accepts(password)
    {
        return too_weak();
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
    super::user_world::remember_password(&mut st, &id, password);
    Resp::json(201, &user)
}

pub(super) fn get_user(shared: &Shared, param: &str, query: &str) -> Resp {
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

pub(super) fn delete_user(shared: &Shared, param: &str, query: &str) -> Resp {
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

pub(super) const PATCH_SPECS: &[(&str, Kind, bool)] = &[
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

pub(super) const FORBIDDEN: &[(&str, &str)] = &[
    ("password", "email"),
    ("password", "email_verified"),
    ("username", "email"),
    ("username", "email_verified"),
    ("username", "password"),
];

pub(super) fn update_user(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
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
    if let Some(password) = m.get("password").and_then(Value::as_str)
        && !st
            .password_policy(&shared.cfg.connection_id)
            .accepts(password)
    {
        return too_weak();
    }
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
                if let Some(password) = v.as_str() {
                    user.insert("last_password_reset".into(), Value::String(util::now_iso()));
                    super::user_world::remember_password(&mut st, &id, password);
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

pub(super) fn list_users(shared: &Shared, query: &str) -> Resp {
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

pub(super) fn users_by_email(shared: &Shared, query: &str) -> Resp {
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
