//! Auth0's machine-to-machine token quotas: the `auth0-client-quota-limit` and
//! `auth0-organization-quota-limit` headers, typed, and the gate that keeps a
//! token source from asking again before a used-up quota resets.
//!
//! Auth0 sends the headers on client-credentials answers, successful or 429,
//! when a quota applies: `b=per_hour;q=10;r=7;t=3540,b=per_day;q=50;r=47;t=43200`
//! (bucket, quota, remaining, seconds until it resets). Past an enforced quota
//! `/oauth/token` answers `429 too_many_requests` "Client quota exceeded" with
//! `Retry-After` (Auth0's "Fine-grained M2M token quotas" page).

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use http::HeaderMap;

use crate::{Error, Token};

/// Header with the application's (client's) quota.
pub const CLIENT_QUOTA_HEADER: &str = "auth0-client-quota-limit";
/// Header with the organization's quota.
pub const ORGANIZATION_QUOTA_HEADER: &str = "auth0-organization-quota-limit";

/// Most buckets read from one header: Auth0 sends two.
const MAX_BUCKETS: usize = 8;

/// One bucket of a quota: how many tokens it allows, how many are left, and
/// when it resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLimit {
    /// The configured quota (`q`).
    pub quota: u64,
    /// Tokens left in the bucket (`r`).
    pub remaining: u64,
    /// Time until the bucket resets (`t`).
    pub reset_after: Duration,
}

/// One quota header: its hourly and daily buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenQuota {
    /// `b=per_hour`: resets at the start of each UTC hour.
    pub per_hour: Option<QuotaLimit>,
    /// `b=per_day`: resets at the start of each UTC day.
    pub per_day: Option<QuotaLimit>,
}

impl TokenQuota {
    /// Read a header value; `None` when it holds no complete bucket. Unknown
    /// buckets and keys are skipped; a number too large reads as `u64::MAX`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth0plus_oauth::TokenQuota;
    /// let quota = TokenQuota::parse("b=per_hour;q=10;r=7;t=3540,b=per_day;q=50;r=47;t=43200").unwrap();
    /// let hour = quota.per_hour.unwrap();
    /// assert_eq!((hour.quota, hour.remaining, hour.reset_after), (10, 7, Duration::from_secs(3540)));
    /// assert_eq!(quota.per_day.unwrap().remaining, 47);
    /// ```
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        let mut quota = Self::default();
        for bucket in value.split(',').take(MAX_BUCKETS) {
            let (mut name, mut q, mut r, mut t) = (None, None, None, None);
            for pair in bucket.split(';') {
                let Some((key, value)) = pair.split_once('=') else {
                    continue;
                };
                let value = value.trim();
                match key.trim() {
                    "b" => name = Some(value),
                    "q" => q = number(value),
                    "r" => r = number(value),
                    "t" => t = number(value),
                    _ => {}
                }
            }
            let (Some(quota_), Some(remaining), Some(reset)) = (q, r, t) else {
                continue;
            };
            let limit = QuotaLimit {
                quota: quota_,
                remaining,
                reset_after: Duration::from_secs(reset),
            };
            match name {
                Some("per_hour") => quota.per_hour = Some(limit),
                Some("per_day") => quota.per_day = Some(limit),
                _ => {}
            }
        }
        (quota != Self::default()).then_some(quota)
    }

    /// The buckets it has.
    pub fn buckets(&self) -> impl Iterator<Item = &QuotaLimit> {
        self.per_hour.iter().chain(self.per_day.iter())
    }
}

/// Digits only; beyond `u64` saturates.
fn number(text: &str) -> Option<u64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().unwrap_or(u64::MAX))
}

/// Both quota headers of a token answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenQuotas {
    /// `auth0-client-quota-limit`: the application's quota.
    pub client: Option<TokenQuota>,
    /// `auth0-organization-quota-limit`: the organization's quota, when the
    /// token was asked for one.
    pub organization: Option<TokenQuota>,
}

impl TokenQuotas {
    /// Read the headers (absent or unreadable ones stay `None`).
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let read = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(TokenQuota::parse)
        };
        Self {
            client: read(CLIENT_QUOTA_HEADER),
            organization: read(ORGANIZATION_QUOTA_HEADER),
        }
    }

    /// Whether neither header was there.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.client.is_none() && self.organization.is_none()
    }

    /// The used-up bucket that resets last: how long until a token can be had
    /// again, as far as the headers say; `None` when no bucket is used up.
    #[must_use]
    pub fn exhausted_for(&self) -> Option<Duration> {
        self.client
            .iter()
            .chain(self.organization.iter())
            .flat_map(TokenQuota::buckets)
            .filter(|b| b.remaining == 0)
            .map(|b| b.reset_after)
            .max()
    }
}

/// The typed refusal for a 429 that carries a quota header, or `None` for
/// any other answer (`scrub` cleans the server's text).
pub(crate) fn refusal(
    response: &auth0plus_transport::HttpResponse,
    rate_limit: Option<&auth0plus_transport::RateLimitInfo>,
    scrub: &dyn Fn(String) -> String,
) -> Option<Error> {
    if response.status() != http::StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let quotas = TokenQuotas::from_headers(response.headers());
    if quotas.is_empty() {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Body {
        error_description: Option<String>,
    }
    let description = serde_json::from_slice::<Body>(response.body())
        .ok()
        .and_then(|b| b.error_description)
        .map(scrub);
    // `Retry-After` in seconds (what Auth0 sends here), else the used-up
    // bucket's own reset: both relative, so no clock is read.
    let retry_after = rate_limit
        .and_then(|info| info.retry_after)
        .map(Duration::from_secs)
        .or_else(|| quotas.exhausted_for());
    Some(Error::QuotaExceeded {
        description,
        quotas: Box::new(quotas),
        retry_after,
    })
}

/// Longest a gate keeps a source from asking: a day (a daily quota's reset).
const MAX_BLOCK: Duration = Duration::from_secs(24 * 60 * 60);

/// Remembers a quota refusal, so that a token source does not ask Auth0 again
/// before the quota resets: every call until then fails at once with the same
/// [`Error::QuotaExceeded`], without a request.
#[derive(Debug, Default)]
pub(crate) struct QuotaGate {
    blocked: Mutex<Option<Blocked>>,
}

#[derive(Debug, Clone)]
struct Blocked {
    until: SystemTime,
    description: Option<String>,
    quotas: TokenQuotas,
}

impl QuotaGate {
    /// `Err` while a quota refusal holds.
    pub(crate) fn check(&self, now: SystemTime) -> Result<(), Error> {
        let mut blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        match blocked.as_ref() {
            Some(b) if now < b.until => Err(Error::QuotaExceeded {
                description: b.description.clone(),
                quotas: Box::new(b.quotas),
                retry_after: b.until.duration_since(now).ok(),
            }),
            Some(_) => {
                *blocked = None;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Learn from the outcome of a token request made at `now`.
    pub(crate) fn note(&self, outcome: &Result<Token, Error>, now: SystemTime) {
        if let Err(Error::QuotaExceeded {
            description,
            quotas,
            retry_after,
        }) = outcome
        {
            let wait = retry_after
                .or_else(|| quotas.exhausted_for())
                .unwrap_or(Duration::from_secs(1))
                .min(MAX_BLOCK);
            tracing::warn!(
                wait_s = wait.as_secs(),
                "M2M token quota used up: no token request until it resets"
            );
            *self.blocked.lock().unwrap_or_else(PoisonError::into_inner) = Some(Blocked {
                until: now.checked_add(wait).unwrap_or(now),
                description: description.clone(),
                quotas: **quotas,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_quota_headers_parse_to_nothing_or_saturate() {
        for garbage in [
            "",
            ",,,;;;",
            "b=per_hour",
            "b=per_week;q=1;r=1;t=1",
            "b=per_hour;q=-1;r=1;t=1",
            "b=per_hour;q=1.5;r=1;t=1",
            "q=1;r=1;t=1",
        ] {
            assert_eq!(TokenQuota::parse(garbage), None, "{garbage:?}");
        }
        let huge =
            TokenQuota::parse("b=per_day;q=99999999999999999999999;r=0;t=18446744073709551616")
                .unwrap()
                .per_day
                .unwrap();
        assert_eq!((huge.quota, huge.remaining), (u64::MAX, 0));
        assert_eq!(huge.reset_after, Duration::from_secs(u64::MAX));
        // Spaces and unknown keys are tolerated; the last of a bucket wins.
        let q = TokenQuota::parse(" b=per_hour ; q=5; r=0; t=60; x=y , b=per_hour;q=5;r=1;t=30")
            .unwrap();
        assert_eq!(q.per_hour.unwrap().remaining, 1);
    }

    #[test]
    fn a_quota_refusal_blocks_until_the_reset_then_lets_one_through() {
        let gate = QuotaGate::default();
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        gate.note(
            &Err(Error::QuotaExceeded {
                description: Some("Client quota exceeded".into()),
                quotas: Box::default(),
                retry_after: Some(Duration::from_secs(30)),
            }),
            at,
        );
        let err = gate.check(at + Duration::from_secs(10)).unwrap_err();
        assert!(
            matches!(err, Error::QuotaExceeded { retry_after: Some(d), .. } if d == Duration::from_secs(20)),
            "{err:?}"
        );
        assert!(gate.check(at + Duration::from_secs(30)).is_ok());
        assert!(gate.check(at + Duration::from_secs(31)).is_ok());
    }
}
