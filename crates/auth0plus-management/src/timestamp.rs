//! [`Timestamp`]: an instant as Auth0 writes it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, Result};

/// An instant, read from and written as Auth0 does: RFC 3339 in UTC with
/// milliseconds (`2023-01-25T11:50:02.887Z`). Finer precision is kept and
/// written when present, so a round trip changes nothing.
///
/// Ordered, so it compares as time, not as text; usable in range lookups:
///
/// ```
/// use auth0plus_management::{Lookup, Timestamp};
/// let since: Timestamp = "2024-01-01T00:00:00Z".parse()?;
/// assert_eq!(since.to_string(), "2024-01-01T00:00:00.000Z");
/// let recent = Lookup::from([("created_at__gte", since)]);
/// assert_eq!(
///     recent.to_query_string()?,
///     r"created_at:[2024\-01\-01T00\:00\:00.000Z TO *]"
/// );
/// # Ok::<(), auth0plus_management::Error>(())
/// ```
///
/// Built on [`jiff`](https://docs.rs/jiff); [`Timestamp::as_jiff`] gives its
/// type for arithmetic and time zones.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(jiff::Timestamp);

impl Timestamp {
    /// The current instant.
    #[must_use]
    pub fn now() -> Self {
        Self(jiff::Timestamp::now())
    }

    /// Parse RFC 3339 (`2023-01-25T11:50:02.887Z`, any offset).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for anything else.
    pub fn parse(text: &str) -> Result<Self> {
        text.parse()
    }

    /// The instant `millis` milliseconds after the Unix epoch.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] outside years -9999 to 9999.
    pub fn from_unix_millis(millis: i64) -> Result<Self> {
        jiff::Timestamp::from_millisecond(millis)
            .map(Self)
            .map_err(|e| Error::InvalidArgument(format!("not a timestamp: {e}")))
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub fn unix_millis(&self) -> i64 {
        self.0.as_millisecond()
    }

    /// The instant as a [`jiff::Timestamp`].
    #[must_use]
    pub fn as_jiff(&self) -> jiff::Timestamp {
        self.0
    }
}

impl From<jiff::Timestamp> for Timestamp {
    fn from(t: jiff::Timestamp) -> Self {
        Self(t)
    }
}

impl From<Timestamp> for jiff::Timestamp {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl FromStr for Timestamp {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        text.parse::<jiff::Timestamp>()
            .map(Self)
            .map_err(|e| Error::InvalidArgument(format!("not an RFC 3339 timestamp: {e}")))
    }
}

/// `2023-01-25T11:50:02.887Z`: always milliseconds, more digits only when
/// the instant has them.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = if self.0.subsec_nanosecond() % 1_000_000 == 0 {
            "%Y-%m-%dT%H:%M:%S%.3fZ"
        } else {
            "%Y-%m-%dT%H:%M:%S%.9fZ"
        };
        write!(f, "{}", self.0.strftime(format))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(|_| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Other("a string that is not an RFC 3339 timestamp"),
                &"an RFC 3339 timestamp",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_auth0_sends() {
        for text in [
            "2023-01-25T11:50:02.887Z",
            "2023-01-25T11:50:02.000Z",
            "1999-12-31T23:59:59.999Z",
            "2024-02-29T00:00:00.123456789Z",
        ] {
            let t: Timestamp = serde_json::from_value(serde_json::json!(text)).unwrap();
            assert_eq!(serde_json::to_value(t).unwrap(), text);
        }
        let shifted: Timestamp = "2023-01-25T12:50:02.887+01:00".parse().unwrap();
        assert_eq!(shifted.to_string(), "2023-01-25T11:50:02.887Z");
    }

    #[test]
    fn orders_as_time_and_refuses_what_is_not_time() {
        let a = Timestamp::parse("2023-01-25T11:50:02.887Z").unwrap();
        let b = Timestamp::from_unix_millis(a.unix_millis() + 1).unwrap();
        assert!(a < b);
        for bad in ["", "yesterday", "2023-02-30T00:00:00Z", "2023-01-25"] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
            assert!(serde_json::from_value::<Timestamp>(serde_json::json!(bad)).is_err());
        }
        let err = serde_json::from_value::<Timestamp>(serde_json::json!("s3cr3t")).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        assert!(Timestamp::from_unix_millis(i64::MAX).is_err());
    }
}
