//! The client's request path, with a scripted backend: what goes on the wire
//! and what an error may carry.

use std::sync::Mutex;

use auth0plus_management::{Auth0, Error, NewUser};
use auth0plus_oauth::TokenSource;
use auth0plus_transport::test_util::{ReplayBackend, response};
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
