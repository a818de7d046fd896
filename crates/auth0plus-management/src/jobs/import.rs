//! [`UserImport`]: users from a stream, imported through Auth0's import
//! jobs — files within the size limit, at most two jobs at a time.

use std::borrow::Cow;
use std::collections::HashSet;
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use auth0plus_transport::{Clock as _, Scrubber, Secret};

use crate::error::{SERVER_TEXT_LIMIT, SHORT_TEXT_LIMIT};
use futures::future::{self, Either};
use futures::stream::{
    self, BoxStream, FuturesUnordered, Stream, StreamExt as _, TryStreamExt as _,
};
use serde::Deserialize;
use serde_json::Value;

use super::poll::{JobStatus, Poller};
use crate::api::Operation as _;
use crate::api::jobs::{CreateJobsUsersImports, GetJobErrors};
use crate::api::models::CreateImportUsersRequestContent;
use crate::multipart;
use crate::request::ApiRequest;
use crate::users::model::SETTABLE;
use crate::{Auth0, Error, NewUser, Result, User};

/// Largest request Auth0 takes on `POST /jobs/users-imports` (its 413 says
/// `Payload content length greater than maximum allowed: 512000.`).
pub const MAX_IMPORT_BYTES: usize = 512_000;

/// Users read between two yields to the executor while a file fills.
const YIELD_EVERY: u64 = 64;

/// Import jobs a tenant runs at once; Auth0 refuses a third.
pub const MAX_CONCURRENT_IMPORTS: usize = 2;

/// Fields of the import file's schema that a [`NewUser`] can carry
/// (Auth0's bulk-import schema has no phone number).
fn importable(field: &str) -> bool {
    SETTABLE.contains(&field) && !field.starts_with("phone_")
}

/// One user of an import: a [`NewUser`] and, optionally, the hash of its
/// password (an import takes hashes, never passwords).
///
/// ```
/// use auth0plus_management::{ImportUser, NewUser};
/// let bon = ImportUser::new(NewUser::new().email("bon@acdc.example"))
///     .password_hash("$2b$10$C7dP3eLQ.5lKz/H8J0b9Q.1Xq3mCHkN2gM6o5i7dO3m2c6M0y9vW2");
/// assert!(!format!("{bon:?}").contains("$2b$"));
/// ```
#[derive(Clone, PartialEq)]
#[must_use]
pub struct ImportUser {
    user: NewUser,
    password_hash: Option<Secret>,
}

impl fmt::Debug for ImportUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportUser")
            .field("user", &self.user)
            .field("password_hash", &self.password_hash)
            .finish()
    }
}

impl ImportUser {
    /// A user to import.
    pub fn new(user: NewUser) -> Self {
        Self {
            user,
            password_hash: None,
        }
    }

    /// The bcrypt hash of the user's password (`password_hash`): the user
    /// signs in with the password it came from. Never printed.
    pub fn password_hash(mut self, hash: impl Into<Secret>) -> Self {
        self.password_hash = Some(hash.into());
        self
    }

    /// The user's line of the file, or why it cannot be imported (never
    /// quoting a value).
    fn to_json(&self) -> std::result::Result<Vec<u8>, String> {
        let (profile, pending) = self.user.clone().into_parts();
        if let Some(invalid) = pending.invalid {
            return Err(invalid);
        }
        if pending.password.is_some() {
            return Err(
                "it has a password; an import takes a password hash (ImportUser::password_hash)"
                    .into(),
            );
        }
        if pending.verify_email.is_some() {
            return Err("verify_email is not part of an import".into());
        }
        if pending.connection.is_some() {
            return Err("the connection is the import's, not the user's".into());
        }
        let map = profile.to_map();
        let mut line = serde_json::Map::new();
        for (field, value) in map {
            if importable(&field) {
                line.insert(field, value);
            } else if SETTABLE.contains(&field.as_str()) {
                return Err(format!("{field} is not part of Auth0's import schema"));
            }
        }
        if let Some(id) = &profile.user_id {
            // Auth0 prefixes the id with `auth0|` itself.
            let custom = id.split_once('|').map_or(id.as_str(), |(_, rest)| rest);
            line.insert("user_id".into(), Value::String(custom.to_owned()));
        }
        if let Some(hash) = &self.password_hash {
            line.insert(
                "password_hash".into(),
                Value::String(hash.expose().to_owned()),
            );
        }
        serde_json::to_vec(&line).map_err(|e| format!("it does not serialize: {e}"))
    }
}

impl From<NewUser> for ImportUser {
    fn from(user: NewUser) -> Self {
        Self::new(user)
    }
}

/// How far an import is; given to [`UserImport::on_progress`] per file and
/// per percent, never per user: when a file is sent, when a running job's
/// `percentage_done` moves, when a job completes, and once when the stream
/// has been read to its end (from then on [`ImportProgress::percent`] is
/// known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ImportProgress {
    /// Users taken from the stream so far.
    pub users_read: u64,
    /// Every user of the stream, once it has been read to its end.
    pub users_total: Option<u64>,
    /// Files uploaded (one job each).
    pub files_sent: u64,
    /// Users in the files uploaded.
    pub users_sent: u64,
    /// Users the jobs have processed: each running job's
    /// `percentage_done` of its file, and every user of a completed job.
    pub users_processed: u64,
    /// Jobs completed.
    pub jobs_completed: u64,
    /// Users created, in completed jobs.
    pub inserted: u64,
    /// Users updated (`upsert`), in completed jobs.
    pub updated: u64,
    /// Users refused, in completed jobs.
    pub failed: u64,
}

impl ImportProgress {
    /// The share of the import done, 0 to 100, once the stream has been read
    /// to its end (before, the number of users is not known).
    #[must_use]
    pub fn percent(&self) -> Option<u8> {
        let total = self.users_total?;
        if total == 0 {
            return Some(100);
        }
        let done = self.users_processed.min(total);
        // Both at most u64::MAX: the product fits in u128, the quotient in u8.
        u8::try_from(u128::from(done) * 100 / u128::from(total)).ok()
    }
}

/// One user that a job refused (`GET /jobs/{id}/errors`).
///
/// Only the user's identifiers are kept from what Auth0 echoes: never a
/// password hash or metadata. Messages are scrubbed of every hash the file
/// held.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportUserError {
    /// The job (`job_…`).
    pub job_id: String,
    /// The user's email, as the file had it.
    pub email: Option<String>,
    /// The user's id, as the file had it.
    pub user_id: Option<String>,
    /// The user's username, as the file had it.
    pub username: Option<String>,
    /// Why: one entry per problem.
    pub errors: Vec<ImportIssue>,
}

/// One reason a user was refused.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ImportIssue {
    /// `DUPLICATED_USER`, `INVALID_FORMAT`, `OBJECT_MISSING_REQUIRED_PROPERTY`…
    #[serde(default)]
    pub code: String,
    /// Auth0's message.
    #[serde(default)]
    pub message: String,
    /// The field (`email`), empty for the whole user.
    #[serde(default)]
    pub path: String,
}

impl ImportIssue {
    /// A user that exists already, in an import without `upsert`.
    #[must_use]
    pub fn is_duplicate(&self) -> bool {
        self.code == "DUPLICATED_USER"
    }
}

/// What an import did: every job, the totals and the refused users.
///
/// Auth0's import jobs return no user ids. To find the users an import
/// created or updated, [`ImportReport::find_users`] exports the connection
/// and keeps the emails you imported (one export job, however many users;
/// search lags behind an import, and `users.by_email` is a request per
/// user).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportReport {
    /// The connection the users were imported into (its `con_…` id).
    pub connection_id: String,
    /// Every job, completed, in the order they completed.
    pub jobs: Vec<JobStatus>,
    /// Users in the files.
    pub total: u64,
    /// Users created.
    pub inserted: u64,
    /// Users updated.
    pub updated: u64,
    /// Users refused; each is in [`ImportReport::errors`].
    pub failed: u64,
    /// The refused users.
    pub errors: Vec<ImportUserError>,
}

impl ImportReport {
    /// The users of [`ImportReport::connection_id`] whose email is one of
    /// `emails` (compared without case, as Auth0 stores them lower-cased),
    /// found by an export of the connection: the users an import of those
    /// emails created or updated, with their ids. A user that was already
    /// there (refused as a duplicate without `upsert`) is found too.
    ///
    /// For other fields or the export's progress, run the export yourself:
    /// `auth0.users().export().connection_id(&report.connection_id)`.
    ///
    /// ```no_run
    /// use auth0plus_management::{Auth0, NewUser};
    /// use futures::{TryStreamExt, stream};
    /// # async fn run(auth0: Auth0) -> auth0plus_management::Result<()> {
    /// let emails = ["ada@example.com", "grace@example.com"];
    /// let users = emails.map(|email| NewUser::new().email(email));
    /// let report = auth0.jobs().import_users("my-database", stream::iter(users)).run().await?;
    /// let ids: Vec<String> = report
    ///     .find_users(&auth0, emails)
    ///     .map_ok(|user| user.id().unwrap_or_default().to_owned())
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn find_users<I, S>(&self, auth0: &Auth0, emails: I) -> BoxStream<'static, Result<User>>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let wanted: HashSet<String> = emails
            .into_iter()
            .map(|email| email.as_ref().to_lowercase())
            .collect();
        auth0
            .users()
            .export()
            .connection_id(self.connection_id.clone())
            .stream()
            .try_filter(move |user| {
                let keep = user
                    .email
                    .as_deref()
                    .is_some_and(|email| wanted.contains(&email.to_lowercase()));
                future::ready(keep)
            })
            .boxed()
    }
}

type OnProgress = Arc<dyn Fn(&ImportProgress) + Send + Sync>;

/// An import of users into a database connection, made by
/// [`Jobs::import_users`](super::Jobs::import_users).
///
/// The stream is read as files fill: each file is a JSON array within
/// Auth0's 500 KB limit (a user is never split; a user too large for any
/// file is an [`Error::ImportRefused`] naming its index, sent nowhere), and
/// at most two jobs run at once (Auth0's limit per tenant; an upload waits
/// for a slot another importer holds). The last files are cut so that both
/// jobs end together. Memory holds a few files (two held back for that cut,
/// one built ahead, the uploads: about 3 MiB) whatever the number of users.
///
/// ```no_run
/// use auth0plus_management::{Auth0, NewUser};
/// use futures::stream;
/// # async fn run(auth0: Auth0) -> auth0plus_management::Result<()> {
/// let users = (0..10_000).map(|i| NewUser::new().email(format!("fan{i}@acdc.example")));
/// let report = auth0
///     .jobs()
///     .import_users("con_0123456789abcdef", stream::iter(users))
///     .upsert(true)
///     .on_progress(|p| println!("{} files sent, {} users in", p.files_sent, p.inserted))
///     .run()
///     .await?;
/// for refused in &report.errors {
///     println!("{:?}: {:?}", refused.email, refused.errors);
/// }
/// # Ok(()) }
/// ```
#[must_use]
pub struct UserImport<S> {
    auth0: Auth0,
    connection: String,
    users: S,
    upsert: bool,
    external_id: Option<String>,
    send_completion_email: Option<bool>,
    max_request_bytes: usize,
    concurrency: usize,
    poller: Poller,
    on_progress: Option<OnProgress>,
}

impl<S> fmt::Debug for UserImport<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserImport")
            .field("connection", &self.connection)
            .field("upsert", &self.upsert)
            .field("external_id", &self.external_id)
            .field("send_completion_email", &self.send_completion_email)
            .field("max_request_bytes", &self.max_request_bytes)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// One file of users: their lines, joined into a JSON array on upload.
#[derive(Default)]
struct ImportFile {
    lines: Vec<Line>,
    /// Bytes of the JSON array the lines make.
    bytes: usize,
}

impl ImportFile {
    /// Bytes of the array with `line` added.
    fn bytes_with(&self, line: &Line) -> usize {
        if self.lines.is_empty() {
            2 + line.json.len()
        } else {
            self.bytes + 1 + line.json.len()
        }
    }

    fn push(&mut self, line: Line) {
        self.bytes = self.bytes_with(&line);
        self.lines.push(line);
    }

    /// The JSON array, and the password hashes it holds (to scrub from
    /// anything echoed back).
    fn into_json(self) -> (Vec<u8>, Vec<Secret>) {
        let mut json = Vec::with_capacity(self.bytes);
        let mut secrets = Vec::new();
        json.push(b'[');
        for (i, line) in self.lines.into_iter().enumerate() {
            if i > 0 {
                json.push(b',');
            }
            json.extend_from_slice(&line.json);
            secrets.extend(line.secret);
        }
        json.push(b']');
        (json, secrets)
    }
}

/// A user read from the stream and serialized.
struct Line {
    json: Vec<u8>,
    secret: Option<Secret>,
}

impl<S, T> UserImport<S>
where
    S: Stream<Item = T> + Send + 'static,
    T: Into<ImportUser> + Send + 'static,
{
    pub(crate) fn new(auth0: Auth0, connection: String, users: S) -> Self {
        Self {
            auth0,
            connection,
            users,
            upsert: false,
            external_id: None,
            send_completion_email: None,
            max_request_bytes: MAX_IMPORT_BYTES,
            concurrency: MAX_CONCURRENT_IMPORTS,
            poller: Poller::default(),
            on_progress: None,
        }
    }

    /// Update users that exist already instead of refusing them (Auth0
    /// replaces the fields the file gives, metadata included, without
    /// merging). Default false.
    pub fn upsert(mut self, upsert: bool) -> Self {
        self.upsert = upsert;
        self
    }

    /// Your id for the jobs (`external_id`), echoed on each.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// Whether Auth0 emails the tenant owners when each job completes
    /// (Auth0's default: true).
    pub fn send_completion_email(mut self, send: bool) -> Self {
        self.send_completion_email = Some(send);
        self
    }

    /// Largest upload, in bytes (default and most [`MAX_IMPORT_BYTES`]).
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.max_request_bytes = bytes.min(MAX_IMPORT_BYTES);
        self
    }

    /// Jobs run at once: 1 or 2 (default 2, Auth0's limit).
    pub fn concurrency(mut self, jobs: usize) -> Self {
        self.concurrency = jobs.clamp(1, MAX_CONCURRENT_IMPORTS);
        self
    }

    super::poller_setters!();

    /// Called after every step: a user read, a file sent, a job completed.
    pub fn on_progress(mut self, f: impl Fn(&ImportProgress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }

    /// Run the import to the end.
    ///
    /// # Errors
    /// [`Error::MissingConnection`] without a connection;
    /// [`Error::InvalidArgument`] for a connection name that does not
    /// exist; [`Error::ImportRefused`] for a user that cannot be imported
    /// (too large, a password instead of a hash…), before its file is
    /// sent; [`Error::Job`] for a job that fails; API and transport errors.
    /// Jobs already started keep running on Auth0 after an error.
    pub async fn run(self) -> Result<ImportReport> {
        let connection_id = self.connection_id().await?;
        let mut report = ImportReport {
            connection_id: connection_id.clone(),
            ..ImportReport::default()
        };
        let fields = self.fields(connection_id);
        // What an upload takes besides its file's bytes.
        let empty = upload(&fields, String::new())
            .to_request()
            .map_err(|e| Error::InvalidArgument(format!("the upload's fields: {e}")))?;
        let envelope = multipart::encoded_len(&empty.form.unwrap_or_default());
        let budget = self.max_request_bytes.saturating_sub(envelope);
        let progress = Arc::new(Mutex::new(ImportProgress::default()));
        let mut files = Box::pin(files(
            self.users,
            budget,
            Tracker::new(progress.clone(), self.on_progress.clone()),
        ));
        let job = Arc::new(JobRunner {
            auth0: self.auth0,
            fields,
            poller: self.poller,
            tracker: Tracker::new(progress, self.on_progress),
        });
        let mut running = FuturesUnordered::new();
        // The next file, built while the jobs run, so a slot that frees
        // is filled at once.
        let mut next: Option<ImportFile> = None;
        let mut more = true;
        loop {
            while running.len() < self.concurrency {
                let Some(file) = next.take() else { break };
                running.push(run_job(job.clone(), file));
            }
            if more && next.is_none() {
                let built = if running.is_empty() {
                    files.try_next().await?
                } else {
                    match future::select(files.try_next(), running.next()).await {
                        Either::Left((built, _)) => built?,
                        Either::Right((done, _)) => {
                            if let Some(done) = done {
                                report.add(done?);
                            }
                            continue;
                        }
                    }
                };
                match built {
                    Some(file) => next = Some(file),
                    None => more = false,
                }
            } else {
                match running.next().await {
                    Some(done) => report.add(done?),
                    None => return Ok(report),
                }
            }
        }
    }

    /// The body of every upload, but its file.
    fn fields(&self, connection_id: String) -> CreateImportUsersRequestContent {
        CreateImportUsersRequestContent {
            connection_id: Some(connection_id),
            upsert: Some(self.upsert),
            external_id: self.external_id.clone(),
            send_completion_email: self.send_completion_email,
            ..Default::default()
        }
    }

    /// The connection's id: given, or found by its exact name
    /// ([`Collection::id_of`](crate::Collection::id_of)).
    async fn connection_id(&self) -> Result<String> {
        let connection = match self.connection.trim() {
            "" => self
                .auth0
                .default_connection()
                .ok_or(Error::MissingConnection)?,
            given => given,
        };
        if is_connection_id(connection) {
            return Ok(connection.to_owned());
        }
        self.auth0.connections().id_of(connection).await
    }
}

/// `con_` and 16 letters or digits, as Auth0 makes them.
fn is_connection_id(s: &str) -> bool {
    s.strip_prefix("con_").is_some_and(|rest| {
        !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Counts and reports progress.
#[derive(Clone)]
struct Tracker {
    progress: Arc<Mutex<ImportProgress>>,
    on_progress: Option<OnProgress>,
}

impl Tracker {
    fn new(progress: Arc<Mutex<ImportProgress>>, on_progress: Option<OnProgress>) -> Self {
        Self {
            progress,
            on_progress,
        }
    }

    /// Count without telling: a user read is not worth a call.
    fn count(&self, step: impl FnOnce(&mut ImportProgress)) {
        step(
            &mut self
                .progress
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
    }

    /// Count, and tell the caller's `on_progress`.
    fn update(&self, step: impl FnOnce(&mut ImportProgress)) {
        let now = {
            let mut progress = self
                .progress
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            step(&mut progress);
            *progress
        };
        if let Some(on_progress) = &self.on_progress {
            on_progress(&now);
        }
    }
}

/// The users as files of at most `budget` bytes, each read from the
/// stream only when the file before it has been taken, the last ones cut
/// so that the two jobs finish together (see [`balance`]). Two files are
/// held back to do that.
fn files<S, T>(
    users: S,
    budget: usize,
    tracker: Tracker,
) -> impl Stream<Item = Result<ImportFile>> + Send + 'static
where
    S: Stream<Item = T> + Send + 'static,
    T: Into<ImportUser> + Send + 'static,
{
    struct State<G> {
        full: G,
        held: VecDeque<ImportFile>,
        ready: VecDeque<ImportFile>,
        sent: u64,
        ended: bool,
    }
    let state = State {
        full: Box::pin(full_files(users, budget, tracker)),
        held: VecDeque::new(),
        ready: VecDeque::new(),
        sent: 0,
        ended: false,
    };
    stream::try_unfold(state, move |mut st| async move {
        loop {
            if let Some(file) = st.ready.pop_front() {
                st.sent += 1;
                return Ok(Some((file, st)));
            }
            if st.ended {
                return Ok(None);
            }
            match st.full.try_next().await? {
                Some(file) => {
                    st.held.push_back(file);
                    if st.held.len() > 2 {
                        st.ready.extend(st.held.pop_front());
                    }
                }
                None => {
                    st.ended = true;
                    let tail = std::mem::take(&mut st.held);
                    st.ready = balance(tail, st.sent, budget);
                }
            }
        }
    })
}

/// The last files, recut so that the two jobs end together. Jobs take time
/// by the users in them and alternate between the two slots, so after
/// `sent` full files one slot is a file ahead when `sent` is odd. Then the
/// first held file goes as it is (to the other slot) and the rest is cut in
/// two halves; when `sent` is even, everything held is cut in two halves.
/// A tail under a quarter of a file is not cut: a job more costs more than
/// it saves there.
fn balance(mut tail: VecDeque<ImportFile>, sent: u64, budget: usize) -> VecDeque<ImportFile> {
    let mut out = VecDeque::new();
    if sent % 2 == 1 && tail.len() == 2 {
        out.extend(tail.pop_front());
    }
    let mut rest = ImportFile::default();
    for file in tail {
        for line in file.lines {
            rest.push(line);
        }
    }
    if rest.lines.is_empty() {
        return out;
    }
    if (rest.lines.len() < 2 || rest.bytes < budget / 4) && rest.bytes <= budget {
        out.push_back(rest);
        return out;
    }
    // The cut nearest half the users with both halves within the budget;
    // one exists, since the held files were within it.
    let mut sizes = Vec::with_capacity(rest.lines.len() + 1);
    let mut total = 0;
    sizes.push(0);
    for line in &rest.lines {
        total += line.json.len();
        sizes.push(total);
    }
    let n = rest.lines.len();
    let fits = |k: usize| {
        let head = 2 + sizes[k] + k.saturating_sub(1);
        let tail = 2 + (total - sizes[k]) + (n - k).saturating_sub(1);
        head <= budget && tail <= budget
    };
    let cut = (1..n)
        .filter(|&k| fits(k))
        .min_by_key(|&k| k.abs_diff(n.div_ceil(2)))
        .unwrap_or(n);
    let mut second = ImportFile::default();
    for line in rest.lines.drain(cut..) {
        second.push(line);
    }
    let mut first = ImportFile::default();
    for line in rest.lines {
        first.push(line);
    }
    out.push_back(first);
    if !second.lines.is_empty() {
        out.push_back(second);
    }
    out
}

/// The users as full files of at most `budget` bytes, each filled from the
/// stream only when asked for.
fn full_files<S, T>(
    users: S,
    budget: usize,
    tracker: Tracker,
) -> impl Stream<Item = Result<ImportFile>> + Send + 'static
where
    S: Stream<Item = T> + Send + 'static,
    T: Into<ImportUser> + Send + 'static,
{
    // Fused: the last file's call finds the end again, and a stream (an
    // `unfold`, an `async-stream`) may panic when polled after its end.
    let state = (Box::pin(users.fuse()), None::<Line>, 0_u64, tracker);
    stream::try_unfold(
        state,
        move |(mut users, mut carry, mut read, tracker)| async move {
            let mut file = ImportFile::default();
            loop {
                let line = match carry.take() {
                    Some(line) => line,
                    None => match users.next().await {
                        None => {
                            // The end of the stream: the total is known (told once).
                            if read_all(&tracker) {
                                tracker.update(|p| p.users_total = Some(p.users_read));
                            }
                            break;
                        }
                        Some(user) => {
                            let index = read;
                            read += 1;
                            // Let the running jobs' polls through while a file fills.
                            if read % YIELD_EVERY == 0 {
                                super::yield_now().await;
                            }
                            tracker.count(|p| p.users_read += 1);
                            let user: ImportUser = user.into();
                            let json = user
                                .to_json()
                                .map_err(|reason| Error::ImportRefused { index, reason })?;
                            // `[`, the line and `]`: the smallest file.
                            if json.len() + 2 > budget {
                                return Err(Error::ImportRefused {
                                    index,
                                    reason: format!(
                                        "it takes {} bytes, more than a file can hold ({} bytes)",
                                        json.len(),
                                        budget.saturating_sub(2)
                                    ),
                                });
                            }
                            Line {
                                json,
                                secret: user.password_hash,
                            }
                        }
                    },
                };
                if file.bytes_with(&line) > budget {
                    carry = Some(line);
                    break;
                }
                file.push(line);
            }
            if file.lines.is_empty() {
                return Ok(None);
            }
            Ok(Some((file, (users, carry, read, tracker))))
        },
    )
}

/// Whether the tracker does not know the stream's total yet.
fn read_all(tracker: &Tracker) -> bool {
    tracker
        .progress
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .users_total
        .is_none()
}

/// The upload of the file `users` (a JSON array) with the `fields` of
/// every upload.
fn upload(fields: &CreateImportUsersRequestContent, users: String) -> CreateJobsUsersImports {
    CreateJobsUsersImports::new(CreateImportUsersRequestContent {
        users: Some(Secret::new(users)),
        ..fields.clone()
    })
}

/// [`JobRunner::run`], owning what it needs.
async fn run_job(
    job: Arc<JobRunner>,
    file: ImportFile,
) -> Result<(JobStatus, Vec<ImportUserError>)> {
    job.run(file).await
}

impl ImportReport {
    /// Count a completed job.
    fn add(&mut self, (status, errors): (JobStatus, Vec<ImportUserError>)) {
        // The counts are the server's: added without overflow.
        let summary = status.summary.unwrap_or_default();
        self.total = self.total.saturating_add(summary.total);
        self.inserted = self.inserted.saturating_add(summary.inserted);
        self.updated = self.updated.saturating_add(summary.updated);
        self.failed = self.failed.saturating_add(summary.failed);
        self.errors.extend(errors);
        self.jobs.push(status);
    }
}

/// Uploads one file and waits for its job.
struct JobRunner {
    auth0: Auth0,
    fields: CreateImportUsersRequestContent,
    poller: Poller,
    tracker: Tracker,
}

impl JobRunner {
    async fn run(&self, file: ImportFile) -> Result<(JobStatus, Vec<ImportUserError>)> {
        // A job refuses at most the users of its file.
        let users = file.lines.len();
        let (json, secrets) = file.into_json();
        let json = String::from_utf8(json)
            .map_err(|_| Error::InvalidArgument("the users file is not UTF-8".into()))?;
        let request = ApiRequest::of_upload(&upload(&self.fields, json), secrets.clone())?;
        let job = self.upload(&request).await?;
        drop(request);
        let file_users = u64::try_from(users).unwrap_or(u64::MAX);
        self.tracker.update(|p| {
            p.files_sent += 1;
            p.users_sent = p.users_sent.saturating_add(file_users);
        });
        let processed = Arc::new(AtomicU64::new(0));
        let done = self
            .poller_telling(file_users, processed.clone())
            .wait(&self.auth0, job)
            .await?;
        let summary = done.summary.unwrap_or_default();
        let errors = if done.summary.is_none() || summary.failed > 0 {
            self.errors(&done.id, &secrets, users).await?
        } else {
            Vec::new()
        };
        // The counts are the server's: added without overflow.
        let before = processed.swap(file_users, Ordering::Relaxed);
        self.tracker.update(|p| {
            // Every user of the file is processed now, whatever the last poll said.
            p.users_processed = p.users_processed.saturating_add(file_users - before);
            p.jobs_completed += 1;
            p.inserted = p.inserted.saturating_add(summary.inserted);
            p.updated = p.updated.saturating_add(summary.updated);
            p.failed = p.failed.saturating_add(summary.failed);
        });
        Ok((done, errors))
    }

    /// The poller for one job of `file_users` users: each poll whose
    /// `percentage_done` moves adds the users it stands for to the
    /// progress (kept in `processed`, at most `file_users`) and tells the
    /// caller.
    fn poller_telling(&self, file_users: u64, processed: Arc<AtomicU64>) -> Poller {
        let tracker = self.tracker.clone();
        let before = self.poller.on_status.clone();
        let mut poller = self.poller.clone();
        poller.on_status = Some(Arc::new(move |status: &JobStatus| {
            if let Some(before) = &before {
                before(status);
            }
            let percent = status.percentage_done.unwrap_or(0).min(100);
            let now = u64::try_from(u128::from(file_users) * u128::from(percent) / 100)
                .unwrap_or(file_users);
            let was = processed.fetch_max(now, Ordering::Relaxed);
            if now > was {
                tracker.update(|p| p.users_processed = p.users_processed.saturating_add(now - was));
            }
        }));
        poller
    }

    /// `POST /jobs/users-imports`. A 429 that outlasts the retry policy
    /// means the tenant's two import slots are taken (by another importer):
    /// wait with the poller's backoff, within its timeout, and ask again.
    async fn upload(&self, request: &ApiRequest) -> Result<JobStatus> {
        let started = self.auth0.clock().now();
        let mut delay = self.poller.first;
        loop {
            match JobStatus::fetch(&self.auth0, request).await {
                Err(Error::Api(api)) if api.status == 429 => {
                    if self
                        .poller
                        .step(&self.auth0, started, &mut delay)
                        .await
                        .is_err()
                    {
                        return Err(Error::Api(api));
                    }
                }
                outcome => return outcome,
            }
        }
    }

    /// `GET /jobs/{id}/errors`, reduced to identifiers, scrubbed of the
    /// file's `hashes` and the bearer token, decoded one entry at a time:
    /// at most `users` entries (the users of the job's file) are kept.
    async fn errors(
        &self,
        job_id: &str,
        hashes: &[Secret],
        users: usize,
    ) -> Result<Vec<ImportUserError>> {
        let request = ApiRequest::of(&GetJobErrors::new(job_id))?;
        let (response, token) = self.auth0.execute_with_token(&request).await?;
        let scrubber = Scrubber::new(hashes.iter().chain([&token]));
        user_errors(job_id, response.body(), &scrubber, users)
            .map_err(|failure| crate::decode::decode_error(&response, failure, &scrubber))
    }
}

/// At most this many problems are kept per refused user (Auth0 reports
/// one per field at fault).
const MAX_ISSUES_PER_USER: usize = 10;

/// The typed errors of a `GET /jobs/{id}/errors` answer (an array; empty
/// for a 204; a job object when the whole job failed, which has none),
/// decoded straight from the body one entry at a time, with no JSON tree:
/// only each user's identifiers and problems are read, the rest (a hash,
/// metadata) is skipped unread. At most `max` entries are kept.
fn user_errors(
    job_id: &str,
    body: &[u8],
    scrubber: &Scrubber,
    max: usize,
) -> std::result::Result<Vec<ImportUserError>, crate::decode::DecodeFailure> {
    let body: &[u8] = if body.is_empty() { b"null" } else { body };
    let mut de = serde_json::Deserializer::from_slice(body);
    let entries = ErrorEntries {
        job_id,
        scrubber,
        max,
    };
    let failure = |e: serde_json::Error| crate::decode::DecodeFailure {
        path: String::new(),
        message: e.to_string(),
    };
    let errors = serde::de::DeserializeSeed::deserialize(entries, &mut de).map_err(failure)?;
    de.end().map_err(failure)?;
    Ok(errors)
}

/// The entries of an errors answer, read one at a time.
struct ErrorEntries<'a> {
    job_id: &'a str,
    scrubber: &'a Scrubber,
    max: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for ErrorEntries<'_> {
    type Value = Vec<ImportUserError>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        de: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ErrorEntries<'_> {
    type Value = Vec<ImportUserError>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of refused users")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let short = |text: Option<String>| {
            text.map(|text| self.scrubber.scrubbed_within(&text, SHORT_TEXT_LIMIT))
        };
        let mut errors = Vec::new();
        while errors.len() < self.max {
            let Some(entry) = seq.next_element::<RawEntry>()? else {
                return Ok(errors);
            };
            let user = entry.user.unwrap_or_default();
            let issues = entry.errors.0.into_iter().map(|issue| ImportIssue {
                code: short(issue.code.0).unwrap_or_default(),
                message: issue
                    .message
                    .0
                    .map(|text| self.scrubber.scrubbed_within(&text, SERVER_TEXT_LIMIT))
                    .unwrap_or_default(),
                path: short(issue.path.0).unwrap_or_default(),
            });
            errors.push(ImportUserError {
                job_id: self.job_id.to_owned(),
                email: short(user.email.0),
                user_id: short(user.user_id.0),
                username: short(user.username.0),
                errors: issues.collect(),
            });
        }
        // Past the users of the file: skipped unread.
        let mut ignored = 0_u64;
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
            ignored += 1;
        }
        if ignored > 0 {
            tracing::warn!(
                job = self.job_id,
                kept = errors.len(),
                ignored,
                "the job reports more refused users than its file held; the rest are ignored"
            );
        }
        Ok(errors)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        serde::de::IgnoredAny.visit_map(map).map(|_| Vec::new())
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

/// One entry of an errors answer: the user's identifiers (nothing else of
/// the user is read) and its problems.
#[derive(Deserialize)]
struct RawEntry {
    #[serde(default)]
    user: Option<RawUser>,
    #[serde(default)]
    errors: RawIssues,
}

#[derive(Deserialize, Default)]
struct RawUser {
    #[serde(default)]
    email: Text,
    #[serde(default)]
    user_id: Text,
    #[serde(default)]
    username: Text,
}

#[derive(Deserialize)]
struct RawIssue {
    #[serde(default)]
    code: Text,
    #[serde(default)]
    message: Text,
    #[serde(default)]
    path: Text,
}

/// A text of the server's, when it is one (a string or a number); `None`
/// for anything else, which is skipped.
#[derive(Default)]
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> std::result::Result<Self, D::Error> {
        crate::page::IdText::deserialize(de).map(|text| Self(text.0.map(Cow::into_owned)))
    }
}

/// The first [`MAX_ISSUES_PER_USER`] problems of a user (a list of
/// objects, or `null`); the rest are skipped unread.
#[derive(Default)]
struct RawIssues(Vec<RawIssue>);

impl<'de> Deserialize<'de> for RawIssues {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> std::result::Result<Self, D::Error> {
        de.deserialize_any(IssuesVisitor)
    }
}

struct IssuesVisitor;

impl<'de> serde::de::Visitor<'de> for IssuesVisitor {
    type Value = RawIssues;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of problems")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<RawIssues, A::Error> {
        let mut issues = Vec::new();
        while issues.len() < MAX_ISSUES_PER_USER {
            match seq.next_element::<RawIssue>()? {
                Some(issue) => issues.push(issue),
                None => return Ok(RawIssues(issues)),
            }
        }
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(RawIssues(issues))
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<RawIssues, E> {
        Ok(RawIssues::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_line_of_a_user_has_only_importable_fields() {
        let user = ImportUser::new(
            NewUser::new()
                .email("bon@acdc.example")
                .email_verified(true)
                .user_id("auth0|abc")
                .user_metadata(json!({"band": "AC/DC"})),
        )
        .password_hash("$2b$10$abcdefghijklmnopqrstuv");
        let line: Value = serde_json::from_slice(&user.to_json().unwrap()).unwrap();
        assert_eq!(
            line,
            json!({"email": "bon@acdc.example", "email_verified": true, "user_id": "abc",
                   "user_metadata": {"band": "AC/DC"}, "password_hash": "$2b$10$abcdefghijklmnopqrstuv"})
        );
    }

    #[test]
    fn refusals_never_quote_a_value() {
        for (user, says) in [
            (
                NewUser::new().email("a@x").password("Sw0rdfish!"),
                "password hash",
            ),
            (
                NewUser::new().email("a@x").phone_number("+15550100"),
                "phone_number",
            ),
            (NewUser::new().email("a@x").connection("db"), "connection"),
            (
                NewUser::new().email("a@x").verify_email(true),
                "verify_email",
            ),
        ] {
            let reason = ImportUser::new(user).to_json().unwrap_err();
            assert!(reason.contains(says), "{reason}");
            for value in ["Sw0rdfish", "+1555", "a@x"] {
                assert!(!reason.contains(value), "{reason}");
            }
        }
    }

    #[test]
    fn errors_keep_identifiers_only_and_scrub_hashes() {
        let hash = Secret::new("$2b$10$secrethashsecrethashse");
        let answer = json!([{
            "user": {"email": "a@x", "user_id": "u1", "password_hash": hash.expose(),
                     "user_metadata": {"ssn": "123"}},
            "errors": [{"code": "INVALID_PASSWORD_HASH", "message": format!("bad hash {}", hash.expose()), "path": "password_hash"}]
        }]);
        let body = answer.to_string();
        let errors = user_errors("job_1", body.as_bytes(), &Scrubber::new([&hash]), 10)
            .map_err(|f| f.message)
            .unwrap();
        assert_eq!(errors.len(), 1);
        let shown = format!("{errors:?}");
        assert!(
            !shown.contains("secrethash") && !shown.contains("ssn"),
            "{shown}"
        );
        assert_eq!(errors[0].email.as_deref(), Some("a@x"));
        assert_eq!(errors[0].errors[0].code, "INVALID_PASSWORD_HASH");
        // A 204, a job object (the whole job failed): no user errors.
        for body in ["", "null", r#"{"id":"job_1","status":"failed"}"#] {
            let none = user_errors("job_1", body.as_bytes(), &Scrubber::new([]), 10)
                .map_err(|f| f.message)
                .unwrap();
            assert!(none.is_empty(), "{body}");
        }
        // Not JSON: a typed failure, never a panic.
        assert!(user_errors("job_1", b"[{", &Scrubber::new([]), 10).is_err());
    }

    #[test]
    fn errors_are_read_leniently_and_bounded() {
        // Identifiers of other types are skipped, numbers written out; a
        // user without `errors`, or with `null`, has none.
        let body = json!([
            {"user": {"email": 7, "user_id": {"x": 1}, "username": ["u"]}},
            {"user": null, "errors": null},
            {"errors": [{"code": 42}]},
        ])
        .to_string();
        let errors = user_errors("job_1", body.as_bytes(), &Scrubber::new([]), 10)
            .map_err(|f| f.message)
            .unwrap();
        assert_eq!(errors.len(), 3);
        assert_eq!(errors[0].email.as_deref(), Some("7"));
        assert_eq!(
            (errors[0].user_id.as_ref(), errors[0].username.as_ref()),
            (None, None)
        );
        assert!(errors[1].errors.is_empty());
        assert_eq!(errors[2].errors[0].code, "42");
        // At most `max` entries, MAX_ISSUES_PER_USER problems each, texts cut.
        let mut issues = vec![json!({"code": "X", "message": "m".repeat(100_000)})];
        issues.extend(std::iter::repeat_n(json!({"code": "Y"}), 49));
        let long = json!({"user": {"email": "e".repeat(100_000)}, "errors": issues});
        let mut entries = vec![long];
        entries.extend(std::iter::repeat_n(json!({"errors": []}), 19));
        let body = Value::Array(entries).to_string();
        let errors = user_errors("job_1", body.as_bytes(), &Scrubber::new([]), 3)
            .map_err(|f| f.message)
            .unwrap();
        assert_eq!(errors.len(), 3);
        assert_eq!(errors[0].errors.len(), MAX_ISSUES_PER_USER);
        assert!(errors[0].email.as_ref().unwrap().len() < 512);
        assert!(errors[0].errors[0].message.len() < 8 * 1024);
        assert!(errors[0].errors[0].message.ends_with(" bytes in all]"));
    }

    #[test]
    fn an_import_can_be_spawned() {
        fn send_static<T: Send + 'static>(_: &T) {}
        let auth0 = Auth0::builder("acme.auth0.com")
            .token("a-token-of-some-length")
            .build()
            .unwrap();
        let run = auth0
            .jobs()
            .import_users("con_0123456789abcdef", stream::iter(fans(3)))
            .run();
        send_static(&run);
    }

    #[test]
    fn connection_ids_are_recognised() {
        assert!(is_connection_id("con_0123456789abcdef"));
        for name in [
            "Username-Password-Authentication",
            "con_",
            "con_a/b",
            "con_ x",
        ] {
            assert!(!is_connection_id(name), "{name}");
        }
    }

    fn fans(n: usize) -> Vec<NewUser> {
        (0..n)
            .map(|i| NewUser::new().email(format!("user{i:04}@acdc.example")))
            .collect()
    }

    /// The users per file, as read from the stream with `budget`.
    async fn cut(n: usize, budget: usize) -> Vec<usize> {
        let progress = Arc::new(Mutex::new(ImportProgress::default()));
        let files: Vec<ImportFile> = files(
            stream::iter(fans(n)),
            budget,
            Tracker::new(progress.clone(), None),
        )
        .try_collect()
        .await
        .unwrap();
        assert_eq!(progress.lock().unwrap().users_read, n as u64);
        let mut emails = Vec::new();
        let sizes = files
            .into_iter()
            .map(|file| {
                let (json, _) = file.into_json();
                assert!(json.len() <= budget, "{} > {budget}", json.len());
                let array: Vec<Value> = serde_json::from_slice(&json).unwrap();
                emails.extend(array.iter().map(|u| u["email"].clone()));
                array.len()
            })
            .collect();
        // Every user once, in order, none split.
        let expected: Vec<Value> = (0..n)
            .map(|i| json!(format!("user{i:04}@acdc.example")))
            .collect();
        assert_eq!(emails, expected);
        sizes
    }

    #[tokio::test]
    async fn files_fill_to_the_budget_and_the_last_are_cut_so_both_jobs_end_together() {
        let line = ImportUser::new(fans(1)[0].clone()).to_json().unwrap().len();
        let budget = 10 * (line + 1) + 1; // ten users a file
        // 8 full files sent (even): the 10 + 5 held are cut 8 + 7.
        assert_eq!(
            cut(95, budget).await,
            [10, 10, 10, 10, 10, 10, 10, 10, 8, 7]
        );
        // 7 sent (odd): the next full file goes whole, the 5 left are cut.
        assert_eq!(
            cut(85, budget).await,
            [10, 10, 10, 10, 10, 10, 10, 10, 3, 2]
        );
        // Exactly full files.
        assert_eq!(cut(100, budget).await, [10; 10]);
        // One file: cut in two, so two jobs share it.
        assert_eq!(cut(9, budget).await, [5, 4]);
        // A tail under a quarter of a file is not worth a job more.
        assert_eq!(cut(1, budget).await, [1]);
        assert_eq!(cut(21, budget).await, [10, 10, 1]);
        assert!(cut(0, budget).await.is_empty());
    }

    #[tokio::test]
    async fn an_oversized_user_is_refused_by_index() {
        let users = vec![
            NewUser::new().email("a@x.example"),
            NewUser::new()
                .email("b@x.example")
                .user_metadata(json!({"blob": "z".repeat(600)})),
        ];
        let tracker = Tracker::new(Arc::new(Mutex::new(ImportProgress::default())), None);
        let outcome: Result<Vec<ImportFile>> =
            files(stream::iter(users), 500, tracker).try_collect().await;
        let Err(Error::ImportRefused { index, reason }) = outcome else {
            panic!("not refused");
        };
        assert_eq!(index, 1);
        assert!(
            !reason.contains("zzz") && !reason.contains("b@x"),
            "{reason}"
        );
    }
}
