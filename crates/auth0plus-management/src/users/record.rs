//! [`User`]: the active record.

use std::fmt;
use std::ops::{Deref, DerefMut};

use auth0plus_transport::Secret;
use serde::{Deserialize, Serialize};

use super::Users;
use super::model::{Metadata, UserProfile};
use super::new_user::{NewUser, create_body};
use super::save;
use crate::{Error, Result};

/// A user: profile data plus the endpoint to save it through and the state
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
#[derive(Clone)]
pub struct User {
    users: Users,
    profile: UserProfile,
    snapshot: Option<Snapshot>,
    password: Option<Secret>,
    verify_email: Option<bool>,
    connection: Option<String>,
    /// Why the `NewUser` this came from cannot be created (a metadata value
    /// that is not an object); reported by `save`, before sending.
    invalid: Option<String>,
}

/// What Auth0 last had. Fetching keeps a clone of the profile (cheap);
/// it becomes a JSON map only when a save needs to compare.
#[derive(Clone)]
enum Snapshot {
    Profile(Box<UserProfile>),
    Map(Metadata),
}

impl Snapshot {
    fn to_map(&self) -> Metadata {
        match self {
            Self::Profile(profile) => profile.to_map(),
            Self::Map(map) => map.clone(),
        }
    }
}

/// What [`User::to_state`] keeps: enough to restore the record later with
/// its fetched flag and change tracking. The pending password is never part
/// of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserState {
    /// The profile.
    pub profile: UserProfile,
    /// What Auth0 last had (`None` for a user never saved).
    pub snapshot: Option<Metadata>,
    /// The connection the user belongs to, when known.
    pub connection: Option<String>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("profile", &self.profile)
            .field("fetched", &self.is_fetched())
            .field("password", &self.password)
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
}

/// `<User auth0|…>` like the original's repr.
impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<User {}>", self.id().unwrap_or(""))
    }
}

/// Two users are equal when both have a `user_id` and it is the same. Users
/// without an id are never equal (the original said they always were).
impl PartialEq for User {
    fn eq(&self, other: &Self) -> bool {
        matches!((self.id(), other.id()), (Some(a), Some(b)) if a == b)
    }
}

impl Deref for User {
    type Target = UserProfile;
    fn deref(&self) -> &UserProfile {
        &self.profile
    }
}

impl DerefMut for User {
    fn deref_mut(&mut self) -> &mut UserProfile {
        &mut self.profile
    }
}

impl User {
    pub(crate) fn unsaved(users: Users, new: NewUser) -> Self {
        Self {
            users,
            profile: new.profile,
            snapshot: None,
            password: new.password,
            verify_email: new.verify_email,
            connection: new.connection,
            invalid: new.invalid,
        }
    }

    pub(crate) fn fetched(users: Users, profile: UserProfile) -> Self {
        let snapshot = Some(Snapshot::Profile(Box::new(profile.clone())));
        Self {
            users,
            profile,
            snapshot,
            password: None,
            verify_email: None,
            connection: None,
            invalid: None,
        }
    }

    pub(crate) fn from_state(users: Users, state: UserState) -> Self {
        Self {
            users,
            profile: state.profile,
            snapshot: state.snapshot.map(Snapshot::Map),
            password: None,
            verify_email: None,
            connection: state.connection,
            invalid: None,
        }
    }

    /// The `user_id`, once Auth0 assigned one.
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        self.profile.user_id.as_deref()
    }

    /// Whether this record came from Auth0 (so `save` updates rather than
    /// creates). The original's `_fetched`.
    #[must_use]
    pub fn is_fetched(&self) -> bool {
        self.snapshot.is_some()
    }

    /// The profile.
    #[must_use]
    pub fn profile(&self) -> &UserProfile {
        &self.profile
    }

    /// Set a new password, sent by the next `save`.
    pub fn set_password(&mut self, password: impl Into<Secret>) {
        self.password = Some(password.into());
    }

    /// The new password, until it is saved.
    ///
    /// # Errors
    /// [`Error::NoNewPassword`] (`'User' object does not have a new password`)
    /// once saved, or when none was set: passwords are write-only.
    pub fn password(&self) -> Result<&Secret> {
        self.password.as_ref().ok_or(Error::NoNewPassword)
    }

    /// The connection this user belongs to: the one given at creation, else
    /// the first identity's, else the client's default.
    #[must_use]
    pub fn connection(&self) -> Option<&str> {
        self.connection
            .as_deref()
            .or_else(|| self.profile.primary_connection())
            .or_else(|| self.users.auth0().default_connection())
    }

    /// Put the user in another connection (for creation or a secondary identity).
    pub fn set_connection(&mut self, connection: impl Into<String>) {
        self.connection = Some(connection.into());
    }

    /// The profile as a JSON object; never holds the password, connection or
    /// client id. The original's `as_dict()`.
    #[must_use]
    pub fn as_dict(&self) -> Metadata {
        self.profile.to_map()
    }

    /// Everything needed to restore this record with [`Users::restore`],
    /// including its fetched flag and snapshot (the original's pickling);
    /// the pending password is left out.
    #[must_use]
    pub fn to_state(&self) -> UserState {
        UserState {
            profile: self.profile.clone(),
            snapshot: self.snapshot.as_ref().map(Snapshot::to_map),
            connection: self.connection.clone(),
        }
    }

    /// The PATCH bodies the next `save` of a fetched user would send
    /// (passwords shown as `[redacted]`).
    #[must_use]
    pub fn pending_changes(&self) -> Vec<Metadata> {
        let Some(snapshot) = &self.snapshot else {
            return Vec::new();
        };
        let redacted = self.password.as_ref().map(|_| Secret::new("[redacted]"));
        save::plan(
            save::diff(&self.profile.to_map(), &snapshot.to_map()),
            redacted.as_ref(),
            self.connection(),
            self.users.auth0().client_id(),
        )
    }

    /// Create the user (when not fetched) or send what changed since it was
    /// fetched or last saved, split into the PATCH requests Auth0 accepts. The answer
    /// is applied to the record and the password cleared once Auth0 has it.
    ///
    /// # Errors
    /// [`Error::Api`] when Auth0 refuses (e.g. `409: The user already exists.`);
    /// [`Error::MissingConnection`] when creating without a connection. When a
    /// later PATCH of a split save fails, the earlier ones are recorded as
    /// saved and the rest stays pending for the next `save` — the new
    /// password included, unless the request carrying it succeeded.
    pub async fn save(&mut self) -> Result<()> {
        if let Some(problem) = &self.invalid {
            return Err(Error::InvalidArgument(problem.clone()));
        }
        if self.snapshot.is_some() {
            self.update().await
        } else {
            self.create().await
        }
    }

    async fn create(&mut self) -> Result<()> {
        let connection = self
            .connection()
            .map(str::to_owned)
            .ok_or(Error::MissingConnection)?;
        let body = create_body(
            &self.profile,
            self.password.as_ref(),
            self.verify_email,
            &connection,
        );
        let created = self.users.post_user(body).await?;
        self.password = None;
        self.snapshot = Some(Snapshot::Profile(Box::new(created.clone())));
        self.profile = created;
        self.verify_email = None;
        self.connection = Some(connection);
        Ok(())
    }

    async fn update(&mut self) -> Result<()> {
        let id = self.id().ok_or(Error::MissingId)?.to_owned();
        let current = self.profile.to_map();
        let Some(mut snapshot) = self.snapshot.as_ref().map(Snapshot::to_map) else {
            return Ok(());
        };
        let connection = self.connection().map(str::to_owned);
        let bodies = save::plan(
            save::diff(&current, &snapshot),
            self.password.as_ref(),
            connection.as_deref(),
            self.users.auth0().client_id(),
        );
        let mut latest = None;
        for body in bodies {
            let fields: Vec<String> = body.keys().cloned().collect();
            match self.users.patch_user(&id, body).await {
                Ok(updated) => latest = Some(updated),
                Err(e) => {
                    self.snapshot = Some(Snapshot::Map(snapshot));
                    return Err(e);
                }
            }
            // Record what this PATCH saved, so a failure in a later one does
            // not resend it (the password in particular).
            if fields.iter().any(|f| f == "password") {
                self.password = None;
            }
            for field in fields {
                match current.get(&field) {
                    Some(value) => {
                        snapshot.insert(field, value.clone());
                    }
                    None => {
                        snapshot.remove(&field);
                    }
                }
            }
        }
        self.snapshot = Some(match latest {
            Some(updated) => {
                let snapshot = Snapshot::Profile(Box::new(updated.clone()));
                self.profile = updated;
                snapshot
            }
            None => Snapshot::Map(snapshot),
        });
        Ok(())
    }

    /// Delete the user on Auth0. The record stays, unfetched, so `save`
    /// would create it again.
    ///
    /// # Errors
    /// [`Error::MissingId`] for a user never saved; [`Error::Api`] when Auth0 refuses.
    pub async fn delete(&mut self) -> Result<()> {
        let id = self.id().ok_or(Error::MissingId)?.to_owned();
        self.users.delete(&id).await?;
        self.snapshot = None;
        Ok(())
    }

    /// Re-read the user from Auth0, dropping unsaved changes.
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] when it was deleted.
    pub async fn refresh(&mut self) -> Result<()> {
        let id = self.id().ok_or(Error::MissingId)?.to_owned();
        let fresh = self.users.get_by_id(&id).await?;
        self.profile = fresh.profile;
        self.snapshot = fresh.snapshot;
        Ok(())
    }

    /// A ticket URL that verifies this user's email.
    ///
    /// # Errors
    /// [`Error::MissingId`]; [`Error::Api`] (404 for a deleted user).
    pub async fn email_verification_ticket(&self) -> Result<String> {
        let id = self.id().ok_or(Error::MissingId)?;
        self.users.auth0().tickets().email_verification(id).await
    }

    /// A ticket URL that lets this user set a new password.
    ///
    /// # Errors
    /// [`Error::MissingId`]; [`Error::Api`] (404 for a deleted user).
    pub async fn password_change_ticket(&self) -> Result<String> {
        let id = self.id().ok_or(Error::MissingId)?;
        self.users
            .auth0()
            .tickets()
            .password_change(crate::PasswordChangeTicket::for_user(id))
            .await
    }
}
