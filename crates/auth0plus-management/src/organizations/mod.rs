//! Organizations: an [`Organization`] is a record of the generated data
//! [`api::models::Organization`](models::Organization) (every field Auth0
//! returns is kept), reached through [`Auth0::organizations`], the
//! [`Collection`] [`Organizations`]; an organization's members,
//! invitations and enabled connections hang off its record.
//!
//! ```no_run
//! use auth0plus_management::api::models::UpdateOrganizationRequestContent;
//! use auth0plus_management::{Auth0, NewInvitation, NewOrganization};
//! # async fn run(auth0: Auth0) -> auth0plus_management::Result<()> {
//! let orgs = auth0.organizations();
//! let mut acme = orgs.create(NewOrganization {
//!     name: Some("acme".into()),
//!     display_name: Some("Acme Inc.".into()),
//!     ..Default::default()
//! }).await?;
//! acme.display_name = Some("ACME".into());
//! acme.save().await?; // PATCH {"display_name": "ACME"}
//! let same = orgs.get([("name", "acme")]).await?;
//! assert_eq!(same, acme);
//! let id = acme.saved_id()?;
//! orgs.update(id, UpdateOrganizationRequestContent {
//!     display_name: Some("Acme".into()),
//!     ..Default::default()
//! }).await?;
//! acme.invitations()
//!     .create(NewInvitation::new("Ada (admin)", "new.hire@acme.example", "app-client-id"))
//!     .await?;
//! # Ok(()) }
//! ```

mod connections;
mod invitations;
mod members;

pub use connections::{EnabledConnection, EnabledConnectionOptions, EnabledConnections};
pub use invitations::{Invitation, Invitations, MAX_INVITATION_TTL, NewInvitation};
pub use members::Member;

use auth0plus_management_api::models;
use auth0plus_management_api::organizations::{GetOrganizationByName, OrganizationSpec};
use auth0plus_management_api::users::ListUserOrganizations;
use futures::future::BoxFuture;

use crate::lookup::Lookup;
use crate::request::ApiRequest;
use crate::resource::{Collection, exact_values, not_found_as};
use crate::resource::{Found, Record, RecordState, Resource};
use crate::users::UserProfile;
use crate::{Auth0, Error, Query, Result};

/// An organization (`/api/v2/organizations`) with the client to save it
/// through: a [`Record`] of the generated
/// [`api::models::Organization`](models::Organization).
pub type Organization = Record<models::Organization>;

/// What [`Record::to_state`] keeps of an organization.
pub type OrganizationState = RecordState<models::Organization>;

/// What an organization is created with: the spec's create body
/// ([`api::models::CreateOrganizationRequestContent`](models::CreateOrganizationRequestContent)).
pub type NewOrganization = models::CreateOrganizationRequestContent;

/// `/api/v2/organizations`: the [`Collection`] of [`Organization`]s,
/// created from a [`NewOrganization`],
/// changed by an
/// [`api::models::UpdateOrganizationRequestContent`](models::UpdateOrganizationRequestContent),
/// looked up by exact `name` (`GET /organizations/name/{name}`, immediately
/// consistent).
pub type Organizations = Collection<models::Organization>;

/// The fields `PATCH /organizations/{id}` takes (its schema refuses others).
const WRITABLE: &[&str] = &[
    "name",
    "display_name",
    "branding",
    "metadata",
    "token_quota",
];

impl Resource for models::Organization {
    type Spec = OrganizationSpec;
    type Pending = ();
    type New = NewOrganization;
    type Changes = models::UpdateOrganizationRequestContent;
    const WRITABLE: Option<&'static [&'static str]> = Some(WRITABLE);
    // The spec lets a metadata value be null: the mark of a key deleted in a
    // one-level merge, as with users' metadata.
    const MERGED: &'static [&'static str] = &["metadata"];

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn check(record: &Record<Self>) -> Result<()> {
        match record.name.as_deref() {
            Some("") => Err(Error::InvalidArgument(
                "an organization's name cannot be empty".into(),
            )),
            None if !record.is_fetched() => Err(Error::InvalidArgument(
                "an organization needs a name to be created".into(),
            )),
            _ => Ok(()),
        }
    }

    /// By exact `name`: `GET /organizations/name/{name}`, the name sent as
    /// one percent-encoded path segment, whatever it holds.
    fn find(orgs: &Organizations, lookup: Lookup) -> BoxFuture<'static, Result<Found<Self>>> {
        let auth0 = orgs.auth0().clone();
        Box::pin(async move {
            let name = exact_values::<Self>(&lookup, &["name"])?[0].unwrap_or_default();
            let request = ApiRequest::of(&GetOrganizationByName::new(name))?;
            let found = not_found_as(
                auth0.execute_json::<Self>(&request).await,
                "Organization",
                String::new,
            );
            match found {
                Ok(data) => Ok((vec![Record::fetched(auth0, data)], 1)),
                Err(Error::DoesNotExist { .. }) => Ok((Vec::new(), 0)),
                Err(e) => Err(e),
            }
        })
    }
}

impl Auth0 {
    /// `/api/v2/organizations`: create, get by id or name, query, save and
    /// delete organizations.
    #[must_use]
    pub fn organizations(&self) -> Organizations {
        self.collection()
    }
}

impl Record<models::Organization> {
    /// The organization's invitations (`/organizations/{id}/invitations`);
    /// for one never saved, every call answers [`Error::MissingId`].
    #[must_use]
    pub fn invitations(&self) -> Invitations {
        Invitations::new(self.auth0().clone(), self.id().map(str::to_owned))
    }

    /// The organization's enabled connections
    /// (`/organizations/{id}/enabled_connections`); for one never saved,
    /// every call answers [`Error::MissingId`].
    #[must_use]
    pub fn connections(&self) -> EnabledConnections {
        EnabledConnections::new(self.auth0().clone(), self.id().map(str::to_owned))
    }
}

impl Record<UserProfile> {
    /// The organizations this user is a member of
    /// (`GET /users/{id}/organizations`), as records that can be saved.
    pub fn organizations(&self) -> Query<Organization> {
        let auth0 = self.auth0().clone();
        self.list_of(
            |id| ListUserOrganizations::new(id),
            move |data: models::Organization| Record::fetched(auth0.clone(), data),
        )
    }
}
