//! Passwordless login, first half: `POST /passwordless/start` sends a code or
//! a magic link; [`AuthenticationClient::passwordless_otp`] finishes it.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::authentication::Call;
use crate::form::Params;
use crate::{AuthenticationClient, Error, response};

/// What Auth0 sends the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordlessSend {
    /// A one-time code.
    Code,
    /// A magic link (email only).
    Link,
}

/// What `/passwordless/start` answered.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct PasswordlessStarted {
    /// The user's id in the passwordless connection.
    #[serde(rename = "_id")]
    pub id: Option<String>,
    /// The email address written to.
    pub email: Option<String>,
    /// The phone number texted.
    pub phone_number: Option<String>,
    /// Whether the email is verified.
    pub email_verified: Option<bool>,
    /// Anything else answered.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A request to `/passwordless/start`.
#[must_use]
#[derive(Debug)]
pub struct PasswordlessStart {
    client: AuthenticationClient,
    params: Params,
    auth_params: Map<String, Value>,
}

impl PasswordlessStart {
    /// Send a code or a magic link (default: a code).
    pub fn send_as(mut self, send: PasswordlessSend) -> Self {
        self.params.set(
            "send",
            match send {
                PasswordlessSend::Code => "code",
                PasswordlessSend::Link => "link",
            },
        );
        self
    }

    /// Use this passwordless connection (default `email` or `sms`).
    pub fn connection(mut self, connection: impl AsRef<str>) -> Self {
        self.params.set("connection", connection.as_ref());
        self
    }

    /// A parameter of the `/authorize` request a magic link continues
    /// (`scope`, `state`, `redirect_uri`, `response_type`…).
    pub fn auth_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.auth_params
            .insert(name.into(), Value::String(value.into()));
        self
    }

    /// Send the code or link.
    ///
    /// # Errors
    /// [`Error::Rejected`] (`bad.connection`, `bad.email`, `bad.phone_number`…),
    /// [`Error::Transport`].
    pub async fn send(mut self) -> Result<PasswordlessStarted, Error> {
        if !self.auth_params.is_empty() {
            self.params
                .set_value("authParams", Value::Object(self.auth_params));
        }
        let (response, scrubber) = self
            .client
            .post(Call::json("/passwordless/start", self.params, true))
            .await?;
        response::decode(&response, &scrubber, "a passwordless start answer")
    }
}

impl AuthenticationClient {
    /// Email a code (or a link, [`PasswordlessStart::send_as`]) to `email`.
    pub fn passwordless_email(&self, email: &str) -> PasswordlessStart {
        self.passwordless("email", "email", email)
    }

    /// Text a code to `phone_number` (E.164).
    pub fn passwordless_sms(&self, phone_number: &str) -> PasswordlessStart {
        self.passwordless("sms", "phone_number", phone_number)
    }

    fn passwordless(&self, connection: &str, field: &str, value: &str) -> PasswordlessStart {
        let mut params = Params::new();
        params.set("connection", connection);
        params.set(field, value);
        params.set("send", "code");
        if value.trim().is_empty() {
            params.invalid = Some(format!("{field} must not be empty"));
        }
        PasswordlessStart {
            client: self.clone(),
            params,
            auth_params: Map::new(),
        }
    }
}
