//! [`Throttle`]: client-side pacing fed by Auth0's rate-limit headers, so bulk
//! work runs at the tenant's rate instead of bouncing off 429s.
//!
//! It mirrors the server's token bucket. Every answer carrying
//! `x-ratelimit-limit`/`-remaining` resets the local estimate to *remaining
//! minus our own requests still in flight*; the refill rate is learned from
//! how `remaining` moves between answers while the bucket is below its cap.
//! A request [`Throttle::acquire`]s a token: it either gets one now or is told
//! how long until one is due (at 97% of the learned rate) and asks again after
//! that wait, so waiting requests never hold on to a slot computed from a
//! stale estimate. While the rate is still unknown and the bucket looks
//! empty, one request at a time goes ahead as a probe, which is enough to
//! learn it.
//!
//! Without rate-limit headers (a server that sends none) it never waits.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use crate::RateLimitInfo;

const PROBE: Duration = Duration::from_millis(100);
const MIN_SAMPLE: Duration = Duration::from_millis(100);
/// Pace a little under the learned rate: the estimate is rounded, and a 429
/// costs a round trip.
const HEADROOM: f64 = 0.97;

/// Shared pacing state; clones share it.
#[derive(Clone, Default)]
pub struct Throttle {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    limit: Option<f64>,
    /// Estimated tokens left on the server (negative: requests queued).
    tokens: Option<f64>,
    updated: Option<SystemTime>,
    /// Learned refill rate, tokens per second.
    rate: Option<f64>,
    in_flight: u64,
    last_probe: Option<SystemTime>,
    ok_seen: u64,
    sample: Option<(SystemTime, f64, u64)>,
}

impl fmt::Debug for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Throttle")
            .field("limit", &state.limit)
            .field("tokens", &state.tokens)
            .field("rate", &state.rate)
            .field("in_flight", &state.in_flight)
            .finish()
    }
}

/// The answer of [`Throttle::acquire`].
#[derive(Debug)]
#[must_use]
pub enum Acquire {
    /// Send now; feed the answer back through the permit.
    Granted(Permit),
    /// Ask again after this long.
    Wait(Duration),
}

/// Leave to send one request. Dropping it without [`Permit::observe`] (a
/// cancelled or failed request) releases it.
#[derive(Debug)]
#[must_use]
pub struct Permit {
    throttle: Throttle,
    done: bool,
}

impl Permit {
    /// Feed the answer's status and headers back.
    pub fn observe(mut self, status: StatusCode, headers: &HeaderMap, now: SystemTime) {
        self.done = true;
        self.throttle.observe(status, headers, now);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done {
            let mut state = self.throttle.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
        }
    }
}

impl Throttle {
    /// A throttle that knows nothing yet (it waits only once headers say so).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The learned refill rate (requests per second), once known.
    #[must_use]
    pub fn rate(&self) -> Option<f64> {
        self.lock().rate
    }

    /// Take a token for one request at `now`, or learn how long to wait
    /// before asking again.
    pub fn acquire(&self, now: SystemTime) -> Acquire {
        let mut state = self.lock();
        state.refill(now);
        let granted = match state.tokens {
            None => true,
            Some(tokens) if tokens >= 1.0 => true,
            // Nothing known about the refill yet: one probe at a time, one per
            // probe interval.
            Some(_) => {
                state.rate.is_none()
                    && state.in_flight == 0
                    && state
                        .last_probe
                        .is_none_or(|last| now.duration_since(last).unwrap_or_default() >= PROBE)
            }
        };
        if granted && state.rate.is_none() && state.tokens.is_some_and(|t| t < 1.0) {
            state.last_probe = Some(now);
        }
        if granted {
            state.in_flight += 1;
            state.tokens = state.tokens.map(|t| t - 1.0);
            drop(state);
            return Acquire::Granted(Permit {
                throttle: self.clone(),
                done: false,
            });
        }
        let missing = 1.0 - state.tokens.unwrap_or(0.0);
        Acquire::Wait(match state.rate {
            Some(rate) if rate > 0.0 => {
                Duration::from_secs_f64((missing / (rate * HEADROOM)).clamp(0.001, 60.0))
            }
            _ => PROBE,
        })
    }

    /// How long a request that got a 429 should wait before its retry is
    /// paced again, when the refill rate is known.
    #[must_use]
    pub fn retry_wait(&self) -> Option<Duration> {
        let state = self.lock();
        state
            .rate
            .filter(|r| *r > 0.0)
            .map(|rate| Duration::from_secs_f64((1.0 / rate).min(60.0)))
    }

    fn observe(&self, status: StatusCode, headers: &HeaderMap, now: SystemTime) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        let Some(info) = RateLimitInfo::from_headers(headers) else {
            return;
        };
        let (Some(limit), Some(remaining)) = (info.limit, info.remaining) else {
            return;
        };
        #[allow(clippy::cast_precision_loss, reason = "bucket sizes are small")]
        let (limit, remaining, in_flight) =
            (limit as f64, remaining as f64, state.in_flight as f64);
        state.limit = Some(limit);
        if status != StatusCode::TOO_MANY_REQUESTS {
            state.ok_seen += 1;
        }
        // Learn the refill rate over windows in which the bucket stays below
        // its cap: a full bucket wastes refill, so a window that touches the
        // cap would understate the rate and is abandoned.
        let ok_seen = state.ok_seen;
        let below_cap = remaining < limit - 1.0;
        state.sample = match state.sample {
            _ if !below_cap => None,
            None => Some((now, remaining, ok_seen)),
            Some((then, before, ok_then)) => {
                let elapsed = now.duration_since(then).unwrap_or_default();
                if elapsed < MIN_SAMPLE {
                    Some((then, before, ok_then))
                } else {
                    #[allow(clippy::cast_precision_loss, reason = "counts are small")]
                    let refilled = remaining - before + (ok_seen - ok_then) as f64;
                    let sample = refilled / elapsed.as_secs_f64();
                    if sample > 0.0 {
                        state.rate = Some(state.rate.map_or(sample, |r| 0.5 * r + 0.5 * sample));
                    }
                    Some((now, remaining, ok_seen))
                }
            }
        };
        state.tokens = Some(remaining - in_flight);
        state.updated = Some(now);
    }
}

impl State {
    fn refill(&mut self, now: SystemTime) {
        if let (Some(tokens), Some(rate), Some(updated), Some(limit)) =
            (self.tokens, self.rate, self.updated, self.limit)
        {
            let elapsed = now
                .duration_since(updated)
                .unwrap_or_default()
                .as_secs_f64();
            self.tokens = Some((tokens + elapsed * rate).min(limit));
        }
        self.updated = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(limit: u64, remaining: u64) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", limit.into());
        h.insert("x-ratelimit-remaining", remaining.into());
        h.insert("x-ratelimit-reset", 0u64.into());
        h
    }

    fn at(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(1_000_000 + ms)
    }

    fn permit(t: &Throttle, now: SystemTime) -> Permit {
        match t.acquire(now) {
            Acquire::Granted(p) => p,
            Acquire::Wait(w) => panic!("expected a token, told to wait {w:?}"),
        }
    }

    #[test]
    fn without_headers_it_never_waits() {
        let t = Throttle::new();
        for _ in 0..100 {
            permit(&t, at(0)).observe(StatusCode::OK, &HeaderMap::new(), at(0));
        }
        let held: Vec<Permit> = (0..100).map(|_| permit(&t, at(0))).collect();
        assert_eq!(held.len(), 100);
    }

    #[test]
    fn an_empty_bucket_makes_requests_wait_for_the_learned_rate() {
        let t = Throttle::new();
        // 40 tokens/s: between two answers 250 ms apart, 10 refilled and 11 used.
        t.observe(StatusCode::OK, &headers(20, 1), at(0));
        for _ in 0..10 {
            t.observe(StatusCode::OK, &headers(20, 0), at(50));
        }
        t.observe(StatusCode::OK, &headers(20, 0), at(250));
        let rate = t.rate().unwrap();
        assert!((rate - 40.0).abs() < 1.0, "{rate}");
        match t.acquire(at(250)) {
            Acquire::Wait(wait) => {
                assert_eq!(wait, Duration::from_secs_f64(1.0 / (rate * HEADROOM)));
            }
            Acquire::Granted(_) => panic!("the bucket is empty"),
        }
        // Once the refill is due, the token is there.
        let due = at(250) + Duration::from_secs_f64(1.0 / (rate * HEADROOM));
        drop(permit(&t, due));
    }

    #[test]
    fn in_flight_requests_count_against_the_bucket_and_cancellations_release() {
        let t = Throttle::new();
        permit(&t, at(0)).observe(StatusCode::OK, &headers(10, 3), at(0));
        let held: Vec<Permit> = (0..3).map(|_| permit(&t, at(0))).collect();
        assert!(
            matches!(t.acquire(at(0)), Acquire::Wait(_)),
            "the bucket is spoken for"
        );
        drop(held);
        assert_eq!(t.lock().in_flight, 0);
    }

    #[test]
    fn with_an_unknown_rate_one_probe_at_a_time_goes_ahead() {
        let t = Throttle::new();
        permit(&t, at(0)).observe(StatusCode::TOO_MANY_REQUESTS, &headers(10, 0), at(0));
        let probe = permit(&t, at(10));
        assert!(matches!(t.acquire(at(10)), Acquire::Wait(w) if w == PROBE));
        probe.observe(StatusCode::OK, &headers(10, 4), at(110));
        let burst: Vec<Permit> = (0..4).map(|_| permit(&t, at(110))).collect();
        assert_eq!(burst.len(), 4);
    }
}

#[cfg(test)]
mod simulation {
    //! A server token bucket and concurrent workers on a virtual clock.

    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    struct Server {
        rate: f64,
        burst: f64,
        tokens: f64,
        last: f64,
    }

    impl Server {
        /// Process a request at `t` (seconds): (ok, remaining).
        fn handle(&mut self, t: f64) -> (bool, u64) {
            self.tokens = (self.tokens + (t - self.last) * self.rate).min(self.burst);
            self.last = t;
            let ok = self.tokens >= 1.0;
            if ok {
                self.tokens -= 1.0;
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            (ok, self.tokens.floor() as u64)
        }
    }

    #[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
    enum Step {
        Answer,
        Send,
        Reserve,
    }

    /// Runs `requests` through `workers` concurrent workers, each sending its
    /// next request when the previous answer arrives; returns (seconds until
    /// the last success, 429s seen).
    pub(super) fn run(workers: usize, requests: usize, latency: f64) -> (f64, usize) {
        let throttle = Throttle::new();
        let mut server = Server {
            rate: 50.0,
            burst: 10.0,
            tokens: 10.0,
            last: 0.0,
        };
        let clock = |t: f64| {
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000) + Duration::from_secs_f64(t)
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let us = |t: f64| (t * 1e6).round() as u64;
        let mut held: Vec<Option<(Permit, bool, u64)>> = (0..workers).map(|_| None).collect();
        let mut events: BinaryHeap<Reverse<(u64, Step, usize)>> = (0..workers)
            .map(|w| Reverse((0, Step::Reserve, w)))
            .collect();
        let (mut succeeded, mut claimed, mut limited, mut end) = (0, 0, 0, 0.0_f64);
        while let Some(Reverse((at, step, worker))) = events.pop() {
            #[allow(clippy::cast_precision_loss)]
            let now = at as f64 / 1e6;
            match step {
                Step::Reserve => {
                    if claimed >= requests {
                        continue;
                    }
                    match throttle.acquire(clock(now)) {
                        Acquire::Granted(permit) => {
                            claimed += 1;
                            held[worker] = Some((permit, false, 0));
                            events.push(Reverse((at, Step::Send, worker)));
                        }
                        Acquire::Wait(wait) => {
                            events.push(Reverse((
                                us(now + wait.as_secs_f64()),
                                Step::Reserve,
                                worker,
                            )));
                        }
                    }
                }
                Step::Send => {
                    let (ok, remaining) = server.handle(now + latency / 2.0);
                    if let Some(slot) = held[worker].as_mut() {
                        slot.1 = ok;
                        slot.2 = remaining;
                    }
                    events.push(Reverse((us(now + latency), Step::Answer, worker)));
                }
                Step::Answer => {
                    let Some((permit, ok, remaining)) = held[worker].take() else {
                        continue;
                    };
                    let mut headers = HeaderMap::new();
                    headers.insert("x-ratelimit-limit", 10u64.into());
                    headers.insert("x-ratelimit-remaining", remaining.into());
                    let status = if ok {
                        StatusCode::OK
                    } else {
                        StatusCode::TOO_MANY_REQUESTS
                    };
                    permit.observe(status, &headers, clock(now));
                    if ok {
                        succeeded += 1;
                        end = end.max(now);
                    } else {
                        limited += 1;
                        claimed -= 1; // the same request goes again
                    }
                    if succeeded < requests {
                        events.push(Reverse((at, Step::Reserve, worker)));
                    }
                }
            }
        }
        (end, limited)
    }
}

#[cfg(test)]
mod convergence {
    #[test]
    fn sixteen_workers_run_at_the_servers_rate_with_few_429s() {
        for latency in [0.000_5, 0.005, 0.025] {
            let (seconds, limited) = super::simulation::run(16, 300, latency);
            let minimum = (300.0 - 10.0) / 50.0;
            eprintln!(
                "latency {latency}: {seconds:.2} s = {:.2}× minimum, {limited} × 429",
                seconds / minimum
            );
            assert!(seconds / minimum < 1.15, "{seconds} s");
            assert!(limited <= 15, "{limited} 429s");
        }
    }
}
