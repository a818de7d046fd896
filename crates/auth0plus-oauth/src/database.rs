//! Database connections: `POST /dbconnections/signup` and
//! `POST /dbconnections/change_password`.

use auth0plus_transport::Secret;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::authentication::Call;
use crate::form::Params;
use crate::{AuthenticationClient, Error, response};

/// The user a sign-up created.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct SignedUp {
    /// The user's id in the connection (without the `auth0|` prefix).
    #[serde(rename = "_id", alias = "id")]
    pub id: String,
    /// The email address.
    pub email: Option<String>,
    /// Whether the email is verified (false until the user clicks the link).
    #[serde(default)]
    pub email_verified: bool,
    /// The username, for connections that require one.
    pub username: Option<String>,
    /// Anything else answered.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SignedUp {
    /// The full user id as the Management API names it (`auth0|{id}`).
    #[must_use]
    pub fn user_id(&self) -> String {
        if self.id.contains('|') {
            self.id.clone()
        } else {
            format!("auth0|{}", self.id)
        }
    }
}

/// A request to `/dbconnections/signup`.
#[must_use]
#[derive(Debug)]
pub struct SignUp {
    client: AuthenticationClient,
    params: Params,
}

impl SignUp {
    fn set(mut self, name: &str, value: &str) -> Self {
        self.params.set(name, value);
        self
    }

    /// The username (connections that require one).
    pub fn username(self, username: impl AsRef<str>) -> Self {
        self.set("username", username.as_ref())
    }

    /// Given name.
    pub fn given_name(self, name: impl AsRef<str>) -> Self {
        self.set("given_name", name.as_ref())
    }

    /// Family name.
    pub fn family_name(self, name: impl AsRef<str>) -> Self {
        self.set("family_name", name.as_ref())
    }

    /// Full name.
    pub fn name(self, name: impl AsRef<str>) -> Self {
        self.set("name", name.as_ref())
    }

    /// Nickname.
    pub fn nickname(self, name: impl AsRef<str>) -> Self {
        self.set("nickname", name.as_ref())
    }

    /// Picture URL.
    pub fn picture(self, url: impl AsRef<str>) -> Self {
        self.set("picture", url.as_ref())
    }

    /// `user_metadata` (Auth0 allows string values only at sign-up).
    pub fn user_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.params
            .set_value("user_metadata", Value::Object(metadata));
        self
    }

    /// Create the user.
    ///
    /// # Errors
    /// [`Error::Rejected`] with Auth0's code: `invalid_signup` (the user may
    /// already exist), `invalid_password` (the policy's rules in the
    /// description), `password_dictionary_error`…; [`Error::Transport`].
    pub async fn send(self) -> Result<SignedUp, Error> {
        let (response, scrubber) = self
            .client
            .post(Call::json("/dbconnections/signup", self.params, false))
            .await?;
        response::decode(&response, &scrubber, "a sign-up answer")
    }
}

impl AuthenticationClient {
    /// Sign a user up to database `connection` with `email` and `password`.
    pub fn signup(&self, email: &str, password: impl Into<Secret>, connection: &str) -> SignUp {
        let mut params = Params::new();
        params.set("email", email);
        params.secret("password", &password.into());
        params.set("connection", connection);
        for (name, value) in [("email", email), ("connection", connection)] {
            if value.trim().is_empty() {
                params
                    .invalid
                    .get_or_insert_with(|| format!("{name} must not be empty"));
            }
        }
        SignUp {
            client: self.clone(),
            params,
        }
    }

    /// Email `email` a link to change their password in `connection`;
    /// answers Auth0's message ("We've just sent you an email to reset your password.").
    ///
    /// # Errors
    /// [`Error::Rejected`], [`Error::Transport`].
    pub async fn change_password(&self, email: &str, connection: &str) -> Result<String, Error> {
        let mut params = Params::new();
        params.set("email", email);
        params.set("connection", connection);
        if email.trim().is_empty() || connection.trim().is_empty() {
            params.invalid = Some("email and connection must not be empty".into());
        }
        let (response, scrubber) = self
            .post(Call::json("/dbconnections/change_password", params, false))
            .await?;
        response::success(&response, &scrubber)?;
        // A JSON string, or plain text.
        let body = response.body();
        Ok(serde_json::from_slice::<String>(body)
            .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned()))
    }
}
