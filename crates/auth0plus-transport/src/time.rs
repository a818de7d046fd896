//! Injected time: a clock to read and a timer to wait on.
//!
//! Nothing in auth0plus reads the system clock or sleeps directly, so token
//! expiry, backoff and rate-limit waits are testable without real waiting and
//! any async runtime can supply the timer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A boxed, `Send` future that completes after a sleep.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A runtime-agnostic timer.
///
/// Dropping the returned future must cancel the wait.
pub trait Sleep: Send + Sync + fmt::Debug + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;

    /// Whether every sleep completes at once (as with [`NoSleep`]).
    ///
    /// Such a timer cannot measure time: racing a request against it would
    /// fail every request that is not ready on its first poll, and waiting on
    /// it in a loop would spin. The retry layer therefore applies no attempt
    /// timeouts and no throttle waits with an instant timer. Real timers keep
    /// the default, `false`.
    fn is_instant(&self) -> bool {
        false
    }
}

/// The current wall-clock time (rate-limit resets are epoch seconds).
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A shared [`Sleep`].
#[derive(Clone, Debug)]
pub struct SharedSleep(Arc<dyn Sleep>);

impl SharedSleep {
    /// Erase `sleep`.
    pub fn new(sleep: impl Sleep) -> Self {
        Self(Arc::new(sleep))
    }
}

impl Sleep for SharedSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.0.sleep(duration)
    }

    fn is_instant(&self) -> bool {
        self.0.is_instant()
    }
}

/// A shared [`Clock`].
#[derive(Clone, Debug)]
pub struct SharedClock(Arc<dyn Clock>);

impl SharedClock {
    /// Erase `clock`.
    pub fn new(clock: impl Clock) -> Self {
        Self(Arc::new(clock))
    }
}

impl Default for SharedClock {
    fn default() -> Self {
        Self::new(SystemClock)
    }
}

impl Clock for SharedClock {
    fn now(&self) -> SystemTime {
        self.0.now()
    }
}

/// The tokio timer.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

#[cfg(feature = "tokio")]
impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The default timer: tokio's when the `tokio` feature is on.
#[must_use]
pub fn default_sleep() -> Option<SharedSleep> {
    #[cfg(feature = "tokio")]
    {
        Some(SharedSleep::new(TokioSleep))
    }
    #[cfg(not(feature = "tokio"))]
    {
        None
    }
}

/// A timer for runtimes without one: every sleep completes at once.
///
/// With it there are **no attempt timeouts and no waits**: an attempt runs
/// as long as the backend takes (the policy's attempt timeout is ignored),
/// retries happen back to back, and a [`Throttle`](crate::Throttle) never
/// holds a request back. That suits tests, and backends that enforce their own
/// timeouts with retries turned off; supply a real [`Sleep`] otherwise.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSleep;

impl Sleep for NoSleep {
    fn sleep(&self, _duration: Duration) -> SleepFuture {
        Box::pin(std::future::ready(()))
    }

    fn is_instant(&self) -> bool {
        true
    }
}

/// Seconds since the Unix epoch of `time` (0 before the epoch).
#[must_use]
pub fn epoch_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
