//! [`UserExport`]: every user, past the 1,000-result search window, through
//! Auth0's export job.

use std::fmt;
use std::io::{BufRead, BufReader, Cursor};
use std::sync::Arc;
use std::time::Duration;

use auth0plus_transport::{AttemptTimeout, Bytes, Clock, HttpBackend, Sleep};
use flate2::read::MultiGzDecoder;
use futures::stream::{self, BoxStream, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Users;
use super::model::UserProfile;
use super::record::User;
use crate::request::{ApiRequest, encode_segment};
use crate::{Error, Result};

/// The export file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// Newline-delimited JSON (what [`UserExport::stream`] reads).
    #[default]
    Json,
    /// CSV (for [`UserExport::download`] only).
    Csv,
}

/// The state of a job, as `GET /jobs/{id}` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct JobStatus {
    /// `job_…`.
    pub id: String,
    /// `pending`, `processing`, `completed` or `failed`.
    pub status: String,
    /// `users_export`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Progress, 0 to 100, while processing.
    #[serde(default)]
    pub percentage_done: Option<u64>,
    /// Estimated seconds left, while processing.
    #[serde(default)]
    pub time_left_seconds: Option<u64>,
    /// Where the file is, once completed (a pre-signed URL).
    #[serde(default)]
    pub location: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub status_details: Option<String>,
}

impl JobStatus {
    /// Completed, with a file.
    #[must_use]
    pub fn is_completed(&self) -> bool {
        self.status == "completed"
    }

    /// Failed.
    #[must_use]
    pub fn is_failed(&self) -> bool {
        self.status == "failed"
    }
}

type Progress = Arc<dyn Fn(&JobStatus) + Send + Sync>;

/// An export of users: `POST /jobs/users-exports`, polling `GET /jobs/{id}`
/// with backoff until it completes, downloading the gzipped file (without
/// the bearer token: the location is a pre-signed URL) and decoding it record
/// by record.
///
/// ```no_run
/// use futures::TryStreamExt;
/// # async fn run(users: auth0plus_management::Users) -> auth0plus_management::Result<()> {
/// let mut all = users
///     .export()
///     .fields(["user_id", "email", "user_metadata"])
///     .on_progress(|job| println!("{} {}%", job.status, job.percentage_done.unwrap_or(0)))
///     .stream();
/// while let Some(user) = all.try_next().await? {
///     println!("{}", user.email.as_deref().unwrap_or("-"));
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct UserExport {
    users: Users,
    format: ExportFormat,
    fields: Vec<Value>,
    connection_id: Option<String>,
    limit: Option<u64>,
    first_poll: Duration,
    max_poll: Duration,
    timeout: Duration,
    progress: Option<Progress>,
}

impl fmt::Debug for UserExport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserExport")
            .field("format", &self.format)
            .field("fields", &self.fields)
            .field("connection_id", &self.connection_id)
            .field("limit", &self.limit)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl UserExport {
    pub(crate) fn new(users: Users) -> Self {
        Self {
            users,
            format: ExportFormat::Json,
            fields: Vec::new(),
            connection_id: None,
            limit: None,
            first_poll: Duration::from_millis(250),
            max_poll: Duration::from_secs(5),
            timeout: Duration::from_secs(30 * 60),
            progress: None,
        }
    }

    /// The file format (default JSON).
    pub fn format(mut self, format: ExportFormat) -> Self {
        self.format = format;
        self
    }

    /// Export only these fields (default: every field).
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields = fields
            .into_iter()
            .map(|f| json!({ "name": f.into() }))
            .collect();
        self
    }

    /// Export one connection (by its `con_…` id; default: every connection).
    pub fn connection_id(mut self, id: impl Into<String>) -> Self {
        self.connection_id = Some(id.into());
        self
    }

    /// Export at most `limit` users.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Polling starts at `first` and backs off up to `max` (defaults 250 ms, 5 s).
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max.max(first);
        self
    }

    /// Give up when the job has not completed after this long (default 30 min).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Called with every job state seen while waiting.
    pub fn on_progress(mut self, f: impl Fn(&JobStatus) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Create the job.
    ///
    /// # Errors
    /// [`Error::Api`] from Auth0.
    pub async fn start(&self) -> Result<JobStatus> {
        let mut body = serde_json::Map::new();
        body.insert(
            "format".into(),
            json!(if self.format == ExportFormat::Json {
                "json"
            } else {
                "csv"
            }),
        );
        if !self.fields.is_empty() {
            body.insert("fields".into(), Value::Array(self.fields.clone()));
        }
        if let Some(id) = &self.connection_id {
            body.insert("connection_id".into(), json!(id));
        }
        if let Some(limit) = self.limit {
            body.insert("limit".into(), json!(limit));
        }
        let request =
            ApiRequest::new(http::Method::POST, "/jobs/users-exports").json(Value::Object(body));
        self.users.auth0().execute_json(&request).await
    }

    /// Poll the job until it completes.
    ///
    /// # Errors
    /// [`Error::Job`] when it fails or the timeout passes.
    pub async fn wait(&self, job: JobStatus) -> Result<JobStatus> {
        let auth0 = self.users.auth0();
        let started = auth0.clock().now();
        let path = format!("/jobs/{}", encode_segment(&job.id)?);
        let mut delay = self.first_poll;
        let mut status = job;
        loop {
            if let Some(progress) = &self.progress {
                progress(&status);
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
            let waited = auth0
                .clock()
                .now()
                .duration_since(started)
                .unwrap_or_default();
            if waited >= self.timeout {
                return Err(Error::Job {
                    job_id: status.id,
                    reason: format!(
                        "not completed after {} s (status {})",
                        waited.as_secs(),
                        status.status
                    ),
                });
            }
            auth0
                .sleeper()
                .sleep(delay.min(self.timeout - waited))
                .await;
            delay = (delay * 3 / 2).min(self.max_poll);
            match auth0
                .execute_json::<JobStatus>(&ApiRequest::new(http::Method::GET, path.clone()))
                .await
            {
                Ok(next) => status = next,
                // The retry layer has already retried this poll; a job can run
                // for hours, so one failed poll is not the job's failure.
                Err(e) if is_transient(&e) => {
                    tracing::warn!(job = %status.id, error = %e, "polling the export job failed; polling again");
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Run the job and return the compressed file as downloaded.
    ///
    /// # Errors
    /// As [`UserExport::wait`], and [`Error::Job`] when the download fails.
    pub async fn download(&self) -> Result<Bytes> {
        self.fetch_file().await.map(|(_, file)| file)
    }

    /// Run the job; its id and the file.
    async fn fetch_file(&self) -> Result<(String, Bytes)> {
        let job = self.wait(self.start().await?).await?;
        let location = job.location.clone().ok_or_else(|| Error::Job {
            job_id: job.id.clone(),
            reason: "completed without a file location".into(),
        })?;
        // A pre-signed URL: the bearer token must not travel to it. A large
        // file may take longer than one API call's timeout to download.
        let mut request = http::Request::get(&location)
            .body(Bytes::new())
            .map_err(|_| Error::Job {
                job_id: job.id.clone(),
                reason: "the file location is not a URL".into(),
            })?;
        request
            .extensions_mut()
            .insert(AttemptTimeout(Some(self.timeout)));
        let response = self.users.auth0().backend().send(request).await?;
        if !response.status().is_success() {
            return Err(Error::Job {
                job_id: job.id,
                reason: format!(
                    "downloading the file failed with HTTP {}",
                    response.status().as_u16()
                ),
            });
        }
        Ok((job.id, response.into_body()))
    }

    /// Every exported user, decoded one line at a time from the gzipped NDJSON
    /// (the decompressed file is never held in memory).
    pub fn stream(&self) -> BoxStream<'static, Result<User>> {
        let export = self.clone();
        stream::once(async move {
            if export.format != ExportFormat::Json {
                return stream::iter(vec![Err(Error::InvalidArgument(
                    "stream() reads JSON exports; use download() for CSV".into(),
                ))])
                .boxed();
            }
            match export.fetch_file().await {
                Err(e) => stream::iter(vec![Err(e)]).boxed(),
                Ok((job_id, file)) => records(job_id, file, export.users.clone()).boxed(),
            }
        })
        .flatten()
        .boxed()
    }
}

/// Decode gzipped NDJSON lazily; the first error ends the stream.
fn records(
    job_id: String,
    file: Bytes,
    users: Users,
) -> impl futures::Stream<Item = Result<User>> + Send + 'static {
    let reader = BufReader::new(MultiGzDecoder::new(Cursor::new(file)));
    stream::unfold(Some((reader, users, 0_u64)), move |state| {
        let job_id = job_id.clone();
        async move {
            let (mut reader, users, mut line_no) = state?;
            let mut line = String::new();
            loop {
                line.clear();
                line_no += 1;
                match reader.read_line(&mut line) {
                    Ok(0) => return None,
                    Ok(_) if line.trim().is_empty() => {}
                    Ok(_) => {
                        return Some(match serde_json::from_str::<UserProfile>(line.trim()) {
                            Ok(profile) => (
                                Ok(crate::resource::Record::fetched(
                                    users.auth0().clone(),
                                    profile,
                                )),
                                Some((reader, users, line_no)),
                            ),
                            Err(e) => (
                                Err(corrupt(
                                    &job_id,
                                    &format!("line {line_no} is not a user: {e}"),
                                )),
                                None,
                            ),
                        });
                    }
                    Err(e) => {
                        return Some((
                            Err(corrupt(
                                &job_id,
                                &format!("cannot decompress line {line_no}: {e}"),
                            )),
                            None,
                        ));
                    }
                }
            }
        }
    })
}

fn corrupt(job_id: &str, reason: &str) -> Error {
    Error::Job {
        job_id: job_id.to_owned(),
        reason: format!("the export file is corrupt: {reason}"),
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
