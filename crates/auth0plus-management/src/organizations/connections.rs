//! An organization's enabled connections. Auth0 enables and disables them
//! one at a time, each with its own options, so this is a handle over the
//! generated operations rather than a batched relation.

use auth0plus_management_api::models::{
    AddOrganizationConnectionRequestContent, UpdateOrganizationConnectionRequestContent,
};
use auth0plus_management_api::organizations::{
    AddOrganizationEnabledConnections, DeleteOrganizationEnabledConnection,
    GetOrganizationEnabledConnection, ListOrganizationEnabledConnections,
    UpdateOrganizationEnabledConnection,
};

use crate::resource::not_found_as;
use crate::{Auth0, Error, Query, Result};

/// A connection enabled for an organization: `connection_id`, the
/// connection's `name` and `strategy`, and the options below.
pub type EnabledConnection = auth0plus_management_api::models::OrganizationConnection;

/// How an enabled connection behaves for the organization; unset options
/// are left to Auth0 (on enable) or unchanged (on update).
///
/// ```
/// use auth0plus_management::EnabledConnectionOptions;
/// let options = EnabledConnectionOptions::new().assign_membership_on_login(true).show_as_button(false);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
pub struct EnabledConnectionOptions {
    assign_membership_on_login: Option<bool>,
    show_as_button: Option<bool>,
    is_signup_enabled: Option<bool>,
}

impl EnabledConnectionOptions {
    /// No option set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a user logging in through this connection becomes a member
    /// of the organization.
    pub fn assign_membership_on_login(mut self, assign: bool) -> Self {
        self.assign_membership_on_login = Some(assign);
        self
    }

    /// Whether the login page shows a button for this connection.
    pub fn show_as_button(mut self, show: bool) -> Self {
        self.show_as_button = Some(show);
        self
    }

    /// Whether users may sign up through it (database connections with
    /// `assign_membership_on_login`).
    pub fn is_signup_enabled(mut self, enabled: bool) -> Self {
        self.is_signup_enabled = Some(enabled);
        self
    }
}

/// `/organizations/{id}/enabled_connections`, made by
/// [`Organization::connections`](crate::Organization::connections). A cheap handle.
#[derive(Debug, Clone)]
pub struct EnabledConnections {
    auth0: Auth0,
    org: Option<String>,
}

impl EnabledConnections {
    pub(crate) fn new(auth0: Auth0, org: Option<String>) -> Self {
        Self { auth0, org }
    }

    fn org(&self) -> Result<&str> {
        self.org.as_deref().ok_or(Error::MissingId)
    }

    /// Enable the connection `connection_id` (`con_…`) for the organization.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id, before sending;
    /// [`Error::MissingId`] for an organization never saved; [`Error::Api`]
    /// when Auth0 refuses (409 when it is already enabled).
    pub async fn enable(
        &self,
        connection_id: &str,
        options: EnabledConnectionOptions,
    ) -> Result<EnabledConnection> {
        let org = self.org()?;
        if connection_id.is_empty() {
            return Err(Error::InvalidArgument("the connection id is empty".into()));
        }
        let body = AddOrganizationConnectionRequestContent {
            connection_id: Some(connection_id.to_owned()),
            assign_membership_on_login: options.assign_membership_on_login,
            show_as_button: options.show_as_button,
            is_signup_enabled: options.is_signup_enabled,
            ..Default::default()
        };
        self.auth0
            .send(AddOrganizationEnabledConnections::new(org, body))
            .await
    }

    /// Change the options set in `options`; the others stay as they are.
    ///
    /// # Errors
    /// As [`EnabledConnections::enable`]; [`Error::InvalidArgument`] when no
    /// option is set (there would be nothing to send).
    pub async fn update(
        &self,
        connection_id: &str,
        options: EnabledConnectionOptions,
    ) -> Result<EnabledConnection> {
        let org = self.org()?;
        if options == EnabledConnectionOptions::default() {
            return Err(Error::InvalidArgument(
                "no connection option to change".into(),
            ));
        }
        let body = UpdateOrganizationConnectionRequestContent {
            assign_membership_on_login: options.assign_membership_on_login,
            show_as_button: options.show_as_button,
            is_signup_enabled: options.is_signup_enabled,
            ..Default::default()
        };
        self.auth0
            .send(UpdateOrganizationEnabledConnection::new(
                org,
                connection_id,
                body,
            ))
            .await
    }

    /// Disable the connection for the organization.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id; errors from Auth0.
    pub async fn disable(&self, connection_id: &str) -> Result<()> {
        let org = self.org()?;
        self.auth0
            .send(DeleteOrganizationEnabledConnection::new(org, connection_id))
            .await
    }

    /// One enabled connection.
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] when it is not enabled for the organization.
    pub async fn get(&self, connection_id: &str) -> Result<EnabledConnection> {
        let org = self.org()?;
        not_found_as(
            self.auth0
                .send(GetOrganizationEnabledConnection::new(org, connection_id))
                .await,
            "EnabledConnection",
            || crate::missing::id_phrase(connection_id),
        )
    }

    /// Every enabled connection, lazily (offset paging).
    pub fn query(&self) -> Query<EnabledConnection> {
        match self.org() {
            Ok(org) => self
                .auth0
                .list(ListOrganizationEnabledConnections::new(org)),
            Err(e) => self
                .auth0
                .list(ListOrganizationEnabledConnections::new(""))
                .refuse(e),
        }
    }
}
