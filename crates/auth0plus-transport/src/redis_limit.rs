//! [`RedisRateLimit`]: the tenant's rate limit as one budget in Redis, which
//! every process of a fleet draws from before sending.
//!
//! A learned share (the [`Throttle`](crate::Throttle)) degrades as processes
//! join and leave quickly; a budget they all draw from does not: the fleet
//! paces as one client. The budget mirrors the server's token bucket, kept in
//! one Redis hash and changed only by two Lua scripts, each atomic:
//!
//! - **acquire** refills the budget at the learned rate (a little under it,
//!   97%), takes a token when there is one, else reserves the next one when
//!   it is due within 250 ms (the caller sleeps until then and sends), else
//!   says when to ask again. Time is Redis's own (`TIME`), so the fleet's
//!   clocks need not agree.
//! - **observe** reads each answer's `x-ratelimit-limit` (the bucket size)
//!   and `x-ratelimit-remaining`: the budget is lowered to what the server
//!   has left (others may spend the tenant too), and raised only by a probe
//!   (a request that went alone) or a full bucket. The refill rate, which no
//!   header gives, is learned the way the throttle learns it, but for the
//!   whole fleet: between two answers at least a second apart, `remaining`
//!   moves by the refill minus what was spent, and the fleet counts what it
//!   spent (its successes) in the same hash.
//!
//! Before the first answer one request goes alone (is there a bucket, how
//! full is it?); while the rate is unknown and the bucket looks empty, one
//! probe per 100 ms; once known, one per second when the next token is
//! further off than that. Answers without rate-limit headers open the budget:
//! nothing is paced. The hash expires after ten idle minutes.

use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ::redis::Script;
use async_trait::async_trait;
use http::{HeaderMap, StatusCode};

use crate::{RateLimitInfo, Redis, SharedAcquire, SharedGrant, SharedRateLimit};

/// Pace this far under the learned rate (as the throttle does).
const HEADROOM: f64 = 0.97;
/// A token due within this long is reserved instead of asked for again.
const HORIZON: Duration = Duration::from_millis(250);
/// The shortest window a rate sample spans.
const MIN_WINDOW: Duration = Duration::from_secs(1);
/// The budget is forgotten after this long without use.
const IDLE_TTL: Duration = Duration::from_secs(600);

/// Take a token, reserve the next one, or say when to ask again.
/// KEYS[1]: the budget; ARGV: headroom, horizon µs, idle TTL ms.
/// Returns {granted 0/1, wait µs, probe 0/1, rate × 1000}.
const ACQUIRE: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local headroom, horizon, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local h = redis.call('HMGET', key, 'tokens', 'at', 'rate', 'limit', 'probe', 'open')
local tokens, at, rate, limit, probe = tonumber(h[1]), tonumber(h[2]), tonumber(h[3]), tonumber(h[4]), tonumber(h[5])
local function f(x) return string.format('%.17g', x) end
local milli = math.floor((rate or 0) * 1000)
local function store(left, probed, granted)
  redis.call('HSET', key, 'tokens', f(left), 'at', f(now))
  if probed then redis.call('HSET', key, 'probe', f(now)) end
  if granted then
    local flying = tonumber(redis.call('HGET', key, 'flying')) or 0
    local since = tonumber(redis.call('HGET', key, 'fly_at')) or now
    -- requests whose answer never came back (a process gone) are forgotten
    if now - since > 10000000 then flying = 0 end
    redis.call('HSET', key, 'flying', f(flying + 1), 'fly_at', f(now))
  end
  redis.call('PEXPIRE', key, ttl)
end
if h[6] then return {1, 0, 0, milli} end
if not limit then
  if probe and now - probe < 1000000 then return {0, 5000, 0, milli} end
  store(0, true, true)
  return {1, 0, 1, milli}
end
tokens = tokens or 0
if rate and at then tokens = math.min(limit, tokens + math.max(0, now - at) / 1e6 * rate * headroom) end
if tokens >= 1 then
  store(tokens - 1, false, true)
  return {1, 0, 0, milli}
end
local every = 100000
local due = every
if rate and rate > 0 then
  every = 1000000
  due = math.ceil((1 - tokens) / (rate * headroom) * 1e6)
  if due <= horizon then
    store(tokens - 1, false, true)
    return {1, due, 0, milli}
  end
end
if due >= every and (not probe or now - probe >= every) then
  store(tokens - 1, true, true)
  return {1, 0, 1, milli}
end
store(tokens, false, false)
local back = due - horizon
if not (rate and rate > 0) then back = every - (now - (probe or now)) end
return {0, math.max(1000, math.min(back, every)), 0, milli}
";

/// Feed an answer back. KEYS[1]: the budget; ARGV: served 0/1, limit (-1:
/// no headers, -2: no answer at all), remaining, probe 0/1, headroom, min
/// window µs, idle TTL ms.
/// Returns the rate × 1000.
const OBSERVE: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local served, lim, rem, probe = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local headroom, window, ttl = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function f(x) return string.format('%.17g', x) end
local h = redis.call('HMGET', key, 'tokens', 'at', 'rate', 'limit', 'ok', 's_at', 's_rem', 's_ok', 'flying')
local tokens, at, rate, limit, ok = tonumber(h[1]), tonumber(h[2]), tonumber(h[3]), tonumber(h[4]), tonumber(h[5]) or 0
local s_at, s_rem, s_ok = tonumber(h[6]), tonumber(h[7]), tonumber(h[8])
-- this request is no longer in flight; the others are not in `rem` yet
local flying = math.max(0, (tonumber(h[9]) or 0) - 1)
redis.call('HSET', key, 'flying', f(flying))
if lim == -2 then
  return math.floor((rate or 0) * 1000)
end
if lim < 0 or rem < 0 then
  if not limit then
    redis.call('HSET', key, 'open', '1')
    redis.call('PEXPIRE', key, ttl)
  end
  return math.floor((rate or 0) * 1000)
end
redis.call('HDEL', key, 'open')
ok = ok + served
local below = rem < lim - 1
if s_at then
  local elapsed = (now - s_at) / 1e6
  local refilled = rem - s_rem + (ok - s_ok)
  if below and elapsed * 1e6 >= window then
    if refilled > 0 or rate then
      local sample = math.max(refilled / elapsed, 0.1)
      if rate then rate = 0.5 * rate + 0.5 * sample else rate = sample end
    end
    s_at, s_rem, s_ok = now, rem, ok
  elseif not below then
    -- a full bucket may have wasted refill: the rate is at least this
    if elapsed >= 0.2 then
      local at_least = (refilled - 1) / elapsed
      if at_least > (rate or 0) then rate = at_least end
    end
    s_at = nil
  end
elseif below then
  s_at, s_rem, s_ok = now, rem, ok
end
tokens = tokens or 0
if rate and at then tokens = math.min(lim, tokens + math.max(0, now - at) / 1e6 * rate * headroom) end
-- what the server has left, less what is granted and not answered yet
local seen = math.min(rem, lim) - flying
if probe == 1 or not below then
  -- alone, or the bucket is full: the server's count stands
  tokens = seen
else
  tokens = math.min(tokens, seen)
end
redis.call('HSET', key, 'tokens', f(tokens), 'at', f(now), 'limit', f(lim), 'ok', f(ok))
if rate then redis.call('HSET', key, 'rate', f(rate)) end
if s_at then
  redis.call('HSET', key, 's_at', f(s_at), 's_rem', f(s_rem), 's_ok', f(s_ok))
else
  redis.call('HDEL', key, 's_at', 's_rem', 's_ok')
end
redis.call('PEXPIRE', key, ttl)
return math.floor((rate or 0) * 1000)
";

static ACQUIRE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(ACQUIRE));
static OBSERVE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(OBSERVE));

/// A tenant's rate limit as one budget in Redis, shared by every process that
/// names the same bucket (see the module docs for how it works).
///
/// Give it to the management client with
/// `Auth0::builder(..).shared_rate_limit(..)`, or to a [`Retrying`](crate::Retrying)
/// with [`with_shared_rate_limit`](crate::Retrying::with_shared_rate_limit).
/// When Redis cannot be reached, requests are paced by the local
/// [`Throttle`](crate::Throttle) instead, and no call fails for it.
///
/// ```
/// use auth0plus_transport::{Redis, RedisRateLimit};
/// let redis = Redis::open("redis://127.0.0.1:6379/").unwrap();
/// let limit = RedisRateLimit::new(redis, "acme.eu.auth0.com");
/// assert_eq!(limit.key(), "auth0plus:ratelimit:acme.eu.auth0.com");
/// ```
#[derive(Debug, Clone)]
pub struct RedisRateLimit {
    redis: Redis,
    key: String,
    /// The rate the budget last reported, × 1000 (0: unknown).
    rate_milli: Arc<AtomicU64>,
}

impl RedisRateLimit {
    /// The budget named `bucket` (the tenant's domain: every process on one
    /// tenant must name the same, and two tenants never should).
    #[must_use]
    pub fn new(redis: Redis, bucket: &str) -> Self {
        Self {
            key: redis.key(&["ratelimit", bucket]),
            redis,
            rate_milli: Arc::default(),
        }
    }

    /// The Redis key of the budget.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The refill rate the fleet learned (requests per second), as last seen.
    #[must_use]
    pub fn rate(&self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss, reason = "rates are small")]
        let rate = self.rate_milli.load(Ordering::Relaxed) as f64 / 1000.0;
        (rate > 0.0).then_some(rate)
    }

    fn remember(&self, milli: i64) {
        self.rate_milli
            .store(u64::try_from(milli).unwrap_or(0), Ordering::Relaxed);
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A header number as a script argument: at most `i64::MAX`.
fn arg(n: Option<u64>) -> i64 {
    n.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
}

#[async_trait]
impl SharedRateLimit for RedisRateLimit {
    async fn acquire(&self) -> Option<SharedAcquire> {
        let key = self.key.clone();
        let (granted, wait, probe, milli): (i64, i64, i64, i64) = self
            .redis
            .run(|mut connection| async move {
                ACQUIRE_SCRIPT
                    .key(key)
                    .arg(HEADROOM)
                    .arg(micros(HORIZON))
                    .arg(millis(IDLE_TTL))
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        self.remember(milli);
        let wait = Duration::from_micros(u64::try_from(wait).unwrap_or(0));
        Some(if granted == 1 {
            SharedAcquire::Granted(SharedGrant::new(probe == 1), wait)
        } else {
            // Waiters that asked together should not all ask again together.
            SharedAcquire::Wait(wait.mul_f64(fastrand::f64().mul_add(0.4, 0.8)))
        })
    }

    async fn observe(&self, grant: &SharedGrant, status: StatusCode, headers: &HeaderMap) {
        let info = RateLimitInfo::from_headers(headers).unwrap_or_default();
        let (limit, remaining) = match (info.limit, info.remaining) {
            (Some(limit), Some(remaining)) => (arg(Some(limit)), arg(Some(remaining))),
            _ => (-1, -1),
        };
        // Every answer but a 429 took a token from the server's bucket.
        let served = i64::from(status != StatusCode::TOO_MANY_REQUESTS);
        self.feed(grant, served, limit, remaining).await;
    }

    async fn release(&self, grant: &SharedGrant) {
        self.feed(grant, 0, -2, -1).await;
    }

    fn retry_wait(&self) -> Option<Duration> {
        self.rate()
            .map(|rate| Duration::from_secs_f64((1.0 / rate).min(1.0)))
    }
}

impl RedisRateLimit {
    async fn feed(&self, grant: &SharedGrant, served: i64, limit: i64, remaining: i64) {
        let probe = i64::from(grant.is_probe());
        let key = self.key.clone();
        let milli: Option<i64> = self
            .redis
            .run(|mut connection| async move {
                OBSERVE_SCRIPT
                    .key(key)
                    .arg(served)
                    .arg(limit)
                    .arg(remaining)
                    .arg(probe)
                    .arg(HEADROOM)
                    .arg(micros(MIN_WINDOW))
                    .arg(millis(IDLE_TTL))
                    .invoke_async(&mut connection)
                    .await
            })
            .await;
        if let Some(milli) = milli {
            self.remember(milli);
        }
    }
}
