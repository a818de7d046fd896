//! The one error type of the oauth crate.

use std::time::Duration;

use auth0plus_transport::{RateLimitInfo, TransportError};

use crate::TokenQuotas;

/// Why a token could not be had.
///
/// No variant ever holds a secret: not the client secret, not a token.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The tenant domain is not a plain host name.
    #[error("invalid Auth0 domain {domain:?}: {reason}")]
    InvalidDomain {
        /// What was given, with any user info (`user:password@`) redacted.
        domain: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The base-URL override is not an `http(s)://host[:port][/path]` URL.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// What was given, with any user info (`user:password@`) redacted.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The client id is empty.
    #[error("the client id is empty")]
    EmptyClientId,
    /// The client secret is empty.
    #[error("the client secret is empty")]
    EmptyClientSecret,
    /// No HTTP backend was given and the `reqwest` feature is off.
    #[error("no HTTP backend: enable the `reqwest` feature or pass one with `.backend(..)`")]
    NoBackend,
    /// No HTTP response was obtained.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// Auth0 refused to issue a token (`{"error", "error_description"}`).
    #[error("token request refused: {status} {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The `error` code, e.g. `access_denied`.
        error: String,
        /// The `error_description`, e.g. `Unauthorized`.
        description: Option<String>,
        /// Rate-limit headers, when present (429s carry them). Boxed: the
        /// error stays small for the many `Result`s that never carry it.
        rate_limit: Option<Box<RateLimitInfo>>,
    },
    /// The token endpoint answered something that is not a token response.
    #[error("unexpected answer from the token endpoint: HTTP {status}, {reason}")]
    UnexpectedResponse {
        /// HTTP status.
        status: u16,
        /// What was wrong with it.
        reason: String,
        /// The start of a non-JSON error body (an HTML gateway page), for
        /// diagnosis. Never set for a 2xx answer, which could hold a token.
        body: Option<String>,
    },
    /// Auth0 refused to issue a token because a machine-to-machine token
    /// quota is used up (`429 too_many_requests` with an
    /// `auth0-client-quota-limit` or `auth0-organization-quota-limit`
    /// header). A token source does not ask again before `retry_after`.
    #[error("M2M token quota exceeded: 429 too_many_requests{}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default(), retry_after.map(|d| format!(" (resets in {} s)", d.as_secs())).unwrap_or_default())]
    QuotaExceeded {
        /// The `error_description`, e.g. `Client quota exceeded`.
        description: Option<String>,
        /// The quota headers. Boxed: the error stays small.
        quotas: Box<TokenQuotas>,
        /// How long until a token can be had again: `Retry-After`, else the
        /// used-up bucket's reset.
        retry_after: Option<Duration>,
    },
    /// A shared [`TokenCache`](crate::TokenCache) failed (unreachable,
    /// unreadable, unsafe file permissions). [`CachedTokenSource`](crate::CachedTokenSource)
    /// never returns it: it fetches on its own instead.
    #[error("the token cache failed: {0}")]
    TokenCache(String),
    /// This call waited for a token request made by a concurrent call, and
    /// that request failed (its error text, which never holds a secret).
    /// The next call makes a new request.
    #[error("the token request made for this call failed: {0}")]
    RefreshFailed(String),
}

impl Error {
    /// The HTTP status Auth0 answered with, when there was an answer.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Rejected { status, .. } | Self::UnexpectedResponse { status, .. } => {
                Some(*status)
            }
            Self::QuotaExceeded { .. } => Some(429),
            _ => None,
        }
    }

    /// The OAuth `error` code, when Auth0 sent one.
    #[must_use]
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Self::Rejected { error, .. } => Some(error),
            Self::QuotaExceeded { .. } => Some("too_many_requests"),
            _ => None,
        }
    }

    /// True for a 429 from the token endpoint.
    #[must_use]
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }
}
