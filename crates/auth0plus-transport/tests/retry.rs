//! The retry policy, driven by a scripted backend and a manual clock: no test
//! here waits for real time.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use auth0plus_transport::test_util::{
    ManualClock, ManualSleep, ReplayBackend, response, response_with_headers,
};
use auth0plus_transport::{
    Acquire, AttemptTimeout, Bytes, Clock, HttpBackend, HttpRequest, Idempotent, NoSleep,
    RateLimitIsAnswer, RetryPolicy, Retrying, SharedSleep, Sleep, SleepFuture, Throttle,
    TransportError, Unthrottled, epoch_seconds,
};

fn request(method: &str) -> HttpRequest {
    http::Request::builder()
        .method(method)
        .uri("https://tenant.auth0.com/api/v2/users")
        .body(Bytes::from_static(b"{}"))
        .unwrap()
}

fn setup(backend: &ReplayBackend) -> (Retrying<ReplayBackend>, ManualClock, ManualSleep) {
    let clock = ManualClock::fixed();
    let sleep = ManualSleep::new(&clock);
    let retrying = Retrying::new(backend.clone(), sleep.clone())
        .with_clock(clock.clone())
        .with_policy(RetryPolicy::default().attempt_timeout(None));
    (retrying, clock, sleep)
}

#[tokio::test]
async fn a_429_waits_until_the_rate_limit_reset_not_a_fixed_backoff() {
    let clock_start = epoch_seconds(ManualClock::fixed().now());
    let reset = (clock_start + 7).to_string();
    let backend = ReplayBackend::new()
        .then(Ok(response_with_headers(
            429,
            &[("x-ratelimit-limit", "10"), ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", &reset)],
            r#"{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}"#,
        )))
        .then(response(200, "{}"));
    let (retrying, _clock, sleep) = setup(&backend);
    let res = retrying.send(request("GET")).await.unwrap();
    assert_eq!(res.status(), 200);
    let sleeps = sleep.sleeps();
    assert_eq!(sleeps.len(), 1);
    // Seven seconds until the reset, plus at most a quarter of the first backoff step.
    assert!(sleeps[0] >= Duration::from_secs(7), "{sleeps:?}");
    assert!(
        sleeps[0] <= Duration::from_secs(7) + Duration::from_millis(63),
        "{sleeps:?}"
    );
}

#[tokio::test]
async fn a_429_that_is_an_answer_comes_back_at_once() {
    // The device flow's `slow_down` is a 429 the poll loop acts on.
    let backend = ReplayBackend::new()
        .then(response(429, r#"{"error":"slow_down"}"#))
        .then(response(200, "{}"));
    let (retrying, _, sleep) = setup(&backend);
    let mut poll = request("POST");
    poll.extensions_mut().insert(RateLimitIsAnswer);
    assert_eq!(retrying.send(poll).await.unwrap().status(), 429);
    assert!(sleep.sleeps().is_empty());
    assert_eq!(backend.request_count(), 1);
}

#[tokio::test]
async fn retry_after_wins_over_the_reset_header() {
    let backend = ReplayBackend::new()
        .then(Ok(response_with_headers(
            429,
            &[("retry-after", "3"), ("x-ratelimit-reset", "1")],
            "{}",
        )))
        .then(response(200, "{}"));
    let (retrying, _, sleep) = setup(&backend);
    retrying.send(request("POST")).await.unwrap();
    assert!(sleep.sleeps()[0] >= Duration::from_secs(3));
    assert!(sleep.sleeps()[0] < Duration::from_secs(4));
}

#[tokio::test]
async fn a_post_is_retried_after_a_429_because_the_server_did_nothing() {
    let backend = ReplayBackend::new()
        .then(response(429, "{}"))
        .then(response(201, "{}"));
    let (retrying, _, _) = setup(&backend);
    assert_eq!(retrying.send(request("POST")).await.unwrap().status(), 201);
    assert_eq!(backend.request_count(), 2);
}

#[tokio::test]
async fn a_503_is_retried_with_growing_jittered_backoff() {
    let backend = ReplayBackend::new()
        .then(response(503, "{}"))
        .then(response(503, "{}"))
        .then(response(503, "{}"))
        .then(response(200, "{}"));
    let (retrying, _, sleep) = setup(&backend);
    assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 200);
    let sleeps = sleep.sleeps();
    assert_eq!(sleeps.len(), 3);
    for (i, wait) in sleeps.iter().enumerate() {
        assert!(
            *wait <= Duration::from_millis(250) * 2u32.pow(i as u32),
            "{sleeps:?}"
        );
    }
}

#[tokio::test]
async fn the_last_failure_is_returned_without_sleeping_after_it() {
    let backend = ReplayBackend::new().otherwise(|_| response(502, "<html>Bad Gateway</html>"));
    let (retrying, _, sleep) = setup(&backend);
    let retrying =
        retrying.with_policy(RetryPolicy::default().max_attempts(3).attempt_timeout(None));
    assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 502);
    assert_eq!(backend.request_count(), 3);
    assert_eq!(
        sleep.sleeps().len(),
        2,
        "two waits between three attempts, none after the last"
    );
}

#[tokio::test]
async fn a_409_is_never_retried() {
    let backend = ReplayBackend::new().otherwise(|_| response(409, r#"{"statusCode":409}"#));
    let (retrying, _, sleep) = setup(&backend);
    assert_eq!(retrying.send(request("POST")).await.unwrap().status(), 409);
    assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 409);
    assert_eq!(backend.request_count(), 2);
    assert!(sleep.sleeps().is_empty());
}

#[tokio::test]
async fn a_post_is_not_retried_after_a_failure_once_it_may_have_reached_the_server() {
    for failure in [
        || Err(TransportError::interrupted("connection reset mid-body")),
        || Err(TransportError::timeout("no answer")),
    ] {
        let backend = ReplayBackend::new()
            .then(failure())
            .then(response(201, "{}"));
        let (retrying, _, _) = setup(&backend);
        let err = retrying.send(request("POST")).await.unwrap_err();
        assert!(err.may_have_reached_server());
        assert_eq!(backend.request_count(), 1);
    }
    // A 5xx answer to a POST is not retried either: it may have been processed.
    let backend = ReplayBackend::new()
        .then(response(500, "{}"))
        .then(response(201, "{}"));
    let (retrying, _, _) = setup(&backend);
    assert_eq!(retrying.send(request("POST")).await.unwrap().status(), 500);
    assert_eq!(backend.request_count(), 1);
}

#[tokio::test]
async fn a_post_marked_idempotent_is_retried_after_a_5xx() {
    let backend = ReplayBackend::new()
        .then(response(503, "{}"))
        .then(response(200, "{}"));
    let (retrying, _, _) = setup(&backend);
    let mut req = request("POST");
    req.extensions_mut().insert(Idempotent(true));
    assert_eq!(retrying.send(req).await.unwrap().status(), 200);
}

#[tokio::test]
async fn connect_failures_are_retried_for_every_method() {
    let backend = ReplayBackend::new()
        .then(Err(TransportError::connect("connection refused")))
        .then(response(201, "{}"));
    let (retrying, _, _) = setup(&backend);
    assert_eq!(retrying.send(request("POST")).await.unwrap().status(), 201);
}

#[tokio::test]
async fn a_rate_limit_wait_beyond_the_cap_returns_the_429_at_once() {
    let far = (epoch_seconds(ManualClock::fixed().now()) + 3_600).to_string();
    let backend = ReplayBackend::new().otherwise(move |_| {
        Ok(response_with_headers(
            429,
            &[("x-ratelimit-reset", far.as_str())],
            "{}",
        ))
    });
    let (retrying, _, sleep) = setup(&backend);
    assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 429);
    assert_eq!(backend.request_count(), 1);
    assert!(sleep.sleeps().is_empty());
    // The patient policy waits as long as the server says.
    let backend2 = ReplayBackend::new()
        .then(Ok(response_with_headers(
            429,
            &[("retry-after", "3600")],
            "{}",
        )))
        .then(response(200, "{}"));
    let (retrying, _, sleep) = setup(&backend2);
    let retrying = retrying.with_policy(RetryPolicy::patient().attempt_timeout(None));
    assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 200);
    assert!(sleep.sleeps()[0] >= Duration::from_secs(3_600));
}

/// A timer that never fires and counts how often it was asked.
#[derive(Debug, Default, Clone)]
struct NeverSleep(Arc<AtomicUsize>);

impl Sleep for NeverSleep {
    fn sleep(&self, _d: Duration) -> SleepFuture {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn dropping_the_future_stops_the_retry_loop() {
    let backend = ReplayBackend::new().otherwise(|_| response(503, "{}"));
    let sleeps = NeverSleep::default();
    let retrying = Retrying::new(backend.clone(), sleeps.clone())
        .with_policy(RetryPolicy::default().attempt_timeout(None));
    let mut fut: Pin<Box<dyn Future<Output = _> + Send>> = Box::pin(retrying.send(request("GET")));
    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(matches!(fut.as_mut().poll(&mut cx), Poll::Pending));
    assert_eq!(backend.request_count(), 1);
    assert_eq!(
        sleeps.0.load(Ordering::SeqCst),
        1,
        "now waiting before the second attempt"
    );
    drop(fut);
    tokio::task::yield_now().await;
    assert_eq!(
        backend.request_count(),
        1,
        "no request after the future was dropped"
    );
}

#[tokio::test]
async fn an_attempt_that_outlives_its_timeout_becomes_a_timeout_error() {
    #[derive(Debug)]
    struct Hangs;
    #[auth0plus_transport::async_trait]
    impl HttpBackend for Hangs {
        async fn send(
            &self,
            _r: HttpRequest,
        ) -> Result<auth0plus_transport::HttpResponse, TransportError> {
            std::future::pending().await
        }
    }
    let clock = ManualClock::fixed();
    let retrying = Retrying::new(Hangs, ManualSleep::new(&clock))
        .with_policy(RetryPolicy::never().attempt_timeout(Some(Duration::from_secs(5))));
    let err = retrying.send(request("GET")).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
}

/// Clients that keep colliding on the same reset second must spread out, or they all
/// wake together, a burst-sized handful gets through and the rest exhaust their attempts
/// (seen in `tests/tests/it/load.rs`: 32 tasks on a 50 rps / burst 10 tenant).
#[tokio::test]
async fn repeated_429s_at_the_same_reset_spread_out_more_each_time() {
    let mut fourth_waits = Vec::new();
    for _ in 0..20 {
        let clock = ManualClock::fixed();
        let reset = epoch_seconds(clock.now()).to_string();
        let sleep = ManualSleep::new(&clock);
        let backend = ReplayBackend::new().otherwise(move |_| {
            Ok(response_with_headers(
                429,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", &reset),
                ],
                "{}",
            ))
        });
        let retrying = Retrying::new(backend, sleep.clone())
            .with_clock(clock.clone())
            .with_policy(RetryPolicy::default().attempt_timeout(None));
        assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 429);
        let sleeps = sleep.sleeps();
        // 429s are not attempts: they go on until the 60 s budget is spent.
        assert!(sleeps.len() > 4, "{sleeps:?}");
        assert!(sleeps.iter().sum::<Duration>() <= Duration::from_secs(60));
        for (i, wait) in sleeps.iter().take(4).enumerate() {
            // The reset is now (the manual clock does not move past it by much), so the
            // wait is the jitter: at most a quarter of backoff step i + 1.
            let step = Duration::from_millis(250) * 2u32.pow(u32::try_from(i).unwrap());
            assert!(*wait <= Duration::from_secs(1) + step / 4, "{sleeps:?}");
        }
        fourth_waits.push(sleeps[3]);
    }
    // The first retry's jitter is capped at 62.5 ms; by the fourth it reaches 250 ms.
    assert!(
        fourth_waits.iter().any(|w| *w > Duration::from_millis(63)),
        "{fourth_waits:?}"
    );
}

/// A backend that is pending on its first poll and answers 200 on the second.
#[derive(Debug)]
struct PendingOnce;

#[auth0plus_transport::async_trait]
impl HttpBackend for PendingOnce {
    async fn send(
        &self,
        _r: HttpRequest,
    ) -> Result<auth0plus_transport::HttpResponse, TransportError> {
        let mut polled = false;
        std::future::poll_fn(|cx| {
            if polled {
                Poll::Ready(())
            } else {
                polled = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await;
        response(200, "{}")
    }
}

/// `NoSleep` completes at once, so racing it against the attempt would turn
/// every backend that is not ready on its first poll into a timeout.
#[tokio::test]
async fn no_sleep_applies_no_attempt_timeout() {
    assert!(NoSleep.is_instant());
    assert!(SharedSleep::new(NoSleep).is_instant());
    assert!(!ManualSleep::detached().is_instant());
    let retrying = Retrying::new(PendingOnce, NoSleep)
        .with_policy(RetryPolicy::never().attempt_timeout(Some(Duration::from_secs(30))));
    let res = retrying.send(request("GET")).await.unwrap();
    assert_eq!(res.status(), 200);
}

/// With an instant timer the throttle cannot wait; the request goes ahead
/// instead of spinning on `acquire` forever.
#[test]
fn no_sleep_does_not_spin_on_an_empty_throttle() {
    let clock = ManualClock::fixed();
    let throttle = Throttle::new();
    let empty = response_with_headers(
        429,
        &[("x-ratelimit-limit", "10"), ("x-ratelimit-remaining", "0")],
        "{}",
    );
    // Learn an empty bucket and spend the one probe: the next acquire waits.
    for _ in 0..2 {
        let Acquire::Granted(permit) = throttle.acquire(clock.now()) else {
            panic!("expected a permit");
        };
        permit.observe(empty.status(), empty.headers(), clock.now());
    }
    assert!(matches!(throttle.acquire(clock.now()), Acquire::Wait(_)));
    let backend = ReplayBackend::new().then(response(200, "{}"));
    let retrying = Retrying::new(backend.clone(), NoSleep)
        .with_clock(clock.clone())
        .with_throttle(throttle)
        .with_policy(RetryPolicy::never());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let status = futures::executor::block_on(retrying.send(request("GET")))
            .unwrap()
            .status();
        let _ = tx.send(status);
    });
    let status = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the throttled request spun instead of being sent");
    assert_eq!(status, 200);
    assert_eq!(backend.request_count(), 1);
}

/// `Retry-After` is the server's to set: under the patient policy (no cap) a
/// huge value used to overflow `Duration` addition and panic.
#[tokio::test]
async fn a_huge_retry_after_neither_panics_nor_waits_past_an_hour() {
    for header in [
        ("retry-after", "18446744073709551615"),
        ("x-ratelimit-reset", "18446744073709551615"),
    ] {
        let backend = ReplayBackend::new()
            .then(Ok(response_with_headers(429, &[header], "{}")))
            .then(response(200, "{}"));
        let (retrying, _, sleep) = setup(&backend);
        let retrying = retrying.with_policy(RetryPolicy::patient().attempt_timeout(None));
        assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 200);
        let waited = sleep.sleeps()[0];
        assert!(waited >= Duration::from_secs(3_600), "{waited:?}");
        assert!(waited <= Duration::from_secs(3_601), "{waited:?}");
    }
}

/// Once the throttle knows the refill rate, a 429 waited one refill slot
/// (~1/rate) even when the server said `Retry-After: 30`.
#[tokio::test]
async fn a_learned_rate_never_shortens_the_servers_retry_after() {
    let clock = ManualClock::fixed();
    let throttle = Throttle::new();
    for (advance, remaining) in [(0, "5"), (1, "7")] {
        clock.advance(Duration::from_secs(advance));
        let Acquire::Granted(permit) = throttle.acquire(clock.now()) else {
            panic!("expected a permit");
        };
        let ok = response_with_headers(
            200,
            &[
                ("x-ratelimit-limit", "10"),
                ("x-ratelimit-remaining", remaining),
            ],
            "{}",
        );
        permit.observe(ok.status(), ok.headers(), clock.now());
    }
    let slot = throttle.retry_wait().expect("a learned rate");
    assert!(slot < Duration::from_secs(1), "{slot:?}");
    let backend = ReplayBackend::new()
        .then(Ok(response_with_headers(
            429,
            &[("retry-after", "30")],
            "{}",
        )))
        .then(response(200, "{}"));
    let sleep = ManualSleep::new(&clock);
    let retrying = Retrying::new(backend, sleep.clone())
        .with_clock(clock.clone())
        .with_throttle(throttle)
        .with_policy(RetryPolicy::default().attempt_timeout(None));
    assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 200);
    assert_eq!(
        sleep.sleeps()[0],
        Duration::from_secs(30),
        "{:?}",
        sleep.sleeps()
    );
}

/// A request marked `Unthrottled` (the token request: its own bucket) neither
/// waits on the throttle nor feeds its rate-limit headers into it.
#[tokio::test]
async fn an_unthrottled_request_skips_the_throttle_both_ways() {
    let clock = ManualClock::fixed();
    let throttle = Throttle::new();
    let backend = ReplayBackend::new().otherwise(|_| {
        Ok(response_with_headers(
            200,
            &[("x-ratelimit-limit", "10"), ("x-ratelimit-remaining", "0")],
            "{}",
        ))
    });
    let sleep = ManualSleep::new(&clock);
    let retrying = Retrying::new(backend.clone(), sleep.clone())
        .with_clock(clock.clone())
        .with_throttle(throttle.clone())
        .with_policy(RetryPolicy::never().attempt_timeout(None));
    let unthrottled = || {
        let mut r = request("POST");
        r.extensions_mut().insert(Unthrottled);
        r
    };
    retrying.send(unthrottled()).await.unwrap();
    assert!(
        format!("{throttle:?}").contains("tokens: None"),
        "the answer was not observed: {throttle:?}"
    );
    // Now let a throttled request teach it an empty bucket and spend the probe.
    retrying.send(request("GET")).await.unwrap();
    retrying.send(request("GET")).await.unwrap();
    assert!(matches!(throttle.acquire(clock.now()), Acquire::Wait(_)));
    let before = sleep.sleeps().len();
    for _ in 0..3 {
        retrying.send(unthrottled()).await.unwrap();
    }
    assert_eq!(
        sleep.sleeps().len(),
        before,
        "no throttle wait: {:?}",
        sleep.sleeps()
    );
    assert_eq!(backend.request_count(), 6);
}

/// `AttemptTimeout` on a request replaces the policy's attempt timeout:
/// `Some` sets another limit, `None` none at all.
#[tokio::test]
async fn a_request_can_override_the_attempt_timeout() {
    let clock = ManualClock::fixed();
    // The policy's 5 s limit times out a hanging backend ...
    #[derive(Debug)]
    struct Hangs;
    #[auth0plus_transport::async_trait]
    impl HttpBackend for Hangs {
        async fn send(
            &self,
            _r: HttpRequest,
        ) -> Result<auth0plus_transport::HttpResponse, TransportError> {
            std::future::pending().await
        }
    }
    let sleep = ManualSleep::new(&clock);
    let retrying = Retrying::new(Hangs, sleep.clone())
        .with_policy(RetryPolicy::never().attempt_timeout(Some(Duration::from_secs(5))));
    let err = retrying.send(request("GET")).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(sleep.sleeps(), [Duration::from_secs(5)]);
    // ... a request's own limit replaces it ...
    let mut own = request("GET");
    own.extensions_mut()
        .insert(AttemptTimeout(Some(Duration::from_secs(600))));
    let err = retrying.send(own).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().contains("600000 ms"), "{err}");
    assert_eq!(sleep.sleeps()[1], Duration::from_secs(600));
    // ... and `None` lifts it: the attempt is not raced against the timer.
    let mut unlimited = request("GET");
    unlimited.extensions_mut().insert(AttemptTimeout(None));
    let retrying = Retrying::new(PendingOnce, sleep.clone())
        .with_policy(RetryPolicy::never().attempt_timeout(Some(Duration::from_secs(5))));
    assert_eq!(retrying.send(unlimited).await.unwrap().status(), 200);
    assert_eq!(sleep.sleeps().len(), 2, "{:?}", sleep.sleeps());
}

#[tokio::test]
async fn streaming_retries_before_the_body_and_holds_the_body_to_its_limit() {
    use auth0plus_transport::ResponseLimit;
    use futures::TryStreamExt as _;
    // A 503 before the body is retried (its body dropped unread); the answer
    // then streams through the default, buffering send_streaming.
    let backend = ReplayBackend::new()
        .then(response(503, "busy"))
        .then(response(200, "the file"));
    let (retrying, _clock, sleep) = setup(&backend);
    let answer = retrying.send_streaming(request("GET")).await.unwrap();
    assert_eq!(answer.status(), 200);
    let body: Vec<Bytes> = answer.into_body().try_collect().await.unwrap();
    assert_eq!(body.concat(), b"the file");
    assert_eq!(backend.request_count(), 2);
    assert_eq!(sleep.sleeps().len(), 1);
    // A body past the request's limit is a typed error, on either path, and
    // is not retried: the server would send it again.
    let backend = ReplayBackend::new().otherwise(|_| response(200, &"x".repeat(100)));
    let (retrying, _clock, _sleep) = setup(&backend);
    let mut limited = request("GET");
    limited.extensions_mut().insert(ResponseLimit(Some(64)));
    let err = retrying.send(limited).await.unwrap_err();
    assert!(err.is_too_large(), "{err}");
    assert_eq!(backend.request_count(), 1);
    let mut limited = request("GET");
    limited.extensions_mut().insert(ResponseLimit(Some(64)));
    let answer = retrying.send_streaming(limited).await.unwrap();
    let err = answer
        .into_body()
        .try_collect::<Vec<Bytes>>()
        .await
        .unwrap_err();
    assert!(err.is_too_large(), "{err}");
    // `None` lifts the limit.
    let mut unlimited = request("GET");
    unlimited.extensions_mut().insert(ResponseLimit(None));
    assert_eq!(retrying.send(unlimited).await.unwrap().body().len(), 100);
}

/// A 429 means the server did nothing: it spends the rate-limit budget, not
/// the attempts meant for failures.
#[tokio::test]
async fn rate_limits_do_not_use_up_the_attempts() {
    let limited = || Ok(response_with_headers(429, &[("retry-after", "1")], "{}"));
    let backend = ReplayBackend::new()
        .then(limited())
        .then(response(503, "{}"))
        .then(limited())
        .then(limited())
        .then(response(503, "{}"))
        .then(response(200, "{}"));
    let (retrying, _, _) = setup(&backend);
    let retrying =
        retrying.with_policy(RetryPolicy::default().max_attempts(3).attempt_timeout(None));
    assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 200);
    assert_eq!(backend.request_count(), 6);
}

/// A tenant that answers 429 forever: the call waits out its budget, never
/// more, and returns the 429.
#[tokio::test]
async fn endless_429s_end_when_the_rate_limit_budget_is_spent() {
    let backend = ReplayBackend::new()
        .otherwise(|_| Ok(response_with_headers(429, &[("retry-after", "7")], "{}")));
    let (retrying, _, sleep) = setup(&backend);
    let budget = Duration::from_secs(100);
    let retrying = retrying.with_policy(
        RetryPolicy::default()
            .rate_limit_budget(budget)
            .attempt_timeout(None),
    );
    assert_eq!(
        retrying.send(request("DELETE")).await.unwrap().status(),
        429
    );
    let waited: Duration = sleep.sleeps().iter().sum();
    assert!(waited <= budget, "{waited:?}");
    // It stops only when the next wait would not fit: that wait is the
    // server's 7 s plus a jitter of up to a quarter of the 10 s backoff cap.
    assert!(
        waited >= budget - Duration::from_millis(9_500),
        "{waited:?}"
    );
    // An instant timer and `Retry-After: 0` still end: each 429 costs at least a millisecond.
    let backend = ReplayBackend::new()
        .otherwise(|_| Ok(response_with_headers(429, &[("retry-after", "0")], "{}")));
    let retrying = Retrying::new(backend.clone(), NoSleep).with_policy(
        RetryPolicy::default()
            .rate_limit_budget(Duration::from_millis(50))
            .base_delay(Duration::ZERO),
    );
    assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 429);
    assert!(backend.request_count() <= 51, "{}", backend.request_count());
}

/// `RetryPolicy::never()` returns the first 429 as it is.
#[tokio::test]
async fn never_returns_a_429_at_once() {
    let backend = ReplayBackend::new()
        .then(Ok(response_with_headers(
            429,
            &[("retry-after", "1")],
            "{}",
        )))
        .then(response(200, "{}"));
    let (retrying, _, sleep) = setup(&backend);
    let retrying = retrying.with_policy(RetryPolicy::never().attempt_timeout(None));
    assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 429);
    assert!(sleep.sleeps().is_empty());
}

/// Throttle waits come out of the rate-limit budget too: a wait that would
/// overrun it is skipped, and the request goes for the server to decide.
#[tokio::test]
async fn a_throttle_wait_past_the_budget_is_skipped() {
    for (budget, waits) in [
        (Duration::from_secs(60), true),
        (Duration::from_millis(100), false),
    ] {
        let clock = ManualClock::fixed();
        let throttle = Throttle::new();
        // A slow refill (a few tokens a second), then an empty bucket.
        for (advance, status, remaining) in [(0, 200, "5"), (1, 200, "7"), (0, 429, "0")] {
            clock.advance(Duration::from_secs(advance));
            let Acquire::Granted(permit) = throttle.acquire(clock.now()) else {
                panic!("expected a permit");
            };
            let answer = response_with_headers(
                status,
                &[
                    ("x-ratelimit-limit", "10"),
                    ("x-ratelimit-remaining", remaining),
                ],
                "{}",
            );
            permit.observe(answer.status(), answer.headers(), clock.now());
        }
        let Acquire::Wait(due) = throttle.acquire(clock.now()) else {
            panic!("the bucket is empty");
        };
        let backend = ReplayBackend::new().then(response(200, "{}"));
        let sleep = ManualSleep::new(&clock);
        let retrying = Retrying::new(backend.clone(), sleep.clone())
            .with_clock(clock.clone())
            .with_throttle(throttle)
            .with_policy(
                RetryPolicy::default()
                    .rate_limit_budget(budget)
                    .attempt_timeout(None),
            );
        assert_eq!(
            retrying.send(request("DELETE")).await.unwrap().status(),
            200
        );
        assert_eq!(backend.request_count(), 1);
        if waits {
            assert_eq!(sleep.sleeps(), vec![due]);
        } else {
            assert!(
                due > budget && sleep.sleeps().is_empty(),
                "{due:?} {:?}",
                sleep.sleeps()
            );
        }
    }
}

/// Headers are the server's to set: a tenant that says "empty" on every
/// success (or a proxy that garbles the headers) slows the throttle down, but
/// cannot hold a call past its rate-limit budget.
#[tokio::test]
async fn headers_that_always_say_empty_cannot_stall_a_call_past_its_budget() {
    let clock = ManualClock::fixed();
    let sleep = ManualSleep::new(&clock);
    let backend = ReplayBackend::new().otherwise(|_| {
        Ok(response_with_headers(
            200,
            &[("x-ratelimit-limit", "10"), ("x-ratelimit-remaining", "0")],
            "{}",
        ))
    });
    let budget = Duration::from_secs(5);
    let retrying = Retrying::new(backend.clone(), sleep.clone())
        .with_clock(clock.clone())
        .with_throttle(Throttle::new())
        .with_policy(
            RetryPolicy::default()
                .rate_limit_budget(budget)
                .attempt_timeout(None),
        );
    for _ in 0..50 {
        let before: Duration = sleep.sleeps().iter().sum();
        assert_eq!(retrying.send(request("GET")).await.unwrap().status(), 200);
        let waited = sleep.sleeps().iter().sum::<Duration>() - before;
        assert!(waited <= budget, "{waited:?}");
    }
    assert_eq!(backend.request_count(), 50);
    assert!(!sleep.sleeps().is_empty(), "the throttle never waited");
}
