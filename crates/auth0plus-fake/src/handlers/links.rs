//! Changing a relation: `POST`/`DELETE` of `{key: [id, …]}` on one side of it (a role's
//! users, a user's roles, an organization's members).

use serde_json::{Map, Value};

use super::input::{
    Kind, decode_id, decode_path, invalid_body, parse_body, parse_body_open, parse_query,
};
use super::organizations::not_found_org;
use super::paging::{self, ListStyle};
use super::roles::not_found_role;
use super::users::not_found_user;
use crate::server::Resp;
use crate::state::{Shared, State};
use crate::store::Relation;
use crate::util;

/// Most ids one call takes (Auth0 takes up to 1,000 users per role assignment).
pub(crate) const MAX_IDS_PER_CALL: usize = 1000;

/// A kind of resource on either side of a relation.
#[derive(Clone, Copy)]
pub(super) enum Side {
    User,
    Role,
    Organization,
}

impl Side {
    fn exists(self, st: &State, id: &str) -> bool {
        match self {
            Side::User => st.get_user(id).is_some(),
            Side::Role => st.store.get("roles", id).is_some(),
            Side::Organization => st.store.get("organizations", id).is_some(),
        }
    }

    fn not_found(self) -> Resp {
        match self {
            Side::User => not_found_user(),
            Side::Role => not_found_role(),
            Side::Organization => not_found_org(),
        }
    }
}

/// One relation-changing route.
pub(super) struct Change {
    /// The body's key (`users`, `roles`, `members`).
    pub key: &'static str,
    /// The schema allows other keys in the body.
    pub open_body: bool,
    /// What the path's id is, and what the listed ids are.
    pub owner: Side,
    pub listed: Side,
    /// Add (every listed id must exist) or remove.
    pub add: bool,
    /// The relation, and whether the owner is its left side.
    pub relation: fn(&mut State) -> &mut Relation,
    pub owner_is_left: bool,
    /// The success status (Auth0 answers 200 for some, 204 for others).
    pub status: u16,
}

/// Apply `change` for the path id `param` and the request body.
pub(super) fn apply(
    shared: &Shared,
    param: &str,
    query: &str,
    body: &[u8],
    change: &Change,
) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let owner = match decode_path(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let spec = [(change.key, Kind::Arr, false)];
    let parsed = if change.open_body {
        parse_body_open(body, &spec)
    } else {
        parse_body(body, &spec)
    };
    let ids = match parsed.and_then(|m| string_list(&m, change.key, MAX_IDS_PER_CALL)) {
        Ok(ids) => ids,
        Err(r) => return r,
    };
    let mut st = shared.lock();
    if !change.owner.exists(&st, &owner) {
        return change.owner.not_found();
    }
    if change.add && ids.iter().any(|id| !change.listed.exists(&st, id)) {
        return change.listed.not_found();
    }
    let relation = (change.relation)(&mut st);
    for id in &ids {
        let (left, right) = if change.owner_is_left {
            (owner.as_str(), id.as_str())
        } else {
            (id.as_str(), owner.as_str())
        };
        if change.add {
            relation.add(left, right);
        } else {
            relation.remove(left, right);
        }
    }
    Resp::empty(change.status)
}

/// `GET /users/{id}/roles` and `/users/{id}/organizations`: what a user is linked from in
/// `relation`, as stored in `collection`, with offset paging (array or
/// `{start, limit, total, <items_key>}`).
pub(super) fn of_user(
    shared: &Shared,
    param: &str,
    query: &str,
    relation: fn(&State) -> &Relation,
    collection: &str,
    items_key: &str,
) -> Resp {
    let params = match parse_query(query, &["page", "per_page", "include_totals"]) {
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
    let items: Vec<(String, Value)> = relation(&st)
        .lefts(&user_id)
        .filter_map(|id| {
            st.store
                .get(collection, id)
                .map(|v| (id.to_string(), v.clone()))
        })
        .collect();
    paging::answer(&params, items, &ListStyle::offset(items_key))
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
    let mut seen = std::collections::HashSet::with_capacity(list.len());
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for v in list {
        match v.as_str() {
            Some(s) if !s.is_empty() => {
                if seen.insert(s) {
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

/// `DELETE /{kind}/{id}` of a relation's owner (a role, an organization):
/// the object, its links (`relation`, and what `also` forgets first) and what
/// is stored under it go together, so no user is left holding a dangling id.
#[allow(clippy::too_many_arguments)]
pub(super) fn delete_owner(
    shared: &Shared,
    param: &str,
    query: &str,
    kind: &str,
    relation: fn(&mut State) -> &mut Relation,
    also: fn(&mut State, &str),
    not_found: fn() -> Resp,
    status: u16,
) -> Resp {
    if let Err(r) = parse_query(query, &[]) {
        return r;
    }
    let id = match decode_path(param) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let mut st = shared.lock();
    if st.store.remove(kind, &id).is_none() {
        return not_found();
    }
    also(&mut st, &id);
    relation(&mut st).remove_left(&id);
    st.store.remove_under(&format!("{kind}/{id}"));
    Resp::empty(status)
}
