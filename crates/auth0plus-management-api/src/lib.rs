//! Every operation of the Auth0 Management API v2 as a plain request type,
//! and every model as a serde type — no I/O, no runtime. Run them with
//! `auth0plus_management::Auth0::send` and `Auth0::list`.
//!
//! [`operation`] is the contract between these types and the client that
//! runs them.

#[macro_use]
pub mod runtime;
pub mod operation;

mod generated;
pub use generated::*;

pub use operation::{Cursor, ListOperation, Operation, Paging, Request, SECRET_FIELDS};
