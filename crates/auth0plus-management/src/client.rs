//! [`Auth0`]: one tenant's Management API client, and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use auth0plus_oauth::{
    CachedTokenSource, ClientAuthentication, ClientCredentials, Domain, StaticToken, TokenCache,
    TokenSource,
};
use auth0plus_transport::{
    Clock, DEFAULT_RESPONSE_LIMIT, HttpBackend, RetryPolicy, Retrying, Secret, SharedBackend,
    SharedClock, SharedRateLimit, SharedSleep, Sleep, Telemetry, Throttle,
};

use crate::{Error, Result};

/// Default page size of queries (the original's `AUTH0_PER_PAGE`).
pub const DEFAULT_PER_PAGE: u32 = 50;
/// Default number of pages fetched at once when the total is known: a search
/// reaches at most 1,000 results, 10 pages of 100, so 9 pages after the first
/// finish any of them in two round trips. The throttle keeps this within the
/// tenant's rate limit.
pub const DEFAULT_PREFETCH: usize = 9;

/// A client for one tenant's Management API v2. Cheap to clone; clones share
/// the connection pool, the token cache and the retry policy.
///
/// Building it does no I/O: the first token is fetched on the first request.
///
/// ```
/// use auth0plus_management::Auth0;
/// # fn main() -> Result<(), auth0plus_management::Error> {
/// let auth0 = Auth0::builder("acme.eu.auth0.com")
///     .client_credentials("client-id", "client-secret")
///     .default_connection("Username-Password-Authentication")
///     .build()?;
/// let users = auth0.users();
/// # let _ = users; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Auth0 {
    inner: Arc<Inner>,
}

struct Inner {
    domain: Domain,
    base_url: String,
    backend: SharedBackend,
    tokens: Arc<dyn TokenSource>,
    client_id: Option<String>,
    default_connection: Option<String>,
    telemetry: Telemetry,
    sleep: SharedSleep,
    clock: SharedClock,
    per_page: u32,
    prefetch: usize,
    response_limit: Option<u64>,
}

impl fmt::Debug for Auth0 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth0")
            .field("domain", &self.inner.domain.as_str())
            .field("base_url", &self.inner.base_url)
            .field("client_id", &self.inner.client_id)
            .field("default_connection", &self.inner.default_connection)
            .field("tokens", &self.inner.tokens)
            .finish_non_exhaustive()
    }
}

enum Credentials {
    None,
    Token(Secret),
    ClientSecret {
        client_id: String,
        secret: Secret,
    },
    Client {
        client_id: String,
        auth: ClientAuthentication,
    },
    Source(Arc<dyn TokenSource>),
}

/// Builds an [`Auth0`]. Every setter is infallible; [`Auth0Builder::build`]
/// reports the first problem.
#[must_use]
pub struct Auth0Builder {
    domain: String,
    base_url: Option<String>,
    credentials: Credentials,
    client_id: Option<String>,
    default_connection: Option<String>,
    backend: Option<SharedBackend>,
    sleep: Option<SharedSleep>,
    clock: SharedClock,
    retry: RetryPolicy,
    timeout: Option<Duration>,
    telemetry: Telemetry,
    leeway: Option<Duration>,
    per_page: u32,
    prefetch: usize,
    throttle: bool,
    response_limit: Option<u64>,
    token_cache: Option<Box<dyn FnOnce(CachedTokenSource) -> CachedTokenSource + Send>>,
    shared_rate_limit: Option<Arc<dyn SharedRateLimit>>,
}

impl fmt::Debug for Auth0Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth0Builder")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl Auth0 {
    /// Start building a client for `domain` (`tenant.eu.auth0.com`).
    pub fn builder(domain: impl AsRef<str>) -> Auth0Builder {
        Auth0Builder {
            domain: domain.as_ref().to_owned(),
            base_url: None,
            credentials: Credentials::None,
            client_id: None,
            default_connection: None,
            backend: None,
            sleep: None,
            clock: SharedClock::default(),
            retry: RetryPolicy::default(),
            timeout: None,
            telemetry: Telemetry::default(),
            leeway: None,
            per_page: DEFAULT_PER_PAGE,
            prefetch: DEFAULT_PREFETCH,
            throttle: true,
            response_limit: Some(DEFAULT_RESPONSE_LIMIT),
            token_cache: None,
            shared_rate_limit: None,
        }
    }

    /// The tenant.
    #[must_use]
    pub fn domain(&self) -> &Domain {
        &self.inner.domain
    }

    /// Where requests go (`https://{domain}` unless overridden).
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The application's client id, sent where the API uses it.
    #[must_use]
    pub fn client_id(&self) -> Option<&str> {
        self.inner.client_id.as_deref()
    }

    /// The connection used when none is named.
    #[must_use]
    pub fn default_connection(&self) -> Option<&str> {
        self.inner.default_connection.as_deref()
    }

    /// The token source.
    #[must_use]
    pub fn token_source(&self) -> &Arc<dyn TokenSource> {
        &self.inner.tokens
    }

    pub(crate) fn per_page(&self) -> u32 {
        self.inner.per_page
    }

    pub(crate) fn prefetch(&self) -> usize {
        self.inner.prefetch
    }

    pub(crate) fn sleeper(&self) -> &SharedSleep {
        &self.inner.sleep
    }

    pub(crate) fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    pub(crate) fn backend(&self) -> &SharedBackend {
        &self.inner.backend
    }

    pub(crate) fn telemetry(&self) -> &Telemetry {
        &self.inner.telemetry
    }

    /// Largest response accepted, in bytes (`None`: no limit).
    pub(crate) fn response_limit(&self) -> Option<u64> {
        self.inner.response_limit
    }
}

impl Auth0Builder {
    /// Use a token you already have (the original `Auth0(domain, token)`).
    /// It is never refreshed.
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Credentials::Token(token.into());
        self
    }

    /// Fetch tokens with client credentials, cached and refreshed early.
    /// Also sets [`Self::client_id`].
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        let client_id = client_id.into();
        self.client_id.get_or_insert_with(|| client_id.clone());
        self.credentials = Credentials::ClientSecret {
            client_id,
            secret: client_secret.into(),
        };
        self
    }

    /// Fetch tokens with client credentials, authenticating with a signed
    /// assertion (`private_key_jwt`) instead of a secret. Also sets [`Self::client_id`].
    #[cfg(feature = "jwt")]
    pub fn private_key_jwt(
        self,
        client_id: impl Into<String>,
        key: auth0plus_oauth::PrivateKeyJwt,
    ) -> Self {
        self.client_authentication(client_id, ClientAuthentication::PrivateKeyJwt(key))
    }

    /// Fetch tokens with client credentials and any client authentication
    /// method (`client_secret_basic`…). Also sets [`Self::client_id`].
    pub fn client_authentication(
        mut self,
        client_id: impl Into<String>,
        auth: ClientAuthentication,
    ) -> Self {
        let client_id = client_id.into();
        self.client_id.get_or_insert_with(|| client_id.clone());
        self.credentials = Credentials::Client { client_id, auth };
        self
    }

    /// Take tokens from your own [`TokenSource`].
    pub fn token_source(mut self, source: impl TokenSource) -> Self {
        self.credentials = Credentials::Source(Arc::new(source));
        self
    }

    /// The application's client id (sent with email and phone changes, as
    /// the original did).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The connection (database) that new users go to and queries search.
    pub fn default_connection(mut self, connection: impl Into<String>) -> Self {
        self.default_connection = Some(connection.into());
        self
    }

    /// Send the Management API and `/oauth/token` to `url` instead of
    /// `https://{domain}` (the fake tenant, a proxy). Plain `http` is
    /// accepted only here.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Send through `backend` (wrapped once in the retry policy).
    pub fn backend(mut self, backend: impl HttpBackend) -> Self {
        self.backend = Some(SharedBackend::new(backend));
        self
    }

    /// The timer for retries and polling (default: tokio's, with the
    /// `reqwest` feature).
    pub fn sleep(mut self, sleep: impl Sleep) -> Self {
        self.sleep = Some(SharedSleep::new(sleep));
        self
    }

    /// The clock for token expiry and rate-limit resets.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// The retry policy for every request, token requests included. A
    /// [`Auth0Builder::timeout`] given before or after still applies.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Time allowed for each attempt (default 30 s). It overrides the retry
    /// policy's attempt timeout, whichever of the two is set first.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Pace requests by Auth0's `x-ratelimit-*` headers (default on), so bulk
    /// work runs at the tenant's rate instead of bouncing off 429s. Every
    /// clone of the client shares the pacing. See
    /// [`Throttle`](auth0plus_transport::Throttle).
    pub fn throttle(mut self, enabled: bool) -> Self {
        self.throttle = enabled;
        self
    }

    /// Keep client-credentials tokens in `cache` as well as in memory, so
    /// that other clients and processes using it reuse them and only one of
    /// them fetches (a [`FileCache`](auth0plus_oauth::FileCache) for CLIs,
    /// `RedisTokenCache` for a fleet). A cache that fails never fails a call.
    pub fn token_cache(mut self, cache: impl TokenCache) -> Self {
        self.token_cache = Some(Box::new(move |source: CachedTokenSource| {
            source.cache(cache)
        }));
        self
    }

    /// Draw from `limit`, a rate-limit budget shared by a fleet of processes
    /// (`RedisRateLimit`), before each Management API request, instead of
    /// pacing by the share this client learns alone. When the budget cannot
    /// answer, the throttle paces as without it. See
    /// [`Retrying::with_shared_rate_limit`].
    pub fn shared_rate_limit(mut self, limit: impl SharedRateLimit) -> Self {
        self.shared_rate_limit = Some(Arc::new(limit));
        self
    }

    /// Largest response accepted from the API and the token endpoint, in
    /// bytes (default [`DEFAULT_RESPONSE_LIMIT`], 32 MiB; `None` for no
    /// limit). A larger answer fails with a
    /// [`TooLarge`](auth0plus_transport::TransportErrorKind::TooLarge)
    /// [`Error::Transport`] as soon as it passes the limit, before it fills
    /// memory, and is not retried. Export files are streamed and have their
    /// own limits (see [`UserExport`](crate::UserExport)).
    pub fn max_response_bytes(mut self, limit: Option<u64>) -> Self {
        self.response_limit = limit;
        self
    }

    /// The `Auth0-Client` header ([`Telemetry::disabled`] to send none).
    pub fn telemetry(mut self, telemetry: Telemetry) -> Self {
        self.telemetry = telemetry;
        self
    }

    /// Early-refresh margin of client-credentials tokens (default 60 s).
    pub fn token_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// Default page size of queries (1 to 100; default 50).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page;
        self
    }

    /// Pages fetched at once when a query's total is known (default 9; 1
    /// fetches page after page; 0 counts as 1).
    pub fn prefetch(mut self, pages: usize) -> Self {
        self.prefetch = pages;
        self
    }

    /// Check everything and build the client. No I/O happens here.
    ///
    /// # Errors
    /// [`Error::Token`] for an invalid domain, base URL or credentials;
    /// [`Error::Config`] for missing credentials or a missing backend or timer
    /// (without the `reqwest` feature); [`Error::InvalidArgument`] for a page
    /// size outside 1..=100.
    pub fn build(self) -> Result<Auth0> {
        let domain = Domain::new(&self.domain)?;
        let base_url = match &self.base_url {
            Some(url) => auth0plus_oauth::parse_base_url(url)?,
            None => domain.base_url(),
        };
        if !(1..=100).contains(&self.per_page) {
            return Err(Error::InvalidArgument(format!(
                "per_page must be 1 to 100, not {}",
                self.per_page
            )));
        }
        let sleep = match self.sleep {
            Some(sleep) => sleep,
            None => auth0plus_transport::default_sleep().ok_or_else(|| {
                Error::Config("no timer: pass .sleep(..) or enable the `reqwest` feature".into())
            })?,
        };
        let raw = match self.backend {
            Some(backend) => backend,
            None => auth0plus_transport::default_backend()?.ok_or_else(|| {
                Error::Config(
                    "no HTTP backend: pass .backend(..) or enable the `reqwest` feature".into(),
                )
            })?,
        };
        let mut policy = self.retry;
        if let Some(timeout) = self.timeout {
            policy = policy.attempt_timeout(Some(timeout));
        }
        let mut retrying = Retrying::new(raw, sleep.clone())
            .with_policy(policy)
            .with_clock(self.clock.clone());
        if self.throttle {
            retrying = retrying.with_throttle(Throttle::new());
        }
        if let Some(limit) = self.shared_rate_limit {
            retrying = retrying.with_shared_rate_limit(limit);
        }
        let backend = SharedBackend::new(retrying);
        let token_cache = self.token_cache;
        let cached =
            |client_id: &str, auth: ClientAuthentication| -> Result<Arc<dyn TokenSource>> {
                let credentials = ClientCredentials::with_authentication(&domain, client_id, auth)?
                    .clock(self.clock.clone())
                    .base_url(&base_url)?
                    .shared_backend(backend.clone())
                    .max_response_bytes(self.response_limit)
                    .telemetry(self.telemetry.clone());
                let mut source = CachedTokenSource::new(credentials)
                    .clock(self.clock.clone())
                    .sleep(sleep.clone());
                if let Some(leeway) = self.leeway {
                    source = source.leeway(leeway);
                }
                if let Some(with_cache) = token_cache {
                    source = with_cache(source);
                }
                Ok(Arc::new(source))
            };
        let tokens: Arc<dyn TokenSource> = match self.credentials {
            Credentials::None => {
                return Err(Error::Config(
                    "no credentials: call .token(..), .client_credentials(..) or .token_source(..)"
                        .into(),
                ));
            }
            Credentials::Token(token) => {
                if token.is_empty() {
                    return Err(Error::Config("the token is empty".into()));
                }
                Arc::new(StaticToken::new(token))
            }
            Credentials::ClientSecret { client_id, secret } => {
                cached(&client_id, ClientAuthentication::ClientSecretPost(secret))?
            }
            Credentials::Client { client_id, auth } => cached(&client_id, auth)?,
            Credentials::Source(source) => source,
        };
        Ok(Auth0 {
            inner: Arc::new(Inner {
                domain,
                base_url,
                backend,
                tokens,
                client_id: self.client_id.filter(|c| !c.is_empty()),
                default_connection: self.default_connection.filter(|c| !c.is_empty()),
                telemetry: self.telemetry,
                sleep,
                clock: self.clock,
                per_page: self.per_page,
                prefetch: self.prefetch.max(1),
                response_limit: self.response_limit,
            }),
        })
    }
}
