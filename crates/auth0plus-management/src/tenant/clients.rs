//! `/api/v2/clients`: the tenant's applications, looked up by exact name.

use auth0plus_management_api::clients::ClientSpec;
use auth0plus_management_api::models;
use futures::future::BoxFuture;

use crate::lookup::Lookup;
use crate::resource::{Collection, exact_values, scan};
use crate::resource::{Found, Record, Resource};
use crate::{Auth0, Result};

/// An application (`/api/v2/clients`): a [`Record`] of the generated
/// [`api::models::Client`](models::Client); its `client_secret` never prints.
pub type Client = Record<models::Client>;

/// What a client is created with: the spec's create body
/// ([`api::models::CreateClientRequestContent`](models::CreateClientRequestContent)).
pub type NewClient = models::CreateClientRequestContent;

/// `/api/v2/clients`: the [`Collection`] of [`Client`]s, created from an
/// a [`NewClient`],
/// changed by an
/// [`api::models::UpdateClientRequestContent`](models::UpdateClientRequestContent),
/// read by `client_id` ([`Collection::get_by_id`]) or looked up by exact
/// `name`.
pub type Clients = Collection<models::Client>;

impl Resource for models::Client {
    type Spec = ClientSpec;
    type Pending = ();
    type New = NewClient;
    type Changes = models::UpdateClientRequestContent;
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

    /// By exact `name`. Auth0 has no filter by name, so the list is read and
    /// compared here (a tenant has few applications).
    fn find(clients: &Clients, lookup: Lookup) -> BoxFuture<'static, Result<Found<Self>>> {
        let clients = clients.clone();
        Box::pin(async move {
            let name = exact_values::<Self>(&lookup, &["name"])?[0]
                .unwrap_or_default()
                .to_owned();
            let query = clients.query().per_page(100);
            scan(query, move |client| {
                client.name.as_deref() == Some(name.as_str())
            })
            .await
        })
    }
}

impl Auth0 {
    /// The applications (`/api/v2/clients`).
    #[must_use]
    pub fn clients(&self) -> Clients {
        self.collection()
    }
}
