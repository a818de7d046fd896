//! A nightly job: the tenant's log since the last run to NDJSON, and every
//! user exported to CSV, with progress on stderr.
//!
//! ```text
//! cargo run -p auth0plus --features fake --example nightly
//! ```
//!
//! Each run writes into one folder:
//! - `logs-since-<checkpoint>.ndjson`: the events written after the saved
//!   checkpoint (`logs.after(log_id)`: oldest first, by checkpoint, so past
//!   the 1,000 a search reaches), one JSON object a line; the first run,
//!   with no checkpoint, takes the whole log (`logs-since-start.ndjson`);
//! - `logs.checkpoint`: the last event's `log_id`, saved only once its file
//!   is complete, so a run that fails half-way is simply run again: it
//!   rewrites the same file from the same checkpoint (nothing lost, nothing
//!   twice);
//! - `users.csv.gz`: the export job's CSV file, gzip-compressed as Auth0
//!   serves it (`download()`).
//!
//! `main` runs it twice against the embedded fake tenant; point
//! `Auth0::builder` at a real tenant (scopes `read:logs`, `read:users`)
//! and the rest is unchanged. `tests/examples.rs` runs it against the fake.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use auth0plus::LogEvent;
use auth0plus::management::ExportFormat;
use auth0plus::prelude::*;
use futures::{Stream, TryStreamExt};

/// The checkpoint file: the `log_id` of the last event saved.
pub const CHECKPOINT: &str = "logs.checkpoint";
/// The users' file.
pub const USERS_FILE: &str = "users.csv.gz";
/// The fields of the users' CSV, in its column order.
pub const USER_FIELDS: [&str; 4] = ["user_id", "email", "created_at", "last_login"];

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The NDJSON file written.
    pub logs_file: PathBuf,
    /// The events in it.
    pub events: u64,
    /// The checkpoint saved for the next run (unchanged when no event came).
    pub checkpoint: Option<String>,
    /// The size of `users.csv.gz`.
    pub users_file_bytes: u64,
}

/// Any failure of the job (the client's errors and file errors).
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// One nightly run into `dir` (created if missing).
///
/// # Errors
/// What Auth0 answers, a checkpoint that is not a log id, or a file error.
pub async fn run(auth0: &Auth0, dir: &Path) -> Result<Report, Failure> {
    std::fs::create_dir_all(dir)?;
    let checkpoint = read_checkpoint(dir)?;
    let logs = auth0.logs();
    let (events, name) = match &checkpoint {
        Some(log_id) => (
            logs.after(log_id.clone()),
            format!("logs-since-{log_id}.ndjson"),
        ),
        None => (logs.all().stream(), "logs-since-start.ndjson".to_owned()),
    };
    let logs_file = dir.join(name);
    let (count, last) = save_events(events, &logs_file).await?;
    let checkpoint = last.or(checkpoint);
    if let Some(log_id) = &checkpoint {
        write_atomically(&dir.join(CHECKPOINT), log_id.as_bytes())?;
    }

    let last_percent = AtomicU64::new(u64::MAX);
    let gzip = auth0
        .users()
        .export()
        .format(ExportFormat::Csv)
        .fields(USER_FIELDS)
        .poll_interval(Duration::from_millis(200), Duration::from_secs(10))
        .on_progress(move |job| {
            // The job is polled with backoff; say something only when the percentage moves.
            let percent = if job.is_completed() {
                100
            } else {
                job.percentage_done.unwrap_or(0)
            };
            if last_percent.swap(percent, Ordering::Relaxed) != percent {
                eprintln!("export: {percent:>3}% ({})", job.status);
            }
        })
        .download()
        .await?;
    write_atomically(&dir.join(USERS_FILE), &gzip)?;
    eprintln!("users: {} bytes of gzip CSV in {USERS_FILE}", gzip.len());

    Ok(Report {
        logs_file,
        events: count,
        checkpoint,
        users_file_bytes: gzip.len() as u64,
    })
}

/// The saved checkpoint, if any. It becomes part of a file name, so it must
/// look like a log id: a server's or an editor's odd value never names a
/// path elsewhere.
fn read_checkpoint(dir: &Path) -> Result<Option<String>, Failure> {
    let log_id = match std::fs::read_to_string(dir.join(CHECKPOINT)) {
        Ok(text) => text.trim().to_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if log_id.is_empty()
        || !log_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(format!("{CHECKPOINT} does not hold a log id").into());
    }
    Ok(Some(log_id))
}

/// Write `events` to `path` as NDJSON (through a temporary file, renamed when
/// complete); the count and the last `log_id`.
async fn save_events(
    mut events: impl Stream<Item = Result<LogEvent, Error>> + Unpin,
    path: &Path,
) -> Result<(u64, Option<String>), Failure> {
    // A batch job: plain blocking writes (buffered) are fine here; a server
    // would hand them to `tokio::fs` or a blocking task.
    let partial = path.with_extension("partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&partial)?);
    let (mut count, mut last) = (0_u64, None);
    while let Some(event) = events.try_next().await? {
        serde_json::to_writer(&mut out, &event)?;
        out.write_all(b"\n")?;
        count += 1;
        if count % 1_000 == 0 {
            eprintln!("logs: {count} events");
        }
        last = Some(event.log_id);
    }
    out.into_inner()
        .map_err(std::io::IntoInnerError::into_error)?
        .sync_all()?;
    std::fs::rename(&partial, path)?;
    eprintln!("logs: {count} events in {}", path.display());
    Ok((count, last))
}

/// `bytes` into `path` whole or not at all (a temporary file, then a rename).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let partial = path.with_extension("partial");
    let mut file = std::fs::File::create(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(partial, path)
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let tenant = auth0plus::fake::FakeTenant::builder()
        .seed_users(2_500)
        .export_duration(Duration::from_secs(2))
        .start()
        .await?;
    let auth0 = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url()) // only for the fake: a real tenant is https://{domain}
        .build()?;
    let dir = std::env::temp_dir().join(format!("auth0plus-nightly-{}", std::process::id()));

    let first = run(&auth0, &dir).await?;
    println!("first night: {first:?}");
    // A day's work: a sign-up and a refusal, both logged.
    auth0
        .users()
        .create(
            NewUser::new()
                .email("day@acdc.example")
                .password("Sw0rdfish!"),
        )
        .await?;
    let _ = auth0.users().get_by_id("auth0|nobody").await;
    let second = run(&auth0, &dir).await?;
    println!("second night: {second:?}");
    println!("files in {}", dir.display());
    Ok(())
}
