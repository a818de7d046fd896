//! [`RequestBuilder`]: any endpoint of the Management API, through the same
//! tokens, retries, throttle, tracing and secret scrubbing as the rest.

use auth0plus_transport::HttpResponse;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::request::ApiRequest;
use crate::{Auth0, Error, Result};

/// A request to any Management API endpoint, made by [`Auth0::request`].
///
/// The path is given as segments and each is percent-encoded, so no value
/// can change the route; query values are encoded too. Nothing is sent
/// until [`RequestBuilder::send`] or [`RequestBuilder::json`].
///
/// ```no_run
/// use auth0plus_management::Auth0;
/// use http::Method;
/// use serde_json::{Value, json};
/// # async fn run(auth0: Auth0, user_id: &str) -> auth0plus_management::Result<()> {
/// // POST /api/v2/users/{id}/roles — `user_id` stays one segment whatever it holds.
/// auth0
///     .request(Method::POST, ["users", user_id, "roles"])
///     .body(&json!({"roles": ["rol_0123456789abcdef"]}))
///     .send()
///     .await?;
/// let roles: Value = auth0
///     .request(Method::GET, ["users", user_id, "roles"])
///     .query("per_page", 5)
///     .json()
///     .await?;
/// # let _ = roles; Ok(()) }
/// ```
#[must_use]
#[derive(Debug)]
pub struct RequestBuilder {
    auth0: Auth0,
    request: Result<ApiRequest>,
}

impl Auth0 {
    /// A request to any endpoint: `segments` make the path below `/api/v2`,
    /// each percent-encoded as one segment. Tokens, retries, the throttle,
    /// tracing and secret scrubbing apply as to every other call.
    ///
    /// See [`RequestBuilder`] for an example.
    pub fn request<I, S>(&self, method: http::Method, segments: I) -> RequestBuilder
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        RequestBuilder {
            auth0: self.clone(),
            request: ApiRequest::from_segments(method, segments),
        }
    }
}

impl RequestBuilder {
    /// Add a query parameter (encoded).
    #[allow(
        clippy::needless_pass_by_value,
        reason = "takes numbers and bools as well as strings"
    )]
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        if let Ok(request) = &mut self.request {
            request.query.push((name.into(), value.to_string()));
        }
        self
    }

    /// Send `body` as JSON. Secret fields in it (`password`,
    /// `client_secret`…) are kept out of `Debug` and of any error that
    /// echoes them.
    pub fn body(mut self, body: &impl Serialize) -> Self {
        self.request = self.request.and_then(|request| {
            serde_json::to_value(body)
                .map(|json| request.json(json))
                .map_err(|e| Error::InvalidArgument(format!("the body is not JSON: {e}")))
        });
        self
    }

    /// The request as it will be sent (without the token).
    ///
    /// # Errors
    /// What building it refused: an empty, `.` or `..` segment, a body that
    /// does not serialize.
    pub fn to_request(&self) -> Result<&ApiRequest> {
        self.request
            .as_ref()
            .map_err(|e| Error::InvalidArgument(e.to_string()))
    }

    /// Send it; a 2xx answer is returned as it is.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] before sending; [`Error::Api`] for an error
    /// status; transport and token errors.
    pub async fn send(self) -> Result<HttpResponse> {
        let request = self.request?;
        self.auth0.execute(&request).await
    }

    /// Send it and decode the answer as `T` (an empty answer decodes as
    /// JSON `null`, so `()` and `Option<_>` work).
    ///
    /// # Errors
    /// As [`RequestBuilder::send`]; [`Error::Decode`] when the answer does
    /// not fit `T`.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T> {
        self.auth0.execute_json(&self.request?).await
    }
}
