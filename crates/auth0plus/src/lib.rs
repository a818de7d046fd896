//! # auth0plus
//!
//! The Auth0 Management API v2 for Rust, in the style of the Python package
//! `auth0plus`: `users.create(..)`, `get`, `get_or_create`, lazy queries with
//! `count` and slicing, `save` that sends only what changed, `as_dict`,
//! `DoesNotExist`, `MultipleObjectsReturned` — plus retries that honour
//! Auth0's rate limits, cached single-flight tokens, escaping that no search
//! value can break, concurrent pagination and a fake tenant to test against.
//!
//! This facade is what an ordinary app depends on. It re-exports the layers:
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`management`] | `auth0plus-management` | [`Auth0`], the resources ([`Users`], [`Roles`], [`Organizations`]…), queries, tickets, export |
//! | [`api`] | `auth0plus-management-api` | every operation and model of the Management API, generated; run one with [`Auth0::send`] |
//! | [`oauth`] | `auth0plus-oauth` | the Authentication API: [`oauth::AuthenticationClient`], [`oauth::IdTokenVerifier`], [`oauth::get_token`], [`oauth::ClientCredentials`], [`oauth::TokenSource`] |
//! | [`transport`] | `auth0plus-transport` | [`transport::HttpBackend`], retry policy, [`transport::Secret`] |
//! | `fake` (feature `fake`) | `auth0plus-fake` | a stateful fake Auth0 tenant for your tests |
//!
//! ```
//! use auth0plus::prelude::*;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let tenant = auth0plus_fake::FakeTenant::start().await?;
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
//! The groups of the generated API (`full`, or one per group) are this
//! crate's features too, forwarded to `auth0plus-management-api`, so an app
//! that depends on `auth0plus` alone reaches any operation through
//! [`api`]: `features = ["tenants"]`, then
//! `auth0.send(auth0plus::api::tenants::GetTenantsSettings::new())`.
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

/// The README, compiled and run as doctests against the fake tenant.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// This crate's own README (its crates.io page), with its examples compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
