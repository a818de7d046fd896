//! [`UserExport`]: every user, past the 1,000-result search window, through
//! Auth0's export job.

use std::fmt;
use std::io::Write as _;
use std::sync::Arc;

use auth0plus_transport::{AttemptTimeout, BodyStream, Bytes, HttpBackend, ResponseLimit};
use bytes::{Buf as _, BytesMut};
use flate2::write::MultiGzDecoder;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt as _};
use serde_json::{Value, json};

use super::Users;
use super::model::UserProfile;
use super::record::User;
use crate::jobs::{JobStatus, Poller, yield_now};
use crate::request::ApiRequest;
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

impl UserExport {
    pub(crate) fn new(users: Users) -> Self {
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

    crate::jobs::poller_setters!();

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

    /// Called with every job state seen while waiting.
    pub fn on_progress(mut self, f: impl Fn(&JobStatus) + Send + Sync + 'static) -> Self {
        self.poller.on_status = Some(Arc::new(f));
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
        self.poller.wait(self.users.auth0(), job).await
    }

    /// Run the job and return the compressed file as downloaded.
    ///
    /// # Errors
    /// As [`UserExport::wait`], [`Error::Job`] when the download fails, and
    /// a transport error when the file is larger than
    /// [`UserExport::max_file_bytes`].
    pub async fn download(&self) -> Result<Bytes> {
        let (_, body) = self.fetch_file().await?;
        let file = body
            .try_fold(BytesMut::new(), |mut file, chunk| {
                file.extend_from_slice(&chunk);
                futures::future::ready(Ok(file))
            })
            .await?;
        Ok(file.freeze())
    }

    /// Run the job; its id and the file, still streaming in.
    async fn fetch_file(&self) -> Result<(String, BodyStream)> {
        let job = self.wait(self.start().await?).await?;
        let location = job.location.clone().ok_or_else(|| Error::Job {
            job_id: job.id.clone(),
            reason: "completed without a file location".into(),
        })?;
        // A pre-signed URL: the bearer token must not travel to it. A large
        // file may take longer than one API call's timeout to download (the
        // timeout then bounds each wait for data).
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
        let response = self.users.auth0().backend().send_streaming(request).await?;
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
                Ok((job_id, file)) => {
                    records(job_id, file, export.users.clone(), export.max_record).boxed()
                }
            }
        })
        .flatten()
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
    body: BodyStream,
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
    Transport(auth0plus_transport::TransportError),
    Corrupt(String),
}

impl Lines {
    fn new(body: BodyStream, max_line: usize) -> Self {
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
                Some(Err(e)) => return Some(Err(LinesError::Transport(e))),
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
    job_id: String,
    file: BodyStream,
    users: Users,
    max_line: usize,
) -> impl futures::Stream<Item = Result<User>> + Send + 'static {
    let lines = Lines::new(file, max_line);
    stream::unfold(Some((lines, users, 0_u64)), move |state| {
        let job_id = job_id.clone();
        async move {
            let (mut lines, users, mut line_no) = state?;
            line_no += 1;
            let outcome = match lines.next_line().await? {
                Ok(line) => match serde_json::from_slice::<UserProfile>(&line) {
                    Ok(profile) => Ok(crate::resource::Record::fetched(
                        users.auth0().clone(),
                        profile,
                    )),
                    Err(e) => Err(corrupt(
                        &job_id,
                        &format!("record {line_no} is not a user: {e}"),
                    )),
                },
                Err(LinesError::Transport(e)) => Err(e.into()),
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
