//! The token request on the wire (wiremock) and the cache under concurrency.

use std::sync::Arc;
use std::time::Duration;

use auth0plus_oauth::{
    CachedTokenSource, ClientCredentials, Error, MIN_REFETCH_INTERVAL, Secret, TokenSource,
};
use auth0plus_transport::test_util::{ManualClock, ReplayBackend, response};
use auth0plus_transport::{RetryPolicy, Telemetry};
use base64::Engine as _;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = r#"{"access_token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln","expires_in":86400,"scope":"read:users","token_type":"Bearer"}"#;

fn credentials(server: &MockServer) -> ClientCredentials {
    ClientCredentials::new("acme.eu.auth0.com", "the-client-id", "the-client-secret")
        .unwrap()
        .base_url(&server.uri())
        .unwrap()
        .retry_policy(RetryPolicy::never())
}

#[tokio::test]
async fn sends_json_with_the_trailing_slash_audience_and_telemetry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("content-type", "application/json"))
        .and(body_json(serde_json::json!({
            "grant_type": "client_credentials",
            "client_id": "the-client-id",
            "client_secret": "the-client-secret",
            "audience": "https://acme.eu.auth0.com/api/v2/"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_raw(TOKEN, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let token = credentials(&server).request_token().await.unwrap();
    assert_eq!(token.access_token.expose(), "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    assert_eq!(token.expires_in, 86_400);
    assert_eq!(token.token_type, "Bearer");

    let received: Vec<Request> = server.received_requests().await.unwrap();
    let telemetry = received[0]
        .headers
        .get("auth0-client")
        .expect("telemetry header");
    let json = base64::engine::general_purpose::STANDARD
        .decode(telemetry.as_bytes())
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["name"], "auth0plus-rust");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        json["env"]["rust"]
            .as_str()
            .is_some_and(|v| v.starts_with("1.")),
        "{json}"
    );
}

#[tokio::test]
async fn telemetry_can_be_turned_off() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(TOKEN, "application/json"))
        .mount(&server)
        .await;
    credentials(&server)
        .telemetry(Telemetry::disabled())
        .request_token()
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert!(received[0].headers.get("auth0-client").is_none());
}

#[tokio::test]
async fn every_documented_error_body_becomes_a_typed_error() {
    let cases = [
        (401, "access_denied", "Unauthorized"),
        (401, "invalid_client", "Client authentication failed"),
        (
            403,
            "unauthorized_client",
            "Grant type 'client_credentials' not allowed for the client.",
        ),
        (
            403,
            "access_denied",
            "Service not enabled within domain: https://acme.eu.auth0.com/api/v2/",
        ),
        (
            400,
            "invalid_request",
            "Missing required parameter: audience",
        ),
        (429, "too_many_requests", "Rate limit exceeded."),
    ];
    for (status, code, description) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("x-ratelimit-reset", "1767225600")
                    .set_body_json(
                        serde_json::json!({"error": code, "error_description": description}),
                    ),
            )
            .mount(&server)
            .await;
        let err = credentials(&server).request_token().await.unwrap_err();
        match &err {
            Error::Rejected {
                status: s,
                error,
                description: d,
                rate_limit,
            } => {
                assert_eq!(
                    (*s, error.as_str(), d.as_deref()),
                    (status, code, Some(description))
                );
                assert_eq!(
                    rate_limit.as_ref().and_then(|r| r.reset),
                    Some(1_767_225_600)
                );
            }
            other => panic!("{status} {code}: {other:?}"),
        }
        assert!(!err.to_string().contains("the-client-secret"));
        assert_eq!(err.is_rate_limited(), status == 429);
    }
}

#[tokio::test]
async fn malformed_answers_are_typed_errors_not_panics() {
    for (status, body, content_type) in [
        (200, "this is not json", "text/plain"),
        (
            200,
            r#"{"token_type":"Bearer","expires_in":86400}"#,
            "application/json",
        ),
        (200, r#"{"access_token":"abc"#, "application/json"),
        (
            502,
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type))
            .mount(&server)
            .await;
        let err = credentials(&server).request_token().await.unwrap_err();
        assert!(
            matches!(err, Error::UnexpectedResponse { .. }),
            "{body}: {err:?}"
        );
        assert_eq!(err.status(), Some(status));
    }
}

#[tokio::test]
async fn the_default_backend_retries_a_5xx_and_a_429_from_the_token_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("{}"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_string("{}"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(TOKEN, "application/json"))
        .mount(&server)
        .await;
    let credentials = ClientCredentials::new("acme.eu.auth0.com", "id", "secret")
        .unwrap()
        .base_url(&server.uri())
        .unwrap()
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(5)));
    credentials.request_token().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[test]
fn debug_output_never_contains_a_secret() {
    let credentials = ClientCredentials::new("acme.auth0.com", "id", "the-client-secret").unwrap();
    let token = auth0plus_oauth::parse_token_response(
        &http::Response::builder()
            .status(200)
            .body(auth0plus_transport::Bytes::from_static(TOKEN.as_bytes()))
            .unwrap(),
    )
    .unwrap();
    let source = CachedTokenSource::new(credentials.clone());
    for shown in [
        format!("{credentials:?}"),
        format!("{credentials:#?}"),
        format!("{token:?}"),
        format!("{token:#?}"),
        format!("{source:?}"),
        format!("{:?}", Secret::new("the-client-secret")),
        format!("{}", Secret::new("the-client-secret")),
    ] {
        assert!(!shown.contains("the-client-secret"), "{shown}");
        assert!(!shown.contains("eyJhbGciOiJSUzI1NiJ9"), "{shown}");
    }
}

fn replayed_source(backend: &ReplayBackend, clock: &ManualClock) -> CachedTokenSource {
    let credentials = ClientCredentials::new("acme.auth0.com", "id", "secret")
        .unwrap()
        .backend(backend.clone());
    CachedTokenSource::new(credentials).clock(clock.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_cold_callers_cause_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(TOKEN, "application/json")
                .set_delay(Duration::from_millis(100)),
        )
        .mount(&server)
        .await;
    let source = Arc::new(CachedTokenSource::new(credentials(&server)));
    let calls = (0..100).map(|_| {
        let source = Arc::clone(&source);
        tokio::spawn(async move { source.token().await })
    });
    for token in futures::future::join_all(calls).await {
        assert_eq!(
            token.unwrap().unwrap().expose(),
            "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
        );
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(source.fetch_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expiring_token_is_refreshed_early_and_once() {
    let backend = ReplayBackend::new()
        .then(response(
            200,
            r#"{"access_token":"first","expires_in":3600}"#,
        ))
        .then(response(
            200,
            r#"{"access_token":"second","expires_in":3600}"#,
        ));
    let clock = ManualClock::fixed();
    let source = Arc::new(replayed_source(&backend, &clock));
    assert_eq!(source.token().await.unwrap().expose(), "first");
    clock.advance(Duration::from_secs(3600 - 61));
    assert_eq!(
        source.token().await.unwrap().expose(),
        "first",
        "still outside the 60 s leeway"
    );
    clock.advance(Duration::from_secs(2));
    let calls = (0..50).map(|_| {
        let source = Arc::clone(&source);
        tokio::spawn(async move { source.token().await.unwrap().expose().to_owned() })
    });
    for token in futures::future::join_all(calls).await {
        assert_eq!(token.unwrap(), "second");
    }
    assert_eq!(backend.request_count(), 2);
}

#[tokio::test]
async fn invalidate_forgets_only_the_rejected_token() {
    let backend = ReplayBackend::new()
        .then(response(200, r#"{"access_token":"first"}"#))
        .then(response(200, r#"{"access_token":"second"}"#));
    let clock = ManualClock::fixed();
    let source = replayed_source(&backend, &clock);
    let first = source.token().await.unwrap();
    source.invalidate(&Secret::new("some-older-token"));
    assert_eq!(
        source.token().await.unwrap(),
        first,
        "a stale rejection does not refresh"
    );
    source.invalidate(&first);
    source.invalidate(&first);
    assert_eq!(source.token().await.unwrap().expose(), "second");
    assert_eq!(
        backend.request_count(),
        2,
        "two invalidations of one token cause one refresh"
    );
}

/// Issue 26: a token that expires at once (`expires_in: 0`) made every call
/// fetch one, and a 401 on it another. Now it serves for one second, a 401
/// within that second does not drop it, and then the next is fetched.
#[tokio::test]
async fn a_token_that_expires_at_once_is_fetched_at_most_once_a_second() {
    let backend = ReplayBackend::new()
        .then(response(200, r#"{"access_token":"first","expires_in":0}"#))
        .then(response(200, r#"{"access_token":"second","expires_in":0}"#));
    let clock = ManualClock::fixed();
    let source = replayed_source(&backend, &clock);
    let first = source.token().await.unwrap();
    for _ in 0..10 {
        source.invalidate(&first);
        assert_eq!(source.token().await.unwrap(), first);
    }
    assert_eq!(backend.request_count(), 1);
    clock.advance(MIN_REFETCH_INTERVAL);
    assert_eq!(source.token().await.unwrap().expose(), "second");
    assert_eq!(backend.request_count(), 2);
}

#[tokio::test]
async fn a_failed_fetch_is_not_cached() {
    let backend = ReplayBackend::new()
        .then(response(
            401,
            r#"{"error":"access_denied","error_description":"Unauthorized"}"#,
        ))
        .then(response(200, r#"{"access_token":"ok"}"#));
    let source = replayed_source(&backend, &ManualClock::fixed());
    assert!(matches!(
        source.token().await,
        Err(Error::Rejected { status: 401, .. })
    ));
    assert_eq!(source.token().await.unwrap().expose(), "ok");
}

/// `expires_in` is the server's: `u64::MAX` used to overflow `SystemTime + Duration`
/// in the cache and panic.
#[tokio::test]
async fn a_huge_expires_in_is_cached_without_panicking() {
    let backend = ReplayBackend::new().then(response(
        200,
        r#"{"access_token":"forever","expires_in":18446744073709551615}"#,
    ));
    let clock = ManualClock::fixed();
    let source = replayed_source(&backend, &clock);
    assert_eq!(source.token().await.unwrap().expose(), "forever");
    clock.advance(Duration::from_secs(30 * 24 * 60 * 60));
    assert_eq!(source.token().await.unwrap().expose(), "forever");
    assert_eq!(backend.request_count(), 1);
}

/// Single flight holds for failures too: callers that queued behind a failed
/// token request get its error instead of each sending their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_share_one_failed_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_raw(
                    r#"{"error":"access_denied","error_description":"Unauthorized"}"#,
                    "application/json",
                )
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&server)
        .await;
    let source = Arc::new(CachedTokenSource::new(credentials(&server)));
    let calls = (0..50).map(|_| {
        let source = Arc::clone(&source);
        tokio::spawn(async move { source.token().await })
    });
    let mut shared = 0;
    for outcome in futures::future::join_all(calls).await {
        match outcome.unwrap() {
            Err(Error::Rejected { status: 401, .. }) => {}
            Err(Error::RefreshFailed(text)) => {
                assert!(text.contains("access_denied"), "{text}");
                assert!(!text.contains("the-client-secret"), "{text}");
                shared += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(shared, 49);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // The next call, made after the failure, tries again.
    assert!(matches!(
        source.token().await,
        Err(Error::Rejected { status: 401, .. })
    ));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(source.fetch_count(), 2);
}

/// A server that echoes the request must not put the client secret into our
/// error, whether it echoes it plainly, JSON-escaped in a way we would not
/// write ourselves, or in a non-JSON page where the snippet cut falls inside it.
#[tokio::test]
async fn an_echoed_client_secret_never_reaches_the_error() {
    let long = "x".repeat(505);
    let bodies = [
        r#"{"error":"invalid_client","error_description":"got the-client-secret"}"#.to_owned(),
        r#"{"error":"the-client-secret"}"#.to_owned(),
        r#"{"message":"echo: \u0074he-client-secret"}"#.to_owned(),
        r#"{"error":"bad","error_description":"the\u002dclient\u002dsecret"}"#.to_owned(),
        "<pre>the-client-secret</pre>".to_owned(),
        // The 512-character snippet ends inside the secret.
        format!("{long}the-client-secret"),
    ];
    for (case, body) in bodies.iter().enumerate() {
        let backend = ReplayBackend::new().then(response(400, body));
        let credentials = ClientCredentials::new("acme.auth0.com", "id", "the-client-secret")
            .unwrap()
            .backend(backend);
        let err = credentials.request_token().await.unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("the-client-s"), "case {case}: {shown}");
        // The snippet of the last case is cut inside the marker.
        assert!(shown.contains("[redact"), "case {case}: {shown}");
    }
}
