//! A stateful fake Auth0 tenant, served over real HTTP on loopback.
//!
//! No official Auth0 SDK ships a way to test without a live tenant; this crate is one. It
//! implements the Authentication API (every grant of `/oauth/token`, sign-up, passwordless,
//! MFA, device and back-channel logins, `/userinfo`, revocation, `/authorize`, the JWKS: real
//! RS256 keys, see [`FakeTenant::sign_token`], [`FakeTenant::passwordless_code`],
//! [`FakeTenant::approve_device`]) and the users part of the Management API
//! v2 (`/api/v2/users`, `/users-by-email`, tickets, user-export jobs) with the status codes,
//! error bodies, create defaults and PATCH rules that real tenants answer with (checked
//! against recorded Auth0 traffic, see `tests/recordings/`); roles, organizations and their
//! members, and the tenant log with real relations; and every other operation of the
//! Management API spec from a generic, schema-checked store that answers in the shapes the
//! spec gives (list envelopes, id fields, Auth0's create defaults), checked against
//! node-auth0's own wire tests. Tokens carry the scopes of their client's grant, and every
//! operation checks them ([`FakeTenantBuilder::scopes`]). It serves HTTPS too
//! ([`FakeTenantBuilder::tls`]), so official SDKs work against it unchanged.
//!
//! Its defaults are Auth0's: a rate limit ([`DEFAULT_RATE_LIMIT`]), a search index delay
//! ([`DEFAULT_INDEX_DELAY`]), the connection's password policy ([`PasswordPolicy::Good`]).
//!
//! User imports (`POST /jobs/users-imports`) follow a job model: each job processes
//! [`DEFAULT_IMPORT_RATE`] users per second unless set
//! ([`FakeTenantBuilder::import_users_per_second`]), two jobs run at once and a third gets a
//! 429, an upload over 512,000 bytes gets Auth0's 413, and `GET /jobs/{id}/errors` lists the
//! users refused (duplicate without `upsert`, invalid or missing email) as the file had them.
//! Auth0 documents the limit of two jobs but not its answer to a third; the 429 and its
//! wording are the fake's guess.
//!
//! ```no_run
//! # async fn demo() -> Result<(), auth0plus_fake::FakeError> {
//! use auth0plus_fake::{FakeTenant, Fault, Route};
//! let tenant = FakeTenant::start().await?;
//! println!("{} {} {}", tenant.base_url(), tenant.client_id(), tenant.client_secret());
//! let token = tenant.issue_token(); // or POST {base_url}/oauth/token
//! tenant.inject_fault(Route::CreateUser, Fault::BadGatewayHtml, 1);
//! # let _ = token; Ok(()) }
//! ```
//!
//! # Why hyper directly
//! The fake is built on `hyper` 1 rather than `wiremock` or `axum`: fault injection needs
//! control below the routing layer (closing a connection without any response, sending a
//! `Content-Length` header with only part of the body, HTML gateway pages), and the same
//! server runs in-process for tests and as a standalone binary for other languages' SDKs.
//!
//! # Knobs
//! Latency per request, a token-bucket rate limit (`x-ratelimit-*` headers on every
//! Management response, 429 `Global limit has been reached` when empty), M2M token quotas
//! ([`FakeTenantBuilder::token_quota`], `--token-quota`: `auth0-client-quota-limit` on every
//! token, 429 `Client quota exceeded` past it), the password policy, a search index delay (`GET /users` sees writes only after it; `GET /users/{id}` and `/users-by-email`
//! are immediate), fault injection per [`Route`] ([`Fault`]), export-job outcomes, seed
//! users, and request counters by route and status. Users created with
//! [`FakeTenant::seed_users`], [`FakeTenant::insert_user`] or `POST /__fake/seed` are
//! visible to search at once (set-up, not traffic).
//!
//! # The `/__fake/` HTTP API (no Authorization needed; for other processes)
//! | Method & path | Body | Answer |
//! |---|---|---|
//! | `GET /__fake/counters` | | `{"total":N,"status":{"201":N},"routes":{"create_user":{"total":N,"status":{"201":N}}}}` |
//! | `POST /__fake/reset-counters` | | 204 |
//! | `GET /__fake/config`, `PUT /__fake/config` | `{"latency_ms"?, "rate_limit"?: {"per_second","burst"} \| null, "index_delay_ms"?, "export_duration_ms"?, "import_users_per_second"?, "token_ttl_s"?, "password_policy"?: "none"\|"low"\|"fair"\|"good"\|"excellent"}` | 200 current config |
//! | `POST /__fake/faults` | `{"route":"create_user","fault":"internal_error","times"?:1,"delay_ms"?:N}` | 204 |
//! | `DELETE /__fake/faults` | | 204, clears pending faults |
//! | `POST /__fake/seed` | `{"count":N, "template"?:{...}}` or `{"users":[{...}]}` | 201 `{"user_ids":[...]}` |
//! | `GET /__fake/users` | | 200 array, the store (immediately consistent) |
//! | `POST /__fake/token` | | 200 `{"access_token": "..."}` with every granted scope |
//! | `POST /__fake/revoke-tokens` | | 204 |
//! | `POST /__fake/exports` | `{"next":"fail"\|"stall"\|"corrupt"}` | 204 |
//! | `GET /__fake/exports/{job}.{json\|csv}.gz` | | export file (a "presigned" URL: no auth) |
//! | `GET /__fake/auth/passwordless-code?connection=email&identifier=…` | | 200 `{"code"}`: what the user was sent |
//! | `POST /__fake/auth/mfa/enroll` | `{"user_id"}` | 200 `{"otp","recovery_code"}` |
//! | `GET /__fake/auth/mfa/otp?user_id=…` | | 200 `{"otp","binding_code"}` |
//! | `POST /__fake/auth/device/approve`, `…/device/deny` | `{"user_code","user_id"?}` | 200 |
//! | `POST /__fake/auth/backchannel/approve`, `…/backchannel/deny` | `{"user_id"}` | 200 `{"binding_message"}` |
//!
//! Every number is bounded, with a 400 beyond: `count` up to 1,000,000, durations in ms
//! up to a day, `token_ttl_s` up to ten years, `times` up to 100,000.
//!
//! # Hostile clients
//! The fake is a tool that other processes reach over HTTP, so it holds up against them: a
//! connection that does not finish its headers, or sits idle between requests, is closed
//! after 10 s ([`FakeTenantBuilder::header_read_timeout`]); a body that takes over 30 s to
//! arrive gets a 408. Searches and exports work on a snapshot of the users, off the state's
//! lock and off the runtime's worker threads, so a heavy query stalls no other request.
//! Issued tokens are pruned past 10,000 (expired first), and export jobs an hour after they
//! finish and past 16.
//!
//! Fault names: `internal_error`, `bad_gateway_html`, `service_unavailable`,
//! `rate_limited`, `rate_limited_bare`, `expired_token`, `reset_connection`,
//! `drop_mid_body`, `delay` (with `delay_ms`), `truncated_json`, `non_json`.
//! Route names: see [`Route::as_str`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

mod authentication;
pub mod cli;
mod handlers;

/// Users per second an import job processes unless set
/// ([`FakeTenantBuilder::import_users_per_second`]): fast, so tests wait little.
pub const DEFAULT_IMPORT_RATE: f64 = 50_000.0;

/// A usable rate: at least 1 user per second, `NaN` as the default.
fn import_rate(rate: f64) -> f64 {
    if rate.is_nan() {
        DEFAULT_IMPORT_RATE
    } else {
        rate.max(1.0)
    }
}
pub mod lucene;
mod password;
mod schema;
#[cfg(test)]
mod sdk_wire;
mod server;
mod spec;
#[cfg(test)]
mod spec_walk;
mod state;
mod store;
mod test_tenant;
mod tls;
mod token_quota;
mod util;

pub use authentication::ClientKey;
pub use password::PasswordPolicy;
pub use test_tenant::{LIVE_VAR, LIVE_VARS, TestTenant, TestTenantError};
pub use token_quota::TokenQuota;

use state::Shared;

/// Errors starting the fake tenant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FakeError {
    /// Could not bind the listening socket.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address we tried.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Any other I/O error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The throwaway CA or certificate for `--tls` could not be made or written.
    #[error("cannot set up TLS: {0}")]
    Tls(String),
}

/// The rate limit a fake starts with: generous (no test of ordinary size meets it), but
/// there, so that every Management response carries `x-ratelimit-*` headers as on Auth0.
/// Turn it off with [`FakeTenantBuilder::no_rate_limit`].
pub const DEFAULT_RATE_LIMIT: RateLimit = RateLimit {
    per_second: 1000.0,
    burst: 1000,
};

/// How long a write takes to reach search (`GET /users`) by default, as on Auth0, whose
/// search is eventually consistent. Tests that need none say so with
/// [`FakeTenantBuilder::index_delay`]`(Duration::ZERO)`.
pub const DEFAULT_INDEX_DELAY: Duration = Duration::from_secs(1);

/// A token-bucket rate limit: `burst` tokens, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained rate, tokens per second.
    pub per_second: f64,
    /// Bucket size; also the `x-ratelimit-limit` header value.
    pub burst: u32,
}

/// A route of the fake, for fault injection and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Route {
    /// `POST /oauth/token`
    Token,
    /// `POST /api/v2/users`
    CreateUser,
    /// `GET /api/v2/users/{id}`
    GetUser,
    /// `GET /api/v2/users`
    ListUsers,
    /// `PATCH /api/v2/users/{id}`
    UpdateUser,
    /// `DELETE /api/v2/users/{id}`
    DeleteUser,
    /// `GET /api/v2/users-by-email`
    UsersByEmail,
    /// `POST /api/v2/tickets/email-verification`
    EmailVerificationTicket,
    /// `POST /api/v2/tickets/password-change`
    PasswordChangeTicket,
    /// `POST /api/v2/jobs/users-exports`
    CreateExport,
    /// `GET /api/v2/jobs/{id}`
    GetJob,
    /// `GET /__fake/exports/{file}` (the export download)
    ExportDownload,
    /// `POST /api/v2/roles`
    CreateRole,
    /// `POST /api/v2/roles/{id}/users`
    AssignRoleUsers,
    /// `GET /api/v2/roles/{id}/users`
    ListRoleUsers,
    /// `POST /api/v2/organizations`
    CreateOrganization,
    /// `POST /api/v2/organizations/{id}/members`
    AddOrganizationMembers,
    /// `GET /api/v2/organizations/{id}/members`
    ListOrganizationMembers,
    /// `GET /api/v2/logs`
    ListLogs,
    /// `DELETE /api/v2/roles/{id}`
    DeleteRole,
    /// `GET /api/v2/users/{id}/roles`
    ListUserRoles,
    /// `DELETE /api/v2/organizations/{id}`
    DeleteOrganization,
    /// `GET /api/v2/logs/{id}`
    GetLog,
    /// `POST /api/v2/users/{id}/roles`
    AssignUserRoles,
    /// `DELETE /api/v2/users/{id}/roles`
    RemoveUserRoles,
    /// `DELETE /api/v2/organizations/{id}/members`
    RemoveOrganizationMembers,
    /// `GET /api/v2/users/{id}/organizations`
    ListUserOrganizations,
    /// `GET /api/v2/organizations/name/{name}`
    GetOrganizationByName,
    /// `POST /api/v2/jobs/users-imports`
    CreateImport,
    /// `GET /api/v2/jobs/{id}/errors`
    GetJobErrors,
    /// `POST /api/v2/users/{id}/identities`
    LinkIdentity,
    /// `DELETE /api/v2/users/{id}/identities/{provider}/{user_id}`
    UnlinkIdentity,
    /// `GET /api/v2/users/{id}/logs`
    ListUserLogs,
    /// Any other operation of the Management API spec (answered from the generic store).
    /// A fault injected here hits every such operation; counters name them by operationId.
    Spec,
    /// Every Authentication API path but `POST /oauth/token` (`/userinfo`,
    /// `/dbconnections/*`, `/passwordless/start`, `/authorize`, the JWKS…).
    Authentication,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 35] = [
        Route::Token,
        Route::CreateUser,
        Route::GetUser,
        Route::ListUsers,
        Route::UpdateUser,
        Route::DeleteUser,
        Route::UsersByEmail,
        Route::EmailVerificationTicket,
        Route::PasswordChangeTicket,
        Route::CreateExport,
        Route::GetJob,
        Route::ExportDownload,
        Route::CreateRole,
        Route::AssignRoleUsers,
        Route::ListRoleUsers,
        Route::CreateOrganization,
        Route::AddOrganizationMembers,
        Route::ListOrganizationMembers,
        Route::ListLogs,
        Route::DeleteRole,
        Route::ListUserRoles,
        Route::DeleteOrganization,
        Route::GetLog,
        Route::AssignUserRoles,
        Route::RemoveUserRoles,
        Route::RemoveOrganizationMembers,
        Route::ListUserOrganizations,
        Route::GetOrganizationByName,
        Route::CreateImport,
        Route::GetJobErrors,
        Route::LinkIdentity,
        Route::UnlinkIdentity,
        Route::ListUserLogs,
        Route::Spec,
        Route::Authentication,
    ];

    /// The `snake_case` name used in counters and in the `/__fake` HTTP API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Token => "token",
            Route::CreateUser => "create_user",
            Route::GetUser => "get_user",
            Route::ListUsers => "list_users",
            Route::UpdateUser => "update_user",
            Route::DeleteUser => "delete_user",
            Route::UsersByEmail => "users_by_email",
            Route::EmailVerificationTicket => "email_verification_ticket",
            Route::PasswordChangeTicket => "password_change_ticket",
            Route::CreateExport => "create_export",
            Route::GetJob => "get_job",
            Route::ExportDownload => "export_download",
            Route::CreateRole => "create_role",
            Route::AssignRoleUsers => "assign_role_users",
            Route::ListRoleUsers => "list_role_users",
            Route::CreateOrganization => "create_organization",
            Route::AddOrganizationMembers => "add_organization_members",
            Route::ListOrganizationMembers => "list_organization_members",
            Route::ListLogs => "list_logs",
            Route::DeleteRole => "delete_role",
            Route::ListUserRoles => "list_user_roles",
            Route::DeleteOrganization => "delete_organization",
            Route::GetLog => "get_log",
            Route::AssignUserRoles => "assign_user_roles",
            Route::RemoveUserRoles => "remove_user_roles",
            Route::RemoveOrganizationMembers => "remove_organization_members",
            Route::ListUserOrganizations => "list_user_organizations",
            Route::GetOrganizationByName => "get_organization_by_name",
            Route::CreateImport => "create_import",
            Route::GetJobErrors => "get_job_errors",
            Route::LinkIdentity => "link_identity",
            Route::UnlinkIdentity => "unlink_identity",
            Route::ListUserLogs => "list_user_logs",
            Route::Spec => "spec_operation",
            Route::Authentication => "authentication",
        }
    }

    /// What the operation does, as Auth0's `sapi` log events describe it.
    pub(crate) fn summary(self) -> &'static str {
        match self {
            Route::Token => "Client Credentials for Access Token",
            Route::CreateUser => "Create a User",
            Route::GetUser => "Get a User",
            Route::ListUsers => "List or Search Users",
            Route::UpdateUser => "Update a User",
            Route::DeleteUser => "Delete a User",
            Route::UsersByEmail => "Search Users by Email",
            Route::EmailVerificationTicket => "Create an email verification ticket",
            Route::PasswordChangeTicket => "Create a password change ticket",
            Route::CreateExport => "Create export users job",
            Route::GetJob => "Get a job",
            Route::ExportDownload => "Download an export",
            Route::CreateRole => "Create a role",
            Route::AssignRoleUsers => "Assign users to a role",
            Route::ListRoleUsers => "Get a role's users",
            Route::CreateOrganization => "Create an Organization",
            Route::AddOrganizationMembers => "Add members to an Organization",
            Route::ListOrganizationMembers => "Get members who belong to an Organization",
            Route::ListLogs => "Search log events",
            Route::DeleteRole => "Delete a role",
            Route::ListUserRoles => "Get a user's roles",
            Route::DeleteOrganization => "Delete an Organization",
            Route::GetLog => "Get a log event by id",
            Route::AssignUserRoles => "Assign roles to a user",
            Route::RemoveUserRoles => "Removes roles from a user",
            Route::RemoveOrganizationMembers => "Delete members from an organization",
            Route::ListUserOrganizations => "List user's organizations",
            Route::GetOrganizationByName => "Get an Organization by name",
            Route::CreateImport => "Create import users job",
            Route::GetJobErrors => "Get job error details",
            Route::LinkIdentity => "Link a User Account",
            Route::UnlinkIdentity => "Unlink a User Identity",
            Route::ListUserLogs => "Get user's log events",
            Route::Spec => "Management API operation",
            Route::Authentication => "Authentication API",
        }
    }

    /// Whether the path parameter is a user id (log events name the user).
    pub(crate) fn targets_user(self) -> bool {
        matches!(
            self,
            Route::GetUser
                | Route::UpdateUser
                | Route::DeleteUser
                | Route::ListUserRoles
                | Route::AssignUserRoles
                | Route::RemoveUserRoles
                | Route::ListUserOrganizations
                | Route::LinkIdentity
                | Route::ListUserLogs
        )
    }

    /// The route with this `snake_case` name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Whether this is a Management API route (bearer check, rate limit).
    pub(crate) fn is_management(self) -> bool {
        !matches!(
            self,
            Route::Token | Route::ExportDownload | Route::Authentication
        )
    }
}

/// What an injected fault makes the fake answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// 500 with a JSON error body (handler not run).
    InternalError,
    /// 502 with an HTML body, `content-type: text/html` (handler not run).
    BadGatewayHtml,
    /// 503 with a JSON error body (handler not run).
    ServiceUnavailable,
    /// 429 `too_many_requests` with `x-ratelimit-*` headers (handler not run).
    RateLimited,
    /// 429 `too_many_requests` with no rate-limit headers at all (handler not run).
    RateLimitedBare,
    /// 401 expired-token body (handler not run).
    ExpiredToken,
    /// Close the connection without any response, before the handler runs (state unchanged).
    ResetConnection,
    /// The handler RUNS (state changes), then status and headers with the full
    /// `Content-Length` go out with only part of the body, and the connection closes.
    DropMidBody,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// 200 with a truncated JSON body (handler not run).
    TruncatedJson,
    /// 200 with a body that is not JSON (handler not run).
    NonJson,
}

impl Fault {
    /// The `snake_case` name used in the `/__fake` HTTP API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::InternalError => "internal_error",
            Fault::BadGatewayHtml => "bad_gateway_html",
            Fault::ServiceUnavailable => "service_unavailable",
            Fault::RateLimited => "rate_limited",
            Fault::RateLimitedBare => "rate_limited_bare",
            Fault::ExpiredToken => "expired_token",
            Fault::ResetConnection => "reset_connection",
            Fault::DropMidBody => "drop_mid_body",
            Fault::Delay(_) => "delay",
            Fault::TruncatedJson => "truncated_json",
            Fault::NonJson => "non_json",
        }
    }

    /// Parse a fault name; `delay` takes `delay`.
    #[must_use]
    pub fn from_name(name: &str, delay: Duration) -> Option<Fault> {
        Some(match name {
            "internal_error" => Fault::InternalError,
            "bad_gateway_html" => Fault::BadGatewayHtml,
            "service_unavailable" => Fault::ServiceUnavailable,
            "rate_limited" => Fault::RateLimited,
            "rate_limited_bare" => Fault::RateLimitedBare,
            "expired_token" => Fault::ExpiredToken,
            "reset_connection" => Fault::ResetConnection,
            "drop_mid_body" => Fault::DropMidBody,
            "delay" => Fault::Delay(delay),
            "truncated_json" => Fault::TruncatedJson,
            "non_json" => Fault::NonJson,
            _ => return None,
        })
    }
}

/// A snapshot of request counters by route and status.
///
/// A connection closed by [`Fault::ResetConnection`] counts with status 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub(crate) by: BTreeMap<(String, u16), u64>,
}

impl Counters {
    /// Requests to `route`, any status.
    #[must_use]
    pub fn count(&self, route: Route) -> u64 {
        self.by
            .iter()
            .filter(|((r, _), _)| r == route.as_str())
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests to the spec operation with this `operationId` (e.g. `get_connections`),
    /// any status.
    #[must_use]
    pub fn count_operation(&self, operation_id: &str) -> u64 {
        self.by
            .iter()
            .filter(|((r, _), _)| r == operation_id)
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests to `route` answered with `status`.
    #[must_use]
    pub fn count_status(&self, route: Route, status: u16) -> u64 {
        self.by
            .get(&(route.as_str().to_string(), status))
            .copied()
            .unwrap_or(0)
    }

    /// All counted requests (every route, including unknown paths as `unknown`).
    #[must_use]
    pub fn total(&self) -> u64 {
        self.by.values().sum()
    }

    /// Requests answered with `status`, all routes.
    #[must_use]
    pub fn status(&self, status: u16) -> u64 {
        self.by
            .iter()
            .filter(|((_, s), _)| *s == status)
            .map(|(_, n)| n)
            .sum()
    }

    /// As JSON, the `GET /__fake/counters` body.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let mut routes = serde_json::Map::new();
        let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
        for ((r, s), n) in &self.by {
            *statuses.entry(*s).or_default() += n;
            let e = routes
                .entry(r.clone())
                .or_insert_with(|| serde_json::json!({"total": 0, "status": {}}));
            if let Some(o) = e.as_object_mut() {
                let t = o
                    .get("total")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0)
                    + n;
                o.insert("total".into(), t.into());
                if let Some(st) = o
                    .get_mut("status")
                    .and_then(serde_json::Value::as_object_mut)
                {
                    st.insert(s.to_string(), (*n).into());
                }
            }
        }
        let status: serde_json::Map<String, serde_json::Value> = statuses
            .into_iter()
            .map(|(s, n)| (s.to_string(), n.into()))
            .collect();
        serde_json::json!({"total": self.total(), "status": status, "routes": routes})
    }
}

/// Builder for a [`FakeTenant`]; see [`FakeTenant::builder`].
#[derive(Debug, Clone)]
pub struct FakeTenantBuilder {
    addr: SocketAddr,
    domain: Option<String>,
    tls: bool,
    client_id: String,
    client_secret: String,
    connection: String,
    requires_username: bool,
    latency: Duration,
    rate_limit: Option<RateLimit>,
    index_delay: Duration,
    password_policy: PasswordPolicy,
    token_ttl: Duration,
    seed_users: usize,
    seed_template: serde_json::Map<String, serde_json::Value>,
    scopes: Vec<String>,
    export_duration: Duration,
    import_rate: f64,
    header_read_timeout: Duration,
    body_read_timeout: Duration,
    token_quota: Option<TokenQuota>,
}

/// Every scope the Management API names (the spec's), and [`DEFAULT_SCOPES`]: what a
/// fake tenant grants by default.
#[must_use]
pub fn all_scopes() -> Vec<String> {
    let mut all: Vec<String> = DEFAULT_SCOPES.iter().map(|s| (*s).to_string()).collect();
    all.extend(spec::spec().scopes.iter().cloned());
    all.sort();
    all.dedup();
    all
}

/// The scopes of the users API and of the relations the fake handles by hand.
pub const DEFAULT_SCOPES: &[&str] = &[
    "read:users",
    "create:users",
    "update:users",
    "delete:users",
    "read:users_app_metadata",
    "update:users_app_metadata",
    "create:users_app_metadata",
    "delete:users_app_metadata",
    "create:user_tickets",
    "read:user_idp_tokens",
    "read:roles",
    "create:roles",
    "update:roles",
    "delete:roles",
    "read:role_members",
    "create:role_members",
    "delete:role_members",
    "read:organizations",
    "create:organizations",
    "update:organizations",
    "delete:organizations",
    "read:organization_members",
    "create:organization_members",
    "delete:organization_members",
    "read:logs",
    "read:logs_users",
];

impl Default for FakeTenantBuilder {
    fn default() -> Self {
        FakeTenantBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            domain: None,
            tls: false,
            client_id: util::alnum(32),
            client_secret: util::alnum(64),
            connection: "Username-Password-Authentication".into(),
            requires_username: false,
            latency: Duration::ZERO,
            rate_limit: Some(DEFAULT_RATE_LIMIT),
            index_delay: DEFAULT_INDEX_DELAY,
            password_policy: PasswordPolicy::default(),
            token_ttl: Duration::from_secs(86_400),
            seed_users: 0,
            seed_template: serde_json::Map::new(),
            scopes: all_scopes(),
            export_duration: Duration::from_millis(200),
            import_rate: DEFAULT_IMPORT_RATE,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            token_quota: None,
        }
    }
}

impl FakeTenantBuilder {
    /// Listen address (default `127.0.0.1:0`, a random port).
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }
    /// Tenant domain; the audience is `https://{domain}/api/v2/`. Default:
    /// `fake-tenant.auth0plus.test`, or `localhost:PORT` with [`tls`](Self::tls) (so the
    /// audience an SDK derives from its domain is the one the fake accepts).
    #[must_use]
    pub fn domain(mut self, domain: &str) -> Self {
        self.domain = Some(domain.into());
        self
    }
    /// Serve HTTPS: a throwaway CA and a certificate for `localhost`, `127.0.0.1` and `::1`
    /// are made at start ([`FakeTenant::ca_pem_path`] is the CA to trust), the base URL is
    /// `https://localhost:PORT` and the default domain `localhost:PORT`.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), auth0plus_fake::FakeError> {
    /// let tenant = auth0plus_fake::FakeTenant::builder().tls(true).start().await?;
    /// assert!(tenant.base_url().starts_with("https://localhost:"));
    /// let ca = tenant.ca_pem_path().expect("a TLS tenant has a CA");
    /// // NODE_EXTRA_CA_CERTS=<ca> / SSL_CERT_FILE=<ca>, domain = tenant.domain()
    /// # let _ = ca; Ok(()) }
    /// ```
    #[must_use]
    pub fn tls(mut self, yes: bool) -> Self {
        self.tls = yes;
        self
    }
    /// Client id accepted by `/oauth/token` (default random).
    #[must_use]
    pub fn client_id(mut self, id: &str) -> Self {
        self.client_id = id.into();
        self
    }
    /// Client secret accepted by `/oauth/token` (default random).
    #[must_use]
    pub fn client_secret(mut self, secret: &str) -> Self {
        self.client_secret = secret.into();
        self
    }
    /// Database connection name (default `Username-Password-Authentication`).
    #[must_use]
    pub fn connection(mut self, name: &str) -> Self {
        self.connection = name.into();
        self
    }
    /// Whether the connection requires (and so accepts) `username` (default false).
    #[must_use]
    pub fn requires_username(mut self, yes: bool) -> Self {
        self.requires_username = yes;
        self
    }
    /// Latency of every request: the least time from its arrival to its answer, the
    /// fake's own work included (as a client sees a distant tenant answer).
    #[must_use]
    pub fn latency(mut self, d: Duration) -> Self {
        self.latency = d;
        self
    }
    /// Token-bucket rate limit on Management requests (default [`DEFAULT_RATE_LIMIT`]).
    #[must_use]
    pub fn rate_limit(mut self, r: RateLimit) -> Self {
        self.rate_limit = Some(r);
        self
    }
    /// No rate limit at all: no 429s and no `x-ratelimit-*` headers (unlike Auth0).
    #[must_use]
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }
    /// The connection's password strength policy (default [`PasswordPolicy::Good`]).
    #[must_use]
    pub fn password_policy(mut self, p: PasswordPolicy) -> Self {
        self.password_policy = p;
        self
    }
    /// Delay before a write is visible to `GET /users` (default [`DEFAULT_INDEX_DELAY`];
    /// `Duration::ZERO` for a search that sees every write at once).
    #[must_use]
    pub fn index_delay(mut self, d: Duration) -> Self {
        self.index_delay = d;
        self
    }
    /// Enforce M2M token quotas on the client-credentials grant, as Auth0's
    /// fine-grained quotas do: every token answer carries
    /// `auth0-client-quota-limit`, and past a quota `/oauth/token` answers
    /// `429 too_many_requests` "Client quota exceeded" with `Retry-After`
    /// (default: no quota, no header).
    #[must_use]
    pub fn token_quota(mut self, quota: TokenQuota) -> Self {
        self.token_quota = Some(quota);
        self
    }
    /// Lifetime of issued tokens (default 86400 s).
    #[must_use]
    pub fn token_ttl(mut self, d: Duration) -> Self {
        self.token_ttl = d;
        self
    }
    /// Number of users to seed at start.
    #[must_use]
    pub fn seed_users(mut self, n: usize) -> Self {
        self.seed_users = n;
        self
    }
    /// Number of users to seed at start, each with `template`'s keys on top of the
    /// defaults (see [`FakeTenant::seed_users_with`]).
    #[must_use]
    pub fn seed_users_with(mut self, n: usize, template: serde_json::Value) -> Self {
        self.seed_users = n;
        self.seed_template = template_map(template);
        self
    }
    /// The scopes of the tenant's own client's grant for the Management API (default
    /// [`all_scopes`]): its tokens carry these, and an operation that needs another answers
    /// 403 `insufficient_scope`. The grant is an ordinary one (`/api/v2/client-grants`).
    #[must_use]
    pub fn scopes(mut self, scopes: Vec<String>) -> Self {
        self.scopes = scopes;
        self
    }
    /// How long an export job takes to complete (default 200 ms).
    #[must_use]
    pub fn export_duration(mut self, d: Duration) -> Self {
        self.export_duration = d;
        self
    }

    /// The import job model: users each import job processes per second
    /// (default [`DEFAULT_IMPORT_RATE`]). A job of `n` users completes
    /// `n / rate` seconds after it is accepted; two run at once (Auth0's
    /// limit), so importing `N` users takes at least `N / (2 × rate)`
    /// seconds. Values below 1 count as 1.
    #[must_use]
    pub fn import_users_per_second(mut self, rate: f64) -> Self {
        self.import_rate = rate;
        self
    }

    /// Close a connection that takes longer than this to send a request's
    /// headers, or sits idle this long between requests (default 10 s), so
    /// idle or half-open connections cannot exhaust file descriptors.
    #[must_use]
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.header_read_timeout = d;
        self
    }

    /// Answer `408` when a request's body takes longer than this to arrive
    /// (default 30 s).
    #[must_use]
    pub fn body_read_timeout(mut self, d: Duration) -> Self {
        self.body_read_timeout = d;
        self
    }

    /// Bind and start serving on the current tokio runtime.
    ///
    /// # Errors
    /// [`FakeError::Bind`] when the address cannot be bound.
    pub async fn start(self) -> Result<FakeTenant, FakeError> {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| FakeError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr()?;
        let tls = if self.tls {
            Some(tls::make(None)?)
        } else {
            None
        };
        let (base_url, default_domain) = match &tls {
            Some(_) => (
                format!("https://localhost:{}", addr.port()),
                format!("localhost:{}", addr.port()),
            ),
            None => (
                format!("http://{addr}"),
                "fake-tenant.auth0plus.test".to_string(),
            ),
        };
        let shared = Arc::new(Shared::new(state::Config {
            base_url: base_url.clone(),
            domain: self.domain.unwrap_or(default_domain),
            client_id: self.client_id,
            client_secret: self.client_secret,
            connection: self.connection,
            connection_id: format!("con_{}", util::alnum(16)),
            requires_username: self.requires_username,
            scopes: self.scopes,
            latency: self.latency,
            rate_limit: self.rate_limit,
            index_delay: self.index_delay,
            token_ttl: self.token_ttl.min(state::MAX_TOKEN_TTL),
            export_duration: self.export_duration.min(state::MAX_KNOB),
            import_rate: import_rate(self.import_rate),
            header_read_timeout: self.header_read_timeout,
            body_read_timeout: self.body_read_timeout,
            password_policy: self.password_policy,
            signing: authentication::SigningKey::new(),
            token_quota: token_quota::Quota::new(self.token_quota),
        }));
        shared.seed_users(self.seed_users, &self.seed_template);
        let (tx, rx) = tokio::sync::watch::channel(false);
        let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
        tokio::spawn(server::serve(listener, Arc::clone(&shared), acceptor, rx));
        Ok(FakeTenant {
            shared,
            addr,
            base_url,
            tls,
            shutdown: tx,
        })
    }
}

/// The keys of a seed template; anything but an object is no template.
fn template_map(template: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match template {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// A running fake tenant. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeTenant {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    tls: Option<tls::Tls>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Drop for FakeTenant {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

impl FakeTenant {
    /// Start with all defaults on a random loopback port.
    ///
    /// # Errors
    /// [`FakeError`] when the socket cannot be bound.
    pub async fn start() -> Result<FakeTenant, FakeError> {
        Self::builder().start().await
    }

    /// A builder with every default.
    #[must_use]
    pub fn builder() -> FakeTenantBuilder {
        FakeTenantBuilder::default()
    }

    /// `http://127.0.0.1:PORT` (`https://localhost:PORT` with TLS), no trailing slash.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// With TLS: the throwaway CA certificate (PEM) that signed the fake's certificate.
    #[must_use]
    pub fn ca_pem(&self) -> Option<&str> {
        self.tls.as_ref().map(|t| t.ca_pem.as_str())
    }

    /// With TLS: the file holding [`ca_pem`](Self::ca_pem), for `NODE_EXTRA_CA_CERTS`,
    /// `SSL_CERT_FILE` or an SDK's CA option. Removed when the tenant is dropped.
    #[must_use]
    pub fn ca_pem_path(&self) -> Option<&std::path::Path> {
        self.tls.as_ref().map(|t| t.ca_path.as_path())
    }

    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The tenant domain (used in the audience, token `iss` and ticket URLs).
    #[must_use]
    pub fn domain(&self) -> &str {
        &self.shared.cfg.domain
    }

    /// The Management API audience, `https://{domain}/api/v2/`.
    #[must_use]
    pub fn audience(&self) -> String {
        self.shared.cfg.audience()
    }

    /// The seeded client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.shared.cfg.client_id
    }

    /// The seeded client secret.
    #[must_use]
    pub fn client_secret(&self) -> &str {
        &self.shared.cfg.client_secret
    }

    /// The database connection name.
    #[must_use]
    pub fn connection(&self) -> &str {
        &self.shared.cfg.connection
    }

    /// The connection id, `con_` + 16 alphanumerics.
    #[must_use]
    pub fn connection_id(&self) -> &str {
        &self.shared.cfg.connection_id
    }

    /// A valid bearer token of the tenant's own client, with every scope its grant holds.
    #[must_use]
    pub fn issue_token(&self) -> String {
        self.shared.default_token()
    }

    /// Every token issued so far answers 401 from now on.
    pub fn revoke_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// Set the latency of every request (see [`FakeTenantBuilder::latency`]).
    pub fn set_latency(&self, d: Duration) {
        self.shared.lock().latency = d;
    }

    /// Set or remove the rate limit (the bucket starts full).
    pub fn set_rate_limit(&self, r: Option<RateLimit>) {
        self.shared.lock().set_rate_limit(r);
    }

    /// Set the connection's password strength policy.
    pub fn set_password_policy(&self, p: PasswordPolicy) {
        let id = &self.shared.cfg.connection_id;
        self.shared.lock().set_password_policy(id, p);
    }

    /// Set the search index delay (applies to writes from now on).
    pub fn set_index_delay(&self, d: Duration) {
        self.shared.lock().index_delay = d;
    }

    /// Set the token lifetime for tokens issued from now on (at most ten
    /// years).
    pub fn set_token_ttl(&self, d: Duration) {
        self.shared.lock().token_ttl = d.min(state::MAX_TOKEN_TTL);
    }

    /// How many issued tokens the tenant remembers (expired and surplus
    /// tokens are pruned as new ones are issued).
    #[must_use]
    pub fn token_count(&self) -> usize {
        self.shared.lock().tokens.len()
    }

    /// How many export jobs the tenant keeps, with their files (finished
    /// jobs are dropped after an hour, and the oldest past 16).
    #[must_use]
    pub fn job_count(&self) -> usize {
        self.shared.lock().jobs.len()
    }

    /// Set the users per second of import jobs created from now on (see
    /// [`FakeTenantBuilder::import_users_per_second`]).
    pub fn set_import_users_per_second(&self, rate: f64) {
        self.shared.lock().import_rate = import_rate(rate);
    }

    /// Set how long export jobs take (for jobs created from now on; at most
    /// a day).
    pub fn set_export_duration(&self, d: Duration) {
        self.shared.lock().export_duration = d.min(state::MAX_KNOB);
    }

    /// Make the next `times` requests to `route` answer `fault`.
    pub fn inject_fault(&self, route: Route, fault: Fault, times: usize) {
        self.shared.lock().inject_fault(route, fault, times);
    }

    /// Drop every pending fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// A snapshot of the request counters.
    #[must_use]
    pub fn counters(&self) -> Counters {
        self.shared.lock().counters.clone()
    }

    /// Zero the request counters.
    pub fn reset_counters(&self) {
        self.shared.lock().counters = Counters::default();
    }

    /// Number of users in the store.
    #[must_use]
    pub fn user_count(&self) -> usize {
        handlers::advance_imports(&self.shared);
        self.shared.lock().users.len()
    }

    /// The current store in creation order (immediately consistent).
    #[must_use]
    pub fn users(&self) -> Vec<serde_json::Value> {
        handlers::advance_imports(&self.shared);
        self.shared
            .lock()
            .users
            .values()
            .map(|u| (**u).clone())
            .collect()
    }

    /// Create `n` users with the create defaults; returns their ids. Visible to search at once.
    pub fn seed_users(&self, n: usize) -> Vec<String> {
        self.shared.seed_users(n, &serde_json::Map::new())
    }

    /// Create `n` users with the create defaults and `template`'s keys on top; returns
    /// their ids. Visible to search at once.
    ///
    /// The template is a JSON object whose keys replace the seeded values wholesale
    /// (`app_metadata`, `user_metadata`, `created_at`, `email_verified`, `blocked`, …);
    /// its `user_id` is ignored so the users stay distinct, and a template that is not an
    /// object adds nothing.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), auth0plus_fake::FakeError> {
    /// let tenant = auth0plus_fake::FakeTenant::start().await?;
    /// let old = tenant.seed_users_with(
    ///     3,
    ///     serde_json::json!({"created_at": "2020-01-01T00:00:00.000Z", "email_verified": true,
    ///                        "app_metadata": {"plan": "legacy"}}),
    /// );
    /// assert_eq!(old.len(), 3);
    /// # Ok(()) }
    /// ```
    pub fn seed_users_with(&self, n: usize, template: serde_json::Value) -> Vec<String> {
        self.shared.seed_users(n, &template_map(template))
    }

    /// Insert an arbitrary user object (unknown fields kept); a missing `user_id` is
    /// generated, and a user without `identities` gets one in the tenant's connection (so
    /// `identities.connection` queries and exports by connection find it). Replaces a user
    /// with the same id. Visible to search at once.
    pub fn insert_user(&self, user: serde_json::Value) -> String {
        self.shared
            .lock()
            .insert_user(user, &self.shared.cfg.connection)
    }

    /// The next export job created fails (status `failed`).
    pub fn fail_next_export(&self) {
        self.shared.lock().next_export = state::ExportMode::Fail;
    }

    /// The next export job created never completes.
    pub fn stall_next_export(&self) {
        self.shared.lock().next_export = state::ExportMode::Stall;
    }

    /// The next export job completes but its download is a truncated gzip.
    pub fn corrupt_next_export(&self) {
        self.shared.lock().next_export = state::ExportMode::Corrupt;
    }
}

/// This crate's own README (its crates.io page), with its examples compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
