//! The one error type of the management crate.

use std::fmt;

use auth0plus_transport::{HttpResponse, RateLimitInfo, Scrubber, TransportError};
use serde::Deserialize;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to the Management API.
///
/// The messages of the original auth0plus are kept: an API error prints as
/// `"{status}: {message}"` (`409: The user already exists.`), an ambiguous
/// lookup as `User.get returned multiple users`; a failed one names what was
/// looked for: `User with email "x@example.com" does not exist`. No variant ever holds a token, client secret or password.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Auth0 answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// `get`/`get_by_id` found nothing: `Connection "Nope" does not exist`,
    /// `User with email "x@example.com" does not exist`.
    #[error("{kind}{}{lookup} does not exist", if lookup.is_empty() { "" } else { " " })]
    DoesNotExist {
        /// What was looked for: `User`, `Role`…
        kind: &'static str,
        /// How it was looked for, as the message says it: `"rol_1"` (an id
        /// or a name), `with email "x@example.com"`. Values are quoted,
        /// escaped (control and invisible characters) and cut after 100
        /// characters; the whole after 300.
        lookup: String,
    },
    /// `get` matched more than one (`User.get returned multiple users`).
    #[error("{kind}.get returned multiple {plural}")]
    MultipleObjectsReturned {
        /// What was looked for: `User`, `Role`…
        kind: &'static str,
        /// Its plural, for the message.
        plural: &'static str,
        /// How many matched.
        total: u64,
    },
    /// The password is write-only: it is gone once saved (or was never set).
    #[error("'User' object does not have a new password")]
    NoNewPassword,
    /// A search can only reach its first 1,000 results.
    #[error(
        "the search matches {total} users, but Auth0 search only reaches the first 1000; \
         narrow the query or use users().export() to read them all"
    )]
    SearchWindowExceeded {
        /// How many users matched.
        total: u64,
    },
    /// An argument was refused before anything was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// No connection was given and the client has no default connection.
    #[error("no connection: set one on the user or Auth0::builder(..).default_connection(..)")]
    MissingConnection,
    /// The record has no id yet (it was never saved).
    #[error("this record has no id; save it first")]
    MissingId,
    /// The client could not be built.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// No token could be had.
    #[error(transparent)]
    Token(#[from] auth0plus_oauth::Error),
    /// No HTTP response was obtained.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A success response that is not what the API documents.
    #[error("unexpected response from Auth0 (HTTP {status}): {reason}")]
    Decode {
        /// HTTP status.
        status: u16,
        /// What did not fit.
        reason: String,
    },
    /// The server broke a list's paging: the walk would never end (a
    /// cursor or an item seen before, a page that makes no progress). The
    /// items read before it were yielded; nothing more is asked.
    #[error(
        "the list {list} does not page as documented{}: {reason}",
        cursor.as_deref().map(|c| format!(" (at cursor `{c}`)")).unwrap_or_default()
    )]
    Protocol {
        /// The list's path (`/organizations`, `/logs`).
        list: String,
        /// The cursor the server answered, scrubbed and cut short.
        cursor: Option<String>,
        /// What went wrong.
        reason: String,
    },
    /// A job (an export, an import) failed or did not finish in time.
    #[error("job {job_id}: {reason}")]
    Job {
        /// The job id (`job_…`).
        job_id: String,
        /// What happened.
        reason: String,
    },
    /// A user of an import that cannot be sent (too large for any file, a
    /// password instead of a hash…), refused before its file is sent. The
    /// reason names fields and sizes, never a value.
    #[error("import: the user at index {index} of the stream cannot be imported: {reason}")]
    ImportRefused {
        /// Its index in the stream, from 0.
        index: u64,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// The API error, when Auth0 answered with an error status.
    #[must_use]
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// True for `DoesNotExist` and API 404s.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::DoesNotExist { .. }) || self.api().is_some_and(ApiError::is_not_found)
    }

    /// True when Auth0 says the user already exists.
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        self.api().is_some_and(ApiError::is_conflict)
    }

    /// True for a 429 (from the API or the token endpoint).
    #[must_use]
    pub fn is_rate_limited(&self) -> bool {
        match self {
            Self::Api(e) => e.is_rate_limited(),
            Self::Token(e) => e.is_rate_limited(),
            _ => false,
        }
    }

    /// The HTTP status, when there was an answer.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Decode { status, .. } => Some(*status),
            Self::Token(e) => e.status(),
            _ => None,
        }
    }
}

/// An error answer from the Management API, with its evidence kept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The reason phrase Auth0 put in `error` (`Conflict`, `Not Found`…).
    pub error: Option<String>,
    /// Auth0's machine-readable `errorCode` (`auth0_idp_error`, `inexistent_user`…).
    pub error_code: Option<String>,
    /// The human message.
    pub message: String,
    /// The start of the body when it was not JSON (an HTML gateway page).
    pub raw_body: Option<String>,
    /// The rate-limit headers of the answer.
    pub rate_limit: Option<RateLimitInfo>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
    error: Option<String>,
    error_code: Option<String>,
    error_description: Option<String>,
}

/// Longest start of a non-JSON error body kept, in bytes.
const RAW_BODY_LIMIT: usize = 1024;

/// Longest text an error keeps of a server's message or details, in bytes:
/// past it the text is cut and ends with `… [cut: N bytes in all]`.
pub(crate) const SERVER_TEXT_LIMIT: usize = 4096;

/// Longest text an error keeps of a server's short values (an error code, a
/// job id, a cursor), in bytes, cut the same way.
pub(crate) const SHORT_TEXT_LIMIT: usize = 256;

impl ApiError {
    /// Read an error response; never fails, whatever the body.
    #[must_use]
    pub fn from_response(response: &HttpResponse) -> Self {
        Self::from_response_scrubbed(response, &Scrubber::default())
    }

    /// [`ApiError::from_response`] for a request that carried secrets (a
    /// password, the bearer token): a server that echoes the request into
    /// its error must not put them into the error's fields. Every text is
    /// scrubbed before it is cut (no prefix of a secret survives the cut),
    /// and cut to a few KB however long the server made it.
    pub(crate) fn from_response_scrubbed(response: &HttpResponse, scrubber: &Scrubber) -> Self {
        let status = response.status();
        let rate_limit = RateLimitInfo::from_headers(response.headers());
        let reason = status.canonical_reason().unwrap_or("Error");
        let short = |text: String| scrubber.scrubbed_within(&text, SHORT_TEXT_LIMIT);
        match serde_json::from_slice::<ErrorBody>(response.body()) {
            Ok(body) => Self {
                status: status.as_u16(),
                message: scrubber.scrubbed_within(
                    body.message
                        .as_deref()
                        .or(body.error_description.as_deref())
                        .or(body.error.as_deref())
                        .unwrap_or(reason),
                    SERVER_TEXT_LIMIT,
                ),
                error: body.error.map(short),
                error_code: body.error_code.map(short),
                raw_body: None,
                rate_limit,
            },
            Err(_) => {
                let text = String::from_utf8_lossy(response.body());
                let snippet = scrubber.scrubbed_within(&text, RAW_BODY_LIMIT);
                Self {
                    status: status.as_u16(),
                    error: Some(reason.to_owned()),
                    error_code: None,
                    message: format!("{reason} (the response body is not JSON)"),
                    raw_body: (!snippet.trim().is_empty()).then_some(snippet),
                    rate_limit,
                }
            }
        }
    }

    /// 404.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.status == 404
    }

    /// The user already exists: 409, or the 400 older tenants sent.
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        self.status == 409
            || (self.status == 400
                && self.error_code.as_deref() == Some("auth0_idp_error")
                && self.message.contains("already exists"))
    }

    /// 429.
    #[must_use]
    pub fn is_rate_limited(&self) -> bool {
        self.status == 429
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Self::Api(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth0plus_transport::Secret;
    use auth0plus_transport::test_util::response_with_headers;

    fn resp(status: u16, body: &str) -> HttpResponse {
        response_with_headers(status, &[], body)
    }

    #[test]
    fn displays_like_the_original() {
        let e = ApiError::from_response(&resp(
            409,
            r#"{"statusCode":409,"error":"Conflict","message":"The user already exists.","errorCode":"auth0_idp_error"}"#,
        ));
        assert_eq!(
            Error::from(e.clone()).to_string(),
            "409: The user already exists."
        );
        assert!(e.is_conflict());
        assert_eq!(e.error_code.as_deref(), Some("auth0_idp_error"));
        assert_eq!(
            Error::DoesNotExist {
                kind: "User",
                lookup: String::new()
            }
            .to_string(),
            "User does not exist"
        );
        assert_eq!(
            Error::DoesNotExist {
                kind: "Connection",
                lookup: r#""Nope""#.into()
            }
            .to_string(),
            r#"Connection "Nope" does not exist"#
        );
        assert_eq!(
            Error::MultipleObjectsReturned {
                kind: "User",
                plural: "users",
                total: 2
            }
            .to_string(),
            "User.get returned multiple users"
        );
        assert_eq!(
            Error::MultipleObjectsReturned {
                kind: "Role",
                plural: "roles",
                total: 2
            }
            .to_string(),
            "Role.get returned multiple roles"
        );
        assert_eq!(
            Error::NoNewPassword.to_string(),
            "'User' object does not have a new password"
        );
    }

    #[test]
    fn non_json_and_truncated_bodies_are_kept_not_fatal() {
        let e = ApiError::from_response(&resp(502, "<html><h1>502 Bad Gateway</h1></html>"));
        assert_eq!(e.status, 502);
        assert_eq!(
            e.to_string(),
            "502: Bad Gateway (the response body is not JSON)"
        );
        assert!(e.raw_body.unwrap().contains("<h1>"));
        let e = ApiError::from_response(&resp(500, r#"{"statusCode":500,"mess"#));
        assert_eq!(e.status, 500);
        let e = ApiError::from_response(&resp(503, ""));
        assert_eq!(e.raw_body, None);
    }

    #[test]
    fn echoed_secrets_are_scrubbed_from_errors() {
        let password = Secret::new("pa\"ss-w0rd");
        let json = resp(
            400,
            r#"{"message":"bad: {\"password\":\"pa\\\"ss-w0rd\"}","error":"Bad Request"}"#,
        );
        let e = ApiError::from_response_scrubbed(&json, &Scrubber::new([&password]));
        assert_eq!(e.message, r#"bad: {"password":"[redacted]"}"#);
        let html = resp(400, "<pre>pa\"ss-w0rd</pre>");
        let e = ApiError::from_response_scrubbed(&html, &Scrubber::new([&password]));
        assert_eq!(e.raw_body.as_deref(), Some("<pre>[redacted]</pre>"));
        let e = ApiError::from_response_scrubbed(&html, &Scrubber::default());
        assert_eq!(e, ApiError::from_response(&html));
    }

    #[test]
    fn old_style_400_conflicts_count_as_conflicts() {
        let e = ApiError::from_response(&resp(
            400,
            r#"{"statusCode":400,"error":"Bad Request","message":"The user already exists (username: x).","errorCode":"auth0_idp_error"}"#,
        ));
        assert!(e.is_conflict());
    }
}
