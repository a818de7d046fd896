//! [`Redis`]: the one connection a process keeps to the Redis its fleet
//! shares, for the shared rate-limit budget ([`RedisRateLimit`](crate::RedisRateLimit))
//! and the shared token cache (`RedisTokenCache` in `auth0plus-oauth`).
//!
//! Redis is a help, never a dependency: when it cannot be reached, every
//! operation answers `None` at once and the caller falls back to what it does
//! alone (its local throttle, its own token request). The outage is traced
//! once when it starts and once when it ends, not per call; while it lasts one
//! caller per second tries to reconnect and the others do not wait for it.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ::redis::aio::MultiplexedConnection;
use ::redis::{AsyncConnectionConfig, Client, RedisError, RedisResult};

use crate::{TransportError, TransportErrorKind};

/// Longest wait for a connection or an answer unless set
/// ([`Redis::timeout`]).
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// After a failure, how long Redis is left alone before one caller tries to
/// reconnect.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// A lazily connected, self-healing handle on a Redis server, shared by the
/// clones of it (one multiplexed connection per process).
///
/// `Debug` shows the key prefix, never the URL (it may hold a password).
///
/// ```
/// use auth0plus_transport::Redis;
/// let redis = Redis::open("redis://127.0.0.1:6379/").unwrap().prefix("billing");
/// assert_eq!(redis.key(&["ratelimit", "acme.eu.auth0.com"]), "billing:ratelimit:acme.eu.auth0.com");
/// ```
#[derive(Clone)]
pub struct Redis {
    inner: Arc<Inner>,
    prefix: Arc<str>,
}

struct Inner {
    client: Client,
    config: AsyncConnectionConfig,
    link: Mutex<Link>,
    /// Held by the one caller that is connecting.
    connecting: futures::lock::Mutex<()>,
}

#[derive(Default)]
struct Link {
    connection: Option<MultiplexedConnection>,
    /// No attempt to reconnect before this.
    quiet_until: Option<Instant>,
    /// Whether an outage was traced and its end is still to be.
    down: bool,
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field("prefix", &self.prefix)
            .field("connected", &self.lock().connection.is_some())
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// A handle on the Redis at `url` (`redis://[:password@]host[:port][/db]`,
    /// `rediss://` needs a TLS feature of the `redis` crate). Nothing is
    /// connected here: the first use connects. Keys start with `auth0plus`
    /// unless [`Redis::prefix`] says otherwise.
    ///
    /// # Errors
    /// An [`InvalidRequest`](TransportErrorKind::InvalidRequest) error when
    /// `url` is not a Redis URL (the message never repeats the URL, which
    /// may hold a password).
    pub fn open(url: &str) -> Result<Self, TransportError> {
        let client = Client::open(url).map_err(|e| {
            TransportError::new(
                TransportErrorKind::InvalidRequest,
                format!("not a usable Redis URL ({})", e.category()),
            )
        })?;
        Ok(Self::from_client(client).timeout(DEFAULT_REDIS_TIMEOUT))
    }

    /// A handle on an already configured `redis` client.
    #[must_use]
    pub fn from_client(client: Client) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                config: AsyncConnectionConfig::new(),
                link: Mutex::default(),
                connecting: futures::lock::Mutex::new(()),
            }),
            prefix: Arc::from("auth0plus"),
        }
    }

    /// Start every key with `prefix` (default `auth0plus`), to keep apart
    /// fleets that share a Redis.
    #[must_use]
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.prefix = Arc::from(prefix);
        self
    }

    /// Longest wait for a connection and for each answer (default 500 ms).
    /// Past it the operation counts as failed and the caller falls back.
    /// Call it before cloning: it gives this handle a connection of its own.
    #[must_use]
    pub fn timeout(self, timeout: Duration) -> Self {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        Self {
            inner: Arc::new(Inner {
                client: self.inner.client.clone(),
                config,
                link: Mutex::default(),
                connecting: futures::lock::Mutex::new(()),
            }),
            prefix: self.prefix,
        }
    }

    /// The key made of the prefix and `parts`: see [`store_key`](crate::store_key).
    #[must_use]
    pub fn key(&self, parts: &[&str]) -> String {
        let mut all = vec![&*self.prefix];
        all.extend(parts);
        crate::store_key(&all)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Link> {
        self.inner
            .link
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection, or `None` while Redis is known to be down (and another
    /// caller is reconnecting, or it is too soon to try again).
    async fn connection(&self) -> Option<MultiplexedConnection> {
        {
            let link = self.lock();
            if let Some(connection) = &link.connection {
                return Some(connection.clone());
            }
            if link.quiet_until.is_some_and(|until| Instant::now() < until) {
                return None;
            }
        }
        // One caller connects. Until Redis has failed once the others wait
        // for it (a fleet starting up must not bypass the shared budget);
        // during an outage they fall back instead of queueing.
        let _connecting = if self.is_down() {
            self.inner.connecting.try_lock()?
        } else {
            self.inner.connecting.lock().await
        };
        if let Some(connection) = &self.lock().connection {
            return Some(connection.clone());
        }
        match self
            .inner
            .client
            .get_multiplexed_async_connection_with_config(&self.inner.config)
            .await
        {
            Ok(connection) => {
                let mut link = self.lock();
                link.connection = Some(connection.clone());
                link.quiet_until = None;
                if std::mem::take(&mut link.down) {
                    tracing::info!(prefix = %self.prefix, "redis reachable again: sharing tokens and the rate limit");
                }
                Some(connection)
            }
            Err(error) => {
                self.failed(&error);
                None
            }
        }
    }

    /// Forget the connection after `error`; trace the outage if it starts now.
    fn failed(&self, error: &RedisError) {
        let mut link = self.lock();
        link.connection = None;
        link.quiet_until = Some(Instant::now() + RECONNECT_AFTER);
        if !std::mem::replace(&mut link.down, true) {
            // Kind and category only: a message could name the server.
            tracing::warn!(
                prefix = %self.prefix,
                kind = ?error.kind(),
                category = error.category(),
                "redis unreachable: falling back to the local throttle and token cache until it answers again"
            );
        }
    }

    /// Whether the last operation failed and no later one succeeded.
    #[must_use]
    pub fn is_down(&self) -> bool {
        self.lock().down
    }

    /// Run `operation` on the shared connection: its result, or `None` when
    /// Redis is down or the operation fails (which marks Redis down for a
    /// second; see the module docs).
    pub async fn run<T, F, Fut>(&self, operation: F) -> Option<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut + Send,
        Fut: Future<Output = RedisResult<T>> + Send,
        T: Send,
    {
        let connection = self.connection().await?;
        match operation(connection).await {
            Ok(value) => Some(value),
            Err(error) => {
                self.failed(&error);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parts_cannot_pose_as_two_and_the_url_is_never_shown() {
        let redis = Redis::open("redis://:hunter2@127.0.0.1:1/").unwrap();
        assert_eq!(
            redis.key(&["token", "a:b", "https://x/api/v2/", "read:users x"]),
            "auth0plus:token:a%3Ab:https%3A%2F%2Fx%2Fapi%2Fv2%2F:read%3Ausers%20x"
        );
        assert!(!format!("{redis:?}").contains("hunter2"));
        let err = Redis::open("http://:hunter2@nowhere/").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
