//! The one error type of the transport layer.

use std::error::Error as StdError;
use std::fmt;

/// What went wrong below HTTP, sorted by what it means for a retry.
///
/// The distinction that matters is whether the request may have reached the
/// server: a connect failure never did, so any request can be sent again; a
/// timeout or a connection lost while waiting for the answer may have been
/// processed, so only idempotent requests are retried after one.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The connection could not be made (DNS, TCP connect, TLS handshake).
    /// The request was never sent.
    Connect,
    /// No complete answer within the time allowed. The request may have
    /// reached the server.
    Timeout,
    /// The connection broke after the request was (or may have been) sent:
    /// reset, closed mid-body, a malformed response.
    Interrupted,
    /// The request could not even be built or handed to the backend.
    InvalidRequest,
    /// The answer's body is larger than the response-size limit (see
    /// [`ResponseLimit`](crate::ResponseLimit)); reading stopped there. The
    /// server did act on the request. Never retried: it would answer the same.
    TooLarge,
}

impl TransportErrorKind {
    /// Whether a request that failed this way may have been processed by the server.
    #[must_use]
    pub fn may_have_reached_server(self) -> bool {
        matches!(self, Self::Timeout | Self::Interrupted | Self::TooLarge)
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "could not connect",
            Self::Timeout => "timed out",
            Self::Interrupted => "connection interrupted",
            Self::InvalidRequest => "invalid request",
            Self::TooLarge => "response too large",
        })
    }
}

/// A failure to obtain an HTTP response at all.
///
/// A non-2xx status is *not* a `TransportError`: at this layer a status is
/// data, and the layers above decide what it means.
#[derive(Debug, thiserror::Error)]
#[error("transport error: {kind}{}", detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
pub struct TransportError {
    kind: TransportErrorKind,
    detail: Option<String>,
    #[source]
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl TransportError {
    /// A new error of `kind` with a short description (never put secrets here).
    pub fn new(kind: TransportErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: Some(detail.into()),
            source: None,
        }
    }

    /// A new error of `kind` caused by `source`.
    pub fn with_source(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            detail: None,
            source: Some(source.into()),
        }
    }

    /// Shorthand for a [`TransportErrorKind::Connect`] error.
    pub fn connect(detail: impl Into<String>) -> Self {
        Self::new(TransportErrorKind::Connect, detail)
    }

    /// Shorthand for a [`TransportErrorKind::Timeout`] error.
    pub fn timeout(detail: impl Into<String>) -> Self {
        Self::new(TransportErrorKind::Timeout, detail)
    }

    /// Shorthand for a [`TransportErrorKind::Interrupted`] error.
    pub fn interrupted(detail: impl Into<String>) -> Self {
        Self::new(TransportErrorKind::Interrupted, detail)
    }

    /// Shorthand for a [`TransportErrorKind::TooLarge`] error: the body
    /// passed `limit` bytes.
    #[must_use]
    pub fn too_large(limit: u64) -> Self {
        Self::new(
            TransportErrorKind::TooLarge,
            format!("the body exceeds the limit of {limit} bytes"),
        )
    }

    /// True when the answer was larger than the response-size limit.
    #[must_use]
    pub fn is_too_large(&self) -> bool {
        self.kind == TransportErrorKind::TooLarge
    }

    /// The kind of failure.
    #[must_use]
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// True when the connection was never made (safe to resend anything).
    #[must_use]
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }

    /// True when no complete answer arrived in time.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }

    /// Whether the server may have processed the request.
    #[must_use]
    pub fn may_have_reached_server(&self) -> bool {
        self.kind.may_have_reached_server()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_kind_and_detail() {
        let err = TransportError::connect("connection refused");
        assert_eq!(
            err.to_string(),
            "transport error: could not connect (connection refused)"
        );
        assert!(!err.may_have_reached_server());
        assert!(TransportError::timeout("30 s").may_have_reached_server());
        assert!(TransportError::interrupted("reset").may_have_reached_server());
    }
}
