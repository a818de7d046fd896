//! [`SharedRateLimit`]: a rate-limit budget kept outside the process, which a
//! fleet of processes draws from before sending, instead of each learning its
//! share of the tenant's bucket on its own (the [`Throttle`](crate::Throttle)).
//!
//! The retry layer asks it first; when it cannot answer (its store is down),
//! the request is paced by the local throttle instead, so a shared budget
//! that fails never fails a call.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use http::{HeaderMap, StatusCode};

/// A rate-limit budget shared by every process that uses the same store
/// (see `RedisRateLimit`, feature `redis`).
///
/// [`Retrying::with_shared_rate_limit`](crate::Retrying::with_shared_rate_limit)
/// asks it before each request to the rate-limited API and feeds every answer
/// back. Implementations must answer quickly and never block: a store that is
/// slow or unreachable answers `None`, and the request falls back to the
/// local [`Throttle`](crate::Throttle).
#[async_trait]
pub trait SharedRateLimit: Send + Sync + fmt::Debug + 'static {
    /// Leave to send one request now, or how long to wait before asking
    /// again; `None` when the shared store cannot be reached (the caller
    /// falls back to its local throttle).
    async fn acquire(&self) -> Option<SharedAcquire>;

    /// Feed the answer to a request sent with `grant` back: its status and
    /// the `x-ratelimit-*` headers seed and correct the shared budget.
    async fn observe(&self, grant: &SharedGrant, status: StatusCode, headers: &HeaderMap);

    /// The request sent with `grant` got no answer (a connection failure, a
    /// timeout): it is no longer in flight.
    async fn release(&self, grant: &SharedGrant) {
        let _ = grant;
    }

    /// How long a request that got a 429 waits before it asks again: one
    /// refill slot at the rate known, at most a second; `None` when no rate
    /// is known yet.
    fn retry_wait(&self) -> Option<Duration> {
        None
    }
}

/// The answer of [`SharedRateLimit::acquire`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum SharedAcquire {
    /// Send after this long (zero: now), then feed the answer back with this
    /// grant. The slot is reserved: do not ask again.
    Granted(SharedGrant, Duration),
    /// Ask again after this long.
    Wait(Duration),
}

/// Leave to send one request, from a [`SharedRateLimit`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharedGrant {
    probe: bool,
}

impl SharedGrant {
    /// A grant; `probe` when the request goes ahead alone to learn how full
    /// the bucket is (its answer may raise the budget, not only lower it).
    #[must_use]
    pub fn new(probe: bool) -> Self {
        Self { probe }
    }

    /// Whether this request is a probe.
    #[must_use]
    pub fn is_probe(&self) -> bool {
        self.probe
    }
}
