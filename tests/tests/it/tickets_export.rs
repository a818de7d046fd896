//! Tickets, `users-by-email` and the export job against the fake tenant:
//! ticket URLs and their 404s, conflicting ticket options refused before any
//! request, exact email lookups, exports of thousands of users streamed with
//! bounded memory, failed / stalled / corrupt jobs as typed errors, and
//! `stream_all()` going past the 1,000-result search window.

use std::collections::BTreeSet;
use std::time::Duration;

use auth0plus::fake::{FakeTenant, Route};
use auth0plus::management::{EmailVerificationTicket, PasswordChangeTicket, UserExport};
use auth0plus::prelude::*;
use auth0plus::transport::RetryPolicy;
use futures::{StreamExt, TryStreamExt};
use serde_json::json;

use auth0plus_tests::{TestResult, fake_client};

/// An export of `auth0`'s users that polls every 20–100 ms, so tests are quick.
fn quick_export(auth0: &Auth0) -> UserExport {
    auth0
        .users()
        .export()
        .poll_interval(Duration::from_millis(20), Duration::from_millis(100))
}

fn seeded_ids(tenant: &FakeTenant) -> BTreeSet<String> {
    tenant
        .users()
        .iter()
        .filter_map(|u| u["user_id"].as_str().map(str::to_owned))
        .collect()
}

/// The 32-character ticket of `url`, checked against the shape Auth0 uses:
/// `https://{domain}/u/{kind}?ticket=<32 chars>#`.
fn ticket_of<'a>(url: &'a str, domain: &str, kind: &str) -> &'a str {
    let prefix = format!("https://{domain}/u/{kind}?ticket=");
    let ticket = url
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix('#'))
        .unwrap_or_else(|| panic!("{url} is not a {kind} ticket of {domain}"));
    assert_eq!(ticket.len(), 32, "{url}");
    assert!(ticket.chars().all(|c| c.is_ascii_alphanumeric()), "{url}");
    ticket
}

async fn create(auth0: &Auth0, email: &str) -> Result<User, Error> {
    auth0
        .users()
        .create(NewUser::new().email(email).password("Pa55-word!"))
        .await
}

// ---------------------------------------------------------------- tickets

#[tokio::test]
async fn tickets_for_an_existing_user_are_urls_on_the_tenant() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let user = create(&auth0, "angus@acdc.example").await?;
    let domain = tenant.domain();

    let verify = user.email_verification_ticket().await?;
    ticket_of(&verify, domain, "email-verification");
    let reset = user.password_change_ticket().await?;
    ticket_of(&reset, domain, "reset-password");

    // The options travel, and each call makes a fresh ticket.
    let tickets = auth0.tickets();
    let with_options = tickets
        .email_verification_with(
            EmailVerificationTicket::new(user.id().unwrap_or_default())
                .ttl_sec(3600)
                .include_email_in_redirect(true),
        )
        .await?;
    assert_ne!(
        ticket_of(&with_options, domain, "email-verification"),
        ticket_of(&verify, domain, "email-verification")
    );
    let by_email = tickets
        .password_change(
            PasswordChangeTicket::for_email(tenant.connection_id(), "angus@acdc.example")
                .mark_email_as_verified(true)
                .result_url("https://app.example/done"),
        )
        .await?;
    ticket_of(&by_email, domain, "reset-password");
    assert_eq!(
        tenant
            .counters()
            .count_status(Route::EmailVerificationTicket, 201),
        2
    );
    assert_eq!(
        tenant
            .counters()
            .count_status(Route::PasswordChangeTicket, 201),
        2
    );
    Ok(())
}

#[tokio::test]
async fn tickets_for_a_missing_user_are_api_404s() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let user = create(&auth0, "malcolm@acdc.example").await?;
    auth0.users().delete(user.id().unwrap_or_default()).await?;

    let errors = [
        user.email_verification_ticket().await.unwrap_err(),
        user.password_change_ticket().await.unwrap_err(),
        auth0
            .tickets()
            .email_verification("auth0|000000000000000000000000")
            .await
            .unwrap_err(),
        auth0
            .tickets()
            .password_change(PasswordChangeTicket::for_email(
                tenant.connection_id(),
                "nobody@acdc.example",
            ))
            .await
            .unwrap_err(),
    ];
    for error in errors {
        let Error::Api(api) = &error else {
            panic!("expected an API error, got {error:?}");
        };
        assert_eq!(api.status, 404, "{error}");
        assert_eq!(api.message, "User not found.");
        assert!(error.is_not_found());
        assert_eq!(error.to_string(), "404: User not found.");
    }
    Ok(())
}

#[tokio::test]
async fn conflicting_ticket_options_are_refused_before_sending() -> TestResult {
    let tenant = FakeTenant::start().await?;
    let auth0 = fake_client(&tenant);
    let tickets = auth0.tickets();
    let refused = [
        tickets
            .password_change(PasswordChangeTicket::for_user("auth0|1").email("a@b.example"))
            .await,
        tickets
            .password_change(PasswordChangeTicket::for_user("auth0|1").connection_id("con_1"))
            .await,
        tickets
            .password_change(PasswordChangeTicket::new().email("a@b.example"))
            .await,
        tickets.password_change(PasswordChangeTicket::new()).await,
        tickets
            .password_change(
                PasswordChangeTicket::for_user("auth0|1")
                    .result_url("https://app.example")
                    .organization_id("org_1"),
            )
            .await,
        tickets.email_verification("").await,
        tickets
            .email_verification_with(
                EmailVerificationTicket::new("auth0|1")
                    .result_url("https://app.example")
                    .client_id("abc"),
            )
            .await,
        tickets
            .email_verification_with(
                EmailVerificationTicket::new("auth0|1")
                    .result_url("https://app.example")
                    .organization_id("org_1"),
            )
            .await,
    ];
    for result in refused {
        assert!(
            matches!(result, Err(Error::InvalidArgument(_))),
            "{result:?}"
        );
    }
    // An unsaved user has no id to ask a ticket for.
    let unsaved = auth0.users().new_user();
    assert!(matches!(
        unsaved.email_verification_ticket().await,
        Err(Error::MissingId)
    ));
    assert!(matches!(
        unsaved.password_change_ticket().await,
        Err(Error::MissingId)
    ));
    // Not even a token was asked for.
    assert_eq!(tenant.counters().total(), 0, "{:?}", tenant.counters());
    Ok(())
}

// ---------------------------------------------------------------- users-by-email

#[tokio::test]
async fn by_email_is_exact_case_sensitive_and_immediate() -> TestResult {
    let tenant = FakeTenant::builder()
        .index_delay(Duration::from_secs(3600))
        .start()
        .await?;
    let auth0 = fake_client(&tenant);
    // Auth0 databases store the email lowercased.
    let created = create(&auth0, "Brian.Johnson@ACDC.example").await?;
    assert_eq!(created.email.as_deref(), Some("brian.johnson@acdc.example"));
    let users = auth0.users();

    // Immediately consistent: search does not see the user for an hour.
    assert_eq!(users.all().count().await?, 0);
    let found = users.by_email("brian.johnson@acdc.example").await?;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id(), created.id());
    assert!(found[0].is_fetched());

    // Case-sensitive, as Auth0: pass the address lowercased.
    assert!(
        users
            .by_email("Brian.Johnson@ACDC.example")
            .await?
            .is_empty()
    );
    // Exact: no prefix or wildcard match.
    assert!(users.by_email("brian.johnson@acdc").await?.is_empty());
    // Not a search: a wildcard is not an email address, and Auth0 says so.
    let wildcard = users.by_email("brian*").await.unwrap_err();
    assert_eq!(wildcard.status(), Some(400), "{wildcard}");
    assert_eq!(tenant.counters().count_status(Route::UsersByEmail, 200), 3);

    let before = tenant.counters().total();
    assert!(matches!(
        users.by_email("").await,
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(tenant.counters().total(), before, "refused before sending");
    Ok(())
}

// ---------------------------------------------------------------- export

#[tokio::test]
async fn an_export_of_5000_users_streams_each_once() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(5000).start().await?;
    let auth0 = fake_client(&tenant);
    let expected = seeded_ids(&tenant);
    assert_eq!(expected.len(), 5000);

    let mut stream = quick_export(&auth0).stream();
    let mut seen = BTreeSet::new();
    let mut count = 0_usize;
    while let Some(user) = stream.try_next().await? {
        count += 1;
        assert!(user.is_fetched());
        assert!(user.email.as_deref().is_some_and(|e| e.starts_with("seed")));
        seen.insert(user.id().unwrap_or_default().to_owned());
    }
    assert_eq!(count, 5000);
    assert_eq!(seen, expected, "every seeded user, each exactly once");
    assert_eq!(tenant.counters().count(Route::CreateExport), 1);
    assert_eq!(tenant.counters().count(Route::ExportDownload), 1);
    Ok(())
}

#[tokio::test]
async fn an_export_of_one_connection_with_fields_sends_them_and_gets_them() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(30).start().await?;
    let auth0 = fake_client(&tenant);
    let job = auth0
        .users()
        .export()
        .connection_id(tenant.connection_id())
        .fields(["user_id", "email"])
        .limit(10)
        .start()
        .await?;
    assert!(job.id.starts_with("job_"), "{job:?}");
    assert_eq!(job.status, "pending");

    let users: Vec<User> = quick_export(&auth0)
        .connection_id(tenant.connection_id())
        .fields(["user_id", "email"])
        .limit(10)
        .stream()
        .try_collect()
        .await?;
    assert_eq!(users.len(), 10);
    for user in &users {
        assert!(user.id().is_some() && user.email.is_some());
        assert!(
            user.name.is_none() && user.identities.is_empty(),
            "{user:?}"
        );
    }
    Ok(())
}

// How much this process's peak resident memory (VmHWM) grew, in bytes.
fn vm_hwm() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Run by [`export_memory_does_not_grow_with_the_count`] in a child process
/// (this same test binary), never on its own: it reads the fake tenant's
/// address from the environment, streams the export (or, with
/// `PROBE_COLLECT=1`, collects it into a `Vec` as the control), and prints
/// its own peak-RSS growth.
#[test]
#[ignore = "a probe run in a child process by export_memory_does_not_grow_with_the_count"]
fn export_memory_probe() {
    let Ok(base_url) = std::env::var("PROBE_BASE_URL") else {
        return;
    };
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let auth0 = Auth0::builder(var("PROBE_DOMAIN"))
            .client_credentials(var("PROBE_CLIENT_ID"), var("PROBE_CLIENT_SECRET"))
            .base_url(base_url)
            .retry_policy(RetryPolicy::never())
            .build()
            .expect("a valid client");
        // Warm up (token, connection pool, TLS-free HTTP stack) so the
        // baseline holds everything but the export itself.
        let warm: Vec<User> = auth0
            .users()
            .export()
            .limit(1)
            .stream()
            .try_collect()
            .await
            .expect("warm-up");
        assert_eq!(warm.len(), 1);
        let export = quick_export(&auth0);
        let before = vm_hwm();
        if var("PROBE_COLLECT") == "1" {
            let all: Vec<User> = export.stream().try_collect().await.expect("the export");
            let growth = vm_hwm() - before;
            println!("PROBE count={} growth={growth}", all.len());
            return;
        }
        let mut stream = export.stream();
        let mut count = 0_u64;
        while let Some(user) = stream.try_next().await.expect("the export") {
            count += u64::from(user.id().is_some());
        }
        let growth = vm_hwm() - before;
        // The compressed file, the one thing held whole (measured after the peak).
        let file = export.download().await.expect("the file");
        println!(
            "PROBE count={count} growth={growth} compressed={}",
            file.len()
        );
    });
}

struct Probe {
    count: u64,
    growth: u64,
    compressed: u64,
}

fn run_probe(tenant: &FakeTenant, collect: bool) -> Probe {
    // The probe's test name as the harness knows it: its path below the test crate's root.
    let probe = module_path!().split_once("::").map_or_else(
        || "export_memory_probe".to_owned(),
        |(_, m)| format!("{m}::export_memory_probe"),
    );
    let output = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            probe.as_str(),
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PROBE_BASE_URL", tenant.base_url())
        .env("PROBE_DOMAIN", tenant.domain())
        .env("PROBE_CLIENT_ID", tenant.client_id())
        .env("PROBE_CLIENT_SECRET", tenant.client_secret())
        .env("PROBE_COLLECT", if collect { "1" } else { "0" })
        .output()
        .expect("the probe runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.find("PROBE ").map(|at| &l[at..]))
        .unwrap_or_else(|| {
            panic!(
                "no probe line; stdout: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Probe {
        count: field("count"),
        growth: field("growth"),
        compressed: field("compressed"),
    }
}

/// Peak memory of streaming an export does not grow with the number of users.
///
/// The method: the fake tenant (which holds every user and builds the export
/// file, so its memory does grow with the count) runs in this process; the
/// client runs in a child process, this same test binary running the ignored
/// [`export_memory_probe`] on a single-threaded runtime. The child warms up
/// (token, connections), reads its peak resident set (`VmHWM` in
/// `/proc/self/status`), streams the whole export dropping each user before
/// the next, and reads `VmHWM` again: the difference is the most memory the
/// export ever needed, at page granularity, with nothing else in the process
/// competing. Nothing was freed before the baseline that the export could
/// reuse unseen, since the export is the first large allocation.
///
/// Compared: 500 vs 5,000 users streamed, and 5,000 users collected into a
/// `Vec` as the control showing the meter does see decoded records. The
/// download is not streamed (the transport returns whole bodies), so the
/// gzipped file is held while its lines are decoded one by one: the growth
/// allowed is a small multiple of the compressed size (about 40 bytes a
/// user), never of the decoded users (kilobytes each, as the control shows).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_memory_does_not_grow_with_the_count() -> TestResult {
    let small = FakeTenant::builder().seed_users(500).start().await?;
    let large = FakeTenant::builder().seed_users(5000).start().await?;
    // The probes block on child processes; the fake tenants keep serving
    // on the other worker.
    let (small_run, large_run, control) = tokio::task::block_in_place(|| {
        (
            run_probe(&small, false),
            run_probe(&large, false),
            run_probe(&large, true),
        )
    });
    eprintln!(
        "streamed 500: peak growth {} KiB (file {} KiB); streamed 5000: peak growth {} KiB \
         (file {} KiB); collected 5000: peak growth {} KiB",
        small_run.growth / 1024,
        small_run.compressed / 1024,
        large_run.growth / 1024,
        large_run.compressed / 1024,
        control.growth / 1024,
    );
    assert_eq!(small_run.count, 500);
    assert_eq!(large_run.count, 5000);
    assert_eq!(control.count, 5000);
    // The control: holding 5,000 decoded users costs megabytes.
    assert!(
        control.growth > 4 * 1024 * 1024,
        "control {}",
        control.growth
    );
    // Streaming 10x the users: the growth differs by no more than the
    // larger compressed file (held whole, possibly twice while it arrives)
    // plus 1 MiB of allocator slack — far below what decoded users cost.
    let extra = large_run.growth.saturating_sub(small_run.growth);
    assert!(
        extra <= 3 * large_run.compressed + 1024 * 1024,
        "streaming 5000 grew {extra} bytes more than 500 (file {})",
        large_run.compressed
    );
    assert!(large_run.growth * 4 < control.growth);
    Ok(())
}

#[tokio::test]
async fn a_failed_export_is_a_job_error_naming_the_failure() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(5).start().await?;
    let auth0 = fake_client(&tenant);
    tenant.fail_next_export();
    let results: Vec<Result<User, Error>> = quick_export(&auth0).stream().collect().await;
    assert_eq!(results.len(), 1, "one error, no users");
    let Err(Error::Job { job_id, reason }) = &results[0] else {
        panic!("expected a job error, got {:?}", results[0]);
    };
    assert!(job_id.starts_with("job_"), "{job_id}");
    assert!(reason.starts_with("failed: "), "{reason}");
    assert!(reason.contains("The export job failed"), "{reason}");
    assert_eq!(tenant.counters().count(Route::ExportDownload), 0);
    Ok(())
}

#[tokio::test]
async fn an_export_that_never_completes_times_out_as_a_job_error() -> TestResult {
    let tenant = FakeTenant::builder()
        .seed_users(5)
        .export_duration(Duration::from_millis(100))
        .start()
        .await?;
    let auth0 = fake_client(&tenant);
    tenant.stall_next_export();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let export = auth0
        .users()
        .export()
        .poll_interval(Duration::from_millis(20), Duration::from_millis(50))
        .timeout(Duration::from_millis(400))
        .on_progress({
            let seen = std::sync::Arc::clone(&seen);
            move |job| seen.lock().expect("not poisoned").push(job.status.clone())
        });
    let error = export.download().await.unwrap_err();
    let Error::Job { job_id, reason } = &error else {
        panic!("expected a job error, got {error:?}");
    };
    assert!(job_id.starts_with("job_"), "{job_id}");
    assert!(reason.starts_with("not completed after"), "{reason}");
    assert!(error.to_string().contains(job_id.as_str()));
    let seen = seen.lock().expect("not poisoned").clone();
    assert_eq!(seen.first().map(String::as_str), Some("pending"));
    assert!(
        seen.iter().all(|s| s == "pending" || s == "processing"),
        "{seen:?}"
    );
    assert!(tenant.counters().count(Route::GetJob) >= 1);
    assert_eq!(tenant.counters().count(Route::ExportDownload), 0);
    Ok(())
}

#[tokio::test]
async fn export_progress_is_told_per_percent_not_per_poll() -> TestResult {
    let tenant = FakeTenant::builder()
        .seed_users(5)
        .export_duration(Duration::from_secs(20))
        .no_rate_limit() // polls every 5 ms: Auth0's rate limit would pace them
        .start()
        .await?;
    let auth0 = fake_client(&tenant);
    // A job that stays pending (its first 5 s): several polls, one state.
    tenant.stall_next_export();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let export = auth0
        .users()
        .export()
        .poll_interval(Duration::from_millis(5), Duration::from_millis(5))
        .timeout(Duration::from_secs(2)) // long enough for a few polls on a loaded machine
        .on_progress({
            let seen = std::sync::Arc::clone(&seen);
            move |job| {
                seen.lock()
                    .expect("not poisoned")
                    .push((job.status.clone(), job.percentage_done));
            }
        });
    assert!(export.download().await.is_err(), "it never completes");
    let polls = tenant.counters().count(Route::GetJob);
    assert!(polls >= 2, "{polls} polls");
    let seen = seen.lock().expect("not poisoned").clone();
    assert_eq!(seen.len(), 1, "{seen:?} after {polls} polls");
    Ok(())
}

#[tokio::test]
async fn a_truncated_export_file_is_a_typed_error_not_a_panic() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(2000).start().await?;
    let auth0 = fake_client(&tenant);
    tenant.corrupt_next_export();
    let results: Vec<Result<User, Error>> = quick_export(&auth0).stream().collect().await;
    let (last, users) = results.split_last().expect("at least the error");
    assert!(users.iter().all(Result::is_ok), "the error ends the stream");
    assert!(users.len() < 2000, "{} users from half a file", users.len());
    let Err(Error::Job { reason, .. }) = last else {
        panic!("expected a job error, got {last:?}");
    };
    assert!(reason.contains("the export file is corrupt"), "{reason}");
    Ok(())
}

// ---------------------------------------------------------------- stream_all

#[tokio::test]
async fn stream_all_goes_past_the_search_window_through_the_export() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(1500).start().await?;
    // A user of another connection: the search does not count it, and the
    // export (of every connection) must drop it.
    tenant.insert_user(json!({
        "email": "other@elsewhere.example",
        "identities": [{"connection": "google-oauth2", "provider": "google-oauth2", "user_id": "1", "isSocial": true}],
    }));
    let auth0 = fake_client(&tenant);
    let expected: BTreeSet<String> = tenant
        .users()
        .iter()
        .filter(|u| u["identities"][0]["connection"] == tenant.connection())
        .filter_map(|u| u["user_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(expected.len(), 1500);
    let all = auth0.users().all();

    let Err(Error::SearchWindowExceeded { total }) = all.fetch_all().await else {
        panic!("fetch_all must stop at the window");
    };
    assert_eq!(total, 1500);
    assert_eq!(tenant.counters().count(Route::CreateExport), 0);

    let users: Vec<User> = all.stream_all().try_collect().await?;
    let ids: BTreeSet<String> = users
        .iter()
        .filter_map(User::id)
        .map(str::to_owned)
        .collect();
    assert_eq!(users.len(), 1500);
    assert_eq!(ids, expected);
    assert_eq!(tenant.counters().count(Route::CreateExport), 1);

    // Every connection: the other user too.
    let everyone: Vec<User> = auth0
        .users()
        .query()
        .any_connection()
        .stream_all()
        .try_collect()
        .await?;
    assert_eq!(everyone.len(), 1501);

    // A field selection is passed on; identities, exported only to filter
    // by connection, are removed again.
    let slim: Vec<User> = all
        .clone()
        .fields(["user_id", "email"])
        .stream_all()
        .try_collect()
        .await?;
    assert_eq!(slim.len(), 1500);
    assert!(slim.iter().all(|u| u.id().is_some()
        && u.email.is_some()
        && u.identities.is_empty()
        && u.name.is_none()));
    let without: Vec<User> = all
        .clone()
        .exclude_fields(["app_metadata", "logins_count"])
        .stream_all()
        .try_collect()
        .await?;
    assert_eq!(without.len(), 1500);
    assert!(without.iter().all(|u| u.app_metadata.is_empty()
        && u.logins_count.is_none()
        && u.name.is_some()
        && !u.identities.is_empty()));
    Ok(())
}

#[tokio::test]
async fn stream_all_falls_back_only_when_the_export_can_answer_exactly() -> TestResult {
    let tenant = FakeTenant::builder().seed_users(1200).start().await?;
    let auth0 = fake_client(&tenant);
    let users = auth0.users();

    // Lookups, a raw q or a sort cannot be given to an export: same error
    // as stream(), and no export is started.
    for query in [
        users.query().filter([("email__startswith", "seed")]),
        users.query().q("email_verified:false"),
        users.all().sort("created_at", Order::Asc),
    ] {
        let results: Vec<Result<User, Error>> = query.stream_all().collect().await;
        assert!(
            matches!(
                results[..],
                [Err(Error::SearchWindowExceeded { total: 1200 })]
            ),
            "{results:?}"
        );
    }
    assert_eq!(tenant.counters().count(Route::CreateExport), 0);

    // Inside the window, stream_all is stream: search only, in order.
    let pro = users.query().filter([("app_metadata.plan", "pro")]);
    let searched: Vec<User> = pro.stream_all().try_collect().await?;
    assert_eq!(searched.len(), 400);
    let streamed: Vec<User> = pro.stream().try_collect().await?;
    assert_eq!(
        searched.iter().map(User::id).collect::<Vec<_>>(),
        streamed.iter().map(User::id).collect::<Vec<_>>()
    );
    let none: Vec<User> = users
        .query()
        .filter([("email", "nobody@x.example")])
        .stream_all()
        .try_collect()
        .await?;
    assert!(none.is_empty());
    assert_eq!(tenant.counters().count(Route::CreateExport), 0);
    Ok(())
}
