//! The tenant objects users need ids of: connections, clients (applications),
//! resource servers (APIs) and client grants, as lazy queries and records on
//! the generic core ([`Collection`], [`Record`], [`Query`]).
//!
//! The data are the generated models, so every field Auth0 sends is kept;
//! secrets in them (`client_secret`, `signing_secret`) are
//! [`Secret`](auth0plus_transport::Secret)s, never shown by `Debug` or
//! `Display`. Filter values go into the query string encoded, as values.

use auth0plus_management_api::client_grants::ListClientGrants;
use auth0plus_management_api::clients::ListClients;
use auth0plus_management_api::connections::ListConnections;
use auth0plus_management_api::models::{
    Client as ClientData, ClientGrantResponseContent, ConnectionForList,
    ResourceServer as ResourceServerData,
};
use auth0plus_management_api::resource_servers::ListResourceServers;
use auth0plus_management_api::{ListOperation, Paging};

use crate::resource::{Collection, Record, Resource, optional};
use crate::{Auth0, Error, Query, Result};

/// A connection (`/api/v2/connections`): a database, a social or an
/// enterprise identity provider.
pub type Connection = Record<ConnectionForList>;
/// An application (`/api/v2/clients`); its `client_secret` never prints.
pub type Client = Record<ClientData>;
/// An API (`/api/v2/resource-servers`), found by its `identifier` (the audience).
pub type ResourceServer = Record<ResourceServerData>;
/// A client grant (`/api/v2/client-grants`): an application's access to an API.
pub type ClientGrant = Record<ClientGrantResponseContent>;

impl Resource for ConnectionForList {
    type Pending = ();
    const KIND: &'static str = "Connection";
    const PLURAL: &'static str = "connections";
    const PATH: &'static str = "connections";
    // The list's own paging: offset totals, and the checkpoint for streams.
    const PAGING: Paging = ListConnections::PAGING;
    // Auth0 refuses to change these once the connection exists.
    const CREATE_ONLY: &'static [&'static str] = &["name", "strategy"];
    const READ_ONLY: &'static [&'static str] = &["id", "provisioning_ticket_url"];
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl Resource for ClientData {
    type Pending = ();
    const KIND: &'static str = "Client";
    const PLURAL: &'static str = "clients";
    const PATH: &'static str = "clients";
    const ID_FIELD: &'static str = "client_id";
    const PAGING: Paging = ListClients::PAGING;
    const READ_ONLY: &'static [&'static str] = &[
        "client_id",
        "tenant",
        "global",
        "signing_keys",
        "callback_url_template",
        "owners",
    ];
    fn id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }
}

impl Resource for ResourceServerData {
    type Pending = ();
    const KIND: &'static str = "ResourceServer";
    const PLURAL: &'static str = "resource servers";
    const PATH: &'static str = "resource-servers";
    const ITEMS_KEY: &'static str = "resource_servers";
    const PAGING: Paging = ListResourceServers::PAGING;
    const CREATE_ONLY: &'static [&'static str] = &["identifier"];
    const READ_ONLY: &'static [&'static str] = &["id", "is_system"];
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl Resource for ClientGrantResponseContent {
    type Pending = ();
    const KIND: &'static str = "ClientGrant";
    const PLURAL: &'static str = "client grants";
    const PATH: &'static str = "client-grants";
    const ITEMS_KEY: &'static str = "client_grants";
    const PAGING: Paging = ListClientGrants::PAGING;
    // A grant is for one client and one API for good; only scopes change.
    const CREATE_ONLY: &'static [&'static str] = &["client_id", "audience"];
    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

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

impl Auth0 {
    /// The connections (`/api/v2/connections`): find one by name, list by
    /// strategy.
    ///
    /// ```no_run
    /// # async fn run(auth0: auth0plus_management::Auth0) -> auth0plus_management::Result<()> {
    /// let id = auth0.connections().id_of("Username-Password-Authentication").await?;
    /// let databases = auth0.connections().with_strategy("auth0").fetch_all().await?;
    /// # let _ = (id, databases); Ok(()) }
    /// ```
    #[must_use]
    pub fn connections(&self) -> Collection<ConnectionForList> {
        self.collection()
    }

    /// The applications (`/api/v2/clients`).
    #[must_use]
    pub fn clients(&self) -> Collection<ClientData> {
        self.collection()
    }

    /// The APIs (`/api/v2/resource-servers`).
    #[must_use]
    pub fn resource_servers(&self) -> Collection<ResourceServerData> {
        self.collection()
    }

    /// The client grants (`/api/v2/client-grants`).
    #[must_use]
    pub fn client_grants(&self) -> Collection<ClientGrantResponseContent> {
        self.collection()
    }
}

impl Collection<ConnectionForList> {
    /// The connection named exactly `name` (`GET /connections?name=`, an
    /// exact match in Auth0).
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] (`Connection Does Not Exist`);
    /// [`Error::InvalidArgument`] for an empty name, before sending.
    pub async fn get_by_name(&self, name: &str) -> Result<Connection> {
        self.named(name).one().await
    }

    /// Like [`Collection::get_by_name`], with `None` when there is none.
    ///
    /// # Errors
    /// As [`Collection::get_by_name`], but not for a missing connection.
    pub async fn get_by_name_opt(&self, name: &str) -> Result<Option<Connection>> {
        optional(self.get_by_name(name).await)
    }

    /// The id (`con_…`) of the connection named `name`: what tickets,
    /// exports and imports take.
    ///
    /// # Errors
    /// As [`Collection::get_by_name`].
    pub async fn id_of(&self, name: &str) -> Result<String> {
        let connection = self.get_by_name(name).await?;
        connection.id().map(str::to_owned).ok_or(Error::MissingId)
    }

    /// The connections named `name` (zero or one), lazily.
    pub fn named(&self, name: &str) -> Query<Connection> {
        filtered(self, "connection name", "name", name)
    }

    /// The connections of one strategy (`auth0`, `google-oauth2`, `samlp`…).
    pub fn with_strategy(&self, strategy: &str) -> Query<Connection> {
        filtered(self, "strategy", "strategy", strategy)
    }
}

impl Collection<ResourceServerData> {
    /// The API whose `identifier` (audience) is exactly `identifier`
    /// (`GET /resource-servers?identifiers=`).
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] (`ResourceServer Does Not Exist`);
    /// [`Error::InvalidArgument`] for an empty identifier, before sending.
    pub async fn get_by_identifier(&self, identifier: &str) -> Result<ResourceServer> {
        let query = filtered(self, "identifier", "identifiers", identifier);
        query.one().await
    }

    /// Like [`Collection::get_by_identifier`], with `None` when there is none.
    ///
    /// # Errors
    /// As [`Collection::get_by_identifier`], but not for a missing API.
    pub async fn get_by_identifier_opt(&self, identifier: &str) -> Result<Option<ResourceServer>> {
        optional(self.get_by_identifier(identifier).await)
    }
}

impl Collection<ClientGrantResponseContent> {
    /// The grants to the API `audience`.
    pub fn for_audience(&self, audience: &str) -> Query<ClientGrant> {
        filtered(self, "audience", "audience", audience)
    }

    /// The grants of the application `client_id`.
    pub fn for_client(&self, client_id: &str) -> Query<ClientGrant> {
        filtered(self, "client_id", "client_id", client_id)
    }

    /// The grant of `client_id` to `audience`.
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] (`ClientGrant Does Not Exist`);
    /// [`Error::InvalidArgument`] for an empty value, before sending.
    pub async fn get_for(&self, client_id: &str, audience: &str) -> Result<ClientGrant> {
        self.for_client(client_id)
            .param("audience", filter_value("audience", audience)?)
            .one()
            .await
    }
}
