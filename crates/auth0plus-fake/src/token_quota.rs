//! Fine-grained M2M token quotas, as Auth0 enforces them on the
//! client-credentials grant (its "Fine-grained M2M token quotas" page):
//! hourly and daily counts of issued tokens that reset at the start of each
//! UTC hour and day; every answer carries `Auth0-Client-Quota-Limit:
//! b=per_hour;q=10;r=7;t=3540,b=per_day;q=50;r=47;t=43200`, and past an
//! enforced quota the token request gets `429 too_many_requests` "Client
//! quota exceeded" with `Retry-After` and `X-RateLimit-*` for the used-up
//! bucket. A 429 issues nothing and so counts for no quota.

use std::sync::Mutex;

use serde_json::json;

use crate::server::Resp;

/// Tokens per hour and per day the client may be issued; `None` for no such
/// bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenQuota {
    /// Tokens per UTC hour.
    pub per_hour: Option<u32>,
    /// Tokens per UTC day.
    pub per_day: Option<u32>,
}

impl TokenQuota {
    /// Parse `per_hour,per_day` (either may be empty: `10,` or `,50`).
    ///
    /// # Errors
    /// A message for anything else.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (hour, day) = text
            .split_once(',')
            .ok_or_else(|| format!("expected PER_HOUR,PER_DAY, not {text:?}"))?;
        let number = |part: &str| -> Result<Option<u32>, String> {
            let part = part.trim();
            if part.is_empty() {
                return Ok(None);
            }
            part.parse::<u32>()
                .map(Some)
                .map_err(|_| format!("not a token count: {part:?}"))
        };
        let quota = Self {
            per_hour: number(hour)?,
            per_day: number(day)?,
        };
        if quota == Self::default() {
            return Err("give at least one of PER_HOUR,PER_DAY".into());
        }
        Ok(quota)
    }
}

/// The quota and what it counted, in the tenant's fixed configuration (its
/// counts behind a lock of their own).
#[derive(Debug, Default)]
pub(crate) struct Quota {
    limits: TokenQuota,
    used: Mutex<Used>,
}

#[derive(Debug, Default)]
struct Used {
    /// (UTC hour number, tokens issued in it).
    hour: (u64, u32),
    /// (UTC day number, tokens issued in it).
    day: (u64, u32),
}

/// One bucket's state at a moment: (name, quota, remaining, seconds to reset).
type Bucket = (&'static str, u32, u32, u64);

impl Quota {
    pub(crate) fn new(limits: Option<TokenQuota>) -> Self {
        Self {
            limits: limits.unwrap_or_default(),
            used: Mutex::default(),
        }
    }

    /// Count one token about to be issued at `now` (epoch seconds): the
    /// headers to answer with, or the 429 when a bucket is used up.
    pub(crate) fn take(&self, now: u64) -> Result<Vec<(&'static str, String)>, Resp> {
        if self.limits == TokenQuota::default() {
            return Ok(Vec::new());
        }
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (hour, day) = (now / 3_600, now / 86_400);
        if used.hour.0 != hour {
            used.hour = (hour, 0);
        }
        if used.day.0 != day {
            used.day = (day, 0);
        }
        let buckets = |used: &Used| -> Vec<Bucket> {
            let mut out = Vec::new();
            if let Some(q) = self.limits.per_hour {
                out.push((
                    "per_hour",
                    q,
                    q.saturating_sub(used.hour.1),
                    3_600 - now % 3_600,
                ));
            }
            if let Some(q) = self.limits.per_day {
                out.push((
                    "per_day",
                    q,
                    q.saturating_sub(used.day.1),
                    86_400 - now % 86_400,
                ));
            }
            out
        };
        let before = buckets(&used);
        // The used-up bucket that resets last decides the wait.
        if let Some(&(_, quota, _, reset)) = before
            .iter()
            .filter(|(_, _, remaining, _)| *remaining == 0)
            .max_by_key(|(_, _, _, reset)| *reset)
        {
            let mut r = Resp::json(
                429,
                &json!({"error": "too_many_requests", "error_description": "Client quota exceeded"}),
            );
            r.headers = vec![
                ("auth0-client-quota-limit", header(&before)),
                ("retry-after", reset.to_string()),
                ("x-ratelimit-limit", quota.to_string()),
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", (now + reset).to_string()),
            ];
            return Err(r);
        }
        used.hour.1 = used.hour.1.saturating_add(1);
        used.day.1 = used.day.1.saturating_add(1);
        Ok(vec![("auth0-client-quota-limit", header(&buckets(&used)))])
    }
}

fn header(buckets: &[Bucket]) -> String {
    buckets
        .iter()
        .map(|(name, quota, remaining, reset)| {
            format!("b={name};q={quota};r={remaining};t={reset}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_utc_hour_and_day_and_refuses_past_the_quota() {
        let quota = Quota::new(Some(TokenQuota {
            per_hour: Some(2),
            per_day: Some(3),
        }));
        let t = 10 * 86_400 + 3_600 * 5 + 60; // 05:01 UTC
        let first = quota.take(t).unwrap();
        assert_eq!(
            first,
            [(
                "auth0-client-quota-limit",
                "b=per_hour;q=2;r=1;t=3540,b=per_day;q=3;r=2;t=68340".to_owned()
            )]
        );
        quota.take(t + 1).unwrap();
        let refused = quota.take(t + 2).unwrap_err();
        assert_eq!(refused.status, 429);
        assert!(
            refused.headers.contains(&("retry-after", "3538".into())),
            "{:?}",
            refused.headers
        );
        // The next hour has room, the day one more token.
        quota.take(t + 3_600).unwrap();
        let refused = quota.take(t + 3_601).unwrap_err();
        let header = &refused.headers[0].1;
        assert!(header.contains("b=per_day;q=3;r=0"), "{header}");
        // The next day starts afresh.
        assert!(quota.take(11 * 86_400).is_ok());
    }

    #[test]
    fn the_cli_form_is_parsed_strictly() {
        assert_eq!(
            TokenQuota::parse("10,50"),
            Ok(TokenQuota {
                per_hour: Some(10),
                per_day: Some(50)
            })
        );
        assert_eq!(
            TokenQuota::parse(",50"),
            Ok(TokenQuota {
                per_hour: None,
                per_day: Some(50)
            })
        );
        for bad in ["", "10", ",", "-1,5", "a,b", "99999999999,1"] {
            assert!(TokenQuota::parse(bad).is_err(), "{bad}");
        }
    }
}
