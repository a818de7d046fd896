//! Exact-wire tests of `auth0.jobs()`: the multipart upload byte for byte
//! (user data holding boundaries, CRLFs and quotes included), the polls,
//! the errors call, the connection lookup by name, the verification email,
//! and nothing at all sent for refused input.

use std::time::Duration;

use auth0plus::ImportUser;
use auth0plus::management::ImportReport;
use auth0plus::prelude::*;
use auth0plus_tests::{WIRE_TOKEN, answer, wire_client};
use futures::stream;
use serde_json::{Value, json};
use wiremock::{MockServer, Request};

/// The boundary of a `multipart/form-data` request.
fn boundary(request: &Request) -> String {
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .expect("a content type")
        .to_owned();
    content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not multipart: {content_type}"))
        .to_owned()
}

/// The exact body the import must send for this file and these fields.
fn expected_body(boundary: &str, file: &str, fields: &[(&str, &str)]) -> String {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"users\"; filename=\"users.json\"\r\n\
         Content-Type: application/json\r\n\r\n{file}\r\n"
    );
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    body
}

/// Import one user, polling every millisecond.
async fn import_quickly(
    auth0: &Auth0,
    connection: &str,
    user: NewUser,
) -> Result<ImportReport, Error> {
    auth0
        .jobs()
        .import_users(connection, stream::iter([user]))
        .poll_interval(Duration::from_millis(1), Duration::from_millis(1))
        .run()
        .await
}

async fn job_server(summary: Value, errors: Value) -> MockServer {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/api/v2/jobs/users-imports",
        202,
        json!({"type": "users_import", "status": "pending", "connection_id": "con_0123456789abcdef",
               "connection": "db", "created_at": "2026-11-30T00:00:00.000Z", "id": "job_abc"}),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/jobs/job_abc",
        200,
        json!({"type": "users_import", "status": "completed", "id": "job_abc", "summary": summary}),
    )
    .await;
    answer(&server, "GET", "/api/v2/jobs/job_abc/errors", 200, errors).await;
    server
}

#[tokio::test]
async fn an_import_uploads_one_exact_multipart_file_polls_and_reads_errors() {
    let hash = "$2b$10$w4UbRmXzHhZEm8YkqMfvCOq0dnBAzdh7gK3P5LUC6z0pGw1vHq.Ey";
    let server = job_server(
        json!({"total": 2, "inserted": 1, "updated": 0, "failed": 1}),
        json!([{"user": {"email": "malcolm@acdc.example", "password_hash": hash},
                "errors": [{"code": "DUPLICATED_USER", "message": format!("exists {hash}"), "path": ""}]}]),
    )
    .await;
    let auth0 = wire_client(&server);
    // Fields that try to end the part, forge another, or close the body.
    let hostile = "Bon\r\n--auth0plus-\r\nContent-Disposition: form-data; name=\"upsert\"\r\n\r\ntrue\r\n\"quoted\"--";
    let users = [
        ImportUser::new(
            NewUser::new()
                .email("angus@acdc.example")
                .name(hostile)
                .user_metadata(json!({"band": "AC/DC"})),
        ),
        ImportUser::new(
            NewUser::new()
                .email("malcolm@acdc.example")
                .user_id("auth0|mal"),
        )
        .password_hash(hash),
    ];
    let report = auth0
        .jobs()
        .import_users("con_0123456789abcdef", stream::iter(users))
        .upsert(true)
        .external_id("batch \"7\"\r\nX: y")
        .send_completion_email(false)
        .poll_interval(Duration::from_millis(1), Duration::from_millis(1))
        .run()
        .await
        .expect("the import");

    let requests = server.received_requests().await.unwrap_or_default();
    let calls: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /api/v2/jobs/users-imports",
            "GET /api/v2/jobs/job_abc",
            "GET /api/v2/jobs/job_abc/errors"
        ]
    );
    let upload = &requests[0];
    assert_eq!(
        upload
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some(format!("Bearer {WIRE_TOKEN}").as_str())
    );
    let b = boundary(upload);
    let escaped = serde_json::to_string(hostile).unwrap();
    let file = format!(
        r#"[{{"email":"angus@acdc.example","name":{escaped},"user_metadata":{{"band":"AC/DC"}}}},{{"email":"malcolm@acdc.example","user_id":"mal","password_hash":"{hash}"}}]"#
    );
    let body = std::str::from_utf8(&upload.body).expect("UTF-8");
    assert_eq!(
        body,
        expected_body(
            &b,
            &file,
            // The generated operation's order: the spec's, by name.
            &[
                ("connection_id", "con_0123456789abcdef"),
                ("external_id", "batch \"7\"\r\nX: y"),
                ("send_completion_email", "false"),
                ("upsert", "true"),
            ]
        )
    );
    // The boundary occurs only where it delimits: five parts, one close.
    assert_eq!(body.matches(&format!("--{b}")).count(), 6);
    assert!(!file.contains(&b) && !hostile.contains(&b));

    assert_eq!((report.total, report.inserted, report.failed), (2, 1, 1));
    assert_eq!(report.errors.len(), 1);
    let refused = &report.errors[0];
    assert_eq!(refused.job_id, "job_abc");
    assert_eq!(refused.email.as_deref(), Some("malcolm@acdc.example"));
    assert!(refused.errors[0].is_duplicate());
    assert!(!format!("{report:?}").contains("$2b$"), "{report:?}");
}

#[tokio::test]
async fn a_clean_job_reads_no_errors_and_a_name_is_looked_up() {
    let server = job_server(
        json!({"total": 1, "inserted": 1, "updated": 0, "failed": 0}),
        json!([]),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/connections",
        200,
        json!({"start": 0, "limit": 2, "total": 1,
               "connections": [{"id": "con_0123456789abcdef", "name": "db"}]}),
    )
    .await;
    let auth0 = wire_client(&server);
    let report = import_quickly(&auth0, "db", NewUser::new().email("bon@acdc.example"))
        .await
        .expect("the import");
    assert_eq!(report.inserted, 1);
    let requests = server.received_requests().await.unwrap_or_default();
    let calls: Vec<String> = requests
        .iter()
        .map(|r| match r.url.query() {
            Some(query) => format!("{} {}?{query}", r.method, r.url.path()),
            None => format!("{} {}", r.method, r.url.path()),
        })
        .collect();
    // The connection by its exact name (auth0.connections().id_of: one
    // page of two, to tell one from several), the upload, one poll; no
    // errors call for a job without failures.
    assert_eq!(
        calls,
        [
            "GET /api/v2/connections?name=db&page=0&per_page=2&include_totals=true",
            "POST /api/v2/jobs/users-imports",
            "GET /api/v2/jobs/job_abc"
        ]
    );
    let b = boundary(&requests[1]);
    assert_eq!(
        std::str::from_utf8(&requests[1].body).unwrap(),
        expected_body(
            &b,
            r#"[{"email":"bon@acdc.example"}]"#,
            &[
                ("connection_id", "con_0123456789abcdef"),
                ("upsert", "false")
            ]
        )
    );
}

#[tokio::test]
async fn a_failed_job_is_a_typed_error() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/api/v2/jobs/users-imports",
        202,
        json!({"type": "users_import", "status": "pending", "id": "job_bad"}),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/jobs/job_bad",
        200,
        json!({"type": "users_import", "status": "failed", "id": "job_bad",
               "status_details": "Failed to parse users file JSON when importing users."}),
    )
    .await;
    let auth0 = wire_client(&server);
    let outcome = import_quickly(
        &auth0,
        "con_0123456789abcdef",
        NewUser::new().email("a@acdc.example"),
    )
    .await;
    let Err(Error::Job { job_id, reason }) = outcome else {
        panic!("not a job error: {outcome:?}");
    };
    assert_eq!(job_id, "job_bad");
    assert!(reason.contains("Failed to parse"), "{reason}");
}

#[tokio::test]
async fn refused_input_sends_nothing() {
    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    let outcomes = [
        auth0
            .jobs()
            .import_users(
                "con_0123456789abcdef",
                stream::iter([NewUser::new()
                    .email("big@acdc.example")
                    .user_metadata(json!({"x": "y".repeat(520_000)}))]),
            )
            .run()
            .await,
        auth0
            .jobs()
            .import_users(
                "con_0123456789abcdef",
                stream::iter([NewUser::new()
                    .email("p@acdc.example")
                    .password("Sw0rdfish-99")]),
            )
            .run()
            .await,
        // A smaller file limit than the user needs.
        auth0
            .jobs()
            .import_users(
                "con_0123456789abcdef",
                stream::iter([NewUser::new().email("a@acdc.example").name("x".repeat(300))]),
            )
            .max_request_bytes(600)
            .run()
            .await,
    ];
    for outcome in outcomes {
        assert!(
            matches!(outcome, Err(Error::ImportRefused { index: 0, .. })),
            "{outcome:?}"
        );
    }
    let empty = auth0.jobs().verification_email(" ").send().await;
    assert!(matches!(empty, Err(Error::InvalidArgument(_))), "{empty:?}");
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn verification_email_posts_exactly_the_given_fields() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/api/v2/jobs/verification-email",
        201,
        json!({"status": "pending", "type": "verification_email",
               "created_at": "2026-11-30T00:00:00.000Z", "id": "job_ve1"}),
    )
    .await;
    let auth0 = wire_client(&server);
    let job = auth0
        .jobs()
        .verification_email("auth0|63d17c4a")
        .client_id("cid")
        .organization_id("org_1")
        .identity("google-oauth2", "1234")
        .send()
        .await
        .expect("the job");
    assert_eq!(
        (job.id.as_str(), job.status.as_str()),
        ("job_ve1", "pending")
    );
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0]
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body,
        json!({"user_id": "auth0|63d17c4a", "client_id": "cid", "organization_id": "org_1",
               "identity": {"provider": "google-oauth2", "user_id": "1234"}})
    );
    // Only what was set.
    let _ = auth0.jobs().verification_email("auth0|2").send().await;
    let requests = server.received_requests().await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert_eq!(body, json!({"user_id": "auth0|2"}));
}

#[tokio::test]
async fn a_job_is_read_by_its_id_as_one_segment() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v2/jobs/job_a%2F..%2Fusers",
        200,
        json!({"id": "job_a/../users", "status": "processing", "type": "users_import",
               "percentage_done": 40, "time_left_seconds": 12}),
    )
    .await;
    let auth0 = wire_client(&server);
    let job = auth0.jobs().get("job_a/../users").await.expect("the job");
    assert_eq!(
        (job.percentage_done, job.time_left_seconds),
        (Some(40), Some(12))
    );
    assert!(matches!(
        auth0.jobs().get("..").await,
        Err(Error::InvalidArgument(_))
    ));
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1);
}

/// The export job's body holds exactly the options given (the default
/// export only its format), and the job is polled by its id as one segment.
#[tokio::test]
async fn an_export_posts_exactly_its_options_and_polls_its_job() {
    use auth0plus::management::ExportFormat;

    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/api/v2/jobs/users-exports",
        201,
        json!({"type": "users_export", "status": "pending", "id": "job_e/1",
               "created_at": "2026-11-30T00:00:00.000Z"}),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v2/jobs/job_e%2F1",
        200,
        json!({"type": "users_export", "status": "completed", "id": "job_e/1",
               "location": "https://files.example/export.json.gz"}),
    )
    .await;
    let auth0 = wire_client(&server);
    let export = auth0
        .users()
        .export()
        .format(ExportFormat::Json)
        .fields(["email", "name \"x\""])
        .connection_id("con_0123456789abcdef")
        .limit(10)
        .poll_interval(Duration::from_millis(1), Duration::from_millis(1));
    let job = export.start().await.expect("the job");
    let done = export.wait(job).await.expect("the poll");
    assert_eq!(done.status, "completed");
    auth0
        .users()
        .export()
        .format(ExportFormat::Csv)
        .start()
        .await
        .expect("the default job");

    let requests = server.received_requests().await.unwrap_or_default();
    let calls: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /api/v2/jobs/users-exports",
            "GET /api/v2/jobs/job_e%2F1",
            "POST /api/v2/jobs/users-exports"
        ]
    );
    let bodies: Vec<Value> = [&requests[0], &requests[2]]
        .iter()
        .map(|r| {
            assert_eq!(
                r.headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/json")
            );
            serde_json::from_slice(&r.body).expect("a JSON body")
        })
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"format": "json", "fields": [{"name": "email"}, {"name": "name \"x\""}],
                   "connection_id": "con_0123456789abcdef", "limit": 10}),
            json!({"format": "csv"}),
        ]
    );
}

/// A tenant refusing every upload with a message that quotes `hash` back.
async fn echoing_upload_server(hash: &str) -> MockServer {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/api/v2/jobs/users-imports",
        400,
        json!({"statusCode": 400, "error": "Bad Request", "errorCode": "invalid_body",
               "message": format!("Payload validation error: bad password_hash {hash}")}),
    )
    .await;
    server
}

#[tokio::test]
async fn an_error_echoing_the_file_never_shows_a_hash() {
    let hash = "$2b$10$w4UbRmXzHhZEm8YkqMfvCOq0dnBAzdh7gK3P5LUC6z0pGw1vHq.Ey";
    let server = echoing_upload_server(hash).await;
    let auth0 = wire_client(&server);
    let user = ImportUser::new(NewUser::new().email("a@acdc.example")).password_hash(hash);
    let outcome = auth0
        .jobs()
        .import_users("con_0123456789abcdef", stream::iter([user]))
        .run()
        .await;
    let Err(Error::Api(api)) = &outcome else {
        panic!("not an API error: {outcome:?}");
    };
    assert_eq!(api.status, 400);
    let shown = format!("{outcome:?} {}", outcome.as_ref().unwrap_err());
    assert!(!shown.contains("w4UbRmXz"), "{shown}");
    assert!(shown.contains("bad password_hash"), "{shown}");
}

/// `auth0.send(CreateJobsUsersImports)`: the generated operation of the
/// spec sends the same multipart bytes as the import (the file first, then
/// the model's fields in order), and keeps a hash out of an echoed error.
#[tokio::test]
async fn the_generated_import_operation_sends_the_same_multipart_body() {
    use auth0plus::management::api::jobs::CreateJobsUsersImports;
    use auth0plus::management::api::models::CreateImportUsersRequestContent;
    use auth0plus::transport::Secret;

    let hash = "$2b$10$w4UbRmXzHhZEm8YkqMfvCOq0dnBAzdh7gK3P5LUC6z0pGw1vHq.Ey";
    let server = job_server(json!({}), json!([])).await;
    let auth0 = wire_client(&server);
    let file = format!(r#"[{{"email":"angus@acdc.example","password_hash":"{hash}"}}]"#);
    let body = CreateImportUsersRequestContent {
        connection_id: Some("con_0123456789abcdef".into()),
        upsert: Some(true),
        users: Some(Secret::new(file.clone())),
        ..Default::default()
    };
    let op = CreateJobsUsersImports::new(body.clone());
    // The file holds hashes: the operation's Debug never shows it.
    assert!(!format!("{op:?}").contains("w4UbRmXz"), "{op:?}");
    let job = auth0.send(op).await.expect("the upload");
    assert_eq!(job.id.as_deref(), Some("job_abc"));

    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1);
    let b = boundary(&requests[0]);
    assert_eq!(
        std::str::from_utf8(&requests[0].body).expect("UTF-8"),
        expected_body(
            &b,
            &file,
            &[
                ("connection_id", "con_0123456789abcdef"),
                ("upsert", "true")
            ]
        )
    );
    assert!(!file.contains(&b));

    // Auth0 echoing the file back: the hash is scrubbed from the error.
    let server = echoing_upload_server(hash).await;
    let outcome = wire_client(&server)
        .send(CreateJobsUsersImports::new(body))
        .await;
    let shown = format!("{outcome:?} {}", outcome.as_ref().unwrap_err());
    assert!(
        !shown.contains("w4UbRmXz") && shown.contains("bad password_hash"),
        "{shown}"
    );
}

/// A field the spec does not name (a model's `extra`) becomes a part of that
/// name: one that could forge a part or a header is refused, nothing sent.
#[tokio::test]
async fn a_hostile_extra_field_name_cannot_forge_a_part() {
    use auth0plus::management::api::jobs::CreateJobsUsersImports;
    use auth0plus::management::api::models::CreateImportUsersRequestContent;

    let server = MockServer::start().await;
    let auth0 = wire_client(&server);
    for name in [
        "upsert\"; filename=\"x",
        "a\r\nContent-Type: text/html",
        "a\\\"",
        "",
    ] {
        let mut body = CreateImportUsersRequestContent {
            connection_id: Some("con_0123456789abcdef".into()),
            users: Some(auth0plus::transport::Secret::new("[]")),
            ..Default::default()
        };
        body.extra.insert(name.to_owned(), json!("true"));
        let outcome = auth0.send(CreateJobsUsersImports::new(body)).await;
        let Err(Error::InvalidArgument(message)) = &outcome else {
            panic!("{name:?}: {outcome:?}");
        };
        assert!(name.is_empty() || !message.contains(name), "{message}");
    }
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}
