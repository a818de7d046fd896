//! Hostile servers against the client's memory (issue 15): bodies that
//! never end on every path, and an export file that decompresses to one
//! 2 GiB line. Each test asserts the peak heap growth it caused, measured by
//! a counting global allocator, so the tests in this binary run one at a
//! time.

#[path = "support/hostile_server.rs"]
mod hostile_server;

use std::io::Write as _;
use std::sync::Arc;

use auth0plus::transport::TransportError;
use auth0plus::{Auth0, Error};
use futures::StreamExt as _;
use hostile_server::{Hostile, Reply};
use serde_json::json;

#[global_allocator]
static HEAP: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

const MIB: usize = 1024 * 1024;

/// One memory test at a time: the peak is process-wide.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Run `work`; how much the heap grew at its peak, in bytes.
async fn peak_growth<T>(work: impl std::future::Future<Output = T>) -> (T, usize) {
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let out = work.await;
    let grew = HEAP.peak_usage().saturating_sub(before);
    eprintln!("peak heap growth: {} KiB", grew / 1024);
    (out, grew)
}

/// A megabyte of `{`: endless JSON that never closes.
fn endless_json() -> Reply {
    Reply::Endless {
        chunk: Arc::new(vec![b'['; MIB]),
        // Before the fix the client held all of it: far past the bound.
        total: Some(512 * MIB as u64),
    }
}

fn too_large(err: &Error) -> bool {
    let transport: Option<&TransportError> = match err {
        Error::Transport(t) => Some(t),
        Error::Token(auth0plus::oauth::Error::Transport(t)) => Some(t),
        _ => None,
    };
    transport.is_some_and(TransportError::is_too_large)
}

/// Row: an endless body on `GET /users/x` and on `/oauth/token` took the
/// client past 1.5 GB. Both stop at the default 32 MiB limit now, with a
/// typed error.
#[tokio::test]
async fn endless_bodies_on_the_api_and_token_paths_stop_at_the_limit() {
    let _one = SERIAL.lock().await;
    let server = Hostile::start(|_| endless_json()).await;
    let api = Auth0::builder("tenant.auth0.com")
        .token("a-static-token-1234")
        .base_url(&server.base_url)
        .build()
        .unwrap();
    let (outcome, grew) = peak_growth(api.users().get_by_id("auth0|1")).await;
    let err = outcome.unwrap_err();
    assert!(too_large(&err), "{err:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "a body too large is not retried"
    );
    assert!(
        grew < 96 * MIB,
        "API path: the heap grew {} MiB",
        grew / MIB
    );

    let token = Auth0::builder("tenant.auth0.com")
        .client_credentials("client-id", "client-secret")
        .base_url(&server.base_url)
        .build()
        .unwrap();
    let (outcome, grew) = peak_growth(token.users().get_by_id("auth0|1")).await;
    let err = outcome.unwrap_err();
    assert!(too_large(&err), "{err:?}");
    assert!(
        grew < 96 * MIB,
        "token path: the heap grew {} MiB",
        grew / MIB
    );
}

/// `count` NDJSON user records, gzipped as one member.
fn gzip_records(count: usize) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for n in 0..count {
        let record = json!({
            "user_id": format!("auth0|{n:024}"),
            "email": format!("user{n}@example.com"),
            "identities": [{"connection": "db", "provider": "auth0", "user_id": format!("{n:024}")}],
            "user_metadata": {"plan": "pro", "bio": "x".repeat(200)},
        });
        writeln!(gz, "{record}").unwrap();
    }
    gz.finish().unwrap()
}

/// A server whose export job is done at once, its file at `/file`.
async fn export_server(file: Reply) -> Hostile {
    let file = std::sync::Mutex::new(Some(file));
    Hostile::start(move |req| match req.path.as_str() {
        "/api/v2/jobs/users-exports" => Reply::json(
            201,
            json!({"id": "job_1", "status": "completed", "type": "users_export",
                   "location": format!("http://{}/file", req.host)})
            .to_string(),
        ),
        "/file" => file
            .lock()
            .unwrap()
            .take()
            .unwrap_or_else(|| Reply::json(404, "{}")),
        _ => Reply::json(404, "{}"),
    })
    .await
}

fn export_client(server: &Hostile) -> Auth0 {
    Auth0::builder("tenant.auth0.com")
        .token("a-static-token-1234")
        .base_url(&server.base_url)
        .build()
        .unwrap()
}

/// Row: an endless export download was read whole before the first record.
/// Now records come as the file arrives: 200,000 records of an endless file
/// are read while the heap holds only a few of them.
#[tokio::test]
async fn an_endless_export_file_is_streamed_in_bounded_memory() {
    let _one = SERIAL.lock().await;
    let member = Arc::new(gzip_records(1_000));
    let server = export_server(Reply::Endless {
        chunk: Arc::clone(&member),
        total: Some(600 * MIB as u64),
    })
    .await;
    let auth0 = export_client(&server);
    let read = async {
        let mut users = auth0.users().export().stream();
        let mut seen = 0;
        while seen < 200_000 {
            let user = users.next().await.expect("the file never ends").unwrap();
            assert!(user.id().is_some());
            seen += 1;
        }
        seen
    };
    let (seen, grew) = peak_growth(read).await;
    assert_eq!(seen, 200_000);
    assert!(grew < 24 * MIB, "the heap grew {} MiB", grew / MIB);
}

/// Row: a 2 MB gzip export holding one 2 GiB line took the client past
/// 1.5 GB, decompressed on the async worker thread. Now the line stops at
/// the record limit with a typed error.
#[tokio::test]
async fn a_two_gib_line_in_a_small_gzip_stops_at_the_record_limit() {
    let _one = SERIAL.lock().await;
    // 2,048 gzip members of 1 MiB of `a` each: about 2 MB that decompress
    // to one line of 2 GiB (members are concatenated).
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b'a'; MIB]).unwrap();
    let member = gz.finish().unwrap();
    let file: Vec<u8> = member.repeat(2_048);
    assert!(file.len() < 3 * MIB);
    let server = export_server(Reply::Full {
        status: 200,
        headers: Vec::new(),
        body: file,
    })
    .await;
    let auth0 = export_client(&server);
    let read = async {
        let mut users = auth0.users().export().stream();
        users.next().await
    };
    let (first, grew) = peak_growth(read).await;
    let err = first.unwrap().unwrap_err();
    assert!(
        matches!(&err, Error::Job { reason, .. } if reason.contains("longer than")),
        "{err:?}"
    );
    assert!(grew < 64 * MIB, "the heap grew {} MiB", grew / MIB);
}

/// `download()` holds the whole file, so it is held to `max_file_bytes`.
#[tokio::test]
async fn a_download_past_its_file_limit_is_a_typed_error() {
    let _one = SERIAL.lock().await;
    let server = export_server(endless_json()).await;
    let auth0 = export_client(&server);
    let export = auth0.users().export().max_file_bytes(Some(8 * MIB as u64));
    let (outcome, grew) = peak_growth(export.download()).await;
    let err = outcome.unwrap_err();
    assert!(too_large(&err), "{err:?}");
    assert!(grew < 32 * MIB, "the heap grew {} MiB", grew / MIB);
}

/// A list of roles whose first page holds 50 and whose `total` says a
/// trillion; every later page is empty.
async fn lying_roles_server() -> Hostile {
    Hostile::start(|req| {
        let page: u64 = req.param("page").and_then(|p| p.parse().ok()).unwrap_or(0);
        let roles: Vec<serde_json::Value> = if page == 0 {
            (0..50)
                .map(|i| json!({"id": format!("rol_{i}"), "name": format!("r{i}")}))
                .collect()
        } else {
            Vec::new()
        };
        Reply::json(
            200,
            json!({"roles": roles, "total": 1_000_000_000_000_u64, "start": page * 50,
                   "limit": 1_000_000, "length": 1_000_000})
            .to_string(),
        )
    })
    .await
}

/// Row (issue 26, defect 3): an uncapped offset list (`/roles`) answering
/// `total: 1e12` aborted the process in `fetch_all()` and `stream()`: the
/// plan was built up front (`total / per_page` chunks) and the list reserved
/// `total` items. Now no number from the server sizes an allocation: the
/// walk ends with the 50 items that exist, the heap well under 64 MiB.
#[tokio::test]
async fn a_lying_total_sizes_no_allocation_and_no_plan() {
    use auth0plus::management::api::roles::ListRoles;
    use futures::TryStreamExt as _;
    let _one = SERIAL.lock().await;
    let server = lying_roles_server().await;
    let auth0 = export_client(&server);
    let roles = auth0.list(ListRoles::new()).per_page(50);
    let (all, grew) = peak_growth(roles.fetch_all()).await;
    assert_eq!(all.unwrap().len(), 50);
    assert!(
        grew < 8 * MIB,
        "fetch_all: the heap grew {} MiB",
        grew / MIB
    );
    let (streamed, grew) = peak_growth(roles.stream().try_collect::<Vec<_>>()).await;
    assert_eq!(streamed.unwrap().len(), 50);
    assert!(grew < 8 * MIB, "stream: the heap grew {} MiB", grew / MIB);
    let (sliced, grew) = peak_growth(roles.slice(10..999_999_999_999)).await;
    assert_eq!(sliced.unwrap().len(), 40);
    assert!(grew < 8 * MIB, "slice: the heap grew {} MiB", grew / MIB);
}

/// A server whose import jobs complete at once, every job answering
/// `errors` (a JSON array) for `GET /jobs/{id}/errors`.
async fn import_server(errors: Arc<Vec<u8>>) -> Hostile {
    Hostile::start(move |req| match (req.method.as_str(), req.route()) {
        ("POST", "/api/v2/jobs/users-imports") => Reply::json(
            201,
            json!({"id": "job_1", "status": "pending", "type": "users_import"}).to_string(),
        ),
        ("GET", "/api/v2/jobs/job_1") => Reply::json(
            200,
            json!({"id": "job_1", "status": "completed", "type": "users_import",
                   "summary": {"total": 1, "inserted": 0, "updated": 0, "failed": 1}})
            .to_string(),
        ),
        ("GET", "/api/v2/jobs/job_1/errors") => Reply::Full {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: errors.to_vec(),
        },
        _ => Reply::json(404, "{}"),
    })
    .await
}

/// Row (issue 26, defect 7): 100,000 per-user errors (13 MB) were parsed
/// as one `serde_json::Value` and peaked at 197 MB, about 15× the body.
/// Now they are decoded one entry at a time, and a job cannot refuse more
/// users than its file held: the peak is the body and one entry.
#[tokio::test]
async fn a_flood_of_import_errors_is_decoded_one_entry_at_a_time() {
    let _one = SERIAL.lock().await;
    let entry = |n: usize| {
        json!({"user": {"email": format!("user{n}@example.com"), "user_id": format!("u{n}"),
                        "password_hash": "$2b$10$abcdefghijklmnopqrstuv"},
               "errors": [{"code": "DUPLICATED_USER", "message": "The user already exists.",
                           "path": "email"}]})
        .to_string()
    };
    let body = format!(
        "[{}]",
        (0..100_000).map(entry).collect::<Vec<_>>().join(",")
    );
    assert!(body.len() > 13_000_000, "{}", body.len());
    let body_len = body.len();
    let server = import_server(Arc::new(body.into_bytes())).await;
    let auth0 = export_client(&server);
    let import = auth0
        .jobs()
        .import_users(
            "con_0123456789abcdef",
            futures::stream::iter([auth0plus::NewUser::new().email("user0@example.com")]),
        )
        .poll_interval(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(1),
        )
        .run();
    let (report, grew) = peak_growth(import).await;
    let report = report.unwrap();
    assert_eq!(report.errors.len(), 1, "one user in the file, one refusal");
    assert_eq!(report.errors[0].email.as_deref(), Some("user0@example.com"));
    // The transport holds the body twice while it joins its chunks (26 MiB
    // here); decoding adds one entry: about 39 MiB in all.
    assert!(
        grew < 48 * MIB,
        "the heap grew {} MiB for a body of {} MiB",
        grew / MIB,
        body_len / MIB
    );
}
