//! Roles: create, and the role ↔ user relation (assign, list with both paging styles).

use serde_json::{Map, Value, json};

use super::paging::{self, ListStyle};
use super::{Kind, decode_id, decode_path, invalid_body, not_found_user, parse_body, parse_query};
use crate::server::Resp;
use crate::state::Shared;
use crate::util;

/// Most users one `POST /roles/{id}/users` accepts.
pub(crate) const MAX_USERS_PER_ASSIGN: usize = 1000;

pub(super) fn not_found_role() -> Resp {
    Resp::error(404, "The role does not exist.", Some("inexistent_role"))
}

/// `POST /roles`: `{name, description?}` → 200 `{id: "rol_…", name, description?}`.
pub(super) fn create(shared: &Shared, query: &str, body: &[u8]) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let m = match parse_body(
        body,
        &[
            ("name", Kind::Str, false),
            ("description", Kind::Str, false),
        ],
    ) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(name) = m.get("name").and_then(Value::as_str) else {
        return invalid_body("'Missing required property: name'.");
    };
    let mut st = shared.lock();
    if st
        .roles
        .values()
        .any(|r| r.get("name").and_then(Value::as_str) == Some(name))
    {
        return Resp::error(409, "Role name already exists.", Some("conflict"));
    }
    let id = format!("rol_{}", util::alnum(16));
    let mut role = Map::new();
    role.insert("id".into(), json!(id));
    role.insert("name".into(), json!(name));
    if let Some(d) = m.get("description") {
        role.insert("description".into(), d.clone());
    }
    let role = Value::Object(role);
    st.roles.insert(id, role.clone());
    Resp::json(200, &role)
}

/// `POST /roles/{id}/users`: `{users: [user_id, …]}` → 200, empty body. Every user must exist.
pub(super) fn assign_users(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let role_id = match decode_path(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let m = match parse_body(body, &[("users", Kind::Arr, false)]) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let users = match string_list(&m, "users", MAX_USERS_PER_ASSIGN) {
        Ok(u) => u,
        Err(r) => return r,
    };
    let mut st = shared.lock();
    if !st.roles.contains_key(&role_id) {
        return not_found_role();
    }
    if users.iter().any(|u| st.get_user(u).is_none()) {
        return not_found_user();
    }
    for u in &users {
        st.role_users.add(&role_id, u);
    }
    Resp::empty(200)
}

/// `DELETE /roles/{id}` → 200; the role leaves every user that had it.
pub(super) fn delete(shared: &Shared, param: &str, query: &str) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let role_id = match decode_path(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let mut st = shared.lock();
    if st.roles.remove(&role_id).is_none() {
        return not_found_role();
    }
    st.role_users.remove_left(&role_id);
    Resp::empty(200)
}

/// `GET /users/{id}/roles`: offset paging → array or `{start, limit, total, roles}`.
pub(super) fn of_user(shared: &Shared, param: &str, query: &str) -> Resp {
    let params = match parse_query(query, &["per_page", "page", "include_totals"]) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let user_id = match decode_id(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let st = shared.lock();
    if st.get_user(&user_id).is_none() {
        return not_found_user();
    }
    let roles: Vec<(String, Value)> = st
        .role_users
        .lefts(&user_id)
        .filter_map(|id| st.roles.get(id).map(|r| (id.to_string(), r.clone())))
        .collect();
    paging::answer(
        &params,
        roles,
        &ListStyle {
            items_key: "roles",
            checkpoint: false,
            length: false,
            per_page_min: 1,
        },
    )
}

/// `GET /roles/{id}/users`: checkpoint (`from`/`take` → `{users, next}`) or offset
/// (`page`/`per_page`/`include_totals` → array or `{start, limit, total, users}`).
pub(super) fn list_users(shared: &Shared, param: &str, query: &str) -> Resp {
    let params = match parse_query(
        query,
        &["per_page", "page", "include_totals", "from", "take"],
    ) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let role_id = match decode_path(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let st = shared.lock();
    if !st.roles.contains_key(&role_id) {
        return not_found_role();
    }
    let items: Vec<(String, Value)> = st
        .role_users
        .rights(&role_id)
        .filter_map(|id| st.get_user(id).map(|u| (id.to_string(), user_summary(u))))
        .collect();
    paging::answer(
        &params,
        items,
        &ListStyle {
            items_key: "users",
            checkpoint: true,
            length: false,
            per_page_min: 1,
        },
    )
}

/// The short form of a user in relation lists: `user_id`, `email`, `picture`, `name`.
pub(super) fn user_summary(u: &Value) -> Value {
    let mut o = Map::new();
    for k in ["user_id", "email", "picture", "name"] {
        if let Some(v) = u.get(k) {
            o.insert(k.into(), v.clone());
        }
    }
    Value::Object(o)
}

/// A required array of non-empty strings of at most `max` items, deduplicated in order.
pub(super) fn string_list(
    m: &Map<String, Value>,
    key: &str,
    max: usize,
) -> Result<Vec<String>, Resp> {
    let Some(list) = m.get(key).and_then(Value::as_array) else {
        return Err(invalid_body(&format!(
            "'Missing required property: {key}'."
        )));
    };
    if list.is_empty() {
        return Err(invalid_body(&format!(
            "'Array is too short (0), minimum 1' on property {key}."
        )));
    }
    if list.len() > max {
        return Err(invalid_body(&format!(
            "'Array is too long ({}), maximum {max}' on property {key}.",
            list.len()
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for v in list {
        match v.as_str() {
            Some(s) if !s.is_empty() => {
                if !out.iter().any(|o| o == s) {
                    out.push(s.to_string());
                }
            }
            Some(_) => {
                return Err(invalid_body(&format!(
                    "'String is too short (0 chars), minimum 1' on property {key}."
                )));
            }
            None => {
                return Err(invalid_body(&format!(
                    "'Expected type string but found type {}' on property {key}.",
                    util::json_type(v)
                )));
            }
        }
    }
    Ok(out)
}
