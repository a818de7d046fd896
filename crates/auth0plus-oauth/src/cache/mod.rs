//! [`TokenCache`]: where a [`CachedTokenSource`](crate::CachedTokenSource)
//! keeps its token beyond its own memory, so that other processes (a fleet's
//! workers, the next run of a CLI) reuse it instead of each asking Auth0:
//! Auth0 counts machine-to-machine tokens against a monthly allotment and can
//! enforce hourly and daily quotas.
//!
//! - [`MemoryCache`] (the default): this process only, as before.
//! - [`FileCache`]: one file per tenant + client + audience + scope, written
//!   atomically and readable by its owner only: CLIs and cron jobs.
//! - `RedisTokenCache` (feature `redis`): a fleet's shared Redis.
//!
//! A cache also hands out a lock, so that of all the processes that find no
//! token, one fetches and the others wait for what it stores. Keys name the
//! tenant, client, audience and scope, never the secret; values hold the
//! token and its expiry only.

use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth0plus_transport::Secret;

use crate::Error;

mod file;
mod memory;
#[cfg(feature = "redis")]
mod redis_cache;
mod shared;

pub use file::FileCache;
pub use memory::MemoryCache;
#[cfg(feature = "redis")]
pub use redis_cache::RedisTokenCache;
pub(crate) use shared::SharedCache;

/// Longest a fetcher holds the lock: past it (a process that died mid-fetch)
/// another may fetch.
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);

/// A store for tokens that outlives one [`CachedTokenSource`](crate::CachedTokenSource)
/// (see the module docs). Implement it to keep tokens elsewhere (a database,
/// a secrets manager).
///
/// Every method may fail; the token source then fetches on its own and
/// traces the failure once, so a cache never fails a call.
#[async_trait]
pub trait TokenCache: Send + Sync + fmt::Debug + 'static {
    /// The token stored under `key`, if any (it may have expired: the caller
    /// checks).
    ///
    /// # Errors
    /// [`Error::TokenCache`] when the store cannot be read.
    async fn get(&self, key: &CacheKey) -> Result<Option<CachedToken>, Error>;

    /// Store `token` under `key`, until it expires.
    ///
    /// # Errors
    /// [`Error::TokenCache`] when the store cannot be written.
    async fn put(&self, key: &CacheKey, token: &CachedToken) -> Result<(), Error>;

    /// Become the one holder that fetches a token for `key`, for at most
    /// `ttl`: `Some` lock, or `None` while another holds it.
    ///
    /// # Errors
    /// [`Error::TokenCache`] when the store cannot be reached.
    async fn lock(&self, key: &CacheKey, ttl: Duration) -> Result<Option<CacheLock>, Error>;

    /// Give `lock` back, if it is still the one held (its fencing value
    /// matches): a lock that expired and was taken by another stays theirs.
    ///
    /// # Errors
    /// [`Error::TokenCache`] when the store cannot be reached.
    async fn unlock(&self, key: &CacheKey, lock: CacheLock) -> Result<(), Error>;
}

/// What a token is cached under: tenant, client, audience and scope. Never
/// the secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    tenant: String,
    client_id: String,
    audience: String,
    scope: String,
}

impl CacheKey {
    /// The key of tokens for `client_id` on `tenant`, for `audience` and
    /// `scope` (empty: what the client is granted).
    #[must_use]
    pub fn new(tenant: &str, client_id: &str, audience: &str, scope: Option<&str>) -> Self {
        Self {
            tenant: tenant.to_owned(),
            client_id: client_id.to_owned(),
            audience: audience.to_owned(),
            scope: scope.unwrap_or_default().to_owned(),
        }
    }

    /// Its parts, in order: tenant, client id, audience, scope.
    #[must_use]
    pub fn parts(&self) -> [&str; 4] {
        [&self.tenant, &self.client_id, &self.audience, &self.scope]
    }

    /// One string naming it, each part percent-encoded (all but ASCII
    /// letters, digits and `.-_`) and joined by `:`, so that no part can pose
    /// as two.
    ///
    /// ```
    /// use auth0plus_oauth::CacheKey;
    /// let key = CacheKey::new("acme.auth0.com", "cid", "https://acme.auth0.com/api/v2/", None);
    /// assert_eq!(key.id(), "acme.auth0.com:cid:https%3A%2F%2Facme.auth0.com%2Fapi%2Fv2%2F:");
    /// ```
    #[must_use]
    pub fn id(&self) -> String {
        auth0plus_transport::store_key(&self.parts())
    }
}

/// A cached token: the bearer token and when it expires. `Debug` never shows
/// the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedToken {
    /// The bearer token.
    pub access_token: Secret,
    /// When it expires.
    pub expires_at: SystemTime,
}

impl CachedToken {
    /// `access_token`, expiring at `expires_at`.
    #[must_use]
    pub fn new(access_token: Secret, expires_at: SystemTime) -> Self {
        Self {
            access_token,
            expires_at,
        }
    }

    /// Milliseconds since the Unix epoch of its expiry (0 before it).
    #[must_use]
    pub fn expires_at_ms(&self) -> u64 {
        epoch_ms(self.expires_at)
    }

    /// The stored form: `{"access_token": .., "expires_at": epoch ms}`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "access_token": self.access_token.expose(),
            "expires_at": self.expires_at_ms(),
        })
    }

    /// Read the stored form; `None` for anything else.
    pub(crate) fn from_json(value: &serde_json::Value) -> Option<Self> {
        let token = value.get("access_token")?.as_str()?;
        let at = value.get("expires_at")?.as_u64()?;
        if token.trim().is_empty() || http::HeaderValue::from_str(token).is_err() {
            return None;
        }
        Some(Self {
            access_token: Secret::new(token),
            expires_at: SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(at))?,
        })
    }
}

pub(crate) fn epoch_ms(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A held fetch lock, with its fencing value (random, unique to this holder):
/// only the holder whose value is still stored can release it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheLock {
    fence: String,
}

impl CacheLock {
    /// A lock with a fresh random fencing value.
    #[must_use]
    pub fn new() -> Self {
        Self {
            fence: format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..)),
        }
    }

    /// Its fencing value.
    #[must_use]
    pub fn fence(&self) -> &str {
        &self.fence
    }
}

impl Default for CacheLock {
    fn default() -> Self {
        Self::new()
    }
}
