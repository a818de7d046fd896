//! Roles: create, list by name, update, and the role ↔ user relation (assign, list with
//! both paging styles).

use serde_json::{Map, Value, json};

use super::input::{Kind, decode_path, invalid_body, parse_body, parse_query};
use super::links::{self, Change, Side};
use super::paging::{self, ListStyle};
use crate::server::Resp;
use crate::state::Shared;
use crate::util;

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
    if name_taken(&st, name, None) {
        return name_conflict();
    }
    let id = format!("rol_{}", util::alnum(16));
    let mut role = Map::new();
    role.insert("id".into(), json!(id));
    role.insert("name".into(), json!(name));
    if let Some(d) = m.get("description") {
        role.insert("description".into(), d.clone());
    }
    let role = Value::Object(role);
    st.store.insert("roles", &id, role.clone());
    Resp::json(200, &role)
}

/// `POST /roles/{id}/users`: `{users: [user_id, …]}` → 200, empty body. Every user must exist.
pub(super) fn assign_users(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
    links::apply(
        shared,
        param,
        query,
        body,
        &Change {
            key: "users",
            open_body: false,
            owner: Side::Role,
            listed: Side::User,
            add: true,
            relation: |st| &mut st.role_users,
            owner_is_left: true,
            status: 200,
        },
    )
}

/// `DELETE /roles/{id}` → 200; the role leaves every user that had it, in
/// organizations too.
pub(super) fn delete(shared: &Shared, param: &str, query: &str) -> Resp {
    links::delete_owner(
        shared,
        param,
        query,
        "roles",
        |st| &mut st.role_users,
        |st, id| st.org_member_roles.remove_left(id),
        not_found_role,
        200,
    )
}

/// `GET /users/{id}/roles`: offset paging → array or `{start, limit, total, roles}`.
pub(super) fn of_user(shared: &Shared, param: &str, query: &str) -> Resp {
    links::of_user(shared, param, query, |st| &st.role_users, "roles", "roles")
}

/// `POST /users/{id}/roles`: `{roles: [role_id, …]}` → 204. Every role must exist.
pub(super) fn assign_to_user(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
    links::apply(shared, param, query, body, &user_roles(true))
}

/// `DELETE /users/{id}/roles`: `{roles: [role_id, …]}` → 204. A role that does not exist is
/// a 404, as on Auth0 (terraform-provider-auth0's recording `TestAccUser` #38).
pub(super) fn remove_from_user(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
    let listed: Vec<String> = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|b| b.get("roles").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    {
        let st = shared.lock();
        let user_known = decode_path(param).is_ok_and(|id| st.get_user(&id).is_some());
        if user_known && listed.iter().any(|r| st.store.get("roles", r).is_none()) {
            return not_found_role();
        }
    }
    links::apply(shared, param, query, body, &user_roles(false))
}

fn user_roles(add: bool) -> Change {
    Change {
        key: "roles",
        open_body: false,
        owner: Side::User,
        listed: Side::Role,
        add,
        relation: |st| &mut st.role_users,
        owner_is_left: false,
        status: 204,
    }
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
    if st.store.get("roles", &role_id).is_none() {
        return not_found_role();
    }
    let items: Vec<(String, Value)> = st
        .role_users
        .rights(&role_id)
        .filter_map(|id| st.get_user(id).map(|u| (id.to_string(), user_summary(u))))
        .collect();
    paging::answer(&params, items, &ListStyle::checkpoint("users"))
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

/// Whether another role than `except` is named `name` (Auth0 keeps role names unique).
fn name_taken(st: &crate::state::State, name: &str, except: Option<&str>) -> bool {
    st.store.list("roles").any(|(id, x)| {
        x.get("name").and_then(Value::as_str) == Some(name) && Some(id.as_str()) != except
    })
}

fn name_conflict() -> Resp {
    Resp::error(409, "Role name already exists.", Some("conflict"))
}

/// `GET /roles`: offset paging; `name_filter` keeps the roles whose name contains it,
/// ignoring case (Auth0's filter is not an exact match: clients compare names themselves).
pub(super) fn list(shared: &Shared, params: &[(String, String)]) -> Resp {
    let filter = super::input::qget(params, "name_filter").map(str::to_lowercase);
    let st = shared.lock();
    let items: Vec<(String, Value)> = st
        .store
        .list("roles")
        .filter(|(_, r)| {
            filter.as_deref().is_none_or(|f| {
                r.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.to_lowercase().contains(f))
            })
        })
        .map(|(id, r)| (id.clone(), r.clone()))
        .collect();
    paging::answer(params, items, &ListStyle::offset("roles"))
}

/// `PATCH /roles/{id}` with a body the spec has validated: `name`/`description` replaced;
/// 409 when the new name is another role's.
pub(super) fn update(shared: &Shared, id: &str, body: &Value) -> Resp {
    let mut st = shared.lock();
    if st.store.get("roles", id).is_none() {
        return not_found_role();
    }
    if let Some(name) = body.get("name").and_then(Value::as_str)
        && name_taken(&st, name, Some(id))
    {
        return name_conflict();
    }
    let Some(role) = st.store.get_mut("roles", id).and_then(Value::as_object_mut) else {
        return not_found_role();
    };
    for key in ["name", "description"] {
        if let Some(v) = body.get(key) {
            role.insert(key.into(), v.clone());
        }
    }
    let role = Value::Object(role.clone());
    Resp::json(200, &role)
}
