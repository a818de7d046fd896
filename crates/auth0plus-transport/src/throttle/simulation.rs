//! A fleet on a virtual clock: clients (processes), each with its own
//! [`Throttle`] and concurrent workers, spending one server token bucket.
//!
//! It replays what the retry layer does around the throttle: acquire (or
//! wait as told), send, feed the answer back, and after a 429 sleep as
//! [`Throttle::after_rate_limit`] says before asking again, all within the
//! rate-limit budget; a request whose budget runs out is sent without a
//! token, and a 429 that would overrun it is an error reaching the caller.

use super::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One process of the fleet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Client {
    /// Concurrent workers (the bench's `buffer_unordered(16)`).
    pub workers: usize,
    /// Requests it has to get through.
    pub requests: usize,
    /// Round trip, seconds; each request varies it by ±20%.
    pub latency: f64,
    /// When it starts, seconds.
    pub join: f64,
    /// When it stops taking work (in-flight requests still finish), seconds.
    pub leave: Option<f64>,
}

impl Client {
    pub(crate) fn new(requests: usize, latency: f64) -> Self {
        Self {
            workers: 16,
            requests,
            latency,
            join: 0.0,
            leave: None,
        }
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Seconds until the last success of any client.
    pub end: f64,
    /// Requests that reached the server, 429s included.
    pub sent: usize,
    /// 429 answers.
    pub limited: usize,
    /// Requests that gave up with a 429 (the budget ran out).
    pub errors: usize,
    /// Successes per client.
    pub done: Vec<usize>,
}

impl Report {
    pub(crate) fn succeeded(&self) -> usize {
        self.done.iter().sum()
    }

    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    pub(crate) fn limited_share(&self) -> f64 {
        self.limited as f64 / self.sent.max(1) as f64
    }
}

/// The server's token bucket, with the headers the fake tenant sends.
struct Server {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: f64,
}

impl Server {
    /// Process a request at `t` seconds: (ok, remaining, reset epoch second).
    fn handle(&mut self, t: f64) -> (bool, u64, u64) {
        self.tokens = (self.tokens + (t - self.last) * self.rate).min(self.burst);
        self.last = t;
        let ok = self.tokens >= 1.0;
        if ok {
            self.tokens -= 1.0;
        }
        let next = if self.tokens >= self.burst {
            0.0
        } else {
            (1.0 - self.tokens.fract()) / self.rate
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let (remaining, reset) = (self.tokens.floor() as u64, (EPOCH + t + next).ceil() as u64);
        (ok, remaining, reset)
    }
}

/// Virtual time 0 as epoch seconds; not on a whole second, like a real start.
const EPOCH: f64 = 1_000_000.37;

fn clock(t: f64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs_f64(EPOCH + t)
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn micros(t: f64) -> u64 {
    (t * 1e6).round() as u64
}

#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy, Debug)]
enum Step {
    Answer,
    Arrive,
    Acquire,
}

/// The request a worker is busy with.
struct Busy {
    permit: Option<Permit>,
    /// Rate-limit waiting spent so far (throttle waits and 429 sleeps).
    waited: Duration,
    answer: (bool, u64, u64),
    latency: f64,
}

/// Run `clients` against one bucket of `rate` per second and `burst`, each
/// request allowed `budget` of rate-limit waiting.
pub(crate) fn run(rate: f64, burst: u64, clients: &[Client], budget: Duration) -> Report {
    let mut random = fastrand::Rng::with_seed(16);
    #[allow(clippy::cast_precision_loss, reason = "small")]
    let mut server = Server {
        rate,
        burst: burst as f64,
        tokens: burst as f64,
        last: 0.0,
    };
    let throttles: Vec<Throttle> = clients.iter().map(|_| Throttle::new()).collect();
    let mut busy: Vec<Vec<Option<Busy>>> = clients
        .iter()
        .map(|c| (0..c.workers).map(|_| None).collect())
        .collect();
    let mut claimed = vec![0; clients.len()];
    let mut report = Report {
        done: vec![0; clients.len()],
        ..Report::default()
    };
    let mut events = BinaryHeap::new();
    let mut seq = 0_u64;
    let mut push = |events: &mut BinaryHeap<_>, t: f64, step: Step, c: usize, w: usize| {
        seq += 1;
        events.push(Reverse((micros(t), seq, step, c, w)));
    };
    for (c, client) in clients.iter().enumerate() {
        for w in 0..client.workers {
            push(&mut events, client.join, Step::Acquire, c, w);
        }
    }
    while let Some(Reverse((at, _, step, c, w))) = events.pop() {
        #[allow(clippy::cast_precision_loss)]
        let now = at as f64 / 1e6;
        let client = clients[c];
        match step {
            Step::Acquire => {
                if client.leave.is_some_and(|leave| now >= leave) {
                    busy[c][w] = None;
                    continue;
                }
                if busy[c][w].is_none() {
                    if claimed[c] >= client.requests {
                        continue;
                    }
                    claimed[c] += 1;
                    busy[c][w] = Some(Busy {
                        permit: None,
                        waited: Duration::ZERO,
                        answer: (false, 0, 0),
                        latency: client.latency * random.f64().mul_add(0.4, 0.8),
                    });
                }
                let Some(request) = busy[c][w].as_mut() else {
                    continue;
                };
                match throttles[c].acquire(clock(now)) {
                    Acquire::Granted(permit) => request.permit = Some(permit),
                    // Out of budget: the retry layer sends it without a token.
                    Acquire::Wait(wait) if request.waited + wait > budget => {}
                    Acquire::Wait(wait) => {
                        request.waited += wait;
                        push(&mut events, now + wait.as_secs_f64(), Step::Acquire, c, w);
                        continue;
                    }
                }
                let half = request.latency / 2.0;
                push(&mut events, now + half, Step::Arrive, c, w);
            }
            Step::Arrive => {
                let answer = server.handle(now);
                report.sent += 1;
                if let Some(request) = busy[c][w].as_mut() {
                    request.answer = answer;
                    let half = request.latency / 2.0;
                    push(&mut events, now + half, Step::Answer, c, w);
                }
            }
            Step::Answer => {
                let Some(request) = busy[c][w].as_mut() else {
                    continue;
                };
                let (ok, remaining, reset) = request.answer;
                let mut headers = HeaderMap::new();
                headers.insert("x-ratelimit-limit", burst.into());
                headers.insert("x-ratelimit-remaining", remaining.into());
                headers.insert("x-ratelimit-reset", reset.into());
                let status = if ok {
                    StatusCode::OK
                } else {
                    StatusCode::TOO_MANY_REQUESTS
                };
                if let Some(permit) = request.permit.take() {
                    permit.observe(status, &headers, clock(now));
                }
                if ok {
                    report.done[c] += 1;
                    report.end = report.end.max(now);
                    busy[c][w] = None;
                    push(&mut events, now, Step::Acquire, c, w);
                    continue;
                }
                report.limited += 1;
                let info = RateLimitInfo::from_headers(&headers).unwrap_or_default();
                let sleep = throttles[c]
                    .after_rate_limit(&info, clock(now))
                    .unwrap_or(Duration::ZERO);
                if request.waited + sleep > budget {
                    report.errors += 1;
                    busy[c][w] = None;
                    push(&mut events, now, Step::Acquire, c, w);
                } else {
                    request.waited += sleep;
                    push(&mut events, now + sleep.as_secs_f64(), Step::Acquire, c, w);
                }
            }
        }
    }
    report
}
