//! Token caches beyond one source's memory, against the fake tenant: one token
//! request however many sources (or runs) share a cache, and M2M token quotas.
//! The Redis tests need `redis-server` (skipped, loudly, without it;
//! `AUTH0PLUS_REQUIRE_REDIS=1` makes that a failure).

use std::path::PathBuf;
use std::time::Duration;

use auth0plus_fake::{FakeTenant, Route, TokenQuota};
use auth0plus_oauth::{
    CachedTokenSource, ClientCredentials, Error, FileCache, MemoryCache, TokenCache, TokenSource,
};
use auth0plus_transport::RetryPolicy;

async fn tenant() -> FakeTenant {
    FakeTenant::builder().no_rate_limit().start().await.unwrap()
}

fn credentials(tenant: &FakeTenant) -> ClientCredentials {
    ClientCredentials::new(tenant.domain(), tenant.client_id(), tenant.client_secret())
        .unwrap()
        .base_url(tenant.base_url())
        .unwrap()
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(1)))
}

fn source(tenant: &FakeTenant, cache: impl TokenCache) -> CachedTokenSource {
    CachedTokenSource::new(credentials(tenant)).cache(cache)
}

fn token_requests(tenant: &FakeTenant) -> u64 {
    tenant.counters().count(Route::Token)
}

fn temp_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "auth0plus-oauth-{name}-{}-{}",
        std::process::id(),
        fastrand_suffix()
    ))
}

fn fastrand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// `count` sources on one cache ask at once; each gets the one token.
async fn concurrent(tenant: &FakeTenant, cache: &(impl TokenCache + Clone), count: usize) {
    let calls = (0..count).map(|_| {
        let source = source(tenant, cache.clone());
        tokio::spawn(async move { source.token().await })
    });
    let tokens: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap().expose().to_owned())
        .collect();
    assert!(tokens.windows(2).all(|w| w[0] == w[1]), "one token for all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sources_sharing_a_memory_cache_make_one_token_request() {
    let tenant = tenant().await;
    concurrent(&tenant, &MemoryCache::new(), 20).await;
    assert_eq!(token_requests(&tenant), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_cache_serves_sequential_runs_and_concurrent_ones_with_one_request() {
    let tenant = tenant().await;
    let dir = temp_dir("file-cache");
    // Three "runs" of a CLI, each a new source (as a new process would be).
    for _ in 0..3 {
        let token = source(&tenant, FileCache::new(&dir)).token().await.unwrap();
        assert!(!token.expose().is_empty());
    }
    concurrent(&tenant, &FileCache::new(&dir), 20).await;
    assert_eq!(token_requests(&tenant), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_token_the_api_refused_is_not_taken_from_the_cache_again() {
    let tenant = tenant().await;
    let cache = MemoryCache::new();
    let first = source(&tenant, cache.clone());
    let rejected = first.token().await.unwrap();
    tenant.revoke_tokens();
    first.invalidate(&rejected);
    let fresh = first.token().await.unwrap();
    assert_ne!(fresh, rejected);
    // The cache holds the fresh one now: a second source takes it.
    assert_eq!(source(&tenant, cache).token().await.unwrap(), fresh);
    assert_eq!(token_requests(&tenant), 2);
}

#[tokio::test]
async fn an_unusable_cache_never_fails_a_call() {
    let tenant = tenant().await;
    // A file where the directory should be: every cache operation fails.
    let blocker = temp_dir("blocked");
    std::fs::write(&blocker, "not a directory").unwrap();
    let source = source(&tenant, FileCache::new(blocker.join("tokens")));
    assert!(source.token().await.is_ok());
    std::fs::remove_file(blocker).unwrap();
}

#[tokio::test]
async fn quota_headers_are_typed_and_a_used_up_quota_is_not_asked_again() {
    let tenant = FakeTenant::builder()
        .no_rate_limit()
        .token_quota(TokenQuota {
            per_hour: Some(1),
            per_day: Some(10),
        })
        .start()
        .await
        .unwrap();
    let token = credentials(&tenant).request_token().await.unwrap();
    let client = token.quotas.client.expect("the client quota header");
    let hour = client.per_hour.unwrap();
    assert_eq!((hour.quota, hour.remaining), (1, 0));
    assert!(hour.reset_after <= Duration::from_secs(3_600));
    assert_eq!(client.per_day.unwrap().remaining, 9);
    assert_eq!(token.quotas.organization, None);

    // A source of its own (no shared cache) finds the quota used up.
    let source = CachedTokenSource::new(credentials(&tenant));
    let err = source.token().await.unwrap_err();
    match &err {
        Error::QuotaExceeded {
            description,
            quotas,
            retry_after,
        } => {
            assert_eq!(description.as_deref(), Some("Client quota exceeded"));
            assert_eq!(quotas.client.unwrap().per_hour.unwrap().remaining, 0);
            // Longer than the retry policy waits: returned, not slept on.
            assert!(retry_after.is_some_and(|d| d <= Duration::from_secs(3_600)));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_rate_limited());
    assert_eq!(err.status(), Some(429));
    assert_eq!(token_requests(&tenant), 2);
    // Until the quota resets, asking again costs no request: no hammering.
    for _ in 0..5 {
        assert!(matches!(
            source.token().await,
            Err(Error::QuotaExceeded { .. })
        ));
    }
    assert_eq!(token_requests(&tenant), 2);
}

#[cfg(feature = "redis")]
mod redis {
    use super::*;
    use auth0plus_oauth::RedisTokenCache;
    use auth0plus_transport::Redis;
    use auth0plus_transport::test_util::RedisServer;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sources_on_one_redis_make_one_token_request_across_restarts() {
        let Some(server) = RedisServer::start_or_skip("oauth cache::redis::one_request") else {
            return;
        };
        let tenant = tenant().await;
        for _ in 0..3 {
            // Each "process" has its own connection, as after a restart.
            let cache = RedisTokenCache::new(Redis::open(&server.url()).unwrap());
            concurrent(&tenant, &cache, 16).await;
        }
        assert_eq!(token_requests(&tenant), 1);
        // Keys name the tenant, client and audience, never the secret; the
        // value is the token and its expiry only.
        let cache = RedisTokenCache::new(Redis::open(&server.url()).unwrap());
        let key = source(&tenant, cache.clone()).cache_key().clone();
        let name = cache.token_key(&key);
        assert!(name.contains(tenant.client_id()) && !name.contains(tenant.client_secret()));
        let stored = cache.get(&key).await.unwrap().unwrap();
        assert!(stored.expires_at > std::time::SystemTime::now());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_redis_each_source_fetches_on_its_own() {
        let Some(mut server) = RedisServer::start_or_skip("oauth cache::redis::down") else {
            return;
        };
        let tenant = tenant().await;
        let redis = Redis::open(&server.url()).unwrap();
        concurrent(&tenant, &RedisTokenCache::new(redis.clone()), 4).await;
        server.kill();
        let lone = source(&tenant, RedisTokenCache::new(redis.clone()));
        assert!(lone.token().await.is_ok());
        assert!(redis.is_down());
        assert_eq!(token_requests(&tenant), 2);
    }
}
