//! The users endpoint, Django-ORM style.

pub(crate) mod model;
mod new_user;
mod query;
mod record;
mod save;

pub use model::{Metadata, UserIdentity, UserProfile};
pub use new_user::NewUser;
pub use query::{SEARCH_WINDOW, UserQuery};
pub use record::{User, UserPending, UserState};
pub use save::{diff as diff_for_save, plan as plan_patches};

pub use crate::lookup::{Lookup, check_field, escape_term, quote};
pub use crate::search::Order;

use auth0plus_management_api::users_by_email::ListUsersByEmail;

use crate::request::ApiRequest;
use crate::resource::Collection;
use crate::resource::Record;
use crate::{Auth0, Error, Result};

/// `/api/v2/users`: the [`Collection`] of [`User`]s — create, get, query,
/// update and delete users, Django's way. A cheap handle; clone it freely.
///
/// | the original (Python) | here |
/// |---|---|
/// | `auth0.users.create(**kw)` | [`Users::create`](Collection::create) |
/// | `auth0.users(**kw)` | [`Users::build`](Collection::build), [`Users::new_user`](Collection::new_user) |
/// | `get(id=…)` | [`Users::get_by_id`](Collection::get_by_id) |
/// | `get(**lookup)` | [`Users::get`](Collection::get), [`Users::get_opt`](Collection::get_opt) |
/// | `get_or_create(defaults, **lookup)` | [`Users::get_or_create`](Collection::get_or_create) |
/// | `query(**lookup)`, `all()` | [`Users::query`](Collection::query), [`Users::all`](Collection::all) |
/// | `users.delete(id)` | [`Users::delete`](Collection::delete) |
/// | (a PATCH without a GET) | [`Users::update`](Collection::update), [`Users::block`](Collection::block), [`Users::unblock`](Collection::unblock) |
/// | `User(**d)` / pickle | [`Users::from_dict`](Collection::from_dict) / [`Users::restore`](Collection::restore) |
///
/// A lookup is any search (`[("email__startswith", "b")]`, a [`Lookup`]);
/// a lone exact email is read with `GET /users-by-email`, immediately
/// consistent, so `get_or_create([("email", …)], …)` never makes a
/// duplicate. [`Users::update`](Collection::update) takes a [`NewUser`] of
/// the fields to change:
///
/// ```no_run
/// use auth0plus_management::NewUser;
/// # async fn run(users: auth0plus_management::Users) -> auth0plus_management::Result<()> {
/// let user = users
///     .update("auth0|63d17c4a", NewUser::new().nickname("Bon").password("HighwayToHell"))
///     .await?;
/// # let _ = user; Ok(()) }
/// ```
pub type Users = Collection<UserProfile>;

impl Auth0 {
    /// The users endpoint (`/api/v2/users`).
    #[must_use]
    pub fn users(&self) -> Users {
        self.collection()
    }
}

impl Collection<UserProfile> {
    /// An empty, unsaved user (the original's `auth0.users()`).
    #[must_use]
    pub fn new_user(&self) -> User {
        self.build(NewUser::new())
    }

    /// Block the user with this id (`blocked: true`): they can no longer log in.
    ///
    /// # Errors
    /// As [`Users::update`](Collection::update).
    pub async fn block(&self, id: &str) -> Result<User> {
        self.update(id, NewUser::new().blocked(true)).await
    }

    /// Lift an administrator's block (`blocked: false`). This is not the
    /// brute-force protection's block (too many wrong passwords from one
    /// IP), which Auth0 keeps apart and this leaves in place: see
    /// [`Users::clear_login_blocks`](Collection::clear_login_blocks).
    ///
    /// # Errors
    /// As [`Users::update`](Collection::update).
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
        let request = ApiRequest::of(&ListUsersByEmail::new().email(email))?;
        let profiles: Vec<UserProfile> = self.auth0().execute_json(&request).await?;
        Ok(profiles
            .into_iter()
            .map(|p| Record::fetched(self.auth0().clone(), p))
            .collect())
    }

    /// Users of the default connection with this email, ignoring case as
    /// search does: `users-by-email` matches case-sensitively, and Auth0
    /// databases store emails lowercased, so a miss is retried in lowercase.
    pub(crate) async fn by_email_in_connection(&self, email: &str) -> Result<Vec<User>> {
        let connection = self.auth0().default_connection().map(str::to_owned);
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
}
