//! [`JobStatus`] and the one poller every job uses (exports, imports):
//! `GET /jobs/{id}` with backoff until the job completes, fails or runs out
//! of time.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth0plus_transport::{Clock, Scrubber, Sleep};
use serde::Deserialize;

use crate::api::jobs::GetJob;
use crate::error::{SERVER_TEXT_LIMIT, SHORT_TEXT_LIMIT};
use crate::request::ApiRequest;
use crate::{Auth0, Error, Result};

/// The state of a job, as `GET /jobs/{id}` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct JobStatus {
    /// `job_…`.
    pub id: String,
    /// `pending`, `processing`, `completed` or `failed`.
    pub status: String,
    /// `users_export`, `users_import` or `verification_email`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Progress, 0 to 100, while processing.
    #[serde(default)]
    pub percentage_done: Option<u64>,
    /// Estimated seconds left, while processing.
    #[serde(default)]
    pub time_left_seconds: Option<u64>,
    /// Where the file is, once an export completed (a pre-signed URL).
    #[serde(default)]
    pub location: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub status_details: Option<String>,
    /// An import's counts, once it completed.
    #[serde(default)]
    pub summary: Option<JobSummary>,
    /// The caller's id for an import (`external_id`).
    #[serde(default)]
    pub external_id: Option<String>,
}

/// What a completed import did (`summary` of `GET /jobs/{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct JobSummary {
    /// Users in the file.
    #[serde(default)]
    pub total: u64,
    /// Users created.
    #[serde(default)]
    pub inserted: u64,
    /// Existing users updated (with `upsert`).
    #[serde(default)]
    pub updated: u64,
    /// Users refused (see the job's errors).
    #[serde(default)]
    pub failed: u64,
}

impl JobStatus {
    /// Completed.
    #[must_use]
    pub fn is_completed(&self) -> bool {
        self.status == "completed"
    }

    /// Failed.
    #[must_use]
    pub fn is_failed(&self) -> bool {
        self.status == "failed"
    }

    /// The state with the server's texts scrubbed of the request's secrets
    /// and cut to a few KB: they end up in errors ([`Error::Job`]).
    pub(crate) fn scrubbed(self, scrubber: &Scrubber) -> Self {
        let short = |text: String| scrubber.scrubbed_within(&text, SHORT_TEXT_LIMIT);
        Self {
            id: short(self.id),
            status: short(self.status),
            kind: self.kind.map(short),
            status_details: self
                .status_details
                .map(|text| scrubber.scrubbed_within(&text, SERVER_TEXT_LIMIT)),
            external_id: self.external_id.map(short),
            ..self
        }
    }

    /// `GET` a job's state, its texts scrubbed.
    pub(crate) async fn fetch(auth0: &Auth0, request: &ApiRequest) -> Result<Self> {
        let (status, scrubber) = auth0.execute_json_scrubbed::<Self>(request).await?;
        Ok(status.scrubbed(&scrubber))
    }
}

/// The `poll_interval` and `timeout` setters of a builder that waits for a
/// job with its `poller` field.
macro_rules! poller_setters {
    () => {
        /// Polling starts at `first` and backs off by half up to `max`
        /// (defaults 250 ms, 5 s).
        pub fn poll_interval(
            mut self,
            first: std::time::Duration,
            max: std::time::Duration,
        ) -> Self {
            self.poller.interval(first, max);
            self
        }

        /// Give up on a job that has not completed after this long (default
        /// 30 min; Auth0 times exports out after 8 h, imports after 2 h).
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.poller.timeout = timeout;
            self
        }
    };
}
pub(crate) use poller_setters;

/// Called with every job state seen while waiting.
pub(crate) type OnStatus = Arc<dyn Fn(&JobStatus) + Send + Sync>;

/// How a job is waited for: backoff from `first` to `max`, for at most
/// `timeout`.
#[derive(Clone)]
pub(crate) struct Poller {
    pub(crate) first: Duration,
    pub(crate) max: Duration,
    pub(crate) timeout: Duration,
    pub(crate) on_status: Option<OnStatus>,
}

impl Default for Poller {
    fn default() -> Self {
        Self {
            first: Duration::from_millis(250),
            max: Duration::from_secs(5),
            timeout: Duration::from_secs(30 * 60),
            on_status: None,
        }
    }
}

impl Poller {
    /// Polling starts at `first` and backs off by half up to `max`.
    pub(crate) fn interval(&mut self, first: Duration, max: Duration) {
        self.first = first;
        self.max = max.max(first);
    }

    /// Poll `job` until it completes.
    ///
    /// # Errors
    /// [`Error::Job`] when it fails or the timeout passes; the first error
    /// that is not worth polling again after.
    pub(crate) async fn wait(&self, auth0: &Auth0, job: JobStatus) -> Result<JobStatus> {
        let started = auth0.clock().now();
        let poll = ApiRequest::of(&GetJob::new(&job.id))?;
        let mut delay = self.first;
        let mut status = job;
        loop {
            if let Some(on_status) = &self.on_status {
                on_status(&status);
            }
            if status.is_completed() {
                return Ok(status);
            }
            if status.is_failed() {
                return Err(Error::Job {
                    job_id: status.id,
                    reason: format!(
                        "failed: {}",
                        status
                            .status_details
                            .as_deref()
                            .unwrap_or("no details given")
                    ),
                });
            }
            if let Err(waited) = self.step(auth0, started, &mut delay).await {
                return Err(Error::Job {
                    job_id: status.id,
                    reason: format!(
                        "not completed after {} s (status {})",
                        waited.as_secs(),
                        status.status
                    ),
                });
            }
            match JobStatus::fetch(auth0, &poll).await {
                Ok(next) => status = next,
                // The retry layer has already retried this poll; a job can run
                // for hours, so one failed poll is not the job's failure.
                Err(e) if is_transient(&e) => {
                    tracing::warn!(job = %status.id, error = %e, "polling the job failed; polling again");
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Poller {
    /// Sleep the next step of the backoff (and lengthen it), or, once the
    /// timeout has passed since `started`, say how long that was.
    pub(crate) async fn step(
        &self,
        auth0: &Auth0,
        started: SystemTime,
        delay: &mut Duration,
    ) -> std::result::Result<(), Duration> {
        let waited = auth0
            .clock()
            .now()
            .duration_since(started)
            .unwrap_or_default();
        if waited >= self.timeout {
            return Err(waited);
        }
        auth0
            .sleeper()
            .sleep((*delay).min(self.timeout - waited))
            .await;
        *delay = (*delay * 3 / 2).min(self.max);
        Ok(())
    }
}

/// A failure worth polling again after: no answer, a 5xx or a 429.
fn is_transient(error: &Error) -> bool {
    match error {
        Error::Transport(_) => true,
        Error::Api(api) => api.status >= 500 || api.is_rate_limited(),
        _ => false,
    }
}

/// Pending once, so the executor can run other work: long CPU work on the
/// caller's task (decoding an export, filling an import file) yields now and
/// then, so a job's poll is not held up and no worker thread is held.
pub(crate) fn yield_now() -> impl std::future::Future<Output = ()> {
    YieldNow(false)
}

struct YieldNow(bool);

impl std::future::Future for YieldNow {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}
