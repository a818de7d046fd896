//! [`AuthenticationClient`]: one application's handle on the Authentication
//! API, and the one path every call of it takes to the network.

use std::fmt;
use std::sync::{Arc, OnceLock};

use auth0plus_transport::{
    Bytes, Clock, DEFAULT_RESPONSE_LIMIT, HttpBackend, HttpRequest, HttpResponse,
    RateLimitIsAnswer, ResponseLimit, RetryPolicy, Scrubber, Secret, SharedBackend, SharedClock,
    SharedSleep, Sleep, Telemetry,
};
use http::{HeaderName, HeaderValue, Method};

#[cfg(feature = "jwt")]
use crate::PrivateKeyJwt;
use crate::credentials::default_retrying_backend;
use crate::domain::parse_base_url;
use crate::form::Params;
use crate::{ClientAuthentication, Domain, Error, response};

/// A client of Auth0's Authentication API for one application: every grant,
/// sign-up, passwordless, MFA, device and back-channel logins, `/userinfo`,
/// revocation, and the `/authorize` and logout URLs; with the `aws-lc-rs`
/// feature, ID-token verification against the tenant's keys.
///
/// Cheap to clone (an `Arc` inside); every future it returns is `Send`.
///
/// ```no_run
/// use auth0plus_oauth::AuthenticationClient;
/// # async fn run() -> Result<(), auth0plus_oauth::Error> {
/// let auth = AuthenticationClient::builder("acme.eu.auth0.com", "my-client-id")
///     .client_secret("my-client-secret")
///     .build()?;
/// let tokens = auth
///     .password("ada@example.com", "correct horse battery staple")
///     .realm("Username-Password-Authentication")
///     .scope("openid profile email offline_access")
///     .send()
///     .await?;
/// let refreshed = auth.refresh_token(tokens.refresh_token.as_ref().unwrap()).send().await?;
/// # let _ = refreshed; Ok(()) }
/// ```
#[derive(Clone)]
pub struct AuthenticationClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) domain: Domain,
    pub(crate) base_url: String,
    pub(crate) client_id: String,
    pub(crate) auth: ClientAuthentication,
    backend: Option<SharedBackend>,
    default_backend: OnceLock<SharedBackend>,
    retry: RetryPolicy,
    sleep: Option<SharedSleep>,
    pub(crate) clock: SharedClock,
    telemetry: Telemetry,
    response_limit: Option<u64>,
    #[cfg(feature = "jwt")]
    pub(crate) jwks: OnceLock<crate::verify::JwksCache>,
}

impl fmt::Debug for AuthenticationClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticationClient")
            .field("domain", &self.inner.domain)
            .field("client_id", &self.inner.client_id)
            .field("authentication", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

/// Builds an [`AuthenticationClient`]; [`Self::build`] checks everything.
#[must_use]
pub struct AuthenticationClientBuilder {
    domain: String,
    client_id: String,
    auth: ClientAuthentication,
    base_url: Option<String>,
    backend: Option<SharedBackend>,
    retry: RetryPolicy,
    sleep: Option<SharedSleep>,
    clock: SharedClock,
    telemetry: Telemetry,
    response_limit: Option<u64>,
}

impl fmt::Debug for AuthenticationClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticationClientBuilder")
            .field("domain", &self.domain)
            .field("client_id", &self.client_id)
            .field("authentication", &self.auth)
            .finish_non_exhaustive()
    }
}

impl AuthenticationClient {
    /// Start building a client for application `client_id` of tenant `domain`.
    /// Without a client authentication method it is a public client.
    pub fn builder(
        domain: impl Into<String>,
        client_id: impl Into<String>,
    ) -> AuthenticationClientBuilder {
        AuthenticationClientBuilder {
            domain: domain.into(),
            client_id: client_id.into(),
            auth: ClientAuthentication::None,
            base_url: None,
            backend: None,
            retry: RetryPolicy::default(),
            sleep: None,
            clock: SharedClock::default(),
            telemetry: Telemetry::default(),
            response_limit: Some(DEFAULT_RESPONSE_LIMIT),
        }
    }

    /// The tenant.
    #[must_use]
    pub fn domain(&self) -> &Domain {
        &self.inner.domain
    }

    /// The application's client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// How the application authenticates.
    #[must_use]
    pub fn authentication(&self) -> &ClientAuthentication {
        &self.inner.auth
    }

    /// Where requests go (`https://{domain}` unless overridden).
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The tenant as token issuer: `https://{domain}/`.
    #[must_use]
    pub fn issuer(&self) -> String {
        format!("https://{}/", self.inner.domain)
    }

    pub(crate) fn backend(&self) -> Result<SharedBackend, Error> {
        if let Some(backend) = &self.inner.backend {
            return Ok(backend.clone());
        }
        if let Some(backend) = self.inner.default_backend.get() {
            return Ok(backend.clone());
        }
        let backend = default_retrying_backend(&self.inner.retry)?;
        Ok(self.inner.default_backend.get_or_init(|| backend).clone())
    }

    pub(crate) fn sleeper(&self) -> Result<SharedSleep, Error> {
        self.inner
            .sleep
            .clone()
            .or_else(auth0plus_transport::default_sleep)
            .ok_or_else(|| {
                Error::InvalidArgument(
                    "no timer to wait between polls: pass .sleep(..) or enable the `reqwest` feature".into(),
                )
            })
    }

    /// `{base_url}{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base_url)
    }

    fn finish(&self, mut request: HttpRequest) -> HttpRequest {
        request
            .extensions_mut()
            .insert(ResponseLimit(self.inner.response_limit));
        self.inner.telemetry.apply(&mut request);
        request
    }

    /// Build a POST of `call`, authenticating the client when asked.
    pub(crate) fn build_post(&self, call: Call) -> Result<(HttpRequest, Scrubber), Error> {
        let Call {
            path,
            mut params,
            authenticate,
            json,
            headers,
        } = call;
        params.check()?;
        let mut sent_secret = None;
        if authenticate {
            sent_secret = self.inner.auth.apply(
                &self.inner.client_id,
                &self.inner.domain,
                self.inner.clock.now(),
                &mut params,
            )?;
        } else {
            params.set("client_id", &self.inner.client_id);
        }
        let (body, content_type) = if json {
            (params.to_json(), "application/json")
        } else {
            (params.to_form(), "application/x-www-form-urlencoded")
        };
        let mut builder = http::Request::post(self.url(path))
            .header(http::header::CONTENT_TYPE, content_type)
            .header(http::header::ACCEPT, "application/json");
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        let mut request = builder.body(body).map_err(|_| Error::InvalidBaseUrl {
            url: self.inner.base_url.clone(),
            reason: "it does not form a valid URI",
        })?;
        if authenticate {
            self.inner
                .auth
                .authorize_request(&self.inner.client_id, &mut request);
        }
        // A 429 from the Authentication API is often not a rate limit to wait
        // out: `too_many_attempts` (a blocked account), `slow_down` (a poll).
        // It reaches the caller at once, rate-limit headers in the error.
        request.extensions_mut().insert(RateLimitIsAnswer);
        let mut secrets: Vec<Secret> = params.secrets().to_vec();
        secrets.extend(sent_secret);
        secrets.extend(self.inner.auth.client_secret().cloned());
        Ok((self.finish(request), Scrubber::new(&secrets)))
    }

    /// Send `call` as a POST.
    pub(crate) async fn post(&self, call: Call) -> Result<(HttpResponse, Scrubber), Error> {
        let backend = self.backend()?;
        let path = call.path;
        let (request, scrubber) = self.build_post(call)?;
        tracing::debug!(path, client_id = %self.inner.client_id, "authentication API call");
        let response = backend.send(request).await?;
        if !response.status().is_success() {
            tracing::debug!(
                path,
                status = response.status().as_u16(),
                "authentication API refused"
            );
        }
        Ok((response, scrubber))
    }

    /// Send a GET of `path` with a bearer token.
    pub(crate) async fn get(
        &self,
        path: &str,
        bearer: Option<&Secret>,
    ) -> Result<HttpResponse, Error> {
        let backend = self.backend()?;
        let mut request = http::Request::builder()
            .method(Method::GET)
            .uri(self.url(path))
            .header(http::header::ACCEPT, "application/json")
            .body(Bytes::new())
            .map_err(|_| Error::InvalidBaseUrl {
                url: self.inner.base_url.clone(),
                reason: "it does not form a valid URI",
            })?;
        if let Some(token) = bearer {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    Error::InvalidArgument(
                        "the token holds characters a header cannot carry".into(),
                    )
                })?;
            value.set_sensitive(true);
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, value);
        }
        Ok(backend.send(self.finish(request)).await?)
    }

    /// Revoke a refresh token (`POST /oauth/revoke`): it, and the access
    /// tokens it would have refreshed, stop working.
    ///
    /// # Errors
    /// [`Error::Rejected`] when Auth0 refuses (an unknown client, a token of
    /// another application), [`Error::Transport`] when no answer came.
    pub async fn revoke_refresh_token(&self, refresh_token: &Secret) -> Result<(), Error> {
        let mut params = Params::new();
        params.secret("token", refresh_token);
        let (response, scrubber) = self.post(Call::form("/oauth/revoke", params, true)).await?;
        response::success(&response, &scrubber)
    }
}

/// One POST to the Authentication API, before client authentication.
pub(crate) struct Call {
    pub path: &'static str,
    pub params: Params,
    pub authenticate: bool,
    pub json: bool,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Call {
    pub(crate) fn form(path: &'static str, params: Params, authenticate: bool) -> Self {
        Self {
            path,
            params,
            authenticate,
            json: false,
            headers: Vec::new(),
        }
    }

    pub(crate) fn json(path: &'static str, params: Params, authenticate: bool) -> Self {
        Self {
            json: true,
            ..Self::form(path, params, authenticate)
        }
    }
}

impl AuthenticationClientBuilder {
    /// Authenticate with `client_secret` in the body (`client_secret_post`).
    pub fn client_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.auth = ClientAuthentication::ClientSecretPost(secret.into());
        self
    }

    /// Authenticate with HTTP Basic (`client_secret_basic`).
    pub fn client_secret_basic(mut self, secret: impl Into<Secret>) -> Self {
        self.auth = ClientAuthentication::ClientSecretBasic(secret.into());
        self
    }

    /// Authenticate with a signed assertion (`private_key_jwt`).
    #[cfg(feature = "jwt")]
    pub fn private_key_jwt(mut self, key: PrivateKeyJwt) -> Self {
        self.auth = ClientAuthentication::PrivateKeyJwt(key);
        self
    }

    /// Any client authentication method.
    pub fn authentication(mut self, auth: ClientAuthentication) -> Self {
        self.auth = auth;
        self
    }

    /// Send to `url` instead of `https://{domain}` (the fake tenant, a proxy).
    /// Tokens still name the real domain as issuer and audience.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Send through `backend` as given (wrap it in
    /// [`Retrying`](auth0plus_transport::Retrying) for retries).
    pub fn backend(mut self, backend: impl HttpBackend) -> Self {
        self.backend = Some(SharedBackend::new(backend));
        self
    }

    /// Send through an already shared backend.
    pub fn shared_backend(mut self, backend: SharedBackend) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Retry policy of the default backend (ignored with [`Self::backend`]).
    /// Grants are never retried once they may have reached Auth0 (a code or a
    /// rotating refresh token works once), and a 429 comes back at once as an
    /// error with its rate-limit headers: from this API it is often not a
    /// rate limit (`too_many_attempts`, `slow_down`), and a login must not
    /// hang for a minute.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The timer device and back-channel polling waits on (tokio's by default).
    pub fn sleep(mut self, sleep: impl Sleep) -> Self {
        self.sleep = Some(SharedSleep::new(sleep));
        self
    }

    /// Read time from `clock` (assertions' `iat`/`exp`, polling deadlines, token checks).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// The `Auth0-Client` header to send (or [`Telemetry::disabled`]).
    pub fn telemetry(mut self, telemetry: Telemetry) -> Self {
        self.telemetry = telemetry;
        self
    }

    /// Largest answer accepted, in bytes (default 32 MiB).
    pub fn max_response_bytes(mut self, limit: Option<u64>) -> Self {
        self.response_limit = limit;
        self
    }

    /// Check and build.
    ///
    /// # Errors
    /// [`Error::InvalidDomain`], [`Error::InvalidBaseUrl`],
    /// [`Error::EmptyClientId`], [`Error::EmptyClientSecret`].
    pub fn build(self) -> Result<AuthenticationClient, Error> {
        let domain = Domain::new(&self.domain)?;
        if self.client_id.trim().is_empty() {
            return Err(Error::EmptyClientId);
        }
        self.auth.validate()?;
        let base_url = match &self.base_url {
            Some(url) => parse_base_url(url)?,
            None => domain.base_url(),
        };
        Ok(AuthenticationClient {
            inner: Arc::new(Inner {
                domain,
                base_url,
                client_id: self.client_id,
                auth: self.auth,
                backend: self.backend,
                default_backend: OnceLock::new(),
                retry: self.retry,
                sleep: self.sleep,
                clock: self.clock,
                telemetry: self.telemetry,
                response_limit: self.response_limit,
                #[cfg(feature = "jwt")]
                jwks: OnceLock::new(),
            }),
        })
    }
}
