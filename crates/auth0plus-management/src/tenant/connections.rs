//! `/api/v2/connections`: databases, social and enterprise identity
//! providers, looked up by exact name.

use auth0plus_management_api::connections::ConnectionSpec;
use auth0plus_management_api::models;
use futures::future::BoxFuture;

use super::{filtered, first_two};
use crate::lookup::Lookup;
use crate::resource::{Collection, exact_values};
use crate::resource::{Found, Record, Resource};
use crate::{Auth0, Query, Result};

/// A connection (`/api/v2/connections`): a database, a social or an
/// enterprise identity provider. A [`Record`] of the generated
/// [`api::models::ConnectionForList`](models::ConnectionForList), what the
/// list returns.
pub type Connection = Record<models::ConnectionForList>;

/// What a connection is created with: the spec's create body
/// ([`api::models::CreateConnectionRequestContent`](models::CreateConnectionRequestContent)).
pub type NewConnection = models::CreateConnectionRequestContent;

/// `/api/v2/connections`: the [`Collection`] of [`Connection`]s, created
/// from an
/// a [`NewConnection`],
/// changed by an
/// [`api::models::UpdateConnectionRequestContent`](models::UpdateConnectionRequestContent),
/// looked up by exact `name`.
///
/// ```no_run
/// # async fn run(auth0: auth0plus_management::Auth0) -> auth0plus_management::Result<()> {
/// let id = auth0.connections().id_of("Username-Password-Authentication").await?;
/// let db = auth0.connections().get([("name", "Username-Password-Authentication")]).await?;
/// let databases = auth0.connections().with_strategy("auth0").fetch_all().await?;
/// # let _ = (id, db, databases); Ok(()) }
/// ```
pub type Connections = Collection<models::ConnectionForList>;

impl Resource for models::ConnectionForList {
    type Spec = ConnectionSpec;
    type Pending = ();
    type New = NewConnection;
    type Changes = models::UpdateConnectionRequestContent;
    // Auth0 refuses to change these once the connection exists.
    const CREATE_ONLY: &'static [&'static str] = &["name", "strategy"];
    const READ_ONLY: &'static [&'static str] = &["id", "provisioning_ticket_url"];

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// By exact `name` (`GET /connections?name=`, an exact match in Auth0).
    fn find(connections: &Connections, lookup: Lookup) -> BoxFuture<'static, Result<Found<Self>>> {
        let connections = connections.clone();
        Box::pin(async move {
            let name = exact_values::<Self>(&lookup, &["name"])?[0].unwrap_or_default();
            first_two(filtered(&connections, "connection name", "name", name)).await
        })
    }
}

impl Auth0 {
    /// The connections (`/api/v2/connections`): find one by name, list by
    /// strategy.
    #[must_use]
    pub fn connections(&self) -> Connections {
        self.collection()
    }
}

impl Collection<models::ConnectionForList> {
    /// The id (`con_…`) of the connection named `name`: what tickets,
    /// exports and imports take.
    ///
    /// # Errors
    /// As `get([("name", name)])`:
    /// [`Error::DoesNotExist`](crate::Error::DoesNotExist) (`Connection
    /// "Nope" does not exist`), [`Error::InvalidArgument`](crate::Error::InvalidArgument)
    /// for an empty name.
    pub async fn id_of(&self, name: &str) -> Result<String> {
        let connection = self.get([("name", name)]).await?;
        connection.saved_id().map(str::to_owned)
    }

    /// The connections of one strategy (`auth0`, `google-oauth2`, `samlp`…).
    pub fn with_strategy(&self, strategy: &str) -> Query<Connection> {
        filtered(self, "strategy", "strategy", strategy)
    }
}
