//! `/api/v2/tickets`: email-verification and password-change links.

use serde::Deserialize;
use serde_json::{Map, Value};

use auth0plus_management_api::Operation;
use auth0plus_management_api::tickets::{
    CreateTicketsEmailVerification, CreateTicketsPasswordChange,
};

use crate::request::ApiRequest;
use crate::{Auth0, Error, Result};

/// Creates ticket URLs (scope `create:user_tickets`).
#[derive(Clone, Debug)]
pub struct Tickets {
    auth0: Auth0,
}

#[derive(Deserialize)]
struct TicketBody {
    ticket: String,
}

/// The options both tickets take, each a JSON field of the request body.
macro_rules! ticket_options {
    () => {
        /// Where to send the user afterwards (Classic Universal Login; not with
        /// an organization).
        pub fn result_url(self, url: impl Into<String>) -> Self {
            self.set("result_url", Value::String(url.into()))
        }

        /// The application whose settings the page uses.
        pub fn client_id(self, client_id: impl Into<String>) -> Self {
            self.set("client_id", Value::String(client_id.into()))
        }

        /// The organization the ticket is for.
        pub fn organization_id(self, id: impl Into<String>) -> Self {
            self.set("organization_id", Value::String(id.into()))
        }

        /// Lifetime in seconds (Auth0's default is 5 days).
        pub fn ttl_sec(self, seconds: u64) -> Self {
            self.set("ttl_sec", Value::from(seconds))
        }

        /// Add the email to the redirect URL's query.
        pub fn include_email_in_redirect(self, include: bool) -> Self {
            self.set("includeEmailInRedirect", Value::Bool(include))
        }
    };
}

/// Options of an email-verification ticket.
///
/// ```
/// use auth0plus_management::EmailVerificationTicket;
/// let ticket = EmailVerificationTicket::new("auth0|123").ttl_sec(3600).include_email_in_redirect(true);
/// # let _ = ticket;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct EmailVerificationTicket {
    body: Map<String, Value>,
}

impl EmailVerificationTicket {
    /// A ticket for `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        let mut body = Map::new();
        body.insert("user_id".into(), Value::String(user_id.into()));
        Self { body }
    }

    ticket_options!();

    /// Verify a secondary identity (`{user_id, provider}`).
    pub fn identity(self, user_id: impl Into<String>, provider: impl Into<String>) -> Self {
        let identity = serde_json::json!({"user_id": user_id.into(), "provider": provider.into()});
        self.set("identity", identity)
    }

    fn set(mut self, key: &str, value: Value) -> Self {
        self.body.insert(key.to_owned(), value);
        self
    }

    fn check(&self) -> Result<()> {
        if self
            .body
            .get("user_id")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(Error::InvalidArgument(
                "an email-verification ticket needs a user_id".into(),
            ));
        }
        if self.body.contains_key("result_url")
            && (self.body.contains_key("client_id") || self.body.contains_key("organization_id"))
        {
            return Err(Error::InvalidArgument(
                "result_url cannot be combined with client_id or organization_id".into(),
            ));
        }
        Ok(())
    }
}

/// Options of a password-change ticket: for a `user_id`, or for a
/// `connection_id` + `email` — never both (refused before sending).
///
/// ```
/// use auth0plus_management::PasswordChangeTicket;
/// let by_user = PasswordChangeTicket::for_user("auth0|123").mark_email_as_verified(true);
/// let by_email = PasswordChangeTicket::for_email("con_0123456789abcdef", "bon@acdc.example");
/// # let _ = (by_user, by_email);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct PasswordChangeTicket {
    body: Map<String, Value>,
}

impl PasswordChangeTicket {
    /// An empty ticket; name the user with [`Self::user_id`] or
    /// [`Self::connection_id`] + [`Self::email`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A ticket for `user_id`.
    pub fn for_user(user_id: impl Into<String>) -> Self {
        Self::new().user_id(user_id)
    }

    /// A ticket for the user with `email` in the connection `connection_id`.
    pub fn for_email(connection_id: impl Into<String>, email: impl Into<String>) -> Self {
        Self::new().connection_id(connection_id).email(email)
    }

    /// The user.
    pub fn user_id(self, user_id: impl Into<String>) -> Self {
        self.set("user_id", Value::String(user_id.into()))
    }

    /// The connection (with [`Self::email`]).
    pub fn connection_id(self, id: impl Into<String>) -> Self {
        self.set("connection_id", Value::String(id.into()))
    }

    /// The email (with [`Self::connection_id`]).
    pub fn email(self, email: impl Into<String>) -> Self {
        self.set("email", Value::String(email.into()))
    }

    ticket_options!();

    /// Mark the email verified once the password is changed.
    pub fn mark_email_as_verified(self, mark: bool) -> Self {
        self.set("mark_email_as_verified", Value::Bool(mark))
    }

    fn set(mut self, key: &str, value: Value) -> Self {
        self.body.insert(key.to_owned(), value);
        self
    }

    fn check(&self) -> Result<()> {
        let has = |k: &str| {
            self.body
                .get(k)
                .and_then(Value::as_str)
                .is_some_and(|v| !v.is_empty())
        };
        let by_user = has("user_id");
        let by_email = has("connection_id") || has("email");
        if by_user && by_email {
            return Err(Error::InvalidArgument(
                "a password-change ticket takes a user_id or a connection_id and email, not both"
                    .into(),
            ));
        }
        if !(by_user || has("connection_id") && has("email")) {
            return Err(Error::InvalidArgument(
                "a password-change ticket needs a user_id, or a connection_id and an email".into(),
            ));
        }
        if self.body.contains_key("result_url") && self.body.contains_key("organization_id") {
            return Err(Error::InvalidArgument(
                "result_url cannot be combined with organization_id".into(),
            ));
        }
        Ok(())
    }
}

impl Auth0 {
    /// The tickets endpoints (`/api/v2/tickets/*`).
    #[must_use]
    pub fn tickets(&self) -> Tickets {
        Tickets {
            auth0: self.clone(),
        }
    }
}

impl Tickets {
    /// A link that verifies `user_id`'s email.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending; [`Error::Api`] (404 `User not found.`).
    pub async fn email_verification(&self, user_id: &str) -> Result<String> {
        self.email_verification_with(EmailVerificationTicket::new(user_id))
            .await
    }

    /// An email-verification link with options.
    ///
    /// # Errors
    /// As [`Tickets::email_verification`].
    pub async fn email_verification_with(&self, ticket: EmailVerificationTicket) -> Result<String> {
        ticket.check()?;
        let body = typed(ticket.body)?;
        self.send(&CreateTicketsEmailVerification::new(body)).await
    }

    /// A link that lets a user set a new password.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for conflicting options, before sending;
    /// [`Error::Api`] from Auth0.
    pub async fn password_change(&self, ticket: PasswordChangeTicket) -> Result<String> {
        ticket.check()?;
        let body = typed(ticket.body)?;
        self.send(&CreateTicketsPasswordChange::new(body)).await
    }

    /// Send a ticket operation; the answer's `ticket` is the link.
    async fn send(&self, operation: &impl Operation) -> Result<String> {
        let answer: TicketBody = self.auth0.execute_json(&ApiRequest::of(operation)?).await?;
        Ok(answer.ticket)
    }
}

/// The options as the operation's typed body (fields the spec does not
/// name are kept in its `extra`).
fn typed<B: serde::de::DeserializeOwned>(body: Map<String, Value>) -> Result<B> {
    serde_json::from_value(Value::Object(body))
        .map_err(|e| Error::InvalidArgument(format!("a ticket option does not fit: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicting_ticket_options_are_refused() {
        assert!(
            PasswordChangeTicket::for_user("u")
                .email("e")
                .check()
                .is_err()
        );
        assert!(
            PasswordChangeTicket::for_user("u")
                .connection_id("c")
                .check()
                .is_err()
        );
        assert!(PasswordChangeTicket::new().email("e").check().is_err());
        assert!(PasswordChangeTicket::for_email("c", "e").check().is_ok());
        assert!(
            PasswordChangeTicket::for_user("u")
                .result_url("r")
                .organization_id("o")
                .check()
                .is_err()
        );
        assert!(EmailVerificationTicket::new("").check().is_err());
        assert!(
            EmailVerificationTicket::new("u")
                .result_url("r")
                .client_id("c")
                .check()
                .is_err()
        );
    }
}
