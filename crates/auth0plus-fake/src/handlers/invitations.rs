//! An organization's invitations: stored under the organization, so they go
//! when it is deleted. The answer's shape is a recorded one (go-auth0,
//! `TestOrganizationManager_CreateInvitation.yaml`): 201, with `id`
//! (`uinv_…`), `invitation_url`, `ticket_id`, `created_at`, `expires_at` and
//! `organization_id` beside what was sent.

use serde_json::{Map, Value, json};

use super::generic::not_found;
use super::organizations::{list_under, not_found_org};
use super::roles::not_found_role;
use crate::server::Resp;
use crate::spec::Op;
use crate::state::State;
use crate::util;

/// How long an invitation lives when `ttl_sec` is absent or 0 (recorded:
/// `expires_at` is `created_at` + 7 days).
const DEFAULT_TTL_SECS: u64 = 7 * 24 * 3600;

fn collection(org: &str) -> String {
    format!("organizations/{org}/invitations")
}

/// `POST /organizations/{id}/invitations` (body already checked against the spec).
pub(super) fn create(st: &mut State, org: &str, body: &Value) -> Resp {
    let Some(org_name) = st
        .store
        .get("organizations", org)
        .map(|o| o.get("name").cloned().unwrap_or(Value::Null))
    else {
        return not_found_org();
    };
    let client_id = body.get("client_id").and_then(Value::as_str).unwrap_or("");
    // Guessed without a recording: a client, connection or role that does not
    // exist is refused with the store's 404 for its kind.
    let Some(client) = st.store.get("clients", client_id) else {
        return not_found("clients");
    };
    if let Some(connection) = body.get("connection_id").and_then(Value::as_str)
        && st.store.get("connections", connection).is_none()
    {
        return not_found("connections");
    }
    let roles = body.get("roles").and_then(Value::as_array);
    if roles.into_iter().flatten().any(|r| {
        r.as_str()
            .is_none_or(|r| st.store.get("roles", r).is_none())
    }) {
        return not_found_role();
    }
    let ttl = match body.get("ttl_sec").and_then(Value::as_u64) {
        None | Some(0) => DEFAULT_TTL_SECS,
        Some(s) => s,
    };
    let created = util::now_ms();
    let ticket = util::alnum(32);
    let id = format!("uinv_{}", util::alnum(16));
    // Auth0 builds the link from the application's login URI.
    let login = client
        .get("initiate_login_uri")
        .and_then(Value::as_str)
        .unwrap_or("https://app.example/login");
    let invitation_url = format!(
        "{login}?invitation={ticket}&organization={org}&organization_name={}",
        org_name.as_str().unwrap_or_default()
    );
    let mut inv = Map::new();
    inv.insert("id".into(), json!(id));
    for key in [
        "client_id",
        "connection_id",
        "inviter",
        "invitee",
        "roles",
        "app_metadata",
        "user_metadata",
    ] {
        if let Some(v) = body.get(key) {
            inv.insert(key.into(), v.clone());
        }
    }
    inv.insert("invitation_url".into(), json!(invitation_url));
    inv.insert("ticket_id".into(), json!(ticket));
    inv.insert("created_at".into(), json!(util::iso_ms(created)));
    inv.insert(
        "expires_at".into(),
        json!(util::iso_ms(created + ttl * 1000)),
    );
    inv.insert("organization_id".into(), json!(org));
    let inv = Value::Object(inv);
    st.store.insert(&collection(org), &id, inv.clone());
    Resp::json(201, &inv)
}

/// `GET /organizations/{id}/invitations`: offset paging.
pub(super) fn list(st: &State, org: &str, params: &[(String, String)], op: &Op) -> Resp {
    list_under(st, org, "invitations", params, op)
}

/// `GET` or `DELETE /organizations/{id}/invitations/{invitation_id}`.
pub(super) fn one(st: &mut State, org: &str, id: &str, delete: bool) -> Resp {
    if st.store.get("organizations", org).is_none() {
        return not_found_org();
    }
    let collection = collection(org);
    if delete {
        return match st.store.remove(&collection, id) {
            Some(_) => Resp::empty(204),
            None => not_found("invitations"),
        };
    }
    st.store
        .get(&collection, id)
        .map_or_else(|| not_found("invitations"), |v| Resp::json(200, v))
}
