//! The client's request path, with a scripted backend: what goes on the wire
//! and what an error may carry.

use std::sync::Mutex;
use std::time::Duration;

use auth0plus_management::{Auth0, Error, NewUser};
use auth0plus_oauth::TokenSource;
use auth0plus_transport::test_util::{
    ManualClock, ManualSleep, ReplayBackend, response, response_with_headers,
};
use auth0plus_transport::{NoSleep, RetryPolicy, Secret};

/// Hands out `first-token-aaaa` until it is invalidated, then `second-token-bbbb`.
#[derive(Debug, Default)]
struct RotatingTokens {
    rotated: Mutex<bool>,
}

#[auth0plus_transport::async_trait]
impl TokenSource for RotatingTokens {
    async fn token(&self) -> Result<Secret, auth0plus_oauth::Error> {
        let rotated = *self.rotated.lock().unwrap();
        Ok(Secret::new(if rotated {
            "second-token-bbbb"
        } else {
            "first-token-aaaa"
        }))
    }

    fn invalidate(&self, rejected: &Secret) {
        if rejected.expose() == "first-token-aaaa" {
            *self.rotated.lock().unwrap() = true;
        }
    }
}

fn client(backend: &ReplayBackend) -> Auth0 {
    Auth0::builder("acme.auth0.com")
        .token_source(RotatingTokens::default())
        .default_connection("db")
        .backend(backend.clone())
        .sleep(NoSleep)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_authorization_header_is_marked_sensitive() {
    let backend = ReplayBackend::new().then(response(200, r#"{"user_id":"auth0|1"}"#));
    client(&backend).users().get_by_id("auth0|1").await.unwrap();
    let sent = &backend.requests()[0];
    let authorization = &sent.headers["authorization"];
    assert!(authorization.is_sensitive());
    assert!(!format!("{:?}", sent.headers).contains("first-token-aaaa"));
}

#[tokio::test]
async fn after_a_401_the_refreshed_token_is_scrubbed_from_an_echoing_error() {
    // The server refuses the first token, then echoes the second one back.
    let backend = ReplayBackend::new()
        .then(response(401, r#"{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}"#))
        .then(response(
            400,
            r#"{"statusCode":400,"error":"Bad Request","message":"bad header: Bearer second-token-bbbb"}"#,
        ));
    let err = client(&backend)
        .users()
        .get_by_id("auth0|1")
        .await
        .unwrap_err();
    assert_eq!(backend.request_count(), 2);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("second-token-bbbb"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}

#[tokio::test]
async fn an_invalid_new_user_is_refused_by_save_too_not_only_by_create() {
    let backend = ReplayBackend::new();
    let users = client(&backend).users();
    let mut user = users.build(
        NewUser::new()
            .email("a@example.com")
            .user_metadata(serde_json::json!(5)),
    );
    assert!(matches!(user.save().await, Err(Error::InvalidArgument(_))));
    assert!(matches!(
        users
            .create(NewUser::new().app_metadata(serde_json::json!("x")))
            .await,
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(
        backend.request_count(),
        0,
        "refused before anything was sent"
    );
}

/// An Auth0 whose server reports an empty rate-limit bucket on every answer,
/// with time that moves only when the client sleeps.
fn rate_limited_client(backend: &ReplayBackend, sleep: &ManualSleep, clock: &ManualClock) -> Auth0 {
    Auth0::builder("acme.auth0.com")
        .token("a-static-token")
        .backend(backend.clone())
        .sleep(sleep.clone())
        .clock(clock.clone())
        .build()
        .unwrap()
}

fn empty_bucket_backend() -> ReplayBackend {
    ReplayBackend::new().otherwise(|_| {
        Ok(response_with_headers(
            200,
            &[("x-ratelimit-limit", "10"), ("x-ratelimit-remaining", "0")],
            r#"{"user_id":"auth0|1"}"#,
        ))
    })
}

#[tokio::test]
async fn every_clone_of_a_client_shares_one_throttle() {
    let clock = ManualClock::fixed();
    let sleep = ManualSleep::new(&clock);
    let backend = empty_bucket_backend();
    let a = rate_limited_client(&backend, &sleep, &clock);
    let b = a.clone();
    // a learns the bucket is empty; b's probe goes; a must now wait its turn.
    a.users().get_by_id("auth0|1").await.unwrap();
    b.users().get_by_id("auth0|1").await.unwrap();
    a.users().get_by_id("auth0|1").await.unwrap();
    assert_eq!(
        sleep.sleeps(),
        [Duration::from_millis(100)],
        "the clone's knowledge paced a"
    );

    // Two clients built separately know nothing of each other: no waits.
    let clock = ManualClock::fixed();
    let sleep = ManualSleep::new(&clock);
    let a = rate_limited_client(&backend, &sleep, &clock);
    let b = rate_limited_client(&backend, &sleep, &clock);
    a.users().get_by_id("auth0|1").await.unwrap();
    b.users().get_by_id("auth0|1").await.unwrap();
    a.users().get_by_id("auth0|1").await.unwrap();
    assert!(sleep.sleeps().is_empty(), "{:?}", sleep.sleeps());
}
