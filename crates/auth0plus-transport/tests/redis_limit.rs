//! The shared rate-limit budget against a real `redis-server` (skipped, loudly,
//! where none is installed; `AUTH0PLUS_REQUIRE_REDIS=1` makes that a failure).
//!
//! "Processes" here are separate `Retrying` clients, each with its own
//! throttle and its own Redis connection, on one simulated token bucket of
//! 50 rps / burst 10 that answers with Auth0's headers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use auth0plus_transport::test_util::RedisServer;
use auth0plus_transport::{
    Bytes, HttpBackend, Redis, RedisRateLimit, RetryPolicy, Retrying, SharedBackend,
    SharedRateLimit, Throttle, TokioSleep, backend_fn,
};
use futures::StreamExt as _;

/// The server's bucket and what it answered.
struct Bucket {
    tokens: f64,
    last: Instant,
    ok: usize,
    limited: usize,
}

const RATE: f64 = 50.0;
const BURST: f64 = 10.0;

fn server() -> (Arc<Mutex<Bucket>>, SharedBackend) {
    let bucket = Arc::new(Mutex::new(Bucket {
        tokens: BURST,
        last: Instant::now(),
        ok: 0,
        limited: 0,
    }));
    let state = Arc::clone(&bucket);
    let backend = backend_fn(move |_request| {
        let state = Arc::clone(&state);
        async move {
            tokio::time::sleep(Duration::from_millis(2)).await;
            let (status, remaining, reset) = {
                let mut b = state.lock().unwrap();
                let now = Instant::now();
                b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * RATE).min(BURST);
                b.last = now;
                let ok = b.tokens >= 1.0;
                if ok {
                    b.tokens -= 1.0;
                    b.ok += 1;
                } else {
                    b.limited += 1;
                }
                let epoch = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap()
                    .as_secs_f64();
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let (remaining, reset) = (
                    b.tokens.floor() as u64,
                    (epoch + (1.0 - b.tokens.fract()) / RATE).ceil() as u64,
                );
                (if ok { 200 } else { 429 }, remaining, reset)
            };
            tokio::time::sleep(Duration::from_millis(2)).await;
            Ok(http::Response::builder()
                .status(status)
                .header("x-ratelimit-limit", "10")
                .header("x-ratelimit-remaining", remaining)
                .header("x-ratelimit-reset", reset)
                .body(Bytes::from_static(b"{}"))
                .unwrap())
        }
    });
    (bucket, SharedBackend::new(backend))
}

fn client(server: &SharedBackend, redis: &Redis) -> Retrying<SharedBackend> {
    let limit: Arc<dyn SharedRateLimit> = Arc::new(RedisRateLimit::new(redis.clone(), "acme"));
    Retrying::new(server.clone(), TokioSleep)
        .with_policy(RetryPolicy::patient())
        .with_throttle(Throttle::new())
        .with_shared_rate_limit(limit)
}

fn get() -> http::Request<Bytes> {
    http::Request::get("https://acme.auth0.com/api/v2/users/x")
        .body(Bytes::new())
        .unwrap()
}

/// `requests` calls per client, 16 at a time each; how many failed.
async fn run(clients: &[Retrying<SharedBackend>], requests: usize) -> usize {
    let runs = clients.iter().map(|client| {
        futures::stream::iter(0..requests)
            .map(|_| client.send(get()))
            .buffer_unordered(16)
            .filter(|r| futures::future::ready(!matches!(r, Ok(r) if r.status() == 200)))
            .count()
    });
    futures::future::join_all(runs).await.into_iter().sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_on_one_budget_run_at_the_rate_with_few_429s() {
    let Some(redis_server) = RedisServer::start_or_skip("redis_limit::eight_processes") else {
        return;
    };
    let (bucket, server) = server();
    // Each "process" has its own connection (handle) to Redis.
    let clients: Vec<_> = (0..8)
        .map(|_| client(&server, &Redis::open(&redis_server.url()).unwrap()))
        .collect();
    let start = Instant::now();
    let failed = run(&clients, 40).await;
    let wall = start.elapsed().as_secs_f64();
    let b = bucket.lock().unwrap();
    let minimum = (320.0 - BURST) / RATE;
    #[allow(clippy::cast_precision_loss)]
    let share = b.limited as f64 / (b.ok + b.limited) as f64;
    eprintln!(
        "8 clients × 40 on one Redis budget: {wall:.2} s = {:.2}× the minimum, {} × 429 = {:.1}%",
        wall / minimum,
        b.limited,
        100.0 * share
    );
    assert_eq!((failed, b.ok), (0, 320));
    assert!(share <= 0.05, "{share}");
    // Generous: this runs beside other builds on two cores.
    assert!(wall / minimum <= 1.3, "{wall}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_redis_mid_run_loses_no_call() {
    let Some(mut redis_server) = RedisServer::start_or_skip("redis_limit::killing_redis") else {
        return;
    };
    let (bucket, server) = server();
    let redis = Redis::open(&redis_server.url()).unwrap();
    let clients: Vec<_> = (0..4).map(|_| client(&server, &redis)).collect();
    let killer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        redis_server.kill();
        redis_server
    });
    let failed = run(&clients, 50).await;
    let _server = killer.await.unwrap();
    let b = bucket.lock().unwrap();
    assert_eq!((failed, b.ok), (0, 200), "{} × 429", b.limited);
    assert!(redis.is_down(), "the run outlasted the outage");
}

#[tokio::test]
async fn an_unreachable_redis_never_fails_a_call() {
    // Nothing listens there: every request is paced locally.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redis = Redis::open(&format!("redis://127.0.0.1:{port}/")).unwrap();
    let (bucket, server) = server();
    let failed = run(&[client(&server, &redis)], 30).await;
    assert_eq!((failed, bucket.lock().unwrap().ok), (0, 30));
    assert!(redis.is_down());
}

#[tokio::test]
async fn answers_without_rate_limit_headers_open_the_budget() {
    let Some(redis_server) = RedisServer::start_or_skip("redis_limit::no_headers") else {
        return;
    };
    let redis = Redis::open(&redis_server.url()).unwrap();
    let limit = RedisRateLimit::new(redis, "plain");
    let plain = backend_fn(|_r| async { Ok(http::Response::new(Bytes::new())) });
    let retrying = Retrying::new(plain, TokioSleep).with_shared_rate_limit(Arc::new(limit));
    let start = Instant::now();
    for _ in 0..50 {
        assert_eq!(retrying.send(get()).await.unwrap().status(), 200);
    }
    // One first probe, then nothing waits (the probe rule would make this 5 s).
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}
