//! [`User`]: the active record of a user, `Record<UserProfile>`, and what
//! makes users special to the generic core: the write-only password, the
//! connection, and Auth0's rules for splitting an update.

use auth0plus_management_api::users::UserSpec;
use auth0plus_transport::Secret;
use futures::future::BoxFuture;
use serde_json::Value;

use super::model::{Metadata, SETTABLE, UserProfile};
use super::new_user::{NewUser, create_body};
use super::query::user_search;
use super::{Users, save};
use crate::lookup::Lookup;
use crate::query::Query;
use crate::resource::{Found, Record, RecordState, Resource};
use crate::{Error, Result};

/// A user: profile data plus the client to save it through and the state
/// that makes `save` send only what changed.
///
/// It derefs to [`UserProfile`], so fields read and write directly:
///
/// ```no_run
/// # async fn run(users: auth0plus_management::Users) -> auth0plus_management::Result<()> {
/// let mut singer = users.get_by_id("auth0|63d17c4a8869daf88ed7db97").await?;
/// singer.email = Some("bon@acdc.example".into());
/// singer.user_metadata.remove("band");   // deleted on Auth0 by the next save
/// singer.set_password("HighwayToHell");
/// singer.save().await?;                  // two PATCHes: Auth0 refuses password + email together
/// assert!(singer.password().is_err());   // write-only: gone once saved
/// # Ok(()) }
/// ```
///
/// A user read from an export ([`crate::UserExport::stream`],
/// [`crate::UserQuery::stream_all`]) is a fetched record like any other:
/// change it and `save` sends a PATCH of what changed.
pub type User = Record<UserProfile>;

/// What [`User::to_state`] keeps: the profile, the snapshot and the
/// connection. The pending password is never part of it.
pub type UserState = RecordState<UserProfile>;

/// A user's write-only state, kept beside the profile until it is saved.
#[derive(Clone, Default, Debug)]
pub struct UserPending {
    pub(crate) password: Option<Secret>,
    pub(crate) verify_email: Option<bool>,
    pub(crate) connection: Option<String>,
    /// Why the `NewUser` this came from cannot be created (a metadata value
    /// that is not an object); reported by `save`, before sending.
    pub(crate) invalid: Option<String>,
}

impl Resource for UserProfile {
    type Spec = UserSpec;
    type Pending = UserPending;
    type New = NewUser;
    type Changes = NewUser;

    const WRITABLE: Option<&'static [&'static str]> = Some(SETTABLE);
    const MERGED: &'static [&'static str] = &["user_metadata", "app_metadata"];

    fn id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    fn to_object(&self) -> Metadata {
        self.to_map()
    }

    fn check(user: &User) -> Result<()> {
        match &user.pending.invalid {
            Some(problem) => Err(Error::InvalidArgument(problem.clone())),
            None => Ok(()),
        }
    }

    fn create_body(user: &User) -> Result<Metadata> {
        let connection = user.connection().ok_or(Error::MissingConnection)?;
        Ok(create_body(
            user.profile(),
            user.pending.password.as_ref(),
            user.pending.verify_email,
            connection,
        ))
    }

    fn created(user: &mut User) {
        let connection = user.connection().map(str::to_owned);
        user.pending = UserPending {
            connection,
            ..UserPending::default()
        };
    }

    fn plan_update(user: &User, changed: Metadata) -> Vec<Metadata> {
        save::plan(
            changed,
            user.pending.password.as_ref(),
            user.connection(),
            user.auth0().client_id(),
        )
    }

    fn saved(pending: &mut UserPending, fields: &[String]) {
        if fields.iter().any(|f| f == "password") {
            pending.password = None;
        }
    }

    fn state_of(pending: &UserPending) -> Metadata {
        let mut state = Metadata::new();
        if let Some(connection) = &pending.connection {
            state.insert("connection".into(), Value::String(connection.clone()));
        }
        state
    }

    /// A search of the client's default connection, with Lucene lookups.
    fn query(users: &Users) -> Query<User> {
        users.list_records().with_search(user_search())
    }

    /// Any search, in the default connection. A lone exact email uses
    /// `GET /users-by-email` (immediately consistent); anything else uses
    /// search (eventually consistent), one request: a page of two carries
    /// the total and, when it is 1, the user.
    fn find(users: &Users, lookup: Lookup) -> BoxFuture<'static, Result<Found<Self>>> {
        let users = users.clone();
        Box::pin(async move {
            if let Some(email) = lookup.lone_exact("email") {
                let found = users.by_email_in_connection(email).await?;
                let total = found.len() as u64;
                return Ok((found, total));
            }
            users.query().filter(lookup).per_page(2).first_page().await
        })
    }

    fn restore_pending(state: &Metadata) -> UserPending {
        UserPending {
            connection: state
                .get("connection")
                .and_then(Value::as_str)
                .map(str::to_owned),
            ..UserPending::default()
        }
    }
}

impl Record<UserProfile> {
    /// The profile.
    #[must_use]
    pub fn profile(&self) -> &UserProfile {
        self.data()
    }

    /// Set a new password, sent by the next `save`.
    pub fn set_password(&mut self, password: impl Into<Secret>) {
        self.pending.password = Some(password.into());
    }

    /// The new password, until it is saved.
    ///
    /// # Errors
    /// [`Error::NoNewPassword`] (`'User' object does not have a new password`)
    /// once saved, or when none was set: passwords are write-only.
    pub fn password(&self) -> Result<&Secret> {
        self.pending.password.as_ref().ok_or(Error::NoNewPassword)
    }

    /// The connection this user belongs to: the one given at creation, else
    /// the first identity's, else the client's default.
    #[must_use]
    pub fn connection(&self) -> Option<&str> {
        self.pending
            .connection
            .as_deref()
            .or_else(|| self.profile().primary_connection())
            .or_else(|| self.auth0().default_connection())
    }

    /// Put the user in another connection (for creation or a secondary identity).
    pub fn set_connection(&mut self, connection: impl Into<String>) {
        self.pending.connection = Some(connection.into());
    }

    /// The PATCH bodies the next `save` of a fetched user would send
    /// (passwords shown as `[redacted]`).
    #[must_use]
    pub fn pending_changes(&self) -> Vec<Metadata> {
        let mut bodies = self.planned_updates();
        for body in &mut bodies {
            if let Some(password) = body.get_mut("password") {
                *password = Value::String("[redacted]".into());
            }
        }
        bodies
    }

    /// A ticket URL that verifies this user's email.
    ///
    /// # Errors
    /// [`Error::MissingId`]; [`Error::Api`] (404 for a deleted user).
    pub async fn email_verification_ticket(&self) -> Result<String> {
        let id = self.saved_id()?;
        self.auth0().tickets().email_verification(id).await
    }

    /// A ticket URL that lets this user set a new password.
    ///
    /// # Errors
    /// [`Error::MissingId`]; [`Error::Api`] (404 for a deleted user).
    pub async fn password_change_ticket(&self) -> Result<String> {
        let id = self.saved_id()?;
        self.auth0()
            .tickets()
            .password_change(crate::PasswordChangeTicket::for_user(id))
            .await
    }
}
