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
//! let singers = users.query().filter([("email", "b*")]);
//! println!("{} singers, first: {:?}", singers.count().await?, singers.first().await?);
//! # let _ = (malcolm, created); Ok(()) }
//! ```
//!
//! # Features
//! - `reqwest` (default): use `ReqwestBackend` and the tokio timer when no backend is given.
//! - `rustls` (default) / `native-tls`: its TLS stack.
//! - `test-util`: the transport crate's test doubles.
//!
//! With `default-features = false`, bring an `HttpBackend` and a `Sleep`
//! (`Auth0::builder(..).backend(..).sleep(..)`); no tokio, reqwest or hyper is
//! pulled in.

mod client;
mod error;
mod request;
mod tickets;
pub mod users;

pub use client::{Auth0, Auth0Builder, DEFAULT_PER_PAGE, DEFAULT_PREFETCH};
pub use error::{ApiError, Error, Result};
pub use request::{ApiRequest, encode_segment};
pub use tickets::{EmailVerificationTicket, PasswordChangeTicket, Tickets};
pub use users::{
    ExportFormat, Identity, JobStatus, Lookup, Metadata, NewUser, Order, User, UserExport,
    UserProfile, UserQuery, UserState, Users,
};

pub use auth0plus_management_api as api;
pub use auth0plus_oauth as oauth;
pub use auth0plus_transport as transport;
