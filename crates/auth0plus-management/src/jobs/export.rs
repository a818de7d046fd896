//! [`UserExport`]: every user, past the 1,000-result search window, through
//! Auth0's export job.

use std::fmt;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use auth0plus_transport::{
    AttemptTimeout, BodyStream, Bytes, Clock as _, HttpBackend, ResponseLimit, Scrubber,
    SharedClock, SharedSleep, Sleep as _,
};
use bytes::{Buf as _, BytesMut};
use flate2::write::MultiGzDecoder;
use futures::future::{Either, select};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt as _};

use super::{JobStatus, Poller, yield_now};
use crate::api::jobs::CreateJobsUsersExports;
use crate::api::models::{
    CreateExportUsersFields, CreateExportUsersRequestContent, JobFileFormatEnum,
};
use crate::error::SERVER_TEXT_LIMIT;
use crate::request::ApiRequest;
use crate::resource::Record;
use crate::{Error, Result, User, UserProfile, Users};

/// The export file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// Newline-delimited JSON (what [`UserExport::stream`] reads).
    #[default]
    Json,
    /// CSV (for [`UserExport::download`] only).
    Csv,
}

/// Default of [`UserExport::max_record_bytes`]: 16 MiB for a user's
/// metadata, with room for the rest of the record (a real record is a few
/// kilobytes; Auth0 takes at most 1 MB per request).
const DEFAULT_MAX_RECORD_BYTES: usize = 16 * 1024 * 1024 + 64 * 1024;

/// Default of [`UserExport::max_file_bytes`]: 1 GiB of compressed file.
const DEFAULT_MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;

/// An export of users: `POST /jobs/users-exports`, polling `GET /jobs/{id}`
/// with backoff until it completes, downloading the gzipped file (without
/// the bearer token: the location is a pre-signed URL) and decoding it record
/// by record.
///
/// [`UserExport::timeout`] bounds the polling, and then, on its own, the
/// download: the time spent waiting for the file host, in all (not the time
/// your code spends on each record of [`UserExport::stream`]). A host that
/// drips the file, or stalls, ends the export with an [`Error::Job`].
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
    fields: Vec<CreateExportUsersFields>,
    connection_id: Option<String>,
    limit: Option<u64>,
    poller: Poller,
    max_record: usize,
    max_file: Option<u64>,
}

impl fmt::Debug for UserExport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserExport")
            .field("format", &self.format)
            .field("fields", &self.fields)
            .field("connection_id", &self.connection_id)
            .field("limit", &self.limit)
            .field("timeout", &self.poller.timeout)
            .finish_non_exhaustive()
    }
}

impl Users {
    /// Every user through Auth0's export job, past the 1,000-result search
    /// window ([`Error::SearchWindowExceeded`] points here).
    pub fn export(&self) -> UserExport {
        UserExport::new(self.clone())
    }
}

impl UserExport {
    fn new(users: Users) -> Self {
        Self {
            users,
            format: ExportFormat::Json,
            fields: Vec::new(),
            connection_id: None,
            limit: None,
            poller: Poller::default(),
            max_record: DEFAULT_MAX_RECORD_BYTES,
            max_file: Some(DEFAULT_MAX_FILE_BYTES),
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
            .map(|name| CreateExportUsersFields {
                name: Some(name.into()),
                ..Default::default()
            })
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

    super::poller_setters!();

    /// Longest record [`UserExport::stream`] accepts, decompressed (default
    /// 16 MiB + 64 KiB, far past any real user record). A longer line is an [`Error::Job`]
    /// as soon as decompression passes the limit, so a hostile file (one
    /// endless line) costs at most this much memory.
    pub fn max_record_bytes(mut self, bytes: usize) -> Self {
        self.max_record = bytes.max(1);
        self
    }

    /// Largest export file accepted, compressed, in bytes (default 1 GiB;
    /// `None` for no limit). Past it the
    /// download fails with a
    /// [`TooLarge`](auth0plus_transport::TransportErrorKind::TooLarge)
    /// transport error. [`UserExport::stream`] holds only the current
    /// records whatever the size; [`UserExport::download`] holds the whole
    /// file, so set a limit you can hold.
    pub fn max_file_bytes(mut self, limit: Option<u64>) -> Self {
        self.max_file = limit;
        self
    }

    /// Called per percent: with the job's first state, then whenever its
    /// `status` or `percentage_done` moves (the job is polled with backoff;
    /// a poll that says the same is not passed on).
    pub fn on_progress(mut self, f: impl Fn(&JobStatus) + Send + Sync + 'static) -> Self {
        let last: Mutex<Option<(String, Option<u64>)>> = Mutex::new(None);
        self.poller.on_status = Some(Arc::new(move |job: &JobStatus| {
            let now = (job.status.clone(), job.percentage_done);
            let moved = {
                let mut last = last
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let moved = last.as_ref() != Some(&now);
                *last = Some(now);
                moved
            };
            if moved {
                f(job);
            }
        }));
        self
    }

    /// Create the job.
    ///
    /// # Errors
    /// [`Error::Api`] from Auth0.
    pub async fn start(&self) -> Result<JobStatus> {
        Ok(self.start_scrubbed().await?.0)
    }

    /// [`UserExport::start`], and the scrubber of the request's token, for
    /// what the server sends back (the job, the file).
    async fn start_scrubbed(&self) -> Result<(JobStatus, Scrubber)> {
        let body = CreateExportUsersRequestContent {
            format: Some(match self.format {
                ExportFormat::Json => JobFileFormatEnum::Json,
                ExportFormat::Csv => JobFileFormatEnum::Csv,
            }),
            fields: (!self.fields.is_empty()).then(|| self.fields.clone()),
            connection_id: self.connection_id.clone(),
            // Past `i64::MAX` is no limit Auth0 could tell from none.
            limit: self
                .limit
                .map(|limit| i64::try_from(limit).unwrap_or(i64::MAX)),
            ..Default::default()
        };
        let request = ApiRequest::of(&CreateJobsUsersExports::new(body))?;
        let (job, scrubber) = self
            .users
            .auth0()
            .execute_json_scrubbed::<JobStatus>(&request)
            .await?;
        Ok((job.scrubbed(&scrubber), scrubber))
    }

    /// Poll the job until it completes.
    ///
    /// # Errors
    /// [`Error::Job`] when it fails or the timeout passes.
    pub async fn wait(&self, job: JobStatus) -> Result<JobStatus> {
        self.poller.wait(self.users.auth0(), job).await
    }

    /// Run the job and return the compressed file as downloaded.
    ///
    /// # Errors
    /// As [`UserExport::wait`], [`Error::Job`] when the download fails or
    /// outlasts [`UserExport::timeout`], and a transport error when the file
    /// is larger than [`UserExport::max_file_bytes`].
    pub async fn download(&self) -> Result<Bytes> {
        let file = self.fetch_file().await?.body;
        let file = file
            .try_fold(BytesMut::new(), |mut file, chunk| {
                file.extend_from_slice(&chunk);
                futures::future::ready(Ok(file))
            })
            .await?;
        Ok(file.freeze())
    }

    /// Run the job; the file, still streaming in, held to the download's
    /// budget of time.
    async fn fetch_file(&self) -> Result<ExportFile> {
        let (job, scrubber) = self.start_scrubbed().await?;
        let job = self.wait(job).await?;
        let location = job.location.clone().ok_or_else(|| Error::Job {
            job_id: job.id.clone(),
            reason: "completed without a file location".into(),
        })?;
        // A pre-signed URL: the bearer token must not travel to it. A large
        // file may take longer than one API call's timeout to download (the
        // timeout then bounds each wait for data, and the budget all of them).
        let mut request = http::Request::get(&location)
            .body(Bytes::new())
            .map_err(|_| Error::Job {
                job_id: job.id.clone(),
                reason: "the file location is not a URL".into(),
            })?;
        request
            .extensions_mut()
            .insert(AttemptTimeout(Some(self.poller.timeout)));
        request
            .extensions_mut()
            .insert(ResponseLimit(self.max_file));
        let auth0 = self.users.auth0();
        let mut budget = Budget {
            job_id: job.id.clone(),
            total: self.poller.timeout,
            left: self.poller.timeout,
            sleep: auth0.sleeper().clone(),
            clock: auth0.clock().clone(),
        };
        let response = budget
            .wait(auth0.backend().send_streaming(request))
            .await??;
        if !response.status().is_success() {
            return Err(Error::Job {
                job_id: job.id,
                reason: format!(
                    "downloading the file failed with HTTP {}",
                    response.status().as_u16()
                ),
            });
        }
        Ok(ExportFile {
            job_id: job.id,
            body: budget.stream(response.into_body()),
            scrubber,
        })
    }

    /// Every exported user, decoded one line at a time from the gzipped
    /// NDJSON as it downloads: neither the file nor its decompressed form is
    /// ever held, only the record being decoded (at most
    /// [`UserExport::max_record_bytes`]).
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
                Ok(file) => records(file, export.users.clone(), export.max_record).boxed(),
            }
        })
        .flatten()
        .boxed()
    }
}

/// An export's file as it downloads.
struct ExportFile {
    job_id: String,
    /// The compressed bytes, cut off when the budget runs out.
    body: BoxStream<'static, Result<Bytes>>,
    /// The token of the request that made the job: the file is the server's
    /// text, and errors quoting it are scrubbed.
    scrubber: Scrubber,
}

/// The time a download may spend waiting for the file host, in all: the
/// export's overall deadline for its download. Waits are raced against
/// what is left (unless the timer is instant, which would win every race)
/// and measured on the client's clock.
struct Budget {
    job_id: String,
    total: Duration,
    left: Duration,
    sleep: SharedSleep,
    clock: SharedClock,
}

impl Budget {
    /// `work`, unless the budget runs out first (an [`Error::Job`]).
    async fn wait<T>(&mut self, work: impl Future<Output = T> + Send) -> Result<T> {
        let started = self.clock.now();
        let outcome = if self.sleep.is_instant() {
            Some(work.await)
        } else {
            match select(std::pin::pin!(work), self.sleep.sleep(self.left)).await {
                Either::Left((outcome, _)) => Some(outcome),
                Either::Right(((), _)) => None,
            }
        };
        let waited = self.clock.now().duration_since(started).unwrap_or_default();
        self.left = self.left.saturating_sub(waited);
        match outcome {
            Some(outcome) if !self.left.is_zero() => Ok(outcome),
            _ => Err(Error::Job {
                job_id: self.job_id.clone(),
                reason: format!(
                    "downloading the file took longer than the export's timeout ({:?})",
                    self.total
                ),
            }),
        }
    }

    /// `body`, each wait for a chunk charged to the budget; the first error
    /// ends it.
    fn stream(self, body: BodyStream) -> BoxStream<'static, Result<Bytes>> {
        stream::unfold(Some((self, body)), |state| async move {
            let (mut budget, mut body) = state?;
            match budget.wait(body.next()).await {
                Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some((budget, body)))),
                Ok(Some(Err(e))) => Some((Err(e.into()), None)),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
        .boxed()
    }
}

/// Decompressed bytes one poll may work through without producing a record
/// before it yields to the executor: the decoding runs on the caller's task,
/// in steps this small, so a file of blank lines cannot hold a worker thread.
const WORK_PER_POLL: usize = 1024 * 1024;

/// Gzipped NDJSON, decompressed as it arrives and split into lines of at
/// most `max_line` bytes.
///
/// Decompression is push-based (`flate2::write`): each `write` consumes only
/// as much input as fits the decoder's 32 KiB output buffer, and the next
/// line is looked for before more is decompressed, so what is held is the
/// line being assembled plus one buffer's worth, whatever the compression
/// ratio.
struct Lines {
    body: BoxStream<'static, Result<Bytes>>,
    input: Bytes,
    decoder: MultiGzDecoder<Vec<u8>>,
    /// Start of the undelivered part of the decompressed bytes.
    start: usize,
    /// How far `decoder.get_ref()[start..]` has been searched for a newline.
    searched: usize,
    max_line: usize,
    ended: bool,
}

/// Why the file could not be read.
enum LinesError {
    /// The download failed (transport, or the budget ran out).
    Download(Error),
    /// What arrived is not gzipped lines.
    Corrupt(String),
}

impl Lines {
    fn new(body: BoxStream<'static, Result<Bytes>>, max_line: usize) -> Self {
        Self {
            body,
            input: Bytes::new(),
            decoder: MultiGzDecoder::new(Vec::new()),
            start: 0,
            searched: 0,
            max_line,
            ended: false,
        }
    }

    /// The next non-blank line, `None` at the end of the file.
    async fn next_line(&mut self) -> Option<std::result::Result<Vec<u8>, LinesError>> {
        let mut worked = 0;
        loop {
            if let Some(line) = self.take_line() {
                if line.iter().all(u8::is_ascii_whitespace) {
                    worked += line.len() + 1;
                    if worked > WORK_PER_POLL {
                        worked = 0;
                        yield_now().await;
                    }
                    continue;
                }
                return Some(Ok(line));
            }
            if self.pending() > self.max_line {
                return Some(Err(LinesError::Corrupt(format!(
                    "a record is longer than {} bytes",
                    self.max_line
                ))));
            }
            let before = self.decoder.get_ref().len();
            if let Err(e) = self.decompress().await? {
                return Some(Err(e));
            }
            worked += self.decoder.get_ref().len().saturating_sub(before);
            if worked > WORK_PER_POLL {
                worked = 0;
                yield_now().await;
            }
        }
    }

    /// Bytes decompressed and not yet delivered.
    fn pending(&self) -> usize {
        self.decoder.get_ref().len() - self.start
    }

    /// Cut the next complete line out of the decompressed bytes.
    fn take_line(&mut self) -> Option<Vec<u8>> {
        let out = self.decoder.get_ref();
        let from = self.start + self.searched;
        match out[from..].iter().position(|b| *b == b'\n') {
            Some(at) => {
                let end = from + at;
                let line = out[self.start..end].to_vec();
                self.start = end + 1;
                self.searched = 0;
                // Drop what was delivered once it is the larger part.
                if self.start > out.len() / 2 {
                    let start = self.start;
                    self.decoder.get_mut().drain(..start);
                    self.start = 0;
                }
                Some(line)
            }
            None if self.ended && self.pending() > 0 => {
                let line = out[self.start..].to_vec();
                self.start = out.len();
                Some(line)
            }
            None => {
                self.searched = out.len() - self.start;
                None
            }
        }
    }

    /// Decompress some more: `None` at the end of the file, `Some(Err)` on
    /// a failure.
    async fn decompress(&mut self) -> Option<std::result::Result<(), LinesError>> {
        if self.ended {
            return None;
        }
        if self.input.is_empty() {
            match self.body.next().await {
                Some(Ok(chunk)) => self.input = chunk,
                Some(Err(e)) => return Some(Err(LinesError::Download(e))),
                None => {
                    self.ended = true;
                    return Some(
                        self.decoder
                            .try_finish()
                            .map_err(|e| LinesError::Corrupt(format!("cannot decompress: {e}"))),
                    );
                }
            }
        }
        let step = self
            .decoder
            .write(&self.input)
            .and_then(|n| self.decoder.flush().map(|()| n));
        match step {
            // Input refused: trailing bytes the decoder will never take
            // (it consumes something from any input it can still use).
            Ok(0) => Some(Err(LinesError::Corrupt(
                "cannot decompress: data after the end of the file".into(),
            ))),
            Ok(n) => {
                self.input.advance(n);
                Some(Ok(()))
            }
            Err(e) => Some(Err(LinesError::Corrupt(format!("cannot decompress: {e}")))),
        }
    }
}

/// Decode gzipped NDJSON lazily as it downloads; the first error ends the
/// stream.
fn records(
    file: ExportFile,
    users: Users,
    max_line: usize,
) -> impl futures::Stream<Item = Result<User>> + Send + 'static {
    let ExportFile {
        job_id,
        body,
        scrubber,
    } = file;
    let lines = Lines::new(body, max_line);
    stream::unfold(Some((lines, users, 0_u64)), move |state| {
        let job_id = job_id.clone();
        let scrubber = scrubber.clone();
        async move {
            let (mut lines, users, mut line_no) = state?;
            line_no += 1;
            let outcome = match lines.next_line().await? {
                Ok(line) => match serde_json::from_slice::<UserProfile>(&line) {
                    Ok(profile) => Ok(Record::fetched(users.auth0().clone(), profile)),
                    // serde quotes the file's values: scrubbed and cut.
                    Err(e) => Err(corrupt(
                        &job_id,
                        &format!(
                            "record {line_no} is not a user: {}",
                            scrubber.scrubbed_within(&e.to_string(), SERVER_TEXT_LIMIT)
                        ),
                    )),
                },
                Err(LinesError::Download(e)) => Err(e),
                Err(LinesError::Corrupt(reason)) => Err(corrupt(
                    &job_id,
                    &format!("{reason} (after {} records)", line_no - 1),
                )),
            };
            let next = outcome.is_ok().then_some((lines, users, line_no));
            Some((outcome, next))
        }
    })
}

fn corrupt(job_id: &str, reason: &str) -> Error {
    Error::Job {
        job_id: job_id.to_owned(),
        reason: format!("the export file is corrupt: {reason}"),
    }
}
