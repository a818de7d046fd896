//! Bearer tokens and scopes: who may call a Management route.

use std::time::Instant;

use serde_json::json;

use crate::server::Resp;
use crate::state::Shared;
use crate::{Route, util};

pub(super) const EXPIRED: &str = "Expired token received for JSON Web Token validation";

pub(super) fn unauthorized(message: &str, attributes: bool) -> Resp {
    let mut v = util::mgmt_error(401, message, None);
    if attributes && let Some(o) = v.as_object_mut() {
        o.insert("attributes".into(), json!({"error": message}));
    }
    let mut r = Resp::json(401, &v);
    r.headers.push(("www-authenticate", "Bearer".into()));
    r
}

pub(crate) fn expired_token() -> Resp {
    unauthorized(EXPIRED, true)
}

pub(super) fn required_scopes(route: Route) -> &'static [&'static str] {
    match route {
        Route::GetUser => &["read:users", "read:current_user", "read:user_idp_tokens"],
        Route::ListUsers | Route::UsersByEmail | Route::CreateExport => &["read:users"],
        Route::CreateUser => &["create:users"],
        Route::UpdateUser => &[
            "update:users",
            "update:users_app_metadata",
            "update:current_user_metadata",
        ],
        Route::DeleteUser => &["delete:users", "delete:current_user"],
        Route::EmailVerificationTicket | Route::PasswordChangeTicket => &["create:user_tickets"],
        Route::GetJob => &["create:users", "read:users"],
        Route::CreateRole => &["create:roles"],
        Route::AssignRoleUsers => &["update:roles", "create:role_members"],
        Route::ListRoleUsers => &["read:users", "read:roles", "read:role_members"],
        Route::CreateOrganization => &["create:organizations"],
        Route::AddOrganizationMembers => &["create:organization_members"],
        Route::ListOrganizationMembers => &["read:organization_members"],
        Route::ListLogs | Route::GetLog | Route::ListUserLogs => &["read:logs", "read:logs_users"],
        Route::DeleteRole => &["delete:roles"],
        Route::ListUserRoles => &["read:users", "read:roles", "read:role_members"],
        Route::DeleteOrganization => &["delete:organizations"],
        Route::AssignUserRoles => &["read:users", "update:users", "create:role_members"],
        Route::RemoveUserRoles => &["update:users", "delete:role_members"],
        Route::RemoveOrganizationMembers => &["delete:organization_members"],
        Route::ListUserOrganizations => &["read:users", "read:organizations"],
        Route::GetOrganizationByName => &["read:organizations"],
        Route::CreateImport => &["create:users"],
        Route::GetJobErrors => &["create:users", "read:users"],
        Route::LinkIdentity => &["update:users", "update:current_user_identities"],
        Route::UnlinkIdentity => &["update:users", "update:current_user_identities"],
        Route::Token | Route::ExportDownload | Route::Spec | Route::Authentication => &[],
    }
}

/// The scopes a hand-written route needs (any one of them).
pub(crate) fn route_scopes(route: Route) -> &'static [&'static str] {
    required_scopes(route)
}

/// Check the bearer token and that it has any one of `need` (none needed when empty).
pub(crate) fn check_bearer<S: AsRef<str>>(
    shared: &Shared,
    auth: Option<&str>,
    need: &[S],
) -> Result<(), Resp> {
    let token = auth.and_then(|a| {
        let (scheme, rest) = a.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(unauthorized("Missing authentication", false));
    };
    let st = shared.lock();
    let Some(info) = st.tokens.get(token) else {
        return Err(unauthorized("Invalid token", true));
    };
    if info.expires <= Instant::now() {
        return Err(unauthorized(EXPIRED, true));
    }
    if !need.is_empty()
        && !need
            .iter()
            .any(|n| info.scopes.iter().any(|s| s == n.as_ref()))
    {
        let names: Vec<&str> = need.iter().map(AsRef::as_ref).collect();
        return Err(Resp::error(
            403,
            &format!("Insufficient scope, expected any of: {}", names.join(",")),
            Some("insufficient_scope"),
        ));
    }
    Ok(())
}
