//! [`MemoryCache`]: tokens kept in this process (the default).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{CacheKey, CacheLock, CachedToken, TokenCache};
use crate::Error;

/// Tokens kept in this process's memory: what a
/// [`CachedTokenSource`](crate::CachedTokenSource) uses unless given another
/// cache. Clones share it, so several clients of one process (two `Auth0`
/// values for one tenant) can share one token.
#[derive(Debug, Clone, Default)]
pub struct MemoryCache {
    inner: Arc<Mutex<Entries>>,
}

#[derive(Debug, Default)]
struct Entries {
    tokens: HashMap<CacheKey, CachedToken>,
    locks: HashMap<CacheKey, (String, Instant)>,
}

impl MemoryCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl TokenCache for MemoryCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<CachedToken>, Error> {
        Ok(self.entries().tokens.get(key).cloned())
    }

    async fn put(&self, key: &CacheKey, token: &CachedToken) -> Result<(), Error> {
        self.entries().tokens.insert(key.clone(), token.clone());
        Ok(())
    }

    async fn lock(&self, key: &CacheKey, ttl: Duration) -> Result<Option<CacheLock>, Error> {
        let mut entries = self.entries();
        let now = Instant::now();
        if entries
            .locks
            .get(key)
            .is_some_and(|(_, until)| now < *until)
        {
            return Ok(None);
        }
        let lock = CacheLock::new();
        entries
            .locks
            .insert(key.clone(), (lock.fence().to_owned(), now + ttl));
        Ok(Some(lock))
    }

    async fn unlock(&self, key: &CacheKey, lock: CacheLock) -> Result<(), Error> {
        let mut entries = self.entries();
        if entries
            .locks
            .get(key)
            .is_some_and(|(fence, _)| fence == lock.fence())
        {
            entries.locks.remove(key);
        }
        Ok(())
    }
}
