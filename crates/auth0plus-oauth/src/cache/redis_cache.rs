//! [`RedisTokenCache`]: a fleet's token in its shared Redis.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use ::redis::Script;
use async_trait::async_trait;
use auth0plus_transport::Redis;

use super::{CacheKey, CacheLock, CachedToken, TokenCache};
use crate::Error;

/// Delete the lock only if it still holds our fencing value.
static UNLOCK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
    )
});

/// Tokens in Redis, shared by every process of a fleet: one of them fetches
/// (it holds `{prefix}:token-lock:{key}`, taken with `SET NX PX` and a random
/// fencing value), the others poll for what it stores at
/// `{prefix}:token:{tenant}:{client}:{audience}:{scope}`. The value is
/// `{"access_token", "expires_at"}` and expires with the token. Keys never
/// hold the secret.
///
/// When Redis cannot be reached every process fetches its own token (and
/// keeps it in memory); the outage is traced once, see
/// [`Redis`](auth0plus_transport::Redis).
///
/// ```
/// use auth0plus_oauth::{CacheKey, RedisTokenCache};
/// use auth0plus_transport::Redis;
/// let cache = RedisTokenCache::new(Redis::open("redis://127.0.0.1:6379/").unwrap());
/// let key = CacheKey::new("acme.auth0.com", "cid", "https://acme.auth0.com/api/v2/", None);
/// assert_eq!(cache.token_key(&key), "auth0plus:token:acme.auth0.com:cid:https%3A%2F%2Facme.auth0.com%2Fapi%2Fv2%2F:");
/// ```
#[derive(Debug, Clone)]
pub struct RedisTokenCache {
    redis: Redis,
}

impl RedisTokenCache {
    /// Tokens in `redis`.
    #[must_use]
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }

    /// The Redis key of `key`'s token.
    #[must_use]
    pub fn token_key(&self, key: &CacheKey) -> String {
        let mut parts = vec!["token"];
        parts.extend(key.parts());
        self.redis.key(&parts)
    }

    fn lock_key(&self, key: &CacheKey) -> String {
        let mut parts = vec!["token-lock"];
        parts.extend(key.parts());
        self.redis.key(&parts)
    }
}

fn unreachable() -> Error {
    Error::TokenCache("redis did not answer".into())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[async_trait]
impl TokenCache for RedisTokenCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<CachedToken>, Error> {
        let name = self.token_key(key);
        let stored: Option<String> = self
            .redis
            .run(|mut c| async move { ::redis::cmd("GET").arg(name).query_async(&mut c).await })
            .await
            .ok_or_else(unreachable)?;
        Ok(stored
            .and_then(|text| serde_json::from_str(&text).ok())
            .and_then(|value| CachedToken::from_json(&value)))
    }

    async fn put(&self, key: &CacheKey, token: &CachedToken) -> Result<(), Error> {
        let Ok(left) = token.expires_at.duration_since(SystemTime::now()) else {
            return Ok(()); // already expired: nothing worth sharing
        };
        let (name, value) = (self.token_key(key), token.to_json().to_string());
        self.redis
            .run(|mut c| async move {
                ::redis::cmd("SET")
                    .arg(name)
                    .arg(value)
                    .arg("PX")
                    .arg(millis(left))
                    .query_async::<()>(&mut c)
                    .await
            })
            .await
            .ok_or_else(unreachable)
    }

    async fn lock(&self, key: &CacheKey, ttl: Duration) -> Result<Option<CacheLock>, Error> {
        let lock = CacheLock::new();
        let (name, fence) = (self.lock_key(key), lock.fence().to_owned());
        let set: Option<String> = self
            .redis
            .run(|mut c| async move {
                ::redis::cmd("SET")
                    .arg(name)
                    .arg(fence)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(ttl))
                    .query_async(&mut c)
                    .await
            })
            .await
            .ok_or_else(unreachable)?;
        Ok(set.map(|_| lock))
    }

    async fn unlock(&self, key: &CacheKey, lock: CacheLock) -> Result<(), Error> {
        let name = self.lock_key(key);
        self.redis
            .run(|mut c| async move {
                UNLOCK
                    .key(name)
                    .arg(lock.fence())
                    .invoke_async::<i64>(&mut c)
                    .await
            })
            .await
            .map(drop)
            .ok_or_else(unreachable)
    }
}
