//! [`NewUser`]: what to create.

use std::fmt;

use auth0plus_transport::Secret;
use serde_json::Value;

use super::model::{Metadata, SETTABLE, UserProfile};
use super::record::UserPending;
use crate::lookup::Lookup;
use crate::resource::{ChangeSet, IntoRecord};
use crate::{Auth0, Error, Result};

/// The fields of a user to create, one chained setter per field.
///
/// ```
/// use auth0plus_management::NewUser;
/// use serde_json::json;
/// let angus = NewUser::new()
///     .email("angus@acdc.example")
///     .email_verified(true)
///     .password("Jailbreak")
///     .user_metadata(json!({"family_name": "Young"}));
/// assert!(!format!("{angus:?}").contains("Jailbreak"));
/// ```
#[derive(Clone, Default, PartialEq)]
#[must_use]
pub struct NewUser {
    pub(crate) profile: UserProfile,
    pub(crate) password: Option<Secret>,
    pub(crate) verify_email: Option<bool>,
    pub(crate) connection: Option<String>,
    pub(crate) invalid: Option<String>,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("profile", &self.profile)
            .field("password", &self.password)
            .field("verify_email", &self.verify_email)
            .field("connection", &self.connection)
            .finish()
    }
}

macro_rules! string_setters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<String>) -> Self {
            self.profile.$name = Some(value.into());
            self
        }
    )*};
}

macro_rules! bool_setters {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: bool) -> Self {
            self.profile.$name = Some(value);
            self
        }
    )*};
}

impl NewUser {
    /// An empty user.
    pub fn new() -> Self {
        Self::default()
    }

    string_setters! {
        /// Email address.
        email,
        /// Username (only for connections that require one).
        username,
        /// Phone number (`+` and up to 15 digits).
        phone_number,
        /// Given name.
        given_name,
        /// Family name.
        family_name,
        /// Full name.
        name,
        /// Nickname.
        nickname,
        /// Picture URL.
        picture,
        /// A custom id; Auth0 prefixes it with the provider (`auth0|<id>`).
        user_id,
    }

    bool_setters! {
        /// Mark the email verified (no verification email is sent).
        email_verified,
        /// Mark the phone number verified.
        phone_verified,
        /// Create the user blocked.
        blocked,
    }

    /// The initial password (write-only; never printed).
    pub fn password(mut self, password: impl Into<Secret>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Whether Auth0 sends a verification email, whatever `email_verified` says.
    pub fn verify_email(mut self, verify: bool) -> Self {
        self.verify_email = Some(verify);
        self
    }

    /// The connection to create the user in (default: the client's).
    pub fn connection(mut self, connection: impl Into<String>) -> Self {
        self.connection = Some(connection.into());
        self
    }

    /// `user_metadata`: a JSON object.
    pub fn user_metadata(mut self, metadata: Value) -> Self {
        match metadata {
            Value::Object(map) => self.profile.user_metadata = map,
            other => {
                self.invalid = Some(format!("user_metadata must be a JSON object, not {other}"));
            }
        }
        self
    }

    /// `app_metadata`: a JSON object.
    pub fn app_metadata(mut self, metadata: Value) -> Self {
        match metadata {
            Value::Object(map) => self.profile.app_metadata = map,
            other => {
                self.invalid = Some(format!("app_metadata must be a JSON object, not {other}"));
            }
        }
        self
    }

    /// Set one `user_metadata` key.
    pub fn user_metadata_entry(mut self, key: impl Into<String>, value: Value) -> Self {
        self.profile.user_metadata.insert(key.into(), value);
        self
    }

    /// The profile fields set so far.
    #[must_use]
    pub fn profile(&self) -> &UserProfile {
        &self.profile
    }

    /// The profile and the write-only state, for a record.
    pub(crate) fn into_parts(self) -> (UserProfile, super::UserPending) {
        (
            self.profile,
            UserPending {
                password: self.password,
                verify_email: self.verify_email,
                connection: self.connection,
                invalid: self.invalid,
            },
        )
    }

    /// Set a field by its API name (used when a lookup's exact values fill in
    /// a user to create). Unknown or non-settable names are ignored.
    pub(crate) fn set_exact(&mut self, field: &str, value: &str) {
        let p = &mut self.profile;
        let parse_bool = |v: &str| match v {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        match field {
            "email" => p.email = Some(value.to_owned()),
            "username" => p.username = Some(value.to_owned()),
            "phone_number" => p.phone_number = Some(value.to_owned()),
            "given_name" => p.given_name = Some(value.to_owned()),
            "family_name" => p.family_name = Some(value.to_owned()),
            "name" => p.name = Some(value.to_owned()),
            "nickname" => p.nickname = Some(value.to_owned()),
            "email_verified" => p.email_verified = parse_bool(value).or(p.email_verified),
            "blocked" => p.blocked = parse_bool(value).or(p.blocked),
            _ => {
                if let Some(key) = field
                    .strip_prefix("user_metadata.")
                    .filter(|k| !k.contains('.'))
                {
                    p.user_metadata
                        .insert(key.to_owned(), Value::String(value.to_owned()));
                } else if let Some(key) = field
                    .strip_prefix("app_metadata.")
                    .filter(|k| !k.contains('.'))
                {
                    p.app_metadata
                        .insert(key.to_owned(), Value::String(value.to_owned()));
                }
            }
        }
    }
}

/// A user to create: its profile and write-only state; a lookup's exact
/// values fill in its fields; after a 409 the user with its email (read
/// immediately consistent) is the one someone else created first.
impl IntoRecord<UserProfile> for NewUser {
    fn into_parts(self) -> std::result::Result<(UserProfile, UserPending), String> {
        // The inherent method: the profile and the write-only state.
        Ok(NewUser::into_parts(self))
    }

    fn set_field(&mut self, field: &str, value: &str) -> Result<()> {
        self.set_exact(field, value);
        Ok(())
    }

    fn conflict_lookup(&self) -> Option<Lookup> {
        self.profile
            .email
            .as_ref()
            .map(|email| Lookup::exact("email", email))
    }
}

/// Changes to a user: only the fields set are sent, in the requests Auth0
/// requires (split as [`User::save`](crate::User::save) splits them).
/// Metadata keys are merged one level deep, as Auth0 does. Fields that need
/// the user's connection (email, username, password, phone) are sent with
/// the connection set on the changes, else the client's default one.
impl ChangeSet<UserProfile> for NewUser {
    fn into_bodies(self, auth0: &Auth0) -> Result<Vec<Metadata>> {
        let (profile, pending) = NewUser::into_parts(self);
        if let Some(problem) = pending.invalid {
            return Err(Error::InvalidArgument(problem));
        }
        let set = profile.to_map();
        let changed: Metadata = SETTABLE
            .iter()
            .filter_map(|field| set.get(*field).map(|v| ((*field).to_owned(), v.clone())))
            .collect();
        let connection = pending
            .connection
            .as_deref()
            .or_else(|| auth0.default_connection());
        Ok(super::save::plan(
            changed,
            pending.password.as_ref(),
            connection,
            auth0.client_id(),
        ))
    }
}

/// The `POST /users` body for `profile`.
pub(crate) fn create_body(
    profile: &UserProfile,
    password: Option<&Secret>,
    verify_email: Option<bool>,
    connection: &str,
) -> Metadata {
    let map = profile.to_map();
    let mut body = Metadata::new();
    body.insert("connection".into(), Value::String(connection.to_owned()));
    for field in SETTABLE {
        if let Some(value) = map.get(*field) {
            body.insert((*field).to_owned(), value.clone());
        }
    }
    if let Some(id) = &profile.user_id {
        // A full id (`auth0|abc`) from an earlier fetch becomes the custom id
        // `abc`, which Auth0 turns back into `auth0|abc`.
        let custom = id.split_once('|').map_or(id.as_str(), |(_, rest)| rest);
        body.insert("user_id".into(), Value::String(custom.to_owned()));
    }
    if let Some(password) = password {
        body.insert(
            "password".into(),
            Value::String(password.expose().to_owned()),
        );
    }
    if let Some(verify) = verify_email {
        body.insert("verify_email".into(), Value::Bool(verify));
    }
    body
}
