//! `/api/v2/client-grants`: an application's access to an API, looked up by
//! application and audience.

use auth0plus_management_api::client_grants::ClientGrantSpec;
use auth0plus_management_api::models;
use futures::future::BoxFuture;

use super::{filter_value, filtered, first_two};
use crate::lookup::Lookup;
use crate::resource::{Collection, exact_values};
use crate::resource::{Found, Record, Resource};
use crate::{Auth0, Query, Result};

/// A client grant (`/api/v2/client-grants`): a [`Record`] of the generated
/// [`api::models::ClientGrantResponseContent`](models::ClientGrantResponseContent).
pub type ClientGrant = Record<models::ClientGrantResponseContent>;

/// What a clientgrant is created with: the spec's create body
/// ([`api::models::CreateClientGrantRequestContent`](models::CreateClientGrantRequestContent)).
pub type NewClientGrant = models::CreateClientGrantRequestContent;

/// `/api/v2/client-grants`: the [`Collection`] of [`ClientGrant`]s, created
/// from an
/// a [`NewClientGrant`],
/// changed by an
/// [`api::models::UpdateClientGrantRequestContent`](models::UpdateClientGrantRequestContent),
/// looked up by exact `client_id` and `audience`.
///
/// ```no_run
/// # async fn run(auth0: auth0plus_management::Auth0) -> auth0plus_management::Result<()> {
/// let grant = auth0
///     .client_grants()
///     .get([("client_id", "my-app"), ("audience", "https://api.acme.example")])
///     .await?;
/// let of_the_api = auth0.client_grants().for_audience("https://api.acme.example").count().await?;
/// # let _ = (grant, of_the_api); Ok(()) }
/// ```
pub type ClientGrants = Collection<models::ClientGrantResponseContent>;

impl Resource for models::ClientGrantResponseContent {
    type Spec = ClientGrantSpec;
    type Pending = ();
    type New = NewClientGrant;
    type Changes = models::UpdateClientGrantRequestContent;
    // A grant is for one client and one API for good; only scopes change.
    const CREATE_ONLY: &'static [&'static str] = &["client_id", "audience"];

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// By exact `client_id`, `audience` or both (`GET /client-grants?…`).
    fn find(grants: &ClientGrants, lookup: Lookup) -> BoxFuture<'static, Result<Found<Self>>> {
        let grants = grants.clone();
        Box::pin(async move {
            let values = exact_values::<Self>(&lookup, &["client_id", "audience"])?;
            let mut query = grants.query();
            for (param, value) in ["client_id", "audience"].into_iter().zip(values) {
                if let Some(value) = value {
                    query = query.param(param, filter_value(param, value)?);
                }
            }
            first_two(query).await
        })
    }
}

impl Auth0 {
    /// The client grants (`/api/v2/client-grants`).
    #[must_use]
    pub fn client_grants(&self) -> ClientGrants {
        self.collection()
    }
}

impl Collection<models::ClientGrantResponseContent> {
    /// The grants to the API `audience`.
    pub fn for_audience(&self, audience: &str) -> Query<ClientGrant> {
        filtered(self, "audience", "audience", audience)
    }

    /// The grants of the application `client_id`.
    pub fn for_client(&self, client_id: &str) -> Query<ClientGrant> {
        filtered(self, "client_id", "client_id", client_id)
    }
}
