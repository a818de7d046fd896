//! Where the management client gets its bearer token from.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth0plus_transport::{Clock, Secret, SharedClock, SharedSleep, Sleep};

use crate::cache::{CacheKey, CachedToken, MemoryCache, SharedCache, TokenCache};
use crate::quota::QuotaGate;
use crate::{ClientCredentials, Error};

/// Default early-refresh margin of [`CachedTokenSource`].
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// A supplier of bearer tokens.
///
/// Implemented by [`StaticToken`] (a token you already have) and
/// [`CachedTokenSource`] (client credentials, fetched and refreshed as
/// needed). Implement it yourself to take tokens from a vault or another
/// process.
#[async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug + 'static {
    /// A token that is valid now.
    ///
    /// # Errors
    /// When no token can be had.
    async fn token(&self) -> Result<Secret, Error>;

    /// The API refused `rejected` (a 401): forget it if it is still the
    /// current one, so the next [`TokenSource::token`] fetches a fresh token.
    /// Comparing with the rejected token keeps concurrent 401s from causing
    /// more than one refresh.
    fn invalidate(&self, rejected: &Secret) {
        let _ = rejected;
    }
}

/// A fixed token, as in the original `Auth0(domain, token)`. It is never
/// refreshed.
#[derive(Debug, Clone)]
pub struct StaticToken(Secret);

impl StaticToken {
    /// Use `token` for every request.
    pub fn new(token: impl Into<Secret>) -> Self {
        Self(token.into())
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn token(&self) -> Result<Secret, Error> {
        Ok(self.0.clone())
    }
}

#[derive(Clone)]
struct Cached {
    token: Secret,
    refresh_at: SystemTime,
}

/// Client-credentials tokens, cached and refreshed early.
///
/// - A token is reused until `leeway` (default 60 s) before it expires.
/// - Refreshes are single-flight: however many tasks ask at once, one token
///   request is made and they all get its result. That holds for failures
///   too: the tasks that were waiting on a failed request get
///   [`Error::RefreshFailed`] instead of each asking again (100 callers with
///   a wrong secret make one token request, not 100); the next call after
///   that tries again.
/// - Fetches go through the credentials' backend, so they share its
///   connection pool and retry policy.
/// - Beyond its memory it keeps the token in a [`TokenCache`]
///   ([`CachedTokenSource::cache`]): a file or Redis lets other processes
///   reuse it, and of those that need a new one, one fetches. A cache that
///   fails never fails a call: the source fetches on its own.
/// - A refusal for a used-up M2M token quota ([`Error::QuotaExceeded`]) is
///   remembered: until the quota resets, calls fail at once without asking.
///
/// Cloning shares the cache.
///
/// ```
/// use auth0plus_oauth::{CachedTokenSource, ClientCredentials};
/// let credentials = ClientCredentials::new("acme.eu.auth0.com", "id", "secret").unwrap();
/// let source = CachedTokenSource::new(credentials).leeway(std::time::Duration::from_secs(120));
/// assert_eq!(source.fetch_count(), 0); // lazy: nothing fetched yet
/// ```
#[derive(Clone)]
pub struct CachedTokenSource {
    credentials: ClientCredentials,
    clock: SharedClock,
    leeway: Duration,
    cached: Arc<Mutex<Option<Cached>>>,
    /// Held while fetching; holds the outcome of the last fetch when it failed
    /// (its `Display` text, which never contains a secret).
    refresh: Arc<futures::lock::Mutex<Option<String>>>,
    /// Fetches completed (success or failure), bumped under `refresh`.
    completed: Arc<AtomicU64>,
    fetches: Arc<AtomicU64>,
    shared: SharedCache,
    quota: Arc<QuotaGate>,
}

impl fmt::Debug for CachedTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedTokenSource")
            .field("credentials", &self.credentials)
            .field("leeway", &self.leeway)
            .field("fetches", &self.fetch_count())
            .finish_non_exhaustive()
    }
}

impl CachedTokenSource {
    /// A cache in front of `credentials`.
    #[must_use]
    pub fn new(credentials: ClientCredentials) -> Self {
        let key = CacheKey::new(
            credentials.domain().as_str(),
            credentials.client_id(),
            credentials.audience_url(),
            None,
        );
        Self {
            shared: SharedCache::new(
                Arc::new(MemoryCache::new()),
                key,
                auth0plus_transport::default_sleep(),
            ),
            quota: Arc::default(),
            credentials,
            clock: SharedClock::default(),
            leeway: DEFAULT_LEEWAY,
            cached: Arc::default(),
            refresh: Arc::default(),
            completed: Arc::default(),
            fetches: Arc::default(),
        }
    }

    /// Refresh this long before expiry (default 60 s). For tokens that live
    /// less than twice the leeway, half their lifetime is used instead.
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Read time from `clock` (tests drive it by hand).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// Keep tokens in `cache` too (default: a [`MemoryCache`] of its own),
    /// so that other sources and processes using the same cache reuse them.
    #[must_use]
    pub fn cache(mut self, cache: impl TokenCache) -> Self {
        self.shared.cache = Arc::new(cache);
        self
    }

    /// Wait on `sleep` while another holder fetches the token (default:
    /// tokio's timer with the `reqwest` feature; without a timer the source
    /// fetches instead of waiting).
    #[must_use]
    pub fn sleep(mut self, sleep: impl Sleep) -> Self {
        self.shared.sleep = Some(SharedSleep::new(sleep));
        self
    }

    /// Longest a fetcher holds the cache's lock, and others wait for it
    /// (default [`DEFAULT_LOCK_TTL`](crate::DEFAULT_LOCK_TTL), 30 s).
    #[must_use]
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.shared.lock_ttl = ttl;
        self
    }

    /// The key its tokens are cached under.
    #[must_use]
    pub fn cache_key(&self) -> &CacheKey {
        &self.shared.key
    }

    /// The credentials behind the cache.
    #[must_use]
    pub fn credentials(&self) -> &ClientCredentials {
        &self.credentials
    }

    /// How many token requests this cache has made.
    #[must_use]
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Ask Auth0 for a token now, unless a used-up quota has not reset yet
    /// (a token another process stored in the cache is still taken).
    async fn fetch(&self) -> Result<CachedToken, Error> {
        let asked_at = self.clock.now();
        self.quota.check(asked_at)?;
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let fetched = self.credentials.request_token().await;
        self.quota.note(&fetched, asked_at);
        let token = fetched?;
        // `lifetime` is clamped to a year, but the clock is injected: never
        // panic on overflow, at worst refresh at the next call.
        let expires_at = asked_at.checked_add(token.lifetime()).unwrap_or(asked_at);
        Ok(CachedToken::new(token.access_token, expires_at))
    }

    fn fresh(&self) -> Option<Secret> {
        let now = self.clock.now();
        let cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|c| now < c.refresh_at)
            .map(|c| c.token.clone())
    }
}

#[async_trait]
impl TokenSource for CachedTokenSource {
    async fn token(&self) -> Result<Secret, Error> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        // Single flight: the first caller fetches, the rest wait here and then
        // find the fresh token, or the failure of the fetch they waited for.
        let seen = self.completed.load(Ordering::Acquire);
        let mut last_failure = self.refresh.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        if self.completed.load(Ordering::Acquire) != seen
            && let Some(failure) = last_failure.as_ref()
        {
            // A fetch finished while we waited and produced no token: asking
            // again at once would repeat it once per waiting caller.
            return Err(Error::RefreshFailed(failure.clone()));
        }
        let asked_at = self.clock.now();
        let obtained = self
            .shared
            .obtain(&self.clock, self.leeway, || self.fetch())
            .await;
        *last_failure = obtained.as_ref().err().map(ToString::to_string);
        self.completed.fetch_add(1, Ordering::Release);
        let token = obtained?;
        let left = token
            .expires_at
            .duration_since(asked_at)
            .unwrap_or_default();
        let leeway = self.leeway.min(left / 2);
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some(Cached {
            token: token.access_token.clone(),
            refresh_at: token.expires_at.checked_sub(leeway).unwrap_or(asked_at),
        });
        Ok(token.access_token)
    }

    fn invalidate(&self, rejected: &Secret) {
        self.shared.reject(rejected);
        let mut cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
        if cached.as_ref().is_some_and(|c| &c.token == rejected) {
            tracing::debug!("token rejected by the API; it will be refreshed");
            *cached = None;
        }
    }
}
