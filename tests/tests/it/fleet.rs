//! A fleet of processes on one tenant: worker processes (`fleet_worker`)
//! sharing a token cache make one token request in all, across restarts; a
//! fleet sharing the rate limit through Redis loses no call when Redis dies.
//! The Redis tests need `redis-server` (skipped, loudly, without it;
//! `AUTH0PLUS_REQUIRE_REDIS=1` makes that a failure).

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use auth0plus::fake::{FakeTenant, Route};
use auth0plus::oauth::RedisTokenCache;
use auth0plus::transport::test_util::RedisServer;
use auth0plus::transport::{Redis, RedisRateLimit, RetryPolicy};
use futures::StreamExt as _;

/// Start `count` workers at once with `cache` (`--redis URL` or `--file DIR`)
/// and wait for all; each must say `ok`.
fn round(tenant: &FakeTenant, count: usize, cache: [&str; 2]) {
    let children: Vec<_> = (0..count)
        .map(|_| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_fleet_worker"))
                .args([tenant.base_url(), tenant.domain(), tenant.client_id()])
                .args(cache)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("a worker");
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "{}", tenant.client_secret()).unwrap();
            child
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && said.trim() == "ok",
            "a worker said {said:?}"
        );
    }
}

async fn tenant() -> FakeTenant {
    FakeTenant::builder().no_rate_limit().start().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_processes_restarted_twice_make_one_token_request_with_redis() {
    let Some(redis) = RedisServer::start_or_skip("fleet::thirty_two_processes") else {
        return;
    };
    let tenant = tenant().await;
    let url = redis.url();
    let tenant = tokio::task::spawn_blocking(move || {
        for _ in 0..3 {
            round(&tenant, 32, ["--redis", &url]);
        }
        tenant
    })
    .await
    .unwrap();
    assert_eq!(tenant.counters().count(Route::Token), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_cli_runs_with_a_file_cache_make_one_token_request() {
    let tenant = tenant().await;
    let dir = std::env::temp_dir().join(format!("auth0plus-fleet-files-{}", std::process::id()));
    let place = dir.to_string_lossy().into_owned();
    let tenant = tokio::task::spawn_blocking(move || {
        for _ in 0..5 {
            round(&tenant, 1, ["--file", &place]);
        }
        // And runs that overlap (cron jobs starting together).
        round(&tenant, 8, ["--file", &place]);
        tenant
    })
    .await
    .unwrap();
    assert_eq!(tenant.counters().count(Route::Token), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

/// One thread, so that the test's log subscriber sees every task's events.
#[tokio::test(flavor = "current_thread")]
async fn killing_redis_mid_run_loses_no_call_and_is_traced_once() {
    let Some(mut redis_server) = RedisServer::start_or_skip("fleet::killing_redis") else {
        return;
    };
    let logs = auth0plus_tests::Captured::default();
    let writer = logs.clone();
    let _guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish(),
    );
    let tenant = auth0plus_tests::tenant_at_50_rps().await;
    let ids = tenant.seed_users(200);
    let redis = Redis::open(&redis_server.url()).unwrap();
    // Four clients (as four processes would have) sharing tokens and the budget.
    let clients: Vec<_> = (0..4)
        .map(|_| {
            auth0plus_tests::builder_for(&tenant)
                .retry_policy(RetryPolicy::patient())
                .token_cache(RedisTokenCache::new(redis.clone()))
                .shared_rate_limit(RedisRateLimit::new(redis.clone(), tenant.domain()))
                .build()
                .unwrap()
        })
        .collect();
    let killer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        redis_server.kill();
        redis_server
    });
    let runs = clients.iter().zip(ids.chunks(50)).map(|(auth0, ids)| {
        let users = auth0.users();
        futures::stream::iter(ids.to_vec())
            .map(move |id| {
                let users = users.clone();
                async move { users.delete(&id).await }
            })
            .buffer_unordered(16)
            .filter(|r| futures::future::ready(r.is_err()))
            .count()
    });
    let failed: usize = futures::future::join_all(runs).await.into_iter().sum();
    let _server = killer.await.unwrap();
    assert_eq!(failed, 0);
    assert!(redis.is_down(), "the run outlasted the outage");
    // One line for the outage, however many calls fell back during it.
    let text = logs.text();
    assert_eq!(text.matches("redis unreachable").count(), 1, "{text}");
    assert_eq!(tenant.counters().count(Route::Token), 1);
    let counters = tenant.counters();
    assert_eq!(counters.status(204), 200, "{counters:?}");
}
