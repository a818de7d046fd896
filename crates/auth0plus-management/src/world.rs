//! A user's world: their sessions and refresh tokens, linked accounts,
//! authentication methods, and the brute-force protection's login blocks.
//!
//! Each is a small handle on [`Users`] (by user id, no fetch needed) and on
//! a [`User`] record, built on the generated operations ([`crate::api`]):
//! lists are lazy [`Query`]s, and every id goes into the path as one
//! percent-encoded segment (an empty, `.` or `..` id is refused before
//! anything is sent).

use auth0plus_management_api::models::{
    LinkUserIdentityRequestContent, RefreshTokenResponseContent, SessionResponseContent,
    UserAuthenticationMethod, UserBlockIdentifier,
};
use auth0plus_management_api::refresh_tokens::{DeleteRefreshToken, GetRefreshToken};
use auth0plus_management_api::sessions::{GetSession, RevokeSession};
use auth0plus_management_api::user_blocks::{
    GetUserBlock, GetUserBlocks, UnblockUserBlock, UnblockUserBlocks,
};
use auth0plus_management_api::users::{
    DeleteUserAuthenticationMethod, DeleteUserAuthenticationMethods, DeleteUserRefreshTokens,
    DeleteUserSessions, LinkUserIdentity, ListUserAuthenticationMethods, ListUserRefreshTokens,
    ListUserSessions, UnlinkUserIdentity,
};
use auth0plus_management_api::{ListOperation, Operation};
use serde_json::Value;

use crate::request::{ApiRequest, encode_segment};
use crate::resource::Collection;
use crate::resource::not_found_as;
use crate::{Auth0, Error, Query, Result, User, UserIdentity, UserProfile};

/// One of a user's sessions (`GET /users/{id}/sessions`).
pub type Session = SessionResponseContent;
/// One of a user's refresh tokens (`GET /users/{id}/refresh-tokens`); the
/// token itself is never part of it.
pub type RefreshToken = RefreshTokenResponseContent;
/// One of a user's authentication methods (`GET /users/{id}/authentication-methods`).
pub type AuthenticationMethod = UserAuthenticationMethod;
/// One brute-force block: the identifier (email, username…), the IP and
/// the connection it applies to.
pub type LoginBlock = UserBlockIdentifier;

/// A user's sessions: list them, revoke one, revoke all (scopes
/// `read:sessions`, `delete:sessions`). Made by [`Users::sessions`](crate::Users::sessions) and
/// [`User::sessions`].
///
/// Auth0 revokes asynchronously (it answers `202 Accepted`): a list read
/// right after may still show what was revoked.
#[derive(Clone, Debug)]
pub struct UserSessions {
    of: OfUser,
}

/// A user's refresh tokens: list them, revoke one, revoke all (scopes
/// `read:refresh_tokens`, `delete:refresh_tokens`). Made by
/// [`Users::refresh_tokens`](crate::Users::refresh_tokens) and [`User::refresh_tokens`]. Revocation is
/// asynchronous, as for [`UserSessions`].
#[derive(Clone, Debug)]
pub struct UserRefreshTokens {
    of: OfUser,
}

/// A user's authentication methods (MFA factors, passkeys…): list them,
/// delete one, delete all. Made by [`Users::authentication_methods`](crate::Users::authentication_methods) and
/// [`User::authentication_methods`].
#[derive(Clone, Debug)]
pub struct AuthenticationMethods {
    of: OfUser,
}

/// What each per-user handle holds: the client and the user's id, none for
/// a user never saved (whose every call answers [`Error::MissingId`] before
/// sending).
#[derive(Clone, Debug)]
struct OfUser {
    auth0: Auth0,
    user_id: Option<String>,
}

impl OfUser {
    fn new(auth0: &Auth0, user_id: Option<&str>) -> Self {
        Self {
            auth0: auth0.clone(),
            user_id: user_id.map(str::to_owned),
        }
    }

    fn id(&self) -> Result<&str> {
        self.user_id.as_deref().ok_or(Error::MissingId)
    }

    /// The list `make` builds for the user's id.
    fn list<O: ListOperation>(&self, make: impl FnOnce(&str) -> O) -> Query<O::Item> {
        match self.id() {
            Ok(id) => self.auth0.list(make(id)),
            Err(e) => self.auth0.list(make("")).refuse(e),
        }
    }

    /// Send the operation `make` builds for the user's id.
    async fn run<O: Operation>(&self, make: impl FnOnce(&str) -> O) -> Result<()> {
        run(&self.auth0, make(self.id()?)).await
    }
}

/// Send `operation` and ignore what it answers (revocations answer an
/// empty `202`).
async fn run<O: Operation>(auth0: &Auth0, operation: O) -> Result<()> {
    auth0.send(operation).await.map(drop)
}

/// `id` as a path segment, or why it cannot be one; checked before any
/// request (a lookup included) is sent.
fn checked(id: &str) -> Result<&str> {
    encode_segment(id).map(|_| id)
}

/// Revoke one of `user_id`'s grants (a session, a refresh token) with
/// `revoke`, once `get` read it back and `owner` says it is theirs: a
/// missing one, or another user's, is `DoesNotExist`, so one user's handle
/// never revokes another user's grant. Empty ids are refused before sending.
async fn revoke_own<G: Operation, R: Operation>(
    auth0: &Auth0,
    kind: &'static str,
    (user_id, id): (&str, &str),
    get: G,
    owner: impl FnOnce(G::Output) -> Option<String>,
    revoke: R,
) -> Result<()> {
    checked(user_id)?;
    checked(id)?;
    let lookup = || {
        format!(
            "{} of user {}",
            crate::missing::id_phrase(id),
            crate::missing::id_phrase(user_id)
        )
    };
    let found = not_found_as(auth0.send(get).await, kind, lookup)?;
    if owner(found).as_deref() == Some(user_id) {
        run(auth0, revoke).await
    } else {
        Err(Error::DoesNotExist {
            kind,
            lookup: lookup(),
        })
    }
}

impl UserSessions {
    /// The user's sessions, a lazy checkpoint-paged query.
    pub fn query(&self) -> Query<Session> {
        self.of.list(|id| ListUserSessions::new(id))
    }

    /// Revoke one session of this user and the refresh tokens issued in it
    /// (`POST /sessions/{id}/revoke`). The session is read first: one that
    /// belongs to another user is not touched.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id, before sending;
    /// [`Error::DoesNotExist`] for a session that is not this user's.
    pub async fn revoke(&self, session_id: &str) -> Result<()> {
        revoke_own(
            &self.of.auth0,
            "Session",
            (self.of.id()?, session_id),
            GetSession::new(session_id),
            |session| session.user_id,
            RevokeSession::new(session_id),
        )
        .await
    }

    /// Revoke every session of this user (`DELETE /users/{id}/sessions`):
    /// they must log in again.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id, before sending;
    /// [`Error::Api`] (404 for a missing user).
    pub async fn revoke_all(&self) -> Result<()> {
        self.of.run(|id| DeleteUserSessions::new(id)).await
    }
}

impl UserRefreshTokens {
    /// The user's refresh tokens, a lazy checkpoint-paged query.
    pub fn query(&self) -> Query<RefreshToken> {
        self.of.list(|id| ListUserRefreshTokens::new(id))
    }

    /// Revoke one refresh token of this user (`DELETE /refresh-tokens/{id}`),
    /// after checking that it is this user's.
    ///
    /// # Errors
    /// As [`UserSessions::revoke`].
    pub async fn revoke(&self, token_id: &str) -> Result<()> {
        revoke_own(
            &self.of.auth0,
            "RefreshToken",
            (self.of.id()?, token_id),
            GetRefreshToken::new(token_id),
            |token| token.user_id,
            DeleteRefreshToken::new(token_id),
        )
        .await
    }

    /// Revoke every refresh token of this user
    /// (`DELETE /users/{id}/refresh-tokens`).
    ///
    /// # Errors
    /// As [`UserSessions::revoke_all`].
    pub async fn revoke_all(&self) -> Result<()> {
        self.of.run(|id| DeleteUserRefreshTokens::new(id)).await
    }
}

impl AuthenticationMethods {
    /// The user's authentication methods, a lazy offset-paged query.
    pub fn query(&self) -> Query<AuthenticationMethod> {
        self.of.list(|id| ListUserAuthenticationMethods::new(id))
    }

    /// Delete one (`DELETE /users/{id}/authentication-methods/{method_id}`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id, before sending;
    /// [`Error::Api`] from Auth0.
    pub async fn delete(&self, method_id: &str) -> Result<()> {
        self.of
            .run(|id| DeleteUserAuthenticationMethod::new(id, method_id))
            .await
    }

    /// Delete every one (`DELETE /users/{id}/authentication-methods`).
    ///
    /// # Errors
    /// As [`AuthenticationMethods::delete`].
    pub async fn delete_all(&self) -> Result<()> {
        self.of
            .run(|id| DeleteUserAuthenticationMethods::new(id))
            .await
    }
}

/// The account to link into a primary user, or to unlink from it: a
/// provider and the id within it (`google-oauth2` and `1234`), optionally
/// with the connection when the provider has several (`auth0`).
///
/// ```
/// use auth0plus_management::SecondaryAccount;
/// let google = SecondaryAccount::parse("google-oauth2|1234").unwrap();
/// assert_eq!((google.provider(), google.user_id()), ("google-oauth2", "1234"));
/// let db = SecondaryAccount::new("auth0", "63d17c4a").connection_id("con_0123456789abcdef");
/// # let _ = db;
/// // A custom OAuth2 connection's ids keep their inner `|`.
/// let custom = SecondaryAccount::parse("oauth2|acme|42").unwrap();
/// assert_eq!((custom.provider(), custom.user_id()), ("oauth2", "acme|42"));
/// assert!(SecondaryAccount::parse("no-provider").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondaryAccount {
    provider: String,
    user_id: String,
    connection_id: Option<String>,
}

impl SecondaryAccount {
    /// The account `user_id` of `provider` (the id without the provider).
    pub fn new(provider: impl Into<String>, user_id: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            user_id: user_id.into(),
            connection_id: None,
        }
    }

    /// The account of a full Auth0 user id (`provider|id`), split at its
    /// first `|`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an id without a provider or without
    /// the part after it.
    pub fn parse(full_user_id: &str) -> Result<Self> {
        match full_user_id.split_once('|') {
            Some((provider, id)) if !provider.is_empty() && !id.is_empty() => {
                Ok(Self::new(provider, id))
            }
            _ => Err(Error::InvalidArgument(
                "a user id to link is `provider|id`".into(),
            )),
        }
    }

    /// The connection the account is in (`con_…`), for a provider with
    /// several connections.
    #[must_use]
    pub fn connection_id(mut self, connection_id: impl Into<String>) -> Self {
        self.connection_id = Some(connection_id.into());
        self
    }

    /// The provider (`auth0`, `google-oauth2`…).
    #[must_use]
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The id within the provider.
    #[must_use]
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The full Auth0 user id (`provider|id`).
    #[must_use]
    pub fn full_id(&self) -> String {
        format!("{}|{}", self.provider, self.user_id)
    }

    fn check(&self) -> Result<()> {
        if self.provider.is_empty() || self.user_id.is_empty() {
            return Err(Error::InvalidArgument(
                "a linked account needs a provider and a user_id".into(),
            ));
        }
        if self.connection_id.as_deref() == Some("") {
            return Err(Error::InvalidArgument("the connection_id is empty".into()));
        }
        Ok(())
    }

    fn body(&self) -> LinkUserIdentityRequestContent {
        LinkUserIdentityRequestContent {
            provider: Some(self.provider.as_str().into()),
            user_id: Some(Value::String(self.user_id.clone())),
            connection_id: self.connection_id.clone(),
            ..LinkUserIdentityRequestContent::default()
        }
    }
}

impl Collection<UserProfile> {
    /// The sessions of the user with this id (no request until used).
    #[must_use]
    pub fn sessions(&self, user_id: &str) -> UserSessions {
        UserSessions {
            of: OfUser::new(self.auth0(), Some(user_id)),
        }
    }

    /// The refresh tokens of the user with this id.
    #[must_use]
    pub fn refresh_tokens(&self, user_id: &str) -> UserRefreshTokens {
        UserRefreshTokens {
            of: OfUser::new(self.auth0(), Some(user_id)),
        }
    }

    /// The authentication methods of the user with this id.
    #[must_use]
    pub fn authentication_methods(&self, user_id: &str) -> AuthenticationMethods {
        AuthenticationMethods {
            of: OfUser::new(self.auth0(), Some(user_id)),
        }
    }

    /// Link `secondary` into the primary user `primary_id`
    /// (`POST /users/{id}/identities`): the secondary user is gone and its
    /// identity becomes one of the primary's. Returns the primary's
    /// identities.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id or an account linked to
    /// itself, before sending; [`Error::Api`] from Auth0.
    pub async fn link(
        &self,
        primary_id: &str,
        secondary: &SecondaryAccount,
    ) -> Result<Vec<UserIdentity>> {
        secondary.check()?;
        if secondary.full_id() == primary_id {
            return Err(Error::InvalidArgument(
                "an account cannot be linked to itself".into(),
            ));
        }
        let request = ApiRequest::of(&LinkUserIdentity::new(primary_id, secondary.body()))?;
        self.auth0().execute_json(&request).await
    }

    /// Unlink `secondary` from the user `primary_id`
    /// (`DELETE /users/{id}/identities/{provider}/{user_id}`): it becomes a
    /// user of its own again. Returns the identities left.
    ///
    /// # Errors
    /// As [`Users::link`](crate::Users::link).
    pub async fn unlink(
        &self,
        primary_id: &str,
        secondary: &SecondaryAccount,
    ) -> Result<Vec<UserIdentity>> {
        secondary.check()?;
        let request = ApiRequest::of(&UnlinkUserIdentity::new(
            primary_id,
            &secondary.provider,
            &secondary.user_id,
        ))?;
        self.auth0().execute_json(&request).await
    }

    /// The brute-force protection's blocks on the user with this id
    /// (`GET /user-blocks/{id}`): too many failed logins from an IP.
    ///
    /// Not the administrator's block ([`Users::block`](crate::Users::block), the `blocked`
    /// flag), which these leave alone.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty id, before sending;
    /// [`Error::Api`] (404 for a missing user).
    pub async fn login_blocks(&self, user_id: &str) -> Result<Vec<LoginBlock>> {
        let found = self.auth0().send(GetUserBlock::new(user_id)).await?;
        Ok(found.blocked_for.unwrap_or_default())
    }

    /// The brute-force blocks on an identifier (an email, a username or a
    /// phone number; `GET /user-blocks?identifier=`), whether or not a user
    /// has it. The identifier is sent as one encoded query value.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty identifier, before sending;
    /// [`Error::Api`] from Auth0.
    pub async fn login_blocks_by_identifier(&self, identifier: &str) -> Result<Vec<LoginBlock>> {
        let found = self
            .auth0()
            .send(GetUserBlocks::new().identifier(non_empty(identifier)?))
            .await?;
        Ok(found.blocked_for.unwrap_or_default())
    }

    /// Clear the brute-force blocks on the user with this id
    /// (`DELETE /user-blocks/{id}`), so they can try to log in again.
    ///
    /// This is not [`Users::unblock`](crate::Users::unblock), which lifts an administrator's block
    /// (the `blocked` flag) and leaves these blocks in place; a locked-out
    /// user may need both.
    ///
    /// # Errors
    /// As [`Users::login_blocks`](crate::Users::login_blocks).
    pub async fn clear_login_blocks(&self, user_id: &str) -> Result<()> {
        run(self.auth0(), UnblockUserBlock::new(user_id)).await
    }

    /// Clear the brute-force blocks on an identifier
    /// (`DELETE /user-blocks?identifier=`).
    ///
    /// # Errors
    /// As [`Users::login_blocks_by_identifier`](crate::Users::login_blocks_by_identifier).
    pub async fn clear_login_blocks_by_identifier(&self, identifier: &str) -> Result<()> {
        run(
            self.auth0(),
            UnblockUserBlocks::new().identifier(non_empty(identifier)?),
        )
        .await
    }
}

fn non_empty(identifier: &str) -> Result<&str> {
    if identifier.is_empty() {
        return Err(Error::InvalidArgument("the identifier is empty".into()));
    }
    Ok(identifier)
}

impl User {
    /// This user's sessions (a user never saved: every call answers
    /// [`Error::MissingId`]).
    #[must_use]
    pub fn sessions(&self) -> UserSessions {
        UserSessions {
            of: OfUser::new(self.auth0(), self.id()),
        }
    }

    /// This user's refresh tokens (never saved: as [`User::sessions`]).
    #[must_use]
    pub fn refresh_tokens(&self) -> UserRefreshTokens {
        UserRefreshTokens {
            of: OfUser::new(self.auth0(), self.id()),
        }
    }

    /// This user's authentication methods (never saved: as
    /// [`User::sessions`]).
    #[must_use]
    pub fn authentication_methods(&self) -> AuthenticationMethods {
        AuthenticationMethods {
            of: OfUser::new(self.auth0(), self.id()),
        }
    }

    /// Link `secondary` into this user ([`Users::link`](crate::Users::link)); this record's
    /// identities become the answer's.
    ///
    /// ```no_run
    /// use auth0plus_management::SecondaryAccount;
    /// # async fn run(mut bon: auth0plus_management::User) -> auth0plus_management::Result<()> {
    /// bon.link(&SecondaryAccount::parse("google-oauth2|1234")?).await?;
    /// assert_eq!(bon.identities.len(), 2);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::MissingId`] for a user never saved; as [`Users::link`](crate::Users::link).
    pub async fn link(&mut self, secondary: &SecondaryAccount) -> Result<()> {
        let identities = self
            .auth0()
            .users()
            .link(self.saved_id()?, secondary)
            .await?;
        // Identities are read-only: replacing them never makes `save` send them.
        self.identities = identities;
        Ok(())
    }

    /// Unlink `secondary` from this user ([`Users::unlink`](crate::Users::unlink)); this record's
    /// identities become those left.
    ///
    /// # Errors
    /// As [`User::link`].
    pub async fn unlink(&mut self, secondary: &SecondaryAccount) -> Result<()> {
        let identities = self
            .auth0()
            .users()
            .unlink(self.saved_id()?, secondary)
            .await?;
        self.identities = identities;
        Ok(())
    }

    /// The brute-force blocks on this user ([`Users::login_blocks`](crate::Users::login_blocks)).
    ///
    /// # Errors
    /// [`Error::MissingId`]; as [`Users::login_blocks`](crate::Users::login_blocks).
    pub async fn login_blocks(&self) -> Result<Vec<LoginBlock>> {
        self.auth0().users().login_blocks(self.saved_id()?).await
    }

    /// Clear the brute-force blocks on this user
    /// ([`Users::clear_login_blocks`](crate::Users::clear_login_blocks)).
    ///
    /// # Errors
    /// [`Error::MissingId`]; as [`Users::clear_login_blocks`](crate::Users::clear_login_blocks).
    pub async fn clear_login_blocks(&self) -> Result<()> {
        self.auth0()
            .users()
            .clear_login_blocks(self.saved_id()?)
            .await
    }
}
