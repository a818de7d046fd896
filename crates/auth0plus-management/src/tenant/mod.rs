//! The tenant objects users need ids of: connections, clients (applications),
//! resource servers (APIs) and client grants, each a [`Collection`] of
//! records in its own file, with what it has beyond every collection.
//!
//! The data are the generated models, so every field Auth0 sends is kept;
//! secrets in them (`client_secret`, `signing_secret`) are
//! [`Secret`](auth0plus_transport::Secret)s, never shown by `Debug` or
//! `Display`. Lookup and filter values go into the query string encoded, as
//! values.

mod client_grants;
mod clients;
mod connections;
mod resource_servers;

pub use client_grants::{ClientGrant, ClientGrants, NewClientGrant};
pub use clients::{Client, Clients, NewClient};
pub use connections::{Connection, Connections, NewConnection};
pub use resource_servers::{NewResourceServer, ResourceServer, ResourceServers};

use crate::query::Query;
use crate::resource::Collection;
use crate::resource::{Found, Record, Resource};
use crate::{Error, Result};

/// A filter value that must say something: an empty one would match
/// everything (or nothing) silently.
fn filter_value<'a>(what: &str, value: &'a str) -> Result<&'a str> {
    if value.is_empty() {
        return Err(Error::InvalidArgument(format!("the {what} is empty")));
    }
    Ok(value)
}

/// `collection`'s query with `param=value`; an empty `value` (named
/// `what` in the error) makes it refuse to run, before sending.
fn filtered<R: Resource>(
    collection: &Collection<R>,
    what: &str,
    param: &str,
    value: &str,
) -> Query<Record<R>> {
    match filter_value(what, value) {
        Ok(value) => collection.query().param(param, value),
        Err(e) => collection.query().refuse(e),
    }
}

/// The first page of two of `query` and the total: one request answers a
/// lookup whose filter is exact on the server.
async fn first_two<R: Resource>(query: Query<Record<R>>) -> Result<Found<R>> {
    query.per_page(2).first_page().await
}
