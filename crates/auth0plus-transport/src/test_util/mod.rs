//! Test doubles (feature `test-util`): a scripted backend that records what
//! it was sent, and a manual clock whose sleeps return at once.
//!
//! Which one to use:
//! - [`ReplayBackend`]: assert exact requests and script answers, including
//!   transport failures, without any server.
//! - [`ManualClock`] + [`ManualSleep`]: test expiry, backoff and rate-limit
//!   waits without real waiting; every sleep advances the clock and is
//!   recorded, so a test can assert "waited until the reset, then retried".

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;

use crate::time::{Clock, Sleep, SleepFuture};
use crate::{HttpBackend, HttpRequest, HttpResponse, TransportError};

/// A copy of a request a [`ReplayBackend`] received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// The method.
    pub method: http::Method,
    /// The full URI.
    pub uri: http::Uri,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The body as UTF-8 text (lossy).
    #[must_use]
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The query string decoded into pairs.
    #[must_use]
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The first value of query parameter `name`.
    #[must_use]
    pub fn query(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

type Answer = Box<dyn Fn(&HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync>;

/// A backend that answers from a script and records every request.
///
/// Scripted answers are used in order; once they run out, the fallback
/// answers (by default a transport error saying the script is exhausted, so a
/// test sees an unexpected extra request instead of hanging).
///
/// ```
/// use auth0plus_transport::test_util::{ReplayBackend, response};
/// let backend = ReplayBackend::new()
///     .then(response(503, "{}"))
///     .then(response(200, r#"{"ok":true}"#));
/// assert_eq!(backend.request_count(), 0);
/// ```
#[derive(Clone)]
pub struct ReplayBackend {
    state: Arc<ReplayState>,
}

struct ReplayState {
    script: Mutex<VecDeque<Result<HttpResponse, TransportError>>>,
    fallback: Mutex<Option<Answer>>,
    requests: Mutex<Vec<RecordedRequest>>,
}

impl std::fmt::Debug for ReplayBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayBackend")
            .field("requests", &self.request_count())
            .finish_non_exhaustive()
    }
}

impl Default for ReplayBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl ReplayBackend {
    /// An empty script.
    #[must_use]
    pub fn new() -> Self {
        Self {
            state: Arc::new(ReplayState {
                script: Mutex::new(VecDeque::new()),
                fallback: Mutex::new(None),
                requests: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Queue the next answer.
    #[must_use]
    pub fn then(self, answer: Result<HttpResponse, TransportError>) -> Self {
        self.push(answer);
        self
    }

    /// Queue an answer on a shared handle.
    pub fn push(&self, answer: Result<HttpResponse, TransportError>) {
        self.state
            .script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(answer);
    }

    /// Answer every request past the script with `answer`.
    #[must_use]
    pub fn otherwise(
        self,
        answer: impl Fn(&HttpRequest) -> Result<HttpResponse, TransportError> + Send + Sync + 'static,
    ) -> Self {
        *self
            .state
            .fallback
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Box::new(answer));
        self
    }

    /// Every request received so far.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many requests were received.
    #[must_use]
    pub fn request_count(&self) -> usize {
        self.state
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[async_trait]
impl HttpBackend for ReplayBackend {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.state
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(RecordedRequest {
                method: request.method().clone(),
                uri: request.uri().clone(),
                headers: request.headers().clone(),
                body: request.body().clone(),
            });
        let next = self
            .state
            .script
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        match next {
            Some(answer) => answer,
            None => match &*self
                .state
                .fallback
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
            {
                Some(answer) => answer(&request),
                None => Err(TransportError::new(
                    crate::TransportErrorKind::InvalidRequest,
                    "ReplayBackend: script exhausted",
                )),
            },
        }
    }
}

/// A response with `status`, a JSON content type and `body`, wrapped in `Ok`
/// so it can be queued directly.
///
/// # Errors
/// Never; the `Result` is the shape a backend answer has.
pub fn response(status: u16, body: &str) -> Result<HttpResponse, TransportError> {
    Ok(response_with_headers(
        status,
        &[("content-type", "application/json; charset=utf-8")],
        body,
    ))
}

/// A response with `status`, `headers` and `body`.
///
/// # Panics
/// On an invalid status or header (test code only).
#[must_use]
pub fn response_with_headers(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Bytes::copy_from_slice(body.as_bytes()))
        .expect("valid test response")
}

/// A clock that moves only when told to (or when a [`ManualSleep`] sleeps).
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<SystemTime>>,
}

impl ManualClock {
    /// A clock reading `start`.
    #[must_use]
    pub fn new(start: SystemTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// A clock at a fixed, round point in time (2026-01-01T00:00:00Z).
    #[must_use]
    pub fn fixed() -> Self {
        Self::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600))
    }

    /// Move time forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }

    /// Set the time.
    pub fn set(&self, to: SystemTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A timer whose sleeps complete on their first poll, advance a
/// [`ManualClock`] and are recorded (only the sleeps that actually complete).
#[derive(Debug, Clone)]
pub struct ManualSleep {
    clock: Option<ManualClock>,
    slept: Arc<Mutex<Vec<Duration>>>,
}

impl ManualSleep {
    /// A timer that advances `clock` by each sleep.
    #[must_use]
    pub fn new(clock: &ManualClock) -> Self {
        Self {
            clock: Some(clock.clone()),
            slept: Arc::default(),
        }
    }

    /// A timer tied to no clock.
    #[must_use]
    pub fn detached() -> Self {
        Self {
            clock: None,
            slept: Arc::default(),
        }
    }

    /// Every sleep requested so far.
    #[must_use]
    pub fn sleeps(&self) -> Vec<Duration> {
        self.slept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Sleep for ManualSleep {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        // Recorded and applied when the sleep completes, not when it is
        // created: a timer that loses a race (an attempt timeout against a
        // quick answer) is dropped unpolled and moves no time.
        let slept = Arc::clone(&self.slept);
        let clock = self.clock.clone();
        Box::pin(async move {
            slept
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(duration);
            if let Some(clock) = clock {
                clock.advance(duration);
            }
        })
    }
}

mod redis_server;
pub use redis_server::{REDIS_SERVER_VAR, REQUIRE_REDIS_VAR, RedisServer};
