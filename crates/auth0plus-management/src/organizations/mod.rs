//! Organizations: [`Organization`] is a [`Resource`] (the generated model,
//! so every field Auth0 returns is kept), reached through
//! [`Auth0::organizations`] as a [`Collection<Organization>`]; an
//! organization's invitations and enabled connections hang off its record.
//!
//! ```no_run
//! use auth0plus_management::{Auth0, NewInvitation, Organization};
//! # async fn run(auth0: Auth0) -> auth0plus_management::Result<()> {
//! let orgs = auth0.organizations();
//! let mut acme = orgs.create(Organization {
//!     name: Some("acme".into()),
//!     display_name: Some("Acme Inc.".into()),
//!     ..Organization::default()
//! }).await?;
//! acme.display_name = Some("ACME".into());
//! acme.save().await?; // PATCH {"display_name": "ACME"}
//! let same = orgs.get_by_name("acme").await?;
//! assert_eq!(same, acme);
//! acme.invitations()
//!     .create(NewInvitation::new("Ada (admin)", "new.hire@acme.example", "app-client-id"))
//!     .await?;
//! # Ok(()) }
//! ```

mod connections;
mod invitations;
mod members;

pub use auth0plus_management_api::models::Organization;
pub use connections::{ConnectionOptions, EnabledConnection, EnabledConnections};
pub use invitations::{Invitation, Invitations, MAX_INVITATION_TTL, NewInvitation};
pub use members::Member;

use auth0plus_management_api::{ListOperation, Paging};

use crate::request::ApiRequest;
use crate::resource::{Collection, Record, Resource, get_or_create, not_found_as, optional};
use crate::users::UserProfile;
use crate::{Auth0, Error, Query, Result};

/// The fields `PATCH /organizations/{id}` takes (its schema refuses others).
const WRITABLE: &[&str] = &[
    "name",
    "display_name",
    "branding",
    "metadata",
    "token_quota",
];

impl Resource for Organization {
    type Pending = ();
    const KIND: &'static str = "Organization";
    const PLURAL: &'static str = "organizations";
    const PATH: &'static str = "organizations";
    // Offset paging reaches the first 1,000 (spec/paging.toml): counting uses
    // the offset total; streams and slices walk the checkpoint, so a tenant
    // with more than 1,000 organizations is listed whole.
    const PAGING: Paging =
        <auth0plus_management_api::organizations::ListOrganizations as ListOperation>::PAGING;
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
}

/// The id an organization's sub-resources hang off (none for a record
/// never saved: their calls answer [`Error::MissingId`]).
fn org_id(record: &Record<Organization>) -> Option<String> {
    record.id().map(str::to_owned)
}

impl Auth0 {
    /// `/api/v2/organizations`: create, get by id or name, query, save and
    /// delete organizations.
    #[must_use]
    pub fn organizations(&self) -> Collection<Organization> {
        self.collection()
    }
}

impl Collection<Organization> {
    /// Create `organization` (its `name` is required) and return the record.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a missing or empty name, before
    /// sending; [`Error::Api`] when Auth0 refuses (409 for a name taken).
    pub async fn create(&self, organization: Organization) -> Result<Record<Organization>> {
        let mut record = self.build(organization);
        record.save().await?;
        Ok(record)
    }

    /// The organization named `name` (`GET /organizations/name/{name}`). The
    /// name is sent as one percent-encoded path segment, whatever it holds.
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] when none has that name;
    /// [`Error::InvalidArgument`] for an empty name, `.` or `..`.
    pub async fn get_by_name(&self, name: &str) -> Result<Record<Organization>> {
        let request = ApiRequest::from_segments(http::Method::GET, ["organizations", "name", name])
            .map_err(|_| Error::InvalidArgument(format!("{name:?} is not an organization name")))?;
        let data = not_found_as(
            self.auth0().execute_json::<Organization>(&request).await,
            Organization::KIND,
            || format!("name:{name}"),
        )?;
        Ok(Record::fetched(self.auth0().clone(), data))
    }

    /// The organization named `name`, or else `defaults` (with that name)
    /// created. Returns `(record, created)`. When the create conflicts
    /// (someone created it first), the one they created is returned.
    ///
    /// # Errors
    /// As [`Collection::get_by_name`] and [`Collection::create`].
    pub async fn get_or_create_by_name(
        &self,
        name: &str,
        defaults: Organization,
    ) -> Result<(Record<Organization>, bool)> {
        let data = Organization {
            name: Some(name.to_owned()),
            ..defaults
        };
        get_or_create(self.get_by_name(name), self.create(data), async || {
            self.get_by_name_opt(name).await
        })
        .await
    }

    /// Like [`Collection::get_by_name`], with `None` when none has that name.
    ///
    /// # Errors
    /// As [`Collection::get_by_name`], but for `DoesNotExist`.
    pub async fn get_by_name_opt(&self, name: &str) -> Result<Option<Record<Organization>>> {
        optional(self.get_by_name(name).await)
    }
}

impl Record<Organization> {
    /// The organization's invitations (`/organizations/{id}/invitations`).
    #[must_use]
    pub fn invitations(&self) -> Invitations {
        Invitations::new(self.auth0().clone(), org_id(self))
    }

    /// The organization's enabled connections
    /// (`/organizations/{id}/enabled_connections`).
    #[must_use]
    pub fn connections(&self) -> EnabledConnections {
        EnabledConnections::new(self.auth0().clone(), org_id(self))
    }
}

impl Record<UserProfile> {
    /// The organizations this user is a member of
    /// (`GET /users/{id}/organizations`), as records that can be saved.
    pub fn organizations(&self) -> Query<Record<Organization>> {
        let auth0 = self.auth0().clone();
        let base = self.id().ok_or(Error::MissingId).and_then(|id| {
            ApiRequest::from_segments(http::Method::GET, ["users", id, "organizations"])
        });
        Query::new(
            self.auth0().clone(),
            base,
            Paging::OFFSET,
            "organizations",
            move |data: Organization| Record::fetched(auth0.clone(), data),
        )
    }
}
