//! Route handlers, one module per resource; [`dispatch`] sends a Management route to its
//! handler.

mod admin;
mod auth;
pub(crate) mod generic;
mod identities;
mod imports;
mod input;
mod invitations;
mod jobs;
mod links;
pub(crate) mod logs;
mod org_connections;
mod organizations;
mod paging;
// Issue 14: roles and permissions
mod permissions;
mod roles;
mod tickets;
mod users;
// Issue 14: a user's world (sessions, refresh tokens, login blocks, authentication methods)
pub(crate) mod user_world;
pub(crate) use user_world::{
    BRUTE_FORCE_THRESHOLD, LOGIN_ATTEMPTS, LOGIN_IP, REFRESH_TOKEN_VALUES, REFRESH_TOKENS,
    SESSIONS, USER_OWNED, failures, password_matches, remember_password,
};

pub(crate) use admin::admin;
pub(crate) use auth::{check_bearer, expired_token, route_scopes};
pub(crate) use imports::{ImportWork, advance as advance_imports};
pub(crate) use jobs::download;

use crate::Route;
use crate::server::Resp;
use crate::state::Shared;

pub(crate) fn dispatch(
    shared: &Shared,
    route: Route,
    param: &str,
    query: &str,
    content_type: &str,
    body: &[u8],
) -> Resp {
    // Import jobs do their work due by now before anything reads the tenant.
    advance_imports(shared);
    match route {
        Route::CreateUser => users::create_user(shared, query, body),
        Route::GetUser => users::get_user(shared, param, query),
        Route::UpdateUser => users::update_user(shared, param, query, body),
        Route::DeleteUser => users::delete_user(shared, param, query),
        Route::ListUsers => users::list_users(shared, query),
        Route::UsersByEmail => users::users_by_email(shared, query),
        Route::EmailVerificationTicket => tickets::email_ticket(shared, body),
        Route::PasswordChangeTicket => tickets::password_ticket(shared, body),
        Route::CreateExport => jobs::create_export(shared, body),
        Route::GetJob => jobs::get_job(shared, param),
        Route::CreateRole => roles::create(shared, query, body),
        Route::AssignRoleUsers => roles::assign_users(shared, param, query, body),
        Route::ListRoleUsers => roles::list_users(shared, param, query),
        Route::CreateOrganization => organizations::create(shared, query, body),
        Route::AddOrganizationMembers => organizations::add_members(shared, param, query, body),
        Route::ListOrganizationMembers => organizations::list_members(shared, param, query),
        Route::ListLogs => logs::list(shared, query),
        Route::GetLog => logs::get(shared, param, query),
        Route::ListUserLogs => logs::of_user(shared, param, query),
        Route::DeleteRole => roles::delete(shared, param, query),
        Route::ListUserRoles => roles::of_user(shared, param, query),
        Route::DeleteOrganization => organizations::delete(shared, param, query),
        Route::AssignUserRoles => roles::assign_to_user(shared, param, query, body),
        Route::RemoveUserRoles => roles::remove_from_user(shared, param, query, body),
        Route::RemoveOrganizationMembers => {
            organizations::remove_members(shared, param, query, body)
        }
        Route::ListUserOrganizations => organizations::of_user(shared, param, query),
        Route::GetOrganizationByName => organizations::by_name(shared, param, query),
        Route::CreateImport => imports::create(shared, content_type, body),
        Route::GetJobErrors => imports::errors(shared, param),
        Route::LinkIdentity => identities::link(shared, param, query, body),
        Route::UnlinkIdentity => identities::unlink(shared, param, query),
        Route::Token | Route::ExportDownload | Route::Spec | Route::Authentication => {
            Resp::error(404, "Not Found", None)
        }
    }
}

/// Operations of the spec answered by a hand-written handler rather than the generic store,
/// by operationId, once their query and body have passed the spec's checks. `params` are the
/// path parameters, decoded.
pub(crate) fn hand_written(
    shared: &Shared,
    operation_id: &str,
    params: &[String],
    query: &[(String, String)],
    body: &serde_json::Value,
) -> Option<Resp> {
    use permissions::Owner;
    let id = params.first().map_or("", String::as_str);
    Some(match operation_id {
        // Issue 14: roles and permissions
        "get_roles" => roles::list(shared, query),
        "patch_roles_by_id" => roles::update(shared, id, body),
        "get_role_permission" => permissions::of_role(shared, id, query),
        "post_role_permission_assignment" => {
            permissions::change(shared, Owner::Role, id, body, true)
        }
        "delete_role_permission_assignment" => {
            permissions::change(shared, Owner::Role, id, body, false)
        }
        "get_permissions" => permissions::of_user(shared, id, query),
        "post_permissions" => permissions::change(shared, Owner::User, id, body, true),
        "delete_permissions" => permissions::change(shared, Owner::User, id, body, false),
        _ => return None,
    })
}
