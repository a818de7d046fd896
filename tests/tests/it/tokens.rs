//! Token lifecycle against the fake tenant: early refresh, retried token requests, one
//! refresh and one retry per 401, and single-flight refreshes under concurrency.

use std::time::{Duration, Instant};

use auth0plus::transport::RetryPolicy;
use auth0plus_fake::{FakeTenant, Fault, Route};

fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .attempt_timeout(Some(Duration::from_secs(5)))
}

fn client(tenant: &FakeTenant) -> auth0plus::management::Auth0Builder {
    auth0plus_tests::builder_for(tenant).retry_policy(fast_policy())
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_before_it_expires() {
    // Tokens live 3 s; the client refreshes 1.5 s early (leeway capped at half the life).
    let tenant = FakeTenant::builder()
        .token_ttl(Duration::from_secs(3))
        .start()
        .await
        .unwrap();
    let id = tenant.seed_users(1).remove(0);
    let auth0 = client(&tenant)
        .token_leeway(Duration::from_secs(2))
        .build()
        .unwrap();
    let users = auth0.users();
    let started = Instant::now();
    let mut calls = 0;
    while started.elapsed() < Duration::from_secs(7) {
        users.get_by_id(&id).await.unwrap();
        calls += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let counters = tenant.counters();
    assert_eq!(
        counters.status(401),
        0,
        "no request ever went out with an expired token ({calls} calls)"
    );
    let fetched = counters.count(Route::Token);
    assert!(
        (3..=6).contains(&fetched),
        "one token per ~1.5 s over 7 s, not {fetched}"
    );
}

#[tokio::test]
async fn token_requests_are_retried_on_429_and_5xx() {
    let tenant = FakeTenant::start().await.unwrap();
    let id = tenant.seed_users(1).remove(0);
    let auth0 = client(&tenant).build().unwrap();
    tenant.inject_fault(Route::Token, Fault::RateLimitedBare, 1);
    tenant.inject_fault(Route::Token, Fault::InternalError, 1);
    tenant.inject_fault(Route::Token, Fault::ServiceUnavailable, 1);
    auth0.users().get_by_id(&id).await.unwrap();
    let counters = tenant.counters();
    assert_eq!(counters.count(Route::Token), 4);
    assert_eq!(counters.count_status(Route::Token, 200), 1);
    assert_eq!(counters.count(Route::GetUser), 1);

    // A 502 HTML page and a 429 with a reset header, then success.
    let fresh = client(&tenant).build().unwrap();
    tenant.reset_counters();
    tenant.inject_fault(Route::Token, Fault::BadGatewayHtml, 1);
    tenant.inject_fault(Route::Token, Fault::RateLimited, 1);
    fresh.users().get_by_id(&id).await.unwrap();
    assert_eq!(tenant.counters().count(Route::Token), 3);
}

#[tokio::test]
async fn a_token_endpoint_that_keeps_failing_gives_a_typed_error() {
    let tenant = FakeTenant::start().await.unwrap();
    let id = tenant.seed_users(1).remove(0);
    // 429s spend the rate-limit budget, not the attempts: with none, the
    // first 429 is the answer.
    let auth0 = client(&tenant)
        .retry_policy(
            fast_policy()
                .max_attempts(3)
                .rate_limit_budget(Duration::ZERO),
        )
        .build()
        .unwrap();
    tenant.inject_fault(Route::Token, Fault::RateLimitedBare, 1);
    let err = auth0.users().get_by_id(&id).await.unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    assert!(
        matches!(
            err,
            auth0plus::Error::Token(auth0plus::oauth::Error::Rejected { status: 429, .. })
        ),
        "{err:?}"
    );
    assert_eq!(tenant.counters().count(Route::Token), 1);
    assert_eq!(tenant.counters().count(Route::GetUser), 0);

    tenant.inject_fault(Route::Token, Fault::BadGatewayHtml, 3);
    let err = auth0.users().get_by_id(&id).await.unwrap_err();
    assert_eq!(err.status(), Some(502), "{err:?}");
    assert!(err.to_string().contains("502"), "{err}");
}

#[tokio::test]
async fn a_401_causes_exactly_one_refresh_and_one_retry() {
    let tenant = FakeTenant::start().await.unwrap();
    let id = tenant.seed_users(1).remove(0);
    let auth0 = client(&tenant).build().unwrap();
    let users = auth0.users();
    users.get_by_id(&id).await.unwrap();
    tenant.reset_counters();

    tenant.revoke_tokens();
    users.get_by_id(&id).await.unwrap();
    let counters = tenant.counters();
    assert_eq!(counters.count(Route::Token), 1, "one refresh");
    assert_eq!(counters.count_status(Route::GetUser, 401), 1);
    assert_eq!(counters.count_status(Route::GetUser, 200), 1, "one retry");

    // The fresh token is rejected too: the 401 is returned, no second refresh, no loop.
    tenant.reset_counters();
    tenant.inject_fault(Route::GetUser, Fault::ExpiredToken, 2);
    let err = users.get_by_id(&id).await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err:?}");
    let counters = tenant.counters();
    assert_eq!(counters.count(Route::Token), 1);
    assert_eq!(counters.count(Route::GetUser), 2);

    // A POST is resent after a 401 too: the server refused it unprocessed.
    tenant.reset_counters();
    tenant.revoke_tokens();
    users
        .create(
            auth0plus::NewUser::new()
                .email("after.401@example.com")
                .password("Sup3r-secret!"),
        )
        .await
        .unwrap();
    assert_eq!(tenant.counters().count(Route::Token), 1);
    assert_eq!(tenant.counters().count(Route::CreateUser), 2);
    assert_eq!(tenant.user_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_refresh() {
    let tenant = FakeTenant::builder()
        .latency(Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let id = tenant.seed_users(1).remove(0);
    let auth0 = client(&tenant).build().unwrap();

    // Cold start: 100 callers at once, one token request.
    let calls = (0..100).map(|_| {
        let users = auth0.users();
        let id = id.clone();
        tokio::spawn(async move { users.get_by_id(&id).await.map(drop) })
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap().unwrap();
    }
    assert_eq!(tenant.counters().count(Route::Token), 1);

    // After a revoke: 64 callers all get a 401, and still only one refresh.
    for round in 0..3 {
        tenant.reset_counters();
        tenant.revoke_tokens();
        let calls = (0..64).map(|_| {
            let users = auth0.users();
            let id = id.clone();
            tokio::spawn(async move { users.get_by_id(&id).await.map(drop) })
        });
        for result in futures::future::join_all(calls).await {
            result.unwrap().unwrap();
        }
        let counters = tenant.counters();
        assert_eq!(counters.count(Route::Token), 1, "round {round}");
        assert_eq!(counters.count_status(Route::GetUser, 200), 64);
    }
}
