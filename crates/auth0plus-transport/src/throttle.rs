//! [`Throttle`]: client-side pacing fed by Auth0's rate-limit headers, so bulk
//! work runs at the tenant's rate instead of bouncing off 429s, alone or as
//! one of a fleet of processes sharing the tenant.
//!
//! It mirrors the server's token bucket. `x-ratelimit-remaining` is the
//! tenant's, not ours: other processes spend the same bucket. So:
//!
//! - **The rate it learns is the share left for us.** Between answers,
//!   `remaining` moves by the refill, minus what everyone spent; counting our
//!   own successes back in leaves the refill minus what the others spent.
//!   Of a spare refill (the bucket filling up) a client takes a part in
//!   proportion to its share, at least a quarter, so a fleet does not
//!   overshoot by the fleet's size; one window at most halves the share. A
//!   window that ends on a full bucket may have wasted refill and only says
//!   the rate is at least that. The highest rate seen is kept as the
//!   tenant's.
//! - **The visible tokens are everyone's.** A request [`Throttle::acquire`]s
//!   a token from a local model that refills at the learned share; an answer
//!   lowers it to *remaining minus our own requests in flight* but raises it
//!   only when the bucket is full or our share is (nearly) the tenant's whole
//!   rate, so several processes seeing the same 5 tokens do not spend 5 each.
//! - **Pacing leans toward the whole rate.** Requests pace at 97% of the
//!   share plus 3% of what the others take (the tenant's rate minus ours). At equal shares that is a small
//!   push every client feels alike; a client that fell behind pushes harder,
//!   which is how a fleet evens out and how a client takes over what a
//!   finished one leaves.
//! - **It probes when it knows little.** Before the first answer one request
//!   goes alone (is there a bucket at all, and how full?). While the rate is
//!   unknown and the bucket looks empty, one request at a time goes ahead as
//!   a probe, at most one per 100 ms; once it is known, one per second when
//!   the next token is further off than that.
//!
//! A waiting request is told how long until its token is due and asks again
//! then, so it never holds a slot computed from a stale estimate. Without
//! rate-limit headers (a server that sends none) it never waits.
//!
//! A discrete-event simulation (`throttle/simulation.rs`: N processes with 16
//! workers each on one bucket, latencies 0.5–25 ms, processes joining and
//! leaving) runs in the unit tests as the guard for all of this.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use crate::RateLimitInfo;

/// While the rate is unknown: one probe per this long.
const PROBE: Duration = Duration::from_millis(100);
/// How often waiters look again while the first request is out.
const FIRST_ANSWER: Duration = Duration::from_millis(5);
/// Once the rate is known: one probe per this long when the next token is
/// further off; also the longest slot a 429 waits for.
const SLOW_PROBE: Duration = Duration::from_secs(1);
/// The shortest window a rate sample spans.
const MIN_SAMPLE: Duration = Duration::from_millis(100);
/// How hard a client pushes toward the tenant's whole rate, as a fraction of
/// what others take (see [`State::pace`]).
const PRESSURE: f64 = 0.03;
/// A share this close to the tenant's whole rate: no one else is spending,
/// and the visible tokens are ours.
const ALONE: f64 = 0.95;
/// The smallest part of a spare refill a client takes as its own.
const MIN_PART: f64 = 0.25;
/// The slowest rate the throttle believes in: 1 per 10 s.
const MIN_RATE: f64 = 0.1;
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
    /// Learned refill rate left for us (our share), tokens per second.
    rate: Option<f64>,
    in_flight: u64,
    /// Whether any answer came back yet.
    answered: bool,
    /// The highest refill rate seen: the tenant's whole rate, as far as known.
    tenant: f64,
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

    /// The refill rate learned for this client (requests per second): the
    /// tenant's whole rate when alone, the share others leave otherwise.
    #[must_use]
    pub fn rate(&self) -> Option<f64> {
        self.lock().rate
    }

    /// Take a token for one request at `now`, or learn how long to wait
    /// before asking again.
    pub fn acquire(&self, now: SystemTime) -> Acquire {
        let mut state = self.lock();
        state.refill(now);
        let wait = match state.tokens {
            Some(tokens) if tokens < 1.0 => Some(match state.pace() {
                Some(rate) if rate > 0.0 => {
                    Duration::from_secs_f64(((1.0 - tokens) / (rate * HEADROOM)).clamp(0.001, 60.0))
                }
                _ => PROBE,
            }),
            // Before the first answer, one request finds out whether there is
            // a bucket at all, and how full it is; a fleet's processes
            // starting together would otherwise all spend the same burst.
            None if !state.answered && state.in_flight > 0 => Some(FIRST_ANSWER),
            _ => None,
        };
        // A bucket that looks empty still lets one probe at a time through
        // when the next token is far off: every `PROBE` while the refill is
        // unknown, every `SLOW_PROBE` once it is, so a client whose share
        // collapsed (others took it all) still learns when it grows back.
        let every = match state.rate {
            Some(_) => SLOW_PROBE,
            None if state.tokens.is_none() => FIRST_ANSWER,
            None => PROBE,
        };
        let granted = wait.is_none_or(|wait| {
            wait >= every
                && state.tokens.is_some()
                && state.in_flight == 0
                && state
                    .last_probe
                    .is_none_or(|last| now.duration_since(last).unwrap_or_default() >= every)
        });
        if granted && wait.is_some() {
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
        Acquire::Wait(wait.unwrap_or(PROBE).min(every))
    }

    /// How long a request that got a 429 sleeps before it asks for a token
    /// again: what the server asked, but at least one refill slot; `None`
    /// until the refill rate is known.
    pub(crate) fn after_rate_limit(
        &self,
        info: &RateLimitInfo,
        now: SystemTime,
    ) -> Option<Duration> {
        let slot = self.retry_wait()?;
        Some(info.wait(now).map_or(slot, |wait| wait.max(slot)))
    }

    /// How long a request that got a 429 should wait before its retry is
    /// paced again, when the refill rate is known: one refill slot, at most a
    /// second (a share that collapsed must not park retries for long).
    #[must_use]
    pub fn retry_wait(&self) -> Option<Duration> {
        let state = self.lock();
        state
            .rate
            .filter(|r| *r > 0.0)
            .map(|rate| Duration::from_secs_f64((1.0 / rate).min(SLOW_PROBE.as_secs_f64())))
    }

    /// Learn from the answer to a request this throttle did not pace (a
    /// shared budget did), so that it knows the tenant if that budget goes
    /// away and has to take over.
    pub(crate) fn learn(&self, status: StatusCode, headers: &HeaderMap, now: SystemTime) {
        self.lock().in_flight += 1;
        self.observe(status, headers, now);
    }

    fn observe(&self, status: StatusCode, headers: &HeaderMap, now: SystemTime) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        state.answered = true;
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
        state.learn(now, remaining, limit);
        // The visible tokens are everyone's: they lower our model, and raise
        // it only when the bucket is full or the share is (nearly) all ours.
        let below_cap = remaining < limit - 1.0;
        state.refill(now);
        let observed = remaining - in_flight;
        state.tokens = Some(match (state.tokens, state.rate) {
            (Some(model), Some(rate)) if below_cap && rate < ALONE * state.tenant => {
                model.min(observed)
            }
            _ => observed,
        });
    }
}

impl State {
    /// Learn the refill rate from how `remaining` moves between answers,
    /// counting our own successes back in; what others spend stays out, so
    /// with a fleet on the tenant this is the share left for us. A window
    /// that ends on a full bucket may have wasted refill: it only says the
    /// rate is at least that (less one token, as `remaining` is rounded
    /// down), and the next window starts below the cap.
    fn learn(&mut self, now: SystemTime, remaining: f64, limit: f64) {
        let ok_seen = self.ok_seen;
        let below_cap = remaining < limit - 1.0;
        let Some((then, before, ok_then)) = self.sample else {
            self.sample = below_cap.then_some((now, remaining, ok_seen));
            return;
        };
        let elapsed = now.duration_since(then).unwrap_or_default();
        if elapsed < MIN_SAMPLE {
            self.sample = below_cap.then_some((then, before, ok_then));
            return;
        }
        let seconds = elapsed.as_secs_f64();
        #[allow(clippy::cast_precision_loss, reason = "counts are small")]
        let served = (ok_seen - ok_then) as f64;
        let refilled = remaining - before + served;
        if !below_cap {
            let at_least = (refilled - 1.0) / seconds;
            self.tenant = self.tenant.max(at_least);
            self.rate = self.rate.map(|r| r.max(at_least));
            self.sample = None;
            return;
        }
        self.sample = Some((now, remaining, ok_seen));
        if served == 0.0 && refilled <= 0.0 && self.rate.is_none() {
            // No success and no refill seen: others hold the bucket; that
            // says nothing of the rate yet.
            return;
        }
        let (own, spare) = (served / seconds, (remaining - before) / seconds);
        self.tenant = self.tenant.max(own + spare);
        // Of a spare refill, take a part in proportion to our share (at least
        // a quarter), so a fleet does not overshoot by its size.
        let part = if self.tenant > 0.0 {
            (own / self.tenant).clamp(MIN_PART, 1.0)
        } else {
            1.0
        };
        // One window at most halves the share.
        let floor = (own / 2.0).max(self.rate.unwrap_or(0.0) / 2.0);
        let sample = (own + spare * part).max(floor).max(MIN_RATE);
        self.rate = Some(self.rate.map_or(sample, |r| 0.5 * r + 0.5 * sample));
    }

    /// The rate to pace at: the share learned, pushed toward the tenant's
    /// whole rate in proportion to what others take.
    fn pace(&self) -> Option<f64> {
        self.rate
            .map(|rate| rate + PRESSURE * (self.tenant - rate).max(0.0))
    }

    fn refill(&mut self, now: SystemTime) {
        if let (Some(tokens), Some(rate), Some(updated), Some(limit)) =
            (self.tokens, self.pace(), self.updated, self.limit)
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

    /// Whatever numbers the headers carry (more left than the bucket holds,
    /// the largest integers, a bucket of 0), the throttle neither panics nor
    /// asks for a wait longer than a second once it has a rate.
    #[test]
    fn hostile_header_values_give_finite_short_waits() {
        let t = Throttle::new();
        let mut ms = 0;
        for (limit, remaining) in [
            (10, 500),
            (u64::MAX, u64::MAX),
            (0, 0),
            (10, 0),
            (u64::MAX, 0),
        ] {
            for _ in 0..3 {
                ms += 150;
                if let Acquire::Granted(p) = t.acquire(at(ms)) {
                    p.observe(StatusCode::OK, &headers(limit, remaining), at(ms));
                }
                if let Acquire::Wait(wait) = t.acquire(at(ms)) {
                    assert!(
                        wait <= Duration::from_secs(1),
                        "{limit}/{remaining}: {wait:?}"
                    );
                }
            }
            assert!(t.rate().is_none_or(f64::is_finite), "{:?}", t.rate());
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
        // The probe finds the bucket full again: its burst is there to spend.
        probe.observe(StatusCode::OK, &headers(10, 9), at(1_110));
        let burst: Vec<Permit> = (0..9).map(|_| permit(&t, at(1_110))).collect();
        assert_eq!(burst.len(), 9);
        assert!(matches!(t.acquire(at(1_110)), Acquire::Wait(_)));
    }
}

#[cfg(test)]
mod simulation;

#[cfg(test)]
mod convergence {
    //! The guard: the simulation's fleets converge. Deterministic (seeded),
    //! so the numbers printed with `--nocapture` are the same every run.

    use super::simulation::{Client, Report, run};
    use std::time::Duration;

    const BUDGET: Duration = Duration::from_secs(60);
    const LATENCIES: [f64; 3] = [0.000_5, 0.005, 0.025];

    /// Wall time over the minimum for what succeeded, once the bucket is busy
    /// from the start: (successes − burst) / rate.
    fn ratio(label: &str, r: &Report) -> f64 {
        #[allow(clippy::cast_precision_loss, reason = "small counts")]
        let minimum = (r.succeeded() as f64 - 10.0) / 50.0;
        eprintln!(
            "{label}: {:.2} s = {:.3}× the minimum, {} × 429 = {:.1}% of {}, {} errors, done {:?}",
            r.end,
            r.end / minimum,
            r.limited,
            100.0 * r.limited_share(),
            r.sent,
            r.errors,
            r.done
        );
        r.end / minimum
    }

    #[test]
    fn sixteen_workers_run_at_the_servers_rate_with_few_429s() {
        for latency in LATENCIES {
            let r = run(50.0, 10, &[Client::new(300, latency)], BUDGET);
            assert!(ratio(&format!("1 client, {latency} s"), &r) < 1.02);
            assert!(r.limited <= 3, "{} 429s", r.limited);
            assert_eq!((r.errors, r.succeeded()), (0, 300));
        }
    }

    #[test]
    fn two_and_four_clients_share_the_bucket_at_its_rate() {
        for n in [2, 4] {
            for latency in LATENCIES {
                let r = run(50.0, 10, &vec![Client::new(300, latency); n], BUDGET);
                assert!(ratio(&format!("{n} clients, {latency} s"), &r) <= 1.15);
                assert!(r.limited_share() <= 0.05, "{:.3}", r.limited_share());
                assert_eq!((r.errors, r.succeeded()), (0, 300 * n));
            }
        }
    }

    /// The quick bench's size. The start weighs more here: every process's
    /// first answer shows the same full bucket, and each spends it.
    #[test]
    fn short_fleet_runs_stay_near_the_minimum() {
        for n in [4, 8] {
            for latency in LATENCIES {
                let r = run(50.0, 10, &vec![Client::new(60, latency); n], BUDGET);
                assert!(ratio(&format!("{n} clients × 60, {latency} s"), &r) <= 1.15);
                assert!(r.limited_share() <= 0.16, "{:.3}", r.limited_share());
                assert_eq!((r.errors, r.succeeded()), (0, 60 * n));
            }
        }
    }

    #[test]
    fn eight_clients_share_the_bucket() {
        for latency in LATENCIES {
            let r = run(50.0, 10, &vec![Client::new(300, latency); 8], BUDGET);
            assert!(ratio(&format!("8 clients, {latency} s"), &r) <= 1.15);
            assert!(r.limited_share() <= 0.10, "{:.3}", r.limited_share());
            assert_eq!((r.errors, r.succeeded()), (0, 2_400));
        }
    }

    #[test]
    fn mixed_latencies_and_clients_joining_and_leaving_keep_the_bucket_busy() {
        let joins_halfway = [
            Client::new(300, 0.005),
            Client {
                join: 2.9,
                ..Client::new(300, 0.025)
            },
        ];
        let churn = [
            Client::new(300, 0.000_5),
            Client {
                leave: Some(4.0),
                ..Client::new(300, 0.025)
            },
            Client {
                join: 6.0,
                ..Client::new(300, 0.005)
            },
            Client {
                join: 9.0,
                leave: Some(14.0),
                ..Client::new(300, 0.012)
            },
        ];
        for (label, clients) in [("one joins halfway", &joins_halfway[..]), ("churn", &churn)] {
            let r = run(50.0, 10, clients, BUDGET);
            assert!(ratio(label, &r) <= 1.15);
            assert!(r.limited_share() <= 0.05, "{:.3}", r.limited_share());
            assert_eq!(r.errors, 0);
        }
    }
}
