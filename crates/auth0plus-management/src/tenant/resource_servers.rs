//! `/api/v2/resource-servers`: the tenant's APIs, looked up by their
//! identifier (the audience).

use auth0plus_management_api::models;
use auth0plus_management_api::resource_servers::ResourceServerSpec;
use futures::future::BoxFuture;

use super::{filtered, first_two};
use crate::lookup::Lookup;
use crate::resource::{Collection, exact_values};
use crate::resource::{Found, Record, Resource};
use crate::{Auth0, Result};

/// An API (`/api/v2/resource-servers`): a [`Record`] of the generated
/// [`api::models::ResourceServer`](models::ResourceServer).
pub type ResourceServer = Record<models::ResourceServer>;

/// What a resource server is created with: the spec's create body
/// ([`api::models::CreateResourceServerRequestContent`](models::CreateResourceServerRequestContent)).
pub type NewResourceServer = models::CreateResourceServerRequestContent;

/// `/api/v2/resource-servers`: the [`Collection`] of [`ResourceServer`]s,
/// created from an
/// a [`NewResourceServer`],
/// changed by an
/// [`api::models::UpdateResourceServerRequestContent`](models::UpdateResourceServerRequestContent),
/// looked up by exact `identifier` (the audience).
pub type ResourceServers = Collection<models::ResourceServer>;

impl Resource for models::ResourceServer {
    type Spec = ResourceServerSpec;
    type Pending = ();
    type New = NewResourceServer;
    type Changes = models::UpdateResourceServerRequestContent;
    const CREATE_ONLY: &'static [&'static str] = &["identifier"];
    const READ_ONLY: &'static [&'static str] = &["id", "is_system"];

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// By exact `identifier` (`GET /resource-servers?identifiers=`).
    fn find(apis: &ResourceServers, lookup: Lookup) -> BoxFuture<'static, Result<Found<Self>>> {
        let apis = apis.clone();
        Box::pin(async move {
            let identifier = exact_values::<Self>(&lookup, &["identifier"])?[0].unwrap_or_default();
            first_two(filtered(&apis, "identifier", "identifiers", identifier)).await
        })
    }
}

impl Auth0 {
    /// The APIs (`/api/v2/resource-servers`).
    #[must_use]
    pub fn resource_servers(&self) -> ResourceServers {
        self.collection()
    }
}
