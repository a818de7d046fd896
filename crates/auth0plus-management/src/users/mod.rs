//! The users endpoint, Django-ORM style.

mod export;
pub(crate) mod model;
mod new_user;
mod query;
mod record;
mod save;

use serde_json::Value;

pub use crate::jobs::JobStatus;
pub use export::{ExportFormat, UserExport};
pub use model::{Identity, Metadata, UserProfile};
pub use new_user::NewUser;
pub use query::{SEARCH_WINDOW, UserQuery};
pub use record::{User, UserPending, UserState};
pub use save::{diff as diff_for_save, plan as plan_patches};

pub use crate::lookup::{Lookup, check_field, escape_term, quote};
pub use crate::search::Order;

use crate::request::{ApiRequest, encode_segment};
use crate::resource::{Collection, Record, exactly_one, get_or_create, optional};
use crate::{Auth0, Error, Result};

/// `/api/v2/users`: create, get, query, update and delete users. A cheap
/// handle; clone it freely.
///
/// | the original (Python) | here |
/// |---|---|
/// | `auth0.users.create(**kw)` | [`Users::create`] |
/// | `auth0.users(**kw)` | [`Users::build`], [`Users::new_user`] |
/// | `get(id=…)` | [`Users::get_by_id`] |
/// | `get(**lookup)` | [`Users::get`], [`Users::get_opt`] |
/// | `get_or_create(defaults, **lookup)` | [`Users::get_or_create`] |
/// | `query(**lookup)`, `all()` | [`Users::query`], [`Users::all`] |
/// | `users.delete(id)` | [`Users::delete`] |
/// | (a PATCH without a GET) | [`Users::update`], [`Users::block`], [`Users::unblock`] |
/// | `User(**d)` / pickle | [`Users::from_dict`] / [`Users::restore`] |
#[derive(Clone, Debug)]
pub struct Users {
    auth0: Auth0,
}

impl Users {
    pub(crate) fn new(auth0: Auth0) -> Self {
        Self { auth0 }
    }

    /// The generic collection behind this handle.
    fn records(&self) -> Collection<UserProfile> {
        self.auth0.collection()
    }

    /// The client behind this handle.
    #[must_use]
    pub fn auth0(&self) -> &Auth0 {
        &self.auth0
    }

    /// An empty, unsaved user (the original's `auth0.users()`).
    #[must_use]
    pub fn new_user(&self) -> User {
        self.build(NewUser::new())
    }

    /// An unsaved user from `new`; `save` creates it.
    #[must_use]
    pub fn build(&self, new: NewUser) -> User {
        let (profile, pending) = new.into_parts();
        Record::unsaved(self.auth0.clone(), profile, pending)
    }

    /// Create a user (`POST /users`) in its connection, or the default one.
    ///
    /// # Errors
    /// [`Error::MissingConnection`], [`Error::InvalidArgument`] before
    /// sending; [`Error::Api`] from Auth0 (`409: The user already exists.`).
    pub async fn create(&self, new: NewUser) -> Result<User> {
        let mut user = self.build(new);
        user.save().await?;
        Ok(user)
    }

    /// The user with this `user_id` (immediately consistent).
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] for a 404 (the original raised a raw 404 here);
    /// [`Error::InvalidArgument`] for an empty id.
    pub async fn get_by_id(&self, id: &str) -> Result<User> {
        self.records().get_by_id(id).await
    }

    /// Change the user with this id in one request (or the few that Auth0
    /// requires, split as [`User::save`] splits them), without fetching it
    /// first. Only the fields set on `changes` are sent; metadata keys are
    /// merged one level deep, as Auth0 does. Fields that need the user's
    /// connection (email, username, password, phone) are sent with the
    /// connection set on `changes`, else the client's default one.
    ///
    /// ```no_run
    /// use auth0plus_management::NewUser;
    /// # async fn run(users: auth0plus_management::Users) -> auth0plus_management::Result<()> {
    /// let user = users
    ///     .update("auth0|63d17c4a", NewUser::new().nickname("Bon").password("HighwayToHell"))
    ///     .await?;
    /// # let _ = user; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id or no change at all, before
    /// sending; [`Error::Api`] from Auth0 (404 for a missing user).
    pub async fn update(&self, id: &str, changes: NewUser) -> Result<User> {
        let path = format!("/users/{}", encode_segment(id)?);
        let (profile, pending) = changes.into_parts();
        if let Some(problem) = pending.invalid {
            return Err(Error::InvalidArgument(problem));
        }
        let set = profile.to_map();
        let changed: Metadata = model::SETTABLE
            .iter()
            .filter_map(|field| set.get(*field).map(|v| ((*field).to_owned(), v.clone())))
            .collect();
        let connection = pending
            .connection
            .as_deref()
            .or_else(|| self.auth0.default_connection());
        let bodies = save::plan(
            changed,
            pending.password.as_ref(),
            connection,
            self.auth0.client_id(),
        );
        let mut updated = None;
        for body in bodies {
            let request =
                ApiRequest::new(http::Method::PATCH, path.clone()).json(Value::Object(body));
            updated = Some(self.auth0.execute_json::<UserProfile>(&request).await?);
        }
        let profile = updated.ok_or_else(|| {
            Error::InvalidArgument("nothing to change: set a field on the changes".into())
        })?;
        Ok(Record::fetched(self.auth0.clone(), profile))
    }

    /// Block the user with this id (`blocked: true`): they can no longer log in.
    ///
    /// # Errors
    /// As [`Users::update`].
    pub async fn block(&self, id: &str) -> Result<User> {
        self.update(id, NewUser::new().blocked(true)).await
    }

    /// Lift an administrator's block (`blocked: false`). This is not the
    /// brute-force protection's block (too many wrong passwords from one
    /// IP), which Auth0 keeps apart and this leaves in place: see
    /// [`Users::clear_login_blocks`].
    ///
    /// # Errors
    /// As [`Users::update`].
    pub async fn unblock(&self, id: &str) -> Result<User> {
        self.update(id, NewUser::new().blocked(false)).await
    }

    /// Users with exactly this email (`GET /users-by-email`): immediately
    /// consistent, unlike search. The match is case-sensitive, as Auth0's is;
    /// Auth0 databases store emails lowercased, so pass lowercase.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty email; [`Error::Api`] from Auth0.
    pub async fn by_email(&self, email: &str) -> Result<Vec<User>> {
        if email.is_empty() {
            return Err(Error::InvalidArgument("the email is empty".into()));
        }
        let request = ApiRequest::new(http::Method::GET, "/users-by-email").param("email", email);
        let profiles: Vec<UserProfile> = self.auth0.execute_json(&request).await?;
        Ok(profiles
            .into_iter()
            .map(|p| Record::fetched(self.auth0.clone(), p))
            .collect())
    }

    /// Users of the default connection with this email, ignoring case as
    /// search does: `users-by-email` matches case-sensitively, and Auth0
    /// databases store emails lowercased, so a miss is retried in lowercase.
    async fn by_email_in_connection(&self, email: &str) -> Result<Vec<User>> {
        let connection = self.auth0.default_connection().map(str::to_owned);
        let mut users = self.by_email(email).await?;
        let lowercase = email.to_lowercase();
        if users.is_empty() && lowercase != email {
            users = self.by_email(&lowercase).await?;
        }
        Ok(users
            .into_iter()
            .filter(|u| {
                connection.as_deref().is_none_or(|c| {
                    u.identities
                        .iter()
                        .any(|i| i.connection.as_deref() == Some(c))
                })
            })
            .collect())
    }

    /// Exactly one user matching `lookup` in the default connection. A lone
    /// exact email uses `users-by-email` (immediately consistent); anything
    /// else uses search (eventually consistent).
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] (`User Does Not Exist`),
    /// [`Error::MultipleObjectsReturned`] (`User.get returned multiple users`).
    pub async fn get(&self, lookup: impl Into<Lookup>) -> Result<User> {
        let lookup = lookup.into();
        let described = lookup.to_query_string()?;
        let (found, total) = if let Some(email) = lookup.lone_exact("email") {
            let users = self.by_email_in_connection(email).await?;
            let total = users.len() as u64;
            (users, total)
        } else {
            // One request: a page of two carries the total and, when it is
            // 1, the user.
            self.query().filter(lookup).per_page(2).first_page().await?
        };
        exactly_one(found, total, described)
    }

    /// Like [`Users::get`], with `None` instead of `DoesNotExist`.
    ///
    /// # Errors
    /// [`Error::MultipleObjectsReturned`], and errors from Auth0.
    pub async fn get_opt(&self, lookup: impl Into<Lookup>) -> Result<Option<User>> {
        optional(self.get(lookup).await)
    }

    /// Get the user matching `lookup`, or create it from `defaults` plus the
    /// lookup's exact values. Returns `(user, created)`.
    ///
    /// Safe under races for users with an email in the default connection:
    /// when a concurrent caller created the user first, Auth0's 409 is
    /// answered by fetching that user by email (immediately consistent), so
    /// no duplicate is made and every caller gets the user. Without an email,
    /// or in another connection, the 409 is returned as the error.
    /// `defaults` is not modified.
    ///
    /// # Errors
    /// [`Error::MultipleObjectsReturned`] when the lookup is ambiguous; errors
    /// from Auth0.
    pub async fn get_or_create(
        &self,
        lookup: impl Into<Lookup>,
        defaults: NewUser,
    ) -> Result<(User, bool)> {
        let lookup = lookup.into();
        let mut new = defaults;
        for (field, value) in lookup.exact_pairs() {
            new.set_field(field, value);
        }
        let email = new.profile.email.clone();
        get_or_create(self.get(lookup), self.create(new), async || match email {
            Some(email) => {
                let mut existing = self.by_email_in_connection(&email).await?;
                Ok((existing.len() == 1).then(|| existing.remove(0)))
            }
            None => Ok(None),
        })
        .await
    }

    /// Every user through Auth0's export job, past the 1,000-result search
    /// window ([`Error::SearchWindowExceeded`] points here).
    pub fn export(&self) -> UserExport {
        UserExport::new(self.clone())
    }

    /// A lazy query over the default connection.
    pub fn query(&self) -> UserQuery {
        UserQuery::users(self.auth0.clone())
    }

    /// Every user of the default connection (a lazy query).
    pub fn all(&self) -> UserQuery {
        self.query()
    }

    /// Delete the user with this id. Deleting a missing user succeeds, as on Auth0.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id; errors from Auth0.
    pub async fn delete(&self, id: &str) -> Result<()> {
        self.records().delete(id).await
    }

    /// An unsaved user from a dictionary such as [`User::as_dict`] returned
    /// (the original's `User(**d)`): `save` will try to create it.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a known field has the wrong type.
    pub fn from_dict(&self, dict: Metadata) -> Result<User> {
        self.records().from_dict(dict)
    }

    /// A user from [`User::to_state`], fetched flag and change tracking included.
    #[must_use]
    pub fn restore(&self, state: UserState) -> User {
        self.records().restore(state)
    }
}
