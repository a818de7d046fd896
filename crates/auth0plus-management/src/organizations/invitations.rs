//! An organization's invitations: create, list, get, delete.

use std::time::Duration;

use auth0plus_management_api::models::{
    CreateOrganizationInvitationRequestContent, OrganizationInvitationInvitee,
    OrganizationInvitationInviter,
};
use auth0plus_management_api::organizations::{
    CreateOrganizationInvitations, DeleteOrganizationInvitation, GetOrganizationInvitation,
    ListOrganizationInvitations,
};
use serde_json::{Map, Value};

use crate::resource::not_found_as;
use crate::{Auth0, Error, Query, Result};

/// An invitation as Auth0 returns it (`id`, `invitation_url`, `ticket_id`,
/// `expires_at`…).
pub type Invitation = auth0plus_management_api::models::OrganizationInvitation;

/// The longest an invitation may live: Auth0 takes a `ttl_sec` of at most
/// 30 days.
pub const MAX_INVITATION_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// What an invitation says: who invites, who is invited, to which
/// application, and what the invitee gets on accepting.
///
/// ```
/// use std::time::Duration;
/// use auth0plus_management::NewInvitation;
///
/// let invitation = NewInvitation::new("Ada (admin)", "new.hire@acme.example", "app-client-id")
///     .connection("con_0123456789abcdef")
///     .roles(["rol_0123456789abcdef"])
///     .ttl(Duration::from_secs(3 * 24 * 3600))
///     .send_invitation_email(false);
/// # let _ = invitation;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct NewInvitation {
    inviter: String,
    invitee: String,
    client_id: String,
    connection_id: Option<String>,
    roles: Vec<String>,
    ttl: Option<Duration>,
    send_invitation_email: Option<bool>,
    app_metadata: Option<Map<String, Value>>,
    user_metadata: Option<Map<String, Value>>,
}

impl NewInvitation {
    /// An invitation from `inviter` (a display name) to `invitee_email`, to
    /// log in to the application `client_id`.
    pub fn new(
        inviter: impl Into<String>,
        invitee_email: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Self {
        Self {
            inviter: inviter.into(),
            invitee: invitee_email.into(),
            client_id: client_id.into(),
            connection_id: None,
            roles: Vec::new(),
            ttl: None,
            send_invitation_email: None,
            app_metadata: None,
            user_metadata: None,
        }
    }

    /// The connection the invitee signs up with (`con_…`).
    pub fn connection(mut self, connection_id: impl Into<String>) -> Self {
        self.connection_id = Some(connection_id.into());
        self
    }

    /// Roles (`rol_…`) the invitee gets in the organization on accepting.
    pub fn roles<I, S>(mut self, role_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles.extend(role_ids.into_iter().map(Into::into));
        self
    }

    /// How long the invitation stays valid, in whole seconds, at most
    /// [`MAX_INVITATION_TTL`] (checked before sending). Without it (or with
    /// zero) Auth0 keeps it for 7 days.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Whether Auth0 emails the invitation (it does by default).
    pub fn send_invitation_email(mut self, send: bool) -> Self {
        self.send_invitation_email = Some(send);
        self
    }

    /// `app_metadata` the invitee's user gets.
    pub fn app_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.app_metadata = Some(metadata);
        self
    }

    /// `user_metadata` the invitee's user gets.
    pub fn user_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.user_metadata = Some(metadata);
        self
    }

    /// The request body, or what is wrong with it.
    fn body(self) -> Result<CreateOrganizationInvitationRequestContent> {
        for (what, value) in [
            ("inviter", &self.inviter),
            ("invitee email", &self.invitee),
            ("client_id", &self.client_id),
        ] {
            if value.trim().is_empty() {
                return Err(Error::InvalidArgument(format!(
                    "an invitation's {what} cannot be empty"
                )));
            }
        }
        if self.connection_id.as_deref().is_some_and(str::is_empty) {
            return Err(Error::InvalidArgument(
                "an invitation's connection cannot be empty".into(),
            ));
        }
        if self.roles.iter().any(String::is_empty) {
            return Err(Error::InvalidArgument("a role id cannot be empty".into()));
        }
        let ttl_sec = match self.ttl {
            Some(ttl) if ttl > MAX_INVITATION_TTL => {
                return Err(Error::InvalidArgument(format!(
                    "an invitation lives at most 30 days ({} s), not {} s",
                    MAX_INVITATION_TTL.as_secs(),
                    ttl.as_secs()
                )));
            }
            Some(ttl) => Some(i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX)),
            None => None,
        };
        Ok(CreateOrganizationInvitationRequestContent {
            inviter: Some(OrganizationInvitationInviter {
                name: Some(self.inviter),
                ..Default::default()
            }),
            invitee: Some(OrganizationInvitationInvitee {
                email: Some(self.invitee),
                ..Default::default()
            }),
            client_id: Some(self.client_id),
            connection_id: self.connection_id,
            // Auth0 wants at least one role when `roles` is sent at all.
            roles: (!self.roles.is_empty()).then_some(self.roles),
            ttl_sec,
            send_invitation_email: self.send_invitation_email,
            app_metadata: self.app_metadata,
            user_metadata: self.user_metadata,
            ..Default::default()
        })
    }
}

/// `/organizations/{id}/invitations`, made by
/// [`Organization::invitations`](crate::Organization::invitations). A cheap handle.
#[derive(Debug, Clone)]
pub struct Invitations {
    auth0: Auth0,
    org: Option<String>,
}

impl Invitations {
    pub(crate) fn new(auth0: Auth0, org: Option<String>) -> Self {
        Self { auth0, org }
    }

    fn org(&self) -> Result<&str> {
        self.org.as_deref().ok_or(Error::MissingId)
    }

    /// Invite someone; the answer carries the `invitation_url` to send them
    /// when Auth0 does not email it.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending: an empty inviter, invitee,
    /// client id, connection or role, a TTL over 30 days;
    /// [`Error::MissingId`] for an organization never saved;
    /// [`Error::Api`] when Auth0 refuses.
    pub async fn create(&self, invitation: NewInvitation) -> Result<Invitation> {
        let org = self.org()?;
        let body = invitation.body()?;
        self.auth0
            .send(CreateOrganizationInvitations::new(org, body))
            .await
    }

    /// One invitation.
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] when there is none with that id;
    /// [`Error::InvalidArgument`] for an empty id.
    pub async fn get(&self, invitation_id: &str) -> Result<Invitation> {
        let org = self.org()?;
        not_found_as(
            self.auth0
                .send(GetOrganizationInvitation::new(org, invitation_id))
                .await,
            "Invitation",
            || crate::missing::id_phrase(invitation_id),
        )
    }

    /// Withdraw an invitation.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id; errors from Auth0.
    pub async fn delete(&self, invitation_id: &str) -> Result<()> {
        let org = self.org()?;
        self.auth0
            .send(DeleteOrganizationInvitation::new(org, invitation_id))
            .await
    }

    /// Every pending invitation, lazily (offset paging).
    pub fn query(&self) -> Query<Invitation> {
        match self.org() {
            Ok(org) => self.auth0.list(ListOrganizationInvitations::new(org)),
            Err(e) => self
                .auth0
                .list(ListOrganizationInvitations::new(""))
                .refuse(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_auth0_would_refuse() {
        let ok = || NewInvitation::new("Ada", "a@x.example", "cid");
        assert!(ok().body().is_ok());
        for bad in [
            NewInvitation::new("", "a@x.example", "cid"),
            NewInvitation::new("Ada", " ", "cid"),
            NewInvitation::new("Ada", "a@x.example", ""),
            ok().connection(""),
            ok().roles([""]),
            ok().ttl(MAX_INVITATION_TTL + Duration::from_secs(1)),
        ] {
            assert!(
                matches!(bad.clone().body(), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
        let body = ok().ttl(MAX_INVITATION_TTL).body().unwrap();
        assert_eq!(body.ttl_sec, Some(2_592_000));
        assert_eq!(body.roles, None, "no roles sends no `roles` (minItems 1)");
    }
}
