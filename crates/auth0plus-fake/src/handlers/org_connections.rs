//! An organization's enabled connections, one at a time as Auth0 changes
//! them: stored under the organization by connection id (so they go with
//! it), each with its options and the connection's `name` and `strategy`.

use serde_json::{Map, Value, json};

use super::generic::not_found;
use super::organizations::{list_under, not_found_org};
use crate::server::Resp;
use crate::spec::Op;
use crate::state::State;

const OPTIONS: [&str; 3] = [
    "assign_membership_on_login",
    "show_as_button",
    "is_signup_enabled",
];

fn collection(org: &str) -> String {
    format!("organizations/{org}/enabled_connections")
}

/// 404 for a connection that is not enabled for the organization (guessed:
/// the spec lists no 404 for these operations).
fn not_enabled() -> Resp {
    not_found("connections")
}

/// `POST /organizations/{id}/enabled_connections`.
pub(super) fn add(st: &mut State, org: &str, body: &Value) -> Resp {
    if st.store.get("organizations", org).is_none() {
        return not_found_org();
    }
    let id = body
        .get("connection_id")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(connection) = st.store.get("connections", id) else {
        return not_found("connections");
    };
    let collection = collection(org);
    if st.store.get(&collection, id).is_some() {
        // Guessed wording; the status is the spec's.
        return Resp::error(
            409,
            "The connection is already enabled for this organization.",
            Some("conflict"),
        );
    }
    let mut enabled = Map::new();
    enabled.insert("connection_id".into(), json!(id));
    // No membership on login and a button shown are Auth0's documented
    // defaults; `is_signup_enabled: false` is a guess.
    let defaults = [false, true, false];
    for (key, default) in OPTIONS.iter().zip(defaults) {
        let value = body.get(*key).cloned().unwrap_or(json!(default));
        enabled.insert((*key).into(), value);
    }
    enabled.insert(
        "connection".into(),
        json!({"name": connection.get("name"), "strategy": connection.get("strategy")}),
    );
    let enabled = Value::Object(enabled);
    st.store.insert(&collection, id, enabled.clone());
    Resp::json(201, &enabled)
}

/// `GET /organizations/{id}/enabled_connections`: offset paging.
pub(super) fn list(st: &State, org: &str, params: &[(String, String)], op: &Op) -> Resp {
    list_under(st, org, "enabled_connections", params, op)
}

/// `GET`, `PATCH` or `DELETE /organizations/{id}/enabled_connections/{connectionId}`.
pub(super) fn one(st: &mut State, org: &str, id: &str, method: &str, body: &Value) -> Resp {
    if st.store.get("organizations", org).is_none() {
        return not_found_org();
    }
    let collection = collection(org);
    match method {
        // Disabling what is not enabled changes nothing (the spec has no 404 here).
        "DELETE" => {
            st.store.remove(&collection, id);
            Resp::empty(204)
        }
        "PATCH" => {
            let Some(Value::Object(current)) = st.store.get_mut(&collection, id) else {
                return not_enabled();
            };
            for key in OPTIONS {
                if let Some(v) = body.get(key) {
                    current.insert(key.into(), v.clone());
                }
            }
            Resp::json(200, &Value::Object(current.clone()))
        }
        _ => st
            .store
            .get(&collection, id)
            .map_or_else(not_enabled, |v| Resp::json(200, v)),
    }
}

/// A connection is being deleted: it is no longer enabled anywhere.
pub(super) fn forget_connection(st: &mut State, id: &str) {
    let orgs: Vec<String> = st
        .store
        .list("organizations")
        .map(|(org, _)| org.clone())
        .collect();
    for org in orgs {
        st.store.remove(&collection(&org), id);
    }
}
