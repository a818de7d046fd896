//! The routing table: which handler answers each operation of the Management API.
//!
//! The server matches every `/api/v2` request against the spec (`Spec::find`, literal
//! segments first) and hands the operation here. [`HANDLERS`] names, by operationId, the
//! operations with semantics of their own; every other operation of the spec is answered by
//! the generic store (`generic.rs`). To give an operation a hand-written handler, add one
//! entry to [`HANDLERS`]:
//!
//! - `spec(id, f)`: the spec's query and body checks run first (Auth0's 400 wording), and `f`
//!   reads the checked query ([`Call::query`]) and JSON body ([`Call::body`]);
//! - `own(id, route, f)`: `f` checks the raw query and body itself (the users API's own
//!   rules), and the operation has a [`Route`] of its own for faults and counters.

use std::collections::HashMap;
use std::sync::OnceLock;

use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::permissions::Owner;
use super::{
    clients, events, generic, identities, imports, jobs, logs, organizations, permissions, roles,
    signing_keys, tickets, user_world, users,
};
use crate::Route;
use crate::server::Resp;
use crate::spec::Op;
use crate::state::Shared;

/// One request to an operation, as its handler sees it.
pub(super) struct Call<'a> {
    pub op: &'a Op,
    /// Path parameters as sent (still percent-encoded).
    pub raw: &'a [String],
    /// Path parameters, percent-decoded.
    pub params: Vec<String>,
    /// The query string as sent.
    pub query_string: &'a str,
    /// The query, checked against the spec (`spec` entries and the generic store).
    pub query: Vec<(String, String)>,
    /// The content type as sent (a multipart boundary is case-sensitive).
    pub content_type: &'a str,
    /// The body as sent.
    pub raw_body: &'a [u8],
    /// The JSON (or form) body, checked against the spec (`spec` entries and the generic
    /// store); `Null` for an operation without one.
    pub body: Value,
}

impl Call<'_> {
    /// The `i`th path parameter, decoded ("" when there is none).
    pub fn param(&self, i: usize) -> &str {
        self.params.get(i).map_or("", String::as_str)
    }

    /// The `i`th path parameter as sent.
    pub fn raw_param(&self, i: usize) -> &str {
        self.raw.get(i).map_or("", String::as_str)
    }
}

type Handler = fn(&Shared, &Call<'_>) -> Resp;

/// Who checks a request before its handler runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Checks {
    /// The spec's query and body checks.
    Spec,
    /// The handler, on the raw query and body.
    Own,
}

/// One hand-written operation.
struct Entry {
    id: &'static str,
    route: Route,
    checks: Checks,
    handler: Handler,
}

const fn spec(id: &'static str, handler: Handler) -> Entry {
    Entry {
        id,
        route: Route::Spec,
        checks: Checks::Spec,
        handler,
    }
}

const fn own(id: &'static str, route: Route, handler: Handler) -> Entry {
    Entry {
        id,
        route,
        checks: Checks::Own,
        handler,
    }
}

/// Every operation with a hand-written handler, by operationId.
const HANDLERS: &[Entry] = &[
    // Users
    own("post_users", Route::CreateUser, |s, c| {
        users::create_user(s, c.query_string, c.raw_body)
    }),
    own("get_users", Route::ListUsers, |s, c| {
        users::list_users(s, c.query_string)
    }),
    own("get_users_by_id", Route::GetUser, |s, c| {
        users::get_user(s, c.raw_param(0), c.query_string)
    }),
    own("patch_users_by_id", Route::UpdateUser, |s, c| {
        users::update_user(s, c.raw_param(0), c.query_string, c.raw_body)
    }),
    own("delete_users_by_id", Route::DeleteUser, |s, c| {
        users::delete_user(s, c.raw_param(0), c.query_string)
    }),
    own("get_users-by-email", Route::UsersByEmail, |s, c| {
        users::users_by_email(s, c.query_string)
    }),
    own("post_identities", Route::LinkIdentity, |s, c| {
        identities::link(s, c.raw_param(0), c.query_string, c.raw_body)
    }),
    own(
        "delete_user_identity_by_user_id",
        Route::UnlinkIdentity,
        |s, c| {
            identities::unlink(
                s,
                c.raw_param(0),
                c.raw_param(1),
                c.raw_param(2),
                c.query_string,
            )
        },
    ),
    // Tickets and jobs
    own(
        "post_email-verification",
        Route::EmailVerificationTicket,
        |s, c| tickets::email_ticket(s, c.raw_body),
    ),
    own(
        "post_password-change",
        Route::PasswordChangeTicket,
        |s, c| tickets::password_ticket(s, c.raw_body),
    ),
    own("post_users-exports", Route::CreateExport, |s, c| {
        jobs::create_export(s, c.raw_body)
    }),
    own("post_users-imports", Route::CreateImport, |s, c| {
        imports::create(s, c.content_type, c.raw_body)
    }),
    own("get_jobs_by_id", Route::GetJob, |s, c| {
        jobs::get_job(s, c.raw_param(0))
    }),
    own("get_errors", Route::GetJobErrors, |s, c| {
        imports::errors(s, c.raw_param(0))
    }),
    // Roles and their users and permissions
    own("post_roles", Route::CreateRole, |s, c| {
        roles::create(s, c.query_string, c.raw_body)
    }),
    spec("get_roles", |s, c| roles::list(s, &c.query)),
    spec("patch_roles_by_id", |s, c| {
        roles::update(s, c.param(0), &c.body)
    }),
    own("delete_roles_by_id", Route::DeleteRole, |s, c| {
        roles::delete(s, c.raw_param(0), c.query_string)
    }),
    own("post_role_users", Route::AssignRoleUsers, |s, c| {
        roles::assign_users(s, c.raw_param(0), c.query_string, c.raw_body)
    }),
    own("get_role_user", Route::ListRoleUsers, |s, c| {
        roles::list_users(s, c.raw_param(0), c.query_string)
    }),
    own("get_user_roles", Route::ListUserRoles, |s, c| {
        roles::of_user(s, c.raw_param(0), c.query_string)
    }),
    own("post_user_roles", Route::AssignUserRoles, |s, c| {
        roles::assign_to_user(s, c.raw_param(0), c.query_string, c.raw_body)
    }),
    own("delete_user_roles", Route::RemoveUserRoles, |s, c| {
        roles::remove_from_user(s, c.raw_param(0), c.query_string, c.raw_body)
    }),
    spec("get_role_permission", |s, c| {
        permissions::of_role(s, c.param(0), &c.query)
    }),
    spec("post_role_permission_assignment", |s, c| {
        permissions::change(s, Owner::Role, c.param(0), &c.body, true)
    }),
    spec("delete_role_permission_assignment", |s, c| {
        permissions::change(s, Owner::Role, c.param(0), &c.body, false)
    }),
    spec("get_permissions", |s, c| {
        permissions::of_user(s, c.param(0), &c.query)
    }),
    spec("post_permissions", |s, c| {
        permissions::change(s, Owner::User, c.param(0), &c.body, true)
    }),
    spec("delete_permissions", |s, c| {
        permissions::change(s, Owner::User, c.param(0), &c.body, false)
    }),
    // Organizations, their members, invitations and connections
    own("post_organizations", Route::CreateOrganization, |s, c| {
        organizations::create(s, c.query_string, c.raw_body)
    }),
    spec("get_organizations_by_id", organizations::get),
    spec("patch_organizations_by_id", organizations::patch),
    own(
        "delete_organizations_by_id",
        Route::DeleteOrganization,
        |s, c| organizations::delete(s, c.raw_param(0), c.query_string),
    ),
    own("get_name_by_name", Route::GetOrganizationByName, |s, c| {
        organizations::by_name(s, c.raw_param(0), c.query_string)
    }),
    own("post_members", Route::AddOrganizationMembers, |s, c| {
        organizations::add_members(s, c.raw_param(0), c.query_string, c.raw_body)
    }),
    own(
        "get_organization_members",
        Route::ListOrganizationMembers,
        |s, c| organizations::list_members(s, c.raw_param(0), c.query_string),
    ),
    own(
        "delete_members",
        Route::RemoveOrganizationMembers,
        |s, c| organizations::remove_members(s, c.raw_param(0), c.query_string, c.raw_body),
    ),
    own(
        "get_user_organizations",
        Route::ListUserOrganizations,
        |s, c| organizations::of_user(s, c.raw_param(0), c.query_string),
    ),
    spec(
        "get_organization_member_roles",
        organizations::member_roles_get,
    ),
    spec(
        "post_organization_member_roles",
        organizations::member_roles_add,
    ),
    spec(
        "delete_organization_member_roles",
        organizations::member_roles_remove,
    ),
    spec("post_invitations", organizations::invitation_create),
    spec("get_invitations", organizations::invitation_list),
    spec(
        "get_invitations_by_invitation_id",
        organizations::invitation_get,
    ),
    spec(
        "delete_invitations_by_invitation_id",
        organizations::invitation_delete,
    ),
    spec("post_enabled_connections", organizations::connection_add),
    spec("get_enabled_connections", organizations::connection_list),
    spec(
        "get_enabled_connections_by_connectionId",
        organizations::connection_get,
    ),
    spec(
        "patch_enabled_connections_by_connectionId",
        organizations::connection_patch,
    ),
    spec(
        "delete_enabled_connections_by_connectionId",
        organizations::connection_delete,
    ),
    // A deleted connection leaves every organization it was enabled for.
    spec("delete_connections_by_id", organizations::connection_forget),
    // Clients
    spec("post_rotate-secret", clients::rotate_secret),
    // Signing keys
    spec("post_signing_keys", signing_keys::rotate),
    spec("put_signing_keys", signing_keys::revoke),
    // Events
    spec("subscribe_events", events::subscribe),
    // Logs
    own("get_logs", Route::ListLogs, |s, c| {
        logs::list(s, c.query_string)
    }),
    own("get_logs_by_id", Route::GetLog, |s, c| {
        logs::get(s, c.raw_param(0), c.query_string)
    }),
    own("get_logs_by_user", Route::ListUserLogs, |s, c| {
        logs::of_user(s, c.raw_param(0), c.query_string)
    }),
    // A user's world: sessions, refresh tokens, login blocks, authentication methods
    spec("get_sessions_for_user", user_world::sessions_of),
    spec("delete_sessions_for_user", user_world::sessions_revoke_all),
    spec("get_refresh_tokens_for_user", user_world::refresh_tokens_of),
    spec(
        "delete_refresh_tokens_for_user",
        user_world::refresh_tokens_revoke_all,
    ),
    spec("revoke_session", user_world::revoke_session),
    spec(
        "get_authentication-methods",
        user_world::authentication_methods,
    ),
    spec(
        "delete_authentication-methods",
        user_world::authentication_methods_delete,
    ),
    spec(
        "put_authentication-methods",
        user_world::authentication_methods_replace,
    ),
    spec("get_user-blocks_by_id", user_world::blocks_of_user),
    spec("delete_user-blocks_by_id", user_world::unblock_user),
    spec("get_user-blocks", user_world::blocks_by_identifier),
    spec("delete_user-blocks", user_world::unblock_identifier),
];

fn table() -> &'static HashMap<&'static str, &'static Entry> {
    static TABLE: OnceLock<HashMap<&'static str, &'static Entry>> = OnceLock::new();
    TABLE.get_or_init(|| HANDLERS.iter().map(|e| (e.id, e)).collect())
}

/// The route of an operation, for faults and counters: its own, or [`Route::Spec`].
pub(crate) fn route_of(operation_id: &str) -> Route {
    table().get(operation_id).map_or(Route::Spec, |e| e.route)
}

/// Answer `op`, called with its raw (percent-encoded) path parameters.
pub(crate) fn handle(
    shared: &Shared,
    op: &Op,
    raw: &[String],
    query: &str,
    content_type: &str,
    body: &[u8],
) -> Resp {
    // Import jobs do their work due by now before anything reads the tenant.
    super::advance_imports(shared);
    let entry = table().get(op.id.as_str());
    let mut call = Call {
        op,
        raw,
        params: raw
            .iter()
            .map(|p| percent_decode_str(p).decode_utf8_lossy().into_owned())
            .collect(),
        query_string: query,
        query: Vec::new(),
        content_type,
        raw_body: body,
        body: Value::Null,
    };
    if let Some(e) = entry
        && e.checks == Checks::Own
    {
        return (e.handler)(shared, &call);
    }
    match generic::check(op, query, content_type, body) {
        Ok((query, body)) => {
            call.query = query;
            call.body = body;
        }
        Err(r) => return r,
    }
    match entry {
        Some(e) => (e.handler)(shared, &call),
        None => generic::answer(shared, &call),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::spec;

    #[test]
    fn every_entry_is_an_operation_of_the_spec_and_named_once() {
        let ids: Vec<&str> = spec().ops.iter().map(|o| o.id.as_str()).collect();
        for e in HANDLERS {
            assert!(ids.contains(&e.id), "{} is not in the spec", e.id);
        }
        assert_eq!(table().len(), HANDLERS.len(), "an operationId twice");
    }

    #[test]
    fn each_route_is_one_operation() {
        for route in Route::ALL {
            let n = HANDLERS.iter().filter(|e| e.route == route).count();
            let expected = usize::from(!matches!(
                route,
                Route::Token | Route::ExportDownload | Route::Spec | Route::Authentication
            ));
            if route != Route::Spec {
                assert_eq!(n, expected, "{route:?}");
            }
        }
    }
}
