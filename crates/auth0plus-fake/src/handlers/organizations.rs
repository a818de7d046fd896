//! Organizations: create, and the organization ↔ member relation; a
//! member's roles in an organization; and what the generic store would get
//! wrong about an organization's other sub-resources (invitations, enabled
//! connections), each an entry of the routing table (`routes.rs`).

use serde_json::{Map, Value, json};

use super::input::{
    Kind, apply_fields, decode_path, fields_params, invalid_body, invalid_query, parse_body,
    parse_body_open, parse_query, qget, qint,
};
use super::links::{self, Change, Side, string_list};
use super::paging::{self, ListStyle};
use super::roles::{not_found_role, user_summary};
use super::routes::Call;
use super::shapes;
use super::users::not_found_user;
use super::{invitations, org_connections};
use crate::server::Resp;
use crate::spec::{Op, spec};
use crate::state::{Shared, State, member_key};
use crate::util;

pub(super) fn not_found_org() -> Resp {
    Resp::error(
        404,
        "No organization found by that id or name",
        Some("inexistent_organization"),
    )
}

/// Auth0's `organization-name` format: 1–50 of lowercase letters, digits, `-` and `_`.
fn valid_org_name(name: &str) -> bool {
    (1..=50).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `POST /organizations` → 201 with `id: "org_…"`.
pub(super) fn create(shared: &Shared, query: &str, body: &[u8]) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let m = match parse_body(
        body,
        &[
            ("name", Kind::Str, false),
            ("display_name", Kind::Str, false),
            ("branding", Kind::Obj, false),
            ("metadata", Kind::Obj, false),
            ("enabled_connections", Kind::Arr, false),
            ("token_quota", Kind::Obj, false),
        ],
    ) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(name) = m.get("name").and_then(Value::as_str) else {
        return invalid_body("'Missing required property: name'.");
    };
    if !valid_org_name(name) {
        return invalid_body(&format!(
            "'Object didn't pass validation for format organization-name: {name}' on property name (The name of this organization.)."
        ));
    }
    if let Some(d) = m.get("display_name").and_then(Value::as_str)
        && !(1..=255).contains(&d.chars().count())
    {
        return invalid_body(
            "'String length must be between 1 and 255' on property display_name (Friendly name of this organization.).",
        );
    }
    let mut st = shared.lock();
    if st
        .store
        .list("organizations")
        .any(|(_, x)| x.get("name").and_then(Value::as_str) == Some(name))
    {
        return Resp::error(
            409,
            "An organization with this name already exists.",
            Some("conflict"),
        );
    }
    let id = format!("org_{}", util::alnum(16));
    let mut org = Map::new();
    org.insert("id".into(), json!(id));
    for (k, v) in &m {
        org.insert(k.clone(), v.clone());
    }
    let org = Value::Object(org);
    st.store.insert("organizations", &id, org.clone());
    Resp::json(201, &org)
}

/// `DELETE /organizations/{id}` → 204; its memberships, its members' roles
/// in it, its invitations and enabled connections go with it.
pub(super) fn delete(shared: &Shared, param: &str, query: &str) -> Resp {
    links::delete_owner(
        shared,
        param,
        query,
        "organizations",
        |st| &mut st.org_members,
        |st, org| {
            let members: Vec<String> = st.org_members.rights(org).map(str::to_owned).collect();
            for user in members {
                st.org_member_roles.remove_right(&member_key(org, &user));
            }
        },
        not_found_org,
        204,
    )
}

/// `POST /organizations/{id}/members`: `{members: [user_id, …]}` → 204.
pub(super) fn add_members(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
    links::apply(shared, param, query, body, &members(true))
}

/// `DELETE /organizations/{id}/members`: `{members: [user_id, …]}` → 204.
/// A member who leaves loses their roles in the organization (guessed:
/// roles belong to the membership in Auth0's model).
pub(super) fn remove_members(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
    let resp = links::apply(shared, param, query, body, &members(false));
    if resp.status == 204
        && let Ok(org) = decode_path(param)
        && let Ok(ids) = parse_body_open(body, &[("members", Kind::Arr, false)])
            .and_then(|m| string_list(&m, "members", links::MAX_IDS_PER_CALL))
    {
        let mut st = shared.lock();
        for user in ids {
            st.org_member_roles.remove_right(&member_key(&org, &user));
        }
    }
    resp
}

fn members(add: bool) -> Change {
    Change {
        key: "members",
        // The spec leaves this body open (`additionalProperties: true`).
        open_body: true,
        owner: Side::Organization,
        listed: Side::User,
        add,
        relation: |st| &mut st.org_members,
        owner_is_left: true,
        status: 204,
    }
}

/// `GET /organizations/name/{name}`.
pub(super) fn by_name(shared: &Shared, param: &str, query: &str) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let name = match decode_path(param) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let st = shared.lock();
    st.store
        .list("organizations")
        .find(|(_, o)| o.get("name").and_then(Value::as_str) == Some(name.as_str()))
        .map_or_else(not_found_org, |(_, o)| Resp::json(200, o))
}

/// `GET /users/{id}/organizations`: offset paging → array or `{start, limit, total, organizations}`.
pub(super) fn of_user(shared: &Shared, param: &str, query: &str) -> Resp {
    links::of_user(
        shared,
        param,
        query,
        |st| &st.org_members,
        "organizations",
        "organizations",
    )
}

const MEMBER_FIELDS: [&str; 5] = ["user_id", "email", "picture", "name", "roles"];

/// `GET /organizations/{id}/members`: checkpoint or offset, `fields` among
/// `user_id,email,picture,name,roles`.
pub(super) fn list_members(shared: &Shared, param: &str, query: &str) -> Resp {
    let params = match parse_query(
        query,
        &[
            "page",
            "per_page",
            "include_totals",
            "from",
            "take",
            "fields",
            "include_fields",
        ],
    ) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (fields, include) = match fields_params(&params) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Some(f) = qget(&params, "fields")
        && f.split(',').any(|x| !MEMBER_FIELDS.contains(&x))
    {
        return invalid_query(&format!(
            "'String does not match pattern ^((user_id)|(email)|(picture)|(name)|(roles))(,((user_id)|(email)|(picture)|(name)|(roles)))*$: {f}' on property fields (Comma-separated list of fields to include or exclude (based on value provided for include_fields) in the result. Leave empty to retrieve all fields.)."
        ));
    }
    if past_members_window(&params) {
        // Auth0's words for members (its "retrieve members" docs), not user search's.
        return Resp::error(
            400,
            "Requesting page exceeds the allowed maximum of 1000 records",
            Some("invalid_paging"),
        );
    }
    let org_id = match decode_path(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let st = shared.lock();
    if st.store.get("organizations", &org_id).is_none() {
        return not_found_org();
    }
    let with_roles = fields
        .as_deref()
        .is_some_and(|f| include && f.split(',').any(|x| x == "roles"));
    let items: Vec<(String, Value)> = st
        .org_members
        .rights(&org_id)
        .filter_map(|id| {
            let mut m = user_summary(st.get_user(id)?);
            if with_roles && let Some(o) = m.as_object_mut() {
                let roles: Vec<Value> = member_roles(&st, &org_id, id)
                    .into_iter()
                    .map(|r| json!({"id": r.get("id"), "name": r.get("name")}))
                    .collect();
                o.insert("roles".into(), Value::Array(roles));
            }
            Some((id.to_string(), apply_fields(&m, fields.as_deref(), include)))
        })
        .collect();
    paging::answer(&params, items, &ListStyle::checkpoint("members"))
}

/// Whether offset paging asks for members past the first 1,000 (bad numbers
/// are left for the paging answer to refuse).
fn past_members_window(params: &[(String, String)]) -> bool {
    if paging::wants_checkpoint(params) {
        return false;
    }
    match (
        qint(params, "page", 0, 0, None),
        qint(params, "per_page", 50, 1, Some(100)),
    ) {
        (Ok(page), Ok(per_page)) => page.saturating_add(1).saturating_mul(per_page) > 1000,
        _ => false,
    }
}

/// `GET /organizations/{id}/{sub}`: what is stored under the organization,
/// with offset paging, its items under `sub` (`invitations`, `enabled_connections`).
pub(super) fn list_under(
    st: &State,
    org: &str,
    sub: &str,
    params: &[(String, String)],
    op: &Op,
) -> Resp {
    if st.store.get("organizations", org).is_none() {
        return not_found_org();
    }
    let items = st
        .store
        .list(&format!("organizations/{org}/{sub}"))
        .map(|(id, v)| (id.clone(), v.clone()))
        .collect();
    // In the envelopes the spec gives this list (invitations carry no `total`).
    let shapes = op
        .ok()
        .1
        .map(|sc| shapes::list_shapes(spec(), sc))
        .unwrap_or_default();
    shapes::list_answer(&shapes, params, items)
}

/// The roles member `user` has in organization `org`, as stored.
fn member_roles<'a>(st: &'a State, org: &str, user: &str) -> Vec<&'a Value> {
    let key = member_key(org, user);
    st.org_member_roles
        .lefts(&key)
        .filter_map(|role| st.store.get("roles", role))
        .collect()
}

/// 400 for roles of a user who is not a member (guessed wording and status).
fn not_a_member() -> Resp {
    Resp::error(
        400,
        "The user is not a member of the organization.",
        Some("invalid_body"),
    )
}

/// `POST`, `DELETE` and `GET /organizations/{id}/members/{user_id}/roles`:
/// `{roles: [role_id, …]}` → 204, or the member's roles with offset paging.
fn member_role_route(
    st: &mut State,
    method: &str,
    org: &str,
    user: &str,
    params: &[(String, String)],
    body: &Value,
) -> Resp {
    if st.store.get("organizations", org).is_none() {
        return not_found_org();
    }
    if st.get_user(user).is_none() {
        return not_found_user();
    }
    if !st.org_members.rights(org).any(|m| m == user) {
        return not_a_member();
    }
    let key = member_key(org, user);
    if method == "GET" {
        let items: Vec<(String, Value)> = member_roles(st, org, user)
            .into_iter()
            .map(|r| {
                let id = r.get("id").and_then(Value::as_str).unwrap_or_default();
                (id.to_owned(), r.clone())
            })
            .collect();
        return paging::answer(params, items, &ListStyle::offset("roles"));
    }
    let roles: Vec<&str> = body
        .get("roles")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if method == "POST" && roles.iter().any(|r| st.store.get("roles", r).is_none()) {
        return not_found_role();
    }
    for role in roles {
        if method == "POST" {
            st.org_member_roles.add(role, &key);
        } else {
            st.org_member_roles.remove(role, &key);
        }
    }
    Resp::empty(204)
}

/// `PATCH /organizations/{id}`: fields replace, but `metadata` merges one
/// level deep (a `null` value deletes its key, `{}` clears it), as its spec
/// (nullable values) and users' metadata say; a taken name is 409.
fn update(st: &mut State, id: &str, body: &Value) -> Resp {
    if let Some(name) = body.get("name").and_then(Value::as_str)
        && st
            .store
            .list("organizations")
            .any(|(other, o)| other != id && o.get("name").and_then(Value::as_str) == Some(name))
    {
        return Resp::error(
            409,
            "An organization with this name already exists.",
            Some("conflict"),
        );
    }
    let Some(Value::Object(org)) = st.store.get_mut("organizations", id) else {
        return not_found_org();
    };
    for (key, value) in body.as_object().into_iter().flatten() {
        match (key.as_str(), value) {
            ("metadata", Value::Object(changes)) if !changes.is_empty() => {
                let merged = org.entry("metadata").or_insert_with(|| json!({}));
                if let Value::Object(merged) = merged {
                    for (k, v) in changes {
                        if v.is_null() {
                            merged.remove(k);
                        } else {
                            merged.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            (_, Value::Null) => {
                org.remove(key);
            }
            _ => {
                org.insert(key.clone(), value.clone());
            }
        }
    }
    Resp::json(200, &Value::Object(org.clone()))
}

/// `GET /organizations/{id}`: Auth0's own 404 for an organization, else the store's.
pub(super) fn get(shared: &Shared, c: &Call<'_>) -> Resp {
    if shared
        .lock()
        .store
        .get("organizations", c.param(0))
        .is_none()
    {
        return not_found_org();
    }
    super::generic::answer(shared, c)
}

/// `PATCH /organizations/{id}` (see [`update`]).
pub(super) fn patch(shared: &Shared, c: &Call<'_>) -> Resp {
    let mut st = shared.lock();
    if st.store.get("organizations", c.param(0)).is_none() {
        return not_found_org();
    }
    update(&mut st, c.param(0), &c.body)
}

/// `GET /organizations/{id}/members/{user_id}/roles`.
pub(super) fn member_roles_get(shared: &Shared, c: &Call<'_>) -> Resp {
    let mut st = shared.lock();
    member_role_route(&mut st, "GET", c.param(0), c.param(1), &c.query, &c.body)
}

/// `POST /organizations/{id}/members/{user_id}/roles`.
pub(super) fn member_roles_add(shared: &Shared, c: &Call<'_>) -> Resp {
    let mut st = shared.lock();
    member_role_route(&mut st, "POST", c.param(0), c.param(1), &c.query, &c.body)
}

/// `DELETE /organizations/{id}/members/{user_id}/roles`.
pub(super) fn member_roles_remove(shared: &Shared, c: &Call<'_>) -> Resp {
    let mut st = shared.lock();
    member_role_route(&mut st, "DELETE", c.param(0), c.param(1), &c.query, &c.body)
}

/// `POST /organizations/{id}/invitations`.
pub(super) fn invitation_create(shared: &Shared, c: &Call<'_>) -> Resp {
    invitations::create(&mut shared.lock(), c.param(0), &c.body)
}

/// `GET /organizations/{id}/invitations`.
pub(super) fn invitation_list(shared: &Shared, c: &Call<'_>) -> Resp {
    invitations::list(&shared.lock(), c.param(0), &c.query, c.op)
}

/// `GET /organizations/{id}/invitations/{invitation_id}`.
pub(super) fn invitation_get(shared: &Shared, c: &Call<'_>) -> Resp {
    invitations::one(&mut shared.lock(), c.param(0), c.param(1), false)
}

/// `DELETE /organizations/{id}/invitations/{invitation_id}`.
pub(super) fn invitation_delete(shared: &Shared, c: &Call<'_>) -> Resp {
    invitations::one(&mut shared.lock(), c.param(0), c.param(1), true)
}

/// `POST /organizations/{id}/enabled_connections`.
pub(super) fn connection_add(shared: &Shared, c: &Call<'_>) -> Resp {
    org_connections::add(&mut shared.lock(), c.param(0), &c.body)
}

/// `GET /organizations/{id}/enabled_connections`.
pub(super) fn connection_list(shared: &Shared, c: &Call<'_>) -> Resp {
    org_connections::list(&shared.lock(), c.param(0), &c.query, c.op)
}

/// `GET /organizations/{id}/enabled_connections/{connectionId}`.
pub(super) fn connection_get(shared: &Shared, c: &Call<'_>) -> Resp {
    org_connections::one(&mut shared.lock(), c.param(0), c.param(1), "GET", &c.body)
}

/// `PATCH /organizations/{id}/enabled_connections/{connectionId}`.
pub(super) fn connection_patch(shared: &Shared, c: &Call<'_>) -> Resp {
    org_connections::one(&mut shared.lock(), c.param(0), c.param(1), "PATCH", &c.body)
}

/// `DELETE /organizations/{id}/enabled_connections/{connectionId}`.
pub(super) fn connection_delete(shared: &Shared, c: &Call<'_>) -> Resp {
    org_connections::one(
        &mut shared.lock(),
        c.param(0),
        c.param(1),
        "DELETE",
        &c.body,
    )
}

/// `DELETE /connections/{id}`: the connection leaves every organization it was enabled
/// for, then the store deletes it.
pub(super) fn connection_forget(shared: &Shared, c: &Call<'_>) -> Resp {
    org_connections::forget_connection(&mut shared.lock(), c.param(0));
    super::generic::answer(shared, c)
}
