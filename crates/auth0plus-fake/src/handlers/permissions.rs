//! Permissions of roles and users: `POST`/`DELETE`/`GET` on `/roles/{id}/permissions`
//! and `/users/{id}/permissions`.
//!
//! A permission is a scope of a resource server (`{resource_server_identifier,
//! permission_name}`). Assigned ones live in the store under their owner
//! (`roles/{id}/permissions`, `users/{id}/permissions`), so deleting the role or the user
//! takes them along. A scope removed from its API (or the API deleted) no longer shows in
//! any list, as on Auth0.
//!
//! Evidence (recordings of Auth0 itself): adding answers 201 `{}`, removing 204, and a
//! permission that no resource server defines is refused whole with 404
//! `inexistent_resource_server_permission` ("This permission does not exist: 'api - name'").
//! A user's list holds their direct permissions and those of their roles, each once, with
//! `sources` naming where it comes from (`DIRECT`, or `ROLE` with the role's id and name).

use serde_json::{Map, Value, json};

use super::paging::{self, ListStyle};
use super::roles::not_found_role;
use super::users::not_found_user;
use crate::server::Resp;
use crate::state::{Shared, State};

/// Who holds the permissions.
#[derive(Clone, Copy)]
pub(super) enum Owner {
    Role,
    User,
}

impl Owner {
    fn exists(self, st: &State, id: &str) -> bool {
        match self {
            Owner::Role => st.store.get("roles", id).is_some(),
            Owner::User => st.get_user(id).is_some(),
        }
    }

    fn not_found(self) -> Resp {
        match self {
            Owner::Role => not_found_role(),
            Owner::User => not_found_user(),
        }
    }

    fn collection(self, id: &str) -> String {
        match self {
            Owner::Role => format!("roles/{id}/permissions"),
            Owner::User => format!("users/{id}/permissions"),
        }
    }
}

/// The store key of a permission: sorts by API, then by name.
fn key(api: &str, name: &str) -> String {
    format!("{api}\u{0}{name}")
}

/// The permissions of a body the spec has already validated (`{permissions: [{…}]}`).
fn requested(body: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for p in body
        .get("permissions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default();
        let pair = (
            field("resource_server_identifier").to_string(),
            field("permission_name").to_string(),
        );
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    out
}

/// The resource server with this identifier and the scope named `name` on it.
fn scope<'a>(st: &'a State, api: &str, name: &str) -> Option<(&'a Value, &'a Value)> {
    st.store
        .list("resource-servers")
        .map(|(_, rs)| rs)
        .find(|rs| rs.get("identifier").and_then(Value::as_str) == Some(api))
        .and_then(|rs| {
            rs.get("scopes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|s| s.get("value").and_then(Value::as_str) == Some(name))
                .map(|s| (rs, s))
        })
}

/// A permission as lists show it, when its scope still exists.
fn shown(st: &State, api: &str, name: &str) -> Option<Map<String, Value>> {
    let (rs, sc) = scope(st, api, name)?;
    let mut o = Map::new();
    o.insert("permission_name".into(), json!(name));
    if let Some(d) = sc.get("description") {
        o.insert("description".into(), d.clone());
    }
    if let Some(n) = rs.get("name") {
        o.insert("resource_server_name".into(), n.clone());
    }
    o.insert("resource_server_identifier".into(), json!(api));
    Some(o)
}

fn stored(st: &State, collection: &str) -> Vec<(String, String)> {
    st.store
        .list(collection)
        .filter_map(|(_, v)| {
            let f = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
            Some((f("resource_server_identifier")?, f("permission_name")?))
        })
        .collect()
}

/// `POST …/permissions` (add) or `DELETE …/permissions` (remove).
pub(super) fn change(shared: &Shared, owner: Owner, id: &str, body: &Value, add: bool) -> Resp {
    let wanted = requested(body);
    let mut st = shared.lock();
    if !owner.exists(&st, id) {
        return owner.not_found();
    }
    let collection = owner.collection(id);
    if add {
        if let Some((api, name)) = wanted.iter().find(|(a, n)| scope(&st, a, n).is_none()) {
            return Resp::error(
                404,
                &format!("This permission does not exist: '{api} - {name}'"),
                Some("inexistent_resource_server_permission"),
            );
        }
        for (api, name) in &wanted {
            st.store.insert(
                &collection,
                &key(api, name),
                json!({"resource_server_identifier": api, "permission_name": name}),
            );
        }
        Resp::json(201, &json!({}))
    } else {
        for (api, name) in &wanted {
            st.store.remove(&collection, &key(api, name));
        }
        Resp::empty(204)
    }
}

/// `GET /roles/{id}/permissions`: offset paging → array or `{start, limit, total, permissions}`.
pub(super) fn of_role(shared: &Shared, id: &str, params: &[(String, String)]) -> Resp {
    let st = shared.lock();
    if st.store.get("roles", id).is_none() {
        return not_found_role();
    }
    let items = stored(&st, &Owner::Role.collection(id))
        .into_iter()
        .filter_map(|(api, name)| {
            shown(&st, &api, &name).map(|o| (key(&api, &name), Value::Object(o)))
        })
        .collect();
    paging::answer(params, items, &style())
}

/// `GET /users/{id}/permissions`: the user's own permissions and their roles', each once,
/// with its `sources`.
pub(super) fn of_user(shared: &Shared, id: &str, params: &[(String, String)]) -> Resp {
    let st = shared.lock();
    if st.get_user(id).is_none() {
        return not_found_user();
    }
    let mut sources: std::collections::BTreeMap<(String, String), Vec<Value>> =
        std::collections::BTreeMap::new();
    for pair in stored(&st, &Owner::User.collection(id)) {
        sources
            .entry(pair)
            .or_default()
            .push(json!({"source_id": "", "source_name": "", "source_type": "DIRECT"}));
    }
    for role_id in st.role_users.lefts(id) {
        let role_name = st
            .store
            .get("roles", role_id)
            .and_then(|r| r.get("name"))
            .cloned()
            .unwrap_or(Value::Null);
        for pair in stored(&st, &Owner::Role.collection(role_id)) {
            sources.entry(pair).or_default().push(
                json!({"source_id": role_id, "source_name": role_name, "source_type": "ROLE"}),
            );
        }
    }
    let items = sources
        .into_iter()
        .filter_map(|((api, name), from)| {
            let mut o = shown(&st, &api, &name)?;
            o.insert("sources".into(), Value::Array(from));
            Some((key(&api, &name), Value::Object(o)))
        })
        .collect();
    paging::answer(params, items, &style())
}

fn style() -> ListStyle<'static> {
    ListStyle::offset("permissions")
}
