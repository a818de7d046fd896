//! The retry policy, as a backend that wraps another backend.
//!
//! One policy serves the token endpoint and the Management API alike, because
//! both go through [`Retrying`]. What it does, in order of precedence:
//!
//! | outcome | retried? | wait |
//! |---|---|---|
//! | `429 Too Many Requests` | always (the server did nothing) | `Retry-After` (seconds or HTTP date), else `x-ratelimit-reset` − now, else backoff |
//! | connect failure | always (nothing was sent) | backoff |
//! | `408`, `500`, `502`, `503`, `504` | idempotent requests only | backoff |
//! | timeout, connection lost after sending | idempotent requests only | backoff |
//! | any other status, incl. `409 Conflict` | never | — |
//!
//! "Idempotent" means every method but `POST`, unless the request carries an
//! [`Idempotent`](crate::Idempotent) hint: a `POST /users` that may have
//! reached Auth0 is never sent twice, so a lost response cannot create a
//! duplicate user. Backoff is exponential with full jitter. No sleep follows
//! the last attempt, a rate-limit wait longer than
//! [`RetryPolicy::max_rate_limit_wait`] is not slept at all (the 429 is
//! returned at once), and dropping the future cancels any wait.
//!
//! Attempts count failures. 429s are bounded in time instead, by
//! [`RetryPolicy::rate_limit_budget`]: throttle waits, 429 sleeps and the
//! round trips that got them all come out of it.
//!
//! A wait the server asks for (`Retry-After`, `x-ratelimit-reset`) is clamped
//! to at most one hour, even under [`RetryPolicy::patient`], and every wait is
//! computed with saturating arithmetic: no header value can make the client
//! panic or sleep for centuries.

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use futures::future::{Either, select};
use futures::stream::{self, StreamExt as _};
use http::{HeaderMap, StatusCode};
use tracing::Instrument as _;

use crate::shared_limit::{SharedAcquire, SharedGrant, SharedRateLimit};
use crate::throttle::{Acquire, Permit, Throttle};
use crate::time::{Clock, SharedClock, SharedSleep, Sleep, epoch_seconds};
use crate::{
    AttemptTimeout, HttpBackend, HttpRequest, HttpResponse, RateLimitIsAnswer, ResponseLimit,
    StreamingResponse, TransportError, Unthrottled, is_idempotent,
};

/// The longest wait a server can ask for: `Retry-After` or
/// `x-ratelimit-reset` beyond it is read as this.
const MAX_SERVER_WAIT: Duration = Duration::from_secs(60 * 60);

/// The least a 429 costs the rate-limit budget.
const MIN_CHARGE: Duration = Duration::from_millis(1);

/// How many times to try and how long to wait in between.
///
/// Attempts count failures; rate-limit waits (429s and throttle pacing) are
/// bounded by time instead, [`RetryPolicy::rate_limit_budget`].
///
/// ```
/// use std::time::Duration;
/// use auth0plus_transport::RetryPolicy;
/// let policy = RetryPolicy::default()
///     .max_attempts(6)
///     .base_delay(Duration::from_millis(100))
///     .max_rate_limit_wait(Some(Duration::from_secs(120)))
///     .rate_limit_budget(Duration::from_secs(300));
/// assert_eq!(policy.attempts(), 6);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_rate_limit_wait: Option<Duration>,
    rate_limit_budget: Duration,
    attempt_timeout: Option<Duration>,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 250 ms up to 10 s, rate-limit waits up to
    /// 60 s each and 60 s in all, 30 s per attempt.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            max_rate_limit_wait: Some(Duration::from_secs(60)),
            rate_limit_budget: Duration::from_secs(60),
            attempt_timeout: Some(Duration::from_secs(30)),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries and no rate-limit waits (the attempt timeout
    /// still applies).
    #[must_use]
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            rate_limit_budget: Duration::ZERO,
            ..Self::default()
        }
    }

    /// For bulk jobs: 10 attempts, and rate-limit waits as long as the server
    /// asks (a `Retry-After` or reset beyond one hour is read as one hour),
    /// up to two hours in all.
    #[must_use]
    pub fn patient() -> Self {
        Self {
            max_attempts: 10,
            max_rate_limit_wait: None,
            rate_limit_budget: MAX_SERVER_WAIT * 2,
            ..Self::default()
        }
    }

    /// Total attempts, including the first (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// First backoff ceiling; it doubles with each retry.
    #[must_use]
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Largest backoff ceiling.
    #[must_use]
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Longest rate-limit wait worth sleeping; `None` waits as long as the
    /// server says.
    #[must_use]
    pub fn max_rate_limit_wait(mut self, wait: Option<Duration>) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// The most time one call spends on the rate limit, all together: waits
    /// for the throttle, sleeps after 429s and the round trips that got them.
    /// A 429 whose wait would go past it is returned; a throttle wait that
    /// would, is skipped (the request goes and the server decides). 429s do
    /// not count as attempts: the server did nothing, so retrying is safe,
    /// and a busy tenant slows a call down instead of failing it.
    #[must_use]
    pub fn rate_limit_budget(mut self, budget: Duration) -> Self {
        self.rate_limit_budget = budget;
        self
    }

    /// Time allowed for one attempt (connect + response); `None` for no limit.
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Total attempts.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Time allowed for one attempt.
    #[must_use]
    pub fn timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// Full-jitter backoff before retry number `retry` (1-based).
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(
                1u32.checked_shl(retry.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// Rate-limit information from Auth0's `x-ratelimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimitInfo {
    /// `x-ratelimit-limit`: the bucket size.
    pub limit: Option<u64>,
    /// `x-ratelimit-remaining`: requests left in the bucket.
    pub remaining: Option<u64>,
    /// `x-ratelimit-reset`: Unix time (seconds) when the bucket next refills.
    pub reset: Option<u64>,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// `Retry-After` given as an HTTP date: Unix time (seconds) to wait until.
    pub retry_at: Option<u64>,
}

impl RateLimitInfo {
    /// Read the headers; `None` when none of them is present.
    ///
    /// A number too large for `u64` reads as `u64::MAX` (and so as the
    /// longest wait, see [`RateLimitInfo::wait`]), not as no header: a server
    /// asking for an absurd wait is asking to wait. `Retry-After` may also be
    /// an HTTP date (RFC 9110 §10.2.3), read into [`RateLimitInfo::retry_at`].
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let number = |name: &str| text(name).and_then(saturating_number);
        let retry_at = text("retry-after")
            .filter(|v| saturating_number(v).is_none())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .map(|at| epoch_seconds(at).max(1));
        let info = Self {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            reset: number("x-ratelimit-reset"),
            retry_after: number("retry-after"),
            retry_at,
        };
        (info != Self::default()).then_some(info)
    }

    /// How long the server asks us to wait, measured from `now`, clamped to
    /// at most one hour (the headers are the server's to set, and a huge value
    /// must not stall or break the client).
    #[must_use]
    pub fn wait(&self, now: SystemTime) -> Option<Duration> {
        let until = |at: u64| {
            let now_secs = now
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
            Duration::from_secs(at).saturating_sub(now_secs)
        };
        let wait = match (self.retry_after, self.retry_at) {
            (Some(seconds), _) => Duration::from_secs(seconds),
            (None, Some(at)) => until(at),
            (None, None) => until(self.reset?),
        };
        Some(wait.min(MAX_SERVER_WAIT))
    }
}

/// A decimal number of seconds or a Unix time; digits beyond `u64` saturate.
fn saturating_number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

/// What to do after one attempt.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Done,
    Retry(Duration),
    /// Retrying would help, but the server wants a longer wait than allowed.
    GiveUp,
}

/// A backend that retries another one according to a [`RetryPolicy`].
///
/// ```
/// use auth0plus_transport::{Retrying, RetryPolicy, SharedBackend, NoSleep, backend_fn, Bytes};
/// let inner = backend_fn(|_req| async { Ok(http::Response::new(Bytes::new())) });
/// let backend = Retrying::new(inner, NoSleep).with_policy(RetryPolicy::default());
/// let shared = SharedBackend::new(backend);
/// # let _ = shared;
/// ```
pub struct Retrying<B> {
    inner: B,
    policy: RetryPolicy,
    sleep: SharedSleep,
    clock: SharedClock,
    throttle: Option<Throttle>,
    shared: Option<Arc<dyn SharedRateLimit>>,
}

/// How one attempt was paced.
enum Pacing {
    /// Not at all (unthrottled, or a wait that would overrun the budget).
    None,
    /// By the local throttle.
    Local(Permit),
    /// By the shared budget.
    Shared(SharedGrant),
}

impl<B: fmt::Debug> fmt::Debug for Retrying<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retrying")
            .field("inner", &self.inner)
            .field("policy", &self.policy)
            .field("throttle", &self.throttle)
            .field("shared", &self.shared)
            .finish_non_exhaustive()
    }
}

impl<B: HttpBackend> Retrying<B> {
    /// Wrap `inner` with the default policy, waiting on `sleep`.
    pub fn new(inner: B, sleep: impl Sleep) -> Self {
        Self {
            inner,
            policy: RetryPolicy::default(),
            sleep: SharedSleep::new(sleep),
            clock: SharedClock::default(),
            throttle: None,
            shared: None,
        }
    }

    /// Use `policy`.
    #[must_use]
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Read time from `clock` (tests drive it by hand).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// Pace requests with `throttle`, fed by the answers' rate-limit headers
    /// (see [`Throttle`]). Clones of the throttle share its state.
    #[must_use]
    pub fn with_throttle(mut self, throttle: Throttle) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// Draw from `limit`, a rate-limit budget shared by a fleet of processes
    /// (see [`SharedRateLimit`]), before each request the throttle would
    /// pace. When it cannot answer (its store is down), the request is paced
    /// by the local [`Throttle`] instead, if there is one: the shared budget
    /// never fails a call. The local throttle keeps learning from every
    /// answer meanwhile, so it is ready to take over.
    #[must_use]
    pub fn with_shared_rate_limit(mut self, limit: Arc<dyn SharedRateLimit>) -> Self {
        self.shared = Some(limit);
        self
    }

    /// The policy in force.
    #[must_use]
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    fn verdict<T>(
        &self,
        outcome: &Result<http::Response<T>, TransportError>,
        idempotent: bool,
        retry: u32,
        shared: bool,
    ) -> Verdict {
        match outcome {
            Ok(response) => {
                let status = response.status();
                if status == StatusCode::TOO_MANY_REQUESTS {
                    let info = RateLimitInfo::from_headers(response.headers());
                    let asked = info.and_then(|info| info.wait(self.clock.now()));
                    // The throttle's wait, asked once: the server's, but at least
                    // one refill slot at the learned rate (the throttle then
                    // paces the retry).
                    let slot = match (&self.shared, &self.throttle) {
                        // Paced by the shared budget: one slot of the
                        // fleet's rate, then the budget paces the retry.
                        (Some(limit), _) if shared => limit
                            .retry_wait()
                            .map(|slot| asked.map_or(slot, |wait| wait.max(slot))),
                        (_, Some(throttle)) => {
                            throttle.after_rate_limit(&info.unwrap_or_default(), self.clock.now())
                        }
                        _ => None,
                    };
                    return match (asked, slot) {
                        (Some(wait), _)
                            if self
                                .policy
                                .max_rate_limit_wait
                                .is_some_and(|max| wait > max) =>
                        {
                            Verdict::GiveUp
                        }
                        (Some(_), Some(slot)) => Verdict::Retry(slot),
                        // A reset already in the past still deserves a short pause,
                        // or every waiting client would stampede at once.
                        // The pause grows with each retry, so clients that keep
                        // colliding on the same reset spread out instead of
                        // starving (a burst-sized handful wins each second).
                        (Some(wait), None) => {
                            Verdict::Retry(wait.saturating_add(self.policy.backoff(retry) / 4))
                        }
                        (None, _) => Verdict::Retry(self.policy.backoff(retry)),
                    };
                }
                let transient = matches!(status.as_u16(), 408 | 500 | 502 | 503 | 504);
                if transient && idempotent {
                    Verdict::Retry(self.policy.backoff(retry))
                } else {
                    Verdict::Done
                }
            }
            Err(error) if error.is_connect() => Verdict::Retry(self.policy.backoff(retry)),
            // The server would answer the same oversized body again.
            Err(error) if error.is_too_large() => Verdict::Done,
            Err(error) if error.may_have_reached_server() && idempotent => {
                Verdict::Retry(self.policy.backoff(retry))
            }
            Err(_) => Verdict::Done,
        }
    }

    /// The request's own attempt limit, when it carries one, else the
    /// policy's; none with an instant timer, which would win every race
    /// against a backend that is not ready on its first poll.
    fn attempt_limit(&self, request: &HttpRequest) -> Option<Duration> {
        request
            .extensions()
            .get::<AttemptTimeout>()
            .map_or(self.policy.attempt_timeout, |own| own.0)
            .filter(|_| !self.sleep.is_instant())
    }

    /// `outcome`, unless `limit` passes first.
    async fn within<T>(
        &self,
        limit: Option<Duration>,
        outcome: impl Future<Output = Result<T, TransportError>> + Send,
    ) -> Result<T, TransportError> {
        match limit {
            None => outcome.await,
            Some(limit) => match select(pin!(outcome), self.sleep.sleep(limit)).await {
                Either::Left((outcome, _)) => outcome,
                Either::Right(((), _)) => Err(TransportError::timeout(format!(
                    "no response within {} ms",
                    limit.as_millis()
                ))),
            },
        }
    }

    async fn attempt(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let limit = self.attempt_limit(&request);
        let size_limit = ResponseLimit::of(&request);
        let response = self.within(limit, self.inner.send(request)).await?;
        // Backends that do not enforce the limit themselves get the same error.
        match size_limit {
            Some(max) if response.body().len() as u64 > max => Err(TransportError::too_large(max)),
            _ => Ok(response),
        }
    }

    /// One streaming attempt: the time limit covers the wait for the status
    /// and headers, then each chunk of the body; the size limit the body.
    async fn attempt_streaming(
        &self,
        request: HttpRequest,
    ) -> Result<StreamingResponse, TransportError> {
        let limit = self.attempt_limit(&request);
        let size_limit = ResponseLimit::of(&request);
        let response = self
            .within(limit, self.inner.send_streaming(request))
            .await?;
        let sleep = self.sleep.clone();
        Ok(response.map(|body| {
            stream::try_unfold((body, 0_u64), move |(mut body, received)| {
                let sleep = sleep.clone();
                async move {
                    let next = match limit {
                        None => body.next().await,
                        Some(limit) => match select(body.next(), sleep.sleep(limit)).await {
                            Either::Left((next, _)) => next,
                            Either::Right(((), _)) => {
                                return Err(TransportError::timeout(format!(
                                    "no data for {} ms while reading the body",
                                    limit.as_millis()
                                )));
                            }
                        },
                    };
                    let Some(chunk) = next.transpose()? else {
                        return Ok(None);
                    };
                    let received = received.saturating_add(chunk.len() as u64);
                    match size_limit {
                        Some(max) if received > max => Err(TransportError::too_large(max)),
                        _ => Ok(Some((chunk, (body, received)))),
                    }
                }
            })
            .boxed()
        }))
    }
}

impl<B> Retrying<B> {
    /// Wait until the throttle grants a token, charging the waits to
    /// `spent` (the call's rate-limit budget).
    ///
    /// A wait that would overrun the budget is not taken: the request goes
    /// unthrottled (`None`, without a permit) and the server decides. So does
    /// one with an instant timer (see [`Sleep::is_instant`]), on which waiting
    /// is impossible and looping would spin.
    async fn paced(
        &self,
        throttle: &Throttle,
        spent: &mut Duration,
        method: &http::Method,
        path: &str,
    ) -> Option<Permit> {
        loop {
            match throttle.acquire(self.clock.now()) {
                Acquire::Granted(permit) => return Some(permit),
                Acquire::Wait(_) if self.sleep.is_instant() => {
                    tracing::trace!(%method, %path, "throttle wait skipped: instant timer");
                    return None;
                }
                Acquire::Wait(wait) if *spent + wait > self.policy.rate_limit_budget => {
                    tracing::debug!(%method, %path, "rate-limit budget spent: sent unthrottled");
                    return None;
                }
                Acquire::Wait(wait) => {
                    *spent += wait;
                    tracing::trace!(%method, %path, wait_ms = wait.as_millis() as u64, "throttled");
                    self.sleep.sleep(wait).await;
                }
            }
        }
    }
}

impl<B> Retrying<B> {
    /// Wait until the shared budget grants a request, charging the waits to
    /// `spent`; the local throttle's pacing when the budget cannot answer.
    async fn paced_shared(
        &self,
        shared: &dyn SharedRateLimit,
        throttle: Option<&Throttle>,
        spent: &mut Duration,
        method: &http::Method,
        path: &str,
    ) -> Pacing {
        loop {
            match shared.acquire().await {
                Some(SharedAcquire::Granted(grant, after)) => {
                    // A reserved slot: waited for even past the budget,
                    // which can only be overrun by less than the slot.
                    if !after.is_zero() && !self.sleep.is_instant() {
                        *spent += after;
                        self.sleep.sleep(after).await;
                    }
                    return Pacing::Shared(grant);
                }
                Some(SharedAcquire::Wait(_)) if self.sleep.is_instant() => return Pacing::None,
                Some(SharedAcquire::Wait(wait))
                    if *spent + wait > self.policy.rate_limit_budget =>
                {
                    tracing::debug!(%method, %path, "rate-limit budget spent: sent unthrottled");
                    return Pacing::None;
                }
                Some(SharedAcquire::Wait(wait)) => {
                    *spent += wait;
                    tracing::trace!(%method, %path, wait_ms = wait.as_millis() as u64, "throttled by the shared budget");
                    self.sleep.sleep(wait).await;
                }
                // The store is down: the local throttle paces this request.
                None => {
                    return match throttle {
                        Some(throttle) => self
                            .paced(throttle, spent, method, path)
                            .await
                            .map_or(Pacing::None, Pacing::Local),
                        None => Pacing::None,
                    };
                }
            }
        }
    }
}

fn copy_request(request: &HttpRequest) -> HttpRequest {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

#[async_trait]
impl<B: HttpBackend> HttpBackend for Retrying<B> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        // One span per request; attempts, statuses and waits are events in it.
        // Only the method and path go in: never headers, bodies or the query.
        let span = tracing::debug_span!("auth0plus.request", method = %request.method(), path = %request.uri().path());
        self.send_with_retries(request, |request| self.attempt(request))
            .instrument(span)
            .await
    }

    /// As [`Retrying::send`] up to the status and headers: a retryable
    /// status or failure before them is retried (its body is dropped
    /// unread); once the response is returned, errors in its body are the
    /// caller's. Each chunk of the body must arrive within the attempt
    /// timeout, and the body is held to its [`ResponseLimit`].
    async fn send_streaming(
        &self,
        request: HttpRequest,
    ) -> Result<StreamingResponse, TransportError> {
        let span = tracing::debug_span!("auth0plus.request", method = %request.method(), path = %request.uri().path(), streaming = true);
        self.send_with_retries(request, |request| self.attempt_streaming(request))
            .instrument(span)
            .await
    }
}

impl<B: HttpBackend> Retrying<B> {
    async fn send_with_retries<T, F, Fut>(
        &self,
        request: HttpRequest,
        attempt_once: F,
    ) -> Result<http::Response<T>, TransportError>
    where
        F: Fn(HttpRequest) -> Fut + Send,
        Fut: Future<Output = Result<http::Response<T>, TransportError>> + Send,
        T: Send,
    {
        let idempotent = is_idempotent(&request);
        let answer_429 = request.extensions().get::<RateLimitIsAnswer>().is_some();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        // A request limited by another bucket neither waits on the throttle
        // nor teaches it anything.
        let unthrottled = request.extensions().get::<Unthrottled>().is_some();
        let throttle = self.throttle.as_ref().filter(|_| !unthrottled);
        let shared = self.shared.as_deref().filter(|_| !unthrottled);
        // Attempts count failures; 429s spend the rate-limit budget instead.
        let (mut attempt, mut limited, mut spent) = (1, 0, Duration::ZERO);
        loop {
            let pacing = match (shared, throttle) {
                (Some(shared), _) => {
                    self.paced_shared(shared, throttle, &mut spent, &method, &path)
                        .await
                }
                (None, Some(throttle)) => self
                    .paced(throttle, &mut spent, &method, &path)
                    .await
                    .map_or(Pacing::None, Pacing::Local),
                (None, None) => Pacing::None,
            };
            let shared_paced = matches!(pacing, Pacing::Shared(_));
            let sent = self.clock.now();
            let outcome = attempt_once(copy_request(&request)).await;
            if let Ok(response) = &outcome {
                let (status, headers) = (response.status(), response.headers());
                match pacing {
                    Pacing::Local(permit) => permit.observe(status, headers, self.clock.now()),
                    Pacing::Shared(grant) => {
                        if let Some(shared) = shared {
                            shared.observe(&grant, status, headers).await;
                        }
                        if let Some(throttle) = throttle {
                            throttle.learn(status, headers, self.clock.now());
                        }
                    }
                    Pacing::None => {}
                }
            } else if let (Pacing::Shared(grant), Some(shared)) = (&pacing, shared) {
                shared.release(grant).await;
            }
            let rate_limited =
                matches!(&outcome, Ok(r) if r.status() == StatusCode::TOO_MANY_REQUESTS);
            if rate_limited && answer_429 {
                return outcome;
            }
            let verdict = if rate_limited {
                limited += 1;
                // The round trip counts too, and at least a millisecond, so
                // that no answer (`Retry-After: 0`, an instant timer) can make
                // the loop endless.
                spent += self
                    .clock
                    .now()
                    .duration_since(sent)
                    .unwrap_or_default()
                    .max(MIN_CHARGE);
                match self.verdict(&outcome, idempotent, limited, shared_paced) {
                    Verdict::Retry(wait) if spent + wait > self.policy.rate_limit_budget => {
                        Verdict::GiveUp
                    }
                    verdict => verdict,
                }
            } else if attempt >= self.policy.max_attempts {
                Verdict::Done
            } else {
                self.verdict(&outcome, idempotent, attempt, shared_paced)
            };
            match &outcome {
                Ok(response) => tracing::debug!(
                    %method, %path, attempt, status = response.status().as_u16(), ?verdict, "http attempt"
                ),
                Err(error) => {
                    tracing::debug!(%method, %path, attempt, %error, ?verdict, "http attempt");
                }
            }
            match verdict {
                Verdict::Done | Verdict::GiveUp => return outcome,
                Verdict::Retry(wait) => {
                    tracing::info!(
                        %method, %path, attempt, wait_ms = wait.as_millis() as u64, "retrying"
                    );
                    drop(outcome);
                    self.sleep.sleep(wait).await;
                    if rate_limited {
                        spent += wait;
                    } else {
                        attempt += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_its_ceiling() {
        let policy = RetryPolicy::default();
        for retry in 1..40 {
            let ceiling = (Duration::from_millis(250) * 2u32.saturating_pow(retry - 1))
                .min(Duration::from_secs(10));
            assert!(policy.backoff(retry) <= ceiling);
        }
    }

    #[test]
    fn rate_limit_wait_prefers_retry_after_then_reset() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let mut info = RateLimitInfo {
            reset: Some(1_007),
            ..RateLimitInfo::default()
        };
        assert_eq!(info.wait(now), Some(Duration::from_secs(7)));
        info.retry_after = Some(2);
        assert_eq!(info.wait(now), Some(Duration::from_secs(2)));
        let past = RateLimitInfo {
            reset: Some(10),
            ..RateLimitInfo::default()
        };
        assert_eq!(past.wait(now), Some(Duration::ZERO));
        assert_eq!(RateLimitInfo::default().wait(now), None);
    }

    #[test]
    fn retry_after_as_an_http_date_and_absurd_numbers_are_read() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        let at = httpdate::fmt_http_date(now + Duration::from_secs(20));
        headers.insert("retry-after", at.parse().unwrap());
        let info = RateLimitInfo::from_headers(&headers).unwrap();
        assert_eq!(info.retry_at, Some(1_700_000_020));
        assert_eq!(info.wait(now), Some(Duration::from_secs(20)));
        // A date in the past means now.
        assert_eq!(
            info.wait(now + Duration::from_secs(60)),
            Some(Duration::ZERO)
        );
        for absurd in ["99999999999999999999999", "18446744073709551616"] {
            headers.insert("retry-after", absurd.parse().unwrap());
            headers.insert("x-ratelimit-reset", absurd.parse().unwrap());
            let info = RateLimitInfo::from_headers(&headers).unwrap();
            assert_eq!(info.retry_after, Some(u64::MAX));
            assert_eq!(info.reset, Some(u64::MAX));
            assert_eq!(info.wait(now), Some(MAX_SERVER_WAIT));
        }
        for garbage in ["soon", "-5", "1.5", ""] {
            let mut headers = HeaderMap::new();
            headers.insert("retry-after", garbage.parse().unwrap());
            assert_eq!(RateLimitInfo::from_headers(&headers), None, "{garbage}");
        }
    }

    #[test]
    fn a_huge_server_wait_is_clamped_to_an_hour() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let hour = Duration::from_secs(3_600);
        let retry_after = RateLimitInfo {
            retry_after: Some(u64::MAX),
            ..RateLimitInfo::default()
        };
        assert_eq!(retry_after.wait(now), Some(hour));
        let reset = RateLimitInfo {
            reset: Some(u64::MAX),
            ..RateLimitInfo::default()
        };
        assert_eq!(reset.wait(now), Some(hour));
    }
}
