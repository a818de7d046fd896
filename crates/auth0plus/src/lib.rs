//! # auth0plus
//!
//! The Auth0 Management API v2 (and the Authentication API) for Rust, in the
//! style of the Python package `auth0plus`: `users.create(..)`, `get`,
//! `get_or_create`, lazy queries with `count` and slicing, `save` that sends
//! only what changed, `as_dict`, `DoesNotExist`, `MultipleObjectsReturned` —
//! plus retries that honour Auth0's rate limits, cached single-flight tokens,
//! escaping that no search value can break, concurrent pagination and a fake
//! tenant to test against.
//!
//! ```
//! use auth0plus::prelude::*;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let tenant = auth0plus::fake::FakeTenant::start().await?;
//! # let (domain, client_id, client_secret, connection, base_url) = (tenant.domain(), tenant.client_id(), tenant.client_secret(), tenant.connection(), tenant.base_url());
//! let auth0 = Auth0::builder(domain)
//!     .client_credentials(client_id, client_secret)
//!     .default_connection(connection)
//!     .base_url(base_url) // only for the fake tenant; a real tenant is https://{domain}
//!     .build()?;
//! let angus = auth0
//!     .users()
//!     .create(NewUser::new().email("angus@acdc.example").password("Jailbreak-1979"))
//!     .await?;
//! assert!(angus.id().unwrap().starts_with("auth0|"));
//! # Ok(()) }
//! ```
//!
//! # What is here
//!
//! Everything hangs off one client, [`Auth0`] (built by [`Auth0::builder`];
//! cheap to clone, every future `Send`). The guides in the repository's
//! `docs/` folder (linked from its README) work through each part.
//!
//! | you want | call | types |
//! |---|---|---|
//! | users: `create`, `get`, `get_or_create`, search, `save` | [`Auth0::users`] | [`Users`], [`User`], [`NewUser`], [`UserQuery`], [`Lookup`] |
//! | a user's roles, permissions, organizations, sessions, refresh tokens, identities, logs | `user.roles()`, `user.permissions()`, `user.sessions()`… | [`Relation`], [`SecondaryAccount`] |
//! | roles and their permissions | [`Auth0::roles`] | [`Roles`], [`Role`], [`NewRole`], [`Permission`] |
//! | organizations: members, member roles, invitations, connections | [`Auth0::organizations`] | [`Organizations`], [`Organization`], [`NewOrganization`], [`NewInvitation`] |
//! | connections, clients, resource servers (APIs), client grants | [`Auth0::connections`], [`Auth0::clients`], [`Auth0::resource_servers`], [`Auth0::client_grants`] | [`Connection`], [`Client`], [`ResourceServer`], [`ClientGrant`] and their `New…` |
//! | the tenant log: search, what came after a checkpoint, tail | [`Auth0::logs`] | [`Logs`], [`LogEvent`], [`LogType`], [`Logs::after`], [`LogTail`] |
//! | jobs: import users, export users (every user, past 1,000), verification emails | [`Auth0::jobs`], `users.export()` | [`Jobs`], [`ImportUser`], [`management::ImportReport`], [`management::UserExport`] |
//! | tickets: password change, email verification | [`Auth0::tickets`] | [`management::PasswordChangeTicket`], [`management::EmailVerificationTicket`] |
//! | any of the 489 operations of the spec, generated | [`Auth0::send`], [`Auth0::list`] | [`api`] (one module per group; models in [`api::models`]) |
//! | any path at all | [`Auth0::request`] | [`management::RequestBuilder`] |
//! | a resource of your own, with the users treatment | [`Auth0::collection`] | [`Resource`], [`Collection`], [`Record`] |
//! | the Authentication API: every grant, ID- and access-token verification, PKCE | [`oauth::AuthenticationClient`] | [`oauth::IdTokenVerifier`], [`oauth::AccessTokenVerifier`], [`oauth::Pkce`] |
//! | tokens alone, cached; caches a fleet or a CLI shares | [`oauth::get_token`], [`oauth::ClientCredentials`], [`oauth::CachedTokenSource`] | [`oauth::TokenCache`], [`oauth::FileCache`], `RedisTokenCache` (feature `redis`) |
//! | retries, the throttle, a fleet's shared rate limit | [`Auth0Builder::retry_policy`], `Auth0Builder::shared_rate_limit` | [`transport::RetryPolicy`], `RedisRateLimit` (feature `redis`) |
//! | your own HTTP stack or runtime | [`Auth0Builder::backend`], [`Auth0Builder::sleep`] | [`transport::HttpBackend`], [`transport::Sleep`] |
//! | secrets that never print | | [`transport::Secret`] |
//! | a fake Auth0 tenant for your tests (Management and Authentication APIs, HTTP or HTTPS) | `fake::FakeTenant::start` (feature `fake`) | `fake::FakeTenant`, `fake::Fault`, `fake::Route` |
//! | tracing | spans and events under the `auth0plus_*` targets; no subscriber installed | |
//!
//! The layers are crates of their own, re-exported here:
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`management`] | `auth0plus-management` | [`Auth0`], the resources, queries, logs, jobs, tickets |
//! | [`api`] | `auth0plus-management-api` | every operation and model of the Management API, generated (no I/O) |
//! | [`oauth`] | `auth0plus-oauth` | the Authentication API and token sources |
//! | [`transport`] | `auth0plus-transport` | [`transport::HttpBackend`], the retry policy, [`transport::Secret`] |
//! | `fake` (feature `fake`) | `auth0plus-fake` | a stateful fake Auth0 tenant for your tests |
//!
//! # Names
//!
//! Every resource is a [`Collection`] with the same calls; the saved record
//! is the noun ([`User`], [`Role`], [`Organization`], [`Connection`],
//! [`Client`], [`ResourceServer`], [`ClientGrant`]), a create takes
//! `New<Noun>` ([`NewUser`], [`NewRole`], [`NewOrganization`]…), and the
//! generated data stays under [`api::models`] (`api::models::Role` is the
//! data a [`Role`] holds), never re-exported beside them. One name means one
//! thing in this crate's tree. See [`management`] for the whole rule.
//!
//! # Features
//!
//! The backend (`reqwest` on tokio, TLS through `rustls` or `native-tls`),
//! `aws-lc-rs` for JWTs, `redis` for fleets, `fake` and `test-util` for
//! tests, and the groups of the generated API: the 16 groups the resources
//! stand on are always compiled; `full` turns on all 51, or name a group
//! (`features = ["tenants"]`, then
//! `auth0.send(auth0plus::api::tenants::GetTenantsSettings::new())`): they
//! are forwarded to `auth0plus-management-api`, so an app that depends on
//! `auth0plus` alone reaches any operation through [`api`].
//!
#![doc = document_features::document_features!()]
// On docs.rs (nightly, `--cfg docsrs`) each item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(inline)]
pub use auth0plus_management::{
    ApiError, Auth0, Auth0Builder, Collection, Error, Lookup, Method, NewUser, Order, Query,
    Record, Relation, Resource, Result, Timestamp, User, UserProfile, UserQuery, Users,
};
// Issue 14: roles and permissions
#[doc(inline)]
pub use auth0plus_management::{
    AssignedPermission, NewRole, Permission, PermissionSource, Role, Roles,
};

// Issue 14: a user's world, and the tenant objects users need ids of
#[doc(inline)]
pub use auth0plus_management::{
    Client, ClientGrant, ClientGrants, Clients, Connection, Connections, NewClient, NewClientGrant,
    NewConnection, NewResourceServer, ResourceServer, ResourceServers, SecondaryAccount,
};

// Issue 14: logs
#[doc(inline)]
pub use auth0plus_management::{LogEvent, LogQuery, LogTail, LogType, Logs, TailStart};

// Issue 14: organizations
#[doc(inline)]
pub use auth0plus_management::{
    EnabledConnectionOptions, Member, NewInvitation, NewOrganization, Organization, Organizations,
};

// Issue 14: jobs
#[doc(inline)]
pub use auth0plus_management::{ImportUser, Jobs};

/// Every operation and model of the Management API, generated from its spec
/// (`auth0plus_management::api`): run any of them with [`Auth0::send`].
/// The groups the resources stand on are always compiled; turn on others
/// with this crate's features (`full`, or one per group: `tenants`,
/// `actions`…).
#[doc(inline)]
pub use auth0plus_management::api;

// Inlined so that `cargo doc -p auth0plus` (and docs.rs) shows the layers'
// items as modules of this crate, not as links to crates it did not document.
#[doc(inline)]
pub use auth0plus_management as management;
#[doc(inline)]
pub use auth0plus_oauth as oauth;
#[doc(inline)]
pub use auth0plus_transport as transport;

#[cfg(feature = "fake")]
#[doc(inline)]
pub use auth0plus_fake as fake;

/// The `reqwest` crate of the default backend, for building your own
/// `reqwest::Client` (proxies, mTLS) for
/// [`ReqwestBackend::from_client`](transport::ReqwestBackend::from_client)
/// with the version auth0plus uses. To trust one more CA, no client of
/// your own is needed: [`Auth0Builder::root_certificate_pem`].
#[cfg(feature = "reqwest")]
pub use auth0plus_transport::reqwest;

/// What most code needs: `use auth0plus::prelude::*;`.
pub mod prelude {
    pub use auth0plus_management::{Auth0, Error, Lookup, NewUser, Order, User, UserQuery};
}

/// The set-up line hidden at the top of the README's and the guides' examples
/// (`# let (tenant, auth0) = auth0plus::doctest::auth0().await?;`): not part
/// of the API, and only with the `fake` feature.
#[cfg(feature = "fake")]
#[doc(hidden)]
pub mod doctest {
    use std::fmt;

    use crate::Auth0;
    use crate::fake::{TestTenant, TestTenantError};

    /// The tenant an example runs against (a fresh fake one, or the `.env`
    /// tenant under `cargo xtask doctest --live`) and a client of it with
    /// its database connection as the default.
    ///
    /// # Errors
    /// [`SetupError`]: the tenant could not start or the client not be built.
    pub async fn auth0() -> Result<(TestTenant, Auth0), SetupError> {
        let tenant = TestTenant::from_env_or_fake()
            .await
            .map_err(SetupError::Tenant)?;
        let auth0 = client(&tenant)?;
        Ok((tenant, auth0))
    }

    /// A client of `tenant` (lazy: no request yet), built as the quick start
    /// builds one.
    ///
    /// # Errors
    /// [`SetupError::Client`] when the builder refuses the tenant's values.
    pub fn client(tenant: &TestTenant) -> Result<Auth0, SetupError> {
        Auth0::builder(&tenant.domain)
            .client_credentials(&tenant.client_id, tenant.client_secret.as_str())
            .default_connection(&tenant.connection)
            .base_url(&tenant.base_url)
            .build()
            .map_err(SetupError::Client)
    }

    /// Why an example's set-up failed.
    #[derive(Debug)]
    #[non_exhaustive]
    pub enum SetupError {
        /// The tenant: a live run's missing variable, or the fake not starting.
        Tenant(TestTenantError),
        /// The client's builder.
        Client(crate::Error),
    }

    impl fmt::Display for SetupError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Self::Tenant(e) => write!(f, "the example's tenant: {e}"),
                Self::Client(e) => write!(f, "the example's client: {e}"),
            }
        }
    }

    impl std::error::Error for SetupError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            match self {
                Self::Tenant(e) => Some(e),
                Self::Client(e) => Some(e),
            }
        }
    }
}

/// The README, compiled and run as doctests against the fake tenant.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// This crate's own README (its crates.io page), with its examples compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;

/// The guides of `docs/`, each compiled and run as doctests like the README
/// (`cargo test --doc -p auth0plus`, and `cargo xtask doctest [--live]`).
/// `tests/guides.rs` fails on a guide that is missing here or from the
/// README's map.
#[cfg(doctest)]
mod guides {
    macro_rules! guides {
        ($($name:ident = $file:literal;)*) => {$(
            #[doc = include_str!(concat!("../../../docs/", $file))]
            pub struct $name;
        )*};
    }
    guides! {
        UsersAndLookups = "users-and-lookups.md";
        QueriesAndStreams = "queries-and-streams.md";
        RolesAndOrganizations = "roles-and-organizations.md";
        LogsAndJobs = "logs-and-jobs.md";
        TheWholeApi = "the-whole-api.md";
        TokensAndAuthentication = "tokens-and-authentication.md";
        TestingWithTheFake = "testing-with-the-fake.md";
        YourOwnHttpStack = "your-own-http-stack.md";
        Reliability = "reliability.md";
        Tracing = "tracing.md";
        Performance = "performance.md";
        Security = "security.md";
        FromTheOriginal = "from-the-original.md";
    }
}
