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
//! # One shape, one naming rule
//!
//! Every resource is a [`Collection`] with the same calls (`create`,
//! `get`, `get_opt`, `get_by_id`, `get_or_create(lookup, defaults)`,
//! `query`, `all`, `update(id, changes)`, `delete(id)`); [`Users`],
//! [`Roles`], [`Organizations`], [`Connections`], [`Clients`],
//! [`ResourceServers`] and [`ClientGrants`] are its aliases, and what one
//! resource has beyond them is in its own module. Records and relations
//! build every request with a generated operation ([`api`]); a
//! [`Resource`] impl takes its paths, paging, id field and names from the
//! generated [`ResourceSpec`](api::ResourceSpec) and writes only hooks.
//! [`Logs`] and [`Jobs`] are plain handles with the same conventions: log
//! events and jobs are not records anyone creates or changes.
//!
//! Names follow one rule:
//! - **the saved record is the noun**: [`User`], [`Role`], [`Organization`],
//!   [`Connection`], [`Client`], [`ResourceServer`], [`ClientGrant`], each a
//!   [`Record`] of its data;
//! - **a create takes `New<Noun>`** ([`NewUser`], [`NewRole`],
//!   [`NewOrganization`], [`NewConnection`], [`NewClient`],
//!   [`NewResourceServer`], [`NewClientGrant`]), never a list item; an update
//!   takes the resource's changes (`NewUser`, `NewRole`, or the spec's
//!   `api::models::Update…RequestContent`);
//! - **the generated data stays under [`api::models`]** under the spec's
//!   schema names (`api::models::Role` is the data a [`Role`] holds) and is
//!   never re-exported beside the hand-written names; where a model is
//!   re-exported it takes a name of its own ([`Member`],
//!   [`Invitation`], [`Session`]…).
//!
//! Every public future is `Send`, and `'static` once its inputs are owned:
//! handles are cheap clones (an `Arc` inside) that own what they need.
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
mod decode;
mod error;
mod execute;
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
pub use tenant::{
    Client, ClientGrant, ClientGrants, Clients, Connection, Connections, NewClient, NewClientGrant,
    NewConnection, NewResourceServer, ResourceServer, ResourceServers,
};
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
    ExportFormat, ImportIssue, ImportProgress, ImportReport, ImportUser, ImportUserError,
    JobStatus, JobSummary, Jobs, UserExport, UserImport, VerificationEmail,
};
pub use lookup::{LOOKUP_SUFFIXES, LookupArg, LookupValue};
pub use query::Query;
pub use raw::RequestBuilder;
pub use relation::Relation;
pub use request::{ApiRequest, encode_segment};
pub use resource::{
    ChangeSet, Collection, Found, IntoRecord, Record, RecordState, Resource, changed_fields,
};
pub use search::Order;
pub use tickets::{EmailVerificationTicket, PasswordChangeTicket, Tickets};
pub use timestamp::Timestamp;
// Issue 14: roles and permissions
pub use permissions::{AssignedPermission, Permission, PermissionSource};
pub use roles::{NewRole, Role, RoleState, Roles};
pub use users::{
    Lookup, Metadata, NewUser, User, UserIdentity, UserProfile, UserQuery, UserState, Users,
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
    EnabledConnection, EnabledConnectionOptions, EnabledConnections, Invitation, Invitations,
    MAX_INVITATION_TTL, Member, NewInvitation, NewOrganization, Organization, OrganizationState,
    Organizations,
};

pub use auth0plus_oauth as oauth;
pub use auth0plus_transport as transport;

/// This crate's own README (its crates.io page), with its examples compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
