//! How a token source uses its [`TokenCache`]: take the stored token when it
//! is fresh; else one holder (of the lock) fetches and stores, and the others
//! wait for what it stores; and when the cache fails, fetch alone.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use auth0plus_transport::{Clock, Secret, SharedClock, SharedSleep, Sleep};

use super::{CacheKey, CachedToken, DEFAULT_LOCK_TTL, TokenCache};
use crate::Error;

/// How often a waiter looks for the token another holder is fetching.
const POLL: Duration = Duration::from_millis(50);

/// A token source's side of its cache.
#[derive(Debug, Clone)]
pub(crate) struct SharedCache {
    pub(crate) cache: Arc<dyn TokenCache>,
    pub(crate) key: CacheKey,
    pub(crate) sleep: Option<SharedSleep>,
    pub(crate) lock_ttl: Duration,
    /// The token the API refused last: the cache may still hold it.
    rejected: Arc<Mutex<Option<Secret>>>,
    /// Whether a failure was traced and its end is still to be.
    failing: Arc<AtomicBool>,
}

impl SharedCache {
    pub(crate) fn new(
        cache: Arc<dyn TokenCache>,
        key: CacheKey,
        sleep: Option<SharedSleep>,
    ) -> Self {
        Self {
            cache,
            key,
            sleep,
            lock_ttl: DEFAULT_LOCK_TTL,
            rejected: Arc::default(),
            failing: Arc::default(),
        }
    }

    /// Never take `token` from the cache again (the API refused it).
    pub(crate) fn reject(&self, token: &Secret) {
        *self.rejected.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
    }

    fn usable(&self, token: &CachedToken, now: SystemTime, leeway: Duration) -> bool {
        let rejected = self.rejected.lock().unwrap_or_else(PoisonError::into_inner);
        rejected.as_ref() != Some(&token.access_token)
            && token
                .expires_at
                .duration_since(now)
                .is_ok_and(|left| left > leeway)
    }

    fn failed(&self, error: &Error) {
        if !self.failing.swap(true, Ordering::Relaxed) {
            tracing::warn!(%error, "token cache failed: fetching tokens alone until it works again");
        }
    }

    fn worked(&self) {
        if self.failing.swap(false, Ordering::Relaxed) {
            tracing::info!("token cache works again");
        }
    }

    /// A token fresh for `leeway` more: from the cache, or fetched by
    /// `fetch` (once, by the holder of the lock) and stored.
    pub(crate) async fn obtain<F, Fut>(
        &self,
        clock: &SharedClock,
        leeway: Duration,
        fetch: F,
    ) -> Result<CachedToken, Error>
    where
        F: Fn() -> Fut + Send + Sync,
        Fut: Future<Output = Result<CachedToken, Error>> + Send,
    {
        let give_up = clock.now() + self.lock_ttl;
        loop {
            match self.cache.get(&self.key).await {
                Ok(Some(token)) if self.usable(&token, clock.now(), leeway) => {
                    self.worked();
                    return Ok(token);
                }
                Ok(_) => {}
                Err(error) => {
                    self.failed(&error);
                    return fetch().await;
                }
            }
            match self.cache.lock(&self.key, self.lock_ttl).await {
                Ok(Some(lock)) => {
                    self.worked();
                    // Stored between our look and our lock?
                    let stored = match self.cache.get(&self.key).await {
                        Ok(Some(token)) if self.usable(&token, clock.now(), leeway) => Some(token),
                        _ => None,
                    };
                    let outcome = match stored {
                        Some(token) => Ok(token),
                        None => {
                            let fetched = fetch().await;
                            if let Ok(token) = &fetched
                                && let Err(error) = self.cache.put(&self.key, token).await
                            {
                                self.failed(&error);
                            }
                            fetched
                        }
                    };
                    if let Err(error) = self.cache.unlock(&self.key, lock).await {
                        self.failed(&error);
                    }
                    return outcome;
                }
                Ok(None) => match &self.sleep {
                    // Another holder is fetching: wait for what it stores,
                    // unless this source cannot wait or has waited too long.
                    Some(sleep) if !sleep.is_instant() && clock.now() < give_up => {
                        sleep.sleep(POLL).await;
                    }
                    _ => return fetch().await,
                },
                Err(error) => {
                    self.failed(&error);
                    return fetch().await;
                }
            }
        }
    }
}
