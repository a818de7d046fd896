//! The users endpoint, Django-ORM style.

mod export;
mod lookup;
mod model;
mod new_user;
mod query;
mod record;
mod save;

use serde_json::Value;

pub use export::{ExportFormat, JobStatus, UserExport};
pub use lookup::{Lookup, check_field, escape_term, quote};
pub use model::{Identity, Metadata, UserProfile};
pub use new_user::NewUser;
pub use query::{Order, SEARCH_WINDOW, UserQuery};
pub use record::{User, UserState};
pub use save::{diff as diff_for_save, plan as plan_patches};

use crate::request::{ApiRequest, encode_segment};
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
/// | `User(**d)` / pickle | [`Users::from_dict`] / [`Users::restore`] |
#[derive(Clone, Debug)]
pub struct Users {
    auth0: Auth0,
}

impl Users {
    pub(crate) fn new(auth0: Auth0) -> Self {
        Self { auth0 }
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
        User::unsaved(self.clone(), new)
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

    pub(crate) async fn post_user(&self, body: Metadata) -> Result<UserProfile> {
        let request = ApiRequest::new(http::Method::POST, "/users").json(Value::Object(body));
        self.auth0.execute_json(&request).await
    }

    pub(crate) async fn patch_user(&self, id: &str, body: Metadata) -> Result<UserProfile> {
        let request = ApiRequest::new(
            http::Method::PATCH,
            format!("/users/{}", encode_segment(id)?),
        )
        .json(Value::Object(body));
        self.auth0.execute_json(&request).await
    }

    /// The user with this `user_id` (immediately consistent).
    ///
    /// # Errors
    /// [`Error::DoesNotExist`] for a 404 (the original raised a raw 404 here);
    /// [`Error::InvalidArgument`] for an empty id.
    pub async fn get_by_id(&self, id: &str) -> Result<User> {
        let request = ApiRequest::new(http::Method::GET, format!("/users/{}", encode_segment(id)?));
        match self.auth0.execute_json::<UserProfile>(&request).await {
            Ok(profile) => Ok(User::fetched(self.clone(), profile)),
            Err(e) if e.api().is_some_and(crate::ApiError::is_not_found) => {
                Err(Error::DoesNotExist {
                    lookup: format!("user_id:{id}"),
                })
            }
            Err(e) => Err(e),
        }
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
            .map(|p| User::fetched(self.clone(), p))
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
        let (mut found, total) = if let Some(email) = lookup.lone_exact("email") {
            let users = self.by_email_in_connection(email).await?;
            let total = users.len() as u64;
            (users, total)
        } else {
            // One request: a page of two carries the total and, when it is
            // 1, the user.
            self.query().filter(lookup).per_page(2).first_page().await?
        };
        match total {
            0 => Err(Error::DoesNotExist { lookup: described }),
            1 => found.pop().ok_or(Error::DoesNotExist { lookup: described }),
            total => Err(Error::MultipleObjectsReturned { total }),
        }
    }

    /// Like [`Users::get`], with `None` instead of `DoesNotExist`.
    ///
    /// # Errors
    /// [`Error::MultipleObjectsReturned`], and errors from Auth0.
    pub async fn get_opt(&self, lookup: impl Into<Lookup>) -> Result<Option<User>> {
        match self.get(lookup).await {
            Ok(user) => Ok(Some(user)),
            Err(Error::DoesNotExist { .. }) => Ok(None),
            Err(e) => Err(e),
        }
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
        match self.get(lookup.clone()).await {
            Ok(user) => return Ok((user, false)),
            Err(Error::DoesNotExist { .. }) => {}
            Err(e) => return Err(e),
        }
        let mut new = defaults;
        for (field, value) in lookup.exact_pairs() {
            new.set_field(field, value);
        }
        let email = new.profile.email.clone();
        match self.create(new).await {
            Ok(user) => Ok((user, true)),
            Err(e) if e.is_conflict() => {
                let Some(email) = email else { return Err(e) };
                let mut existing = self.by_email_in_connection(&email).await?;
                if existing.len() == 1 {
                    Ok((existing.remove(0), false))
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Every user through Auth0's export job, past the 1,000-result search
    /// window ([`Error::SearchWindowExceeded`] points here).
    pub fn export(&self) -> UserExport {
        UserExport::new(self.clone())
    }

    /// A lazy query over the default connection.
    pub fn query(&self) -> UserQuery {
        UserQuery::new(self.clone())
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
        let request = ApiRequest::new(
            http::Method::DELETE,
            format!("/users/{}", encode_segment(id)?),
        );
        self.auth0.execute(&request).await?;
        Ok(())
    }

    /// An unsaved user from a dictionary such as [`User::as_dict`] returned
    /// (the original's `User(**d)`): `save` will try to create it.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a known field has the wrong type.
    pub fn from_dict(&self, dict: Metadata) -> Result<User> {
        let profile: UserProfile = serde_json::from_value(Value::Object(dict))
            .map_err(|e| Error::InvalidArgument(format!("not a user: {e}")))?;
        Ok(User::unsaved(
            self.clone(),
            NewUser {
                profile,
                ..NewUser::default()
            },
        ))
    }

    /// A user from [`User::to_state`], fetched flag and change tracking included.
    #[must_use]
    pub fn restore(&self, state: UserState) -> User {
        User::from_state(self.clone(), state)
    }
}
