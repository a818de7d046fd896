//! `auth0.jobs()` against the fake tenant: thousands of users imported in
//! several files within Auth0's limits, per-user errors as typed values
//! (never with a hash), upsert, progress, connection by name, refusals
//! before anything is sent, and the verification email.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth0plus::ImportUser;
use auth0plus::fake::{FakeTenant, Route};
use auth0plus::management::{ImportIssue, ImportProgress, ImportReport, UserImport};
use auth0plus::prelude::*;
use futures::stream::{self, Stream};
use serde_json::json;

use auth0plus_tests::{TestResult, fake_client};

/// An import that polls every 10–50 ms, so tests are quick.
fn quick<S, T>(import: UserImport<S>) -> UserImport<S>
where
    S: Stream<Item = T> + Send + 'static,
    T: Into<ImportUser> + Send + 'static,
{
    import.poll_interval(Duration::from_millis(10), Duration::from_millis(50))
}

/// Users with some metadata: about 400 bytes each in the file, so 3,000
/// of them need three files.
fn fans(from: usize, n: usize) -> impl Iterator<Item = NewUser> {
    (from..from + n).map(|i| {
        NewUser::new()
            .email(format!("fan{i:05}@acdc.example"))
            .given_name("Angus")
            .family_name("Young")
            .user_metadata(
                json!({"favourite": "Highway to Hell", "shows": i, "since": "1979-07-27",
                                  "note": "Let there be rock. ".repeat(10)}),
            )
    })
}

fn import_requests(tenant: &FakeTenant) -> u64 {
    tenant.counters().count(Route::CreateImport)
}

#[tokio::test]
async fn thousands_of_users_in_several_files_with_typed_errors() -> TestResult {
    let tenant = FakeTenant::builder()
        .index_delay(Duration::ZERO)
        .start()
        .await?;
    let auth0 = fake_client(&tenant);
    // Two users exist already: without upsert they come back as duplicates.
    for i in [7, 2999] {
        auth0
            .users()
            .create(
                NewUser::new()
                    .email(format!("fan{i:05}@acdc.example"))
                    .password("Pa55-word!"),
            )
            .await?;
    }
    let hash = "$2b$10$w4UbRmXzHhZEm8YkqMfvCOq0dnBAzdh7gK3P5LUC6z0pGw1vHq.Ey";
    let bad = ImportUser::new(NewUser::new().email("not an email")).password_hash(hash);
    let users = fans(0, 3_000)
        .map(ImportUser::from)
        .chain(std::iter::once(bad));
    let seen = Arc::new(Mutex::new(Vec::<ImportProgress>::new()));
    let log = seen.clone();
    let report: ImportReport = quick(
        auth0
            .jobs()
            .import_users(tenant.connection_id(), stream::iter(users)),
    )
    .on_progress(move |p| log.lock().unwrap().push(*p))
    .run()
    .await?;

    let files = import_requests(&tenant);
    assert!(
        files >= 3,
        "3,001 users of ~400 bytes need several files: {files}"
    );
    assert_eq!(report.jobs.len() as u64, files);
    assert_eq!(report.total, 3_001);
    assert_eq!(report.inserted, 2_998);
    assert_eq!(report.failed, 3);
    assert_eq!(tenant.user_count(), 3_000);
    // No file passed Auth0's limit (the fake answers 413 past 512,000 bytes).
    assert_eq!(tenant.counters().status(413), 0);

    let mut duplicates: Vec<&str> = report
        .errors
        .iter()
        .filter(|e| e.errors.iter().any(ImportIssue::is_duplicate))
        .filter_map(|e| e.email.as_deref())
        .collect();
    duplicates.sort_unstable();
    assert_eq!(
        duplicates,
        ["fan00007@acdc.example", "fan02999@acdc.example"]
    );
    let invalid = report
        .errors
        .iter()
        .find(|e| e.email.as_deref() == Some("not an email"))
        .expect("the invalid email is reported");
    assert_eq!(invalid.errors[0].code, "INVALID_FORMAT");
    assert_eq!(invalid.errors[0].path, "email");
    // The fake echoes the user with its hash, as Auth0 does; none of it stays.
    assert!(!format!("{report:?}").contains("$2b$"), "{report:?}");

    // Progress saw every step, ending at the totals.
    let seen = seen.lock().unwrap();
    let last = *seen.last().expect("progress was reported");
    assert_eq!(last.users_read, 3_001);
    assert_eq!(last.files_sent, files);
    assert_eq!(last.jobs_completed, files);
    assert_eq!((last.inserted, last.updated, last.failed), (2_998, 0, 3));
    assert!(seen.windows(2).all(|w| w[0].files_sent <= w[1].files_sent));
    // Per file and per percent, never per user: a few calls for 3,001 users.
    // (each job: its file sent, at most 100 moves of its percentage, its end;
    // and the end of the stream once)
    assert!(
        seen.len() <= files as usize * 102 + 1 && seen.len() < 3_001 / 4,
        "{} progress calls for {files} files",
        seen.len()
    );
    assert!(
        seen.windows(2).all(|w| w[0] != w[1]),
        "a call that says nothing new"
    );
    assert_eq!((last.users_total, last.users_sent), (Some(3_001), 3_001));
    assert_eq!((last.users_processed, last.percent()), (3_001, Some(100)));
    let percents: Vec<u8> = seen.iter().filter_map(ImportProgress::percent).collect();
    assert!(
        !percents.is_empty() && percents.windows(2).all(|w| w[0] <= w[1]),
        "{percents:?}"
    );
    // The stream's total is told once, before the last job ends.
    assert!(seen.iter().filter(|p| p.users_total.is_some()).count() > 1);
    Ok(())
}

#[tokio::test]
async fn a_stream_that_must_not_be_polled_after_its_end_is_imported() -> TestResult {
    // `stream::unfold` panics when polled again after it ended; the import
    // reads past the end of the last file once, so it must fuse the stream.
    let tenant = FakeTenant::builder().start().await?;
    let auth0 = fake_client(&tenant);
    let users = stream::unfold(0_usize, |i| async move {
        (i < 3).then(|| (NewUser::new().email(format!("u{i}@acdc.example")), i + 1))
    });
    let report = quick(auth0.jobs().import_users(tenant.connection(), users))
        .run()
        .await?;
    assert_eq!((report.inserted, report.failed), (3, 0));
    Ok(())
}

#[tokio::test]
async fn the_report_finds_the_users_it_imported_by_email() -> TestResult {
    let tenant = FakeTenant::builder()
        .export_duration(Duration::from_millis(50))
        .start()
        .await?;
    let auth0 = fake_client(&tenant);
    // Already there, and not in the file: never found.
    auth0
        .users()
        .create(
            NewUser::new()
                .email("bystander@acdc.example")
                .password("Pa55-word!"),
        )
        .await?;
    let report = quick(
        auth0
            .jobs()
            .import_users(tenant.connection(), stream::iter(fans(0, 12))),
    )
    .run()
    .await?;
    assert_eq!(report.connection_id, tenant.connection_id());
    let emails: Vec<String> = (0..12).map(|i| format!("FAN{i:05}@acdc.example")).collect();
    let found: Vec<User> =
        futures::TryStreamExt::try_collect(report.find_users(&auth0, &emails)).await?;
    let mut found: Vec<String> = found
        .iter()
        .map(|u| {
            assert!(u.id().is_some_and(|id| id.starts_with("auth0|")), "{u:?}");
            u.email.clone().unwrap_or_default()
        })
        .collect();
    found.sort();
    let expected: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    assert_eq!(found, expected);
    Ok(())
}

#[tokio::test]
async fn upsert_updates_and_a_connection_is_found_by_name() -> TestResult {
    let tenant = FakeTenant::builder()
        .index_delay(Duration::ZERO)
        .start()
        .await?;
    let auth0 = fake_client(&tenant);
    let first = quick(
        auth0
            .jobs()
            .import_users(tenant.connection(), stream::iter(fans(0, 10))),
    )
    .run()
    .await?;
    assert_eq!((first.inserted, first.failed), (10, 0));
    assert!(first.errors.is_empty());

    let changed = fans(5, 10).map(|u| u.app_metadata(json!({"plan": "pro"})));
    // "" is the client's default connection.
    let second = quick(auth0.jobs().import_users("", stream::iter(changed)))
        .upsert(true)
        .external_id("tour-2026")
        .run()
        .await?;
    assert_eq!((second.inserted, second.updated, second.failed), (5, 5, 0));
    assert!(
        second
            .jobs
            .iter()
            .all(|j| j.external_id.as_deref() == Some("tour-2026"))
    );
    let fan = auth0
        .users()
        .get([("email", "fan00005@acdc.example")])
        .await?;
    assert_eq!(fan.app_metadata.get("plan"), Some(&json!("pro")));
    assert_eq!(tenant.user_count(), 15);

    let missing = auth0
        .jobs()
        .import_users("No-Such-Connection", stream::iter(fans(0, 1)))
        .run()
        .await;
    assert!(
        matches!(
            missing,
            Err(Error::DoesNotExist {
                kind: "Connection",
                ..
            })
        ),
        "{missing:?}"
    );
    Ok(())
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() -> TestResult {
    let tenant = FakeTenant::builder().start().await?;
    // No connection named and none by default.
    let bare = Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .base_url(tenant.base_url())
        .build()?;
    let outcome = bare
        .jobs()
        .import_users("", stream::iter(fans(0, 1)))
        .run()
        .await;
    assert!(
        matches!(outcome, Err(Error::MissingConnection)),
        "{outcome:?}"
    );

    // One user larger than any file: refused by index, never sent, and its
    // content is not in the message.
    let auth0 = fake_client(&tenant);
    let huge = NewUser::new()
        .email("huge@acdc.example")
        .user_metadata(json!({"bio": "x".repeat(600_000)}));
    let users = fans(0, 3).chain([huge]).chain(fans(3, 3));
    let outcome = auth0
        .jobs()
        .import_users(tenant.connection_id(), stream::iter(users))
        .run()
        .await;
    let Err(refused) = outcome else {
        panic!("not refused");
    };
    let shown = refused.to_string();
    let Error::ImportRefused { index, reason } = refused else {
        panic!("not refused by index: {shown}");
    };
    assert_eq!(index, 3);
    assert!(
        !shown.contains("xxxx") && !shown.contains("huge@"),
        "{shown}"
    );
    assert!(reason.contains("bytes"), "{reason}");

    // A password (not a hash) is refused the same way, and never printed.
    let outcome = auth0
        .jobs()
        .import_users(
            tenant.connection_id(),
            stream::iter([NewUser::new()
                .email("p@acdc.example")
                .password("Sw0rdfish-99")]),
        )
        .run()
        .await;
    let shown = format!("{outcome:?}");
    assert!(
        matches!(outcome, Err(Error::ImportRefused { index: 0, .. })),
        "{shown}"
    );
    assert!(!shown.contains("Sw0rdfish"), "{shown}");
    assert_eq!(import_requests(&tenant), 0);
    Ok(())
}

#[tokio::test]
async fn verification_email_is_a_job() -> TestResult {
    let tenant = FakeTenant::builder().start().await?;
    let auth0 = fake_client(&tenant);
    let user = auth0
        .users()
        .create(
            NewUser::new()
                .email("bon@acdc.example")
                .password("Pa55-word!"),
        )
        .await?;
    let job = auth0
        .jobs()
        .verification_email(user.id().unwrap_or_default())
        .client_id(tenant.client_id())
        .send()
        .await?;
    assert!(job.id.starts_with("job_"), "{job:?}");
    assert_eq!(job.kind.as_deref(), Some("verification_email"));
    let empty = auth0.jobs().verification_email("").send().await;
    assert!(matches!(empty, Err(Error::InvalidArgument(_))), "{empty:?}");
    Ok(())
}

#[tokio::test]
async fn an_import_waits_for_a_slot_when_another_importer_holds_both() -> TestResult {
    // Jobs of 200 users at 200 users/s: a second each.
    let tenant = FakeTenant::builder()
        .import_users_per_second(200.0)
        .start()
        .await?;
    let auth0 = fake_client(&tenant);
    let import = |from: usize| {
        quick(
            auth0
                .jobs()
                .import_users(tenant.connection_id(), stream::iter(fans(from, 200))),
        )
        .run()
    };
    // Three importers at once: the tenant runs two jobs, the third's upload
    // gets a 429 until one ends, and waits instead of failing.
    let (a, b, c) = tokio::join!(import(0), import(200), import(400));
    for report in [a?, b?, c?] {
        assert_eq!((report.inserted, report.failed), (200, 0));
    }
    assert!(tenant.counters().count_status(Route::CreateImport, 429) >= 1);
    assert_eq!(tenant.user_count(), 600);
    Ok(())
}

/// The generated operation of the spec, sent as is, is an import the fake
/// (which parses multipart as Auth0 does) runs to the end.
#[tokio::test]
async fn the_generated_import_operation_runs_a_job() -> TestResult {
    use auth0plus::management::api::jobs::CreateJobsUsersImports;
    use auth0plus::management::api::models::CreateImportUsersRequestContent;
    use auth0plus::transport::Secret;

    let tenant = FakeTenant::builder()
        .index_delay(Duration::ZERO)
        .start()
        .await?;
    let auth0 = fake_client(&tenant);
    let users = json!([{"email": "bon@acdc.example", "name": "Bon"},
                       {"email": "brian@acdc.example", "name": "Brian"}]);
    let job = auth0
        .send(CreateJobsUsersImports::new(
            CreateImportUsersRequestContent {
                connection_id: Some(tenant.connection_id().to_owned()),
                upsert: Some(false),
                send_completion_email: Some(false),
                users: Some(Secret::new(users.to_string())),
                ..Default::default()
            },
        ))
        .await?;
    let id = job.id.expect("a job id");
    let mut status = auth0.jobs().get(&id).await?;
    for _ in 0..200 {
        if status.status == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        status = auth0.jobs().get(&id).await?;
    }
    assert_eq!(status.status, "completed");
    assert_eq!(status.summary.map(|s| s.inserted), Some(2));
    assert_eq!(tenant.user_count(), 2);
    assert_eq!(import_requests(&tenant), 1);
    Ok(())
}
