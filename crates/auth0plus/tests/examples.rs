//! The examples of `examples/`, run against the fake tenant: each example
//! file is included here as a module (`#[path]`), so its routes or
//! functions are called as its `main` would call them, with the fake
//! standing in for Auth0. To add one: write `examples/NAME.rs` with what a
//! test needs public, add its `[[example]]` (with `required-features =
//! ["fake"]`) to the manifest, and a module and a test here.

use std::time::Duration;

use auth0plus::fake::FakeTenant;
use auth0plus::prelude::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt as _;

#[allow(dead_code, reason = "its `main` serves; the test calls its router")]
#[path = "../examples/signup_service.rs"]
mod signup_service;

#[allow(
    dead_code,
    reason = "its `main` exports 3,000 users; the test calls `count_by_plan`"
)]
#[path = "../examples/export_progress.rs"]
mod export_progress;

#[allow(dead_code, reason = "its `main` runs it twice; the test calls `run`")]
#[path = "../examples/nightly.rs"]
mod nightly;

#[allow(dead_code, reason = "its `main` runs it twice; the test calls `run`")]
#[path = "../examples/migration.rs"]
mod migration;

#[allow(
    dead_code,
    reason = "its `main` provisions once; the test calls `provision`"
)]
#[path = "../examples/m2m_provisioning.rs"]
mod m2m_provisioning;

/// A client of `tenant`, as the example's `main` builds one.
fn client(tenant: &FakeTenant) -> Auth0 {
    Auth0::builder(tenant.domain())
        .client_credentials(tenant.client_id(), tenant.client_secret())
        .default_connection(tenant.connection())
        .base_url(tenant.base_url())
        .build()
        .expect("a valid client")
}

/// Send one request to `router`; the answer's status and JSON body.
async fn call(
    router: &axum::Router,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    let body = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let response = router
        .clone()
        .oneshot(request.body(body).expect("a request"))
        .await
        .expect("the router answers");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("a JSON body")
    };
    (status, json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signup_service_signs_up_searches_and_deletes() {
    // Search sees writes at once here: the test is about what the service does.
    let tenant = FakeTenant::builder()
        .index_delay(Duration::ZERO)
        .start()
        .await
        .expect("a fake tenant");
    let auth0 = client(&tenant);
    let app = signup_service::App::new(auth0.clone())
        .await
        .expect("the app");
    let router = signup_service::router(app);

    let mut ids = Vec::new();
    for email in [
        "angus@acdc.example",
        "malcolm@acdc.example",
        "bon@other.example",
    ] {
        let (status, member) = call(
            &router,
            Method::POST,
            "/signup",
            Some(json!({"email": email, "password": "Highway-2-Hell!"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{member}");
        assert_eq!(member["email"], email);
        assert!(!member.to_string().contains("Highway"), "{member}");
        ids.push(member["user_id"].as_str().expect("an id").to_owned());
    }
    // Signed up: the user, their role, their membership.
    let role = auth0
        .roles()
        .get([("name", signup_service::MEMBER_ROLE)])
        .await
        .expect("the role");
    assert_eq!(role.users().query().count().await.expect("counted"), 3);
    let org = auth0
        .organizations()
        .get([("name", signup_service::ORGANIZATION)])
        .await
        .expect("the organization");
    assert_eq!(org.members().query().count().await.expect("counted"), 3);

    // The same email again: Auth0's 409, passed on.
    let (status, error) = call(
        &router,
        Method::POST,
        "/signup",
        Some(json!({"email": "angus@acdc.example", "password": "Highway-2-Hell!"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");

    // A prefix finds what starts with it, and a hostile one finds nothing.
    let (status, found) = call(&router, Method::GET, "/users?prefix=a", None).await;
    assert_eq!(status, StatusCode::OK);
    let emails: Vec<&str> = found
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|m| m["email"].as_str())
        .collect();
    assert_eq!(emails, ["angus@acdc.example"]);
    for hostile in [
        "*",
        "a*%20OR%20email:*",
        "%22%20OR%20email:*",
        "x)%20OR%20(email:*",
    ] {
        let (status, found) = call(
            &router,
            Method::GET,
            &format!("/users?prefix={hostile}"),
            None,
        )
        .await;
        assert_eq!((status, found), (StatusCode::OK, json!([])), "{hostile}");
    }

    // Block, then unblock: the flag on Auth0, and in the answer.
    let path = format!("/users/{}/block", ids[1].replace('|', "%7C"));
    let (status, member) = call(&router, Method::POST, &path, None).await;
    assert_eq!(
        (status, &member["blocked"]),
        (StatusCode::OK, &json!(true)),
        "{member}"
    );
    let blocked = auth0.users().get_by_id(&ids[1]).await.expect("the user");
    assert_eq!(blocked.blocked, Some(true));
    let (status, member) = call(&router, Method::DELETE, &path, None).await;
    assert_eq!(
        (status, &member["blocked"]),
        (StatusCode::OK, &json!(false)),
        "{member}"
    );
    let (status, _) = call(&router, Method::POST, "/users/auth0%7Cnobody/block", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Delete: gone, and their memberships with them.
    let (status, _) = call(
        &router,
        Method::DELETE,
        &format!("/users/{}", ids[0].replace('|', "%7C")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(auth0.users().get_by_id(&ids[0]).await.is_err());
    assert_eq!(org.members().query().count().await.expect("counted"), 2);
    assert_eq!(role.users().query().count().await.expect("counted"), 2);
}

/// A folder of its own under the system's temporary folder, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path =
            std::env::temp_dir().join(format!("auth0plus-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("a temporary folder");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `log_id`s of an NDJSON file of log events, in file order.
fn log_ids(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("the NDJSON file")
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("one JSON object a line");
            event["log_id"].as_str().expect("a log_id").to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nightly_job_saves_the_logs_since_its_checkpoint_and_the_users_as_csv() {
    let tenant = FakeTenant::builder()
        .seed_users(40)
        .export_duration(Duration::from_millis(300))
        .start()
        .await
        .expect("a fake tenant");
    let auth0 = client(&tenant);
    let dir = TempDir::new("nightly");
    // Something to log before the first night.
    auth0
        .users()
        .create(
            NewUser::new()
                .email("first@acdc.example")
                .password("Sw0rdfish!"),
        )
        .await
        .expect("created");

    let first = nightly::run(&auth0, &dir.0).await.expect("the first night");
    let first_ids = log_ids(&first.logs_file);
    assert!(first.logs_file.ends_with("logs-since-start.ndjson"));
    assert_eq!(first_ids.len() as u64, first.events);
    assert!(first.events >= 2, "a token and a creation: {first:?}");
    assert_eq!(first.checkpoint.as_ref(), first_ids.last());
    let saved = std::fs::read_to_string(dir.0.join(nightly::CHECKPOINT)).expect("a checkpoint");
    assert_eq!(Some(&saved), first.checkpoint.as_ref());

    // The users' file: gzip CSV, a header and one line per user.
    let gzip = std::fs::read(dir.0.join(nightly::USERS_FILE)).expect("the users' file");
    assert_eq!(gzip.len() as u64, first.users_file_bytes);
    let mut csv = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut csv)
        .expect("gzip CSV");
    assert!(csv.starts_with("user_id,email"), "{csv:.200}");
    assert_eq!(
        csv.lines().count(),
        1 + 41,
        "a header, 40 seeded users and one created"
    );

    // The next night sees only what came after the checkpoint.
    auth0
        .users()
        .create(
            NewUser::new()
                .email("second@acdc.example")
                .password("Sw0rdfish!"),
        )
        .await
        .expect("created");
    let second = nightly::run(&auth0, &dir.0)
        .await
        .expect("the second night");
    let second_ids = log_ids(&second.logs_file);
    let checkpoint = first.checkpoint.clone().expect("a checkpoint");
    assert!(
        second
            .logs_file
            .ends_with(format!("logs-since-{checkpoint}.ndjson"))
    );
    assert!(!second_ids.is_empty());
    assert!(
        second_ids
            .iter()
            .all(|id| *id > checkpoint && !first_ids.contains(id))
    );
    let text = std::fs::read_to_string(&second.logs_file).expect("the file");
    assert!(
        text.contains("second@acdc.example") || text.contains("\"sapi\""),
        "{text:.400}"
    );

    // A checkpoint that is not a log id never becomes a path.
    std::fs::write(dir.0.join(nightly::CHECKPOINT), "../../escape").expect("written");
    let refused = nightly::run(&auth0, &dir.0).await.expect_err("refused");
    assert!(refused.to_string().contains("log id"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_imports_finds_and_enrols_its_users_and_changes_nothing_when_rerun() {
    let tenant = FakeTenant::builder()
        .import_users_per_second(50_000.0)
        .index_delay(Duration::ZERO)
        .start()
        .await
        .expect("a fake tenant");
    let auth0 = client(&tenant);
    // Someone already in the connection, not in the file: never enrolled.
    auth0
        .users()
        .create(
            NewUser::new()
                .email("bystander@acdc.example")
                .password("Sw0rdfish!"),
        )
        .await
        .expect("created");
    let plan = migration::Plan {
        connection: tenant.connection().to_owned(),
        organization: "acdc-fans".into(),
        role: "fan".into(),
    };
    let rows = migration::parse_csv(&migration::sample_csv(150)).expect("the CSV");
    assert_eq!(rows[7].email, "fan7@acdc.example", "emails are lower-cased");

    let first = migration::run(&auth0, &rows, &plan)
        .await
        .expect("migrated");
    assert_eq!(
        (
            first.rows,
            first.inserted,
            first.updated,
            first.failed,
            first.members
        ),
        (150, 150, 0, 0, 150)
    );
    let again = migration::run(&auth0, &rows, &plan)
        .await
        .expect("migrated again");
    assert_eq!(
        (again.inserted, again.updated, again.failed, again.members),
        (0, 150, 0, 150)
    );

    let org = auth0
        .organizations()
        .get([("name", "acdc-fans")])
        .await
        .expect("one organization");
    let role = auth0
        .roles()
        .get([("name", "fan")])
        .await
        .expect("one role");
    assert_eq!(org.members().query().count().await.expect("counted"), 150);
    assert_eq!(role.users().query().count().await.expect("counted"), 150);
    assert_eq!(auth0.roles().all().count().await.expect("counted"), 1);
    let members = org.members().query().fetch_all().await.expect("listed");
    assert!(
        members
            .iter()
            .all(|m| m.email.as_deref() != Some("bystander@acdc.example"))
    );

    // A file the example cannot read is refused by line, before anything is sent.
    for bad in [
        "name,email\nx,y\n",
        "email,given_name,family_name\n\"a@b.example\",A,B\n",
        "email,given_name,family_name\n,A,B\n",
    ] {
        assert!(migration::parse_csv(bad).is_err(), "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2m_provisioning_makes_an_api_a_client_and_a_grant_then_a_token_for_it() {
    let tenant = FakeTenant::start().await.expect("a fake tenant");
    let auth0 = client(&tenant);
    let mut service = m2m_provisioning::Service::invoice_worker();
    let provisioned = m2m_provisioning::provision(&auth0, &service)
        .await
        .expect("provisioned");
    assert!(!format!("{provisioned:?}").contains(provisioned.client_secret.expose()));

    let token = m2m_provisioning::service_token(
        tenant.domain(),
        Some(tenant.base_url()),
        &service,
        &provisioned,
    )
    .await
    .expect("the service's token");
    assert_eq!(token.scope.as_deref(), Some("read:invoices write:invoices"));

    // A rerun finds everything; a narrower grant is saved, and the next token has it.
    service.granted = vec!["read:invoices".into()];
    let again = m2m_provisioning::provision(&auth0, &service)
        .await
        .expect("provisioned again");
    assert_eq!(
        (&again.client_id, &again.grant_id),
        (&provisioned.client_id, &provisioned.grant_id)
    );
    assert_eq!(
        auth0.clients().all().count().await.expect("counted"),
        2,
        "the tenant's own and this one"
    );
    let token =
        m2m_provisioning::service_token(tenant.domain(), Some(tenant.base_url()), &service, &again)
            .await
            .expect("the service's token");
    assert_eq!(token.scope.as_deref(), Some("read:invoices"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_progress_counts_every_user_past_the_search_window_by_plan() {
    let tenant = FakeTenant::builder()
        .seed_users(1_200)
        .export_duration(Duration::from_millis(300))
        .start()
        .await
        .expect("a fake tenant");
    let auth0 = client(&tenant);
    let (count, by_plan) = export_progress::count_by_plan(&auth0, 1_200)
        .await
        .expect("exported");
    assert_eq!(count, 1_200);
    // The fake seeds its users on three plans, in turn.
    let expected: std::collections::BTreeMap<String, u64> =
        [("enterprise", 400), ("free", 400), ("pro", 400)]
            .into_iter()
            .map(|(plan, n)| (plan.to_owned(), n))
            .collect();
    assert_eq!(by_plan, expected);
}
