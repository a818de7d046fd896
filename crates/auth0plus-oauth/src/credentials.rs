//! Client credentials and the token request built from them.

use std::sync::{Arc, OnceLock};

use auth0plus_transport::{Clock, SharedClock};
use auth0plus_transport::{
    DEFAULT_RESPONSE_LIMIT, HttpBackend, HttpRequest, Idempotent, ResponseLimit, RetryPolicy,
    Secret, SharedBackend, Telemetry, Unthrottled,
};

use crate::domain::parse_base_url;
use crate::form::Params;
use crate::token::parse_scrubbing;
use crate::{ClientAuthentication, Domain, Error, Token};

/// A machine-to-machine application's credentials for one tenant.
///
/// `Debug` shows the domain and client id, never the secret.
///
/// ```
/// use auth0plus_oauth::ClientCredentials;
/// let credentials = ClientCredentials::new("acme.eu.auth0.com", "my-client-id", "my-secret").unwrap();
/// assert!(!format!("{credentials:?}").contains("my-secret"));
/// ```
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    domain: Domain,
    client_id: String,
    auth: ClientAuthentication,
    audience: String,
    organization: Option<String>,
    clock: SharedClock,
    base_url: String,
    telemetry: Telemetry,
    retry: RetryPolicy,
    response_limit: Option<u64>,
    backend: Option<SharedBackend>,
    default_backend: Arc<OnceLock<SharedBackend>>,
}

impl ClientCredentials {
    /// Credentials for `domain`; the audience defaults to the Management API
    /// (`https://{domain}/api/v2/`).
    ///
    /// # Errors
    /// [`Error::InvalidDomain`], [`Error::EmptyClientId`] or
    /// [`Error::EmptyClientSecret`] — checked here, before anything is sent.
    pub fn new<D>(
        domain: D,
        client_id: &str,
        client_secret: impl Into<Secret>,
    ) -> Result<Self, Error>
    where
        D: TryInto<Domain, Error = Error>,
    {
        Self::with_authentication(
            domain,
            client_id,
            ClientAuthentication::ClientSecretPost(client_secret.into()),
        )
    }

    /// Credentials that authenticate with a signed assertion (`private_key_jwt`)
    /// instead of a secret.
    ///
    /// # Errors
    /// [`Error::InvalidDomain`] or [`Error::EmptyClientId`].
    #[cfg(feature = "jwt")]
    pub fn private_key_jwt<D>(
        domain: D,
        client_id: &str,
        key: crate::PrivateKeyJwt,
    ) -> Result<Self, Error>
    where
        D: TryInto<Domain, Error = Error>,
    {
        Self::with_authentication(domain, client_id, ClientAuthentication::PrivateKeyJwt(key))
    }

    /// Credentials with any client authentication method (not
    /// [`ClientAuthentication::None`]: client credentials need one).
    ///
    /// # Errors
    /// [`Error::InvalidDomain`], [`Error::EmptyClientId`],
    /// [`Error::EmptyClientSecret`] (also for no authentication at all).
    pub fn with_authentication<D>(
        domain: D,
        client_id: &str,
        auth: ClientAuthentication,
    ) -> Result<Self, Error>
    where
        D: TryInto<Domain, Error = Error>,
    {
        let domain = domain.try_into()?;
        if client_id.trim().is_empty() {
            return Err(Error::EmptyClientId);
        }
        auth.validate()?;
        if matches!(auth, ClientAuthentication::None) {
            return Err(Error::EmptyClientSecret);
        }
        Ok(Self {
            audience: domain.audience(),
            base_url: domain.base_url(),
            domain,
            client_id: client_id.to_owned(),
            auth,
            organization: None,
            clock: SharedClock::default(),
            telemetry: Telemetry::default(),
            retry: RetryPolicy::default(),
            response_limit: Some(DEFAULT_RESPONSE_LIMIT),
            backend: None,
            default_backend: Arc::default(),
        })
    }

    /// Ask for a token for another API than the Management API.
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// Ask for a token in this organization (id or name).
    #[must_use]
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// Read time from `clock` (the `iat`/`exp` of `private_key_jwt` assertions).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// How the application authenticates.
    #[must_use]
    pub fn authentication(&self) -> &ClientAuthentication {
        &self.auth
    }

    /// Send the token request to `url` instead of `https://{domain}` (the fake
    /// tenant, a proxy). The audience still names the real domain.
    ///
    /// # Errors
    /// [`Error::InvalidBaseUrl`].
    pub fn base_url(mut self, url: &str) -> Result<Self, Error> {
        self.base_url = parse_base_url(url)?;
        Ok(self)
    }

    /// Send through `backend` as given. Wrap it in
    /// [`Retrying`](auth0plus_transport::Retrying) yourself if you want
    /// retries; the management client passes its own, already retrying one.
    #[must_use]
    pub fn backend(mut self, backend: impl HttpBackend) -> Self {
        self.backend = Some(SharedBackend::new(backend));
        self
    }

    /// Send through an already shared backend.
    #[must_use]
    pub fn shared_backend(mut self, backend: SharedBackend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Retry policy of the default backend (ignored with [`Self::backend`]).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Largest token response accepted, in bytes (default
    /// [`DEFAULT_RESPONSE_LIMIT`], 32 MiB; `None` for no limit). A larger
    /// answer fails with a [`TooLarge`](auth0plus_transport::TransportErrorKind::TooLarge)
    /// transport error as soon as it passes the limit, before it fills memory.
    #[must_use]
    pub fn max_response_bytes(mut self, limit: Option<u64>) -> Self {
        self.response_limit = limit;
        self
    }

    /// The `Auth0-Client` header to send (or [`Telemetry::disabled`]).
    #[must_use]
    pub fn telemetry(mut self, telemetry: Telemetry) -> Self {
        self.telemetry = telemetry;
        self
    }

    /// The tenant.
    #[must_use]
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// The client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The audience asked for.
    #[must_use]
    pub fn audience_url(&self) -> &str {
        &self.audience
    }

    /// Where requests go (`https://{domain}` unless overridden).
    #[must_use]
    pub fn endpoint_base(&self) -> &str {
        &self.base_url
    }

    /// The token request, built without doing any I/O.
    ///
    /// # Errors
    /// If the base URL cannot form a request URI, or (`private_key_jwt`) the
    /// assertion cannot be signed.
    pub fn token_request(&self) -> Result<HttpRequest, Error> {
        Ok(self.token_request_scrubbing()?.0)
    }

    /// The token request and the secret it carries (for scrubbing errors).
    fn token_request_scrubbing(&self) -> Result<(HttpRequest, Option<Secret>), Error> {
        let mut params = Params::new();
        params.set("grant_type", "client_credentials");
        let sent = self
            .auth
            .apply(&self.client_id, &self.domain, self.clock.now(), &mut params)?;
        params.set("audience", &self.audience);
        params.opt("organization", self.organization.as_deref());
        let mut request = http::Request::post(format!("{}/oauth/token", self.base_url))
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .body(params.to_json())
            .map_err(|_| Error::InvalidBaseUrl {
                url: self.base_url.clone(),
                reason: "it does not form a valid URI",
            })?;
        self.auth.authorize_request(&self.client_id, &mut request);
        // Asking twice for a token is harmless, so 5xx and timeouts may be retried.
        request.extensions_mut().insert(Idempotent(true));
        // The token endpoint has its own rate-limit bucket: its headers must
        // not pace (or be paced by) Management API calls sharing the backend.
        request.extensions_mut().insert(Unthrottled);
        request
            .extensions_mut()
            .insert(ResponseLimit(self.response_limit));
        self.telemetry.apply(&mut request);
        Ok((request, sent))
    }

    fn transport(&self) -> Result<SharedBackend, Error> {
        if let Some(backend) = &self.backend {
            return Ok(backend.clone());
        }
        if let Some(backend) = self.default_backend.get() {
            return Ok(backend.clone());
        }
        let backend = default_retrying_backend(&self.retry)?;
        Ok(self.default_backend.get_or_init(|| backend).clone())
    }

    /// Fetch a new token now (no caching; see [`crate::CachedTokenSource`]).
    ///
    /// # Errors
    /// [`Error::Rejected`] when Auth0 refuses, [`Error::Transport`] when no
    /// answer came, [`Error::UnexpectedResponse`] for a malformed one,
    /// [`Error::NoBackend`] without a backend.
    pub async fn request_token(&self) -> Result<Token, Error> {
        let backend = self.transport()?;
        tracing::debug!(domain = %self.domain, client_id = %self.client_id, method = self.auth.method(), "requesting a client-credentials token");
        let (request, sent) = self.token_request_scrubbing()?;
        let response = backend.send(request).await?;
        // A server that echoes the request body must not put the client
        // secret (or the assertion) into our error: the parser scrubs what it keeps.
        let token = parse_scrubbing(&response, sent.as_ref().or(self.auth.client_secret()));
        match &token {
            Ok(t) => tracing::debug!(expires_in = t.expires_in, "token issued"),
            Err(e) => tracing::warn!(error = %e, "token request failed"),
        }
        token
    }
}

/// The default backend (reqwest) wrapped in the retry policy, when available.
///
/// # Errors
/// [`Error::NoBackend`] without the `reqwest` feature.
pub fn default_retrying_backend(policy: &RetryPolicy) -> Result<SharedBackend, Error> {
    let backend = auth0plus_transport::default_backend()?.ok_or(Error::NoBackend)?;
    let sleep = auth0plus_transport::default_sleep().ok_or(Error::NoBackend)?;
    Ok(SharedBackend::new(
        auth0plus_transport::Retrying::new(backend, sleep).with_policy(policy.clone()),
    ))
}

/// Fetch a Management API token for `domain`: the original auth0plus call.
///
/// Sends `POST https://{domain}/oauth/token` with the client-credentials
/// grant and the audience `https://{domain}/api/v2/`.
///
/// ```no_run
/// # async fn run() -> Result<(), auth0plus_oauth::Error> {
/// let token = auth0plus_oauth::get_token("acme.eu.auth0.com", "client-id", "client-secret").await?;
/// println!("expires in {} s", token.expires_in);
/// # Ok(()) }
/// ```
///
/// # Errors
/// As [`ClientCredentials::new`] and [`ClientCredentials::request_token`].
#[cfg(feature = "reqwest")]
pub async fn get_token(
    domain: &str,
    client_id: &str,
    client_secret: impl Into<Secret>,
) -> Result<Token, Error> {
    ClientCredentials::new(domain, client_id, client_secret)?
        .request_token()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_is_json_with_the_management_audience() {
        let c = ClientCredentials::new("acme.auth0.com", "cid", "csecret").unwrap();
        let req = c.token_request().unwrap();
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri().to_string(), "https://acme.auth0.com/oauth/token");
        assert_eq!(req.headers()["content-type"], "application/json");
        assert!(req.extensions().get::<Unthrottled>().is_some());
        assert_eq!(
            req.extensions().get::<Idempotent>(),
            Some(&Idempotent(true))
        );
        let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"grant_type":"client_credentials","client_id":"cid","client_secret":"csecret","audience":"https://acme.auth0.com/api/v2/"})
        );
    }

    #[test]
    fn bad_input_is_refused_before_sending() {
        assert!(matches!(
            ClientCredentials::new("acme.auth0.com", " ", "s"),
            Err(Error::EmptyClientId)
        ));
        assert!(matches!(
            ClientCredentials::new("acme.auth0.com", "id", ""),
            Err(Error::EmptyClientSecret)
        ));
        assert!(matches!(
            ClientCredentials::new("https://acme.auth0.com/", "id", "s"),
            Err(Error::InvalidDomain { .. })
        ));
    }
}
