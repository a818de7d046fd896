//! Organizations: create, and the organization ↔ member relation.

use serde_json::{Map, Value, json};

use super::input::{
    Kind, apply_fields, decode_path, fields_params, invalid_body, invalid_query, parse_body,
    parse_query, qget,
};
use super::links::{self, Change, Side};
use super::paging::{self, ListStyle};
use super::roles::user_summary;
use crate::server::Resp;
use crate::state::Shared;
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

/// `DELETE /organizations/{id}` → 204; its memberships go with it.
pub(super) fn delete(shared: &Shared, param: &str, query: &str) -> Resp {
    links::delete_owner(
        shared,
        param,
        query,
        "organizations",
        |st| &mut st.org_members,
        not_found_org,
        204,
    )
}

/// `POST /organizations/{id}/members`: `{members: [user_id, …]}` → 204.
pub(super) fn add_members(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
    links::apply(shared, param, query, body, &members(true))
}

/// `DELETE /organizations/{id}/members`: `{members: [user_id, …]}` → 204.
pub(super) fn remove_members(shared: &Shared, param: &str, query: &str, body: &[u8]) -> Resp {
    links::apply(shared, param, query, body, &members(false))
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
                o.insert("roles".into(), json!([]));
            }
            Some((id.to_string(), apply_fields(&m, fields.as_deref(), include)))
        })
        .collect();
    paging::answer(
        &params,
        items,
        &ListStyle {
            items_key: "members",
            checkpoint: true,
            length: false,
            per_page_min: 1,
        },
    )
}
