//! The Auth0 Management API v2, Django-ORM flavoured, written once against
//! the [`HttpBackend`](auth0plus_transport::HttpBackend) trait so any HTTP
//! stack plugs in.
//!
//! ```no_run
//! use auth0plus_management::{Auth0, Lookup, NewUser};
//! # async fn run() -> auth0plus_management::Result<()> {
//! let auth0 = Auth0::builder("acme.eu.auth0.com")
//!     .client_credentials("client-id", "client-secret")
//!     .default_connection("Username-Password-Authentication")
//!     .build()?;
//! let users = auth0.users();
//! let (malcolm, created) = users
//!     .get_or_create([("email", "malcolm@acdc.example")], NewUser::new().password("ChuckB"))
//!     .await?;
//! let singers = users.query().filter([("email__startswith", "b")]);
//! println!("{} singers, first: {:?}", singers.count().await?, singers.first().await?);
//! # let _ = (malcolm, created); Ok(()) }
//! ```
//!
//! # Features
#![doc = document_features::document_features!()]
//!
//! With `default-features = false`, bring an `HttpBackend` and a `Sleep`
//! (`Auth0::builder(..).backend(..).sleep(..)`); no tokio, reqwest or hyper is
//! pulled in.
//!
#![doc = include_str!("guarantees.md")]
// On docs.rs (nightly, `--cfg docsrs`) each item says which feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod error;
// Issue 14: jobs
pub mod jobs;
mod lookup;
mod multipart;
mod page;
mod query;
mod raw;
mod relation;
mod request;
mod resource;
mod search;
mod tickets;
mod timestamp;
pub mod users;
mod walk;
// Issue 14: roles and permissions
mod permissions;
mod roles;

// Issue 14: a user's world, and the tenant objects users need ids of
mod tenant;
mod world;
pub use tenant::{Client, ClientGrant, Connection, ResourceServer};
pub use world::{
    AuthenticationMethod, AuthenticationMethods, LoginBlock, RefreshToken, SecondaryAccount,
    Session, UserRefreshTokens, UserSessions,
};

// Issue 14: logs
mod logs;
pub use logs::{DEFAULT_TAIL_INTERVAL, LogEvent, LogQuery, LogTail, LogType, Logs, TailStart};

pub use client::{Auth0, Auth0Builder, DEFAULT_PER_PAGE, DEFAULT_PREFETCH};
pub use error::{ApiError, Error, Result};
// Issue 14: jobs
pub use jobs::{
    ImportIssue, ImportProgress, ImportReport, ImportUser, ImportUserError, JobSummary, Jobs,
    UserImport, VerificationEmail,
};
pub use lookup::{LOOKUP_SUFFIXES, LookupArg, LookupValue};
pub use query::Query;
pub use raw::RequestBuilder;
pub use relation::{Relation, RelationSpec};
pub use request::{ApiRequest, encode_segment};
pub use resource::{Collection, Record, RecordState, Resource, changed_fields};
pub use search::Order;
pub use tickets::{EmailVerificationTicket, PasswordChangeTicket, Tickets};
pub use timestamp::Timestamp;
// Issue 14: roles and permissions
pub use permissions::{AssignedPermission, Permission, PermissionSource};
pub use roles::{Role, RoleRecord, RoleState, Roles};
pub use users::{
    ExportFormat, Identity, JobStatus, Lookup, Metadata, NewUser, User, UserExport, UserProfile,
    UserQuery, UserState, Users,
};

/// Every operation and model of the Management API, generated from its
/// spec; run them with [`Auth0::send`] and [`Auth0::list`].
pub use auth0plus_management_api as api;
pub use auth0plus_management_api::{Cursor, ListOperation, Operation, Paging};
/// The HTTP method of [`Auth0::request`], re-exported so no `http` dependency is needed.
pub use http::Method;

// Issue 14: organizations
pub mod organizations;
pub use organizations::{
    ConnectionOptions, EnabledConnection, EnabledConnections, Invitation, Invitations,
    MAX_INVITATION_TTL, Member, NewInvitation, Organization,
};

pub use auth0plus_oauth as oauth;
pub use auth0plus_transport as transport;

/// This crate's own README (its crates.io page), with its examples compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
