//! The import job model: throughput, the two-jobs limit, per-user errors.

mod common;

use std::time::Duration;

use auth0plus_fake::FakeTenant;
use common::{assert_error, ctx};
use serde_json::json;

fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let b = "jobModelBoundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{b}--\r\n"));
    (
        format!("multipart/form-data; boundary={b}"),
        body.into_bytes(),
    )
}

fn users(from: usize, n: usize) -> String {
    let list: Vec<String> = (from..from + n)
        .map(|i| format!(r#"{{"email":"u{i}@example.com"}}"#))
        .collect();
    format!("[{}]", list.join(","))
}

#[tokio::test]
async fn jobs_process_at_the_configured_rate_two_at_a_time() {
    // 50 users per second: a file of 100 takes two seconds.
    let c = ctx(FakeTenant::builder()
        .import_users_per_second(50.0)
        .index_delay(Duration::ZERO)
        .start()
        .await
        .unwrap());
    let conn = c.tenant.connection_id().to_string();
    let mut ids = Vec::new();
    for i in 0..2 {
        let (ct, body) = multipart(&[("connection_id", &conn), ("users", &users(i * 100, 100))]);
        let r = c.raw("POST", "/api/v2/jobs/users-imports", &ct, body).await;
        assert_eq!(r.status, 202, "{}", r.text);
        assert_eq!(r.json()["status"], "pending");
        ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    // A third job while two run: refused.
    let (ct, body) = multipart(&[("connection_id", &conn), ("users", &users(200, 1))]);
    assert_error(
        &c.raw("POST", "/api/v2/jobs/users-imports", &ct, body).await,
        429,
        "There are 2 active import users jobs, please wait until some of them are finished and try again",
        Some("too_many_requests"),
    );
    // Part way: processing, with progress, and part of the users are in.
    let job = c.get(&format!("/api/v2/jobs/{}", ids[0])).await.json();
    assert_ne!(job["status"], "completed", "{job}");
    assert!(c.tenant.user_count() < 200);
    // Done after about two seconds (the two ran side by side, not one after the other).
    tokio::time::sleep(Duration::from_millis(2100)).await;
    for id in &ids {
        let job = c.get(&format!("/api/v2/jobs/{id}")).await.json();
        assert_eq!(job["status"], "completed", "{job}");
        assert_eq!(
            job["summary"],
            json!({"failed": 0, "updated": 0, "inserted": 100, "total": 100})
        );
    }
    assert_eq!(c.tenant.user_count(), 200);
    // A slot is free again.
    let (ct, body) = multipart(&[("connection_id", &conn), ("users", &users(200, 1))]);
    assert_eq!(
        c.raw("POST", "/api/v2/jobs/users-imports", &ct, body)
            .await
            .status,
        202
    );
}

#[tokio::test]
async fn per_user_errors_echo_the_user_and_say_why() {
    let c = ctx(FakeTenant::builder().start().await.unwrap());
    let conn = c.tenant.connection_id().to_string();
    let file = r#"[{"email":"dup@example.com"},{"email":"DUP@example.com","password_hash":"$2b$10$abcdefghijklmnopqrstuv"},{"email":"not an email"},{"email":"ok@example.com"}]"#;
    let (ct, body) = multipart(&[("connection_id", &conn), ("users", file)]);
    let job = c
        .raw("POST", "/api/v2/jobs/users-imports", &ct, body)
        .await
        .json();
    let id = job["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let done = c.get(&format!("/api/v2/jobs/{id}")).await.json();
    assert_eq!(
        done["summary"],
        json!({"failed": 2, "updated": 0, "inserted": 2, "total": 4})
    );
    let errors = c.get(&format!("/api/v2/jobs/{id}/errors")).await.json();
    assert_eq!(errors[0]["errors"][0]["code"], "DUPLICATED_USER");
    // Echoed as the file had it, hash included (the client must drop it).
    assert_eq!(
        errors[0]["user"]["password_hash"],
        "$2b$10$abcdefghijklmnopqrstuv"
    );
    assert_eq!(errors[1]["errors"][0]["code"], "INVALID_FORMAT");
    assert_eq!(errors[1]["errors"][0]["path"], "email");
    // A bad upsert flag is a 400, not a silent false.
    let (ct, body) = multipart(&[("connection_id", &conn), ("upsert", "yes"), ("users", "[]")]);
    assert_eq!(
        c.raw("POST", "/api/v2/jobs/users-imports", &ct, body)
            .await
            .status,
        400
    );
}

/// `import_users_per_second` over `/__fake/config` slows the jobs created after it.
#[tokio::test]
async fn the_config_knob_sets_the_rate_of_new_jobs() {
    let c = ctx(FakeTenant::builder()
        .index_delay(Duration::ZERO)
        .start()
        .await
        .unwrap());
    let r = c
        .send(
            "PUT",
            "/__fake/config",
            Some(&json!({"import_users_per_second": 1})),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let conn = c.tenant.connection_id().to_string();
    let (ct, body) = multipart(&[("connection_id", &conn), ("users", &users(0, 5))]);
    let r = c.raw("POST", "/api/v2/jobs/users-imports", &ct, body).await;
    assert_eq!(r.status, 202, "{}", r.text);
    // At the default 50,000 users a second these five would be in at once;
    // at one a second the job is still running.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let job = c
        .get(&format!(
            "/api/v2/jobs/{}",
            r.json()["id"].as_str().unwrap()
        ))
        .await
        .json();
    assert_ne!(job["status"], "completed", "{job}");
    assert!(c.tenant.user_count() < 5);
}
