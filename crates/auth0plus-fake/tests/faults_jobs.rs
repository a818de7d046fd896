//! Fault injection, tickets, export jobs, the /__fake API and the standalone server.

mod common;

use std::io::Read as _;
use std::time::Duration;

use auth0plus_fake::{FakeTenant, Fault, Route};
use common::{assert_error, ctx, enc, start};
use serde_json::{Value, json};

#[tokio::test]
async fn json_and_html_faults() {
    let c = start().await;
    let cases: [(Fault, u16); 6] = [
        (Fault::InternalError, 500),
        (Fault::ServiceUnavailable, 503),
        (Fault::RateLimited, 429),
        (Fault::RateLimitedBare, 429),
        (Fault::ExpiredToken, 401),
        (Fault::BadGatewayHtml, 502),
    ];
    for (fault, status) in cases {
        c.tenant.inject_fault(Route::CreateUser, fault, 1);
        let r = c
            .post("/api/v2/users", &c.new_user_body("f@example.com"))
            .await;
        assert_eq!(r.status, status, "{fault:?}");
        match fault {
            Fault::BadGatewayHtml => {
                assert_eq!(r.header("content-type").as_deref(), Some("text/html"));
                assert!(r.text.contains("502 Bad Gateway"));
            }
            Fault::RateLimited => {
                assert_eq!(r.json()["message"], "Global limit has been reached");
                assert_eq!(r.header("x-ratelimit-remaining").as_deref(), Some("0"));
                assert!(r.header("x-ratelimit-reset").is_some());
            }
            Fault::RateLimitedBare => {
                assert_eq!(r.json()["errorCode"], "too_many_requests");
                assert!(
                    r.headers
                        .keys()
                        .all(|k| !k.as_str().starts_with("x-ratelimit"))
                );
                assert!(r.header("retry-after").is_none());
            }
            Fault::ExpiredToken => {
                assert_error(
                    &r,
                    401,
                    "Expired token received for JSON Web Token validation",
                    None,
                );
            }
            _ => assert_eq!(r.json()["statusCode"], status),
        }
        assert_eq!(
            c.tenant.user_count(),
            0,
            "{fault:?} must not run the handler"
        );
    }
    // times = 2, then normal
    c.tenant
        .inject_fault(Route::ListUsers, Fault::InternalError, 2);
    assert_eq!(c.get("/api/v2/users").await.status, 500);
    assert_eq!(c.get("/api/v2/users").await.status, 500);
    assert_eq!(c.get("/api/v2/users").await.status, 200);
    assert_eq!(c.tenant.counters().count_status(Route::ListUsers, 500), 2);
}

#[tokio::test]
async fn body_faults() {
    let c = start().await;
    c.tenant
        .inject_fault(Route::ListUsers, Fault::TruncatedJson, 1);
    let r = c.get("/api/v2/users").await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.text).is_err());
    c.tenant.inject_fault(Route::GetUser, Fault::NonJson, 1);
    let r = c.get("/api/v2/users/auth0%7Cx").await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<Value>(&r.text).is_err());
    c.tenant
        .inject_fault(Route::GetUser, Fault::Delay(Duration::from_millis(300)), 1);
    let t0 = std::time::Instant::now();
    let r = c.get("/api/v2/users/auth0%7Cx").await;
    assert!(t0.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn reset_connection_leaves_state_unchanged() {
    let c = start().await;
    c.tenant
        .inject_fault(Route::CreateUser, Fault::ResetConnection, 1);
    let res = c.create_request("r@example.com").send().await;
    assert!(res.is_err(), "expected a transport error, got {res:?}");
    assert_eq!(c.tenant.user_count(), 0);
    assert_eq!(c.tenant.counters().count_status(Route::CreateUser, 0), 1);
    // next request is normal
    c.create("r@example.com").await;
}

#[tokio::test]
async fn drop_mid_body_runs_the_handler() {
    let c = start().await;
    c.tenant
        .inject_fault(Route::CreateUser, Fault::DropMidBody, 1);
    let res = c
        .create_request("d@example.com")
        .send()
        .await
        .expect("status and headers arrive");
    assert_eq!(res.status().as_u16(), 201);
    let len: usize = res.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(len > 10);
    assert!(res.bytes().await.is_err(), "the body must be cut short");
    assert_eq!(c.tenant.user_count(), 1, "the write happened");
    let r = c
        .post("/api/v2/users", &c.new_user_body("d@example.com"))
        .await;
    assert_eq!(r.status, 409);
}

#[tokio::test]
async fn faults_over_http() {
    let c = start().await;
    let r = c
        .send(
            "POST",
            "/__fake/faults",
            Some(&json!({"route":"get_user","fault":"service_unavailable","times":1})),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(c.get("/api/v2/users/auth0%7Cx").await.status, 503);
    let r = c
        .send(
            "POST",
            "/__fake/faults",
            Some(&json!({"route":"nope","fault":"internal_error"})),
            None,
        )
        .await;
    assert_eq!(r.status, 400);
    c.send(
        "POST",
        "/__fake/faults",
        Some(&json!({"route":"get_user","fault":"delay","delay_ms":10,"times":3})),
        None,
    )
    .await;
    assert_eq!(
        c.send("DELETE", "/__fake/faults", None, None).await.status,
        204
    );
    let r = c
        .send(
            "PUT",
            "/__fake/config",
            Some(
                &json!({"latency_ms":0,"rate_limit":{"per_second":1,"burst":7},"index_delay_ms":0}),
            ),
            None,
        )
        .await;
    assert_eq!(r.json()["rate_limit"]["burst"], 7);
    let r = c
        .send(
            "PUT",
            "/__fake/config",
            Some(&json!({"import_users_per_second": 250.5})),
            None,
        )
        .await;
    assert_eq!(r.json()["import_users_per_second"], 250.5);
    assert_eq!(
        c.get("/api/v2/users")
            .await
            .header("x-ratelimit-limit")
            .as_deref(),
        Some("7")
    );
    c.send(
        "PUT",
        "/__fake/config",
        Some(&json!({"rate_limit":null})),
        None,
    )
    .await;
    let r = c
        .send(
            "POST",
            "/__fake/seed",
            Some(&json!({"count":3,"users":[{"user_id":"auth0|given","email":"g@example.com"}]})),
            None,
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["user_ids"].as_array().unwrap().len(), 4);
    let r = c.send("GET", "/__fake/users", None, None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 4);
    let tok = c.send("POST", "/__fake/token", None, None).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        c.send("GET", "/api/v2/users", None, Some(&tok))
            .await
            .status,
        200
    );
    assert_eq!(
        c.send("POST", "/__fake/revoke-tokens", None, None)
            .await
            .status,
        204
    );
    assert_eq!(
        c.send("GET", "/api/v2/users", None, Some(&tok))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn tickets() {
    let c = start().await;
    let u = c.create("t@example.com").await;
    let id = u["user_id"].as_str().unwrap();
    let r = c
        .post(
            "/api/v2/tickets/email-verification",
            &json!({"user_id": id, "ttl_sec": 0}),
        )
        .await;
    assert_eq!(r.status, 201);
    let t = r.json()["ticket"].as_str().unwrap().to_string();
    let prefix = format!("https://{}/u/email-verification?ticket=", c.tenant.domain());
    assert!(
        t.starts_with(&prefix) && t.ends_with('#') && t.len() == prefix.len() + 33,
        "{t}"
    );
    let r = c
        .post(
            "/api/v2/tickets/password-change",
            &json!({"user_id": id, "mark_email_as_verified": true}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(
        r.json()["ticket"]
            .as_str()
            .unwrap()
            .contains("/u/reset-password?ticket=")
    );
    let r = c
        .post(
            "/api/v2/tickets/password-change",
            &json!({"connection_id": c.tenant.connection_id(), "email": "t@example.com"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(c.tenant.connection_id().starts_with("con_") && c.tenant.connection_id().len() == 20);
    let r = c
        .post(
            "/api/v2/tickets/email-verification",
            &json!({"user_id": "auth0|nope"}),
        )
        .await;
    assert_error(&r, 404, "User not found.", Some("inexistent_user"));
    let r = c
        .post(
            "/api/v2/tickets/password-change",
            &json!({"user_id": "auth0|nope"}),
        )
        .await;
    assert_error(&r, 404, "User not found.", Some("inexistent_user"));
    for body in [
        json!({}),
        json!({"user_id": id, "connection_id": c.tenant.connection_id(), "email": "t@example.com"}),
        json!({"email": "t@example.com"}),
    ] {
        let r = c.post("/api/v2/tickets/password-change", &body).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json()["errorCode"], "invalid_body");
    }
    let r = c
        .post("/api/v2/tickets/email-verification", &json!({}))
        .await;
    assert_eq!(r.json()["errorCode"], "invalid_body");
    let r = c
        .post(
            "/api/v2/tickets/email-verification",
            &json!({"user_id": id, "x": 1}),
        )
        .await;
    assert_eq!(r.json()["errorCode"], "invalid_body");
}

async fn poll_until(c: &common::Ctx, id: &str, want: &str) -> Value {
    for _ in 0..100 {
        let v = c.get(&format!("/api/v2/jobs/{id}")).await.json();
        if v["status"] == want {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never reached {want}");
}

fn gunzip(b: &[u8]) -> std::io::Result<String> {
    let mut s = String::new();
    flate2::read::GzDecoder::new(b).read_to_string(&mut s)?;
    Ok(s)
}

#[tokio::test]
async fn export_job_lifecycle() {
    let t = FakeTenant::builder()
        .export_duration(Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    let c = ctx(t);
    let ids = c.tenant.seed_users(3);
    let body = json!({"connection_id": c.tenant.connection_id(), "format": "json", "limit": 2,
                      "fields": [{"name": "email"}, {"name": "user_id", "export_as": "id"}, {"name": "identities[0].connection"}]});
    let r = c.post("/api/v2/jobs/users-exports", &body).await;
    assert_eq!(r.status, 200);
    let job = r.json();
    let keys: Vec<&String> = job.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "type",
            "status",
            "connection_id",
            "format",
            "limit",
            "fields",
            "connection",
            "created_at",
            "id"
        ]
    );
    assert_eq!(job["status"], "pending");
    let id = job["id"].as_str().unwrap();
    assert!(id.starts_with("job_") && id.len() == 20);
    let p = poll_until(&c, id, "processing").await;
    assert!(p["percentage_done"].is_u64() && p["time_left_seconds"].is_u64());
    let done = poll_until(&c, id, "completed").await;
    let loc = done["location"].as_str().unwrap();
    assert_eq!(
        loc,
        format!("{}/__fake/exports/{id}.json.gz", c.tenant.base_url())
    );
    // presigned: no Authorization
    let bytes = c.http.get(loc).send().await.unwrap().bytes().await.unwrap();
    let text = gunzip(&bytes).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], ids[0]);
    assert_eq!(lines[0]["identities[0].connection"], c.tenant.connection());
    assert!(lines[0]["email"].is_string());

    // csv, all users, default format csv
    let r = c
        .post(
            "/api/v2/jobs/users-exports",
            &json!({"fields":[{"name":"user_id"},{"name":"email"}]}),
        )
        .await;
    assert_eq!(r.json()["format"], "csv");
    let id = r.json()["id"].as_str().unwrap().to_string();
    let done = poll_until(&c, &id, "completed").await;
    let bytes = c
        .http
        .get(done["location"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let csv = gunzip(&bytes).unwrap();
    assert_eq!(csv.lines().count(), 4);
    assert_eq!(csv.lines().next(), Some("user_id,email"));

    // failed
    c.tenant.fail_next_export();
    let id = c
        .post("/api/v2/jobs/users-exports", &json!({"format":"json"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let f = poll_until(&c, &id, "failed").await;
    assert!(f.get("location").is_none());
    // stalled
    c.tenant.stall_next_export();
    let id = c
        .post("/api/v2/jobs/users-exports", &json!({"format":"json"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        c.get(&format!("/api/v2/jobs/{id}")).await.json()["status"],
        "processing"
    );
    // corrupt
    c.tenant.corrupt_next_export();
    let id = c
        .post("/api/v2/jobs/users-exports", &json!({"format":"json"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let done = poll_until(&c, &id, "completed").await;
    let bytes = c
        .http
        .get(done["location"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(gunzip(&bytes).is_err());

    let r = c.get("/api/v2/jobs/job_doesnotexist1234").await;
    assert_error(&r, 404, "Job not found.", Some("inexistent_job"));
    let r = c
        .post(
            "/api/v2/jobs/users-exports",
            &json!({"connection_id":"con_nope"}),
        )
        .await;
    assert_error(
        &r,
        400,
        "The connection does not exist.",
        Some("inexistent_connection"),
    );
    let r = c
        .post("/api/v2/jobs/users-exports", &json!({"format":"xml"}))
        .await;
    assert_eq!(r.json()["errorCode"], "invalid_body");
    let r = c
        .http
        .get(c.url(&format!("/__fake/exports/{}.json.gz", enc("nope"))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test]
async fn export_over_http_knob() {
    let c = start().await;
    c.send(
        "POST",
        "/__fake/exports",
        Some(&json!({"next":"fail"})),
        None,
    )
    .await;
    let id = c
        .post("/api/v2/jobs/users-exports", &json!({}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    poll_until(&c, &id, "failed").await;
}

#[tokio::test]
async fn cli_parses_flags_and_starts() {
    let args: Vec<String> = [
        "--addr",
        "127.0.0.1:0",
        "--latency-ms",
        "1",
        "--rate-limit",
        "10,20",
        "--index-delay-ms",
        "5",
        "--seed-users",
        "4",
        "--token-ttl",
        "60",
        "--client-id",
        "cid",
        "--client-secret",
        "sec",
        "--connection",
        "db",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    let t = auth0plus_fake::cli::parse_args(&args)
        .unwrap()
        .start()
        .await
        .unwrap();
    assert_eq!(
        (
            t.client_id(),
            t.client_secret(),
            t.connection(),
            t.user_count()
        ),
        ("cid", "sec", "db", 4)
    );
    let c = ctx(t);
    assert_eq!(
        c.get("/api/v2/users")
            .await
            .header("x-ratelimit-limit")
            .as_deref(),
        Some("20")
    );
    assert!(auth0plus_fake::cli::parse_args(&["--bogus".to_string()]).is_err());
    assert!(
        auth0plus_fake::cli::parse_args(&["--rate-limit".to_string(), "x".to_string()]).is_err()
    );
}

#[tokio::test]
async fn standalone_binary_prints_json_line() {
    use tokio::io::AsyncBufReadExt as _;
    let exe = env!("CARGO_BIN_EXE_auth0plus-fake");
    let mut child = tokio::process::Command::new(exe)
        .args(["--addr", "127.0.0.1:0", "--seed-users", "2"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    tokio::io::BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    for k in [
        "base_url",
        "domain",
        "client_id",
        "client_secret",
        "connection",
    ] {
        assert!(v[k].is_string(), "{k} in {line}");
    }
    let base = v["base_url"].as_str().unwrap();
    let http = reqwest::Client::new();
    let body = json!({"grant_type":"client_credentials","client_id":v["client_id"],"client_secret":v["client_secret"],
                      "audience": format!("https://{}/api/v2/", v["domain"].as_str().unwrap())});
    let r = http
        .post(format!("{base}/oauth/token"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let tok: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    let r = http
        .get(format!("{base}/api/v2/users?include_totals=true"))
        .header(
            "authorization",
            format!("Bearer {}", tok["access_token"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(v["total"], 2);
    child.kill().await.unwrap();
}
