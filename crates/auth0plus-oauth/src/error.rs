//! The one error type of the oauth crate.

use std::time::Duration;

use auth0plus_transport::{RateLimitInfo, Secret, TransportError};

use crate::verify_error::TokenProblem;

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
    /// Auth0 wants a second factor (`403 mfa_required`): continue with
    /// [`AuthenticationClient::mfa_challenge`](crate::AuthenticationClient::mfa_challenge)
    /// or one of the MFA grants, passing `mfa_token`.
    #[error("multi-factor authentication required: {status} mfa_required{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    MfaRequired {
        /// HTTP status (403).
        status: u16,
        /// The `error_description`, e.g. `Multifactor authentication required`.
        description: Option<String>,
        /// The token that continues this login with a second factor.
        mfa_token: Secret,
    },
    /// A caller-supplied value cannot be sent (an empty required value, a
    /// parameter this crate sets itself such as `client_secret`).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The signing key or algorithm for `private_key_jwt` is unusable; checked
    /// when the client is built, never at the first request.
    #[error("invalid signing key: {0}")]
    InvalidSigningKey(String),
    /// A token failed verification; the message is the one Auth0 documents
    /// for the check, and never holds the token.
    #[error("invalid token: {message}")]
    InvalidToken {
        /// Which check failed.
        problem: TokenProblem,
        /// What was expected and found.
        message: String,
    },
    /// The tenant's signing keys (`/.well-known/jwks.json`) could not be had.
    #[error("cannot read the tenant's signing keys: {0}")]
    Jwks(String),
    /// A device or back-channel login was still pending when its
    /// authorization expired.
    #[error("the authorization expired after {waited_seconds} s of polling without being approved")]
    PollingExpired {
        /// How long was spent polling.
        waited_seconds: u64,
    },
    /// The system's secure random generator failed.
    #[error("the system random generator failed")]
    Random,
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

    /// The Authentication API's error code, typed (`None` when no code came back).
    #[must_use]
    pub fn auth_code(&self) -> Option<AuthErrorCode> {
        match self {
            Self::MfaRequired { .. } => Some(AuthErrorCode::MfaRequired),
            Self::Rejected { error, .. } if !error.is_empty() => Some(AuthErrorCode::parse(error)),
            _ => None,
        }
    }

    /// The `mfa_token` of an `mfa_required` answer.
    #[must_use]
    pub fn mfa_token(&self) -> Option<&Secret> {
        match self {
            Self::MfaRequired { mfa_token, .. } => Some(mfa_token),
            _ => None,
        }
    }

    /// The server's description of the error, when it gave one.
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        match self {
            Self::Rejected { description, .. } | Self::MfaRequired { description, .. } => {
                description.as_deref()
            }
            _ => None,
        }
    }

    /// True for `invalid_grant` (wrong password, a used or revoked code or refresh token).
    #[must_use]
    pub fn is_invalid_grant(&self) -> bool {
        self.auth_code() == Some(AuthErrorCode::InvalidGrant)
    }

    /// The token failed verification with this problem.
    #[must_use]
    pub fn token_problem(&self) -> Option<TokenProblem> {
        match self {
            Self::InvalidToken { problem, .. } => Some(*problem),
            _ => None,
        }
    }

    /// The MFA fields of `403 mfa_required` or an OAuth error body, from the
    /// parsed parts (the one place both are made).
    pub(crate) fn from_oauth(
        status: u16,
        error: String,
        description: Option<String>,
        mfa_token: Option<String>,
        rate_limit: Option<Box<RateLimitInfo>>,
    ) -> Self {
        match mfa_token {
            Some(token) if error == "mfa_required" && !token.is_empty() => Self::MfaRequired {
                status,
                description,
                mfa_token: Secret::new(token),
            },
            _ => Self::Rejected {
                status,
                error,
                description,
                rate_limit,
            },
        }
    }
}

/// The error codes of Auth0's Authentication API, typed; [`Error::auth_code`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthErrorCode {
    /// `invalid_request`: a parameter is missing or malformed.
    InvalidRequest,
    /// `invalid_client`: client authentication failed.
    InvalidClient,
    /// `invalid_grant`: wrong credentials, or a code or refresh token that is used, expired or revoked.
    InvalidGrant,
    /// `invalid_scope`.
    InvalidScope,
    /// `unauthorized_client`: the application may not use this grant.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `access_denied`: refused (wrong client secret, the user said no, no client grant).
    AccessDenied,
    /// `unauthorized`: e.g. a blocked user.
    Unauthorized,
    /// `mfa_required`: continue with a second factor ([`Error::mfa_token`]).
    MfaRequired,
    /// `authorization_pending`: the device or back-channel login is not approved yet.
    AuthorizationPending,
    /// `slow_down`: poll less often.
    SlowDown,
    /// `expired_token`: the device code or back-channel request expired.
    ExpiredToken,
    /// `too_many_attempts`: brute-force protection blocked the user.
    TooManyAttempts,
    /// `too_many_requests`: rate limited.
    TooManyRequests,
    /// `invalid_signup`, `invalid_password`, `user_exists`, `password_dictionary_error`…
    /// refusals of `/dbconnections/signup` (the code is kept as sent).
    Signup(String),
    /// `bad.connection`, `bad.email`…: a malformed `/passwordless/start` or
    /// `/dbconnections` request (the code is kept as sent).
    BadRequest(String),
    /// Any other code, as sent.
    Other(String),
}

impl AuthErrorCode {
    /// Type `code`.
    #[must_use]
    pub fn parse(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "invalid_scope" => Self::InvalidScope,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "access_denied" => Self::AccessDenied,
            "unauthorized" => Self::Unauthorized,
            "mfa_required" => Self::MfaRequired,
            "authorization_pending" => Self::AuthorizationPending,
            "slow_down" => Self::SlowDown,
            "expired_token" => Self::ExpiredToken,
            "too_many_attempts" => Self::TooManyAttempts,
            "too_many_requests" => Self::TooManyRequests,
            "invalid_signup"
            | "invalid_password"
            | "user_exists"
            | "username_exists"
            | "password_dictionary_error"
            | "password_no_user_info_error"
            | "password_strength_error" => Self::Signup(code.to_owned()),
            c if c.starts_with("bad.") => Self::BadRequest(code.to_owned()),
            _ => Self::Other(code.to_owned()),
        }
    }
}
